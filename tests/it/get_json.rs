//! `eos get … -o json` against the simulator: the aurora CLI's shapes where it has a
//! `--write-json` (job status, update list, update info), the IDL's field names elsewhere.

use std::process::Command;

use eos::sim::{SimArgs, SimServer, Simulator};
use serde_json::{Value, json};

async fn sim() -> SimServer {
    let args = SimArgs {
        clock: "frozen".parse().unwrap(),
        ..SimArgs::default()
    };
    SimServer::start(Simulator::new(&args), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

/// Runs `eos get ARGS -o json` against the simulator: exit code and stdout.
async fn get(url: &str, args: &[&str]) -> (Option<i32>, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_eos"));
    cmd.arg("get")
        .args(args)
        .args(["-o", "json", "--scheduler", url]);
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap()
        .unwrap();
    assert!(
        out.stderr.is_empty() || out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), String::from_utf8(out.stdout).unwrap())
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_with_no_tasks_prints_the_aurora_clis_not_found_object_and_succeeds() {
    let server = sim().await;
    let (code, out) = get(&server.url(), &["tasks", "www-data/prod/nope"]).await;
    assert_eq!(code, Some(0));
    assert_eq!(
        parse(&out),
        json!({"jobspec": "devcluster/www-data/prod/nope", "error": "No matching jobs found"})
    );
    // Compact on one line, as the CLI prints it.
    assert_eq!(out.lines().count(), 1, "{out}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_status_json_has_the_aurora_shape_and_every_task_of_the_job() {
    let server = sim().await;
    let url = server.url();
    let job = "www-data/prod/image-resizer";
    let (code, out) = get(&url, &["tasks", job]).await;
    assert_eq!(code, Some(0));
    let v = parse(&out);
    let entries = v.as_array().expect("a list, one entry per job");
    assert_eq!(entries.len(), 1);
    let e = &entries[0];
    assert_eq!(e["job"], format!("devcluster/{job}"));
    let keys: Vec<&String> = e.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["active", "inactive", "job"]);
    let active = e["active"].as_array().unwrap();
    assert!(!active.is_empty());
    let ids: Vec<i64> = active
        .iter()
        .map(|t| t["assignedTask"]["instanceId"].as_i64().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] <= w[1]), "{ids:?}");
    let t = &active[0];
    // IDL names, status by name, isService/production as booleans, other scalars as TSimpleJSON.
    assert!(t["assignedTask"]["taskId"].is_string());
    assert!(t["assignedTask"]["slaveHost"].is_string());
    assert!(t["status"].is_string());
    assert!(t["taskEvents"][0]["status"].is_string());
    assert!(t["taskEvents"][0]["timestamp"].is_i64());
    assert!(t["assignedTask"]["task"]["isService"].is_boolean());
    assert!(t["assignedTask"]["task"]["production"].is_boolean());
    assert!(t.get("assigned_task").is_none());
    // Terminal tasks are in "inactive", and nothing active there.
    for t in e["inactive"].as_array().unwrap() {
        let s = t["status"].as_str().unwrap();
        assert!(["FINISHED", "FAILED", "KILLED", "LOST"].contains(&s), "{s}");
    }
    // The table still shows the active tasks only.
    let table = Command::new(env!("CARGO_BIN_EXE_eos"))
        .args(["get", "tasks", job, "--scheduler", &url])
        .output()
        .unwrap();
    let text = String::from_utf8(table.stdout).unwrap();
    assert_eq!(text.lines().count() - 1, active.len(), "{text}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_reads_use_the_idl_field_names() {
    let server = sim().await;
    let url = server.url();
    let roles = parse(&get(&url, &["roles"]).await.1);
    let r = &roles[0];
    let mut keys: Vec<&String> = r.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["cronJobCount", "jobCount", "role"]);

    let jobs = parse(&get(&url, &["jobs", "www-data"]).await.1);
    let j = &jobs[0];
    assert!(j["job"]["key"]["role"] == "www-data", "{j}");
    assert!(j["job"]["taskConfig"].is_object(), "{j}");
    assert!(j["stats"]["activeTaskCount"].is_i64(), "{j}");

    let quota = parse(&get(&url, &["quota", "www-data"]).await.1);
    assert!(quota["quota"]["resources"].is_array(), "{quota}");
    assert!(quota.get("prodSharedConsumption").is_some(), "{quota}");

    let tiers = parse(&get(&url, &["tiers"]).await.1);
    assert!(tiers["defaultTierName"].is_string(), "{tiers}");

    let config = parse(
        &get(&url, &["config", "www-data/prod/image-resizer"])
            .await
            .1,
    );
    let g = &config["groups"][0];
    assert!(
        g["config"]["resources"]
            .as_array()
            .is_some_and(|r| r.iter().any(|r| r["numCpus"].is_number())),
        "{config}"
    );
    assert!(g["instances"][0]["first"].is_i64(), "{config}");

    let hosts = parse(&get(&url, &["hosts"]).await.1);
    assert!(hosts[0].get("tasksToMove").is_some() || hosts[0].get("tasks").is_some());
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_list_and_info_have_the_aurora_clis_keys() {
    let server = sim().await;
    let url = server.url();
    let list = parse(&get(&url, &["updates"]).await.1);
    let u = &list.as_array().unwrap()[0];
    let mut keys: Vec<&String> = u.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        ["id", "job", "last_modified", "started", "status", "user"]
    );
    let job = u["job"].as_str().unwrap();
    let started = u["started"].as_str().unwrap();
    // datetime.isoformat(): 2025-03-14T09:22:40 (microseconds only when there are any).
    assert_eq!(started.len(), 19, "{started}");
    assert_eq!(&started[10..11], "T");
    let path = job
        .strip_prefix("devcluster/")
        .expect("CLUSTER/ROLE/ENV/NAME");
    let id = u["id"].as_str().unwrap();

    let info = parse(&get(&url, &["update", &format!("{path}/{id}")]).await.1);
    assert_eq!(info["updateId"], id);
    assert_eq!(info["job"], job);
    assert_eq!(info["status"], u["status"]);
    assert!(
        info["started"].is_i64(),
        "raw milliseconds, as the CLI prints"
    );
    assert_eq!(info["last_modified"], u["last_modified"]);
    let ev = &info["update_events"][0];
    assert!(
        ev["status"].is_string() && ev["timestampMs"].is_i64(),
        "{ev}"
    );
    if let Some(ie) = info["instance_update_events"]
        .as_array()
        .and_then(|a| a.first())
    {
        assert!(ie["instance"].is_i64() && ie["timestamp"].is_i64(), "{ie}");
        assert!(ie["action"].is_string(), "{ie}");
    }
    server.shutdown().await;
}
