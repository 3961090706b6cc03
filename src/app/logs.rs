//! The log pane (`l` on a task row or the task view): one task's stdout or stderr from the
//! Thermos observer on its agent, followed live. Its state and reducer live here; fetching is
//! an [`Effect::LogFetch`] carried out at the edge (`effects_logs.rs`), drawing is
//! `ui/logs.rs`. The pane is its own keymap layer (`[logs]`), so task keys do nothing in it.
//!
//! Following polls while the pane is open (every second, at once again after a full chunk)
//! and stops when it closes: a closed pane has no state left to poll for. Replies carry the
//! pane's generation, so an answer for an earlier process, stream or run is dropped.

use std::collections::BTreeMap;

use super::command::Command;
pub use super::vocab::logs::{LogAnswer, LogFetch, LogReply, LogRequest};
use super::{Effect, Level, State};
use crate::observer::buffer::{Limits, LineBuffer};
use crate::observer::client::default_process;
use crate::observer::tail::{self, CHUNK_BYTES, Tail};
use crate::observer::{LogKind, ObserverError, ProcessInfo};

/// The most instances one merged tail may follow.
pub const MAX_MERGED: usize = 20;
/// Console ticks (250 ms) between polls while following: the observer UI's one second.
pub const POLL_TICKS: u64 = 4;

#[derive(Debug)]
pub struct LogPane {
    pub task_id: String,
    pub host: String,
    pub base: String,
    pub processes: BTreeMap<String, ProcessInfo>,
    pub process: Option<String>,
    pub kind: LogKind,
    /// -1: the latest run.
    pub run: i64,
    pub tail: Tail,
    pub buffer: LineBuffer,
    /// The first line shown when not following.
    pub scroll: usize,
    /// Stay at the bottom and poll.
    pub follow: bool,
    pub wrap: bool,
    pub generation: u64,
    pub in_flight: bool,
    /// Ask again at the next tick (the last chunk was full).
    pub again: bool,
    pub last_poll_tick: u64,
    /// What went wrong, said plainly in the pane (unreachable, no such process, rotated).
    pub problem: Option<String>,
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
    pub fn new(task_id: &str, host: &str, base: &str) -> LogPane {
        LogPane {
            task_id: task_id.to_owned(),
            host: host.to_owned(),
            base: base.to_owned(),
            processes: BTreeMap::new(),
            process: None,
            kind: LogKind::Stdout,
            run: -1,
            tail: Tail::new(),
            buffer: LineBuffer::new(Limits::default()),
            scroll: 0,
            follow: true,
            wrap: false,
            generation: 1,
            in_flight: false,
            again: false,
            last_poll_tick: 0,
            problem: None,
            last_chunk_at: None,
            typing: None,
            search: String::new(),
            saving: None,
        }
    }

    /// The file a save proposes, in the current directory.
    pub fn default_file_name(&self) -> String {
        let process = self.process.as_deref().unwrap_or("log");
        format!("{}-{process}.{}.log", self.task_id, self.kind.as_str())
    }

    /// Everything loaded, as text (what a save writes).
    pub fn text(&self) -> String {
        let mut out = String::new();
        for (_, t) in self.buffer.iter() {
            out.push_str(t);
            out.push('\n');
        }
        out
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

    fn fetch(&self, request: LogRequest) -> Effect {
        Effect::LogFetch(Box::new(LogFetch {
            generation: self.generation,
            base: self.base.clone(),
            task_id: self.task_id.clone(),
            process: self.process.clone().unwrap_or_default(),
            run: self.run,
            kind: self.kind,
            request,
        }))
    }

    /// Starts over on the current process, stream and run.
    fn restart(&mut self) {
        self.generation += 1;
        self.tail = Tail::new();
        self.buffer.clear();
        self.scroll = 0;
        self.in_flight = false;
        self.again = true;
        self.problem = None;
        self.last_chunk_at = None;
    }

    /// The request to make now, if any: processes first, then the tail.
    pub fn due(&mut self, tick: u64) -> Option<Effect> {
        if self.in_flight {
            return None;
        }
        let waited = tick.saturating_sub(self.last_poll_tick) >= POLL_TICKS;
        if self.process.is_none() {
            if !(self.again || waited) {
                return None;
            }
            self.in_flight = true;
            self.again = false;
            self.last_poll_tick = tick;
            return Some(self.fetch(LogRequest::Processes));
        }
        let first = !self.tail.started();
        if !(self.again || first && waited || self.follow && waited) {
            return None;
        }
        self.in_flight = true;
        self.again = false;
        self.last_poll_tick = tick;
        Some(self.fetch(LogRequest::Tail(self.tail.next())))
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

    fn on_reply(&mut self, r: LogReply, tick: u64) -> Option<String> {
        if r.generation != self.generation {
            return None;
        }
        self.in_flight = false;
        self.last_poll_tick = tick;
        let answer = match r.result {
            Ok(a) => a,
            Err(e) => {
                let text = e.to_string();
                self.problem = Some(text.clone());
                return Some(text);
            }
        };
        self.problem = None;
        match (r.request, answer) {
            (LogRequest::Processes, LogAnswer::Processes(p)) => {
                self.process = default_process(&p).map(str::to_owned);
                self.processes = p;
                self.again = self.process.is_some();
            }
            (LogRequest::Tail(_), LogAnswer::Chunk(c)) => {
                let step = self.tail.on_chunk(&c);
                if let Some((was, now)) = step.rotated {
                    self.buffer.push(0, "\n");
                    self.problem = Some(ObserverError::Rotated { was, now }.to_string());
                }
                if !step.text.is_empty() {
                    self.buffer.push(0, &step.text);
                    self.last_chunk_at = Some(r.at);
                }
                self.again = step.again_now || !self.tail.started();
            }
            (LogRequest::Earlier(_), LogAnswer::Chunk(c)) => {
                let (text, start) = tail::earlier_text(&c);
                let added = self.buffer.prepend(0, &text);
                self.tail.set_start(start);
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
    /// `l`: opens the log pane on the selected task (a task row or the task view).
    pub(super) fn open_logs(&mut self, fx: &mut Vec<Effect>) {
        let on_task = matches!(
            self.top(),
            super::Screen::Tasks { .. } | super::Screen::Task { .. }
        );
        if !on_task {
            self.say("logs: open a task list or a task first", Level::Info);
            return;
        }
        // Marked instances would be tailed together (at most MAX_MERGED); the merged tail is
        // not built yet, so the pane says so and shows the selected task.
        let marked = self.top().table().map_or(0, |t| t.marked.len());
        if marked > MAX_MERGED {
            self.say(
                format!(
                    "logs: a merged tail takes at most {MAX_MERGED} instances; {marked} are marked"
                ),
                Level::Error,
            );
            return;
        }
        if marked > 0 {
            self.say(
                "logs: merged tails of marked instances are not built yet; showing the selected task",
                Level::Info,
            );
        }
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
        let mut pane = LogPane::new(&id, &host, &base);
        pane.again = true;
        if let Some(e) = pane.due(self.ticks()) {
            fx.push(e);
        }
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
                p.again = true;
            }
            Command::Top => {
                p.follow = false;
                if shown == 0 && !p.in_flight {
                    match tail::earlier(p.tail.start(), CHUNK_BYTES) {
                        Some(w) if p.process.is_some() => {
                            p.in_flight = true;
                            fx.push(p.fetch(LogRequest::Earlier(w)));
                        }
                        _ => note = Some("at the start of the log".to_owned()),
                    }
                }
                p.scroll = 0;
            }
            Command::LogsFollow => {
                p.follow = !p.follow;
                p.again = p.follow;
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
            Command::LogsProcess => {
                let names: Vec<String> = p.processes.keys().cloned().collect();
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
                let latest = p
                    .process
                    .as_ref()
                    .and_then(|n| p.processes.get(n))
                    .map_or(0, |i| i.process_run);
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
        if let Some(e) = p.due(tick) {
            fx.push(e);
        }
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

    /// A reply from the observer.
    pub fn on_log_reply(&mut self, r: LogReply, fx: &mut Vec<Effect>) {
        let tick = self.ticks();
        let Some(p) = self.logs.as_mut() else {
            return;
        };
        let problem = p.on_reply(r, tick);
        if let Some(e) = p.due(tick) {
            fx.push(e);
        }
        self.dirty = true;
        if let Some(text) = problem {
            self.say(text, Level::Error);
        }
    }

    /// Each tick: poll while the pane is open.
    pub(super) fn logs_tick(&mut self, fx: &mut Vec<Effect>) {
        let tick = self.ticks();
        if let Some(p) = self.logs.as_mut()
            && let Some(e) = p.due(tick)
        {
            fx.push(e);
        }
    }
}
