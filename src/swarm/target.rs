//! Which Docker Engine `--docker[=URL]` (or a `[clusters.NAME] docker = "URL"`) means, decided
//! from the flag, the environment and the docker CLI's own files, as the docker CLI decides:
//! an explicit URL, else `DOCKER_HOST`, else the current docker context, else the local socket.
//! Pure over `DockerEnv`, so every branch is tested without touching the real environment.

use std::path::{Path, PathBuf};

pub const DEFAULT_SOCKET: &str = "unix:///var/run/docker.sock";

/// How to reach an Engine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// `unix:///path/to/docker.sock`
    Unix(PathBuf),
    /// `tcp://HOST:PORT` in plain http.
    Tcp(String),
    /// `tcp://HOST:PORT` with TLS: ca.pem, cert.pem and key.pem in `certs`.
    TcpTls { addr: String, certs: PathBuf },
}

impl Endpoint {
    /// The URL as the operator would write it, for messages and the audit log.
    pub fn url(&self) -> String {
        match self {
            Endpoint::Unix(p) => format!("unix://{}", p.display()),
            Endpoint::Tcp(a) | Endpoint::TcpTls { addr: a, .. } => format!("tcp://{a}"),
        }
    }
}

/// What the decision reads from the environment.
#[derive(Clone, Debug, Default)]
pub struct DockerEnv {
    pub docker_host: Option<String>,
    pub docker_context: Option<String>,
    /// `DOCKER_CONFIG`, else `~/.docker`.
    pub config_dir: Option<PathBuf>,
    pub tls_verify: bool,
    pub cert_path: Option<PathBuf>,
}

impl DockerEnv {
    /// The process's environment.
    pub fn from_process() -> DockerEnv {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let config_dir = var("DOCKER_CONFIG")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".docker")));
        DockerEnv {
            docker_host: var("DOCKER_HOST"),
            docker_context: var("DOCKER_CONTEXT"),
            tls_verify: var("DOCKER_TLS_VERIFY").is_some_and(|v| v != "0"),
            cert_path: var("DOCKER_CERT_PATH").map(PathBuf::from),
            config_dir,
        }
    }

    /// Where TLS client files live when `DOCKER_TLS_VERIFY` is set: `DOCKER_CERT_PATH`, else
    /// the docker config directory.
    fn certs(&self) -> PathBuf {
        self.cert_path
            .clone()
            .or_else(|| self.config_dir.clone())
            .unwrap_or_else(|| PathBuf::from(".docker"))
    }
}

/// The Engine for `--docker` given as `flag` (empty: bare `--docker`).
pub fn resolve(flag: &str, env: &DockerEnv) -> Result<Endpoint, String> {
    if !flag.is_empty() {
        return parse(flag, env.tls_verify.then(|| env.certs()));
    }
    if let Some(host) = &env.docker_host {
        return parse(host, env.tls_verify.then(|| env.certs()));
    }
    if let Some(found) = current_context(env)? {
        return Ok(found);
    }
    parse(DEFAULT_SOCKET, None)
}

/// A URL: `unix://PATH`, `tcp://HOST:PORT` (TLS when `tls` names the certificate directory).
pub fn parse(url: &str, tls: Option<PathBuf>) -> Result<Endpoint, String> {
    if let Some(path) = url.strip_prefix("unix://") {
        if path.is_empty() || !path.starts_with('/') {
            return Err(format!(
                "bad docker URL {url:?}: unix:// needs an absolute socket path"
            ));
        }
        return Ok(Endpoint::Unix(PathBuf::from(path)));
    }
    let addr = url
        .strip_prefix("tcp://")
        .or_else(|| url.strip_prefix("http://"))
        .or_else(|| url.strip_prefix("https://"));
    match addr {
        Some(a) => {
            let a = a.trim_end_matches('/');
            if a.is_empty() || a.contains('/') {
                return Err(format!("bad docker URL {url:?}: use tcp://HOST:PORT"));
            }
            let a = if a.contains(':') {
                a.to_owned()
            } else {
                // The docker CLI's default ports: 2376 with TLS, 2375 without.
                format!("{a}:{}", if tls.is_some() { 2376 } else { 2375 })
            };
            Ok(match tls {
                Some(certs) => Endpoint::TcpTls { addr: a, certs },
                None if url.starts_with("https://") => {
                    return Err(format!(
                        "bad docker URL {url:?}: TLS needs DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH"
                    ));
                }
                None => Endpoint::Tcp(a),
            })
        }
        None if url.starts_with("ssh://") => Err(format!(
            "docker URL {url:?}: ssh:// is not supported; forward the socket (ssh -L) and use unix:// or tcp://"
        )),
        None => Err(format!(
            "bad docker URL {url:?}: use unix:///PATH or tcp://HOST:PORT"
        )),
    }
}

/// The endpoint of the current docker context (`DOCKER_CONTEXT`, else `currentContext` in
/// config.json), or None for the `default` context or none at all. A context is found by its
/// `Name` in contexts/meta/*/meta.json; its TLS files are in contexts/tls/<same dir>/docker.
fn current_context(env: &DockerEnv) -> Result<Option<Endpoint>, String> {
    let Some(dir) = &env.config_dir else {
        return Ok(None);
    };
    let name = match &env.docker_context {
        Some(n) => n.clone(),
        None => {
            let Ok(text) = std::fs::read_to_string(dir.join("config.json")) else {
                return Ok(None);
            };
            let v: serde_json::Value = serde_json::from_str(&text)
                .map_err(|e| format!("{}: {e}", dir.join("config.json").display()))?;
            match v.get("currentContext").and_then(|c| c.as_str()) {
                Some(n) if !n.is_empty() => n.to_owned(),
                _ => return Ok(None),
            }
        }
    };
    if name == "default" {
        return Ok(None);
    }
    let meta = dir.join("contexts").join("meta");
    let entries = std::fs::read_dir(&meta)
        .map_err(|e| format!("docker context {name:?}: {}: {e}", meta.display()))?;
    for entry in entries.flatten() {
        let Ok(text) = std::fs::read_to_string(entry.path().join("meta.json")) else {
            continue;
        };
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        if v.get("Name").and_then(|n| n.as_str()) != Some(name.as_str()) {
            continue;
        }
        let docker = v.pointer("/Endpoints/docker");
        let host = docker
            .and_then(|d| d.get("Host"))
            .and_then(|h| h.as_str())
            .ok_or_else(|| format!("docker context {name:?} has no docker endpoint"))?;
        let skip_verify = docker
            .and_then(|d| d.get("SkipTLSVerify"))
            .and_then(|s| s.as_bool())
            .unwrap_or(false);
        let tls_dir = dir
            .join("contexts")
            .join("tls")
            .join(entry.file_name())
            .join("docker");
        let tls = (!skip_verify && tls_dir.join("ca.pem").exists()).then_some(tls_dir);
        return parse(host, tls).map(Some);
    }
    Err(format!(
        "docker context {name:?} not found in {}",
        meta.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> DockerEnv {
        DockerEnv::default()
    }

    #[test]
    fn an_explicit_url_wins_over_everything() {
        let e = DockerEnv {
            docker_host: Some("tcp://other:2375".into()),
            ..env()
        };
        assert_eq!(
            resolve("unix:///tmp/d.sock", &e),
            Ok(Endpoint::Unix("/tmp/d.sock".into()))
        );
    }

    #[test]
    fn bare_flag_uses_docker_host_then_the_local_socket() {
        let e = DockerEnv {
            docker_host: Some("tcp://10.0.0.1:2375".into()),
            ..env()
        };
        assert_eq!(resolve("", &e), Ok(Endpoint::Tcp("10.0.0.1:2375".into())));
        assert_eq!(
            resolve("", &env()),
            Ok(Endpoint::Unix("/var/run/docker.sock".into()))
        );
    }

    #[test]
    fn tls_variables_select_tls_and_the_cert_directory() {
        let e = DockerEnv {
            docker_host: Some("tcp://swarm.example".into()),
            tls_verify: true,
            cert_path: Some("/certs".into()),
            ..env()
        };
        assert_eq!(
            resolve("", &e),
            Ok(Endpoint::TcpTls {
                addr: "swarm.example:2376".into(),
                certs: "/certs".into()
            })
        );
    }

    #[test]
    fn bad_urls_are_errors_not_guesses() {
        for bad in [
            "unix://",
            "unix://rel.sock",
            "ftp://x",
            "tcp://",
            "tcp://h/p",
            "ssh://h",
        ] {
            assert!(parse(bad, None).is_err(), "{bad}");
        }
        assert!(parse("https://h:1", None).is_err());
    }

    #[test]
    fn the_current_context_is_found_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let meta = dir.path().join("contexts/meta/abc123");
        std::fs::create_dir_all(&meta).unwrap();
        std::fs::write(
            meta.join("meta.json"),
            r#"{"Name":"prod","Endpoints":{"docker":{"Host":"tcp://swarm:2375","SkipTLSVerify":false}}}"#,
        )
        .unwrap();
        std::fs::write(
            dir.path().join("config.json"),
            r#"{"currentContext":"prod"}"#,
        )
        .unwrap();
        let e = DockerEnv {
            config_dir: Some(dir.path().into()),
            ..env()
        };
        assert_eq!(resolve("", &e), Ok(Endpoint::Tcp("swarm:2375".into())));
        // TLS files beside the context make it a TLS endpoint.
        let tls = dir.path().join("contexts/tls/abc123/docker");
        std::fs::create_dir_all(&tls).unwrap();
        std::fs::write(tls.join("ca.pem"), "").unwrap();
        assert_eq!(
            resolve("", &e),
            Ok(Endpoint::TcpTls {
                addr: "swarm:2375".into(),
                certs: tls
            })
        );
        // DOCKER_CONTEXT beats config.json; `default` means the local socket; unknown errs.
        let named = |n: &str| DockerEnv {
            docker_context: Some(n.into()),
            ..e.clone()
        };
        assert_eq!(
            resolve("", &named("default")),
            Ok(Endpoint::Unix("/var/run/docker.sock".into()))
        );
        assert!(resolve("", &named("nope")).unwrap_err().contains("nope"));
    }
}
