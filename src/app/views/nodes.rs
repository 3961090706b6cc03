//! A Swarm's nodes (`:nodes`, `:hosts` on a Swarm; ≈ hosts): hostname, role, availability,
//! status, engine version and how many tasks the orchestrator wants on each.

use super::cells::t;
use crate::app::widgets::table::{Column, Row, SortKey, Table};
use crate::swarm::model::NodeRow;

pub fn nodes_table() -> Table {
    Table::new(vec![
        Column::new("HOSTNAME", 0).priority(9),
        Column::new("ROLE", 0).priority(7),
        Column::new("AVAILABILITY", 12).priority(8),
        Column::new("STATUS", 8).priority(8),
        Column::new("ENGINE", 0).priority(4),
        Column::right("TASKS", 6).priority(6),
    ])
}

pub fn node_rows(nodes: &[NodeRow]) -> Vec<Row> {
    nodes
        .iter()
        .map(|n| {
            let role = if n.leader {
                format!("{} (leader)", n.role)
            } else {
                n.role.clone()
            };
            let style = match (n.status.as_str(), n.availability.as_str()) {
                ("ready", "active") => "text",
                ("ready", _) => "status.transition",
                _ => "status.failed",
            };
            Row::new(
                n.id.clone(),
                vec![
                    n.hostname.clone(),
                    role,
                    n.availability.clone(),
                    n.status.clone(),
                    n.engine_version.clone(),
                    n.tasks.to_string(),
                ],
                vec![
                    t(&n.hostname),
                    SortKey::Cell,
                    SortKey::Cell,
                    SortKey::Cell,
                    SortKey::Cell,
                    SortKey::Num(n.tasks as f64),
                ],
            )
            .style(style)
            .copy(n.hostname.clone(), Some(n.id.clone()))
        })
        .collect()
}
