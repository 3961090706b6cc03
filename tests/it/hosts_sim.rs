//! The hosts view end to end against the in-process simulator (frozen clock): `:hosts` through
//! the reducer, a drain confirmed and sent with the real client by `eos::effects::mutate` (and
//! audited), the host going DRAINING then DRAINED while its tasks are killed and placed
//! elsewhere, end maintenance back to NONE; the `/maintenance` page behind a leader redirect;
//! a malformed page as a clear error; and a 401 for an anonymous admin call.

use crate::reducer_common::{ch, k, message, mutations};
use crate::sim_common;

use std::time::Duration;

use crossterm::event::KeyCode;
use eos::app::dialog::Dialog;
use eos::app::ops::{HostAction, Operation};
use eos::app::{Action, MutationOutcome, Nav, Screen, State};
use eos::aurora::client::{AuroraClient, ClientConfig, ClientError};
use eos::aurora::model::*;
use eos::sim::SimArgs;
use sim_common::driver::Driver;
use sim_common::frozen;

/// The shared driver, audited to `audit.log` in a temporary directory.
async fn start(args: SimArgs) -> Driver {
    Driver::start(args).await.audited("audit.log")
}

async fn hosts_view(w: &mut Driver) -> State {
    let mut s = w.console(&w.server.url(), Nav::Roles, 120, 40);
    w.tick(&mut s).await;
    // Through the command line, as a person would.
    let mut keys = vec![ch(':')];
    keys.extend("hosts".chars().map(ch));
    keys.push(k(KeyCode::Enter));
    w.act(&mut s, keys).await;
    assert!(matches!(s.top(), Screen::Hosts { .. }));
    s
}

async fn tasks_on(w: &Driver, host: &str) -> Vec<ScheduledTask> {
    w.client
        .get_tasks_without_configs(TaskQuery {
            slave_hosts: Some(vec![host.to_owned()]),
            statuses: Some(ScheduleStatus::ACTIVE.to_vec()),
            ..Default::default()
        })
        .await
        .unwrap()
        .value
}

async fn mode_of(w: &Driver, host: &str) -> MaintenanceMode {
    w.client.get_maintenance().await.unwrap().mode(host)
}

/// The hosts view's row of `host`: its cells.
fn row_of(s: &State, host: &str) -> Vec<String> {
    let t = s.top().table().expect("a table");
    t.rows
        .iter()
        .find(|r| r.id == host)
        .map(|r| r.cells.clone())
        .unwrap_or_else(|| panic!("{host} not in the hosts view"))
}

fn select(s: &State, host: &str) -> Vec<Action> {
    let t = s.top().table().unwrap();
    let pos = t.view.iter().position(|&i| t.rows[i].id == host).unwrap();
    let mut v = vec![ch('g')];
    v.extend((0..pos).map(|_| ch('j')));
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drain_moves_a_hosts_tasks_and_end_maintenance_brings_it_back() {
    let mut w = start(frozen()).await;
    let mut s = hosts_view(&mut w).await;
    let t = s.top().table().unwrap();
    assert!(t.rows.len() >= 10, "the simulated world has many hosts");
    // The world's own maintenance: one SCHEDULED and one DRAINED host, shown without tasks.
    let modes: Vec<String> = t.rows.iter().map(|r| r.cells[1].clone()).collect();
    assert!(modes.iter().any(|m| m == "SCHEDULED"), "{modes:?}");
    assert!(modes.iter().any(|m| m == "DRAINED"), "{modes:?}");
    // The busiest host not in maintenance.
    let host = t
        .rows
        .iter()
        .filter(|r| r.cells[1] == "NONE")
        .max_by_key(|r| {
            (
                r.cells[2].parse::<usize>().unwrap(),
                std::cmp::Reverse(r.id.clone()),
            )
        })
        .unwrap()
        .id
        .clone();
    let before = tasks_on(&w, &host).await;
    let n = before.len();
    assert!(n > 5, "{host} has {n} tasks");
    assert_eq!(row_of(&s, &host)[2], n.to_string());
    let jobs: std::collections::BTreeMap<String, usize> =
        before.iter().fold(Default::default(), |mut m, t| {
            *m.entry(t.job().unwrap().to_string()).or_default() += 1;
            m
        });

    // D: the confirmation names the host and what happens; nothing is sent yet.
    let mut keys = select(&s, &host);
    keys.push(ch('D'));
    let fx = w.act(&mut s, keys).await;
    assert!(mutations(&fx).is_empty());
    let Some(Dialog::Confirm(c)) = &s.overlays.dialog else {
        panic!("no confirmation: {:?}", s.overlays.dialog);
    };
    let effect = c.op.describe().pop().unwrap().1;
    assert_eq!(
        effect,
        format!(
            "drain 1 host: its {n} active tasks will be killed and rescheduled elsewhere; DRAINED when empty"
        )
    );
    // More than five tasks: the host name must be typed.
    let short = host.split('.').next().unwrap();
    assert_eq!(c.require.as_deref(), Some(short));
    let mut keys: Vec<Action> = short.chars().map(ch).collect();
    keys.extend([k(KeyCode::Enter), k(KeyCode::Enter)]);
    let fx = w.act(&mut s, keys).await;
    let expected = Operation::Maintenance {
        action: HostAction::Drain,
        hosts: vec![host.clone()],
        tasks: n,
    };
    assert_eq!(mutations(&fx), vec![expected.clone()], "sent exactly once");
    assert_eq!(w.sent.len(), 1);
    assert!(
        matches!(&w.sent[0].1, MutationOutcome::Done { code, .. } if *code == ResponseCode::OK),
        "{:?}",
        w.sent[0].1
    );
    // The scheduler's statuses in the message; the view refreshed at once.
    assert!(
        message(&s).contains(&format!("drainHosts: OK — {host} → DRAINING")),
        "{}",
        message(&s)
    );
    let row = row_of(&s, &host);
    assert_eq!(row[1], "DRAINING", "{row:?}");
    assert_eq!(row[3], n.to_string(), "every task still to move: {row:?}");

    // Time passes: the tasks are killed and placed elsewhere; the host ends DRAINED.
    for _ in 0..12 {
        w.advance(&mut s, Duration::from_secs(5)).await;
    }
    assert_eq!(mode_of(&w, &host).await, MaintenanceMode::DRAINED);
    assert!(tasks_on(&w, &host).await.is_empty());
    let row = row_of(&s, &host);
    assert_eq!(&row[1..4], ["DRAINED", "0", ""], "{row:?}");
    for t in &before {
        let id = t.task_id().to_owned();
        let now = w
            .client
            .get_tasks_without_configs(TaskQuery {
                task_ids: Some(vec![id.clone()]),
                ..Default::default()
            })
            .await
            .unwrap()
            .value;
        assert!(
            now.iter().all(|t| t.status().is_terminal()),
            "{id} still active: {:?}",
            now.iter().map(|t| t.status()).collect::<Vec<_>>()
        );
    }
    // Their jobs run as many instances as before, none on the drained host.
    for (job, count) in &jobs {
        let key = JobKey::parse(job).unwrap();
        let active = sim_common::active_tasks(&w.client, &key).await;
        let moved = active
            .iter()
            .filter(|t| {
                before
                    .iter()
                    .any(|b| b.job() == t.job() && b.instance_id() == t.instance_id())
            })
            .collect::<Vec<_>>();
        assert_eq!(moved.len(), *count, "{job}: {moved:?}");
        for t in moved {
            assert_ne!(t.host(), host, "{job}/{} not moved", t.instance_id());
            // A crash-looping task's replacement waits out the flapping penalty its ancestors
            // earned (Aurora's RescheduleCalculator looks at the drained task's ancestors).
            if t.status() == ScheduleStatus::THROTTLED {
                continue;
            }
            assert!(
                !t.host().is_empty(),
                "{job}/{} still pending",
                t.instance_id()
            );
        }
    }

    // A drained host's tasks view is empty; M ends maintenance from there.
    let mut keys = select(&s, &host);
    keys.push(k(KeyCode::Enter));
    w.act(&mut s, keys).await;
    assert!(matches!(s.top(), Screen::Host { .. }));
    assert!(s.top().table().unwrap().view.is_empty());
    w.act(&mut s, vec![k(KeyCode::Esc)]).await;
    let mut keys = select(&s, &host);
    keys.extend([ch('M'), k(KeyCode::Right), k(KeyCode::Enter)]);
    let fx = w.act(&mut s, keys).await;
    assert_eq!(
        mutations(&fx),
        vec![Operation::Maintenance {
            action: HostAction::End,
            hosts: vec![host.clone()],
            tasks: 0,
        }]
    );
    assert!(
        message(&s).contains(&format!("endMaintenance: OK — {host} → NONE")),
        "{}",
        message(&s)
    );
    assert_eq!(mode_of(&w, &host).await, MaintenanceMode::NONE);
    // Mode NONE and no task: the scheduler's reads no longer name it.
    let t = s.top().table().unwrap();
    assert!(t.rows.iter().all(|r| r.id != host), "{host} still listed");

    // The audit log has both, with the hosts and the scheduler's answer.
    let audit = w.audit_lines();
    assert_eq!(audit.len(), 2, "{audit:?}");
    assert_eq!(audit[0]["method"], "drainHosts");
    assert_eq!(audit[1]["method"], "endMaintenance");
    for a in &audit {
        assert_eq!(
            a["arguments"]["hosts"]["hostNames"],
            serde_json::json!([host])
        );
        assert_eq!(a["response_code"], "OK");
        assert_eq!(a["cluster"], "devcluster");
    }
    assert_eq!(
        audit[0]["details"],
        serde_json::json!([format!("{host} → DRAINING")])
    );
    w.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_maintenance_on_marked_hosts_and_an_empty_drain() {
    let mut w = start(frozen()).await;
    let mut s = hosts_view(&mut w).await;
    let t = s.top().table().unwrap();
    let none: Vec<String> = t
        .view
        .iter()
        .map(|&i| &t.rows[i])
        .filter(|r| r.cells[1] == "NONE")
        .map(|r| r.id.clone())
        .take(2)
        .collect();
    // Mark the first two NONE hosts (sorted by name, so adjacent at the top).
    let mut keys = select(&s, &none[0]);
    keys.extend([
        ch(' '),
        ch(' '),
        ch('m'),
        k(KeyCode::Right),
        k(KeyCode::Enter),
    ]);
    let fx = w.act(&mut s, keys).await;
    let ops = mutations(&fx);
    assert_eq!(ops.len(), 1);
    let Operation::Maintenance { action, hosts, .. } = &ops[0] else {
        panic!("{ops:?}");
    };
    assert_eq!(*action, HostAction::Start);
    assert_eq!(hosts, &none);
    for h in &none {
        assert_eq!(mode_of(&w, h).await, MaintenanceMode::SCHEDULED);
        assert_eq!(row_of(&s, h)[1], "SCHEDULED");
    }
    assert!(
        s.top().table().unwrap().marked.is_empty(),
        "marks are spent"
    );
    // The world's SCHEDULED host has no task: a drain there is DRAINED at once.
    let scheduled = s
        .top()
        .table()
        .unwrap()
        .rows
        .iter()
        .find(|r| r.cells[1] == "SCHEDULED" && r.cells[2] == "0")
        .unwrap()
        .id
        .clone();
    let mut keys = select(&s, &scheduled);
    keys.push(ch('D'));
    w.act(&mut s, keys).await;
    let Some(Dialog::Confirm(c)) = &s.overlays.dialog else {
        panic!()
    };
    assert!(
        c.op.describe()
            .pop()
            .unwrap()
            .1
            .contains("no active tasks on it; DRAINED at once")
    );
    w.act(&mut s, vec![k(KeyCode::Right), k(KeyCode::Enter)])
        .await;
    assert_eq!(row_of(&s, &scheduled)[1], "DRAINED");
    w.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_maintenance_page_follows_the_leader_redirect() {
    let (leader, _) = sim_common::start(frozen()).await;
    let follower = start(SimArgs {
        redirect_to: Some(leader.url()),
        ..frozen()
    })
    .await;
    let leader_client = AuroraClient::new(ClientConfig::new(leader.url())).unwrap();
    leader_client
        .start_maintenance(&["agent-0001.us-east-1a.devcluster.example.com".into()])
        .await
        .unwrap();
    let m = follower.client.get_maintenance().await.unwrap();
    assert_eq!(
        m.mode("agent-0001.us-east-1a.devcluster.example.com"),
        MaintenanceMode::SCHEDULED
    );
    // The leader is remembered for later calls.
    assert_eq!(follower.client.current_base(), leader.url());
    follower.server.shutdown().await;
    leader.shutdown().await;
}

/// A loopback server that answers every request with `response`, verbatim.
async fn canned(response: &'static str) -> (String, tokio::task::JoinHandle<()>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let handle = tokio::spawn(async move {
        for _ in 0..4 {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let mut buf = [0u8; 4096];
            let _ = sock.read(&mut buf).await;
            let _ = sock.write_all(response.as_bytes()).await;
            let _ = sock.shutdown().await;
        }
    });
    (url, handle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_maintenance_page_is_a_clear_error() {
    let (url, handle) = canned(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 22\r\nConnection: close\r\n\r\n{\"DRAINED\": \"oops\"}   ",
    )
    .await;
    let client = AuroraClient::new(ClientConfig::new(url.clone())).unwrap();
    let err = client.get_maintenance().await.unwrap_err();
    assert!(matches!(err, ClientError::BadBody { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains(&format!("{url}/maintenance")) && text.contains("DRAINED: expected a list"),
        "{text}"
    );
    // Through the console's fetch: an error string, and the view shows the hosts it has.
    let r =
        eos::backend::Backend::fetch(&client, &eos::app::resource::ResourceKey::Maintenance).await;
    assert!(r.unwrap_err().text.contains("expected a list"));
    handle.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_anonymous_drain_is_refused_with_401_and_explained() {
    let mut w = start(SimArgs {
        auth: Some("admin:secret".into()),
        ..frozen()
    })
    .await;
    let mut s = hosts_view(&mut w).await;
    w.act(
        &mut s,
        vec![ch('g'), ch('m'), k(KeyCode::Right), k(KeyCode::Enter)],
    )
    .await;
    assert_eq!(w.sent.len(), 1);
    assert!(
        matches!(w.sent[0].1, MutationOutcome::AuthRequired { .. }),
        "{:?}",
        w.sent[0].1
    );
    let (title, lines) = s.overlays.notice.clone().expect("a notice");
    assert_eq!(title, "startMaintenance needs credentials");
    assert!(lines.iter().any(|l| l.contains("admin role")), "{lines:?}");
    let audit = w.audit_lines();
    assert_eq!(audit[0]["response_code"], "HTTP_401");
    // Nothing changed.
    let first = s.top().table().unwrap().rows[0].id.clone();
    assert_eq!(mode_of(&w, &first).await, MaintenanceMode::NONE);
    w.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eos_get_hosts_as_a_table_and_as_json() {
    use eos::cmd::get::{GetArgs, Output, What};
    let w = start(frozen()).await;
    let host = "agent-0003.us-east-1c.devcluster.example.com";
    w.client.drain_hosts(&[host.to_owned()]).await.unwrap();
    let on_host = tasks_on(&w, host).await.len();
    assert!(on_host > 0);
    let table = eos::cmd::get::fetch(
        &w.client,
        &GetArgs {
            output: Output::Table,
            retries: 0,
            what: What::Hosts,
        },
    )
    .await
    .unwrap();
    let mut lines = table.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["HOST", "MODE", "TASKS", "TO", "MOVE", "JOBS"]);
    let line = table.lines().find(|l| l.starts_with(host)).unwrap();
    let cols: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(
        cols[1..4],
        ["DRAINING", &on_host.to_string(), &on_host.to_string()]
    );
    assert!(cols[4].contains("/prod/"), "{line}");
    let json = eos::cmd::get::fetch(
        &w.client,
        &GetArgs {
            output: Output::Json,
            retries: 0,
            what: What::Hosts,
        },
    )
    .await
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let hosts = v.as_array().unwrap();
    assert!(hosts.len() >= 10);
    let h = hosts.iter().find(|h| h["host"] == host).unwrap();
    assert_eq!(h["mode"], "DRAINING");
    assert_eq!(h["tasks"], on_host);
    assert_eq!(h["tasksToMove"], on_host);
    let listed: u64 = h["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["tasks"].as_u64().unwrap())
        .sum();
    assert_eq!(listed, on_host as u64);
    let scheduled = hosts.iter().find(|h| h["mode"] == "SCHEDULED").unwrap();
    assert_eq!(scheduled["tasks"], 0);
    assert!(scheduled["tasksToMove"].is_null());
    w.server.shutdown().await;
}
