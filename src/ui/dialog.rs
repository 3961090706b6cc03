//! Dialogs: the confirmation every mutation passes through, the scale prompt, and notices.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::app::State;
use crate::app::dialog::{Ask, AskCount, Confirm, Dialog, Focus};
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
        Some(Dialog::Ask(a)) => ask(a, theme, frame, area),
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

fn confirm(c: &Confirm, theme: &Theme, frame: &mut Frame, area: Rect) {
    let mut body: Vec<Line> = vec![Line::from(vec![
        Span::styled(format!(" {:<12}", "cluster"), theme.get("text.key")),
        Span::styled(c.cluster.clone(), theme.get("text.value")),
    ])];
    for (k, v) in c.op.describe().into_iter().chain(c.plan.iter().cloned()) {
        body.push(Line::from(vec![
            Span::styled(format!(" {k:<12}"), theme.get("text.key")),
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

/// A yes/no question (quit anyway? discard your changes?): its lines, then the two buttons.
fn ask(a: &Ask, theme: &Theme, frame: &mut Frame, area: Rect) {
    // Wrapped here, with an indent, so the box's height counts every row and the buttons
    // always fit below.
    let inner = area.width.saturating_sub(4).clamp(20, 84).saturating_sub(3) as usize;
    let mut body: Vec<Line> = a
        .lines
        .iter()
        .flat_map(|l| wrap_words(l, inner))
        .map(|l| Line::from(Span::styled(format!(" {l}"), theme.get("text.value"))))
        .collect();
    body.push(Line::raw(""));
    let button = |label: &str, focused: bool| {
        let mut s = theme.get("ui.button");
        if focused {
            s = s.patch(theme.get("ui.button.focused"));
        }
        Span::styled(format!("[ {label} ]"), s)
    };
    body.push(Line::from(vec![
        Span::raw("   "),
        button(&a.buttons.0, a.focus == Focus::Cancel),
        Span::raw("   "),
        button(&a.buttons.1, a.focus == Focus::Confirm),
    ]));
    body.push(Line::from(Span::styled(
        " Tab / ← → move · Enter activates · Esc answers no",
        theme.get("text.muted"),
    )));
    popup(
        frame,
        area,
        theme,
        &format!(" {} ", a.title),
        "ui.popup.border",
        body,
        None,
    );
}

/// Splits `text` into rows of at most `width` characters at spaces (a word longer than a row is
/// cut); continuation rows are indented by two.
fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let width = width.max(8);
    let mut rows = Vec::new();
    let mut row = String::new();
    for word in text.split(' ') {
        let mut word = word.to_owned();
        loop {
            let len = row.chars().count();
            let sep = usize::from(len > 0 && !row.ends_with(' '));
            if len + sep + word.chars().count() <= width {
                if sep == 1 {
                    row.push(' ');
                }
                row.push_str(&word);
                break;
            }
            if row.trim().is_empty() {
                // A word longer than a row: cut it.
                let head: String = word.chars().take(width - len).collect();
                row.push_str(&head);
                word = word.chars().skip(width - len).collect();
            }
            rows.push(std::mem::replace(&mut row, "  ".to_owned()));
        }
    }
    rows.push(row);
    rows
}

#[cfg(test)]
mod tests {
    use super::wrap_words;

    #[test]
    fn words_wrap_with_an_indent_and_long_words_are_cut() {
        assert_eq!(
            wrap_words("rolling restart of a/b/c at 1/4 — quit anyway?", 20),
            vec!["rolling restart of", "  a/b/c at 1/4 —", "  quit anyway?"]
        );
        assert_eq!(wrap_words("short", 20), vec!["short"]);
        assert_eq!(
            wrap_words("abcdefghijklmnop", 8),
            vec!["abcdefgh", "  ijklmn", "  op"]
        );
    }
}
