//! The typed async client for Aurora's `/api`: one method per API call, typed errors.
//!
//! Nothing here retries. A read that fails is simply asked again by whoever polls it; a mutation
//! that fails (or times out) is reported and never re-sent, because its outcome is unknown.
//! Following a 307 is not a retry: the non-leader executed nothing.

use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::header::{
    ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue, LOCATION, WWW_AUTHENTICATE,
};

use super::credentials::Credentials;
use super::model::*;
use super::wire::message::{Envelope, MessageHeader, TApplicationException};
use super::wire::{DecodeError, MessageType, Protocol, Thrift};
use crate::bounded_reply::Sniffed;

/// How to reach one scheduler.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Base URL of the scheduler, e.g. `http://127.0.0.1:8081`; `/api` is appended.
    pub base_url: String,
    pub protocol: Protocol,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    pub credentials: Option<Credentials>,
    /// Log in with Kerberos (`Authorization: Negotiate`, a SPNEGO token for `HTTP@<host>` made
    /// from the user's kinit ticket) instead of Basic `credentials`: clusters whose
    /// clusters.json entry says `"auth_mechanism": "KERBEROS"`. When no token can be made
    /// (no ticket; or Eos built without the `kerberos` feature) requests go without one and
    /// a 401 is reported as [`ClientError::Kerberos`], saying why.
    pub kerberos: bool,
    /// How many 307 leader redirects one call may follow.
    pub max_redirects: usize,
    /// Certificate authorities trusted on top of the system's (`--ca-cert`).
    pub extra_roots: Vec<reqwest::Certificate>,
    /// The largest reply body read, after decompression (`--max-reply-mb`).
    pub max_reply_bytes: usize,
    /// How many times a read (never a change: see [`AuroraClient::post`]) is sent again after
    /// a refused or reset connection, a time-out or a 503, each retry told on stderr. 0 (no
    /// retry) unless `eos get --retries` sets it; the console refreshes on its own instead.
    pub read_retries: u32,
}

impl ClientConfig {
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            protocol: Protocol::Binary,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            credentials: None,
            kerberos: false,
            max_redirects: 3,
            extra_roots: Vec::new(),
            max_reply_bytes: crate::bounded_reply::DEFAULT_MAX_REPLY_BYTES,
            read_retries: 0,
        }
    }
}

impl ClientConfig {
    /// Which credentials requests carry, in words (never the password): what a 401 is about.
    pub fn credentials_tried(&self) -> String {
        if self.kerberos {
            let cache = std::env::var("KRB5CCNAME")
                .ok()
                .filter(|v| !v.is_empty())
                .map(|v| format!("KRB5CCNAME={v}"))
                .unwrap_or_else(|| "the default cache".into());
            return format!("Kerberos (Negotiate), the kinit ticket in {cache}");
        }
        match &self.credentials {
            Some(cred) => format!("user {:?} from {}", cred.user, cred.source),
            None => "none (no EOS_USER/EOS_PASSWORD, no ~/.netrc entry for this host)".into(),
        }
    }
}

/// Why a call did not succeed. Every variant carries what a person needs to act on it.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("{kind} talking to {url}: {message}")]
    Transport {
        url: String,
        kind: TransportKind,
        message: String,
        /// Whether the request may have left: false only when it failed before it was written
        /// (host name lookup, TCP connect, TLS handshake), which is certain "not executed".
        sent: bool,
    },
    #[error("{}", http_message(*status, url, realm.as_deref(), body))]
    Http {
        url: String,
        status: u16,
        /// The realm of a 401 challenge.
        realm: Option<String>,
        /// The first line of the body, without markup.
        body: String,
    },
    #[error("gave up after {hops} leader redirects (last: {location})")]
    TooManyRedirects { hops: usize, location: String },
    /// A redirect pointed at a URL this call already went to, or (for a change, which follows
    /// one redirect at most) the leader it named redirected again.
    #[error("redirect loop: {url} redirected to {location}, {why}")]
    RedirectLoop {
        url: String,
        location: String,
        why: &'static str,
    },
    /// The reply's envelope is not the answer to this call (another method, sequence id or
    /// message type).
    #[error("expected a reply to {method} (sequence id {seq}), got {got}")]
    WrongReply {
        method: &'static str,
        seq: i32,
        got: String,
    },
    /// The reply body was refused while reading: over the size limit, or not a reply at all.
    #[error("{method}: {error} (from {url})")]
    Body {
        method: &'static str,
        url: String,
        error: crate::bounded_reply::BodyError,
    },
    #[error("{method}: scheduler raised {exception}")]
    Exception {
        method: &'static str,
        exception: TApplicationException,
    },
    #[error("{method}: could not decode the {protocol:?} reply ({content_type}): {error}")]
    Decode {
        method: &'static str,
        protocol: Protocol,
        content_type: String,
        error: DecodeError,
    },
    #[error("{method}: {code}{}", messages_suffix(messages))]
    Api {
        method: &'static str,
        code: ResponseCode,
        messages: Vec<String>,
        /// Some calls return data with an error (startJobUpdate: the update already active).
        result: Option<Box<ApiResult>>,
    },
    #[error("refused before sending: {0}")]
    Refused(String),
    /// A non-Thrift page (e.g. `/maintenance`) answered with a body of the wrong shape.
    #[error("could not decode the reply of {url}: {error}")]
    BadBody { url: String, error: String },
    /// The scheduler asked for a Kerberos login (401) and no token could be made (no ticket,
    /// expired, unknown service principal, …; Eos sends requests without one then, as reads
    /// need none).
    #[error("Kerberos (Negotiate) login to {url} failed: {message}")]
    Kerberos { url: String, message: String },
    /// The scheduler answered 401 to a request carrying a Kerberos (Negotiate) token.
    #[error("{}", kerberos_rejected_message(url, challenge.as_deref(), body))]
    KerberosRejected {
        url: String,
        /// The scheme(s) of the scheduler's `WWW-Authenticate` challenge, if any.
        challenge: Option<String>,
        /// The first line of the body, without markup.
        body: String,
    },
}

fn kerberos_rejected_message(url: &str, challenge: Option<&str>, body: &str) -> String {
    let mut m = format!("the scheduler at {url} refused the Kerberos (Negotiate) login (401)");
    match challenge {
        Some(c) if !c.to_ascii_lowercase().contains("negotiate") => m.push_str(&format!(
            "; it asks for {c} instead: is this cluster's auth_mechanism right?"
        )),
        _ => m.push_str(
            "; check with klist that your ticket is for a principal this scheduler accepts",
        ),
    }
    if !body.is_empty() {
        m.push_str(&format!(": {body}"));
    }
    m
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransportKind {
    Refused,
    Timeout,
    Tls,
    Dns,
    Other,
}

impl std::fmt::Display for TransportKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TransportKind::Refused => "connection refused",
            TransportKind::Timeout => "timed out",
            TransportKind::Tls => "TLS error",
            TransportKind::Dns => "host name lookup failed",
            TransportKind::Other => "network error",
        })
    }
}

fn messages_suffix(m: &[String]) -> String {
    if m.is_empty() {
        String::new()
    } else {
        format!(": {}", m.join("; "))
    }
}

fn http_message(status: u16, url: &str, realm: Option<&str>, body: &str) -> String {
    let what = match status {
        401 => match realm {
            Some(r) => format!("authentication required (realm \"{r}\")"),
            None => "authentication required".to_owned(),
        },
        403 => "forbidden".to_owned(),
        404 => "no Aurora API here (404)".to_owned(),
        415 => "scheduler refused the Content-Type (415)".to_owned(),
        500 => "scheduler internal error (500)".to_owned(),
        502 => "bad gateway (502)".to_owned(),
        503 => "scheduler has no leader or is unavailable (503)".to_owned(),
        s => format!("HTTP {s}"),
    };
    if body.is_empty() {
        format!("{what} at {url}")
    } else {
        format!("{what} at {url}: {body}")
    }
}

impl ClientError {
    /// True for errors where asking again later is reasonable (for reads only).
    pub fn is_transient(&self) -> bool {
        match self {
            ClientError::Transport { .. } => true,
            ClientError::Http { status, .. } => matches!(status, 500 | 502 | 503 | 504),
            ClientError::Api { code, .. } => *code == ResponseCode::ERROR_TRANSIENT,
            _ => false,
        }
    }
    /// The error in words; a refused Basic login (401) also says which credentials were
    /// tried, as the mutation notice does, so a wrong netrc entry is found without guessing.
    pub fn explained(&self, cfg: &ClientConfig) -> String {
        match self {
            ClientError::Http { status: 401, .. } if !cfg.kerberos => {
                format!("{self} (credentials tried: {})", cfg.credentials_tried())
            }
            _ => self.to_string(),
        }
    }

    /// Why a read may be sent again, or `None`: a refused or reset connection, a time-out, a
    /// scheduler without a leader (503). Not TLS or DNS failures, which do not heal in seconds.
    pub fn worth_retrying(&self) -> Option<String> {
        match self {
            ClientError::Transport {
                kind:
                    kind @ (TransportKind::Refused | TransportKind::Timeout | TransportKind::Other),
                ..
            } => Some(kind.to_string()),
            ClientError::Http { status: 503, .. } => Some("no leader (503)".into()),
            _ => None,
        }
    }

    pub fn is_auth(&self) -> bool {
        matches!(self, ClientError::Http { status: 401, .. })
            || matches!(
                self,
                ClientError::Kerberos { .. } | ClientError::KerberosRejected { .. }
            )
            || matches!(self, ClientError::Api { code, .. } if *code == ResponseCode::AUTH_FAILED)
    }
}

/// A successful call's value, with any messages the scheduler attached (WARNING's details,
/// deprecation notes) for the user to see.
#[derive(Clone, Debug)]
pub struct Reply<T> {
    pub value: T,
    pub code: ResponseCode,
    pub messages: Vec<String>,
    pub server_info: Option<ServerInfo>,
}

impl<T> Reply<T> {
    fn map<U>(self, f: impl FnOnce(T) -> U) -> Reply<U> {
        Reply {
            value: f(self.value),
            code: self.code,
            messages: self.messages,
            server_info: self.server_info,
        }
    }
}

pub type ClientResult<T> = Result<Reply<T>, ClientError>;

/// Installs the TLS crypto provider once per process (reqwest is built without a default one).
pub fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

#[derive(Clone)]
pub struct AuroraClient {
    http: reqwest::Client,
    cfg: Arc<ClientConfig>,
    /// Where calls go: the configured URL, or the leader ZooKeeper named since.
    base: Arc<Mutex<String>>,
    /// Where the last redirect pointed: the leader, asked first next time.
    leader: Arc<Mutex<Option<String>>>,
    seq: Arc<std::sync::atomic::AtomicI32>,
}

impl std::fmt::Debug for AuroraClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuroraClient")
            .field("base_url", &self.cfg.base_url)
            .finish()
    }
}

impl AuroraClient {
    pub fn new(cfg: ClientConfig) -> Result<Self, ClientError> {
        install_crypto_provider();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(cfg.connect_timeout)
            .timeout(cfg.request_timeout)
            .user_agent(concat!("eos/", env!("CARGO_PKG_VERSION")))
            .tls_certs_merge(cfg.extra_roots.iter().cloned())
            .build()
            .map_err(|e| ClientError::Refused(format!("could not build the HTTP client: {e}")))?;
        Ok(Self {
            http,
            base: Arc::new(Mutex::new(cfg.base_url.trim_end_matches('/').to_owned())),
            cfg: Arc::new(cfg),
            leader: Arc::new(Mutex::new(None)),
            seq: Arc::new(std::sync::atomic::AtomicI32::new(0)),
        })
    }

    pub fn config(&self) -> &ClientConfig {
        &self.cfg
    }

    /// The scheduler base URL calls go to now (the leader, once a redirect named it).
    pub fn current_base(&self) -> String {
        self.leader
            .lock()
            .ok()
            .and_then(|l| l.clone())
            .unwrap_or_else(|| self.base())
    }

    fn base(&self) -> String {
        self.base
            .lock()
            .map(|b| b.clone())
            .unwrap_or_else(|_| self.cfg.base_url.trim_end_matches('/').to_owned())
    }

    /// Points later calls at a new leader (found through ZooKeeper) and forgets the leader a
    /// redirect named. Calls already sent are not touched, and never re-sent.
    pub fn set_base(&self, url: &str) {
        if let Ok(mut b) = self.base.lock() {
            *b = url.trim_end_matches('/').to_owned();
        }
        if let Ok(mut l) = self.leader.lock() {
            *l = None;
        }
    }

    /// Sends one call and returns the scheduler's `Response`, whatever its response code.
    pub async fn call_raw<A: Thrift>(
        &self,
        method: &'static str,
        args: &A,
    ) -> Result<Response, ClientError> {
        let seq = self.seq.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let protocol = self.cfg.protocol;
        let body = Bytes::from(protocol.encode(method, MessageType::Call, seq, args));
        let started = Instant::now();
        let (content_type, bytes) = self.post(method, body).await?;
        let reply_protocol = reply_protocol(&content_type, protocol);
        let decoded = reply_protocol.decode::<ResponseResult>(&bytes);
        if let Ok((header, _)) = &decoded
            && let Some(got) = envelope_mismatch(header, method, seq)
        {
            return Err(ClientError::WrongReply { method, seq, got });
        }
        tracing::debug!(
            method,
            bytes = bytes.len(),
            ms = started.elapsed().as_millis() as u64,
            "api call"
        );
        match decoded {
            Ok((_, Envelope::Exception(exception))) => {
                Err(ClientError::Exception { method, exception })
            }
            Ok((_, Envelope::Body(r))) => Ok(r.success.unwrap_or_default()),
            Err(error) => Err(ClientError::Decode {
                method,
                protocol: reply_protocol,
                content_type,
                error,
            }),
        }
    }

    /// `getTasksWithoutConfigs` for output written as it is decoded: the reply is checked and
    /// indexed now (code, messages, where each task lies), and its tasks are decoded one at a
    /// time as the caller walks them (see [`crate::aurora::task_stream`]). Same errors as the
    /// decoding call.
    pub async fn get_tasks_without_configs_streamed(
        &self,
        query: TaskQuery,
    ) -> ClientResult<crate::aurora::task_stream::TaskBody> {
        use crate::aurora::task_stream::{Indexed, TaskBody, index};
        let method = "getTasksWithoutConfigs";
        let args = QueryArgs { query: Some(query) };
        let seq = self.seq.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let protocol = self.cfg.protocol;
        let body = Bytes::from(protocol.encode(method, MessageType::Call, seq, &args));
        let (content_type, bytes) = self.post(method, body).await?;
        let reply_protocol = reply_protocol(&content_type, protocol);
        let indexed = index(reply_protocol, &bytes).map_err(|error| ClientError::Decode {
            method,
            protocol: reply_protocol,
            content_type: content_type.clone(),
            error,
        })?;
        let (header, idx) = match indexed {
            Indexed::Exception(header, exception) => {
                if let Some(got) = envelope_mismatch(&header, method, seq) {
                    return Err(ClientError::WrongReply { method, seq, got });
                }
                return Err(ClientError::Exception { method, exception });
            }
            Indexed::Reply(header, idx) => (header, idx),
        };
        if let Some(got) = envelope_mismatch(&header, method, seq) {
            return Err(ClientError::WrongReply { method, seq, got });
        }
        let code = idx.code.unwrap_or(ResponseCode::ERROR);
        let messages: Vec<String> = idx
            .details
            .iter()
            .filter_map(|d| d.message.clone())
            .collect();
        if !code.is_success() {
            return Err(ClientError::Api {
                method,
                code,
                messages,
                result: None,
            });
        }
        if idx.result_member != Some(3) {
            return Err(ClientError::Exception {
                method,
                exception: TApplicationException::new(
                    TApplicationException::MISSING_RESULT,
                    "the reply carried no result of the expected kind",
                ),
            });
        }
        let server_info = idx.server_info.clone();
        Ok(Reply {
            value: TaskBody::new(reply_protocol, bytes, idx),
            code,
            messages,
            server_info,
        })
    }

    /// Sends a call and insists on a successful response code.
    async fn call<A: Thrift>(
        &self,
        method: &'static str,
        args: &A,
    ) -> ClientResult<Option<ApiResult>> {
        let r = self.call_raw(method, args).await?;
        let code = r.code();
        let messages: Vec<String> = r.messages().into_iter().map(str::to_owned).collect();
        if !code.is_success() {
            return Err(ClientError::Api {
                method,
                code,
                messages,
                result: r.result.map(Box::new),
            });
        }
        Ok(Reply {
            value: r.result,
            code,
            messages,
            server_info: r.server_info,
        })
    }

    /// A call whose success must carry a particular result member.
    async fn call_expect<A: Thrift, T>(
        &self,
        method: &'static str,
        args: &A,
        pick: impl FnOnce(ApiResult) -> Option<T>,
    ) -> ClientResult<T> {
        let reply = self.call(method, args).await?;
        let code = reply.code;
        let messages = reply.messages.clone();
        match reply.value.and_then(pick) {
            Some(v) => Ok(Reply {
                value: v,
                code,
                messages,
                server_info: reply.server_info,
            }),
            None => Err(ClientError::Exception {
                method,
                exception: TApplicationException::new(
                    TApplicationException::MISSING_RESULT,
                    "the reply carried no result of the expected kind",
                ),
            }),
        }
    }

    async fn call_unit<A: Thrift>(&self, method: &'static str, args: &A) -> ClientResult<()> {
        Ok(self.call(method, args).await?.map(drop))
    }

    /// POSTs the body to `/api`, following leader redirects with the same body and credentials.
    async fn post(
        &self,
        method: &'static str,
        body: Bytes,
    ) -> Result<(String, Bytes), ClientError> {
        let ct = HeaderValue::from_static(self.cfg.protocol.content_type());
        let asked = self.cfg.protocol;
        let sniff = move |content_type: &str, b: &[u8]| {
            sniff_thrift(reply_protocol(content_type, asked), method, b)
        };
        let redirects = if is_read_only(method) {
            Redirects::Read
        } else {
            Redirects::Change
        };
        let send = || {
            self.exchange("/api", method, redirects, &sniff, |http, url| {
                http.post(url)
                    .header(CONTENT_TYPE, ct.clone())
                    .header(ACCEPT, ct.clone())
                    .body(body.clone())
            })
        };
        // A change is sent once, whatever happens: only a read may be sent again.
        let retries = match redirects {
            Redirects::Read => self.cfg.read_retries,
            Redirects::Change => 0,
        };
        crate::retry::read(retries, method, ClientError::worth_retrying, send).await
    }

    /// Sends the request `build` makes for `<base><path>`, with the credentials, following
    /// leader redirects (the same request again, at the new base) and remembering the leader.
    /// Returns the reply's Content-Type and body.
    ///
    /// A read follows up to `max_redirects`; a change follows one at most (Aurora's 307 comes
    /// before anything ran, but a second one means the cluster is confused). Neither ever goes
    /// back to a URL it already tried. The body is read within `max_reply_bytes`, and refused
    /// early when `sniff` says its first bytes cannot begin the reply.
    async fn exchange(
        &self,
        path: &'static str,
        what: &'static str,
        redirects: Redirects,
        sniff: &(dyn Fn(&str, &[u8]) -> Sniffed + Sync),
        build: impl Fn(&reqwest::Client, &str) -> reqwest::RequestBuilder,
    ) -> Result<(String, Bytes), ClientError> {
        let mut base = self.current_base();
        let from_cache = self.leader.lock().map(|l| l.is_some()).unwrap_or(false);
        let max_hops = match redirects {
            Redirects::Read => self.cfg.max_redirects,
            Redirects::Change => self.cfg.max_redirects.min(1),
        };
        let mut tried: Vec<String> = Vec::new();
        for hop in 0..=max_hops {
            let url = format!("{}{path}", base.trim_end_matches('/'));
            tried.push(url.clone());
            let mut req = build(&self.http, &url);
            // Why no Kerberos token could be made: reported if the scheduler then asks for one
            // (reads need none, so they go on without it).
            let mut no_token: Option<ClientError> = None;
            if self.cfg.kerberos {
                // A fresh token for each request, for the host this one goes to.
                match negotiate_header(&url).await {
                    Ok(v) => req = req.header(AUTHORIZATION, v),
                    Err(e) => {
                        tracing::debug!(error = %e, "sending without a Kerberos token");
                        no_token = Some(e);
                    }
                }
            } else if let Some(c) = &self.cfg.credentials {
                req = req.header(AUTHORIZATION, c.basic_header());
            }
            let resp = match req.send().await {
                Ok(r) => r,
                Err(e) => {
                    if from_cache && hop == 0 {
                        // The remembered leader is gone; the next call starts from the
                        // configured address again. This call is not re-sent.
                        if let Ok(mut l) = self.leader.lock() {
                            *l = None;
                        }
                    }
                    let sent = !never_sent(&e);
                    return Err(transport_error(&url, &e, sent));
                }
            };
            let status = resp.status().as_u16();
            if matches!(status, 301 | 302 | 303 | 307 | 308) {
                let location = resp
                    .headers()
                    .get(LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned();
                let next =
                    resolve_location(&url, &location, path).ok_or_else(|| ClientError::Http {
                        url: url.clone(),
                        status,
                        realm: None,
                        body: format!("redirect without a usable Location ({location:?})"),
                    })?;
                let next_url = format!("{}{path}", next.trim_end_matches('/'));
                if tried.contains(&next_url) {
                    return Err(ClientError::RedirectLoop {
                        url,
                        location: next_url,
                        why: "which this call already tried; not following it",
                    });
                }
                if hop == max_hops {
                    if redirects == Redirects::Change && hop > 0 {
                        return Err(ClientError::RedirectLoop {
                            url,
                            location: next_url,
                            why: "after a redirect was already followed; a change follows \
                                  one redirect at most",
                        });
                    }
                    return Err(ClientError::TooManyRedirects {
                        hops: hop + 1,
                        location: next,
                    });
                }
                tracing::info!(from = %base, to = %next, "following leader redirect");
                base = next;
                continue;
            }
            if status != 200 {
                let challenge = resp
                    .headers()
                    .get_all(WWW_AUTHENTICATE)
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .map(|v| v.split_whitespace().next().unwrap_or("").to_owned())
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>();
                let realm = resp
                    .headers()
                    .get(WWW_AUTHENTICATE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(parse_realm);
                let mut resp = resp;
                let prefix = crate::bounded_reply::read_prefix(
                    &mut resp,
                    crate::bounded_reply::MAX_ERROR_BODY_BYTES,
                )
                .await;
                let text = String::from_utf8_lossy(&prefix);
                if status == 401 && self.cfg.kerberos {
                    if let Some(e) = no_token {
                        return Err(e);
                    }
                    return Err(ClientError::KerberosRejected {
                        url,
                        challenge: (!challenge.is_empty()).then(|| challenge.join(", ")),
                        body: first_line_of(&text),
                    });
                }
                return Err(ClientError::Http {
                    url,
                    status,
                    realm,
                    body: first_line_of(&text),
                });
            }
            let content_type = resp
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_ascii_lowercase();
            let mut resp = resp;
            let sniff_body = |b: &[u8]| sniff(&content_type, b);
            let bytes = crate::bounded_reply::read_limited(
                &mut resp,
                self.cfg.max_reply_bytes,
                Some(crate::bounded_reply::MAX_REPLY_FLAG),
                &sniff_body,
            )
            .await
            .map_err(|error| match error {
                crate::bounded_reply::BodyError::Read(e) => transport_error(&url, &e, true),
                error => ClientError::Body {
                    method: what,
                    url: url.clone(),
                    error,
                },
            })?;
            if hop > 0
                && let Ok(mut l) = self.leader.lock()
            {
                *l = Some(base.clone());
            }
            return Ok((content_type, bytes));
        }
        unreachable!("the loop returns on its last hop")
    }

    // ---- read-only calls (ReadOnlyScheduler) ----

    pub async fn get_role_summary(&self) -> ClientResult<Vec<RoleSummary>> {
        self.call_expect("getRoleSummary", &NoArgs {}, |r| match r {
            ApiResult::RoleSummaryResult(r) => Some(r.summaries.unwrap_or_default()),
            _ => None,
        })
        .await
    }

    /// Job summaries of one role, or of every role when `role` is `None`.
    pub async fn get_job_summary(&self, role: Option<&str>) -> ClientResult<Vec<JobSummary>> {
        let args = RoleArgs {
            role: role.map(str::to_owned),
        };
        self.call_expect("getJobSummary", &args, |r| match r {
            ApiResult::JobSummaryResult(r) => Some(r.summaries.unwrap_or_default()),
            _ => None,
        })
        .await
    }

    /// Full tasks, executor data included. Heavy; lists should use the next method.
    pub async fn get_tasks_status(&self, query: TaskQuery) -> ClientResult<Vec<ScheduledTask>> {
        self.tasks("getTasksStatus", query).await
    }

    /// Tasks with `executorConfig.data` blanked: what lists use.
    pub async fn get_tasks_without_configs(
        &self,
        query: TaskQuery,
    ) -> ClientResult<Vec<ScheduledTask>> {
        self.tasks("getTasksWithoutConfigs", query).await
    }

    async fn tasks(
        &self,
        method: &'static str,
        query: TaskQuery,
    ) -> ClientResult<Vec<ScheduledTask>> {
        let args = QueryArgs { query: Some(query) };
        self.call_expect(method, &args, |r| match r {
            ApiResult::ScheduleStatusResult(r) => Some(r.tasks.unwrap_or_default()),
            _ => None,
        })
        .await
    }

    /// Why tasks are pending. The query must not set statuses or hosts (Aurora refuses).
    pub async fn get_pending_reason(&self, query: TaskQuery) -> ClientResult<Vec<PendingReason>> {
        let args = QueryArgs { query: Some(query) };
        self.call_expect("getPendingReason", &args, |r| match r {
            ApiResult::GetPendingReasonResult(r) => Some(r.reasons.unwrap_or_default()),
            _ => None,
        })
        .await
    }

    pub async fn get_config_summary(&self, job: &JobKey) -> ClientResult<ConfigSummary> {
        let args = JobKeyArgs {
            job: Some(job.clone()),
        };
        self.call_expect("getConfigSummary", &args, |r| match r {
            ApiResult::ConfigSummaryResult(r) => Some(r.summary.unwrap_or_default()),
            _ => None,
        })
        .await
    }

    pub async fn get_jobs(&self, role: Option<&str>) -> ClientResult<Vec<JobConfiguration>> {
        let args = RoleArgs {
            role: role.map(str::to_owned),
        };
        self.call_expect("getJobs", &args, |r| match r {
            ApiResult::GetJobsResult(r) => Some(r.configs.unwrap_or_default()),
            _ => None,
        })
        .await
    }

    pub async fn get_quota(&self, role: &str) -> ClientResult<GetQuotaResult> {
        if role.trim().is_empty() {
            return Err(ClientError::Refused("getQuota needs a role".into()));
        }
        let args = RoleArgs {
            role: Some(role.to_owned()),
        };
        self.call_expect("getQuota", &args, |r| match r {
            ApiResult::GetQuotaResult(r) => Some(r),
            _ => None,
        })
        .await
    }

    pub async fn populate_job_config(&self, job: JobConfiguration) -> ClientResult<TaskConfig> {
        let args = PopulateJobConfigArgs {
            description: Some(job),
        };
        self.call_expect("populateJobConfig", &args, |r| match r {
            ApiResult::PopulateJobResult(r) => Some(r.task_config.unwrap_or_default()),
            _ => None,
        })
        .await
    }

    pub async fn get_job_update_summaries(
        &self,
        query: JobUpdateQuery,
    ) -> ClientResult<Vec<JobUpdateSummary>> {
        let args = GetJobUpdateSummariesArgs {
            job_update_query: Some(query),
        };
        self.call_expect("getJobUpdateSummaries", &args, |r| match r {
            ApiResult::GetJobUpdateSummariesResult(r) => {
                Some(r.update_summaries.unwrap_or_default())
            }
            _ => None,
        })
        .await
    }

    /// Update details by query (the non-deprecated form).
    pub async fn get_job_update_details(
        &self,
        query: JobUpdateQuery,
    ) -> ClientResult<Vec<JobUpdateDetails>> {
        let args = GetJobUpdateDetailsArgs {
            key: None,
            query: Some(query),
        };
        self.call_expect("getJobUpdateDetails", &args, |r| match r {
            ApiResult::GetJobUpdateDetailsResult(r) => Some(
                r.details_list
                    .or_else(|| r.details.map(|d| vec![d]))
                    .unwrap_or_default(),
            ),
            _ => None,
        })
        .await
    }

    pub async fn get_job_update_diff(
        &self,
        request: JobUpdateRequest,
    ) -> ClientResult<GetJobUpdateDiffResult> {
        let args = GetJobUpdateDiffArgs {
            request: Some(request),
        };
        self.call_expect("getJobUpdateDiff", &args, |r| match r {
            ApiResult::GetJobUpdateDiffResult(r) => Some(r),
            _ => None,
        })
        .await
    }

    pub async fn get_tier_configs(&self) -> ClientResult<GetTierConfigResult> {
        self.call_expect("getTierConfigs", &NoArgs {}, |r| match r {
            ApiResult::GetTierConfigResult(r) => Some(r),
            _ => None,
        })
        .await
    }

    // ---- mutations (AuroraSchedulerManager) ----

    /// Kills the given instances. An empty set is refused here: to Aurora it means "every
    /// instance", which has its own method, [`Self::kill_whole_job`].
    pub async fn kill_tasks(
        &self,
        job: &JobKey,
        instances: &[i32],
        message: Option<&str>,
    ) -> ClientResult<()> {
        if instances.is_empty() {
            return Err(ClientError::Refused(
                "killTasks with no instances would kill the whole job; use kill_whole_job".into(),
            ));
        }
        self.kill(job, Some(instances), message).await
    }

    /// Kills every active instance of the job. Only for an explicit, confirmed "kill job".
    pub async fn kill_whole_job(&self, job: &JobKey, message: Option<&str>) -> ClientResult<()> {
        self.kill(job, None, message).await
    }

    async fn kill(
        &self,
        job: &JobKey,
        instances: Option<&[i32]>,
        message: Option<&str>,
    ) -> ClientResult<()> {
        let args = KillTasksArgs {
            job: Some(job.clone()),
            instances: instances.map(sorted_unique),
            message: message.map(str::to_owned),
        };
        self.call_unit("killTasks", &args).await
    }

    pub async fn restart_shards(&self, job: &JobKey, instances: &[i32]) -> ClientResult<()> {
        if instances.is_empty() {
            return Err(ClientError::Refused(
                "restartShards needs at least one instance".into(),
            ));
        }
        let args = RestartShardsArgs {
            shard_ids: Some(sorted_unique(instances)),
            job: Some(job.clone()),
        };
        self.call_unit("restartShards", &args).await
    }

    /// Adds `count` instances copying the config of active instance `template`.
    pub async fn add_instances(&self, key: InstanceKey, count: i32) -> ClientResult<()> {
        if count <= 0 {
            return Err(ClientError::Refused(
                "addInstances needs a positive count".into(),
            ));
        }
        let args = AddInstancesArgs {
            key: Some(key),
            count: Some(count),
        };
        self.call_unit("addInstances", &args).await
    }

    /// Starts a rolling update. `None` in the reply value means the scheduler found nothing to
    /// change ("Job is unchanged by proposed update.").
    pub async fn start_job_update(
        &self,
        request: JobUpdateRequest,
        message: Option<&str>,
    ) -> ClientResult<Option<StartJobUpdateResult>> {
        let args = StartJobUpdateArgs {
            request: Some(request),
            message: message.map(str::to_owned),
        };
        Ok(self.call("startJobUpdate", &args).await?.map(|r| match r {
            Some(ApiResult::StartJobUpdateResult(r)) => Some(r),
            _ => None,
        }))
    }

    pub async fn pause_job_update(
        &self,
        key: &JobUpdateKey,
        message: Option<&str>,
    ) -> ClientResult<()> {
        self.update_control("pauseJobUpdate", key, message).await
    }
    pub async fn resume_job_update(
        &self,
        key: &JobUpdateKey,
        message: Option<&str>,
    ) -> ClientResult<()> {
        self.update_control("resumeJobUpdate", key, message).await
    }
    pub async fn abort_job_update(
        &self,
        key: &JobUpdateKey,
        message: Option<&str>,
    ) -> ClientResult<()> {
        self.update_control("abortJobUpdate", key, message).await
    }

    async fn update_control(
        &self,
        method: &'static str,
        key: &JobUpdateKey,
        message: Option<&str>,
    ) -> ClientResult<()> {
        let args = UpdateControlArgs {
            key: Some(key.clone()),
            message: message.map(str::to_owned),
        };
        self.call_unit(method, &args).await
    }

    pub async fn rollback_job_update(
        &self,
        key: &JobUpdateKey,
        message: Option<&str>,
    ) -> ClientResult<()> {
        let args = RollbackJobUpdateArgs {
            key: Some(key.clone()),
            message: message.map(str::to_owned),
        };
        self.call_unit("rollbackJobUpdate", &args).await
    }

    pub async fn pulse_job_update(&self, key: &JobUpdateKey) -> ClientResult<JobUpdatePulseStatus> {
        let args = PulseJobUpdateArgs {
            key: Some(key.clone()),
        };
        self.call_expect("pulseJobUpdate", &args, |r| match r {
            ApiResult::PulseJobUpdateResult(r) => Some(r.status.unwrap_or_default()),
            _ => None,
        })
        .await
    }

    pub async fn start_cron_job(&self, job: &JobKey) -> ClientResult<()> {
        let args = CronJobArgs {
            job: Some(job.clone()),
        };
        self.call_unit("startCronJob", &args).await
    }

    // ---- maintenance (AuroraAdmin) ----

    /// `GET /maintenance`: every host in maintenance, by mode. Read-only and needs no admin;
    /// leader-redirected like `/api`.
    pub async fn get_maintenance(
        &self,
    ) -> Result<super::maintenance::MaintenanceHosts, ClientError> {
        let sniff = |_: &str, b: &[u8]| {
            crate::bounded_reply::sniff_json(b, b"{", "the JSON object of /maintenance")
        };
        let (_, bytes) = self
            .exchange(
                "/maintenance",
                "GET /maintenance",
                Redirects::Read,
                &sniff,
                |http, url| http.get(url).header(ACCEPT, "application/json"),
            )
            .await?;
        super::maintenance::MaintenanceHosts::parse(&bytes).map_err(|error| ClientError::BadBody {
            url: format!("{}/maintenance", self.current_base()),
            error,
        })
    }

    pub async fn maintenance_status(&self, hosts: &[String]) -> ClientResult<Vec<HostStatus>> {
        self.hosts_call("maintenanceStatus", hosts).await
    }
    pub async fn start_maintenance(&self, hosts: &[String]) -> ClientResult<Vec<HostStatus>> {
        self.hosts_call("startMaintenance", hosts).await
    }
    pub async fn drain_hosts(&self, hosts: &[String]) -> ClientResult<Vec<HostStatus>> {
        self.hosts_call("drainHosts", hosts).await
    }
    pub async fn end_maintenance(&self, hosts: &[String]) -> ClientResult<Vec<HostStatus>> {
        self.hosts_call("endMaintenance", hosts).await
    }

    async fn hosts_call(
        &self,
        method: &'static str,
        hosts: &[String],
    ) -> ClientResult<Vec<HostStatus>> {
        let args = HostsArgs {
            hosts: Some(Hosts {
                host_names: Some(hosts.to_vec()),
            }),
        };
        self.call_expect(method, &args, |r| match r {
            ApiResult::MaintenanceStatusResult(r) => r.statuses,
            ApiResult::StartMaintenanceResult(r) => r.statuses,
            ApiResult::DrainHostsResult(r) => r.statuses,
            ApiResult::EndMaintenanceResult(r) => r.statuses,
            _ => None,
        })
        .await
    }
}

fn sorted_unique(ids: &[i32]) -> Vec<i32> {
    let mut v = ids.to_vec();
    v.sort_unstable();
    v.dedup();
    v
}

/// `Authorization: Negotiate <token>` for a request to `url` (made off the async threads: it
/// may ask the KDC for a service ticket).
#[cfg(feature = "kerberos")]
async fn negotiate_header(url: &str) -> Result<HeaderValue, ClientError> {
    let fail = |message: String| ClientError::Kerberos {
        url: url.to_owned(),
        message,
    };
    let owned = url.to_owned();
    let made = tokio::task::spawn_blocking(move || super::kerberos::negotiate_header(&owned))
        .await
        .map_err(|e| fail(format!("the Kerberos library failed: {e}")))?
        .map_err(|e| fail(e.to_string()))?;
    let mut v = HeaderValue::from_str(&made)
        .map_err(|e| fail(format!("the token is not a valid header: {e}")))?;
    v.set_sensitive(true);
    Ok(v)
}

#[cfg(not(feature = "kerberos"))]
async fn negotiate_header(url: &str) -> Result<HeaderValue, ClientError> {
    Err(ClientError::Kerberos {
        url: url.to_owned(),
        message: "this eos was built without the `kerberos` feature (rebuild it with \
                  `--features kerberos`)"
            .into(),
    })
}

/// Which redirects a call may follow (see [`AuroraClient::exchange`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Redirects {
    Read,
    Change,
}

/// Calls that change nothing (ReadOnlyScheduler, and the admin's status query). Anything else
/// is treated as a change: it follows one redirect at most.
pub fn is_read_only(method: &str) -> bool {
    method.starts_with("get")
        || matches!(
            method,
            "maintenanceStatus" | "populateJobConfig" | "queryRecovery"
        )
}

/// The protocol a reply is in: its Content-Type's, else the one asked for.
fn reply_protocol(content_type: &str, asked: Protocol) -> Protocol {
    if content_type.starts_with(Protocol::BINARY_CONTENT_TYPE) {
        Protocol::Binary
    } else if content_type.starts_with(Protocol::JSON_CONTENT_TYPE)
        || content_type.starts_with("application/json")
    {
        Protocol::Json
    } else {
        asked
    }
}

/// Whether the first bytes of a body can begin a reply to `method`: a strict TBinary header
/// (`80 01 00 0t`), an old-style one whose first word is the method name's length, or TJSON's `[`.
fn sniff_thrift(protocol: Protocol, method: &str, b: &[u8]) -> Sniffed {
    match protocol {
        Protocol::Json => crate::bounded_reply::sniff_json(b, b"[", "a TJSON Thrift message"),
        Protocol::Binary => {
            let Some(word) = b.get(..4) else {
                return Sniffed::NeedMore;
            };
            let word = u32::from_be_bytes(word.try_into().expect("4 bytes"));
            let strict = word & 0xffff_ff00 == 0x8001_0000 && (1..=4).contains(&(word & 0xff));
            if strict || word as usize == method.len() {
                Sniffed::Plausible
            } else {
                Sniffed::Impossible("a TBinary Thrift message")
            }
        }
    }
}

/// What is wrong with a reply's envelope, if it is not the answer to call `seq` of `method`.
fn envelope_mismatch(h: &MessageHeader, method: &str, seq: i32) -> Option<String> {
    if h.name != method {
        Some(format!("a reply to {:?}", h.name))
    } else if h.seq != seq {
        Some(format!("sequence id {}", h.seq))
    } else if !matches!(h.kind, MessageType::Reply | MessageType::Exception) {
        Some(format!("a message of type {:?}", h.kind))
    } else {
        None
    }
}

/// True when `e` happened before the request was written: host name lookup, TCP connect or
/// the TLS handshake (a certificate refused). Anything later may have reached the scheduler.
fn never_sent(e: &reqwest::Error) -> bool {
    e.is_connect()
        || e.is_builder()
        || matches!(
            find_rustls(e),
            Some(rustls::Error::InvalidCertificate(_) | rustls::Error::InvalidMessage(_))
        )
}

fn transport_error(url: &str, e: &reqwest::Error, sent: bool) -> ClientError {
    use std::error::Error as _;
    let mut chain = String::new();
    let mut src: Option<&dyn std::error::Error> = e.source();
    while let Some(s) = src {
        chain = s.to_string();
        src = s.source();
    }
    let lower = chain.to_ascii_lowercase();
    let kind = if e.is_timeout() {
        TransportKind::Timeout
    } else if lower.contains("refused") {
        TransportKind::Refused
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake")
    {
        TransportKind::Tls
    } else if lower.contains("dns") || lower.contains("lookup") || lower.contains("resolve") {
        TransportKind::Dns
    } else {
        TransportKind::Other
    };
    let tls = tls_failure(e);
    let kind = if tls.is_some() {
        TransportKind::Tls
    } else {
        kind
    };
    let message = if let Some(plain) = tls {
        plain
    } else if chain.is_empty() {
        e.to_string()
    } else {
        chain
    };
    ClientError::Transport {
        url: url.to_owned(),
        kind,
        message,
        sent,
    }
}

/// A certificate (or TLS) failure somewhere in `e`'s causes, in plain words.
fn tls_failure(e: &reqwest::Error) -> Option<String> {
    find_rustls(e).map(explain_tls)
}

fn find_rustls<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    if let Some(r) = e.downcast_ref::<rustls::Error>() {
        return Some(r);
    }
    // std::io::Error hides the error it wraps from source() (and wrappers nest): look inside.
    if let Some(inner) = e
        .downcast_ref::<std::io::Error>()
        .and_then(|io| io.get_ref())
        && let Some(r) = find_rustls(inner)
    {
        return Some(r);
    }
    e.source().and_then(find_rustls)
}

/// What a rustls error means for someone connecting to a scheduler.
pub fn explain_tls(e: &rustls::Error) -> String {
    use rustls::CertificateError as C;
    const CERT: &str = "the scheduler's TLS certificate";
    const CA_HINT: &str = "if your site uses its own certificate authority, pass --ca-cert FILE \
                           with that authority's PEM certificate";
    match e {
        rustls::Error::InvalidCertificate(c) => match c {
            C::UnknownIssuer => {
                format!("{CERT} is not trusted (unknown issuer): {CA_HINT}")
            }
            C::BadSignature => format!(
                "{CERT} is not trusted (its signature does not match its issuer): {CA_HINT}"
            ),
            C::NotValidForName => format!(
                "{CERT} is for another host name: connect with the name the certificate was \
                 issued for"
            ),
            C::NotValidForNameContext {
                expected,
                presented,
            } => format!(
                "{CERT} is for another host name: this URL names {}, the certificate is for {}; \
                 connect with a name the certificate was issued for",
                expected.to_str(),
                if presented.is_empty() {
                    "no name at all".to_owned()
                } else {
                    presented
                        .iter()
                        .map(|n| presented_name(n))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ),
            C::Expired | C::ExpiredContext { .. } => {
                format!("{CERT} has expired (or this machine's clock is wrong)")
            }
            C::NotValidYet | C::NotValidYetContext { .. } => {
                format!("{CERT} is not valid yet (or this machine's clock is wrong)")
            }
            C::Revoked => format!("{CERT} has been revoked"),
            C::InvalidPurpose | C::InvalidPurposeContext { .. } => {
                format!("{CERT} is not meant for a TLS server")
            }
            // What `openssl req -x509` makes by default (OpenSSL 3 marks it CA:TRUE): a CA
            // certificate presented as the server's own, which webpki refuses even when it is
            // the very file given to --ca-cert. rustls passes webpki's reason only as text.
            C::Other(o) if format!("{o:?}").contains("CaUsedAsEndEntity") => format!(
                "{CERT} is a certificate authority's (CA:TRUE), not a server certificate; a \
                 plain `openssl req -x509` makes one. Give the scheduler a server certificate: \
                 self-signed with CA:FALSE (openssl req -x509 … -addext \
                 basicConstraints=critical,CA:FALSE -addext subjectAltName=DNS:<host>), or \
                 better a small CA and a server certificate signed by it, and pass the CA's \
                 certificate with --ca-cert FILE"
            ),
            other => format!("{CERT} was rejected: {other:?}"),
        },
        rustls::Error::InvalidMessage(_) => {
            "the server did not answer with TLS: is it a plain http:// scheduler?".to_owned()
        }
        other => format!("TLS handshake failed: {other}"),
    }
}

/// `DnsName("a.example")` → `a.example`, `IpAddress(10.0.0.1)` → `10.0.0.1` (rustls lists a
/// certificate's names in its Debug form).
fn presented_name(n: &str) -> String {
    let inner = match (n.find('('), n.ends_with(')')) {
        (Some(i), true) if n[..i].chars().all(|c| c.is_ascii_alphanumeric()) => {
            &n[i + 1..n.len() - 1]
        }
        _ => n,
    };
    inner.trim_matches('"').to_owned()
}

/// The scheduler base URL a redirect's Location names (Aurora sends `<scheme>://host:port/api`,
/// or the page asked for, `path`).
fn resolve_location(from: &str, location: &str, path: &str) -> Option<String> {
    let base = reqwest::Url::parse(from).ok()?;
    let target = base.join(location).ok()?;
    if !matches!(target.scheme(), "http" | "https") || target.host_str().is_none() {
        return None;
    }
    let mut s = format!("{}://{}", target.scheme(), target.host_str()?);
    if let Some(p) = target.port() {
        s.push_str(&format!(":{p}"));
    }
    // Keep any path prefix in front of /api (a proxy may mount the scheduler under one).
    let target_path = target.path();
    if let Some(prefix) = target_path
        .strip_suffix(path)
        .or_else(|| target_path.strip_suffix("/api"))
    {
        s.push_str(prefix);
    }
    Some(s)
}

fn parse_realm(header: &str) -> Option<String> {
    let i = header.find("realm=")?;
    let rest = header[i + 6..].trim_start_matches('"');
    Some(rest.split('"').next().unwrap_or(rest).to_owned())
}

/// The first readable line of an error body, without HTML markup, at most 200 characters.
fn first_line_of(body: &str) -> String {
    let mut text = String::with_capacity(body.len().min(4096));
    let mut in_tag = false;
    for c in body.chars().take(20_000) {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    let line = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    line.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_errors_in_plain_words() {
        use rustls::CertificateError as C;
        let e = |c| explain_tls(&rustls::Error::InvalidCertificate(c));
        assert!(e(C::UnknownIssuer).contains("not trusted (unknown issuer): "));
        assert!(e(C::UnknownIssuer).contains("--ca-cert FILE"));
        assert!(e(C::Expired).contains("has expired"));
        assert!(e(C::NotValidYet).contains("not valid yet"));
        let name = e(C::NotValidForNameContext {
            expected: rustls::pki_types::ServerName::try_from("a.example").unwrap(),
            presented: vec![
                "DnsName(\"b.example\")".into(),
                "IpAddress(10.0.0.1)".into(),
            ],
        });
        assert!(
            name.contains("this URL names a.example, the certificate is for b.example, 10.0.0.1"),
            "{name}"
        );
    }

    #[test]
    fn redirect_locations_resolve_to_a_base() {
        assert_eq!(
            resolve_location("http://a:1/api", "http://b:2/api", "/api").as_deref(),
            Some("http://b:2")
        );
        assert_eq!(
            resolve_location("http://a:1/api", "/api", "/api").as_deref(),
            Some("http://a:1")
        );
        assert_eq!(
            resolve_location("http://a:1/api", "https://b/x/api", "/api").as_deref(),
            Some("https://b/x")
        );
        assert_eq!(
            resolve_location("http://a:1/api", "ftp://b/api", "/api"),
            None
        );
        // The maintenance page redirects to the leader's page.
        assert_eq!(
            resolve_location(
                "http://a:1/maintenance",
                "http://b:2/x/maintenance",
                "/maintenance"
            )
            .as_deref(),
            Some("http://b:2/x")
        );
    }

    #[test]
    fn first_bytes_that_cannot_begin_a_reply_are_refused() {
        let b = Protocol::Binary;
        assert_eq!(sniff_thrift(b, "killTasks", &[0x80, 1]), Sniffed::NeedMore);
        assert_eq!(
            sniff_thrift(b, "killTasks", &[0x80, 1, 0, 2]),
            Sniffed::Plausible
        );
        assert_eq!(
            sniff_thrift(b, "killTasks", &[0x80, 1, 0, 3]),
            Sniffed::Plausible
        );
        assert_eq!(
            sniff_thrift(b, "killTasks", &[0, 0, 0, 9]),
            Sniffed::Plausible
        );
        for bad in [
            &[0u8, 0, 0, 0][..],
            b"<htm",
            &[0x80, 1, 0, 0],
            &[0x1f, 0x8b, 8, 0],
        ] {
            assert!(
                matches!(sniff_thrift(b, "killTasks", bad), Sniffed::Impossible(_)),
                "{bad:?}"
            );
        }
        let j = Protocol::Json;
        assert_eq!(sniff_thrift(j, "x", b" \n[1,"), Sniffed::Plausible);
        assert!(matches!(
            sniff_thrift(j, "x", b"<html>"),
            Sniffed::Impossible(_)
        ));
    }

    #[test]
    fn an_envelope_must_answer_the_call() {
        let h = |name: &str, kind, seq| MessageHeader {
            name: name.into(),
            kind,
            seq,
        };
        assert_eq!(
            envelope_mismatch(&h("killTasks", MessageType::Reply, 7), "killTasks", 7),
            None
        );
        assert_eq!(
            envelope_mismatch(&h("killTasks", MessageType::Exception, 7), "killTasks", 7),
            None
        );
        assert_eq!(
            envelope_mismatch(&h("getRoleSummary", MessageType::Reply, 7), "killTasks", 7)
                .as_deref(),
            Some("a reply to \"getRoleSummary\"")
        );
        assert_eq!(
            envelope_mismatch(&h("killTasks", MessageType::Reply, 8), "killTasks", 7).as_deref(),
            Some("sequence id 8")
        );
        assert_eq!(
            envelope_mismatch(&h("killTasks", MessageType::Call, 7), "killTasks", 7).as_deref(),
            Some("a message of type Call")
        );
    }

    #[test]
    fn only_known_reads_may_follow_several_redirects() {
        assert!(is_read_only("getTasksWithoutConfigs"));
        assert!(is_read_only("maintenanceStatus"));
        for change in [
            "killTasks",
            "restartShards",
            "startJobUpdate",
            "drainHosts",
            "pulseJobUpdate",
        ] {
            assert!(!is_read_only(change), "{change}");
        }
    }

    #[test]
    fn realm_and_error_lines() {
        assert_eq!(
            parse_realm("Basic realm=\"Apache Aurora Scheduler\"").as_deref(),
            Some("Apache Aurora Scheduler")
        );
        assert_eq!(parse_realm("Negotiate"), None);
        assert_eq!(
            first_line_of("<html><head><title>Error 503</title></head><body>No leader</body>"),
            "Error 503 No leader"
        );
    }
}
