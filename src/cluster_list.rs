//! Every cluster Eos can reach by name (`--cluster NAME`, `:cluster NAME`): Aurora's, from
//! clusters.json, and the Docker Swarms of Eos's own config (`[clusters.NAME] docker = "URL"`).
//! `eos clusters` prints this list and `:clusters` probes it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::aurora::clusters::Clusters;
use crate::aurora::credentials::redact_url;

/// What answers for a cluster.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ClusterKind {
    /// An Aurora scheduler (clusters.json).
    Aurora,
    /// A Docker Engine in Swarm mode (`[clusters.NAME] docker = "URL"`).
    Docker,
}

impl ClusterKind {
    pub fn label(self) -> &'static str {
        match self {
            ClusterKind::Aurora => "aurora",
            ClusterKind::Docker => "docker",
        }
    }
}

/// One cluster of the list, as `eos clusters` prints it (`-o json`: these field names).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClusterEntry {
    pub name: String,
    pub kind: ClusterKind,
    /// The scheduler URL or `zk hosts/path`, or the Engine's URL (credentials redacted).
    pub reached_at: String,
    /// Aurora's auth mechanism; none for a Swarm.
    pub auth_mechanism: Option<String>,
    /// The file that defines it (clusters.json, or Eos's config file).
    pub file: PathBuf,
}

/// The clusters by name: clusters.json's, and the config's Swarms. A name defined in both is
/// the Swarm, as `--cluster NAME` and `:cluster NAME` connect to it.
pub fn cluster_entries(
    aurora: &Clusters,
    dockers: &BTreeMap<String, String>,
    config_file: Option<&Path>,
) -> Vec<ClusterEntry> {
    let mut all: BTreeMap<String, ClusterEntry> = aurora
        .clusters
        .values()
        .map(|c| {
            let entry = ClusterEntry {
                name: c.name.clone(),
                kind: ClusterKind::Aurora,
                reached_at: c.how_reached(),
                auth_mechanism: Some(c.auth_mechanism.clone()),
                file: c.source.clone(),
            };
            (c.name.clone(), entry)
        })
        .collect();
    for (name, url) in dockers {
        let entry = ClusterEntry {
            name: name.clone(),
            kind: ClusterKind::Docker,
            reached_at: redact_url(url),
            auth_mechanism: None,
            file: config_file.map(Path::to_path_buf).unwrap_or_default(),
        };
        all.insert(name.clone(), entry);
    }
    all.into_values().collect()
}

/// The `[clusters.NAME] docker = "URL"` Swarms of a config, by name.
pub fn docker_clusters(config: &crate::config::Config) -> BTreeMap<String, String> {
    config
        .clusters
        .iter()
        .filter_map(|(n, c)| Some((n.clone(), c.docker.clone()?)))
        .collect()
}

/// The config file `crate::config::load` reads for `explicit` (`--config`) and `config_dir`:
/// the explicit one, else `config_dir/config.toml` when it exists.
pub fn config_file(explicit: Option<&Path>, config_dir: Option<&Path>) -> Option<PathBuf> {
    match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => config_dir
            .map(|d| d.join("config.toml"))
            .filter(|p| p.exists()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_swarm_beats_an_aurora_cluster_of_the_same_name_and_the_list_is_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("clusters.json");
        std::fs::write(
            &file,
            r#"[{"name": "west", "scheduler_uri": "http://w:8081"},
                {"name": "lab", "scheduler_uri": "http://l:8081", "auth_mechanism": "KERBEROS"}]"#,
        )
        .unwrap();
        let aurora = Clusters::load_from(std::slice::from_ref(&file)).unwrap();
        let dockers = BTreeMap::from([
            ("west".to_owned(), "tcp://w:2376".to_owned()),
            ("apps".to_owned(), "unix:///run/d.sock".to_owned()),
        ]);
        let all = cluster_entries(&aurora, &dockers, Some(Path::new("/c/config.toml")));
        let seen: Vec<(&str, ClusterKind, &str)> = all
            .iter()
            .map(|e| (e.name.as_str(), e.kind, e.reached_at.as_str()))
            .collect();
        assert_eq!(
            seen,
            vec![
                ("apps", ClusterKind::Docker, "unix:///run/d.sock"),
                ("lab", ClusterKind::Aurora, "http://l:8081"),
                ("west", ClusterKind::Docker, "tcp://w:2376"),
            ]
        );
        assert_eq!(all[1].auth_mechanism.as_deref(), Some("KERBEROS"));
        assert_eq!(all[1].file, file);
        assert_eq!(all[2].auth_mechanism, None);
        assert_eq!(all[2].file, Path::new("/c/config.toml"));
    }
}
