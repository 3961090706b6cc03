//! Shared helpers for the simulator tests: a frozen-clock simulator on an ephemeral port and
//! clients in either protocol; `driver` runs the reducer against it.
#![allow(dead_code)]

pub mod driver;

use std::time::Duration;

use eos::aurora::client::{AuroraClient, ClientConfig};
use eos::aurora::model::*;
use eos::aurora::wire::Protocol;
use eos::sim::{ClockMode, SimArgs, SimServer, Simulator};

pub fn frozen() -> SimArgs {
    SimArgs {
        clock: ClockMode::Frozen,
        lost_per_hour: 0.0,
        ..SimArgs::default()
    }
}

pub async fn start(args: SimArgs) -> (SimServer, Simulator) {
    let sim = Simulator::new(&args);
    let server = SimServer::start(sim.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    (server, sim)
}

pub fn client(server: &SimServer, protocol: Protocol) -> AuroraClient {
    let mut cfg = ClientConfig::new(server.url());
    cfg.protocol = protocol;
    AuroraClient::new(cfg).unwrap()
}

pub fn key(s: &str) -> JobKey {
    JobKey::parse(s).unwrap()
}

pub fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

pub fn query(job: &JobKey) -> TaskQuery {
    TaskQuery {
        role: Some(job.role().to_owned()),
        environment: Some(job.environment().to_owned()),
        job_name: Some(job.name().to_owned()),
        ..TaskQuery::default()
    }
}

pub async fn active_tasks(c: &AuroraClient, job: &JobKey) -> Vec<ScheduledTask> {
    let mut q = query(job);
    q.statuses = Some(ScheduleStatus::ACTIVE.to_vec());
    let mut v = c.get_tasks_status(q).await.unwrap().value;
    v.sort_by_key(|t| t.instance_id());
    v
}

pub async fn all_tasks(c: &AuroraClient, job: &JobKey) -> Vec<ScheduledTask> {
    c.get_tasks_status(query(job)).await.unwrap().value
}

/// The full config of a running instance of an existing job.
pub async fn config_of(c: &AuroraClient, job: &JobKey) -> TaskConfig {
    let s = c.get_config_summary(job).await.unwrap().value;
    s.groups.unwrap()[0].config.clone().unwrap()
}

pub fn with_version(mut tc: TaskConfig, version: &str, behavior: Option<&str>) -> TaskConfig {
    let mut md = vec![Metadata {
        key: Some("version".into()),
        value: Some(version.into()),
    }];
    if let Some(b) = behavior {
        md.push(Metadata {
            key: Some(eos::sim::BEHAVIOR_METADATA_KEY.into()),
            value: Some(b.into()),
        });
    }
    tc.metadata = Some(md);
    tc
}

/// Creates a fresh service job from a copy of an existing job's config.
pub async fn create_job(
    c: &AuroraClient,
    from: &JobKey,
    job: &JobKey,
    instances: i32,
    behavior: Option<&str>,
) {
    let mut tc = with_version(config_of(c, from).await, "test-1", behavior);
    tc.job = Some(job.clone());
    tc.constraints = Some(vec![]);
    let args = PopulateJobConfigArgs {
        description: Some(JobConfiguration {
            key: Some(job.clone()),
            task_config: Some(tc),
            instance_count: Some(instances),
            ..JobConfiguration::default()
        }),
    };
    let r = c.call_raw("createJob", &args).await.unwrap();
    assert_eq!(r.code(), ResponseCode::OK, "{:?}", r.messages());
}

pub fn settings(group: i32, batch: bool, min_wait_ms: i32) -> JobUpdateSettings {
    JobUpdateSettings {
        update_group_size: Some(group),
        max_per_instance_failures: Some(0),
        max_failed_instances: Some(0),
        min_wait_in_instance_running_ms: Some(min_wait_ms),
        rollback_on_failure: Some(true),
        wait_for_batch_completion: Some(batch),
        ..JobUpdateSettings::default()
    }
}

pub fn request(tc: TaskConfig, count: i32, s: JobUpdateSettings) -> JobUpdateRequest {
    JobUpdateRequest {
        task_config: Some(tc),
        instance_count: Some(count),
        settings: Some(s),
        metadata: None,
    }
}

pub async fn details(c: &AuroraClient, key: &JobUpdateKey) -> JobUpdateDetails {
    let q = JobUpdateQuery {
        key: Some(key.clone()),
        ..JobUpdateQuery::default()
    };
    c.get_job_update_details(q).await.unwrap().value.remove(0)
}

pub fn status_of(d: &JobUpdateDetails) -> JobUpdateStatus {
    d.update
        .as_ref()
        .unwrap()
        .summary
        .as_ref()
        .unwrap()
        .state
        .as_ref()
        .unwrap()
        .status
        .unwrap()
}

pub fn instance_actions(d: &JobUpdateDetails, action: JobUpdateAction) -> Vec<i32> {
    let mut v: Vec<i32> = d
        .instance_events
        .iter()
        .flatten()
        .filter(|e| e.action == Some(action))
        .map(|e| e.instance_id.unwrap())
        .collect();
    v.sort();
    v
}

pub fn api_code(e: &eos::aurora::client::ClientError) -> (ResponseCode, Vec<String>) {
    match e {
        eos::aurora::client::ClientError::Api { code, messages, .. } => (*code, messages.clone()),
        other => panic!("expected an API error, got {other}"),
    }
}
