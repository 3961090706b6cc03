//! The aurora CLI's job key form, `CLUSTER/ROLE/ENV/NAME`, where a job key is the whole
//! argument of `eos get` (`tasks`, `config`, `updates`, `update`), so a command line moves over
//! from `aurora job status` unchanged. The cluster is taken off the key here; it then names the
//! cluster to reach (looked up in clusters.json, as `--cluster`), or it must agree with the
//! `--cluster` or `--scheduler` given.
//!
//! `get update` also takes `ROLE/ENV/NAME/UPDATE_ID`, four parts like `CLUSTER/ROLE/ENV/NAME`:
//! four parts whose first is a known cluster (clusters.json, or the `--cluster` given) are a
//! cluster and a job; otherwise they are an update key. Five parts are
//! `CLUSTER/ROLE/ENV/NAME/UPDATE_ID`.

use super::get_exit::GetError;

/// What a key argument may be, besides a cluster in front.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// A job key, `ROLE/ENV/NAME` (for `get updates`, else a role).
    Job,
    /// `get update`'s `ROLE/ENV/NAME[/UPDATE_ID]`.
    Update,
}

/// Takes a leading cluster off `key` and returns it; `is_cluster` says whether a name is a
/// known cluster (it decides only `get update`'s four parts).
pub fn take_cluster(
    key: &mut String,
    kind: KeyKind,
    is_cluster: impl Fn(&str) -> bool,
) -> Result<Option<String>, GetError> {
    let parts = key.split('/').count();
    let first = key.split('/').next().unwrap_or_default();
    let has_cluster = match kind {
        KeyKind::Job => parts == 4,
        KeyKind::Update => parts == 5 || (parts == 4 && is_cluster(first)),
    };
    if !has_cluster {
        return Ok(None);
    }
    let (cluster, rest) = key.split_once('/').expect("several parts");
    if cluster.is_empty() {
        return Err(GetError::Usage(format!(
            "bad key {key:?}: the cluster is empty"
        )));
    }
    let (cluster, rest) = (cluster.to_owned(), rest.to_owned());
    *key = rest;
    Ok(Some(cluster))
}

/// How the key's cluster fits the flags: it names the cluster to reach when neither
/// `--cluster` nor `--scheduler` is given, and must be `--cluster`'s otherwise (a
/// `--scheduler`'s own name is checked once it answers, see `check_server`).
pub fn reconcile(key_cluster: &str, flag_cluster: &mut Option<String>) -> Result<(), GetError> {
    match flag_cluster {
        Some(c) if c != key_cluster => Err(GetError::Usage(format!(
            "the key names cluster {key_cluster:?} but --cluster is {c:?}"
        ))),
        Some(_) => Ok(()),
        None => {
            *flag_cluster = Some(key_cluster.to_owned());
            Ok(())
        }
    }
}

/// A key's cluster against the name the `--scheduler` reports for itself (ServerInfo
/// `clusterName`); a scheduler that gives no name cannot disagree.
pub fn check_server(key_cluster: &str, server: Option<&str>) -> Result<(), GetError> {
    match server {
        Some(s) if s != key_cluster => Err(GetError::Usage(format!(
            "the key names cluster {key_cluster:?} but the scheduler is cluster {s:?}"
        ))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(key: &str, known: &[&str]) -> (Option<String>, String) {
        let mut key = key.to_owned();
        let c = take_cluster(&mut key, KeyKind::Update, |n| known.contains(&n)).unwrap();
        (c, key)
    }

    #[test]
    fn four_parts_of_get_update_are_a_cluster_only_when_it_is_known() {
        assert_eq!(
            update("west/www/prod/hello", &["west"]),
            (Some("west".into()), "www/prod/hello".into())
        );
        assert_eq!(
            update("www/prod/hello/abc", &["west"]),
            (None, "www/prod/hello/abc".into())
        );
        assert_eq!(
            update("west/www/prod/hello/abc", &[]),
            (Some("west".into()), "www/prod/hello/abc".into())
        );
        assert_eq!(
            update("www/prod/hello", &["www"]),
            (None, "www/prod/hello".into())
        );
    }

    #[test]
    fn a_flag_cluster_must_agree_with_the_keys() {
        let mut flag = None;
        reconcile("west", &mut flag).unwrap();
        assert_eq!(flag.as_deref(), Some("west"));
        assert!(matches!(
            reconcile("east", &mut flag),
            Err(GetError::Usage(_))
        ));
        assert!(check_server("west", Some("west")).is_ok());
        assert!(matches!(
            check_server("west", Some("east")),
            Err(GetError::Usage(_))
        ));
    }
}
