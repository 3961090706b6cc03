//! `eos --docker get logs TASK|SERVICE [--stderr] [--tail N] [-f]`: a Swarm task's or a whole
//! service's stdout (or stderr) from the Engine, printed as it arrives; a service's lines are
//! led by their task, as in the console's pane. `-f` follows until interrupted (130) or the
//! Engine ends the log (the task stopped: 0) or goes away (7). Unknown TASK and SERVICE: 6.
//! `--tail N` is the Engine's: the last N messages counted over both streams (as `docker logs
//! --tail` counts them), of which the chosen stream's are printed.

use std::io::Write;

use super::get_logs::LogsArgs;
use crate::swarm::client::{SwarmClient, SwarmError};
use crate::swarm::logs::{LogQuery, LogTarget};

/// Why the log was not printed: a usage error (exit 2), or the Engine's answer (`get_swarm`
/// turns both into its `Failure`).
#[derive(Debug)]
pub enum LogsError {
    Usage(String),
    Swarm(SwarmError),
}

impl From<SwarmError> for LogsError {
    fn from(e: SwarmError) -> Self {
        LogsError::Swarm(e)
    }
}

/// Prints the log to `sink` (with `-f`, until the Engine ends it or a write fails).
pub async fn print(
    client: &SwarmClient,
    args: &LogsArgs,
    sink: &mut dyn Write,
) -> Result<(), LogsError> {
    if args.process.is_some() || args.run != -1 || args.observer_url.is_some() {
        return Err(LogsError::Usage(
            "a Swarm task's log has no processes, runs or observer: give TASK or SERVICE, \
             --stderr, --tail and -f"
                .into(),
        ));
    }
    let target = target(client, &args.task_id).await?;
    let query = LogQuery {
        stdout: !args.stderr,
        stderr: args.stderr,
        follow: args.follow,
        since: None,
        tail: args.tail.map(|n| n as u64),
        details: matches!(target, LogTarget::Service(_)),
    };
    let mut stream = client.logs(&target, &query).await?;
    loop {
        let lines = stream.next().await?;
        if lines.is_empty() {
            return Ok(());
        }
        let mut text = String::new();
        for l in &lines {
            text.push_str(&l.shown());
            text.push('\n');
        }
        sink.write_all(text.as_bytes())
            .and_then(|()| sink.flush())
            .map_err(|e| {
                LogsError::Swarm(SwarmError::Other(format!("cannot write the output: {e}")))
            })?;
    }
}

/// A task by id, else a service by name or id.
async fn target(client: &SwarmClient, name: &str) -> Result<LogTarget, LogsError> {
    match client.task(name).await {
        Ok(t) => return Ok(LogTarget::Task(t.id.unwrap_or_else(|| name.to_owned()))),
        Err(SwarmError::NotFound(_)) => {}
        Err(e) => return Err(e.into()),
    }
    match client.service(name).await {
        Ok((s, _)) => Ok(LogTarget::Service(s.id.unwrap_or_else(|| name.to_owned()))),
        Err(SwarmError::NotFound(_)) => Err(LogsError::Swarm(SwarmError::NotFound(format!(
            "task or service {name}"
        )))),
        Err(e) => Err(e.into()),
    }
}
