//! Drawing: pure functions of `&State`. Nothing here changes state or does I/O; links that need
//! OSC 8 are returned for the terminal layer to write.

mod detail;
mod dialog;
mod editor;
pub mod logs;
mod rolling;
mod swarm_detail;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Row as TRow, Table as TTable};

use crate::app::input::InputKind;
use crate::app::table::Table;
use crate::app::{Command, Freshness, Level, Screen, State};
use crate::theme::Theme;

/// A hyperlink drawn at a screen position (written with OSC 8 after the frame).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hyperlink {
    pub x: u16,
    pub y: u16,
    pub text: String,
    pub url: String,
}

/// How long a changed row stays highlighted.
pub const CHANGE_HIGHLIGHT_MS: i64 = 3000;

pub fn render(state: &State, theme: &Theme, frame: &mut Frame) -> Vec<Hyperlink> {
    let area = frame.area();
    let [header, crumbs, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_header(state, theme, frame, header);
    draw_crumbs(state, theme, frame, crumbs);
    // Fail-over news (no leader, unreachable, leader changed) heads every view.
    let link_rows = state.link_banner_rows().min(body.height.saturating_sub(1));
    let [link_area, body] =
        Layout::vertical([Constraint::Length(link_rows), Constraint::Min(1)]).areas(body);
    if let Some((text, level)) = state.link.banner(state.ticks(), &state.scheduler_url) {
        let style = match level {
            Level::Info => theme.get("ui.message.info"),
            Level::Error => theme.get("ui.message.error"),
        };
        let icon = if level == Level::Error { "⚠" } else { "↪" };
        frame.render_widget(
            Paragraph::new(format!(" {icon} {text}")).style(style),
            link_area,
        );
    }
    let mut links = Vec::new();
    match state.top() {
        Screen::Task { .. }
        | Screen::Update { .. }
        | Screen::Config { .. }
        | Screen::Quota { .. } => links = detail::draw(state, theme, frame, body),
        Screen::SwarmUpdate { .. } | Screen::SwarmTask { .. } => {
            swarm_detail::draw(state, theme, frame, body)
        }
        screen => {
            if let Some(t) = screen.table() {
                let banner = state
                    .rolling_banner_rows()
                    .min(body.height.saturating_sub(1));
                let [top, rest] =
                    Layout::vertical([Constraint::Length(banner), Constraint::Min(1)]).areas(body);
                if banner > 0 {
                    rolling::draw_banner(state, theme, frame, top);
                }
                draw_table(state, t, theme, frame, rest);
            }
        }
    }
    draw_footer(state, theme, frame, footer);
    if state.overlays.editor.is_some() {
        editor::draw(state, theme, frame, body);
        links.clear();
    }
    if state.logs.is_some() {
        logs::draw(state, theme, frame, body);
        links.clear();
    }
    if state.overlays.help.is_some() {
        draw_help(state, theme, frame, body);
        // The overlay covers the view; links written over it would show through.
        links.clear();
    }
    if state.overlays.dialog.is_some()
        || state.overlays.notice.is_some()
        || state.messages.shown.is_some()
    {
        dialog::draw(state, theme, frame, body);
        links.clear();
    }
    clip_links(&mut links, area);
    links
}

/// Keeps links inside the screen: their text is written after the frame, so a text longer than
/// the room left on its row would wrap onto the next row, where ratatui never clears it.
fn clip_links(links: &mut Vec<Hyperlink>, area: Rect) {
    links.retain_mut(|l| {
        if l.y >= area.bottom() || l.x >= area.right() {
            return false;
        }
        let room = (area.right() - l.x) as usize;
        if l.text.chars().count() > room {
            l.text = l.text.chars().take(room).collect();
        }
        !l.text.is_empty()
    });
}

fn draw_header(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let base = theme.get("ui.header");
    let fresh = state.freshness();
    let (health, health_style) = match &fresh {
        Freshness::Loading => ("● connecting".to_owned(), theme.get("health.slow")),
        Freshness::Fresh { latency_ms, .. } if *latency_ms > 2000 => (
            format!("● slow {:.1}s", *latency_ms as f64 / 1000.0),
            theme.get("health.slow"),
        ),
        Freshness::Fresh { latency_ms, .. } => {
            (format!("● ok {latency_ms}ms"), theme.get("health.ok"))
        }
        Freshness::Stale { error, .. }
        | Freshness::Failed { error, .. }
        | Freshness::Waiting {
            error: Some(error), ..
        } => (format!("● failing: {error}"), theme.get("health.failing")),
        Freshness::Waiting { waiting_secs, .. } => (
            format!("● waiting {waiting_secs}s"),
            theme.get("health.slow"),
        ),
    };
    let age_style = match fresh {
        Freshness::Stale { .. }
        | Freshness::Failed { .. }
        | Freshness::Waiting { age_ms: None, .. }
        | Freshness::Waiting { error: Some(_), .. } => theme.get("freshness.stale"),
        _ => theme.get("freshness.fresh"),
    };
    let (live, live_style) = if state.frozen {
        (" FROZEN ", theme.get("freshness.frozen"))
    } else {
        (" LIVE ", theme.get("freshness.live"))
    };
    let right = vec![
        Span::styled(format!(" {} ", fresh.label()), age_style),
        Span::styled(live, live_style),
    ];
    let right_width: usize = right.iter().map(|s| s.width()).sum();
    let cluster = state.cluster.clone().unwrap_or_else(|| "…".into());
    // A cluster's accent colours the app label and the cluster name (dark text on it).
    let accent = state.look.accent.and_then(|c| theme.accent(c));
    let (app_style, cluster_style) = match accent {
        Some(a) => {
            let on = theme.get("ui.header.app").bg(a);
            (on, on)
        }
        None => (theme.get("ui.header.app"), theme.get("ui.header.cluster")),
    };
    let mut left = vec![
        Span::styled(" Eos ", app_style),
        Span::styled(format!(" {cluster} "), cluster_style),
    ];
    if state.prod_cluster {
        left.push(Span::styled(" PROD ", theme.get("ui.header.prod")));
        left.push(Span::styled(" ", base));
    }
    // Always on screen, so nobody has to try an action to learn that actions are off.
    if state.read_only {
        left.push(Span::styled(" READ-ONLY ", theme.get("ui.header.readonly")));
        left.push(Span::styled(" ", base));
    }
    left.push(Span::styled(format!("{} ", state.scheduler_url), base));
    let left_width: usize = left.iter().map(|s| s.width()).sum();
    let room = (area.width as usize).saturating_sub(left_width + right_width + 1);
    let health: String = health.chars().take(room).collect();
    let pad = room.saturating_sub(health.chars().count());
    let mut spans = left;
    spans.push(Span::styled(health, health_style));
    spans.push(Span::styled(" ".repeat(pad + 1), base));
    spans.extend(right);
    frame.render_widget(Paragraph::new(Line::from(spans)).style(base), area);
}

fn draw_crumbs(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let sep = Span::styled(" › ", theme.get("ui.crumbs.separator"));
    // The cluster's accent also edges the breadcrumbs bar.
    let edge = match state.look.accent.and_then(|c| theme.accent(c)) {
        Some(a) => Span::styled("▌", ratatui::style::Style::default().fg(a)),
        None => Span::raw(" "),
    };
    // What follows the crumbs (row count, sort, filter, marks, a rolling restart) is the part
    // a person acts on; the crumbs give way to it, from their middle.
    let info = |compact: bool| -> Option<String> {
        let t = state.top().table()?;
        let arrow = if t.ascending { "↑" } else { "↓" };
        let col = t.columns.get(t.sort_column).map(|c| c.title).unwrap_or("");
        let mut info = format!("   {} rows · sort {col}{arrow}", t.view.len());
        if t.filter.is_active() {
            if compact {
                info.push_str(&format!(
                    " · /{} {}/{}",
                    t.filter_text,
                    t.view.len(),
                    t.rows.len()
                ));
            } else {
                info.push_str(&format!(
                    " · filter {:?} ({} of {})",
                    t.filter_text,
                    t.view.len(),
                    t.rows.len()
                ));
            }
        }
        if !t.marked.is_empty() {
            info.push_str(&format!(" · {} marked", t.marked.len()));
            if !compact {
                info.push_str(" (Esc clears)");
            }
        }
        Some(info)
    };
    let rolling = rolling::crumb(state, theme);
    let rolling_width = rolling.as_ref().map_or(0, |s| s.width());
    let width = area.width as usize;
    let mut text = info(false);
    let text_width = |t: &Option<String>| t.as_ref().map_or(0, |t| t.chars().count());
    // Short of room (80 columns, a long filter): the compact form, so the crumbs keep some.
    if width.saturating_sub(1 + rolling_width + text_width(&text)) < 24 {
        text = info(true);
    }
    let tail_width = text_width(&text) + rolling_width;
    let mut tail: Vec<Span> = Vec::new();
    if let Some(t) = text {
        tail.push(Span::styled(t, theme.get("text.muted")));
    }
    tail.extend(rolling);
    let room = width.saturating_sub(edge.width() + tail_width);
    let crumbs = crate::app::screen::fit_crumbs(&state.breadcrumbs(), room.max(12));
    let mut spans = vec![edge];
    for (i, c) in crumbs.into_iter().enumerate() {
        if i > 0 {
            spans.push(sep.clone());
        }
        spans.push(Span::styled(c, theme.get("ui.crumbs")));
    }
    spans.extend(tail);
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_table(state: &State, t: &Table, theme: &Theme, frame: &mut Frame, area: Rect) {
    let height = area.height.saturating_sub(1) as usize;
    if !t.is_loaded() {
        let text = match state.freshness() {
            Freshness::Failed { error, retry_in_ms } => {
                format!(
                    " could not load: {error} (retry in {}s)",
                    (retry_in_ms + 999) / 1000
                )
            }
            Freshness::Waiting {
                waiting_secs,
                error,
                ..
            } => match error {
                Some(e) => format!(" could not load: {e} (asked again {waiting_secs}s ago)"),
                None => format!(" loading… (the scheduler has not answered for {waiting_secs}s)"),
            },
            _ => " loading…".to_owned(),
        };
        frame.render_widget(Paragraph::new(text).style(theme.get("text.muted")), area);
        return;
    }
    let start = t.offset.min(t.view.len());
    let end = (start + height).min(t.view.len());
    let visible = &t.view[start..end];
    let (widths, least) = column_widths(t, visible);
    let fitted = fit_columns(t, &widths, &least, area.width.saturating_sub(2));
    let shown: Vec<usize> = fitted.iter().map(|&(c, _)| c).collect();
    let mut constraints = vec![Constraint::Length(2)];
    constraints.extend(fitted.iter().map(|&(_, w)| Constraint::Length(w)));
    // Spare width goes to an empty last column, so right-aligned numbers stay by their titles;
    // only when there is some, since its spacing would otherwise take a cell from the last
    // real column.
    let used: u32 = 2 + fitted.iter().map(|&(_, w)| w as u32 + 1).sum::<u32>();
    if used < area.width as u32 {
        constraints.push(Constraint::Fill(1));
    }
    let header = TRow::new(std::iter::once(String::new()).chain(shown.iter().map(|&i| {
        let c = &t.columns[i];
        let mark = if i == t.sort_column {
            if t.ascending { "↑" } else { "↓" }
        } else {
            ""
        };
        format!("{}{mark}", c.title)
    })))
    .style(theme.get("ui.table.header"));
    let recent = |id: &str| {
        t.changed
            .get(id)
            .is_some_and(|at| state.now - at < CHANGE_HIGHLIGHT_MS)
    };
    let rows: Vec<TRow> = visible
        .iter()
        .enumerate()
        .map(|(pos, &i)| {
            let row = &t.rows[i];
            let selected = start + pos == t.selected;
            let mut style = theme.get(row.style);
            if recent(&row.id) {
                style = style.patch(theme.get("ui.changed"));
            }
            if selected {
                style = style.patch(theme.get("ui.selection"));
            }
            let marked = t.marked.contains(&row.id);
            let marker = match (selected, marked) {
                (true, m) => Span::styled(
                    if m { "▶●" } else { "▶ " },
                    theme
                        .get("ui.selection.marker")
                        .patch(theme.get("ui.selection")),
                ),
                (false, true) => Span::styled(" ●", theme.get("ui.mark")),
                (false, false) => Span::raw("  "),
            };
            if marked {
                style = style.patch(theme.get("ui.mark.row"));
            }
            let cells = std::iter::once(Line::from(marker)).chain(shown.iter().map(|&c| {
                let line = Line::from(row.cells.get(c).map(String::as_str).unwrap_or(""));
                if t.columns[c].right {
                    line.right_aligned()
                } else {
                    line
                }
            }));
            TRow::new(cells).style(style)
        })
        .collect();
    let table = TTable::new(rows, constraints)
        .header(header)
        .column_spacing(1);
    frame.render_widget(table, area);
    if t.view.is_empty() {
        let msg = if t.filter.is_active() {
            " no rows match the filter (Esc in / clears it)"
        } else {
            " nothing here"
        };
        let y = area.y + 1;
        if y < area.y + area.height {
            frame.render_widget(
                Paragraph::new(msg).style(theme.get("text.muted")),
                Rect::new(area.x, y, area.width, 1),
            );
        }
    }
}

/// Each column's width from its header and the visible rows only, and the least width it may
/// be cut to: a number is never cut (a cut one reads as another number: -2147483648 shown as
/// `7483648`), so a column holding one is at least that wide, whatever its preferred width.
fn column_widths(t: &Table, visible: &[usize]) -> (Vec<u16>, Vec<u16>) {
    let n = t.columns.len();
    let mut widths: Vec<u16> = t
        .columns
        .iter()
        .map(|c| c.title.chars().count().max(c.width as usize) as u16 + 1)
        .collect();
    let mut least = vec![0u16; n];
    for &i in visible {
        for (c, cell) in t.rows[i].cells.iter().enumerate().take(n) {
            let len = cell.chars().count();
            if t.columns[c].width == 0 {
                widths[c] = widths[c].max(len.min(60) as u16);
            }
            if is_number(cell) {
                let len = len.min(u16::MAX as usize) as u16;
                least[c] = least[c].max(len);
                widths[c] = widths[c].max(len);
            }
        }
    }
    (widths, least)
}

/// `12`, `-2147483648`, `13.50`, `1,024`, `99%`: text whose every digit matters.
fn is_number(cell: &str) -> bool {
    let digits = cell.strip_prefix(['-', '+']).unwrap_or(cell);
    let digits = digits.strip_suffix('%').unwrap_or(digits);
    digits.starts_with(|c: char| c.is_ascii_digit())
        && digits
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '_'))
}

/// The columns that fit in `width`, and their widths: the lowest priorities are hidden first
/// (the rightmost of equals first) until the rest fit, except that a column which fits once cut
/// to at least 8 cells (and never below `least`, the width of its numbers) is kept and cut.
fn fit_columns(t: &Table, widths: &[u16], least: &[u16], width: u16) -> Vec<(usize, u16)> {
    let mut shown: Vec<(usize, u16)> = widths.iter().copied().enumerate().collect();
    let total = |s: &[(usize, u16)]| s.iter().map(|&(_, w)| w as u32 + 1).sum::<u32>();
    while shown.len() > 1 && total(&shown) > width as u32 {
        let pos = shown
            .iter()
            .enumerate()
            .min_by_key(|(pos, (c, _))| (t.columns[*c].priority, std::cmp::Reverse(*pos)))
            .map(|(pos, _)| pos)
            .expect("non-empty");
        let over = total(&shown) - width as u32;
        let (c, w) = shown[pos];
        if (w as u32) >= over + 8.max(least[c] as u32) {
            shown[pos].1 = (w as u32 - over) as u16;
            break;
        }
        shown.remove(pos);
    }
    shown
}

/// The most useful keys of the current view, from the live keymap.
pub fn hint_commands(screen: &Screen) -> Vec<Command> {
    let mut cmds = match screen {
        Screen::Roles { .. } => vec![Command::Open, Command::Quota, Command::Triage],
        Screen::Jobs { .. } => vec![Command::Open, Command::Config, Command::JobUpdate],
        Screen::Tasks { .. } => vec![
            Command::Open,
            Command::Mark,
            Command::Kill,
            Command::Restart,
            Command::Scale,
            Command::ToggleHistory,
        ],
        Screen::Updates { .. } => vec![Command::Open, Command::PauseUpdate, Command::ResumeUpdate],
        Screen::Update { .. } => vec![
            Command::JobTasks,
            Command::PauseUpdate,
            Command::ResumeUpdate,
            Command::RollbackUpdate,
            Command::PulseUpdate,
            Command::HoldPulses,
        ],
        Screen::Triage { .. } | Screen::Clusters { .. } => vec![Command::Open],
        Screen::Task { .. } => vec![Command::Copy, Command::CopyHost],
        Screen::Hosts { .. } => vec![
            Command::Open,
            Command::Mark,
            Command::StartMaintenance,
            Command::DrainHosts,
            Command::EndMaintenance,
        ],
        Screen::Services { .. } => vec![
            Command::Open,
            Command::JobUpdate,
            Command::StartUpdate,
            Command::Scale,
            Command::Restart,
            Command::RollbackUpdate,
        ],
        Screen::Nodes { .. } => vec![
            Command::DrainHosts,
            Command::StartMaintenance,
            Command::EndMaintenance,
        ],
        Screen::SwarmTasks { .. } => vec![
            Command::Open,
            Command::JobUpdate,
            Command::StartUpdate,
            Command::ToggleHistory,
            Command::Scale,
            Command::Restart,
            Command::RollbackUpdate,
        ],
        Screen::SwarmUpdate { .. } => vec![Command::JobTasks, Command::RollbackUpdate],
        Screen::SwarmTask { .. } => vec![Command::Copy, Command::CopyHost],
        Screen::SwarmTriage { .. } => vec![Command::Open],
        Screen::SwarmUpdates { .. } => vec![Command::Open, Command::JobTasks],
        Screen::Host { .. } => vec![
            Command::Open,
            Command::StartMaintenance,
            Command::DrainHosts,
            Command::EndMaintenance,
        ],
        _ => vec![],
    };
    if screen.table().is_some() {
        cmds.push(Command::Filter);
    }
    cmds.extend([Command::CommandLine, Command::Back]);
    // Help first: on a narrow terminal the line is cut from the right, and `?` must survive.
    cmds.insert(0, Command::Help);
    cmds
}

fn draw_footer(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    if let Some(input) = &state.overlays.input {
        let prompt = match input.kind {
            InputKind::Filter => "/",
            InputKind::Command => ":",
        };
        let text = input.text();
        let cursor = input.area.cursor().1 as u16;
        let line = Line::from(vec![
            Span::styled(prompt, theme.get("ui.input.prompt")),
            Span::styled(text, theme.get("ui.input")),
        ]);
        frame.render_widget(Paragraph::new(line), area);
        frame.set_cursor_position((area.x + 1 + cursor, area.y));
        return;
    }
    if let Some((_, op)) = state.pending_mutations.last()
        && state.message.is_none()
    {
        frame.render_widget(
            Paragraph::new(format!(
                " {} {}: waiting for the scheduler…",
                op.method(),
                op.subject()
            ))
            .style(theme.get("ui.message.info")),
            area,
        );
        return;
    }
    if let Some(m) = &state.message {
        let style = match m.level {
            Level::Info => theme.get("ui.message.info"),
            Level::Error => theme.get("ui.message.error"),
        };
        frame.render_widget(Paragraph::new(format!(" {}", m.text)).style(style), area);
        return;
    }
    if state.overlays.editor.is_some() {
        // The editor shows its own keys; the view's would not work while it is open.
        return;
    }
    // The log pane is its own layer, with its own keys.
    let (layers, hints) = match state.logs {
        Some(_) => (crate::keymap::Layer::Logs.chain(), logs::HINTS.to_vec()),
        None => (state.top().layers(), hint_commands(state.top())),
    };
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
    for cmd in hints.into_iter().filter(|c| state.offers(*c)) {
        let Some(chord) = state
            .keymap
            .chords_for(&layers, cmd)
            .into_iter()
            .min_by_key(|c| c.to_string().chars().count())
        else {
            continue;
        };
        let key = chord.label();
        let name = match state.on_swarm() {
            true => crate::app::swarm_ops::swarm_short_name(cmd).unwrap_or(short_name(cmd)),
            false => short_name(cmd),
        };
        let text = format!(" {name}  ");
        // A hint that does not fit whole is left out, not cut: "q b" reads as a key that
        // does something.
        used += key.chars().count() + text.trim_end().chars().count();
        if used > area.width as usize {
            break;
        }
        used += 2;
        spans.push(Span::styled(key, theme.get("ui.hint.key")));
        spans.push(Span::styled(text, theme.get("ui.hint")));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn short_name(c: Command) -> &'static str {
    match c {
        Command::Open => "open",
        Command::Filter => "filter",
        Command::CommandLine => "command",
        Command::Help => "help",
        Command::Back => "back",
        Command::ToggleHistory => "history",
        Command::Copy => "copy id",
        Command::CopyHost => "copy host",
        Command::Config => "config",
        Command::JobUpdate => "update",
        Command::JobTasks => "tasks",
        Command::Quota => "quota",
        Command::Triage => "triage",
        Command::Mark => "mark",
        Command::Kill => "kill",
        Command::Restart => "restart",
        Command::Scale => "scale",
        Command::PauseUpdate => "pause",
        Command::ResumeUpdate => "resume",
        Command::RollbackUpdate => "rollback",
        Command::PulseUpdate => "pulse",
        Command::HoldPulses => "hold",
        Command::StartMaintenance => "maintenance",
        Command::DrainHosts => "drain",
        Command::EndMaintenance => "end maint.",
        Command::Logs => "logs",
        Command::LogsFollow => "follow",
        Command::LogsStream => "stdout/err",
        Command::LogsProcess => "process",
        Command::LogsRun => "run",
        Command::LogsWrap => "wrap",
        Command::LogsSave => "save",
        other => other.name(),
    }
}

/// Cuts `text` to `room` cells, ending it with `…` when something was cut.
fn fit(text: &str, room: usize) -> String {
    if text.chars().count() <= room {
        return text.to_owned();
    }
    if room == 0 {
        return String::new();
    }
    let mut out: String = text.chars().take(room - 1).collect();
    out.push('…');
    out
}

fn draw_help(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    use crate::app::help::HelpRow;
    let Some(help) = &state.overlays.help else {
        return;
    };
    let rows = state.help_rows();
    let w = area.width.saturating_sub(4).min(100);
    let inner = w.saturating_sub(2) as usize;
    // Column widths from the rows themselves, so no name runs into its description.
    let chord_w = rows
        .iter()
        .filter_map(|r| match r {
            HelpRow::Key { chord, .. } => Some(chord.chars().count()),
            _ => None,
        })
        .max()
        .unwrap_or(1)
        .min(12);
    let name_w = rows
        .iter()
        .filter_map(|r| match r {
            HelpRow::Key { name, .. } => Some(name.len()),
            _ => None,
        })
        .max()
        .unwrap_or(1);
    let what_w = rows
        .iter()
        .filter_map(|r| match r {
            HelpRow::Entry { what, .. } => Some(what.chars().count()),
            _ => None,
        })
        .max()
        .unwrap_or(1)
        .min(20);
    let mut lines: Vec<Line> = rows
        .iter()
        .map(|r| match r {
            HelpRow::Key {
                chord,
                name,
                description,
                layer,
            } => {
                let head = format!(" {:>chord_w$}  ", fit(chord, chord_w));
                let name = format!("{name:<name_w$}  ");
                let tag = format!("  [{layer}]");
                let room = inner.saturating_sub(head.chars().count() + name.len() + tag.len());
                Line::from(vec![
                    Span::styled(head, theme.get("ui.hint.key")),
                    Span::styled(name, theme.get("text.key")),
                    Span::styled(
                        format!("{:<room$}", fit(description, room)),
                        theme.get("ui.popup"),
                    ),
                    Span::styled(tag, theme.get("text.muted")),
                ])
            }
            HelpRow::Heading(h) => {
                Line::from(Span::styled(format!("  {h}"), theme.get("text.muted")))
            }
            HelpRow::Entry { what, description } => {
                let head = format!(" {:>what_w$}  ", fit(what, what_w));
                let room = inner.saturating_sub(head.chars().count());
                Line::from(vec![
                    Span::styled(head, theme.get("ui.hint.key")),
                    Span::styled(fit(description, room), theme.get("ui.popup")),
                ])
            }
        })
        .collect();
    if lines.is_empty() {
        lines.push(Line::from(Span::styled(
            "  no key matches",
            theme.get("text.muted"),
        )));
    }
    let h = area
        .height
        .saturating_sub(2)
        .min(lines.len() as u16 + 2)
        .max(3.min(area.height));
    let popup = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + 1.min(area.height),
        w,
        h,
    );
    let title = if help.typing {
        format!(
            " keys matching {:?}_ (Enter keeps, Esc clears) ",
            help.filter
        )
    } else if help.filter.is_empty() {
        format!(
            " keys: {} (j k scroll, / to filter, Esc closes) ",
            state.top().layer().name()
        )
    } else {
        format!(" keys matching {:?} (Esc clears) ", help.filter)
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .title(fit(&title, inner))
        .border_style(theme.get("ui.popup.border"))
        .style(theme.get("ui.popup"));
    frame.render_widget(Clear, popup);
    let scroll = help.scroll.min(state.help_max_scroll()) as u16;
    frame.render_widget(
        Paragraph::new(lines).block(block).scroll((scroll, 0)),
        popup,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::table::{Column, Row, SortKey};
    use crate::app::{Nav, State};
    use crate::keymap::Keymap;

    /// Draws `t` at `w` cells wide; the rows as text.
    fn drawn(t: &Table, w: u16) -> Vec<String> {
        let state = State::new("http://sched.test:8081", Keymap::builtin(), Nav::Roles, 0);
        let theme = Theme::builtin();
        let mut term =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, 4)).expect("terminal");
        term.draw(|f| draw_table(&state, t, &theme, f, f.area()))
            .expect("draw");
        let buf = term.backend().buffer();
        (0..4)
            .map(|y| (0..w).map(|x| buf[(x, y)].symbol().to_owned()).collect())
            .collect()
    }

    #[test]
    fn numbers_widen_their_column_and_are_never_cut() {
        let mut t = Table::new(vec![
            Column::right("INST", 4).priority(9),
            Column::right("FAILS", 5).priority(6),
            Column::new("LAST EVENT", 0).priority(4),
        ]);
        let row = |id: &str, inst: &str, fails: &str| {
            Row::new(
                id.into(),
                vec![inst.into(), fails.into(), "a long message ".repeat(5)],
                vec![SortKey::Cell, SortKey::Cell, SortKey::Cell],
            )
        };
        t.set_rows(
            vec![row("a", "2147483647", "-2147483648"), row("b", "3", "0")],
            0,
        );
        for w in [80, 40, 30] {
            let text = drawn(&t, w).join("\n");
            assert!(text.contains("2147483647 "), "at {w} wide:\n{text}");
            assert!(text.contains("-2147483648"), "at {w} wide:\n{text}");
        }
        // Too narrow for both numbers: a column is hidden rather than cut.
        let lines = drawn(&t, 16);
        assert!(lines[1].contains("2147483647"), "{lines:#?}");
        assert!(
            lines
                .iter()
                .all(|l| !l.contains("7483648") || l.contains("-2147483648")),
            "{lines:#?}"
        );
    }
}
