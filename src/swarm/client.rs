//! The connection to one Docker Engine: bollard for the calls it makes (version negotiation,
//! the writes), and a bounded read for every GET.
//!
//! Why the reads do not go through bollard: bollard collects a whole reply body into memory with
//! no limit (`Docker::decode_response` in bollard 0.21), and its `Service` model drops the
//! Engine's `PreviousSpec`, which the update view diffs against. So GETs go through reqwest and
//! `bounded_reply::read_limited` (the same limit and flag as the Aurora client) and are decoded
//! into bollard's own models (or kept as JSON where a field bollard lacks is needed). Writes
//! send small bodies and get small replies; they stay with bollard.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bollard::Docker;
use bollard::models::{Service, Task};
use serde::de::DeserializeOwned;

use crate::bounded_reply::{self, BodyError, Sniffed};
use crate::swarm::node_cache::NodeCache;
use crate::swarm::target::Endpoint;
use crate::swarm::turns::Turns;

/// Timeouts and the reply limit, from the same flags as the Aurora client.
#[derive(Clone, Debug)]
pub struct SwarmConfig {
    pub endpoint: Endpoint,
    pub connect_timeout: Duration,
    pub timeout: Duration,
    pub max_reply_bytes: usize,
    /// How many times a read (a GET, never a write: see `swarm::write`) is sent again after a
    /// refused or broken connection, a time-out or an Engine without a swarm leader (503),
    /// waiting as Aurora's reads do (1, 2, 4 … s, at most 8 s), each retry told on stderr.
    /// 0 unless `eos get --retries` sets it; the console refreshes on its own instead.
    pub read_retries: u32,
}

impl SwarmConfig {
    pub fn new(endpoint: Endpoint) -> SwarmConfig {
        SwarmConfig {
            endpoint,
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(30),
            max_reply_bytes: bounded_reply::DEFAULT_MAX_REPLY_BYTES,
            read_retries: 0,
        }
    }
}

/// Why a call to the Engine failed, by what the caller can conclude from it.
#[derive(Debug, thiserror::Error)]
pub enum SwarmError {
    /// The Engine answered 404: no such service, task or node.
    #[error("{0}")]
    NotFound(String),
    /// The Engine answered with an error status and its message; nothing is left half-done by
    /// a refused call (the Engine validates before it acts).
    #[error("the Docker Engine said {status}: {message}")]
    Api { status: u16, message: String },
    /// No answer. `sent` is false only when it is certain the request never left (the
    /// connection could not be made); after that the Engine may have acted.
    #[error("{text}")]
    Transport { sent: bool, text: String },
    /// No whole answer in time (the request had left).
    #[error("the Docker Engine did not answer in time: {0}")]
    Timeout(String),
    /// The reply could not be read or decoded, or something local failed.
    #[error("{0}")]
    Other(String),
}

impl SwarmError {
    /// Docker's "update out of sequence": the version sent was stale. Certain that nothing
    /// changed, so the one intended change may be re-applied on a fresh read.
    pub fn is_out_of_sequence(&self) -> bool {
        matches!(self, SwarmError::Api { message, .. } if message.contains("update out of sequence"))
    }

    /// Why a read may be sent again, or `None` (the rule of Aurora's reads): a refused or
    /// broken connection, a time-out, an Engine whose swarm has no leader (503). Not TLS or
    /// name lookup failures, which do not heal in seconds, nor any other answer.
    pub fn worth_retrying(&self) -> Option<String> {
        match self {
            SwarmError::Transport { text, .. } => {
                let lower = text.to_ascii_lowercase();
                let lasting = [
                    "certificate",
                    "tls",
                    "handshake",
                    "dns",
                    "lookup",
                    "resolve",
                ];
                (!lasting.iter().any(|w| lower.contains(w))).then(|| text.clone())
            }
            SwarmError::Timeout(_) => Some("timed out".into()),
            SwarmError::Api { status: 503, .. } => Some("no swarm leader (503)".into()),
            _ => None,
        }
    }
}

impl From<bollard::errors::Error> for SwarmError {
    fn from(e: bollard::errors::Error) -> Self {
        use bollard::errors::Error as B;
        match e {
            B::DockerResponseServerError {
                status_code: 404,
                message,
            } => SwarmError::NotFound(message),
            B::DockerResponseServerError {
                status_code,
                message,
            } => SwarmError::Api {
                status: status_code,
                message,
            },
            B::RequestTimeoutError => SwarmError::Timeout("bollard's request timeout".into()),
            B::HyperLegacyError { err } => SwarmError::Transport {
                sent: !err.is_connect(),
                text: format!("cannot reach the Docker Engine: {}", chain(&err)),
            },
            B::SocketNotFoundError(path) => SwarmError::Transport {
                sent: false,
                text: format!("no Docker Engine socket at {path}"),
            },
            B::IOError { err } => SwarmError::Transport {
                sent: true,
                text: format!("connection to the Docker Engine failed: {err}"),
            },
            B::HyperResponseError { err } => SwarmError::Transport {
                sent: true,
                text: format!("the Docker Engine's reply broke off: {err}"),
            },
            other => SwarmError::Other(other.to_string()),
        }
    }
}

pub(crate) fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}

#[derive(Clone)]
pub struct SwarmClient {
    docker: Docker,
    http: reqwest::Client,
    /// `http://docker` for a unix socket, else `http(s)://HOST:PORT`; then `/v1.NN`.
    base: String,
    cfg: SwarmConfig,
    /// Shared by the clones: what the node lists said (`node_cache`).
    pub(super) node_cache: Arc<Mutex<NodeCache>>,
    /// Triage's and the updates list's two lists, listed in turn (`turns`).
    pub(super) triage_turns: Arc<Mutex<Turns<Vec<Service>, Vec<Task>>>>,
    pub(super) updates_turns: Arc<Mutex<Turns<Vec<serde_json::Value>, Vec<Task>>>>,
}

impl std::fmt::Debug for SwarmClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SwarmClient")
            .field("endpoint", &self.cfg.endpoint)
            .finish()
    }
}

impl SwarmClient {
    /// Connects and negotiates the API version: bollard asks for a newer API than Debian's
    /// engine (1.41) speaks, and the Engine refuses a version it does not know.
    pub async fn connect(cfg: SwarmConfig) -> Result<SwarmClient, SwarmError> {
        crate::aurora::client::install_crypto_provider();
        let secs = cfg.timeout.as_secs().max(1);
        let v = bollard::API_DEFAULT_VERSION;
        let docker = match &cfg.endpoint {
            Endpoint::Unix(p) => {
                Docker::connect_with_unix(&format!("unix://{}", p.display()), secs, v)
            }
            Endpoint::Tcp(addr) => Docker::connect_with_http(&format!("tcp://{addr}"), secs, v),
            Endpoint::TcpTls { addr, certs } => Docker::connect_with_ssl(
                &format!("tcp://{addr}"),
                &certs.join("key.pem"),
                &certs.join("cert.pem"),
                &certs.join("ca.pem"),
                secs,
                v,
            ),
        }?;
        let docker = crate::retry::read(
            cfg.read_retries,
            "GET /version",
            SwarmError::worth_retrying,
            || {
                let docker = docker.clone();
                async move { docker.negotiate_version().await.map_err(SwarmError::from) }
            },
        )
        .await?;
        let version = docker.client_version();
        let mut builder = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(cfg.connect_timeout)
            .timeout(cfg.timeout)
            .user_agent(concat!("eos/", env!("CARGO_PKG_VERSION")));
        let host = match &cfg.endpoint {
            Endpoint::Unix(p) => {
                builder = builder.unix_socket(p.clone());
                "http://docker".to_owned()
            }
            Endpoint::Tcp(addr) => format!("http://{addr}"),
            Endpoint::TcpTls { addr, certs } => {
                let read = |f: &str| {
                    std::fs::read(certs.join(f))
                        .map_err(|e| SwarmError::Other(format!("{}: {e}", certs.join(f).display())))
                };
                let ca = reqwest::Certificate::from_pem_bundle(&read("ca.pem")?)
                    .map_err(|e| SwarmError::Other(format!("ca.pem: {e}")))?;
                let mut pem = read("cert.pem")?;
                pem.extend_from_slice(&read("key.pem")?);
                let id = reqwest::Identity::from_pem(&pem)
                    .map_err(|e| SwarmError::Other(format!("cert.pem/key.pem: {e}")))?;
                builder = builder.tls_certs_only(ca).identity(id);
                format!("https://{addr}")
            }
        };
        let http = builder
            .build()
            .map_err(|e| SwarmError::Other(format!("could not build the HTTP client: {e}")))?;
        let base = format!(
            "{host}/v{}.{}",
            version.major_version, version.minor_version
        );
        Ok(SwarmClient {
            docker,
            http,
            base,
            cfg,
            node_cache: Arc::default(),
            triage_turns: Arc::default(),
            updates_turns: Arc::default(),
        })
    }

    pub fn docker(&self) -> &Docker {
        &self.docker
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.cfg.endpoint
    }

    /// The negotiated API version, e.g. `1.41`.
    pub fn api_version(&self) -> String {
        let v = self.docker.client_version();
        format!("{}.{}", v.major_version, v.minor_version)
    }

    /// GET `path` (with its query), read within the reply limit, decoded as `T`; sent again
    /// up to `read_retries` times when that is worth it.
    pub async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, SwarmError> {
        let body = self.get_bytes(path).await?;
        serde_json::from_slice(&body)
            .map_err(|e| SwarmError::Other(format!("the Docker Engine's reply to {path}: {e}")))
    }

    /// GET `path`: the reply's JSON bytes, read within the reply limit, for a caller that
    /// parses them itself (`model::TaskList` borrows from them); retried as `get_json`.
    pub async fn get_bytes(&self, path: &str) -> Result<bytes::Bytes, SwarmError> {
        crate::retry::read(
            self.cfg.read_retries,
            &format!("GET {path}"),
            SwarmError::worth_retrying,
            || self.get_bytes_once(path),
        )
        .await
    }

    async fn get_bytes_once(&self, path: &str) -> Result<bytes::Bytes, SwarmError> {
        let mut resp = self.open(path, None).await?;
        let sniff = |b: &[u8]| match b.iter().find(|c| !c.is_ascii_whitespace()) {
            None => Sniffed::NeedMore,
            Some(b'{' | b'[') => Sniffed::Plausible,
            Some(_) => Sniffed::Impossible("JSON from the Docker Engine"),
        };
        bounded_reply::read_limited(
            &mut resp,
            self.cfg.max_reply_bytes,
            Some(bounded_reply::MAX_REPLY_FLAG),
            &sniff,
        )
        .await
        .map_err(|e| match e {
            BodyError::Read(e) if e.is_timeout() => SwarmError::Timeout(chain(&e)),
            e => SwarmError::Other(e.to_string()),
        })
    }

    /// GET `path` and return the reply once its status is 200, its body unread (the caller
    /// reads it within its own bound); an error status becomes a [`SwarmError`] with the
    /// Engine's message. `timeout` replaces the client's whole-request timeout (a followed log
    /// stays open for as long as it is read).
    pub async fn open(
        &self,
        path: &str,
        timeout: Option<Duration>,
    ) -> Result<reqwest::Response, SwarmError> {
        let url = format!("{}{path}", self.base);
        let mut request = self.http.get(&url);
        if let Some(t) = timeout {
            request = request.timeout(t);
        }
        let mut resp = request.send().await.map_err(|e| {
            if e.is_timeout() {
                SwarmError::Timeout(chain(&e))
            } else {
                SwarmError::Transport {
                    sent: !e.is_connect(),
                    text: format!("cannot reach the Docker Engine: {}", chain(&e)),
                }
            }
        })?;
        let status = resp.status().as_u16();
        if status != 200 {
            let body =
                bounded_reply::read_prefix(&mut resp, bounded_reply::MAX_ERROR_BODY_BYTES).await;
            let message = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_owned))
                .unwrap_or_else(|| bounded_reply::preview(&body));
            return Err(if status == 404 {
                SwarmError::NotFound(message)
            } else {
                SwarmError::Api { status, message }
            });
        }
        Ok(resp)
    }
}

#[cfg(test)]
mod tests {
    use super::SwarmError;

    #[test]
    fn only_passing_failures_are_worth_another_read() {
        let transport = |text: &str| SwarmError::Transport {
            sent: true,
            text: text.into(),
        };
        assert!(
            transport("connection closed before message completed")
                .worth_retrying()
                .is_some()
        );
        assert!(
            transport("tcp connect error: Connection refused")
                .worth_retrying()
                .is_some()
        );
        assert!(
            transport("invalid peer certificate: UnknownIssuer")
                .worth_retrying()
                .is_none()
        );
        assert!(SwarmError::Timeout("x".into()).worth_retrying().is_some());
        let api = |status| SwarmError::Api {
            status,
            message: "m".into(),
        };
        assert!(api(503).worth_retrying().is_some());
        assert!(api(500).worth_retrying().is_none());
        assert!(
            SwarmError::NotFound("service x".into())
                .worth_retrying()
                .is_none()
        );
        assert!(
            SwarmError::Other("bad JSON".into())
                .worth_retrying()
                .is_none()
        );
    }
}
