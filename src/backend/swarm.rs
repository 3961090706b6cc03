//! A Docker Swarm behind the backend boundary: `SwarmClient` (src/swarm/) answers the Swarm
//! reads as the console's own `ResourceKey`s and `Data`. Aurora's reads (roles, jobs, quota…)
//! do not exist here and are answered with an error that says so rather than an empty list.
//!
//! Capabilities: what the Engine API can do to a service and a node — scale (replicated
//! services), restart a whole service (a forced update), roll back, update its spec, and set a node's
//! availability. Not: pulses, pausing/resuming/aborting an update by hand, quota, cron,
//! killing one task or a whole job. `mutate` sends the console's Swarm operations through
//! `swarm::write::apply`, which records each call it sends in the audit log, and tells its
//! outcome as the console's own (done / refused by the Engine / not executed / unknown).

use super::{AuditTo, Backend, BoxFuture, Capabilities, Capability, FetchError, Polled};
use crate::app::MutationOutcome;
use crate::app::link::OutageKind;
use crate::app::ops::Operation;
use crate::app::resource::{Data, ResourceKey};
use crate::aurora::model::{GetJobUpdateDiffResult, JobUpdateRequest, ResponseCode};
use crate::swarm::client::{SwarmClient, SwarmError};
use crate::swarm::model;
use crate::swarm::write::{self, WriteOutcome};

/// What a Swarm can be asked to do (`app/capabilities.rs` hides and refuses the rest).
pub const SWARM_CAPABILITIES: &[Capability] = &[
    Capability::Scale,
    Capability::Restart,
    Capability::Rollback,
    Capability::StartUpdate,
    Capability::Maintenance,
];

pub struct SwarmBackend {
    client: SwarmClient,
}

impl SwarmBackend {
    pub fn new(client: SwarmClient) -> SwarmBackend {
        SwarmBackend { client }
    }

    pub fn client(&self) -> &SwarmClient {
        &self.client
    }
}

impl Backend for SwarmBackend {
    fn capabilities(&self) -> Capabilities {
        Capabilities::none().with_all(SWARM_CAPABILITIES)
    }

    fn home(&self) -> crate::app::Nav {
        crate::app::Nav::Services
    }

    fn endpoint(&self) -> String {
        self.client.endpoint().url()
    }

    /// A Swarm has no leader election the console follows (the Engine it talks to forwards).
    fn follow_leader(&self, _url: &str) {}

    fn fetch<'a>(&'a self, key: &'a ResourceKey) -> BoxFuture<'a, Polled> {
        Box::pin(fetch(&self.client, key))
    }

    fn mutate<'a>(
        &'a self,
        op: &'a Operation,
        audit: AuditTo<'a>,
    ) -> BoxFuture<'a, MutationOutcome> {
        Box::pin(async move {
            let Some(w) = op.swarm_write() else {
                // Aurora's operations are never offered here (capabilities): nothing was sent,
                // so nothing is recorded.
                return MutationOutcome::Failed {
                    error: format!(
                        "{} is not offered on a Docker Swarm; nothing was sent",
                        op.method()
                    ),
                };
            };
            outcome(write::apply(&self.client, &w, audit).await)
        })
    }

    fn preview<'a>(
        &'a self,
        _request: &'a JobUpdateRequest,
    ) -> BoxFuture<'a, Result<GetJobUpdateDiffResult, String>> {
        Box::pin(async { Err("a Docker Swarm has no Aurora update preview".to_owned()) })
    }

    fn docker_engine(&self) -> Option<&SwarmClient> {
        Some(&self.client)
    }
}

/// What the re-applied write's result line says.
pub const REAPPLIED: &str = "the first attempt met \"update out of sequence\" (the object changed since it was read; nothing was changed): re-read and re-applied once";

/// A write's outcome in the console's terms, told as truly as the write library knows it:
/// done (with the Engine's warnings, and whether it was re-applied once), refused by the
/// Engine (certain: it validates before acting), not executed (certain nothing was sent, or
/// Eos refused before sending), or unknown (sent, and no answer that tells).
pub fn outcome(w: WriteOutcome) -> MutationOutcome {
    match w {
        WriteOutcome::Done { warnings, retried } => {
            let code = if warnings.is_empty() {
                ResponseCode::OK
            } else {
                ResponseCode::WARNING
            };
            let mut messages = Vec::new();
            if retried {
                messages.push(REAPPLIED.to_owned());
            }
            messages.extend(warnings);
            MutationOutcome::Done {
                code,
                messages,
                update_key: None,
                pulse: None,
            }
        }
        WriteOutcome::NotExecuted { error } => MutationOutcome::Failed { error },
        WriteOutcome::Refused { error, .. } => MutationOutcome::Refused {
            code: ResponseCode::ERROR,
            messages: vec![error],
        },
        WriteOutcome::Unknown { error } => MutationOutcome::Unknown { error },
    }
}

/// A failed read: an Engine that cannot be reached is an outage for the link banner.
fn fetch_error(e: SwarmError) -> FetchError {
    let outage = match &e {
        SwarmError::Transport { .. } | SwarmError::Timeout(_) => {
            Some((OutageKind::Unreachable, e.to_string()))
        }
        _ => None,
    };
    FetchError {
        text: e.to_string(),
        outage,
    }
}

async fn fetch(c: &SwarmClient, key: &ResourceKey) -> Polled {
    let data = match key {
        ResourceKey::SwarmServices => {
            let services = c.services().await.map_err(fetch_error)?;
            Data::SwarmServices(services.iter().map(model::service_row).collect())
        }
        ResourceKey::SwarmTasks(name) => {
            let (svc, _) = c.service(name).await.map_err(fetch_error)?;
            let id = svc.id.clone().unwrap_or_default();
            let reply = c.tasks_reply_of(&id).await.map_err(fetch_error)?;
            let tasks = model::TaskList::parse(&reply).map_err(|e| {
                fetch_error(SwarmError::Other(format!(
                    "the Docker Engine's list of the tasks of {name}: {e}"
                )))
            })?;
            // Node names for the NODE column: kept between refreshes, the node list asked
            // only for a node not seen before (one list call per refresh when idle).
            let names = c
                .node_names_for(&tasks.node_ids())
                .await
                .map_err(fetch_error)?;
            let spec = svc.spec.as_ref().and_then(|s| s.task_template.as_ref());
            Data::SwarmTasks(tasks.rows(&names, spec))
        }
        // The nodes or the task counts, in turn: one list call per refresh (node_cache).
        ResourceKey::SwarmNodes => Data::SwarmNodes(c.nodes_view().await.map_err(fetch_error)?),
        ResourceKey::SwarmUpdate(name) => {
            // The Engine's JSON: bollard's model drops PreviousSpec, the diff's "before".
            let (svc, raw) = c.service(name).await.map_err(fetch_error)?;
            let tasks = c
                .tasks_of(svc.id.as_deref().unwrap_or_default())
                .await
                .map_err(fetch_error)?;
            let view = model::update_view(&raw, &tasks).map_err(FetchError::from)?;
            Data::SwarmUpdate(Box::new(view))
        }
        ResourceKey::SwarmSpec(name) => {
            let (svc, _) = c.service(name).await.map_err(fetch_error)?;
            let spec = svc.spec.ok_or_else(|| {
                FetchError::from(format!("the Docker Engine sent {name} without a spec"))
            })?;
            Data::SwarmSpec(Box::new(spec))
        }
        ResourceKey::SwarmTask(id) => Data::SwarmTask(Box::new(task_detail(c, id).await?)),
        // The services or every task, in turn: one list call per refresh (`swarm::turns`).
        ResourceKey::SwarmTriage => {
            Data::SwarmTriage(Box::new(c.triage_view().await.map_err(fetch_error)?))
        }
        ResourceKey::SwarmUpdates => Data::SwarmUpdates(updates(c).await?),
        other => {
            return Err(FetchError::from(format!(
                "{} do not exist on a Docker Swarm",
                other.describe()
            )));
        }
    };
    Ok((data, None))
}

/// A task's detail: the task, its service (name, current spec), the service's retained tasks
/// (the slot's history) and its node's name. One list call; the rest are single objects.
async fn task_detail(c: &SwarmClient, id: &str) -> Result<model::TaskDetail, FetchError> {
    let task = c.task(id).await.map_err(fetch_error)?;
    let service_id = task.service_id.clone().unwrap_or_default();
    let service = match c.service(&service_id).await {
        Ok((svc, _)) => Some(svc),
        // The service was removed after the task was read: the task still says what it was.
        Err(SwarmError::NotFound(_)) => None,
        Err(e) => return Err(fetch_error(e)),
    };
    let tasks = match &service {
        Some(_) => c.tasks_of(&service_id).await.map_err(fetch_error)?,
        None => Vec::new(),
    };
    let node = match task.node_id.as_deref().filter(|n| !n.is_empty()) {
        Some(n) => match c.node(n).await {
            Ok(node) => vec![node],
            // A node that left the swarm: its id stands in for its name.
            Err(SwarmError::NotFound(_)) => Vec::new(),
            Err(e) => return Err(fetch_error(e)),
        },
        None => Vec::new(),
    };
    Ok(model::task_detail(&task, service.as_ref(), &tasks, &node))
}

/// The services that have an UpdateStatus, newest start first, each with its progress. The
/// tasks (one list for all) matter only while some update has not finished; then the services
/// and the tasks are listed in turn, one list call per refresh (`SwarmClient::updates_lists`).
async fn updates(c: &SwarmClient) -> Result<Vec<model::UpdateView>, FetchError> {
    let (services, tasks) = c.updates_lists().await.map_err(fetch_error)?;
    let mut views = Vec::new();
    for s in services
        .iter()
        .filter(|s| s.get("UpdateStatus").is_some_and(|u| !u.is_null()))
    {
        let id = s.get("ID").and_then(|v| v.as_str()).unwrap_or_default();
        let mine = tasks.get(id).map(Vec::as_slice).unwrap_or_default();
        views.push(model::update_view(s, mine).map_err(FetchError::from)?);
    }
    views.sort_by(|a, b| b.started_at.cmp(&a.started_at));
    Ok(views)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_outcomes_are_told_as_the_console_s_own() {
        match outcome(WriteOutcome::Done {
            warnings: vec![],
            retried: true,
        }) {
            MutationOutcome::Done { code, messages, .. } => {
                assert_eq!(code, ResponseCode::OK);
                assert!(messages[0].contains("re-applied once"), "{messages:?}");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            outcome(WriteOutcome::Done { warnings: vec!["w".into()], retried: false }),
            MutationOutcome::Done { code: ResponseCode::WARNING, ref messages, .. } if messages == &["w"]
        ));
        assert_eq!(
            outcome(WriteOutcome::NotExecuted { error: "x".into() }),
            MutationOutcome::Failed { error: "x".into() }
        );
        assert!(matches!(
            outcome(WriteOutcome::Refused {
                error: "no".into(),
                retried: false
            }),
            MutationOutcome::Refused {
                code: ResponseCode::ERROR,
                ..
            }
        ));
        assert_eq!(
            outcome(WriteOutcome::Unknown {
                error: "cut".into()
            }),
            MutationOutcome::Unknown {
                error: "cut".into()
            }
        );
    }
}
