//! The message history (`:messages`): every status line the console showed (shown newest first), since
//! a status line lasts five seconds and is cut at the screen's edge.

use crossterm::event::{KeyCode, KeyEvent};

use super::{Level, State};

/// How many messages are kept; the oldest go first.
pub const HISTORY_LEN: usize = 200;

#[derive(Clone, Debug, PartialEq)]
pub struct Logged {
    /// The scheduler-side clock when it was said (what the console's other times use).
    pub at: i64,
    pub level: Level,
    pub text: String,
}

/// The history and, while it is on screen, how far it is scrolled.
#[derive(Debug, Default)]
pub struct History {
    pub entries: Vec<Logged>,
    /// `Some(lines scrolled)` while the overlay is open.
    pub shown: Option<usize>,
}

impl History {
    pub fn push(&mut self, at: i64, level: Level, text: &str) {
        // The same line said again (a refresh, a repeated refusal) is one entry.
        if self
            .entries
            .last()
            .is_some_and(|l| l.text == text && l.level == level)
        {
            self.entries.last_mut().expect("checked").at = at;
            return;
        }
        self.entries.push(Logged {
            at,
            level,
            text: text.to_owned(),
        });
        if self.entries.len() > HISTORY_LEN {
            self.entries.remove(0);
        }
    }
}

impl State {
    /// `:messages`: opens the history.
    pub(super) fn show_messages(&mut self) {
        self.messages.shown = Some(0);
        self.dirty = true;
    }

    /// Keys while the history is open: ↑ ↓ j k PageUp PageDown scroll, Esc q Enter close.
    pub(super) fn on_messages_key(&mut self, key: KeyEvent) {
        let Some(scroll) = self.messages.shown.as_mut() else {
            return;
        };
        let max = self.messages.entries.len().saturating_sub(1);
        match key.code {
            KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') => self.messages.shown = None,
            KeyCode::Down | KeyCode::Char('j') => *scroll = (*scroll + 1).min(max),
            KeyCode::Up | KeyCode::Char('k') => *scroll = scroll.saturating_sub(1),
            KeyCode::PageDown => *scroll = (*scroll + 10).min(max),
            KeyCode::PageUp => *scroll = scroll.saturating_sub(10),
            _ => {}
        }
        self.dirty = true;
    }
}
