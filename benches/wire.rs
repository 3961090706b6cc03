//! Wire benchmarks: decoding a 100,000-task `getTasksWithoutConfigs` reply in both encodings,
//! the peak memory that takes, encoding big mutation calls, and (when Apache Thrift's Python is
//! installed) the same decode by the reference implementation, measured in the same run.

use std::alloc::{GlobalAlloc, Layout};

use mimalloc::MiMalloc as System;
use std::hint::black_box;
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

#[path = "common/big_job.rs"]
mod big_job;
use big_job::{TASKS, reply};

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
