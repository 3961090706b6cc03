//! The one front end for Eos's TOML files — the config file, themes and keymaps: the text is
//! parsed with toml's spans, so every error and warning names the file, the line and the key
//! it is about, with one error type ([`ConfigError`]) for all three.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeString, DeTable, DeValue};

/// A config, theme or keymap file that cannot be used: the file, and where known the line and
/// the key (a dotted path such as `clusters.prod.accent`). Shown as `FILE:LINE: KEY: REASON`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {reason}", self.location())]
pub struct ConfigError {
    pub file: String,
    /// 1-based.
    pub line: Option<usize>,
    pub key: Option<String>,
    pub reason: String,
}

impl ConfigError {
    /// An error about the whole file (it cannot be read, it does not exist).
    pub fn file(file: impl Into<String>, reason: impl Into<String>) -> ConfigError {
        ConfigError {
            file: file.into(),
            line: None,
            key: None,
            reason: reason.into(),
        }
    }

    /// `FILE[:LINE][: KEY]`.
    pub fn location(&self) -> String {
        let mut s = self.file.clone();
        if let Some(l) = self.line {
            s.push_str(&format!(":{l}"));
        }
        if let Some(k) = &self.key {
            s.push_str(&format!(": {k}"));
        }
        s
    }
}

/// The command-line layer reports errors as text.
impl From<ConfigError> for String {
    fn from(e: ConfigError) -> String {
        e.to_string()
    }
}

pub type Key<'i> = Spanned<DeString<'i>>;
pub type Value<'i> = Spanned<DeValue<'i>>;

/// A parsed file: its name, its text and its top-level table, every key and value spanned.
pub struct Doc<'i> {
    pub file: String,
    text: &'i str,
    root: DeTable<'i>,
}

impl<'i> Doc<'i> {
    /// Parses `text`; a syntax error names the file and the line.
    pub fn parse(text: &'i str, file: &str) -> Result<Doc<'i>, ConfigError> {
        match DeTable::parse(text) {
            Ok(root) => Ok(Doc {
                file: file.to_owned(),
                text,
                root: root.into_inner(),
            }),
            Err(e) => Err(ConfigError {
                file: file.to_owned(),
                line: e.span().map(|s| line_at(text, s.start)),
                key: None,
                reason: format!("syntax error: {}", e.message().trim()),
            }),
        }
    }

    pub fn root(&self) -> &DeTable<'i> {
        &self.root
    }

    /// The 1-based line a span starts on.
    pub fn line(&self, span: Range<usize>) -> usize {
        line_at(self.text, span.start)
    }

    /// An error about `key` (a dotted path), on the line `span` starts on.
    pub fn error(&self, span: Range<usize>, key: &str, reason: impl Into<String>) -> ConfigError {
        ConfigError {
            file: self.file.clone(),
            line: Some(self.line(span)),
            key: Some(key.to_owned()),
            reason: reason.into(),
        }
    }

    /// A warning in the same form as an error: `FILE:LINE: KEY: REASON`.
    pub fn warning(&self, span: Range<usize>, key: &str, reason: &str) -> String {
        self.error(span, key, reason).to_string()
    }
}

/// The 1-based line of byte `offset` in `text`.
pub fn line_at(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// A table's entries in the order they are written (the map itself is in key order).
pub fn entries<'a, 'i>(table: &'a DeTable<'i>) -> Vec<(&'a Key<'i>, &'a Value<'i>)> {
    let mut v: Vec<_> = table.iter().collect();
    v.sort_by_key(|(k, _)| k.span().start);
    v
}

/// `parent.key`, quoting a key that would not read as one word (`list."g g"`); dots are kept
/// bare so style names read as written (`styles.status.running`).
pub fn path(parent: &str, key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    let key = if bare {
        key.to_owned()
    } else {
        format!("{key:?}")
    };
    if parent.is_empty() {
        key
    } else {
        format!("{parent}.{key}")
    }
}

/// An integer value.
pub fn integer(v: &DeValue<'_>) -> Option<i64> {
    let i = v.as_integer()?;
    i64::from_str_radix(i.as_str(), i.radix()).ok()
}

/// A number value (integer or float).
pub fn number(v: &DeValue<'_>) -> Option<f64> {
    match v {
        DeValue::Float(f) => f.as_str().parse().ok(),
        _ => integer(v).map(|i| i as f64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_come_from_spans_whatever_the_spelling() {
        let text = "a = 1\n[t]\n\"b c\" = 2\nd.e = 3\nf = { g = 4 }\n";
        let doc = Doc::parse(text, "x.toml").unwrap();
        let t = doc.root()["t"].get_ref().as_table().unwrap();
        let lines: Vec<_> = entries(t)
            .iter()
            .map(|(k, _)| (k.get_ref().to_string(), doc.line(k.span())))
            .collect();
        assert_eq!(
            lines,
            vec![("b c".into(), 3), ("d".into(), 4), ("f".into(), 5)]
        );
        let f = t["f"].get_ref().as_table().unwrap();
        assert_eq!(doc.line(f["g"].span()), 5);
    }

    #[test]
    fn errors_read_file_line_key_reason() {
        let doc = Doc::parse("\n\nx = 1\n", "c.toml").unwrap();
        let e = doc.error(doc.root()["x"].span(), &path("list", "g g"), "bad");
        assert_eq!(e.to_string(), "c.toml:3: list.\"g g\": bad");
        assert_eq!(
            ConfigError::file("c.toml", "cannot read").to_string(),
            "c.toml: cannot read"
        );
        let e = Doc::parse("a = 1\n= 2\n", "c.toml").err().unwrap();
        assert_eq!(e.line, Some(2), "{e}");
        assert!(e.to_string().starts_with("c.toml:2: syntax error"), "{e}");
    }

    #[test]
    fn numbers_in_every_radix() {
        let doc = Doc::parse("a = 0x10\nb = 1_000\nc = 2.5\nd = \"no\"\n", "n").unwrap();
        let r = doc.root();
        assert_eq!(integer(r["a"].get_ref()), Some(16));
        assert_eq!(integer(r["b"].get_ref()), Some(1000));
        assert_eq!(number(r["c"].get_ref()), Some(2.5));
        assert_eq!(number(r["d"].get_ref()), None);
    }
}
