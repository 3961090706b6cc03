//! Dialogs: the confirmation every mutation passes through, the scale prompt, and notices.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::app::dialog::{Ask, AskCount, Confirm, Dialog, Focus};
use crate::app::input::Input;
use crate::app::{Level, State};
use crate::theme::Theme;

pub fn draw(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    if let Some(scroll) = state.messages.shown {
        messages(state, scroll, theme, frame, area);
        return;
    }
    if let Some((title, lines)) = &state.overlays.notice {
        let body: Vec<Indented> = lines
            .iter()
            .map(|l| {
                // Continuations line up with the text, past a list item's dash.
                let indent = 1 + l.len() - l.trim_start_matches([' ', '-']).len();
                (
                    Line::from(Span::styled(format!(" {l}"), theme.get("ui.popup"))),
                    indent,
                )
            })
            .collect();
        let pinned = vec![
            (Line::raw(""), 1),
            (
                Line::from(Span::styled(
                    " Enter or Esc closes",
                    theme.get("text.muted"),
                )),
                1,
            ),
        ];
        popup(
            frame,
            area,
            theme,
            &format!(" {title} "),
            "ui.popup.danger",
            body,
            pinned,
            None,
            0,
        );
        return;
    }
    match &state.overlays.dialog {
        Some(Dialog::Confirm(c)) => confirm(c, theme, frame, area),
        Some(Dialog::AskCount(a)) => ask_count(a, theme, frame, area),
        Some(Dialog::Ask(a)) => ask(a, theme, frame, area),
        None => {}
    }
}

/// A line of a dialog and the column its wrapped continuation lines start at.
type Indented = (Line<'static>, usize);

/// Word-wraps a line to `width` cells; continuation lines start `indent` cells in, so a wrapped
/// value stays under its value and not under its label.
pub(crate) fn wrap_line(line: &Line<'static>, width: usize, indent: usize) -> Vec<Line<'static>> {
    let width = width.max(1);
    let indent = indent.min(width / 2);
    let cells: Vec<(char, ratatui::style::Style, usize)> = line
        .spans
        .iter()
        .flat_map(|s| {
            let style = line.style.patch(s.style);
            s.content.chars().map(move |c| {
                let mut b = [0u8; 4];
                (c, style, Span::raw(&*c.encode_utf8(&mut b)).width())
            })
        })
        .collect();
    let mut rows: Vec<Vec<(char, ratatui::style::Style, usize)>> = Vec::new();
    let mut row: Vec<(char, ratatui::style::Style, usize)> = Vec::new();
    let mut used = 0usize;
    // Where the current row's own text starts (after the indent of a continuation).
    let mut text_start = 0usize;
    for cell in cells {
        if used + cell.2 > width && !row.is_empty() {
            // Break at the last space of this row's text if there is one, else mid-word.
            let cut = row[text_start..]
                .iter()
                .rposition(|(c, _, _)| *c == ' ')
                .map(|p| p + text_start)
                .filter(|p| *p > text_start);
            let carry: Vec<_> = match cut {
                Some(p) => {
                    let rest = row.split_off(p + 1);
                    row.pop();
                    rest
                }
                None => Vec::new(),
            };
            rows.push(std::mem::take(&mut row));
            let pad = ratatui::style::Style::default();
            row.extend(std::iter::repeat_n((' ', pad, 1), indent));
            text_start = indent;
            used = indent;
            for c in carry {
                used += c.2;
                row.push(c);
            }
            if cell.0 == ' ' && row.len() == text_start {
                continue;
            }
        }
        used += cell.2;
        row.push(cell);
    }
    rows.push(row);
    rows.into_iter()
        .map(|r| {
            let mut spans: Vec<Span<'static>> = Vec::new();
            let mut text = String::new();
            let mut style = None;
            for (c, st, _) in r {
                if style.is_some_and(|s| s != st) {
                    spans.push(Span::styled(std::mem::take(&mut text), style.unwrap()));
                }
                style = Some(st);
                text.push(c);
            }
            if let Some(st) = style {
                spans.push(Span::styled(text, st));
            }
            Line::from(spans)
        })
        .collect()
}

/// The popup's outer width for a screen area.
fn popup_width(area: Rect) -> u16 {
    area.width.saturating_sub(4).clamp(20, 84).min(area.width)
}

/// Draws a centred popup. `body` is what the dialog says: it is wrapped, and scrolled by
/// `scroll` lines when the screen cannot hold it. `pinned` (fields, buttons, key hint) is drawn
/// below it and never scrolls away. `cursor` is (line index in `pinned`, column).
#[allow(clippy::too_many_arguments)]
fn popup(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    title: &str,
    border: &str,
    body: Vec<Indented>,
    pinned: Vec<Indented>,
    cursor: Option<(u16, u16)>,
    scroll: usize,
) {
    let w = popup_width(area);
    let inner = w.saturating_sub(2) as usize;
    let wrap = |lines: Vec<Indented>| -> Vec<Line<'static>> {
        lines
            .iter()
            .flat_map(|(l, indent)| wrap_line(l, inner, *indent))
            .collect()
    };
    let body = wrap(body);
    // The cursor's line moves down by the rows that the pinned lines above it wrapped into.
    let mut pinned_lines = Vec::new();
    let mut cursor_row = None;
    for (i, (l, indent)) in pinned.iter().enumerate() {
        if cursor.is_some_and(|(line, _)| line as usize == i) {
            cursor_row = Some(pinned_lines.len());
        }
        pinned_lines.extend(wrap_line(l, inner, *indent));
    }
    let room = area.height.saturating_sub(2) as usize;
    let pinned_rows = pinned_lines.len().min(room);
    let body_room = room - pinned_rows;
    let mut shown: Vec<Line<'static>> = if body.len() <= body_room {
        body
    } else if body_room == 0 {
        Vec::new()
    } else {
        // Too tall: a window of the description and a line saying how to see the rest.
        let window = body_room - 1;
        let max_scroll = body.len() - window;
        let top = scroll.min(max_scroll);
        let below = body.len() - window - top;
        let mut v: Vec<Line<'static>> = body[top..top + window].to_vec();
        let text = match (top, below) {
            (0, b) => format!(" ↓ {b} more line(s): ↓ scrolls"),
            (a, 0) => format!(" ↑ {a} line(s) above: ↑ scrolls"),
            (a, b) => format!(" ↑ {a} above · ↓ {b} below: ↑ ↓ scroll"),
        };
        v.push(Line::from(Span::styled(text, theme.get("text.muted"))));
        v
    };
    let pinned_at = shown.len();
    shown.extend(pinned_lines.into_iter().take(pinned_rows));
    let h = (shown.len() as u16 + 2).min(area.height);
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
    frame.render_widget(Paragraph::new(shown).block(block), rect);
    if let (Some((_, col)), Some(row)) = (cursor, cursor_row) {
        let y = rect.y + 1 + (pinned_at + row) as u16;
        let x = rect.x + 1 + col;
        if y < rect.bottom().saturating_sub(1) && x < rect.right().saturating_sub(1) {
            frame.set_cursor_position((x, y));
        }
    }
}

/// A `label value` line: the value starts at column 13, or after one space when the label is
/// longer (so `instance count` never runs into its value).
fn key_value(k: &str, v: String, theme: &Theme) -> Indented {
    let label = if k.chars().count() >= 12 {
        format!(" {k} ")
    } else {
        format!(" {k:<12}")
    };
    let indent = label.chars().count();
    (
        Line::from(vec![
            Span::styled(label, theme.get("text.key")),
            Span::styled(v, theme.get("text.value")),
        ]),
        indent,
    )
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

/// A button; the focus is also drawn as a marker, so it shows without colour or reverse video.
fn button(theme: &Theme, label: &str, focused: bool, style: &str) -> Vec<Span<'static>> {
    let mut s = theme.get(style);
    if focused {
        s = s.patch(theme.get("ui.button.focused"));
    }
    let marker = if focused { "▸" } else { " " };
    vec![
        Span::styled(marker, theme.get("text.key")),
        Span::styled(format!("[ {label} ]"), s),
    ]
}

fn confirm(c: &Confirm, theme: &Theme, frame: &mut Frame, area: Rect) {
    let mut body: Vec<Indented> = vec![key_value("cluster", c.cluster.clone(), theme)];
    for (k, v) in c.op.describe().into_iter().chain(c.plan.iter().cloned()) {
        body.push(key_value(&k, v, theme));
    }
    let warning = |text: String| -> Indented {
        (
            Line::from(Span::styled(text, theme.get("ui.message.error"))),
            3,
        )
    };
    if c.hidden_marks > 0 {
        body.push(warning(format!(
            " ⚠ {} of these marked rows are hidden by the filter",
            c.hidden_marks
        )));
    }
    for w in &c.warnings {
        body.push(warning(format!(" ⚠ {w}")));
    }
    // Fields, buttons and the key hint: always drawn, whatever the description's height.
    let mut pinned: Vec<Indented> = vec![(Line::raw(""), 1)];
    let mut cursor = None;
    if let Some(m) = &c.message {
        if c.focus == Focus::Message {
            cursor = Some((pinned.len() as u16, 13 + m.area.cursor().1 as u16));
        }
        pinned.push((field("message", m, c.focus == Focus::Message, theme), 13));
    }
    if let Some(req) = &c.require {
        pinned.push((
            Line::from(Span::styled(
                format!(" type {req:?} to enable the button:"),
                theme.get("text.muted"),
            )),
            1,
        ));
        if c.focus == Focus::Typed {
            cursor = Some((pinned.len() as u16, 13 + c.typed.area.cursor().1 as u16));
        }
        pinned.push((
            field("confirm", &c.typed, c.focus == Focus::Typed, theme),
            13,
        ));
    }
    pinned.push((Line::raw(""), 1));
    let action_style = if !c.armed() {
        "ui.button.disabled"
    } else if c.op.destructive() {
        "ui.button.danger"
    } else {
        "ui.button"
    };
    let mut buttons = vec![Span::raw("  ")];
    buttons.extend(button(
        theme,
        "Cancel",
        c.focus == Focus::Cancel,
        "ui.button",
    ));
    buttons.push(Span::raw("  "));
    buttons.extend(button(
        theme,
        &c.verb(),
        c.focus == Focus::Confirm,
        action_style,
    ));
    if !c.armed() {
        buttons.push(Span::styled(
            " (disabled: type first)",
            theme.get("text.muted"),
        ));
    }
    pinned.push((Line::from(buttons), 3));
    pinned.push((
        Line::from(Span::styled(
            " Tab / ← → move · Enter activates · Esc cancels",
            theme.get("text.muted"),
        )),
        1,
    ));
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
        pinned,
        cursor,
        c.scroll,
    );
}

/// `:messages`: the history, newest first, each line with the time it was said.
fn messages(state: &State, scroll: usize, theme: &Theme, frame: &mut Frame, area: Rect) {
    let mut body: Vec<Indented> = state
        .messages
        .entries
        .iter()
        .rev()
        .map(|m| {
            let time = chrono::DateTime::from_timestamp_millis(m.at)
                .map(|t| t.format("%H:%M:%S").to_string())
                .unwrap_or_default();
            let style = match m.level {
                Level::Info => "ui.popup",
                Level::Error => "ui.message.error",
            };
            (
                Line::from(vec![
                    Span::styled(format!(" {time}  "), theme.get("text.muted")),
                    Span::styled(m.text.clone(), theme.get(style)),
                ]),
                11,
            )
        })
        .collect();
    if body.is_empty() {
        body.push((
            Line::from(Span::styled(" no messages yet", theme.get("text.muted"))),
            1,
        ));
    }
    let pinned = vec![
        (Line::raw(""), 1),
        (
            Line::from(Span::styled(
                " ↑ ↓ scroll · Esc closes",
                theme.get("text.muted"),
            )),
            1,
        ),
    ];
    popup(
        frame,
        area,
        theme,
        " messages (newest first) ",
        "ui.popup.border",
        body,
        pinned,
        None,
        scroll,
    );
}

fn ask_count(a: &AskCount, theme: &Theme, frame: &mut Frame, area: Rect) {
    let body: Vec<Indented> = vec![
        (
            Line::from(Span::styled(
                format!(" {} has {} active instances.", a.job, a.current),
                theme.get("text.value"),
            )),
            1,
        ),
        (
            Line::from(Span::styled(
                " The next screen shows exactly what will be added or killed.",
                theme.get("text.muted"),
            )),
            1,
        ),
    ];
    let mut pinned: Vec<Indented> = vec![(Line::raw(""), 1)];
    let cursor = Some((pinned.len() as u16, 13 + a.input.area.cursor().1 as u16));
    pinned.push((field("new count", &a.input, true, theme), 13));
    if let Some(e) = &a.error {
        pinned.push((
            Line::from(Span::styled(format!(" {e}"), theme.get("ui.message.error"))),
            1,
        ));
    }
    pinned.push((
        Line::from(Span::styled(
            " Enter continues · Esc cancels",
            theme.get("text.muted"),
        )),
        1,
    ));
    popup(
        frame,
        area,
        theme,
        " Scale ",
        "ui.popup.border",
        body,
        pinned,
        cursor,
        0,
    );
}

/// A yes/no question (quit anyway? discard your changes?): its lines, then the two buttons.
fn ask(a: &Ask, theme: &Theme, frame: &mut Frame, area: Rect) {
    let body: Vec<Indented> = a
        .lines
        .iter()
        .map(|l| {
            (
                Line::from(Span::styled(format!(" {l}"), theme.get("text.value"))),
                3,
            )
        })
        .collect();
    let mut buttons = vec![Span::raw("  ")];
    buttons.extend(button(
        theme,
        &a.buttons.0,
        a.focus == Focus::Cancel,
        "ui.button",
    ));
    buttons.push(Span::raw("  "));
    buttons.extend(button(
        theme,
        &a.buttons.1,
        a.focus == Focus::Confirm,
        "ui.button",
    ));
    let pinned: Vec<Indented> = vec![
        (Line::raw(""), 1),
        (Line::from(buttons), 3),
        (
            Line::from(Span::styled(
                " Tab / ← → move · Enter activates · Esc answers no",
                theme.get("text.muted"),
            )),
            1,
        ),
    ];
    popup(
        frame,
        area,
        theme,
        &format!(" {} ", a.title),
        "ui.popup.border",
        body,
        pinned,
        None,
        0,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(l: &Line) -> String {
        l.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn wrapping_breaks_at_spaces_and_indents_continuations() {
        let l = Line::from(vec![
            Span::raw(" stops       "),
            Span::raw("on the first failing batch, no retries"),
        ]);
        let rows: Vec<String> = wrap_line(&l, 30, 13).iter().map(text).collect();
        assert_eq!(
            rows,
            vec![
                " stops       on the first",
                "             failing batch,",
                "             no retries",
            ]
        );
        // A word longer than the room is cut, never lost.
        let rows: Vec<String> = wrap_line(&Line::raw("abcdefghij"), 4, 0)
            .iter()
            .map(text)
            .collect();
        assert_eq!(rows, vec!["abcd", "efgh", "ij"]);
    }
}
