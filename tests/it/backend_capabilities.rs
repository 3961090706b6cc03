//! The backend boundary's capabilities in the reducer: a backend that cannot do something (here
//! a small fake without update pulses and quota) has it left out of help, hints and `:`
//! completion, and its keys and `:` commands refused with a message — no confirmation, nothing
//! sent. Aurora declares every capability. No server: actions in, state and effects out.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use eos::app::capabilities::{Capabilities, Capability};
use eos::app::help::HelpRow;
use eos::app::ops::Operation;
use eos::app::resource::{Data, ResourceKey};
use eos::app::{Action, Command, Effect, Fetched, MutationOutcome, Nav, State, update};
use eos::aurora::client::{AuroraClient, ClientConfig};
use eos::aurora::model::*;
use eos::backend::{AuditTo, Backend, BoxFuture, FetchError, Polled};
use eos::keymap::Keymap;
use eos::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const T0: i64 = 1_700_000_000_000;
const UPDATE: &str = "www-data/prod/hello/upd-1";

/// A scheduler that lists things but cannot pulse updates or report quota.
struct NoPulses;

impl Backend for NoPulses {
    fn capabilities(&self) -> Capabilities {
        Capabilities::all()
            .without(Capability::Pulse)
            .without(Capability::Quota)
    }
    fn endpoint(&self) -> String {
        "fake://no-pulses".into()
    }
    fn follow_leader(&self, _url: &str) {}
    fn fetch<'a>(&'a self, _key: &'a ResourceKey) -> BoxFuture<'a, Polled> {
        Box::pin(async {
            let none: Polled = Err(FetchError::from("fake backend: no reads".to_owned()));
            none
        })
    }
    fn mutate<'a>(
        &'a self,
        _op: &'a Operation,
        _audit: AuditTo<'a>,
    ) -> BoxFuture<'a, MutationOutcome> {
        Box::pin(async {
            MutationOutcome::Failed {
                error: "fake backend".into(),
            }
        })
    }
    fn preview<'a>(
        &'a self,
        _request: &'a JobUpdateRequest,
    ) -> BoxFuture<'a, Result<GetJobUpdateDiffResult, String>> {
        Box::pin(async {
            let none: Result<GetJobUpdateDiffResult, String> = Err("fake backend".to_owned());
            none
        })
    }
}

fn k(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ch(c: char) -> Action {
    k(KeyCode::Char(c))
}

fn details() -> JobUpdateDetails {
    JobUpdateDetails {
        update: Some(JobUpdate {
            summary: Some(JobUpdateSummary {
                key: JobUpdateKey::parse(UPDATE),
                user: Some("someone".into()),
                state: Some(JobUpdateState {
                    status: Some(JobUpdateStatus::ROLL_FORWARD_AWAITING_PULSE),
                    created_timestamp_ms: Some(T0 - 100_000),
                    last_modified_timestamp_ms: Some(T0 - 50_000),
                }),
                metadata: None,
            }),
            instructions: Some(JobUpdateInstructions {
                settings: Some(JobUpdateSettings {
                    block_if_no_pulses_after_ms: Some(60_000),
                    ..Default::default()
                }),
                ..Default::default()
            }),
        }),
        update_events: Some(Vec::new()),
        instance_events: Some(Vec::new()),
    }
}

/// The update screen of a pulsed update, its data answered, on a backend with `caps`.
fn update_screen(caps: Capabilities) -> State {
    let mut s = State::new(
        "http://sched.test:8081",
        Keymap::builtin(),
        Nav::Update(UPDATE.into()),
        T0,
    );
    s.capabilities = caps;
    update(&mut s, Action::Resize(120, 40));
    let fx = update(&mut s, Action::Tick(T0));
    answer(&mut s, fx);
    s
}

fn answer(s: &mut State, fx: Vec<Effect>) {
    for e in fx {
        let Effect::Fetch { key, generation } = e else {
            continue;
        };
        let data = match &key {
            ResourceKey::UpdateDetails(_) => Data::UpdateDetails(Some(Box::new(details()))),
            ResourceKey::Tasks { .. } => Data::Tasks(Vec::new()),
            ResourceKey::PendingReasons(_) => Data::PendingReasons(Vec::new()),
            ResourceKey::Updates(_) => Data::Updates(Vec::new()),
            ResourceKey::Roles => Data::Roles(Vec::new()),
            _ => continue,
        };
        let more = update(
            s,
            Action::Fetched(Box::new(Fetched {
                key,
                generation,
                at: T0,
                latency_ms: 1,
                result: Ok(data),
                cluster: Some("test".into()),
            })),
        );
        answer(s, more);
    }
}

/// The command names and `:` commands the help overlay offers.
fn help_names(s: &State) -> Vec<String> {
    s.help_rows()
        .into_iter()
        .filter_map(|r| match r {
            HelpRow::Key { name, .. } => Some(name.to_owned()),
            HelpRow::Entry { what, .. } => Some(what),
            HelpRow::Heading(_) => None,
        })
        .collect()
}

fn hint_bar(s: &State) -> String {
    let mut t = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let theme = Theme::builtin();
    t.draw(|f| {
        eos::ui::render(s, &theme, f);
    })
    .unwrap();
    let buf = t.backend().buffer();
    (0..120)
        .map(|x| buf[(x, 39)].symbol().to_string())
        .collect()
}

fn message(s: &State) -> String {
    s.message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default()
}

fn sends_anything(fx: &[Effect]) -> bool {
    fx.iter().any(|e| matches!(e, Effect::Mutate { .. }))
}

#[test]
fn aurora_declares_every_capability() {
    let client = AuroraClient::new(ClientConfig::new("http://127.0.0.1:1")).unwrap();
    let caps = Backend::capabilities(&client);
    for &c in Capability::ALL {
        assert!(caps.has(c), "{c:?}");
    }
}

#[test]
fn a_backend_without_pulses_hides_pulse_from_help_and_hints() {
    // The same checks find pulse where the backend has it.
    let full = update_screen(Capabilities::all());
    assert!(
        help_names(&full).iter().any(|t| t.contains("pulse_update")),
        "{:?}",
        help_names(&full)
    );
    assert!(hint_bar(&full).contains(" pulse "), "{}", hint_bar(&full));

    let s = update_screen(NoPulses.capabilities());
    let help = help_names(&s);
    assert!(!help.iter().any(|t| t.contains("pulse_update")), "{help:?}");
    assert!(!help.iter().any(|t| t.contains("hold_pulses")), "{help:?}");
    assert!(!help.iter().any(|t| t.contains(":quota")), "{help:?}");
    // What it can do is still offered.
    assert!(help.iter().any(|t| t.contains("pause_update")), "{help:?}");
    assert!(!hint_bar(&s).contains(" pulse "), "{}", hint_bar(&s));
}

#[test]
fn a_backend_without_pulses_refuses_the_pulse_and_hold_keys() {
    let mut s = update_screen(NoPulses.capabilities());
    for key in ['.', 'h'] {
        let fx = update(&mut s, ch(key));
        assert!(!sends_anything(&fx), "{key}");
        assert!(
            s.overlays.dialog.is_none(),
            "{key} opened {:?}",
            s.overlays.dialog
        );
        assert!(s.hold.is_none());
        assert!(
            message(&s).contains("this scheduler cannot pulse updates"),
            "{key}: {}",
            message(&s)
        );
    }
    // On a backend that can, the same key opens the confirmation.
    let mut full = update_screen(Capabilities::all());
    update(&mut full, ch('.'));
    assert!(full.overlays.dialog.is_some(), "{}", message(&full));
}

#[test]
fn a_backend_without_quota_refuses_the_command_and_the_line() {
    let mut s = update_screen(NoPulses.capabilities());
    update(&mut s, Action::Command(Command::Quota));
    assert!(
        message(&s).contains("cannot report quota"),
        "{}",
        message(&s)
    );
    let mut keys = vec![ch(':')];
    keys.extend("quota www-data".chars().map(ch));
    keys.push(k(KeyCode::Enter));
    for a in keys {
        update(&mut s, a);
    }
    assert!(
        message(&s).contains(":quota: this scheduler cannot report quota"),
        "{}",
        message(&s)
    );
    assert!(!matches!(s.top(), eos::app::Screen::Quota { .. }));
}
