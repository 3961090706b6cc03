//! The rolling restart (`:restart --batch N --wait SECS`): what `aurora job restart` does from a
//! laptop, in the console. The marked instances of a job (or all its active ones) are cut into
//! batches; each batch gets one `restartShards` call, then the console waits until every instance
//! of the batch runs a NEW task (the restarted one was replaced) that has been RUNNING for the
//! wait, by the scheduler's clock, before it sends the next batch.
//!
//! Rules:
//! - One confirmation up front states the whole plan; after it, batches go out without asking.
//! - Each batch's call is sent exactly once. A refused, failed or unanswered call stops the run
//!   (never retried); so does an instance of the batch whose new task goes FAILED, LOST or
//!   THROTTLED, or that has no active task any more. The stop says why and what is left.
//! - Leaving the job's tasks view pauses the run: no new batch is sent while nobody looks at
//!   the job. A batch already sent is still watched (reads only), so its result is known on
//!   return; the run continues only on `:restart resume` (or the pause key) in that view. We
//!   chose an explicit resume over resuming on return so a person who comes back to the screen
//!   for something else does not restart more instances by accident.
//! - While a run is active the job's tasks are polled every [`POLL_MS`].
//!
//! All of it is reducer state: ticks, fetched data and mutation outcomes drive it.

use std::collections::BTreeMap;
use std::sync::Arc;

pub use super::command_line::{DEFAULT_BATCH, DEFAULT_WAIT_SECS, RollingCommand};
use super::vocab::ops::Operation;
use super::vocab::resource::{Data, ResourceKey};
use super::widgets::dialog::Dialog;
use super::{Effect, Level, Mutated, MutationOutcome, Screen, State};
use crate::aurora::model::{JobKey, ScheduleStatus, ScheduledTask, format_ranges, ranges_of};

/// How often the job's tasks are polled while a rolling restart runs.
pub const POLL_MS: i64 = 1000;

#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    /// The plan is in its confirmation dialog; nothing has been sent.
    Offered,
    Running,
    /// Every batch was restarted and stayed RUNNING for the wait.
    Finished,
    /// Stopped (a failure or the operator); the text says why and what is left.
    Stopped(String),
}

/// The instances of the batch being watched, and what the console has seen of them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Watch {
    /// The active task each instance had when the batch was sent.
    pub old: BTreeMap<i32, String>,
    /// The first new task seen for each instance.
    pub new: BTreeMap<i32, String>,
    /// When each instance's new task became RUNNING (scheduler clock, ms).
    pub running_since: BTreeMap<i32, i64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Rolling {
    pub job: String,
    pub batches: Vec<Vec<i32>>,
    pub batch_size: usize,
    pub wait_ms: i64,
    /// Nothing was marked: every active instance is restarted.
    pub all_active: bool,
    pub status: Status,
    /// Why no new batch goes out for now (paused by the operator, or the view was left).
    pub paused: Option<String>,
    /// Batches whose `restartShards` was sent, each exactly once: `batches[..sent]`.
    pub sent: usize,
    /// Batches restarted and RUNNING for the wait: `batches[..done]`.
    pub done: usize,
    /// The id of the `restartShards` call in flight.
    pub in_flight: Option<u64>,
    /// The batch sent last (`batches[sent - 1]`), until it is done.
    pub watch: Option<Watch>,
}

/// What the latest data says about the batch being watched.
#[derive(Debug, PartialEq)]
enum Verdict {
    Waiting,
    Done,
    Failed(String),
}

fn ids(v: &[i32]) -> String {
    if v.is_empty() {
        "none".into()
    } else {
        format_ranges(&ranges_of(v.iter().copied()))
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The timestamp of the task's (last) move to RUNNING.
fn running_at(t: &ScheduledTask) -> Option<i64> {
    t.events()
        .iter()
        .rev()
        .find(|e| e.status == Some(ScheduleStatus::RUNNING))
        .and_then(|e| e.timestamp)
}

impl Watch {
    /// Judges the batch from the job's tasks as fetched at `at` (active ones, or with history).
    fn judge(&mut self, batch: &[i32], tasks: &[ScheduledTask], at: i64, wait_ms: i64) -> Verdict {
        let mut done = true;
        for &i in batch {
            let old = self.old.get(&i).cloned().unwrap_or_default();
            let first_new = self.new.get(&i).cloned();
            let mine: Vec<&ScheduledTask> = tasks.iter().filter(|t| t.instance_id() == i).collect();
            // With history in the data, a replacement that already ended is visible directly.
            for t in &mine {
                let id = t.task_id();
                let replacement =
                    t.ancestor_id.as_deref() == Some(&old) || first_new.as_deref() == Some(id);
                if id != old
                    && replacement
                    && matches!(t.status(), ScheduleStatus::FAILED | ScheduleStatus::LOST)
                {
                    return Verdict::Failed(format!(
                        "instance {i}: its new task {id} went {}",
                        t.status()
                    ));
                }
            }
            let Some(cur) = mine.iter().find(|t| t.status().is_active()) else {
                return Verdict::Failed(format!(
                    "instance {i} has no active task any more (it ended and was not rescheduled)"
                ));
            };
            let id = cur.task_id();
            if id == old {
                // Not replaced yet (RESTARTING, or the call has not reached the task yet).
                done = false;
                continue;
            }
            match &first_new {
                Some(n) if n != id => {
                    return Verdict::Failed(format!(
                        "instance {i}: its new task {n} ended and was replaced by {id} ({})",
                        cur.status()
                    ));
                }
                Some(_) => {}
                None => {
                    // The restarted task's direct replacement names it as its ancestor; a task
                    // further down the line means the replacement already died.
                    if let Some(a) = cur.ancestor_id.as_deref()
                        && a != old
                    {
                        return Verdict::Failed(format!(
                            "instance {i}: the replacement of {old} ended; now {id} ({})",
                            cur.status()
                        ));
                    }
                    self.new.insert(i, id.to_owned());
                }
            }
            match cur.status() {
                ScheduleStatus::THROTTLED => {
                    return Verdict::Failed(format!(
                        "instance {i}: its new task {id} is THROTTLED (penalized for flapping)"
                    ));
                }
                ScheduleStatus::RUNNING => {
                    let since = match running_at(cur) {
                        Some(ts) => ts,
                        None => *self.running_since.get(&i).unwrap_or(&at),
                    };
                    self.running_since.insert(i, since);
                    if at - since < wait_ms {
                        done = false;
                    }
                }
                _ => {
                    self.running_since.remove(&i);
                    done = false;
                }
            }
        }
        if done {
            Verdict::Done
        } else {
            Verdict::Waiting
        }
    }
}

impl Rolling {
    pub fn total_instances(&self) -> usize {
        self.batches.iter().map(Vec::len).sum()
    }

    pub fn done_instances(&self) -> usize {
        self.batches[..self.done].iter().map(Vec::len).sum()
    }

    /// Whether it may still send: running (paused or not).
    pub fn active(&self) -> bool {
        self.status == Status::Running
    }

    /// The batch sent and not yet done (index into `batches`).
    pub fn current(&self) -> Option<usize> {
        (self.sent > self.done).then(|| self.sent - 1)
    }

    /// Lines for the confirmation: the whole plan.
    pub fn plan_lines(&self) -> Vec<(String, String)> {
        let n = self.batches.len();
        let mut list = String::new();
        for (k, b) in self.batches.iter().enumerate() {
            let next = if k == 0 {
                ids(b)
            } else {
                format!(" · {}", ids(b))
            };
            if list.chars().count() + next.chars().count() > 56 {
                list.push_str(&format!(" · … ({n} in all)"));
                break;
            }
            list.push_str(&next);
        }
        vec![
            (
                "targets".into(),
                if self.all_active {
                    "all active instances (nothing is marked)".into()
                } else {
                    "the marked instances".into()
                },
            ),
            (
                "batches".into(),
                format!(
                    "{} of at most {}: {list}",
                    n,
                    plural(self.batch_size, "instance", "instances")
                ),
            ),
            (
                "wait".into(),
                format!(
                    "each batch RUNNING again as new tasks for {}s before the next",
                    self.wait_ms / 1000
                ),
            ),
            (
                "stops".into(),
                "on the first failing batch (FAILED/LOST/THROTTLED, or a refused call); no retries"
                    .into(),
            ),
            (
                "leaving".into(),
                "leaving this view pauses it; :restart resume here continues".into(),
            ),
        ]
    }

    /// One line of progress: `rolling restart 3/10 batches · waiting 12s/30s for instances 6-8`.
    pub fn progress(&self, now: i64) -> String {
        let n = self.batches.len();
        match &self.status {
            Status::Offered => format!("rolling restart of {} waiting for confirmation", self.job),
            Status::Finished => format!(
                "rolling restart of {} finished: {} in {}, all RUNNING as new tasks",
                self.job,
                plural(self.total_instances(), "instance", "instances"),
                plural(n, "batch", "batches")
            ),
            Status::Stopped(why) => why.clone(),
            Status::Running => {
                let mut s = match self.current() {
                    Some(k) => {
                        let b = &self.batches[k];
                        let what = if self.in_flight.is_some() {
                            format!("sending restartShards for instances {}", ids(b))
                        } else {
                            let w = self.watch.clone().unwrap_or_default();
                            let running = w.running_since.len();
                            if running < b.len() {
                                format!(
                                    "waiting for instances {} to run as new tasks ({}/{} RUNNING)",
                                    ids(b),
                                    running,
                                    b.len()
                                )
                            } else {
                                let since = w.running_since.values().copied().max().unwrap_or(now);
                                let waited = ((now - since).max(0) / 1000).min(self.wait_ms / 1000);
                                format!(
                                    "waiting {waited}s/{}s for instances {}",
                                    self.wait_ms / 1000,
                                    ids(b)
                                )
                            }
                        };
                        format!("rolling restart {}/{n} batches · {what}", k + 1)
                    }
                    None if self.sent < n => format!(
                        "rolling restart {}/{n} batches · next: instances {}",
                        self.sent + 1,
                        ids(&self.batches[self.sent])
                    ),
                    None => format!("rolling restart {n}/{n} batches"),
                };
                if let Some(p) = &self.paused {
                    s.push_str(&format!(" · PAUSED: {p}"));
                }
                s
            }
        }
    }

    /// The fraction done, for the progress bar: finished batches, plus the current batch's
    /// share of its wait.
    pub fn fraction(&self, now: i64) -> f64 {
        let total = self.total_instances().max(1) as f64;
        let mut done = self.done_instances() as f64;
        if let (Some(k), Some(w)) = (self.current(), &self.watch) {
            let b = self.batches[k].len() as f64;
            let running = w.running_since.len() as f64 / b.max(1.0);
            let waited = match w.running_since.values().copied().max() {
                Some(since)
                    if self.wait_ms > 0 && w.running_since.len() == self.batches[k].len() =>
                {
                    ((now - since) as f64 / self.wait_ms as f64).clamp(0.0, 1.0)
                }
                _ => 0.0,
            };
            done += b * (running * 0.5 + waited * 0.5);
        }
        (done / total).clamp(0.0, 1.0)
    }
}

impl State {
    /// The job's tasks as last fetched (active only, or with history, whichever is newer) and
    /// when they were fetched.
    fn rolling_tasks(&self, job: &str) -> Option<(Arc<Data>, i64)> {
        [false, true]
            .into_iter()
            .filter_map(|history| {
                let slot = self.store.get(&ResourceKey::Tasks {
                    job: job.to_owned(),
                    history,
                })?;
                Some((slot.data.clone()?, slot.loaded_at?))
            })
            .filter(|(d, _)| matches!(**d, Data::Tasks(_)))
            .max_by_key(|(_, at)| *at)
    }

    /// Instance id -> active task id.
    fn rolling_active(&self, job: &str) -> Option<BTreeMap<i32, String>> {
        let (data, _) = self.rolling_tasks(job)?;
        let Data::Tasks(tasks) = &*data else {
            return None;
        };
        Some(
            tasks
                .iter()
                .filter(|t| t.status().is_active())
                .map(|t| (t.instance_id(), t.task_id().to_owned()))
                .collect(),
        )
    }

    fn rolling_on_screen(&self, job: &str) -> bool {
        matches!(self.top(), Screen::Tasks { job: j, .. } if j == job)
    }

    /// Polls a rolling job's tasks faster (hook from `interval_for`).
    pub(super) fn rolling_interval(&self, key: &ResourceKey) -> Option<i64> {
        let r = self.rolling.as_ref().filter(|r| r.active())?;
        matches!(key, ResourceKey::Tasks { job, .. } if *job == r.job).then_some(POLL_MS)
    }

    /// Rows of the banner above the tasks table (0 when none is shown).
    pub fn rolling_banner_rows(&self) -> u16 {
        match (&self.rolling, self.top()) {
            (Some(r), Screen::Tasks { job, .. })
                if *job == r.job && r.status != Status::Offered =>
            {
                // The progress text, wrapped onto at most three rows, and the bar.
                let chars = r.progress(self.now).chars().count() + 2;
                let width = (self.width as usize).max(20);
                chars.div_ceil(width).clamp(1, 3) as u16 + 1
            }
            _ => 0,
        }
    }

    /// `:restart …` and the rolling-restart keys.
    pub(super) fn rolling_command(&mut self, c: RollingCommand, fx: &mut Vec<Effect>) {
        self.dirty = true;
        let read_only = self.read_only;
        let refuse_read_only = |s: &mut State| {
            s.say(
                "read-only: a rolling restart is disabled (Eos was started with --read-only)",
                Level::Error,
            );
        };
        match c {
            RollingCommand::Start { batch, wait_secs } => {
                if read_only {
                    return refuse_read_only(self);
                }
                self.rolling_offer(batch, wait_secs);
            }
            RollingCommand::Toggle => match &self.rolling {
                Some(r) if r.active() && r.paused.is_some() => {
                    self.rolling_command(RollingCommand::Resume, fx)
                }
                _ => self.rolling_command(RollingCommand::Pause, fx),
            },
            RollingCommand::Pause => match self.rolling.as_mut() {
                Some(r) if r.active() => {
                    if r.paused.is_none() {
                        r.paused = Some("paused by you (:restart resume continues)".into());
                    }
                    let text = match r.current() {
                        Some(k) => format!(
                            "rolling restart paused: batch {} (instances {}) was sent and is still watched; no new batch goes out",
                            k + 1,
                            ids(&r.batches[k])
                        ),
                        None => "rolling restart paused: no new batch goes out".into(),
                    };
                    self.say(text, Level::Info);
                }
                _ => self.say("no rolling restart is running", Level::Error),
            },
            RollingCommand::Resume => {
                if read_only {
                    return refuse_read_only(self);
                }
                let Some(r) = self.rolling.as_ref().filter(|r| r.active()) else {
                    return self.say("no rolling restart is running", Level::Error);
                };
                let job = r.job.clone();
                if !self.rolling_on_screen(&job) {
                    return self.say(
                        format!("open {job}'s tasks (:job {job}) to resume its rolling restart"),
                        Level::Error,
                    );
                }
                if let Some(r) = self.rolling.as_mut() {
                    r.paused = None;
                }
                self.say("rolling restart resumed", Level::Info);
                self.rolling_step(fx);
            }
            RollingCommand::Cancel => match &self.rolling {
                Some(r) if r.active() => {
                    let why = match r.current() {
                        Some(k) => format!(
                            "cancelled by you; batch {} (instances {}) was already sent and is restarting",
                            k + 1,
                            ids(&r.batches[k])
                        ),
                        None => "cancelled by you".into(),
                    };
                    self.rolling_stop(why, false);
                }
                Some(_) => {
                    self.rolling = None;
                    self.say("rolling restart dismissed", Level::Info);
                }
                None => self.say("no rolling restart to cancel", Level::Error),
            },
        }
    }

    /// Builds the plan and opens its confirmation.
    fn rolling_offer(&mut self, batch: usize, wait_secs: i64) {
        if let Some(r) = self.rolling.as_ref().filter(|r| r.active()) {
            let job = r.job.clone();
            return self.say(
                format!("a rolling restart of {job} is running; :restart cancel ends it first"),
                Level::Error,
            );
        }
        let Screen::Tasks { job, table, .. } = self.top() else {
            return self.say(
                "open a job's tasks to restart it in batches (:job ROLE/ENV/NAME)",
                Level::Error,
            );
        };
        let job = job.clone();
        let Some(key) = JobKey::parse(&job) else {
            return;
        };
        let (marked, hidden): (Option<Vec<i32>>, usize) = if table.marked.is_empty() {
            (None, 0)
        } else {
            let (rows, hidden) = table.targets();
            (
                Some(rows.iter().filter_map(|r| r.instance).collect()),
                hidden,
            )
        };
        if let Some(u) = self.active_update_of(&job) {
            return self.say(
                format!("{job} has an active update ({u}); Aurora refuses restarts until it ends (JOB_UPDATING_ERROR)"),
                Level::Error,
            );
        }
        let Some(active) = self.rolling_active(&job) else {
            return self.say("the job's tasks are not loaded yet", Level::Error);
        };
        let all_active = marked.is_none();
        let mut targets: Vec<i32> = match &marked {
            Some(m) => m
                .iter()
                .copied()
                .filter(|i| active.contains_key(i))
                .collect(),
            None => active.keys().copied().collect(),
        };
        targets.sort_unstable();
        targets.dedup();
        let mut left_out: Vec<i32> = marked
            .unwrap_or_default()
            .into_iter()
            .filter(|i| !active.contains_key(i))
            .collect();
        left_out.sort_unstable();
        left_out.dedup();
        if targets.is_empty() {
            return self.say("no active instance to restart", Level::Error);
        }
        let r = Rolling {
            job: job.clone(),
            batches: targets.chunks(batch).map(<[i32]>::to_vec).collect(),
            batch_size: batch,
            wait_ms: wait_secs * 1000,
            all_active,
            status: Status::Offered,
            paused: None,
            sent: 0,
            done: 0,
            in_flight: None,
            watch: None,
        };
        let plan = r.plan_lines();
        let n = targets.len();
        self.confirm(
            Operation::Restart {
                job: key,
                instances: targets,
            },
            hidden,
        );
        if let Some(Dialog::Confirm(c)) = self.overlays.dialog.as_mut() {
            c.label = Some(format!(
                "Start rolling restart ({})",
                plural(n, "instance", "instances")
            ));
            c.plan = plan;
            if !left_out.is_empty() {
                c.warnings.push(format!(
                    "marked instances {} are not active and are left out",
                    ids(&left_out)
                ));
            }
        }
        self.rolling = Some(r);
    }

    /// The confirmation was accepted: a pending plan starts (and its first batch goes out).
    /// False when the dialog was not a rolling restart's.
    pub(super) fn rolling_confirmed(&mut self, op: &Operation, fx: &mut Vec<Effect>) -> bool {
        match self.rolling.as_mut() {
            Some(r) if r.status == Status::Offered && op.job() == r.job => {
                r.status = Status::Running;
                self.rolling_step(fx);
                true
            }
            _ => false,
        }
    }

    /// The confirmation was cancelled: a pending plan is dropped.
    pub(super) fn rolling_dismissed(&mut self) {
        if self
            .rolling
            .as_ref()
            .is_some_and(|r| r.status == Status::Offered)
        {
            self.rolling = None;
        }
    }

    /// Ends the run and says why, and which instances were not restarted. `unsent_current`:
    /// the batch in question was not executed (its call was refused or failed).
    fn rolling_stop(&mut self, why: String, unsent_current: bool) {
        let Some(r) = self.rolling.as_mut() else {
            return;
        };
        let n = r.batches.len();
        let at = r.current().unwrap_or(r.sent.min(n.saturating_sub(1)));
        let from = if unsent_current { r.done } else { r.sent };
        let untouched: Vec<i32> = r.batches[from.min(n)..].concat();
        let restarted: Vec<i32> = r.batches[..r.done].concat();
        let text = format!(
            "rolling restart of {} STOPPED at batch {}/{n}: {why}. Not restarted: instances {}. Restarted and RUNNING: instances {}",
            r.job,
            at + 1,
            ids(&untouched),
            ids(&restarted)
        );
        r.status = Status::Stopped(text.clone());
        r.paused = None;
        r.watch = None;
        self.say(text, Level::Error);
    }

    /// Hook from `on_mutated`: the outcome of a batch's `restartShards`.
    pub(super) fn rolling_on_mutated(&mut self, m: &Mutated) {
        let Some(r) = self.rolling.as_mut() else {
            return;
        };
        if r.in_flight != Some(m.id) {
            return;
        }
        r.in_flight = None;
        if !r.active() {
            return;
        }
        let batch = r.current().map(|k| ids(&r.batches[k])).unwrap_or_default();
        let join = |m: &[String]| {
            if m.is_empty() {
                String::new()
            } else {
                format!(" — {}", m.join("; "))
            }
        };
        match &m.outcome {
            MutationOutcome::Done { .. } => {
                let text = r.progress(self.now);
                self.say(text, Level::Info);
            }
            MutationOutcome::Refused { code, messages } => self.rolling_stop(
                format!("restartShards for instances {batch} refused: {code}{}", join(messages)),
                true,
            ),
            MutationOutcome::Failed { error } | MutationOutcome::AuthRequired { error, .. } => self
                .rolling_stop(
                    format!("restartShards for instances {batch} failed, not executed: {error}"),
                    true,
                ),
            MutationOutcome::Unknown { error } => self.rolling_stop(
                format!(
                    "restartShards for instances {batch}: outcome unknown ({error}); not re-sent, so those instances may or may not be restarting"
                ),
                false,
            ),
        }
    }

    /// Hook from `on_tick`: pauses when the view is left, polls, judges the batch being
    /// watched, and sends the next batch when it is due.
    pub(super) fn rolling_step(&mut self, fx: &mut Vec<Effect>) {
        let Some(r) = self.rolling.as_ref().filter(|r| r.active()) else {
            return;
        };
        let job = r.job.clone();
        // Leaving the job's view pauses the run (see the module notes).
        if !self.rolling_on_screen(&job) && r.paused.is_none() {
            if let Some(r) = self.rolling.as_mut() {
                r.paused = Some(format!(
                    "you left {job}'s tasks; :restart resume there continues"
                ));
            }
            self.say(
                format!("rolling restart of {job} paused: you left its tasks view"),
                Level::Info,
            );
        }
        // Keep the job's tasks fresh (reads only, also while paused): the ones its view shows,
        // so that with history on, a replacement that already ended is seen as such.
        let history =
            matches!(self.top(), Screen::Tasks { job: j, history: true, .. } if *j == job);
        let key = ResourceKey::Tasks {
            job: job.clone(),
            history,
        };
        let (now, tick) = (self.now, self.ticks);
        let slot = self.store.entry(key.clone()).or_default();
        if slot.due(now) {
            let generation = slot.start(tick);
            fx.push(Effect::Fetch { key, generation });
        }
        let r = self.rolling.as_ref().expect("checked");
        if r.in_flight.is_some() {
            return;
        }
        if let Some(k) = r.current() {
            let Some((data, at)) = self.rolling_tasks(&job) else {
                return;
            };
            let Data::Tasks(tasks) = &*data else {
                return;
            };
            let r = self.rolling.as_mut().expect("checked");
            let batch = r.batches[k].clone();
            let wait_ms = r.wait_ms;
            let verdict = r
                .watch
                .get_or_insert_with(Watch::default)
                .judge(&batch, tasks, at, wait_ms);
            match verdict {
                Verdict::Waiting => {
                    self.dirty = true;
                    return;
                }
                Verdict::Failed(why) => return self.rolling_stop(why, false),
                Verdict::Done => {
                    r.done = k + 1;
                    r.watch = None;
                    self.dirty = true;
                    if r.done == r.batches.len() {
                        r.status = Status::Finished;
                        let text = r.progress(self.now);
                        return self.say(text, Level::Info);
                    }
                }
            }
        }
        let r = self.rolling.as_ref().expect("checked");
        if r.paused.is_some() || r.sent >= r.batches.len() || !self.rolling_on_screen(&job) {
            return;
        }
        // The next batch: note each instance's current task, then send, once.
        let k = r.sent;
        let batch = r.batches[k].clone();
        let Some(active) = self.rolling_active(&job) else {
            return;
        };
        let mut old = BTreeMap::new();
        for &i in &batch {
            match active.get(&i) {
                Some(id) => {
                    old.insert(i, id.clone());
                }
                None => {
                    return self.rolling_stop(
                        format!(
                            "instance {i} is not active any more, so batch {} was not sent",
                            k + 1
                        ),
                        true,
                    );
                }
            }
        }
        let Some(key) = JobKey::parse(&job) else {
            return;
        };
        // Marks made during the run belong to the operator, not to this batch.
        let marks = match self.top() {
            Screen::Tasks { table, .. } if k > 0 => {
                Some((table.marked.clone(), table.mark_anchor.clone()))
            }
            _ => None,
        };
        self.send(
            Operation::Restart {
                job: key,
                instances: batch,
            },
            fx,
        );
        if let (Some((marked, anchor)), Some(t)) = (marks, self.top_mut().table_mut()) {
            t.marked = marked;
            t.mark_anchor = anchor;
        }
        let id = self.next_mutation;
        if let Some(r) = self.rolling.as_mut() {
            r.sent = k + 1;
            r.in_flight = Some(id);
            r.watch = Some(Watch {
                old,
                ..Watch::default()
            });
        }
    }
}
