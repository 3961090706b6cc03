//! The simulated Aurora scheduler: a believable cluster behind the real `/api` over real HTTP,
//! so the console, the tests and the screenshots use exactly the code path production uses.
//!
//! * [`SimArgs`] — every knob (`eos sim` / `eos demo` flags).
//! * [`Simulator`] — the shared cluster state and its clock.
//! * [`SimServer`] — the HTTP server (`/api`, `/health`, `/leaderhealth`, `/maintenance`, `/vars`).

pub mod api;
pub mod clock;
pub mod cron;
pub mod crontab;
pub mod faults;
pub mod lifecycle;
pub mod observer;
pub mod quota;
pub mod server;
pub mod state;
pub mod updates;
pub mod world;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

pub use clock::ClockMode;
pub use server::SimServer;
pub use state::BEHAVIOR_METADATA_KEY;

fn parse_clock(s: &str) -> Result<ClockMode, String> {
    s.parse()
}

fn parse_probability(s: &str) -> Result<f64, String> {
    let p: f64 = s.parse().map_err(|_| format!("not a number: {s:?}"))?;
    if (0.0..=1.0).contains(&p) {
        Ok(p)
    } else {
        Err(format!("a probability is between 0 and 1, got {p}"))
    }
}

/// The simulator's knobs.
#[derive(clap::Args, Clone, Debug)]
pub struct SimArgs {
    /// Seed for the world and for every random choice the simulator makes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// `real`, `frozen` (time moves only when a test advances it) or `speed=N` (N× real time).
    #[arg(long, default_value = "real", value_parser = parse_clock)]
    pub clock: ClockMode,
    /// Total number of jobs (the curated world first, then generated filler jobs).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Total number of tasks to aim for, spread over the filler jobs.
    #[arg(long)]
    pub tasks: Option<usize>,
    /// Add one job of 4,000 instances (Aurora's default maximum).
    #[arg(long)]
    pub big_job: bool,
    /// Delay every /api reply by this many milliseconds.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub latency: u64,
    /// Add up to this many milliseconds of random delay.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub jitter: u64,
    /// Probability of answering /api with HTTP 500 or 503 instead of a reply.
    #[arg(long, default_value_t = 0.0, value_name = "P", value_parser = parse_probability)]
    pub error_rate: f64,
    /// Probability of dropping the connection without any reply.
    #[arg(long, default_value_t = 0.0, value_name = "P", value_parser = parse_probability)]
    pub reset_rate: f64,
    /// Lose leadership for this many seconds every four times as long (503 "no leader").
    #[arg(long, value_name = "SECS")]
    pub leader_failover: Option<u64>,
    /// Act as a non-leader: answer /api with 307 to this base URL.
    #[arg(long, value_name = "URL")]
    pub redirect_to: Option<String>,
    /// Require HTTP Basic credentials `USER:PASSWORD` for mutating and admin calls.
    #[arg(long, value_name = "USER:PASSWORD")]
    pub auth: Option<String>,
    /// The cluster name in every reply's ServerInfo.
    #[arg(long, default_value = "devcluster")]
    pub cluster_name: String,
    /// Running tasks lost per simulated hour, cluster-wide (0 turns it off).
    #[arg(long, default_value_t = 2.0)]
    pub lost_per_hour: f64,
}

impl Default for SimArgs {
    fn default() -> Self {
        SimArgs {
            seed: 1,
            clock: ClockMode::Real,
            jobs: None,
            tasks: None,
            big_job: false,
            latency: 0,
            jitter: 0,
            error_rate: 0.0,
            reset_rate: 0.0,
            leader_failover: None,
            redirect_to: None,
            auth: None,
            cluster_name: "devcluster".to_owned(),
            lost_per_hour: 2.0,
        }
    }
}

pub(crate) struct Inner {
    pub clock: clock::Clock,
    pub state: Mutex<state::State>,
    pub args: SimArgs,
    pub faults: faults::Faults,
}

/// The simulated scheduler: cluster state plus clock. Cheap to clone (shared).
#[derive(Clone)]
pub struct Simulator {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("clock", &self.inner.clock.mode())
            .field("now_ms", &self.now_ms())
            .finish()
    }
}

impl Simulator {
    pub fn new(args: &SimArgs) -> Simulator {
        let clock = clock::Clock::new(args.clock);
        let state = world::build(args, clock.start_ms());
        Simulator {
            inner: Arc::new(Inner {
                faults: faults::Faults::new(args, clock.start_ms()),
                clock,
                state: Mutex::new(state),
                args: args.clone(),
            }),
        }
    }

    /// Steps the clock forward and runs every tick that implies.
    pub fn advance(&self, d: Duration) {
        self.inner.clock.advance(d);
        drop(self.sync());
    }

    pub fn now_ms(&self) -> i64 {
        self.inner.clock.now_ms()
    }

    pub fn args(&self) -> &SimArgs {
        &self.inner.args
    }

    /// Number of stored tasks (active and retained history).
    pub fn task_count(&self) -> usize {
        self.sync().by_id.len()
    }

    /// The state, brought up to the clock's current time.
    pub(crate) fn sync(&self) -> MutexGuard<'_, state::State> {
        let mut s = self.inner.state.lock().unwrap_or_else(|e| e.into_inner());
        let now = self.inner.clock.now_ms();
        // After each simulated fail-over another scheduler records the events.
        s.leader = self.inner.faults.leader_index(now);
        if now > s.now {
            s.advance_to(now);
        }
        s
    }
}
