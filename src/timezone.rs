//! The zone timestamps are shown in: the local one (the default) or UTC (`timezone = "utc"` in
//! Eos's config; tests and screenshots use it so they read the same on every machine). Every
//! timestamp says its zone (`2026-11-28 22:19:46 UTC`, `2026-11-28 23:19:46 +01:00`), so a
//! time read off the screen can be put next to a log line or an incident timeline.
//!
//! One setting for the process, chosen once at start-up from the config: the views, `eos get`
//! and the confirmation texts all format through [`format_ms`].

use std::sync::atomic::{AtomicU8, Ordering};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TimeZone {
    #[default]
    Local,
    Utc,
}

impl std::str::FromStr for TimeZone {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "local" => Ok(TimeZone::Local),
            "utc" => Ok(TimeZone::Utc),
            other => Err(format!(
                "not a time zone setting: {other:?} (use \"local\" or \"utc\")"
            )),
        }
    }
}

static ZONE: AtomicU8 = AtomicU8::new(0);

/// Chooses the zone for the rest of the process.
pub fn set(zone: TimeZone) {
    ZONE.store(
        match zone {
            TimeZone::Local => 0,
            TimeZone::Utc => 1,
        },
        Ordering::Relaxed,
    );
}

pub fn get() -> TimeZone {
    match ZONE.load(Ordering::Relaxed) {
        1 => TimeZone::Utc,
        _ => TimeZone::Local,
    }
}

/// Epoch milliseconds as `YYYY-MM-DD HH:MM:SS ZONE` in the chosen zone; `-` when absent or out
/// of range.
pub fn format_ms(ms: Option<i64>) -> String {
    format_in(get(), ms)
}

pub fn format_in(zone: TimeZone, ms: Option<i64>) -> String {
    let Some(t) = ms.and_then(chrono::DateTime::from_timestamp_millis) else {
        return "-".into();
    };
    match zone {
        TimeZone::Utc => t.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        TimeZone::Local => t
            .with_timezone(&chrono::Local)
            .format("%Y-%m-%d %H:%M:%S %:z")
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_say_their_zone() {
        let ms = Some(1_764_368_386_000); // 2025-11-28 22:19:46 UTC
        assert_eq!(format_in(TimeZone::Utc, ms), "2025-11-28 22:19:46 UTC");
        let local = format_in(TimeZone::Local, ms);
        // The local form ends in its offset from UTC (+HH:MM or -HH:MM).
        let offset = &local[local.len() - 6..];
        assert!(
            (offset.starts_with('+') || offset.starts_with('-')) && offset.as_bytes()[3] == b':',
            "{local}"
        );
        assert_eq!(format_in(TimeZone::Utc, None), "-");
        assert_eq!("UTC".parse::<TimeZone>(), Ok(TimeZone::Utc));
        assert_eq!("local".parse::<TimeZone>(), Ok(TimeZone::Local));
        assert!("mars".parse::<TimeZone>().is_err());
    }
}
