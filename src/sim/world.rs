//! The believable default world, built deterministically from the seed: roles, jobs, hosts,
//! running tasks with histories, an incident or two to triage, and the scale knobs.
//!
//! The world is built 45 simulated minutes in the past and then simulated forward to "now", so
//! every failure, reschedule, update event and pending reason was produced by the same state
//! machines that serve the API.

use std::collections::BTreeSet;

use super::SimArgs;
use super::state::*;
use crate::aurora::model::*;

const WARMUP_MS: i64 = 45 * 60_000;
const MIN: i64 = 60_000;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    /// Running for a while already.
    Healthy,
    /// Tasks crash shortly after starting.
    CrashLoop,
    /// Tasks that cannot be placed (created pending at the start of the warm-up).
    Unplaceable,
    /// A cron template.
    Cron(&'static str, i32),
    SlowStart,
}

#[derive(Clone, Debug)]
struct Spec {
    role: String,
    env: &'static str,
    name: String,
    instances: i32,
    cpus: f64,
    ram_mb: i64,
    disk_mb: i64,
    tier: &'static str,
    ports: &'static [&'static str],
    kind: Kind,
    constraints: Vec<Constraint>,
}

#[allow(clippy::too_many_arguments)]
fn spec(
    role: &str,
    env: &'static str,
    name: &str,
    instances: i32,
    cpus: f64,
    ram_mb: i64,
    disk_mb: i64,
    tier: &'static str,
    ports: &'static [&'static str],
    kind: Kind,
) -> Spec {
    Spec {
        role: role.to_owned(),
        env,
        name: name.to_owned(),
        instances,
        cpus,
        ram_mb,
        disk_mb,
        tier,
        ports,
        kind,
        constraints: Vec::new(),
    }
}

fn limit(attr: &str, n: i32) -> Constraint {
    Constraint {
        name: Some(attr.to_owned()),
        constraint: Some(TaskConstraint::Limit(LimitConstraint { limit: Some(n) })),
    }
}

fn value(attr: &str, v: &str) -> Constraint {
    Constraint {
        name: Some(attr.to_owned()),
        constraint: Some(TaskConstraint::Value(ValueConstraint {
            negated: Some(false),
            values: Some(vec![v.to_owned()]),
        })),
    }
}

const HTTP: &[&str] = &["http", "health"];
const NONE: &[&str] = &[];

/// The curated jobs, most important first (`--jobs N` below their count keeps the first N).
fn curated() -> Vec<Spec> {
    use Kind::*;
    let mut v = vec![
        spec(
            "payments",
            "prod",
            "fraud-scorer",
            4,
            2.0,
            4096,
            8192,
            "preferred",
            HTTP,
            CrashLoop,
        ),
        spec(
            "www-data",
            "prod",
            "frontend",
            12,
            1.0,
            2048,
            4096,
            "preferred",
            HTTP,
            Healthy,
        ),
        spec(
            "search",
            "prod",
            "indexer",
            30,
            1.0,
            3072,
            16384,
            "preferred",
            HTTP,
            Healthy,
        ),
        spec(
            "analytics",
            "prod",
            "stream-processor",
            8,
            2.0,
            8192,
            16384,
            "preferred",
            HTTP,
            Healthy,
        ),
        spec(
            "payments",
            "prod",
            "ledger-api",
            6,
            1.5,
            3072,
            4096,
            "preferred",
            HTTP,
            Healthy,
        ),
        spec(
            "analytics",
            "devel",
            "ml-training",
            2,
            40.0,
            65536,
            102400,
            "preemptible",
            NONE,
            Unplaceable,
        ),
        spec(
            "search",
            "prod",
            "es-coldstore",
            2,
            8.0,
            262144,
            409600,
            "preferred",
            HTTP,
            Unplaceable,
        ),
        spec(
            "payments",
            "prod",
            "hsm-proxy",
            2,
            1.0,
            1024,
            2048,
            "preferred",
            HTTP,
            Unplaceable,
        ),
        spec(
            "www-data",
            "prod",
            "api-gateway",
            12,
            2.0,
            4096,
            4096,
            "preferred",
            HTTP,
            Healthy,
        ),
        spec(
            "search",
            "prod",
            "query-router",
            16,
            1.0,
            2048,
            2048,
            "preferred",
            HTTP,
            Healthy,
        ),
        spec(
            "payments",
            "prod",
            "billing-worker",
            8,
            1.0,
            2048,
            4096,
            "preferred",
            NONE,
            Healthy,
        ),
        spec(
            "payments",
            "prod",
            "settlement-export",
            1,
            1.0,
            2048,
            8192,
            "preferred",
            NONE,
            Cron("*/30 * * * *", 1),
        ),
        spec(
            "analytics",
            "prod",
            "hourly-aggregates",
            3,
            2.0,
            4096,
            16384,
            "preemptible",
            NONE,
            Cron("5 * * * *", 3),
        ),
        spec(
            "analytics",
            "prod",
            "nightly-rollup",
            5,
            4.0,
            16384,
            65536,
            "preemptible",
            NONE,
            Cron("0 3 * * *", 5),
        ),
        spec(
            "www-data",
            "prod",
            "static-assets",
            4,
            0.5,
            512,
            2048,
            "preferred",
            HTTP,
            Healthy,
        ),
        spec(
            "www-data",
            "prod",
            "image-resizer",
            6,
            1.0,
            1024,
            2048,
            "revocable",
            HTTP,
            Healthy,
        ),
        spec(
            "www-data",
            "staging",
            "frontend",
            2,
            0.5,
            1024,
            2048,
            "preemptible",
            HTTP,
            Healthy,
        ),
        spec(
            "www-data",
            "devel",
            "frontend",
            1,
            0.5,
            1024,
            2048,
            "preemptible",
            HTTP,
            Healthy,
        ),
        spec(
            "payments",
            "staging",
            "ledger-api",
            2,
            0.5,
            1024,
            2048,
            "preemptible",
            HTTP,
            Healthy,
        ),
        spec(
            "search",
            "staging",
            "indexer",
            3,
            0.5,
            2048,
            8192,
            "preemptible",
            HTTP,
            Healthy,
        ),
        spec(
            "search",
            "devel",
            "query-router",
            1,
            0.5,
            1024,
            1024,
            "preemptible",
            HTTP,
            Healthy,
        ),
        spec(
            "analytics",
            "staging",
            "stream-processor",
            2,
            1.0,
            4096,
            8192,
            "preemptible",
            HTTP,
            Healthy,
        ),
        spec(
            "analytics",
            "prod",
            "etl-loader",
            4,
            2.0,
            8192,
            32768,
            "preemptible",
            NONE,
            Healthy,
        ),
        spec(
            "monitoring",
            "prod",
            "prometheus",
            2,
            4.0,
            16384,
            204800,
            "preferred",
            HTTP,
            Healthy,
        ),
        spec(
            "monitoring",
            "prod",
            "alertmanager",
            3,
            0.5,
            512,
            1024,
            "preferred",
            HTTP,
            Healthy,
        ),
        spec(
            "monitoring",
            "prod",
            "node-exporter",
            40,
            0.1,
            128,
            256,
            "preferred",
            HTTP,
            Healthy,
        ),
        spec(
            "monitoring",
            "staging",
            "grafana",
            1,
            0.5,
            1024,
            2048,
            "preemptible",
            HTTP,
            Healthy,
        ),
        spec(
            "recommendations",
            "prod",
            "recs-api",
            6,
            2.0,
            6144,
            4096,
            "preferred",
            HTTP,
            Healthy,
        ),
        spec(
            "recommendations",
            "prod",
            "model-server",
            4,
            4.0,
            16384,
            32768,
            "preferred",
            HTTP,
            SlowStart,
        ),
        spec(
            "recommendations",
            "staging",
            "recs-api",
            2,
            1.0,
            2048,
            2048,
            "preemptible",
            HTTP,
            Healthy,
        ),
        spec(
            "recommendations",
            "devel",
            "notebook",
            1,
            2.0,
            8192,
            16384,
            "revocable",
            HTTP,
            Healthy,
        ),
    ];
    for s in &mut v {
        match (s.role.as_str(), s.name.as_str()) {
            ("www-data", "frontend") | ("search", "query-router") if s.env == "prod" => {
                s.constraints.push(limit("host", 1))
            }
            ("payments", "ledger-api") | ("payments", "fraud-scorer") if s.env == "prod" => {
                s.constraints.push(limit("rack", 2))
            }
            ("payments", "hsm-proxy") => s.constraints.push(value("dedicated", "payments/hsm")),
            _ => {}
        }
    }
    v
}

fn executor_data(s: &Spec, cluster: &str, version: &str) -> String {
    let processes = serde_json::json!([
        {"name": "fetch_package", "cmdline": format!("curl -sf https://packages.example.com/{}/{}-{version}.tar.gz | tar xz", s.role, s.name),
         "daemon": false, "ephemeral": false, "final": false, "max_failures": 1, "min_duration": 5},
        {"name": "server", "cmdline": format!("./{}/bin/{} --env={} --port={{{{thermos.ports[http]}}}} --admin-port={{{{thermos.ports[health]}}}}", s.name, s.name, s.env),
         "daemon": false, "ephemeral": false, "final": false, "max_failures": 1, "min_duration": 15}
    ]);
    serde_json::json!({
        "environment": s.env,
        "role": s.role,
        "name": s.name,
        "cluster": cluster,
        "service": !matches!(s.kind, Kind::Cron(..)),
        "tier": s.tier,
        "production": s.tier == "preferred",
        "priority": 0,
        "max_task_failures": 1,
        "enable_hooks": false,
        "cron_collision_policy": "KILL_EXISTING",
        "health_check_config": {
            "initial_interval_secs": 15.0, "interval_secs": 10.0, "timeout_secs": 1.0,
            "max_consecutive_failures": 0, "min_consecutive_successes": 1,
            "health_checker": {"http": {"endpoint": "/health", "expected_response": "ok", "expected_response_code": 200}}
        },
        "lifecycle": {"http": {"port": "health", "graceful_shutdown_endpoint": "/quitquitquit", "shutdown_endpoint": "/abortabortabort"}},
        "announce": {"primary_port": "http", "portmap": {"aurora": "{{primary_port}}"}, "zk_path": format!("/aurora/{}/{}/{}", s.role, s.env, s.name)},
        "task": {
            "name": s.name,
            "finalization_wait": 30,
            "max_failures": 1,
            "max_concurrency": 0,
            "resources": {"cpu": s.cpus, "ram": s.ram_mb << 20, "disk": s.disk_mb << 20, "gpu": 0},
            "processes": processes,
            "constraints": [{"order": ["fetch_package", "server"]}]
        }
    })
    .to_string()
}

fn task_config(s: &Spec, cluster: &str, version: &str) -> TaskConfig {
    let mut resources = vec![
        Resource::NumCpus(s.cpus),
        Resource::RamMb(s.ram_mb),
        Resource::DiskMb(s.disk_mb),
    ];
    resources.extend(s.ports.iter().map(|p| Resource::NamedPort((*p).to_owned())));
    let tc = TaskConfig {
        is_service: Some(!matches!(s.kind, Kind::Cron(..))),
        priority: Some(0),
        max_task_failures: Some(1),
        owner: Some(Identity {
            user: Some(s.role.clone()),
        }),
        production: Some(s.tier == "preferred"),
        constraints: Some(s.constraints.clone()),
        task_links: None,
        contact_email: Some(format!("{}-oncall@example.com", s.role)),
        executor_config: Some(ExecutorConfig {
            name: Some(AURORA_EXECUTOR_NAME.to_owned()),
            data: Some(executor_data(s, cluster, version)),
        }),
        metadata: Some(vec![Metadata {
            key: Some("version".to_owned()),
            value: Some(version.to_owned()),
        }]),
        job: Some(JobKey::new(&s.role, s.env, &s.name)),
        container: Some(Container::default()),
        tier: Some(s.tier.to_owned()),
        resources: Some(resources),
        mesos_fetcher_uris: None,
        partition_policy: None,
        sla_policy: None,
    };
    super::api::populate(tc, None).expect("world configs are valid")
}

fn settings(
    group: i32,
    batch: bool,
    min_wait_ms: i32,
    per_instance: i32,
    failed: i32,
    rollback: bool,
    pulse_ms: Option<i32>,
) -> JobUpdateSettings {
    JobUpdateSettings {
        update_group_size: Some(group),
        max_per_instance_failures: Some(per_instance),
        max_failed_instances: Some(failed),
        min_wait_in_instance_running_ms: Some(min_wait_ms),
        rollback_on_failure: Some(rollback),
        update_only_these_instances: Some(Vec::new()),
        wait_for_batch_completion: Some(batch),
        block_if_no_pulses_after_ms: pulse_ms,
        sla_aware: None,
        update_strategy: Some(if batch {
            JobUpdateStrategy::Batch(BatchJobUpdateStrategy {
                group_size: Some(group),
                autopause_after_batch: Some(false),
            })
        } else {
            JobUpdateStrategy::Queue(QueueJobUpdateStrategy {
                group_size: Some(group),
            })
        }),
    }
}

/// Places a task that has been running since `started`, with a believable event history.
fn spawn_running(st: &mut State, j: JobIdx, instance: i32, config: ConfigRef, started: i64) {
    let t = st.create_task(j, instance, config, None, 0, 0);
    let Ok(h) = st.find_host(t) else {
        return; // stays PENDING; its timer retries placement
    };
    st.occupy(t, h);
    let assigned = started + st.rand_between(300, 1500);
    let starting = assigned + st.rand_between(800, 2500);
    let running = starting + st.rand_between(3000, 9000);
    let stamp = st.next_seq();
    let leader = st.leader;
    let task = st.task_mut(t);
    task.status = ScheduleStatus::RUNNING;
    task.stamp = stamp;
    task.running_since = Some(running);
    task.events = vec![
        Ev {
            ts: started,
            status: ScheduleStatus::PENDING,
            msg: None,
            scheduler: leader,
        },
        Ev {
            ts: assigned,
            status: ScheduleStatus::ASSIGNED,
            msg: None,
            scheduler: leader,
        },
        Ev {
            ts: starting,
            status: ScheduleStatus::STARTING,
            msg: Some("Initializing sandbox.".into()),
            scheduler: leader,
        },
        Ev {
            ts: running,
            status: ScheduleStatus::RUNNING,
            msg: None,
            scheduler: leader,
        },
    ];
}

fn add_hosts(st: &mut State, count: usize) {
    let zones = ["us-east-1a", "us-east-1b", "us-east-1c"];
    for n in 0..count {
        let big = n % 3 != 2;
        let rack = format!("rack-{:02}", n / 6 + 1);
        let zone = zones[n % 3].to_owned();
        let name = format!("agent-{:04}.{}.{}.example.com", n + 1, zone, st.cluster);
        let u = st.uuid();
        let host = Host {
            slave_id: format!("{u}-S{n}"),
            name: name.clone(),
            rack,
            zone,
            dedicated: None,
            cap: ResourceTotals {
                cpus: if big { 32.0 } else { 16.0 },
                ram_mb: if big { 131_072 } else { 65_536 },
                disk_mb: if big { 1_048_576 } else { 524_288 },
                gpus: 0,
            },
            used: ResourceTotals::default(),
            mode: MaintenanceMode::NONE,
            tasks: 0,
            next_port: st.rand_between(0, 999) as i32,
        };
        st.host_index.insert(name, st.hosts.len() as HostIdx);
        st.hosts.push(host);
    }
}

/// Filler jobs that bring the world up to `--jobs` / `--tasks`.
fn filler(st: &mut State, jobs: usize, tasks: usize) -> Vec<Spec> {
    if jobs == 0 {
        return Vec::new();
    }
    let roles = [
        "www-data",
        "payments",
        "search",
        "analytics",
        "monitoring",
        "recommendations",
        "identity",
        "messaging",
        "storage",
        "ads",
    ];
    let envs = ["prod", "prod", "staging", "devel"];
    let kinds = [
        "api",
        "worker",
        "cache",
        "consumer",
        "gateway",
        "scheduler",
        "proxy",
    ];
    let mut out = Vec::with_capacity(jobs);
    let mut left = tasks;
    for k in 0..jobs {
        let remaining_jobs = jobs - k;
        let avg = left / remaining_jobs.max(1);
        let n = if remaining_jobs == 1 {
            left
        } else {
            let lo = (avg / 2).max(1) as i64;
            let hi = (avg + avg / 2).max(1) as i64;
            st.rand_between(lo, hi) as usize
        }
        .clamp(1, MAX_TASKS_PER_JOB as usize);
        left = left.saturating_sub(n);
        let role = roles[k % roles.len()];
        let env = envs[(k / roles.len()) % envs.len()];
        let tier = if env == "prod" {
            "preferred"
        } else {
            "preemptible"
        };
        out.push(spec(
            role,
            env,
            &format!("{}-{:04}", kinds[k % kinds.len()], k),
            n as i32,
            0.25,
            256,
            512,
            tier,
            HTTP,
            Kind::Healthy,
        ));
    }
    out
}

/// Builds the world for a clock that reads `now`.
pub fn build(args: &SimArgs, now: i64) -> State {
    let t0 = now - WARMUP_MS;
    let mut st = State::new(&args.cluster_name, args.seed, t0);
    st.lost_per_hour = args.lost_per_hour;
    let cluster = args.cluster_name.clone();

    let mut specs = curated();
    if let Some(n) = args.jobs
        && n < specs.len()
    {
        specs.truncate(n);
    }
    let curated_tasks: usize = specs.iter().map(|s| s.instances.max(0) as usize).sum();
    let extra_jobs = args.jobs.unwrap_or(0).saturating_sub(specs.len());
    let extra_tasks = args.tasks.unwrap_or(0).saturating_sub(curated_tasks);
    let extra_jobs = if extra_tasks > 0 {
        extra_jobs.max(extra_tasks.div_ceil(MAX_TASKS_PER_JOB as usize))
    } else {
        extra_jobs
    };
    let fill = filler(&mut st, extra_jobs, extra_tasks.max(extra_jobs));
    specs.extend(fill);
    if args.big_job {
        specs.push(spec(
            "www-data",
            "prod",
            "edge-proxy",
            MAX_TASKS_PER_JOB,
            0.25,
            256,
            512,
            "preferred",
            HTTP,
            Kind::Healthy,
        ));
    }

    // Hosts: enough for everything placeable at about 60% CPU and RAM use.
    let (cpu, ram) = specs
        .iter()
        .filter(|s| s.kind != Kind::Unplaceable && !matches!(s.kind, Kind::Cron(..)))
        .fold((0.0, 0i64), |(c, r), s| {
            (
                c + s.cpus * s.instances as f64,
                r + s.ram_mb * s.instances as i64,
            )
        });
    let per_host_cpu = (32.0 * 2.0 + 16.0) / 3.0;
    let per_host_ram = (131_072.0 * 2.0 + 65_536.0) / 3.0;
    let hosts = ((cpu / (per_host_cpu * 0.6))
        .max(ram as f64 / (per_host_ram * 0.6))
        .ceil() as usize)
        .max(24);
    add_hosts(&mut st, hosts);
    let last = st.hosts.len() - 1;
    st.hosts[last].mode = MaintenanceMode::SCHEDULED;

    // Jobs and their tasks.
    let mut by_name = std::collections::HashMap::new();
    for s in &specs {
        let key = JobKey::new(&s.role, s.env, &s.name);
        let j = st.job_or_create(&key);
        by_name.insert(format!("{}/{}/{}", s.role, s.env, s.name), (j, s.clone()));
        let version = format!("2025.03.{:02}-{}", 1 + (j % 12), 1 + j % 4);
        let behavior = match s.kind {
            Kind::CrashLoop => Behavior::Crash,
            Kind::SlowStart => Behavior::SlowStart,
            Kind::Cron(..) => Behavior::Finish,
            _ => Behavior::Healthy,
        };
        let config = st.intern_config(j, task_config(s, &cluster, &version), behavior);
        match s.kind {
            Kind::Cron(schedule, count) => {
                let expr = super::crontab::CronExpr::parse(schedule).expect("valid crontab");
                st.jobs[j as usize].cron = Some(CronJob {
                    schedule: schedule.to_owned(),
                    next_run_ms: expr.next_after(t0),
                    expr,
                    policy: CronCollisionPolicy::KILL_EXISTING,
                    instance_count: count,
                    config,
                    run_waiting: false,
                });
                st.cron_jobs.insert(j);
            }
            Kind::CrashLoop | Kind::Unplaceable => {
                for i in 0..s.instances {
                    st.create_task(j, i, config.clone(), None, 0, 0);
                }
            }
            Kind::Healthy | Kind::SlowStart => {
                for i in 0..s.instances {
                    let started = t0 - st.rand_between(2 * 3_600_000, 9 * 86_400_000);
                    spawn_running(&mut st, j, i, config.clone(), started);
                }
            }
        }
    }

    // The incidents, in time order.
    let job = |name: &str| by_name.get(name).cloned();
    let new_version = |st: &mut State, j: JobIdx, s: &Spec, version: &str, behavior: Behavior| {
        st.intern_config(j, task_config(s, &cluster, version), behavior)
    };
    let msg = |m: &str| Some(m.to_owned());

    // A deploy that crashed on start and was rolled back.
    st.advance_to(now - 40 * MIN);
    if let Some((j, s)) = job("payments/prod/ledger-api") {
        let c = new_version(&mut st, j, &s, "2025.03.14-1", Behavior::Crash);
        st.create_update(
            j,
            c,
            s.instances,
            // The new version crashes 15–50 s after it starts: a minimum wait of 60 s makes
            // every crash count, whatever the seed, so this deploy always rolls back.
            settings(2, false, 60_000, 0, 0, true, None),
            None,
            "mchen",
            msg("Deploy ledger-api 2025.03.14-1 (ledger schema v42)"),
            None,
        );
    }
    // A host drained for a kernel upgrade.
    st.advance_to(now - 20 * MIN);
    let drain = st.hosts.len() - 2;
    st.drain_hosts(&BTreeSet::from([drain as HostIdx]));
    // A deploy paused by a worried engineer.
    st.advance_to(now - 12 * MIN);
    let mut paused = None;
    if let Some((j, s)) = job("www-data/prod/frontend") {
        let c = new_version(&mut st, j, &s, "2025.03.14-3", Behavior::Healthy);
        paused = st.create_update(
            j,
            c,
            s.instances,
            settings(2, false, 60_000, 1, 1, true, None),
            None,
            "asmith",
            msg("frontend 2025.03.14-3: new checkout flow"),
            None,
        );
    }
    st.advance_to(now - 8 * MIN);
    if let Some(u) = paused
        && st.upd(u).status.is_active()
    {
        st.set_update_status(
            u,
            JobUpdateStatus::ROLL_FORWARD_PAUSED,
            Some("asmith"),
            msg("Pausing: 5xx rate on updated instances looks elevated, investigating"),
        );
    }
    // A coordinated update whose external coordinator stopped pulsing.
    st.advance_to(now - 5 * MIN);
    let mut coordinated = None;
    if let Some((j, s)) = job("analytics/prod/stream-processor") {
        let c = new_version(&mut st, j, &s, "2025.03.14-2", Behavior::Healthy);
        coordinated = st.create_update(
            j,
            c,
            s.instances,
            settings(1, false, 20_000, 1, 1, true, Some(60_000)),
            None,
            "deploy-bot",
            msg("Coordinated rollout 2025.03.14-2 (kafka consumer upgrade)"),
            None,
        );
    }
    st.advance_to(now - 5 * MIN + 10_000);
    if let Some(u) = coordinated
        && st.upd(u).status.is_active()
    {
        let n = st.now;
        st.upd_mut(u).last_pulse_ms = Some(n);
        st.set_update_status(u, JobUpdateStatus::ROLLING_FORWARD, None, None);
        st.evaluate_update(u);
    }
    // A large rolling update in progress.
    st.advance_to(now - 4 * MIN);
    if let Some((j, s)) = job("search/prod/indexer") {
        let c = new_version(&mut st, j, &s, "2025.03.14-5", Behavior::Healthy);
        st.create_update(
            j,
            c,
            s.instances,
            settings(3, false, 60_000, 1, 2, true, None),
            None,
            "jlopez",
            msg("indexer 2025.03.14-5: faster segment merges"),
            None,
        );
    }
    st.advance_to(now);

    // Quotas: production consumption plus headroom (payments is close to its limit).
    let roles: BTreeSet<String> = st.jobs.iter().map(|j| j.key.role().to_owned()).collect();
    for role in roles {
        let c = super::quota::consumption(&st, &role);
        let prod = ResourceTotals {
            cpus: c[0].cpus + c[2].cpus,
            ram_mb: c[0].ram_mb + c[2].ram_mb,
            disk_mb: c[0].disk_mb + c[2].disk_mb,
            gpus: 0,
        };
        let factor = if role == "payments" { 1.08 } else { 1.5 };
        st.quotas.insert(
            role,
            ResourceTotals {
                cpus: (prod.cpus * factor).ceil().max(8.0),
                ram_mb: ((prod.ram_mb as f64 * factor) as i64).max(16_384) / 1024 * 1024 + 1024,
                disk_mb: ((prod.disk_mb as f64 * factor) as i64).max(65_536) / 1024 * 1024 + 1024,
                gpus: 0,
            },
        );
    }
    st
}
