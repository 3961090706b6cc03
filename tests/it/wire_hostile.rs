//! Hostile and broken bodies: each is an error value with an offset, never a panic, and never
//! an allocation sized by what the body claims rather than what it holds.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use eos::aurora::model::*;
use eos::aurora::wire::{DecodeErrorKind, MessageType, Protocol};

/// Counts the largest single allocation of this thread, to prove length fields are not trusted.
struct Largest;
thread_local! {
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}
fn note(n: usize) {
    let _ = LARGEST.try_with(|c| c.set(c.get().max(n)));
}
unsafe impl GlobalAlloc for Largest {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        note(l.size());
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        note(n);
        unsafe { System.realloc(p, l, n) }
    }
}
#[global_allocator]
static A: Largest = Largest;

fn reply_bytes(p: Protocol) -> Vec<u8> {
    let task = ScheduledTask {
        assigned_task: Some(AssignedTask {
            task_id: Some("t-1".into()),
            instance_id: Some(0),
            ..Default::default()
        }),
        status: Some(ScheduleStatus::RUNNING),
        ..Default::default()
    };
    let r = ResponseResult {
        success: Some(Response {
            response_code: Some(ResponseCode::OK),
            result: Some(ApiResult::ScheduleStatusResult(ScheduleStatusResult {
                tasks: Some(vec![task]),
            })),
            ..Default::default()
        }),
    };
    p.encode("getTasksStatus", MessageType::Reply, 1, &r)
}

#[test]
fn truncated_bodies_fail_at_every_length() {
    for p in [Protocol::Binary, Protocol::Json] {
        let full = reply_bytes(p);
        assert!(p.decode::<ResponseResult>(&full).is_ok());
        for n in 0..full.len() {
            let e = p.decode::<ResponseResult>(&full[..n]).unwrap_err();
            assert!(
                e.offset <= n,
                "{p:?} offset {} past the {n} bytes given",
                e.offset
            );
        }
    }
}

#[test]
fn a_list_claiming_two_billion_elements_in_twenty_bytes() {
    // Response { 6: details = list<struct> of 2^31-1 elements }, and nothing after.
    let mut body = vec![0x0f, 0x00, 0x06, 0x0c, 0x7f, 0xff, 0xff, 0xff];
    body.extend_from_slice(&[0; 12]);
    LARGEST.with(|c| c.set(0));
    let e = Protocol::Binary
        .decode_value::<Response>(&body)
        .unwrap_err();
    assert!(
        matches!(
            e.kind,
            DecodeErrorKind::LengthTooLarge {
                claimed: 2147483647,
                ..
            }
        ),
        "{e}"
    );
    let largest = LARGEST.with(|c| c.get());
    assert!(largest < 4096, "allocated {largest} bytes");

    let json = br#"{"6":{"lst":["rec",2147483647,{}]}}"#;
    let e = Protocol::Json.decode_value::<Response>(json).unwrap_err();
    assert!(
        matches!(e.kind, DecodeErrorKind::LengthTooLarge { .. }),
        "{e}"
    );

    // A string claiming 2 GiB.
    let s = [0x0b, 0x00, 0x01, 0x7f, 0xff, 0xff, 0xff, b'x'];
    let e = Protocol::Binary
        .decode_value::<ResponseDetail>(&s)
        .unwrap_err();
    assert!(
        matches!(e.kind, DecodeErrorKind::LengthTooLarge { .. }),
        "{e}"
    );
    // Negative lengths.
    let s = [0x0b, 0x00, 0x01, 0xff, 0xff, 0xff, 0xfe];
    let e = Protocol::Binary
        .decode_value::<ResponseDetail>(&s)
        .unwrap_err();
    assert_eq!(e.kind, DecodeErrorKind::NegativeLength(-2));
}

#[test]
fn list_counts_that_lie_about_their_elements_fail() {
    // Claims 3 elements, holds 2.
    let json = br#"{"6":{"lst":["rec",3,{},{}]}}"#;
    assert!(Protocol::Json.decode_value::<Response>(json).is_err());
    // Claims 1, holds 2.
    let json = br#"{"6":{"lst":["rec",1,{},{}]}}"#;
    assert!(Protocol::Json.decode_value::<Response>(json).is_err());
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    // An unknown field nesting lists 100,000 deep.
    let mut body = vec![0x0f, 0x00, 0x63];
    for _ in 0..100_000 {
        body.extend_from_slice(&[0x0f, 0x00, 0x00, 0x00, 0x01]);
    }
    let e = Protocol::Binary
        .decode_value::<Response>(&body)
        .unwrap_err();
    assert_eq!(e.kind, DecodeErrorKind::TooDeep);

    let mut json = String::from(r#"{"99":{"lst":"#);
    for _ in 0..100_000 {
        json.push_str(r#"["lst",1,"#);
    }
    let e = Protocol::Json
        .decode_value::<Response>(json.as_bytes())
        .unwrap_err();
    assert_eq!(e.kind, DecodeErrorKind::TooDeep);

    // Structs nested deeply inside an unknown field.
    let mut body = vec![];
    for _ in 0..10_000 {
        body.extend_from_slice(&[0x0c, 0x00, 0x63]);
    }
    let e = Protocol::Binary
        .decode_value::<Response>(&body)
        .unwrap_err();
    assert_eq!(e.kind, DecodeErrorKind::TooDeep);
}

#[test]
fn wrong_types_and_invalid_utf8() {
    // A string field whose bytes are not UTF-8.
    let body = [0x0b, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0xff, 0xfe, 0x00];
    let e = Protocol::Binary
        .decode_value::<ResponseDetail>(&body)
        .unwrap_err();
    assert_eq!(e.kind, DecodeErrorKind::InvalidUtf8);
    assert_eq!(e.offset, 7);
    let e = Protocol::Json
        .decode_value::<ResponseDetail>(b"{\"1\":{\"str\":\"\xff\"}}")
        .unwrap_err();
    assert_eq!(e.kind, DecodeErrorKind::InvalidUtf8);
    // An unknown type byte.
    let e = Protocol::Binary
        .decode_value::<Response>(&[0x05, 0x00, 0x01])
        .unwrap_err();
    assert_eq!(e.kind, DecodeErrorKind::UnknownType(5));
    // TJSON: quoted numbers, true/false, null, 1.0 for an integer are all refused.
    for bad in [
        &br#"{"1":{"i32":"1"}}"#[..],
        br#"{"1":{"i32":1.0}}"#,
        br#"{"1":{"i32":null}}"#,
        br#"{"1":{"i32":99999999999}}"#,
        br#"{"1":{"tf":true}}"#,
        br#"{"1":{"dbl":"1.5"}}"#,
        br#"{"1":{"dbl":NaN}}"#,
        br#"{"1":{"zz":1}}"#,
        br#"{1:{"i32":1}}"#,
    ] {
        assert!(
            Protocol::Json.decode_value::<Response>(bad).is_err(),
            "accepted {}",
            String::from_utf8_lossy(bad)
        );
    }
}

#[test]
fn whitespace_in_tjson_is_refused_like_the_java_reader() {
    for bad in [
        &b"[1, \"getRoleSummary\",2,1,{}]"[..],
        b"[1,\"getRoleSummary\",2,1,{ }]",
        b"[1,\"getRoleSummary\",2,1,{}]\n",
        b" [1,\"getRoleSummary\",2,1,{}]",
    ] {
        assert!(Protocol::Json.decode::<ResponseResult>(bad).is_err());
    }
    assert!(
        Protocol::Json
            .decode::<ResponseResult>(b"[1,\"getRoleSummary\",2,1,{}]")
            .is_ok()
    );
}

#[test]
fn html_error_pages_and_other_non_thrift_bodies() {
    let html = b"<html><body><h1>Error 503</h1>No leader</body></html>";
    for p in [Protocol::Binary, Protocol::Json] {
        assert!(p.decode::<ResponseResult>(html).is_err());
        assert!(p.decode::<ResponseResult>(b"").is_err());
        assert!(p.decode::<ResponseResult>(b"OK\n").is_err());
    }
    // Version numbers other than 1 / 0x8001.
    let e = Protocol::Json
        .decode::<ResponseResult>(b"[2,\"x\",2,1,{}]")
        .unwrap_err();
    assert_eq!(e.kind, DecodeErrorKind::BadVersion(2));
    let e = Protocol::Binary
        .decode::<ResponseResult>(&[0x80, 0x02, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 1, 0])
        .unwrap_err();
    assert!(matches!(e.kind, DecodeErrorKind::BadVersion(_)));
    // Trailing garbage after a complete message.
    let mut b = reply_bytes(Protocol::Binary);
    b.push(0);
    let e = Protocol::Binary.decode::<ResponseResult>(&b).unwrap_err();
    assert_eq!(e.kind, DecodeErrorKind::TrailingData(1));
}

#[test]
fn python_style_numbers_are_read() {
    // python3-thrift writes doubles with 17 digits and exponents like 1e+22.
    for (text, v) in [
        (&br#"{"1":{"dbl":0.10000000000000001}}"#[..], 0.1),
        (br#"{"1":{"dbl":1e+22}}"#, 1e22),
        (br#"{"1":{"dbl":10}}"#, 10.0),
        (br#"{"1":{"dbl":-2.5E-3}}"#, -2.5e-3),
    ] {
        assert_eq!(
            Protocol::Json.decode_value::<Resource>(text).unwrap(),
            Resource::NumCpus(v)
        );
    }
}
