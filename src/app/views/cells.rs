//! Cell text, sort keys and styles the views share: ages, status colours, ports, URLs.

use crate::app::widgets::table::SortKey;
use crate::aurora::model::*;

/// `42s`, `5m`, `3h`, `2d`: coarse on purpose, so idle screens rarely change.
pub fn age(now: i64, then: Option<i64>) -> String {
    let Some(t) = then else {
        return "-".into();
    };
    let s = ((now - t) / 1000).max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86_400 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
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

/// A number cell's sort key (absent sorts as 0).
pub fn n(v: Option<i32>) -> SortKey {
    SortKey::Num(v.unwrap_or(0) as f64)
}

/// A text cell's sort key.
pub fn t(s: &str) -> SortKey {
    SortKey::Text(s.to_owned())
}

pub fn ports_text(task: &ScheduledTask) -> String {
    task.assigned_task
        .as_ref()
        .and_then(|a| a.assigned_ports.as_ref())
        .map(|p| {
            p.iter()
                .map(|(k, v)| format!("{k}:{v}"))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default()
}

/// `host:port` of a base URL, for banners and lists.
pub fn short_url(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.trim_end_matches('/').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_are_coarse() {
        assert_eq!(age(61_000, Some(0)), "1m");
        assert_eq!(age(59_999, Some(0)), "59s");
        assert_eq!(age(3 * 86_400_000, Some(0)), "3d");
        assert_eq!(age(0, Some(5000)), "0s");
        assert_eq!(age(0, None), "-");
    }
}
