//! A real Docker Engine in Swarm mode for the tests of one test binary: one `dockerd` per run,
//! started on first use with its own socket, data, exec root and pid file under a temporary
//! directory, so it never meets the machine's own daemon (or another test run's). It is a
//! single-node swarm advertised on a free 127.0.0.1 port; images are built locally FROM scratch
//! plus Debian's busybox-static (no registry is reachable, nothing is pulled).
//!
//! The daemon is stopped (SIGTERM, then its directory removed) when the test process exits,
//! through `atexit`: statics are never dropped.
//!
//! Tests that change the whole swarm (draining the only node) take `exclusive()`; every other
//! test takes `shared()`, so they never see each other's node changes.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};

use std::time::{Duration, Instant};
use tokio::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// The test images: the same busybox, different labels, so a service update from one to the
/// other is a real rolling update to a different image.
pub const IMAGE_V1: &str = "eos-test/busybox:1";
pub const IMAGE_V2: &str = "eos-test/busybox:2";

pub struct Engine {
    /// `unix:///…/docker.sock`, for `--docker=` and the client.
    pub host: String,
    pub dir: PathBuf,
}

struct Running {
    child: Child,
    dir: tempfile::TempDir,
}

static ENGINE: OnceLock<Engine> = OnceLock::new();
static RUNNING: Mutex<Option<Running>> = Mutex::new(None);
static SWARM_WIDE: RwLock<()> = RwLock::const_new(());

/// The shared engine, started (and the images built) by the first test that asks.
pub fn engine() -> &'static Engine {
    ENGINE.get_or_init(start)
}

/// For tests that only touch their own services (an async lock: each test has its own
/// runtime and holds it across awaits).
pub async fn shared() -> RwLockReadGuard<'static, ()> {
    SWARM_WIDE.read().await
}

/// For tests that change what every service sees (the node's availability).
pub async fn exclusive() -> RwLockWriteGuard<'static, ()> {
    SWARM_WIDE.write().await
}

/// The docker CLI to drive the test engine with: Debian's (it matches the engine's API),
/// else whichever is on PATH.
fn docker_cli() -> &'static str {
    if Path::new("/usr/bin/docker").exists() {
        "/usr/bin/docker"
    } else {
        "docker"
    }
}

/// Runs `docker -H HOST args…` against the test engine; panics with its stderr on failure.
pub fn docker(args: &[&str]) -> String {
    let e = engine();
    docker_at(&e.host, args)
}

fn docker_at(host: &str, args: &[&str]) -> String {
    let out = Command::new(docker_cli())
        .arg("-H")
        .arg(host)
        .args(args)
        .env("DOCKER_BUILDKIT", "0")
        .env_remove("DOCKER_CONTEXT")
        .env_remove("DOCKER_TLS_VERIFY")
        .output()
        .expect("run the docker CLI");
    assert!(
        out.status.success(),
        "docker {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

extern "C" fn stop_at_exit() {
    stop();
}

/// Stops the test engine and removes its directory (also called at process exit).
fn stop() {
    let Some(mut r) = RUNNING.lock().unwrap_or_else(|e| e.into_inner()).take() else {
        return;
    };
    // SAFETY: kill has no memory preconditions; the pid is our own child's.
    unsafe { libc::kill(r.child.id() as i32, libc::SIGTERM) };
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = r.child.try_wait() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    if let Ok(None) = r.child.try_wait() {
        let _ = r.child.kill();
        let _ = r.child.wait();
    }
    // Container roots can hold mounts the daemon left behind; removal failures are left to
    // the temporary directory's owner (the next cleanup of /tmp) rather than panicking here.
    let _ = std::fs::remove_dir_all(r.dir.path());
}

fn start() -> Engine {
    let dir = tempfile::Builder::new()
        .prefix("eos-dockerd-")
        .tempdir()
        .expect("temp dir");
    let d = dir.path().to_path_buf();
    let socket = d.join("docker.sock");
    let host = format!("unix://{}", socket.display());
    let log = std::fs::File::create(d.join("dockerd.log")).unwrap();
    let child = Command::new("dockerd")
        .arg("-H")
        .arg(&host)
        .arg("--data-root")
        .arg(d.join("data"))
        .arg("--exec-root")
        .arg(d.join("exec"))
        .arg("--pidfile")
        .arg(d.join("docker.pid"))
        .args(["--iptables=false", "--bridge=none"])
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("start dockerd (Debian's docker.io)");
    *RUNNING.lock().unwrap() = Some(Running { child, dir });
    // SAFETY: registering a plain extern "C" function with no captured state.
    unsafe { libc::atexit(stop_at_exit) };

    wait_for(
        "the test dockerd to answer",
        Duration::from_secs(60),
        || {
            Command::new(docker_cli())
                .args(["-H", &host, "version"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        },
    );
    let addr = format!("127.0.0.1:{}", free_port());
    docker_at(
        &host,
        &[
            "swarm",
            "init",
            "--listen-addr",
            &addr,
            "--advertise-addr",
            &addr,
        ],
    );
    build_images(&host, &d);
    Engine { host, dir: d }
}

/// Builds IMAGE_V1 and IMAGE_V2 from scratch with /bin/busybox (busybox-static) as the only
/// file; `sleep`, `sh`, `false` and `httpd` are its applets.
fn build_images(host: &str, dir: &Path) {
    let ctx = dir.join("image");
    std::fs::create_dir_all(&ctx).unwrap();
    std::fs::copy("/bin/busybox", ctx.join("busybox")).expect("Debian's busybox-static");
    for (tag, label) in [(IMAGE_V1, "1"), (IMAGE_V2, "2")] {
        std::fs::write(
            ctx.join("Dockerfile"),
            format!(
                "FROM scratch\nCOPY busybox /bin/busybox\nLABEL eos.test.version={label}\n\
                 ENTRYPOINT [\"/bin/busybox\"]\nCMD [\"sleep\", \"100000\"]\n"
            ),
        )
        .unwrap();
        docker_at(host, &["build", "-q", "-t", tag, ctx.to_str().unwrap()]);
    }
}

/// Polls `ready` every 100 ms until it holds; panics naming `what` after `limit` (a bound so a
/// broken engine fails the test instead of hanging it, not a timing assertion).
pub fn wait_for(what: &str, limit: Duration, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !ready() {
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The async form of `wait_for`, for conditions read through the client.
pub async fn wait_until<F, Fut>(what: &str, limit: Duration, mut ready: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    while !ready().await {
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A service name unique to the calling test (tests share one swarm).
pub fn service_name(test: &str) -> String {
    format!("eos-{test}").replace('_', "-")
}

/// Creates a replicated service running `cmd` in IMAGE_V1 through the CLI (the fixture, not
/// the code under test) and returns its id. Update settings make rollouts quick.
pub fn create_service(name: &str, replicas: u32, extra: &[&str], cmd: &[&str]) -> String {
    let replicas = replicas.to_string();
    let mut args = vec![
        "service",
        "create",
        "--detach",
        "--quiet",
        "--no-resolve-image",
        "--name",
        name,
        "--replicas",
        &replicas,
        "--update-delay",
        "0s",
        "--update-monitor",
        "1s",
        "--stop-grace-period",
        "1s",
        "--restart-delay",
        "1s",
    ];
    args.extend_from_slice(extra);
    args.push(IMAGE_V1);
    args.extend_from_slice(cmd);
    docker(&args)
}

pub fn remove_service(name: &str) {
    let _ = Command::new(docker_cli())
        .args(["-H", &engine().host, "service", "rm", name])
        .output();
}
pub mod proxy;
