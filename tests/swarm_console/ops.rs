//! The operator's changes on a real Swarm, from the console (issue 16, "What the operator can
//! do"): keys → dialog → confirmation → the Engine, and the views showing what came of it.
//! Scale up and down, a global service refused before any dialog, a forced restart replacing
//! every task, a rollback, a node drained and activated, read-only refusing every write, what a
//! Swarm cannot do left out of help and hints, and the audit log holding one record per call
//! sent (two after an "update out of sequence" re-applied once).

use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossterm::event::{Event, KeyCode};
use eos::app::help::HelpRow;
use eos::app::{Command, Screen, State};
use eos::config::Config;
use eos::connection::{Connection, Connector};
use eos::console::{ConsoleOptions, run_with};
use eos::swarm::model;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;

use super::{console_options, options, wait_for};
use crate::inprocess_common::{Keys, Screen as Frame, key, typed};
use crate::swarm_common::proxy::Proxy;
use crate::swarm_common::*;
use crate::{LIMIT, client, running, socket, update_state, wait_running};

pub(super) type KeySender = mpsc::UnboundedSender<io::Result<Event>>;

/// Runs the console on `conn` with `opts` until `drive` is done, then quits it: the final
/// state and the frame's text when the drive ended.
pub(super) async fn run<F, Fut>(conn: Connection, opts: ConsoleOptions, drive: F) -> (State, String)
where
    F: FnOnce(KeySender, Arc<Mutex<String>>) -> Fut,
    Fut: std::future::Future<Output = KeySender>,
{
    let text = Arc::new(Mutex::new(String::new()));
    let mut frame = Frame {
        terminal: Terminal::new(TestBackend::new(140, 30)).unwrap(),
        text: text.clone(),
    };
    let (keys, rx) = mpsc::unbounded_channel();
    let run = run_with(&mut frame, Keys(rx), conn, opts);
    let t = text.clone();
    let driver = async move {
        let keys = drive(keys, t.clone()).await;
        // The frame as the drive left it, before `:` covers the bottom line.
        let last = t.lock().unwrap().clone();
        keys.send(key(KeyCode::Char(':'))).unwrap();
        typed(&keys, "q!");
        last
    };
    let (result, last) = tokio::join!(run, driver);
    let (status, state) = result.unwrap();
    assert_eq!(status, 0);
    (state, last)
}

pub(super) async fn connect_to(host: &str) -> Connection {
    Connector::new(&options(Some(host.to_owned()), None), &Config::default())
        .connect(None)
        .await
        .unwrap()
}

/// The console's options with the audit log at `audit`.
pub(super) fn audited(audit: &Path) -> ConsoleOptions {
    let mut o = console_options(eos::app::Nav::Services);
    o.audit = Some(audit.to_owned());
    o
}

pub(super) fn press(keys: &KeySender, c: char) {
    keys.send(key(KeyCode::Char(c))).unwrap();
}

/// `:service NAME`, then waits until its tasks view shows `n` tasks running as desired.
pub(super) async fn open_service(keys: &KeySender, text: &Mutex<String>, name: &str, n: usize) {
    press(keys, ':');
    typed(keys, &format!("service {name}"));
    wait_for(text, &["SLOT", "DESIRED", name]).await;
    wait_running_rows(text, n).await;
}

/// Rows of the tasks view whose desired and current state are both `running`.
fn running_rows(screen: &str) -> usize {
    screen
        .lines()
        .filter(|l| l.matches(" running ").count() >= 2)
        .count()
}

/// Waits until the tasks view shows exactly `n` running tasks (polled, bounded).
async fn wait_running_rows(text: &Mutex<String>, n: usize) {
    for _ in 0..2400 {
        if running_rows(&text.lock().unwrap()) == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never {n} running rows:\n{}", text.lock().unwrap().as_str());
}

/// Waits until the bottom line is the hint bar again (the last message has gone: it stays
/// five seconds), so the test reads the hints rather than the message.
pub(super) async fn wait_hints(text: &Mutex<String>) {
    for _ in 0..2400 {
        let now = text.lock().unwrap().clone();
        if now.lines().last().is_some_and(|l| l.contains("? help")) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "the hint bar never came back:\n{}",
        text.lock().unwrap().as_str()
    );
}

/// Answers the open confirmation: types `phrase` when one is asked for (focus is then on the
/// field, and Enter moves to the armed button), else moves from Cancel to the button.
pub(super) fn confirm(keys: &KeySender, phrase: Option<&str>) {
    match phrase {
        Some(p) => typed(keys, p),
        None => keys.send(key(KeyCode::Right)).unwrap(),
    }
    keys.send(key(KeyCode::Enter)).unwrap();
}

pub(super) fn said(state: &State, what: &str) -> bool {
    state.messages.entries.iter().any(|m| m.text.contains(what))
}

pub(super) fn audit_entries(log: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn help_names(state: &State) -> Vec<String> {
    state
        .help_rows()
        .into_iter()
        .filter_map(|r| match r {
            HelpRow::Key { name, .. } => Some(name.to_owned()),
            HelpRow::Entry { what, .. } => Some(what),
            HelpRow::Heading(_) => None,
        })
        .collect()
}

pub(super) async fn version_of(name: &str) -> u64 {
    let c = client().await;
    let (svc, _) = c.service(name).await.unwrap();
    model::service_row(&svc).version
}

async fn replicas_of(name: &str) -> Option<i64> {
    let c = client().await;
    let (svc, _) = c.service(name).await.unwrap();
    svc.spec?.mode?.replicated?.replicas
}

#[tokio::test(flavor = "multi_thread")]
async fn scale_up_and_down_from_the_console_one_audit_record_each() {
    let _g = shared().await;
    let name = service_name("ops-scale");
    remove_service(&name);
    create_service(&name, 1, &[], &["sleep", "100000"]);
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("audit.log");
    let conn = connect_to(&engine().host).await;
    let n = name.clone();
    let (state, last) = run(conn, audited(&log), |keys, text| async move {
        open_service(&keys, &text, &n, 1).await;
        // Up: the count prompt (it shows the current count), then an untyped confirmation.
        press(&keys, 's');
        wait_for(&text, &["has 1 active instances"]).await;
        keys.send(key(KeyCode::Backspace)).unwrap();
        typed(&keys, "3");
        wait_for(
            &text,
            &["Scale to 3", "POST /services/{id}/update", "1 → 3"],
        )
        .await;
        confirm(&keys, None);
        wait_for(&text, &[&format!("scale {n} to 3: done")]).await;
        wait_running_rows(&text, 3).await;
        // Down to 1 stops 2 of 3: more than half, so the name and the count are typed.
        press(&keys, 's');
        wait_for(&text, &["has 3 active instances"]).await;
        keys.send(key(KeyCode::Backspace)).unwrap();
        typed(&keys, "1");
        wait_for(
            &text,
            &["2 tasks stopped and removed", "type its name and the count"],
        )
        .await;
        confirm(&keys, Some(&format!("{n} 2")));
        wait_for(&text, &[&format!("scale {n} to 1: done")]).await;
        wait_running_rows(&text, 1).await;
        wait_hints(&text).await;
        keys
    })
    .await;
    assert_eq!(replicas_of(&name).await, Some(1));
    // One record per call sent, naming the Engine call with the service's id.
    let entries = audit_entries(&log);
    assert_eq!(entries.len(), 2, "{entries:?}");
    let id = client().await.service(&name).await.unwrap().0.id.unwrap();
    for (e, n) in entries.iter().zip([3, 1]) {
        assert_eq!(e["method"], format!("POST /services/{id}/update"));
        assert_eq!(e["response_code"], "OK");
        assert_eq!(e["arguments"]["replicas"], n);
        assert_eq!(e["arguments"]["attempt"], 1);
    }

    // What a Swarm cannot do is not offered on its views; what it can is.
    assert!(matches!(state.top(), Screen::SwarmTasks { .. }));
    let help = help_names(&state);
    for absent in [
        "kill",
        "pulse_update",
        "hold_pulses",
        "pause_update",
        "roll_restart",
        ":quota",
        ":kill-job",
        ":cron-start",
        ":restart",
    ] {
        assert!(!help.iter().any(|h| h == absent), "{absent} in {help:?}");
    }
    for present in ["scale", "restart", "rollback_update"] {
        assert!(
            help.iter().any(|h| h == present),
            "{present} not in {help:?}"
        );
    }
    for c in [Command::Kill, Command::PulseUpdate, Command::Quota] {
        assert!(!state.offers(c), "{c:?}");
    }
    let hints = last.lines().last().unwrap_or_default();
    assert!(
        hints.contains(" scale ") && hints.contains(" restart "),
        "{hints}"
    );
    assert!(
        !hints.contains(" kill ") && !hints.contains(" pulse "),
        "{hints}"
    );
    remove_service(&name);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_global_service_is_refused_before_any_dialog_and_nothing_is_sent() {
    let _g = shared().await;
    let name = service_name("ops-global");
    remove_service(&name);
    docker(&[
        "service",
        "create",
        "--detach",
        "--quiet",
        "--no-resolve-image",
        "--mode",
        "global",
        "--name",
        &name,
        IMAGE_V1,
        "sleep",
        "100000",
    ]);
    let before = version_of(&name).await;
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("audit.log");
    let conn = connect_to(&engine().host).await;
    let n = name.clone();
    let (state, _) = run(conn, audited(&log), |keys, text| async move {
        // From the services view (filtered to it) and from its tasks view.
        wait_for(&text, &[&n]).await;
        press(&keys, '/');
        typed(&keys, &n);
        press(&keys, 's');
        wait_for(&text, &["is a global service"]).await;
        open_service(&keys, &text, &n, 1).await;
        press(&keys, 's');
        wait_for(&text, &["is a global service"]).await;
        keys
    })
    .await;
    assert!(said(
        &state,
        &format!(
            "{name} is a global service: it runs one task on every eligible node and has no replica count to scale"
        )
    ));
    assert!(
        state.overlays.dialog.is_none(),
        "{:?}",
        state.overlays.dialog
    );
    assert!(state.pending_mutations.is_empty());
    assert_eq!(version_of(&name).await, before, "nothing was sent");
    assert!(audit_entries(&log).is_empty());
    remove_service(&name);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forced_restart_from_the_console_replaces_every_task() {
    let _g = shared().await;
    let name = service_name("ops-restart");
    remove_service(&name);
    create_service(&name, 2, &[], &["sleep", "100000"]);
    let c = client().await;
    wait_running(&c, &name, 2).await;
    let before: Vec<String> = running(&c, &name).await.into_iter().map(|t| t.id).collect();
    let conn = connect_to(&engine().host).await;
    let n = name.clone();
    let (state, _) = run(
        conn,
        console_options(eos::app::Nav::Services),
        |keys, text| {
            async move {
                open_service(&keys, &text, &n, 2).await;
                press(&keys, 'r');
                // Every replica of 2: typed name and count, and the dialog says why.
                wait_for(
                    &text,
                    &[
                        "Restart all 2 tasks",
                        "Swarm cannot restart one task",
                        "ForceUpdate + 1",
                    ],
                )
                .await;
                confirm(&keys, Some(&format!("{n} 2")));
                wait_for(&text, &[&format!("restart {n} (forced update): done")]).await;
                keys
            }
        },
    )
    .await;
    assert!(said(&state, "(forced update): done"));
    let (svc, _) = c.service(&name).await.unwrap();
    assert_eq!(
        svc.spec.unwrap().task_template.unwrap().force_update,
        Some(1)
    );
    wait_until("every task replaced", LIMIT, || async {
        let now = running(&c, &name).await;
        now.len() == 2 && now.iter().all(|t| !before.contains(&t.id))
    })
    .await;
    remove_service(&name);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rollback_from_the_console_goes_back_to_the_previous_spec() {
    let _g = shared().await;
    let name = service_name("ops-rollback");
    remove_service(&name);
    create_service(&name, 2, &[], &["sleep", "100000"]);
    let c = client().await;
    wait_running(&c, &name, 2).await;
    docker(&[
        "service",
        "update",
        "--detach",
        "--quiet",
        "--no-resolve-image",
        "--image",
        IMAGE_V2,
        &name,
    ]);
    wait_until("the update to complete", LIMIT, || async {
        update_state(&c, &name).await.as_deref() == Some("completed")
    })
    .await;
    wait_running(&c, &name, 2).await;
    let conn = connect_to(&engine().host).await;
    let n = name.clone();
    run(
        conn,
        console_options(eos::app::Nav::Services),
        |keys, text| async move {
            open_service(&keys, &text, &n, 2).await;
            press(&keys, 'b');
            wait_for(&text, &["Roll back the service", "rollback=previous"]).await;
            confirm(&keys, Some(&format!("{n} 2")));
            wait_for(&text, &[&format!("roll back {n}: done")]).await;
            keys
        },
    )
    .await;
    wait_until("the rollback to complete", LIMIT, || async {
        update_state(&c, &name).await.as_deref() == Some("rollback_completed")
    })
    .await;
    wait_running(&c, &name, 2).await;
    assert!(running(&c, &name).await.iter().all(|t| t.image == IMAGE_V1));
    remove_service(&name);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_node_drained_and_activated_from_the_console() {
    let _g = exclusive().await;
    let name = service_name("ops-drain");
    remove_service(&name);
    create_service(&name, 1, &[], &["sleep", "100000"]);
    let c = client().await;
    wait_running(&c, &name, 1).await;
    let nodes = c.nodes().await.unwrap();
    let row = model::node_rows(&nodes, &c.all_tasks().await.unwrap()).remove(0);
    // More than five tasks moving asks for the node's name.
    let phrase = (row.tasks > 5).then(|| row.hostname.split('.').next().unwrap().to_owned());
    let conn = connect_to(&engine().host).await;
    let (state, _) = run(
        conn,
        console_options(eos::app::Nav::Services),
        |keys, text| {
            let (c, name) = (&c, &name);
            async move {
                press(&keys, ':');
                typed(&keys, "nodes");
                wait_for(&text, &["AVAILABILITY", "leader"]).await;
                press(&keys, 'D');
                wait_for(
                    &text,
                    &[
                        "Drain the node",
                        "will be stopped and rescheduled",
                        "no other node is active",
                    ],
                )
                .await;
                confirm(&keys, phrase.as_deref());
                wait_for(&text, &["to drain: done"]).await;
                wait_running(c, name, 0).await;
                wait_for(&text, &[" drain "]).await;
                press(&keys, 'M');
                wait_for(&text, &["Activate the node", "it takes new tasks again"]).await;
                confirm(&keys, None);
                wait_for(&text, &["to active: done"]).await;
                wait_running(c, name, 1).await;
                keys
            }
        },
    )
    .await;
    assert!(said(&state, "to drain: done") && said(&state, "to active: done"));
    let node = c.node(&row.id).await.unwrap();
    assert_eq!(model::node_rows(&[node], &[])[0].availability, "active");
    remove_service(&name);
}

#[tokio::test(flavor = "multi_thread")]
async fn read_only_refuses_every_write_and_sends_nothing() {
    let _g = shared().await;
    let name = service_name("ops-readonly");
    remove_service(&name);
    create_service(&name, 1, &[], &["sleep", "100000"]);
    let before = version_of(&name).await;
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("audit.log");
    let mut opts = audited(&log);
    opts.read_only = true;
    let conn = connect_to(&engine().host).await;
    let n = name.clone();
    let (state, last) = run(conn, opts, |keys, text| async move {
        open_service(&keys, &text, &n, 1).await;
        for k in ['s', 'r', 'b'] {
            press(&keys, k);
        }
        press(&keys, ':');
        typed(&keys, "nodes");
        wait_for(&text, &["AVAILABILITY"]).await;
        for k in ['D', 'm', 'M'] {
            press(&keys, k);
        }
        wait_for(&text, &["read-only: end_maint is disabled"]).await;
        wait_hints(&text).await;
        keys
    })
    .await;
    for c in [
        "scale",
        "restart",
        "rollback_update",
        "drain_hosts",
        "start_maint",
        "end_maint",
    ] {
        assert!(
            said(&state, &format!("read-only: {c} is disabled")),
            "{c}: {:?}",
            state.messages.entries
        );
    }
    assert!(state.overlays.dialog.is_none());
    assert!(state.pending_mutations.is_empty());
    assert_eq!(version_of(&name).await, before, "nothing was sent");
    assert!(audit_entries(&log).is_empty());
    // Nor are they offered.
    let hints = last.lines().last().unwrap_or_default();
    assert!(!hints.contains(" drain "), "{hints}");
    assert!(!state.offers(Command::Scale));
    remove_service(&name);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_out_of_sequence_scale_is_reapplied_once_and_audited_twice() {
    let _g = shared().await;
    let name = service_name("ops-sequence");
    remove_service(&name);
    create_service(&name, 1, &[], &["sleep", "100000"]);
    let c = client().await;
    wait_running(&c, &name, 1).await;
    // Just before the first update request reaches the Engine, someone else changes the
    // service (a label: no rollout), so the version the console's write read is stale.
    let bumps = Arc::new(AtomicU32::new(0));
    let (b, n) = (bumps.clone(), name.clone());
    let hook: crate::swarm_common::proxy::Hook = Arc::new(move || {
        if b.fetch_add(1, Ordering::SeqCst) == 0 {
            docker(&[
                "service",
                "update",
                "--detach",
                "--no-resolve-image",
                "--label-add",
                "bump=console",
                &n,
            ]);
        }
    });
    let proxy = Proxy::start(socket(), 0, Some(hook)).await;
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("audit.log");
    let conn = connect_to(&format!("tcp://127.0.0.1:{}", proxy.port)).await;
    let n = name.clone();
    let (state, _) = run(conn, audited(&log), |keys, text| async move {
        open_service(&keys, &text, &n, 1).await;
        press(&keys, 's');
        wait_for(&text, &["has 1 active instances"]).await;
        keys.send(key(KeyCode::Backspace)).unwrap();
        typed(&keys, "2");
        wait_for(&text, &["Scale to 2"]).await;
        confirm(&keys, None);
        wait_for(&text, &[&format!("scale {n} to 2: done")]).await;
        wait_running_rows(&text, 2).await;
        keys
    })
    .await;
    proxy.stop().await;
    assert!(
        said(&state, "update out of sequence") && said(&state, "re-applied once"),
        "{:?}",
        state.messages.entries
    );
    assert_eq!(bumps.load(Ordering::SeqCst), 2, "two update requests sent");
    assert_eq!(replicas_of(&name).await, Some(2));
    let entries = audit_entries(&log);
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert_eq!(entries[0]["response_code"], "HTTP_500");
    assert_eq!(entries[0]["arguments"]["attempt"], 1);
    assert_eq!(entries[1]["response_code"], "OK");
    assert_eq!(entries[1]["arguments"]["attempt"], 2);
    assert_eq!(entries[1]["arguments"]["replicas"], 2);
    remove_service(&name);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_prod_swarm_asks_for_the_service_name_even_to_scale_up() {
    let _g = shared().await;
    let name = service_name("ops-prod");
    remove_service(&name);
    create_service(&name, 1, &[], &["sleep", "100000"]);
    // `[clusters.swarm-a] docker = …, prod = true`, connected as `--cluster swarm-a`.
    let mut config = super::config_with_swarm();
    config.clusters.get_mut("swarm-a").unwrap().prod = Some(true);
    let conn = Connector::new(&options(None, Some("swarm-a".into())), &config)
        .connect(None)
        .await
        .unwrap();
    let mut opts = console_options(eos::app::Nav::Services);
    opts.settings = eos::config::Settings {
        config,
        ..Default::default()
    };
    let n = name.clone();
    let (state, _) = run(conn, opts, |keys, text| async move {
        open_service(&keys, &text, &n, 1).await;
        press(&keys, 's');
        wait_for(&text, &["has 1 active instances"]).await;
        keys.send(key(KeyCode::Backspace)).unwrap();
        typed(&keys, "2");
        wait_for(&text, &["Scale to 2", "swarm-a is a production cluster"]).await;
        // Nothing typed yet: Enter neither sends nor cancels.
        keys.send(key(KeyCode::Enter)).unwrap();
        confirm(&keys, Some(&n));
        wait_for(&text, &[&format!("scale {n} to 2: done")]).await;
        wait_running_rows(&text, 2).await;
        keys
    })
    .await;
    assert!(state.prod_cluster);
    assert_eq!(replicas_of(&name).await, Some(2));
    remove_service(&name);
}
