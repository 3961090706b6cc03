//! Logs go to a file only, never to the screen: `$XDG_STATE_HOME/eos/eos.log` (default
//! `~/.local/state/eos/eos.log`), at the level `EOS_LOG` names (`warn` by default; e.g.
//! `EOS_LOG=debug` or `EOS_LOG=eos=debug`). Nothing logged carries credentials: the client logs
//! methods, sizes, timings and redirect targets.

use tracing_appender::non_blocking::WorkerGuard;

/// Starts file logging; keep the guard alive until exit so buffered lines are written. Returns
/// `None` (and logs nothing) when the log file cannot be opened — logging never stops Eos.
pub fn init() -> Option<WorkerGuard> {
    let dir = crate::audit::default_path()?.parent()?.to_path_buf();
    // Open once up front so an unwritable directory is noticed here, not in a worker thread;
    // this also creates the file 0600 in a 0700 directory before the appender opens it.
    crate::audit::open_private(&dir.join("eos.log")).ok()?;
    let (writer, guard) =
        tracing_appender::non_blocking(tracing_appender::rolling::never(&dir, "eos.log"));
    let filter = tracing_subscriber::EnvFilter::try_from_env("EOS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some(guard)
}
