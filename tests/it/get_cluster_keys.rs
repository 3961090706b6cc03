//! `eos get` takes the aurora CLI's `CLUSTER/ROLE/ENV/NAME` where a job key is the whole
//! argument: the cluster is reached through clusters.json, or must agree with `--cluster` or
//! the `--scheduler`'s own name (issue 14). Against the simulator (cluster `devcluster`).

use crate::cli_common::eos;
use crate::sim_common::*;

use std::ffi::OsStr;
use std::path::Path;
use std::process::Output;

use eos::aurora::model::*;

/// `eos ARGS…`, with `clusters_dir` as AURORA_CONFIG_ROOT when given.
async fn run_in(clusters_dir: Option<&Path>, args: &[&str]) -> Output {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let dir = clusters_dir.map(Path::to_owned);
    tokio::task::spawn_blocking(move || {
        let mut c = eos();
        if let Some(d) = dir {
            c.env("AURORA_CONFIG_ROOT", d);
        }
        c.args(args.iter().map(OsStr::new)).output().unwrap()
    })
    .await
    .unwrap()
}

fn ok(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn usage(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(out.stdout.is_empty());
    err
}

/// A clusters.json naming `devcluster` at `url`.
fn clusters_json(url: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("clusters.json"),
        format!(r#"[{{"name": "devcluster", "scheduler_uri": "{url}"}}, {{"name": "other", "scheduler_uri": "http://127.0.0.1:9"}}]"#),
    )
    .unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_key_with_scheduler_reads_the_same_job() {
    let (server, _sim) = start(frozen()).await;
    let url = server.url();
    for what in ["tasks", "config"] {
        let plain = ok(&run_in(
            None,
            &[
                "get",
                what,
                "search/prod/indexer",
                "-o",
                "json",
                "--scheduler",
                &url,
            ],
        )
        .await);
        let full = ok(&run_in(
            None,
            &[
                "get",
                what,
                "devcluster/search/prod/indexer",
                "-o",
                "json",
                "--scheduler",
                &url,
            ],
        )
        .await);
        assert!(plain.len() > 10, "{plain}");
        assert_eq!(plain, full, "{what}");
    }
    // The scheduler calls itself devcluster: another cluster's key is a usage error.
    let err = usage(
        &run_in(
            None,
            &[
                "get",
                "tasks",
                "elsewhere/search/prod/indexer",
                "--scheduler",
                &url,
            ],
        )
        .await,
    );
    assert!(
        err.contains("elsewhere") && err.contains("devcluster"),
        "{err}"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_key_alone_reaches_that_cluster_through_clusters_json() {
    let (server, _sim) = start(frozen()).await;
    let url = server.url();
    let dir = clusters_json(&url);
    let plain = ok(&run_in(
        None,
        &[
            "get",
            "tasks",
            "search/prod/indexer",
            "-o",
            "json",
            "--scheduler",
            &url,
        ],
    )
    .await);
    let full = ok(&run_in(
        Some(dir.path()),
        &[
            "get",
            "tasks",
            "devcluster/search/prod/indexer",
            "-o",
            "json",
        ],
    )
    .await);
    assert_eq!(plain, full);
    let updates = ok(&run_in(
        Some(dir.path()),
        &[
            "get",
            "updates",
            "devcluster/search/prod/indexer",
            "-o",
            "json",
        ],
    )
    .await);
    let by_url = ok(&run_in(
        None,
        &[
            "get",
            "updates",
            "search/prod/indexer",
            "-o",
            "json",
            "--scheduler",
            &url,
        ],
    )
    .await);
    assert_eq!(updates, by_url);
    // A key whose cluster is not --cluster's is refused before anything is read.
    let err = usage(
        &run_in(
            Some(dir.path()),
            &[
                "get",
                "tasks",
                "devcluster/search/prod/indexer",
                "--cluster",
                "other",
            ],
        )
        .await,
    );
    assert!(err.contains("other"), "{err}");
    let err = usage(
        &run_in(
            Some(dir.path()),
            &[
                "--cluster",
                "other",
                "get",
                "config",
                "devcluster/search/prod/indexer",
            ],
        )
        .await,
    );
    assert!(err.contains("devcluster"), "{err}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_update_tells_a_cluster_and_job_from_an_update_key() {
    let (server, _sim) = start(frozen()).await;
    let url = server.url();
    let dir = clusters_json(&url);
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
    let by_id = format!("search/prod/indexer/{id}");
    let expected = ok(&run_in(
        None,
        &["get", "update", &by_id, "-o", "json", "--scheduler", &url],
    )
    .await);
    assert!(expected.contains(&id), "{expected}");
    // Four parts whose first is a known cluster: that cluster's job, its active update.
    let job = ok(&run_in(
        Some(dir.path()),
        &[
            "get",
            "update",
            "devcluster/search/prod/indexer",
            "-o",
            "json",
        ],
    )
    .await);
    assert_eq!(job, expected);
    // Four parts whose first is no cluster: still ROLE/ENV/NAME/UPDATE_ID, with clusters.json.
    let still = ok(&run_in(
        Some(dir.path()),
        &["get", "update", &by_id, "-o", "json", "--scheduler", &url],
    )
    .await);
    assert_eq!(still, expected);
    // Five parts: CLUSTER/ROLE/ENV/NAME/UPDATE_ID.
    let five = format!("devcluster/{by_id}");
    let full = ok(&run_in(
        None,
        &["get", "update", &five, "-o", "json", "--scheduler", &url],
    )
    .await);
    assert_eq!(full, expected);
    server.shutdown().await;
}
