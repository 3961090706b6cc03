//! Why `eos get` failed, and the exit code a script sees for it. The codes are the aurora
//! CLI's own (apache/aurora `client/cli/__init__.py`), so scripts written for `aurora job …`
//! tell failures apart the same way. The mapping lives here and nowhere else.

use crate::aurora::client::{AuroraClient, ClientError, TransportKind};
use crate::aurora::model::JobKey;

pub const EXIT_OK: i32 = 0;
/// clap's own code for a bad command line (argparse's, as the aurora CLI has).
pub const EXIT_USAGE: i32 = 2;
pub const EXIT_INVALID_PARAMETER: i32 = 6;
pub const EXIT_NETWORK_ERROR: i32 = 7;
pub const EXIT_TIMEOUT: i32 = 9;
pub const EXIT_API_ERROR: i32 = 10;
pub const EXIT_UNKNOWN_ERROR: i32 = 20;
pub const EXIT_AUTH_ERROR: i32 = 30;
pub const EXIT_INTERRUPTED: i32 = 130;

/// A failed `eos get`, by the class a script can act on.
#[derive(Debug)]
pub enum GetError {
    /// The command line cannot mean anything (a malformed key): exit 2, as clap's own errors.
    Usage(String),
    /// The role, job, task or update named does not exist: exit 6.
    NotFound(String),
    /// The scheduler call failed; the text is the error explained for a person.
    Client { error: ClientError, text: String },
    /// Anything else (config file, clusters.json, ZooKeeper): exit 20.
    Other(String),
    /// A server other than the scheduler (a Thermos observer) cannot be reached: exit 7.
    Unreachable(String),
}

impl From<String> for GetError {
    fn from(s: String) -> Self {
        GetError::Other(s)
    }
}

impl GetError {
    pub fn client(client: &AuroraClient, error: ClientError) -> Self {
        let text = error.explained(client.config());
        GetError::Client { error, text }
    }

    pub fn exit_code(&self) -> i32 {
        match self {
            GetError::Usage(_) => EXIT_USAGE,
            GetError::NotFound(_) => EXIT_INVALID_PARAMETER,
            GetError::Other(_) => EXIT_UNKNOWN_ERROR,
            GetError::Unreachable(_) => EXIT_NETWORK_ERROR,
            GetError::Client { error, .. } => client_exit_code(error),
        }
    }

    pub fn message(&self) -> &str {
        match self {
            GetError::Usage(m)
            | GetError::NotFound(m)
            | GetError::Other(m)
            | GetError::Unreachable(m) => m,
            GetError::Client { text, .. } => text,
        }
    }
}

/// The exit code of a failed scheduler call.
pub fn client_exit_code(e: &ClientError) -> i32 {
    if e.is_auth() || matches!(e, ClientError::Http { status: 403, .. }) {
        return EXIT_AUTH_ERROR;
    }
    match e {
        ClientError::Transport {
            kind: TransportKind::Timeout,
            ..
        } => EXIT_TIMEOUT,
        ClientError::Transport { .. } => EXIT_NETWORK_ERROR,
        // The scheduler answered and said no: a response code other than OK, or an HTTP
        // status from the scheduler (503 no leader, 500, 404 no API here).
        ClientError::Api { .. } | ClientError::Http { .. } => EXIT_API_ERROR,
        _ => EXIT_UNKNOWN_ERROR,
    }
}

/// What names the cluster in "no job … on CLUSTER": `--cluster`, else the scheduler's own
/// ServerInfo name, else its URL.
pub fn cluster_label(given: Option<&str>, server: Option<&str>, url: &str) -> String {
    given
        .or(server.filter(|s| !s.is_empty()))
        .map(str::to_owned)
        .unwrap_or_else(|| url.to_owned())
}

/// Whether `role` has any job, from the scheduler's roles list.
pub async fn role_exists(
    client: &AuroraClient,
    role: &str,
) -> Result<(bool, Option<String>), GetError> {
    let reply = client
        .get_role_summary()
        .await
        .map_err(|e| GetError::client(client, e))?;
    let server = reply
        .server_info
        .as_ref()
        .and_then(|s| s.cluster_name.clone());
    let known = reply.value.iter().any(|r| r.role.as_deref() == Some(role));
    Ok((known, server))
}

/// Whether `job` exists, from its role's job summaries (any task state, and cron jobs).
pub async fn job_exists(
    client: &AuroraClient,
    job: &JobKey,
) -> Result<(bool, Option<String>), GetError> {
    let reply = client
        .get_job_summary(Some(job.role()))
        .await
        .map_err(|e| GetError::client(client, e))?;
    let server = reply
        .server_info
        .as_ref()
        .and_then(|s| s.cluster_name.clone());
    let known = reply
        .value
        .iter()
        .any(|j| j.job.as_ref().and_then(|c| c.key.as_ref()) == Some(job));
    Ok((known, server))
}
