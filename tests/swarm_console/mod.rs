//! The console on a real Swarm (issue 16, the console half): connected as `eos --docker=URL`
//! and as a `[clusters.NAME] docker = …` cluster, run in-process (`console::run_with` on
//! ratatui's `TestBackend`, keys through a channel) against the shared test engine.

// The operator's changes (scale, restart, rollback, node availability) from the console.
mod ops;
// `e`: a service's spec edited as JSON, its diff confirmed, the update watched.
mod edit;

use std::collections::BTreeMap;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossterm::event::{Event, KeyCode};
use eos::app::{Command, Nav, Screen, State};
use eos::config::{ClusterConfig, Config, Settings};
use eos::connection::{ConnectOptions, Connection, Connector};
use eos::console::{ConsoleOptions, run_with};
use eos::keymap::Keymap;
use eos::theme::{Theme, ThemeSet};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;

use crate::inprocess_common::{Keys, Screen as Frame, key, typed};
use crate::swarm_common::*;

// An idle console's cost to the daemon, through the counting proxy.
mod idle;
/// Swarm screens with what varies masked, for snapshots.
pub mod mask;
// Each view's whole first screen.
mod snapshots;
// The update screen, task detail, triage and `:updates` on the real engine.
mod views;
// `l` on tasks and services: the Engine's logs in the log pane.
mod logs;

/// Waits until the screen shows every one of `what`: polled every 50 ms, a bounded number of
/// times (the services' tasks must start first).
async fn wait_for(text: &Mutex<String>, what: &[&str]) {
    for _ in 0..1200 {
        let now = text.lock().unwrap().clone();
        if what.iter().all(|w| now.contains(w)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never shown: {what:?}\n{}", text.lock().unwrap());
}

fn options(docker: Option<String>, cluster: Option<String>) -> ConnectOptions {
    ConnectOptions {
        scheduler: None,
        cluster,
        ca_cert: None,
        protocol: Default::default(),
        connect_timeout: 5.0,
        timeout: 30.0,
        max_reply_mb: 64,
        docker,
    }
}

/// A config whose cluster `swarm-a` is the test engine.
fn config_with_swarm() -> Config {
    let mut clusters = BTreeMap::new();
    clusters.insert(
        "swarm-a".to_owned(),
        ClusterConfig {
            docker: Some(engine().host.clone()),
            ..Default::default()
        },
    );
    Config {
        clusters: clusters.into_iter().collect(),
        ..Default::default()
    }
}

fn console_options(start: Nav) -> ConsoleOptions {
    ConsoleOptions {
        clock: eos::effects::wall_clock(),
        keymap: Keymap::builtin(),
        themes: ThemeSet::single(Theme::builtin()),
        start,
        refresh_ms: 1_000,
        update_refresh_ms: None,
        read_only: false,
        settings: Settings::default(),
        audit: None,
        mouse: false,
        connector: None,
        known_clusters: Vec::new(),
    }
}

/// Runs the console on `conn` until `drive` is done, then quits it; the final state.
async fn console<F, Fut>(conn: Connection, start: Nav, drive: F) -> State
where
    F: FnOnce(mpsc::UnboundedSender<io::Result<Event>>, Arc<Mutex<String>>) -> Fut,
    Fut: std::future::Future<Output = mpsc::UnboundedSender<io::Result<Event>>>,
{
    let text = Arc::new(Mutex::new(String::new()));
    let mut frame = Frame {
        terminal: Terminal::new(TestBackend::new(140, 30)).unwrap(),
        text: text.clone(),
    };
    let (keys, rx) = mpsc::unbounded_channel();
    let run = run_with(&mut frame, Keys(rx), conn, console_options(start));
    let driver = async {
        let keys = drive(keys, text.clone()).await;
        keys.send(key(KeyCode::Char(':'))).unwrap();
        typed(&keys, "q!");
    };
    let (result, ()) = tokio::join!(run, driver);
    let (status, state) = result.unwrap();
    assert_eq!(status, 0);
    state
}

/// The rows of a screen's table (those whose id starts with `prefix`), with the cells of
/// `masked` columns (ids, ages, host names: different run to run) replaced by `<…>`.
fn rows_of(screen: &Screen, prefix: &str, masked: &[usize]) -> String {
    let table = screen.table().expect("a table view");
    table
        .view
        .iter()
        .map(|&i| &table.rows[i])
        .filter(|r| r.id.starts_with(prefix))
        .map(|r| {
            let cells: Vec<String> = r
                .cells
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    if masked.contains(&i) {
                        "<…>".into()
                    } else {
                        c.clone()
                    }
                })
                .collect();
            format!("{} [{}]", cells.join(" | "), r.style)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_console_opens_on_the_services_of_a_swarm() {
    let _g = shared().await;
    let web = service_name("console-services-web");
    let global = service_name("console-services-agent");
    for n in [&web, &global] {
        remove_service(n);
    }
    create_service(&web, 2, &[], &["sleep", "100000"]);
    docker(&[
        "service",
        "create",
        "--detach",
        "--quiet",
        "--no-resolve-image",
        "--mode",
        "global",
        "--name",
        &global,
        IMAGE_V1,
        "sleep",
        "100000",
    ]);

    // `eos --docker=URL`: the connector makes a Swarm backend whose home is the services.
    let connector = Connector::new(
        &options(Some(engine().host.clone()), None),
        &Config::default(),
    );
    let conn = connector.connect(None).await.unwrap();
    assert_eq!(conn.backend.endpoint(), engine().host);
    let home = conn.backend.home();
    assert_eq!(home, Nav::Services);

    let (w, g) = (web.clone(), global.clone());
    let state = console(conn, home.clone(), |keys, text| async move {
        wait_for(&text, &[&format!("{w} "), "2/2", &g, "1/1"]).await;
        // The service's tasks, one row per slot, then with their history.
        keys.send(key(KeyCode::Char(':'))).unwrap();
        typed(&keys, &format!("service {w}"));
        wait_for(&text, &["SLOT", "DESIRED"]).await;
        keys.send(key(KeyCode::Char('H'))).unwrap();
        wait_for(&text, &["(with history)"]).await;
        keys
    })
    .await;

    // The services view is the bottom of the stack: there are no roles to go back to, and
    // a `:` place opens right above it.
    assert!(
        matches!(state.stack[0], Screen::Services { .. }),
        "{:?}",
        state.stack[0]
    );
    assert!(
        matches!(state.top(), Screen::SwarmTasks { history: true, .. }),
        "{:?}",
        state.stack.iter().map(|s| s.crumb()).collect::<Vec<_>>()
    );
    assert_eq!(state.stack.len(), 2);
    // Ages and ids differ run to run; host names machine to machine.
    insta::assert_snapshot!(
        "swarm_console_services",
        rows_of(&state.stack[0], "eos-console-services-", &[5])
    );
    insta::assert_snapshot!("swarm_console_tasks", rows_of(state.top(), "", &[1, 5, 7]));

    // `:hosts` on a Swarm is the nodes view (a second console on the same engine).
    let conn = connector.connect(None).await.unwrap();
    let state = console(conn, home, |keys, text| async move {
        keys.send(key(KeyCode::Char(':'))).unwrap();
        typed(&keys, "hosts");
        wait_for(&text, &["AVAILABILITY", "leader"]).await;
        keys
    })
    .await;
    assert!(
        matches!(state.top(), Screen::Nodes { .. }),
        "{:?}",
        state.top()
    );
    // Host name, engine version and the task count (other tests' services) vary.
    insta::assert_snapshot!("swarm_console_nodes", rows_of(state.top(), "", &[0, 4, 5]));
    // What a Swarm cannot do is not offered (help, hints) and refused by the reducer.
    for c in [Command::PulseUpdate, Command::Quota, Command::Kill] {
        assert!(!state.offers(c), "{c:?} offered on a Swarm");
    }
    for n in [&web, &global] {
        remove_service(n);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_docker_cluster_of_the_config_is_a_swarm_for_cluster_and_switching() {
    let _g = shared().await;
    let config = config_with_swarm();
    // `--cluster swarm-a`
    let by_flag = Connector::new(&options(None, Some("swarm-a".into())), &config);
    let conn = by_flag.connect(None).await.unwrap();
    assert_eq!(conn.cluster.as_deref(), Some("swarm-a"));
    assert_eq!(conn.backend.home(), Nav::Services);
    assert_eq!(conn.backend.endpoint(), engine().host);
    // `:cluster swarm-a` from anywhere (here: a console started without a cluster).
    let other = Connector::new(&options(None, None), &config);
    let conn = other.switch_to("swarm-a").await.unwrap();
    assert_eq!(conn.cluster.as_deref(), Some("swarm-a"));
    assert_eq!(conn.backend.home(), Nav::Services);
    // A Swarm that is not there: the switch fails and says why.
    let mut gone = config.clone();
    gone.clusters.get_mut("swarm-a").unwrap().docker =
        Some("unix:///nonexistent/eos-test/docker.sock".into());
    let err = Connector::new(&options(None, None), &gone)
        .switch_to("swarm-a")
        .await
        .err()
        .expect("no engine there");
    assert!(err.contains("docker.sock"), "{err}");
}
