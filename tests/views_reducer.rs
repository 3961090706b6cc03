//! The update screen, the updates list and triage as an incident needs them: the reducer run
//! against the in-process simulator (frozen clock, stepped by the tests), drawn with ratatui's
//! `TestBackend`.

mod sim_common;

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use eos::app::{Action, Nav, Screen, State, update};
use eos::aurora::model::*;
use eos::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
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
    let (w, h) = (state.width, state.height);
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    let theme = Theme::builtin();
    t.draw(|f| {
        eos::ui::render(state, &theme, f);
    })
    .unwrap();
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..h {
        let line: String = (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The drawn line that starts with `label` (after the left margin).
fn line_of(text: &str, label: &str) -> String {
    text.lines()
        .find(|l| l.trim_start().starts_with(label))
        .unwrap_or_else(|| panic!("no {label:?} line in:\n{text}"))
        .to_owned()
}

fn key(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
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
        let touched = d.instance_states().values().filter(|a| a.is_some()).count();
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
