//! Fail-over and cluster switching in the real binary, in a pty, against simulators in child
//! processes: a scheduler that dies and comes back on the same address, a non-leader that
//! redirects, and two clusters of a clusters.json switched between with `:cluster`.

use crate::pty_common;

use std::time::Duration;

use pty_common::{Console, Sim, header};

const WAIT: Duration = Duration::from_secs(30);

#[test]
fn a_scheduler_that_dies_and_returns_is_followed_without_a_key_pressed() {
    let sim = Sim::start(&[]);
    let con = Console::open(&sim, &["--refresh", "1"]);
    con.wait_for("roles", WAIT, |s| {
        s.contains("ROLE") && s.contains("www-data")
    });
    let addr = sim.kill();
    con.wait_for("the unreachable banner", WAIT, |s| {
        s.contains(&format!("{addr} unreachable for")) && s.contains("showing the last data")
    });
    // The last rows stay, marked stale.
    let screen = con.screen();
    assert!(screen.contains("www-data"), "{}", con.dump());
    assert!(header(&screen).contains("STALE"), "{}", con.dump());

    let back = Sim::start_on(&addr, &[]);
    con.wait_for("recovery", WAIT, |s| {
        s.contains(&format!("{addr} answering again after")) && !header(s).contains("STALE")
    });
    drop(back);
}

#[test]
fn a_redirect_to_the_leader_is_announced_and_followed() {
    let leader = Sim::start(&["--cluster-name", "leader"]);
    let follower = Sim::start(&["--redirect-to", &leader.url]);
    let con = Console::open(&follower, &["--refresh", "1"]);
    con.wait_for("the leader-changed banner", WAIT, |s| {
        s.contains(&format!(
            "leader changed: {} → {} (redirect)",
            follower.addr, leader.addr
        )) && header(s).contains(&leader.addr)
    });
    con.wait_for("roles from the leader", WAIT, |s| s.contains("www-data"));
}

#[test]
fn cluster_switches_to_another_cluster_of_clusters_json() {
    let east = Sim::start(&["--cluster-name", "sim-east"]);
    let west = Sim::start(&["--cluster-name", "sim-west", "--seed", "7"]);
    let home = tempfile::tempdir().unwrap();
    let etc = home.path().join("etc");
    std::fs::create_dir_all(&etc).unwrap();
    std::fs::write(
        etc.join("clusters.json"),
        serde_json::json!([
            {"name": "east", "scheduler_uri": east.url},
            {"name": "west", "scheduler_uri": west.url},
            {"name": "gone", "scheduler_uri": "http://127.0.0.1:9"},
        ])
        .to_string(),
    )
    .unwrap();
    let cfg = home.path().join("config.toml");
    std::fs::write(&cfg, "[clusters.west]\naccent = \"red\"\nprod = true\n").unwrap();
    let env = [
        ("AURORA_CONFIG_ROOT", etc.to_str().unwrap()),
        ("HOME", home.path().to_str().unwrap()),
    ];
    let mut con = Console::spawn_env(
        &["--cluster", "east", "--config", cfg.to_str().unwrap()],
        &env,
    );
    con.wait_for("east", WAIT, |s| {
        header(s).contains(" east ") && header(s).contains(&east.addr) && s.contains("www-data")
    });

    con.send(b":clusters\r");
    con.wait_for("the clusters list with health", WAIT, |s| {
        s.lines()
            .any(|l| l.contains("east (current)") && l.contains("ok "))
            && s.lines().any(|l| l.contains("west") && l.contains("ok "))
            && s.lines()
                .any(|l| l.contains("gone") && l.contains("refused"))
    });

    // Tab completes the name.
    con.send(b":cluster w\t\r");
    con.wait_for("west", WAIT, |s| {
        header(s).contains(" west ")
            && header(s).contains("PROD")
            && header(s).contains(&west.addr)
            && s.contains("now on west")
    });
    con.wait_for("west's roles", WAIT, |s| {
        s.contains("ROLE") && s.contains("www-data")
    });

    con.send(b":cluster gone\r");
    con.wait_for("the failed switch", WAIT, |s| {
        s.contains("cannot switch to gone")
    });
    assert!(header(&con.screen()).contains(" west "), "{}", con.dump());
}
