//! A TCP front for the test engine's unix socket, on 127.0.0.1. Stopping it is, for a client,
//! a daemon that went away (connections refused, open ones cut); starting it again on the same
//! port is the daemon coming back. A hook can run just before a service update request is
//! forwarded: a concurrent change that makes the client's version stale, deterministically.
//!
//! It records every request it is sent (method and path), so a test can count the calls a
//! client makes: each request is forwarded with `Connection: close`, so the Engine closes the
//! connection after answering and the client opens a new one for its next request — one
//! request per connection, every one of them seen here. A drop rule closes the connection of
//! the first N matching requests without forwarding them: a daemon that cuts a call off.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream, UnixStream};

pub type Hook = Arc<dyn Fn() + Send + Sync>;

/// One request as the proxy received it.
#[derive(Clone, Debug)]
pub struct Request {
    pub at: Instant,
    pub method: String,
    /// The path without the API version prefix (`/v1.41`) and without the query: `/tasks`.
    pub path: String,
    /// Whether the drop rule cut it off (it never reached the Engine).
    pub dropped: bool,
}

impl Request {
    /// A list call: `GET /services`, `GET /tasks` or `GET /nodes` (not an inspect of one).
    pub fn is_list(&self) -> bool {
        self.method == "GET" && matches!(self.path.as_str(), "/services" | "/tasks" | "/nodes")
    }
}

/// Which requests a drop rule is about, by method and path.
type Matcher = Arc<dyn Fn(&str, &str) -> bool + Send + Sync>;

/// Cut off the first `count` requests for which `matches(method, path)` holds.
#[derive(Clone)]
pub struct DropRule {
    left: Arc<AtomicU32>,
    matches: Matcher,
}

impl DropRule {
    pub fn new(count: u32, matches: impl Fn(&str, &str) -> bool + Send + Sync + 'static) -> Self {
        DropRule {
            left: Arc::new(AtomicU32::new(count)),
            matches: Arc::new(matches),
        }
    }

    fn take(&self, method: &str, path: &str) -> bool {
        (self.matches)(method, path)
            && self
                .left
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
    }
}

#[derive(Clone, Default)]
pub struct Options {
    pub hook: Option<Hook>,
    pub drop: Option<DropRule>,
}

pub struct Proxy {
    pub port: u16,
    requests: Arc<Mutex<Vec<Request>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<()>,
}

/// The longest request head read (the Engine API's are far shorter).
const MAX_HEAD: usize = 64 << 10;

impl Proxy {
    /// Listens on 127.0.0.1:`port` (0: any free port) and forwards to `socket`.
    pub async fn start(socket: PathBuf, port: u16, hook: Option<Hook>) -> Proxy {
        Self::start_with(socket, port, Options { hook, drop: None }).await
    }

    pub async fn start_with(socket: PathBuf, port: u16, options: Options) -> Proxy {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, mut rx) = tokio::sync::oneshot::channel();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = requests.clone();
        let done = tokio::spawn(async move {
            // Dropping the set when the loop ends aborts every open connection.
            let mut conns = tokio::task::JoinSet::new();
            loop {
                tokio::select! {
                    _ = &mut rx => break,
                    accepted = listener.accept() => {
                        let Ok((client, _)) = accepted else { continue };
                        conns.spawn(serve(client, socket.clone(), options.clone(), log.clone()));
                    }
                }
            }
            conns.shutdown().await;
        });
        Proxy {
            port,
            requests,
            stop: Some(tx),
            done,
        }
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    /// Stops listening and cuts every open connection.
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.done).await;
    }
}

/// One client connection: one request, forwarded with `Connection: close`.
async fn serve(
    mut client: TcpStream,
    socket: PathBuf,
    options: Options,
    log: Arc<Mutex<Vec<Request>>>,
) {
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > MAX_HEAD {
            return;
        }
        let mut chunk = [0u8; 8192];
        match client.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut words = head.split_whitespace();
    let method = words.next().unwrap_or_default().to_owned();
    let target = words.next().unwrap_or_default();
    let path = target.split('?').next().unwrap_or_default();
    let path = match path.strip_prefix("/v") {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => {
            rest.find('/').map(|i| &rest[i..]).unwrap_or("/")
        }
        _ => path,
    }
    .to_owned();
    let dropped = options
        .drop
        .as_ref()
        .is_some_and(|d| d.take(&method, &path));
    log.lock().unwrap().push(Request {
        at: Instant::now(),
        method: method.clone(),
        path: path.clone(),
        dropped,
    });
    if dropped {
        return;
    }
    if let Some(hook) = options.hook
        && method == "POST"
        && path.starts_with("/services/")
        && path.ends_with("/update")
    {
        let _ = tokio::task::spawn_blocking(move || hook()).await;
    }
    let Ok(mut upstream) = UnixStream::connect(&socket).await else {
        return;
    };
    // The head again without its Connection header, then `Connection: close`.
    let mut forwarded: String = head
        .trim_end_matches("\r\n")
        .split("\r\n")
        .filter(|line| !line.to_ascii_lowercase().starts_with("connection:"))
        .map(|line| format!("{line}\r\n"))
        .collect();
    forwarded.push_str("Connection: close\r\n\r\n");
    if upstream.write_all(forwarded.as_bytes()).await.is_err()
        || upstream.write_all(&buf[head_end..]).await.is_err()
    {
        return;
    }
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
}
