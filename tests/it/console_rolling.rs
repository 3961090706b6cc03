//! The rolling restart in the reducer, against a synthetic job whose tasks the test moves
//! through their lifecycle, with a synthetic clock: batches go out one at a time and only after
//! the wait, a failing batch or call stops the run, pause, resume and cancel, leaving the view,
//! read-only, and no restart is ever sent twice.

use crate::reducer_common::{ch as key, k as special, screen_rows};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use eos::app::ops::Operation;
use eos::app::resource::{Data, ResourceKey};
use eos::app::rolling::Status;
use eos::app::{Action, Effect, Fetched, Mutated, MutationOutcome, Nav, State, update};
use eos::aurora::model::*;
use eos::keymap::Keymap;

const T0: i64 = 1_700_000_000_000;
const JOB: &str = "www-data/prod/hello";

/// A job on a pretend scheduler: every task it ever had, active and finished.
struct Fake {
    job: JobKey,
    tasks: Vec<ScheduledTask>,
    made: u32,
}

fn event(status: ScheduleStatus, at: i64) -> TaskEvent {
    TaskEvent {
        timestamp: Some(at),
        status: Some(status),
        message: None,
        scheduler: None,
    }
}

impl Fake {
    fn new(instances: i32) -> Fake {
        let job = JobKey::new("www-data", "prod", "hello");
        let tasks = (0..instances)
            .map(|i| ScheduledTask {
                assigned_task: Some(AssignedTask {
                    task_id: Some(format!("old-{i}")),
                    slave_host: Some(format!("host-{i}")),
                    instance_id: Some(i),
                    task: Some(std::sync::Arc::new(TaskConfig {
                        job: Some(job.clone()),
                        ..Default::default()
                    })),
                    ..Default::default()
                }),
                status: Some(ScheduleStatus::RUNNING),
                task_events: Some(vec![event(ScheduleStatus::RUNNING, T0 - 3_600_000)]),
                ..Default::default()
            })
            .collect();
        Fake {
            job,
            tasks,
            made: 0,
        }
    }

    fn active_of(&mut self, i: i32) -> &mut ScheduledTask {
        self.tasks
            .iter_mut()
            .find(|t| t.instance_id() == i && t.status().is_active())
            .unwrap_or_else(|| panic!("instance {i} has no active task"))
    }

    /// Moves a task (by id) to a status at a time.
    fn set(&mut self, id: &str, status: ScheduleStatus, at: i64) {
        let t = self.tasks.iter_mut().find(|t| t.task_id() == id).unwrap();
        t.status = Some(status);
        t.task_events
            .get_or_insert_with(Vec::new)
            .push(event(status, at));
    }

    /// The active task of instance `i` ends (KILLED after a restart, or `end`), and a new one
    /// descended from it appears in `status`. Returns the new task's id.
    fn replace(&mut self, i: i32, end: ScheduleStatus, status: ScheduleStatus, at: i64) -> String {
        let old = self.active_of(i).task_id().to_owned();
        self.set(&old, end, at);
        self.made += 1;
        let id = format!("new-{i}-{}", self.made);
        let mut t = self
            .tasks
            .iter()
            .find(|t| t.task_id() == old)
            .unwrap()
            .clone();
        t.assigned_task.as_mut().unwrap().task_id = Some(id.clone());
        t.ancestor_id = Some(old);
        t.status = Some(status);
        t.task_events = Some(vec![event(ScheduleStatus::PENDING, at), event(status, at)]);
        self.tasks.push(t);
        id
    }

    /// restartShards as the scheduler carries it out: RESTARTING → KILLED, a new PENDING task.
    fn restart(&mut self, i: i32, at: i64) -> String {
        self.replace(i, ScheduleStatus::KILLED, ScheduleStatus::PENDING, at)
    }

    fn data(&self, history: bool) -> Data {
        Data::Tasks(
            self.tasks
                .iter()
                .filter(|t| history || t.status().is_active())
                .cloned()
                .collect(),
        )
    }
}

struct Run {
    s: State,
    now: i64,
    fake: Fake,
    /// Every mutation the reducer asked for, in order.
    sent: Vec<(u64, Operation)>,
}

impl Run {
    fn new(instances: i32) -> Run {
        let mut s = State::new(
            "http://sched.test:8081",
            Keymap::builtin(),
            Nav::Tasks(JOB.into()),
            T0,
        );
        update(&mut s, Action::Resize(120, 40));
        let mut run = Run {
            s,
            now: T0,
            fake: Fake::new(instances),
            sent: Vec::new(),
        };
        run.tick();
        assert!(run.s.data(&tasks_key()).is_some(), "the tasks are loaded");
        run
    }

    /// Carries out effects: fetches are answered from the fake at `now`, mutations recorded.
    fn carry(&mut self, fx: Vec<Effect>) -> Vec<Operation> {
        let mut ops = Vec::new();
        for e in fx {
            match e {
                Effect::Fetch { key, generation } => {
                    let data = match &key {
                        ResourceKey::Tasks { history, .. } => self.fake.data(*history),
                        ResourceKey::PendingReasons(_) => Data::PendingReasons(vec![]),
                        ResourceKey::Updates(_) => Data::Updates(vec![]),
                        ResourceKey::Roles => Data::Roles(vec![]),
                        ResourceKey::Jobs(_) => Data::Jobs(vec![]),
                        other => panic!("unexpected fetch {other:?}"),
                    };
                    let more = update(
                        &mut self.s,
                        Action::Fetched(Box::new(Fetched {
                            key,
                            generation,
                            at: self.now,
                            latency_ms: 3,
                            result: Ok(data),
                            cluster: Some("test".into()),
                        })),
                    );
                    assert!(more.is_empty());
                }
                Effect::Mutate { id, op, .. } => {
                    self.sent.push((id, op.clone()));
                    ops.push(op);
                }
                _ => {}
            }
        }
        ops
    }

    fn tick(&mut self) -> Vec<Operation> {
        let fx = update(&mut self.s, Action::Tick(self.now));
        self.carry(fx)
    }

    /// Ticks every 250 ms for `ms`; returns the mutations asked for meanwhile.
    fn wait(&mut self, ms: i64) -> Vec<Operation> {
        let end = self.now + ms;
        let mut ops = Vec::new();
        while self.now < end {
            self.now = (self.now + 250).min(end);
            ops.extend(self.tick());
        }
        ops
    }

    fn act(&mut self, a: Action) -> Vec<Operation> {
        let fx = update(&mut self.s, a);
        self.carry(fx)
    }

    fn line(&mut self, text: &str) -> Vec<Operation> {
        let mut ops = self.act(key(':'));
        for c in text.chars() {
            ops.extend(self.act(key(c)));
        }
        ops.extend(self.act(special(KeyCode::Enter)));
        ops
    }

    /// Types what the dialog asks for, if anything (a rolling restart of most of a job asks
    /// for its key and count), moves the focus to the action button and presses it.
    fn confirm(&mut self) -> Vec<Operation> {
        let Some(eos::app::dialog::Dialog::Confirm(c)) = &self.s.overlays.dialog else {
            panic!("a confirmation is open");
        };
        let mut ops = Vec::new();
        match c.require.clone() {
            // Typed, then Enter to the enabled button.
            Some(text) => {
                for ch in text.chars() {
                    ops.extend(self.act(key(ch)));
                }
                ops.extend(self.act(special(KeyCode::Enter)));
            }
            None => ops.extend(self.act(special(KeyCode::Right))),
        }
        ops.extend(self.act(special(KeyCode::Enter)));
        ops
    }

    /// Answers the latest mutation.
    fn answer(&mut self, outcome: MutationOutcome) -> Vec<Operation> {
        let (id, op) = self.sent.last().cloned().expect("something was sent");
        self.act(Action::Mutated(Box::new(Mutated { id, op, outcome })))
    }

    fn ok(&mut self) -> Vec<Operation> {
        self.answer(MutationOutcome::Done {
            code: ResponseCode::OK,
            messages: vec![],
            update_key: None,
            pulse: None,
        })
    }

    fn message(&self) -> String {
        self.s
            .message
            .as_ref()
            .map(|m| m.text.clone())
            .unwrap_or_default()
    }

    fn progress(&self) -> String {
        self.s.rolling.as_ref().unwrap().progress(self.now)
    }

    /// The restarted instances of `batch` come up: PENDING now, RUNNING after a second.
    fn bring_up(&mut self, batch: &[i32]) -> Vec<String> {
        let ids: Vec<String> = batch
            .iter()
            .map(|&i| self.fake.restart(i, self.now))
            .collect();
        self.wait(1000);
        for id in &ids {
            self.fake.set(id, ScheduleStatus::RUNNING, self.now);
        }
        ids
    }
}

fn tasks_key() -> ResourceKey {
    ResourceKey::Tasks {
        job: JOB.into(),
        history: false,
    }
}

fn restart_of(op: &Operation) -> Vec<i32> {
    match op {
        Operation::Restart { instances, .. } => instances.clone(),
        other => panic!("not a restart: {other:?}"),
    }
}

/// The screen at the state's size, rows trimmed and joined by spaces (so wrapped text reads on).
fn draw(state: &State) -> String {
    screen_rows(state, state.width, state.height)
        .iter()
        .map(|row| row.trim())
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn the_confirmation_states_the_plan_and_cancel_sends_nothing() {
    let mut r = Run::new(5);
    assert!(r.line("restart --batch 2 --wait 10").is_empty());
    let Some(eos::app::dialog::Dialog::Confirm(c)) = &r.s.overlays.dialog else {
        panic!("no confirmation: {}", r.message());
    };
    // All five of five instances: the job's key and the count must be typed, focus in the field.
    assert_eq!(c.focus, eos::app::dialog::Focus::Typed);
    assert_eq!(c.require, Some(format!("{} 5", r.fake.job)));
    assert_eq!(
        c.op,
        Operation::Restart {
            job: r.fake.job.clone(),
            instances: vec![0, 1, 2, 3, 4]
        }
    );
    assert_eq!(c.verb(), "Start rolling restart (5 instances)");
    let plan: std::collections::HashMap<_, _> = c.plan.iter().cloned().collect();
    assert_eq!(plan["targets"], "all active instances (nothing is marked)");
    assert_eq!(plan["batches"], "3 of at most 2 instances: 0-1 · 2-3 · 4");
    assert!(plan["wait"].contains("10s"), "{}", plan["wait"]);
    assert!(draw(&r.s).contains("0-1 · 2-3 · 4"));
    // Enter on Cancel: nothing is sent, nothing is pending.
    assert!(r.act(special(KeyCode::Tab)).is_empty());
    assert!(r.act(special(KeyCode::Enter)).is_empty());
    assert!(r.s.rolling.is_none());
    assert!(r.wait(60_000).is_empty());
    assert!(r.sent.is_empty());
}

#[test]
fn batches_go_out_one_at_a_time_and_only_after_the_wait() {
    let mut r = Run::new(5);
    r.line("restart --batch 2 --wait 10");
    let first = r.confirm();
    assert_eq!(
        first.iter().map(restart_of).collect::<Vec<_>>(),
        vec![vec![0, 1]]
    );
    // While the call is out, and after it succeeded but before the tasks were replaced,
    // nothing else is sent.
    assert!(r.wait(5_000).is_empty());
    assert!(r.ok().is_empty());
    assert!(r.wait(3_000).is_empty());
    assert!(r.progress().contains("1/3 batches"), "{}", r.progress());
    // The tasks view is polled every second while the run is active.
    let polls_before = r.s.slot(&tasks_key()).unwrap().generation;
    r.wait(5_000);
    let polls = r.s.slot(&tasks_key()).unwrap().generation - polls_before;
    assert!((4..=6).contains(&polls), "{polls} polls in 5 s");

    r.bring_up(&[0, 1]);
    let running_at = r.now;
    assert!(r.wait(9_000).is_empty(), "not before 10 s of RUNNING");
    assert!(
        r.progress().contains("waiting 9s/10s for instances 0-1"),
        "{}",
        r.progress()
    );
    let screen = draw(&r.s);
    assert!(screen.contains("rolling restart 1/3 batches"), "{screen}");
    assert!(screen.contains("p pause · X cancel"), "{screen}");
    assert!(screen.contains("⟳ rolling restart 1/3"), "crumbs: {screen}");
    let second = r.wait(2_000);
    assert_eq!(
        second.iter().map(restart_of).collect::<Vec<_>>(),
        vec![vec![2, 3]]
    );
    assert!(r.now - running_at >= 10_000);
    r.ok();
    r.bring_up(&[2, 3]);
    let third = r.wait(11_000);
    assert_eq!(
        third.iter().map(restart_of).collect::<Vec<_>>(),
        vec![vec![4]]
    );
    r.ok();
    r.bring_up(&[4]);
    assert!(r.wait(30_000).is_empty());
    let rolling = r.s.rolling.as_ref().unwrap();
    assert_eq!(rolling.status, Status::Finished);
    assert!(r.progress().contains("finished: 5 instances in 3 batches"));
    // Every instance was restarted exactly once, one call per batch.
    let all: Vec<i32> = r.sent.iter().flat_map(|(_, op)| restart_of(op)).collect();
    assert_eq!(all, vec![0, 1, 2, 3, 4]);
    let mut ids: Vec<u64> = r.sent.iter().map(|(id, _)| *id).collect();
    ids.dedup();
    assert_eq!(ids.len(), 3);
    // Polling is back to the view's normal pace.
    let before = r.s.slot(&tasks_key()).unwrap().generation;
    r.wait(10_000);
    assert!(r.s.slot(&tasks_key()).unwrap().generation - before <= 2);
}

#[test]
fn a_failing_batch_stops_the_run_and_says_which_instances_remain() {
    // The new task of instance 1 fails and is rescheduled THROTTLED.
    let mut r = Run::new(3);
    r.line("restart --wait 5");
    r.confirm();
    r.ok();
    r.bring_up(&[0]);
    assert_eq!(
        r.wait(6_000).iter().map(restart_of).collect::<Vec<_>>(),
        vec![vec![1]]
    );
    r.ok();
    let new = r.fake.restart(1, r.now);
    r.wait(1_000);
    r.fake.set(&new, ScheduleStatus::RUNNING, r.now);
    r.wait(2_000);
    r.fake
        .replace(1, ScheduleStatus::FAILED, ScheduleStatus::THROTTLED, r.now);
    assert!(r.wait(60_000).is_empty(), "nothing after a failure");
    let rolling = r.s.rolling.as_ref().unwrap();
    let Status::Stopped(why) = &rolling.status else {
        panic!("{:?}", rolling.status);
    };
    assert!(why.contains("STOPPED at batch 2/3"), "{why}");
    assert!(why.contains("instance 1"), "{why}");
    assert!(why.contains("Not restarted: instances 2."), "{why}");
    assert!(why.contains("Restarted and RUNNING: instances 0"), "{why}");
    assert!(draw(&r.s).contains("STOPPED at batch 2/3"));

    // Seen directly in the history view: the new task went LOST.
    let mut r = Run::new(2);
    r.act(key('H'));
    r.wait(1_000);
    r.line("restart --wait 5");
    r.confirm();
    r.ok();
    let new = r.fake.restart(0, r.now);
    r.wait(1_000);
    r.fake.set(&new, ScheduleStatus::LOST, r.now);
    assert!(r.wait(30_000).is_empty());
    let why = r.progress();
    assert!(why.contains("new task new-0-1 went LOST"), "{why}");
    assert!(why.contains("Not restarted: instances 1."), "{why}");

    // A new task that comes back THROTTLED at once.
    let mut r = Run::new(2);
    r.line("restart");
    r.confirm();
    r.ok();
    r.fake
        .replace(0, ScheduleStatus::KILLED, ScheduleStatus::THROTTLED, r.now);
    assert!(r.wait(30_000).is_empty());
    assert!(r.progress().contains("THROTTLED"), "{}", r.progress());
}

#[test]
fn a_refused_or_unanswered_call_stops_the_run_and_is_never_retried() {
    let mut r = Run::new(3);
    r.line("restart");
    r.confirm();
    r.answer(MutationOutcome::Refused {
        code: ResponseCode::INVALID_REQUEST,
        messages: vec!["Not all requested shards are active.".into()],
    });
    assert!(r.wait(120_000).is_empty());
    assert_eq!(r.sent.len(), 1);
    let why = r.progress();
    assert!(why.contains("refused: INVALID_REQUEST"), "{why}");
    assert!(why.contains("Not restarted: instances 0-2."), "{why}");
    assert_eq!(
        r.message(),
        "",
        "the message has expired; the banner keeps it"
    );
    assert!(draw(&r.s).contains("refused: INVALID_REQUEST"));

    let mut r = Run::new(3);
    r.line("restart --wait 0");
    r.confirm();
    r.ok();
    r.bring_up(&[0]);
    assert_eq!(r.wait(2_000).len(), 1);
    r.answer(MutationOutcome::Unknown {
        error: "timed out".into(),
    });
    assert!(r.wait(120_000).is_empty());
    assert_eq!(r.sent.len(), 2);
    let why = r.progress();
    assert!(
        why.contains("outcome unknown (timed out); not re-sent"),
        "{why}"
    );
    assert!(why.contains("Not restarted: instances 2."), "{why}");

    // A call that never comes back is never sent again either.
    let mut r = Run::new(2);
    r.line("restart --wait 0");
    r.confirm();
    assert!(r.wait(600_000).is_empty());
    assert_eq!(r.sent.len(), 1);
}

#[test]
fn pause_resume_and_cancel() {
    let mut r = Run::new(4);
    r.line("restart --wait 5");
    r.confirm();
    r.ok();
    // Paused while batch 1 is out: it is still watched, but batch 2 waits.
    assert!(r.line("restart pause").is_empty());
    assert!(r.message().contains("paused"), "{}", r.message());
    r.bring_up(&[0]);
    assert!(r.wait(30_000).is_empty());
    assert_eq!(r.s.rolling.as_ref().unwrap().done, 1);
    assert!(r.progress().contains("PAUSED"), "{}", r.progress());
    assert!(draw(&r.s).contains("p resume · X cancel"));
    let resumed = r.line("restart resume");
    assert_eq!(
        resumed.iter().map(restart_of).collect::<Vec<_>>(),
        vec![vec![1]]
    );
    r.ok();
    // The key toggles too.
    r.act(key('p'));
    r.bring_up(&[1]);
    assert!(r.wait(10_000).is_empty());
    let resumed = r.act(key('p'));
    assert_eq!(
        resumed.iter().map(restart_of).collect::<Vec<_>>(),
        vec![vec![2]]
    );
    // Cancel while batch 3 is out: nothing more is sent, even when the call succeeds.
    r.act(key('X'));
    let why = r.progress();
    assert!(why.contains("cancelled by you"), "{why}");
    assert!(
        why.contains("batch 3 (instances 2) was already sent"),
        "{why}"
    );
    assert!(why.contains("Not restarted: instances 3."), "{why}");
    assert!(r.ok().is_empty());
    r.bring_up(&[2]);
    assert!(r.wait(60_000).is_empty());
    assert_eq!(r.sent.len(), 3);
    // X again dismisses the result.
    r.act(key('X'));
    assert!(r.s.rolling.is_none());
    assert!(r.line("restart resume").is_empty());
    assert!(r.message().contains("no rolling restart"));
}

#[test]
fn leaving_the_view_pauses_and_only_resume_in_the_view_continues() {
    let mut r = Run::new(3);
    r.line("restart --wait 5");
    r.confirm();
    r.ok();
    r.act(special(KeyCode::Esc));
    assert!(!matches!(r.s.top(), eos::app::Screen::Tasks { .. }));
    r.tick();
    assert!(r.message().contains("paused: you left"), "{}", r.message());
    // The batch already sent is still followed (reads only) and completes.
    r.bring_up(&[0]);
    assert!(r.wait(30_000).is_empty());
    assert_eq!(r.s.rolling.as_ref().unwrap().done, 1);
    assert!(
        draw(&r.s).contains("rolling restart 2/3 PAUSED"),
        "crumbs elsewhere"
    );
    // Resuming elsewhere is refused.
    assert!(r.line("restart resume").is_empty());
    assert!(r.message().contains("to resume"), "{}", r.message());
    // Coming back does not resume by itself.
    r.act(Action::Open(Nav::Tasks(JOB.into())));
    assert!(r.wait(10_000).is_empty());
    let resumed = r.line("restart resume");
    assert_eq!(
        resumed.iter().map(restart_of).collect::<Vec<_>>(),
        vec![vec![1]]
    );
    // Another job's view is leaving too.
    r.ok();
    r.act(Action::Open(Nav::Tasks("www-data/prod/other".into())));
    r.bring_up(&[1]);
    assert!(r.wait(30_000).is_empty());
    assert!(r.progress().contains("PAUSED"));
    assert_eq!(r.sent.len(), 2);
}

#[test]
fn marked_instances_only_and_one_run_at_a_time() {
    let mut r = Run::new(5);
    // Select instance 1, mark 1 and 2.
    r.act(key('j'));
    r.act(key(' '));
    r.act(key(' '));
    r.line("restart --batch 5 --wait 0");
    let Some(eos::app::dialog::Dialog::Confirm(c)) = &r.s.overlays.dialog else {
        panic!("no confirmation: {}", r.message());
    };
    assert_eq!(restart_of(&c.op), vec![1, 2]);
    assert!(
        c.plan
            .contains(&("targets".into(), "the marked instances".into()))
    );
    let sent = r.confirm();
    assert_eq!(
        sent.iter().map(restart_of).collect::<Vec<_>>(),
        vec![vec![1, 2]]
    );
    // A second run is refused while the first is active.
    assert!(r.line("restart").is_empty());
    assert!(r.s.overlays.dialog.is_none());
    assert!(r.message().contains("is running"), "{}", r.message());
    assert_eq!(r.sent.len(), 1);
}

#[test]
fn read_only_refuses_every_way_in() {
    let mut r = Run::new(3);
    r.s.read_only = true;
    for line in ["restart", "restart --batch 2 --wait 5", "restart resume"] {
        assert!(r.line(line).is_empty());
        assert!(r.s.overlays.dialog.is_none(), "{line}");
        assert!(r.message().contains("read-only"), "{line}: {}", r.message());
    }
    for k in ['W', 'p'] {
        r.s.message = None;
        r.act(key(k));
        assert!(r.s.overlays.dialog.is_none());
        assert!(r.message().contains("read-only"), "{k}: {}", r.message());
    }
    assert!(r.wait(60_000).is_empty());
    assert!(r.s.rolling.is_none());
    assert!(r.sent.is_empty());
}

/// End to end: the reducer drives the real client against an in-process simulator with a
/// frozen clock, stepped a second at a time; fetches and mutations go through the console's
/// effect runner (`eos::effects::Effects`).
mod end_to_end {
    use super::*;
    use crate::sim_common::driver::Driver;
    use eos::aurora::client::AuroraClient;
    use eos::sim::SimArgs;
    use std::time::Duration;

    const SIM_JOB: &str = "search/staging/indexer";

    /// The instances of each restart sent, in order.
    fn sent(d: &Driver) -> Vec<Vec<i32>> {
        d.sent.iter().map(|(op, _)| restart_of(op)).collect()
    }

    async fn active_tasks(client: &AuroraClient) -> Vec<ScheduledTask> {
        let key = JobKey::parse(SIM_JOB).unwrap();
        let mut t = client
            .get_tasks_without_configs(eos::domain::queries::job_query(&key, true))
            .await
            .unwrap()
            .value;
        t.sort_by_key(|t| t.instance_id());
        t
    }

    fn first_event_at(t: &ScheduledTask, status: Option<ScheduleStatus>) -> i64 {
        t.events()
            .iter()
            .find(|e| status.is_none() || e.status == status)
            .and_then(|e| e.timestamp)
            .unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn three_instances_in_batches_of_one_end_running_as_new_tasks_in_order() {
        let args = SimArgs {
            clock: "frozen".parse().unwrap(),
            lost_per_hour: 0.0,
            ..SimArgs::default()
        };
        let mut d = Driver::start(args).await.latency(1);

        let before = active_tasks(&d.client).await;
        assert_eq!(before.len(), 3);
        assert!(before.iter().all(|t| t.status() == ScheduleStatus::RUNNING));

        let mut s = d.console(&d.server.url(), Nav::Tasks(SIM_JOB.into()), 120, 40);
        d.tick(&mut s).await;

        let mut keys = vec![key(':')];
        keys.extend("restart --batch 1 --wait 5".chars().map(key));
        keys.push(special(KeyCode::Enter));
        // All three instances: the job's key and the count.
        keys.extend(format!("{SIM_JOB} 3").chars().map(key));
        keys.extend([special(KeyCode::Enter), special(KeyCode::Enter)]);
        d.act(&mut s, keys).await;
        assert_eq!(
            sent(&d),
            vec![vec![0]],
            "the first batch goes out on confirmation"
        );

        for _ in 0..600 {
            if s.rolling.as_ref().is_some_and(|r| !r.active()) {
                break;
            }
            d.advance(&mut s, Duration::from_millis(500)).await;
        }
        let r = s.rolling.as_ref().unwrap();
        assert_eq!(r.status, Status::Finished, "{}", r.progress(s.now));
        assert_eq!(
            sent(&d),
            vec![vec![0], vec![1], vec![2]],
            "each batch sent once"
        );

        // Verified through the API: three new tasks, all RUNNING, each replacing the old one.
        let after = active_tasks(&d.client).await;
        assert_eq!(after.len(), 3);
        for (old, new) in before.iter().zip(&after) {
            assert_eq!(new.instance_id(), old.instance_id());
            assert_eq!(new.status(), ScheduleStatus::RUNNING);
            assert_ne!(new.task_id(), old.task_id());
            assert_eq!(new.ancestor_id.as_deref(), Some(old.task_id()));
        }
        // In order: each instance was restarted only after the previous one's new task had
        // been RUNNING for the wait.
        for pair in after.windows(2) {
            let running = first_event_at(&pair[0], Some(ScheduleStatus::RUNNING));
            let created = first_event_at(&pair[1], None);
            assert!(
                created >= running + 5_000,
                "instance {} restarted {} ms after instance {} ran",
                pair[1].instance_id(),
                created - running,
                pair[0].instance_id()
            );
        }
        d.stop().await;
    }
}

fn quits(fx: &[Effect]) -> bool {
    fx.contains(&Effect::Quit)
}

/// The question asked before quitting, as one text (`None`: none is open).
fn quit_question(s: &State) -> Option<String> {
    match &s.overlays.dialog {
        Some(eos::app::dialog::Dialog::Ask(a)) => {
            assert_eq!(a.question, eos::app::dialog::Question::Quit);
            Some(a.lines.join("\n"))
        }
        _ => None,
    }
}

#[test]
fn quitting_during_a_rolling_restart_asks_first_and_a_summary_is_left() {
    let ctrl_c = || Action::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    let mut r = Run::new(5);
    r.line("restart --batch 2 --wait 10");
    r.confirm();
    r.ok();
    // Ctrl-C asks; the default answer stays.
    let fx = update(&mut r.s, ctrl_c());
    assert!(!quits(&fx));
    let q = quit_question(&r.s).expect("Ctrl-C asks");
    assert!(
        q.contains("rolling restart of www-data/prod/hello at 0/3: instances restarting 0-1, not restarted 2-4 — quit anyway?"),
        "{q}"
    );
    assert!(!quits(&update(&mut r.s, special(KeyCode::Enter))));
    assert!(r.s.overlays.dialog.is_none());
    assert_eq!(r.s.rolling.as_ref().unwrap().status, Status::Running);
    // :q asks too; Ctrl-C pressed in the question quits.
    r.act(key(':'));
    r.act(key('q'));
    assert!(!quits(&update(&mut r.s, special(KeyCode::Enter))));
    assert!(quit_question(&r.s).is_some(), ":q asks");
    assert!(quits(&update(&mut r.s, ctrl_c())));
    // So does "Quit anyway".
    r.s.overlays.dialog = None;
    update(&mut r.s, ctrl_c());
    update(&mut r.s, special(KeyCode::Tab));
    assert!(quits(&update(&mut r.s, special(KeyCode::Enter))));
    // The one-line summary for stderr.
    let summary = r.s.unfinished_work().expect("work in flight");
    assert!(
        summary.contains("rolling restart of www-data/prod/hello at 0/3")
            && summary.contains("not restarted 2-4"),
        "{summary}"
    );
    assert!(!summary.contains('\n'));
    // :q! does not ask.
    r.s.overlays.dialog = None;
    r.act(key(':'));
    r.act(key('q'));
    r.act(key('!'));
    assert!(quits(&update(&mut r.s, special(KeyCode::Enter))));
    // q leaves the view (which pauses the run); q on the top view asks, saying it is paused.
    r.bring_up(&[0, 1]);
    r.wait(11_000);
    r.ok();
    assert!(!quits(&update(&mut r.s, key('q'))));
    assert!(r.s.overlays.dialog.is_none(), "q on a lower view goes back");
    r.wait(250);
    assert!(!quits(&update(&mut r.s, key('q'))));
    let q = quit_question(&r.s).expect("q on the top view asks");
    assert!(
        q.contains("at 1/3 (paused): instances restarted 0-1, restarting 2-3, not restarted 4"),
        "{q}"
    );
    update(&mut r.s, special(KeyCode::Esc));
    assert!(r.s.overlays.dialog.is_none(), "Esc answers no");
    // Once the run is over, nothing holds quitting back.
    r.s.rolling = None;
    r.s.pending_mutations.clear();
    assert!(r.s.unfinished_work().is_none());
    // A pulse hold asks the same way.
    r.s.hold = Some(eos::app::Hold {
        key: format!("{JOB}/u-1"),
        every_ms: 10_000,
        last_sent: r.now,
        in_flight: false,
        last_result: None,
    });
    assert!(!quits(&update(&mut r.s, ctrl_c())));
    let q = quit_question(&r.s).expect("a hold asks");
    assert!(
        q.contains("pulse hold on update www-data/prod/hello/u-1"),
        "{q}"
    );
    update(&mut r.s, special(KeyCode::Esc));
    r.s.hold = None;
    assert!(quits(&update(&mut r.s, ctrl_c())));
}
