//! `eos get logs TASK_ID`: a task's stdout or stderr from the Thermos observer on its agent,
//! printed as the process wrote it (the observer's XML escaping undone). `--tail N` prints the
//! last N lines, `-f` keeps following until interrupted. The observer is found from the
//! sandbox-link template (`--observer-url`, else the config file's cluster or global
//! `observer_url`, else Aurora's default `http://{host}:1338/task/{task_id}`).

use std::io::Write;
use std::time::Duration;

use clap::Args;

use super::get_exit::GetError;
use crate::aurora::client::AuroraClient;
use crate::aurora::model::TaskQuery;
use crate::observer::client::default_process;
use crate::observer::tail::{CHUNK_BYTES, INITIAL_BYTES, Tail};
use crate::observer::{LogKind, ObserverClient, ObserverError, observer_base};

/// How often `-f` asks for more once it has caught up (the observer's web UI: every second).
pub const FOLLOW_EVERY: Duration = Duration::from_secs(1);
/// Bytes assumed per line when `--tail N` decides how much to read first.
const BYTES_PER_LINE_GUESS: u64 = 256;

#[derive(Args, Debug, Clone)]
pub struct LogsArgs {
    /// The task's id (as `eos get tasks` shows it).
    pub task_id: String,
    /// The process (default: the running one started last).
    #[arg(long)]
    pub process: Option<String>,
    /// The process run (-1, the default, is the latest).
    #[arg(long, default_value_t = -1, allow_hyphen_values = true)]
    pub run: i64,
    /// stderr instead of stdout.
    #[arg(long)]
    pub stderr: bool,
    /// Only the last LINES lines.
    #[arg(long, value_name = "LINES")]
    pub tail: Option<usize>,
    /// Keep printing what the process writes until interrupted.
    #[arg(short = 'f', long)]
    pub follow: bool,
    /// The observer's task-page template (`{host}`, `{task_id}`), beating the config file's.
    #[arg(long, value_name = "TEMPLATE")]
    pub observer_url: Option<String>,
    /// The config file's settings (filled in by `eos get`, not a flag).
    #[arg(skip)]
    pub config: Option<Box<crate::config::Config>>,
}

/// An observer failure as an `eos get` failure (unreachable: 7, unknown: 6). Not-found texts
/// are noun phrases: `eos get` prints them as "no WHAT on CLUSTER".
pub fn get_error(e: ObserverError) -> GetError {
    match e {
        ObserverError::Unreachable { .. } => GetError::Unreachable(e.to_string()),
        ObserverError::NoSuchTask { url, task_id } => {
            GetError::NotFound(format!("task {task_id} on the observer at {url}"))
        }
        ObserverError::NoSuchProcess {
            task_id,
            process,
            available,
        } => GetError::NotFound(format!(
            "process {process:?} in task {task_id} (it has {})",
            available.join(", ")
        )),
        ObserverError::NoSuchLog {
            task_id,
            process,
            run,
            kind,
        } => GetError::NotFound(format!(
            "{kind} of run {run} of process {process} in task {task_id}"
        )),
        e => GetError::Other(e.to_string()),
    }
}

/// The observer template for `cluster`.
fn template(args: &LogsArgs, cluster: Option<&str>) -> String {
    if let Some(t) = &args.observer_url {
        return t.clone();
    }
    let cfg = args.config.as_deref().cloned().unwrap_or_default();
    cluster
        .and_then(|c| cfg.clusters.get(c))
        .and_then(|c| c.observer_url.clone())
        .or(cfg.observer_url)
        .unwrap_or_else(|| crate::config::DEFAULT_OBSERVER_URL.to_owned())
}

/// Prints the log to `sink`; with `-f` never returns unless a call fails.
pub async fn print(
    client: &AuroraClient,
    args: &LogsArgs,
    cluster: Option<&str>,
    sink: &mut dyn Write,
) -> Result<(), GetError> {
    let query = TaskQuery {
        task_ids: Some(vec![args.task_id.clone()]),
        ..Default::default()
    };
    let reply = client
        .get_tasks_without_configs(query)
        .await
        .map_err(|e| GetError::client(client, e))?;
    let server = reply
        .server_info
        .as_ref()
        .and_then(|s| s.cluster_name.clone());
    let task = reply
        .value
        .into_iter()
        .next()
        .ok_or_else(|| GetError::NotFound(format!("task {}", args.task_id)))?;
    let host = task.host().to_owned();
    if host.is_empty() {
        return Err(GetError::NotFound(format!(
            "logs for task {} (it is not on an agent yet)",
            args.task_id
        )));
    }
    let cluster = cluster.map(str::to_owned).or(server);
    let base = observer_base(&template(args, cluster.as_deref()), &host);
    let obs = ObserverClient::new(&base).map_err(GetError::Other)?;
    let procs = obs.processes(&args.task_id).await.map_err(get_error)?;
    let process = match &args.process {
        Some(p) if procs.contains_key(p) => p.clone(),
        Some(p) => {
            return Err(get_error(ObserverError::NoSuchProcess {
                task_id: args.task_id.clone(),
                process: p.clone(),
                available: procs.keys().cloned().collect(),
            }));
        }
        None => default_process(&procs)
            .ok_or_else(|| GetError::NotFound(format!("process in task {}", args.task_id)))?
            .to_owned(),
    };
    let kind = if args.stderr {
        LogKind::Stderr
    } else {
        LogKind::Stdout
    };
    let mut tail = match args.tail {
        Some(n) => Tail::with_sizes(
            (n as u64 * BYTES_PER_LINE_GUESS)
                .clamp(INITIAL_BYTES, crate::observer::client::MAX_CHUNK),
            CHUNK_BYTES,
        ),
        None => Tail::from_start(CHUNK_BYTES),
    };
    let io = |e: std::io::Error| GetError::Other(format!("writing the output: {e}"));
    let mut first = args.tail.is_some();
    loop {
        let want = tail.next();
        let chunk = obs
            .log_chunk(
                &args.task_id,
                &process,
                args.run,
                kind,
                want.offset,
                want.length,
            )
            .await
            .map_err(get_error)?;
        let was_started = tail.started();
        let step = tail.on_chunk(&chunk);
        if let Some((was, now)) = step.rotated {
            eprintln!("eos: {}", ObserverError::Rotated { was, now });
        }
        let mut text = step.text.as_str();
        if first && !was_started && tail.started() {
            first = false;
            text = last_lines(text, args.tail.unwrap_or(usize::MAX));
        }
        if !text.is_empty() {
            sink.write_all(text.as_bytes()).map_err(io)?;
            sink.flush().map_err(io)?;
        }
        if step.again_now || !tail.started() {
            continue;
        }
        if !args.follow {
            return Ok(());
        }
        tokio::time::sleep(FOLLOW_EVERY).await;
    }
}

/// The last `n` lines of `text` (a final line without a newline counts).
pub fn last_lines(text: &str, n: usize) -> &str {
    if n == 0 {
        return "";
    }
    let body = text.strip_suffix('\n').unwrap_or(text);
    match body.rmatch_indices('\n').nth(n - 1) {
        Some((i, _)) => &text[i + 1..],
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_lines_counts_from_the_end() {
        assert_eq!(last_lines("a\nb\nc\n", 2), "b\nc\n");
        assert_eq!(last_lines("a\nb\nc", 2), "b\nc");
        assert_eq!(last_lines("a\n", 5), "a\n");
        assert_eq!(last_lines("a\nb\n", 0), "");
    }
}
