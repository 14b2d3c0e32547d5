//! The gateway's parsing and checking of a signed read's five headers (`gateway::auth`), fed
//! thousands of altered, dropped and arbitrary header values (any bytes a header may carry,
//! non-UTF-8 included): it never panics, never lets an altered request through, answers each
//! with a 401 (or 403 for another key that is no member's) and a reason, and still lets the untouched, freshly signed request in.

mod common;

use std::cell::Cell;
use std::sync::Mutex;

use gongxin_core::model::Role;
use gongxin_core::request_auth::{
    KEY_HEADER, NODE_HEADER, NONCE_HEADER, ReadRequest, SIGNATURE_HEADER, TIMESTAMP_HEADER,
    new_nonce, sign_read_request,
};
use gongxin_node::clock::{Clock, SystemClock};
use gongxin_node::config::Limits;
use gongxin_node::gateway::auth::{ReadKeys, ReplayCache, SignedRequest, authenticate};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRng, TestRunner};
use warp::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};

const HEADERS: [&str; 5] = [
    KEY_HEADER,
    NODE_HEADER,
    TIMESTAMP_HEADER,
    NONCE_HEADER,
    SIGNATURE_HEADER,
];
const PATH: &str = "/v1/projects";

/// What happens to one header of a correctly signed request.
#[derive(Debug, Clone)]
enum Change {
    Keep,
    Drop,
    /// Replaced by these bytes (any a header value may hold).
    Replace(Vec<u8>),
    /// One byte of the value replaced.
    Flip {
        at: usize,
        byte: u8,
    },
    /// Cut to this many bytes.
    Cut(usize),
}

/// Bytes a header value may carry: tab, visible ASCII and space, and opaque 0x80–0xFF.
fn header_byte() -> impl Strategy<Value = u8> {
    prop_oneof![Just(b'\t'), 0x20u8..0x7f, 0x80u8..=0xff]
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        6 => Just(Change::Keep),
        1 => Just(Change::Drop),
        1 => proptest::collection::vec(header_byte(), 0..200).prop_map(Change::Replace),
        2 => (any::<usize>(), header_byte()).prop_map(|(at, byte)| Change::Flip { at, byte }),
        1 => any::<usize>().prop_map(Change::Cut),
    ]
}

/// How far a request is from the one that was signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Distance {
    Untouched,
    /// Only the letter case of the key's or the signature's hex changed: the same key and
    /// signature, or a refused text form — either verdict is right.
    CaseOnly,
    Altered,
}

/// Applies `change` to header `name`'s `value`: the bytes sent (`None`: the header dropped)
/// and how far they are from the signed value.
fn apply(name: &str, value: &str, change: &Change) -> (Option<Vec<u8>>, Distance) {
    let mut bytes = value.as_bytes().to_vec();
    match change {
        Change::Keep => {}
        Change::Drop => return (None, Distance::Altered),
        Change::Replace(new) => bytes = new.clone(),
        Change::Flip { at, byte } => {
            let at = at % bytes.len().max(1);
            if let Some(b) = bytes.get_mut(at) {
                *b = *byte;
            }
        }
        Change::Cut(len) => bytes.truncate(len % (bytes.len() + 1)),
    }
    let distance = if bytes == value.as_bytes() {
        Distance::Untouched
    } else if (name == KEY_HEADER || name == SIGNATURE_HEADER)
        && bytes.eq_ignore_ascii_case(value.as_bytes())
    {
        Distance::CaseOnly
    } else {
        Distance::Altered
    };
    (Some(bytes), distance)
}

#[test]
fn altered_signed_read_headers_are_refused_with_a_reason_and_never_panic() {
    let t = common::test_node(Limits::default());
    let node = &t.node;
    let reader = t.keys.member("audit", Role::Auditor).unwrap().clone();
    let replay = Mutex::new(ReplayCache::new(100_000));
    // One for every case, as the gateway keeps one: altered keys and signatures are judged
    // through what earlier cases left in it.
    let keys = ReadKeys::default();
    let config = Config {
        cases: 3_000,
        failure_persistence: None,
        ..Config::default()
    };
    // The same cases on every run (a failure names its header changes).
    let rng = TestRng::deterministic_rng(config.rng_algorithm);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let (refused, admitted_count) = (Cell::new(0u32), Cell::new(0u32));
    runner
        .run(&proptest::array::uniform5(change()), |changes| {
            let nonce = new_nonce().unwrap();
            let signed = sign_read_request(
                &reader,
                &ReadRequest {
                    chain_id: node.chain_id(),
                    node: &node.name,
                    method: "GET",
                    path_and_query: PATH,
                    timestamp_ms: SystemClock.now_ms(),
                    nonce: &nonce,
                },
            );
            let mut headers = HeaderMap::new();
            let mut distance = Distance::Untouched;
            for (name, change) in HEADERS.iter().zip(&changes) {
                let value = &signed.iter().find(|(n, _)| n == name).unwrap().1;
                let (bytes, this) = apply(name, value, change);
                distance = distance.max(this);
                if let Some(bytes) = bytes {
                    let value = HeaderValue::from_bytes(&bytes).unwrap();
                    headers.insert(HeaderName::from_static(name), value);
                }
            }
            let request = SignedRequest {
                method: "GET".into(),
                path: PATH.into(),
                query: String::new(),
                headers,
            };
            let attempt = authenticate(node, &replay, &keys, &request);
            match attempt.reader {
                Ok(admitted) => {
                    prop_assert!(
                        distance != Distance::Altered,
                        "an altered request was let in: {changes:?}"
                    );
                    prop_assert_eq!(admitted.member.member.role, Role::Auditor);
                    admitted_count.set(admitted_count.get() + 1);
                }
                Err(e) => {
                    prop_assert!(
                        distance != Distance::Untouched,
                        "the untouched request was refused: {}",
                        e.message
                    );
                    // 401 for credentials that do not hold, 403 for a valid key of no member.
                    prop_assert!(
                        matches!(e.status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN),
                        "{} {}",
                        e.status,
                        e.message
                    );
                    prop_assert!(!e.code.is_empty() && !e.message.is_empty());
                    refused.set(refused.get() + 1);
                }
            }
            Ok(())
        })
        .unwrap();
    // Both sides were exercised: the generator is not only making garbage, nor only good ones.
    let (refused, admitted) = (refused.get(), admitted_count.get());
    assert!(
        refused > 1_000 && admitted > 100,
        "refused {refused}, admitted {admitted}"
    );
}
