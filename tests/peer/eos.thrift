// Eos test peer IDL.
//
// Written for the Eos project from the wire tables in /work/shared/aurora-api.md
// (sections 2-4). It covers only the part of the Aurora scheduler API that Eos
// talks to. Field ids, types and enum numbers follow that document; names are
// the document's field names. It is not Aurora's IDL and is not meant to be a
// replacement for it.
//
// Conventions used here:
//   * every struct/union field is `optional`, so generated writers only emit
//     fields that were explicitly set (no defaults are declared anywhere);
//   * struct fields are declared in ascending field-id order;
//   * service arguments keep the argument order of the document (note
//     restartShards: job is 5, shardIds is 3).
//
// Generate Python bindings with:
//   thrift --gen py -out "$TMP" tests/peer/eos.thrift

namespace py eos_peer

// ---------------------------------------------------------------- enums (4.2)

enum ResponseCode {
  INVALID_REQUEST = 0,
  OK = 1,
  ERROR = 2,
  WARNING = 3,
  AUTH_FAILED = 4,
  JOB_UPDATING_ERROR = 5,
  ERROR_TRANSIENT = 6
}

enum ScheduleStatus {
  PENDING = 0,
  STARTING = 1,
  RUNNING = 2,
  FINISHED = 3,
  FAILED = 4,
  KILLED = 5,
  KILLING = 6,
  LOST = 7,
  ASSIGNED = 9,
  INIT = 11,
  RESTARTING = 12,
  PREEMPTING = 13,
  THROTTLED = 16,
  DRAINING = 17,
  PARTITIONED = 18
}

enum JobUpdateStatus {
  ROLLING_FORWARD = 0,
  ROLLING_BACK = 1,
  ROLL_FORWARD_PAUSED = 2,
  ROLL_BACK_PAUSED = 3,
  ROLLED_FORWARD = 4,
  ROLLED_BACK = 5,
  ABORTED = 6,
  ERROR = 7,
  FAILED = 8,
  ROLL_FORWARD_AWAITING_PULSE = 9,
  ROLL_BACK_AWAITING_PULSE = 10
}

enum JobUpdateAction {
  INSTANCE_UPDATED = 1,
  INSTANCE_ROLLED_BACK = 2,
  INSTANCE_UPDATING = 3,
  INSTANCE_ROLLING_BACK = 4,
  INSTANCE_UPDATE_FAILED = 5,
  INSTANCE_ROLLBACK_FAILED = 6
}

enum JobUpdatePulseStatus {
  OK = 1,
  FINISHED = 2
}

enum MaintenanceMode {
  NONE = 1,
  SCHEDULED = 2,
  DRAINING = 3,
  DRAINED = 4
}

enum CronCollisionPolicy {
  KILL_EXISTING = 0,
  CANCEL_NEW = 1,
  RUN_OVERLAP = 2
}

enum Mode {
  RW = 1,
  RO = 2
}

// ------------------------------------------------------- keys and selectors

struct JobKey {
  1: optional string role
  2: optional string environment
  3: optional string name
}

struct InstanceKey {
  1: optional JobKey jobKey
  2: optional i32 instanceId
}

struct JobUpdateKey {
  1: optional JobKey job
  2: optional string id
}

struct Identity {
  2: optional string user
}

struct Range {
  1: optional i32 first
  2: optional i32 last
}

struct Hosts {
  1: optional set<string> hostNames
}

struct HostStatus {
  1: optional string host
  2: optional MaintenanceMode mode
}

struct TaskQuery {
  2: optional string jobName
  4: optional set<string> taskIds
  5: optional set<ScheduleStatus> statuses
  7: optional set<i32> instanceIds
  9: optional string environment
  10: optional set<string> slaveHosts
  11: optional set<JobKey> jobKeys
  12: optional i32 offset
  13: optional i32 limit
  14: optional string role
}

struct JobUpdateQuery {
  2: optional string role
  3: optional JobKey jobKey
  4: optional string user
  5: optional set<JobUpdateStatus> updateStatuses
  6: optional i32 offset
  7: optional i32 limit
  8: optional JobUpdateKey key
}

// ------------------------------------------------------------ task config

union Resource {
  1: optional double numCpus
  2: optional i64 ramMb
  3: optional i64 diskMb
  4: optional string namedPort
  5: optional i64 numGpus
}

struct ResourceAggregate {
  4: optional set<Resource> resources
}

struct ValueConstraint {
  1: optional bool negated
  2: optional set<string> values
}

struct LimitConstraint {
  1: optional i32 limit
}

union TaskConstraint {
  1: optional ValueConstraint value
  2: optional LimitConstraint limit
}

struct Constraint {
  1: optional string name
  2: optional TaskConstraint constraint
}

struct Metadata {
  1: optional string key
  2: optional string value
}

struct ExecutorConfig {
  1: optional string name
  2: optional string data
}

struct MesosFetcherURI {
  1: optional string value
  2: optional bool extract
  3: optional bool cache
  4: optional string outputFile
}

struct DockerParameter {
  1: optional string name
  2: optional string value
}

struct DockerImage {
  1: optional string name
  2: optional string tag
}

struct AppcImage {
  1: optional string name
  2: optional string imageId
}

union Image {
  1: optional DockerImage docker
  2: optional AppcImage appc
}

struct Volume {
  1: optional string containerPath
  2: optional string hostPath
  3: optional Mode mode
}

struct MesosContainer {
  1: optional Image image
  2: optional list<Volume> volumes
}

struct DockerContainer {
  1: optional string image
  2: optional list<DockerParameter> parameters
}

union Container {
  1: optional MesosContainer mesos
  2: optional DockerContainer docker
}

struct PartitionPolicy {
  1: optional bool reschedule
  2: optional i64 delaySecs
}

struct PercentageSlaPolicy {
  1: optional double percentage
  2: optional i64 durationSecs
}

struct CountSlaPolicy {
  1: optional i64 count
  2: optional i64 durationSecs
}

struct CoordinatorSlaPolicy {
  1: optional string coordinatorUrl
  2: optional string statusKey
}

union SlaPolicy {
  1: optional PercentageSlaPolicy percentageSlaPolicy
  2: optional CountSlaPolicy countSlaPolicy
  3: optional CoordinatorSlaPolicy coordinatorSlaPolicy
}

struct TaskConfig {
  7: optional bool isService
  11: optional i32 priority
  13: optional i32 maxTaskFailures
  17: optional Identity owner
  18: optional bool production
  20: optional set<Constraint> constraints
  22: optional map<string, string> taskLinks
  23: optional string contactEmail
  25: optional ExecutorConfig executorConfig
  27: optional set<Metadata> metadata
  28: optional JobKey job
  29: optional Container container
  30: optional string tier
  32: optional set<Resource> resources
  33: optional set<MesosFetcherURI> mesosFetcherUris
  34: optional PartitionPolicy partitionPolicy
  35: optional SlaPolicy slaPolicy
}

// ------------------------------------------------------------------ tasks

struct TaskEvent {
  1: optional i64 timestamp
  2: optional ScheduleStatus status
  3: optional string message
  4: optional string scheduler
}

struct AssignedTask {
  1: optional string taskId
  2: optional string slaveId
  3: optional string slaveHost
  4: optional TaskConfig task
  5: optional map<string, i32> assignedPorts
  6: optional i32 instanceId
}

struct ScheduledTask {
  1: optional AssignedTask assignedTask
  2: optional ScheduleStatus status
  3: optional i32 failureCount
  4: optional list<TaskEvent> taskEvents
  5: optional string ancestorId
  6: optional i32 timesPartitioned
}

// ------------------------------------ jobs, roles, quota, groups, reasons

struct JobConfiguration {
  4: optional string cronSchedule
  5: optional CronCollisionPolicy cronCollisionPolicy
  6: optional TaskConfig taskConfig
  7: optional Identity owner
  8: optional i32 instanceCount
  9: optional JobKey key
}

struct JobStats {
  1: optional i32 activeTaskCount
  2: optional i32 finishedTaskCount
  3: optional i32 failedTaskCount
  4: optional i32 pendingTaskCount
}

struct JobSummary {
  1: optional JobConfiguration job
  2: optional JobStats stats
  3: optional i64 nextCronRunMs
}

struct RoleSummary {
  1: optional string role
  2: optional i32 jobCount
  3: optional i32 cronJobCount
}

struct ConfigGroup {
  1: optional TaskConfig config
  3: optional set<Range> instances
}

struct ConfigSummary {
  1: optional JobKey key
  2: optional set<ConfigGroup> groups
}

struct PendingReason {
  1: optional string taskId
  2: optional string reason
}

struct TierConfig {
  1: optional string name
  2: optional map<string, string> settings
}

// ------------------------------------------------------------ job updates

struct JobUpdateState {
  1: optional JobUpdateStatus status
  2: optional i64 createdTimestampMs
  3: optional i64 lastModifiedTimestampMs
}

struct JobUpdateSummary {
  3: optional string user
  4: optional JobUpdateState state
  5: optional JobUpdateKey key
  6: optional set<Metadata> metadata
}

struct InstanceTaskConfig {
  1: optional TaskConfig task
  2: optional set<Range> instances
}

struct QueueJobUpdateStrategy {
  1: optional i32 groupSize
}

struct BatchJobUpdateStrategy {
  1: optional i32 groupSize
  2: optional bool autopauseAfterBatch
}

struct VariableBatchJobUpdateStrategy {
  1: optional list<i32> groupSizes
  2: optional bool autopauseAfterBatch
}

union JobUpdateStrategy {
  1: optional QueueJobUpdateStrategy queueStrategy
  2: optional BatchJobUpdateStrategy batchStrategy
  3: optional VariableBatchJobUpdateStrategy varBatchStrategy
}

struct JobUpdateSettings {
  1: optional i32 updateGroupSize
  2: optional i32 maxPerInstanceFailures
  3: optional i32 maxFailedInstances
  5: optional i32 minWaitInInstanceRunningMs
  6: optional bool rollbackOnFailure
  7: optional set<Range> updateOnlyTheseInstances
  8: optional bool waitForBatchCompletion
  9: optional i32 blockIfNoPulsesAfterMs
  10: optional bool slaAware
  11: optional JobUpdateStrategy updateStrategy
}

struct JobUpdateInstructions {
  1: optional set<InstanceTaskConfig> initialState
  2: optional InstanceTaskConfig desiredState
  3: optional JobUpdateSettings settings
}

struct JobUpdate {
  1: optional JobUpdateSummary summary
  2: optional JobUpdateInstructions instructions
}

struct JobUpdateEvent {
  1: optional JobUpdateStatus status
  2: optional i64 timestampMs
  3: optional string user
  4: optional string message
}

struct JobInstanceUpdateEvent {
  1: optional i32 instanceId
  2: optional i64 timestampMs
  3: optional JobUpdateAction action
  4: optional string message
}

struct JobUpdateDetails {
  1: optional JobUpdate update
  2: optional list<JobUpdateEvent> updateEvents
  3: optional list<JobInstanceUpdateEvent> instanceEvents
}

struct JobUpdateRequest {
  1: optional TaskConfig taskConfig
  2: optional i32 instanceCount
  3: optional JobUpdateSettings settings
  4: optional set<Metadata> metadata
}

// ---------------------------------------------------------- admin helpers

struct ExplicitReconciliationSettings {
  1: optional i32 batchSize
}

// -------------------------------------------------- result wrappers (4.4)

struct PopulateJobResult {
  2: optional TaskConfig taskConfig
}

struct ScheduleStatusResult {
  1: optional list<ScheduledTask> tasks
}

struct GetJobsResult {
  1: optional set<JobConfiguration> configs
}

struct GetQuotaResult {
  1: optional ResourceAggregate quota
  2: optional ResourceAggregate prodSharedConsumption
  3: optional ResourceAggregate nonProdSharedConsumption
  4: optional ResourceAggregate prodDedicatedConsumption
  5: optional ResourceAggregate nonProdDedicatedConsumption
}

struct ListBackupsResult {
  1: optional set<string> backups
}

struct StartMaintenanceResult {
  1: optional set<HostStatus> statuses
}

struct DrainHostsResult {
  1: optional set<HostStatus> statuses
}

struct QueryRecoveryResult {
  1: optional set<ScheduledTask> tasks
}

struct MaintenanceStatusResult {
  1: optional set<HostStatus> statuses
}

struct EndMaintenanceResult {
  1: optional set<HostStatus> statuses
}

struct RoleSummaryResult {
  1: optional set<RoleSummary> summaries
}

struct JobSummaryResult {
  1: optional set<JobSummary> summaries
}

struct ConfigSummaryResult {
  1: optional ConfigSummary summary
}

struct GetPendingReasonResult {
  1: optional set<PendingReason> reasons
}

struct StartJobUpdateResult {
  1: optional JobUpdateKey key
  2: optional JobUpdateSummary updateSummary
}

struct GetJobUpdateSummariesResult {
  1: optional list<JobUpdateSummary> updateSummaries
}

struct GetJobUpdateDetailsResult {
  1: optional JobUpdateDetails details
  2: optional list<JobUpdateDetails> detailsList
}

struct PulseJobUpdateResult {
  1: optional JobUpdatePulseStatus status
}

struct GetJobUpdateDiffResult {
  1: optional set<ConfigGroup> add
  2: optional set<ConfigGroup> remove
  3: optional set<ConfigGroup> update
  4: optional set<ConfigGroup> unchanged
}

struct GetTierConfigResult {
  1: optional string defaultTierName
  2: optional set<TierConfig> tiers
}

// -------------------------------------------------- response envelope (4.4)

union Result {
  1: optional PopulateJobResult populateJobResult
  3: optional ScheduleStatusResult scheduleStatusResult
  4: optional GetJobsResult getJobsResult
  5: optional GetQuotaResult getQuotaResult
  6: optional ListBackupsResult listBackupsResult
  7: optional StartMaintenanceResult startMaintenanceResult
  8: optional DrainHostsResult drainHostsResult
  9: optional QueryRecoveryResult queryRecoveryResult
  10: optional MaintenanceStatusResult maintenanceStatusResult
  11: optional EndMaintenanceResult endMaintenanceResult
  17: optional RoleSummaryResult roleSummaryResult
  18: optional JobSummaryResult jobSummaryResult
  20: optional ConfigSummaryResult configSummaryResult
  21: optional GetPendingReasonResult getPendingReasonResult
  22: optional StartJobUpdateResult startJobUpdateResult
  23: optional GetJobUpdateSummariesResult getJobUpdateSummariesResult
  24: optional GetJobUpdateDetailsResult getJobUpdateDetailsResult
  25: optional PulseJobUpdateResult pulseJobUpdateResult
  26: optional GetJobUpdateDiffResult getJobUpdateDiffResult
  27: optional GetTierConfigResult getTierConfigResult
}

struct ResponseDetail {
  1: optional string message
}

struct ServerInfo {
  1: optional string clusterName
  3: optional string statsUrlPrefix
}

struct Response {
  1: optional ResponseCode responseCode
  3: optional Result result
  5: optional ServerInfo serverInfo
  6: optional list<ResponseDetail> details
}

// ------------------------------------------------------------- service (3)

service AuroraPeer {
  // 3.1 read-only
  Response getRoleSummary()
  Response getJobSummary(1: string role)
  Response getTasksStatus(1: TaskQuery query)
  Response getTasksWithoutConfigs(1: TaskQuery query)
  Response getPendingReason(1: TaskQuery query)
  Response getConfigSummary(1: JobKey job)
  Response getJobs(1: string ownerRole)
  Response getQuota(1: string ownerRole)
  Response populateJobConfig(1: JobConfiguration description)
  Response getJobUpdateSummaries(1: JobUpdateQuery jobUpdateQuery)
  Response getJobUpdateDetails(1: JobUpdateKey key, 2: JobUpdateQuery query)
  Response getJobUpdateDiff(1: JobUpdateRequest request)
  Response getTierConfigs()

  // 3.2 mutating
  Response createJob(1: JobConfiguration description)
  Response scheduleCronJob(1: JobConfiguration description)
  Response descheduleCronJob(4: JobKey job)
  Response startCronJob(4: JobKey job)
  Response replaceCronTemplate(1: JobConfiguration config)
  Response restartShards(5: JobKey job, 3: set<i32> shardIds)
  Response killTasks(4: JobKey job, 5: set<i32> instances, 6: string message)
  Response addInstances(3: InstanceKey key, 4: i32 count)
  Response startJobUpdate(1: JobUpdateRequest request, 3: string message)
  Response pauseJobUpdate(1: JobUpdateKey key, 3: string message)
  Response resumeJobUpdate(1: JobUpdateKey key, 3: string message)
  Response abortJobUpdate(1: JobUpdateKey key, 3: string message)
  Response rollbackJobUpdate(1: JobUpdateKey key, 2: string message)
  Response pulseJobUpdate(1: JobUpdateKey key)

  // 3.3 maintenance (admin)
  Response maintenanceStatus(1: Hosts hosts)
  Response startMaintenance(1: Hosts hosts)
  Response drainHosts(1: Hosts hosts)
  Response endMaintenance(1: Hosts hosts)
}
