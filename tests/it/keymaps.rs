//! Keymap lint and bad-file tests: every shipped keymap parses, merges over the default without
//! duplicate or conflicting bindings; the README's key table is the default keymap's; bad files
//! are reported by the real binary with file, line and reason, and a non-zero exit.

use std::path::{Path, PathBuf};
use std::process::{Command as Proc, Output, Stdio};

use eos::app::command::Command;
use eos::keymap::{Chord, Keymap, Layer, Lookup, SHIPPED, print, shipped};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `keymaps/*.toml` in the repository.
fn shipped_files() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(root().join("keymaps"))
        .expect("keymaps/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).expect("read"))
        })
        .collect();
    out.sort();
    out
}

#[test]
fn every_keymap_file_is_embedded_and_selectable_by_name() {
    let files = shipped_files();
    assert!(files.len() >= 3, "default, vim, tmux-safe: {files:?}");
    for (name, text) in &files {
        assert_eq!(
            shipped(name),
            Some(text.as_str()),
            "keymaps/{name}.toml is not the embedded one (add it to keymap::SHIPPED)"
        );
    }
    assert_eq!(SHIPPED.len(), files.len());
}

#[test]
fn shipped_keymaps_have_no_duplicate_or_conflicting_bindings() {
    for (name, text) in shipped_files() {
        // Within the file: two spellings of one chord, or a chord that begins another live one.
        let table: toml::Table = text.parse().unwrap_or_else(|e| panic!("{name}: {e}"));
        for (section, bindings) in &table {
            assert!(Layer::from_name(section).is_some(), "{name}: [{section}]");
            let live: Vec<(Chord, &str)> = bindings
                .as_table()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.parse().unwrap(), v.as_str().unwrap()))
                .collect();
            for (i, (a, a_act)) in live.iter().enumerate() {
                for (b, b_act) in &live[i + 1..] {
                    assert_ne!(a, b, "{name} [{section}]: {a} bound twice");
                    if *a_act != "noop" && *b_act != "noop" {
                        assert!(
                            !a.starts_with(&b.0) && !b.starts_with(&a.0),
                            "{name} [{section}]: {a} and {b} clash"
                        );
                    }
                }
            }
        }
        // After merging over the default: no conflict in any layer or along any view's chain.
        let k = Keymap::load_spec(&name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let conflicts = k.conflicts();
        assert!(conflicts.is_empty(), "{name}: {conflicts:?}");
        for layer in Layer::ALL {
            let b = k.bindings(*layer);
            for (i, (a, _)) in b.iter().enumerate() {
                assert!(
                    b[i + 1..].iter().all(|(o, _)| o != a),
                    "{name} [{}]: {a} bound twice after merging",
                    layer.name()
                );
            }
        }
        // The shipped file through a path works as well as through its name.
        let by_path = Keymap::load_spec(
            &root()
                .join(format!("keymaps/{name}.toml"))
                .display()
                .to_string(),
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(print::listing(&by_path), print::listing(&k));
    }
}

fn keys(s: &str) -> Vec<eos::keymap::Key> {
    s.parse::<Chord>().unwrap().0
}

#[test]
fn tmux_safe_has_no_ctrl_letter_chord_but_ctrl_c_and_keeps_every_action() {
    let k = Keymap::load_spec("tmux-safe").unwrap();
    let default = Keymap::builtin();
    for layer in Layer::ALL {
        for (chord, cmd) in k.bindings(*layer) {
            let s = chord.to_string();
            assert!(
                !s.contains("<C-") || s == "<C-c>",
                "[{}] {s} = {}",
                layer.name(),
                cmd.name()
            );
        }
        // Whatever the default reaches from a view, tmux-safe still reaches.
        let chain = layer.chain();
        for cmd in Command::ALL {
            if !default.chords_for(&chain, *cmd).is_empty() {
                assert!(
                    !k.chords_for(&chain, *cmd).is_empty(),
                    "tmux-safe lost {} in [{}]",
                    cmd.name(),
                    layer.name()
                );
            }
        }
    }
    let tasks = Layer::Tasks.chain();
    assert_eq!(k.lookup(&tasks, &keys("K")), Lookup::Command(Command::Kill));
    assert_eq!(
        k.lookup(&tasks, &keys("A")),
        Lookup::Command(Command::MarkAll)
    );
    assert_eq!(k.lookup(&tasks, &keys("<C-k>")), Lookup::None);
}

#[test]
fn vim_keymap_adds_gg_half_pages_and_zz() {
    let k = Keymap::load_spec("vim").unwrap();
    for layer in [
        Layer::Jobs,
        Layer::Tasks,
        Layer::Task,
        Layer::Update,
        Layer::Config,
    ] {
        let chain = layer.chain();
        assert_eq!(k.lookup(&chain, &keys("g")), Lookup::Pending, "{layer:?}");
        assert_eq!(
            k.lookup(&chain, &keys("g g")),
            Lookup::Command(Command::Top)
        );
        assert_eq!(
            k.lookup(&chain, &keys("<C-d>")),
            Lookup::Command(Command::PageDown)
        );
        assert_eq!(
            k.lookup(&chain, &keys("<C-u>")),
            Lookup::Command(Command::PageUp)
        );
        assert_eq!(
            k.lookup(&chain, &keys("Z Z")),
            Lookup::Command(Command::Quit)
        );
    }
    let chain = Layer::Tasks.chain();
    assert_eq!(
        k.lookup(&chain, &keys("/")),
        Lookup::Command(Command::Filter)
    );
    assert_eq!(
        k.lookup(&chain, &keys("n")),
        Lookup::Command(Command::NextMatch)
    );
    assert_eq!(
        k.lookup(&chain, &keys(":")),
        Lookup::Command(Command::CommandLine)
    );
}

/// The text between the README's key-table markers.
fn readme_table(readme: &str) -> &str {
    let begin = readme
        .find("<!-- keys:begin")
        .expect("keys:begin marker in README.md");
    let begin = begin + readme[begin..].find('\n').expect("newline") + 1;
    let end = readme
        .find("<!-- keys:end -->")
        .expect("keys:end marker in README.md");
    &readme[begin..end]
}

#[test]
fn readme_key_table_is_the_default_keymap() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let table = readme_table(&readme);
    let expected = print::markdown(&Keymap::builtin());
    assert!(
        table == expected,
        "README.md's key table differs from the default keymap; regenerate it with \
         `eos keys --markdown` (between the keys:begin/keys:end markers).\n--- README\n{table}\n--- keymap\n{expected}"
    );
    // And the binary prints the same.
    let out = eos(&["keys", "--markdown"], &[]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), expected);
    // The comparison has teeth: any change of the keymap changes the table.
    let mut changed = Keymap::builtin();
    changed
        .merge(
            "[tasks]\n\"<C-k>\" = \"noop\"\n\"K\" = \"kill\"\n",
            "t.toml",
        )
        .unwrap();
    assert_ne!(print::markdown(&changed), expected);
    let mut described = Keymap::builtin();
    described
        .merge("[quota]\n\"x\" = \"refresh\"\n", "t.toml")
        .unwrap();
    assert_ne!(print::markdown(&described), expected);
}

fn eos(args: &[&str], env: &[(&str, &str)]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Proc::new(env!("CARGO_BIN_EXE_eos"));
    cmd.args(args)
        .env("XDG_CONFIG_HOME", dir.path())
        .env("XDG_STATE_HOME", dir.path())
        .env_remove("EOS_SCHEDULER")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run eos")
}

#[test]
fn eos_keys_prints_the_effective_keymap_per_layer() {
    let out = eos(&["keys"], &[]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("[tasks]  (then list, global)"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>()[..]
                == [
                    "<C-k>",
                    "kill",
                    "Kill",
                    "the",
                    "marked",
                    "(or",
                    "selected)",
                    "instances"
                ]),
        "{text}"
    );
    let vim = String::from_utf8(eos(&["keys", "--keymap", "vim"], &[]).stdout).unwrap();
    assert!(
        vim.lines().any(|l| l.trim_start().starts_with("g g ")),
        "{vim}"
    );
    // The user's own keymap.toml is picked up too.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("eos")).unwrap();
    std::fs::write(
        dir.path().join("eos/keymap.toml"),
        "[roles]\n\"Q\" = \"quota\"\n",
    )
    .unwrap();
    let out = eos(
        &["keys"],
        &[("XDG_CONFIG_HOME", dir.path().to_str().unwrap())],
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.lines()
            .any(|l| l.trim_start().starts_with("Q ") && l.contains("quota"))
    );
}

fn bad_file(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn bad_keymaps_are_reported_with_file_line_and_reason_before_the_screen_opens() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "action.toml",
            "# mine\n[list]\n\"j\" = \"down\"\n\"x\" = \"explode\"\n",
            4,
            "unknown action \"explode\"",
        ),
        (
            "chord.toml",
            "[tasks]\n\"<Hyper-k>\" = \"kill\"\n",
            2,
            "unknown key name",
        ),
        (
            "same-file.toml",
            "[list]\n\"z\" = \"down\"\n\"z z\" = \"up\"\n",
            3,
            "conflicts",
        ),
        (
            "over-default.toml",
            "[roles]\n\n\"g g\" = \"quota\"\n",
            3,
            "conflicts with g in [list]",
        ),
        (
            "section.toml",
            "[everywhere]\n\"j\" = \"down\"\n",
            1,
            "unknown section",
        ),
        ("syntax.toml", "[list]\n\"j\" = down\n", 2, ""),
    ];
    for (name, text, line, reason) in cases {
        let path = bad_file(dir.path(), name, text);
        for args in [
            vec!["keys", "--keymap", path.as_str()],
            vec!["--keymap", path.as_str(), "demo", "--clock", "frozen"],
            vec![
                "--keymap",
                path.as_str(),
                "--scheduler",
                "http://127.0.0.1:9",
            ],
        ] {
            let out = eos(&args, &[]);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(!out.status.success(), "{args:?} succeeded");
            assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
            assert!(
                stderr.contains(&format!("{path}:{line}: ")),
                "{args:?}: want {path}:{line}: in {stderr}"
            );
            assert!(
                stderr.contains(reason),
                "{args:?}: want {reason:?} in {stderr}"
            );
            // Nothing was drawn: no alternate screen, no escape sequences at all.
            assert!(
                !out.stdout.contains(&0x1b),
                "{args:?} wrote to the terminal"
            );
        }
    }
    // A missing file and a name that is not shipped.
    let out = eos(&["keys", "--keymap", "nosuch"], &[]);
    assert!(!out.status.success());
    // No line to name (it used to say "line 0").
    assert!(String::from_utf8_lossy(&out.stderr).contains("keymap nosuch: cannot read"));
}
