//! Wire benchmarks: decoding a 100,000-task `getTasksWithoutConfigs` reply in both encodings,
//! the peak memory that takes, encoding big mutation calls, and (when Apache Thrift's Python is
//! installed) the same decode by the reference implementation, measured in the same run.

use std::alloc::{GlobalAlloc, Layout};

use mimalloc::MiMalloc as System;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use eos::aurora::model::*;
use eos::aurora::wire::{MessageType, Protocol};

/// Tracks live and peak heap bytes so the decode's extra memory can be reported. Wraps the
/// allocator the `eos` binary uses, so the timings are the product's.
struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let now = LIVE.fetch_add(l.size(), Ordering::Relaxed) + l.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        if n > l.size() {
            let now = LIVE.fetch_add(n - l.size(), Ordering::Relaxed) + n - l.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        } else {
            LIVE.fetch_sub(l.size() - n, Ordering::Relaxed);
        }
        unsafe { System.realloc(p, l, n) }
    }
}
#[global_allocator]
static A: Counting = Counting;

const TASKS: usize = 100_000;

/// One job's config as the issue describes it: 3 resources + 1 named port, 1 metadata entry,
/// contact email, tier, a container; executor data blanked as getTasksWithoutConfigs does.
fn config() -> TaskConfig {
    TaskConfig {
        job: Some(JobKey::new("www-data", "prod", "hello")),
        owner: Some(Identity {
            user: Some("www-data".into()),
        }),
        is_service: Some(true),
        priority: Some(0),
        max_task_failures: Some(1),
        production: Some(true),
        tier: Some("preferred".into()),
        resources: Some(vec![
            Resource::NumCpus(1.5),
            Resource::RamMb(2048),
            Resource::DiskMb(4096),
            Resource::NamedPort("http".into()),
        ]),
        constraints: Some(vec![]),
        contact_email: Some("web-team@example.com".into()),
        executor_config: Some(ExecutorConfig {
            name: Some(AURORA_EXECUTOR_NAME.into()),
            data: None,
        }),
        metadata: Some(vec![Metadata {
            key: Some("team".into()),
            value: Some("web-frontend".into()),
        }]),
        container: Some(Container::Mesos(MesosContainer {
            image: Some(Image::Docker(DockerImage {
                name: Some("registry.example.com/www/hello".into()),
                tag: Some("2026.11.20-1a2b3c4".into()),
            })),
            volumes: None,
        })),
        ..Default::default()
    }
}

fn task(i: usize, cfg: &Arc<TaskConfig>) -> ScheduledTask {
    let t0 = 1_764_000_000_000 + i as i64 * 37;
    let host = format!("agent-{:04}.dc1.example.com", i % 2000);
    let event = |dt: i64, s: ScheduleStatus, m: &str| TaskEvent {
        timestamp: Some(t0 + dt),
        status: Some(s),
        message: (!m.is_empty()).then(|| m.to_owned()),
        scheduler: Some("scheduler-1.dc1.example.com".into()),
    };
    ScheduledTask {
        assigned_task: Some(AssignedTask {
            task_id: Some(format!(
                "1764000000000-www-data-prod-hello-{i}-6f1c2b9e-8d3a-4e5f-9a7b-{i:012}"
            )),
            slave_id: Some(format!(
                "3b5e7c9a-1d2f-4a6b-8c0e-{:012}-S{}",
                i % 2000,
                i % 7
            )),
            slave_host: Some(host),
            task: Some(cfg.clone()),
            assigned_ports: Some(BTreeMap::from([(
                "http".to_owned(),
                31000 + (i % 1000) as i32,
            )])),
            instance_id: Some(i as i32),
        }),
        status: Some(ScheduleStatus::RUNNING),
        failure_count: Some(0),
        times_partitioned: Some(0),
        task_events: Some(vec![
            event(0, ScheduleStatus::PENDING, ""),
            event(1200, ScheduleStatus::ASSIGNED, ""),
            event(2400, ScheduleStatus::STARTING, "Initializing sandbox."),
            event(9000, ScheduleStatus::RUNNING, ""),
        ]),
        ancestor_id: None,
    }
}

fn reply(n: usize) -> ResponseResult {
    let cfg = Arc::new(config());
    ResponseResult {
        success: Some(Response {
            response_code: Some(ResponseCode::OK),
            result: Some(ApiResult::ScheduleStatusResult(ScheduleStatusResult {
                tasks: Some((0..n).map(|i| task(i, &cfg)).collect()),
            })),
            server_info: Some(ServerInfo {
                cluster_name: Some("bench".into()),
                stats_url_prefix: Some(String::new()),
            }),
            details: Some(vec![]),
        }),
    }
}

fn decode(p: Protocol, body: &[u8]) -> usize {
    let (_, env) = p.decode::<ResponseResult>(body).expect("decodes");
    match env {
        eos::aurora::wire::message::Envelope::Body(r) => match r.success.and_then(|s| s.result) {
            Some(ApiResult::ScheduleStatusResult(r)) => r.tasks.map_or(0, |t| t.len()),
            _ => 0,
        },
        _ => 0,
    }
}

/// Peak heap growth while decoding (the body itself is already allocated and not counted).
fn peak_extra(p: Protocol, body: &[u8]) -> usize {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let (_, env) = p.decode::<ResponseResult>(body).expect("decodes");
    let peak = PEAK.load(Ordering::Relaxed);
    drop(env);
    peak - base
}

fn best_of(n: usize, mut f: impl FnMut()) -> Duration {
    (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap()
}

/// Runs Apache Thrift's Python decoder on the same body, if the peer tooling is installed.
fn python_decode_ms(p: Protocol, body: &[u8], repeat: usize) -> Option<f64> {
    use std::process::Command;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().ok()?;
    let ok = Command::new("thrift")
        .args(["--gen", "py", "-out"])
        .arg(dir.path())
        .arg(root.join("tests/peer/eos.thrift"))
        .status()
        .ok()?
        .success();
    if !ok {
        return None;
    }
    let file = dir.path().join("body");
    std::fs::write(&file, body).ok()?;
    let out = Command::new("/usr/bin/python3")
        .arg(root.join("tests/peer/peer.py"))
        .arg("--gen")
        .arg(dir.path())
        .args([
            "decode-bench",
            "--protocol",
            if p == Protocol::Binary {
                "binary"
            } else {
                "json"
            },
        ])
        .arg(&file)
        .args(["--repeat", &repeat.to_string()])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .find_map(|w| w.strip_prefix("best_ms="))
        .and_then(|v| v.parse().ok())
}

fn main() {
    let mut c = Criterion::default()
        .configure_from_args()
        .sample_size(10)
        .measurement_time(Duration::from_secs(8));

    let value = reply(TASKS);
    let binary = Protocol::Binary.encode("getTasksWithoutConfigs", MessageType::Reply, 1, &value);
    let json = Protocol::Json.encode("getTasksWithoutConfigs", MessageType::Reply, 1, &value);
    drop(value);
    assert_eq!(decode(Protocol::Binary, &binary), TASKS);
    assert_eq!(decode(Protocol::Json, &json), TASKS);

    let mut g = c.benchmark_group("decode_100k_tasks");
    g.throughput(Throughput::Bytes(binary.len() as u64));
    g.bench_function("tbinary", |b| {
        b.iter(|| black_box(decode(Protocol::Binary, &binary)))
    });
    g.throughput(Throughput::Bytes(json.len() as u64));
    g.bench_function("tjson", |b| {
        b.iter(|| black_box(decode(Protocol::Json, &json)))
    });
    g.finish();

    let job = JobKey::new("www-data", "prod", "hello");
    let kill = KillTasksArgs {
        job: Some(job.clone()),
        instances: Some((0..4000).collect()),
        message: Some("scale down".into()),
    };
    let add = AddInstancesArgs {
        key: Some(InstanceKey {
            job_key: Some(job),
            instance_id: Some(0),
        }),
        count: Some(4000),
    };
    let mut g = c.benchmark_group("encode_call");
    for p in [Protocol::Binary, Protocol::Json] {
        g.bench_function(format!("killTasks_4000/{p:?}"), |b| {
            b.iter(|| black_box(p.encode("killTasks", MessageType::Call, 1, &kill)))
        });
        g.bench_function(format!("addInstances_4000/{p:?}"), |b| {
            b.iter(|| black_box(p.encode("addInstances", MessageType::Call, 1, &add)))
        });
    }
    g.finish();
    c.final_summary();

    if std::env::args().any(|a| a == "--list" || a == "--test" || a == "--profile-time") {
        return;
    }
    // Memory and the reference implementation, reported once (not criterion statistics).
    println!("\n== summary: {TASKS} tasks of one job ==");
    for (p, body) in [(Protocol::Binary, &binary), (Protocol::Json, &json)] {
        let ours = best_of(5, || {
            black_box(decode(p, body));
        });
        let extra = peak_extra(p, body);
        println!(
            "{p:?}: body {:.1} MB, best decode {:.1} ms, peak extra memory {:.1} MB ({:.2}x body)",
            body.len() as f64 / 1e6,
            ours.as_secs_f64() * 1e3,
            extra as f64 / 1e6,
            extra as f64 / body.len() as f64
        );
        let repeat = if p == Protocol::Binary { 3 } else { 1 };
        match python_decode_ms(p, body, repeat) {
            Some(py) => println!(
                "{p:?}: Apache Thrift Python (best of {repeat}) {py:.0} ms -> Eos is {:.0}x faster",
                py / (ours.as_secs_f64() * 1e3)
            ),
            None => println!("{p:?}: Apache Thrift Python not available; no comparison"),
        }
    }
}
