//! The updates of a Swarm (`:updates`, `U`; ≈ Aurora's updates list): every service the Engine
//! keeps an UpdateStatus for — in progress, paused, or finished — newest start first, with the
//! progress of the unfinished ones. The Engine keeps only each service's latest update, so this
//! is the history there is. Enter opens the service's update screen, `t` its tasks.

use super::swarm_update::{engine_ms, state_style, state_text};
use crate::app::vocab::nav::Nav;
use crate::app::widgets::table::{Column, Row, SortKey, Table};
use crate::domain::format::age;
use crate::swarm::model::UpdateView;

pub fn swarm_updates_table() -> Table {
    Table::new(vec![
        Column::new("SERVICE", 0).priority(9),
        Column::new("STATE", 0).priority(9),
        Column::right("STARTED", 8).priority(6).clock(),
        Column::right("COMPLETED", 9).priority(5).clock(),
        Column::right("PROGRESS", 10).priority(8),
        Column::new("MESSAGE", 0).priority(4),
    ])
    .sorted_by(2, false)
}

/// One row per service with an update; `now` in ms.
pub fn swarm_update_rows(updates: &[UpdateView], now: i64) -> Vec<Row> {
    updates
        .iter()
        .filter(|u| u.state.is_some())
        .map(|u| {
            let started = engine_ms(u.started_at.as_deref());
            let completed = engine_ms(u.completed_at.as_deref());
            let when = |at: Option<i64>| at.map(|a| age(now, Some(a))).unwrap_or_default();
            // Slots are counted only while the update has not finished (see the fetch).
            let progress = if u.total > 0 {
                format!("{}/{}", u.updated, u.total)
            } else {
                String::new()
            };
            Row::new(
                u.service.clone(),
                vec![
                    u.service.clone(),
                    state_text(u.state.as_deref()),
                    when(started),
                    when(completed),
                    progress,
                    u.message.clone().unwrap_or_default().replace('\n', " "),
                ],
                vec![
                    SortKey::Text(u.service.clone()),
                    SortKey::Cell,
                    SortKey::Num(started.unwrap_or(0) as f64),
                    SortKey::Num(completed.unwrap_or(0) as f64),
                    SortKey::Num(u.updated as f64),
                    SortKey::Cell,
                ],
            )
            .style(state_style(u.state.as_deref()))
            .target(Nav::SwarmUpdate(u.service.clone()))
            .copy(u.service.clone(), None)
        })
        .collect()
}
