//! Agent hosts joined from the cluster's active tasks and its maintenance page: the hosts view
//! lists them and `eos get hosts` prints them.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::aurora::maintenance::MaintenanceHosts;
use crate::aurora::model::{MaintenanceMode, ScheduledTask};

/// One agent host as the hosts view shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HostSummary {
    pub host: String,
    /// `None` when the maintenance page could not be read.
    pub mode: Option<MaintenanceMode>,
    /// Active tasks placed on the host.
    pub tasks: usize,
    /// Distinct jobs of those tasks with their task counts, most tasks first.
    pub jobs: Vec<HostJob>,
    /// DRAINING hosts: the tasks still to move (from the maintenance page).
    pub tasks_to_move: Option<usize>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HostJob {
    pub job: String,
    pub tasks: usize,
}

/// Every host that has active tasks or is in maintenance, by name. A host with neither is
/// unknown to the scheduler's reads and does not appear.
pub fn host_summaries(
    tasks: &[ScheduledTask],
    maintenance: Option<&MaintenanceHosts>,
) -> Vec<HostSummary> {
    let mut by_host: BTreeMap<&str, BTreeMap<String, usize>> = BTreeMap::new();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for t in tasks {
        let host = t.host();
        if host.is_empty() || !t.status().is_active() {
            continue;
        }
        *counts.entry(host).or_default() += 1;
        let job = t.job().map(|j| j.to_string()).unwrap_or_default();
        *by_host.entry(host).or_default().entry(job).or_default() += 1;
    }
    let mut names: BTreeSet<&str> = counts.keys().copied().collect();
    if let Some(m) = maintenance {
        names.extend(m.hosts());
    }
    names
        .into_iter()
        .map(|host| {
            let mut jobs: Vec<HostJob> = by_host
                .get(host)
                .map(|j| {
                    j.iter()
                        .map(|(job, n)| HostJob {
                            job: job.clone(),
                            tasks: *n,
                        })
                        .collect()
                })
                .unwrap_or_default();
            jobs.sort_by(|a, b| b.tasks.cmp(&a.tasks).then_with(|| a.job.cmp(&b.job)));
            HostSummary {
                host: host.to_owned(),
                mode: maintenance.map(|m| m.mode(host)),
                tasks: counts.get(host).copied().unwrap_or(0),
                jobs,
                tasks_to_move: maintenance.and_then(|m| m.draining.get(host).map(Vec::len)),
            }
        })
        .collect()
}

/// The jobs of a host in a few words: the three with most tasks (`×n` when more than one),
/// then how many more.
pub fn jobs_text(jobs: &[HostJob]) -> String {
    let mut parts: Vec<String> = jobs
        .iter()
        .take(3)
        .map(|j| {
            if j.tasks > 1 {
                format!("{} ×{}", j.job, j.tasks)
            } else {
                j.job.clone()
            }
        })
        .collect();
    if jobs.len() > 3 {
        parts.push(format!("+{} more", jobs.len() - 3));
    }
    parts.join(", ")
}

/// A maintenance mode's name, `?` when the maintenance page could not be read.
pub fn mode_text(mode: Option<MaintenanceMode>) -> String {
    mode.map(|m| m.to_string()).unwrap_or_else(|| "?".into())
}
