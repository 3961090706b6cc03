//! `eos get tasks ROLE/ENV/JOB -o json` prints set members (resources, constraints, metadata)
//! in Eos's canonical order whatever their wire order (issue 14): two tasks whose configs
//! differ only in the order the scheduler sent their sets print the same config JSON.

use std::sync::Arc;

use bytes::Bytes;
use eos::aurora::model::*;
use eos::aurora::task_stream::{Indexed, TaskBody, index};
use eos::aurora::wire::{MessageType, Protocol};

fn config(reversed: bool) -> TaskConfig {
    let mut resources = vec![
        Resource::NumCpus(0.5),
        Resource::RamMb(512),
        Resource::DiskMb(1024),
        Resource::NamedPort("http".into()),
    ];
    let mut constraints = vec![
        Constraint {
            name: Some("host".into()),
            constraint: Some(TaskConstraint::Limit(LimitConstraint { limit: Some(1) })),
        },
        Constraint {
            name: Some("rack".into()),
            constraint: Some(TaskConstraint::Value(ValueConstraint {
                negated: Some(false),
                values: Some(vec!["r1".into(), "r2".into(), "r3".into()]),
            })),
        },
    ];
    let mut metadata = vec![
        Metadata {
            key: Some("a".into()),
            value: Some("1".into()),
        },
        Metadata {
            key: Some("b".into()),
            value: Some("2".into()),
        },
    ];
    if reversed {
        resources.reverse();
        constraints.reverse();
        metadata.reverse();
        if let Some(TaskConstraint::Value(v)) = constraints[0].constraint.as_mut() {
            v.values.as_mut().unwrap().reverse();
        }
    }
    TaskConfig {
        is_service: Some(true),
        job: Some(JobKey::new("www", "prod", "hello")),
        resources: Some(resources),
        constraints: Some(constraints),
        metadata: Some(metadata),
        ..Default::default()
    }
}

fn task(instance: i32, reversed: bool) -> ScheduledTask {
    ScheduledTask {
        assigned_task: Some(AssignedTask {
            task_id: Some(format!("t-{instance}")),
            instance_id: Some(instance),
            task: Some(Arc::new(config(reversed))),
            ..Default::default()
        }),
        status: Some(ScheduleStatus::RUNNING),
        ..Default::default()
    }
}

fn status_json(tasks: Vec<ScheduledTask>, protocol: Protocol) -> serde_json::Value {
    let value = ResponseResult {
        success: Some(Response {
            response_code: Some(ResponseCode::OK),
            result: Some(ApiResult::ScheduleStatusResult(ScheduleStatusResult {
                tasks: Some(tasks),
            })),
            ..Default::default()
        }),
    };
    let body = protocol.encode("getTasksWithoutConfigs", MessageType::Reply, 1, &value);
    let Indexed::Reply(_, idx) = index(protocol, &body).unwrap() else {
        panic!("not a reply")
    };
    let body = TaskBody::new(protocol, Bytes::from(body), idx);
    let mut out = Vec::new();
    eos::cmd::get::aurora_status_json(&mut out, "c", &JobKey::new("www", "prod", "hello"), &body)
        .unwrap();
    serde_json::from_slice(&out).unwrap()
}

#[test]
fn sets_that_differ_only_in_wire_order_print_the_same() {
    for protocol in [Protocol::Binary, Protocol::Json] {
        let json = status_json(vec![task(0, false), task(1, true)], protocol);
        let active = json[0]["active"].as_array().unwrap();
        assert_eq!(active.len(), 2);
        let first = &active[0]["assignedTask"]["task"];
        let second = &active[1]["assignedTask"]["task"];
        assert_eq!(first["resources"].as_array().unwrap().len(), 4, "{first}");
        assert_eq!(first, second, "{protocol:?}");
        // Either wire order prints the same, alone too.
        let alone = status_json(vec![task(0, true)], protocol);
        assert_eq!(&alone[0]["active"][0]["assignedTask"]["task"], first);
    }
}
