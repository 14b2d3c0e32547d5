//! `gongxin import` against a real devnet: a finance-platform budget export of 10,000 rows (200
//! projects × 50 lines) is imported by finance, the import process is killed with SIGKILL part-way, the same
//! command resumes it, and in the end each project has exactly one budget request — nothing
//! lost, nothing twice — while a malformed row and a row for an unknown project are reported in
//! FILE.rejected.csv with their reasons (exit status 3).

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::devnet::{Demo, Devnet};
use common::{gongxin, text};
use gongxin_client::http::NodeClient;
use gongxin_client::records::{PathAndQuery, Reader};
use gongxin_client::txbuilder::TxBuilder;
use gongxin_core::crypto::KeyFile;
use gongxin_core::model::{Disclosure, Operation, ProjectProposal};
use serde_json::Value;

const PROJECTS: usize = 200;
const LINES: usize = 50;

fn key_file(devnet: &Devnet, member: &str) -> KeyFile {
    KeyFile::from_json(&std::fs::read_to_string(devnet.key(member)).unwrap()).unwrap()
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// Submits `ops` signed by `member` and waits until every one is committed and applied.
fn commit_all(
    client: &NodeClient,
    devnet: &Devnet,
    member: &str,
    ops: Vec<Operation>,
) -> Vec<gongxin_core::Hash> {
    let key = key_file(devnet, member);
    let status = client.status().unwrap();
    let builder = TxBuilder::from_key_file(status.chain_id.clone(), &key).unwrap();
    let hashes: Vec<_> = ops
        .into_iter()
        .map(|op| {
            let tx = builder.build(op, status.height).unwrap();
            client.submit_with_retry(&tx, 20).unwrap();
            tx.hash()
        })
        .collect();
    for hash in &hashes {
        let committed = client
            .wait_committed(
                None,
                hash,
                Duration::from_secs(60),
                Duration::from_millis(100),
            )
            .unwrap();
        assert_eq!(
            committed.outcome,
            gongxin_client::http::TxOutcome::Applied,
            "{hash}"
        );
    }
    hashes
}

/// Open requests of `department` by kind.
fn open_budget_requests(client: &NodeClient, devnet: &Devnet) -> Vec<String> {
    let key = key_file(devnet, "finance-director").keypair().unwrap();
    let status = client.status().unwrap();
    let reader = Reader::new(&key, &status.chain_id, &status.node);
    let mut projects = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let target = PathAndQuery::new("/v1/departments/finance/approvals")
            .query("after", after.as_deref())
            .query("limit", Some("500"));
        let page: Value = client.get_signed(&reader, &target).unwrap();
        for r in page["items"].as_array().unwrap() {
            if r["kind"] == "approve_budget" {
                projects.push(r["project"].as_str().unwrap().to_owned());
            }
        }
        match page["next"].as_str() {
            Some(next) => after = Some(next.to_owned()),
            None => return projects,
        }
    }
}

#[test]
fn a_budget_import_killed_part_way_resumes_with_nothing_lost_or_twice() {
    let devnet = Devnet::start(Demo::Skip);
    let client = NodeClient::new(&devnet.url).unwrap();

    // Projects proposed by transport and approved (立项, with finance's approval).
    let ids: Vec<String> = (0..PROJECTS).map(|n| format!("IMP-{n:03}")).collect();
    let now = now_ms();
    let proposals = ids
        .iter()
        .map(|id| {
            Operation::ProposeProject(ProjectProposal {
                id: id.clone(),
                name: format!("导入测试 {id}"),
                category: "smart-city/transport".into(),
                location: "高新区".into(),
                programme: None,
                planned_start_ms: now,
                planned_end_ms: now + 100 * 86_400_000,
                requested_budget_fen: 50_000_000,
                disclosure: Disclosure::Public,
                description: String::new(),
            })
        })
        .collect();
    commit_all(&client, &devnet, "transport-specialist", proposals);
    let approvals = ids
        .iter()
        .map(|id| Operation::ApproveProject {
            project: id.clone(),
        })
        .collect();
    let requests = commit_all(&client, &devnet, "transport-director", approvals);
    let approve = requests
        .into_iter()
        .map(|request| Operation::Approve {
            request,
            note: String::new(),
        })
        .collect();
    commit_all(&client, &devnet, "finance-director", approve);

    // The finance platform's export: fifty lines per project, a malformed amount, and a line for
    // a project the ledger does not have.
    let mut csv = String::from(
        "\u{feff}项目编号,预算年度,功能科目编码,功能科目名称,指标金额(元),指标文号\r\n",
    );
    for id in &ids {
        for line in 0..LINES {
            csv.push_str(&format!(
                "{id},2026,21201{line:02},科目 {line},\"{},000.00\",财预〔2026〕{line}号\r\n",
                line + 1
            ));
        }
    }
    csv.push_str("IMP-000,2026,2120199,有误,一百元,\r\n");
    csv.push_str("NO-SUCH,2026,2120101,行政运行,100,\r\n");
    let file = devnet.path("budget.csv");
    std::fs::write(&file, &csv).unwrap();
    let key = devnet.key("finance-section-chief");
    let args = |extra: &[&str]| {
        let mut all = vec![
            "--node",
            devnet.url.as_str(),
            "import",
            "budget",
            file.as_str(),
            "--key",
            key.as_str(),
        ];
        all.extend_from_slice(extra);
        all.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };

    // A slow import (20 operations a second), killed after a second and a half.
    let mut child = Command::new(env!("CARGO_BIN_EXE_gongxin"))
        .args(args(&["--rate", "20", "--batch", "5"]))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1_500));
    child.kill().unwrap();
    child.wait().unwrap();
    let part = open_budget_requests(&client, &devnet).len();
    assert!(
        part > 0 && part < PROJECTS + 1,
        "the kill came part-way ({part} sent)"
    );

    // The same command again finishes it.
    let started = Instant::now();
    let out = gongxin(&args(&[]).iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(started.elapsed() < Duration::from_secs(120));
    let summary = text(&out.stdout);
    assert!(
        summary.contains(&format!(
            "{PROJECTS} of {} operations applied",
            PROJECTS + 1
        )),
        "{summary}"
    );

    // Exactly one budget request per project: nothing lost, nothing twice.
    let mut opened = open_budget_requests(&client, &devnet);
    opened.sort();
    assert_eq!(opened, ids, "one request per project");

    // What was not imported, with its reason.
    let report = std::fs::read_to_string(devnet.path("budget.csv.rejected.csv")).unwrap();
    let lines: Vec<&str> = report.lines().collect();
    assert!(
        lines[0].starts_with("\u{feff}行号,原因,项目编号"),
        "{report}"
    );
    assert_eq!(lines.len(), 3, "{report}");
    assert!(
        lines[1].contains("一百元") && lines[1].contains("not yuan"),
        "{report}"
    );
    assert!(
        lines[2].starts_with(&format!("{},", PROJECTS * LINES + 3)),
        "{report}"
    );
    assert!(lines[2].contains("not_found"), "{report}");

    // Run again: everything is decided; nothing is sent.
    let out = gongxin(&args(&[]).iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(open_budget_requests(&client, &devnet).len(), PROJECTS);
}
