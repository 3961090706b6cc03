//! The audit log: one JSON line per mutation sent, with its outcome. Credentials never appear:
//! only the operation's arguments and the scheduler's answer are written.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// Where a backend records the calls it sends (`None`: no log) and the cluster name it writes.
/// The backend boundary hands it to `Backend::mutate`: each backend writes one record per call
/// it really sent (see `backend/mod.rs`).
#[derive(Clone, Copy, Debug)]
pub struct AuditTo<'a> {
    pub path: Option<&'a Path>,
    pub cluster: &'a str,
}

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

/// Makes Eos's own state directory (`…/eos`) readable by its owner only (0700), creating it
/// and its parents as needed. Its files say who changed what, where: nobody else's business.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt as _, PermissionsExt as _};
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent)?;
    }
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            // Made by an older Eos (0755): close it now.
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        }
        Err(e) => Err(e),
    }
}

/// Opens `path` for appending, created 0600 in a 0700 directory (an existing file made by an
/// older Eos with 0644 is closed to others too).
pub fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
    if let Some(dir) = path.parent() {
        private_dir(dir)?;
    }
    let f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    let meta = f.metadata()?;
    if meta.permissions().mode() & 0o077 != 0 {
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(f)
}

/// Why an entry could not be appended (the effect runners log it and carry on).
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The entry would not serialise (its arguments are caller-built JSON).
    #[error("audit entry: {0}")]
    Encode(#[from] serde_json::Error),
    /// The log could not be opened or written.
    #[error("audit log {}: {source}", path.display())]
    Write {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

/// Appends one entry; returns why it could not, so the console can say so.
pub fn append(path: &Path, entry: &Entry) -> Result<(), AuditError> {
    let mut line = serde_json::to_string(entry)?;
    line.push('\n');
    let write = |source| AuditError::Write {
        path: path.to_owned(),
        source,
    };
    let mut f = open_private(path).map_err(write)?;
    // One write call per line keeps concurrent writers' lines whole.
    f.write_all(line.as_bytes()).map_err(write)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    fn mode(p: &std::path::Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn the_audit_log_is_private_to_its_owner() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("state/eos/audit.log");
        let entry = super::Entry {
            time: "t".into(),
            cluster: "c",
            scheduler: "http://s",
            local_user: "u".into(),
            method: "killTasks",
            arguments: serde_json::Value::Null,
            message: None,
            response_code: "OK".into(),
            details: vec![],
            duration_ms: 1,
        };
        super::append(&path, &entry).unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        // Files and directories an older Eos left open are closed on the next write.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(
            path.parent().unwrap(),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        super::append(&path, &entry).unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 2);
    }

    /// A log that cannot be written says which file and why, as a typed error whose text is
    /// what the console logs.
    #[test]
    fn an_unwritable_log_names_its_file() {
        let tmp = tempfile::tempdir().unwrap();
        let blocker = tmp.path().join("not-a-dir");
        std::fs::write(&blocker, "").unwrap();
        let path = blocker.join("audit.log");
        let entry = super::Entry {
            time: "t".into(),
            cluster: "c",
            scheduler: "http://s",
            local_user: "u".into(),
            method: "killTasks",
            arguments: serde_json::Value::Null,
            message: None,
            response_code: "OK".into(),
            details: vec![],
            duration_ms: 1,
        };
        let e = super::append(&path, &entry).unwrap_err();
        assert!(
            matches!(&e, super::AuditError::Write { path: p, .. } if *p == path),
            "{e:?}"
        );
        assert!(
            e.to_string()
                .starts_with(&format!("audit log {}: ", path.display())),
            "{e}"
        );
    }
}
