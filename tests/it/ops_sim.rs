//! Operations end to end against the in-process simulator (frozen clock): keys go through the
//! reducer to a confirmation and an `Effect::Mutate`, which `eos::effects::mutate` sends with the
//! real client and records in a temporary audit log; the result is then read back through the
//! API. Fault injection checks that a failed or unanswered mutation is reported once and never
//! re-sent (counted at the server side by a small TCP proxy).

use crate::reducer_common::{ch, ctrl, k, message, mutations};
use crate::sim_common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossterm::event::KeyCode;
use eos::app::dialog::Dialog;
use eos::app::ops::{Control, Operation};
use eos::app::{Action, Effect, MutationOutcome, Nav, State};
use eos::aurora::client::{AuroraClient, ClientConfig};
use eos::aurora::credentials::{CredentialSource, Credentials};
use eos::aurora::model::*;
use eos::sim::{SimArgs, SimServer, Simulator};
use sim_common::driver::Driver;
use sim_common::{active_tasks, all_tasks, frozen, key};

// ---- harness: the shared driver, audited under `eos/` ----

async fn start() -> Driver {
    start_with(frozen()).await
}

async fn start_with(args: SimArgs) -> Driver {
    Driver::start(args).await.audited("eos/audit.log")
}

/// A console state showing `nav`, with its data loaded.
async fn state_at(w: &mut Driver, nav: Nav) -> State {
    let mut s = w.console(&w.server.url(), Nav::Roles, 120, 40);
    w.tick(&mut s).await;
    w.act(&mut s, [Action::Open(nav)]).await;
    s
}

fn text(s: &str) -> Vec<Action> {
    s.chars().map(ch).collect()
}

/// From a freshly opened confirmation (focus on Cancel): move to the action button, press it.
fn confirm_keys() -> Vec<Action> {
    vec![k(KeyCode::Right), k(KeyCode::Enter)]
}

fn confirm_dialog(s: &State) -> &eos::app::dialog::Confirm {
    match &s.overlays.dialog {
        Some(Dialog::Confirm(c)) => c,
        other => panic!("expected a confirmation, got {other:?}"),
    }
}

/// Selects the row of `instance` in the tasks view (rows are ordered by instance).
fn select_instance(s: &State, instance: i32) -> Vec<Action> {
    let t = s.top().table().expect("a table");
    let pos = t
        .view
        .iter()
        .position(|&i| t.rows[i].instance == Some(instance))
        .unwrap_or_else(|| panic!("instance {instance} not in the view"));
    let mut v = vec![ch('g')];
    v.extend((0..pos).map(|_| ch('j')));
    v
}

fn by_instance(tasks: &[ScheduledTask]) -> std::collections::BTreeMap<i32, ScheduledTask> {
    tasks.iter().map(|t| (t.instance_id(), t.clone())).collect()
}

async fn update_summary(c: &AuroraClient, job: &str) -> JobUpdateSummary {
    let q = JobUpdateQuery {
        job_key: Some(key(job)),
        ..Default::default()
    };
    let mut v = c.get_job_update_summaries(q).await.unwrap().value;
    v.sort_by_key(|u| {
        u.state
            .as_ref()
            .and_then(|s| s.created_timestamp_ms)
            .unwrap_or(0)
    });
    v.pop()
        .unwrap_or_else(|| panic!("{job} has no update in the simulator"))
}

async fn update_status(c: &AuroraClient, job: &str) -> JobUpdateStatus {
    update_summary(c, job)
        .await
        .state
        .and_then(|s| s.status)
        .expect("a status")
}

async fn update_key_of(c: &AuroraClient, job: &str) -> String {
    update_summary(c, job).await.key.expect("a key").to_string()
}

// ---- task operations ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_marked_instances_with_a_message() {
    let job = "www-data/prod/image-resizer";
    let mut w = start().await;
    let before = by_instance(&active_tasks(&w.client, &key(job)).await);
    assert_eq!(before.len(), 6);
    let mut s = state_at(&mut w, Nav::Tasks(job.into())).await;
    // Mark instances 1 and 3: space marks and moves down.
    let mut keys = select_instance(&s, 1);
    keys.extend([ch(' '), ch('j'), ch(' ')]);
    keys.push(ctrl('k'));
    w.act(&mut s, keys).await;
    let c = confirm_dialog(&s);
    assert_eq!(
        c.op,
        Operation::Kill {
            job: key(job),
            instances: vec![1, 3],
            message: None
        }
    );
    assert!(
        c.op.describe()
            .contains(&("instances".into(), "1,3 (2 in all)".into()))
    );
    // Message field (Tab from Cancel), then to the button and press it.
    let mut keys = vec![k(KeyCode::Tab)];
    keys.extend(text("bad canary"));
    keys.extend([k(KeyCode::Tab), k(KeyCode::Enter)]);
    let fx = w.act(&mut s, keys).await;
    assert_eq!(
        mutations(&fx),
        vec![Operation::Kill {
            job: key(job),
            instances: vec![1, 3],
            message: Some("bad canary".into())
        }]
    );
    assert!(s.overlays.dialog.is_none());
    assert!(
        message(&s).starts_with("killTasks: OK"),
        "{:?}",
        message(&s)
    );
    // The forced refresh after the answer already shows the kill.
    let table = s.top().table().unwrap();
    assert!(table.marked.is_empty(), "marks are spent by the kill");

    // Through the API: exactly 1 and 3 are killed, with the message in their last event.
    w.sim.advance(Duration::from_secs(120));
    let tasks = all_tasks(&w.client, &key(job)).await;
    for (i, t) in &before {
        let now = tasks
            .iter()
            .find(|x| x.task_id() == t.task_id())
            .expect("task still known");
        if *i == 1 || *i == 3 {
            assert!(
                matches!(
                    now.status(),
                    ScheduleStatus::KILLING | ScheduleStatus::KILLED
                ),
                "instance {i}: {:?}",
                now.status()
            );
            let events = now.task_events.clone().unwrap_or_default();
            assert!(
                events
                    .iter()
                    .any(|e| e.message.as_deref() == Some("Killed by UNSECURE.\nbad canary")),
                "instance {i} events: {events:?}"
            );
        } else {
            assert_eq!(now.status(), ScheduleStatus::RUNNING, "instance {i}");
        }
    }
    // One audit line, with what was sent and the answer.
    let audit = w.audit_lines();
    assert_eq!(audit.len(), 1, "{audit:?}");
    let a = &audit[0];
    assert_eq!(a["method"], "killTasks");
    assert_eq!(a["arguments"]["instances"], serde_json::json!([1, 3]));
    assert_eq!(a["arguments"]["job"]["name"], "image-resizer");
    assert_eq!(a["message"], "bad canary");
    assert_eq!(a["response_code"], "OK");
    assert_eq!(a["cluster"], "devcluster");
    for field in ["time", "scheduler", "local_user", "details", "duration_ms"] {
        assert!(a.get(field).is_some(), "audit line lacks {field}: {a}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_gives_the_selected_instance_a_new_task() {
    let job = "www-data/prod/static-assets";
    let mut w = start().await;
    let before = by_instance(&active_tasks(&w.client, &key(job)).await);
    let mut s = state_at(&mut w, Nav::Tasks(job.into())).await;
    let mut keys = select_instance(&s, 2);
    keys.push(ch('r'));
    w.act(&mut s, keys).await;
    assert_eq!(
        confirm_dialog(&s).op,
        Operation::Restart {
            job: key(job),
            instances: vec![2]
        }
    );
    let fx = w.act(&mut s, confirm_keys()).await;
    assert_eq!(mutations(&fx).len(), 1);
    assert!(
        message(&s).starts_with("restartShards: OK"),
        "{}",
        message(&s)
    );
    w.sim.advance(Duration::from_secs(300));
    let after = by_instance(&active_tasks(&w.client, &key(job)).await);
    assert_eq!(after.len(), before.len());
    for (i, t) in &before {
        let same = after[i].task_id() == t.task_id();
        assert_eq!(same, *i != 2, "instance {i}: only 2 gets a new task");
    }
    let old = all_tasks(&w.client, &key(job))
        .await
        .into_iter()
        .find(|t| t.task_id() == before[&2].task_id())
        .unwrap();
    assert!(
        old.task_events
            .unwrap_or_default()
            .iter()
            .any(|e| e.status == Some(ScheduleStatus::RESTARTING)
                && e.message.as_deref() == Some("Restarted by UNSECURE")),
    );
    let audit = w.audit_lines();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0]["method"], "restartShards");
    assert_eq!(audit[0]["arguments"]["shardIds"], serde_json::json!([2]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scale_up_adds_instances_from_the_highest_with_its_config() {
    let job = "www-data/prod/api-gateway";
    let mut w = start().await;
    let before = by_instance(&active_tasks(&w.client, &key(job)).await);
    assert_eq!(
        before.keys().copied().collect::<Vec<_>>(),
        (0..12).collect::<Vec<_>>()
    );
    let mut s = state_at(&mut w, Nav::Tasks(job.into())).await;
    w.act(&mut s, vec![ch('s')]).await;
    match &s.overlays.dialog {
        Some(Dialog::AskCount(a)) => assert_eq!(a.current, 12),
        other => panic!("expected the count prompt, got {other:?}"),
    }
    let mut keys = vec![k(KeyCode::Backspace), k(KeyCode::Backspace)];
    keys.extend(text("14"));
    keys.push(k(KeyCode::Enter));
    w.act(&mut s, keys).await;
    let c = confirm_dialog(&s);
    assert_eq!(
        c.op,
        Operation::AddInstances {
            job: key(job),
            template: 11,
            count: 2
        }
    );
    assert!(
        c.op.describe()
            .contains(&("config".into(), "copied from active instance 11".into()))
    );
    let fx = w.act(&mut s, confirm_keys()).await;
    assert_eq!(mutations(&fx).len(), 1);
    assert!(
        message(&s).starts_with("addInstances: OK"),
        "{}",
        message(&s)
    );
    w.sim.advance(Duration::from_secs(120));
    let after = by_instance(&active_tasks(&w.client, &key(job)).await);
    assert_eq!(
        after.keys().copied().collect::<Vec<_>>(),
        (0..14).collect::<Vec<_>>()
    );
    let config = |t: &ScheduledTask| {
        t.assigned_task
            .as_ref()
            .and_then(|a| a.task.clone())
            .expect("full config from getTasksStatus")
    };
    for i in [12, 13] {
        assert_eq!(
            config(&after[&i]),
            config(&before[&11]),
            "instance {i} runs instance 11's config"
        );
    }
    // The console's own view caught up after the forced refresh.
    let fx = w.advance(&mut s, Duration::from_secs(10)).await;
    let _ = fx;
    let rows = s.top().table().unwrap().rows.len();
    assert_eq!(rows, 14, "the tasks view shows the new instances");
    let audit = w.audit_lines();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0]["method"], "addInstances");
    assert_eq!(audit[0]["arguments"]["count"], 2);
    assert_eq!(audit[0]["arguments"]["key"]["instanceId"], 11);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scale_down_kills_the_highest_instances() {
    let job = "search/prod/query-router";
    let mut w = start().await;
    let before = by_instance(&active_tasks(&w.client, &key(job)).await);
    assert_eq!(before.len(), 16);
    let mut s = state_at(&mut w, Nav::Tasks(job.into())).await;
    let mut keys = vec![ch('s'), k(KeyCode::Backspace), k(KeyCode::Backspace)];
    keys.extend(text("13"));
    keys.push(k(KeyCode::Enter));
    w.act(&mut s, keys).await;
    let expected = Operation::Kill {
        job: key(job),
        instances: vec![13, 14, 15],
        message: Some("scaled down from 16 to 13 instances".into()),
    };
    assert_eq!(confirm_dialog(&s).op, expected);
    let fx = w.act(&mut s, confirm_keys()).await;
    assert_eq!(mutations(&fx), vec![expected]);
    w.sim.advance(Duration::from_secs(120));
    let after = by_instance(&active_tasks(&w.client, &key(job)).await);
    assert_eq!(
        after.keys().copied().collect::<Vec<_>>(),
        (0..13).collect::<Vec<_>>()
    );
    for i in 0..13 {
        assert_eq!(
            after[&i].task_id(),
            before[&i].task_id(),
            "instance {i} untouched"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scale_kill_and_restart_are_refused_by_the_console_during_an_update() {
    let job = "search/prod/indexer";
    let mut w = start().await;
    assert!(update_status(&w.client, job).await.is_active());
    let before = active_tasks(&w.client, &key(job)).await.len();
    let mut s = state_at(&mut w, Nav::Tasks(job.into())).await;
    for action in [ch('s'), ctrl('k'), ch('r')] {
        let fx = w.act(&mut s, vec![action]).await;
        assert!(mutations(&fx).is_empty(), "nothing is sent");
        assert!(
            s.overlays.dialog.is_none(),
            "no dialog opens: {:?}",
            s.overlays.dialog
        );
        let m = message(&s);
        assert!(
            m.contains("active update") && m.contains("JOB_UPDATING_ERROR"),
            "{m}"
        );
    }
    assert!(w.sent.is_empty());
    assert!(w.audit_lines().is_empty(), "nothing sent, nothing audited");
    assert_eq!(active_tasks(&w.client, &key(job)).await.len(), before);
}

// ---- update control ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_pause_and_roll_back_a_paused_update() {
    let job = "www-data/prod/frontend";
    let mut w = start().await;
    assert_eq!(
        update_status(&w.client, job).await,
        JobUpdateStatus::ROLL_FORWARD_PAUSED
    );
    let ukey = update_key_of(&w.client, job).await;
    let mut s = state_at(&mut w, Nav::Update(ukey.clone())).await;

    // Resume (P).
    w.act(&mut s, vec![ch('P')]).await;
    assert!(matches!(
        confirm_dialog(&s).op,
        Operation::Control {
            control: Control::Resume,
            ..
        }
    ));
    w.act(&mut s, confirm_keys()).await;
    assert_eq!(
        update_status(&w.client, job).await,
        JobUpdateStatus::ROLLING_FORWARD
    );
    // Pause (p) with a message.
    w.advance(&mut s, Duration::from_secs(5)).await;
    let mut keys = vec![ch('p'), k(KeyCode::Tab)];
    keys.extend(text("ops test pause"));
    keys.extend([k(KeyCode::Tab), k(KeyCode::Enter)]);
    w.act(&mut s, keys).await;
    assert_eq!(
        update_status(&w.client, job).await,
        JobUpdateStatus::ROLL_FORWARD_PAUSED
    );
    let details = w
        .client
        .get_job_update_details(JobUpdateQuery {
            key: JobUpdateKey::parse(&ukey),
            ..Default::default()
        })
        .await
        .unwrap()
        .value;
    let events = details[0].update_events.clone().unwrap_or_default();
    let last = events.last().expect("events");
    assert_eq!(last.status, Some(JobUpdateStatus::ROLL_FORWARD_PAUSED));
    assert_eq!(last.message.as_deref(), Some("ops test pause"));
    assert_eq!(last.user.as_deref(), Some("UNSECURE"));
    // Roll back (b).
    w.advance(&mut s, Duration::from_secs(5)).await;
    w.act(&mut s, vec![ch('b')]).await;
    assert!(matches!(
        confirm_dialog(&s).op,
        Operation::Control {
            control: Control::Rollback,
            ..
        }
    ));
    w.act(&mut s, confirm_keys()).await;
    assert_eq!(
        update_status(&w.client, job).await,
        JobUpdateStatus::ROLLING_BACK
    );
    let methods: Vec<_> = w
        .audit_lines()
        .iter()
        .map(|a| a["method"].clone())
        .collect();
    assert_eq!(
        methods,
        vec!["resumeJobUpdate", "pauseJobUpdate", "rollbackJobUpdate"]
    );
    assert!(
        w.sent
            .iter()
            .all(|(_, o)| matches!(o, MutationOutcome::Done { .. }))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abort_a_rolling_update_from_the_updates_list() {
    let job = "search/prod/indexer";
    let mut w = start().await;
    assert_eq!(
        update_status(&w.client, job).await,
        JobUpdateStatus::ROLLING_FORWARD
    );
    let mut s = state_at(
        &mut w,
        Nav::Updates {
            role: Some("search".into()),
            filter: None,
        },
    )
    .await;
    // Put the cursor on the indexer's update row.
    let ukey = update_key_of(&w.client, job).await;
    let t = s.top().table().unwrap();
    let pos = t
        .view
        .iter()
        .position(|&i| t.rows[i].id == ukey)
        .expect("the update is listed");
    let mut keys = vec![ch('g')];
    keys.extend((0..pos).map(|_| ch('j')));
    keys.push(ch('a'));
    w.act(&mut s, keys).await;
    assert!(matches!(
        confirm_dialog(&s).op,
        Operation::Control {
            control: Control::Abort,
            ..
        }
    ));
    w.act(&mut s, confirm_keys()).await;
    assert_eq!(
        update_status(&w.client, job).await,
        JobUpdateStatus::ABORTED
    );
    assert!(
        message(&s).starts_with("abortJobUpdate: OK"),
        "{}",
        message(&s)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pulse_says_ok_for_a_pulsed_update_and_finished_for_a_finished_one() {
    let mut w = start().await;
    let pulsed = "analytics/prod/stream-processor";
    assert_eq!(
        update_status(&w.client, pulsed).await,
        JobUpdateStatus::ROLL_FORWARD_AWAITING_PULSE
    );
    let ukey = update_key_of(&w.client, pulsed).await;
    let mut s = state_at(&mut w, Nav::Update(ukey)).await;
    let mut keys = vec![ch('.')];
    keys.extend(confirm_keys());
    w.act(&mut s, keys).await;
    assert!(matches!(
        w.sent.last(),
        Some((
            Operation::Pulse { .. },
            MutationOutcome::Done {
                pulse: Some(JobUpdatePulseStatus::OK),
                ..
            }
        ))
    ));
    assert!(
        message(&s).contains("pulseJobUpdate: OK"),
        "{}",
        message(&s)
    );
    assert_eq!(
        update_status(&w.client, pulsed).await,
        JobUpdateStatus::ROLLING_FORWARD,
        "a pulse unblocks the rollout"
    );

    // The ledger-api deploy was rolled back long ago: the scheduler answers FINISHED.
    let finished = "payments/prod/ledger-api";
    assert!(!update_status(&w.client, finished).await.is_active());
    let ukey = update_key_of(&w.client, finished).await;
    let mut s = state_at(&mut w, Nav::Update(ukey)).await;
    let mut keys = vec![ch('.')];
    keys.extend(confirm_keys());
    w.act(&mut s, keys).await;
    assert!(matches!(
        w.sent.last(),
        Some((
            Operation::Pulse { .. },
            MutationOutcome::Done {
                pulse: Some(JobUpdatePulseStatus::FINISHED),
                ..
            }
        ))
    ));
    assert!(
        message(&s).contains("FINISHED"),
        "the person is told the update is finished: {}",
        message(&s)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hold_pulses_while_the_update_screen_is_open_and_stops_when_it_is_left() {
    let job = "analytics/prod/stream-processor";
    let mut w = start().await;
    let ukey = update_key_of(&w.client, job).await;
    let mut s = state_at(&mut w, Nav::Update(ukey.clone())).await;
    let pulses = |w: &Driver| {
        w.sent
            .iter()
            .filter(|(op, _)| matches!(op, Operation::Pulse { .. }))
            .count()
    };
    // `h` offers the hold (a pulse confirmation); confirming sends the first pulse.
    w.act(&mut s, vec![ch('h')]).await;
    let c = confirm_dialog(&s);
    assert!(
        c.warnings.iter().any(|m| m.contains("every 20s")),
        "{:?}",
        c.warnings
    );
    w.act(&mut s, confirm_keys()).await;
    assert_eq!(pulses(&w), 1);
    let hold = s.hold.clone().expect("holding");
    assert_eq!(
        hold.every_ms, 20_000,
        "a third of blockIfNoPulsesAfterMs (60s)"
    );
    assert_eq!(
        update_status(&w.client, job).await,
        JobUpdateStatus::ROLLING_FORWARD
    );
    // Two simulated minutes in 5 s steps: a pulse every 20 s, and the rollout never blocks.
    for _ in 0..24 {
        w.advance(&mut s, Duration::from_secs(5)).await;
        let st = update_status(&w.client, job).await;
        assert_ne!(st, JobUpdateStatus::ROLL_FORWARD_AWAITING_PULSE, "held");
    }
    assert_eq!(pulses(&w), 1 + 120 / 20, "one pulse per 20 s");
    assert!(s.hold.is_some());
    assert!(
        s.hold
            .as_ref()
            .and_then(|h| h.last_result.clone())
            .is_some_and(|r| r.contains("pulse OK")),
        "{:?}",
        s.hold
    );
    // Leave the screen: the hold ends and no more pulses go out.
    w.act(&mut s, vec![ch('q')]).await;
    let held = pulses(&w);
    for _ in 0..30 {
        w.advance(&mut s, Duration::from_secs(5)).await;
    }
    assert!(s.hold.is_none(), "the hold ends with the screen");
    assert_eq!(pulses(&w), held, "no pulse after the screen was left");
    // So the scheduler's own rule blocks the rollout again.
    assert_eq!(
        update_status(&w.client, job).await,
        JobUpdateStatus::ROLL_FORWARD_AWAITING_PULSE
    );
    assert_eq!(
        w.audit_lines()
            .iter()
            .filter(|a| a["method"] == "pulseJobUpdate")
            .count(),
        held
    );
}

// ---- whole job and cron ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_job_requires_typing_the_job_key_then_kills_everything() {
    let job = "payments/prod/hsm-proxy";
    let mut w = start().await;
    assert_eq!(active_tasks(&w.client, &key(job)).await.len(), 2);
    let mut s = state_at(&mut w, Nav::Tasks(job.into())).await;
    let mut keys = vec![ch(':')];
    keys.extend(text(&format!("kill-job {job}")));
    keys.push(k(KeyCode::Enter));
    w.act(&mut s, keys).await;
    let phrase = format!("{job} 2");
    assert_eq!(confirm_dialog(&s).require, Some(phrase.clone()));
    // The button does nothing until the key is typed.
    let fx = w.act(&mut s, confirm_keys()).await;
    assert!(mutations(&fx).is_empty());
    assert!(s.overlays.dialog.is_some());
    // Typing only the name is not enough.
    let mut keys = text("hsm-proxy");
    keys.extend([k(KeyCode::Enter), k(KeyCode::Enter)]);
    let fx = w.act(&mut s, keys).await;
    assert!(mutations(&fx).is_empty());
    assert!(!confirm_dialog(&s).armed());
    // The full key and the count arm it.
    let mut keys: Vec<Action> = (0.."hsm-proxy".len())
        .map(|_| k(KeyCode::Backspace))
        .collect();
    keys.extend(text(&phrase));
    keys.extend([k(KeyCode::Enter), k(KeyCode::Enter)]);
    let fx = w.act(&mut s, keys).await;
    assert_eq!(
        mutations(&fx),
        vec![Operation::KillJob {
            job: key(job),
            message: None
        }]
    );
    w.sim.advance(Duration::from_secs(120));
    assert!(active_tasks(&w.client, &key(job)).await.is_empty());
    let audit = w.audit_lines();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0]["method"], "killTasks");
    assert_eq!(audit[0]["arguments"]["instances"], serde_json::Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cron_start_runs_a_cron_job_now() {
    let job = "analytics/prod/nightly-rollup";
    let mut w = start().await;
    let before: Vec<String> = all_tasks(&w.client, &key(job))
        .await
        .iter()
        .map(|t| t.task_id().to_owned())
        .collect();
    let mut s = state_at(&mut w, Nav::Jobs(Some("analytics".into()))).await;
    let mut keys = vec![ch(':')];
    keys.extend(text(&format!("cron-start {job}")));
    keys.push(k(KeyCode::Enter));
    w.act(&mut s, keys).await;
    assert_eq!(
        confirm_dialog(&s).op,
        Operation::CronStart { job: key(job) }
    );
    w.act(&mut s, confirm_keys()).await;
    assert!(
        message(&s).starts_with("startCronJob: OK"),
        "{}",
        message(&s)
    );
    w.sim.advance(Duration::from_secs(30));
    let new: Vec<ScheduledTask> = active_tasks(&w.client, &key(job))
        .await
        .into_iter()
        .filter(|t| !before.iter().any(|b| b == t.task_id()))
        .collect();
    assert_eq!(new.len(), 5, "a run of the 5-instance cron job started");
    assert_eq!(w.audit_lines()[0]["method"], "startCronJob");
}

// ---- audit and credentials ----

const PASSWORD: &str = "pa55-w0rd-s3cret";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_never_contains_credentials_and_a_401_explains_itself() {
    let job = "www-data/prod/image-resizer";
    let mut args = frozen();
    args.auth = Some(format!("oncall:{PASSWORD}"));
    let mut w = start_with(args).await;

    // Without credentials: refused with 401, explained, audited without secrets.
    let mut s = state_at(&mut w, Nav::Tasks(job.into())).await;
    let mut keys = select_instance(&s, 0);
    keys.push(ctrl('k'));
    keys.extend(confirm_keys());
    w.act(&mut s, keys).await;
    assert!(matches!(
        w.sent.last(),
        Some((_, MutationOutcome::AuthRequired { .. }))
    ));
    let (title, lines) = s
        .overlays
        .notice
        .clone()
        .expect("a notice explains the 401");
    assert!(title.contains("killTasks"), "{title}");
    assert!(
        lines.iter().any(|l| l.contains("Credentials tried: none")),
        "{lines:?}"
    );
    assert_eq!(
        active_tasks(&w.client, &key(job)).await.len(),
        6,
        "nothing was killed"
    );

    // With credentials: it works, and the user is the one recorded by the scheduler.
    let mut cfg = ClientConfig::new(w.server.url());
    cfg.credentials = Some(Credentials::new(
        "oncall",
        PASSWORD,
        CredentialSource::Given,
    ));
    w.mutate_to(AuroraClient::new(cfg).unwrap());
    let mut s = state_at(&mut w, Nav::Tasks(job.into())).await;
    let mut keys = select_instance(&s, 0);
    keys.push(ctrl('k'));
    keys.push(k(KeyCode::Tab));
    keys.extend(text("rotating"));
    keys.extend([k(KeyCode::Tab), k(KeyCode::Enter)]);
    w.act(&mut s, keys).await;
    assert!(matches!(
        w.sent.last(),
        Some((_, MutationOutcome::Done { .. }))
    ));
    let killed = all_tasks(&w.client, &key(job))
        .await
        .into_iter()
        .filter(|t| t.instance_id() == 0)
        .flat_map(|t| t.task_events.unwrap_or_default())
        .any(|e| e.message.as_deref() == Some("Killed by oncall.\nrotating"));
    assert!(killed, "the scheduler recorded the authenticated user");

    let raw = std::fs::read_to_string(w.audit_path()).unwrap();
    assert_eq!(raw.lines().count(), 2, "{raw}");
    assert!(
        !raw.contains(PASSWORD),
        "the password is in the audit log:\n{raw}"
    );
    use base64::Engine as _;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("oncall:{PASSWORD}"));
    assert!(!raw.contains(&basic), "the Basic token is in the audit log");
    let audit = w.audit_lines();
    assert_eq!(audit[0]["response_code"], "HTTP_401");
    assert_eq!(audit[1]["response_code"], "OK");
    assert_eq!(audit[1]["message"], "rotating");
}

/// A Kerberos cluster whose scheduler answers 401 (here: no ticket can be made, or the build
/// lacks the `kerberos` feature): the notice says Kerberos and kinit, not netrc.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_on_a_kerberos_cluster_explains_kinit() {
    let job = "www-data/prod/image-resizer";
    let mut args = frozen();
    args.auth = Some(format!("oncall:{PASSWORD}"));
    let mut w = start_with(args).await;
    let mut cfg = ClientConfig::new(w.server.url());
    cfg.kerberos = true;
    w.mutate_to(AuroraClient::new(cfg).unwrap());
    let mut s = state_at(&mut w, Nav::Tasks(job.into())).await;
    let mut keys = select_instance(&s, 0);
    keys.push(ctrl('k'));
    keys.extend(confirm_keys());
    w.act(&mut s, keys).await;
    assert!(matches!(
        w.sent.last(),
        Some((_, MutationOutcome::AuthRequired { kerberos: true, .. }))
    ));
    let (title, lines) = s
        .overlays
        .notice
        .clone()
        .expect("a notice explains the 401");
    assert!(title.contains("killTasks"), "{title}");
    assert!(
        lines[0].contains("Kerberos (Negotiate)"),
        "the error names Kerberos: {lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("Credentials tried: Kerberos (Negotiate)")),
        "{lines:?}"
    );
    assert!(lines.iter().any(|l| l.contains("run kinit")), "{lines:?}");
    assert!(!lines.iter().any(|l| l.contains("netrc")), "{lines:?}");
    assert_eq!(
        active_tasks(&w.client, &key(job)).await.len(),
        6,
        "nothing was killed"
    );
}

// ---- faults: reported once, never re-sent ----

/// A TCP proxy in front of a scheduler that keeps every byte clients sent, per connection, so
/// a test can count how many calls of a method reached the server.
struct CountingProxy {
    url: String,
    conns: Connections,
    /// Connections accepted and not yet closed by either side.
    open: Arc<AtomicUsize>,
}

/// The bytes each proxied connection sent upstream.
type Connections = Arc<Mutex<Vec<Arc<Mutex<Vec<u8>>>>>>;

impl CountingProxy {
    async fn start(upstream: String) -> CountingProxy {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let conns: Connections = Arc::default();
        let all = conns.clone();
        let open = Arc::new(AtomicUsize::new(0));
        let still_open = open.clone();
        tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                let buf = Arc::new(Mutex::new(Vec::new()));
                all.lock().unwrap().push(buf.clone());
                let upstream = upstream.clone();
                still_open.fetch_add(1, Ordering::SeqCst);
                let still_open = still_open.clone();
                tokio::spawn(async move {
                    // Counted closed however this task ends.
                    let _closed = CloseCount(still_open);
                    let Ok(outbound) = tokio::net::TcpStream::connect(&upstream).await else {
                        return;
                    };
                    let (mut ri, mut wi) = inbound.into_split();
                    let (mut ro, mut wo) = outbound.into_split();
                    let up = async {
                        let mut chunk = [0u8; 8192];
                        loop {
                            match ri.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => {
                                    buf.lock().unwrap().extend_from_slice(&chunk[..n]);
                                    if wo.write_all(&chunk[..n]).await.is_err() {
                                        return;
                                    }
                                }
                            }
                        }
                    };
                    let down = tokio::io::copy(&mut ro, &mut wi);
                    tokio::select! {
                        _ = up => {}
                        _ = down => {}
                    }
                });
            }
        });
        CountingProxy { url, conns, open }
    }

    /// Waits (bounded) until every connection made through the proxy has been closed: the
    /// client has finished with all it sent, so every request it made is counted.
    async fn wait_all_closed(&self) {
        for _ in 0..1000 {
            if self.open.load(Ordering::SeqCst) == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!(
            "{} connections through the proxy still open",
            self.open.load(Ordering::SeqCst)
        );
    }

    /// How many times `method` was sent through the proxy.
    fn count(&self, method: &str) -> usize {
        let needle = method.as_bytes();
        self.conns
            .lock()
            .unwrap()
            .iter()
            .map(|b| {
                b.lock()
                    .unwrap()
                    .windows(needle.len())
                    .filter(|w| *w == needle)
                    .count()
            })
            .sum()
    }
}

/// Decrements the proxy's count of open connections when dropped.
struct CloseCount(Arc<AtomicUsize>);

impl Drop for CloseCount {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Marks instance 0 of `job` in a console loaded from the healthy world, confirms a kill, and
/// returns the effects of the confirmation and of the answer.
async fn kill_instance_zero(w: &mut Driver, job: &str) -> (State, Vec<Effect>) {
    let mut s = state_at(w, Nav::Tasks(job.into())).await;
    let mut keys = select_instance(&s, 0);
    keys.push(ctrl('k'));
    keys.extend(confirm_keys());
    let fx = w.act(&mut s, keys).await;
    (s, fx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_answered_with_http_errors_is_reported_once_and_not_resent() {
    let job = "www-data/prod/image-resizer";
    let mut w = start().await;
    // The same world (same seed), but every /api call answers 500 or 503.
    let mut args = frozen();
    args.error_rate = 1.0;
    let broken = Simulator::new(&args);
    let broken_server = SimServer::start(broken.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let proxy =
        CountingProxy::start(broken_server.url().trim_start_matches("http://").into()).await;
    w.mutate_to(AuroraClient::new(ClientConfig::new(proxy.url.clone())).unwrap());

    let (mut s, fx) = kill_instance_zero(&mut w, job).await;
    assert_eq!(mutations(&fx).len(), 1, "one mutation effect");
    assert_eq!(w.sent.len(), 1);
    // The injected fault is a 503 or a 500: an HTTP status can come from a proxy after the
    // scheduler acted, so either is "outcome unknown", reported once.
    assert!(
        matches!(w.sent[0].1, MutationOutcome::Unknown { .. }),
        "{:?}",
        w.sent[0].1
    );
    assert!(
        message(&s).contains("killTasks: outcome unknown (a 50"),
        "{}",
        message(&s)
    );
    assert!(s.pending_mutations.is_empty());
    // Time passes; nothing is re-sent.
    for _ in 0..10 {
        let fx = w.advance(&mut s, Duration::from_secs(10)).await;
        assert!(mutations(&fx).is_empty());
    }
    assert_eq!(
        proxy.count("killTasks"),
        1,
        "exactly one killTasks reached the server"
    );
    let audit = w.audit_lines();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0]["response_code"], "OUTCOME_UNKNOWN");
    broken_server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_without_an_answer_is_outcome_unknown_and_not_resent() {
    let job = "www-data/prod/image-resizer";
    let mut w = start().await;
    // A scheduler that answers after 2 s, and a client that waits 300 ms.
    let mut args = frozen();
    args.latency = 2000;
    let slow = Simulator::new(&args);
    let slow_server = SimServer::start(slow.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let proxy = CountingProxy::start(slow_server.url().trim_start_matches("http://").into()).await;
    let mut cfg = ClientConfig::new(proxy.url.clone());
    cfg.request_timeout = Duration::from_millis(300);
    w.mutate_to(AuroraClient::new(cfg).unwrap());

    let (mut s, fx) = kill_instance_zero(&mut w, job).await;
    assert_eq!(mutations(&fx).len(), 1);
    assert!(
        matches!(w.sent[0].1, MutationOutcome::Unknown { .. }),
        "{:?}",
        w.sent[0].1
    );
    let m = message(&s);
    assert!(
        m.contains("outcome unknown") && m.contains("not re-sent"),
        "{m}"
    );
    for _ in 0..5 {
        let fx = w.advance(&mut s, Duration::from_secs(10)).await;
        assert!(mutations(&fx).is_empty());
    }
    // Once the client has closed every connection through the proxy, all it sent is counted:
    // a retry (there must be none) would show.
    proxy.wait_all_closed().await;
    assert_eq!(
        proxy.count("killTasks"),
        1,
        "exactly one killTasks reached the server"
    );
    assert_eq!(w.audit_lines()[0]["response_code"], "OUTCOME_UNKNOWN");
    slow_server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_against_a_stopped_scheduler_is_not_executed() {
    let job = "www-data/prod/image-resizer";
    let mut w = start().await;
    // A port nothing listens on.
    let gone = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    w.mutate_to(AuroraClient::new(ClientConfig::new(format!("http://{gone}"))).unwrap());
    let (s, fx) = kill_instance_zero(&mut w, job).await;
    assert_eq!(mutations(&fx).len(), 1);
    assert!(
        matches!(w.sent[0].1, MutationOutcome::Failed { .. }),
        "{:?}",
        w.sent[0].1
    );
    assert!(message(&s).contains("not executed"), "{}", message(&s));
    assert_eq!(w.audit_lines()[0]["response_code"], "NOT_EXECUTED");
}
