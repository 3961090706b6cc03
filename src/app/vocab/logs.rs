//! What the log pane asks a Thermos observer and what comes back: the messages between the
//! pane (`app/logs.rs`) and the edge that fetches (`effects_logs.rs`).

use std::collections::BTreeMap;

use crate::observer::tail::Want;
use crate::observer::{Chunk, LogKind, ObserverError, ProcessInfo};

/// What a log fetch asks the observer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogRequest {
    Processes,
    /// The tail's next range.
    Tail(Want),
    /// Earlier text, before what is loaded (`g`).
    Earlier(Want),
}

/// One fetch for the edge to make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogFetch {
    pub generation: u64,
    /// Which of the pane's tasks (one, or a merged tail's instance) it is for.
    pub source: u16,
    pub base: String,
    pub task_id: String,
    pub process: String,
    pub run: i64,
    pub kind: LogKind,
    pub request: LogRequest,
}

/// The observer's answer to a [`LogFetch`].
#[derive(Debug)]
pub struct LogReply {
    pub generation: u64,
    pub source: u16,
    pub request: LogRequest,
    pub at: i64,
    pub result: Result<LogAnswer, ObserverError>,
}

#[derive(Debug)]
pub enum LogAnswer {
    Processes(BTreeMap<String, ProcessInfo>),
    Chunk(Chunk),
}

impl LogReply {
    /// The answer to `f`, received at `at` (ms).
    pub fn to(f: &LogFetch, at: i64, result: Result<LogAnswer, ObserverError>) -> LogReply {
        LogReply {
            generation: f.generation,
            source: f.source,
            request: f.request.clone(),
            at,
            result,
        }
    }
}
