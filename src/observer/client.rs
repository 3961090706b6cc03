//! HTTP calls to one Thermos observer. Every reply is read through
//! [`crate::bounded_reply::read_limited`] with a limit that follows from what was asked, so a
//! hostile or broken observer cannot make Eos hold more than a few hundred KiB per call.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

use super::encode_component;
use super::text::xml_unescape;
use crate::bounded_reply::{self, BodyError, Sniffed};

/// `/j/processes` replies are read this far at most (a task has a handful of processes).
pub const MAX_PROCESSES_REPLY: usize = 4 << 20;
/// The longest a `/logdata` request may ask for: one chunk.
pub const MAX_CHUNK: u64 = 1 << 20;

/// stdout or stderr.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum LogKind {
    #[default]
    Stdout,
    Stderr,
}

impl LogKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LogKind::Stdout => "stdout",
            LogKind::Stderr => "stderr",
        }
    }
    pub fn toggled(self) -> LogKind {
        match self {
            LogKind::Stdout => LogKind::Stderr,
            LogKind::Stderr => LogKind::Stdout,
        }
    }
}

/// The latest run of one process, as `/j/processes` describes it.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct ProcessInfo {
    #[serde(default)]
    pub process_name: String,
    #[serde(default)]
    pub process_run: i64,
    #[serde(default)]
    pub state: String,
    /// Seconds since the epoch.
    #[serde(default)]
    pub start_time: Option<f64>,
    #[serde(default)]
    pub stop_time: Option<f64>,
    #[serde(default)]
    pub return_code: Option<i64>,
}

/// The process a log view opens when none is named: the latest-started one, preferring a
/// running one (a task's setup processes finish before its main one starts).
pub fn default_process(procs: &BTreeMap<String, ProcessInfo>) -> Option<&str> {
    procs
        .iter()
        .max_by(|a, b| {
            let key = |p: &ProcessInfo| (p.state == "RUNNING", p.start_time.unwrap_or(0.0));
            let (ka, kb) = (key(a.1), key(b.1));
            ka.0.cmp(&kb.0)
                .then(ka.1.partial_cmp(&kb.1).unwrap_or(std::cmp::Ordering::Equal))
                // Equal keys: the first name wins.
                .then(b.0.cmp(a.0))
        })
        .map(|(name, _)| name.as_str())
}

/// One `/logdata` answer, unescaped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Chunk {
    /// The file offset it starts at (for `offset=-1`: the file's size).
    pub offset: u64,
    /// How many bytes of the file it covers.
    pub length: u64,
    /// Those bytes as text, XML escaping undone.
    pub text: String,
}

impl Chunk {
    /// The offset just past this chunk.
    pub fn end(&self) -> u64 {
        self.offset + self.length
    }
}

/// Why a call to the observer failed, in the words the pane and `eos get logs` show.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ObserverError {
    #[error("cannot reach the observer at {url}: {why}")]
    Unreachable { url: String, why: String },
    #[error(
        "the observer at {url} does not know task {task_id} (not on that agent, or not started yet)"
    )]
    NoSuchTask { url: String, task_id: String },
    #[error("task {task_id} has no process {process:?}{}", if available.is_empty() { String::new() } else { format!(" (it has {})", available.join(", ")) })]
    NoSuchProcess {
        task_id: String,
        process: String,
        available: Vec<String>,
    },
    #[error("process {process} of task {task_id} has no run {run} with a {kind} log")]
    NoSuchLog {
        task_id: String,
        process: String,
        run: i64,
        kind: &'static str,
    },
    #[error("the log was rotated (it shrank from {was} to {now} bytes); reading from the new file")]
    Rotated { was: u64, now: u64 },
    #[error("the observer at {url} answered HTTP {status}")]
    Http { url: String, status: u16 },
    #[error("the observer at {url} sent a reply Eos cannot read: {why}")]
    BadReply { url: String, why: String },
}

impl ObserverError {
    /// The observer is down or not there (as opposed to answering "no").
    pub fn is_unreachable(&self) -> bool {
        matches!(self, ObserverError::Unreachable { .. })
    }
    /// The task, process, run or log does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            ObserverError::NoSuchTask { .. }
                | ObserverError::NoSuchProcess { .. }
                | ObserverError::NoSuchLog { .. }
        )
    }
}

/// A client for one observer (one agent).
#[derive(Clone, Debug)]
pub struct ObserverClient {
    http: reqwest::Client,
    base: String,
}

impl ObserverClient {
    /// `base` is the observer's root (see [`super::observer_base`]).
    pub fn new(base: &str) -> Result<ObserverClient, String> {
        crate::aurora::client::install_crypto_provider();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::limited(3))
            .no_proxy()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(15))
            .user_agent(concat!("eos/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("could not build the HTTP client: {e}"))?;
        Ok(ObserverClient {
            http,
            base: base.trim_end_matches('/').to_owned(),
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// The latest run of each process of `task_id`, by name.
    pub async fn processes(
        &self,
        task_id: &str,
    ) -> Result<BTreeMap<String, ProcessInfo>, ObserverError> {
        let url = format!(
            "{}/j/processes?task_id={}",
            self.base,
            encode_component(task_id)
        );
        let body = self.get(&url, MAX_PROCESSES_REPLY).await?;
        let mut all: BTreeMap<String, BTreeMap<String, serde_json::Value>> =
            parse_json(&body).map_err(|why| self.bad(why))?;
        let procs = all.remove(task_id).unwrap_or_default();
        if procs.is_empty() {
            // `{}` (no task_id understood) or `{ID: {}}` (the observer has no such task).
            return Err(ObserverError::NoSuchTask {
                url: self.base.clone(),
                task_id: task_id.to_owned(),
            });
        }
        let mut out = BTreeMap::new();
        for (name, v) in procs {
            // A process without history is `{}`: it exists but has not run yet.
            let mut info: ProcessInfo = serde_json::from_value(v).unwrap_or_default();
            if info.process_name.is_empty() {
                info.process_name = name.clone();
            }
            if info.state.is_empty() {
                info.state = "WAITING".to_owned();
            }
            out.insert(name, info);
        }
        Ok(out)
    }

    /// `length` bytes of a log from `offset` (`-1`: the end, so `length` 0 asks for the size).
    /// `run` -1 is the latest run. `length` is capped at [`MAX_CHUNK`].
    pub async fn log_chunk(
        &self,
        task_id: &str,
        process: &str,
        run: i64,
        kind: LogKind,
        offset: i64,
        length: u64,
    ) -> Result<Chunk, ObserverError> {
        let length = length.min(MAX_CHUNK);
        let url = format!(
            "{}/logdata/{}/{}/{}/{}?offset={}&length={}",
            self.base,
            encode_component(task_id),
            encode_component(process),
            run,
            kind.as_str(),
            offset,
            length
        );
        // Escaping can make text longer: `&` is five bytes, a control character or an
        // invalid byte's U+FFFD six in JSON. Anything beyond that was not asked for.
        let limit = (length as usize) * 6 + 4096;
        let body = self.get(&url, limit).await?;
        let reply: LogData = parse_json(&body).map_err(|why| self.bad(why))?;
        let (Some(got_offset), Some(got_length)) = (reply.offset, reply.length) else {
            return Err(ObserverError::NoSuchLog {
                task_id: task_id.to_owned(),
                process: process.to_owned(),
                run,
                kind: kind.as_str(),
            });
        };
        if got_offset < 0 || got_length < 0 || got_length as u64 > length {
            return Err(self.bad(format!(
                "offset {got_offset} and length {got_length} for a request of {length} bytes"
            )));
        }
        if offset >= 0 && got_offset != offset {
            return Err(self.bad(format!("offset {got_offset} for a request at {offset}")));
        }
        Ok(Chunk {
            offset: got_offset as u64,
            length: got_length as u64,
            text: reply.data.as_deref().map(xml_unescape).unwrap_or_default(),
        })
    }

    fn bad(&self, why: String) -> ObserverError {
        ObserverError::BadReply {
            url: self.base.clone(),
            why,
        }
    }

    async fn get(&self, url: &str, limit: usize) -> Result<bytes::Bytes, ObserverError> {
        let unreachable = |why: String| ObserverError::Unreachable {
            url: self.base.clone(),
            why,
        };
        let mut resp = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| unreachable(transport_words(&e)))?;
        let status = resp.status().as_u16();
        if status != 200 {
            return Err(ObserverError::Http {
                url: self.base.clone(),
                status,
            });
        }
        let sniff = |b: &[u8]| -> Sniffed {
            bounded_reply::sniff_json(b, b"{", "a JSON object from a Thermos observer")
        };
        bounded_reply::read_limited(&mut resp, limit, None, &sniff)
            .await
            .map_err(|e| match e {
                BodyError::Read(e) => unreachable(transport_words(&e)),
                e => self.bad(e.to_string()),
            })
    }
}

#[derive(Deserialize)]
struct LogData {
    offset: Option<i64>,
    length: Option<i64>,
    data: Option<String>,
}

/// Parses JSON that may carry invalid UTF-8 or lone surrogate escapes (a log cut mid-character
/// by a hostile or broken peer): both become U+FFFD instead of failing the whole chunk.
fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    let text = String::from_utf8_lossy(body);
    match serde_json::from_str(&text) {
        Ok(v) => Ok(v),
        Err(first) => {
            let fixed = replace_surrogate_escapes(&text);
            serde_json::from_str(&fixed).map_err(|_| first.to_string())
        }
    }
}

/// `\uD800`–`\uDFFF` escapes become `\uFFFD` (pairs too: only used when parsing failed).
fn replace_surrogate_escapes(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut last = 0;
    while i + 6 <= b.len() {
        if b[i] == b'\\' && b[i + 1] == b'\\' {
            i += 2;
            continue;
        }
        if b[i] == b'\\'
            && (b[i + 1] == b'u')
            && matches!(b[i + 2], b'd' | b'D')
            && matches!(b[i + 3], b'8'..=b'9' | b'a'..=b'f' | b'A'..=b'F')
        {
            out.push_str(&s[last..i]);
            out.push_str("\\ufffd");
            i += 6;
            last = i;
            continue;
        }
        i += 1;
    }
    out.push_str(&s[last..]);
    out
}

fn transport_words(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "timed out".to_owned();
    }
    if e.is_connect() {
        return "connection refused or no route".to_owned();
    }
    let mut s = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(inner) = src {
        s = format!("{s}: {inner}");
        src = inner.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lone_surrogates_become_replacement_characters() {
        let v: LogData = parse_json(br#"{"offset": 0, "length": 3, "data": "a\udc80b"}"#).unwrap();
        assert_eq!(v.data.as_deref(), Some("a\u{fffd}b"));
        let v: LogData =
            parse_json(b"{\"offset\": 0, \"length\": 3, \"data\": \"a\xffb\"}").unwrap();
        assert_eq!(v.data.as_deref(), Some("a\u{fffd}b"));
    }

    #[test]
    fn the_default_process_is_the_running_latest_one() {
        let p = |state: &str, start: f64| ProcessInfo {
            state: state.into(),
            start_time: Some(start),
            ..Default::default()
        };
        let mut m = BTreeMap::new();
        m.insert("fetch".to_owned(), p("SUCCESS", 1.0));
        m.insert("server".to_owned(), p("RUNNING", 2.0));
        m.insert("sidecar".to_owned(), p("SUCCESS", 5.0));
        assert_eq!(default_process(&m), Some("server"));
        m.remove("server");
        assert_eq!(default_process(&m), Some("sidecar"));
        assert_eq!(default_process(&BTreeMap::new()), None);
    }
}
