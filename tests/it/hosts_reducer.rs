//! The hosts view in the reducer, without a server: the view built from active tasks and the
//! maintenance page, Enter to a host's tasks and on to a task, the maintenance confirmations
//! (what they say, typed confirmation on prod, marks), nothing sent without confirmation, and
//! `--read-only` removing every maintenance action.

use crate::reducer_common::{ch, k, message, mutations};
use crossterm::event::KeyCode;
use eos::app::dialog::{Confirm, Dialog};
use eos::app::ops::{HostAction, Operation};
use eos::app::resource::{Data, ResourceKey};
use eos::app::{
    Action, Command, Effect, Fetched, Mutated, MutationOutcome, Nav, Screen, State, update,
};
use eos::aurora::maintenance::MaintenanceHosts;
use eos::aurora::model::*;
use eos::keymap::Keymap;

const T0: i64 = 1_700_000_000_000;

fn host(n: u32) -> String {
    format!("agent-{n}.zone.example.com")
}

fn task(id: &str, job: &str, on: &str) -> ScheduledTask {
    ScheduledTask {
        assigned_task: Some(AssignedTask {
            task_id: Some(id.into()),
            slave_host: Some(on.into()),
            instance_id: Some(0),
            task: Some(std::sync::Arc::new(TaskConfig {
                job: JobKey::parse(job),
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

/// agent-1: 3 tasks of two jobs; agent-2: 1 task, DRAINING; agent-3: no task, DRAINED;
/// agent-4: no task, not in maintenance (unknown).
fn world_tasks() -> Vec<ScheduledTask> {
    vec![
        task("t1", "a/prod/web", &host(1)),
        task("t2", "a/prod/web", &host(1)),
        task("t3", "b/prod/db", &host(1)),
        task("t4", "b/prod/db", &host(2)),
    ]
}

fn world_maintenance() -> MaintenanceHosts {
    let body = format!(
        r#"{{"DRAINING":{{"{}":["t4"]}},"DRAINED":["{}"],"SCHEDULED":[]}}"#,
        host(2),
        host(3)
    );
    MaintenanceHosts::parse(body.as_bytes()).unwrap()
}

/// Answers every fetch among `fx` from the little world; returns the keys fetched.
fn answer(s: &mut State, fx: Vec<Effect>) -> Vec<ResourceKey> {
    let mut keys = Vec::new();
    for e in fx {
        let Effect::Fetch { key, generation } = e else {
            continue;
        };
        keys.push(key.clone());
        let data = match &key {
            ResourceKey::ActiveTasks => Data::Tasks(world_tasks()),
            ResourceKey::HostTasks(h) => Data::Tasks(
                world_tasks()
                    .into_iter()
                    .filter(|t| t.host() == h)
                    .collect(),
            ),
            ResourceKey::Maintenance => Data::Maintenance(Box::new(world_maintenance())),
            ResourceKey::Roles => Data::Roles(Vec::new()),
            ResourceKey::Task(_) => Data::Task(None),
            ResourceKey::PendingReasons(_) => Data::PendingReasons(Vec::new()),
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
        keys.extend(answer(s, more));
    }
    keys
}

fn hosts_view(read_only: bool, prod: bool) -> State {
    let mut s = State::new("http://sched.test:8081", Keymap::builtin(), Nav::Roles, T0);
    s.read_only = read_only;
    s.prod_cluster = prod;
    update(&mut s, Action::Resize(120, 40));
    let fx = update(&mut s, Action::Tick(T0));
    answer(&mut s, fx);
    let fx = update(&mut s, Action::Open(Nav::Hosts));
    let keys = answer(&mut s, fx);
    assert!(keys.contains(&ResourceKey::ActiveTasks), "{keys:?}");
    assert!(keys.contains(&ResourceKey::Maintenance), "{keys:?}");
    s
}

/// Feeds actions; returns every effect (fetches are answered).
fn act(s: &mut State, actions: Vec<Action>) -> Vec<Effect> {
    let mut all = Vec::new();
    for a in actions {
        let fx = update(s, a);
        all.extend(fx.iter().cloned());
        answer(s, fx);
    }
    all
}

fn select_host(s: &State, h: &str) -> Vec<Action> {
    let t = s.top().table().unwrap();
    let pos = t
        .view
        .iter()
        .position(|&i| t.rows[i].id == h)
        .unwrap_or_else(|| panic!("{h} not in the view"));
    let mut v = vec![ch('g')];
    v.extend((0..pos).map(|_| ch('j')));
    v
}

fn confirm(s: &State) -> &Confirm {
    match &s.overlays.dialog {
        Some(Dialog::Confirm(c)) => c,
        other => panic!("expected a confirmation, got {other:?}"),
    }
}

#[test]
fn the_view_joins_tasks_and_maintenance() {
    let s = hosts_view(false, false);
    let t = s.top().table().unwrap();
    let rows: Vec<(&str, Vec<&str>)> = t
        .view
        .iter()
        .map(|&i| {
            let r = &t.rows[i];
            (r.id.as_str(), r.cells.iter().map(String::as_str).collect())
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (
                host(1).as_str(),
                vec!["agent-1", "NONE", "3", "", "a/prod/web ×2, b/prod/db"]
            ),
            (
                host(2).as_str(),
                vec!["agent-2", "DRAINING", "1", "1", "b/prod/db"]
            ),
            (host(3).as_str(), vec!["agent-3", "DRAINED", "0", "", ""]),
        ]
    );
    assert_eq!(t.rows[t.view[1]].style, "status.maintenance.draining");
    assert_eq!(t.rows[t.view[2]].style, "status.maintenance.drained");
    // The crumbs and the hints name the view and its actions.
    assert_eq!(s.breadcrumbs().last().unwrap(), "hosts");
    let hints = eos::ui::hint_commands(s.top());
    assert!(hints.contains(&Command::DrainHosts), "{hints:?}");
}

#[test]
fn the_filter_finds_full_names_and_every_job() {
    let mut s = hosts_view(false, false);
    let mut keys = vec![ch('/')];
    keys.extend("b/prod/db".chars().map(ch));
    keys.push(k(KeyCode::Enter));
    act(&mut s, keys);
    assert_eq!(s.top().table().unwrap().view.len(), 2);
    let mut keys = vec![ch('/')];
    keys.extend((0..20).map(|_| k(KeyCode::Backspace)));
    keys.extend("zone.example".chars().map(ch));
    keys.push(k(KeyCode::Enter));
    act(&mut s, keys);
    assert_eq!(s.top().table().unwrap().view.len(), 3);
}

#[test]
fn enter_opens_a_hosts_tasks_and_then_a_task() {
    let mut s = hosts_view(false, false);
    let mut keys = select_host(&s, &host(1));
    keys.push(k(KeyCode::Enter));
    let fx = act(&mut s, keys);
    assert!(
        fx.contains(&Effect::Fetch {
            key: ResourceKey::HostTasks(host(1)),
            generation: 1
        }),
        "{fx:?}"
    );
    let Screen::Host { host: h, table } = s.top() else {
        panic!("not on a host's tasks: {:?}", s.top());
    };
    assert_eq!(h, &host(1));
    assert_eq!(table.view.len(), 3);
    assert_eq!(table.columns[0].title, "JOB");
    let first = &table.rows[table.view[0]];
    assert_eq!(first.cells[0], "a/prod/web");
    assert_eq!(first.cells[2], "RUNNING");
    assert_eq!(s.breadcrumbs().last().unwrap(), "host agent-1");
    act(&mut s, vec![k(KeyCode::Enter)]);
    assert!(
        matches!(s.top(), Screen::Task { id, .. } if id == "t1"),
        "{:?}",
        s.top()
    );
}

#[test]
fn drain_asks_first_says_what_happens_and_sends_once() {
    let mut s = hosts_view(false, false);
    let mut keys = select_host(&s, &host(1));
    keys.push(ch('D'));
    let fx = act(&mut s, keys);
    assert!(mutations(&fx).is_empty(), "nothing sent before confirming");
    let c = confirm(&s);
    let expected = Operation::Maintenance {
        action: HostAction::Drain,
        hosts: vec![host(1)],
        tasks: 3,
    };
    assert_eq!(c.op, expected);
    assert_eq!(c.verb(), "Drain 1 host");
    let lines = c.op.describe();
    assert!(
        lines.contains(&("method".into(), "drainHosts".into())),
        "{lines:?}"
    );
    assert!(
        lines.contains(&("hosts".into(), format!("{} (1 in all)", host(1)))),
        "{lines:?}"
    );
    assert!(
        lines.contains(&(
            "effect".into(),
            "drain 1 host: its 3 active tasks will be killed and rescheduled elsewhere; DRAINED when empty".into()
        )),
        "{lines:?}"
    );
    // Only 3 tasks, but both of a/prod/web's instances: its key and the count are asked for.
    assert_eq!(c.require.as_deref(), Some("a/prod/web 2"));
    assert!(
        c.warnings.iter().any(|w| w.contains("2 of a/prod/web's 2")),
        "{:?}",
        c.warnings
    );
    // Esc cancels: nothing sent.
    let fx = act(&mut s, vec![k(KeyCode::Esc)]);
    assert!(mutations(&fx).is_empty());
    assert!(s.overlays.dialog.is_none());
    assert!(message(&s).contains("nothing was sent"));
    // No letter confirms (they go into the field), nor Enter before the text matches.
    act(&mut s, vec![ch('D')]);
    let fx = act(&mut s, vec![ch('y'), ch('D'), k(KeyCode::Enter)]);
    assert!(mutations(&fx).is_empty());
    act(&mut s, vec![k(KeyCode::Esc)]);
    assert!(s.overlays.dialog.is_none());
    // Confirmed: exactly one Mutate, with the op.
    act(&mut s, vec![ch('D')]);
    let mut keys: Vec<Action> = "a/prod/web 2".chars().map(ch).collect();
    keys.extend([k(KeyCode::Enter), k(KeyCode::Enter)]);
    let fx = act(&mut s, keys);
    assert_eq!(mutations(&fx), vec![expected.clone()]);
    assert_eq!(s.pending_mutations.len(), 1);
    assert!(
        message(&s).contains("sending drainHosts"),
        "{}",
        message(&s)
    );
    // Its success shows the scheduler's statuses and refreshes the view at once.
    let id = s.pending_mutations[0].0;
    let fx = update(
        &mut s,
        Action::Mutated(Box::new(Mutated {
            id,
            op: expected,
            outcome: MutationOutcome::Done {
                code: ResponseCode::OK,
                messages: vec![format!("{} → DRAINING", host(1))],
                update_key: None,
                pulse: None,
            },
        })),
    );
    assert!(
        message(&s).contains(&format!("drainHosts: OK — {} → DRAINING", host(1))),
        "{}",
        message(&s)
    );
    let refetched: Vec<&ResourceKey> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::Fetch { key, .. } => Some(key),
            _ => None,
        })
        .collect();
    assert!(refetched.contains(&&ResourceKey::ActiveTasks), "{fx:?}");
    assert!(refetched.contains(&&ResourceKey::Maintenance), "{fx:?}");
    assert!(mutations(&fx).is_empty(), "never re-sent");
}

#[test]
fn marked_hosts_go_together_and_modes_that_will_not_change_are_warned_about() {
    let mut s = hosts_view(false, false);
    let mut keys = select_host(&s, &host(1));
    keys.extend([ch(' '), ch(' ')]);
    keys.push(ch('m'));
    act(&mut s, keys);
    let c = confirm(&s);
    assert_eq!(
        c.op,
        Operation::Maintenance {
            action: HostAction::Start,
            hosts: vec![host(1), host(2)],
            tasks: 4,
        }
    );
    assert_eq!(c.verb(), "Start maintenance on 2 hosts");
    let effect = c.op.describe().pop().unwrap().1;
    assert!(
        effect.contains("their 4 active tasks keep running"),
        "{effect}"
    );
    assert!(
        c.warnings
            .iter()
            .any(|w| w.contains(&host(2)) && w.contains("already in maintenance")),
        "{:?}",
        c.warnings
    );
    act(&mut s, vec![k(KeyCode::Esc)]);
    // End maintenance on a host that is not in maintenance is said too.
    let mut keys = vec![k(KeyCode::Esc)];
    keys.extend(select_host(&s, &host(1)));
    keys.push(ch('M'));
    act(&mut s, keys);
    let c = confirm(&s);
    assert_eq!(
        c.op,
        Operation::Maintenance {
            action: HostAction::End,
            hosts: vec![host(1)],
            tasks: 3,
        }
    );
    assert!(
        c.warnings.iter().any(|w| w.contains("not in maintenance")),
        "{:?}",
        c.warnings
    );
}

#[test]
fn drains_of_many_tasks_or_on_prod_ask_for_the_host_name() {
    let mut s = hosts_view(false, true);
    let mut keys = select_host(&s, &host(2));
    keys.push(ch('D'));
    act(&mut s, keys);
    let c = confirm(&s);
    assert_eq!(c.require.as_deref(), Some("agent-2"));
    assert!(c.warnings.iter().any(|w| w.contains("production cluster")));
    // Not armed until the name is typed: Enter on the button does nothing.
    let fx = act(
        &mut s,
        vec![k(KeyCode::BackTab), k(KeyCode::BackTab), k(KeyCode::Enter)],
    );
    assert!(mutations(&fx).is_empty());
    assert!(s.overlays.dialog.is_some());
    // Type it (focus on the field), then the button.
    let mut keys: Vec<Action> = "agent-2".chars().map(ch).collect();
    keys.extend([k(KeyCode::Enter), k(KeyCode::Enter)]);
    let fx = act(&mut s, keys);
    assert_eq!(mutations(&fx).len(), 1, "{fx:?}");
    // Several hosts on prod: type "N hosts".
    let mut s = hosts_view(false, true);
    act(&mut s, vec![ch('g'), ch(' '), ch(' '), ch('M')]);
    assert_eq!(confirm(&s).require.as_deref(), Some("2 hosts"));
    // Not prod, but a drain moving more than five tasks (none of them most of a job).
    let op = Operation::Maintenance {
        action: HostAction::Drain,
        hosts: vec![host(2)],
        tasks: 6,
    };
    let mut s = hosts_view(false, false);
    s.confirm(op, 0);
    assert_eq!(confirm(&s).require.as_deref(), Some("agent-2"));
}

#[test]
fn read_only_removes_every_maintenance_action() {
    let mut s = hosts_view(true, false);
    for key in ['m', 'D', 'M'] {
        let mut keys = vec![ch('g')];
        keys.push(ch(key));
        let fx = act(&mut s, keys);
        assert!(mutations(&fx).is_empty());
        assert!(s.overlays.dialog.is_none(), "{key}: a dialog opened");
        assert!(message(&s).contains("read-only"), "{key}: {}", message(&s));
    }
    for c in [
        Command::StartMaintenance,
        Command::DrainHosts,
        Command::EndMaintenance,
    ] {
        assert!(c.mutates(), "{c:?}");
        act(&mut s, vec![Action::Command(c)]);
        assert!(s.overlays.dialog.is_none());
    }
    // The view itself still works.
    assert_eq!(s.top().table().unwrap().view.len(), 3);
    // And a host's tasks view has no maintenance action either.
    act(&mut s, vec![ch('g'), k(KeyCode::Enter), ch('D')]);
    assert!(matches!(s.top(), Screen::Host { .. }));
    assert!(s.overlays.dialog.is_none());
}

#[test]
fn a_hosts_tasks_view_acts_on_its_host() {
    let mut s = hosts_view(false, false);
    let mut keys = select_host(&s, &host(2));
    keys.extend([k(KeyCode::Enter), ch('M')]);
    act(&mut s, keys);
    assert_eq!(
        confirm(&s).op,
        Operation::Maintenance {
            action: HostAction::End,
            hosts: vec![host(2)],
            tasks: 1,
        }
    );
}

#[test]
fn command_line_opens_hosts_and_a_host() {
    let mut s = State::new("http://sched.test:8081", Keymap::builtin(), Nav::Roles, T0);
    let fx = update(&mut s, Action::Tick(T0));
    answer(&mut s, fx);
    let mut keys = vec![ch(':')];
    keys.extend("ho".chars().map(ch));
    keys.push(k(KeyCode::Tab));
    act(&mut s, keys);
    let typed = s.overlays.input.as_ref().unwrap().text();
    assert!(typed == "hosts " || typed == "host ", "{typed}");
    act(&mut s, vec![k(KeyCode::Esc)]);
    let mut keys = vec![ch(':')];
    keys.extend("hosts".chars().map(ch));
    keys.push(k(KeyCode::Enter));
    act(&mut s, keys);
    assert!(matches!(s.top(), Screen::Hosts { .. }));
    // Host names complete once known.
    let mut keys = vec![ch(':')];
    keys.extend("host agent-3".chars().map(ch));
    keys.push(k(KeyCode::Tab));
    act(&mut s, keys);
    assert_eq!(
        s.overlays.input.as_ref().unwrap().text(),
        format!("host {}", host(3))
    );
    act(&mut s, vec![k(KeyCode::Enter)]);
    assert!(matches!(s.top(), Screen::Host { host: h, .. } if *h == host(3)));
}

#[test]
fn a_401_names_the_admin_role() {
    let mut s = hosts_view(false, false);
    act(
        &mut s,
        vec![ch('g'), ch('m'), k(KeyCode::Right), k(KeyCode::Enter)],
    );
    let (id, op) = s.pending_mutations[0].clone();
    update(
        &mut s,
        Action::Mutated(Box::new(Mutated {
            id,
            op,
            outcome: MutationOutcome::AuthRequired {
                error: "authentication required".into(),
                tried: "none".into(),
                kerberos: false,
            },
        })),
    );
    let (title, lines) = s.overlays.notice.clone().expect("a notice");
    assert_eq!(title, "startMaintenance needs credentials");
    assert!(lines.iter().any(|l| l.contains("admin role")), "{lines:?}");
}

#[test]
fn every_active_task_is_polled_slower_than_the_maintenance_page() {
    let mut s = hosts_view(false, false);
    let polled = |s: &mut State, at: i64| -> Vec<ResourceKey> {
        update(s, Action::Tick(at))
            .into_iter()
            .filter_map(|e| match e {
                Effect::Fetch { key, .. } => Some(key),
                _ => None,
            })
            .collect()
    };
    let keys = polled(&mut s, T0 + 5_000);
    assert_eq!(keys, vec![ResourceKey::Maintenance]);
    let keys = answer_keys(&mut s, keys);
    assert_eq!(keys, vec![ResourceKey::Maintenance]);
    let keys = polled(&mut s, T0 + 15_000);
    assert!(keys.contains(&ResourceKey::ActiveTasks), "{keys:?}");
}

/// Answers fetches of `keys` (sent at the last tick) as `answer` does.
fn answer_keys(s: &mut State, keys: Vec<ResourceKey>) -> Vec<ResourceKey> {
    let fx: Vec<Effect> = keys
        .into_iter()
        .map(|key| {
            let generation = s.slot(&key).unwrap().generation;
            Effect::Fetch { key, generation }
        })
        .collect();
    answer(s, fx)
}

#[test]
fn actions_wait_for_the_hosts_tasks() {
    let mut s = hosts_view(false, false);
    // A host's tasks view whose tasks have not arrived yet.
    update(&mut s, Action::Open(Nav::Host(host(1))));
    update(&mut s, Action::Command(Command::DrainHosts));
    assert!(s.overlays.dialog.is_none());
    assert!(message(&s).contains("not loaded yet"), "{}", message(&s));
}
