//! A hostile scheduler: a small server of our own on 127.0.0.1 that crafts each reply to hurt
//! (a gzip bomb, a million empty structs, an instance range of two billion ids, a reply over
//! the size limit, zeros or HTML, a reply to another call, redirect loops, proxy statuses after
//! a change) and a TLS front that forwards a kill and then drops the connection without
//! close_notify. `eos get` runs as a child process under an address-space cap (RLIMIT_AS), so a
//! regression fails the test instead of exhausting the machine, and its peak RSS is checked.
//! The console's reducer path runs the same way: this test binary re-runs itself capped.

use crate::sim_common;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::Frame;
use hyper::{Request, Response};

use eos::app::ops::Operation;
use eos::app::{Action, MutationOutcome, Nav, State, update};
use eos::aurora::client::{AuroraClient, ClientConfig};
use eos::aurora::model::*;
use eos::aurora::wire::message::TApplicationException;
use eos::aurora::wire::{MessageType, Protocol};
use eos::keymap::Keymap;

/// The address space a child `eos` may use: a tokio + mimalloc process reserves far more
/// address space than it touches, so this is well above the RSS bound, yet far below what
/// the old code needed for these replies (2 to 6 GB).
const ADDRESS_SPACE_CAP: u64 = 1536 << 20;
/// Peak resident memory allowed for a child handling a hostile reply (about 6× idle Eos).
const MAX_RSS_KB: i64 = 150 * 1024;

// ---- the hostile server ----

type Body = BoxBody<Bytes, Infallible>;

/// One request as the server saw it: the Thrift call's method and sequence id (empty and 0 when
/// the body is not a TBinary call).
struct Call {
    method: String,
    seq: i32,
}

type Handler = Arc<dyn Fn(&Call) -> Response<Body> + Send + Sync>;

/// A one-purpose HTTP server on 127.0.0.1 that counts the calls it gets; stops when dropped.
struct Hostile {
    addr: SocketAddr,
    calls: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Hostile {
    async fn start(handler: Handler) -> Hostile {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let calls: Arc<Mutex<Vec<String>>> = Arc::default();
        let seen = calls.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (handler, seen) = (handler.clone(), seen.clone());
                tokio::spawn(async move {
                    let svc =
                        hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                            let (handler, seen) = (handler.clone(), seen.clone());
                            async move {
                                let body: Bytes = req.into_body().collect().await?.to_bytes();
                                let call = match Protocol::Binary.decode_header(&body) {
                                    Ok(h) => Call {
                                        method: h.name,
                                        seq: h.seq,
                                    },
                                    Err(_) => Call {
                                        method: String::new(),
                                        seq: 0,
                                    },
                                };
                                seen.lock().unwrap().push(call.method.clone());
                                Ok::<_, hyper::Error>(handler(&call))
                            }
                        });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        Hostile { addr, calls, task }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn count(&self, method: &str) -> usize {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .filter(|m| *m == method)
            .count()
    }
}

fn full(b: impl Into<Bytes>) -> Body {
    Full::new(b.into()).boxed()
}

fn thrift(body: impl Into<Bytes>) -> Response<Body> {
    Response::builder()
        .header("Content-Type", Protocol::BINARY_CONTENT_TYPE)
        .body(full(body))
        .unwrap()
}

fn status(code: u16) -> Response<Body> {
    Response::builder()
        .status(code)
        .body(full("upstream said no"))
        .unwrap()
}

/// A TBinary reply to `call` carrying `result`.
fn reply(call: &Call, result: ApiResult) -> Vec<u8> {
    Protocol::Binary.encode(
        &call.method,
        MessageType::Reply,
        call.seq,
        &ResponseResult {
            success: Some(eos::aurora::model::Response {
                response_code: Some(ResponseCode::OK),
                result: Some(result),
                ..Default::default()
            }),
        },
    )
}

fn roles(n: usize) -> ApiResult {
    ApiResult::RoleSummaryResult(RoleSummaryResult {
        summaries: Some(
            (0..n)
                .map(|i| RoleSummary {
                    role: Some(format!("role-{i:0>90}")),
                    job_count: Some(1),
                    cron_job_count: Some(0),
                })
                .collect(),
        ),
    })
}

/// A gzip member that inflates to `gib` GiB of zeros, built without compressing them all:
/// one MiB of zeros deflated and fully flushed is self-contained and byte-aligned, so it can
/// be repeated; an empty final block ends the stream (about 1 KB per MiB).
fn gzip_bomb(gib: u64) -> Vec<u8> {
    use flate2::{Compress, Compression, Crc, FlushCompress};
    let mib = vec![0u8; 1 << 20];
    let mut c = Compress::new(Compression::best(), false);
    let mut segment = Vec::with_capacity(64 << 10);
    c.compress_vec(&mib, &mut segment, FlushCompress::Full)
        .unwrap();
    assert_eq!(c.total_in(), 1 << 20, "the MiB fits in one call");
    let copies = gib * 1024;
    let mut crc_mib = Crc::new();
    crc_mib.update(&mib);
    let mut crc = Crc::new();
    for _ in 0..copies {
        crc.combine(&crc_mib);
    }
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    for _ in 0..copies {
        out.extend_from_slice(&segment);
    }
    out.extend_from_slice(&[0x03, 0x00]); // a final, empty, fixed-Huffman block
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&((copies << 20) as u32).to_le_bytes());
    out
}

/// An update whose desired state is the one range 0–2147483647.
fn huge_range_update(call: &Call) -> Vec<u8> {
    let key = JobUpdateKey {
        job: Some(JobKey::parse("www-data/prod/web").unwrap()),
        id: Some("u1".into()),
    };
    let details = JobUpdateDetails {
        update: Some(JobUpdate {
            summary: Some(JobUpdateSummary {
                key: Some(key),
                user: Some("mallory".into()),
                state: Some(JobUpdateState {
                    status: Some(JobUpdateStatus::ROLLING_FORWARD),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            instructions: Some(JobUpdateInstructions {
                desired_state: Some(InstanceTaskConfig {
                    task: Some(TaskConfig::default()),
                    instances: Some(vec![Range::new(0, i32::MAX)]),
                }),
                ..Default::default()
            }),
        }),
        ..Default::default()
    };
    reply(
        call,
        ApiResult::GetJobUpdateDetailsResult(GetJobUpdateDetailsResult {
            details: None,
            details_list: Some(vec![details]),
        }),
    )
}

/// A million job summaries of one byte each (an empty struct) on the wire, written around
/// an encoded empty set (building a million `JobSummary` values here would cost what the test
/// is about).
fn empty_job_summaries(call: &Call) -> Vec<u8> {
    const N: usize = 1 << 20;
    let empty = reply(
        call,
        ApiResult::JobSummaryResult(JobSummaryResult {
            summaries: Some(Vec::new()),
        }),
    );
    // Field 1, a set of structs (type 14 of type 12) with a count of 0.
    let header = [14, 0, 1, 12, 0, 0, 0, 0];
    let at = empty
        .windows(header.len())
        .position(|w| w == header)
        .expect("the empty set is encoded");
    let mut out = empty[..at + 4].to_vec();
    out.extend_from_slice(&(N as i32).to_be_bytes());
    out.resize(out.len() + N, 0);
    out.extend_from_slice(&empty[at + header.len()..]);
    out
}

static ZEROS: [u8; 1 << 20] = [0; 1 << 20];

/// `mib` MiB of zero bytes, streamed (the server never holds them).
fn zeros_streamed(mib: usize) -> Response<Body> {
    let frames = futures_util::stream::iter(
        (0..mib).map(|_| Ok::<_, Infallible>(Frame::data(Bytes::from_static(&ZEROS)))),
    );
    Response::builder()
        .header("Content-Type", Protocol::BINARY_CONTENT_TYPE)
        .body(StreamBody::new(frames).boxed())
        .unwrap()
}

// ---- `eos` as a capped child process ----

struct Run {
    /// The exit status, or 128 + the signal that ended it.
    code: i32,
    stdout: String,
    stderr: String,
    /// Peak resident set (kB), from wait4's rusage.
    peak_rss_kb: i64,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {} · peak {} kB\n--- stdout\n{}\n--- stderr\n{}",
            self.code,
            self.peak_rss_kb,
            self.stdout.chars().take(2000).collect::<String>(),
            self.stderr.chars().take(2000).collect::<String>()
        )
    }
}

/// Runs `program ARGS` with `env`, its address space capped, and reaps it with wait4 to
/// learn its peak RSS.
fn run_capped(program: &Path, args: &[String], env: &[(&str, String)]) -> Run {
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("stdout");
    let err = dir.path().join("stderr");
    let mut cmd = std::process::Command::new(program);
    cmd.args(args)
        .env("HOME", dir.path())
        .env("AURORA_CONFIG_ROOT", dir.path().join("etc"))
        .env("XDG_CONFIG_HOME", dir.path().join("xdg"))
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .env_remove("EOS_SCHEDULER")
        .env_remove("NETRC")
        .env("RUST_BACKTRACE", "0")
        .stdin(std::process::Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap());
    for (k, v) in env {
        cmd.env(k, v);
    }
    // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            let cap = libc::rlimit {
                rlim_cur: ADDRESS_SPACE_CAP,
                rlim_max: ADDRESS_SPACE_CAP,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &cap) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    // Reaped below by wait4 (for its rusage), not by std's wait.
    #[allow(clippy::zombie_processes)]
    let child = cmd.spawn().unwrap();
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our child, not yet reaped (std's Child is never waited on).
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4: {}", std::io::Error::last_os_error());
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        128 + libc::WTERMSIG(status)
    };
    Run {
        code,
        stdout: std::fs::read_to_string(&out).unwrap_or_default(),
        stderr: std::fs::read_to_string(&err).unwrap_or_default(),
        peak_rss_kb: usage.ru_maxrss,
    }
}

/// `eos --scheduler URL ARGS`, capped.
async fn eos(url: &str, args: &[&str]) -> Run {
    let mut all = vec!["--scheduler".to_owned(), url.to_owned()];
    all.extend(args.iter().map(|s| s.to_string()));
    tokio::task::spawn_blocking(move || run_capped(Path::new(env!("CARGO_BIN_EXE_eos")), &all, &[]))
        .await
        .unwrap()
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

fn assert_bounded(run: &Run) {
    // Printed for the record (`-- --nocapture`); the bound below is the test.
    println!(
        "peak RSS {} kB: {}",
        run.peak_rss_kb,
        first_line(&run.stderr)
    );
    assert!(
        run.peak_rss_kb <= MAX_RSS_KB,
        "peak RSS {} kB is over {MAX_RSS_KB} kB: {run:?}",
        run.peak_rss_kb
    );
}

// ---- `eos get` against hostile replies ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gzip_bomb_is_refused_with_bounded_memory() {
    let bomb = Bytes::from(gzip_bomb(1));
    assert!(bomb.len() < 2 << 20, "the bomb is {} bytes", bomb.len());
    let server = Hostile::start(Arc::new(move |_| {
        Response::builder()
            .header("Content-Type", Protocol::BINARY_CONTENT_TYPE)
            .header("Content-Encoding", "gzip")
            .body(full(bomb.clone()))
            .unwrap()
    }))
    .await;
    let run = eos(&server.url(), &["get", "roles"]).await;
    assert_eq!(run.code, 20, "{run:?}");
    assert!(
        run.stderr.contains(
            "getRoleSummary: the reply is not a TBinary Thrift message: it begins with 32 zero bytes"
        ),
        "{run:?}"
    );
    assert_bounded(&run);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gzip_bomb_that_begins_like_a_reply_stops_at_the_reply_limit() {
    // A valid reply header, then a gzip stream of zeros: only the size limit can stop it.
    let server = Hostile::start(Arc::new(move |call| {
        let mut plain = reply(call, roles(1));
        plain.truncate(plain.len() - 3);
        let head = {
            use std::io::Write;
            let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            z.write_all(&plain).unwrap();
            z.write_all(&vec![0u8; 64 << 20]).unwrap();
            z.finish().unwrap()
        };
        Response::builder()
            .header("Content-Type", Protocol::BINARY_CONTENT_TYPE)
            .header("Content-Encoding", "gzip")
            .body(full(head))
            .unwrap()
    }))
    .await;
    let run = eos(&server.url(), &["--max-reply-mb", "16", "get", "roles"]).await;
    assert_eq!(run.code, 20, "{run:?}");
    assert!(
        run.stderr.contains(
            "the reply is over the reply-size limit of 16 MB (counted after decompression"
        ),
        "{run:?}"
    );
    assert!(run.stderr.contains("--max-reply-mb N raises it"), "{run:?}");
    assert_bounded(&run);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_million_empty_structs_hit_the_decode_budget() {
    let server = Hostile::start(Arc::new(|call| thrift(empty_job_summaries(call)))).await;
    let run = eos(&server.url(), &["get", "jobs"]).await;
    assert_eq!(run.code, 20, "{run:?}");
    assert!(
        run.stderr
            .contains("getJobSummary: could not decode the Binary reply")
            && run
                .stderr
                .contains("decode budget exceeded: a container needs"),
        "{run:?}"
    );
    assert_bounded(&run);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_range_of_two_billion_instances_is_shown_as_a_range() {
    let server = Hostile::start(Arc::new(|call| thrift(huge_range_update(call)))).await;
    let run = eos(&server.url(), &["get", "update", "www-data/prod/web/u1"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("0/2147483648 instances updated"),
        "{run:?}"
    );
    assert!(run.stdout.contains("0-2147483647"), "{run:?}");
    assert_bounded(&run);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_reply_over_max_reply_mb_is_refused() {
    // About 3 MB of real role summaries.
    let server = Hostile::start(Arc::new(|call| thrift(reply(call, roles(30_000))))).await;
    let run = eos(&server.url(), &["--max-reply-mb", "1", "get", "roles"]).await;
    assert_eq!(run.code, 20, "{run:?}");
    assert!(
        run.stderr.contains(
            "getRoleSummary: the reply is over the reply-size limit of 1 MB (counted after \
             decompression; stopped after"
        ),
        "{run:?}"
    );
    assert!(run.stderr.contains("--max-reply-mb N raises it"), "{run:?}");
    assert_bounded(&run);
    // The same reply under the default limit is read.
    let run = eos(&server.url(), &["get", "roles"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("role-"), "{run:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zeros_and_html_are_refused_from_their_first_bytes() {
    // 512 MiB of zeros, streamed: refused after the first bytes, never buffered.
    let zeros = Hostile::start(Arc::new(|_| zeros_streamed(512))).await;
    let run = eos(&zeros.url(), &["get", "roles"]).await;
    assert_eq!(run.code, 20, "{run:?}");
    assert!(
        run.stderr
            .contains("getRoleSummary: the reply is not a TBinary Thrift message: it begins with")
            && run.stderr.contains("zero bytes"),
        "{run:?}"
    );
    assert_bounded(&run);

    let html = Hostile::start(Arc::new(|_| {
        Response::builder()
            .header("Content-Type", "text/html")
            .body(full(format!(
                "<html><body>Welcome to the proxy{}</body></html>",
                " ".repeat(200 << 20)
            )))
            .unwrap()
    }))
    .await;
    let run = eos(&html.url(), &["get", "roles"]).await;
    assert_eq!(run.code, 20, "{run:?}");
    assert!(
        run.stderr.contains(
            "the reply is not a TBinary Thrift message: it begins with HTML \"<html><body>Welcome"
        ),
        "{run:?}"
    );
    assert_bounded(&run);
}

static SPACES: [u8; 1 << 20] = [b' '; 1 << 20];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_page_is_read_no_further_than_64_kib() {
    // A 500 whose page goes on for 512 MiB: only its first line is shown, its start is read.
    let server = Hostile::start(Arc::new(|_| {
        let head = Bytes::from_static(b"<html><body>Internal Server Error</body></html>\n");
        let frames = futures_util::stream::iter(
            std::iter::once(head)
                .chain((0..512).map(|_| Bytes::from_static(&SPACES)))
                .map(|b| Ok::<_, Infallible>(Frame::data(b))),
        );
        Response::builder()
            .status(500)
            .header("Content-Type", "text/html")
            .body(StreamBody::new(frames).boxed())
            .unwrap()
    }))
    .await;
    let run = eos(&server.url(), &["get", "roles"]).await;
    assert_eq!(run.code, 10, "{run:?}");
    assert!(
        run.stderr
            .contains("scheduler internal error (500) at http://")
            && run.stderr.contains("/api: Internal Server Error"),
        "{run:?}"
    );
    assert_bounded(&run);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_to_another_call_is_an_error() {
    let roles_reply = |call: &Call| reply(call, roles(1));
    type Twist = fn(&Call) -> Call;
    let cases: [(Twist, &str, MessageType); 3] = [
        (
            |c| Call {
                method: "killTasks".into(),
                seq: c.seq,
            },
            "got a reply to \"killTasks\"",
            MessageType::Reply,
        ),
        (
            |c| Call {
                method: c.method.clone(),
                seq: c.seq + 1000,
            },
            "got sequence id 1000",
            MessageType::Reply,
        ),
        (
            |c| Call {
                method: c.method.clone(),
                seq: c.seq,
            },
            "got a message of type Call",
            MessageType::Call,
        ),
    ];
    for (twist, expected, kind) in cases {
        let server = Hostile::start(Arc::new(move |call| {
            let c = twist(call);
            let mut body = roles_reply(&c);
            if kind != MessageType::Reply {
                // The strict header's last byte is the message type.
                body[3] = kind as u8;
            }
            thrift(body)
        }))
        .await;
        let run = eos(&server.url(), &["get", "roles"]).await;
        assert_eq!(run.code, 20, "{expected}: {run:?}");
        assert!(
            run.stderr
                .contains("expected a reply to getRoleSummary (sequence id 0), ")
                && run.stderr.contains(expected),
            "{expected}: {run:?}"
        );
    }
}

#[test]
fn binary_decode_errors_are_labelled_tbinary() {
    let e = Protocol::Binary
        .decode_header(&[0x80, 0x01, 0x00, 0x09, 0, 0, 0, 0, 0, 0, 0, 0])
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("TBinary: unknown message type 9"), "{e}");
}

// ---- changes: redirects and answers after sending ----

fn kill_one() -> Operation {
    Operation::Kill {
        job: JobKey::parse("www-data/prod/web").unwrap(),
        instances: vec![0],
        message: None,
    }
}

fn audit_codes(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["response_code"].as_str().unwrap().to_owned()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_loop_sends_a_change_once_and_says_so() {
    let server = Hostile::start(Arc::new(|_| {
        Response::builder()
            .status(307)
            .header("Location", "/api")
            .body(full(""))
            .unwrap()
    }))
    .await;
    let c = AuroraClient::new(ClientConfig::new(server.url())).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.log");
    let outcome = eos::effects::mutate(&c, &kill_one(), Some(&audit), "test").await;
    assert_eq!(
        server.count("killTasks"),
        1,
        "the kill arrived more than once"
    );
    match &outcome {
        MutationOutcome::Failed { error } => {
            assert!(error.starts_with("redirect loop: "), "{error}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(audit_codes(&audit), ["NOT_EXECUTED"]);
    // A read never goes back to a URL it tried either.
    assert!(c.get_role_summary().await.is_err());
    assert_eq!(server.count("getRoleSummary"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_follows_one_redirect_at_most() {
    // Two schedulers that each name the other (and a third) as the leader: A → B → C.
    let c_server = Hostile::start(Arc::new(|_| status(500))).await;
    let c_url = format!("{}/api", c_server.url());
    let b_server = Hostile::start(Arc::new(move |_| {
        Response::builder()
            .status(307)
            .header("Location", c_url.clone())
            .body(full(""))
            .unwrap()
    }))
    .await;
    let b_url = format!("{}/api", b_server.url());
    let a_server = Hostile::start(Arc::new(move |_| {
        Response::builder()
            .status(307)
            .header("Location", b_url.clone())
            .body(full(""))
            .unwrap()
    }))
    .await;
    let c = AuroraClient::new(ClientConfig::new(a_server.url())).unwrap();
    let outcome = eos::effects::mutate(&c, &kill_one(), None, "test").await;
    let sent = [&a_server, &b_server, &c_server].map(|s| s.count("killTasks"));
    assert_eq!(sent, [1, 1, 0], "{outcome:?}");
    match &outcome {
        MutationOutcome::Failed { error } => {
            assert!(error.starts_with("redirect loop: "), "{error}")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_after_a_change_was_sent_are_outcome_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.log");
    for code in [503u16, 520, 429, 408] {
        let server = Hostile::start(Arc::new(move |_| status(code))).await;
        let c = AuroraClient::new(ClientConfig::new(server.url())).unwrap();
        let outcome = eos::effects::mutate(&c, &kill_one(), Some(&audit), "test").await;
        match &outcome {
            MutationOutcome::Unknown { error } => assert!(
                error.starts_with(&format!(
                    "a {code} came back; the scheduler may have acted: "
                )),
                "{error}"
            ),
            other => panic!("{code}: {other:?}"),
        }
        assert_eq!(server.count("killTasks"), 1);
    }
    let server = Hostile::start(Arc::new(|call| {
        thrift(Protocol::Binary.encode(
            &call.method,
            MessageType::Exception,
            call.seq,
            &TApplicationException::new(
                TApplicationException::INTERNAL_ERROR,
                "Internal error processing killTasks",
            ),
        ))
    }))
    .await;
    let c = AuroraClient::new(ClientConfig::new(server.url())).unwrap();
    let outcome = eos::effects::mutate(&c, &kill_one(), Some(&audit), "test").await;
    match &outcome {
        MutationOutcome::Unknown { error } => assert!(
            error.contains("may have acted") && error.contains("INTERNAL_ERROR"),
            "{error}"
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(audit_codes(&audit), ["OUTCOME_UNKNOWN"; 5]);

    // Certain "not executed": Aurora's auth filter (403) and a refused connection.
    let server = Hostile::start(Arc::new(|_| status(403))).await;
    let c = AuroraClient::new(ClientConfig::new(server.url())).unwrap();
    let outcome = eos::effects::mutate(&c, &kill_one(), None, "test").await;
    assert!(
        matches!(outcome, MutationOutcome::Failed { .. }),
        "{outcome:?}"
    );
    let gone = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let c = AuroraClient::new(ClientConfig::new(format!("http://{gone}"))).unwrap();
    let outcome = eos::effects::mutate(&c, &kill_one(), None, "test").await;
    assert!(
        matches!(outcome, MutationOutcome::Failed { .. }),
        "{outcome:?}"
    );
}

// ---- the console's reducer path, capped ----

/// Runs the reducer against `server` the way the console does, from `nav`: its effects are
/// carried out by the console's effect runner (`sim_common::driver::Runner`) and fed back
/// until nothing is left to do. Returns the state and the screen as text.
async fn console_at(url: &str, nav: Nav) -> (State, String) {
    let client = AuroraClient::new(ClientConfig::new(url)).unwrap();
    let mut runner = sim_common::driver::Runner::new(Arc::new(client), Arc::new(|| 0), None);
    let mut s = State::new(url, Keymap::builtin(), Nav::Roles, 0);
    let mut fx = update(&mut s, Action::Resize(120, 40));
    fx.extend(update(&mut s, Action::Open(nav)));
    for _ in 0..20 {
        let mut next = Vec::new();
        for e in fx {
            for mut action in runner.run(e).await {
                if let Action::Fetched(f) = &mut action {
                    f.latency_ms = 1;
                }
                next.extend(update(&mut s, action));
            }
        }
        if next.is_empty() {
            break;
        }
        fx = next;
    }
    let screen = draw(&s);
    (s, screen)
}

fn draw(state: &State) -> String {
    crate::reducer_common::screen_rows(state, 120, 40)
        .into_iter()
        .map(|row| row + "\n")
        .collect()
}

/// Set in the capped copy of this test binary that `the_console_shows_hostile_replies_…` runs.
const CHILD: &str = "EOS_HOSTILE_CONSOLE_CHILD";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_shows_hostile_replies_as_errors_within_bounded_memory() {
    if std::env::var_os(CHILD).is_none() {
        // Re-run this very test in a capped child, so a regression cannot eat the machine.
        let exe = std::env::current_exe().unwrap();
        // Its name in the test binary: `<module>::<function>`.
        let args: Vec<String> = [
            "hostile::the_console_shows_hostile_replies_as_errors_within_bounded_memory",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ]
        .map(String::from)
        .to_vec();
        let run = tokio::task::spawn_blocking(move || {
            run_capped(&exe, &args, &[(CHILD, "1".to_owned())])
        })
        .await
        .unwrap();
        assert_eq!(run.code, 0, "{run:?}");
        assert!(run.stdout.contains("hostile console: all shown"), "{run:?}");
        assert_bounded(&run);
        return;
    }
    let bomb = Bytes::from(gzip_bomb(1));
    let server = Hostile::start(Arc::new(move |call| match call.method.as_str() {
        "getJobUpdateDetails" => thrift(huge_range_update(call)),
        "getJobSummary" => thrift(empty_job_summaries(call)),
        _ => Response::builder()
            .header("Content-Type", Protocol::BINARY_CONTENT_TYPE)
            .header("Content-Encoding", "gzip")
            .body(full(bomb.clone()))
            .unwrap(),
    }))
    .await;
    let url = server.url();

    let (_, screen) = console_at(&url, Nav::Update("www-data/prod/web/u1".into())).await;
    assert!(screen.contains("0/2147483648 updated"), "{screen}");
    assert!(screen.contains("0-2147483647"), "{screen}");

    let (_, screen) = console_at(&url, Nav::Jobs(None)).await;
    assert!(screen.contains("decode budget"), "{screen}");

    let (_, screen) = console_at(&url, Nav::Roles).await;
    assert!(screen.contains("zero bytes"), "{screen}");
    println!("hostile console: all shown");
}

// ---- a TLS front that forwards a kill, then drops the connection ----

mod tls {
    use std::net::SocketAddr;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};
    use tokio_rustls::TlsAcceptor;
    use tokio_rustls::rustls::{
        self,
        pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer},
    };

    /// A throwaway CA's PEM and a server config for 127.0.0.1 signed by it.
    pub fn server_config() -> (String, rustls::ServerConfig) {
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "Eos hostile test CA");
        let issuer = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
        let mut leaf = CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
        leaf.distinguished_name
            .push(DnType::CommonName, "127.0.0.1");
        let key = KeyPair::generate().unwrap();
        let cert = leaf.signed_by(&key, &issuer).unwrap();
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .unwrap();
        (issuer.pem(), config)
    }

    /// Reads one HTTP request (head and Content-Length body) from `s`.
    async fn read_request(s: &mut (impl AsyncReadExt + Unpin)) -> Option<Vec<u8>> {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 8192];
        loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .map(|v| v.trim().parse().unwrap())
                    .unwrap_or(0);
                if buf.len() >= end + 4 + len {
                    return Some(buf);
                }
            }
            let n = s.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// An https front on 127.0.0.1 that forwards each request to `backend` and waits for its
    /// answer, then closes TCP without a TLS close_notify and without answering: what a
    /// crashing scheduler or a load balancer's cut looks like. Counts the forwarded requests.
    pub async fn forward_then_drop(
        config: rustls::ServerConfig,
        backend: SocketAddr,
    ) -> (SocketAddr, Arc<AtomicUsize>, tokio::task::JoinHandle<()>) {
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let forwarded = Arc::new(AtomicUsize::new(0));
        let count = forwarded.clone();
        let task = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, count) = (acceptor.clone(), count.clone());
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let Some(request) = read_request(&mut tls).await else {
                        return;
                    };
                    let mut plain = TcpStream::connect(backend).await.unwrap();
                    plain.write_all(&request).await.unwrap();
                    count.fetch_add(1, Ordering::SeqCst);
                    // The backend's answer (it has acted), never passed on.
                    let mut answer = [0u8; 4096];
                    let _ = plain.read(&mut answer).await;
                    // Dropping the stream closes TCP with a FIN and no close_notify.
                    drop(tls);
                });
            }
        });
        (addr, forwarded, task)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_cut_off_by_tls_after_it_was_forwarded_is_outcome_unknown() {
    use sim_common::driver::Driver;
    let job = "www-data/prod/image-resizer";
    let w = Driver::start(sim_common::frozen()).await;
    let before = sim_common::active_tasks(&w.client, &sim_common::key(job)).await;
    let zero = before
        .iter()
        .find(|t| t.instance_id() == 0)
        .unwrap()
        .task_id()
        .to_owned();
    let backend: SocketAddr = w
        .server
        .url()
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    let (ca_pem, config) = tls::server_config();
    let (front, forwarded, _task) = tls::forward_then_drop(config, backend).await;
    let mut cfg = ClientConfig::new(format!("https://{front}"));
    cfg.extra_roots = vec![reqwest::Certificate::from_pem(ca_pem.as_bytes()).unwrap()];
    let client = AuroraClient::new(cfg).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.log");
    let op = Operation::Kill {
        job: sim_common::key(job),
        instances: vec![0],
        message: None,
    };
    let outcome = eos::effects::mutate(&client, &op, Some(&audit), "test").await;
    match &outcome {
        MutationOutcome::Unknown { .. } => {}
        other => panic!("expected outcome unknown, got {other:?}"),
    }
    assert_eq!(audit_codes(&audit), ["OUTCOME_UNKNOWN"]);
    assert_eq!(
        forwarded.load(Ordering::SeqCst),
        1,
        "one killTasks forwarded"
    );
    // The scheduler did act: instance 0's task is no longer the one that ran.
    let status_of_zero = sim_common::all_tasks(&w.client, &sim_common::key(job))
        .await
        .into_iter()
        .find(|t| t.task_id() == zero)
        .map(|t| t.status());
    assert_ne!(
        status_of_zero,
        Some(ScheduleStatus::RUNNING),
        "the kill did not reach the scheduler"
    );

    // The console says so in its own words.
    let mut s = State::new("https://front", Keymap::builtin(), Nav::Roles, 0);
    update(
        &mut s,
        Action::Mutated(Box::new(eos::app::Mutated { id: 1, op, outcome })),
    );
    let text = s
        .message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default();
    assert!(
        text.starts_with("killTasks: outcome unknown (") && text.contains("not re-sent"),
        "{text}"
    );
}
