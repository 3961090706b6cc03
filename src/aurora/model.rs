//! Aurora's API types (release 0.22 field set). Field ids are the wire facts from the API
//! reference; every field is optional because schedulers 0.18–0.22 differ and Thrift readers
//! must treat absent as absent. Fields are declared in ascending id order.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::{thrift_enum, thrift_struct, thrift_union};

thrift_enum! {
    pub enum ResponseCode {
        INVALID_REQUEST = 0, OK = 1, ERROR = 2, WARNING = 3, AUTH_FAILED = 4,
        JOB_UPDATING_ERROR = 5, ERROR_TRANSIENT = 6,
    }

    /// Task states. The numbers are not in lifecycle order.
    pub enum ScheduleStatus {
        INIT = 11, THROTTLED = 16, PENDING = 0, ASSIGNED = 9, STARTING = 1, RUNNING = 2,
        FINISHED = 3, PREEMPTING = 13, RESTARTING = 12, DRAINING = 17, FAILED = 4, KILLED = 5,
        KILLING = 6, LOST = 7, PARTITIONED = 18,
    }

    pub enum JobUpdateStatus {
        ROLLING_FORWARD = 0, ROLLING_BACK = 1, ROLL_FORWARD_PAUSED = 2, ROLL_BACK_PAUSED = 3,
        ROLLED_FORWARD = 4, ROLLED_BACK = 5, ABORTED = 6, ERROR = 7, FAILED = 8,
        ROLL_FORWARD_AWAITING_PULSE = 9, ROLL_BACK_AWAITING_PULSE = 10,
    }

    pub enum JobUpdateAction {
        INSTANCE_UPDATED = 1, INSTANCE_ROLLED_BACK = 2, INSTANCE_UPDATING = 3,
        INSTANCE_ROLLING_BACK = 4, INSTANCE_UPDATE_FAILED = 5, INSTANCE_ROLLBACK_FAILED = 6,
    }

    pub enum JobUpdatePulseStatus { OK = 1, FINISHED = 2 }

    pub enum MaintenanceMode { NONE = 1, SCHEDULED = 2, DRAINING = 3, DRAINED = 4 }

    pub enum CronCollisionPolicy { KILL_EXISTING = 0, CANCEL_NEW = 1, RUN_OVERLAP = 2 }

    pub enum Mode { RW = 1, RO = 2 }
}

impl ScheduleStatus {
    /// IDL `ACTIVE_STATES`.
    pub const ACTIVE: &'static [ScheduleStatus] = &[
        Self::ASSIGNED,
        Self::DRAINING,
        Self::KILLING,
        Self::PENDING,
        Self::PREEMPTING,
        Self::RESTARTING,
        Self::RUNNING,
        Self::STARTING,
        Self::PARTITIONED,
        Self::THROTTLED,
    ];
    /// IDL `TERMINAL_STATES`.
    pub const TERMINAL: &'static [ScheduleStatus] =
        &[Self::FAILED, Self::FINISHED, Self::KILLED, Self::LOST];

    pub fn is_active(self) -> bool {
        Self::ACTIVE.contains(&self)
    }
    pub fn is_terminal(self) -> bool {
        Self::TERMINAL.contains(&self)
    }
}

impl JobUpdateStatus {
    /// IDL `ACTIVE_JOB_UPDATE_STATES`: a job with one of these refuses other mutations.
    pub const ACTIVE: &'static [JobUpdateStatus] = &[
        Self::ROLLING_FORWARD,
        Self::ROLLING_BACK,
        Self::ROLL_FORWARD_PAUSED,
        Self::ROLL_BACK_PAUSED,
        Self::ROLL_FORWARD_AWAITING_PULSE,
        Self::ROLL_BACK_AWAITING_PULSE,
    ];
    pub fn is_active(self) -> bool {
        Self::ACTIVE.contains(&self)
    }
}

impl ResponseCode {
    /// OK and WARNING both mean the call did what was asked.
    pub fn is_success(self) -> bool {
        self == Self::OK || self == Self::WARNING
    }
}

/// `AURORA_EXECUTOR_NAME`.
pub const AURORA_EXECUTOR_NAME: &str = "AuroraExecutor";
/// `BYPASS_LEADER_REDIRECT_HEADER_NAME`.
pub const BYPASS_LEADER_REDIRECT_HEADER: &str = "Bypass-Leader-Redirect";

thrift_struct! {
    pub struct Response {
        1: response_code: ResponseCode,
        3: result: ApiResult,
        5: server_info: ServerInfo,
        6: details: Vec<ResponseDetail>,
    }

    pub struct ResponseDetail {
        1: message: String,
    }

    pub struct ServerInfo {
        1: cluster_name: String,
        3: stats_url_prefix: String,
    }

    pub struct PopulateJobResult { 2: task_config: TaskConfig }
    pub struct ScheduleStatusResult { 1: tasks: Vec<ScheduledTask> }
    pub struct GetJobsResult { 1: configs: Vec<JobConfiguration> as set }
    pub struct RoleSummaryResult { 1: summaries: Vec<RoleSummary> as set }
    pub struct JobSummaryResult { 1: summaries: Vec<JobSummary> as set }
    pub struct ConfigSummaryResult { 1: summary: ConfigSummary }
    pub struct GetPendingReasonResult { 1: reasons: Vec<PendingReason> as set }
    pub struct GetJobUpdateSummariesResult { 1: update_summaries: Vec<JobUpdateSummary> }
    pub struct PulseJobUpdateResult { 1: status: JobUpdatePulseStatus }
    pub struct MaintenanceStatusResult { 1: statuses: Vec<HostStatus> as set }
    pub struct StartMaintenanceResult { 1: statuses: Vec<HostStatus> as set }
    pub struct DrainHostsResult { 1: statuses: Vec<HostStatus> as set }
    pub struct EndMaintenanceResult { 1: statuses: Vec<HostStatus> as set }
    pub struct ListBackupsResult { 1: backups: Vec<String> as set }
    pub struct QueryRecoveryResult { 1: tasks: Vec<ScheduledTask> as set }

    pub struct GetQuotaResult {
        1: quota: ResourceAggregate,
        2: prod_shared_consumption: ResourceAggregate,
        3: non_prod_shared_consumption: ResourceAggregate,
        4: prod_dedicated_consumption: ResourceAggregate,
        5: non_prod_dedicated_consumption: ResourceAggregate,
    }

    pub struct StartJobUpdateResult {
        1: key: JobUpdateKey,
        2: update_summary: JobUpdateSummary,
    }

    pub struct GetJobUpdateDetailsResult {
        1: details: JobUpdateDetails,
        2: details_list: Vec<JobUpdateDetails>,
    }

    pub struct GetJobUpdateDiffResult {
        1: add: Vec<ConfigGroup> as set,
        2: remove: Vec<ConfigGroup> as set,
        3: update: Vec<ConfigGroup> as set,
        4: unchanged: Vec<ConfigGroup> as set,
    }

    pub struct GetTierConfigResult {
        1: default_tier_name: String,
        2: tiers: Vec<TierConfig> as set,
    }

    pub struct TierConfig {
        1: name: String,
        2: settings: BTreeMap<String, String>,
    }

    pub struct JobKey {
        1: role: String,
        2: environment: String,
        3: name: String,
    }

    pub struct InstanceKey {
        1: job_key: JobKey,
        2: instance_id: i32,
    }

    pub struct JobUpdateKey {
        1: job: JobKey,
        2: id: String,
    }

    pub struct Identity { 2: user: String }

    /// A closed interval of instance ids: both ends included.
    pub struct Range {
        1: first: i32,
        2: last: i32,
    }

    pub struct Hosts { 1: host_names: Vec<String> as set }

    pub struct HostStatus {
        1: host: String,
        2: mode: MaintenanceMode,
    }

    /// All set terms are AND-ed; each set term is "any of".
    pub struct TaskQuery {
        2: job_name: String,
        4: task_ids: Vec<String> as set,
        5: statuses: Vec<ScheduleStatus> as set,
        7: instance_ids: Vec<i32> as set,
        9: environment: String,
        10: slave_hosts: Vec<String> as set,
        11: job_keys: Vec<JobKey> as set,
        12: offset: i32,
        13: limit: i32,
        14: role: String,
    }

    pub struct JobUpdateQuery {
        2: role: String,
        3: job_key: JobKey,
        4: user: String,
        5: update_statuses: Vec<JobUpdateStatus> as set,
        6: offset: i32,
        7: limit: i32,
        8: key: JobUpdateKey,
    }

    pub struct ScheduledTask {
        1: assigned_task: AssignedTask,
        2: status: ScheduleStatus,
        3: failure_count: i32,
        4: task_events: Vec<TaskEvent>,
        5: ancestor_id: String,
        6: times_partitioned: i32,
    }

    pub struct AssignedTask {
        1: task_id: String,
        2: slave_id: String,
        3: slave_host: String,
        /// Shared between tasks whose configs are byte-identical on the wire.
        4: task: Arc<TaskConfig>,
        5: assigned_ports: BTreeMap<String, i32>,
        6: instance_id: i32,
    }

    pub struct TaskEvent {
        1: timestamp: i64,
        2: status: ScheduleStatus,
        3: message: String,
        4: scheduler: String,
    }

    pub struct TaskConfig {
        7: is_service: bool,
        11: priority: i32,
        13: max_task_failures: i32,
        17: owner: Identity,
        18: production: bool,
        20: constraints: Vec<Constraint> as set,
        22: task_links: BTreeMap<String, String>,
        23: contact_email: String,
        25: executor_config: ExecutorConfig,
        27: metadata: Vec<Metadata> as set,
        28: job: JobKey,
        29: container: Container,
        30: tier: String,
        32: resources: Vec<Resource> as set,
        33: mesos_fetcher_uris: Vec<MesosFetcherUri> as set,
        34: partition_policy: PartitionPolicy,
        35: sla_policy: SlaPolicy,
    }

    pub struct ResourceAggregate {
        4: resources: Vec<Resource> as set,
    }

    pub struct Constraint {
        1: name: String,
        2: constraint: TaskConstraint,
    }

    pub struct ValueConstraint {
        1: negated: bool,
        2: values: Vec<String> as set,
    }

    pub struct LimitConstraint { 1: limit: i32 }

    pub struct Metadata {
        1: key: String,
        2: value: String,
    }

    pub struct ExecutorConfig {
        1: name: String,
        #[serde(deserialize_with = "executor_data")]
        2: data: String,
    }

    pub struct MesosFetcherUri {
        1: value: String,
        2: extract: bool,
        3: cache: bool,
        4: output_file: String,
    }

    pub struct MesosContainer {
        1: image: Image,
        2: volumes: Vec<Volume>,
    }

    pub struct DockerContainer {
        1: image: String,
        2: parameters: Vec<DockerParameter>,
    }

    pub struct DockerParameter {
        1: name: String,
        2: value: String,
    }

    pub struct DockerImage {
        1: name: String,
        2: tag: String,
    }

    pub struct AppcImage {
        1: name: String,
        2: image_id: String,
    }

    pub struct Volume {
        1: container_path: String,
        2: host_path: String,
        3: mode: Mode,
    }

    pub struct PartitionPolicy {
        1: reschedule: bool,
        2: delay_secs: i64,
    }

    pub struct PercentageSlaPolicy {
        1: percentage: f64,
        2: duration_secs: i64,
    }

    pub struct CountSlaPolicy {
        1: count: i64,
        2: duration_secs: i64,
    }

    pub struct CoordinatorSlaPolicy {
        1: coordinator_url: String,
        2: status_key: String,
    }

    pub struct JobConfiguration {
        4: cron_schedule: String,
        5: cron_collision_policy: CronCollisionPolicy,
        6: task_config: TaskConfig,
        7: owner: Identity,
        8: instance_count: i32,
        9: key: JobKey,
    }

    pub struct JobSummary {
        1: job: JobConfiguration,
        2: stats: JobStats,
        3: next_cron_run_ms: i64,
    }

    pub struct JobStats {
        1: active_task_count: i32,
        2: finished_task_count: i32,
        3: failed_task_count: i32,
        4: pending_task_count: i32,
    }

    pub struct RoleSummary {
        1: role: String,
        2: job_count: i32,
        3: cron_job_count: i32,
    }

    pub struct ConfigSummary {
        1: key: JobKey,
        2: groups: Vec<ConfigGroup> as set,
    }

    pub struct ConfigGroup {
        1: config: TaskConfig,
        3: instances: Vec<Range> as set,
    }

    pub struct PendingReason {
        1: task_id: String,
        2: reason: String,
    }

    pub struct JobUpdateSummary {
        3: user: String,
        4: state: JobUpdateState,
        5: key: JobUpdateKey,
        6: metadata: Vec<Metadata> as set,
    }

    pub struct JobUpdateState {
        1: status: JobUpdateStatus,
        2: created_timestamp_ms: i64,
        3: last_modified_timestamp_ms: i64,
    }

    pub struct JobUpdateDetails {
        1: update: JobUpdate,
        2: update_events: Vec<JobUpdateEvent>,
        3: instance_events: Vec<JobInstanceUpdateEvent>,
    }

    pub struct JobUpdate {
        1: summary: JobUpdateSummary,
        2: instructions: JobUpdateInstructions,
    }

    pub struct JobUpdateInstructions {
        1: initial_state: Vec<InstanceTaskConfig> as set,
        2: desired_state: InstanceTaskConfig,
        3: settings: JobUpdateSettings,
    }

    pub struct InstanceTaskConfig {
        1: task: TaskConfig,
        2: instances: Vec<Range> as set,
    }

    pub struct JobUpdateSettings {
        1: update_group_size: i32,
        2: max_per_instance_failures: i32,
        3: max_failed_instances: i32,
        5: min_wait_in_instance_running_ms: i32,
        6: rollback_on_failure: bool,
        7: update_only_these_instances: Vec<Range> as set,
        8: wait_for_batch_completion: bool,
        9: block_if_no_pulses_after_ms: i32,
        10: sla_aware: bool,
        11: update_strategy: JobUpdateStrategy,
    }

    pub struct QueueJobUpdateStrategy { 1: group_size: i32 }

    pub struct BatchJobUpdateStrategy {
        1: group_size: i32,
        2: autopause_after_batch: bool,
    }

    pub struct VariableBatchJobUpdateStrategy {
        1: group_sizes: Vec<i32>,
        2: autopause_after_batch: bool,
    }

    pub struct JobUpdateEvent {
        1: status: JobUpdateStatus,
        2: timestamp_ms: i64,
        3: user: String,
        4: message: String,
    }

    pub struct JobInstanceUpdateEvent {
        1: instance_id: i32,
        2: timestamp_ms: i64,
        3: action: JobUpdateAction,
        4: message: String,
    }

    pub struct JobUpdateRequest {
        1: task_config: TaskConfig,
        2: instance_count: i32,
        3: settings: JobUpdateSettings,
        4: metadata: Vec<Metadata> as set,
    }

    pub struct ExplicitReconciliationSettings { 1: batch_size: i32 }
}

thrift_union! {
    /// Aurora's `Result` union (renamed so it never shadows `std::result::Result`): exactly one
    /// member is set on success; which one depends on the method.
    pub enum ApiResult {
        1: populateJobResult => PopulateJobResult(PopulateJobResult),
        3: scheduleStatusResult => ScheduleStatusResult(ScheduleStatusResult),
        4: getJobsResult => GetJobsResult(GetJobsResult),
        5: getQuotaResult => GetQuotaResult(GetQuotaResult),
        6: listBackupsResult => ListBackupsResult(ListBackupsResult),
        7: startMaintenanceResult => StartMaintenanceResult(StartMaintenanceResult),
        8: drainHostsResult => DrainHostsResult(DrainHostsResult),
        9: queryRecoveryResult => QueryRecoveryResult(QueryRecoveryResult),
        10: maintenanceStatusResult => MaintenanceStatusResult(MaintenanceStatusResult),
        11: endMaintenanceResult => EndMaintenanceResult(EndMaintenanceResult),
        17: roleSummaryResult => RoleSummaryResult(RoleSummaryResult),
        18: jobSummaryResult => JobSummaryResult(JobSummaryResult),
        20: configSummaryResult => ConfigSummaryResult(ConfigSummaryResult),
        21: getPendingReasonResult => GetPendingReasonResult(GetPendingReasonResult),
        22: startJobUpdateResult => StartJobUpdateResult(StartJobUpdateResult),
        23: getJobUpdateSummariesResult => GetJobUpdateSummariesResult(GetJobUpdateSummariesResult),
        24: getJobUpdateDetailsResult => GetJobUpdateDetailsResult(GetJobUpdateDetailsResult),
        25: pulseJobUpdateResult => PulseJobUpdateResult(PulseJobUpdateResult),
        26: getJobUpdateDiffResult => GetJobUpdateDiffResult(GetJobUpdateDiffResult),
        27: getTierConfigResult => GetTierConfigResult(GetTierConfigResult),
    }

    /// One element of `TaskConfig.resources` / `ResourceAggregate.resources`.
    pub enum Resource {
        1: numCpus => NumCpus(f64),
        2: ramMb => RamMb(i64),
        3: diskMb => DiskMb(i64),
        4: namedPort => NamedPort(String),
        5: numGpus => NumGpus(i64),
    }

    pub enum TaskConstraint {
        1: value => Value(ValueConstraint),
        2: limit => Limit(LimitConstraint),
    }

    pub enum Container {
        1: mesos => Mesos(MesosContainer),
        2: docker => Docker(DockerContainer),
    }

    pub enum Image {
        1: docker => Docker(DockerImage),
        2: appc => Appc(AppcImage),
    }

    pub enum SlaPolicy {
        1: percentageSlaPolicy => Percentage(PercentageSlaPolicy),
        2: countSlaPolicy => Count(CountSlaPolicy),
        3: coordinatorSlaPolicy => Coordinator(CoordinatorSlaPolicy),
    }

    pub enum JobUpdateStrategy {
        1: queueStrategy => Queue(QueueJobUpdateStrategy),
        2: batchStrategy => Batch(BatchJobUpdateStrategy),
        3: varBatchStrategy => VarBatch(VariableBatchJobUpdateStrategy),
    }
}

impl Default for Container {
    /// The IDL default: a Mesos container with nothing set.
    fn default() -> Self {
        Container::Mesos(MesosContainer::default())
    }
}

// Arguments of every method Eos calls (the "args" struct of a CALL; ids are parameter ids).
thrift_struct! {
    pub struct NoArgs {}
    pub struct RoleArgs { 1: role: String }
    pub struct QueryArgs { 1: query: TaskQuery }
    pub struct JobKeyArgs { 1: job: JobKey }
    pub struct PopulateJobConfigArgs { 1: description: JobConfiguration }
    pub struct GetJobUpdateSummariesArgs { 1: job_update_query: JobUpdateQuery }
    pub struct GetJobUpdateDetailsArgs {
        1: key: JobUpdateKey,
        2: query: JobUpdateQuery,
    }
    pub struct GetJobUpdateDiffArgs { 1: request: JobUpdateRequest }
    pub struct KillTasksArgs {
        4: job: JobKey,
        5: instances: Vec<i32> as set,
        6: message: String,
    }
    pub struct RestartShardsArgs {
        3: shard_ids: Vec<i32> as set,
        5: job: JobKey,
    }
    pub struct AddInstancesArgs {
        3: key: InstanceKey,
        4: count: i32,
    }
    pub struct StartJobUpdateArgs {
        1: request: JobUpdateRequest,
        3: message: String,
    }
    /// pause / resume / abort take the message as field 3.
    pub struct UpdateControlArgs {
        1: key: JobUpdateKey,
        3: message: String,
    }
    /// rollbackJobUpdate alone takes its message as field 2.
    pub struct RollbackJobUpdateArgs {
        1: key: JobUpdateKey,
        2: message: String,
    }
    pub struct PulseJobUpdateArgs { 1: key: JobUpdateKey }
    /// startCronJob and descheduleCronJob take the job as field 4.
    pub struct CronJobArgs { 4: job: JobKey }
    pub struct HostsArgs { 1: hosts: Hosts }
    pub struct SlaDrainHostsArgs {
        1: hosts: Hosts,
        2: default_sla_policy: SlaPolicy,
        3: timeout_secs: i64,
    }

    /// The result struct of every method: field 0 is the `Response`.
    pub struct ResponseResult { 0: success: Response }
}

// Small conveniences used across the client, simulator and console.

impl JobKey {
    pub fn new(role: &str, environment: &str, name: &str) -> Self {
        Self {
            role: Some(role.to_owned()),
            environment: Some(environment.to_owned()),
            name: Some(name.to_owned()),
        }
    }

    pub fn role(&self) -> &str {
        self.role.as_deref().unwrap_or("")
    }
    pub fn environment(&self) -> &str {
        self.environment.as_deref().unwrap_or("")
    }
    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or("")
    }

    /// Parses `role/env/name`.
    pub fn parse(s: &str) -> Option<JobKey> {
        let mut it = s.split('/');
        let (r, e, n) = (it.next()?, it.next()?, it.next()?);
        if it.next().is_some() || [r, e, n].iter().any(|p| !valid_identifier(p)) {
            return None;
        }
        Some(JobKey::new(r, e, n))
    }
}

impl std::fmt::Display for JobKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.role(), self.environment(), self.name())
    }
}

/// `GOOD_IDENTIFIER_PATTERN`: `^[\w\-\.]+$`.
pub fn valid_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '.')
}

impl JobUpdateKey {
    pub fn new(job: JobKey, id: &str) -> Self {
        Self {
            job: Some(job),
            id: Some(id.to_owned()),
        }
    }

    /// Parses `role/env/name/id`.
    pub fn parse(s: &str) -> Option<JobUpdateKey> {
        let (job, id) = s.rsplit_once('/')?;
        if id.is_empty() {
            return None;
        }
        Some(JobUpdateKey::new(JobKey::parse(job)?, id))
    }
}

impl std::fmt::Display for JobUpdateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.job {
            Some(j) => write!(f, "{j}/{}", self.id.as_deref().unwrap_or("")),
            None => write!(f, "?/{}", self.id.as_deref().unwrap_or("")),
        }
    }
}

impl Range {
    pub fn new(first: i32, last: i32) -> Self {
        Self {
            first: Some(first),
            last: Some(last),
        }
    }
    /// The instance ids in this range; an inverted or absent range is empty. A range from a
    /// scheduler can hold two billion ids: count with [`Range::len`], never collect these.
    pub fn ids(&self) -> std::ops::RangeInclusive<i32> {
        self.first.unwrap_or(0)..=self.last.unwrap_or(-1)
    }
    /// How many ids the range holds (0 when inverted or absent), without walking them.
    pub fn len(&self) -> u64 {
        let (a, b) = (self.first.unwrap_or(0), self.last.unwrap_or(-1));
        if b < a {
            0
        } else {
            (b as i64 - a as i64 + 1) as u64
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn contains(&self, id: i32) -> bool {
        self.ids().contains(&id)
    }
}

/// Merges ranges into the fewest sorted, disjoint ones (touching ranges join), without ever
/// expanding them into ids: a hostile `Range(0, 2147483647)` costs one entry, not two billion.
pub fn merge_ranges<'r>(ranges: impl IntoIterator<Item = &'r Range>) -> Vec<Range> {
    let mut spans: Vec<(i32, i32)> = ranges
        .into_iter()
        .filter(|r| !r.is_empty())
        .map(|r| (r.first.unwrap_or(0), r.last.unwrap_or(-1)))
        .collect();
    spans.sort_unstable();
    let mut out: Vec<Range> = Vec::with_capacity(spans.len());
    for (a, b) in spans {
        match out.last_mut() {
            Some(r) if (a as i64) <= r.last.unwrap_or(0) as i64 + 1 => {
                r.last = Some(r.last.unwrap_or(0).max(b));
            }
            _ => out.push(Range::new(a, b)),
        }
    }
    out
}

/// Compresses instance ids into closed ranges (`0-3, 7, 9-10` on screen).
pub fn ranges_of(ids: impl IntoIterator<Item = i32>) -> Vec<Range> {
    let mut ids: Vec<i32> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    let mut out: Vec<Range> = Vec::new();
    for id in ids {
        match out.last_mut() {
            Some(r) if r.last.map(|l| l as i64 + 1) == Some(id as i64) => r.last = Some(id),
            _ => out.push(Range::new(id, id)),
        }
    }
    out
}

/// `0-3,7,9-10`.
pub fn format_ranges(ranges: &[Range]) -> String {
    ranges
        .iter()
        .map(|r| {
            let (a, b) = (r.first.unwrap_or(0), r.last.unwrap_or(0));
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Totals of the resources in a set (quota, consumption, one task's needs).
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct ResourceTotals {
    pub cpus: f64,
    pub ram_mb: i64,
    pub disk_mb: i64,
    pub gpus: i64,
}

impl ResourceTotals {
    pub fn of(resources: &[Resource]) -> Self {
        let mut t = ResourceTotals::default();
        for r in resources {
            match r {
                Resource::NumCpus(v) => t.cpus += v,
                Resource::RamMb(v) => t.ram_mb += v,
                Resource::DiskMb(v) => t.disk_mb += v,
                Resource::NumGpus(v) => t.gpus += v,
                Resource::NamedPort(_) | Resource::Unknown(_) => {}
            }
        }
        t
    }

    pub fn to_resources(self) -> Vec<Resource> {
        let mut v = vec![
            Resource::NumCpus(self.cpus),
            Resource::RamMb(self.ram_mb),
            Resource::DiskMb(self.disk_mb),
        ];
        if self.gpus > 0 {
            v.push(Resource::NumGpus(self.gpus));
        }
        v
    }
}

impl ResourceAggregate {
    pub fn totals(&self) -> ResourceTotals {
        ResourceTotals::of(self.resources.as_deref().unwrap_or(&[]))
    }
}

impl TaskConfig {
    /// Puts the config's Thrift sets (`resources`, `constraints` and their values, `metadata`,
    /// `mesos_fetcher_uris`) in one canonical order. Their wire order means nothing, and a
    /// scheduler may send the same set in another order each time: diffed as sent, "ram 4096 →
    /// 6144" read as two removed and two added lines of unrelated resources.
    pub fn sort_sets(&mut self) {
        fn by_json<T: serde::Serialize>(v: &mut [T]) {
            v.sort_by_cached_key(|x| serde_json::to_string(x).unwrap_or_default());
        }
        if let Some(r) = self.resources.as_mut() {
            by_json(r);
        }
        if let Some(m) = self.metadata.as_mut() {
            by_json(m);
        }
        if let Some(u) = self.mesos_fetcher_uris.as_mut() {
            by_json(u);
        }
        if let Some(cs) = self.constraints.as_mut() {
            for con in cs.iter_mut() {
                if let Some(TaskConstraint::Value(v)) = con.constraint.as_mut()
                    && let Some(values) = v.values.as_mut()
                {
                    values.sort();
                }
            }
            by_json(cs);
        }
    }

    /// The config with its sets in canonical order ([`TaskConfig::sort_sets`]).
    pub fn with_sets_sorted(&self) -> TaskConfig {
        let mut c = self.clone();
        c.sort_sets();
        c
    }

    pub fn totals(&self) -> ResourceTotals {
        ResourceTotals::of(self.resources.as_deref().unwrap_or(&[]))
    }
    pub fn named_ports(&self) -> impl Iterator<Item = &str> {
        self.resources.iter().flatten().filter_map(|r| match r {
            Resource::NamedPort(p) => Some(p.as_str()),
            _ => None,
        })
    }
}

impl ScheduledTask {
    pub fn task_id(&self) -> &str {
        self.assigned_task
            .as_ref()
            .and_then(|a| a.task_id.as_deref())
            .unwrap_or("")
    }
    pub fn instance_id(&self) -> i32 {
        self.assigned_task
            .as_ref()
            .and_then(|a| a.instance_id)
            .unwrap_or(0)
    }
    pub fn host(&self) -> &str {
        self.assigned_task
            .as_ref()
            .and_then(|a| a.slave_host.as_deref())
            .unwrap_or("")
    }
    pub fn status(&self) -> ScheduleStatus {
        self.status.unwrap_or_default()
    }
    pub fn config(&self) -> Option<&TaskConfig> {
        self.assigned_task.as_ref().and_then(|a| a.task.as_deref())
    }
    pub fn job(&self) -> Option<&JobKey> {
        self.config().and_then(|c| c.job.as_ref())
    }
    pub fn events(&self) -> &[TaskEvent] {
        self.task_events.as_deref().unwrap_or(&[])
    }
    pub fn latest_event(&self) -> Option<&TaskEvent> {
        self.events().last()
    }
}

impl JobUpdateSettings {
    /// How instances are batched, in words (`queue, 3 at a time`, `batches of 2, 4`).
    pub fn strategy_text(&self) -> String {
        match &self.update_strategy {
            Some(JobUpdateStrategy::Queue(q)) => {
                format!("queue, {} at a time", q.group_size.unwrap_or(1))
            }
            Some(JobUpdateStrategy::Batch(b)) => format!(
                "batches of {}{}",
                b.group_size.unwrap_or(1),
                if b.autopause_after_batch == Some(true) {
                    ", pause after each"
                } else {
                    ""
                }
            ),
            Some(JobUpdateStrategy::VarBatch(v)) => format!(
                "batches of {}{}",
                v.group_sizes
                    .iter()
                    .flatten()
                    .map(|n| n.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                if v.autopause_after_batch == Some(true) {
                    ", pause after each"
                } else {
                    ""
                }
            ),
            _ => format!("groups of {}", self.update_group_size.unwrap_or(1)),
        }
    }
}

/// The instances an update touches, kept as ranges, and the latest action of each instance
/// that has an event. Built without expanding ranges, so a hostile range of two billion ids
/// costs as little as `0-3`; walk it with [`InstanceStates::iter`] and stop when enough is drawn.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InstanceStates {
    /// Instances of the desired and every initial state: sorted, disjoint.
    pub ranges: Vec<Range>,
    /// Instances of the desired state: sorted, disjoint.
    pub desired: Vec<Range>,
    /// The latest action of each instance with an event (events are bounded by the reply).
    pub actions: BTreeMap<i32, JobUpdateAction>,
}

fn in_ranges(sorted: &[Range], id: i32) -> bool {
    let i = sorted.partition_point(|r| r.last.unwrap_or(-1) < id);
    sorted.get(i).is_some_and(|r| r.contains(id))
}

impl InstanceStates {
    /// How many instances the update touches (those of its ranges and of its events).
    pub fn len(&self) -> u64 {
        let in_ranges_total: u64 = self.ranges.iter().map(Range::len).sum();
        let outside = self
            .actions
            .keys()
            .filter(|i| !in_ranges(&self.ranges, **i))
            .count() as u64;
        in_ranges_total + outside
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Instances whose latest action is one of `actions`.
    pub fn count(&self, actions: &[JobUpdateAction]) -> usize {
        self.actions
            .values()
            .filter(|a| actions.contains(a))
            .count()
    }
    pub fn is_desired(&self, id: i32) -> bool {
        in_ranges(&self.desired, id)
    }
    /// Every touched instance in id order with its latest action (`None`: no event yet),
    /// made one at a time: take what fits on the screen.
    pub fn iter(&self) -> impl Iterator<Item = (i32, Option<JobUpdateAction>)> + '_ {
        let from_ranges = self.ranges.iter().flat_map(Range::ids);
        let extra = self
            .actions
            .keys()
            .copied()
            .filter(|i| !in_ranges(&self.ranges, *i));
        merge_sorted(from_ranges, extra).map(|i| (i, self.actions.get(&i).copied()))
    }
}

/// Two ascending, duplicate-free id streams merged into one.
fn merge_sorted(
    a: impl Iterator<Item = i32>,
    b: impl Iterator<Item = i32>,
) -> impl Iterator<Item = i32> {
    let mut a = a.peekable();
    let mut b = b.peekable();
    std::iter::from_fn(move || match (a.peek(), b.peek()) {
        (Some(x), Some(y)) if y < x => b.next(),
        (Some(_), _) => a.next(),
        (None, _) => b.next(),
    })
}

impl JobUpdateSummary {
    /// Rolling, paused or awaiting a pulse: the update still blocks kills and restarts.
    pub fn is_active(&self) -> bool {
        self.state
            .as_ref()
            .and_then(|s| s.status)
            .is_some_and(JobUpdateStatus::is_active)
    }
}

impl JobUpdateDetails {
    /// The instances the update touches (desired state and every initial state, as ranges)
    /// and the latest action of each that has an event.
    pub fn instance_states(&self) -> InstanceStates {
        let instr = self.update.as_ref().and_then(|u| u.instructions.as_ref());
        let mut states = InstanceStates::default();
        if let Some(instr) = instr {
            let ranges = |groups: &mut dyn Iterator<Item = &InstanceTaskConfig>| {
                merge_ranges(groups.flat_map(|g| g.instances.iter().flatten()))
            };
            states.ranges = ranges(
                &mut instr
                    .initial_state
                    .iter()
                    .flatten()
                    .chain(instr.desired_state.iter()),
            );
            states.desired = ranges(&mut instr.desired_state.iter());
        }
        for e in self.instance_events.iter().flatten() {
            if let (Some(i), Some(a)) = (e.instance_id, e.action) {
                states.actions.insert(i, a);
            }
        }
        states
    }

    /// Progress the way Aurora's web UI computes it: instances whose latest event is
    /// INSTANCE_UPDATED, out of every instance the update touches.
    pub fn progress(&self) -> (usize, usize) {
        let states = self.instance_states();
        let done = states.count(&[JobUpdateAction::INSTANCE_UPDATED]);
        (done, states.len() as usize)
    }

    /// The update is going (or went) backwards: its status is a rollback one, or an instance
    /// has a rollback event (a rollback that ended FAILED or ABORTED).
    pub fn is_rollback(&self) -> bool {
        let status = self
            .update
            .as_ref()
            .and_then(|u| u.summary.as_ref())
            .and_then(|s| s.state.as_ref())
            .and_then(|s| s.status);
        matches!(
            status,
            Some(
                JobUpdateStatus::ROLLING_BACK
                    | JobUpdateStatus::ROLL_BACK_PAUSED
                    | JobUpdateStatus::ROLL_BACK_AWAITING_PULSE
                    | JobUpdateStatus::ROLLED_BACK
            )
        ) || self
            .instance_events
            .iter()
            .flatten()
            .any(|e| e.action.is_some_and(JobUpdateAction::is_rollback))
    }

    /// Rollback progress: instances whose latest event is INSTANCE_ROLLED_BACK, out of the
    /// instances the rollback covers. A rollback puts back only what the update touched, so
    /// those are the instances with any event; the untouched ones are not part of it.
    pub fn rollback_progress(&self) -> (usize, usize) {
        let states = self.instance_states();
        let done = states.count(&[JobUpdateAction::INSTANCE_ROLLED_BACK]);
        (done, states.actions.len())
    }

    /// When the rollback began (scheduler clock, ms): the first ROLLING_BACK update event, or
    /// else the first rollback event of an instance.
    pub fn rollback_started_ms(&self) -> Option<i64> {
        self.update_events
            .iter()
            .flatten()
            .filter(|e| e.status == Some(JobUpdateStatus::ROLLING_BACK))
            .filter_map(|e| e.timestamp_ms)
            .min()
            .or_else(|| {
                self.instance_events
                    .iter()
                    .flatten()
                    .filter(|e| e.action.is_some_and(JobUpdateAction::is_rollback))
                    .filter_map(|e| e.timestamp_ms)
                    .min()
            })
    }
}

impl JobUpdateAction {
    /// An instance action of a rollback.
    pub fn is_rollback(self) -> bool {
        matches!(
            self,
            JobUpdateAction::INSTANCE_ROLLING_BACK
                | JobUpdateAction::INSTANCE_ROLLED_BACK
                | JobUpdateAction::INSTANCE_ROLLBACK_FAILED
        )
    }
}

impl Response {
    pub fn code(&self) -> ResponseCode {
        self.response_code.unwrap_or(ResponseCode::ERROR)
    }
    pub fn messages(&self) -> Vec<&str> {
        self.details
            .iter()
            .flatten()
            .filter_map(|d| d.message.as_deref())
            .collect()
    }
}

/// Reads `ExecutorConfig.data` as the update editor shows it: the JSON text as a string, or —
/// shown parsed, so it can be edited like the rest — a JSON object or array, written back
/// compactly.
fn executor_data<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    use serde::Deserialize as _;
    match Option::<serde_json::Value>::deserialize(d)? {
        None => Ok(None),
        Some(serde_json::Value::String(s)) => Ok(Some(s)),
        Some(v @ (serde_json::Value::Object(_) | serde_json::Value::Array(_))) => {
            Ok(Some(v.to_string()))
        }
        Some(other) => Err(serde::de::Error::custom(format!(
            "expected a JSON object or array (or the data as a string), got {other}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_merge_and_count_without_expanding() {
        let huge = Range::new(0, i32::MAX);
        assert_eq!(huge.len(), 1 << 31);
        assert_eq!(Range::new(5, 1).len(), 0);
        let merged = merge_ranges(&[
            Range::new(10, 12),
            Range::new(0, 3),
            Range::new(4, 6),
            Range::new(2, 2),
            Range::new(9, 8),
        ]);
        assert_eq!(format_ranges(&merged), "0-6,10-12");
        assert_eq!(
            format_ranges(&merge_ranges(&[
                huge.clone(),
                Range::new(i32::MAX, i32::MAX)
            ])),
            "0-2147483647"
        );
        assert_eq!(
            format_ranges(&ranges_of([i32::MIN, i32::MIN + 1, 3])),
            "-2147483648--2147483647,3"
        );
    }

    #[test]
    fn instance_states_of_a_huge_range_stay_ranges() {
        let d = JobUpdateDetails {
            update: Some(JobUpdate {
                instructions: Some(JobUpdateInstructions {
                    initial_state: Some(vec![InstanceTaskConfig {
                        task: None,
                        instances: Some(vec![Range::new(0, 1)]),
                    }]),
                    desired_state: Some(InstanceTaskConfig {
                        task: None,
                        instances: Some(vec![Range::new(0, i32::MAX)]),
                    }),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            instance_events: Some(vec![
                JobInstanceUpdateEvent {
                    instance_id: Some(1),
                    action: Some(JobUpdateAction::INSTANCE_UPDATED),
                    ..Default::default()
                },
                JobInstanceUpdateEvent {
                    instance_id: Some(-5),
                    action: Some(JobUpdateAction::INSTANCE_UPDATING),
                    ..Default::default()
                },
            ]),
            ..Default::default()
        };
        let s = d.instance_states();
        assert_eq!(format_ranges(&s.ranges), "0-2147483647");
        // Every id of the range, and the event outside it.
        assert_eq!(s.len(), (1 << 31) + 1);
        assert_eq!(d.progress(), (1, (1 << 31) + 1));
        let first: Vec<_> = s.iter().take(3).collect();
        assert_eq!(
            first,
            [
                (-5, Some(JobUpdateAction::INSTANCE_UPDATING)),
                (0, None),
                (1, Some(JobUpdateAction::INSTANCE_UPDATED))
            ]
        );
        assert!(s.is_desired(i32::MAX) && !s.is_desired(-5));
    }
}
