//! Logs go to `$XDG_STATE_HOME/eos/eos.log` at the level `EOS_LOG` names, never to the
//! terminal, and never with credentials.

use std::process::Command;

use eos::sim::{SimArgs, SimServer, Simulator};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_calls_are_logged_to_the_state_file_without_credentials() {
    let args = SimArgs {
        clock: "frozen".parse().unwrap(),
        ..SimArgs::default()
    };
    let server = SimServer::start(Simulator::new(&args), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let state = tempfile::tempdir().unwrap();
    let url = server.url();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_eos"))
            .args(["get", "roles", "--scheduler", &url])
            .env("XDG_STATE_HOME", state.path())
            .env("EOS_LOG", "debug")
            .env("EOS_USER", "alice")
            .env("EOS_PASSWORD", "hunter2-secret")
            .output()
            .map(|o| (o, state))
    })
    .await
    .unwrap()
    .unwrap();
    let (out, state) = out;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "nothing is logged to the terminal: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log = std::fs::read_to_string(state.path().join("eos/eos.log")).unwrap();
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode =
            |p: std::path::PathBuf| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode(state.path().join("eos/eos.log")),
            0o600,
            "eos.log is private"
        );
        assert_eq!(
            mode(state.path().join("eos")),
            0o700,
            "the state directory is private"
        );
    }
    assert!(
        log.contains("api call") && log.contains("getRoleSummary"),
        "{log}"
    );
    assert!(
        !log.contains("hunter2"),
        "the password leaked into the log:\n{log}"
    );
    assert!(
        !log.contains("YWxpY2U6aHVudGVyMi1zZWNyZXQ"),
        "the Basic token leaked:\n{log}"
    );
    server.shutdown().await;
}
