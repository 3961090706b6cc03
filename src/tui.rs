//! The terminal: raw mode and the alternate screen, restored on drop, on panic and on signals.

use std::io::{self, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::{cursor, event, execute, terminal};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// Owns the terminal mode; dropping it puts the terminal back.
pub struct TerminalGuard {
    pub terminal: Term,
}

impl TerminalGuard {
    /// Raw mode and the alternate screen; with `mouse`, mouse capture too (`--mouse`: off by
    /// default, so the terminal's own selection and copy keep working over SSH).
    pub fn enter(mouse: bool) -> io::Result<TerminalGuard> {
        // Crossterm would turn NO_COLOR into a blanket attribute reset (losing bold/reverse);
        // Eos applies NO_COLOR itself through its themes.
        crossterm::style::force_color_output(true);
        install_panic_hook();
        terminal::enable_raw_mode()?;
        let mut out = io::stdout();
        MOUSE.store(mouse, Ordering::SeqCst);
        if let Err(e) = take_screen(&mut out) {
            restore();
            return Err(e);
        }
        let terminal = Terminal::new(CrosstermBackend::new(out))?;
        Ok(TerminalGuard { terminal })
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Mouse capture was asked for: set by `enter`, read by `restore` and `reenter` (which may run
/// from the panic hook, where the guard is out of reach).
static MOUSE: AtomicBool = AtomicBool::new(false);

fn take_screen(out: &mut Stdout) -> io::Result<()> {
    execute!(out, terminal::EnterAlternateScreen, cursor::Hide)?;
    if MOUSE.load(Ordering::SeqCst) {
        execute!(out, event::EnableMouseCapture)?;
    }
    Ok(())
}

/// Takes the terminal again after `restore` (resumed after Ctrl-Z).
pub fn reenter() -> io::Result<()> {
    terminal::enable_raw_mode()?;
    take_screen(&mut io::stdout())
}

/// Leaves raw mode and the alternate screen (and mouse capture); safe to call more than once.
pub fn restore() {
    let _ = terminal::disable_raw_mode();
    let mut out = io::stdout();
    if MOUSE.load(Ordering::SeqCst) {
        let _ = execute!(out, event::DisableMouseCapture);
    }
    let _ = execute!(out, terminal::LeaveAlternateScreen, cursor::Show);
    let _ = out.flush();
}

fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // Restore first, so the report is readable and the shell usable.
            restore();
            previous(info);
        }));
    });
}
