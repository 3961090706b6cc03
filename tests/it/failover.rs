//! Fail-over and cluster switching in the reducer: what the user sees when the scheduler stops
//! answering or the leader moves, that polling resumes by itself, that no mutation is ever
//! sent again, and what `:cluster` does and refuses. No server: actions in, effects out.

use crate::reducer_common::{ch, ctrl, k, message, screen_rows};
use crossterm::event::KeyCode;
use eos::app::clusters::Connected;
use eos::app::link::{LinkNews, OUTAGE_RETRY_MS, OutageKind};
use eos::app::resource::{Data, ResourceKey};
use eos::app::{Action, Effect, Fetched, Freshness, Nav, Screen, State, update};
use eos::aurora::model::*;
use eos::keymap::Keymap;

const T0: i64 = 1_700_000_000_000;
const JOB: &str = "www-data/prod/hello";

fn typed(s: &mut State, text: &str) -> Vec<Effect> {
    let mut fx = Vec::new();
    for c in text.chars() {
        fx.extend(update(s, ch(c)));
    }
    fx
}

fn task(instance: i32) -> ScheduledTask {
    ScheduledTask {
        assigned_task: Some(AssignedTask {
            task_id: Some(format!("task-{instance}")),
            slave_host: Some("host-1".into()),
            instance_id: Some(instance),
            task: Some(std::sync::Arc::new(TaskConfig {
                job: JobKey::parse(JOB),
                ..Default::default()
            })),
            ..Default::default()
        }),
        status: Some(ScheduleStatus::RUNNING),
        ..Default::default()
    }
}

fn data_for(key: &ResourceKey) -> Data {
    match key {
        ResourceKey::Roles => Data::Roles(vec![RoleSummary {
            role: Some("www-data".into()),
            job_count: Some(1),
            cron_job_count: Some(0),
        }]),
        ResourceKey::Tasks { .. } => Data::Tasks((0..3).map(task).collect()),
        ResourceKey::PendingReasons(_) => Data::PendingReasons(Vec::new()),
        ResourceKey::Updates(_) => Data::Updates(Vec::new()),
        other => panic!("unexpected fetch {other:?}"),
    }
}

/// Answers every fetch among `fx` at `at`, successfully or with `error`.
fn answer(s: &mut State, fx: Vec<Effect>, at: i64, error: Option<&str>) -> Vec<Effect> {
    let mut other = Vec::new();
    for e in fx {
        let Effect::Fetch { key, generation } = e else {
            other.push(e);
            continue;
        };
        let result = match error {
            Some(e) => Err(e.to_owned()),
            None => Ok(data_for(&key)),
        };
        let more = update(
            s,
            Action::Fetched(Box::new(Fetched {
                key,
                generation,
                at,
                latency_ms: 3,
                result,
                cluster: Some("devcluster".into()),
            })),
        );
        other.extend(answer(s, more, at, error));
    }
    other
}

fn tasks_view() -> State {
    let mut s = State::new(
        "http://a.test:8081",
        Keymap::builtin(),
        Nav::Tasks(JOB.into()),
        T0,
    );
    update(&mut s, Action::Resize(120, 40));
    let fx = update(&mut s, Action::Tick(T0));
    answer(&mut s, fx, T0, None);
    assert_eq!(s.top().table().unwrap().view.len(), 3);
    s
}

fn banner(s: &State) -> String {
    s.link
        .banner(s.ticks(), &s.scheduler_url)
        .map(|(t, _)| t)
        .unwrap_or_default()
}

fn mutations(fx: &[Effect]) -> usize {
    fx.iter()
        .filter(|e| matches!(e, Effect::Mutate { .. }))
        .count()
}

/// Ticks `n` times, one second of scheduler time each, answering polls with `error`.
fn run(s: &mut State, n: usize, from: i64, error: Option<&str>) -> Vec<Effect> {
    let mut all = Vec::new();
    for i in 0..n {
        let now = from + i as i64 * 1000;
        let fx = update(s, Action::Tick(now));
        all.extend(fx.iter().cloned());
        all.extend(answer(s, fx, now, error));
    }
    all
}

#[test]
fn an_outage_keeps_the_data_shows_a_banner_and_resumes_by_itself() {
    let mut s = tasks_view();
    let down = "scheduler has no leader or is unavailable (503) at http://a.test:8081/api";
    update(
        &mut s,
        Action::Link(LinkNews::Down {
            kind: OutageKind::NoLeader,
            detail: down.into(),
        }),
    );
    // A long outage: the polls keep failing, never more than OUTAGE_RETRY_MS apart.
    let fx = run(&mut s, 120, T0 + 5_000, Some(down));
    let polls = fx
        .iter()
        .filter(|e| {
            matches!(
                e,
                Effect::Fetch {
                    key: ResourceKey::Tasks { .. },
                    ..
                }
            )
        })
        .count();
    assert!(
        polls >= 120 / (OUTAGE_RETRY_MS as usize / 1000),
        "only {polls} polls in two minutes"
    );
    assert!(banner(&s).starts_with("no leader for "), "{}", banner(&s));
    assert!(banner(&s).contains("(503)"), "{}", banner(&s));
    // The last good rows stay on screen, marked stale.
    assert_eq!(s.top().table().unwrap().view.len(), 3);
    assert!(matches!(s.freshness(), Freshness::Stale { .. }));

    // The scheduler answers again: a passing notice, every resource due at once.
    update(&mut s, Action::Link(LinkNews::Up));
    assert!(
        banner(&s).starts_with("a.test:8081 answering again after "),
        "{}",
        banner(&s)
    );
    let now = T0 + 126_000;
    let fx = update(&mut s, Action::Tick(now));
    assert!(
        fx.iter().any(|e| matches!(
            e,
            Effect::Fetch {
                key: ResourceKey::Tasks { .. },
                ..
            }
        )),
        "{fx:?}"
    );
    answer(&mut s, fx, now, None);
    assert!(matches!(s.freshness(), Freshness::Fresh { .. }));
}

#[test]
fn a_new_leader_is_polled_at_once_and_announced() {
    let mut s = tasks_view();
    let fx = update(
        &mut s,
        Action::Link(LinkNews::Moved {
            from: "http://a.test:8081".into(),
            to: "http://b.test:8081".into(),
            via: "ZooKeeper",
        }),
    );
    assert!(fx.is_empty(), "polls go out on the next tick: {fx:?}");
    assert_eq!(s.scheduler_url, "http://b.test:8081");
    assert_eq!(
        banner(&s),
        "leader changed: a.test:8081 → b.test:8081 (ZooKeeper)"
    );
    // Data just loaded is due again right away: the new leader is asked now.
    let fx = update(&mut s, Action::Tick(T0 + 1));
    assert!(
        fx.iter().any(|e| matches!(e, Effect::Fetch { .. })),
        "{fx:?}"
    );
}

#[test]
fn zookeeper_trouble_is_shown_and_cleared() {
    let mut s = tasks_view();
    update(
        &mut s,
        Action::Link(LinkNews::ZkDown("connection lost".into())),
    );
    assert!(
        banner(&s).contains(
            "ZooKeeper unreachable for 0 s (connection lost); still using leader a.test:8081"
        ),
        "{}",
        banner(&s)
    );
    update(
        &mut s,
        Action::Link(LinkNews::ZkNoLeader(
            "no scheduler registered under /aurora/scheduler".into(),
        )),
    );
    assert!(banner(&s).starts_with("no leader for 0 s: no scheduler registered"));
    update(&mut s, Action::Link(LinkNews::ZkLeader));
    assert_eq!(banner(&s), "");
}

#[test]
fn a_mutation_is_never_sent_again_through_a_fail_over() {
    let mut s = tasks_view();
    // Kill instance 1, confirmed: sent once.
    let mut fx = Vec::new();
    for a in [ch('j'), ctrl('k'), k(KeyCode::Right), k(KeyCode::Enter)] {
        fx.extend(update(&mut s, a));
    }
    assert_eq!(mutations(&fx), 1, "{fx:?}");
    // Then everything a fail-over brings: failures, a new leader, recovery, a long time.
    let mut after = Vec::new();
    after.extend(update(
        &mut s,
        Action::Link(LinkNews::Down {
            kind: OutageKind::Unreachable,
            detail: "connection refused".into(),
        }),
    ));
    after.extend(run(&mut s, 30, T0 + 1_000, Some("connection refused")));
    after.extend(update(
        &mut s,
        Action::Link(LinkNews::Moved {
            from: "http://a.test:8081".into(),
            to: "http://b.test:8081".into(),
            via: "redirect",
        }),
    ));
    after.extend(update(&mut s, Action::Link(LinkNews::Up)));
    after.extend(run(&mut s, 30, T0 + 40_000, None));
    assert_eq!(mutations(&after), 0, "{after:?}");
}

fn with_clusters(mut s: State) -> State {
    s.known_clusters = vec!["east".into(), "west".into()];
    s.cluster = Some("east".into());
    s.cluster_pinned = true;
    s
}

fn command_line(s: &mut State, line: &str) -> Vec<Effect> {
    let mut fx = update(s, ch(':'));
    fx.extend(typed(s, line));
    fx.extend(update(s, k(KeyCode::Enter)));
    fx
}

#[test]
fn cluster_switch_connects_then_starts_clean() {
    let mut s = with_clusters(tasks_view());
    let mut settings = s.settings.clone();
    settings.config.clusters.insert(
        "west".into(),
        eos::config::ClusterConfig {
            accent: Some(ratatui::style::Color::Red),
            prod: Some(true),
            read_only: Some(true),
            ..Default::default()
        },
    );
    s.set_settings(settings);
    assert!(!s.read_only);

    let fx = command_line(&mut s, "cluster nowhere");
    assert!(fx.is_empty());
    assert!(
        message(&s).contains("no cluster \"nowhere\""),
        "{}",
        message(&s)
    );

    let fx = command_line(&mut s, "cluster west");
    assert_eq!(
        fx,
        vec![Effect::Connect {
            cluster: "west".into()
        }]
    );
    assert_eq!(s.switching.as_deref(), Some("west"));
    // Nothing changes until the connection is made.
    assert_eq!(s.cluster.as_deref(), Some("east"));
    assert_eq!(s.top().table().unwrap().view.len(), 3);

    // A poll of east sent before the switch and answered after it is dropped.
    let stale = update(&mut s, Action::Tick(T0 + 60_000));
    let fx = update(
        &mut s,
        Action::Connected(Box::new(Connected {
            cluster: "west".into(),
            url: "http://west.test:8081".into(),
            warnings: Vec::new(),
            home: Nav::Roles,
        })),
    );
    assert_eq!(s.cluster.as_deref(), Some("west"));
    assert_eq!(s.scheduler_url, "http://west.test:8081");
    assert!(matches!(s.top(), Screen::Roles { .. }));
    assert_eq!(s.stack.len(), 1);
    assert!(s.store.values().all(|slot| slot.data.is_none()));
    assert!(s.read_only && s.prod_cluster);
    assert_eq!(s.look.accent, Some(ratatui::style::Color::Red));
    assert_eq!(fx.len(), 1, "{fx:?}");
    answer(&mut s, stale, T0 + 60_000, None);
    assert!(
        s.store.values().all(|slot| slot.data.is_none()),
        "east's late reply must not show under west"
    );
    // The scheduler's own name for itself does not replace the clusters.json name.
    answer(&mut s, fx, T0 + 60_001, None);
    assert_eq!(s.cluster.as_deref(), Some("west"));
    assert!(message(&s).contains("now on west"));

    // Back to east: west's read-only and prod marks do not travel.
    command_line(&mut s, "cluster east");
    update(
        &mut s,
        Action::Connected(Box::new(Connected {
            cluster: "east".into(),
            url: "http://east.test:8081".into(),
            warnings: Vec::new(),
            home: Nav::Roles,
        })),
    );
    assert!(!s.read_only && !s.prod_cluster);
    assert_eq!(s.look.accent, None);
}

#[test]
fn cluster_switch_is_refused_while_a_change_is_unanswered_and_failures_keep_the_cluster() {
    let mut s = with_clusters(tasks_view());
    for a in [ch('j'), ctrl('k'), k(KeyCode::Right), k(KeyCode::Enter)] {
        update(&mut s, a);
    }
    assert_eq!(s.pending_mutations.len(), 1);
    let fx = command_line(&mut s, "cluster west");
    assert!(fx.is_empty(), "{fx:?}");
    assert!(
        message(&s).contains("not switching to west: killTasks on east is not answered yet"),
        "{}",
        message(&s)
    );

    let mut s = with_clusters(tasks_view());
    command_line(&mut s, "cluster west");
    update(
        &mut s,
        Action::ConnectFailed {
            cluster: "west".into(),
            error: "cluster \"west\": ZooKeeper zk1:2181 unreachable (connection refused)".into(),
        },
    );
    assert_eq!(s.cluster.as_deref(), Some("east"));
    assert_eq!(s.top().table().unwrap().view.len(), 3);
    assert!(
        message(&s).starts_with("cannot switch to west: "),
        "{}",
        message(&s)
    );
    assert!(message(&s).ends_with("; still on east"), "{}", message(&s));
}

#[test]
fn cluster_names_complete_and_clusters_lists_them() {
    let mut s = with_clusters(tasks_view());
    update(&mut s, ch(':'));
    typed(&mut s, "cluster w");
    update(&mut s, k(KeyCode::Tab));
    assert_eq!(s.overlays.input.as_ref().unwrap().text(), "cluster west");
    update(&mut s, k(KeyCode::Esc));

    let fx = command_line(&mut s, "clusters");
    assert!(matches!(s.top(), Screen::Clusters { .. }));
    assert_eq!(
        fx,
        vec![Effect::Fetch {
            key: ResourceKey::Clusters,
            generation: 1
        }]
    );
    update(
        &mut s,
        Action::Fetched(Box::new(Fetched {
            key: ResourceKey::Clusters,
            generation: 1,
            at: T0,
            latency_ms: 40,
            result: Ok(Data::Clusters(vec![
                eos::app::clusters::ClusterHealth {
                    name: "east".into(),
                    kind: eos::cluster_list::ClusterKind::Aurora,
                    reached: "zk zk1:2181/aurora/scheduler".into(),
                    auth: "UNAUTHENTICATED".into(),
                    leader: Some("http://e1:8081".into()),
                    health: Ok(9),
                },
                eos::app::clusters::ClusterHealth {
                    name: "west".into(),
                    kind: eos::cluster_list::ClusterKind::Aurora,
                    reached: "https://west:8081".into(),
                    auth: "UNAUTHENTICATED".into(),
                    leader: None,
                    health: Err("connection refused".into()),
                },
            ])),
            cluster: None,
        })),
    );
    let t = s.top().table().unwrap();
    assert_eq!(t.view.len(), 2);
    assert_eq!(t.rows[0].cells[0], "east (current)");
    // Enter on west switches to it.
    update(&mut s, ch('j'));
    let fx = update(&mut s, k(KeyCode::Enter));
    assert_eq!(
        fx,
        vec![Effect::Connect {
            cluster: "west".into()
        }]
    );
}

/// A scheduler that accepts connections and never answers (SIGSTOPped): once a poll outlives
/// the refresh interval the header says "waiting Ns" (not "● ok"), never "retry in 0s" while a
/// request waits, and when the poll times out the outage is counted from when it was sent.
#[test]
fn a_hung_scheduler_shows_waiting_and_the_outage_counts_from_the_unanswered_request() {
    let mut s = tasks_view();
    let tick_ms = 250;
    // Tick at the console's beat until the next poll goes out (5 s after the answer).
    let mut now = T0;
    let mut pending = Vec::new();
    for _ in 0..40 {
        now += tick_ms;
        let fx = update(&mut s, Action::Tick(now));
        pending.extend(fx.into_iter().filter(|e| matches!(e, Effect::Fetch { .. })));
        if !pending.is_empty() {
            break;
        }
    }
    assert!(!pending.is_empty(), "a poll went out");
    // Within the refresh interval the data is simply fresh.
    for _ in 0..4 {
        now += tick_ms;
        update(&mut s, Action::Tick(now));
    }
    assert!(
        matches!(s.freshness(), Freshness::Fresh { .. }),
        "{:?}",
        s.freshness()
    );
    // The scheduler never answers: 30 s of ticks.
    let mut labels = Vec::new();
    for _ in 0..(30 * 4 - 4) {
        now += tick_ms;
        let fx = update(&mut s, Action::Tick(now));
        assert!(
            !fx.iter().any(|e| matches!(e, Effect::Fetch { .. })),
            "no second poll while one waits"
        );
        labels.push(s.freshness().label());
    }
    assert!(
        matches!(s.freshness(), Freshness::Waiting { waiting_secs, .. } if waiting_secs >= 30),
        "{:?}",
        s.freshness()
    );
    let last = labels.last().unwrap();
    assert!(last.contains("waiting 30s"), "{last}");
    assert!(
        labels.iter().all(|l| !l.contains("retry in 0s")),
        "{labels:?}"
    );
    let screen = draw(&s);
    assert!(screen.contains("● waiting 30s"), "{screen}");
    assert!(!screen.contains("● ok"), "{screen}");

    // The poll times out: the edge reports the outage, then the failure.
    let timeout = "timed out talking to http://a.test:8081/api: operation timed out";
    update(
        &mut s,
        Action::Link(LinkNews::Down {
            kind: OutageKind::Unreachable,
            detail: "timed out".into(),
        }),
    );
    answer(&mut s, pending, now, Some(timeout));
    assert!(
        banner(&s).starts_with("a.test:8081 unreachable for 30 s"),
        "counted from the request that never came back: {}",
        banner(&s)
    );
    // The retry goes out; while it waits the header says so, not "retry in 0s".
    let mut retried = false;
    for _ in 0..(6 * 4) {
        now += tick_ms;
        let fx = update(&mut s, Action::Tick(now));
        if fx.iter().any(|e| matches!(e, Effect::Fetch { .. })) {
            retried = true;
        }
        if retried {
            let label = s.freshness().label();
            assert!(!label.contains("retry in"), "{label}");
            assert!(
                label.contains("STALE") && label.contains("waiting"),
                "{label}"
            );
        }
    }
    assert!(retried, "the failed poll is retried");
}

fn draw(s: &State) -> String {
    screen_rows(s, 120, 40).join("\n")
}
