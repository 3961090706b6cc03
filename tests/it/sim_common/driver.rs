//! One driver for the tests that run the pure reducer against the in-process simulator: it
//! carries out the reducer's effects with the console's own effect runner
//! (`eos::effects::Effects`, through `Runner`) — fetches with the link's news, previews,
//! mutations with the audit log — and feeds the actions they cause back in until nothing is
//! left to do. Effects run one at a time, each to its answer, so a test sees the same order
//! every run.
//!
//! What varies between tests is an option: an audit log (`audited`), the latency reported with
//! each fetch (`latency`). Every mutation answered is recorded with its outcome in `sent`.
//! Results are stamped with the simulator's clock (`sim.now_ms()`), which tests step with
//! `advance`.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use eos::app::ops::Operation;
use eos::app::{Action, Effect, MutationOutcome, Nav, State, update};
use eos::aurora::client::{AuroraClient, ClientConfig};
use eos::backend::Backend;
use eos::effects::{Clock, Effects};
use eos::keymap::Keymap;
use eos::sim::{SimArgs, SimServer, Simulator};

/// The console's effect runner, driven one effect at a time: `run` hands an effect to
/// `Effects::run` and waits for the actions it causes.
pub struct Runner {
    pub effects: Effects,
    actions: UnboundedReceiver<Action>,
}

impl Runner {
    /// A runner talking to `backend`, stamping results with `clock`, auditing mutations to
    /// `audit` (never to the user's own log).
    pub fn new(backend: Arc<dyn Backend>, clock: Clock, audit: Option<PathBuf>) -> Runner {
        let (tx, actions) = unbounded_channel();
        let mut effects = Effects::new(backend, tx, clock);
        effects.audit = audit;
        Runner { effects, actions }
    }

    /// Carries out one effect and returns the actions it caused, in order: the link's news,
    /// then the answer (`Fetched`, `Previewed`, `Mutated`, `ConnectFailed`, or the log
    /// pane's `LogReply` / `LogSaved`). Copying to the
    /// terminal's clipboard and quitting are not carried out (they would write to the test's
    /// terminal, or end nothing).
    pub async fn run(&mut self, effect: Effect) -> Vec<Action> {
        if matches!(effect, Effect::Copy(_) | Effect::Quit) {
            return Vec::new();
        }
        self.effects.run(effect);
        let mut out = Vec::new();
        loop {
            let a = self
                .actions
                .recv()
                .await
                .expect("the runner holds a sender");
            let answer = matches!(
                a,
                Action::Fetched(_)
                    | Action::Previewed(_)
                    | Action::Mutated(_)
                    | Action::ConnectFailed { .. }
                    | Action::LogReply(_)
                    | Action::LogSaved { .. }
            );
            out.push(a);
            if answer {
                return out;
            }
        }
    }
}

/// Rounds of effects (each caused by the previous round's results) before `settle` gives up:
/// far more than any real chain, so reaching it means the reducer keeps asking for more.
const MAX_ROUNDS: usize = 50;

pub struct Driver {
    pub server: SimServer,
    pub sim: Simulator,
    /// A client of the simulator, for tests that look at it directly.
    pub client: AuroraClient,
    /// The console's effect runner, talking to the simulator.
    runner: Runner,
    /// Where mutations go when a test points them elsewhere (`mutate_to`): a second runner.
    mutate_runner: Option<Runner>,
    /// Every operation handed to `mutate`, with its outcome, in order.
    pub sent: Vec<(Operation, MutationOutcome)>,
    /// The `latency_ms` reported with every fetch.
    pub latency_ms: u64,
    audit: Option<PathBuf>,
    /// Holds the audit log's directory for as long as the driver lives.
    dir: Option<tempfile::TempDir>,
}

impl Driver {
    /// A simulator with `args` on an ephemeral port and a plain client for it; no audit log,
    /// a fetch latency of 5 ms.
    pub async fn start(args: SimArgs) -> Driver {
        let sim = Simulator::new(&args);
        let server = SimServer::start(sim.clone(), "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let client = AuroraClient::new(ClientConfig::new(server.url())).unwrap();
        let clock: Clock = {
            let sim = sim.clone();
            Arc::new(move || sim.now_ms())
        };
        let runner = Runner::new(Arc::new(client.clone()), clock, None);
        Driver {
            runner,
            mutate_runner: None,
            server,
            sim,
            client,
            sent: Vec::new(),
            latency_ms: 5,
            audit: None,
            dir: None,
        }
    }

    /// Audits mutations to `relative` (e.g. `"audit.log"`) under a fresh temporary directory.
    pub fn audited(mut self, relative: &str) -> Driver {
        let dir = tempfile::tempdir().unwrap();
        self.audit = Some(dir.path().join(relative));
        self.runner.effects.audit = self.audit.clone();
        if let Some(r) = &mut self.mutate_runner {
            r.effects.audit = self.audit.clone();
        }
        self.dir = Some(dir);
        self
    }

    /// Sends mutations to `client` from now on (another scheduler, other credentials), through
    /// a second runner; fetches and previews still go to the simulator.
    pub fn mutate_to(&mut self, client: AuroraClient) {
        let sim = self.sim.clone();
        let clock: Clock = Arc::new(move || sim.now_ms());
        self.mutate_runner = Some(Runner::new(Arc::new(client), clock, self.audit.clone()));
    }

    /// Reports `ms` as every fetch's latency.
    pub fn latency(mut self, ms: u64) -> Driver {
        self.latency_ms = ms;
        self
    }

    /// The audit log's path (only for an `audited` driver).
    pub fn audit_path(&self) -> PathBuf {
        self.audit
            .clone()
            .expect("the driver was started without an audit log")
    }

    /// The audit log, a JSON value per line; empty when nothing has been written.
    pub fn audit_lines(&self) -> Vec<serde_json::Value> {
        match std::fs::read_to_string(self.audit_path()) {
            Ok(text) => text
                .lines()
                .map(|l| serde_json::from_str(l).expect("each audit line is JSON"))
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// A fresh console (builtin keymap, first screen `first`) of `w`×`h`, showing `url` as its
    /// scheduler. Nothing is fetched yet.
    pub fn console(&self, url: &str, first: Nav, w: u16, h: u16) -> State {
        let mut s = State::new(url, Keymap::builtin(), first, self.sim.now_ms());
        update(&mut s, Action::Resize(w, h));
        s
    }

    /// Carries out effects and the ones their results cause, until none are left. Returns
    /// the effects seen, in order.
    pub async fn settle(&mut self, state: &mut State, mut fx: Vec<Effect>) -> Vec<Effect> {
        let mut seen = Vec::new();
        let mut rounds = 0;
        while !fx.is_empty() {
            rounds += 1;
            assert!(rounds < MAX_ROUNDS, "effects never settle: {fx:?}");
            let mut next = Vec::new();
            for e in fx {
                seen.push(e.clone());
                let runner = match (&e, &mut self.mutate_runner) {
                    (Effect::Mutate { .. }, Some(m)) => m,
                    _ => &mut self.runner,
                };
                for mut action in runner.run(e).await {
                    match &mut action {
                        Action::Fetched(f) => f.latency_ms = self.latency_ms,
                        Action::Mutated(m) => self.sent.push((m.op.clone(), m.outcome.clone())),
                        _ => {}
                    }
                    next.extend(update(state, action));
                }
            }
            fx = next;
        }
        seen
    }

    /// Feeds actions one by one, settling the effects of each. Returns the effects seen.
    pub async fn act(
        &mut self,
        state: &mut State,
        actions: impl IntoIterator<Item = Action>,
    ) -> Vec<Effect> {
        let mut all = Vec::new();
        for a in actions {
            let fx = update(state, a);
            all.extend(self.settle(state, fx).await);
        }
        all
    }

    /// A tick at the simulator's time, settled.
    pub async fn tick(&mut self, state: &mut State) -> Vec<Effect> {
        let fx = update(state, Action::Tick(self.sim.now_ms()));
        self.settle(state, fx).await
    }

    /// Steps the simulator's clock and lets the console notice (a tick).
    pub async fn advance(&mut self, state: &mut State, d: Duration) -> Vec<Effect> {
        self.sim.advance(d);
        self.tick(state).await
    }

    /// Shuts the simulator's server down.
    pub async fn stop(self) {
        self.server.shutdown().await;
    }
}
