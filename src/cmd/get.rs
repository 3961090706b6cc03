//! `eos get …`: scriptable reads. Tables for people, `--output json` for scripts: the JSON the
//! aurora CLI's `--write-json` prints where it has one (`job status`, `update list`,
//! `update info`), elsewhere the IDL's own field names and shapes (see `simple_json`). JSON is
//! written to stdout as it is produced. Any error exits non-zero with a one-line cause.

use std::io::Write;
use std::sync::Arc;

use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;

use crate::aurora::task_stream::{TaskBody, TaskEntry};
use crate::aurora::wire::{JsonStyle, ProtocolWriter, SimpleJsonWriter, TType, Thrift};

use super::ConnectArgs;
use super::get_exit::*;
use crate::aurora::client::{AuroraClient, Reply};
use crate::aurora::model::*;
use crate::domain::format::{number, time};
use crate::domain::queries::job_query;
use crate::table;

#[derive(Args, Debug)]
pub struct GetArgs {
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = Output::Table, global = true)]
    pub output: Output,
    /// How many times to retry a read that failed on a refused or reset connection, a
    /// time-out or a scheduler without a leader (503), waiting 1, 2, 4 … s (at most 8 s).
    #[arg(long, default_value_t = 2, value_name = "N", global = true)]
    pub retries: u32,
    #[command(subcommand)]
    pub what: What,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Table,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum What {
    /// Roles with their job and cron job counts.
    Roles,
    /// Jobs of a role (or of every role) with task counts by state.
    Jobs { role: Option<String> },
    /// Tasks of a job: active ones, or with `--all` the retained terminal history too. With
    /// `-o json`, what `aurora job status --write-json` prints: every task, active and inactive.
    Tasks {
        /// ROLE/ENV/NAME
        job: String,
        #[arg(long)]
        all: bool,
    },
    /// One task in full, with its event timeline.
    Task { task_id: String },
    /// Pending tasks with the scheduler's reason.
    Pending { role: Option<String> },
    /// The configurations a job's active instances run, grouped by instance ranges.
    Config {
        /// ROLE/ENV/NAME
        job: String,
    },
    /// A role's quota and what it consumes.
    Quota { role: String },
    /// Job updates, newest first: every role's, a role's, or one job's.
    Updates {
        /// ROLE or ROLE/ENV/NAME
        role: Option<String>,
        /// Only updates that are still active (rolling, paused or awaiting a pulse).
        #[arg(long)]
        active: bool,
    },
    /// One update: settings, progress and events. Given a job, its active update, else its
    /// latest.
    Update {
        /// ROLE/ENV/NAME/UPDATE_ID or ROLE/ENV/NAME
        key: String,
    },
    /// The scheduler's tiers.
    Tiers,
    /// Agent hosts with active tasks or in maintenance: mode, tasks, jobs, tasks still to move.
    Hosts,
    /// Docker Swarm (`--docker`): services with mode, running/desired tasks, image, update state.
    Services,
    /// Docker Swarm (`--docker`): nodes with role, availability, status, engine and task count.
    Nodes,
    /// A task's stdout or stderr from the Thermos observer on its agent (`-f` follows); with
    /// `--docker`, a Swarm task's or a whole service's, from the Engine.
    Logs(super::get_logs::LogsArgs),
}

pub async fn run(
    conn: &ConnectArgs,
    config_file: Option<&std::path::Path>,
    mut args: GetArgs,
) -> i32 {
    // `CLUSTER/ROLE/ENV/NAME`: the cluster comes off the key and names the one to reach.
    let mut conn = conn.clone();
    let key_cluster = match key_cluster(&mut args, &mut conn) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("eos: {}", table::printable(e.message()));
            return e.exit_code();
        }
    };
    let conn = &conn;
    let closed = std::cell::Cell::new(false);
    let result = async {
        // Eos's config matters here for a cluster's CA file and the time zone.
        let dir = super::config_dir();
        let (config, _) = crate::config::load(config_file, dir.as_deref()).map_err(String::from)?;
        crate::timezone::set(config.timezone.unwrap_or_default());
        let mut args = args;
        if let What::Logs(l) = &mut args.what {
            l.config = Some(Box::new(config.clone()));
        }
        let connector = crate::connection::Connector::new(&conn.options(), &config);
        let mut cfg = connector.client_config().await?;
        cfg.read_retries = args.retries;
        let client = AuroraClient::new(cfg).map_err(|e| e.to_string())?;
        let failed = |error, server| Failed {
            error,
            server,
            url: client.current_base(),
        };
        if let (Some(kc), Some(_)) = (&key_cluster, &conn.scheduler) {
            let (_, server) = role_exists(&client, "")
                .await
                .map_err(|e| failed(e, None))?;
            super::get_keys::check_server(kc, server.as_deref()).map_err(|e| failed(e, server))?;
        }
        check_target(&client, &args)
            .await
            .map_err(|(e, server)| failed(e, server))?;
        let mut out = Stdout {
            inner: std::io::stdout().lock(),
            closed: &closed,
        };
        fetch_to(&client, &args, conn.cluster.as_deref(), &mut out)
            .await
            .map_err(|e| failed(e, None))
    };
    // ^C ends the read with the aurora CLI's "interrupted".
    let result = tokio::select! {
        r = result => r,
        _ = tokio::signal::ctrl_c() => {
            eprintln!("eos: interrupted");
            return EXIT_INTERRUPTED;
        }
    };
    match result {
        Ok(()) => EXIT_OK,
        // A reader that went away (`| head -1`) is a clean end, not an error: exit 0 quietly,
        // as `cat` and `grep` do once their output is cut.
        Err(_) if closed.get() => EXIT_OK,
        Err(Failed {
            error: e,
            server,
            url,
        }) => {
            let message = match &e {
                GetError::NotFound(what) => {
                    let cluster = cluster_label(conn.cluster.as_deref(), server.as_deref(), &url);
                    format!("no {what} on {cluster}")
                }
                e => e.message().to_owned(),
            };
            let message = crate::aurora::credentials::redact_url(&message);
            eprintln!("eos: {}", table::printable(&message));
            e.exit_code()
        }
    }
}

/// Takes a cluster off a `CLUSTER/ROLE/ENV/NAME` key in `args` and fits it to `conn`'s
/// `--cluster` (or makes it that); returns it.
fn key_cluster(args: &mut GetArgs, conn: &mut ConnectArgs) -> Result<Option<String>, GetError> {
    // clusters.json decides `get update`'s four parts only; it is read only for them.
    let known = std::cell::OnceCell::new();
    let given = conn.cluster.clone();
    let is_cluster = |name: &str| {
        given.as_deref() == Some(name)
            || known
                .get_or_init(|| crate::aurora::clusters::Clusters::load().unwrap_or_default())
                .clusters
                .contains_key(name)
    };
    use super::get_keys::{KeyKind, take_cluster};
    let taken = match &mut args.what {
        What::Tasks { job, .. } | What::Config { job } => {
            take_cluster(job, KeyKind::Job, is_cluster)?
        }
        What::Updates {
            role: Some(key), ..
        } => take_cluster(key, KeyKind::Job, is_cluster)?,
        What::Update { key } => take_cluster(key, KeyKind::Update, is_cluster)?,
        _ => None,
    };
    let Some(cluster) = taken else {
        return Ok(None);
    };
    if conn.scheduler.is_none() {
        super::get_keys::reconcile(&cluster, &mut conn.cluster)?;
    }
    Ok(Some(cluster))
}

/// A failed `eos get`, with what names the cluster in a "not found" message.
struct Failed {
    error: GetError,
    /// The scheduler's ServerInfo cluster name, when the failing read returned it.
    server: Option<String>,
    url: String,
}

impl From<String> for Failed {
    fn from(s: String) -> Self {
        Failed {
            error: GetError::Other(s),
            server: None,
            url: String::new(),
        }
    }
}

/// Refuses an unknown role, job or update before the read, so a script sees exit 6 and "no job
/// … on CLUSTER" rather than an empty table. Decided from the scheduler's roles list and job
/// summaries. `tasks -o json` is left to print the aurora CLI's own "No matching jobs found".
async fn check_target(
    client: &AuroraClient,
    args: &GetArgs,
) -> Result<(), (GetError, Option<String>)> {
    let role = |r: &str| {
        let r = r.to_owned();
        async move {
            match role_exists(client, &r).await {
                Ok((true, _)) => Ok(()),
                Ok((false, server)) => Err((GetError::NotFound(format!("role {r}")), server)),
                Err(e) => Err((e, None)),
            }
        }
    };
    let job = |k: &str| {
        let k = k.to_owned();
        async move {
            let key = job_key(&k).map_err(|e| (e, None))?;
            match job_exists(client, &key).await {
                Ok((true, _)) => Ok(()),
                Ok((false, server)) => Err((GetError::NotFound(format!("job {key}")), server)),
                Err(e) => Err((e, None)),
            }
        }
    };
    match &args.what {
        What::Tasks { .. } if args.output == Output::Json => Ok(()),
        What::Tasks { job: k, .. } | What::Config { job: k } => job(k).await,
        // `jobs ROLE` decides from its own read (no jobs: no such role), in `fetch`.
        What::Pending { role: Some(r) } => role(r).await,
        What::Updates { role: Some(r), .. } if r.contains('/') => job(r).await,
        What::Updates { role: Some(r), .. } => role(r).await,
        // A full update key decides from its own read (no details: no such update).
        What::Update { key } if JobUpdateKey::parse(key).is_some() => Ok(()),
        What::Update { key } => job(key).await,
        _ => Ok(()),
    }
}

/// Standard output that remembers when its reader went away (`| head -1`), so that the error
/// it then causes ends `eos get` quietly instead of being reported.
struct Stdout<'a> {
    inner: std::io::StdoutLock<'static>,
    closed: &'a std::cell::Cell<bool>,
}

impl Stdout<'_> {
    fn note<T>(&self, r: std::io::Result<T>) -> std::io::Result<T> {
        if let Err(e) = &r
            && e.kind() == std::io::ErrorKind::BrokenPipe
        {
            self.closed.set(true);
        }
        r
    }
}

impl Write for Stdout<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let r = self.inner.write(buf);
        self.note(r)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        let r = self.inner.flush();
        self.note(r)
    }
}

/// Runs the read and returns what it prints (for tests; `run` streams to stdout instead).
pub async fn fetch(client: &AuroraClient, args: &GetArgs) -> Result<String, String> {
    let mut out = Vec::new();
    fetch_to(client, args, None, &mut out)
        .await
        .map_err(|e| e.message().to_owned())?;
    String::from_utf8(out).map_err(|e| e.to_string())
}

/// Prints the scheduler's messages (warnings, deprecations) to stderr and hands back the value.
fn value<T>(reply: Reply<T>) -> T {
    for m in &reply.messages {
        eprintln!("eos: scheduler says: {}", table::printable(m));
    }
    reply.value
}

fn job_key(s: &str) -> Result<JobKey, GetError> {
    JobKey::parse(s)
        .ok_or_else(|| GetError::Usage(format!("bad job key {s:?}: expected ROLE/ENV/NAME")))
}

fn io_err(e: std::io::Error) -> GetError {
    GetError::Other(format!("writing the output: {e}"))
}

/// Eos's own shapes (no IDL type behind them), pretty like the rest.
fn json<T: Serialize>(sink: &mut dyn Write, v: &T) -> Result<(), GetError> {
    let mut w = std::io::BufWriter::with_capacity(64 << 10, sink);
    serde_json::to_writer_pretty(&mut w, v).map_err(|e| GetError::Other(e.to_string()))?;
    w.write_all(b"\n").map_err(io_err)?;
    w.flush().map_err(io_err)
}

/// Model values with their IDL field names, streamed.
fn idl<T: Thrift>(sink: &mut dyn Write, items: &[T]) -> Result<(), GetError> {
    let mut w = SimpleJsonWriter::new(sink, JsonStyle::Idl);
    w.list_begin(T::TTYPE, items.len());
    for v in items {
        v.write(&mut w);
    }
    w.list_end();
    w.raw("\n");
    w.finish().map(drop).map_err(io_err)
}

fn idl_one<T: Thrift>(sink: &mut dyn Write, v: &T) -> Result<(), GetError> {
    let mut w = SimpleJsonWriter::new(sink, JsonStyle::Idl);
    v.write(&mut w);
    w.raw("\n");
    w.finish().map(drop).map_err(io_err)
}

/// The cluster's name for job paths: `--cluster`, else what the scheduler calls itself.
fn cluster_name(given: Option<&str>, info: Option<&ServerInfo>) -> String {
    given
        .map(str::to_owned)
        .or_else(|| info.and_then(|i| i.cluster_name.clone()))
        .unwrap_or_default()
}

/// Runs the read and writes what it prints to `sink`. `cluster` is the `--cluster` name, used
/// in job paths (`CLUSTER/ROLE/ENV/NAME`) where the aurora CLI prints them.
pub async fn fetch_to(
    client: &AuroraClient,
    args: &GetArgs,
    cluster: Option<&str>,
    sink: &mut dyn Write,
) -> Result<(), GetError> {
    let out = args.output;
    let err = |e: crate::aurora::client::ClientError| GetError::client(client, e);
    let text = match &args.what {
        What::Services | What::Nodes => {
            return Err(GetError::Usage(
                "services and nodes are Docker Swarm reads: give --docker[=URL]".into(),
            ));
        }
        What::Logs(l) => return super::get_logs::print(client, l, cluster, sink).await,
        What::Roles => {
            let mut roles = value(client.get_role_summary().await.map_err(err)?);
            roles.sort_by(|a, b| a.role.cmp(&b.role));
            match out {
                Output::Json => return idl(sink, &roles),
                Output::Table => table::render(
                    &["ROLE", "JOBS", "CRON JOBS"],
                    &roles
                        .iter()
                        .map(|r| {
                            vec![
                                r.role.clone().unwrap_or_default(),
                                num(r.job_count),
                                num(r.cron_job_count),
                            ]
                        })
                        .collect::<Vec<_>>(),
                ),
            }
        }
        What::Jobs { role } => {
            let mut jobs = value(client.get_job_summary(role.as_deref()).await.map_err(err)?);
            // The roles Aurora knows are those with jobs: none means an unknown role.
            if let Some(r) = role
                && jobs.is_empty()
            {
                return Err(GetError::NotFound(format!("role {r}")));
            }
            jobs.sort_by_key(|j| {
                j.job
                    .as_ref()
                    .and_then(|c| c.key.as_ref())
                    .map(|k| k.to_string())
            });
            match out {
                Output::Json => return idl(sink, &jobs),
                Output::Table => jobs_table(&jobs),
            }
        }
        What::Tasks { job, all } => {
            let key = job_key(job)?;
            if out == Output::Json {
                // `aurora job status --write-json`: every task of the job, any status, decoded
                // one at a time as it is written.
                let reply = client
                    .get_tasks_without_configs_streamed(job_query(&key, false))
                    .await
                    .map_err(err)?;
                let cluster = cluster_name(cluster, reply.server_info.as_ref());
                return aurora_status_json(sink, &cluster, &key, &value(reply));
            }
            let mut tasks = value(
                client
                    .get_tasks_without_configs(job_query(&key, !all))
                    .await
                    .map_err(err)?,
            );
            tasks.sort_by_key(|t| (t.instance_id(), latest_ts(t)));
            tasks.iter_mut().for_each(sort_task_sets);
            tasks_table(&tasks)
        }
        What::Task { task_id } => {
            let query = TaskQuery {
                task_ids: Some(vec![task_id.clone()]),
                ..Default::default()
            };
            let tasks = value(client.get_tasks_status(query).await.map_err(err)?);
            let mut task = tasks
                .into_iter()
                .next()
                .ok_or_else(|| GetError::NotFound(format!("task {task_id}")))?;
            sort_task_sets(&mut task);
            let reason = if task.status() == ScheduleStatus::PENDING {
                let q = TaskQuery {
                    task_ids: Some(vec![task_id.clone()]),
                    ..Default::default()
                };
                value(client.get_pending_reason(q).await.map_err(err)?)
                    .into_iter()
                    .find_map(|r| r.reason)
            } else {
                None
            };
            match out {
                Output::Json => {
                    let mut w = SimpleJsonWriter::new(sink, JsonStyle::Idl);
                    w.struct_begin();
                    w.named_field_begin(TType::Struct, 1, "task");
                    task.write(&mut w);
                    if let Some(r) = reason.as_deref() {
                        w.named_field_begin(TType::String, 2, "pendingReason");
                        w.string(r);
                    }
                    w.struct_end();
                    w.raw("\n");
                    return w.finish().map(drop).map_err(io_err);
                }
                Output::Table => task_text(&task, reason.as_deref()),
            }
        }
        What::Pending { role } => {
            let query = TaskQuery {
                role: role.clone(),
                ..Default::default()
            };
            let reasons = value(
                client
                    .get_pending_reason(query.clone())
                    .await
                    .map_err(err)?,
            );
            let pending_query = TaskQuery {
                statuses: Some(vec![ScheduleStatus::PENDING, ScheduleStatus::THROTTLED]),
                ..query
            };
            let tasks = value(
                client
                    .get_tasks_without_configs(pending_query)
                    .await
                    .map_err(err)?,
            );
            let mut rows: Vec<PendingRow> = tasks
                .iter()
                .map(|t| PendingRow {
                    job: t.job().map(|j| j.to_string()).unwrap_or_default(),
                    instance: t.instance_id(),
                    status: t.status(),
                    task_id: t.task_id().to_owned(),
                    reason: reasons
                        .iter()
                        .find(|r| r.task_id.as_deref() == Some(t.task_id()))
                        .and_then(|r| r.reason.clone())
                        .unwrap_or_else(|| {
                            t.latest_event()
                                .and_then(|e| e.message.clone())
                                .unwrap_or_default()
                        }),
                })
                .collect();
            rows.sort_by(|a, b| (&a.job, a.instance).cmp(&(&b.job, b.instance)));
            match out {
                Output::Json => return json(sink, &rows),
                Output::Table => table::render(
                    &["JOB", "INSTANCE", "STATUS", "REASON", "TASK ID"],
                    &rows
                        .iter()
                        .map(|r| {
                            vec![
                                r.job.clone(),
                                r.instance.to_string(),
                                r.status.to_string(),
                                r.reason.clone(),
                                r.task_id.clone(),
                            ]
                        })
                        .collect::<Vec<_>>(),
                ),
            }
        }
        What::Config { job } => {
            let key = job_key(job)?;
            let mut summary = value(client.get_config_summary(&key).await.map_err(err)?);
            for g in summary.groups.iter_mut().flatten() {
                if let Some(c) = g.config.as_mut() {
                    c.sort_sets();
                }
            }
            match out {
                Output::Json => return idl_one(sink, &summary),
                Output::Table => config_text(&summary),
            }
        }
        What::Quota { role } => {
            let q = value(client.get_quota(role).await.map_err(err)?);
            match out {
                Output::Json => return idl_one(sink, &q),
                Output::Table => quota_table(&q),
            }
        }
        What::Updates { role, active } => {
            // ROLE/ENV/NAME is one job's updates; anything else is a role.
            let (role, job_key) = match role.as_deref().map(JobKey::parse) {
                Some(Some(k)) => (None, Some(k)),
                _ => (role.clone(), None),
            };
            let query = JobUpdateQuery {
                role,
                job_key,
                update_statuses: active.then(|| JobUpdateStatus::ACTIVE.to_vec()),
                ..Default::default()
            };
            let reply = client.get_job_update_summaries(query).await.map_err(err)?;
            let info = reply.server_info.clone();
            let updates = value(reply);
            match out {
                Output::Json => {
                    let cluster = cluster_name(cluster, info.as_ref());
                    return json(sink, &aurora_update_list(&cluster, &updates));
                }
                Output::Table => updates_table(&updates),
            }
        }
        What::Update { key } => {
            let key = match JobUpdateKey::parse(key) {
                Some(k) => k,
                None => match JobKey::parse(key) {
                    Some(job) => job_update_of(client, &job).await?,
                    None => {
                        return Err(GetError::Usage(format!(
                            "bad update key {key:?}: expected ROLE/ENV/NAME/UPDATE_ID or \
                             ROLE/ENV/NAME"
                        )));
                    }
                },
            };
            let query = JobUpdateQuery {
                key: Some(key.clone()),
                ..Default::default()
            };
            let reply = client.get_job_update_details(query).await.map_err(err)?;
            let info = reply.server_info.clone();
            let details = value(reply);
            // Neither the table nor `aurora update info`'s JSON prints the configs, so their
            // sets need no ordering here.
            let d = details
                .into_iter()
                .next()
                .ok_or_else(|| GetError::NotFound(format!("update {key}")))?;
            match out {
                Output::Json => {
                    let cluster = cluster_name(cluster, info.as_ref());
                    return json(sink, &aurora_update_info(&cluster, &d));
                }
                Output::Table => update_text(&d),
            }
        }
        What::Hosts => {
            let tasks = value(
                client
                    .get_tasks_without_configs(TaskQuery {
                        statuses: Some(ScheduleStatus::ACTIVE.to_vec()),
                        ..Default::default()
                    })
                    .await
                    .map_err(err)?,
            );
            let maintenance = client.get_maintenance().await.map_err(err)?;
            let hosts = crate::domain::hosts::host_summaries(&tasks, Some(&maintenance));
            match out {
                Output::Json => return json(sink, &hosts),
                Output::Table => table::render(
                    &["HOST", "MODE", "TASKS", "TO MOVE", "JOBS"],
                    &hosts
                        .iter()
                        .map(|h| {
                            vec![
                                h.host.clone(),
                                crate::domain::hosts::mode_text(h.mode),
                                h.tasks.to_string(),
                                h.tasks_to_move.map(|n| n.to_string()).unwrap_or_default(),
                                h.jobs
                                    .iter()
                                    .map(|j| format!("{}:{}", j.job, j.tasks))
                                    .collect::<Vec<_>>()
                                    .join(","),
                            ]
                        })
                        .collect::<Vec<_>>(),
                ),
            }
        }
        What::Tiers => {
            let t = value(client.get_tier_configs().await.map_err(err)?);
            match out {
                Output::Json => return idl_one(sink, &t),
                Output::Table => {
                    let default = t.default_tier_name.clone().unwrap_or_default();
                    let mut tiers = t.tiers.clone().unwrap_or_default();
                    tiers.sort_by(|a, b| a.name.cmp(&b.name));
                    table::render(
                        &["TIER", "DEFAULT", "SETTINGS"],
                        &tiers
                            .iter()
                            .map(|tier| {
                                let name = tier.name.clone().unwrap_or_default();
                                vec![
                                    name.clone(),
                                    if name == default {
                                        "yes".into()
                                    } else {
                                        String::new()
                                    },
                                    tier.settings
                                        .iter()
                                        .flatten()
                                        .map(|(k, v)| format!("{k}={v}"))
                                        .collect::<Vec<_>>()
                                        .join(" "),
                                ]
                            })
                            .collect::<Vec<_>>(),
                    )
                }
            }
        }
    };
    sink.write_all(text.as_bytes()).map_err(io_err)?;
    sink.flush().map_err(io_err)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PendingRow {
    job: String,
    instance: i32,
    status: ScheduleStatus,
    task_id: String,
    reason: String,
}

/// Tasks of one job; active ones only unless `active_only` is false.
/// The update `get update ROLE/ENV/NAME` means: the job's active one, else its latest.
async fn job_update_of(client: &AuroraClient, job: &JobKey) -> Result<JobUpdateKey, GetError> {
    let query = JobUpdateQuery {
        job_key: Some(job.clone()),
        ..Default::default()
    };
    let summaries = value(
        client
            .get_job_update_summaries(query)
            .await
            .map_err(|e| GetError::client(client, e))?,
    );
    // The same choice as the console's `:update ROLE/ENV/NAME`.
    crate::domain::updates::pick_update(&summaries, &job.to_string())
        .and_then(|k| JobUpdateKey::parse(&k))
        .ok_or_else(|| GetError::NotFound(format!("update of job {job}")))
}

/// A task's config with its sets in canonical order (their wire order means nothing).
fn sort_task_sets(t: &mut ScheduledTask) {
    if let Some(c) = t.assigned_task.as_mut().and_then(|a| a.task.as_mut()) {
        std::sync::Arc::make_mut(c).sort_sets();
    }
}

fn num(v: Option<i32>) -> String {
    v.unwrap_or(0).to_string()
}

fn latest_ts(t: &ScheduledTask) -> i64 {
    t.latest_event().and_then(|e| e.timestamp).unwrap_or(0)
}

fn jobs_table(jobs: &[JobSummary]) -> String {
    let rows: Vec<Vec<String>> = jobs
        .iter()
        .map(|j| {
            let cfg = j.job.clone().unwrap_or_default();
            let task = cfg.task_config.clone().unwrap_or_default();
            let s = j.stats.clone().unwrap_or_default();
            vec![
                cfg.key.as_ref().map(|k| k.to_string()).unwrap_or_default(),
                num(s.active_task_count),
                num(s.pending_task_count),
                num(s.failed_task_count),
                num(s.finished_task_count),
                task.tier.clone().unwrap_or_default(),
                if task.production == Some(true) {
                    "yes".into()
                } else {
                    String::new()
                },
                cfg.cron_schedule.clone().unwrap_or_default(),
                j.next_cron_run_ms
                    .map(|t| time(Some(t)))
                    .unwrap_or_default(),
            ]
        })
        .collect();
    table::render(
        &[
            "JOB", "ACTIVE", "PENDING", "FAILED", "FINISHED", "TIER", "PROD", "CRON", "NEXT RUN",
        ],
        &rows,
    )
}

fn tasks_table(tasks: &[ScheduledTask]) -> String {
    let rows: Vec<Vec<String>> = tasks
        .iter()
        .map(|t| {
            let last = t.latest_event();
            vec![
                t.instance_id().to_string(),
                t.status().to_string(),
                t.host().to_owned(),
                crate::domain::format::ports_text(t),
                time(last.and_then(|e| e.timestamp)),
                num(t.failure_count),
                t.task_id().to_owned(),
                last.and_then(|e| e.message.clone())
                    .unwrap_or_default()
                    .replace('\n', " "),
            ]
        })
        .collect();
    table::render(
        &[
            "INSTANCE", "STATUS", "HOST", "PORTS", "SINCE", "FAILURES", "TASK ID", "MESSAGE",
        ],
        &rows,
    )
}

fn resources(c: &TaskConfig) -> String {
    let t = c.totals();
    let mut s = format!("cpus={} ram={}MiB disk={}MiB", t.cpus, t.ram_mb, t.disk_mb);
    if t.gpus > 0 {
        s.push_str(&format!(" gpus={}", t.gpus));
    }
    let ports: Vec<&str> = c.named_ports().collect();
    if !ports.is_empty() {
        s.push_str(&format!(" ports={}", ports.join(",")));
    }
    s
}

fn task_text(t: &ScheduledTask, pending_reason: Option<&str>) -> String {
    let a = t.assigned_task.clone().unwrap_or_default();
    let c = t.config().cloned().unwrap_or_default();
    let mut rows: Vec<Vec<String>> = vec![
        vec!["task id".into(), t.task_id().into()],
        vec![
            "job".into(),
            t.job().map(|j| j.to_string()).unwrap_or_default(),
        ],
        vec!["instance".into(), t.instance_id().to_string()],
        vec!["status".into(), t.status().to_string()],
        vec!["host".into(), a.slave_host.clone().unwrap_or_default()],
        vec!["agent".into(), a.slave_id.clone().unwrap_or_default()],
        vec!["ports".into(), crate::domain::format::ports_text(t)],
        vec!["failures".into(), num(t.failure_count)],
        vec!["ancestor".into(), t.ancestor_id.clone().unwrap_or_default()],
        vec!["resources".into(), resources(&c)],
        vec!["tier".into(), c.tier.clone().unwrap_or_default()],
        vec![
            "production".into(),
            c.production.unwrap_or(false).to_string(),
        ],
    ];
    if let Some(r) = pending_reason {
        rows.push(vec!["pending reason".into(), r.into()]);
    }
    if !a.slave_host.as_deref().unwrap_or("").is_empty() {
        rows.push(vec![
            "sandbox".into(),
            format!(
                "http://{}:1338/task/{}",
                a.slave_host.as_deref().unwrap_or(""),
                t.task_id()
            ),
        ]);
    }
    let mut s = table::render(&["FIELD", "VALUE"], &rows);
    s.push('\n');
    s.push_str(&table::render(
        &["TIME", "STATUS", "SCHEDULER", "MESSAGE"],
        &t.events()
            .iter()
            .map(|e| {
                vec![
                    time(e.timestamp),
                    e.status.unwrap_or_default().to_string(),
                    e.scheduler.clone().unwrap_or_default(),
                    e.message.clone().unwrap_or_default().replace('\n', " "),
                ]
            })
            .collect::<Vec<_>>(),
    ));
    s
}

fn config_text(summary: &ConfigSummary) -> String {
    let rows: Vec<Vec<String>> = summary
        .groups
        .iter()
        .flatten()
        .map(|g| {
            let c = g.config.clone().unwrap_or_default();
            vec![
                format_ranges(g.instances.as_deref().unwrap_or(&[])),
                resources(&c),
                c.tier.clone().unwrap_or_default(),
                container_image(&c),
            ]
        })
        .collect();
    table::render(&["INSTANCES", "RESOURCES", "TIER", "IMAGE"], &rows)
}

fn container_image(c: &TaskConfig) -> String {
    match &c.container {
        Some(Container::Docker(d)) => d.image.clone().unwrap_or_default(),
        Some(Container::Mesos(m)) => match &m.image {
            Some(Image::Docker(i)) => format!(
                "{}:{}",
                i.name.as_deref().unwrap_or(""),
                i.tag.as_deref().unwrap_or("")
            ),
            Some(Image::Appc(i)) => i.name.clone().unwrap_or_default(),
            _ => String::new(),
        },
        _ => String::new(),
    }
}

fn quota_table(q: &GetQuotaResult) -> String {
    let cols = [
        q.quota.as_ref(),
        q.prod_shared_consumption.as_ref(),
        q.non_prod_shared_consumption.as_ref(),
        q.prod_dedicated_consumption.as_ref(),
        q.non_prod_dedicated_consumption.as_ref(),
    ]
    .map(|a| a.map(ResourceAggregate::totals).unwrap_or_default());
    let row = |name: &str, f: &dyn Fn(&ResourceTotals) -> String| {
        let mut r = vec![name.to_owned()];
        r.extend(cols.iter().map(f));
        r
    };
    table::render(
        &[
            "RESOURCE",
            "QUOTA",
            "PROD SHARED",
            "NON-PROD SHARED",
            "PROD DEDICATED",
            "NON-PROD DEDICATED",
        ],
        &[
            row("cpus", &|t| number(t.cpus)),
            row("ram MiB", &|t| t.ram_mb.to_string()),
            row("disk MiB", &|t| t.disk_mb.to_string()),
            row("gpus", &|t| t.gpus.to_string()),
        ],
    )
}

fn updates_table(updates: &[JobUpdateSummary]) -> String {
    let rows: Vec<Vec<String>> = updates
        .iter()
        .map(|u| {
            let st = u.state.clone().unwrap_or_default();
            let key = u.key.clone().unwrap_or_default();
            vec![
                key.job.as_ref().map(|j| j.to_string()).unwrap_or_default(),
                key.id.clone().unwrap_or_default(),
                st.status.unwrap_or_default().to_string(),
                u.user.clone().unwrap_or_default(),
                time(st.created_timestamp_ms),
                time(st.last_modified_timestamp_ms),
            ]
        })
        .collect();
    table::render(
        &[
            "JOB",
            "UPDATE ID",
            "STATUS",
            "USER",
            "STARTED",
            "LAST CHANGE",
        ],
        &rows,
    )
}

/// Progress the way Aurora's web UI computes it (see [`JobUpdateDetails::progress`]).
pub fn update_progress(d: &JobUpdateDetails) -> (usize, usize) {
    d.progress()
}

fn update_text(d: &JobUpdateDetails) -> String {
    let u = d.update.clone().unwrap_or_default();
    let summary = u.summary.clone().unwrap_or_default();
    let st = summary.state.clone().unwrap_or_default();
    let settings = u
        .instructions
        .as_ref()
        .and_then(|i| i.settings.clone())
        .unwrap_or_default();
    let (done, total) = update_progress(d);
    let batch = settings.strategy_text();
    let rows = vec![
        vec![
            "update".into(),
            summary
                .key
                .as_ref()
                .map(|k| k.to_string())
                .unwrap_or_default(),
        ],
        vec!["status".into(), st.status.unwrap_or_default().to_string()],
        vec!["user".into(), summary.user.clone().unwrap_or_default()],
        vec!["started".into(), time(st.created_timestamp_ms)],
        vec!["last change".into(), time(st.last_modified_timestamp_ms)],
        vec![
            "progress".into(),
            format!("{done}/{total} instances updated"),
        ],
        // As ranges: a scheduler may name two billion instances in one range.
        vec![
            "instances".into(),
            format_ranges(&d.instance_states().ranges),
        ],
        vec!["strategy".into(), batch],
        vec![
            "failure limits".into(),
            format!(
                "{} per instance, {} instances",
                num(settings.max_per_instance_failures),
                num(settings.max_failed_instances)
            ),
        ],
        vec![
            "min wait in RUNNING".into(),
            format!("{} ms", num(settings.min_wait_in_instance_running_ms)),
        ],
        vec![
            "rollback on failure".into(),
            settings.rollback_on_failure.unwrap_or(false).to_string(),
        ],
        vec![
            "pulse interval".into(),
            settings
                .block_if_no_pulses_after_ms
                .map(|v| format!("{v} ms"))
                .unwrap_or_else(|| "-".into()),
        ],
    ];
    let mut s = table::render(&["FIELD", "VALUE"], &rows);
    s.push('\n');
    s.push_str(&table::render(
        &["TIME", "STATUS", "USER", "MESSAGE"],
        &d.update_events
            .iter()
            .flatten()
            .map(|e| {
                vec![
                    time(e.timestamp_ms),
                    e.status.unwrap_or_default().to_string(),
                    e.user.clone().unwrap_or_default(),
                    e.message.clone().unwrap_or_default(),
                ]
            })
            .collect::<Vec<_>>(),
    ));
    s.push('\n');
    s.push_str(&table::render(
        &["TIME", "INSTANCE", "ACTION"],
        &d.instance_events
            .iter()
            .flatten()
            .map(|e| {
                vec![
                    time(e.timestamp_ms),
                    num(e.instance_id),
                    e.action.unwrap_or_default().to_string(),
                ]
            })
            .collect::<Vec<_>>(),
    ));
    s
}

/// `aurora job status --write-json` for one job: `[{"job", "active", "inactive"}]`, each task in
/// TSimpleJSON with the CLI's post-processing; active and inactive each in instance order
/// (stable, as Python's `sorted`, so equal ids keep the scheduler's order). With no task at
/// all, the CLI's compact "No matching jobs found" object, which is a success.
pub fn aurora_status_json(
    sink: &mut dyn Write,
    cluster: &str,
    key: &JobKey,
    body: &TaskBody,
) -> Result<(), GetError> {
    let path = format!("{cluster}/{key}");
    let tasks = &body.index.tasks;
    if tasks.is_empty() {
        #[derive(Serialize)]
        struct NotFound<'a> {
            jobspec: &'a str,
            error: &'a str,
        }
        let v = NotFound {
            jobspec: &path,
            error: "No matching jobs found",
        };
        let mut line = serde_json::to_vec(&v).map_err(|e| e.to_string())?;
        line.push(b'\n');
        sink.write_all(&line).map_err(io_err)?;
        return sink.flush().map_err(io_err);
    }
    let (mut active, mut inactive): (Vec<&TaskEntry>, Vec<&TaskEntry>) = tasks
        .iter()
        .partition(|t| t.status.is_some_and(ScheduleStatus::is_active));
    active.sort_by_key(|t| t.instance_id);
    inactive.sort_by_key(|t| t.instance_id);
    // Set members (resources, constraints, metadata) in Eos's canonical order, whatever their
    // wire order: sorted once per distinct config (the decoder shares identical ones), and a
    // task is copied only when its config's wire order was not already canonical. The map
    // holds each original config, so no address is reused by another while it is a key.
    type Sorted = (Arc<TaskConfig>, Option<Arc<TaskConfig>>);
    let mut sorted: std::collections::HashMap<*const TaskConfig, Sorted> = Default::default();
    let mut canonical = |t: &ScheduledTask| -> Option<ScheduledTask> {
        let c = t.assigned_task.as_ref()?.task.as_ref()?;
        let (_, s) = sorted.entry(Arc::as_ptr(c)).or_insert_with(|| {
            let s = c.with_sets_sorted();
            let changed = s != **c;
            (c.clone(), changed.then(|| Arc::new(s)))
        });
        let s = s.as_ref()?;
        let mut t = t.clone();
        if let Some(a) = t.assigned_task.as_mut() {
            a.task = Some(s.clone());
        }
        Some(t)
    };
    let mut w = SimpleJsonWriter::new(sink, JsonStyle::AuroraTasks);
    w.list_begin(TType::Struct, 1);
    w.struct_begin();
    w.named_field_begin(TType::String, 1, "job");
    w.string(&path);
    for (id, name, list) in [(2, "active", &active), (3, "inactive", &inactive)] {
        w.named_field_begin(TType::List, id, name);
        w.list_begin(TType::Struct, list.len());
        body.for_each(list.iter().copied(), |t| match canonical(t) {
            Some(sorted) => sorted.write(&mut w),
            None => t.write(&mut w),
        })
        .map_err(|e| format!("getTasksWithoutConfigs: could not decode a task: {e}"))?;
        w.list_end();
    }
    w.struct_end();
    w.list_end();
    w.raw("\n");
    w.finish().map(drop).map_err(io_err)
}

/// Python's `datetime.utcfromtimestamp(ms / 1000).isoformat()`, which the aurora CLI prints:
/// `2026-11-28T10:00:00`, with `.ffffff` only when there are milliseconds.
fn iso_utc(ms: Option<i64>) -> Option<String> {
    let t = chrono::DateTime::from_timestamp_millis(ms?)?;
    Some(if ms? % 1000 == 0 {
        t.format("%Y-%m-%dT%H:%M:%S").to_string()
    } else {
        t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
    })
}

/// One entry of `aurora update list --write-json`.
#[derive(Serialize)]
pub struct AuroraUpdateSummary {
    job: String,
    id: Option<String>,
    user: Option<String>,
    started: Option<String>,
    last_modified: Option<String>,
    status: Option<JobUpdateStatus>,
}

pub fn aurora_update_list(cluster: &str, updates: &[JobUpdateSummary]) -> Vec<AuroraUpdateSummary> {
    updates
        .iter()
        .map(|u| {
            let key = u.key.clone().unwrap_or_default();
            let st = u.state.clone().unwrap_or_default();
            AuroraUpdateSummary {
                job: format!(
                    "{cluster}/{}",
                    key.job.map(|j| j.to_string()).unwrap_or_default()
                ),
                id: key.id,
                user: u.user.clone(),
                started: iso_utc(st.created_timestamp_ms),
                last_modified: iso_utc(st.last_modified_timestamp_ms),
                status: st.status,
            }
        })
        .collect()
}

/// `aurora update info --write-json` (its keys, including `started` as raw milliseconds while
/// `last_modified` is formatted: that is what the CLI prints).
#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
pub struct AuroraUpdateInfo {
    #[serde(rename = "updateId")]
    update_id: String,
    job: String,
    started: Option<i64>,
    last_modified: Option<String>,
    status: Option<JobUpdateStatus>,
    update_events: Vec<AuroraUpdateEvent>,
    instance_update_events: Vec<AuroraInstanceEvent>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<Vec<BTreeMap1>>,
}

/// One `{key: value}` object of the update's metadata.
type BTreeMap1 = std::collections::BTreeMap<String, Option<String>>;

#[derive(Serialize)]
pub struct AuroraUpdateEvent {
    status: Option<JobUpdateStatus>,
    #[serde(rename = "timestampMs")]
    timestamp_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

#[derive(Serialize)]
pub struct AuroraInstanceEvent {
    instance: Option<i32>,
    timestamp: Option<i64>,
    action: Option<JobUpdateAction>,
}

pub fn aurora_update_info(cluster: &str, d: &JobUpdateDetails) -> AuroraUpdateInfo {
    let summary = d
        .update
        .as_ref()
        .and_then(|u| u.summary.clone())
        .unwrap_or_default();
    let key = summary.key.clone().unwrap_or_default();
    let st = summary.state.clone().unwrap_or_default();
    let metadata = summary.metadata.as_ref().map(|m| {
        let mut m: Vec<&Metadata> = m.iter().collect();
        m.sort_by(|a, b| (&a.key, &a.value).cmp(&(&b.key, &b.value)));
        m.into_iter()
            .map(|e| BTreeMap1::from([(e.key.clone().unwrap_or_default(), e.value.clone())]))
            .collect()
    });
    AuroraUpdateInfo {
        update_id: key.id.clone().unwrap_or_default(),
        job: format!(
            "{cluster}/{}",
            key.job.as_ref().map(|j| j.to_string()).unwrap_or_default()
        ),
        started: st.created_timestamp_ms,
        last_modified: iso_utc(st.last_modified_timestamp_ms),
        status: st.status,
        update_events: d
            .update_events
            .iter()
            .flatten()
            .map(|e| AuroraUpdateEvent {
                status: e.status,
                timestamp_ms: e.timestamp_ms,
                message: e.message.clone().filter(|m| !m.is_empty()),
            })
            .collect(),
        instance_update_events: d
            .instance_events
            .iter()
            .flatten()
            .map(|e| AuroraInstanceEvent {
                instance: e.instance_id,
                timestamp: e.timestamp_ms,
                action: e.action,
            })
            .collect(),
        metadata,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quota_cpus_are_rounded_in_the_table() {
        let agg = |cpus: f64| ResourceAggregate {
            resources: Some(vec![Resource::NumCpus(cpus)]),
        };
        let q = GetQuotaResult {
            quota: Some(agg(21.0)),
            prod_shared_consumption: Some(agg(13.499999999999996)),
            non_prod_shared_consumption: Some(agg(0.5)),
            ..Default::default()
        };
        let t = quota_table(&q);
        let cpus = t.lines().find(|l| l.starts_with("cpus")).unwrap();
        assert_eq!(
            cpus.split_whitespace().collect::<Vec<_>>(),
            ["cpus", "21", "13.50", "0.50", "0", "0"],
            "{t}"
        );
    }
}
