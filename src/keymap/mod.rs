//! Keymaps: the embedded default (keymaps/default.toml) with the user's file merged over it.
//! A chord bound again replaces the default, `noop` unbinds it; unknown actions, bad chords and
//! chords that shadow each other are errors naming the file, line and reason.

pub mod chord;
pub mod print;

use std::collections::BTreeMap;
use std::path::Path;

pub use chord::{Chord, Key};

use crate::app::vocab::command::Command;
use crate::tomlfile::{self, Doc};

/// Where a binding applies. The view's own layer is tried first, then `List` for table views,
/// then `Global`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Layer {
    Global,
    List,
    Roles,
    Jobs,
    Tasks,
    Task,
    Updates,
    Update,
    Config,
    Quota,
    Triage,
    Hosts,
    Host,
    Clusters,
    Help,
    Logs,
    /// A Docker Swarm's services: its own keys, then the jobs view's.
    Services,
    /// One Swarm service's tasks: its own keys, then the tasks view's.
    Service,
}

impl Layer {
    pub const ALL: &'static [Layer] = &[
        Layer::Global,
        Layer::List,
        Layer::Roles,
        Layer::Jobs,
        Layer::Tasks,
        Layer::Task,
        Layer::Updates,
        Layer::Update,
        Layer::Config,
        Layer::Quota,
        Layer::Triage,
        Layer::Hosts,
        Layer::Host,
        Layer::Clusters,
        Layer::Help,
        Layer::Logs,
        Layer::Services,
        Layer::Service,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Layer::Global => "global",
            Layer::List => "list",
            Layer::Roles => "roles",
            Layer::Jobs => "jobs",
            Layer::Tasks => "tasks",
            Layer::Task => "task",
            Layer::Updates => "updates",
            Layer::Update => "update",
            Layer::Config => "config",
            Layer::Quota => "quota",
            Layer::Triage => "triage",
            Layer::Hosts => "hosts",
            Layer::Host => "host",
            Layer::Clusters => "clusters",
            Layer::Help => "help",
            Layer::Logs => "logs",
            Layer::Services => "services",
            Layer::Service => "service",
        }
    }

    /// The layers a key press on this layer's view goes through, most specific first (what
    /// `Screen::layers` and the help screen use): table views fall back to `list`, all to
    /// `global`.
    pub fn chain(self) -> Vec<Layer> {
        match self {
            Layer::Global => vec![Layer::Global],
            Layer::List => vec![Layer::List, Layer::Global],
            // A Swarm's views are Aurora's with a few keys of their own on top.
            Layer::Services => vec![self, Layer::Jobs, Layer::List, Layer::Global],
            Layer::Service => vec![self, Layer::Tasks, Layer::List, Layer::Global],
            Layer::Roles
            | Layer::Jobs
            | Layer::Tasks
            | Layer::Updates
            | Layer::Triage
            | Layer::Hosts
            | Layer::Host
            | Layer::Clusters => {
                vec![self, Layer::List, Layer::Global]
            }
            _ => vec![self, Layer::Global],
        }
    }

    pub fn from_name(s: &str) -> Option<Layer> {
        Layer::ALL.iter().copied().find(|l| l.name() == s)
    }
}

pub const DEFAULT_TOML: &str = include_str!("../../keymaps/default.toml");

/// The keymaps shipped in `keymaps/`, embedded: `--keymap NAME` selects one by name. Every one
/// but `default` is an overlay merged over the default.
pub const SHIPPED: &[(&str, &str)] = &[
    ("default", DEFAULT_TOML),
    ("vim", include_str!("../../keymaps/vim.toml")),
    ("tmux-safe", include_str!("../../keymaps/tmux-safe.toml")),
];

/// The text of a shipped keymap, by name.
pub fn shipped(name: &str) -> Option<&'static str> {
    SHIPPED.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// A keymap file that cannot be used: the one error type of Eos's TOML files.
pub use crate::tomlfile::ConfigError as KeymapError;

#[derive(Clone, Debug, Default)]
pub struct Keymap {
    layers: BTreeMap<Layer, Vec<(Chord, Command)>>,
}

/// What a key press (after any pending prefix) means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    Command(Command),
    /// The keys so far start a longer chord: wait for the next key.
    Pending,
    None,
}

impl Keymap {
    /// The embedded default keymap.
    pub fn builtin() -> Keymap {
        let mut k = Keymap::default();
        k.merge(DEFAULT_TOML, "keymaps/default.toml")
            .expect("the embedded default keymap is valid (tested)");
        k
    }

    /// The default with the user's file merged over it, if one is given or exists.
    pub fn load(user: Option<&Path>) -> Result<Keymap, KeymapError> {
        let mut k = Keymap::builtin();
        if let Some(path) = user {
            let text = std::fs::read_to_string(path).map_err(|e| {
                KeymapError::file(path.display().to_string(), format!("cannot read: {e}"))
            })?;
            let file = path.display().to_string();
            k.merge(&text, &file)?;
            k.check(&text, &file)?;
        }
        Ok(k)
    }

    /// The default with an overlay merged over it: `spec` is the name of a shipped keymap
    /// (`vim`, `tmux-safe`; a bare name, no `/` and no `.toml`) or a file.
    pub fn load_spec(spec: &str) -> Result<Keymap, KeymapError> {
        if !spec.contains('/')
            && !spec.ends_with(".toml")
            && let Some(text) = shipped(spec)
        {
            let mut k = Keymap::builtin();
            let file = format!("keymaps/{spec}.toml");
            k.merge(text, &file)?;
            k.check(text, &file)?;
            return Ok(k);
        }
        Keymap::load(Some(Path::new(spec)))
    }

    /// Merges a keymap file over this one.
    pub fn merge(&mut self, text: &str, file: &str) -> Result<(), KeymapError> {
        let doc = Doc::parse(text, file)?;
        // In the map's (key) order, not the file's: the order bindings are listed in (help,
        // hints) comes from it.
        for (section_key, bindings) in doc.root() {
            let section: &str = section_key.get_ref();
            let err = |reason: String| {
                doc.error(section_key.span(), &tomlfile::path("", section), reason)
            };
            let layer = Layer::from_name(section).ok_or_else(|| {
                err(format!(
                    "unknown section [{section}] (known: {})",
                    Layer::ALL
                        .iter()
                        .map(|l| l.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?;
            let bindings = bindings.get_ref().as_table().ok_or_else(|| {
                err(format!(
                    "[{section}] must be a table of \"chord\" = \"action\""
                ))
            })?;
            let mut seen: Vec<Chord> = Vec::new();
            for (chord_key, action) in bindings {
                let chord_text: &str = chord_key.get_ref();
                let err = |reason: String| {
                    doc.error(
                        chord_key.span(),
                        &tomlfile::path(section, chord_text),
                        reason,
                    )
                };
                let chord: Chord = chord_text
                    .parse()
                    .map_err(|e: chord::ChordError| err(e.to_string()))?;
                let action = action.get_ref().as_str().ok_or_else(|| {
                    err(format!("the action for {chord_text:?} must be a string"))
                })?;
                // Unbinding a chord to make room for a longer one is fine; two live bindings
                // where one begins the other could never both be reached.
                if action != "noop"
                    && let Some(prev) = seen
                        .iter()
                        .find(|c| c.starts_with(&chord.0) || chord.starts_with(&c.0))
                {
                    return Err(err(format!(
                        "{chord} conflicts with {prev} in [{section}]: one is the other or begins it"
                    )));
                }
                if action != "noop" {
                    seen.push(chord.clone());
                }
                let list = self.layers.entry(layer).or_default();
                list.retain(|(c, _)| c != &chord);
                if action == "noop" {
                    continue;
                }
                let command = Command::from_name(action).ok_or_else(|| {
                    err(format!(
                        "unknown action {action:?} for {chord_text:?} (see `eos keys`)"
                    ))
                })?;
                // A user chord that begins (or is begun by) an inherited one replaces it too.
                list.retain(|(c, _)| !(c.starts_with(&chord.0) || chord.starts_with(&c.0)));
                list.push((chord, command));
            }
        }
        Ok(())
    }

    /// Chords that can never be reached after merging: in one layer or along a view's chain of
    /// layers, a chord that begins a longer one (`g` and `g g`) hides one of the two.
    pub fn conflicts(&self) -> Vec<Conflict> {
        let mut out = Vec::new();
        for layer in Layer::ALL {
            let chain = layer.chain();
            for (i, l) in chain.iter().enumerate() {
                for (j, m) in chain.iter().enumerate().skip(i) {
                    for (a_idx, (a, _)) in self.bindings(*l).iter().enumerate() {
                        for (b_idx, (b, _)) in self.bindings(*m).iter().enumerate() {
                            if i == j && b_idx <= a_idx {
                                continue;
                            }
                            let clash = if i == j {
                                a.starts_with(&b.0) || b.starts_with(&a.0)
                            } else {
                                // The same chord in a more specific layer overrides on purpose.
                                a != b && (a.starts_with(&b.0) || b.starts_with(&a.0))
                            };
                            let c = Conflict {
                                layer: *l,
                                chord: a.clone(),
                                other_layer: *m,
                                other: b.clone(),
                            };
                            if clash && !out.contains(&c) {
                                out.push(c);
                            }
                        }
                    }
                }
            }
        }
        out
    }

    /// The first conflict, as an error pointing into the file just merged (at whichever of
    /// the two chords it binds).
    fn check(&self, text: &str, file: &str) -> Result<(), KeymapError> {
        let Some(c) = self.conflicts().into_iter().next() else {
            return Ok(());
        };
        let doc = Doc::parse(text, file)?;
        let place = [(c.layer, &c.chord), (c.other_layer, &c.other)]
            .into_iter()
            .find_map(|(layer, chord)| chord_key(&doc, layer.name(), chord));
        Err(match place {
            Some((span, key)) => doc.error(span, &key, c.to_string()),
            None => KeymapError::file(file, c.to_string()),
        })
    }

    pub fn bindings(&self, layer: Layer) -> &[(Chord, Command)] {
        self.layers.get(&layer).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Resolves the keys pressed so far, trying `layers` in order.
    pub fn lookup(&self, layers: &[Layer], keys: &[Key]) -> Lookup {
        let mut pending = false;
        for layer in layers {
            for (chord, cmd) in self.bindings(*layer) {
                if chord.0 == keys {
                    return Lookup::Command(*cmd);
                }
                if chord.starts_with(keys) {
                    pending = true;
                }
            }
            if pending {
                return Lookup::Pending;
            }
        }
        Lookup::None
    }

    /// The chords that reach `cmd` through `layers` (not shadowed by an earlier layer).
    pub fn chords_for(&self, layers: &[Layer], cmd: Command) -> Vec<Chord> {
        let mut out = Vec::new();
        for (i, layer) in layers.iter().enumerate() {
            for (chord, c) in self.bindings(*layer) {
                if *c == cmd
                    && layers[..i]
                        .iter()
                        .all(|l| !self.bindings(*l).iter().any(|(o, _)| o == chord))
                {
                    out.push(chord.clone());
                }
            }
        }
        out
    }

    /// Every effective binding through `layers`: chord, command (first layer wins).
    pub fn effective(&self, layers: &[Layer]) -> Vec<(Chord, Command, Layer)> {
        let mut out: Vec<(Chord, Command, Layer)> = Vec::new();
        for layer in layers {
            for (chord, c) in self.bindings(*layer) {
                if !out.iter().any(|(o, _, _)| o == chord) {
                    out.push((chord.clone(), *c, *layer));
                }
            }
        }
        out
    }
}

/// Two bindings where one chord begins the other.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conflict {
    pub layer: Layer,
    pub chord: Chord,
    pub other_layer: Layer,
    pub other: Chord,
}

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} in [{}] conflicts with {} in [{}]: one begins the other, so one can never be reached",
            self.chord,
            self.layer.name(),
            self.other,
            self.other_layer.name()
        )
    }
}

/// Where `[section]` binds `chord`, whatever spelling the file used for it: its span and key.
fn chord_key(
    doc: &Doc<'_>,
    section: &str,
    chord: &Chord,
) -> Option<(std::ops::Range<usize>, String)> {
    let bindings = doc.root().get(section)?.get_ref().as_table()?;
    bindings
        .keys()
        .find(|k| k.get_ref().parse::<Chord>().ok().as_ref() == Some(chord))
        .map(|k| (k.span(), tomlfile::path(section, k.get_ref())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(s: &str) -> Vec<Key> {
        s.parse::<Chord>().unwrap().0
    }

    #[test]
    fn default_keymap_parses_and_has_no_duplicates() {
        let text = DEFAULT_TOML;
        let table: toml::Table = text.parse().unwrap();
        for (section, b) in &table {
            let chords: Vec<Chord> = b
                .as_table()
                .unwrap()
                .keys()
                .map(|k| k.parse().unwrap())
                .collect();
            for (i, a) in chords.iter().enumerate() {
                for b in &chords[i + 1..] {
                    assert!(
                        !a.starts_with(&b.0) && !b.starts_with(&a.0),
                        "[{section}] {a} and {b} clash"
                    );
                }
            }
        }
        let k = Keymap::builtin();
        assert_eq!(
            k.lookup(&[Layer::Tasks, Layer::List, Layer::Global], &keys("j")),
            Lookup::Command(Command::Down)
        );
        assert_eq!(
            k.lookup(&[Layer::Tasks, Layer::List, Layer::Global], &keys("<C-c>")),
            Lookup::Command(Command::Quit)
        );
        assert_eq!(
            k.lookup(&[Layer::Roles, Layer::List, Layer::Global], &keys("H")),
            Lookup::None
        );
    }

    #[test]
    fn overlay_replaces_unbinds_and_adds_sequences() {
        let mut k = Keymap::builtin();
        k.merge(
            "[list]\n\"g\" = \"noop\"\n\"g g\" = \"top\"\n\"J\" = \"down\"\n",
            "user.toml",
        )
        .unwrap();
        let layers = [Layer::Jobs, Layer::List, Layer::Global];
        assert_eq!(k.lookup(&layers, &keys("g")), Lookup::Pending);
        assert_eq!(
            k.lookup(&layers, &keys("g g")),
            Lookup::Command(Command::Top)
        );
        assert_eq!(
            k.lookup(&layers, &keys("J")),
            Lookup::Command(Command::Down)
        );
        assert!(
            k.chords_for(&layers, Command::Top)
                .iter()
                .any(|c| c.to_string() == "g g")
        );
    }

    #[test]
    fn errors_name_file_line_and_reason() {
        let mut k = Keymap::builtin();
        let e = k
            .merge("[list]\n\"j\" = \"down\"\n\"x\" = \"explode\"\n", "my.toml")
            .unwrap_err();
        assert_eq!((e.file.as_str(), e.line), ("my.toml", Some(3)));
        assert_eq!(e.key.as_deref(), Some("list.x"));
        assert!(e.reason.contains("unknown action \"explode\""), "{e}");
        let e = k
            .merge("[nowhere]\n\"j\" = \"down\"\n", "my.toml")
            .unwrap_err();
        assert_eq!(e.line, Some(1));
        assert!(e.reason.contains("unknown section"), "{e}");
        let e = k
            .merge("[list]\n\"<Hyper-j>\" = \"down\"\n", "my.toml")
            .unwrap_err();
        assert_eq!(e.line, Some(2));
        let e = k
            .merge("[list]\n\"z\" = \"down\"\n\"z z\" = \"up\"\n", "my.toml")
            .unwrap_err();
        assert!(e.reason.contains("conflicts"), "{e}");
        let e = k.merge("[list\n", "my.toml").unwrap_err();
        assert_eq!(e.line, Some(1));
    }

    /// The old hand-written scanners lost these lines: a chord key containing `=` (split on
    /// the first `=`) was "line 0", and a syntax error at the start of a line was put on the
    /// line before.
    #[test]
    fn error_lines_come_from_toml_spans() {
        let mut k = Keymap::builtin();
        let e = k
            .merge("[list]\n\"j\" = \"down\"\n\"=\" = \"explode\"\n", "my.toml")
            .unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert_eq!(
            e.to_string(),
            "my.toml:3: list.\"=\": unknown action \"explode\" for \"=\" (see `eos keys`)"
        );
        let e = k
            .merge("[list]\n\"j\" = \"down\"\n= \"up\"\n", "my.toml")
            .unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
    }
}
