//! The simulated clock: real time, a frozen clock that only moves when told to, or real time
//! sped up. All simulator timestamps are epoch milliseconds read from here.

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How simulated time relates to wall-clock time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ClockMode {
    /// Simulated time is wall-clock time.
    Real,
    /// Time moves only through [`crate::sim::Simulator::advance`] (tests, screenshots).
    Frozen,
    /// Wall-clock time multiplied by this factor (demos).
    Speed(f64),
}

impl std::str::FromStr for ClockMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "real" => Ok(ClockMode::Real),
            "frozen" => Ok(ClockMode::Frozen),
            other => {
                let n = other
                    .strip_prefix("speed=")
                    .ok_or_else(|| format!("expected real, frozen or speed=N, got {other:?}"))?;
                let f: f64 = n
                    .parse()
                    .map_err(|_| format!("speed=N needs a number, got {n:?}"))?;
                if !(f.is_finite() && f > 0.0) {
                    return Err(format!("speed must be positive, got {f}"));
                }
                Ok(ClockMode::Speed(f))
            }
        }
    }
}

impl std::fmt::Display for ClockMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClockMode::Real => f.write_str("real"),
            ClockMode::Frozen => f.write_str("frozen"),
            ClockMode::Speed(n) => write!(f, "speed={n}"),
        }
    }
}

/// The epoch a frozen clock starts at, so that screenshots and tests are reproducible:
/// 2025-03-14 09:26:40 UTC.
pub const FROZEN_EPOCH_MS: i64 = 1_741_944_400_000;

#[derive(Debug)]
pub struct Clock {
    mode: ClockMode,
    start_ms: i64,
    started: Instant,
    /// Time added by `advance` (the only source of movement for a frozen clock).
    offset_ms: Mutex<i64>,
}

impl Clock {
    pub fn new(mode: ClockMode) -> Clock {
        let start_ms = match mode {
            ClockMode::Frozen => FROZEN_EPOCH_MS,
            _ => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_millis() as i64)
                .unwrap_or(FROZEN_EPOCH_MS),
        };
        Clock {
            mode,
            start_ms,
            started: Instant::now(),
            offset_ms: Mutex::new(0),
        }
    }

    pub fn mode(&self) -> ClockMode {
        self.mode
    }

    /// The simulated time the world was built for.
    pub fn start_ms(&self) -> i64 {
        self.start_ms
    }

    pub fn now_ms(&self) -> i64 {
        let offset = *self.offset_ms.lock().unwrap_or_else(|e| e.into_inner());
        let elapsed = self.started.elapsed().as_secs_f64() * 1000.0;
        let moved = match self.mode {
            ClockMode::Real => elapsed as i64,
            ClockMode::Frozen => 0,
            ClockMode::Speed(n) => (elapsed * n) as i64,
        };
        self.start_ms + moved + offset
    }

    /// Moves simulated time forward (any mode).
    pub fn advance(&self, d: Duration) {
        *self.offset_ms.lock().unwrap_or_else(|e| e.into_inner()) += d.as_millis() as i64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse() {
        assert_eq!("real".parse::<ClockMode>(), Ok(ClockMode::Real));
        assert_eq!("frozen".parse::<ClockMode>(), Ok(ClockMode::Frozen));
        assert_eq!("speed=10".parse::<ClockMode>(), Ok(ClockMode::Speed(10.0)));
        assert!("speed=0".parse::<ClockMode>().is_err());
        assert!("fast".parse::<ClockMode>().is_err());
    }

    #[test]
    fn frozen_clock_moves_only_when_advanced() {
        let c = Clock::new(ClockMode::Frozen);
        assert_eq!(c.now_ms(), FROZEN_EPOCH_MS);
        c.advance(Duration::from_secs(5));
        assert_eq!(c.now_ms(), FROZEN_EPOCH_MS + 5000);
    }
}
