//! `eos demo`: the console on a simulated cluster started in this process.

use std::sync::Arc;

use super::console::{interactive, open, options};
use super::{ConnectArgs, ConsoleArgs, fail};
use crate::aurora::client::{AuroraClient, ClientConfig};
use crate::connection::Connection;
use crate::effects::Clock;
use crate::sim::{SimArgs, SimServer, Simulator};

/// `eos demo`: a simulated cluster on an ephemeral loopback port, and the console on it.
pub async fn run(conn: &ConnectArgs, console: &ConsoleArgs, sim: SimArgs) -> i32 {
    // Files first (config, themes, keymap): their errors are reported even where no screen
    // could open. The clock is the simulator's, installed below.
    let placeholder: Clock = Arc::new(|| 0);
    let mut opts = match options(console, placeholder) {
        Ok((o, _)) => o,
        Err(e) => return fail(e),
    };
    if let Err(e) = interactive() {
        return fail(e);
    }
    let simulator = Simulator::new(&sim);
    let server =
        match SimServer::start(simulator.clone(), "127.0.0.1:0".parse().expect("valid")).await {
            Ok(s) => s,
            Err(e) => return fail(format!("cannot start the simulator: {e}")),
        };
    let mut cfg = ClientConfig::new(server.url());
    cfg.protocol = conn.protocol;
    cfg.max_reply_bytes = match crate::connection::max_reply_bytes(conn.max_reply_mb) {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    if let Some((user, password)) = sim.auth.as_deref().and_then(|a| a.split_once(':')) {
        cfg.credentials = Some(crate::aurora::credentials::Credentials::new(
            user,
            password,
            crate::aurora::credentials::CredentialSource::Given,
        ));
    }
    let clock: Clock = {
        let s = simulator.clone();
        Arc::new(move || s.now_ms())
    };
    opts.clock = clock;
    // The sim's agents are fake host names: their observers are served by the sim itself.
    opts.settings
        .config
        .clusters
        .entry(sim.cluster_name.clone())
        .or_default()
        .observer_url = Some(crate::sim::observer::observer_url_template(&server.url()));
    let code = match AuroraClient::new(cfg) {
        Ok(client) => {
            let conn = Connection {
                backend: std::sync::Arc::new(client),
                cluster: None,
                leader: None,
                warnings: Vec::new(),
            };
            open(conn, opts).await
        }
        Err(e) => fail(e),
    };
    server.shutdown().await;
    code
}
