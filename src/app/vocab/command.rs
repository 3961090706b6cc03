//! The vocabulary of things a person can ask for. Keymaps bind chords to these names, the help
//! screen and hint bar describe them, and the reducer handles them: one list, three uses.

macro_rules! commands {
    ($( $variant:ident = $name:literal : $desc:literal ),* $(,)?) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Command { $( $variant ),* }

        impl Command {
            pub const ALL: &'static [Command] = &[$( Command::$variant ),*];

            /// The name used in keymap files and `:` commands.
            pub fn name(self) -> &'static str {
                match self { $( Command::$variant => $name ),* }
            }

            pub fn description(self) -> &'static str {
                match self { $( Command::$variant => $desc ),* }
            }

            pub fn from_name(s: &str) -> Option<Command> {
                match s { $( $name => Some(Command::$variant), )* _ => None }
            }
        }
    };
}

commands! {
    Quit = "quit": "Quit Eos",
    Back = "back": "Go back (quits at the top view)",
    Escape = "escape": "Clear marks or filter, else go back (never quits)",
    Down = "down": "Next row",
    Up = "up": "Previous row",
    Top = "top": "First row",
    Bottom = "bottom": "Last row",
    PageDown = "page_down": "Page down",
    PageUp = "page_up": "Page up",
    Open = "open": "Open the selected row",
    Filter = "filter": "Filter rows (!text inverts, ~text is a regex)",
    NextMatch = "next_match": "Next row matching the filter text",
    PrevMatch = "prev_match": "Previous row matching the filter text",
    SortNext = "sort_next": "Sort by the next column",
    SortPrev = "sort_prev": "Sort by the previous column",
    SortReverse = "sort_reverse": "Reverse the sort order",
    Refresh = "refresh": "Refresh now",
    Freeze = "freeze": "Freeze or resume live refresh",
    Copy = "copy": "Copy the selected id (task id, job key, update id)",
    CopyHost = "copy_host": "Copy the selected task's host",
    Help = "help": "Show the keys of this view",
    CommandLine = "command": "Command line (:jobs, :task, :update, …)",
    Messages = "messages": "Earlier status messages, newest first (:messages)",
    ToggleHistory = "toggle_history": "Show or hide finished and failed tasks",
    Roles = "roles": "All roles",
    Jobs = "jobs": "All jobs (of the current role)",
    Updates = "updates": "Job updates (of the current role or job)",
    Triage = "triage": "Triage: pending, crash-looping, failed and blocked",
    Hosts = "hosts": "Agent hosts: their tasks and maintenance mode (:hosts)",
    Quota = "quota": "Quota of the current role",
    Config = "config": "Config groups of the selected job",
    JobUpdate = "job_update": "The selected job's active update",
    Logs = "logs": "Tail the selected task's (or Swarm service's) stdout/stderr",
    LogsFollow = "logs_follow": "Logs: follow the end on or off",
    LogsWrap = "logs_wrap": "Logs: wrap long lines on or off",
    LogsStream = "logs_stream": "Logs: switch between stdout and stderr",
    LogsProcess = "logs_process": "Logs: the task's next process",
    LogsRun = "logs_run": "Logs: an earlier run of the process (then the latest again)",
    LogsSave = "logs_save": "Logs: save what is loaded to a file (asks for its name)",
    JobTasks = "job_tasks": "The tasks of the update's job",
    Mark = "mark": "Mark or unmark the selected row (instance, host)",
    MarkRange = "mark_range": "Mark every row from the last mark to here",
    MarkAll = "mark_all": "Mark every row that passes the filter",
    Kill = "kill": "Kill the marked (or selected) instances",
    Restart = "restart": "Restart the marked (or selected) instances",
    Scale = "scale": "Scale the job to a new instance count",
    PauseUpdate = "pause_update": "Pause the update",
    ResumeUpdate = "resume_update": "Resume the update",
    AbortUpdate = "abort_update": "Abort the update",
    RollbackUpdate = "rollback_update": "Roll the update back",
    PulseUpdate = "pulse_update": "Pulse the update once",
    HoldPulses = "hold_pulses": "Hold a pulsed rollout: pulse it while this screen is open",
    StartUpdate = "start_update": "Start an update from the job's config, edited",
    RollingRestart = "roll_restart": "Rolling restart: batch 1, wait 30s (:restart)",
    RollingPause = "roll_pause": "Pause or resume the rolling restart",
    RollingCancel = "roll_cancel": "Cancel the rolling restart, or dismiss its result",
    StartMaintenance = "start_maint": "Start maintenance on the marked (or selected) hosts",
    DrainHosts = "drain_hosts": "Drain the marked (or selected) hosts (tasks move)",
    EndMaintenance = "end_maint": "End maintenance on the marked (or selected) hosts",
}

impl Command {
    /// Commands that change the cluster: gone in read-only mode.
    pub fn mutates(self) -> bool {
        matches!(
            self,
            Command::Kill
                | Command::Restart
                | Command::Scale
                | Command::PauseUpdate
                | Command::ResumeUpdate
                | Command::AbortUpdate
                | Command::RollbackUpdate
                | Command::PulseUpdate
                | Command::HoldPulses
                | Command::StartUpdate
                | Command::RollingRestart
                | Command::RollingPause
                | Command::StartMaintenance
                | Command::DrainHosts
                | Command::EndMaintenance
        )
    }
}

impl Command {
    /// Commands not offered (in help and hints) in read-only mode: the mutations, and what only
    /// serves them: marks (nothing read-only acts on marked rows yet) and the rolling restart's
    /// cancel (no rolling restart can be started).
    pub fn hidden_when_read_only(self) -> bool {
        self.mutates()
            || matches!(
                self,
                Command::RollingCancel | Command::Mark | Command::MarkRange | Command::MarkAll
            )
    }
}
