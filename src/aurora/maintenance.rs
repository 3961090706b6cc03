//! The scheduler's `GET /maintenance` page: every host in maintenance, by mode. It is the only
//! read that lists them all (`maintenanceStatus` needs the host names, and an admin).
//!
//! The body is `{"DRAINED": [host…], "SCHEDULED": [host…], "DRAINING": {host: [task id…]}}`;
//! a mode with no host may be missing. Hosts not named are in mode NONE.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use super::model::MaintenanceMode;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct MaintenanceHosts {
    pub scheduled: BTreeSet<String>,
    pub drained: BTreeSet<String>,
    /// DRAINING hosts with the ids of the tasks still on them.
    pub draining: BTreeMap<String, Vec<String>>,
}

impl MaintenanceHosts {
    /// Parses the page. Anything but the documented shape is an error saying what was wrong;
    /// unknown top-level keys are ignored.
    pub fn parse(body: &[u8]) -> Result<MaintenanceHosts, String> {
        let v: Value = serde_json::from_slice(body).map_err(|e| {
            let start: String = String::from_utf8_lossy(&body[..body.len().min(60)])
                .chars()
                .filter(|c| !c.is_control())
                .collect();
            format!("not JSON ({e}); the body starts with {start:?}")
        })?;
        let Value::Object(top) = v else {
            return Err(format!("expected a JSON object, got {}", kind(&v)));
        };
        let hosts = |key: &str| -> Result<BTreeSet<String>, String> {
            match top.get(key) {
                None | Some(Value::Null) => Ok(BTreeSet::new()),
                Some(Value::Array(a)) => a
                    .iter()
                    .map(|h| match h {
                        Value::String(s) => Ok(s.clone()),
                        other => Err(format!("{key}: expected host names, got {}", kind(other))),
                    })
                    .collect(),
                Some(other) => Err(format!(
                    "{key}: expected a list of hosts, got {}",
                    kind(other)
                )),
            }
        };
        let scheduled = hosts("SCHEDULED")?;
        let drained = hosts("DRAINED")?;
        let mut draining = BTreeMap::new();
        match top.get("DRAINING") {
            None | Some(Value::Null) => {}
            Some(Value::Object(m)) => {
                for (host, ids) in m {
                    let Value::Array(ids) = ids else {
                        return Err(format!(
                            "DRAINING.{host}: expected a list of task ids, got {}",
                            kind(ids)
                        ));
                    };
                    let ids = ids
                        .iter()
                        .map(|t| match t {
                            Value::String(s) => Ok(s.clone()),
                            other => Err(format!(
                                "DRAINING.{host}: expected task ids, got {}",
                                kind(other)
                            )),
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    draining.insert(host.clone(), ids);
                }
            }
            // Some versions list DRAINING hosts without their tasks.
            Some(Value::Array(a)) => {
                for h in a {
                    match h {
                        Value::String(s) => {
                            draining.insert(s.clone(), Vec::new());
                        }
                        other => {
                            return Err(format!(
                                "DRAINING: expected host names, got {}",
                                kind(other)
                            ));
                        }
                    }
                }
            }
            Some(other) => {
                return Err(format!(
                    "DRAINING: expected an object of host -> task ids, got {}",
                    kind(other)
                ));
            }
        }
        Ok(MaintenanceHosts {
            scheduled,
            drained,
            draining,
        })
    }

    /// The mode of one host (NONE when the page does not name it).
    pub fn mode(&self, host: &str) -> MaintenanceMode {
        if self.draining.contains_key(host) {
            MaintenanceMode::DRAINING
        } else if self.drained.contains(host) {
            MaintenanceMode::DRAINED
        } else if self.scheduled.contains(host) {
            MaintenanceMode::SCHEDULED
        } else {
            MaintenanceMode::NONE
        }
    }

    /// Every host the page names.
    pub fn hosts(&self) -> BTreeSet<&str> {
        self.scheduled
            .iter()
            .chain(&self.drained)
            .chain(self.draining.keys())
            .map(String::as_str)
            .collect()
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_shape_and_missing_modes() {
        let m = MaintenanceHosts::parse(
            br#"{"DRAINED":["c"],"SCHEDULED":["a"],"DRAINING":{"b":["t1","t2"]},"X":1}"#,
        )
        .unwrap();
        assert_eq!(m.mode("a"), MaintenanceMode::SCHEDULED);
        assert_eq!(m.mode("b"), MaintenanceMode::DRAINING);
        assert_eq!(m.mode("c"), MaintenanceMode::DRAINED);
        assert_eq!(m.mode("d"), MaintenanceMode::NONE);
        assert_eq!(m.draining["b"], vec!["t1", "t2"]);
        assert_eq!(m.hosts().len(), 3);
        assert_eq!(
            MaintenanceHosts::parse(b"{}").unwrap(),
            MaintenanceHosts::default()
        );
    }

    #[test]
    fn malformed_bodies_are_errors_not_panics() {
        for (body, says) in [
            (&b"<html>Bad gateway</html>"[..], "not JSON"),
            (b"[1,2]", "expected a JSON object, got a list"),
            (b"{\"DRAINED\":\"a\"}", "DRAINED: expected a list of hosts"),
            (b"{\"SCHEDULED\":[1]}", "SCHEDULED: expected host names"),
            (b"{\"DRAINING\":{\"h\":3}}", "DRAINING.h: expected a list"),
            (b"{\"DRAINING\":{\"h\":[true]}}", "expected task ids"),
            (b"{\"DRAINING\":5}", "DRAINING: expected an object"),
            (b"", "not JSON"),
            (&[0xff, 0xfe, 0x00][..], "not JSON"),
        ] {
            let e = MaintenanceHosts::parse(body).unwrap_err();
            assert!(e.contains(says), "{body:?}: {e}");
        }
    }
}
