//! Cell text, sort keys and styles the views share: ages, status colours, ports, URLs.

use crate::app::widgets::table::SortKey;
use crate::aurora::model::*;
pub use crate::domain::format::{age, ports_text};

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

/// `host:port` of a base URL, for banners and lists.
pub fn short_url(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.trim_end_matches('/').to_owned()
}
