//! The merged tail: `l` with marked instances follows the same process of each in one pane,
//! every line labelled with its instance id; one instance's observer being down is said on the
//! pane's problem line and does not stop the others.

use crate::sim_common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use eos::app::logs::{LogPane, LogSource};
use eos::app::{Action, Nav, State};
use eos::sim::SimArgs;
use eos::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sim_common::driver::Driver;

async fn start() -> Driver {
    eos::timezone::set(eos::timezone::TimeZone::Utc);
    Driver::start(SimArgs {
        clock: "frozen".parse().unwrap(),
        ..SimArgs::default()
    })
    .await
}

fn key(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

/// The frontend's task list with the first three rows marked.
async fn three_marked(world: &mut Driver, w: u16, h: u16) -> State {
    let template = eos::sim::observer::observer_url_template(&world.server.url());
    let mut s = world.console("http://sim.test:8081", Nav::Roles, w, h);
    world.tick(&mut s).await;
    world
        .act(
            &mut s,
            [Action::Open(Nav::Tasks("www-data/prod/frontend".into()))],
        )
        .await;
    s.observer_url = template;
    world
        .act(&mut s, [key(' '), key('j'), key(' '), key('j'), key(' ')])
        .await;
    s
}

fn draw(state: &State, w: u16, h: u16) -> String {
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

async fn poll(world: &mut Driver, s: &mut State) {
    for _ in 0..eos::app::logs::POLL_TICKS {
        world.tick(s).await;
    }
}

/// Which sources the buffered lines came from.
fn sources_seen(p: &LogPane) -> std::collections::BTreeSet<u16> {
    p.buffer.iter().map(|(s, _)| s).collect()
}

#[tokio::test]
async fn marked_instances_are_tailed_together_each_line_labelled() {
    let mut world = start().await;
    let mut s = three_marked(&mut world, 120, 30).await;
    world.act(&mut s, [key('l')]).await;
    let pane = s.logs.as_deref().expect("the merged pane is open");
    assert_eq!(pane.sources.len(), 3);
    assert!(pane.merged());
    assert_eq!(pane.process.as_deref(), Some("server"));
    assert!(pane.problem().is_none(), "{:?}", pane.problem());
    assert_eq!(sources_seen(pane).len(), 3, "every instance has lines");

    // Following second by second: each poll brings each instance's new lines, so the screen
    // interleaves them in arrival order, labelled with their ids.
    let before = pane.line_count();
    for _ in 0..10 {
        world.sim.advance(sim_common::secs(1));
        poll(&mut world, &mut s).await;
    }
    let screen = draw(&s, 120, 30);
    insta::assert_snapshot!("logs_merged_first_screen", screen);
    let pane = s.logs.as_deref().unwrap();
    assert!(
        pane.line_count() >= before + 27,
        "{before} → {}",
        pane.line_count()
    );
    let labels: Vec<String> = pane.sources.iter().map(|x| x.label()).collect();
    let screen = draw(&s, 120, 30);
    for l in &labels {
        assert!(
            screen
                .lines()
                .any(|line| line.trim_start().starts_with(&format!("{l} │ "))),
            "no line labelled {l}:\n{screen}"
        );
    }
    // Search runs over the merged lines; a save keeps the labels.
    let text = pane.text();
    assert!(
        text.lines()
            .all(|t| labels.iter().any(|l| t.starts_with(&format!("{l} | "))))
    );
    world.stop().await;
}

#[tokio::test]
async fn one_instance_whose_observer_is_down_does_not_stop_the_others() {
    let mut world = start().await;
    let mut s = three_marked(&mut world, 120, 30).await;
    world.act(&mut s, [key('l')]).await;
    let open = s.logs.take().expect("the merged pane is open");
    // The middle instance's observer is a port nothing listens on.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://127.0.0.1:{}", l.local_addr().unwrap().port())
    };
    let sources: Vec<LogSource> = open
        .sources
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let base = if i == 1 { dead.as_str() } else { x.base() };
            LogSource::new(x.instance, &x.task_id, &x.host, base)
        })
        .collect();
    let down = sources[1].label();
    s.logs = Some(Box::new(LogPane::with_sources(
        sources,
        eos::observer::buffer::Limits::default(),
    )));
    poll(&mut world, &mut s).await;
    poll(&mut world, &mut s).await;
    let pane = s.logs.as_deref().unwrap();
    let problem = pane.problem().unwrap_or_default();
    assert!(
        problem.contains(&format!("instance {down}: cannot reach")),
        "{problem}"
    );
    assert_eq!(sources_seen(pane), [0u16, 2].into_iter().collect());
    let before = pane.line_count();
    assert!(before > 5, "{before}");
    let screen = draw(&s, 120, 30);
    assert!(
        screen.contains(&format!("instance {down}: cannot reach")),
        "{screen}"
    );

    // The others go on following.
    world.sim.advance(sim_common::secs(10));
    poll(&mut world, &mut s).await;
    let pane = s.logs.as_deref().unwrap();
    assert!(
        pane.line_count() >= before + 18,
        "{before} → {}",
        pane.line_count()
    );
    assert!(pane.problem().is_some());
    world.stop().await;
}

#[tokio::test]
async fn the_pane_holds_what_logs_max_lines_allows() {
    let mut world = start().await;
    let mut s = three_marked(&mut world, 120, 30).await;
    let (config, _) = eos::config::parse("[logs]\nmax_lines = 100\n", "c.toml").unwrap();
    s.settings.config = config;
    world.act(&mut s, [key('l')]).await;
    let pane = s.logs.as_deref().expect("the merged pane is open");
    assert_eq!(pane.buffer.limits().max_lines, 100);
    assert!(pane.line_count() > 0);
    assert!(pane.line_count() <= 100 + 3, "{}", pane.line_count());
    world.stop().await;
}
