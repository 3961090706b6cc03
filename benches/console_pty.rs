//! Measurements of the real `eos` binary in a 120×40 pseudo-terminal against `eos sim`:
//! bytes written while idle, time to the first frame, key → frame latency, and RSS with a
//! 100,000-task cluster loaded. Run with `cargo bench --bench console_pty`; prints a summary.
//! `EOS_PTY_DUMP=FILE` writes the bytes of the idle window (escaped) for inspection.

#[path = "../tests/it/pty_common/mod.rs"]
mod pty_common;

use std::time::{Duration, Instant};

use pty_common::{Console, Sim, header, selected_row};

const WAIT: Duration = Duration::from_secs(60);

fn loaded(c: &Console) {
    c.wait_for("fresh data", WAIT, |s| {
        let h = header(s);
        h.contains("s ago") && !h.contains("STALE")
    });
}

fn command(c: &mut Console, line: &str) {
    c.send(b":");
    c.type_text(line);
    c.enter();
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Bytes the console writes over `secs` idle seconds on the jobs view of a role.
fn idle_bytes(sim: &Sim, secs: u64) -> (usize, Vec<u8>) {
    let mut c = Console::open(sim, &[]);
    loaded(&c);
    command(&mut c, "jobs payments");
    c.wait_text("payments/prod/ledger-api", WAIT);
    loaded(&c);
    // Let the view settle (the change highlight of freshly loaded rows fades after 3 s).
    std::thread::sleep(Duration::from_secs(4));
    let start = c.bytes_written();
    std::thread::sleep(Duration::from_secs(secs));
    let bytes = c.with(|s| s.raw[start..].to_vec());
    (bytes.len(), bytes)
}

fn escape(bytes: &[u8]) -> String {
    let mut out = String::new();
    for ch in String::from_utf8_lossy(bytes).chars() {
        match ch {
            '\x1b' => out.push_str("\n\\e"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn first_frame_ms(sim: &Sim) -> f64 {
    let c = Console::open(sim, &[]);
    // The pre-seeded shell line is on the main screen; the console's frame is on the alternate.
    c.wait_text(" Eos ", WAIT);
    let first = c
        .with(|s| s.first_nonempty)
        .expect("first non-empty screen");
    (first - c.spawned_at).as_secs_f64() * 1000.0
}

fn key_to_frame_ms(sim: &Sim, samples: usize) -> Vec<f64> {
    let mut c = Console::open(sim, &[]);
    loaded(&c);
    command(&mut c, "jobs");
    c.wait_text("www-data/staging", WAIT);
    loaded(&c);
    let mut out = Vec::new();
    for i in 0..samples {
        let before = selected_row(&c.screen());
        let key: &[u8] = if i % 20 < 10 { b"j" } else { b"k" };
        let t0 = Instant::now();
        c.send(key);
        let t1 = c.wait_for("the selection to move", WAIT, |s| selected_row(s) != before);
        out.push((t1 - t0).as_secs_f64() * 1000.0);
        std::thread::sleep(Duration::from_millis(30));
    }
    out
}

fn rss_kb(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn rows_in_crumbs(s: &str) -> Option<usize> {
    let line = s.lines().nth(1)?;
    let (before, _) = line.split_once(" rows")?;
    before.split_whitespace().last()?.parse().ok()
}

fn main() {
    // `cargo bench` passes `--bench`; under `cargo test --all-targets` this is skipped (it
    // takes a minute and starts a 100,000-task simulator).
    if !std::env::args().any(|a| a == "--bench") {
        println!("console_pty: run with `cargo bench --bench console_pty`");
        return;
    }
    let sim = Sim::start(&[]);

    let idle_secs = 10;
    let (idle, bytes) = idle_bytes(&sim, idle_secs);
    if let Ok(path) = std::env::var("EOS_PTY_DUMP") {
        let _ = std::fs::write(&path, escape(&bytes));
    }
    let idle_rate = idle as f64 / idle_secs as f64;

    let mut first: Vec<f64> = (0..7).map(|_| first_frame_ms(&sim)).collect();
    let first_med = median(&mut first);
    let first_max = first.iter().cloned().fold(0.0, f64::max);

    let mut keys = key_to_frame_ms(&sim, 40);
    let key_med = median(&mut keys);
    let key_p90 = keys[keys.len() * 9 / 10];
    let key_max = keys[keys.len() - 1];
    drop(sim);

    // The big cluster: 2,000 jobs, 100,000 tasks, one 4,000-instance job.
    let big = Sim::start(&["--big-job", "--jobs", "2000", "--tasks", "100000"]);
    let mut c = Console::open(&big, &["--timeout", "120"]);
    loaded(&c);
    command(&mut c, "job www-data/prod/edge-proxy");
    c.wait_for("the 4,000 tasks", WAIT, |s| {
        s.lines().nth(1).is_some_and(|l| l.contains("edge-proxy"))
            && rows_in_crumbs(s).is_some_and(|n| n >= 4000)
    });
    let big_rows = rows_in_crumbs(&c.screen()).unwrap_or(0);
    std::thread::sleep(Duration::from_millis(500));
    let (rss_tasks, _) = rss_kb(c.pid());
    // `:jobs` defaults to the current view's role; from the roles view it lists every job.
    command(&mut c, "roles");
    c.wait_for("the roles view", WAIT, |s| {
        s.lines().nth(1).is_some_and(|l| l.contains("› roles"))
    });
    command(&mut c, "jobs");
    c.wait_for("all jobs", WAIT, |s| {
        s.lines().nth(1).is_some_and(|l| l.contains("all jobs"))
            && rows_in_crumbs(s).is_some_and(|n| n >= 1000)
    });
    let all_rows = rows_in_crumbs(&c.screen()).unwrap_or(0);
    std::thread::sleep(Duration::from_millis(500));
    let (rss_jobs, hwm) = rss_kb(c.pid());
    drop(c);
    drop(big);

    let mb = |kb: u64| kb as f64 / 1024.0;
    let verdict = |ok: bool| if ok { "ok" } else { "OVER TARGET" };
    println!();
    println!("eos console in a 120x40 pty against eos sim (--clock frozen)");
    println!(
        "  idle output     {idle} bytes in {idle_secs} s = {idle_rate:.1} B/s  (target <= 200 B/s: {})",
        verdict(idle_rate <= 200.0)
    );
    println!(
        "  first frame     median {first_med:.1} ms, max {first_max:.1} ms over {} launches, process start included  (target <= 50 ms: {})",
        first.len(),
        verdict(first_med <= 50.0)
    );
    println!(
        "  key -> frame    median {key_med:.2} ms, p90 {key_p90:.2} ms, max {key_max:.2} ms over {} presses of j/k (all-jobs view)  (target <= 16 ms: {})",
        keys.len(),
        verdict(key_med <= 16.0)
    );
    println!(
        "  RSS             {:.1} MB with the {big_rows} tasks of www-data/prod/edge-proxy; {:.1} MB after :jobs ({all_rows} jobs); peak {:.1} MB  (target <= 250 MB: {})",
        mb(rss_tasks),
        mb(rss_jobs),
        mb(hwm),
        verdict(mb(hwm) <= 250.0)
    );
}
