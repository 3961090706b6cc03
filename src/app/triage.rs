//! Triage: what needs a human, one row per cause. Pending instances are grouped by job and
//! reason (`search/prod/es-coldstore  12 pending  Insufficient: RAM`), so scaling a job that
//! cannot be placed adds one row, not one per instance. Enter on a group row expands it to its
//! instances (and folds it again); Enter on any other row opens what it is about. A crash loop
//! says why its last task failed, read from the job's task history (one read per looping job,
//! the same slot the tasks view's `H` uses).

use std::collections::HashMap;

use super::Screen;
use super::State;
use super::views::triage::{GROUP, Inputs, crashloop_jobs, last_failure, triage_rows};
use super::vocab::resource::{Data, ResourceKey};
use super::widgets::table::Row;

impl State {
    /// Builds the triage rows once its four reads have arrived; notes the crash-looping jobs
    /// whose history to read.
    pub(super) fn triage_rows(&mut self) -> Option<Vec<Row>> {
        let now = self.now;
        let get = |key: &ResourceKey| self.store.get(key).and_then(|s| s.data.clone());
        let stuck = get(&ResourceKey::StuckTasks);
        let reasons = get(&ResourceKey::PendingReasons(super::PendingScope::All));
        let jobs = get(&ResourceKey::Jobs(None));
        let updates = get(&ResourceKey::Updates(None));
        let (
            Some(Data::Tasks(stuck)),
            Some(Data::PendingReasons(reasons)),
            Some(Data::Jobs(jobs)),
            Some(Data::Updates(updates)),
        ) = (
            stuck.as_deref(),
            reasons.as_deref(),
            jobs.as_deref(),
            updates.as_deref(),
        )
        else {
            return None;
        };
        let looping = crashloop_jobs(stuck);
        let failures: HashMap<String, String> = looping
            .iter()
            .filter_map(|job| {
                let key = ResourceKey::Tasks {
                    job: job.clone(),
                    history: true,
                };
                match self.data(&key) {
                    Some(Data::Tasks(h)) => Some((job.clone(), last_failure(h)?)),
                    _ => None,
                }
            })
            .collect();
        let Screen::Triage {
            expanded,
            crashloops,
            ..
        } = self.top_mut()
        else {
            return None;
        };
        *crashloops = looping;
        let inputs = Inputs {
            stuck,
            reasons,
            jobs,
            updates,
            failures: &failures,
            expanded,
        };
        Some(triage_rows(&inputs, now))
    }

    /// Enter on a triage group row: expand it, or fold it again. False for any other row.
    pub(super) fn triage_toggle(&mut self) -> bool {
        let Screen::Triage {
            table, expanded, ..
        } = self.top_mut()
        else {
            return false;
        };
        let Some(id) = table
            .selected_row()
            .map(|r| r.id.clone())
            .filter(|id| id.starts_with(GROUP))
        else {
            return false;
        };
        if !expanded.remove(&id) {
            expanded.insert(id.clone());
        }
        self.rebuild_top();
        self.dirty = true;
        true
    }
}
