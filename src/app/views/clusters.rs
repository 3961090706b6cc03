//! The clusters view (`:clusters`): each cluster (clusters.json's, and the Swarms of Eos's
//! config) with its kind and health.

use super::cells::short_url;
use crate::app::vocab::nav::Nav;
use crate::app::vocab::resource::ClusterHealth;
use crate::app::widgets::table::{Column, Row, SortKey, Table};

pub fn clusters_table() -> Table {
    Table::new(vec![
        Column::new("CLUSTER", 0).priority(9),
        Column::new("KIND", 6).priority(5),
        Column::new("HEALTH", 0).priority(9),
        Column::new("LEADER", 0).priority(6),
        Column::new("REACHED AT", 0).priority(4),
        Column::new("AUTH", 0).priority(2),
    ])
}

pub fn cluster_rows(all: &[ClusterHealth], current: Option<&str>) -> Vec<Row> {
    all.iter()
        .map(|c| {
            let here = current == Some(c.name.as_str());
            let (health, style, sort) = match &c.health {
                Ok(ms) => (format!("ok {ms} ms"), "status.running", *ms as f64),
                Err(e) => (e.clone(), "status.failed", f64::MAX),
            };
            let name = if here {
                format!("{} (current)", c.name)
            } else {
                c.name.clone()
            };
            let leader = c
                .leader
                .as_deref()
                .map(short_url)
                .unwrap_or_else(|| "-".into());
            Row::new(
                c.name.clone(),
                vec![
                    name,
                    c.kind.label().to_owned(),
                    health,
                    leader,
                    c.reached.clone(),
                    c.auth.clone(),
                ],
                vec![
                    SortKey::Text(c.name.clone()),
                    SortKey::Cell,
                    SortKey::Num(sort),
                    SortKey::Cell,
                    SortKey::Cell,
                    SortKey::Cell,
                ],
            )
            .style(style)
            .target(Nav::SwitchCluster(c.name.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn health(name: &str, h: Result<u64, String>) -> ClusterHealth {
        ClusterHealth {
            name: name.into(),
            kind: crate::cluster_list::ClusterKind::Aurora,
            reached: format!("http://{name}:8081"),
            auth: "UNAUTHENTICATED".into(),
            leader: h.is_ok().then(|| format!("http://{name}:8081")),
            health: h,
        }
    }

    #[test]
    fn rows_mark_the_current_cluster_and_failures() {
        let rows = cluster_rows(
            &[
                health("east", Ok(12)),
                health("west", Err("ZooKeeper zk:2181 unreachable".into())),
            ],
            Some("east"),
        );
        assert_eq!(rows[0].cells[0], "east (current)");
        assert_eq!(rows[0].cells[1], "aurora");
        assert_eq!(rows[0].cells[2], "ok 12 ms");
        assert_eq!(rows[0].style, "status.running");
        assert_eq!(rows[1].cells[2], "ZooKeeper zk:2181 unreachable");
        assert_eq!(rows[1].cells[3], "-");
        assert_eq!(rows[1].style, "status.failed");
        assert_eq!(rows[1].target, Some(Nav::SwitchCluster("west".into())));
    }
}
