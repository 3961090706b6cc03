//! Each Swarm view's first screen, whole (header, crumbs, headings, rows, footer), from the
//! live test swarm: the services, the nodes, a service's tasks and their history (`H`). The
//! services have names fixed here; what varies run to run or machine to machine is masked
//! (`mask::Masks`). `mod.rs` pins the rows' cells and styles; these pin the screens around them.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossterm::event::KeyCode;
use eos::app::Nav;
use eos::config::Config;
use eos::connection::Connector;

use super::mask::Masks;
use super::{console, options};
use crate::inprocess_common::{key, typed};
use crate::swarm_common::*;

const WEB: &str = "eos-snap-web";
const AGENT: &str = "eos-snap-agent";

/// Waits until `ready` holds for the screen (polled every 50 ms, a bounded number of times),
/// and returns that screen.
async fn screen_when(text: &Mutex<String>, what: &str, ready: impl Fn(&str) -> bool) -> String {
    for _ in 0..1200 {
        let now = text.lock().unwrap().clone();
        if ready(&now) {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never shown: {what}\n{}", text.lock().unwrap());
}

/// The header has had an answer (`Ns ago`), and the screen shows each of `what` `n` times.
fn shows(screen: &str, what: &[(&str, usize)]) -> bool {
    screen.contains("s ago") && what.iter().all(|(w, n)| screen.matches(w).count() == *n)
}

/// `docker service inspect` of one field (empty when Go's template has nothing there).
fn inspect(service: &str, format: &str) -> String {
    docker(&["service", "inspect", "--format", format, service])
}

#[tokio::test(flavor = "multi_thread")]
async fn the_first_screen_of_every_swarm_view() {
    // The services view and the nodes' task counts show the whole swarm: no other test's
    // services may come and go meanwhile.
    let _g = exclusive().await;
    for n in [WEB, AGENT] {
        remove_service(n);
    }
    create_service(WEB, 2, &[], &["sleep", "100000"]);
    docker(&[
        "service",
        "create",
        "--detach",
        "--quiet",
        "--no-resolve-image",
        "--name",
        AGENT,
        "--mode",
        "global",
        IMAGE_V1,
        "sleep",
        "100000",
    ]);
    // One rolling update to the second image, to its end: each slot of web then has a
    // history (the task it replaced).
    let limit = Duration::from_secs(120);
    wait_for("web's first tasks", limit, || {
        docker(&[
            "service",
            "ps",
            "-q",
            "--filter",
            "desired-state=running",
            WEB,
        ])
        .lines()
        .count()
            == 2
    });
    docker(&[
        "service",
        "update",
        "--detach",
        "--quiet",
        "--no-resolve-image",
        "--image",
        IMAGE_V2,
        WEB,
    ]);
    wait_for("web's update to complete", limit, || {
        inspect(WEB, "{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}") == "completed"
    });

    let conn = Connector::new(
        &options(Some(engine().host.clone()), None),
        &Config::default(),
    )
    .connect(None)
    .await
    .unwrap();
    let shots: Arc<Mutex<Vec<(&str, String)>>> = Arc::default();
    let taken = shots.clone();
    console(conn, Nav::Services, |keys, text| async move {
        let take = |name, screen| taken.lock().unwrap().push((name, screen));
        take(
            "swarm_screen_services",
            screen_when(&text, "the services", |s| {
                shows(s, &[(WEB, 1), (AGENT, 1), ("2/2", 1), ("1/1", 1)])
            })
            .await,
        );
        // The nodes before `H`: its footer note would stay on the next screen opened.
        keys.send(key(KeyCode::Char(':'))).unwrap();
        typed(&keys, "nodes");
        take(
            "swarm_screen_nodes",
            screen_when(&text, "the nodes", |s| {
                shows(s, &[("AVAILABILITY", 1), ("leader", 1)])
            })
            .await,
        );
        keys.send(key(KeyCode::Char(':'))).unwrap();
        typed(&keys, &format!("service {WEB}"));
        take(
            "swarm_screen_tasks",
            screen_when(&text, "web's tasks", |s| {
                shows(s, &[("DESIRED", 1), (IMAGE_V1, 0), (IMAGE_V2, 2)])
            })
            .await,
        );
        keys.send(key(KeyCode::Char('H'))).unwrap();
        take(
            "swarm_screen_tasks_history",
            screen_when(&text, "web's task history", |s| {
                shows(s, &[("(with history)", 1), (IMAGE_V1, 2), (IMAGE_V2, 2)])
            })
            .await,
        );
        keys
    })
    .await;
    for n in [WEB, AGENT] {
        remove_service(n);
    }
    let masks = Masks::engine();
    for (name, screen) in shots.lock().unwrap().iter() {
        insta::assert_snapshot!(*name, masks.apply(screen));
    }
}

#[test]
fn masks_replace_what_varies_and_keep_the_rest() {
    let screen = concat!(
        " Eos  …  unix:///tmp/eos-dockerd-x1/docker.sock ● ok 12ms      3s ago  LIVE \n",
        "  1  vm-build-7   running   running        12s  eos-test/busybox:2  k2j4h5g6f7d8\n",
        "  svc 0123456789abcdefghijklmno  2026-11-29T05:31:07.123Z  availability 20.10.24+dfsg1 \n",
        "\n",
        "   \n",
        "\n",
        " ? help\n",
    );
    let masked = Masks::none()
        .literal("unix:///tmp/eos-dockerd-x1/docker.sock", "<engine>")
        .literal("vm-build-7", "<hostname>")
        .literal("20.10.24+dfsg1", "<engine-version>")
        .apply(screen);
    assert_eq!(
        masked,
        concat!(
            " Eos  …  <engine> ● <health>  <t> ago  LIVE\n",
            "  1  <hostname>  running  running  <t>  eos-test/busybox:2  <id>\n",
            "  svc <id>  <time>  availability <engine-version>\n",
            "\n",
            " ? help",
        )
    );
}
