//! The task state machine (aurora-api.md §5.1): placement on hosts, PENDING → ASSIGNED →
//! STARTING → RUNNING, failures and reschedules with `ancestorId` and `failureCount`, flapping
//! penalties (THROTTLED), kills, restarts, drains, LOST tasks, history retention; and the tick
//! that drives it all from a timer queue so that only tasks with due transitions are touched.

use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::BTreeSet;

use rustc_hash::FxHashMap;

use super::state::*;
use crate::aurora::model::*;

/// Status that means "placed on an agent" (IDL `SLAVE_ASSIGNED_STATES`).
pub fn on_agent(s: ScheduleStatus) -> bool {
    matches!(
        s,
        ScheduleStatus::ASSIGNED
            | ScheduleStatus::STARTING
            | ScheduleStatus::RUNNING
            | ScheduleStatus::KILLING
            | ScheduleStatus::RESTARTING
            | ScheduleStatus::DRAINING
            | ScheduleStatus::PREEMPTING
            | ScheduleStatus::PARTITIONED
    )
}

/// Statuses a user or operator action is tearing down: Aurora's INTERRUPTED_TASK_STATES
/// (RescheduleCalculator), which leave PREEMPTING out, so a preempted task can count as flapping.
fn interrupted(s: ScheduleStatus) -> bool {
    matches!(
        s,
        ScheduleStatus::KILLING | ScheduleStatus::RESTARTING | ScheduleStatus::DRAINING
    )
}

/// TaskTimeout.TRANSIENT_STATES.
fn transient(s: ScheduleStatus) -> bool {
    matches!(
        s,
        ScheduleStatus::ASSIGNED
            | ScheduleStatus::PREEMPTING
            | ScheduleStatus::RESTARTING
            | ScheduleStatus::KILLING
            | ScheduleStatus::DRAINING
    )
}

/// Whether Aurora's task state machine (TaskStateMachine's rules) allows `from` → `to`.
/// forceTaskState goes through it, so an illegal forced transition is ignored.
pub fn legal_transition(from: ScheduleStatus, to: ScheduleStatus) -> bool {
    type S = ScheduleStatus;
    let allowed: &[ScheduleStatus] = match from {
        S::INIT => &[S::PENDING, S::THROTTLED],
        S::PENDING => &[S::ASSIGNED, S::KILLING],
        S::THROTTLED => &[S::PENDING, S::KILLING],
        S::PARTITIONED => &[
            S::LOST,
            S::FAILED,
            S::FINISHED,
            S::RUNNING,
            S::ASSIGNED,
            S::STARTING,
            S::RESTARTING,
            S::DRAINING,
            S::PREEMPTING,
            S::KILLING,
        ],
        S::ASSIGNED => &[
            S::STARTING,
            S::RUNNING,
            S::FINISHED,
            S::FAILED,
            S::RESTARTING,
            S::DRAINING,
            S::KILLED,
            S::KILLING,
            S::LOST,
            S::PREEMPTING,
        ],
        S::STARTING => &[
            S::RUNNING,
            S::FINISHED,
            S::FAILED,
            S::RESTARTING,
            S::DRAINING,
            S::KILLING,
            S::KILLED,
            S::LOST,
            S::PREEMPTING,
            S::PARTITIONED,
        ],
        S::RUNNING => &[
            S::FINISHED,
            S::RESTARTING,
            S::DRAINING,
            S::FAILED,
            S::KILLING,
            S::KILLED,
            S::LOST,
            S::PREEMPTING,
            S::PARTITIONED,
        ],
        S::PREEMPTING | S::RESTARTING | S::DRAINING => &[
            S::FINISHED,
            S::FAILED,
            S::KILLING,
            S::KILLED,
            S::LOST,
            S::PARTITIONED,
        ],
        S::KILLING => &[S::FINISHED, S::FAILED, S::KILLED, S::LOST, S::PARTITIONED],
        _ => &[],
    };
    allowed.contains(&to)
}

/// Aurora's truncated binary backoff applied once per flapped ancestor: 0, initial, doubling,
/// up to the maximum.
fn flapping_penalty_ms(flapped_ancestors: u32) -> i64 {
    let mut penalty = 0;
    for _ in 0..flapped_ancestors {
        let next = if penalty == 0 {
            INITIAL_PENALTY_MS
        } else {
            (penalty * 2).min(MAX_PENALTY_MS)
        };
        if next == penalty {
            break;
        }
        penalty = next;
    }
    penalty
}

/// Why a placement attempt failed: the nearest fit's veto reasons.
fn veto_reason(vetoes: &[String]) -> String {
    // ReadOnlySchedulerImpl joins the vetoes with "," and no space.
    vetoes.join(",")
}

impl State {
    /// Creates a task in PENDING (or THROTTLED with a penalty) for an instance of a job.
    pub fn create_task(
        &mut self,
        job: JobIdx,
        instance: i32,
        config: ConfigRef,
        ancestor: Option<&Task>,
        failure_count: i32,
        penalty_ms: i64,
    ) -> TaskIdx {
        let id = self.new_task_id(job, instance);
        let stamp = self.next_seq();
        let (status, msg): (ScheduleStatus, Option<Cow<'static, str>>) = if penalty_ms > 0 {
            (
                ScheduleStatus::THROTTLED,
                Some(Cow::Owned(format!(
                    "Rescheduled, penalized for {penalty_ms} ms for flapping"
                ))),
            )
        } else if ancestor.is_some() {
            // StateManagerImpl's audit text for a reschedule without a penalty.
            (ScheduleStatus::PENDING, Some(Cow::Borrowed("Rescheduled")))
        } else {
            (ScheduleStatus::PENDING, None)
        };
        let task = Task {
            id,
            job,
            instance,
            status,
            config,
            host: None,
            ports: Vec::new(),
            events: vec![Ev {
                ts: self.now,
                status,
                msg,
                scheduler: self.leader,
            }],
            failure_count,
            ancestor: ancestor.map(|a| a.id.clone()),
            stamp,
            running_since: None,
            pending_reason: None,
            penalty_ms,
            flapped_ancestors: 0,
        };
        let t = self.insert_task(task);
        if let Some(old) = self.jobs[job as usize].active.insert(instance, t) {
            // Never two active tasks for one instance: the caller made sure the old one is gone.
            debug_assert!(false, "instance {instance} already had active task {old}");
        }
        let due = if penalty_ms > 0 {
            self.now + penalty_ms
        } else {
            self.now + self.rand_between(500, 2000)
        };
        self.arm(t, due);
        t
    }

    /// Moves a task to a new status, recording the event and arming its next timer.
    pub fn transition(&mut self, t: TaskIdx, to: ScheduleStatus, msg: Option<Cow<'static, str>>) {
        let now = self.now;
        let leader = self.leader;
        let stamp = self.next_seq();
        let from;
        {
            let task = self.task_mut(t);
            from = task.status;
            task.status = to;
            task.stamp = stamp;
            task.events.push(Ev {
                ts: now,
                status: to,
                msg,
                scheduler: leader,
            });
            if to == ScheduleStatus::RUNNING {
                task.running_since = Some(now);
            }
            if to != ScheduleStatus::PENDING {
                task.pending_reason = None;
            }
        }
        let behavior = self.task(t).config.behavior;
        // Without an agent nothing answers for a task in a transient state: only Aurora's
        // TaskTimeout (default -transient_task_state_timeout, 5 minutes) moves it on.
        let stuck = transient(to) && self.task(t).host.is_none();
        let due = match to {
            _ if stuck => Some(TRANSIENT_TIMEOUT_MS),
            ScheduleStatus::PENDING => Some(self.rand_between(500, 2000)),
            ScheduleStatus::THROTTLED => Some(self.task(t).penalty_ms.max(1000)),
            ScheduleStatus::ASSIGNED => Some(self.rand_between(800, 2500)),
            ScheduleStatus::STARTING => Some(match behavior {
                Behavior::SlowStart => self.rand_between(60_000, 120_000),
                _ => self.rand_between(3_000, 8_000),
            }),
            ScheduleStatus::RUNNING => match behavior {
                Behavior::Crash => Some(self.rand_between(15_000, 50_000)),
                Behavior::Finish => Some(self.rand_between(120_000, 600_000)),
                _ => None,
            },
            s if interrupted(s) || s == ScheduleStatus::PREEMPTING => {
                Some(self.rand_between(2_000, 5_000))
            }
            _ => None,
        };
        if let Some(d) = due {
            self.arm(t, now + d);
        }
        if to.is_terminal() {
            self.on_terminal(t, from);
        }
    }

    fn release_host(&mut self, t: TaskIdx) {
        let (host, need) = {
            let task = self.task(t);
            (task.host, task.config.need)
        };
        if let Some(h) = host {
            let host = &mut self.hosts[h as usize];
            host.used.cpus = (host.used.cpus - need.cpus).max(0.0);
            host.used.ram_mb -= need.ram_mb;
            host.used.disk_mb -= need.disk_mb;
            host.tasks = host.tasks.saturating_sub(1);
            if host.tasks == 0 && host.mode == MaintenanceMode::DRAINING {
                host.mode = MaintenanceMode::DRAINED;
            }
        }
    }

    /// Side effects of reaching a terminal state: free the host, keep history, reschedule.
    fn on_terminal(&mut self, t: TaskIdx, from: ScheduleStatus) {
        if on_agent(from) {
            self.release_host(t);
        }
        let (job, instance, to, failure_count, ran_ms, config, was_interrupted, flapped_before) = {
            let task = self.task(t);
            let end = task.events.last().map(|e| e.ts).unwrap_or(self.now);
            (
                task.job,
                task.instance,
                task.status,
                task.failure_count,
                task.running_since.map(|r| end - r),
                task.config.clone(),
                // Aurora looks for an interrupting status anywhere in the task's events.
                task.events.iter().any(|e| interrupted(e.status)),
                task.flapped_ancestors,
            )
        };
        let jobm = &mut self.jobs[job as usize];
        if jobm.active.get(&instance) == Some(&t) {
            jobm.active.remove(&instance);
        }
        jobm.terminal.push_back(t);
        while self.jobs[job as usize].terminal.len() > MAX_TERMINAL_PER_JOB {
            let oldest = self.jobs[job as usize].terminal[0];
            self.remove_task(oldest);
        }

        let failed = to == ScheduleStatus::FAILED;
        let new_failures = failure_count + i32::from(failed);
        let reschedule = match from {
            ScheduleStatus::KILLING => false,
            ScheduleStatus::RESTARTING | ScheduleStatus::DRAINING | ScheduleStatus::PREEMPTING => {
                true
            }
            _ => match to {
                ScheduleStatus::FINISHED => config.is_service,
                ScheduleStatus::FAILED => {
                    config.is_service
                        || config.max_task_failures == -1
                        || new_failures < config.max_task_failures
                }
                ScheduleStatus::LOST | ScheduleStatus::KILLED => true,
                _ => false,
            },
        };
        if !reschedule || self.jobs[job as usize].active.contains_key(&instance) {
            return;
        }
        // Flapping: a task that did not run long enough (and was not interrupted by a user
        // or operator). The replacement's penalty counts the flaps of this task's ancestors,
        // not this one's (RescheduleCalculator.getFlappingPenaltyMs), so a first crash comes
        // back PENDING "Rescheduled" and THROTTLED starts at the second flap in a row.
        let flapped = !was_interrupted && ran_ms.is_none_or(|ms| ms < FLAPPING_THRESHOLD_MS);
        let penalty = flapping_penalty_ms(flapped_before);
        self.stats.rescheduled += 1;
        let old = self.tasks[t as usize].take().expect("live task");
        let new = self.create_task(job, instance, config, Some(&old), new_failures, penalty);
        self.tasks[t as usize] = Some(old);
        self.task_mut(new).flapped_ancestors = if flapped { flapped_before + 1 } else { 0 };
    }

    /// A user kill: PENDING/THROTTLED tasks are deleted outright, others go to KILLING.
    pub fn kill_task(&mut self, t: TaskIdx, msg: String) {
        match self.task(t).status {
            ScheduleStatus::PENDING | ScheduleStatus::THROTTLED | ScheduleStatus::INIT => {
                self.remove_task(t)
            }
            s if s.is_terminal() || s == ScheduleStatus::KILLING => {}
            _ => self.transition(t, ScheduleStatus::KILLING, Some(Cow::Owned(msg))),
        }
    }

    /// Finds a host for a task: `Ok(host)` or `Err(reason)` from the nearest fit.
    pub fn find_host(&mut self, t: TaskIdx) -> std::result::Result<HostIdx, String> {
        let (job, config) = {
            let task = self.task(t);
            (task.job, task.config.clone())
        };
        let constraints = config.full.constraints.clone().unwrap_or_default();
        // Per-attribute counts of this job's placed tasks, for limit constraints.
        let mut limit_counts: FxHashMap<(String, String), i32> = FxHashMap::default();
        let has_limits = constraints
            .iter()
            .any(|c| matches!(c.constraint, Some(TaskConstraint::Limit(_))));
        if has_limits {
            for &o in self.jobs[job as usize].active.values() {
                if let Some(h) = self.task(o).host {
                    for c in &constraints {
                        let name = c.name.clone().unwrap_or_default();
                        if let Some(v) = self.hosts[h as usize].attribute(&name) {
                            *limit_counts.entry((name, v.to_owned())).or_default() += 1;
                        }
                    }
                }
            }
        }
        let n = self.hosts.len();
        if n == 0 {
            return Err("No hosts available".to_owned());
        }
        let mut best: Option<(usize, Vec<String>)> = None;
        let mut fallback_scheduled: Option<HostIdx> = None;
        let start = self.place_cursor % n;
        for k in 0..n {
            let hi = (start + k) % n;
            let h = &self.hosts[hi];
            let mut vetoes: Vec<String> = Vec::new();
            let mut severity = 0usize;
            if matches!(h.mode, MaintenanceMode::DRAINING | MaintenanceMode::DRAINED) {
                vetoes.push(format!("Host {} for maintenance", h.mode));
                severity += 100;
            }
            if h.dedicated.is_some() && !config.dedicated {
                vetoes.push("Host is dedicated".to_owned());
                severity += 100;
            }
            for c in &constraints {
                let name = c.name.as_deref().unwrap_or("");
                match &c.constraint {
                    Some(TaskConstraint::Value(v)) => {
                        let values = v.values.as_deref().unwrap_or(&[]);
                        let has = h
                            .attribute(name)
                            .is_some_and(|a| values.iter().any(|x| x == a));
                        if has == v.negated.unwrap_or(false) {
                            vetoes.push(format!("Constraint not satisfied: {name}"));
                            severity += 100;
                        }
                    }
                    Some(TaskConstraint::Limit(l)) => {
                        let count = h
                            .attribute(name)
                            .and_then(|a| limit_counts.get(&(name.to_owned(), a.to_owned())))
                            .copied()
                            .unwrap_or(0);
                        if count >= l.limit.unwrap_or(0) {
                            vetoes.push(format!("Limit not satisfied: {name}"));
                            severity += 50;
                        }
                    }
                    _ => {}
                }
            }
            let free_cpu = h.cap.cpus - h.used.cpus;
            if free_cpu + 1e-9 < config.need.cpus {
                vetoes.push("Insufficient: CPU".to_owned());
                severity += 1;
            }
            if h.cap.ram_mb - h.used.ram_mb < config.need.ram_mb {
                vetoes.push("Insufficient: RAM".to_owned());
                severity += 1;
            }
            if h.cap.disk_mb - h.used.disk_mb < config.need.disk_mb {
                vetoes.push("Insufficient: disk".to_owned());
                severity += 1;
            }
            if vetoes.is_empty() {
                if h.mode == MaintenanceMode::SCHEDULED {
                    // Avoided while any other host fits.
                    fallback_scheduled.get_or_insert(hi as HostIdx);
                    continue;
                }
                self.place_cursor = hi + 1;
                return Ok(hi as HostIdx);
            }
            if best.as_ref().is_none_or(|(s, _)| severity < *s) {
                best = Some((severity, vetoes));
            }
        }
        if let Some(h) = fallback_scheduled {
            return Ok(h);
        }
        Err(best.map(|(_, v)| veto_reason(&v)).unwrap_or_default())
    }

    /// Puts a task on a host: resources, ports, ASSIGNED.
    pub fn assign(&mut self, t: TaskIdx, h: HostIdx) {
        self.occupy(t, h);
        self.transition(t, ScheduleStatus::ASSIGNED, None);
    }

    /// Reserves a host's resources and ports for a task, without changing its status (world
    /// generation uses it to place tasks that have been running since before the clock started).
    pub fn occupy(&mut self, t: TaskIdx, h: HostIdx) {
        let need = self.task(t).config.need;
        let nports = self.task(t).config.ports.len();
        let host = &mut self.hosts[h as usize];
        host.used.cpus += need.cpus;
        host.used.ram_mb += need.ram_mb;
        host.used.disk_mb += need.disk_mb;
        host.tasks += 1;
        let mut ports = Vec::with_capacity(nports);
        for _ in 0..nports {
            ports.push(31000 + host.next_port % 1000);
            host.next_port += 7;
        }
        let task = self.task_mut(t);
        task.host = Some(h);
        task.ports = ports;
    }

    /// Puts hosts into DRAINING and moves the tasks on them that nothing is tearing down yet to
    /// DRAINING; a host with no tasks left is DRAINED at once.
    pub fn drain_hosts(&mut self, hosts: &BTreeSet<HostIdx>) {
        for &h in hosts {
            self.hosts[h as usize].mode = MaintenanceMode::DRAINING;
        }
        let victims: Vec<TaskIdx> = self
            .tasks
            .iter()
            .enumerate()
            .filter_map(|(i, t)| t.as_ref().map(|t| (i as TaskIdx, t)))
            .filter(|(_, task)| {
                task.host.is_some_and(|h| hosts.contains(&h))
                    && on_agent(task.status)
                    && !matches!(
                        task.status,
                        ScheduleStatus::KILLING
                            | ScheduleStatus::DRAINING
                            | ScheduleStatus::RESTARTING
                    )
            })
            .map(|(i, _)| i)
            .collect();
        for t in victims {
            self.transition(
                t,
                ScheduleStatus::DRAINING,
                Some(Cow::Borrowed("Draining machine for maintenance.")),
            );
        }
        for &h in hosts {
            let host = &mut self.hosts[h as usize];
            if host.tasks == 0 {
                host.mode = MaintenanceMode::DRAINED;
            }
        }
    }

    /// A timer fired for a task that has not changed since it was armed.
    fn fire(&mut self, t: TaskIdx) {
        let status = self.task(t).status;
        if transient(status) && self.task(t).host.is_none() {
            return self.time_out(t);
        }
        let behavior = self.task(t).config.behavior;
        match status {
            ScheduleStatus::THROTTLED => self.transition(t, ScheduleStatus::PENDING, None),
            ScheduleStatus::PENDING => match self.find_host(t) {
                Ok(h) => self.assign(t, h),
                Err(reason) => {
                    self.task_mut(t).pending_reason = Some(reason.into_boxed_str());
                    let retry = self.now + self.rand_between(10_000, 20_000);
                    self.arm(t, retry);
                }
            },
            ScheduleStatus::ASSIGNED => self.transition(
                t,
                ScheduleStatus::STARTING,
                Some(Cow::Borrowed("Initializing sandbox.")),
            ),
            ScheduleStatus::STARTING => self.transition(t, ScheduleStatus::RUNNING, None),
            ScheduleStatus::RUNNING => match behavior {
                Behavior::Crash => {
                    let code = [1, 1, 2, 137][self.rand_between(0, 3) as usize];
                    self.transition(
                        t,
                        ScheduleStatus::FAILED,
                        Some(Cow::Owned(format!(
                            "Task failed: process 'server' exited with status {code}"
                        ))),
                    )
                }
                Behavior::Finish => self.transition(
                    t,
                    ScheduleStatus::FINISHED,
                    Some(Cow::Borrowed("Task finished successfully.")),
                ),
                _ => {}
            },
            s if interrupted(s) || s == ScheduleStatus::PREEMPTING => {
                self.transition(t, ScheduleStatus::KILLED, None)
            }
            _ => {}
        }
    }

    /// Aurora's TaskTimeout: a task left in a transient state with no agent to answer (only
    /// a forced transition does that here) is moved to LOST once the timeout passes.
    fn time_out(&mut self, t: TaskIdx) {
        self.stats.timed_out_tasks += 1;
        self.transition(
            t,
            ScheduleStatus::LOST,
            Some(Cow::Borrowed("Task timed out")),
        );
    }

    /// Runs every timer due at or before `until`, each at its own time.
    fn run_timers(&mut self, until: i64) {
        while let Some(Reverse(top)) = self.timers.peek() {
            if top.due > until {
                break;
            }
            let Reverse(timer) = self.timers.pop().expect("peeked");
            if !self.task_exists(timer.task) || self.task(timer.task).stamp != timer.stamp {
                continue;
            }
            self.now = self.now.max(timer.due);
            self.fire(timer.task);
        }
    }

    /// Now and then a running task is lost with its agent's connection.
    fn maybe_lose_tasks(&mut self, dt_ms: i64) {
        if self.lost_per_hour <= 0.0 || self.tasks.is_empty() {
            return;
        }
        let p = self.lost_per_hour * dt_ms as f64 / 3_600_000.0;
        if !self.chance(p) {
            return;
        }
        for _ in 0..16 {
            let i = self.rand_between(0, self.tasks.len() as i64 - 1) as TaskIdx;
            let ok = self.tasks[i as usize]
                .as_ref()
                .is_some_and(|t| t.status == ScheduleStatus::RUNNING);
            if ok {
                self.stats.lost_tasks += 1;
                let host = self
                    .task(i)
                    .host
                    .map(|h| self.hosts[h as usize].name.clone());
                self.transition(
                    i,
                    ScheduleStatus::LOST,
                    Some(Cow::Owned(format!(
                        "Agent {} was removed: health check timed out",
                        host.unwrap_or_default()
                    ))),
                );
                return;
            }
        }
    }

    /// Advances the simulation to `target`, in steps of at most a second of simulated time.
    pub fn advance_to(&mut self, target: i64) {
        while self.now < target {
            let step_end = (self.now + 1000).min(target);
            let dt = step_end - self.now;
            self.step(step_end, dt);
        }
        self.step(target, 0);
    }

    /// One tick: due task transitions, cron runs, lost tasks, then active updates.
    pub fn step(&mut self, until: i64, dt: i64) {
        self.run_timers(until);
        self.now = until;
        self.run_crons();
        if dt > 0 {
            self.maybe_lose_tasks(dt);
        }
        self.evaluate_updates();
    }
}
