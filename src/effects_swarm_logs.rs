//! The log pane's Engine reads (a Swarm task's or service's log), one bounded read per
//! [`LogFetch`]: the lines after the last one the pane has (`since`), of the stream it shows,
//! turned into the pane's text. The Engine call itself is `swarm::logs`.

use crate::app::logs::{EngineChunk, LogAnswer, LogError, LogFetch, LogRequest};
use crate::backend::Backend;
use crate::observer::LogKind;
use crate::swarm::client::SwarmError;
use crate::swarm::logs::{LogLine, LogQuery, LogTarget};

/// The most of a reply one read takes (the observer reads' bound); more waiting is read at
/// once by the next read, from the last line's stamp.
pub const READ_BYTES: usize = 1 << 20;

/// Reads what `f` asks of the Engine behind `backend`.
pub async fn fetch(
    f: &LogFetch,
    target: &LogTarget,
    backend: &dyn Backend,
) -> Result<LogAnswer, LogError> {
    let Some(client) = backend.docker_engine() else {
        return Err(
            SwarmError::Other("this console is not connected to a Docker Engine".into()).into(),
        );
    };
    let LogRequest::Engine { since, tail } = &f.request else {
        return Err(
            SwarmError::Other("an observer read was asked of the Docker Engine".into()).into(),
        );
    };
    let query = LogQuery {
        stdout: f.kind == LogKind::Stdout,
        stderr: f.kind == LogKind::Stderr,
        follow: false,
        since: *since,
        tail: *tail,
        details: matches!(target, LogTarget::Service(_)),
    };
    let read = client.read_logs(target, &query, READ_BYTES).await?;
    Ok(LogAnswer::Engine(chunk(&read.lines, f.kind, read.more)))
}

/// The pane's text from the lines of `kind` (the Engine sends only those, but a TTY task's
/// log cannot tell its streams apart and is all stdout): a service's lines are led by their
/// task, a cut line says so.
pub fn chunk(lines: &[LogLine], kind: LogKind, more: bool) -> EngineChunk {
    let mut text = String::new();
    for l in lines.iter().filter(|l| l.kind == kind) {
        text.push_str(&l.shown());
        text.push('\n');
    }
    EngineChunk {
        text,
        last: lines.iter().filter_map(|l| l.at).max(),
        more,
    }
}
