//! What the console fetches, and the freshness bookkeeping for each: at most one request in
//! flight per resource, a generation number that drops stale replies, polling intervals, and an
//! exponential back-off on errors while the last good data stays.

use std::sync::Arc;

use crate::aurora::model::*;

/// One thing the console can fetch. Job and update keys are kept as their `a/b/c` text so keys
/// can be hashed and compared.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResourceKey {
    /// getRoleSummary
    Roles,
    /// getJobSummary(role), all roles when `None`
    Jobs(Option<String>),
    /// getTasksWithoutConfigs for one job; active tasks unless `history`
    Tasks { job: String, history: bool },
    /// getTasksStatus for one task id (full config)
    Task(String),
    /// getPendingReason for one job, one task, or the whole cluster
    PendingReasons(PendingScope),
    /// getTasksWithoutConfigs(statuses = PENDING, THROTTLED) across the cluster
    StuckTasks,
    /// getConfigSummary
    Config(String),
    /// getQuota
    Quota(String),
    /// getJobUpdateSummaries for a role (or all), any status
    Updates(Option<String>),
    /// getJobUpdateDetails for one update key
    UpdateDetails(String),
    /// getTasksWithoutConfigs(statuses = active) across the cluster: the hosts view
    ActiveTasks,
    /// getTasksWithoutConfigs(slaveHosts = {host}, statuses = active)
    HostTasks(String),
    /// GET /maintenance: the hosts in maintenance, by mode
    Maintenance,
    /// Every cluster of clusters.json, probed (not a call to the current scheduler).
    Clusters,
    /// A Docker Swarm's services with their task counts (`GET /services?status=true`).
    SwarmServices,
    /// One Swarm service's retained tasks, with node names.
    SwarmTasks(String),
    /// A Swarm's nodes with their task counts.
    SwarmNodes,
    /// One Swarm service's rolling update (`GET /services/{name}` and its tasks).
    SwarmUpdate(String),
    /// One Swarm service's spec, for the update editor (`GET /services/{name}`).
    SwarmSpec(String),
    /// One Swarm task with its slot's retained history and its service's name.
    SwarmTask(String),
    /// A Swarm's triage: pending and failing tasks, paused or rolled-back updates.
    SwarmTriage,
    /// Every Swarm service that has an UpdateStatus, with its progress.
    SwarmUpdates,
}

impl ResourceKey {
    /// A short name for logs and the status line.
    pub fn describe(&self) -> String {
        match self {
            ResourceKey::Roles => "roles".into(),
            ResourceKey::Jobs(None) => "jobs".into(),
            ResourceKey::Jobs(Some(r)) => format!("jobs of {r}"),
            ResourceKey::Tasks { job, .. } => format!("tasks of {job}"),
            ResourceKey::Task(id) => format!("task {id}"),
            ResourceKey::PendingReasons(_) => "pending reasons".into(),
            ResourceKey::StuckTasks => "pending and throttled tasks".into(),
            ResourceKey::Config(j) => format!("config of {j}"),
            ResourceKey::Quota(r) => format!("quota of {r}"),
            ResourceKey::Updates(_) => "updates".into(),
            ResourceKey::UpdateDetails(k) => format!("update {k}"),
            ResourceKey::ActiveTasks => "active tasks".into(),
            ResourceKey::HostTasks(h) => format!("tasks on {h}"),
            ResourceKey::Maintenance => "hosts in maintenance".into(),
            ResourceKey::Clusters => "clusters".into(),
            ResourceKey::SwarmServices => "services".into(),
            ResourceKey::SwarmTasks(s) => format!("tasks of {s}"),
            ResourceKey::SwarmNodes => "nodes".into(),
            ResourceKey::SwarmUpdate(s) => format!("update of {s}"),
            ResourceKey::SwarmSpec(s) => format!("spec of {s}"),
            ResourceKey::SwarmTask(id) => format!("task {id}"),
            ResourceKey::SwarmTriage => "triage".into(),
            ResourceKey::SwarmUpdates => "updates".into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PendingScope {
    All,
    Job(String),
    Task(String),
}

/// A fetched value.
#[derive(Clone, Debug)]
pub enum Data {
    Roles(Vec<RoleSummary>),
    Jobs(Vec<JobSummary>),
    Tasks(Vec<ScheduledTask>),
    Task(Option<Box<ScheduledTask>>),
    PendingReasons(Vec<PendingReason>),
    Config(Box<ConfigSummary>),
    Quota(Box<GetQuotaResult>),
    Updates(Vec<JobUpdateSummary>),
    UpdateDetails(Option<Box<JobUpdateDetails>>),
    Maintenance(Box<crate::aurora::maintenance::MaintenanceHosts>),
    Clusters(Vec<ClusterHealth>),
    SwarmServices(Vec<crate::swarm::model::ServiceRow>),
    SwarmTasks(Vec<crate::swarm::model::TaskRow>),
    SwarmNodes(Vec<crate::swarm::model::NodeRow>),
    SwarmUpdate(Box<crate::swarm::model::UpdateView>),
    SwarmSpec(Box<bollard::models::ServiceSpec>),
    SwarmTask(Box<crate::swarm::model::TaskDetail>),
    SwarmTriage(Box<crate::swarm::model::Triage>),
    SwarmUpdates(Vec<crate::swarm::model::UpdateView>),
}

/// The console's knowledge of one resource.
#[derive(Clone, Debug, Default)]
pub struct Slot {
    /// The last good value; kept through later failures.
    pub data: Option<Arc<Data>>,
    /// When the last good value arrived (scheduler clock, ms).
    pub loaded_at: Option<i64>,
    /// The last failure and when it happened, cleared by the next success.
    pub error: Option<(i64, String)>,
    /// The generation of the request in flight, if any.
    pub in_flight: Option<u64>,
    /// The generation of the newest request sent.
    pub generation: u64,
    /// When the next poll is due.
    pub next_due: i64,
    /// Consecutive failures, for the back-off.
    pub failures: u32,
    /// How long the last successful request took.
    pub last_latency_ms: u64,
    /// The console tick the newest request was sent at: how long it has been waiting.
    pub sent_tick: u64,
}

/// Back-off after `failures` consecutive errors: 1 s, 2 s, 4 s … capped at 60 s.
pub fn backoff_ms(failures: u32) -> i64 {
    let exp = failures.saturating_sub(1).min(6);
    (1000i64 << exp).min(60_000)
}

impl Slot {
    /// Whether a poll should be sent now.
    pub fn due(&self, now: i64) -> bool {
        self.in_flight.is_none() && now >= self.next_due
    }

    /// Marks a request as sent and returns its generation. A request already in flight is
    /// superseded: its reply will be dropped.
    pub fn start(&mut self, tick: u64) -> u64 {
        self.sent_tick = tick;
        self.generation += 1;
        self.in_flight = Some(self.generation);
        self.generation
    }

    /// Records a reply. Returns false (and changes nothing) for a superseded one.
    pub fn finish(
        &mut self,
        generation: u64,
        at: i64,
        latency_ms: u64,
        result: Result<Data, String>,
        interval_ms: i64,
    ) -> bool {
        if self.in_flight != Some(generation) {
            return false;
        }
        self.in_flight = None;
        match result {
            Ok(d) => {
                self.data = Some(Arc::new(d));
                self.loaded_at = Some(at);
                self.error = None;
                self.failures = 0;
                self.last_latency_ms = latency_ms;
                self.next_due = at + interval_ms;
            }
            Err(e) => {
                self.failures += 1;
                self.error = Some((at, e));
                self.next_due = at + backoff_ms(self.failures);
            }
        }
        true
    }
}

/// One cluster (of clusters.json, or a Swarm of Eos's config) as the `:clusters` probe found it.
#[derive(Clone, Debug, PartialEq)]
pub struct ClusterHealth {
    pub name: String,
    /// Aurora or a Docker Swarm.
    pub kind: crate::cluster_list::ClusterKind,
    /// `zk host:port/path`, or the URL (the Engine's, for a Swarm).
    pub reached: String,
    /// Aurora's auth mechanism; `-` for a Swarm.
    pub auth: String,
    /// The scheduler that answered (the leader, for ZooKeeper clusters).
    pub leader: Option<String>,
    /// Round trip of a cheap read (`getTierConfigs`), or why it failed.
    pub health: Result<u64, String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_a_minute() {
        let seq: Vec<i64> = (1..=9).map(backoff_ms).collect();
        assert_eq!(
            seq,
            vec![1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]
        );
    }

    #[test]
    fn stale_replies_are_dropped_and_good_data_survives_errors() {
        let mut s = Slot::default();
        let g1 = s.start(0);
        let g2 = s.start(0);
        assert!(!s.finish(g1, 10, 1, Ok(Data::Roles(vec![])), 5000));
        assert!(s.finish(g2, 20, 1, Ok(Data::Roles(vec![])), 5000));
        assert_eq!((s.loaded_at, s.next_due), (Some(20), 5020));
        let g3 = s.start(0);
        assert!(s.finish(g3, 30, 1, Err("boom".into()), 5000));
        assert!(s.data.is_some(), "last good data kept");
        assert_eq!(s.error, Some((30, "boom".into())));
        assert_eq!(s.next_due, 1030);
        assert!(!s.due(1029) && s.due(1030));
    }
}
