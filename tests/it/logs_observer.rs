//! Task logs from the Thermos observer: Eos's observer client, tail and line buffer against a
//! stand-in observer that follows the real routes byte for byte (`_read_chunk` of apache/aurora
//! `thermos/observer/http/file_browser.py`: XML escaping, `{}` for unknown, offsets past the end,
//! no cap on length), against the simulator's observers, and `eos get logs` (with `-f`).

use crate::sim_common;

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use eos::aurora::model::*;
use eos::observer::buffer::{Limits, LineBuffer};
use eos::observer::tail::{CHECK_EVERY, Tail};
use eos::observer::{LogKind, ObserverClient, ObserverError, observer_base};
use sim_common::*;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// What the stand-in serves, and how it misbehaves.
#[derive(Default)]
struct Files {
    /// `(task, process, run, kind)` → the file's bytes.
    logs: BTreeMap<(String, String, u32, String), Vec<u8>>,
    /// Hostile: answer every `/logdata` with this many bytes of data whatever was asked.
    huge: Option<usize>,
    /// Hostile: every `/logdata` read appends this many bytes to every file first.
    grow: usize,
}

struct StandIn {
    url: String,
    files: Arc<Mutex<Files>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Python's `json.dumps` of a str (ASCII only).
fn py_json(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (' '..='~').contains(&c) => out.push(c),
            c => {
                let mut b = [0u16; 2];
                for u in c.encode_utf16(&mut b) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
        }
    }
    out.push('"');
    out
}

/// `_read_chunk` of the real observer.
fn read_chunk(file: &[u8], offset: Option<&str>, length: Option<&str>) -> String {
    let (Ok(mut offset), Ok(mut length)) = (
        offset.unwrap_or("-1").parse::<i64>(),
        length.unwrap_or("-1").parse::<i64>(),
    ) else {
        return "{}".into();
    };
    let size = file.len() as i64;
    if offset == -1 {
        offset = size;
    }
    if length == -1 {
        length = size - offset;
    }
    let from = offset.clamp(0, size) as usize;
    let to = if length < 0 {
        file.len()
    } else {
        (offset + length).clamp(0, size) as usize
    };
    let data = &file[from..to.max(from)];
    if data.is_empty() {
        return format!("{{\"offset\": {offset}, \"length\": 0}}");
    }
    let text = String::from_utf8_lossy(data)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(
        "{{\"offset\": {offset}, \"length\": {}, \"data\": {}}}",
        data.len(),
        py_json(&text)
    )
}

fn respond(files: &Mutex<Files>, target: &str) -> String {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let q: BTreeMap<&str, &str> = query.split('&').filter_map(|p| p.split_once('=')).collect();
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let mut f = files.lock().unwrap();
    match parts.as_slice() {
        ["j", "processes"] => {
            let Some(ids) = q.get("task_id") else {
                return "{}".into();
            };
            let mut out = Vec::new();
            for id in ids.split(',') {
                let procs: std::collections::BTreeSet<&String> =
                    f.logs.keys().filter(|k| k.0 == id).map(|k| &k.1).collect();
                let inner: Vec<String> = procs
                    .iter()
                    .map(|p| {
                        let runs = f.logs.keys().filter(|k| k.0 == id && &&k.1 == p).map(|k| k.2).max().unwrap_or(0);
                        format!(
                            "{}: {{\"process_name\": {}, \"process_run\": {runs}, \"state\": \"RUNNING\", \"start_time\": 1764380000.5}}",
                            py_json(p),
                            py_json(p)
                        )
                    })
                    .collect();
                out.push(format!("{}: {{{}}}", py_json(id), inner.join(", ")));
            }
            format!("{{{}}}", out.join(", "))
        }
        ["logdata", id, process, run, kind] => {
            let Ok(run) = run.parse::<i64>() else {
                return "{}".into();
            };
            let runs: Vec<u32> = f
                .logs
                .keys()
                .filter(|k| k.0 == *id && k.1 == *process && k.3 == *kind)
                .map(|k| k.2)
                .collect();
            let Some(&last) = runs.iter().max() else {
                return "{}".into();
            };
            let run = if run < 0 { last as i64 + 1 + run } else { run };
            if f.grow > 0 {
                let n = f.grow;
                for v in f.logs.values_mut() {
                    v.extend(std::iter::repeat_n(b'x', n));
                }
            }
            if let Some(n) = f.huge {
                return format!(
                    "{{\"offset\": 0, \"length\": {n}, \"data\": \"{}\"}}",
                    "y".repeat(n)
                );
            }
            match f.logs.get(&(
                id.to_string(),
                process.to_string(),
                run as u32,
                kind.to_string(),
            )) {
                Some(file) => read_chunk(file, q.get("offset").copied(), q.get("length").copied()),
                None => "{}".into(),
            }
        }
        _ => "{}".into(),
    }
}

async fn stand_in() -> StandIn {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let files = Arc::new(Mutex::new(Files::default()));
    let shared = files.clone();
    let task = tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            let files = shared.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut tmp = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut tmp).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&tmp[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&buf).into_owned();
                let target = head.split(' ').nth(1).unwrap_or("/").to_owned();
                let body = respond(&files, &target);
                let reply = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = s.write_all(reply.as_bytes()).await;
                let _ = s.write_all(body.as_bytes()).await;
            });
        }
    });
    StandIn { url, files, task }
}

fn put(s: &StandIn, task: &str, process: &str, run: u32, kind: &str, bytes: &[u8]) {
    s.files.lock().unwrap().logs.insert(
        (task.into(), process.into(), run, kind.into()),
        bytes.to_vec(),
    );
}

fn append(s: &StandIn, task: &str, process: &str, run: u32, kind: &str, bytes: &[u8]) {
    s.files
        .lock()
        .unwrap()
        .logs
        .get_mut(&(task.into(), process.into(), run, kind.into()))
        .unwrap()
        .extend_from_slice(bytes);
}

#[tokio::test]
async fn the_client_reads_the_real_routes() {
    let s = stand_in().await;
    put(
        &s,
        "t-1",
        "server",
        0,
        "stdout",
        b"a < b && c > d\nbad \xff byte\n",
    );
    put(&s, "t-1", "server", 0, "stderr", b"");
    let c = ObserverClient::new(&s.url).unwrap();

    let procs = c.processes("t-1").await.unwrap();
    assert_eq!(procs.keys().collect::<Vec<_>>(), ["server"]);
    assert_eq!(procs["server"].state, "RUNNING");
    assert!(matches!(
        c.processes("t-2").await,
        Err(ObserverError::NoSuchTask { .. })
    ));

    let all = c
        .log_chunk("t-1", "server", -1, LogKind::Stdout, 0, 1000)
        .await
        .unwrap();
    assert_eq!(all.text, "a < b && c > d\nbad \u{fffd} byte\n");
    assert_eq!(all.length, 26);
    // The size: offset -1, length 0.
    let size = c
        .log_chunk("t-1", "server", 0, LogKind::Stdout, -1, 0)
        .await
        .unwrap();
    assert_eq!((size.offset, size.length), (26, 0));
    // Past the end: echoed, nothing there.
    let past = c
        .log_chunk("t-1", "server", 0, LogKind::Stdout, 500, 10)
        .await
        .unwrap();
    assert_eq!((past.offset, past.length, past.text.as_str()), (500, 0, ""));
    // An empty file and an unknown process or run.
    let empty = c
        .log_chunk("t-1", "server", 0, LogKind::Stderr, 0, 10)
        .await
        .unwrap();
    assert_eq!(empty.length, 0);
    for (p, run) in [("nope", 0), ("server", 3)] {
        let e = c
            .log_chunk("t-1", p, run, LogKind::Stdout, 0, 10)
            .await
            .unwrap_err();
        assert!(matches!(e, ObserverError::NoSuchLog { .. }), "{e:?}");
    }
}

#[tokio::test]
async fn an_observer_that_is_down_is_unreachable() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let c = ObserverClient::new(&format!("http://127.0.0.1:{port}")).unwrap();
    let e = c.processes("t").await.unwrap_err();
    assert!(e.is_unreachable(), "{e:?}");
}

/// Runs one request of `tail` against the client.
async fn step(c: &ObserverClient, tail: &mut Tail, run: i64) -> eos::observer::tail::Step {
    let w = tail.next();
    let chunk = c
        .log_chunk("t-1", "server", run, LogKind::Stdout, w.offset, w.length)
        .await
        .unwrap();
    tail.on_chunk(&chunk)
}

#[tokio::test]
async fn the_tail_starts_at_a_line_follows_growth_and_notices_rotation() {
    let s = stand_in().await;
    let mut file = String::new();
    for i in 0..5000 {
        file.push_str(&format!("line {i:05}\n"));
    }
    put(&s, "t-1", "server", 0, "stdout", file.as_bytes());
    let c = ObserverClient::new(&s.url).unwrap();
    let mut tail = Tail::new();
    let mut buf = LineBuffer::new(Limits::default());
    // Size, then the last 32 KiB from a line start.
    for _ in 0..8 {
        let st = step(&c, &mut tail, -1).await;
        buf.push(0, &st.text);
        if tail.started() && !st.again_now {
            break;
        }
    }
    let lines: Vec<&str> = buf.iter().map(|(_, t)| t).collect();
    assert!(
        lines[0].starts_with("line ") && lines[0].len() == 10,
        "{:?}",
        lines[0]
    );
    assert_eq!(*lines.last().unwrap(), "line 04999");
    assert!(lines.len() < 5000 && lines.len() > 2000);
    // Growth, with a line cut across polls.
    append(&s, "t-1", "server", 0, "stdout", b"new line 1\nnew ");
    buf.push(0, &step(&c, &mut tail, -1).await.text);
    append(&s, "t-1", "server", 0, "stdout", b"line 2\n");
    buf.push(0, &step(&c, &mut tail, -1).await.text);
    let last: Vec<&str> = buf.iter().map(|(_, t)| t).collect();
    assert_eq!(&last[last.len() - 2..], ["new line 1", "new line 2"]);
    // Rotation: the file is replaced by a short one; empty polls lead to a size check.
    put(&s, "t-1", "server", 0, "stdout", b"fresh\n");
    let mut rotated = None;
    for _ in 0..(CHECK_EVERY + 3) {
        let st = step(&c, &mut tail, -1).await;
        rotated = rotated.or(st.rotated);
        buf.push(0, &st.text);
    }
    assert!(
        rotated.is_some_and(|(was, now)| now == 6 && was > 6),
        "{rotated:?}"
    );
    assert_eq!(buf.iter().last().unwrap().1, "fresh");
}

#[tokio::test]
async fn earlier_runs_are_read_by_number() {
    let s = stand_in().await;
    put(&s, "t-1", "server", 0, "stdout", b"first run\n");
    put(&s, "t-1", "server", 1, "stdout", b"second run\n");
    let c = ObserverClient::new(&s.url).unwrap();
    assert_eq!(c.processes("t-1").await.unwrap()["server"].process_run, 1);
    let text = |run| {
        let c = c.clone();
        async move {
            c.log_chunk("t-1", "server", run, LogKind::Stdout, 0, 100)
                .await
                .unwrap()
                .text
        }
    };
    assert_eq!(text(0).await, "first run\n");
    assert_eq!(text(-1).await, "second run\n");
    assert_eq!(text(1).await, "second run\n");
}

#[tokio::test]
async fn a_hostile_observer_stays_bounded() {
    let s = stand_in().await;
    put(
        &s,
        "t-1",
        "server",
        0,
        "stdout",
        b"\x1b[2J\x1b]0;pwned\x07ok\n",
    );
    let c = ObserverClient::new(&s.url).unwrap();
    // Control sequences arrive, and are neutralised in the buffer.
    let chunk = c
        .log_chunk("t-1", "server", 0, LogKind::Stdout, 0, 100)
        .await
        .unwrap();
    let mut buf = LineBuffer::new(Limits::default());
    buf.push(0, &chunk.text);
    let line = buf.iter().next().unwrap().1.to_owned();
    assert!(!line.chars().any(|c| c.is_control()), "{line:?}");
    assert!(line.ends_with("ok"));

    // A reply far longer than asked for is refused while it is read.
    s.files.lock().unwrap().huge = Some(4 << 20);
    let e = c
        .log_chunk("t-1", "server", 0, LogKind::Stdout, 0, 1000)
        .await
        .unwrap_err();
    assert!(matches!(e, ObserverError::BadReply { .. }), "{e:?}");
    s.files.lock().unwrap().huge = None;

    // Endless growth: every read finds 200 KB more; the buffer keeps to its limits.
    s.files.lock().unwrap().grow = 200_000;
    let limits = Limits {
        max_lines: 500,
        max_bytes: 256 << 10,
    };
    let mut buf = LineBuffer::new(limits.clone());
    let mut tail = Tail::new();
    for _ in 0..40 {
        let st = step(&c, &mut tail, 0).await;
        buf.push(0, &st.text);
        buf.push(0, "\n");
        assert!(buf.bytes() <= limits.max_bytes + eos::observer::buffer::MAX_LINE_BYTES);
        assert!(buf.len() <= limits.max_lines + 1);
    }
    assert!(tail.end() > 1_000_000, "{}", tail.end());
}

// ---- the simulator's observers ----

async fn first_task(
    c: &eos::aurora::client::AuroraClient,
    job: &str,
    status: ScheduleStatus,
) -> ScheduledTask {
    let mut q = query(&key(job));
    q.statuses = Some(vec![status]);
    let mut v = c.get_tasks_status(q).await.unwrap().value;
    v.sort_by_key(|t| t.instance_id());
    v.into_iter()
        .next()
        .unwrap_or_else(|| panic!("no {status:?} task of {job}"))
}

fn sim_observer(server: &eos::sim::SimServer, host: &str) -> ObserverClient {
    let template = eos::sim::observer::observer_url_template(&server.url());
    ObserverClient::new(&observer_base(&template, host)).unwrap()
}

#[tokio::test]
async fn the_simulators_observers_serve_processes_and_growing_logs() {
    let (server, sim) = start(frozen()).await;
    let c = client(&server, eos::aurora::wire::Protocol::Json);
    let task = first_task(&c, "www-data/prod/frontend", ScheduleStatus::RUNNING).await;
    let obs = sim_observer(&server, task.host());
    let procs = obs.processes(task.task_id()).await.unwrap();
    assert_eq!(
        procs.keys().collect::<Vec<_>>(),
        ["fetch_package", "server"]
    );
    assert_eq!(procs["server"].state, "RUNNING");
    assert_eq!(procs["fetch_package"].state, "SUCCESS");
    assert_eq!(
        eos::observer::client::default_process(&procs),
        Some("server")
    );
    let size = |obs: ObserverClient, id: String| async move {
        obs.log_chunk(&id, "server", -1, LogKind::Stdout, -1, 0)
            .await
            .unwrap()
            .offset
    };
    let before = size(obs.clone(), task.task_id().into()).await;
    sim.advance(secs(60));
    let after = size(obs.clone(), task.task_id().into()).await;
    assert!(after >= before + 50 * 100, "{before} → {after}");
    // Access lines with a query string: escaped on the wire, unescaped by the client.
    let chunk = obs
        .log_chunk(task.task_id(), "server", -1, LogKind::Stdout, 0, 200_000)
        .await
        .unwrap();
    assert!(
        chunk.text.contains("&page=2") || chunk.text.contains("&sort="),
        "{}",
        &chunk.text[..500]
    );
    assert!(!chunk.text.contains("&amp;"));
    // No cap on length: -1 reads to the end.
    let raw = reqwest::get(format!(
        "{}/logdata/{}/server/0/stdout?offset=0&length=-1",
        obs.base(),
        task.task_id()
    ))
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(v["length"].as_u64(), Some(after));
    assert!(raw.contains("&amp;"));
    // Unknowns answer like the real observer.
    for path in ["nope/0/stdout", "server/5/stdout", "server/0/stdlog"] {
        let body = reqwest::get(format!("{}/logdata/{}/{path}", obs.base(), task.task_id()))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(body, "{}", "{path}");
    }
    let other_host = sim_observer(&server, "no-such-host");
    assert!(matches!(
        other_host.processes(task.task_id()).await,
        Err(ObserverError::NoSuchTask { .. })
    ));
    server.shutdown().await;
}

#[tokio::test]
async fn a_crash_loop_leaves_a_stack_trace_and_a_pending_task_has_no_logs() {
    let (server, sim) = start(frozen()).await;
    sim.advance(secs(600));
    let c = client(&server, eos::aurora::wire::Protocol::Json);
    let failed = first_task(&c, "payments/prod/fraud-scorer", ScheduleStatus::FAILED).await;
    let obs = sim_observer(&server, failed.host());
    let procs = obs.processes(failed.task_id()).await.unwrap();
    assert_eq!(procs["server"].state, "FAILED");
    assert_eq!(procs["server"].return_code, Some(1));
    let err = obs
        .log_chunk(failed.task_id(), "server", -1, LogKind::Stderr, 0, 100_000)
        .await
        .unwrap();
    assert!(err.text.contains("Traceback (most recent call last):"));
    assert!(err.text.contains("in <module>"), "{}", err.text);
    assert!(err.text.contains("active=64 & waiting=128"));

    let pending = first_task(&c, "analytics/devel/ml-training", ScheduleStatus::PENDING).await;
    assert_eq!(pending.host(), "");
    let any = sim_observer(&server, failed.host());
    assert!(matches!(
        any.processes(pending.task_id()).await,
        Err(ObserverError::NoSuchTask { .. })
    ));
    server.shutdown().await;
}

// ---- eos get logs ----

fn eos() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_eos"));
    let scratch = tempfile::tempdir().unwrap().keep();
    c.env("XDG_STATE_HOME", &scratch)
        .env("XDG_CONFIG_HOME", &scratch)
        .env("HOME", &scratch)
        .env("AURORA_CONFIG_ROOT", &scratch)
        .env_remove("EOS_SCHEDULER");
    c
}

// Multi-threaded: the simulator keeps serving while the test blocks reading the child.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_logs_prints_unescaped_text_and_follows() {
    let (server, sim) = start(frozen()).await;
    let c = client(&server, eos::aurora::wire::Protocol::Json);
    let task = first_task(&c, "www-data/prod/frontend", ScheduleStatus::RUNNING).await;
    let template = eos::sim::observer::observer_url_template(&server.url());
    let base = [
        "--scheduler".to_owned(),
        server.url(),
        "get".into(),
        "logs".into(),
        task.task_id().into(),
        "--observer-url".into(),
        template.clone(),
    ];
    // Last 3 lines, then exit.
    let mut args = base.to_vec();
    args.extend(["--tail".into(), "3".into()]);
    let out = tokio::task::spawn_blocking(move || eos().args(&args).output().unwrap())
        .await
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 3, "{text}");

    // Unknown task: 6; unknown process: 6; a dead observer: 7.
    for (extra, code) in [
        (vec!["--process", "nope"], 6),
        (
            vec!["--observer-url", "http://127.0.0.1:1/{host}/task/{task_id}"],
            7,
        ),
    ] {
        let mut args = base[..5].to_vec();
        args.extend(extra.iter().map(|s| s.to_string()));
        if extra[0] != "--observer-url" {
            args.extend(base[5..].iter().cloned());
        }
        let out = tokio::task::spawn_blocking(move || eos().args(&args).output().unwrap())
            .await
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(code),
            "{extra:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut args = base.to_vec();
    args[4] = "no-such-task".into();
    let out = tokio::task::spawn_blocking(move || eos().args(&args).output().unwrap())
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(6));

    // -f: new lines appear as the simulated task writes them.
    let mut args = base.to_vec();
    args.extend(["--tail".into(), "2".into(), "-f".into()]);
    let mut child = eos()
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(l) = line else { return };
            if tx.send(l).is_err() {
                return;
            }
        }
    });
    let wait = std::time::Duration::from_secs(30);
    let first: Vec<String> = (0..2).map(|_| rx.recv_timeout(wait).unwrap()).collect();
    sim.advance(secs(5));
    let next = rx.recv_timeout(wait).unwrap();
    assert_ne!(next, first[1]);
    assert!(
        [" GET ", " POST ", " PUT "]
            .iter()
            .any(|m| next.contains(m)),
        "{next}"
    );
    let _ = child.kill();
    let _ = child.wait();
    server.shutdown().await;
}
