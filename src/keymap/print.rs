//! `eos keys`: the effective keymap as text (per layer) or as the README's Markdown table.

use super::{Chord, Keymap, Layer};
use crate::app::vocab::command::Command;

/// Every layer with its bindings: chord, action name, description.
pub fn listing(k: &Keymap) -> String {
    let mut out = String::new();
    let width = Layer::ALL
        .iter()
        .flat_map(|l| k.bindings(*l))
        .map(|(c, _)| c.to_string().chars().count())
        .max()
        .unwrap_or(0);
    let name_width = Command::ALL
        .iter()
        .map(|c| c.name().len())
        .max()
        .unwrap_or(0);
    for layer in Layer::ALL {
        let chain = layer.chain();
        out.push_str(&format!("[{}]", layer.name()));
        if chain.len() > 1 {
            let rest: Vec<&str> = chain[1..].iter().map(|l| l.name()).collect();
            out.push_str(&format!("  (then {})", rest.join(", ")));
        }
        out.push('\n');
        let bindings = k.bindings(*layer);
        if bindings.is_empty() {
            out.push_str("  (none of its own)\n");
        }
        for (chord, cmd) in bindings {
            out.push_str(&format!(
                "  {:<width$}  {:<name_width$}  {}\n",
                chord.to_string(),
                cmd.name(),
                cmd.description()
            ));
        }
        out.push('\n');
    }
    out
}

fn code(c: &Chord) -> String {
    // A `|` would end the table cell.
    format!("`{}`", c.to_string().replace('|', "\\|"))
}

/// The key table of README.md: one row per action and set of chords, with the views (layers)
/// it is bound in, in the order of the command vocabulary.
pub fn markdown(k: &Keymap) -> String {
    let mut out = String::from("| keys | action | where | what it does |\n|---|---|---|---|\n");
    for cmd in Command::ALL {
        // chords -> layers binding exactly those chords to `cmd`.
        let mut rows: Vec<(Vec<Chord>, Vec<Layer>)> = Vec::new();
        for layer in Layer::ALL {
            let chords: Vec<Chord> = k
                .bindings(*layer)
                .iter()
                .filter(|(_, c)| c == cmd)
                .map(|(ch, _)| ch.clone())
                .collect();
            if chords.is_empty() {
                continue;
            }
            match rows.iter_mut().find(|(c, _)| *c == chords) {
                Some((_, layers)) => layers.push(*layer),
                None => rows.push((chords, vec![*layer])),
            }
        }
        for (chords, layers) in rows {
            let mut chords = chords;
            // Plain keys before named ones: `j` `<Down>`.
            chords.sort_by_key(|c| (c.to_string().starts_with('<'), c.to_string()));
            let keys: Vec<String> = chords.iter().map(code).collect();
            let wher: Vec<&str> = layers.iter().map(|l| l.name()).collect();
            out.push_str(&format!(
                "| {} | `{}` | {} | {} |\n",
                keys.join(" "),
                cmd.name(),
                wher.join(", "),
                cmd.description().replace('|', "\\|")
            ));
        }
    }
    out
}
