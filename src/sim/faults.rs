//! Fault injection for reliability testing: latency and jitter, HTTP 500/503 errors, dropped
//! connections, periodic loss of leadership, and acting as a non-leader that redirects.

use std::sync::Mutex;
use std::time::Duration;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::SimArgs;

/// What to do with one `/api` request before it reaches the API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    None,
    /// Close the connection without replying.
    Reset,
    /// Answer with this HTTP status and a short error page.
    Error(u16),
}

#[derive(Debug)]
pub struct Faults {
    rng: Mutex<SmallRng>,
    latency_ms: u64,
    jitter_ms: u64,
    error_rate: f64,
    reset_rate: f64,
    failover_ms: Option<i64>,
    start_ms: i64,
    pub redirect_to: Option<String>,
}

impl Faults {
    pub fn new(args: &SimArgs, start_ms: i64) -> Faults {
        Faults {
            rng: Mutex::new(SmallRng::seed_from_u64(args.seed ^ 0x5eed_fa17)),
            latency_ms: args.latency,
            jitter_ms: args.jitter,
            error_rate: args.error_rate,
            reset_rate: args.reset_rate,
            failover_ms: args.leader_failover.map(|s| (s as i64 * 1000).max(1)),
            start_ms,
            redirect_to: args
                .redirect_to
                .as_ref()
                .map(|u| u.trim_end_matches('/').to_owned()),
        }
    }

    fn rng(&self) -> std::sync::MutexGuard<'_, SmallRng> {
        self.rng.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How long to hold this reply back.
    pub fn delay(&self) -> Option<Duration> {
        if self.latency_ms == 0 && self.jitter_ms == 0 {
            return None;
        }
        let jitter = if self.jitter_ms > 0 {
            self.rng().random_range(0..=self.jitter_ms)
        } else {
            0
        };
        Some(Duration::from_millis(self.latency_ms + jitter))
    }

    /// Rolls the dice for a dropped connection or an HTTP error.
    pub fn roll(&self) -> Fault {
        let mut rng = self.rng();
        if self.reset_rate > 0.0 && rng.random::<f64>() < self.reset_rate {
            return Fault::Reset;
        }
        if self.error_rate > 0.0 && rng.random::<f64>() < self.error_rate {
            return Fault::Error(if rng.random::<bool>() { 500 } else { 503 });
        }
        Fault::None
    }

    /// Fail-over windows: in every period of four times the fail-over length, the last
    /// fail-over length has no leader. Measured in simulated time.
    pub fn period_ms(&self) -> Option<i64> {
        self.failover_ms.map(|f| 4 * f)
    }

    pub fn leaderless(&self, now_ms: i64) -> bool {
        match (self.failover_ms, self.period_ms()) {
            (Some(f), Some(p)) => (now_ms - self.start_ms).rem_euclid(p) >= p - f,
            _ => false,
        }
    }

    /// Which scheduler leads: a fail-over hands leadership to the next one.
    pub fn leader_index(&self, now_ms: i64) -> u8 {
        match self.period_ms() {
            Some(p) => ((now_ms - self.start_ms).max(0) / p % 3) as u8,
            None => 0,
        }
    }
}
