//! A TaskConfig as editable JSON and back. The JSON is what `serde` writes for the model types
//! (unions as `{"member": value}`, enums by name), except that the executor's data — JSON
//! inside a string — is shown parsed when it is a JSON object or array, so it can be edited
//! like the rest. Reading JSON back is the model's derived `Deserialize` through
//! `json_input.rs`: errors name the JSON path and the line of anything it cannot use
//! (`$.resources[1].ramMb: expected an integer, got string "lots" (line 40)`), and unknown
//! keys are refused rather than silently dropped — in an editor, a misspelt field dropped
//! without a word would send an update without the change the user believes they made.
//! Tests: tests/it/config_json.rs.

use serde_json::Value;

pub use super::json_input::TextError;
use crate::aurora::model::TaskConfig;

/// The lines two configs are diffed by: [`to_text`] of the config with its sets in canonical
/// order ([`TaskConfig::sort_sets`]), so one changed value reads as one changed line (the
/// update screen, the editor's preview).
pub fn diff_lines_of(c: &TaskConfig) -> Vec<String> {
    to_text(&c.with_sets_sorted())
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The config as a JSON value, with the executor data parsed when it is an object or array.
pub fn to_value(c: &TaskConfig) -> Value {
    let mut v = serde_json::to_value(c).unwrap_or(Value::Null);
    if let Some(data) = v.pointer_mut("/executorConfig/data")
        && let Some(text) = data.as_str()
        && let Ok(parsed @ (Value::Object(_) | Value::Array(_))) =
            serde_json::from_str::<Value>(text)
    {
        *data = parsed;
    }
    v
}

/// The config as pretty JSON, one field per line: the editor's text and the diff's lines.
pub fn to_text(c: &TaskConfig) -> String {
    serde_json::to_string_pretty(&to_value(c)).unwrap_or_default()
}

/// Reads edited JSON text. `original` is the config the text was made from: when the edited
/// executor data means the same JSON as the original's, the original string is kept byte for
/// byte, so an untouched executor config is never rewritten (and never shows up as a change).
pub fn from_text(text: &str, original: Option<&TaskConfig>) -> Result<TaskConfig, TextError> {
    let mut c: TaskConfig = super::json_input::read(text)?;
    let executor_data = |c: &TaskConfig| c.executor_config.as_ref()?.data.clone();
    if let (Some(orig), Some(new)) = (
        original.and_then(executor_data),
        c.executor_config.as_mut().and_then(|e| e.data.as_mut()),
    ) && orig != *new
        && same_json(&orig, new)
    {
        *new = orig;
    }
    Ok(c)
}

/// Two JSON texts mean the same value.
fn same_json(a: &str, b: &str) -> bool {
    let parse = |s: &str| serde_json::from_str::<Value>(s).ok();
    parse(a).is_some() && parse(a) == parse(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_simulators_configs_round_trip() {
        let sim = crate::sim::Simulator::new(&crate::sim::SimArgs::default());
        let configs: Vec<TaskConfig> = sim
            .sync()
            .jobs
            .iter()
            .flat_map(|j| j.configs.iter().map(|c| (*c.full).clone()))
            .collect();
        assert!(configs.len() > 3);
        for c in configs {
            let text = to_text(&c);
            assert_eq!(from_text(&text, Some(&c)).unwrap(), c, "{text}");
            assert_eq!(from_text(&to_value(&c).to_string(), None).unwrap(), c);
        }
    }
}
