//! The operation log end to end on one in-process validator: signed reads (served and refused)
//! and admission decisions are logged and chained; the validator anchors the head on the
//! ledger; the audit department reads the log and it verifies against the anchors; and every
//! kind of tampering with the stored records — an edit, an edit with every head recomputed, a
//! deleted record, a cut tail — is caught. Retention prunes only to an anchored point, and the
//! log continues across a restart.

mod common;

use common::{open, test_node, test_node_with_clock};
use gongxin_core::access_log::{ChainBreak, ChainPoint, ChainedRecord, verify_chain};
use gongxin_core::model::Role;
use gongxin_node::anchoring::anchor_once;
use gongxin_node::clock::{Clock, ManualClock, SystemClock};
use gongxin_node::config::Limits;
use gongxin_node::producer::produce_block;
use gongxin_node::storage::Store;
use serde_json::Value;
use warp::http::StatusCode;

/// The kept log (start point and records) and the anchors, as an auditor reads them.
async fn audit_view(t: &common::TestNode) -> (ChainPoint, Vec<ChainedRecord>, Vec<ChainPoint>) {
    let auditor = t.keys.member("audit", Role::Auditor).unwrap();
    let (status, log, text) = t.get_signed("/v1/access-log", auditor).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let start: ChainPoint = serde_json::from_value(log["start"].clone()).unwrap();
    let records: Vec<ChainedRecord> = serde_json::from_value(log["records"].clone()).unwrap();
    let (status, anchors, text) = t.get_signed("/v1/access-log/anchors", auditor).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let anchors = anchors["anchors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| serde_json::from_value(a["point"].clone()).unwrap())
        .collect();
    (start, records, anchors)
}

/// The newest anchor of the test node's log on its ledger.
fn latest_anchor(t: &common::TestNode) -> ChainPoint {
    gongxin_contracts::queries::latest_access_anchor(&t.node.reader().state(), &t.node.name)
        .unwrap()
        .expect("an anchor is committed")
        .point
}

/// Signs and commits an anchor of the flushed head.
fn anchor(t: &common::TestNode) -> ChainPoint {
    t.node.access_log.sync().unwrap();
    let mut pending = None;
    anchor_once(&t.node, &mut pending)
        .unwrap()
        .expect("the log grew, so an anchor is sent");
    produce_block(&t.node, true).unwrap();
    assert!(pending.is_some());
    latest_anchor(t)
}

#[tokio::test]
async fn reads_and_admissions_are_logged_anchored_and_tampering_is_found() {
    let t = test_node(Limits::default());
    let auditor = t.keys.member("audit", Role::Auditor).unwrap().clone();
    let specialist = t
        .keys
        .member("transport", Role::Specialist)
        .unwrap()
        .clone();

    // A served read, a refused one (a line member asking for the operation log), an admission.
    let (status, _, _) = t.get_signed("/v1/projects", &auditor).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body, _) = t.get_signed("/v1/access-log", &specialist).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "forbidden");
    let tx = t.keys.proposals("oplog", 1, 1, 50).remove(0);
    let hash = tx.hash();
    t.node
        .admission
        .submit(tx.clone(), tx.to_bytes().len())
        .unwrap();
    // A second copy: decided again ("pending"), logged again.
    t.node
        .admission
        .submit(tx.clone(), tx.to_bytes().len())
        .unwrap();
    // Unsigned requests claim no one and are not logged.
    let routes = gongxin_node::gateway::routes(t.node.clone());
    let unsigned = warp::test::request()
        .path("/v1/projects")
        .reply(&routes)
        .await;
    assert_eq!(unsigned.status(), StatusCode::UNAUTHORIZED);
    drop(routes);

    let first = anchor(&t);
    assert_eq!(first, t.node.access_log.flushed());
    let (start, records, anchors) = audit_view(&t).await;
    assert_eq!(start, ChainPoint::GENESIS);
    let summary: Vec<(String, String, String)> = records
        .iter()
        .map(|r| {
            let kind = serde_json::to_value(r.record.kind).unwrap();
            (
                kind.as_str().unwrap().to_owned(),
                r.record.target.clone(),
                r.record.outcome.clone(),
            )
        })
        .collect();
    let admission = format!("tx {hash} propose_project");
    assert_eq!(
        summary,
        [
            ("read".into(), "GET /v1/projects".into(), "200".into()),
            (
                "read".into(),
                "GET /v1/access-log".into(),
                "403 forbidden".into()
            ),
            ("admission".into(), admission.clone(), "admitted".into()),
            ("admission".into(), admission, "pending".into()),
        ]
    );
    assert_eq!(records[0].record.department, "audit");
    assert_eq!(records[0].record.actor, auditor.public_key().to_string());
    assert_eq!(records[2].record.actor, tx.body.signer.to_string());
    // The auditor's own read of the log (and of the anchors) comes after what it was shown.
    let report = verify_chain(start, &records, &anchors).unwrap();
    assert_eq!((report.anchors_matched, report.unanchored), (1, 0));
    // Nothing to anchor twice; a later anchor covers the auditor's reads.
    let mut pending = None;
    t.node.access_log.sync().unwrap();
    let second = {
        assert!(anchor_once(&t.node, &mut pending).unwrap().is_some());
        produce_block(&t.node, true).unwrap();
        latest_anchor(&t)
    };
    assert!(second.count > first.count);
    pending = None;
    assert_eq!(anchor_once(&t.node, &mut pending).unwrap(), None);

    // Tampering, on the stopped node's database (an insider with the storage key).
    let common::TestNode { dir, node, .. } = t;
    drop(node);
    let data = dir.path().join("data");
    let edited_outcome = {
        let store = Store::open(&data).unwrap();
        let mut records = store.access_log_range(0, u64::MAX, 1_000).unwrap();
        // Hide the refused attempt: make it look served, keeping the stored head.
        records[1].record.outcome = "200".into();
        store.access_log_append(&records[1..2]).unwrap();
        records
    };
    let anchors = [first, second];
    let (start, stored) = stored_log(&data);
    assert_eq!(
        verify_chain(start, &stored, &anchors),
        Err(ChainBreak::StoredHeadMismatch { seq: 1 })
    );
    // The same edit with every later head recomputed: only the anchors catch it.
    {
        let store = Store::open(&data).unwrap();
        let mut point = ChainPoint::GENESIS;
        let mut forged = edited_outcome.clone();
        for chained in &mut forged {
            point = point.next(&chained.record);
            chained.head = point.head;
        }
        store.access_log_append(&forged).unwrap();
    }
    let (start, stored) = stored_log(&data);
    assert!(matches!(
        verify_chain(start, &stored, &anchors),
        Err(ChainBreak::AnchorMismatch { count, .. }) if count == first.count
    ));
    // Put the true records back, then delete one, then cut the anchored tail.
    {
        let store = Store::open(&data).unwrap();
        let mut truth = edited_outcome.clone();
        truth[1].record.outcome = "403 forbidden".into();
        store.access_log_append(&truth).unwrap();
    }
    let (start, stored) = stored_log(&data);
    verify_chain(start, &stored, &anchors).unwrap();
    delete_raw(&data, &[2]);
    let (start, stored) = stored_log(&data);
    assert_eq!(
        verify_chain(start, &stored, &anchors),
        Err(ChainBreak::OutOfSequence {
            expected: 2,
            found: 3
        })
    );
    let tail: Vec<u64> = (2..second.count).collect();
    delete_raw(&data, &tail);
    let (start, stored) = stored_log(&data);
    assert!(matches!(
        verify_chain(start, &stored, &anchors),
        Err(ChainBreak::MissingAnchored { present: 2, .. })
    ));
}

/// The kept log of the database at `data`, read directly.
fn stored_log(data: &std::path::Path) -> (ChainPoint, Vec<ChainedRecord>) {
    let store = Store::open(data).unwrap();
    (
        store.access_log_start().unwrap(),
        store.access_log_range(0, u64::MAX, 10_000).unwrap(),
    )
}

/// Deletes operation-log records by seq with RocksDB itself, as a tamperer would.
fn delete_raw(data: &std::path::Path, seqs: &[u64]) {
    let names = rocksdb::DB::list_cf(&rocksdb::Options::default(), data).unwrap();
    let db = rocksdb::DB::open_cf(&rocksdb::Options::default(), data, &names).unwrap();
    let cf = db.cf_handle("access_log").unwrap();
    for seq in seqs {
        db.delete_cf(cf, seq.to_be_bytes()).unwrap();
    }
}

#[tokio::test]
async fn retention_prunes_to_an_anchor_and_the_log_survives_a_restart() {
    let clock = ManualClock::new(SystemClock.now_ms());
    let t = test_node_with_clock(Limits::default(), clock.clone());
    let auditor = t.keys.member("audit", Role::Auditor).unwrap().clone();
    for _ in 0..3 {
        t.get_signed("/v1/whoami", &auditor).await;
    }
    let first = anchor(&t);
    for _ in 0..2 {
        t.get_signed("/v1/whoami", &auditor).await;
    }
    t.node.access_log.sync().unwrap();
    clock.advance_ms(1_000_000);
    // Everything is older than the cut-off, but only the anchored prefix may go.
    let start = t.node.prune_access_log(1).unwrap();
    assert_eq!(start, first);
    // Young records are kept: nothing more goes with a day's retention.
    let second = anchor(&t);
    assert_eq!(t.node.prune_access_log(86_400_000).unwrap(), first);
    let (start, records, anchors) = audit_view(&t).await;
    assert_eq!(start, first);
    assert_eq!(records[0].record.seq, first.count);
    let report = verify_chain(start, &records, &anchors).unwrap();
    assert_eq!(report.last_anchor, Some(second));

    // Restart: the log continues where it stopped, chained to what was written.
    let flushed = {
        t.node.access_log.sync().unwrap();
        t.node.access_log.flushed()
    };
    let common::TestNode { dir, node, keys } = t;
    drop(node);
    let node = open(&dir, &keys, Limits::default());
    assert_eq!(node.access_log.flushed(), flushed);
    let t = common::TestNode { dir, node, keys };
    let (status, _, _) = t.get_signed("/v1/whoami", &auditor).await;
    assert_eq!(status, StatusCode::OK);
    t.node.access_log.sync().unwrap();
    let (start, records, anchors) = audit_view(&t).await;
    let report = verify_chain(start, &records, &anchors).unwrap();
    assert!(report.end.count > flushed.count);
    assert_eq!(
        records
            .iter()
            .find(|r| r.record.seq == flushed.count)
            .map(|r| r.record.target.as_str()),
        Some("GET /v1/whoami")
    );
}

#[tokio::test]
async fn anchors_are_for_members_and_the_log_for_audit_only() {
    let t = test_node(Limits::default());
    let finance = t.keys.member("finance", Role::Director).unwrap().clone();
    let (status, body, _) = t.get_signed("/v1/access-log", &finance).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body, _) = t
        .get_signed("/v1/access-log/anchors?limit=5", &finance)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["anchors"], Value::Array(Vec::new()));
    let auditor = t.keys.member("audit", Role::Auditor).unwrap().clone();
    for bad in [
        "/v1/access-log?limit=0",
        "/v1/access-log?limit=1001",
        "/v1/access-log?from=5&to=2",
        "/v1/access-log?from=x",
        "/v1/access-log/anchors?after=-1",
    ] {
        let (status, body, _) = t.get_signed(bad, &auditor).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert_eq!(body["error"], "bad_query", "{bad}");
    }
    // Paging: one record per page follows `next` to `to` (each page read is logged too, so the
    // log grows while it is paged).
    t.node.access_log.sync().unwrap();
    let to = t.node.access_log.flushed().count - 1;
    let mut from = 0;
    let mut seen = Vec::new();
    loop {
        let (status, page, text) = t
            .get_signed(
                &format!("/v1/access-log?from={from}&to={to}&limit=1"),
                &auditor,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{text}");
        for r in page["records"].as_array().unwrap() {
            seen.push(r["seq"].as_u64().unwrap());
        }
        match page["next"].as_u64() {
            Some(next) => from = next,
            None => break,
        }
        assert!(seen.len() < 100, "paging does not end");
    }
    assert_eq!(seen, (0..=to).collect::<Vec<_>>());
    assert!(to >= 6, "{seen:?}");
}
