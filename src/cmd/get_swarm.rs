//! `eos --docker[=URL] get services | tasks SERVICE | task ID | nodes | update SERVICE`: the
//! Swarm reads, with the Aurora reads' conventions: a table or `-o json` (the Engine API's own
//! field names), exit codes from `get_exit`, output written as it is produced, a cut pipe a
//! clean end.

use std::io::Write;

use super::ConnectArgs;
use super::get::{GetArgs, Output, What};
use super::get_exit::{
    EXIT_API_ERROR, EXIT_INTERRUPTED, EXIT_INVALID_PARAMETER, EXIT_NETWORK_ERROR, EXIT_OK,
    EXIT_TIMEOUT, EXIT_UNKNOWN_ERROR, EXIT_USAGE,
};
use crate::swarm::client::{SwarmClient, SwarmConfig, SwarmError};
use crate::swarm::model::{self, age};
use crate::swarm::target::{self, DockerEnv};
use crate::table;

/// The Engine URL when this run is about a Swarm: `--docker[=URL]` (empty: bare flag), or
/// `--cluster NAME` whose `[clusters.NAME]` section has `docker = "URL"`.
pub fn docker_url(conn: &ConnectArgs, config: Option<&std::path::Path>) -> Option<String> {
    if let Some(d) = &conn.docker {
        return Some(d.clone());
    }
    let name = conn.cluster.as_ref()?;
    let dir = super::config_dir();
    // A config that does not load is reported by the Aurora path, which loads it again.
    let (config, _) = crate::config::load(config, dir.as_deref()).ok()?;
    config.clusters.get(name)?.docker.clone()
}

/// A failed Swarm read, by the exit class a script acts on.
#[derive(Debug)]
pub enum Failure {
    Usage(String),
    Swarm(SwarmError),
}

impl From<SwarmError> for Failure {
    fn from(e: SwarmError) -> Self {
        Failure::Swarm(e)
    }
}

impl Failure {
    pub fn exit_code(&self) -> i32 {
        match self {
            Failure::Usage(_) => EXIT_USAGE,
            Failure::Swarm(SwarmError::NotFound(_)) => EXIT_INVALID_PARAMETER,
            Failure::Swarm(SwarmError::Api { .. }) => EXIT_API_ERROR,
            Failure::Swarm(SwarmError::Transport { .. }) => EXIT_NETWORK_ERROR,
            Failure::Swarm(SwarmError::Timeout(_)) => EXIT_TIMEOUT,
            Failure::Swarm(SwarmError::Other(_)) => EXIT_UNKNOWN_ERROR,
        }
    }

    pub fn message(&self, url: &str) -> String {
        match self {
            Failure::Usage(m) => m.clone(),
            Failure::Swarm(SwarmError::NotFound(what)) => format!("no {what} on {url}"),
            Failure::Swarm(e) => e.to_string(),
        }
    }
}

/// Runs one Swarm read against the Engine `url` (empty: as bare `--docker`).
pub async fn run(url: &str, conn: &ConnectArgs, args: GetArgs) -> i32 {
    let endpoint = match target::resolve(url, &DockerEnv::from_process()) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("eos: {}", table::printable(&e));
            return EXIT_USAGE;
        }
    };
    let shown = endpoint.url();
    let cfg = SwarmConfig {
        connect_timeout: std::time::Duration::from_secs_f64(conn.connect_timeout.max(0.1)),
        timeout: std::time::Duration::from_secs_f64(conn.timeout.max(0.1)),
        max_reply_bytes: (conn.max_reply_mb.max(1) as usize).saturating_mul(1 << 20),
        // Reads only: `eos get` never writes.
        read_retries: args.retries,
        ..SwarmConfig::new(endpoint)
    };
    let closed = std::cell::Cell::new(false);
    let work = async {
        let client = SwarmClient::connect(cfg).await?;
        let mut out = Sink {
            inner: std::io::stdout().lock(),
            closed: &closed,
        };
        fetch_to(&client, &args, chrono::Utc::now(), &mut out).await
    };
    let result = tokio::select! {
        r = work => r,
        _ = tokio::signal::ctrl_c() => {
            eprintln!("eos: interrupted");
            return EXIT_INTERRUPTED;
        }
    };
    match result {
        Ok(()) => EXIT_OK,
        Err(_) if closed.get() => EXIT_OK,
        Err(f) => {
            eprintln!("eos: {}", table::printable(&f.message(&shown)));
            f.exit_code()
        }
    }
}

/// Stdout that remembers a cut pipe (`| head -1`), which ends the read cleanly.
struct Sink<'a> {
    inner: std::io::StdoutLock<'static>,
    closed: &'a std::cell::Cell<bool>,
}

impl Write for Sink<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let r = self.inner.write(buf);
        if matches!(&r, Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe) {
            self.closed.set(true);
        }
        r
    }
    fn flush(&mut self) -> std::io::Result<()> {
        let r = self.inner.flush();
        if matches!(&r, Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe) {
            self.closed.set(true);
        }
        r
    }
}

fn io(e: std::io::Error) -> Failure {
    Failure::Swarm(SwarmError::Other(format!("cannot write the output: {e}")))
}

/// Writes a JSON array one element at a time.
fn json_array<T: serde::Serialize>(sink: &mut dyn Write, items: &[T]) -> Result<(), Failure> {
    writeln!(sink, "[").map_err(io)?;
    for (i, item) in items.iter().enumerate() {
        let text = serde_json::to_string(item)
            .map_err(|e| Failure::Swarm(SwarmError::Other(e.to_string())))?;
        let sep = if i + 1 < items.len() { "," } else { "" };
        writeln!(sink, "{text}{sep}").map_err(io)?;
    }
    writeln!(sink, "]").map_err(io)?;
    Ok(())
}

fn json_one<T: serde::Serialize>(sink: &mut dyn Write, item: &T) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(item)
        .map_err(|e| Failure::Swarm(SwarmError::Other(e.to_string())))?;
    writeln!(sink, "{text}").map_err(io)
}

fn short(id: &str) -> String {
    id.chars().take(12).collect()
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// Runs the read and writes its output to `sink`; `now` dates the ages (tests fix it).
pub async fn fetch_to(
    client: &SwarmClient,
    args: &GetArgs,
    now: chrono::DateTime<chrono::Utc>,
    sink: &mut dyn Write,
) -> Result<(), Failure> {
    let json = args.output == Output::Json;
    let text = match &args.what {
        What::Services => {
            let mut services = client.services().await?;
            services.sort_by_key(|s| model::service_row(s).name);
            if json {
                return json_array(sink, &services);
            }
            let rows: Vec<Vec<String>> = services
                .iter()
                .map(model::service_row)
                .map(|r| {
                    let replicas = match r.mode {
                        model::Mode::Replicated(n) => format!("{}/{n}", opt(r.running)),
                        _ => format!("{}/{}", opt(r.running), opt(r.desired)),
                    };
                    vec![
                        short(&r.id),
                        r.name,
                        r.mode.label().to_owned(),
                        replicas,
                        r.image,
                        r.update_state.unwrap_or_default(),
                        age(r.last_change.as_deref(), now),
                    ]
                })
                .collect();
            table::render(
                &["ID", "NAME", "MODE", "TASKS", "IMAGE", "UPDATE", "CHANGED"],
                &rows,
            )
        }
        What::Tasks { job: service, all } => {
            let (svc, _) = client.service(service).await?;
            let id = svc.id.clone().unwrap_or_default();
            let tasks = client.tasks_of(&id).await?;
            if json {
                return json_array(sink, &tasks);
            }
            let nodes = client.nodes().await?;
            let spec = svc.spec.as_ref().and_then(|s| s.task_template.as_ref());
            let rows = model::task_rows(&tasks, &nodes, spec);
            let shown = if *all {
                model::history_by_slot(&rows)
                    .into_values()
                    .flatten()
                    .collect()
            } else {
                model::current_tasks(&rows)
            };
            table::render(
                &[
                    "ID", "SLOT", "NODE", "DESIRED", "STATE", "SINCE", "IMAGE", "ERROR",
                ],
                &shown
                    .into_iter()
                    .map(|t| {
                        vec![
                            short(&t.id),
                            opt(t.slot),
                            t.node,
                            t.desired_state,
                            t.state,
                            age(t.since.as_deref(), now),
                            t.image,
                            t.error.unwrap_or_default(),
                        ]
                    })
                    .collect::<Vec<_>>(),
            )
        }
        What::Task { task_id } => {
            let task = client.task(task_id).await?;
            if json {
                return json_one(sink, &task);
            }
            let nodes = client.nodes().await?;
            let row = model::task_rows(std::slice::from_ref(&task), &nodes, None)
                .pop()
                .ok_or_else(|| Failure::Swarm(SwarmError::NotFound(format!("task {task_id}"))))?;
            let ports = task
                .status
                .as_ref()
                .and_then(|s| s.port_status.as_ref())
                .and_then(|p| p.ports.as_ref())
                .map(|ports| {
                    ports
                        .iter()
                        .map(|p| {
                            format!(
                                "{}->{}/{}",
                                opt(p.published_port),
                                opt(p.target_port),
                                opt(p.protocol.as_ref())
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            let mut lines = vec![
                vec!["ID".into(), row.id.clone()],
                vec!["SERVICE".into(), row.service_id.clone()],
                vec!["SLOT".into(), opt(row.slot)],
                vec!["NODE".into(), row.node.clone()],
                vec!["DESIRED".into(), row.desired_state.clone()],
                vec![
                    "STATE".into(),
                    format!("{} ({})", row.state, age(row.since.as_deref(), now)),
                ],
                vec!["MESSAGE".into(), row.message.clone()],
                vec!["ERROR".into(), row.error.clone().unwrap_or_default()],
                vec!["EXIT CODE".into(), opt(row.exit_code)],
                vec![
                    "CONTAINER".into(),
                    row.container_id.clone().unwrap_or_default(),
                ],
                vec!["PORTS".into(), ports],
                vec!["IMAGE".into(), row.image.clone()],
                vec!["CREATED".into(), row.created_at.clone().unwrap_or_default()],
            ];
            lines.retain(|l| !l[1].is_empty());
            let mut text = table::render(&["FIELD", "VALUE"], &lines);
            text.push_str("\nSPEC\n");
            text.push_str(
                &serde_json::to_string_pretty(&task.spec)
                    .map_err(|e| SwarmError::Other(e.to_string()))?,
            );
            text.push('\n');
            text
        }
        What::Nodes => {
            let nodes = client.nodes().await?;
            if json {
                return json_array(sink, &nodes);
            }
            let tasks = client.all_tasks().await?;
            table::render(
                &[
                    "ID",
                    "HOSTNAME",
                    "ROLE",
                    "AVAILABILITY",
                    "STATUS",
                    "ENGINE",
                    "TASKS",
                ],
                &model::node_rows(&nodes, &tasks)
                    .into_iter()
                    .map(|n| {
                        vec![
                            short(&n.id),
                            n.hostname,
                            if n.leader {
                                format!("{} (leader)", n.role)
                            } else {
                                n.role
                            },
                            n.availability,
                            n.status,
                            n.engine_version,
                            n.tasks.to_string(),
                        ]
                    })
                    .collect::<Vec<_>>(),
            )
        }
        What::Update { key: service } => {
            let (svc, raw) = client.service(service).await?;
            let tasks = client
                .tasks_of(svc.id.as_deref().unwrap_or_default())
                .await?;
            if json {
                let mut obj = serde_json::Map::new();
                for k in [
                    "ID",
                    "Version",
                    "UpdatedAt",
                    "UpdateStatus",
                    "Spec",
                    "PreviousSpec",
                ] {
                    if let Some(v) = raw.get(k) {
                        obj.insert(k.into(), v.clone());
                    }
                }
                obj.insert(
                    "Tasks".into(),
                    serde_json::to_value(&tasks).map_err(|e| SwarmError::Other(e.to_string()))?,
                );
                return json_one(sink, &obj);
            }
            let v = model::update_view(&raw, &tasks).map_err(SwarmError::Other)?;
            update_text(&v, now)
        }
        _ => {
            return Err(Failure::Usage(
                "on a Docker Swarm, get reads services, tasks SERVICE, task ID, nodes and update SERVICE"
                    .into(),
            ));
        }
    };
    sink.write_all(text.as_bytes()).map_err(io)
}

fn secs_ns(ns: Option<i64>) -> String {
    ns.map(|n| format!("{}s", n as f64 / 1e9))
        .unwrap_or_default()
}

fn update_text(v: &model::UpdateView, now: chrono::DateTime<chrono::Utc>) -> String {
    use std::fmt::Write as _;
    let mut t = String::new();
    let s = &v.settings;
    let _ = writeln!(t, "SERVICE   {}", v.service);
    let _ = writeln!(
        t,
        "STATE     {}",
        v.state.as_deref().unwrap_or("(never updated)")
    );
    if let Some(m) = v.message.as_deref().filter(|m| !m.is_empty()) {
        let _ = writeln!(t, "MESSAGE   {m}");
    }
    if let Some(a) = &v.started_at {
        let _ = writeln!(t, "STARTED   {a} ({} ago)", age(Some(a), now));
    }
    if let Some(a) = &v.completed_at {
        let _ = writeln!(t, "COMPLETED {a}");
    }
    let _ = writeln!(
        t,
        "SETTINGS  parallelism {}, delay {}, failure action {}, monitor {}, max failure ratio {}, order {}",
        opt(s.parallelism),
        secs_ns(s.delay_ns),
        s.failure_action.as_deref().unwrap_or(""),
        secs_ns(s.monitor_ns),
        opt(s.max_failure_ratio),
        s.order.as_deref().unwrap_or("")
    );
    let _ = write!(
        t,
        "PROGRESS  {}/{} slots on the new spec",
        v.updated, v.total
    );
    match v.estimate_secs(now) {
        Some(e) => {
            let _ = writeln!(t, ", about {e}s left");
        }
        None => t.push('\n'),
    }
    let _ = writeln!(t, "\nSLOT  TASK          STATE     NEW SPEC");
    for slot in &v.slots {
        let name = match &slot.slot {
            model::SlotKey::Slot(n) => n.to_string(),
            model::SlotKey::Node(n) => short(n),
        };
        let _ = writeln!(
            t,
            "{name:<4}  {:<12}  {:<8}  {}",
            short(&slot.task_id),
            slot.state,
            if slot.on_new_spec { "yes" } else { "no" }
        );
    }
    if !v.diff.is_empty() {
        let _ = writeln!(t, "\nSPEC CHANGE (PreviousSpec → Spec)");
        for l in &v.diff {
            let _ = match l {
                crate::diff::DiffLine::Same(s) => writeln!(t, "  {s}"),
                crate::diff::DiffLine::Removed(s) => writeln!(t, "- {s}"),
                crate::diff::DiffLine::Added(s) => writeln!(t, "+ {s}"),
                crate::diff::DiffLine::Gap(n) => writeln!(t, "  … {n} unchanged"),
            };
        }
    }
    t
}
