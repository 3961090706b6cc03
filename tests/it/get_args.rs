//! `eos get` arguments as scripts write them: a job key where a role or update key was asked
//! for, and a scheduler given as host:port.

use crate::cli_common::run;
use crate::sim_common;

use std::process::Output;

use eos::aurora::model::*;
use sim_common::*;

fn stdout_of(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_of_a_job_key_are_that_jobs_updates() {
    let (server, _sim) = start(frozen()).await;
    let c = client(&server, eos::aurora::wire::Protocol::Binary);
    let job = key("search/prod/indexer");
    let all = c
        .get_job_update_summaries(JobUpdateQuery::default())
        .await
        .unwrap()
        .value;
    let of_job = all
        .iter()
        .filter(|u| u.key.as_ref().and_then(|k| k.job.as_ref()) == Some(&job))
        .count();
    assert!(
        of_job > 0 && of_job < all.len(),
        "the sim has updates of other jobs too"
    );
    let text = stdout_of(
        &run(&[
            "get",
            "updates",
            "search/prod/indexer",
            "--scheduler",
            &server.url(),
        ])
        .await,
    );
    let rows: Vec<&str> = text
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(rows.len(), of_job, "{text}");
    assert!(
        rows.iter().all(|r| r.starts_with("search/prod/indexer ")),
        "{text}"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_of_a_job_key_is_its_active_update() {
    let (server, _sim) = start(frozen()).await;
    let c = client(&server, eos::aurora::wire::Protocol::Binary);
    let active = c
        .get_job_update_summaries(JobUpdateQuery {
            job_key: Some(key("search/prod/indexer")),
            update_statuses: Some(JobUpdateStatus::ACTIVE.to_vec()),
            ..Default::default()
        })
        .await
        .unwrap()
        .value;
    let id = active[0].key.as_ref().unwrap().id.clone().unwrap();
    let text = stdout_of(
        &run(&[
            "get",
            "update",
            "search/prod/indexer",
            "--scheduler",
            &server.url(),
        ])
        .await,
    );
    let line = text.lines().find(|l| l.starts_with("update ")).unwrap();
    assert!(
        line.ends_with(&format!("search/prod/indexer/{id}")),
        "{text}"
    );
    // The full key still works.
    let full = format!("search/prod/indexer/{id}");
    let text = stdout_of(&run(&["get", "update", &full, "--scheduler", &server.url()]).await);
    assert!(text.contains(&full), "{text}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduler_without_a_scheme_is_plain_http() {
    let (server, _sim) = start(frozen()).await;
    let url = server.url();
    let host_port = url.strip_prefix("http://").unwrap();
    let text = stdout_of(&run(&["get", "roles", "--scheduler", host_port]).await);
    assert!(text.lines().any(|l| l.starts_with("search ")), "{text}");
    server.shutdown().await;
}
