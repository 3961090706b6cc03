//! Aurora's `clusters.json`, read as the `aurora` client reads it: first
//! `$AURORA_CONFIG_ROOT/clusters.json` (default `/etc/aurora/clusters.json`), then
//! `~/.aurora/clusters.json`; a later file's cluster replaces an earlier one of the same name.
//! Each file holds a JSON list of cluster objects, or an object whose values are cluster objects.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// One cluster as clusters.json describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct Cluster {
    pub name: String,
    /// ZooKeeper hosts, comma-separated as Aurora writes them.
    pub zk: Option<String>,
    pub zk_port: u16,
    pub scheduler_zk_path: Option<String>,
    pub scheduler_uri: Option<String>,
    pub proxy_url: Option<String>,
    /// `UNAUTHENTICATED` (Aurora's default), `KERBEROS`, or whatever the file says.
    pub auth_mechanism: String,
    /// Keys Eos does not use (Aurora's client and site plugins read some of them), kept as is.
    pub extra: BTreeMap<String, Value>,
    /// The file this cluster came from.
    pub source: PathBuf,
}

/// How Eos can reach a cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reach {
    /// A scheduler (or proxy) URL: `proxy_url` wins over `scheduler_uri`, as in Aurora.
    Url(String),
    /// Leader discovery through ZooKeeper (one lookup when Eos starts).
    ZooKeeper {
        hosts: String,
        port: u16,
        path: String,
    },
    Nothing,
}

impl Cluster {
    pub fn reach(&self) -> Reach {
        if let Some(u) = self.proxy_url.as_ref().or(self.scheduler_uri.as_ref()) {
            return Reach::Url(u.clone());
        }
        match (&self.zk, &self.scheduler_zk_path) {
            (Some(hosts), Some(path)) => Reach::ZooKeeper {
                hosts: hosts.clone(),
                port: self.zk_port,
                path: path.clone(),
            },
            _ => Reach::Nothing,
        }
    }

    /// `zk1,zk2:2181/aurora/scheduler`, or the URL, for listings.
    pub fn how_reached(&self) -> String {
        match self.reach() {
            Reach::Url(u) => super::credentials::redact_url(&u),
            Reach::ZooKeeper { hosts, port, path } => {
                format!("zk {}{path}", zk_hosts(&hosts, port))
            }
            Reach::Nothing => "(no scheduler_uri, proxy_url or zk)".to_owned(),
        }
    }

    /// The scheduler URL to connect to: the configured one, or the leader found through
    /// ZooKeeper (looked up once, now).
    pub async fn resolve_url(&self, timeouts: super::zk::ZkTimeouts) -> Result<String, String> {
        match self.reach() {
            Reach::ZooKeeper { hosts, port, path } => {
                super::zk::discover(&hosts, port, &path, timeouts)
                    .await
                    .map_err(|e| format!("cluster {:?}: {e}", self.name))
            }
            _ => self.url(),
        }
    }

    /// The configured scheduler URL, or why there is none (ZooKeeper clusters need
    /// [`Cluster::resolve_url`]).
    pub fn url(&self) -> Result<String, String> {
        match self.reach() {
            Reach::Url(u) => Ok(u),
            Reach::ZooKeeper { hosts, port, path } => Err(format!(
                "cluster {:?} ({}) is found through ZooKeeper ({}, path {path}); its leader \
                 must be looked up",
                self.name,
                self.source.display(),
                zk_hosts(&hosts, port),
            )),
            Reach::Nothing => Err(format!(
                "cluster {:?} ({}) has no scheduler_uri, proxy_url or zk",
                self.name,
                self.source.display()
            )),
        }
    }
}

/// `a,b` with port 2181 → `a:2181,b:2181` (hosts that name a port keep theirs).
fn zk_hosts(hosts: &str, port: u16) -> String {
    super::zk::connect_string(hosts, port)
}

/// All clusters, by name, from the files that exist.
#[derive(Clone, Debug, Default)]
pub struct Clusters {
    pub clusters: BTreeMap<String, Cluster>,
    /// The files looked at, in order, whether or not they existed.
    pub searched: Vec<PathBuf>,
}

impl Clusters {
    /// The files Aurora's client reads, in order.
    pub fn default_paths() -> Vec<PathBuf> {
        paths(
            std::env::var_os("AURORA_CONFIG_ROOT").filter(|v| !v.is_empty()),
            std::env::var_os("HOME").filter(|v| !v.is_empty()),
        )
    }

    /// Reads Aurora's files (see the module documentation).
    pub fn load() -> Result<Self, String> {
        Self::load_from(&Self::default_paths())
    }

    /// Reads `files` in order; missing files are skipped, a later cluster replaces an earlier
    /// one of the same name.
    pub fn load_from(files: &[PathBuf]) -> Result<Self, String> {
        let mut out = Clusters {
            searched: files.to_vec(),
            ..Default::default()
        };
        for f in files {
            let text = match std::fs::read_to_string(f) {
                Ok(t) => t,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(format!("{}: cannot read: {e}", f.display())),
            };
            for c in parse(&text, f)? {
                out.clusters.insert(c.name.clone(), c);
            }
        }
        Ok(out)
    }

    /// The cluster called `name`, or an error that lists the known ones.
    pub fn get(&self, name: &str) -> Result<&Cluster, String> {
        if let Some(c) = self.clusters.get(name) {
            return Ok(c);
        }
        let files = self
            .searched
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        if self.clusters.is_empty() {
            Err(format!(
                "no cluster {name:?}: no clusters are defined (looked in {files})"
            ))
        } else {
            let known = self.clusters.keys().cloned().collect::<Vec<_>>().join(", ");
            Err(format!(
                "no cluster {name:?} in clusters.json; known clusters: {known} (from {files})"
            ))
        }
    }
}

fn paths(
    config_root: Option<std::ffi::OsString>,
    home: Option<std::ffi::OsString>,
) -> Vec<PathBuf> {
    let root = config_root
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/etc/aurora"));
    let mut v = vec![root.join("clusters.json")];
    if let Some(h) = home {
        v.push(Path::new(&h).join(".aurora").join("clusters.json"));
    }
    v
}

/// Parses one clusters.json; `file` names it in errors.
pub fn parse(text: &str, file: &Path) -> Result<Vec<Cluster>, String> {
    let f = file.display();
    let value: Value =
        serde_json::from_str(text).map_err(|e| format!("{f}: not valid JSON: {e}"))?;
    let entries: Vec<(String, Value)> = match value {
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| (format!("entry {}", i + 1), v))
            .collect(),
        Value::Object(map) => map
            .into_iter()
            .map(|(k, v)| (format!("entry {k:?}"), v))
            .collect(),
        _ => {
            return Err(format!(
                "{f}: must be a JSON list of clusters or an object of clusters"
            ));
        }
    };
    entries
        .into_iter()
        .map(|(where_, v)| cluster(v, file, &where_))
        .collect()
}

fn cluster(v: Value, file: &Path, where_: &str) -> Result<Cluster, String> {
    let f = file.display();
    let Value::Object(mut map) = v else {
        return Err(format!("{f}: {where_}: a cluster must be a JSON object"));
    };
    let here = |name: Option<&str>| match name {
        Some(n) => format!("{f}: cluster {n:?}"),
        None => format!("{f}: {where_}"),
    };
    let name = match map.remove("name") {
        Some(Value::String(s)) if !s.trim().is_empty() => s,
        Some(Value::String(_)) => return Err(format!("{}: \"name\" is empty", here(None))),
        Some(_) => return Err(format!("{}: \"name\" must be a string", here(None))),
        None => return Err(format!("{}: missing \"name\"", here(None))),
    };
    let at = here(Some(&name));
    let mut string = |key: &str| -> Result<Option<String>, String> {
        match map.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(format!("{at}: {key:?} must be a string")),
        }
    };
    let zk = string("zk")?;
    let scheduler_zk_path = string("scheduler_zk_path")?;
    let scheduler_uri = string("scheduler_uri")?;
    let proxy_url = string("proxy_url")?;
    let auth_mechanism = string("auth_mechanism")?.unwrap_or_else(|| "UNAUTHENTICATED".into());
    let zk_port = match map.remove("zk_port") {
        None | Some(Value::Null) => 2181,
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|p| u16::try_from(p).ok())
            .filter(|p| *p > 0)
            .ok_or_else(|| format!("{at}: \"zk_port\" must be a port number (1-65535)"))?,
        Some(Value::String(s)) => s
            .trim()
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| format!("{at}: \"zk_port\" must be a port number (1-65535)"))?,
        Some(_) => return Err(format!("{at}: \"zk_port\" must be a port number")),
    };
    if zk.is_some() && scheduler_zk_path.is_none() {
        return Err(format!(
            "{at}: has \"zk\" but no \"scheduler_zk_path\" (the ZooKeeper path the scheduler \
             registers under, e.g. /aurora/scheduler)"
        ));
    }
    for (key, url) in [("scheduler_uri", &scheduler_uri), ("proxy_url", &proxy_url)] {
        if let Some(u) = url {
            let ok = reqwest::Url::parse(u)
                .is_ok_and(|p| matches!(p.scheme(), "http" | "https") && p.host_str().is_some());
            if !ok {
                return Err(format!(
                    "{at}: {key:?} is not an http:// or https:// URL: {u:?}"
                ));
            }
        }
    }
    Ok(Cluster {
        name,
        zk,
        zk_port,
        scheduler_zk_path,
        scheduler_uri,
        proxy_url,
        auth_mechanism,
        extra: map.into_iter().collect(),
        source: file.to_path_buf(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> PathBuf {
        PathBuf::from(s)
    }

    #[test]
    fn list_and_object_forms_read_the_same() {
        let list = r#"[{"name": "devcluster", "scheduler_uri": "http://127.0.0.1:8081"},
                       {"name": "west", "zk": "zk1,zk2", "scheduler_zk_path": "/aurora/scheduler"}]"#;
        let object = r#"{"a": {"name": "devcluster", "scheduler_uri": "http://127.0.0.1:8081"},
                         "b": {"name": "west", "zk": "zk1,zk2", "scheduler_zk_path": "/aurora/scheduler"}}"#;
        let mut a = parse(list, &p("x.json")).unwrap();
        let mut b = parse(object, &p("x.json")).unwrap();
        a.sort_by(|x, y| x.name.cmp(&y.name));
        b.sort_by(|x, y| x.name.cmp(&y.name));
        assert_eq!(a, b);
        assert_eq!(a[0].reach(), Reach::Url("http://127.0.0.1:8081".into()));
        assert_eq!(a[0].auth_mechanism, "UNAUTHENTICATED");
        assert_eq!(a[1].zk_port, 2181);
        assert_eq!(a[1].how_reached(), "zk zk1:2181,zk2:2181/aurora/scheduler");
        let e = a[1].url().unwrap_err();
        assert!(e.contains("its leader must be looked up"), "{e}");
        assert!(
            e.contains("zk1:2181,zk2:2181") && e.contains("/aurora/scheduler"),
            "{e}"
        );
    }

    #[test]
    fn proxy_url_wins_over_scheduler_uri() {
        let c = parse(
            r#"[{"name": "p", "scheduler_uri": "http://s:8081", "proxy_url": "https://proxy.example",
                 "zk": "z", "zk_port": 2182, "scheduler_zk_path": "/a"}]"#,
            &p("x.json"),
        )
        .unwrap();
        assert_eq!(c[0].url().unwrap(), "https://proxy.example");
        assert_eq!(c[0].zk_port, 2182);
    }

    #[test]
    fn later_file_overrides_same_name_and_missing_files_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let etc = dir.path().join("etc.json");
        let home = dir.path().join("home.json");
        std::fs::write(
            &etc,
            r#"[{"name": "a", "scheduler_uri": "http://etc-a:1"},
                {"name": "b", "scheduler_uri": "http://etc-b:1"}]"#,
        )
        .unwrap();
        std::fs::write(
            &home,
            r#"{"x": {"name": "a", "scheduler_uri": "http://home-a:1"}}"#,
        )
        .unwrap();
        let all =
            Clusters::load_from(&[dir.path().join("missing.json"), etc.clone(), home.clone()])
                .unwrap();
        assert_eq!(all.clusters.len(), 2);
        assert_eq!(all.get("a").unwrap().url().unwrap(), "http://home-a:1");
        assert_eq!(all.get("a").unwrap().source, home);
        assert_eq!(all.get("b").unwrap().source, etc);
        let e = all.get("c").unwrap_err();
        assert!(e.contains("known clusters: a, b"), "{e}");
    }

    #[test]
    fn missing_name_is_an_error_naming_the_file_and_entry() {
        let e = parse(
            r#"[{"name": "a"}, {"scheduler_uri": "http://s:1"}]"#,
            &p("c.json"),
        )
        .unwrap_err();
        assert_eq!(e, "c.json: entry 2: missing \"name\"");
        let e = parse(r#"{"k": {"zk": "z"}}"#, &p("c.json")).unwrap_err();
        assert_eq!(e, "c.json: entry \"k\": missing \"name\"");
    }

    #[test]
    fn zk_without_path_is_an_error() {
        let e = parse(r#"[{"name": "w", "zk": "zk1"}]"#, &p("c.json")).unwrap_err();
        assert!(
            e.starts_with("c.json: cluster \"w\": has \"zk\" but no \"scheduler_zk_path\""),
            "{e}"
        );
    }

    #[test]
    fn unknown_keys_are_kept() {
        let c = parse(
            r#"[{"name": "d", "scheduler_uri": "http://s:1", "slave_root": "/var/lib/mesos",
                 "slave_run_directory": "latest", "auth_mechanism": "KERBEROS"}]"#,
            &p("c.json"),
        )
        .unwrap();
        assert_eq!(c[0].extra["slave_root"], Value::from("/var/lib/mesos"));
        assert_eq!(c[0].extra["slave_run_directory"], Value::from("latest"));
        assert_eq!(c[0].auth_mechanism, "KERBEROS");
    }

    #[test]
    fn bad_json_and_bad_values_are_explained() {
        let e = parse("[{\"name\": ", &p("c.json")).unwrap_err();
        assert!(e.starts_with("c.json: not valid JSON: "), "{e}");
        let e = parse("42", &p("c.json")).unwrap_err();
        assert!(e.contains("must be a JSON list"), "{e}");
        let e = parse(r#"[{"name": "a", "zk_port": "x"}]"#, &p("c.json")).unwrap_err();
        assert!(e.contains("\"zk_port\" must be a port number"), "{e}");
        let e = parse(
            r#"[{"name": "a", "scheduler_uri": "s:8081"}]"#,
            &p("c.json"),
        )
        .unwrap_err();
        assert!(e.contains("not an http:// or https:// URL"), "{e}");
    }

    #[test]
    fn default_paths_follow_aurora() {
        assert_eq!(
            paths(None, Some("/home/u".into())),
            vec![
                p("/etc/aurora/clusters.json"),
                p("/home/u/.aurora/clusters.json")
            ]
        );
        assert_eq!(
            paths(Some("/cfg".into()), None),
            vec![p("/cfg/clusters.json")]
        );
    }
}
