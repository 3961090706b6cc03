//! The Swarm views of issue 16 in the reducer, with hand-made Engine objects (no Engine): the
//! live update screen (`u` on a service), a task's detail (Enter on a task), triage (`T`),
//! the updates list (`U`, `:updates`) and `:job NAME` / `:update NAME` naming a service.

use crossterm::event::KeyCode;
use eos::app::resource::{Data, ResourceKey};
use eos::app::{Action, Effect, Fetched, Freshness, Nav, Screen, State, update};
use eos::keymap::Keymap;
use eos::swarm::model::{self, ServiceRow, TaskRow, Triage, TriageTask};
use serde_json::json;

use crate::reducer_common::{ch, draw_sized, k, message};

/// 2026-01-01T00:02:00Z in ms: two minutes into the hand-made update.
const T0: i64 = 1_767_225_720_000;

fn swarm() -> State {
    let mut s = State::new(
        "unix:///run/docker.sock",
        Keymap::builtin(),
        Nav::Services,
        T0,
    );
    update(&mut s, Action::Resize(140, 40));
    update(&mut s, Action::Tick(T0));
    s
}

/// Answers the request in flight for `key` with `result`.
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

fn line(s: &mut State, text: &str) {
    update(s, ch(':'));
    for c in text.chars() {
        update(s, ch(c));
    }
    update(s, k(KeyCode::Enter));
}

fn service_row(name: &str) -> ServiceRow {
    ServiceRow {
        id: format!("id-{name}"),
        name: name.into(),
        mode: model::Mode::Replicated(2),
        running: Some(2),
        desired: Some(2),
        image: "img:2".into(),
        update_state: Some("updating".into()),
        update_message: Some("update in progress".into()),
        last_change: Some("2026-01-01T00:00:00Z".into()),
        version: 7,
    }
}

fn task_json(
    id: &str,
    slot: i64,
    desired: &str,
    state: &str,
    created: &str,
    image: &str,
) -> bollard::models::Task {
    serde_json::from_value(json!({
        "ID": id, "ServiceID": "id-web", "Slot": slot, "NodeID": "n1",
        "CreatedAt": created, "DesiredState": desired,
        "Status": {"State": state, "Message": state, "Timestamp": created,
                   "Err": if state == "failed" { "task: non-zero exit (1)" } else { "" },
                   "ContainerStatus": {"ContainerID": format!("c-{id}"), "ExitCode": if state == "failed" { 1 } else { 0 }}},
        "Spec": {"ContainerSpec": {"Image": image, "Args": ["sleep", "100000"]}}
    }))
    .unwrap()
}

/// `web` two minutes into an update from img:1 to img:2: slot 1 done, slot 2 not yet.
fn web_update(state: &str) -> model::UpdateView {
    let svc = json!({
        "ID": "id-web", "Version": {"Index": 7},
        "Spec": {"Name": "web", "Mode": {"Replicated": {"Replicas": 2}},
                 "TaskTemplate": {"ContainerSpec": {"Image": "img:2", "Args": ["sleep", "100000"]}},
                 "UpdateConfig": {"Parallelism": 1, "Delay": 0, "FailureAction": "pause",
                                  "Monitor": 1_000_000_000u64, "MaxFailureRatio": 0, "Order": "stop-first"}},
        "PreviousSpec": {"Name": "web", "Mode": {"Replicated": {"Replicas": 2}},
                 "TaskTemplate": {"ContainerSpec": {"Image": "img:1", "Args": ["sleep", "100000"]}}},
        "UpdateStatus": {"State": state, "StartedAt": "2026-01-01T00:00:00Z", "Message": "update in progress"}
    });
    let tasks = [
        task_json(
            "a1",
            1,
            "running",
            "running",
            "2026-01-01T00:01:00Z",
            "img:2",
        ),
        task_json(
            "b1",
            2,
            "running",
            "running",
            "2025-12-31T23:00:00Z",
            "img:1",
        ),
    ];
    model::update_view(&svc, &tasks).unwrap()
}

fn task_row(id: &str, slot: i64, state: &str, created: &str) -> TaskRow {
    let t = task_json(id, slot, "running", state, created, "img:2");
    model::task_rows(&[t], &[], None).pop().unwrap()
}

#[test]
fn u_on_a_service_opens_its_live_update_screen_polled_at_the_update_pace() {
    let mut s = swarm();
    give(
        &mut s,
        ResourceKey::SwarmServices,
        Ok(Data::SwarmServices(vec![service_row("web")])),
    );
    // The footer offers it.
    let screen = draw_sized(&s, 140, 40);
    assert!(screen.contains("u update"), "{screen}");
    update(&mut s, ch('u'));
    assert!(
        matches!(s.top(), Screen::SwarmUpdate { service, .. } if service == "web"),
        "{:?}",
        s.top()
    );
    let key = ResourceKey::SwarmUpdate("web".into());
    let screen = draw_sized(&s, 140, 40);
    assert!(screen.contains("loading"), "{screen}");
    give(
        &mut s,
        key.clone(),
        Ok(Data::SwarmUpdate(Box::new(web_update("updating")))),
    );
    let screen = draw_sized(&s, 140, 40);
    for want in [
        "update of web",
        "updating",
        "started 2m ago",
        "update in progress",
        "1/2 slots on the new spec",
        "about 2m left at the current pace",
        "parallelism 1 · delay 0s · order stop-first",
        "pause · monitor 1s · max failure ratio 0",
        "SLOTS",
        "1✓",
        "2·",
        "SPEC CHANGE (PreviousSpec → Spec)",
    ] {
        assert!(screen.contains(want), "{want:?} missing:\n{screen}");
    }
    assert!(
        screen
            .lines()
            .any(|l| l.contains("+ ") && l.contains("img:2"))
            && screen
                .lines()
                .any(|l| l.contains("- ") && l.contains("img:1")),
        "{screen}"
    );
    // An update in progress is polled at the update screen's pace, a finished one at the
    // ordinary one (as Aurora's update screen).
    let (fast, slow) = (s.update_refresh_ms, s.refresh_ms);
    assert!(fast < slow);
    let slot = s.slot(&key).unwrap();
    assert_eq!(slot.next_due, slot.loaded_at.unwrap() + fast);
    update(&mut s, Action::Tick(T0 + fast));
    give(
        &mut s,
        key.clone(),
        Ok(Data::SwarmUpdate(Box::new(web_update("completed")))),
    );
    let slot = s.slot(&key).unwrap();
    assert_eq!(slot.next_due, slot.loaded_at.unwrap() + slow);
    // A failed refresh keeps the update on screen and says it is stale.
    update(&mut s, Action::Tick(T0 + fast + slow));
    give(&mut s, key, Err("cannot reach the Docker Engine".into()));
    assert!(
        matches!(s.freshness(), Freshness::Stale { .. }),
        "{:?}",
        s.freshness()
    );
    assert!(draw_sized(&s, 140, 40).contains("STALE"));
    // `t`: the service's tasks.
    update(&mut s, ch('t'));
    assert!(
        matches!(s.top(), Screen::SwarmTasks { service, .. } if service == "web"),
        "{:?}",
        s.top()
    );
}

#[test]
fn enter_on_a_task_opens_its_detail_with_the_slot_history() {
    let mut s = swarm();
    give(
        &mut s,
        ResourceKey::SwarmServices,
        Ok(Data::SwarmServices(vec![service_row("web")])),
    );
    line(&mut s, "service web");
    give(
        &mut s,
        ResourceKey::SwarmTasks("web".into()),
        Ok(Data::SwarmTasks(vec![
            task_row("new1", 1, "running", "2026-01-01T00:01:00Z"),
            task_row("old1", 1, "failed", "2026-01-01T00:00:00Z"),
        ])),
    );
    update(&mut s, k(KeyCode::Enter));
    assert!(
        matches!(s.top(), Screen::SwarmTask { id, .. } if id == "new1"),
        "{:?}",
        s.top()
    );
    let all = [
        task_json(
            "new1",
            1,
            "running",
            "running",
            "2026-01-01T00:01:00Z",
            "img:2",
        ),
        task_json(
            "old1",
            1,
            "shutdown",
            "failed",
            "2026-01-01T00:00:00Z",
            "img:1",
        ),
        task_json(
            "other",
            2,
            "running",
            "running",
            "2026-01-01T00:00:30Z",
            "img:2",
        ),
    ];
    let svc: bollard::models::Service = serde_json::from_value(json!({
        "ID": "id-web", "Spec": {"Name": "web",
            "TaskTemplate": {"ContainerSpec": {"Image": "img:2", "Args": ["sleep", "100000"]}}}
    }))
    .unwrap();
    let detail = model::task_detail(&all[0], Some(&svc), &all, &[]);
    give(
        &mut s,
        ResourceKey::SwarmTask("new1".into()),
        Ok(Data::SwarmTask(Box::new(detail))),
    );
    let screen = draw_sized(&s, 140, 40);
    for want in [
        "task new1",
        "service         web",
        "slot            1",
        "c-new1",
        "img:2",
        "sleep 100000",
        "the service's current spec",
        "HISTORY OF SLOT 1",
        "task: non-zero exit (1) (exit 1)",
        "◀ this task",
    ] {
        assert!(screen.contains(want), "{want:?} missing:\n{screen}");
    }
    // The other slot's task is not this slot's history.
    assert!(!screen.contains("other"), "{screen}");
    assert_eq!(update(&mut s, ch('y')), vec![Effect::Copy("new1".into())]);
}

#[test]
fn triage_on_a_swarm_lists_stuck_updates_pending_and_failed_tasks() {
    let mut s = swarm();
    update(&mut s, ch('T'));
    assert!(
        matches!(s.top(), Screen::SwarmTriage { .. }),
        "{:?}",
        s.top()
    );
    let task = |service: &str, slot: i64, state: &str, reason: &str, since: &str| TriageTask {
        service: service.into(),
        task_id: format!("{service}-{slot}-{since}"),
        slot: Some(slot),
        state: state.into(),
        reason: reason.into(),
        since: Some(since.into()),
    };
    let no_node = "no suitable node (insufficient resources on 2 nodes)";
    let triage = Triage {
        pending: vec![
            task("big", 3, "pending", no_node, "2026-01-01T00:01:00Z"),
            task("big", 4, "pending", no_node, "2026-01-01T00:00:00Z"),
        ],
        failing: vec![
            task(
                "web",
                2,
                "failed",
                "task: non-zero exit (1)",
                "2026-01-01T00:01:30Z",
            ),
            task(
                "web",
                1,
                "failed",
                "task: non-zero exit (2)",
                "2026-01-01T00:00:30Z",
            ),
        ],
        updates: vec![(
            "web".into(),
            "paused".into(),
            "update paused due to failure".into(),
        )],
    };
    give(
        &mut s,
        ResourceKey::SwarmTriage,
        Ok(Data::SwarmTriage(Box::new(triage))),
    );
    let t = s.top().table().unwrap();
    let rows: Vec<Vec<String>> = t.view.iter().map(|&i| t.rows[i].cells.clone()).collect();
    assert_eq!(
        rows,
        vec![
            vec!["UPDATE", "web", "paused: update paused due to failure", ""],
            vec![
                "PENDING",
                "big slots 3,4",
                &format!("2 pending: {no_node}"),
                "2m"
            ],
            vec![
                "FAILED",
                "web slots 1,2",
                "2 failed tasks retained · last: task: non-zero exit (1)",
                "30s"
            ],
        ]
    );
    // Enter on a task row: the service's tasks; on the update: its update screen.
    update(&mut s, ch('j'));
    update(&mut s, k(KeyCode::Enter));
    assert!(
        matches!(s.top(), Screen::SwarmTasks { service, .. } if service == "big"),
        "{:?}",
        s.top()
    );
    update(&mut s, ch('q'));
    update(&mut s, ch('g'));
    update(&mut s, k(KeyCode::Enter));
    assert!(
        matches!(s.top(), Screen::SwarmUpdate { service, .. } if service == "web"),
        "{:?}",
        s.top()
    );
}

#[test]
fn updates_list_and_service_names_on_the_command_line() {
    let mut s = swarm();
    give(
        &mut s,
        ResourceKey::SwarmServices,
        Ok(Data::SwarmServices(vec![
            service_row("web"),
            service_row("db"),
        ])),
    );
    line(&mut s, "updates");
    assert!(
        matches!(s.top(), Screen::SwarmUpdates { .. }),
        "{:?}",
        s.top()
    );
    give(
        &mut s,
        ResourceKey::SwarmUpdates,
        Ok(Data::SwarmUpdates(vec![web_update("updating")])),
    );
    let t = s.top().table().unwrap();
    let row = &t.rows[t.view[0]];
    assert_eq!(
        row.cells,
        ["web", "updating", "2m", "", "1/2", "update in progress"]
    );
    update(&mut s, k(KeyCode::Enter));
    assert!(
        matches!(s.top(), Screen::SwarmUpdate { service, .. } if service == "web"),
        "{:?}",
        s.top()
    );
    // `U` is the same list.
    update(&mut s, ch('U'));
    assert!(
        matches!(s.top(), Screen::SwarmUpdates { .. }),
        "{:?}",
        s.top()
    );
    // Tab completes a service's name.
    update(&mut s, ch(':'));
    for c in "job d".chars() {
        update(&mut s, ch(c));
    }
    update(&mut s, k(KeyCode::Tab));
    assert_eq!(
        s.overlays.input.as_ref().map(|i| i.text()).as_deref(),
        Some("job db")
    );
    update(&mut s, k(KeyCode::Esc));
    // `:job NAME` and `:tasks NAME` name a service's tasks, `:update NAME` its update.
    line(&mut s, "job db");
    assert!(
        matches!(s.top(), Screen::SwarmTasks { service, .. } if service == "db"),
        "{:?}",
        s.top()
    );
    line(&mut s, "update web");
    assert!(
        matches!(s.top(), Screen::SwarmUpdate { service, .. } if service == "web"),
        "{:?}",
        s.top()
    );
    // A service the Swarm does not have is said so, and the view stays.
    line(&mut s, "job nosuch");
    give(
        &mut s,
        ResourceKey::SwarmServices,
        Ok(Data::SwarmServices(vec![
            service_row("web"),
            service_row("db"),
        ])),
    );
    assert!(message(&s).contains("no service nosuch"), "{}", message(&s));
    assert!(
        matches!(s.top(), Screen::SwarmUpdate { .. }),
        "{:?}",
        s.top()
    );
    assert_eq!(s.stack.len(), 2);
}
