//! The Swarm views of issue 16 on the real engine: the live update screen watched through a
//! rolling update to its end (state, the slot grid filling in, the image in the spec diff), a
//! failing update seen paused there and in triage, a running task's detail, `:updates` and
//! `:job NAME`. The updates are started with the docker CLI (the fixture, not the code under
//! test): the console only watches.

use std::sync::Mutex;
use std::time::Duration;

use crossterm::event::KeyCode;
use eos::app::{Nav, Screen};
use eos::config::Config;
use eos::connection::Connector;

use super::{console, options, rows_of, wait_for};
use crate::inprocess_common::{key, typed};
use crate::swarm_common::*;

async fn connector() -> Connector {
    Connector::new(
        &options(Some(engine().host.clone()), None),
        &Config::default(),
    )
}

/// `N/3 slots on the new spec` as the screen shows it now, if it does.
fn progress_shown(text: &Mutex<String>) -> Option<String> {
    let now = text.lock().unwrap().clone();
    let at = now.find(" slots on the new spec")?;
    let start = now[..at].rfind(' ')? + 1;
    Some(now[start..at].to_owned())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_update_screen_watches_a_rolling_update_to_completion() {
    let _g = shared().await;
    let name = service_name("views-rolling");
    remove_service(&name);
    // A delay between slots, so the grid is seen filling in one slot at a time.
    create_service(
        &name,
        3,
        &["--update-parallelism", "1", "--update-delay", "3s"],
        &["sleep", "100000"],
    );
    let conn = connector().await.connect(None).await.unwrap();
    let n = name.clone();
    let state = console(conn, Nav::Services, |keys, text| async move {
        wait_for(&text, &[&format!("{n} "), "3/3"]).await;
        // `u` on the service: its update screen, before any update.
        keys.send(key(KeyCode::Char('/'))).unwrap();
        typed(&keys, &n);
        keys.send(key(KeyCode::Char('u'))).unwrap();
        wait_for(
            &text,
            &[
                &format!("update of {n}"),
                "never updated",
                "3/3 slots on the new spec",
                "parallelism 1 · delay 3s",
            ],
        )
        .await;
        docker(&[
            "service",
            "update",
            "--detach",
            "--quiet",
            "--no-resolve-image",
            "--image",
            IMAGE_V2,
            &n,
        ]);
        wait_for(&text, &["updating"]).await;
        let mut seen: Vec<String> = Vec::new();
        for _ in 0..2400 {
            if let Some(p) = progress_shown(&text)
                && seen.last() != Some(&p)
            {
                seen.push(p);
            }
            let now = text.lock().unwrap().clone();
            if now.contains("completed") && now.contains("3/3 slots on the new spec") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        wait_for(&text, &["completed", "3/3 slots on the new spec", "3✓"]).await;
        assert!(
            seen.iter().any(|p| p == "1/3" || p == "2/3"),
            "the grid never showed a partial rollout: {seen:?}"
        );
        // The spec diff: the image, before and after.
        let now = text.lock().unwrap().clone();
        assert!(
            now.lines()
                .any(|l| l.contains(" + ") && l.contains(IMAGE_V2))
                && now
                    .lines()
                    .any(|l| l.contains(" - ") && l.contains(IMAGE_V1)),
            "{now}"
        );
        // `:updates` lists it; Enter opens its update screen again; `:job NAME` its tasks.
        keys.send(key(KeyCode::Char(':'))).unwrap();
        typed(&keys, "updates");
        wait_for(&text, &["COMPLETED", "PROGRESS", &n]).await;
        keys.send(key(KeyCode::Char('/'))).unwrap();
        typed(&keys, &n);
        keys.send(key(KeyCode::Enter)).unwrap();
        wait_for(&text, &[&format!("update of {n}"), "3/3 slots"]).await;
        keys.send(key(KeyCode::Char(':'))).unwrap();
        typed(&keys, &format!("job {n}"));
        wait_for(&text, &["SLOT", "DESIRED", IMAGE_V2]).await;
        keys
    })
    .await;
    assert!(
        matches!(state.top(), Screen::SwarmTasks { service, .. } if *service == name),
        "{:?}",
        state.top()
    );
    remove_service(&name);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_update_is_seen_paused_on_its_screen_and_in_triage() {
    let _g = shared().await;
    let name = service_name("views-failing");
    remove_service(&name);
    create_service(
        &name,
        2,
        &[
            "--update-failure-action",
            "pause",
            "--update-monitor",
            "3s",
            "--update-parallelism",
            "1",
        ],
        &["sleep", "100000"],
    );
    let conn = connector().await.connect(None).await.unwrap();
    let n = name.clone();
    let state = console(conn, Nav::Services, |keys, text| async move {
        wait_for(&text, &[&format!("{n} "), "2/2"]).await;
        keys.send(key(KeyCode::Char(':'))).unwrap();
        typed(&keys, &format!("update {n}"));
        wait_for(&text, &[&format!("update of {n}"), "never updated"]).await;
        // The new tasks exit non-zero at once.
        docker(&[
            "service",
            "update",
            "--detach",
            "--quiet",
            "--no-resolve-image",
            "--image",
            IMAGE_V2,
            "--args",
            "false",
            &n,
        ]);
        wait_for(&text, &["paused", "update paused"]).await;
        keys.send(key(KeyCode::Char('T'))).unwrap();
        wait_for(&text, &["KIND", "UPDATE", "FAILED", "non-zero exit"]).await;
        keys
    })
    .await;
    assert!(
        matches!(state.top(), Screen::SwarmTriage { .. }),
        "{:?}",
        state.top()
    );
    // This test's rows (other tests' services may be in triage too).
    let mine = rows_of(state.top(), "", &[3]);
    let mine: Vec<&str> = mine.lines().filter(|l| l.contains(&name)).collect();
    assert!(
        mine.iter()
            .any(|l| l.starts_with(&format!("UPDATE | {name} | paused: update paused"))),
        "{mine:#?}"
    );
    assert!(
        mine.iter()
            .any(|l| l.starts_with("FAILED") && l.contains("non-zero exit")),
        "{mine:#?}"
    );
    remove_service(&name);
}

#[tokio::test(flavor = "multi_thread")]
async fn enter_on_a_running_task_shows_its_container_and_image() {
    let _g = shared().await;
    let name = service_name("views-task");
    remove_service(&name);
    create_service(&name, 1, &[], &["sleep", "100000"]);
    let conn = connector().await.connect(None).await.unwrap();
    let n = name.clone();
    let state = console(conn, Nav::Services, |keys, text| async move {
        wait_for(&text, &[&format!("{n} "), "1/1"]).await;
        keys.send(key(KeyCode::Char(':'))).unwrap();
        typed(&keys, &format!("service {n}"));
        wait_for(&text, &["SLOT", "running"]).await;
        keys.send(key(KeyCode::Enter)).unwrap();
        wait_for(&text, &["container", "HISTORY OF SLOT 1", IMAGE_V1]).await;
        keys
    })
    .await;
    let Screen::SwarmTask { id, .. } = state.top() else {
        panic!("{:?}", state.top());
    };
    // The container the Engine says the task runs.
    let container = docker(&[
        "inspect",
        "--format",
        "{{.Status.ContainerStatus.ContainerID}}",
        id,
    ]);
    assert!(container.len() >= 12, "{container:?}");
    let detail = match state.data(&eos::app::resource::ResourceKey::SwarmTask(id.clone())) {
        Some(eos::app::resource::Data::SwarmTask(d)) => d.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        detail.task.container_id.as_deref(),
        Some(container.as_str())
    );
    assert_eq!(detail.task.image, IMAGE_V1);
    assert_eq!(detail.service, name);
    assert_eq!(detail.command, ["sleep", "100000"]);
    assert!(detail.task.current_spec);
    remove_service(&name);
}
