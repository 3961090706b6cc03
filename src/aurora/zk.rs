//! One-shot leader discovery through ZooKeeper (Aurora's ServerSet, `aurora-api.md` §1.9):
//! list the `member_*` children of the cluster's `scheduler_zk_path`, take the member with
//! the lowest sequence number (the leader creates it after winning the election; Curator's
//! lock nodes in the same directory are ignored), read its JSON and turn it into the
//! scheduler's base URL, preferring an `https` endpoint, then `http`, then the service
//! endpoint. [`discover`] looks once (`eos get`); [`watch`] follows the leader for the
//! console.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

/// How long to wait for ZooKeeper.
#[derive(Clone, Copy, Debug)]
pub struct ZkTimeouts {
    /// Per connection attempt (TCP connect and idle detection).
    pub connect: Duration,
    /// The session timeout asked of the server; also bounds the whole lookup.
    pub session: Duration,
}

impl Default for ZkTimeouts {
    fn default() -> Self {
        ZkTimeouts {
            connect: Duration::from_secs(3),
            session: Duration::from_secs(6),
        }
    }
}

/// A `host:port` endpoint of a ServerSet entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
}

/// One ServerSet member's data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceInstance {
    pub service_endpoint: Option<Endpoint>,
    pub additional_endpoints: BTreeMap<String, Endpoint>,
    pub status: Option<String>,
}

fn endpoint(v: &Value, what: &str) -> Result<Endpoint, String> {
    let Value::Object(m) = v else {
        return Err(format!("{what} is not an object"));
    };
    let host = match m.get("host") {
        Some(Value::String(h)) if !h.trim().is_empty() => h.trim().to_owned(),
        _ => return Err(format!("{what} has no \"host\" string")),
    };
    let port = m
        .get("port")
        .and_then(Value::as_u64)
        .and_then(|p| u16::try_from(p).ok())
        .filter(|p| *p > 0)
        .ok_or_else(|| format!("{what} has no valid \"port\" (1-65535)"))?;
    Ok(Endpoint { host, port })
}

/// Parses a ServerSet member's data:
/// `{"serviceEndpoint":{"host":H,"port":P},"additionalEndpoints":{"http":{…}},"status":"ALIVE"}`.
pub fn parse_service_instance(data: &[u8]) -> Result<ServiceInstance, String> {
    let text = std::str::from_utf8(data).map_err(|_| "not UTF-8".to_owned())?;
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(m) = v else {
        return Err("not a JSON object".into());
    };
    let service_endpoint = match m.get("serviceEndpoint") {
        None | Some(Value::Null) => None,
        Some(e) => Some(endpoint(e, "serviceEndpoint")?),
    };
    let mut additional_endpoints = BTreeMap::new();
    match m.get("additionalEndpoints") {
        None | Some(Value::Null) => {}
        Some(Value::Object(eps)) => {
            for (name, e) in eps {
                additional_endpoints.insert(
                    name.clone(),
                    endpoint(e, &format!("additionalEndpoints.{name}"))?,
                );
            }
        }
        Some(_) => return Err("additionalEndpoints is not an object".into()),
    }
    let status = m.get("status").and_then(Value::as_str).map(str::to_owned);
    if service_endpoint.is_none() && additional_endpoints.is_empty() {
        return Err("no serviceEndpoint and no additionalEndpoints".into());
    }
    Ok(ServiceInstance {
        service_endpoint,
        additional_endpoints,
        status,
    })
}

impl ServiceInstance {
    /// `https://host:port` from an `https` endpoint, else `http://` from `http`, else
    /// `http://` from the service endpoint.
    pub fn base_url(&self) -> Result<String, String> {
        let (scheme, e) = if let Some(e) = self.additional_endpoints.get("https") {
            ("https", e)
        } else if let Some(e) = self.additional_endpoints.get("http") {
            ("http", e)
        } else if let Some(e) = &self.service_endpoint {
            ("http", e)
        } else {
            return Err(
                "no https, http or service endpoint (only additional endpoints named \
                 otherwise)"
                    .into(),
            );
        };
        let host = if e.host.contains(':') && !e.host.starts_with('[') {
            format!("[{}]", e.host)
        } else {
            e.host.clone()
        };
        Ok(format!("{scheme}://{host}:{}", e.port))
    }
}

/// The `member_<digits>` nodes among `children`, lowest sequence number first (anything else,
/// such as Curator's lock nodes, is ignored). The first is the leader's.
pub fn members(children: &[String]) -> Vec<&str> {
    let mut m: Vec<(u64, &str)> = children
        .iter()
        .filter_map(|c| {
            let seq = c.strip_prefix("member_")?;
            if seq.is_empty() || !seq.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            Some((seq.parse::<u64>().unwrap_or(u64::MAX), c.as_str()))
        })
        .collect();
    m.sort_unstable();
    m.into_iter().map(|(_, c)| c).collect()
}

/// The leader's node among `children`: the `member_` node with the lowest sequence number.
pub fn leader_member(children: &[String]) -> Option<&str> {
    members(children).first().copied()
}

/// `a,b` with port 2181 → `a:2181,b:2181` (hosts that name a port keep theirs).
pub fn connect_string(hosts: &str, port: u16) -> String {
    hosts
        .split(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(|h| {
            if h.contains(':') {
                h.to_owned()
            } else {
                format!("{h}:{port}")
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn join(path: &str, child: &str) -> String {
    format!("{}/{child}", path.trim_end_matches('/'))
}

/// Finds the current leader under `path` on the ZooKeeper ensemble `hosts` (comma-separated,
/// `port` for hosts without one) and returns its base URL (`scheme://host:port`).
pub async fn discover(
    hosts: &str,
    port: u16,
    path: &str,
    timeouts: ZkTimeouts,
) -> Result<String, String> {
    let servers = connect_string(hosts, port);
    let unreachable = |why: String| format!("ZooKeeper {servers} unreachable ({why})");
    // The whole lookup is bounded, whatever the client library does on a silent network.
    let limit = timeouts.connect + timeouts.session;
    match tokio::time::timeout(limit, lookup(&servers, path, timeouts)).await {
        Ok(Ok(url)) => Ok(url),
        Ok(Err(Failure::Connect(why))) => Err(unreachable(why)),
        Ok(Err(Failure::Other(e))) => Err(e),
        Err(_) => Err(unreachable(format!(
            "no answer within {} s",
            limit.as_secs_f64()
        ))),
    }
}

enum Failure {
    Connect(String),
    Other(String),
}

/// What ZooKeeper says about the leader right now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LeaderView {
    /// The leader's base URL (`scheme://host:port`).
    Leader(String),
    /// ZooKeeper answers, but no scheduler is registered (or its data is unusable): why.
    NoLeader(String),
    /// ZooKeeper itself cannot be reached: why (`connection lost`, …). The last leader may
    /// still be serving.
    Unreachable(String),
}

/// Reads the leader under `path` once on a connected session.
async fn read_leader(client: &zookeeper_client::Client, path: &str) -> Result<String, Failure> {
    let children = list(client, path).await?;
    leader_of(client, path, children).await
}

async fn list(client: &zookeeper_client::Client, path: &str) -> Result<Vec<String>, Failure> {
    match client.list_children(path).await {
        Ok(c) => Ok(c),
        Err(zookeeper_client::Error::NoNode) => Err(no_path(path)),
        Err(e) => Err(zk_err(&format!("listing {path}"), e)),
    }
}

fn no_path(path: &str) -> Failure {
    Failure::Other(format!("ZooKeeper path {path} does not exist"))
}

fn zk_err(what: &str, e: zookeeper_client::Error) -> Failure {
    use zookeeper_client::Error;
    match e {
        Error::ConnectionLoss | Error::SessionExpired | Error::ClientClosed => {
            Failure::Connect(format!("{what}: {e}"))
        }
        e => Failure::Other(format!("ZooKeeper {what}: {e}")),
    }
}

/// The leader's URL from a listing of `path`: the lowest `member_` whose ServerSet status is
/// ALIVE (or not given). The leader's node can vanish between the listing and the read (a
/// leader change): then list again, a couple of times.
async fn leader_of(
    client: &zookeeper_client::Client,
    path: &str,
    mut children: Vec<String>,
) -> Result<String, Failure> {
    let mut last = String::new();
    'listing: for attempt in 0..3 {
        if attempt > 0 {
            children = list(client, path).await?;
        }
        let members = members(&children);
        if members.is_empty() {
            return Err(Failure::Other(format!(
                "no scheduler registered under {path} (the path exists but has no member_ \
                 node)"
            )));
        }
        let mut not_alive = Vec::new();
        for member in members {
            let node = join(path, member);
            let data = match client.get_data(&node).await {
                Ok((d, _)) => d,
                Err(zookeeper_client::Error::NoNode) => {
                    last = node;
                    continue 'listing;
                }
                Err(e) => return Err(zk_err(&format!("reading {node}"), e)),
            };
            let instance = parse_service_instance(&data)
                .map_err(|e| Failure::Other(format!("bad ServerSet data in {node}: {e}")))?;
            match instance.status.as_deref() {
                None | Some("ALIVE") => {
                    return instance
                        .base_url()
                        .map_err(|e| Failure::Other(format!("bad ServerSet data in {node}: {e}")));
                }
                Some(other) => not_alive.push(format!("{member} is {other}")),
            }
        }
        return Err(Failure::Other(format!(
            "no ALIVE scheduler under {path} ({})",
            not_alive.join(", ")
        )));
    }
    Err(Failure::Other(format!(
        "the leader's node {last} kept disappearing while being read (leader changing?)"
    )))
}

async fn connect(servers: &str, timeouts: ZkTimeouts) -> Result<zookeeper_client::Client, Failure> {
    use zookeeper_client::{Client, Error};
    Client::connector()
        .with_connection_timeout(timeouts.connect)
        .with_session_timeout(timeouts.session)
        .with_readonly(true)
        .with_fail_eagerly()
        .connect(servers)
        .await
        .map_err(|e| {
            Failure::Connect(match e {
                Error::NoHosts => "connection refused or timed out".to_owned(),
                Error::Timeout => "no session within the timeout".to_owned(),
                e => e.to_string(),
            })
        })
}

fn check_path(path: &str) -> Result<(), String> {
    if path.starts_with('/') {
        Ok(())
    } else {
        Err(format!("scheduler_zk_path {path:?} must start with /"))
    }
}

async fn lookup(servers: &str, path: &str, timeouts: ZkTimeouts) -> Result<String, Failure> {
    check_path(path).map_err(Failure::Other)?;
    let client = connect(servers, timeouts).await?;
    read_leader(&client, path).await
}

/// Watches the leader under `path` and sends every change of what ZooKeeper says, starting
/// with the first reading. Runs until the receiver is dropped: it reconnects (with growing
/// pauses, at most 10 s apart) when the ensemble goes away, and re-reads the members when a
/// watch fires or the session comes back, since events during a disconnection can be lost.
pub async fn watch(
    hosts: String,
    port: u16,
    path: String,
    timeouts: ZkTimeouts,
    tx: tokio::sync::watch::Sender<Option<LeaderView>>,
) {
    use zookeeper_client::{EventType, SessionState};
    let servers = connect_string(&hosts, port);
    let unreachable = |why: &str| LeaderView::Unreachable(why.to_owned());
    let publish = |view: LeaderView| {
        tx.send_if_modified(|v| {
            if v.as_ref() == Some(&view) {
                false
            } else {
                *v = Some(view);
                true
            }
        });
    };
    if let Err(e) = check_path(&path) {
        publish(LeaderView::NoLeader(e));
        return;
    }
    let mut pause = Duration::from_millis(500);
    'session: loop {
        if tx.is_closed() {
            return;
        }
        let client = match tokio::time::timeout(
            timeouts.connect + timeouts.session,
            connect(&servers, timeouts),
        )
        .await
        {
            Ok(Ok(c)) => c,
            Ok(Err(Failure::Connect(why) | Failure::Other(why))) => {
                publish(unreachable(&why));
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(10));
                continue;
            }
            Err(_) => {
                publish(unreachable("no answer within the timeout"));
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(10));
                continue;
            }
        };
        pause = Duration::from_millis(500);
        let mut states = client.state_watcher();
        loop {
            // One reading, with a watch set by the listing (or on the path's creation).
            let (view, watcher) = match client.list_and_watch_children(&path).await {
                Ok((children, w)) => {
                    let view = match leader_of(&client, &path, children).await {
                        Ok(url) => LeaderView::Leader(url),
                        Err(Failure::Other(why)) => LeaderView::NoLeader(why),
                        Err(Failure::Connect(why)) => {
                            publish(unreachable(&why));
                            continue 'session;
                        }
                    };
                    (view, w)
                }
                Err(zookeeper_client::Error::NoNode) => {
                    match client.check_and_watch_stat(&path).await {
                        // Created in between: read it at once.
                        Ok((Some(_), _)) => continue,
                        Ok((None, w)) => (
                            LeaderView::NoLeader(format!("ZooKeeper path {path} does not exist")),
                            w,
                        ),
                        Err(e) => {
                            publish(unreachable(&e.to_string()));
                            continue 'session;
                        }
                    }
                }
                Err(e) => {
                    publish(unreachable(&e.to_string()));
                    tokio::time::sleep(pause).await;
                    continue 'session;
                }
            };
            publish(view);
            let changed = watcher.changed();
            tokio::pin!(changed);
            loop {
                tokio::select! {
                    _ = tx.closed() => return,
                    ev = &mut changed => {
                        if ev.event_type == EventType::Session && ev.session_state.is_terminated() {
                            publish(unreachable(&format!("session {}", ev.session_state)));
                            continue 'session;
                        }
                        break;
                    }
                    state = states.changed() => match state {
                        SessionState::Disconnected => publish(unreachable("connection lost")),
                        s if s.is_terminated() => {
                            publish(unreachable(&format!("session {s}")));
                            continue 'session;
                        }
                        // Back: what happened meanwhile may not have been delivered.
                        _ => break,
                    },
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn lowest_member_wins_and_lock_nodes_are_ignored() {
        let c = names(&[
            "_c_1f2e-latch-0000000000",
            "member_0000000012",
            "member_0000000003",
            "member_x",
            "member_",
            "membership",
            "member_0000000100",
        ]);
        assert_eq!(leader_member(&c), Some("member_0000000003"));
        assert_eq!(leader_member(&names(&["_c_abc-lock-0000000001"])), None);
        assert_eq!(leader_member(&[]), None);
    }

    #[test]
    fn https_beats_http_beats_service_endpoint() {
        let s = parse_service_instance(
            br#"{"serviceEndpoint":{"host":"s1","port":8081},
                 "additionalEndpoints":{"http":{"host":"s1","port":8081},
                                        "https":{"host":"s1.example","port":443}},
                 "status":"ALIVE"}"#,
        )
        .unwrap();
        assert_eq!(s.status.as_deref(), Some("ALIVE"));
        assert_eq!(s.base_url().unwrap(), "https://s1.example:443");
        let s = parse_service_instance(
            br#"{"serviceEndpoint":{"host":"s1","port":1},
                 "additionalEndpoints":{"http":{"host":"s2","port":8081}},"status":"ALIVE"}"#,
        )
        .unwrap();
        assert_eq!(s.base_url().unwrap(), "http://s2:8081");
        let s =
            parse_service_instance(br#"{"serviceEndpoint":{"host":"s3","port":8081}}"#).unwrap();
        assert_eq!(s.base_url().unwrap(), "http://s3:8081");
        let s =
            parse_service_instance(br#"{"serviceEndpoint":{"host":"::1","port":8081}}"#).unwrap();
        assert_eq!(s.base_url().unwrap(), "http://[::1]:8081");
    }

    #[test]
    fn bad_data_is_explained() {
        let e = |d: &[u8]| parse_service_instance(d).unwrap_err();
        assert!(e(b"\xff").contains("UTF-8"));
        assert!(e(b"{").starts_with("not JSON"));
        assert_eq!(e(b"[]"), "not a JSON object");
        assert_eq!(e(b"{}"), "no serviceEndpoint and no additionalEndpoints");
        assert_eq!(
            e(br#"{"serviceEndpoint":{"host":"h","port":0}}"#),
            "serviceEndpoint has no valid \"port\" (1-65535)"
        );
        assert_eq!(
            e(br#"{"additionalEndpoints":{"http":{"port":1}}}"#),
            "additionalEndpoints.http has no \"host\" string"
        );
        let s =
            parse_service_instance(br#"{"additionalEndpoints":{"thrift":{"host":"h","port":1}}}"#)
                .unwrap();
        assert!(s.base_url().unwrap_err().contains("no https, http"));
    }

    #[test]
    fn connect_string_adds_the_default_port() {
        assert_eq!(connect_string("a, b:2182,", 2181), "a:2181,b:2182");
    }
}
