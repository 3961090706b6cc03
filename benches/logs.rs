//! The log pane following a log that grows 10 MB/s: 50,000-byte chunks (the observer UI's
//! chunk) fed through the reducer into a pane whose buffer is full, and a key press to the next
//! frame (reducer + drawing on a 120x40 TestBackend) meanwhile. At 10 MB/s a 16 ms frame sees
//! about 3.2 chunks, so the per-frame case feeds 3 chunks, presses a key and draws. Two line
//! widths: 100-byte lines (the 20,000-line bound binds) and 1,000-byte lines (the 16 MiB bound
//! binds). The peak bytes the buffer held and the process's peak RSS are printed at the end.

use std::hint::black_box;
use std::time::Duration;

use criterion::Criterion;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use eos::app::logs::{LogAnswer, LogPane, LogReply, LogRequest};
use eos::app::{Action, Nav, State, update};
use eos::keymap::Keymap;
use eos::observer::Chunk;
use eos::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

// The allocator the `eos` binary uses, so the numbers are the product's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const T0: i64 = 1_764_000_000_000;
const CHUNK: usize = 50_000;

/// Eight different 50,000-byte chunks of `width`-byte lines (newline included).
fn chunks(width: usize) -> Vec<String> {
    (0..8)
        .map(|c| {
            let mut out = String::with_capacity(CHUNK);
            let mut i = 0;
            while out.len() + width <= CHUNK {
                let head = format!(
                    "2026-11-29T04:{:02}:{:02}.{:03}Z 10.0.{c}.{} GET /api/v1/items?page={i} 200 ",
                    i % 60,
                    (i * 7) % 60,
                    i % 1000,
                    i % 250
                );
                out.push_str(&head);
                out.extend(std::iter::repeat_n('x', width - head.len() - 1));
                out.push('\n');
                i += 1;
            }
            out
        })
        .collect()
}

/// A console with the log pane open on one task, its process known.
fn console() -> State {
    let mut s = State::new("http://bench:8081", Keymap::builtin(), Nav::Roles, T0);
    update(&mut s, Action::Resize(120, 40));
    let mut pane = LogPane::new("task-0", "agent-1", "http://agent-1:1338");
    pane.process = Some("server".into());
    pane.sources[0].processes = Some(Default::default());
    s.logs = Some(Box::new(pane));
    s
}

/// Answers the pane's tail with `text` (or with the file's size when it asks for that), through
/// the reducer.
fn feed(s: &mut State, text: &str) {
    let p = s.logs.as_deref().expect("the pane is open");
    let tail = &p.sources[0].tail;
    let want = tail.next();
    let chunk = if want.offset < 0 {
        Chunk {
            offset: tail.end(),
            length: 0,
            text: String::new(),
        }
    } else {
        Chunk {
            offset: want.offset as u64,
            length: text.len() as u64,
            text: text.to_owned(),
        }
    };
    let reply = LogReply {
        generation: p.generation,
        source: 0,
        request: LogRequest::Tail(want),
        at: T0,
        result: Ok(LogAnswer::Chunk(chunk)),
    };
    black_box(update(s, Action::LogReply(Box::new(reply))));
}

/// A console whose pane has dropped lines already: the buffer is at its bound.
fn full(chunks: &[String], peak: &mut usize) -> State {
    let mut s = console();
    let mut i = 0;
    while s.logs.as_deref().unwrap().buffer.dropped() == 0 {
        feed(&mut s, &chunks[i % chunks.len()]);
        i += 1;
        *peak = (*peak).max(s.logs.as_deref().unwrap().buffer.bytes());
    }
    s
}

fn press(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

/// The process's peak resident set (VmHWM), in KiB, where /proc says.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let mut c = Criterion::default()
        .configure_from_args()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    let theme = Theme::builtin();
    let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let mut report = Vec::new();

    for width in [100usize, 1000] {
        let data = chunks(width);
        let mut peak = 0;

        let mut s = full(&data, &mut peak);
        let mut n = 0;
        c.bench_function(
            &format!("logs_chunk_50k_into_full_pane_{width}B_lines"),
            |b| {
                b.iter(|| {
                    feed(&mut s, &data[n % data.len()]);
                    n += 1;
                    peak = peak.max(s.logs.as_deref().unwrap().buffer.bytes());
                })
            },
        );

        let mut s = full(&data, &mut peak);
        c.bench_function(
            &format!("logs_key_to_frame_full_pane_{width}B_lines"),
            |b| {
                let mut down = true;
                b.iter(|| {
                    update(&mut s, press(if down { 'j' } else { 'k' }));
                    down = !down;
                    term.draw(|f| {
                        black_box(eos::ui::render(&s, &theme, f));
                    })
                    .unwrap();
                })
            },
        );

        // One frame's worth at 10 MB/s: 3 chunks arrive, a key is pressed, the frame is drawn.
        let mut s = full(&data, &mut peak);
        let mut n = 0;
        c.bench_function(
            &format!("logs_frame_following_10MBps_{width}B_lines"),
            |b| {
                b.iter(|| {
                    for _ in 0..3 {
                        feed(&mut s, &data[n % data.len()]);
                        n += 1;
                    }
                    update(&mut s, press('G'));
                    term.draw(|f| {
                        black_box(eos::ui::render(&s, &theme, f));
                    })
                    .unwrap();
                    peak = peak.max(s.logs.as_deref().unwrap().buffer.bytes());
                })
            },
        );
        let p = s.logs.as_deref().unwrap();
        report.push(format!(
            "{width}-byte lines: peak buffer {peak} bytes ({:.1} MiB), now {} lines, {} dropped; limits {} lines / {} bytes",
            peak as f64 / (1 << 20) as f64,
            p.line_count(),
            p.buffer.dropped(),
            p.buffer.limits().max_lines,
            p.buffer.limits().max_bytes,
        ));
    }
    c.final_summary();
    for r in report {
        eprintln!("{r}");
    }
    if let Some(kib) = peak_rss_kib() {
        eprintln!(
            "peak RSS of the bench process: {:.1} MiB",
            kib as f64 / 1024.0
        );
    }
}
