//! `e` on a Docker Swarm (issue 16, "update"): the service's spec as JSON in the update
//! editor (`editor.rs`, the same text widget and overlay as Aurora's), read back on Ctrl-S
//! (an error names its line and field, puts the cursor there and keeps the text), its diff
//! against the spec as read shown in the ordinary confirmation (a spec update replaces every
//! replica: typed confirmation by blast radius, as for a restart), then `ServiceChange::Spec`
//! — re-applied once after "update out of sequence" only while the service still has the
//! spec that was edited (`swarm::write`). When the Engine has taken it, the console lands on
//! the service's live update screen. An unchanged spec is refused before any dialog.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::editor::{Editor, Step};
use super::spec_json;
use super::vocab::ops::Operation;
use super::vocab::resource::{Data, ResourceKey};
use super::widgets::dialog::Dialog;
use super::{Effect, Level, MutationOutcome, Nav, State};
use crate::diff::{DiffLine, diff_lines};
use crate::swarm::write::ServiceChange;

/// The spec editor's own keys, for the help screen.
pub const KEYS: &[(&str, &str)] = &[
    (
        "Ctrl-S / F5",
        "review the change: its diff against the spec as read, in the confirmation",
    ),
    ("Ctrl-U / Ctrl-R", "undo / redo"),
    (
        "Esc",
        "close the editor (asks first when edited); nothing is sent",
    ),
];

impl State {
    /// Whether the open editor edits a Swarm service's spec.
    pub(super) fn editing_spec(&self) -> bool {
        self.overlays
            .editor
            .as_ref()
            .is_some_and(|e| e.service.is_some())
    }

    /// `e` on a service (`swarm_ops.rs` found it): opens the editor and asks for its spec.
    pub(super) fn open_spec_editor(
        &mut self,
        service: String,
        replicas: usize,
        fx: &mut Vec<Effect>,
    ) {
        let rk = ResourceKey::SwarmSpec(service.clone());
        let tick = self.ticks;
        let generation = self.store.entry(rk.clone()).or_default().start(tick);
        fx.push(Effect::Fetch {
            key: rk,
            generation,
        });
        self.overlays.editor = Some(Box::new(Editor::for_service(service, replicas)));
        self.dirty = true;
    }

    /// A fetch finished: the spec editor takes the spec it was waiting for.
    pub(super) fn spec_editor_fetched(&mut self, key: &ResourceKey) {
        let Some(ed) = self.overlays.editor.as_ref() else {
            return;
        };
        let Some(name) = ed.service.as_ref().map(|s| s.name.clone()) else {
            return;
        };
        if ed.step != Step::Loading || *key != ResourceKey::SwarmSpec(name.clone()) {
            return;
        }
        let Some(slot) = self.store.get(key) else {
            return;
        };
        if let Some((_, e)) = &slot.error {
            let e = e.clone();
            self.overlays.editor = None;
            self.say(
                format!("cannot edit {name}: its spec did not load: {e}"),
                Level::Error,
            );
            return;
        }
        let Some(Data::SwarmSpec(spec)) = slot.data.as_deref() else {
            return;
        };
        let spec = (**spec).clone();
        if let Some(ed) = self.overlays.editor.as_mut() {
            ed.load_spec(spec);
        }
        self.dirty = true;
        self.offer_unsent_edit(&name);
    }

    /// A key while the spec editor is open: Ctrl-S / F5 reviews, Esc closes (as Aurora's
    /// editor), the rest edits the text.
    pub(super) fn on_spec_editor_key(&mut self, key: KeyEvent, fx: &mut Vec<Effect>) {
        if key.code == KeyCode::Esc {
            return self.on_editor_key(key, fx);
        }
        self.dirty = true;
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let Some(ed) = self.overlays.editor.as_mut() else {
            return;
        };
        if ed.step != Step::Edit {
            return;
        }
        match key.code {
            KeyCode::Char('s') if ctrl => self.review_spec(),
            KeyCode::F(5) => self.review_spec(),
            _ => {
                ed.error = None;
                ed.config.input(key);
            }
        }
    }

    /// Reads the edited spec: an error stays in the editor (with the text); an unchanged spec
    /// is refused; else the confirmation with the diff.
    fn review_spec(&mut self) {
        let Some(ed) = self.overlays.editor.as_mut() else {
            return;
        };
        let Some(se) = ed.service.as_ref() else {
            return;
        };
        let (name, replicas) = (se.name.clone(), se.replicas);
        let Some(base) = se.base.clone() else {
            return;
        };
        let new = match spec_json::from_text(&ed.config_text()) {
            Ok(s) => s,
            Err(e) => {
                ed.point_at(e.position());
                ed.error = Some(format!("spec: {e}"));
                return;
            }
        };
        if spec_json::same(&new, &base) {
            ed.error =
                Some("nothing to change: the spec is as it was read (edit it, or Esc)".into());
            self.say(
                format!("nothing to change: {name}'s spec is as it was read; nothing was sent"),
                Level::Error,
            );
            return;
        }
        if new.name != base.name {
            ed.error = Some(format!(
                "spec: $.Name must stay {:?} (the Engine does not rename a service)",
                base.name.clone().unwrap_or_default()
            ));
            return;
        }
        let diff = diff_lines(&spec_json::lines_of(&base), &spec_json::lines_of(&new), 1);
        self.confirm(
            Operation::SwarmService {
                service: name,
                change: ServiceChange::Spec {
                    base,
                    new: Box::new(new),
                },
                replicas,
            },
            0,
        );
        if let Some(Dialog::Confirm(c)) = self.overlays.dialog.as_mut() {
            c.plan.extend(diff_plan(&diff));
        }
    }

    /// A spec update the Engine took: the service's live update screen. True when it was one.
    pub(super) fn spec_update_landed(
        &mut self,
        op: &Operation,
        outcome: &MutationOutcome,
        fx: &mut Vec<Effect>,
    ) -> bool {
        let (
            Operation::SwarmService {
                service,
                change: ServiceChange::Spec { .. },
                ..
            },
            MutationOutcome::Done { .. },
        ) = (op, outcome)
        else {
            return false;
        };
        self.unsent_edits.remove(service);
        self.open(Nav::SwarmUpdate(service.clone()), fx);
        true
    }
}

/// The diff as the confirmation's lines: `-` what goes, `+` what comes, one line of context.
fn diff_plan(diff: &[DiffLine]) -> Vec<(String, String)> {
    diff.iter()
        .enumerate()
        .map(|(i, l)| {
            let text = match l {
                DiffLine::Same(t) => format!("  {}", t.trim()),
                DiffLine::Removed(t) => format!("- {}", t.trim()),
                DiffLine::Added(t) => format!("+ {}", t.trim()),
                DiffLine::Gap(n) => format!("  … {n} unchanged lines"),
            };
            (if i == 0 { "spec diff" } else { "" }.to_owned(), text)
        })
        .collect()
}
