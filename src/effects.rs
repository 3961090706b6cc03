//! Runs effects at the edge: API calls on tokio, whose results come back as actions. A newer
//! fetch of the same resource aborts the older one (its reply would be dropped anyway).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use crate::app::clusters::ClusterHealth;
use crate::app::editor::Previewed;
use crate::app::link::{LinkNews, OutageKind};
use crate::app::ops::{Control, Operation};
use crate::app::resource::{Data, PendingScope, ResourceKey};
use crate::app::{Action, Effect, Fetched, Mutated, MutationOutcome};
use crate::aurora::client::{AuroraClient, ClientError, ClientResult, Reply, TransportKind};
use crate::aurora::model::InstanceKey;
use crate::aurora::model::*;
use crate::connection::{Connection, Connector};

/// The scheduler-side clock in epoch ms (wall clock, or the simulator's in `eos demo`).
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

pub fn wall_clock() -> Clock {
    Arc::new(|| chrono::Utc::now().timestamp_millis())
}

pub struct Effects {
    client: AuroraClient,
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
    pub fn new(client: AuroraClient, tx: UnboundedSender<Action>, clock: Clock) -> Effects {
        let link = EdgeLink {
            base: client.current_base(),
            ..Default::default()
        };
        Effects {
            client,
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
    pub fn set_client(&mut self, client: AuroraClient) {
        for (_, h) in self.in_flight.drain() {
            h.abort();
        }
        if let Ok(mut l) = self.link.lock() {
            *l = EdgeLink {
                epoch: l.epoch + 1,
                down: false,
                base: client.current_base(),
            };
        }
        self.client = client;
    }

    pub fn client(&self) -> &AuroraClient {
        &self.client
    }

    /// ZooKeeper named a new leader: later calls go there. Returns the news for the reducer
    /// (`None` when calls already went there).
    pub fn repoint(&mut self, url: &str) -> Option<LinkNews> {
        let from = self.client.current_base();
        self.client.set_base(url);
        let to = self.client.current_base();
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
                let (client, tx) = (self.client.clone(), self.tx.clone());
                let audit = self.audit.clone();
                // Never aborted, never retried: a mutation runs to its answer exactly once.
                tokio::spawn(async move {
                    let outcome = mutate(&client, &op, audit.as_deref(), &cluster).await;
                    let _ = tx.send(Action::Mutated(Box::new(Mutated { id, op, outcome })));
                });
            }
            Effect::PreviewUpdate { id, request } => {
                let (client, tx) = (self.client.clone(), self.tx.clone());
                tokio::spawn(async move {
                    let result = preview(&client, &request).await;
                    let _ = tx.send(Action::Previewed(Box::new(Previewed { id, result })));
                });
            }
            // The log pane's observer calls (src/effects_logs.rs).
            Effect::LogFetch(f) => {
                let clock = self.clock.clone();
                crate::effects_logs::spawn(*f, self.tx.clone(), move || clock())
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
                let (client, tx, clock) =
                    (self.client.clone(), self.tx.clone(), self.clock.clone());
                let link = self.link.clone();
                let epoch = self.link.lock().map(|l| l.epoch).unwrap_or_default();
                let k = key.clone();
                let handle = tokio::spawn(async move {
                    let started = Instant::now();
                    let result = fetch_inner(&client, &k).await;
                    let latency_ms = started.elapsed().as_millis() as u64;
                    for news in link_news(&link, epoch, &client, &result) {
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

/// The update editor's preview: what getJobUpdateDiff says the request would do.
pub async fn preview(
    c: &AuroraClient,
    request: &JobUpdateRequest,
) -> Result<GetJobUpdateDiffResult, String> {
    c.get_job_update_diff(request.clone())
        .await
        .map(|r| r.value)
        .map_err(|e| e.to_string())
}

/// What a failed change did, decided by *when* it failed, never by the words of the error:
/// "not executed" only when that is certain (the request never left; Aurora's own redirect
/// loop, whose 307s come before anything runs; 403 from its auth filter; refused by Eos
/// itself), "outcome unknown" for everything that came back after the request was sent.
fn classify_failure(e: ClientError) -> MutationOutcome {
    let failed = |e: &ClientError| MutationOutcome::Failed {
        error: e.to_string(),
    };
    let unknown = |why: String| MutationOutcome::Unknown { error: why };
    match &e {
        ClientError::Transport { sent: false, .. }
        | ClientError::Refused(_)
        | ClientError::RedirectLoop { .. }
        | ClientError::TooManyRedirects { .. }
        | ClientError::Http { status: 403, .. } => failed(&e),
        // A status from the scheduler or a proxy in front of it: a proxy's 503, 520, 429 or
        // 408 can come after the scheduler acted.
        ClientError::Http { status, .. } => unknown(format!(
            "a {status} came back; the scheduler may have acted: {e}"
        )),
        ClientError::Exception { .. } => unknown(format!(
            "the scheduler may have acted before it failed: {e}"
        )),
        _ => unknown(e.to_string()),
    }
}

/// Sends one mutation, records it in the audit log, and classifies the outcome.
pub async fn mutate(
    c: &AuroraClient,
    op: &Operation,
    audit: Option<&std::path::Path>,
    cluster: &str,
) -> MutationOutcome {
    let started = Instant::now();
    let unit = |r: Reply<()>| (r, None, None);
    let result = match op {
        Operation::Kill {
            job,
            instances,
            message,
        } => c
            .kill_tasks(job, instances, message.as_deref())
            .await
            .map(unit),
        Operation::KillJob { job, message } => {
            c.kill_whole_job(job, message.as_deref()).await.map(unit)
        }
        Operation::Restart { job, instances } => c.restart_shards(job, instances).await.map(unit),
        Operation::AddInstances {
            job,
            template,
            count,
        } => {
            let key = InstanceKey {
                job_key: Some(job.clone()),
                instance_id: Some(*template),
            };
            c.add_instances(key, *count).await.map(unit)
        }
        Operation::Control {
            key,
            control,
            message,
        } => {
            let m = message.as_deref();
            match control {
                Control::Pause => c.pause_job_update(key, m).await,
                Control::Resume => c.resume_job_update(key, m).await,
                Control::Abort => c.abort_job_update(key, m).await,
                Control::Rollback => c.rollback_job_update(key, m).await,
            }
            .map(unit)
        }
        Operation::Pulse { key } => c.pulse_job_update(key).await.map(|r| {
            let status = r.value;
            (without_value(r), None, Some(status))
        }),
        Operation::StartUpdate { request, message } => c
            .start_job_update((**request).clone(), message.as_deref())
            .await
            .map(|r| {
                let key = r
                    .value
                    .as_ref()
                    .and_then(|v| v.key.as_ref())
                    .map(|k| k.to_string());
                (without_value(r), key, None)
            }),
        Operation::CronStart { job } => c.start_cron_job(job).await.map(unit),
        Operation::Maintenance { action, hosts, .. } => {
            send_maintenance(c, *action, hosts).await.map(unit)
        }
    };
    let duration_ms = started.elapsed().as_millis() as u64;
    let outcome = match result {
        Ok((reply, update_key, pulse)) => MutationOutcome::Done {
            code: reply.code,
            messages: reply.messages,
            update_key,
            pulse,
        },
        Err(ClientError::Api { code, messages, .. }) => MutationOutcome::Refused { code, messages },
        Err(
            e @ (ClientError::Http { status: 401, .. }
            | ClientError::Kerberos { .. }
            | ClientError::KerberosRejected { .. }),
        ) => MutationOutcome::AuthRequired {
            error: e.to_string(),
            tried: c.config().credentials_tried(),
            kerberos: c.config().kerberos,
        },
        Err(e) => classify_failure(e),
    };
    if let Some(path) = audit {
        let (code, details) = match &outcome {
            MutationOutcome::Done { code, messages, .. }
            | MutationOutcome::Refused { code, messages } => (code.to_string(), messages.clone()),
            MutationOutcome::Failed { error } => ("NOT_EXECUTED".into(), vec![error.clone()]),
            MutationOutcome::AuthRequired { error, .. } => ("HTTP_401".into(), vec![error.clone()]),
            MutationOutcome::Unknown { error } => ("OUTCOME_UNKNOWN".into(), vec![error.clone()]),
        };
        let scheduler = c.current_base();
        let entry = crate::audit::Entry {
            time: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            cluster,
            scheduler: &scheduler,
            local_user: crate::audit::local_user(),
            method: op.method(),
            arguments: op.args_json(),
            message: op.message(),
            response_code: code,
            details,
            duration_ms,
        };
        if let Err(e) = crate::audit::append(path, &entry) {
            tracing::warn!("{e}");
        }
    }
    outcome
}

fn without_value<T>(r: Reply<T>) -> Reply<()> {
    Reply {
        value: (),
        code: r.code,
        messages: r.messages,
        server_info: r.server_info,
    }
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

fn cluster_of<T>(r: &Reply<T>) -> Option<String> {
    r.server_info
        .as_ref()
        .and_then(|s| s.cluster_name.clone())
        .filter(|c| !c.is_empty())
}

fn job_query(job: &str, active_only: bool) -> Result<TaskQuery, String> {
    let key = JobKey::parse(job).ok_or_else(|| format!("bad job key {job:?}"))?;
    Ok(crate::get::job_query(&key, active_only))
}

/// Performs the read behind a resource.
/// What changed in the link, judged from one poll's result (and the client's leader).
fn link_news(
    link: &Mutex<EdgeLink>,
    epoch: u64,
    client: &AuroraClient,
    result: &Polled,
) -> Vec<LinkNews> {
    let mut news = Vec::new();
    let Ok(mut l) = link.lock() else {
        return news;
    };
    if l.epoch != epoch {
        return news;
    }
    let base = client.current_base();
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

/// Whether an error is the scheduler failing over (which way, and a few words why for the
/// banner), or something else.
pub fn outage_of(e: &ClientError) -> Option<(OutageKind, String)> {
    match e {
        ClientError::Transport { kind, .. } => match kind {
            TransportKind::Tls => None,
            _ => Some((OutageKind::Unreachable, kind.to_string())),
        },
        ClientError::Http {
            status: 503, body, ..
        } => Some((
            OutageKind::NoLeader,
            format!("503 {body}").trim().to_owned(),
        )),
        ClientError::TooManyRedirects { .. } | ClientError::RedirectLoop { .. } => {
            Some((OutageKind::NoLeader, "redirected in circles".into()))
        }
        ClientError::Http {
            status: status @ (502 | 504),
            ..
        } => Some((OutageKind::Unreachable, format!("{status} from a proxy"))),
        ClientError::Api { code, messages, .. } if *code == ResponseCode::ERROR_TRANSIENT => {
            Some((OutageKind::NoLeader, messages.join("; ")))
        }
        _ => None,
    }
}

/// Probes every cluster of clusters.json: finds its scheduler (ZooKeeper included) and times
/// a cheap read. Each probe is bounded by short timeouts, and they run side by side.
async fn probe_clusters(connector: &Connector) -> Result<Data, String> {
    let clusters = crate::aurora::clusters::Clusters::load()?;
    let mut probes = tokio::task::JoinSet::new();
    let mut quick = connector.clone();
    quick.args.connect_timeout = quick.args.connect_timeout.min(3.0);
    quick.args.timeout = quick.args.timeout.min(5.0);
    let quick = Arc::new(quick);
    for (i, c) in clusters.clusters.values().cloned().enumerate() {
        let connector = quick.clone();
        probes.spawn(async move {
            let started = Instant::now();
            let (leader, health) = match connector.probe_client(&c.name).await {
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
            };
            (
                i,
                ClusterHealth {
                    name: c.name.clone(),
                    reached: c.how_reached(),
                    auth: c.auth_mechanism.clone(),
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

/// A poll's value and the scheduler's name for its cluster, or why it failed.
type Polled = Result<(Data, Option<String>), FetchError>;

/// A poll's failure: its text, and whether it is the scheduler failing over.
#[derive(Debug)]
struct FetchError {
    text: String,
    outage: Option<(OutageKind, String)>,
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl From<String> for FetchError {
    fn from(text: String) -> Self {
        FetchError { text, outage: None }
    }
}

impl From<ClientError> for FetchError {
    fn from(e: ClientError) -> Self {
        FetchError {
            outage: outage_of(&e),
            text: e.to_string(),
        }
    }
}

pub async fn fetch(c: &AuroraClient, key: &ResourceKey) -> Result<(Data, Option<String>), String> {
    fetch_inner(c, key).await.map_err(|e| e.text)
}

async fn fetch_inner(c: &AuroraClient, key: &ResourceKey) -> Polled {
    macro_rules! call {
        ($fut:expr, $wrap:expr) => {{
            let r = $fut.await.map_err(|e| FetchError {
                outage: outage_of(&e),
                text: e.explained(c.config()),
            })?;
            let cluster = cluster_of(&r);
            Ok(($wrap(r.value), cluster))
        }};
    }
    match key {
        ResourceKey::Roles => call!(c.get_role_summary(), Data::Roles),
        ResourceKey::Jobs(role) => call!(c.get_job_summary(role.as_deref()), Data::Jobs),
        ResourceKey::Tasks { job, history } => {
            call!(
                c.get_tasks_without_configs(job_query(job, !history)?),
                Data::Tasks
            )
        }
        ResourceKey::Task(id) => {
            let q = TaskQuery {
                task_ids: Some(vec![id.clone()]),
                ..Default::default()
            };
            call!(c.get_tasks_status(q), |v: Vec<ScheduledTask>| Data::Task(
                v.into_iter().next().map(Box::new)
            ))
        }
        ResourceKey::PendingReasons(scope) => {
            let q = match scope {
                PendingScope::All => TaskQuery::default(),
                PendingScope::Job(job) => TaskQuery {
                    statuses: None,
                    ..job_query(job, false)?
                },
                PendingScope::Task(id) => TaskQuery {
                    task_ids: Some(vec![id.clone()]),
                    ..Default::default()
                },
            };
            call!(c.get_pending_reason(q), Data::PendingReasons)
        }
        ResourceKey::StuckTasks => {
            let q = TaskQuery {
                statuses: Some(vec![ScheduleStatus::PENDING, ScheduleStatus::THROTTLED]),
                ..Default::default()
            };
            call!(c.get_tasks_without_configs(q), Data::Tasks)
        }
        ResourceKey::Config(job) => {
            let k = JobKey::parse(job).ok_or_else(|| format!("bad job key {job:?}"))?;
            call!(c.get_config_summary(&k), |v| Data::Config(Box::new(v)))
        }
        ResourceKey::Quota(role) => call!(c.get_quota(role), |v| Data::Quota(Box::new(v))),
        ResourceKey::Updates(role) => {
            let q = JobUpdateQuery {
                role: role.clone(),
                ..Default::default()
            };
            call!(c.get_job_update_summaries(q), Data::Updates)
        }
        ResourceKey::ActiveTasks | ResourceKey::HostTasks(_) | ResourceKey::Maintenance => {
            Ok(fetch_hosts(c, key).await?)
        }
        ResourceKey::UpdateDetails(key) => {
            let k = JobUpdateKey::parse(key).ok_or_else(|| format!("bad update key {key:?}"))?;
            let q = JobUpdateQuery {
                key: Some(k),
                ..Default::default()
            };
            call!(c.get_job_update_details(q), |v: Vec<JobUpdateDetails>| {
                Data::UpdateDetails(v.into_iter().next().map(Box::new))
            })
        }
        ResourceKey::Clusters => Err(
            "the clusters list is probed by the console, not asked of one scheduler"
                .to_owned()
                .into(),
        ),
    }
}

// ---- hosts and maintenance ----

fn active_query() -> TaskQuery {
    TaskQuery {
        statuses: Some(ScheduleStatus::ACTIVE.to_vec()),
        ..Default::default()
    }
}

/// The reads behind the hosts views (`:hosts`, one host's tasks). Errors stay typed so the caller can classify them
/// (an unreachable scheduler, no leader, …) like every other poll.
pub async fn fetch_hosts(
    c: &AuroraClient,
    key: &ResourceKey,
) -> Result<(Data, Option<String>), ClientError> {
    let cluster_of = |r: &Reply<Vec<ScheduledTask>>| {
        r.server_info
            .as_ref()
            .and_then(|s| s.cluster_name.clone())
            .filter(|c| !c.is_empty())
    };
    match key {
        ResourceKey::ActiveTasks => {
            let r = c.get_tasks_without_configs(active_query()).await?;
            let cluster = cluster_of(&r);
            Ok((Data::Tasks(r.value), cluster))
        }
        ResourceKey::HostTasks(host) => {
            let q = TaskQuery {
                slave_hosts: Some(vec![host.clone()]),
                ..active_query()
            };
            let r = c.get_tasks_without_configs(q).await?;
            let cluster = cluster_of(&r);
            Ok((Data::Tasks(r.value), cluster))
        }
        ResourceKey::Maintenance => c
            .get_maintenance()
            .await
            .map(|m| (Data::Maintenance(Box::new(m)), None)),
        other => Err(ClientError::Refused(format!(
            "not a hosts resource: {}",
            other.describe()
        ))),
    }
}

/// Sends one maintenance call. The statuses the scheduler returns are added to the reply's
/// messages (`host → MODE`), so the outcome line and the audit log show them.
pub async fn send_maintenance(
    c: &AuroraClient,
    action: crate::app::ops::HostAction,
    hosts: &[String],
) -> ClientResult<()> {
    let r = match action {
        crate::app::ops::HostAction::Start => c.start_maintenance(hosts).await,
        crate::app::ops::HostAction::Drain => c.drain_hosts(hosts).await,
        crate::app::ops::HostAction::End => c.end_maintenance(hosts).await,
    }?;
    let mut statuses: Vec<String> = r
        .value
        .iter()
        .map(|s| {
            format!(
                "{} → {}",
                s.host.as_deref().unwrap_or("?"),
                crate::app::hosts::mode_text(s.mode)
            )
        })
        .collect();
    statuses.sort();
    let mut messages = r.messages;
    messages.extend(statuses);
    Ok(Reply {
        value: (),
        code: r.code,
        messages,
        server_info: r.server_info,
    })
}
