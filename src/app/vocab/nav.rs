//! Places to go: what Enter on a row, a `:` command or a hot key opens, and the key shapes
//! they name. Vocabulary: imports nothing from `app/`.

/// A place to go: what Enter on a row, a `:` command or a hot key opens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Nav {
    Roles,
    Jobs(Option<String>),
    /// Tasks of a job (`role/env/name`).
    Tasks(String),
    Task(String),
    Config(String),
    Quota(String),
    /// Updates of a role (or all), optionally pre-filtered (e.g. by job key).
    Updates {
        role: Option<String>,
        filter: Option<String>,
    },
    /// One update, `role/env/name/id`; or `role/env/name`: that job's active (else latest)
    /// update, resolved once the role's updates are known.
    Update(String),
    Triage,
    /// Agent hosts with their tasks and maintenance mode.
    Hosts,
    /// The active tasks on one host.
    Host(String),
    /// The clusters of clusters.json, with their health.
    Clusters,
    /// A Docker Swarm's services (≈ jobs): its first screen.
    Services,
    /// One Swarm service's tasks.
    Service(String),
    /// A Swarm's nodes.
    Nodes,
    /// A Swarm service's rolling update (≈ Update), by service name: its UpdateStatus,
    /// settings, per-slot progress and spec diff.
    SwarmUpdate(String),
    /// One Swarm task in full, by task id.
    SwarmTask(String),
    /// What needs a human on a Swarm (≈ Triage).
    SwarmTriage,
    /// The Swarm services with an update in progress or finished (≈ Updates).
    SwarmUpdates,
    /// Switch to another cluster (not a view: the console reconnects).
    SwitchCluster(String),
}

/// `role/env/name` (a job) rather than `role/env/name/id` (an update).
pub fn is_job_key(key: &str) -> bool {
    key.split('/').count() == 3
}

/// Task ids are long (`<ts>-<role>-<env>-<job>-<instance>-<uuid>`); the instance and the start
/// of the uuid identify one on screen.
pub fn short_task_id(id: &str) -> String {
    let parts: Vec<&str> = id.rsplitn(6, '-').collect();
    if parts.len() == 6 {
        format!("{}-{}", parts[5].rsplit('-').next().unwrap_or(""), parts[4])
            .trim_start_matches('-')
            .to_owned()
    } else {
        id.chars().take(24).collect()
    }
}
