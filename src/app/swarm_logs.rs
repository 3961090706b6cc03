//! `l` on a Docker Swarm: the log pane (`logs.rs`) fed by the Engine instead of a Thermos
//! observer. On a service's task row it tails that task (`/tasks/{id}/logs`); with tasks marked,
//! every marked task in one merged pane, each line led by its slot, as for Aurora instances;
//! on a service row, the whole service (`/services/{id}/logs`), each line led by its task.

use super::logs::{LogPane, LogSource, MAX_MERGED};
use super::resource::{Data, ResourceKey};
use super::{Effect, Level, Screen, State};
use crate::swarm::logs::LogTarget;
use crate::swarm::model::TaskRow;

impl State {
    /// Opens the log pane on the selected (or marked) Swarm tasks, or the selected service.
    pub(super) fn open_swarm_logs(&mut self, fx: &mut Vec<Effect>) {
        let (sources, note) = match self.swarm_log_sources() {
            Ok(chosen) => chosen,
            Err((text, level)) => {
                self.say(text, level);
                return;
            }
        };
        if let Some(text) = note {
            self.say(text, Level::Info);
        }
        if sources.is_empty() {
            return;
        }
        let mut pane = LogPane::with_sources(sources, self.log_limits());
        fx.extend(pane.due(self.ticks()));
        self.logs = Some(Box::new(pane));
        self.dirty = true;
    }

    /// The logs `l` reads here, and what to tell about the ones it left out; or why none.
    fn swarm_log_sources(&self) -> Result<(Vec<LogSource>, Option<String>), (String, Level)> {
        match self.top() {
            Screen::Services { table } => {
                let Some(row) = table.selected_row() else {
                    return Ok((Vec::new(), None));
                };
                let note = (!table.marked.is_empty()).then(|| {
                    "logs: one service at a time (mark a service's tasks to merge them)".to_owned()
                });
                // The row copies the name and keeps the id as its second value.
                let id = row.copy_alt.clone().unwrap_or_else(|| row.id.clone());
                let source = LogSource::engine(None, &row.copy, "", LogTarget::Service(id));
                Ok((vec![source], note))
            }
            Screen::SwarmTasks { service, table, .. } => {
                let tasks: &[TaskRow] = match self.data(&ResourceKey::SwarmTasks(service.clone())) {
                    Some(Data::SwarmTasks(t)) => t,
                    _ => &[],
                };
                let chosen: Vec<&TaskRow> = table
                    .targets()
                    .0
                    .into_iter()
                    .filter_map(|r| tasks.iter().find(|t| t.id == r.id))
                    .collect();
                if chosen.len() > MAX_MERGED {
                    return Err((
                        format!(
                            "logs: a merged tail takes at most {MAX_MERGED} tasks; {} are marked",
                            chosen.len()
                        ),
                        Level::Error,
                    ));
                }
                // A task no node has taken has no container, so no log.
                let (placed, waiting): (Vec<&TaskRow>, Vec<&TaskRow>) =
                    chosen.into_iter().partition(|t| t.node_id.is_some());
                let note = (!waiting.is_empty()).then(|| {
                    let names: Vec<String> = waiting.iter().map(|t| task_label(t)).collect();
                    let what = if placed.is_empty() {
                        "so no log"
                    } else {
                        "so left out"
                    };
                    format!("logs: not on a node yet, {what}: {}", names.join(", "))
                });
                let merged = placed.len() > 1;
                let sources = placed
                    .iter()
                    .map(|t| {
                        // In a merged tail each line is led by its slot (a global service's
                        // tasks have none: their id).
                        let slot = t.slot.and_then(|s| i32::try_from(s).ok());
                        LogSource::engine(
                            if merged { slot } else { None },
                            &t.id,
                            &t.node,
                            LogTarget::Task(t.id.clone()),
                        )
                    })
                    .collect();
                Ok((sources, note))
            }
            _ => Err((
                "logs: open a service list or a service's tasks first".to_owned(),
                Level::Info,
            )),
        }
    }
}

/// How a task is named in a message: its slot, else its id.
fn task_label(t: &TaskRow) -> String {
    t.slot
        .map_or_else(|| t.id.chars().take(12).collect(), |s| format!("slot {s}"))
}
