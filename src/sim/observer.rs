//! The simulator's Thermos observer: every simulated agent's observer, served by the simulator
//! under `/observer/HOST/…` with the real observer's routes below that (`/j/processes`,
//! `/logdata/ID/PROCESS/RUN/stdout|stderr`, `/task/ID`), its reply shapes and its quirks: data
//! XML-escaped and JSON-encoded ASCII-only, `{}` for an unknown process, run or log type,
//! `{ID: {}}` for a task the agent does not have, an offset past the end echoed with length 0,
//! and no cap on `length`.
//!
//! Why a path prefix: the sim's hosts are fake names no resolver knows, and the observer's
//! routes are relative to its root, so `http://SIM/observer/{host}/task/{task_id}` as the
//! cluster's `observer_url` makes Eos's base-URL rule (`observer::observer_base`) give
//! `http://SIM/observer/HOST`, exactly as `http://{host}:1338` would on a real cluster — the
//! client code cannot tell them apart, and asking the wrong host's observer answers like a
//! real one (it does not know the task).
//!
//! Logs are computed, not stored: a process's log is a short head, then one fixed-width line
//! per period while it runs (a web server's access lines, a batch job's progress), then a
//! trailer (a crash's stack trace on stderr before the task fails). Fixed-width lines let any
//! byte range be produced without building the file, so a task running for weeks costs nothing.

use std::collections::BTreeMap;

use crate::aurora::model::ScheduleStatus;

use super::Simulator;
use super::state::{Behavior, Task};

/// The template a simulated cluster's `observer_url` uses, given the sim's URL.
pub fn observer_url_template(sim_url: &str) -> String {
    format!(
        "{}/observer/{{host}}/task/{{task_id}}",
        sim_url.trim_end_matches('/')
    )
}

/// How long each setup process (all but a task's last) runs, in ms.
const SETUP_MS: i64 = 2_000;
/// Width of one access line, newline included.
const ACCESS_WIDTH: usize = 100;
/// Width of one batch progress line, newline included.
const BATCH_WIDTH: usize = 72;

/// A reply: status, content type and body.
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

fn json(body: String) -> Reply {
    Reply {
        status: 200,
        content_type: "application/json",
        body: body.into_bytes(),
    }
}

/// Answers `path` (starting `/observer/`) with `query`; `None`: not an observer route.
pub fn handle(sim: &Simulator, path: &str, query: Option<&str>) -> Option<Reply> {
    let rest = path.strip_prefix("/observer/")?;
    let (host, route) = rest.split_once('/')?;
    let host = percent_decode(host);
    let params = parse_query(query.unwrap_or(""));
    let parts: Vec<String> = route.split('/').map(percent_decode).collect();
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    Some(match parts.as_slice() {
        ["j", "processes"] => {
            let ids: Vec<String> = params
                .get("task_id")
                .map(|v| v.split(',').map(str::to_owned).collect())
                .unwrap_or_default();
            json(processes_json(sim, &host, &ids))
        }
        ["logdata", id, process, run, kind] => {
            let (Ok(offset), Ok(length)) =
                (param_int(&params, "offset"), param_int(&params, "length"))
            else {
                return Some(json("{}".to_owned()));
            };
            json(logdata_json(
                sim, &host, id, process, run, kind, offset, length,
            ))
        }
        ["task", id] => Reply {
            status: 200,
            content_type: "text/html; charset=utf-8",
            body: format!(
                "<html><head><title>Thermos observer: {0}</title></head><body>\
                 <h2>Task {0}</h2><p>Simulated observer on {1}: the sandbox lives in Eos's log \
                 pane (<code>l</code>).</p></body></html>\n",
                xml_escape(id),
                xml_escape(&host)
            )
            .into_bytes(),
        },
        _ => Reply {
            status: 404,
            content_type: "text/html; charset=utf-8",
            body: b"<html><body><h1>404 Not Found</h1></body></html>\n".to_vec(),
        },
    })
}

/// A query parameter as the observer reads it: absent means -1.
fn param_int(params: &BTreeMap<String, String>, key: &str) -> Result<i64, ()> {
    match params.get(key) {
        None => Ok(-1),
        Some(v) => v.parse().map_err(|_| ()),
    }
}

/// One process of a simulated task, as the observer's checkpoint would have it.
#[derive(Clone, Debug)]
struct Proc {
    name: String,
    cmdline: String,
    /// Runs the task's work (the last process) rather than setting up.
    main: bool,
    start: i64,
    stop: Option<i64>,
    state: &'static str,
    return_code: Option<i64>,
}

/// The task's processes (only those that have started), or `None` when the observer on
/// `host` does not know the task (never launched there, or still pending).
fn processes_of(sim: &Simulator, host: &str, id: &str) -> Option<(Vec<Proc>, LogMeta)> {
    let st = sim.sync();
    let now = st.now;
    let &idx = st.by_id.get(id)?;
    let task = st.tasks.get(idx as usize)?.as_ref()?;
    let on = task.host.and_then(|h| st.hosts.get(h as usize))?;
    if on.name != host {
        return None;
    }
    let launched = task
        .events
        .iter()
        .find(|e| e.status == ScheduleStatus::STARTING || e.status == ScheduleStatus::RUNNING)?
        .ts;
    let ended = task
        .events
        .iter()
        .find(|e| e.status.is_terminal())
        .map(|e| (e.ts, e.status));
    let defs = process_defs(task);
    let count = defs.len();
    let mut out = Vec::new();
    for (i, (name, cmdline)) in defs.into_iter().enumerate() {
        let main = i + 1 == count;
        let start = launched + i as i64 * SETUP_MS;
        if start > now || ended.is_some_and(|(t, _)| t < start) {
            break;
        }
        let natural_stop = (!main).then_some(start + SETUP_MS);
        let (stop, state, return_code) = match (natural_stop, ended) {
            (Some(s), Some((t, _))) if s <= t => (Some(s), "SUCCESS", None),
            (Some(s), None) if s <= now => (Some(s), "SUCCESS", None),
            (_, Some((t, status))) => {
                let (state, rc) = match status {
                    ScheduleStatus::FINISHED => ("SUCCESS", None),
                    ScheduleStatus::FAILED => ("FAILED", Some(1)),
                    ScheduleStatus::LOST => ("LOST", None),
                    _ => ("KILLED", None),
                };
                (Some(t), state, rc)
            }
            _ => (None, "RUNNING", None),
        };
        out.push(Proc {
            name,
            cmdline,
            main,
            start,
            stop,
            state,
            return_code,
        });
    }
    let job = &st.jobs[task.job as usize].key;
    let meta = LogMeta {
        task_id: id.to_owned(),
        job_name: job.name().to_owned(),
        web: task.config.ports.iter().any(|p| p == "http"),
        behavior: task.config.behavior,
        ended: ended.map(|(_, s)| s),
        now,
        port: task.ports.first().copied().unwrap_or(8080),
    };
    Some((out, meta))
}

/// The processes a task's config names (Aurora executor JSON), in order; one `main` when the
/// config carries none.
fn process_defs(task: &Task) -> Vec<(String, String)> {
    let data = task
        .config
        .full
        .executor_config
        .as_ref()
        .and_then(|e| e.data.as_deref())
        .and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok());
    let defs: Vec<(String, String)> = data
        .as_ref()
        .and_then(|v| v.pointer("/task/processes"))
        .and_then(|p| p.as_array())
        .map(|ps| {
            ps.iter()
                .filter_map(|p| {
                    let name = p.get("name")?.as_str()?.to_owned();
                    let cmd = p.get("cmdline").and_then(|c| c.as_str()).unwrap_or("");
                    Some((name, cmd.to_owned()))
                })
                .collect()
        })
        .unwrap_or_default();
    if defs.is_empty() {
        vec![("main".to_owned(), String::new())]
    } else {
        defs
    }
}

/// What the log text depends on besides the process.
#[derive(Clone, Debug)]
struct LogMeta {
    task_id: String,
    job_name: String,
    web: bool,
    behavior: Behavior,
    ended: Option<ScheduleStatus>,
    now: i64,
    port: i32,
}

fn processes_json(sim: &Simulator, host: &str, ids: &[String]) -> String {
    let mut out = String::from("{");
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&json_string(id));
        out.push_str(": {");
        if let Some((procs, meta)) = processes_of(sim, host, id) {
            for (j, p) in procs.iter().enumerate() {
                if j > 0 {
                    out.push_str(", ");
                }
                out.push_str(&format!(
                    "{}: {{\"process_name\": {}, \"process_run\": 0, \"state\": \"{}\", \"start_time\": {:.3}",
                    json_string(&p.name),
                    json_string(&p.name),
                    p.state,
                    p.start as f64 / 1000.0
                ));
                if let Some(s) = p.stop {
                    out.push_str(&format!(", \"stop_time\": {:.3}", s as f64 / 1000.0));
                }
                if let Some(rc) = p.return_code {
                    out.push_str(&format!(", \"return_code\": {rc}"));
                }
                if p.state == "RUNNING" {
                    let log = log_file(p, &meta, "stdout");
                    out.push_str(&format!(
                        ", \"used\": {{\"cpu\": 0.21, \"ram\": {}, \"disk\": {}}}",
                        180u64 << 20,
                        log.size() + (4 << 20)
                    ));
                }
                out.push('}');
            }
        }
        out.push('}');
    }
    out.push('}');
    out
}

#[allow(clippy::too_many_arguments)]
fn logdata_json(
    sim: &Simulator,
    host: &str,
    id: &str,
    process: &str,
    run: &str,
    kind: &str,
    offset: i64,
    length: i64,
) -> String {
    let Ok(run) = run.parse::<i64>() else {
        return "{}".to_owned();
    };
    // One run per process: -1 (the latest) and 0 name it.
    if !(run == 0 || run == -1) || !(kind == "stdout" || kind == "stderr") {
        return "{}".to_owned();
    }
    let Some((procs, meta)) = processes_of(sim, host, id) else {
        return "{}".to_owned();
    };
    let Some(p) = procs.iter().find(|p| p.name == process) else {
        return "{}".to_owned();
    };
    let log = log_file(p, &meta, kind);
    let size = log.size() as i64;
    let offset = if offset == -1 { size } else { offset };
    let length = if length == -1 { size - offset } else { length };
    if offset < 0 || length <= 0 || offset >= size {
        return format!("{{\"offset\": {offset}, \"length\": 0}}");
    }
    let bytes = log.read(offset as u64, length as u64);
    let text = String::from_utf8_lossy(&bytes);
    format!(
        "{{\"offset\": {offset}, \"length\": {}, \"data\": {}}}",
        bytes.len(),
        json_string(&xml_escape(&text))
    )
}

/// A computed log file: head, `count` fixed-width lines, trailer.
struct LogFile {
    head: String,
    width: usize,
    count: u64,
    line: Box<dyn Fn(u64) -> String>,
    trailer: String,
}

impl LogFile {
    fn size(&self) -> u64 {
        self.head.len() as u64 + self.count * self.width as u64 + self.trailer.len() as u64
    }

    fn read(&self, offset: u64, length: u64) -> Vec<u8> {
        let end = (offset + length).min(self.size());
        let mut out = Vec::with_capacity((end - offset.min(end)) as usize);
        let head = self.head.len() as u64;
        let body_end = head + self.count * self.width as u64;
        let mut pos = offset;
        while pos < end {
            if pos < head {
                let to = end.min(head);
                out.extend_from_slice(&self.head.as_bytes()[pos as usize..to as usize]);
                pos = to;
            } else if pos < body_end {
                let k = (pos - head) / self.width as u64;
                let line_start = head + k * self.width as u64;
                let line = (self.line)(k);
                let bytes = line.as_bytes();
                let from = (pos - line_start) as usize;
                let to = ((end - line_start) as usize).min(bytes.len());
                out.extend_from_slice(&bytes[from..to]);
                pos = line_start + to as u64;
            } else {
                let from = (pos - body_end) as usize;
                let to = (end - body_end) as usize;
                out.extend_from_slice(&self.trailer.as_bytes()[from..to]);
                pos = end;
            }
        }
        out
    }
}

/// A deterministic 64-bit mix (splitmix64), so a line's text depends only on its place.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn seed_of(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

fn timestamp(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_else(|| "1970-01-01T00:00:00.000Z".to_owned())
}

/// Pads or cuts `s` to `width - 1` characters and ends it with a newline (ASCII only).
fn fixed(mut s: String, width: usize) -> String {
    s.truncate(width - 1);
    while s.len() < width - 1 {
        s.push(' ');
    }
    s.push('\n');
    s
}

const PATHS: &[&str] = &[
    "/",
    "/health",
    "/api/v1/items",
    "/api/v1/items?page=2&limit=50",
    "/search?q=boots&sort=price",
    "/static/app.js",
    "/api/v1/cart",
    "/login?next=/account",
];
const METHODS: &[&str] = &["GET", "GET", "GET", "POST", "GET", "PUT"];
const STATUSES: &[u16] = &[200, 200, 200, 200, 200, 304, 201, 404, 200, 500];

fn log_file(p: &Proc, meta: &LogMeta, kind: &str) -> LogFile {
    let end = p.stop.unwrap_or(meta.now);
    let seed = seed_of(&meta.task_id) ^ seed_of(&p.name);
    let empty = |head: String| LogFile {
        head,
        width: 1,
        count: 0,
        line: Box::new(|_| String::new()),
        trailer: String::new(),
    };
    if !p.main {
        return match kind {
            "stdout" => empty(format!(
                "+ {}\n  % Total    % Received  Time\n100 12.4M  100 12.4M   0:00:01\nfetched {} ({} bytes) & unpacked\n",
                p.cmdline,
                meta.job_name,
                13_002_342 + seed % 1000
            )),
            _ => empty(String::new()),
        };
    }
    let start = p.start;
    if kind == "stderr" {
        let head = format!(
            "{} WARN  config: <log_level> not set, using INFO\n{} INFO  {} starting (pid {})\n",
            timestamp(start),
            timestamp(start + 3),
            meta.job_name,
            1000 + seed % 30000
        );
        let trailer = if meta.ended == Some(ScheduleStatus::FAILED) {
            let name = &meta.job_name;
            format!(
                "{ts} ERROR unhandled exception, exiting\n\
                 Traceback (most recent call last):\n  \
                 File \"/var/lib/{name}/server.py\", line 214, in <module>\n    main()\n  \
                 File \"/var/lib/{name}/server.py\", line 198, in main\n    serve(config)\n  \
                 File \"/var/lib/{name}/handlers.py\", line 77, in handle\n    \
                 conn = pool.acquire(timeout=5)\n\
                 ConnectionError: upstream db-3 refused connection: pool exhausted \
                 (active=64 & waiting=128)\n",
                ts = timestamp(end),
            )
        } else {
            String::new()
        };
        // A warning every 30 s while it runs; a crash loop's grows more alarming.
        let period = 30_000;
        let count = ((end - start).max(0) / period) as u64;
        let crash = meta.behavior == Behavior::Crash;
        return LogFile {
            head,
            width: BATCH_WIDTH,
            count,
            line: Box::new(move |k| {
                let ts = timestamp(start + (k as i64 + 1) * period);
                let msg = if crash {
                    format!(
                        "{ts} WARN  db pool: {} of 64 connections busy",
                        40 + (k % 24)
                    )
                } else {
                    format!(
                        "{ts} INFO  gc: pause {:>3}ms, heap {:>4}MB",
                        mix(seed ^ k) % 90,
                        300 + mix(k ^ seed) % 200
                    )
                };
                fixed(msg, BATCH_WIDTH)
            }),
            trailer,
        };
    }
    if meta.web {
        let head = format!(
            "{} INFO  listening on 0.0.0.0:{} (http)\n",
            timestamp(start + 5),
            meta.port
        );
        let period = 1_000;
        let count = ((end - start - 1_000).max(0) / period) as u64;
        let trailer = match meta.ended {
            Some(ScheduleStatus::FINISHED) | Some(ScheduleStatus::KILLED) => {
                format!("{} INFO  shutting down: SIGTERM\n", timestamp(end))
            }
            _ => String::new(),
        };
        LogFile {
            head,
            width: ACCESS_WIDTH,
            count,
            line: Box::new(move |k| {
                let r = mix(seed ^ k.wrapping_mul(0x1000_0000_01b3));
                let ts = timestamp(start + 1_000 + k as i64 * period + (r % 997) as i64);
                let ip = format!("10.{}.{}.{}", r % 250, (r >> 8) % 250, (r >> 16) % 250);
                let method = METHODS[((r >> 24) % METHODS.len() as u64) as usize];
                let path = PATHS[((r >> 28) % PATHS.len() as u64) as usize];
                let status = STATUSES[((r >> 32) % STATUSES.len() as u64) as usize];
                let bytes = (r >> 36) % 90_000;
                let ms = 1 + (r >> 52) % 400;
                fixed(
                    format!("{ts} {ip:<15} {method:<5} {path:<30} {status} {bytes:>6}B {ms:>4}ms"),
                    ACCESS_WIDTH,
                )
            }),
            trailer,
        }
    } else {
        let head = format!("{} INFO  batch run started\n", timestamp(start + 5));
        let period = 2_000;
        let count = ((end - start - 2_000).max(0) / period) as u64;
        let trailer = match meta.ended {
            Some(ScheduleStatus::FINISHED) => {
                format!("{} INFO  done: {} batches\n", timestamp(end), count)
            }
            _ => String::new(),
        };
        LogFile {
            head,
            width: BATCH_WIDTH,
            count,
            line: Box::new(move |k| {
                let ts = timestamp(start + 2_000 + k as i64 * period);
                fixed(
                    format!(
                        "{ts} INFO  batch {:>6}: {:>5} records in {:>4}ms",
                        k + 1,
                        1000 - mix(seed ^ k) % 50,
                        100 + mix(k ^ !seed) % 300
                    ),
                    BATCH_WIDTH,
                )
            }),
            trailer,
        }
    }
}

/// `xml.sax.saxutils.escape`: `&`, `<` and `>` only.
pub fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A JSON string as Python's `json.dumps` writes it (ASCII only: `\uXXXX` beyond).
pub fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for u in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn parse_query(q: &str) -> BTreeMap<String, String> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(h) = std::str::from_utf8(&b[i + 1..i + 3])
            && let Ok(v) = u8::from_str_radix(h, 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_are_ascii_like_python() {
        assert_eq!(
            json_string("a\"é\u{1b}😀"),
            "\"a\\\"\\u00e9\\u001b\\ud83d\\ude00\""
        );
    }

    #[test]
    fn computed_logs_read_any_range_consistently() {
        let meta = LogMeta {
            task_id: "t-1".into(),
            job_name: "web".into(),
            web: true,
            behavior: Behavior::Healthy,
            ended: None,
            now: 1_000_000,
            port: 31000,
        };
        let p = Proc {
            name: "server".into(),
            cmdline: String::new(),
            main: true,
            start: 0,
            stop: None,
            state: "RUNNING",
            return_code: None,
        };
        let log = log_file(&p, &meta, "stdout");
        let whole = log.read(0, log.size());
        assert_eq!(whole.len() as u64, log.size());
        assert!(whole.ends_with(b"\n"));
        for (o, l) in [(0, 7), (37, 250), (log.size() - 10, 100), (5_000, 1)] {
            let end = (o + l).min(log.size());
            assert_eq!(log.read(o, l), whole[o as usize..end as usize], "{o}+{l}");
        }
        let text = String::from_utf8(whole).unwrap();
        let lens: std::collections::BTreeSet<usize> = text.lines().skip(1).map(str::len).collect();
        assert_eq!(lens.len(), 1, "{lens:?}");
    }
}
