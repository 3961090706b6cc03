//! Drawing the log pane (state in `app/logs.rs`): a title line naming the task, process, stream
//! and run with the follow state and the time of the last chunk, the problem if there is one
//! (unreachable, no such process, rotated), then the lines.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use crate::app::logs::LogPane;
use crate::app::{Command, State};
use crate::theme::Theme;

/// The pane's keys in the hint bar.
pub const HINTS: &[Command] = &[
    Command::Help,
    Command::LogsFollow,
    Command::LogsStream,
    Command::LogsProcess,
    Command::LogsRun,
    Command::LogsWrap,
    Command::Top,
    Command::Bottom,
    Command::Logs,
];

/// The title line's text.
pub fn title(p: &LogPane, now: i64) -> String {
    let process = p.process.as_deref().unwrap_or("…");
    let run = if p.run < 0 {
        "latest run".to_owned()
    } else {
        format!("run {}", p.run)
    };
    let follow = if p.follow { "following" } else { "paused" };
    let last = match p.last_chunk_at {
        Some(at) => format!(", last text {}s ago", ((now - at).max(0) / 1000)),
        None => String::new(),
    };
    format!(
        " logs  {}  {process}  {}  {run}  on {}  ({follow}{last}, {} lines) ",
        p.task_id,
        p.kind.as_str(),
        p.host,
        p.line_count()
    )
}

pub fn draw(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(p) = state.logs.as_deref() else {
        return;
    };
    frame.render_widget(Clear, area);
    let problem_rows = u16::from(p.problem.is_some());
    let [head, problem, body] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(problem_rows),
        Constraint::Min(1),
    ])
    .areas(area);
    frame.render_widget(
        Paragraph::new(title(p, state.now)).style(theme.get("text.heading")),
        head,
    );
    if let Some(text) = &p.problem {
        frame.render_widget(
            Paragraph::new(format!(" ⚠ {text}")).style(theme.get("ui.message.error")),
            problem,
        );
    }
    let rows = body.height as usize;
    let lines: Vec<Line> = if p.line_count() == 0 {
        let what = if p.process.is_none() && p.problem.is_none() {
            "asking the observer…"
        } else if p.problem.is_some() {
            ""
        } else {
            "(nothing written yet)"
        };
        vec![Line::from(Span::styled(what, theme.get("text.muted")))]
    } else {
        let first = p.first_shown(rows);
        p.buffer
            .iter()
            .skip(first)
            .take(rows)
            .map(|(_, t)| Line::from(Span::styled(t.to_owned(), theme.get("text"))))
            .collect()
    };
    let mut para = Paragraph::new(lines);
    if p.wrap {
        para = para.wrap(Wrap { trim: false });
    }
    frame.render_widget(para, body);
}
