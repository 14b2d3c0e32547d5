//! The public portal's pages against a node with the demo data: served as HTML without any
//! script, only disclosed projects, filters and search, bad input answered with a message,
//! a project's page with its disclosed history and how to verify it, the list as CSV, and
//! names that could be markup shown as text.

use gongxin_contracts::records::ProjectRecord;
use gongxin_contracts::{keys, store};
use gongxin_core::model::{Disclosure, Operation, ProjectProposal, Role};
use gongxin_core::tx::{ReplayGuard, TxBody};
use gongxin_node::config::Limits;
use gongxin_node::gateway;
use gongxin_node::producer::produce_block;
use serde_json::Value;
use warp::http::StatusCode;

mod common;

struct Page {
    status: StatusCode,
    content_type: String,
    csp: String,
    body: String,
}

async fn get(t: &common::TestNode, path: &str) -> Page {
    let response = warp::test::request()
        .method("GET")
        .path(path)
        .reply(&gateway::routes(t.node.clone()))
        .await;
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    Page {
        status: response.status(),
        content_type: header("content-type"),
        csp: header("content-security-policy"),
        body: String::from_utf8_lossy(response.body()).into_owned(),
    }
}

async fn json(t: &common::TestNode, path: &str) -> Value {
    serde_json::from_str(&get(t, path).await.body).unwrap()
}

const DATA_BLOCK: &str = r#"<script type="application/json" id="gx-evidence">"#;
const VERIFY_SCRIPT: &str = r#"<script src="/portal/verify.js" defer></script>"#;

/// The project page's data block (what the verify button checks), parsed.
fn evidence(body: &str) -> Value {
    let start = body
        .find(DATA_BLOCK)
        .expect("the page carries its data block")
        + DATA_BLOCK.len();
    let end = start + body[start..].find("</script>").unwrap();
    serde_json::from_str(&body[start..end]).expect("the data block is JSON")
}

fn unescape(attribute: &str) -> String {
    attribute
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Every value the page marks as shown from a record: (record, field, the JSON rendered).
fn shown_values(body: &str) -> Vec<(usize, String, Value)> {
    body.split("<span data-record=\"")
        .skip(1)
        .map(|rest| {
            let attribute = |name: &str| {
                let start = rest.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
                unescape(&rest[start..start + rest[start..].find('"').unwrap()])
            };
            let record = rest[..rest.find('"').unwrap()].parse().unwrap();
            let raw = serde_json::from_str(&attribute("data-raw")).unwrap();
            (record, attribute("data-field"), raw)
        })
        .collect()
}

/// Proposes a project as the transport specialist and commits it.
fn propose(t: &common::TestNode, id: &str, name: &str, location: &str, disclosure: Disclosure) {
    let specialist = t
        .keys
        .member("transport", Role::Specialist)
        .unwrap()
        .clone();
    let tx = TxBody {
        chain_id: t.node.chain_id().to_owned(),
        signer: specialist.public_key(),
        replay: ReplayGuard {
            nonce: 9_000 + t.node.tip().chain.height,
            valid_until_height: t.node.tip().chain.height + 10,
        },
        operation: Operation::ProposeProject(ProjectProposal {
            id: id.into(),
            name: name.into(),
            category: "smart-city/transport".into(),
            location: location.into(),
            programme: None,
            planned_start_ms: 1_800_000_000_000,
            planned_end_ms: 1_830_000_000_000,
            requested_budget_fen: 50_000_000,
            disclosure,
            description: "internal notes".into(),
        }),
    }
    .sign(&specialist);
    t.node
        .admission
        .submit(tx.clone(), tx.to_bytes().len())
        .unwrap();
    produce_block(&t.node, false).unwrap();
}

/// The demo's projects as stored: (id, name, public?).
fn all_projects(t: &common::TestNode) -> Vec<(String, String, bool)> {
    store::scan::<ProjectRecord>(&t.node.reader().state(), keys::PROJECTS, None, 10_000)
        .unwrap()
        .into_iter()
        .map(|(_, p)| (p.id, p.name, p.disclosure == Disclosure::Public))
        .collect()
}

#[tokio::test]
async fn the_portal_lists_only_disclosed_projects_without_javascript() {
    let t = common::test_node(Limits::default());
    t.load_demo();
    propose(
        &t,
        "INT-1",
        "涉密内部项目",
        "内部地点",
        Disclosure::Internal,
    );
    let projects = all_projects(&t);
    assert!(projects.iter().any(|(_, _, public)| !public));

    let page = get(&t, "/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.content_type.starts_with("text/html"));
    assert!(page.csp.contains("default-src 'none'"), "{}", page.csp);
    assert!(
        !page.body.contains("<script"),
        "no script is needed or sent"
    );
    assert!(
        page.body.contains(&t.node.genesis.hash().to_hex()),
        "the genesis hash is pinned"
    );
    assert!(page.body.contains("lang=\"zh-CN\""));
    let listed = json(&t, "/public/v1/projects?limit=50").await;
    for project in listed["projects"].as_array().unwrap() {
        let id = project["id"].as_str().unwrap();
        assert!(
            page.body.contains(&format!("/projects/{id}\"")),
            "{id} is listed"
        );
    }
    for (id, name, public) in &projects {
        if !public {
            assert!(
                !page.body.contains(id.as_str()),
                "internal {id} is not on the page"
            );
            assert!(
                !page.body.contains(name.as_str()),
                "internal {name} is not on the page"
            );
        }
    }
    // Programme totals and the charts are part of the page itself.
    assert!(page.body.contains("专项计划汇总"));
    assert!(page.body.contains("<svg"));

    // English.
    let en = get(&t, "/en/").await;
    assert_eq!(en.status, StatusCode::OK);
    assert!(en.body.contains("lang=\"en\"") && en.body.contains("Public projects"));

    // A stage filter shows that stage only; the count matches the public API's total.
    let total = json(&t, "/public/v1/projects?stage=in_progress").await["total"]
        .as_u64()
        .unwrap();
    let filtered = get(&t, "/?stage=in_progress").await;
    assert_eq!(filtered.status, StatusCode::OK);
    assert!(
        filtered
            .body
            .contains(&format!("<p class=\"muted\">{total} 个项目"))
    );
    assert_eq!(
        filtered.body.matches("<td data-label=\"阶段\">").count() as u64,
        total.min(50)
    );
    assert_eq!(
        filtered
            .body
            .matches("<td data-label=\"阶段\">实施中</td>")
            .count() as u64,
        total.min(50)
    );

    // Search by id.
    let (id, name, _) = projects.iter().find(|(_, _, public)| *public).unwrap();
    let found = get(&t, &format!("/?q={id}")).await;
    assert!(found.body.contains("<p class=\"muted\">1 个项目"), "{id}");
    assert!(found.body.contains(name.as_str()));

    // A stage that does not exist: a message, not a crash or an empty list.
    let bad = get(&t, "/?stage=finished").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("role=\"alert\"") && bad.body.contains("没有这个阶段"));
}

#[tokio::test]
async fn a_project_page_shows_its_disclosed_history_and_how_to_verify_it() {
    let t = common::test_node(Limits::default());
    t.load_demo();
    let listed = json(&t, "/public/v1/projects?stage=in_progress&limit=1").await;
    let project = &listed["projects"][0];
    let id = project["id"].as_str().unwrap();
    let leaf_index = project["leaf_index"].as_u64().unwrap();

    let page = get(&t, &format!("/projects/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(project["name"].as_str().unwrap()));
    assert!(page.body.contains("公开记录的变更历史"));
    assert!(page.body.contains("首次公开"), "the first version says so");
    let versions = t
        .node
        .reader()
        .public_record_history("project", id, 1_000)
        .unwrap();
    assert!(
        versions.len() > 1,
        "an in-progress project changed several times"
    );
    for index in &versions {
        assert!(
            page.body
                .contains(&format!("leaf_index={index}\">#{index}</a>"))
        );
    }
    assert!(
        page.body
            .contains(&format!("gongxin public verify project {id} --genesis"))
    );
    assert!(page.body.contains(&format!("leaf_index={leaf_index}")));

    // The verify button's data: the project and its disclosed procurement and contracts, each
    // the view and latest leaf the public log API serves for it.
    let block = evidence(&page.body);
    let records = block["records"].as_array().unwrap();
    assert_eq!(records[0]["kind"], "project");
    assert_eq!(records[0]["id"], id);
    assert_eq!(records[0]["leaf_index"].as_u64(), Some(leaf_index));
    assert!(
        records.iter().any(|r| r["kind"] == "contract"),
        "an in-progress project has a contract"
    );
    // A project with disclosed rectification measures carries each of them too.
    let tasks = json(&t, "/public/v1/rectifications?limit=500").await;
    let with_tasks = tasks["items"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|task| task["project"].as_str())
        .expect("the demo's measures name projects");
    let carried: Vec<String> =
        evidence(&get(&t, &format!("/projects/{with_tasks}")).await.body)["records"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["kind"] == "rectification")
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect();
    let listed: Vec<String> = tasks["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|task| task["project"] == with_tasks)
        .map(|task| task["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(!listed.is_empty());
    assert_eq!(carried, listed, "{with_tasks}");
    for record in records {
        let (kind, rid) = (
            record["kind"].as_str().unwrap(),
            record["id"].as_str().unwrap(),
        );
        let served = json(&t, &format!("/public/v1/records/{kind}/{rid}")).await;
        assert_eq!(record["view"], served["view"], "{kind} {rid}");
        assert_eq!(record["leaf_index"], served["leaf_index"], "{kind} {rid}");
    }
    // Every value marked as shown is its record's view's, and the main figures are marked:
    // the project's, and each contract's amount.
    let shown = shown_values(&page.body);
    for (record, field, raw) in &shown {
        assert_eq!(
            &records[*record]["view"][field.as_str()],
            raw,
            "{record} {field}"
        );
    }
    for field in [
        "name",
        "stage",
        "budget_fen",
        "disbursed_fen",
        "accepted_progress_bp",
    ] {
        assert!(
            shown.iter().any(|(r, f, _)| *r == 0 && f == field),
            "{field} is marked"
        );
    }
    for (i, record) in records.iter().enumerate() {
        if record["kind"] == "contract" {
            assert!(
                shown.iter().any(|(r, f, _)| *r == i && f == "amount_fen"),
                "contract {i}'s amount is marked"
            );
        }
    }
    // Its one script is /portal/verify.js; the button appears only where that script runs.
    assert_eq!(
        page.body.matches("<script").count(),
        2,
        "the data block and the script"
    );
    assert!(page.body.contains(VERIFY_SCRIPT));
    assert!(
        page.body
            .contains(r#"id="gx-verify" class="verify" hidden>验证此记录</button>"#)
    );
    assert!(page.csp.contains("script-src 'self'") && !page.csp.contains("unsafe-inline"));
    let pinned = format!(
        r#"<meta name="gongxin-genesis" content="{}">"#,
        t.node.genesis.hash().to_hex()
    );
    assert!(page.body.contains(&pinned));
    // The script itself, from the web build (debug builds read web/dist at run time; the
    // test command builds the web app first).
    let script = get(&t, "/portal/verify.js").await;
    let built = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../web/dist/portal/verify.js")
        .exists();
    if built {
        assert_eq!(script.status, StatusCode::OK);
        assert!(
            script.content_type.contains("javascript"),
            "{}",
            script.content_type
        );
        assert!(script.body.contains("gx-evidence"));
    } else {
        assert_eq!(script.status, StatusCode::NOT_FOUND);
        assert!(script.body.contains("console_not_built"), "{}", script.body);
    }
    // The genesis those checks start from is served as the node's own parsed document.
    assert_eq!(
        json(&t, "/public/v1/genesis").await,
        serde_json::to_value(&*t.node.genesis).unwrap()
    );
    let en = get(&t, &format!("/en/projects/{id}")).await;
    assert!(en.body.contains("Disclosed history") && en.body.contains("first disclosed"));

    // Unknown and internal projects alike: a page that says so, 404.
    propose(&t, "INT-2", "内部项目", "内部地点", Disclosure::Internal);
    let internal = all_projects(&t)
        .into_iter()
        .find(|(_, _, public)| !public)
        .unwrap()
        .0;
    for missing in ["NO-SUCH-PROJECT", internal.as_str()] {
        let page = get(&t, &format!("/projects/{missing}")).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{missing}");
        assert!(page.body.contains("没有这个公开项目"));
    }
}

#[tokio::test]
async fn the_list_downloads_as_csv_and_markup_in_a_name_stays_text() {
    let t = common::test_node(Limits::default());
    t.load_demo();
    propose(
        &t,
        "XSS-1",
        "<script>alert('x')</script> & \"路\"",
        "<img src=x onerror=alert(1)>",
        Disclosure::Public,
    );

    for path in ["/?q=XSS", "/projects/XSS-1"] {
        let page = get(&t, path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(!page.body.contains("<script>alert"), "{path}");
        assert!(!page.body.contains("<img src=x"), "{path}");
        assert!(
            page.body
                .contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;路&quot;"),
            "{path}"
        );
    }
    // In the data block the name cannot end the element early, and reads back unchanged.
    let page = get(&t, "/projects/XSS-1").await;
    assert_eq!(
        evidence(&page.body)["records"][0]["view"]["name"],
        "<script>alert('x')</script> & \"路\""
    );

    let csv = get(&t, "/portal/projects.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.content_type.starts_with("text/csv"));
    assert!(csv.body.starts_with('\u{feff}'), "a BOM for Excel");
    let total = json(&t, "/public/v1/projects").await["total"]
        .as_u64()
        .unwrap();
    let rows: Vec<&str> = csv.body.trim_end().split("\r\n").collect();
    assert_eq!(
        rows.len() as u64,
        total + 1,
        "a header and one row per public project"
    );
    let xss = rows.iter().find(|r| r.starts_with("XSS-1,")).unwrap();
    assert!(
        xss.contains("\"<script>alert('x')</script> & \"\"路\"\"\""),
        "{xss}"
    );
    let filtered = get(&t, "/portal/projects.csv?stage=proposed").await;
    assert!(
        filtered
            .body
            .lines()
            .skip(1)
            .all(|r| r.contains(",proposed,"))
    );
}
