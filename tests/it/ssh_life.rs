//! Life over SSH: the real binary in a pty at 80×24, resized while it runs, killed by SIGTERM,
//! SIGHUP (a dropped SSH session), SIGINT, SIGQUIT and the other terminating signals, and inside
//! tmux with TERM=screen-256color and xterm.

use crate::pty_common;

use std::process::Command;
use std::time::{Duration, Instant};

use pty_common::{Console, SHELL_MARKER, Sim, WAIT, eos_bin, header};

/// The header (row 0) reaches the right edge: its status sits in the last columns.
fn header_spans(screen: &str, cols: u16) -> bool {
    let h = header(screen);
    let len = h.trim_end().chars().count();
    h.contains("Eos")
        && h.contains("devcluster")
        && len + 2 >= cols as usize
        && len <= cols as usize
}

/// The hint bar: at 80 columns it is cut, and which hints are left depends on the view.
fn is_hint_bar(line: &str) -> bool {
    ["? help", "q back", "<Enter> open", "/ filter", ": command"]
        .iter()
        .any(|h| line.contains(h))
}

/// The rows of the screen (as many as it has).
fn rows(screen: &str, n: u16) -> Vec<String> {
    let mut r: Vec<String> = screen.lines().map(str::to_owned).collect();
    r.resize(n as usize, String::new());
    r
}

/// What is wrong with the screen at `cols`×`nrows`, if anything: it must be drawn once (one
/// header spanning the width, one hint bar, on the last row) with nothing wrapped past the edge.
fn unclean(screen: &vt100::Screen, cols: u16, nrows: u16) -> Option<String> {
    let s = screen.contents();
    let (rows_now, cols_now) = (screen.size().0.get(), screen.size().1.get());
    if (cols_now, rows_now) != (cols, nrows) {
        return Some(format!("size {cols_now}x{rows_now}"));
    }
    if !header_spans(&s, cols) {
        return Some(format!("header not {cols} wide"));
    }
    let r = rows(&s, nrows);
    let headers = r.iter().filter(|l| l.contains("Eos  devcluster")).count();
    if headers != 1 {
        return Some(format!("{headers} headers"));
    }
    if !is_hint_bar(&r[nrows as usize - 1]) {
        return Some("no hint bar on the last row".into());
    }
    let bars = r.iter().filter(|l| is_hint_bar(l)).count();
    if bars != 1 {
        return Some(format!("{bars} hint bars"));
    }
    let wrapped: Vec<u16> = (0..rows_now).filter(|&i| screen.row_wrapped(i)).collect();
    if !wrapped.is_empty() {
        return Some(format!("wrapped rows {wrapped:?}"));
    }
    None
}

/// Waits until the screen is clean at `cols`×`nrows` and `also` holds of its text (the frame
/// may still be arriving when a test starts looking); panics with what is wrong otherwise.
fn wait_clean(c: &Console, cols: u16, nrows: u16, what: &str, also: impl Fn(&str) -> bool) {
    let ok = |s: &pty_common::Shared| {
        let screen = s.parser.screen();
        unclean(screen, cols, nrows).is_none() && also(&screen.contents())
    };
    if c.try_wait_with(WAIT, ok).is_none() {
        let problem = c.with(|s| unclean(s.parser.screen(), cols, nrows));
        panic!(
            "{what}: {}\n{}",
            problem.unwrap_or_else(|| "the expected text is missing".into()),
            c.dump()
        );
    }
}

#[test]
fn every_view_is_readable_at_80x24() {
    let sim = Sim::start(&[]);
    let url = sim.url.clone();
    let mut c = Console::spawn_sized(&["--scheduler", &url], &[], 80, 24);
    c.wait_text("analytics", WAIT);
    wait_clean(&c, 80, 24, "roles", |_| true);
    let steps: &[(&str, &[u8], &str)] = &[
        ("jobs", b":jobs payments\r", "payments/prod/"),
        ("tasks", b":job search/prod/indexer\r", "RUNNING"),
        ("task", b"\r", "TIMELINE"),
        ("quota", b":quota search\r", "CPU"),
        ("updates", b"U", "ROLLING_FORWARD"),
        ("update", b"\r", "progress"),
        ("triage", b"T", "CRASHLOOP"),
        ("help", b"?", "Quit Eos"),
    ];
    for (what, keys, text) in steps {
        c.type_text(std::str::from_utf8(keys).unwrap());
        c.wait_text(text, WAIT);
        wait_clean(&c, 80, 24, what, |_| true);
        if *what == "help" {
            c.esc();
        }
    }
    c.ctrl_c();
    let status = c.wait_exit(WAIT).expect("Ctrl-C quits");
    assert!(status.success(), "no panic: {status:?}");
}

#[test]
fn resizing_redraws_at_the_new_size_without_leftovers() {
    let sim = Sim::start(&[]);
    let url = sim.url.clone();
    let mut c = Console::spawn_sized(&["--scheduler", &url], &[], 120, 40);
    c.wait_text("analytics", WAIT);
    c.type_text(":job search/prod/indexer\r");
    c.wait_text("search-prod-indexer-0", WAIT);
    for (cols, nrows) in [(80, 24), (100, 30), (120, 40), (80, 24)] {
        c.resize(cols, nrows);
        c.wait_for(&format!("a redraw at {cols}x{nrows}"), WAIT, |s| {
            header_spans(s, cols) && is_hint_bar(&rows(s, nrows)[nrows as usize - 1])
        });
        // Instance 0 shows; taller, the table fills the new rows (30 instances; 40 rows show
        // them all).
        wait_clean(&c, cols, nrows, &format!("{cols}x{nrows}"), |s| {
            shows_instance(s, 0) && (nrows != 40 || shows_instance(s, 29))
        });
    }
    c.ctrl_c();
    assert!(c.wait_exit(WAIT).expect("quits").success());
}

/// Whether a task table row for `instance` is on the screen (the INST column leads each row,
/// after the selection mark). By instance, not by a port: ports come from the demo's random
/// world and move whenever the simulator's rules do.
fn shows_instance(screen: &str, instance: u32) -> bool {
    let lead = format!("{instance} ");
    screen
        .lines()
        .any(|l| l.trim_start_matches(['▶', ' ']).starts_with(&lead))
}

fn signal_restores_the_terminal(sig: i32, name: &str) {
    signal_restores_the_terminal_with(sig, name, &[]);
}

/// Sends `sig` to a running console (started with `extra` flags) and checks that the terminal
/// is handed back whole: the main screen, the cursor, cooked mode, no mouse reporting; and that
/// eos exits as a shell reports a death by that signal (128 + its number).
fn signal_restores_the_terminal_with(sig: i32, name: &str, extra: &[&str]) {
    let sim = Sim::start(&[]);
    let mut c = Console::open(&sim, extra);
    c.wait_text("analytics", WAIT);
    assert!(c.with(|s| s.parser.screen().alternate_screen()));
    assert_eq!(
        c.cooked(),
        Some(false),
        "{name}: raw while the console runs"
    );
    if extra.contains(&"--mouse") {
        assert_ne!(
            c.with(|s| s.parser.screen().mouse_protocol_mode()),
            vt100::MouseProtocolMode::None,
            "{name}: mouse reporting is on with --mouse"
        );
    }
    c.signal(sig);
    let status = c
        .wait_exit(WAIT)
        .unwrap_or_else(|| panic!("{name} did not end eos\n{}", c.dump()));
    assert!(c.wait_eof(WAIT), "{name}: the pty reached end of file");
    c.with(|s| {
        let screen = s.parser.screen();
        assert!(
            !screen.alternate_screen(),
            "{name}: left the alternate screen"
        );
        assert!(!screen.hide_cursor(), "{name}: cursor shown again");
        assert_eq!(
            screen.mouse_protocol_mode(),
            vt100::MouseProtocolMode::None,
            "{name}: mouse reporting off"
        );
        let text = screen.contents();
        assert!(
            text.contains(SHELL_MARKER),
            "{name}: main screen back:\n{text}"
        );
        assert!(
            !text.contains("devcluster"),
            "{name}: no console left:\n{text}"
        );
    });
    assert_eq!(c.cooked(), Some(true), "{name}: cooked mode again");
    assert_eq!(
        status.exit_code(),
        128 + sig as u32,
        "{name}: exit status {status:?}"
    );
}

#[test]
fn sigterm_restores_the_terminal_and_exits() {
    signal_restores_the_terminal(libc::SIGTERM, "SIGTERM");
}

#[test]
fn sighup_from_a_dropped_session_restores_the_terminal_and_exits() {
    signal_restores_the_terminal(libc::SIGHUP, "SIGHUP");
}

#[test]
fn sigint_restores_the_terminal_and_exits() {
    signal_restores_the_terminal(libc::SIGINT, "SIGINT");
}

#[test]
fn sigquit_restores_the_terminal_and_exits() {
    signal_restores_the_terminal(libc::SIGQUIT, "SIGQUIT");
}

#[test]
fn other_terminating_signals_restore_the_terminal_too() {
    for (sig, name) in [
        (libc::SIGUSR1, "SIGUSR1"),
        (libc::SIGUSR2, "SIGUSR2"),
        (libc::SIGALRM, "SIGALRM"),
    ] {
        signal_restores_the_terminal(sig, name);
    }
}

#[test]
fn sigint_with_mouse_capture_turns_mouse_reporting_off() {
    signal_restores_the_terminal_with(libc::SIGINT, "SIGINT --mouse", &["--mouse"]);
}

/// A tmux server of this test's own (`-L` socket), killed on drop.
struct Tmux {
    socket: String,
    dir: tempfile::TempDir,
}

impl Tmux {
    fn new() -> Tmux {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        Tmux {
            socket: format!("eos-test-{}-{nanos}", std::process::id()),
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .env_remove("TMUX")
            .output()
            .expect("tmux is installed (apt-get install tmux)")
    }

    fn capture(&self, target: &str) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", target]).stdout)
            .into_owned()
    }

    fn wait(&self, target: &str, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let s = self.capture(target);
            if pred(&s) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "tmux {target}: timed out waiting for {what}:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

#[test]
fn runs_inside_tmux_with_screen_256color_and_xterm() {
    let tmux = Tmux::new();
    let dir = tmux.dir.path().display().to_string();
    for (i, term) in ["screen-256color", "xterm"].into_iter().enumerate() {
        let name = format!("s{i}");
        // `; exec cat`-free: when eos ends, the shell prints a marker and waits so the pane
        // (and its restored state) can be inspected.
        let cmd = format!(
            "env TERM={term} XDG_CONFIG_HOME={dir} XDG_STATE_HOME={dir} {} demo --clock frozen; \
             echo eos-exited-$?; stty -a | grep -o -- '-\\?icanon' ; sleep 30",
            eos_bin()
        );
        let out = tmux.run(&[
            "new-session",
            "-d",
            "-s",
            &name,
            "-x",
            "100",
            "-y",
            "30",
            &cmd,
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let s = tmux.wait(&name, "the roles view", |s| {
            s.contains("ROLE") && s.contains("analytics") && s.contains("? help")
        });
        assert!(header_spans(&s, 100), "TERM={term}:\n{s}");
        assert_eq!(
            s.lines().filter(|l| l.contains("Eos  devcluster")).count(),
            1
        );
        // It takes keys through tmux: open the first role's jobs, then triage.
        tmux.run(&["send-keys", "-t", &name, "Enter"]);
        tmux.wait(&name, "the jobs of analytics", |s| {
            s.contains("analytics/prod/")
        });
        tmux.run(&["send-keys", "-t", &name, "T"]);
        tmux.wait(&name, "triage", |s| s.contains("CRASHLOOP"));
        // And quits, leaving the shell's terminal cooked again.
        tmux.run(&["send-keys", "-t", &name, "C-c"]);
        let s = tmux.wait(&name, "eos to exit", |s| s.contains("eos-exited-"));
        assert!(s.contains("eos-exited-0"), "TERM={term}:\n{s}");
        let s = tmux.wait(&name, "stty", |s| s.contains("icanon"));
        assert!(
            s.lines().any(|l| l.trim() == "icanon"),
            "TERM={term}: canonical mode restored:\n{s}"
        );
        assert!(!s.contains("devcluster"), "TERM={term}: nothing left:\n{s}");
    }
}

// ---- Optional mouse support (`--mouse`) ----

const MOUSE_ON: [&str; 4] = ["\x1b[?1000h", "\x1b[?1002h", "\x1b[?1003h", "\x1b[?1006h"];

fn raw_output(c: &Console) -> String {
    c.with(|s| String::from_utf8_lossy(&s.raw).into_owned())
}

/// The screen row (0-based) whose line contains `needle`.
fn row_of(screen: &str, needle: &str) -> Option<usize> {
    screen.lines().position(|l| l.contains(needle))
}

/// The first word of a table row (the marker and padding dropped).
fn first_word(line: &str) -> String {
    line.trim_start_matches(['▶', '●', ' '])
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_owned()
}

#[test]
fn with_mouse_a_click_selects_a_row_and_the_wheel_moves_the_selection() {
    let sim = Sim::start(&[]);
    let mut c = Console::open(&sim, &["--mouse"]);
    c.wait_text("analytics", WAIT);
    c.wait_for("a selected row", WAIT, |s| {
        pty_common::selected_row(s).is_some()
    });
    let raw = raw_output(&c);
    assert!(
        raw.contains("\x1b[?1000h") && raw.contains("\x1b[?1006h"),
        "--mouse turns on mouse reporting (SGR)"
    );
    let s = c.screen();
    let first = row_of(&s, "▶").expect("the selection marker");
    assert_eq!(
        first,
        3,
        "the first table row is screen row 3\n{}",
        c.dump()
    );
    // Click the third row (screen row 5; SGR counts from 1).
    let lines: Vec<&str> = s.lines().collect();
    let target = first_word(lines[5]);
    assert!(!target.is_empty(), "a row to click\n{}", c.dump());
    c.send(b"\x1b[<0;20;6M\x1b[<0;20;6m");
    c.wait_for(&format!("{target} selected"), WAIT, |s| {
        pty_common::selected_row(s).is_some_and(|r| first_word(&r) == target)
    });
    assert_eq!(row_of(&c.screen(), "▶"), Some(5), "{}", c.dump());
    // The wheel (button 65: down) moves the selection one row down.
    let next = first_word(c.screen().lines().nth(6).unwrap_or(""));
    assert!(!next.is_empty(), "a row below\n{}", c.dump());
    c.send(b"\x1b[<65;20;6M");
    c.wait_for(&format!("{next} selected by the wheel"), WAIT, |s| {
        pty_common::selected_row(s).is_some_and(|r| first_word(&r) == next)
    });
    // Wheel up (64) moves it back.
    c.send(b"\x1b[<64;20;6M");
    c.wait_for(&format!("{target} selected again"), WAIT, |s| {
        pty_common::selected_row(s).is_some_and(|r| first_word(&r) == target)
    });
    // A click on the selected row opens it, like Enter: the jobs of that role.
    c.send(b"\x1b[<0;20;6M\x1b[<0;20;6m");
    c.wait_text(&format!("{target}/prod/"), WAIT);
    c.ctrl_c();
    let status = c.wait_exit(WAIT).expect("Ctrl-C quits");
    assert!(status.success(), "{status:?}");
    assert!(c.wait_eof(WAIT));
    assert!(
        raw_output(&c).contains("\x1b[?1000l"),
        "mouse reporting is turned off on exit"
    );
}

#[test]
fn without_mouse_no_mouse_reporting_is_ever_turned_on() {
    let sim = Sim::start(&[]);
    let mut c = Console::open(&sim, &[]);
    c.wait_text("analytics", WAIT);
    c.type_text("j");
    c.type_text(":job search/prod/indexer\r");
    c.wait_text("search-prod-indexer-0", WAIT);
    c.ctrl_c();
    assert!(c.wait_exit(WAIT).expect("quits").success());
    assert!(c.wait_eof(WAIT));
    let raw = raw_output(&c);
    for seq in MOUSE_ON {
        assert!(!raw.contains(seq), "{seq:?} written without --mouse");
    }
}

/// Not a test of its own: with `EOS_JOB_PARENT` set, this test binary is a minimal job-control
/// shell for `ctrl_z_suspends_and_sigcont_resumes`. It runs `eos` in its own process group in
/// the foreground of the terminal and waits without watching for stops; the console launched
/// straight from the harness would be an orphaned process group, where the kernel discards
/// SIGTSTP (as POSIX asks), so Ctrl-Z could not stop it.
#[test]
fn job_control_parent_helper() {
    use std::os::unix::process::CommandExt;
    let Ok(args) = std::env::var("EOS_JOB_PARENT") else {
        return;
    };
    let mut cmd = Command::new(eos_bin());
    cmd.args(args.split('\x1f'));
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setpgid(0, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // Taking the foreground from the background raises SIGTTOU; ignore it meanwhile.
            libc::signal(libc::SIGTTOU, libc::SIG_IGN);
            let r = libc::tcsetpgrp(0, libc::getpid());
            libc::signal(libc::SIGTTOU, libc::SIG_DFL);
            if r != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let status = cmd.status().expect("start eos");
    std::process::exit(status.code().unwrap_or(101));
}

/// The process state letter from /proc/PID/stat (`T`: stopped).
fn proc_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(')')?.1.trim_start().chars().next()
}

/// The child of `parent` (the console under the job-control helper).
fn child_of(parent: u32) -> Option<u32> {
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let pid: u32 = e.file_name().to_str()?.parse().ok()?;
        let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
        let ppid: u32 = stat
            .rsplit_once(')')?
            .1
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()?;
        (ppid == parent).then_some(pid)
    })
}

#[test]
fn ctrl_z_suspends_and_sigcont_resumes() {
    let sim = Sim::start(&[]);
    let args = ["--scheduler", sim.url.as_str()].join("\x1f");
    let helper = std::env::current_exe().expect("this test binary");
    let mut c = Console::spawn_program(
        helper.to_str().expect("utf-8 path"),
        &[
            "--exact",
            // Its name in the test binary: `<module>::<function>`.
            "ssh_life::job_control_parent_helper",
            "--nocapture",
            "--test-threads=1",
        ],
        &[("EOS_JOB_PARENT", &args)],
        120,
        40,
    );
    c.wait_text("analytics", WAIT);
    c.wait_for("a selected row", WAIT, |s| {
        pty_common::selected_row(s).is_some()
    });
    let deadline = Instant::now() + WAIT;
    let pid = loop {
        if let Some(p) = child_of(c.pid()) {
            break p;
        }
        assert!(Instant::now() < deadline, "no console under the helper");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(c.with(|s| s.parser.screen().alternate_screen()));

    c.send(b"\x1a");
    let deadline = Instant::now() + WAIT;
    while proc_state(pid) != Some('T') {
        assert!(
            Instant::now() < deadline,
            "Ctrl-Z did not stop eos (state {:?})\n{}",
            proc_state(pid),
            c.dump()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // The process stops right after writing its restore sequence; the reader thread may not
    // have parsed those bytes yet.
    let deadline = Instant::now() + WAIT;
    while c.with(|s| {
        let screen = s.parser.screen();
        screen.alternate_screen() || screen.hide_cursor()
    }) {
        assert!(
            Instant::now() < deadline,
            "left the alternate screen and showed the cursor\n{}",
            c.dump()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    c.with(|s| {
        let screen = s.parser.screen();
        assert!(!screen.hide_cursor(), "cursor shown while stopped");
        assert!(
            screen.contents().contains(SHELL_MARKER),
            "the shell's screen is back"
        );
    });

    // SAFETY: kill(2) on the console this test started (found under its helper).
    assert_eq!(unsafe { libc::kill(pid as libc::pid_t, libc::SIGCONT) }, 0);
    c.wait_for("the console redrawn after SIGCONT", WAIT, |s| {
        header(s).contains("Eos") && header(s).contains("devcluster")
    });
    assert!(
        c.with(|s| s.parser.screen().alternate_screen()),
        "back on the alternate screen"
    );
    assert_ne!(proc_state(pid), Some('T'));
    let before = pty_common::selected_row(&c.screen()).expect("a selected row");
    c.type_text("j");
    c.wait_for("j moves the selection", WAIT, |s| {
        pty_common::selected_row(s).is_some_and(|r| r != before)
    });
    c.ctrl_c();
    let status = c.wait_exit(WAIT).expect("Ctrl-C quits");
    assert!(status.success(), "eos exits 0: {status:?}");
}
