//! One driver for the tests that run the pure reducer against the in-process simulator: it
//! carries out the reducer's effects the way the console does — `Effect::Fetch` with
//! `eos::effects::fetch`, `Effect::PreviewUpdate` with `eos::effects::preview`,
//! `Effect::Mutate` with `eos::effects::mutate` — and feeds the results back in as
//! `Action::Fetched`, `Action::Previewed` and `Action::Mutated` until nothing is left to do.
//!
//! What varies between tests is an option: the client mutations go to (`mutate_client`),
//! an audit log (`audited`), the latency reported with each fetch (`latency`). Every mutation
//! handed to `mutate` is recorded with its outcome in `sent`. Results are stamped with the
//! simulator's clock (`sim.now_ms()`), which tests step with `advance`.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use eos::app::editor::Previewed;
use eos::app::ops::Operation;
use eos::app::{Action, Effect, Fetched, Mutated, MutationOutcome, Nav, State, update};
use eos::aurora::client::{AuroraClient, ClientConfig};
use eos::keymap::Keymap;
use eos::sim::{SimArgs, SimServer, Simulator};

/// Rounds of effects (each caused by the previous round's results) before `settle` gives up:
/// far more than any real chain, so reaching it means the reducer keeps asking for more.
const MAX_ROUNDS: usize = 50;

pub struct Driver {
    pub server: SimServer,
    pub sim: Simulator,
    /// Fetches and previews go here.
    pub client: AuroraClient,
    /// Where mutations go (the same scheduler unless a test points it elsewhere).
    pub mutate_client: AuroraClient,
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
        Driver {
            mutate_client: client.clone(),
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
        self.dir = Some(dir);
        self
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
                let action = match e {
                    Effect::Fetch { key, generation } => {
                        let (result, cluster) = match eos::effects::fetch(&self.client, &key).await
                        {
                            Ok((d, c)) => (Ok(d), c),
                            Err(e) => (Err(e), None),
                        };
                        Action::Fetched(Box::new(Fetched {
                            key,
                            generation,
                            at: self.sim.now_ms(),
                            latency_ms: self.latency_ms,
                            result,
                            cluster,
                        }))
                    }
                    Effect::LogFetch(f) => {
                        let result = eos::effects_logs::fetch(&f).await;
                        Action::LogReply(Box::new(eos::app::logs::LogReply::to(
                            &f,
                            self.sim.now_ms(),
                            result,
                        )))
                    }
                    Effect::LogSave { path, text } => {
                        let result = eos::effects_logs::save(&path, &text);
                        Action::LogSaved { path, result }
                    }
                    Effect::PreviewUpdate { id, request } => {
                        let result = eos::effects::preview(&self.client, &request).await;
                        Action::Previewed(Box::new(Previewed { id, result }))
                    }
                    Effect::Mutate { id, op, cluster } => {
                        let outcome = eos::effects::mutate(
                            &self.mutate_client,
                            &op,
                            self.audit.as_deref(),
                            &cluster,
                        )
                        .await;
                        self.sent.push((op.clone(), outcome.clone()));
                        Action::Mutated(Box::new(Mutated { id, op, outcome }))
                    }
                    Effect::Copy(_) | Effect::Quit | Effect::Connect { .. } => continue,
                };
                next.extend(update(state, action));
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
