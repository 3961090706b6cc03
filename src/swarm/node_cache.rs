//! What a Swarm console keeps about the nodes between refreshes, so that an idle console costs
//! the daemon at most one list call per visible view per refresh interval (issue 16). The
//! decisions live here, without I/O; the reads that follow them are in `reads`
//! (`SwarmClient::node_names_for`, `nodes_view`).
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
//!   change, so a node write (`write::apply`) makes the next refresh list the nodes. The
//!   first refresh lists both, and so does one after a pause (`turns.rs`: a kept half older
//!   than `MAX_TURN_AGE` is never shown).

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use bollard::models::Node;

use super::model::{self, NodeRow};
use super::turns::{Plan, Turns};

#[derive(Debug, Default)]
pub struct NodeCache {
    /// Hostnames by node id, from the last node list.
    names: HashMap<String, String>,
    /// Node ids tasks named that the last node list did not have.
    absent: HashSet<String>,
    /// The nodes view's halves as last listed: the nodes, and the running tasks per node.
    nodes_view: Turns<Vec<Node>, HashMap<String, usize>>,
}

/// What the nodes view's next refresh lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodesViewPlan {
    pub nodes: bool,
    pub tasks: bool,
}

impl NodeCache {
    /// Records a fresh node list: its names, and ids no longer absent.
    pub fn listed(&mut self, nodes: &[Node]) {
        self.names = model::node_names(nodes);
        let names = &self.names;
        self.absent.retain(|id| !names.contains_key(id));
    }

    /// Whether one of the nodes `ids` is neither named nor known to be gone: the node list
    /// must be asked.
    pub fn needs_list(&self, ids: &[&str]) -> bool {
        ids.iter()
            .filter(|id| !id.is_empty())
            .any(|id| !self.names.contains_key(*id) && !self.absent.contains(*id))
    }

    /// After a fresh list: the ids among `ids` it did not have are gone.
    pub fn note_absent(&mut self, ids: &[&str]) {
        for id in ids.iter().filter(|id| !id.is_empty()) {
            if !self.names.contains_key(*id) {
                self.absent.insert((*id).to_owned());
            }
        }
    }

    pub fn names(&self) -> HashMap<String, String> {
        self.names.clone()
    }

    pub fn nodes_view_plan(&self, now: Instant) -> NodesViewPlan {
        let Plan { a, b } = self.nodes_view.plan(now);
        NodesViewPlan { nodes: a, tasks: b }
    }

    /// Keeps what a nodes view refresh listed and turns to the other half (after both, the
    /// nodes come next: they are what is acted on).
    pub fn nodes_view_listed(
        &mut self,
        nodes: Option<Vec<Node>>,
        counts: Option<HashMap<String, usize>>,
        now: Instant,
    ) {
        self.nodes_view.listed(nodes, counts, now);
    }

    pub fn nodes_view_rows(&self) -> Vec<NodeRow> {
        let none = HashMap::new();
        let counts = self.nodes_view.b().unwrap_or(&none);
        model::node_rows_counted(
            self.nodes_view.a().map(Vec::as_slice).unwrap_or_default(),
            counts,
        )
    }

    /// A node changed (a write): the nodes view lists the nodes on its next refresh.
    pub fn node_changed(&mut self) {
        self.nodes_view.a_next();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, host: &str) -> Node {
        serde_json::from_value(serde_json::json!({
            "ID": id, "Description": { "Hostname": host }
        }))
        .unwrap()
    }

    #[test]
    fn names_are_asked_for_once_and_a_gone_node_is_remembered() {
        let mut c = NodeCache::default();
        assert!(c.needs_list(&["a"]));
        assert!(!c.needs_list(&["", ""]), "a task on no node needs no name");
        c.listed(&[node("a", "host-a")]);
        c.note_absent(&["a", "gone"]);
        assert!(!c.needs_list(&["a", "gone"]));
        assert_eq!(c.names().get("a").map(String::as_str), Some("host-a"));
        assert!(c.needs_list(&["b"]));
        // The gone node joined after all: it is no longer absent.
        c.listed(&[node("a", "host-a"), node("gone", "host-g")]);
        assert!(!c.needs_list(&["gone"]));
        c.listed(&[node("a", "host-a")]);
        assert!(c.needs_list(&["gone"]));
    }

    #[test]
    fn the_nodes_view_lists_its_halves_in_turn() {
        let mut c = NodeCache::default();
        let now = Instant::now();
        let both = NodesViewPlan {
            nodes: true,
            tasks: true,
        };
        let nodes = NodesViewPlan {
            nodes: true,
            tasks: false,
        };
        let tasks = NodesViewPlan {
            nodes: false,
            tasks: true,
        };
        assert_eq!(c.nodes_view_plan(now), both);
        let counts = HashMap::from([("a".to_owned(), 3)]);
        c.nodes_view_listed(Some(vec![node("a", "host-a")]), Some(counts), now);
        assert_eq!(c.nodes_view_rows()[0].tasks, 3);
        assert_eq!(c.nodes_view_plan(now), nodes);
        c.nodes_view_listed(Some(vec![node("a", "host-a")]), None, now);
        assert_eq!(c.nodes_view_plan(now), tasks);
        // The kept counts are shown with the fresh nodes.
        assert_eq!(c.nodes_view_rows()[0].tasks, 3);
        c.node_changed();
        assert_eq!(c.nodes_view_plan(now), nodes);
    }
}
