//! A Swarm service's tasks (`:service NAME`, Enter on a service; ≈ a job's instances): one
//! row per slot (per node for a global service) with the task the orchestrator wants there
//! now; `H` shows every retained task of each slot, newest first.

use super::cells::t;
use crate::app::vocab::nav::Nav;
use crate::app::widgets::table::{Column, Row, SortKey, Table};
use crate::swarm::model::{TaskRow, age, current_tasks};

pub fn swarm_tasks_table() -> Table {
    Table::new(vec![
        Column::right("SLOT", 5).priority(9),
        Column::new("NODE", 0).priority(7),
        Column::new("DESIRED", 9).priority(6),
        Column::new("STATE", 10).priority(9),
        Column::new("ERROR", 0).priority(5),
        Column::right("AGE", 6).priority(6).clock(),
        Column::new("IMAGE", 0).priority(4),
        Column::new("TASK", 12).priority(3),
    ])
}

pub fn state_style(state: &str) -> &'static str {
    match state {
        "running" => "status.running",
        "complete" => "status.finished",
        "failed" | "rejected" => "status.failed",
        "shutdown" => "status.killed",
        "orphaned" | "remove" => "status.lost",
        "new" | "pending" | "assigned" => "status.pending",
        "accepted" | "preparing" | "ready" | "starting" => "status.starting",
        _ => "status.other",
    }
}

/// The rows: the current task of each slot, or every retained task with `history`.
/// `now` in epoch ms.
pub fn swarm_task_rows(tasks: &[TaskRow], history: bool, now: i64) -> Vec<Row> {
    let now = chrono::DateTime::from_timestamp_millis(now).unwrap_or_default();
    let shown = if history {
        tasks.to_vec()
    } else {
        current_tasks(tasks)
    };
    shown
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let slot = r.slot.map(|s| s.to_string()).unwrap_or_else(|| "-".into());
            let error = r.error.clone().unwrap_or_default();
            let short_id: String = r.id.chars().take(12).collect();
            Row::new(
                r.id.clone(),
                vec![
                    slot,
                    r.node.clone(),
                    r.desired_state.clone(),
                    r.state.clone(),
                    error,
                    age(r.since.as_deref(), now),
                    r.image.clone(),
                    short_id,
                ],
                vec![
                    SortKey::Num(r.slot.unwrap_or(0) as f64),
                    t(&r.node),
                    SortKey::Cell,
                    SortKey::Cell,
                    SortKey::Cell,
                    SortKey::Text(r.since.clone().unwrap_or_default()),
                    SortKey::Cell,
                    SortKey::Cell,
                ],
            )
            .style(state_style(&r.state))
            // Within a slot the model's order (newest first) holds whatever the sort.
            .then_by(i as f64)
            .copy(r.id.clone(), r.container_id.clone())
            .target(Nav::SwarmTask(r.id.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(id: &str, slot: i64, desired: &str, state: &str, created: &str) -> TaskRow {
        TaskRow {
            id: id.into(),
            service_id: "svc".into(),
            slot: Some(slot),
            node_id: Some("n1".into()),
            node: "node-1".into(),
            desired_state: desired.into(),
            state: state.into(),
            message: String::new(),
            error: (state == "failed").then(|| "task: non-zero exit (1)".into()),
            exit_code: None,
            container_id: None,
            since: Some(created.into()),
            created_at: Some(created.into()),
            image: "eos-test:1".into(),
            current_spec: true,
        }
    }

    #[test]
    fn one_row_per_slot_and_the_history_on_request() {
        let tasks = [
            task("b", 1, "running", "running", "2026-11-29T03:02:00Z"),
            task("a", 1, "shutdown", "failed", "2026-11-29T03:01:00Z"),
            task("c", 2, "running", "running", "2026-11-29T03:00:00Z"),
        ];
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-29T03:05:00Z")
            .unwrap()
            .timestamp_millis();
        let current = swarm_task_rows(&tasks, false, now);
        let ids: Vec<&str> = current.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["b", "c"]);
        assert_eq!(
            current[0].cells[..6],
            ["1", "node-1", "running", "running", "", "3m"]
        );
        let all = swarm_task_rows(&tasks, true, now);
        assert_eq!(all.len(), 3);
        assert_eq!(all[1].cells[4], "task: non-zero exit (1)");
        assert_eq!(all[1].style, "status.failed");
    }
}
