//! Record reads against a fake gateway that checks every signature the way the real one does —
//! over the request target exactly as it arrived — so the SDK's encoding and signing are
//! verified over the wire: each read's path, percent-encoded filters (spaces, `&`, Chinese),
//! the CLI's paging with `--all` (cursors followed, bounded, a stuck cursor refused), and
//! gateway errors shown with their code and message.

mod common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use common::{FakeNode, Reply, Request, assert_exit, gongxin, path_str, text};
use gongxin_client::http::{ClientError, NodeClient};
use gongxin_client::records::{Page, PathAndQuery, ProjectFilter, Reader, RectificationFilter};
use gongxin_core::Hash;
use gongxin_core::crypto::{Algorithm, KeyFile, Keypair, PublicKey, Signature};
use gongxin_core::request_auth::{
    KEY_HEADER, NODE_HEADER, NONCE_HEADER, ReadRequest, SIGNATURE_HEADER, TIMESTAMP_HEADER,
    nonce_is_well_formed, verify_read_request,
};
use serde_json::{Value, json};

const CHAIN: &str = "records-test-chain";
/// The fake gateway's node name, as its status tells it.
const NODE: &str = "finance.validator";

/// The gateway's check: the five headers, the node they are meant for, a signature over
/// `CHAIN`, the node, the method, the target as received, the time and the nonce, and a nonce
/// not seen before with this key (`nonces` remembers them). Returns the signer, or the 401 the
/// gateway would send.
fn authenticate(
    request: &Request,
    nonces: &mut HashSet<(String, String)>,
) -> Result<PublicKey, Reply> {
    let header = |name: &str| {
        request
            .header(name)
            .ok_or_else(|| Reply::error(401, "unauthenticated", &format!("missing {name}")))
    };
    let key_text = header(KEY_HEADER)?;
    let key: PublicKey = key_text
        .parse()
        .map_err(|_| Reply::error(401, "bad_auth_header", "key"))?;
    let node = header(NODE_HEADER)?;
    let timestamp: u64 = header(TIMESTAMP_HEADER)?
        .parse()
        .map_err(|_| Reply::error(401, "bad_auth_header", "timestamp"))?;
    let nonce = header(NONCE_HEADER)?;
    if !nonce_is_well_formed(nonce) {
        return Err(Reply::error(401, "bad_auth_header", "nonce"));
    }
    let signature: Signature = header(SIGNATURE_HEADER)?
        .parse()
        .map_err(|_| Reply::error(401, "bad_auth_header", "signature"))?;
    if node != NODE {
        return Err(Reply::error(
            401,
            "wrong_node",
            &format!("the request is signed for node {node:?}; this is node {NODE:?}"),
        ));
    }
    let signed = ReadRequest {
        chain_id: CHAIN,
        node,
        method: &request.method,
        path_and_query: &request.target,
        timestamp_ms: timestamp,
        nonce,
    };
    if !verify_read_request(&key, &signature, &signed) {
        return Err(Reply::error(
            401,
            "bad_signature",
            "the request signature does not verify",
        ));
    }
    if !nonces.insert((key_text.to_owned(), nonce.to_owned())) {
        return Err(Reply::error(
            401,
            "replayed_request",
            "this signed request was already used",
        ));
    }
    Ok(key)
}

/// A gateway that authenticates every internal read and answers `answer(target)`; public
/// reads are answered unauthenticated. Every target served is logged.
fn gateway(
    log: Arc<Mutex<Vec<String>>>,
    mut answer: impl FnMut(&str) -> Reply + Send + 'static,
) -> FakeNode {
    let mut nonces = HashSet::new();
    FakeNode::start(move |request| {
        if request.path == "/v1/status" {
            return Reply::json(
                200,
                common::status_json(CHAIN, NODE, Hash::digest(b"g"), 3, 3),
            );
        }
        if !request.path.starts_with("/public/")
            && let Err(refused) = authenticate(request, &mut nonces)
        {
            return refused;
        }
        log.lock().unwrap().push(request.target.clone());
        answer(&request.target)
    })
}

fn empty_page() -> Reply {
    Reply::json(200, json!({"items": [], "next": null}))
}

#[test]
fn every_read_signs_the_target_it_sends() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let node = gateway(log.clone(), |target| {
        if target.starts_with("/v1/projects/P-1?") || target == "/v1/projects/P-1" {
            Reply::json(200, json!({"project": {"id": "P-1"}}))
        } else if target.starts_with("/v1/contracts/C-1") && !target.contains("disb") {
            Reply::json(200, json!({"id": "C-1"}))
        } else if target.contains("/health") {
            Reply::json(200, json!({"score_bp": 7100}))
        } else if target.starts_with("/public/v1/projects?") {
            Reply::json(200, json!({"total": 0, "projects": [], "next": null}))
        } else if target == "/public/v1/projects/P-1" {
            Reply::json(200, json!({"id": "P-1"}))
        } else {
            empty_page()
        }
    });
    let client = NodeClient::new(node.url()).unwrap();
    let key = Keypair::generate(Algorithm::Sm2).unwrap();
    let reader = Reader::new(&key, CHAIN, NODE);
    let filter = ProjectFilter {
        department: Some("生态环境局".into()),
        stage: Some("in_progress".into()),
        programme: Some("SC 2026 & co=1".into()),
    };
    client
        .projects(
            &reader,
            &filter,
            Some("idx/stage/in_progress/P-1"),
            Some(500),
        )
        .unwrap();
    assert_eq!(
        client.project(&reader, "P-1").unwrap()["project"]["id"],
        "P-1"
    );
    client
        .project_history(&reader, "P-1", None, Some(5))
        .unwrap();
    client
        .project_alerts(&reader, "P-1", Some("a/b"), None)
        .unwrap();
    client
        .project_rejections(&reader, "P-1", None, None)
        .unwrap();
    client
        .project_health(&reader, "P-1", Some("2026Q2"))
        .unwrap();
    client.contract(&reader, "C-1").unwrap();
    client.disbursements(&reader, "C-1", None, Some(1)).unwrap();
    let rect = RectificationFilter {
        status: Some("open".into()),
        department: Some("生态 环境".into()),
        project: Some("P-1".into()),
        overdue: true,
    };
    client.rectifications(&reader, &rect, None, None).unwrap();
    client
        .rectifications(&reader, &RectificationFilter::default(), None, None)
        .unwrap();
    client
        .department_approvals(&reader, "finance", None, Some(2))
        .unwrap();
    client
        .public_projects(&ProjectFilter::default(), Some("P-0"), Some(10))
        .unwrap();
    assert_eq!(client.public_project("P-1").unwrap()["id"], "P-1");
    client
        .public_rectifications(Some("ecology"), None, None)
        .unwrap();

    assert_eq!(
        *log.lock().unwrap(),
        [
            "/v1/projects?department=%E7%94%9F%E6%80%81%E7%8E%AF%E5%A2%83%E5%B1%80\
             &stage=in_progress&programme=SC%202026%20%26%20co%3D1\
             &after=idx%2Fstage%2Fin_progress%2FP-1&limit=500",
            "/v1/projects/P-1",
            "/v1/projects/P-1/history?limit=5",
            "/v1/projects/P-1/alerts?after=a%2Fb",
            "/v1/projects/P-1/rejections",
            "/v1/projects/P-1/health?quarter=2026Q2",
            "/v1/contracts/C-1",
            "/v1/contracts/C-1/disbursements?limit=1",
            "/v1/rectifications?status=open&department=%E7%94%9F%E6%80%81%20%E7%8E%AF%E5%A2%83\
             &project=P-1&overdue=true",
            "/v1/rectifications",
            "/v1/departments/finance/approvals?limit=2",
            "/public/v1/projects?after=P-0&limit=10",
            "/public/v1/projects/P-1",
            "/public/v1/rectifications?department=ecology",
        ]
    );

    // Each read is signed with a fresh nonce: the same read again is no replay.
    for _ in 0..2 {
        client.project(&reader, "P-1").unwrap();
    }
    // Signed for another chain, or for another node: the gateway's 401, as an API error with
    // its code.
    let wrong = Reader::new(&key, "another-chain", NODE);
    let error = client.project(&wrong, "P-1").unwrap_err();
    assert_eq!(
        (error.status(), error.code()),
        (Some(401), Some("bad_signature"))
    );
    let elsewhere = Reader::new(&key, CHAIN, "audit.validator");
    let error = client.project(&elsewhere, "P-1").unwrap_err();
    assert_eq!(
        (error.status(), error.code()),
        (Some(401), Some("wrong_node"))
    );
    // The same signed request sent twice: the second is a replay.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let target = PathAndQuery::new("/v1/projects")
        .id("project", "P-1")
        .unwrap();
    let headers = reader.sign_get_with_nonce(&target, 1_767_225_600_000, "records-api-nonce-1");
    let names: Vec<&str> = headers.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        names,
        [
            KEY_HEADER,
            NODE_HEADER,
            TIMESTAMP_HEADER,
            NONCE_HEADER,
            SIGNATURE_HEADER
        ]
    );
    assert_eq!(headers[1].1, NODE);
    let url = format!("{}{}", node.url(), target.as_str());
    let send = || {
        let mut request = agent.get(url.as_str());
        for (name, value) in &headers {
            request = request.header(*name, value);
        }
        let mut response = request.call().unwrap();
        let status = response.status().as_u16();
        let body: Value = response.body_mut().read_json().unwrap();
        (status, body["error"].as_str().map(str::to_owned))
    };
    assert_eq!(send(), (200, None));
    assert_eq!(send(), (401, Some("replayed_request".to_owned())));
    // Ids that cannot name a record are refused before anything is sent.
    let sent = log.lock().unwrap().len();
    for bad in ["P 1", "P/1", "..", "项目", ""] {
        let error = client.project(&reader, bad).unwrap_err();
        assert!(matches!(error, ClientError::InvalidInput(_)), "{bad:?}");
    }
    let error = client
        .projects(&reader, &ProjectFilter::default(), None, Some(0))
        .unwrap_err();
    assert!(matches!(error, ClientError::InvalidInput(_)));
    assert_eq!(log.lock().unwrap().len(), sent, "nothing was sent");
}

fn key_file(dir: &tempfile::TempDir) -> String {
    let path = dir.path().join("reader.key");
    let key = Keypair::generate(Algorithm::Ed25519).unwrap();
    std::fs::write(&path, KeyFile::from_keypair("reader", &key).to_json()).unwrap();
    path_str(&path).to_owned()
}

fn project_summary(id: &str) -> Value {
    json!({
        "id": id, "name": format!("智慧交通路口 {id}"), "owner_department": "transport",
        "programme": "SC-2026", "stage": "in_progress", "budget_fen": 1_767_200_000u64,
        "committed_fen": 1_625_824_000u64, "disbursed_fen": 162_582_400u64,
        "accepted_progress_bp": 1500,
    })
}

#[test]
fn list_all_follows_cursors_to_the_end() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let node = gateway(log.clone(), |target| {
        let page: Page = if target.contains("after=") {
            Page {
                items: vec![project_summary("P-3")],
                next: None,
            }
        } else {
            Page {
                items: vec![project_summary("P-1"), project_summary("P-2")],
                next: Some("idx/stage/in_progress/P-2".into()),
            }
        };
        Reply::json(200, serde_json::to_value(page).unwrap())
    });
    let dir = tempfile::tempdir().unwrap();
    let key = key_file(&dir);
    let out = gongxin(&[
        "--node",
        node.url(),
        "list",
        "projects",
        "--stage",
        "in_progress",
        "--all",
        "--key",
        &key,
    ]);
    assert_exit(&out, 0);
    let shown = text(&out.stdout);
    assert!(shown.contains("¥17,672,000.00"), "{shown}");
    assert!(shown.contains("15.00 %"), "{shown}");
    assert!(shown.contains("智慧交通路口 P-3"), "{shown}");
    assert!(shown.trim_end().ends_with("3 projects"), "{shown}");
    assert_eq!(
        *log.lock().unwrap(),
        [
            "/v1/projects?stage=in_progress&limit=500",
            "/v1/projects?stage=in_progress&after=idx%2Fstage%2Fin_progress%2FP-2&limit=500",
        ]
    );

    // --json prints one page holding everything read.
    let out = gongxin(&[
        "--json",
        "--node",
        node.url(),
        "list",
        "projects",
        "--all",
        "--key",
        &key,
    ]);
    assert_exit(&out, 0);
    let all: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(all["items"].as_array().unwrap().len(), 3);
    assert!(all["next"].is_null());

    // Without --all: one page, and where the list continues.
    let out = gongxin(&["--node", node.url(), "list", "projects", "--key", &key]);
    assert_exit(&out, 0);
    assert!(
        text(&out.stdout)
            .contains("2 projects; more follow: continue with --after idx/stage/in_progress/P-2"),
        "{}",
        text(&out.stdout)
    );
    // A stage the ledger does not have is refused before anything is signed.
    let out = gongxin(&[
        "--node",
        node.url(),
        "list",
        "projects",
        "--stage",
        "flying",
        "--key",
        &key,
    ]);
    assert_exit(&out, 2);
    assert!(text(&out.stderr).contains("not a project stage"));
}

#[test]
fn paging_is_bounded_and_a_stuck_cursor_is_refused() {
    let pages = Arc::new(Mutex::new(0u64));
    let endless = {
        let pages = pages.clone();
        gateway(Arc::default(), move |_| {
            let mut n = pages.lock().unwrap();
            *n += 1;
            Reply::json(
                200,
                json!({"total": 1_000_000, "projects": [{"id": format!("P-{n}")}],
                       "next": format!("P-{n}")}),
            )
        })
    };
    let out = gongxin(&[
        "--json",
        "--node",
        endless.url(),
        "public",
        "projects",
        "--all",
    ]);
    assert_exit(&out, 0);
    let read: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(*pages.lock().unwrap(), 200, "at most 200 pages");
    assert_eq!(read["projects"].as_array().unwrap().len(), 200);
    assert_eq!(read["next"], "P-200", "where to continue");

    let stuck = gateway(Arc::default(), |_| {
        Reply::json(200, json!({"items": [{"id": "HB-1"}], "next": "rect/HB-1"}))
    });
    let out = gongxin(&["--node", stuck.url(), "public", "rectifications", "--all"]);
    assert_exit(&out, 1);
    assert!(
        text(&out.stderr).contains("does not advance"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn gateway_refusals_show_their_code_and_message() {
    let node = gateway(Arc::default(), |target| {
        if target.starts_with("/v1/projects/P-9") {
            Reply::error(
                403,
                "not_readable",
                "project \"P-9\" does not exist or ecology may not read it",
            )
        } else if target.starts_with("/v1/contracts/") {
            Reply::error(404, "unknown_contract", "no contract \"C-404\"")
        } else {
            Reply::error(
                401,
                "stale_request",
                "request time 1 is more than 300000 ms from the node's clock",
            )
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let key = key_file(&dir);
    let run = |args: &[&str]| {
        let mut all = vec!["--node", node.url()];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--key", &key]);
        gongxin(&all)
    };
    let out = run(&["get", "project", "P-9"]);
    assert_exit(&out, 1);
    let error = text(&out.stderr);
    assert!(
        error.contains(
            "403 not_readable: project \"P-9\" does not exist or ecology may not read it"
        ),
        "{error}"
    );
    let out = run(&["get", "contract", "C-404"]);
    assert_exit(&out, 1);
    assert!(text(&out.stderr).contains("404 unknown_contract"));
    let out = run(&["approvals", "finance"]);
    assert_exit(&out, 1);
    let error = text(&out.stderr);
    assert!(error.contains("401 stale_request"), "{error}");
    assert!(
        error.contains("hint: ") && error.contains("clock"),
        "{error}"
    );

    // --json errors are JSON too.
    let out = run(&["--json", "get", "project", "P-9"]);
    assert_exit(&out, 1);
    let error: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert!(error["error"].as_str().unwrap().contains("not_readable"));

    // A key file that is not there: nothing is sent.
    let out = gongxin(&[
        "--node",
        node.url(),
        "get",
        "project",
        "P-1",
        "--key",
        "/nonexistent/reader.key",
    ]);
    assert_exit(&out, 1);
    assert!(text(&out.stderr).contains("key file"));
}

#[test]
fn records_render_for_people() {
    let view = json!({
        "project": {"id": "SC-2026-009", "name": "智慧环保监测点 009", "owner_department": "ecology",
                    "programme": "SC-2026", "stage": "in_progress", "planned_start_ms": 0,
                    "planned_end_ms": 86_400_000},
        "totals": {"budget_fen": 1_767_200_000u64, "committed_fen": 1_625_824_000u64,
                   "uncommitted_fen": 141_376_000u64, "disbursed_fen": 162_582_400u64,
                   "budget_use_bp": 920, "accepted_progress_bp": 0, "reported_progress_bp": 0,
                   "payable_fen": 162_582_400u64, "payable_bp": 1000, "approved_unpaid_fen": 0},
        "contracts": [{"id": "SC-2026-009-C", "contractor": {"name": "Contractor 90"},
                       "amount_fen": 1_625_824_000u64, "paid_fen": 162_582_400u64}],
        "health": {"score_bp": 7100, "quarter_label": "2026Q4"},
        "alerts": {"items": [], "next": null},
        "rejections": {"items": [], "next": null},
        "open_requests": {"items": [], "next": null},
        "history": {"items": [{"action": "propose_project"}], "next": null},
    });
    let node = gateway(Arc::default(), move |_| Reply::json(200, view.clone()));
    let dir = tempfile::tempdir().unwrap();
    let key = key_file(&dir);
    let out = gongxin(&[
        "--node",
        node.url(),
        "get",
        "project",
        "SC-2026-009",
        "--key",
        &key,
    ]);
    assert_exit(&out, 0);
    let shown = text(&out.stdout);
    for expected in [
        "SC-2026-009  智慧环保监测点 009",
        "¥17,672,000.00",
        "¥16,258,240.00 (uncommitted ¥1,413,760.00)",
        "¥1,625,824.00 (9.20 % of the budget",
        "payable ¥1,625,824.00 (10.00 %)",
        "71.00 % in 2026Q4",
        "1970-01-01 → 1970-01-02",
        "SC-2026-009-C with Contractor 90",
    ] {
        assert!(shown.contains(expected), "{expected:?} in:\n{shown}");
    }
    let out = gongxin(&[
        "--json",
        "--node",
        node.url(),
        "get",
        "project",
        "SC-2026-009",
        "--key",
        &key,
    ]);
    assert_exit(&out, 0);
    let back: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(back["totals"]["budget_use_bp"], 920);
}
