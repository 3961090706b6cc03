//! The Engine reads a Swarm console needs, each one GET (bounded, see `client`).

use bollard::models::{Node, Service, Task};

use crate::swarm::client::{SwarmClient, SwarmError};

/// A name or id as one path segment: anything outside the Engine's name alphabet is escaped,
/// so a name can never reach another endpoint. `.`, `..` and the empty name would be dot
/// segments (URLs resolve them, escaped or not): no object has such a name.
pub fn segment(s: &str) -> Result<String, SwarmError> {
    if matches!(s, "" | "." | "..") {
        return Err(SwarmError::NotFound(format!("{s:?}")));
    }
    Ok(escape(s))
}

fn escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `filters={"KEY":["VALUE"]}`, URL-encoded.
fn filter(key: &str, value: &str) -> String {
    let json = serde_json::json!({ key: [value] }).to_string();
    format!("filters={}", escape(&json))
}

impl SwarmClient {
    /// Every service with its running/desired task counts (`?status=true`).
    pub async fn services(&self) -> Result<Vec<Service>, SwarmError> {
        self.get_json("/services?status=true").await
    }

    /// Every service as the Engine's JSON (which keeps PreviousSpec, dropped by bollard's
    /// model): the updates list diffs and counts from it.
    pub async fn services_json(&self) -> Result<Vec<serde_json::Value>, SwarmError> {
        self.get_json("/services").await
    }

    /// One service by name or id, typed and as the Engine's JSON (which keeps PreviousSpec).
    pub async fn service(&self, name: &str) -> Result<(Service, serde_json::Value), SwarmError> {
        let raw: serde_json::Value = self
            .get_json(&format!("/services/{}", segment(name)?))
            .await
            .map_err(|e| match e {
                SwarmError::NotFound(_) => SwarmError::NotFound(format!("service {name}")),
                e => e,
            })?;
        let typed = serde_json::from_value(raw.clone())
            .map_err(|e| SwarmError::Other(format!("service {name}: {e}")))?;
        Ok((typed, raw))
    }

    /// The retained tasks of one service (by id: a name filter would also match prefixes).
    pub async fn tasks_of(&self, service_id: &str) -> Result<Vec<Task>, SwarmError> {
        self.get_json(&format!("/tasks?{}", filter("service", service_id)))
            .await
    }

    /// Every retained task in the swarm (node task counts, triage).
    pub async fn all_tasks(&self) -> Result<Vec<Task>, SwarmError> {
        self.get_json("/tasks").await
    }

    pub async fn task(&self, id: &str) -> Result<Task, SwarmError> {
        self.get_json(&format!("/tasks/{}", segment(id)?))
            .await
            .map_err(|e| match e {
                SwarmError::NotFound(_) => SwarmError::NotFound(format!("task {id}")),
                e => e,
            })
    }

    pub async fn nodes(&self) -> Result<Vec<Node>, SwarmError> {
        self.get_json("/nodes").await
    }

    pub async fn node(&self, id: &str) -> Result<Node, SwarmError> {
        self.get_json(&format!("/nodes/{}", segment(id)?))
            .await
            .map_err(|e| match e {
                SwarmError::NotFound(_) => SwarmError::NotFound(format!("node {id}")),
                e => e,
            })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_cannot_leave_their_path_segment() {
        assert_eq!(super::segment("web_1.x-y").unwrap(), "web_1.x-y");
        assert_eq!(super::segment("../nodes?x").unwrap(), "..%2Fnodes%3Fx");
        for dots in ["", ".", ".."] {
            assert!(super::segment(dots).is_err());
        }
        assert_eq!(
            super::filter("service", "abc"),
            "filters=%7B%22service%22%3A%5B%22abc%22%5D%7D"
        );
    }
}
