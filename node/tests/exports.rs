//! Spreadsheet exports of the demo data: CSV with a BOM and Chinese headers whose rows and sums
//! equal the lists the API serves, XLSX files that a real reader (openpyxl, from the tests'
//! Python venv: `scripts/python-venv`) opens with the same rows, the read rules applied (a line
//! department exports its own records only), and bad requests refused with a reason.

use gongxin_core::model::Role;
use gongxin_node::config::Limits;
use gongxin_node::gateway;
use serde_json::Value;

mod common;

fn loaded() -> common::TestNode {
    let t = common::test_node(Limits::default());
    t.load_demo();
    t
}

/// A signed GET: status, content type, content disposition and body bytes.
async fn download(
    t: &common::TestNode,
    path: &str,
    key: Option<&gongxin_core::crypto::Keypair>,
) -> (u16, String, String, Vec<u8>) {
    let routes = gateway::routes(t.node.clone());
    let mut request = warp::test::request().method("GET").path(path);
    if let Some(key) = key {
        for (name, value) in common::signed_get_headers(&t.node, key, path, t.node.clock.now_ms()) {
            request = request.header(name, value);
        }
    }
    let response = request.reply(&routes).await;
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    (
        response.status().as_u16(),
        header("content-type"),
        header("content-disposition"),
        response.body().to_vec(),
    )
}

/// The CSV's rows (header first), split naively: the demo's fields hold no commas or quotes.
fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let text = text
        .strip_prefix('\u{feff}')
        .expect("a UTF-8 BOM for Excel");
    text.split("\r\n")
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

fn yuan_to_fen(text: &str) -> u64 {
    let (whole, cents) = text.split_once('.').unwrap();
    whole.parse::<u64>().unwrap() * 100 + cents.parse::<u64>().unwrap()
}

/// The sheet name and rows of an XLSX file, as openpyxl reads them.
fn read_xlsx(bytes: &[u8]) -> (String, Vec<Vec<Value>>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.xlsx");
    std::fs::write(&path, bytes).unwrap();
    let venv = std::env::var_os("GONGXIN_VENV").map_or_else(
        || std::path::PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache/gongxin/venv"),
        std::path::PathBuf::from,
    );
    let python = venv.join("bin/python");
    let script = "import json, sys, openpyxl\n\
        wb = openpyxl.load_workbook(sys.argv[1], read_only=True)\n\
        ws = wb.worksheets[0]\n\
        rows = [[c for c in r] for r in ws.iter_rows(values_only=True)]\n\
        print(json.dumps({'sheet': ws.title, 'rows': rows}, ensure_ascii=False, default=str))\n";
    let out = std::process::Command::new(&python)
        .args(["-c", script])
        .arg(&path)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "{} with openpyxl is needed (scripts/python-venv installs it): {e}",
                python.display()
            )
        });
    assert!(
        out.status.success(),
        "openpyxl could not read the export (scripts/python-venv installs it): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_array().unwrap().clone())
        .collect();
    (json["sheet"].as_str().unwrap().to_owned(), rows)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_exports_equal_the_lists_and_follow_the_read_rules() {
    let t = loaded();
    let finance = t.keys.member("finance", Role::Director).unwrap().clone();
    let (status, content_type, disposition, body) =
        download(&t, "/v1/exports/projects", Some(&finance)).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(content_type, "text/csv; charset=utf-8");
    assert!(
        disposition.starts_with("attachment; filename=\"gongxin-projects-"),
        "{disposition}"
    );
    let rows = csv_rows(&body);
    assert_eq!(rows[0][0], "项目编号");
    assert_eq!(rows[0][5], "批复预算(元)");
    let (code, list, _) = t.get_signed("/v1/projects?limit=500", &finance).await;
    assert_eq!(code, 200);
    let items = list["items"].as_array().unwrap();
    assert_eq!(rows.len() - 1, items.len());
    let budget: u64 = items
        .iter()
        .map(|p| p["budget_fen"].as_u64().unwrap())
        .sum();
    let exported: u64 = rows[1..].iter().map(|r| yuan_to_fen(&r[5])).sum();
    assert_eq!(
        exported, budget,
        "the budget column sums to the list's budgets"
    );

    // A line department exports its own projects only; asking for another's is refused.
    let ecology = t.keys.member("ecology", Role::Specialist).unwrap().clone();
    let (status, _, _, body) = download(&t, "/v1/exports/budget", Some(&ecology)).await;
    assert_eq!(status, 200);
    let own = csv_rows(&body);
    assert!(
        own.len() > 1 && own[1..].iter().all(|r| r[2] == "ecology"),
        "{own:?}"
    );
    let (status, _, _, body) = download(
        &t,
        "/v1/exports/projects?department=transport",
        Some(&ecology),
    )
    .await;
    assert_eq!(status, 403, "{}", String::from_utf8_lossy(&body));

    // Disbursements: every one of the listed projects' contracts, with its amount.
    let (status, _, _, body) = download(&t, "/v1/exports/disbursements", Some(&finance)).await;
    assert_eq!(status, 200);
    let disbursements = csv_rows(&body);
    assert!(disbursements.len() > 1);
    let paid: u64 = disbursements[1..]
        .iter()
        .filter(|r| r[5] == "已支付")
        .map(|r| yuan_to_fen(&r[3]))
        .sum();
    let disbursed: u64 = items
        .iter()
        .map(|p| p["disbursed_fen"].as_u64().unwrap())
        .sum();
    assert_eq!(
        paid, disbursed,
        "paid disbursements sum to what the projects show as disbursed"
    );

    // Bad requests get a reason.
    for (path, code) in [
        ("/v1/exports/salaries", 404),
        ("/v1/exports/projects?format=pdf", 400),
        ("/v1/exports/history", 400),
        ("/v1/exports/rectifications?status=lost", 400),
    ] {
        let (status, _, _, body) = download(&t, path, Some(&finance)).await;
        assert_eq!(status, code, "{path}: {}", String::from_utf8_lossy(&body));
        let json: Value = serde_json::from_slice(&body).unwrap();
        assert!(
            json["error"].is_string() && json["message"].is_string(),
            "{json}"
        );
    }
    assert_eq!(download(&t, "/v1/exports/projects", None).await.0, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xlsx_exports_open_in_a_real_reader_with_the_same_rows() {
    let t = loaded();
    let auditor = t.keys.member("audit", Role::Auditor).unwrap().clone();
    let (status, content_type, disposition, body) =
        download(&t, "/v1/exports/rectifications?format=xlsx", Some(&auditor)).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(
        content_type,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(disposition.ends_with(".xlsx\""), "{disposition}");
    let (sheet, rows) = read_xlsx(&body);
    assert_eq!(sheet, "整改台账");
    assert_eq!(rows[0][0], "任务编号");
    assert_eq!(rows.len() - 1, 30, "the demo's thirty measures");
    let (_, _, _, csv) = download(&t, "/v1/exports/rectifications", Some(&auditor)).await;
    let csv = csv_rows(&csv);
    let ids = |rows: &[Vec<String>]| rows[1..].iter().map(|r| r[0].clone()).collect::<Vec<_>>();
    let xlsx_ids: Vec<String> = rows[1..]
        .iter()
        .map(|r| r[0].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(xlsx_ids, ids(&csv));

    // Money is a number with the ¥ format, so a sum in the sheet is the ledger's.
    let finance = t.keys.member("finance", Role::Director).unwrap().clone();
    let (_, _, _, body) = download(&t, "/v1/exports/budget?format=xlsx", Some(&finance)).await;
    let (sheet, rows) = read_xlsx(&body);
    assert_eq!(sheet, "预算执行");
    let (_, list, _) = t.get_signed("/v1/projects?limit=500", &finance).await;
    let budget: u64 = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["budget_fen"].as_u64().unwrap())
        .sum();
    let cents: u64 = rows[1..]
        .iter()
        .map(|r| (r[3].as_f64().unwrap() * 100.0).round() as u64)
        .sum();
    assert_eq!(cents, budget);

    // One project's history, to a reader of that project.
    let project = list["items"][0]["id"].as_str().unwrap().to_owned();
    let (status, _, _, body) = download(
        &t,
        &format!("/v1/exports/history?project={project}&format=xlsx"),
        Some(&finance),
    )
    .await;
    assert_eq!(status, 200);
    let (sheet, rows) = read_xlsx(&body);
    assert_eq!(sheet, "项目记录");
    assert!(rows.len() > 1);
    let (code, history, _) = t
        .get_signed(
            &format!("/v1/projects/{project}/history?limit=500"),
            &finance,
        )
        .await;
    assert_eq!(code, 200);
    assert_eq!(rows.len() - 1, history["items"].as_array().unwrap().len());
}

#[test]
fn exports_are_built_in_the_node_s_own_scratch_directory() {
    let common::TestNode { dir, node, keys } = common::test_node(Limits::default());
    let scratch = node.scratch_dir().to_owned();
    assert_eq!(scratch, dir.path().join("data.scratch"));
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&scratch).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o777,
            0o700,
            "only the node's user reads what is being exported"
        );
    }
    // What an export left when the node stopped is gone at the next start.
    std::fs::write(scratch.join("left-over.xlsx"), b"rows").unwrap();
    drop(node);
    let node = common::open(&dir, &keys, Limits::default());
    assert!(node.scratch_dir().is_dir());
    assert!(!scratch.join("left-over.xlsx").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_trail_decodes_every_entry_for_the_audit_department() {
    let t = loaded();
    let auditor = t.keys.member("audit", Role::Auditor).unwrap().clone();
    let (status, _, _, bytes) = download(&t, "/v1/exports/trail?format=xlsx", Some(&auditor)).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    let (sheet, rows) = read_xlsx(&bytes);
    assert_eq!(sheet, "审计轨迹");
    assert_eq!(rows[0][1], "区块高度");
    let entries = &rows[1..];
    // Every entry of the log, in log order.
    assert_eq!(entries.len() as u64, t.node.tip().header.log_size);
    for (i, row) in entries.iter().enumerate() {
        assert_eq!(row[2].as_u64(), Some(i as u64), "log index of row {i}");
    }
    // The rejected ones are exactly the ledger's rejection records, with their codes.
    let state = t.node.reader().state();
    let rejections = gongxin_contracts::queries::rejections(&state, 0, None, 500)
        .unwrap()
        .items;
    let rejected: Vec<&Vec<Value>> = entries.iter().filter(|r| r[5] == "被拒绝").collect();
    assert_eq!(rejected.len(), rejections.len());
    assert!(!rejected.is_empty(), "the demo has its intended rejections");
    for r in &rejections {
        let row = rejected
            .iter()
            .find(|row| row[10] == r.tx.to_hex().as_str())
            .expect("each rejection is a row");
        assert_eq!(row[6], r.rejection.code());
        assert_eq!(
            row[9],
            r.signer_department.clone().unwrap_or_default().as_str()
        );
    }
    // A range of blocks: exactly the entries of those heights.
    let from = t.node.tip().height() / 2;
    let to = from + 3;
    let path = format!("/v1/exports/trail?format=xlsx&from_height={from}&to_height={to}");
    let (status, _, _, bytes) = download(&t, &path, Some(&auditor)).await;
    assert_eq!(status, 200);
    let (_, part) = read_xlsx(&bytes);
    let expected: Vec<&Vec<Value>> = entries
        .iter()
        .filter(|r| (from..=to).contains(&r[1].as_u64().unwrap()))
        .collect();
    assert_eq!(part[1..].iter().collect::<Vec<_>>(), expected);
    // Another department is refused; a backwards range is empty; a height must be a number.
    let finance = t.keys.member("finance", Role::Director).unwrap().clone();
    assert_eq!(
        download(&t, "/v1/exports/trail", Some(&finance)).await.0,
        403
    );
    let backwards = format!("/v1/exports/trail?format=xlsx&from_height={to}&to_height={from}");
    let (status, _, _, bytes) = download(&t, &backwards, Some(&auditor)).await;
    assert_eq!(status, 200);
    assert_eq!(read_xlsx(&bytes).1.len(), 1, "the headers only");
    let negative = "/v1/exports/projects?to_height=-1";
    assert_eq!(download(&t, negative, Some(&auditor)).await.0, 400);
}
