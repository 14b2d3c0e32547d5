//! Internal record reads (signed requests, role rules) and the public portal API, against a
//! node holding the devnet demo data.

use gongxin_core::crypto::{Algorithm, Keypair};
use gongxin_core::model::Role;
use gongxin_node::clock::{Clock, SystemClock};
use gongxin_node::config::Limits;
use gongxin_node::gateway;
use gongxin_node::producer::produce_block;
use serde_json::Value;
use warp::filters::BoxedFilter;
use warp::http::StatusCode;
use warp::reply::Response;

mod common;

struct Loaded {
    t: common::TestNode,
}

fn loaded() -> Loaded {
    let t = common::test_node(Limits::default());
    t.load_demo();
    Loaded { t }
}

impl Loaded {
    async fn get(&self, path: &str, key: Option<&Keypair>) -> (StatusCode, Value) {
        self.get_at(path, key, SystemClock.now_ms()).await
    }

    async fn get_at(
        &self,
        path: &str,
        key: Option<&Keypair>,
        timestamp_ms: u64,
    ) -> (StatusCode, Value) {
        let routes = gateway::routes(self.t.node.clone());
        let headers = match key {
            Some(key) => self
                .signed(key, &self.t.node.name, path, timestamp_ms)
                .to_vec(),
            None => Vec::new(),
        };
        send(&routes, path, &headers).await
    }

    /// The headers of a GET of `signed_path` signed by `key` for the node named `node`, with a
    /// fresh nonce. Tests pass another node or path than the one they send to, to see it
    /// refused.
    fn signed(
        &self,
        key: &Keypair,
        node: &str,
        signed_path: &str,
        timestamp_ms: u64,
    ) -> [(&'static str, String); 5] {
        common::sign_get_for(self.t.node.chain_id(), node, key, signed_path, timestamp_ms)
    }

    fn key(&self, department: &str, role: Role) -> Keypair {
        self.t.keys.member(department, role).unwrap().clone()
    }
}

/// GET `path` with `headers` through `routes` (one value, so its replay cache persists across
/// calls): status and JSON body (`Null` if not JSON).
async fn send(
    routes: &BoxedFilter<(Response,)>,
    path: &str,
    headers: &[(&'static str, String)],
) -> (StatusCode, Value) {
    let mut request = warp::test::request().method("GET").path(path);
    for (name, value) in headers {
        request = request.header(*name, value.as_str());
    }
    let response = request.reply(routes).await;
    (
        response.status(),
        serde_json::from_slice(response.body()).unwrap_or(Value::Null),
    )
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
        .get_at(&path, Some(&auditor), SystemClock.now_ms() - 3_600_000)
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("stale_request"))
    );

    // A signature for another path does not open this one.
    let routes = gateway::routes(l.t.node.clone());
    let other_path = l.signed(
        &auditor,
        &l.t.node.name,
        "/v1/projects",
        SystemClock.now_ms(),
    );
    let (status, body) = send(&routes, &path, &other_path).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("bad_signature"))
    );

    // Each signed request is accepted once: the same headers again are a replay, even though
    // they are still within the clock window.
    let once = l.signed(&auditor, &l.t.node.name, &path, SystemClock.now_ms());
    let (status, body) = send(&routes, &path, &once).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = send(&routes, &path, &once).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("replayed_request"))
    );

    // A request signed for another node is not accepted here (a request captured on one node
    // cannot be replayed on another).
    let elsewhere = l.signed(
        &auditor,
        "elsewhere.validator.gongxin",
        &path,
        SystemClock.now_ms(),
    );
    assert_ne!(l.t.node.name, "elsewhere.validator.gongxin");
    let (status, body) = send(&routes, &path, &elsewhere).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("wrong_node"))
    );

    // The ledger's entries, inclusion proofs by transaction and the event stream are signed
    // reads too; a transaction's status stays open (it tells only what happened to a
    // transaction the caller already holds).
    let some_tx = gongxin_core::Hash::digest(b"some transaction");
    for signed_only in [
        "/v1/entries?start=0&end=0".to_owned(),
        format!("/v1/proofs/inclusion?tx={some_tx}"),
        "/v1/events".to_owned(),
    ] {
        let (status, body) = l.get(&signed_only, None).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("unauthenticated")),
            "{signed_only}"
        );
    }
    let (status, body) = l.get(&format!("/v1/txs/{some_tx}"), None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("unknown_tx"))
    );

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
    // Another department's project and one that does not exist get the same answer, so a line
    // department learns neither which projects exist nor who owns them.
    for path in [
        format!("/v1/projects/{TRANSPORT_PROJECT}"),
        "/v1/projects/NO-SUCH".to_owned(),
        format!("/v1/projects/{TRANSPORT_PROJECT}/history"),
        "/v1/projects/NO-SUCH/history".to_owned(),
        format!("/v1/contracts/{TRANSPORT_PROJECT}-C"),
        "/v1/contracts/NO-SUCH-C".to_owned(),
        format!("/v1/contracts/{TRANSPORT_PROJECT}-C/disbursements"),
        "/v1/contracts/NO-SUCH-C/disbursements".to_owned(),
    ] {
        let (status, body) = l.get(&path, Some(&ecology)).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::FORBIDDEN, Some("not_readable")),
            "{path}"
        );
    }
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
    // Who reads every project may learn which do not exist: nothing they could not list.
    for reader in [&finance, &auditor] {
        let (status, body) = l.get("/v1/projects/NO-SUCH", Some(reader)).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::NOT_FOUND, Some("unknown_project"))
        );
        let (status, body) = l.get("/v1/contracts/NO-SUCH-C", Some(reader)).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::NOT_FOUND, Some("unknown_contract"))
        );
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
    let (status, body) = l
        .get("/v1/departments/finance/approvals", Some(&ecology))
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("not_readable"))
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
}

#[tokio::test]
async fn the_public_api_pages_disclosed_projects_and_never_leaks_internal_fields() {
    let l = loaded();
    let (status, first) = l.get("/public/v1/projects?limit=50", None).await;
    assert_eq!(status, StatusCode::OK);
    let total = first["total"].as_u64().unwrap();
    assert!(total >= 120, "total {total}");
    // The ids of every page in order; each page's `next` is the last id on it.
    let ids_of = |page: &Value| -> Vec<String> {
        page["projects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let mut ids = ids_of(&first);
    let mut next = first["next"].as_str().map(str::to_owned);
    assert_eq!(next.as_ref(), ids.last());
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
        let page_ids = ids_of(&page);
        next = page["next"].as_str().map(str::to_owned);
        if next.is_some() {
            assert_eq!(next.as_ref(), page_ids.last());
        }
        ids.extend(page_ids);
        pages += 1;
        assert!(pages < 10, "paging does not end");
    }
    assert_eq!(
        ids.len() as u64,
        total,
        "paging covers every disclosed project once"
    );
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "pages follow id order");

    // `after` is a position in id order, not a record: an id that names no project starts the
    // page at the first disclosed id after it, so the answer tells nothing about which ids exist.
    let position = format!("{}~", ids[10]);
    assert!(!ids.contains(&position));
    let (status, page) = l
        .get(
            &format!("/public/v1/projects?limit=3&after={position}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let expected: Vec<String> = ids
        .iter()
        .filter(|id| id.as_str() > position.as_str())
        .take(3)
        .cloned()
        .collect();
    assert_eq!(ids_of(&page), expected);

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
    let all: Vec<String> = tasks["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(all.len() > 2, "{text}");
    assert!(tasks["next"].is_null(), "one page holds them all");

    // Paging by a disclosed task's id: `next` is the last task on the page, and the pages
    // together are the whole list, once each.
    let mut paged: Vec<String> = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..=all.len() {
        let path = match &after {
            Some(id) => format!("/public/v1/rectifications?limit=2&after={id}"),
            None => "/public/v1/rectifications?limit=2".to_owned(),
        };
        let (status, page) = l.get(&path, None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let items = page["items"].as_array().unwrap();
        paged.extend(items.iter().map(|t| t["id"].as_str().unwrap().to_owned()));
        after = page["next"].as_str().map(str::to_owned);
        match &after {
            Some(next) => {
                assert_eq!(Some(next), paged.last(), "next is the page's last task");
                assert!(all.contains(next), "next names a disclosed task");
            }
            None => break,
        }
    }
    assert!(after.is_none(), "paging does not end");
    assert_eq!(paged, all);
}

#[tokio::test]
async fn openapi_describes_every_route() {
    let l = loaded();
    let (status, doc) = l.get("/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/v1/checkpoint",
        "/v1/checkpoints/{tree_size}",
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
        "/v1/rejections",
        "/v1/projects/{id}/health",
        "/v1/projects/{id}/risk",
        "/v1/contracts/{id}",
        "/v1/contracts/{id}/disbursements",
        "/v1/rectifications",
        "/v1/departments/{id}/approvals",
        "/v1/departments/{id}/alerts",
        "/v1/me/alerts",
        "/v1/alerts/{digest}",
        "/v1/webhooks",
        "/v1/webhooks/{id}/replay",
        "/v1/exports/{table}",
        "/v1/exports/history",
        "/v1/whoami",
        "/v1/policies",
        "/v1/dashboard",
        "/v1/risk",
        "/v1/minutes/drafts",
        "/v1/schema/operations",
        "/v1/access-log",
        "/v1/access-log/anchors",
        "/public/v1/projects",
        "/public/v1/projects/{id}",
        "/public/v1/rectifications",
        "/public/v1/genesis",
        "/public/v1/checkpoint",
        "/public/v1/entries",
        "/public/v1/proofs/inclusion",
        "/public/v1/proofs/consistency",
        "/public/v1/records/{kind}/{id}",
        "/v1/events",
        "/metrics",
        "/health",
        "/openapi.json",
    ] {
        assert!(paths.contains_key(path), "{path} is not documented");
    }
    assert_eq!(
        paths.len(),
        51,
        "a documented path has no route in this list"
    );
}

/// The console's reads: the dashboard follows the reader's departments and agrees with the
/// project lists; policies and a department's alerts are signed reads under the read table.
#[tokio::test]
async fn the_dashboard_is_scoped_to_the_readers_departments_and_matches_the_lists() {
    let l = loaded();
    let finance = l.key("finance", Role::Director);
    let (status, all) = l.get("/v1/dashboard", Some(&finance)).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(all["height"], l.t.node.tip().height());
    let (_, listed) = l.get("/v1/projects?limit=500", Some(&finance)).await;
    let listed = listed["items"].as_array().unwrap();
    assert_eq!(all["projects"]["total"], listed.len() as u64);
    let budget: u64 = listed
        .iter()
        .map(|p| p["budget_fen"].as_u64().unwrap())
        .sum();
    let departments = all["departments"].as_array().unwrap();
    let dashboard_budget: u64 = departments
        .iter()
        .map(|d| d["budget_fen"].as_u64().unwrap())
        .sum();
    assert_eq!(dashboard_budget, budget);
    let by_stage: u64 = all["projects"]["by_stage"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(by_stage, listed.len() as u64);
    // The demo's 30 measures: each open, submitted or closed; none overdue yet at its own
    // block time (the first deadlines are minutes later).
    let rect = &all["rectifications"];
    let count = |k: &str| rect[k].as_u64().unwrap();
    assert_eq!(
        count("open") + count("submitted") + count("closed"),
        30,
        "{rect}"
    );
    assert!(
        count("overdue") <= count("open") && count("closed") > 0,
        "{rect}"
    );
    assert!(!all["ranking"].as_array().unwrap().is_empty(), "{all}");
    // The quarter trend the console charts: the scored quarters of the last four, oldest
    // first, each with the average health and how many projects it averages.
    let quarters = all["quarters"].as_array().unwrap();
    assert!(
        (1..=gongxin_contracts::dashboard::TREND_QUARTERS).contains(&quarters.len()),
        "{all}"
    );
    let labels: Vec<&str> = quarters
        .iter()
        .map(|q| q["quarter"].as_str().unwrap())
        .collect();
    assert!(labels.is_sorted(), "{labels:?}");
    let current = quarters.last().unwrap();
    assert!(
        current["projects_scored"].as_u64().unwrap() > 0,
        "{current}"
    );
    assert!(
        current["health_avg_bp"].as_u64().unwrap() <= 10_000,
        "{current}"
    );

    // A line department's specialist sees its own department only.
    let ecology = l.key("ecology", Role::Specialist);
    let (status, own) = l.get("/v1/dashboard", Some(&ecology)).await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<&str> = own["departments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["ecology"]);
    let (_, ecology_projects) = l.get("/v1/projects?limit=500", Some(&ecology)).await;
    assert_eq!(
        own["projects"]["total"],
        ecology_projects["items"].as_array().unwrap().len() as u64
    );
    // Unsigned, it is refused.
    let (status, _) = l.get("/v1/dashboard", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// Delay risk: the demo's contracted, in-progress and suspended projects are scored with the
/// built-in model exactly as `gongxin_risk` scores the node's state, ranked, explained, and
/// shown only to readers of the project.
#[tokio::test]
async fn delay_risk_is_scored_explained_ranked_and_scoped_to_the_reader() {
    let l = loaded();
    let finance = l.key("finance", Role::Director);
    let (status, all) = l.get("/v1/risk", Some(&finance)).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    let model = gongxin_risk::LoadedModel::builtin();
    assert_eq!(all["model"]["sm3"], model.sm3.to_hex());
    let as_of = all["as_of_ms"].as_u64().unwrap();
    let expected =
        gongxin_risk::score_open_projects(&l.t.node.reader().state(), model, as_of).unwrap();
    let items = all["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert_eq!(items.len(), expected.len());
    for item in items {
        let id = item["project"].as_str().unwrap();
        let want = expected.iter().find(|r| r.project == id).unwrap();
        assert_eq!(
            item["probability_bp"],
            u64::from(want.probability_bp),
            "{id}"
        );
        assert_eq!(item["summary_zh"], want.summary_zh.as_str());
        let factors = item["factors"].as_array().unwrap();
        assert_eq!(factors.len(), gongxin_risk::FEATURE_COUNT);
        let contributions: Vec<f64> = factors
            .iter()
            .map(|f| f["contribution"].as_f64().unwrap())
            .collect();
        assert!(
            contributions.is_sorted_by(|a, b| a >= b),
            "{contributions:?}"
        );
    }
    let probabilities: Vec<u64> = items
        .iter()
        .map(|i| i["probability_bp"].as_u64().unwrap())
        .collect();
    assert!(
        probabilities.is_sorted_by(|a, b| a >= b),
        "{probabilities:?}"
    );
    // The dashboard's ranking is the head of the same list.
    let (_, dashboard) = l.get("/v1/dashboard", Some(&finance)).await;
    let ranking = dashboard["risk_ranking"].as_array().unwrap();
    assert_eq!(ranking.len(), items.len().min(10));
    assert_eq!(ranking[0]["project"], items[0]["project"]);
    assert_eq!(
        dashboard["risk_model"]["version"],
        model.model.version.as_str()
    );

    // One project: an in-progress transport project is scored...
    let transport = l.key("transport", Role::Specialist);
    let (status, one) = l
        .get("/v1/projects/SC-2026-008/risk", Some(&transport))
        .await;
    assert_eq!(status, StatusCode::OK, "{one}");
    assert_eq!(one["risk"]["project"], "SC-2026-008");
    assert!(one["not_scored"].is_null());
    // ... a proposed one says why it is not.
    let (status, proposed) = l.get("/v1/projects/SC-2026-000/risk", Some(&finance)).await;
    assert_eq!(status, StatusCode::OK, "{proposed}");
    assert!(proposed["risk"].is_null());
    assert!(
        proposed["not_scored"].as_str().unwrap().contains("仅评估"),
        "{proposed}"
    );
    // A line department sees its own projects only.
    let (_, own) = l.get("/v1/risk", Some(&transport)).await;
    let own = own["items"].as_array().unwrap();
    assert!(!own.is_empty());
    assert!(
        own.iter().all(|i| i["department"] == "transport"),
        "{own:?}"
    );
    assert_eq!(
        own.len(),
        expected
            .iter()
            .filter(|r| r.department == "transport")
            .count()
    );
    let ecology = l.key("ecology", Role::Specialist);
    let (status, _) = l.get("/v1/projects/SC-2026-008/risk", Some(&ecology)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = l.get("/v1/risk?department=transport", Some(&ecology)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Filters.
    let (status, bad) = l.get("/v1/risk?level=severe", Some(&finance)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(bad["error"], "bad_query");
    let (_, high) = l.get("/v1/risk?level=high", Some(&finance)).await;
    assert!(
        high["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["level"] == "high" && i["probability_bp"].as_u64().unwrap() >= 5_000)
    );

    // The validator records the model it scores with; the answers then name that height.
    assert!(
        all["model"]["recorded_height"].is_null(),
        "{}",
        all["model"]
    );
    let in_use = gongxin_node::anchoring::ModelInUse {
        version: model.model.version.clone(),
        sm3: model.sm3,
    };
    let mut pending = None;
    let sent =
        gongxin_node::anchoring::record_model_once(&l.t.node, &in_use, &mut pending).unwrap();
    assert!(sent.is_some());
    produce_block(&l.t.node, true).unwrap();
    let height = l.t.node.tip().height();
    let (_, after) = l.get("/v1/risk", Some(&finance)).await;
    assert_eq!(
        after["model"]["recorded_height"], height,
        "{}",
        after["model"]
    );
    // Recorded once: the next round sends nothing.
    let again =
        gongxin_node::anchoring::record_model_once(&l.t.node, &in_use, &mut pending).unwrap();
    assert_eq!(again, None);
}

#[tokio::test]
async fn project_lists_carry_the_schedule_a_gantt_chart_draws() {
    let l = loaded();
    let finance = l.key("finance", Role::Director);
    let (_, page) = l.get("/v1/projects?limit=500", Some(&finance)).await;
    let project = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == TRANSPORT_PROJECT)
        .unwrap()
        .clone();
    let (_, detail) = l
        .get(&format!("/v1/projects/{TRANSPORT_PROJECT}"), Some(&finance))
        .await;
    for field in [
        "planned_start_ms",
        "planned_end_ms",
        "original_planned_end_ms",
    ] {
        assert!(project[field].as_u64().unwrap() > 0, "{field}: {project}");
        assert_eq!(
            project[field], detail["project"][field],
            "{field}: {detail}"
        );
    }
    assert!(project["reported_progress_bp"].is_u64());
}

#[tokio::test]
async fn policies_and_department_alerts_are_member_reads() {
    let l = loaded();
    // The demo commits in one block; the next one sends the due-soon reminders of its tasks.
    std::thread::sleep(std::time::Duration::from_millis(5));
    produce_block(&l.t.node, true).unwrap();
    let transport = l.key("transport", Role::Specialist);
    let (status, body) = l.get("/v1/policies", Some(&transport)).await;
    assert_eq!(status, StatusCode::OK);
    let policies = body["policies"].as_array().unwrap();
    assert!(
        policies.iter().any(|p| p["kind"] == "request_disbursement"),
        "{body}"
    );
    let (status, _) = l.get("/v1/policies", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let ecology_director = l.key("ecology", Role::Director);
    let (status, alerts) = l
        .get(
            "/v1/departments/ecology/alerts?limit=500",
            Some(&ecology_director),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{alerts}");
    let items = alerts["items"].as_array().unwrap();
    assert!(!items.is_empty(), "the demo's overdue tasks alert ecology");
    assert!(
        items
            .iter()
            .all(|a| a["responsible_department"] == "ecology")
    );
    let (status, _) = l
        .get("/v1/departments/ecology/alerts", Some(&transport))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let auditor = l.key("audit", Role::Auditor);
    let (status, body) = l
        .get("/v1/departments/no-such-dept/alerts", Some(&auditor))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(
        body_of(&l, "/v1/policies", &transport).await["reminders"]["due_soon_lead_ms"],
        3 * 86_400_000u64
    );

    // Filters: by kind (codes), by state; each item carries its digest and acknowledgements.
    let (status, due) = l
        .get(
            "/v1/departments/ecology/alerts?kind=rectification_due_soon,rectification_overdue&state=open&limit=500",
            Some(&ecology_director),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{due}");
    let due = due["items"].as_array().unwrap();
    assert!(
        !due.is_empty(),
        "the demo's tasks are due soon or overdue: {items:?}"
    );
    assert!(due.iter().all(|a| {
        let kind = a["kind"]["alert"].as_str().unwrap();
        kind.starts_with("rectification_") && a["acknowledgements"] == serde_json::json!([])
    }));
    for bad in [
        "/v1/departments/ecology/alerts?kind=late",
        "/v1/departments/ecology/alerts?state=seen",
        "/v1/me/alerts?kind=",
    ] {
        let (status, body) = l.get(bad, Some(&ecology_director)).await;
        let ok_empty = bad.ends_with("kind=") && status == StatusCode::OK;
        assert!(
            ok_empty || status == StatusCode::BAD_REQUEST,
            "{bad}: {body}"
        );
    }

    // Mine: the director is named by every alert of ecology's (as its director); a finance
    // specialist by none.
    let (status, mine) = l
        .get("/v1/me/alerts?limit=500", Some(&ecology_director))
        .await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    let mine = mine["items"].as_array().unwrap();
    assert_eq!(
        mine.len(),
        items.len(),
        "every ecology alert names its director"
    );
    let finance = l.key("finance", Role::Specialist);
    let (_, none) = l.get("/v1/me/alerts", Some(&finance)).await;
    assert_eq!(none["items"], serde_json::json!([]));

    // One alert by digest: to its department and audit; another line department gets the
    // same answer as for an alert that does not exist.
    let digest = mine[0]["digest"].as_str().unwrap();
    let (status, one) = l
        .get(&format!("/v1/alerts/{digest}"), Some(&ecology_director))
        .await;
    assert_eq!(status, StatusCode::OK, "{one}");
    assert_eq!(one["digest"], digest);
    let (status, hidden) = l
        .get(&format!("/v1/alerts/{digest}"), Some(&transport))
        .await;
    assert_eq!(
        (status, hidden["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("not_readable"))
    );
    let absent = gongxin_core::Hash::digest(b"no alert").to_hex();
    let (status, _) = l
        .get(&format!("/v1/alerts/{absent}"), Some(&transport))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = l.get(&format!("/v1/alerts/{absent}"), Some(&auditor)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = l.get("/v1/alerts/xyz", Some(&auditor)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

async fn body_of(l: &Loaded, path: &str, key: &Keypair) -> Value {
    let (status, body) = l.get(path, Some(key)).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    body
}

#[tokio::test]
async fn the_operations_schema_is_open_and_is_core_s() {
    let l = loaded();
    let (status, body) = l.get("/v1/schema/operations", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["tx_body"], gongxin_core::schema::tx_body_schema());
    assert_eq!(
        body["kinds"].as_array().unwrap().len(),
        gongxin_core::model::OperationKind::ALL.len()
    );
}

#[tokio::test]
async fn the_console_is_served_with_a_strict_policy_or_says_how_to_build_it() {
    let l = loaded();
    let routes = gateway::routes(l.t.node.clone());
    let response = warp::test::request().path("/console").reply(&routes).await;
    assert_eq!(response.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(response.headers()["location"], "/console/");
    let response = warp::test::request().path("/console/").reply(&routes).await;
    // Debug builds serve `web/dist` from disk: built by `scripts/build-web` (which the test
    // command runs first), or not at all.
    let built = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../web/dist/index.html")
        .exists();
    if built {
        assert_eq!(response.status(), StatusCode::OK);
        let csp = response.headers()["content-security-policy"]
            .to_str()
            .unwrap();
        assert!(csp.contains("script-src 'self'"), "{csp}");
        let html = String::from_utf8_lossy(response.body());
        assert!(html.contains("main.js"), "{html}");
        let etag = response.headers()["etag"].clone();
        let again = warp::test::request()
            .path("/console/")
            .header("if-none-match", etag)
            .reply(&routes)
            .await;
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        let script = warp::test::request()
            .path("/console/main.js")
            .reply(&routes)
            .await;
        assert_eq!(script.status(), StatusCode::OK);
        assert!(
            script.headers()["content-type"]
                .to_str()
                .unwrap()
                .contains("javascript")
        );
        assert!(script.headers().get("content-encoding").is_none());
        // A browser that accepts gzip gets the build's compressed copy, same type.
        let zipped = warp::test::request()
            .path("/console/main.js")
            .header("accept-encoding", "gzip, deflate, br")
            .reply(&routes)
            .await;
        assert_eq!(zipped.status(), StatusCode::OK);
        assert_eq!(zipped.headers()["content-encoding"], "gzip");
        assert_eq!(zipped.headers()["vary"], "accept-encoding");
        assert!(
            zipped.headers()["content-type"]
                .to_str()
                .unwrap()
                .contains("javascript")
        );
        let dist = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/dist");
        assert_eq!(
            zipped.body().as_ref(),
            std::fs::read(dist.join("main.js.gz")).unwrap().as_slice()
        );
        assert!(zipped.body().len() * 2 < script.body().len());
        assert_ne!(zipped.headers()["etag"], script.headers()["etag"]);
        let (status, _) = send(&routes, "/console/main.js.gz", &[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    } else {
        let body: Value = serde_json::from_slice(response.body()).unwrap();
        assert_eq!(body["error"], "console_not_built", "{body}");
    }
    let (status, body) = send(&routes, "/console/no-such-file.js", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

#[tokio::test]
async fn rejections_across_all_projects_are_the_audit_departments() {
    let l = loaded();
    let auditor = l.key("audit", Role::Auditor);
    let all = body_of(&l, "/v1/rejections?limit=500", &auditor).await;
    let items = all["items"].as_array().unwrap();
    assert!(items.len() > 1, "the demo has its intended rejections");
    let heights: Vec<u64> = items
        .iter()
        .map(|r| r["height"].as_u64().unwrap())
        .collect();
    assert!(heights.windows(2).all(|w| w[0] <= w[1]), "oldest first");
    // Each project's own rejections are all among them.
    let mut projects: Vec<&str> = items.iter().filter_map(|r| r["project"].as_str()).collect();
    projects.dedup();
    assert!(!projects.is_empty());
    for project in projects {
        let path = format!("/v1/projects/{project}/rejections?limit=500");
        for own in body_of(&l, &path, &auditor).await["items"]
            .as_array()
            .unwrap()
        {
            assert!(items.contains(own), "{project}: {own}");
        }
    }
    // From a height on: exactly the later ones.
    let last = *heights.last().unwrap();
    let later = body_of(&l, &format!("/v1/rejections?from_height={last}"), &auditor).await;
    assert_eq!(
        later["items"].as_array().unwrap().len(),
        heights.iter().filter(|h| **h >= last).count()
    );
    // A cursor from before `from_height` does not reach back past it.
    let past = body_of(
        &l,
        &format!("/v1/rejections?from_height={}&after=rej/", last + 1),
        &auditor,
    )
    .await;
    assert_eq!(
        past["items"],
        serde_json::json!([]),
        "nothing after the last"
    );
    // A page continues where the one before ended.
    let first = body_of(&l, "/v1/rejections?limit=1", &auditor).await;
    assert_eq!(first["items"][0], items[0]);
    let cursor = first["next"].as_str().unwrap();
    let second = body_of(
        &l,
        &format!("/v1/rejections?limit=1&after={cursor}"),
        &auditor,
    )
    .await;
    assert_eq!(second["items"][0], items[1]);
    // Other departments are refused; bad input is a 400 with its reason.
    let finance = l.key("finance", Role::Specialist);
    let (status, body) = l.get("/v1/rejections", Some(&finance)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = l
        .get("/v1/rejections?from_height=soon", Some(&auditor))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}
