//! The `eos` binary as a script runs it: `eos get …` in a private home, so a user's
//! clusters.json, config, netrc or `EOS_*` variables never leak into a test.

use std::ffi::{OsStr, OsString};
use std::process::{Command, Output};

/// `eos` with a fresh scratch directory for HOME, XDG config and state, and
/// `AURORA_CONFIG_ROOT`, and no `EOS_USER`, `EOS_PASSWORD` or `EOS_SCHEDULER`.
pub fn eos() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_eos"));
    let scratch = tempfile::tempdir().unwrap().keep();
    c.env("XDG_STATE_HOME", &scratch)
        .env("XDG_CONFIG_HOME", &scratch)
        .env("HOME", &scratch)
        .env("AURORA_CONFIG_ROOT", &scratch)
        .env_remove("EOS_USER")
        .env_remove("EOS_PASSWORD")
        .env_remove("EOS_SCHEDULER");
    c
}

/// Runs `eos ARGS…` to its end off the async runtime (a test's simulator keeps answering).
pub async fn run<A: AsRef<OsStr>>(args: impl IntoIterator<Item = A>) -> Output {
    let args: Vec<OsString> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
    tokio::task::spawn_blocking(move || eos().args(&args).output().unwrap())
        .await
        .unwrap()
}
