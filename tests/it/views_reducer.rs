//! The update screen, the updates list and triage as an incident needs them: the reducer run
//! against the in-process simulator (frozen clock, stepped by the tests), drawn with ratatui's
//! `TestBackend`.

use crate::reducer_common::{ch as key, draw_sized, message};
use crate::sim_common;

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use eos::app::{Action, Nav, Screen, State, update};
use eos::aurora::model::*;
use sim_common::driver::Driver;
use sim_common::frozen;

const INDEXER: &str = "search/prod/indexer";

async fn start() -> Driver {
    Driver::start(frozen()).await
}

/// A console at 120×40 showing `nav`, its data loaded.
async fn state_at(w: &mut Driver, nav: Nav) -> State {
    let mut s = w.console("http://sim.test:8081", Nav::Roles, 120, 40);
    w.tick(&mut s).await;
    w.act(&mut s, [Action::Open(nav)]).await;
    s
}

fn draw(state: &State) -> String {
    draw_sized(state, state.width, state.height)
}

/// The drawn line that starts with `label` (after the left margin).
fn line_of(text: &str, label: &str) -> String {
    text.lines()
        .find(|l| l.trim_start().starts_with(label))
        .unwrap_or_else(|| panic!("no {label:?} line in:\n{text}"))
        .to_owned()
}

fn enter() -> Action {
    Action::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE))
}

/// Every update of `job` from the simulator, oldest first.
async fn updates_of(w: &Driver, job: &str) -> Vec<JobUpdateSummary> {
    let q = JobUpdateQuery {
        job_key: JobKey::parse(job),
        ..Default::default()
    };
    let mut v = w.client.get_job_update_summaries(q).await.unwrap().value;
    v.sort_by_key(|u| {
        u.state
            .as_ref()
            .and_then(|s| s.created_timestamp_ms)
            .unwrap_or(0)
    });
    v
}

async fn details(w: &Driver, key: &str) -> JobUpdateDetails {
    let q = JobUpdateQuery {
        key: JobUpdateKey::parse(key),
        ..Default::default()
    };
    w.client
        .get_job_update_details(q)
        .await
        .unwrap()
        .value
        .remove(0)
}

/// `N/M` right after `prefix` in `line`.
fn fraction_after(line: &str, prefix: &str) -> (usize, usize) {
    let rest = &line[line
        .find(prefix)
        .unwrap_or_else(|| panic!("{prefix:?} not in {line:?}"))
        + prefix.len()..];
    let word = rest.split_whitespace().next().unwrap_or("");
    let (a, b) = word
        .split_once('/')
        .unwrap_or_else(|| panic!("no N/M after {prefix:?} in {line:?}"));
    (a.parse().unwrap(), b.parse().unwrap())
}

// ---- item 4: rollback progress ----

/// While an update rolls back, the screen counts what was rolled back out of what the update
/// had touched (it used to show `NN/30 updated` counting down), and the estimate is paced on
/// the rollback.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollback_shows_rolled_back_n_of_m_and_its_own_estimate() {
    let mut w = start().await;
    let ukey = updates_of(&w, INDEXER)
        .await
        .pop()
        .and_then(|u| u.key)
        .unwrap()
        .to_string();
    let mut s = state_at(&mut w, Nav::Update(ukey.clone())).await;
    let before = draw(&s);
    let (updated, total) = fraction_after(&line_of(&before, "progress"), "░ ");
    assert!(
        line_of(&before, "progress").ends_with("updated"),
        "{before}"
    );
    assert!(updated > 0 && total == 30, "{before}");

    w.client
        .rollback_job_update(&JobUpdateKey::parse(&ukey).unwrap(), Some("bad build"))
        .await
        .unwrap();
    let mut seen = Vec::new();
    for _ in 0..24 {
        w.advance(&mut s, Duration::from_secs(5)).await;
        let text = draw(&s);
        let d = details(&w, &ukey).await;
        if d.update
            .as_ref()
            .and_then(|u| u.summary.as_ref())
            .and_then(|s| s.state.as_ref())
            .and_then(|s| s.status)
            != Some(JobUpdateStatus::ROLLING_BACK)
        {
            break;
        }
        let progress = line_of(&text, "progress");
        assert!(
            !progress.contains("updated"),
            "a rollback does not count updated instances: {progress}"
        );
        let (n, m) = fraction_after(&progress, "rolled back ");
        // The rollback covers the instances the update had touched, and only those.
        let touched = d.instance_states().actions.len();
        assert_eq!(m, touched, "{progress}");
        assert!(m < 30 && m >= updated, "{progress}");
        assert!(n <= m, "{progress}");
        if let Some(l) = text
            .lines()
            .find(|l| l.trim_start().starts_with("estimate"))
        {
            assert!(l.contains("to roll back"), "{l}");
        }
        seen.push(n);
    }
    assert!(
        seen.windows(2).all(|p| p[0] <= p[1]),
        "rolled back only grows: {seen:?}"
    );
    assert!(
        seen.last().copied().unwrap_or(0) > 0,
        "some instances were rolled back: {seen:?}"
    );
    w.stop().await;
}

// ---- item 15: from an update to its job, `:update JOB`, progress in the list, instance events ----

fn type_line(line: &str) -> Vec<Action> {
    let mut v = vec![key(':')];
    v.extend(line.chars().map(key));
    v.push(enter());
    v
}

/// `t` on the update screen (and on an update in the list) opens the job's tasks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t_goes_from_an_update_to_its_jobs_tasks() {
    let mut w = start().await;
    let ukey = updates_of(&w, INDEXER)
        .await
        .pop()
        .and_then(|u| u.key)
        .unwrap()
        .to_string();
    let mut s = state_at(&mut w, Nav::Update(ukey)).await;
    w.act(&mut s, [key('t')]).await;
    match s.top() {
        Screen::Tasks { job, table, .. } => {
            assert_eq!(job, INDEXER);
            assert_eq!(table.rows.len(), 30, "the job's tasks are loaded");
        }
        other => panic!("expected the indexer's tasks, got {other:?}"),
    }
    // From the list: the selected update's job.
    let mut s = state_at(
        &mut w,
        Nav::Updates {
            role: Some("payments".into()),
            filter: None,
        },
    )
    .await;
    w.act(&mut s, [key('t')]).await;
    match s.top() {
        Screen::Tasks { job, .. } => assert_eq!(job, "payments/prod/ledger-api"),
        other => panic!("expected the ledger-api's tasks, got {other:?}"),
    }
    w.stop().await;
}

/// `:update ROLE/ENV/NAME` opens the job's active update, else its latest; a job without any
/// update says so and stays where it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_command_with_a_job_key_opens_its_active_else_latest_update() {
    let mut w = start().await;
    let mut s = state_at(&mut w, Nav::Roles).await;
    w.act(&mut s, type_line(&format!("update {INDEXER}"))).await;
    let active = updates_of(&w, INDEXER)
        .await
        .into_iter()
        .find(|u| {
            u.state
                .as_ref()
                .and_then(|s| s.status)
                .is_some_and(JobUpdateStatus::is_active)
        })
        .and_then(|u| u.key)
        .unwrap()
        .to_string();
    match s.top() {
        Screen::Update { key, .. } => assert_eq!(*key, active),
        other => panic!("expected the update screen, got {other:?}"),
    }
    let text = draw(&s);
    assert!(
        line_of(&text, "status").contains("ROLLING_FORWARD"),
        "{text}"
    );
    assert!(
        !text.contains("loading…"),
        "the details were fetched:\n{text}"
    );

    // A job whose updates all ended: the latest.
    let ledger = "payments/prod/ledger-api";
    let latest = updates_of(&w, ledger)
        .await
        .pop()
        .and_then(|u| u.key)
        .unwrap()
        .to_string();
    w.act(&mut s, type_line(&format!("update {ledger}"))).await;
    match s.top() {
        Screen::Update { key, .. } => assert_eq!(*key, latest),
        other => panic!("expected the update screen, got {other:?}"),
    }

    // A job that never had an update.
    let depth = s.stack.len();
    assert!(updates_of(&w, "payments/prod/hsm-proxy").await.is_empty());
    w.act(&mut s, type_line("update payments/prod/hsm-proxy"))
        .await;
    assert_eq!(s.stack.len(), depth, "{:?}", s.top());
    assert!(
        matches!(s.top(), Screen::Update { key, .. } if *key == latest),
        "{:?}",
        s.top()
    );
    assert!(
        message(&s).contains("no update of payments/prod/hsm-proxy"),
        "{}",
        message(&s)
    );
    w.stop().await;
}

/// The updates list shows each active update's progress, reading the details of the active
/// updates only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_updates_list_shows_progress_of_active_updates() {
    let mut w = start().await;
    let mut s = w.console("http://sim.test:8081", Nav::Roles, 120, 40);
    w.tick(&mut s).await;
    let fx = w
        .act(
            &mut s,
            [Action::Open(Nav::Updates {
                role: None,
                filter: None,
            })],
        )
        .await;
    let summaries = w
        .client
        .get_job_update_summaries(JobUpdateQuery::default())
        .await
        .unwrap()
        .value;
    let mut active: Vec<String> = summaries
        .iter()
        .filter(|u| {
            u.state
                .as_ref()
                .and_then(|s| s.status)
                .is_some_and(JobUpdateStatus::is_active)
        })
        .map(|u| u.key.as_ref().unwrap().to_string())
        .collect();
    active.sort();
    assert!(active.len() >= 2 && active.len() < summaries.len());
    let mut detail_fetches: Vec<String> = fx
        .iter()
        .filter_map(|e| match e {
            eos::app::Effect::Fetch {
                key: eos::app::resource::ResourceKey::UpdateDetails(k),
                ..
            } => Some(k.clone()),
            _ => None,
        })
        .collect();
    detail_fetches.sort();
    assert_eq!(
        detail_fetches, active,
        "details of the active updates, once each"
    );

    let text = draw(&s);
    assert!(text.contains("PROGRESS"), "{text}");
    for u in &summaries {
        let k = u.key.as_ref().unwrap().to_string();
        let job = k.rsplit_once('/').unwrap().0;
        let row = text
            .lines()
            .find(|l| l.contains(job))
            .unwrap_or_else(|| panic!("no row of {job}:\n{text}"));
        if active.contains(&k) {
            let d = details(&w, &k).await;
            let (done, total) = d.progress();
            assert!(
                row.trim_end().ends_with(&format!(" {done}/{total}")),
                "{row}"
            );
        } else {
            // No progress for an update that ended: the row ends with its age.
            let last = row.split_whitespace().last().unwrap_or("");
            assert!(!last.contains('/'), "{row}");
        }
    }
    w.stop().await;
}

/// The update screen lists what happened to each instance, newest first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_update_screen_lists_instance_events() {
    let mut w = start().await;
    let ukey = updates_of(&w, INDEXER)
        .await
        .pop()
        .and_then(|u| u.key)
        .unwrap()
        .to_string();
    let mut s = state_at(&mut w, Nav::Update(ukey.clone())).await;
    update(&mut s, Action::Resize(120, 200));
    let text = draw(&s);
    let d = details(&w, &ukey).await;
    let events = d.instance_events.clone().unwrap_or_default();
    assert!(!events.is_empty());
    let newest = events.iter().max_by_key(|e| e.timestamp_ms).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains("INSTANCE EVENTS"))
        .unwrap_or_else(|| panic!("no instance events:\n{text}"));
    let first = lines[at + 1];
    assert!(
        first.contains(&format!("instance {}", newest.instance_id.unwrap()))
            && first.contains(&newest.action.unwrap().to_string()),
        "{first}"
    );
    let listed = lines[at + 1..]
        .iter()
        .take_while(|l| l.contains("instance "))
        .count();
    assert_eq!(listed, events.len().min(50), "{text}");
    assert!(text.contains("INSTANCE_UPDATED") && text.contains("INSTANCE_UPDATING"));
    w.stop().await;
}

// ---- item 14: triage grouped by job and reason; crash loops say why ----

/// Keys that select the first row of the view for which `pick` holds.
fn select_row(s: &State, pick: impl Fn(&eos::app::table::Row) -> bool) -> Vec<Action> {
    let t = s.top().table().expect("a table");
    let pos = t
        .view
        .iter()
        .position(|&i| pick(&t.rows[i]))
        .unwrap_or_else(|| panic!("no such row in {:?}", visible(s)));
    let mut v = vec![key('g')];
    v.extend((0..pos).map(|_| key('j')));
    v
}

/// The visible rows' cells, in order.
fn visible(s: &State) -> Vec<Vec<String>> {
    let t = s.top().table().expect("a table");
    t.view.iter().map(|&i| t.rows[i].cells.clone()).collect()
}

/// After scaling a job that cannot be placed to 40 instances, triage has one row for its
/// pending instances (it had one per instance); Enter expands and folds the group, and Enter
/// on an instance or an update row still opens what it is about.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn triage_groups_pending_instances_by_job_and_reason() {
    let ml = "analytics/devel/ml-training";
    let mut w = start().await;
    w.client
        .add_instances(
            InstanceKey {
                job_key: JobKey::parse(ml),
                instance_id: Some(0),
            },
            38,
        )
        .await
        .unwrap();
    w.sim.advance(Duration::from_secs(5));
    let mut s = state_at(&mut w, Nav::Triage).await;
    let rows = visible(&s);
    let of_ml: Vec<&Vec<String>> = rows.iter().filter(|r| r[1].contains(ml)).collect();
    assert_eq!(
        of_ml.len(),
        1,
        "one row for the job's pending instances: {rows:?}"
    );
    let group = of_ml[0];
    assert_eq!(group[0], "PENDING");
    assert_eq!(group[1], format!("▸ {ml}  40 pending"));
    assert_eq!(group[2], "Insufficient: CPU");
    assert!(rows.len() < 20, "{rows:?}");
    let text = draw(&s);
    let line = line_of(&text, "PENDING     ▸ analytics");
    assert!(
        line.contains(&format!("▸ {ml}  40 pending")) && line.contains("Insufficient: CPU"),
        "{text}"
    );

    // Enter expands it: its 40 instances follow it.
    let before = rows.len();
    let mut keys = select_row(&s, |r| r.cells[1].contains(ml));
    keys.push(enter());
    w.act(&mut s, keys).await;
    assert!(matches!(s.top(), Screen::Triage { .. }), "{:?}", s.top());
    let rows = visible(&s);
    assert_eq!(rows.len(), before + 40, "{rows:?}");
    let at = rows
        .iter()
        .position(|r| r[1] == format!("▾ {ml}  40 pending"))
        .unwrap();
    for (k, r) in rows[at + 1..at + 41].iter().enumerate() {
        assert_eq!(r[1], format!("  └ {ml}/{k}"), "{rows:?}");
        assert_eq!(r[2], "Insufficient: CPU");
    }
    // The group stays together under another sort.
    w.act(&mut s, [key('>'), key('>'), key('S')]).await;
    let rows = visible(&s);
    let at = rows
        .iter()
        .position(|r| r[1] == format!("▾ {ml}  40 pending"))
        .unwrap();
    assert!(
        rows[at + 1..at + 41]
            .iter()
            .all(|r| r[1].starts_with(&format!("  └ {ml}/"))),
        "{rows:?}"
    );
    w.act(&mut s, [key('<'), key('<'), key('S')]).await;

    // Enter on an instance row opens the job's tasks, as before.
    let mut keys = select_row(&s, |r| r.cells[1] == format!("  └ {ml}/7"));
    keys.push(enter());
    w.act(&mut s, keys).await;
    assert!(
        matches!(s.top(), Screen::Tasks { job, .. } if job == ml),
        "{:?}",
        s.top()
    );
    w.act(&mut s, [key('q')]).await;
    assert!(matches!(s.top(), Screen::Triage { .. }));

    // Enter on the group again folds it.
    let mut keys = select_row(&s, |r| r.cells[1].starts_with(&format!("▾ {ml}")));
    keys.push(enter());
    w.act(&mut s, keys).await;
    assert_eq!(visible(&s).len(), before);

    // Enter on an update row opens the update.
    let mut keys = select_row(&s, |r| r.cells[0] == "UPDATE");
    keys.push(enter());
    w.act(&mut s, keys).await;
    assert!(matches!(s.top(), Screen::Update { .. }), "{:?}", s.top());
    w.stop().await;
}

/// A crash loop's row says why its last task failed, read from the job's task history.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn triage_crash_loop_row_shows_the_last_failure() {
    let job = "payments/prod/fraud-scorer";
    let mut w = start().await;
    let mut s = w.console("http://sim.test:8081", Nav::Roles, 120, 40);
    w.tick(&mut s).await;
    let fx = w.act(&mut s, [Action::Open(Nav::Triage)]).await;
    let history = eos::app::resource::ResourceKey::Tasks {
        job: job.into(),
        history: true,
    };
    let reads = fx
        .iter()
        .filter(|e| matches!(e, eos::app::Effect::Fetch { key, .. } if *key == history))
        .count();
    assert_eq!(reads, 1, "the looping job's history is read once");
    let mut q = sim_common::query(&JobKey::parse(job).unwrap());
    q.statuses = Some(vec![ScheduleStatus::FAILED, ScheduleStatus::LOST]);
    let failed = w.client.get_tasks_without_configs(q).await.unwrap().value;
    let last = failed
        .iter()
        .filter_map(|t| {
            let e = t.latest_event()?;
            Some((e.timestamp?, e.message.clone()?))
        })
        .max()
        .map(|(_, m)| m)
        .unwrap();
    assert!(last.contains("exited with status"), "{last}");
    let row = visible(&s)
        .into_iter()
        .find(|r| r[0] == "CRASHLOOP")
        .unwrap();
    assert_eq!(row[1], job);
    assert!(row[2].starts_with(&format!("last: {last} · ")), "{row:?}");
    assert!(row[2].ends_with("failures"), "{row:?}");
    w.stop().await;
}
