//! Peer tests against Apache Thrift's own implementation (Debian `thrift-compiler` and
//! `python3-thrift`): bindings are generated from our IDL (tests/peer/eos.thrift) into a temp
//! dir, and a Python server and codec built on them talk to Eos's client and codec.
//! Run with `cargo test --features peer --test peer` (`.ci/run` does).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use eos::aurora::client::{AuroraClient, ClientConfig, ClientError};
use eos::aurora::model::*;
use eos::aurora::wire::sample::{Sample, Sampler};
use eos::aurora::wire::{Protocol, Thrift};

const PYTHON: &str = "/usr/bin/python3";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Bindings generated once per test process.
fn bindings() -> &'static Path {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let st = Command::new("thrift")
            .args(["--gen", "py", "-out"])
            .arg(dir.path())
            .arg(repo().join("tests/peer/eos.thrift"))
            .status()
            .expect("the Apache Thrift compiler (Debian thrift-compiler) must be installed");
        assert!(st.success(), "thrift --gen py failed");
        dir
    })
    .path()
}

fn peer() -> Command {
    let mut c = Command::new(PYTHON);
    c.arg(repo().join("tests/peer/peer.py"))
        .arg("--gen")
        .arg(bindings());
    c
}

/// The Python peer server on 127.0.0.1, stopped on drop.
struct PeerServer {
    child: Child,
    url: String,
}

impl PeerServer {
    fn start() -> Self {
        let mut child = peer()
            .args(["serve", "--port", "0"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3-thrift peer starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port: u16 = line
            .trim()
            .strip_prefix("LISTENING ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("peer did not start: {line:?}"));
        Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
    fn client(&self, p: Protocol) -> AuroraClient {
        let mut cfg = ClientConfig::new(&self.url);
        cfg.protocol = p;
        AuroraClient::new(cfg).unwrap()
    }
}

impl Drop for PeerServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn hello() -> JobKey {
    JobKey::new("www-data", "prod", "hello")
}

async fn read_only_calls(c: &AuroraClient) {
    let roles = c.get_role_summary().await.unwrap();
    assert_eq!(
        roles.server_info.unwrap().cluster_name.as_deref(),
        Some("peer")
    );
    let mut roles = roles.value;
    roles.sort_by(|a, b| a.role.cmp(&b.role));
    assert_eq!(roles.len(), 2);
    assert_eq!(roles[1].role.as_deref(), Some("www-data"));
    assert_eq!(
        (roles[1].job_count, roles[1].cron_job_count),
        (Some(2), Some(1))
    );

    let jobs = c.get_job_summary(Some("www-data")).await.unwrap().value;
    assert_eq!(jobs.len(), 2);
    let cron = jobs
        .iter()
        .find(|j| j.job.as_ref().unwrap().cron_schedule.is_some())
        .unwrap();
    assert_eq!(cron.next_cron_run_ms, Some(1_764_000_000_000));
    let cfg = cron.job.as_ref().unwrap();
    assert_eq!(cfg.cron_schedule.as_deref(), Some("0 2 * * *"));
    assert_eq!(
        cfg.cron_collision_policy,
        Some(CronCollisionPolicy::CANCEL_NEW)
    );
    let service = jobs.iter().find(|j| j.next_cron_run_ms.is_none()).unwrap();
    let stats = service.stats.clone().unwrap();
    assert_eq!(
        (stats.active_task_count, stats.failed_task_count),
        (Some(2), Some(1))
    );

    match c.get_job_summary(Some("error")).await {
        Err(ClientError::Api { code, messages, .. }) => {
            assert_eq!(code, ResponseCode::ERROR);
            assert_eq!(messages, vec!["boom"]);
        }
        other => panic!("expected an ERROR response, got {other:?}"),
    }

    let active = c
        .get_tasks_without_configs(eos::domain::queries::job_query(&hello(), true))
        .await
        .unwrap()
        .value;
    assert_eq!(active.len(), 2);
    for t in &active {
        assert_eq!(t.status(), ScheduleStatus::RUNNING);
        let cfg = t.config().unwrap();
        assert_eq!(cfg.executor_config.as_ref().unwrap().data, None);
        assert_eq!(cfg.totals().cpus, 0.5);
        assert_eq!(cfg.named_ports().collect::<Vec<_>>(), vec!["http"]);
        let port = t
            .assigned_task
            .as_ref()
            .unwrap()
            .assigned_ports
            .as_ref()
            .unwrap()["http"];
        assert_eq!(port, 31000 + t.instance_id());
        assert_eq!(t.events().len(), 4);
        assert_eq!(
            t.events()[2].message.as_deref(),
            Some("Initializing sandbox.")
        );
    }
    let all = c
        .get_tasks_status(eos::domain::queries::job_query(&hello(), false))
        .await
        .unwrap()
        .value;
    assert_eq!(all.len(), 3);
    let failed = all
        .iter()
        .find(|t| t.status() == ScheduleStatus::FAILED)
        .unwrap();
    assert_eq!(
        failed.ancestor_id.as_deref(),
        Some("www-data-prod-hello-2-prev")
    );
    assert_eq!(failed.failure_count, Some(2));
    assert_eq!(
        failed.latest_event().unwrap().message.as_deref(),
        Some("Process exited with 1")
    );
    let data = failed
        .config()
        .unwrap()
        .executor_config
        .as_ref()
        .unwrap()
        .data
        .as_deref();
    assert_eq!(data, Some(r#"{"task":"hello"}"#));
    // Identical configs arrive as one shared allocation.
    let a = all[0]
        .assigned_task
        .as_ref()
        .unwrap()
        .task
        .as_ref()
        .unwrap();
    let b = all[1]
        .assigned_task
        .as_ref()
        .unwrap()
        .task
        .as_ref()
        .unwrap();
    assert!(Arc::ptr_eq(a, b), "identical TaskConfigs are not shared");

    let reasons = c
        .get_pending_reason(TaskQuery {
            role: Some("www-data".into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .value;
    assert_eq!(reasons[0].reason.as_deref(), Some("Insufficient: CPU"));

    let summary = c.get_config_summary(&hello()).await.unwrap().value;
    let groups = summary.groups.unwrap();
    assert_eq!(format_ranges(groups[0].instances.as_ref().unwrap()), "0-1");

    let q = c.get_quota("www-data").await.unwrap().value;
    let quota = q.quota.unwrap().totals();
    assert_eq!(
        (quota.cpus, quota.ram_mb, quota.disk_mb),
        (10.0, 20480, 40960)
    );
    let prod = q.prod_shared_consumption.unwrap().totals();
    assert_eq!((prod.cpus, prod.ram_mb, prod.disk_mb), (1.0, 256, 512));

    let ups = c
        .get_job_update_summaries(JobUpdateQuery::default())
        .await
        .unwrap()
        .value;
    assert_eq!(ups[0].user.as_deref(), Some("alice"));
    assert_eq!(
        ups[0].key.as_ref().unwrap().to_string(),
        "www-data/prod/hello/upd-1"
    );
    let details = c
        .get_job_update_details(JobUpdateQuery {
            key: ups[0].key.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .value;
    assert_eq!(eos::cmd::get::update_progress(&details[0]), (1, 3));
    let settings = details[0]
        .update
        .as_ref()
        .unwrap()
        .instructions
        .as_ref()
        .unwrap()
        .settings
        .clone()
        .unwrap();
    assert_eq!(settings.block_if_no_pulses_after_ms, Some(60000));
    assert_eq!(
        settings.update_strategy,
        Some(JobUpdateStrategy::Queue(QueueJobUpdateStrategy {
            group_size: Some(2)
        }))
    );

    let diff = c
        .get_job_update_diff(JobUpdateRequest {
            task_config: Some(TaskConfig {
                job: Some(hello()),
                ..Default::default()
            }),
            instance_count: Some(3),
            settings: Some(JobUpdateSettings::default()),
            metadata: None,
        })
        .await
        .unwrap()
        .value;
    assert_eq!(
        format_ranges(diff.update.unwrap()[0].instances.as_ref().unwrap()),
        "0-2"
    );

    let tiers = c.get_tier_configs().await.unwrap().value;
    assert_eq!(tiers.default_tier_name.as_deref(), Some("preemptible"));
    assert_eq!(tiers.tiers.unwrap().len(), 3);
}

/// The peer echoes each mutation's arguments as it decoded them (canonical JSON, by field name).
async fn mutations(c: &AuroraClient) {
    let echo = |r: eos::aurora::client::Reply<()>| r.messages[0].clone();
    let job = r#"{"environment":"prod","name":"hello","role":"www-data"}"#;
    let m = echo(
        c.kill_tasks(&hello(), &[3, 0, 3], Some("bye"))
            .await
            .unwrap(),
    );
    assert_eq!(
        m,
        format!(r#"{{"instances":[0,3],"job":{job},"message":"bye"}}"#)
    );
    let m = echo(c.restart_shards(&hello(), &[2, 1]).await.unwrap());
    assert_eq!(m, format!(r#"{{"job":{job},"shardIds":[1,2]}}"#));
    let key = JobUpdateKey::new(hello(), "upd-1");
    let m = echo(
        c.rollback_job_update(&key, Some("bad canary"))
            .await
            .unwrap(),
    );
    assert_eq!(
        m,
        format!(r#"{{"key":{{"id":"upd-1","job":{job}}},"message":"bad canary"}}"#)
    );
    let m = echo(c.pause_job_update(&key, Some("hold")).await.unwrap());
    assert_eq!(
        m,
        format!(r#"{{"key":{{"id":"upd-1","job":{job}}},"message":"hold"}}"#)
    );
    let m = echo(
        c.add_instances(
            InstanceKey {
                job_key: Some(hello()),
                instance_id: Some(1),
            },
            2,
        )
        .await
        .unwrap(),
    );
    assert_eq!(
        m,
        format!(r#"{{"count":2,"key":{{"instanceId":1,"jobKey":{job}}}}}"#)
    );
    let m = echo(
        c.start_cron_job(&JobKey::new("www-data", "devel", "nightly"))
            .await
            .unwrap(),
    );
    assert_eq!(
        m,
        r#"{"job":{"environment":"devel","name":"nightly","role":"www-data"}}"#
    );
    assert_eq!(
        c.pulse_job_update(&key).await.unwrap().value,
        JobUpdatePulseStatus::OK
    );
    let started = c
        .start_job_update(
            JobUpdateRequest {
                task_config: Some(TaskConfig {
                    job: Some(hello()),
                    ..Default::default()
                }),
                instance_count: Some(3),
                settings: Some(JobUpdateSettings {
                    update_group_size: Some(1),
                    ..Default::default()
                }),
                metadata: None,
            },
            Some("go"),
        )
        .await
        .unwrap()
        .value
        .unwrap();
    assert_eq!(started.key.unwrap().id.as_deref(), Some("upd-new"));
    let hosts = c
        .drain_hosts(&["host-1.example".into()])
        .await
        .unwrap()
        .value;
    assert_eq!(hosts[0].mode, Some(MaintenanceMode::DRAINED));

    // An empty kill set is refused before anything is sent.
    assert!(matches!(
        c.kill_tasks(&hello(), &[], None).await,
        Err(ClientError::Refused(_))
    ));
    // A method the peer does not know comes back as Thrift's own exception.
    match c.call_raw("noSuchMethod", &NoArgs {}).await {
        Err(ClientError::Exception { exception, .. }) => {
            assert_eq!(exception.kind_name(), "UNKNOWN_METHOD")
        }
        other => panic!("expected UNKNOWN_METHOD, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_against_the_reference_server_in_both_encodings() {
    let server = PeerServer::start();
    for p in [Protocol::Binary, Protocol::Json] {
        let c = server.client(p);
        read_only_calls(&c).await;
        mutations(&c).await;
    }
}

#[test]
fn eos_get_against_the_reference_server() {
    let server = PeerServer::start();
    for protocol in ["binary", "json"] {
        let out = Command::new(env!("CARGO_BIN_EXE_eos"))
            .args([
                "get",
                "roles",
                "--scheduler",
                &server.url,
                "--protocol",
                protocol,
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        assert_eq!(
            text.lines()
                .next()
                .unwrap()
                .split_whitespace()
                .collect::<Vec<_>>(),
            ["ROLE", "JOBS", "CRON", "JOBS"]
        );
        assert!(text.contains("www-data  2     1"), "{text}");

        let out = Command::new(env!("CARGO_BIN_EXE_eos"))
            .args(["get", "tasks", "www-data/prod/hello", "--all", "-o", "json"])
            .args(["--scheduler", &server.url, "--protocol", protocol])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v[0]["job"], "peer/www-data/prod/hello");
        let active = v[0]["active"].as_array().unwrap();
        assert_eq!(active.len(), 2);
        assert_eq!(v[0]["inactive"][0]["status"], "FAILED");
        assert_eq!(active[0]["assignedTask"]["assignedPorts"]["http"], 31000);
        // Set members come in Eos's canonical order, not the wire's: find the CPU member.
        let resources = active[0]["assignedTask"]["task"]["resources"]
            .as_array()
            .unwrap();
        let cpus = resources.iter().find_map(|r| r.get("numCpus"));
        assert_eq!(cpus, Some(&serde_json::json!(0.5)), "{resources:?}");
    }
    // An error response exits non-zero with one line naming the cause.
    let out = Command::new(env!("CARGO_BIN_EXE_eos"))
        .args(["get", "jobs", "error", "--scheduler", &server.url])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(10), "the aurora CLI's API error");
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "eos: getJobSummary: ERROR: boom\n"
    );
}

/// Rust encodes, Python decodes and re-encodes, Rust decodes: the value survives, and the
/// TBinary bytes Python writes are exactly ours.
fn echo<T: Thrift + Sample + PartialEq + std::fmt::Debug>(name: &str, seeds: std::ops::Range<u64>) {
    let dir = tempfile::tempdir().unwrap();
    for seed in seeds {
        let v = T::sample(&mut Sampler::new(seed));
        for (p, arg) in [(Protocol::Binary, "binary"), (Protocol::Json, "json")] {
            let bytes = p.encode_value(&v);
            if p == Protocol::Json && String::from_utf8_lossy(&bytes).contains("Infinity") {
                // python3-thrift writes infinities as bare `inf`, which is not JSON.
                continue;
            }
            let input = dir.path().join("in");
            let output = dir.path().join("out");
            std::fs::write(&input, &bytes).unwrap();
            let st = peer()
                .args(["echo", "--protocol", arg, "--type", name])
                .arg(&input)
                .arg(&output)
                .status()
                .unwrap();
            assert!(
                st.success(),
                "python could not decode our {arg} {name} (seed {seed})"
            );
            let back = std::fs::read(dir.path().join("out.bin")).unwrap();
            let decoded: T = p.decode_value(&back).unwrap_or_else(|e| {
                panic!(
                    "{arg} {name} seed {seed}: {e}\n{}",
                    String::from_utf8_lossy(&back)
                )
            });
            assert_eq!(decoded, v, "{arg} {name} seed {seed}");
            if p == Protocol::Binary {
                assert_eq!(back, bytes, "python's TBinary differs from ours for {name}");
            }
        }
    }
}

#[test]
fn reference_codec_reads_what_we_write() {
    echo::<ScheduledTask>("ScheduledTask", 0..6);
    echo::<JobUpdateDetails>("JobUpdateDetails", 0..4);
    echo::<Response>("Response", 0..6);
    echo::<TaskQuery>("TaskQuery", 0..3);
    echo::<JobUpdateRequest>("JobUpdateRequest", 0..3);
    echo::<GetQuotaResult>("GetQuotaResult", 0..2);
    echo::<KillTasksArgs>("killTasks_args", 0..3);
    echo::<RestartShardsArgs>("restartShards_args", 0..3);
    echo::<RollbackJobUpdateArgs>("rollbackJobUpdate_args", 0..2);
}

/// The reference client (tests/peer/sim_check.py, on python3-thrift) calls every read-only
/// method of aurora-api.md §3.1 on an in-process simulator with a frozen clock, in both
/// encodings, and cross-checks the answers (role and job counts, JobStats buckets, stripped
/// executor data, pending reasons, config groups, quota consumption, update summaries and
/// details, diffs, tiers). It exits non-zero on the first inconsistency.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reference_client_finds_the_simulator_consistent() {
    use eos::sim::{SimArgs, SimServer, Simulator};
    let args = SimArgs {
        clock: "frozen".parse().unwrap(),
        ..SimArgs::default()
    };
    let sim = Simulator::new(&args);
    let server = SimServer::start(sim.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let url = format!("{}/api", server.url());
    for protocol in ["binary", "json"] {
        let mut cmd = Command::new(PYTHON);
        cmd.arg(repo().join("tests/peer/sim_check.py"))
            .arg("--gen")
            .arg(bindings())
            .args(["--url", &url, "--protocol", protocol]);
        let out = tokio::task::spawn_blocking(move || cmd.output())
            .await
            .unwrap()
            .expect("sim_check.py runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "sim_check.py --protocol {protocol} failed:\n{stderr}{stdout}"
        );
        let line = stdout
            .lines()
            .find(|l| l.starts_with("SIM-CHECK ok"))
            .unwrap_or_else(|| panic!("no summary line: {stdout}"));
        let fields: Vec<&str> = line.split_whitespace().collect();
        assert!(
            fields.contains(&format!("protocol={protocol}").as_str()),
            "{line}"
        );
        // All 13 read-only methods of §3.1 were called.
        assert!(fields.contains(&"methods=13"), "{line}");
        // The client saw every task the simulator holds.
        let tasks = format!("tasks={}", sim.task_count());
        assert!(fields.contains(&tasks.as_str()), "{line}");
    }
    server.shutdown().await;
}

/// A ScheduledTask the aurora CLI can render: it indexes `status`, `taskEvents[].status`,
/// `timestamp`, `instanceId` and `isService` without checking, and Python's JSON cannot read
/// the `inf` its TSimpleJSON writes for infinite doubles.
fn renderable(seed: u64) -> ScheduledTask {
    let mut t = ScheduledTask::sample(&mut Sampler::new(seed));
    t.status = Some(ScheduleStatus::ALL[(seed as usize * 7) % ScheduleStatus::ALL.len()]);
    let events = t.task_events.get_or_insert_with(Vec::new);
    for (i, e) in events.iter_mut().enumerate() {
        e.status = Some(ScheduleStatus::ALL[(seed as usize + i) % 15]);
        e.timestamp.get_or_insert(i as i64);
    }
    let a = t.assigned_task.get_or_insert_with(Default::default);
    a.instance_id = Some((seed % 5) as i32);
    let mut c = a.task.as_deref().cloned().unwrap_or_default();
    c.is_service.get_or_insert(seed.is_multiple_of(2));
    for r in c.resources.iter_mut().flatten() {
        if let Resource::NumCpus(v) = r
            && !v.is_finite()
        {
            *v = 2.5;
        }
    }
    if let Some(SlaPolicy::Percentage(p)) = &mut c.sla_policy
        && p.percentage.is_some_and(|v| !v.is_finite())
    {
        p.percentage = Some(99.5);
    }
    a.task = Some(Arc::new(c));
    t
}

/// Answers every POST with one recorded body (sequence id 0: the first call of a new `eos`).
struct Replay {
    url: String,
}

fn replay(body: Vec<u8>, content_type: &'static str) -> Replay {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            let mut req = Vec::new();
            let mut buf = [0u8; 8192];
            // Headers, then as many body bytes as Content-Length says.
            let (head_end, len) = loop {
                let n = conn.read(&mut buf).unwrap_or(0);
                if n == 0 {
                    break (0, 0);
                }
                req.extend_from_slice(&buf[..n]);
                if let Some(i) = req.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&req[..i]).to_ascii_lowercase();
                    let len = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    break (i + 4, len);
                }
            };
            while req.len() < head_end + len {
                let n = conn.read(&mut buf).unwrap_or(0);
                if n == 0 {
                    break;
                }
                req.extend_from_slice(&buf[..n]);
            }
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n",
                body.len()
            );
            let _ = conn.write_all(head.as_bytes());
            let _ = conn.write_all(&body);
        }
    });
    Replay { url }
}

/// Sets (resources, constraints, metadata, values, fetcher URIs) may come in any order: sort
/// their members by their JSON text on both sides before comparing.
fn sets_sorted(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                sets_sorted(x);
                if matches!(
                    k.as_str(),
                    "resources" | "constraints" | "metadata" | "values" | "mesosFetcherUris"
                ) && let Value::Array(a) = x
                {
                    a.sort_by_cached_key(|e| e.to_string());
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(sets_sorted),
        _ => {}
    }
}

/// `eos get tasks -o json` is `aurora job status --write-json`, value for value: the same
/// recorded reply rendered by Apache Thrift's TSimpleJSON with the CLI's post-processing.
#[test]
fn job_status_json_is_what_the_aurora_cli_prints() {
    let tasks: Vec<ScheduledTask> = (0..24).map(renderable).collect();
    let reply = ResponseResult {
        success: Some(Response {
            response_code: Some(ResponseCode::OK),
            result: Some(ApiResult::ScheduleStatusResult(ScheduleStatusResult {
                tasks: Some(tasks),
            })),
            server_info: Some(ServerInfo {
                cluster_name: Some("peer".into()),
                stats_url_prefix: None,
            }),
            details: Some(vec![]),
        }),
    };
    let dir = tempfile::tempdir().unwrap();
    for (p, arg, ct) in [
        (
            Protocol::Binary,
            "binary",
            "application/vnd.apache.thrift.binary",
        ),
        (Protocol::Json, "json", "application/vnd.apache.thrift.json"),
    ] {
        let body = p.encode(
            "getTasksWithoutConfigs",
            eos::aurora::wire::MessageType::Reply,
            0,
            &reply,
        );
        let file = dir.path().join(format!("reply.{arg}"));
        std::fs::write(&file, &body).unwrap();
        let py = peer()
            .args([
                "job-status",
                "--protocol",
                arg,
                "--job",
                "peer/www-data/prod/hello",
            ])
            .arg("--file")
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            py.status.success(),
            "{}",
            String::from_utf8_lossy(&py.stderr)
        );
        let server = replay(body, ct);
        let ours = Command::new(env!("CARGO_BIN_EXE_eos"))
            .args(["get", "tasks", "www-data/prod/hello", "-o", "json"])
            .args(["--scheduler", &server.url, "--protocol", arg])
            .output()
            .unwrap();
        assert!(
            ours.status.success(),
            "{}",
            String::from_utf8_lossy(&ours.stderr)
        );
        let mut want: serde_json::Value = serde_json::from_slice(&py.stdout).unwrap();
        let mut got: serde_json::Value = serde_json::from_slice(&ours.stdout).unwrap();
        let active = want[0]["active"].as_array().map_or(0, Vec::len);
        let inactive = want[0]["inactive"].as_array().map_or(0, Vec::len);
        assert!(active > 0 && inactive > 0, "both lists are exercised");
        sets_sorted(&mut want);
        sets_sorted(&mut got);
        if want != got {
            let w = serde_json::to_string_pretty(&want).unwrap();
            let g = serde_json::to_string_pretty(&got).unwrap();
            let first = w
                .lines()
                .zip(g.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(0);
            panic!(
                "{arg}: eos differs from the aurora CLI at line {first}:\naurora: {}\neos:    {}",
                w.lines().nth(first).unwrap_or(""),
                g.lines().nth(first).unwrap_or("")
            );
        }
    }
}
