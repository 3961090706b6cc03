//! Runs effects at the edge: calls to the backend (`backend::Backend`, never a client
//! directly) on tokio, whose results come back as actions. A newer fetch of the same resource
//! aborts the older one (its reply would be dropped anyway). The link's up/down/moved news is
//! kept here, the same for every backend; the audit log is written by the backend that sent
//! the call (this runner says where it goes).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use crate::app::clusters::ClusterHealth;
use crate::app::editor::Previewed;
use crate::app::link::LinkNews;
use crate::app::ops::Operation;
use crate::app::resource::{Data, ResourceKey};
use crate::app::{Action, Effect, Fetched, Mutated, MutationOutcome};
use crate::backend::{Backend, FetchError, Polled};
use crate::connection::{Connection, Connector};

/// The scheduler-side clock in epoch ms (wall clock, or the simulator's in `eos demo`).
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

pub fn wall_clock() -> Clock {
    Arc::new(|| chrono::Utc::now().timestamp_millis())
}

pub struct Effects {
    /// The scheduler, behind the backend boundary.
    backend: Arc<dyn Backend>,
    tx: UnboundedSender<Action>,
    clock: Clock,
    in_flight: HashMap<ResourceKey, JoinHandle<()>>,
    /// Where mutations are recorded; `None` disables the log.
    pub audit: Option<std::path::PathBuf>,
    /// What the edge last told the reducer about the link (shared with running fetches).
    link: Arc<Mutex<EdgeLink>>,
    /// Makes connections for `:cluster` and probes `:clusters` (`None`: no clusters.json
    /// here, e.g. `eos demo`).
    pub connector: Option<Arc<Connector>>,
    /// Where a finished `:cluster` connection goes: the console loop owns connections.
    pub connections: Option<UnboundedSender<(String, Result<Connection, String>)>>,
}

/// The link as last reported: only changes are sent on, so an outage is one action, not one
/// per failed poll.
#[derive(Debug, Default)]
struct EdgeLink {
    /// Bumped when the client is replaced: a late reply of the old one says nothing.
    epoch: u64,
    down: bool,
    /// Where calls went, as last reported.
    base: String,
}

impl Effects {
    pub fn new(backend: Arc<dyn Backend>, tx: UnboundedSender<Action>, clock: Clock) -> Effects {
        let link = EdgeLink {
            base: backend.endpoint(),
            ..Default::default()
        };
        Effects {
            backend,
            tx,
            clock,
            in_flight: HashMap::new(),
            audit: crate::audit::default_path(),
            link: Arc::new(Mutex::new(link)),
            connector: None,
            connections: None,
        }
    }

    /// Talks to another scheduler from now on (a `:cluster` switch). Polls in flight are
    /// dropped; mutations in flight run to their answer (a switch waits for them anyway).
    pub fn set_backend(&mut self, backend: Arc<dyn Backend>) {
        for (_, h) in self.in_flight.drain() {
            h.abort();
        }
        if let Ok(mut l) = self.link.lock() {
            *l = EdgeLink {
                epoch: l.epoch + 1,
                down: false,
                base: backend.endpoint(),
            };
        }
        self.backend = backend;
    }

    pub fn backend(&self) -> &Arc<dyn Backend> {
        &self.backend
    }

    /// ZooKeeper named a new leader: later calls go there. Returns the news for the reducer
    /// (`None` when calls already went there).
    pub fn repoint(&mut self, url: &str) -> Option<LinkNews> {
        let from = self.backend.endpoint();
        self.backend.follow_leader(url);
        let to = self.backend.endpoint();
        let mut l = self.link.lock().ok()?;
        l.base = to.clone();
        l.down = false;
        (from != to).then_some(LinkNews::Moved {
            from,
            to,
            via: "ZooKeeper",
        })
    }

    /// Carries out one effect; false when the console should quit.
    pub fn run(&mut self, effect: Effect) -> bool {
        match effect {
            Effect::Quit => return false,
            Effect::Copy(text) => copy_osc52(&text),
            Effect::Mutate { id, op, cluster } => {
                let (backend, tx) = (self.backend.clone(), self.tx.clone());
                let audit = self.audit.clone();
                // Never aborted, never retried: a mutation runs to its answer exactly once.
                tokio::spawn(async move {
                    let outcome = mutate(&*backend, &op, audit.as_deref(), &cluster).await;
                    let _ = tx.send(Action::Mutated(Box::new(Mutated { id, op, outcome })));
                });
            }
            Effect::PreviewUpdate { id, request } => {
                let (backend, tx) = (self.backend.clone(), self.tx.clone());
                tokio::spawn(async move {
                    let result = backend.preview(&request).await;
                    let _ = tx.send(Action::Previewed(Box::new(Previewed { id, result })));
                });
            }
            // The log pane's observer and Engine calls (src/effects_logs.rs).
            Effect::LogFetch(f) => {
                let clock = self.clock.clone();
                let backend = self.backend.clone();
                crate::effects_logs::spawn(*f, backend, self.tx.clone(), move || clock())
            }
            Effect::LogSave { path, text } => {
                crate::effects_logs::spawn_save(path, text, self.tx.clone())
            }
            Effect::Connect { cluster } => {
                let (Some(connector), Some(out)) =
                    (self.connector.clone(), self.connections.clone())
                else {
                    let _ = self.tx.send(Action::ConnectFailed {
                        cluster,
                        error: "no clusters.json here (this console was started on one \
                                scheduler)"
                            .into(),
                    });
                    return true;
                };
                tokio::spawn(async move {
                    // The message names the cluster already ("cannot switch to NAME: …").
                    let prefix = format!("cluster {cluster:?}: ");
                    let result = connector
                        .switch_to(&cluster)
                        .await
                        .map_err(|e| e.strip_prefix(&prefix).map(str::to_owned).unwrap_or(e));
                    let _ = out.send((cluster, result));
                });
            }
            Effect::Fetch {
                key: ResourceKey::Clusters,
                generation,
            } => {
                if let Some(old) = self.in_flight.remove(&ResourceKey::Clusters) {
                    old.abort();
                }
                let (connector, tx, clock) =
                    (self.connector.clone(), self.tx.clone(), self.clock.clone());
                let handle = tokio::spawn(async move {
                    let started = Instant::now();
                    let result = match connector {
                        Some(c) => probe_clusters(&c).await,
                        None => Err("no clusters.json here (this console was started on one \
                                     scheduler)"
                            .into()),
                    };
                    let _ = tx.send(Action::Fetched(Box::new(Fetched {
                        key: ResourceKey::Clusters,
                        generation,
                        at: clock(),
                        latency_ms: started.elapsed().as_millis() as u64,
                        result,
                        cluster: None,
                    })));
                });
                self.in_flight.insert(ResourceKey::Clusters, handle);
            }
            Effect::Fetch { key, generation } => {
                if let Some(old) = self.in_flight.remove(&key) {
                    old.abort();
                }
                let (backend, tx, clock) =
                    (self.backend.clone(), self.tx.clone(), self.clock.clone());
                let link = self.link.clone();
                let epoch = self.link.lock().map(|l| l.epoch).unwrap_or_default();
                let k = key.clone();
                let handle = tokio::spawn(async move {
                    let started = Instant::now();
                    let result = backend.fetch(&k).await;
                    let latency_ms = started.elapsed().as_millis() as u64;
                    for news in link_news(&link, epoch, &*backend, &result) {
                        let _ = tx.send(Action::Link(news));
                    }
                    let (result, cluster) = match result {
                        Ok((d, c)) => (Ok(d), c),
                        Err(e) => (Err(e.text), None),
                    };
                    let _ = tx.send(Action::Fetched(Box::new(Fetched {
                        key: k,
                        generation,
                        at: clock(),
                        latency_ms,
                        result,
                        cluster,
                    })));
                });
                self.in_flight.retain(|_, h| !h.is_finished());
                self.in_flight.insert(key, handle);
            }
        }
        true
    }
}

/// Sends one mutation through the backend, which records the calls it sends in the audit log
/// (`backend/mod.rs`), and returns the outcome. Never retried: a mutation runs to its answer
/// exactly once.
pub async fn mutate(
    b: &dyn Backend,
    op: &Operation,
    audit: Option<&std::path::Path>,
    cluster: &str,
) -> MutationOutcome {
    b.mutate(
        op,
        crate::audit::AuditTo {
            path: audit,
            cluster,
        },
    )
    .await
}

/// Puts text on the terminal's clipboard (OSC 52); terminals without support ignore it.
fn copy_osc52(text: &str) {
    use base64::Engine as _;
    use std::io::Write as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(text);
    let mut out = std::io::stdout().lock();
    let _ = write!(out, "\x1b]52;c;{b64}\x07");
    let _ = out.flush();
}

/// What changed in the link, judged from one poll's result (and the client's leader).
fn link_news(
    link: &Mutex<EdgeLink>,
    epoch: u64,
    backend: &dyn Backend,
    result: &Polled,
) -> Vec<LinkNews> {
    let mut news = Vec::new();
    let Ok(mut l) = link.lock() else {
        return news;
    };
    if l.epoch != epoch {
        return news;
    }
    let base = backend.endpoint();
    if base != l.base {
        news.push(LinkNews::Moved {
            from: std::mem::replace(&mut l.base, base.clone()),
            to: base,
            via: "redirect",
        });
    }
    match result {
        Err(FetchError {
            outage: Some((kind, detail)),
            ..
        }) if !l.down => {
            l.down = true;
            news.push(LinkNews::Down {
                kind: *kind,
                detail: detail.clone(),
            });
        }
        Ok(_) if l.down => {
            l.down = false;
            news.push(LinkNews::Up);
        }
        _ => {}
    }
    news
}

/// Probes every cluster by name: finds an Aurora cluster's scheduler (ZooKeeper included) and
/// times a cheap read; connects to a Swarm's Engine (the API version negotiation is a read).
/// Each probe is bounded by short timeouts, and they run side by side.
async fn probe_clusters(connector: &Connector) -> Result<Data, String> {
    use crate::cluster_list::{ClusterKind, cluster_entries};
    let clusters = crate::aurora::clusters::Clusters::load()?;
    let entries = cluster_entries(&clusters, &connector.cluster_dockers, None);
    let mut probes = tokio::task::JoinSet::new();
    let mut quick = connector.clone();
    quick.args.connect_timeout = quick.args.connect_timeout.min(3.0);
    quick.args.timeout = quick.args.timeout.min(5.0);
    let quick = Arc::new(quick);
    for (i, c) in entries.into_iter().enumerate() {
        let connector = quick.clone();
        probes.spawn(async move {
            let started = Instant::now();
            let (leader, health) = match c.kind {
                ClusterKind::Docker => match connector.switch_to(&c.name).await {
                    Ok(_) => (None, Ok(started.elapsed().as_millis() as u64)),
                    Err(e) => (None, Err(e)),
                },
                ClusterKind::Aurora => match connector.probe_client(&c.name).await {
                    Ok(client) => {
                        let r = client.get_tier_configs().await;
                        let leader = Some(client.current_base());
                        match r {
                            Ok(_) => (leader, Ok(started.elapsed().as_millis() as u64)),
                            Err(e) => (leader, Err(e.to_string())),
                        }
                    }
                    // The row already names the cluster.
                    Err(e) => {
                        let prefix = format!("cluster {:?}: ", c.name);
                        (None, Err(e.strip_prefix(&prefix).unwrap_or(&e).to_owned()))
                    }
                },
            };
            (
                i,
                ClusterHealth {
                    name: c.name,
                    kind: c.kind,
                    reached: c.reached_at,
                    auth: c.auth_mechanism.unwrap_or_else(|| "-".into()),
                    leader,
                    health,
                },
            )
        });
    }
    let mut out = Vec::new();
    while let Some(r) = probes.join_next().await {
        if let Ok(x) = r {
            out.push(x);
        }
    }
    out.sort_by_key(|(i, _)| *i);
    Ok(Data::Clusters(out.into_iter().map(|(_, h)| h).collect()))
}
