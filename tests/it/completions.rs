//! `eos completions SHELL` and `eos man` print what the shells and man(1) read, generated from
//! the same clap definitions as the parser (so every subcommand and flag is in them).

use std::process::Command;

fn eos(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_eos"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn completion_scripts_name_the_subcommands_and_flags() {
    let bash = eos(&["completions", "bash"]);
    assert!(bash.contains("_eos()"), "{bash}");
    let zsh = eos(&["completions", "zsh"]);
    assert!(zsh.starts_with("#compdef eos"), "{zsh}");
    let fish = eos(&["completions", "fish"]);
    assert!(fish.contains("complete -c eos"), "{fish}");
    for (shell, script) in [("bash", &bash), ("zsh", &zsh), ("fish", &fish)] {
        for word in ["get", "sim", "scheduler", "retries", "updates"] {
            assert!(script.contains(word), "{shell} lacks {word}");
        }
    }
}

#[test]
fn the_man_page_is_roff_for_eos() {
    let man = eos(&["man"]);
    assert!(man.contains(".TH eos 1"), "{man}");
    assert!(man.contains("\\-\\-scheduler"), "{man}");
    assert!(man.contains("completions"), "{man}");
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_eos"))
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
