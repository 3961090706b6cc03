//! On a Docker Swarm, Aurora's places are the Swarm's own: the console's home is the services
//! view (the bottom of the stack), `:hosts` opens the nodes, `:jobs`/roles the services, `T`
//! and `:triage` the Swarm's triage, `U` and `:updates` its updates. The keys that name a job's
//! update or tasks (`u`, `t`) and the `:` commands that take a job key (`:job`, `:tasks`,
//! `:update`) name a service here.

use super::vocab::resource::{Data, ResourceKey};
use super::{Command, Effect, Level, Nav, Screen, State};

impl State {
    /// Whether the console is on a Swarm: its home screen is the services view.
    pub fn on_swarm(&self) -> bool {
        matches!(self.stack.first(), Some(Screen::Services { .. }))
    }

    /// Where `nav` leads on this scheduler.
    pub(super) fn swarm_place(&self, nav: Nav) -> Nav {
        if !self.on_swarm() {
            return nav;
        }
        match nav {
            Nav::Hosts => Nav::Nodes,
            Nav::Roles | Nav::Jobs(None) => Nav::Services,
            Nav::Triage => Nav::SwarmTriage,
            Nav::Updates { .. } => Nav::SwarmUpdates,
            other => other,
        }
    }

    /// The service the current view is about, or whose row is selected: what `u`, `t` and
    /// the service changes (`swarm_ops.rs`) act on.
    pub(super) fn selected_service(&self) -> Option<String> {
        match self.top() {
            Screen::Services { table } | Screen::SwarmUpdates { table } => {
                table.selected_row().map(|r| r.id.clone())
            }
            Screen::SwarmTasks { service, .. } | Screen::SwarmUpdate { service, .. } => {
                Some(service.clone())
            }
            Screen::SwarmTask { id, .. } => match self.data(&ResourceKey::SwarmTask(id.clone())) {
                Some(Data::SwarmTask(d)) => Some(d.service.clone()),
                _ => None,
            },
            _ => None,
        }
    }

    /// `u` (a job's update) and `t` (an update's tasks) on a Swarm: the service's update
    /// screen and its tasks. True when handled.
    pub(super) fn swarm_command(&mut self, c: Command, fx: &mut Vec<Effect>) -> bool {
        if !self.on_swarm() || !matches!(c, Command::JobUpdate | Command::JobTasks) {
            return false;
        }
        match self.selected_service() {
            Some(s) if c == Command::JobUpdate => self.open(Nav::SwarmUpdate(s), fx),
            Some(s) => self.open(Nav::Service(s), fx),
            None => self.say("no service here", Level::Error),
        }
        true
    }

    /// `:job NAME` and `:tasks NAME` (a service's tasks) and `:update NAME` (its update) on a
    /// Swarm, where NAME is a service rather than ROLE/ENV/NAME. None: not one of these.
    pub(super) fn swarm_line(&self, line: &str) -> Option<Nav> {
        if !self.on_swarm() {
            return None;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["job" | "tasks", name] => Some(Nav::Service((*name).to_owned())),
            ["update", name] => Some(Nav::SwarmUpdate((*name).to_owned())),
            _ => None,
        }
    }

    /// An unfinished update is polled at the update screen's pace, like Aurora's.
    pub(super) fn swarm_interval(&self, key: &ResourceKey) -> Option<i64> {
        let active = match (key, self.data(key)) {
            (ResourceKey::SwarmUpdate(_), Some(Data::SwarmUpdate(v))) => v.is_active(),
            (ResourceKey::SwarmUpdates, Some(Data::SwarmUpdates(v))) => {
                v.iter().any(|u| u.is_active())
            }
            _ => return None,
        };
        Some(if active {
            self.update_refresh_ms
        } else {
            self.refresh_ms
        })
    }
}
