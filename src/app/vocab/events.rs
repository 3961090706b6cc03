//! The messages between the reducer and the edge: what it asks for ([`Effect`]) and what comes
//! back ([`Fetched`], [`Mutated`] with its [`MutationOutcome`]), and a message's [`Level`].

use super::ops::Operation;
use super::resource::{Data, ResourceKey};
use crate::aurora::model::{JobUpdatePulseStatus, ResponseCode};

#[derive(Debug)]
pub struct Mutated {
    pub id: u64,
    pub op: Operation,
    pub outcome: MutationOutcome,
}

/// How a mutation ended. Nothing is ever re-sent: an unknown outcome is reported as such.
#[derive(Clone, Debug, PartialEq)]
pub enum MutationOutcome {
    /// OK or WARNING, with the scheduler's messages.
    Done {
        code: ResponseCode,
        messages: Vec<String>,
        /// `startJobUpdate`: the new update's key.
        update_key: Option<String>,
        /// `pulseJobUpdate`: OK, or FINISHED when the scheduler does not track the update.
        pulse: Option<JobUpdatePulseStatus>,
    },
    /// The scheduler answered and refused (INVALID_REQUEST, JOB_UPDATING_ERROR, …).
    Refused {
        code: ResponseCode,
        messages: Vec<String>,
    },
    /// Not executed: the request never reached a leader, or was rejected before it ran.
    Failed { error: String },
    /// Authentication was refused; `tried` says which credentials were used (never the
    /// password); `kerberos` is set when they were a Kerberos (Negotiate) ticket.
    AuthRequired {
        error: String,
        tried: String,
        kerberos: bool,
    },
    /// Sent, but no answer: it may or may not have run.
    Unknown { error: String },
}

#[derive(Debug)]
pub struct Fetched {
    pub key: ResourceKey,
    pub generation: u64,
    pub at: i64,
    pub latency_ms: u64,
    pub result: Result<Data, String>,
    pub cluster: Option<String>,
}

/// Side effects for the edge to carry out.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    Fetch {
        key: ResourceKey,
        generation: u64,
    },
    /// Put text on the clipboard (OSC 52).
    Copy(String),
    /// Send a mutating call, exactly once, and audit it (under this cluster name).
    Mutate {
        id: u64,
        op: Operation,
        cluster: String,
    },
    /// Ask getJobUpdateDiff what this update would do (read-only; the editor's preview).
    PreviewUpdate {
        id: u64,
        request: Box<crate::aurora::model::JobUpdateRequest>,
    },
    /// Connect to another cluster of clusters.json (`:cluster NAME`).
    Connect {
        cluster: String,
    },
    /// Ask a Thermos observer for the log pane (carried out by `effects_logs.rs`).
    LogFetch(Box<super::logs::LogFetch>),
    /// Write what the log pane holds to a file.
    LogSave {
        path: String,
        text: String,
    },
    Quit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Info,
    Error,
}
