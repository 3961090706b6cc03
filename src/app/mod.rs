//! Application state and the reducer: `update(&mut State, Action) -> Vec<Effect>`. Nothing here
//! does I/O, so every behaviour is testable without a terminal or a server.
//!
//! `app/` is a stack of layers, bottom to top; a layer imports only layers below it (checked by
//! `modcycles.py`: no import cycle between files):
//!
//! 1. `vocab/` — the vocabulary: named commands (`Command`), places (`Nav`), resources and their
//!    cache slots, mutations (`Operation`), and the messages to and from the edge (`Effect`,
//!    `Fetched`, `Mutated`, `Level`).
//! 2. `widgets/` — table, text input field, dialogs: state machines that know no screen.
//! 3. `views/` — one module per screen, each owning its table builder and its rows, from data
//!    alone (no `State`); `views/cells.rs` holds the cell text and styles they share.
//! 4. `screen.rs` (the screen stack's `Screen`: what each screen polls, its keymap layer and
//!    crumb) and `overlay.rs` (which overlay — notice, dialog, editor, input, help — has the keys).
//! 5. `command_line.rs` — the `:` commands: one table that parsing, Tab, help and read-only read.
//! 6. Features, the other files here: each extends `State` with one capability — operations
//!    (`operate`, `blast`), the rolling restart, the update editor (`editor`, `config_json`, `json_input`;
//!    on a Swarm the service's spec in it: `swarm_edit`, `spec_json`),
//!    host maintenance, triage, updates, clusters, `:` lookups (`goto`), quitting, the
//!    fail-over link, help, messages, mouse and key sequences.
//!
//! This file is the top: `State`, `Action` and `update`, the only place that routes to every
//! feature. The lower layers live in folders so the layering shows in the tree; features stay
//! flat because each is one file and they are the part that grows.

// Layers 1-5.
pub mod command_line;
pub mod overlay;
pub mod screen;
pub mod views;
pub mod vocab;
pub mod widgets;

// Layer 6: features.
mod blast;
pub mod capabilities;
pub mod clusters;
pub mod config_json;
pub mod editor;
mod goto;
pub mod help;
pub mod json_input;
mod keys;
pub mod link;
pub mod logs;
mod maintenance;
pub mod messages;
pub mod mouse;
mod operate;
mod quit;
pub mod rolling;
pub mod spec_json;
mod swarm_edit;
mod swarm_logs;
mod swarm_nav;
pub mod swarm_ops;
mod triage;
pub mod updates;

// Paths the rest of the crate and the tests use (`crate::app::table::Table`, …).
pub use views::cells as rows;
pub use views::hosts;
pub use vocab::{command, ops, resource};
pub use widgets::{dialog, table};
/// The text field, and the `:` command pairs under their older path.
pub mod input {
    pub use super::command_line::LINE_COMMANDS;
    pub use super::widgets::input::*;
}

use std::collections::HashMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use command_line::LineCommand;
pub use overlay::Overlay;
pub use screen::Screen;
pub use vocab::command::Command;
pub use vocab::events::{Effect, Fetched, Level, Mutated, MutationOutcome};
pub use vocab::nav::Nav;
use vocab::ops::{Control, Operation};
use vocab::resource::{Data, PendingScope, ResourceKey, Slot};
use widgets::input::{Input, InputKind};

use crate::aurora::model::JobUpdateSummary;
use crate::keymap::{Key, Keymap, Lookup};

/// Everything that can happen: a key, a named command, time passing, a reply arriving.
#[derive(Debug)]
pub enum Action {
    Key(KeyEvent),
    Command(Command),
    /// Go somewhere (from the command line or a test).
    Open(Nav),
    /// Time passed; `now` is the scheduler-side clock in ms.
    Tick(i64),
    /// The terminal's size changed.
    Resize(u16, u16),
    /// A left click at a screen cell (only with `--mouse`): selects the table row drawn there,
    /// or opens it when it is already selected.
    Click {
        column: u16,
        row: u16,
    },
    /// The mouse wheel (only with `--mouse`): rows to move the selection, down positive.
    Scroll(isize),
    Fetched(Box<Fetched>),
    /// A mutation's outcome.
    Mutated(Box<Mutated>),
    /// getJobUpdateDiff answered the update editor's preview.
    Previewed(Box<editor::Previewed>),
    /// What the edge learned about the connection (fail-over).
    Link(link::LinkNews),
    /// `:cluster NAME` succeeded: the edge now talks to that cluster.
    Connected(Box<clusters::Connected>),
    /// `:cluster NAME` failed; the console stays where it was.
    ConnectFailed {
        cluster: String,
        error: String,
    },
    /// The Thermos observer answered the log pane (`logs.rs`).
    LogReply(Box<logs::LogReply>),
    /// A log pane's save finished: bytes written or why not.
    LogSaved {
        path: String,
        result: Result<usize, String>,
    },
}

/// An update being held: pulsed while its screen stays open.
#[derive(Clone, Debug, PartialEq)]
pub struct Hold {
    pub key: String,
    /// A third of the update's `blockIfNoPulsesAfterMs`: the scheduler's own deadline is never
    /// reached while Eos holds, and is reached soon after it stops.
    pub every_ms: i64,
    pub last_sent: i64,
    pub in_flight: bool,
    pub last_result: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Message {
    pub text: String,
    pub level: Level,
    /// The tick after which it goes. Counted in the console's own ticks, not the scheduler's
    /// clock, which a simulator may run fast or freeze.
    pub until_tick: u64,
}

/// How long a message stays: 20 ticks of the console's 250 ms beat, i.e. five seconds.
pub const MESSAGE_TICKS: u64 = 20;

pub use help::Help;

/// Rows of chrome around a view's body: header, breadcrumbs, table header, hints.
pub const CHROME_ROWS: u16 = 5;

#[derive(Debug)]
pub struct State {
    pub stack: Vec<Screen>,
    pub store: HashMap<ResourceKey, Slot>,
    pub now: i64,
    pub frozen: bool,
    pub keymap: Keymap,
    pending_keys: Vec<Key>,
    /// What lies over the current screen: the modal overlays (`overlay.rs`).
    pub overlays: overlay::Overlays,
    pub message: Option<Message>,
    /// Every message said, for `:messages`.
    pub messages: messages::History,
    pub cluster: Option<String>,
    pub scheduler_url: String,
    /// Polling interval of ordinary views.
    pub refresh_ms: i64,
    /// Polling interval of an active update's detail view.
    pub update_refresh_ms: i64,
    pub width: u16,
    pub height: u16,
    /// Something visible changed since the last draw.
    pub dirty: bool,
    pub command_history: Vec<String>,
    /// The header's age text as last drawn; a tick redraws only when it changes.
    age_label: String,
    /// No mutating action at all (`--read-only`).
    pub read_only: bool,
    /// What the backend can do: the rest is neither offered nor sent (`capabilities.rs`).
    pub capabilities: capabilities::Capabilities,
    /// The cluster is production: every mutation asks to type the job name.
    pub prod_cluster: bool,
    /// Mutations sent and not yet answered.
    pub pending_mutations: Vec<(u64, Operation)>,
    next_mutation: u64,
    pub hold: Option<Hold>,
    /// A hold waiting for its confirmation.
    hold_offer: Option<Hold>,
    editor_seq: u64,
    /// Update edits closed without being sent, by job key: `e` on the job offers them again.
    pub unsent_edits: HashMap<String, editor::Draft>,
    /// The rolling restart (offered, running, or its final result): see `rolling.rs`.
    pub rolling: Option<rolling::Rolling>,
    /// Ticks seen so far (the console's own beat, for how long messages stay).
    ticks: u64,
    /// The tick of the last successful answer from the scheduler: an outage began no earlier.
    last_answer_tick: u64,
    /// The configuration file and the flags that beat it; a cluster's overrides are applied
    /// when its name arrives (`apply_cluster_settings`).
    pub settings: crate::config::Settings,
    /// The cluster's look: its theme (by name, resolved by the terminal layer) and accent.
    pub look: Look,
    /// The sandbox link template (`{host}`, `{task_id}`).
    pub observer_url: String,
    /// The connection to the leader as the user should see it (fail-over banner).
    pub link: link::Link,
    /// The clusters of clusters.json, for `:cluster` completion and checks.
    pub known_clusters: Vec<String>,
    /// The cluster was chosen by its clusters.json name: the scheduler's own name for itself
    /// (serverInfo.clusterName) does not replace it.
    pub cluster_pinned: bool,
    /// A `:cluster` switch under way.
    pub switching: Option<String>,
    /// A `:` target being looked up before its view opens (see `goto.rs`).
    pub lookup: Option<goto::Lookup>,
    /// The log pane (`l`), over the view while open.
    pub logs: Option<Box<logs::LogPane>>,
}

/// How the current cluster asks to be drawn.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Look {
    /// A theme name or file from `[clusters.NAME] theme` (not when `--theme` was given).
    pub theme: Option<String>,
    /// The header colour from `[clusters.NAME] accent`.
    pub accent: Option<ratatui::style::Color>,
}

impl State {
    pub fn new(scheduler_url: &str, keymap: Keymap, start: Nav, now: i64) -> State {
        // The bottom of the stack is the scheduler's home: a Swarm's services, else the roles.
        let home = if start == Nav::Services {
            Nav::Services
        } else {
            Nav::Roles
        };
        let mut stack = vec![Screen::open(&home)];
        if start != home {
            stack.push(Screen::open(&start));
        }
        State {
            stack,
            store: HashMap::new(),
            now,
            frozen: false,
            keymap,
            pending_keys: Vec::new(),
            overlays: overlay::Overlays::default(),
            message: None,
            messages: messages::History::default(),
            cluster: None,
            scheduler_url: scheduler_url.to_owned(),
            refresh_ms: 5000,
            update_refresh_ms: 1500,
            width: 80,
            height: 24,
            dirty: true,
            command_history: Vec::new(),
            age_label: String::new(),
            read_only: false,
            capabilities: capabilities::Capabilities::all(),
            prod_cluster: false,
            pending_mutations: Vec::new(),
            next_mutation: 0,
            hold: None,
            hold_offer: None,
            editor_seq: 0,
            unsent_edits: HashMap::new(),
            rolling: None,
            ticks: 0,
            last_answer_tick: 0,
            settings: crate::config::Settings::default(),
            look: Look::default(),
            observer_url: crate::config::DEFAULT_OBSERVER_URL.to_owned(),
            link: link::Link::default(),
            known_clusters: Vec::new(),
            cluster_pinned: false,
            switching: None,
            lookup: None,
            logs: None,
        }
    }

    /// Installs the settings and applies what the current cluster (if known yet) overrides.
    pub fn set_settings(&mut self, settings: crate::config::Settings) {
        self.settings = settings;
        self.apply_cluster_settings();
    }

    /// Applies the configuration for `self.cluster`: its theme and accent, read-only (never
    /// lifting `--read-only`), prod marking and sandbox link. A setting the cluster does not
    /// give keeps its current value (the file's global one or the flag's).
    pub fn apply_cluster_settings(&mut self) {
        let global_observer = self
            .settings
            .config
            .observer_url
            .clone()
            .unwrap_or_else(|| crate::config::DEFAULT_OBSERVER_URL.to_owned());
        let Some(c) = self.settings.cluster(self.cluster.as_deref()).cloned() else {
            self.look = Look::default();
            self.observer_url = global_observer;
            return;
        };
        self.look = Look {
            theme: c.theme.clone().filter(|_| !self.settings.theme_flag),
            accent: c.accent,
        };
        if let Some(ro) = c.read_only {
            self.read_only = self.settings.read_only_flag || ro;
        }
        if let Some(p) = c.prod {
            self.prod_cluster = p;
        }
        self.observer_url = c.observer_url.unwrap_or(global_observer);
        self.dirty = true;
    }

    pub fn top(&self) -> &Screen {
        self.stack.last().expect("the stack always has a screen")
    }

    fn top_mut(&mut self) -> &mut Screen {
        self.stack
            .last_mut()
            .expect("the stack always has a screen")
    }

    /// Rows a table body can show.
    pub fn body_rows(&self) -> usize {
        self.height
            .saturating_sub(CHROME_ROWS + self.rolling_banner_rows() + self.link_banner_rows())
            .max(1) as usize
    }

    pub fn data(&self, key: &ResourceKey) -> Option<&Data> {
        self.store.get(key).and_then(|s| s.data.as_deref())
    }

    pub fn slot(&self, key: &ResourceKey) -> Option<&Slot> {
        self.store.get(key)
    }

    /// The age of what the current view shows, and whether its last refresh failed.
    pub fn freshness(&self) -> Freshness {
        let key = self.top().primary();
        let Some(slot) = self.store.get(&key) else {
            return Freshness::Loading;
        };
        // A request still unanswered after a refresh interval (a scheduler that accepts the
        // connection and never answers), or a retry of a failed one: say so, and how long,
        // rather than "ok" from the last answer or a "retry in 0s" that is already under way.
        if slot.in_flight.is_some() {
            let waited_ticks = self.ticks.saturating_sub(slot.sent_tick);
            let interval_ticks =
                (self.interval_for(&key).max(0) as u64).div_ceil(1000 / link::TICKS_PER_SEC);
            if slot.error.is_some() || waited_ticks > interval_ticks {
                return Freshness::Waiting {
                    age_ms: slot.loaded_at.map(|at| (self.now - at).max(0)),
                    waiting_secs: waited_ticks / link::TICKS_PER_SEC,
                    error: slot.error.as_ref().map(|(_, e)| e.clone()),
                };
            }
        }
        match (&slot.loaded_at, &slot.error) {
            (None, None) => Freshness::Loading,
            (None, Some((_, e))) => Freshness::Failed {
                error: e.clone(),
                retry_in_ms: (slot.next_due - self.now).max(0),
            },
            (Some(at), None) => Freshness::Fresh {
                age_ms: (self.now - at).max(0),
                latency_ms: slot.last_latency_ms,
            },
            (Some(at), Some((_, e))) => Freshness::Stale {
                age_ms: (self.now - at).max(0),
                error: e.clone(),
                retry_in_ms: (slot.next_due - self.now).max(0),
            },
        }
    }

    pub fn breadcrumbs(&self) -> Vec<String> {
        let mut crumbs = vec![self.cluster.clone().unwrap_or_else(|| "…".into())];
        crumbs.extend(self.stack.iter().skip(1).map(Screen::crumb));
        if self.stack.len() == 1 {
            crumbs.push(self.top().crumb());
        }
        crumbs
    }

    fn say(&mut self, text: impl Into<String>, level: Level) {
        let text = text.into();
        self.messages.push(self.now, level, &text);
        self.message = Some(Message {
            text,
            level,
            until_tick: self.ticks + MESSAGE_TICKS,
        });
        self.dirty = true;
    }

    fn open(&mut self, nav: Nav, fx: &mut Vec<Effect>) {
        // Going anywhere else drops a `:` target still being looked up.
        self.lookup = None;
        if let Nav::SwitchCluster(name) = nav {
            self.switch_cluster(name, fx);
            return;
        }
        // On a Swarm, Aurora's places are the Swarm's own (`:hosts` is the nodes).
        let nav = self.swarm_place(nav);
        if nav == Nav::Roles || nav == Nav::Services {
            self.stack.truncate(1);
        } else {
            self.stack.push(Screen::open(&nav));
        }
        self.rebuild_top();
        self.schedule(fx, false);
        self.dirty = true;
    }

    /// Sends the polls the visible view needs now (all of them when `force`).
    /// Clears the marks of the view's table; false when there were none.
    fn clear_marks(&mut self) -> bool {
        match self.top_mut().table_mut() {
            Some(t) if !t.marked.is_empty() => {
                t.marked.clear();
                t.mark_anchor = None;
                true
            }
            _ => false,
        }
    }

    /// Goes back one view; false on the top view.
    fn pop_view(&mut self, fx: &mut Vec<Effect>) -> bool {
        if self.stack.len() < 2 {
            return false;
        }
        self.stack.pop();
        self.rebuild_top();
        self.schedule(fx, false);
        true
    }

    fn schedule(&mut self, fx: &mut Vec<Effect>, force: bool) {
        if self.frozen && !force {
            return;
        }
        let (now, tick) = (self.now, self.ticks);
        for key in self.top().resources() {
            let slot = self.store.entry(key.clone()).or_default();
            if force || slot.due(now) {
                let generation = slot.start(tick);
                fx.push(Effect::Fetch { key, generation });
            }
        }
    }

    fn interval_for(&self, key: &ResourceKey) -> i64 {
        if *key == ResourceKey::Clusters {
            return self.refresh_ms.max(clusters::CLUSTERS_REFRESH_MS);
        }
        if let Some(ms) = self.rolling_interval(key) {
            return ms;
        }
        if let Some(ms) = self.hosts_interval(key) {
            return ms;
        }
        if let Some(ms) = self.swarm_interval(key) {
            return ms;
        }
        let active_update = matches!(key, ResourceKey::UpdateDetails(_))
            && matches!(self.data(key), Some(Data::UpdateDetails(Some(d))) if d
                .update
                .as_ref()
                .and_then(|u| u.summary.as_ref())
                .is_some_and(JobUpdateSummary::is_active));
        if active_update {
            self.update_refresh_ms
        } else {
            self.refresh_ms
        }
    }

    /// Rebuilds the top view's rows from the store (after data arrived or the view opened).
    fn rebuild_top(&mut self) {
        let now = self.now;
        let get = |key: &ResourceKey| self.store.get(key).and_then(|s| s.data.clone());
        let rows = match self.top() {
            Screen::Roles { .. } => match get(&ResourceKey::Roles).as_deref() {
                Some(Data::Roles(r)) => Some(views::roles::role_rows(r)),
                _ => None,
            },
            Screen::Jobs { role, .. } => {
                let updates = get(&ResourceKey::Updates(role.clone()));
                let updates = match updates.as_deref() {
                    Some(Data::Updates(u)) => u.as_slice(),
                    _ => &[],
                };
                match get(&ResourceKey::Jobs(role.clone())).as_deref() {
                    Some(Data::Jobs(j)) => Some(views::jobs::job_rows(j, updates, now)),
                    _ => None,
                }
            }
            Screen::Tasks { job, history, .. } => {
                let reasons = get(&ResourceKey::PendingReasons(PendingScope::Job(job.clone())));
                let reasons = match reasons.as_deref() {
                    Some(Data::PendingReasons(r)) => r.as_slice(),
                    _ => &[],
                };
                let key = ResourceKey::Tasks {
                    job: job.clone(),
                    history: *history,
                };
                match get(&key).as_deref() {
                    Some(Data::Tasks(t)) => Some(views::tasks::task_rows(t, reasons, now)),
                    _ => None,
                }
            }
            Screen::Updates { role, .. } => {
                match get(&ResourceKey::Updates(role.clone())).as_deref() {
                    Some(Data::Updates(u)) => {
                        let active = updates::active_keys(u);
                        let cells = updates::progress_cells(self, &active);
                        if let Screen::Updates { active: a, .. } = self.top_mut() {
                            *a = active;
                        }
                        Some(views::updates::update_rows(u, &cells, now))
                    }
                    _ => None,
                }
            }
            Screen::Update { .. } => {
                if self.resolve_job_update() {
                    return self.rebuild_top();
                }
                None
            }
            // Triage joins four reads; it shows once all of them have arrived.
            Screen::Triage { .. } => self.triage_rows(),
            Screen::Hosts { .. } | Screen::Host { .. } => self.host_rows(),
            Screen::Clusters { .. } => self.clusters_rows(),
            Screen::Services { .. } => match get(&ResourceKey::SwarmServices).as_deref() {
                Some(Data::SwarmServices(s)) => Some(views::services::service_rows(s, now)),
                _ => None,
            },
            Screen::SwarmTasks {
                service, history, ..
            } => match get(&ResourceKey::SwarmTasks(service.clone())).as_deref() {
                Some(Data::SwarmTasks(t)) => {
                    Some(views::swarm_tasks::swarm_task_rows(t, *history, now))
                }
                _ => None,
            },
            Screen::Nodes { .. } => match get(&ResourceKey::SwarmNodes).as_deref() {
                Some(Data::SwarmNodes(n)) => Some(views::nodes::node_rows(n)),
                _ => None,
            },
            Screen::SwarmTriage { .. } => match get(&ResourceKey::SwarmTriage).as_deref() {
                Some(Data::SwarmTriage(t)) => Some(views::swarm_triage::swarm_triage_rows(t, now)),
                _ => None,
            },
            Screen::SwarmUpdates { .. } => match get(&ResourceKey::SwarmUpdates).as_deref() {
                Some(Data::SwarmUpdates(u)) => {
                    Some(views::swarm_updates::swarm_update_rows(u, now))
                }
                _ => None,
            },
            _ => None,
        };
        if let (Some(rows), Some(table)) = (rows, self.top_mut().table_mut()) {
            table.set_rows(rows, now);
        }
    }

    fn on_fetched(&mut self, f: Fetched, fx: &mut Vec<Effect>) {
        if let Some(c) = f.cluster
            && !self.cluster_pinned
            && self.cluster.as_ref() != Some(&c)
        {
            self.cluster = Some(c);
            self.apply_cluster_settings();
        }
        let interval = self.interval_for(&f.key);
        let slot = self.store.entry(f.key.clone()).or_default();
        if !slot.finish(f.generation, f.at, f.latency_ms, f.result, interval) {
            return;
        }
        if slot.error.is_none() {
            self.last_answer_tick = self.ticks;
        }
        self.cap_retries();
        self.editor_fetched(&f.key);
        self.spec_editor_fetched(&f.key);
        // The detail view of an update speeds up or slows down as it becomes (in)active.
        let interval = self.interval_for(&f.key);
        if let Some(slot) = self.store.get_mut(&f.key)
            && slot.error.is_none()
        {
            slot.next_due = f.at + interval;
        }
        let before = self.top().resources();
        if before.contains(&f.key) {
            self.rebuild_top();
            self.dirty = true;
            // What arrived can name more to read (an update list's active updates, the update
            // a `:update JOB` means): those go out now rather than on the next tick.
            if self.top().resources() != before {
                self.schedule(fx, false);
            }
        }
    }

    fn on_tick(&mut self, now: i64, fx: &mut Vec<Effect>) {
        self.now = now;
        self.ticks += 1;
        self.schedule(fx, false);
        self.keep_holding(fx);
        self.rolling_step(fx);
        self.logs_tick(fx);
        if self
            .message
            .as_ref()
            .is_some_and(|m| self.ticks >= m.until_tick)
        {
            self.message = None;
            self.dirty = true;
        }
        let mut label = self.freshness().label();
        if let Some((banner, _)) = self.link.banner(self.ticks, &self.scheduler_url) {
            label.push_str(&banner);
        }
        if label != self.age_label {
            self.age_label = label;
            self.dirty = true;
        }
    }

    fn on_key(&mut self, key: KeyEvent, fx: &mut Vec<Effect>) {
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            self.request_quit(fx);
            return;
        }
        // The topmost overlay takes every key; text input gets them before the keymap.
        match self.overlay() {
            Some(Overlay::Notice) => {
                if matches!(key.code, KeyCode::Enter | KeyCode::Esc) {
                    self.overlays.notice = None;
                    self.dirty = true;
                }
                return;
            }
            Some(Overlay::Messages) => return self.on_messages_key(key),
            Some(Overlay::Ask) => return self.on_ask_key(key, fx),
            Some(Overlay::Dialog) => return self.on_dialog_key(key, fx),
            Some(Overlay::Editor) if self.editing_spec() => {
                return self.on_spec_editor_key(key, fx);
            }
            Some(Overlay::Editor) => return self.on_editor_key(key, fx),
            Some(Overlay::LogTyping) => return self.on_logs_typing(key, fx),
            Some(Overlay::Input) => return self.on_input_key(key, fx),
            Some(Overlay::Help) | None => {}
        }
        if let Some(next) = self.esc_then(&key) {
            self.on_key(keys::esc(), fx);
            self.on_key(next, fx);
            return;
        }
        if self.overlays.help.is_some() && self.on_help_key(key) {
            return;
        }
        self.pending_keys.push(Key::from_event(&key));
        let layers = if self.overlays.help.is_some() {
            vec![crate::keymap::Layer::Help, crate::keymap::Layer::Global]
        } else if self.logs.is_some() {
            crate::keymap::Layer::Logs.chain()
        } else {
            self.top().layers()
        };
        match self.keymap.lookup(&layers, &self.pending_keys) {
            Lookup::Command(c) => {
                self.pending_keys.clear();
                self.on_command(c, fx);
            }
            Lookup::Pending => self.dirty = true,
            Lookup::None => {
                self.pending_keys.clear();
            }
        }
    }

    fn on_input_key(&mut self, key: KeyEvent, fx: &mut Vec<Effect>) {
        let input = self.overlays.input.as_mut().expect("checked");
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            self.overlays.input = None;
            self.on_command(Command::Quit, fx);
            return;
        }
        match key.code {
            KeyCode::Esc => {
                if input.kind == InputKind::Filter
                    && let Some(t) = self.top_mut().table_mut()
                {
                    let _ = t.set_filter("");
                }
                self.overlays.input = None;
            }
            KeyCode::Enter => {
                let input = self.overlays.input.take().expect("checked");
                let text = input.text();
                match input.kind {
                    InputKind::Filter => {}
                    InputKind::Command => {
                        if !text.trim().is_empty() {
                            self.command_history.retain(|h| h != &text);
                            self.command_history.push(text.clone());
                        }
                        self.run_command_line(&text, fx);
                    }
                }
            }
            KeyCode::Tab if input.kind == InputKind::Command => {
                let candidates = self.completion_candidates();
                if let Some(i) = self.overlays.input.as_mut() {
                    i.complete(&candidates);
                }
            }
            KeyCode::Up if input.kind == InputKind::Command => {
                let h = self.command_history.clone();
                input.history(&h, true);
            }
            KeyCode::Down if input.kind == InputKind::Command => {
                let h = self.command_history.clone();
                input.history(&h, false);
            }
            _ => {
                input.key(key);
                if input.kind == InputKind::Filter {
                    let text = input.text();
                    let result = self.top_mut().table_mut().map(|t| t.set_filter(&text));
                    if let Some(Err(e)) = result {
                        self.say(e, Level::Error);
                    }
                }
            }
        }
        self.dirty = true;
    }

    fn run_command_line(&mut self, line: &str, fx: &mut Vec<Effect>) {
        // As in vi, `:q!` quits without asking, work in flight or not.
        if line.trim() == "q!" {
            fx.push(Effect::Quit);
            return;
        }
        if self.refuse_unsupported_line(line) {
            return;
        }
        if let Some(nav) = self.swarm_line(line) {
            return self.go_to(nav, fx);
        }
        match command_line::parse_command_line(line, self.top().role().as_deref()) {
            Ok(LineCommand::Go(nav)) => self.go_to(nav, fx),
            Ok(LineCommand::Run(c)) => self.on_command(c, fx),
            Ok(LineCommand::Operation(op)) => {
                if self.read_only {
                    self.say(
                        format!(
                            "read-only: {} is disabled (Eos was started with --read-only)",
                            op.method()
                        ),
                        Level::Error,
                    );
                } else {
                    self.confirm(op, 0);
                }
            }
            Ok(LineCommand::Rolling(c)) => self.rolling_command(c, fx),
            Ok(LineCommand::Cluster(name)) => self.switch_cluster(name, fx),
            Ok(LineCommand::Nothing) => {}
            Err(e) => self.say(e, Level::Error),
        }
    }

    /// Words the command line can complete: command names, then roles, job and update keys.
    fn completion_candidates(&self) -> Vec<String> {
        let line = self
            .overlays
            .input
            .as_ref()
            .map(|i| i.text())
            .unwrap_or_default();
        if line.trim_start().starts_with("cluster ") {
            return self.known_clusters.clone();
        }
        let mut out: Vec<String> = command_line::completions(self.read_only)
            .into_iter()
            .filter(|n| self.offers_line(n.trim_end()))
            .collect();
        if let Some(Data::Roles(r)) = self.data(&ResourceKey::Roles) {
            out.extend(r.iter().filter_map(|r| r.role.clone()));
        }
        for (key, slot) in &self.store {
            match (key, slot.data.as_deref()) {
                (ResourceKey::Jobs(_), Some(Data::Jobs(jobs))) => out.extend(
                    jobs.iter()
                        .filter_map(|j| Some(j.job.as_ref()?.key.as_ref()?.to_string())),
                ),
                (ResourceKey::Updates(_), Some(Data::Updates(ups))) => {
                    out.extend(ups.iter().filter_map(|u| Some(u.key.as_ref()?.to_string())))
                }
                (ResourceKey::ActiveTasks | ResourceKey::Maintenance, Some(d)) => {
                    out.extend(views::hosts::host_names(d))
                }
                // A Swarm's services, for `:service`, `:job` and `:update`.
                (ResourceKey::SwarmServices, Some(Data::SwarmServices(services))) => {
                    out.extend(services.iter().map(|r| r.name.clone()))
                }
                _ => {}
            }
        }
        out.sort();
        out.dedup();
        out
    }

    fn on_command(&mut self, c: Command, fx: &mut Vec<Effect>) {
        self.dirty = true;
        if self.overlays.help.is_none() && self.on_logs_command(c, fx) {
            return;
        }
        if c.mutates() && self.read_only {
            self.say(
                format!(
                    "read-only: {} is disabled (Eos was started with --read-only)",
                    c.name()
                ),
                Level::Error,
            );
            return;
        }
        if self.overlays.help.is_some() && self.help_command(c) {
            return;
        }
        if self.refuse_unsupported_command(c) {
            return;
        }
        // On a Swarm, `u`/`t` open a service's places and the changes act on services and
        // nodes (`swarm_nav.rs`, `swarm_ops.rs`).
        if self.swarm_command(c, fx) || self.swarm_change_command(c, fx) {
            return;
        }
        let page = self.body_rows().saturating_sub(1).max(1) as isize;
        match c {
            Command::Quit => self.request_quit(fx),
            Command::Back => {
                if !self.clear_marks() && !self.pop_view(fx) {
                    self.request_quit(fx);
                }
            }
            // Esc undoes the most recent narrowing first and never leaves Eos: a reflex
            // press on the top view must not end a session (k9s does the same).
            Command::Escape => {
                if self.clear_marks() {
                    return;
                }
                if let Some(t) = self.top_mut().table_mut()
                    && (t.filter.is_active() || !t.filter_text.is_empty())
                {
                    let _ = t.set_filter("");
                    self.say("filter cleared", Level::Info);
                    return;
                }
                if !self.pop_view(fx) {
                    self.say("this is the top view: q or :q quits", Level::Info);
                }
            }
            Command::Down
            | Command::Up
            | Command::PageDown
            | Command::PageUp
            | Command::Top
            | Command::Bottom => {
                let screen = self.top_mut();
                if let Some(t) = screen.table_mut() {
                    match c {
                        Command::Down => t.move_by(1),
                        Command::Up => t.move_by(-1),
                        Command::PageDown => t.move_by(page),
                        Command::PageUp => t.move_by(-page),
                        Command::Top => t.select_first(),
                        _ => t.select_last(),
                    }
                } else if let Some(s) = screen.scroll_mut() {
                    *s = match c {
                        Command::Down => *s + 1,
                        Command::Up => s.saturating_sub(1),
                        Command::PageDown => *s + page as usize,
                        Command::PageUp => s.saturating_sub(page as usize),
                        Command::Top => 0,
                        _ => usize::MAX / 2,
                    };
                }
            }
            Command::Open => {
                if self.triage_toggle() {
                    return;
                }
                if let Some(nav) = self
                    .top()
                    .table()
                    .and_then(|t| t.selected_row())
                    .and_then(|r| r.target.clone())
                {
                    self.open(nav, fx);
                }
            }
            Command::Filter => {
                if let Some(t) = self.top().table() {
                    self.overlays.input = Some(Input::new(InputKind::Filter, &t.filter_text));
                }
            }
            Command::NextMatch | Command::PrevMatch => {
                if let Some(t) = self.top_mut().table_mut() {
                    t.step_wrapping(c == Command::NextMatch);
                }
            }
            Command::SortNext | Command::SortPrev | Command::SortReverse => {
                if let Some(t) = self.top_mut().table_mut() {
                    let n = t.columns.len().max(1);
                    match c {
                        Command::SortNext => t.sort_by((t.sort_column + 1) % n, t.ascending),
                        Command::SortPrev => t.sort_by((t.sort_column + n - 1) % n, t.ascending),
                        _ => t.sort_by(t.sort_column, !t.ascending),
                    }
                }
            }
            Command::Refresh => {
                self.schedule(fx, true);
                self.say("refreshing…", Level::Info);
            }
            Command::Freeze => {
                self.frozen = !self.frozen;
                if self.frozen {
                    self.say(
                        "frozen: live refresh paused (f resumes, R refreshes once)",
                        Level::Info,
                    );
                } else {
                    self.say("live refresh resumed", Level::Info);
                    self.schedule(fx, false);
                }
            }
            Command::Copy | Command::CopyHost => {
                let text = self.copy_target(c == Command::CopyHost);
                match text {
                    Some(t) if !t.is_empty() => {
                        self.say(format!("copied {t}"), Level::Info);
                        fx.push(Effect::Copy(t));
                    }
                    _ => self.say("nothing to copy here", Level::Error),
                }
            }
            Command::Logs => self.open_logs(fx),
            Command::LogsFollow
            | Command::LogsWrap
            | Command::LogsStream
            | Command::LogsProcess
            | Command::LogsRun
            | Command::LogsSave => {}
            Command::Help => {
                self.overlays.help = if self.overlays.help.is_some() {
                    None
                } else {
                    Some(Help::default())
                };
            }
            Command::CommandLine => self.overlays.input = Some(Input::new(InputKind::Command, "")),
            Command::Messages => self.show_messages(),
            Command::ToggleHistory => {
                if let Screen::Tasks { history, .. } | Screen::SwarmTasks { history, .. } =
                    self.top_mut()
                {
                    *history = !*history;
                    let now_history = *history;
                    self.rebuild_top();
                    self.schedule(fx, false);
                    self.say(
                        if now_history {
                            "showing finished, failed and killed tasks too"
                        } else {
                            "showing active tasks only"
                        },
                        Level::Info,
                    );
                }
            }
            Command::Roles => self.open(Nav::Roles, fx),
            Command::Jobs => {
                let role = self.selected_role();
                self.open(Nav::Jobs(role), fx)
            }
            Command::Updates => {
                let role = self.top().role();
                let filter = self.top().job();
                self.open(Nav::Updates { role, filter }, fx)
            }
            Command::Triage => self.open(Nav::Triage, fx),
            Command::JobTasks => self.open_job_tasks(fx),
            Command::Hosts => self.open(Nav::Hosts, fx),
            Command::StartMaintenance => self.host_operation(ops::HostAction::Start),
            Command::DrainHosts => self.host_operation(ops::HostAction::Drain),
            Command::EndMaintenance => self.host_operation(ops::HostAction::End),
            Command::Quota => match self.selected_role() {
                Some(r) => self.open(Nav::Quota(r), fx),
                None => self.say("no role here: select one or use :quota ROLE", Level::Error),
            },
            Command::Config => match self.selected_job() {
                Some(j) => self.open(Nav::Config(j), fx),
                None => self.say("no job here", Level::Error),
            },
            Command::Mark | Command::MarkRange | Command::MarkAll => {
                let Some(t) = self.top_mut().table_mut() else {
                    return;
                };
                match c {
                    Command::Mark => {
                        t.toggle_mark();
                        t.move_by(1);
                    }
                    Command::MarkRange => t.mark_range(),
                    _ => t.mark_visible(),
                }
            }
            Command::Kill | Command::Restart => self.instance_operation(c == Command::Kill),
            Command::Scale => self.ask_scale(),
            Command::PauseUpdate => self.update_control(Some(Control::Pause)),
            Command::ResumeUpdate => self.update_control(Some(Control::Resume)),
            Command::AbortUpdate => self.update_control(Some(Control::Abort)),
            Command::RollbackUpdate => self.update_control(Some(Control::Rollback)),
            Command::PulseUpdate => self.update_control(None),
            Command::HoldPulses => self.toggle_hold(),
            Command::StartUpdate => self.open_editor(fx),
            Command::RollingRestart => self.rolling_command(
                rolling::RollingCommand::Start {
                    batch: rolling::DEFAULT_BATCH,
                    wait_secs: rolling::DEFAULT_WAIT_SECS,
                },
                fx,
            ),
            Command::RollingPause => self.rolling_command(rolling::RollingCommand::Toggle, fx),
            Command::RollingCancel => self.rolling_command(rolling::RollingCommand::Cancel, fx),
            Command::JobUpdate => match self.selected_job() {
                Some(job) => {
                    let role = job.split('/').next().map(str::to_owned);
                    let active = match self.data(&ResourceKey::Updates(role.clone())) {
                        Some(Data::Updates(u)) => views::jobs::active_updates(u)
                            .get(&job)
                            .and_then(|s| s.key.as_ref().map(|k| k.to_string())),
                        _ => None,
                    };
                    match active {
                        Some(key) => self.open(Nav::Update(key), fx),
                        None => self.open(
                            Nav::Updates {
                                role,
                                filter: Some(job),
                            },
                            fx,
                        ),
                    }
                }
                None => self.say("no job here", Level::Error),
            },
        }
    }

    /// The role under the cursor (roles view) or of the current view.
    fn selected_role(&self) -> Option<String> {
        match self.top() {
            Screen::Roles { table } => table.selected_row().map(|r| r.id.clone()),
            Screen::Jobs { table, role, .. } => role.clone().or_else(|| {
                table
                    .selected_row()
                    .and_then(|r| r.id.split('/').next().map(str::to_owned))
            }),
            other => other.role(),
        }
    }

    /// The job under the cursor (jobs view) or of the current view.
    fn selected_job(&self) -> Option<String> {
        match self.top() {
            Screen::Jobs { table, .. } => table.selected_row().map(|r| r.id.clone()),
            Screen::Updates { table, .. } => table
                .selected_row()
                .and_then(|r| r.id.rsplit_once('/').map(|(j, _)| j.to_owned())),
            other => other.job(),
        }
    }

    fn copy_target(&self, alt: bool) -> Option<String> {
        match self.top() {
            Screen::Task { id, .. } => {
                if alt {
                    match self.data(&ResourceKey::Task(id.clone())) {
                        Some(Data::Task(Some(t))) => Some(t.host().to_owned()),
                        _ => None,
                    }
                } else {
                    Some(id.clone())
                }
            }
            Screen::Update { key, .. } => Some(key.rsplit('/').next().unwrap_or(key).to_owned()),
            Screen::SwarmUpdate { service, .. } => Some(service.clone()),
            Screen::SwarmTask { id, .. } => {
                if alt {
                    match self.data(&ResourceKey::SwarmTask(id.clone())) {
                        Some(Data::SwarmTask(d)) => Some(d.task.node.clone()),
                        _ => None,
                    }
                } else {
                    Some(id.clone())
                }
            }
            Screen::Config { job, .. } => Some(job.clone()),
            Screen::Quota { role } => Some(role.clone()),
            s => s.table().and_then(|t| t.selected_row()).and_then(|r| {
                if alt {
                    r.copy_alt.clone()
                } else {
                    Some(r.copy.clone())
                }
            }),
        }
    }
}

/// How fresh the visible data is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Freshness {
    Loading,
    Fresh {
        age_ms: i64,
        latency_ms: u64,
    },
    Stale {
        age_ms: i64,
        error: String,
        retry_in_ms: i64,
    },
    Failed {
        error: String,
        retry_in_ms: i64,
    },
    /// A request is out and unanswered for longer than the refresh interval, or it is the
    /// retry of a failed one.
    Waiting {
        /// The age of the data shown, if any.
        age_ms: Option<i64>,
        waiting_secs: u64,
        /// Why the last request failed, if it did.
        error: Option<String>,
    },
}

impl Freshness {
    /// The header's text; compared between ticks to decide whether to redraw.
    pub fn label(&self) -> String {
        let secs = |ms: i64| (ms / 1000).max(0);
        match self {
            Freshness::Loading => "loading…".into(),
            Freshness::Fresh { age_ms, .. } => format!("{}s ago", secs(*age_ms)),
            Freshness::Stale {
                age_ms,
                retry_in_ms,
                ..
            } => format!(
                "STALE {}s · retry in {}s",
                secs(*age_ms),
                secs(*retry_in_ms + 999)
            ),
            Freshness::Failed { retry_in_ms, .. } => {
                format!("NO DATA · retry in {}s", secs(*retry_in_ms + 999))
            }
            Freshness::Waiting {
                age_ms,
                waiting_secs,
                error,
            } => match (age_ms, error) {
                (None, _) => format!("NO DATA · waiting {waiting_secs}s"),
                (Some(a), None) => format!("{}s ago · waiting {waiting_secs}s", secs(*a)),
                (Some(a), Some(_)) => format!("STALE {}s · waiting {waiting_secs}s", secs(*a)),
            },
        }
    }
}

pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    let mut fx = Vec::new();
    match action {
        Action::Key(k) => state.on_key(k, &mut fx),
        Action::Command(c) => state.on_command(c, &mut fx),
        Action::Open(nav) => state.open(nav, &mut fx),
        Action::Tick(now) => state.on_tick(now, &mut fx),
        Action::Resize(w, h) => {
            state.width = w;
            state.height = h;
            state.dirty = true;
        }
        Action::Click { column, row } => state.on_click(column, row, &mut fx),
        Action::Scroll(delta) => state.on_scroll(delta, &mut fx),
        Action::Fetched(f) => {
            let key = f.key.clone();
            state.on_fetched(*f, &mut fx);
            state.lookup_answered(&key, &mut fx);
        }
        Action::Mutated(m) => state.on_mutated(*m, &mut fx),
        Action::Previewed(p) => state.on_previewed(*p),
        Action::Link(news) => state.on_link(news),
        Action::Connected(c) => state.on_connected(*c, &mut fx),
        Action::ConnectFailed { cluster, error } => state.on_connect_failed(cluster, error),
        Action::LogReply(r) => state.on_log_reply(*r, &mut fx),
        Action::LogSaved { path, result } => state.on_log_saved(path, result),
    }
    // Keep the selection on screen whatever moved it.
    let rows = state.body_rows();
    if let Some(t) = state.top_mut().table_mut() {
        t.scroll_to_selection(rows);
    }
    fx
}
