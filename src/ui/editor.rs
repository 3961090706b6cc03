//! The update editor (`e` on a job): the config as JSON on the left, the settings form on the
//! right (below on narrow screens), then the scheduler's preview of the change. On a Docker
//! Swarm, the service's spec alone (`spec`).

mod spec;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::app::State;
use crate::app::editor::{Editor, Field, Preview, Step};
use crate::aurora::model::format_ranges;
use crate::theme::Theme;

pub fn draw(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(ed) = state.overlays.editor.as_deref() else {
        return;
    };
    frame.render_widget(Clear, area);
    if let Some(service) = &ed.service {
        return spec::draw(ed, service, theme, frame, area);
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(
            format!(" Start an update of {} ", ed.job),
            theme.get("ui.popup.danger"),
        ))
        .border_style(theme.get("ui.popup.border"))
        .style(theme.get("ui.popup"));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    match &ed.step {
        Step::Loading => {
            let text = format!(
                " loading the running config of {} (getConfigSummary)… · Esc closes",
                ed.job
            );
            frame.render_widget(Paragraph::new(text).style(theme.get("text.muted")), inner);
        }
        Step::Edit | Step::Previewing { .. } => edit(ed, theme, frame, inner),
        Step::Preview(p) => preview(ed, p, theme, frame, inner),
    }
}

fn edit(ed: &Editor, theme: &Theme, frame: &mut Frame, area: Rect) {
    let [main, status, hints] = Layout::vertical([
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let wide = main.width >= 90;
    let [config_area, form_area] = if wide {
        Layout::horizontal([Constraint::Min(30), Constraint::Length(46)]).areas(main)
    } else {
        Layout::vertical([Constraint::Min(3), Constraint::Length(10)]).areas(main)
    };
    let focus_style = |f: Field| {
        if ed.focus == f {
            theme.get("ui.popup.border")
        } else {
            theme.get("text.muted")
        }
    };
    let running = format_ranges(&ed.instances);
    let cblock = Block::default()
        .borders(Borders::ALL)
        .title(format!(" TaskConfig (JSON) · running on {running} "))
        .border_style(focus_style(Field::Config));
    let cinner = cblock.inner(config_area);
    frame.render_widget(cblock, config_area);
    frame.render_widget(&ed.config, cinner);

    let fblock = Block::default()
        .borders(Borders::ALL)
        .title(" update settings ")
        .border_style(if ed.focus == Field::Config {
            theme.get("text.muted")
        } else {
            theme.get("ui.popup.border")
        });
    let finner = fblock.inner(form_area);
    frame.render_widget(fblock, form_area);
    let label_w: u16 = if wide { 29 } else { 30 };
    let mut lines = Vec::new();
    for (i, f) in Field::SETTINGS.iter().enumerate() {
        let Some(input) = ed.setting(*f) else {
            continue;
        };
        let focused = ed.focus == *f;
        let style = if focused {
            theme.get("ui.input.focused")
        } else {
            theme.get("ui.input.field")
        };
        let text = input.text();
        let room = finner.width.saturating_sub(label_w) as usize;
        let pad = room.saturating_sub(text.chars().count());
        lines.push(Line::from(vec![
            Span::styled(
                format!("{:<w$}", f.label(), w = label_w as usize),
                theme.get("text.key"),
            ),
            Span::styled(format!("{text}{}", " ".repeat(pad)), style),
        ]));
        if focused {
            let x = finner.x + label_w + input.area.cursor().1 as u16;
            let y = finner.y + i as u16;
            if x < finner.right() && y < finner.bottom() {
                frame.set_cursor_position((x, y));
            }
        }
    }
    frame.render_widget(Paragraph::new(lines), finner);

    let (text, style) = match (&ed.step, &ed.error) {
        (Step::Previewing { .. }, _) => (
            " asking the scheduler what this update would change (getJobUpdateDiff)…".to_owned(),
            theme.get("ui.message.info"),
        ),
        (_, Some(e)) => (format!(" ✗ {e}"), theme.get("ui.message.error")),
        _ => (
            " edit the config and the settings, then preview the change".to_owned(),
            theme.get("text.muted"),
        ),
    };
    frame.render_widget(Paragraph::new(text).style(style), status);
    frame.render_widget(
        Paragraph::new(Line::from(hint_spans(
            theme,
            &[
                ("Tab", "next field"),
                ("Ctrl-S", "preview"),
                ("Ctrl-U", "undo"),
                ("Esc", "close, nothing sent"),
            ],
        ))),
        hints,
    );
}

fn hint_spans<'a>(theme: &Theme, keys: &[(&str, &str)]) -> Vec<Span<'a>> {
    let mut spans = vec![Span::raw(" ")];
    for (k, d) in keys {
        spans.push(Span::styled(k.to_string(), theme.get("ui.hint.key")));
        spans.push(Span::styled(format!(" {d}  "), theme.get("ui.hint")));
    }
    spans
}

fn preview(ed: &Editor, p: &Preview, theme: &Theme, frame: &mut Frame, area: Rect) {
    let [body, hints] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
    let key = theme.get("text.key");
    let value = theme.get("text.value");
    let mut lines: Vec<Line> = vec![Line::from(Span::styled(
        " What the scheduler says this update would do (getJobUpdateDiff):",
        theme.get("text.muted"),
    ))];
    for (k, v) in p.instance_lines() {
        lines.push(Line::from(vec![
            Span::styled(format!("   {k:<12}"), key),
            Span::styled(v, value),
        ]));
    }
    let s = p.request.settings.clone().unwrap_or_default();
    lines.push(Line::from(vec![
        Span::styled(format!("   {:<12}", "settings"), key),
        Span::styled(
            format!(
                "{} instances · batch {} · max failures {}/instance, {} total · min wait {}s · rollback on failure {} · {}",
                p.request.instance_count.unwrap_or(0),
                s.update_group_size.unwrap_or(0),
                s.max_per_instance_failures.unwrap_or(0),
                s.max_failed_instances.unwrap_or(0),
                s.min_wait_in_instance_running_ms.unwrap_or(0) / 1000,
                if s.rollback_on_failure.unwrap_or(false) { "yes" } else { "no" },
                match s.block_if_no_pulses_after_ms {
                    Some(ms) => format!("needs a pulse every {}s", ms / 1000),
                    None => "no pulses needed".to_owned(),
                }
            ),
            value,
        ),
    ]));
    if let Some(m) = &p.message {
        lines.push(Line::from(vec![
            Span::styled(format!("   {:<12}", "message"), key),
            Span::styled(m.clone(), value),
        ]));
    }
    lines.push(Line::raw(""));
    if !p.changes() {
        lines.push(Line::from(Span::styled(
            " ✓ Job is unchanged by proposed update: there is nothing to start.",
            theme.get("ui.message.info"),
        )));
    }
    lines.push(Line::from(Span::styled(
        " Config changes (running → edited):",
        theme.get("text.muted"),
    )));
    super::detail::render_diff(theme, &p.config_diff, &mut lines);
    let scroll = ed.scroll.min(lines.len().saturating_sub(1)) as u16;
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        body,
    );
    let keys: &[(&str, &str)] = if p.changes() {
        &[
            ("Enter", "confirm…"),
            ("Backspace", "edit"),
            ("↑↓ PgUp PgDn", "scroll"),
            ("Esc", "close, nothing sent"),
        ]
    } else {
        &[
            ("Backspace", "edit"),
            ("↑↓", "scroll"),
            ("Esc", "close, nothing sent"),
        ]
    };
    frame.render_widget(Paragraph::new(Line::from(hint_spans(theme, keys))), hints);
}
