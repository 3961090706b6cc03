//! The updates view (`:updates [ROLE]`): a role's updates (or all), newest change first, with
//! the progress of the active ones.

use std::collections::HashMap;

use super::cells::{age, t, update_style};
use crate::app::vocab::nav::Nav;
use crate::app::widgets::table::{Column, Row, SortKey, Table};
use crate::aurora::model::*;

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
