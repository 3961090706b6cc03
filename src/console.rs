//! The console's event loop: one task owns the state; terminal events, fetch results, signals
//! and a slow tick become actions; the reducer turns them into effects; the screen is drawn once
//! per batch and only when something visible changed.
//!
//! The loop is generic over where it draws ([`Surface`]) and where its events come from (any
//! stream of crossterm events): `run` puts it on the real terminal, and [`run_with`] lets a
//! test run the whole console in-process on ratatui's `TestBackend` with the same reducer, the
//! same effect runner and the same leader handling.

use std::io::Write as _;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{
    Event, EventStream, KeyCode, KeyEventKind, KeyModifiers, MouseButton, MouseEventKind,
};
use futures_util::StreamExt;
use tokio::sync::{mpsc, watch};

use crate::app::clusters::Connected;
use crate::app::link::LinkNews;
use crate::app::{Action, Nav, State, update};
use crate::aurora::zk::LeaderView;
use crate::connection::{Connection, Connector};
use crate::effects::{Clock, Effects};
use crate::keymap::Keymap;
use crate::theme::{Theme, ThemeSet};
use crate::tui::{self, TerminalGuard};
use crate::ui::{self, Hyperlink};

pub struct ConsoleOptions {
    pub clock: Clock,
    pub keymap: Keymap,
    /// The theme, and those clusters ask for (chosen when the cluster name arrives).
    pub themes: ThemeSet,
    pub start: Nav,
    pub refresh_ms: i64,
    /// From the config file's `update_refresh` (`None`: the built-in default).
    pub update_refresh_ms: Option<i64>,
    /// Read-only from the start (`--read-only` or the config file's global `read_only`).
    pub read_only: bool,
    /// The config file and the flags that beat it; per-cluster overrides apply later.
    pub settings: crate::config::Settings,
    /// Where mutations are recorded (`None`: not recorded).
    pub audit: Option<std::path::PathBuf>,
    /// Capture the mouse (`--mouse` or `mouse = true`): wheel and clicks on table rows.
    pub mouse: bool,
    /// Makes `:cluster` connections and `:clusters` probes (`None`: one scheduler only).
    pub connector: Option<Arc<Connector>>,
    /// The clusters of clusters.json, by name.
    pub known_clusters: Vec<String>,
}

/// Where the console draws: the real terminal, or a test's backend.
pub trait Surface {
    type Backend: ratatui::backend::Backend;

    fn terminal(&mut self) -> &mut ratatui::Terminal<Self::Backend>;

    /// The frame's hyperlinks changed (the real terminal writes them as OSC 8 over the text).
    fn hyperlinks(&mut self, _links: &[Hyperlink]) {}

    /// A frame was drawn.
    fn presented(&mut self) {}

    /// Ctrl-Z: hand the terminal back until the process is resumed.
    fn suspend(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Surface for TerminalGuard {
    type Backend = ratatui::backend::CrosstermBackend<std::io::Stdout>;

    fn terminal(&mut self) -> &mut ratatui::Terminal<Self::Backend> {
        &mut self.terminal
    }

    /// OSC 8 hyperlinks over text ratatui already drew; written only when they change, so an
    /// idle screen stays quiet. Terminals without OSC 8 show the same text.
    fn hyperlinks(&mut self, links: &[Hyperlink]) {
        let mut out = std::io::stdout().lock();
        for l in links {
            let _ = crossterm::queue!(out, crossterm::cursor::MoveTo(l.x, l.y));
            let _ = write!(out, "\x1b]8;;{}\x1b\\{}\x1b]8;;\x1b\\", l.url, l.text);
        }
        let _ = out.flush();
    }

    fn suspend(&mut self) -> std::io::Result<()> {
        suspend(self)
    }
}

/// A drawing backend's error as the loop's (the real terminal's already is one; a test
/// backend's cannot happen).
fn io_error(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

/// How often time is looked at: polls fall due and the age clock moves on this beat; the screen
/// is redrawn only when what it shows changes.
const TICK: Duration = Duration::from_millis(250);

/// Runs the console until it quits; the process's exit status (0, or 128 + a signal's number).
pub async fn run(conn: Connection, opts: ConsoleOptions) -> std::io::Result<i32> {
    let mut guard = TerminalGuard::enter(opts.mouse)?;
    let (status, state) =
        run_loop(&mut guard, EventStream::new(), Signals::new(), conn, opts).await?;
    drop(guard);
    // After the restore, so it lands on the shell's screen and stays there.
    if let Some(summary) = state.unfinished_work() {
        eprintln!("eos: quit with unfinished work: {summary}");
    }
    Ok(status)
}

/// The console on any surface, fed by any event stream, without listening for signals: it ends
/// when the reducer quits or the stream ends. Returns the exit status and the final state.
pub async fn run_with<S, E>(
    surface: &mut S,
    events: E,
    conn: Connection,
    opts: ConsoleOptions,
) -> std::io::Result<(i32, State)>
where
    S: Surface,
    E: futures_util::Stream<Item = std::io::Result<Event>> + Unpin,
{
    run_loop(surface, events, Signals::none(), conn, opts).await
}

async fn run_loop<S, E>(
    surface: &mut S,
    mut events: E,
    mut signals: Signals,
    conn: Connection,
    opts: ConsoleOptions,
) -> std::io::Result<(i32, State)>
where
    S: Surface,
    E: futures_util::Stream<Item = std::io::Result<Event>> + Unpin,
{
    let (tx, mut rx) = mpsc::unbounded_channel::<Action>();
    let (conn_tx, mut conn_rx) = mpsc::unbounded_channel();
    let now = (opts.clock)();
    let Connection {
        backend,
        cluster,
        mut leader,
        warnings,
        ..
    } = conn;
    let mut state = State::new(&backend.endpoint(), opts.keymap, opts.start, now);
    state.known_clusters = opts.known_clusters.clone();
    if let Some(name) = cluster {
        state.cluster = Some(name);
        state.cluster_pinned = true;
    }
    if !warnings.is_empty() {
        state.overlays.notice = Some(("Before you start".into(), warnings));
    }
    state.refresh_ms = opts.refresh_ms;
    state.read_only = opts.read_only;
    if let Some(ms) = opts.update_refresh_ms {
        state.update_refresh_ms = ms;
    }
    state.set_settings(opts.settings.clone());
    state.capabilities = backend.capabilities();
    let mut effects = Effects::new(backend, tx, opts.clock.clone());
    effects.audit = opts.audit.clone();
    effects.connector = opts.connector.clone();
    effects.connections = Some(conn_tx);
    let size = surface.terminal().size().map_err(io_error)?;
    update(&mut state, Action::Resize(size.width, size.height));
    let mut links: Vec<Hyperlink> = Vec::new();
    draw(surface, &mut state, &opts.themes, &mut links)?;

    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut status = 0;

    'outer: loop {
        let mut batch = Vec::with_capacity(8);
        tokio::select! {
            biased;
            sig = signals.recv() => {
                status = 128 + sig;
                break 'outer;
            }
            ev = events.next() => match ev {
                Some(Ok(ev)) => {
                    if is_suspend(&ev) {
                        surface.suspend()?;
                        links.clear();
                        state.dirty = true;
                        // The window may have changed size while the console was stopped.
                        let size = surface.terminal().size().map_err(io_error)?;
                        batch.push(Action::Resize(size.width, size.height));
                    } else if let Some(a) = to_action(ev) {
                        batch.push(a);
                    }
                }
                // The terminal is gone (SSH dropped): nothing left to show.
                Some(Err(_)) | None => break 'outer,
            },
            Some(a) = rx.recv() => batch.push(a),
            _ = ticker.tick() => batch.push(Action::Tick((opts.clock)())),
            changed = leader_changed(&mut leader) => match changed {
                Some(view) => batch.extend(on_leader(view, &mut effects)),
                // The watch ended (it cannot run with this configuration): the leader stays.
                None => leader = None,
            },
            Some((cluster, result)) = conn_rx.recv() => match result {
                Ok(conn) => {
                    state.capabilities = conn.backend.capabilities();
                    let home = conn.backend.home();
                    effects.set_backend(conn.backend);
                    // The old cluster's ZooKeeper watch stops with its receiver.
                    leader = conn.leader;
                    batch.push(Action::Connected(Box::new(Connected {
                        cluster,
                        url: effects.backend().endpoint(),
                        warnings: conn.warnings,
                        home,
                    })));
                }
                Err(error) => batch.push(Action::ConnectFailed { cluster, error }),
            },
        }
        while let Ok(a) = rx.try_recv() {
            batch.push(a);
        }
        for action in batch {
            if let Action::Resize(..) = action {
                links.clear();
            }
            for effect in update(&mut state, action) {
                if !effects.run(effect) {
                    break 'outer;
                }
            }
        }
        if state.dirty {
            draw(surface, &mut state, &opts.themes, &mut links)?;
        }
    }
    Ok((status, state))
}

/// The next thing ZooKeeper says (`None` when there is no watch, or it ended).
async fn leader_changed(
    leader: &mut Option<watch::Receiver<Option<LeaderView>>>,
) -> Option<Option<LeaderView>> {
    match leader {
        Some(rx) => match rx.changed().await {
            Ok(()) => Some(rx.borrow_and_update().clone()),
            Err(_) => None,
        },
        None => std::future::pending().await,
    }
}

/// ZooKeeper's word, at the edge: a new leader re-points the client here, before the reducer
/// hears of it, so the polls it sends go to the new leader.
fn on_leader(view: Option<LeaderView>, effects: &mut Effects) -> Vec<Action> {
    match view {
        Some(LeaderView::Leader(url)) => {
            let mut out = vec![Action::Link(LinkNews::ZkLeader)];
            out.extend(effects.repoint(&url).map(Action::Link));
            out
        }
        Some(LeaderView::NoLeader(why)) => vec![Action::Link(LinkNews::ZkNoLeader(why))],
        Some(LeaderView::Unreachable(why)) => vec![Action::Link(LinkNews::ZkDown(why))],
        None => Vec::new(),
    }
}

fn draw<S: Surface>(
    surface: &mut S,
    state: &mut State,
    themes: &ThemeSet,
    last_links: &mut Vec<Hyperlink>,
) -> std::io::Result<()> {
    let theme: &Theme = themes.pick(state.look.theme.as_deref());
    let mut links = Vec::new();
    surface
        .terminal()
        .draw(|f| links = ui::render(state, theme, f))
        .map_err(io_error)?;
    state.dirty = false;
    if links != *last_links {
        surface.hyperlinks(&links);
        *last_links = links;
    }
    surface.presented();
    Ok(())
}

fn to_action(ev: Event) -> Option<Action> {
    match ev {
        Event::Key(k) if k.kind != KeyEventKind::Release => Some(Action::Key(k)),
        Event::Resize(w, h) => Some(Action::Resize(w, h)),
        // Mouse events arrive only when capture is on (`--mouse`).
        Event::Mouse(m) => match m.kind {
            MouseEventKind::Down(MouseButton::Left) => Some(Action::Click {
                column: m.column,
                row: m.row,
            }),
            MouseEventKind::ScrollDown => Some(Action::Scroll(1)),
            MouseEventKind::ScrollUp => Some(Action::Scroll(-1)),
            _ => None,
        },
        _ => None,
    }
}

fn is_suspend(ev: &Event) -> bool {
    matches!(ev, Event::Key(k) if k.code == KeyCode::Char('z') && k.modifiers.contains(KeyModifiers::CONTROL))
}

/// Ctrl-Z: give the terminal back, stop, and take it again when resumed.
fn suspend(guard: &mut TerminalGuard) -> std::io::Result<()> {
    tui::restore();
    #[cfg(unix)]
    // SAFETY: raising SIGTSTP on ourselves stops the process until SIGCONT, like the shell's ^Z.
    unsafe {
        libc::raise(libc::SIGTSTP);
    }
    tui::reenter()?;
    // Not `Terminal::clear`: it asks the terminal where the cursor is, and the reply would go to
    // the event reader (the console then fails after a timeout). `resize` clears the screen and
    // forgets the last frame without asking, and picks up a size changed while stopped.
    let size = guard.terminal.size()?;
    guard
        .terminal
        .resize(ratatui::layout::Rect::new(0, 0, size.width, size.height))
}

/// Every terminating signal Eos can catch ends the console the same way: the terminal is
/// restored, any unfinished work is summarised on stderr, and Eos exits with 128 + the signal's
/// number, as a shell reports a death by that signal. A signal never asks (unlike Ctrl-C typed as
/// a key, which goes through the reducer and may ask first); whoever sent it meant it.
/// Signals that report a fault (SEGV, BUS, ILL, FPE, ABRT, TRAP, SYS) are left alone: the process
/// state is not to be trusted then; the panic hook covers Rust's own failures.
struct Signals {
    rx: mpsc::UnboundedReceiver<i32>,
}

/// The terminating signals listened for (SIGPIPE is ignored by the Rust runtime already).
#[cfg(unix)]
const TERMINATING: &[libc::c_int] = &[
    libc::SIGTERM,
    libc::SIGHUP,
    libc::SIGINT,
    libc::SIGQUIT,
    libc::SIGUSR1,
    libc::SIGUSR2,
    libc::SIGALRM,
    libc::SIGVTALRM,
    libc::SIGPROF,
    libc::SIGXCPU,
    libc::SIGXFSZ,
    #[cfg(any(target_os = "linux", target_os = "android"))]
    libc::SIGPWR,
    libc::SIGIO,
];

impl Signals {
    fn new() -> Signals {
        let (tx, rx) = mpsc::unbounded_channel();
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            for &sig in TERMINATING {
                // A signal that cannot be registered keeps its default action.
                if let Ok(mut s) = signal(SignalKind::from_raw(sig)) {
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        while s.recv().await.is_some() {
                            if tx.send(sig).is_err() {
                                break;
                            }
                        }
                    });
                }
            }
        }
        drop(tx);
        Signals { rx }
    }

    /// No signals at all (a console run in-process by a test).
    fn none() -> Signals {
        let (_, rx) = mpsc::unbounded_channel();
        Signals { rx }
    }

    /// The next signal's number (never returns when none can arrive).
    async fn recv(&mut self) -> i32 {
        match self.rx.recv().await {
            Some(sig) => sig,
            None => std::future::pending().await,
        }
    }
}
