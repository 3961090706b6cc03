//! Which update a job means.

use crate::aurora::model::JobUpdateSummary;

/// The update `:update JOB` and `eos get update JOB` mean: the job's active update, else its
/// most recently created.
pub fn pick_update(updates: &[JobUpdateSummary], job: &str) -> Option<String> {
    let of_job = updates.iter().filter(|u| {
        u.key
            .as_ref()
            .and_then(|k| k.job.as_ref())
            .is_some_and(|j| j.to_string() == job)
    });
    let created = |u: &&JobUpdateSummary| {
        u.state
            .as_ref()
            .and_then(|s| s.created_timestamp_ms)
            .unwrap_or(0)
    };
    let best = of_job.max_by_key(|u| (u.is_active(), created(u)))?;
    best.key.as_ref().map(|k| k.to_string())
}
