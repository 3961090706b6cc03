//! The hosts view (`:hosts`) and one host's tasks (`:host NAME`): agent hosts with their
//! active tasks, the jobs those belong to and their maintenance mode, joined from every active
//! task and the scheduler's `/maintenance` page.

use std::collections::BTreeMap;

use crate::app::vocab::nav::Nav;
use crate::app::vocab::resource::Data;
use crate::app::widgets::table::{Column, Row, SortKey, Table};
use crate::aurora::model::*;
use crate::domain::hosts::{HostSummary, jobs_text, mode_text};

/// Theme key of a maintenance mode (the MODE column and the row).
pub fn mode_style(mode: Option<MaintenanceMode>) -> &'static str {
    match mode {
        Some(MaintenanceMode::SCHEDULED) => "status.maintenance.scheduled",
        Some(MaintenanceMode::DRAINING) => "status.maintenance.draining",
        Some(MaintenanceMode::DRAINED) => "status.maintenance.drained",
        Some(_) => "status.maintenance.none",
        None => "status.other",
    }
}

fn mode_rank(mode: Option<MaintenanceMode>) -> f64 {
    match mode {
        Some(MaintenanceMode::NONE) => 0.0,
        Some(MaintenanceMode::SCHEDULED) => 1.0,
        Some(MaintenanceMode::DRAINING) => 2.0,
        Some(MaintenanceMode::DRAINED) => 3.0,
        _ => 4.0,
    }
}

/// The labels all names share at their end (`.devcluster.example.com`), to leave out of the
/// HOST column; empty when that would leave a name with nothing.
pub fn common_suffix<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let mut suffix: Option<Vec<&str>> = None;
    let mut count = 0;
    for n in names {
        count += 1;
        let labels: Vec<&str> = n.split('.').collect();
        suffix = Some(match suffix {
            None => labels[1..].to_vec(),
            Some(s) => {
                let common = s
                    .iter()
                    .rev()
                    .zip(labels[1..].iter().rev())
                    .take_while(|(a, b)| a == b)
                    .count();
                s[s.len() - common..].to_vec()
            }
        });
    }
    match suffix {
        Some(s) if count > 1 && !s.is_empty() => format!(".{}", s.join(".")),
        _ => String::new(),
    }
}

pub fn hosts_table() -> Table {
    Table::new(vec![
        Column::new("HOST", 0).priority(9),
        Column::new("MODE", 9).priority(9),
        Column::right("TASKS", 5).priority(8),
        Column::right("TO MOVE", 7).priority(6),
        Column::new("JOBS", 0).priority(5),
    ])
}

pub fn host_rows(hosts: &[HostSummary]) -> Vec<Row> {
    let suffix = common_suffix(hosts.iter().map(|h| h.host.as_str()));
    hosts
        .iter()
        .map(|h| {
            let shown = h.host.strip_suffix(suffix.as_str()).unwrap_or(&h.host);
            let mut row = Row::new(
                h.host.clone(),
                vec![
                    shown.to_owned(),
                    mode_text(h.mode),
                    h.tasks.to_string(),
                    h.tasks_to_move.map(|n| n.to_string()).unwrap_or_default(),
                    jobs_text(&h.jobs),
                ],
                vec![
                    SortKey::Text(h.host.clone()),
                    SortKey::Num(mode_rank(h.mode)),
                    SortKey::Num(h.tasks as f64),
                    SortKey::Num(h.tasks_to_move.map(|n| n as f64).unwrap_or(-1.0)),
                    SortKey::Num(h.jobs.len() as f64),
                ],
            )
            .style(mode_style(h.mode))
            .target(Nav::Host(h.host.clone()));
            // The filter also finds the full host name and every job, not just the shown ones.
            row.haystack.push(' ');
            row.haystack.push_str(&h.host.to_lowercase());
            for j in &h.jobs {
                row.haystack.push(' ');
                row.haystack.push_str(&j.job.to_lowercase());
            }
            row
        })
        .collect()
}

/// One host's tasks: the tasks view's columns, with the job in place of the host.
pub fn host_tasks_table() -> Table {
    Table::new(vec![
        Column::new("JOB", 0).priority(9),
        Column::right("INST", 4).priority(8),
        Column::new("STATUS", 11).priority(9),
        Column::new("PORTS", 0).priority(2),
        Column::right("AGE", 5).priority(6).clock(),
        Column::right("FAILS", 5).priority(6),
        Column::new("LAST EVENT", 0).priority(4),
        Column::new("TASK ID", 0).priority(1),
    ])
}

pub fn host_task_rows(tasks: &[ScheduledTask], now: i64) -> Vec<Row> {
    let jobs: BTreeMap<&str, String> = tasks
        .iter()
        .map(|t| {
            (
                t.task_id(),
                t.job().map(|j| j.to_string()).unwrap_or_default(),
            )
        })
        .collect();
    super::tasks::task_rows(tasks, &[], now)
        .into_iter()
        .map(|r| {
            let job = jobs.get(r.id.as_str()).cloned().unwrap_or_default();
            // The tasks view's cells: INST STATUS HOST PORTS AGE FAILS LAST-EVENT TASK-ID.
            let mut cells = r.cells.clone();
            let mut sort = r.sort.clone();
            cells.remove(2);
            sort.remove(2);
            cells.insert(0, job.clone());
            sort.insert(0, SortKey::Text(job));
            let mut row = Row::new(r.id.clone(), cells, sort)
                .style(r.style)
                .copy(r.copy.clone(), r.copy_alt.clone());
            row.target = r.target.clone();
            row
        })
        .collect()
}

/// Host names in fetched data, for completion.
pub fn host_names(d: &Data) -> Vec<String> {
    match d {
        Data::Tasks(t) => t
            .iter()
            .map(|t| t.host().to_owned())
            .filter(|h| !h.is_empty())
            .collect(),
        Data::Maintenance(m) => m.hosts().into_iter().map(str::to_owned).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::hosts::HostJob;
    use crate::domain::hosts::host_summaries;

    fn task(id: &str, job: &str, host: &str, status: ScheduleStatus) -> ScheduledTask {
        let k = JobKey::parse(job).unwrap();
        ScheduledTask {
            assigned_task: Some(AssignedTask {
                task_id: Some(id.into()),
                slave_host: (!host.is_empty()).then(|| host.into()),
                task: Some(std::sync::Arc::new(TaskConfig {
                    job: Some(k),
                    ..Default::default()
                })),
                ..Default::default()
            }),
            status: Some(status),
            ..Default::default()
        }
    }

    #[test]
    fn summaries_join_tasks_and_maintenance() {
        const RUNNING: ScheduleStatus = ScheduleStatus::RUNNING;
        const STARTING: ScheduleStatus = ScheduleStatus::STARTING;
        const DRAINING: ScheduleStatus = ScheduleStatus::DRAINING;
        const PENDING: ScheduleStatus = ScheduleStatus::PENDING;
        const FINISHED: ScheduleStatus = ScheduleStatus::FINISHED;
        let tasks = vec![
            task("t1", "a/prod/x", "h1.dc.example.com", RUNNING),
            task("t2", "a/prod/x", "h1.dc.example.com", RUNNING),
            task("t3", "b/prod/y", "h1.dc.example.com", STARTING),
            task("t4", "b/prod/y", "h2.dc.example.com", DRAINING),
            task("t5", "b/prod/y", "", PENDING),
            task("t6", "b/prod/y", "h5.dc.example.com", FINISHED),
        ];
        let m = crate::aurora::maintenance::MaintenanceHosts::parse(
            br#"{"DRAINING":{"h2.dc.example.com":["t4"]},"DRAINED":["h3.dc.example.com"]}"#,
        )
        .unwrap();
        let s = host_summaries(&tasks, Some(&m));
        let names: Vec<&str> = s.iter().map(|h| h.host.as_str()).collect();
        // h3 has no tasks but is in maintenance; h5 has only a finished task: unknown.
        assert_eq!(
            names,
            vec![
                "h1.dc.example.com",
                "h2.dc.example.com",
                "h3.dc.example.com"
            ]
        );
        assert_eq!(s[0].tasks, 3);
        assert_eq!(s[0].mode, Some(MaintenanceMode::NONE));
        assert_eq!(jobs_text(&s[0].jobs), "a/prod/x ×2, b/prod/y");
        assert_eq!(s[1].mode, Some(MaintenanceMode::DRAINING));
        assert_eq!(s[1].tasks_to_move, Some(1));
        assert_eq!((s[2].tasks, s[2].mode), (0, Some(MaintenanceMode::DRAINED)));
        let rows = host_rows(&s);
        assert_eq!(
            rows[0].cells,
            vec!["h1", "NONE", "3", "", "a/prod/x ×2, b/prod/y"]
        );
        assert_eq!(rows[1].cells[1..4], ["DRAINING", "1", "1"]);
        assert_eq!(rows[1].style, "status.maintenance.draining");
        assert_eq!(rows[0].target, Some(Nav::Host("h1.dc.example.com".into())));
        assert!(rows[0].haystack.contains("h1.dc.example.com"));
        // Without the maintenance page: the hosts with tasks, mode unknown.
        let s = host_summaries(&tasks, None);
        assert_eq!(s.len(), 2);
        assert_eq!(mode_text(s[0].mode), "?");
    }

    #[test]
    fn jobs_are_shortened_to_three_and_suffixes_to_what_differs() {
        let jobs: Vec<HostJob> = (0..5)
            .map(|i| HostJob {
                job: format!("r/e/j{i}"),
                tasks: 1,
            })
            .collect();
        assert_eq!(jobs_text(&jobs), "r/e/j0, r/e/j1, r/e/j2, +2 more");
        assert_eq!(
            common_suffix(["a.z1.dc.com", "b.z2.dc.com"]),
            ".dc.com".to_owned()
        );
        assert_eq!(common_suffix(["a.dc.com"]), "");
        assert_eq!(common_suffix(["a", "b.dc"]), "");
        assert_eq!(common_suffix(["a.x", "b.y"]), "");
    }
}
