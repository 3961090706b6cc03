//! Getting around updates: `:update ROLE/ENV/NAME` (the job's active, else latest, update),
//! the progress column of the updates list, and from an update to its job's tasks.
//!
//! The progress column needs each active update's details. The list keeps the keys of its
//! active updates and polls their details as its own resources, so each still has one slot with
//! at most one request in flight, shared with the update screen; finished updates are never
//! fetched for it.

use std::collections::HashMap;

use super::Screen;
use super::vocab::nav::{Nav, is_job_key};
use super::vocab::resource::{Data, ResourceKey};
use super::{Effect, Level, State};
use crate::aurora::model::{JobUpdateDetails, JobUpdateSummary};
pub use crate::domain::updates::pick_update;

/// The keys of the active updates in a list, in list order.
pub fn active_keys(updates: &[JobUpdateSummary]) -> Vec<String> {
    updates
        .iter()
        .filter(|u| u.is_active())
        .filter_map(|u| u.key.as_ref().map(|k| k.to_string()))
        .collect()
}

/// The progress column's text: `12/30` going forward, `back 3/18` rolling back (counted as
/// the update screen counts them).
pub fn progress_cell(d: &JobUpdateDetails) -> String {
    if d.is_rollback() {
        let (done, total) = d.rollback_progress();
        format!("back {done}/{total}")
    } else {
        let (done, total) = d.progress();
        format!("{done}/{total}")
    }
}

/// The progress cells of the listed updates whose details are loaded, by update key.
pub fn progress_cells(state: &State, keys: &[String]) -> HashMap<String, String> {
    keys.iter()
        .filter_map(
            |k| match state.data(&ResourceKey::UpdateDetails(k.clone())) {
                Some(Data::UpdateDetails(Some(d))) => Some((k.clone(), progress_cell(d))),
                _ => None,
            },
        )
        .collect()
}

impl State {
    /// An update screen opened on a job key becomes the screen of that job's update once the
    /// role's updates are known. With no update at all it says so and goes back. True when
    /// the stack changed.
    pub(super) fn resolve_job_update(&mut self) -> bool {
        let Screen::Update { key, .. } = self.top() else {
            return false;
        };
        if !is_job_key(key) {
            return false;
        }
        let job = key.clone();
        let role = job.split('/').next().map(str::to_owned);
        let Some(Data::Updates(updates)) = self.data(&ResourceKey::Updates(role)) else {
            return false;
        };
        match pick_update(updates, &job) {
            Some(full) => {
                if let Screen::Update { key, scroll } = self.top_mut() {
                    *key = full;
                    *scroll = 0;
                }
            }
            None => {
                self.stack.pop();
                let cluster = self
                    .cluster
                    .clone()
                    .unwrap_or_else(|| "this cluster".into());
                self.say(format!("no update of {job} on {cluster}"), Level::Error);
            }
        }
        true
    }

    /// `t`: the tasks of the update's job (or of the selected update's job in the list).
    pub(super) fn open_job_tasks(&mut self, fx: &mut Vec<Effect>) {
        match self.selected_job() {
            Some(job) => self.open(Nav::Tasks(job), fx),
            None => self.say("no job here", Level::Error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aurora::model::{JobKey, JobUpdateKey, JobUpdateState, JobUpdateStatus};

    fn summary(job: &str, id: &str, status: JobUpdateStatus, created: i64) -> JobUpdateSummary {
        JobUpdateSummary {
            key: Some(JobUpdateKey {
                job: JobKey::parse(job),
                id: Some(id.into()),
            }),
            state: Some(JobUpdateState {
                status: Some(status),
                created_timestamp_ms: Some(created),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn the_active_update_else_the_latest() {
        let ups = vec![
            summary("a/b/c", "old", JobUpdateStatus::ROLLED_FORWARD, 10),
            summary("a/b/c", "live", JobUpdateStatus::ROLL_FORWARD_PAUSED, 20),
            summary("a/b/c", "newer", JobUpdateStatus::ABORTED, 30),
            summary("a/b/other", "x", JobUpdateStatus::ROLLING_FORWARD, 40),
        ];
        assert_eq!(pick_update(&ups, "a/b/c").as_deref(), Some("a/b/c/live"));
        assert_eq!(
            pick_update(&ups[..1], "a/b/c").as_deref(),
            Some("a/b/c/old")
        );
        let ended = [ups[0].clone(), ups[2].clone()];
        assert_eq!(pick_update(&ended, "a/b/c").as_deref(), Some("a/b/c/newer"));
        assert_eq!(pick_update(&ups, "a/b/none"), None);
        assert_eq!(active_keys(&ups), vec!["a/b/c/live", "a/b/other/x"]);
    }
}
