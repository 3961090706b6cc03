//! The Swarm writes: scale, forced restart, rollback, spec update, node availability.
//!
//! Every write reads the object, changes the one thing intended, and sends it back with the
//! version it read (optimistic concurrency). The Engine refuses a stale version with "update
//! out of sequence" — often because the rolling update itself bumped the version — and that
//! refusal is certain (nothing changed), so the write is re-read and the same one change
//! re-applied ONCE with the fresh version; both attempts go to the audit log and the result
//! says so. Nothing else is ever retried. Outcomes are classified as for Aurora: done, not
//! executed (certain nothing was sent or Eos refused it), refused by the Engine, or unknown.

use std::time::Instant;

use bollard::models::{NodeSpecAvailabilityEnum, ServiceSpec};
use bollard::query_parameters::{UpdateNodeOptions, UpdateServiceOptions};

use crate::swarm::client::{SwarmClient, SwarmError};
use crate::swarm::model::{Mode, version_of};

/// What to do to a service.
#[derive(Clone, Debug, PartialEq)]
pub enum ServiceChange {
    /// Replicas = N (replicated services only).
    Scale(u64),
    /// A forced update: TaskTemplate.ForceUpdate + 1 replaces every task (Swarm cannot restart
    /// one task).
    Restart,
    /// `rollback=previous`: back to PreviousSpec.
    Rollback,
    /// The operator's edited spec, and the spec they edited from: re-applied after a stale
    /// version only if the service's spec is still `base` (a rolling update bumps the version
    /// without touching the spec; another operator's edit does not get overwritten).
    Spec {
        base: Box<ServiceSpec>,
        new: Box<ServiceSpec>,
    },
}

/// A node's availability, the hosts view's drain / pause / activate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Availability {
    Active,
    Pause,
    Drain,
}

impl Availability {
    pub fn label(self) -> &'static str {
        match self {
            Availability::Active => "active",
            Availability::Pause => "pause",
            Availability::Drain => "drain",
        }
    }
    fn engine(self) -> NodeSpecAvailabilityEnum {
        match self {
            Availability::Active => NodeSpecAvailabilityEnum::ACTIVE,
            Availability::Pause => NodeSpecAvailabilityEnum::PAUSE,
            Availability::Drain => NodeSpecAvailabilityEnum::DRAIN,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum SwarmWrite {
    Service {
        service: String,
        change: ServiceChange,
    },
    Node {
        node: String,
        availability: Availability,
    },
}

impl SwarmWrite {
    /// The Engine API call, for the audit log's `method`.
    fn method(&self, id: &str) -> String {
        match self {
            SwarmWrite::Service { .. } => format!("POST /services/{id}/update"),
            SwarmWrite::Node { .. } => format!("POST /nodes/{id}/update"),
        }
    }

    /// The intended change as the audit log's arguments: what it acts on and the one field it
    /// sets (each attempt adds the version it sent and its number).
    pub fn args_json(&self) -> serde_json::Value {
        use serde_json::json;
        match self {
            SwarmWrite::Service { service, change } => {
                let mut v = json!({"service": service, "change": self.describe()});
                match change {
                    ServiceChange::Scale(n) => v["replicas"] = json!(n),
                    ServiceChange::Restart => v["forceUpdate"] = json!("+1"),
                    ServiceChange::Rollback => v["rollback"] = json!("previous"),
                    ServiceChange::Spec { new, .. } => {
                        v["spec"] = serde_json::to_value(new).unwrap_or_default()
                    }
                }
                v
            }
            SwarmWrite::Node { node, availability } => {
                json!({"node": node, "change": self.describe(), "availability": availability.label()})
            }
        }
    }

    /// The intended change in words, for the audit log and result lines.
    pub fn describe(&self) -> String {
        match self {
            SwarmWrite::Service { service, change } => match change {
                ServiceChange::Scale(n) => format!("scale {service} to {n}"),
                ServiceChange::Restart => format!("restart {service} (forced update)"),
                ServiceChange::Rollback => format!("roll back {service}"),
                ServiceChange::Spec { .. } => format!("update the spec of {service}"),
            },
            SwarmWrite::Node { node, availability } => {
                format!("set node {node} to {}", availability.label())
            }
        }
    }
}

/// How a write ended.
#[derive(Clone, Debug, PartialEq)]
pub enum WriteOutcome {
    /// The Engine accepted it. `retried`: the first attempt met "update out of sequence" and
    /// the change was re-applied once on a fresh read.
    Done {
        warnings: Vec<String>,
        retried: bool,
    },
    /// Certain that nothing changed: never sent, or refused by Eos itself.
    NotExecuted { error: String },
    /// The Engine answered no (certain: it validates before acting).
    Refused { error: String, retried: bool },
    /// Sent, and no answer that tells: the Engine may have acted.
    Unknown { error: String },
}

impl WriteOutcome {
    /// The console's result line.
    pub fn line(&self, what: &str) -> String {
        match self {
            WriteOutcome::Done { retried: false, .. } => format!("{what}: done"),
            WriteOutcome::Done { retried: true, .. } => format!(
                "{what}: done (the first attempt was out of sequence; re-read and re-applied once)"
            ),
            WriteOutcome::NotExecuted { error } => format!("{what}: not executed: {error}"),
            WriteOutcome::Refused { error, .. } => format!("{what}: refused: {error}"),
            WriteOutcome::Unknown { error } => {
                format!("{what}: outcome unknown (the Engine may have acted): {error}")
            }
        }
    }
}

/// Where the audit log goes and the cluster name it records (the backend boundary's own type:
/// each backend records the calls it really sends).
pub use crate::audit::AuditTo;

/// One attempt: refused before sending, or the Engine's answer (with what was sent).
enum Attempt {
    Before(String),
    Sent {
        result: Result<Vec<String>, SwarmError>,
    },
}

/// Sends `w`, re-applying it once after a certain "update out of sequence".
pub async fn apply(client: &SwarmClient, w: &SwarmWrite, audit: AuditTo<'_>) -> WriteOutcome {
    let outcome = apply_once_or_twice(client, w, audit).await;
    if matches!(w, SwarmWrite::Node { .. }) {
        // Whatever came of it, the nodes view's next refresh lists the nodes (node_cache).
        client.nodes_changed();
    }
    outcome
}

async fn apply_once_or_twice(
    client: &SwarmClient,
    w: &SwarmWrite,
    audit: AuditTo<'_>,
) -> WriteOutcome {
    let first = attempt(client, w, audit, 1).await;
    let (result, retried) = match first {
        Attempt::Sent { result: Err(e) } if e.is_out_of_sequence() => {
            match attempt(client, w, audit, 2).await {
                Attempt::Before(why) => {
                    return WriteOutcome::NotExecuted {
                        error: format!("out of sequence, and on re-reading: {why}"),
                    };
                }
                Attempt::Sent { result } => (result, true),
            }
        }
        Attempt::Before(why) => return WriteOutcome::NotExecuted { error: why },
        Attempt::Sent { result } => (result, false),
    };
    match result {
        Ok(warnings) => WriteOutcome::Done { warnings, retried },
        Err(e) => classify(e, retried),
    }
}

fn classify(e: SwarmError, retried: bool) -> WriteOutcome {
    match e {
        SwarmError::Api { .. } | SwarmError::NotFound(_) => WriteOutcome::Refused {
            error: if retried && e.is_out_of_sequence() {
                format!("{e} (again after one re-read; not retried further)")
            } else {
                e.to_string()
            },
            retried,
        },
        SwarmError::Transport { sent: false, .. } => WriteOutcome::NotExecuted {
            error: e.to_string(),
        },
        e => WriteOutcome::Unknown {
            error: e.to_string(),
        },
    }
}

fn response_code(r: &Result<Vec<String>, SwarmError>) -> (String, Vec<String>) {
    match r {
        Ok(w) => ("OK".into(), w.clone()),
        Err(SwarmError::Api { status, .. }) => (format!("HTTP_{status}"), vec![r_err(r)]),
        Err(SwarmError::NotFound(_)) => ("HTTP_404".into(), vec![r_err(r)]),
        Err(SwarmError::Transport { sent: false, .. }) => ("NOT_EXECUTED".into(), vec![r_err(r)]),
        Err(_) => ("OUTCOME_UNKNOWN".into(), vec![r_err(r)]),
    }
}

fn r_err(r: &Result<Vec<String>, SwarmError>) -> String {
    r.as_ref().err().map(|e| e.to_string()).unwrap_or_default()
}

/// Bollard's service update takes the version as i32 though the Engine's is 64-bit: a larger
/// index cannot be sent through it, and a wrapped one would be wrong. Refused before sending.
fn service_version(v: u64) -> Result<i32, String> {
    i32::try_from(v).map_err(|_| {
        format!("the service's version index {v} is past what this client can send (i32)")
    })
}

async fn attempt(client: &SwarmClient, w: &SwarmWrite, audit: AuditTo<'_>, n: u32) -> Attempt {
    let started = Instant::now();
    let (id, version, send) = match prepare(client, w).await {
        Ok(p) => p,
        Err(why) => return Attempt::Before(why),
    };
    let result = match send {
        Send::Service { spec, rollback } => {
            let version = match service_version(version) {
                Ok(v) => v,
                Err(why) => return Attempt::Before(why),
            };
            let options = UpdateServiceOptions {
                version,
                rollback: rollback.then(|| "previous".to_owned()),
                ..Default::default()
            };
            client
                .docker()
                .update_service(&id, *spec, options, None)
                .await
                .map(|r| r.warnings.unwrap_or_default())
                .map_err(SwarmError::from)
        }
        Send::Node(spec) => {
            let Ok(version) = i64::try_from(version) else {
                return Attempt::Before(format!("the node's version index {version} is past i64"));
            };
            client
                .docker()
                .update_node(&id, *spec, UpdateNodeOptions { version })
                .await
                .map(|()| Vec::new())
                .map_err(SwarmError::from)
        }
    };
    if let Some(path) = audit.path {
        let (code, details) = response_code(&result);
        let method = w.method(&id);
        let scheduler = client.endpoint().url();
        let mut arguments = w.args_json();
        arguments["version"] = serde_json::json!(version);
        arguments["attempt"] = serde_json::json!(n);
        let entry = crate::audit::Entry {
            time: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            cluster: audit.cluster,
            scheduler: &scheduler,
            local_user: crate::audit::local_user(),
            method: &method,
            arguments,
            message: None,
            response_code: code,
            details,
            duration_ms: started.elapsed().as_millis() as u64,
        };
        if let Err(e) = crate::audit::append(path, &entry) {
            tracing::warn!("{e}");
        }
    }
    Attempt::Sent { result }
}

enum Send {
    Service {
        spec: Box<ServiceSpec>,
        rollback: bool,
    },
    Node(Box<bollard::models::NodeSpec>),
}

/// Reads the object and builds what to send: (id, version read, body). An error here means
/// nothing was sent.
async fn prepare(client: &SwarmClient, w: &SwarmWrite) -> Result<(String, u64, Send), String> {
    match w {
        SwarmWrite::Service { service, change } => {
            let (svc, _) = client
                .service(service)
                .await
                .map_err(|e| format!("could not read {service}: {e}"))?;
            let id = svc.id.clone().unwrap_or_default();
            let version = version_of(svc.version.as_ref());
            let mode = Mode::of(&svc);
            let mut spec = svc
                .spec
                .ok_or_else(|| format!("the Engine sent {service} without a spec"))?;
            let rollback = match change {
                ServiceChange::Scale(n) => {
                    match mode {
                        Mode::Replicated(_) => {}
                        other => {
                            return Err(format!(
                                "{service} is a {} service: it runs one task per node and has no replica count",
                                other.label()
                            ));
                        }
                    }
                    let replicas =
                        i64::try_from(*n).map_err(|_| format!("{n} replicas is too many"))?;
                    if let Some(r) = spec.mode.as_mut().and_then(|m| m.replicated.as_mut()) {
                        r.replicas = Some(replicas);
                    }
                    false
                }
                ServiceChange::Restart => {
                    let t = spec.task_template.get_or_insert_with(Default::default);
                    t.force_update = Some(t.force_update.unwrap_or(0).wrapping_add(1));
                    false
                }
                ServiceChange::Rollback => true,
                ServiceChange::Spec { base, new } => {
                    let same = serde_json::to_value(&spec).ok() == serde_json::to_value(base).ok();
                    if !same {
                        return Err(format!(
                            "the spec of {service} changed since it was read for editing; edit it again"
                        ));
                    }
                    spec = (**new).clone();
                    false
                }
            };
            Ok((
                id,
                version,
                Send::Service {
                    spec: Box::new(spec),
                    rollback,
                },
            ))
        }
        SwarmWrite::Node { node, availability } => {
            let n = client
                .node(node)
                .await
                .map_err(|e| format!("could not read node {node}: {e}"))?;
            let mut spec = n.spec.unwrap_or_default();
            spec.availability = Some(availability.engine());
            Ok((
                n.id.unwrap_or_default(),
                version_of(n.version.as_ref()),
                Send::Node(Box::new(spec)),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_past_i32_are_refused_not_wrapped() {
        assert_eq!(service_version(7), Ok(7));
        assert_eq!(service_version(i32::MAX as u64), Ok(i32::MAX));
        assert!(service_version(i32::MAX as u64 + 1).is_err());
    }

    #[test]
    fn outcomes_are_classified_by_what_they_prove() {
        let api = SwarmError::Api {
            status: 500,
            message: "rpc error: code = Unknown desc = update out of sequence".into(),
        };
        assert!(api.is_out_of_sequence());
        assert!(
            matches!(classify(api, true), WriteOutcome::Refused { error, retried: true } if error.contains("not retried further"))
        );
        let refused = SwarmError::Transport {
            sent: false,
            text: "connection refused".into(),
        };
        assert!(matches!(
            classify(refused, false),
            WriteOutcome::NotExecuted { .. }
        ));
        let cut = SwarmError::Transport {
            sent: true,
            text: "reset".into(),
        };
        assert!(matches!(classify(cut, false), WriteOutcome::Unknown { .. }));
        assert!(matches!(
            classify(SwarmError::Timeout("t".into()), false),
            WriteOutcome::Unknown { .. }
        ));
    }
}
