//! A Docker Swarm behind the backend boundary: `SwarmClient` (src/swarm/) answers the Swarm
//! reads as the console's own `ResourceKey`s and `Data`. Aurora's reads (roles, jobs, quota…)
//! do not exist here and are answered with an error that says so rather than an empty list.
//!
//! Capabilities: none of the changes yet. The Swarm writes (`swarm::write`: scale, forced
//! restart, rollback, node availability) exist, but the console's operations are still
//! shaped on Aurora's job keys; until they carry a service, declaring a capability here
//! would offer keys whose change cannot be sent. The reducer therefore refuses every change
//! before any confirmation opens, and `mutate` — never reached through the reducer — says
//! truly that nothing was sent.

use super::{Backend, BoxFuture, Capabilities, FetchError, Polled};
use crate::app::MutationOutcome;
use crate::app::link::OutageKind;
use crate::app::ops::Operation;
use crate::app::resource::{Data, ResourceKey};
use crate::aurora::model::{GetJobUpdateDiffResult, JobUpdateRequest};
use crate::swarm::client::{SwarmClient, SwarmError};
use crate::swarm::model;

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
        Capabilities::none()
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

    fn mutate<'a>(&'a self, op: &'a Operation) -> BoxFuture<'a, MutationOutcome> {
        Box::pin(async move {
            MutationOutcome::Failed {
                error: format!(
                    "{} is not offered on a Docker Swarm; nothing was sent",
                    op.method()
                ),
            }
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
            let tasks = c.tasks_of(&id).await.map_err(fetch_error)?;
            // Node names for the NODE column: one more list, as `docker service ps` does.
            let nodes = c.nodes().await.map_err(fetch_error)?;
            let spec = svc.spec.as_ref().and_then(|s| s.task_template.as_ref());
            Data::SwarmTasks(model::task_rows(&tasks, &nodes, spec))
        }
        ResourceKey::SwarmNodes => {
            let nodes = c.nodes().await.map_err(fetch_error)?;
            let tasks = c.all_tasks().await.map_err(fetch_error)?;
            Data::SwarmNodes(model::node_rows(&nodes, &tasks))
        }
        other => {
            return Err(FetchError::from(format!(
                "{} do not exist on a Docker Swarm",
                other.describe()
            )));
        }
    };
    Ok((data, None))
}
