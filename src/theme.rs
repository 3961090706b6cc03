//! Themes: a TOML palette and semantic style keys. Widgets ask for a meaning, never a colour;
//! a missing key falls back along its dots (`status.running` -> `status` -> default).

use std::collections::HashMap;

use ratatui::style::{Color, Modifier, Style};

pub const DEFAULT_TOML: &str = include_str!("../themes/default.toml");

#[derive(Clone, Debug, Default)]
pub struct Theme {
    pub name: String,
    styles: HashMap<String, Style>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {reason}")]
pub struct ThemeError {
    pub file: String,
    pub reason: String,
}

impl Theme {
    pub fn builtin() -> Theme {
        Theme::parse(DEFAULT_TOML, "themes/default.toml")
            .expect("the embedded theme is valid (tested)")
    }

    pub fn parse(text: &str, file: &str) -> Result<Theme, ThemeError> {
        let err = |reason: String| ThemeError {
            file: file.to_owned(),
            reason,
        };
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| err(e.message().to_owned()))?;
        let palette: HashMap<String, Color> = match table.get("palette") {
            Some(toml::Value::Table(p)) => p
                .iter()
                .map(|(k, v)| {
                    let c = v
                        .as_str()
                        .and_then(|s| parse_color(s, &HashMap::new()))
                        .ok_or_else(|| err(format!("palette.{k}: not a colour")))?;
                    Ok((k.clone(), c))
                })
                .collect::<Result<_, ThemeError>>()?,
            _ => HashMap::new(),
        };
        let mut styles = HashMap::new();
        if let Some(toml::Value::Table(s)) = table.get("styles") {
            for (key, v) in s {
                styles.insert(
                    key.clone(),
                    parse_style(v, &palette).map_err(|r| err(format!("{key}: {r}")))?,
                );
            }
        }
        Ok(Theme {
            name: table
                .get("name")
                .and_then(|v| v.as_str())
                .unwrap_or("unnamed")
                .to_owned(),
            styles,
        })
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

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.styles.keys().map(String::as_str)
    }
}

fn parse_style(v: &toml::Value, palette: &HashMap<String, Color>) -> Result<Style, String> {
    let mut style = Style::default();
    match v {
        toml::Value::String(s) => {
            style = style.fg(parse_color(s, palette).ok_or(format!("unknown colour {s:?}"))?);
        }
        toml::Value::Table(t) => {
            for (k, v) in t {
                match (k.as_str(), v) {
                    ("fg", toml::Value::String(s)) => {
                        style = style
                            .fg(parse_color(s, palette).ok_or(format!("unknown colour {s:?}"))?)
                    }
                    ("bg", toml::Value::String(s)) => {
                        style = style
                            .bg(parse_color(s, palette).ok_or(format!("unknown colour {s:?}"))?)
                    }
                    ("modifiers", toml::Value::Array(mods)) => {
                        for m in mods {
                            let m = m.as_str().unwrap_or("");
                            style = style.add_modifier(match m {
                                "bold" => Modifier::BOLD,
                                "dim" => Modifier::DIM,
                                "italic" => Modifier::ITALIC,
                                "underlined" => Modifier::UNDERLINED,
                                "reversed" => Modifier::REVERSED,
                                "crossed_out" => Modifier::CROSSED_OUT,
                                other => return Err(format!("unknown modifier {other:?}")),
                            });
                        }
                    }
                    (other, _) => return Err(format!("unknown style field {other:?}")),
                }
            }
        }
        _ => return Err("a style is a colour or a table with fg, bg, modifiers".into()),
    }
    Ok(style)
}

/// `#rrggbb`, an ANSI colour name, or a palette entry.
pub fn parse_color(s: &str, palette: &HashMap<String, Color>) -> Option<Color> {
    if let Some(c) = palette.get(s) {
        return Some(*c);
    }
    if let Some(hex) = s.strip_prefix('#')
        && hex.len() == 6
    {
        let v = u32::from_str_radix(hex, 16).ok()?;
        return Some(Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8));
    }
    Some(match s {
        "reset" | "default" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" | "grey" => Color::Gray,
        "darkgray" | "darkgrey" => Color::DarkGray,
        "lightred" => Color::LightRed,
        "lightgreen" => Color::LightGreen,
        "lightyellow" => Color::LightYellow,
        "lightblue" => Color::LightBlue,
        "lightmagenta" => Color::LightMagenta,
        "lightcyan" => Color::LightCyan,
        "white" => Color::White,
        _ => return None,
    })
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
    fn errors_name_the_key() {
        let e = Theme::parse("[styles]\n\"text\" = { fg = \"nocolour\" }\n", "x.toml").unwrap_err();
        assert!(e.to_string().contains("text: unknown colour"), "{e}");
    }
}
