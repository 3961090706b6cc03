//! The live rolling update of a Swarm service (≈ an Aurora update's screen), as the text and
//! theme keys the screen draws: the Engine's UpdateStatus state, its settings, one cell per
//! slot saying whether its task runs the new spec yet, progress and an estimate. The facts are
//! `swarm::model::update_view`'s; this only words them. Drawn by `ui/swarm_detail.rs`.

use crate::swarm::model::{SlotKey, SlotProgress, UpdateSettings, UpdateView};

/// Epoch milliseconds of an Engine timestamp (RFC 3339, nanoseconds and all).
pub fn engine_ms(ts: Option<&str>) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(ts?)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// The theme key of an UpdateStatus state, in the colours of Aurora's update states.
pub fn state_style(state: Option<&str>) -> &'static str {
    match state {
        Some("updating") => "update.rolling_forward",
        Some("paused" | "rollback_paused") => "update.paused",
        Some("completed") => "update.rolled_forward",
        Some("rollback_started") => "update.rolling_back",
        Some("rollback_completed") => "update.rolled_back",
        Some(_) => "update.failed",
        None => "text.muted",
    }
}

/// The state as shown: the Engine's own word, or that there was no update.
pub fn state_text(state: Option<&str>) -> String {
    state.unwrap_or("never updated").to_owned()
}

/// A slot's theme key (one of the Aurora grid's, so the legend and glyphs are shared): on the
/// new spec and running, failed, being replaced, or still on the old spec.
pub fn slot_style(s: &SlotProgress) -> &'static str {
    match s.state.as_str() {
        _ if s.on_new_spec => "instance.updated",
        "failed" | "rejected" => "instance.failed",
        "running" => "instance.pending",
        _ => "instance.updating",
    }
}

/// A slot's label in the grid: its number, or the start of its node's id (global services).
pub fn slot_label(k: &SlotKey) -> String {
    match k {
        SlotKey::Slot(n) => n.to_string(),
        SlotKey::Node(id) => id.chars().take(6).collect(),
    }
}

/// Nanoseconds as the docker CLI writes durations: `0s`, `1.5s`, `2m0s`.
pub fn duration(ns: Option<i64>) -> String {
    let Some(ns) = ns else {
        return "-".into();
    };
    let secs = ns as f64 / 1e9;
    if secs < 60.0 {
        format!("{secs}s")
    } else {
        let whole = secs as i64;
        format!("{}m{}s", whole / 60, whole % 60)
    }
}

fn or_dash(v: Option<&str>) -> String {
    v.filter(|v| !v.is_empty()).unwrap_or("-").to_owned()
}

/// How the update rolls: `parallelism 1 · delay 0s · order stop-first`.
pub fn strategy_text(s: &UpdateSettings) -> String {
    format!(
        "parallelism {} · delay {} · order {}",
        s.parallelism.map_or("-".into(), |p| p.to_string()),
        duration(s.delay_ns),
        or_dash(s.order.as_deref())
    )
}

/// What a failure does: `pause · monitor 5s · max failure ratio 0`.
pub fn failure_text(s: &UpdateSettings) -> String {
    format!(
        "{} · monitor {} · max failure ratio {}",
        or_dash(s.failure_action.as_deref()),
        duration(s.monitor_ns),
        s.max_failure_ratio.map_or("-".into(), |r| r.to_string())
    )
}

/// `2/3 slots on the new spec`.
pub fn progress_text(v: &UpdateView) -> String {
    format!("{}/{} slots on the new spec", v.updated, v.total)
}

/// "about 40s left at the current pace" while the update moves and some slot is done.
pub fn estimate_text(v: &UpdateView, now_ms: i64) -> Option<String> {
    let now = chrono::DateTime::from_timestamp_millis(now_ms)?;
    let left = v.estimate_secs(now)?;
    Some(format!(
        "about {} left at the current pace",
        crate::domain::format::age(left * 1000, Some(0))
    ))
}

/// `started 3m ago · completed 1m ago` (what the Engine dated).
pub fn times_text(v: &UpdateView, now_ms: i64) -> String {
    let mut parts = Vec::new();
    if let Some(at) = engine_ms(v.started_at.as_deref()) {
        parts.push(format!(
            "started {} ago",
            crate::domain::format::age(now_ms, Some(at))
        ));
    }
    if let Some(at) = engine_ms(v.completed_at.as_deref()) {
        parts.push(format!(
            "completed {} ago",
            crate::domain::format::age(now_ms, Some(at))
        ));
    }
    parts.join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(n: i64, state: &str, new: bool) -> SlotProgress {
        SlotProgress {
            slot: SlotKey::Slot(n),
            task_id: format!("t{n}"),
            state: state.into(),
            on_new_spec: new,
        }
    }

    #[test]
    fn slots_states_and_settings_are_worded() {
        assert_eq!(slot_style(&slot(1, "running", true)), "instance.updated");
        assert_eq!(slot_style(&slot(2, "running", false)), "instance.pending");
        assert_eq!(slot_style(&slot(3, "starting", false)), "instance.updating");
        assert_eq!(slot_style(&slot(4, "failed", false)), "instance.failed");
        assert_eq!(slot_label(&SlotKey::Node("abcdefghij".into())), "abcdef");
        assert_eq!(state_style(Some("rollback_paused")), "update.paused");
        assert_eq!(state_text(None), "never updated");
        let s = UpdateSettings {
            parallelism: Some(1),
            delay_ns: Some(0),
            failure_action: Some("pause".into()),
            monitor_ns: Some(1_500_000_000),
            max_failure_ratio: Some(0.0),
            order: Some("stop-first".into()),
        };
        assert_eq!(
            strategy_text(&s),
            "parallelism 1 · delay 0s · order stop-first"
        );
        assert_eq!(
            failure_text(&s),
            "pause · monitor 1.5s · max failure ratio 0"
        );
        assert_eq!(duration(Some(125_000_000_000)), "2m5s");
    }
}
