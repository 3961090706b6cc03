//! Leader discovery against a real ZooKeeper: Debian's `zookeeper` package (3.8), started here
//! on 127.0.0.1 with an ephemeral port and a temporary data dir, and stopped on drop. The
//! tests write Aurora ServerSet nodes (ephemeral-sequential `member_` nodes, plus a Curator
//! style lock node as a decoy) pointing at in-process simulators.
//! Run with `cargo test --features zk-tests --test zk` (`.ci/run` does).

// The shared helpers of the `it` test binary (tests/it/).
#[path = "it/pty_common/mod.rs"]
mod pty_common;
#[path = "it/sim_common/mod.rs"]
mod sim_common;

use std::io::Read;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use eos::aurora::zk::{ZkTimeouts, discover};
use zookeeper_client::{Acls, Client, CreateMode};

const PATH: &str = "/aurora/scheduler";

/// The jars the server needs, from Debian's libzookeeper-java and its dependencies.
const JARS: &[&str] = &[
    "zookeeper.jar",
    "zookeeper-jute.jar",
    "slf4j-api.jar",
    "slf4j-nop.jar",
    "metrics-core.jar",
    "commons-cli.jar",
    "commons-io.jar",
];

/// A standalone ZooKeeper server on 127.0.0.1, killed on drop.
struct ZooKeeper {
    child: Option<Child>,
    port: u16,
    dir: tempfile::TempDir,
}

impl ZooKeeper {
    fn start() -> Self {
        let jar = Path::new("/usr/share/java/zookeeper.jar");
        assert!(
            jar.exists(),
            "Debian's zookeeper package must be installed (apt-get install zookeeper)"
        );
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("data")).unwrap();
        // A free port: bound and released (the server binds it a moment later).
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let mut zk = ZooKeeper {
            child: None,
            port,
            dir,
        };
        zk.spawn();
        zk
    }

    /// Starts the server (again: same port, same data, so sessions and nodes survive).
    fn spawn(&mut self) {
        let classpath = JARS
            .iter()
            .map(|j| Path::new("/usr/share/java").join(j))
            .filter(|p| p.exists())
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(":");
        let data = self.dir.path().join("data");
        let cfg = self.dir.path().join("zoo.cfg");
        std::fs::write(
            &cfg,
            format!(
                "tickTime=500\n\
                 dataDir={}\n\
                 clientPort={}\n\
                 clientPortAddress=127.0.0.1\n\
                 admin.enableServer=false\n\
                 4lw.commands.whitelist=\n\
                 minSessionTimeout=1000\n\
                 maxSessionTimeout=20000\n",
                data.display(),
                self.port
            ),
        )
        .unwrap();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("server.log"))
            .unwrap();
        let child = Command::new("java")
            .arg("-Xmx256m")
            .arg("-cp")
            .arg(&classpath)
            .arg("org.apache.zookeeper.server.quorum.QuorumPeerMain")
            .arg(&cfg)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("java must be installed");
        self.child = Some(child);
        self.wait_ready();
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!(
                    "ZooKeeper exited ({status}) before accepting connections:\n{}",
                    self.log()
                );
            }
            assert!(
                Instant::now() < deadline,
                "ZooKeeper did not accept connections on 127.0.0.1:{} within 60 s:\n{}",
                self.port,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn log(&self) -> String {
        let mut s = String::new();
        if let Ok(mut f) = std::fs::File::open(self.dir.path().join("server.log")) {
            let _ = f.read_to_string(&mut s);
        }
        s
    }

    fn hosts(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    async fn client(&self) -> Client {
        Client::connector()
            .with_session_timeout(Duration::from_secs(10))
            .connect(&self.hosts())
            .await
            .unwrap()
    }
}

impl Drop for ZooKeeper {
    fn drop(&mut self) {
        self.stop();
    }
}

/// ServerSet JSON as an Aurora scheduler writes it.
fn serverset(service: (&str, u16), additional: &[(&str, &str, u16)]) -> Vec<u8> {
    let mut extra = serde_json::Map::new();
    for (name, host, port) in additional {
        extra.insert(
            name.to_string(),
            serde_json::json!({"host": host, "port": port}),
        );
    }
    serde_json::json!({
        "serviceEndpoint": {"host": service.0, "port": service.1},
        "additionalEndpoints": extra,
        "status": "ALIVE",
    })
    .to_string()
    .into_bytes()
}

async fn mkdir(c: &Client, path: &str) {
    c.mkdir(path, &CreateMode::Persistent.with_acls(Acls::anyone_all()))
        .await
        .unwrap();
}

/// An ephemeral-sequential child `prefix` of `dir`; returns its full path.
async fn ephemeral_seq(c: &Client, dir: &str, prefix: &str, data: &[u8]) -> String {
    let base = format!("{dir}/{prefix}");
    let (_, seq) = c
        .create(
            &base,
            data,
            &CreateMode::EphemeralSequential.with_acls(Acls::anyone_all()),
        )
        .await
        .unwrap();
    format!("{base}{seq}")
}

/// A Curator leader-latch lock node, as the scheduler's election leaves next to the members.
async fn decoy(c: &Client, dir: &str) {
    ephemeral_seq(
        c,
        dir,
        "_c_8a4e7a2b-1f3c-4c1e-9a7e-2f1b9b1a0c11-latch-",
        b"10.0.0.9",
    )
    .await;
}

fn clusters_json(home: &Path, zk: &ZooKeeper, path: &str) {
    std::fs::create_dir_all(home.join("etc")).unwrap();
    let (host, port) = zk
        .hosts()
        .split_once(':')
        .map(|(h, p)| (h.to_owned(), p.to_owned()))
        .unwrap();
    let clusters = serde_json::json!([
        {"name": "zkc", "zk": host, "zk_port": port.parse::<u16>().unwrap(),
         "scheduler_zk_path": path}
    ]);
    std::fs::write(home.join("etc/clusters.json"), clusters.to_string()).unwrap();
}

async fn eos(home: &Path, args: &[&str]) -> Output {
    let home: PathBuf = home.to_path_buf();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_eos"))
            .args(&args)
            .env("HOME", &home)
            .env("AURORA_CONFIG_ROOT", home.join("etc"))
            .env("XDG_CONFIG_HOME", home.join("xdg"))
            .env("XDG_STATE_HOME", home.join("state"))
            .stdin(Stdio::null())
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

fn quick() -> ZkTimeouts {
    ZkTimeouts {
        connect: Duration::from_secs(2),
        session: Duration::from_secs(4),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_roles_through_the_zookeeper_leader() {
    let zk = ZooKeeper::start();
    let (leader, _sim) = sim_common::start(sim_common::frozen()).await;
    let c = zk.client().await;
    mkdir(&c, PATH).await;
    decoy(&c, PATH).await;
    let port = leader
        .url()
        .rsplit(':')
        .next()
        .unwrap()
        .parse::<u16>()
        .unwrap();
    let first = ephemeral_seq(
        &c,
        PATH,
        "member_",
        &serverset(("127.0.0.1", port), &[("http", "127.0.0.1", port)]),
    )
    .await;
    // A later member (a higher sequence number) is not the leader: it points nowhere.
    ephemeral_seq(
        &c,
        PATH,
        "member_",
        &serverset(("127.0.0.1", 1), &[("http", "127.0.0.1", 1)]),
    )
    .await;
    decoy(&c, PATH).await;
    assert!(first.starts_with("/aurora/scheduler/member_"), "{first}");

    assert_eq!(
        discover("127.0.0.1", zk.port, PATH, quick()).await.unwrap(),
        leader.url()
    );

    let home = tempfile::tempdir().unwrap();
    clusters_json(home.path(), &zk, PATH);
    let plain = eos(home.path(), &["get", "roles", "--scheduler", &leader.url()]).await;
    assert!(plain.status.success(), "{:?}", text(&plain));
    let o = eos(home.path(), &["get", "roles", "--cluster", "zkc"]).await;
    assert!(o.status.success(), "{:?}", text(&o));
    assert_eq!(text(&o).0, text(&plain).0);
    assert!(!text(&o).0.is_empty());

    let o = eos(home.path(), &["clusters"]).await;
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(
        text(&o).0.contains(&format!("zk {}{PATH}", zk.hosts())),
        "{:?}",
        text(&o)
    );
    leader.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_endpoint_is_preferred_over_http() {
    let zk = ZooKeeper::start();
    let c = zk.client().await;
    mkdir(&c, PATH).await;
    decoy(&c, PATH).await;
    ephemeral_seq(
        &c,
        PATH,
        "member_",
        &serverset(
            ("10.1.2.3", 8081),
            &[
                ("http", "10.1.2.3", 8081),
                ("https", "aurora.example.com", 8443),
            ],
        ),
    )
    .await;
    assert_eq!(
        discover("127.0.0.1", zk.port, PATH, quick()).await.unwrap(),
        "https://aurora.example.com:8443"
    );
    // Only the service endpoint: plain http to it.
    mkdir(&c, "/other").await;
    ephemeral_seq(&c, "/other", "member_", &serverset(("10.1.2.4", 8081), &[])).await;
    assert_eq!(
        discover(&zk.hosts(), 2181, "/other", quick())
            .await
            .unwrap(),
        "http://10.1.2.4:8081"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_member_missing_path_and_bad_data_are_explained() {
    let zk = ZooKeeper::start();
    let c = zk.client().await;
    mkdir(&c, PATH).await;
    decoy(&c, PATH).await;
    let home = tempfile::tempdir().unwrap();
    clusters_json(home.path(), &zk, PATH);

    let o = eos(home.path(), &["get", "roles", "--cluster", "zkc"]).await;
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(
        err.contains(
            "no scheduler registered under /aurora/scheduler (the path exists but has no \
             member_ node)"
        ),
        "{err}"
    );
    // The console says the same, before it needs a terminal.
    let o = eos(home.path(), &["--cluster", "zkc"]).await;
    assert!(!o.status.success());
    assert!(
        text(&o).1.contains("no scheduler registered under"),
        "{:?}",
        text(&o)
    );

    let e = discover("127.0.0.1", zk.port, "/nowhere", quick())
        .await
        .unwrap_err();
    assert_eq!(e, "ZooKeeper path /nowhere does not exist");

    let node = ephemeral_seq(&c, PATH, "member_", b"{\"serviceEndpoint\": 42}").await;
    let o = eos(home.path(), &["get", "roles", "--cluster", "zkc"]).await;
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(
        err.contains(&format!(
            "bad ServerSet data in {node}: serviceEndpoint is not an object"
        )),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zookeeper_down_or_silent_is_reported_as_unreachable() {
    let mut zk = ZooKeeper::start();
    let home = tempfile::tempdir().unwrap();
    clusters_json(home.path(), &zk, PATH);
    zk.stop();

    let o = eos(
        home.path(),
        &["get", "roles", "--cluster", "zkc", "--connect-timeout", "2"],
    )
    .await;
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(
        err.contains(&format!("ZooKeeper {} unreachable (", zk.hosts())),
        "{err}"
    );

    let e = discover("127.0.0.1", zk.port, PATH, quick())
        .await
        .unwrap_err();
    assert!(
        e.starts_with(&format!("ZooKeeper {} unreachable (", zk.hosts())),
        "{e}"
    );

    // A server that accepts the connection but never answers (a hung ZooKeeper): the same
    // error once the connection timeout has passed (the lookup bounds itself; no timing is
    // asserted here).
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let e = discover(
        "127.0.0.1",
        port,
        PATH,
        ZkTimeouts {
            connect: Duration::from_secs(1),
            session: Duration::from_secs(3),
        },
    )
    .await
    .unwrap_err();
    assert!(
        e.starts_with(&format!("ZooKeeper 127.0.0.1:{port} unreachable (")),
        "{e}"
    );
    drop(silent);
}

/// The console follows the leader while it runs: ZooKeeper first names simulator A; A's node
/// goes (no leader: a banner, the last data stays); B registers (the console re-points and
/// says so, and B's data comes in without a key pressed); then ZooKeeper itself goes down
/// (a banner; B keeps serving).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_follows_a_leader_change_live() {
    use pty_common::{Console, Sim, header};
    let mut zk = ZooKeeper::start();
    let a = Sim::start(&["--cluster-name", "zkc"]);
    let b = Sim::start(&["--cluster-name", "zkc", "--seed", "7"]);
    let port = |s: &Sim| s.addr.rsplit(':').next().unwrap().parse::<u16>().unwrap();
    let c = zk.client().await;
    mkdir(&c, PATH).await;
    decoy(&c, PATH).await;
    let member_a = ephemeral_seq(
        &c,
        PATH,
        "member_",
        &serverset(("127.0.0.1", port(&a)), &[("http", "127.0.0.1", port(&a))]),
    )
    .await;
    let home = tempfile::tempdir().unwrap();
    clusters_json(home.path(), &zk, PATH);
    let root = home.path().join("etc");
    let con = Console::spawn_env(
        &["--cluster", "zkc", "--refresh", "1"],
        &[
            ("AURORA_CONFIG_ROOT", root.to_str().unwrap()),
            ("HOME", home.path().to_str().unwrap()),
        ],
    );
    let wait = Duration::from_secs(30);
    con.wait_for("the console on A", wait, |s| {
        header(s).contains(&a.addr) && s.contains("ROLE")
    });

    c.delete(&member_a, None).await.unwrap();
    con.wait_for("the no-leader banner", wait, |s| {
        s.contains("no leader for") && s.contains("no scheduler registered under /aurora/scheduler")
    });
    // The last data stays on screen.
    assert!(con.screen().contains("ROLE"), "{}", con.dump());

    let registered = std::time::Instant::now();
    ephemeral_seq(
        &c,
        PATH,
        "member_",
        &serverset(("127.0.0.1", port(&b)), &[("http", "127.0.0.1", port(&b))]),
    )
    .await;
    let moved = format!("leader changed: {} → {} (ZooKeeper)", a.addr, b.addr);
    let seen = con.wait_for("the leader-changed banner", wait, |s| {
        s.contains(&moved) && header(s).contains(&b.addr)
    });
    // Reported, not asserted (machines here are noisy): how long the change took to show.
    eprintln!(
        "new leader on screen {} ms after its node was created",
        seen.saturating_duration_since(registered).as_millis()
    );
    // B answers: the view is fresh again (no stale marker, no banner of trouble).
    con.wait_for("fresh data from B", wait, |s| {
        !s.contains("no leader for") && !s.contains("STALE") && s.contains("ROLE")
    });

    zk.stop();
    con.wait_for("the ZooKeeper-down banner", wait, |s| {
        s.contains("ZooKeeper unreachable for")
            && s.contains(&format!("still using leader {}", b.addr))
    });
    assert!(header(&con.screen()).contains(&b.addr), "{}", con.dump());

    // ZooKeeper comes back (same port, same data): the console reconnects by itself, finds
    // B still the leader, and the banner goes.
    zk.spawn();
    con.wait_for("the banner gone", wait, |s| {
        !s.contains("ZooKeeper unreachable")
            && !s.contains("no leader")
            && header(s).contains(&b.addr)
    });
    drop(a);
}

/// A member whose ServerSet status is not ALIVE is not the leader; with none ALIVE there is
/// no leader, and the statuses are named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_not_alive_are_skipped() {
    let zk = ZooKeeper::start();
    let c = zk.client().await;
    mkdir(&c, PATH).await;
    let with_status = |port: u16, status: &str| {
        serde_json::json!({
            "serviceEndpoint": {"host": "127.0.0.1", "port": port},
            "additionalEndpoints": {"http": {"host": "127.0.0.1", "port": port}},
            "status": status,
        })
        .to_string()
        .into_bytes()
    };
    let dead = ephemeral_seq(&c, PATH, "member_", &with_status(1, "DEAD")).await;
    let e = discover("127.0.0.1", zk.port, PATH, quick())
        .await
        .unwrap_err();
    let name = dead.rsplit('/').next().unwrap();
    assert_eq!(
        e,
        format!("no ALIVE scheduler under {PATH} ({name} is DEAD)"),
        "{e}"
    );
    ephemeral_seq(&c, PATH, "member_", &with_status(8081, "ALIVE")).await;
    assert_eq!(
        discover("127.0.0.1", zk.port, PATH, quick()).await.unwrap(),
        "http://127.0.0.1:8081"
    );
}
