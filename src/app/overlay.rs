//! The overlay stack: what lies over the current screen and which of it has the keys. The
//! modal overlays live together in `Overlays` (`State::overlays`), one slot per kind, because
//! the drawing code and the tests read each by name; their stacking order lives here, once
//! (`State::overlay`), and the reducer routes every key by it. The `:messages` history is the
//! one overlay kept beside its data (`State::messages.shown`).

use super::State;
use super::editor::Editor;
use super::help::Help;
use super::widgets::dialog::Dialog;
use super::widgets::input::Input;

/// The modal overlays that can be open over the current screen. Several may be open at once
/// (a notice over the editor, …): `State::overlay` says which one has the keys.
#[derive(Debug, Default)]
pub struct Overlays {
    /// The filter or `:` command line being typed.
    pub input: Option<Input>,
    /// The help overlay.
    pub help: Option<Help>,
    /// A modal dialog (confirmation, prompt) that takes every key.
    pub dialog: Option<Dialog>,
    /// The update editor (`e`), which takes every key while open.
    pub editor: Option<Box<Editor>>,
    /// A notice shown until dismissed (e.g. how to fix credentials after a 401): title, lines.
    pub notice: Option<(String, Vec<String>)>,
}

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
        let o = &self.overlays;
        if o.notice.is_some() {
            Some(Overlay::Notice)
        } else if self.messages.shown.is_some() {
            Some(Overlay::Messages)
        } else if let Some(d) = &o.dialog {
            Some(match d {
                Dialog::Ask(_) => Overlay::Ask,
                _ => Overlay::Dialog,
            })
        } else if o.editor.is_some() {
            Some(Overlay::Editor)
        } else if self
            .logs
            .as_ref()
            .is_some_and(|p| p.typing.is_some() || p.saving.is_some())
        {
            Some(Overlay::LogTyping)
        } else if o.input.is_some() {
            Some(Overlay::Input)
        } else if o.help.is_some() {
            Some(Overlay::Help)
        } else {
            None
        }
    }
}
