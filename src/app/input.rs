//! One-line text input (filter and `:` command line) on ratatui-textarea, with completion and
//! history, and the command-line grammar.

use crossterm::event::KeyEvent;
use ratatui_textarea::TextArea;

use super::command::Command;
use super::nav::Nav;
use super::ops::Operation;
use crate::aurora::model::{JobKey, JobUpdateKey, valid_identifier};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    Filter,
    Command,
}

#[derive(Debug)]
pub struct Input {
    pub kind: InputKind,
    pub area: TextArea<'static>,
    /// Candidates of the completion in progress and the one shown.
    completion: Option<(String, Vec<String>, usize)>,
    history_pos: Option<usize>,
}

impl Input {
    pub fn new(kind: InputKind, text: &str) -> Input {
        let mut area = TextArea::new(vec![text.to_owned()]);
        area.move_cursor(ratatui_textarea::CursorMove::End);
        Input {
            kind,
            area,
            completion: None,
            history_pos: None,
        }
    }

    pub fn text(&self) -> String {
        self.area.lines().first().cloned().unwrap_or_default()
    }

    fn set_text(&mut self, t: &str) {
        self.area = TextArea::new(vec![t.to_owned()]);
        self.area.move_cursor(ratatui_textarea::CursorMove::End);
    }

    pub fn key(&mut self, key: KeyEvent) {
        self.completion = None;
        self.history_pos = None;
        // Single line: Enter is handled by the caller, never inserted.
        self.area.input(key);
    }

    /// Completes the last word from `candidates`; pressing Tab again cycles.
    pub fn complete(&mut self, candidates: &[String]) {
        let (base, list, i) = match self.completion.take() {
            Some((base, list, i)) if !list.is_empty() => {
                let i = (i + 1) % list.len();
                (base, list, i)
            }
            _ => {
                let text = self.text();
                let (base, word) = match text.rfind(' ') {
                    Some(p) => (text[..=p].to_owned(), text[p + 1..].to_owned()),
                    None => (String::new(), text.clone()),
                };
                let first_word = base.is_empty();
                let list: Vec<String> = candidates
                    .iter()
                    // Command names complete only the first word; arguments only later ones.
                    .filter(|c| c.ends_with(' ') == first_word)
                    .filter(|c| c.starts_with(&word))
                    .cloned()
                    .collect();
                if list.is_empty() {
                    return;
                }
                (base, list, 0)
            }
        };
        let pick = list[i].clone();
        self.set_text(&format!("{base}{pick}"));
        self.completion = Some((base, list, i));
    }

    /// Steps through earlier command lines.
    pub fn history(&mut self, history: &[String], back: bool) {
        if history.is_empty() {
            return;
        }
        let pos = match (self.history_pos, back) {
            (None, true) => history.len() - 1,
            (None, false) => return,
            (Some(p), true) => p.saturating_sub(1),
            (Some(p), false) if p + 1 < history.len() => p + 1,
            (Some(_), false) => {
                self.history_pos = None;
                self.set_text("");
                return;
            }
        };
        self.history_pos = Some(pos);
        self.set_text(&history[pos]);
    }
}

/// `:` commands, with a one-line description each (for help and completion).
pub const LINE_COMMANDS: &[(&str, &str)] = &[
    ("roles", "all roles"),
    ("jobs", "jobs [ROLE]"),
    ("job", "job ROLE/ENV/NAME: its tasks"),
    ("task", "task TASK_ID"),
    ("config", "config ROLE/ENV/NAME"),
    ("updates", "updates [ROLE]"),
    (
        "update",
        "update ROLE/ENV/NAME[/UPDATE_ID]: without an id, the job's active (else latest) update",
    ),
    ("quota", "quota [ROLE]"),
    (
        "triage",
        "pending, crash-looping, failed and blocked things",
    ),
    ("hosts", "agent hosts: tasks, jobs and maintenance mode"),
    ("host", "host HOSTNAME: its active tasks"),
    (
        "restart",
        "restart [--batch N] [--wait SECS] | pause | resume | cancel: rolling restart",
    ),
    (
        "cluster",
        "cluster NAME: switch to a cluster of clusters.json",
    ),
    ("clusters", "the clusters of clusters.json and their health"),
    ("messages", "earlier status messages, newest first"),
    ("help", "keys of this view"),
    ("q", "quit"),
    ("quit", "quit"),
];

/// `:` commands that change the cluster (not offered in read-only mode).
pub fn line_command_mutates(name: &str) -> bool {
    matches!(name, "restart" | "kill-job" | "cron-start")
}

#[derive(Debug, PartialEq)]
pub enum LineCommand {
    Go(Nav),
    Run(Command),
    /// A mutation to confirm.
    Operation(Operation),
    /// `:restart …`: the rolling restart.
    Rolling(super::rolling::RollingCommand),
    /// `:cluster NAME`: switch to another cluster.
    Cluster(String),
    Nothing,
}

/// Parses a command line; `role` is the current view's role, used when one is omitted.
pub fn parse_command_line(line: &str, role: Option<&str>) -> Result<LineCommand, String> {
    let mut words = line.split_whitespace();
    let Some(cmd) = words.next() else {
        return Ok(LineCommand::Nothing);
    };
    if cmd == "restart" {
        let args: Vec<&str> = words.collect();
        return super::rolling::parse(&args).map(LineCommand::Rolling);
    }
    let arg = words.next();
    if let Some(extra) = words.next() {
        return Err(format!(
            ":{cmd} takes at most one argument (got {extra:?} too)"
        ));
    }
    let job = |a: Option<&str>| -> Result<String, String> {
        let a = a.ok_or(format!(":{cmd} needs ROLE/ENV/NAME"))?;
        JobKey::parse(a)
            .map(|k| k.to_string())
            .ok_or(format!("{a:?} is not a job key (ROLE/ENV/NAME)"))
    };
    let role_arg = |a: Option<&str>| -> Result<Option<String>, String> {
        match a {
            Some(r) if valid_identifier(r) => Ok(Some(r.to_owned())),
            Some(r) => Err(format!("{r:?} is not a role name")),
            None => Ok(None),
        }
    };
    Ok(LineCommand::Go(match cmd {
        "roles" => Nav::Roles,
        "jobs" => Nav::Jobs(role_arg(arg)?.or(role.map(str::to_owned))),
        "job" | "tasks" => Nav::Tasks(job(arg)?),
        "task" => Nav::Task(arg.ok_or(":task needs a TASK_ID")?.to_owned()),
        "config" => Nav::Config(job(arg)?),
        "updates" => Nav::Updates {
            role: role_arg(arg)?.or(role.map(str::to_owned)),
            filter: None,
        },
        "update" => {
            let a = arg.ok_or(":update needs ROLE/ENV/NAME[/UPDATE_ID]")?;
            // A job key stands for that job's active (else latest) update.
            Nav::Update(
                JobUpdateKey::parse(a)
                    .map(|k| k.to_string())
                    .or_else(|| JobKey::parse(a).map(|k| k.to_string()))
                    .ok_or(format!(
                        "{a:?} is not an update key (ROLE/ENV/NAME/UPDATE_ID) nor a job key (ROLE/ENV/NAME)"
                    ))?,
            )
        }
        "quota" => Nav::Quota(
            role_arg(arg)?
                .or(role.map(str::to_owned))
                .ok_or(":quota needs a ROLE here")?,
        ),
        "triage" => Nav::Triage,
        "hosts" => Nav::Hosts,
        "host" => Nav::Host(arg.ok_or(":host needs a HOSTNAME")?.to_owned()),
        "clusters" => Nav::Clusters,
        "cluster" => match arg {
            Some(name) => return Ok(LineCommand::Cluster(name.to_owned())),
            None => Nav::Clusters,
        },
        "kill-job" => {
            let k = JobKey::parse(&job(arg)?).expect("validated");
            return Ok(LineCommand::Operation(Operation::KillJob {
                job: k,
                message: None,
            }));
        }
        "cron-start" => {
            let k = JobKey::parse(&job(arg)?).expect("validated");
            return Ok(LineCommand::Operation(Operation::CronStart { job: k }));
        }
        "q" | "quit" | "q!" => return Ok(LineCommand::Run(Command::Quit)),
        "help" => return Ok(LineCommand::Run(Command::Help)),
        other => match Command::from_name(other) {
            Some(c) => return Ok(LineCommand::Run(c)),
            None => return Err(format!("unknown command :{other} (Tab completes)")),
        },
    }))
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
    fn completion_cycles_and_history_steps() {
        let cands: Vec<String> = vec![
            "jobs ".into(),
            "job ".into(),
            "www-data".into(),
            "web".into(),
        ];
        let mut i = Input::new(InputKind::Command, "jo");
        i.complete(&cands);
        assert_eq!(i.text(), "jobs ");
        i.complete(&cands);
        assert_eq!(i.text(), "job ");
        let mut i = Input::new(InputKind::Command, "jobs w");
        i.complete(&cands);
        assert_eq!(i.text(), "jobs www-data");
        let h = vec!["roles".to_owned(), "triage".to_owned()];
        let mut i = Input::new(InputKind::Command, "");
        i.history(&h, true);
        assert_eq!(i.text(), "triage");
        i.history(&h, true);
        assert_eq!(i.text(), "roles");
        i.history(&h, false);
        assert_eq!(i.text(), "triage");
        i.history(&h, false);
        assert_eq!(i.text(), "");
    }
}
