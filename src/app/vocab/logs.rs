//! What the log pane asks for and what comes back: the messages between the pane
//! (`app/logs.rs`) and the edge that fetches (`effects_logs.rs`). A pane reads either Thermos
//! observers (Aurora) or the Docker Engine (Swarm); [`LogOrigin`] says which.

use std::collections::BTreeMap;

use crate::observer::tail::Want;
use crate::observer::{Chunk, LogKind, ObserverError, ProcessInfo};
use crate::swarm::client::SwarmError;
use crate::swarm::logs::{LogTarget, Stamp};

/// Where one of the pane's logs comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogOrigin {
    /// A Thermos observer (an Aurora task), at this base URL.
    Observer { base: String },
    /// The Docker Engine the console is connected to (a Swarm task or service).
    Engine(LogTarget),
}

/// What a log fetch asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogRequest {
    Processes,
    /// The tail's next range.
    Tail(Want),
    /// Earlier text, before what is loaded (`g`).
    Earlier(Want),
    /// The Engine's lines from `since` on (none yet: the last `tail` lines).
    Engine {
        since: Option<Stamp>,
        tail: Option<u64>,
    },
}

/// One fetch for the edge to make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogFetch {
    pub generation: u64,
    /// Which of the pane's tasks (one, or a merged tail's instance) it is for.
    pub source: u16,
    pub origin: LogOrigin,
    pub task_id: String,
    pub process: String,
    pub run: i64,
    pub kind: LogKind,
    pub request: LogRequest,
}

/// The answer to a [`LogFetch`].
#[derive(Debug)]
pub struct LogReply {
    pub generation: u64,
    pub source: u16,
    pub request: LogRequest,
    pub at: i64,
    pub result: Result<LogAnswer, LogError>,
}

/// Why a log could not be read, from whichever source.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error(transparent)]
    Observer(#[from] ObserverError),
    #[error(transparent)]
    Engine(#[from] SwarmError),
}

#[derive(Debug)]
pub enum LogAnswer {
    Processes(BTreeMap<String, ProcessInfo>),
    Chunk(Chunk),
    Engine(EngineChunk),
}

/// What one read of the Engine gave the pane.
#[derive(Debug, Default)]
pub struct EngineChunk {
    /// Whole lines, each ending in a newline (a service's lines led by their task).
    pub text: String,
    /// The stamp of the last line: the next read starts just after it.
    pub last: Option<Stamp>,
    /// The read stopped at its bound: ask again at once.
    pub more: bool,
}

impl LogReply {
    /// The answer to `f`, received at `at` (ms).
    pub fn to(f: &LogFetch, at: i64, result: Result<LogAnswer, LogError>) -> LogReply {
        LogReply {
            generation: f.generation,
            source: f.source,
            request: f.request.clone(),
            at,
            result,
        }
    }
}
