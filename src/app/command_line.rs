//! The `:` command line: ONE table of commands ([`COMMANDS`]: name, syntax, one-line help,
//! mutating or not, and its parser). Completion (Tab), the help overlay, read-only hiding and
//! parsing all read it, so a command cannot parse without being offered, nor be offered without
//! parsing. Also the grammar of `:restart …` (the rolling restart's words).
//!
//! Layer: above the vocabulary (commands, places, operations); below the features, which act on
//! what a line parses to.

use super::vocab::command::Command;
use super::vocab::nav::Nav;
use super::vocab::ops::Operation;
use crate::aurora::model::{JobKey, JobUpdateKey, valid_identifier};

/// What a command line asks for.
#[derive(Debug, PartialEq)]
pub enum LineCommand {
    Go(Nav),
    Run(Command),
    /// A mutation to confirm.
    Operation(Operation),
    /// `:restart …`: the rolling restart.
    Rolling(RollingCommand),
    /// `:cluster NAME`: switch to another cluster.
    Cluster(String),
    Nothing,
}

/// How many words may follow a command's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Words {
    /// None or one (a second is an error).
    AtMostOne,
    /// Any number: the command reads them itself (`:restart --batch 2 --wait 1m`).
    Any,
}

/// One `:` command.
pub struct LineSpec {
    pub name: &'static str,
    /// Other names it answers to, never offered by Tab or help (`:tasks`, `:q!`).
    pub aliases: &'static [&'static str],
    /// What follows the name (`ROLE/ENV/NAME`, `[ROLE]`), or "".
    pub syntax: &'static str,
    /// One line of help, or "" when the syntax says it all.
    pub about: &'static str,
    /// Changes the cluster: hidden from help and Tab under `--read-only` (and refused there).
    pub mutates: bool,
    pub words: Words,
    parse: fn(&Line) -> Result<LineCommand, String>,
}

impl LineSpec {
    /// The help line: `job ROLE/ENV/NAME: its tasks`, `jobs [ROLE]`, `all roles`.
    pub fn description(&self) -> String {
        match (self.syntax, self.about) {
            ("", about) => about.to_owned(),
            (syntax, "") => format!("{} {syntax}", self.name),
            (syntax, about) => format!("{} {syntax}: {about}", self.name),
        }
    }

    /// Shown in help and offered by Tab (mutating commands are not, under `--read-only`).
    pub fn offered(&self, read_only: bool) -> bool {
        !(read_only && self.mutates)
    }
}

/// The words of one command line, for a command's parser.
pub struct Line<'a> {
    /// The name typed (a command's name or one of its aliases).
    pub cmd: &'a str,
    /// The words after it.
    pub args: Vec<&'a str>,
    /// The current view's role, used when one is omitted.
    pub role: Option<&'a str>,
}

impl<'a> Line<'a> {
    fn arg(&self) -> Option<&'a str> {
        self.args.first().copied()
    }

    /// The one argument, a job key.
    fn job(&self) -> Result<String, String> {
        let cmd = self.cmd;
        let a = self.arg().ok_or(format!(":{cmd} needs ROLE/ENV/NAME"))?;
        JobKey::parse(a)
            .map(|k| k.to_string())
            .ok_or(format!("{a:?} is not a job key (ROLE/ENV/NAME)"))
    }

    fn job_key(&self) -> Result<JobKey, String> {
        let job = self.job()?;
        JobKey::parse(&job).ok_or(format!("{job:?} is not a job key (ROLE/ENV/NAME)"))
    }

    /// The one argument, a role name, else the current view's role.
    fn role_or_current(&self) -> Result<Option<String>, String> {
        match self.arg() {
            Some(r) if valid_identifier(r) => Ok(Some(r.to_owned())),
            Some(r) => Err(format!("{r:?} is not a role name")),
            None => Ok(self.role.map(str::to_owned)),
        }
    }
}

fn go(nav: Nav) -> Result<LineCommand, String> {
    Ok(LineCommand::Go(nav))
}

/// Every `:` command, in the order help lists them and Tab offers them.
pub const COMMANDS: &[LineSpec] = &[
    LineSpec {
        name: "roles",
        aliases: &[],
        syntax: "",
        about: "all roles",
        mutates: false,
        words: Words::AtMostOne,
        parse: |_| go(Nav::Roles),
    },
    LineSpec {
        name: "jobs",
        aliases: &[],
        syntax: "[ROLE]",
        about: "",
        mutates: false,
        words: Words::AtMostOne,
        parse: |l| go(Nav::Jobs(l.role_or_current()?)),
    },
    LineSpec {
        name: "job",
        aliases: &["tasks"],
        syntax: "ROLE/ENV/NAME",
        about: "its tasks (on a Swarm: :job SERVICE)",
        mutates: false,
        words: Words::AtMostOne,
        parse: |l| go(Nav::Tasks(l.job()?)),
    },
    LineSpec {
        name: "task",
        aliases: &[],
        syntax: "TASK_ID",
        about: "",
        mutates: false,
        words: Words::AtMostOne,
        parse: |l| {
            go(Nav::Task(
                l.arg().ok_or(":task needs a TASK_ID")?.to_owned(),
            ))
        },
    },
    LineSpec {
        name: "config",
        aliases: &[],
        syntax: "ROLE/ENV/NAME",
        about: "",
        mutates: false,
        words: Words::AtMostOne,
        parse: |l| go(Nav::Config(l.job()?)),
    },
    LineSpec {
        name: "updates",
        aliases: &[],
        syntax: "[ROLE]",
        about: "",
        mutates: false,
        words: Words::AtMostOne,
        parse: |l| {
            go(Nav::Updates {
                role: l.role_or_current()?,
                filter: None,
            })
        },
    },
    LineSpec {
        name: "update",
        aliases: &[],
        syntax: "ROLE/ENV/NAME[/UPDATE_ID]",
        about: "without an id, the job's active (else latest) update",
        mutates: false,
        words: Words::AtMostOne,
        parse: |l| {
            let a = l.arg().ok_or(":update needs ROLE/ENV/NAME[/UPDATE_ID]")?;
            // A job key stands for that job's active (else latest) update.
            go(Nav::Update(
                JobUpdateKey::parse(a)
                    .map(|k| k.to_string())
                    .or_else(|| JobKey::parse(a).map(|k| k.to_string()))
                    .ok_or(format!(
                        "{a:?} is not an update key (ROLE/ENV/NAME/UPDATE_ID) nor a job key (ROLE/ENV/NAME)"
                    ))?,
            ))
        },
    },
    LineSpec {
        name: "quota",
        aliases: &[],
        syntax: "[ROLE]",
        about: "",
        mutates: false,
        words: Words::AtMostOne,
        parse: |l| {
            go(Nav::Quota(
                l.role_or_current()?.ok_or(":quota needs a ROLE here")?,
            ))
        },
    },
    LineSpec {
        name: "triage",
        aliases: &[],
        syntax: "",
        about: "pending, crash-looping, failed and blocked things",
        mutates: false,
        words: Words::AtMostOne,
        parse: |_| go(Nav::Triage),
    },
    LineSpec {
        name: "services",
        aliases: &[],
        syntax: "",
        about: "a Docker Swarm's services",
        mutates: false,
        words: Words::AtMostOne,
        parse: |_| go(Nav::Services),
    },
    LineSpec {
        name: "service",
        aliases: &[],
        syntax: "NAME",
        about: "a Docker Swarm service's tasks",
        mutates: false,
        words: Words::AtMostOne,
        parse: |l| {
            go(Nav::Service(
                l.arg().ok_or(":service needs a NAME")?.to_owned(),
            ))
        },
    },
    LineSpec {
        name: "nodes",
        aliases: &[],
        syntax: "",
        about: "a Docker Swarm's nodes",
        mutates: false,
        words: Words::AtMostOne,
        parse: |_| go(Nav::Nodes),
    },
    LineSpec {
        name: "hosts",
        aliases: &[],
        syntax: "",
        about: "agent hosts: tasks, jobs and maintenance mode",
        mutates: false,
        words: Words::AtMostOne,
        parse: |_| go(Nav::Hosts),
    },
    LineSpec {
        name: "host",
        aliases: &[],
        syntax: "HOSTNAME",
        about: "its active tasks",
        mutates: false,
        words: Words::AtMostOne,
        parse: |l| {
            go(Nav::Host(
                l.arg().ok_or(":host needs a HOSTNAME")?.to_owned(),
            ))
        },
    },
    LineSpec {
        name: "restart",
        aliases: &[],
        syntax: "[--batch N] [--wait SECS] | pause | resume | cancel",
        about: "rolling restart",
        mutates: true,
        words: Words::Any,
        parse: |l| parse_restart(&l.args).map(LineCommand::Rolling),
    },
    LineSpec {
        name: "kill-job",
        aliases: &[],
        syntax: "ROLE/ENV/NAME",
        about: "kill every instance of the job (asks for its key)",
        mutates: true,
        words: Words::AtMostOne,
        parse: |l| {
            Ok(LineCommand::Operation(Operation::KillJob {
                job: l.job_key()?,
                message: None,
            }))
        },
    },
    LineSpec {
        name: "cron-start",
        aliases: &[],
        syntax: "ROLE/ENV/NAME",
        about: "start a run of the cron job now",
        mutates: true,
        words: Words::AtMostOne,
        parse: |l| {
            Ok(LineCommand::Operation(Operation::CronStart {
                job: l.job_key()?,
            }))
        },
    },
    LineSpec {
        name: "cluster",
        aliases: &[],
        syntax: "NAME",
        about: "switch to a cluster of clusters.json",
        mutates: false,
        words: Words::AtMostOne,
        parse: |l| match l.arg() {
            Some(name) => Ok(LineCommand::Cluster(name.to_owned())),
            None => go(Nav::Clusters),
        },
    },
    LineSpec {
        name: "clusters",
        aliases: &[],
        syntax: "",
        about: "the clusters of clusters.json and their health",
        mutates: false,
        words: Words::AtMostOne,
        parse: |_| go(Nav::Clusters),
    },
    LineSpec {
        name: "messages",
        aliases: &[],
        syntax: "",
        about: "earlier status messages, newest first",
        mutates: false,
        words: Words::AtMostOne,
        parse: |_| Ok(LineCommand::Run(Command::Messages)),
    },
    LineSpec {
        name: "help",
        aliases: &[],
        syntax: "",
        about: "keys of this view",
        mutates: false,
        words: Words::AtMostOne,
        parse: |_| Ok(LineCommand::Run(Command::Help)),
    },
    LineSpec {
        name: "q",
        aliases: &["q!"],
        syntax: "",
        about: "quit",
        mutates: false,
        words: Words::AtMostOne,
        parse: |_| Ok(LineCommand::Run(Command::Quit)),
    },
    LineSpec {
        name: "quit",
        aliases: &[],
        syntax: "",
        about: "quit",
        mutates: false,
        words: Words::AtMostOne,
        parse: |_| Ok(LineCommand::Run(Command::Quit)),
    },
];

/// The command a name (or alias) stands for.
pub fn find(name: &str) -> Option<&'static LineSpec> {
    COMMANDS
        .iter()
        .find(|c| c.name == name || c.aliases.contains(&name))
}

/// The command names Tab offers first (each with its trailing space).
pub fn completions(read_only: bool) -> Vec<String> {
    COMMANDS
        .iter()
        .filter(|c| c.offered(read_only))
        .map(|c| format!("{} ", c.name))
        .collect()
}

/// Whether a `:` command changes the cluster (not offered in read-only mode).
pub fn line_command_mutates(name: &str) -> bool {
    find(name).is_some_and(|c| c.mutates)
}

/// `(name, help line)` of every command, for code that iterates pairs
/// (`for (name, help) in LINE_COMMANDS`); [`COMMANDS`] is the table itself.
#[derive(Clone, Copy, Debug)]
pub struct LineCommandPairs;

pub const LINE_COMMANDS: LineCommandPairs = LineCommandPairs;

impl IntoIterator for LineCommandPairs {
    type Item = (&'static str, String);
    type IntoIter = std::vec::IntoIter<(&'static str, String)>;

    fn into_iter(self) -> Self::IntoIter {
        COMMANDS
            .iter()
            .map(|c| (c.name, c.description()))
            .collect::<Vec<_>>()
            .into_iter()
    }
}

/// Parses a command line; `role` is the current view's role, used when one is omitted. A name
/// not in [`COMMANDS`] may still be a keymap command (`:refresh`).
pub fn parse_command_line(line: &str, role: Option<&str>) -> Result<LineCommand, String> {
    let mut words = line.split_whitespace();
    let Some(cmd) = words.next() else {
        return Ok(LineCommand::Nothing);
    };
    let args: Vec<&str> = words.collect();
    let spec = find(cmd);
    let words = spec.map_or(Words::AtMostOne, |s| s.words);
    if let (Words::AtMostOne, Some(extra)) = (words, args.get(1)) {
        return Err(format!(
            ":{cmd} takes at most one argument (got {extra:?} too)"
        ));
    }
    match spec {
        Some(spec) => (spec.parse)(&Line { cmd, args, role }),
        None => match Command::from_name(cmd) {
            Some(c) => Ok(LineCommand::Run(c)),
            None => Err(format!("unknown command :{cmd} (Tab completes)")),
        },
    }
}

// ---- `:restart …` ----

/// What `:restart …` asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RollingCommand {
    Start {
        batch: usize,
        wait_secs: i64,
    },
    Pause,
    Resume,
    /// Pause if running, resume if paused (the key).
    Toggle,
    Cancel,
}

/// Parses the words after `:restart`.
pub fn parse_restart(args: &[&str]) -> Result<RollingCommand, String> {
    match args {
        ["pause"] => return Ok(RollingCommand::Pause),
        ["resume"] => return Ok(RollingCommand::Resume),
        ["cancel"] | ["stop"] => return Ok(RollingCommand::Cancel),
        _ => {}
    }
    let usage = ":restart [--batch N] [--wait SECS] | pause | resume | cancel";
    let mut batch = DEFAULT_BATCH;
    let mut wait_secs = DEFAULT_WAIT_SECS;
    let mut i = 0;
    while i < args.len() {
        let (flag, inline) = match args[i].split_once('=') {
            Some((f, v)) => (f, Some(v)),
            None => (args[i], None),
        };
        let value = match inline {
            Some(v) => v,
            None => {
                i += 1;
                match args.get(i) {
                    Some(v) => v,
                    None if matches!(flag, "--batch" | "-b" | "--wait" | "-w") => {
                        return Err(format!("{flag} needs a value ({usage})"));
                    }
                    None => return Err(format!("unknown argument {flag:?} ({usage})")),
                }
            }
        };
        match flag {
            "--batch" | "-b" => {
                batch = value
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or(format!(
                        "--batch {value:?}: give a whole number of instances, at least 1"
                    ))?;
            }
            "--wait" | "-w" => {
                wait_secs = parse_secs(value).ok_or(format!(
                    "--wait {value:?}: give seconds (30, 30s or 2m), at most a day"
                ))?;
            }
            other => return Err(format!("unknown argument {other:?} ({usage})")),
        }
        i += 1;
    }
    Ok(RollingCommand::Start { batch, wait_secs })
}

pub const DEFAULT_BATCH: usize = 1;
/// The Aurora CLI's default `--restart-threshold`/watch time.
pub const DEFAULT_WAIT_SECS: i64 = 30;
/// `30`, `30s` or `2m`, at most a day.
fn parse_secs(s: &str) -> Option<i64> {
    let (num, mult) = if let Some(n) = s.strip_suffix('m') {
        (n, 60)
    } else {
        (s.strip_suffix('s').unwrap_or(s), 1)
    };
    num.parse::<i64>()
        .ok()
        .map(|n| n * mult)
        .filter(|n| (0..=86_400).contains(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_lines() {
        assert_eq!(
            parse_command_line("roles", None),
            Ok(LineCommand::Go(Nav::Roles))
        );
        assert_eq!(
            parse_command_line("jobs", Some("www-data")),
            Ok(LineCommand::Go(Nav::Jobs(Some("www-data".into()))))
        );
        assert_eq!(
            parse_command_line("job a/b/c", None),
            Ok(LineCommand::Go(Nav::Tasks("a/b/c".into())))
        );
        assert_eq!(
            parse_command_line("update a/b/c/u-1", None),
            Ok(LineCommand::Go(Nav::Update("a/b/c/u-1".into())))
        );
        assert_eq!(
            parse_command_line("update a/b/c", None),
            Ok(LineCommand::Go(Nav::Update("a/b/c".into())))
        );
        assert!(
            parse_command_line("update a/b", None)
                .unwrap_err()
                .contains("not an update key")
        );
        assert_eq!(
            parse_command_line("q", None),
            Ok(LineCommand::Run(Command::Quit))
        );
        assert_eq!(
            parse_command_line("refresh", None),
            Ok(LineCommand::Run(Command::Refresh))
        );
        assert!(
            parse_command_line("job a/b", None)
                .unwrap_err()
                .contains("not a job key")
        );
        assert!(parse_command_line("quota", None).is_err());
        assert!(
            parse_command_line("bogus", None)
                .unwrap_err()
                .contains("unknown command")
        );
        assert_eq!(parse_command_line("   ", None), Ok(LineCommand::Nothing));
    }

    #[test]
    fn restart_command_lines() {
        assert_eq!(
            parse_restart(&[]),
            Ok(RollingCommand::Start {
                batch: 1,
                wait_secs: 30
            })
        );
        assert_eq!(
            parse_restart(&["--batch", "3", "--wait=2m"]),
            Ok(RollingCommand::Start {
                batch: 3,
                wait_secs: 120
            })
        );
        assert_eq!(
            parse_restart(&["-w", "0s", "-b=2"]),
            Ok(RollingCommand::Start {
                batch: 2,
                wait_secs: 0
            })
        );
        assert_eq!(parse_restart(&["pause"]), Ok(RollingCommand::Pause));
        assert_eq!(parse_restart(&["resume"]), Ok(RollingCommand::Resume));
        assert_eq!(parse_restart(&["cancel"]), Ok(RollingCommand::Cancel));
        assert!(
            parse_restart(&["--batch", "0"])
                .unwrap_err()
                .contains("at least 1")
        );
        assert!(
            parse_restart(&["--batch"])
                .unwrap_err()
                .contains("needs a value")
        );
        assert!(parse_restart(&["--wait", "soon"]).is_err());
        assert!(
            parse_restart(&["--bogus", "1"])
                .unwrap_err()
                .contains("unknown")
        );
    }

    #[test]
    fn every_command_parses_by_its_name_and_nothing_parses_unlisted() {
        // Each table entry parses (given a job key where one is needed), so help and Tab
        // never offer a command the parser does not know.
        for c in COMMANDS {
            let line = format!("{} www-data/prod/hello", c.name);
            let got = parse_command_line(&line, Some("www-data"));
            assert!(
                !matches!(&got, Err(e) if e.contains("unknown command")),
                ":{} is listed but does not parse: {got:?}",
                c.name
            );
            // A line that parses to a mutation must be marked mutating, so that help and Tab
            // hide it under --read-only (where the reducer refuses every operation).
            if matches!(got, Ok(LineCommand::Operation(_) | LineCommand::Rolling(_))) {
                assert!(c.mutates, ":{} mutates but is not marked so", c.name);
            }
        }
        assert!(find("kill-job").is_some_and(|c| c.mutates));
        assert!(find("tasks").is_some_and(|c| c.name == "job"));
        assert!(find("q!").is_some_and(|c| c.name == "q"));
    }

    #[test]
    fn help_lines_join_the_syntax_and_the_help() {
        let line = |n: &str| find(n).map(LineSpec::description);
        assert_eq!(
            line("job").as_deref(),
            Some("job ROLE/ENV/NAME: its tasks (on a Swarm: :job SERVICE)")
        );
        assert_eq!(line("jobs").as_deref(), Some("jobs [ROLE]"));
        assert_eq!(line("roles").as_deref(), Some("all roles"));
    }

    #[test]
    fn kill_job_and_cron_start_complete_but_not_read_only() {
        let offered = completions(false);
        assert!(offered.contains(&"kill-job ".to_owned()), "{offered:?}");
        assert!(offered.contains(&"cron-start ".to_owned()), "{offered:?}");
        let read_only = completions(true);
        for name in ["kill-job ", "cron-start ", "restart "] {
            assert!(
                !read_only.contains(&name.to_owned()),
                "{name} offered read-only"
            );
        }
        assert!(read_only.contains(&"jobs ".to_owned()));
    }

    /// What Tab makes of a half-typed `:` line, through the reducer (keys in, line out).
    fn tab(typed: &str, read_only: bool) -> String {
        use crate::app::{Action, State, update};
        use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
        let key = |c| Action::Key(KeyEvent::new(c, KeyModifiers::NONE));
        let mut s = State::new(
            "http://sched.test:8081",
            crate::keymap::Keymap::builtin(),
            Nav::Roles,
            0,
        );
        s.read_only = read_only;
        update(&mut s, key(KeyCode::Char(':')));
        for c in typed.chars() {
            update(&mut s, key(KeyCode::Char(c)));
        }
        update(&mut s, key(KeyCode::Tab));
        s.overlays
            .input
            .as_ref()
            .map(|i| i.text())
            .unwrap_or_default()
    }

    #[test]
    fn tab_offers_every_colon_command_the_parser_knows() {
        // `:kill-job` and `:cron-start` parsed but Tab never offered them.
        assert_eq!(tab("kill", false), "kill-job ");
        assert_eq!(tab("cron", false), "cron-start ");
        assert_eq!(tab("tria", false), "triage ");
        // Under --read-only the mutating ones are not offered (help hides them too).
        assert_eq!(tab("kill", true), "kill");
        assert_eq!(tab("tria", true), "triage ");
    }
}
