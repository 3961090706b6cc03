//! Starting an update from the console (`e` on a job): the job's full current TaskConfig (from
//! getConfigSummary, never the blanked one of getTasksWithoutConfigs) as editable JSON, the
//! update settings as a small form, a preview from getJobUpdateDiff, then the ordinary
//! confirmation and `startJobUpdate`. Nothing is sent until that confirmation.
//!
//! Work is not thrown away: Cancel in the confirmation goes back to the preview; Esc closes the
//! editor at once only when nothing was edited, and otherwise asks "discard your changes?". An
//! edit closed unsent is kept for this run of Eos, and `e` on the same job offers it again,
//! with its diff against the job's config as it is now.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::{Modifier, Style};
use ratatui_textarea::{CursorMove, TextArea};

use super::config_json;
use super::vocab::ops::Operation;
use super::vocab::resource::{Data, ResourceKey};
use super::widgets::input::{Input, InputKind};
use super::{Effect, Level, State};
use crate::aurora::model::*;
use crate::diff::{DiffLine, diff_lines};
use bollard::models::ServiceSpec;

/// The editor's own keys, for the help screen and the hint line.
pub const KEYS: &[(&str, &str)] = &[
    (
        "Tab / S-Tab",
        "next / previous field (config, then each setting)",
    ),
    ("Ctrl-S / F5", "preview the change (getJobUpdateDiff)"),
    (
        "Enter",
        "config: new line · setting: next field · message: preview",
    ),
    ("Ctrl-U / Ctrl-R", "config: undo / redo"),
    ("Enter (preview)", "go on to the confirmation"),
    ("Backspace (preview)", "back to editing"),
    (
        "Esc",
        "close the editor (asks first when edited); nothing is sent",
    ),
];

/// Where the keys go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Config,
    Instances,
    Batch,
    MaxPerInstance,
    MaxFailed,
    MinWait,
    Rollback,
    Pulse,
    Message,
}

impl Field {
    /// The settings form, in Tab order (the config comes first).
    pub const SETTINGS: [Field; 8] = [
        Field::Instances,
        Field::Batch,
        Field::MaxPerInstance,
        Field::MaxFailed,
        Field::MinWait,
        Field::Rollback,
        Field::Pulse,
        Field::Message,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Field::Config => "config",
            Field::Instances => "instance count",
            Field::Batch => "batch size",
            Field::MaxPerInstance => "max failures per instance",
            Field::MaxFailed => "max failed instances",
            Field::MinWait => "min wait in RUNNING (s)",
            Field::Rollback => "rollback on failure (y/n)",
            Field::Pulse => "pulse interval (s, optional)",
            Field::Message => "message",
        }
    }

    fn index(self) -> Option<usize> {
        Field::SETTINGS.iter().position(|f| *f == self)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// Waiting for getConfigSummary.
    Loading,
    Edit,
    /// Waiting for getJobUpdateDiff about this request.
    Previewing {
        id: u64,
        request: Box<JobUpdateRequest>,
        message: Option<String>,
    },
    /// The scheduler's answer is on screen.
    Preview(Box<Preview>),
}

/// What the scheduler says the update would do.
#[derive(Clone, Debug, PartialEq)]
pub struct Preview {
    pub request: JobUpdateRequest,
    pub message: Option<String>,
    pub add: Vec<Range>,
    pub remove: Vec<Range>,
    pub update: Vec<Range>,
    pub unchanged: Vec<Range>,
    /// The edited config against the running one.
    pub config_diff: Vec<DiffLine>,
}

impl Preview {
    /// Whether the update would change anything (else Aurora answers "Job is unchanged by
    /// proposed update." and starts nothing).
    pub fn changes(&self) -> bool {
        !(self.add.is_empty() && self.remove.is_empty() && self.update.is_empty())
    }

    /// `(label, instances)` lines: what is added, removed, updated and left alone.
    pub fn instance_lines(&self) -> Vec<(&'static str, String)> {
        let f = |r: &[Range]| {
            if r.is_empty() {
                "—".to_owned()
            } else {
                let n: u64 = r.iter().map(Range::len).sum();
                format!("{} ({n})", format_ranges(r))
            }
        };
        vec![
            ("add", f(&self.add)),
            ("remove", f(&self.remove)),
            ("update", f(&self.update)),
            ("unchanged", f(&self.unchanged)),
        ]
    }
}

/// The reply to a preview request.
#[derive(Debug)]
pub struct Previewed {
    pub id: u64,
    pub result: Result<GetJobUpdateDiffResult, String>,
}

/// Update settings as typed into the form.
#[derive(Clone, Debug, PartialEq)]
pub struct UpdateSettings {
    pub instances: i32,
    pub batch: i32,
    pub max_per_instance_failures: i32,
    pub max_failed_instances: i32,
    pub min_wait_secs: i32,
    pub rollback: bool,
    pub pulse_secs: Option<i32>,
    pub message: Option<String>,
}

impl UpdateSettings {
    /// The form's starting values: the current instance count and the Aurora client's defaults.
    pub fn defaults(instances: usize) -> UpdateSettings {
        UpdateSettings {
            instances: instances as i32,
            batch: 1,
            max_per_instance_failures: 0,
            max_failed_instances: 0,
            min_wait_secs: 45,
            rollback: true,
            pulse_secs: None,
            message: None,
        }
    }

    fn text(&self, f: Field) -> String {
        match f {
            Field::Config => String::new(),
            Field::Instances => self.instances.to_string(),
            Field::Batch => self.batch.to_string(),
            Field::MaxPerInstance => self.max_per_instance_failures.to_string(),
            Field::MaxFailed => self.max_failed_instances.to_string(),
            Field::MinWait => self.min_wait_secs.to_string(),
            Field::Rollback => if self.rollback { "y" } else { "n" }.to_owned(),
            Field::Pulse => self.pulse_secs.map(|s| s.to_string()).unwrap_or_default(),
            Field::Message => self.message.clone().unwrap_or_default(),
        }
    }

    /// Reads the form (texts in [`Field::SETTINGS`] order); an error names its field.
    pub fn parse(texts: &[String]) -> Result<UpdateSettings, (Field, String)> {
        let get = |f: Field| texts.get(f.index().unwrap_or(0)).map_or("", |s| s.trim());
        let int = |f: Field, min: i64, max: i64| -> Result<i32, (Field, String)> {
            let t = get(f);
            match t.parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(n as i32),
                Ok(n) => Err((
                    f,
                    format!("{}: {n} is not between {min} and {max}", f.label()),
                )),
                Err(_) => Err((f, format!("{}: {t:?} is not a whole number", f.label()))),
            }
        };
        let secs_max = i32::MAX as i64 / 1000;
        let instances = int(Field::Instances, 1, 4000)?;
        let batch = int(Field::Batch, 1, 4000)?;
        let max_per_instance_failures = int(Field::MaxPerInstance, 0, i32::MAX as i64)?;
        let max_failed_instances = int(Field::MaxFailed, 0, i32::MAX as i64)?;
        if max_per_instance_failures as i64 * instances as i64 > 20_000 {
            return Err((
                Field::MaxPerInstance,
                format!(
                    "max failures per instance × instance count is {}: Aurora allows at most 20000",
                    max_per_instance_failures as i64 * instances as i64
                ),
            ));
        }
        let min_wait_secs = int(Field::MinWait, 0, secs_max)?;
        let rollback = match get(Field::Rollback).to_ascii_lowercase().as_str() {
            "y" | "yes" | "true" => true,
            "n" | "no" | "false" => false,
            other => {
                return Err((
                    Field::Rollback,
                    format!("rollback on failure: type y or n (not {other:?})"),
                ));
            }
        };
        let pulse_secs = if get(Field::Pulse).is_empty() {
            None
        } else {
            Some(int(Field::Pulse, 1, secs_max)?)
        };
        let message = Some(get(Field::Message).to_owned()).filter(|m| !m.is_empty());
        Ok(UpdateSettings {
            instances,
            batch,
            max_per_instance_failures,
            max_failed_instances,
            min_wait_secs,
            rollback,
            pulse_secs,
            message,
        })
    }

    /// The settings as sent: a queue strategy of the batch size (0.22's `updateStrategy`) with
    /// the deprecated `updateGroupSize` / `waitForBatchCompletion` filled to match, so older
    /// schedulers behave the same.
    pub fn to_update_settings(&self) -> JobUpdateSettings {
        JobUpdateSettings {
            update_group_size: Some(self.batch),
            max_per_instance_failures: Some(self.max_per_instance_failures),
            max_failed_instances: Some(self.max_failed_instances),
            min_wait_in_instance_running_ms: Some(self.min_wait_secs * 1000),
            rollback_on_failure: Some(self.rollback),
            update_only_these_instances: None,
            wait_for_batch_completion: Some(false),
            block_if_no_pulses_after_ms: self.pulse_secs.map(|s| s * 1000),
            sla_aware: None,
            update_strategy: Some(JobUpdateStrategy::Queue(QueueJobUpdateStrategy {
                group_size: Some(self.batch),
            })),
        }
    }
}

/// The editor: open while `State::editor` is set; it takes every key.
#[derive(Debug)]
pub struct Editor {
    pub job: JobKey,
    pub step: Step,
    /// The running config (the only config group's).
    pub original: Option<TaskConfig>,
    /// The instances running it.
    pub instances: Vec<Range>,
    pub config: TextArea<'static>,
    /// One input per [`Field::SETTINGS`] entry.
    pub settings: Vec<Input>,
    pub focus: Field,
    /// Why the last preview could not be made or was refused.
    pub error: Option<String>,
    /// Scroll offset of the preview.
    pub scroll: usize,
    /// The config text and settings as loaded, to tell whether anything was edited.
    pristine: Option<Draft>,
    /// Set when the editor edits a Docker Swarm service's spec (`swarm_edit.rs`) rather than
    /// an Aurora job's config: then `job` is unused, there are no settings, and there is no
    /// preview step (the diff is shown in the confirmation).
    pub service: Option<Box<ServiceEdit>>,
}

/// A Swarm service being edited: its name, the spec as read (`None` while loading) and the
/// tasks the console saw (every one is replaced by the update).
#[derive(Debug)]
pub struct ServiceEdit {
    pub name: String,
    pub base: Option<Box<ServiceSpec>>,
    pub replicas: usize,
}

/// The editable part of the editor: what an unsent edit keeps.
#[derive(Clone, Debug, PartialEq)]
pub struct Draft {
    pub config: String,
    /// One text per [`Field::SETTINGS`] entry.
    pub settings: Vec<String>,
}

impl Editor {
    fn loading(job: JobKey) -> Editor {
        Editor {
            job,
            step: Step::Loading,
            original: None,
            instances: Vec::new(),
            config: TextArea::default(),
            settings: Vec::new(),
            focus: Field::Config,
            error: None,
            scroll: 0,
            pristine: None,
            service: None,
        }
    }

    /// The editor of a Swarm service's spec, waiting for it.
    pub(super) fn for_service(name: String, replicas: usize) -> Editor {
        Editor {
            service: Some(Box::new(ServiceEdit {
                name,
                base: None,
                replicas,
            })),
            ..Editor::loading(JobKey::default())
        }
    }

    /// What is edited, as the unsent edits are keyed and messages name it: the job's key, or
    /// the Swarm service's name.
    pub fn subject(&self) -> String {
        match &self.service {
            Some(s) => s.name.clone(),
            None => self.job.to_string(),
        }
    }

    /// Fills a Swarm service's editor from its spec as read.
    pub(super) fn load_spec(&mut self, spec: ServiceSpec) {
        let text = super::spec_json::to_text(&spec);
        self.config = TextArea::new(text.lines().map(str::to_owned).collect());
        self.config.set_cursor_line_style(Style::default());
        self.settings = Vec::new();
        if let Some(s) = self.service.as_mut() {
            s.base = Some(Box::new(spec));
        }
        self.step = Step::Edit;
        self.focus_on(Field::Config);
        self.pristine = self.draft_unchecked();
    }

    /// Puts the cursor on a problem the text has (line and column from 1).
    pub(super) fn point_at(&mut self, (line, column): (usize, usize)) {
        self.config.move_cursor(CursorMove::Jump(
            line.saturating_sub(1).min(u16::MAX as usize) as u16,
            column.saturating_sub(1).min(u16::MAX as usize) as u16,
        ));
        self.focus_on(Field::Config);
    }

    /// The config text and settings as they stand (`None` before the config has loaded).
    pub fn draft(&self) -> Option<Draft> {
        self.pristine.as_ref()?;
        Some(Draft {
            config: self.config_text(),
            settings: self.settings.iter().map(Input::text).collect(),
        })
    }

    /// Whether anything differs from what was loaded.
    pub fn edited(&self) -> bool {
        self.pristine.is_some() && self.draft() != self.pristine
    }

    /// Puts an earlier draft back in place of what was loaded.
    fn restore(&mut self, d: &Draft) {
        self.config = TextArea::new(d.config.lines().map(str::to_owned).collect());
        self.config.set_cursor_line_style(Style::default());
        for (input, text) in self.settings.iter_mut().zip(&d.settings) {
            *input = Input::new(InputKind::Filter, text);
        }
        self.step = Step::Edit;
        self.focus_on(Field::Config);
    }

    /// Fills the editor from the running config.
    fn loaded(&mut self, config: TaskConfig, instances: Vec<Range>) {
        let count = instances.iter().map(Range::len).sum::<u64>();
        let count = usize::try_from(count).unwrap_or(usize::MAX);
        let text = config_json::to_text(&config);
        self.config = TextArea::new(text.lines().map(str::to_owned).collect());
        self.config.set_cursor_line_style(Style::default());
        let defaults = UpdateSettings::defaults(count);
        self.settings = Field::SETTINGS
            .iter()
            .map(|f| Input::new(InputKind::Filter, &defaults.text(*f)))
            .collect();
        self.original = Some(config);
        self.instances = instances;
        self.step = Step::Edit;
        self.focus_on(Field::Config);
        self.pristine = self.draft_unchecked();
    }

    fn draft_unchecked(&self) -> Option<Draft> {
        Some(Draft {
            config: self.config_text(),
            settings: self.settings.iter().map(Input::text).collect(),
        })
    }

    pub fn config_text(&self) -> String {
        self.config.lines().join("\n")
    }

    pub fn setting(&self, f: Field) -> Option<&Input> {
        f.index().and_then(|i| self.settings.get(i))
    }

    fn focus_on(&mut self, f: Field) {
        self.focus = f;
        // The config's cursor shows only while it has the keys.
        self.config.set_cursor_style(if f == Field::Config {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default()
        });
    }

    fn cycle(&mut self, forward: bool) {
        let order: Vec<Field> = std::iter::once(Field::Config)
            .chain(Field::SETTINGS)
            .collect();
        let i = order.iter().position(|f| *f == self.focus).unwrap_or(0);
        let n = order.len();
        self.focus_on(
            order[if forward {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            }],
        );
    }

    /// A key for the focused field.
    fn type_key(&mut self, key: KeyEvent) {
        self.error = None;
        match self.focus.index() {
            None => {
                self.config.input(key);
            }
            Some(i) => {
                if let Some(input) = self.settings.get_mut(i) {
                    input.key(key);
                }
            }
        }
    }

    /// Reads the edited config and the settings into a request, or says what is wrong (and
    /// puts the cursor there).
    fn request(&mut self) -> Result<(JobUpdateRequest, Option<String>), String> {
        let text = self.config_text();
        let config = match config_json::from_text(&text, self.original.as_ref()) {
            Ok(c) => c,
            Err(e) => {
                // On the bad line: a syntax error's, or the field that cannot be used.
                let (line, column) = e.position();
                self.config.move_cursor(CursorMove::Jump(
                    line.saturating_sub(1).min(u16::MAX as usize) as u16,
                    column.saturating_sub(1).min(u16::MAX as usize) as u16,
                ));
                self.focus_on(Field::Config);
                return Err(format!("config: {e}"));
            }
        };
        if config.job.as_ref() != Some(&self.job) {
            self.focus_on(Field::Config);
            return Err(format!(
                "config: $.job must stay {} (the job being updated); to update another job, press e on it",
                self.job
            ));
        }
        let texts: Vec<String> = self.settings.iter().map(Input::text).collect();
        let settings = UpdateSettings::parse(&texts).map_err(|(f, e)| {
            self.focus_on(f);
            e
        })?;
        Ok((
            JobUpdateRequest {
                task_config: Some(config),
                instance_count: Some(settings.instances),
                settings: Some(settings.to_update_settings()),
                metadata: None,
            },
            settings.message.clone(),
        ))
    }
}

/// The instances of config groups as merged ranges (never expanded into ids: a scheduler's
/// range may span two billion of them).
fn ranges_of_groups(groups: &Option<Vec<ConfigGroup>>) -> Vec<Range> {
    merge_ranges(
        groups
            .iter()
            .flatten()
            .flat_map(|g| g.instances.iter().flatten()),
    )
}

fn lines(c: &TaskConfig) -> Vec<String> {
    config_json::diff_lines_of(c)
}

impl State {
    /// `e`: opens the editor for the selected job and asks for its running config.
    pub(super) fn open_editor(&mut self, fx: &mut Vec<Effect>) {
        let Some(job) = self.selected_job() else {
            self.say("no job here: select one to update", Level::Error);
            return;
        };
        let Some(key) = JobKey::parse(&job) else {
            return;
        };
        if let Some(schedule) = self.cron_schedule_of(&job) {
            self.say(
                format!(
                    "{job} is a cron job ({schedule}): Aurora does not update cron jobs (it wants replaceCronTemplate, which Eos does not send)"
                ),
                Level::Error,
            );
            return;
        }
        if let Some(u) = self.active_update_of(&job) {
            self.say(
                format!(
                    "{job} already has an active update ({u}); Aurora refuses a second one — let it finish, or abort or roll it back first"
                ),
                Level::Error,
            );
            return;
        }
        let rk = ResourceKey::Config(job);
        let tick = self.ticks;
        let generation = self.store.entry(rk.clone()).or_default().start(tick);
        fx.push(Effect::Fetch {
            key: rk,
            generation,
        });
        self.overlays.editor = Some(Box::new(Editor::loading(key)));
        self.dirty = true;
    }

    /// The cron schedule of a job, if any loaded job summary says it has one.
    fn cron_schedule_of(&self, job: &str) -> Option<String> {
        self.store
            .iter()
            .find_map(|(k, slot)| match (k, slot.data.as_deref()) {
                (ResourceKey::Jobs(_), Some(Data::Jobs(jobs))) => jobs.iter().find_map(|j| {
                    let c = j.job.as_ref()?;
                    (c.key.as_ref()?.to_string() == job)
                        .then(|| c.cron_schedule.clone())
                        .flatten()
                        .filter(|s| !s.trim().is_empty())
                }),
                _ => None,
            })
    }

    /// A fetch finished: the editor takes the running config it was waiting for.
    pub(super) fn editor_fetched(&mut self, key: &ResourceKey) {
        let Some(ed) = self.overlays.editor.as_ref() else {
            return;
        };
        let job = ed.job.to_string();
        if ed.step != Step::Loading || *key != ResourceKey::Config(job.clone()) {
            return;
        }
        let Some(slot) = self.store.get(key) else {
            return;
        };
        // `finish` just ran for this reply: an error means it failed.
        if let Some((_, e)) = &slot.error {
            let e = e.clone();
            self.overlays.editor = None;
            self.say(
                format!("cannot start an update: the config of {job} did not load: {e}"),
                Level::Error,
            );
            return;
        }
        let groups = match slot.data.as_deref() {
            Some(Data::Config(c)) => c.groups.clone().unwrap_or_default(),
            _ => return,
        };
        let refusal = match groups.as_slice() {
            [] => Some(format!(
                "{job} has no active instances, so there is no running config to start from"
            )),
            [g] if g.config.as_ref().and_then(|c| c.is_service) == Some(false) => Some(format!(
                "{job} is not a service (isService is false): Aurora updates services only"
            )),
            [_] => None,
            many => Some(format!(
                "{job} runs {} different configs ({}): an update would replace them all with one; let the job settle on one config first (finish, roll back or redo the update that left it split)",
                many.len(),
                many.iter()
                    .map(|g| format!(
                        "instances {}",
                        format_ranges(g.instances.as_deref().unwrap_or(&[]))
                    ))
                    .collect::<Vec<_>>()
                    .join(" · ")
            )),
        };
        if let Some(r) = refusal {
            self.overlays.editor = None;
            self.say(format!("cannot start an update: {r}"), Level::Error);
            return;
        }
        let g = groups.into_iter().next().expect("one group");
        let ed = self.overlays.editor.as_mut().expect("checked");
        ed.loaded(
            g.config.unwrap_or_default(),
            g.instances.unwrap_or_default(),
        );
        self.dirty = true;
        self.offer_unsent_edit(&job);
    }

    /// The editor just loaded `job`'s config: an edit of it left unsent earlier is offered back,
    /// with what it changes against the config the job runs now.
    pub(super) fn offer_unsent_edit(&mut self, job: &str) {
        let (Some(draft), Some(ed)) = (self.unsent_edits.get(job), self.overlays.editor.as_ref())
        else {
            return;
        };
        let Some(now) = ed.draft() else { return };
        if *draft == now {
            // Nothing left to offer: the job now runs what the edit asked for.
            self.unsent_edits.remove(job);
            return;
        }
        let old: Vec<String> = now.config.lines().map(str::to_owned).collect();
        let new: Vec<String> = draft.config.lines().map(str::to_owned).collect();
        let against = match ed.service {
            Some(_) => "Its changes against the service's spec as it is now:",
            None => "Its changes against the job's config as it runs now:",
        };
        let mut lines = vec![
            format!("You closed an edit of {job} without sending it."),
            against.to_owned(),
        ];
        let diff = diff_lines(&old, &new, 0);
        let changed: Vec<String> = diff
            .iter()
            .filter_map(|l| match l {
                DiffLine::Removed(t) => Some(format!("- {}", t.trim())),
                DiffLine::Added(t) => Some(format!("+ {}", t.trim())),
                _ => None,
            })
            .collect();
        const SHOWN: usize = 6;
        if changed.is_empty() {
            lines.push("  (config unchanged)".to_owned());
        }
        lines.extend(changed.iter().take(SHOWN).map(|l| format!("  {l}")));
        if changed.len() > SHOWN {
            lines.push(format!("  … {} more changed lines", changed.len() - SHOWN));
        }
        for (f, (was, is)) in Field::SETTINGS
            .iter()
            .zip(now.settings.iter().zip(&draft.settings))
        {
            if was != is {
                lines.push(format!("  {}: {was} → {is}", f.label()));
            }
        }
        self.overlays.dialog = Some(super::widgets::dialog::Dialog::Ask(Box::new(
            super::widgets::dialog::Ask::new(
                super::widgets::dialog::Question::RestoreEdit,
                "Restore your unsent edit?",
                lines,
                "Start fresh",
                "Restore it",
            ),
        )));
        if let Some(super::widgets::dialog::Dialog::Ask(a)) = self.overlays.dialog.as_mut() {
            // Taking the work back up is the safe answer: it sends nothing either.
            a.focus = super::widgets::dialog::Focus::Confirm;
        }
    }

    /// The answer to "restore your unsent edit?".
    pub(super) fn editor_restore_answered(&mut self, yes: bool) {
        let Some(ed) = self.overlays.editor.as_mut() else {
            return;
        };
        let job = ed.subject();
        if yes {
            if let Some(d) = self.unsent_edits.get(&job) {
                ed.restore(d);
                self.say(format!("restored your unsent edit of {job}"), Level::Info);
            }
        } else {
            self.unsent_edits.remove(&job);
            self.say(
                format!("started fresh from {job}'s running config; the earlier edit is gone"),
                Level::Info,
            );
        }
    }

    /// The answer to "discard your changes?".
    pub(super) fn editor_discard_answered(&mut self, yes: bool) {
        if !yes {
            return;
        }
        self.close_editor_unsent();
    }

    /// Closes the editor with nothing sent, keeping an edit to offer again on `e`.
    fn close_editor_unsent(&mut self) {
        let Some(ed) = self.overlays.editor.take() else {
            return;
        };
        let job = ed.subject();
        if ed.edited()
            && let Some(d) = ed.draft()
        {
            self.unsent_edits.insert(job.clone(), d);
            self.say(
                format!(
                    "update editor closed: nothing was sent (e on {job} offers your edit again)"
                ),
                Level::Info,
            );
        } else {
            self.say("update editor closed: nothing was sent", Level::Info);
        }
    }

    /// A key while the editor is open.
    pub(super) fn on_editor_key(&mut self, key: KeyEvent, fx: &mut Vec<Effect>) {
        self.dirty = true;
        if key.code == KeyCode::Esc {
            let edited = self.overlays.editor.as_ref().is_some_and(|e| e.edited());
            let swarm = self
                .overlays
                .editor
                .as_ref()
                .is_some_and(|e| e.service.is_some());
            if edited {
                self.overlays.dialog = Some(super::widgets::dialog::Dialog::Ask(Box::new(
                    super::widgets::dialog::Ask::new(
                        super::widgets::dialog::Question::DiscardEdits,
                        "Discard your changes?",
                        vec![
                            "You have edited this update and not sent it.".to_owned(),
                            format!(
                                "Discard your changes? (e on the {} offers them again while Eos runs)",
                                if swarm { "service" } else { "job" }
                            ),
                        ],
                        "Keep editing",
                        "Discard",
                    ),
                )));
            } else {
                self.close_editor_unsent();
            }
            return;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let ed = self.overlays.editor.as_mut().expect("checked");
        match &ed.step {
            Step::Loading | Step::Previewing { .. } => {}
            Step::Edit => {
                let shift_tab = key.code == KeyCode::BackTab
                    || (key.code == KeyCode::Tab && key.modifiers.contains(KeyModifiers::SHIFT));
                match key.code {
                    KeyCode::Char('s') if ctrl => self.editor_preview(fx),
                    KeyCode::F(5) => self.editor_preview(fx),
                    _ if shift_tab => ed.cycle(false),
                    KeyCode::Tab => ed.cycle(true),
                    KeyCode::Enter if ed.focus == Field::Message => self.editor_preview(fx),
                    KeyCode::Enter if ed.focus != Field::Config => ed.cycle(true),
                    _ => ed.type_key(key),
                }
            }
            Step::Preview(p) => match key.code {
                KeyCode::Enter if p.changes() => {
                    let op = Operation::StartUpdate {
                        request: Box::new(p.request.clone()),
                        message: p.message.clone(),
                    };
                    self.confirm(op, 0);
                }
                KeyCode::Enter => self.say(
                    "Job is unchanged by proposed update: nothing to start (Backspace edits, Esc closes)",
                    Level::Info,
                ),
                KeyCode::Backspace => {
                    ed.step = Step::Edit;
                    ed.scroll = 0;
                }
                KeyCode::Down | KeyCode::Char('j') => ed.scroll += 1,
                KeyCode::Up | KeyCode::Char('k') => ed.scroll = ed.scroll.saturating_sub(1),
                KeyCode::PageDown => ed.scroll += 10,
                KeyCode::PageUp => ed.scroll = ed.scroll.saturating_sub(10),
                KeyCode::Home | KeyCode::Char('g') => ed.scroll = 0,
                _ => {}
            },
        }
    }

    /// Builds the request from the editor and asks the scheduler what it would do.
    fn editor_preview(&mut self, fx: &mut Vec<Effect>) {
        let ed = self.overlays.editor.as_mut().expect("checked");
        match ed.request() {
            Err(e) => ed.error = Some(e),
            Ok((request, message)) => {
                self.editor_seq += 1;
                let id = self.editor_seq;
                ed.error = None;
                ed.step = Step::Previewing {
                    id,
                    request: Box::new(request.clone()),
                    message,
                };
                fx.push(Effect::PreviewUpdate {
                    id,
                    request: Box::new(request),
                });
            }
        }
    }

    /// getJobUpdateDiff answered.
    pub(super) fn on_previewed(&mut self, p: Previewed) {
        let Some(ed) = self.overlays.editor.as_mut() else {
            return;
        };
        let Step::Previewing {
            id,
            request,
            message,
        } = &ed.step
        else {
            return;
        };
        if *id != p.id {
            return;
        }
        self.dirty = true;
        match p.result {
            Err(e) => {
                ed.step = Step::Edit;
                ed.error = Some(format!("the scheduler refused the preview: {e}"));
            }
            Ok(d) => {
                let old = ed.original.as_ref().map(lines).unwrap_or_default();
                let new = request.task_config.as_ref().map(lines).unwrap_or_default();
                let preview = Preview {
                    request: (**request).clone(),
                    message: message.clone(),
                    add: ranges_of_groups(&d.add),
                    remove: ranges_of_groups(&d.remove),
                    update: ranges_of_groups(&d.update),
                    unchanged: ranges_of_groups(&d.unchanged),
                    config_diff: diff_lines(&old, &new, 3),
                };
                ed.scroll = 0;
                ed.step = Step::Preview(Box::new(preview));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn settings_parse_and_name_the_bad_field() {
        let s =
            UpdateSettings::parse(&texts(&["5", "2", "1", "3", "30", "n", "120", " hi "])).unwrap();
        assert_eq!(
            s,
            UpdateSettings {
                instances: 5,
                batch: 2,
                max_per_instance_failures: 1,
                max_failed_instances: 3,
                min_wait_secs: 30,
                rollback: false,
                pulse_secs: Some(120),
                message: Some("hi".into()),
            }
        );
        let u = s.to_update_settings();
        assert_eq!(u.update_group_size, Some(2));
        assert_eq!(u.wait_for_batch_completion, Some(false));
        assert_eq!(
            u.update_strategy,
            Some(JobUpdateStrategy::Queue(QueueJobUpdateStrategy {
                group_size: Some(2)
            }))
        );
        assert_eq!(u.min_wait_in_instance_running_ms, Some(30_000));
        assert_eq!(u.block_if_no_pulses_after_ms, Some(120_000));
        let bad = |v: &[&str]| UpdateSettings::parse(&texts(v)).unwrap_err();
        assert_eq!(
            bad(&["0", "1", "0", "0", "45", "y", "", ""]).0,
            Field::Instances
        );
        assert_eq!(
            bad(&["3", "x", "0", "0", "45", "y", "", ""]).0,
            Field::Batch
        );
        assert_eq!(
            bad(&["3", "1", "-1", "0", "45", "y", "", ""]).0,
            Field::MaxPerInstance
        );
        assert_eq!(
            bad(&["4000", "1", "6", "0", "45", "y", "", ""]).0,
            Field::MaxPerInstance
        );
        assert_eq!(
            bad(&["3", "1", "0", "0", "99999999", "y", "", ""]).0,
            Field::MinWait
        );
        assert_eq!(
            bad(&["3", "1", "0", "0", "45", "maybe", "", ""]).0,
            Field::Rollback
        );
        assert_eq!(
            bad(&["3", "1", "0", "0", "45", "y", "0", ""]).0,
            Field::Pulse
        );
        let d =
            UpdateSettings::parse(&texts(&["3", "1", "0", "0", "45", "YES", "", "  "])).unwrap();
        assert_eq!(
            (d.rollback, d.pulse_secs, d.message.clone()),
            (true, None, None)
        );
        assert_eq!(d.to_update_settings().block_if_no_pulses_after_ms, None);
    }
}
