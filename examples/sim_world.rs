//! Prints a summary of the simulated world (and the simulator's memory use), e.g.
//! `cargo run --release --example sim_world -- --jobs 2000 --tasks 100000 --big-job`.

use clap::Parser;
use eos::aurora::client::{AuroraClient, ClientConfig};
use eos::aurora::model::*;
use eos::sim::{SimArgs, SimServer, Simulator};

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    sim: SimArgs,
}

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let before = rss_mb();
    let started = std::time::Instant::now();
    let sim = Simulator::new(&cli.sim);
    println!(
        "built {} tasks in {:?}; RSS {:.1} MB (before {:.1} MB)",
        sim.task_count(),
        started.elapsed(),
        rss_mb(),
        before
    );
    let server = SimServer::start(sim, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let client = AuroraClient::new(ClientConfig::new(server.url())).unwrap();
    for r in client.get_role_summary().await.unwrap().value {
        println!(
            "role {:<16} jobs {:>4} cron {}",
            r.role.unwrap_or_default(),
            r.job_count.unwrap_or(0),
            r.cron_job_count.unwrap_or(0)
        );
    }
    let jobs = client.get_job_summary(None).await.unwrap().value;
    for s in jobs.iter().take(40) {
        let st = s.stats.clone().unwrap_or_default();
        println!(
            "{:<45} active {:>4} pending {:>3} finished {:>3} failed {:>3}",
            s.job
                .as_ref()
                .and_then(|j| j.key.as_ref())
                .map(|k| k.to_string())
                .unwrap_or_default(),
            st.active_task_count.unwrap_or(0),
            st.pending_task_count.unwrap_or(0),
            st.finished_task_count.unwrap_or(0),
            st.failed_task_count.unwrap_or(0)
        );
    }
    let ups = client
        .get_job_update_summaries(JobUpdateQuery::default())
        .await
        .unwrap()
        .value;
    for u in ups {
        println!(
            "update {} {} by {}",
            u.key.as_ref().map(|k| k.to_string()).unwrap_or_default(),
            u.state.as_ref().and_then(|s| s.status).unwrap_or_default(),
            u.user.unwrap_or_default()
        );
    }
    let pending = client
        .get_pending_reason(TaskQuery::default())
        .await
        .unwrap()
        .value;
    for p in pending.iter().take(12) {
        println!(
            "pending {} : {}",
            p.task_id.as_deref().unwrap_or(""),
            p.reason.as_deref().unwrap_or("")
        );
    }
    server.shutdown().await;
}
