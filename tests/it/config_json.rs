//! The update editor's config text (`eos::app::config_json`): a TaskConfig as JSON and back —
//! round trips of full, sampled and simulated configs, executor data kept byte for byte, and
//! errors that name the JSON path, line and column. (The simulator's configs round-trip in
//! the module's own test: the simulator's state is crate-private.) (Moved out of the module to keep it small;
//! the JSON texts are unchanged.)

use eos::app::config_json::*;
use eos::aurora::model::*;
use eos::aurora::wire::sample::{Sample, Sampler};
use serde_json::Value;
use serde_json::json;
use std::collections::BTreeMap;

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
            data: Some(r#"{"task":{"name":"hello","processes":[{"cmdline":"echo hi"}]}}"#.into()),
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
    if let Some(TaskConstraint::Value(v)) = new.constraints.as_mut().unwrap()[1].constraint.as_mut()
    {
        v.values.as_mut().unwrap().reverse();
    }
    new.constraints.as_mut().unwrap().reverse();
    let diff = eos::diff::diff_lines(&diff_lines_of(&old), &diff_lines_of(&new), 0);
    let changed: Vec<&eos::diff::DiffLine> = diff
        .iter()
        .filter(|d| {
            !matches!(
                d,
                eos::diff::DiffLine::Same(_) | eos::diff::DiffLine::Gap(_)
            )
        })
        .collect();
    assert_eq!(
        changed,
        [
            &eos::diff::DiffLine::Removed("      \"ramMb\": 4096".into()),
            &eos::diff::DiffLine::Added("      \"ramMb\": 6144".into()),
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
        assert_eq!(v["executorConfig"]["data"], json!(data));
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

/// The path and message of a field error.
fn field_error(v: &Value) -> (String, String) {
    match from_value(v).unwrap_err() {
        TextError::Field { path, message, .. } => (path, message),
        e => panic!("not a field error: {e}"),
    }
}

#[test]
fn errors_name_the_json_path() {
    let bad = |f: &dyn Fn(&mut Value)| {
        let mut v = to_value(&full());
        f(&mut v);
        field_error(&v)
    };
    let (p, m) = bad(&|v| v["resources"][1] = json!({"ramMb": "lots"}));
    assert_eq!(p, "$.resources[1].ramMb");
    assert_eq!(m, "expected an integer, got string \"lots\"");
    let (p, m) = bad(&|v| v["resources"][0] = json!({"cpus": 1}));
    assert!(p.starts_with("$.resources[0]"), "{p}");
    assert!(m.contains("numCpus"), "{m}");
    let (p, m) = bad(&|v| v["resources"][0] = json!({"numCpus": 1, "ramMb": 2}));
    assert!(p.starts_with("$.resources[0]"), "{p}");
    assert!(m.contains("exactly one member"), "{m}");
    let (p, m) = bad(&|v| v["metadata"][0]["value"] = json!(3));
    assert_eq!(
        (p.as_str(), m.as_str()),
        ("$.metadata[0].value", "expected a string, got integer `3`")
    );
    let (p, _) = bad(&|v| v["constraints"][1]["constraint"]["value"]["negated"] = json!("yes"));
    assert_eq!(p, "$.constraints[1].constraint.value.negated");
    let (p, m) = bad(&|v| v["priority"] = json!(1u64 << 40));
    assert_eq!(p, "$.priority");
    assert!(m.contains("32-bit"), "{m}");
    let (p, _) = bad(&|v| v["priority"] = json!(1.5));
    assert_eq!(p, "$.priority");
    let (_, m) = bad(&|v| v["tier "] = json!("x"));
    assert!(m.starts_with("unknown field `tier `"), "{m}");
    let (p, m) = bad(&|v| v["job"] = json!("www-data/prod/hello"));
    assert_eq!(
        (p.as_str(), m.as_str()),
        (
            "$.job",
            "expected an object, got string \"www-data/prod/hello\""
        )
    );
    let (p, m) = bad(&|v| v["executorConfig"]["data"] = json!(12));
    assert_eq!(p, "$.executorConfig.data");
    assert!(m.contains("JSON object or array"), "{m}");
    let (p, _) = bad(&|v| v["taskLinks"]["http"] = json!(null));
    assert_eq!(p, "$.taskLinks.http");
    let (p, m) = bad(&|v| {
        v["container"] = json!({"mesos": {"volumes": [{"mode": "RX"}]}});
    });
    assert_eq!(p, "$.container.mesos.volumes[0].mode");
    assert!(m.contains("`RW`"), "{m}");
    let (p, _) = bad(&|v| {
        v["slaPolicy"] = json!({"percentageSlaPolicy": {"percentage": "95"}});
    });
    assert_eq!(p, "$.slaPolicy.percentageSlaPolicy.percentage");
    assert_eq!(
        field_error(&json!("x")),
        ("$".into(), "expected an object, got string \"x\"".into())
    );
}

/// A field error says its line too (and the editor puts the cursor there).
#[test]
fn field_errors_say_which_line() {
    let text = to_text(&full());
    let edited = text.replace("\"ramMb\": 128", "\"ramMb\": \"lots\"");
    let want = 1 + edited.lines().position(|l| l.contains("lots")).unwrap();
    let e = from_text(&edited, None).unwrap_err();
    assert_eq!(e.position().0, want, "{e}");
    assert!(
        e.to_string()
            .starts_with("$.resources[1].ramMb: expected an integer, got string \"lots\" (line "),
        "{e}"
    );
    // After the config: not JSON any more.
    let e = from_text(&format!("{text} x"), None).unwrap_err();
    assert!(matches!(e, TextError::Syntax { .. }), "{e}");
}

#[test]
fn syntax_errors_say_where() {
    let e = from_text("{\n  \"tier\": \"x\",\n}", None)
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("not valid JSON at line 3, column 1"), "{e}");
    assert!(!e.contains(" at line 3 column"), "{e}");
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

/// Reads a TaskConfig from a JSON value as written by `to_value`.
fn from_value(v: &Value) -> Result<TaskConfig, TextError> {
    from_text(&v.to_string(), None)
}

/// Two JSON texts mean the same value.
fn same_json(a: &str, b: &str) -> bool {
    let parse = |s: &str| serde_json::from_str::<Value>(s).ok();
    parse(a).is_some() && parse(a) == parse(b)
}
