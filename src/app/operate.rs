//! Operations in the reducer: opening confirmations, sending confirmed mutations exactly once,
//! showing their outcomes, and the flows behind kill, restart, scale, update control and holding
//! a pulsed rollout.

use crossterm::event::KeyEvent;

use super::vocab::ops::{self, Control, Operation};
use super::vocab::resource::{Data, ResourceKey};
use super::widgets::dialog::{AskCount, Confirm, Dialog, DialogOutcome};
use super::widgets::input::{Input, InputKind};
use super::{Effect, Hold, Level, Mutated, MutationOutcome, Nav, Screen, State, views};
use crate::aurora::model::{JobKey, JobUpdateKey, JobUpdatePulseStatus};

impl State {
    /// Opens the confirmation for an operation. What must be typed grows with the blast
    /// radius: the job's key and the count when it covers more than half of a job's active
    /// instances or more than 100 (`blast.rs`); the whole job's key for `:kill-job`; the job
    /// name for more than five instances, and for anything on a production cluster.
    pub fn confirm(&mut self, op: Operation, hidden_marks: usize) {
        if self.refuse_unsupported_operation(&op) {
            return;
        }
        let job_name = op.typed_name();
        let blast = self.blast(&op);
        let require = match &op {
            _ if blast.is_some() => blast.as_ref().map(|b| b.phrase()),
            Operation::KillJob { .. } => Some(op.job()),
            _ if self.prod_cluster => Some(job_name),
            _ if op.destructive() && op.size() > 5 => Some(job_name),
            _ => None,
        };
        let cluster = self
            .cluster
            .clone()
            .unwrap_or_else(|| self.scheduler_url.clone());
        let kills = matches!(op, Operation::Kill { .. } | Operation::KillJob { .. });
        let kill_job_active = match &op {
            Operation::KillJob { job, .. } => self.active_instances(&job.to_string()),
            _ => None,
        };
        let mut c = Confirm::new(op, &cluster, require, hidden_marks);
        if let Some(active) = kill_job_active {
            c.plan
                .push(("active now".into(), format!("{} instances", active.len())));
        }
        if kills {
            c.warnings.push(
                "Aurora does not reschedule killed instances, even of a service: the job runs with fewer until an update brings them back".into(),
            );
        }
        if let Some(b) = &blast {
            c.warnings.push(b.warning());
        }
        if self.prod_cluster {
            c.warnings
                .push(format!("{cluster} is a production cluster"));
        }
        self.overlays.dialog = Some(Dialog::Confirm(Box::new(c)));
        self.dirty = true;
    }

    pub(super) fn on_dialog_key(&mut self, key: KeyEvent, fx: &mut Vec<Effect>) {
        self.dirty = true;
        let outcome = match self.overlays.dialog.as_mut().expect("checked") {
            Dialog::Confirm(c) => c.key(key),
            Dialog::AskCount(a) => a.key(key),
            // Answered in `on_ask_key`; never reaches here.
            Dialog::Ask(_) => return,
        };
        match outcome {
            DialogOutcome::Stay => {}
            DialogOutcome::Cancel => {
                self.overlays.dialog = None;
                self.hold_offer = None;
                self.rolling_dismissed();
                // The editor's own confirmation: back to its preview, the edit intact.
                if self.editing_spec() {
                    self.say(
                        "cancelled: nothing was sent; back to editing the spec (Esc closes)",
                        Level::Info,
                    );
                } else if self.overlays.editor.is_some() {
                    self.say(
                        "cancelled: nothing was sent; back to the preview (Backspace edits, Esc closes)",
                        Level::Info,
                    );
                } else {
                    self.say("cancelled: nothing was sent", Level::Info);
                }
            }
            DialogOutcome::Send(op) => {
                self.overlays.dialog = None;
                if let Some(ed) = self.overlays.editor.take() {
                    // Kept until the scheduler has started the update: a refused or lost start
                    // leaves the edit to be offered again on `e`.
                    match ed.draft() {
                        Some(d) if ed.edited() => {
                            self.unsent_edits.insert(ed.subject(), d);
                        }
                        _ => {
                            self.unsent_edits.remove(&ed.subject());
                        }
                    }
                }
                if self.rolling_confirmed(&op, fx) {
                    return;
                }
                if let Some(mut h) = self.hold_offer.take() {
                    h.last_sent = self.now;
                    self.hold = Some(h);
                }
                self.send(op, fx);
            }
            DialogOutcome::Count(job, n) => {
                self.overlays.dialog = None;
                if self.on_swarm() {
                    self.swarm_plan_scale(&job, n);
                } else {
                    self.plan_scale(&job, n);
                }
            }
        }
    }

    /// Hands a confirmed operation to the edge.
    pub fn send(&mut self, op: Operation, fx: &mut Vec<Effect>) {
        // Marks were spent on this operation; keeping them invites doing it twice.
        if matches!(
            op,
            Operation::Kill { .. } | Operation::Restart { .. } | Operation::Maintenance { .. }
        ) && let Some(t) = self.top_mut().table_mut()
        {
            t.marked.clear();
            t.mark_anchor = None;
        }
        self.next_mutation += 1;
        let id = self.next_mutation;
        if let Operation::Pulse { key } = &op
            && let Some(h) = self.hold.as_mut()
            && h.key == key.to_string()
        {
            h.in_flight = true;
        }
        self.say(
            format!("{}: sending {}…", op.subject(), op.method()),
            Level::Info,
        );
        self.pending_mutations.push((id, op.clone()));
        let cluster = self
            .cluster
            .clone()
            .unwrap_or_else(|| self.scheduler_url.clone());
        fx.push(Effect::Mutate { id, op, cluster });
    }

    pub(super) fn on_mutated(&mut self, m: Mutated, fx: &mut Vec<Effect>) {
        self.pending_mutations.retain(|(id, _)| *id != m.id);
        if let (Operation::StartUpdate { .. }, MutationOutcome::Done { .. }) = (&m.op, &m.outcome) {
            self.unsent_edits.remove(&m.op.subject());
        }
        // Aurora's result names the call; a Swarm's the change (every service change is the
        // same call), and says "by the Engine" rather than an Aurora response code.
        let method = m.op.outcome_label();
        let swarm = m.op.swarm_write().is_some();
        let held = match (&m.op, &self.hold) {
            (Operation::Pulse { key }, Some(h)) => h.key == key.to_string(),
            _ => false,
        };
        let text = match &m.outcome {
            MutationOutcome::Done { messages, .. } if swarm => {
                let mut t = format!("{method}: done");
                if !messages.is_empty() {
                    t.push_str(&format!(" — {}", messages.join("; ")));
                }
                t
            }
            MutationOutcome::Refused { messages, .. } if swarm => {
                format!("{method}: refused by the Engine: {}", messages.join("; "))
            }
            MutationOutcome::Done {
                code,
                messages,
                pulse,
                ..
            } => {
                let mut t = format!("{method}: {code}");
                // The pulse's own answer: OK, or FINISHED when the update is no longer active.
                if let Some(p) = pulse {
                    t.push_str(&format!(" (pulse {p})"));
                }
                if !messages.is_empty() {
                    t.push_str(&format!(" — {}", messages.join("; ")));
                }
                t
            }
            MutationOutcome::Refused { code, messages } => {
                format!(
                    "{method} refused: {code}{}",
                    if messages.is_empty() {
                        String::new()
                    } else {
                        format!(" — {}", messages.join("; "))
                    }
                )
            }
            MutationOutcome::Failed { error } => format!("{method} failed, not executed: {error}"),
            MutationOutcome::AuthRequired { error, .. } => format!("{method}: {error}"),
            MutationOutcome::Unknown { error } => {
                format!(
                    "{method}: outcome unknown ({error}) — not re-sent; refresh to see what happened"
                )
            }
        };
        let ok = matches!(m.outcome, MutationOutcome::Done { .. });
        if held {
            let h = self.hold.as_mut().expect("checked");
            h.in_flight = false;
            h.last_result = Some(match &m.outcome {
                MutationOutcome::Done { pulse, .. } => format!(
                    "pulse {} at {}",
                    pulse.unwrap_or_default(),
                    crate::domain::format::time(Some(self.now))
                ),
                _ => text.clone(),
            });
            let finished = matches!(&m.outcome, MutationOutcome::Done { pulse: Some(p), .. } if *p == JobUpdatePulseStatus::FINISHED);
            if !ok || finished {
                // A failed pulse (lost connection, refused) or a finished update ends the hold:
                // the scheduler's own rule then blocks the rollout.
                self.hold = None;
                self.say(format!("hold released: {text}"), Level::Error);
            }
        } else {
            self.say(text, if ok { Level::Info } else { Level::Error });
        }
        if let MutationOutcome::AuthRequired {
            error,
            tried,
            kerberos,
        } = &m.outcome
        {
            let fix: Vec<String> = if *kerberos {
                vec![
                    "This cluster logs in with Kerberos (Negotiate):".into(),
                    "  - run kinit (klist shows the ticket and when it expires), as a".into(),
                    if matches!(m.op, Operation::Maintenance { .. }) {
                        "    principal with Aurora's admin role (maintenance is an admin call)"
                            .into()
                    } else {
                        "    principal with permission for this job".into()
                    },
                    "Read-only views keep working without a ticket.".into(),
                ]
            } else {
                vec![
                    if matches!(m.op, Operation::Maintenance { .. }) {
                        "Maintenance is an admin call: give Eos a user with Aurora's admin role:"
                            .into()
                    } else {
                        "Give Eos a user with permission for this job:".into()
                    },
                    "  - set EOS_USER and EOS_PASSWORD, or".into(),
                    "  - add `machine <scheduler host> login <user> password <password>` to ~/.netrc".into(),
                    "Read-only views keep working without credentials.".into(),
                ]
            };
            let mut lines = vec![error.clone(), format!("Credentials tried: {tried}")];
            lines.extend(fix);
            self.overlays.notice = Some((format!("{method} needs credentials"), lines));
        }
        self.rolling_on_mutated(&m);
        if self.spec_update_landed(&m.op, &m.outcome, fx) {
            return;
        }
        if let MutationOutcome::Done {
            update_key: Some(k),
            ..
        } = &m.outcome
        {
            self.open(Nav::Update(k.clone()), fx);
            return;
        }
        // What the mutation touched is on screen: look again now.
        self.schedule(fx, true);
    }

    /// Kill or restart the marked (or selected) instances of the tasks view.
    pub(super) fn instance_operation(&mut self, kill: bool) {
        let Screen::Tasks { job, table, .. } = self.top() else {
            self.say("open a job's tasks to act on its instances", Level::Error);
            return;
        };
        let Some(key) = JobKey::parse(job) else {
            return;
        };
        let (rows, hidden) = table.targets();
        let mut ids: Vec<i32> = rows.iter().filter_map(|r| r.instance).collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            self.say("no instance selected", Level::Error);
            return;
        }
        if let Some(u) = self.active_update_of(job) {
            self.say(
                format!("{job} has an active update ({u}); Aurora refuses kills and restarts until it ends (JOB_UPDATING_ERROR)"),
                Level::Error,
            );
            return;
        }
        let op = if kill {
            Operation::Kill {
                job: key,
                instances: ids,
                message: None,
            }
        } else {
            Operation::Restart {
                job: key,
                instances: ids,
            }
        };
        self.confirm(op, hidden);
    }

    /// The active update of a job, if the console knows of one.
    pub(super) fn active_update_of(&self, job: &str) -> Option<String> {
        let role = job.split('/').next().map(str::to_owned);
        [ResourceKey::Updates(role), ResourceKey::Updates(None)]
            .iter()
            .find_map(|k| match self.data(k) {
                Some(Data::Updates(u)) => views::jobs::active_updates(u).get(job).and_then(|s| {
                    Some(format!(
                        "{} {}",
                        s.key.as_ref()?.id.as_deref()?,
                        s.state.as_ref()?.status?
                    ))
                }),
                _ => None,
            })
    }

    pub(super) fn active_instances(&self, job: &str) -> Option<Vec<i32>> {
        let key = ResourceKey::Tasks {
            job: job.to_owned(),
            history: false,
        };
        match self.data(&key) {
            Some(Data::Tasks(t)) => Some(
                t.iter()
                    .filter(|t| t.status().is_active())
                    .map(|t| t.instance_id())
                    .collect(),
            ),
            _ => None,
        }
    }

    pub(super) fn ask_scale(&mut self) {
        let Screen::Tasks { job, .. } = self.top() else {
            self.say("open a job's tasks to scale it", Level::Error);
            return;
        };
        let job = job.clone();
        if let Some(u) = self.active_update_of(&job) {
            self.say(
                format!("{job} has an active update ({u}); scale it when the update ends (Aurora would answer JOB_UPDATING_ERROR)"),
                Level::Error,
            );
            return;
        }
        let Some(active) = self.active_instances(&job) else {
            self.say("the job's tasks are not loaded yet", Level::Error);
            return;
        };
        self.overlays.dialog = Some(Dialog::AskCount(Box::new(AskCount {
            job,
            current: active.len(),
            input: Input::new(InputKind::Filter, &active.len().to_string()),
            error: None,
        })));
    }

    pub(super) fn plan_scale(&mut self, job: &str, target: i64) {
        let (Some(key), Some(active)) = (JobKey::parse(job), self.active_instances(job)) else {
            return;
        };
        let target = target.clamp(-1, i32::MAX as i64) as i32;
        match ops::scale_plan(&key, &active, target) {
            Ok(op) => self.confirm(op, 0),
            Err(e) => self.say(e, Level::Error),
        }
    }

    /// The update a control key acts on: the update screen's, or the selected row's.
    pub(super) fn selected_update(&self) -> Option<JobUpdateKey> {
        match self.top() {
            Screen::Update { key, .. } => JobUpdateKey::parse(key),
            Screen::Updates { table, .. } => table
                .selected_row()
                .and_then(|r| JobUpdateKey::parse(&r.id)),
            _ => None,
        }
    }

    pub(super) fn update_control(&mut self, control: Option<Control>) {
        let Some(key) = self.selected_update() else {
            self.say("select an update first", Level::Error);
            return;
        };
        let op = match control {
            Some(control) => Operation::Control {
                key,
                control,
                message: None,
            },
            None => Operation::Pulse { key },
        };
        self.confirm(op, 0);
    }

    /// `h` on a pulsed update: start holding (after confirmation) or stop.
    pub(super) fn toggle_hold(&mut self) {
        if let Some(h) = self.hold.take() {
            self.say(
                format!(
                    "hold released on {}: the scheduler will block the rollout when pulses stop",
                    h.key
                ),
                Level::Info,
            );
            return;
        }
        let Screen::Update { key, .. } = self.top() else {
            self.say("open the update's screen to hold it", Level::Error);
            return;
        };
        let key = key.clone();
        let interval = match self.data(&ResourceKey::UpdateDetails(key.clone())) {
            Some(Data::UpdateDetails(Some(d))) => d
                .update
                .as_ref()
                .and_then(|u| u.instructions.as_ref())
                .and_then(|i| i.settings.as_ref())
                .and_then(|s| s.block_if_no_pulses_after_ms)
                .filter(|ms| *ms > 0),
            _ => None,
        };
        let Some(interval) = interval else {
            self.say(
                "this update does not wait for pulses (no blockIfNoPulsesAfterMs)",
                Level::Error,
            );
            return;
        };
        let Some(update_key) = JobUpdateKey::parse(&key) else {
            return;
        };
        // The ordinary confirmation (so a prod cluster asks for the job name), plus the terms.
        self.confirm(Operation::Pulse { key: update_key }, 0);
        if let Some(Dialog::Confirm(c)) = self.overlays.dialog.as_mut() {
            c.warnings.push(format!(
                "Hold: pulse every {}s while this screen stays open; leaving it, quitting or losing the connection stops the pulses",
                (interval as i64 / 3 / 1000).max(1)
            ));
        }
        self.hold_offer = Some(Hold {
            key,
            every_ms: (interval as i64 / 3).max(1000),
            last_sent: 0,
            in_flight: false,
            last_result: None,
        });
    }

    /// Sends the next pulse of a held update when due; stops holding if its screen was left.
    pub(super) fn keep_holding(&mut self, fx: &mut Vec<Effect>) {
        let Some(h) = self.hold.clone() else { return };
        let on_screen = matches!(self.top(), Screen::Update { key, .. } if *key == h.key);
        if !on_screen {
            self.hold = None;
            self.say(
                format!("hold released on {}: you left its screen", h.key),
                Level::Info,
            );
            return;
        }
        if !h.in_flight
            && self.now - h.last_sent >= h.every_ms
            && let Some(key) = JobUpdateKey::parse(&h.key)
        {
            if let Some(hold) = self.hold.as_mut() {
                hold.last_sent = self.now;
            }
            self.send(Operation::Pulse { key }, fx);
        }
    }
}
