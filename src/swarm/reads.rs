//! The Engine reads a Swarm console needs, each one GET (bounded, see `client`); the node
//! reads a console repeats follow `node_cache`.

use std::collections::HashMap;

use bollard::models::{Node, Service, Task};

use crate::swarm::client::{SwarmClient, SwarmError};
use crate::swarm::model::{self, NodeRow};
use crate::swarm::node_cache::NodeCache;
use crate::swarm::turns::Plan;

/// A name or id as one path segment: anything outside the Engine's name alphabet is escaped,
/// so a name can never reach another endpoint. `.`, `..` and the empty name would be dot
/// segments (URLs resolve them, escaped or not): no object has such a name.
pub fn segment(s: &str) -> Result<String, SwarmError> {
    if matches!(s, "" | "." | "..") {
        return Err(SwarmError::NotFound(format!("{s:?}")));
    }
    Ok(escape(s))
}

fn escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `filters={"KEY":["VALUE"]}`, URL-encoded.
fn filter(key: &str, value: &str) -> String {
    let json = serde_json::json!({ key: [value] }).to_string();
    format!("filters={}", escape(&json))
}

impl SwarmClient {
    /// Every service with its running/desired task counts (`?status=true`).
    pub async fn services(&self) -> Result<Vec<Service>, SwarmError> {
        self.get_json("/services?status=true").await
    }

    /// Every service as the Engine's JSON (which keeps PreviousSpec, dropped by bollard's
    /// model): the updates list diffs and counts from it.
    pub async fn services_json(&self) -> Result<Vec<serde_json::Value>, SwarmError> {
        self.get_json("/services").await
    }

    /// One service by name or id, typed and as the Engine's JSON (which keeps PreviousSpec).
    pub async fn service(&self, name: &str) -> Result<(Service, serde_json::Value), SwarmError> {
        let raw: serde_json::Value = self
            .get_json(&format!("/services/{}", segment(name)?))
            .await
            .map_err(|e| match e {
                SwarmError::NotFound(_) => SwarmError::NotFound(format!("service {name}")),
                e => e,
            })?;
        let typed = serde_json::from_value(raw.clone())
            .map_err(|e| SwarmError::Other(format!("service {name}: {e}")))?;
        Ok((typed, raw))
    }

    /// The retained tasks of one service (by id: a name filter would also match prefixes).
    pub async fn tasks_of(&self, service_id: &str) -> Result<Vec<Task>, SwarmError> {
        self.get_json(&format!("/tasks?{}", filter("service", service_id)))
            .await
    }

    /// The same list as `tasks_of`, as the reply's bytes, for `model::TaskList` (the console's
    /// tasks view: parsed without building bollard's whole `Task`).
    pub async fn tasks_reply_of(&self, service_id: &str) -> Result<bytes::Bytes, SwarmError> {
        self.get_bytes(&format!("/tasks?{}", filter("service", service_id)))
            .await
    }

    /// Every retained task in the swarm (node task counts, triage).
    pub async fn all_tasks(&self) -> Result<Vec<Task>, SwarmError> {
        self.get_json("/tasks").await
    }

    pub async fn task(&self, id: &str) -> Result<Task, SwarmError> {
        self.get_json(&format!("/tasks/{}", segment(id)?))
            .await
            .map_err(|e| match e {
                SwarmError::NotFound(_) => SwarmError::NotFound(format!("task {id}")),
                e => e,
            })
    }

    pub async fn node(&self, id: &str) -> Result<Node, SwarmError> {
        self.get_json(&format!("/nodes/{}", segment(id)?))
            .await
            .map_err(|e| match e {
                SwarmError::NotFound(_) => SwarmError::NotFound(format!("node {id}")),
                e => e,
            })
    }
}

/// The node reads a console repeats, following `NodeCache`'s decisions (see there why).
impl SwarmClient {
    fn kept(&self) -> std::sync::MutexGuard<'_, NodeCache> {
        // A panic elsewhere while holding the lock leaves nothing half-written that matters.
        self.node_cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every node, remembering their hostnames for `node_names_for`.
    pub async fn nodes(&self) -> Result<Vec<Node>, SwarmError> {
        let nodes: Vec<Node> = self.get_json("/nodes").await?;
        self.kept().listed(&nodes);
        Ok(nodes)
    }

    /// Hostnames for the nodes tasks run on (`node_ids`; empty ones are no node): the kept
    /// ones, the node list asked again only when a task names a node not seen before.
    pub async fn node_names_for(
        &self,
        node_ids: &[&str],
    ) -> Result<HashMap<String, String>, SwarmError> {
        let ask = self.kept().needs_list(node_ids);
        if ask {
            self.nodes().await?;
            self.kept().note_absent(node_ids);
        }
        Ok(self.kept().names())
    }

    /// The nodes view's rows with one list call: the nodes or every task (for the counts),
    /// in turn (both on the first call), the other half as last listed.
    pub async fn nodes_view(&self) -> Result<Vec<NodeRow>, SwarmError> {
        let now = std::time::Instant::now();
        let plan = self.kept().nodes_view_plan(now);
        let nodes = match plan.nodes {
            true => Some(self.nodes().await?),
            false => None,
        };
        let counts = match plan.tasks {
            true => Some(model::running_counts(&self.all_tasks().await?)),
            false => None,
        };
        let mut kept = self.kept();
        kept.nodes_view_listed(nodes, counts, now);
        Ok(kept.nodes_view_rows())
    }

    /// A node changed (a write): the nodes view lists the nodes on its next refresh.
    pub fn nodes_changed(&self) {
        self.kept().node_changed();
    }

    /// Triage with one list call: the services (their update states) or every task (pending
    /// and failed), in turn (`turns.rs`), the other half as last listed.
    pub async fn triage_view(&self) -> Result<model::Triage, SwarmError> {
        let now = std::time::Instant::now();
        let plan = lock(&self.triage_turns).plan(now);
        let services = match plan.a {
            true => Some(self.services().await?),
            false => None,
        };
        let tasks = match plan.b {
            true => Some(self.all_tasks().await?),
            false => None,
        };
        let mut turns = lock(&self.triage_turns);
        turns.listed(services, tasks, now);
        Ok(model::triage(
            turns.a().map(Vec::as_slice).unwrap_or_default(),
            turns.b().map(Vec::as_slice).unwrap_or_default(),
        ))
    }

    /// The updates list's two halves with one list call per refresh: the services (Engine
    /// JSON, for PreviousSpec) every refresh while no update is unfinished — a finished
    /// update needs no tasks — and, while one is, the services or every task in turn. The
    /// tasks come grouped by service id.
    pub async fn updates_lists(
        &self,
    ) -> Result<(Vec<serde_json::Value>, HashMap<String, Vec<Task>>), SwarmError> {
        let now = std::time::Instant::now();
        let (mut plan, kept_unfinished) = {
            let t = lock(&self.updates_turns);
            (t.plan(now), t.a().is_some_and(|s| any_unfinished(s)))
        };
        if !kept_unfinished {
            plan = Plan { a: true, b: false };
        }
        let services = match plan.a {
            true => Some(self.services_json().await?),
            false => None,
        };
        // An update just seen starting: its tasks now, as on a first refresh.
        let first = services.as_ref().is_some_and(|s| any_unfinished(s))
            && lock(&self.updates_turns).b().is_none();
        let tasks = match plan.b || first {
            true => Some(self.all_tasks().await?),
            false => None,
        };
        let mut turns = lock(&self.updates_turns);
        turns.listed(services, tasks, now);
        let services = turns.a().cloned().unwrap_or_default();
        let mut by_service: HashMap<String, Vec<Task>> = HashMap::new();
        if any_unfinished(&services) {
            for t in turns.b().map(Vec::as_slice).unwrap_or_default() {
                let id = t.service_id.clone().unwrap_or_default();
                by_service.entry(id).or_default().push(t.clone());
            }
        }
        Ok((services, by_service))
    }
}

/// A kept value behind a lock another refresh may have panicked holding: nothing in it is
/// half-written in a way that matters.
fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Whether some service's update has not finished (its tasks are still moving).
pub fn any_unfinished(services: &[serde_json::Value]) -> bool {
    services.iter().any(|s| {
        s.get("UpdateStatus").is_some_and(|u| !u.is_null())
            && !matches!(
                s.pointer("/UpdateStatus/State").and_then(|v| v.as_str()),
                Some("completed" | "rollback_completed")
            )
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_cannot_leave_their_path_segment() {
        assert_eq!(super::segment("web_1.x-y").unwrap(), "web_1.x-y");
        assert_eq!(super::segment("../nodes?x").unwrap(), "..%2Fnodes%3Fx");
        for dots in ["", ".", ".."] {
            assert!(super::segment(dots).is_err());
        }
        assert_eq!(
            super::filter("service", "abc"),
            "filters=%7B%22service%22%3A%5B%22abc%22%5D%7D"
        );
    }
}
