//! Kerberos (HTTP Negotiate / SPNEGO) against a real MIT KDC from Debian's packages
//! (krb5-kdc, krb5-admin-server, krb5-user), all inside a temporary directory: its own
//! krb5.conf and kdc.conf, a realm EOS.TEST with a user `alice` and the service
//! `HTTP/localhost`, a KDC on 127.0.0.1 (killed on drop), and a scheduler stand-in on
//! 127.0.0.1 that checks each `Authorization: Negotiate` token with gss_accept_sec_context
//! against the service's keytab.
//! Run with `cargo test --features kerberos --test kerberos` (`.ci/run` does).
//!
//! The Kerberos library reads its settings (KRB5_CONFIG, KRB5CCNAME, …) from the process
//! environment, so everything runs in one `#[test]`, one case after the other.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response, StatusCode};

use eos::aurora::client::{AuroraClient, ClientConfig, ClientError};
use eos::aurora::model::*;
use eos::aurora::wire::{MessageType, Protocol};

const REALM: &str = "EOS.TEST";
const ALICE_PASSWORD: &str = "alice-s3cret";

/// A program of the KDC packages, or a failure naming the package to install.
fn program(name: &str, package: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs = std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/bin"].map(PathBuf::from))
        .collect::<Vec<_>>();
    dirs.iter()
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "{name} not found: this test needs MIT Kerberos from Debian's {package} package \
                 (apt-get install krb5-kdc krb5-admin-server krb5-user libkrb5-dev)"
            )
        })
}

/// A realm of its own: configuration, database, keytab and ticket cache in a temporary
/// directory, and a KDC on 127.0.0.1 that is killed on drop.
struct Realm {
    dir: tempfile::TempDir,
    kdc: Option<Child>,
    env: Vec<(&'static str, String)>,
}

impl Drop for Realm {
    fn drop(&mut self) {
        if let Some(mut c) = self.kdc.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A port free on 127.0.0.1 for both TCP and UDP, bound and released (the KDC binds it a
/// moment later; a clash is retried with another).
fn free_port() -> u16 {
    loop {
        let t = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = t.local_addr().unwrap().port();
        if std::net::UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

impl Realm {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn command(&self, program: &Path) -> Command {
        let mut c = Command::new(program);
        c.envs(self.env.iter().map(|(k, v)| (k, v)))
            .current_dir(self.dir.path());
        c
    }

    /// Runs a tool to completion and insists that it succeeded.
    fn run(&self, program: &Path, args: &[&str], stdin: Option<&str>) -> Output {
        use std::io::Write as _;
        let mut child = self
            .command(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
        {
            let mut input = child.stdin.take().unwrap();
            if let Some(s) = stdin {
                input.write_all(s.as_bytes()).unwrap();
            }
        }
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{} {args:?} failed: {}{}",
            program.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    fn start() -> Realm {
        let kdb5_util = program("kdb5_util", "krb5-kdc");
        let krb5kdc = program("krb5kdc", "krb5-kdc");
        let kadmin = program("kadmin.local", "krb5-admin-server");
        program("kinit", "krb5-user");
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().display().to_string();
        let env = vec![
            ("KRB5_CONFIG", format!("{d}/krb5.conf")),
            ("KRB5_KDC_PROFILE", format!("{d}/kdc.conf")),
            ("KRB5CCNAME", format!("FILE:{d}/alice.ccache")),
            ("KRB5_KTNAME", format!("FILE:{d}/http.keytab")),
            // The acceptor's replay cache stays out of /var/tmp.
            ("KRB5RCACHETYPE", "none".to_owned()),
            ("KRB5RCACHEDIR", d.clone()),
        ];
        let mut realm = Realm {
            dir,
            kdc: None,
            env,
        };
        for attempt in 0.. {
            let port = free_port();
            realm.write_config(port);
            if attempt == 0 {
                realm.run(
                    &kdb5_util,
                    &["create", "-s", "-r", REALM, "-P", "master-key-pw"],
                    None,
                );
                let q = |realm: &Realm, query: &str| realm.run(&kadmin, &["-q", query], None);
                q(&realm, &format!("addprinc -pw {ALICE_PASSWORD} alice"));
                q(&realm, "addprinc -randkey HTTP/localhost");
                q(&realm, &format!("ktadd -k {d}/http.keytab HTTP/localhost"));
            }
            let log = std::fs::File::create(realm.path("krb5kdc.out")).unwrap();
            let child = realm
                .command(&krb5kdc)
                .args(["-n", "-r", REALM])
                .stdin(Stdio::null())
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .expect("start krb5kdc");
            realm.kdc = Some(child);
            if realm.wait_for_kdc(port) {
                return realm;
            }
            let _ = realm.kdc.take().map(|mut c| {
                let _ = c.kill();
                c.wait()
            });
            let out = std::fs::read_to_string(realm.path("krb5kdc.out")).unwrap_or_default();
            let log = std::fs::read_to_string(realm.path("kdc.log")).unwrap_or_default();
            assert!(attempt < 3, "krb5kdc did not start:\n{out}\n{log}");
        }
        unreachable!()
    }

    fn write_config(&self, port: u16) {
        let d = self.dir.path().display();
        std::fs::write(
            self.path("krb5.conf"),
            format!(
                "[libdefaults]\n\
                 \x20default_realm = {REALM}\n\
                 \x20dns_lookup_kdc = false\n\
                 \x20dns_lookup_realm = false\n\
                 \x20dns_canonicalize_hostname = false\n\
                 \x20rdns = false\n\
                 \x20udp_preference_limit = 1\n\
                 [realms]\n\
                 \x20{REALM} = {{\n\
                 \x20 kdc = 127.0.0.1:{port}\n\
                 \x20}}\n\
                 [domain_realm]\n\
                 \x20localhost = {REALM}\n"
            ),
        )
        .unwrap();
        std::fs::write(
            self.path("kdc.conf"),
            format!(
                "[kdcdefaults]\n\
                 \x20kdc_listen = 127.0.0.1:{port}\n\
                 \x20kdc_tcp_listen = 127.0.0.1:{port}\n\
                 [realms]\n\
                 \x20{REALM} = {{\n\
                 \x20 database_name = {d}/principal\n\
                 \x20 key_stash_file = {d}/stash\n\
                 \x20 acl_file = {d}/kadm5.acl\n\
                 \x20 kdc_listen = 127.0.0.1:{port}\n\
                 \x20 kdc_tcp_listen = 127.0.0.1:{port}\n\
                 \x20}}\n\
                 [logging]\n\
                 \x20kdc = FILE:{d}/kdc.log\n\
                 \x20admin_server = FILE:{d}/kadmin.log\n\
                 \x20default = FILE:{d}/krb5.log\n"
            ),
        )
        .unwrap();
    }

    /// Waits until the KDC takes TCP connections; false if it exited (its port was taken).
    fn wait_for_kdc(&mut self, port: u16) -> bool {
        for _ in 0..300 {
            if let Some(Ok(Some(_))) = self.kdc.as_mut().map(|c| c.try_wait()) {
                return false;
            }
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    fn kinit(&self, extra: &[&str]) {
        let principal = format!("alice@{REALM}");
        let mut args = extra.to_vec();
        args.push(&principal);
        self.run(
            &program("kinit", "krb5-user"),
            &args,
            Some(&format!("{ALICE_PASSWORD}\n")),
        );
    }

    fn kdestroy(&self) {
        self.run(&program("kdestroy", "krb5-user"), &[], None);
    }
}

/// What the scheduler stand-in saw.
#[derive(Default)]
struct Seen {
    /// The client principal of each accepted token.
    principals: Vec<String>,
    /// Each request's `Authorization` header (None: none sent).
    authorization: Vec<Option<String>>,
    /// Why tokens were refused.
    refusals: Vec<String>,
}

/// A scheduler on 127.0.0.1 that wants a Negotiate token from `allowed` for every call and
/// answers getRoleSummary; stops when dropped.
struct Scheduler {
    addr: SocketAddr,
    seen: Arc<Mutex<Seen>>,
    allowed: Arc<Mutex<String>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Scheduler {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn unauthorized(body: String) -> Response<Full<Bytes>> {
    Response::builder()
        .status(StatusCode::UNAUTHORIZED)
        .header("WWW-Authenticate", "Negotiate")
        .body(Full::new(Bytes::from(body)))
        .unwrap()
}

/// The reply to the call numbered `seq` (the client checks that the number matches).
fn roles_reply(seq: i32) -> Response<Full<Bytes>> {
    let body = Protocol::Binary.encode(
        "getRoleSummary",
        MessageType::Reply,
        seq,
        &ResponseResult {
            success: Some(eos::aurora::model::Response {
                response_code: Some(ResponseCode::OK),
                result: Some(ApiResult::RoleSummaryResult(RoleSummaryResult {
                    summaries: Some(vec![RoleSummary {
                        role: Some("www-data".into()),
                        job_count: Some(1),
                        cron_job_count: Some(0),
                    }]),
                })),
                server_info: None,
                details: None,
            }),
        },
    );
    Response::builder()
        .status(StatusCode::OK)
        .header("Content-Type", Protocol::BINARY_CONTENT_TYPE)
        .body(Full::new(Bytes::from(body)))
        .unwrap()
}

/// Checks a request's token the way the scheduler's SPNEGO filter does.
fn check(auth: Option<&str>, allowed: &str, seen: &Mutex<Seen>, seq: i32) -> Response<Full<Bytes>> {
    let Some(token) = auth.and_then(|a| a.strip_prefix("Negotiate ")) else {
        return unauthorized("no Negotiate token".into());
    };
    let bytes = match base64::engine::general_purpose::STANDARD.decode(token.trim()) {
        Ok(b) => b,
        Err(e) => return unauthorized(format!("token is not base64: {e}")),
    };
    match eos::aurora::kerberos::accept(&bytes) {
        Ok(principal) if principal == allowed => {
            seen.lock().unwrap().principals.push(principal);
            roles_reply(seq)
        }
        Ok(principal) => {
            let why = format!("{principal} may not use this scheduler");
            seen.lock().unwrap().refusals.push(why.clone());
            unauthorized(why)
        }
        Err(e) => {
            seen.lock().unwrap().refusals.push(e.to_string());
            unauthorized(format!("bad token: {e}"))
        }
    }
}

impl Scheduler {
    async fn start() -> Scheduler {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Seen::default()));
        let allowed = Arc::new(Mutex::new(format!("alice@{REALM}")));
        let (s2, a2) = (seen.clone(), allowed.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (seen, allowed) = (s2.clone(), a2.clone());
                tokio::spawn(async move {
                    let svc =
                        hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                            let (seen, allowed) = (seen.clone(), allowed.clone());
                            async move {
                                let auth = req
                                    .headers()
                                    .get("authorization")
                                    .and_then(|v| v.to_str().ok())
                                    .map(str::to_owned);
                                let body = req
                                    .into_body()
                                    .collect()
                                    .await
                                    .map(|b| b.to_bytes())
                                    .unwrap_or_default();
                                let seq = Protocol::Binary
                                    .decode_header(&body)
                                    .map(|h| h.seq)
                                    .unwrap_or(0);
                                seen.lock().unwrap().authorization.push(auth.clone());
                                let allowed = allowed.lock().unwrap().clone();
                                // gss_accept_sec_context reads the keytab: off the async threads.
                                let reply = tokio::task::spawn_blocking(move || {
                                    check(auth.as_deref(), &allowed, &seen, seq)
                                })
                                .await
                                .unwrap();
                                Ok::<_, Infallible>(reply)
                            }
                        });
                    let io = hyper_util::rt::TokioIo::new(stream);
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(io, svc)
                        .await;
                });
            }
        });
        Scheduler {
            addr,
            seen,
            allowed,
            task,
        }
    }

    /// The URL by the name the service principal was made for: HTTP/localhost.
    fn url(&self) -> String {
        format!("http://localhost:{}", self.addr.port())
    }

    fn take(&self) -> Seen {
        std::mem::take(&mut *self.seen.lock().unwrap())
    }
}

/// A scheduler that is not the leader: it redirects every call to `to` (checking nothing)
/// and records the Authorization headers it got.
async fn redirector(to: String) -> (SocketAddr, Arc<Mutex<Vec<Option<String>>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s2 = seen.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (to, seen) = (to.clone(), s2.clone());
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                    let (to, seen) = (to.clone(), seen.clone());
                    async move {
                        seen.lock().unwrap().push(
                            req.headers()
                                .get("authorization")
                                .and_then(|v| v.to_str().ok())
                                .map(str::to_owned),
                        );
                        let _ = req.into_body().collect().await;
                        Ok::<_, Infallible>(
                            Response::builder()
                                .status(StatusCode::TEMPORARY_REDIRECT)
                                .header("Location", format!("{to}/api"))
                                .body(Full::new(Bytes::new()))
                                .unwrap(),
                        )
                    }
                });
                let io = hyper_util::rt::TokioIo::new(stream);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(io, svc)
                    .await;
            });
        }
    });
    (addr, seen)
}

fn client(url: &str) -> AuroraClient {
    let mut cfg = ClientConfig::new(url);
    cfg.kerberos = true;
    cfg.request_timeout = Duration::from_secs(60);
    AuroraClient::new(cfg).unwrap()
}

/// The eos binary with the realm's environment and a clusters.json naming `cluster`.
async fn eos(realm: &Realm, args: &[&str]) -> (bool, String, String) {
    let mut c = realm.command(Path::new(env!("CARGO_BIN_EXE_eos")));
    c.args(args)
        .env("HOME", realm.path("home"))
        .env("AURORA_CONFIG_ROOT", realm.path("etc"))
        .env("XDG_CONFIG_HOME", realm.path("xdg"))
        .env("XDG_STATE_HOME", realm.path("state"))
        .env_remove("EOS_SCHEDULER")
        .env_remove("EOS_USER")
        .env_remove("EOS_PASSWORD")
        .env_remove("NETRC")
        .stdin(Stdio::null());
    let out = tokio::task::spawn_blocking(move || c.output().unwrap())
        .await
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn negotiate_against_a_real_kdc() {
    let realm = Realm::start();
    realm.kinit(&[]);
    for (k, v) in &realm.env {
        // SAFETY: set once, before the runtime and any thread of this test start; the only
        // test of this binary, so no other test reads the environment meanwhile.
        unsafe { std::env::set_var(k, v) };
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(cases(&realm));
}

async fn cases(realm: &Realm) {
    let sched = Scheduler::start().await;
    let alice = format!("alice@{REALM}");

    // (a) With alice's ticket: the call succeeds and the scheduler saw alice.
    let c = client(&sched.url());
    let r = c
        .get_role_summary()
        .await
        .expect("a call with a ticket succeeds");
    assert_eq!(r.value[0].role.as_deref(), Some("www-data"));
    let seen = sched.take();
    assert_eq!(seen.principals, vec![alice.clone()], "{:?}", seen.refusals);
    // A fresh token for each request (Kerberos authenticators differ every time).
    c.get_role_summary().await.expect("a second call succeeds");
    let seen2 = sched.take();
    assert_eq!(seen2.principals, vec![alice.clone()]);
    assert_ne!(seen.authorization, seen2.authorization);

    // (a) Through a leader redirect: the non-leader at 127.0.0.1 has no service principal
    // (the KDC knows only HTTP/localhost), so it gets no token; the leader it redirects to,
    // localhost, gets a token made for it.
    let (non_leader, redirect_seen) = redirector(sched.url()).await;
    let c = client(&format!("http://127.0.0.1:{}", non_leader.port()));
    c.get_role_summary()
        .await
        .expect("the call follows the redirect and succeeds");
    assert_eq!(*redirect_seen.lock().unwrap(), vec![None]);
    let seen = sched.take();
    assert_eq!(seen.principals, vec![alice.clone()], "{:?}", seen.refusals);
    assert_eq!(c.current_base(), sched.url());

    // (a) The eos binary on a clusters.json cluster with auth_mechanism KERBEROS.
    std::fs::create_dir_all(realm.path("etc")).unwrap();
    std::fs::write(
        realm.path("etc/clusters.json"),
        serde_json::json!([
            {"name": "krb", "scheduler_uri": sched.url(), "auth_mechanism": "KERBEROS"}
        ])
        .to_string(),
    )
    .unwrap();
    let (ok, out, err) = eos(realm, &["get", "roles", "--cluster", "krb"]).await;
    assert!(ok, "eos get roles failed: {err}");
    assert!(out.contains("www-data"), "{out}");
    assert!(!err.contains("warning"), "{err}");
    assert_eq!(sched.take().principals, vec![alice.clone()]);

    // (c) The scheduler refuses alice: a 401 to a Negotiate request is an auth error.
    *sched.allowed.lock().unwrap() = format!("bob@{REALM}");
    let err = client(&sched.url())
        .get_role_summary()
        .await
        .expect_err("the scheduler refuses alice");
    assert!(err.is_auth(), "{err:?}");
    assert!(
        matches!(err, ClientError::KerberosRejected { .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("refused the Kerberos (Negotiate) login (401)") && text.contains("klist"),
        "{text}"
    );
    assert!(text.contains("may not use this scheduler"), "{text}");
    *sched.allowed.lock().unwrap() = alice.clone();
    sched.take();

    // A host whose service principal the KDC does not know: named in plain words.
    let err = client(&format!("http://127.0.0.1:{}", sched.addr.port()))
        .get_role_summary()
        .await
        .expect_err("no service principal for 127.0.0.1");
    assert!(err.is_auth(), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("no such service principal HTTP/127.0.0.1@EOS.TEST in the KDC"),
        "{text}"
    );
    assert_eq!(sched.take().authorization, vec![None]);

    // (b) No ticket: the request goes without a token, and the 401 says to run kinit.
    realm.kdestroy();
    let err = client(&sched.url())
        .get_role_summary()
        .await
        .expect_err("no ticket, no login");
    assert!(err.is_auth(), "{err:?}");
    assert!(matches!(err, ClientError::Kerberos { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("no Kerberos ticket (run kinit"),
        "the error should say there is no ticket: {text}"
    );
    let seen = sched.take();
    assert_eq!(seen.authorization, vec![None]);
    assert!(seen.principals.is_empty());
    let (ok, _, err) = eos(realm, &["get", "roles", "--cluster", "krb"]).await;
    assert!(!ok);
    assert!(err.contains("no Kerberos ticket (run kinit"), "{err}");
    assert_eq!(sched.take().authorization, vec![None]);

    // An expired ticket: a two-second one, waited out.
    realm.kinit(&["-l", "2s"]);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let err = client(&sched.url())
        .get_role_summary()
        .await
        .expect_err("an expired ticket, no login");
    assert!(err.is_auth(), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("the Kerberos ticket has expired (run kinit again)"),
        "{text}"
    );
    assert_eq!(sched.take().authorization, vec![None]);

    // The accepting side refuses what is not a token.
    let bad = eos::aurora::kerberos::accept(b"not a token").expect_err("garbage is refused");
    assert!(!bad.detail.is_empty(), "{bad}");
}
