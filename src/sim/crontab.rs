//! Five-field crontab expressions (minute hour day-of-month month day-of-week, UTC), enough to
//! predict `nextCronRunMs`. A leaf: the state stores parsed expressions, `cron.rs` runs them.

use chrono::{DateTime, Datelike, Timelike, Utc};

#[derive(Clone, Debug, PartialEq)]
pub struct CronExpr {
    minutes: u64,
    hours: u32,
    days: u32,
    months: u16,
    weekdays: u8,
    /// True when day-of-month and day-of-week are both restricted (crontab then ORs them).
    dom_or_dow: bool,
}

fn field(text: &str, lo: u32, hi: u32) -> Result<u64, String> {
    let mut bits = 0u64;
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (
                r,
                s.parse::<u32>()
                    .map_err(|_| format!("bad step {s:?} in {text:?}"))?,
            ),
            None => (part, 1),
        };
        if step == 0 {
            return Err(format!("zero step in {text:?}"));
        }
        let (a, b) = if range == "*" {
            (lo, hi)
        } else if let Some((a, b)) = range.split_once('-') {
            (
                a.parse()
                    .map_err(|_| format!("bad value {a:?} in {text:?}"))?,
                b.parse()
                    .map_err(|_| format!("bad value {b:?} in {text:?}"))?,
            )
        } else {
            let v: u32 = range
                .parse()
                .map_err(|_| format!("bad value {range:?} in {text:?}"))?;
            if part.contains('/') { (v, hi) } else { (v, v) }
        };
        if a < lo || b > hi || a > b {
            return Err(format!("{text:?} is outside {lo}-{hi}"));
        }
        let mut v = a;
        while v <= b {
            bits |= 1 << v;
            v += step;
        }
    }
    Ok(bits)
}

impl CronExpr {
    pub fn parse(s: &str) -> Result<CronExpr, String> {
        let parts: Vec<&str> = s.split_whitespace().collect();
        if parts.len() != 5 {
            return Err(format!(
                "a crontab needs 5 fields, {s:?} has {}",
                parts.len()
            ));
        }
        let mut weekdays = field(parts[4], 0, 7)?;
        if weekdays & (1 << 7) != 0 {
            weekdays |= 1;
        }
        Ok(CronExpr {
            minutes: field(parts[0], 0, 59)?,
            hours: field(parts[1], 0, 23)? as u32,
            days: field(parts[2], 1, 31)? as u32,
            months: field(parts[3], 1, 12)? as u16,
            weekdays: (weekdays & 0x7f) as u8,
            dom_or_dow: parts[2] != "*" && parts[4] != "*",
        })
    }

    fn day_matches(&self, t: &DateTime<Utc>) -> bool {
        let dom = self.days & (1 << t.day()) != 0;
        let dow = self.weekdays & (1 << t.weekday().num_days_from_sunday()) != 0;
        if self.dom_or_dow {
            dom || dow
        } else {
            dom && dow
        }
    }

    /// The first matching minute strictly after `after_ms`, within about four years.
    pub fn next_after(&self, after_ms: i64) -> Option<i64> {
        let mut m = after_ms.div_euclid(60_000) + 1;
        let limit = m + 4 * 366 * 24 * 60;
        while m < limit {
            let t = DateTime::<Utc>::from_timestamp(m * 60, 0)?;
            if self.months & (1 << t.month()) == 0 || !self.day_matches(&t) {
                // Skip to the next midnight.
                m += (24 * 60 - (t.hour() * 60 + t.minute()) as i64).max(1);
                continue;
            }
            if self.hours & (1 << t.hour()) == 0 {
                m += (60 - t.minute() as i64).max(1);
                continue;
            }
            if self.minutes & (1 << t.minute()) != 0 {
                return Some(m * 60_000);
            }
            m += 1;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_runs() {
        // 2025-03-14 09:26:40 UTC
        let t = 1_741_944_400_000;
        let every15 = CronExpr::parse("*/15 * * * *").unwrap();
        assert_eq!(every15.next_after(t), Some(1_741_944_600_000)); // 09:30
        let nightly = CronExpr::parse("0 3 * * *").unwrap();
        assert_eq!(nightly.next_after(t), Some(1_742_007_600_000)); // 03-15 03:00
        let hourly = CronExpr::parse("5 * * * *").unwrap();
        assert_eq!(hourly.next_after(t), Some(1_741_946_700_000)); // 10:05
        assert!(CronExpr::parse("61 * * * *").is_err());
        assert!(CronExpr::parse("* * *").is_err());
    }
}
