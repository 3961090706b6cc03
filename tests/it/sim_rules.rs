//! The simulator follows Aurora's own rules (issue 17), through eos's client over HTTP. Each test
//! is written from Aurora's behaviour (apache/aurora: SchedulerThriftInterface, QuotaManager,
//! JobUpdateControllerImpl, JobUpdateStateMachine, UpdateFactory), not from the simulator's code.

use crate::sim_common;

use eos::aurora::model::*;
use eos::aurora::wire::Protocol;
use sim_common::*;

/// Every instance id of a set of ranges, ascending.
fn ids(ranges: &[Range]) -> Vec<i32> {
    let mut v: Vec<i32> = ranges
        .iter()
        .flat_map(|r| r.first.unwrap()..=r.last.unwrap())
        .collect();
    v.sort();
    v
}

fn instructions(d: &JobUpdateDetails) -> JobUpdateInstructions {
    d.update.clone().unwrap().instructions.unwrap()
}

/// A job of `n` running instances, made from the staging frontend's config.
async fn running_job(
    c: &eos::aurora::client::AuroraClient,
    sim: &eos::sim::Simulator,
    name: &str,
    n: i32,
) -> JobKey {
    let job = key(name);
    create_job(c, &key("www-data/staging/frontend"), &job, n, None).await;
    sim.advance(secs(30));
    let tasks = active_tasks(c, &job).await;
    assert_eq!(tasks.len(), n as usize);
    assert!(tasks.iter().all(|t| t.status() == ScheduleStatus::RUNNING));
    job
}

async fn start_update(
    c: &eos::aurora::client::AuroraClient,
    req: JobUpdateRequest,
) -> JobUpdateKey {
    c.start_job_update(req, None)
        .await
        .unwrap()
        .value
        .expect("an update was started")
        .key
        .unwrap()
}

/// Aurora (QuotaManager.checkJobUpdate) counts every instance of an update at the larger of its
/// old and new resources for a production job, so a resize with an unchanged instance count is
/// checked too, and refused with INVALID_REQUEST "Insufficient resource quota: …".
#[tokio::test]
async fn a_production_resize_over_quota_is_refused_even_with_the_same_instance_count() {
    let (server, _sim) = start_sim().await;
    let c = client(&server, Protocol::Binary);
    let job = key("payments/prod/ledger-api");
    let count = active_tasks(&c, &job).await.len() as i32;
    let running = config_of(&c, &job).await;
    assert_eq!(
        running.tier.as_deref(),
        Some("preferred"),
        "a production job"
    );

    let mut big = with_version(running.clone(), "resized", None);
    for r in big.resources.iter_mut().flatten() {
        if let Resource::RamMb(mb) = r {
            *mb *= 100;
        }
    }
    let e = c
        .start_job_update(request(big, count, settings(1, false, 1000)), None)
        .await
        .unwrap_err();
    let (code, messages) = api_code(&e);
    assert_eq!(code, ResponseCode::INVALID_REQUEST, "{messages:?}");
    assert!(
        messages[0].starts_with("Insufficient resource quota: ")
            && messages[0].contains("RAM quota exceeded by"),
        "{messages:?}"
    );
    // Nothing was started.
    let q = JobUpdateQuery {
        job_key: Some(job.clone()),
        update_statuses: Some(JobUpdateStatus::ACTIVE.to_vec()),
        ..JobUpdateQuery::default()
    };
    assert!(
        c.get_job_update_summaries(q)
            .await
            .unwrap()
            .value
            .is_empty()
    );

    // The same resize for fewer resources fits: the check is not a blanket refusal.
    let mut small = with_version(running, "smaller", None);
    for r in small.resources.iter_mut().flatten() {
        if let Resource::RamMb(mb) = r {
            *mb /= 2;
        }
    }
    start_update(&c, request(small, count, settings(1, false, 1000))).await;
    server.shutdown().await;
}

/// Aurora's assertNotUpdating refuses kill, restart and addInstances while any active update
/// exists (paused and awaiting-pulse included) with exactly "Job is currently updating".
#[tokio::test]
async fn a_paused_update_still_blocks_kill_restart_and_add_with_auroras_text() {
    let (server, sim) = start_sim().await;
    let c = client(&server, Protocol::Json);
    let job = running_job(&c, &sim, "www-data/devel/blocked", 2).await;
    let tc = with_version(config_of(&c, &job).await, "test-2", None);
    let ukey = start_update(&c, request(tc, 2, settings(1, false, 60_000))).await;
    c.pause_job_update(&ukey, Some("looking")).await.unwrap();
    assert_eq!(
        status_of(&details(&c, &ukey).await),
        JobUpdateStatus::ROLL_FORWARD_PAUSED
    );
    let expected = (
        ResponseCode::JOB_UPDATING_ERROR,
        vec!["Job is currently updating".to_owned()],
    );
    let e = c.kill_tasks(&job, &[0], None).await.unwrap_err();
    assert_eq!(api_code(&e), expected, "killTasks");
    let e = c.restart_shards(&job, &[1]).await.unwrap_err();
    assert_eq!(api_code(&e), expected, "restartShards");
    let e = c
        .add_instances(
            InstanceKey {
                job_key: Some(job.clone()),
                instance_id: Some(0),
            },
            1,
        )
        .await
        .unwrap_err();
    assert_eq!(api_code(&e), expected, "addInstances");
    server.shutdown().await;
}

/// Aurora sets instructions.desiredState to the added and changed instances only, and leaves it
/// unset when the update only removes instances (SchedulerThriftInterface.startJobUpdate).
#[tokio::test]
async fn desired_state_names_only_the_added_and_changed_instances() {
    let (server, sim) = start_sim().await;
    let c = client(&server, Protocol::Binary);

    // Scale 2 → 4 with the running config: only 2 and 3 are desired, nothing is replaced.
    let grow = running_job(&c, &sim, "www-data/devel/grow", 2).await;
    let same = config_of(&c, &grow).await;
    let ukey = start_update(&c, request(same, 4, settings(2, false, 1000))).await;
    let i = instructions(&details(&c, &ukey).await);
    let desired = i.desired_state.expect("instances are added");
    assert_eq!(ids(desired.instances.as_deref().unwrap()), vec![2, 3]);
    assert!(i.initial_state.unwrap_or_default().is_empty());

    // Scale 4 → 2 with the running config: no desired state, 2 and 3 in the initial state.
    let shrink = running_job(&c, &sim, "www-data/devel/shrink", 4).await;
    let same = config_of(&c, &shrink).await;
    let ukey = start_update(&c, request(same, 2, settings(2, false, 1000))).await;
    let i = instructions(&details(&c, &ukey).await);
    assert_eq!(i.desired_state, None);
    let initial = i.initial_state.unwrap();
    assert_eq!(initial.len(), 1);
    assert_eq!(ids(initial[0].instances.as_deref().unwrap()), vec![2, 3]);

    // The console's view of it: two instances touched, none of them desired.
    let d = details(&c, &ukey).await;
    let states = d.instance_states();
    assert_eq!(states.len(), 2);
    assert!(!states.is_desired(2) && !states.is_desired(3));
    server.shutdown().await;
}

/// Aurora's changeUpdateStatus returns quietly when the target status is the current one, and
/// its refusals name the target ("Cannot transition update from ROLLED_FORWARD to ABORTED").
#[tokio::test]
async fn repeating_a_control_call_is_a_no_op_and_refusals_name_the_target() {
    let (server, sim) = start_sim().await;
    let c = client(&server, Protocol::Binary);
    let job = running_job(&c, &sim, "www-data/devel/controls", 2).await;
    let tc = config_of(&c, &job).await;

    let ukey = start_update(
        &c,
        request(
            with_version(tc.clone(), "v2", None),
            2,
            settings(1, false, 60_000),
        ),
    )
    .await;
    sim.advance(secs(5));
    c.rollback_job_update(&ukey, None).await.unwrap();
    c.rollback_job_update(&ukey, Some("again")).await.unwrap();
    assert_eq!(
        status_of(&details(&c, &ukey).await),
        JobUpdateStatus::ROLLING_BACK
    );
    c.abort_job_update(&ukey, None).await.unwrap();
    c.abort_job_update(&ukey, Some("again")).await.unwrap();
    assert_eq!(
        status_of(&details(&c, &ukey).await),
        JobUpdateStatus::ABORTED
    );
    let e = c.rollback_job_update(&ukey, None).await.unwrap_err();
    assert_eq!(
        api_code(&e),
        (
            ResponseCode::INVALID_REQUEST,
            vec!["Cannot transition update from ABORTED to ROLLING_BACK".to_owned()]
        )
    );

    // An update that finished: abort names ABORTED as the target.
    sim.advance(secs(60));
    let ukey = start_update(
        &c,
        request(with_version(tc, "v3", None), 2, settings(2, false, 1000)),
    )
    .await;
    for _ in 0..60 {
        if status_of(&details(&c, &ukey).await) == JobUpdateStatus::ROLLED_FORWARD {
            break;
        }
        sim.advance(secs(5));
    }
    assert_eq!(
        status_of(&details(&c, &ukey).await),
        JobUpdateStatus::ROLLED_FORWARD
    );
    let e = c.abort_job_update(&ukey, None).await.unwrap_err();
    assert_eq!(
        api_code(&e),
        (
            ResponseCode::INVALID_REQUEST,
            vec!["Cannot transition update from ROLLED_FORWARD to ABORTED".to_owned()]
        )
    );
    // Pause and resume of a finished update have no target ("to null"), as in Aurora.
    let e = c.pause_job_update(&ukey, None).await.unwrap_err();
    assert_eq!(
        api_code(&e).1,
        vec!["Cannot transition update from ROLLED_FORWARD to null".to_owned()]
    );

    // "Update does not exist": with a colon for resume only (JobUpdateControllerImpl).
    let unknown = JobUpdateKey::new(job.clone(), "no-such-update");
    let (_, m) = api_code(&c.abort_job_update(&unknown, None).await.unwrap_err());
    assert!(
        m[0].starts_with("Update does not exist ") && !m[0].contains("exist:"),
        "{m:?}"
    );
    let (_, m) = api_code(&c.resume_job_update(&unknown, None).await.unwrap_err());
    assert!(m[0].starts_with("Update does not exist: "), "{m:?}");
    server.shutdown().await;
}

/// Aurora (UpdateFactory) takes up new instances first, then changed ones, then removed ones;
/// a rollback goes in exactly the reverse order.
#[tokio::test]
async fn an_update_adds_first_then_changes_and_a_rollback_reverses_the_order() {
    let (server, sim) = start_sim().await;
    let c = client(&server, Protocol::Binary);
    let job = running_job(&c, &sim, "www-data/devel/order", 2).await;
    let tc = with_version(config_of(&c, &job).await, "v2", None);
    let ukey = start_update(&c, request(tc, 4, settings(2, true, 60_000))).await;
    let d = details(&c, &ukey).await;
    assert_eq!(
        instance_actions(&d, JobUpdateAction::INSTANCE_UPDATING),
        vec![2, 3],
        "the added instances make the first batch"
    );
    sim.advance(secs(5));
    c.rollback_job_update(&ukey, None).await.unwrap();
    let d = details(&c, &ukey).await;
    let first_back: Vec<i32> = d
        .instance_events
        .iter()
        .flatten()
        .filter(|e| e.action == Some(JobUpdateAction::INSTANCE_ROLLING_BACK))
        .map(|e| e.instance_id.unwrap())
        .collect();
    assert_eq!(
        first_back,
        vec![3, 2],
        "the rollback undoes the last taken first"
    );
    server.shutdown().await;
}

/// Aurora validates job keys outside its try blocks (JobKeys.assertValid), so a bad key is an
/// uncaught IllegalArgumentException: ERROR, not INVALID_REQUEST. An empty shard set is
/// "Argument cannot be blank" (MorePreconditions.checkNotBlank), also ERROR.
#[tokio::test]
async fn a_bad_job_key_or_an_empty_shard_set_is_an_error() {
    let (server, _sim) = start_sim().await;
    let c = client(&server, Protocol::Binary);
    let bad = JobKey {
        role: Some("www-data".into()),
        environment: Some("prod".into()),
        name: Some("not a name!".into()),
    };
    let (code, _) = api_code(&c.kill_tasks(&bad, &[0], None).await.unwrap_err());
    assert_eq!(code, ResponseCode::ERROR, "killTasks");
    let (code, _) = api_code(&c.restart_shards(&bad, &[0]).await.unwrap_err());
    assert_eq!(code, ResponseCode::ERROR, "restartShards");
    let (code, _) = api_code(
        &c.abort_job_update(&JobUpdateKey::new(bad.clone(), "x"), None)
            .await
            .unwrap_err(),
    );
    assert_eq!(code, ResponseCode::ERROR, "abortJobUpdate");
    // eos's client never sends an empty shard set; the raw call shows what Aurora would answer.
    let args = RestartShardsArgs {
        job: Some(key("www-data/prod/frontend")),
        shard_ids: Some(vec![]),
    };
    let r = c.call_raw("restartShards", &args).await.unwrap();
    assert_eq!(
        (r.code(), r.messages()),
        (ResponseCode::ERROR, vec!["Argument cannot be blank"])
    );
    server.shutdown().await;
}

/// Aurora's task state machine ignores a restart of a task that is already being drained
/// (DRAINING → RESTARTING is not a transition it makes).
#[tokio::test]
async fn restarting_a_draining_task_changes_nothing() {
    let (server, sim) = start_sim().await;
    let c = client(&server, Protocol::Binary);
    let job = running_job(&c, &sim, "www-data/devel/drained", 1).await;
    let host = active_tasks(&c, &job).await[0].host().to_owned();
    c.drain_hosts(std::slice::from_ref(&host)).await.unwrap();
    let before = active_tasks(&c, &job).await.remove(0);
    assert_eq!(before.status(), ScheduleStatus::DRAINING);
    c.restart_shards(&job, &[0]).await.unwrap();
    let after = active_tasks(&c, &job).await.remove(0);
    assert_eq!(after.task_id(), before.task_id());
    assert_eq!(after.status(), ScheduleStatus::DRAINING);
    assert_eq!(after.events().len(), before.events().len(), "no new event");
    server.shutdown().await;
}

/// The update-history texts the console shows as they come: Aurora's failure message
/// ("Latest failure: instance N exited."), no message on a failed instance's event, and
/// "Update auto paused" (JobUpdateControllerImpl).
#[tokio::test]
async fn update_history_texts_are_auroras() {
    let (server, sim) = start_sim().await;
    let c = client(&server, Protocol::Binary);

    let job = running_job(&c, &sim, "www-data/devel/crashy", 2).await;
    let bad = with_version(config_of(&c, &job).await, "crash-1", Some("crash"));
    // Healthy only after a minute of RUNNING: the crash (within 50 s) comes first.
    let ukey = start_update(&c, request(bad, 2, settings(1, false, 60_000))).await;
    for _ in 0..120 {
        if status_of(&details(&c, &ukey).await) != JobUpdateStatus::ROLLING_FORWARD {
            break;
        }
        sim.advance(secs(5));
    }
    let d = details(&c, &ukey).await;
    let events = d.update_events.clone().unwrap();
    let turn = events
        .iter()
        .find(|e| e.status == Some(JobUpdateStatus::ROLLING_BACK))
        .unwrap_or_else(|| panic!("the failure turned the update around: {events:?}"));
    assert_eq!(
        turn.message.as_deref(),
        Some("Latest failure: instance 0 exited.")
    );
    let failed: Vec<_> = d
        .instance_events
        .iter()
        .flatten()
        .filter(|e| e.action == Some(JobUpdateAction::INSTANCE_UPDATE_FAILED))
        .collect();
    assert!(!failed.is_empty());
    assert!(failed.iter().all(|e| e.message.is_none()), "{failed:?}");

    let job = running_job(&c, &sim, "www-data/devel/batched", 2).await;
    let mut s = settings(1, true, 1000);
    s.update_strategy = Some(JobUpdateStrategy::Batch(BatchJobUpdateStrategy {
        group_size: Some(1),
        autopause_after_batch: Some(true),
    }));
    let good = with_version(config_of(&c, &job).await, "v2", None);
    let ukey = start_update(&c, request(good, 2, s)).await;
    for _ in 0..120 {
        if status_of(&details(&c, &ukey).await) == JobUpdateStatus::ROLL_FORWARD_PAUSED {
            break;
        }
        sim.advance(secs(5));
    }
    let d = details(&c, &ukey).await;
    let last = d.update_events.unwrap().pop().unwrap();
    assert_eq!(last.status, Some(JobUpdateStatus::ROLL_FORWARD_PAUSED));
    assert_eq!(last.message.as_deref(), Some("Update auto paused"));
    server.shutdown().await;
}

/// Small texts and codes from Aurora's source: the deprecation note of getJobUpdateDetails has
/// no period (ReadOnlySchedulerImpl), startCronJob of a job without cron says what
/// CronJobManagerImpl says, and a pulse with a blank update id is ERROR (checkNotBlank).
#[tokio::test]
async fn small_texts_and_codes_follow_aurora() {
    let (server, sim) = start_sim().await;
    let c = client(&server, Protocol::Binary);
    let job = running_job(&c, &sim, "www-data/devel/texts", 1).await;
    let tc = with_version(config_of(&c, &job).await, "v2", None);
    let ukey = start_update(&c, request(tc, 1, settings(1, false, 60_000))).await;

    let args = GetJobUpdateDetailsArgs {
        key: Some(ukey.clone()),
        query: None,
    };
    let r = c.call_raw("getJobUpdateDetails", &args).await.unwrap();
    assert_eq!(
        r.messages(),
        vec!["The key argument is deprecated, use the query argument instead"]
    );

    let (code, m) = api_code(&c.start_cron_job(&job).await.unwrap_err());
    assert_eq!(
        (code, m),
        (
            ResponseCode::INVALID_REQUEST,
            vec![format!(
                "Failed to start cron job - No cron job found for {job}."
            )]
        )
    );

    let args = PulseJobUpdateArgs {
        key: Some(JobUpdateKey::new(job.clone(), "")),
    };
    let r = c.call_raw("pulseJobUpdate", &args).await.unwrap();
    assert_eq!(r.code(), ResponseCode::ERROR);
    server.shutdown().await;
}

/// Aurora's getJobUpdateDiff only validates the config and refuses cron jobs: a request that
/// startJobUpdate would refuse (a non-service config, a zero group size) still gets its preview.
#[tokio::test]
async fn a_diff_preview_is_given_for_requests_start_would_refuse() {
    let (server, sim) = start_sim().await;
    let c = client(&server, Protocol::Binary);
    let job = running_job(&c, &sim, "www-data/devel/preview", 2).await;
    let mut tc = with_version(config_of(&c, &job).await, "v2", None);
    tc.is_service = Some(false);
    let mut s = settings(1, false, 1000);
    s.update_group_size = Some(0);
    s.update_strategy = None;
    let d = c
        .get_job_update_diff(request(tc.clone(), 3, s.clone()))
        .await
        .unwrap()
        .value;
    let groups = |g: &Option<Vec<ConfigGroup>>| -> Vec<i32> {
        g.iter()
            .flatten()
            .flat_map(|g| ids(g.instances.as_deref().unwrap()))
            .collect()
    };
    assert_eq!(groups(&d.add), vec![2]);
    assert_eq!(groups(&d.update), vec![0, 1]);
    // The same request is refused when it is started.
    let (code, _) = api_code(
        &c.start_job_update(request(tc, 3, s), None)
            .await
            .unwrap_err(),
    );
    assert_eq!(code, ResponseCode::INVALID_REQUEST);
    server.shutdown().await;
}

/// Aurora answers a no-op request before it looks for an update in progress: OK "Job is
/// unchanged by proposed update." even while another update is active.
#[tokio::test]
async fn a_no_op_request_is_ok_even_while_another_update_is_active() {
    let (server, sim) = start_sim().await;
    let c = client(&server, Protocol::Binary);
    let job = running_job(&c, &sim, "www-data/devel/noop", 2).await;
    let running = config_of(&c, &job).await;
    let newer = with_version(running.clone(), "v2", None);
    start_update(&c, request(newer, 2, settings(1, false, 60_000))).await;
    // Instance 1 still runs the old config; scoped to it, the old config changes nothing.
    let mut s = settings(1, false, 1000);
    s.update_only_these_instances = Some(vec![Range {
        first: Some(1),
        last: Some(1),
    }]);
    let r = c
        .start_job_update(request(running, 2, s), None)
        .await
        .unwrap();
    assert!(r.value.is_none());
    assert_eq!(r.messages, vec!["Job is unchanged by proposed update."]);
    server.shutdown().await;
}

/// QuotaCheckResult's wording ("…; RAM quota exceeded by 1024.00 MB; …"), and Aurora's
/// exemption of production jobs on dedicated hosts from quota.
#[tokio::test]
async fn quota_refusals_use_auroras_wording_and_dedicated_jobs_are_exempt() {
    let (server, _sim) = start_sim().await;
    let c = client(&server, Protocol::Binary);
    let args = eos::sim::api::SetQuotaArgs {
        owner_role: Some("tiny".into()),
        quota: Some(ResourceAggregate {
            resources: Some(vec![
                Resource::NumCpus(1.0),
                Resource::RamMb(1024),
                Resource::DiskMb(1024),
            ]),
        }),
    };
    let r = c.call_raw("setQuota", &args).await.unwrap();
    assert_eq!(r.code(), ResponseCode::OK);

    let mut tc = config_of(&c, &key("www-data/staging/frontend")).await;
    tc.tier = Some("preferred".into());
    tc.production = None;
    tc.owner = None;
    tc.resources = Some(vec![
        Resource::NumCpus(2.0),
        Resource::RamMb(2048),
        Resource::DiskMb(2048),
    ]);
    let create = |name: &str, tc: &TaskConfig| {
        let job = key(&format!("tiny/prod/{name}"));
        let mut tc = tc.clone();
        tc.job = Some(job.clone());
        PopulateJobConfigArgs {
            description: Some(JobConfiguration {
                key: Some(job),
                task_config: Some(tc),
                instance_count: Some(1),
                ..JobConfiguration::default()
            }),
        }
    };
    let r = c
        .call_raw("createJob", &create("shared", &tc))
        .await
        .unwrap();
    assert_eq!(
        (r.code(), r.messages()),
        (
            ResponseCode::INVALID_REQUEST,
            vec![
                "Insufficient resource quota: CPU quota exceeded by 1.00 core(s); \
                 RAM quota exceeded by 1024.00 MB; disk quota exceeded by 1024.00 MB"
            ]
        )
    );
    tc.constraints = Some(vec![Constraint {
        name: Some("dedicated".into()),
        constraint: Some(TaskConstraint::Value(ValueConstraint {
            negated: Some(false),
            values: Some(vec!["tiny/prod".into()]),
        })),
    }]);
    let r = c
        .call_raw("createJob", &create("dedicated", &tc))
        .await
        .unwrap();
    assert_eq!(r.code(), ResponseCode::OK, "{:?}", r.messages());
    server.shutdown().await;
}

/// Aurora rebuilds its updater when an update resumes: the failures seen so far are forgotten
/// and failed instances are evaluated again (JobUpdateControllerImpl, UpdateFactory). With one
/// failed instance allowed, a failure before a pause and one after do not add up.
#[tokio::test]
async fn a_resume_forgets_the_failures_seen_before_the_pause() {
    let (server, sim) = start_sim().await;
    let c = client(&server, Protocol::Binary);
    let job = running_job(&c, &sim, "www-data/devel/resumed", 2).await;
    let bad = with_version(config_of(&c, &job).await, "crash-2", Some("crash"));
    let mut s = settings(1, false, 60_000);
    s.max_failed_instances = Some(1);
    s.rollback_on_failure = Some(false);
    let ukey = start_update(&c, request(bad, 2, s)).await;
    let failed =
        |d: &JobUpdateDetails| instance_actions(d, JobUpdateAction::INSTANCE_UPDATE_FAILED);
    for _ in 0..300 {
        if !failed(&details(&c, &ukey).await).is_empty() {
            break;
        }
        sim.advance(secs(1));
    }
    assert_eq!(failed(&details(&c, &ukey).await), vec![0]);
    c.pause_job_update(&ukey, None).await.unwrap();
    c.resume_job_update(&ukey, None).await.unwrap();
    for _ in 0..300 {
        if failed(&details(&c, &ukey).await).contains(&1) {
            break;
        }
        sim.advance(secs(1));
    }
    let d = details(&c, &ukey).await;
    assert_eq!(failed(&d), vec![0, 1]);
    assert_eq!(
        status_of(&d),
        JobUpdateStatus::ROLLING_FORWARD,
        "one failure since the resume is within maxFailedInstances"
    );
    // Instance 0 is evaluated again, and its next crash ends the update.
    for _ in 0..300 {
        if status_of(&details(&c, &ukey).await) != JobUpdateStatus::ROLLING_FORWARD {
            break;
        }
        sim.advance(secs(1));
    }
    let d = details(&c, &ukey).await;
    assert_eq!(status_of(&d), JobUpdateStatus::FAILED);
    let last = d.update_events.unwrap().pop().unwrap();
    assert_eq!(
        last.message.as_deref(),
        Some("Latest failure: instance 0 exited.")
    );
    server.shutdown().await;
}

/// Aurora's killTasks answers "No tasks to kill." when the kill changes no task's state, as
/// when every matched task is already being killed.
#[tokio::test]
async fn killing_a_task_already_being_killed_kills_nothing() {
    let (server, sim) = start_sim().await;
    let c = client(&server, Protocol::Binary);
    let job = running_job(&c, &sim, "www-data/devel/killed", 2).await;
    let args = KillTasksArgs {
        job: Some(job.clone()),
        instances: Some(vec![0]),
        message: None,
    };
    let r = c.call_raw("killTasks", &args).await.unwrap();
    assert_eq!((r.code(), r.messages()), (ResponseCode::OK, vec![]));
    assert_eq!(
        active_tasks(&c, &job).await[0].status(),
        ScheduleStatus::KILLING
    );
    let r = c.call_raw("killTasks", &args).await.unwrap();
    assert_eq!(
        (r.code(), r.messages()),
        (ResponseCode::OK, vec!["No tasks to kill."])
    );
    server.shutdown().await;
}

async fn start_sim() -> (eos::sim::SimServer, eos::sim::Simulator) {
    sim_common::start(frozen()).await
}
