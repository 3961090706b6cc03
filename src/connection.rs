//! Reaching a scheduler: the `--scheduler` URL, or a cluster of Aurora's clusters.json (its
//! URL, or its leader found through ZooKeeper and then followed). `eos get` asks once; the
//! console keeps the ZooKeeper watch running and can switch to another cluster by name.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::aurora::client::{AuroraClient, ClientConfig};
use crate::aurora::clusters::{Clusters, Reach};
use crate::aurora::credentials::{Credentials, redact_url, split_userinfo};
use crate::aurora::wire::Protocol;
use crate::aurora::zk::{self, LeaderView, ZkTimeouts};
use crate::backend::Backend;
use crate::backend::swarm::SwarmBackend;
use crate::swarm::client::{SwarmClient, SwarmConfig};
use crate::swarm::target::{self, DockerEnv};

/// How to reach a scheduler, as plain values: the command line's connection flags convert
/// into this (`cli::ConnectArgs::options`), so this layer depends on no argument parser and
/// tests or other front ends can build one directly. Messages still name the flags
/// (`--timeout`), since that is where a person sets them.
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    /// Scheduler base URL (`--scheduler`).
    pub scheduler: Option<String>,
    /// A cluster of clusters.json (`--cluster`).
    pub cluster: Option<String>,
    /// Extra certificate authorities (`--ca-cert`).
    pub ca_cert: Option<PathBuf>,
    pub protocol: Protocol,
    /// Seconds to wait for a TCP/TLS connection.
    pub connect_timeout: f64,
    /// Seconds to wait for a whole reply.
    pub timeout: f64,
    /// The largest reply read, in MiB.
    pub max_reply_mb: u64,
    /// A Docker Swarm's Engine instead of Aurora (`--docker[=URL]`; empty: the bare flag,
    /// i.e. DOCKER_HOST, the docker context, the default socket).
    pub docker: Option<String>,
}

/// What a connection is made from: the options, clusters.json, and the per-cluster CA files
/// of Eos's config.
#[derive(Clone, Debug)]
pub struct Connector {
    pub args: ConnectOptions,
    /// `[clusters.NAME] ca_cert` from Eos's config.
    pub cluster_cas: BTreeMap<String, PathBuf>,
    /// `[clusters.NAME] docker = "URL"` from Eos's config: these clusters are Swarms.
    pub cluster_dockers: BTreeMap<String, String>,
}

/// A scheduler the console talks to.
pub struct Connection {
    /// The scheduler behind the backend boundary (Aurora's client, or a Swarm's).
    pub backend: Arc<dyn Backend>,
    /// The clusters.json name, when reached by name.
    pub cluster: Option<String>,
    /// ZooKeeper's word on the leader, for clusters found through it; the watch stops when
    /// this is dropped.
    pub leader: Option<watch::Receiver<Option<LeaderView>>>,
    /// What the user should know before relying on it (shown, never printed over the screen).
    pub warnings: Vec<String>,
}

impl Connector {
    pub fn new(args: &ConnectOptions, config: &crate::config::Config) -> Connector {
        Connector {
            args: args.clone(),
            cluster_cas: config
                .clusters
                .iter()
                .filter_map(|(n, c)| Some((n.clone(), c.ca_cert.clone()?)))
                .collect(),
            cluster_dockers: crate::cluster_list::docker_clusters(config),
        }
    }

    /// A Swarm's connection: the Engine answers the version negotiation (a real read) or
    /// this fails. `url` empty means the bare `--docker`.
    async fn connect_docker(&self, url: &str, cluster: Option<&str>) -> Result<Connection, String> {
        let endpoint = target::resolve(url, &DockerEnv::from_process())?;
        let cfg = SwarmConfig {
            connect_timeout: positive_secs(self.args.connect_timeout, "--connect-timeout")?,
            timeout: positive_secs(self.args.timeout, "--timeout")?,
            max_reply_bytes: max_reply_bytes(self.args.max_reply_mb)?,
            ..SwarmConfig::new(endpoint)
        };
        let client = SwarmClient::connect(cfg).await.map_err(|e| e.to_string())?;
        Ok(Connection {
            backend: Arc::new(SwarmBackend::new(client)),
            cluster: cluster.map(str::to_owned),
            leader: None,
            warnings: Vec::new(),
        })
    }

    fn zk_timeouts(&self) -> Result<ZkTimeouts, String> {
        Ok(ZkTimeouts {
            connect: positive_secs(self.args.connect_timeout, "--connect-timeout")?,
            ..Default::default()
        })
    }

    /// The client configuration for `url`; `cluster`'s CA file applies unless `--ca-cert`
    /// was given.
    fn config_for(&self, url: &str, cluster: Option<&str>) -> Result<ClientConfig, String> {
        let mut cfg = client_config_for(url, &self.args)?;
        if self.args.ca_cert.is_none()
            && let Some(ca) = cluster.and_then(|c| self.cluster_cas.get(c))
        {
            cfg.extra_roots = read_ca_certs(ca).map_err(|e| {
                format!(
                    "[clusters.{}] ca_cert: {}",
                    cluster.unwrap_or_default(),
                    e.trim_start_matches("--ca-cert ")
                )
            })?;
        }
        Ok(cfg)
    }

    /// A client for a cluster by name, its leader looked up once (the `:clusters` probe).
    pub async fn probe_client(&self, name: &str) -> Result<AuroraClient, String> {
        let clusters = Clusters::load()?;
        let c = clusters.get(name)?;
        let url = c.resolve_url(self.zk_timeouts()?).await?;
        let mut cfg = self.config_for(&url, Some(name))?;
        use_kerberos(&mut cfg, &c.auth_mechanism);
        AuroraClient::new(cfg).map_err(|e| e.to_string())
    }

    /// A `:cluster` switch: the connection, once its scheduler has answered a cheap read. The
    /// console stays where it is when the other cluster cannot be reached.
    pub async fn switch_to(&self, name: &str) -> Result<Connection, String> {
        if let Some(url) = self.cluster_dockers.get(name) {
            // Connecting to a Swarm already asked the Engine (the version negotiation).
            return self.connect_docker(url, Some(name)).await;
        }
        let (client, conn) = self.connect_aurora(Some(name)).await?;
        client.get_tier_configs().await.map_err(|e| e.to_string())?;
        Ok(conn)
    }

    /// One look (`eos get`): the client configuration, a ZooKeeper leader looked up now.
    pub async fn client_config(&self) -> Result<ClientConfig, String> {
        if let Some(name) = &self.args.cluster {
            let clusters = Clusters::load()?;
            let cluster = clusters.get(name)?;
            if let Some(w) = kerberos_warning(name, &cluster.auth_mechanism) {
                eprintln!("eos: warning: {w}");
            }
            let url = cluster.resolve_url(self.zk_timeouts()?).await?;
            let mut cfg = self.config_for(&url, Some(name))?;
            use_kerberos(&mut cfg, &cluster.auth_mechanism);
            return Ok(cfg);
        }
        let from_env = std::env::var("EOS_SCHEDULER")
            .ok()
            .filter(|v| !v.is_empty());
        let url = self
            .args
            .scheduler
            .as_deref()
            .or(from_env.as_deref())
            .ok_or(
                "no scheduler given: pass --scheduler URL (or set EOS_SCHEDULER), --cluster NAME \
             (`eos clusters` lists them), or try `eos demo`",
            )?;
        self.config_for(url, None)
    }

    /// A connection for the console: `cluster` by name, or what the flags say when `None`.
    /// A ZooKeeper cluster's watch keeps running in the connection; the first reading must
    /// name a leader, or this fails with ZooKeeper's reason.
    pub async fn connect(&self, cluster: Option<&str>) -> Result<Connection, String> {
        if cluster.is_none()
            && let Some(url) = &self.args.docker
        {
            return self.connect_docker(url, None).await;
        }
        if let Some(name) = cluster.or(self.args.cluster.as_deref())
            && let Some(url) = self.cluster_dockers.get(name)
        {
            return self.connect_docker(url, Some(name)).await;
        }
        Ok(self.connect_aurora(cluster).await?.1)
    }

    /// An Aurora connection, and its client (for a first read before it is used).
    async fn connect_aurora(
        &self,
        cluster: Option<&str>,
    ) -> Result<(AuroraClient, Connection), String> {
        let Some(name) = cluster.or(self.args.cluster.as_deref()) else {
            let cfg = self.client_config().await?;
            let client = aurora_client(&cfg)?;
            return Ok((
                client.clone(),
                Connection {
                    backend: Arc::new(client),
                    cluster: None,
                    leader: None,
                    warnings: Vec::new(),
                },
            ));
        };
        let clusters = Clusters::load()?;
        let c = clusters.get(name)?;
        let warnings = kerberos_warning(name, &c.auth_mechanism)
            .into_iter()
            .collect();
        let (url, leader) = match c.reach() {
            Reach::ZooKeeper { hosts, port, path } => {
                let servers = zk::connect_string(&hosts, port);
                let timeouts = self.zk_timeouts()?;
                let (tx, mut rx) = watch::channel(None);
                tokio::spawn(zk::watch(hosts, port, path, timeouts, tx));
                // The watch's first reading (it bounds its own connection attempt).
                let limit = timeouts.connect + timeouts.session + Duration::from_secs(1);
                let view = match tokio::time::timeout(limit, rx.wait_for(Option::is_some)).await {
                    Ok(Ok(v)) => v.clone(),
                    _ => None,
                };
                rx.mark_unchanged();
                match view {
                    Some(LeaderView::Leader(url)) => (url, Some(rx)),
                    Some(LeaderView::NoLeader(why)) => {
                        return Err(format!("cluster {name:?}: {why}"));
                    }
                    Some(LeaderView::Unreachable(why)) => {
                        return Err(format!(
                            "cluster {name:?}: ZooKeeper {servers} unreachable ({why})"
                        ));
                    }
                    None => {
                        return Err(format!(
                            "cluster {name:?}: ZooKeeper gave no answer within {} s",
                            limit.as_secs()
                        ));
                    }
                }
            }
            _ => (c.url()?, None),
        };
        let mut cfg = self.config_for(&url, Some(name))?;
        use_kerberos(&mut cfg, &c.auth_mechanism);
        let client = aurora_client(&cfg)?;
        Ok((
            client.clone(),
            Connection {
                backend: Arc::new(client),
                cluster: Some(name.to_owned()),
                leader,
                warnings,
            },
        ))
    }
}

fn aurora_client(cfg: &ClientConfig) -> Result<AuroraClient, String> {
    AuroraClient::new(cfg.clone()).map_err(|e| e.to_string())
}

/// A `KERBEROS` cluster: log in with Negotiate (the user's kinit ticket) instead of Basic.
#[cfg(feature = "kerberos")]
fn use_kerberos(cfg: &mut ClientConfig, mechanism: &str) {
    if mechanism.eq_ignore_ascii_case("KERBEROS") {
        cfg.kerberos = true;
        cfg.credentials = None;
    }
}

/// Without the `kerberos` feature a `KERBEROS` cluster is reached as before (with a warning).
#[cfg(not(feature = "kerberos"))]
fn use_kerberos(_cfg: &mut ClientConfig, _mechanism: &str) {}

#[cfg(feature = "kerberos")]
fn kerberos_warning(_name: &str, _mechanism: &str) -> Option<String> {
    None
}

#[cfg(not(feature = "kerberos"))]
fn kerberos_warning(name: &str, mechanism: &str) -> Option<String> {
    mechanism.eq_ignore_ascii_case("KERBEROS").then(|| {
        format!(
            "cluster {name:?} uses Kerberos, but this eos was built without the `kerberos` \
             feature (rebuild with `--features kerberos`); reads work, changes will be refused \
             by the scheduler"
        )
    })
}

/// The client configuration for `url` from the options (the URL's credentials, else
/// EOS_USER or netrc; `--ca-cert` read now).
pub fn client_config_for(url: &str, args: &ConnectOptions) -> Result<ClientConfig, String> {
    // `host:8081` (no scheme) means plain http, as the scheduler's own port does; otherwise
    // the URL parser reads `host` as a scheme.
    let with_scheme;
    let url = if url.contains("://") {
        url
    } else {
        with_scheme = format!("http://{url}");
        &with_scheme
    };
    let shown = redact_url(url);
    let (url, from_url) =
        split_userinfo(url).ok_or_else(|| format!("bad scheduler URL {shown:?}: not a URL"))?;
    let url = url.as_str();
    let parsed =
        reqwest::Url::parse(url).map_err(|e| format!("bad scheduler URL {shown:?}: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!(
            "bad scheduler URL {shown:?}: use http:// or https://"
        ));
    }
    let host = parsed.host_str().unwrap_or_default().to_owned();
    // Accept a URL that already ends in /api: the client appends it.
    let base = url
        .trim_end_matches('/')
        .trim_end_matches("/api")
        .to_owned();
    let secs = positive_secs;
    let mut cfg = ClientConfig::new(base);
    cfg.protocol = args.protocol;
    cfg.connect_timeout = secs(args.connect_timeout, "--connect-timeout")?;
    cfg.request_timeout = secs(args.timeout, "--timeout")?;
    cfg.max_reply_bytes = max_reply_bytes(args.max_reply_mb)?;
    // A `user:password@` in the URL wins over EOS_USER and netrc, as in curl; the URL the
    // client keeps (and every message shows) no longer carries it.
    cfg.credentials = from_url.or_else(|| Credentials::discover(&host));
    if let Some(file) = &args.ca_cert {
        cfg.extra_roots = read_ca_certs(file)?;
    }
    Ok(cfg)
}

/// `--max-reply-mb` in bytes.
pub fn max_reply_bytes(mb: u64) -> Result<usize, String> {
    match mb.checked_mul(1 << 20).map(usize::try_from) {
        Some(Ok(b)) if mb > 0 => Ok(b),
        _ => Err(format!(
            "--max-reply-mb must be a whole number of MB from 1 to {}",
            usize::MAX >> 20
        )),
    }
}

pub fn positive_secs(s: f64, what: &str) -> Result<Duration, String> {
    if s.is_finite() && s > 0.0 {
        Ok(Duration::from_secs_f64(s))
    } else {
        Err(format!("{what} must be a positive number of seconds"))
    }
}

/// The certificates of a PEM file (`--ca-cert`), or why they cannot be used.
pub fn read_ca_certs(file: &std::path::Path) -> Result<Vec<reqwest::Certificate>, String> {
    let f = file.display();
    let pem = std::fs::read(file).map_err(|e| format!("--ca-cert {f}: cannot read: {e}"))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|e| format!("--ca-cert {f}: not a PEM certificate file: {e}"))?;
    if certs.is_empty() {
        return Err(format!(
            "--ca-cert {f}: no certificate in it (expected -----BEGIN CERTIFICATE-----)"
        ));
    }
    Ok(certs)
}
