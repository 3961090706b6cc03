//! JSON a person typed, read into a serde type: errors say where (line and column, from 1) and,
//! for a value that cannot be used, its JSON path (`$.resources[1].ram_mb`) and what was
//! expected in JSON's words rather than Rust's. Unknown keys are refused when the type says
//! `deny_unknown_fields`. The update editor reads its config text through this
//! (`config_json.rs`).

use serde::de::DeserializeOwned;

/// Why edited text is not the value wanted. Both kinds say where: `line` and `column` count
/// from 1.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// Not JSON at all.
    #[error("not valid JSON at line {line}, column {column}: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    /// JSON, but a value that cannot be used: its JSON path (`$.resources[1].ram_mb`).
    #[error("{path}: {message} (line {line})")]
    Field {
        path: String,
        message: String,
        line: usize,
        column: usize,
    },
}

impl TextError {
    /// Where in the text the problem is, to put the cursor there.
    pub fn position(&self) -> (usize, usize) {
        match self {
            TextError::Syntax { line, column, .. } | TextError::Field { line, column, .. } => {
                (*line, *column)
            }
        }
    }
}

/// Reads `text` as one `T`, with the JSON path of anything it cannot use.
pub fn read<T: DeserializeOwned>(text: &str) -> Result<T, TextError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = json_path(e.path());
        let e = e.into_inner();
        // serde_json reads a union (an externally tagged enum) with a second member as a
        // syntax error; in valid JSON it is a field that cannot be used.
        if !e.is_data() && serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok() {
            return TextError::Field {
                path,
                message: "expected an object with exactly one member".into(),
                line: e.line(),
                column: e.column(),
            };
        }
        text_error(e, Some(path))
    })?;
    de.end().map_err(|e| text_error(e, None))?;
    Ok(value)
}

/// A serde_json error as the editor says it: a syntax error, or a field (at `path`) that
/// cannot be used.
fn text_error(e: serde_json::Error, path: Option<String>) -> TextError {
    let (line, column) = (e.line(), e.column());
    let message = strip_position(&e.to_string()).to_owned();
    match path {
        Some(path) if e.is_data() => TextError::Field {
            path,
            message: plain(&message),
            line,
            column,
        },
        _ => TextError::Syntax {
            line,
            column,
            message,
        },
    }
}

/// serde_json appends " at line L column C"; the caller says that itself.
fn strip_position(s: &str) -> &str {
    match s.rfind(" at line ") {
        Some(i) => &s[..i],
        None => s,
    }
}

/// `$.resources[1].ramMb`.
fn json_path(p: &serde_path_to_error::Path) -> String {
    match p.to_string() {
        root if root == "." => "$".into(),
        index if index.starts_with('[') => format!("${index}"),
        field => format!("$.{field}"),
    }
}

/// serde's message in the editor's words: "expected an integer, got string "lots"" rather
/// than "invalid type: string "lots", expected i64" (what a Rust type is called means nothing
/// to someone editing JSON).
fn plain(message: &str) -> String {
    let words = |expected: &str| -> String {
        match expected {
            "i64" | "u64" => "an integer".into(),
            "i32" => "a 32-bit integer".into(),
            "i16" => "a 16-bit integer".into(),
            "f64" => "a number".into(),
            "a sequence" => "a list".into(),
            "a map" => "an object".into(),
            e if e.starts_with("struct ") => "an object".into(),
            e if e.starts_with("enum ") => "an object with one member".into(),
            e => e.to_owned(),
        }
    };
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = message.strip_prefix(prefix)
            && let Some((got, expected)) = rest.rsplit_once(", expected ")
        {
            return format!("expected {}, got {got}", words(expected));
        }
    }
    message.to_owned()
}
