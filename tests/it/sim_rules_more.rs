//! More of the simulator's rules checked against Aurora's (issue 17, the rest of the report):
//! forceTaskState through the task state machine, the transient-state timeout, addInstances,
//! getPendingReason and the small texts. Each test is written from apache/aurora's source
//! (SchedulerThriftInterface, ReadOnlySchedulerImpl, TaskStateMachine, TaskTimeout,
//! AuroraCronJob), through eos's client over HTTP.

use crate::sim_common;

use eos::aurora::model::*;
use eos::aurora::wire::Protocol;
use sim_common::*;

async fn start_sim() -> (eos::sim::SimServer, eos::sim::Simulator) {
    sim_common::start(frozen()).await
}

async fn force(c: &eos::aurora::client::AuroraClient, task: &ScheduledTask, to: ScheduleStatus) {
    let args = eos::sim::api::ForceTaskStateArgs {
        task_id: Some(task.task_id().to_owned()),
        status: Some(to),
    };
    let r = c.call_raw("forceTaskState", &args).await.unwrap();
    assert_eq!(r.code(), ResponseCode::OK, "{:?}", r.messages());
}

async fn task_by_id(
    c: &eos::aurora::client::AuroraClient,
    job: &JobKey,
    id: &str,
) -> ScheduledTask {
    all_tasks(c, job)
        .await
        .into_iter()
        .find(|t| t.task_id() == id)
        .expect("the task is still known")
}

/// forceTaskState goes through Aurora's task state machine: an illegal transition (PENDING →
/// RUNNING, RUNNING → THROTTLED) is ignored and the call is still OK; a legal one is recorded
/// with AuditMessages' "Transition forced by USER".
#[tokio::test]
async fn force_task_state_follows_the_task_state_machine() {
    let (server, sim) = start_sim().await;
    let c = client(&server, Protocol::Binary);
    let job = key("www-data/devel/forced");
    create_job(&c, &key("www-data/staging/frontend"), &job, 1, None).await;
    let pending = active_tasks(&c, &job).await.remove(0);
    assert_eq!(pending.status(), ScheduleStatus::PENDING);
    force(&c, &pending, ScheduleStatus::RUNNING).await;
    assert_eq!(
        task_by_id(&c, &job, pending.task_id()).await.status(),
        ScheduleStatus::PENDING,
        "PENDING → RUNNING is not a legal transition"
    );

    sim.advance(secs(30));
    let running = active_tasks(&c, &job).await.remove(0);
    assert_eq!(running.status(), ScheduleStatus::RUNNING);
    force(&c, &running, ScheduleStatus::THROTTLED).await;
    assert_eq!(
        task_by_id(&c, &job, running.task_id()).await.status(),
        ScheduleStatus::RUNNING,
        "RUNNING → THROTTLED is not a legal transition"
    );
    force(&c, &running, ScheduleStatus::RESTARTING).await;
    let t = task_by_id(&c, &job, running.task_id()).await;
    assert_eq!(t.status(), ScheduleStatus::RESTARTING);
    assert_eq!(
        t.latest_event().unwrap().message.as_deref(),
        Some("Transition forced by UNSECURE")
    );
    server.shutdown().await;
}

/// Aurora's TaskTimeout moves a task that stays in a transient state (ASSIGNED, KILLING, …)
/// for the default five minutes to LOST, "Task timed out". A PENDING task forced to ASSIGNED
/// has no agent, so nothing else moves it on.
#[tokio::test]
async fn a_task_stuck_in_a_transient_state_is_lost_after_the_timeout() {
    let (server, sim) = start_sim().await;
    let c = client(&server, Protocol::Binary);
    let job = key("www-data/devel/stuck");
    create_job(&c, &key("www-data/staging/frontend"), &job, 1, None).await;
    let pending = active_tasks(&c, &job).await.remove(0);
    assert_eq!(pending.status(), ScheduleStatus::PENDING);
    force(&c, &pending, ScheduleStatus::ASSIGNED).await;
    sim.advance(secs(240));
    assert_eq!(
        task_by_id(&c, &job, pending.task_id()).await.status(),
        ScheduleStatus::ASSIGNED,
        "no agent answers for a task without one"
    );
    let mut t = task_by_id(&c, &job, pending.task_id()).await;
    for _ in 0..120 {
        if t.status() != ScheduleStatus::ASSIGNED {
            break;
        }
        sim.advance(secs(1));
        t = task_by_id(&c, &job, pending.task_id()).await;
    }
    assert_eq!(t.status(), ScheduleStatus::LOST);
    assert_eq!(
        t.latest_event().unwrap().message.as_deref(),
        Some("Task timed out")
    );
    // LOST is rescheduled, as any lost task is.
    assert_eq!(active_tasks(&c, &job).await.len(), 1);
    server.shutdown().await;
}

/// addInstances answers with SchedulerThriftInterface's texts: INVALID_INSTANCE_ID for a
/// template instance that is not active, and validateTaskLimits' text over the 4000-task limit.
#[tokio::test]
async fn add_instances_uses_auroras_texts() {
    let (server, sim) = start_sim().await;
    let c = client(&server, Protocol::Binary);
    let job = key("www-data/devel/grown");
    create_job(&c, &key("www-data/staging/frontend"), &job, 1, None).await;
    sim.advance(secs(30));
    let add = |instance: i32, count: i32| AddInstancesArgs {
        key: Some(InstanceKey {
            job_key: Some(job.clone()),
            instance_id: Some(instance),
        }),
        count: Some(count),
    };
    let r = c.call_raw("addInstances", &add(7, 1)).await.unwrap();
    assert_eq!(
        (r.code(), r.messages()),
        (
            ResponseCode::INVALID_REQUEST,
            vec!["No active task found for a given instance ID."]
        )
    );
    let r = c.call_raw("addInstances", &add(0, 4000)).await.unwrap();
    assert_eq!(
        (r.code(), r.messages()),
        (
            ResponseCode::INVALID_REQUEST,
            vec!["Instance count must be between 1 and 4000 inclusive."]
        )
    );
    server.shutdown().await;
}

/// getPendingReason refuses slaveHosts first, then statuses, each with its own text
/// (ReadOnlySchedulerImpl).
#[tokio::test]
async fn pending_reason_filters_are_refused_one_at_a_time() {
    let (server, _sim) = start_sim().await;
    let c = client(&server, Protocol::Binary);
    let mut q = query(&key("analytics/devel/ml-training"));
    q.statuses = Some(vec![ScheduleStatus::PENDING]);
    let (code, m) = api_code(&c.get_pending_reason(q.clone()).await.unwrap_err());
    assert_eq!(code, ResponseCode::INVALID_REQUEST);
    assert!(m[0].starts_with("Statuses is not supported in "), "{m:?}");
    q.slave_hosts = Some(vec!["somewhere".into()]);
    let (code, m) = api_code(&c.get_pending_reason(q).await.unwrap_err());
    assert_eq!(code, ResponseCode::INVALID_REQUEST);
    assert!(
        m[0].starts_with("SlaveHosts are not supported in "),
        "{m:?}"
    );
    server.shutdown().await;
}

/// Small rules: descheduleCronJob asserts the job is not updating first (JOB_UPDATING_ERROR);
/// getJobSummary("") scopes to the role "", which owns no jobs; a cron run that replaces
/// running tasks kills them with AuroraCronJob's "Killed by cronScheduler".
#[tokio::test]
async fn deschedule_empty_role_and_cron_kill_follow_aurora() {
    let (server, sim) = start_sim().await;
    let c = client(&server, Protocol::Binary);
    let job = key("www-data/devel/descheduled");
    create_job(&c, &key("www-data/staging/frontend"), &job, 1, None).await;
    sim.advance(secs(30));
    let tc = with_version(config_of(&c, &job).await, "v2", None);
    c.start_job_update(request(tc, 1, settings(1, false, 60_000)), None)
        .await
        .unwrap();
    let args = CronJobArgs {
        job: Some(job.clone()),
    };
    let r = c.call_raw("descheduleCronJob", &args).await.unwrap();
    assert_eq!(
        (r.code(), r.messages()),
        (
            ResponseCode::JOB_UPDATING_ERROR,
            vec!["Job is currently updating"]
        )
    );

    assert!(c.get_job_summary(Some("")).await.unwrap().value.is_empty());
    assert!(!c.get_job_summary(None).await.unwrap().value.is_empty());

    let cron = key("analytics/prod/nightly-rollup");
    c.start_cron_job(&cron).await.unwrap();
    sim.advance(secs(30));
    assert!(
        active_tasks(&c, &cron)
            .await
            .iter()
            .all(|t| t.status() == ScheduleStatus::RUNNING)
    );
    c.start_cron_job(&cron).await.unwrap();
    let killing: Vec<_> = active_tasks(&c, &cron)
        .await
        .into_iter()
        .filter(|t| t.status() == ScheduleStatus::KILLING)
        .collect();
    assert_eq!(killing.len(), 5);
    for t in killing {
        assert_eq!(
            t.latest_event().unwrap().message.as_deref(),
            Some("Killed by cronScheduler")
        );
    }
    server.shutdown().await;
}

fn refusal(r: &Response) -> (ResponseCode, Vec<String>) {
    (
        r.code(),
        r.messages().into_iter().map(str::to_owned).collect(),
    )
}

/// startJobUpdate's refusals in SchedulerThriftInterface's words, and its scope rule: a scoped
/// instance must be a current instance or a proposed one (JobDiff.getOutOfScopeInstances), so
/// on a sparse job (0, 1, 5) an update to 3 instances cannot name 3 or 4.
#[tokio::test]
async fn start_job_update_refuses_in_auroras_words() {
    let (server, sim) = start_sim().await;
    let c = client(&server, Protocol::Binary);
    let job = key("www-data/devel/sparse");
    create_job(&c, &key("www-data/staging/frontend"), &job, 6, None).await;
    sim.advance(secs(30));
    c.kill_tasks(&job, &[2, 3, 4], None).await.unwrap();
    sim.advance(secs(30));
    let ids: Vec<i32> = active_tasks(&c, &job)
        .await
        .iter()
        .map(|t| t.instance_id())
        .collect();
    assert_eq!(ids, vec![0, 1, 5]);
    let tc = with_version(config_of(&c, &job).await, "v2", None);
    let start = |tc: TaskConfig, count: i32, s: JobUpdateSettings| {
        let c = c.clone();
        async move {
            let args = StartJobUpdateArgs {
                request: Some(request(tc, count, s)),
                message: None,
            };
            refusal(&c.call_raw("startJobUpdate", &args).await.unwrap())
        }
    };
    let invalid = |m: &str| (ResponseCode::INVALID_REQUEST, vec![m.to_owned()]);

    let mut scoped = settings(1, false, 1000);
    scoped.update_only_these_instances = Some(vec![Range {
        first: Some(3),
        last: Some(4),
    }]);
    assert_eq!(
        start(tc.clone(), 3, scoped).await,
        invalid(
            "The update request attempted to update specific instances, but some are \
             irrelevant to the update and current job state: [3, 4]"
        )
    );

    let mut batch = tc.clone();
    batch.is_service = Some(false);
    assert_eq!(
        start(batch, 3, settings(1, false, 1000)).await,
        invalid("Updates are not supported for non-service tasks.")
    );
    let mut s = settings(0, false, 1000);
    s.update_strategy = None;
    assert_eq!(
        start(tc.clone(), 3, s).await,
        invalid("Update results in no instance being modified.")
    );
    let mut s = settings(1, false, 1000);
    s.update_strategy = Some(JobUpdateStrategy::VarBatch(
        VariableBatchJobUpdateStrategy {
            group_sizes: Some(vec![2, 0]),
            autopause_after_batch: Some(false),
        },
    ));
    assert_eq!(
        start(tc.clone(), 3, s).await,
        invalid("All update group sizes must be positive.")
    );
    let mut s = settings(1, false, 1000);
    s.max_per_instance_failures = Some(10_000);
    assert_eq!(
        start(tc.clone(), 3, s).await,
        invalid(
            "Your update allows too many failures to occur, consider decreasing the \
             per-instance failures or maxFailedInstances."
        )
    );
    let mut s = settings(1, false, 1000);
    s.block_if_no_pulses_after_ms = Some(-1);
    assert_eq!(
        start(tc.clone(), 3, s).await,
        invalid("blockIfNoPulsesAfterMs must be positive.")
    );
    assert_eq!(
        start(tc.clone(), 4001, settings(1, false, 1000)).await,
        invalid("Instance count must be between 1 and 4000 inclusive.")
    );
    let mut cron = tc.clone();
    cron.job = Some(key("analytics/prod/nightly-rollup"));
    assert_eq!(
        start(cron, 1, settings(1, false, 1000)).await,
        invalid("Cron jobs may only be created/updated by calling scheduleCronJob.")
    );
    server.shutdown().await;
}

/// An update already in progress refuses another with JobUpdateControllerImpl's text and the
/// update in progress as the result.
#[tokio::test]
async fn a_second_update_names_the_one_in_progress() {
    let (server, sim) = start_sim().await;
    let c = client(&server, Protocol::Binary);
    let job = key("www-data/devel/busy");
    create_job(&c, &key("www-data/staging/frontend"), &job, 2, None).await;
    sim.advance(secs(30));
    let running = config_of(&c, &job).await;
    let first = c
        .start_job_update(
            request(
                with_version(running.clone(), "v2", None),
                2,
                settings(1, false, 60_000),
            ),
            None,
        )
        .await
        .unwrap()
        .value
        .unwrap()
        .key
        .unwrap();
    let args = StartJobUpdateArgs {
        request: Some(request(
            with_version(running, "v3", None),
            2,
            settings(1, false, 60_000),
        )),
        message: None,
    };
    let r = c.call_raw("startJobUpdate", &args).await.unwrap();
    assert_eq!(
        refusal(&r),
        (
            ResponseCode::INVALID_REQUEST,
            vec![
                "An active update already exists for this job, please terminate it before \
                 starting another. Active updates are those in states [ROLLING_FORWARD, \
                 ROLLING_BACK, ROLL_FORWARD_PAUSED, ROLL_BACK_PAUSED, \
                 ROLL_FORWARD_AWAITING_PULSE, ROLL_BACK_AWAITING_PULSE]"
                    .to_owned()
            ]
        )
    );
    let Some(ApiResult::StartJobUpdateResult(res)) = r.result.clone() else {
        panic!("no result: {:?}", r.result);
    };
    assert_eq!(res.key, Some(first));
    server.shutdown().await;
}

/// A variable-batch update rolls back with its group sizes replayed in reverse
/// (VariableBatchStrategy): forward batches of 1 and 2, rolled back during the second, revert
/// 2 instances first, then 1.
#[tokio::test]
async fn a_variable_batch_rollback_replays_the_sizes_in_reverse() {
    let (server, sim) = start_sim().await;
    let c = client(&server, Protocol::Binary);
    let job = key("www-data/devel/varbatch");
    create_job(&c, &key("www-data/staging/frontend"), &job, 6, None).await;
    sim.advance(secs(30));
    let tc = with_version(config_of(&c, &job).await, "v2", None);
    let mut s = settings(1, true, 20_000);
    s.update_strategy = Some(JobUpdateStrategy::VarBatch(
        VariableBatchJobUpdateStrategy {
            group_sizes: Some(vec![1, 2, 3]),
            autopause_after_batch: Some(false),
        },
    ));
    let ukey = c
        .start_job_update(request(tc, 6, s), None)
        .await
        .unwrap()
        .value
        .unwrap()
        .key
        .unwrap();
    let updating = |d: &JobUpdateDetails| instance_actions(d, JobUpdateAction::INSTANCE_UPDATING);
    for _ in 0..300 {
        if updating(&details(&c, &ukey).await).len() >= 3 {
            break;
        }
        sim.advance(secs(1));
    }
    assert_eq!(updating(&details(&c, &ukey).await), vec![0, 1, 2]);
    c.rollback_job_update(&ukey, None).await.unwrap();
    sim.advance(secs(1));
    let rolling_back =
        |d: &JobUpdateDetails| instance_actions(d, JobUpdateAction::INSTANCE_ROLLING_BACK);
    assert_eq!(
        rolling_back(&details(&c, &ukey).await),
        vec![1, 2],
        "the first rollback batch is the last forward batch, 2 instances"
    );
    for _ in 0..300 {
        if status_of(&details(&c, &ukey).await) == JobUpdateStatus::ROLLED_BACK {
            break;
        }
        sim.advance(secs(1));
    }
    let d = details(&c, &ukey).await;
    assert_eq!(status_of(&d), JobUpdateStatus::ROLLED_BACK);
    assert_eq!(rolling_back(&d), vec![0, 1, 2]);
    server.shutdown().await;
}

/// A coordinated update counts as blocked once exactly blockIfNoPulsesAfterMs has passed since
/// the last pulse (JobUpdateControllerImpl.isBlocked uses `>=`): resumed at that moment, it
/// waits for a pulse.
#[tokio::test]
async fn a_pulse_expires_at_exactly_the_timeout() {
    let (server, sim) = start_sim().await;
    let c = client(&server, Protocol::Binary);
    let job = key("www-data/devel/coordinated");
    create_job(&c, &key("www-data/staging/frontend"), &job, 2, None).await;
    sim.advance(secs(30));
    let tc = with_version(config_of(&c, &job).await, "v2", None);
    let mut s = settings(1, false, 60_000);
    s.block_if_no_pulses_after_ms = Some(60_000);
    let ukey = c
        .start_job_update(request(tc, 2, s), None)
        .await
        .unwrap()
        .value
        .unwrap()
        .key
        .unwrap();
    c.pulse_job_update(&ukey).await.unwrap();
    c.pause_job_update(&ukey, None).await.unwrap();
    sim.advance(secs(60));
    c.resume_job_update(&ukey, None).await.unwrap();
    assert_eq!(
        status_of(&details(&c, &ukey).await),
        JobUpdateStatus::ROLL_FORWARD_AWAITING_PULSE
    );
    server.shutdown().await;
}

/// setQuota as Aurora's QuotaManager.saveQuota: a quota below the role's current production
/// use is refused ("… is less then current prod reservation …"), and a blank role is ERROR
/// (checkNotBlank outside any try).
#[tokio::test]
async fn set_quota_refuses_less_than_the_prod_reservation_and_a_blank_role() {
    let (server, _sim) = start_sim().await;
    let c = client(&server, Protocol::Binary);
    let set = |role: &str, cpus: f64| eos::sim::api::SetQuotaArgs {
        owner_role: Some(role.to_owned()),
        quota: Some(ResourceAggregate {
            resources: Some(vec![
                Resource::NumCpus(cpus),
                Resource::RamMb(1 << 30),
                Resource::DiskMb(1 << 30),
            ]),
        }),
    };
    let used = c
        .get_quota("payments")
        .await
        .unwrap()
        .value
        .prod_shared_consumption
        .unwrap()
        .totals();
    assert!(used.cpus > 1.0, "payments runs production jobs");
    let r = c.call_raw("setQuota", &set("payments", 1.0)).await.unwrap();
    assert_eq!(r.code(), ResponseCode::INVALID_REQUEST);
    let m = r.messages()[0].to_owned();
    assert!(
        m.starts_with("Quota: ") && m.contains(" is less then current prod reservation: "),
        "{m}"
    );
    let r = c
        .call_raw("setQuota", &set("payments", used.cpus.ceil() + 1.0))
        .await
        .unwrap();
    assert_eq!(r.code(), ResponseCode::OK, "{:?}", r.messages());
    let r = c.call_raw("setQuota", &set("", 10.0)).await.unwrap();
    assert_eq!(r.code(), ResponseCode::ERROR);
    server.shutdown().await;
}
