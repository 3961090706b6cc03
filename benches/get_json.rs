//! `eos get tasks ROLE/ENV/JOB -o json` end to end, against a server replaying one recorded
//! reply: one job of 100,000 tasks with full TaskConfigs, in TBinary and in TJSON. Each sample
//! is a fresh `eos` process (release build), stdout to /dev/null; its wall time is what
//! criterion times, and its peak RSS is read from wait4's rusage.
//!
//! Aurora's own stack is run once per encoding in the same run (its TJSON takes minutes, too
//! slow for criterion's samples): Debian's python3-thrift (C-accelerated TBinary) with bindings
//! generated from tests/peer/eos.thrift, POSTing the same call to the same server, then the
//! aurora CLI's `job status --write-json` rendering (tests/peer/peer.py `job-status`). Needs
//! `thrift` and `/usr/bin/python3` with the `thrift` module; without them only Eos is timed.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use criterion::Criterion;
use eos::aurora::wire::{MessageType, Protocol};

#[path = "common/big_job.rs"]
mod big_job;
use big_job::{TASKS, reply};

/// Serves `body` to every POST on 127.0.0.1, as a scheduler would (sequence id 0: the first
/// call of a new `eos`; the Python client sends 0 too).
fn replay(body: Vec<u8>, content_type: &'static str) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/api", listener.local_addr().unwrap());
    let body = std::sync::Arc::new(body);
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            let body = body.clone();
            std::thread::spawn(move || {
                let mut req = Vec::new();
                let mut buf = [0u8; 16384];
                let (head_end, len) = loop {
                    let n = conn.read(&mut buf).unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    req.extend_from_slice(&buf[..n]);
                    if let Some(i) = req.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&req[..i]).to_ascii_lowercase();
                        let len: usize = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse().ok())
                            .unwrap_or(0);
                        break (i + 4, len);
                    }
                };
                while req.len() < head_end + len {
                    match conn.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => req.extend_from_slice(&buf[..n]),
                    }
                }
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
                     Connection: close\r\n\r\n",
                    body.len()
                );
                let _ = conn.write_all(head.as_bytes());
                let _ = conn.write_all(&body);
            });
        }
    });
    url
}

/// Runs a command to completion with stdout to /dev/null: wall time, peak RSS in bytes, success.
///
/// The command is started from a fresh copy of this bench binary (see [`measure_child`]), not
/// from this process: a child's `ru_maxrss` starts from the RSS of the process it was spawned
/// from, and this one holds both recorded bodies.
fn measure(cmd: &Command) -> (Duration, u64, bool) {
    let out = Command::new(std::env::current_exe().unwrap())
        .env(MEASURE_ENV, "1")
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .output()
        .expect("the measuring helper runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut f = text
        .split_whitespace()
        .map(|w| w.parse::<u64>().unwrap_or(0));
    let (ns, rss, ok) = (
        f.next().unwrap_or(0),
        f.next().unwrap_or(0),
        f.next().unwrap_or(0),
    );
    (Duration::from_nanos(ns), rss, ok == 1)
}

const MEASURE_ENV: &str = "EOS_BENCH_MEASURE_CHILD";

/// The helper: runs argv[1..] with stdout to /dev/null, reaps it with wait4, and prints
/// `<wall ns> <peak RSS bytes> <1 if it succeeded>`.
fn measure_child() -> ! {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let start = Instant::now();
    let child = Command::new(&args[0])
        .args(&args[1..])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // wait4 reaps the child and reports its peak RSS (ru_maxrss, in KiB on Linux).
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let elapsed = start.elapsed();
    assert_eq!(r, pid, "wait4");
    let ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    if !ok {
        let mut err = String::new();
        if let Some(mut e) = child.stderr {
            let _ = e.read_to_string(&mut err);
        }
        eprintln!("{args:?} failed: {err}");
    }
    println!(
        "{} {} {}",
        elapsed.as_nanos(),
        usage.ru_maxrss as u64 * 1024,
        u8::from(ok)
    );
    std::process::exit(0)
}

fn eos(url: &str, p: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_eos"));
    c.args(["get", "tasks", "www-data/prod/hello", "-o", "json"])
        .args(["--scheduler", url, "--protocol", p, "--timeout", "600"]);
    c
}

fn python_bindings() -> Option<tempfile::TempDir> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().ok()?;
    let ok = Command::new("thrift")
        .args(["--gen", "py", "-out"])
        .arg(dir.path())
        .arg(root.join("tests/peer/eos.thrift"))
        .status()
        .ok()?
        .success();
    let has_module = Command::new("/usr/bin/python3")
        .args(["-c", "import thrift"])
        .status()
        .is_ok_and(|s| s.success());
    (ok && has_module).then_some(dir)
}

fn python(gen_dir: &Path, url: &str, p: &str) -> Command {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut c = Command::new("/usr/bin/python3");
    c.arg(root.join("tests/peer/peer.py"))
        .arg("--gen")
        .arg(gen_dir)
        .args(["job-status", "--protocol", p])
        .args(["--job", "bench/www-data/prod/hello", "--url", url]);
    c
}

fn mb(b: u64) -> f64 {
    b as f64 / 1e6
}

fn main() {
    if std::env::var_os(MEASURE_ENV).is_some() {
        measure_child();
    }
    let mut c = Criterion::default()
        .configure_from_args()
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    let value = reply(TASKS);
    let encodings = [
        (
            Protocol::Binary,
            "binary",
            "application/vnd.apache.thrift.binary",
        ),
        (Protocol::Json, "json", "application/vnd.apache.thrift.json"),
    ];
    let servers: Vec<(String, String, usize)> = encodings
        .iter()
        .map(|(p, name, ct)| {
            let body = p.encode("getTasksWithoutConfigs", MessageType::Reply, 0, &value);
            let len = body.len();
            (name.to_string(), replay(body, ct), len)
        })
        .collect();
    drop(value);
    // For profiling by hand: `EOS_BENCH_PRINT_URLS=1` prints the replay URLs and keeps serving.
    if std::env::var_os("EOS_BENCH_PRINT_URLS").is_some() {
        for (name, url, len) in &servers {
            println!("{name} {url} {len}");
        }
        std::thread::sleep(Duration::from_secs(3600));
    }

    let mut g = c.benchmark_group("get_tasks_json_100k");
    for (name, url, _) in &servers {
        g.bench_function(name.as_str(), |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| {
                        let (t, _, ok) = measure(&eos(url, name));
                        assert!(ok, "eos get failed");
                        t
                    })
                    .sum()
            })
        });
    }
    g.finish();
    c.final_summary();
    if std::env::args().any(|a| a == "--list" || a == "--test" || a == "--profile-time") {
        return;
    }

    println!("\n== summary: get tasks -o json, one job of {TASKS} tasks ==");
    let gen_dir = python_bindings();
    for (name, url, len) in &servers {
        // Best of 3 fresh processes for time; the largest peak RSS of them.
        let runs: Vec<(Duration, u64, bool)> = (0..3).map(|_| measure(&eos(url, name))).collect();
        let best = runs.iter().map(|r| r.0).min().unwrap();
        let rss = runs.iter().map(|r| r.1).max().unwrap();
        println!(
            "{name}: body {:.1} MB; Eos best {:.0} ms, peak RSS {:.0} MB",
            mb(*len as u64),
            best.as_secs_f64() * 1e3,
            mb(rss)
        );
        let Some(dir) = &gen_dir else {
            println!("{name}: python3-thrift not available; no comparison");
            continue;
        };
        let (py_t, py_rss, ok) = measure(&python(dir.path(), url, name));
        if !ok {
            println!("{name}: the Python stack failed; no comparison");
            continue;
        }
        let speed = py_t.as_secs_f64() / best.as_secs_f64();
        let mem = py_rss as f64 / rss as f64;
        println!(
            "{name}: Aurora's Python stack {:.1} s, peak RSS {:.0} MB -> Eos is {speed:.0}x faster \
             (target >= 60x: {}) and uses 1/{mem:.1} of its memory (target <= 1/5: {})",
            py_t.as_secs_f64(),
            mb(py_rss),
            if speed >= 60.0 { "met" } else { "NOT met" },
            if mem >= 5.0 { "met" } else { "NOT met" },
        );
    }
}
