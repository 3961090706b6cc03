//! The log pane's side effects: one observer call (or, for a Swarm, one Engine read:
//! `effects_swarm_logs.rs`) per [`LogFetch`], answered with an [`Action::LogReply`]. Kept
//! apart from `effects.rs` (the scheduler's edge).

use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;

use crate::app::Action;
use crate::app::logs::{LogAnswer, LogError, LogFetch, LogOrigin, LogReply, LogRequest};
use crate::backend::Backend;
use crate::observer::{ObserverClient, ObserverError};

/// Makes the call on the runtime and sends the answer back to the reducer. `backend` is the
/// console's connection, which an Engine log is read through.
pub fn spawn(
    f: LogFetch,
    backend: Arc<dyn Backend>,
    tx: UnboundedSender<Action>,
    clock: impl Fn() -> i64 + Send + 'static,
) {
    tokio::spawn(async move {
        let result = fetch(&f, &*backend).await;
        let _ = tx.send(Action::LogReply(Box::new(LogReply::to(
            &f,
            clock(),
            result,
        ))));
    });
}

/// Writes a log pane's text to `path` off the event loop and reports how it went.
pub fn spawn_save(path: String, text: String, tx: UnboundedSender<Action>) {
    tokio::task::spawn_blocking(move || {
        let result = save(&path, &text);
        let _ = tx.send(Action::LogSaved { path, result });
    });
}

/// Writes `text` to `path` (a new file or a replaced one): the bytes written, or why not.
pub fn save(path: &str, text: &str) -> Result<usize, String> {
    std::fs::write(path, text)
        .map(|()| text.len())
        .map_err(|e| e.to_string())
}

/// The one call a fetch asks for: of the task's observer, or of the Engine behind `backend`.
pub async fn fetch(f: &LogFetch, backend: &dyn Backend) -> Result<LogAnswer, LogError> {
    let base = match &f.origin {
        LogOrigin::Observer { base } => base,
        LogOrigin::Engine(target) => {
            return crate::effects_swarm_logs::fetch(f, target, backend).await;
        }
    };
    let client = ObserverClient::new(base).map_err(|why| ObserverError::Unreachable {
        url: base.clone(),
        why,
    })?;
    Ok(match &f.request {
        LogRequest::Processes => LogAnswer::Processes(client.processes(&f.task_id).await?),
        LogRequest::Tail(w) | LogRequest::Earlier(w) => LogAnswer::Chunk(
            client
                .log_chunk(&f.task_id, &f.process, f.run, f.kind, w.offset, w.length)
                .await?,
        ),
        LogRequest::Engine { .. } => {
            return Err(ObserverError::BadReply {
                url: base.clone(),
                why: "an Engine read was asked of a Thermos observer".into(),
            }
            .into());
        }
    })
}
