//! The benchmarks' big job: one job of 100,000 RUNNING tasks with full TaskConfigs (executor
//! data blanked, as getTasksWithoutConfigs sends them), as one `getTasksWithoutConfigs` reply.

use std::collections::BTreeMap;
use std::sync::Arc;

use eos::aurora::model::*;

pub const TASKS: usize = 100_000;

/// One job's config as the issue describes it: 3 resources + 1 named port, 1 metadata entry,
/// contact email, tier, a container; executor data blanked as getTasksWithoutConfigs does.
fn config() -> TaskConfig {
    TaskConfig {
        job: Some(JobKey::new("www-data", "prod", "hello")),
        owner: Some(Identity {
            user: Some("www-data".into()),
        }),
        is_service: Some(true),
        priority: Some(0),
        max_task_failures: Some(1),
        production: Some(true),
        tier: Some("preferred".into()),
        resources: Some(vec![
            Resource::NumCpus(1.5),
            Resource::RamMb(2048),
            Resource::DiskMb(4096),
            Resource::NamedPort("http".into()),
        ]),
        constraints: Some(vec![]),
        contact_email: Some("web-team@example.com".into()),
        executor_config: Some(ExecutorConfig {
            name: Some(AURORA_EXECUTOR_NAME.into()),
            data: None,
        }),
        metadata: Some(vec![Metadata {
            key: Some("team".into()),
            value: Some("web-frontend".into()),
        }]),
        container: Some(Container::Mesos(MesosContainer {
            image: Some(Image::Docker(DockerImage {
                name: Some("registry.example.com/www/hello".into()),
                tag: Some("2026.11.20-1a2b3c4".into()),
            })),
            volumes: None,
        })),
        ..Default::default()
    }
}

fn task(i: usize, cfg: &Arc<TaskConfig>) -> ScheduledTask {
    let t0 = 1_764_000_000_000 + i as i64 * 37;
    let host = format!("agent-{:04}.dc1.example.com", i % 2000);
    let event = |dt: i64, s: ScheduleStatus, m: &str| TaskEvent {
        timestamp: Some(t0 + dt),
        status: Some(s),
        message: (!m.is_empty()).then(|| m.to_owned()),
        scheduler: Some("scheduler-1.dc1.example.com".into()),
    };
    ScheduledTask {
        assigned_task: Some(AssignedTask {
            task_id: Some(format!(
                "1764000000000-www-data-prod-hello-{i}-6f1c2b9e-8d3a-4e5f-9a7b-{i:012}"
            )),
            slave_id: Some(format!(
                "3b5e7c9a-1d2f-4a6b-8c0e-{:012}-S{}",
                i % 2000,
                i % 7
            )),
            slave_host: Some(host),
            task: Some(cfg.clone()),
            assigned_ports: Some(BTreeMap::from([(
                "http".to_owned(),
                31000 + (i % 1000) as i32,
            )])),
            instance_id: Some(i as i32),
        }),
        status: Some(ScheduleStatus::RUNNING),
        failure_count: Some(0),
        times_partitioned: Some(0),
        task_events: Some(vec![
            event(0, ScheduleStatus::PENDING, ""),
            event(1200, ScheduleStatus::ASSIGNED, ""),
            event(2400, ScheduleStatus::STARTING, "Initializing sandbox."),
            event(9000, ScheduleStatus::RUNNING, ""),
        ]),
        ancestor_id: None,
    }
}

pub fn reply(n: usize) -> ResponseResult {
    let cfg = Arc::new(config());
    ResponseResult {
        success: Some(Response {
            response_code: Some(ResponseCode::OK),
            result: Some(ApiResult::ScheduleStatusResult(ScheduleStatusResult {
                tasks: Some((0..n).map(|i| task(i, &cfg)).collect()),
            })),
            server_info: Some(ServerInfo {
                cluster_name: Some("bench".into()),
                stats_url_prefix: Some(String::new()),
            }),
            details: Some(vec![]),
        }),
    }
}
