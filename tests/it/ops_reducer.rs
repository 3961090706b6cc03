//! The reducer's side of operations: marks, every confirmation flow (Cancel is the default,
//! typed confirmation, hidden marks), and `--read-only` blocking every mutating path. No server:
//! actions in, state and effects out (plus a few frames drawn to a test backend).

use crate::reducer_common::{ch, ctrl, draw_sized, k, message, mutations};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use eos::app::dialog::{Confirm, Dialog, Focus};
use eos::app::ops::{Control, Operation};
use eos::app::resource::{Data, ResourceKey};
use eos::app::{Action, Command, Effect, Fetched, Nav, Screen, State, update};
use eos::aurora::model::*;
use eos::keymap::Keymap;

const T0: i64 = 1_700_000_000_000;
const JOB: &str = "www-data/prod/hello";
const UPDATE: &str = "www-data/prod/hello/upd-1";

fn job_key() -> JobKey {
    JobKey::parse(JOB).unwrap()
}

fn task(instance: i32) -> ScheduledTask {
    ScheduledTask {
        assigned_task: Some(AssignedTask {
            task_id: Some(format!("t{instance}")),
            slave_host: Some(format!("host-{instance}")),
            instance_id: Some(instance),
            task: Some(std::sync::Arc::new(TaskConfig {
                job: Some(job_key()),
                ..Default::default()
            })),
            ..Default::default()
        }),
        status: Some(ScheduleStatus::RUNNING),
        task_events: Some(vec![TaskEvent {
            timestamp: Some(T0 - 60_000),
            status: Some(ScheduleStatus::RUNNING),
            message: None,
            scheduler: None,
        }]),
        ..Default::default()
    }
}

fn update_summary(status: JobUpdateStatus) -> JobUpdateSummary {
    JobUpdateSummary {
        key: JobUpdateKey::parse(UPDATE),
        user: Some("someone".into()),
        state: Some(JobUpdateState {
            status: Some(status),
            created_timestamp_ms: Some(T0 - 100_000),
            last_modified_timestamp_ms: Some(T0 - 50_000),
        }),
        metadata: None,
    }
}

fn update_details(pulse_ms: Option<i32>) -> JobUpdateDetails {
    JobUpdateDetails {
        update: Some(JobUpdate {
            summary: Some(update_summary(JobUpdateStatus::ROLL_FORWARD_AWAITING_PULSE)),
            instructions: Some(JobUpdateInstructions {
                settings: Some(JobUpdateSettings {
                    block_if_no_pulses_after_ms: pulse_ms,
                    ..Default::default()
                }),
                ..Default::default()
            }),
        }),
        update_events: Some(Vec::new()),
        instance_events: Some(Vec::new()),
    }
}

/// Answers every fetch among `fx` from a little fixed world: `n` running instances of JOB and
/// (when `updating`) an active update of it.
fn answer(s: &mut State, fx: Vec<Effect>, n: i32, updating: bool) {
    for e in fx {
        let Effect::Fetch { key, generation } = e else {
            continue;
        };
        let data = match &key {
            ResourceKey::Tasks { .. } => Data::Tasks((0..n).map(task).collect()),
            ResourceKey::PendingReasons(_) => Data::PendingReasons(Vec::new()),
            ResourceKey::Updates(_) => Data::Updates(if updating {
                vec![update_summary(JobUpdateStatus::ROLLING_FORWARD)]
            } else {
                Vec::new()
            }),
            ResourceKey::UpdateDetails(_) => {
                Data::UpdateDetails(Some(Box::new(update_details(Some(60_000)))))
            }
            ResourceKey::Roles => Data::Roles(Vec::new()),
            other => panic!("unexpected fetch {other:?}"),
        };
        let more = update(
            s,
            Action::Fetched(Box::new(Fetched {
                key,
                generation,
                at: T0,
                latency_ms: 3,
                result: Ok(data),
                cluster: Some("test-cluster".into()),
            })),
        );
        answer(s, more, n, updating);
    }
}

fn at(nav: Nav, n: i32, updating: bool, read_only: bool) -> State {
    let mut s = State::new("http://sched.test:8081", Keymap::builtin(), nav, T0);
    s.read_only = read_only;
    update(&mut s, Action::Resize(120, 40));
    let fx = update(&mut s, Action::Tick(T0));
    answer(&mut s, fx, n, updating);
    s
}

/// The tasks view of JOB with `n` running instances, loaded.
fn tasks(n: i32) -> State {
    let s = at(Nav::Tasks(JOB.into()), n, false, false);
    assert_eq!(s.top().table().unwrap().view.len(), n as usize);
    s
}

fn press(s: &mut State, actions: Vec<Action>) -> Vec<Effect> {
    let mut fx = Vec::new();
    for a in actions {
        fx.extend(update(s, a));
    }
    fx
}

fn typed(text: &str) -> Vec<Action> {
    text.chars().map(ch).collect()
}

fn dialog(s: &State) -> &Confirm {
    match &s.overlays.dialog {
        Some(Dialog::Confirm(c)) => c,
        other => panic!("expected a confirmation, got {other:?}"),
    }
}

fn marked(s: &State) -> Vec<i32> {
    let t = s.top().table().unwrap();
    let mut v: Vec<i32> = t
        .rows
        .iter()
        .filter(|r| t.marked.contains(&r.id))
        .filter_map(|r| r.instance)
        .collect();
    v.sort_unstable();
    v
}

fn kill(instances: Vec<i32>) -> Operation {
    Operation::Kill {
        job: job_key(),
        instances,
        message: None,
    }
}

fn draw(s: &State) -> String {
    draw_sized(s, 120, 40)
}

// ---- Cancel is the default ----

#[test]
fn enter_right_away_cancels_and_sends_nothing() {
    for opener in [ctrl('k'), ch('r')] {
        let mut s = tasks(3);
        update(&mut s, opener);
        assert_eq!(dialog(&s).focus, Focus::Cancel, "focus starts on Cancel");
        let fx = update(&mut s, k(KeyCode::Enter));
        assert!(mutations(&fx).is_empty());
        assert!(s.overlays.dialog.is_none());
        assert!(message(&s).contains("nothing was sent"), "{}", message(&s));
    }
    // Esc cancels from the action button too, and no letter confirms.
    let mut s = tasks(3);
    let mut keys = vec![ctrl('k'), k(KeyCode::Right)];
    keys.extend(typed("yYkK \n"));
    let fx = press(&mut s, keys);
    assert!(mutations(&fx).is_empty());
    assert_eq!(
        dialog(&s).focus,
        Focus::Confirm,
        "letters neither move nor confirm"
    );
    let fx = update(&mut s, k(KeyCode::Esc));
    assert!(mutations(&fx).is_empty());
    assert!(s.overlays.dialog.is_none());
    // Tab reaches the message before the action button; ← and → move between the buttons;
    // Enter on the action button sends.
    let mut s = tasks(3);
    press(&mut s, vec![ch('j'), ctrl('k'), k(KeyCode::Tab)]);
    assert_eq!(dialog(&s).focus, Focus::Message);
    update(&mut s, k(KeyCode::Tab));
    assert_eq!(dialog(&s).focus, Focus::Confirm);
    update(&mut s, k(KeyCode::Left));
    assert_eq!(dialog(&s).focus, Focus::Cancel);
    update(&mut s, k(KeyCode::Right));
    let fx = update(&mut s, k(KeyCode::Enter));
    assert_eq!(mutations(&fx), vec![kill(vec![1])]);
}

#[test]
fn update_controls_and_scale_confirm_with_cancel_first() {
    for (key, control) in [
        ('p', Some(Control::Pause)),
        ('P', Some(Control::Resume)),
        ('a', Some(Control::Abort)),
        ('b', Some(Control::Rollback)),
        ('.', None),
    ] {
        let mut s = at(Nav::Update(UPDATE.into()), 3, true, false);
        update(&mut s, ch(key));
        let c = dialog(&s);
        assert_eq!(c.focus, Focus::Cancel, "{key}");
        match (&c.op, control) {
            (Operation::Control { control: got, .. }, Some(want)) => assert_eq!(*got, want),
            (Operation::Pulse { .. }, None) => {}
            (op, _) => panic!("{key}: {op:?}"),
        }
        assert!(mutations(&update(&mut s, k(KeyCode::Enter))).is_empty());
        assert!(s.overlays.dialog.is_none());
    }
    // Scale: the count prompt, then a confirmation that also starts on Cancel.
    let mut s = tasks(3);
    press(
        &mut s,
        vec![ch('s'), k(KeyCode::Backspace), ch('4'), k(KeyCode::Enter)],
    );
    let c = dialog(&s);
    assert_eq!(
        c.op,
        Operation::AddInstances {
            job: job_key(),
            template: 2,
            count: 1
        }
    );
    assert_eq!(c.focus, Focus::Cancel);
    assert!(mutations(&update(&mut s, k(KeyCode::Enter))).is_empty());
}

// ---- typed confirmation ----

/// Types `text` into the confirmation field of an open dialog and presses the action button.
fn type_and_confirm(s: &mut State, text: &str) -> Vec<Effect> {
    // The field has the focus; Enter moves to the button once the text matches, Enter presses it.
    let mut keys = typed(text);
    keys.extend([k(KeyCode::Enter), k(KeyCode::Enter)]);
    press(s, keys)
}

#[test]
fn more_than_five_instances_need_the_job_name_typed() {
    // Five: no typing needed.
    let mut s = tasks(20);
    let mut keys: Vec<Action> = (0..5).map(|_| ch(' ')).collect();
    keys.push(ctrl('k'));
    press(&mut s, keys);
    assert_eq!(dialog(&s).require, None);
    let fx = press(&mut s, vec![k(KeyCode::Right), k(KeyCode::Enter)]);
    assert_eq!(mutations(&fx), vec![kill(vec![0, 1, 2, 3, 4])]);

    // Six: the button stays dead until "hello" is typed.
    for opener in [ctrl('k'), ch('r')] {
        let mut s = tasks(20);
        let mut keys: Vec<Action> = (0..6).map(|_| ch(' ')).collect();
        keys.push(opener);
        press(&mut s, keys);
        assert_eq!(dialog(&s).require.as_deref(), Some("hello"));
        let fx = press(&mut s, vec![k(KeyCode::Right), k(KeyCode::Enter)]);
        assert!(mutations(&fx).is_empty(), "not armed");
        assert!(s.overlays.dialog.is_some());
        let fx = type_and_confirm(&mut s, "hell");
        assert!(mutations(&fx).is_empty(), "a prefix does not arm it");
        let fx = type_and_confirm(&mut s, "o");
        let ops = mutations(&fx);
        assert_eq!(ops.len(), 1);
        match &ops[0] {
            Operation::Kill { instances, .. } | Operation::Restart { instances, .. } => {
                assert_eq!(instances, &vec![0, 1, 2, 3, 4, 5])
            }
            other => panic!("{other:?}"),
        }
    }

    // Scaling down by six kills six: typed; scaling up by ten adds, not destructive: not typed.
    let scale_to = |n: &str| {
        let mut keys = vec![ch('s'), k(KeyCode::Backspace), k(KeyCode::Backspace)];
        keys.extend(n.chars().map(ch));
        keys.push(k(KeyCode::Enter));
        keys
    };
    let mut s = tasks(20);
    press(&mut s, scale_to("14"));
    assert_eq!(dialog(&s).require.as_deref(), Some("hello"));
    let mut s = tasks(20);
    press(&mut s, scale_to("30"));
    assert_eq!(dialog(&s).require, None);
}

#[test]
fn a_prod_cluster_asks_to_type_the_name_for_every_action() {
    let mut s = tasks(3);
    s.prod_cluster = true;
    press(&mut s, vec![ch('r')]);
    let c = dialog(&s);
    assert_eq!(c.require.as_deref(), Some("hello"), "even one instance");
    assert!(
        c.warnings.iter().any(|w| w.contains("production")),
        "{:?}",
        c.warnings
    );
    assert!(mutations(&press(&mut s, vec![k(KeyCode::Right), k(KeyCode::Enter)])).is_empty());
    update(&mut s, k(KeyCode::Left));
    let fx = type_and_confirm(&mut s, "hello");
    assert_eq!(mutations(&fx).len(), 1);

    for key in ['p', 'P', '.', 'h'] {
        let mut s = at(Nav::Update(UPDATE.into()), 3, true, false);
        s.prod_cluster = true;
        update(&mut s, ch(key));
        let c = dialog(&s);
        assert_eq!(
            c.require.as_deref(),
            Some("hello"),
            "{key} on a prod cluster"
        );
        let fx = press(&mut s, vec![k(KeyCode::Right), k(KeyCode::Enter)]);
        assert!(mutations(&fx).is_empty(), "{key}: not armed");
        assert!(s.hold.is_none());
    }
    // `:cron-start` too.
    let mut s = tasks(3);
    s.prod_cluster = true;
    let mut keys = vec![ch(':')];
    keys.extend(typed("cron-start www-data/prod/hello"));
    keys.push(k(KeyCode::Enter));
    press(&mut s, keys);
    assert_eq!(dialog(&s).require.as_deref(), Some("hello"));
}

#[test]
fn kill_job_asks_for_the_whole_job_key() {
    let mut s = tasks(2);
    let mut keys = vec![ch(':')];
    keys.extend(typed("kill-job www-data/prod/hello"));
    keys.push(k(KeyCode::Enter));
    press(&mut s, keys);
    let c = dialog(&s);
    // The whole job: its key and its active count.
    assert_eq!(c.require, Some(format!("{JOB} 2")));
    assert!(
        c.op.describe()
            .contains(&("instances".into(), "ALL active instances".into()))
    );
    assert!(
        c.plan
            .contains(&("active now".into(), "2 instances".into()))
    );
    let fx = type_and_confirm(&mut s, "hello");
    assert!(mutations(&fx).is_empty(), "the name alone is not the key");
    let mut keys: Vec<Action> = (0..5).map(|_| k(KeyCode::Backspace)).collect();
    keys.extend(typed(&format!("{JOB} 2")));
    keys.extend([k(KeyCode::Enter), k(KeyCode::Enter)]);
    let fx = press(&mut s, keys);
    assert_eq!(
        mutations(&fx),
        vec![Operation::KillJob {
            job: job_key(),
            message: None
        }]
    );
}

// ---- hidden marks ----

#[test]
fn the_dialog_counts_marked_rows_the_filter_hides() {
    let mut s = tasks(8);
    // Mark 0, 1 and 5, then filter down to instance 1 only.
    press(
        &mut s,
        vec![ch(' '), ch(' '), ch('G'), ch('k'), ch('k'), ch(' ')],
    );
    assert_eq!(marked(&s), vec![0, 1, 5]);
    let mut keys = vec![ch('/')];
    keys.extend(typed("host-1"));
    keys.push(k(KeyCode::Enter));
    press(&mut s, keys);
    assert_eq!(s.top().table().unwrap().view.len(), 1);
    update(&mut s, ctrl('k'));
    let c = dialog(&s);
    assert_eq!(c.op, kill(vec![0, 1, 5]), "hidden marks are included");
    assert_eq!(c.hidden_marks, 2);
    let screen = draw(&s);
    assert!(
        screen.contains("2 of these marked rows are hidden by the filter"),
        "{screen}"
    );
    assert!(screen.contains("0-1,5 (3 in all)"), "{screen}");
    // Nothing hidden: no warning.
    update(&mut s, k(KeyCode::Esc));
    let mut s = tasks(8);
    press(&mut s, vec![ch(' '), ctrl('k')]);
    assert_eq!(dialog(&s).hidden_marks, 0);
    assert!(!draw(&s).contains("hidden by the filter"));
}

// ---- marks ----

#[test]
fn space_range_and_all_marks_and_esc_clears_them_before_going_back() {
    let mut s = tasks(8);
    // Space marks and moves down; again unmarks.
    update(&mut s, ch(' '));
    assert_eq!(marked(&s), vec![0]);
    press(&mut s, vec![ch('k'), ch(' ')]);
    assert_eq!(marked(&s), Vec::<i32>::new());
    // V marks from the last mark to the cursor.
    press(&mut s, vec![ch('j'), ch(' '), ch('j'), ch('j'), ch('V')]);
    assert_eq!(marked(&s), vec![2, 3, 4, 5]);
    // Actions apply to the marked set, not the cursor.
    press(&mut s, vec![ch('G'), ctrl('k')]);
    assert_eq!(dialog(&s).op, kill(vec![2, 3, 4, 5]));
    update(&mut s, k(KeyCode::Esc));
    assert_eq!(marked(&s), vec![2, 3, 4, 5], "cancelling keeps the marks");
    // Ctrl-A marks every row that passes the filter, and only those.
    let mut s = tasks(12);
    let mut keys = vec![ch('/')];
    keys.extend(typed("host-1"));
    keys.push(k(KeyCode::Enter));
    keys.push(ctrl('a'));
    press(&mut s, keys);
    assert_eq!(marked(&s), vec![1, 10, 11]);
    // Esc clears the marks first (the filter and the view stay), then the filter, then goes
    // back.
    update(&mut s, k(KeyCode::Esc));
    assert_eq!(marked(&s), Vec::<i32>::new());
    assert!(matches!(s.top(), Screen::Tasks { .. }));
    assert_eq!(s.top().table().unwrap().filter_text, "host-1");
    update(&mut s, k(KeyCode::Esc));
    assert!(matches!(s.top(), Screen::Tasks { .. }));
    assert_eq!(s.top().table().unwrap().filter_text, "", "then the filter");
    update(&mut s, k(KeyCode::Esc));
    assert!(matches!(s.top(), Screen::Roles { .. }), "then back");
}

#[test]
fn a_sent_kill_spends_the_marks_and_an_empty_set_is_never_sent() {
    let mut s = tasks(4);
    press(&mut s, vec![ch(' '), ch(' '), ctrl('k')]);
    let fx = press(&mut s, vec![k(KeyCode::Right), k(KeyCode::Enter)]);
    assert_eq!(mutations(&fx), vec![kill(vec![0, 1])]);
    assert!(marked(&s).is_empty(), "marks are cleared once used");
    // No rows at all: nothing to act on, no dialog.
    let mut s = at(Nav::Tasks(JOB.into()), 0, false, false);
    let fx = press(&mut s, vec![ctrl('k'), ch('r')]);
    assert!(s.overlays.dialog.is_none());
    assert!(mutations(&fx).is_empty());
    assert!(message(&s).contains("no instance"), "{}", message(&s));
}

#[test]
fn an_active_update_blocks_kill_restart_and_scale_before_anything_is_sent() {
    let mut s = at(Nav::Tasks(JOB.into()), 3, true, false);
    for key in [ctrl('k'), ch('r'), ch('s')] {
        let fx = update(&mut s, key);
        assert!(s.overlays.dialog.is_none());
        assert!(mutations(&fx).is_empty());
        assert!(
            message(&s).contains("JOB_UPDATING_ERROR"),
            "{}",
            message(&s)
        );
    }
}

// ---- read-only ----

fn mutating() -> Vec<Command> {
    Command::ALL
        .iter()
        .copied()
        .filter(|c| c.mutates())
        .collect()
}

#[test]
fn read_only_blocks_every_mutating_key_and_command() {
    let views = [
        Nav::Tasks(JOB.into()),
        Nav::Update(UPDATE.into()),
        Nav::Updates {
            role: None,
            filter: None,
        },
    ];
    for nav in views {
        let mut s = at(nav.clone(), 3, true, true);
        let layers = s.top().layers();
        // Every chord bound to a mutating command in this view.
        let chords: Vec<_> = s
            .keymap
            .effective(&layers)
            .into_iter()
            .filter(|(_, c, _)| c.mutates())
            .collect();
        assert!(!chords.is_empty(), "{nav:?} has mutating keys to try");
        for (chord, cmd, _) in chords {
            let keys: Vec<Action> = chord
                .0
                .iter()
                .map(|k| Action::Key(KeyEvent::new(k.code, k.mods)))
                .collect();
            let fx = press(&mut s, keys);
            assert!(mutations(&fx).is_empty(), "{nav:?} {chord}");
            assert!(
                s.overlays.dialog.is_none(),
                "{nav:?} {chord} opened {:?}",
                s.overlays.dialog
            );
            assert!(s.hold.is_none());
            let m = message(&s);
            assert!(
                m.contains("read-only") && m.contains(cmd.name()),
                "{nav:?} {chord}: {m}"
            );
        }
        // And by name on the command line, plus the operations only `:` offers.
        let mut lines: Vec<String> = mutating().iter().map(|c| c.name().to_owned()).collect();
        lines.push(format!("kill-job {JOB}"));
        lines.push(format!("cron-start {JOB}"));
        for line in lines {
            let mut keys = vec![ch(':')];
            keys.extend(typed(&line));
            keys.push(k(KeyCode::Enter));
            let fx = press(&mut s, keys);
            assert!(mutations(&fx).is_empty(), ":{line}");
            assert!(
                s.overlays.dialog.is_none(),
                ":{line} opened {:?}",
                s.overlays.dialog
            );
            assert!(
                message(&s).contains("read-only"),
                ":{line}: {}",
                message(&s)
            );
        }
    }
}

#[test]
fn read_only_help_and_hints_do_not_offer_mutations() {
    for nav in [Nav::Tasks(JOB.into()), Nav::Update(UPDATE.into())] {
        for read_only in [false, true] {
            let mut s = at(nav.clone(), 3, true, read_only);
            let hints = draw(&s);
            let hint_bar = hints.lines().last().unwrap_or("").to_owned();
            update(&mut s, Action::Command(Command::Help));
            let help = draw(&s);
            let offered: Vec<&str> = mutating()
                .iter()
                .map(|c| c.name())
                .filter(|n| help.contains(&format!(" {n} ")))
                .collect();
            let hinted: Vec<&str> = ["kill", "restart", "scale", "pause", "resume", "pulse"]
                .into_iter()
                .filter(|n| hint_bar.contains(&format!(" {n} ")))
                .collect();
            if read_only {
                assert!(
                    offered.is_empty(),
                    "{nav:?} help offers {offered:?}\n{help}"
                );
                assert!(
                    hinted.is_empty(),
                    "{nav:?} hints offer {hinted:?}\n{hint_bar}"
                );
            } else {
                // The same checks see them when they are there.
                assert!(!offered.is_empty(), "{nav:?}\n{help}");
                assert!(!hinted.is_empty(), "{nav:?}\n{hint_bar}");
            }
        }
    }
}

#[test]
fn hold_confirms_then_pulses_a_third_of_the_interval_apart() {
    let mut s = at(Nav::Update(UPDATE.into()), 3, true, false);
    update(&mut s, ch('h'));
    assert_eq!(dialog(&s).focus, Focus::Cancel);
    // Cancel: no hold.
    update(&mut s, k(KeyCode::Enter));
    assert!(s.hold.is_none());
    update(&mut s, ch('h'));
    let fx = press(&mut s, vec![k(KeyCode::Right), k(KeyCode::Enter)]);
    assert_eq!(mutations(&fx).len(), 1, "the first pulse goes at once");
    assert!(s.hold.is_some());
    // While the pulse is unanswered, no second one goes out.
    let fx = update(&mut s, Action::Tick(T0 + 25_000));
    assert!(mutations(&fx).is_empty(), "one pulse in flight at a time");
    // `h` again releases it.
    update(&mut s, ch('h'));
    assert!(s.hold.is_none());
    let fx = update(&mut s, Action::Tick(T0 + 60_000));
    assert!(mutations(&fx).is_empty());
    assert!(matches!(s.top(), Screen::Update { .. }));
}

#[test]
fn a_dialog_taller_than_the_screen_scrolls_its_description_and_keeps_its_buttons() {
    let mut s = tasks(8);
    let mut keys: Vec<Action> = (0..6).map(|_| ch(' ')).collect();
    keys.push(ctrl('k'));
    press(&mut s, keys);
    update(&mut s, Action::Resize(60, 14));
    let screen = draw_sized(&s, 60, 14);
    assert!(screen.contains("[ Cancel ]"), "{screen}");
    assert!(screen.contains("Esc cancels"), "{screen}");
    assert!(screen.contains("more line"), "says there is more\n{screen}");
    assert!(screen.contains("cluster"), "{screen}");
    // ↓ scrolls the description (the typed field keeps the focus and its text).
    for _ in 0..3 {
        update(&mut s, k(KeyCode::Down));
    }
    let scrolled = draw_sized(&s, 60, 14);
    assert!(!scrolled.contains(" cluster "), "{scrolled}");
    assert!(scrolled.contains("[ Cancel ]"), "{scrolled}");
    assert!(scrolled.contains("above"), "{scrolled}");
    assert_eq!(dialog(&s).focus, Focus::Typed);
}

// ---- the help overlay ----

/// The rows of the help box in a drawn screen (between its borders).
fn help_box(screen: &str) -> Vec<String> {
    screen
        .lines()
        .skip_while(|l| !l.contains("┌ keys"))
        .skip(1)
        .take_while(|l| !l.contains('└'))
        .map(|l| {
            let inner = l.split_once('│').map(|(_, r)| r).unwrap_or("");
            inner
                .rsplit_once('│')
                .map(|(i, _)| i)
                .unwrap_or(inner)
                .to_owned()
        })
        .collect()
}

#[test]
fn help_scrolls_with_j_and_k_filters_after_slash_and_stops_at_the_end() {
    let mut s = at(Nav::Tasks(JOB.into()), 3, false, false);
    update(&mut s, Action::Resize(80, 24));
    update(&mut s, ch('?'));
    let first = help_box(&draw_sized(&s, 80, 24));
    update(&mut s, ch('j'));
    update(&mut s, ch('j'));
    let help = s.overlays.help.as_ref().unwrap();
    assert_eq!(help.filter, "", "j does not type into the filter");
    assert_eq!(help.scroll, 2);
    let scrolled = help_box(&draw_sized(&s, 80, 24));
    assert_eq!(scrolled[0], first[2], "two rows down");
    update(&mut s, ch('k'));
    assert_eq!(s.overlays.help.as_ref().unwrap().scroll, 1);
    // Scrolling stops with the last row at the bottom of the box.
    for _ in 0..500 {
        update(&mut s, k(KeyCode::Down));
    }
    let max = s.help_max_scroll();
    assert_eq!(s.overlays.help.as_ref().unwrap().scroll, max);
    assert!(max > 0 && max < s.help_rows().len());
    let end = help_box(&draw_sized(&s, 80, 24));
    assert!(
        end.iter().all(|l| !l.trim().is_empty()),
        "no blank rows after the end\n{end:#?}"
    );
    update(&mut s, k(KeyCode::Up));
    assert_eq!(
        s.overlays.help.as_ref().unwrap().scroll,
        max - 1,
        "Up works at once"
    );
    // `/` starts the filter; Enter keeps it and j scrolls again.
    press(&mut s, typed("/history"));
    assert_eq!(s.overlays.help.as_ref().unwrap().filter, "history");
    update(&mut s, k(KeyCode::Enter));
    update(&mut s, ch('j'));
    assert_eq!(s.overlays.help.as_ref().unwrap().filter, "history");
    let filtered = draw_sized(&s, 80, 24);
    assert!(filtered.contains("toggle_history"), "{filtered}");
    assert!(!filtered.contains("next_match"), "{filtered}");
    // Esc clears the filter, a second Esc closes.
    update(&mut s, k(KeyCode::Esc));
    assert_eq!(s.overlays.help.as_ref().unwrap().filter, "");
    update(&mut s, k(KeyCode::Esc));
    assert!(s.overlays.help.is_none());
}

#[test]
fn help_rows_keep_a_gap_fit_the_box_and_show_angle_brackets() {
    for nav in [Nav::Tasks(JOB.into()), Nav::Update(UPDATE.into())] {
        let mut s = at(nav.clone(), 3, true, false);
        update(&mut s, Action::Resize(80, 24));
        update(&mut s, ch('?'));
        let mut all = Vec::new();
        for _ in 0..40 {
            all.extend(help_box(&draw_sized(&s, 80, 24)));
            for _ in 0..5 {
                update(&mut s, ch('j'));
            }
        }
        let text = all.join("\n");
        assert!(!text.contains("<lt>") && !text.contains("<gt>"), "{text}");
        for row in s.help_rows() {
            if let eos::app::help::HelpRow::Key { name, .. } = row {
                let line = all
                    .iter()
                    .find(|l| l.contains(&format!("  {name} ")))
                    .unwrap_or_else(|| panic!("{nav:?}: no row for {name}\n{text}"));
                let after = line.split_once(&format!("  {name}")).unwrap().1;
                assert!(
                    after.starts_with("  "),
                    "{name} runs into its text: {line:?}"
                );
                // The layer tag closes the row: nothing was cut at the box edge.
                assert!(line.trim_end().ends_with(']'), "cut: {line:?}");
            }
        }
        if matches!(nav, Nav::Tasks(_)) {
            assert!(
                all.iter()
                    .any(|l| l.contains(" < ") && l.contains("sort_prev")),
                "{text}"
            );
        }
    }
}

#[test]
fn read_only_help_and_hints_offer_no_marks_nor_rolling_cancel() {
    let mut s = at(Nav::Tasks(JOB.into()), 3, false, true);
    let hint_bar = draw(&s).lines().last().unwrap_or("").to_owned();
    assert!(!hint_bar.contains("mark"), "{hint_bar}");
    update(&mut s, ch('?'));
    let names: Vec<&str> = s
        .help_rows()
        .iter()
        .filter_map(|r| match r {
            eos::app::help::HelpRow::Key { name, .. } => Some(*name),
            _ => None,
        })
        .collect();
    for hidden in ["roll_cancel", "mark", "mark_range", "mark_all", "kill"] {
        assert!(!names.contains(&hidden), "{hidden} offered: {names:?}");
    }
    assert!(names.contains(&"toggle_history"));
    let entries: Vec<String> = s
        .help_rows()
        .iter()
        .filter_map(|r| match r {
            eos::app::help::HelpRow::Entry { what, .. } => Some(what.clone()),
            _ => None,
        })
        .collect();
    assert!(!entries.contains(&":restart".to_owned()), "{entries:?}");
    assert!(entries.contains(&":triage".to_owned()), "{entries:?}");
}

// ---- Esc followed at once by a key ----

#[test]
fn esc_then_a_key_delivered_as_alt_key_acts_as_both_keys() {
    let alt = |c: char| Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT));
    let mut s = tasks(5);
    press(&mut s, vec![ch(' '), ch(' ')]);
    assert_eq!(marked(&s), vec![0, 1]);
    let before = s.top().table().unwrap().selected;
    // "Esc j" typed quickly arrives as Alt+j: Esc clears the marks, j moves down.
    update(&mut s, alt('j'));
    assert!(marked(&s).is_empty(), "Esc cleared the marks");
    assert_eq!(
        s.top().table().unwrap().selected,
        before + 1,
        "and j moved down"
    );
    // With no marks left, Esc then `?` goes back and opens help there.
    update(&mut s, alt('?'));
    assert!(s.overlays.help.is_some());
    assert!(matches!(s.top(), Screen::Roles { .. }));
    // Inside a text field the Alt key stays the field's: the filter line is not closed.
    update(&mut s, k(KeyCode::Esc));
    update(&mut s, ch('/'));
    assert!(s.overlays.input.is_some());
    update(&mut s, alt('b'));
    assert!(s.overlays.input.is_some(), "Alt+b stays in the filter line");
}

// ---- read-only badge, message history, `:` commands in help ----

#[test]
fn read_only_shows_a_badge_in_the_header() {
    for read_only in [false, true] {
        let s = at(Nav::Tasks(JOB.into()), 3, false, read_only);
        let header = draw_sized(&s, 80, 24)
            .lines()
            .next()
            .unwrap_or("")
            .to_owned();
        assert_eq!(header.contains("READ-ONLY"), read_only, "{header}");
    }
}

#[test]
fn messages_keeps_every_status_line_for_later() {
    let mut s = tasks(3);
    // A long refusal, cut on the status line at 80 columns.
    let mut keys = vec![ch(':')];
    keys.extend(typed("job not-a-key"));
    keys.push(k(KeyCode::Enter));
    press(&mut s, keys);
    let first = message(&s);
    assert!(!first.is_empty());
    update(&mut s, ch('?'));
    update(&mut s, k(KeyCode::Esc));
    press(&mut s, vec![ch('j'), ctrl('k'), k(KeyCode::Esc)]);
    let second = message(&s);
    assert!(second.contains("nothing was sent"), "{second}");
    let mut keys = vec![ch(':')];
    keys.extend(typed("messages"));
    keys.push(k(KeyCode::Enter));
    press(&mut s, keys);
    assert_eq!(s.messages.shown, Some(0));
    let screen = draw_sized(&s, 120, 40);
    assert!(screen.contains("messages (newest first)"), "{screen}");
    let (a, b) = (
        screen.find(&second).expect("the newer message"),
        screen.find(&first).expect("the older message, whole"),
    );
    assert!(a < b, "newest first\n{screen}");
    // Keys scroll or close it; they do not reach the view below.
    let before = s.top().table().unwrap().selected;
    update(&mut s, ch('j'));
    assert_eq!(s.top().table().unwrap().selected, before);
    update(&mut s, k(KeyCode::Esc));
    assert_eq!(s.messages.shown, None);
    assert!(
        matches!(s.top(), Screen::Tasks { .. }),
        "Esc closed only the history"
    );
}

#[test]
fn help_lists_the_colon_commands_from_the_command_table() {
    let mut s = tasks(3);
    update(&mut s, ch('?'));
    let rows = s.help_rows();
    for (name, description) in eos::app::input::LINE_COMMANDS {
        assert!(
            rows.contains(&eos::app::help::HelpRow::Entry {
                what: format!(":{name}"),
                description: description.to_string(),
            }),
            ":{name} missing from help"
        );
    }
    // Filtering reaches them too.
    press(&mut s, typed("/messages"));
    let filtered = draw_sized(&s, 80, 24);
    assert!(filtered.contains(":messages"), "{filtered}");
}

// ---- confirmation strength by blast radius ----

#[test]
fn most_of_a_job_or_more_than_a_hundred_asks_for_the_key_and_the_count() {
    // More than half of the job's active instances: 5 of 8, by kill and by restart.
    for opener in [ctrl('k'), ch('r')] {
        let mut s = tasks(8);
        let mut keys: Vec<Action> = (0..5).map(|_| ch(' ')).collect();
        keys.push(opener);
        press(&mut s, keys);
        let c = dialog(&s);
        assert_eq!(c.require, Some(format!("{JOB} 5")));
        assert!(
            c.warnings
                .iter()
                .any(|w| w.contains("5 of www-data/prod/hello's 8")),
            "{:?}",
            c.warnings
        );
        // The name alone, or the key alone, does not arm it.
        assert!(mutations(&type_and_confirm(&mut s, "hello")).is_empty());
        press(&mut s, (0..5).map(|_| k(KeyCode::Backspace)).collect());
        assert!(mutations(&type_and_confirm(&mut s, JOB)).is_empty());
        let fx = type_and_confirm(&mut s, " 5");
        assert_eq!(mutations(&fx).len(), 1);
    }
    // Exactly half is not more than half: the name, as for any six or more (here four of eight:
    // no typing at all).
    let mut s = tasks(8);
    let mut keys: Vec<Action> = (0..4).map(|_| ch(' ')).collect();
    keys.push(ctrl('k'));
    press(&mut s, keys);
    assert_eq!(dialog(&s).require, None);
    // More than a hundred, however big the job.
    let mut s = tasks(300);
    let mut keys: Vec<Action> = (0..101).map(|_| ch(' ')).collect();
    keys.push(ch('r'));
    press(&mut s, keys);
    assert_eq!(dialog(&s).require, Some(format!("{JOB} 101")));
    let mut s = tasks(300);
    let mut keys: Vec<Action> = (0..100).map(|_| ch(' ')).collect();
    keys.push(ch('r'));
    press(&mut s, keys);
    assert_eq!(dialog(&s).require.as_deref(), Some("hello"));
    // Mark all, kill: the whole job (U6: 4,000 instances asked only for the name).
    let mut s = tasks(40);
    press(&mut s, vec![ctrl('a'), ctrl('k')]);
    assert_eq!(dialog(&s).require, Some(format!("{JOB} 40")));
    // Scaling down to 3 of 8 kills five: the key and the count.
    let mut s = tasks(8);
    press(
        &mut s,
        vec![ch('s'), k(KeyCode::Backspace), ch('3'), k(KeyCode::Enter)],
    );
    assert_eq!(dialog(&s).require, Some(format!("{JOB} 5")));
    // A rolling restart of the whole job.
    let mut s = tasks(8);
    press(&mut s, vec![ch('W')]);
    let c = dialog(&s);
    assert!(c.verb().contains("rolling restart"), "{}", c.verb());
    assert_eq!(c.require, Some(format!("{JOB} 8")));
}

#[test]
fn the_kill_dialog_says_killed_instances_are_not_rescheduled() {
    let mut s = tasks(3);
    press(&mut s, vec![ctrl('k')]);
    assert!(
        dialog(&s)
            .warnings
            .iter()
            .any(|w| w.contains("does not reschedule killed instances")),
        "{:?}",
        dialog(&s).warnings
    );
    let screen = draw_sized(&s, 80, 24);
    assert!(screen.contains("does not reschedule"), "{screen}");
    // A restart is not a kill: no such line.
    let mut s = tasks(3);
    press(&mut s, vec![ch('r')]);
    assert!(!dialog(&s).warnings.iter().any(|w| w.contains("reschedule")),);
}
