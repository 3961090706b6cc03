//! Runs effects at the edge: API calls on tokio, whose results come back as actions. A newer
//! fetch of the same resource aborts the older one (its reply would be dropped anyway).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use crate::app::resource::{Data, PendingScope, ResourceKey};
use crate::app::{Action, Effect, Fetched};
use crate::aurora::client::{AuroraClient, Reply};
use crate::aurora::model::*;

/// The scheduler-side clock in epoch ms (wall clock, or the simulator's in `eos demo`).
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

pub fn wall_clock() -> Clock {
    Arc::new(|| chrono::Utc::now().timestamp_millis())
}

pub struct Effects {
    client: AuroraClient,
    tx: UnboundedSender<Action>,
    clock: Clock,
    in_flight: HashMap<ResourceKey, JoinHandle<()>>,
}

impl Effects {
    pub fn new(client: AuroraClient, tx: UnboundedSender<Action>, clock: Clock) -> Effects {
        Effects {
            client,
            tx,
            clock,
            in_flight: HashMap::new(),
        }
    }

    /// Carries out one effect; false when the console should quit.
    pub fn run(&mut self, effect: Effect) -> bool {
        match effect {
            Effect::Quit => return false,
            Effect::Copy(text) => copy_osc52(&text),
            Effect::Fetch { key, generation } => {
                if let Some(old) = self.in_flight.remove(&key) {
                    old.abort();
                }
                let (client, tx, clock) =
                    (self.client.clone(), self.tx.clone(), self.clock.clone());
                let k = key.clone();
                let handle = tokio::spawn(async move {
                    let started = Instant::now();
                    let result = fetch(&client, &k).await;
                    let latency_ms = started.elapsed().as_millis() as u64;
                    let (result, cluster) = match result {
                        Ok((d, c)) => (Ok(d), c),
                        Err(e) => (Err(e), None),
                    };
                    let _ = tx.send(Action::Fetched(Box::new(Fetched {
                        key: k,
                        generation,
                        at: clock(),
                        latency_ms,
                        result,
                        cluster,
                    })));
                });
                self.in_flight.retain(|_, h| !h.is_finished());
                self.in_flight.insert(key, handle);
            }
        }
        true
    }
}

/// Puts text on the terminal's clipboard (OSC 52); terminals without support ignore it.
fn copy_osc52(text: &str) {
    use base64::Engine as _;
    use std::io::Write as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(text);
    let mut out = std::io::stdout().lock();
    let _ = write!(out, "\x1b]52;c;{b64}\x07");
    let _ = out.flush();
}

fn cluster_of<T>(r: &Reply<T>) -> Option<String> {
    r.server_info
        .as_ref()
        .and_then(|s| s.cluster_name.clone())
        .filter(|c| !c.is_empty())
}

fn job_query(job: &str, active_only: bool) -> Result<TaskQuery, String> {
    let key = JobKey::parse(job).ok_or_else(|| format!("bad job key {job:?}"))?;
    Ok(crate::get::job_query(&key, active_only))
}

/// Performs the read behind a resource.
pub async fn fetch(c: &AuroraClient, key: &ResourceKey) -> Result<(Data, Option<String>), String> {
    macro_rules! call {
        ($fut:expr, $wrap:expr) => {{
            let r = $fut.await.map_err(|e| e.to_string())?;
            let cluster = cluster_of(&r);
            Ok(($wrap(r.value), cluster))
        }};
    }
    match key {
        ResourceKey::Roles => call!(c.get_role_summary(), Data::Roles),
        ResourceKey::Jobs(role) => call!(c.get_job_summary(role.as_deref()), Data::Jobs),
        ResourceKey::Tasks { job, history } => {
            call!(
                c.get_tasks_without_configs(job_query(job, !history)?),
                Data::Tasks
            )
        }
        ResourceKey::Task(id) => {
            let q = TaskQuery {
                task_ids: Some(vec![id.clone()]),
                ..Default::default()
            };
            call!(c.get_tasks_status(q), |v: Vec<ScheduledTask>| Data::Task(
                v.into_iter().next().map(Box::new)
            ))
        }
        ResourceKey::PendingReasons(scope) => {
            let q = match scope {
                PendingScope::All => TaskQuery::default(),
                PendingScope::Job(job) => TaskQuery {
                    statuses: None,
                    ..job_query(job, false)?
                },
                PendingScope::Task(id) => TaskQuery {
                    task_ids: Some(vec![id.clone()]),
                    ..Default::default()
                },
            };
            call!(c.get_pending_reason(q), Data::PendingReasons)
        }
        ResourceKey::StuckTasks => {
            let q = TaskQuery {
                statuses: Some(vec![ScheduleStatus::PENDING, ScheduleStatus::THROTTLED]),
                ..Default::default()
            };
            call!(c.get_tasks_without_configs(q), Data::Tasks)
        }
        ResourceKey::Config(job) => {
            let k = JobKey::parse(job).ok_or_else(|| format!("bad job key {job:?}"))?;
            call!(c.get_config_summary(&k), |v| Data::Config(Box::new(v)))
        }
        ResourceKey::Quota(role) => call!(c.get_quota(role), |v| Data::Quota(Box::new(v))),
        ResourceKey::Updates(role) => {
            let q = JobUpdateQuery {
                role: role.clone(),
                ..Default::default()
            };
            call!(c.get_job_update_summaries(q), Data::Updates)
        }
        ResourceKey::UpdateDetails(key) => {
            let k = JobUpdateKey::parse(key).ok_or_else(|| format!("bad update key {key:?}"))?;
            let q = JobUpdateQuery {
                key: Some(k),
                ..Default::default()
            };
            call!(c.get_job_update_details(q), |v: Vec<JobUpdateDetails>| {
                Data::UpdateDetails(v.into_iter().next().map(Box::new))
            })
        }
    }
}
