//! The backend boundary: the one interface through which the console reads a scheduler and
//! changes it. The effect runner (`effects.rs`) holds an `Arc<dyn Backend>` and never names a
//! client; Aurora (`aurora.rs`, implemented on `AuroraClient`) is the first and complete
//! implementation, and a second scheduler (Docker Swarm is next) is a second `impl Backend`.
//!
//! A trait object rather than an enum of backends: a new scheduler is added in its own module
//! without editing a central `match` in every method, a test can put a small fake behind the
//! console, and the cost (one boxed future per call) is nothing next to a network round trip.
//! The methods return boxed futures by hand because `async fn` in a trait cannot be called
//! through `dyn`.
//!
//! The vocabulary is the console's own: reads are `ResourceKey`s answered with `Data`,
//! changes are `Operation`s answered with a `MutationOutcome` (told truly: "not executed" only
//! when certain, "outcome unknown" otherwise; never retried). A backend maps its scheduler's
//! objects into those types (today the Aurora model's) and declares what it can do as
//! [`Capabilities`]; the reducer hides and refuses the rest (`app/capabilities.rs`).
//!
//! Beneath this: `app/` (the vocabulary) and the scheduler clients. Above it: `effects.rs`
//! and the console loop.
//!
//! The audit log: one record per call a backend really sends, written by the backend, because
//! only it knows what it sent. `mutate` receives where the log goes ([`AuditTo`]); the effect
//! runner writes nothing itself. Aurora sends one Thrift call per operation and records it
//! with its outcome (`aurora.rs`, the record the effect runner used to write, unchanged); a
//! Swarm write records each attempt (`swarm::write`: a second one only after a certain
//! "update out of sequence", and nothing when Eos refused before sending).

pub mod aurora;
pub mod swarm;

use std::future::Future;
use std::pin::Pin;

use crate::app::MutationOutcome;
pub use crate::app::capabilities::{Capabilities, Capability};
use crate::app::link::OutageKind;
use crate::app::ops::Operation;
use crate::app::resource::{Data, ResourceKey};
pub use crate::audit::AuditTo;
use crate::aurora::model::{GetJobUpdateDiffResult, JobUpdateRequest};

/// A future a backend returns; `Send`, so the effect runner can spawn it.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A poll's value and the scheduler's name for its cluster, or why it failed.
pub type Polled = Result<(Data, Option<String>), FetchError>;

/// A poll's failure: its text, and whether it is the scheduler failing over (which way, and a
/// few words why for the banner).
#[derive(Debug)]
pub struct FetchError {
    pub text: String,
    pub outage: Option<(OutageKind, String)>,
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl From<String> for FetchError {
    fn from(text: String) -> Self {
        FetchError { text, outage: None }
    }
}

/// A scheduler the console can read and change.
pub trait Backend: Send + Sync {
    /// What this scheduler can do beyond the reads every backend has.
    fn capabilities(&self) -> Capabilities;

    /// The console's first screen on this scheduler (Aurora: the roles; a Swarm has no
    /// roles and starts on its services).
    fn home(&self) -> crate::app::Nav {
        crate::app::Nav::Roles
    }

    /// Where calls go now (the header shows it; the audit log records it). Redirects and
    /// leader changes can move it.
    fn endpoint(&self) -> String;

    /// A leader elected elsewhere (ZooKeeper's news): later calls go to `url`. A backend
    /// without leader election ignores it.
    fn follow_leader(&self, url: &str);

    /// The read behind a resource.
    fn fetch<'a>(&'a self, key: &'a ResourceKey) -> BoxFuture<'a, Polled>;

    /// Sends one confirmed change, exactly once (a Swarm write re-applies once only after a
    /// certain refusal), says truly what came of it, and records every call it sent in `audit`.
    fn mutate<'a>(
        &'a self,
        op: &'a Operation,
        audit: AuditTo<'a>,
    ) -> BoxFuture<'a, MutationOutcome>;

    /// What an update request would change (the update editor's preview).
    fn preview<'a>(
        &'a self,
        request: &'a JobUpdateRequest,
    ) -> BoxFuture<'a, Result<GetJobUpdateDiffResult, String>>;

    /// The Docker Engine connection, for a Swarm: its task and service logs are read through
    /// it (an Aurora task's log comes from its agent's observer instead).
    fn docker_engine(&self) -> Option<&crate::swarm::client::SwarmClient> {
        None
    }
}
