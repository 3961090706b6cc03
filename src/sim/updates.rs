//! Job updates (aurora-api.md §5.4, §5.5): which instances change, batches by strategy,
//! health watching (`minWaitInInstanceRunningMs`), failure thresholds and rollback, pause /
//! resume / abort, pulses, instance and update events, finished-update history.

use std::collections::{BTreeMap, BTreeSet};

use super::state::*;
use crate::aurora::model::*;

pub const PULSE_TIMEOUT_MESSAGE: &str = "Pulses from external service have timed out.";

/// How the instances of a job compare with a proposed update.
#[derive(Debug, Default)]
pub struct Diff {
    pub add: Vec<i32>,
    pub remove: Vec<(i32, ConfigRef)>,
    pub update: Vec<(i32, ConfigRef)>,
    pub unchanged: Vec<(i32, ConfigRef)>,
}

/// The effective batching of an update, after back-filling from the deprecated fields.
#[derive(Clone, Debug, PartialEq)]
pub enum Strategy {
    Queue(i32),
    Batch(Vec<i32>, bool),
}

pub fn strategy_of(s: &JobUpdateSettings) -> Option<Strategy> {
    match &s.update_strategy {
        Some(JobUpdateStrategy::Queue(q)) => Some(Strategy::Queue(q.group_size.unwrap_or(0))),
        Some(JobUpdateStrategy::Batch(b)) => Some(Strategy::Batch(
            vec![b.group_size.unwrap_or(0)],
            b.autopause_after_batch.unwrap_or(false),
        )),
        Some(JobUpdateStrategy::VarBatch(v)) => Some(Strategy::Batch(
            v.group_sizes.clone().unwrap_or_default(),
            v.autopause_after_batch.unwrap_or(false),
        )),
        Some(JobUpdateStrategy::Unknown(_)) => None,
        None => {
            let g = s.update_group_size.unwrap_or(0);
            if s.wait_for_batch_completion.unwrap_or(false) {
                Some(Strategy::Batch(vec![g], false))
            } else {
                Some(Strategy::Queue(g))
            }
        }
    }
}

/// The next rollback batch of a variable-batch update, as Aurora's VariableBatchStrategy
/// computes it from the instances left to revert: the forward group sizes replayed in reverse
/// (a forward run of 1, 2 and part of 3 rolls back as that part, then 2, then 1).
fn variable_rollback_batch(sizes: &[i32], remaining: usize) -> usize {
    let mut left = remaining as i64;
    for &g in sizes {
        let g = i64::from(g.max(1));
        if left <= g {
            return left.max(1) as usize;
        }
        left -= g;
    }
    let last = i64::from(sizes.last().copied().unwrap_or(1).max(1));
    match left % last {
        0 => last as usize,
        r => r as usize,
    }
}

fn group_configs(items: &[(i32, ConfigRef)]) -> Vec<(ConfigRef, Vec<i32>)> {
    let mut out: Vec<(ConfigRef, Vec<i32>)> = Vec::new();
    for (i, c) in items {
        match out.iter_mut().find(|(k, _)| Config::same(k, c)) {
            Some((_, v)) => v.push(*i),
            None => out.push((c.clone(), vec![*i])),
        }
    }
    out
}

pub fn instance_task_config(c: &ConfigRef, ids: &[i32]) -> InstanceTaskConfig {
    InstanceTaskConfig {
        task: Some((*c.full).clone()),
        instances: Some(ranges_of(ids.iter().copied())),
    }
}

enum Outcome {
    Working,
    Done,
    Failed,
}

/// An update's instructions as Aurora builds them (SchedulerThriftInterface.startJobUpdate):
/// the initial state holds the replaced instances (changed and removed) with their configs; the
/// desired state holds only the added and changed instances, and is unset when there are none.
#[allow(clippy::type_complexity)]
pub fn instructions(
    diff: &Diff,
    desired: &ConfigRef,
) -> (Vec<(ConfigRef, Vec<i32>)>, Option<(ConfigRef, Vec<i32>)>) {
    let mut replaced: Vec<(i32, ConfigRef)> = diff.update.clone();
    replaced.extend(diff.remove.iter().cloned());
    replaced.sort_by_key(|(i, _)| *i);
    let mut replacements: Vec<i32> = diff.add.clone();
    replacements.extend(diff.update.iter().map(|(i, _)| *i));
    replacements.sort_unstable();
    let desired_state = (!replacements.is_empty()).then(|| (desired.clone(), replacements));
    (group_configs(&replaced), desired_state)
}

impl Diff {
    /// Nothing to add, change or remove: Aurora's "Job is unchanged by proposed update."
    pub fn is_noop(&self) -> bool {
        self.add.is_empty() && self.update.is_empty() && self.remove.is_empty()
    }
}

impl State {
    pub fn upd(&self, u: UpdateIdx) -> &Update {
        self.updates[u as usize].as_ref().expect("live update")
    }
    pub fn upd_mut(&mut self, u: UpdateIdx) -> &mut Update {
        self.updates[u as usize].as_mut().expect("live update")
    }
    pub fn find_update(&self, key: &JobUpdateKey) -> Option<UpdateIdx> {
        let u = *self.update_index.get(key.id.as_deref()?)?;
        let job = self.job_idx(key.job.as_ref()?)?;
        (self.upd(u).job == job).then_some(u)
    }

    /// Compares the job's active instances with `count` instances of `desired`; instances
    /// outside `scope` (when given) are left alone and reported unchanged.
    pub fn classify(
        &self,
        job: JobIdx,
        desired: &ConfigRef,
        count: i32,
        scope: Option<&BTreeSet<i32>>,
    ) -> Diff {
        let mut d = Diff::default();
        let in_scope = |i: i32| scope.is_none_or(|s| s.contains(&i));
        let active = &self.jobs[job as usize].active;
        for i in 0..count {
            match active.get(&i) {
                None if in_scope(i) => d.add.push(i),
                None => {}
                Some(&t) => {
                    let c = self.task(t).config.clone();
                    if Config::same(&c, desired) || !in_scope(i) {
                        d.unchanged.push((i, c));
                    } else {
                        d.update.push((i, c));
                    }
                }
            }
        }
        for (&i, &t) in active.range(count..) {
            let c = self.task(t).config.clone();
            if in_scope(i) {
                d.remove.push((i, c));
            } else {
                d.unchanged.push((i, c));
            }
        }
        d
    }

    /// Creates an update and starts it; `None` when it would change nothing.
    #[allow(clippy::too_many_arguments)]
    pub fn create_update(
        &mut self,
        job: JobIdx,
        desired: ConfigRef,
        count: i32,
        settings: JobUpdateSettings,
        scope: Option<BTreeSet<i32>>,
        user: &str,
        message: Option<String>,
        metadata: Option<Vec<Metadata>>,
    ) -> Option<UpdateIdx> {
        let diff = self.classify(job, &desired, count, scope.as_ref());
        let mut work = BTreeMap::new();
        for &i in &diff.add {
            work.insert(i, InstProgress::new(Target::Config(desired.clone())));
        }
        for (i, _) in &diff.update {
            work.insert(*i, InstProgress::new(Target::Config(desired.clone())));
        }
        for (i, _) in &diff.remove {
            work.insert(*i, InstProgress::new(Target::Absent));
        }
        if work.is_empty() {
            return None;
        }
        let (initial, desired_state) = instructions(&diff, &desired);
        let id = self.uuid();
        let coordinated = settings.block_if_no_pulses_after_ms.unwrap_or(0) > 0;
        let status = if coordinated {
            JobUpdateStatus::ROLL_FORWARD_AWAITING_PULSE
        } else {
            JobUpdateStatus::ROLLING_FORWARD
        };
        // Aurora's UpdateFactory: added instances first, then changed, then removed, each group
        // in id order (a rollback takes them in exactly the reverse order).
        let order: Vec<i32> = diff
            .add
            .iter()
            .copied()
            .chain(diff.update.iter().map(|(i, _)| *i))
            .chain(diff.remove.iter().map(|(i, _)| *i))
            .collect();
        let update = Update {
            id: id.clone(),
            job,
            user: user.to_owned(),
            status,
            created_ms: self.now,
            settings,
            metadata,
            desired: desired_state,
            initial,
            events: vec![JobUpdateEvent {
                status: Some(status),
                timestamp_ms: Some(self.now),
                user: Some(user.to_owned()),
                message,
            }],
            instance_events: Vec::new(),
            seen_actions: BTreeSet::new(),
            work,
            order,
            failed_instances: 0,
            batches_started: 0,
            last_pulse_ms: None,
            autopaused: None,
        };
        let u = self.updates.len() as UpdateIdx;
        self.updates.push(Some(update));
        self.update_index.insert(id, u);
        self.active_updates.insert(u);
        let j = &mut self.jobs[job as usize];
        j.updates.push(u);
        j.active_update = Some(u);
        self.evaluate_update(u);
        Some(u)
    }

    /// Records a status change of an update (and retires it when terminal).
    pub fn set_update_status(
        &mut self,
        u: UpdateIdx,
        status: JobUpdateStatus,
        user: Option<&str>,
        message: Option<String>,
    ) {
        let now = self.now;
        let upd = self.upd_mut(u);
        // Aurora rebuilds its updater whenever an update moves into ROLLING_FORWARD or
        // ROLLING_BACK (JobUpdateControllerImpl, UpdateFactory): a resume or an unblocking pulse
        // forgets the failures seen so far, and failed instances are evaluated again.
        let rolling = matches!(
            status,
            JobUpdateStatus::ROLLING_FORWARD | JobUpdateStatus::ROLLING_BACK
        );
        if rolling && upd.status != status {
            upd.failed_instances = 0;
            for p in upd.work.values_mut() {
                p.failures = 0;
                p.seen = None;
                if p.state == InstState::Failed {
                    p.state = InstState::Todo;
                }
            }
        }
        upd.status = status;
        upd.events.push(JobUpdateEvent {
            status: Some(status),
            timestamp_ms: Some(now),
            user: user.map(str::to_owned),
            message,
        });
        if !status.is_active() {
            let job = upd.job;
            self.active_updates.remove(&u);
            if self.jobs[job as usize].active_update == Some(u) {
                self.jobs[job as usize].active_update = None;
            }
            // Keep at most ten finished updates per job.
            let finished: Vec<UpdateIdx> = self.jobs[job as usize]
                .updates
                .iter()
                .copied()
                .filter(|&x| {
                    self.updates[x as usize]
                        .as_ref()
                        .is_some_and(|up| !up.status.is_active())
                })
                .collect();
            if finished.len() > MAX_FINISHED_UPDATES_PER_JOB {
                let drop_n = finished.len() - MAX_FINISHED_UPDATES_PER_JOB;
                for &x in &finished[..drop_n] {
                    self.jobs[job as usize].updates.retain(|&y| y != x);
                    if let Some(old) = self.updates[x as usize].take() {
                        self.update_index.remove(&old.id);
                    }
                }
            }
        }
    }

    fn instance_event(
        &mut self,
        u: UpdateIdx,
        instance: i32,
        action: JobUpdateAction,
        msg: Option<String>,
    ) {
        let now = self.now;
        let upd = self.upd_mut(u);
        if upd.seen_actions.insert((instance, action.0)) {
            upd.instance_events.push(JobInstanceUpdateEvent {
                instance_id: Some(instance),
                timestamp_ms: Some(now),
                action: Some(action),
                message: msg,
            });
        }
    }

    /// Drives one instance towards its target; returns where it stands.
    fn progress_instance(&mut self, u: UpdateIdx, i: i32) -> Outcome {
        let (job, target, max_fail, min_wait, id) = {
            let upd = self.upd(u);
            (
                upd.job,
                upd.work[&i].target.clone(),
                upd.settings.max_per_instance_failures.unwrap_or(0),
                upd.settings.min_wait_in_instance_running_ms.unwrap_or(0) as i64,
                upd.id.clone(),
            )
        };
        let kill_msg = format!("Killed for job update {id}");
        for _ in 0..2 {
            let active = self.jobs[job as usize].active.get(&i).copied();
            match (&target, active) {
                (Target::Absent, None) => return Outcome::Done,
                (Target::Absent, Some(t)) => {
                    self.kill_task(t, kill_msg.clone());
                }
                (Target::Config(c), None) => {
                    let t = self.create_task(job, i, c.clone(), None, 0, 0);
                    let id = self.task(t).id.clone();
                    self.upd_mut(u).work.get_mut(&i).expect("involved").seen = Some(id);
                    return Outcome::Working;
                }
                (Target::Config(c), Some(t)) => {
                    let task = self.task(t);
                    if Config::same(&task.config, c) && task.status != ScheduleStatus::KILLING {
                        // Aurora's InstanceUpdater counts a failure whenever the target-config
                        // task ends while the instance is worked on, however it ended (failed,
                        // finished, lost, drained): here, a new task in its place.
                        let id = task.id.clone();
                        let healthy = task.status == ScheduleStatus::RUNNING
                            && task.running_since.is_some_and(|r| self.now - r >= min_wait);
                        let p = self.upd_mut(u).work.get_mut(&i).expect("involved");
                        if p.seen.as_ref().is_some_and(|s| *s != id) {
                            p.failures += 1;
                        }
                        p.seen = Some(id);
                        if p.failures > max_fail {
                            return Outcome::Failed;
                        }
                        return if healthy {
                            Outcome::Done
                        } else {
                            Outcome::Working
                        };
                    }
                    self.kill_task(t, kill_msg.clone());
                }
            }
            if self.jobs[job as usize].active.contains_key(&i) {
                return Outcome::Working;
            }
        }
        Outcome::Working
    }

    pub fn evaluate_updates(&mut self) {
        let ids: Vec<UpdateIdx> = self.active_updates.iter().copied().collect();
        for u in ids {
            self.evaluate_update(u);
        }
    }

    /// One evaluation of an update: pulse time-out, instance progress, thresholds, next batch,
    /// completion.
    pub fn evaluate_update(&mut self, u: UpdateIdx) {
        let status = self.upd(u).status;
        let back = match status {
            JobUpdateStatus::ROLLING_FORWARD => false,
            JobUpdateStatus::ROLLING_BACK => true,
            _ => return,
        };
        let pulse = self.upd(u).pulse_ms() as i64;
        if pulse > 0 {
            let last = self.upd(u).last_pulse_ms;
            // JobUpdateControllerImpl's isBlocked: `now - lastPulse >= timeout`.
            if last.is_none_or(|l| self.now - l >= pulse) {
                let to = if back {
                    JobUpdateStatus::ROLL_BACK_AWAITING_PULSE
                } else {
                    JobUpdateStatus::ROLL_FORWARD_AWAITING_PULSE
                };
                self.set_update_status(u, to, None, Some(PULSE_TIMEOUT_MESSAGE.to_owned()));
                return;
            }
        }
        let (done_action, fail_action, start_action) = if back {
            (
                JobUpdateAction::INSTANCE_ROLLED_BACK,
                JobUpdateAction::INSTANCE_ROLLBACK_FAILED,
                JobUpdateAction::INSTANCE_ROLLING_BACK,
            )
        } else {
            (
                JobUpdateAction::INSTANCE_UPDATED,
                JobUpdateAction::INSTANCE_UPDATE_FAILED,
                JobUpdateAction::INSTANCE_UPDATING,
            )
        };
        // Progress instances being worked on.
        let working: Vec<i32> = {
            let upd = self.upd(u);
            upd.order
                .iter()
                .copied()
                .filter(|i| upd.work[i].state == InstState::Working)
                .collect()
        };
        let mut latest_failure: Option<i32> = None;
        for i in working {
            match self.progress_instance(u, i) {
                Outcome::Working => {}
                Outcome::Done => {
                    self.upd_mut(u).work.get_mut(&i).expect("involved").state = InstState::Done;
                    self.instance_event(u, i, done_action, None);
                }
                Outcome::Failed => {
                    let upd = self.upd_mut(u);
                    upd.work.get_mut(&i).expect("involved").state = InstState::Failed;
                    upd.failed_instances += 1;
                    latest_failure = Some(i);
                    // Aurora records instance events without a message.
                    self.instance_event(u, i, fail_action, None);
                }
            }
        }
        let max_failed = self.upd(u).settings.max_failed_instances.unwrap_or(0);
        if let Some(i) = latest_failure
            && self.upd(u).failed_instances > max_failed
        {
            // Aurora's failureMessage with its only failure reason, EXITED.
            let msg = format!("Latest failure: instance {i} exited.");
            if !back && self.upd(u).settings.rollback_on_failure.unwrap_or(false) {
                self.start_rollback(u, None, Some(msg));
                self.evaluate_update(u);
            } else {
                self.set_update_status(u, JobUpdateStatus::FAILED, None, Some(msg));
            }
            return;
        }
        // Start new work as the strategy allows.
        let (todo, in_flight, strategy, batches) = {
            let upd = self.upd(u);
            let todo: Vec<i32> = upd
                .order
                .iter()
                .copied()
                .filter(|i| upd.work[i].state == InstState::Todo)
                .collect();
            let in_flight = upd
                .work
                .values()
                .filter(|p| p.state == InstState::Working)
                .count();
            (
                todo,
                in_flight,
                strategy_of(&upd.settings).unwrap_or(Strategy::Queue(1)),
                upd.batches_started,
            )
        };
        let variable = matches!(
            self.upd(u).settings.update_strategy,
            Some(JobUpdateStrategy::VarBatch(_))
        );
        if todo.is_empty() && in_flight == 0 {
            let to = if back {
                JobUpdateStatus::ROLLED_BACK
            } else {
                JobUpdateStatus::ROLLED_FORWARD
            };
            self.set_update_status(u, to, None, None);
            return;
        }
        let start_n = match &strategy {
            Strategy::Queue(g) => (*g as usize).max(1).saturating_sub(in_flight),
            Strategy::Batch(sizes, autopause) => {
                if in_flight > 0 || todo.is_empty() {
                    0
                } else if *autopause
                    && !back
                    && batches > 0
                    && self.upd(u).autopaused != Some(batches)
                {
                    self.upd_mut(u).autopaused = Some(batches);
                    self.set_update_status(
                        u,
                        JobUpdateStatus::ROLL_FORWARD_PAUSED,
                        None,
                        Some("Update auto paused".to_owned()),
                    );
                    return;
                } else if back && variable {
                    variable_rollback_batch(sizes, todo.len())
                } else {
                    let k = batches.min(sizes.len().saturating_sub(1));
                    sizes.get(k).copied().unwrap_or(1).max(1) as usize
                }
            }
        };
        if start_n == 0 || todo.is_empty() {
            return;
        }
        if matches!(strategy, Strategy::Batch(..)) {
            self.upd_mut(u).batches_started += 1;
        }
        for &i in todo.iter().take(start_n) {
            self.upd_mut(u).work.get_mut(&i).expect("involved").state = InstState::Working;
            self.instance_event(u, i, start_action, None);
            match self.progress_instance(u, i) {
                Outcome::Done => {
                    self.upd_mut(u).work.get_mut(&i).expect("involved").state = InstState::Done;
                    self.instance_event(u, i, done_action, None);
                }
                Outcome::Working | Outcome::Failed => {}
            }
        }
    }

    /// Turns an update around: every instance it touched goes back to its original config.
    pub fn start_rollback(&mut self, u: UpdateIdx, user: Option<&str>, message: Option<String>) {
        let initial = self.upd(u).initial.clone();
        let original = |i: i32| -> Target {
            initial
                .iter()
                .find(|(_, ids)| ids.contains(&i))
                .map(|(c, _)| Target::Config(c.clone()))
                .unwrap_or(Target::Absent)
        };
        let upd = self.upd_mut(u);
        let touched: Vec<i32> = upd
            .work
            .iter()
            .filter(|(_, p)| p.state != InstState::Todo)
            .map(|(i, _)| *i)
            .collect();
        upd.work = touched
            .iter()
            .map(|&i| (i, InstProgress::new(original(i))))
            .collect();
        upd.order = upd
            .order
            .iter()
            .rev()
            .copied()
            .filter(|i| touched.contains(i))
            .collect();
        upd.failed_instances = 0;
        upd.batches_started = 0;
        upd.autopaused = None;
        self.set_update_status(u, JobUpdateStatus::ROLLING_BACK, user, message);
    }

    pub fn update_summary(&self, u: UpdateIdx) -> JobUpdateSummary {
        let upd = self.upd(u);
        let job = &self.jobs[upd.job as usize].key;
        JobUpdateSummary {
            user: Some(upd.user.clone()),
            state: Some(JobUpdateState {
                status: Some(upd.status),
                created_timestamp_ms: Some(upd.created_ms),
                last_modified_timestamp_ms: Some(upd.last_modified()),
            }),
            key: Some(upd.key(job)),
            metadata: upd.metadata.clone(),
        }
    }

    pub fn update_details(&self, u: UpdateIdx) -> JobUpdateDetails {
        let upd = self.upd(u);
        JobUpdateDetails {
            update: Some(JobUpdate {
                summary: Some(self.update_summary(u)),
                instructions: Some(JobUpdateInstructions {
                    initial_state: Some(
                        upd.initial
                            .iter()
                            .map(|(c, ids)| instance_task_config(c, ids))
                            .collect(),
                    ),
                    desired_state: upd
                        .desired
                        .as_ref()
                        .map(|(c, ids)| instance_task_config(c, ids)),
                    settings: Some(upd.settings.clone()),
                }),
            }),
            update_events: Some(upd.events.clone()),
            instance_events: Some(upd.instance_events.clone()),
        }
    }
}
