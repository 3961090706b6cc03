//! `l` on a Swarm (issue 16, logs): the log pane fed by the Engine's `/tasks/{id}/logs` and
//! `/services/{id}/logs`, against the shared test engine. The service's busybox tasks print
//! numbered lines to stdout and stderr five times a second, so following, the streams being
//! kept apart, the merged view and a resume without gaps can be read off the numbers.

use std::path::PathBuf;
use std::time::Duration;

use crossterm::event::KeyCode;
use eos::app::Nav;
use eos::app::logs::{LogOrigin, LogPane};
use eos::cmd::get_logs::LogsArgs;
use eos::cmd::get_swarm_logs;
use eos::config::Config;
use eos::connection::Connector;
use eos::swarm::logs::LogTarget;

use super::{console, options, wait_for};
use crate::inprocess_common::{key, typed};
use crate::swarm_common::proxy::Proxy;
use crate::swarm_common::{self as common, create_service, docker, engine, remove_service, shared};

const PRINTER: &str =
    "i=0; while true; do echo out $i; echo err $i >&2; i=$((i+1)); sleep 0.2; done";

/// The numbers after `word ` on the screen (`out 12` → 12), in screen order.
fn numbers(screen: &str, word: &str) -> Vec<u64> {
    let pat = format!("{word} ");
    let mut out = Vec::new();
    for (i, _) in screen.match_indices(&pat) {
        let digits: String = screen[i + pat.len()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if let Ok(n) = digits.parse() {
            out.push(n);
        }
    }
    out
}

/// Waits (a bounded number of 50 ms polls) until the screen shows `word N` with N above `than`.
async fn wait_past(text: &std::sync::Mutex<String>, word: &str, than: u64) -> u64 {
    for _ in 0..600 {
        let top = numbers(&text.lock().unwrap(), word).into_iter().max();
        if let Some(n) = top.filter(|&n| n > than) {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never showed {word} past {than}:\n{}", text.lock().unwrap());
}

/// Starts the printing service and waits until both its tasks run.
fn printing_service(test: &str) -> String {
    let name = common::service_name(test);
    remove_service(&name);
    create_service(&name, 2, &[], &["sh", "-c", PRINTER]);
    common::wait_for("two printing tasks", Duration::from_secs(120), || {
        let states = docker(&[
            "service",
            "ps",
            "--filter",
            "desired-state=running",
            "--format",
            "{{.CurrentState}}",
            &name,
        ]);
        states.lines().filter(|l| l.starts_with("Running")).count() == 2
    });
    name
}

/// The pane's lines as text (`label | line` in a merged pane).
fn pane_text(p: &LogPane) -> String {
    p.text()
}

#[tokio::test(flavor = "multi_thread")]
async fn l_tails_a_task_a_marked_pair_and_a_whole_service() {
    let _g = shared().await;
    let name = printing_service("console-logs");
    let connector = Connector::new(
        &options(Some(engine().host.clone()), None),
        &Config::default(),
    );
    let conn = connector.connect(None).await.unwrap();
    let n = name.clone();
    let state = console(conn, Nav::Services, |keys, text| async move {
        keys.send(key(KeyCode::Char(':'))).unwrap();
        typed(&keys, &format!("service {n}"));
        wait_for(&text, &["SLOT", " 1 ", " 2 "]).await;

        // One task: its stdout, and nothing of its stderr.
        keys.send(key(KeyCode::Char('l'))).unwrap();
        wait_for(&text, &["logs  task ", "stdout", "following"]).await;
        let first = wait_past(&text, "out", 1).await;
        assert!(numbers(&text.lock().unwrap(), "err").is_empty());
        // Following: later lines arrive by themselves.
        wait_past(&text, "out", first + 3).await;
        assert!(numbers(&text.lock().unwrap(), "err").is_empty());

        // `s`: the stderr stream, apart.
        keys.send(key(KeyCode::Char('s'))).unwrap();
        wait_for(&text, &["stderr"]).await;
        wait_past(&text, "err", 1).await;
        assert!(
            numbers(&text.lock().unwrap(), "out").is_empty(),
            "{}",
            text.lock().unwrap()
        );

        // Both tasks marked: one merged pane, each line led by its slot.
        keys.send(key(KeyCode::Esc)).unwrap();
        wait_for(&text, &["DESIRED"]).await;
        keys.send(key(KeyCode::Char('g'))).unwrap();
        keys.send(key(KeyCode::Char(' '))).unwrap();
        keys.send(key(KeyCode::Char(' '))).unwrap();
        keys.send(key(KeyCode::Char('l'))).unwrap();
        wait_for(&text, &["logs  slots 1,2", "1 │ out ", "2 │ out "]).await;
        keys.send(key(KeyCode::Esc)).unwrap();

        // The service row: `/services/{id}/logs`, each line led by its task.
        keys.send(key(KeyCode::Char(':'))).unwrap();
        typed(&keys, "services");
        wait_for(&text, &["MODE"]).await;
        keys.send(key(KeyCode::Char('/'))).unwrap();
        typed(&keys, &n);
        keys.send(key(KeyCode::Char('l'))).unwrap();
        wait_for(
            &text,
            &[&format!("logs  service {n}"), "every node", " │ out "],
        )
        .await;
        keys
    })
    .await;

    let pane = state.logs.as_deref().expect("the service's pane is open");
    let LogOrigin::Engine(LogTarget::Service(id)) = &pane.sources[0].origin else {
        panic!("{:?}", pane.sources[0].origin);
    };
    assert!(!id.is_empty());
    // Lines of both tasks, each led by a short task id (two different ones).
    let text = pane_text(pane);
    let tasks: std::collections::BTreeSet<&str> = text
        .lines()
        .filter_map(|l| l.split_once(" │ out ").map(|(t, _)| t))
        .collect();
    assert_eq!(tasks.len(), 2, "{text}");
    assert!(!text.contains(" │ err "), "{text}");
    remove_service(&name);
}

fn socket() -> PathBuf {
    PathBuf::from(engine().host.trim_start_matches("unix://"))
}

#[tokio::test(flavor = "multi_thread")]
async fn an_engine_that_goes_away_is_said_and_the_tail_resumes_without_a_gap() {
    let _g = shared().await;
    let name = printing_service("console-logs-away");
    let proxy = Proxy::start(socket(), 0, None).await;
    let port = proxy.port;
    let connector = Connector::new(
        &options(Some(format!("tcp://127.0.0.1:{port}")), None),
        &Config::default(),
    );
    let conn = connector.connect(None).await.unwrap();
    let n = name.clone();
    let proxy = std::sync::Arc::new(tokio::sync::Mutex::new(Some(proxy)));
    let p = proxy.clone();
    let state = console(conn, Nav::Services, |keys, text| async move {
        keys.send(key(KeyCode::Char(':'))).unwrap();
        typed(&keys, &format!("service {n}"));
        wait_for(&text, &["SLOT", " 1 ", " 2 "]).await;
        keys.send(key(KeyCode::Char('l'))).unwrap();
        let before = wait_past(&text, "out", 1).await;
        // The Engine goes away: the pane says so and keeps what it read.
        p.lock().await.take().unwrap().stop().await;
        wait_for(&text, &["cannot reach the Docker Engine"]).await;
        assert!(numbers(&text.lock().unwrap(), "out").contains(&before));
        // It comes back on the same address: the tail goes on.
        *p.lock().await = Some(Proxy::start(socket(), port, None).await);
        wait_past(&text, "out", before + 10).await;
        keys
    })
    .await;
    if let Some(p) = proxy.lock().await.take() {
        p.stop().await;
    }
    // Every number once, in order, from the first line read to the last: nothing repeated
    // and nothing lost across the outage (the task kept printing while the Engine was away).
    let pane = state.logs.as_deref().expect("the pane is open");
    let seen: Vec<u64> = pane
        .text()
        .lines()
        .filter_map(|l| l.strip_prefix("out ")?.parse().ok())
        .collect();
    assert!(seen.len() > 10, "{seen:?}");
    let first = seen[0];
    let expected: Vec<u64> = (first..first + seen.len() as u64).collect();
    assert_eq!(seen, expected);
    assert!(pane.problem().is_none(), "{:?}", pane.problem());
    remove_service(&name);
}

/// A sink that takes `lines` lines and then fails like a closed pipe (ends a `-f` read).
struct Upto {
    out: Vec<u8>,
    lines: usize,
}

impl std::io::Write for Upto {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.out.iter().filter(|&&b| b == b'\n').count() >= self.lines {
            return Err(std::io::ErrorKind::BrokenPipe.into());
        }
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn logs_args(target: &str, stderr: bool, tail: Option<usize>, follow: bool) -> LogsArgs {
    LogsArgs {
        task_id: target.to_owned(),
        process: None,
        run: -1,
        stderr,
        tail,
        follow,
        observer_url: None,
        config: None,
    }
}

async fn get_logs(c: &eos::swarm::client::SwarmClient, args: &LogsArgs, lines: usize) -> String {
    let mut sink = Upto {
        out: Vec::new(),
        lines,
    };
    let result = get_swarm_logs::print(c, args, &mut sink).await;
    if !args.follow {
        assert!(result.is_ok(), "{result:?}");
    }
    String::from_utf8(sink.out).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn get_logs_prints_a_task_or_a_service_and_follows() {
    let _g = shared().await;
    let name = printing_service("get-logs");
    let c = crate::client().await;
    let (svc, _) = c.service(&name).await.unwrap();
    let tasks = c.tasks_of(svc.id.as_deref().unwrap()).await.unwrap();
    let task = tasks
        .iter()
        .find(|t| t.desired_state == Some(bollard::models::TaskState::RUNNING))
        .and_then(|t| t.id.clone())
        .unwrap();
    // Bounded: the task prints five lines a second.
    for _ in 0..200 {
        if get_logs(&c, &logs_args(&task, false, None, false), 1000)
            .await
            .contains("out 5\n")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // `--tail 6`: the Engine's last six messages, counted over both streams as `docker logs
    // --tail` counts them; the stdout ones are printed, in order, and nothing of stderr.
    let whole = get_logs(&c, &logs_args(&task, false, None, false), 100_000).await;
    let last = get_logs(&c, &logs_args(&task, false, Some(6), false), 1000).await;
    let n: Vec<u64> = last
        .lines()
        .map(|l| l.strip_prefix("out ").unwrap().parse().unwrap())
        .collect();
    assert!((2..=4).contains(&n.len()), "{last}");
    assert_eq!(n, (n[0]..n[0] + n.len() as u64).collect::<Vec<_>>());
    assert!(whole.lines().count() > 5 && n[0] > 0, "{whole}");
    // `--stderr`: the other stream.
    let err = get_logs(&c, &logs_args(&task, true, Some(6), false), 1000).await;
    assert!(
        (2..=4).contains(&err.lines().count()) && err.lines().all(|l| l.starts_with("err ")),
        "{err}"
    );
    // The service by name: both tasks' lines, each led by its task.
    let all = get_logs(&c, &logs_args(&name, false, None, false), 100_000).await;
    let tasks: std::collections::BTreeSet<&str> = all
        .lines()
        .filter_map(|l| l.split_once(" │ out ").map(|(t, _)| t))
        .collect();
    assert_eq!(tasks.len(), 2, "{all}");
    // `-f`: past what was there, every number once, until the reader stops.
    let followed = get_logs(&c, &logs_args(&task, false, Some(1), true), 12).await;
    let n: Vec<u64> = followed
        .lines()
        .map(|l| l.strip_prefix("out ").unwrap().parse().unwrap())
        .collect();
    assert_eq!(n.len(), 12, "{followed}");
    assert_eq!(n, (n[0]..n[0] + 12).collect::<Vec<_>>());
    // Neither a task nor a service: "not found", exit 6.
    let mut sink = Vec::new();
    let e = get_swarm_logs::print(
        &c,
        &logs_args("no-such-thing", false, None, false),
        &mut sink,
    )
    .await
    .expect_err("unknown");
    let e = eos::cmd::get_swarm::Failure::from(e);
    assert_eq!(e.exit_code(), 6, "{}", e.message(""));
    remove_service(&name);
}
