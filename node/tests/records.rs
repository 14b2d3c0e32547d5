//! Internal record reads (signed requests, role rules) and the public portal API, against a
//! node holding the devnet demo data.

use gongxin_core::crypto::{Algorithm, Keypair};
use gongxin_core::model::Role;
use gongxin_core::request_auth::sign_read_request;
use gongxin_node::config::Limits;
use gongxin_node::gateway;
use gongxin_node::node::wall_clock_ms;
use serde_json::Value;
use warp::http::StatusCode;

mod common;

struct Loaded {
    t: common::TestNode,
}

fn loaded() -> Loaded {
    let t = common::test_node(Limits::default());
    let plan = gongxin_node::demo::plan(&t.keys, t.node.tip().0.height, wall_clock_ms()).unwrap();
    for tx in &plan.txs {
        t.node.submit(tx.clone(), tx.to_bytes().len()).unwrap();
    }
    while t.node.mempool_len().0 > 0 {
        t.node.produce_block(false).unwrap();
    }
    Loaded { t }
}

impl Loaded {
    async fn get(&self, path: &str, key: Option<&Keypair>) -> (StatusCode, Value) {
        self.get_at(path, key, wall_clock_ms()).await
    }

    async fn get_at(
        &self,
        path: &str,
        key: Option<&Keypair>,
        timestamp_ms: u64,
    ) -> (StatusCode, Value) {
        let routes = gateway::routes(self.t.node.clone());
        let mut request = warp::test::request().method("GET").path(path);
        if let Some(key) = key {
            for (name, value) in
                sign_read_request(key, self.t.node.chain_id(), "GET", path, timestamp_ms)
            {
                request = request.header(name, value);
            }
        }
        let response = request.reply(&routes).await;
        (
            response.status(),
            serde_json::from_slice(response.body()).unwrap_or(Value::Null),
        )
    }

    fn key(&self, department: &str, role: Role) -> Keypair {
        self.t.keys.member(department, role).unwrap().clone()
    }
}

/// Project 9 is an ecology project in progress; project 10 a transport one.
const ECOLOGY_PROJECT: &str = "SC-2026-009";
const TRANSPORT_PROJECT: &str = "SC-2026-010";

#[tokio::test]
async fn reads_need_a_valid_signature_from_a_current_member() {
    let l = loaded();
    let path = format!("/v1/projects/{ECOLOGY_PROJECT}");
    let (status, body) = l.get(&path, None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthenticated"))
    );

    let stranger = Keypair::generate(Algorithm::Ed25519).unwrap();
    let (status, body) = l.get(&path, Some(&stranger)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("not_a_member"))
    );

    let auditor = l.key("audit", Role::Auditor);
    let (status, body) = l
        .get_at(&path, Some(&auditor), wall_clock_ms() - 3_600_000)
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("stale_request"))
    );

    // A signature for another path does not open this one.
    let routes = gateway::routes(l.t.node.clone());
    let mut request = warp::test::request().method("GET").path(&path);
    for (name, value) in sign_read_request(
        &auditor,
        l.t.node.chain_id(),
        "GET",
        "/v1/projects",
        wall_clock_ms(),
    ) {
        request = request.header(name, value);
    }
    let response = request.reply(&routes).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    let (status, me) = l.get("/v1/whoami", Some(&auditor)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (me["department"].as_str(), me["role"].as_str()),
        (Some("audit"), Some("auditor"))
    );
    assert_eq!(me["reads_everything"], true);

    let (status, view) = l.get(&path, Some(&auditor)).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["project"]["id"], ECOLOGY_PROJECT);
    assert!(view["totals"]["budget_fen"].as_u64().unwrap() > 0);
    assert!(view["totals"]["disbursed_fen"].as_u64().unwrap() > 0);
}

#[tokio::test]
async fn role_rules_follow_departments() {
    let l = loaded();
    let ecology = l.key("ecology", Role::Specialist);
    let finance = l.key("finance", Role::Specialist);
    let auditor = l.key("audit", Role::Auditor);

    // A line department reads its own projects, not another's.
    assert_eq!(
        l.get(&format!("/v1/projects/{ECOLOGY_PROJECT}"), Some(&ecology))
            .await
            .0,
        StatusCode::OK
    );
    let (status, body) = l
        .get(&format!("/v1/projects/{TRANSPORT_PROJECT}"), Some(&ecology))
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
    let (status, _) = l
        .get("/v1/projects?department=transport", Some(&ecology))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, page) = l.get("/v1/projects?limit=500", Some(&ecology)).await;
    assert_eq!(status, StatusCode::OK);
    let items = page["items"].as_array().unwrap();
    assert!(!items.is_empty() && items.iter().all(|p| p["owner_department"] == "ecology"));

    // Finance and audit read every project's financial records.
    for reader in [&finance, &auditor] {
        assert_eq!(
            l.get(&format!("/v1/projects/{TRANSPORT_PROJECT}"), Some(reader))
                .await
                .0,
            StatusCode::OK
        );
        let (status, contract) = l
            .get(
                &format!("/v1/contracts/{TRANSPORT_PROJECT}-C"),
                Some(reader),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{contract}");
        let (status, _) = l
            .get(
                &format!("/v1/contracts/{TRANSPORT_PROJECT}-C/disbursements"),
                Some(reader),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let (_, all) = l.get("/v1/projects?limit=500", Some(&auditor)).await;
    assert!(all["items"].as_array().unwrap().len() >= 120);

    // Rectifications: audit sees all; ecology the ones it answers for; transport none of ecology's.
    let (status, tasks) = l.get("/v1/rectifications?limit=100", Some(&auditor)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tasks["items"].as_array().unwrap().len(), 30);
    let (_, own) = l.get("/v1/rectifications?limit=100", Some(&ecology)).await;
    assert_eq!(own["items"].as_array().unwrap().len(), 30);
    let transport = l.key("transport", Role::Specialist);
    let (status, _) = l
        .get("/v1/rectifications?department=ecology", Some(&transport))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, theirs) = l.get("/v1/rectifications", Some(&transport)).await;
    assert!(theirs["items"].as_array().unwrap().is_empty());

    // Cursors never name another department's records.
    let (status, page) = l
        .get("/v1/rectifications?status=open&limit=1", Some(&transport))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page["items"].as_array().unwrap().is_empty());
    assert!(
        !page["next"].to_string().contains("HB-2026"),
        "cursor leaks a task: {page}"
    );
    let (_, page) = l
        .get("/v1/projects?programme=SC-2026&limit=1", Some(&ecology))
        .await;
    let next = page["next"].as_str().unwrap_or_default();
    assert!(
        next.is_empty() || next.contains("ecology"),
        "cursor outside the reader's department: {next}"
    );

    // Approvals waiting for a department: that department (or audit) only.
    assert_eq!(
        l.get("/v1/departments/finance/approvals", Some(&finance))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        l.get("/v1/departments/finance/approvals", Some(&ecology))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        l.get("/v1/departments/nowhere/approvals", Some(&auditor))
            .await
            .0,
        StatusCode::NOT_FOUND
    );

    // History, alerts, rejections and health of a project.
    for suffix in ["history", "alerts", "rejections", "health"] {
        let (status, body) = l
            .get(
                &format!("/v1/projects/{ECOLOGY_PROJECT}/{suffix}"),
                Some(&auditor),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{suffix}: {body}");
    }
    let (status, _) = l
        .get(
            &format!("/v1/projects/{ECOLOGY_PROJECT}/health?quarter=Q9"),
            Some(&auditor),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = l
        .get(
            &format!("/v1/projects/{ECOLOGY_PROJECT}/health?quarter=1969Q4"),
            Some(&auditor),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a quarter before the epoch is bad input, not a 500"
    );
    let (status, _) = l.get("/v1/projects?stage=flying", Some(&auditor)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = l.get("/v1/projects?limit=0", Some(&auditor)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = l.get("/v1/projects/NO-SUCH", Some(&auditor)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_public_api_pages_disclosed_projects_and_never_leaks_internal_fields() {
    let l = loaded();
    let (status, first) = l.get("/public/v1/projects?limit=50", None).await;
    assert_eq!(status, StatusCode::OK);
    let total = first["total"].as_u64().unwrap();
    assert!(total >= 120, "total {total}");
    let mut seen = first["projects"].as_array().unwrap().len();
    let mut next = first["next"].as_str().map(str::to_owned);
    let mut pages = 1;
    while let Some(cursor) = next {
        let (status, page) = l
            .get(
                &format!("/public/v1/projects?limit=50&after={cursor}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(page["total"].as_u64(), Some(total));
        seen += page["projects"].as_array().unwrap().len();
        next = page["next"].as_str().map(str::to_owned);
        pages += 1;
        assert!(pages < 10, "paging does not end");
    }
    assert_eq!(
        seen as u64, total,
        "paging covers every disclosed project once"
    );

    let (status, project) = l
        .get(&format!("/public/v1/projects/{ECOLOGY_PROJECT}"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let text = project.to_string();
    // The demo's internal description, member keys and evidence notes never appear.
    assert!(!text.contains("internal description"), "{text}");
    assert!(!text.contains("ed25519:"), "{text}");
    assert!(!text.contains("现场照片"), "{text}");
    assert_eq!(
        l.get("/public/v1/projects/NO-SUCH", None).await.0,
        StatusCode::NOT_FOUND
    );

    let (status, tasks) = l.get("/public/v1/rectifications?limit=100", None).await;
    assert_eq!(status, StatusCode::OK);
    let text = tasks.to_string();
    assert!(!text.contains("COD 超标"), "findings are internal: {text}");
    assert!(!text.contains("ed25519:"), "{text}");
}

#[tokio::test]
async fn openapi_describes_every_route() {
    let l = loaded();
    let (status, doc) = l.get("/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/v1/checkpoint",
        "/v1/proofs/inclusion",
        "/v1/proofs/consistency",
        "/v1/entries",
        "/v1/status",
        "/v1/txs",
        "/v1/txs/batch",
        "/v1/txs/{hash}",
        "/v1/validator-sets",
        "/v1/blocks/{height}",
        "/v1/projects",
        "/v1/projects/{id}",
        "/v1/projects/{id}/history",
        "/v1/projects/{id}/alerts",
        "/v1/projects/{id}/rejections",
        "/v1/projects/{id}/health",
        "/v1/contracts/{id}",
        "/v1/contracts/{id}/disbursements",
        "/v1/rectifications",
        "/v1/departments/{id}/approvals",
        "/v1/whoami",
        "/public/v1/projects",
        "/public/v1/projects/{id}",
        "/public/v1/rectifications",
        "/v1/events",
        "/metrics",
        "/health",
        "/openapi.json",
    ] {
        assert!(paths.contains_key(path), "{path} is not documented");
    }
    assert_eq!(
        paths.len(),
        28,
        "a documented path has no route in this list"
    );
}
