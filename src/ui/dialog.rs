//! Dialogs: the confirmation every mutation passes through, the scale prompt, and notices.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::app::State;
use crate::app::dialog::{AskCount, Confirm, Dialog, Focus};
use crate::app::input::Input;
use crate::theme::Theme;

pub fn draw(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    if let Some((title, lines)) = &state.notice {
        let body: Vec<Line> = lines
            .iter()
            .map(|l| Line::from(Span::styled(format!(" {l}"), theme.get("ui.popup"))))
            .chain([
                Line::raw(""),
                Line::from(Span::styled(
                    " Enter or Esc closes",
                    theme.get("text.muted"),
                )),
            ])
            .collect();
        popup(
            frame,
            area,
            theme,
            &format!(" {title} "),
            "ui.popup.danger",
            body,
            None,
        );
        return;
    }
    match &state.dialog {
        Some(Dialog::Confirm(c)) => confirm(c, theme, frame, area),
        Some(Dialog::AskCount(a)) => ask_count(a, theme, frame, area),
        None => {}
    }
}

/// Draws a centred popup; `cursor` is (line index, column) of a text cursor inside the body.
fn popup(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    title: &str,
    border: &str,
    body: Vec<Line>,
    cursor: Option<(u16, u16)>,
) {
    let w = area.width.saturating_sub(4).clamp(20, 84);
    let h = (body.len() as u16 + 2).min(area.height);
    let rect = Rect::new(
        area.x + (area.width.saturating_sub(w)) / 2,
        area.y + (area.height.saturating_sub(h)) / 2,
        w,
        h,
    );
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(title.to_owned(), theme.get(border)))
        .border_style(theme.get(border))
        .style(theme.get("ui.popup"));
    frame.render_widget(
        Paragraph::new(body).block(block).wrap(Wrap { trim: false }),
        rect,
    );
    if let Some((line, col)) = cursor {
        let y = rect.y + 1 + line;
        let x = rect.x + 1 + col;
        if y < rect.bottom().saturating_sub(1) && x < rect.right().saturating_sub(1) {
            frame.set_cursor_position((x, y));
        }
    }
}

fn field<'a>(label: &str, input: &Input, focused: bool, theme: &Theme) -> Line<'a> {
    let style = if focused {
        theme.get("ui.input.focused")
    } else {
        theme.get("ui.input.field")
    };
    let text = input.text();
    let pad = 40usize.saturating_sub(text.chars().count());
    Line::from(vec![
        Span::styled(format!(" {label:<12}"), theme.get("text.key")),
        Span::styled(format!("{text}{}", " ".repeat(pad)), style),
    ])
}

/// A detail's label, padded so its value lines up with the others; a label as long as the
/// column still gets a space before its value (`instance count 12`, not `instance count12`).
fn label_cell(label: &str) -> String {
    format!(" {:<12}", format!("{label} "))
}

fn confirm(c: &Confirm, theme: &Theme, frame: &mut Frame, area: Rect) {
    let mut body: Vec<Line> = vec![Line::from(vec![
        Span::styled(format!(" {:<12}", "cluster"), theme.get("text.key")),
        Span::styled(c.cluster.clone(), theme.get("text.value")),
    ])];
    for (k, v) in c.op.describe().into_iter().chain(c.plan.iter().cloned()) {
        body.push(Line::from(vec![
            Span::styled(label_cell(&k), theme.get("text.key")),
            Span::styled(v, theme.get("text.value")),
        ]));
    }
    if c.hidden_marks > 0 {
        body.push(Line::from(Span::styled(
            format!(
                " ⚠ {} of these marked rows are hidden by the filter",
                c.hidden_marks
            ),
            theme.get("ui.message.error"),
        )));
    }
    for w in &c.warnings {
        body.push(Line::from(Span::styled(
            format!(" ⚠ {w}"),
            theme.get("ui.message.error"),
        )));
    }
    body.push(Line::raw(""));
    let mut cursor = None;
    if let Some(m) = &c.message {
        if c.focus == Focus::Message {
            cursor = Some((body.len() as u16, 13 + m.area.cursor().1 as u16));
        }
        body.push(field("message", m, c.focus == Focus::Message, theme));
    }
    if let Some(req) = &c.require {
        body.push(Line::from(Span::styled(
            format!(" type {req:?} to enable the button:"),
            theme.get("text.muted"),
        )));
        if c.focus == Focus::Typed {
            cursor = Some((body.len() as u16, 13 + c.typed.area.cursor().1 as u16));
        }
        body.push(field("confirm", &c.typed, c.focus == Focus::Typed, theme));
    }
    body.push(Line::raw(""));
    let button = |label: &str, focused: bool, style: &str| {
        let mut s = theme.get(style);
        if focused {
            s = s.patch(theme.get("ui.button.focused"));
        }
        Span::styled(format!("[ {label} ]"), s)
    };
    let action_style = if !c.armed() {
        "ui.button.disabled"
    } else if c.op.destructive() {
        "ui.button.danger"
    } else {
        "ui.button"
    };
    body.push(Line::from(vec![
        Span::raw("   "),
        button("Cancel", c.focus == Focus::Cancel, "ui.button"),
        Span::raw("   "),
        button(&c.verb(), c.focus == Focus::Confirm, action_style),
    ]));
    body.push(Line::from(Span::styled(
        " Tab / ← → move · Enter activates · Esc cancels",
        theme.get("text.muted"),
    )));
    let border = if c.op.destructive() {
        "ui.popup.danger"
    } else {
        "ui.popup.border"
    };
    popup(
        frame,
        area,
        theme,
        &format!(" {}? ", c.verb()),
        border,
        body,
        cursor,
    );
}

fn ask_count(a: &AskCount, theme: &Theme, frame: &mut Frame, area: Rect) {
    let mut body = vec![
        Line::from(Span::styled(
            format!(" {} has {} active instances.", a.job, a.current),
            theme.get("text.value"),
        )),
        Line::from(Span::styled(
            " The next screen shows exactly what will be added or killed.",
            theme.get("text.muted"),
        )),
        Line::raw(""),
    ];
    let cursor = Some((body.len() as u16, 13 + a.input.area.cursor().1 as u16));
    body.push(field("new count", &a.input, true, theme));
    if let Some(e) = &a.error {
        body.push(Line::from(Span::styled(
            format!(" {e}"),
            theme.get("ui.message.error"),
        )));
    }
    body.push(Line::from(Span::styled(
        " Enter continues · Esc cancels",
        theme.get("text.muted"),
    )));
    popup(
        frame,
        area,
        theme,
        " Scale ",
        "ui.popup.border",
        body,
        cursor,
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_long_label_never_runs_into_its_value() {
        assert_eq!(super::label_cell("cluster"), " cluster     ");
        assert_eq!(
            format!("{}12", super::label_cell("instance count")),
            " instance count 12"
        );
    }
}
