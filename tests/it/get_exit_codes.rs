//! `eos get` fails the way the aurora CLI does, so a script can tell the classes apart:
//! 2 usage, 6 not found, 7 network, 9 time-out, 10 API error, 30 auth. Each class is produced
//! for real: the simulator, a dead port, or a small HTTP server of the test's own.

use crate::cli_common::run;
use crate::sim_common;

use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use sim_common::*;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn code_and_stderr(out: &Output) -> (Option<i32>, String) {
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_targets_exit_6_and_say_what_was_not_found() {
    let (server, _sim) = start(frozen()).await;
    let url = server.url();
    let cases: [(&[&str], &str); 6] = [
        (&["get", "tasks", "nope/x/y"], "no job nope/x/y on "),
        (
            &["get", "config", "search/prod/nope"],
            "no job search/prod/nope on ",
        ),
        (&["get", "jobs", "nope"], "no role nope on "),
        (&["get", "pending", "nope"], "no role nope on "),
        (
            &["get", "task", "no-such-task-id"],
            "no task no-such-task-id on ",
        ),
        (
            &["get", "update", "search/prod/indexer/no-such-id"],
            "no update search/prod/indexer/no-such-id on ",
        ),
    ];
    for (cmd, said) in cases {
        let mut a = args(cmd);
        a.extend(args(&["--scheduler", &url]));
        let out = run(a).await;
        let (code, err) = code_and_stderr(&out);
        assert_eq!(code, Some(6), "{cmd:?}: {err}");
        assert!(err.contains(said), "{cmd:?}: {err}");
        assert!(out.stdout.is_empty(), "{cmd:?}: no table printed");
    }
    // A known job still succeeds.
    let out = run(args(&[
        "get",
        "tasks",
        "search/prod/indexer",
        "--scheduler",
        &url,
    ]))
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", code_and_stderr(&out).1);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_key_is_a_usage_error() {
    let (server, _sim) = start(frozen()).await;
    let out = run(args(&[
        "get",
        "tasks",
        "not-a-key",
        "--scheduler",
        &server.url(),
    ]))
    .await;
    let (code, err) = code_and_stderr(&out);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("expected ROLE/ENV/NAME"), "{err}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_port_is_a_network_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let out = run(args(&[
        "get",
        "roles",
        "--retries",
        "0",
        "--scheduler",
        &url,
    ]))
    .await;
    let (code, err) = code_and_stderr(&out);
    assert_eq!(code, Some(7), "{err}");
    assert!(err.contains("connection refused"), "{err}");
}

/// A small HTTP server answering every request with `reply` (or never, when `None`); counts
/// the requests it read.
pub struct Canned {
    pub url: String,
    pub requests: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Canned {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub async fn canned(reply: Option<&'static str>) -> Canned {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let counted = requests.clone();
    let task = tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let counted = counted.clone();
            tokio::spawn(async move {
                // Read the request head and its body (Content-Length), then answer.
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let Ok(n) = sock.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf).to_ascii_lowercase();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let len = text
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        if buf.len() >= end + 4 + len {
                            break;
                        }
                    }
                }
                counted.fetch_add(1, Ordering::SeqCst);
                match reply {
                    Some(r) => {
                        let _ = sock.write_all(r.as_bytes()).await;
                        let _ = sock.shutdown().await;
                    }
                    // Hold the connection open without a word, until the client gives up.
                    None => {
                        let _ = sock.read(&mut chunk).await;
                    }
                }
            });
        }
    });
    Canned {
        url,
        requests,
        task,
    }
}

pub const UNAUTHORIZED: &str = "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"aurora\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
pub const FORBIDDEN: &str =
    "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
pub const NO_LEADER: &str =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 9\r\nConnection: close\r\n\r\nno leader";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_logins_are_auth_errors() {
    for reply in [UNAUTHORIZED, FORBIDDEN] {
        let server = canned(Some(reply)).await;
        let out = run(args(&["get", "roles", "--scheduler", &server.url])).await;
        let (code, err) = code_and_stderr(&out);
        assert_eq!(code, Some(30), "{reply}: {err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduler_without_a_leader_is_an_api_error() {
    let server = canned(Some(NO_LEADER)).await;
    let out = run(args(&[
        "get",
        "roles",
        "--retries",
        "0",
        "--scheduler",
        &server.url,
    ]))
    .await;
    let (code, err) = code_and_stderr(&out);
    assert_eq!(code, Some(10), "{err}");
    assert!(err.contains("no leader"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_scheduler_is_a_time_out() {
    let server = canned(None).await;
    let out = run(args(&[
        "get",
        "roles",
        "--retries",
        "0",
        "--timeout",
        "0.3",
        "--scheduler",
        &server.url,
    ]))
    .await;
    let (code, err) = code_and_stderr(&out);
    assert_eq!(code, Some(9), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_are_retried_on_no_leader_and_say_so() {
    let server = canned(Some(NO_LEADER)).await;
    let out = run(args(&[
        "get",
        "roles",
        "--retries",
        "1",
        "--scheduler",
        &server.url,
    ]))
    .await;
    let (code, err) = code_and_stderr(&out);
    assert_eq!(code, Some(10), "{err}");
    assert!(
        err.contains("eos: getRoleSummary: no leader (503); retrying in 1 s (1 of 1)"),
        "{err}"
    );
    assert_eq!(server.requests.load(Ordering::SeqCst), 2, "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_connection_is_retried_by_default_twice() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let out = run(args(&["get", "roles", "--scheduler", &url])).await;
    let (code, err) = code_and_stderr(&out);
    assert_eq!(code, Some(7), "{err}");
    assert!(
        err.contains("getRoleSummary: connection refused; retrying in 1 s (1 of 2)"),
        "{err}"
    );
    assert!(err.contains("retrying in 2 s (2 of 2)"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_is_never_retried_even_with_read_retries_set() {
    let server = canned(Some(NO_LEADER)).await;
    let mut cfg = eos::aurora::client::ClientConfig::new(server.url.clone());
    cfg.read_retries = 2;
    let client = eos::aurora::client::AuroraClient::new(cfg).unwrap();
    let update = eos::aurora::model::JobUpdateKey::new(key("search/prod/indexer"), "u1");
    assert!(client.pause_job_update(&update, None).await.is_err());
    assert_eq!(
        server.requests.load(Ordering::SeqCst),
        1,
        "a change goes once"
    );
    // The same client retries a read.
    assert!(client.get_role_summary().await.is_err());
    assert_eq!(
        server.requests.load(Ordering::SeqCst),
        1 + 3,
        "a read goes 1 + 2 times"
    );
}
