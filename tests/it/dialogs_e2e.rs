//! Confirmation dialogs as a person meets them: the real `eos` binary in a pseudo-terminal (80×24
//! first, the size an on-call laptop's split pane has) against `eos sim --clock frozen`. Timeouts
//! only bound how long a test waits for something to appear.

use crate::pty_common;

use pty_common::{Console, Sim, WAIT, command, focused_button, header, wait_focus, wait_loaded};

fn sized(sim: &Sim, cols: u16, rows: u16, extra: &[&str]) -> Console {
    let mut args = vec!["--scheduler", sim.url.as_str()];
    args.extend_from_slice(extra);
    Console::spawn_sized(&args, &[], cols, rows)
}

fn open_job(c: &mut Console, job: &str) {
    c.wait_text("analytics", WAIT);
    command(c, &format!("job {job}"));
    // The breadcrumb names the whole job key, role included.
    c.wait_text(&format!("› {job}"), WAIT);
    c.wait_text("RUNNING", WAIT);
    wait_loaded(c);
}

/// The rows of the dialog box: from its top border (the row with `title`) to its bottom border.
fn dialog_rows(screen: &str, title: &str) -> Option<Vec<String>> {
    let lines: Vec<&str> = screen.lines().collect();
    let top = lines.iter().position(|l| l.contains(title))?;
    let bottom = top + 1 + lines[top + 1..].iter().position(|l| l.contains('└'))?;
    Some(lines[top..=bottom].iter().map(|l| l.to_string()).collect())
}

/// Every row inside the box starts with a space after its border: wrapped lines are indented.
fn assert_indented(rows: &[String], dump: &str) {
    for r in &rows[1..rows.len() - 1] {
        let after = r.split_once('│').map(|(_, rest)| rest).unwrap_or("");
        assert!(
            after.starts_with(' ') || after.is_empty(),
            "a line starts at the box edge: {r:?}\n{dump}"
        );
    }
}

#[test]
fn a_tall_rolling_restart_dialog_keeps_its_buttons_and_hint_at_every_size() {
    let sim = Sim::start(&[]);
    for (cols, rows) in [(80, 24), (120, 40), (120, 50)] {
        let mut c = sized(&sim, cols, rows, &[]);
        open_job(&mut c, "search/prod/query-router");
        command(&mut c, "restart --batch 5 --wait 10");
        c.wait_for("the whole dialog box", WAIT, |s| {
            dialog_rows(s, "Start rolling restart").is_some()
        });
        let screen = c.screen();
        let rows_of = dialog_rows(&screen, "Start rolling restart").unwrap_or_else(|| {
            panic!("no dialog box at {cols}x{rows}\n{}", c.dump());
        });
        let text = rows_of.join("\n");
        assert!(
            text.contains("[ Cancel ]"),
            "buttons at {cols}x{rows}\n{}",
            c.dump()
        );
        assert!(
            text.contains("Esc cancels"),
            "key hint at {cols}x{rows}\n{}",
            c.dump()
        );
        assert!(
            text.contains("stops"),
            "the plan at {cols}x{rows}\n{}",
            c.dump()
        );
        assert_indented(&rows_of, &c.dump());
        // Focus is drawn: the typed field has it (nothing to see on a button yet); Tab moves it
        // to Cancel, visibly.
        c.send(b"\t");
        wait_focus(&c, "Cancel");
        c.esc();
        c.wait_text("cancelled: nothing was sent", WAIT);
    }
}

#[test]
fn the_hold_dialog_keeps_its_hint_at_80x24() {
    let sim = Sim::start(&[]);
    let updates = sim.get_json(&["updates"]);
    let update = updates
        .as_array()
        .expect("updates")
        .iter()
        .find(|u| u["status"] == "ROLL_FORWARD_AWAITING_PULSE")
        .expect("an update awaiting pulses");
    // `aurora update list --write-json`: "job" is CLUSTER/ROLE/ENV/NAME.
    let job = update["job"].as_str().unwrap();
    let (_, job) = job.split_once('/').unwrap();
    let key = format!("{job}/{}", update["id"].as_str().unwrap());
    let mut c = sized(&sim, 80, 24, &[]);
    c.wait_text("analytics", WAIT);
    command(&mut c, &format!("update {key}"));
    c.wait_text("AWAITING_PULSE", WAIT);
    wait_loaded(&c);
    c.send(b"h");
    c.wait_for("the whole dialog box", WAIT, |s| {
        dialog_rows(s, "Pulse update?").is_some_and(|r| r.join("").contains("Hold:"))
    });
    let screen = c.screen();
    let rows = dialog_rows(&screen, "Pulse update?").unwrap_or_else(|| panic!("{}", c.dump()));
    let text = rows.join("\n");
    assert!(text.contains("Esc cancels"), "{}", c.dump());
    assert_indented(&rows, &c.dump());
    wait_focus(&c, "Cancel");
}

#[test]
fn a_typed_confirmation_takes_the_name_at_once_and_enter_reaches_the_button() {
    let job = "monitoring/prod/node-exporter";
    let sim = Sim::start(&[]);
    let mut c = sized(&sim, 80, 24, &[]);
    open_job(&mut c, job);
    // Mark eight instances (more than five: the name must be typed) and restart them.
    c.send(b"        ");
    c.wait_text("8 marked", WAIT);
    c.send(b"r");
    c.wait_text("to enable the button", WAIT);
    assert_eq!(
        focused_button(&c),
        None,
        "the field has the focus\n{}",
        c.dump()
    );
    // Typing goes into the field straight away.
    c.type_text("node-exporter");
    c.wait_for("the typed name in the field", WAIT, |s| {
        s.lines()
            .any(|l| l.contains("confirm") && l.contains("node-exporter"))
    });
    // Enter moves to the enabled button, visibly; a second Enter restarts.
    c.enter();
    wait_focus(&c, "Restart 8 instances");
    c.enter();
    c.wait_text("restartShards: OK", WAIT);
}

#[test]
fn help_at_80x24_scrolls_with_j_and_filters_after_slash() {
    let sim = Sim::start(&[]);
    let mut c = sized(&sim, 80, 24, &[]);
    open_job(&mut c, "payments/prod/ledger-api");
    c.send(b"?");
    c.wait_text("keys: tasks", WAIT);
    let first_row = |s: &str| {
        let lines: Vec<&str> = s.lines().collect();
        let top = lines.iter().position(|l| l.contains("┌ keys"))?;
        lines.get(top + 1).map(|l| l.to_string())
    };
    let before = first_row(&c.screen()).expect("a first row");
    c.send(b"jjj");
    c.wait_for("the list scrolled", WAIT, |s| {
        first_row(s).is_some_and(|r| r != before)
    });
    assert!(
        !c.screen().contains("keys matching"),
        "j filtered\n{}",
        c.dump()
    );
    assert!(!c.screen().contains("<lt>"), "{}", c.dump());
    c.send(b"/");
    c.type_text("history");
    c.wait_for("help filtered", WAIT, |s| {
        s.contains("keys matching \"history\"") && s.contains("toggle_history")
    });
    c.esc();
    c.wait_text("keys: tasks", WAIT);
    c.esc();
    c.wait_for("help closed", WAIT, |s| !s.contains("keys: tasks"));
}

#[test]
fn esc_then_j_sent_together_clears_the_marks_and_moves_down() {
    let sim = Sim::start(&[]);
    let mut c = sized(&sim, 80, 24, &[]);
    open_job(&mut c, "monitoring/prod/node-exporter");
    c.send(b"  ");
    c.wait_text("2 marked", WAIT);
    let selected = |s: &str| pty_common::selected_row(s).unwrap_or_default();
    let before = selected(&c.screen());
    // One write: the terminal's ESC j, which crossterm reads as Alt+j.
    c.send(b"\x1bj");
    c.wait_for("marks cleared and the selection moved", WAIT, |s| {
        !s.contains("marked") && selected(s) != before
    });
    // Still on the job's tasks: the Esc cleared the marks and did not go back.
    assert!(c.screen().contains("node-exporter"), "{}", c.dump());
}

#[test]
fn read_only_badge_and_the_message_history_at_80x24() {
    let sim = Sim::start(&[]);
    let mut c = sized(&sim, 80, 24, &["--read-only"]);
    open_job(&mut c, "www-data/prod/image-resizer");
    assert!(header(&c.screen()).contains("READ-ONLY"), "{}", c.dump());
    // A refusal, then a history that still has it after the status line is gone.
    c.send(b"\x0b");
    c.wait_text("read-only: kill is disabled", WAIT);
    command(&mut c, "messages");
    c.wait_text("messages (newest first)", WAIT);
    assert!(
        c.screen().contains("read-only: kill is disabled"),
        "{}",
        c.dump()
    );
    c.esc();
    c.wait_for("history closed", WAIT, |s| !s.contains("newest first"));
}

#[test]
fn killing_a_whole_job_asks_for_its_key_and_count_at_80x24() {
    let job = "www-data/prod/image-resizer";
    let sim = Sim::start(&[]);
    let mut c = sized(&sim, 80, 24, &[]);
    open_job(&mut c, job);
    // Mark all six, kill.
    c.send(b"\x01");
    c.wait_text("6 marked", WAIT);
    c.send(b"\x0b");
    c.wait_for("the whole kill dialog", WAIT, |s| {
        dialog_rows(s, "Kill 6 instances?").is_some()
    });
    let screen = c.screen();
    assert!(
        screen.contains(&format!("type \"{job} 6\"")),
        "the key and the count\n{}",
        c.dump()
    );
    assert!(screen.contains("does not reschedule"), "{}", c.dump());
    // The name alone does not arm it: Tab skips the disabled button and lands on Cancel.
    c.type_text("image-resizer");
    c.enter();
    c.send(b"\t");
    wait_focus(&c, "Cancel");
    c.esc();
    c.wait_text("cancelled: nothing was sent", WAIT);
}
