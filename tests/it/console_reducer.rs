//! The reducer on its own: navigation, polling and freshness, errors and back-off, input modes.
//! No terminal, no server: actions in, state and effects out.

use crate::reducer_common::{ch as key, ctrl, k as special};
use crossterm::event::KeyCode;
use eos::app::resource::{Data, PendingScope, ResourceKey};
use eos::app::{Action, Command, Effect, Fetched, Freshness, Nav, Screen, State, update};
use eos::aurora::model::*;
use eos::keymap::Keymap;

const T0: i64 = 1_700_000_000_000;

fn state() -> State {
    let mut s = State::new("http://sched.test:8081", Keymap::builtin(), Nav::Roles, T0);
    update(&mut s, Action::Resize(120, 40));
    s
}

fn fetches(fx: &[Effect]) -> Vec<ResourceKey> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Fetch { key, .. } => Some(key.clone()),
            _ => None,
        })
        .collect()
}

fn generation_of(fx: &[Effect], k: &ResourceKey) -> u64 {
    fx.iter()
        .find_map(|e| match e {
            Effect::Fetch { key, generation } if key == k => Some(*generation),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no fetch of {k:?} in {fx:?}"))
}

fn reply(s: &mut State, fx: &[Effect], key: ResourceKey, at: i64, result: Result<Data, String>) {
    let generation = generation_of(fx, &key);
    update(
        s,
        Action::Fetched(Box::new(Fetched {
            key,
            generation,
            at,
            latency_ms: 12,
            result,
            cluster: Some("test-cluster".into()),
        })),
    );
}

fn roles() -> Data {
    Data::Roles(
        ["www-data", "payments"]
            .iter()
            .map(|r| RoleSummary {
                role: Some(r.to_string()),
                job_count: Some(1),
                cron_job_count: Some(0),
            })
            .collect(),
    )
}

fn job(role: &str, name: &str, failed: i32) -> JobSummary {
    JobSummary {
        job: Some(JobConfiguration {
            key: Some(JobKey::new(role, "prod", name)),
            task_config: Some(TaskConfig {
                tier: Some("preferred".into()),
                production: Some(true),
                ..Default::default()
            }),
            ..Default::default()
        }),
        stats: Some(JobStats {
            active_task_count: Some(2),
            failed_task_count: Some(failed),
            pending_task_count: Some(0),
            finished_task_count: Some(0),
        }),
        next_cron_run_ms: None,
    }
}

fn task(job: &JobKey, instance: i32, status: ScheduleStatus, id: &str) -> ScheduledTask {
    ScheduledTask {
        assigned_task: Some(AssignedTask {
            task_id: Some(id.into()),
            slave_host: Some(format!("host-{instance}")),
            instance_id: Some(instance),
            task: Some(std::sync::Arc::new(TaskConfig {
                job: Some(job.clone()),
                ..Default::default()
            })),
            ..Default::default()
        }),
        status: Some(status),
        task_events: Some(vec![TaskEvent {
            timestamp: Some(T0 - 60_000),
            status: Some(status),
            message: Some("hello".into()),
            scheduler: None,
        }]),
        ..Default::default()
    }
}

/// Starts at the roles view with its data loaded.
fn loaded_roles() -> State {
    let mut s = state();
    let fx = update(&mut s, Action::Tick(T0));
    assert_eq!(fetches(&fx), vec![ResourceKey::Roles]);
    reply(&mut s, &fx, ResourceKey::Roles, T0, Ok(roles()));
    s
}

#[test]
fn the_first_frame_is_a_loading_state_and_the_first_tick_polls_the_view() {
    let mut s = state();
    assert_eq!(s.freshness(), Freshness::Loading);
    assert!(s.dirty);
    let fx = update(&mut s, Action::Tick(T0));
    assert_eq!(fetches(&fx), vec![ResourceKey::Roles]);
    // Nothing more is sent while that request is in flight.
    assert!(fetches(&update(&mut s, Action::Tick(T0 + 10_000))).is_empty());
}

#[test]
fn drill_down_and_back_out_to_quit() {
    let mut s = loaded_roles();
    assert_eq!(s.cluster.as_deref(), Some("test-cluster"));
    let table = s.top().table().unwrap();
    assert_eq!(table.view.len(), 2);
    // Sorted by role: payments first. j moves to www-data.
    update(&mut s, key('j'));
    let fx = update(&mut s, special(KeyCode::Enter));
    assert!(matches!(s.top(), Screen::Jobs { role: Some(r), .. } if r == "www-data"));
    assert_eq!(
        fetches(&fx),
        vec![
            ResourceKey::Jobs(Some("www-data".into())),
            ResourceKey::Updates(Some("www-data".into()))
        ]
    );
    reply(
        &mut s,
        &fx,
        ResourceKey::Jobs(Some("www-data".into())),
        T0 + 100,
        Ok(Data::Jobs(vec![job("www-data", "hello", 0)])),
    );
    let fx = update(&mut s, special(KeyCode::Enter));
    assert!(matches!(s.top(), Screen::Tasks { job, .. } if job == "www-data/prod/hello"));
    let tasks_key = ResourceKey::Tasks {
        job: "www-data/prod/hello".into(),
        history: false,
    };
    assert!(fetches(&fx).contains(&tasks_key));
    assert!(
        fetches(&fx).contains(&ResourceKey::PendingReasons(PendingScope::Job(
            "www-data/prod/hello".into()
        )))
    );
    let k = JobKey::new("www-data", "prod", "hello");
    reply(
        &mut s,
        &fx,
        tasks_key,
        T0 + 200,
        Ok(Data::Tasks(vec![
            task(&k, 0, ScheduleStatus::RUNNING, "t0"),
            task(&k, 1, ScheduleStatus::PENDING, "t1"),
        ])),
    );
    update(&mut s, key('G'));
    assert_eq!(s.top().table().unwrap().selected_row().unwrap().id, "t1");
    let fx = update(&mut s, special(KeyCode::Enter));
    assert!(matches!(s.top(), Screen::Task { id, .. } if id == "t1"));
    assert_eq!(
        fetches(&fx),
        vec![
            ResourceKey::Task("t1".into()),
            ResourceKey::PendingReasons(PendingScope::Task("t1".into()))
        ]
    );
    assert_eq!(
        s.breadcrumbs(),
        vec!["test-cluster", "www-data", "www-data/prod/hello", "task t1"]
    );
    // Back out: q pops each view; q at the root quits.
    for _ in 0..3 {
        assert!(!update(&mut s, key('q')).contains(&Effect::Quit));
    }
    assert!(matches!(s.top(), Screen::Roles { .. }));
    assert_eq!(update(&mut s, key('q')), vec![Effect::Quit]);
    // Ctrl-C quits from anywhere.
    let mut s = loaded_roles();
    update(&mut s, special(KeyCode::Enter));
    assert_eq!(update(&mut s, ctrl('c')), vec![Effect::Quit]);
}

#[test]
fn polling_follows_the_interval_and_only_for_the_visible_view() {
    let mut s = loaded_roles();
    assert!(fetches(&update(&mut s, Action::Tick(T0 + 4_999))).is_empty());
    let fx = update(&mut s, Action::Tick(T0 + 5_000));
    assert_eq!(fetches(&fx), vec![ResourceKey::Roles]);
    reply(&mut s, &fx, ResourceKey::Roles, T0 + 5_010, Ok(roles()));
    // Freeze stops polling; R still refreshes once on demand.
    update(&mut s, key('f'));
    assert!(s.frozen);
    assert!(fetches(&update(&mut s, Action::Tick(T0 + 60_000))).is_empty());
    assert_eq!(fetches(&update(&mut s, key('R'))), vec![ResourceKey::Roles]);
}

#[test]
fn errors_keep_the_last_data_mark_it_stale_and_back_off() {
    let mut s = loaded_roles();
    let fx = update(&mut s, Action::Tick(T0 + 5_000));
    reply(
        &mut s,
        &fx,
        ResourceKey::Roles,
        T0 + 5_000,
        Err("connection refused".into()),
    );
    assert_eq!(s.top().table().unwrap().view.len(), 2, "rows kept");
    match s.freshness() {
        Freshness::Stale {
            age_ms,
            error,
            retry_in_ms,
        } => {
            assert_eq!(age_ms, 5_000);
            assert_eq!(error, "connection refused");
            assert_eq!(retry_in_ms, 1_000);
        }
        other => panic!("expected stale, got {other:?}"),
    }
    assert!(s.freshness().label().starts_with("STALE 5s"));
    // Back-off doubles: the next retry is 1 s later, then 2 s, then 4 s.
    let mut at = T0 + 5_000;
    for wait in [1_000, 2_000, 4_000] {
        assert!(fetches(&update(&mut s, Action::Tick(at + wait - 1))).is_empty());
        let fx = update(&mut s, Action::Tick(at + wait));
        at += wait;
        reply(
            &mut s,
            &fx,
            ResourceKey::Roles,
            at,
            Err("still down".into()),
        );
    }
    // Recovery clears the error.
    let fx = update(&mut s, Action::Tick(at + 8_000));
    reply(&mut s, &fx, ResourceKey::Roles, at + 8_000, Ok(roles()));
    assert!(matches!(s.freshness(), Freshness::Fresh { age_ms: 0, .. }));
}

#[test]
fn a_superseded_reply_is_dropped() {
    let mut s = loaded_roles();
    let old = update(&mut s, Action::Tick(T0 + 5_000));
    let new = update(&mut s, key('R'));
    reply(&mut s, &new, ResourceKey::Roles, T0 + 5_100, Ok(roles()));
    reply(
        &mut s,
        &old,
        ResourceKey::Roles,
        T0 + 5_200,
        Ok(Data::Roles(vec![])),
    );
    assert_eq!(
        s.top().table().unwrap().rows.len(),
        2,
        "the older reply was applied"
    );
}

#[test]
fn filter_sort_and_selection_follow_rows() {
    let mut s = loaded_roles();
    update(&mut s, key('/'));
    for c in "www".chars() {
        update(&mut s, key(c));
    }
    let t = s.top().table().unwrap();
    assert_eq!(t.view.len(), 1);
    assert_eq!(t.filter_text, "www");
    update(&mut s, special(KeyCode::Enter));
    assert!(
        s.overlays.input.is_none(),
        "Enter keeps the filter and leaves input"
    );
    assert_eq!(s.top().table().unwrap().view.len(), 1);
    update(&mut s, key('/'));
    update(&mut s, special(KeyCode::Esc));
    assert_eq!(
        s.top().table().unwrap().view.len(),
        2,
        "Esc clears the filter"
    );
    // A bad regex is reported, not applied.
    update(&mut s, key('/'));
    for c in "~(".chars() {
        update(&mut s, key(c));
    }
    assert!(s.message.as_ref().unwrap().text.contains("bad regex"));
    update(&mut s, special(KeyCode::Esc));
    // Sorting keeps the selected row.
    update(&mut s, key('j'));
    assert_eq!(
        s.top().table().unwrap().selected_row().unwrap().id,
        "www-data"
    );
    update(&mut s, key('S'));
    let t = s.top().table().unwrap();
    assert!(!t.ascending);
    assert_eq!(t.selected_row().unwrap().id, "www-data");
    assert_eq!(t.selected, 0);
}

#[test]
fn command_line_navigates_completes_and_reports_errors() {
    let mut s = loaded_roles();
    update(&mut s, key(':'));
    for c in "jobs payments".chars() {
        update(&mut s, key(c));
    }
    let fx = update(&mut s, special(KeyCode::Enter));
    assert!(matches!(s.top(), Screen::Jobs { role: Some(r), .. } if r == "payments"));
    assert!(fetches(&fx).contains(&ResourceKey::Jobs(Some("payments".into()))));
    // Tab completes a role name seen in data; history recalls the last line.
    update(&mut s, key(':'));
    for c in "jobs w".chars() {
        update(&mut s, key(c));
    }
    update(&mut s, special(KeyCode::Tab));
    assert_eq!(s.overlays.input.as_ref().unwrap().text(), "jobs www-data");
    update(&mut s, special(KeyCode::Esc));
    update(&mut s, key(':'));
    update(&mut s, special(KeyCode::Up));
    assert_eq!(s.overlays.input.as_ref().unwrap().text(), "jobs payments");
    update(&mut s, special(KeyCode::Esc));
    update(&mut s, key(':'));
    for c in "update nope".chars() {
        update(&mut s, key(c));
    }
    update(&mut s, special(KeyCode::Enter));
    assert!(
        s.message
            .as_ref()
            .unwrap()
            .text
            .contains("not an update key")
    );
    update(&mut s, key(':'));
    update(&mut s, key('q'));
    assert_eq!(update(&mut s, special(KeyCode::Enter)), vec![Effect::Quit]);
}

#[test]
fn help_overlay_opens_filters_and_closes() {
    let mut s = loaded_roles();
    update(&mut s, key('?'));
    assert!(s.overlays.help.is_some());
    for c in "/quota".chars() {
        update(&mut s, key(c));
    }
    assert_eq!(s.overlays.help.as_ref().unwrap().filter, "quota");
    update(&mut s, special(KeyCode::Esc));
    assert_eq!(
        s.overlays.help.as_ref().unwrap().filter,
        "",
        "Esc clears the help filter first"
    );
    update(&mut s, special(KeyCode::Esc));
    assert!(s.overlays.help.is_none());
}

#[test]
fn history_toggle_changes_what_is_polled_and_copy_emits_osc52_effect() {
    let mut s = loaded_roles();
    let fx = update(
        &mut s,
        Action::Open(Nav::Tasks("www-data/prod/hello".into())),
    );
    let k = JobKey::new("www-data", "prod", "hello");
    reply(
        &mut s,
        &fx,
        ResourceKey::Tasks {
            job: "www-data/prod/hello".into(),
            history: false,
        },
        T0,
        Ok(Data::Tasks(vec![task(
            &k,
            0,
            ScheduleStatus::RUNNING,
            "t0",
        )])),
    );
    assert_eq!(update(&mut s, key('y')), vec![Effect::Copy("t0".into())]);
    assert_eq!(
        update(&mut s, key('Y')),
        vec![Effect::Copy("host-0".into())]
    );
    let fx = update(&mut s, key('H'));
    assert!(fetches(&fx).contains(&ResourceKey::Tasks {
        job: "www-data/prod/hello".into(),
        history: true
    }));
    assert!(s.breadcrumbs().last().unwrap().contains("with history"));
}

#[test]
fn changed_rows_are_remembered_for_highlighting() {
    let mut s = loaded_roles();
    let fx = update(&mut s, Action::Open(Nav::Jobs(Some("www-data".into()))));
    let jobs = ResourceKey::Jobs(Some("www-data".into()));
    reply(
        &mut s,
        &fx,
        jobs.clone(),
        T0,
        Ok(Data::Jobs(vec![
            job("www-data", "a", 0),
            job("www-data", "b", 0),
        ])),
    );
    assert!(
        s.top().table().unwrap().changed.is_empty(),
        "first load highlights nothing"
    );
    let fx = update(&mut s, Action::Tick(T0 + 5_000));
    reply(
        &mut s,
        &fx,
        jobs,
        T0 + 5_000,
        Ok(Data::Jobs(vec![
            job("www-data", "a", 0),
            job("www-data", "b", 3),
        ])),
    );
    let changed: Vec<&String> = s.top().table().unwrap().changed.keys().collect();
    assert_eq!(changed, vec!["www-data/prod/b"]);
}

#[test]
fn an_idle_tick_redraws_only_when_the_age_text_changes() {
    let mut s = loaded_roles();
    s.dirty = false;
    update(&mut s, Action::Tick(T0 + 250));
    update(&mut s, Action::Tick(T0 + 500));
    // The first tick records "0s ago"; later ticks within the same second change nothing.
    s.dirty = false;
    update(&mut s, Action::Tick(T0 + 750));
    assert!(!s.dirty);
    update(&mut s, Action::Tick(T0 + 1_000));
    assert!(s.dirty, "the age moved to 1s");
}

#[test]
fn pending_chords_wait_for_the_next_key() {
    let mut km = Keymap::builtin();
    km.merge("[list]\n\"g\" = \"noop\"\n\"g g\" = \"top\"\n", "test")
        .unwrap();
    let mut s = State::new("http://x", km, Nav::Roles, T0);
    let fx = update(&mut s, Action::Tick(T0));
    reply(&mut s, &fx, ResourceKey::Roles, T0, Ok(roles()));
    update(&mut s, key('j'));
    update(&mut s, key('g'));
    assert_eq!(s.top().table().unwrap().selected, 1, "one g only waits");
    update(&mut s, key('g'));
    assert_eq!(s.top().table().unwrap().selected, 0);
    // Unrelated key after a prefix resets and is dropped.
    update(&mut s, key('g'));
    update(&mut s, key('x'));
    update(&mut s, key('j'));
    assert_eq!(s.top().table().unwrap().selected, 1);
}

#[test]
fn commands_without_context_say_so() {
    let mut s = loaded_roles();
    update(&mut s, Action::Command(Command::Config));
    assert!(s.message.as_ref().unwrap().text.contains("no job here"));
}

#[test]
fn messages_last_five_seconds_of_console_ticks_whatever_the_scheduler_clock_does() {
    // A frozen simulator: the scheduler clock never moves, yet the message must go.
    let mut s = loaded_roles();
    update(&mut s, key('f'));
    assert!(s.message.is_some());
    for _ in 0..eos::app::MESSAGE_TICKS - 1 {
        update(&mut s, Action::Tick(T0));
    }
    assert!(s.message.is_some(), "gone too early");
    update(&mut s, Action::Tick(T0));
    assert!(s.message.is_none(), "a message outlived its five seconds");
    // A sped-up simulator: a scheduler jump of a minute does not cut it short.
    update(&mut s, key('f'));
    update(&mut s, Action::Tick(T0 + 60_000));
    assert!(s.message.is_some(), "expired by the scheduler clock");
}

#[test]
fn esc_clears_marks_then_the_filter_then_goes_back_and_never_quits() {
    let mut s = loaded_roles();
    // `/zzz` Enter, then Esc: the filter goes, Eos stays.
    update(&mut s, key('/'));
    for c in "zzz".chars() {
        update(&mut s, key(c));
    }
    update(&mut s, special(KeyCode::Enter));
    assert_eq!(s.top().table().unwrap().view.len(), 0);
    assert!(!update(&mut s, special(KeyCode::Esc)).contains(&Effect::Quit));
    let t = s.top().table().unwrap();
    assert_eq!((t.view.len(), t.filter_text.as_str()), (2, ""));
    // Esc on the unfiltered top view only hints how to quit.
    for _ in 0..3 {
        assert!(update(&mut s, special(KeyCode::Esc)).is_empty());
    }
    assert!(matches!(s.top(), Screen::Roles { .. }));
    assert!(
        s.message.as_ref().unwrap().text.contains("q or :q quits"),
        "{:?}",
        s.message
    );
    // One level down: the filter first, then back.
    update(&mut s, key('j'));
    let fx = update(&mut s, special(KeyCode::Enter));
    reply(
        &mut s,
        &fx,
        ResourceKey::Jobs(Some("www-data".into())),
        T0 + 100,
        Ok(Data::Jobs(vec![
            job("www-data", "hello", 0),
            job("www-data", "world", 0),
        ])),
    );
    update(&mut s, key('/'));
    for c in "hel".chars() {
        update(&mut s, key(c));
    }
    update(&mut s, special(KeyCode::Enter));
    assert_eq!(s.top().table().unwrap().view.len(), 1);
    update(&mut s, special(KeyCode::Esc));
    let t = s.top().table().unwrap();
    assert_eq!((t.filter_text.as_str(), t.view.len()), ("", 2));
    assert!(
        matches!(s.top(), Screen::Jobs { .. }),
        "still in the jobs view"
    );
    update(&mut s, special(KeyCode::Esc));
    assert!(matches!(s.top(), Screen::Roles { .. }));
    assert!(!update(&mut s, special(KeyCode::Esc)).contains(&Effect::Quit));
    // q keeps its meaning: quit on the top view.
    assert_eq!(update(&mut s, key('q')), vec![Effect::Quit]);
}

fn line(s: &mut State, text: &str) -> Vec<Effect> {
    update(s, key(':'));
    for c in text.chars() {
        update(s, key(c));
    }
    update(s, special(KeyCode::Enter))
}

fn said(s: &State) -> String {
    s.message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default()
}

#[test]
fn colon_targets_are_looked_up_before_the_view_opens_and_replace_the_stack() {
    let mut s = loaded_roles();
    update(&mut s, special(KeyCode::Enter));
    assert!(matches!(s.top(), Screen::Jobs { role: Some(r), .. } if r == "payments"));
    // A job of a role whose jobs were never read: the read is asked for, nothing opens yet.
    let fx = line(&mut s, "job nonexistent/x/y");
    let jobs_of = ResourceKey::Jobs(Some("nonexistent".into()));
    assert!(fetches(&fx).contains(&jobs_of), "{fx:?}");
    assert!(matches!(s.top(), Screen::Jobs { .. }));
    reply(&mut s, &fx, jobs_of, T0 + 100, Ok(Data::Jobs(vec![])));
    assert_eq!(said(&s), "no job nonexistent/x/y on test-cluster");
    assert!(matches!(s.top(), Screen::Jobs { role: Some(r), .. } if r == "payments"));
    assert_eq!(s.stack.len(), 2, "the view you were on stays");
    // Cached data that lacks the job is not trusted: the answer of a fresh read decides.
    let fx = line(&mut s, "job www-data/prod/hello");
    let www = ResourceKey::Jobs(Some("www-data".into()));
    reply(
        &mut s,
        &fx,
        www.clone(),
        T0 + 200,
        Ok(Data::Jobs(vec![job("www-data", "hello", 0)])),
    );
    assert!(matches!(s.top(), Screen::Tasks { job, .. } if job == "www-data/prod/hello"));
    assert_eq!(s.stack.len(), 2, ":job replaced the stack above roles");
    // Cached data that shows it opens at once; `:` views never pile up.
    update(&mut s, key('T'));
    assert_eq!(s.stack.len(), 3);
    let fx = line(&mut s, "config www-data/prod/hello");
    assert!(!fetches(&fx).contains(&www), "no lookup needed: {fx:?}");
    assert!(matches!(s.top(), Screen::Config { job, .. } if job == "www-data/prod/hello"));
    assert_eq!(s.stack.len(), 2);
    assert_eq!(
        s.breadcrumbs(),
        vec!["test-cluster", "config of www-data/prod/hello"]
    );
    // Roles: the roles list decides (it is asked again when it lacks the role).
    let fx = line(&mut s, "jobs nosuchrole");
    reply(&mut s, &fx, ResourceKey::Roles, T0 + 300, Ok(roles()));
    assert_eq!(said(&s), "no role nosuchrole on test-cluster");
    assert!(matches!(s.top(), Screen::Config { .. }));
    let fx = line(&mut s, "quota nosuchrole");
    reply(&mut s, &fx, ResourceKey::Roles, T0 + 400, Ok(roles()));
    assert!(
        matches!(s.top(), Screen::Config { .. }),
        "waits for the quota too"
    );
    reply(
        &mut s,
        &fx,
        ResourceKey::Quota("nosuchrole".into()),
        T0 + 400,
        Ok(Data::Quota(Box::default())),
    );
    assert_eq!(said(&s), "no role nosuchrole on test-cluster");
    assert!(matches!(s.top(), Screen::Config { .. }));
    // A role with quota and no jobs yet is real.
    let fx = line(&mut s, "quota newteam");
    reply(&mut s, &fx, ResourceKey::Roles, T0 + 500, Ok(roles()));
    reply(
        &mut s,
        &fx,
        ResourceKey::Quota("newteam".into()),
        T0 + 500,
        Ok(Data::Quota(Box::new(GetQuotaResult {
            quota: Some(ResourceAggregate {
                resources: Some(vec![Resource::NumCpus(4.0)]),
            }),
            ..Default::default()
        }))),
    );
    assert!(matches!(s.top(), Screen::Quota { role } if role == "newteam"));
    // A read that fails opens the view, which shows the failure itself.
    let fx = line(&mut s, "job payments/prod/api");
    reply(
        &mut s,
        &fx,
        ResourceKey::Jobs(Some("payments".into())),
        T0 + 600,
        Err("connection refused".into()),
    );
    assert!(matches!(s.top(), Screen::Tasks { job, .. } if job == "payments/prod/api"));
    // Going elsewhere before the answer drops the lookup.
    let fx = line(&mut s, "job payments/prod/other");
    update(&mut s, key('T'));
    reply(
        &mut s,
        &fx,
        ResourceKey::Jobs(Some("payments".into())),
        T0 + 700,
        Ok(Data::Jobs(vec![job("payments", "other", 0)])),
    );
    assert!(matches!(s.top(), Screen::Triage { .. }));
}
