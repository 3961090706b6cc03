//! A Swarm screen as a snapshot can hold it: what differs run to run (ids, ages, times, the
//! header's latency, the engine's socket) or machine to machine (host name, engine version)
//! replaced by a fixed word. Column widths follow their content (a longer host name widens
//! its column), so runs of spaces are collapsed to two: the snapshot keeps every cell, the
//! headings, the crumbs and the footer, not the exact alignment. A run of empty lines (the
//! screen below the table) is kept as one.
//!
//! For every Swarm view's snapshot (`Masks::engine().apply(&screen)`); add a view's own
//! variable values with `literal`.

use regex::Regex;

use crate::swarm_common::{docker, engine};

/// The values to replace, longest first, then the patterns every Swarm screen needs.
pub struct Masks {
    literals: Vec<(String, String)>,
    /// Whether `apply` also asks the engine for its task ids: an id of letters only (about
    /// one in fifty short ids) would escape the id pattern below.
    engine_ids: bool,
}

impl Masks {
    /// The shared test engine's varying facts: its socket, the node's host name and the
    /// engine's version (as the CLI reads them).
    pub fn engine() -> Masks {
        let node = docker(&[
            "node",
            "inspect",
            "self",
            "--format",
            "{{.Description.Hostname}} {{.Description.Engine.EngineVersion}}",
        ]);
        let (host, version) = node.split_once(' ').expect("hostname and engine version");
        let mut masks = Masks::none();
        masks.engine_ids = true;
        masks
            .literal(engine().host.clone(), "<engine>")
            .literal(host, "<hostname>")
            .literal(version, "<engine-version>")
    }

    /// No literal values: only the patterns.
    pub fn none() -> Masks {
        Masks {
            literals: Vec::new(),
            engine_ids: false,
        }
    }

    /// Replaces every occurrence of `value` (when not empty) by `word`.
    pub fn literal(mut self, value: impl Into<String>, word: &str) -> Masks {
        let value = value.into();
        if !value.is_empty() {
            self.literals.push((value, word.to_owned()));
            self.literals
                .sort_by_key(|(v, _)| std::cmp::Reverse(v.chars().count()));
        }
        self
    }

    /// The screen with every mask applied, its lines' runs of spaces collapsed and their ends
    /// trimmed.
    pub fn apply(&self, screen: &str) -> String {
        let mut text = screen.to_owned();
        for (value, word) in &self.literals {
            text = text.replace(value.as_str(), word);
        }
        if self.engine_ids {
            // Every task the node has kept, as the screen was taken: full ids, then the
            // 12-character short forms the tables show.
            let ids = docker(&["node", "ps", "self", "--quiet", "--no-trunc"]);
            for id in ids.split_whitespace() {
                text = text.replace(id, "<id>");
                text = text.replace(&id[..id.len().min(12)], "<id>");
            }
        }
        let re = |p: &str| Regex::new(p).unwrap();
        // RFC 3339 times (task detail, specs), then clock times.
        let times = re(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?");
        text = times.replace_all(&text, "<time>").into_owned();
        text = re(r"\b\d{2}:\d{2}:\d{2}\b")
            .replace_all(&text, "<time>")
            .into_owned();
        // Swarm object ids (25 lower-case letters and digits), container ids (64 hex) and
        // their 12-character short forms; each holds a digit, unlike a word of that length.
        let ids = re(r"\b[a-z0-9]{12,64}\b");
        text = ids
            .replace_all(&text, |c: &regex::Captures| {
                let id = &c[0];
                if [12, 25, 64].contains(&id.len()) && id.bytes().any(|b| b.is_ascii_digit()) {
                    "<id>".to_owned()
                } else {
                    id.to_owned()
                }
            })
            .into_owned();
        // Ages and durations: `12s`, `3m`, `1.2s`, `40ms`.
        let durations = re(r"\b\d+(\.\d+)?(ms|s|m|h|d)\b");
        text = durations.replace_all(&text, "<t>").into_owned();
        // The header: the last answer's latency, and whether a poll is outstanding.
        text = re(r"● (ok|slow) <t>")
            .replace_all(&text, "● <health>")
            .into_owned();
        text = re(r" · waiting <t>").replace_all(&text, "").into_owned();
        let spaces = re(" {2,}");
        let mut lines: Vec<String> = Vec::new();
        for line in text.lines() {
            let line = spaces.replace_all(line.trim_end(), "  ").into_owned();
            // The empty rows between the table and the footer: one stands for them all.
            if !(line.is_empty() && lines.last().is_some_and(|l| l.is_empty())) {
                lines.push(line);
            }
        }
        lines.join("\n")
    }
}
