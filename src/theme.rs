//! Themes: a TOML palette and semantic style keys. Widgets ask for a meaning, never a colour;
//! a missing key falls back along its dots (`status.running` -> `status` -> `text`).
//! A theme may `inherits = "NAME"`: it starts from its parent's palette and styles and
//! overrides some of them (a palette entry it redefines recolours every inherited style that
//! names it). See themes/README.md.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ratatui::style::{Color, Modifier, Style};

use toml::de::DeValue;

use crate::color::{ColorCap, degrade, parse_color};
use crate::tomlfile::{self, Doc};

pub const DEFAULT_TOML: &str = include_str!("../themes/default.toml");

/// The themes embedded in the binary, by name.
pub const BUILTIN: &[(&str, &str)] = &[
    ("default", DEFAULT_TOML),
    ("light", include_str!("../themes/light.toml")),
    ("base16", include_str!("../themes/base16.toml")),
    ("mono", include_str!("../themes/mono.toml")),
    (
        "high-contrast",
        include_str!("../themes/high-contrast.toml"),
    ),
];

#[derive(Clone, Debug)]
pub struct Theme {
    pub name: String,
    /// Where it came from: `built-in` or a file path.
    pub source: String,
    styles: HashMap<String, Style>,
    /// The colours it is drawn with (see `degrade`).
    pub cap: ColorCap,
}

impl Default for Theme {
    fn default() -> Theme {
        Theme::builtin()
    }
}

/// A theme file that cannot be used: the one error type of Eos's TOML files.
pub use crate::tomlfile::ConfigError as ThemeError;

/// Which colours a theme uses (shown by `eos themes`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Palette {
    /// No colour at all: attributes only.
    None,
    /// Only the terminal's 16 named colours.
    Ansi16,
    /// RGB (or 256-palette) colours, degraded on lesser terminals.
    TrueColor,
}

impl Palette {
    pub fn label(self) -> &'static str {
        match self {
            Palette::None => "no colour",
            Palette::Ansi16 => "16-colour",
            Palette::TrueColor => "true-colour",
        }
    }
}

/// One theme file, parsed but not resolved (palette names not yet looked up).
struct Raw {
    file: String,
    inherits: Option<String>,
    /// key -> (colour text, line)
    palette: Vec<(String, String, usize)>,
    /// key -> (the style as written, or why it is not one; line)
    styles: Vec<(String, Result<StyleSpec, String>, usize)>,
}

/// A style as written, its colour names not yet looked up in the palette.
#[derive(Clone, Debug, Default)]
struct StyleSpec {
    fg: Option<String>,
    bg: Option<String>,
    underline: Option<String>,
    modifiers: Modifier,
}

/// Where a theme's text comes from.
enum Found {
    Builtin(&'static str, &'static str),
    File(PathBuf),
}

impl Theme {
    /// The default theme.
    pub fn builtin() -> Theme {
        Theme::named("default").expect("the embedded themes are valid (tested)")
    }

    /// An embedded theme by name.
    pub fn named(name: &str) -> Result<Theme, ThemeError> {
        let mut w = Vec::new();
        Theme::load(name, None, &mut w)
    }

    /// Names of the embedded themes.
    pub fn builtin_names() -> Vec<&'static str> {
        BUILTIN.iter().map(|(n, _)| *n).collect()
    }

    /// A theme from text (its `inherits` is looked up among the embedded themes).
    pub fn parse(text: &str, file: &str) -> Result<Theme, ThemeError> {
        let mut w = Vec::new();
        let raw = parse_raw(text, file, &mut w)?;
        resolve(raw, stem(file), None, &mut w, 0)
    }

    /// `--theme NAME|FILE`: a path (containing `/` or ending in `.toml`), else a user theme
    /// `USER_DIR/NAME.toml`, else an embedded theme. Warnings (unknown keys) are appended.
    pub fn load(
        spec: &str,
        user_dir: Option<&Path>,
        warnings: &mut Vec<String>,
    ) -> Result<Theme, ThemeError> {
        let found = find(spec, user_dir, None).ok_or_else(|| {
            ThemeError::file(
                spec,
                format!(
                    "no such theme; available: {}",
                    list(user_dir)
                        .iter()
                        .map(|i| i.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;
        load_found(found, spec, user_dir, warnings, 0)
    }

    /// The style for a meaning, falling back along the dots.
    pub fn get(&self, key: &str) -> Style {
        let mut k = key;
        loop {
            if let Some(s) = self.styles.get(k) {
                return *s;
            }
            match k.rfind('.') {
                Some(i) => k = &k[..i],
                None => return self.styles.get("text").copied().unwrap_or_default(),
            }
        }
    }

    /// The keys the theme defines (itself or through `inherits`).
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.styles.keys().map(String::as_str)
    }

    pub fn styles(&self) -> impl Iterator<Item = (&str, &Style)> {
        self.styles.iter().map(|(k, s)| (k.as_str(), s))
    }

    /// Which colours the theme uses.
    pub fn palette(&self) -> Palette {
        let colours = self
            .styles
            .values()
            .flat_map(|s| [s.fg, s.bg, s.underline_color]);
        let mut p = Palette::None;
        for c in colours.flatten() {
            match c {
                Color::Reset => {}
                Color::Rgb(..) | Color::Indexed(_) => return Palette::TrueColor,
                _ => p = Palette::Ansi16,
            }
        }
        p
    }

    /// The theme as a terminal with `cap` colours can show it.
    pub fn degrade(mut self, cap: ColorCap) -> Theme {
        for s in self.styles.values_mut() {
            s.fg = s.fg.map(|c| degrade(c, cap));
            s.bg = s.bg.map(|c| degrade(c, cap));
            s.underline_color = s.underline_color.map(|c| degrade(c, cap));
        }
        self.cap = cap;
        self
    }

    /// A cluster's accent colour as this theme can show it: none in a theme without colour
    /// (`mono`, `NO_COLOR`).
    pub fn accent(&self, c: Color) -> Option<Color> {
        (self.palette() != Palette::None).then(|| degrade(c, self.cap))
    }
}

/// The themes a console may draw with: its own and those its clusters name, all loaded (and
/// checked) before the screen opens.
#[derive(Clone, Debug, Default)]
pub struct ThemeSet {
    pub base: Theme,
    /// By the name or file given in `[clusters.NAME] theme`.
    pub named: HashMap<String, Theme>,
}

impl ThemeSet {
    pub fn single(base: Theme) -> ThemeSet {
        ThemeSet {
            base,
            named: HashMap::new(),
        }
    }

    /// The theme for the current cluster's look.
    pub fn pick(&self, look_theme: Option<&str>) -> &Theme {
        look_theme
            .and_then(|n| self.named.get(n))
            .unwrap_or(&self.base)
    }
}

/// A theme `eos themes` lists.
pub struct ThemeInfo {
    pub name: String,
    pub source: String,
    /// Its palette, or why it cannot be loaded.
    pub palette: Result<Palette, String>,
}

/// Every theme: user themes (`USER_DIR/*.toml`) first, then the embedded ones a user theme
/// does not shadow; sorted by name within each group.
pub fn list(user_dir: Option<&Path>) -> Vec<ThemeInfo> {
    let mut out = Vec::new();
    let mut user: Vec<PathBuf> = user_dir
        .and_then(|d| std::fs::read_dir(d).ok())
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect()
        })
        .unwrap_or_default();
    user.sort();
    for p in &user {
        let name = stem(&p.to_string_lossy()).to_owned();
        let mut w = Vec::new();
        let palette = load_found(Found::File(p.clone()), &name, user_dir, &mut w, 0)
            .map(|t| t.palette())
            .map_err(|e| e.to_string());
        out.push(ThemeInfo {
            name,
            source: p.display().to_string(),
            palette,
        });
    }
    for (name, _) in BUILTIN {
        if out.iter().any(|i| i.name == *name) {
            continue;
        }
        out.push(ThemeInfo {
            name: (*name).to_owned(),
            source: "built-in".into(),
            palette: Theme::named(name)
                .map(|t| t.palette())
                .map_err(|e| e.to_string()),
        });
    }
    out
}

fn stem(file: &str) -> &str {
    let base = file.rsplit('/').next().unwrap_or(file);
    base.strip_suffix(".toml").unwrap_or(base)
}

fn find(spec: &str, user_dir: Option<&Path>, not_user: Option<&str>) -> Option<Found> {
    if spec.contains('/') || spec.ends_with(".toml") {
        return Some(Found::File(PathBuf::from(spec)));
    }
    if let Some(d) = user_dir
        && not_user != Some(spec)
    {
        let p = d.join(format!("{spec}.toml"));
        if p.is_file() {
            return Some(Found::File(p));
        }
    }
    BUILTIN
        .iter()
        .find(|(n, _)| *n == spec)
        .map(|(n, t)| Found::Builtin(n, t))
}

fn load_found(
    found: Found,
    spec: &str,
    user_dir: Option<&Path>,
    warnings: &mut Vec<String>,
    depth: usize,
) -> Result<Theme, ThemeError> {
    let (text, file, source, user) = match found {
        Found::Builtin(name, text) => (
            text.to_owned(),
            format!("themes/{name}.toml (built-in)"),
            "built-in".to_owned(),
            false,
        ),
        Found::File(p) => {
            let text = std::fs::read_to_string(&p).map_err(|e| {
                ThemeError::file(p.display().to_string(), format!("cannot read: {e}"))
            })?;
            let f = p.display().to_string();
            (text, f.clone(), f, true)
        }
    };
    let raw = parse_raw(&text, &file, warnings)?;
    let name = stem(spec).to_owned();
    let mut t = resolve_with(raw, &name, user_dir, user, warnings, depth)?;
    t.source = source;
    Ok(t)
}

fn resolve(
    raw: Raw,
    name: &str,
    user_dir: Option<&Path>,
    warnings: &mut Vec<String>,
    depth: usize,
) -> Result<Theme, ThemeError> {
    resolve_with(raw, name, user_dir, false, warnings, depth)
}

/// Merges a theme over its parent chain and turns every style into a `Style`.
fn resolve_with(
    raw: Raw,
    name: &str,
    user_dir: Option<&Path>,
    is_user: bool,
    warnings: &mut Vec<String>,
    depth: usize,
) -> Result<Theme, ThemeError> {
    let (mut palette, mut styles) = (HashMap::new(), HashMap::new());
    collect(
        raw,
        name,
        user_dir,
        is_user,
        warnings,
        depth,
        &mut palette,
        &mut styles,
    )?;
    let mut out = HashMap::new();
    for (key, (spec, file, line)) in styles {
        let style = spec
            .and_then(|spec| resolve_style(&spec, &palette))
            .map_err(|reason| ThemeError {
                file,
                line: Some(line),
                key: Some(crate::tomlfile::path("styles", &key)),
                reason,
            })?;
        out.insert(key, style);
    }
    Ok(Theme {
        name: name.to_owned(),
        source: "built-in".into(),
        styles: out,
        cap: ColorCap::TrueColor,
    })
}

type Styles = HashMap<String, (Result<StyleSpec, String>, String, usize)>;

/// The palette and raw styles of a theme with its ancestors' underneath.
#[allow(clippy::too_many_arguments)]
fn collect(
    raw: Raw,
    name: &str,
    user_dir: Option<&Path>,
    is_user: bool,
    warnings: &mut Vec<String>,
    depth: usize,
    palette: &mut HashMap<String, Color>,
    styles: &mut Styles,
) -> Result<(), ThemeError> {
    if let Some(parent) = &raw.inherits {
        let here = |reason: String| ThemeError {
            file: raw.file.clone(),
            line: None,
            key: Some("inherits".into()),
            reason,
        };
        if depth >= 8 {
            return Err(here("inheritance too deep (a cycle?)".into()));
        }
        // A user theme inheriting its own name builds on the embedded theme of that name;
        // an embedded theme only inherits embedded themes.
        let skip_user = if is_user { Some(name) } else { None };
        let dir = if is_user { user_dir } else { None };
        let found = find(parent, dir, skip_user).ok_or_else(|| {
            here(format!(
                "no theme named {parent:?}; available: {}",
                list(dir)
                    .iter()
                    .map(|i| i.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        let (text, file, user) = match found {
            Found::Builtin(n, t) => (t.to_owned(), format!("themes/{n}.toml (built-in)"), false),
            Found::File(p) => (
                std::fs::read_to_string(&p)
                    .map_err(|e| here(format!("cannot read {}: {e}", p.display())))?,
                p.display().to_string(),
                true,
            ),
        };
        let praw = parse_raw(&text, &file, warnings)?;
        collect(
            praw,
            stem(parent),
            user_dir,
            user,
            warnings,
            depth + 1,
            palette,
            styles,
        )?;
    }
    for (k, v, line) in raw.palette {
        let c = parse_color(&v).ok_or_else(|| ThemeError {
            file: raw.file.clone(),
            line: Some(line),
            key: Some(crate::tomlfile::path("palette", &k)),
            reason: format!("not a colour: {v:?} (use #rrggbb or an ANSI colour name)"),
        })?;
        palette.insert(k, c);
    }
    for (k, v, line) in raw.styles {
        styles.insert(k, (v, raw.file.clone(), line));
    }
    Ok(())
}

fn parse_raw(text: &str, file: &str, warnings: &mut Vec<String>) -> Result<Raw, ThemeError> {
    let doc = Doc::parse(text, file)?;
    let mut raw = Raw {
        file: file.to_owned(),
        inherits: None,
        palette: Vec::new(),
        styles: Vec::new(),
    };
    for (k, v) in tomlfile::entries(doc.root()) {
        let key = tomlfile::path("", k.get_ref());
        let err = |reason: &str| doc.error(k.span(), &key, reason);
        match (k.get_ref().as_ref(), v.get_ref()) {
            ("name", DeValue::String(_)) => {}
            ("inherits", DeValue::String(p)) => raw.inherits = Some(p.to_string()),
            ("palette", DeValue::Table(p)) => {
                for (pk, pv) in tomlfile::entries(p) {
                    let s = pv.get_ref().as_str().ok_or_else(|| {
                        doc.error(
                            pk.span(),
                            &tomlfile::path("palette", pk.get_ref()),
                            "a palette entry is a colour string",
                        )
                    })?;
                    raw.palette
                        .push((pk.get_ref().to_string(), s.to_owned(), doc.line(pk.span())));
                }
            }
            ("styles", DeValue::Table(s)) => {
                for (sk, sv) in tomlfile::entries(s) {
                    raw.styles.push((
                        sk.get_ref().to_string(),
                        style_spec(sv.get_ref()),
                        doc.line(sk.span()),
                    ));
                }
            }
            ("name" | "inherits", _) => return Err(err("must be a string")),
            ("palette" | "styles", _) => return Err(err("must be a table")),
            _ => warnings.push(doc.warning(k.span(), &key, "unknown key (ignored)")),
        }
    }
    Ok(raw)
}

/// A style as written: a colour, or a table of `fg`, `bg`, `underline` and `modifiers`.
fn style_spec(v: &DeValue<'_>) -> Result<StyleSpec, String> {
    let mut spec = StyleSpec::default();
    match v {
        DeValue::String(s) => spec.fg = Some(s.to_string()),
        DeValue::Table(t) => {
            for (k, v) in tomlfile::entries(t) {
                match (k.get_ref().as_ref(), v.get_ref()) {
                    ("fg", DeValue::String(s)) => spec.fg = Some(s.to_string()),
                    ("bg", DeValue::String(s)) => spec.bg = Some(s.to_string()),
                    ("underline", DeValue::String(s)) => spec.underline = Some(s.to_string()),
                    ("modifiers", DeValue::Array(mods)) => {
                        for m in mods.iter() {
                            let m = m.get_ref().as_str().unwrap_or("");
                            spec.modifiers |= match m {
                                "bold" => Modifier::BOLD,
                                "dim" => Modifier::DIM,
                                "italic" => Modifier::ITALIC,
                                "underlined" => Modifier::UNDERLINED,
                                "reversed" => Modifier::REVERSED,
                                "crossed_out" => Modifier::CROSSED_OUT,
                                other => return Err(format!("unknown modifier {other:?}")),
                            };
                        }
                    }
                    (other, _) => {
                        return Err(format!(
                            "unknown style field {other:?} (fg, bg, underline, modifiers)"
                        ));
                    }
                }
            }
        }
        _ => return Err("a style is a colour or a table with fg, bg, modifiers".into()),
    }
    Ok(spec)
}

/// A style with its colour names looked up: a palette entry, `#rrggbb` or an ANSI name.
fn resolve_style(spec: &StyleSpec, palette: &HashMap<String, Color>) -> Result<Style, String> {
    let colour = |s: &String| {
        palette
            .get(s)
            .copied()
            .or_else(|| parse_color(s))
            .ok_or(format!(
                "unknown colour {s:?} (use a palette name, #rrggbb or an ANSI colour name)"
            ))
    };
    let mut style = Style::default().add_modifier(spec.modifiers);
    if let Some(c) = &spec.fg {
        style = style.fg(colour(c)?);
    }
    if let Some(c) = &spec.bg {
        style = style.bg(colour(c)?);
    }
    if let Some(c) = &spec.underline {
        style = style.underline_color(colour(c)?);
    }
    Ok(style)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_parses_and_falls_back_along_dots() {
        let t = Theme::builtin();
        assert_eq!(
            t.get("status.running").fg,
            Some(Color::Rgb(0x98, 0xc3, 0x79))
        );
        assert_eq!(t.get("status.running.extra"), t.get("status.running"));
        assert_eq!(t.get("nothing.here"), t.get("text"));
    }

    #[test]
    fn errors_name_the_key_and_line() {
        let e = Theme::parse("[styles]\n\"text\" = { fg = \"nocolour\" }\n", "x.toml").unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(
            e.to_string()
                .contains("x.toml:2: styles.text: unknown colour"),
            "{e}"
        );
        let e = Theme::parse("[palette]\nfg = \"#12\"\n", "y.toml").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("y.toml:2: palette.fg: not a colour"),
            "{e}"
        );
    }

    #[test]
    fn inherits_overrides_keys_and_palette() {
        let child = "inherits = \"default\"\n[palette]\ngreen = \"#00ff00\"\n[styles]\n\"status.failed\" = { fg = \"white\" }\n";
        let t = Theme::parse(child, "child.toml").unwrap();
        let d = Theme::builtin();
        // A palette entry redefined recolours the inherited styles that use it.
        assert_eq!(t.get("status.running").fg, Some(Color::Rgb(0, 255, 0)));
        assert_eq!(t.get("status.failed").fg, Some(Color::White));
        // The rest comes from the parent.
        assert_eq!(t.get("ui.header"), d.get("ui.header"));
        assert_eq!(t.keys().count(), d.keys().count());
    }

    #[test]
    fn inheriting_an_unknown_theme_lists_the_available_ones() {
        let e = Theme::parse("inherits = \"nosuch\"\n", "c.toml").unwrap_err();
        assert!(e.to_string().contains("available: default, light"), "{e}");
    }

    #[test]
    fn degrading_maps_every_colour() {
        let t = Theme::builtin().degrade(ColorCap::Ansi16);
        assert_eq!(t.palette(), Palette::Ansi16);
        assert_eq!(t.get("status.failed").fg, Some(Color::LightRed));
        let t = Theme::builtin().degrade(ColorCap::Ansi256);
        assert_eq!(t.get("status.failed").fg, Some(Color::Indexed(168)));
    }

    #[test]
    fn accent_is_dropped_in_a_theme_without_colour() {
        let mono = Theme::named("mono").unwrap();
        assert_eq!(mono.accent(Color::Red), None);
        let d = Theme::builtin().degrade(ColorCap::Ansi256);
        assert_eq!(d.accent(Color::Rgb(255, 0, 0)), Some(Color::Indexed(196)));
    }
}
