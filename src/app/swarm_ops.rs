//! The operator's changes on a Docker Swarm (issue 16): scale (`s`), restart (`r`: a forced
//! update of the whole service) and roll back (`b`) on the services view and on a service's
//! tasks view; update (`e`: its spec edited, `swarm_edit.rs`) there too; drain (`D`), pause (`m`) and activate (`M`) on the nodes view. They are
//! Aurora's commands, routed here when the console is on a Swarm, after read-only mode and the
//! backend's capabilities had their say (`on_command`). Each opens the ordinary confirmation
//! (`operate.rs`: Cancel focused first, typed confirmation by blast radius and on a cluster
//! marked prod); what cannot be done is refused before any dialog opens, saying why.

use super::vocab::command::Command;
use super::vocab::ops::{Operation, tasks_text};
use super::vocab::resource::{Data, ResourceKey};
use super::widgets::dialog::{AskCount, Dialog};
use super::widgets::input::{Input, InputKind};
use super::{Effect, Level, Screen, State};
use crate::swarm::model::{Mode, current_tasks};
use crate::swarm::write::{Availability, ServiceChange};

/// What the console knows of a service when an operation opens: its mode, and how many tasks
/// it has (the desired replicas; a global service's tasks).
#[derive(Clone, Debug, PartialEq)]
struct Known {
    mode: Mode,
    replicas: usize,
}

/// The hint bar's word for a command on a Swarm, where it differs from Aurora's.
pub fn swarm_short_name(c: Command) -> Option<&'static str> {
    Some(match c {
        Command::StartMaintenance => "pause",
        Command::EndMaintenance => "activate",
        Command::DrainHosts => "drain",
        Command::StartUpdate => "edit spec",
        _ => return None,
    })
}

/// The help overlay's description of a command on a Swarm, where it differs from Aurora's.
pub fn swarm_description(c: Command) -> Option<&'static str> {
    Some(match c {
        Command::Scale => "Scale the replicated service to a new replica count",
        Command::Restart => {
            "Restart the whole service: a forced update replaces every task (Swarm cannot restart one)"
        }
        Command::RollbackUpdate => "Roll the service back to its previous spec",
        Command::StartUpdate => {
            "Update the service: edit its spec as JSON (image, env, replicas, update settings), see the diff, confirm"
        }
        Command::DrainHosts => "Drain the selected node: its tasks move to other nodes",
        Command::StartMaintenance => {
            "Pause the selected node: no new tasks, its tasks keep running"
        }
        Command::EndMaintenance => "Activate the selected node: it takes new tasks again",
        _ => return None,
    })
}

impl State {
    /// A command on a Swarm: true when it was one of the changes handled here.
    pub(super) fn swarm_change_command(&mut self, c: Command, fx: &mut Vec<Effect>) -> bool {
        if !self.on_swarm() {
            return false;
        }
        match c {
            Command::Scale => self.swarm_ask_scale(),
            Command::Restart => self.swarm_service_change(ServiceChange::Restart),
            Command::RollbackUpdate => self.swarm_service_change(ServiceChange::Rollback),
            Command::StartUpdate => {
                if let Some((service, known)) = self.service_target("update") {
                    self.open_spec_editor(service, known.replicas, fx);
                }
            }
            Command::DrainHosts => self.node_availability(Availability::Drain),
            Command::StartMaintenance => self.node_availability(Availability::Pause),
            Command::EndMaintenance => self.node_availability(Availability::Active),
            _ => return false,
        }
        self.dirty = true;
        true
    }

    /// The service's mode and task count. On its tasks view the tasks the orchestrator wants
    /// now (fresh: that view polls them); else the services list. A service missing from the
    /// list but whose tasks are shown is global when its tasks have no slot.
    fn known_service(&self, service: &str) -> Option<Known> {
        let listed = match self.data(&ResourceKey::SwarmServices) {
            Some(Data::SwarmServices(s)) => s.iter().find(|r| r.name == service),
            _ => None,
        };
        let shown = match (
            self.top(),
            self.data(&ResourceKey::SwarmTasks(service.to_owned())),
        ) {
            (Screen::SwarmTasks { .. }, Some(Data::SwarmTasks(t))) => Some(current_tasks(t)),
            _ => None,
        };
        let wanted = shown.as_ref().map(|t| {
            t.iter()
                .filter(|t| t.desired_state == "running" || t.desired_state == "ready")
                .count()
        });
        let mode = match (listed, &shown) {
            (Some(r), _) => r.mode.clone(),
            (None, Some(t)) if t.iter().any(|t| t.slot.is_none()) => Mode::Global,
            (None, Some(_)) => Mode::Replicated(wanted.unwrap_or(0) as u64),
            (None, None) => return None,
        };
        let replicas = wanted
            .or_else(|| {
                listed.map(|r| match r.mode {
                    Mode::Replicated(n) => n as usize,
                    _ => r.desired.or(r.running).unwrap_or(0) as usize,
                })
            })
            .unwrap_or(0);
        Some(Known { mode, replicas })
    }

    /// The service to act on and what is known of it, or a message saying why not.
    fn service_target(&mut self, what: &str) -> Option<(String, Known)> {
        let Some(service) = self.selected_service() else {
            self.say(
                format!("open the services (or a service's tasks) to {what} a service"),
                Level::Error,
            );
            return None;
        };
        let Some(known) = self.known_service(&service) else {
            self.say(
                format!("{service} is not loaded yet: try again in a moment"),
                Level::Error,
            );
            return None;
        };
        Some((service, known))
    }

    /// `s`: the replica count prompt, for a replicated service only (refused before it opens
    /// for any other mode, saying why).
    fn swarm_ask_scale(&mut self) {
        let Some((service, known)) = self.service_target("scale") else {
            return;
        };
        match known.mode {
            Mode::Replicated(_) => {}
            Mode::Global => {
                self.say(
                    format!(
                        "{service} is a global service: it runs one task on every eligible node and has no replica count to scale"
                    ),
                    Level::Error,
                );
                return;
            }
            other => {
                self.say(
                    format!(
                        "{service} is a {} service: only a replicated service has a replica count to scale",
                        other.label()
                    ),
                    Level::Error,
                );
                return;
            }
        }
        self.overlays.dialog = Some(Dialog::AskCount(Box::new(AskCount {
            job: service,
            current: known.replicas,
            input: Input::new(InputKind::Filter, &known.replicas.to_string()),
            error: None,
        })));
    }

    /// The count prompt answered: the confirmation of `replicas = n`.
    pub(super) fn swarm_plan_scale(&mut self, service: &str, n: i64) {
        let Some(known) = self.known_service(service) else {
            self.say(format!("{service} is no longer known"), Level::Error);
            return;
        };
        if n < 0 {
            self.say("the replica count cannot be negative", Level::Error);
            return;
        }
        if n as u64 == known.replicas as u64 {
            self.say(
                format!("{service} already has {} replicas", known.replicas),
                Level::Error,
            );
            return;
        }
        self.confirm(
            Operation::SwarmService {
                service: service.to_owned(),
                change: ServiceChange::Scale(n as u64),
                replicas: known.replicas,
            },
            0,
        );
    }

    /// `r` (forced restart) or `b` (rollback) of the whole service.
    fn swarm_service_change(&mut self, change: ServiceChange) {
        let what = match change {
            ServiceChange::Restart => "restart",
            _ => "roll back",
        };
        let Some((service, known)) = self.service_target(what) else {
            return;
        };
        let marked = self.top().table().map_or(0, |t| t.marked.len());
        let restart = change == ServiceChange::Restart;
        self.confirm(
            Operation::SwarmService {
                service,
                change,
                replicas: known.replicas,
            },
            0,
        );
        if let Some(Dialog::Confirm(c)) = self.overlays.dialog.as_mut() {
            if restart {
                c.warnings.push(format!(
                    "Swarm cannot restart one task: this forced update replaces every replica, {}",
                    tasks_text(known.replicas)
                ));
            }
            if marked > 0 {
                c.warnings.push(format!(
                    "the {marked} marked rows do not narrow it: the whole service changes"
                ));
            }
        }
    }

    /// `D` / `m` / `M` on the nodes view: one node's availability (each node is its own call,
    /// so marks of several nodes are refused rather than half-done).
    fn node_availability(&mut self, availability: Availability) {
        let Screen::Nodes { table } = self.top() else {
            self.say("open :nodes to set a node's availability", Level::Error);
            return;
        };
        let (rows, _) = table.targets();
        if rows.len() > 1 {
            self.say(
                "one node at a time on a Swarm (each is its own call): Esc clears the marks",
                Level::Error,
            );
            return;
        }
        let Some(id) = rows.first().map(|r| r.id.clone()) else {
            self.say("no node selected", Level::Error);
            return;
        };
        let Some(Data::SwarmNodes(nodes)) = self.data(&ResourceKey::SwarmNodes) else {
            self.say(
                "the nodes are not loaded yet: try again in a moment",
                Level::Error,
            );
            return;
        };
        let Some(node) = nodes.iter().find(|n| n.id == id).cloned() else {
            return;
        };
        let others_active = nodes
            .iter()
            .filter(|n| n.id != id && n.availability == "active" && n.status == "ready")
            .count();
        let mut warnings = Vec::new();
        if node.availability == availability.label() {
            warnings.push(format!(
                "{} is already {}: the call changes nothing",
                node.hostname,
                availability.label()
            ));
        }
        if availability != Availability::Active && others_active == 0 {
            warnings.push(
                "no other node is active: tasks that must move will wait (pending) until one is"
                    .to_owned(),
            );
        }
        self.confirm(
            Operation::SwarmNode {
                node: id,
                hostname: node.hostname.clone(),
                availability,
                tasks: node.tasks,
            },
            0,
        );
        if let Some(Dialog::Confirm(c)) = self.overlays.dialog.as_mut() {
            c.warnings.extend(warnings);
        }
    }
}
