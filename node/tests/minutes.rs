//! `POST /v1/minutes/drafts` against a node holding the demo data: drafts read with the
//! ledger's own departments, members and the reader's projects; bad input refused with the
//! reason.

use gongxin_core::crypto::Keypair;
use gongxin_core::model::Role;
use gongxin_core::request_auth::{ReadRequest, new_nonce, sign_read_request};
use gongxin_node::clock::{Clock, SystemClock};
use gongxin_node::config::Limits;
use gongxin_node::gateway;
use serde_json::Value;
use warp::http::StatusCode;

mod common;

async fn post(
    t: &common::TestNode,
    key: Option<&Keypair>,
    path: &str,
    body: impl AsRef<[u8]>,
) -> (StatusCode, Value) {
    let node = &t.node;
    let mut request = warp::test::request()
        .method("POST")
        .path(path)
        .header("content-type", "text/plain; charset=utf-8")
        .body(body);
    if let Some(key) = key {
        let nonce = new_nonce().unwrap();
        let headers = sign_read_request(
            key,
            &ReadRequest {
                chain_id: node.chain_id(),
                node: &node.name,
                method: "POST",
                path_and_query: path,
                timestamp_ms: SystemClock.now_ms(),
                nonce: &nonce,
            },
        );
        for (name, value) in headers {
            request = request.header(name, value);
        }
    }
    let response = request.reply(&gateway::routes(node.clone())).await;
    (
        response.status(),
        serde_json::from_slice(response.body()).unwrap_or(Value::Null),
    )
}

const MINUTES: &str = "智慧交通项目协调会纪要
时间：2026年11月20日
一、由市交通运输局牵头，于12月31日前完成SC-2026-008项目信号机调试，确保具备验收条件。
二、请 transport-specialist 下周五前报送人员进场名单。
会议听取了有关单位的汇报。";

#[tokio::test]
async fn minutes_become_drafts_read_with_the_ledgers_own_names() {
    let t = common::test_node(Limits::default());
    t.load_demo();
    let auditor = t.keys.member("audit", Role::Auditor).unwrap().clone();
    let (status, out) = post(&t, Some(&auditor), "/v1/minutes/drafts", MINUTES).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["meeting_date"], "2026-11-20");
    let drafts = out["drafts"].as_array().unwrap();
    assert_eq!(drafts.len(), 2, "{out}");
    let first = &drafts[0];
    assert_eq!(first["department"]["id"], "transport");
    assert_eq!(first["deadline"]["date"], "2026-12-31");
    assert_eq!(first["project"], "SC-2026-008");
    assert_eq!(first["acceptance_standard"], "具备验收条件");
    // The specialist named in the minutes is the ledger's member, with their key.
    let specialist = t.keys.member("transport", Role::Specialist).unwrap();
    let second = &drafts[1];
    assert_eq!(
        second["person"]["public_key"],
        specialist.public_key().to_string()
    );
    assert_eq!(second["department"]["id"], "transport");
    assert_eq!(second["deadline"]["date"], "2026-11-27");

    // The choices the console offers: every department and member.
    assert_eq!(out["departments"].as_array().unwrap().len(), 4);
    assert!(
        out["people"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["public_key"] == specialist.public_key().to_string())
    );

    // Ecology may not read transport's project: its reading names no project.
    let ecology = t.keys.member("ecology", Role::Specialist).unwrap().clone();
    let (status, theirs) = post(&t, Some(&ecology), "/v1/minutes/drafts", MINUTES).await;
    assert_eq!(status, StatusCode::OK);
    assert!(theirs["drafts"][0]["project"].is_null(), "{theirs}");
    // Nor another department's members: transport's specialist is not resolved for ecology,
    // and the choices list ecology's members only.
    assert!(theirs["drafts"][1]["person"].is_null(), "{theirs}");
    let people = theirs["people"].as_array().unwrap();
    assert!(!people.is_empty());
    assert!(
        people.iter().all(|p| p["department"] == "ecology"),
        "{people:?}"
    );
}

#[tokio::test]
async fn bad_minutes_are_refused_with_the_reason() {
    let t = common::test_node(Limits::default());
    let auditor = t.keys.member("audit", Role::Auditor).unwrap().clone();
    let (status, _) = post(&t, None, "/v1/minutes/drafts", MINUTES).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = post(&t, Some(&auditor), "/v1/minutes/drafts", "  \n ").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "bad_minutes");
    let (status, body) = post(
        &t,
        Some(&auditor),
        "/v1/minutes/drafts",
        vec![0xff, 0xfe, 0x41],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"], "bad_minutes");
    let (status, body) = post(
        &t,
        Some(&auditor),
        "/v1/minutes/drafts?meeting_date=2026-02-30",
        MINUTES,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "bad_query");
    let long = "会议要求各单位抓紧落实。".repeat(3_000);
    let (status, _) = post(&t, Some(&auditor), "/v1/minutes/drafts", long).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    // Without a header date the meeting_date given is used.
    let (status, body) = post(
        &t,
        Some(&auditor),
        "/v1/minutes/drafts?meeting_date=2026-11-26",
        "交通局要在半个月内补齐变更材料。",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["drafts"][0]["deadline"]["date"], "2026-12-11");
}
