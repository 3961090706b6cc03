//! The audit log: one JSON line per mutation sent, with its outcome. Credentials never appear:
//! only the operation's arguments and the scheduler's answer are written.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

#[derive(Serialize)]
pub struct Entry<'a> {
    /// RFC 3339, UTC.
    pub time: String,
    pub cluster: &'a str,
    pub scheduler: &'a str,
    /// The local account that ran Eos.
    pub local_user: String,
    pub method: &'a str,
    pub arguments: serde_json::Value,
    pub message: Option<&'a str>,
    /// The scheduler's response code, or what happened instead (`TRANSPORT_ERROR`,
    /// `HTTP_401`, …; `OUTCOME_UNKNOWN` when the call may or may not have run).
    pub response_code: String,
    pub details: Vec<String>,
    pub duration_ms: u64,
}

/// `$XDG_STATE_HOME/eos/audit.log`, else `~/.local/state/eos/audit.log`.
pub fn default_path() -> Option<PathBuf> {
    std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".local/state")))
        .map(|d| d.join("eos").join("audit.log"))
}

pub fn local_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| {
            // SAFETY: getuid has no preconditions and cannot fail.
            format!("uid {}", unsafe { libc::getuid() })
        })
}

/// Appends one entry; returns why it could not, so the console can say so.
pub fn append(path: &Path, entry: &Entry) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("audit log {}: {e}", dir.display()))?;
    }
    let mut line = serde_json::to_string(entry).map_err(|e| e.to_string())?;
    line.push('\n');
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| format!("audit log {}: {e}", path.display()))?;
    // One write call per line keeps concurrent writers' lines whole.
    f.write_all(line.as_bytes())
        .map_err(|e| format!("audit log {}: {e}", path.display()))
}
