//! The screen stack's elements: a [`Screen`] is a view on the navigation stack with its own UI
//! state (its table, scroll, expanded rows); the data lives in the store. Opening one asks its
//! view for its table; each screen says what it polls, its keymap layer and its breadcrumb.

use super::views::{
    clusters, hosts, jobs, nodes, roles, services, swarm_tasks, swarm_triage, swarm_updates, tasks,
    triage, updates,
};
use super::vocab::nav::{Nav, is_job_key, short_task_id};
use super::vocab::resource::{PendingScope, ResourceKey};
use super::widgets::table::Table;
use crate::keymap::Layer;

/// A view on the stack with its own UI state; the data lives in the store.
#[derive(Debug)]
pub enum Screen {
    Roles {
        table: Table,
    },
    Jobs {
        role: Option<String>,
        table: Table,
    },
    Tasks {
        job: String,
        history: bool,
        table: Table,
    },
    Task {
        id: String,
        scroll: usize,
    },
    Config {
        job: String,
        scroll: usize,
    },
    Quota {
        role: String,
    },
    Updates {
        role: Option<String>,
        table: Table,
        /// The active updates in the list, whose details give the progress column.
        active: Vec<String>,
    },
    Update {
        /// An update key, or a job key until its update is known (see [`Nav::Update`]).
        key: String,
        scroll: usize,
    },
    Triage {
        table: Table,
        /// The group rows (pending instances of a job, for one reason) that are expanded.
        expanded: std::collections::BTreeSet<String>,
        /// Jobs that crash-loop: their task history says why (see `triage.rs`).
        crashloops: Vec<String>,
    },
    Hosts {
        table: Table,
    },
    Host {
        host: String,
        table: Table,
    },
    Clusters {
        table: Table,
    },
    /// A Docker Swarm's services.
    Services {
        table: Table,
    },
    /// One Swarm service's tasks; `history`: every retained task, not only the current.
    SwarmTasks {
        service: String,
        history: bool,
        table: Table,
    },
    /// A Swarm's nodes.
    Nodes {
        table: Table,
    },
    /// A Swarm service's rolling update.
    SwarmUpdate {
        service: String,
        scroll: usize,
    },
    /// One Swarm task in full.
    SwarmTask {
        id: String,
        scroll: usize,
    },
    /// What needs a human on a Swarm.
    SwarmTriage {
        table: Table,
    },
    /// The Swarm services with an update.
    SwarmUpdates {
        table: Table,
    },
}

impl Screen {
    pub fn open(nav: &Nav) -> Screen {
        match nav {
            Nav::Roles => Screen::Roles {
                table: roles::roles_table(),
            },
            Nav::Jobs(role) => Screen::Jobs {
                role: role.clone(),
                table: jobs::jobs_table(),
            },
            Nav::Tasks(job) => Screen::Tasks {
                job: job.clone(),
                history: false,
                table: tasks::tasks_table(),
            },
            Nav::Task(id) => Screen::Task {
                id: id.clone(),
                scroll: 0,
            },
            Nav::Config(job) => Screen::Config {
                job: job.clone(),
                scroll: 0,
            },
            Nav::Quota(role) => Screen::Quota { role: role.clone() },
            Nav::Updates { role, filter } => {
                let mut table = updates::updates_table();
                if let Some(f) = filter {
                    let _ = table.set_filter(f);
                }
                Screen::Updates {
                    role: role.clone(),
                    table,
                    active: Vec::new(),
                }
            }
            Nav::Update(key) => Screen::Update {
                key: key.clone(),
                scroll: 0,
            },
            Nav::Triage => Screen::Triage {
                table: triage::triage_table(),
                expanded: Default::default(),
                crashloops: Vec::new(),
            },
            Nav::Hosts => Screen::Hosts {
                table: hosts::hosts_table(),
            },
            Nav::Host(host) => Screen::Host {
                host: host.clone(),
                table: hosts::host_tasks_table(),
            },
            Nav::Clusters => Screen::Clusters {
                table: clusters::clusters_table(),
            },
            Nav::Services => Screen::Services {
                table: services::services_table(),
            },
            Nav::Service(service) => Screen::SwarmTasks {
                service: service.clone(),
                history: false,
                table: swarm_tasks::swarm_tasks_table(),
            },
            Nav::Nodes => Screen::Nodes {
                table: nodes::nodes_table(),
            },
            Nav::SwarmUpdate(service) => Screen::SwarmUpdate {
                service: service.clone(),
                scroll: 0,
            },
            Nav::SwarmTask(id) => Screen::SwarmTask {
                id: id.clone(),
                scroll: 0,
            },
            Nav::SwarmTriage => Screen::SwarmTriage {
                table: swarm_triage::swarm_triage_table(),
            },
            Nav::SwarmUpdates => Screen::SwarmUpdates {
                table: swarm_updates::swarm_updates_table(),
            },
            // Handled by `State::open` before a screen is made; the roles view stands in.
            Nav::SwitchCluster(_) => Screen::Roles {
                table: roles::roles_table(),
            },
        }
    }

    /// What this screen shows, i.e. what to poll while it is visible.
    pub fn resources(&self) -> Vec<ResourceKey> {
        match self {
            Screen::Roles { .. } => vec![ResourceKey::Roles],
            Screen::Jobs { role, .. } => vec![
                ResourceKey::Jobs(role.clone()),
                ResourceKey::Updates(role.clone()),
            ],
            Screen::Tasks { job, history, .. } => vec![
                ResourceKey::Tasks {
                    job: job.clone(),
                    history: *history,
                },
                ResourceKey::PendingReasons(PendingScope::Job(job.clone())),
                ResourceKey::Updates(job.split('/').next().map(str::to_owned)),
            ],
            Screen::Task { id, .. } => vec![
                ResourceKey::Task(id.clone()),
                ResourceKey::PendingReasons(PendingScope::Task(id.clone())),
            ],
            Screen::Config { job, .. } => vec![ResourceKey::Config(job.clone())],
            Screen::Quota { role } => vec![ResourceKey::Quota(role.clone())],
            Screen::Updates { role, active, .. } => {
                let mut v = vec![ResourceKey::Updates(role.clone())];
                v.extend(active.iter().cloned().map(ResourceKey::UpdateDetails));
                v
            }
            // A job's update: the role's updates say which one it is.
            Screen::Update { key, .. } if is_job_key(key) => vec![ResourceKey::Updates(
                key.split('/').next().map(str::to_owned),
            )],
            Screen::Update { key, .. } => vec![ResourceKey::UpdateDetails(key.clone())],
            Screen::Triage { crashloops, .. } => {
                let mut v = vec![
                    ResourceKey::StuckTasks,
                    ResourceKey::PendingReasons(PendingScope::All),
                    ResourceKey::Jobs(None),
                    ResourceKey::Updates(None),
                ];
                v.extend(crashloops.iter().map(|job| ResourceKey::Tasks {
                    job: job.clone(),
                    history: true,
                }));
                v
            }
            Screen::Hosts { .. } => vec![ResourceKey::ActiveTasks, ResourceKey::Maintenance],
            Screen::Host { host, .. } => {
                vec![
                    ResourceKey::HostTasks(host.clone()),
                    ResourceKey::Maintenance,
                ]
            }
            Screen::Clusters { .. } => vec![ResourceKey::Clusters],
            Screen::Services { .. } => vec![ResourceKey::SwarmServices],
            Screen::SwarmTasks { service, .. } => vec![ResourceKey::SwarmTasks(service.clone())],
            Screen::Nodes { .. } => vec![ResourceKey::SwarmNodes],
            Screen::SwarmUpdate { service, .. } => vec![ResourceKey::SwarmUpdate(service.clone())],
            Screen::SwarmTask { id, .. } => vec![ResourceKey::SwarmTask(id.clone())],
            Screen::SwarmTriage { .. } => vec![ResourceKey::SwarmTriage],
            Screen::SwarmUpdates { .. } => vec![ResourceKey::SwarmUpdates],
        }
    }

    /// The resource whose age the header shows.
    pub fn primary(&self) -> ResourceKey {
        self.resources().remove(0)
    }

    pub fn layer(&self) -> Layer {
        match self {
            Screen::Roles { .. } => Layer::Roles,
            Screen::Jobs { .. } => Layer::Jobs,
            Screen::Tasks { .. } => Layer::Tasks,
            Screen::Task { .. } => Layer::Task,
            Screen::Config { .. } => Layer::Config,
            Screen::Quota { .. } => Layer::Quota,
            Screen::Updates { .. } => Layer::Updates,
            Screen::Update { .. } => Layer::Update,
            Screen::Triage { .. } => Layer::Triage,
            Screen::Hosts { .. } => Layer::Hosts,
            Screen::Host { .. } => Layer::Host,
            Screen::Clusters { .. } => Layer::Clusters,
            // The services view takes the jobs view's keys (it is the same place), and a
            // service's tasks the tasks view's, each under a few of its own (`Layer::chain`).
            Screen::Services { .. } => Layer::Services,
            Screen::SwarmTasks { .. } => Layer::Service,
            Screen::Nodes { .. } => Layer::Hosts,
            Screen::SwarmUpdate { .. } => Layer::Update,
            Screen::SwarmTask { .. } => Layer::Task,
            Screen::SwarmTriage { .. } => Layer::Triage,
            Screen::SwarmUpdates { .. } => Layer::Updates,
        }
    }

    /// Keymap layers to try, most specific first.
    pub fn layers(&self) -> Vec<Layer> {
        if matches!(self, Screen::Services { .. } | Screen::SwarmTasks { .. }) {
            return self.layer().chain();
        }
        let mut l = vec![self.layer()];
        if self.table().is_some() {
            l.push(Layer::List);
        }
        l.push(Layer::Global);
        l
    }

    pub fn table(&self) -> Option<&Table> {
        match self {
            Screen::Roles { table }
            | Screen::Jobs { table, .. }
            | Screen::Tasks { table, .. }
            | Screen::Updates { table, .. }
            | Screen::Triage { table, .. }
            | Screen::Hosts { table }
            | Screen::Host { table, .. }
            | Screen::Clusters { table }
            | Screen::Services { table }
            | Screen::SwarmTasks { table, .. }
            | Screen::Nodes { table }
            | Screen::SwarmTriage { table }
            | Screen::SwarmUpdates { table } => Some(table),
            _ => None,
        }
    }

    pub fn table_mut(&mut self) -> Option<&mut Table> {
        match self {
            Screen::Roles { table }
            | Screen::Jobs { table, .. }
            | Screen::Tasks { table, .. }
            | Screen::Updates { table, .. }
            | Screen::Triage { table, .. }
            | Screen::Hosts { table }
            | Screen::Host { table, .. }
            | Screen::Clusters { table }
            | Screen::Services { table }
            | Screen::SwarmTasks { table, .. }
            | Screen::Nodes { table }
            | Screen::SwarmTriage { table }
            | Screen::SwarmUpdates { table } => Some(table),
            _ => None,
        }
    }

    pub fn scroll_mut(&mut self) -> Option<&mut usize> {
        match self {
            Screen::Task { scroll, .. }
            | Screen::Config { scroll, .. }
            | Screen::Update { scroll, .. }
            | Screen::SwarmUpdate { scroll, .. }
            | Screen::SwarmTask { scroll, .. } => Some(scroll),
            _ => None,
        }
    }

    /// This screen's part of the breadcrumbs.
    pub fn crumb(&self) -> String {
        match self {
            Screen::Roles { .. } => "roles".into(),
            Screen::Jobs { role: Some(r), .. } => r.clone(),
            Screen::Jobs { role: None, .. } => "all jobs".into(),
            // The whole key: an environment and name mean little without their role.
            Screen::Tasks { job, history, .. } => {
                if *history {
                    format!("{job} (with history)")
                } else {
                    job.clone()
                }
            }
            Screen::Task { id, .. } => format!("task {}", short_task_id(id)),
            Screen::Config { job, .. } => format!("config of {job}"),
            Screen::Quota { role } => format!("quota {role}"),
            Screen::Updates { role: Some(r), .. } => format!("updates of {r}"),
            Screen::Updates { role: None, .. } => "updates".into(),
            Screen::Update { key, .. } if is_job_key(key) => format!("update of {key}"),
            Screen::Update { key, .. } => {
                format!("update {}", key.rsplit('/').next().unwrap_or(key))
            }
            Screen::Triage { .. } => "triage".into(),
            Screen::Hosts { .. } => "hosts".into(),
            Screen::Host { host, .. } => {
                format!("host {}", host.split('.').next().unwrap_or(host))
            }
            Screen::Clusters { .. } => "clusters".into(),
            Screen::Services { .. } => "services".into(),
            Screen::SwarmTasks {
                service, history, ..
            } => {
                if *history {
                    format!("{service} (with history)")
                } else {
                    service.clone()
                }
            }
            Screen::Nodes { .. } => "nodes".into(),
            Screen::SwarmUpdate { service, .. } => format!("update of {service}"),
            Screen::SwarmTask { id, .. } => {
                format!("task {}", id.chars().take(12).collect::<String>())
            }
            Screen::SwarmTriage { .. } => "triage".into(),
            Screen::SwarmUpdates { .. } => "updates".into(),
        }
    }

    /// The role this screen is about, if any (for `%` quota and `:jobs` without arguments).
    pub fn role(&self) -> Option<String> {
        match self {
            Screen::Jobs { role, .. } | Screen::Updates { role, .. } => role.clone(),
            Screen::Tasks { job, .. } | Screen::Config { job, .. } => {
                job.split('/').next().map(str::to_owned)
            }
            Screen::Quota { role } => Some(role.clone()),
            Screen::Update { key, .. } => key.split('/').next().map(str::to_owned),
            _ => None,
        }
    }

    /// The job this screen is about, if any.
    pub fn job(&self) -> Option<String> {
        match self {
            Screen::Tasks { job, .. } | Screen::Config { job, .. } => Some(job.clone()),
            Screen::Update { key, .. } if is_job_key(key) => Some(key.clone()),
            Screen::Update { key, .. } => key.rsplit_once('/').map(|(j, _)| j.to_owned()),
            _ => None,
        }
    }
}

/// Fits breadcrumbs into `room` columns (separators ` › ` included) by dropping crumbs from the
/// middle, never the first (the cluster) or the last (the view you are in): the oldest middle
/// crumbs go first and one `…` stands for them. When even the first and last do not fit, the
/// first goes too, then the last is cut from its left (its end names the thing).
pub fn fit_crumbs(crumbs: &[String], room: usize) -> Vec<String> {
    let width = |v: &[String]| -> usize {
        v.iter().map(|c| c.chars().count()).sum::<usize>() + 3 * v.len().saturating_sub(1)
    };
    if crumbs.len() <= 1 || width(crumbs) <= room {
        return crumbs.to_vec();
    }
    let first = crumbs[0].clone();
    let last = crumbs[crumbs.len() - 1].clone();
    let mut middle: Vec<String> = crumbs[1..crumbs.len() - 1].to_vec();
    while !middle.is_empty() {
        middle.remove(0);
        let mut v = vec![first.clone(), "…".to_owned()];
        v.extend(middle.iter().cloned());
        v.push(last.clone());
        if width(&v) <= room {
            return v;
        }
    }
    let v = vec!["…".to_owned(), last.clone()];
    if width(&v) <= room {
        return v;
    }
    // Only the current view is left, and it is too long: keep its end.
    let n = last.chars().count();
    let keep = room.saturating_sub(1).min(n);
    let tail: String = last.chars().skip(n - keep).collect();
    vec![format!("…{tail}")]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn crumbs_lose_their_middle_never_their_tail() {
        let c = v(&[
            "devcluster",
            "updates",
            "update 6f3534ea",
            "www-data/prod/api",
            "triage",
        ]);
        assert_eq!(fit_crumbs(&c, 200), c);
        assert_eq!(
            fit_crumbs(&c, 50),
            v(&["devcluster", "…", "www-data/prod/api", "triage"])
        );
        assert_eq!(fit_crumbs(&c, 25), v(&["devcluster", "…", "triage"]));
        assert_eq!(fit_crumbs(&c, 12), v(&["…", "triage"]));
        assert_eq!(fit_crumbs(&c, 4), v(&["…age"]));
        assert_eq!(fit_crumbs(&v(&["devcluster"]), 3), v(&["devcluster"]));
    }
}
