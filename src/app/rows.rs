//! Turning API data into table rows, once per arrival: display text, sort keys, meaning
//! (for colour), where Enter goes and what `y` copies.

use std::collections::HashMap;

use super::nav::Nav;
use super::table::{Column, Row, SortKey, Table};
use crate::aurora::model::*;
pub use crate::domain::format::{age, ports_text};

pub fn roles_table() -> Table {
    Table::new(vec![
        Column::new("ROLE", 0),
        Column::right("JOBS", 6),
        Column::right("CRON", 6),
    ])
}

pub fn jobs_table() -> Table {
    Table::new(vec![
        Column::new("JOB", 0).priority(9),
        Column::right("ACTIVE", 6).priority(8),
        Column::right("PENDING", 7).priority(8),
        Column::right("FAILED", 6).priority(8),
        Column::right("FINISHED", 8).priority(3),
        Column::new("TIER", 11).priority(2),
        Column::new("PROD", 4).priority(2),
        Column::new("CRON / NEXT RUN", 0).priority(4).clock(),
        Column::new("UPDATE", 0).priority(7),
    ])
}

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

pub fn updates_table() -> Table {
    Table::new(vec![
        Column::new("JOB", 0).priority(9),
        Column::new("UPDATE ID", 0).priority(3),
        Column::new("STATUS", 0).priority(9),
        Column::new("USER", 0).priority(6),
        Column::right("STARTED", 8).priority(4).clock(),
        Column::right("CHANGED", 8).priority(7).clock(),
        Column::right("PROGRESS", 10).priority(8),
    ])
    .sorted_by(5, false)
}

pub fn triage_table() -> Table {
    Table::new(vec![
        Column::new("KIND", 10).priority(9),
        Column::new("WHAT", 0).priority(8),
        // The reason is cut rather than the age dropped when a crash loop's message is long.
        Column::new("WHY", 0).priority(6),
        Column::right("AGE", 5).priority(7).clock(),
    ])
}

/// Theme key for a task status (Aurora's own UI colours: green running, yellow transitional,
/// red failing, blue starting, grey the rest).
pub fn status_style(s: ScheduleStatus) -> &'static str {
    match s {
        ScheduleStatus::RUNNING => "status.running",
        ScheduleStatus::FINISHED => "status.finished",
        ScheduleStatus::PENDING => "status.pending",
        ScheduleStatus::ASSIGNED | ScheduleStatus::STARTING => "status.starting",
        ScheduleStatus::THROTTLED => "status.throttled",
        ScheduleStatus::FAILED => "status.failed",
        ScheduleStatus::LOST => "status.lost",
        ScheduleStatus::KILLING
        | ScheduleStatus::DRAINING
        | ScheduleStatus::PREEMPTING
        | ScheduleStatus::RESTARTING => "status.transition",
        ScheduleStatus::KILLED => "status.killed",
        _ => "status.other",
    }
}

pub fn update_style(s: JobUpdateStatus) -> &'static str {
    match s {
        JobUpdateStatus::ROLLING_FORWARD => "update.rolling_forward",
        JobUpdateStatus::ROLLING_BACK => "update.rolling_back",
        JobUpdateStatus::ROLL_FORWARD_PAUSED | JobUpdateStatus::ROLL_BACK_PAUSED => "update.paused",
        JobUpdateStatus::ROLL_FORWARD_AWAITING_PULSE
        | JobUpdateStatus::ROLL_BACK_AWAITING_PULSE => "update.awaiting_pulse",
        JobUpdateStatus::ROLLED_FORWARD => "update.rolled_forward",
        JobUpdateStatus::ROLLED_BACK => "update.rolled_back",
        JobUpdateStatus::ABORTED => "update.aborted",
        _ => "update.failed",
    }
}

fn n(v: Option<i32>) -> SortKey {
    SortKey::Num(v.unwrap_or(0) as f64)
}

fn t(s: &str) -> SortKey {
    SortKey::Text(s.to_owned())
}

pub fn role_rows(roles: &[RoleSummary]) -> Vec<Row> {
    roles
        .iter()
        .map(|r| {
            let role = r.role.clone().unwrap_or_default();
            Row::new(
                role.clone(),
                vec![
                    role.clone(),
                    r.job_count.unwrap_or(0).to_string(),
                    r.cron_job_count.unwrap_or(0).to_string(),
                ],
                vec![t(&role), n(r.job_count), n(r.cron_job_count)],
            )
            .target(Nav::Jobs(Some(role)))
        })
        .collect()
}

/// The active update of each job (job key text -> summary), from an update list.
pub fn active_updates(updates: &[JobUpdateSummary]) -> HashMap<String, &JobUpdateSummary> {
    updates
        .iter()
        .filter(|u| u.is_active())
        .filter_map(|u| Some((u.key.as_ref()?.job.as_ref()?.to_string(), u)))
        .collect()
}

pub fn job_rows(jobs: &[JobSummary], updates: &[JobUpdateSummary], now: i64) -> Vec<Row> {
    let active = active_updates(updates);
    jobs.iter()
        .filter_map(|j| {
            let cfg = j.job.as_ref()?;
            let key = cfg.key.as_ref()?.to_string();
            let task = cfg.task_config.clone().unwrap_or_default();
            let s = j.stats.clone().unwrap_or_default();
            let cron = match (&cfg.cron_schedule, j.next_cron_run_ms) {
                (Some(c), Some(next)) => format!("{c}  in {}", age(next, Some(now))),
                (Some(c), None) => c.clone(),
                _ => String::new(),
            };
            let update = active
                .get(&key)
                .and_then(|u| u.state.as_ref()?.status)
                .map(|s| format!("▲ {s}"))
                .unwrap_or_default();
            let failing =
                s.failed_task_count.unwrap_or(0) > 0 || s.pending_task_count.unwrap_or(0) > 0;
            let style = if !update.is_empty() {
                "update.active"
            } else if failing {
                "status.attention"
            } else {
                "text"
            };
            Some(
                Row::new(
                    key.clone(),
                    vec![
                        key.clone(),
                        s.active_task_count.unwrap_or(0).to_string(),
                        s.pending_task_count.unwrap_or(0).to_string(),
                        s.failed_task_count.unwrap_or(0).to_string(),
                        s.finished_task_count.unwrap_or(0).to_string(),
                        task.tier.clone().unwrap_or_default(),
                        if task.production == Some(true) {
                            "prod".into()
                        } else {
                            String::new()
                        },
                        cron,
                        update.clone(),
                    ],
                    vec![
                        t(&key),
                        n(s.active_task_count),
                        n(s.pending_task_count),
                        n(s.failed_task_count),
                        n(s.finished_task_count),
                        t(task.tier.as_deref().unwrap_or("")),
                        t(if task.production == Some(true) {
                            "a"
                        } else {
                            "b"
                        }),
                        SortKey::Num(j.next_cron_run_ms.unwrap_or(i64::MAX) as f64),
                        t(&update),
                    ],
                )
                .style(style)
                .target(Nav::Tasks(key)),
            )
        })
        .collect()
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

/// `progress`: the progress cell of each active update whose details are loaded, by key.
pub fn update_rows(
    updates: &[JobUpdateSummary],
    progress: &HashMap<String, String>,
    now: i64,
) -> Vec<Row> {
    updates
        .iter()
        .filter_map(|u| {
            let key = u.key.as_ref()?;
            let full = key.to_string();
            let st = u.state.clone().unwrap_or_default();
            let status = st.status.unwrap_or_default();
            Some(
                Row::new(
                    full.clone(),
                    vec![
                        key.job.as_ref().map(|j| j.to_string()).unwrap_or_default(),
                        key.id.clone().unwrap_or_default(),
                        status.to_string(),
                        u.user.clone().unwrap_or_default(),
                        age(now, st.created_timestamp_ms),
                        age(now, st.last_modified_timestamp_ms),
                        progress.get(&full).cloned().unwrap_or_default(),
                    ],
                    vec![
                        t(&full),
                        t(key.id.as_deref().unwrap_or("")),
                        t(&status.to_string()),
                        t(u.user.as_deref().unwrap_or("")),
                        SortKey::Num(st.created_timestamp_ms.unwrap_or(0) as f64),
                        SortKey::Num(st.last_modified_timestamp_ms.unwrap_or(0) as f64),
                        SortKey::Cell,
                    ],
                )
                .style(update_style(status))
                .target(Nav::Update(full.clone()))
                .copy(key.id.clone().unwrap_or_default(), None),
            )
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
