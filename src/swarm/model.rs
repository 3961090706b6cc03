//! What the operator sees of a Swarm, derived from the Engine's own objects (bollard's models):
//! service rows (≈ jobs), task rows and per-slot history (≈ instances), node rows (≈ hosts),
//! the live rolling update, and triage facts. Pure functions, no I/O: the console and
//! `eos get` both build on them.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use bollard::models::{Node, Service, Task, TaskSpec, TaskState, TaskStatus};

use crate::diff::{DiffLine, diff_lines};

/// How a service schedules its tasks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    Replicated(u64),
    Global,
    ReplicatedJob,
    GlobalJob,
    Unknown,
}

impl Mode {
    pub fn of(s: &Service) -> Mode {
        let Some(m) = s.spec.as_ref().and_then(|s| s.mode.as_ref()) else {
            return Mode::Unknown;
        };
        if let Some(r) = &m.replicated {
            Mode::Replicated(r.replicas.unwrap_or(1).max(0) as u64)
        } else if m.global.is_some() {
            Mode::Global
        } else if m.replicated_job.is_some() {
            Mode::ReplicatedJob
        } else if m.global_job.is_some() {
            Mode::GlobalJob
        } else {
            Mode::Unknown
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Mode::Replicated(_) => "replicated",
            Mode::Global => "global",
            Mode::ReplicatedJob => "replicated-job",
            Mode::GlobalJob => "global-job",
            Mode::Unknown => "?",
        }
    }
}

/// The object version a write must send back.
pub fn version_of(v: Option<&bollard::models::ObjectVersion>) -> u64 {
    v.and_then(|v| v.index).unwrap_or(0)
}

#[derive(Clone, Debug, PartialEq)]
pub struct ServiceRow {
    pub id: String,
    pub name: String,
    pub mode: Mode,
    /// From `?status=true`; None when the Engine did not send ServiceStatus.
    pub running: Option<u64>,
    pub desired: Option<u64>,
    pub image: String,
    /// UpdateStatus.State (`updating`, `paused`, `completed`, `rollback_*`), when any.
    pub update_state: Option<String>,
    pub update_message: Option<String>,
    /// UpdatedAt: the last change to the service object.
    pub last_change: Option<String>,
    pub version: u64,
}

pub fn service_row(s: &Service) -> ServiceRow {
    let spec = s.spec.as_ref();
    let update = s.update_status.as_ref();
    ServiceRow {
        id: s.id.clone().unwrap_or_default(),
        name: spec.and_then(|s| s.name.clone()).unwrap_or_default(),
        mode: Mode::of(s),
        running: s.service_status.as_ref().and_then(|st| st.running_tasks),
        desired: s.service_status.as_ref().and_then(|st| st.desired_tasks),
        image: spec
            .and_then(|s| s.task_template.as_ref())
            .map(image_of)
            .unwrap_or_default(),
        update_state: update
            .and_then(|u| u.state.as_ref())
            .map(|st| st.to_string())
            .filter(|st| !st.is_empty()),
        update_message: update.and_then(|u| u.message.clone()),
        last_change: s.updated_at.clone(),
        version: version_of(s.version.as_ref()),
    }
}

/// The image a task spec runs, without the `@sha256:…` digest the CLI pins (shown shorter).
pub fn image_of(t: &TaskSpec) -> String {
    let image = t
        .container_spec
        .as_ref()
        .and_then(|c| c.image.clone())
        .unwrap_or_default();
    match image.split_once("@sha256:") {
        Some((name, _)) => name.to_owned(),
        None => image,
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct TaskRow {
    pub id: String,
    pub service_id: String,
    /// Replicated services number their tasks; global ones have none (keyed by node).
    pub slot: Option<i64>,
    pub node_id: Option<String>,
    /// The node's hostname when known, else its id.
    pub node: String,
    pub desired_state: String,
    pub state: String,
    pub message: String,
    pub error: Option<String>,
    pub exit_code: Option<i64>,
    pub container_id: Option<String>,
    /// When the task entered its current state.
    pub since: Option<String>,
    pub created_at: Option<String>,
    pub image: String,
    /// Whether the task runs the service's current spec (false: the update has not reached
    /// it yet, or it is left from before).
    pub current_spec: bool,
}

fn state_label(s: Option<&TaskState>) -> String {
    s.map(|s| s.to_string()).unwrap_or_default()
}

/// Hostnames by node id: what the NODE column needs from a node list.
pub fn node_names(nodes: &[Node]) -> HashMap<String, String> {
    nodes
        .iter()
        .filter_map(|n| {
            let host = n.description.as_ref()?.hostname.clone()?;
            Some((n.id.clone()?, host))
        })
        .collect()
}

/// Rows for `tasks`, naming nodes from `nodes`; `spec` is the service's current TaskTemplate.
/// Ordered by slot (then node), newest first within a slot.
pub fn task_rows(tasks: &[Task], nodes: &[Node], spec: Option<&TaskSpec>) -> Vec<TaskRow> {
    task_rows_named(tasks, &node_names(nodes), spec)
}

/// `task_rows` with the hostnames already known (the console keeps them between refreshes).
pub fn task_rows_named(
    tasks: &[Task],
    names: &HashMap<String, String>,
    spec: Option<&TaskSpec>,
) -> Vec<TaskRow> {
    let rows = tasks
        .iter()
        .map(|t| {
            let parts = TaskParts {
                id: t.id.as_deref(),
                service_id: t.service_id.as_deref(),
                slot: t.slot,
                node_id: t.node_id.as_deref(),
                desired_state: t.desired_state.as_ref(),
                status: t.status.as_ref(),
                created_at: t.created_at.as_deref(),
                image: t.spec.as_ref().map(image_of).unwrap_or_default(),
                current_spec: match (spec, &t.spec) {
                    (Some(want), Some(have)) => runs_spec(want, have),
                    _ => false,
                },
            };
            task_row(parts, names)
        })
        .collect();
    in_task_order(rows)
}

/// What a task row is made of, from bollard's `Task` or a `TaskList` entry.
struct TaskParts<'t> {
    id: Option<&'t str>,
    service_id: Option<&'t str>,
    slot: Option<i64>,
    node_id: Option<&'t str>,
    desired_state: Option<&'t TaskState>,
    status: Option<&'t TaskStatus>,
    created_at: Option<&'t str>,
    image: String,
    current_spec: bool,
}

fn task_row(t: TaskParts<'_>, names: &HashMap<String, String>) -> TaskRow {
    let status = t.status;
    let node_id = t.node_id.filter(|n| !n.is_empty());
    let container = status.and_then(|s| s.container_status.as_ref());
    TaskRow {
        id: t.id.unwrap_or_default().to_owned(),
        service_id: t.service_id.unwrap_or_default().to_owned(),
        slot: t.slot.filter(|s| *s > 0),
        node: node_id
            .map(|n| names.get(n).map_or(n, String::as_str).to_owned())
            .unwrap_or_default(),
        node_id: node_id.map(str::to_owned),
        desired_state: state_label(t.desired_state),
        state: state_label(status.and_then(|s| s.state.as_ref())),
        message: status.and_then(|s| s.message.clone()).unwrap_or_default(),
        error: status.and_then(|s| s.err.clone()).filter(|e| !e.is_empty()),
        exit_code: container.and_then(|c| c.exit_code),
        container_id: container
            .and_then(|c| c.container_id.clone())
            .filter(|c| !c.is_empty()),
        since: status.and_then(|s| s.timestamp.clone()),
        created_at: t.created_at.map(str::to_owned),
        image: t.image,
        current_spec: t.current_spec,
    }
}

/// By slot (then node), newest first within a slot.
fn in_task_order(mut rows: Vec<TaskRow>) -> Vec<TaskRow> {
    rows.sort_by(|a, b| {
        (a.slot, &a.node_id)
            .cmp(&(b.slot, &b.node_id))
            .then_with(|| b.created_at.cmp(&a.created_at))
    });
    rows
}

/// A task list reply (`GET /tasks`) as the tasks view needs it, borrowed from the reply's
/// bytes. Not bollard's whole `Task`: building 10,000 of those (each spec in full) was most of
/// the view's arrival (benches/swarm.rs). Each task's spec is kept as the reply's own text; a
/// service's tasks share a few specs (one per version rolled out), so each distinct text is
/// parsed, and compared with the service's, once.
pub struct TaskList<'a> {
    tasks: Vec<ListedTask<'a>>,
    specs: HashMap<&'a str, TaskSpec>,
}

/// Ids and times are borrowed from the reply where they need no unescaping (always, for the
/// Engine's): the row copies them once.
#[derive(serde::Deserialize)]
struct ListedTask<'a> {
    #[serde(rename = "ID", borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(rename = "ServiceID", borrow)]
    service_id: Option<Cow<'a, str>>,
    #[serde(rename = "Slot")]
    slot: Option<i64>,
    #[serde(rename = "NodeID", borrow)]
    node_id: Option<Cow<'a, str>>,
    #[serde(rename = "DesiredState")]
    desired_state: Option<TaskState>,
    #[serde(rename = "Status")]
    status: Option<TaskStatus>,
    #[serde(rename = "CreatedAt", borrow)]
    created_at: Option<Cow<'a, str>>,
    #[serde(rename = "Spec", borrow)]
    spec: Option<&'a serde_json::value::RawValue>,
}

impl<'a> TaskList<'a> {
    /// Refuses the reply as a whole when it, or any task's spec, is not what the Engine sends.
    pub fn parse(reply: &'a [u8]) -> Result<TaskList<'a>, String> {
        // One UTF-8 check of the whole reply instead of one per string.
        let text = std::str::from_utf8(reply).map_err(|e| e.to_string())?;
        let tasks: Vec<ListedTask<'a>> = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let mut specs = HashMap::new();
        for raw in tasks.iter().filter_map(|t| t.spec) {
            if !specs.contains_key(raw.get()) {
                let spec = serde_json::from_str(raw.get()).map_err(|e| e.to_string())?;
                specs.insert(raw.get(), spec);
            }
        }
        Ok(TaskList { tasks, specs })
    }

    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// The nodes the tasks are on (for `SwarmClient::node_names_for`).
    pub fn node_ids(&self) -> Vec<&str> {
        self.tasks
            .iter()
            .filter_map(|t| t.node_id.as_deref())
            .collect()
    }

    /// The rows, as `task_rows_named` makes them from bollard's tasks.
    pub fn rows(&self, names: &HashMap<String, String>, spec: Option<&TaskSpec>) -> Vec<TaskRow> {
        let known: HashMap<&str, (String, bool)> = self
            .specs
            .iter()
            .map(|(raw, have)| {
                let current = spec.is_some_and(|want| runs_spec(want, have));
                (*raw, (image_of(have), current))
            })
            .collect();
        let rows = self
            .tasks
            .iter()
            .map(|t| {
                let (image, current_spec) = t
                    .spec
                    .and_then(|raw| known.get(raw.get()).cloned())
                    .unwrap_or_default();
                let parts = TaskParts {
                    id: t.id.as_deref(),
                    service_id: t.service_id.as_deref(),
                    slot: t.slot,
                    node_id: t.node_id.as_deref(),
                    desired_state: t.desired_state.as_ref(),
                    status: t.status.as_ref(),
                    created_at: t.created_at.as_deref(),
                    image,
                    current_spec,
                };
                task_row(parts, names)
            })
            .collect();
        in_task_order(rows)
    }
}

/// Whether a task's spec `have` is the service's spec `want`: the Engine adds `Runtime` to
/// the service's TaskTemplate but not to the tasks' copies, so it is left out. Compared field
/// by field, not as JSON: serializing every task's spec cost most of a 10,000-task view's
/// arrival (benches/swarm.rs). Naming each field makes one that bollard adds a compile error
/// here instead of a silent "same".
fn runs_spec(want: &TaskSpec, have: &TaskSpec) -> bool {
    let TaskSpec {
        plugin_spec,
        container_spec,
        network_attachment_spec,
        resources,
        restart_policy,
        placement,
        force_update,
        runtime: _,
        networks,
        log_driver,
    } = want;
    *container_spec == have.container_spec
        && *force_update == have.force_update
        && *resources == have.resources
        && *placement == have.placement
        && *restart_policy == have.restart_policy
        && *networks == have.networks
        && *log_driver == have.log_driver
        && *plugin_spec == have.plugin_spec
        && *network_attachment_spec == have.network_attachment_spec
}

/// Where a task belongs: its slot, or for a global service its node.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SlotKey {
    Slot(i64),
    Node(String),
}

pub fn slot_key(t: &TaskRow) -> SlotKey {
    match t.slot {
        Some(s) => SlotKey::Slot(s),
        None => SlotKey::Node(t.node_id.clone().unwrap_or_default()),
    }
}

/// The retained history of each slot, newest first (`H` in the console).
pub fn history_by_slot(rows: &[TaskRow]) -> BTreeMap<SlotKey, Vec<TaskRow>> {
    let mut map: BTreeMap<SlotKey, Vec<TaskRow>> = BTreeMap::new();
    for r in rows {
        map.entry(slot_key(r)).or_default().push(r.clone());
    }
    for v in map.values_mut() {
        v.sort_by(|a, b| b.created_at.cmp(&a.created_at));
    }
    map
}

/// The task each slot is about now: the newest one the orchestrator still wants running,
/// else the newest at all.
pub fn current_tasks(rows: &[TaskRow]) -> Vec<TaskRow> {
    // Per slot: the newest wanted task and the newest task, by reference (the first of equal
    // ages, as a stable newest-first sort would have it); only the chosen rows are cloned.
    let mut slots: BTreeMap<SlotKey, (Option<&TaskRow>, &TaskRow)> = BTreeMap::new();
    let newer = |a: &TaskRow, b: &TaskRow| a.created_at > b.created_at;
    for r in rows {
        let wanted = r.desired_state == "running" || r.desired_state == "ready";
        slots
            .entry(slot_key(r))
            .and_modify(|(best, newest)| {
                if wanted && best.is_none_or(|b| newer(r, b)) {
                    *best = Some(r);
                }
                if newer(r, newest) {
                    *newest = r;
                }
            })
            .or_insert((wanted.then_some(r), r));
    }
    slots
        .into_values()
        .map(|(best, newest)| best.unwrap_or(newest).clone())
        .collect()
}

#[derive(Clone, Debug, PartialEq)]
pub struct NodeRow {
    pub id: String,
    pub hostname: String,
    pub role: String,
    pub availability: String,
    pub status: String,
    pub engine_version: String,
    pub leader: bool,
    /// Tasks the orchestrator wants running on the node.
    pub tasks: usize,
    pub version: u64,
}

pub fn node_rows(nodes: &[Node], tasks: &[Task]) -> Vec<NodeRow> {
    node_rows_counted(nodes, &running_counts(tasks))
}

/// How many tasks the orchestrator wants running on each node, by node id.
pub fn running_counts(tasks: &[Task]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for t in tasks {
        if t.desired_state == Some(TaskState::RUNNING)
            && let Some(node) = t.node_id.as_deref().filter(|n| !n.is_empty())
        {
            *counts.entry(node.to_owned()).or_default() += 1;
        }
    }
    counts
}

/// `node_rows` with the task counts already made (`running_counts`).
pub fn node_rows_counted(nodes: &[Node], counts: &HashMap<String, usize>) -> Vec<NodeRow> {
    let mut rows: Vec<NodeRow> = nodes
        .iter()
        .map(|n| {
            let id = n.id.clone().unwrap_or_default();
            let spec = n.spec.as_ref();
            NodeRow {
                hostname: n
                    .description
                    .as_ref()
                    .and_then(|d| d.hostname.clone())
                    .unwrap_or_default(),
                role: spec
                    .and_then(|s| s.role.as_ref())
                    .map(|r| r.to_string())
                    .unwrap_or_default(),
                availability: spec
                    .and_then(|s| s.availability.as_ref())
                    .map(|a| a.to_string())
                    .unwrap_or_default(),
                status: n
                    .status
                    .as_ref()
                    .and_then(|s| s.state.as_ref())
                    .map(|s| s.to_string())
                    .unwrap_or_default(),
                engine_version: n
                    .description
                    .as_ref()
                    .and_then(|d| d.engine.as_ref())
                    .and_then(|e| e.engine_version.clone())
                    .unwrap_or_default(),
                leader: n
                    .manager_status
                    .as_ref()
                    .and_then(|m| m.leader)
                    .unwrap_or(false),
                tasks: counts.get(&id).copied().unwrap_or(0),
                version: version_of(n.version.as_ref()),
                id,
            }
        })
        .collect();
    rows.sort_by(|a, b| a.hostname.cmp(&b.hostname).then(a.id.cmp(&b.id)));
    rows
}

/// A service's UpdateConfig, as the Engine names its parts (durations in nanoseconds).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UpdateSettings {
    pub parallelism: Option<i64>,
    pub delay_ns: Option<i64>,
    pub failure_action: Option<String>,
    pub monitor_ns: Option<i64>,
    pub max_failure_ratio: Option<f64>,
    pub order: Option<String>,
}

/// One slot of the per-slot grid: does its current task run the new spec yet?
#[derive(Clone, Debug, PartialEq)]
pub struct SlotProgress {
    pub slot: SlotKey,
    pub task_id: String,
    pub state: String,
    pub on_new_spec: bool,
}

/// The live rolling update of one service.
#[derive(Clone, Debug, PartialEq)]
pub struct UpdateView {
    pub service: String,
    /// UpdateStatus.State; None when the service was never updated.
    pub state: Option<String>,
    pub message: Option<String>,
    pub started_at: Option<String>,
    pub completed_at: Option<String>,
    pub settings: UpdateSettings,
    pub slots: Vec<SlotProgress>,
    /// Slots whose current task runs the new spec, and all slots.
    pub updated: usize,
    pub total: usize,
    /// PreviousSpec → Spec, as indented JSON lines; empty when there is no PreviousSpec.
    pub diff: Vec<DiffLine>,
}

impl UpdateView {
    /// Whether the update is still moving (the Engine's own states).
    pub fn is_active(&self) -> bool {
        matches!(self.state.as_deref(), Some("updating" | "rollback_started"))
    }

    /// Seconds left at the pace so far: elapsed × remaining ÷ done. None before any slot is
    /// done, when it is not moving, or without a start time.
    pub fn estimate_secs(&self, now: chrono::DateTime<chrono::Utc>) -> Option<i64> {
        if !self.is_active() || self.updated == 0 {
            return None;
        }
        let started = chrono::DateTime::parse_from_rfc3339(self.started_at.as_deref()?).ok()?;
        let elapsed = (now - started.with_timezone(&chrono::Utc))
            .num_seconds()
            .max(0);
        let left = self.total.saturating_sub(self.updated) as i64;
        Some(elapsed * left / self.updated as i64)
    }
}

/// `service` is the Engine's JSON for the service (bollard's model drops PreviousSpec), `tasks`
/// its tasks.
pub fn update_view(service: &serde_json::Value, tasks: &[Task]) -> Result<UpdateView, String> {
    let typed: Service = serde_json::from_value(service.clone()).map_err(|e| e.to_string())?;
    let row = service_row(&typed);
    let spec = typed.spec.as_ref();
    let cfg = spec.and_then(|s| s.update_config.as_ref());
    let settings = UpdateSettings {
        parallelism: cfg.and_then(|c| c.parallelism),
        delay_ns: cfg.and_then(|c| c.delay),
        failure_action: cfg
            .and_then(|c| c.failure_action.as_ref())
            .map(|a| a.to_string()),
        monitor_ns: cfg.and_then(|c| c.monitor),
        max_failure_ratio: cfg.and_then(|c| c.max_failure_ratio),
        order: cfg.and_then(|c| c.order.as_ref()).map(|o| o.to_string()),
    };
    let rows = task_rows(tasks, &[], spec.and_then(|s| s.task_template.as_ref()));
    let slots: Vec<SlotProgress> = current_tasks(&rows)
        .into_iter()
        .filter(|t| t.desired_state != "shutdown" || t.current_spec)
        .map(|t| SlotProgress {
            slot: slot_key(&t),
            task_id: t.id.clone(),
            on_new_spec: t.current_spec && t.state == "running",
            state: t.state,
        })
        .collect();
    let lines = |v: Option<&serde_json::Value>| -> Vec<String> {
        v.and_then(|v| serde_json::to_string_pretty(v).ok())
            .map(|s| s.lines().map(str::to_owned).collect())
            .unwrap_or_default()
    };
    let diff = match service.get("PreviousSpec") {
        Some(prev) => diff_lines(&lines(Some(prev)), &lines(service.get("Spec")), 3),
        None => Vec::new(),
    };
    let u = typed.update_status.as_ref();
    Ok(UpdateView {
        service: row.name,
        state: row.update_state,
        message: row.update_message,
        started_at: u.and_then(|u| u.started_at.clone()),
        completed_at: u.and_then(|u| u.completed_at.clone()),
        settings,
        updated: slots.iter().filter(|s| s.on_new_spec).count(),
        total: slots.len(),
        slots,
        diff,
    })
}

/// A task worth an operator's attention, with the Engine's reason.
#[derive(Clone, Debug, PartialEq)]
pub struct TriageTask {
    pub service: String,
    pub task_id: String,
    pub slot: Option<i64>,
    pub state: String,
    /// Status.Err, else Status.Message ("no suitable node (insufficient resources on 2 nodes)").
    pub reason: String,
    pub since: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Triage {
    /// Tasks the orchestrator wants running that are still pending: they cannot be placed.
    pub pending: Vec<TriageTask>,
    /// Tasks that failed or were rejected, newest first.
    pub failing: Vec<TriageTask>,
    /// Services whose update paused or rolled back: (name, state, message).
    pub updates: Vec<(String, String, String)>,
}

pub fn triage(services: &[Service], tasks: &[Task]) -> Triage {
    let name_of = |id: &str| {
        services
            .iter()
            .find(|s| s.id.as_deref() == Some(id))
            .and_then(|s| s.spec.as_ref()?.name.clone())
            .unwrap_or_else(|| id.to_owned())
    };
    let entry = |t: &Task| {
        let st = t.status.as_ref();
        TriageTask {
            service: name_of(t.service_id.as_deref().unwrap_or_default()),
            task_id: t.id.clone().unwrap_or_default(),
            slot: t.slot.filter(|s| *s > 0),
            state: state_label(st.and_then(|s| s.state.as_ref())),
            reason: st
                .and_then(|s| {
                    s.err
                        .clone()
                        .filter(|e| !e.is_empty())
                        .or(s.message.clone())
                })
                .unwrap_or_default(),
            since: st.and_then(|s| s.timestamp.clone()),
        }
    };
    let mut out = Triage::default();
    for t in tasks {
        let state = t.status.as_ref().and_then(|s| s.state.as_ref());
        if t.desired_state == Some(TaskState::RUNNING) && state == Some(&TaskState::PENDING) {
            out.pending.push(entry(t));
        } else if matches!(state, Some(TaskState::FAILED | TaskState::REJECTED)) {
            out.failing.push(entry(t));
        }
    }
    out.failing.sort_by(|a, b| b.since.cmp(&a.since));
    for s in services {
        let row = service_row(s);
        if let Some(state) = row.update_state.filter(|st| {
            matches!(
                st.as_str(),
                "paused" | "rollback_started" | "rollback_paused" | "rollback_completed"
            )
        }) {
            out.updates
                .push((row.name, state, row.update_message.unwrap_or_default()));
        }
    }
    out.updates.sort();
    out
}

/// "3m", "2h", "4d" since an RFC 3339 time (the Engine's nanosecond timestamps parse too).
pub fn age(since: Option<&str>, now: chrono::DateTime<chrono::Utc>) -> String {
    let Some(t) = since.and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok()) else {
        return String::new();
    };
    let secs = (now - t.with_timezone(&chrono::Utc)).num_seconds().max(0);
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 7200 => format!("{}m", s / 60),
        s if s < 172_800 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The console's lean parse of a task list makes the rows the full one does, on tasks
    /// recorded from a real Engine (on the service's spec and not, running and shut down).
    #[test]
    fn a_task_list_parsed_lean_gives_the_rows_of_bollards_tasks() {
        let reply = include_bytes!("../../benches/fixtures/swarm_tasks.json");
        let service: Service =
            serde_json::from_slice(include_bytes!("../../benches/fixtures/swarm_service.json"))
                .unwrap();
        let spec = service.spec.as_ref().and_then(|s| s.task_template.as_ref());
        let tasks: Vec<Task> = serde_json::from_slice(reply).unwrap();
        let names: HashMap<String, String> = tasks
            .iter()
            .filter_map(|t| Some((t.node_id.clone()?, "node-1".to_owned())))
            .collect();
        let list = TaskList::parse(reply).unwrap();
        let lean = list.rows(&names, spec);
        assert_eq!(lean, task_rows_named(&tasks, &names, spec));
        assert_eq!(lean.len(), 4);
        assert!(lean.iter().any(|t| t.current_spec) && lean.iter().any(|t| !t.current_spec));
        assert!(
            lean.iter()
                .all(|t| t.node == "node-1" && !t.image.is_empty())
        );
        assert_eq!(list.node_ids().len(), 4);
        // A task whose spec is not a spec refuses the reply, as bollard's parse would.
        assert!(TaskList::parse(br#"[{"ID":"x","Spec":{"ForceUpdate":"no"}}]"#).is_err());
        assert!(TaskList::parse(b"{}").is_err());
    }

    fn task(id: &str, slot: i64, desired: &str, state: &str, created: &str, image: &str) -> Task {
        serde_json::from_value(json!({
            "ID": id, "ServiceID": "svc", "Slot": slot, "NodeID": "n1",
            "CreatedAt": created, "DesiredState": desired,
            "Status": {"State": state, "Message": state, "Timestamp": created,
                       "Err": if state == "failed" { "task: non-zero exit (1)" } else { "" }},
            "Spec": {"ContainerSpec": {"Image": image}}
        }))
        .unwrap()
    }

    fn service(update: Option<&str>) -> serde_json::Value {
        let mut s = json!({
            "ID": "svc", "Version": {"Index": 5_000_000_000u64},
            "UpdatedAt": "2026-01-01T00:00:00Z",
            "Spec": {"Name": "web", "Mode": {"Replicated": {"Replicas": 2}},
                     "TaskTemplate": {"ContainerSpec": {"Image": "img:2@sha256:abc"}, "Runtime": "container"},
                     "UpdateConfig": {"Parallelism": 1, "FailureAction": "pause", "Order": "stop-first"}},
            "PreviousSpec": {"Name": "web", "Mode": {"Replicated": {"Replicas": 2}},
                     "TaskTemplate": {"ContainerSpec": {"Image": "img:1"}}},
            "ServiceStatus": {"RunningTasks": 1, "DesiredTasks": 2}
        });
        if let Some(st) = update {
            s["UpdateStatus"] =
                json!({"State": st, "StartedAt": "2026-01-01T00:00:00Z", "Message": "m"});
        }
        s
    }

    #[test]
    fn service_rows_carry_mode_counts_image_and_a_64_bit_version() {
        let s: Service = serde_json::from_value(service(Some("updating"))).unwrap();
        let r = service_row(&s);
        assert_eq!(r.name, "web");
        assert_eq!(r.mode, Mode::Replicated(2));
        assert_eq!((r.running, r.desired), (Some(1), Some(2)));
        assert_eq!(r.image, "img:2");
        assert_eq!(r.update_state.as_deref(), Some("updating"));
        assert_eq!(r.version, 5_000_000_000);
    }

    #[test]
    fn history_is_per_slot_newest_first_and_current_is_the_one_wanted_running() {
        let tasks = [
            task(
                "old",
                1,
                "shutdown",
                "failed",
                "2026-01-01T00:00:00Z",
                "img:1",
            ),
            task(
                "new",
                1,
                "running",
                "running",
                "2026-01-01T00:01:00Z",
                "img:2@sha256:abc",
            ),
            task(
                "two",
                2,
                "running",
                "running",
                "2026-01-01T00:00:30Z",
                "img:1",
            ),
        ];
        let rows = task_rows(&tasks, &[], None);
        let h = history_by_slot(&rows);
        let ids: Vec<_> = h[&SlotKey::Slot(1)].iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["new", "old"]);
        let cur: Vec<_> = current_tasks(&rows).into_iter().map(|t| t.id).collect();
        assert_eq!(cur, ["new", "two"]);
        assert_eq!(
            rows.iter()
                .find(|t| t.id == "old")
                .unwrap()
                .error
                .as_deref(),
            Some("task: non-zero exit (1)")
        );
    }

    #[test]
    fn the_update_view_counts_slots_on_the_new_spec_and_diffs_previous_spec() {
        let svc = service(Some("updating"));
        let tasks = [
            task(
                "a",
                1,
                "running",
                "running",
                "2026-01-01T00:01:00Z",
                "img:2@sha256:abc",
            ),
            task(
                "b",
                2,
                "running",
                "running",
                "2026-01-01T00:00:00Z",
                "img:1",
            ),
        ];
        let v = update_view(&svc, &tasks).unwrap();
        assert_eq!((v.updated, v.total), (1, 2));
        assert_eq!(v.settings.failure_action.as_deref(), Some("pause"));
        assert!(
            v.diff
                .iter()
                .any(|l| matches!(l, DiffLine::Added(s) if s.contains("img:2")))
        );
        assert!(
            v.diff
                .iter()
                .any(|l| matches!(l, DiffLine::Removed(s) if s.contains("img:1")))
        );
        let now = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:01:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(v.estimate_secs(now), Some(60));
    }

    #[test]
    fn triage_finds_pending_failing_and_stuck_updates() {
        let services: Vec<Service> = vec![serde_json::from_value(service(Some("paused"))).unwrap()];
        let mut pending = task(
            "p",
            3,
            "running",
            "pending",
            "2026-01-01T00:00:00Z",
            "img:2",
        );
        pending.status.as_mut().unwrap().err =
            Some("no suitable node (insufficient resources on 2 nodes)".into());
        let tasks = [
            pending,
            task(
                "f",
                1,
                "shutdown",
                "failed",
                "2026-01-01T00:00:00Z",
                "img:2",
            ),
            task(
                "ok",
                2,
                "running",
                "running",
                "2026-01-01T00:00:00Z",
                "img:2",
            ),
        ];
        let t = triage(&services, &tasks);
        assert_eq!(t.pending.len(), 1);
        assert!(t.pending[0].reason.contains("insufficient resources"));
        assert_eq!(t.pending[0].service, "web");
        assert_eq!(
            t.failing
                .iter()
                .map(|t| t.task_id.as_str())
                .collect::<Vec<_>>(),
            ["f"]
        );
        assert_eq!(t.updates, vec![("web".into(), "paused".into(), "m".into())]);
    }

    #[test]
    fn ages_read_engine_timestamps() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-01-01T01:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(age(Some("2026-01-01T00:57:00.123456789Z"), now), "2m");
        assert_eq!(age(Some("garbage"), now), "");
    }
}
