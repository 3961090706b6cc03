//! `:` commands that name a view. Like k9s's `:resource`, they replace the navigation stack
//! (roles stays at its root) instead of piling up levels. A named job or role is looked up
//! first, in the read that lists it (the role's job summaries, the roles list, and for quota also
//! the role's quota, since a role may hold quota before it runs jobs; for `:update ROLE/ENV/NAME`
//! the role's updates): a target the scheduler does not have is reported ("no job x/y/z on
//! devcluster", "no update of x/y/z on devcluster") and the current view stays. The decision
//! waits for that read's answer; cached data is trusted only when it shows the target.

use super::updates::pick_update;
use super::vocab::nav::{Nav, is_job_key};
use super::vocab::resource::{Data, ResourceKey};
use super::{Effect, Level, State};
use crate::aurora::model::Resource;

/// A `:` target waiting for the read that says whether it exists.
#[derive(Debug)]
pub struct Lookup {
    pub nav: Nav,
    /// Reads not answered yet.
    awaiting: Vec<ResourceKey>,
}

/// What `nav` names that may not exist, and the reads that would list it.
fn checks(nav: &Nav) -> Vec<ResourceKey> {
    match nav {
        Nav::Tasks(job) | Nav::Config(job) => {
            vec![ResourceKey::Jobs(job.split('/').next().map(str::to_owned))]
        }
        Nav::Jobs(Some(_)) | Nav::Updates { role: Some(_), .. } => vec![ResourceKey::Roles],
        Nav::Quota(role) => vec![ResourceKey::Roles, ResourceKey::Quota(role.clone())],
        Nav::Update(job) if is_job_key(job) => {
            vec![ResourceKey::Updates(
                job.split('/').next().map(str::to_owned),
            )]
        }
        Nav::Service(_) | Nav::SwarmUpdate(_) => vec![ResourceKey::SwarmServices],
        _ => Vec::new(),
    }
}

/// How the missing target is named in the message.
fn describe(nav: &Nav) -> String {
    match nav {
        Nav::Tasks(job) | Nav::Config(job) => format!("job {job}"),
        Nav::Jobs(Some(r)) | Nav::Updates { role: Some(r), .. } | Nav::Quota(r) => {
            format!("role {r}")
        }
        Nav::Update(job) => format!("update of {job}"),
        Nav::Service(s) | Nav::SwarmUpdate(s) => format!("service {s}"),
        other => format!("{other:?}"),
    }
}

fn some_quota(r: &Resource) -> bool {
    match r {
        Resource::NumCpus(x) => *x > 0.0,
        Resource::RamMb(x) | Resource::DiskMb(x) | Resource::NumGpus(x) => *x > 0,
        Resource::NamedPort(_) | Resource::Unknown(_) => false,
    }
}

impl State {
    /// A `:` command named a view: go there (replacing the stack) once it is known to exist.
    pub(super) fn go_to(&mut self, nav: Nav, fx: &mut Vec<Effect>) {
        self.lookup = None;
        let keys = checks(&nav);
        if keys.is_empty() || self.target_exists(&nav) == Some(true) {
            self.replace_with(nav, fx);
            return;
        }
        let tick = self.ticks;
        for key in &keys {
            let generation = self.store.entry(key.clone()).or_default().start(tick);
            fx.push(Effect::Fetch {
                key: key.clone(),
                generation,
            });
        }
        self.say(format!("looking up {}…", describe(&nav)), Level::Info);
        self.lookup = Some(Lookup {
            nav,
            awaiting: keys,
        });
    }

    /// Opens `nav` as the only view above roles.
    fn replace_with(&mut self, nav: Nav, fx: &mut Vec<Effect>) {
        if !matches!(nav, Nav::SwitchCluster(_)) {
            self.stack.truncate(1);
        }
        self.open(nav, fx);
    }

    /// Whether the loaded data lists the target (`None`: a read it needs has not answered).
    fn target_exists(&self, nav: &Nav) -> Option<bool> {
        let role_listed = |role: &str| -> Option<bool> {
            match self.data(&ResourceKey::Roles)? {
                Data::Roles(r) => Some(r.iter().any(|r| r.role.as_deref() == Some(role))),
                _ => None,
            }
        };
        match nav {
            Nav::Tasks(job) | Nav::Config(job) => {
                let role = job.split('/').next().map(str::to_owned);
                match self.data(&ResourceKey::Jobs(role))? {
                    Data::Jobs(jobs) => Some(jobs.iter().any(|j| {
                        j.job
                            .as_ref()
                            .and_then(|c| c.key.as_ref())
                            .is_some_and(|k| k.to_string() == *job)
                    })),
                    _ => None,
                }
            }
            Nav::Jobs(Some(r)) | Nav::Updates { role: Some(r), .. } => role_listed(r),
            // A job key: the job's active, else latest, update (the screen picks it on open).
            Nav::Update(job) if is_job_key(job) => {
                let role = job.split('/').next().map(str::to_owned);
                match self.data(&ResourceKey::Updates(role))? {
                    Data::Updates(updates) => Some(pick_update(updates, job).is_some()),
                    _ => None,
                }
            }
            // A service by name or id, as the Engine finds one.
            Nav::Service(s) | Nav::SwarmUpdate(s) => {
                match self.data(&ResourceKey::SwarmServices)? {
                    Data::SwarmServices(all) => {
                        Some(all.iter().any(|r| r.name == *s || r.id == *s))
                    }
                    _ => None,
                }
            }
            Nav::Quota(r) => {
                if role_listed(r) == Some(true) {
                    return Some(true);
                }
                let quota = match self.data(&ResourceKey::Quota(r.clone()))? {
                    Data::Quota(q) => q
                        .quota
                        .as_ref()
                        .and_then(|a| a.resources.as_ref())
                        .is_some_and(|rs| rs.iter().any(some_quota)),
                    _ => false,
                };
                Some(quota || role_listed(r)?)
            }
            _ => Some(true),
        }
    }

    /// A read answered: a lookup waiting for it decides.
    pub(super) fn lookup_answered(&mut self, key: &ResourceKey, fx: &mut Vec<Effect>) {
        let Some(l) = self.lookup.as_mut() else {
            return;
        };
        if !l.awaiting.contains(key) || self.store.get(key).is_some_and(|s| s.in_flight.is_some()) {
            return;
        }
        l.awaiting.retain(|k| k != key);
        if !l.awaiting.is_empty() {
            return;
        }
        let l = self.lookup.take().expect("checked");
        // The "looking up…" line has done its job either way.
        if self
            .message
            .as_ref()
            .is_some_and(|m| m.text.starts_with("looking up "))
        {
            self.message = None;
            self.dirty = true;
        }
        let failed = checks(&l.nav)
            .iter()
            .find_map(|k| self.store.get(k).and_then(|s| s.error.clone()));
        match (self.target_exists(&l.nav), failed) {
            (Some(true), _) => self.replace_with(l.nav, fx),
            // The read failed: the view opens and shows the failure itself.
            (_, Some(_)) | (None, None) => self.replace_with(l.nav, fx),
            (Some(false), None) => {
                let cluster = self
                    .cluster
                    .clone()
                    .unwrap_or_else(|| self.scheduler_url.clone());
                self.say(
                    format!("no {} on {cluster}", describe(&l.nav)),
                    Level::Error,
                );
            }
        }
    }
}
