//! Chord notation: `j`, `G`, `<C-k>`, `<S-Tab>`, `<F5>`, `<Space>`, `g g`. `FromStr` and
//! `Display` round-trip, and incoming key events are normalised the same way.

use std::fmt;
use std::str::FromStr;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// One key press: a key and its modifiers (Shift only for keys that are not characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    pub fn new(code: KeyCode, mods: KeyModifiers) -> Key {
        let mut mods = mods & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let mut code = code;
        match code {
            // A character already says whether Shift was held.
            KeyCode::Char(_) => mods.remove(KeyModifiers::SHIFT),
            KeyCode::BackTab => {
                code = KeyCode::Tab;
                mods.insert(KeyModifiers::SHIFT);
            }
            _ => {}
        }
        // Terminals report Ctrl+letter in either case; keep the lower case.
        if let KeyCode::Char(c) = code
            && mods.contains(KeyModifiers::CONTROL)
        {
            code = KeyCode::Char(c.to_ascii_lowercase());
        }
        Key { code, mods }
    }

    pub fn from_event(e: &KeyEvent) -> Key {
        Key::new(e.code, e.modifiers)
    }

    pub fn char(c: char) -> Key {
        Key::new(KeyCode::Char(c), KeyModifiers::NONE)
    }
}

/// A sequence of key presses.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Chord(pub Vec<Key>);

impl Chord {
    pub fn starts_with(&self, prefix: &[Key]) -> bool {
        self.0.len() >= prefix.len() && self.0[..prefix.len()] == *prefix
    }
}

const NAMED: &[(&str, KeyCode)] = &[
    ("Enter", KeyCode::Enter),
    ("Esc", KeyCode::Esc),
    ("Tab", KeyCode::Tab),
    ("Space", KeyCode::Char(' ')),
    ("Backspace", KeyCode::Backspace),
    ("Del", KeyCode::Delete),
    ("Ins", KeyCode::Insert),
    ("Up", KeyCode::Up),
    ("Down", KeyCode::Down),
    ("Left", KeyCode::Left),
    ("Right", KeyCode::Right),
    ("Home", KeyCode::Home),
    ("End", KeyCode::End),
    ("PageUp", KeyCode::PageUp),
    ("PageDown", KeyCode::PageDown),
    ("lt", KeyCode::Char('<')),
    ("gt", KeyCode::Char('>')),
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad chord {chord:?}: {reason}")]
pub struct ChordError {
    pub chord: String,
    pub reason: String,
}

fn parse_key(tok: &str) -> Result<Key, String> {
    let mut chars = tok.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return Ok(Key::char(c));
    }
    let inner = tok
        .strip_prefix('<')
        .and_then(|t| t.strip_suffix('>'))
        .ok_or_else(|| format!("{tok:?} is neither one character nor <…>"))?;
    let mut mods = KeyModifiers::NONE;
    let mut rest = inner;
    loop {
        let m = match rest.get(..2).map(|p| p.to_ascii_uppercase()).as_deref() {
            Some("C-") => KeyModifiers::CONTROL,
            Some("A-") | Some("M-") => KeyModifiers::ALT,
            Some("S-") => KeyModifiers::SHIFT,
            _ => break,
        };
        if rest.len() == 2 {
            break;
        }
        mods |= m;
        rest = &rest[2..];
    }
    let code = if let Some((_, code)) = NAMED.iter().find(|(n, _)| n.eq_ignore_ascii_case(rest)) {
        *code
    } else if let Some(n) = rest
        .strip_prefix(['F', 'f'])
        .and_then(|n| n.parse::<u8>().ok())
        .filter(|n| (1..=12).contains(n))
    {
        KeyCode::F(n)
    } else {
        let mut cs = rest.chars();
        match (cs.next(), cs.next()) {
            (Some(c), None) => KeyCode::Char(c),
            _ => return Err(format!("unknown key name {rest:?}")),
        }
    };
    Ok(Key::new(code, mods))
}

impl FromStr for Chord {
    type Err = ChordError;
    fn from_str(s: &str) -> Result<Chord, ChordError> {
        let keys: Result<Vec<Key>, String> = s
            .split(' ')
            .filter(|t| !t.is_empty())
            .map(parse_key)
            .collect();
        match keys {
            Ok(k) if !k.is_empty() => Ok(Chord(k)),
            Ok(_) => Err(ChordError {
                chord: s.into(),
                reason: "empty".into(),
            }),
            Err(reason) => Err(ChordError {
                chord: s.into(),
                reason,
            }),
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut prefix = String::new();
        if self.mods.contains(KeyModifiers::CONTROL) {
            prefix.push_str("C-");
        }
        if self.mods.contains(KeyModifiers::ALT) {
            prefix.push_str("A-");
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            prefix.push_str("S-");
        }
        let name = NAMED
            .iter()
            .find(|(_, c)| *c == self.code)
            .map(|(n, _)| n.to_string());
        let name = match (name, self.code) {
            (Some(n), _) => n,
            (None, KeyCode::F(n)) => format!("F{n}"),
            (None, KeyCode::Char(c)) => c.to_string(),
            (None, other) => format!("{other:?}"),
        };
        let bare = prefix.is_empty() && name.chars().count() == 1;
        if bare {
            write!(f, "{name}")
        } else {
            write!(f, "<{prefix}{name}>")
        }
    }
}

impl fmt::Display for Chord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, k) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{k}")?;
        }
        Ok(())
    }
}

impl Chord {
    /// How a person reads the chord on screen (help, hints): `<` and `>` as themselves, where
    /// the keymap notation writes `<lt>` and `<gt>`.
    pub fn label(&self) -> String {
        self.0
            .iter()
            .map(|k| match k.to_string().as_str() {
                "<lt>" => "<".to_owned(),
                "<gt>" => ">".to_owned(),
                other => other.to_owned(),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_show_angle_brackets_as_themselves() {
        assert_eq!("<".parse::<Chord>().unwrap().label(), "<");
        assert_eq!("< >".parse::<Chord>().unwrap().label(), "< >");
        assert_eq!("<C-r>".parse::<Chord>().unwrap().label(), "<C-r>");
    }

    #[test]
    fn notation_round_trips() {
        for s in [
            "j",
            "G",
            "?",
            "<C-k>",
            "<S-Tab>",
            "g g",
            "<F5>",
            "<Space>",
            "<Enter>",
            "<lt>",
            "<gt>",
            "<C-A-x>",
            "<PageDown>",
            "/",
        ] {
            let c: Chord = s.parse().unwrap();
            assert_eq!(c.to_string(), s, "round trip of {s}");
            assert_eq!(c.to_string().parse::<Chord>().unwrap(), c);
        }
    }

    #[test]
    fn equivalent_spellings_normalise() {
        let a: Chord = "<c-K>".parse().unwrap();
        assert_eq!(a.to_string(), "<C-k>");
        assert_eq!("< >".parse::<Chord>().unwrap().to_string(), "<lt> <gt>");
        assert_eq!("<space>".parse::<Chord>().unwrap().to_string(), "<Space>");
        assert_eq!("<".parse::<Chord>().unwrap().to_string(), "<lt>");
        // What a terminal sends for Shift+Tab and for a shifted letter.
        let backtab = Key::from_event(&KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT));
        assert_eq!(Chord(vec![backtab]), "<S-Tab>".parse().unwrap());
        let g = Key::from_event(&KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT));
        assert_eq!(Chord(vec![g]), "G".parse().unwrap());
    }

    #[test]
    fn bad_chords_say_why() {
        assert!(
            "<Hyper-x>"
                .parse::<Chord>()
                .unwrap_err()
                .reason
                .contains("unknown key")
        );
        assert!("".parse::<Chord>().is_err());
        assert!("ab".parse::<Chord>().is_err());
        assert!("<F13>".parse::<Chord>().is_err());
    }
}
