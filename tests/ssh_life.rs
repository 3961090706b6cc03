//! Life over SSH: the real binary in a pty at 80×24, resized while it runs, killed by SIGTERM
//! and SIGHUP (a dropped SSH session), and inside tmux with TERM=screen-256color and xterm.

mod pty_common;

use std::process::Command;
use std::time::{Duration, Instant};

use pty_common::{Console, SHELL_MARKER, Sim, eos_bin, header};

const WAIT: Duration = Duration::from_secs(20);

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

fn assert_clean(c: &Console, cols: u16, nrows: u16, what: &str) {
    let s = c.screen();
    assert_eq!(c.size(), (cols, nrows));
    assert!(
        header_spans(&s, cols),
        "{what}: header at {cols} wide\n{}",
        c.dump()
    );
    let r = rows(&s, nrows);
    // Drawn once: one header, one hint bar (the last row), nothing wrapped past the edge.
    assert_eq!(
        r.iter().filter(|l| l.contains("Eos  devcluster")).count(),
        1,
        "{what}: one header\n{}",
        c.dump()
    );
    assert!(
        is_hint_bar(&r[nrows as usize - 1]),
        "{what}: hint bar on the last row\n{}",
        c.dump()
    );
    assert_eq!(
        r.iter().filter(|l| is_hint_bar(l)).count(),
        1,
        "{what}: one hint bar\n{}",
        c.dump()
    );
    assert!(
        c.wrapped_rows().is_empty(),
        "{what}: wrapped rows\n{}",
        c.dump()
    );
}

#[test]
fn every_view_is_readable_at_80x24() {
    let sim = Sim::start(&[]);
    let url = sim.url.clone();
    let mut c = Console::spawn_sized(&["--scheduler", &url], &[], 80, 24);
    c.wait_text("analytics", WAIT);
    c.wait_for("a full header", WAIT, |s| header_spans(s, 80));
    assert_clean(&c, 80, 24, "roles");
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
        c.wait_for("a full header", WAIT, |s| header_spans(s, 80));
        std::thread::sleep(Duration::from_millis(100));
        assert_clean(&c, 80, 24, what);
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
        std::thread::sleep(Duration::from_millis(150));
        assert_clean(&c, cols, nrows, &format!("{cols}x{nrows}"));
        let s = c.screen();
        assert!(s.contains("health:31331"), "instance 0\n{}", c.dump());
        // Taller: the table fills the new rows (30 instances; 40 rows show them all).
        if nrows == 40 {
            assert!(s.contains("health:31241"), "instance 29\n{}", c.dump());
        }
    }
    c.ctrl_c();
    assert!(c.wait_exit(WAIT).expect("quits").success());
}

fn signal_restores_the_terminal(sig: i32, name: &str) {
    let sim = Sim::start(&[]);
    let mut c = Console::open(&sim, &[]);
    c.wait_text("analytics", WAIT);
    assert!(c.with(|s| s.parser.screen().alternate_screen()));
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
        let text = screen.contents();
        assert!(
            text.contains(SHELL_MARKER),
            "{name}: main screen back:\n{text}"
        );
        assert!(
            !text.contains("devcluster"),
            "{name}: no console left:\n{text}"
        );
        // Raw mode off again: the terminal echoes and translates newlines (the pty's own
        // settings are what the next program gets; checked through stty in the tmux test).
    });
    drop(status);
}

#[test]
fn sigterm_restores_the_terminal_and_exits() {
    signal_restores_the_terminal(libc::SIGTERM, "SIGTERM");
}

#[test]
fn sighup_from_a_dropped_session_restores_the_terminal_and_exits() {
    signal_restores_the_terminal(libc::SIGHUP, "SIGHUP");
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
