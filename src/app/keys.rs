//! Key decoding the terminal cannot do for us. A terminal (and SSH even more) delivers Esc
//! followed at once by a key as one sequence, which crossterm reads as Alt+key: "Esc, then j"
//! typed quickly arrives as Alt+j. In lists and views, where the keymap binds nothing to that
//! Alt chord, it is read back as the two keys the person pressed.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::State;
use crate::keymap::{Key, Layer, Lookup};

impl State {
    /// The key after the Esc when `key` is an Alt chord that means "Esc, then key" here; None
    /// for every other key. Text fields (the filter, the command line, dialogs, the editor and
    /// the help filter) keep their own Alt keys: the caller asks only outside them.
    pub(super) fn esc_then(&self, key: &KeyEvent) -> Option<KeyEvent> {
        if !key.modifiers.contains(KeyModifiers::ALT)
            || self.overlays.help.as_ref().is_some_and(|h| h.typing)
        {
            return None;
        }
        let layers = if self.overlays.help.is_some() {
            vec![Layer::Help, Layer::Global]
        } else {
            self.top().layers()
        };
        let mut keys = self.pending_keys.clone();
        keys.push(Key::from_event(key));
        if self.keymap.lookup(&layers, &keys) != Lookup::None {
            return None;
        }
        let mut plain = *key;
        plain.modifiers.remove(KeyModifiers::ALT);
        Some(plain)
    }
}

/// The Esc that an Alt chord stood for.
pub(super) fn esc() -> KeyEvent {
    KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)
}
