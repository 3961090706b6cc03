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
    Netrc {
        path: PathBuf,
        machine: String,
    },
    Given,
    /// The `user:password@` of the scheduler URL (wins over the others, as in curl).
    Url,
}

impl std::fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CredentialSource::Environment => write!(f, "EOS_USER/EOS_PASSWORD"),
            CredentialSource::Netrc { path, machine } => {
                write!(f, "{} (machine {machine})", path.display())
            }
            CredentialSource::Given => write!(f, "given on the command line"),
            CredentialSource::Url => write!(f, "the scheduler URL"),
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

/// A URL split for use: the URL without its `user:password@` (what every message, log line and
/// the header show), and that userinfo as Basic credentials. `None` when the text is not a URL.
pub fn split_userinfo(url: &str) -> Option<(String, Option<Credentials>)> {
    let mut parsed = reqwest::Url::parse(url).ok()?;
    if parsed.username().is_empty() && parsed.password().is_none() {
        return Some((url.to_owned(), None));
    }
    let creds = Credentials::new(
        percent_decode(parsed.username()),
        percent_decode(parsed.password().unwrap_or("")),
        CredentialSource::Url,
    );
    parsed.set_username("").ok()?;
    parsed.set_password(None).ok()?;
    let mut bare = parsed.to_string();
    // Url adds a `/` to an empty path; keep the user's form otherwise.
    if !url.ends_with('/') && parsed.path() == "/" {
        bare.pop();
    }
    Some((bare, Some(creds)))
}

/// A URL (or text holding one) fit to show: the password of its `user:password@` replaced by
/// `***` (`http://ops:***@host:8081`). Works on text that does not parse as a URL too, since
/// error messages quote what the user gave.
pub fn redact_url(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        // The authority ends at the first of `/ ? # "` or whitespace.
        let end = tail
            .find(|c: char| matches!(c, '/' | '?' | '#' | '"' | '\'') || c.is_whitespace())
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rfind('@') {
            Some(at) => {
                let userinfo = &authority[..at];
                match userinfo.find(':') {
                    Some(colon) => {
                        out.push_str(&userinfo[..colon]);
                        out.push_str(":***");
                    }
                    None => out.push_str(userinfo),
                }
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
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
    fn url_userinfo_becomes_credentials_and_leaves_the_url() {
        let (bare, c) = split_userinfo("http://ops:S%40cret-1@127.0.0.1:8081").unwrap();
        assert_eq!(bare, "http://127.0.0.1:8081");
        let c = c.unwrap();
        assert!(c.matches("ops", "S@cret-1"));
        assert_eq!(c.source, CredentialSource::Url);
        let (bare, c) = split_userinfo("https://a:b@host/prefix/").unwrap();
        assert_eq!(bare, "https://host/prefix/");
        assert!(c.unwrap().matches("a", "b"));
        let (bare, c) = split_userinfo("http://host:1").unwrap();
        assert_eq!((bare.as_str(), c.is_none()), ("http://host:1", true));
    }

    #[test]
    fn shown_urls_hide_the_password() {
        assert_eq!(
            redact_url("bad scheduler URL \"http://ops:pw@h:1/api\": x and https://u:p:q@g"),
            "bad scheduler URL \"http://ops:***@h:1/api\": x and https://u:***@g"
        );
        assert_eq!(redact_url("http://ops@h:1"), "http://ops@h:1");
        assert_eq!(redact_url("no url here"), "no url here");
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
