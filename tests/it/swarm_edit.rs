//! `e` on a Docker Swarm in the reducer (the real-engine run is tests/swarm_console/edit.rs):
//! the spec loads into the update editor; a renamed service and an unchanged spec are refused
//! in the editor with nothing sent; the diff is in the confirmation; Cancel goes back to the
//! text as edited; a spec update the Engine refused leaves the edit to be offered again on `e`.

use crossterm::event::KeyCode;
use eos::app::capabilities::Capabilities;
use eos::app::editor::Step;
use eos::app::ops::Operation;
use eos::app::resource::{Data, ResourceKey};
use eos::app::widgets::dialog::Dialog;
use eos::app::{Action, Effect, Fetched, Mutated, MutationOutcome, Nav, State, update};
use eos::aurora::model::ResponseCode;
use eos::keymap::Keymap;
use eos::swarm::model::{Mode, ServiceRow};
use eos::swarm::write::ServiceChange;

use crate::reducer_common::{ch, ctrl, k, mutations};

const T0: i64 = 1_767_225_720_000;

fn give(s: &mut State, key: ResourceKey, result: Result<Data, String>) -> Vec<Effect> {
    let generation = s
        .slot(&key)
        .and_then(|slot| slot.in_flight)
        .unwrap_or_else(|| panic!("{key:?} was not asked for"));
    let at = s.now;
    update(
        s,
        Action::Fetched(Box::new(Fetched {
            key,
            generation,
            at,
            latency_ms: 1,
            result,
            cluster: Some("swarm-a".into()),
        })),
    )
}

fn spec() -> bollard::models::ServiceSpec {
    serde_json::from_value(serde_json::json!({
        "Name": "web",
        "TaskTemplate": {"ContainerSpec": {"Image": "img:1"}},
        "Mode": {"Replicated": {"Replicas": 2}}
    }))
    .unwrap()
}

/// A Swarm console on its services view with `web` (2 replicas) listed, `e` pressed and the
/// spec given.
fn editing() -> State {
    let mut s = State::new(
        "unix:///run/docker.sock",
        Keymap::builtin(),
        Nav::Services,
        T0,
    );
    s.capabilities = Capabilities::none().with_all(eos::backend::swarm::SWARM_CAPABILITIES);
    update(&mut s, Action::Resize(140, 40));
    update(&mut s, Action::Tick(T0));
    give(
        &mut s,
        ResourceKey::SwarmServices,
        Ok(Data::SwarmServices(vec![ServiceRow {
            id: "id-web".into(),
            name: "web".into(),
            mode: Mode::Replicated(2),
            running: Some(2),
            desired: Some(2),
            image: "img:1".into(),
            update_state: None,
            update_message: None,
            last_change: None,
            version: 7,
        }])),
    );
    open(&mut s);
    s
}

fn open(s: &mut State) {
    update(s, ch('e'));
    give(
        s,
        ResourceKey::SwarmSpec("web".into()),
        Ok(Data::SwarmSpec(Box::new(spec()))),
    );
}

fn editor_error(s: &State) -> String {
    s.overlays
        .editor
        .as_ref()
        .unwrap()
        .error
        .clone()
        .unwrap_or_default()
}

/// Moves to the line holding `needle`, to its end, and back `left` characters.
fn go_to(s: &mut State, needle: &str, left: usize) {
    let ed = s.overlays.editor.as_ref().unwrap();
    let target = ed
        .config
        .lines()
        .iter()
        .position(|l| l.contains(needle))
        .unwrap();
    let row = ed.config.cursor().0;
    let step = if target > row {
        KeyCode::Down
    } else {
        KeyCode::Up
    };
    for _ in 0..target.abs_diff(row) {
        update(s, k(step));
    }
    update(s, k(KeyCode::End));
    for _ in 0..left {
        update(s, k(KeyCode::Left));
    }
}

#[test]
fn e_on_a_swarm_edits_the_spec_refuses_what_cannot_be_sent_and_keeps_the_edit() {
    let mut s = editing();
    let ed = s.overlays.editor.as_ref().expect("the editor is open");
    assert_eq!(ed.step, Step::Edit);
    assert!(ed.config_text().contains("\"Image\": \"img:1\""));

    // Unchanged: refused in the editor, no dialog, nothing sent.
    let fx = update(&mut s, ctrl('s'));
    assert!(mutations(&fx).is_empty() && s.overlays.dialog.is_none());
    assert!(
        editor_error(&s).contains("nothing to change"),
        "{}",
        editor_error(&s)
    );

    // A renamed service: refused, the text kept.
    go_to(&mut s, "\"Name\"", 2);
    update(&mut s, ch('x'));
    update(&mut s, ctrl('s'));
    assert!(
        editor_error(&s).contains("$.Name must stay"),
        "{}",
        editor_error(&s)
    );
    assert!(s.overlays.dialog.is_none());
    update(&mut s, k(KeyCode::Backspace));

    // A misspelt field: refused by name and line, the cursor on it.
    go_to(&mut s, "\"Image\"", 0);
    update(&mut s, k(KeyCode::Home));
    for _ in 0.."\"Image".chars().count() + 6 {
        update(&mut s, k(KeyCode::Right));
    }
    update(&mut s, ch('e'));
    update(&mut s, ctrl('s'));
    assert!(
        editor_error(&s).contains("$.TaskTemplate.ContainerSpec.Imagee"),
        "{}",
        editor_error(&s)
    );
    assert!(s.overlays.dialog.is_none());
    // The cursor was put on the field: the extra letter goes.
    let ed = s.overlays.editor.as_ref().unwrap();
    assert!(ed.config.lines()[ed.config.cursor().0].contains("\"Imagee\""));
    update(&mut s, k(KeyCode::End));
    update(&mut s, k(KeyCode::Home));
    for _ in 0.."\"Image".chars().count() + 6 {
        update(&mut s, k(KeyCode::Right));
    }
    update(&mut s, k(KeyCode::Delete));

    // Two replicas to three: the diff is in the confirmation.
    go_to(&mut s, "\"Replicas\"", 0);
    update(&mut s, k(KeyCode::Backspace));
    update(&mut s, ch('3'));
    update(&mut s, ctrl('s'));
    let Some(Dialog::Confirm(c)) = s.overlays.dialog.as_ref() else {
        panic!("no confirmation: {}", editor_error(&s));
    };
    let plan: Vec<String> = c.plan.iter().map(|(_, v)| v.clone()).collect();
    assert!(plan.contains(&"- \"Replicas\": 2".to_owned()), "{plan:?}");
    assert!(plan.contains(&"+ \"Replicas\": 3".to_owned()), "{plan:?}");
    assert!(c.require.is_some(), "a spec update replaces every replica");
    // Cancel: back to the text as edited.
    update(&mut s, k(KeyCode::Esc));
    let ed = s.overlays.editor.as_ref().expect("the editor stays");
    assert!(ed.config_text().contains("\"Replicas\": 3"));

    // Confirmed and sent: the spec edited from, and the new one.
    update(&mut s, ctrl('s'));
    for c in "web 2".chars() {
        update(&mut s, ch(c));
    }
    update(&mut s, k(KeyCode::Enter));
    let fx = update(&mut s, k(KeyCode::Enter));
    let sent = mutations(&fx);
    let [
        op @ Operation::SwarmService {
            change: ServiceChange::Spec { base, new },
            ..
        },
    ] = sent.as_slice()
    else {
        panic!("{sent:?}");
    };
    assert_eq!(**base, spec());
    assert_eq!(
        new.mode
            .as_ref()
            .unwrap()
            .replicated
            .as_ref()
            .unwrap()
            .replicas,
        Some(3)
    );
    assert!(s.overlays.editor.is_none());

    // The Engine refused it: `e` offers the edit again.
    let id = s.pending_mutations[0].0;
    update(
        &mut s,
        Action::Mutated(Box::new(Mutated {
            id,
            op: op.clone(),
            outcome: MutationOutcome::Refused {
                code: ResponseCode::ERROR,
                messages: vec!["no".into()],
            },
        })),
    );
    assert!(matches!(s.top(), eos::app::Screen::Services { .. }));
    open(&mut s);
    assert!(
        matches!(&s.overlays.dialog, Some(Dialog::Ask(a)) if a.title.contains("Restore your unsent edit")),
        "{:?}",
        s.overlays.dialog
    );
}
