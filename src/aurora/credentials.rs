//! HTTP Basic credentials, found the way Aurora's own client finds them: `~/.netrc` by the
//! scheduler's host name, or `EOS_USER` / `EOS_PASSWORD`. The password is never printed.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use reqwest::header::HeaderValue;

#[derive(Clone)]
pub struct Credentials {
    pub user: String,
    password: String,
    pub source: CredentialSource,
}

/// Where credentials came from, to tell the user which ones were tried (never the password).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CredentialSource {
    Environment,
    Netrc { path: PathBuf, machine: String },
    Given,
}

impl std::fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CredentialSource::Environment => write!(f, "EOS_USER/EOS_PASSWORD"),
            CredentialSource::Netrc { path, machine } => {
                write!(f, "{} (machine {machine})", path.display())
            }
            CredentialSource::Given => write!(f, "given on the command line"),
        }
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .field("source", &self.source)
            .finish()
    }
}

impl Credentials {
    pub fn new(
        user: impl Into<String>,
        password: impl Into<String>,
        source: CredentialSource,
    ) -> Self {
        Self {
            user: user.into(),
            password: password.into(),
            source,
        }
    }

    pub fn basic_header(&self) -> HeaderValue {
        let token = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", self.user, self.password));
        let mut v = HeaderValue::from_str(&format!("Basic {token}"))
            .unwrap_or_else(|_| HeaderValue::from_static("Basic"));
        v.set_sensitive(true);
        v
    }

    /// Checks a `user:password` pair (for the simulator's auth).
    pub fn matches(&self, user: &str, password: &str) -> bool {
        self.user == user && self.password == password
    }

    /// `EOS_USER`/`EOS_PASSWORD` if both are set, else the netrc entry for `host`.
    pub fn discover(host: &str) -> Option<Credentials> {
        if let (Ok(u), Ok(p)) = (std::env::var("EOS_USER"), std::env::var("EOS_PASSWORD")) {
            return Some(Credentials::new(u, p, CredentialSource::Environment));
        }
        let path = std::env::var_os("NETRC")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".netrc")))?;
        let text = std::fs::read_to_string(&path).ok()?;
        let (user, password) = netrc_lookup(&text, host)?;
        Some(Credentials::new(
            user,
            password,
            CredentialSource::Netrc {
                path,
                machine: host.to_owned(),
            },
        ))
    }
}

/// Finds `login`/`password` for `host` in netrc text (falling back to a `default` entry).
pub fn netrc_lookup(text: &str, host: &str) -> Option<(String, String)> {
    let mut tokens = text.split_whitespace();
    let mut found: Option<(String, String)> = None;
    let mut default: Option<(String, String)> = None;
    // Which entry the following login/password belong to: Some(true) = ours, Some(false) = another.
    let mut current: Option<bool> = None;
    let mut is_default = false;
    let mut login = String::new();
    let mut password = String::new();
    let flush = |cur: Option<bool>,
                 is_def: bool,
                 l: &str,
                 p: &str,
                 found: &mut Option<(String, String)>,
                 default: &mut Option<(String, String)>| {
        if l.is_empty() && p.is_empty() {
            return;
        }
        if cur == Some(true) && found.is_none() {
            *found = Some((l.to_owned(), p.to_owned()));
        } else if is_def && default.is_none() {
            *default = Some((l.to_owned(), p.to_owned()));
        }
    };
    while let Some(tok) = tokens.next() {
        match tok {
            "machine" => {
                flush(
                    current,
                    is_default,
                    &login,
                    &password,
                    &mut found,
                    &mut default,
                );
                login.clear();
                password.clear();
                is_default = false;
                current = Some(tokens.next() == Some(host));
            }
            "default" => {
                flush(
                    current,
                    is_default,
                    &login,
                    &password,
                    &mut found,
                    &mut default,
                );
                login.clear();
                password.clear();
                current = Some(false);
                is_default = true;
            }
            "login" => login = tokens.next().unwrap_or("").to_owned(),
            "password" => password = tokens.next().unwrap_or("").to_owned(),
            "account" => {
                tokens.next();
            }
            "macdef" => {
                // A macro body runs to the next blank line; none of its words are tokens.
                flush(
                    current,
                    is_default,
                    &login,
                    &password,
                    &mut found,
                    &mut default,
                );
                login.clear();
                password.clear();
                current = None;
                is_default = false;
                tokens.next();
            }
            _ => {}
        }
    }
    flush(
        current,
        is_default,
        &login,
        &password,
        &mut found,
        &mut default,
    );
    found.or(default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netrc_picks_the_machine_then_default() {
        let text = "machine other login a password b\n\
                    machine sched.example login alice password s3cret\n\
                    default login anon password x\n";
        assert_eq!(
            netrc_lookup(text, "sched.example"),
            Some(("alice".into(), "s3cret".into()))
        );
        assert_eq!(
            netrc_lookup(text, "nowhere"),
            Some(("anon".into(), "x".into()))
        );
        assert_eq!(netrc_lookup("machine a login u password p", "b"), None);
    }

    #[test]
    fn debug_never_shows_the_password() {
        let c = Credentials::new("alice", "hunter2", CredentialSource::Environment);
        assert!(!format!("{c:?}").contains("hunter2"));
        assert_eq!(
            c.basic_header().to_str().unwrap(),
            "Basic YWxpY2U6aHVudGVyMg=="
        );
    }
}
