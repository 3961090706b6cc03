//! How hard a confirmation is, by blast radius. Killing 6 instances and killing all 4,000 of a
//! production job must not ask for the same short name: an action that covers more than half of
//! a job's active instances, or more than 100 of them, asks for the job's full key and the count
//! typed as one line (`www-data/prod/edge-proxy 4000`), so the number is read, not skimmed.

use super::State;
use super::vocab::ops::{HostAction, Operation};
use super::vocab::resource::{Data, ResourceKey};

/// More than this many instances of one job is large whatever the job's size.
pub const LARGE_COUNT: usize = 100;

/// A job an operation hits hard: how many of its instances, out of how many active.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blast {
    pub job: String,
    pub count: usize,
    /// The job's active instances, when the console knows them.
    pub active: Option<usize>,
}

impl Blast {
    /// What must be typed: the full key and the count, one line.
    pub fn phrase(&self) -> String {
        format!("{} {}", self.job, self.count)
    }

    /// The dialog's line saying why.
    pub fn warning(&self) -> String {
        // A Swarm service: its name is its key, its instances are tasks.
        if !self.job.contains('/') {
            return format!(
                "this covers {} of {}'s {} tasks: type its name and the count",
                self.count,
                self.job,
                self.active.unwrap_or(self.count)
            );
        }
        match self.active {
            Some(a) => format!(
                "this covers {} of {}'s {a} active instances: type its full key and the count",
                self.count, self.job
            ),
            None => format!(
                "this covers {} instances of {}: type its full key and the count",
                self.count, self.job
            ),
        }
    }
}

/// Large: more than half the job's active instances, or more than `LARGE_COUNT`.
fn large(count: usize, active: Option<usize>) -> bool {
    count > LARGE_COUNT || active.is_some_and(|a| count * 2 > a)
}

impl State {
    /// The job this operation hits hard, if any (kill, restart, rolling restart, scale-down —
    /// all of them kill or restart instances — and a drain of hosts that carry the instances).
    pub(super) fn blast(&self, op: &Operation) -> Option<Blast> {
        match op {
            Operation::Kill { job, instances, .. } | Operation::Restart { job, instances } => {
                let job = job.to_string();
                let active = self.active_instances(&job).map(|a| a.len());
                large(instances.len(), active).then_some(Blast {
                    job,
                    count: instances.len(),
                    active,
                })
            }
            Operation::KillJob { job, .. } => {
                let job = job.to_string();
                let active = self.active_instances(&job)?.len();
                Some(Blast {
                    job,
                    count: active,
                    active: Some(active),
                })
            }
            Operation::Maintenance {
                action: HostAction::Drain,
                hosts,
                ..
            } => self.drain_blast(hosts),
            // A Swarm service change that stops or replaces tasks: a forced restart, a
            // rollback and a spec update replace every replica, a scale-down stops some.
            Operation::SwarmService {
                service, replicas, ..
            } if op.destructive() => {
                let count = op.size();
                large(count, Some(*replicas)).then(|| Blast {
                    job: service.clone(),
                    count,
                    active: Some(*replicas),
                })
            }
            _ => None,
        }
    }

    /// The job a drain moves most of (by share of its active instances), if that is large.
    fn drain_blast(&self, hosts: &[String]) -> Option<Blast> {
        let tasks = |key: &ResourceKey| match self.data(key) {
            Some(Data::Tasks(t)) => Some(t),
            _ => None,
        };
        // The cluster's active tasks give each job's total; a single host's list is enough to
        // count what moves when that is all the console has.
        let all = tasks(&ResourceKey::ActiveTasks);
        let moving_from = all.or_else(|| {
            hosts
                .first()
                .and_then(|h| tasks(&ResourceKey::HostTasks(h.clone())))
        })?;
        let mut moved: std::collections::BTreeMap<String, usize> = Default::default();
        for t in moving_from
            .iter()
            .filter(|t| t.status().is_active() && hosts.iter().any(|h| h == t.host()))
        {
            if let Some(j) = t.job() {
                *moved.entry(j.to_string()).or_default() += 1;
            }
        }
        let active_of = |job: &str| {
            all.map(|a| {
                a.iter()
                    .filter(|t| t.status().is_active())
                    .filter(|t| t.job().is_some_and(|j| j.to_string() == job))
                    .count()
            })
        };
        moved
            .into_iter()
            .map(|(job, count)| {
                let active = active_of(&job);
                Blast { job, count, active }
            })
            .filter(|b| large(b.count, b.active))
            .max_by(|a, b| {
                let share = |x: &Blast| x.count as f64 / x.active.unwrap_or(x.count).max(1) as f64;
                share(a)
                    .partial_cmp(&share(b))
                    .unwrap_or(std::cmp::Ordering::Equal)
                    .then(a.count.cmp(&b.count))
            })
    }
}
