//! TLS and clusters.json end to end: the `eos` binary against the simulator behind a TLS
//! terminator on 127.0.0.1, with a throwaway certificate authority made here; and
//! `--cluster NAME` / `eos clusters` from a clusters.json in a temporary directory.

use crate::pty_common;
use crate::sim_common;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::{
    self,
    pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer},
};

struct Ca {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl Ca {
    fn new() -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "Eos throwaway test CA");
        let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        Ca { issuer }
    }

    /// A server certificate for `names`, expired when `expired`.
    fn leaf(
        &self,
        names: &[&str],
        expired: bool,
    ) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
        let mut params =
            CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .unwrap();
        params.distinguished_name.push(DnType::CommonName, names[0]);
        if expired {
            params.not_before = rcgen::date_time_ymd(2001, 1, 1);
            params.not_after = rcgen::date_time_ymd(2002, 1, 1);
        }
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        (
            cert.der().clone(),
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
    }

    fn write_pem(&self, dir: &Path) -> PathBuf {
        let p = dir.join("ca.pem");
        std::fs::write(&p, self.issuer.pem()).unwrap();
        p
    }
}

/// A TLS terminator on 127.0.0.1 in front of `backend`; failed handshakes are dropped.
async fn tls_front(
    cert: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
    backend: SocketAddr,
) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert], key)
    .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut plain) = TcpStream::connect(backend).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    (addr, task)
}

/// Runs `eos ARGS` with a HOME and AURORA_CONFIG_ROOT of its own (no netrc, no user config).
async fn eos(home: &Path, args: &[&str]) -> Output {
    let home = home.to_path_buf();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_eos"))
            .args(&args)
            .env("HOME", &home)
            .env("AURORA_CONFIG_ROOT", home.join("etc"))
            .env("XDG_CONFIG_HOME", home.join("xdg"))
            .env("XDG_STATE_HOME", home.join("state"))
            .stdin(std::process::Stdio::null())
            .env_remove("EOS_SCHEDULER")
            .env_remove("NETRC")
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn sim_addr(server: &eos::sim::SimServer) -> SocketAddr {
    server.url().trim_start_matches("http://").parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_scheduler_trusted_with_ca_cert_and_explained_without() {
    let (server, _sim) = sim_common::start(sim_common::frozen()).await;
    let ca = Ca::new();
    let dir = tempfile::tempdir().unwrap();
    let ca_pem = ca.write_pem(dir.path());
    let ca_pem = ca_pem.to_str().unwrap();
    let (cert, key) = ca.leaf(&["127.0.0.1", "localhost"], false);
    let (front, task) = tls_front(cert, key, sim_addr(&server)).await;
    let url = format!("https://127.0.0.1:{}", front.port());

    // Over plain HTTP first, for the expected output.
    let plain = eos(dir.path(), &["get", "roles", "--scheduler", &server.url()]).await;
    assert!(plain.status.success(), "{:?}", text(&plain));

    let ok = eos(
        dir.path(),
        &["get", "roles", "--scheduler", &url, "--ca-cert", ca_pem],
    )
    .await;
    let (out, err) = text(&ok);
    assert!(ok.status.success(), "stdout {out}\nstderr {err}");
    assert_eq!(out, text(&plain).0, "same roles over TLS");

    let untrusted = eos(dir.path(), &["get", "roles", "--scheduler", &url]).await;
    let (_, err) = text(&untrusted);
    assert!(!untrusted.status.success());
    assert!(
        err.contains("the scheduler's TLS certificate is not trusted (unknown issuer)")
            && err.contains("--ca-cert FILE"),
        "{err}"
    );

    // The same CA file given for a plain-HTTP scheduler does no harm.
    let o = eos(
        dir.path(),
        &[
            "get",
            "roles",
            "--scheduler",
            &server.url(),
            "--ca-cert",
            ca_pem,
        ],
    )
    .await;
    assert!(o.status.success(), "{:?}", text(&o));
    task.abort();
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificate_for_another_name_or_expired_is_explained() {
    let (server, _sim) = sim_common::start(sim_common::frozen()).await;
    let ca = Ca::new();
    let dir = tempfile::tempdir().unwrap();
    let ca_pem = ca.write_pem(dir.path());
    let ca_pem = ca_pem.to_str().unwrap();

    let (cert, key) = ca.leaf(&["aurora.example.com"], false);
    let (front, task) = tls_front(cert, key, sim_addr(&server)).await;
    let url = format!("https://127.0.0.1:{}", front.port());
    let o = eos(
        dir.path(),
        &["get", "roles", "--scheduler", &url, "--ca-cert", ca_pem],
    )
    .await;
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(
        err.contains("the scheduler's TLS certificate is for another host name")
            && err.contains("the certificate is for aurora.example.com;"),
        "{err}"
    );
    task.abort();

    let (cert, key) = ca.leaf(&["127.0.0.1"], true);
    let (front, task) = tls_front(cert, key, sim_addr(&server)).await;
    let url = format!("https://127.0.0.1:{}", front.port());
    let o = eos(
        dir.path(),
        &["get", "roles", "--scheduler", &url, "--ca-cert", ca_pem],
    )
    .await;
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(
        err.contains("the scheduler's TLS certificate has expired"),
        "{err}"
    );
    task.abort();

    // https:// to a plain-HTTP scheduler.
    let url = server.url().replace("http://", "https://");
    let o = eos(dir.path(), &["get", "roles", "--scheduler", &url]).await;
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(err.contains("TLS"), "{err}");
    server.shutdown().await;
}

/// A self-signed certificate as plain `openssl req -x509` makes it (CA:TRUE), presented by the
/// scheduler and given to --ca-cert: refused (webpki's CaUsedAsEndEntity), explained in words.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ca_certificate_used_as_the_server_certificate_is_explained() {
    let (server, _sim) = sim_common::start(sim_common::frozen()).await;
    let dir = tempfile::tempdir().unwrap();
    let mut params = CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(DnType::CommonName, "127.0.0.1");
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    let pem = dir.path().join("self.pem");
    std::fs::write(&pem, cert.pem()).unwrap();
    let (front, task) = tls_front(
        cert.der().clone(),
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        sim_addr(&server),
    )
    .await;
    let url = format!("https://127.0.0.1:{}", front.port());
    let o = eos(
        dir.path(),
        &[
            "get",
            "roles",
            "--scheduler",
            &url,
            "--ca-cert",
            pem.to_str().unwrap(),
        ],
    )
    .await;
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(
        !err.contains("CaUsedAsEndEntity"),
        "no raw debug string: {err}"
    );
    assert!(
        err.contains("is a certificate authority's (CA:TRUE), not a server certificate")
            && err.contains("CA:FALSE")
            && err.contains("--ca-cert FILE"),
        "{err}"
    );
    task.abort();
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_ca_cert_file_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate\n").unwrap();
    let o = eos(
        dir.path(),
        &[
            "get",
            "roles",
            "--scheduler",
            "https://127.0.0.1:1",
            "--ca-cert",
            junk.to_str().unwrap(),
        ],
    )
    .await;
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(
        err.contains("--ca-cert") && err.contains("junk.pem"),
        "{err}"
    );
    let missing = dir.path().join("missing.pem");
    let o = eos(
        dir.path(),
        &[
            "get",
            "roles",
            "--scheduler",
            "https://127.0.0.1:1",
            "--ca-cert",
            missing.to_str().unwrap(),
        ],
    )
    .await;
    let (_, err) = text(&o);
    assert!(err.contains("missing.pem: cannot read"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_flag_reaches_direct_url_clusters_and_explains_the_rest() {
    let (server, _sim) = sim_common::start(sim_common::frozen()).await;
    let ca = Ca::new();
    let dir = tempfile::tempdir().unwrap();
    let ca_pem = ca.write_pem(dir.path());
    let ca_pem = ca_pem.to_str().unwrap();
    let (cert, key) = ca.leaf(&["127.0.0.1"], false);
    let (front, task) = tls_front(cert, key, sim_addr(&server)).await;

    // /etc-like file (AURORA_CONFIG_ROOT) as a list, ~/.aurora as an object overriding "dev".
    std::fs::create_dir_all(dir.path().join("etc")).unwrap();
    std::fs::create_dir_all(dir.path().join(".aurora")).unwrap();
    let etc = serde_json::json!([
        {"name": "dev", "scheduler_uri": "http://127.0.0.1:1"},
        {"name": "west", "zk": "zk1.example,zk2.example", "scheduler_zk_path": "/aurora/scheduler"},
        {"name": "secure", "scheduler_uri": format!("https://127.0.0.1:{}", front.port()),
         "auth_mechanism": "UNAUTHENTICATED", "slave_root": "/var/lib/mesos"}
    ]);
    let home = serde_json::json!({
        "dev": {"name": "dev", "scheduler_uri": "http://127.0.0.1:1",
                "proxy_url": server.url()}
    });
    std::fs::write(dir.path().join("etc/clusters.json"), etc.to_string()).unwrap();
    std::fs::write(dir.path().join(".aurora/clusters.json"), home.to_string()).unwrap();

    let o = eos(dir.path(), &["clusters"]).await;
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("NAME"), "{out}");
    assert!(
        lines[1].starts_with("dev ")
            && lines[1].contains(&server.url())
            && lines[1].contains(".aurora/clusters.json"),
        "{out}"
    );
    assert!(
        lines[3].starts_with("west ")
            && lines[3].contains("zk zk1.example:2181,zk2.example:2181/aurora/scheduler")
            && lines[3].contains("etc/clusters.json"),
        "{out}"
    );

    let plain = eos(dir.path(), &["get", "roles", "--scheduler", &server.url()]).await;
    let o = eos(dir.path(), &["get", "roles", "--cluster", "dev"]).await;
    assert!(o.status.success(), "{:?}", text(&o));
    assert_eq!(text(&o).0, text(&plain).0);

    let o = eos(
        dir.path(),
        &["get", "roles", "--cluster", "secure", "--ca-cert", ca_pem],
    )
    .await;
    assert!(o.status.success(), "{:?}", text(&o));
    assert_eq!(text(&o).0, text(&plain).0);

    // A ZooKeeper cluster whose ensemble is down (a closed loopback port; tests/zk.rs has
    // the real ZooKeeper): the lookup fails at once, naming the servers.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let zk_port = closed.local_addr().unwrap().port();
    drop(closed);
    let mut etc = etc;
    etc.as_array_mut().unwrap().push(serde_json::json!(
        {"name": "down", "zk": "127.0.0.1", "zk_port": zk_port,
         "scheduler_zk_path": "/aurora/scheduler"}
    ));
    std::fs::write(dir.path().join("etc/clusters.json"), etc.to_string()).unwrap();
    let o = eos(dir.path(), &["--cluster", "down", "get", "roles"]).await;
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(
        err.contains(&format!("ZooKeeper 127.0.0.1:{zk_port} unreachable")),
        "{err}"
    );

    // The console says the same, before it needs a terminal.
    let o = eos(dir.path(), &["--cluster", "down"]).await;
    assert!(!o.status.success());
    assert!(
        text(&o)
            .1
            .contains(&format!("ZooKeeper 127.0.0.1:{zk_port} unreachable")),
        "{:?}",
        text(&o)
    );

    let o = eos(dir.path(), &["get", "roles", "--cluster", "east"]).await;
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(
        err.contains("known clusters: dev, down, secure, west"),
        "{err}"
    );

    let o = eos(
        dir.path(),
        &[
            "get",
            "roles",
            "--cluster",
            "dev",
            "--scheduler",
            "http://x",
        ],
    )
    .await;
    assert!(!o.status.success());
    assert!(text(&o).1.contains("cannot be used with"), "{:?}", text(&o));

    // A broken file is reported with its name and the reason.
    std::fs::write(
        dir.path().join(".aurora/clusters.json"),
        "[{\"zk\": \"z\"}]",
    )
    .unwrap();
    let o = eos(dir.path(), &["clusters"]).await;
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(
        err.contains(".aurora/clusters.json: entry 1: missing \"name\""),
        "{err}"
    );
    task.abort();
    server.shutdown().await;
}

/// The whole real-cluster path at once: a cluster of clusters.json reached over https, its CA
/// given per cluster in Eos's config (`[clusters.NAME] ca_cert`, relative to the config file),
/// and a kill from the console authenticated with HTTP Basic from `~/.netrc`; then the same
/// kill without credentials is refused with a notice saying how to give them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_cluster_with_its_own_ca_and_basic_auth_from_netrc() {
    use pty_common::Console;
    use std::time::Duration;
    let mut args = sim_common::frozen();
    args.auth = Some("alice:secret".into());
    let (server, _sim) = sim_common::start(args).await;
    let ca = Ca::new();
    let (cert, key) = ca.leaf(&["127.0.0.1"], false);
    let (front, task) = tls_front(cert, key, sim_addr(&server)).await;
    let url = format!("https://127.0.0.1:{}", front.port());

    let home = tempfile::tempdir().unwrap();
    let etc = home.path().join("etc");
    std::fs::create_dir_all(&etc).unwrap();
    std::fs::write(
        etc.join("clusters.json"),
        serde_json::json!({"secure": {"name": "secure", "scheduler_uri": url}}).to_string(),
    )
    .unwrap();
    let conf = home.path().join("xdg/eos");
    std::fs::create_dir_all(&conf).unwrap();
    ca.write_pem(&conf);
    std::fs::write(
        conf.join("config.toml"),
        "[clusters.secure]\nca_cert = \"ca.pem\"\n",
    )
    .unwrap();
    let netrc = home.path().join(".netrc");
    std::fs::write(&netrc, "machine 127.0.0.1 login alice password secret\n").unwrap();

    let o = eos(home.path(), &["get", "roles", "--cluster", "secure"]).await;
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(text(&o).0.contains("www-data"), "{:?}", text(&o));
    // --ca-cert beats the cluster's file; a cluster's missing file is named with its section.
    let wrong = eos(
        home.path(),
        &[
            "get",
            "roles",
            "--cluster",
            "secure",
            "--ca-cert",
            "/nonexistent/ca.pem",
        ],
    )
    .await;
    assert!(!wrong.status.success());
    assert!(
        text(&wrong)
            .1
            .contains("--ca-cert /nonexistent/ca.pem: cannot read"),
        "{:?}",
        text(&wrong)
    );
    std::fs::rename(conf.join("ca.pem"), conf.join("moved.pem")).unwrap();
    let missing = eos(home.path(), &["get", "roles", "--cluster", "secure"]).await;
    assert!(!missing.status.success());
    assert!(
        text(&missing).1.contains("[clusters.secure] ca_cert: ")
            && text(&missing).1.contains("ca.pem: cannot read"),
        "{:?}",
        text(&missing)
    );
    std::fs::rename(conf.join("moved.pem"), conf.join("ca.pem")).unwrap();

    let h = home.path().to_owned();
    tokio::task::spawn_blocking(move || {
        let wait = Duration::from_secs(30);
        // Kills the first instance still RUNNING.
        let kill_first = |con: &mut Console| {
            con.wait_text("www-data", wait);
            con.send(b":job www-data/prod/image-resizer\r");
            // The tasks table itself (its INST column), not another view of six rows: the
            // filter typed next must reach the tasks, not the screen `:job` leaves.
            con.wait_for("the job's tasks", wait, |s| {
                s.contains("6 rows")
                    && s.contains("INST")
                    && pty_common::header(s).contains("s ago")
            });
            con.send(b"/RUNNING\r");
            con.wait_for("the job's tasks, fresh", wait, |s| {
                pty_common::header(s).contains("s ago")
                    && pty_common::selected_row(s).is_some_and(|r| r.contains("RUNNING"))
            });
            con.send(b"\x0b");
            con.wait_text("[ Cancel ]", wait);
            con.send(b"\x1b[C");
            pty_common::wait_focus(con, "Kill 1 instance");
            con.enter();
        };
        let env_for = |home: &Path| {
            vec![
                ("HOME".to_owned(), home.display().to_string()),
                (
                    "AURORA_CONFIG_ROOT".to_owned(),
                    h.join("etc").display().to_string(),
                ),
                (
                    "XDG_CONFIG_HOME".to_owned(),
                    h.join("xdg").display().to_string(),
                ),
                (
                    "XDG_STATE_HOME".to_owned(),
                    h.join("state").display().to_string(),
                ),
            ]
        };
        let env = env_for(&h);
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let mut con = Console::spawn_env(&["--cluster", "secure"], &env);
        kill_first(&mut con);
        con.wait_text("killTasks: OK", wait);
        drop(con);

        // A HOME without .netrc: the scheduler's 401 becomes a notice, nothing is retried.
        let bare = tempfile::tempdir().unwrap();
        let env = env_for(bare.path());
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let mut con = Console::spawn_env(&["--cluster", "secure"], &env);
        kill_first(&mut con);
        con.wait_for("the credentials notice", wait, |s| {
            s.contains("killTasks needs credentials") && s.contains("Credentials tried")
        });
    })
    .await
    .unwrap();
    let log = std::fs::read_to_string(home.path().join("state/eos/audit.log")).unwrap();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Both attempts are recorded: the authenticated kill, and the refused one (sent once).
    assert_eq!(lines.len(), 2, "{log}");
    assert_eq!(lines[0]["method"], "killTasks");
    assert_eq!(lines[0]["response_code"], "OK");
    assert_eq!(lines[0]["cluster"], "secure");
    assert_eq!(lines[1]["response_code"], "HTTP_401");
    task.abort();
    server.shutdown().await;
}

/// A KERBEROS cluster in a build without the `kerberos` feature: reads work, with a warning
/// that names the missing feature.
#[cfg(not(feature = "kerberos"))]
#[tokio::test]
async fn a_kerberos_cluster_without_the_feature_warns_and_reads() {
    let (server, _sim) = sim_common::start(sim_common::frozen()).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("etc")).unwrap();
    let etc = serde_json::json!([
        {"name": "krb", "scheduler_uri": server.url(), "auth_mechanism": "KERBEROS"}
    ]);
    std::fs::write(dir.path().join("etc/clusters.json"), etc.to_string()).unwrap();
    let o = eos(dir.path(), &["get", "roles", "--cluster", "krb"]).await;
    let (_, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("uses Kerberos, but this eos was built without the `kerberos` feature"),
        "{err}"
    );
}
