//! Mutations: what exactly will be sent, described for the confirmation dialog and the audit log.

use crate::aurora::model::*;
use crate::swarm::write::{Availability, ServiceChange, SwarmWrite};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    Pause,
    Resume,
    Abort,
    Rollback,
}

impl Control {
    pub fn method(self) -> &'static str {
        match self {
            Control::Pause => "pauseJobUpdate",
            Control::Resume => "resumeJobUpdate",
            Control::Abort => "abortJobUpdate",
            Control::Rollback => "rollbackJobUpdate",
        }
    }
    pub fn verb(self) -> &'static str {
        match self {
            Control::Pause => "Pause",
            Control::Resume => "Resume",
            Control::Abort => "Abort",
            Control::Rollback => "Roll back",
        }
    }
}

/// A maintenance call on agent hosts (AuroraAdmin; needs an admin).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostAction {
    /// startMaintenance: SCHEDULED, the scheduler avoids placing new tasks there.
    Start,
    /// drainHosts: DRAINING, the active tasks are killed and rescheduled elsewhere; DRAINED
    /// once the host is empty.
    Drain,
    /// endMaintenance: back to NONE.
    End,
}

impl HostAction {
    pub fn method(self) -> &'static str {
        match self {
            HostAction::Start => "startMaintenance",
            HostAction::Drain => "drainHosts",
            HostAction::End => "endMaintenance",
        }
    }
}

/// `1 host`, `3 hosts`.
pub fn hosts_text(n: usize) -> String {
    if n == 1 {
        "1 host".to_owned()
    } else {
        format!("{n} hosts")
    }
}

/// One mutating API call, fully specified.
#[derive(Clone, Debug, PartialEq)]
pub enum Operation {
    Kill {
        job: JobKey,
        instances: Vec<i32>,
        message: Option<String>,
    },
    /// Every active instance: only from `:kill-job`, with the job key typed.
    KillJob {
        job: JobKey,
        message: Option<String>,
    },
    Restart {
        job: JobKey,
        instances: Vec<i32>,
    },
    AddInstances {
        job: JobKey,
        template: i32,
        count: i32,
    },
    Control {
        key: JobUpdateKey,
        control: Control,
        message: Option<String>,
    },
    Pulse {
        key: JobUpdateKey,
    },
    StartUpdate {
        request: Box<JobUpdateRequest>,
        message: Option<String>,
    },
    CronStart {
        job: JobKey,
    },
    /// startMaintenance / drainHosts / endMaintenance on these hosts. `tasks` is how many
    /// active tasks the console saw on them (for the confirmation; not sent).
    Maintenance {
        action: HostAction,
        hosts: Vec<String>,
        tasks: usize,
    },
    /// A Docker Swarm service change, `POST /services/{id}/update` with the version read
    /// (`swarm::write`). `replicas`: the tasks the console saw (a scale moves from this count;
    /// a restart, rollback or spec update replaces each of them). Not sent.
    SwarmService {
        service: String,
        change: ServiceChange,
        replicas: usize,
    },
    /// A Swarm node's availability, `POST /nodes/{id}/update`: `node` is the id sent,
    /// `hostname` what the operator reads and types; `tasks` how many the console saw on it
    /// (a drain moves them). Not sent.
    SwarmNode {
        node: String,
        hostname: String,
        availability: Availability,
        tasks: usize,
    },
}

impl Operation {
    pub fn method(&self) -> &'static str {
        match self {
            Operation::Kill { .. } | Operation::KillJob { .. } => "killTasks",
            Operation::Restart { .. } => "restartShards",
            Operation::AddInstances { .. } => "addInstances",
            Operation::Control { control, .. } => control.method(),
            Operation::Pulse { .. } => "pulseJobUpdate",
            Operation::StartUpdate { .. } => "startJobUpdate",
            Operation::CronStart { .. } => "startCronJob",
            Operation::Maintenance { action, .. } => action.method(),
            Operation::SwarmService { .. } => "POST /services/{id}/update",
            Operation::SwarmNode { .. } => "POST /nodes/{id}/update",
        }
    }

    /// The Swarm write this operation is, if it is one (what `swarm::write::apply` sends).
    pub fn swarm_write(&self) -> Option<SwarmWrite> {
        match self {
            Operation::SwarmService {
                service, change, ..
            } => Some(SwarmWrite::Service {
                service: service.clone(),
                change: change.clone(),
            }),
            Operation::SwarmNode {
                node, availability, ..
            } => Some(SwarmWrite::Node {
                node: node.clone(),
                availability: *availability,
            }),
            _ => None,
        }
    }

    /// What a result line names: the call for Aurora (`killTasks`), the intended change on a
    /// Swarm (`scale web to 3`), whose method is the same for every service change.
    pub fn outcome_label(&self) -> String {
        match self {
            Operation::SwarmNode {
                hostname,
                availability,
                ..
            } => format!("set node {hostname} to {}", availability.label()),
            _ => match self.swarm_write() {
                Some(w) => w.describe(),
                None => self.method().to_owned(),
            },
        }
    }

    /// What a typed confirmation asks for: the job's name, or the host's first label
    /// (`agent-0002` of `agent-0002.dc.example.com`), or `N hosts`.
    pub fn typed_name(&self) -> String {
        match self {
            Operation::Maintenance { hosts, .. } if hosts.len() == 1 => {
                hosts[0].split('.').next().unwrap_or(&hosts[0]).to_owned()
            }
            Operation::Maintenance { hosts, .. } => hosts_text(hosts.len()),
            Operation::SwarmNode { hostname, .. } => {
                hostname.split('.').next().unwrap_or(hostname).to_owned()
            }
            _ => self.job().rsplit('/').next().unwrap_or("").to_owned(),
        }
    }

    /// What it acts on, for messages: the job, or the host(s).
    pub fn subject(&self) -> String {
        match self {
            Operation::Maintenance { hosts, .. } if hosts.len() == 1 => hosts[0].clone(),
            Operation::Maintenance { hosts, .. } => hosts_text(hosts.len()),
            Operation::SwarmNode { hostname, .. } => format!("node {hostname}"),
            _ => self.job(),
        }
    }

    pub fn job(&self) -> String {
        match self {
            Operation::Kill { job, .. }
            | Operation::KillJob { job, .. }
            | Operation::Restart { job, .. }
            | Operation::AddInstances { job, .. }
            | Operation::CronStart { job } => job.to_string(),
            Operation::Control { key, .. } | Operation::Pulse { key } => {
                key.job.as_ref().map(|j| j.to_string()).unwrap_or_default()
            }
            Operation::StartUpdate { request, .. } => request
                .task_config
                .as_ref()
                .and_then(|c| c.job.as_ref())
                .map(|j| j.to_string())
                .unwrap_or_default(),
            Operation::Maintenance { .. } | Operation::SwarmNode { .. } => String::new(),
            // A service's name is its key.
            Operation::SwarmService { service, .. } => service.clone(),
        }
    }

    /// The button label and dialog title.
    pub fn verb(&self) -> String {
        let n = |v: &[i32]| {
            if v.len() == 1 {
                "1 instance".to_owned()
            } else {
                format!("{} instances", v.len())
            }
        };
        match self {
            Operation::Kill { instances, .. } => format!("Kill {}", n(instances)),
            Operation::KillJob { .. } => "Kill the whole job".into(),
            Operation::Restart { instances, .. } => format!("Restart {}", n(instances)),
            Operation::AddInstances { count, .. } => {
                format!("Add {count} instance{}", if *count == 1 { "" } else { "s" })
            }
            Operation::Control { control, .. } => format!("{} update", control.verb()),
            Operation::Pulse { .. } => "Pulse update".into(),
            Operation::StartUpdate { .. } => "Start update".into(),
            Operation::CronStart { .. } => "Run cron job now".into(),
            Operation::Maintenance { action, hosts, .. } => {
                let n = hosts_text(hosts.len());
                match action {
                    HostAction::Start => format!("Start maintenance on {n}"),
                    HostAction::Drain => format!("Drain {n}"),
                    HostAction::End => format!("End maintenance on {n}"),
                }
            }
            Operation::SwarmService {
                change, replicas, ..
            } => match change {
                ServiceChange::Scale(n) => format!("Scale to {n}"),
                ServiceChange::Restart => format!("Restart all {}", tasks_text(*replicas)),
                ServiceChange::Rollback => "Roll back the service".into(),
                ServiceChange::Spec { .. } => "Update the service".into(),
            },
            Operation::SwarmNode { availability, .. } => match availability {
                Availability::Drain => "Drain the node".into(),
                Availability::Pause => "Pause the node".into(),
                Availability::Active => "Activate the node".into(),
            },
        }
    }

    /// Whether it stops or replaces running work.
    pub fn destructive(&self) -> bool {
        matches!(
            self,
            Operation::Kill { .. }
                | Operation::KillJob { .. }
                | Operation::Restart { .. }
                | Operation::Control {
                    control: Control::Abort | Control::Rollback,
                    ..
                }
                | Operation::StartUpdate { .. }
                | Operation::Maintenance {
                    action: HostAction::Drain,
                    ..
                }
                | Operation::SwarmService {
                    change: ServiceChange::Restart
                        | ServiceChange::Rollback
                        | ServiceChange::Spec { .. },
                    ..
                }
                | Operation::SwarmNode {
                    availability: Availability::Drain,
                    ..
                }
        ) || self.scales_down()
    }

    /// A Swarm scale to fewer replicas than the console saw (it stops tasks).
    fn scales_down(&self) -> bool {
        matches!(self, Operation::SwarmService { change: ServiceChange::Scale(n), replicas, .. }
            if (*n as u128) < *replicas as u128)
    }

    /// How many instances it touches (for the "more than a handful" rule); unknown = many.
    pub fn size(&self) -> usize {
        match self {
            Operation::Kill { instances, .. } | Operation::Restart { instances, .. } => {
                instances.len()
            }
            Operation::KillJob { .. } | Operation::StartUpdate { .. } => usize::MAX,
            Operation::AddInstances { count, .. } => *count as usize,
            Operation::Control { .. } | Operation::Pulse { .. } | Operation::CronStart { .. } => 1,
            // A drain moves every task on the hosts.
            Operation::Maintenance {
                action: HostAction::Drain,
                tasks,
                hosts,
            } => (*tasks).max(hosts.len()),
            Operation::Maintenance { hosts, .. } => hosts.len(),
            // The replicas started or stopped.
            Operation::SwarmService {
                change: ServiceChange::Scale(n),
                replicas,
                ..
            } => usize::try_from(*n)
                .unwrap_or(usize::MAX)
                .abs_diff(*replicas),
            // Swarm cannot restart one task: every replica is replaced (at least the one).
            Operation::SwarmService { replicas, .. } => (*replicas).max(1),
            Operation::SwarmNode {
                availability: Availability::Drain,
                tasks,
                ..
            } => (*tasks).max(1),
            Operation::SwarmNode { .. } => 1,
        }
    }

    /// Whether the dialog offers a message field (sent with the call and recorded by Aurora).
    pub fn takes_message(&self) -> bool {
        matches!(
            self,
            Operation::Kill { .. }
                | Operation::KillJob { .. }
                | Operation::Control { .. }
                | Operation::StartUpdate { .. }
        )
    }

    pub fn set_message(&mut self, m: Option<String>) {
        match self {
            Operation::Kill { message, .. }
            | Operation::KillJob { message, .. }
            | Operation::Control { message, .. }
            | Operation::StartUpdate { message, .. } => *message = m,
            _ => {}
        }
    }

    /// Exactly what will be sent, line by line, for the dialog.
    pub fn describe(&self) -> Vec<(String, String)> {
        if let Some(lines) = self.describe_swarm() {
            return lines;
        }
        let mut out = vec![("method".to_owned(), self.method().to_owned())];
        let job = self.job();
        if !job.is_empty() {
            out.push(("job".into(), job));
        }
        match self {
            Operation::Kill { instances, .. } | Operation::Restart { instances, .. } => {
                out.push((
                    "instances".into(),
                    format!(
                        "{} ({} in all)",
                        format_ranges(&ranges_of(instances.iter().copied())),
                        instances.len()
                    ),
                ));
            }
            Operation::KillJob { .. } => {
                out.push(("instances".into(), "ALL active instances".into()))
            }
            Operation::AddInstances {
                template, count, ..
            } => {
                out.push(("count".into(), count.to_string()));
                out.push((
                    "config".into(),
                    format!("copied from active instance {template}"),
                ));
            }
            Operation::Control { key, .. } | Operation::Pulse { key } => {
                out.push(("update".into(), key.id.clone().unwrap_or_default()));
            }
            Operation::StartUpdate { request, .. } => {
                out.push((
                    "instance count".into(),
                    request.instance_count.unwrap_or(0).to_string(),
                ));
                let s = request.settings.clone().unwrap_or_default();
                out.push((
                    "settings".into(),
                    format!(
                        "batch {} · max failures {}/instance, {} total · watch {}s · rollback on failure {}",
                        s.update_group_size.unwrap_or(1),
                        s.max_per_instance_failures.unwrap_or(0),
                        s.max_failed_instances.unwrap_or(0),
                        s.min_wait_in_instance_running_ms.unwrap_or(0) / 1000,
                        s.rollback_on_failure.unwrap_or(false)
                    ),
                ));
            }
            Operation::CronStart { .. } => {}
            Operation::SwarmService { .. } | Operation::SwarmNode { .. } => {}
            Operation::Maintenance {
                action,
                hosts,
                tasks,
            } => {
                let n = hosts.len();
                out.push((
                    "hosts".into(),
                    if n <= 3 {
                        format!("{} ({n} in all)", hosts.join(", "))
                    } else {
                        format!("{}, … ({n} in all)", hosts[..3].join(", "))
                    },
                ));
                let (their, tasks_text) = (
                    if n == 1 { "its" } else { "their" },
                    if *tasks == 1 {
                        "1 active task".to_owned()
                    } else {
                        format!("{tasks} active tasks")
                    },
                );
                let verb = self.verb().to_lowercase();
                out.push((
                    "effect".into(),
                    match action {
                        HostAction::Start => format!(
                            "{verb}: mode SCHEDULED, new tasks avoid {}; {their} {tasks_text} keep running",
                            if n == 1 { "it" } else { "them" }
                        ),
                        HostAction::Drain if *tasks == 0 => format!(
                            "{verb}: no active tasks on {}; DRAINED at once",
                            if n == 1 { "it" } else { "them" }
                        ),
                        HostAction::Drain => format!(
                            "{verb}: {their} {tasks_text} will be killed and rescheduled elsewhere; DRAINED when empty"
                        ),
                        HostAction::End => format!(
                            "{verb}: mode NONE, {} take{} new tasks again",
                            if n == 1 { "it" } else { "they" },
                            if n == 1 { "s" } else { "" }
                        ),
                    },
                ));
            }
        }
        out
    }

    /// A Swarm write's lines for the dialog: the Engine call, what it acts on, the change and
    /// what the operator will see happen (Swarm cannot restart one task: say so).
    fn describe_swarm(&self) -> Option<Vec<(String, String)>> {
        let mut out = vec![("method".to_owned(), self.method().to_owned())];
        match self {
            Operation::SwarmService {
                service,
                change,
                replicas,
            } => {
                out.push(("service".into(), service.clone()));
                let every = tasks_text(*replicas);
                match change {
                    ServiceChange::Scale(n) => {
                        out.push(("replicas".into(), format!("{replicas} → {n}")));
                        let d = self.size();
                        out.push((
                            "effect".into(),
                            if self.scales_down() {
                                format!("{} stopped and removed", tasks_text(d))
                            } else {
                                format!("{} started", tasks_text(d))
                            },
                        ));
                    }
                    ServiceChange::Restart => {
                        out.push((
                            "change".into(),
                            "TaskTemplate.ForceUpdate + 1 (a forced update)".into(),
                        ));
                        out.push((
                            "effect".into(),
                            format!(
                                "Swarm cannot restart one task: the forced update replaces every replica, {every}, as its update settings say (parallelism, delay)"
                            ),
                        ));
                    }
                    ServiceChange::Rollback => {
                        out.push(("query".into(), "rollback=previous".into()));
                        out.push((
                            "effect".into(),
                            format!(
                                "back to the previous spec (PreviousSpec): {every} replaced as its rollback settings say"
                            ),
                        ));
                    }
                    ServiceChange::Spec { .. } => {
                        out.push(("change".into(), "the edited spec (its diff below)".into()));
                        out.push((
                            "effect".into(),
                            format!("a rolling update of {every}, as its update settings say"),
                        ));
                    }
                }
            }
            Operation::SwarmNode {
                node,
                hostname,
                availability,
                tasks,
            } => {
                let short: String = node.chars().take(12).collect();
                out.push(("node".into(), format!("{hostname} ({short})")));
                out.push(("availability".into(), availability.label().to_owned()));
                let theirs = tasks_text(*tasks);
                out.push((
                    "effect".into(),
                    match availability {
                        Availability::Drain if *tasks == 0 => {
                            "no tasks on it; it takes no new ones until activated".into()
                        }
                        Availability::Drain => format!(
                            "its {theirs} will be stopped and rescheduled on other nodes; it takes no new ones until activated"
                        ),
                        Availability::Pause => {
                            format!("new tasks avoid it; its {theirs} keep running")
                        }
                        Availability::Active => "it takes new tasks again".into(),
                    },
                ));
            }
            _ => return None,
        }
        Some(out)
    }

    /// The call's arguments as JSON, for the audit log (never credentials).
    pub fn args_json(&self) -> serde_json::Value {
        use serde_json::json;
        if let Some(w) = self.swarm_write() {
            return w.args_json();
        }
        match self {
            Operation::Kill {
                job,
                instances,
                message,
            } => {
                json!({"job": job, "instances": instances, "message": message})
            }
            Operation::KillJob { job, message } => {
                json!({"job": job, "instances": null, "message": message})
            }
            Operation::Restart { job, instances } => json!({"job": job, "shardIds": instances}),
            Operation::AddInstances {
                job,
                template,
                count,
            } => {
                json!({"key": {"jobKey": job, "instanceId": template}, "count": count})
            }
            Operation::Control { key, message, .. } => json!({"key": key, "message": message}),
            Operation::Pulse { key } => json!({"key": key}),
            Operation::StartUpdate { request, message } => {
                json!({"request": request, "message": message})
            }
            Operation::CronStart { job } => json!({"job": job}),
            Operation::Maintenance { hosts, .. } => json!({"hosts": {"hostNames": hosts}}),
            // Answered by the write above.
            Operation::SwarmService { .. } | Operation::SwarmNode { .. } => json!(null),
        }
    }

    pub fn message(&self) -> Option<&str> {
        match self {
            Operation::Kill { message, .. }
            | Operation::KillJob { message, .. }
            | Operation::Control { message, .. }
            | Operation::StartUpdate { message, .. } => message.as_deref(),
            _ => None,
        }
    }
}

/// `1 task`, `3 tasks`.
pub fn tasks_text(n: usize) -> String {
    if n == 1 {
        "1 task".to_owned()
    } else {
        format!("{n} tasks")
    }
}

/// The plan to bring a job to `target` active instances: add copies of one active instance's
/// config, or kill the highest instance ids. `active` must be the job's active instance ids.
pub fn scale_plan(job: &JobKey, active: &[i32], target: i32) -> Result<Operation, String> {
    if target < 0 {
        return Err("the instance count cannot be negative".into());
    }
    let mut ids = active.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let now = ids.len() as i32;
    if target == now {
        return Err(format!("{job} already has {now} active instances"));
    }
    if target > now {
        let template = *ids
            .last()
            .ok_or("no active instance to copy the config from; use an update instead")?;
        if target > 4000 {
            return Err("Aurora allows at most 4,000 instances per job".into());
        }
        return Ok(Operation::AddInstances {
            job: job.clone(),
            template,
            count: target - now,
        });
    }
    if target == 0 {
        return Err("scaling to 0 kills the whole job: use :kill-job".into());
    }
    let doomed: Vec<i32> = ids[target as usize..].to_vec();
    Ok(Operation::Kill {
        job: job.clone(),
        instances: doomed,
        message: Some(format!("scaled down from {now} to {target} instances")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_plans_add_from_the_highest_or_kill_the_highest() {
        let job = JobKey::new("r", "e", "n");
        assert_eq!(
            scale_plan(&job, &[0, 1, 2], 5).unwrap(),
            Operation::AddInstances {
                job: job.clone(),
                template: 2,
                count: 2
            }
        );
        match scale_plan(&job, &[0, 2, 5, 9], 2).unwrap() {
            Operation::Kill { instances, .. } => assert_eq!(instances, vec![5, 9]),
            other => panic!("{other:?}"),
        }
        assert!(
            scale_plan(&job, &[0, 1], 2)
                .unwrap_err()
                .contains("already")
        );
        assert!(
            scale_plan(&job, &[0, 1], 0)
                .unwrap_err()
                .contains(":kill-job")
        );
        assert!(scale_plan(&job, &[], 3).is_err());
        assert!(scale_plan(&job, &[0], 5000).is_err());
    }

    #[test]
    fn descriptions_say_exactly_what_is_sent() {
        let op = Operation::Kill {
            job: JobKey::new("www-data", "prod", "hello"),
            instances: vec![0, 1, 2, 3, 7],
            message: Some("bye".into()),
        };
        assert_eq!(op.verb(), "Kill 5 instances");
        assert_eq!(
            op.describe(),
            vec![
                ("method".into(), "killTasks".into()),
                ("job".into(), "www-data/prod/hello".into()),
                ("instances".into(), "0-3,7 (5 in all)".into()),
            ]
        );
        assert_eq!(
            op.args_json()["instances"],
            serde_json::json!([0, 1, 2, 3, 7])
        );
    }

    fn service(change: ServiceChange, replicas: usize) -> Operation {
        Operation::SwarmService {
            service: "web".into(),
            change,
            replicas,
        }
    }

    fn node(availability: Availability, tasks: usize) -> Operation {
        Operation::SwarmNode {
            node: "abcdef0123456789".into(),
            hostname: "node-1.example.com".into(),
            availability,
            tasks,
        }
    }

    fn line<'a>(lines: &'a [(String, String)], key: &str) -> &'a str {
        lines
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no {key} in {lines:?}"))
    }

    #[test]
    fn a_swarm_scale_touches_the_replicas_it_adds_or_stops() {
        let up = service(ServiceChange::Scale(5), 2);
        assert_eq!(up.method(), "POST /services/{id}/update");
        assert_eq!((up.size(), up.destructive()), (3, false));
        assert_eq!(up.verb(), "Scale to 5");
        assert_eq!(up.typed_name(), "web");
        let d = up.describe();
        assert_eq!(line(&d, "service"), "web");
        assert_eq!(line(&d, "replicas"), "2 → 5");
        assert_eq!(line(&d, "effect"), "3 tasks started");
        let down = service(ServiceChange::Scale(1), 4);
        assert_eq!((down.size(), down.destructive()), (3, true));
        assert_eq!(
            line(&down.describe(), "effect"),
            "3 tasks stopped and removed"
        );
        assert_eq!(up.args_json()["replicas"], 5);
        assert_eq!(up.args_json()["service"], "web");
        assert_eq!(up.outcome_label(), "scale web to 5");
    }

    #[test]
    fn a_swarm_restart_says_it_replaces_every_replica() {
        let op = service(ServiceChange::Restart, 7);
        assert_eq!((op.size(), op.destructive()), (7, true));
        assert_eq!(op.verb(), "Restart all 7 tasks");
        let d = op.describe();
        assert!(line(&d, "change").contains("ForceUpdate + 1"), "{d:?}");
        assert!(
            line(&d, "effect").contains("Swarm cannot restart one task")
                && line(&d, "effect").contains("every replica, 7 tasks"),
            "{d:?}"
        );
        // Even a service with no task counts as one touched.
        assert_eq!(service(ServiceChange::Restart, 0).size(), 1);
        let back = service(ServiceChange::Rollback, 3);
        assert_eq!((back.size(), back.destructive()), (3, true));
        assert_eq!(line(&back.describe(), "query"), "rollback=previous");
        assert_eq!(back.args_json()["rollback"], "previous");
        assert_eq!(back.swarm_write().unwrap().describe(), "roll back web");
    }

    #[test]
    fn a_node_drain_moves_its_tasks_and_pause_and_activate_move_none() {
        let drain = node(Availability::Drain, 9);
        assert_eq!(drain.method(), "POST /nodes/{id}/update");
        assert_eq!((drain.size(), drain.destructive()), (9, true));
        assert_eq!(drain.typed_name(), "node-1");
        assert_eq!(drain.subject(), "node node-1.example.com");
        let d = drain.describe();
        assert_eq!(line(&d, "node"), "node-1.example.com (abcdef012345)");
        assert_eq!(line(&d, "availability"), "drain");
        assert!(line(&d, "effect").contains("its 9 tasks will be stopped and rescheduled"));
        assert!(line(&node(Availability::Drain, 0).describe(), "effect").contains("no tasks"));
        let pause = node(Availability::Pause, 9);
        assert_eq!((pause.size(), pause.destructive()), (1, false));
        assert!(line(&pause.describe(), "effect").contains("its 9 tasks keep running"));
        let active = node(Availability::Active, 0);
        assert_eq!(active.verb(), "Activate the node");
        assert_eq!(active.args_json()["availability"], "active");
        assert_eq!(
            active.outcome_label(),
            "set node node-1.example.com to active"
        );
    }
}
