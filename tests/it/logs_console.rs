//! The log pane, driven through the reducer against the simulator's observers over HTTP: its
//! first screen, following, the stream switch, the pane's own keys, and an observer that is
//! down and comes back.

use crate::sim_common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use eos::app::{Action, Nav, State};
use eos::sim::{SimArgs, SimServer};
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

async fn tasks_view(world: &mut Driver, template: &str, w: u16, h: u16) -> State {
    let mut s = world.console("http://sim.test:8081", Nav::Roles, w, h);
    world.tick(&mut s).await;
    world
        .act(
            &mut s,
            [Action::Open(Nav::Tasks("www-data/prod/frontend".into()))],
        )
        .await;
    s.observer_url = template.to_owned();
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

/// Ticks until the pane polls again (it polls every `POLL_TICKS` ticks while following).
async fn poll(world: &mut Driver, s: &mut State) {
    for _ in 0..eos::app::logs::POLL_TICKS {
        world.tick(s).await;
    }
}

#[tokio::test]
async fn l_opens_the_pane_on_the_selected_task_and_it_follows() {
    let mut world = start().await;
    let template = eos::sim::observer::observer_url_template(&world.server.url());
    let mut s = tasks_view(&mut world, &template, 110, 24).await;
    world.act(&mut s, [key('l')]).await;
    let pane = s.logs.as_deref().expect("the pane is open");
    assert_eq!(pane.process.as_deref(), Some("server"));
    assert!(pane.problem().is_none(), "{:?}", pane.problem());
    let before = pane.line_count();
    assert!(before > 5, "{before}");
    let screen = draw(&s, 110, 24);
    // The sim's port is in no line drawn: the first screen is stable.
    insta::assert_snapshot!("logs_pane_first_screen", screen);

    // Following: the task writes more, the pane shows it.
    world.sim.advance(sim_common::secs(10));
    poll(&mut world, &mut s).await;
    let after = s.logs.as_deref().unwrap().line_count();
    assert!(after >= before + 9, "{before} → {after}");
    let screen = draw(&s, 110, 24);
    let last_drawn = screen
        .lines()
        .filter(|l| !l.trim().is_empty())
        .nth_back(1)
        .unwrap()
        .to_owned();
    assert!(last_drawn.contains("ms"), "{screen}");

    // Search: `/` takes the text, Enter jumps to the next line containing it; n goes on.
    world
        .act(&mut s, "/BOOTS".chars().map(key).collect::<Vec<_>>())
        .await;
    world
        .act(
            &mut s,
            [Action::Key(KeyEvent::new(
                KeyCode::Enter,
                KeyModifiers::NONE,
            ))],
        )
        .await;
    let pane = s.logs.as_deref().unwrap();
    assert!(!pane.follow);
    let at = pane.scroll;
    let lines: Vec<&str> = pane.buffer.iter().map(|(_, t)| t).collect();
    assert!(lines[at].contains("boots"), "{}", lines[at]);
    world.act(&mut s, [key('n')]).await;
    let pane = s.logs.as_deref().unwrap();
    let lines: Vec<&str> = pane.buffer.iter().map(|(_, t)| t).collect();
    assert!(lines[pane.scroll].contains("boots") && pane.scroll != at);
    world.act(&mut s, [key('G')]).await;

    // Save: a prompt with a default name; Enter writes what is loaded.
    world.act(&mut s, [key('S')]).await;
    let pane = s.logs.as_deref().unwrap();
    let default = pane.default_file_name();
    assert_eq!(pane.saving.as_deref(), Some(default.as_str()));
    assert!(default.ends_with("-server.stdout.log"), "{default}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("saved.log");
    let clear = (0..default.chars().count())
        .map(|_| Action::Key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)));
    world.act(&mut s, clear.collect::<Vec<_>>()).await;
    world
        .act(
            &mut s,
            path.to_str().unwrap().chars().map(key).collect::<Vec<_>>(),
        )
        .await;
    world
        .act(
            &mut s,
            [Action::Key(KeyEvent::new(
                KeyCode::Enter,
                KeyModifiers::NONE,
            ))],
        )
        .await;
    let saved = std::fs::read_to_string(&path).unwrap();
    assert_eq!(saved, s.logs.as_deref().unwrap().text());
    assert!(saved.lines().count() > 5);

    // Task keys do nothing in the pane: `s` is the stream switch here, not scale.
    world.act(&mut s, [key('s')]).await;
    assert!(s.overlays.dialog.is_none());
    let pane = s.logs.as_deref().unwrap();
    assert_eq!(pane.kind, eos::observer::LogKind::Stderr);
    let text: Vec<&str> = pane.buffer.iter().map(|(_, t)| t).collect();
    assert!(
        text.iter().any(|t| t.contains("<log_level> not set")),
        "{text:?}"
    );

    // Scrolling up stops following; G follows again; q closes the pane, not the view.
    world.act(&mut s, [key('k')]).await;
    assert!(!s.logs.as_deref().unwrap().follow);
    world.act(&mut s, [key('G')]).await;
    assert!(s.logs.as_deref().unwrap().follow);
    world.act(&mut s, [key('q')]).await;
    assert!(s.logs.is_none());
    assert!(matches!(s.top(), eos::app::Screen::Tasks { .. }));
    // Help lists the pane's keys while it is open.
    world.act(&mut s, [key('l'), key('?')]).await;
    let help: Vec<String> = s.help_rows().iter().map(|r| format!("{r:?}")).collect();
    assert!(help.iter().any(|t| t.contains("logs_stream")), "{help:?}");
    world
        .act(
            &mut s,
            [Action::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE))],
        )
        .await;
    world.act(&mut s, [key('q')]).await;
    assert!(s.logs.is_none());
    // One mark: the pane reads the marked task alone (nothing to merge).
    world.act(&mut s, [key(' '), key('l')]).await;
    assert_eq!(s.logs.as_deref().map(|p| p.sources.len()), Some(1));
    world.act(&mut s, [key('l')]).await;
    assert!(s.logs.is_none());
    // Closed: nothing polls.
    let fx = world.tick(&mut s).await;
    assert!(
        !fx.iter()
            .any(|e| matches!(e, eos::app::Effect::LogFetch(_)))
    );
    world.stop().await;
}

#[tokio::test]
async fn an_observer_that_is_down_is_said_plainly_and_the_pane_recovers() {
    let mut world = start().await;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let template = eos::sim::observer::observer_url_template(&url);
    let mut s = tasks_view(&mut world, &template, 110, 24).await;
    world.act(&mut s, [key('l')]).await;
    let problem = s.logs.as_deref().unwrap().problem().unwrap_or_default();
    assert!(problem.contains("cannot reach"), "{problem}");
    let screen = draw(&s, 110, 24);
    assert!(screen.contains("cannot reach"), "{screen}");

    // The observer comes up on that address: the next poll finds it.
    let again = SimServer::start(
        world.sim.clone(),
        format!("127.0.0.1:{port}").parse().unwrap(),
    )
    .await
    .unwrap();
    poll(&mut world, &mut s).await;
    poll(&mut world, &mut s).await;
    let pane = s.logs.as_deref().unwrap();
    assert!(pane.problem().is_none(), "{:?}", pane.problem());
    assert!(pane.line_count() > 5);
    again.shutdown().await;
    world.stop().await;
}
