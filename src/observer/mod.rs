//! The Thermos observer: every Aurora agent runs one (port 1338, no auth), and it serves each
//! task's process list and the stdout/stderr of every process run. Eos reads it for the log
//! pane and `eos get logs`.
//!
//! * [`client`] — the HTTP calls (`/j/processes`, `/logdata`), every reply read with a limit.
//! * [`tail`] — the pure state machine that decides which byte range to ask for next.
//! * [`buffer`] — the bounded buffer of lines a pane or a follower holds.
//! * [`text`] — unescaping the observer's XML escaping and neutralising control characters.
//!
//! Facts about the observer (apache/aurora `thermos/observer/http/`): `/logdata` answers
//! `{"offset": O, "length": n, "data": "…"}` where `n` counts the file's bytes read, `data` is
//! those bytes decoded as UTF-8 with replacement and XML-escaped; `{"offset": O, "length": 0}`
//! when there is nothing there (also past the end); `{}` when the process, run or log type is
//! unknown. It applies no cap on `length`, so Eos always sends one.

pub mod buffer;
pub mod client;
pub mod tail;
pub mod text;

pub use client::{Chunk, LogKind, ObserverClient, ObserverError, ProcessInfo};

/// The observer's base URL for `host`, from the sandbox-link template (`{host}`, `{task_id}`):
/// the template up to its task page. `http://{host}:1338/task/{task_id}` gives
/// `http://HOST:1338`; `http://sim/observer/{host}/task/{task_id}` gives `http://sim/observer/HOST`.
pub fn observer_base(template: &str, host: &str) -> String {
    let filled = template.replace("{host}", host);
    let upto = match filled.find("{task_id}") {
        Some(i) => &filled[..i],
        None => filled.as_str(),
    };
    // Drop a query or fragment the template carries, then the task page's own path.
    let upto = upto.split(['?', '#']).next().unwrap_or(upto);
    let upto = upto.trim_end_matches('/');
    let upto = upto.strip_suffix("/task").unwrap_or(upto);
    upto.trim_end_matches('/').to_owned()
}

/// Percent-encodes one path segment or query value (everything but unreserved characters).
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_from_templates() {
        assert_eq!(
            observer_base(crate::config::DEFAULT_OBSERVER_URL, "h1"),
            "http://h1:1338"
        );
        assert_eq!(
            observer_base("http://127.0.0.1:9/observer/{host}/task/{task_id}", "a.b"),
            "http://127.0.0.1:9/observer/a.b"
        );
        assert_eq!(
            observer_base("https://{host}.obs.example.com/", "h"),
            "https://h.obs.example.com"
        );
        assert_eq!(
            observer_base("http://{host}:1338/task?id={task_id}", "h"),
            "http://h:1338"
        );
    }

    #[test]
    fn components_are_encoded() {
        assert_eq!(encode_component("a b/c"), "a%20b%2Fc");
        assert_eq!(encode_component("ok-1_2.x"), "ok-1_2.x");
    }
}
