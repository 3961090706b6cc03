//! Operations end to end: the real `eos` binary in a 120×40 pseudo-terminal against a separately
//! started `eos sim --clock frozen`. Each test navigates, marks, opens the confirmation, moves the
//! focus to the action button, confirms, and then checks the result on screen, through
//! `eos get … -o json`, and in the audit log under the run's own `XDG_STATE_HOME`. Timeouts only
//! bound how long a test waits for something to appear.

use crate::pty_common;

use pty_common::{Console, Sim, WAIT, focused_button, header, wait_focus, wait_loaded};

const RIGHT: &[u8] = b"\x1b[C";
const CTRL_K: &[u8] = b"\x0b";
const BACKSPACE: &[u8] = b"\x7f";

/// A console with a private state directory (where the audit log goes).
fn console(sim: &Sim, extra: &[&str]) -> (Console, tempfile::TempDir) {
    let state = tempfile::tempdir().expect("temp dir");
    let dir = state.path().to_str().expect("utf-8 path").to_owned();
    let c = Console::open_env(sim, extra, &[("XDG_STATE_HOME", &dir)]);
    (c, state)
}

fn audit(state: &tempfile::TempDir) -> Vec<serde_json::Value> {
    std::fs::read_to_string(state.path().join("eos").join("audit.log"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("audit lines are JSON"))
        .collect()
}

/// Opens a job's tasks with `:job KEY` and waits for its rows.
fn open_job(c: &mut Console, job: &str, rows: usize) {
    c.wait_text("analytics", WAIT);
    c.send(b":");
    c.type_text(&format!("job {job}"));
    c.enter();
    c.wait_text(&format!("› {job}"), WAIT);
    c.wait_text(&format!("{rows} rows"), WAIT);
    wait_loaded(c);
}

/// The table row of an instance: (status, whole line).
fn instance_row(screen: &str, instance: i32) -> Option<(String, String)> {
    screen.lines().find_map(|l| {
        let t = l.trim_start_matches(|c: char| c.is_whitespace() || c == '▶' || c == '●');
        let mut w = t.split_whitespace();
        (w.next()? == instance.to_string()).then_some(())?;
        let status = w.next()?;
        status
            .chars()
            .all(|c| c.is_ascii_uppercase() || c == '_')
            .then(|| (status.to_owned(), l.to_owned()))
    })
}

/// Moves the focus from Cancel to the action button, checking each step on screen, and presses it.
fn confirm(c: &mut Console, verb: &str) {
    c.wait_text(&format!("[ {verb} ]"), WAIT);
    assert_eq!(
        focused_button(c).as_deref(),
        Some("Cancel"),
        "focus starts on Cancel\n{}",
        c.dump()
    );
    c.send(RIGHT);
    wait_focus(c, verb);
    c.enter();
}

fn tasks_json(sim: &Sim, job: &str) -> Vec<(i32, String, String)> {
    // `aurora job status --write-json`'s shape: one entry per job, its active tasks apart.
    let v = sim.get_json(&["tasks", job]);
    let mut out: Vec<(i32, String, String)> = v[0]["active"]
        .as_array()
        .expect("a list of tasks")
        .iter()
        .map(|t| {
            (
                t["assignedTask"]["instanceId"].as_i64().expect("instance") as i32,
                t["status"].as_str().expect("status").to_owned(),
                t["assignedTask"]["taskId"]
                    .as_str()
                    .expect("task id")
                    .to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn kill_two_marked_instances() {
    let job = "www-data/prod/image-resizer";
    let sim = Sim::start(&[]);
    let before = tasks_json(&sim, job);
    assert_eq!(before.len(), 6);
    let (mut c, state) = console(&sim, &[]);
    open_job(&mut c, job, 6);
    // Mark 1 and 3: j, space (marks and moves down), j, space.
    c.send(b"j ");
    c.wait_text("1 marked", WAIT);
    c.send(b"j ");
    c.wait_text("2 marked", WAIT);
    c.send(CTRL_K);
    c.wait_text("Kill 2 instances?", WAIT);
    // The dialog says exactly what will be sent (waited for: a frame may arrive in pieces).
    c.wait_text("1,3 (2 in all)", WAIT);
    c.wait_text(&format!("job         {job}"), WAIT);
    confirm(&mut c, "Kill 2 instances");
    c.wait_text("killTasks: OK", WAIT);
    // The view refreshed at once: 1 and 3 are being killed, the rest run.
    c.wait_for("instances 1 and 3 KILLING in the view", WAIT, |s| {
        [1, 3]
            .iter()
            .all(|&i| instance_row(s, i).is_some_and(|(st, _)| st == "KILLING" || st == "KILLED"))
    });
    let screen = c.screen();
    for i in [0, 2, 4, 5] {
        assert_eq!(
            instance_row(&screen, i).map(|r| r.0).as_deref(),
            Some("RUNNING"),
            "instance {i}\n{}",
            c.dump()
        );
    }
    // And through `eos get`.
    let after = tasks_json(&sim, job);
    for (i, status, id) in &after {
        let was = before.iter().find(|b| b.2 == *id).expect("same tasks");
        assert_eq!(was.0, *i);
        if *i == 1 || *i == 3 {
            assert!(status == "KILLING" || status == "KILLED", "{i}: {status}");
        } else {
            assert_eq!(status, "RUNNING", "{i}");
        }
    }
    let log = audit(&state);
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["method"], "killTasks");
    assert_eq!(log[0]["arguments"]["instances"], serde_json::json!([1, 3]));
    assert_eq!(log[0]["response_code"], "OK");
}

#[test]
fn restart_the_selected_instance() {
    let job = "www-data/prod/static-assets";
    let sim = Sim::start(&[]);
    let (mut c, state) = console(&sim, &[]);
    open_job(&mut c, job, 4);
    c.send(b"jj");
    c.wait_for("instance 2 selected", WAIT, |s| {
        instance_row(s, 2).is_some_and(|(_, l)| l.trim_start().starts_with('▶'))
    });
    c.send(b"r");
    c.wait_text("Restart 1 instance?", WAIT);
    c.wait_text("2 (1 in all)", WAIT);
    confirm(&mut c, "Restart 1 instance");
    c.wait_text("restartShards: OK", WAIT);
    c.wait_for("instance 2 RESTARTING in the view", WAIT, |s| {
        instance_row(s, 2).is_some_and(|(st, _)| st == "RESTARTING")
    });
    let after = tasks_json(&sim, job);
    for (i, status, _) in &after {
        let want = if *i == 2 { "RESTARTING" } else { "RUNNING" };
        assert_eq!(status, want, "instance {i}");
    }
    let log = audit(&state);
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["method"], "restartShards");
}

#[test]
fn scale_up_by_two() {
    let job = "www-data/prod/api-gateway";
    let sim = Sim::start(&[]);
    let (mut c, state) = console(&sim, &[]);
    open_job(&mut c, job, 12);
    c.send(b"s");
    c.wait_text("has 12 active instances", WAIT);
    c.send(BACKSPACE);
    c.send(BACKSPACE);
    c.type_text("14");
    c.enter();
    c.wait_text("Add 2 instances?", WAIT);
    // The plan names the template instance.
    c.wait_text("copied from active instance 11", WAIT);
    confirm(&mut c, "Add 2 instances");
    c.wait_text("addInstances: OK", WAIT);
    c.wait_text("14 rows", WAIT);
    let ids: Vec<i32> = tasks_json(&sim, job).iter().map(|t| t.0).collect();
    assert_eq!(ids, (0..14).collect::<Vec<_>>());
    assert_eq!(audit(&state)[0]["method"], "addInstances");
}

#[test]
fn pause_a_rolling_update() {
    let sim = Sim::start(&[]);
    let updates = sim.get_json(&["updates"]);
    let indexer = updates
        .as_array()
        .expect("updates")
        .iter()
        .find(|u| u["job"].as_str().is_some_and(|j| j.ends_with("/indexer")))
        .expect("the indexer's update");
    assert_eq!(indexer["status"], "ROLLING_FORWARD");
    let id = indexer["id"].as_str().expect("id").to_owned();
    let (mut c, state) = console(&sim, &[]);
    c.wait_text("analytics", WAIT);
    c.send(b":");
    c.type_text(&format!("update search/prod/indexer/{id}"));
    c.enter();
    c.wait_text("ROLLING_FORWARD", WAIT);
    wait_loaded(&c);
    c.send(b"p");
    c.wait_text("Pause update?", WAIT);
    confirm(&mut c, "Pause update");
    c.wait_text("pauseJobUpdate: OK", WAIT);
    c.wait_text("ROLL_FORWARD_PAUSED", WAIT);
    let updates = sim.get_json(&["updates"]);
    let status = updates
        .as_array()
        .expect("updates")
        .iter()
        .find(|u| u["id"] == id.as_str())
        .map(|u| u["status"].clone());
    assert_eq!(status, Some(serde_json::json!("ROLL_FORWARD_PAUSED")));
    assert_eq!(audit(&state)[0]["method"], "pauseJobUpdate");
}

#[test]
fn read_only_refuses_and_sends_nothing() {
    let job = "www-data/prod/image-resizer";
    let sim = Sim::start(&[]);
    let (mut c, state) = console(&sim, &["--read-only"]);
    open_job(&mut c, job, 6);
    c.send(CTRL_K);
    c.wait_text("read-only: kill is disabled", WAIT);
    c.send(b":");
    c.type_text(&format!("kill-job {job}"));
    c.enter();
    c.wait_text("read-only: killTasks is disabled", WAIT);
    assert!(!c.screen().contains("[ Cancel ]"), "{}", c.dump());
    assert!(
        tasks_json(&sim, job).iter().all(|t| t.1 == "RUNNING"),
        "nothing was killed"
    );
    assert!(audit(&state).is_empty());
}

/// `--scheduler http://user:password@host`: the userinfo is used as Basic credentials (over
/// EOS_USER/EOS_PASSWORD, as curl does) and the password never reaches the screen, eos.log or
/// the audit log.
#[test]
fn a_password_in_the_url_is_used_and_never_shown_or_stored() {
    const SECRET: &str = "Sim-Pass-4242";
    let job = "www-data/prod/static-assets";
    let sim = Sim::start(&["--auth", &format!("opsuser:{SECRET}")]);
    let port = sim.url.rsplit(':').next().unwrap().to_owned();
    let with_password = format!("http://opsuser:{SECRET}@127.0.0.1:{port}");
    let state = tempfile::tempdir().expect("temp dir");
    let dir = state.path().to_str().expect("utf-8 path").to_owned();
    let mut c = Console::spawn_env(
        &["--scheduler", &with_password],
        &[
            ("XDG_STATE_HOME", &dir),
            ("EOS_LOG", "trace"),
            ("EOS_USER", "someone-else"),
            ("EOS_PASSWORD", "wrong-password"),
        ],
    );
    open_job(&mut c, job, 4);
    c.send(b"jj");
    c.wait_for("instance 2 selected", WAIT, |s| {
        instance_row(s, 2).is_some_and(|(_, l)| l.trim_start().starts_with('▶'))
    });
    c.send(b"r");
    confirm(&mut c, "Restart 1 instance");
    // The URL's credentials were sent: the simulator accepted the change.
    c.wait_text("restartShards: OK", WAIT);
    assert!(
        header(&c.screen()).contains(&format!("http://127.0.0.1:{port}")),
        "{}",
        c.dump()
    );
    c.send(b":");
    c.type_text("q");
    c.enter();
    assert!(c.wait_exit(WAIT).is_some(), "`:q` quits\n{}", c.dump());
    let everything_drawn = c.with(|s| String::from_utf8_lossy(&s.raw).into_owned());
    assert!(
        !everything_drawn.contains(SECRET),
        "the password was drawn on the screen"
    );
    let log = audit(&state);
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["response_code"], "OK");
    let audit_text = std::fs::read_to_string(state.path().join("eos/audit.log")).unwrap();
    assert!(!audit_text.contains(SECRET), "audit.log: {audit_text}");
    assert!(
        audit_text.contains(&format!("\"http://127.0.0.1:{port}\"")),
        "{audit_text}"
    );
    let eos_log = std::fs::read_to_string(state.path().join("eos/eos.log")).unwrap();
    assert!(
        eos_log.contains("restartShards"),
        "the log was written: {eos_log}"
    );
    assert!(!eos_log.contains(SECRET), "eos.log holds the password");
}
