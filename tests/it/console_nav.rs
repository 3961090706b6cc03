//! Navigation under an on-call engineer's hands, end to end: the real `eos` binary in an 80×24
//! pseudo-terminal against `eos sim --clock frozen`. Esc never quits; breadcrumbs keep their tail
//! at 80 columns and `:` commands replace the stack; a missing target is named and the view
//! stays; quitting with a rolling restart in flight asks, and a signal leaves a summary on
//! stderr. Timeouts only bound how long a test waits for something to appear.

use crate::pty_common;

use std::time::Duration;

use pty_common::{Console, SHELL_MARKER, Sim, WAIT, command, crumbs, selected_row, wait_loaded};

fn small(sim: &Sim) -> Console {
    Console::spawn_sized(&["--scheduler", sim.url.as_str()], &[], 80, 24)
}

fn still_running(c: &mut Console) -> bool {
    c.wait_exit(Duration::from_millis(300)).is_none()
}

#[test]
fn esc_on_filtered_roles_clears_the_filter_and_never_quits() {
    let sim = Sim::start(&[]);
    let mut c = small(&sim);
    c.wait_text("analytics", WAIT);
    c.send(b"/");
    c.type_text("zzz");
    c.enter();
    c.wait_for("the filter applied", WAIT, |s| crumbs(s).contains("zzz"));
    c.esc();
    c.wait_for("the filter cleared", WAIT, |s| {
        !crumbs(s).contains("zzz") && s.contains("analytics")
    });
    assert!(still_running(&mut c), "Esc quit eos\n{}", c.dump());
    c.esc();
    c.wait_text("q or :q quits", WAIT);
    assert!(still_running(&mut c), "Esc on the top view quit eos");
    // q still quits on the top view.
    c.send(b"q");
    let status = c.wait_exit(WAIT).expect("q quits on the top view");
    assert!(status.success());
}

#[test]
fn breadcrumbs_keep_their_tail_at_80x24_and_colon_commands_replace_the_stack() {
    let sim = Sim::start(&[]);
    let mut c = small(&sim);
    c.wait_text("analytics", WAIT);
    command(&mut c, "jobs payments");
    c.wait_for("payments' jobs", WAIT, |s| {
        crumbs(s).contains("devcluster › payments") && s.contains("ledger-api")
    });
    c.send(b"/");
    c.type_text("ledger-api");
    c.enter();
    c.wait_for("ledger-api selected", WAIT, |s| {
        selected_row(s).is_some_and(|r| r.contains("ledger-api"))
    });
    c.esc();
    c.wait_for("the filter cleared", WAIT, |s| {
        !crumbs(s).contains("ledger-api\"")
    });
    c.enter();
    // The role is always shown with the job.
    c.wait_for("the job's tasks", WAIT, |s| {
        crumbs(s).contains("payments/prod/ledger-api")
    });
    // Deeper: triage, then the updates (pre-filtered by nothing), then a filter.
    c.send(b"T");
    c.wait_for("triage", WAIT, |s| crumbs(s).contains("triage"));
    c.send(b"U");
    c.wait_for("updates", WAIT, |s| crumbs(s).contains("updates"));
    wait_loaded(&c);
    c.send(b"/");
    c.type_text("ledger");
    c.enter();
    let s = c.wait_for("the tail: view, rows, sort and filter", WAIT, |s| {
        let cr = crumbs(s);
        cr.contains("updates")
            && cr.contains(" rows")
            && cr.contains("sort ")
            && cr.contains("ledger")
    });
    let _ = s;
    let line = crumbs(&c.screen());
    assert!(line.contains('…'), "the middle gave way: {line:?}");
    assert!(
        line.trim_start().starts_with("devcluster"),
        "the cluster stays first: {line:?}"
    );
    // A `:` command that names a view replaces the stack.
    command(&mut c, "job payments/prod/ledger-api");
    c.wait_for("the job's tasks alone above roles", WAIT, |s| {
        crumbs(s)
            .trim_start()
            .starts_with("devcluster › payments/prod/ledger-api ")
    });
    // q goes back to roles: nothing was stacked under the job.
    c.send(b"q");
    c.wait_for("roles", WAIT, |s| crumbs(s).contains("devcluster › roles"));
    // The config view names its job.
    command(&mut c, "config payments/prod/ledger-api");
    c.wait_for("the config crumb", WAIT, |s| {
        crumbs(s).contains("config of payments/prod/ledger-api")
    });
    c.ctrl_c();
    assert!(c.wait_exit(WAIT).expect("quits").success());
}

#[test]
fn missing_targets_are_named_and_the_view_stays() {
    let sim = Sim::start(&[]);
    let mut c = small(&sim);
    c.wait_text("analytics", WAIT);
    command(&mut c, "jobs payments");
    c.wait_for("payments' jobs", WAIT, |s| s.contains("ledger-api"));
    for (line, said) in [
        (
            "job nonexistent/x/y",
            "no job nonexistent/x/y on devcluster",
        ),
        (
            "job payments/prod/nope",
            "no job payments/prod/nope on devcluster",
        ),
        ("jobs nosuchrole", "no role nosuchrole on devcluster"),
        ("quota nosuchrole", "no role nosuchrole on devcluster"),
        (
            "config nonexistent/x/y",
            "no job nonexistent/x/y on devcluster",
        ),
    ] {
        command(&mut c, line);
        c.wait_text(said, WAIT);
        let s = c.screen();
        assert!(
            crumbs(&s).contains("devcluster › payments") && s.contains("ledger-api"),
            ":{line}: the jobs view stays\n{}",
            c.dump()
        );
    }
    // An existing one still opens.
    command(&mut c, "quota payments");
    c.wait_for("payments' quota", WAIT, |s| {
        crumbs(s).contains("quota payments")
    });
    c.ctrl_c();
    assert!(c.wait_exit(WAIT).expect("quits").success());
}

#[test]
fn quitting_during_a_rolling_restart_asks_and_a_signal_leaves_a_summary() {
    let job = "www-data/prod/static-assets";
    let sim = Sim::start(&[]);
    let mut c = Console::open(&sim, &[]);
    c.wait_text("analytics", WAIT);
    command(&mut c, &format!("job {job}"));
    c.wait_text("4 rows", WAIT);
    wait_loaded(&c);
    command(&mut c, "restart --wait 30");
    // Every instance of the job: its key and the count are typed, then Enter reaches the
    // enabled button and Enter starts.
    c.wait_text("[ Cancel ]", WAIT);
    c.type_text(&format!("{job} 4"));
    c.enter();
    c.wait_text("▸[ Start rolling restart", WAIT);
    c.enter();
    c.wait_text("rolling restart 1/4", WAIT);
    c.ctrl_c();
    c.wait_text("quit anyway?", WAIT);
    assert!(
        c.screen()
            .contains(&format!("rolling restart of {job} at 0/4"))
    );
    assert!(still_running(&mut c), "Ctrl-C asks first");
    // The default answer stays.
    c.enter();
    c.wait_for("the question gone", WAIT, |s| !s.contains("quit anyway?"));
    assert!(still_running(&mut c));
    // A signal does not ask: the terminal comes back, with the summary on stderr.
    c.signal(libc::SIGINT);
    c.wait_exit(WAIT).expect("SIGINT ends eos");
    assert!(c.wait_eof(WAIT));
    c.with(|s| {
        let screen = s.parser.screen();
        assert!(!screen.alternate_screen());
        let text = screen.contents();
        assert!(text.contains(SHELL_MARKER), "{text}");
        assert!(
            text.contains(&format!(
                "eos: quit with unfinished work: rolling restart of {job} at 0/4"
            )),
            "the summary is on the main screen:\n{text}"
        );
    });
}
