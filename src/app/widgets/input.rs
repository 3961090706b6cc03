//! One-line text input (filter and `:` command line) on ratatui-textarea, with completion and
//! history. A widget: it knows no commands (their grammar is `command_line.rs`).

use crossterm::event::KeyEvent;
use ratatui_textarea::TextArea;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    Filter,
    Command,
}

#[derive(Debug)]
pub struct Input {
    pub kind: InputKind,
    pub area: TextArea<'static>,
    /// Candidates of the completion in progress and the one shown.
    completion: Option<(String, Vec<String>, usize)>,
    history_pos: Option<usize>,
}

impl Input {
    pub fn new(kind: InputKind, text: &str) -> Input {
        let mut area = TextArea::new(vec![text.to_owned()]);
        area.move_cursor(ratatui_textarea::CursorMove::End);
        Input {
            kind,
            area,
            completion: None,
            history_pos: None,
        }
    }

    pub fn text(&self) -> String {
        self.area.lines().first().cloned().unwrap_or_default()
    }

    fn set_text(&mut self, t: &str) {
        self.area = TextArea::new(vec![t.to_owned()]);
        self.area.move_cursor(ratatui_textarea::CursorMove::End);
    }

    pub fn key(&mut self, key: KeyEvent) {
        self.completion = None;
        self.history_pos = None;
        // Single line: Enter is handled by the caller, never inserted.
        self.area.input(key);
    }

    /// Completes the last word from `candidates`; pressing Tab again cycles.
    pub fn complete(&mut self, candidates: &[String]) {
        let (base, list, i) = match self.completion.take() {
            Some((base, list, i)) if !list.is_empty() => {
                let i = (i + 1) % list.len();
                (base, list, i)
            }
            _ => {
                let text = self.text();
                let (base, word) = match text.rfind(' ') {
                    Some(p) => (text[..=p].to_owned(), text[p + 1..].to_owned()),
                    None => (String::new(), text.clone()),
                };
                let first_word = base.is_empty();
                let list: Vec<String> = candidates
                    .iter()
                    // Command names complete only the first word; arguments only later ones.
                    .filter(|c| c.ends_with(' ') == first_word)
                    .filter(|c| c.starts_with(&word))
                    .cloned()
                    .collect();
                if list.is_empty() {
                    return;
                }
                (base, list, 0)
            }
        };
        let pick = list[i].clone();
        self.set_text(&format!("{base}{pick}"));
        self.completion = Some((base, list, i));
    }

    /// Steps through earlier command lines.
    pub fn history(&mut self, history: &[String], back: bool) {
        if history.is_empty() {
            return;
        }
        let pos = match (self.history_pos, back) {
            (None, true) => history.len() - 1,
            (None, false) => return,
            (Some(p), true) => p.saturating_sub(1),
            (Some(p), false) if p + 1 < history.len() => p + 1,
            (Some(_), false) => {
                self.history_pos = None;
                self.set_text("");
                return;
            }
        };
        self.history_pos = Some(pos);
        self.set_text(&history[pos]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_cycles_and_history_steps() {
        let cands: Vec<String> = vec![
            "jobs ".into(),
            "job ".into(),
            "www-data".into(),
            "web".into(),
        ];
        let mut i = Input::new(InputKind::Command, "jo");
        i.complete(&cands);
        assert_eq!(i.text(), "jobs ");
        i.complete(&cands);
        assert_eq!(i.text(), "job ");
        let mut i = Input::new(InputKind::Command, "jobs w");
        i.complete(&cands);
        assert_eq!(i.text(), "jobs www-data");
        let h = vec!["roles".to_owned(), "triage".to_owned()];
        let mut i = Input::new(InputKind::Command, "");
        i.history(&h, true);
        assert_eq!(i.text(), "triage");
        i.history(&h, true);
        assert_eq!(i.text(), "roles");
        i.history(&h, false);
        assert_eq!(i.text(), "triage");
        i.history(&h, false);
        assert_eq!(i.text(), "");
    }
}
