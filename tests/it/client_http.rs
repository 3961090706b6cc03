//! The client against scripted HTTP servers on 127.0.0.1: redirects, auth challenges, error
//! statuses, timeouts, gzip, and non-OK response codes. Each test starts and stops its servers.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response, StatusCode};

use eos::aurora::client::{AuroraClient, ClientConfig, ClientError, TransportKind};
use eos::aurora::credentials::{CredentialSource, Credentials};
use eos::aurora::model::*;
use eos::aurora::wire::{MessageType, Protocol};

struct Seen {
    headers: hyper::HeaderMap,
    body: Bytes,
}

type Handler = Arc<dyn Fn(&Seen) -> Response<Full<Bytes>> + Send + Sync>;

/// A one-purpose HTTP server; records what it received; stops when dropped.
struct TestServer {
    addr: SocketAddr,
    hits: Arc<AtomicUsize>,
    last: Arc<Mutex<Option<(hyper::HeaderMap, Bytes)>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TestServer {
    async fn start(handler: Handler) -> Self {
        Self::start_with_delay(handler, Duration::ZERO).await
    }

    async fn start_with_delay(handler: Handler, delay: Duration) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let hits = Arc::new(AtomicUsize::new(0));
        let last = Arc::new(Mutex::new(None));
        let (h2, l2) = (hits.clone(), last.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (handler, hits, last) = (handler.clone(), h2.clone(), l2.clone());
                tokio::spawn(async move {
                    let svc =
                        hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                            let (handler, hits, last) =
                                (handler.clone(), hits.clone(), last.clone());
                            async move {
                                hits.fetch_add(1, Ordering::SeqCst);
                                let headers = req.headers().clone();
                                let body = req.into_body().collect().await.unwrap().to_bytes();
                                *last.lock().unwrap() = Some((headers.clone(), body.clone()));
                                tokio::time::sleep(delay).await;
                                Ok::<_, Infallible>(handler(&Seen { headers, body }))
                            }
                        });
                    let io = hyper_util::rt::TokioIo::new(stream);
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(io, svc)
                        .await;
                });
            }
        });
        Self {
            addr,
            hits,
            last,
            task,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

fn reply_with(p: Protocol, response: Response_) -> Bytes {
    reply_seq(p, 0, response)
}

/// A getRoleSummary reply to the call numbered `seq` (a client checks the number).
fn reply_seq(p: Protocol, seq: i32, response: Response_) -> Bytes {
    Bytes::from(p.encode(
        "getRoleSummary",
        MessageType::Reply,
        seq,
        &ResponseResult {
            success: Some(response),
        },
    ))
}

type Response_ = eos::aurora::model::Response;

fn roles_response(code: ResponseCode, details: &[&str]) -> Response_ {
    Response_ {
        response_code: Some(code),
        result: code.is_success().then(|| {
            ApiResult::RoleSummaryResult(RoleSummaryResult {
                summaries: Some(vec![RoleSummary {
                    role: Some("www-data".into()),
                    job_count: Some(1),
                    cron_job_count: Some(0),
                }]),
            })
        }),
        server_info: Some(ServerInfo {
            cluster_name: Some("test".into()),
            stats_url_prefix: None,
        }),
        details: Some(
            details
                .iter()
                .map(|m| ResponseDetail {
                    message: Some((*m).into()),
                })
                .collect(),
        ),
    }
}

fn thrift_ok(p: Protocol, body: Bytes) -> Response<Full<Bytes>> {
    Response::builder()
        .header("Content-Type", p.content_type())
        .body(Full::new(body))
        .unwrap()
}

fn client(url: &str) -> AuroraClient {
    AuroraClient::new(ClientConfig::new(url)).unwrap()
}

#[tokio::test]
async fn sends_exact_content_type_and_accept_for_each_protocol() {
    for p in [Protocol::Binary, Protocol::Json] {
        let server = TestServer::start(Arc::new(move |_| {
            thrift_ok(p, reply_with(p, roles_response(ResponseCode::OK, &[])))
        }))
        .await;
        let mut cfg = ClientConfig::new(server.url());
        cfg.protocol = p;
        let roles = AuroraClient::new(cfg)
            .unwrap()
            .get_role_summary()
            .await
            .unwrap();
        assert_eq!(roles.value[0].role.as_deref(), Some("www-data"));
        let (headers, body) = server.last.lock().unwrap().clone().unwrap();
        assert_eq!(headers["content-type"], p.content_type());
        assert_eq!(headers["accept"], p.content_type());
        assert!(
            headers["accept-encoding"]
                .to_str()
                .unwrap()
                .contains("gzip")
        );
        let (h, _) = p.decode::<NoArgs>(&body).unwrap();
        assert_eq!(h.name, "getRoleSummary");
    }
}

#[tokio::test]
async fn follows_a_leader_redirect_with_the_same_body_and_credentials_then_remembers_it() {
    let leader = TestServer::start(Arc::new(|seen: &Seen| {
        // The leader insists on credentials being re-sent across the redirect.
        if seen.headers.get("authorization").map(|v| v.as_bytes())
            != Some(b"Basic YWxpY2U6czNjcmV0".as_slice())
        {
            return Response::builder()
                .status(401)
                .body(Full::new(Bytes::new()))
                .unwrap();
        }
        let seq = Protocol::Binary.decode_header(&seen.body).unwrap().seq;
        thrift_ok(
            Protocol::Binary,
            reply_seq(Protocol::Binary, seq, roles_response(ResponseCode::OK, &[])),
        )
    }))
    .await;
    let location = format!("{}/api", leader.url());
    let follower = TestServer::start(Arc::new(move |_| {
        Response::builder()
            .status(StatusCode::TEMPORARY_REDIRECT)
            .header("Location", location.clone())
            .body(Full::new(Bytes::new()))
            .unwrap()
    }))
    .await;
    let mut cfg = ClientConfig::new(follower.url());
    cfg.credentials = Some(Credentials::new("alice", "s3cret", CredentialSource::Given));
    let c = AuroraClient::new(cfg).unwrap();
    c.get_role_summary().await.unwrap();
    let sent_to_follower = follower.last.lock().unwrap().clone().unwrap().1;
    let sent_to_leader = leader.last.lock().unwrap().clone().unwrap().1;
    assert_eq!(
        sent_to_follower, sent_to_leader,
        "the redirected body differs"
    );
    assert_eq!(c.current_base(), leader.url());
    c.get_role_summary().await.unwrap();
    assert_eq!(
        follower.hits.load(Ordering::SeqCst),
        1,
        "the leader was not remembered"
    );
    assert_eq!(leader.hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn redirect_loops_stop_before_going_back_to_a_url_already_tried() {
    let server = TestServer::start(Arc::new(|_| {
        Response::builder()
            .status(307)
            .header("Location", "/api")
            .body(Full::new(Bytes::new()))
            .unwrap()
    }))
    .await;
    let err = client(&server.url()).get_role_summary().await.unwrap_err();
    assert!(matches!(err, ClientError::RedirectLoop { .. }), "{err}");
    assert!(err.to_string().starts_with("redirect loop: "), "{err}");
    assert_eq!(server.hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn http_errors_name_their_cause() {
    let cases: Vec<(u16, Option<&str>, &str, &str)> = vec![
        (
            401,
            Some("Basic realm=\"Apache Aurora Scheduler\""),
            "",
            "authentication required (realm \"Apache Aurora Scheduler\")",
        ),
        (
            415,
            None,
            "Unsupported Content-Type: text/plain",
            "refused the Content-Type (415)",
        ),
        (
            503,
            None,
            "<html><body><h2>No leader found</h2></body></html>",
            "no leader or is unavailable (503)",
        ),
        (
            500,
            None,
            "<html><title>Error 500 Server Error</title></html>",
            "internal error (500)",
        ),
    ];
    for (status, challenge, body, expect) in cases {
        let server = TestServer::start(Arc::new(move |_| {
            let mut b = Response::builder().status(status);
            if let Some(c) = challenge {
                b = b.header("WWW-Authenticate", c);
            }
            b.body(Full::new(Bytes::from_static(body.as_bytes())))
                .unwrap()
        }))
        .await;
        let err = client(&server.url()).get_role_summary().await.unwrap_err();
        let text = err.to_string();
        assert!(text.contains(expect), "{status}: {text}");
        assert!(matches!(err, ClientError::Http { status: s, .. } if s == status));
        assert_eq!(err.is_auth(), status == 401);
        assert_eq!(err.is_transient(), status >= 500);
        let tail = match status {
            415 => "/api: Unsupported Content-Type: text/plain",
            503 => "/api: No leader found",
            500 => "/api: Error 500 Server Error",
            _ => "/api",
        };
        assert!(text.ends_with(tail), "{text}");
    }
}

#[tokio::test]
async fn timeouts_and_refused_connections_are_transport_errors() {
    let slow = TestServer::start_with_delay(
        Arc::new(|_| thrift_ok(Protocol::Binary, Bytes::new())),
        Duration::from_secs(5),
    )
    .await;
    let mut cfg = ClientConfig::new(slow.url());
    cfg.request_timeout = Duration::from_millis(200);
    let err = AuroraClient::new(cfg)
        .unwrap()
        .get_role_summary()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::Transport {
                kind: TransportKind::Timeout,
                ..
            }
        ),
        "{err}"
    );

    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let err = client(&format!("http://127.0.0.1:{port}"))
        .get_role_summary()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::Transport {
                kind: TransportKind::Refused,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains(&format!("127.0.0.1:{port}/api")));
}

#[tokio::test]
async fn gzip_replies_are_decompressed() {
    use std::io::Write;
    let server = TestServer::start(Arc::new(|seen: &Seen| {
        assert!(
            seen.headers["accept-encoding"]
                .to_str()
                .unwrap()
                .contains("gzip")
        );
        let raw = reply_with(Protocol::Binary, roles_response(ResponseCode::OK, &[]));
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&raw).unwrap();
        Response::builder()
            .header("Content-Type", Protocol::BINARY_CONTENT_TYPE)
            .header("Content-Encoding", "gzip")
            .body(Full::new(Bytes::from(gz.finish().unwrap())))
            .unwrap()
    }))
    .await;
    let roles = client(&server.url()).get_role_summary().await.unwrap();
    assert_eq!(roles.value.len(), 1);
}

#[tokio::test]
async fn response_codes_and_details() {
    // Non-OK codes are errors carrying the details; WARNING is success with messages.
    let server = TestServer::start(Arc::new(|_| {
        thrift_ok(
            Protocol::Binary,
            reply_with(
                Protocol::Binary,
                roles_response(
                    ResponseCode::INVALID_REQUEST,
                    &["Missing or invalid job key from request."],
                ),
            ),
        )
    }))
    .await;
    let err = client(&server.url()).get_role_summary().await.unwrap_err();
    match &err {
        ClientError::Api {
            method,
            code,
            messages,
            ..
        } => {
            assert_eq!(*method, "getRoleSummary");
            assert_eq!(*code, ResponseCode::INVALID_REQUEST);
            assert_eq!(messages, &["Missing or invalid job key from request."]);
        }
        other => panic!("{other}"),
    }
    assert_eq!(
        err.to_string(),
        "getRoleSummary: INVALID_REQUEST: Missing or invalid job key from request."
    );

    let server = TestServer::start(Arc::new(|_| {
        thrift_ok(
            Protocol::Binary,
            reply_with(
                Protocol::Binary,
                roles_response(ResponseCode::WARNING, &["deprecated"]),
            ),
        )
    }))
    .await;
    let ok = client(&server.url()).get_role_summary().await.unwrap();
    assert_eq!(ok.code, ResponseCode::WARNING);
    assert_eq!(ok.messages, vec!["deprecated"]);
}

#[tokio::test]
async fn a_reply_that_is_not_thrift_is_refused_from_its_first_bytes() {
    let server = TestServer::start(Arc::new(|_| {
        Response::builder()
            .header("Content-Type", "text/html")
            .body(Full::new(Bytes::from_static(b"<html>maintenance</html>")))
            .unwrap()
    }))
    .await;
    let err = client(&server.url()).get_role_summary().await.unwrap_err();
    // Refused from its first bytes, before the rest is read.
    assert!(matches!(err, ClientError::Body { .. }), "{err}");
    assert!(
        err.to_string().starts_with(
            "getRoleSummary: the reply is not a TBinary Thrift message: it begins with HTML"
        ),
        "{err}"
    );
}

#[tokio::test]
async fn mutations_are_sent_once_even_when_they_fail() {
    let server = TestServer::start(Arc::new(|_| {
        Response::builder()
            .status(503)
            .body(Full::new(Bytes::new()))
            .unwrap()
    }))
    .await;
    let c = client(&server.url());
    let err = c
        .kill_tasks(&JobKey::new("r", "e", "n"), &[1], None)
        .await
        .unwrap_err();
    assert!(err.is_transient());
    assert_eq!(server.hits.load(Ordering::SeqCst), 1);
    // And an empty instance set never leaves the process.
    assert!(matches!(
        c.kill_tasks(&JobKey::new("r", "e", "n"), &[], None).await,
        Err(ClientError::Refused(_))
    ));
    assert_eq!(server.hits.load(Ordering::SeqCst), 1);
}

/// `kerberos` on in a build without the feature: no token can be made, so requests go
/// without one (reads work where the scheduler needs no login) and a 401 says why.
#[cfg(not(feature = "kerberos"))]
#[tokio::test]
async fn kerberos_without_the_feature_reads_and_explains_a_401() {
    let open = TestServer::start(Arc::new(|_| {
        thrift_ok(
            Protocol::Binary,
            reply_with(Protocol::Binary, roles_response(ResponseCode::OK, &[])),
        )
    }))
    .await;
    let mut cfg = ClientConfig::new(open.url());
    cfg.kerberos = true;
    AuroraClient::new(cfg)
        .unwrap()
        .get_role_summary()
        .await
        .expect("a read needs no login");
    let sent = open.last.lock().unwrap().clone().unwrap().0;
    assert!(sent.get("authorization").is_none(), "{sent:?}");

    let demanding = TestServer::start(Arc::new(|_| {
        Response::builder()
            .status(StatusCode::UNAUTHORIZED)
            .header("WWW-Authenticate", "Negotiate")
            .body(Full::new(Bytes::new()))
            .unwrap()
    }))
    .await;
    let mut cfg = ClientConfig::new(demanding.url());
    cfg.kerberos = true;
    let err = AuroraClient::new(cfg)
        .unwrap()
        .get_role_summary()
        .await
        .unwrap_err();
    assert!(err.is_auth(), "{err:?}");
    assert!(matches!(err, ClientError::Kerberos { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("this eos was built without the `kerberos` feature"),
        "{err}"
    );
}
