//! Modal dialogs: the confirmation every mutation goes through, and the instance-count prompt
//! of `scale`. Focus starts on Cancel, or on the text field when the dialog asks for something to
//! be typed (typing must go somewhere); Tab and the arrow keys move it; Enter activates what has
//! focus; Esc cancels. No single letter ever confirms, and a disabled button never has focus.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::input::{Input, InputKind};
use crate::app::vocab::ops::Operation;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    Message,
    Typed,
    Cancel,
    Confirm,
}

#[derive(Debug)]
pub struct Confirm {
    pub op: Operation,
    pub cluster: String,
    pub focus: Focus,
    /// The optional message sent with the call, for operations that take one.
    pub message: Option<Input>,
    /// Text the person must type before the action button works (the job name or key).
    pub require: Option<String>,
    pub typed: Input,
    /// Marked rows the current filter hides (they are included, and the dialog says so).
    pub hidden_marks: usize,
    /// Extra warnings to show (e.g. SLA policies, prod cluster).
    pub warnings: Vec<String>,
    /// Replaces the operation's verb on the button and in the title (e.g. a rolling restart).
    pub label: Option<String>,
    /// Further lines of what will happen, after the operation's own description.
    pub plan: Vec<(String, String)>,
    /// Lines the description is scrolled by when the terminal is too small for all of it
    /// (↑/↓; the drawing clamps it, the fields and buttons never scroll away).
    pub scroll: usize,
}

/// An upper bound for the description's scroll (the drawing clamps it to what overflows).
const MAX_SCROLL: usize = 200;

#[derive(Debug)]
pub struct AskCount {
    pub job: String,
    pub current: usize,
    pub input: Input,
    pub error: Option<String>,
}

#[derive(Debug)]
pub enum Dialog {
    Confirm(Box<Confirm>),
    AskCount(Box<AskCount>),
    /// A question with two answers that sends nothing (quit anyway? discard your changes?).
    Ask(Box<Ask>),
}

/// What an [`Ask`] is about; the reducer acts on the answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Question {
    /// Quit although work is in flight (a rolling restart, a pulse hold).
    Quit,
    /// Close the update editor and lose its edits.
    DiscardEdits,
    /// Take up an edit left unsent earlier, for the job the editor just opened.
    RestoreEdit,
}

/// A yes/no question: two buttons, like a confirmation, but nothing is sent either way.
#[derive(Debug)]
pub struct Ask {
    pub question: Question,
    pub title: String,
    pub lines: Vec<String>,
    /// The button labels: (no, yes).
    pub buttons: (String, String),
    /// `Cancel` is the "no" button, `Confirm` the "yes" one.
    pub focus: Focus,
}

impl Ask {
    pub fn new(question: Question, title: &str, lines: Vec<String>, no: &str, yes: &str) -> Ask {
        Ask {
            question,
            title: title.to_owned(),
            lines,
            buttons: (no.to_owned(), yes.to_owned()),
            focus: Focus::Cancel,
        }
    }

    /// `Some(true)` for yes, `Some(false)` for no (Esc too), `None` while undecided.
    pub fn key(&mut self, key: KeyEvent) -> Option<bool> {
        match key.code {
            KeyCode::Esc => Some(false),
            KeyCode::Tab | KeyCode::BackTab | KeyCode::Left | KeyCode::Right => {
                self.focus = if self.focus == Focus::Cancel {
                    Focus::Confirm
                } else {
                    Focus::Cancel
                };
                None
            }
            KeyCode::Enter => Some(self.focus == Focus::Confirm),
            _ => None,
        }
    }
}

/// What a key in a dialog leads to.
#[derive(Debug, PartialEq)]
pub enum DialogOutcome {
    Stay,
    Cancel,
    /// Send this operation (confirmed).
    Send(Operation),
    /// The count prompt was answered.
    Count(String, i64),
}

impl Confirm {
    pub fn new(
        op: Operation,
        cluster: &str,
        require: Option<String>,
        hidden_marks: usize,
    ) -> Confirm {
        let message = op
            .takes_message()
            .then(|| Input::new(InputKind::Filter, op.message().unwrap_or("")));
        let focus = if require.is_some() {
            Focus::Typed
        } else {
            Focus::Cancel
        };
        Confirm {
            op,
            cluster: cluster.to_owned(),
            focus,
            message,
            require,
            typed: Input::new(InputKind::Filter, ""),
            hidden_marks,
            warnings: Vec::new(),
            label: None,
            plan: Vec::new(),
            scroll: 0,
        }
    }

    /// The button label and dialog title.
    pub fn verb(&self) -> String {
        self.label.clone().unwrap_or_else(|| self.op.verb())
    }

    /// Whether the action button may be pressed.
    pub fn armed(&self) -> bool {
        match &self.require {
            Some(r) => self.typed.text().trim() == r,
            None => true,
        }
    }

    /// Tab order: the fields top to bottom (as drawn), then the action button while it is
    /// armed, then Cancel. So from Cancel (the default) Tab reaches the message before the
    /// action, and from the typed field Tab reaches the button the typing enabled.
    fn order(&self) -> Vec<Focus> {
        let mut v = Vec::new();
        if self.message.is_some() {
            v.push(Focus::Message);
        }
        if self.require.is_some() {
            v.push(Focus::Typed);
        }
        if self.armed() {
            v.push(Focus::Confirm);
        }
        v.push(Focus::Cancel);
        v
    }

    fn cycle(&mut self, forward: bool) {
        let order = self.order();
        let i = order.iter().position(|f| *f == self.focus).unwrap_or(0);
        let n = order.len();
        self.focus = order[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }];
    }

    pub fn key(&mut self, key: KeyEvent) -> DialogOutcome {
        let shift_tab = key.code == KeyCode::BackTab
            || (key.code == KeyCode::Tab && key.modifiers.contains(KeyModifiers::SHIFT));
        match key.code {
            KeyCode::Esc => return DialogOutcome::Cancel,
            _ if shift_tab => self.cycle(false),
            KeyCode::Tab => self.cycle(true),
            KeyCode::Up => self.scroll = self.scroll.saturating_sub(1),
            KeyCode::Down => self.scroll = (self.scroll + 1).min(MAX_SCROLL),
            KeyCode::PageUp => self.scroll = self.scroll.saturating_sub(10),
            KeyCode::PageDown => self.scroll = (self.scroll + 10).min(MAX_SCROLL),
            KeyCode::Left | KeyCode::Right
                if matches!(self.focus, Focus::Cancel | Focus::Confirm) =>
            {
                // The disabled button is never focused.
                self.focus = if self.focus == Focus::Cancel && self.armed() {
                    Focus::Confirm
                } else {
                    Focus::Cancel
                };
            }
            KeyCode::Enter => match self.focus {
                Focus::Cancel => return DialogOutcome::Cancel,
                Focus::Confirm if self.armed() => {
                    let mut op = self.op.clone();
                    if let Some(m) = &self.message {
                        let text = m.text();
                        op.set_message((!text.trim().is_empty()).then(|| text.trim().to_owned()));
                    }
                    return DialogOutcome::Send(op);
                }
                Focus::Confirm => {}
                // Enter in the typed field moves to the button it enabled (a second Enter
                // presses it); while the text does not match it stays, so Enter never
                // lands on Cancel by surprise.
                Focus::Typed => {
                    if self.armed() {
                        self.focus = Focus::Confirm;
                    }
                }
                // Enter in the message field moves on, towards the buttons.
                Focus::Message => self.cycle(true),
            },
            _ => match self.focus {
                Focus::Message => {
                    if let Some(m) = self.message.as_mut() {
                        m.key(key);
                    }
                }
                Focus::Typed => self.typed.key(key),
                _ => {}
            },
        }
        DialogOutcome::Stay
    }
}

impl AskCount {
    pub fn key(&mut self, key: KeyEvent) -> DialogOutcome {
        match key.code {
            KeyCode::Esc => DialogOutcome::Cancel,
            KeyCode::Enter => match self.input.text().trim().parse::<i64>() {
                Ok(n) => DialogOutcome::Count(self.job.clone(), n),
                Err(_) => {
                    self.error = Some("type a whole number of instances".into());
                    DialogOutcome::Stay
                }
            },
            KeyCode::Char(c) if !c.is_ascii_digit() => DialogOutcome::Stay,
            _ => {
                self.error = None;
                self.input.key(key);
                DialogOutcome::Stay
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aurora::model::JobKey;

    fn k(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn kill() -> Operation {
        Operation::Kill {
            job: JobKey::new("r", "e", "n"),
            instances: vec![1, 2],
            message: None,
        }
    }

    #[test]
    fn ask_defaults_to_no_and_esc_says_no() {
        let mut a = Ask::new(Question::Quit, "Quit?", vec![], "Stay", "Quit");
        assert_eq!(a.key(k(KeyCode::Char('y'))), None, "no letter answers");
        assert_eq!(a.key(k(KeyCode::Enter)), Some(false));
        assert_eq!(a.key(k(KeyCode::Esc)), Some(false));
        a.key(k(KeyCode::Right));
        assert_eq!(a.key(k(KeyCode::Enter)), Some(true));
        a.key(k(KeyCode::Tab));
        assert_eq!(a.key(k(KeyCode::Enter)), Some(false));
    }

    #[test]
    fn focus_starts_on_cancel_and_enter_there_cancels() {
        let mut c = Confirm::new(kill(), "prod", None, 0);
        assert_eq!(c.focus, Focus::Cancel);
        assert_eq!(c.key(k(KeyCode::Enter)), DialogOutcome::Cancel);
        // No letter confirms.
        let mut c = Confirm::new(kill(), "prod", None, 0);
        for ch in ['y', 'Y', 'k', '\n'] {
            assert_eq!(c.key(k(KeyCode::Char(ch))), DialogOutcome::Stay);
        }
        c.key(k(KeyCode::Right));
        assert_eq!(c.focus, Focus::Confirm);
        assert_eq!(c.key(k(KeyCode::Enter)), DialogOutcome::Send(kill()));
    }

    #[test]
    fn untyped_dialogs_tab_from_cancel_to_the_message_then_the_button() {
        // U13: the message is drawn above the buttons and comes before the action in Tab order.
        let mut c = Confirm::new(kill(), "prod", None, 0);
        assert_eq!(c.focus, Focus::Cancel);
        c.key(k(KeyCode::Tab));
        assert_eq!(c.focus, Focus::Message);
        for ch in "bad canary".chars() {
            c.key(k(KeyCode::Char(ch)));
        }
        // Enter in the message moves on to the action button, not to Cancel.
        c.key(k(KeyCode::Enter));
        assert_eq!(c.focus, Focus::Confirm);
        let mut expected = kill();
        expected.set_message(Some("bad canary".into()));
        assert_eq!(c.key(k(KeyCode::Enter)), DialogOutcome::Send(expected));
    }

    #[test]
    fn typed_dialogs_start_in_the_field_and_skip_the_disabled_button() {
        let mut c = Confirm::new(kill(), "prod", Some("name".into()), 3);
        assert_eq!(c.focus, Focus::Typed, "typing goes into the field at once");
        // Enter before the text matches stays in the field (it does not move to Cancel).
        c.key(k(KeyCode::Char('n')));
        assert_eq!(c.key(k(KeyCode::Enter)), DialogOutcome::Stay);
        assert_eq!(c.focus, Focus::Typed);
        // Tab order while disabled: field → Cancel → message → field; never the button.
        let mut seen = Vec::new();
        for _ in 0..4 {
            c.key(k(KeyCode::Tab));
            seen.push(c.focus);
        }
        assert_eq!(
            seen,
            vec![Focus::Cancel, Focus::Message, Focus::Typed, Focus::Cancel]
        );
        // → from Cancel does not reach the disabled button either.
        c.key(k(KeyCode::Right));
        assert_eq!(c.focus, Focus::Cancel);
        c.key(k(KeyCode::BackTab));
        assert_eq!(c.focus, Focus::Typed);
        for ch in "ame".chars() {
            c.key(k(KeyCode::Char(ch)));
        }
        assert!(c.armed());
        // Enter moves to the now-enabled button; a second Enter sends.
        assert_eq!(c.key(k(KeyCode::Enter)), DialogOutcome::Stay);
        assert_eq!(c.focus, Focus::Confirm);
        assert_eq!(c.key(k(KeyCode::Enter)), DialogOutcome::Send(kill()));
        // Tab from the field goes to the enabled button too.
        let mut c = Confirm::new(kill(), "prod", Some("n".into()), 0);
        c.key(k(KeyCode::Char('n')));
        c.key(k(KeyCode::Tab));
        assert_eq!(c.focus, Focus::Confirm);
    }
}
