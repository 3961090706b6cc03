//! The whole console in-process: the real event loop (`eos::console::run_with`) with the real
//! effect runner and Aurora backend, on ratatui's `TestBackend`, fed keys through a channel,
//! against the simulator on a loopback port. What is on the screen is read after each frame;
//! waits poll it with a bound instead of sleeping a fixed time.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossterm::event::KeyCode;
use eos::app::Nav;
use eos::aurora::client::{AuroraClient, ClientConfig};
use eos::config::Settings;
use eos::connection::Connection;
use eos::console::{ConsoleOptions, run_with};
use eos::keymap::Keymap;
use eos::sim::{SimArgs, SimServer, Simulator};
use eos::theme::{Theme, ThemeSet};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;

use crate::inprocess_common::{Keys, Screen, key, typed};

/// Waits until the screen shows `what`: polled every 20 ms, at most 500 times.
async fn wait_for(text: &Mutex<String>, what: &str) {
    for _ in 0..500 {
        if text.lock().unwrap().contains(what) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("never shown: {what:?}\n{}", text.lock().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_reads_the_simulator_and_navigates_in_process() {
    let sim = Simulator::new(&SimArgs::default());
    let server = SimServer::start(sim.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let client = AuroraClient::new(ClientConfig::new(server.url())).unwrap();
    let conn = Connection {
        backend: std::sync::Arc::new(client),
        cluster: None,
        leader: None,
        warnings: Vec::new(),
    };
    let clock = sim.clone();
    let opts = ConsoleOptions {
        clock: Arc::new(move || clock.now_ms()),
        keymap: Keymap::builtin(),
        themes: ThemeSet::single(Theme::builtin()),
        start: Nav::Roles,
        refresh_ms: 5_000,
        update_refresh_ms: None,
        read_only: false,
        settings: Settings::default(),
        audit: None,
        mouse: false,
        connector: None,
        known_clusters: Vec::new(),
    };
    let text = Arc::new(Mutex::new(String::new()));
    let mut screen = Screen {
        terminal: Terminal::new(TestBackend::new(120, 30)).unwrap(),
        text: text.clone(),
    };
    let (keys, rx) = mpsc::unbounded_channel();
    let console = run_with(&mut screen, Keys(rx), conn, opts);
    let driver = async {
        // The roles come from the simulator through the effect runner and the backend.
        wait_for(&text, "www-data").await;
        keys.send(key(KeyCode::Char(':'))).unwrap();
        typed(&keys, "jobs www-data");
        wait_for(&text, "www-data/").await;
        keys.send(key(KeyCode::Char(':'))).unwrap();
        typed(&keys, "q!");
    };
    let (result, ()) = tokio::join!(console, driver);
    let (status, state) = result.unwrap();
    assert_eq!(status, 0);
    assert!(
        matches!(state.top(), eos::app::Screen::Jobs { .. }),
        "{:?}",
        state.top()
    );
    server.shutdown().await;
}
