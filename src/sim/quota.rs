//! Quota the way Aurora's `QuotaManager` counts it: a role's production jobs on shared hosts
//! (prod-shared) must fit its quota. Dedicated production jobs and non-production jobs are never
//! checked. Jobs with an active update count each instance the update touches at the larger of
//! its old and new resources, per resource.
//! Not modelled: cron templates in the usage (Aurora counts max(template × count, running)),
//! and getQuota reports live tasks only (Aurora mixes in active updates and cron templates).

use super::state::*;
use crate::aurora::model::ResourceTotals;

/// An update's instructions: the replaced instances with their old configs, and the added or
/// changed instances with the new config (`None`: nothing is added or changed).
#[derive(Clone, Copy)]
pub struct Instructions<'a> {
    pub initial: &'a [(ConfigRef, Vec<i32>)],
    pub desired: Option<(&'a ConfigRef, &'a [i32])>,
}

/// Live use by bucket: prod-shared, non-prod-shared, prod-dedicated, non-prod-dedicated, the
/// way `getQuota` reports it. Revocable tasks count too: Aurora's `getTaskResources` has no
/// revocable filter, so they land in their (non-production) bucket.
pub fn consumption(st: &State, role: &str) -> [ResourceTotals; 4] {
    let mut c = [ResourceTotals::default(); 4];
    for j in st.jobs_of(Some(role)) {
        for &t in st.jobs[j as usize].active.values() {
            let cfg = &st.task(t).config;
            let k = match (cfg.production, cfg.dedicated) {
                (true, false) => 0,
                (false, false) => 1,
                (true, true) => 2,
                (false, true) => 3,
            };
            add(&mut c[k], cfg, 1);
        }
    }
    c
}

/// Whether quota applies to a config (Aurora's `NO_QUOTA_CHECK` is its negation).
fn prod_shared(c: &Config) -> bool {
    c.production && !c.dedicated && !c.revocable
}

fn add(t: &mut ResourceTotals, c: &Config, n: usize) {
    let k = n as f64;
    t.cpus += c.need.cpus * k;
    t.ram_mb += c.need.ram_mb * n as i64;
    t.disk_mb += c.need.disk_mb * n as i64;
}

fn max(a: ResourceTotals, b: ResourceTotals) -> ResourceTotals {
    ResourceTotals {
        cpus: a.cpus.max(b.cpus),
        ram_mb: a.ram_mb.max(b.ram_mb),
        disk_mb: a.disk_mb.max(b.disk_mb),
        gpus: a.gpus.max(b.gpus),
    }
}

/// The role's prod-shared use with every active update counted as Aurora does; `proposed`
/// stands in for the job's active update (the update being checked).
fn prod_shared_use(
    st: &State,
    role: &str,
    proposed: Option<(JobIdx, Instructions<'_>)>,
) -> ResourceTotals {
    let mut total = ResourceTotals::default();
    for j in st.jobs_of(Some(role)) {
        let instructions = match proposed {
            Some((pj, i)) if pj == j => Some(i),
            _ => st.jobs[j as usize].active_update.map(|u| {
                let upd = st.upd(u);
                Instructions {
                    initial: &upd.initial,
                    desired: upd.desired.as_ref().map(|(c, ids)| (c, ids.as_slice())),
                }
            }),
        };
        let touched = |i: i32| {
            instructions.is_some_and(|x| {
                x.initial.iter().any(|(_, ids)| ids.contains(&i))
                    || x.desired.is_some_and(|(_, ids)| ids.contains(&i))
            })
        };
        for (&i, &t) in &st.jobs[j as usize].active {
            let cfg = &st.task(t).config;
            if prod_shared(cfg) && !touched(i) {
                add(&mut total, cfg, 1);
            }
        }
        if let Some(x) = instructions {
            let mut before = ResourceTotals::default();
            for (c, ids) in x.initial.iter().filter(|(c, _)| prod_shared(c)) {
                add(&mut before, c, ids.len());
            }
            let mut after = ResourceTotals::default();
            if let Some((c, ids)) = x.desired.filter(|(c, _)| prod_shared(c)) {
                add(&mut after, c, ids.len());
            }
            let both = max(before, after);
            total.cpus += both.cpus;
            total.ram_mb += both.ram_mb;
            total.disk_mb += both.disk_mb;
        }
    }
    total
}

/// `Err("Insufficient resource quota: …")` when `wanted` does not fit the role's quota, worded
/// as Aurora's `QuotaCheckResult` ("CPU quota exceeded by 2.00 core(s); RAM quota …").
/// Aurora's `saveQuota` refusal: a quota below the role's current prod-shared use.
pub fn check_new_quota(st: &State, role: &str, quota: ResourceTotals) -> Result<(), String> {
    let used = prod_shared_use(st, role, None);
    if quota.cpus + 1e-9 < used.cpus || quota.ram_mb < used.ram_mb || quota.disk_mb < used.disk_mb {
        return Err(format!(
            "Quota: {} is less then current prod reservation: {}",
            describe(quota),
            describe(used)
        ));
    }
    Ok(())
}

fn describe(t: ResourceTotals) -> String {
    format!(
        "ResourceAggregate(numCpus:{}, ramMb:{}, diskMb:{})",
        t.cpus, t.ram_mb, t.disk_mb
    )
}

fn fits(st: &State, role: &str, wanted: ResourceTotals) -> Result<(), String> {
    let quota = st.quotas.get(role).copied().unwrap_or_default();
    let mut over = Vec::new();
    if wanted.cpus > quota.cpus + 1e-9 {
        over.push(format!(
            "CPU quota exceeded by {:.2} core(s)",
            wanted.cpus - quota.cpus
        ));
    }
    if wanted.ram_mb > quota.ram_mb {
        over.push(format!(
            "RAM quota exceeded by {:.2} MB",
            (wanted.ram_mb - quota.ram_mb) as f64
        ));
    }
    if wanted.disk_mb > quota.disk_mb {
        over.push(format!(
            "disk quota exceeded by {:.2} MB",
            (wanted.disk_mb - quota.disk_mb) as f64
        ));
    }
    if over.is_empty() {
        Ok(())
    } else {
        Err(format!("Insufficient resource quota: {}", over.join("; ")))
    }
}

/// Aurora's `checkInstanceAddition`: `instances` more tasks of `config` (createJob, addInstances,
/// cron templates).
pub fn check_addition(
    st: &State,
    role: &str,
    config: &Config,
    instances: i32,
) -> Result<(), String> {
    if !prod_shared(config) || instances <= 0 {
        return Ok(());
    }
    let mut wanted = prod_shared_use(st, role, None);
    add(&mut wanted, config, instances as usize);
    fits(st, role, wanted)
}

/// Aurora's `checkJobUpdate`: the role's use with this update in flight, every instance it
/// touches at the larger of its old and new resources. Only a production (shared) desired
/// config is checked; an update that only removes instances never is.
pub fn check_update(st: &State, job: JobIdx, instructions: Instructions<'_>) -> Result<(), String> {
    let Some((desired, _)) = instructions.desired else {
        return Ok(());
    };
    if !prod_shared(desired) {
        return Ok(());
    }
    let role = st.jobs[job as usize].key.role();
    let wanted = prod_shared_use(st, role, Some((job, instructions)));
    fits(st, role, wanted)
}
