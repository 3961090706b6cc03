//! Docker Swarm against a real Docker Engine (Debian's docker.io): one daemon for this test
//! binary (tests/swarm_common), shared by the tests, each with services of its own.

#[path = "it/inprocess_common.rs"]
mod inprocess_common;
mod swarm_common;
// The console on a Swarm (views, navigation, operations), in its own folder so it is a
// module of this binary (one daemon per run), not a test binary of its own.
mod swarm_console;
// `--retries` for Swarm reads, through the proxy that cuts calls off.
mod swarm_retries;

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use eos::swarm::client::{SwarmClient, SwarmConfig, SwarmError};
use eos::swarm::model;
use eos::swarm::target::Endpoint;
use eos::swarm::write::{AuditTo, Availability, ServiceChange, SwarmWrite, WriteOutcome, apply};
use swarm_common::proxy::Proxy;
use swarm_common::*;

/// A rollout on one node with quick update settings takes seconds; this bound only keeps a
/// broken engine from hanging the run.
const LIMIT: Duration = Duration::from_secs(120);

fn socket() -> PathBuf {
    PathBuf::from(engine().host.strip_prefix("unix://").unwrap())
}

async fn client() -> SwarmClient {
    SwarmClient::connect(SwarmConfig::new(Endpoint::Unix(socket())))
        .await
        .unwrap()
}

async fn running(c: &SwarmClient, name: &str) -> Vec<model::TaskRow> {
    let (svc, _) = c.service(name).await.unwrap();
    let tasks = c.tasks_of(svc.id.as_deref().unwrap()).await.unwrap();
    let spec = svc.spec.as_ref().and_then(|s| s.task_template.as_ref());
    model::current_tasks(&model::task_rows(&tasks, &[], spec))
        .into_iter()
        .filter(|t| t.state == "running" && t.desired_state == "running")
        .collect()
}

async fn wait_running(c: &SwarmClient, name: &str, n: usize) {
    wait_until(&format!("{n} running tasks of {name}"), LIMIT, || async {
        running(c, name).await.len() == n
    })
    .await;
}

async fn update_state(c: &SwarmClient, name: &str) -> Option<String> {
    let (svc, _) = c.service(name).await.unwrap();
    model::service_row(&svc).update_state
}

fn no_audit() -> AuditTo<'static> {
    AuditTo {
        path: None,
        cluster: "test",
    }
}

fn eos(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_eos"))
        .args(args)
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .env_remove("DOCKER_HOST")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn scale(service: &str, n: u64) -> SwarmWrite {
    SwarmWrite::Service {
        service: service.into(),
        change: ServiceChange::Scale(n),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_read_against_a_live_swarm() {
    let _g = shared().await;
    let name = service_name("reads");
    create_service(&name, 2, &[], &["sleep", "100000"]);
    let c = client().await;
    assert_eq!(
        c.api_version(),
        "1.41",
        "negotiated down to Debian's engine"
    );
    wait_running(&c, &name, 2).await;

    let services = c.services().await.unwrap();
    let row = services
        .iter()
        .map(model::service_row)
        .find(|r| r.name == name)
        .unwrap();
    assert_eq!(row.mode, model::Mode::Replicated(2));
    assert_eq!((row.running, row.desired), (Some(2), Some(2)));
    assert_eq!(row.image, IMAGE_V1);
    assert!(row.version > 0);

    let cur = running(&c, &name).await;
    let mut slots: Vec<_> = cur.iter().map(|t| t.slot).collect();
    slots.sort();
    assert_eq!(slots, [Some(1), Some(2)]);
    assert!(
        cur.iter()
            .all(|t| t.current_spec && t.container_id.is_some())
    );

    let task = c.task(&cur[0].id).await.unwrap();
    assert_eq!(task.id.as_deref(), Some(cur[0].id.as_str()));

    let nodes = c.nodes().await.unwrap();
    let all = c.all_tasks().await.unwrap();
    let rows = model::node_rows(&nodes, &all);
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (
            rows[0].role.as_str(),
            rows[0].availability.as_str(),
            rows[0].status.as_str()
        ),
        ("manager", "active", "ready")
    );
    assert!(rows[0].leader && rows[0].tasks >= 2);
    assert!(!rows[0].engine_version.is_empty());

    // Not found is its own error (exit 6 in `eos get`).
    assert!(matches!(
        c.service("eos-no-such").await,
        Err(SwarmError::NotFound(_))
    ));
    assert!(matches!(
        c.task("nosuchtask").await,
        Err(SwarmError::NotFound(_))
    ));

    // The scriptable reads through the binary.
    let host = format!("--docker={}", engine().host);
    let (code, out, err) = eos(&[&host, "get", "services"]);
    assert_eq!(code, 0, "{err}");
    let line = out.lines().find(|l| l.contains(&name)).unwrap();
    assert!(
        line.contains("replicated") && line.contains("2/2") && line.contains(IMAGE_V1),
        "{line}"
    );
    let (code, out, _) = eos(&[&host, "get", "services", "-o", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let mine = v
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Spec"]["Name"] == name.as_str())
        .unwrap();
    assert_eq!(mine["ServiceStatus"]["RunningTasks"], 2);
    let (code, out, _) = eos(&[&host, "get", "tasks", &name]);
    assert_eq!(code, 0);
    assert_eq!(
        out.lines().filter(|l| l.contains("running")).count(),
        2,
        "{out}"
    );
    let (code, out, _) = eos(&[&host, "get", "task", &cur[0].id, "-o", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["ID"], cur[0].id.as_str());
    let (code, out, _) = eos(&[&host, "get", "nodes"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("manager (leader)") && out.contains("active"),
        "{out}"
    );
    let (code, out, _) = eos(&[&host, "get", "update", &name]);
    assert_eq!(code, 0);
    assert!(
        out.contains("(never updated)") && out.contains("2/2 slots"),
        "{out}"
    );
    let (code, _, err) = eos(&[&host, "get", "tasks", "eos-no-such"]);
    assert_eq!(code, 6, "{err}");
    assert!(err.contains("no service eos-no-such"), "{err}");
    let (code, _, _) = eos(&[&host, "get", "roles"]);
    assert_eq!(code, 2);
    let (code, _, _) = eos(&[
        &host,
        "--scheduler",
        "http://127.0.0.1:1",
        "get",
        "services",
    ]);
    assert_eq!(code, 2, "--docker with --scheduler is a usage error");
    remove_service(&name);
}

#[tokio::test(flavor = "multi_thread")]
async fn scale_up_and_down_and_refuse_global() {
    let _g = shared().await;
    let name = service_name("scale");
    create_service(&name, 1, &[], &["sleep", "100000"]);
    let c = client().await;
    wait_running(&c, &name, 1).await;
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("audit.log");
    let audit = AuditTo {
        path: Some(&log),
        cluster: "test",
    };
    let out = apply(&c, &scale(&name, 3), audit).await;
    assert!(
        matches!(out, WriteOutcome::Done { retried: false, .. }),
        "{out:?}"
    );
    wait_running(&c, &name, 3).await;
    let out = apply(&c, &scale(&name, 1), audit).await;
    assert!(matches!(out, WriteOutcome::Done { .. }), "{out:?}");
    wait_running(&c, &name, 1).await;
    let lines = std::fs::read_to_string(&log).unwrap();
    assert_eq!(lines.lines().count(), 2);
    assert!(
        lines.contains("/update") && lines.contains("scale"),
        "{lines}"
    );

    let global = service_name("scale-global");
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
    let out = apply(&c, &scale(&global, 2), audit).await;
    match out {
        WriteOutcome::NotExecuted { error } => assert!(error.contains("global"), "{error}"),
        other => panic!("{other:?}"),
    }
    // Refused by Eos: nothing was sent, so nothing was logged.
    assert_eq!(std::fs::read_to_string(&log).unwrap().lines().count(), 2);
    remove_service(&name);
    remove_service(&global);
}

#[tokio::test(flavor = "multi_thread")]
async fn forced_restart_replaces_every_task() {
    let _g = shared().await;
    let name = service_name("restart");
    create_service(&name, 2, &[], &["sleep", "100000"]);
    let c = client().await;
    wait_running(&c, &name, 2).await;
    let before: Vec<String> = running(&c, &name).await.into_iter().map(|t| t.id).collect();
    let write = SwarmWrite::Service {
        service: name.clone(),
        change: ServiceChange::Restart,
    };
    assert!(matches!(
        apply(&c, &write, no_audit()).await,
        WriteOutcome::Done { .. }
    ));
    let (svc, _) = c.service(&name).await.unwrap();
    let force = svc.spec.unwrap().task_template.unwrap().force_update;
    assert_eq!(force, Some(1));
    wait_until("every task replaced", LIMIT, || async {
        let now = running(&c, &name).await;
        now.len() == 2 && now.iter().all(|t| !before.contains(&t.id))
    })
    .await;
    remove_service(&name);
}

fn with_image(
    spec: &bollard::models::ServiceSpec,
    image: &str,
    args: Option<&[&str]>,
) -> bollard::models::ServiceSpec {
    let mut new = spec.clone();
    let cs = new
        .task_template
        .as_mut()
        .unwrap()
        .container_spec
        .as_mut()
        .unwrap();
    cs.image = Some(image.into());
    if let Some(a) = args {
        cs.args = Some(a.iter().map(|s| s.to_string()).collect());
    }
    new
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rolling_update_is_watched_to_completion() {
    let _g = shared().await;
    let name = service_name("rolling");
    create_service(
        &name,
        3,
        &["--update-parallelism", "1"],
        &["sleep", "100000"],
    );
    let c = client().await;
    wait_running(&c, &name, 3).await;
    let (svc, _) = c.service(&name).await.unwrap();
    let base = svc.spec.clone().unwrap();
    let write = SwarmWrite::Service {
        service: name.clone(),
        change: ServiceChange::Spec {
            new: Box::new(with_image(&base, IMAGE_V2, None)),
            base: Box::new(base),
        },
    };
    assert!(matches!(
        apply(&c, &write, no_audit()).await,
        WriteOutcome::Done { .. }
    ));
    let mut seen = Vec::new();
    let deadline = std::time::Instant::now() + LIMIT;
    loop {
        let (svc, raw) = c.service(&name).await.unwrap();
        let tasks = c.tasks_of(svc.id.as_deref().unwrap()).await.unwrap();
        let v = model::update_view(&raw, &tasks).unwrap();
        if seen.last() != Some(&(v.state.clone(), v.updated)) {
            seen.push((v.state.clone(), v.updated));
        }
        if v.state.as_deref() == Some("completed") && v.updated == 3 && v.total == 3 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "gave up waiting: {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The view saw the rollout move (or at least its end state), and diffs the image.
    assert!(seen.iter().any(|(s, _)| s.as_deref() == Some("updating")) || seen.len() == 1);
    let (_, raw) = c.service(&name).await.unwrap();
    let v = model::update_view(&raw, &[]).unwrap();
    assert!(
        v.diff
            .iter()
            .any(|l| matches!(l, eos::diff::DiffLine::Added(s) if s.contains(IMAGE_V2)))
    );
    let host = format!("--docker={}", engine().host);
    let (code, out, _) = eos(&[&host, "get", "update", &name]);
    assert_eq!(code, 0);
    assert!(
        out.contains("completed") && out.contains("3/3 slots") && out.contains(IMAGE_V2),
        "{out}"
    );
    remove_service(&name);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_update_pauses_shows_in_triage_and_rolls_back() {
    let _g = shared().await;
    let name = service_name("failing");
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
    let c = client().await;
    wait_running(&c, &name, 2).await;
    let (svc, _) = c.service(&name).await.unwrap();
    let base = svc.spec.clone().unwrap();
    // The new tasks exit non-zero at once.
    let write = SwarmWrite::Service {
        service: name.clone(),
        change: ServiceChange::Spec {
            new: Box::new(with_image(&base, IMAGE_V2, Some(&["false"]))),
            base: Box::new(base),
        },
    };
    assert!(matches!(
        apply(&c, &write, no_audit()).await,
        WriteOutcome::Done { .. }
    ));
    wait_until("the update to pause", LIMIT, || async {
        update_state(&c, &name).await.as_deref() == Some("paused")
    })
    .await;
    let t = model::triage(&c.services().await.unwrap(), &c.all_tasks().await.unwrap());
    assert!(
        t.updates
            .iter()
            .any(|(n, s, _)| n == &name && s == "paused"),
        "{:?}",
        t.updates
    );
    assert!(
        t.failing
            .iter()
            .any(|f| f.service == name && f.reason.contains("non-zero exit")),
        "{:?}",
        t.failing
    );
    let back = SwarmWrite::Service {
        service: name.clone(),
        change: ServiceChange::Rollback,
    };
    assert!(matches!(
        apply(&c, &back, no_audit()).await,
        WriteOutcome::Done { .. }
    ));
    wait_until("the rollback to complete", LIMIT, || async {
        update_state(&c, &name).await.as_deref() == Some("rollback_completed")
    })
    .await;
    wait_running(&c, &name, 2).await;
    assert!(running(&c, &name).await.iter().all(|t| t.image == IMAGE_V1));
    remove_service(&name);
}

#[tokio::test(flavor = "multi_thread")]
async fn node_drain_and_activate() {
    let _g = exclusive().await;
    let name = service_name("drain");
    create_service(&name, 1, &[], &["sleep", "100000"]);
    let c = client().await;
    wait_running(&c, &name, 1).await;
    let node = c.nodes().await.unwrap()[0].id.clone().unwrap();
    let set = |a| SwarmWrite::Node {
        node: node.clone(),
        availability: a,
    };
    assert!(matches!(
        apply(&c, &set(Availability::Drain), no_audit()).await,
        WriteOutcome::Done { .. }
    ));
    wait_running(&c, &name, 0).await;
    let n = c.node(&node).await.unwrap();
    assert_eq!(model::node_rows(&[n], &[])[0].availability, "drain");
    // Nowhere to run: the task waits, with the scheduler's reason.
    wait_until("a pending task with a reason", LIMIT, || async {
        let t = model::triage(&c.services().await.unwrap(), &c.all_tasks().await.unwrap());
        t.pending
            .iter()
            .any(|p| p.service == name && p.reason.contains("no suitable node"))
    })
    .await;
    assert!(matches!(
        apply(&c, &set(Availability::Active), no_audit()).await,
        WriteOutcome::Done { .. }
    ));
    wait_running(&c, &name, 1).await;
    remove_service(&name);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stale_version_is_reread_and_the_one_change_reapplied_once() {
    let _g = shared().await;
    let name = service_name("sequence");
    create_service(&name, 1, &[], &["sleep", "100000"]);
    let c0 = client().await;
    wait_running(&c0, &name, 1).await;
    // Before each update request reaches the Engine, someone else changes the service (a
    // label: no rollout), so the version the client read is stale.
    let bumps = Arc::new(AtomicU32::new(0));
    let limit = Arc::new(AtomicU32::new(1));
    let (b, l, n) = (bumps.clone(), limit.clone(), name.clone());
    let hook: swarm_common::proxy::Hook = Arc::new(move || {
        let i = b.fetch_add(1, Ordering::SeqCst);
        if i < l.load(Ordering::SeqCst) {
            docker(&[
                "service",
                "update",
                "--detach",
                "--no-resolve-image",
                "--label-add",
                &format!("bump={i}"),
                &n,
            ]);
        }
    });
    let proxy = Proxy::start(socket(), 0, Some(hook)).await;
    let c = SwarmClient::connect(SwarmConfig::new(Endpoint::Tcp(format!(
        "127.0.0.1:{}",
        proxy.port
    ))))
    .await
    .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("audit.log");
    let audit = AuditTo {
        path: Some(&log),
        cluster: "test",
    };
    let out = apply(&c, &scale(&name, 2), audit).await;
    assert_eq!(
        out,
        WriteOutcome::Done {
            warnings: vec![],
            retried: true
        }
    );
    assert!(out.line("scale").contains("re-applied once"));
    let (svc, _) = c.service(&name).await.unwrap();
    let spec = svc.spec.unwrap();
    assert_eq!(spec.mode.unwrap().replicated.unwrap().replicas, Some(2));
    // The other change survived: the re-applied write started from a fresh read.
    assert_eq!(
        spec.labels.unwrap().get("bump").map(String::as_str),
        Some("0")
    );
    let entries: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["response_code"], "HTTP_500");
    assert_eq!(entries[0]["arguments"]["attempt"], 1);
    assert_eq!(entries[1]["response_code"], "OK");
    assert_eq!(entries[1]["arguments"]["attempt"], 2);

    // Stale every time: two attempts, then refused — never a loop.
    limit.store(u32::MAX, Ordering::SeqCst);
    let before = bumps.load(Ordering::SeqCst);
    let out = apply(&c, &scale(&name, 3), audit).await;
    assert!(
        matches!(out, WriteOutcome::Refused { retried: true, .. }),
        "{out:?}"
    );
    assert_eq!(bumps.load(Ordering::SeqCst) - before, 2);
    assert_eq!(std::fs::read_to_string(&log).unwrap().lines().count(), 4);
    proxy.stop().await;
    remove_service(&name);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_daemon_that_goes_away_and_comes_back() {
    let _g = shared().await;
    let name = service_name("away");
    create_service(&name, 1, &[], &["sleep", "100000"]);
    let proxy = Proxy::start(socket(), 0, None).await;
    let port = proxy.port;
    let c = SwarmClient::connect(SwarmConfig::new(Endpoint::Tcp(format!("127.0.0.1:{port}"))))
        .await
        .unwrap();
    assert!(c.services().await.is_ok());
    proxy.stop().await;
    match c.services().await {
        Err(SwarmError::Transport { sent: false, .. }) => {}
        other => panic!("{other:?}"),
    }
    // A write while it is gone is certainly not executed.
    let out = apply(&c, &scale(&name, 2), no_audit()).await;
    assert!(matches!(out, WriteOutcome::NotExecuted { .. }), "{out:?}");
    let (code, _, err) = eos(&[
        &format!("--docker=tcp://127.0.0.1:{port}"),
        "get",
        "services",
    ]);
    assert_eq!(code, 7, "{err}");
    let proxy = Proxy::start(socket(), port, None).await;
    let services = c.services().await.unwrap();
    assert!(services.iter().any(|s| model::service_row(s).name == name));
    let (svc, _) = c.service(&name).await.unwrap();
    assert_eq!(model::service_row(&svc).mode, model::Mode::Replicated(1));
    proxy.stop().await;
    remove_service(&name);
}
