//! The simulator's HTTP server (hyper 1.x): `/api` with Aurora's content negotiation,
//! authentication and leader behaviour, plus `/health`, `/leaderhealth`, `/maintenance`, `/vars`.

use std::future::Future as _;
use std::io::Write as _;
use std::net::SocketAddr;
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

use super::Simulator;
use super::api::{self, Outcome};
use super::faults::Fault;
use crate::aurora::model::{ResponseResult, ServerInfo};
use crate::aurora::wire::{MessageType, Protocol};

/// Aurora's realm for HTTP Basic authentication.
pub const REALM: &str = "Apache Aurora Scheduler";
/// Replies at least this large are gzipped for clients that accept it.
pub const GZIP_MIN_BYTES: usize = 512;
/// Request bodies larger than this are refused.
pub const MAX_REQUEST_BYTES: usize = 64 << 20;
/// How often a running server moves the simulation to the clock's time.
pub const TICK_EVERY: Duration = Duration::from_millis(200);

type Body = Full<Bytes>;

/// A running simulator server.
pub struct SimServer {
    pub addr: SocketAddr,
    stop: watch::Sender<bool>,
    accept: JoinHandle<()>,
    tick: JoinHandle<()>,
    sim: Simulator,
}

impl std::fmt::Debug for SimServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimServer")
            .field("addr", &self.addr)
            .finish()
    }
}

impl SimServer {
    /// Binds `listen` and serves the simulator on the current tokio runtime.
    pub async fn start(sim: Simulator, listen: SocketAddr) -> std::io::Result<SimServer> {
        let listener = TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let (stop, stop_rx) = watch::channel(false);
        let accept = tokio::spawn(accept_loop(listener, sim.clone(), stop_rx.clone()));
        let tick = tokio::spawn(tick_loop(sim.clone(), stop_rx));
        Ok(SimServer {
            addr,
            stop,
            accept,
            tick,
            sim,
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn simulator(&self) -> &Simulator {
        &self.sim
    }

    /// Stops accepting, closes open connections and stops the tick.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.accept.await;
        let _ = self.tick.await;
    }
}

async fn accept_loop(listener: TcpListener, sim: Simulator, mut stop: watch::Receiver<bool>) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let sim = sim.clone();
                conns.spawn(async move {
                    let service = service_fn(move |req| {
                        let sim = sim.clone();
                        async move { handle(sim, req).await }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        }
    }
    conns.abort_all();
    while conns.join_next().await.is_some() {}
}

async fn tick_loop(sim: Simulator, mut stop: watch::Receiver<bool>) {
    let mut every = tokio::time::interval(TICK_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            _ = every.tick() => {
                if sim.inner.clock.mode() != super::ClockMode::Frozen {
                    drop(sim.sync());
                }
            }
        }
    }
}

fn text(status: StatusCode, body: impl Into<String>) -> Response<Body> {
    let mut r = Response::new(Full::new(Bytes::from(body.into())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

fn html(status: StatusCode, title: &str, body: &str) -> Response<Body> {
    let page = format!(
        "<html><head><title>Error {} {title}</title></head><body><h2>HTTP ERROR {}</h2><p>{body}</p></body></html>\n",
        status.as_u16(),
        status.as_u16()
    );
    let mut r = text(status, page);
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html;charset=iso-8859-1"),
    );
    r
}

async fn handle(sim: Simulator, req: Request<Incoming>) -> Result<Response<Body>, std::io::Error> {
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    Ok(match path.as_str() {
        "/api" => match method {
            Method::POST | Method::GET => return api_call(sim, req).await,
            Method::OPTIONS => {
                let mut r = text(StatusCode::OK, "");
                r.headers_mut().insert(
                    header::ALLOW,
                    HeaderValue::from_static("GET, HEAD, POST, TRACE, OPTIONS"),
                );
                r
            }
            _ => html(
                StatusCode::METHOD_NOT_ALLOWED,
                "Method Not Allowed",
                "HTTP method not supported by this URL",
            ),
        },
        "/health" => text(StatusCode::OK, "OK\n"),
        "/leaderhealth" => leader_health(&sim),
        "/maintenance" => match not_leading(&sim, "/maintenance") {
            Some(r) => r,
            None => maintenance_json(&sim),
        },
        "/vars" => vars(&sim),
        // The simulated agents' Thermos observers (src/sim/observer.rs).
        p if p.starts_with("/observer/") => {
            match super::observer::handle(&sim, p, req.uri().query()) {
                Some(r) => observer_reply(r),
                None => html(StatusCode::NOT_FOUND, "Not Found", "Not Found"),
            }
        }
        _ => html(StatusCode::NOT_FOUND, "Not Found", "Not Found"),
    })
}

fn observer_reply(r: super::observer::Reply) -> Response<Body> {
    let mut resp = Response::new(Full::new(Bytes::from(r.body)));
    *resp.status_mut() = StatusCode::from_u16(r.status).unwrap_or(StatusCode::OK);
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(r.content_type),
    );
    resp
}

fn leader_health(sim: &Simulator) -> Response<Body> {
    let faults = &sim.inner.faults;
    if faults.redirect_to.is_some() {
        return text(
            StatusCode::SERVICE_UNAVAILABLE,
            "This is not the leading scheduler; another instance leads.\n",
        );
    }
    if faults.leaderless(sim.now_ms()) {
        return text(
            StatusCode::BAD_GATEWAY,
            "No leading scheduler was found; an election is in progress.\n",
        );
    }
    text(StatusCode::OK, "This is the leading scheduler.\n")
}

/// Like the scheduler's leader redirect filter for pages other than `/api`: a non-leader
/// redirects to the leader's page, a scheduler without a leader answers 503.
fn not_leading(sim: &Simulator, path: &str) -> Option<Response<Body>> {
    let faults = &sim.inner.faults;
    if let Some(target) = &faults.redirect_to {
        let mut r = Response::new(Full::new(Bytes::new()));
        *r.status_mut() = StatusCode::TEMPORARY_REDIRECT;
        r.headers_mut().insert(
            header::LOCATION,
            HeaderValue::from_str(&format!("{target}{path}"))
                .unwrap_or_else(|_| HeaderValue::from_static("/")),
        );
        return Some(r);
    }
    if faults.leaderless(sim.now_ms()) {
        return Some(html(
            StatusCode::SERVICE_UNAVAILABLE,
            "Service Unavailable",
            "No leader found: the scheduler is electing a new leader. Try again shortly.",
        ));
    }
    None
}

fn maintenance_json(sim: &Simulator) -> Response<Body> {
    let st = sim.sync();
    let mut drained = Vec::new();
    let mut scheduled = Vec::new();
    let mut draining: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (i, h) in st.hosts.iter().enumerate() {
        match h.mode {
            crate::aurora::model::MaintenanceMode::DRAINED => drained.push(h.name.clone()),
            crate::aurora::model::MaintenanceMode::SCHEDULED => scheduled.push(h.name.clone()),
            crate::aurora::model::MaintenanceMode::DRAINING => {
                let ids = st
                    .tasks
                    .iter()
                    .flatten()
                    .filter(|t| t.host == Some(i as u32) && super::lifecycle::on_agent(t.status))
                    .map(|t| t.id.to_string())
                    .collect();
                draining.insert(h.name.clone(), ids);
            }
            _ => {}
        }
    }
    let body =
        serde_json::json!({"DRAINED": drained, "SCHEDULED": scheduled, "DRAINING": draining});
    let mut r = text(StatusCode::OK, body.to_string());
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn vars(sim: &Simulator) -> Response<Body> {
    let st = sim.sync();
    let mut counts: std::collections::BTreeMap<String, u64> = Default::default();
    for s in crate::aurora::model::ScheduleStatus::ALL {
        counts.insert(format!("task_store_{s}"), 0);
    }
    for t in st.tasks.iter().flatten() {
        *counts
            .entry(format!("task_store_{}", t.status))
            .or_default() += 1;
    }
    let leading =
        !sim.inner.faults.leaderless(sim.now_ms()) && sim.inner.faults.redirect_to.is_none();
    counts.insert("framework_registered".into(), u64::from(leading));
    counts.insert(
        "jvm_uptime_secs".into(),
        ((sim.now_ms() - sim.inner.clock.start_ms()) / 1000).max(0) as u64,
    );
    counts.insert("timed_out_tasks".into(), st.stats.timed_out_tasks);
    counts.insert("task_lost_events".into(), st.stats.lost_tasks);
    counts.insert("scheduler_thrift_calls".into(), st.stats.api_calls);
    counts.insert(
        if leading {
            "scheduler_lifecycle_ACTIVE".into()
        } else {
            "scheduler_lifecycle_STORAGE_PREPARED".into()
        },
        1,
    );
    let body: String = counts.iter().map(|(k, v)| format!("{k} {v}\n")).collect();
    text(StatusCode::OK, body)
}

/// The request protocol named by a Content-Type (aurora-api.md §1.2), or `None` for 415.
pub fn request_protocol(content_type: Option<&str>) -> Option<Protocol> {
    let Some(ct) = content_type else {
        return Some(Protocol::Json);
    };
    let mut parts = ct.split(';');
    let media = parts.next()?.trim().to_ascii_lowercase();
    let params: Vec<(String, String)> = parts
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (
                k.trim().to_ascii_lowercase(),
                v.trim().trim_matches('"').to_ascii_lowercase(),
            )
        })
        .collect();
    match (media.as_str(), params.as_slice()) {
        (
            "application/x-thrift" | "application/json" | "application/vnd.apache.thrift.json",
            [],
        ) => Some(Protocol::Json),
        ("application/vnd.apache.thrift.json", [(k, v)]) if k == "charset" && v == "utf-8" => {
            Some(Protocol::Json)
        }
        ("application/vnd.apache.thrift.binary", []) => Some(Protocol::Binary),
        _ => None,
    }
}

/// The reply protocol an Accept header asks for (aurora-api.md §1.3).
pub fn reply_protocol(accept: Option<&str>) -> Protocol {
    match accept {
        Some(a) if a.trim().eq_ignore_ascii_case(Protocol::BINARY_CONTENT_TYPE) => Protocol::Binary,
        _ => Protocol::Json,
    }
}

fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|tok| {
            let mut it = tok.split(';');
            let name = it.next().unwrap_or("").trim();
            let refused = it.any(|p| {
                let p = p.trim().replace(' ', "");
                p == "q=0" || p == "q=0.0" || p == "q=0.00" || p == "q=0.000"
            });
            name.eq_ignore_ascii_case("gzip") && !refused
        })
}

enum Auth {
    User(String),
    Anonymous,
    Rejected,
}

fn authenticate(sim: &Simulator, headers: &HeaderMap) -> Auth {
    let Some(expected) = sim.inner.args.auth.as_deref() else {
        return Auth::User("UNSECURE".to_owned());
    };
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Auth::Anonymous;
    };
    let given = value
        .to_str()
        .ok()
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("basic").then_some(token.trim())
        })
        .and_then(|t| base64::engine::general_purpose::STANDARD.decode(t).ok())
        .and_then(|b| String::from_utf8(b).ok());
    match given {
        Some(g) if g == expected => {
            Auth::User(g.split_once(':').map(|(u, _)| u).unwrap_or(&g).to_owned())
        }
        _ => Auth::Rejected,
    }
}

fn unauthorized() -> Response<Body> {
    let mut r = html(StatusCode::UNAUTHORIZED, "Unauthorized", "Unauthorized");
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_str(&format!("Basic realm=\"{REALM}\"")).expect("ascii"),
    );
    r
}

async fn api_call(
    sim: Simulator,
    req: Request<Incoming>,
) -> Result<Response<Body>, std::io::Error> {
    let faults = &sim.inner.faults;
    if let Some(d) = faults.delay() {
        tokio::time::sleep(d).await;
    }
    match faults.roll() {
        Fault::Reset => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "simulated connection reset",
            ));
        }
        Fault::Error(500) => {
            return Ok(html(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Server Error",
                "Simulated internal server error",
            ));
        }
        Fault::Error(_) => {
            return Ok(html(
                StatusCode::SERVICE_UNAVAILABLE,
                "Service Unavailable",
                "Simulated overload: Service Unavailable",
            ));
        }
        Fault::None => {}
    }
    let bypass = req
        .headers()
        .contains_key(crate::aurora::model::BYPASS_LEADER_REDIRECT_HEADER);
    let mut storage_ready = true;
    if let Some(target) = &faults.redirect_to {
        if !bypass {
            let mut r = Response::new(Full::new(Bytes::new()));
            *r.status_mut() = StatusCode::TEMPORARY_REDIRECT;
            let location = match req.uri().query() {
                Some(q) => format!("{target}/api?{q}"),
                None => format!("{target}/api"),
            };
            r.headers_mut().insert(
                header::LOCATION,
                HeaderValue::from_str(&location)
                    .unwrap_or_else(|_| HeaderValue::from_static("/api")),
            );
            return Ok(r);
        }
        storage_ready = false;
    }
    if faults.leaderless(sim.now_ms()) {
        if !bypass {
            return Ok(html(
                StatusCode::SERVICE_UNAVAILABLE,
                "Service Unavailable",
                "No leader found: the scheduler is electing a new leader. Try again shortly.",
            ));
        }
        storage_ready = false;
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let Some(in_proto) = request_protocol(content_type.as_deref()) else {
        return Ok(text(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "Unsupported Content-Type: {}",
                content_type.unwrap_or_default()
            ),
        ));
    };
    let out_proto = reply_protocol(
        req.headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok()),
    );
    let gzip = accepts_gzip(req.headers());
    let auth = authenticate(&sim, req.headers());
    let body = match Limited::new(req.into_body(), MAX_REQUEST_BYTES)
        .collect()
        .await
    {
        Ok(b) => b.to_bytes(),
        Err(e) => {
            return Ok(html(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Server Error",
                &format!("could not read the request body: {e}"),
            ));
        }
    };
    let header = match in_proto.decode_header(&body) {
        Ok(h) => h,
        Err(e) => {
            return Ok(html(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Server Error",
                &format!("could not read the Thrift message: {e}"),
            ));
        }
    };
    let user = match auth {
        Auth::Rejected => return Ok(unauthorized()),
        Auth::Anonymous if api::needs_auth(&header.name) => return Ok(unauthorized()),
        Auth::Anonymous => "UNSECURE".to_owned(),
        Auth::User(u) => u,
    };
    let sim2 = sim.clone();
    let name = header.name.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        let outcome = api::handle(&sim2, in_proto, &body, &name, &user, storage_ready);
        encode_outcome(&sim2, outcome, out_proto, &name, header.seq, gzip)
    })
    .await
    .map_err(std::io::Error::other)?;
    Ok(outcome)
}

/// Handles one `/api` body without HTTP (benchmarks): the reply body as it would be sent.
pub fn handle_api_body(
    sim: &Simulator,
    in_proto: Protocol,
    out_proto: Protocol,
    body: &[u8],
    user: &str,
    gzip: bool,
) -> Bytes {
    let Ok(header) = in_proto.decode_header(body) else {
        return Bytes::new();
    };
    let outcome = api::handle(sim, in_proto, body, &header.name, user, true);
    let r = encode_outcome(sim, outcome, out_proto, &header.name, header.seq, gzip);
    let body = r.into_body();
    futures_body(body)
}

fn futures_body(b: Body) -> Bytes {
    // A `Full` body holds its bytes; poll it once without a runtime.
    use http_body_util::BodyExt as _;
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    let mut fut = std::pin::pin!(b.collect());
    match fut.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(Ok(c)) => c.to_bytes(),
        _ => Bytes::new(),
    }
}

fn encode_outcome(
    sim: &Simulator,
    outcome: Outcome,
    proto: Protocol,
    name: &str,
    seq: i32,
    gzip: bool,
) -> Response<Body> {
    let bytes = match outcome {
        Outcome::Http500(msg) => {
            return html(StatusCode::INTERNAL_SERVER_ERROR, "Server Error", &msg);
        }
        Outcome::Exception(e) => proto.encode(name, MessageType::Exception, seq, &e),
        Outcome::Reply(mut resp) => {
            resp.server_info = Some(ServerInfo {
                cluster_name: Some(sim.inner.args.cluster_name.clone()),
                stats_url_prefix: Some(String::new()),
            });
            proto.encode(
                name,
                MessageType::Reply,
                seq,
                &ResponseResult {
                    success: Some(resp),
                },
            )
        }
    };
    let mut r = Response::new(Full::new(Bytes::new()));
    let headers = r.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(proto.content_type()),
    );
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    let body = if gzip && bytes.len() >= GZIP_MIN_BYTES {
        let mut enc = flate2::write::GzEncoder::new(
            Vec::with_capacity(bytes.len() / 4),
            flate2::Compression::fast(),
        );
        if enc.write_all(&bytes).is_ok()
            && let Ok(z) = enc.finish()
        {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            z
        } else {
            bytes
        }
    } else {
        bytes
    };
    *r.body_mut() = Full::new(Bytes::from(body));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types() {
        assert_eq!(request_protocol(None), Some(Protocol::Json));
        assert_eq!(
            request_protocol(Some("application/x-thrift")),
            Some(Protocol::Json)
        );
        assert_eq!(
            request_protocol(Some("application/json")),
            Some(Protocol::Json)
        );
        assert_eq!(
            request_protocol(Some("application/vnd.apache.thrift.json; charset=UTF-8")),
            Some(Protocol::Json)
        );
        assert_eq!(
            request_protocol(Some("application/vnd.apache.thrift.json;charset=\"utf-8\"")),
            Some(Protocol::Json)
        );
        assert_eq!(
            request_protocol(Some("application/vnd.apache.thrift.binary")),
            Some(Protocol::Binary)
        );
        assert_eq!(
            request_protocol(Some("application/json; charset=utf-8")),
            None
        );
        assert_eq!(
            request_protocol(Some("application/vnd.apache.thrift.binary; charset=utf-8")),
            None
        );
        assert_eq!(request_protocol(Some("text/plain")), None);
    }

    #[test]
    fn accept_headers() {
        assert_eq!(reply_protocol(None), Protocol::Json);
        assert_eq!(
            reply_protocol(Some("application/vnd.apache.thrift.binary")),
            Protocol::Binary
        );
        assert_eq!(reply_protocol(Some("*/*")), Protocol::Json);
        assert_eq!(
            reply_protocol(Some("application/vnd.apache.thrift.binary, */*")),
            Protocol::Json
        );
        assert_eq!(
            reply_protocol(Some("application/vnd.apache.thrift.binary;q=0.9")),
            Protocol::Json
        );
    }
}
