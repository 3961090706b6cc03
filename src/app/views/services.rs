//! The services view (a Docker Swarm's first screen, ≈ jobs): each service with its mode,
//! running/desired tasks, image, rolling-update state and when it last changed.

use super::cells::t;
use crate::app::vocab::nav::Nav;
use crate::app::widgets::table::{Column, Row, SortKey, Table};
use crate::swarm::model::{Mode, ServiceRow, age};

pub fn services_table() -> Table {
    Table::new(vec![
        Column::new("SERVICE", 0).priority(9),
        Column::new("MODE", 10).priority(6),
        Column::right("RUNNING", 9).priority(8),
        Column::new("IMAGE", 0).priority(5),
        Column::new("UPDATE", 0).priority(7),
        Column::right("CHANGED", 8).priority(4).clock(),
    ])
}

/// One row per service; `now` in epoch ms (the console's clock).
pub fn service_rows(services: &[ServiceRow], now: i64) -> Vec<Row> {
    let now = chrono::DateTime::from_timestamp_millis(now).unwrap_or_default();
    services
        .iter()
        .map(|s| {
            let running = match (s.running, s.desired) {
                (Some(r), Some(d)) => format!("{r}/{d}"),
                (Some(r), None) => r.to_string(),
                _ => match s.mode {
                    Mode::Replicated(d) => format!("?/{d}"),
                    _ => "?".into(),
                },
            };
            let short_of = match (s.running, s.desired) {
                (Some(r), Some(d)) => d.saturating_sub(r),
                _ => 0,
            };
            let update = s.update_state.clone().unwrap_or_default();
            let style = match update.as_str() {
                "updating" | "rollback_started" => "update.active",
                "paused" | "rollback_paused" => "update.paused",
                _ if short_of > 0 => "status.attention",
                _ => "text",
            };
            Row::new(
                s.name.clone(),
                vec![
                    s.name.clone(),
                    s.mode.label().to_owned(),
                    running,
                    s.image.clone(),
                    update,
                    age(s.last_change.as_deref(), now),
                ],
                vec![
                    t(&s.name),
                    SortKey::Cell,
                    SortKey::Num(short_of as f64),
                    SortKey::Cell,
                    SortKey::Cell,
                    SortKey::Text(s.last_change.clone().unwrap_or_default()),
                ],
            )
            .style(style)
            .target(Nav::Service(s.name.clone()))
            .copy(s.name.clone(), Some(s.id.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, mode: Mode, running: Option<u64>, desired: Option<u64>) -> ServiceRow {
        ServiceRow {
            id: format!("id-{name}"),
            name: name.into(),
            mode,
            running,
            desired,
            image: "eos-test:1".into(),
            update_state: None,
            update_message: None,
            last_change: Some("2026-11-29T03:00:00Z".into()),
            version: 1,
        }
    }

    #[test]
    fn a_service_short_of_tasks_is_marked_and_counted() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-29T03:05:00Z")
            .unwrap()
            .timestamp_millis();
        let rows = service_rows(
            &[
                row("web", Mode::Replicated(3), Some(1), Some(3)),
                row("agent", Mode::Global, None, None),
            ],
            now,
        );
        assert_eq!(
            rows[0].cells,
            ["web", "replicated", "1/3", "eos-test:1", "", "5m"]
        );
        assert_eq!(rows[0].style, "status.attention");
        assert_eq!(rows[1].cells[1..3], ["global".to_owned(), "?".to_owned()]);
        assert_eq!(rows[1].style, "text");
    }
}
