//! The overlay stack: what lies over the current screen and which of it has the keys. The
//! overlays are separate fields of `State` (`notice`, `messages.shown`, `dialog`, `editor`,
//! `input`, `help`) because the drawing code and the tests read each by name; their stacking
//! order lives here, once, and the reducer routes every key by it.

use super::State;
use super::widgets::dialog::Dialog;

/// An overlay, in the order they take keys (the first open one wins).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overlay {
    /// A notice to acknowledge (Enter or Esc), e.g. how to fix credentials after a 401.
    Notice,
    /// The `:messages` history.
    Messages,
    /// A yes/no question (quit with work in flight, restore an edit, …).
    Ask,
    /// A confirmation or a count to type.
    Dialog,
    /// The update editor.
    Editor,
    /// The log pane's search or save-as prompt.
    LogTyping,
    /// The filter or `:` command line being typed.
    Input,
    /// The help overlay: it declines the keys it does not use, which then go to the keymap's
    /// help layer.
    Help,
}

impl State {
    /// The overlay that has the keys, if any: the topmost open one.
    pub fn overlay(&self) -> Option<Overlay> {
        if self.notice.is_some() {
            Some(Overlay::Notice)
        } else if self.messages.shown.is_some() {
            Some(Overlay::Messages)
        } else if let Some(d) = &self.dialog {
            Some(match d {
                Dialog::Ask(_) => Overlay::Ask,
                _ => Overlay::Dialog,
            })
        } else if self.editor.is_some() {
            Some(Overlay::Editor)
        } else if self
            .logs
            .as_ref()
            .is_some_and(|p| p.typing.is_some() || p.saving.is_some())
        {
            Some(Overlay::LogTyping)
        } else if self.input.is_some() {
            Some(Overlay::Input)
        } else if self.help.is_some() {
            Some(Overlay::Help)
        } else {
            None
        }
    }
}
