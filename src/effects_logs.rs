//! The log pane's side effects: one observer call per [`LogFetch`], answered with an
//! [`Action::LogReply`]. Kept apart from `effects.rs` (the scheduler's edge).

use tokio::sync::mpsc::UnboundedSender;

use crate::app::Action;
use crate::app::logs::{LogAnswer, LogFetch, LogReply, LogRequest};
use crate::observer::{ObserverClient, ObserverError};

/// Makes the call on the runtime and sends the answer back to the reducer.
pub fn spawn(f: LogFetch, tx: UnboundedSender<Action>, clock: impl Fn() -> i64 + Send + 'static) {
    tokio::spawn(async move {
        let result = fetch(&f).await;
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

/// The one observer call a fetch asks for (also used by the test driver).
pub async fn fetch(f: &LogFetch) -> Result<LogAnswer, ObserverError> {
    let client = ObserverClient::new(&f.base).map_err(|why| ObserverError::Unreachable {
        url: f.base.clone(),
        why,
    })?;
    match &f.request {
        LogRequest::Processes => client.processes(&f.task_id).await.map(LogAnswer::Processes),
        LogRequest::Tail(w) | LogRequest::Earlier(w) => client
            .log_chunk(&f.task_id, &f.process, f.run, f.kind, w.offset, w.length)
            .await
            .map(LogAnswer::Chunk),
    }
}
