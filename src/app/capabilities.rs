//! What the scheduler behind the console can do, and the one place the reducer asks it.
//!
//! A backend (`backend::Backend`) declares its [`Capabilities`]; the console copies them into
//! `State::capabilities` when it connects. Aurora has them all. A backend without one (a second
//! scheduler with no update pulses, no quota, no maintenance…) must not be offered it: the
//! help overlay, the hint bar and `:` completion leave out what [`State::offers`] and
//! [`State::offers_line`] deny, and a key, `:` command or operation that reaches the reducer
//! anyway (a user keymap binds it; it is typed) is refused here with a message that names
//! what this scheduler cannot do, before any confirmation opens and before anything is sent.

use super::command::Command;
use super::ops::Operation;
use super::{Level, State};
use crate::swarm::write::ServiceChange;

/// One thing a scheduler may or may not do. Reads every scheduler has (jobs, tasks, a task's
/// details) are not listed: a backend is one because it can list them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Capability {
    /// Pulse a pulsed (heartbeat-gated) update, and hold it pulsed.
    Pulse,
    /// A role's quota and its consumption.
    Quota,
    /// Restart chosen instances (and the rolling restart built on it, `:restart`).
    InstanceRestart,
    /// Kill chosen instances.
    InstanceKill,
    /// Kill every instance of a job (`:kill-job`).
    KillJob,
    /// Add instances from a template instance (scale up).
    AddInstances,
    /// Pause, resume and abort an update by hand.
    UpdateControl,
    /// Start an update from the job's config, edited (and preview its diff).
    StartUpdate,
    /// Host maintenance: start, drain, end.
    Maintenance,
    /// Start a cron job now (`:cron-start`).
    Cron,
    /// Scale to a new count (`s`): Aurora adds instances or kills the highest; a Swarm sets
    /// a replicated service's replicas.
    Scale,
    /// Restart (`r`): Aurora the chosen instances; a Swarm the whole service (a forced
    /// update), since it cannot restart one task.
    Restart,
    /// Roll back (`b`): an Aurora update, or a Swarm service to its previous spec.
    Rollback,
}

impl Capability {
    pub const ALL: &'static [Capability] = &[
        Capability::Pulse,
        Capability::Quota,
        Capability::InstanceRestart,
        Capability::InstanceKill,
        Capability::KillJob,
        Capability::AddInstances,
        Capability::UpdateControl,
        Capability::StartUpdate,
        Capability::Maintenance,
        Capability::Cron,
        Capability::Scale,
        Capability::Restart,
        Capability::Rollback,
    ];

    /// A few words for the refusal: "this scheduler cannot {describe}".
    pub fn describe(self) -> &'static str {
        match self {
            Capability::Pulse => "pulse updates",
            Capability::Quota => "report quota",
            Capability::InstanceRestart => "restart instances",
            Capability::InstanceKill => "kill instances",
            Capability::KillJob => "kill a whole job",
            Capability::AddInstances => "add instances",
            Capability::UpdateControl => "pause, resume or abort an update by hand",
            Capability::StartUpdate => "start updates",
            Capability::Maintenance => "put hosts into maintenance",
            Capability::Cron => "start cron jobs",
            Capability::Scale => "scale",
            Capability::Restart => "restart",
            Capability::Rollback => "roll back",
        }
    }

    /// What a keymap command needs (`None`: every backend can do it).
    pub fn of_command(c: Command) -> Option<Capability> {
        Some(match c {
            Command::PulseUpdate | Command::HoldPulses => Capability::Pulse,
            Command::Quota => Capability::Quota,
            Command::Restart => Capability::Restart,
            Command::RollingRestart | Command::RollingPause => Capability::InstanceRestart,
            Command::Kill => Capability::InstanceKill,
            Command::Scale => Capability::Scale,
            Command::PauseUpdate | Command::ResumeUpdate | Command::AbortUpdate => {
                Capability::UpdateControl
            }
            Command::RollbackUpdate => Capability::Rollback,
            Command::StartUpdate => Capability::StartUpdate,
            Command::StartMaintenance | Command::DrainHosts | Command::EndMaintenance => {
                Capability::Maintenance
            }
            _ => return None,
        })
    }

    /// What a `:` command needs, by its first word (`None`: every backend can do it).
    pub fn of_line_command(name: &str) -> Option<Capability> {
        Some(match name {
            "quota" => Capability::Quota,
            "restart" => Capability::InstanceRestart,
            "kill-job" => Capability::KillJob,
            "cron-start" => Capability::Cron,
            _ => return None,
        })
    }

    /// What an operation needs.
    pub fn of_operation(op: &Operation) -> Capability {
        match op {
            Operation::Kill { .. } => Capability::InstanceKill,
            Operation::KillJob { .. } => Capability::KillJob,
            Operation::Restart { .. } => Capability::InstanceRestart,
            Operation::AddInstances { .. } => Capability::AddInstances,
            Operation::Control {
                control: super::ops::Control::Rollback,
                ..
            } => Capability::Rollback,
            Operation::Control { .. } => Capability::UpdateControl,
            Operation::Pulse { .. } => Capability::Pulse,
            Operation::StartUpdate { .. } => Capability::StartUpdate,
            Operation::CronStart { .. } => Capability::Cron,
            Operation::Maintenance { .. } | Operation::SwarmNode { .. } => Capability::Maintenance,
            Operation::SwarmService { change, .. } => match change {
                ServiceChange::Scale(_) => Capability::Scale,
                ServiceChange::Restart => Capability::Restart,
                ServiceChange::Rollback => Capability::Rollback,
                ServiceChange::Spec { .. } => Capability::StartUpdate,
            },
        }
    }
}

/// The set of capabilities a backend has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capabilities(u32);

impl Capabilities {
    /// Everything Eos can ask of a scheduler (Aurora).
    pub fn all() -> Capabilities {
        Capabilities::none().with_all(Capability::ALL)
    }

    /// Only the reads every backend has.
    pub fn none() -> Capabilities {
        Capabilities(0)
    }

    pub fn with_all(self, caps: &[Capability]) -> Capabilities {
        caps.iter().fold(self, |s, &c| s.with(c))
    }

    pub fn with(self, c: Capability) -> Capabilities {
        Capabilities(self.0 | 1 << c as u32)
    }

    pub fn without(self, c: Capability) -> Capabilities {
        Capabilities(self.0 & !(1 << c as u32))
    }

    pub fn has(self, c: Capability) -> bool {
        self.0 & (1 << c as u32) != 0
    }
}

impl Default for Capabilities {
    fn default() -> Self {
        Capabilities::all()
    }
}

impl State {
    /// Whether the console offers a command here (help, hints): not hidden by read-only
    /// mode, and within what the backend can do.
    pub fn offers(&self, c: Command) -> bool {
        !(self.read_only && c.hidden_when_read_only())
            && Capability::of_command(c).is_none_or(|cap| self.capabilities.has(cap))
    }

    /// Whether the console offers a `:` command by name (help, completion).
    pub fn offers_line(&self, name: &str) -> bool {
        !(self.read_only && super::command_line::line_command_mutates(name))
            && Capability::of_line_command(name).is_none_or(|cap| self.capabilities.has(cap))
    }

    /// Refuses what the backend cannot do, with a message; true when refused.
    fn refuse_without(&mut self, cap: Option<Capability>, what: &str) -> bool {
        match cap {
            Some(cap) if !self.capabilities.has(cap) => {
                self.say(
                    format!("{what}: this scheduler cannot {}", cap.describe()),
                    Level::Error,
                );
                self.dirty = true;
                true
            }
            _ => false,
        }
    }

    /// A key's command the backend cannot carry out: refused (true).
    pub(super) fn refuse_unsupported_command(&mut self, c: Command) -> bool {
        self.refuse_without(Capability::of_command(c), c.name())
    }

    /// A `:` line whose command the backend cannot carry out: refused (true).
    pub(super) fn refuse_unsupported_line(&mut self, line: &str) -> bool {
        let name = line.split_whitespace().next().unwrap_or_default();
        self.refuse_without(Capability::of_line_command(name), &format!(":{name}"))
    }

    /// An operation the backend cannot carry out, however it was reached: refused (true).
    pub(super) fn refuse_unsupported_operation(&mut self, op: &Operation) -> bool {
        self.refuse_without(Some(Capability::of_operation(op)), op.method())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_holds_exactly_what_was_put_in() {
        let all = Capabilities::all();
        assert!(Capability::ALL.iter().all(|&c| all.has(c)));
        let some = all.without(Capability::Pulse);
        assert!(!some.has(Capability::Pulse));
        assert!(some.has(Capability::Quota));
        assert!(!Capabilities::none().has(Capability::Quota));
        assert!(
            Capabilities::none()
                .with(Capability::Cron)
                .has(Capability::Cron)
        );
    }

    #[test]
    fn every_mutating_command_needs_a_capability() {
        // A mutation every backend could do does not exist: each must be declared.
        for &c in Command::ALL.iter().filter(|c| c.mutates()) {
            assert!(Capability::of_command(c).is_some(), "{c:?}");
        }
    }
}
