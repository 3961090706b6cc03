//! The hosts view (`:hosts`): agent hosts with their active tasks, the jobs those belong to and
//! their maintenance mode, joined from every active task (`getTasksWithoutConfigs`) and the
//! scheduler's `/maintenance` page; one host's tasks; and the maintenance operations (start
//! maintenance, drain, end maintenance), which go through the ordinary confirmation.

use super::views::hosts::{host_rows, host_task_rows};
use super::vocab::ops::{HostAction, Operation};
use super::vocab::resource::{Data, ResourceKey};
use super::widgets::dialog::Dialog;
use super::widgets::table::Row;
use super::{Level, Screen, State};
use crate::aurora::model::*;
use crate::domain::hosts::host_summaries;

impl State {
    /// Rows of the hosts view or of one host's tasks, once their data is there.
    pub(super) fn host_rows(&self) -> Option<Vec<Row>> {
        match self.top() {
            Screen::Hosts { .. } => {
                let Some(Data::Tasks(tasks)) = self.data(&ResourceKey::ActiveTasks) else {
                    return None;
                };
                let maintenance = match self.data(&ResourceKey::Maintenance) {
                    Some(Data::Maintenance(m)) => Some(m.as_ref()),
                    // Unreadable (and never read): show the hosts with tasks, mode `?`.
                    _ if self
                        .slot(&ResourceKey::Maintenance)
                        .is_some_and(|s| s.error.is_some()) =>
                    {
                        None
                    }
                    _ => return None,
                };
                Some(host_rows(&host_summaries(tasks, maintenance)))
            }
            Screen::Host { host, .. } => match self.data(&ResourceKey::HostTasks(host.clone())) {
                Some(Data::Tasks(t)) => Some(host_task_rows(t, self.now)),
                _ => None,
            },
            _ => None,
        }
    }

    /// Every active task of the cluster is a heavy read on a large cluster: it is polled at a
    /// third of the usual pace (the maintenance page, which shows a drain's progress, is not).
    /// A mutation or `R` still refreshes it at once.
    pub(super) fn hosts_interval(&self, key: &ResourceKey) -> Option<i64> {
        matches!(key, ResourceKey::ActiveTasks).then(|| self.refresh_ms * 3)
    }

    /// The maintenance mode of a host, if the maintenance page has been read.
    pub fn host_mode(&self, host: &str) -> Option<MaintenanceMode> {
        match self.data(&ResourceKey::Maintenance) {
            Some(Data::Maintenance(m)) => Some(m.mode(host)),
            _ => None,
        }
    }

    /// Active tasks the console knows of on these hosts; `None` before they are loaded.
    fn tasks_on(&self, hosts: &[String]) -> Option<usize> {
        let key = match self.top() {
            Screen::Host { host, .. } => ResourceKey::HostTasks(host.clone()),
            _ => ResourceKey::ActiveTasks,
        };
        match self.data(&key) {
            Some(Data::Tasks(t)) => Some(
                t.iter()
                    .filter(|t| t.status().is_active() && hosts.iter().any(|h| h == t.host()))
                    .count(),
            ),
            _ => None,
        }
    }

    /// Start maintenance, drain or end maintenance on the marked (or selected) hosts of the
    /// hosts view, or on the host whose tasks are shown: opens the confirmation.
    pub(super) fn host_operation(&mut self, action: HostAction) {
        let (hosts, hidden): (Vec<String>, usize) = match self.top() {
            Screen::Hosts { table } => {
                let (rows, hidden) = table.targets();
                (rows.iter().map(|r| r.id.clone()).collect(), hidden)
            }
            Screen::Host { host, .. } => (vec![host.clone()], 0),
            _ => {
                self.say("open :hosts to act on hosts", Level::Error);
                return;
            }
        };
        if hosts.is_empty() {
            self.say("no host selected", Level::Error);
            return;
        }
        // The confirmation says how many tasks move: not before the console knows.
        let Some(tasks) = self.tasks_on(&hosts) else {
            self.say(
                "the host's tasks are not loaded yet: try again in a moment",
                Level::Error,
            );
            return;
        };
        // Modes the call will not change, said before sending.
        let odd: Vec<&String> = hosts
            .iter()
            .filter(|h| match (action, self.host_mode(h)) {
                (super::vocab::ops::HostAction::Start, Some(m)) => m != MaintenanceMode::NONE,
                (super::vocab::ops::HostAction::Drain, Some(m)) => m == MaintenanceMode::DRAINED,
                (super::vocab::ops::HostAction::End, Some(m)) => m == MaintenanceMode::NONE,
                (_, None) => false,
            })
            .collect();
        let warning = (!odd.is_empty()).then(|| {
            let which = if odd.len() == 1 {
                odd[0].clone()
            } else {
                format!("{} of these hosts", odd.len())
            };
            match action {
                super::vocab::ops::HostAction::Start => {
                    format!("{which}: already in maintenance; startMaintenance keeps its mode")
                }
                super::vocab::ops::HostAction::Drain => format!("{which}: already DRAINED"),
                super::vocab::ops::HostAction::End => format!("{which}: not in maintenance"),
            }
        });
        self.confirm(
            Operation::Maintenance {
                action,
                hosts,
                tasks,
            },
            hidden,
        );
        if let (Some(w), Some(Dialog::Confirm(c))) = (warning, self.dialog.as_mut()) {
            c.warnings.push(w);
        }
    }
}
