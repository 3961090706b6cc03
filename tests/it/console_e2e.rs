//! End-to-end: the real `eos` binary in a 120×40 pseudo-terminal against a separately started
//! `eos sim --clock frozen`, read back through `vt100`. Timeouts below only bound how long a test
//! waits for something to appear; none of them is an assertion about speed.

use crate::pty_common;

use std::time::Duration;

use pty_common::{Console, Sim, WAIT, crumbs, header, line_with, selected_row, wait_loaded};

fn wait_crumbs(c: &Console, what: &str) {
    c.wait_for(&format!("breadcrumbs {what:?}"), WAIT, |s| {
        crumbs(s).contains(what)
    });
}

#[test]
fn drill_down_roles_jobs_tasks_task_and_back() {
    let sim = Sim::start(&[]);
    let mut c = Console::open(&sim, &[]);
    wait_crumbs(&c, "devcluster › roles");
    c.wait_text("analytics", WAIT);
    // Select `payments` (j moves down; it is the third role by name).
    c.wait_for("the first role selected", WAIT, |s| {
        selected_row(s).is_some_and(|r| r.contains("analytics"))
    });
    c.send(b"jj");
    c.wait_for("payments selected", WAIT, |s| {
        selected_row(s).is_some_and(|r| r.contains("payments"))
    });
    c.enter();
    wait_crumbs(&c, "devcluster › payments");
    c.wait_text("prod/fraud-scorer", WAIT);
    // Put the cursor on a job with running tasks, then open it.
    c.send(b"/");
    c.type_text("ledger-api");
    c.wait_text("filter \"ledger-api\"", WAIT);
    c.enter();
    c.wait_for("ledger-api selected", WAIT, |s| {
        selected_row(s).is_some_and(|r| r.contains("ledger-api"))
    });
    c.enter();
    wait_crumbs(&c, "payments › payments/prod/ledger-api");
    c.wait_text("RUNNING", WAIT);
    let tasks_screen = c.screen();
    let before_detail = c.bytes_written();
    c.enter();
    wait_crumbs(&c, "› task ");
    c.wait_text("TIMELINE", WAIT);
    let detail = c.screen();
    assert!(
        detail.contains("RUNNING"),
        "the timeline lists statuses\n{}",
        c.dump()
    );
    // The sandbox link (OSC 8, written after the frame) stays on its row: wait until the
    // detail's links are written (their closing `ESC ] 8 ; ; ESC \`), then look.
    c.wait_text("sandbox", WAIT);
    let link_end: &[u8] = b"\x1b]8;;\x1b\\";
    let written = c.try_wait_with(WAIT, |s| {
        s.raw[before_detail..]
            .windows(link_end.len())
            .any(|w| w == link_end)
    });
    assert!(written.is_some(), "no OSC 8 link written\n{}", c.dump());
    assert_eq!(c.wrapped_rows(), Vec::<u16>::new(), "{}", c.dump());
    // q goes back to the task list, then to the jobs of the role.
    c.send(b"q");
    c.wait_for("back on the tasks", WAIT, |s| {
        !s.contains("TIMELINE") && crumbs(s).trim_end().contains("prod/ledger-api")
    });
    assert_eq!(
        c.wrapped_rows(),
        Vec::<u16>::new(),
        "nothing left over from the detail view\n{}",
        c.dump()
    );
    assert!(
        !crumbs(&c.screen()).contains("task "),
        "left the task detail\n{}",
        c.dump()
    );
    assert!(tasks_screen.contains("RUNNING"));
    c.send(b"q");
    c.wait_for("back on the jobs", WAIT, |s| {
        let cr = crumbs(s);
        cr.contains("devcluster › payments") && !cr.contains("› payments/prod/ledger-api")
    });
    // The jobs view kept its filter and selection.
    c.wait_for("ledger-api still selected", WAIT, |s| {
        selected_row(s).is_some_and(|r| r.contains("payments/prod/ledger-api"))
    });
    assert!(crumbs(&c.screen()).contains("filter \"ledger-api\""));
}

#[test]
fn update_command_opens_the_rollout_screen() {
    let sim = Sim::start(&[]);
    let updates = sim.get_json(&["updates"]);
    let first = updates
        .as_array()
        .and_then(|a| a.first())
        .expect("the simulator has updates");
    // `aurora update list --write-json`: "job" is CLUSTER/ROLE/ENV/NAME.
    let job = first["job"].as_str().expect("job");
    let (_cluster, job) = job.split_once('/').expect("cluster/role/env/name");
    let update = format!("{job}/{}", first["id"].as_str().expect("id"));
    let mut c = Console::open(&sim, &[]);
    wait_loaded(&c);
    c.send(b":");
    c.type_text(&format!("update {update}"));
    c.wait_text(&format!(":update {update}"), WAIT);
    c.enter();
    let id = first["id"].as_str().expect("id");
    wait_crumbs(&c, &format!("update {id}"));
    c.wait_text("INSTANCES", WAIT);
    c.wait_text("EVENTS", WAIT);
}

#[test]
fn filter_narrows_the_jobs_list_and_esc_clears_it() {
    let sim = Sim::start(&[]);
    let mut c = Console::open(&sim, &[]);
    wait_loaded(&c);
    c.send(b":");
    c.type_text("jobs");
    c.enter();
    wait_crumbs(&c, "all jobs");
    c.wait_text("payments/prod/fraud-scorer", WAIT);
    let all_rows = |s: &str| {
        crumbs(s)
            .split("   ")
            .nth(1)
            .and_then(|i| i.split_whitespace().next())
            .and_then(|n| n.parse::<usize>().ok())
    };
    c.wait_for("a row count", WAIT, |s| all_rows(s).is_some());
    let total = all_rows(&c.screen()).expect("row count");
    assert!(total > 10, "the simulator has many jobs\n{}", c.dump());
    c.send(b"/");
    c.type_text("prod/fraud");
    c.wait_text("filter \"prod/fraud\"", WAIT);
    let screen = c.screen();
    let line = crumbs(&screen);
    let counts = line
        .split("filter \"prod/fraud\" (")
        .nth(1)
        .and_then(|r| r.split(')').next())
        .expect("filter counts");
    let (n, m) = counts.split_once(" of ").expect("n of m");
    let (n, m): (usize, usize) = (n.parse().expect("n"), m.parse().expect("m"));
    assert_eq!(m, total, "m is all jobs\n{}", c.dump());
    assert!(
        n >= 1 && n < m,
        "the filter narrows ({n} of {m})\n{}",
        c.dump()
    );
    assert!(screen.contains("payments/prod/fraud-scorer"));
    assert!(
        !screen.contains("ledger-api"),
        "non-matching jobs are hidden\n{}",
        c.dump()
    );
    // Esc leaves the filter input and clears the filter.
    c.esc();
    c.wait_for("the filter cleared", WAIT, |s| {
        !crumbs(s).contains("filter") && s.contains("ledger-api")
    });
    assert_eq!(all_rows(&c.screen()), Some(total));
}

#[test]
fn help_lists_the_bindings_of_the_view_from_the_keymap() {
    let sim = Sim::start(&[]);
    let mut c = Console::open(&sim, &[]);
    wait_loaded(&c);
    c.send(b":");
    c.type_text("job payments/prod/ledger-api");
    c.enter();
    wait_crumbs(&c, "prod/ledger-api");
    c.wait_text("RUNNING", WAIT);
    c.send(b"?");
    c.wait_for("the help overlay, drawn", WAIT, |s| {
        s.contains("keys: tasks") && s.contains("toggle_history") && s.contains("refresh")
    });
    let screen = c.screen();
    let line = line_with(&screen, "toggle_history").unwrap_or_else(|| {
        panic!("help lists toggle_history\n{}", c.dump());
    });
    assert!(line.contains(" H "), "bound to H: {line}");
    assert!(
        screen.contains("refresh"),
        "global bindings too\n{}",
        c.dump()
    );
    // `/` then text filters the list; Esc clears the filter, a second Esc closes.
    c.send(b"/");
    c.type_text("history");
    c.wait_for("help filtered", WAIT, |s| {
        s.contains("keys matching \"history\"") && !s.contains("next_match")
    });
    c.esc();
    c.wait_text("keys: tasks", WAIT);
    c.esc();
    c.wait_for("help closed", WAIT, |s| !s.contains("keys: tasks"));
}

#[test]
fn triage_shows_the_crash_loop_and_pending_reasons() {
    let sim = Sim::start(&[]);
    let mut c = Console::open(&sim, &[]);
    wait_loaded(&c);
    c.send(b"T");
    wait_crumbs(&c, "triage");
    c.wait_text("CRASHLOOP", WAIT);
    let screen = c.screen();
    let crash = line_with(&screen, "CRASHLOOP").expect("crash loop row");
    assert!(crash.contains("payments/prod/fraud-scorer"), "{}", c.dump());
    assert!(crash.contains("throttled"), "{}", c.dump());
    let pending: Vec<&str> = screen.lines().filter(|l| l.contains("PENDING")).collect();
    assert!(!pending.is_empty(), "pending rows\n{}", c.dump());
    assert!(
        pending
            .iter()
            .any(|l| l.contains("Insufficient") || l.contains("Constraint not satisfied")),
        "pending rows carry the scheduler's reason\n{}",
        c.dump()
    );
}

/// The simulator dies: the console stays up with the last rows and says the data is stale and
/// failing; a new simulator on the same address brings it back on its own (back-off retry), and
/// again at once with `R` while live refresh is frozen (so only `R` can have fetched).
#[test]
fn scheduler_outage_keeps_data_and_recovers() {
    let sim = Sim::start(&[]);
    let url = sim.url.clone();
    let mut c = Console::open(&sim, &["--refresh", "1"]);
    wait_loaded(&c);
    c.send(b":");
    c.type_text("jobs payments");
    c.enter();
    wait_crumbs(&c, "devcluster › payments");
    c.wait_text("prod/fraud-scorer", WAIT);
    wait_loaded(&c);

    let addr = sim.kill();
    c.wait_for("STALE and failing in the header", WAIT, |s| {
        let h = header(s);
        h.contains("STALE") && h.contains("failing")
    });
    let screen = c.screen();
    assert!(
        screen.contains("prod/fraud-scorer") && screen.contains("prod/ledger-api"),
        "the last rows stay on screen\n{}",
        c.dump()
    );
    assert!(
        c.wait_exit(Duration::from_millis(10)).is_none(),
        "still running"
    );

    // Recovery without any key.
    let sim = Sim::start_on(&addr, &[]);
    assert_eq!(sim.url, url);
    c.wait_for("recovered (fresh age, no STALE)", WAIT, |s| {
        let h = header(s);
        h.contains("s ago") && !h.contains("STALE") && !h.contains("failing")
    });
    assert!(c.screen().contains("prod/fraud-scorer"));

    // Frozen: no automatic polls. R fetches once, failing now and succeeding later.
    c.send(b"f");
    c.wait_text("FROZEN", WAIT);
    let addr = sim.kill();
    c.send(b"R");
    c.wait_for("STALE after a manual refresh", WAIT, |s| {
        header(s).contains("STALE")
    });
    let _sim = Sim::start_on(&addr, &[]);
    c.send(b"R");
    c.wait_for("recovered by R", WAIT, |s| {
        let h = header(s);
        h.contains("s ago") && !h.contains("STALE")
    });
    assert!(c.screen().contains("prod/fraud-scorer"));
}

#[test]
fn ctrl_c_quits_with_status_0_and_restores_the_terminal() {
    let sim = Sim::start(&[]);
    let mut c = Console::open(&sim, &[]);
    wait_loaded(&c);
    assert!(c.with(|s| s.parser.screen().alternate_screen()));
    c.ctrl_c();
    let status = c
        .wait_exit(WAIT)
        .unwrap_or_else(|| panic!("Ctrl-C did not quit\n{}", c.dump()));
    assert!(status.success(), "exit status {status:?}");
    assert!(c.wait_eof(WAIT), "the pty reached end of file");
    c.with(|s| {
        let screen = s.parser.screen();
        assert!(!screen.alternate_screen(), "left the alternate screen");
        assert!(!screen.hide_cursor(), "cursor shown again");
        let text = screen.contents();
        assert!(
            text.contains(pty_common::SHELL_MARKER),
            "the main screen's content is back:\n{text}"
        );
        assert!(
            !text.contains("devcluster"),
            "no console left over:\n{text}"
        );
    });
}
