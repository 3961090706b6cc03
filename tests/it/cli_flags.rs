//! Flags belong to the commands they affect: console-only flags are not offered by `get`,
//! `sim` or `clusters`; `demo` refuses a scheduler; flags given before a subcommand carry over
//! where they matter and are a usage error elsewhere (issue 14).

use std::process::Command;

use eos::aurora::wire::Protocol;
use eos::cmd::{Cli, Command as Sub};

const CONSOLE_ONLY: [&str; 5] = ["--theme", "--keymap", "--mouse", "--read-only", "--refresh"];

fn eos(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_eos"))
        .args(args)
        .env("XDG_CONFIG_HOME", "/nonexistent-eos-test")
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn help(args: &[&str]) -> String {
    let (code, out, err) = eos(args);
    assert_eq!(code, Some(0), "{args:?}: {err}");
    out
}

fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
    Cli::try_parse_args(std::iter::once("eos").chain(args.iter().copied()))
}

fn usage_error(args: &[&str]) -> String {
    match parse(args) {
        Ok(_) => panic!("{args:?} parsed"),
        Err(e) => {
            assert_eq!(e.exit_code(), 2, "{args:?}: {e}");
            e.to_string()
        }
    }
}

#[test]
fn get_help_offers_connection_flags_and_config_but_no_console_flag() {
    for args in [&["get", "--help"][..], &["get", "tasks", "--help"]] {
        let text = help(args);
        for flag in [
            "--scheduler",
            "--cluster",
            "--protocol",
            "--timeout",
            "--config",
        ] {
            assert!(text.contains(flag), "{args:?} lacks {flag}:\n{text}");
        }
        for flag in CONSOLE_ONLY {
            assert!(!text.contains(flag), "{args:?} offers {flag}:\n{text}");
        }
    }
}

#[test]
fn sim_help_lists_only_the_simulators_flags() {
    let text = help(&["sim", "--help"]);
    for flag in ["--listen", "--seed", "--clock", "--cluster-name"] {
        assert!(text.contains(flag), "sim lacks {flag}:\n{text}");
    }
    for flag in CONSOLE_ONLY.iter().chain(&[
        "--scheduler",
        "--config",
        "--protocol",
        "--ca-cert",
        "--docker",
    ]) {
        assert!(!text.contains(flag), "sim offers {flag}:\n{text}");
    }
    let clusters = help(&["clusters", "--help"]);
    for flag in CONSOLE_ONLY.iter().chain(&["--scheduler"]) {
        assert!(
            !clusters.contains(flag),
            "clusters offers {flag}:\n{clusters}"
        );
    }
}

#[test]
fn a_console_flag_on_get_sim_or_clusters_is_a_usage_error() {
    // Through the binary: the exit status a script sees.
    let (code, _, err) = eos(&["get", "--theme", "x", "roles"]);
    assert_eq!(code, Some(2), "{err}");
    for args in [
        &["get", "roles", "--read-only"][..],
        &["get", "--mouse", "roles"],
        &["--theme", "x", "get", "roles"],
        &["--refresh", "2", "get", "roles"],
        &["sim", "--keymap", "vim"],
        &["--read-only", "sim"],
        &["clusters", "--theme", "x"],
        &["--mouse", "clusters"],
        &["--scheduler", "http://127.0.0.1:1", "sim"],
    ] {
        usage_error(args);
    }
}

#[test]
fn demo_refuses_a_scheduler_cluster_or_docker() {
    for args in [
        &["demo", "--scheduler", "http://127.0.0.1:1"][..],
        &["demo", "--cluster", "prod"],
        &["demo", "--docker"],
        &["--scheduler", "http://127.0.0.1:1", "demo"],
        &["--cluster", "prod", "demo"],
        &["--docker", "demo"],
    ] {
        let said = usage_error(args);
        assert!(said.contains("--"), "{args:?}: {said}");
    }
    let (code, _, err) = eos(&["demo", "--scheduler", "http://127.0.0.1:1"]);
    assert_eq!(code, Some(2), "{err}");
}

#[test]
fn read_only_still_works_for_the_console_and_demo() {
    assert!(parse(&["--read-only"]).unwrap().console.read_only);
    for args in [&["demo", "--read-only"][..], &["--read-only", "demo"]] {
        match parse(args).unwrap().command {
            Some(Sub::Demo(d)) => assert!(d.console.read_only, "{args:?}"),
            other => panic!("{args:?}: {other:?}"),
        }
    }
    match parse(&["demo", "--seed", "7"]).unwrap().command {
        Some(Sub::Demo(d)) => {
            assert!(!d.console.read_only);
            assert_eq!(d.sim.seed, 7);
        }
        other => panic!("{other:?}"),
    }
    match parse(&["--keymap", "vim", "keys"]).unwrap().command {
        Some(Sub::Keys(k)) => assert_eq!(k.console.keymap.as_deref(), Some("vim")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn connection_flags_before_or_after_get_reach_the_read() {
    let cli = parse(&[
        "--protocol",
        "json",
        "--scheduler",
        "http://127.0.0.1:1",
        "get",
        "tasks",
        "a/b/c",
        "--timeout",
        "3",
        "--config",
        "c.toml",
    ])
    .unwrap();
    match cli.command {
        Some(Sub::Get(g)) => {
            assert_eq!(g.conn.protocol, Protocol::Json);
            assert_eq!(g.conn.scheduler.as_deref(), Some("http://127.0.0.1:1"));
            assert_eq!(g.conn.timeout, 3.0);
            assert_eq!(g.config.as_deref(), Some(std::path::Path::new("c.toml")));
        }
        other => panic!("{other:?}"),
    }
    // Given after `get`, a flag beats the same flag before it.
    match parse(&["--timeout", "9", "get", "roles", "--timeout", "4"])
        .unwrap()
        .command
    {
        Some(Sub::Get(g)) => assert_eq!(g.conn.timeout, 4.0),
        other => panic!("{other:?}"),
    }
    // Two targets, one each side of `get`, conflict as they do on one side.
    usage_error(&[
        "--scheduler",
        "http://127.0.0.1:1",
        "get",
        "roles",
        "--cluster",
        "x",
    ]);
    usage_error(&[
        "get",
        "roles",
        "--scheduler",
        "http://127.0.0.1:1",
        "--cluster",
        "x",
    ]);
}
