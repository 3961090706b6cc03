//! Simulator performance with 100,000 tasks in 2,000 jobs plus a 4,000-instance job:
//! memory (printed), one tick of the cluster, and a 4,000-task getTasksWithoutConfigs over HTTP.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use eos::aurora::client::{AuroraClient, ClientConfig};
use eos::aurora::model::*;
use eos::sim::{ClockMode, SimArgs, SimServer, Simulator};

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

fn big_world() -> Simulator {
    let args = SimArgs {
        clock: ClockMode::Frozen,
        jobs: Some(2_000),
        tasks: Some(100_000),
        big_job: true,
        ..SimArgs::default()
    };
    let before = rss_mb();
    let started = Instant::now();
    let sim = Simulator::new(&args);
    println!(
        "sim world: {} tasks built in {:.2?}; RSS {:.1} MB (process before build: {:.1} MB)",
        sim.task_count(),
        started.elapsed(),
        rss_mb(),
        before
    );
    sim
}

fn benches(c: &mut Criterion) {
    let sim = big_world();
    c.bench_function("sim tick (1 s of simulated time, 104k tasks)", |b| {
        b.iter(|| sim.advance(black_box(Duration::from_secs(1))))
    });

    // Server-side handling alone: decode the call, query, build and encode the reply.
    let call = eos::aurora::wire::Protocol::Binary.encode(
        "getTasksWithoutConfigs",
        eos::aurora::wire::MessageType::Call,
        1,
        &QueryArgs {
            query: Some(TaskQuery {
                role: Some("www-data".into()),
                environment: Some("prod".into()),
                job_name: Some("edge-proxy".into()),
                statuses: Some(ScheduleStatus::ACTIVE.to_vec()),
                ..TaskQuery::default()
            }),
        },
    );
    let mut reply_len = 0;
    c.bench_function(
        "getTasksWithoutConfigs 4,000 tasks, server-side handling + TBinary encode",
        |b| {
            b.iter(|| {
                let out = eos::sim::server::handle_api_body(
                    &sim,
                    eos::aurora::wire::Protocol::Binary,
                    eos::aurora::wire::Protocol::Binary,
                    black_box(&call),
                    "UNSECURE",
                    false,
                );
                reply_len = out.len();
            })
        },
    );
    println!("reply size: {reply_len} bytes");
    c.bench_function(
        "... plus gzip (what a client sending Accept-Encoding: gzip gets)",
        |b| {
            b.iter(|| {
                eos::sim::server::handle_api_body(
                    &sim,
                    eos::aurora::wire::Protocol::Binary,
                    eos::aurora::wire::Protocol::Binary,
                    black_box(&call),
                    "UNSECURE",
                    true,
                )
                .len()
            })
        },
    );

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server = rt
        .block_on(SimServer::start(
            sim.clone(),
            "127.0.0.1:0".parse().unwrap(),
        ))
        .unwrap();
    let client = AuroraClient::new(ClientConfig::new(server.url())).unwrap();
    let query = TaskQuery {
        role: Some("www-data".into()),
        environment: Some("prod".into()),
        job_name: Some("edge-proxy".into()),
        statuses: Some(ScheduleStatus::ACTIVE.to_vec()),
        ..TaskQuery::default()
    };
    let n = rt
        .block_on(client.get_tasks_without_configs(query.clone()))
        .unwrap()
        .value
        .len();
    assert_eq!(n, 4000);
    c.bench_function(
        "getTasksWithoutConfigs 4,000 tasks, TBinary over HTTP",
        |b| {
            b.iter(|| {
                rt.block_on(client.get_tasks_without_configs(black_box(query.clone())))
                    .unwrap()
            })
        },
    );
    println!("sim RSS after benchmarks: {:.1} MB", rss_mb());
    rt.block_on(server.shutdown());
}

criterion_group! {
    name = sim;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(5));
    targets = benches
}
criterion_main!(sim);
