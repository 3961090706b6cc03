//! `eos sim`: the simulated scheduler on its own, until Ctrl-C or SIGTERM.

use std::net::SocketAddr;

use clap::Args;

use crate::sim::{SimArgs, SimServer, Simulator};

#[derive(Args, Debug)]
pub struct SimCommand {
    /// Address to listen on (loopback by default; port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8081")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub sim: SimArgs,
}

pub async fn run(cmd: SimCommand) -> i32 {
    let sim = Simulator::new(&cmd.sim);
    let tasks = sim.task_count();
    let server = match SimServer::start(sim, cmd.listen).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("eos: cannot listen on {}: {e}", cmd.listen);
            return 1;
        }
    };
    println!(
        "eos sim: simulated Aurora cluster {:?} ({tasks} tasks) serving {}/api",
        cmd.sim.cluster_name,
        server.url()
    );
    println!("  try: eos --scheduler {} get jobs", server.url());
    println!(
        "  its observers: observer_url = \"{}\" (in [clusters.{}] of Eos's config)",
        crate::sim::observer::observer_url_template(&server.url()),
        cmd.sim.cluster_name
    );
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    wait_for_shutdown().await;
    server.shutdown().await;
    0
}

/// Resolves on Ctrl-C, SIGTERM or SIGHUP.
pub async fn wait_for_shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).ok();
        let mut hup = signal(SignalKind::hangup()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = async { match term.as_mut() { Some(s) => { s.recv().await; } None => std::future::pending().await } } => {}
            _ = async { match hup.as_mut() { Some(s) => { s.recv().await; } None => std::future::pending().await } } => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
