//! `eos clusters` and `:clusters` list every cluster Eos reaches by name: Aurora's clusters.json
//! and the Docker Swarms of Eos's config (`[clusters.NAME] docker = "URL"`), with their kind.
//! No Engine is needed: a Swarm that is not there is listed all the same (and `:clusters`
//! says it cannot be reached).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossterm::event::KeyCode;
use eos::app::Nav;
use eos::aurora::client::{AuroraClient, ClientConfig};
use eos::config::{ClusterConfig, Config, Settings};
use eos::connection::{ConnectOptions, Connection, Connector};
use eos::console::{ConsoleOptions, run_with};
use eos::keymap::Keymap;
use eos::sim::{SimArgs, SimServer, Simulator};
use eos::theme::{Theme, ThemeSet};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;

use crate::cli_common::eos;
use crate::inprocess_common::{Keys, Screen, key, typed};

const SWARM_URL: &str = "unix:///nonexistent/eos-test/docker.sock";

/// A home with an Aurora clusters.json (east) and an Eos config whose `apps` is a Swarm.
fn home() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("etc")).unwrap();
    std::fs::write(
        dir.path().join("etc/clusters.json"),
        r#"[{"name": "east", "scheduler_uri": "http://127.0.0.1:1"}]"#,
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("xdg/eos")).unwrap();
    std::fs::write(
        dir.path().join("xdg/eos/config.toml"),
        format!("[clusters.apps]\ndocker = \"{SWARM_URL}\"\n"),
    )
    .unwrap();
    dir
}

/// `eos ARGS…` in `home`: its clusters.json and its config; the exit status and stdout.
fn clusters(home: &Path, args: &[&str]) -> (i32, String, String) {
    let out = eos()
        .args(args)
        .env("HOME", home)
        .env("AURORA_CONFIG_ROOT", home.join("etc"))
        .env("XDG_CONFIG_HOME", home.join("xdg"))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn line_of<'a>(text: &'a str, name: &str) -> &'a str {
    text.lines()
        .find(|l| l.starts_with(&format!("{name} ")))
        .unwrap_or_else(|| panic!("no line for {name}:\n{text}"))
}

#[test]
fn eos_clusters_lists_the_swarms_of_the_config_with_their_kind() {
    let home = home();
    let (code, out, err) = clusters(home.path(), &["clusters"]);
    assert_eq!(code, 0, "{err}");
    let head: Vec<&str> = out.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        head,
        ["NAME", "KIND", "REACHED", "AT", "AUTH", "FILE"],
        "{out}"
    );
    let apps: Vec<&str> = line_of(&out, "apps").split_whitespace().collect();
    let config = home.path().join("xdg/eos/config.toml");
    assert_eq!(
        apps,
        ["apps", "docker", SWARM_URL, "-", config.to_str().unwrap()],
        "{out}"
    );
    let east: Vec<&str> = line_of(&out, "east").split_whitespace().collect();
    let json = home.path().join("etc/clusters.json");
    assert_eq!(
        east,
        [
            "east",
            "aurora",
            "http://127.0.0.1:1",
            "UNAUTHENTICATED",
            json.to_str().unwrap()
        ],
        "{out}"
    );
    assert_eq!(out.lines().count(), 3, "{out}");
}

#[test]
fn eos_clusters_o_json_is_the_same_list() {
    let home = home();
    let (code, out, err) = clusters(home.path(), &["clusters", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    let config = home.path().join("xdg/eos/config.toml");
    let json = home.path().join("etc/clusters.json");
    assert_eq!(
        v,
        serde_json::json!([
            {"name": "apps", "kind": "docker", "reached_at": SWARM_URL,
             "auth_mechanism": null, "file": config},
            {"name": "east", "kind": "aurora", "reached_at": "http://127.0.0.1:1",
             "auth_mechanism": "UNAUTHENTICATED", "file": json},
        ])
    );
}

#[test]
fn eos_clusters_reads_the_config_named_by_config_and_lists_swarms_alone() {
    let home = home();
    std::fs::remove_file(home.path().join("etc/clusters.json")).unwrap();
    let other = home.path().join("other.toml");
    std::fs::write(
        &other,
        "[clusters.lab]\ndocker = \"tcp://127.0.0.1:2376\"\n",
    )
    .unwrap();
    for args in [
        &["clusters", "--config", other.to_str().unwrap()][..],
        &["--config", other.to_str().unwrap(), "clusters"],
    ] {
        let (code, out, err) = clusters(home.path(), args);
        assert_eq!(code, 0, "{args:?}: {err}");
        assert!(line_of(&out, "lab").contains("docker"), "{args:?}: {out}");
        // The default config file is not read when one is named.
        assert!(!out.contains("apps"), "{args:?}: {out}");
    }
    // No clusters.json at all: the config's Swarm is still a cluster.
    let (code, out, err) = clusters(home.path(), &["clusters"]);
    assert_eq!(code, 0, "{err}");
    assert!(line_of(&out, "apps").contains(SWARM_URL), "{out}");
    // A named config that is not there is an error, not an empty list.
    let (code, _, err) = clusters(
        home.path(),
        &["clusters", "--config", "/nonexistent/eos.toml"],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("/nonexistent/eos.toml"), "{err}");
}

#[test]
fn eos_clusters_with_none_says_where_it_looked_and_json_is_an_empty_list() {
    let home = tempfile::tempdir().unwrap();
    let (code, out, err) = clusters(home.path(), &["clusters"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("no clusters defined"), "{out}");
    assert!(out.contains("docker"), "{out}");
    let (code, out, err) = clusters(home.path(), &["clusters", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "[]");
}

/// Waits until the screen shows every one of `what` (polled every 20 ms, a bounded number of
/// times: the probes of clusters.json's clusters come back together).
async fn wait_for(text: &Mutex<String>, what: &[&str]) {
    for _ in 0..1500 {
        let now = text.lock().unwrap().clone();
        if what.iter().all(|w| now.contains(w)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("never shown: {what:?}\n{}", text.lock().unwrap());
}

/// `:clusters` on an Aurora console lists the config's Swarm as a docker cluster, probed (here:
/// not reachable, and saying why).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clusters_view_lists_a_swarm_of_the_config_as_docker() {
    let sim = Simulator::new(&SimArgs::default());
    let server = SimServer::start(sim.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let client = AuroraClient::new(ClientConfig::new(server.url())).unwrap();
    let conn = Connection {
        backend: Arc::new(client),
        cluster: None,
        leader: None,
        warnings: Vec::new(),
    };
    let config = Config {
        clusters: BTreeMap::from([(
            "apps".to_owned(),
            ClusterConfig {
                docker: Some(SWARM_URL.into()),
                ..Default::default()
            },
        )])
        .into_iter()
        .collect(),
        ..Default::default()
    };
    let connect = ConnectOptions {
        scheduler: Some(server.url()),
        cluster: None,
        ca_cert: None,
        protocol: Default::default(),
        connect_timeout: 2.0,
        timeout: 5.0,
        max_reply_mb: 64,
        docker: None,
    };
    let clock = sim.clone();
    let opts = ConsoleOptions {
        clock: Arc::new(move || clock.now_ms()),
        keymap: Keymap::builtin(),
        themes: ThemeSet::single(Theme::builtin()),
        start: Nav::Roles,
        refresh_ms: 5_000,
        update_refresh_ms: None,
        read_only: false,
        settings: Settings::default(),
        audit: None,
        mouse: false,
        connector: Some(Arc::new(Connector::new(&connect, &config))),
        known_clusters: vec!["apps".into()],
    };
    let text = Arc::new(Mutex::new(String::new()));
    let mut screen = Screen {
        terminal: Terminal::new(TestBackend::new(140, 30)).unwrap(),
        text: text.clone(),
    };
    let (keys, rx) = mpsc::unbounded_channel();
    let console = run_with(&mut screen, Keys(rx), conn, opts);
    let driver = async {
        wait_for(&text, &["www-data"]).await;
        keys.send(key(KeyCode::Char(':'))).unwrap();
        typed(&keys, "clusters");
        wait_for(&text, &["KIND", "apps", "docker", SWARM_URL]).await;
        keys.send(key(KeyCode::Char(':'))).unwrap();
        typed(&keys, "q!");
    };
    let (result, ()) = tokio::join!(console, driver);
    let (status, state) = result.unwrap();
    assert_eq!(status, 0);
    let table = state.top().table().expect("the clusters view");
    let apps = table
        .rows
        .iter()
        .find(|r| r.id == "apps")
        .expect("a row for the Swarm");
    assert_eq!(apps.cells[1], "docker");
    assert_eq!(apps.cells[3], "-", "a Swarm has no Aurora leader");
    assert_eq!(apps.cells[4], SWARM_URL);
    assert_eq!(apps.style, "status.failed", "{:?}", apps.cells);
    assert!(apps.cells[2].contains("docker.sock"), "{:?}", apps.cells);
    server.shutdown().await;
}
