//! The `?` overlay's content and keys. Its rows are built here, from the live keymap, the update
//! editor's keys and the `:` command table, so the reducer can stop scrolling at the end and the
//! drawing shows exactly the same rows.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::State;
use super::command_line::COMMANDS;
use super::vocab::command::Command;
use crate::keymap::Layer;

/// The `?` overlay: the live keymap of the view below, scrollable, filterable with `/`.
#[derive(Debug, Default)]
pub struct Help {
    pub filter: String,
    /// `/` was pressed: letters go into the filter until Enter or Esc.
    pub typing: bool,
    pub scroll: usize,
}

/// One row of the overlay.
#[derive(Clone, Debug, PartialEq)]
pub enum HelpRow {
    /// A key of the view: chord (as read, `<` not `<lt>`), command name, description, layer.
    Key {
        chord: String,
        name: &'static str,
        description: &'static str,
        layer: &'static str,
    },
    /// A section title.
    Heading(&'static str),
    /// A free-form entry: what to press or type, and what it does (editor keys, `:` commands).
    Entry { what: String, description: String },
}

impl HelpRow {
    fn text(&self) -> String {
        match self {
            HelpRow::Key {
                chord,
                name,
                description,
                layer,
            } => format!("{chord} {name} {description} {layer}"),
            HelpRow::Heading(h) => h.to_string(),
            HelpRow::Entry { what, description } => format!("{what} {description}"),
        }
    }
}

impl State {
    /// The overlay's rows for the current view, filtered by the overlay's filter.
    pub fn help_rows(&self) -> Vec<HelpRow> {
        let filter = self
            .overlays
            .help
            .as_ref()
            .map(|h| h.filter.to_lowercase())
            .unwrap_or_default();
        let matches = |r: &HelpRow| filter.is_empty() || r.text().to_lowercase().contains(&filter);
        // The log pane is its own layer: its help lists its keys.
        let layers = match self.logs {
            Some(_) => Layer::Logs.chain(),
            None => self.top().layers(),
        };
        // The view's own keys first, then global ones; generic list movement last.
        let mut bindings = self.keymap.effective(&layers);
        bindings.sort_by_key(|(_, _, layer)| match layer {
            Layer::List => 2,
            Layer::Global => 1,
            _ => 0,
        });
        let mut out: Vec<HelpRow> = bindings
            .into_iter()
            .filter(|(_, cmd, _)| self.offers(*cmd))
            .map(|(chord, cmd, layer)| HelpRow::Key {
                chord: chord.label(),
                name: cmd.name(),
                // On a Swarm, what the command does there (`r` restarts the whole service).
                description: self
                    .on_swarm()
                    .then(|| super::swarm_ops::swarm_description(cmd))
                    .flatten()
                    .unwrap_or(cmd.description()),
                layer: layer.name(),
            })
            .filter(matches)
            .collect();
        // Where `e` opens the update editor, its own keys too.
        let editor_here = self.offers(Command::StartUpdate)
            && !self
                .keymap
                .chords_for(&layers, Command::StartUpdate)
                .is_empty();
        if editor_here {
            let (heading, keys) = match self.on_swarm() {
                true => (
                    "in the spec editor (start_update):",
                    super::swarm_edit::KEYS,
                ),
                false => ("in the update editor (start_update):", super::editor::KEYS),
            };
            section(
                &mut out,
                heading,
                keys.iter().map(|(k, d)| HelpRow::Entry {
                    what: k.to_string(),
                    description: d.to_string(),
                }),
                &matches,
            );
        }
        section(
            &mut out,
            ": commands (Tab completes):",
            COMMANDS
                .iter()
                .filter(|c| c.offered(self.read_only) && self.offers_line(c.name))
                .map(|c| HelpRow::Entry {
                    what: format!(":{}", c.name),
                    description: c.description(),
                }),
            &matches,
        );
        out
    }

    /// Rows the overlay shows at once (its box inside the body, one row below its top).
    pub fn help_page(&self) -> usize {
        (self.height as usize)
            .saturating_sub(super::CHROME_ROWS as usize + self.link_banner_rows() as usize + 2)
            .max(1)
    }

    /// The furthest the overlay scrolls: its last row at the bottom of the box.
    pub fn help_max_scroll(&self) -> usize {
        self.help_rows().len().saturating_sub(self.help_page())
    }

    /// Keys the overlay handles itself (its filter while typing, Esc clearing a filter); false to
    /// go on to the keymap's help layer (j/k/arrows scroll, `/` filters, `?` and Esc close).
    pub(super) fn on_help_key(&mut self, key: KeyEvent) -> bool {
        let help = self.overlays.help.as_mut().expect("checked");
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            return false;
        }
        if help.typing {
            match key.code {
                KeyCode::Esc => {
                    help.filter.clear();
                    help.typing = false;
                }
                KeyCode::Enter => help.typing = false,
                KeyCode::Backspace => {
                    help.filter.pop();
                }
                KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                    help.filter.push(c);
                    help.scroll = 0;
                }
                _ => return false,
            }
        } else if key.code == KeyCode::Esc && !help.filter.is_empty() {
            help.filter.clear();
            help.scroll = 0;
        } else {
            return false;
        }
        self.dirty = true;
        true
    }

    /// A command while the overlay is open: scrolling, filtering, closing. Others do nothing
    /// (the overlay covers the view they would act on). True when handled here.
    pub(super) fn help_command(&mut self, c: Command) -> bool {
        let page = self.help_page();
        let max = self.help_max_scroll();
        let Some(help) = self.overlays.help.as_mut() else {
            return false;
        };
        help.scroll = match c {
            Command::Down => help.scroll + 1,
            Command::Up => help.scroll.saturating_sub(1),
            Command::PageDown => help.scroll + page,
            Command::PageUp => help.scroll.saturating_sub(page),
            Command::Top => 0,
            Command::Bottom => max,
            Command::Filter => {
                help.typing = true;
                help.scroll
            }
            Command::Help | Command::Back | Command::Escape => {
                self.overlays.help = None;
                self.dirty = true;
                return true;
            }
            Command::Quit => return false,
            _ => return true,
        }
        .min(max);
        self.dirty = true;
        true
    }
}

fn section(
    out: &mut Vec<HelpRow>,
    title: &'static str,
    rows: impl Iterator<Item = HelpRow>,
    matches: &impl Fn(&HelpRow) -> bool,
) {
    let rows: Vec<HelpRow> = rows.filter(matches).collect();
    if !rows.is_empty() {
        out.push(HelpRow::Heading(title));
        out.extend(rows);
    }
}
