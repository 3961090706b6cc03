//! Numbers, times and ports as every front end writes them (console and `eos get` alike).

use crate::aurora::model::ScheduledTask;

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

/// Epoch milliseconds as `YYYY-MM-DD HH:MM:SS ZONE`, in the configured zone.
pub fn time(ms: Option<i64>) -> String {
    crate::timezone::format_ms(ms)
}

/// A resource amount (CPUs above all): whole numbers plain, others to two places (sums of
/// fractional CPUs carry float noise: 13.499999999999996 is 13.50). JSON keeps the raw value.
pub fn number(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// A task's assigned ports, `name:port` joined by commas (empty when it has none).
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

    #[test]
    fn numbers_drop_float_noise() {
        assert_eq!(number(4.0), "4");
        assert_eq!(number(13.499999999999996), "13.50");
        assert_eq!(number(0.25), "0.25");
    }
}
