//! Driving the reducer by hand: key actions, what the effects mutate, the message line, and
//! the screen drawn on ratatui's `TestBackend`.

#![allow(dead_code)]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use eos::app::ops::Operation;
use eos::app::{Action, Effect, State};
use eos::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// A key without modifiers.
pub fn k(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// A character key.
pub fn ch(c: char) -> Action {
    k(KeyCode::Char(c))
}

/// Ctrl and a character.
pub fn ctrl(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// The operations the effects would send.
pub fn mutations(fx: &[Effect]) -> Vec<Operation> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Mutate { op, .. } => Some(op.clone()),
            _ => None,
        })
        .collect()
}

/// The message line's text (empty without one).
pub fn message(s: &State) -> String {
    s.message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default()
}

/// The screen's rows as drawn at `w`×`h` with the built-in theme, untrimmed.
pub fn screen_rows(state: &State, w: u16, h: u16) -> Vec<String> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    let theme = Theme::builtin();
    t.draw(|f| {
        eos::ui::render(state, &theme, f);
    })
    .unwrap();
    let buf = t.backend().buffer();
    (0..h)
        .map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect())
        .collect()
}

/// The screen at `w`×`h`: each row without its trailing blanks, one per line.
pub fn draw_sized(state: &State, w: u16, h: u16) -> String {
    let mut out = String::new();
    for row in screen_rows(state, w, h) {
        out.push_str(row.trim_end());
        out.push('\n');
    }
    out
}
