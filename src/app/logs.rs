//! The log pane (`l` on a task row or the task view): one task's stdout or stderr from the
//! Thermos observer on its agent — or, on a Docker Swarm, from the Engine (a task's or a
//! service's log; `swarm_logs.rs` opens those) — followed live. Its state and reducer live here; fetching is
//! an [`Effect::LogFetch`] carried out at the edge (`effects_logs.rs`), drawing is
//! `ui/logs.rs`. The pane is its own keymap layer (`[logs]`), so task keys do nothing in it.
//!
//! Following polls while the pane is open (every second, at once again after a full chunk)
//! and stops when it closes: a closed pane has no state left to poll for. Replies carry the
//! pane's generation, so an answer for an earlier process, stream or run is dropped.
//!
//! An Engine log is polled the same way: each read asks for the lines after the last one
//! read (the Engine stamps every line), so a read that fails — the Engine went away — says
//! so, keeps what was read, and the next one resumes where it stopped. It has no processes,
//! runs or byte offsets, so those keys say so instead.

use std::collections::BTreeMap;

use super::command::Command;
pub use super::vocab::logs::{
    EngineChunk, LogAnswer, LogError, LogFetch, LogOrigin, LogReply, LogRequest,
};
use super::{Effect, Level, State};
use crate::observer::buffer::{Limits, LineBuffer};
use crate::observer::client::default_process;
use crate::observer::tail::{self, CHUNK_BYTES, Tail};
use crate::observer::{LogKind, ObserverError, ProcessInfo};
use crate::swarm::logs::{LogTarget, Stamp};

/// The most instances one merged tail may follow.
pub const MAX_MERGED: usize = 20;
/// Console ticks (250 ms) between polls while following: the observer UI's one second.
pub const POLL_TICKS: u64 = 4;
/// How many of an Engine log's last messages the pane starts with (the Engine counts stdout
/// and stderr together, as `docker logs --tail` does, and sends those of the stream asked for).
pub const ENGINE_TAIL_LINES: u64 = 500;

/// One task the pane reads: the only one, or one marked instance of a merged tail.
#[derive(Debug)]
pub struct LogSource {
    /// The instance id shown before each of its lines in a merged tail.
    pub instance: Option<i32>,
    pub task_id: String,
    pub host: String,
    pub origin: LogOrigin,
    /// The task's processes, once its observer said (None until then).
    pub processes: Option<BTreeMap<String, ProcessInfo>>,
    pub tail: Tail,
    pub in_flight: bool,
    /// Ask again at the next tick (the last chunk was full, or something changed).
    pub again: bool,
    pub last_poll_tick: u64,
    /// What went wrong for this task, said plainly (unreachable, no such process, rotated).
    pub problem: Option<String>,
    /// An Engine log: the stamp of the last line read (the next read starts after it).
    pub last_stamp: Option<Stamp>,
    /// An Engine log: whether a read has answered since the pane (re)started.
    pub read_once: bool,
}

impl LogSource {
    /// A task whose observer is at `base`.
    pub fn new(instance: Option<i32>, task_id: &str, host: &str, base: &str) -> LogSource {
        LogSource::from(
            instance,
            task_id,
            host,
            LogOrigin::Observer {
                base: base.to_owned(),
            },
        )
    }

    /// A Swarm task or service whose log the Engine serves; `id` names it in the pane, `node`
    /// is where it runs (empty for a service).
    pub fn engine(instance: Option<i32>, id: &str, node: &str, target: LogTarget) -> LogSource {
        LogSource::from(instance, id, node, LogOrigin::Engine(target))
    }

    fn from(instance: Option<i32>, task_id: &str, host: &str, origin: LogOrigin) -> LogSource {
        LogSource {
            instance,
            task_id: task_id.to_owned(),
            host: host.to_owned(),
            origin,
            processes: None,
            tail: Tail::new(),
            in_flight: false,
            again: true,
            last_poll_tick: 0,
            problem: None,
            last_stamp: None,
            read_once: false,
        }
    }

    /// The observer's base URL (empty for an Engine log).
    pub fn base(&self) -> &str {
        match &self.origin {
            LogOrigin::Observer { base } => base,
            LogOrigin::Engine(_) => "",
        }
    }

    /// Whether the Docker Engine serves this log.
    pub fn is_engine(&self) -> bool {
        matches!(self.origin, LogOrigin::Engine(_))
    }

    /// The label before its lines in a merged tail (the instance id).
    pub fn label(&self) -> String {
        self.instance
            .map_or_else(|| self.task_id.clone(), |i| i.to_string())
    }
}

#[derive(Debug)]
pub struct LogPane {
    /// The tasks read: one, or every marked instance of a merged tail (their lines share
    /// `buffer`, tagged with their index here).
    pub sources: Vec<LogSource>,
    pub process: Option<String>,
    pub kind: LogKind,
    /// -1: the latest run.
    pub run: i64,
    pub buffer: LineBuffer,
    /// The first line shown when not following.
    pub scroll: usize,
    /// Stay at the bottom and poll.
    pub follow: bool,
    pub wrap: bool,
    pub generation: u64,
    /// When the last chunk with text arrived (scheduler-side clock, ms).
    pub last_chunk_at: Option<i64>,
    /// The search text being typed after `/` (keys go here until Enter or Esc).
    pub typing: Option<String>,
    /// The search text: matches are highlighted, `n`/`N` jump between them.
    pub search: String,
    /// The file name being typed after the save key (keys go here until Enter or Esc).
    pub saving: Option<String>,
}

impl LogPane {
    /// A pane on one task.
    pub fn new(task_id: &str, host: &str, base: &str) -> LogPane {
        LogPane::with_sources(
            vec![LogSource::new(None, task_id, host, base)],
            Limits::default(),
        )
    }

    /// A pane on the given tasks (more than one: a merged tail), holding at most `limits`.
    pub fn with_sources(sources: Vec<LogSource>, limits: Limits) -> LogPane {
        LogPane {
            sources,
            process: None,
            kind: LogKind::Stdout,
            run: -1,
            buffer: LineBuffer::new(limits),
            scroll: 0,
            follow: true,
            wrap: false,
            generation: 1,
            last_chunk_at: None,
            typing: None,
            search: String::new(),
            saving: None,
        }
    }

    /// Whether the pane merges several tasks' lines.
    pub fn merged(&self) -> bool {
        self.sources.len() > 1
    }

    /// Whether the pane reads the Docker Engine (a Swarm), which has no processes or runs.
    pub fn is_engine(&self) -> bool {
        self.sources.first().is_some_and(LogSource::is_engine)
    }

    /// The (first) task's id.
    pub fn task_id(&self) -> &str {
        self.sources.first().map_or("", |s| s.task_id.as_str())
    }

    /// The (first) task's agent.
    pub fn host(&self) -> &str {
        self.sources.first().map_or("", |s| s.host.as_str())
    }

    /// What went wrong, on one line: the task's problem, or each instance's in a merged tail.
    pub fn problem(&self) -> Option<String> {
        let mut said = self
            .sources
            .iter()
            .filter_map(|s| s.problem.as_ref().map(|p| (s, p)))
            .peekable();
        said.peek()?;
        if !self.merged() {
            return said.next().map(|(_, p)| p.clone());
        }
        Some(
            said.map(|(s, p)| format!("instance {}: {p}", s.label()))
                .collect::<Vec<_>>()
                .join(" · "),
        )
    }

    /// The process names any task has (the picker's choices).
    pub fn process_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .sources
            .iter()
            .filter_map(|s| s.processes.as_ref())
            .flat_map(|p| p.keys().cloned())
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// The latest run of the chosen process, as the first task that has it says.
    fn latest_run(&self) -> i64 {
        let Some(name) = self.process.as_ref() else {
            return 0;
        };
        self.sources
            .iter()
            .filter_map(|s| s.processes.as_ref()?.get(name))
            .map(|i| i.process_run)
            .next()
            .unwrap_or(0)
    }

    /// The file a save proposes, in the current directory.
    pub fn default_file_name(&self) -> String {
        let process = self.process.as_deref().unwrap_or("log");
        let what = if self.merged() {
            let ids: Vec<String> = self.sources.iter().map(LogSource::label).collect();
            format!("instances-{}", ids.join("-"))
        } else {
            self.task_id().to_owned()
        };
        format!("{what}-{process}.{}.log", self.kind.as_str())
    }

    /// Everything loaded, as text (what a save writes); a merged tail's lines keep their
    /// instance labels.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for (source, t) in self.buffer.iter() {
            if self.merged() {
                out.push_str(&self.label_of(source));
                out.push_str(" | ");
            }
            out.push_str(t);
            out.push('\n');
        }
        out
    }

    /// The label of the source a buffered line came from.
    pub fn label_of(&self, source: u16) -> String {
        self.sources
            .get(usize::from(source))
            .map(LogSource::label)
            .unwrap_or_default()
    }

    /// The next (or previous) line after `from` containing the search text, case-insensitive.
    pub fn find(&self, from: usize, forward: bool) -> Option<usize> {
        if self.search.is_empty() {
            return None;
        }
        let needle = self.search.to_lowercase();
        let lines: Vec<&str> = self.buffer.iter().map(|(_, t)| t).collect();
        let n = lines.len();
        (1..=n)
            .map(|k| {
                if forward {
                    (from + k) % n
                } else {
                    (from + n - k % n) % n
                }
            })
            .find(|&i| lines[i].to_lowercase().contains(&needle))
    }

    fn fetch(&self, source: usize, request: LogRequest) -> Effect {
        let s = &self.sources[source];
        Effect::LogFetch(Box::new(LogFetch {
            generation: self.generation,
            source: source as u16,
            origin: s.origin.clone(),
            task_id: s.task_id.clone(),
            process: self.process.clone().unwrap_or_default(),
            run: self.run,
            kind: self.kind,
            request,
        }))
    }

    /// Starts over on the current process, stream and run.
    fn restart(&mut self) {
        self.generation += 1;
        for s in &mut self.sources {
            s.tail = Tail::new();
            s.in_flight = false;
            s.again = true;
            s.problem = None;
            s.last_stamp = None;
            s.read_once = false;
        }
        self.buffer.clear();
        self.scroll = 0;
        self.last_chunk_at = None;
    }

    /// Whether any request is out.
    pub fn in_flight(&self) -> bool {
        self.sources.iter().any(|s| s.in_flight)
    }

    /// The requests to make now, one per task at most: its processes first, then its tail.
    pub fn due(&mut self, tick: u64) -> Vec<Effect> {
        let mut out = Vec::new();
        for i in 0..self.sources.len() {
            if let Some(r) = self.due_for(i, tick) {
                out.push(self.fetch(i, r));
            }
        }
        out
    }

    fn due_for(&mut self, i: usize, tick: u64) -> Option<LogRequest> {
        let has_process = self.process.is_some();
        let follow = self.follow;
        let s = &mut self.sources[i];
        if s.in_flight {
            return None;
        }
        let waited = tick.saturating_sub(s.last_poll_tick) >= POLL_TICKS;
        let request = if s.is_engine() {
            // No processes to learn first: read, then read what came after (when following,
            // or until a first read answered).
            if !(s.again || waited && (follow || !s.read_once)) {
                return None;
            }
            LogRequest::Engine {
                since: s.last_stamp.map(Stamp::next),
                tail: s.last_stamp.is_none().then_some(ENGINE_TAIL_LINES),
            }
        } else if s.processes.is_none() || !has_process {
            // Nothing to tail until a task named its processes: ask (again, now and then).
            if !(s.again || waited) {
                return None;
            }
            LogRequest::Processes
        } else {
            let first = !s.tail.started();
            if !(s.again || first && waited || follow && waited) {
                return None;
            }
            LogRequest::Tail(s.tail.next())
        };
        s.in_flight = true;
        s.again = false;
        s.last_poll_tick = tick;
        Some(request)
    }

    /// The lines the pane can show.
    pub fn line_count(&self) -> usize {
        self.buffer.len()
    }

    /// The first line to draw in `rows` rows.
    pub fn first_shown(&self, rows: usize) -> usize {
        let max = self.line_count().saturating_sub(rows);
        if self.follow {
            max
        } else {
            self.scroll.min(max)
        }
    }

    /// Takes one reply; what to say on the status line, if anything (a new problem).
    fn on_reply(&mut self, r: LogReply, tick: u64) -> Option<String> {
        let i = usize::from(r.source);
        if r.generation != self.generation || i >= self.sources.len() {
            return None;
        }
        let merged = self.merged();
        let s = &mut self.sources[i];
        s.in_flight = false;
        s.last_poll_tick = tick;
        let answer = match r.result {
            Ok(a) => a,
            Err(e) => {
                let text = e.to_string();
                let new = s.problem.as_deref() != Some(text.as_str());
                s.problem = Some(text.clone());
                // A merged tail keeps polling the others; say each instance's trouble once.
                return (new || !merged).then(|| {
                    if merged {
                        format!("instance {}: {text}", s.label())
                    } else {
                        text
                    }
                });
            }
        };
        s.problem = None;
        match (r.request, answer) {
            (LogRequest::Processes, LogAnswer::Processes(p)) => {
                s.again = true;
                if self.process.is_none() {
                    self.process = default_process(&p).map(str::to_owned);
                    if self.process.is_some() {
                        // The others may have answered already: tail them now too.
                        for o in &mut self.sources {
                            o.again = !o.in_flight;
                        }
                    }
                }
                self.sources[i].processes = Some(p);
            }
            (LogRequest::Tail(_), LogAnswer::Chunk(c)) => {
                let step = s.tail.on_chunk(&c);
                if let Some((was, now)) = step.rotated {
                    self.buffer.push(r.source, "\n");
                    s.problem = Some(ObserverError::Rotated { was, now }.to_string());
                }
                s.again = step.again_now || !s.tail.started();
                if !step.text.is_empty() {
                    self.buffer.push(r.source, &step.text);
                    self.last_chunk_at = Some(r.at);
                }
            }
            (LogRequest::Engine { .. }, LogAnswer::Engine(c)) => {
                s.read_once = true;
                s.last_stamp = c.last.or(s.last_stamp);
                s.again = c.more;
                if !c.text.is_empty() {
                    self.buffer.push(r.source, &c.text);
                    self.last_chunk_at = Some(r.at);
                }
            }
            (LogRequest::Earlier(_), LogAnswer::Chunk(c)) => {
                let (text, start) = tail::earlier_text(&c);
                let added = self.buffer.prepend(r.source, &text);
                s.tail.set_start(start);
                self.scroll = 0;
                if added == 0 && !text.is_empty() {
                    return Some("the pane holds all it may: earlier lines are not loaded".into());
                }
            }
            _ => {}
        }
        None
    }
}

impl State {
    /// How much one pane may hold (`[logs]` in config.toml, else the defaults).
    pub fn log_limits(&self) -> Limits {
        self.settings.config.logs.limits()
    }

    /// `l`: opens the log pane on the selected task (a task row or the task view).
    pub(super) fn open_logs(&mut self, fx: &mut Vec<Effect>) {
        if self.on_swarm() {
            return self.open_swarm_logs(fx);
        }
        let on_task = matches!(
            self.top(),
            super::Screen::Tasks { .. } | super::Screen::Task { .. }
        );
        if !on_task {
            self.say("logs: open a task list or a task first", Level::Info);
            return;
        }
        // Marked instances are tailed together (at most MAX_MERGED), each line labelled.
        let marked: Vec<(Option<i32>, String, String)> = match self.top().table() {
            Some(t) if !t.marked.is_empty() => t
                .targets()
                .0
                .into_iter()
                .map(|r| {
                    (
                        r.instance,
                        r.copy.clone(),
                        r.copy_alt.clone().unwrap_or_default(),
                    )
                })
                .collect(),
            _ => Vec::new(),
        };
        if marked.len() > MAX_MERGED {
            self.say(
                format!(
                    "logs: a merged tail takes at most {MAX_MERGED} instances; {} are marked",
                    marked.len()
                ),
                Level::Error,
            );
            return;
        }
        let mut sources = Vec::new();
        if marked.is_empty() {
            let id = self.copy_target(false).unwrap_or_default();
            let host = self.copy_target(true).unwrap_or_default();
            if id.is_empty() {
                return;
            }
            if host.is_empty() {
                self.say(
                    format!("task {id} is not on an agent yet: it has no logs"),
                    Level::Info,
                );
                return;
            }
            let base = crate::observer::observer_base(&self.observer_url, &host);
            sources.push(LogSource::new(None, &id, &host, &base));
        } else {
            let mut waiting = Vec::new();
            for (instance, id, host) in marked {
                if host.is_empty() {
                    waiting.push(instance.map_or(id, |i| i.to_string()));
                    continue;
                }
                let base = crate::observer::observer_base(&self.observer_url, &host);
                sources.push(LogSource::new(instance, &id, &host, &base));
            }
            if sources.is_empty() {
                self.say(
                    "logs: none of the marked instances is on an agent yet: no logs",
                    Level::Info,
                );
                return;
            }
            if !waiting.is_empty() {
                self.say(
                    format!(
                        "logs: not on an agent yet, so left out: {}",
                        waiting.join(", ")
                    ),
                    Level::Info,
                );
            }
        }
        let mut pane = LogPane::with_sources(sources, self.log_limits());
        fx.extend(pane.due(self.ticks()));
        self.logs = Some(Box::new(pane));
        self.dirty = true;
    }

    /// A command while the pane is open; false when it is not the pane's (global keys).
    pub(super) fn on_logs_command(&mut self, c: Command, fx: &mut Vec<Effect>) -> bool {
        let rows = self.body_rows();
        let tick = self.ticks();
        let Some(p) = self.logs.as_mut() else {
            return false;
        };
        let shown = p.first_shown(rows);
        let mut note = None;
        match c {
            Command::Back | Command::Escape | Command::Logs => {
                self.logs = None;
                self.dirty = true;
                return true;
            }
            Command::Down | Command::Up | Command::PageDown | Command::PageUp => {
                let step = match c {
                    Command::Down => 1isize,
                    Command::Up => -1,
                    Command::PageDown => rows as isize,
                    _ => -(rows as isize),
                };
                let max = p.line_count().saturating_sub(rows);
                let next = (shown as isize + step).clamp(0, max as isize) as usize;
                p.follow = next >= max && step > 0;
                p.scroll = next;
            }
            Command::Bottom => {
                p.follow = true;
                p.sources.iter_mut().for_each(|s| s.again = true);
            }
            Command::Top => {
                p.follow = false;
                if p.merged() {
                    // Earlier text cannot be interleaved by arrival: a merged tail keeps
                    // what it has seen since it opened.
                    if shown == 0 {
                        note = Some("a merged tail shows what arrived since it opened".to_owned());
                    }
                } else if p.is_engine() {
                    // The Engine reads forward from a time, not backwards from a line.
                    if shown == 0 {
                        note = Some(format!(
                            "the pane starts at the log's last {ENGINE_TAIL_LINES} lines"
                        ));
                    }
                } else if shown == 0 && !p.in_flight() {
                    match tail::earlier(p.sources[0].tail.start(), CHUNK_BYTES) {
                        Some(w) if p.process.is_some() => {
                            p.sources[0].in_flight = true;
                            fx.push(p.fetch(0, LogRequest::Earlier(w)));
                        }
                        _ => note = Some("at the start of the log".to_owned()),
                    }
                }
                p.scroll = 0;
            }
            Command::LogsFollow => {
                p.follow = !p.follow;
                let follow = p.follow;
                p.sources.iter_mut().for_each(|s| s.again = follow);
                if !p.follow {
                    p.scroll = shown;
                }
            }
            Command::LogsWrap => p.wrap = !p.wrap,
            Command::Filter => p.typing = Some(String::new()),
            Command::LogsSave => p.saving = Some(p.default_file_name()),
            Command::NextMatch | Command::PrevMatch => {
                // From the last match (which may sit below the top when near the end).
                let from = if p.follow { shown } else { p.scroll };
                match p.find(from, c == Command::NextMatch) {
                    Some(i) => {
                        p.follow = false;
                        p.scroll = i;
                    }
                    None if p.search.is_empty() => note = Some("search with / first".to_owned()),
                    None => note = Some(format!("no line contains {:?}", p.search)),
                }
            }
            Command::LogsStream => {
                p.kind = p.kind.toggled();
                p.restart();
            }
            Command::LogsProcess | Command::LogsRun if p.is_engine() => {
                note = Some(
                    "a Swarm task's log has no processes or runs (H lists earlier tasks)"
                        .to_owned(),
                );
            }
            Command::LogsProcess => {
                let names = p.process_names();
                if names.len() > 1 {
                    let i = p
                        .process
                        .as_ref()
                        .and_then(|cur| names.iter().position(|n| n == cur))
                        .map_or(0, |i| (i + 1) % names.len());
                    p.process = Some(names[i].clone());
                    p.run = -1;
                    p.restart();
                } else {
                    note = Some("the task has one process".to_owned());
                }
            }
            Command::LogsRun => {
                let latest = p.latest_run();
                let current = if p.run < 0 { latest } else { p.run };
                if latest == 0 {
                    note = Some("the process has run once".to_owned());
                } else {
                    // Earlier and earlier, then back to the latest.
                    p.run = if current == 0 { -1 } else { current - 1 };
                    p.restart();
                }
            }
            Command::Help | Command::Quit | Command::CommandLine => return false,
            _ => return true,
        }
        fx.extend(p.due(tick));
        self.dirty = true;
        if let Some(n) = note {
            self.say(n, Level::Info);
        }
        true
    }

    /// A key while the search text is typed: Enter searches, Esc gives up.
    pub(super) fn on_logs_typing(&mut self, key: crossterm::event::KeyEvent, fx: &mut Vec<Effect>) {
        use crossterm::event::KeyCode;
        let Some(p) = self.logs.as_mut() else {
            return;
        };
        if let Some(name) = p.saving.as_mut() {
            match key.code {
                KeyCode::Esc => p.saving = None,
                KeyCode::Enter => {
                    let path = p.saving.take().unwrap_or_default();
                    if !path.trim().is_empty() {
                        fx.push(Effect::LogSave {
                            path: path.trim().to_owned(),
                            text: p.text(),
                        });
                    }
                }
                KeyCode::Backspace => {
                    name.pop();
                }
                KeyCode::Char(c) => name.push(c),
                _ => {}
            }
            self.dirty = true;
            return;
        }
        let Some(text) = p.typing.as_mut() else {
            return;
        };
        match key.code {
            KeyCode::Esc => p.typing = None,
            KeyCode::Enter => {
                p.search = p.typing.take().unwrap_or_default();
                self.dirty = true;
                self.on_logs_command(Command::NextMatch, fx);
                return;
            }
            KeyCode::Backspace => {
                text.pop();
            }
            KeyCode::Char(c) => text.push(c),
            _ => {}
        }
        self.dirty = true;
    }

    /// A save finished: bytes written, or why not.
    pub fn on_log_saved(&mut self, path: String, result: Result<usize, String>) {
        match result {
            Ok(n) => self.say(format!("saved {n} bytes to {path}"), Level::Info),
            Err(e) => self.say(format!("could not save {path}: {e}"), Level::Error),
        }
    }

    /// A reply from the observer or the Engine.
    pub fn on_log_reply(&mut self, r: LogReply, fx: &mut Vec<Effect>) {
        let tick = self.ticks();
        let Some(p) = self.logs.as_mut() else {
            return;
        };
        let problem = p.on_reply(r, tick);
        fx.extend(p.due(tick));
        self.dirty = true;
        if let Some(text) = problem {
            self.say(text, Level::Error);
        }
    }

    /// Each tick: poll while the pane is open.
    pub(super) fn logs_tick(&mut self, fx: &mut Vec<Effect>) {
        let tick = self.ticks();
        if let Some(p) = self.logs.as_mut() {
            fx.extend(p.due(tick));
        }
    }
}
