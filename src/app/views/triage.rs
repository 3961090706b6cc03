//! The triage view (`:triage`): what needs a human, one row per cause. Pending instances are
//! grouped by job and reason; a crash loop says why its last task failed.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::cells::{age, update_style};
use crate::app::vocab::nav::Nav;
use crate::app::widgets::table::{Column, Row, SortKey, Table};
use crate::aurora::model::*;

/// A pending instance: its id, task id, and since when it waits.
type Pending = (i32, String, Option<i64>);

pub fn triage_table() -> Table {
    Table::new(vec![
        Column::new("KIND", 10).priority(9),
        Column::new("WHAT", 0).priority(8),
        // The reason is cut rather than the age dropped when a crash loop's message is long.
        Column::new("WHY", 0).priority(6),
        Column::right("AGE", 5).priority(7).clock(),
    ])
}

/// The id prefix of a group row; the rest is `job`, a tab, and the reason.
pub const GROUP: &str = "group:";

fn t(s: &str) -> SortKey {
    SortKey::Text(s.to_owned())
}

/// The jobs with throttled (crash-looping) tasks: their history says why they fail.
pub fn crashloop_jobs(stuck: &[ScheduledTask]) -> Vec<String> {
    let jobs: BTreeSet<String> = stuck
        .iter()
        .filter(|t| t.status() == ScheduleStatus::THROTTLED)
        .filter_map(|t| t.job().map(|j| j.to_string()))
        .collect();
    jobs.into_iter().collect()
}

/// The message of the job's most recent failure (FAILED or LOST), from its task history.
pub fn last_failure(history: &[ScheduledTask]) -> Option<String> {
    history
        .iter()
        .filter(|t| matches!(t.status(), ScheduleStatus::FAILED | ScheduleStatus::LOST))
        .filter_map(|t| {
            let e = t.latest_event()?;
            Some((e.timestamp.unwrap_or(0), e.message.clone()?))
        })
        .filter(|(_, m)| !m.trim().is_empty())
        .max_by_key(|(at, _)| *at)
        .map(|(_, m)| m.replace('\n', " "))
}

/// What the triage rows are built from.
pub struct Inputs<'a> {
    pub stuck: &'a [ScheduledTask],
    pub reasons: &'a [PendingReason],
    pub jobs: &'a [JobSummary],
    pub updates: &'a [JobUpdateSummary],
    /// Each crash-looping job's last failure message, where its history is loaded.
    pub failures: &'a HashMap<String, String>,
    /// The group rows that are expanded.
    pub expanded: &'a BTreeSet<String>,
}

/// What needs a human: blocked or failed updates, crash loops, pending instances by job and
/// reason, and jobs with many failures.
pub fn triage_rows(i: &Inputs, now: i64) -> Vec<Row> {
    let reasons: HashMap<&str, &str> = i
        .reasons
        .iter()
        .filter_map(|r| Some((r.task_id.as_deref()?, r.reason.as_deref()?)))
        .collect();
    let mut rows = Vec::new();
    // Updates first: a blocked or failed rollout is usually the cause of everything else.
    for u in i.updates {
        let Some(key) = u.key.as_ref() else { continue };
        let st = u.state.clone().unwrap_or_default();
        let status = st.status.unwrap_or_default();
        let recent = now - st.last_modified_timestamp_ms.unwrap_or(0) < 6 * 3600 * 1000;
        let why = match status {
            JobUpdateStatus::ROLL_FORWARD_AWAITING_PULSE
            | JobUpdateStatus::ROLL_BACK_AWAITING_PULSE => "blocked: waiting for a pulse",
            JobUpdateStatus::ROLL_FORWARD_PAUSED | JobUpdateStatus::ROLL_BACK_PAUSED => "paused",
            JobUpdateStatus::ROLLING_BACK => "rolling back",
            JobUpdateStatus::FAILED if recent => "failed",
            JobUpdateStatus::ERROR if recent => "scheduler error",
            JobUpdateStatus::ROLLED_BACK if recent => "rolled back",
            _ => continue,
        };
        let full = key.to_string();
        rows.push(
            triage_row(
                &full,
                "UPDATE",
                &format!(
                    "{} {}",
                    key.job.as_ref().map(|j| j.to_string()).unwrap_or_default(),
                    status
                ),
                why,
                age(now, st.last_modified_timestamp_ms),
                st.last_modified_timestamp_ms,
                update_style(status),
                0,
            )
            .target(Nav::Update(full.clone())),
        );
    }
    // Throttled (flapping) tasks: one row per job; pending ones: one row per job and reason.
    let mut flapping: BTreeMap<String, (usize, i32, Option<i64>)> = BTreeMap::new();
    let mut pending: BTreeMap<(String, String), Vec<Pending>> = BTreeMap::new();
    for task in i.stuck {
        let Some(job) = task.job() else { continue };
        let job = job.to_string();
        let since = task.latest_event().and_then(|e| e.timestamp);
        match task.status() {
            ScheduleStatus::THROTTLED => {
                let e = flapping.entry(job).or_default();
                e.0 += 1;
                e.1 = e.1.max(task.failure_count.unwrap_or(0));
                e.2 = e.2.max(since);
            }
            ScheduleStatus::PENDING => {
                let id = task.task_id();
                let why = reasons
                    .get(id)
                    .filter(|r| !r.is_empty())
                    .map(|r| r.to_string())
                    .unwrap_or_else(|| "waiting for an offer".into());
                pending.entry((job, why)).or_default().push((
                    task.instance_id(),
                    id.to_owned(),
                    since,
                ));
            }
            _ => {}
        }
    }
    for (job, (count, fails, since)) in flapping {
        // The cause first: a narrow column cuts the counts, not the reason.
        let counts = format!("{count} throttled task(s), up to {fails} failures");
        let why = match i.failures.get(&job) {
            Some(m) => format!("last: {m} · {counts}"),
            None => counts,
        };
        rows.push(
            triage_row(
                &format!("flap:{job}"),
                "CRASHLOOP",
                &job,
                &why,
                age(now, since),
                since,
                "status.throttled",
                1,
            )
            .target(Nav::Tasks(job.clone())),
        );
    }
    for ((job, why), mut instances) in pending {
        instances.sort_by_key(|(inst, _, _)| *inst);
        rows.extend(pending_rows(&job, &why, &instances, i.expanded, now));
    }
    for j in i.jobs {
        let Some(key) = j.job.as_ref().and_then(|c| c.key.as_ref()) else {
            continue;
        };
        let failed = j
            .stats
            .as_ref()
            .and_then(|s| s.failed_task_count)
            .unwrap_or(0);
        if failed >= 3 {
            let key = key.to_string();
            rows.push(
                triage_row(
                    &format!("fail:{key}"),
                    "FAILURES",
                    &key,
                    &format!("{failed} failed or lost tasks retained"),
                    String::new(),
                    None,
                    "status.failed",
                    3,
                )
                .target(Nav::Tasks(key.clone())),
            );
        }
    }
    rows
}

/// The rows of one job's instances pending for one reason: the instance itself when it is
/// alone, else a group row, followed by its instances when expanded.
fn pending_rows(
    job: &str,
    why: &str,
    instances: &[Pending],
    expanded: &BTreeSet<String>,
    now: i64,
) -> Vec<Row> {
    let instance_row = |(inst, id, since): &Pending, what: String| {
        triage_row(
            id,
            "PENDING",
            &what,
            why,
            age(now, *since),
            *since,
            "status.pending",
            2,
        )
        .target(Nav::Tasks(job.to_owned()))
        .copy(format!("{job}/{inst}"), None)
    };
    if let [one] = instances {
        return vec![instance_row(one, format!("{job}/{}", one.0))];
    }
    let group = format!("{GROUP}{job}\t{why}");
    let open = expanded.contains(&group);
    // The group has waited as long as its oldest instance.
    let since = instances.iter().filter_map(|(_, _, s)| *s).min();
    let mut rows = vec![
        triage_row(
            &group,
            "PENDING",
            &format!(
                "{} {job}  {} pending",
                if open { "▾" } else { "▸" },
                instances.len()
            ),
            why,
            age(now, since),
            since,
            "status.pending",
            2,
        )
        .copy(job.to_owned(), None),
    ];
    if open {
        rows.extend(
            instances
                .iter()
                .map(|i| instance_row(i, format!("  └ {job}/{}", i.0)).child_of(&group)),
        );
    }
    rows
}

#[allow(clippy::too_many_arguments)]
fn triage_row(
    id: &str,
    kind: &str,
    what: &str,
    why: &str,
    age_text: String,
    since: Option<i64>,
    style: &'static str,
    rank: i32,
) -> Row {
    Row::new(
        id.to_owned(),
        vec![kind.to_owned(), what.to_owned(), why.to_owned(), age_text],
        vec![
            SortKey::Num(rank as f64),
            t(what.trim_start_matches(['▸', '▾', ' '])),
            t(why),
            SortKey::Num(-(since.unwrap_or(0) as f64)),
        ],
    )
    .style(style)
    .copy(what.to_owned(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(job: &str, inst: i32, status: ScheduleStatus, ts: i64, msg: &str) -> ScheduledTask {
        let key = JobKey::parse(job).unwrap();
        ScheduledTask {
            assigned_task: Some(AssignedTask {
                task_id: Some(format!("{job}-{inst}-{ts}")),
                instance_id: Some(inst),
                task: Some(std::sync::Arc::new(TaskConfig {
                    job: Some(key),
                    ..Default::default()
                })),
                ..Default::default()
            }),
            status: Some(status),
            task_events: Some(vec![TaskEvent {
                timestamp: Some(ts),
                status: Some(status),
                message: Some(msg.into()),
                ..Default::default()
            }]),
            ..Default::default()
        }
    }

    #[test]
    fn the_last_failure_is_the_newest_failed_or_lost_task() {
        let h = vec![
            task(
                "a/b/c",
                0,
                ScheduleStatus::FAILED,
                10,
                "exited with status 1",
            ),
            task(
                "a/b/c",
                1,
                ScheduleStatus::FAILED,
                30,
                "exited with status 137",
            ),
            task("a/b/c", 0, ScheduleStatus::KILLED, 40, "killed by you"),
            task("a/b/c", 0, ScheduleStatus::RUNNING, 50, ""),
        ];
        assert_eq!(last_failure(&h).as_deref(), Some("exited with status 137"));
        assert_eq!(last_failure(&h[2..]), None);
    }

    #[test]
    fn pending_instances_group_by_job_and_reason_and_expand() {
        let stuck: Vec<ScheduledTask> = (0..12)
            .map(|i| task("s/p/cold", i, ScheduleStatus::PENDING, 100, ""))
            .chain([task("s/p/hot", 0, ScheduleStatus::PENDING, 100, "")])
            .collect();
        let reasons: Vec<PendingReason> = stuck
            .iter()
            .map(|t| PendingReason {
                task_id: Some(t.task_id().to_owned()),
                reason: Some("Insufficient: RAM".into()),
            })
            .collect();
        let mut expanded = BTreeSet::new();
        let failures = HashMap::new();
        let rows = |expanded: &BTreeSet<String>| {
            triage_rows(
                &Inputs {
                    stuck: &stuck,
                    reasons: &reasons,
                    jobs: &[],
                    updates: &[],
                    failures: &failures,
                    expanded,
                },
                1000,
            )
        };
        let folded = rows(&expanded);
        let cells: Vec<Vec<String>> = folded.iter().map(|r| r.cells.clone()).collect();
        assert_eq!(
            cells,
            vec![
                vec![
                    "PENDING".to_string(),
                    "▸ s/p/cold  12 pending".into(),
                    "Insufficient: RAM".into(),
                    "0s".into()
                ],
                vec![
                    "PENDING".to_string(),
                    "s/p/hot/0".into(),
                    "Insufficient: RAM".into(),
                    "0s".into()
                ],
            ]
        );
        assert_eq!(folded[0].target, None, "Enter expands a group");
        assert_eq!(folded[1].target, Some(Nav::Tasks("s/p/hot".into())));
        expanded.insert(folded[0].id.clone());
        let open = rows(&expanded);
        assert_eq!(open.len(), 14);
        assert_eq!(open[0].cells[1], "▾ s/p/cold  12 pending");
        assert_eq!(open[1].cells[1], "  └ s/p/cold/0");
        assert_eq!(open[1].parent.as_deref(), Some(folded[0].id.as_str()));
        assert_eq!(open[1].target, Some(Nav::Tasks("s/p/cold".into())));
    }
}
