//! The route × reader matrix: every GET route of the gateway (a route documented in the OpenAPI
//! document without a row here fails the test), asked by no key, a non-member, every member of
//! every department and role, and by broken signatures (stale, future-dated, replayed, for
//! another node, another path, another method). The expected status of a member's read comes
//! from `gongxin_contracts::access` — the same table the gateway applies — and no answer to a
//! reader who may not see a transport project carries that project's internal marker.

use gongxin_contracts::access::{ReaderRole, Subject};
use gongxin_contracts::testkit::proposal;
use gongxin_core::crypto::{Algorithm, Keypair};
use gongxin_core::model::{DepartmentKind, Operation, RectificationTask, Role};
use gongxin_core::request_auth::{ReadRequest, new_nonce, sign_read_request};
use gongxin_core::tx::{ReplayGuard, TxBody};
use gongxin_node::clock::{Clock, SystemClock};
use gongxin_node::config::Limits;
use gongxin_node::gateway;
use gongxin_node::producer::produce_block;
use warp::http::StatusCode;

mod common;

/// An internal field's value that only readers of transport's projects may ever see.
const MARKER: &str = "MARKER-5f3a9c-internal";
const TRANSPORT_PROJECT: &str = "MATRIX-T-1";

/// What a route asks of its reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Anyone.
    Open,
    /// A signed read; a member's answer is 200 when they may read `subject`, else 403.
    Signed(Subjected),
    /// A signed read whose stream never ends: only the refusals are checked here.
    SignedStream,
    /// Not a GET (submission); covered by the gateway tests.
    Post,
}

/// The record a signed route touches, so the expected answer follows the read table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Subjected {
    /// Every member may call it (lists filter by reader; entries hide what is not theirs).
    AnyMember,
    TransportProject,
    TransportQueue,
    /// Only readers of everything (the audit department): the operation log.
    AuditOnly,
    /// The directors and section chiefs of the node's own department, and audit: its webhooks.
    NodeLeads,
}

/// (OpenAPI path, the GET target asked, access).
fn routes(tx: &str, alert: &str) -> Vec<(&'static str, String, Access)> {
    use Access::{Open, Post, Signed, SignedStream};
    use Subjected::{AnyMember, AuditOnly, NodeLeads, TransportProject, TransportQueue};
    let p = TRANSPORT_PROJECT;
    vec![
        ("/v1/checkpoint", "/v1/checkpoint".into(), Open),
        (
            "/v1/checkpoints/{tree_size}",
            "/v1/checkpoints/0".into(),
            Open,
        ),
        (
            "/v1/proofs/inclusion",
            format!("/v1/proofs/inclusion?tx={tx}"),
            Signed(TransportProject),
        ),
        (
            "/v1/proofs/consistency",
            "/v1/proofs/consistency?first=1&second=1".into(),
            Open,
        ),
        (
            "/v1/entries",
            "/v1/entries?start=0&end=10000".into(),
            Signed(AnyMember),
        ),
        ("/v1/status", "/v1/status".into(), Open),
        ("/v1/txs", String::new(), Post),
        ("/v1/txs/batch", String::new(), Post),
        ("/v1/txs/{hash}", format!("/v1/txs/{tx}"), Open),
        ("/v1/validator-sets", "/v1/validator-sets".into(), Open),
        ("/v1/blocks/{height}", "/v1/blocks/1".into(), Open),
        (
            "/v1/projects",
            "/v1/projects?limit=500".into(),
            Signed(AnyMember),
        ),
        (
            "/v1/projects/{id}",
            format!("/v1/projects/{p}"),
            Signed(TransportProject),
        ),
        (
            "/v1/projects/{id}/history",
            format!("/v1/projects/{p}/history"),
            Signed(TransportProject),
        ),
        (
            "/v1/projects/{id}/alerts",
            format!("/v1/projects/{p}/alerts"),
            Signed(TransportProject),
        ),
        (
            "/v1/projects/{id}/rejections",
            format!("/v1/projects/{p}/rejections"),
            Signed(TransportProject),
        ),
        (
            "/v1/projects/{id}/health",
            format!("/v1/projects/{p}/health"),
            Signed(TransportProject),
        ),
        (
            "/v1/projects/{id}/risk",
            format!("/v1/projects/{p}/risk"),
            Signed(TransportProject),
        ),
        (
            "/v1/contracts/{id}",
            "/v1/contracts/NO-SUCH-CONTRACT".into(),
            Signed(AnyMember),
        ),
        (
            "/v1/contracts/{id}/disbursements",
            "/v1/contracts/NO-SUCH-CONTRACT/disbursements".into(),
            Signed(AnyMember),
        ),
        (
            "/v1/rectifications",
            "/v1/rectifications".into(),
            Signed(AnyMember),
        ),
        (
            "/v1/departments/{id}/approvals",
            "/v1/departments/transport/approvals".into(),
            Signed(TransportQueue),
        ),
        (
            "/v1/departments/{id}/alerts",
            "/v1/departments/transport/alerts".into(),
            Signed(TransportQueue),
        ),
        ("/v1/me/alerts", "/v1/me/alerts".into(), Signed(AnyMember)),
        (
            "/v1/alerts/{digest}",
            format!("/v1/alerts/{alert}"),
            Signed(TransportQueue),
        ),
        ("/v1/webhooks", "/v1/webhooks".into(), Signed(NodeLeads)),
        (
            "/v1/exports/{table}",
            "/v1/exports/projects".into(),
            Signed(AnyMember),
        ),
        (
            "/v1/exports/history",
            format!("/v1/exports/history?project={p}"),
            Signed(TransportProject),
        ),
        ("/v1/webhooks/{id}/replay", String::new(), Post),
        ("/v1/whoami", "/v1/whoami".into(), Signed(AnyMember)),
        ("/v1/policies", "/v1/policies".into(), Signed(AnyMember)),
        ("/v1/dashboard", "/v1/dashboard".into(), Signed(AnyMember)),
        ("/v1/risk", "/v1/risk".into(), Signed(AnyMember)),
        ("/v1/minutes/drafts", String::new(), Post),
        (
            "/v1/schema/operations",
            "/v1/schema/operations".into(),
            Open,
        ),
        ("/v1/access-log", "/v1/access-log".into(), Signed(AuditOnly)),
        ("/v1/rejections", "/v1/rejections".into(), Signed(AuditOnly)),
        (
            "/v1/access-log/anchors",
            "/v1/access-log/anchors".into(),
            Signed(AnyMember),
        ),
        (
            "/public/v1/projects",
            "/public/v1/projects?limit=500".into(),
            Open,
        ),
        (
            "/public/v1/projects/{id}",
            format!("/public/v1/projects/{p}"),
            Open,
        ),
        (
            "/public/v1/rectifications",
            "/public/v1/rectifications".into(),
            Open,
        ),
        ("/public/v1/genesis", "/public/v1/genesis".into(), Open),
        (
            "/public/v1/checkpoint",
            "/public/v1/checkpoint".into(),
            Open,
        ),
        ("/public/v1/entries", "/public/v1/entries".into(), Open),
        (
            "/public/v1/proofs/inclusion",
            "/public/v1/proofs/inclusion?leaf_index=0".into(),
            Open,
        ),
        (
            "/public/v1/proofs/consistency",
            "/public/v1/proofs/consistency?first=1&second=1".into(),
            Open,
        ),
        (
            "/public/v1/records/{kind}/{id}",
            format!("/public/v1/records/project/{p}"),
            Open,
        ),
        ("/v1/events", "/v1/events".into(), SignedStream),
        ("/metrics", "/metrics".into(), Open),
        ("/health", "/health".into(), Open),
        ("/openapi.json", "/openapi.json".into(), Open),
    ]
}

/// How a request is signed.
#[derive(Debug, Clone, Copy)]
enum Signing {
    Good,
    Stale,
    Future,
    OtherNode,
    OtherPath,
    OtherMethod,
}

fn sign(
    key: &Keypair,
    chain: &str,
    node: &str,
    path: &str,
    how: Signing,
) -> [(&'static str, String); 5] {
    let now = SystemClock.now_ms();
    let nonce = new_nonce().unwrap();
    let mut request = ReadRequest {
        chain_id: chain,
        node,
        method: "GET",
        path_and_query: path,
        timestamp_ms: now,
        nonce: &nonce,
    };
    match how {
        Signing::Good => {}
        Signing::Stale => request.timestamp_ms = now - 3_600_000,
        Signing::Future => request.timestamp_ms = now + 3_600_000,
        Signing::OtherNode => request.node = "another-node",
        Signing::OtherPath => request.path_and_query = "/v1/not-the-path-asked",
        Signing::OtherMethod => request.method = "POST",
    }
    sign_read_request(key, &request)
}

#[tokio::test]
async fn every_route_answers_every_reader_as_the_read_table_says() {
    let t = common::test_node(Limits::default());
    let node = t.node.clone();
    // A transport project whose internal description carries the marker, committed.
    let specialist = t
        .keys
        .member("transport", Role::Specialist)
        .unwrap()
        .clone();
    let now = SystemClock.now_ms();
    let mut project = proposal(TRANSPORT_PROJECT, 1_000_000, now, now + 86_400_000);
    project.description = format!("{MARKER} in the description");
    let tx = TxBody {
        chain_id: node.chain_id().to_owned(),
        signer: specialist.public_key(),
        replay: ReplayGuard {
            nonce: 1,
            valid_until_height: node.tip().chain.height + 100,
        },
        operation: Operation::ProposeProject(project),
    }
    .sign(&specialist);
    let tx_hash = tx.hash().to_string();
    node.admission
        .submit(tx.clone(), tx.to_bytes().len())
        .unwrap();
    // A rectification task transport answers for, due within the reminder lead: its due-soon
    // alert (addressed to transport only) is raised by the next block.
    let auditor = t.keys.member("audit", Role::Auditor).unwrap().clone();
    let task = TxBody {
        chain_id: node.chain_id().to_owned(),
        signer: auditor.public_key(),
        replay: ReplayGuard {
            nonce: 1,
            valid_until_height: node.tip().chain.height + 100,
        },
        operation: Operation::RaiseRectification(RectificationTask {
            id: "MATRIX-R-1".into(),
            project: None,
            title: "整改".into(),
            finding: "finding".into(),
            responsible_department: "transport".into(),
            responsible_person: specialist.public_key(),
            deadline_ms: now + 86_400_000,
            acceptance_standard: "standard".into(),
            source_ref: String::new(),
        }),
    }
    .sign(&auditor);
    node.admission
        .submit(task.clone(), task.to_bytes().len())
        .unwrap();
    produce_block(&node, false).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(5));
    produce_block(&node, true).unwrap();
    let alerts = gongxin_contracts::queries::department_alerts(
        &node.reader().state(),
        "transport",
        &Default::default(),
        None,
        10,
    )
    .unwrap();
    assert_eq!(alerts.items.len(), 1, "the task's due-soon alert");
    let alert_digest = alerts.items[0].digest.to_hex();
    let marker_hex = hex::encode(MARKER);

    let openapi: serde_json::Value =
        serde_json::from_str(include_str!("../src/gateway/openapi.json")).unwrap();
    let table = routes(&tx_hash, &alert_digest);
    for path in openapi["paths"].as_object().unwrap().keys() {
        assert!(
            table.iter().any(|(p, _, _)| p == path),
            "{path} has no row in the route × reader matrix"
        );
    }

    let routes = gateway::routes(node.clone());
    let chain = node.chain_id().to_owned();
    let name = node.name.clone();
    let ask = |target: String, headers: Option<[(&'static str, String); 5]>| {
        let routes = routes.clone();
        async move {
            let mut request = warp::test::request().method("GET").path(&target);
            if let Some(headers) = headers {
                for (n, v) in headers {
                    request = request.header(n, v);
                }
            }
            let response = request.reply(&routes).await;
            let body = String::from_utf8_lossy(response.body()).into_owned();
            (response.status(), body)
        }
    };
    let subject_of = |s: Subjected| -> Option<Subject> {
        match s {
            Subjected::AnyMember | Subjected::AuditOnly | Subjected::NodeLeads => None,
            Subjected::TransportProject => Some(Subject::Project {
                id: TRANSPORT_PROJECT.into(),
                owner: Some("transport".into()),
            }),
            Subjected::TransportQueue => Some(Subject::Department("transport".into())),
        }
    };
    let kinds: Vec<(String, DepartmentKind)> = t
        .keys
        .genesis
        .departments
        .iter()
        .map(|d| (d.id.clone(), d.kind))
        .collect();
    let stranger = Keypair::generate(Algorithm::Ed25519).unwrap();
    let node_department = node.own_department().expect("the test node is a validator");
    let mut checked = 0usize;

    for (path, target, access) in &table {
        if *access == Access::Post {
            continue;
        }
        // No key.
        let (status, body) = ask(target.clone(), None).await;
        assert!(!status.is_server_error(), "{target}: {status} {body}");
        assert!(
            !body.contains(MARKER) && !body.contains(&marker_hex),
            "{target} leaks to anyone"
        );
        match access {
            Access::Open => assert!(
                status == StatusCode::OK || status == StatusCode::NOT_FOUND,
                "{path}: open, got {status} {body}"
            ),
            _ => assert_eq!(status, StatusCode::UNAUTHORIZED, "{path} unsigned: {body}"),
        }
        if *access == Access::Open {
            continue;
        }
        // A key that is no member's.
        let (status, _) = ask(
            target.clone(),
            Some(sign(&stranger, &chain, &name, target, Signing::Good)),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: a non-member");
        // Broken signatures by a real auditor.
        let auditor = t.keys.member("audit", Role::Auditor).unwrap();
        for how in [
            Signing::Stale,
            Signing::Future,
            Signing::OtherNode,
            Signing::OtherPath,
            Signing::OtherMethod,
        ] {
            let (status, body) = ask(
                target.clone(),
                Some(sign(auditor, &chain, &name, target, how)),
            )
            .await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{path} {how:?}: {body}");
        }
        let Access::Signed(subjected) = access else {
            continue;
        };
        // A replay of a good request.
        let headers = sign(auditor, &chain, &name, target, Signing::Good);
        let (first, body) = ask(target.clone(), Some(headers.clone())).await;
        assert!(
            first == StatusCode::OK || first == StatusCode::NOT_FOUND,
            "{path}: {first} {body}"
        );
        let (status, body) = ask(target.clone(), Some(headers)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path} replayed: {body}");
        assert!(body.contains("replayed_request"), "{body}");
        // Every member.
        for (member, department, role, key) in &t.keys.members {
            let kind = kinds.iter().find(|(d, _)| d == department).unwrap().1;
            let reader = ReaderRole {
                department: department.clone(),
                kind,
                role: *role,
            };
            let expected = match subject_of(*subjected) {
                None if *subjected == Subjected::AuditOnly && !reader.reads_everything() => {
                    StatusCode::FORBIDDEN
                }
                None if *subjected == Subjected::NodeLeads => {
                    let lead = matches!(role, Role::Director | Role::SectionChief);
                    if reader.reads_everything() || (*department == node_department && lead) {
                        StatusCode::OK
                    } else {
                        StatusCode::FORBIDDEN
                    }
                }
                None => StatusCode::OK,
                Some(subject) if reader.may_read(&subject) => StatusCode::OK,
                Some(_) => StatusCode::FORBIDDEN,
            };
            let (status, body) = ask(
                target.clone(),
                Some(sign(key, &chain, &name, target, Signing::Good)),
            )
            .await;
            // A contract nobody has is absent: 404 for readers of every project, 403 else.
            let expected = if target.contains("NO-SUCH-CONTRACT") {
                if reader.reads_everything() || kind != DepartmentKind::Line {
                    StatusCode::NOT_FOUND
                } else {
                    StatusCode::FORBIDDEN
                }
            } else {
                expected
            };
            // A project proposed this quarter may have no health score yet: 404 `no_health`
            // is a reader's allowed answer there.
            let no_health = status == StatusCode::NOT_FOUND && body.contains("no_health");
            assert!(
                status == expected || (expected == StatusCode::OK && no_health),
                "{path} as {member}: expected {expected}, got {status} {body}"
            );
            let sees_transport = reader.may_read(&Subject::Project {
                id: TRANSPORT_PROJECT.into(),
                owner: Some("transport".into()),
            });
            if !sees_transport {
                assert!(
                    !body.contains(MARKER) && !body.contains(&marker_hex),
                    "{path} shows transport's internal field to {member}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 50, "the matrix ran {checked} member reads");

    // Nor does the node's disk show it: the write-ahead log and tables hold SM4 ciphertext.
    let mut files = vec![t.dir.path().join("data")];
    let mut scanned = 0;
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        scanned += bytes.len();
        assert!(
            !bytes.windows(MARKER.len()).any(|w| w == MARKER.as_bytes()),
            "{} holds the internal marker in clear",
            path.display()
        );
    }
    assert!(scanned > 0, "the data directory was read");
}
