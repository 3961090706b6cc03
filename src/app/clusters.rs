//! Clusters: the `:clusters` list with each cluster's health, and switching to another one
//! (`:cluster NAME`, or Enter on the list). A switch is refused while anything of the current
//! cluster is still in the user's hands (a change not answered yet, a rolling restart, a held
//! update): leaving would hide its outcome.

use super::views::clusters::cluster_rows;
use super::vocab::resource::{Data, ResourceKey};
use super::widgets::table::Row;
use super::{Effect, Level, Screen, State};

/// The clusters' health, by the path `eos` has always used.
pub use super::vocab::resource::ClusterHealth;

/// A connection to another cluster was made (the edge has already switched its client).
#[derive(Debug)]
pub struct Connected {
    pub cluster: String,
    pub url: String,
    pub warnings: Vec<String>,
    /// The new scheduler's first screen (`Backend::home`): a Swarm has no roles.
    pub home: super::Nav,
}

/// The list probes every cluster, so it refreshes less often than a view of one scheduler.
pub const CLUSTERS_REFRESH_MS: i64 = 15_000;

impl State {
    /// `:cluster NAME` or Enter on the clusters list.
    pub(super) fn switch_cluster(&mut self, name: String, fx: &mut Vec<Effect>) {
        if self.cluster.as_deref() == Some(name.as_str()) && self.cluster_pinned {
            self.say(format!("already on {name}"), Level::Info);
            return;
        }
        if !self.known_clusters.is_empty() && !self.known_clusters.contains(&name) {
            self.say(
                format!(
                    "no cluster {name:?} in clusters.json (known: {})",
                    self.known_clusters.join(", ")
                ),
                Level::Error,
            );
            return;
        }
        if let Some(why) = self.busy_here() {
            self.say(format!("not switching to {name}: {why}"), Level::Error);
            return;
        }
        self.switching = Some(name.clone());
        self.say(format!("connecting to {name}…"), Level::Info);
        fx.push(Effect::Connect { cluster: name });
    }

    /// What of the current cluster still needs the user here, if anything.
    fn busy_here(&self) -> Option<String> {
        let here = self
            .cluster
            .clone()
            .unwrap_or_else(|| "this cluster".into());
        if let Some((_, op)) = self.pending_mutations.first() {
            return Some(format!(
                "{} on {here} is not answered yet (its outcome would be lost)",
                op.method()
            ));
        }
        if self
            .rolling
            .as_ref()
            .is_some_and(|r| r.status == super::rolling::Status::Running)
        {
            return Some(format!(
                "a rolling restart is running on {here}; pause or cancel it first"
            ));
        }
        if let Some(h) = &self.hold {
            return Some(format!(
                "holding update {} on {here}; release it first",
                h.key
            ));
        }
        if self.overlays.editor.is_some() {
            return Some("the update editor is open".into());
        }
        None
    }

    pub(super) fn on_connected(&mut self, c: Connected, fx: &mut Vec<Effect>) {
        self.switching = None;
        // The other cluster's data must never show under this one's name: forget every
        // value, keep the generations (a late reply from the old cluster is then dropped).
        let now = self.now;
        for slot in self.store.values_mut() {
            slot.data = None;
            slot.loaded_at = None;
            slot.error = None;
            slot.in_flight = None;
            slot.failures = 0;
            slot.next_due = now;
        }
        self.stack.truncate(1);
        // The bottom screen is the scheduler's home: roles on Aurora, services on a Swarm.
        if let Some(bottom) = self.stack.first_mut()
            && matches!(bottom, Screen::Roles { .. } | Screen::Services { .. })
        {
            *bottom = Screen::open(&c.home);
        }
        if let Some(t) = self.top_mut().table_mut() {
            t.set_rows(Vec::new(), now);
        }
        self.cluster = Some(c.cluster.clone());
        self.cluster_pinned = true;
        self.scheduler_url = c.url;
        self.link = Default::default();
        self.rolling = None;
        // The last cluster's read-only and prod marks do not travel: start from the flags
        // and the file's global setting, then apply this cluster's.
        self.read_only =
            self.settings.read_only_flag || self.settings.config.read_only == Some(true);
        self.prod_cluster = false;
        self.apply_cluster_settings();
        let mut text = format!("now on {}", c.cluster);
        for w in &c.warnings {
            text.push_str(&format!(" ({w})"));
        }
        self.say(
            text,
            if c.warnings.is_empty() {
                Level::Info
            } else {
                Level::Error
            },
        );
        self.schedule(fx, true);
        self.dirty = true;
    }

    pub(super) fn on_connect_failed(&mut self, cluster: String, error: String) {
        self.switching = None;
        let here = self
            .cluster
            .clone()
            .unwrap_or_else(|| "the current one".into());
        self.say(
            format!("cannot switch to {cluster}: {error}; still on {here}"),
            Level::Error,
        );
    }

    /// Rows for the clusters list from the last probe.
    pub(super) fn clusters_rows(&self) -> Option<Vec<Row>> {
        match self.data(&ResourceKey::Clusters) {
            Some(Data::Clusters(all)) => Some(cluster_rows(all, self.cluster.as_deref())),
            _ => None,
        }
    }
}
