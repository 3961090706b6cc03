//! What an idle Swarm console costs the daemon (issue 16): at most one list call per visible
//! view per refresh interval. The console reaches the test engine through the counting proxy
//! (tests/swarm_common/proxy.rs, every request seen), opens each Swarm view, and sits idle on
//! it for a number of short refresh intervals (services, a service's tasks, nodes, triage, the
//! updates list, an update); the list calls in that window are counted by path. The bound is
//! a count, not a time limit: the window's length only says how many refreshes there could
//! have been (a refresh comes at least one interval after the last reply), so at most
//! `window / interval + 1` list calls.

use std::time::Instant;

use super::*;
use crate::swarm_common::proxy::{Proxy, Request};

const REFRESH_MS: i64 = 500;
/// How many refresh intervals each view sits idle.
const IDLE_INTERVALS: u64 = 10;

/// Runs the console through `proxy` on `start`, typing `place` (`:` command) if any, waits
/// for `shown`, then sits idle. Returns the requests made while idle and the intervals the
/// idle window spans.
async fn idle_on(proxy: &Proxy, place: Option<&str>, shown: &[&str]) -> (Vec<Request>, f64) {
    let url = format!("tcp://127.0.0.1:{}", proxy.port);
    let conn = Connector::new(&options(Some(url), None), &Config::default())
        .connect(None)
        .await
        .unwrap();
    let text = Arc::new(Mutex::new(String::new()));
    let mut frame = Frame {
        terminal: Terminal::new(TestBackend::new(140, 30)).unwrap(),
        text: text.clone(),
    };
    let (keys, rx) = mpsc::unbounded_channel();
    let opts = ConsoleOptions {
        refresh_ms: REFRESH_MS,
        ..console_options(Nav::Services)
    };
    let run = run_with(&mut frame, Keys(rx), conn, opts);
    let driver = async {
        if let Some(place) = place {
            keys.send(key(KeyCode::Char(':'))).unwrap();
            typed(&keys, place);
        }
        wait_for(&text, shown).await;
        let from = Instant::now();
        tokio::time::sleep(Duration::from_millis(REFRESH_MS as u64 * IDLE_INTERVALS)).await;
        let to = Instant::now();
        keys.send(key(KeyCode::Char(':'))).unwrap();
        typed(&keys, "q!");
        (from, to)
    };
    let (result, (from, to)) = tokio::join!(run, driver);
    assert_eq!(result.unwrap().0, 0);
    let idle: Vec<Request> = proxy
        .requests()
        .into_iter()
        .filter(|r| r.at >= from && r.at < to)
        .collect();
    let intervals = (to - from).as_millis() as f64 / REFRESH_MS as f64;
    (idle, intervals)
}

/// The list calls among `requests`, by path.
fn lists_by_path(requests: &[Request]) -> BTreeMap<String, usize> {
    let mut by_path = BTreeMap::new();
    for r in requests.iter().filter(|r| r.is_list()) {
        *by_path.entry(r.path.clone()).or_default() += 1;
    }
    by_path
}

#[tokio::test(flavor = "multi_thread")]
async fn an_idle_console_makes_one_list_call_per_view_per_refresh() {
    let _g = shared().await;
    let name = service_name("idle-web");
    remove_service(&name);
    create_service(&name, 3, &[], &["sleep", "100000"]);
    let socket = std::path::PathBuf::from(engine().host.strip_prefix("unix://").unwrap());

    let update_of = format!("update of {name}");
    let views: [(&str, Option<String>, Vec<&str>); 6] = [
        ("services", None, vec![name.as_str()]),
        (
            "tasks of a service",
            Some(format!("service {name}")),
            vec!["SLOT", "running"],
        ),
        (
            "nodes",
            Some("nodes".to_owned()),
            vec!["AVAILABILITY", "leader"],
        ),
        ("triage", Some("triage".to_owned()), vec!["triage", "KIND"]),
        (
            "updates",
            Some("updates".to_owned()),
            vec!["updates", "STARTED"],
        ),
        (
            "a service's update",
            Some(format!("update {name}")),
            vec![update_of.as_str(), "SLOTS"],
        ),
    ];
    let mut report = Vec::new();
    for (view, place, shown) in &views {
        let proxy = Proxy::start(socket.clone(), 0, None).await;
        let (idle, intervals) = idle_on(&proxy, place.as_deref(), shown).await;
        proxy.stop().await;
        let lists = lists_by_path(&idle);
        let total: usize = lists.values().sum();
        let bound = intervals.floor() as usize + 1;
        report.push(format!(
            "{view}: {total} list calls in {intervals:.1} intervals (at most {bound}): {lists:?}"
        ));
        // The proxy saw the view refresh at all (else the bound proves nothing).
        assert!(
            idle.len() >= 2,
            "{view}: no refreshes seen while idle: {idle:?}"
        );
        assert!(total <= bound, "{}", report.join("\n"));
        if place.as_deref().is_some_and(|p| p.starts_with("service ")) {
            // Each refresh of the tasks view reads the service (an inspect, not a list call)
            // first: at most one list per inspect, whatever the timing (+1: the window can
            // open between the two).
            let inspects = idle
                .iter()
                .filter(|r| r.method == "GET" && r.path.starts_with("/services/"))
                .count();
            assert!(
                inspects >= 2 && total <= inspects + 1,
                "{view}: {inspects} refreshes, {total} list calls: {lists:?}"
            );
        }
    }
    remove_service(&name);
    eprintln!("{}", report.join("\n"));
}

/// The tasks view's node names: listed once, then kept; listed again only for a task on a
/// node not seen before, and a node that is gone is not asked about on every refresh.
#[tokio::test(flavor = "multi_thread")]
async fn node_names_are_listed_again_only_for_a_node_not_seen_before() {
    use eos::swarm::client::{SwarmClient, SwarmConfig};
    use eos::swarm::target::Endpoint;

    let _g = shared().await;
    let socket = std::path::PathBuf::from(engine().host.strip_prefix("unix://").unwrap());
    let proxy = Proxy::start(socket, 0, None).await;
    let c = SwarmClient::connect(SwarmConfig::new(Endpoint::Tcp(format!(
        "127.0.0.1:{}",
        proxy.port
    ))))
    .await
    .unwrap();
    let node_lists = || {
        proxy
            .requests()
            .iter()
            .filter(|r| r.is_list() && r.path == "/nodes")
            .count()
    };
    let node = docker(&["info", "--format", "{{.Swarm.NodeID}}"]);
    let names = c.node_names_for(&[node.as_str()]).await.unwrap();
    assert!(names.contains_key(&node), "{names:?}");
    assert_eq!(node_lists(), 1);
    for _ in 0..3 {
        c.node_names_for(&[node.as_str(), ""]).await.unwrap();
    }
    assert_eq!(node_lists(), 1, "the names are kept");
    // A task left from a node that is no longer in the swarm: one more list, then not again.
    for _ in 0..3 {
        let names = c
            .node_names_for(&[node.as_str(), "gone0node0id"])
            .await
            .unwrap();
        assert!(!names.contains_key("gone0node0id"));
    }
    assert_eq!(node_lists(), 2);
    proxy.stop().await;
}

/// The nodes view lists the nodes and the tasks (for the counts) in turn, one per refresh;
/// after a node changed (a write) the nodes come next whatever the turn.
#[tokio::test(flavor = "multi_thread")]
async fn the_nodes_view_lists_nodes_and_tasks_in_turn() {
    use eos::swarm::client::{SwarmClient, SwarmConfig};
    use eos::swarm::target::Endpoint;

    let _g = shared().await;
    let socket = std::path::PathBuf::from(engine().host.strip_prefix("unix://").unwrap());
    let proxy = Proxy::start(socket, 0, None).await;
    let c = SwarmClient::connect(SwarmConfig::new(Endpoint::Tcp(format!(
        "127.0.0.1:{}",
        proxy.port
    ))))
    .await
    .unwrap();
    let mut seen = 0;
    // The first refresh needs both; then one list each, the nodes first.
    assert_eq!(refresh(&c, &proxy, &mut seen).await, "/nodes /tasks");
    assert_eq!(refresh(&c, &proxy, &mut seen).await, "/nodes");
    assert_eq!(refresh(&c, &proxy, &mut seen).await, "/tasks");
    assert_eq!(refresh(&c, &proxy, &mut seen).await, "/nodes");
    // The tasks' turn, but a node changed: the nodes again.
    c.nodes_changed();
    assert_eq!(refresh(&c, &proxy, &mut seen).await, "/nodes");
    assert_eq!(refresh(&c, &proxy, &mut seen).await, "/tasks");
    proxy.stop().await;
}

/// One refresh of the nodes view; the list calls it made, by path.
async fn refresh(c: &eos::swarm::client::SwarmClient, proxy: &Proxy, seen: &mut usize) -> String {
    let rows = c.nodes_view().await.unwrap();
    assert_eq!(rows.len(), 1);
    assert!(!rows[0].hostname.is_empty());
    let requests = proxy.requests();
    let lists: Vec<&str> = requests[*seen..]
        .iter()
        .filter(|r| r.is_list())
        .map(|r| r.path.as_str())
        .collect();
    *seen = requests.len();
    lists.join(" ")
}
