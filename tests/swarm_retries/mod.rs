//! `--retries` for Swarm reads (issue 16): a read whose connection the daemon cuts off is sent
//! again, as Aurora's reads are (1, 2, 4 … s apart, each retry told on stderr), up to N times;
//! a write never is. The daemon that cuts calls off is the counting proxy with a drop rule.

use eos::swarm::client::{SwarmClient, SwarmConfig, SwarmError};
use eos::swarm::target::Endpoint;
use eos::swarm::write::{WriteOutcome, apply};

use crate::swarm_common::proxy::{DropRule, Options, Proxy};
use crate::swarm_common::*;
use crate::{eos, no_audit, scale, socket, wait_running};

/// A proxy that cuts off the first `n` requests `matching` (method, path).
async fn cutting(n: u32, matching: impl Fn(&str, &str) -> bool + Send + Sync + 'static) -> Proxy {
    let options = Options {
        hook: None,
        drop: Some(DropRule::new(n, matching)),
    };
    Proxy::start_with(socket(), 0, options).await
}

async fn eos_get(proxy: &Proxy, retries: &str) -> (i32, String, String) {
    let url = format!("--docker=tcp://127.0.0.1:{}", proxy.port);
    let retries = retries.to_owned();
    tokio::task::spawn_blocking(move || eos(&[&url, "get", "services", "--retries", &retries]))
        .await
        .unwrap()
}

async fn client_via(proxy: &Proxy, retries: u32) -> SwarmClient {
    SwarmClient::connect(SwarmConfig {
        read_retries: retries,
        ..SwarmConfig::new(Endpoint::Tcp(format!("127.0.0.1:{}", proxy.port)))
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn reads_are_sent_again_up_to_retries_and_a_write_once() {
    let _g = shared().await;
    let name = service_name("retries");
    remove_service(&name);
    create_service(&name, 1, &[], &["sleep", "100000"]);

    // `eos get services` when the daemon cuts off the first two calls (the version
    // negotiation, twice): fails without retries, and with fewer than two.
    for retries in ["0", "1"] {
        let proxy = cutting(2, |_, _| true).await;
        let (code, out, err) = eos_get(&proxy, retries).await;
        assert_eq!(code, 7, "--retries {retries}: {out}{err}");
        assert_eq!(
            proxy.requests().len(),
            1 + retries.parse::<usize>().unwrap()
        );
        proxy.stop().await;
    }
    let proxy = cutting(2, |_, _| true).await;
    let (code, out, err) = eos_get(&proxy, "2").await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&name), "{out}");
    assert!(err.contains("retrying in 1 s (1 of 2)"), "{err}");
    assert!(err.contains("retrying in 2 s (2 of 2)"), "{err}");
    proxy.stop().await;

    // A list read cut off once (after a clean connect): sent again with one retry, not
    // without.
    let proxy = cutting(1, |m, p| m == "GET" && p == "/services").await;
    let c = client_via(&proxy, 0).await;
    match c.services().await {
        Err(SwarmError::Transport { sent: true, .. }) => {}
        other => panic!("{other:?}"),
    }
    proxy.stop().await;
    let proxy = cutting(1, |m, p| m == "GET" && p == "/services").await;
    let c = client_via(&proxy, 1).await;
    assert!(c.services().await.is_ok());
    let lists = proxy.requests();
    let lists: Vec<_> = lists.iter().filter(|r| r.path == "/services").collect();
    assert_eq!(lists.len(), 2, "{lists:?}");
    assert!(lists[0].dropped && !lists[1].dropped);
    proxy.stop().await;

    // A write cut off is sent once, retries or not: its outcome is unknown, and told so.
    let proxy = cutting(1, |m, _| m == "POST").await;
    let c = client_via(&proxy, 2).await;
    wait_running(&c, &name, 1).await;
    let out = apply(&c, &scale(&name, 2), no_audit()).await;
    assert!(matches!(out, WriteOutcome::Unknown { .. }), "{out:?}");
    let posts: Vec<_> = proxy
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    assert_eq!(posts.len(), 1, "{posts:?}");
    // It never reached the Engine: still one replica.
    let (svc, _) = c.service(&name).await.unwrap();
    let replicas = svc.spec.unwrap().mode.unwrap().replicated.unwrap().replicas;
    assert_eq!(replicas, Some(1));
    proxy.stop().await;
    remove_service(&name);
}
