//! Aurora behind the backend boundary: `AuroraClient` answers every read and carries out every
//! operation, with all capabilities. The Thrift calls, the task queries (from `domain::queries`),
//! how a failed call is classified (an outage for the link banner; "not executed" only when
//! that is certain) and the maintenance replies' wording all stay here.

use std::time::Instant;

use super::{AuditTo, Backend, BoxFuture, Capabilities, FetchError, Polled};
use crate::app::MutationOutcome;
use crate::app::link::OutageKind;
use crate::app::ops::{Control, HostAction, Operation};
use crate::app::resource::{Data, PendingScope, ResourceKey};
use crate::aurora::client::{AuroraClient, ClientError, ClientResult, Reply, TransportKind};
use crate::aurora::model::*;
use crate::domain::queries::{self, job_query_text};

impl Backend for AuroraClient {
    fn capabilities(&self) -> Capabilities {
        Capabilities::all()
    }

    fn endpoint(&self) -> String {
        self.current_base()
    }

    fn follow_leader(&self, url: &str) {
        self.set_base(url);
    }

    fn fetch<'a>(&'a self, key: &'a ResourceKey) -> BoxFuture<'a, Polled> {
        Box::pin(fetch(self, key))
    }

    fn mutate<'a>(
        &'a self,
        op: &'a Operation,
        audit: AuditTo<'a>,
    ) -> BoxFuture<'a, MutationOutcome> {
        Box::pin(mutate_audited(self, op, audit))
    }

    fn preview<'a>(
        &'a self,
        request: &'a JobUpdateRequest,
    ) -> BoxFuture<'a, Result<GetJobUpdateDiffResult, String>> {
        Box::pin(preview(self, request))
    }
}

/// The update editor's preview: what getJobUpdateDiff says the request would do.
async fn preview(
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

/// Sends one operation and records it in the audit log: one Thrift call, one record with its
/// outcome (also when Eos refused it before sending, as `NOT_EXECUTED`).
async fn mutate_audited(c: &AuroraClient, op: &Operation, audit: AuditTo<'_>) -> MutationOutcome {
    let started = Instant::now();
    let outcome = mutate(c, op).await;
    let duration_ms = started.elapsed().as_millis() as u64;
    if let Some(path) = audit.path {
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
            cluster: audit.cluster,
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

/// Sends one operation and classifies the outcome.
async fn mutate(c: &AuroraClient, op: &Operation) -> MutationOutcome {
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
        // Never offered on Aurora; refused by Eos, not sent.
        Operation::SwarmService { .. } | Operation::SwarmNode { .. } => {
            Err(ClientError::Refused(format!(
                "{} is a Docker Swarm call; this is an Aurora scheduler",
                op.method()
            )))
        }
    };
    match result {
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
    }
}

fn without_value<T>(r: Reply<T>) -> Reply<()> {
    Reply {
        value: (),
        code: r.code,
        messages: r.messages,
        server_info: r.server_info,
    }
}

fn cluster_of<T>(r: &Reply<T>) -> Option<String> {
    r.server_info
        .as_ref()
        .and_then(|s| s.cluster_name.clone())
        .filter(|c| !c.is_empty())
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

impl From<ClientError> for FetchError {
    fn from(e: ClientError) -> Self {
        FetchError {
            outage: outage_of(&e),
            text: e.to_string(),
        }
    }
}

async fn fetch(c: &AuroraClient, key: &ResourceKey) -> Polled {
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
                c.get_tasks_without_configs(job_query_text(job, !history)?),
                Data::Tasks
            )
        }
        ResourceKey::Task(id) => {
            call!(c.get_tasks_status(queries::task_query(id)), |v: Vec<
                ScheduledTask,
            >| {
                Data::Task(v.into_iter().next().map(Box::new))
            })
        }
        ResourceKey::PendingReasons(scope) => {
            let q = match scope {
                PendingScope::All => TaskQuery::default(),
                PendingScope::Job(job) => TaskQuery {
                    statuses: None,
                    ..job_query_text(job, false)?
                },
                PendingScope::Task(id) => queries::task_query(id),
            };
            call!(c.get_pending_reason(q), Data::PendingReasons)
        }
        ResourceKey::StuckTasks => {
            call!(
                c.get_tasks_without_configs(queries::stuck_query()),
                Data::Tasks
            )
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
        ResourceKey::SwarmServices | ResourceKey::SwarmTasks(_) | ResourceKey::SwarmNodes => {
            Err("services are a Docker Swarm's; this is an Aurora scheduler"
                .to_owned()
                .into())
        }
        ResourceKey::SwarmUpdate(_)
        | ResourceKey::SwarmSpec(_)
        | ResourceKey::SwarmTask(_)
        | ResourceKey::SwarmTriage
        | ResourceKey::SwarmUpdates => Err(format!(
            "{} are a Docker Swarm's; this is an Aurora scheduler",
            key.describe()
        )
        .into()),
    }
}

// ---- hosts and maintenance ----

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
            let r = c.get_tasks_without_configs(queries::active_query()).await?;
            let cluster = cluster_of(&r);
            Ok((Data::Tasks(r.value), cluster))
        }
        ResourceKey::HostTasks(host) => {
            let r = c
                .get_tasks_without_configs(queries::host_query(host))
                .await?;
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
    action: HostAction,
    hosts: &[String],
) -> ClientResult<()> {
    let r = match action {
        HostAction::Start => c.start_maintenance(hosts).await,
        HostAction::Drain => c.drain_hosts(hosts).await,
        HostAction::End => c.end_maintenance(hosts).await,
    }?;
    let mut statuses: Vec<String> = r
        .value
        .iter()
        .map(|s| {
            format!(
                "{} → {}",
                s.host.as_deref().unwrap_or("?"),
                crate::domain::hosts::mode_text(s.mode)
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
