//! A TaskConfig as editable JSON and back. The JSON is what `serde` writes for the model types
//! (snake_case field names, unions as `{"member": value}`, enums by name), except that the
//! executor's data — JSON inside a string — is shown parsed when it is a JSON object or array,
//! so it can be edited like the rest. Reading JSON back checks every field and names the JSON
//! path of anything it cannot use (`$.resources[1].ram_mb: expected an integer, got "lots"`);
//! unknown keys are refused rather than silently dropped.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::aurora::model::*;

/// Bad JSON input, at a JSON path such as `$.constraints[0].constraint.value`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError {
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for JsonError {}

type R<T> = Result<T, JsonError>;

fn err<T>(path: &str, message: impl Into<String>) -> R<T> {
    Err(JsonError {
        path: path.to_owned(),
        message: message.into(),
    })
}

/// Puts the config's Thrift sets (`resources`, `constraints` and their values, `metadata`,
/// `mesos_fetcher_uris`) in one canonical order. Their wire order means nothing, and a
/// scheduler may send the same set in another order each time: diffed as sent, "ram 4096 →
/// 6144" read as two removed and two added lines of unrelated resources.
pub fn sort_sets(c: &mut TaskConfig) {
    fn by_json<T: serde::Serialize>(v: &mut [T]) {
        v.sort_by_cached_key(|x| serde_json::to_string(x).unwrap_or_default());
    }
    if let Some(r) = c.resources.as_mut() {
        by_json(r);
    }
    if let Some(m) = c.metadata.as_mut() {
        by_json(m);
    }
    if let Some(u) = c.mesos_fetcher_uris.as_mut() {
        by_json(u);
    }
    if let Some(cs) = c.constraints.as_mut() {
        for con in cs.iter_mut() {
            if let Some(TaskConstraint::Value(v)) = con.constraint.as_mut()
                && let Some(values) = v.values.as_mut()
            {
                values.sort();
            }
        }
        by_json(cs);
    }
}

/// The config with its sets in canonical order ([`sort_sets`]).
pub fn with_sets_sorted(c: &TaskConfig) -> TaskConfig {
    let mut c = c.clone();
    sort_sets(&mut c);
    c
}

/// The lines two configs are diffed by: [`to_text`] of the config with its sets in canonical
/// order, so one changed value reads as one changed line (the update screen, the editor's
/// preview).
pub fn diff_lines_of(c: &TaskConfig) -> Vec<String> {
    to_text(&with_sets_sorted(c))
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The config as a JSON value, with the executor data parsed when it is an object or array.
pub fn to_value(c: &TaskConfig) -> Value {
    let mut v = serde_json::to_value(c).unwrap_or(Value::Null);
    if let Some(data) = v.pointer_mut("/executor_config/data")
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

/// Why edited text is not a config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TextError {
    /// Not JSON at all; `line` and `column` count from 1.
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    /// JSON, but not a TaskConfig.
    Field(JsonError),
}

impl std::fmt::Display for TextError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TextError::Syntax {
                line,
                column,
                message,
            } => write!(
                f,
                "not valid JSON at line {line}, column {column}: {message}"
            ),
            TextError::Field(e) => e.fmt(f),
        }
    }
}

/// Reads edited JSON text. `original` is the config the text was made from: when the edited
/// executor data means the same JSON as the original's, the original string is kept byte for
/// byte, so an untouched executor config is never rewritten (and never shows up as a change).
pub fn from_text(text: &str, original: Option<&TaskConfig>) -> Result<TaskConfig, TextError> {
    let value: Value = serde_json::from_str(text).map_err(|e| TextError::Syntax {
        line: e.line(),
        column: e.column(),
        message: strip_position(&e.to_string()).to_owned(),
    })?;
    let mut c = from_value(&value).map_err(TextError::Field)?;
    if let (Some(orig), Some(new)) = (
        original.and_then(executor_data),
        c.executor_config.as_mut().and_then(|e| e.data.as_mut()),
    ) && orig != new.as_str()
        && same_json(orig, new)
    {
        *new = orig.to_owned();
    }
    Ok(c)
}

fn executor_data(c: &TaskConfig) -> Option<&str> {
    c.executor_config.as_ref()?.data.as_deref()
}

fn same_json(a: &str, b: &str) -> bool {
    match (
        serde_json::from_str::<Value>(a),
        serde_json::from_str::<Value>(b),
    ) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// serde_json appends " at line L column C"; the caller says that itself.
fn strip_position(s: &str) -> &str {
    match s.rfind(" at line ") {
        Some(i) => &s[..i],
        None => s,
    }
}

/// Reads a TaskConfig from JSON as written by [`to_value`].
pub fn from_value(v: &Value) -> R<TaskConfig> {
    let p = "$";
    let o = object(
        v,
        p,
        &[
            "is_service",
            "priority",
            "max_task_failures",
            "owner",
            "production",
            "constraints",
            "task_links",
            "contact_email",
            "executor_config",
            "metadata",
            "job",
            "container",
            "tier",
            "resources",
            "mesos_fetcher_uris",
            "partition_policy",
            "sla_policy",
        ],
    )?;
    Ok(TaskConfig {
        is_service: opt(o, p, "is_service", boolean)?,
        priority: opt(o, p, "priority", int32)?,
        max_task_failures: opt(o, p, "max_task_failures", int32)?,
        owner: opt(o, p, "owner", identity)?,
        production: opt(o, p, "production", boolean)?,
        constraints: opt(o, p, "constraints", |v, p| list(v, p, constraint))?,
        task_links: opt(o, p, "task_links", string_map)?,
        contact_email: opt(o, p, "contact_email", string)?,
        executor_config: opt(o, p, "executor_config", executor_config)?,
        metadata: opt(o, p, "metadata", |v, p| list(v, p, metadata))?,
        job: opt(o, p, "job", job_key)?,
        container: opt(o, p, "container", container)?,
        tier: opt(o, p, "tier", string)?,
        resources: opt(o, p, "resources", |v, p| list(v, p, resource))?,
        mesos_fetcher_uris: opt(o, p, "mesos_fetcher_uris", |v, p| list(v, p, fetcher_uri))?,
        partition_policy: opt(o, p, "partition_policy", partition_policy)?,
        sla_policy: opt(o, p, "sla_policy", sla_policy)?,
    })
}

// ---- building blocks ----

fn kind(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => {
            let short: String = s.chars().take(30).collect();
            format!("{short:?}")
        }
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// An object whose keys must all be in `allowed`.
fn object<'a>(v: &'a Value, path: &str, allowed: &[&str]) -> R<&'a Map<String, Value>> {
    let Value::Object(m) = v else {
        return err(path, format!("expected an object, got {}", kind(v)));
    };
    if let Some(k) = m.keys().find(|k| !allowed.contains(&k.as_str())) {
        return err(
            &format!("{path}.{k}"),
            format!("unknown field (known here: {})", allowed.join(", ")),
        );
    }
    Ok(m)
}

/// An optional field: absent or `null` is `None`.
fn opt<T>(
    m: &Map<String, Value>,
    path: &str,
    key: &str,
    read: impl Fn(&Value, &str) -> R<T>,
) -> R<Option<T>> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => read(v, &format!("{path}.{key}")).map(Some),
    }
}

fn boolean(v: &Value, path: &str) -> R<bool> {
    v.as_bool().map_or_else(
        || err(path, format!("expected true or false, got {}", kind(v))),
        Ok,
    )
}

fn int64(v: &Value, path: &str) -> R<i64> {
    match v.as_i64() {
        Some(n) => Ok(n),
        None => err(path, format!("expected an integer, got {}", kind(v))),
    }
}

fn int32(v: &Value, path: &str) -> R<i32> {
    let n = int64(v, path)?;
    i32::try_from(n).or_else(|_| err(path, format!("{n} is out of range for a 32-bit integer")))
}

fn float(v: &Value, path: &str) -> R<f64> {
    match v.as_f64() {
        Some(n) if v.is_number() => Ok(n),
        _ => err(path, format!("expected a number, got {}", kind(v))),
    }
}

fn string(v: &Value, path: &str) -> R<String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        _ => err(path, format!("expected a string, got {}", kind(v))),
    }
}

fn list<T>(v: &Value, path: &str, read: impl Fn(&Value, &str) -> R<T>) -> R<Vec<T>> {
    let Value::Array(items) = v else {
        return err(path, format!("expected a list, got {}", kind(v)));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, x)| read(x, &format!("{path}[{i}]")))
        .collect()
}

fn string_map(v: &Value, path: &str) -> R<BTreeMap<String, String>> {
    let Value::Object(m) = v else {
        return err(path, format!("expected an object, got {}", kind(v)));
    };
    m.iter()
        .map(|(k, x)| Ok((k.clone(), string(x, &format!("{path}.{k}"))?)))
        .collect()
}

/// A union: an object with exactly one member. Returns the member's name, value and path.
/// `{"unknown": N}` (how an unknown member is shown) is accepted as `Err(N)`.
fn union<'a>(
    v: &'a Value,
    path: &str,
    members: &[&str],
) -> R<Result<(&'a str, &'a Value, String), i16>> {
    let Value::Object(m) = v else {
        return err(
            path,
            format!(
                "expected an object with one of {}, got {}",
                members.join(", "),
                kind(v)
            ),
        );
    };
    if m.len() != 1 {
        return err(
            path,
            format!(
                "expected exactly one of {}, got {} fields",
                members.join(", "),
                m.len()
            ),
        );
    }
    let (k, x) = m.iter().next().expect("one member");
    let p = format!("{path}.{k}");
    if k == "unknown" {
        let n = int64(x, &p)?;
        return i16::try_from(n)
            .map(Err)
            .or_else(|_| err(&p, format!("{n} is not a field id")));
    }
    if !members.contains(&k.as_str()) {
        return err(
            &p,
            format!("unknown member (expected one of {})", members.join(", ")),
        );
    }
    Ok(Ok((k.as_str(), x, p)))
}

/// A Thrift enum: its name, or a number (kept as is, for values newer than Eos).
fn enum_value<E>(
    v: &Value,
    path: &str,
    from_name: impl Fn(&str) -> Option<E>,
    from_number: impl Fn(i32) -> E,
    names: &[&str],
) -> R<E> {
    match v {
        Value::String(s) => from_name(s).map_or_else(
            || {
                err(
                    path,
                    format!("unknown value {s:?} (expected one of {})", names.join(", ")),
                )
            },
            Ok,
        ),
        Value::Number(_) => int32(v, path).map(from_number),
        _ => err(
            path,
            format!("expected one of {}, got {}", names.join(", "), kind(v)),
        ),
    }
}

// ---- the model's structs and unions ----

fn identity(v: &Value, p: &str) -> R<Identity> {
    let o = object(v, p, &["user"])?;
    Ok(Identity {
        user: opt(o, p, "user", string)?,
    })
}

fn job_key(v: &Value, p: &str) -> R<JobKey> {
    let o = object(v, p, &["role", "environment", "name"])?;
    Ok(JobKey {
        role: opt(o, p, "role", string)?,
        environment: opt(o, p, "environment", string)?,
        name: opt(o, p, "name", string)?,
    })
}

fn constraint(v: &Value, p: &str) -> R<Constraint> {
    let o = object(v, p, &["name", "constraint"])?;
    Ok(Constraint {
        name: opt(o, p, "name", string)?,
        constraint: opt(o, p, "constraint", task_constraint)?,
    })
}

fn task_constraint(v: &Value, p: &str) -> R<TaskConstraint> {
    Ok(match union(v, p, &["value", "limit"])? {
        Err(id) => TaskConstraint::Unknown(id),
        Ok(("value", x, p)) => {
            let o = object(x, &p, &["negated", "values"])?;
            TaskConstraint::Value(ValueConstraint {
                negated: opt(o, &p, "negated", boolean)?,
                values: opt(o, &p, "values", |v, p| list(v, p, string))?,
            })
        }
        Ok((_, x, p)) => {
            let o = object(x, &p, &["limit"])?;
            TaskConstraint::Limit(LimitConstraint {
                limit: opt(o, &p, "limit", int32)?,
            })
        }
    })
}

fn metadata(v: &Value, p: &str) -> R<Metadata> {
    let o = object(v, p, &["key", "value"])?;
    Ok(Metadata {
        key: opt(o, p, "key", string)?,
        value: opt(o, p, "value", string)?,
    })
}

fn executor_config(v: &Value, p: &str) -> R<ExecutorConfig> {
    let o = object(v, p, &["name", "data"])?;
    let data = match o.get("data") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        // Shown parsed: written back compactly.
        Some(x @ (Value::Object(_) | Value::Array(_))) => {
            Some(serde_json::to_string(x).unwrap_or_default())
        }
        Some(x) => {
            return err(
                &format!("{p}.data"),
                format!(
                    "expected a JSON object or array (or the data as a string), got {}",
                    kind(x)
                ),
            );
        }
    };
    Ok(ExecutorConfig {
        name: opt(o, p, "name", string)?,
        data,
    })
}

fn resource(v: &Value, p: &str) -> R<Resource> {
    Ok(
        match union(
            v,
            p,
            &["num_cpus", "ram_mb", "disk_mb", "named_port", "num_gpus"],
        )? {
            Err(id) => Resource::Unknown(id),
            Ok(("num_cpus", x, p)) => Resource::NumCpus(float(x, &p)?),
            Ok(("ram_mb", x, p)) => Resource::RamMb(int64(x, &p)?),
            Ok(("disk_mb", x, p)) => Resource::DiskMb(int64(x, &p)?),
            Ok(("named_port", x, p)) => Resource::NamedPort(string(x, &p)?),
            Ok((_, x, p)) => Resource::NumGpus(int64(x, &p)?),
        },
    )
}

fn fetcher_uri(v: &Value, p: &str) -> R<MesosFetcherUri> {
    let o = object(v, p, &["value", "extract", "cache", "output_file"])?;
    Ok(MesosFetcherUri {
        value: opt(o, p, "value", string)?,
        extract: opt(o, p, "extract", boolean)?,
        cache: opt(o, p, "cache", boolean)?,
        output_file: opt(o, p, "output_file", string)?,
    })
}

fn container(v: &Value, p: &str) -> R<Container> {
    Ok(match union(v, p, &["mesos", "docker"])? {
        Err(id) => Container::Unknown(id),
        Ok(("mesos", x, p)) => {
            let o = object(x, &p, &["image", "volumes"])?;
            Container::Mesos(MesosContainer {
                image: opt(o, &p, "image", image)?,
                volumes: opt(o, &p, "volumes", |v, p| list(v, p, volume))?,
            })
        }
        Ok((_, x, p)) => {
            let o = object(x, &p, &["image", "parameters"])?;
            Container::Docker(DockerContainer {
                image: opt(o, &p, "image", string)?,
                parameters: opt(o, &p, "parameters", |v, p| list(v, p, docker_parameter))?,
            })
        }
    })
}

fn docker_parameter(v: &Value, p: &str) -> R<DockerParameter> {
    let o = object(v, p, &["name", "value"])?;
    Ok(DockerParameter {
        name: opt(o, p, "name", string)?,
        value: opt(o, p, "value", string)?,
    })
}

fn image(v: &Value, p: &str) -> R<Image> {
    Ok(match union(v, p, &["docker", "appc"])? {
        Err(id) => Image::Unknown(id),
        Ok(("docker", x, p)) => {
            let o = object(x, &p, &["name", "tag"])?;
            Image::Docker(DockerImage {
                name: opt(o, &p, "name", string)?,
                tag: opt(o, &p, "tag", string)?,
            })
        }
        Ok((_, x, p)) => {
            let o = object(x, &p, &["name", "image_id"])?;
            Image::Appc(AppcImage {
                name: opt(o, &p, "name", string)?,
                image_id: opt(o, &p, "image_id", string)?,
            })
        }
    })
}

fn volume(v: &Value, p: &str) -> R<Volume> {
    let o = object(v, p, &["container_path", "host_path", "mode"])?;
    Ok(Volume {
        container_path: opt(o, p, "container_path", string)?,
        host_path: opt(o, p, "host_path", string)?,
        mode: opt(o, p, "mode", |v, p| {
            enum_value(v, p, Mode::from_name, Mode, &["RW", "RO"])
        })?,
    })
}

fn partition_policy(v: &Value, p: &str) -> R<PartitionPolicy> {
    let o = object(v, p, &["reschedule", "delay_secs"])?;
    Ok(PartitionPolicy {
        reschedule: opt(o, p, "reschedule", boolean)?,
        delay_secs: opt(o, p, "delay_secs", int64)?,
    })
}

fn sla_policy(v: &Value, p: &str) -> R<SlaPolicy> {
    Ok(
        match union(v, p, &["percentage", "count", "coordinator"])? {
            Err(id) => SlaPolicy::Unknown(id),
            Ok(("percentage", x, p)) => {
                let o = object(x, &p, &["percentage", "duration_secs"])?;
                SlaPolicy::Percentage(PercentageSlaPolicy {
                    percentage: opt(o, &p, "percentage", float)?,
                    duration_secs: opt(o, &p, "duration_secs", int64)?,
                })
            }
            Ok(("count", x, p)) => {
                let o = object(x, &p, &["count", "duration_secs"])?;
                SlaPolicy::Count(CountSlaPolicy {
                    count: opt(o, &p, "count", int64)?,
                    duration_secs: opt(o, &p, "duration_secs", int64)?,
                })
            }
            Ok((_, x, p)) => {
                let o = object(x, &p, &["coordinator_url", "status_key"])?;
                SlaPolicy::Coordinator(CoordinatorSlaPolicy {
                    coordinator_url: opt(o, &p, "coordinator_url", string)?,
                    status_key: opt(o, &p, "status_key", string)?,
                })
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aurora::wire::sample::{Sample, Sampler};
    use serde_json::json;

    fn full() -> TaskConfig {
        TaskConfig {
            is_service: Some(true),
            priority: Some(0),
            max_task_failures: Some(1),
            owner: Some(Identity {
                user: Some("www-data".into()),
            }),
            production: Some(true),
            constraints: Some(vec![
                Constraint {
                    name: Some("host".into()),
                    constraint: Some(TaskConstraint::Limit(LimitConstraint { limit: Some(1) })),
                },
                Constraint {
                    name: Some("rack".into()),
                    constraint: Some(TaskConstraint::Value(ValueConstraint {
                        negated: Some(true),
                        values: Some(vec!["r1".into(), "r2".into()]),
                    })),
                },
            ]),
            task_links: Some(BTreeMap::from([("http".into(), "http://%host%".into())])),
            contact_email: Some("ops@example.com".into()),
            executor_config: Some(ExecutorConfig {
                name: Some(AURORA_EXECUTOR_NAME.into()),
                // Compact with sorted keys, as the parsed view writes it back.
                data: Some(
                    r#"{"task":{"name":"hello","processes":[{"cmdline":"echo hi"}]}}"#.into(),
                ),
            }),
            metadata: Some(vec![Metadata {
                key: Some("owner".into()),
                value: Some("team-a".into()),
            }]),
            job: Some(JobKey::new("www-data", "prod", "hello")),
            container: Some(Container::Docker(DockerContainer {
                image: Some("hello:1".into()),
                parameters: Some(vec![DockerParameter {
                    name: Some("env".into()),
                    value: Some("A=1".into()),
                }]),
            })),
            tier: Some("preferred".into()),
            resources: Some(vec![
                Resource::NumCpus(0.25),
                Resource::RamMb(128),
                Resource::DiskMb(1024),
                Resource::NamedPort("http".into()),
                Resource::NumGpus(0),
            ]),
            mesos_fetcher_uris: Some(vec![MesosFetcherUri {
                value: Some("http://x/y.tgz".into()),
                extract: Some(true),
                cache: Some(false),
                output_file: None,
            }]),
            partition_policy: Some(PartitionPolicy {
                reschedule: Some(true),
                delay_secs: Some(30),
            }),
            sla_policy: Some(SlaPolicy::Percentage(PercentageSlaPolicy {
                percentage: Some(95.5),
                duration_secs: Some(600),
            })),
        }
    }

    #[test]
    fn sets_diff_by_what_changed_not_by_wire_order() {
        // "Bump heap to 6G": ram 4096 → 6144, and the scheduler sent the set in another order.
        let mut old = full();
        old.resources = Some(vec![
            Resource::NumCpus(1.0),
            Resource::RamMb(4096),
            Resource::DiskMb(8192),
        ]);
        old.metadata = Some(vec![
            Metadata {
                key: Some("b".into()),
                value: Some("2".into()),
            },
            Metadata {
                key: Some("a".into()),
                value: Some("1".into()),
            },
        ]);
        let mut new = old.clone();
        new.resources = Some(vec![
            Resource::DiskMb(8192),
            Resource::RamMb(6144),
            Resource::NumCpus(1.0),
        ]);
        new.metadata.as_mut().unwrap().reverse();
        if let Some(TaskConstraint::Value(v)) =
            new.constraints.as_mut().unwrap()[1].constraint.as_mut()
        {
            v.values.as_mut().unwrap().reverse();
        }
        new.constraints.as_mut().unwrap().reverse();
        let diff = crate::diff::diff_lines(&diff_lines_of(&old), &diff_lines_of(&new), 0);
        let changed: Vec<&crate::diff::DiffLine> = diff
            .iter()
            .filter(|d| {
                !matches!(
                    d,
                    crate::diff::DiffLine::Same(_) | crate::diff::DiffLine::Gap(_)
                )
            })
            .collect();
        assert_eq!(
            changed,
            [
                &crate::diff::DiffLine::Removed("      \"ram_mb\": 4096".into()),
                &crate::diff::DiffLine::Added("      \"ram_mb\": 6144".into()),
            ],
            "{diff:#?}"
        );
    }

    #[test]
    fn a_full_config_round_trips_through_text() {
        let c = full();
        let text = to_text(&c);
        // The executor data is shown as JSON, not as a string.
        assert!(text.contains("\"processes\": ["), "{text}");
        assert_eq!(from_text(&text, Some(&c)).unwrap(), c);
        // Without the original, the data comes back as compact JSON meaning the same thing.
        let back = from_text(&text, None).unwrap();
        let data = back.executor_config.unwrap().data.unwrap();
        assert!(same_json(
            &data,
            c.executor_config.as_ref().unwrap().data.as_ref().unwrap()
        ));
    }

    #[test]
    fn other_union_members_round_trip() {
        let mut c = full();
        c.container = Some(Container::Mesos(MesosContainer {
            image: Some(Image::Appc(AppcImage {
                name: Some("a".into()),
                image_id: Some("sha".into()),
            })),
            volumes: Some(vec![Volume {
                container_path: Some("/c".into()),
                host_path: Some("/h".into()),
                mode: Some(Mode::RO),
            }]),
        }));
        c.sla_policy = Some(SlaPolicy::Coordinator(CoordinatorSlaPolicy {
            coordinator_url: Some("http://c".into()),
            status_key: Some("ok".into()),
        }));
        assert_eq!(from_value(&to_value(&c)).unwrap(), c);
        c.sla_policy = Some(SlaPolicy::Count(CountSlaPolicy {
            count: Some(2),
            duration_secs: Some(60),
        }));
        c.container = Some(Container::Mesos(MesosContainer {
            image: Some(Image::Docker(DockerImage {
                name: Some("d".into()),
                tag: Some("t".into()),
            })),
            volumes: None,
        }));
        // A mode newer than Eos survives as its number.
        if let Some(Container::Mesos(m)) = &mut c.container {
            m.volumes = Some(vec![Volume {
                mode: Some(Mode(7)),
                ..Default::default()
            }]);
        }
        assert_eq!(from_value(&to_value(&c)).unwrap(), c);
        assert_eq!(from_value(&json!({})).unwrap(), TaskConfig::default());
    }

    #[test]
    fn executor_data_that_is_not_a_json_object_stays_a_string() {
        let mut c = full();
        for data in ["not json", "42", "\"quoted\"", ""] {
            c.executor_config.as_mut().unwrap().data = Some(data.into());
            let v = to_value(&c);
            assert_eq!(v["executor_config"]["data"], json!(data));
            assert_eq!(from_value(&v).unwrap(), c);
        }
    }

    #[test]
    fn untouched_executor_data_keeps_its_exact_bytes() {
        let mut c = full();
        // Odd spacing and key order: the parsed view rewrites both.
        c.executor_config.as_mut().unwrap().data = Some(r#"{ "b": 1,   "a": [1, 2] }"#.into());
        let text = to_text(&c);
        assert_eq!(from_text(&text, Some(&c)).unwrap(), c);
        // An edit inside the data is written back (compactly).
        let edited = text.replace("\"b\": 1", "\"b\": 2");
        let back = from_text(&edited, Some(&c)).unwrap();
        assert_eq!(
            back.executor_config.unwrap().data.unwrap(),
            r#"{"a":[1,2],"b":2}"#
        );
    }

    #[test]
    fn errors_name_the_json_path() {
        let bad = |f: &dyn Fn(&mut Value)| {
            let mut v = to_value(&full());
            f(&mut v);
            from_value(&v).unwrap_err()
        };
        let e = bad(&|v| v["resources"][1] = json!({"ram_mb": "lots"}));
        assert_eq!(e.path, "$.resources[1].ram_mb");
        assert!(e.message.contains("expected an integer"), "{e}");
        let e = bad(&|v| v["resources"][0] = json!({"cpus": 1}));
        assert_eq!(e.path, "$.resources[0].cpus");
        assert!(e.message.contains("num_cpus"), "{e}");
        let e = bad(&|v| v["resources"][0] = json!({"num_cpus": 1, "ram_mb": 2}));
        assert_eq!(e.path, "$.resources[0]");
        let e = bad(&|v| v["metadata"][0]["value"] = json!(3));
        assert_eq!(
            e.to_string(),
            "$.metadata[0].value: expected a string, got 3"
        );
        let e = bad(&|v| v["constraints"][1]["constraint"]["value"]["negated"] = json!("yes"));
        assert_eq!(e.path, "$.constraints[1].constraint.value.negated");
        let e = bad(&|v| v["priority"] = json!(1u64 << 40));
        assert!(e.message.contains("out of range"), "{e}");
        let e = bad(&|v| v["priority"] = json!(1.5));
        assert_eq!(e.path, "$.priority");
        let e = bad(&|v| v["tier "] = json!("x"));
        assert_eq!(e.path, "$.tier ");
        assert!(e.message.contains("unknown field"));
        let e = bad(&|v| v["job"] = json!("www-data/prod/hello"));
        assert_eq!(
            e.to_string(),
            "$.job: expected an object, got \"www-data/prod/hello\""
        );
        let e = bad(&|v| v["executor_config"]["data"] = json!(12));
        assert_eq!(e.path, "$.executor_config.data");
        let e = bad(&|v| v["task_links"]["http"] = json!(null));
        assert_eq!(e.path, "$.task_links.http");
        let e = bad(&|v| {
            v["container"] = json!({"mesos": {"volumes": [{"mode": "RX"}]}});
        });
        assert_eq!(e.path, "$.container.mesos.volumes[0].mode");
        let e = bad(&|v| v["sla_policy"] = json!({"percentage": {"percentage": "95"}}));
        assert_eq!(e.path, "$.sla_policy.percentage.percentage");
        assert!(from_value(&json!([])).unwrap_err().path == "$");
    }

    #[test]
    fn syntax_errors_say_where() {
        let e = from_text("{\n  \"tier\": \"x\",\n}", None)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("not valid JSON at line 3, column 1"), "{e}");
        assert!(!e.contains(" at line 3 column"), "{e}");
    }

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
            assert_eq!(from_value(&to_value(&c)).unwrap(), c);
        }
    }

    /// Any sampled config (floats finite: JSON has no infinity) comes back equal.
    #[test]
    fn sampled_configs_round_trip() {
        fn finite(c: &mut TaskConfig) {
            for r in c.resources.iter_mut().flatten() {
                if let Resource::NumCpus(x) = r
                    && !x.is_finite()
                {
                    *x = 1.0;
                }
            }
            if let Some(SlaPolicy::Percentage(p)) = &mut c.sla_policy
                && p.percentage.is_some_and(|x| !x.is_finite())
            {
                p.percentage = Some(50.0);
            }
        }
        let mut s = Sampler::new(7);
        for i in 0..500 {
            let mut c = TaskConfig::sample(&mut s);
            finite(&mut c);
            let text = to_text(&c);
            let back = from_text(&text, Some(&c)).unwrap_or_else(|e| panic!("#{i}: {e}\n{text}"));
            assert_eq!(back, c, "#{i}\n{text}");
        }
    }
}
