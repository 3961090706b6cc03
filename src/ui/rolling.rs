//! The rolling restart's progress: a banner above the job's tasks table, and a short note in
//! the breadcrumbs of every view while it runs.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::rolling::{Rolling, Status};
use crate::app::{Command, State};
use crate::theme::Theme;

fn style_key(r: &Rolling) -> &'static str {
    match &r.status {
        Status::Running if r.paused.is_some() => "update.paused",
        Status::Running | Status::Offered => "update.rolling_forward",
        Status::Finished => "update.rolled_forward",
        Status::Stopped(_) => "update.failed",
    }
}

/// The key bound to `cmd` in the current view, for the banner's hints.
fn key_for(state: &State, cmd: Command) -> Option<String> {
    state
        .keymap
        .chords_for(&state.top().layers(), cmd)
        .into_iter()
        .map(|c| c.to_string())
        .min_by_key(|c| c.chars().count())
}

/// What is happening now (wrapped), and a progress bar with the keys on the last row.
pub fn draw_banner(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(r) = &state.rolling else { return };
    let style = theme.get(style_key(r));
    let text = format!(" {} ", r.progress(state.now));
    let text_rows = area.height.saturating_sub(1).max(1);
    frame.render_widget(
        Paragraph::new(Line::from(Span::styled(text, style))).wrap(Wrap { trim: false }),
        Rect::new(area.x, area.y, area.width, text_rows),
    );
    if area.height < 2 {
        return;
    }
    let done = r.done_instances();
    let total = r.total_instances();
    let label = format!(" {done}/{total} instances done ");
    let mut hints = Vec::new();
    if r.active() {
        if let Some(k) = key_for(state, Command::RollingPause) {
            hints.push(format!(
                "{k} {}",
                if r.paused.is_some() {
                    "resume"
                } else {
                    "pause"
                }
            ));
        }
        if let Some(k) = key_for(state, Command::RollingCancel) {
            hints.push(format!("{k} cancel"));
        }
    } else if let Some(k) = key_for(state, Command::RollingCancel) {
        hints.push(format!("{k} dismiss"));
    }
    let hints = format!(" {}", hints.join(" · "));
    let room = (area.width as usize)
        .saturating_sub(label.chars().count() + hints.chars().count() + 3)
        .min(40);
    let filled = ((r.fraction(state.now) * room as f64).round() as usize).min(room);
    let line = Line::from(vec![
        Span::raw(" "),
        Span::styled("█".repeat(filled), style),
        Span::styled("░".repeat(room - filled), theme.get("gauge.empty")),
        Span::styled(label, theme.get("text.value")),
        Span::styled(hints, theme.get("text.muted")),
    ]);
    frame.render_widget(
        Paragraph::new(line),
        Rect::new(area.x, area.y + text_rows, area.width, 1),
    );
}

/// A short note for the breadcrumbs while a rolling restart runs (on every view).
pub fn crumb(state: &State, theme: &Theme) -> Option<Span<'static>> {
    let r = state.rolling.as_ref().filter(|r| r.active())?;
    let n = r.batches.len();
    let k = r.current().map(|k| k + 1).unwrap_or((r.sent + 1).min(n));
    let text = if r.paused.is_some() {
        format!("   ⟳ rolling restart {k}/{n} PAUSED")
    } else {
        format!("   ⟳ rolling restart {k}/{n}")
    };
    Some(Span::styled(text, theme.get(style_key(r))))
}
