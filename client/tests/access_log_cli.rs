//! `gongxin access-log show | verify`: against a fake node serving a log in several pages (an
//! intact one verifies; an edited record, a record whose every later head was recomputed, and
//! anchors from another node that disagree all exit 2 with an ALARM), and against a real
//! one-validator devnet whose anchors the node itself sends.

mod common;

use std::time::{Duration, Instant};

use common::devnet::{Demo, Devnet};
use common::{FakeNode, Reply, assert_exit, gongxin, path_str, text};
use gongxin_core::Hash;
use gongxin_core::access_log::{AccessKind, AccessRecord, ChainPoint, ChainedRecord};
use gongxin_core::crypto::{Algorithm, KeyFile, Keypair};
use serde_json::{Value, json};

const NODE: &str = "audit";

/// `n` chained records.
fn chain(n: u64) -> Vec<ChainedRecord> {
    let mut point = ChainPoint::GENESIS;
    (0..n)
        .map(|seq| {
            let record = AccessRecord {
                seq,
                at_ms: 1_767_225_600_000 + seq * 1_000,
                kind: AccessKind::Read,
                actor: "ed25519:00".into(),
                department: "audit".into(),
                target: format!("GET /v1/projects/P-{seq}"),
                outcome: "200".into(),
            };
            point = point.next(&record);
            ChainedRecord {
                record,
                head: point.head,
            }
        })
        .collect()
}

fn point_after(records: &[ChainedRecord], count: usize) -> ChainPoint {
    ChainPoint {
        count: count as u64,
        head: records[count - 1].head,
    }
}

/// A fake node serving `records` in pages of `page` and `anchors`; it logs each target asked.
fn fake_node(records: Vec<ChainedRecord>, anchors: Vec<ChainPoint>, page: usize) -> FakeNode {
    FakeNode::start(move |request| match request.path.as_str() {
        "/v1/status" => Reply::json(
            200,
            common::status_json("gongxin-devnet", NODE, Hash::digest(b"g"), 3, 3),
        ),
        "/v1/access-log" => {
            let from = request.param("from").unwrap_or(0) as usize;
            let to = request
                .param("to")
                .map_or(records.len(), |t| t as usize + 1)
                .min(records.len());
            let slice = &records[from.min(to)..to.min(from + page)];
            let last = from + slice.len();
            let next = (last < to).then_some(last);
            Reply::json(
                200,
                json!({"node": NODE, "start": ChainPoint::GENESIS,
                       "flushed": point_after(&records, records.len()),
                       "records": slice, "next": next}),
            )
        }
        "/v1/access-log/anchors" => Reply::json(
            200,
            json!({"node": NODE, "anchors": anchors.iter().enumerate().map(|(i, p)| json!({
                "node": NODE, "point": p, "height": i + 1, "time_ms": 0, "tx": Hash::digest(&[i as u8]),
            })).collect::<Vec<_>>(), "next": null}),
        ),
        _ => Reply::error(404, "not_found", "no such route"),
    })
}

/// `gongxin [--json] --node <url> access-log <args>`.
fn access_log(json: bool, url: &str, args: &[&str]) -> std::process::Output {
    let mut all = if json { vec!["--json"] } else { Vec::new() };
    all.extend(["--node", url, "access-log"]);
    all.extend_from_slice(args);
    gongxin(&all)
}

fn key_file(dir: &tempfile::TempDir) -> String {
    let path = dir.path().join("auditor.key");
    let key = Keypair::generate(Algorithm::Ed25519).unwrap();
    std::fs::write(&path, KeyFile::from_keypair("auditor", &key).to_json()).unwrap();
    path_str(&path).to_owned()
}

#[test]
fn verify_follows_the_pages_and_raises_an_alarm_on_any_break() {
    let dir = tempfile::tempdir().unwrap();
    let key = key_file(&dir);
    let records = chain(25);
    let anchors = vec![point_after(&records, 10), point_after(&records, 20)];

    let node = fake_node(records.clone(), anchors.clone(), 7);
    let out = access_log(false, node.url(), &["verify", "--key", &key]);
    assert_exit(&out, 0);
    let said = text(&out.stdout);
    assert!(
        said.contains("records 0..25 verify; 2 anchors matched, 5 records not yet anchored"),
        "{said}"
    );
    let json_out = access_log(true, node.url(), &["verify", "--key", &key]);
    assert_exit(&json_out, 0);
    let report: Value = serde_json::from_slice(&json_out.stdout).unwrap();
    assert_eq!(report["verified"], true);
    assert_eq!(report["report"]["end"]["count"], 25);

    // An edited record, its stored head left as it was.
    let mut edited = records.clone();
    edited[12].record.outcome = "403 forbidden".into();
    let node = fake_node(edited.clone(), anchors.clone(), 7);
    let out = access_log(false, node.url(), &["verify", "--key", &key]);
    assert_exit(&out, 2);
    assert!(
        text(&out.stderr).contains("ALARM") && text(&out.stderr).contains("record 12"),
        "{}",
        text(&out.stderr)
    );
    // The same edit with every later head recomputed: the second anchor catches it.
    let mut point = point_after(&records, 12);
    for chained in &mut edited[12..] {
        point = point.next(&chained.record);
        chained.head = point.head;
    }
    let node = fake_node(edited, anchors.clone(), 7);
    let out = access_log(false, node.url(), &["verify", "--key", &key]);
    assert_exit(&out, 2);
    assert!(
        text(&out.stderr).contains("after 20 records"),
        "{}",
        text(&out.stderr)
    );

    // A node that serves an intact-looking log and anchors that fit it, checked against another
    // node's anchors: they disagree.
    let liar = fake_node(chain(25), vec![point_after(&records, 10)], 100);
    let other = fake_node(
        vec![],
        vec![ChainPoint {
            count: 10,
            head: Hash::digest(b"other"),
        }],
        100,
    );
    let out = access_log(
        false,
        liar.url(),
        &["verify", "--key", &key, "--anchors-from", other.url()],
    );
    assert_exit(&out, 2);
    assert!(
        text(&out.stderr).contains("anchored"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn show_prints_records_and_refusals_reach_the_user() {
    let dir = tempfile::tempdir().unwrap();
    let key = key_file(&dir);
    let records = chain(3);
    let node = fake_node(records, vec![], 2);
    let out = access_log(false, node.url(), &["show", "--key", &key]);
    assert_exit(&out, 0);
    let said = text(&out.stdout);
    assert!(said.contains("GET /v1/projects/P-1"), "{said}");
    assert!(said.contains("continue with --from 2"), "{said}");
    let out = access_log(false, node.url(), &["show", "--key", &key, "--limit", "0"]);
    assert_exit(&out, 2);
    let refusing = FakeNode::start(|request| match request.path.as_str() {
        "/v1/status" => Reply::json(
            200,
            common::status_json("gongxin-devnet", NODE, Hash::digest(b"g"), 3, 3),
        ),
        _ => Reply::error(
            403,
            "forbidden",
            "the operation log is read by the audit department",
        ),
    });
    let out = access_log(false, refusing.url(), &["show", "--key", &key]);
    assert_exit(&out, 1);
    assert!(
        text(&out.stderr).contains("audit department"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_devnet_validator_anchors_its_log_and_the_auditor_verifies_it() {
    let devnet = Devnet::start(Demo::Skip);
    let auditor = devnet.key("audit-auditor-1");
    let finance = devnet.key("finance-director");
    let node = devnet.url.as_str();
    // Reads to log: one refused (finance may not read the log), one served.
    let out = access_log(false, node, &["show", "--key", &finance]);
    assert_exit(&out, 1);
    let out = access_log(false, node, &["show", "--key", &auditor]);
    assert_exit(&out, 0);
    // The devnet anchors every 10 s: wait (bounded) until the anchors cover those reads.
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let out = access_log(true, node, &["verify", "--key", &auditor]);
        assert_exit(&out, 0);
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        if report["report"]["anchors_matched"].as_u64().unwrap() >= 1 {
            break;
        }
        assert!(Instant::now() < deadline, "no anchor within 40 s: {report}");
        std::thread::sleep(Duration::from_millis(500));
    }
    let out = access_log(false, node, &["show", "--key", &auditor, "--limit", "1000"]);
    assert_exit(&out, 0);
    let said = text(&out.stdout);
    assert!(said.contains("403 forbidden"), "{said}");
    assert!(said.contains("GET /v1/access-log"), "{said}");
}
