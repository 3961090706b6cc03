//! What a Swarm console keeps about the nodes between refreshes, so that an idle console costs
//! the daemon at most one list call per visible view per refresh interval (issue 16):
//!
//! - The tasks view names each task's node. A node's hostname does not change under its id
//!   (a re-joined host gets a new id), so the names are kept and the node list is asked again
//!   only when a task names a node that neither the names nor the last list's absentees know.
//!   A task left from a node since removed is remembered as absent, so it does not cost a
//!   list every refresh.
//! - The nodes view joins two lists: the nodes (role, availability, status) and every task
//!   (how many run on each node). It lists one of them per refresh, in turn, and shows the
//!   other as last listed: each half is at most one refresh interval older than the other.
//!   For an on-call engineer watching a drain, a task count one refresh behind (5 s by
//!   default) is what `watch docker node ps` gives too; what must never lag is their own
//!   change, so a node write (`write::apply`) makes the next refresh list the nodes.
//!
//! The first refresh of the nodes view lists both. Nothing here is drawn or timed: the
//! console's refresh interval decides when `nodes_view` is called.

use std::collections::{HashMap, HashSet};

use bollard::models::Node;

use super::client::{SwarmClient, SwarmError};
use super::model::{self, NodeRow};

#[derive(Debug, Default)]
pub struct NodeCache {
    /// Hostnames by node id, from the last node list.
    names: HashMap<String, String>,
    /// Node ids tasks named that the last node list did not have.
    absent: HashSet<String>,
    /// The nodes view's halves as last listed.
    nodes: Option<Vec<Node>>,
    counts: Option<HashMap<String, usize>>,
    /// Which half the nodes view lists on its next refresh.
    counts_next: bool,
}

impl NodeCache {
    /// Records a fresh node list.
    fn listed(&mut self, nodes: &[Node]) {
        self.names = model::node_names(nodes);
        let names = &self.names;
        self.absent.retain(|id| !names.contains_key(id));
    }

    fn knows(&self, id: &str) -> bool {
        self.names.contains_key(id) || self.absent.contains(id)
    }
}

impl SwarmClient {
    fn cache(&self) -> std::sync::MutexGuard<'_, NodeCache> {
        // A panic elsewhere while holding the lock leaves nothing half-written that matters.
        self.node_cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every node, remembering their hostnames for `node_names_for`.
    pub async fn nodes(&self) -> Result<Vec<Node>, SwarmError> {
        let nodes: Vec<Node> = self.get_json("/nodes").await?;
        self.cache().listed(&nodes);
        Ok(nodes)
    }

    /// Hostnames for the nodes tasks run on (`node_ids`, empty ones ignored): the kept ones,
    /// the node list asked again only when a task names a node not seen before.
    pub async fn node_names_for(
        &self,
        node_ids: &[&str],
    ) -> Result<HashMap<String, String>, SwarmError> {
        let ids = || node_ids.iter().copied().filter(|id| !id.is_empty());
        let unknown = {
            let cache = self.cache();
            ids().any(|id| !cache.knows(id))
        };
        if unknown {
            self.nodes().await?;
            let mut cache = self.cache();
            let missing: Vec<String> = ids()
                .filter(|id| !cache.names.contains_key(*id))
                .map(str::to_owned)
                .collect();
            cache.absent.extend(missing);
        }
        Ok(self.cache().names.clone())
    }

    /// The nodes view's rows with one list call: the nodes or the tasks, in turn (both on the
    /// first call), the other half as last listed.
    pub async fn nodes_view(&self) -> Result<Vec<NodeRow>, SwarmError> {
        let (list_nodes, list_tasks) = {
            let c = self.cache();
            (
                c.nodes.is_none() || !c.counts_next,
                c.counts.is_none() || c.counts_next,
            )
        };
        if list_nodes {
            let nodes = self.nodes().await?;
            self.cache().nodes = Some(nodes);
        }
        if list_tasks {
            let tasks = self.all_tasks().await?;
            self.cache().counts = Some(model::running_counts(&tasks));
        }
        let mut c = self.cache();
        // Both listed (the first call): the nodes come next, they are what the operator acts on.
        c.counts_next = list_nodes && !list_tasks;
        let nodes = c.nodes.as_deref().unwrap_or_default();
        let none = HashMap::new();
        let counts = c.counts.as_ref().unwrap_or(&none);
        Ok(model::node_rows_counted(nodes, counts))
    }

    /// A node changed (a write): the nodes view lists the nodes on its next refresh.
    pub fn nodes_changed(&self) {
        self.cache().counts_next = false;
    }
}
