//! A small harness for driving the real `eos` binary: a simulated scheduler in a child process
//! (killed on drop) and the console in a pseudo-terminal whose output is parsed by `vt100`.
//! Shared by the pty tests of `tests/it/` (and tests/zk.rs) and `benches/console_pty.rs`.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

pub const COLS: u16 = 120;
pub const ROWS: u16 = 40;

/// How long a test waits for something to appear on screen: a bound on waiting, never an
/// assertion about speed.
pub const WAIT: Duration = Duration::from_secs(20);

/// The `eos` binary under test.
pub fn eos_bin() -> &'static str {
    env!("CARGO_BIN_EXE_eos")
}

/// A private config/state directory so a user's keymap or logs never leak in. Its only
/// setting: timestamps in UTC, so screens read the same on every machine.
fn scratch_dir() -> std::path::PathBuf {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("eos")).expect("config dir");
        std::fs::write(dir.path().join("eos/config.toml"), "timezone = \"utc\"\n")
            .expect("config file");
        dir
    })
    .path()
    .to_owned()
}

/// `eos sim` in a child process, killed (and reaped) on drop.
pub struct Sim {
    child: Child,
    /// Base URL for `--scheduler` (without `/api`).
    pub url: String,
    /// `127.0.0.1:PORT`, to start a new simulator on the same address.
    pub addr: String,
}

impl Sim {
    /// Starts `eos sim --listen ADDR --clock frozen EXTRA…` and waits for its URL.
    pub fn start_on(addr: &str, extra: &[&str]) -> Sim {
        let mut child = Command::new(eos_bin())
            .args(["sim", "--listen", addr, "--clock", "frozen"])
            .args(extra)
            .env("XDG_CONFIG_HOME", scratch_dir())
            .env("XDG_STATE_HOME", scratch_dir())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn eos sim");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let mut sent = false;
            // Keep reading so the pipe never fills up.
            for line in lines.by_ref().map_while(Result::ok) {
                if !sent && line.contains("serving http://") {
                    let _ = tx.send(line);
                    sent = true;
                }
            }
        });
        let line = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(l) => l,
            Err(_) => {
                let _ = child.kill();
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    let _ = e.read_to_string(&mut err);
                }
                panic!("eos sim on {addr} did not report its URL; stderr: {err}");
            }
        };
        let api = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .expect("URL in the banner");
        let url = api.trim_end_matches("/api").to_owned();
        assert!(
            url.starts_with("http://127.0.0.1:"),
            "simulator must be on loopback: {url}"
        );
        let addr = url.trim_start_matches("http://").to_owned();
        Sim { child, url, addr }
    }

    pub fn start(extra: &[&str]) -> Sim {
        Sim::start_on("127.0.0.1:0", extra)
    }

    /// Kills the simulator now (SIGKILL) and waits for it to be gone.
    pub fn kill(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.addr.clone()
    }

    /// Runs `eos get ARGS… -o json --scheduler URL` and parses the output.
    pub fn get_json(&self, what: &[&str]) -> serde_json::Value {
        let out = Command::new(eos_bin())
            .arg("get")
            .args(what)
            .args(["-o", "json", "--scheduler", &self.url])
            .env("XDG_CONFIG_HOME", scratch_dir())
            .env("XDG_STATE_HOME", scratch_dir())
            .stdin(Stdio::null())
            .output()
            .expect("run eos get");
        assert!(
            out.status.success(),
            "eos get {what:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("eos get prints JSON")
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the reader thread keeps: the parsed screen and byte accounting.
pub struct Shared {
    pub parser: vt100::Parser,
    /// Every byte the console wrote, in order.
    pub raw: Vec<u8>,
    /// When the screen first showed anything.
    pub first_nonempty: Option<Instant>,
    /// The pty reached end of file (the console exited and its output is drained).
    pub eof: bool,
}

/// The console in a pseudo-terminal.
pub struct Console {
    child: Box<dyn portable_pty::Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
    shared: Arc<(Mutex<Shared>, Condvar)>,
    pub spawned_at: Instant,
}

/// Text "printed by the shell" before the console starts, to check the main screen comes back.
pub const SHELL_MARKER: &str = "$ eos (shell output before the console)";

impl Console {
    /// Spawns `eos ARGS…` in a 120×40 pty.
    pub fn spawn(args: &[&str]) -> Console {
        Console::spawn_env(args, &[])
    }

    /// Like `spawn`, with extra environment variables (set last, so they win; e.g. a private
    /// `XDG_STATE_HOME` to read the audit log of one run).
    pub fn spawn_env(args: &[&str], env: &[(&str, &str)]) -> Console {
        Console::spawn_sized(args, env, COLS, ROWS)
    }

    /// Like `spawn_env`, in a `cols`×`rows` pty.
    pub fn spawn_sized(args: &[&str], env: &[(&str, &str)], cols: u16, rows: u16) -> Console {
        Console::spawn_program(eos_bin(), args, env, cols, rows)
    }

    /// Like `spawn_sized`, running `program` (a wrapper that starts `eos` itself) instead.
    pub fn spawn_program(
        program: &str,
        args: &[&str],
        env: &[(&str, &str)],
        cols: u16,
        rows: u16,
    ) -> Console {
        let pty = native_pty_system();
        let pair = pty
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pty");
        let mut cmd = CommandBuilder::new(program);
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env("XDG_CONFIG_HOME", scratch_dir());
        cmd.env("XDG_STATE_HOME", scratch_dir());
        cmd.env_remove("EOS_SCHEDULER");
        cmd.env_remove("NO_COLOR");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut parser = vt100::Parser::new(
            std::num::NonZeroU16::new(rows).expect("rows"),
            std::num::NonZeroU16::new(cols).expect("cols"),
            0,
        );
        parser.process(format!("{SHELL_MARKER}\r\n").as_bytes());
        let shared = Arc::new((
            Mutex::new(Shared {
                parser,
                raw: Vec::new(),
                first_nonempty: None,
                eof: false,
            }),
            Condvar::new(),
        ));
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let writer = pair.master.take_writer().expect("pty writer");
        let spawned_at = Instant::now();
        let child = pair.slave.spawn_command(cmd).expect("spawn eos in the pty");
        drop(pair.slave);
        let s = shared.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 65536];
            loop {
                let n = match reader.read(&mut buf) {
                    Ok(0) | Err(_) => 0,
                    Ok(n) => n,
                };
                let (lock, cv) = &*s;
                let mut g = lock.lock().expect("lock");
                if n == 0 {
                    g.eof = true;
                    cv.notify_all();
                    return;
                }
                g.parser.process(&buf[..n]);
                g.raw.extend_from_slice(&buf[..n]);
                if g.first_nonempty.is_none() && g.parser.screen().alternate_screen() {
                    let text = g.parser.screen().contents();
                    if !text.trim().is_empty() {
                        g.first_nonempty = Some(Instant::now());
                    }
                }
                cv.notify_all();
            }
        });
        Console {
            child,
            writer,
            _master: pair.master,
            shared,
            spawned_at,
        }
    }

    /// The console against a scheduler.
    pub fn open(sim: &Sim, extra: &[&str]) -> Console {
        let mut args = vec!["--scheduler", sim.url.as_str()];
        args.extend_from_slice(extra);
        Console::spawn(&args)
    }

    /// The console against a scheduler, with extra environment variables.
    pub fn open_env(sim: &Sim, extra: &[&str], env: &[(&str, &str)]) -> Console {
        let mut args = vec!["--scheduler", sim.url.as_str()];
        args.extend_from_slice(extra);
        Console::spawn_env(&args, env)
    }

    /// Changes the pty's size (the console gets SIGWINCH), as a terminal window resized over
    /// SSH would. The screen model takes the new size before any output drawn for it arrives.
    pub fn resize(&mut self, cols: u16, rows: u16) {
        let (lock, _) = &*self.shared;
        let mut g = lock.lock().expect("lock");
        g.parser.set_size(
            std::num::NonZeroU16::new(rows).expect("rows"),
            std::num::NonZeroU16::new(cols).expect("cols"),
        );
        self._master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("resize the pty");
    }

    /// The screen model's size: (cols, rows).
    pub fn size(&self) -> (u16, u16) {
        self.with(|s| {
            let (rows, cols) = s.parser.screen().size();
            (cols.get(), rows.get())
        })
    }

    /// Sends a signal to the console process.
    pub fn signal(&self, sig: i32) {
        // SAFETY: kill(2) with a pid this harness spawned and still holds.
        let r = unsafe { libc::kill(self.pid() as libc::pid_t, sig) };
        assert_eq!(r, 0, "kill({}, {sig})", self.pid());
    }

    /// The pty's line discipline is cooked again (canonical input, echo, signals from keys), as
    /// the shell expects it after a program exits; `None` when it cannot be read.
    pub fn cooked(&self) -> Option<bool> {
        let fd = self._master.as_raw_fd()?;
        // SAFETY: tcgetattr on a descriptor the master pty owns, into a zeroed termios.
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        if unsafe { libc::tcgetattr(fd, &mut t) } != 0 {
            return None;
        }
        let want = libc::ICANON | libc::ECHO | libc::ISIG;
        Some(t.c_lflag & want == want)
    }

    pub fn pid(&self) -> u32 {
        self.child.process_id().expect("pid")
    }

    /// Writes raw bytes as if typed.
    pub fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).expect("write to the pty");
        self.writer.flush().expect("flush the pty");
    }

    /// Types text one key at a time (as a person would; each becomes one key event).
    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            let mut b = [0u8; 4];
            self.send(c.encode_utf8(&mut b).as_bytes());
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    pub fn enter(&mut self) {
        self.send(b"\r");
    }

    /// Esc on its own (followed by a pause so it is not read as the start of a sequence).
    pub fn esc(&mut self) {
        self.send(b"\x1b");
        std::thread::sleep(Duration::from_millis(60));
    }

    pub fn ctrl_c(&mut self) {
        self.send(b"\x03");
    }

    /// The screen as text, one line per row.
    pub fn screen(&self) -> String {
        self.with(|s| s.parser.screen().contents())
    }

    pub fn with<T>(&self, f: impl FnOnce(&Shared) -> T) -> T {
        let g = self.shared.0.lock().expect("lock");
        f(&g)
    }

    /// Bytes written by the console so far.
    pub fn bytes_written(&self) -> usize {
        self.with(|s| s.raw.len())
    }

    /// Waits (up to `timeout`, a limit for waiting only) until `pred` holds of the screen text;
    /// returns when it became true. Panics with a dump of the screen otherwise.
    pub fn wait_for(&self, what: &str, timeout: Duration, pred: impl Fn(&str) -> bool) -> Instant {
        match self.try_wait_for(timeout, pred) {
            Some(t) => t,
            None => panic!(
                "timed out after {timeout:?} waiting for {what}\n{}",
                self.dump()
            ),
        }
    }

    /// Like `wait_for`, without panicking.
    pub fn try_wait_for(&self, timeout: Duration, pred: impl Fn(&str) -> bool) -> Option<Instant> {
        self.try_wait_with(timeout, |s| pred(&s.parser.screen().contents()))
    }

    /// Waits (up to `timeout`) until `pred` holds of what the reader keeps (the parsed screen
    /// with its cells, the raw bytes): when it became true, or None.
    pub fn try_wait_with(
        &self,
        timeout: Duration,
        pred: impl Fn(&Shared) -> bool,
    ) -> Option<Instant> {
        let deadline = Instant::now() + timeout;
        let (lock, cv) = &*self.shared;
        let mut g = lock.lock().expect("lock");
        loop {
            if pred(&g) {
                return Some(Instant::now());
            }
            let now = Instant::now();
            if now >= deadline {
                return None;
            }
            // Wake on every chunk of output, and now and then regardless.
            let wait = (deadline - now).min(Duration::from_millis(200));
            g = cv.wait_timeout(g, wait).expect("lock").0;
        }
    }

    /// Waits until the screen contains `text`.
    pub fn wait_text(&self, text: &str, timeout: Duration) -> Instant {
        self.wait_for(&format!("{text:?} on screen"), timeout, |s| {
            s.contains(text)
        })
    }

    /// Rows whose text ran past the right edge onto the next row (ratatui never does that; a
    /// sequence written outside its buffer does, and leaves text it will not clear).
    pub fn wrapped_rows(&self) -> Vec<u16> {
        self.with(|s| {
            let screen = s.parser.screen();
            (0..screen.size().0.get())
                .filter(|&r| screen.row_wrapped(r))
                .collect()
        })
    }

    /// The screen with a ruler, for failure messages.
    pub fn dump(&self) -> String {
        let text = self.screen();
        let (cols, rows) = self.size();
        let mut out = format!("---- screen ({cols}x{rows}) ----\n");
        for (i, line) in text.lines().enumerate() {
            out.push_str(&format!("{i:2}|{line}\n"));
        }
        out.push_str("-------------------------");
        out
    }

    /// Waits for the process to exit; its status, or None on timeout.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<portable_pty::ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(st)) = self.child.try_wait() {
                return Some(st);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until everything the process wrote has been parsed.
    pub fn wait_eof(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let (lock, cv) = &*self.shared;
        let mut g = lock.lock().expect("lock");
        while !g.eof {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            g = cv.wait_timeout(g, deadline - now).expect("lock").0;
        }
        true
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Data has arrived for the current view: the header shows an age (`Ns ago`), not `loading…`
/// or STALE.
pub fn wait_loaded(c: &Console) {
    c.wait_for("fresh data (header `Ns ago`)", WAIT, |s| {
        let h = header(s);
        h.contains("s ago") && !h.contains("STALE")
    });
}

/// Types a `:` command line and Enter.
pub fn command(c: &mut Console, line: &str) {
    c.send(b":");
    c.type_text(line);
    c.enter();
}

/// The breadcrumb line (row 1).
pub fn crumbs(screen: &str) -> String {
    screen.lines().nth(1).unwrap_or("").to_owned()
}

/// Which button of the open dialog has the focus: its label. A focused button is marked `▸`
/// and drawn reversed; both must show.
pub fn focused_button(c: &Console) -> Option<String> {
    c.with(focused_button_in)
}

fn focused_button_in(s: &Shared) -> Option<String> {
    let screen = s.parser.screen();
    let text = screen.contents();
    let (row, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("[ Cancel ]"))?;
    let mut from = 0;
    while let Some(off) = line[from..].find("[ ") {
        let start = from + off;
        let end = start + line[start..].find(" ]")? + 2;
        let col = line[..start].chars().count() as u16;
        let marked = line[..start].ends_with('▸');
        if marked
            && screen
                .cell(row as u16, col + 2)
                .is_some_and(|c| c.inverse())
        {
            return Some(line[start + 2..end - 2].to_owned());
        }
        from = end;
    }
    None
}

/// Waits until the button `label` of the open dialog has the focus.
pub fn wait_focus(c: &Console, label: &str) {
    if c.try_wait_with(WAIT, |s| focused_button_in(s).as_deref() == Some(label))
        .is_none()
    {
        panic!(
            "focus on {label:?} expected, found {:?}\n{}",
            focused_button(c),
            c.dump()
        );
    }
}

/// The first screen line containing `needle`.
pub fn line_with<'a>(screen: &'a str, needle: &str) -> Option<&'a str> {
    screen.lines().find(|l| l.contains(needle))
}

/// The header line (row 0).
pub fn header(screen: &str) -> &str {
    screen.lines().next().unwrap_or("")
}

/// The selected table row (marked `▶`).
pub fn selected_row(screen: &str) -> Option<String> {
    screen
        .lines()
        .find(|l| l.trim_start().starts_with('▶'))
        .map(|l| l.trim().to_owned())
}
