//! Sending a read again after a failure that may pass: Aurora's reads and a Swarm's, never a
//! change. One loop for every backend, so the waits and what is said on stderr are the same.

use std::future::Future;
use std::time::Duration;

/// The wait before retry `attempt` (1-based): 1, 2, 4, 8, 8 … seconds.
pub fn wait(attempt: u32) -> Duration {
    Duration::from_secs(1 << attempt.saturating_sub(1).min(3))
}

/// Runs the read `send` until it succeeds, fails in a way `worth` says is not worth another
/// try (`None`; else a few words why it is), or has been sent `1 + retries` times. Each retry
/// is announced on stderr, naming `what`. Only ever given reads.
pub async fn read<T, E, F, Fut>(
    retries: u32,
    what: &str,
    worth: impl Fn(&E) -> Option<String>,
    mut send: F,
) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let mut attempt = 0;
    loop {
        match send().await {
            Err(e)
                if attempt < retries
                    && let Some(why) = worth(&e) =>
            {
                attempt += 1;
                let wait = wait(attempt);
                eprintln!(
                    "eos: {what}: {why}; retrying in {} s ({attempt} of {retries})",
                    wait.as_secs()
                );
                tokio::time::sleep(wait).await;
            }
            result => return result,
        }
    }
}
