//! The Swarm's detail screens, in the look of Aurora's (`detail.rs`): a service's live rolling
//! update (status, settings, one cell per slot, progress and estimate, the spec diff) and one
//! task in full (its state, container, ports, the spec it runs, its slot's history). The words
//! come from `app/views/swarm_update.rs` and `swarm::model`; this only lays them out.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::detail::{heading, instance_glyph, kv, loading_text, render_diff};
use crate::app::resource::{Data, ResourceKey};
use crate::app::views::swarm_tasks::state_style as task_style;
use crate::app::views::swarm_update::*;
use crate::app::{Screen, State};
use crate::domain::format::{age, time};
use crate::swarm::model::{TaskDetail, UpdateView};
use crate::theme::Theme;

pub fn draw(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let (lines, scroll) = match state.top() {
        Screen::SwarmUpdate { service, scroll } => {
            match state.data(&ResourceKey::SwarmUpdate(service.clone())) {
                Some(Data::SwarmUpdate(v)) => (Some(update_lines(state, theme, v, area)), *scroll),
                _ => (None, *scroll),
            }
        }
        Screen::SwarmTask { id, scroll } => match state.data(&ResourceKey::SwarmTask(id.clone())) {
            Some(Data::SwarmTask(d)) => (Some(task_lines(state, theme, d)), *scroll),
            _ => (None, *scroll),
        },
        _ => return,
    };
    let lines = lines.unwrap_or_else(|| {
        vec![Line::from(Span::styled(
            loading_text(state),
            theme.get("text.muted"),
        ))]
    });
    let max = lines.len().saturating_sub(area.height as usize / 2);
    frame.render_widget(
        Paragraph::new(lines).scroll((scroll.min(max) as u16, 0)),
        area,
    );
}

/// The slot grid's legend: the Aurora grid's glyphs, in the Swarm's words.
const LEGEND: &[(&str, &str)] = &[
    ("instance.updated", "on the new spec"),
    ("instance.updating", "being replaced"),
    ("instance.pending", "old spec"),
    ("instance.failed", "failed"),
];

fn update_lines<'a>(state: &State, theme: &Theme, v: &UpdateView, area: Rect) -> Vec<Line<'a>> {
    let width = area.width as usize;
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!(" {:<16}", "status"), theme.get("text.key")),
            Span::styled(
                state_text(v.state.as_deref()),
                theme.get(state_style(v.state.as_deref())),
            ),
            Span::styled(
                match times_text(v, state.now) {
                    t if t.is_empty() => String::new(),
                    t => format!("  {t}"),
                },
                theme.get("text.muted"),
            ),
        ]),
        kv(theme, "service", v.service.clone()),
    ];
    if let Some(m) = v.message.as_deref().filter(|m| !m.is_empty()) {
        lines.push(kv(theme, "message", m.replace('\n', " ")));
    }
    // Progress bar as text so it scrolls with the page, as on Aurora's update screen.
    let bar_w = width.saturating_sub(40).clamp(10, 60);
    let filled = (v.updated * bar_w).checked_div(v.total).unwrap_or(0);
    lines.push(Line::from(vec![
        Span::styled(format!(" {:<16}", "progress"), theme.get("text.key")),
        Span::styled("█".repeat(filled), theme.get("instance.updated")),
        Span::styled(
            "░".repeat(bar_w.saturating_sub(filled)),
            theme.get("instance.pending"),
        ),
        Span::styled(format!(" {}", progress_text(v)), theme.get("text.value")),
    ]));
    if let Some(eta) = estimate_text(v, state.now) {
        lines.push(kv(theme, "estimate", eta));
    }
    lines.push(kv(theme, "strategy", strategy_text(&v.settings)));
    lines.push(kv(theme, "on failure", failure_text(&v.settings)));
    lines.push(Line::raw(""));
    lines.push(heading(theme, "SLOTS"));
    let per_line = (width.saturating_sub(2) / 8).max(1);
    let cells: Vec<Span> = v
        .slots
        .iter()
        .map(|s| {
            let style = slot_style(s);
            Span::styled(
                format!("{:>6}{} ", slot_label(&s.slot), instance_glyph(style)),
                theme.get(style),
            )
        })
        .collect();
    if cells.is_empty() {
        lines.push(Line::from(Span::styled(
            "   no tasks",
            theme.get("text.muted"),
        )));
    }
    for chunk in cells.chunks(per_line) {
        let mut spans = vec![Span::raw(" ")];
        spans.extend(chunk.iter().cloned());
        lines.push(Line::from(spans));
    }
    let mut legend = vec![Span::raw(" ")];
    legend.extend(LEGEND.iter().map(|(style, word)| {
        Span::styled(
            format!("{} {word}  ", instance_glyph(style)),
            theme.get(style),
        )
    }));
    lines.push(Line::from(legend));
    lines.push(Line::raw(""));
    lines.push(heading(theme, "SPEC CHANGE (PreviousSpec → Spec)"));
    if v.diff.is_empty() && v.state.is_none() {
        lines.push(Line::from(Span::styled(
            "   no previous spec: the service was never updated",
            theme.get("text.muted"),
        )));
    } else {
        render_diff(theme, &v.diff, &mut lines);
    }
    lines
}

fn task_lines<'a>(state: &State, theme: &Theme, d: &TaskDetail) -> Vec<Line<'a>> {
    let t = &d.task;
    let since = engine_ms(t.since.as_deref());
    let mut lines = vec![
        kv(theme, "task id", t.id.clone()),
        kv(theme, "service", d.service.clone()),
        match t.slot {
            Some(s) => kv(theme, "slot", s.to_string()),
            None => kv(theme, "slot", "- (global: one task per node)"),
        },
        Line::from(vec![
            Span::styled(format!(" {:<16}", "state"), theme.get("text.key")),
            Span::styled(t.state.clone(), theme.get(task_style(&t.state))),
            Span::styled(
                format!(
                    "  for {} · desired {}",
                    age(state.now, since),
                    t.desired_state
                ),
                theme.get("text.muted"),
            ),
        ]),
        kv(theme, "message", t.message.replace('\n', " ")),
    ];
    if let Some(e) = &t.error {
        lines.push(Line::from(vec![
            Span::styled(format!(" {:<16}", "error"), theme.get("text.key")),
            Span::styled(e.replace('\n', " "), theme.get("status.failed")),
        ]));
    }
    lines.push(kv(
        theme,
        "exit code",
        t.exit_code.map_or("-".into(), |c| c.to_string()),
    ));
    lines.push(kv(theme, "node", t.node.clone()));
    lines.push(kv(
        theme,
        "container",
        t.container_id.clone().unwrap_or_else(|| "-".into()),
    ));
    lines.push(kv(theme, "ports", d.ports.join(" ")));
    lines.push(kv(theme, "image", t.image.clone()));
    lines.push(kv(theme, "command", d.command.join(" ")));
    lines.push(kv(theme, "env", d.env.join(" ")));
    lines.push(kv(theme, "resources", d.resources.clone()));
    lines.push(kv(
        theme,
        "spec",
        if t.current_spec {
            "the service's current spec"
        } else {
            "not the service's current spec (from before an update, or not reached yet)"
        },
    ));
    lines.push(kv(
        theme,
        "created",
        time(engine_ms(t.created_at.as_deref())),
    ));
    lines.push(Line::raw(""));
    let slot = t
        .slot
        .map_or_else(|| format!("node {}", t.node), |s| format!("slot {s}"));
    lines.push(heading(
        theme,
        &format!(
            "HISTORY OF {} (the tasks the Engine keeps, newest first)",
            slot.to_uppercase()
        ),
    ));
    for h in &d.history {
        let mut why = h.message.replace('\n', " ");
        if let Some(e) = &h.error {
            why = format!("{why}: {}", e.replace('\n', " "));
        }
        if let Some(c) = h.exit_code.filter(|c| *c != 0) {
            why.push_str(&format!(" (exit {c})"));
        }
        let short: String = h.id.chars().take(12).collect();
        let this = if h.id == t.id { " ◀ this task" } else { "" };
        lines.push(Line::from(vec![
            Span::styled(
                format!(" {}  ", time(engine_ms(h.since.as_deref()))),
                theme.get("text.muted"),
            ),
            Span::styled(format!("{:<11}", h.state), theme.get(task_style(&h.state))),
            Span::styled(why, theme.get("text")),
            Span::styled(
                format!("  {short} · {}{this}", h.image),
                theme.get("text.muted"),
            ),
        ]));
    }
    lines
}
