//! The console's hot paths with 100,000 tasks in one view: a key press to the next frame
//! (reducer + drawing the visible rows), a filter keystroke over every row, the arrival of a
//! 100,000-task reply (rows rebuilt), and the first frame.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::Criterion;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use eos::app::resource::{Data, ResourceKey};
use eos::app::{Action, Effect, Fetched, Nav, State, update};
use eos::aurora::model::*;
use eos::keymap::Keymap;
use eos::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

// The allocator the `eos` binary uses, so the numbers are the product's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const T0: i64 = 1_764_000_000_000;
const TASKS: usize = 100_000;
const JOB: &str = "www-data/prod/edge-proxy";

fn tasks(n: usize) -> Vec<ScheduledTask> {
    let job = JobKey::parse(JOB).unwrap();
    let cfg = Arc::new(TaskConfig {
        job: Some(job),
        ..Default::default()
    });
    let statuses = [
        ScheduleStatus::RUNNING,
        ScheduleStatus::PENDING,
        ScheduleStatus::THROTTLED,
    ];
    (0..n)
        .map(|i| ScheduledTask {
            assigned_task: Some(AssignedTask {
                task_id: Some(format!(
                    "1764000000000-www-data-prod-edge-proxy-{i}-6f1c2b9e-{i:012}"
                )),
                slave_host: Some(format!("agent-{:04}.dc1.example.com", i % 2000)),
                instance_id: Some(i as i32),
                task: Some(cfg.clone()),
                assigned_ports: Some([("http".to_owned(), 31000 + (i % 1000) as i32)].into()),
                ..Default::default()
            }),
            status: Some(statuses[i % 97 % 3]),
            failure_count: Some((i % 5) as i32),
            task_events: Some(vec![TaskEvent {
                timestamp: Some(T0 - (i as i64 % 3600) * 1000),
                status: Some(ScheduleStatus::RUNNING),
                message: Some(format!("event for instance {i}")),
                scheduler: Some("scheduler-1".into()),
            }]),
            ..Default::default()
        })
        .collect()
}

fn key() -> ResourceKey {
    ResourceKey::Tasks {
        job: JOB.into(),
        history: false,
    }
}

/// A state showing the tasks view with `data` arriving for it.
fn loaded(data: &Arc<Vec<ScheduledTask>>) -> State {
    let mut s = State::new("http://bench:8081", Keymap::builtin(), Nav::Roles, T0);
    update(&mut s, Action::Resize(120, 40));
    let fx = update(&mut s, Action::Open(Nav::Tasks(JOB.into())));
    deliver(&mut s, &fx, data);
    s
}

fn deliver(s: &mut State, fx: &[Effect], data: &Arc<Vec<ScheduledTask>>) {
    let generation = fx
        .iter()
        .find_map(|e| match e {
            Effect::Fetch { key: k, generation } if *k == key() => Some(*generation),
            _ => None,
        })
        .expect("the view asks for its tasks");
    update(
        s,
        Action::Fetched(Box::new(Fetched {
            key: key(),
            generation,
            at: T0,
            latency_ms: 10,
            result: Ok(Data::Tasks((**data).clone())),
            cluster: Some("bench".into()),
        })),
    );
}

fn press(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn main() {
    let mut c = Criterion::default()
        .configure_from_args()
        .sample_size(20)
        .measurement_time(Duration::from_secs(5));
    let data = Arc::new(tasks(TASKS));
    let theme = Theme::builtin();
    let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();

    let mut s = loaded(&data);
    assert_eq!(s.top().table().unwrap().view.len(), TASKS);
    c.bench_function("key_to_frame_100k_tasks", |b| {
        let mut down = true;
        b.iter(|| {
            // Alternate j/k so the selection stays in range and every frame differs.
            update(&mut s, press(if down { 'j' } else { 'k' }));
            down = !down;
            term.draw(|f| {
                black_box(eos::ui::render(&s, &theme, f));
            })
            .unwrap();
        })
    });

    let mut s = loaded(&data);
    update(&mut s, press('/'));
    c.bench_function("filter_keystroke_100k_rows", |b| {
        let mut toggle = false;
        b.iter(|| {
            // Type one character, then delete it: each is one filter pass over every row.
            if toggle {
                update(
                    &mut s,
                    Action::Key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)),
                );
            } else {
                update(&mut s, press('7'));
            }
            toggle = !toggle;
            term.draw(|f| {
                black_box(eos::ui::render(&s, &theme, f));
            })
            .unwrap();
        })
    });

    let mut s = loaded(&data);
    c.bench_function("reply_arrival_100k_tasks_rows_rebuilt", |b| {
        b.iter(|| {
            let fx = update(&mut s, Action::Command(eos::app::Command::Refresh));
            deliver(&mut s, &fx, &data);
        })
    });

    // The hosts view on a big cluster: 100,000 active tasks over 2,000 hosts, joined per host
    // (counts and jobs) and turned into rows; what each poll of `:hosts` costs the console.
    c.bench_function("hosts_view_100k_tasks_2000_hosts", |b| {
        b.iter(|| {
            let hosts = eos::domain::hosts::host_summaries(black_box(&data), None);
            black_box(eos::app::hosts::host_rows(&hosts))
        })
    });

    c.bench_function("first_frame", |b| {
        b.iter(|| {
            let mut s = State::new("http://bench:8081", Keymap::builtin(), Nav::Roles, T0);
            update(&mut s, Action::Resize(120, 40));
            term.draw(|f| {
                black_box(eos::ui::render(&s, &theme, f));
            })
            .unwrap();
        })
    });
    c.final_summary();
}
