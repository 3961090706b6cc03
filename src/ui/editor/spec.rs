//! The update editor on a Docker Swarm (`e` on a service): the service's spec as JSON, one
//! pane, a status line (what is wrong, or what to do) and the keys. The diff is shown in the
//! confirmation (`app/swarm_edit.rs`).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::hint_spans;
use crate::app::editor::{Editor, ServiceEdit, Step};
use crate::theme::Theme;

pub fn draw(ed: &Editor, service: &ServiceEdit, theme: &Theme, frame: &mut Frame, area: Rect) {
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(
            format!(" Update the service {} ", service.name),
            theme.get("ui.popup.danger"),
        ))
        .border_style(theme.get("ui.popup.border"))
        .style(theme.get("ui.popup"));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if ed.step == Step::Loading {
        let text = format!(
            " loading the spec of {} (GET /services/{})… · Esc closes",
            service.name, service.name
        );
        frame.render_widget(Paragraph::new(text).style(theme.get("text.muted")), inner);
        return;
    }
    let [main, status, hints] = Layout::vertical([
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    let every = match service.replicas {
        1 => "1 task".to_owned(),
        n => format!("{n} tasks"),
    };
    let sblock = Block::default()
        .borders(Borders::ALL)
        .title(format!(
            " ServiceSpec (JSON, the Engine's names) · an update replaces its {every} "
        ))
        .border_style(theme.get("ui.popup.border"));
    let sinner = sblock.inner(main);
    frame.render_widget(sblock, main);
    frame.render_widget(&ed.config, sinner);
    let (text, style) = match &ed.error {
        Some(e) => (format!(" ✗ {e}"), theme.get("ui.message.error")),
        None => (
            " edit the spec (image, env, replicas, update settings), then review the change"
                .to_owned(),
            theme.get("text.muted"),
        ),
    };
    frame.render_widget(Paragraph::new(text).style(style), status);
    frame.render_widget(
        Paragraph::new(Line::from(hint_spans(
            theme,
            &[
                ("Ctrl-S", "review the diff"),
                ("Ctrl-U", "undo"),
                ("Esc", "close, nothing sent"),
            ],
        ))),
        hints,
    );
}
