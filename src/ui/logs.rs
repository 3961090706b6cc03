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
    Command::Filter,
    Command::LogsSave,
    Command::Top,
    Command::Bottom,
    Command::Logs,
];

/// A line with every case-insensitive match of `search` highlighted.
fn highlighted<'a>(text: &'a str, search: &str, theme: &Theme) -> Line<'a> {
    let plain = theme.get("text");
    if search.is_empty() {
        return Line::from(Span::styled(text, plain));
    }
    let lower = text.to_lowercase();
    let needle = search.to_lowercase();
    // Lower-casing can change byte lengths; highlight only when it did not.
    if lower.len() != text.len() {
        return Line::from(Span::styled(text, plain));
    }
    let mark = theme.get("ui.changed");
    let mut spans = Vec::new();
    let mut at = 0;
    for (i, _) in lower.match_indices(&needle) {
        if i < at || !text.is_char_boundary(i) || !text.is_char_boundary(i + needle.len()) {
            continue;
        }
        spans.push(Span::styled(&text[at..i], plain));
        spans.push(Span::styled(&text[i..i + needle.len()], mark));
        at = i + needle.len();
    }
    spans.push(Span::styled(&text[at..], plain));
    Line::from(spans)
}

/// Colours a merged tail gives its instances, in turn (theme keys).
pub const SOURCE_STYLES: &[&str] = &[
    "logs.source.0",
    "logs.source.1",
    "logs.source.2",
    "logs.source.3",
    "logs.source.4",
    "logs.source.5",
];

/// The theme key for an instance's label: stable per instance id, whatever else is marked.
pub fn source_style(instance: Option<i32>, index: usize) -> &'static str {
    let n = instance.map_or(index, |i| i.unsigned_abs() as usize);
    SOURCE_STYLES[n % SOURCE_STYLES.len()]
}

/// Each source's label span, padded to one width (none for a pane on one task).
fn source_prefixes(p: &LogPane, theme: &Theme) -> Vec<Span<'static>> {
    if !p.merged() {
        return Vec::new();
    }
    let labels: Vec<String> = p.sources.iter().map(|s| s.label()).collect();
    let width = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    p.sources
        .iter()
        .zip(labels)
        .enumerate()
        .map(|(i, (s, l))| {
            Span::styled(
                format!("{l:>width$} │ "),
                theme.get(source_style(s.instance, i)),
            )
        })
        .collect()
}

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
    if p.is_engine() {
        // A Swarm log: a task (or service) and its stream; no processes or runs.
        let (what, on) = if p.merged() {
            let ids: Vec<String> = p.sources.iter().map(|s| s.label()).collect();
            (
                format!("slots {}", ids.join(",")),
                format!("{} tasks", p.sources.len()),
            )
        } else if p.host().is_empty() {
            (format!("service {}", p.task_id()), "every node".to_owned())
        } else {
            (format!("task {}", p.task_id()), p.host().to_owned())
        };
        return format!(
            " logs  {what}  {}  on {on}  ({follow}{last}, {} lines) ",
            p.kind.as_str(),
            p.line_count()
        );
    }
    let (what, on) = if p.merged() {
        let ids: Vec<String> = p.sources.iter().map(|s| s.label()).collect();
        (
            format!("instances {}", ids.join(",")),
            format!("{} tasks", p.sources.len()),
        )
    } else {
        (p.task_id().to_owned(), p.host().to_owned())
    };
    format!(
        " logs  {what}  {process}  {}  {run}  on {on}  ({follow}{last}, {} lines) ",
        p.kind.as_str(),
        p.line_count()
    )
}

pub fn draw(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(p) = state.logs.as_deref() else {
        return;
    };
    frame.render_widget(Clear, area);
    let problem_text = p.problem();
    let problem_rows =
        u16::from(problem_text.is_some() || p.typing.is_some() || p.saving.is_some());
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
    if let Some(name) = &p.saving {
        frame.render_widget(
            Paragraph::new(format!(" save to: {name}▏  (Enter saves, Esc cancels)"))
                .style(theme.get("text.value")),
            problem,
        );
    } else if let Some(text) = &p.typing {
        frame.render_widget(
            Paragraph::new(format!(" /{text}▏")).style(theme.get("text.value")),
            problem,
        );
    } else if let Some(text) = &problem_text {
        frame.render_widget(
            Paragraph::new(format!(" ⚠ {text}")).style(theme.get("ui.message.error")),
            problem,
        );
    }
    let rows = body.height as usize;
    let lines: Vec<Line> = if p.line_count() == 0 {
        let what = if p.process.is_none() && problem_text.is_none() {
            "asking the observer…"
        } else if problem_text.is_some() {
            ""
        } else {
            "(nothing written yet)"
        };
        vec![Line::from(Span::styled(what, theme.get("text.muted")))]
    } else {
        let first = p.first_shown(rows);
        let prefixes = source_prefixes(p, theme);
        p.buffer
            .iter()
            .skip(first)
            .take(rows)
            .map(|(source, t)| {
                let mut line = highlighted(t, &p.search, theme);
                if let Some(prefix) = prefixes.get(usize::from(source)) {
                    line.spans.insert(0, prefix.clone());
                }
                line
            })
            .collect()
    };
    let mut para = Paragraph::new(lines);
    if p.wrap {
        para = para.wrap(Wrap { trim: false });
    }
    frame.render_widget(para, body);
}
