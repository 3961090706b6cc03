//! `eos get` as a script sees it: output cut by its reader, scheduler text that tries to drive
//! the terminal, and credentials in a URL.

use crate::cli_common::eos;
use crate::sim_common;

use std::io::{BufRead as _, BufReader};
use std::process::Stdio;

use eos::aurora::model::*;
use eos::sim::SimArgs;
use sim_common::*;

/// `eos get … | head -1`: the reader closes the pipe after one line. Eos must end quietly with
/// status 0 (it panicked with exit 101 on the broken pipe).
fn cut_after_first_line(args: &[&str]) -> (std::process::ExitStatus, String) {
    let mut child = eos()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    assert!(!first.is_empty(), "some output came");
    drop(out);
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    (child.wait().unwrap(), err)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_pipe_ends_get_quietly_with_status_0() {
    let (server, _sim) = start(SimArgs {
        big_job: true,
        ..frozen()
    })
    .await;
    let url = server.url();
    let results = tokio::task::spawn_blocking(move || {
        [
            vec![
                "get",
                "tasks",
                "www-data/prod/edge-proxy",
                "--scheduler",
                &url,
            ],
            vec![
                "get",
                "tasks",
                "www-data/prod/edge-proxy",
                "-o",
                "json",
                "--scheduler",
                &url,
            ],
        ]
        .map(|a| cut_after_first_line(&a))
    })
    .await
    .unwrap();
    for (status, err) in results {
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(status.code(), Some(0), "stderr: {err}");
        assert!(err.is_empty(), "nothing to say about a closed pipe: {err}");
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduler_text_cannot_send_terminal_controls() {
    let (server, _sim) = start(frozen()).await;
    let c = client(&server, eos::aurora::wire::Protocol::Binary);
    let job = key("search/prod/indexer");
    let updates = c
        .get_job_update_summaries(JobUpdateQuery {
            job_key: Some(job.clone()),
            update_statuses: Some(JobUpdateStatus::ACTIVE.to_vec()),
            ..Default::default()
        })
        .await
        .unwrap()
        .value;
    let update = updates[0].key.clone().unwrap();
    let hostile = "\x1b]0;PWNED-TITLE\x07\x1b[2J\x1b[1;31mINJECTED\x1b[0m \x1b]52;c;ZWNobyBwd25lZA==\x07 \u{9b}2J \u{202e}gnp.exe";
    c.pause_job_update(&update, Some(hostile)).await.unwrap();
    let url = server.url();
    let id = format!("search/prod/indexer/{}", update.id.clone().unwrap());
    let out = tokio::task::spawn_blocking(move || {
        eos()
            .args(["get", "update", &id, "--scheduler", &url])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("INJECTED"),
        "the message is still shown: {text}"
    );
    assert!(
        text.contains("^[]0;PWNED-TITLE^G^[[2J"),
        "controls are shown in caret notation: {text}"
    );
    for bad in ['\x1b', '\x07', '\u{9b}', '\u{202e}'] {
        assert!(
            !text.contains(bad),
            "{bad:?} reached the terminal: {text:?}"
        );
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn url_credentials_win_and_a_refused_login_names_them_without_the_password() {
    let (server, _sim) = start(SimArgs {
        auth: Some("opsuser:Right-Pass-1".into()),
        ..frozen()
    })
    .await;
    let port = server.url().rsplit(':').next().unwrap().to_owned();
    let run = move |url: String| {
        eos()
            .args(["get", "roles", "--scheduler", &url])
            // Wrong ones: the URL's userinfo must win over them.
            .env("EOS_USER", "someone-else")
            .env("EOS_PASSWORD", "Env-Pass-2")
            .output()
            .unwrap()
    };
    let (good, bad) = tokio::task::spawn_blocking(move || {
        (
            run(format!("http://opsuser:Right-Pass-1@127.0.0.1:{port}")),
            run(format!("http://opsuser:Url-Pass-5555@127.0.0.1:{port}")),
        )
    })
    .await
    .unwrap();
    assert!(
        good.status.success(),
        "{}",
        String::from_utf8_lossy(&good.stderr)
    );
    assert_eq!(bad.status.code(), Some(30), "an auth error");
    let err = String::from_utf8(bad.stderr).unwrap();
    assert!(err.contains("authentication required"), "{err}");
    assert!(
        err.contains("credentials tried: user \"opsuser\" from the scheduler URL"),
        "a refused read names the credentials it tried: {err}"
    );
    assert!(
        !err.contains("Url-Pass-5555") && !err.contains("Env-Pass-2"),
        "{err}"
    );
    server.shutdown().await;
}

#[test]
fn eos_clusters_hides_a_proxy_url_password() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("clusters.json");
    std::fs::write(
        &file,
        r#"[{"name": "viaproxy", "proxy_url": "http://opsuser:Url-Pass-5555@127.0.0.1:18088"}]"#,
    )
    .unwrap();
    let out = eos()
        .arg("clusters")
        .env("AURORA_CONFIG_ROOT", dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("http://opsuser:***@127.0.0.1:18088"),
        "{text}"
    );
    assert!(!text.contains("Url-Pass-5555"), "{text}");
}

/// Sets (here a config's resources) come out of `eos get` in one canonical order (by their IDL
/// names), whatever order the scheduler sent them in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_prints_a_configs_sets_in_canonical_order() {
    let (server, _sim) = start(frozen()).await;
    let c = client(&server, eos::aurora::wire::Protocol::Binary);
    let job = key("www-data/prod/static-assets");
    // The scheduler sends CPUs before disk: not the canonical order.
    let wire = config_of(&c, &job).await.resources.unwrap_or_default();
    let cpus = wire.iter().position(|r| matches!(r, Resource::NumCpus(_)));
    let disk = wire.iter().position(|r| matches!(r, Resource::DiskMb(_)));
    assert!(cpus < disk, "precondition: {wire:?}");
    let url = server.url();
    let out = tokio::task::spawn_blocking(move || {
        eos()
            .args(["get", "config", "www-data/prod/static-assets", "-o", "json"])
            .args(["--scheduler", &url])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<String> = v["groups"][0]["config"]["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| r.as_object().unwrap().keys().next().unwrap().clone())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "{v:#}");
    assert!(names.len() >= 3, "{names:?}");
    server.shutdown().await;
}

/// Timestamps say their zone: local by default (here a POSIX TZ of UTC+5:30), UTC with
/// `timezone = "utc"` in Eos's config.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timestamps_say_their_zone_local_by_default_or_utc() {
    let (server, _sim) = start(frozen()).await;
    let url = server.url();
    let (local, utc) = tokio::task::spawn_blocking(move || {
        let run = |config: Option<&str>| {
            let dir = tempfile::tempdir().unwrap();
            if let Some(text) = config {
                std::fs::create_dir_all(dir.path().join("eos")).unwrap();
                std::fs::write(dir.path().join("eos/config.toml"), text).unwrap();
            }
            let out = eos()
                .args(["get", "updates", "--scheduler", &url])
                .env("XDG_CONFIG_HOME", dir.path())
                .env("TZ", "EOS-5:30")
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8(out.stdout).unwrap()
        };
        (run(None), run(Some("timezone = \"utc\"\n")))
    })
    .await
    .unwrap();
    assert!(local.lines().count() > 1, "{local}");
    assert!(
        local.lines().skip(1).all(|l| l.contains(" +05:30")),
        "{local}"
    );
    assert!(utc.lines().skip(1).all(|l| l.contains(" UTC")), "{utc}");
    assert!(!utc.contains("+05:30"), "{utc}");
    server.shutdown().await;
}
