//! A Swarm console's "reply arrival → rows" (issue 16: ≤ 50 ms each): the services view with
//! 1,000 services and a service's tasks view with 10,000 tasks, from the bytes of the Engine's
//! list reply, through the parse the backend does (`serde_json::from_slice` into bollard's
//! models, as `SwarmClient::get_json`; for tasks `model::TaskList`, as the backend's tasks
//! view), the backend's rows (`Data::SwarmServices` / `Data::SwarmTasks`), to the view's
//! table rows (the builders the console's reducer calls).
//!
//! The replies are made from JSON recorded from a real Docker Engine 20.10 (API 1.41, a
//! replicated service in the middle of a rolling update; benches/fixtures/swarm_*.json),
//! multiplied with varied names, ids, images, slots, nodes, states and times.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Duration;

use bollard::models::{Node, Service, Task};
use criterion::Criterion;
use eos::app::views::{services::service_rows, swarm_tasks::swarm_task_rows};
use eos::swarm::model;
use serde_json::{Value, json};

// The allocator the `eos` binary uses, so the numbers are the product's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SERVICES: usize = 1_000;
const TASKS: usize = 10_000;
/// 2,000 slots with 5 retained tasks each (Swarm's default task history limit).
const SLOTS: usize = 2_000;
const NODES: usize = 100;

const SERVICE: &str = include_str!("fixtures/swarm_service.json");
const TASK_LIST: &str = include_str!("fixtures/swarm_tasks.json");
const NODE: &str = include_str!("fixtures/swarm_node.json");

/// 2026-11-29T05:31:00Z, the recording's hour.
const T0: i64 = 1_795_930_260_000;

/// A 25-character id like the Engine's (base-36 digits), distinct per `(kind, i)`.
fn id(kind: u64, i: usize) -> String {
    let mut n = (kind << 40) ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut s = String::with_capacity(25);
    for _ in 0..25 {
        s.push(char::from_digit((n % 36) as u32, 36).unwrap());
        n = (n / 36) ^ (i as u64 + kind).wrapping_mul(31);
    }
    s
}

fn stamp(ms_before: i64) -> String {
    chrono::DateTime::from_timestamp_millis(T0 - ms_before)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

/// `GET /services?status=true` with `n` services: replicated and global, some updating,
/// paused or rolled back, some short of tasks, images with and without a digest.
fn services_reply(n: usize) -> Vec<u8> {
    let template: Value = serde_json::from_str(SERVICE).unwrap();
    let teams = ["edge", "payments", "search", "ads", "infra", "mail", "auth"];
    let states = [None, Some("updating"), Some("completed"), Some("paused")];
    let services: Vec<Value> = (0..n)
        .map(|i| {
            let mut s = template.clone();
            let team = teams[i % teams.len()];
            let name = format!("{team}-svc-{i:04}");
            s["ID"] = json!(id(1, i));
            s["Version"]["Index"] = json!(1000 + i);
            s["UpdatedAt"] = json!(stamp((i as i64 % 86_400) * 1000));
            s["Spec"]["Name"] = json!(name);
            s["Spec"]["Labels"]["team"] = json!(team);
            let image = if i % 3 == 0 {
                format!(
                    "registry.example.com/{team}/{name}:{}@sha256:{:064x}",
                    i % 7,
                    i
                )
            } else {
                format!("registry.example.com/{team}/{name}:{}", i % 7)
            };
            s["Spec"]["TaskTemplate"]["ContainerSpec"]["Image"] = json!(image);
            let desired = (i % 12 + 1) as u64;
            if i % 10 == 9 {
                s["Spec"]["Mode"] = json!({ "Global": {} });
            } else {
                s["Spec"]["Mode"]["Replicated"]["Replicas"] = json!(desired);
            }
            let running = if i % 13 == 0 { desired - 1 } else { desired };
            s["ServiceStatus"]["RunningTasks"] = json!(running);
            s["ServiceStatus"]["DesiredTasks"] = json!(desired);
            match states[i % states.len()] {
                Some(st) => s["UpdateStatus"]["State"] = json!(st),
                None => {
                    let o = s.as_object_mut().unwrap();
                    o.remove("UpdateStatus");
                    o.remove("PreviousSpec");
                }
            }
            s
        })
        .collect();
    serde_json::to_vec(&services).unwrap()
}

/// The nodes the tasks run on: `n` nodes, hostnames differing from ids.
fn nodes(n: usize) -> Vec<Node> {
    let template: Value = serde_json::from_str(NODE).unwrap();
    (0..n)
        .map(|i| {
            let mut node = template.clone();
            node["ID"] = json!(id(2, i));
            node["Description"]["Hostname"] = json!(format!("worker-{i:03}.dc1.example.com"));
            serde_json::from_value(node).unwrap()
        })
        .collect()
}

/// `GET /tasks?filters={"service":[ID]}` with `n` tasks of one service: `SLOTS` slots, each
/// with its history (the newest on the service's spec, older ones on the previous image),
/// spread over `nodes`, in the Engine's states, a few failed with an error.
fn tasks_reply(n: usize, service_id: &str, nodes: &[Node]) -> Vec<u8> {
    let recorded: Vec<Value> = serde_json::from_str(TASK_LIST).unwrap();
    // The recording holds a task on the new spec (running) and ones on the old (shut down).
    let newest = recorded
        .iter()
        .find(|t| t["DesiredState"] == "running")
        .expect("a running task in the recording");
    let older = recorded
        .iter()
        .find(|t| t["DesiredState"] == "shutdown")
        .expect("a shut-down task in the recording");
    let current = [
        ("running", "running", "started", ""),
        ("running", "running", "started", ""),
        ("running", "running", "started", ""),
        ("running", "starting", "starting", ""),
        ("running", "pending", "pending task scheduling", ""),
        ("running", "preparing", "preparing", ""),
    ];
    let past = [
        ("shutdown", "shutdown", "shutdown", ""),
        ("shutdown", "failed", "started", "task: non-zero exit (1)"),
        (
            "shutdown",
            "rejected",
            "preparing",
            "No such image: example",
        ),
        ("shutdown", "complete", "finished", ""),
    ];
    let tasks: Vec<Value> = (0..n)
        .map(|i| {
            let slot = i % SLOTS;
            let generation = i / SLOTS;
            let (mut t, (desired, state, message, err)) = if generation == 0 {
                (newest.clone(), current[slot % current.len()])
            } else {
                (older.clone(), past[(slot + generation) % past.len()])
            };
            t["ID"] = json!(id(3, i));
            t["ServiceID"] = json!(service_id);
            t["Slot"] = json!(slot + 1);
            t["Version"]["Index"] = json!(5000 + i);
            let node = nodes[(slot * 7 + generation) % nodes.len()].id.clone();
            if state == "pending" {
                t.as_object_mut().unwrap().remove("NodeID");
            } else {
                t["NodeID"] = json!(node);
            }
            let age_ms = (generation as i64 * 600 + slot as i64 % 600) * 1000;
            t["CreatedAt"] = json!(stamp(age_ms));
            t["UpdatedAt"] = json!(stamp(age_ms - 500));
            t["DesiredState"] = json!(desired);
            t["Status"]["State"] = json!(state);
            t["Status"]["Message"] = json!(message);
            t["Status"]["Timestamp"] = json!(stamp(age_ms - 400));
            if !err.is_empty() {
                t["Status"]["Err"] = json!(err);
            }
            if let Some(cs) = t["Status"].get_mut("ContainerStatus") {
                cs["ContainerID"] = json!(format!("{:064x}", i as u128 * 0x1234_5678_9abc));
                cs["PID"] = json!(1000 + i);
                cs["ExitCode"] = json!(if state == "failed" { 1 } else { 0 });
            }
            t
        })
        .collect();
    serde_json::to_vec(&tasks).unwrap()
}

fn main() {
    let mut c = Criterion::default()
        .configure_from_args()
        .sample_size(20)
        .measurement_time(Duration::from_secs(5));

    let services = services_reply(SERVICES);
    c.bench_function("services_reply_to_rows_1000", |b| {
        b.iter(|| {
            let parsed: Vec<Service> = serde_json::from_slice(black_box(&services)).unwrap();
            let data: Vec<model::ServiceRow> = parsed.iter().map(model::service_row).collect();
            black_box(service_rows(&data, T0))
        })
    });

    // The tasks view's fetch: the service (its spec says which tasks are current), the
    // tasks list, node names as the backend keeps them.
    let service: Service = serde_json::from_str(SERVICE).unwrap();
    let nodes = nodes(NODES);
    let names: HashMap<String, String> = model::node_names(&nodes);
    let tasks = tasks_reply(TASKS, service.id.as_deref().unwrap(), &nodes);
    let spec = service.spec.as_ref().and_then(|s| s.task_template.as_ref());
    let arrive = |history: bool| {
        let list = model::TaskList::parse(black_box(&tasks)).unwrap();
        let data = list.rows(&names, spec);
        swarm_task_rows(&data, history, T0)
    };
    // The bench's data is what it claims: every task parsed, one row per slot, the history
    // on request, some tasks on the service's current spec and some not.
    let rows = arrive(false);
    assert_eq!(rows.len(), SLOTS);
    assert_eq!(arrive(true).len(), TASKS);
    let data = model::TaskList::parse(&tasks).unwrap().rows(&names, spec);
    // The same rows as from bollard's whole tasks (what `eos get tasks` parses).
    let parsed: Vec<Task> = serde_json::from_slice(&tasks).unwrap();
    assert!(data == model::task_rows_named(&parsed, &names, spec));
    let on_spec = data.iter().filter(|t| t.current_spec).count();
    assert!(
        on_spec > 0 && on_spec < TASKS,
        "{on_spec} tasks on the spec"
    );
    assert!(rows.iter().any(|r| r.cells[1].starts_with("worker-")));
    eprintln!(
        "replies: services {} KiB, tasks {} KiB",
        services.len() >> 10,
        tasks.len() >> 10
    );

    // Where the time goes: the parse alone, and what bollard's whole `Task` would cost.
    c.bench_function("tasks_reply_parse_only_10000", |b| {
        b.iter(|| black_box(model::TaskList::parse(black_box(&tasks)).unwrap().len()))
    });
    c.bench_function("tasks_reply_parse_bollard_tasks_10000", |b| {
        b.iter(|| black_box(serde_json::from_slice::<Vec<Task>>(black_box(&tasks)).unwrap()))
    });
    c.bench_function("tasks_reply_to_rows_10000", |b| {
        b.iter(|| black_box(arrive(false)))
    });
    c.bench_function("tasks_reply_to_rows_10000_history", |b| {
        b.iter(|| black_box(arrive(true)))
    });
    c.final_summary();
}
