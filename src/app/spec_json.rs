//! A Docker Swarm service's spec as editable JSON and back (`e` on a Swarm, `swarm_edit.rs`):
//! the Engine API's own field names (`TaskTemplate.ContainerSpec.Image`), as bollard's model
//! writes them. Reading it back goes through `json_input.rs`, so an error names its line and
//! JSON path; and since the model would silently drop a key it does not know, such a key is
//! refused here by name and line — a misspelt field dropped without a word would send an
//! update without the change the operator believes they made.

use bollard::models::ServiceSpec;
use serde_json::Value;

pub use super::json_input::TextError;

/// The spec as pretty JSON, one field per line: the editor's text and the diff's lines.
pub fn to_text(spec: &ServiceSpec) -> String {
    serde_json::to_string_pretty(spec).unwrap_or_default()
}

/// The lines two specs are diffed by.
pub fn lines_of(spec: &ServiceSpec) -> Vec<String> {
    to_text(spec).lines().map(str::to_owned).collect()
}

/// Whether two specs are the same spec (what the Engine would be sent is what it has).
pub fn same(a: &ServiceSpec, b: &ServiceSpec) -> bool {
    serde_json::to_value(a).ok() == serde_json::to_value(b).ok()
}

/// Reads edited text as a spec; an error says where (line, JSON path), and a key the Engine's
/// spec does not have is refused by name.
pub fn from_text(text: &str) -> Result<ServiceSpec, TextError> {
    let spec: ServiceSpec = super::json_input::read(text)?;
    let typed = serde_json::to_value(&spec).unwrap_or(Value::Null);
    // `read` succeeded, so the text is JSON.
    let given: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    if let Some((path, name)) = unknown_key(&given, &typed, "$") {
        let (line, column) = line_of_key(text, &name);
        return Err(TextError::Field {
            path,
            message: "no such field in a service spec (the Engine's names are case-sensitive)"
                .into(),
            line,
            column,
        });
    }
    Ok(spec)
}

/// The first key of `given` that reading dropped: its JSON path and its name. Nulls are
/// nothing to drop.
fn unknown_key(given: &Value, typed: &Value, path: &str) -> Option<(String, String)> {
    match (given, typed) {
        (Value::Object(g), Value::Object(t)) => g.iter().find_map(|(k, v)| {
            let here = format!("{path}.{k}");
            match t.get(k) {
                _ if v.is_null() => None,
                None => Some((here, k.clone())),
                Some(tv) => unknown_key(v, tv, &here),
            }
        }),
        (Value::Array(g), Value::Array(t)) => g
            .iter()
            .zip(t)
            .enumerate()
            .find_map(|(i, (g, t))| unknown_key(g, t, &format!("{path}[{i}]"))),
        _ => None,
    }
}

/// Where `"name":` first appears in the text (line and column from 1; 1,1 when not found).
fn line_of_key(text: &str, name: &str) -> (usize, usize) {
    let quoted = format!("\"{name}\"");
    text.lines()
        .enumerate()
        .find_map(|(i, l)| {
            let at = l.find(&quoted)?;
            l[at + quoted.len()..]
                .trim_start()
                .starts_with(':')
                .then_some((i + 1, at + 1))
        })
        .unwrap_or((1, 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ServiceSpec {
        serde_json::from_value(serde_json::json!({
            "Name": "web",
            "TaskTemplate": {"ContainerSpec": {"Image": "busybox:1", "Env": ["A=1"]}},
            "Mode": {"Replicated": {"Replicas": 2}}
        }))
        .unwrap()
    }

    #[test]
    fn a_spec_reads_back_as_itself() {
        let s = spec();
        let back = from_text(&to_text(&s)).unwrap();
        assert!(same(&s, &back));
        let edited = to_text(&s).replace("busybox:1", "busybox:2");
        assert!(!same(&s, &from_text(&edited).unwrap()));
    }

    #[test]
    fn errors_name_the_line_and_the_field() {
        let text = to_text(&spec());
        // Not JSON: the line of the damage.
        let broken = text.replacen("\"Image\"", "Image", 1);
        let line = 1 + text.lines().position(|l| l.contains("\"Image\"")).unwrap();
        match from_text(&broken) {
            Err(TextError::Syntax { line: l, .. }) => assert_eq!(l, line),
            other => panic!("{other:?}"),
        }
        // A value of the wrong type: its path.
        let wrong = text.replace("\"Replicas\": 2", "\"Replicas\": \"two\"");
        match from_text(&wrong) {
            Err(TextError::Field { path, .. }) => {
                assert_eq!(path, "$.Mode.Replicated.Replicas")
            }
            other => panic!("{other:?}"),
        }
        // A misspelt key is refused rather than dropped.
        let misspelt = text.replace("\"Image\"", "\"Imagee\"");
        match from_text(&misspelt) {
            Err(TextError::Field { path, line: l, .. }) => {
                assert_eq!(path, "$.TaskTemplate.ContainerSpec.Imagee");
                assert_eq!(l, line);
            }
            other => panic!("{other:?}"),
        }
    }
}
