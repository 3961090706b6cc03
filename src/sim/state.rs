//! The simulated cluster's state: hosts with capacity, jobs, tasks, updates, quotas and cron
//! templates, with the indexes the API and the tick need (tasks by id and by job, a timer queue
//! of due task transitions). Behaviour lives in `lifecycle.rs`, `updates.rs` and `api.rs`.

use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, VecDeque};
use std::sync::Arc;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rustc_hash::FxHashMap;

use super::crontab::CronExpr;
use crate::aurora::model::*;

pub type TaskIdx = u32;
pub type JobIdx = u32;
pub type HostIdx = u32;
pub type UpdateIdx = u32;

/// Aurora's `-history_max_per_job_threshold`.
pub const MAX_TERMINAL_PER_JOB: usize = 100;
/// Aurora's `-job_update_history_per_job_threshold`.
pub const MAX_FINISHED_UPDATES_PER_JOB: usize = 10;
/// Aurora's `-max_tasks_per_job`.
pub const MAX_TASKS_PER_JOB: i32 = 4000;
/// Aurora's `-flapping_task_threshold`.
pub const FLAPPING_THRESHOLD_MS: i64 = 5 * 60_000;
pub const INITIAL_PENALTY_MS: i64 = 30_000;
pub const MAX_PENALTY_MS: i64 = 5 * 60_000;
/// Aurora's `-transient_task_state_timeout`.
pub const TRANSIENT_TIMEOUT_MS: i64 = 5 * 60_000;
/// `TaskConfig.metadata` key that sets how tasks of a config behave in the simulator:
/// `healthy`, `crash`, `slow-start` or `finish`.
pub const BEHAVIOR_METADATA_KEY: &str = "sim.behavior";

/// How tasks of a config behave once launched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behavior {
    /// Reaches RUNNING and stays there.
    Healthy,
    /// Reaches RUNNING, then fails within a minute (a crash loop).
    Crash,
    /// Takes a minute or two in STARTING.
    SlowStart,
    /// Runs for a few minutes and finishes (batch and cron work).
    Finish,
}

impl Behavior {
    pub fn from_name(s: &str) -> Option<Behavior> {
        Some(match s {
            "healthy" => Behavior::Healthy,
            "crash" => Behavior::Crash,
            "slow-start" => Behavior::SlowStart,
            "finish" => Behavior::Finish,
            _ => return None,
        })
    }
}

/// One distinct TaskConfig, shared by every task that runs it.
#[derive(Debug)]
pub struct Config {
    pub full: Arc<TaskConfig>,
    /// The same config with `executorConfig.data` blanked (getTasksWithoutConfigs).
    pub stripped: Arc<TaskConfig>,
    pub behavior: Behavior,
    pub need: ResourceTotals,
    pub ports: Vec<String>,
    pub production: bool,
    pub revocable: bool,
    pub dedicated: bool,
    pub is_service: bool,
    pub max_task_failures: i32,
}

pub type ConfigRef = Arc<Config>;

impl Config {
    pub fn new(tc: TaskConfig, default_behavior: Behavior) -> ConfigRef {
        let behavior = tc
            .metadata
            .iter()
            .flatten()
            .find(|m| m.key.as_deref() == Some(BEHAVIOR_METADATA_KEY))
            .and_then(|m| m.value.as_deref())
            .and_then(Behavior::from_name)
            .unwrap_or(default_behavior);
        let mut stripped = tc.clone();
        if let Some(e) = stripped.executor_config.as_mut() {
            e.data = None;
        }
        let tier = tc.tier.as_deref().unwrap_or("preemptible");
        let dedicated = tc
            .constraints
            .iter()
            .flatten()
            .any(|c| c.name.as_deref() == Some("dedicated"));
        Arc::new(Config {
            need: tc.totals(),
            ports: tc.named_ports().map(str::to_owned).collect(),
            production: tc.production.unwrap_or(tier == "preferred"),
            revocable: tier == "revocable",
            dedicated,
            is_service: tc.is_service.unwrap_or(false),
            max_task_failures: tc.max_task_failures.unwrap_or(1),
            behavior,
            stripped: Arc::new(stripped),
            full: Arc::new(tc),
        })
    }

    pub fn same(a: &ConfigRef, b: &ConfigRef) -> bool {
        Arc::ptr_eq(a, b) || a.full == b.full
    }
}

/// One task event; the scheduler host is an index into [`State::schedulers`].
#[derive(Clone, Debug)]
pub struct Ev {
    pub ts: i64,
    pub status: ScheduleStatus,
    pub msg: Option<Cow<'static, str>>,
    pub scheduler: u8,
}

#[derive(Debug)]
pub struct Task {
    pub id: Arc<str>,
    pub job: JobIdx,
    pub instance: i32,
    pub status: ScheduleStatus,
    pub config: ConfigRef,
    pub host: Option<HostIdx>,
    /// Port numbers, in the order of `config.ports`.
    pub ports: Vec<i32>,
    pub events: Vec<Ev>,
    pub failure_count: i32,
    pub ancestor: Option<Arc<str>>,
    /// Changes on every transition; timers carry the stamp they were armed for.
    pub stamp: u64,
    pub running_since: Option<i64>,
    pub pending_reason: Option<Box<str>>,
    /// The flapping penalty this task was throttled with (0 if none).
    pub penalty_ms: i64,
    /// How many of this task's nearest ancestors flapped in a row. Aurora derives a new task's
    /// penalty from its predecessor's ancestors only (RescheduleCalculator.getFlappingPenaltyMs),
    /// so the first crash of a fresh task is rescheduled PENDING and throttling starts at the
    /// second consecutive flap.
    pub flapped_ancestors: u32,
}

#[derive(Debug)]
pub struct CronJob {
    pub schedule: String,
    pub expr: CronExpr,
    pub policy: CronCollisionPolicy,
    pub instance_count: i32,
    pub config: ConfigRef,
    pub next_run_ms: Option<i64>,
    /// A run waiting for the previous run's tasks to be killed (KILL_EXISTING).
    pub run_waiting: bool,
}

#[derive(Debug)]
pub struct Job {
    pub key: JobKey,
    /// The active task of each instance (at most one per instance).
    pub active: BTreeMap<i32, TaskIdx>,
    /// Retained terminal tasks, oldest first.
    pub terminal: VecDeque<TaskIdx>,
    pub cron: Option<CronJob>,
    /// Updates of this job, oldest first.
    pub updates: Vec<UpdateIdx>,
    pub active_update: Option<UpdateIdx>,
    /// Every config this job has run, so equal configs share one allocation and behaviour.
    pub configs: Vec<ConfigRef>,
}

impl Job {
    pub fn task_indexes(&self) -> impl Iterator<Item = TaskIdx> + '_ {
        self.active
            .values()
            .copied()
            .chain(self.terminal.iter().copied())
    }
    pub fn has_tasks(&self) -> bool {
        !self.active.is_empty() || !self.terminal.is_empty()
    }
}

#[derive(Debug)]
pub struct Host {
    pub name: String,
    pub slave_id: String,
    pub rack: String,
    pub zone: String,
    pub dedicated: Option<String>,
    pub cap: ResourceTotals,
    pub used: ResourceTotals,
    pub mode: MaintenanceMode,
    /// Active tasks placed here.
    pub tasks: u32,
    pub next_port: i32,
}

impl Host {
    pub fn attribute(&self, name: &str) -> Option<&str> {
        match name {
            "host" => Some(&self.name),
            "rack" => Some(&self.rack),
            "zone" => Some(&self.zone),
            "dedicated" => self.dedicated.as_deref(),
            _ => None,
        }
    }
}

/// Where an instance should end up when an update is done with it.
#[derive(Clone, Debug)]
pub enum Target {
    Config(ConfigRef),
    Absent,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstState {
    Todo,
    Working,
    Done,
    Failed,
}

#[derive(Clone, Debug)]
pub struct InstProgress {
    pub target: Target,
    pub state: InstState,
    /// Failures of target-config tasks seen while this instance was worked on, since the
    /// update last moved into a rolling status (Aurora's per-instance `observedFailures`).
    pub failures: i32,
    /// The target-config task last seen for this instance: a different one means it ended.
    pub seen: Option<Arc<str>>,
}

impl InstProgress {
    pub fn new(target: Target) -> InstProgress {
        InstProgress {
            target,
            state: InstState::Todo,
            failures: 0,
            seen: None,
        }
    }
}

#[derive(Debug)]
pub struct Update {
    pub id: String,
    pub job: JobIdx,
    pub user: String,
    pub status: JobUpdateStatus,
    pub created_ms: i64,
    pub settings: JobUpdateSettings,
    pub metadata: Option<Vec<Metadata>>,
    pub desired: Option<(ConfigRef, Vec<i32>)>,
    pub initial: Vec<(ConfigRef, Vec<i32>)>,
    pub events: Vec<JobUpdateEvent>,
    pub instance_events: Vec<JobInstanceUpdateEvent>,
    pub seen_actions: BTreeSet<(i32, i32)>,
    /// Involved instances and their progress in the current direction.
    pub work: BTreeMap<i32, InstProgress>,
    /// Order in which instances are taken up (ascending forward, descending back).
    pub order: Vec<i32>,
    pub failed_instances: i32,
    pub batches_started: usize,
    pub last_pulse_ms: Option<i64>,
    /// The batch count at which the update last paused itself (autopauseAfterBatch).
    pub autopaused: Option<usize>,
}

impl Update {
    pub fn key(&self, job: &JobKey) -> JobUpdateKey {
        JobUpdateKey::new(job.clone(), &self.id)
    }
    pub fn last_modified(&self) -> i64 {
        let a = self.events.last().and_then(|e| e.timestamp_ms).unwrap_or(0);
        let b = self
            .instance_events
            .last()
            .and_then(|e| e.timestamp_ms)
            .unwrap_or(0);
        a.max(b).max(self.created_ms)
    }
    pub fn rolling_back(&self) -> bool {
        matches!(
            self.status,
            JobUpdateStatus::ROLLING_BACK
                | JobUpdateStatus::ROLL_BACK_PAUSED
                | JobUpdateStatus::ROLL_BACK_AWAITING_PULSE
        )
    }
    pub fn pulse_ms(&self) -> i32 {
        self.settings.block_if_no_pulses_after_ms.unwrap_or(0)
    }
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timer {
    pub due: i64,
    pub seq: u64,
    pub task: TaskIdx,
    pub stamp: u64,
}

/// Counters shown on `/vars`.
#[derive(Debug, Default)]
pub struct Stats {
    pub timed_out_tasks: u64,
    pub lost_tasks: u64,
    pub rescheduled: u64,
    pub api_calls: u64,
}

#[derive(Debug)]
pub struct State {
    pub cluster: String,
    pub now: i64,
    pub rng: SmallRng,
    pub tasks: Vec<Option<Task>>,
    free: Vec<TaskIdx>,
    pub by_id: FxHashMap<Arc<str>, TaskIdx>,
    pub jobs: Vec<Job>,
    pub job_index: BTreeMap<(String, String, String), JobIdx>,
    pub hosts: Vec<Host>,
    pub host_index: FxHashMap<String, HostIdx>,
    pub place_cursor: usize,
    pub updates: Vec<Option<Update>>,
    pub update_index: FxHashMap<String, UpdateIdx>,
    pub active_updates: BTreeSet<UpdateIdx>,
    pub cron_jobs: BTreeSet<JobIdx>,
    pub timers: BinaryHeap<Reverse<Timer>>,
    pub quotas: BTreeMap<String, ResourceTotals>,
    pub schedulers: Vec<String>,
    pub leader: u8,
    pub seq: u64,
    pub lost_per_hour: f64,
    pub stats: Stats,
}

impl State {
    pub fn new(cluster: &str, seed: u64, now: i64) -> State {
        State {
            cluster: cluster.to_owned(),
            now,
            rng: SmallRng::seed_from_u64(seed),
            tasks: Vec::new(),
            free: Vec::new(),
            by_id: FxHashMap::default(),
            jobs: Vec::new(),
            job_index: BTreeMap::new(),
            hosts: Vec::new(),
            host_index: FxHashMap::default(),
            place_cursor: 0,
            updates: Vec::new(),
            update_index: FxHashMap::default(),
            active_updates: BTreeSet::new(),
            cron_jobs: BTreeSet::new(),
            timers: BinaryHeap::new(),
            quotas: BTreeMap::new(),
            schedulers: vec![
                format!("aurora-scheduler-1.{cluster}.example.com"),
                format!("aurora-scheduler-2.{cluster}.example.com"),
                format!("aurora-scheduler-3.{cluster}.example.com"),
            ],
            leader: 0,
            seq: 0,
            lost_per_hour: 0.0,
            stats: Stats::default(),
        }
    }

    pub fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    pub fn rand_between(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            lo
        } else {
            self.rng.random_range(lo..=hi)
        }
    }

    pub fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && self.rng.random::<f64>() < p
    }

    pub fn uuid(&mut self) -> String {
        let v: u128 = self.rng.random();
        let h = format!("{v:032x}");
        format!(
            "{}-{}-4{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[13..16],
            &h[16..20],
            &h[20..32]
        )
    }

    // ---- tasks ----

    pub fn task(&self, t: TaskIdx) -> &Task {
        self.tasks[t as usize].as_ref().expect("live task index")
    }
    pub fn task_mut(&mut self, t: TaskIdx) -> &mut Task {
        self.tasks[t as usize].as_mut().expect("live task index")
    }
    pub fn task_exists(&self, t: TaskIdx) -> bool {
        self.tasks.get(t as usize).is_some_and(Option::is_some)
    }

    pub fn insert_task(&mut self, task: Task) -> TaskIdx {
        let id = task.id.clone();
        let idx = match self.free.pop() {
            Some(i) => {
                self.tasks[i as usize] = Some(task);
                i
            }
            None => {
                self.tasks.push(Some(task));
                (self.tasks.len() - 1) as TaskIdx
            }
        };
        self.by_id.insert(id, idx);
        idx
    }

    /// Removes a task record entirely (history pruning, or a kill of a task never placed).
    pub fn remove_task(&mut self, t: TaskIdx) {
        if let Some(task) = self.tasks[t as usize].take() {
            self.by_id.remove(&task.id);
            let job = &mut self.jobs[task.job as usize];
            if job.active.get(&task.instance) == Some(&t) {
                job.active.remove(&task.instance);
            }
            if let Some(p) = job.terminal.iter().position(|&x| x == t) {
                job.terminal.remove(p);
            }
            self.free.push(t);
        }
    }

    pub fn new_task_id(&mut self, job: JobIdx, instance: i32) -> Arc<str> {
        let u = self.uuid();
        let k = &self.jobs[job as usize].key;
        Arc::from(format!(
            "{}-{}-{}-{instance}-{u}",
            k.role(),
            k.environment(),
            k.name()
        ))
    }

    pub fn arm(&mut self, t: TaskIdx, due: i64) {
        let stamp = self.task(t).stamp;
        let seq = self.next_seq();
        self.timers.push(Reverse(Timer {
            due,
            seq,
            task: t,
            stamp,
        }));
    }

    // ---- jobs ----

    pub fn job_idx(&self, key: &JobKey) -> Option<JobIdx> {
        self.job_index
            .get(&(
                key.role().to_owned(),
                key.environment().to_owned(),
                key.name().to_owned(),
            ))
            .copied()
    }

    pub fn job_or_create(&mut self, key: &JobKey) -> JobIdx {
        if let Some(j) = self.job_idx(key) {
            return j;
        }
        let idx = self.jobs.len() as JobIdx;
        self.jobs.push(Job {
            key: JobKey::new(key.role(), key.environment(), key.name()),
            active: BTreeMap::new(),
            terminal: VecDeque::new(),
            cron: None,
            updates: Vec::new(),
            active_update: None,
            configs: Vec::new(),
        });
        self.job_index.insert(
            (
                key.role().to_owned(),
                key.environment().to_owned(),
                key.name().to_owned(),
            ),
            idx,
        );
        idx
    }

    /// Jobs of one role (or all, for `None`), in key order.
    pub fn jobs_of(&self, role: Option<&str>) -> Vec<JobIdx> {
        match role {
            None => self.job_index.values().copied().collect(),
            Some(r) => self
                .job_index
                .range((r.to_owned(), String::new(), String::new())..)
                .take_while(|((role, _, _), _)| role == r)
                .map(|(_, &j)| j)
                .collect(),
        }
    }

    /// The shared config for a TaskConfig of this job: an existing equal one, or a new one.
    pub fn intern_config(&mut self, job: JobIdx, tc: TaskConfig, behavior: Behavior) -> ConfigRef {
        if let Some(c) = self.jobs[job as usize]
            .configs
            .iter()
            .find(|c| *c.full == tc)
        {
            return c.clone();
        }
        let c = Config::new(tc, behavior);
        self.jobs[job as usize].configs.push(c.clone());
        c
    }

    pub fn host_idx(&self, name: &str) -> Option<HostIdx> {
        self.host_index.get(name).copied()
    }

    pub fn scheduler_name(&self) -> &str {
        &self.schedulers[self.leader as usize]
    }

    // ---- converting to the wire model ----

    pub fn scheduled_task(&self, t: TaskIdx, strip: bool) -> ScheduledTask {
        let task = self.task(t);
        let host = task.host.map(|h| &self.hosts[h as usize]);
        let ports: BTreeMap<String, i32> = task
            .config
            .ports
            .iter()
            .cloned()
            .zip(task.ports.iter().copied())
            .collect();
        ScheduledTask {
            assigned_task: Some(AssignedTask {
                task_id: Some(task.id.to_string()),
                slave_id: host.map(|h| h.slave_id.clone()),
                slave_host: host.map(|h| h.name.clone()),
                task: Some(if strip {
                    task.config.stripped.clone()
                } else {
                    task.config.full.clone()
                }),
                assigned_ports: Some(ports),
                instance_id: Some(task.instance),
            }),
            status: Some(task.status),
            failure_count: Some(task.failure_count),
            task_events: Some(
                task.events
                    .iter()
                    .map(|e| TaskEvent {
                        timestamp: Some(e.ts),
                        status: Some(e.status),
                        message: e.msg.as_ref().map(|m| m.to_string()),
                        scheduler: Some(self.schedulers[e.scheduler as usize].clone()),
                    })
                    .collect(),
            ),
            ancestor_id: task.ancestor.as_ref().map(|a| a.to_string()),
            times_partitioned: Some(0),
        }
    }
}
