//! Quitting while work is in flight. A rolling restart (running or paused) and a pulse hold live
//! only in this process: quitting ends them, and the record of what was not restarted would go
//! with the screen. So `q` on the top view, `:q` and Ctrl-C ask first ("quit anyway?"), and the
//! console prints a one-line summary of the unfinished work on stderr once the terminal is back.
//! Ctrl-C pressed again in that question quits. A signal never asks (see `console.rs`).

use crossterm::event::KeyEvent;

use super::rolling::Status;
use super::widgets::dialog::{Ask, Dialog, Question};
use super::{Effect, Level, State};
use crate::aurora::model::{format_ranges, ranges_of};

fn ids(v: impl IntoIterator<Item = i32>) -> Option<String> {
    let r = ranges_of(v);
    (!r.is_empty()).then(|| format_ranges(&r))
}

impl State {
    /// Quit now, or ask first while a rolling restart or a hold would be cut short.
    pub(super) fn request_quit(&mut self, fx: &mut Vec<Effect>) {
        let asking =
            matches!(&self.overlays.dialog, Some(Dialog::Ask(a)) if a.question == Question::Quit);
        let work = self.work_cut_short();
        if asking || work.is_empty() {
            fx.push(Effect::Quit);
            return;
        }
        let mut lines: Vec<String> = work.iter().map(|w| format!("{w} — quit anyway?")).collect();
        lines.push("Quitting stops it here; a summary is printed after the console closes.".into());
        // Whatever was being asked or typed is set aside for this question; a confirmation it
        // replaces is cancelled as its Cancel button would (nothing was sent).
        self.overlays.input = None;
        if matches!(self.overlays.dialog, Some(Dialog::Confirm(_))) {
            self.hold_offer = None;
            self.rolling_dismissed();
        }
        self.overlays.dialog = Some(Dialog::Ask(Box::new(Ask::new(
            Question::Quit,
            "Quit with work in flight?",
            lines,
            "Stay",
            "Quit anyway",
        ))));
        self.dirty = true;
    }

    /// Work that runs only while this console does, one line each.
    fn work_cut_short(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(r) = self
            .rolling
            .as_ref()
            .filter(|r| r.status == Status::Running)
        {
            let n = r.batches.len();
            let mut line = format!("rolling restart of {} at {}/{n}", r.job, r.done);
            if r.paused.is_some() {
                line.push_str(" (paused)");
            }
            let restarted = ids(r.batches[..r.done].iter().flatten().copied());
            let in_progress = ids(r.batches[r.done..r.sent].iter().flatten().copied());
            let untouched = ids(r.batches[r.sent..].iter().flatten().copied());
            let mut parts = Vec::new();
            if let Some(i) = restarted {
                parts.push(format!("restarted {i}"));
            }
            if let Some(i) = in_progress {
                parts.push(format!("restarting {i}"));
            }
            if let Some(i) = untouched {
                parts.push(format!("not restarted {i}"));
            }
            if !parts.is_empty() {
                line.push_str(&format!(": instances {}", parts.join(", ")));
            }
            out.push(line);
        }
        if let Some(h) = &self.hold {
            out.push(format!(
                "pulse hold on update {} (the scheduler blocks it once pulses stop)",
                h.key
            ));
        }
        out
    }

    /// What quitting now leaves undone, on one line for stderr (`None`: nothing).
    pub fn unfinished_work(&self) -> Option<String> {
        let mut parts = self.work_cut_short();
        for (_, op) in &self.pending_mutations {
            parts.push(format!(
                "{} on {} sent, its answer not seen (refresh to see the outcome)",
                op.method(),
                op.subject()
            ));
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }

    /// A key in a yes/no question.
    pub(super) fn on_ask_key(&mut self, key: KeyEvent, fx: &mut Vec<Effect>) {
        self.dirty = true;
        let Some(Dialog::Ask(a)) = self.overlays.dialog.as_mut() else {
            return;
        };
        let Some(yes) = a.key(key) else {
            return;
        };
        let question = a.question.clone();
        self.overlays.dialog = None;
        match question {
            Question::Quit if yes => fx.push(Effect::Quit),
            Question::Quit => self.say("not quitting: the work goes on", Level::Info),
            Question::DiscardEdits => self.editor_discard_answered(yes),
            Question::RestoreEdit => self.editor_restore_answered(yes),
        }
    }
}
