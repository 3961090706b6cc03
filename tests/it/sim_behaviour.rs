//! The simulator's behaviour, through the real client over HTTP with a frozen clock.

use crate::sim_common;

use eos::aurora::model::*;
use eos::aurora::wire::Protocol;
use sim_common::*;

#[tokio::test]
async fn tasks_go_pending_to_running_with_event_history_in_both_protocols() {
    let (server, sim) = start(frozen()).await;
    for (n, protocol) in [(0, Protocol::Binary), (1, Protocol::Json)] {
        let c = client(&server, protocol);
        let job = key(&format!("www-data/devel/lifecycle-{n}"));
        create_job(&c, &key("www-data/staging/frontend"), &job, 3, None).await;
        let tasks = active_tasks(&c, &job).await;
        assert_eq!(tasks.len(), 3);
        assert!(tasks.iter().all(|t| t.status() == ScheduleStatus::PENDING));
        assert!(tasks.iter().all(|t| t.host().is_empty()));

        sim.advance(secs(30));
        let tasks = active_tasks(&c, &job).await;
        assert_eq!(
            tasks.iter().map(|t| t.instance_id()).collect::<Vec<_>>(),
            vec![0, 1, 2]
        );
        for t in &tasks {
            assert_eq!(t.status(), ScheduleStatus::RUNNING, "{}", t.task_id());
            let statuses: Vec<ScheduleStatus> =
                t.events().iter().map(|e| e.status.unwrap()).collect();
            assert_eq!(
                statuses,
                vec![
                    ScheduleStatus::PENDING,
                    ScheduleStatus::ASSIGNED,
                    ScheduleStatus::STARTING,
                    ScheduleStatus::RUNNING
                ]
            );
            assert_eq!(
                t.events()[2].message.as_deref(),
                Some("Initializing sandbox.")
            );
            assert!(t.events().iter().all(|e| {
                e.scheduler
                    .as_deref()
                    .is_some_and(|s| s.starts_with("aurora-scheduler-"))
            }));
            assert!(
                t.events()
                    .windows(2)
                    .all(|w| w[0].timestamp <= w[1].timestamp)
            );
            assert!(t.host().starts_with("agent-"));
            let at = t.assigned_task.as_ref().unwrap();
            assert!(at.slave_id.is_some());
            assert_eq!(at.assigned_ports.as_ref().unwrap().len(), 2);
            assert!(t.task_id().starts_with(&format!(
                "www-data-devel-lifecycle-{n}-{}-",
                t.instance_id()
            )));
            assert_eq!(t.failure_count, Some(0));
            assert_eq!(t.ancestor_id, None);
        }
    }
    server.shutdown().await;
}

#[tokio::test]
async fn a_failure_is_rescheduled_with_ancestor_and_flapping_is_throttled() {
    let (server, sim) = start(frozen()).await;
    let c = client(&server, Protocol::Binary);
    let job = key("www-data/devel/crasher");
    create_job(
        &c,
        &key("www-data/staging/frontend"),
        &job,
        1,
        Some("crash"),
    )
    .await;
    // Step until the first task has failed.
    let mut failed = None;
    for _ in 0..120 {
        sim.advance(secs(1));
        let all = all_tasks(&c, &job).await;
        if let Some(f) = all.iter().find(|t| t.status() == ScheduleStatus::FAILED) {
            failed = Some((f.clone(), all));
            break;
        }
    }
    let (failed, all) = failed.expect("the crashing task failed within two minutes");
    assert!(
        failed
            .events()
            .iter()
            .any(|e| e.status == Some(ScheduleStatus::RUNNING))
    );
    assert!(
        failed
            .latest_event()
            .unwrap()
            .message
            .as_deref()
            .unwrap()
            .contains("exited with status")
    );
    let next = all
        .iter()
        .find(|t| t.status().is_active())
        .expect("a replacement task");
    assert_eq!(next.ancestor_id.as_deref(), Some(failed.task_id()));
    assert_eq!(next.failure_count, Some(1));
    assert_eq!(next.instance_id(), 0);
    assert_ne!(next.task_id(), failed.task_id());
    // Aurora derives the penalty from the failed task's ancestors only
    // (RescheduleCalculator.getFlappingPenaltyMs; StateManagerImpl's RESCHEDULE): a fresh task's
    // first crash comes back PENDING "Rescheduled", and THROTTLED starts at the second flap.
    assert_eq!(next.status(), ScheduleStatus::PENDING);
    assert_eq!(next.events()[0].message.as_deref(), Some("Rescheduled"));
    // JobStats count the failure, and the replacement as pending.
    let summary = c.get_job_summary(Some("www-data")).await.unwrap().value;
    let s = summary
        .iter()
        .find(|s| s.job.as_ref().unwrap().key.as_ref() == Some(&job))
        .unwrap();
    let stats = s.stats.clone().unwrap();
    assert_eq!(stats.failed_task_count, Some(1));
    assert_eq!(stats.pending_task_count, Some(1));
    // It runs again and fails again: its ancestor flapped, so the next waits out a penalty,
    // which doubles on the flap after that.
    for (failures, penalty) in [(2, "penalized for 30000 ms"), (3, "penalized for 60000 ms")] {
        for _ in 0..400 {
            sim.advance(secs(1));
            if active_tasks(&c, &job).await[0].failure_count == Some(failures) {
                break;
            }
        }
        let t = &active_tasks(&c, &job).await[0];
        assert_eq!(t.failure_count, Some(failures));
        assert_eq!(t.events()[0].status, Some(ScheduleStatus::THROTTLED));
        assert!(
            t.events()[0].message.as_deref().unwrap().contains(penalty),
            "{:?}",
            t.events()[0].message
        );
    }
    server.shutdown().await;
}

#[tokio::test]
async fn kill_moves_running_to_killing_then_killed_and_deletes_pending() {
    let (server, sim) = start(frozen()).await;
    let c = client(&server, Protocol::Json);
    let job = key("www-data/devel/killme");
    create_job(&c, &key("www-data/staging/frontend"), &job, 4, None).await;
    sim.advance(secs(30));
    c.kill_tasks(&job, &[1, 2], Some("scaling in"))
        .await
        .unwrap();
    let tasks = all_tasks(&c, &job).await;
    let killing: Vec<&ScheduledTask> = tasks
        .iter()
        .filter(|t| t.status() == ScheduleStatus::KILLING)
        .collect();
    assert_eq!(killing.len(), 2);
    assert_eq!(
        killing[0].latest_event().unwrap().message.as_deref(),
        Some("Killed by UNSECURE.\nscaling in")
    );
    sim.advance(secs(10));
    let tasks = all_tasks(&c, &job).await;
    assert_eq!(
        tasks
            .iter()
            .filter(|t| t.status() == ScheduleStatus::KILLED)
            .count(),
        2
    );
    // A user kill is final: no replacements.
    let active: Vec<i32> = active_tasks(&c, &job)
        .await
        .iter()
        .map(|t| t.instance_id())
        .collect();
    assert_eq!(active, vec![0, 3]);

    // Pending tasks vanish instead of showing KILLED.
    let pending = key("payments/prod/hsm-proxy");
    assert_eq!(all_tasks(&c, &pending).await.len(), 2);
    c.kill_tasks(&pending, &[0], None).await.unwrap();
    let left = all_tasks(&c, &pending).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].instance_id(), 1);

    // An empty instance set kills every active instance.
    let r = c
        .call_raw(
            "killTasks",
            &KillTasksArgs {
                job: Some(job.clone()),
                instances: Some(vec![]),
                message: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(r.code(), ResponseCode::OK);
    assert!(
        active_tasks(&c, &job)
            .await
            .iter()
            .all(|t| t.status() == ScheduleStatus::KILLING)
    );
    sim.advance(secs(10));
    assert!(active_tasks(&c, &job).await.is_empty());
    // Nothing left to kill.
    let r = c.kill_whole_job(&job, None).await.unwrap();
    assert_eq!(r.messages, vec!["No tasks to kill.".to_owned()]);
    server.shutdown().await;
}

#[tokio::test]
async fn restart_replaces_tasks_and_add_instances_scales_out() {
    let (server, sim) = start(frozen()).await;
    let c = client(&server, Protocol::Binary);
    let job = key("www-data/devel/restartme");
    create_job(&c, &key("www-data/staging/frontend"), &job, 2, None).await;
    sim.advance(secs(30));
    let before = active_tasks(&c, &job).await;
    c.restart_shards(&job, &[1]).await.unwrap();
    let t1 = active_tasks(&c, &job).await.remove(1);
    assert_eq!(t1.status(), ScheduleStatus::RESTARTING);
    assert_eq!(
        t1.latest_event().unwrap().message.as_deref(),
        Some("Restarted by UNSECURE")
    );
    sim.advance(secs(30));
    let after = active_tasks(&c, &job).await;
    assert_eq!(after[0].task_id(), before[0].task_id());
    assert_ne!(after[1].task_id(), before[1].task_id());
    assert_eq!(after[1].ancestor_id.as_deref(), Some(before[1].task_id()));
    assert_eq!(after[1].failure_count, Some(0));
    assert_eq!(after[1].status(), ScheduleStatus::RUNNING);

    let e = c.restart_shards(&job, &[1, 7]).await.unwrap_err();
    assert_eq!(
        api_code(&e),
        (
            ResponseCode::INVALID_REQUEST,
            vec!["Not all requested shards are active.".to_owned()]
        )
    );

    c.add_instances(
        InstanceKey {
            job_key: Some(job.clone()),
            instance_id: Some(0),
        },
        3,
    )
    .await
    .unwrap();
    let tasks = active_tasks(&c, &job).await;
    assert_eq!(
        tasks.iter().map(|t| t.instance_id()).collect::<Vec<_>>(),
        vec![0, 1, 2, 3, 4]
    );
    assert!(
        tasks[2..]
            .iter()
            .all(|t| t.status() == ScheduleStatus::PENDING)
    );
    assert_eq!(tasks[4].config(), tasks[0].config());
    let e = c
        .add_instances(
            InstanceKey {
                job_key: Some(job.clone()),
                instance_id: Some(9),
            },
            1,
        )
        .await
        .unwrap_err();
    assert_eq!(api_code(&e).0, ResponseCode::INVALID_REQUEST);
    let e = c
        .add_instances(
            InstanceKey {
                job_key: Some(key("nobody/prod/nothing")),
                instance_id: Some(0),
            },
            1,
        )
        .await
        .unwrap_err();
    assert_eq!(api_code(&e).0, ResponseCode::INVALID_REQUEST);
    server.shutdown().await;
}

#[tokio::test]
async fn mutations_on_a_job_with_an_active_update_are_refused() {
    let (server, _sim) = start(frozen()).await;
    let c = client(&server, Protocol::Binary);
    // The world's frontend deploy is paused: still an active update.
    let job = key("www-data/prod/frontend");
    let e = c.kill_tasks(&job, &[0], None).await.unwrap_err();
    assert_eq!(api_code(&e).0, ResponseCode::JOB_UPDATING_ERROR);
    let e = c.restart_shards(&job, &[0]).await.unwrap_err();
    assert_eq!(api_code(&e).0, ResponseCode::JOB_UPDATING_ERROR);
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
    assert_eq!(api_code(&e).0, ResponseCode::JOB_UPDATING_ERROR);
    // A second update is refused with the active one's key and summary.
    let tc = with_version(
        config_of(&c, &key("www-data/prod/api-gateway")).await,
        "x",
        None,
    );
    let mut tc2 = tc.clone();
    tc2.job = Some(job.clone());
    let e = c
        .start_job_update(request(tc2, 12, settings(1, false, 0)), None)
        .await
        .unwrap_err();
    match e {
        eos::aurora::client::ClientError::Api { code, result, .. } => {
            assert_eq!(code, ResponseCode::INVALID_REQUEST);
            match result.as_deref() {
                Some(ApiResult::StartJobUpdateResult(r)) => {
                    assert_eq!(r.key.as_ref().unwrap().job.as_ref(), Some(&job));
                    let st = r.update_summary.as_ref().unwrap().state.as_ref().unwrap();
                    assert_eq!(st.status, Some(JobUpdateStatus::ROLL_FORWARD_PAUSED));
                }
                other => panic!("expected the active update in the result, got {other:?}"),
            }
        }
        other => panic!("{other}"),
    }
    server.shutdown().await;
}

#[tokio::test]
async fn an_update_rolls_forward_batch_by_batch() {
    let (server, sim) = start(frozen()).await;
    let c = client(&server, Protocol::Binary);
    let job = key("www-data/prod/api-gateway");
    let old = config_of(&c, &job).await;
    let new = with_version(old.clone(), "2025.03.14-9", None);
    // The diff previews the change.
    let diff = c
        .get_job_update_diff(request(new.clone(), 12, settings(4, true, 10_000)))
        .await
        .unwrap()
        .value;
    let updated: Vec<Range> = diff
        .update
        .unwrap()
        .into_iter()
        .flat_map(|g| g.instances.unwrap())
        .collect();
    assert_eq!(updated, vec![Range::new(0, 11)]);
    assert!(diff.add.unwrap().is_empty() && diff.remove.unwrap().is_empty());

    let started = c
        .start_job_update(
            request(new.clone(), 12, settings(4, true, 10_000)),
            Some("rolling api-gateway"),
        )
        .await
        .unwrap()
        .value
        .expect("an update was started");
    let ukey = started.key.unwrap();
    let d = details(&c, &ukey).await;
    assert_eq!(status_of(&d), JobUpdateStatus::ROLLING_FORWARD);
    assert_eq!(
        instance_actions(&d, JobUpdateAction::INSTANCE_UPDATING),
        vec![0, 1, 2, 3]
    );
    let ev = &d.update_events.as_ref().unwrap()[0];
    assert_eq!(ev.user.as_deref(), Some("UNSECURE"));
    assert_eq!(ev.message.as_deref(), Some("rolling api-gateway"));
    let settings_back = d.update.unwrap().instructions.unwrap().settings.unwrap();
    assert!(matches!(
        settings_back.update_strategy,
        Some(JobUpdateStrategy::Batch(_))
    ));

    let mut saw_two_groups = false;
    let mut finished = false;
    for _ in 0..400 {
        sim.advance(secs(1));
        let d = details(&c, &ukey).await;
        let started = instance_actions(&d, JobUpdateAction::INSTANCE_UPDATING);
        let done = instance_actions(&d, JobUpdateAction::INSTANCE_UPDATED);
        // Batches of four: the next batch starts only when the previous one is done.
        assert!(
            started.len() <= done.len() / 4 * 4 + 4,
            "started {started:?} done {done:?}"
        );
        assert!(started.len().is_multiple_of(4));
        if !done.is_empty() && done.len() < 12 {
            let groups = c
                .get_config_summary(&job)
                .await
                .unwrap()
                .value
                .groups
                .unwrap();
            saw_two_groups |= groups.len() == 2;
        }
        if status_of(&d) == JobUpdateStatus::ROLLED_FORWARD {
            assert_eq!(done, (0..12).collect::<Vec<_>>());
            finished = true;
            break;
        }
    }
    assert!(finished, "the update finished");
    assert!(
        saw_two_groups,
        "getConfigSummary showed old and new configs mid-update"
    );
    let groups = c
        .get_config_summary(&job)
        .await
        .unwrap()
        .value
        .groups
        .unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].config.as_ref(), Some(&new));
    // Old tasks were killed for the update.
    let killed = all_tasks(&c, &job).await;
    assert!(killed.iter().any(|t| t.status() == ScheduleStatus::KILLED
        && t.latest_event().is_some_and(|_| t.events().iter().any(|e| {
            e.message
                .as_deref()
                .is_some_and(|m| m.starts_with("Killed for job update"))
        }))));
    // Re-sending the same config is a no-op.
    let r = c
        .start_job_update(request(new, 12, settings(4, true, 10_000)), None)
        .await
        .unwrap();
    assert!(r.value.is_none());
    assert_eq!(
        r.messages,
        vec!["Job is unchanged by proposed update.".to_owned()]
    );
    server.shutdown().await;
}

async fn crash_update(rollback: bool) -> (JobUpdateDetails, Vec<ConfigGroup>, TaskConfig) {
    let (server, sim) = start(frozen()).await;
    let c = client(&server, Protocol::Json);
    let job = key("payments/devel/deployme");
    create_job(&c, &key("payments/staging/ledger-api"), &job, 4, None).await;
    sim.advance(secs(30));
    let old = config_of(&c, &job).await;
    let bad = with_version(old.clone(), "broken", Some("crash"));
    let mut s = settings(2, false, 60_000);
    s.rollback_on_failure = Some(rollback);
    let ukey = c
        .start_job_update(request(bad, 4, s), Some("risky deploy"))
        .await
        .unwrap()
        .value
        .unwrap()
        .key
        .unwrap();
    for _ in 0..600 {
        sim.advance(secs(1));
        if !status_of(&details(&c, &ukey).await).is_active() {
            break;
        }
    }
    let d = details(&c, &ukey).await;
    let groups = c
        .get_config_summary(&job)
        .await
        .unwrap()
        .value
        .groups
        .unwrap();
    server.shutdown().await;
    (d, groups, old)
}

#[tokio::test]
async fn failure_thresholds_roll_back_or_fail_the_update() {
    let (d, groups, old) = crash_update(true).await;
    assert_eq!(status_of(&d), JobUpdateStatus::ROLLED_BACK);
    let statuses: Vec<JobUpdateStatus> = d
        .update_events
        .as_ref()
        .unwrap()
        .iter()
        .map(|e| e.status.unwrap())
        .collect();
    assert_eq!(
        statuses,
        vec![
            JobUpdateStatus::ROLLING_FORWARD,
            JobUpdateStatus::ROLLING_BACK,
            JobUpdateStatus::ROLLED_BACK
        ]
    );
    let back = &d.update_events.as_ref().unwrap()[1];
    assert!(
        back.message
            .as_deref()
            .unwrap()
            .starts_with("Latest failure: instance ")
    );
    assert!(!instance_actions(&d, JobUpdateAction::INSTANCE_UPDATE_FAILED).is_empty());
    let rolled = instance_actions(&d, JobUpdateAction::INSTANCE_ROLLED_BACK);
    assert!(!rolled.is_empty());
    // Only the first batch was touched, and it is back on the old config.
    assert!(rolled.iter().all(|i| *i < 2));
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].config.as_ref(), Some(&old));

    let (d, groups, _) = crash_update(false).await;
    assert_eq!(status_of(&d), JobUpdateStatus::FAILED);
    assert!(instance_actions(&d, JobUpdateAction::INSTANCE_ROLLED_BACK).is_empty());
    assert_eq!(
        groups.len(),
        2,
        "a failed update leaves instances as they are"
    );
}

#[tokio::test]
async fn pause_resume_abort_and_terminal_errors() {
    let (server, sim) = start(frozen()).await;
    let c = client(&server, Protocol::Binary);
    let job = key("www-data/devel/pausable");
    create_job(&c, &key("www-data/staging/frontend"), &job, 6, None).await;
    sim.advance(secs(30));
    let new = with_version(config_of(&c, &job).await, "v2", None);
    let ukey = c
        .start_job_update(request(new, 6, settings(1, false, 5_000)), None)
        .await
        .unwrap()
        .value
        .unwrap()
        .key
        .unwrap();
    c.pause_job_update(&ukey, Some("hold on")).await.unwrap();
    let d = details(&c, &ukey).await;
    assert_eq!(status_of(&d), JobUpdateStatus::ROLL_FORWARD_PAUSED);
    let ev = d.update_events.as_ref().unwrap().last().unwrap().clone();
    assert_eq!(
        (ev.user.as_deref(), ev.message.as_deref()),
        (Some("UNSECURE"), Some("hold on"))
    );
    // Pausing again is a no-op; while paused nothing new starts.
    c.pause_job_update(&ukey, None).await.unwrap();
    let started = instance_actions(&d, JobUpdateAction::INSTANCE_UPDATING);
    sim.advance(secs(120));
    let d = details(&c, &ukey).await;
    assert_eq!(
        instance_actions(&d, JobUpdateAction::INSTANCE_UPDATING),
        started
    );
    c.resume_job_update(&ukey, None).await.unwrap();
    assert_eq!(
        status_of(&details(&c, &ukey).await),
        JobUpdateStatus::ROLLING_FORWARD
    );
    sim.advance(secs(60));
    let d = details(&c, &ukey).await;
    assert!(instance_actions(&d, JobUpdateAction::INSTANCE_UPDATING).len() > started.len());
    c.abort_job_update(&ukey, Some("enough")).await.unwrap();
    assert_eq!(
        status_of(&details(&c, &ukey).await),
        JobUpdateStatus::ABORTED
    );
    let e = c.resume_job_update(&ukey, None).await.unwrap_err();
    assert_eq!(
        api_code(&e),
        (
            ResponseCode::INVALID_REQUEST,
            vec!["Cannot transition update from ABORTED to null".to_owned()]
        )
    );
    let unknown = JobUpdateKey::new(job.clone(), "no-such-update");
    let e = c.pause_job_update(&unknown, None).await.unwrap_err();
    let (code, msgs) = api_code(&e);
    assert_eq!(code, ResponseCode::INVALID_REQUEST);
    assert!(msgs[0].starts_with("Update does not exist"));
    // Once aborted, the job takes mutations again.
    c.kill_tasks(&job, &[0], None).await.unwrap();
    server.shutdown().await;
}

#[tokio::test]
async fn coordinated_updates_wait_for_pulses() {
    let (server, sim) = start(frozen()).await;
    let c = client(&server, Protocol::Binary);
    let job = key("analytics/prod/stream-processor");
    let q = JobUpdateQuery {
        job_key: Some(job.clone()),
        update_statuses: Some(JobUpdateStatus::ACTIVE.to_vec()),
        ..JobUpdateQuery::default()
    };
    let s = c.get_job_update_summaries(q).await.unwrap().value;
    assert_eq!(s.len(), 1);
    let ukey = s[0].key.clone().unwrap();
    let d = details(&c, &ukey).await;
    assert_eq!(status_of(&d), JobUpdateStatus::ROLL_FORWARD_AWAITING_PULSE);
    let last = d.update_events.as_ref().unwrap().last().unwrap();
    assert_eq!(
        last.message.as_deref(),
        Some("Pulses from external service have timed out.")
    );
    // Blocked: no progress without pulses.
    let before = d.instance_events.as_ref().unwrap().len();
    sim.advance(secs(90));
    assert_eq!(
        details(&c, &ukey).await.instance_events.unwrap().len(),
        before
    );

    assert_eq!(
        c.pulse_job_update(&ukey).await.unwrap().value,
        JobUpdatePulseStatus::OK
    );
    assert_eq!(
        status_of(&details(&c, &ukey).await),
        JobUpdateStatus::ROLLING_FORWARD
    );
    // Keep pulsing every 30 s: it rolls on.
    for _ in 0..4 {
        sim.advance(secs(30));
        c.pulse_job_update(&ukey).await.unwrap();
    }
    let d = details(&c, &ukey).await;
    assert!(d.instance_events.as_ref().unwrap().len() > before);
    assert!(status_of(&d).is_active());
    // Stop pulsing: blocked again once 60 s pass.
    if status_of(&d) == JobUpdateStatus::ROLLING_FORWARD {
        sim.advance(secs(61));
        let d = details(&c, &ukey).await;
        assert_eq!(status_of(&d), JobUpdateStatus::ROLL_FORWARD_AWAITING_PULSE);
    }
    // Unknown, finished and uncoordinated updates answer FINISHED.
    let unknown = JobUpdateKey::new(job.clone(), "nope");
    assert_eq!(
        c.pulse_job_update(&unknown).await.unwrap().value,
        JobUpdatePulseStatus::FINISHED
    );
    let q = JobUpdateQuery {
        job_key: Some(key("payments/prod/ledger-api")),
        ..JobUpdateQuery::default()
    };
    let done = c.get_job_update_summaries(q).await.unwrap().value;
    assert_eq!(
        done[0].state.as_ref().unwrap().status,
        Some(JobUpdateStatus::ROLLED_BACK)
    );
    assert_eq!(
        c.pulse_job_update(done[0].key.as_ref().unwrap())
            .await
            .unwrap()
            .value,
        JobUpdatePulseStatus::FINISHED
    );
    server.shutdown().await;
}

#[tokio::test]
async fn update_validation_and_instance_count_changes() {
    let (server, sim) = start(frozen()).await;
    let c = client(&server, Protocol::Binary);
    let job = key("www-data/devel/scaler");
    create_job(&c, &key("www-data/staging/frontend"), &job, 4, None).await;
    sim.advance(secs(30));
    let tc = config_of(&c, &job).await;
    let e = c
        .start_job_update(request(tc.clone(), 4, settings(0, false, 0)), None)
        .await
        .unwrap_err();
    assert_eq!(api_code(&e).0, ResponseCode::INVALID_REQUEST);
    let mut s = settings(1, false, 0);
    s.max_failed_instances = Some(-1);
    let e = c
        .start_job_update(request(tc.clone(), 4, s), None)
        .await
        .unwrap_err();
    assert_eq!(api_code(&e).0, ResponseCode::INVALID_REQUEST);
    let mut s = settings(1, false, 0);
    s.update_only_these_instances = Some(vec![Range::new(3, 9)]);
    let e = c
        .start_job_update(request(tc.clone(), 4, s), None)
        .await
        .unwrap_err();
    assert_eq!(api_code(&e).0, ResponseCode::INVALID_REQUEST);
    let mut batch = tc.clone();
    batch.is_service = Some(false);
    let e = c
        .start_job_update(request(batch, 4, settings(1, false, 0)), None)
        .await
        .unwrap_err();
    assert_eq!(api_code(&e).0, ResponseCode::INVALID_REQUEST);

    // Same config, more instances: only the new ones are added.
    let diff = c
        .get_job_update_diff(request(tc.clone(), 6, settings(2, false, 0)))
        .await
        .unwrap()
        .value;
    let add: Vec<Range> = diff
        .add
        .unwrap()
        .into_iter()
        .flat_map(|g| g.instances.unwrap())
        .collect();
    assert_eq!(add, vec![Range::new(4, 5)]);
    let ukey = c
        .start_job_update(request(tc.clone(), 6, settings(2, false, 0)), None)
        .await
        .unwrap()
        .value
        .unwrap()
        .key
        .unwrap();
    sim.advance(secs(40));
    assert_eq!(
        status_of(&details(&c, &ukey).await),
        JobUpdateStatus::ROLLED_FORWARD
    );
    assert_eq!(active_tasks(&c, &job).await.len(), 6);
    // Fewer instances: the highest are removed.
    let ukey = c
        .start_job_update(request(tc.clone(), 3, settings(3, false, 0)), None)
        .await
        .unwrap()
        .value
        .unwrap()
        .key
        .unwrap();
    sim.advance(secs(30));
    let d = details(&c, &ukey).await;
    assert_eq!(status_of(&d), JobUpdateStatus::ROLLED_FORWARD);
    assert_eq!(
        instance_actions(&d, JobUpdateAction::INSTANCE_UPDATED),
        vec![3, 4, 5]
    );
    let ids: Vec<i32> = active_tasks(&c, &job)
        .await
        .iter()
        .map(|t| t.instance_id())
        .collect();
    assert_eq!(ids, vec![0, 1, 2]);
    // updateOnlyTheseInstances limits the work.
    let v3 = with_version(tc.clone(), "v3", None);
    let mut s = settings(1, false, 0);
    s.update_only_these_instances = Some(vec![Range::new(1, 1)]);
    let ukey = c
        .start_job_update(request(v3.clone(), 3, s), None)
        .await
        .unwrap()
        .value
        .unwrap()
        .key
        .unwrap();
    sim.advance(secs(30));
    let d = details(&c, &ukey).await;
    assert_eq!(
        instance_actions(&d, JobUpdateAction::INSTANCE_UPDATED),
        vec![1]
    );
    let groups = c
        .get_config_summary(&job)
        .await
        .unwrap()
        .value
        .groups
        .unwrap();
    assert_eq!(groups.len(), 2);
    // Finished updates are listed newest first.
    let all = c
        .get_job_update_summaries(JobUpdateQuery {
            job_key: Some(job.clone()),
            ..Default::default()
        })
        .await
        .unwrap()
        .value;
    assert_eq!(all.len(), 3);
    assert_eq!(all[0].key.as_ref(), Some(&ukey));
    server.shutdown().await;
}

#[tokio::test]
async fn job_stats_and_quota_agree_with_the_task_lists() {
    let (server, _sim) = start(frozen()).await;
    let c = client(&server, Protocol::Binary);
    for role in ["www-data", "payments", "search", "analytics"] {
        let summaries = c.get_job_summary(Some(role)).await.unwrap().value;
        assert!(!summaries.is_empty());
        let tasks = c
            .get_tasks_without_configs(TaskQuery {
                role: Some(role.into()),
                ..Default::default()
            })
            .await
            .unwrap()
            .value;
        for s in &summaries {
            let k = s.job.as_ref().unwrap().key.clone().unwrap();
            let mine: Vec<&ScheduledTask> = tasks.iter().filter(|t| t.job() == Some(&k)).collect();
            let count = |set: &[ScheduleStatus]| {
                mine.iter().filter(|t| set.contains(&t.status())).count() as i32
            };
            use ScheduleStatus as S;
            let st = s.stats.clone().unwrap();
            assert_eq!(
                st.pending_task_count,
                Some(count(&[S::INIT, S::PENDING, S::THROTTLED])),
                "{k}"
            );
            assert_eq!(
                st.active_task_count,
                Some(count(&[
                    S::ASSIGNED,
                    S::STARTING,
                    S::RUNNING,
                    S::RESTARTING,
                    S::KILLING,
                    S::DRAINING,
                    S::PREEMPTING,
                    S::PARTITIONED
                ])),
                "{k}"
            );
            assert_eq!(
                st.finished_task_count,
                Some(count(&[S::FINISHED, S::KILLED])),
                "{k}"
            );
            assert_eq!(
                st.failed_task_count,
                Some(count(&[S::FAILED, S::LOST])),
                "{k}"
            );
            if s.job.as_ref().unwrap().cron_schedule.is_none() {
                assert_eq!(
                    s.job.as_ref().unwrap().instance_count,
                    Some(mine.len() as i32)
                );
            } else {
                assert!(s.next_cron_run_ms.is_some());
            }
        }
        // Quota consumption: active tasks split prod/non-prod, shared/dedicated; revocable ones
        // count too (Aurora's QuotaManager.getTaskResources has no revocable filter).
        let q = c.get_quota(role).await.unwrap().value;
        let mut expect = [ResourceTotals::default(); 4];
        for t in tasks.iter().filter(|t| t.status().is_active()) {
            let cfg = t.config().unwrap();
            let dedicated = cfg
                .constraints
                .iter()
                .flatten()
                .any(|c| c.name.as_deref() == Some("dedicated"));
            let k = match (cfg.production == Some(true), dedicated) {
                (true, false) => 0,
                (false, false) => 1,
                (true, true) => 2,
                (false, true) => 3,
            };
            let n = cfg.totals();
            expect[k].cpus += n.cpus;
            expect[k].ram_mb += n.ram_mb;
            expect[k].disk_mb += n.disk_mb;
        }
        let got = [
            q.prod_shared_consumption.unwrap().totals(),
            q.non_prod_shared_consumption.unwrap().totals(),
            q.prod_dedicated_consumption.unwrap().totals(),
            q.non_prod_dedicated_consumption.unwrap().totals(),
        ];
        for k in 0..4 {
            assert!(
                (got[k].cpus - expect[k].cpus).abs() < 1e-6,
                "{role} bucket {k}"
            );
            assert_eq!(got[k].ram_mb, expect[k].ram_mb, "{role} bucket {k}");
            assert_eq!(got[k].disk_mb, expect[k].disk_mb, "{role} bucket {k}");
        }
        let quota = q.quota.unwrap().totals();
        assert!(
            quota.cpus >= got[0].cpus + got[2].cpus,
            "{role} quota covers prod use"
        );
    }
    let e = c
        .call_raw(
            "getQuota",
            &RoleArgs {
                role: Some(" ".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(e.code(), ResponseCode::ERROR);
    server.shutdown().await;
}

#[tokio::test]
async fn the_default_world_has_incidents_to_triage() {
    let (server, _sim) = start(frozen()).await;
    let c = client(&server, Protocol::Binary);
    let roles: Vec<String> = c
        .get_role_summary()
        .await
        .unwrap()
        .value
        .into_iter()
        .map(|r| r.role.unwrap())
        .collect();
    for r in ["www-data", "payments", "search", "analytics"] {
        assert!(roles.contains(&r.to_owned()), "{r}");
    }
    let all = c
        .get_tasks_without_configs(TaskQuery::default())
        .await
        .unwrap()
        .value;
    assert!(all.len() > 200, "a few hundred tasks, got {}", all.len());
    assert!(all.iter().all(|t| {
        t.config()
            .unwrap()
            .executor_config
            .as_ref()
            .unwrap()
            .data
            .is_none()
    }));
    let full = c
        .get_tasks_status(TaskQuery {
            role: Some("search".into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .value;
    let data = full[0]
        .config()
        .unwrap()
        .executor_config
        .as_ref()
        .unwrap()
        .data
        .clone()
        .unwrap();
    assert!(
        serde_json::from_str::<serde_json::Value>(&data).unwrap()["task"]["processes"].is_array()
    );
    let tiers: BTreeSetOf = all
        .iter()
        .filter_map(|t| t.config().unwrap().tier.clone())
        .collect();
    assert_eq!(tiers.len(), 3);

    let ups = c
        .get_job_update_summaries(JobUpdateQuery::default())
        .await
        .unwrap()
        .value;
    let status = |s: JobUpdateStatus| {
        ups.iter()
            .filter(|u| u.state.as_ref().unwrap().status == Some(s))
            .count()
    };
    assert_eq!(status(JobUpdateStatus::ROLLING_FORWARD), 1);
    assert_eq!(status(JobUpdateStatus::ROLL_FORWARD_PAUSED), 1);
    assert_eq!(status(JobUpdateStatus::ROLL_FORWARD_AWAITING_PULSE), 1);
    assert_eq!(status(JobUpdateStatus::ROLLED_BACK), 1);

    // The crash loop: throttled or failed tasks with rising failure counts.
    let crash = all_tasks(&c, &key("payments/prod/fraud-scorer")).await;
    assert!(
        crash
            .iter()
            .filter(|t| t.status() == ScheduleStatus::FAILED)
            .count()
            >= 8
    );
    assert!(
        crash
            .iter()
            .any(|t| t.status().is_active() && t.failure_count.unwrap() >= 3)
    );

    // Pending reasons true to the state.
    let reason = |job: &str| {
        let c = c.clone();
        let job = key(job);
        async move {
            let r = c.get_pending_reason(query(&job)).await.unwrap().value;
            r.into_iter().map(|p| p.reason.unwrap()).collect::<Vec<_>>()
        }
    };
    assert_eq!(
        reason("analytics/devel/ml-training").await,
        vec!["Insufficient: CPU"; 2]
    );
    assert_eq!(
        reason("search/prod/es-coldstore").await,
        vec!["Insufficient: RAM"; 2]
    );
    assert_eq!(
        reason("payments/prod/hsm-proxy").await,
        vec!["Constraint not satisfied: dedicated"; 2]
    );
    let mut q = query(&key("payments/prod/hsm-proxy"));
    q.statuses = Some(vec![ScheduleStatus::PENDING]);
    let e = c.get_pending_reason(q).await.unwrap_err();
    assert_eq!(api_code(&e).0, ResponseCode::INVALID_REQUEST);

    let tiers = c.get_tier_configs().await.unwrap().value;
    assert_eq!(tiers.default_tier_name.as_deref(), Some("preemptible"));
    assert_eq!(tiers.tiers.unwrap().len(), 3);
    let jobs = c.get_jobs(Some("analytics")).await.unwrap().value;
    assert!(
        jobs.iter()
            .any(|j| j.cron_schedule.as_deref() == Some("0 3 * * *"))
    );
    server.shutdown().await;
}

type BTreeSetOf = std::collections::BTreeSet<String>;

#[tokio::test]
async fn cron_jobs_run_when_the_clock_passes_them() {
    let (server, sim) = start(frozen()).await;
    let c = client(&server, Protocol::Binary);
    let job = key("analytics/prod/nightly-rollup");
    let s = c.get_job_summary(Some("analytics")).await.unwrap().value;
    let next = s
        .iter()
        .find(|s| s.job.as_ref().unwrap().key.as_ref() == Some(&job))
        .unwrap()
        .next_cron_run_ms
        .unwrap();
    assert!(next > sim.now_ms());
    assert!(active_tasks(&c, &job).await.is_empty());
    let wait = (next - sim.now_ms()) as u64 + 1000;
    sim.advance(std::time::Duration::from_millis(wait));
    let tasks = active_tasks(&c, &job).await;
    assert_eq!(tasks.len(), 5);
    assert!(
        tasks
            .iter()
            .all(|t| t.config().unwrap().is_service == Some(false))
    );
    let s = c.get_job_summary(Some("analytics")).await.unwrap().value;
    let after = s
        .iter()
        .find(|s| s.job.as_ref().unwrap().key.as_ref() == Some(&job))
        .unwrap();
    assert_eq!(after.next_cron_run_ms, Some(next + 86_400_000));
    // Cron tasks finish and are not restarted.
    sim.advance(secs(900));
    assert!(active_tasks(&c, &job).await.is_empty());
    assert_eq!(
        all_tasks(&c, &job)
            .await
            .iter()
            .filter(|t| t.status() == ScheduleStatus::FINISHED)
            .count(),
        5
    );
    c.start_cron_job(&job).await.unwrap();
    assert_eq!(active_tasks(&c, &job).await.len(), 5);
    let e = c
        .start_cron_job(&key("www-data/prod/frontend"))
        .await
        .unwrap_err();
    let (code, msgs) = api_code(&e);
    assert_eq!(code, ResponseCode::INVALID_REQUEST);
    assert!(msgs[0].starts_with("Failed to start cron job"));
    server.shutdown().await;
}

#[tokio::test]
async fn draining_a_host_moves_its_tasks_elsewhere() {
    let (server, sim) = start(frozen()).await;
    let c = client(&server, Protocol::Binary);
    let job = key("monitoring/prod/node-exporter");
    let tasks = active_tasks(&c, &job).await;
    let host = tasks[0].host().to_owned();
    let on_host: Vec<String> = c
        .get_tasks_without_configs(TaskQuery {
            slave_hosts: Some(vec![host.clone()]),
            statuses: Some(vec![ScheduleStatus::RUNNING]),
            ..Default::default()
        })
        .await
        .unwrap()
        .value
        .iter()
        .map(|t| t.task_id().to_owned())
        .collect();
    assert!(!on_host.is_empty());
    let st = c
        .maintenance_status(&[host.clone(), "no-such-host".into()])
        .await
        .unwrap()
        .value;
    assert_eq!(st.len(), 1);
    assert_eq!(st[0].mode, Some(MaintenanceMode::NONE));
    let st = c
        .start_maintenance(std::slice::from_ref(&host))
        .await
        .unwrap()
        .value;
    assert_eq!(st[0].mode, Some(MaintenanceMode::SCHEDULED));
    let st = c
        .drain_hosts(std::slice::from_ref(&host))
        .await
        .unwrap()
        .value;
    assert_eq!(st[0].mode, Some(MaintenanceMode::DRAINING));
    let draining = c
        .get_tasks_without_configs(TaskQuery {
            task_ids: Some(on_host.clone()),
            ..Default::default()
        })
        .await
        .unwrap()
        .value;
    assert!(
        draining
            .iter()
            .all(|t| t.status() == ScheduleStatus::DRAINING)
    );
    assert_eq!(
        draining[0].latest_event().unwrap().message.as_deref(),
        Some("Draining machine for maintenance.")
    );
    sim.advance(secs(40));
    assert_eq!(
        c.maintenance_status(std::slice::from_ref(&host))
            .await
            .unwrap()
            .value[0]
            .mode,
        Some(MaintenanceMode::DRAINED)
    );
    let moved = active_tasks(&c, &job).await;
    assert_eq!(moved.len(), tasks.len());
    assert!(
        moved
            .iter()
            .all(|t| t.host() != host && t.status() == ScheduleStatus::RUNNING)
    );
    let st = c
        .end_maintenance(std::slice::from_ref(&host))
        .await
        .unwrap()
        .value;
    assert_eq!(st[0].mode, Some(MaintenanceMode::NONE));
    server.shutdown().await;
}

#[tokio::test]
async fn scaled_world_with_a_big_job() {
    let args = eos::sim::SimArgs {
        jobs: Some(120),
        tasks: Some(6_000),
        big_job: true,
        ..frozen()
    };
    let (server, _sim) = start(args).await;
    let c = client(&server, Protocol::Binary);
    let summaries = c.get_job_summary(None).await.unwrap().value;
    assert!(summaries.len() >= 120);
    let active: i32 = summaries
        .iter()
        .map(|s| s.stats.as_ref().unwrap().active_task_count.unwrap())
        .sum();
    assert!(active >= 6_000 + 4_000 - 100, "active {active}");
    let mut q = query(&key("www-data/prod/edge-proxy"));
    q.statuses = Some(ScheduleStatus::ACTIVE.to_vec());
    let big = c.get_tasks_without_configs(q).await.unwrap().value;
    assert_eq!(big.len(), 4000);
    assert!(big.iter().all(|t| t.status() == ScheduleStatus::RUNNING));
    // One shared config for the whole job on the client side too.
    assert!(big.windows(2).all(|w| std::sync::Arc::ptr_eq(
        w[0].assigned_task.as_ref().unwrap().task.as_ref().unwrap(),
        w[1].assigned_task.as_ref().unwrap().task.as_ref().unwrap()
    )));
    server.shutdown().await;
}

/// getJobUpdateDiff is a read: previewing a job that does not exist shows every instance as
/// added and creates nothing (the job does not appear in the role's jobs afterwards).
#[tokio::test]
async fn a_preview_of_a_new_job_stores_nothing() {
    let (server, _sim) = start(frozen()).await;
    let c = client(&server, Protocol::Binary);
    let existing = key("www-data/prod/api-gateway");
    let mut tc = config_of(&c, &existing).await;
    let new_job = key("www-data/prod/brand-new");
    tc.job = Some(new_job.clone());
    let jobs_before = c
        .get_job_summary(Some("www-data"))
        .await
        .unwrap()
        .value
        .len();
    let diff = c
        .get_job_update_diff(request(tc, 3, settings(1, false, 0)))
        .await
        .unwrap()
        .value;
    let added: Vec<Range> = diff
        .add
        .unwrap()
        .into_iter()
        .flat_map(|g| g.instances.unwrap())
        .collect();
    assert_eq!(added, vec![Range::new(0, 2)]);
    assert!(diff.update.unwrap().is_empty() && diff.unchanged.unwrap().is_empty());
    let jobs = c.get_job_summary(Some("www-data")).await.unwrap().value;
    assert_eq!(jobs.len(), jobs_before, "the preview created a job");
    assert!(
        jobs.iter()
            .all(|j| j.job.as_ref().and_then(|j| j.key.as_ref()) != Some(&new_job))
    );
    server.shutdown().await;
}
