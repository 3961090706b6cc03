//! The worked examples of the API reference (§2.2, §2.3), byte for byte, in both directions.

use eos::aurora::model::*;
use eos::aurora::wire::message::Envelope;
use eos::aurora::wire::{MessageType, Protocol};

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn hello() -> JobKey {
    JobKey::new("www-data", "prod", "hello")
}

fn kill_args() -> KillTasksArgs {
    KillTasksArgs {
        job: Some(hello()),
        instances: Some(vec![0, 3]),
        message: Some("bye".into()),
    }
}

fn update_key() -> JobUpdateKey {
    JobUpdateKey::new(JobKey::new("r", "e", "n"), "abc")
}

fn call<T: eos::aurora::wire::Thrift>(p: Protocol, name: &str, args: &T) -> Vec<u8> {
    p.encode(name, MessageType::Call, 1, args)
}

/// Encodes to exactly `expected`, and decoding `expected` gives the same value back.
fn check<T>(p: Protocol, name: &str, args: &T, expected: &[u8])
where
    T: eos::aurora::wire::Thrift + PartialEq + std::fmt::Debug,
{
    let got = call(p, name, args);
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(expected),
        "{name} encodes differently"
    );
    assert_eq!(got, expected);
    let (header, body) = p.decode::<T>(expected).expect("decodes");
    assert_eq!(header.name, name);
    assert_eq!(header.kind, MessageType::Call);
    assert_eq!(header.seq, 1);
    match body {
        Envelope::Body(v) => assert_eq!(&v, args),
        Envelope::Exception(e) => panic!("unexpected exception {e}"),
    }
}

#[test]
fn binary_get_role_summary() {
    let expected = hex("80010001 0000000e");
    let mut expected = expected;
    expected.extend_from_slice(b"getRoleSummary");
    expected.extend_from_slice(&hex("00000001 00"));
    check(Protocol::Binary, "getRoleSummary", &NoArgs {}, &expected);
}

#[test]
fn binary_get_job_summary() {
    let mut expected = hex("80010001 0000000d");
    expected.extend_from_slice(b"getJobSummary");
    expected.extend_from_slice(&hex("00000001 0b0001 00000008"));
    expected.extend_from_slice(b"www-data");
    expected.push(0);
    let args = RoleArgs {
        role: Some("www-data".into()),
    };
    check(Protocol::Binary, "getJobSummary", &args, &expected);
}

#[test]
fn binary_kill_tasks() {
    let mut e = hex("80010001 00000009");
    e.extend_from_slice(b"killTasks");
    e.extend_from_slice(&hex("00000001"));
    e.extend_from_slice(&hex("0c0004 0b0001 00000008"));
    e.extend_from_slice(b"www-data");
    e.extend_from_slice(&hex("0b0002 00000004"));
    e.extend_from_slice(b"prod");
    e.extend_from_slice(&hex("0b0003 00000005"));
    e.extend_from_slice(b"hello");
    e.extend_from_slice(&hex("00"));
    e.extend_from_slice(&hex("0e0005 08 00000002 00000000 00000003"));
    e.extend_from_slice(&hex("0b0006 00000003"));
    e.extend_from_slice(b"bye");
    e.push(0);
    check(Protocol::Binary, "killTasks", &kill_args(), &e);
}

#[test]
fn binary_reader_accepts_the_old_non_strict_header() {
    // name length, name, type byte, seqid — then the args struct.
    let mut body = hex("0000000e");
    body.extend_from_slice(b"getRoleSummary");
    body.extend_from_slice(&hex("01 00000007 00"));
    let (h, _) = Protocol::Binary.decode::<NoArgs>(&body).unwrap();
    assert_eq!(
        (h.name.as_str(), h.kind, h.seq),
        ("getRoleSummary", MessageType::Call, 7)
    );
}

#[test]
fn json_calls() {
    let j = Protocol::Json;
    check(
        j,
        "getRoleSummary",
        &NoArgs {},
        br#"[1,"getRoleSummary",1,1,{}]"#,
    );
    check(
        j,
        "getJobSummary",
        &RoleArgs {
            role: Some("www-data".into()),
        },
        br#"[1,"getJobSummary",1,1,{"1":{"str":"www-data"}}]"#,
    );
    let query = TaskQuery {
        role: Some("www-data".into()),
        environment: Some("prod".into()),
        job_name: Some("hello".into()),
        statuses: Some(vec![ScheduleStatus::PENDING, ScheduleStatus::RUNNING]),
        ..Default::default()
    };
    check(
        j,
        "getTasksWithoutConfigs",
        &QueryArgs { query: Some(query) },
        br#"[1,"getTasksWithoutConfigs",1,1,{"1":{"rec":{"2":{"str":"hello"},"5":{"set":["i32",2,0,2]},"9":{"str":"prod"},"14":{"str":"www-data"}}}}]"#,
    );
    check(
        j,
        "killTasks",
        &kill_args(),
        br#"[1,"killTasks",1,1,{"4":{"rec":{"1":{"str":"www-data"},"2":{"str":"prod"},"3":{"str":"hello"}}},"5":{"set":["i32",2,0,3]},"6":{"str":"bye"}}]"#,
    );
    let details = GetJobUpdateDetailsArgs {
        key: None,
        query: Some(JobUpdateQuery {
            key: Some(update_key()),
            ..Default::default()
        }),
    };
    check(
        j,
        "getJobUpdateDetails",
        &details,
        br#"[1,"getJobUpdateDetails",1,1,{"2":{"rec":{"8":{"rec":{"1":{"rec":{"1":{"str":"r"},"2":{"str":"e"},"3":{"str":"n"}}},"2":{"str":"abc"}}}}}}]"#,
    );
    check(
        j,
        "pulseJobUpdate",
        &PulseJobUpdateArgs { key: Some(update_key()) },
        br#"[1,"pulseJobUpdate",1,1,{"1":{"rec":{"1":{"rec":{"1":{"str":"r"},"2":{"str":"e"},"3":{"str":"n"}}},"2":{"str":"abc"}}}}]"#,
    );
}

#[test]
fn json_reply_with_result_server_info_and_empty_details() {
    let summary = JobSummary {
        job: Some(JobConfiguration {
            key: Some(hello()),
            instance_count: Some(2),
            ..Default::default()
        }),
        stats: Some(JobStats {
            active_task_count: Some(2),
            finished_task_count: Some(0),
            failed_task_count: Some(0),
            pending_task_count: Some(0),
        }),
        next_cron_run_ms: None,
    };
    let reply = ResponseResult {
        success: Some(Response {
            response_code: Some(ResponseCode::OK),
            result: Some(ApiResult::JobSummaryResult(JobSummaryResult {
                summaries: Some(vec![summary]),
            })),
            server_info: Some(ServerInfo {
                cluster_name: Some("devcluster".into()),
                stats_url_prefix: Some(String::new()),
            }),
            details: Some(vec![]),
        }),
    };
    let text = br#"[1,"getJobSummary",2,1,{"0":{"rec":{"1":{"i32":1},"3":{"rec":{"18":{"rec":{"1":{"set":["rec",1,{"1":{"rec":{"8":{"i32":2},"9":{"rec":{"1":{"str":"www-data"},"2":{"str":"prod"},"3":{"str":"hello"}}}}},"2":{"rec":{"1":{"i32":2},"2":{"i32":0},"3":{"i32":0},"4":{"i32":0}}}}]}}}}},"5":{"rec":{"1":{"str":"devcluster"},"3":{"str":""}}},"6":{"lst":["rec",0]}}}}]"#;
    let got = Protocol::Json.encode("getJobSummary", MessageType::Reply, 1, &reply);
    assert_eq!(String::from_utf8_lossy(&got), String::from_utf8_lossy(text));
    let (h, body) = Protocol::Json.decode::<ResponseResult>(text).unwrap();
    assert_eq!(h.kind, MessageType::Reply);
    match body {
        Envelope::Body(b) => assert_eq!(b, reply),
        Envelope::Exception(e) => panic!("{e}"),
    }
}

#[test]
fn json_scalars_follow_thrift_rules() {
    // Doubles: special values quoted, ordinary ones bare; Java's exponent form is accepted.
    let r = ResourceAggregate {
        resources: Some(vec![
            Resource::NumCpus(f64::INFINITY),
            Resource::NumCpus(f64::NEG_INFINITY),
            Resource::NumCpus(0.5),
            Resource::RamMb(9_007_199_254_740_993), // 2^53 + 1 keeps every digit
        ]),
    };
    let text = Protocol::Json.encode_value(&r);
    assert_eq!(
        String::from_utf8(text.clone()).unwrap(),
        r#"{"4":{"set":["rec",4,{"1":{"dbl":"Infinity"}},{"1":{"dbl":"-Infinity"}},{"1":{"dbl":0.5}},{"2":{"i64":9007199254740993}}]}}"#
    );
    assert_eq!(
        Protocol::Json
            .decode_value::<ResourceAggregate>(&text)
            .unwrap(),
        r
    );
    let nan: Resource = Protocol::Json
        .decode_value(br#"{"1":{"dbl":"NaN"}}"#)
        .unwrap();
    assert!(matches!(nan, Resource::NumCpus(v) if v.is_nan()));
    let java: Resource = Protocol::Json
        .decode_value(br#"{"1":{"dbl":1.0E-4}}"#)
        .unwrap();
    assert_eq!(java, Resource::NumCpus(1.0e-4));
    // Bools are 0/1; map keys are strings even for numbers.
    let s = JobUpdateSettings {
        rollback_on_failure: Some(true),
        wait_for_batch_completion: Some(false),
        ..Default::default()
    };
    assert_eq!(
        Protocol::Json.encode_value(&s),
        br#"{"6":{"tf":1},"8":{"tf":0}}"#
    );
    let ports = AssignedTask {
        assigned_ports: Some([("http".to_owned(), 31000)].into_iter().collect()),
        ..Default::default()
    };
    assert_eq!(
        Protocol::Json.encode_value(&ports),
        br#"{"5":{"map":["str","i32",1,{"http":31000}]}}"#
    );
    // Strings escape quotes, backslashes and control characters, and keep UTF-8 raw.
    let d = ResponseDetail {
        message: Some("a\"b\\c\nd\u{1}é/".into()),
    };
    let text = Protocol::Json.encode_value(&d);
    assert_eq!(
        String::from_utf8(text.clone()).unwrap(),
        "{\"1\":{\"str\":\"a\\\"b\\\\c\\nd\\u0001é/\"}}"
    );
    assert_eq!(
        Protocol::Json
            .decode_value::<ResponseDetail>(&text)
            .unwrap(),
        d
    );
    // \u escapes, including a surrogate pair, decode to UTF-8.
    let d: ResponseDetail = Protocol::Json
        .decode_value(br#"{"1":{"str":"\u00e9\ud83e\udd80\/"}}"#)
        .unwrap();
    assert_eq!(d.message.as_deref(), Some("é🦀/"));
}

#[test]
fn unknown_fields_enums_and_union_members_are_tolerated() {
    // A newer scheduler: an unknown field of each kind, an unknown enum number, an unknown
    // union member. Nothing fails; known fields still decode.
    let text = br#"{"1":{"i32":42},"99":{"lst":["rec",1,{"1":{"map":["i32","set",1,{"7":["str",1,"x"]}]}}]},"6":{"lst":["rec",1,{"1":{"str":"ok"},"2":{"dbl":1.5}}]},"3":{"rec":{"77":{"rec":{}}}}}"#;
    let r: Response = Protocol::Json.decode_value(text).unwrap();
    assert_eq!(r.response_code, Some(ResponseCode(42)));
    assert_eq!(r.code().to_string(), "UNKNOWN(42)");
    assert_eq!(r.messages(), vec!["ok"]);
    assert_eq!(r.result, Some(ApiResult::Unknown(77)));
    // The same in TBinary: a field whose declared type differs from ours is skipped too.
    let mut b = vec![];
    b.extend_from_slice(&hex("0b0001 00000002")); // responseCode sent as a string: skipped
    b.extend_from_slice(b"no");
    b.extend_from_slice(&hex("0d0063 0b0f 00000001 00000001")); // unknown map<string, list<bool>>
    b.extend_from_slice(b"k");
    b.extend_from_slice(&hex("02 00000002 01 00"));
    b.push(0);
    let r: Response = Protocol::Binary.decode_value(&b).unwrap();
    assert_eq!(r, Response::default());
}

#[test]
fn application_exceptions_decode_as_such() {
    let exc =
        eos::aurora::wire::message::TApplicationException::new(1, "Invalid method name: 'nope'");
    for p in [Protocol::Binary, Protocol::Json] {
        let bytes = p.encode("nope", MessageType::Exception, 3, &exc);
        let (h, body) = p.decode::<ResponseResult>(&bytes).unwrap();
        assert_eq!(h.kind, MessageType::Exception);
        match body {
            Envelope::Exception(e) => {
                assert_eq!(e.kind_name(), "UNKNOWN_METHOD");
                assert_eq!(e.message.as_deref(), Some("Invalid method name: 'nope'"));
            }
            Envelope::Body(_) => panic!("expected an exception"),
        }
    }
    assert_eq!(
        String::from_utf8(Protocol::Json.encode("nope", MessageType::Exception, 3, &exc)).unwrap(),
        r#"[1,"nope",3,3,{"1":{"str":"Invalid method name: 'nope'"},"2":{"i32":1}}]"#
    );
}
