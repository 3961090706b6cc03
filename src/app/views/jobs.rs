//! The jobs view (`:jobs [ROLE]`): a role's jobs (or all) with task counts, cron schedule
//! and the update in progress.

use std::collections::HashMap;

use super::cells::{age, n, t};
use crate::app::vocab::nav::Nav;
use crate::app::widgets::table::{Column, Row, SortKey, Table};
use crate::aurora::model::*;

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
