//! The tasks view (`:job ROLE/ENV/NAME`): a job's tasks, active or with history (`H`).

use std::collections::HashMap;

use super::cells::{age, n, ports_text, status_style};
use crate::app::vocab::nav::Nav;
use crate::app::widgets::table::{Column, Row, SortKey, Table};
use crate::aurora::model::*;

pub fn tasks_table() -> Table {
    Table::new(vec![
        Column::right("INST", 4).priority(9),
        Column::new("STATUS", 11).priority(9),
        Column::new("HOST", 0).priority(7),
        Column::new("PORTS", 0).priority(2),
        Column::right("AGE", 5).priority(6).clock(),
        Column::right("FAILS", 5).priority(6),
        Column::new("LAST EVENT", 0).priority(4),
        Column::new("TASK ID", 0).priority(1),
    ])
}

pub fn task_rows(tasks: &[ScheduledTask], reasons: &[PendingReason], now: i64) -> Vec<Row> {
    let reasons: HashMap<&str, &str> = reasons
        .iter()
        .filter_map(|r| Some((r.task_id.as_deref()?, r.reason.as_deref()?)))
        .collect();
    tasks
        .iter()
        .map(|task| {
            let id = task.task_id().to_owned();
            let status = task.status();
            let last = task.latest_event();
            let since = last.and_then(|e| e.timestamp);
            let message = match reasons.get(id.as_str()) {
                Some(r) if status == ScheduleStatus::PENDING && !r.is_empty() => (*r).to_owned(),
                _ => last
                    .and_then(|e| e.message.as_deref())
                    .unwrap_or("")
                    .replace('\n', " "),
            };
            let host = task.host().to_owned();
            // The first label identifies an agent; the full name is in the detail and on `Y`.
            let short_host = host.split('.').next().unwrap_or("").to_owned();
            Row::new(
                id.clone(),
                vec![
                    task.instance_id().to_string(),
                    status.to_string(),
                    short_host,
                    ports_text(task),
                    age(now, since),
                    task.failure_count.unwrap_or(0).to_string(),
                    message,
                    id.clone(),
                ],
                vec![
                    SortKey::Num(task.instance_id() as f64),
                    SortKey::Cell,
                    SortKey::Cell,
                    SortKey::Cell,
                    SortKey::Num(-(since.unwrap_or(0) as f64)),
                    n(task.failure_count),
                    SortKey::Cell,
                    SortKey::Cell,
                ],
            )
            .style(status_style(status))
            // With history shown an instance has many tasks: newest first within it.
            .then_by(-(since.unwrap_or(0) as f64))
            .target(Nav::Task(id.clone()))
            .instance(task.instance_id())
            .copy(id, (!host.is_empty()).then_some(host))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_reads_by_instance_then_newest_first() {
        // (task id, instance, time of its latest event), in a wire order that means nothing.
        let spec = [
            ("a", 0, 42),
            ("b", 1, 5),
            ("c", 0, 14),
            ("d", 0, 47),
            ("e", 1, 9),
            ("f", 0, 3),
        ];
        let tasks: Vec<ScheduledTask> = spec
            .iter()
            .map(|&(id, inst, t)| ScheduledTask {
                assigned_task: Some(AssignedTask {
                    task_id: Some(id.into()),
                    instance_id: Some(inst),
                    ..Default::default()
                }),
                status: Some(ScheduleStatus::FAILED),
                task_events: Some(vec![TaskEvent {
                    timestamp: Some(t),
                    status: Some(ScheduleStatus::FAILED),
                    ..Default::default()
                }]),
                ..Default::default()
            })
            .collect();
        let mut table = tasks_table();
        table.set_rows(task_rows(&tasks, &[], 100), 100);
        let order =
            |t: &Table| -> Vec<String> { t.view.iter().map(|&i| t.rows[i].id.clone()).collect() };
        assert_eq!(order(&table), ["d", "a", "c", "f", "e", "b"]);
        // Instances descending: each instance's tasks still newest first.
        table.sort_by(0, false);
        assert_eq!(order(&table), ["e", "b", "d", "a", "c", "f"]);
    }
}
