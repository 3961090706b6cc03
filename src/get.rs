//! `eos get …`: scriptable reads. Tables for people, `--output json` (snake_case keys, enums as
//! names) for scripts. Any error exits non-zero with a one-line cause.

use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;

use crate::aurora::client::{AuroraClient, Reply};
use crate::aurora::model::*;
use crate::cli::ConnectArgs;
use crate::get_exit::*;
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
    /// Tasks of a job: active ones, or with `--all` the retained terminal history too.
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
}

pub async fn run(conn: &ConnectArgs, console: &crate::cli::ConsoleArgs, args: GetArgs) -> i32 {
    let result = async {
        // Eos's config matters here for a cluster's CA file and the time zone.
        let dir = crate::cli::config_dir();
        let (config, _) = crate::config::load(console.config.as_deref(), dir.as_deref())?;
        crate::timezone::set(config.timezone.unwrap_or_default());
        let connector = crate::connection::Connector::new(conn, &config);
        let mut cfg = connector.client_config().await?;
        cfg.read_retries = args.retries;
        let client = AuroraClient::new(cfg).map_err(|e| e.to_string())?;
        let failed = |error, server| Failed {
            error,
            server,
            url: client.current_base(),
        };
        check_target(&client, &args)
            .await
            .map_err(|(e, server)| failed(e, server))?;
        fetch(&client, &args).await.map_err(|e| failed(e, None))
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
        Ok(text) => print_out(&text),
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

/// Writes the output; a reader that went away (`| head -1`) is a clean end, not an error:
/// exit 0 quietly, as `cat` and `grep` do once their output is cut.
fn print_out(text: &str) -> i32 {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => 0,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            eprintln!("eos: cannot write the output: {e}");
            1
        }
    }
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

fn json<T: Serialize>(v: &T) -> Result<String, String> {
    serde_json::to_string_pretty(v)
        .map(|s| s + "\n")
        .map_err(|e| e.to_string())
}

/// Runs the read and renders it. Returns the text to print.
pub async fn fetch(client: &AuroraClient, args: &GetArgs) -> Result<String, GetError> {
    let out = args.output;
    let err = |e: crate::aurora::client::ClientError| GetError::client(client, e);
    Ok(match &args.what {
        What::Roles => {
            let mut roles = value(client.get_role_summary().await.map_err(err)?);
            roles.sort_by(|a, b| a.role.cmp(&b.role));
            match out {
                Output::Json => json(&roles)?,
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
                Output::Json => json(&jobs)?,
                Output::Table => jobs_table(&jobs),
            }
        }
        What::Tasks { job, all } => {
            let key = job_key(job)?;
            let mut tasks = value(
                client
                    .get_tasks_without_configs(job_query(&key, !all))
                    .await
                    .map_err(err)?,
            );
            tasks.sort_by_key(|t| (t.instance_id(), latest_ts(t)));
            tasks.iter_mut().for_each(sort_task_sets);
            match out {
                Output::Json => json(&tasks)?,
                Output::Table => tasks_table(&tasks),
            }
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
                Output::Json => json(&TaskDetail {
                    task: &task,
                    pending_reason: reason.as_deref(),
                })?,
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
                Output::Json => json(&rows)?,
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
                    crate::app::config_json::sort_sets(c);
                }
            }
            match out {
                Output::Json => json(&summary)?,
                Output::Table => config_text(&summary),
            }
        }
        What::Quota { role } => {
            let q = value(client.get_quota(role).await.map_err(err)?);
            match out {
                Output::Json => json(&q)?,
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
            let updates = value(client.get_job_update_summaries(query).await.map_err(err)?);
            match out {
                Output::Json => json(&updates)?,
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
            let details = value(client.get_job_update_details(query).await.map_err(err)?);
            let mut d = details
                .into_iter()
                .next()
                .ok_or_else(|| GetError::NotFound(format!("update {key}")))?;
            if let Some(i) = d.update.as_mut().and_then(|u| u.instructions.as_mut()) {
                let states = i.initial_state.iter_mut().flatten();
                for s in states.chain(i.desired_state.as_mut()) {
                    if let Some(c) = s.task.as_mut() {
                        crate::app::config_json::sort_sets(c);
                    }
                }
            }
            match out {
                Output::Json => json(&d)?,
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
            let hosts = crate::app::hosts::host_summaries(&tasks, Some(&maintenance));
            match out {
                Output::Json => json(&hosts)?,
                Output::Table => table::render(
                    &["HOST", "MODE", "TASKS", "TO MOVE", "JOBS"],
                    &hosts
                        .iter()
                        .map(|h| {
                            vec![
                                h.host.clone(),
                                crate::app::hosts::mode_text(h.mode),
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
                Output::Json => json(&t)?,
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
    })
}

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
    let created = |u: &JobUpdateSummary| {
        u.state
            .as_ref()
            .and_then(|s| s.created_timestamp_ms)
            .unwrap_or(0)
    };
    let active = |u: &JobUpdateSummary| {
        u.state
            .as_ref()
            .and_then(|s| s.status)
            .is_some_and(|s| JobUpdateStatus::ACTIVE.contains(&s))
    };
    let newest_active = summaries
        .iter()
        .filter(|u| active(u))
        .max_by_key(|u| created(u));
    newest_active
        .or_else(|| summaries.iter().max_by_key(|u| created(u)))
        .and_then(|u| u.key.clone())
        .ok_or_else(|| GetError::NotFound(format!("update of job {job}")))
}

#[derive(Serialize)]
struct TaskDetail<'a> {
    task: &'a ScheduledTask,
    #[serde(skip_serializing_if = "Option::is_none")]
    pending_reason: Option<&'a str>,
}

#[derive(Serialize)]
struct PendingRow {
    job: String,
    instance: i32,
    status: ScheduleStatus,
    task_id: String,
    reason: String,
}

/// Tasks of one job; active ones only unless `active_only` is false.
pub fn job_query(key: &JobKey, active_only: bool) -> TaskQuery {
    TaskQuery {
        role: key.role.clone(),
        environment: key.environment.clone(),
        job_name: key.name.clone(),
        statuses: active_only.then(|| ScheduleStatus::ACTIVE.to_vec()),
        ..Default::default()
    }
}

/// A task's config with its sets in canonical order (their wire order means nothing).
fn sort_task_sets(t: &mut ScheduledTask) {
    if let Some(c) = t.assigned_task.as_mut().and_then(|a| a.task.as_mut()) {
        crate::app::config_json::sort_sets(std::sync::Arc::make_mut(c));
    }
}

fn num(v: Option<i32>) -> String {
    v.unwrap_or(0).to_string()
}

fn latest_ts(t: &ScheduledTask) -> i64 {
    t.latest_event().and_then(|e| e.timestamp).unwrap_or(0)
}

/// Epoch milliseconds as `YYYY-MM-DD HH:MM:SS ZONE`, in the configured zone.
pub fn time(ms: Option<i64>) -> String {
    crate::timezone::format_ms(ms)
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
                crate::app::rows::ports_text(t),
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
        vec!["ports".into(), crate::app::rows::ports_text(t)],
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
            row("cpus", &|t| cpus_text(t.cpus)),
            row("ram MiB", &|t| t.ram_mb.to_string()),
            row("disk MiB", &|t| t.disk_mb.to_string()),
            row("gpus", &|t| t.gpus.to_string()),
        ],
    )
}

/// CPUs as the console shows them: whole numbers plain, others to two places (sums of
/// fractional CPUs carry float noise: 13.499999999999996 is 13.50). JSON keeps the raw value.
fn cpus_text(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
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
