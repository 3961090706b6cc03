//! Method dispatch for `/api`: decode the args struct, check and change or query the state, and
//! answer with Aurora's response codes and detail messages (aurora-api.md §3).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use super::Simulator;
use super::state::*;
use super::updates::instance_task_config;
use crate::aurora::model::*;
use crate::aurora::wire::message::{Envelope, TApplicationException};
use crate::aurora::wire::{Protocol, Thrift};

crate::thrift_struct! {
    /// setQuota's arguments.
    pub struct SetQuotaArgs {
        1: owner_role: String,
        2: quota: ResourceAggregate,
    }
    /// forceTaskState's arguments.
    pub struct ForceTaskStateArgs {
        1: task_id: String,
        2: status: ScheduleStatus,
    }
    /// triggerExplicitTaskReconciliation's arguments.
    pub struct ExplicitReconciliationArgs { 1: settings: ExplicitReconciliationSettings }
    /// stageRecovery's arguments.
    pub struct BackupIdArgs { 1: backup_id: String }
}

/// What the server sends back for one call.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // built once per call and consumed at once
pub enum Outcome {
    Reply(Response),
    Exception(TApplicationException),
    /// The request could not be read at all (TJSON args, broken envelope): HTTP 500.
    Http500(String),
}

/// Which of Aurora's three Thrift services declares a method (api.thrift): `ReadOnlyScheduler`
/// methods never need authentication, `AuroraSchedulerManager` and `AuroraAdmin` ones do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    ReadOnly,
    Manager,
    Admin,
}

/// A decoded call, waiting to run under the state lock with the audit user.
type Call = Box<dyn FnOnce(&mut State, &str) -> Response + Send>;

/// One `/api` method: everything the simulator knows about it, in one row of [`METHODS`].
pub struct Method {
    pub name: &'static str,
    pub service: Service,
    /// Whether the call changes the scheduler (the admin queries `maintenanceStatus`,
    /// `listBackups` and `queryRecovery` do not, though their service is a writing one).
    pub mutating: bool,
    /// Decodes the arguments. Decoding comes first so that a broken args struct is a protocol
    /// error whatever the scheduler's state; the returned call runs later, under the lock.
    decode: fn(Protocol, &[u8]) -> std::result::Result<Call, Box<Outcome>>,
}

impl Method {
    /// Whether the call needs an authenticated user when the scheduler runs with authentication.
    pub fn needs_auth(&self) -> bool {
        self.service != Service::ReadOnly
    }
}

impl std::fmt::Debug for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Method")
            .field("name", &self.name)
            .field("service", &self.service)
            .field("mutating", &self.mutating)
            .finish()
    }
}

/// One row of the table: `name, service, mutating, |args: ArgsStruct, state, user| handler`.
macro_rules! method {
    ($name:literal, $service:ident, $mutating:expr,
     |$a:tt: $args:ty, $st:tt, $user:tt| $run:expr) => {
        Method {
            name: $name,
            service: Service::$service,
            mutating: $mutating,
            decode: |proto, body| {
                let $a: $args = decode_args(proto, body).map_err(Box::new)?;
                Ok(Box::new(move |$st: &mut State, $user: &str| $run))
            },
        }
    };
}

/// Every method the simulator answers, in api.thrift's order within each service.
pub static METHODS: &[Method] = &[
    // ReadOnlyScheduler
    method!("getRoleSummary", ReadOnly, false, |_a: NoArgs, st, _u| {
        get_role_summary(st)
    }),
    method!("getJobSummary", ReadOnly, false, |a: RoleArgs, st, _u| {
        get_job_summary(st, a.role)
    }),
    method!("getTasksStatus", ReadOnly, false, |a: QueryArgs, st, _u| {
        get_tasks(st, &a.query.unwrap_or_default(), false)
    }),
    method!(
        "getTasksWithoutConfigs",
        ReadOnly,
        false,
        |a: QueryArgs, st, _u| { get_tasks(st, &a.query.unwrap_or_default(), true) }
    ),
    method!(
        "getPendingReason",
        ReadOnly,
        false,
        |a: QueryArgs, st, _u| { get_pending_reason(st, a.query.unwrap_or_default()) }
    ),
    method!(
        "getConfigSummary",
        ReadOnly,
        false,
        |a: JobKeyArgs, st, _u| { get_config_summary(st, a.job) }
    ),
    method!("getJobs", ReadOnly, false, |a: RoleArgs, st, _u| get_jobs(
        st, a.role
    )),
    method!(
        "getQuota",
        ReadOnly,
        false,
        |a: RoleArgs, st, _u| get_quota(st, a.role)
    ),
    method!(
        "populateJobConfig",
        ReadOnly,
        false,
        |a: PopulateJobConfigArgs, st, _u| { populate_job_config(st, a.description) }
    ),
    method!(
        "getJobUpdateSummaries",
        ReadOnly,
        false,
        |a: GetJobUpdateSummariesArgs, st, _u| {
            get_update_summaries(st, &a.job_update_query.unwrap_or_default())
        }
    ),
    method!(
        "getJobUpdateDetails",
        ReadOnly,
        false,
        |a: GetJobUpdateDetailsArgs, st, _u| { get_update_details(st, a.key, a.query) }
    ),
    method!(
        "getJobUpdateDiff",
        ReadOnly,
        false,
        |a: GetJobUpdateDiffArgs, st, _u| { get_update_diff(st, a.request) }
    ),
    method!("getTierConfigs", ReadOnly, false, |_a: NoArgs, _st, _u| {
        get_tier_configs()
    }),
    // AuroraSchedulerManager
    method!(
        "createJob",
        Manager,
        true,
        |a: PopulateJobConfigArgs, st, _u| { create_job(st, a.description) }
    ),
    method!(
        "scheduleCronJob",
        Manager,
        true,
        |a: PopulateJobConfigArgs, st, _u| { schedule_cron_job(st, a.description, false) }
    ),
    method!(
        "descheduleCronJob",
        Manager,
        true,
        |a: CronJobArgs, st, _u| { deschedule_cron_job(st, a.job) }
    ),
    method!("startCronJob", Manager, true, |a: CronJobArgs, st, _u| {
        start_cron_job(st, a.job)
    }),
    method!(
        "replaceCronTemplate",
        Manager,
        true,
        |a: PopulateJobConfigArgs, st, _u| { schedule_cron_job(st, a.description, true) }
    ),
    method!(
        "restartShards",
        Manager,
        true,
        |a: RestartShardsArgs, st, user| { restart_shards(st, a.job, a.shard_ids, user) }
    ),
    method!("killTasks", Manager, true, |a: KillTasksArgs, st, user| {
        kill_tasks(st, a.job, a.instances, a.message, user)
    }),
    method!(
        "addInstances",
        Manager,
        true,
        |a: AddInstancesArgs, st, _u| { add_instances(st, a.key, a.count) }
    ),
    method!(
        "startJobUpdate",
        Manager,
        true,
        |a: StartJobUpdateArgs, st, user| { start_job_update(st, a.request, a.message, user) }
    ),
    method!(
        "pauseJobUpdate",
        Manager,
        true,
        |a: UpdateControlArgs, st, user| { control(st, Ctl::Pause, a.key, a.message, user) }
    ),
    method!(
        "resumeJobUpdate",
        Manager,
        true,
        |a: UpdateControlArgs, st, user| { control(st, Ctl::Resume, a.key, a.message, user) }
    ),
    method!(
        "abortJobUpdate",
        Manager,
        true,
        |a: UpdateControlArgs, st, user| { control(st, Ctl::Abort, a.key, a.message, user) }
    ),
    method!(
        "rollbackJobUpdate",
        Manager,
        true,
        |a: RollbackJobUpdateArgs, st, user| { control(st, Ctl::Rollback, a.key, a.message, user) }
    ),
    method!(
        "pulseJobUpdate",
        Manager,
        true,
        |a: PulseJobUpdateArgs, st, _u| pulse(st, a.key)
    ),
    // AuroraAdmin
    method!("setQuota", Admin, true, |a: SetQuotaArgs, st, _u| {
        set_quota(st, a.owner_role, a.quota)
    }),
    method!(
        "forceTaskState",
        Admin,
        true,
        |a: ForceTaskStateArgs, st, user| { force_task_state(st, a.task_id, a.status, user) }
    ),
    method!(
        "performBackup",
        Admin,
        true,
        |_a: NoArgs, _st, _u| ok_empty()
    ),
    method!("listBackups", Admin, false, |_a: NoArgs, st, _u| {
        ok(ApiResult::ListBackupsResult(ListBackupsResult {
            backups: Some(backups(st)),
        }))
    }),
    method!("stageRecovery", Admin, true, |a: BackupIdArgs, st, _u| {
        if a.backup_id.is_some_and(|b| backups(st).contains(&b)) {
            ok_empty()
        } else {
            invalid("No such backup.")
        }
    }),
    method!("queryRecovery", Admin, false, |a: QueryArgs, st, _u| {
        let tasks = query_tasks(st, &a.query.unwrap_or_default())
            .into_iter()
            .map(|t| st.scheduled_task(t, false))
            .collect();
        ok(ApiResult::QueryRecoveryResult(QueryRecoveryResult {
            tasks: Some(tasks),
        }))
    }),
    method!(
        "deleteRecoveryTasks",
        Admin,
        true,
        |_a: QueryArgs, _st, _u| ok_empty()
    ),
    method!("commitRecovery", Admin, true, |_a: NoArgs, _st, _u| {
        ok_empty()
    }),
    method!("unloadRecovery", Admin, true, |_a: NoArgs, _st, _u| {
        ok_empty()
    }),
    method!("startMaintenance", Admin, true, |a: HostsArgs, st, _u| {
        maintenance(st, &host_names(a.hosts), Some(MaintenanceMode::SCHEDULED))
    }),
    method!("drainHosts", Admin, true, |a: HostsArgs, st, _u| {
        drain_hosts(st, &host_names(a.hosts))
    }),
    method!(
        "slaDrainHosts",
        Admin,
        true,
        |a: SlaDrainHostsArgs, st, _u| { drain_hosts(st, &host_names(a.hosts)) }
    ),
    method!("maintenanceStatus", Admin, false, |a: HostsArgs, st, _u| {
        maintenance(st, &host_names(a.hosts), None)
    }),
    method!("endMaintenance", Admin, true, |a: HostsArgs, st, _u| {
        maintenance(st, &host_names(a.hosts), Some(MaintenanceMode::NONE))
    }),
    method!("snapshot", Admin, true, |_a: NoArgs, _st, _u| ok_empty()),
    method!(
        "triggerExplicitTaskReconciliation",
        Admin,
        true,
        |a: ExplicitReconciliationArgs, _st, _u| {
            match a.settings.and_then(|s| s.batch_size) {
                Some(n) if n <= 0 => invalid("Batch size must be greater than zero."),
                _ => ok_empty(),
            }
        }
    ),
    method!(
        "triggerImplicitTaskReconciliation",
        Admin,
        true,
        |_a: NoArgs, _st, _u| ok_empty()
    ),
    method!("pruneTasks", Admin, true, |a: QueryArgs, st, _u| {
        prune_tasks(st, a.query.unwrap_or_default())
    }),
];

/// The row for a method name, if the simulator knows it.
pub fn method(name: &str) -> Option<&'static Method> {
    METHODS.iter().find(|m| m.name == name)
}

/// Whether a call needs an authenticated user: unknown names do not (they fail as unknown).
pub fn needs_auth(name: &str) -> bool {
    method(name).is_some_and(Method::needs_auth)
}

fn host_names(hosts: Option<Hosts>) -> Vec<String> {
    hosts.and_then(|h| h.host_names).unwrap_or_default()
}

fn response(code: ResponseCode, messages: &[&str], result: Option<ApiResult>) -> Response {
    Response {
        response_code: Some(code),
        result,
        server_info: None,
        details: Some(
            messages
                .iter()
                .map(|m| ResponseDetail {
                    message: Some((*m).to_owned()),
                })
                .collect(),
        ),
    }
}

fn ok(result: ApiResult) -> Response {
    response(ResponseCode::OK, &[], Some(result))
}
fn ok_empty() -> Response {
    response(ResponseCode::OK, &[], None)
}
fn invalid(msg: &str) -> Response {
    response(ResponseCode::INVALID_REQUEST, &[msg], None)
}
fn error(msg: &str) -> Response {
    response(ResponseCode::ERROR, &[msg], None)
}

#[allow(clippy::result_large_err)]
fn decode_args<T: Thrift>(proto: Protocol, body: &[u8]) -> std::result::Result<T, Outcome> {
    match proto.decode::<T>(body) {
        Ok((_, Envelope::Body(a))) => Ok(a),
        Ok((_, Envelope::Exception(_))) => Err(Outcome::Exception(TApplicationException::new(
            TApplicationException::INVALID_MESSAGE_TYPE,
            "expected a CALL",
        ))),
        Err(e) => Err(match proto {
            Protocol::Binary => Outcome::Exception(TApplicationException::new(
                TApplicationException::PROTOCOL_ERROR,
                e.to_string(),
            )),
            Protocol::Json => Outcome::Http500(format!("could not read the TJSON request: {e}")),
        }),
    }
}

fn valid_key(k: Option<&JobKey>) -> Option<&JobKey> {
    k.filter(|k| {
        valid_identifier(k.role())
            && valid_identifier(k.environment())
            && valid_identifier(k.name())
    })
}

/// Aurora's uncaught IllegalArgumentException carries no text; the simulator says what was wrong.
const INVALID_KEY: &str = "Missing or invalid job key from request.";

/// Aurora's `assertNotUpdating`: any active update, paused and awaiting-pulse ones included,
/// blocks the call, with exactly this text (pausing does not help).
fn updating_error(st: &State, j: JobIdx) -> Option<Response> {
    st.jobs[j as usize].active_update?;
    Some(response(
        ResponseCode::JOB_UPDATING_ERROR,
        &["Job is currently updating"],
        None,
    ))
}

/// Handles one call. `user` is the audit user (`UNSECURE` without authentication).
pub fn handle(
    sim: &Simulator,
    proto: Protocol,
    body: &[u8],
    method: &str,
    user: &str,
    storage_ready: bool,
) -> Outcome {
    let Some(m) = self::method(method) else {
        return Outcome::Exception(TApplicationException::new(
            TApplicationException::UNKNOWN_METHOD,
            format!("Invalid method name: '{method}'"),
        ));
    };
    let call = match (m.decode)(proto, body) {
        Ok(call) => call,
        Err(o) => return *o,
    };
    if !storage_ready {
        return Outcome::Reply(response(
            ResponseCode::ERROR_TRANSIENT,
            &["Storage is not READY"],
            None,
        ));
    }
    let mut guard = sim.sync();
    let st = &mut *guard;
    st.stats.api_calls += 1;
    Outcome::Reply(call(st, user))
}

fn backups(st: &State) -> Vec<String> {
    let hour = st.now / 3_600_000 * 3_600_000;
    (0..3)
        .map(|k| format!("scheduler-backup-{}", hour - k * 3_600_000))
        .collect()
}

// ---- queries ----

/// The tasks a TaskQuery selects, in a stable order (job key, active by instance, then history).
pub fn query_tasks(st: &State, q: &TaskQuery) -> Vec<TaskIdx> {
    let role = q.role.as_deref().filter(|r| !r.trim().is_empty());
    let env = q.environment.as_deref();
    let name = q.job_name.as_deref();
    let key_ok = |k: &JobKey| {
        role.is_none_or(|r| k.role() == r)
            && env.is_none_or(|e| k.environment() == e)
            && name.is_none_or(|n| k.name() == n)
            && q.job_keys
                .as_ref()
                .filter(|ks| !ks.is_empty())
                .is_none_or(|ks| ks.iter().any(|x| x == k))
    };
    let mut out: Vec<TaskIdx> = Vec::new();
    if let Some(ids) = q.task_ids.as_ref().filter(|v| !v.is_empty()) {
        for id in ids {
            if let Some(&t) = st.by_id.get(id.as_str()) {
                out.push(t);
            }
        }
        out.retain(|&t| key_ok(&st.jobs[st.task(t).job as usize].key));
    } else {
        let jobs: Vec<JobIdx> = if let Some(ks) = q.job_keys.as_ref().filter(|v| !v.is_empty()) {
            ks.iter().filter_map(|k| st.job_idx(k)).collect()
        } else if let (Some(r), Some(e), Some(n)) = (role, env, name) {
            st.job_idx(&JobKey::new(r, e, n)).into_iter().collect()
        } else {
            st.jobs_of(role)
        };
        for j in jobs {
            let job = &st.jobs[j as usize];
            if !key_ok(&job.key) {
                continue;
            }
            out.extend(job.task_indexes());
        }
    }
    let statuses: Option<BTreeSet<i32>> = q
        .statuses
        .as_ref()
        .filter(|s| !s.is_empty())
        .map(|s| s.iter().map(|x| x.0).collect());
    let instances: Option<BTreeSet<i32>> = q
        .instance_ids
        .as_ref()
        .filter(|s| !s.is_empty())
        .map(|s| s.iter().copied().collect());
    let hosts: Option<BTreeSet<&str>> = q
        .slave_hosts
        .as_ref()
        .filter(|s| !s.is_empty())
        .map(|s| s.iter().map(String::as_str).collect());
    if statuses.is_some() || instances.is_some() || hosts.is_some() {
        out.retain(|&t| {
            let task = st.task(t);
            statuses.as_ref().is_none_or(|s| s.contains(&task.status.0))
                && instances
                    .as_ref()
                    .is_none_or(|s| s.contains(&task.instance))
                && hosts.as_ref().is_none_or(|h| {
                    task.host
                        .is_some_and(|x| h.contains(st.hosts[x as usize].name.as_str()))
                })
        });
    }
    let offset = q.offset.unwrap_or(0).max(0) as usize;
    let limit = q.limit.unwrap_or(0);
    let it = out.into_iter().skip(offset);
    if limit > 0 {
        it.take(limit as usize).collect()
    } else {
        it.collect()
    }
}

fn get_tasks(st: &State, q: &TaskQuery, strip: bool) -> Response {
    let tasks = query_tasks(st, q)
        .into_iter()
        .map(|t| st.scheduled_task(t, strip))
        .collect();
    ok(ApiResult::ScheduleStatusResult(ScheduleStatusResult {
        tasks: Some(tasks),
    }))
}

fn get_pending_reason(st: &State, mut q: TaskQuery) -> Response {
    // ReadOnlySchedulerImpl checks slaveHosts first, then statuses, each with its own text.
    if q.slave_hosts.as_ref().is_some_and(|v| !v.is_empty()) {
        return invalid(&format!(
            "SlaveHosts are not supported in {}",
            describe_query(&q)
        ));
    }
    if q.statuses.as_ref().is_some_and(|v| !v.is_empty()) {
        return invalid(&format!(
            "Statuses is not supported in {}",
            describe_query(&q)
        ));
    }
    q.statuses = Some(vec![ScheduleStatus::PENDING]);
    let reasons = query_tasks(st, &q)
        .into_iter()
        .map(|t| {
            let task = st.task(t);
            PendingReason {
                task_id: Some(task.id.to_string()),
                reason: Some(task.pending_reason.as_deref().unwrap_or("").to_owned()),
            }
        })
        .collect();
    ok(ApiResult::GetPendingReasonResult(GetPendingReasonResult {
        reasons: Some(reasons),
    }))
}

fn describe_query(q: &TaskQuery) -> String {
    format!(
        "TaskQuery(role:{}, environment:{}, jobName:{}, statuses:{:?}, slaveHosts:{:?})",
        q.role.as_deref().unwrap_or("null"),
        q.environment.as_deref().unwrap_or("null"),
        q.job_name.as_deref().unwrap_or("null"),
        q.statuses.as_deref().unwrap_or(&[]),
        q.slave_hosts.as_deref().unwrap_or(&[]),
    )
}

/// JobStats bucketed as aurora-api.md §5.3.
pub fn job_stats(st: &State, j: JobIdx) -> JobStats {
    let (mut active, mut finished, mut failed, mut pending) = (0, 0, 0, 0);
    for t in st.jobs[j as usize].task_indexes() {
        match st.task(t).status {
            ScheduleStatus::INIT | ScheduleStatus::PENDING | ScheduleStatus::THROTTLED => {
                pending += 1
            }
            ScheduleStatus::FINISHED | ScheduleStatus::KILLED => finished += 1,
            ScheduleStatus::FAILED | ScheduleStatus::LOST => failed += 1,
            _ => active += 1,
        }
    }
    JobStats {
        active_task_count: Some(active),
        finished_task_count: Some(finished),
        failed_task_count: Some(failed),
        pending_task_count: Some(pending),
    }
}

/// The job's configuration as Aurora reports it: the cron template, or one synthesised from
/// the most recently active task.
fn job_configuration(st: &State, j: JobIdx, count_all_records: bool) -> Option<JobConfiguration> {
    let job = &st.jobs[j as usize];
    let owner = Some(Identity {
        user: Some(job.key.role().to_owned()),
    });
    if let Some(c) = &job.cron {
        return Some(JobConfiguration {
            cron_schedule: Some(c.schedule.clone()),
            cron_collision_policy: Some(c.policy),
            task_config: Some((*c.config.full).clone()),
            owner,
            instance_count: Some(c.instance_count),
            key: Some(job.key.clone()),
        });
    }
    let latest = job
        .active
        .values()
        .chain(job.terminal.iter())
        .max_by_key(|&&t| {
            let task = st.task(t);
            (
                task.status.is_active(),
                task.events.last().map(|e| e.ts).unwrap_or(0),
            )
        })?;
    let count = if count_all_records {
        job.active.len() + job.terminal.len()
    } else {
        job.active.len()
    };
    Some(JobConfiguration {
        cron_schedule: None,
        cron_collision_policy: None,
        task_config: Some((*st.task(*latest).config.full).clone()),
        owner,
        instance_count: Some(count as i32),
        key: Some(job.key.clone()),
    })
}

fn get_job_summary(st: &State, role: Option<String>) -> Response {
    // Aurora scopes to any role given, even "" (which owns no jobs); only a null role means all.
    let mut summaries = Vec::new();
    for j in st.jobs_of(role.as_deref()) {
        let job = &st.jobs[j as usize];
        if !job.has_tasks() && job.cron.is_none() {
            continue;
        }
        let Some(config) = job_configuration(st, j, true) else {
            continue;
        };
        summaries.push(JobSummary {
            job: Some(config),
            stats: Some(job_stats(st, j)),
            next_cron_run_ms: job.cron.as_ref().and_then(|c| c.next_run_ms),
        });
    }
    ok(ApiResult::JobSummaryResult(JobSummaryResult {
        summaries: Some(summaries),
    }))
}

fn get_role_summary(st: &State) -> Response {
    let mut roles: BTreeMap<&str, (i32, i32)> = BTreeMap::new();
    for job in &st.jobs {
        let e = roles.entry(job.key.role()).or_default();
        if job.has_tasks() {
            e.0 += 1;
        }
        if job.cron.is_some() {
            e.1 += 1;
        }
    }
    let summaries = roles
        .into_iter()
        .filter(|(_, (jobs, crons))| *jobs > 0 || *crons > 0)
        .map(|(role, (jobs, crons))| RoleSummary {
            role: Some(role.to_owned()),
            job_count: Some(jobs),
            cron_job_count: Some(crons),
        })
        .collect();
    ok(ApiResult::RoleSummaryResult(RoleSummaryResult {
        summaries: Some(summaries),
    }))
}

fn get_jobs(st: &State, role: Option<String>) -> Response {
    let role = role.filter(|r| !r.trim().is_empty());
    let configs = st
        .jobs_of(role.as_deref())
        .into_iter()
        .filter(|&j| {
            let job = &st.jobs[j as usize];
            job.cron.is_some() || !job.active.is_empty()
        })
        .filter_map(|j| job_configuration(st, j, false))
        .collect();
    ok(ApiResult::GetJobsResult(GetJobsResult {
        configs: Some(configs),
    }))
}

fn group_active(st: &State, j: JobIdx) -> Vec<ConfigGroup> {
    let mut groups: Vec<(ConfigRef, Vec<i32>)> = Vec::new();
    for (&i, &t) in &st.jobs[j as usize].active {
        let c = &st.task(t).config;
        match groups.iter_mut().find(|(k, _)| Config::same(k, c)) {
            Some((_, v)) => v.push(i),
            None => groups.push((c.clone(), vec![i])),
        }
    }
    groups
        .into_iter()
        .map(|(c, ids)| ConfigGroup {
            config: Some((*c.full).clone()),
            instances: Some(ranges_of(ids)),
        })
        .collect()
}

fn get_config_summary(st: &State, job: Option<JobKey>) -> Response {
    let Some(key) = valid_key(job.as_ref()) else {
        return error(INVALID_KEY);
    };
    let groups = st
        .job_idx(key)
        .map(|j| group_active(st, j))
        .unwrap_or_default();
    ok(ApiResult::ConfigSummaryResult(ConfigSummaryResult {
        summary: Some(ConfigSummary {
            key: Some(key.clone()),
            groups: Some(groups),
        }),
    }))
}

/// Consumption of live tasks, split as `getQuota` reports it. Revocable tasks use revocable
/// offers and do not count against quota.
fn aggregate(t: ResourceTotals) -> ResourceAggregate {
    ResourceAggregate {
        resources: Some(vec![
            Resource::NumCpus(t.cpus),
            Resource::RamMb(t.ram_mb),
            Resource::DiskMb(t.disk_mb),
        ]),
    }
}

fn get_quota(st: &State, role: Option<String>) -> Response {
    let Some(role) = role.filter(|r| !r.trim().is_empty()) else {
        return error("ownerRole must not be blank.");
    };
    let c = super::quota::consumption(st, &role);
    let quota = st.quotas.get(&role).copied().unwrap_or_default();
    ok(ApiResult::GetQuotaResult(GetQuotaResult {
        quota: Some(aggregate(quota)),
        prod_shared_consumption: Some(aggregate(c[0])),
        non_prod_shared_consumption: Some(aggregate(c[1])),
        prod_dedicated_consumption: Some(aggregate(c[2])),
        non_prod_dedicated_consumption: Some(aggregate(c[3])),
    }))
}

pub const TIERS: &[(&str, bool, bool)] = &[
    ("preemptible", true, false),
    ("preferred", false, false),
    ("revocable", true, true),
];
pub const DEFAULT_TIER: &str = "preemptible";

fn get_tier_configs() -> Response {
    ok(ApiResult::GetTierConfigResult(GetTierConfigResult {
        default_tier_name: Some(DEFAULT_TIER.to_owned()),
        tiers: Some(
            TIERS
                .iter()
                .map(|(name, preemptible, revocable)| TierConfig {
                    name: Some((*name).to_owned()),
                    settings: Some(BTreeMap::from([
                        ("preemptible".to_owned(), preemptible.to_string()),
                        ("revocable".to_owned(), revocable.to_string()),
                    ])),
                })
                .collect(),
        ),
    }))
}

/// Validates a TaskConfig and fills the defaults the scheduler fills, so that a config read back
/// from the scheduler and sent again compares equal.
pub fn populate(
    mut tc: TaskConfig,
    key: Option<&JobKey>,
) -> std::result::Result<TaskConfig, String> {
    if let Some(k) = key {
        tc.job = Some(k.clone());
    }
    let Some(job) = valid_key(tc.job.as_ref()).cloned() else {
        return Err(INVALID_KEY.to_owned());
    };
    if tc.owner.as_ref().and_then(|o| o.user.as_ref()).is_none() {
        tc.owner = Some(Identity {
            user: Some(job.role().to_owned()),
        });
    }
    let tier = tc.tier.clone().unwrap_or_else(|| DEFAULT_TIER.to_owned());
    if !TIERS.iter().any(|(n, _, _)| *n == tier) {
        return Err(format!("Tier {tier} does not exist."));
    }
    tc.tier = Some(tier.clone());
    tc.production = Some(tier == "preferred");
    tc.is_service.get_or_insert(false);
    tc.priority.get_or_insert(0);
    tc.max_task_failures.get_or_insert(1);
    tc.constraints.get_or_insert_with(Vec::new);
    tc.container.get_or_insert_with(Container::default);
    let totals = tc.totals();
    if totals.cpus <= 0.0 || totals.ram_mb <= 0 || totals.disk_mb <= 0 {
        return Err("Task resources must include a positive numCpus, ramMb and diskMb.".to_owned());
    }
    if tc.max_task_failures.unwrap_or(1) < -1 {
        return Err("maxTaskFailures must be -1 or greater.".to_owned());
    }
    Ok(tc)
}

fn populate_job_config(_st: &State, c: Option<JobConfiguration>) -> Response {
    let Some(c) = c else {
        return invalid("A job configuration is required.");
    };
    match populate(c.task_config.unwrap_or_default(), c.key.as_ref()) {
        Ok(tc) => ok(ApiResult::PopulateJobResult(PopulateJobResult {
            task_config: Some(tc),
        })),
        Err(e) => invalid(&e),
    }
}

fn get_update_summaries(st: &State, q: &JobUpdateQuery) -> Response {
    let summaries = query_updates(st, q)
        .into_iter()
        .map(|u| st.update_summary(u))
        .collect();
    ok(ApiResult::GetJobUpdateSummariesResult(
        GetJobUpdateSummariesResult {
            update_summaries: Some(summaries),
        },
    ))
}

/// Updates a JobUpdateQuery selects, newest-modified first, then offset/limit.
pub fn query_updates(st: &State, q: &JobUpdateQuery) -> Vec<UpdateIdx> {
    let statuses: Option<BTreeSet<i32>> = q
        .update_statuses
        .as_ref()
        .filter(|s| !s.is_empty())
        .map(|s| s.iter().map(|x| x.0).collect());
    let mut out: Vec<(i64, UpdateIdx)> = st
        .updates
        .iter()
        .enumerate()
        .filter_map(|(i, u)| u.as_ref().map(|u| (i as UpdateIdx, u)))
        .filter(|(_, u)| {
            let job = &st.jobs[u.job as usize].key;
            q.role.as_deref().is_none_or(|r| job.role() == r)
                && q.job_key.as_ref().is_none_or(|k| k == job)
                && q.key.as_ref().is_none_or(|k| {
                    k.id.as_deref() == Some(u.id.as_str())
                        && k.job.as_ref().is_none_or(|kj| kj == job)
                })
                && q.user.as_deref().is_none_or(|x| x == u.user)
                && statuses.as_ref().is_none_or(|s| s.contains(&u.status.0))
        })
        .map(|(i, u)| (u.last_modified(), i))
        .collect();
    out.sort_by(|a, b| b.cmp(a));
    let offset = q.offset.unwrap_or(0).max(0) as usize;
    let limit = q.limit.unwrap_or(0);
    let it = out.into_iter().skip(offset).map(|(_, u)| u);
    if limit > 0 {
        it.take(limit as usize).collect()
    } else {
        it.collect()
    }
}

fn get_update_details(
    st: &State,
    key: Option<JobUpdateKey>,
    q: Option<JobUpdateQuery>,
) -> Response {
    if let Some(q) = q {
        let list = query_updates(st, &q)
            .into_iter()
            .map(|u| st.update_details(u))
            .collect();
        return ok(ApiResult::GetJobUpdateDetailsResult(
            GetJobUpdateDetailsResult {
                details: None,
                details_list: Some(list),
            },
        ));
    }
    let Some(key) = key else {
        return error("Either key or query must be set.");
    };
    match st.find_update(&key) {
        Some(u) => response(
            ResponseCode::OK,
            &["The key argument is deprecated, use the query argument instead"],
            Some(ApiResult::GetJobUpdateDetailsResult(
                GetJobUpdateDetailsResult {
                    details: Some(st.update_details(u)),
                    details_list: None,
                },
            )),
        ),
        None => invalid(&format!("Invalid update: {key}")),
    }
}

/// A validated update request: job, shared desired config, instance count, scope, settings.
/// A job update request that passed validation. Nothing is stored yet: a preview
/// (getJobUpdateDiff) must leave the cluster as it was.
struct ValidRequest {
    key: JobKey,
    /// The populated task config.
    task: TaskConfig,
    count: i32,
    scope: Option<BTreeSet<i32>>,
    settings: JobUpdateSettings,
    metadata: Option<Vec<Metadata>>,
}

#[allow(clippy::result_large_err)]
fn validate_request(
    st: &State,
    r: Option<JobUpdateRequest>,
) -> std::result::Result<ValidRequest, Response> {
    let Some(r) = r else {
        return Err(invalid("A job update request is required."));
    };
    let Some(tc) = r.task_config else {
        return Err(invalid("The update request needs a task config."));
    };
    // Aurora's order and texts (SchedulerThriftInterface.startJobUpdate and its constants):
    // the raw config's isService, the strategy and group sizes, failures, minWait, pulse,
    // slaAware, then the populated config, cron, scope; the no-op, quota and an update in
    // progress come after, in start_job_update.
    if !tc.is_service.unwrap_or(false) {
        return Err(invalid("Updates are not supported for non-service tasks."));
    }
    // Aurora reads the settings with requireNonNull: a NullPointerException, so ERROR.
    let Some(mut settings) = r.settings else {
        return Err(error("Update settings are required (settings is null)."));
    };
    // Back-fill the 0.22 strategy field, as the scheduler does.
    if settings.update_strategy.is_none() {
        let g = settings.update_group_size.unwrap_or(1);
        settings.update_strategy = Some(if settings.wait_for_batch_completion.unwrap_or(false) {
            JobUpdateStrategy::Batch(BatchJobUpdateStrategy {
                group_size: Some(g),
                autopause_after_batch: Some(false),
            })
        } else {
            JobUpdateStrategy::Queue(QueueJobUpdateStrategy {
                group_size: Some(g),
            })
        });
    }
    let total_from_groups: i64 = match &settings.update_strategy {
        Some(JobUpdateStrategy::Queue(q)) => q.group_size.unwrap_or(0).into(),
        Some(JobUpdateStrategy::Batch(b)) => b.group_size.unwrap_or(0).into(),
        Some(JobUpdateStrategy::VarBatch(v)) => {
            let sizes = v.group_sizes.as_deref().unwrap_or_default();
            if sizes.iter().any(|&g| g <= 0) {
                return Err(invalid("All update group sizes must be positive."));
            }
            sizes.iter().map(|&g| i64::from(g)).sum()
        }
        _ => return Err(invalid("Update strategy provided is unknown.")),
    };
    if total_from_groups <= 0 {
        return Err(invalid("Update results in no instance being modified."));
    }
    if settings.max_per_instance_failures.unwrap_or(0) < 0 {
        return Err(invalid("maxPerInstanceFailures must be non-negative."));
    }
    if settings.max_failed_instances.unwrap_or(0) < 0 {
        return Err(invalid("maxFailedInstances must be non-negative."));
    }
    let count = r.instance_count.unwrap_or(0);
    // Aurora's default -max_update_instance_failures is 20000.
    if settings.max_per_instance_failures.unwrap_or(0) as i64 * count as i64 > 20_000 {
        return Err(invalid(
            "Your update allows too many failures to occur, consider decreasing the \
             per-instance failures or maxFailedInstances.",
        ));
    }
    if settings.min_wait_in_instance_running_ms.unwrap_or(0) < 0 {
        return Err(invalid("minWaitInInstanceRunningMs must be non-negative."));
    }
    if settings.block_if_no_pulses_after_ms.unwrap_or(0) < 0 {
        return Err(invalid("blockIfNoPulsesAfterMs must be positive."));
    }
    if settings.sla_aware.unwrap_or(false) && tc.sla_policy.is_none() {
        return Err(invalid(
            "slaAware is true, but no task slaPolicy is specified.",
        ));
    }
    let tc = populate(tc, None).map_err(|e| invalid(&e))?;
    let key = tc.job.clone().expect("populated");
    // Aurora checks the count with the task limits, after the no-op; its text is the same.
    if count <= 0 || count > MAX_TASKS_PER_JOB {
        return Err(invalid(&instance_count_limit_text()));
    }
    if st
        .job_idx(&key)
        .is_some_and(|j| st.jobs[j as usize].cron.is_some())
    {
        return Err(invalid(
            "Cron jobs may only be created/updated by calling scheduleCronJob.",
        ));
    }
    let scope: Option<BTreeSet<i32>> = settings
        .update_only_these_instances
        .as_ref()
        .filter(|r| !r.is_empty())
        .map(|rs| rs.iter().flat_map(|r| r.ids()).collect());
    // JobDiff.getOutOfScopeInstances: a scoped id must be a current instance or a proposed one
    // (a sparse job's gaps below the count are proposed; those above it are not).
    if let Some(s) = &scope {
        let current = st.job_idx(&key).map(|j| &st.jobs[j as usize].active);
        let irrelevant: Vec<i32> = s
            .iter()
            .copied()
            .filter(|i| !(0..count).contains(i) && current.is_none_or(|a| !a.contains_key(i)))
            .collect();
        if !irrelevant.is_empty() {
            return Err(invalid(&format!(
                "The update request attempted to update specific instances, but some are \
                 irrelevant to the update and current job state: {irrelevant:?}"
            )));
        }
    }
    Ok(ValidRequest {
        key,
        task: tc,
        count,
        scope,
        settings,
        metadata: r.metadata,
    })
}

fn groups_of(items: &[(i32, ConfigRef)]) -> Vec<ConfigGroup> {
    let mut out: Vec<(ConfigRef, Vec<i32>)> = Vec::new();
    for (i, c) in items {
        match out.iter_mut().find(|(k, _)| Config::same(k, c)) {
            Some((_, v)) => v.push(*i),
            None => out.push((c.clone(), vec![*i])),
        }
    }
    out.into_iter()
        .map(|(c, ids)| {
            let itc = instance_task_config(&c, &ids);
            ConfigGroup {
                config: itc.task,
                instances: itc.instances,
            }
        })
        .collect()
}

/// A preview the way Aurora's ReadOnlySchedulerImpl gives it: only the config is validated
/// and cron jobs refused; settings that startJobUpdate would reject (non-service config, group
/// sizes, a scope outside the job) still get their diff.
fn get_update_diff(st: &mut State, r: Option<JobUpdateRequest>) -> Response {
    let Some(r) = r else {
        return invalid("A job update request is required.");
    };
    let Some(tc) = r.task_config else {
        return invalid("The update request needs a task config.");
    };
    let task = match populate(tc, None) {
        Ok(tc) => tc,
        Err(e) => return invalid(&e),
    };
    let key = task.job.clone().expect("populated");
    if st
        .job_idx(&key)
        .is_some_and(|j| st.jobs[j as usize].cron.is_some())
    {
        return invalid("Cron jobs are not supported.");
    }
    // Aurora reads the settings without a null check: a NullPointerException, so ERROR.
    let Some(settings) = r.settings else {
        return error("Update settings are required (settings is null).");
    };
    let count = r.instance_count.unwrap_or(0);
    if count <= 0 || count > MAX_TASKS_PER_JOB {
        return invalid(&format!(
            "Instance count must be between 1 and {MAX_TASKS_PER_JOB} inclusive."
        ));
    }
    let scope: Option<BTreeSet<i32>> = settings
        .update_only_these_instances
        .as_ref()
        .filter(|r| !r.is_empty())
        .map(|rs| rs.iter().flat_map(|r| r.ids()).collect());
    let v = ValidRequest {
        key,
        task,
        count,
        scope,
        settings,
        metadata: None,
    };
    // A config of its own, not interned: the preview stores nothing (and creates no job).
    let config = Config::new(v.task, Behavior::Healthy);
    let d = match st.job_idx(&v.key) {
        Some(j) => st.classify(j, &config, v.count, v.scope.as_ref()),
        None => crate::sim::updates::Diff {
            add: (0..v.count)
                .filter(|i| v.scope.as_ref().is_none_or(|s| s.contains(i)))
                .collect(),
            ..Default::default()
        },
    };
    let add: Vec<(i32, ConfigRef)> = d.add.iter().map(|&i| (i, config.clone())).collect();
    ok(ApiResult::GetJobUpdateDiffResult(GetJobUpdateDiffResult {
        add: Some(groups_of(&add)),
        remove: Some(groups_of(&d.remove)),
        update: Some(groups_of(&d.update)),
        unchanged: Some(groups_of(&d.unchanged)),
    }))
}

fn start_job_update(
    st: &mut State,
    r: Option<JobUpdateRequest>,
    message: Option<String>,
    user: &str,
) -> Response {
    let v = match validate_request(st, r) {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    let job = st.job_or_create(&v.key);
    let config = st.intern_config(job, v.task, Behavior::Healthy);
    // Aurora's order (SchedulerThriftInterface.startJobUpdate): a no-op is answered first, then
    // quota, then an update already in progress (JobUpdateController.start).
    let diff = st.classify(job, &config, v.count, v.scope.as_ref());
    if diff.is_noop() {
        return response(
            ResponseCode::OK,
            &["Job is unchanged by proposed update."],
            None,
        );
    }
    let (initial, desired) = super::updates::instructions(&diff, &config);
    let planned = super::quota::Instructions {
        initial: &initial,
        desired: desired.as_ref().map(|(c, ids)| (c, ids.as_slice())),
    };
    if let Err(e) = super::quota::check_update(st, job, planned) {
        return invalid(&e);
    }
    if let Some(u) = st.jobs[job as usize].active_update {
        let key = st.upd(u).key(&st.jobs[job as usize].key);
        return response(
            ResponseCode::INVALID_REQUEST,
            &[ACTIVE_UPDATE_EXISTS],
            Some(ApiResult::StartJobUpdateResult(StartJobUpdateResult {
                key: Some(key),
                update_summary: Some(st.update_summary(u)),
            })),
        );
    }
    match st.create_update(
        job, config, v.count, v.settings, v.scope, user, message, v.metadata,
    ) {
        None => response(
            ResponseCode::OK,
            &["Job is unchanged by proposed update."],
            None,
        ),
        Some(u) => ok(ApiResult::StartJobUpdateResult(StartJobUpdateResult {
            key: Some(st.upd(u).key(&st.jobs[job as usize].key)),
            update_summary: Some(st.update_summary(u)),
        })),
    }
}

/// JobUpdateControllerImpl's UpdateInProgressException text; the states are
/// `Updates.ACTIVE_JOB_UPDATE_STATES`, an enum set printed in the IDL's order.
const ACTIVE_UPDATE_EXISTS: &str = "An active update already exists for this job, please \
    terminate it before starting another. Active updates are those in states [ROLLING_FORWARD, \
    ROLLING_BACK, ROLL_FORWARD_PAUSED, ROLL_BACK_PAUSED, ROLL_FORWARD_AWAITING_PULSE, \
    ROLL_BACK_AWAITING_PULSE]";

#[derive(Clone, Copy, PartialEq)]
enum Ctl {
    Pause,
    Resume,
    Abort,
    Rollback,
}

/// pause/resume/abort/rollbackJobUpdate as Aurora's JobUpdateControllerImpl does them: each
/// asks for a target status (JobUpdateStateMachine); asking for the status the update is already
/// in is a quiet no-op, and a refusal names the target ("to null" when the call has none).
fn control(
    st: &mut State,
    ctl: Ctl,
    key: Option<JobUpdateKey>,
    message: Option<String>,
    user: &str,
) -> Response {
    // Aurora checks the key outside its try block (JobKeys.assertValid): the uncaught
    // IllegalArgumentException becomes ERROR in its LoggingInterceptor.
    let Some(key) = key.filter(|k| valid_key(k.job.as_ref()).is_some()) else {
        return error(INVALID_KEY);
    };
    let Some(u) = st.find_update(&key) else {
        // Aurora's resume puts a colon after "exist"; pause, abort and rollback do not.
        return invalid(&match ctl {
            Ctl::Resume => format!("Update does not exist: {key}"),
            _ => format!("Update does not exist {key}"),
        });
    };
    use JobUpdateStatus as S;
    let status = st.upd(u).status;
    let coordinated = st.upd(u).pulse_ms() > 0;
    let pulse_fresh = st
        .upd(u)
        .last_pulse_ms
        // Fresh unless isBlocked (`now - lastPulse >= timeout`) would say otherwise.
        .is_some_and(|l| st.now - l < st.upd(u).pulse_ms() as i64);
    let back = st.upd(u).rolling_back();
    let target = match ctl {
        Ctl::Pause if !status.is_active() => None,
        Ctl::Pause if back => Some(S::ROLL_BACK_PAUSED),
        Ctl::Pause => Some(S::ROLL_FORWARD_PAUSED),
        Ctl::Resume if !status.is_active() => None,
        Ctl::Resume if !matches!(status, S::ROLL_FORWARD_PAUSED | S::ROLL_BACK_PAUSED) => {
            Some(status)
        }
        Ctl::Resume => Some(match (back, coordinated && !pulse_fresh) {
            (false, false) => S::ROLLING_FORWARD,
            (false, true) => S::ROLL_FORWARD_AWAITING_PULSE,
            (true, false) => S::ROLLING_BACK,
            (true, true) => S::ROLL_BACK_AWAITING_PULSE,
        }),
        Ctl::Abort => Some(S::ABORTED),
        Ctl::Rollback => Some(S::ROLLING_BACK),
    };
    let Some(to) = target else {
        return invalid(&format!("Cannot transition update from {status} to null"));
    };
    if to == status {
        return ok_empty();
    }
    if !status.is_active() {
        return invalid(&format!("Cannot transition update from {status} to {to}"));
    }
    if ctl == Ctl::Rollback && !back {
        st.start_rollback(u, Some(user), message);
    } else {
        // A rollback of a paused or blocked rollback acts as a resume.
        st.set_update_status(u, to, Some(user), message);
    }
    st.evaluate_update(u);
    ok_empty()
}

fn pulse(st: &mut State, key: Option<JobUpdateKey>) -> Response {
    let Some(key) = key.filter(|k| valid_key(k.job.as_ref()).is_some()) else {
        return error(INVALID_KEY);
    };
    // Aurora's validateJobUpdateKey: checkNotBlank on the id, outside any try block.
    if key.id.as_deref().is_none_or(|id| id.trim().is_empty()) {
        return error("Argument cannot be blank");
    }
    let finished = ok(ApiResult::PulseJobUpdateResult(PulseJobUpdateResult {
        status: Some(JobUpdatePulseStatus::FINISHED),
    }));
    let Some(u) = st.find_update(&key) else {
        return finished;
    };
    if !st.upd(u).status.is_active() || st.upd(u).pulse_ms() <= 0 {
        return finished;
    }
    let now = st.now;
    st.upd_mut(u).last_pulse_ms = Some(now);
    let to = match st.upd(u).status {
        JobUpdateStatus::ROLL_FORWARD_AWAITING_PULSE => Some(JobUpdateStatus::ROLLING_FORWARD),
        JobUpdateStatus::ROLL_BACK_AWAITING_PULSE => Some(JobUpdateStatus::ROLLING_BACK),
        _ => None,
    };
    if let Some(to) = to {
        st.set_update_status(u, to, None, None);
        st.evaluate_update(u);
    }
    ok(ApiResult::PulseJobUpdateResult(PulseJobUpdateResult {
        status: Some(JobUpdatePulseStatus::OK),
    }))
}

// ---- task mutations ----

fn kill_tasks(
    st: &mut State,
    job: Option<JobKey>,
    ids: Option<Vec<i32>>,
    message: Option<String>,
    user: &str,
) -> Response {
    let Some(key) = valid_key(job.as_ref()) else {
        return error(INVALID_KEY);
    };
    let Some(j) = st.job_idx(key) else {
        return response(ResponseCode::OK, &["No tasks to kill."], None);
    };
    if let Some(r) = updating_error(st, j) {
        return r;
    }
    let wanted: Option<BTreeSet<i32>> = ids
        .filter(|v| !v.is_empty())
        .map(|v| v.into_iter().collect());
    // Aurora counts only the tasks whose state the kill changes: one already KILLING is not.
    let targets: Vec<TaskIdx> = st.jobs[j as usize]
        .active
        .iter()
        .filter(|(i, _)| wanted.as_ref().is_none_or(|w| w.contains(i)))
        .map(|(_, &t)| t)
        .filter(|&t| st.task(t).status != ScheduleStatus::KILLING)
        .collect();
    if targets.is_empty() {
        return response(ResponseCode::OK, &["No tasks to kill."], None);
    }
    // AuditMessages.killedByRemoteUser: a period and a newline before any message, even an
    // empty one; no period without a message.
    let msg = match message {
        Some(m) => format!("Killed by {user}.\n{m}"),
        None => format!("Killed by {user}"),
    };
    for t in targets {
        st.kill_task(t, msg.clone());
    }
    ok_empty()
}

fn restart_shards(
    st: &mut State,
    job: Option<JobKey>,
    ids: Option<Vec<i32>>,
    user: &str,
) -> Response {
    let Some(key) = valid_key(job.as_ref()) else {
        return error(INVALID_KEY);
    };
    let ids: BTreeSet<i32> = ids.unwrap_or_default().into_iter().collect();
    if ids.is_empty() {
        // Aurora: MorePreconditions.checkNotBlank outside any try block, so ERROR.
        return error("Argument cannot be blank");
    }
    let Some(j) = st.job_idx(key) else {
        return invalid("Not all requested shards are active.");
    };
    if let Some(r) = updating_error(st, j) {
        return r;
    }
    let mut targets = Vec::new();
    for i in &ids {
        match st.jobs[j as usize].active.get(i) {
            Some(&t) => targets.push(t),
            None => return invalid("Not all requested shards are active."),
        }
    }
    for t in targets {
        // Aurora's task state machine ignores a restart of a task already being torn down.
        let torn_down = matches!(
            st.task(t).status,
            ScheduleStatus::KILLING
                | ScheduleStatus::RESTARTING
                | ScheduleStatus::DRAINING
                | ScheduleStatus::PREEMPTING
        );
        if super::lifecycle::on_agent(st.task(t).status) && !torn_down {
            st.transition(
                t,
                ScheduleStatus::RESTARTING,
                Some(Cow::Owned(format!("Restarted by {user}"))),
            );
        }
    }
    ok_empty()
}

const NO_TEMPLATE_TASK: &str = "No active task found for a given instance ID.";

/// SchedulerThriftInterface.validateTaskLimits, with Aurora's default of 4000 tasks per job.
fn instance_count_limit_text() -> String {
    format!("Instance count must be between 1 and {MAX_TASKS_PER_JOB} inclusive.")
}

fn add_instances(st: &mut State, key: Option<InstanceKey>, count: Option<i32>) -> Response {
    let Some(ik) = key else {
        return error(INVALID_KEY);
    };
    let Some(jk) = valid_key(ik.job_key.as_ref()).cloned() else {
        return error(INVALID_KEY);
    };
    let count = count.unwrap_or(0);
    if count <= 0 {
        return invalid("Instance count must be positive.");
    }
    let template_id = ik.instance_id.unwrap_or(0);
    // Aurora's SchedulerThriftInterface.INVALID_INSTANCE_ID, for a missing job too (it finds
    // no active task to copy).
    let Some(j) = st.job_idx(&jk) else {
        return invalid(NO_TEMPLATE_TASK);
    };
    if st.jobs[j as usize].cron.is_some() {
        return invalid("Instances may not be added to cron jobs.");
    }
    if let Some(r) = updating_error(st, j) {
        return r;
    }
    let Some(&template) = st.jobs[j as usize].active.get(&template_id) else {
        return invalid(NO_TEMPLATE_TASK);
    };
    let active = st.jobs[j as usize].active.len() as i32;
    if active + count > MAX_TASKS_PER_JOB {
        return invalid(&instance_count_limit_text());
    }
    let config = st.task(template).config.clone();
    if let Err(e) = super::quota::check_addition(st, jk.role(), &config, count) {
        return invalid(&e);
    }
    let first = st.jobs[j as usize]
        .active
        .keys()
        .next_back()
        .map(|m| m + 1)
        .unwrap_or(0);
    for i in first..first + count {
        st.create_task(j, i, config.clone(), None, 0, 0);
    }
    ok_empty()
}

// ---- jobs and cron ----

fn create_job(st: &mut State, c: Option<JobConfiguration>) -> Response {
    let Some(c) = c else {
        return invalid("A job configuration is required.");
    };
    let Some(key) = valid_key(c.key.as_ref()).cloned() else {
        return invalid(INVALID_KEY);
    };
    if c.cron_schedule
        .as_ref()
        .is_some_and(|s| !s.trim().is_empty())
    {
        return invalid("Cron jobs may only be created with scheduleCronJob.");
    }
    let tc = match populate(c.task_config.unwrap_or_default(), Some(&key)) {
        Ok(tc) => tc,
        Err(e) => return invalid(&e),
    };
    let count = c.instance_count.unwrap_or(0);
    if count <= 0 || count > MAX_TASKS_PER_JOB {
        return invalid(&format!(
            "Instance count must be between 1 and {MAX_TASKS_PER_JOB}."
        ));
    }
    if let Some(j) = st.job_idx(&key) {
        if let Some(r) = updating_error(st, j) {
            return r;
        }
        if !st.jobs[j as usize].active.is_empty() || st.jobs[j as usize].cron.is_some() {
            return invalid(&format!("Job already exists: {key}"));
        }
    }
    let j = st.job_or_create(&key);
    let config = st.intern_config(j, tc, Behavior::Healthy);
    if let Err(e) = super::quota::check_addition(st, key.role(), &config, count) {
        return invalid(&e);
    }
    for i in 0..count {
        st.create_task(j, i, config.clone(), None, 0, 0);
    }
    ok_empty()
}

fn schedule_cron_job(st: &mut State, c: Option<JobConfiguration>, replace_only: bool) -> Response {
    let Some(c) = c else {
        return invalid("A job configuration is required.");
    };
    let Some(key) = valid_key(c.key.as_ref()).cloned() else {
        return invalid(INVALID_KEY);
    };
    let existing = st.job_idx(&key);
    if replace_only && existing.is_none_or(|j| st.jobs[j as usize].cron.is_none()) {
        return invalid(&format!("Job {key} is not scheduled with cron"));
    }
    let Some(schedule) = c.cron_schedule.filter(|s| !s.trim().is_empty()) else {
        return invalid(&format!("Job {key} has no cron schedule."));
    };
    let expr = match super::crontab::CronExpr::parse(&schedule) {
        Ok(e) => e,
        Err(e) => return invalid(&format!("Invalid cron schedule: {e}")),
    };
    let policy = c
        .cron_collision_policy
        .unwrap_or(CronCollisionPolicy::KILL_EXISTING);
    if !replace_only && policy == CronCollisionPolicy::RUN_OVERLAP {
        return invalid("The RUN_OVERLAP collision policy is no longer supported.");
    }
    let tc = match populate(c.task_config.unwrap_or_default(), Some(&key)) {
        Ok(tc) => tc,
        Err(e) => return invalid(&e),
    };
    if tc.is_service.unwrap_or(false) {
        return invalid("A service task may not be run on a cron schedule.");
    }
    let count = c.instance_count.unwrap_or(0);
    if count <= 0 || count > MAX_TASKS_PER_JOB {
        return invalid(&format!(
            "Instance count must be between 1 and {MAX_TASKS_PER_JOB}."
        ));
    }
    if let Some(j) = existing {
        if let Some(r) = updating_error(st, j) {
            return r;
        }
        if st.jobs[j as usize].cron.is_none() && !st.jobs[j as usize].active.is_empty() {
            return invalid(&format!("Job already exists: {key} is not a cron job"));
        }
    }
    let j = st.job_or_create(&key);
    let config = st.intern_config(j, tc, Behavior::Finish);
    let next = expr.next_after(st.now);
    st.jobs[j as usize].cron = Some(CronJob {
        schedule,
        expr,
        policy,
        instance_count: count,
        config,
        next_run_ms: next,
        run_waiting: false,
    });
    st.cron_jobs.insert(j);
    ok_empty()
}

fn cron_job(st: &State, job: Option<&JobKey>) -> Option<JobIdx> {
    let j = st.job_idx(valid_key(job)?)?;
    st.jobs[j as usize].cron.is_some().then_some(j)
}

fn start_cron_job(st: &mut State, job: Option<JobKey>) -> Response {
    let Some(key) = valid_key(job.as_ref()).cloned() else {
        return error(INVALID_KEY);
    };
    let Some(j) = cron_job(st, Some(&key)) else {
        return invalid(&format!(
            "Failed to start cron job - No cron job found for {key}."
        ));
    };
    st.fire_cron(j, true);
    ok_empty()
}

fn deschedule_cron_job(st: &mut State, job: Option<JobKey>) -> Response {
    let Some(key) = valid_key(job.as_ref()).cloned() else {
        return invalid(INVALID_KEY);
    };
    // Aurora asserts the job is not updating before it looks for the cron template.
    if let Some(r) = st.job_idx(&key).and_then(|j| updating_error(st, j)) {
        return r;
    }
    let Some(j) = cron_job(st, Some(&key)) else {
        return response(
            ResponseCode::OK,
            &[&format!("Job {key} is not scheduled with cron")],
            None,
        );
    };
    st.jobs[j as usize].cron = None;
    st.cron_jobs.remove(&j);
    ok_empty()
}

// ---- admin ----

fn host_statuses(st: &State, names: &[String]) -> Vec<HostStatus> {
    names
        .iter()
        .filter_map(|n| st.host_idx(n))
        .map(|h| HostStatus {
            host: Some(st.hosts[h as usize].name.clone()),
            mode: Some(st.hosts[h as usize].mode),
        })
        .collect()
}

fn maintenance(st: &mut State, names: &[String], set: Option<MaintenanceMode>) -> Response {
    if let Some(mode) = set {
        for n in names {
            if let Some(h) = st.host_idx(n) {
                let host = &mut st.hosts[h as usize];
                if mode == MaintenanceMode::NONE || host.mode == MaintenanceMode::NONE {
                    host.mode = mode;
                }
            }
        }
    }
    let statuses = Some(host_statuses(st, names));
    ok(match set {
        None => ApiResult::MaintenanceStatusResult(MaintenanceStatusResult { statuses }),
        Some(MaintenanceMode::NONE) => {
            ApiResult::EndMaintenanceResult(EndMaintenanceResult { statuses })
        }
        Some(_) => ApiResult::StartMaintenanceResult(StartMaintenanceResult { statuses }),
    })
}

fn drain_hosts(st: &mut State, names: &[String]) -> Response {
    let hosts: BTreeSet<HostIdx> = names.iter().filter_map(|n| st.host_idx(n)).collect();
    st.drain_hosts(&hosts);
    ok(ApiResult::DrainHostsResult(DrainHostsResult {
        statuses: Some(host_statuses(st, names)),
    }))
}

fn set_quota(st: &mut State, role: Option<String>, quota: Option<ResourceAggregate>) -> Response {
    // checkNotBlank(ownerRole) throws outside any try: ERROR.
    let Some(role) = role.filter(|r| !r.trim().is_empty()) else {
        return error("ownerRole must not be blank.");
    };
    if !valid_identifier(&role) {
        return invalid("A valid ownerRole is required.");
    }
    let resources = quota.and_then(|q| q.resources).unwrap_or_default();
    let count = |f: fn(&Resource) -> bool| resources.iter().filter(|r| f(r)).count();
    if resources.len() != 3
        || count(|r| matches!(r, Resource::NumCpus(_))) != 1
        || count(|r| matches!(r, Resource::RamMb(_))) != 1
        || count(|r| matches!(r, Resource::DiskMb(_))) != 1
    {
        return invalid("Quota must contain exactly one each of numCpus, ramMb and diskMb.");
    }
    let t = ResourceTotals::of(&resources);
    if t.cpus < 0.0 || t.ram_mb < 0 || t.disk_mb < 0 {
        return invalid("Quota resources must be non-negative.");
    }
    // QuotaManager.saveQuota refuses a quota below the role's current prod reservation.
    if let Err(e) = super::quota::check_new_quota(st, &role, t) {
        return invalid(&e);
    }
    st.quotas.insert(role, t);
    ok_empty()
}

fn force_task_state(
    st: &mut State,
    id: Option<String>,
    status: Option<ScheduleStatus>,
    user: &str,
) -> Response {
    // checkNotBlank(taskId) and requireNonNull(status) throw outside any try: ERROR.
    let Some(id) = id.filter(|i| !i.trim().is_empty()) else {
        return error("taskId must not be blank.");
    };
    let Some(status) = status else {
        return error("status must be set.");
    };
    // Aurora's StateManager runs the task state machine: an illegal transition (or an unknown
    // task) changes nothing and the call is still OK. A forced kill of a PENDING or THROTTLED
    // task deletes it, as any kill does.
    if let Some(&t) = st.by_id.get(id.as_str()) {
        let from = st.task(t).status;
        if super::lifecycle::legal_transition(from, status) {
            let msg = format!("Transition forced by {user}");
            if status == ScheduleStatus::KILLING {
                st.kill_task(t, msg);
            } else {
                st.transition(t, status, Some(Cow::Owned(msg)));
            }
        }
    }
    ok_empty()
}

fn prune_tasks(st: &mut State, mut q: TaskQuery) -> Response {
    if q.statuses
        .as_ref()
        .is_some_and(|s| s.iter().any(|x| x.is_active()))
    {
        return error("Tasks in non-terminal state cannot be pruned.");
    }
    if q.statuses.as_ref().is_none_or(|s| s.is_empty()) {
        q.statuses = Some(ScheduleStatus::TERMINAL.to_vec());
    }
    for t in query_tasks(st, &q) {
        st.remove_task(t);
    }
    ok_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{SimArgs, Simulator, clock::ClockMode};

    fn request(tc: TaskConfig, count: i32) -> JobUpdateRequest {
        JobUpdateRequest {
            task_config: Some(tc),
            instance_count: Some(count),
            settings: Some(JobUpdateSettings {
                update_group_size: Some(1),
                ..Default::default()
            }),
            metadata: None,
        }
    }

    /// A preview stores nothing: no job is created for a new key, and an existing job's
    /// configs do not grow with every config previewed.
    #[test]
    fn get_job_update_diff_leaves_the_state_alone() {
        let sim = Simulator::new(&SimArgs {
            clock: ClockMode::Frozen,
            ..SimArgs::default()
        });
        let mut st = sim.inner.state.lock().unwrap();
        let key = JobKey::parse("www-data/prod/api-gateway").unwrap();
        let j = st.job_idx(&key).unwrap() as usize;
        let (jobs, configs) = (st.jobs.len(), st.jobs[j].configs.len());
        let mut tc = (*st.jobs[j].configs[0].full).clone();
        for n in 0..5 {
            tc.priority = Some(n);
            let r = get_update_diff(&mut st, Some(request(tc.clone(), 4)));
            assert_eq!(r.code(), ResponseCode::OK, "{r:?}");
        }
        tc.job = JobKey::parse("www-data/prod/brand-new");
        let r = get_update_diff(&mut st, Some(request(tc, 3)));
        assert_eq!(r.code(), ResponseCode::OK, "{r:?}");
        assert_eq!(st.jobs.len(), jobs, "a preview created a job");
        assert_eq!(st.jobs[j].configs.len(), configs, "previews were stored");
    }
}
