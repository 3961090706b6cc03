//! HTTP behaviour of the simulator: content negotiation, errors at the Thrift level, auth, and
//! one test per fault knob.

use crate::sim_common;

use std::time::{Duration, Instant};

use eos::aurora::client::{AuroraClient, ClientConfig, ClientError};
use eos::aurora::credentials::{CredentialSource, Credentials};
use eos::aurora::model::*;
use eos::aurora::wire::message::{Envelope, TApplicationException};
use eos::aurora::wire::{MessageType, Protocol};
use eos::sim::faults::{Fault, Faults};
use eos::sim::{SimArgs, SimServer};
use sim_common::*;

fn raw() -> reqwest::Client {
    eos::aurora::client::install_crypto_provider();
    reqwest::Client::builder()
        .no_gzip()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn role_summary_call(p: Protocol) -> Vec<u8> {
    p.encode("getRoleSummary", MessageType::Call, 7, &NoArgs {})
}

#[tokio::test]
async fn content_negotiation_follows_aurora() {
    let (server, _sim) = start(frozen()).await;
    let api = format!("{}/api", server.url());
    let http = raw();
    // Unknown Content-Type: 415 with Aurora's text.
    let r = http
        .post(&api)
        .header("Content-Type", "text/plain")
        .body(role_summary_call(Protocol::Binary))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 415);
    assert_eq!(
        r.text().await.unwrap(),
        "Unsupported Content-Type: text/plain"
    );
    let r = http
        .post(&api)
        .header("Content-Type", "application/json; charset=utf-8")
        .body(role_summary_call(Protocol::Json))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 415);

    // Binary in, Accept */*: a TJSON reply, Content-Type without parameters.
    let r = http
        .post(&api)
        .header("Content-Type", "application/vnd.apache.thrift.binary")
        .header("Accept", "*/*")
        .body(role_summary_call(Protocol::Binary))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "application/vnd.apache.thrift.json"
    );
    let body = r.bytes().await.unwrap();
    assert!(body.starts_with(b"[1,\"getRoleSummary\",2,7,"));
    let (h, env) = Protocol::Json.decode::<ResponseResult>(&body).unwrap();
    assert_eq!(h.seq, 7);
    let Envelope::Body(rr) = env else {
        panic!("exception")
    };
    let resp = rr.success.unwrap();
    assert_eq!(resp.code(), ResponseCode::OK);
    assert_eq!(
        resp.server_info.unwrap().cluster_name.as_deref(),
        Some("devcluster")
    );

    // No Content-Type: TJSON request; exact binary Accept: binary reply.
    let r = http
        .post(&api)
        .header("Accept", "application/vnd.apache.thrift.binary")
        .body(role_summary_call(Protocol::Json))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["content-type"],
        "application/vnd.apache.thrift.binary"
    );
    let body = r.bytes().await.unwrap();
    assert!(Protocol::Binary.decode::<ResponseResult>(&body).is_ok());

    // gzip when asked for and the reply is large.
    let big = Protocol::Binary.encode(
        "getTasksWithoutConfigs",
        MessageType::Call,
        1,
        &QueryArgs {
            query: Some(TaskQuery::default()),
        },
    );
    let r = http
        .post(&api)
        .header("Content-Type", "application/vnd.apache.thrift.binary")
        .header("Accept", "application/vnd.apache.thrift.binary")
        .header("Accept-Encoding", "gzip")
        .body(big.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-encoding"], "gzip");
    let zipped = r.bytes().await.unwrap();
    let mut plain = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&zipped[..]), &mut plain).unwrap();
    assert!(plain.len() > zipped.len());
    assert!(Protocol::Binary.decode::<ResponseResult>(&plain).is_ok());
    let r = http
        .post(&api)
        .header("Content-Type", "application/vnd.apache.thrift.binary")
        .body(big)
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("content-encoding").is_none());

    // The typed client in JSON mode works end to end as well.
    let c = client(&server, Protocol::Json);
    assert!(!c.get_role_summary().await.unwrap().value.is_empty());
    server.shutdown().await;
}

#[tokio::test]
async fn thrift_level_errors() {
    let (server, _sim) = start(frozen()).await;
    let api = format!("{}/api", server.url());
    let http = raw();
    let send = |ct: &'static str, body: Vec<u8>| {
        let http = http.clone();
        let api = api.clone();
        async move {
            http.post(&api)
                .header("Content-Type", ct)
                .header("Accept", ct)
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
    let bin = "application/vnd.apache.thrift.binary";
    let r = send(
        bin,
        Protocol::Binary.encode("getFrobnicator", MessageType::Call, 3, &NoArgs {}),
    )
    .await;
    assert_eq!(r.status().as_u16(), 200);
    let (_, env) = Protocol::Binary
        .decode::<ResponseResult>(&r.bytes().await.unwrap())
        .unwrap();
    match env {
        Envelope::Exception(e) => {
            assert_eq!(e.kind, Some(TApplicationException::UNKNOWN_METHOD));
            assert!(e.message.unwrap().contains("getFrobnicator"));
        }
        Envelope::Body(_) => panic!("expected an exception"),
    }
    // Binary args that do not decode: PROTOCOL_ERROR.
    let mut broken = Protocol::Binary.encode(
        "getJobSummary",
        MessageType::Call,
        4,
        &RoleArgs {
            role: Some("www-data".into()),
        },
    );
    broken.truncate(broken.len() - 5);
    let r = send(bin, broken).await;
    assert_eq!(r.status().as_u16(), 200);
    let (_, env) = Protocol::Binary
        .decode::<ResponseResult>(&r.bytes().await.unwrap())
        .unwrap();
    assert!(
        matches!(env, Envelope::Exception(e) if e.kind == Some(TApplicationException::PROTOCOL_ERROR))
    );
    // TJSON that does not decode: HTTP 500.
    let json = "application/vnd.apache.thrift.json";
    let r = send(json, br#"[1,"getJobSummary",1,1,{"1":{"str":5}}]"#.to_vec()).await;
    assert_eq!(r.status().as_u16(), 500);
    let r = send(json, b"[2,\"getRoleSummary\",1,1,{}]".to_vec()).await;
    assert_eq!(r.status().as_u16(), 500);
    // Health endpoints.
    let r = http
        .get(format!("{}/health", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (r.status().as_u16(), r.text().await.unwrap()),
        (200, "OK\n".to_owned())
    );
    let r = http
        .get(format!("{}/leaderhealth", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let r = http.put(&api).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 405);
    server.shutdown().await;
}

fn with_credentials(server: &SimServer, user: &str, password: &str) -> AuroraClient {
    let mut cfg = ClientConfig::new(server.url());
    cfg.credentials = Some(Credentials::new(user, password, CredentialSource::Given));
    AuroraClient::new(cfg).unwrap()
}

#[tokio::test]
async fn basic_auth_guards_mutations() {
    let args = SimArgs {
        auth: Some("ops:s3cret".into()),
        ..frozen()
    };
    let (server, sim) = start(args).await;
    let job = key("www-data/staging/frontend");
    let anon = client(&server, Protocol::Binary);
    // Reads need no credentials.
    assert!(!anon.get_role_summary().await.unwrap().value.is_empty());
    // Mutations and admin calls do.
    for e in [
        anon.kill_tasks(&job, &[0], None).await.unwrap_err(),
        anon.maintenance_status(&["x".into()]).await.unwrap_err(),
    ] {
        match e {
            ClientError::Http { status, realm, .. } => {
                assert_eq!(status, 401);
                assert_eq!(realm.as_deref(), Some("Apache Aurora Scheduler"));
            }
            other => panic!("expected 401, got {other}"),
        }
    }
    // Wrong credentials are refused even for reads.
    let wrong = with_credentials(&server, "ops", "guess");
    assert!(matches!(
        wrong.get_role_summary().await.unwrap_err(),
        ClientError::Http { status: 401, .. }
    ));
    // The right ones work, and the audit user is the user name.
    let ops = with_credentials(&server, "ops", "s3cret");
    ops.kill_tasks(&job, &[0], Some("bye")).await.unwrap();
    let t = active_tasks(&ops, &job).await.remove(0);
    assert_eq!(
        t.latest_event().unwrap().message.as_deref(),
        Some("Killed by ops.\nbye")
    );
    sim.advance(secs(10));
    let tc = with_version(config_of(&ops, &job).await, "v9", None);
    let ukey = ops
        .start_job_update(request(tc, 2, settings(1, false, 0)), None)
        .await
        .unwrap()
        .value
        .unwrap()
        .key
        .unwrap();
    assert_eq!(
        details(&ops, &ukey)
            .await
            .update
            .unwrap()
            .summary
            .unwrap()
            .user
            .as_deref(),
        Some("ops")
    );
    server.shutdown().await;
}

#[tokio::test]
async fn latency_knob_delays_replies() {
    let args = SimArgs {
        latency: 150,
        ..frozen()
    };
    let (server, _sim) = start(args).await;
    let c = client(&server, Protocol::Binary);
    let t = Instant::now();
    c.get_tier_configs().await.unwrap();
    assert!(t.elapsed() >= Duration::from_millis(150));
    server.shutdown().await;
}

#[test]
fn jitter_knob_varies_the_delay_within_bounds() {
    let args = SimArgs {
        latency: 20,
        jitter: 100,
        ..frozen()
    };
    let f = Faults::new(&args, 0);
    let delays: Vec<Duration> = (0..50).map(|_| f.delay().unwrap()).collect();
    assert!(
        delays
            .iter()
            .all(|d| *d >= Duration::from_millis(20) && *d <= Duration::from_millis(120))
    );
    let distinct: std::collections::BTreeSet<Duration> = delays.iter().copied().collect();
    assert!(distinct.len() > 10, "{distinct:?}");
    assert_eq!(Faults::new(&frozen(), 0).delay(), None);
}

#[tokio::test]
async fn error_rate_knob_answers_500_or_503() {
    let args = SimArgs {
        error_rate: 1.0,
        ..frozen()
    };
    let (server, _sim) = start(args).await;
    let c = client(&server, Protocol::Binary);
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..20 {
        match c.get_role_summary().await.unwrap_err() {
            ClientError::Http { status, .. } => {
                seen.insert(status);
            }
            other => panic!("{other}"),
        }
    }
    assert_eq!(seen, [500u16, 503].into_iter().collect());
    server.shutdown().await;

    let args = SimArgs {
        error_rate: 0.5,
        ..frozen()
    };
    let (server, _sim) = start(args).await;
    let c = client(&server, Protocol::Binary);
    let mut ok = 0;
    for _ in 0..40 {
        if c.get_tier_configs().await.is_ok() {
            ok += 1;
        }
    }
    assert!(
        (5..35).contains(&ok),
        "{ok} of 40 succeeded at error rate 0.5"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn reset_rate_knob_drops_connections() {
    let args = SimArgs {
        reset_rate: 1.0,
        ..frozen()
    };
    let (server, _sim) = start(args).await;
    let c = client(&server, Protocol::Binary);
    match c.get_role_summary().await.unwrap_err() {
        ClientError::Transport { .. } => {}
        other => panic!("expected a transport error, got {other}"),
    }
    // Health checks are not affected.
    let r = raw()
        .get(format!("{}/health", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    server.shutdown().await;
    let f = Faults::new(
        &SimArgs {
            reset_rate: 0.3,
            ..frozen()
        },
        0,
    );
    let resets = (0..1000).filter(|_| f.roll() == Fault::Reset).count();
    assert!((200..400).contains(&resets), "{resets}");
}

#[tokio::test]
async fn leader_failover_knob_loses_the_leader_for_a_while() {
    let args = SimArgs {
        leader_failover: Some(10),
        ..frozen()
    };
    let (server, sim) = start(args).await;
    let c = client(&server, Protocol::Binary);
    let http = raw();
    let leaderhealth = || {
        let http = http.clone();
        let url = format!("{}/leaderhealth", server.url());
        async move { http.get(url).send().await.unwrap().status().as_u16() }
    };
    assert!(c.get_role_summary().await.is_ok());
    assert_eq!(leaderhealth().await, 200);
    sim.advance(secs(30));
    match c.get_role_summary().await.unwrap_err() {
        ClientError::Http { status, body, .. } => {
            assert_eq!(status, 503);
            assert!(body.to_lowercase().contains("no leader"), "{body}");
        }
        other => panic!("{other}"),
    }
    assert_eq!(leaderhealth().await, 502);
    let r = http
        .get(format!("{}/health", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    sim.advance(secs(10));
    assert!(c.get_role_summary().await.is_ok());
    assert_eq!(leaderhealth().await, 200);
    server.shutdown().await;
}

#[tokio::test]
async fn redirect_knob_answers_307_to_the_leader() {
    let (leader, _sim) = start(frozen()).await;
    let args = SimArgs {
        redirect_to: Some(leader.url()),
        seed: 99,
        ..frozen()
    };
    let (follower, _sim2) = start(args).await;
    let http = raw();
    let r = http
        .post(format!("{}/api", follower.url()))
        .header("Content-Type", "application/vnd.apache.thrift.binary")
        .body(role_summary_call(Protocol::Binary))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 307);
    assert_eq!(
        r.headers()["location"],
        format!("{}/api", leader.url()).as_str()
    );
    let r = http
        .get(format!("{}/leaderhealth", follower.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 503);
    // The client follows the redirect and remembers the leader.
    let c = client(&follower, Protocol::Binary);
    let roles = c.get_role_summary().await.unwrap().value;
    assert!(!roles.is_empty());
    assert_eq!(c.current_base(), leader.url());
    // Forced onto the non-leader, calls answer ERROR_TRANSIENT.
    let r = http
        .post(format!("{}/api", follower.url()))
        .header("Content-Type", "application/vnd.apache.thrift.binary")
        .header("Accept", "application/vnd.apache.thrift.binary")
        .header(BYPASS_LEADER_REDIRECT_HEADER, "1")
        .body(role_summary_call(Protocol::Binary))
        .send()
        .await
        .unwrap();
    let (_, env) = Protocol::Binary
        .decode::<ResponseResult>(&r.bytes().await.unwrap())
        .unwrap();
    let Envelope::Body(rr) = env else { panic!() };
    assert_eq!(rr.success.unwrap().code(), ResponseCode::ERROR_TRANSIENT);
    follower.shutdown().await;
    leader.shutdown().await;
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let (server, _sim) = start(frozen()).await;
    let url = server.url();
    let c = AuroraClient::new(ClientConfig::new(url.clone())).unwrap();
    c.get_tier_configs().await.unwrap();
    server.shutdown().await;
    let c = AuroraClient::new(ClientConfig::new(url)).unwrap();
    assert!(matches!(
        c.get_tier_configs().await.unwrap_err(),
        ClientError::Transport { .. }
    ));
}
