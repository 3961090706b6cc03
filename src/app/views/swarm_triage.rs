//! Triage on a Swarm (`T`, `:triage`; ≈ Aurora's triage, same columns): services whose update
//! paused or rolled back, tasks that cannot be placed grouped by service and reason ("no
//! suitable node (insufficient resources on 2 nodes)"), and failed tasks grouped by service.
//! The facts are `swarm::model::triage`'s. Enter on an update opens its update screen, on
//! anything else the service's tasks.

use std::collections::BTreeMap;

use super::swarm_update::{engine_ms, state_style};
use crate::app::vocab::nav::Nav;
use crate::app::widgets::table::{Column, Row, SortKey, Table};
use crate::domain::format::age;
use crate::swarm::model::{Triage, TriageTask};

pub fn swarm_triage_table() -> Table {
    Table::new(vec![
        Column::new("KIND", 10).priority(9),
        Column::new("WHAT", 0).priority(8),
        Column::new("WHY", 0).priority(6),
        Column::right("AGE", 5).priority(7).clock(),
    ])
}

#[allow(clippy::too_many_arguments)]
fn row(
    id: String,
    kind: &str,
    what: String,
    why: String,
    since: Option<i64>,
    now: i64,
    style: &'static str,
    rank: i32,
) -> Row {
    let why = why.replace('\n', " ");
    Row::new(
        id,
        vec![
            kind.to_owned(),
            what.clone(),
            why.clone(),
            since.map(|s| age(now, Some(s))).unwrap_or_default(),
        ],
        vec![
            SortKey::Num(rank as f64),
            SortKey::Text(what.clone()),
            SortKey::Text(why),
            SortKey::Num(-(since.unwrap_or(0) as f64)),
        ],
    )
    .style(style)
    .copy(what, None)
}

/// `web slot 3`, `web slots 1,2,4`, or `web` for a global service's tasks (no slots).
fn what(service: &str, tasks: &[&TriageTask]) -> String {
    let mut slots: Vec<i64> = tasks.iter().filter_map(|t| t.slot).collect();
    slots.sort_unstable();
    slots.dedup();
    let list = slots
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()
        .join(",");
    match slots.len() {
        0 => service.to_owned(),
        1 => format!("{service} slot {list}"),
        _ => format!("{service} slots {list}"),
    }
}

/// The rows, updates first (a stuck rollout is usually the cause of the rest); `now` in ms.
pub fn swarm_triage_rows(t: &Triage, now: i64) -> Vec<Row> {
    let mut rows = Vec::new();
    for (service, state, message) in &t.updates {
        let why = if message.is_empty() {
            state.clone()
        } else {
            format!("{state}: {message}")
        };
        rows.push(
            row(
                format!("update:{service}"),
                "UPDATE",
                service.clone(),
                why,
                None,
                now,
                state_style(Some(state)),
                0,
            )
            .target(Nav::SwarmUpdate(service.clone())),
        );
    }
    // Pending: one row per service and reason, waiting since its oldest task.
    let mut pending: BTreeMap<(&str, &str), Vec<&TriageTask>> = BTreeMap::new();
    for p in &t.pending {
        pending
            .entry((p.service.as_str(), p.reason.as_str()))
            .or_default()
            .push(p);
    }
    for ((service, reason), tasks) in pending {
        let since = tasks
            .iter()
            .filter_map(|t| engine_ms(t.since.as_deref()))
            .min();
        let why = if tasks.len() > 1 {
            format!("{} pending: {reason}", tasks.len())
        } else {
            reason.to_owned()
        };
        rows.push(
            row(
                format!("pending:{service}\t{reason}"),
                "PENDING",
                what(service, &tasks),
                why,
                since,
                now,
                "status.pending",
                1,
            )
            .target(Nav::Service(service.to_owned())),
        );
    }
    // Failed: one row per service, with its newest failure's reason (the model's order).
    let mut failing: BTreeMap<&str, Vec<&TriageTask>> = BTreeMap::new();
    for f in &t.failing {
        failing.entry(f.service.as_str()).or_default().push(f);
    }
    for (service, tasks) in failing {
        let last = tasks[0];
        let why = if tasks.len() > 1 {
            format!(
                "{} failed tasks retained · last: {}",
                tasks.len(),
                last.reason
            )
        } else {
            last.reason.clone()
        };
        rows.push(
            row(
                format!("failed:{service}"),
                "FAILED",
                what(service, &tasks),
                why,
                engine_ms(last.since.as_deref()),
                now,
                "status.failed",
                2,
            )
            .target(Nav::Service(service.to_owned())),
        );
    }
    rows
}
