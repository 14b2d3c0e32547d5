//! Record reads against a real node holding the demo data (`gongxin-devnet` without
//! `--no-demo`: 120 projects of programme SC-2026, 30 rectification tasks): signed internal
//! reads through the CLI and the SDK, the gateway's role rules as the CLI reports them
//! (403/404/401, exit code 1), paging with `--all`, and the public API never showing an
//! internal field. One devnet serves every check: loading the demo takes a few seconds.

mod common;

use common::devnet::{Demo, Devnet};
use common::{assert_exit, gongxin, text};
use gongxin_client::http::{ClientError, NodeClient};
use gongxin_client::records::{PathAndQuery, ProjectFilter, Reader};
use gongxin_core::crypto::{Algorithm, KeyFile, Keypair};
use serde_json::Value;

/// An ecology project in progress, and a transport one (the demo's numbering).
const ECOLOGY_PROJECT: &str = "SC-2026-009";
const TRANSPORT_PROJECT: &str = "SC-2026-010";
/// The demo's programme has this many projects, every one public.
const DEMO_PROJECTS: usize = 120;

fn json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", text(&out.stdout)))
}

fn keypair(devnet: &Devnet, member: &str) -> Keypair {
    let file = std::fs::read_to_string(devnet.key(member)).unwrap();
    KeyFile::from_json(&file).unwrap().keypair().unwrap()
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// One `GET` with the given headers, as sent: the status and the JSON body.
fn raw_get(agent: &ureq::Agent, url: &str, headers: &[(&str, String)]) -> (u16, Value) {
    let mut request = agent.get(url);
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let mut response = request.call().unwrap();
    let status = response.status().as_u16();
    (status, response.body_mut().read_json().unwrap())
}

#[test]
fn signed_and_public_reads_of_the_demo_data() {
    let mut devnet = Devnet::start(Demo::Load);
    let node = devnet.url.clone();
    let ecology = devnet.key("ecology-specialist");
    let auditor = devnet.key("audit-auditor-1");
    let finance = devnet.key("finance-director");
    let cli = |args: &[&str]| {
        let mut all = vec!["--node", node.as_str()];
        all.extend_from_slice(args);
        gongxin(&all)
    };

    // A line department reads its own project...
    let out = cli(&["get", "project", ECOLOGY_PROJECT, "--key", &ecology]);
    assert_exit(&out, 0);
    let shown = text(&out.stdout);
    assert!(shown.starts_with(ECOLOGY_PROJECT), "{shown}");
    assert!(shown.contains("budget") && shown.contains('¥'), "{shown}");
    assert!(shown.contains(" %"), "{shown}");
    let out = cli(&[
        "--json",
        "get",
        "project",
        ECOLOGY_PROJECT,
        "--key",
        &ecology,
    ]);
    assert_exit(&out, 0);
    let view = json(&out);
    assert_eq!(view["project"]["id"], ECOLOGY_PROJECT);
    assert_eq!(view["project"]["owner_department"], "ecology");
    assert!(view["totals"]["budget_fen"].as_u64().unwrap() > 0, "{view}");

    // ... and not another department's: the gateway's 403, its code and message, exit 1.
    let out = cli(&["get", "project", TRANSPORT_PROJECT, "--key", &ecology]);
    assert_exit(&out, 1);
    let error = text(&out.stderr);
    assert!(
        error.contains("403") && error.contains("not_readable"),
        "{error}"
    );
    assert!(error.contains("ecology may not read it"), "{error}");
    assert!(
        !error.contains("transport"),
        "the refusal does not tell who owns the project: {error}"
    );
    // An absent project gets the same answer, so a line department learns neither whether a
    // project exists nor whose it is; the auditor, who sees every project, gets 404.
    let out = cli(&["get", "project", "SC-2026-999", "--key", &ecology]);
    assert_exit(&out, 1);
    let error = text(&out.stderr);
    assert!(
        error.contains("403") && error.contains("not_readable"),
        "{error}"
    );
    let out = cli(&["get", "project", "SC-2026-999", "--key", &auditor]);
    assert_exit(&out, 1);
    let error = text(&out.stderr);
    assert!(
        error.contains("404") && error.contains("unknown_project"),
        "{error}"
    );

    // Finance reads every project's contract.
    let contract = format!("{TRANSPORT_PROJECT}-C");
    let out = cli(&["get", "contract", &contract, "--key", &finance]);
    assert_exit(&out, 0);
    assert!(
        text(&out.stdout).contains("milestones"),
        "{}",
        text(&out.stdout)
    );
    let out = cli(&["--json", "get", "contract", &contract, "--key", &finance]);
    assert_exit(&out, 0);
    assert_eq!(json(&out)["project"], TRANSPORT_PROJECT);

    // The auditor lists every project, paging through `next` (small pages: several of them).
    let out = cli(&[
        "--json", "list", "projects", "--all", "--limit", "50", "--key", &auditor,
    ]);
    assert_exit(&out, 0);
    let all = json(&out);
    let items = all["items"].as_array().unwrap();
    assert!(items.len() >= DEMO_PROJECTS, "{} projects", items.len());
    assert!(all["next"].is_null(), "read to the end");
    let mut ids: Vec<&str> = items.iter().map(|p| p["id"].as_str().unwrap()).collect();
    ids.dedup();
    assert_eq!(ids.len(), items.len(), "each project once");
    let out = cli(&["list", "projects", "--all", "--key", &auditor]);
    assert_exit(&out, 0);
    assert!(
        text(&out.stdout).contains(&format!("{} projects", items.len())),
        "{}",
        text(&out.stdout)
    );
    // A line department's list holds its own projects only.
    let out = cli(&["--json", "list", "projects", "--all", "--key", &ecology]);
    assert_exit(&out, 0);
    let own = json(&out);
    let own = own["items"].as_array().unwrap();
    assert!(!own.is_empty() && own.iter().all(|p| p["owner_department"] == "ecology"));
    let out = cli(&[
        "--json",
        "list",
        "projects",
        "--stage",
        "in_progress",
        "--key",
        &auditor,
    ]);
    assert_exit(&out, 0);
    let in_progress = json(&out);
    assert!(
        in_progress["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["stage"] == "in_progress")
    );

    // History and alerts of a project, requests waiting for a department.
    let out = cli(&[
        "--json",
        "history",
        ECOLOGY_PROJECT,
        "--all",
        "--key",
        &auditor,
    ]);
    assert_exit(&out, 0);
    assert!(!json(&out)["items"].as_array().unwrap().is_empty());
    let out = cli(&["alerts", ECOLOGY_PROJECT, "--key", &ecology]);
    assert_exit(&out, 0);
    assert!(
        text(&out.stdout).contains("alerts"),
        "{}",
        text(&out.stdout)
    );
    // Reminders: the demo's tasks fall due within days, so the block after loading sends each
    // its due-soon reminder; ecology lists them and acknowledges one on the ledger.
    let due_soon = || {
        cli(&[
            "--json",
            "alerts",
            "--department",
            "ecology",
            "--kind",
            "rectification_due_soon",
            "--open",
            "--all",
            "--key",
            &ecology,
        ])
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let reminders = loop {
        let out = due_soon();
        assert_exit(&out, 0);
        let items = json(&out)["items"].as_array().unwrap().clone();
        if !items.is_empty() {
            break items;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no due-soon reminder in 30 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(300));
    };
    let digest = reminders[0]["digest"].as_str().unwrap().to_owned();
    let op = devnet.path("ack.json");
    std::fs::write(
        &op,
        format!(r#"{{"acknowledge_alert": {{"alert": "{digest}", "note": "已阅"}}}}"#),
    )
    .unwrap();
    let out = cli(&["submit", "--key", &ecology, "--op", &op, "--wait"]);
    assert_exit(&out, 0);
    let left = json(&due_soon())["items"].as_array().unwrap().clone();
    assert!(
        left.iter().all(|a| a["digest"] != digest.as_str()),
        "an acknowledged reminder is no longer open"
    );
    let out = cli(&[
        "--json",
        "alerts",
        "--department",
        "ecology",
        "--all",
        "--key",
        &ecology,
    ]);
    assert_exit(&out, 0);
    let all = json(&out)["items"].as_array().unwrap().clone();
    let acked = all.iter().find(|a| a["digest"] == digest.as_str()).unwrap();
    assert_eq!(acked["acknowledgements"][0]["note"], "已阅", "{acked}");
    let out = cli(&["alerts", "--kind", "late", "--key", &ecology]);
    assert_exit(&out, 1);
    assert!(
        text(&out.stderr).contains("bad_query"),
        "{}",
        text(&out.stderr)
    );

    // Exports to files: a CSV Excel reads (BOM, Chinese headers), an XLSX (a zip), bad names
    // refused with the node's reason.
    let csv = devnet.path("projects.csv");
    let out = cli(&["export", "projects", "--out", &csv, "--key", &ecology]);
    assert_exit(&out, 0);
    let exported = std::fs::read_to_string(&csv).unwrap();
    assert!(
        exported.starts_with("\u{feff}项目编号,项目名称,主管部门"),
        "{}",
        &exported[..80]
    );
    assert!(
        exported
            .lines()
            .skip(1)
            .all(|l| l.split(',').nth(2) == Some("ecology"))
    );
    let xlsx = devnet.path("rect.xlsx");
    let out = cli(&[
        "export",
        "rectifications",
        "--format",
        "xlsx",
        "--out",
        &xlsx,
        "--key",
        &auditor,
    ]);
    assert_exit(&out, 0);
    assert!(
        std::fs::read(&xlsx).unwrap().starts_with(b"PK"),
        "an XLSX is a zip file"
    );
    let out = cli(&["export", "salaries", "--out", &csv, "--key", &ecology]);
    assert_exit(&out, 1);
    assert!(
        text(&out.stderr).contains("unknown_export"),
        "{}",
        text(&out.stderr)
    );

    let out = cli(&["--json", "approvals", "finance", "--key", &finance]);
    assert_exit(&out, 0);
    assert!(json(&out)["items"].is_array());
    let out = cli(&["approvals", "finance", "--key", &ecology]);
    assert_exit(&out, 1);
    assert!(
        text(&out.stderr).contains("not_readable"),
        "{}",
        text(&out.stderr)
    );

    // Rectifications: some of the demo's tasks fall due minutes after loading; whether any
    // is overdue yet depends on timing, so only the shape of the answer is checked.
    let out = cli(&["--json", "rectifications", "--overdue", "--key", &auditor]);
    assert_exit(&out, 0);
    let overdue = json(&out);
    for task in overdue["items"].as_array().unwrap() {
        assert_eq!(task["overdue"], true, "{task}");
    }
    let out = cli(&["rectifications", "--overdue", "--key", &auditor]);
    assert_exit(&out, 0);
    assert!(text(&out.stdout).contains("rectification tasks"));
    let out = cli(&["--json", "rectifications", "--all", "--key", &ecology]);
    assert_exit(&out, 0);
    assert_eq!(json(&out)["items"].as_array().unwrap().len(), 30);

    // The public API: every public project, counted, and nothing internal.
    let out = cli(&["--json", "public", "projects", "--all", "--limit", "40"]);
    assert_exit(&out, 0);
    let public = json(&out);
    let total = public["total"].as_u64().unwrap();
    assert!(total >= DEMO_PROJECTS as u64, "total {total}");
    assert_eq!(public["projects"].as_array().unwrap().len() as u64, total);
    assert!(public["next"].is_null());
    let listed = text(&out.stdout);
    assert!(
        !listed.contains("internal description"),
        "an internal field leaked"
    );
    let out = cli(&["public", "project", ECOLOGY_PROJECT]);
    assert_exit(&out, 0);
    assert!(text(&out.stdout).starts_with(ECOLOGY_PROJECT));
    let out = cli(&["--json", "public", "project", ECOLOGY_PROJECT]);
    assert_exit(&out, 0);
    assert!(!text(&out.stdout).contains("internal description"));
    let out = cli(&["--json", "public", "rectifications", "--all"]);
    assert_exit(&out, 0);
    assert_eq!(json(&out)["items"].as_array().unwrap().len(), 30);

    // A public record verified against the genesis file through the public log.
    let genesis = devnet.path("genesis.json");
    let out = cli(&[
        "--json",
        "public",
        "verify",
        "project",
        ECOLOGY_PROJECT,
        "--genesis",
        &genesis,
    ]);
    assert_exit(&out, 0);
    let report = json(&out);
    assert_eq!(report["valid"], true);
    assert_eq!(report["view"]["id"], ECOLOGY_PROJECT);
    let out = cli(&[
        "public",
        "verify",
        "project",
        ECOLOGY_PROJECT,
        "--genesis",
        &genesis,
    ]);
    assert_exit(&out, 0);
    assert!(text(&out.stdout).starts_with(&format!("VALID: project {ECOLOGY_PROJECT} is leaf")));
    // A witness the record's checkpoint does not carry, required: not verified.
    let witness = format!(
        "w.example={}",
        Keypair::generate(Algorithm::Ed25519).unwrap().public_key()
    );
    let out = cli(&[
        "public",
        "verify",
        "project",
        ECOLOGY_PROJECT,
        "--genesis",
        &genesis,
        "--witness",
        &witness,
    ]);
    assert_exit(&out, 1);
    assert!(text(&out.stderr).contains("RECORD NOT VERIFIED: the witnesses"));
    let out = cli(&[
        "public",
        "verify",
        "project",
        "NO-SUCH",
        "--genesis",
        &genesis,
    ]);
    assert_exit(&out, 1);

    // Unsigned internal reads are refused with 401 before any role rule.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = agent
        .get(format!("{node}/v1/projects/{ECOLOGY_PROJECT}"))
        .call()
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let body: Value = response.body_mut().read_json().unwrap();
    assert_eq!(body["error"], "unauthenticated", "{body}");

    // The SDK: signed over the percent-encoded target exactly as sent, so a filter with
    // spaces and Chinese characters passes the gateway's signature check and reaches its role
    // rules (403 for another department's filter, an empty page for the auditor). Signed reads
    // are bound to the node's name, which its status tells.
    let client = NodeClient::new(&node).unwrap();
    let status = client.status().unwrap();
    let (chain_id, node_name) = (status.chain_id, status.node);
    let auditor_key = keypair(&devnet, "audit-auditor-1");
    let ecology_key = keypair(&devnet, "ecology-specialist");
    let as_auditor = Reader::new(&auditor_key, &chain_id, &node_name);
    let as_ecology = Reader::new(&ecology_key, &chain_id, &node_name);
    let odd = ProjectFilter {
        programme: Some("智慧城市 2026 & more".into()),
        ..ProjectFilter::default()
    };
    let page = client.projects(&as_auditor, &odd, None, Some(10)).unwrap();
    assert!(page.items.is_empty() && page.next.is_none(), "{page:?}");
    let foreign = ProjectFilter {
        department: Some("交通 transport".into()),
        ..ProjectFilter::default()
    };
    let error = client
        .projects(&as_ecology, &foreign, None, None)
        .unwrap_err();
    assert_eq!(
        (error.status(), error.code()),
        (Some(403), Some("forbidden")),
        "{error}"
    );
    // Another department's project and an absent one: one answer.
    for id in [TRANSPORT_PROJECT, "SC-2026-999"] {
        let error = client.project(&as_ecology, id).unwrap_err();
        assert_eq!(
            (error.status(), error.code()),
            (Some(403), Some("not_readable")),
            "{id}: {error}"
        );
    }
    // A key that is no member's, a signature for another chain, and one for another node.
    let stranger = Keypair::generate(Algorithm::Ed25519).unwrap();
    let error = client
        .project(
            &Reader::new(&stranger, &chain_id, &node_name),
            ECOLOGY_PROJECT,
        )
        .unwrap_err();
    assert_eq!(error.code(), Some("not_a_member"), "{error}");
    let error = client
        .project(
            &Reader::new(&auditor_key, "another-chain", &node_name),
            ECOLOGY_PROJECT,
        )
        .unwrap_err();
    assert_eq!(
        (error.status(), error.code()),
        (Some(401), Some("bad_signature")),
        "{error}"
    );
    let error = client
        .project(
            &Reader::new(&auditor_key, &chain_id, "another-node"),
            ECOLOGY_PROJECT,
        )
        .unwrap_err();
    assert_eq!(
        (error.status(), error.code()),
        (Some(401), Some("wrong_node")),
        "{error}"
    );
    // A signed request is accepted once: sent again as it stands, it is a replay.
    let target = PathAndQuery::new("/v1/projects")
        .id("project", ECOLOGY_PROJECT)
        .unwrap();
    let headers = as_auditor.sign_get_with_nonce(&target, now_ms(), "devnet-reads-nonce-1");
    let url = format!("{node}{}", target.as_str());
    let (status, body) = raw_get(&agent, &url, &headers);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["project"]["id"], ECOLOGY_PROJECT);
    let (status, body) = raw_get(&agent, &url, &headers);
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("replayed_request")),
        "{body}"
    );
    // Each SDK call signs with a fresh nonce, so the same read twice is two reads.
    for _ in 0..2 {
        client.project(&as_auditor, ECOLOGY_PROJECT).unwrap();
    }
    let health = client
        .project_health(&as_auditor, ECOLOGY_PROJECT, None)
        .unwrap();
    assert_eq!(health["project"], ECOLOGY_PROJECT, "{health}");
    let error = client
        .project_health(&as_auditor, ECOLOGY_PROJECT, Some("Q9 2026"))
        .unwrap_err();
    assert_eq!(error.status(), Some(400), "{error}");
    // The demo's rejected payment ahead of progress is on record, and the paid ones.
    let rejections = client
        .project_rejections(&as_auditor, "SC-2026-028", None, None)
        .unwrap();
    assert!(
        rejections
            .items
            .iter()
            .any(|r| r["rejection"]["code"] == "ahead_of_progress"),
        "{rejections:?}"
    );
    let paid = client
        .disbursements(&as_auditor, &contract, None, None)
        .unwrap();
    assert!(!paid.items.is_empty());
    assert!(matches!(
        client.public_project("../v1/status"),
        Err(ClientError::InvalidInput(_))
    ));

    assert!(
        devnet.stop(),
        "the devnet stops cleanly on SIGTERM:\n{}",
        devnet.logs()
    );
    assert!(devnet.node_is_gone(), "its node is gone");
}
