//! The console in-process on ratatui's `TestBackend`: a surface whose last frame the test reads
//! as text, and keys fed through a channel as the terminal's event stream. Shared by
//! `tests/it/console_inprocess.rs` and the Swarm suite (`tests/swarm_console`), which includes
//! this file by path.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use eos::console::Surface;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;

/// A `TestBackend` whose last frame is shared as text with the test.
pub struct Screen {
    pub terminal: Terminal<TestBackend>,
    pub text: Arc<Mutex<String>>,
}

impl Surface for Screen {
    type Backend = TestBackend;

    fn terminal(&mut self) -> &mut Terminal<TestBackend> {
        &mut self.terminal
    }

    fn presented(&mut self) {
        let buf = self.terminal.backend().buffer();
        let mut out = String::new();
        for y in 0..buf.area.height {
            for x in 0..buf.area.width {
                out.push_str(buf[(x, y)].symbol());
            }
            out.push('\n');
        }
        *self.text.lock().unwrap() = out;
    }
}

/// Key events from the test, as the terminal's event stream.
pub struct Keys(pub mpsc::UnboundedReceiver<io::Result<Event>>);

impl futures_util::Stream for Keys {
    type Item = io::Result<Event>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.poll_recv(cx)
    }
}

pub fn key(code: KeyCode) -> io::Result<Event> {
    Ok(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

pub fn typed(keys: &mpsc::UnboundedSender<io::Result<Event>>, text: &str) {
    for c in text.chars() {
        keys.send(key(KeyCode::Char(c))).unwrap();
    }
    keys.send(key(KeyCode::Enter)).unwrap();
}
