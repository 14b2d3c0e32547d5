//! `gongxin credit check` against a real devnet and a fake credit registry: a clear contractor
//! and a listed one are both recorded with the SM3 hash of the registry's answer, which is saved
//! byte for byte beside it (exit 0 and 4); a registry that is down, answers an error, or answers
//! something the adapter's mapping does not fit gets a clear error and records nothing.

mod common;

use std::path::Path;
use std::time::Duration;

use common::devnet::{Demo, Devnet};
use common::{FakeNode, Reply, gongxin, path_str, text};
use gongxin_core::Hash;
use gongxin_core::model::credit_code::with_check_character;
use serde_json::{Value, json};

/// A project of the demo data owned by transport, in procurement.
const PROJECT: &str = "SC-2026-005";
const CLEAR: &str = "914403001922038216";
const LISTED: &str = "91350100M000100Y43";
/// A valid code the registry answers about with a field missing.
const ODD: &str = "91510100MA61K3T8XP";

fn registry() -> FakeNode {
    FakeNode::start(|request| {
        if request.header("x-api-key") != Some("k-123") {
            return Reply::json(401, json!({"message": "bad key"}));
        }
        let code = request.query.get("code").cloned().unwrap_or_default();
        match code.as_str() {
            CLEAR => Reply::json(
                200,
                json!({"data": {"credit_code": CLEAR, "dishonest": false, "tax": [], "summary": "无不良信用记录"}}),
            ),
            LISTED => Reply::json(
                200,
                json!({"data": {"credit_code": LISTED, "dishonest": true, "tax": ["2025-税-017"]}}),
            ),
            ODD => Reply::json(
                200,
                json!({"data": {"credit_code": ODD, "dishonest": false}}),
            ),
            _ => Reply::json(503, json!({"message": "busy"})),
        }
    })
}

fn write_registry_file(dir: &Path, url: &str) -> String {
    let file = dir.join("registry.json");
    let config = json!({
        "name": "creditchina",
        "url": format!("{url}/api/entity"),
        "query": {"code": "{credit_code}", "name": "{name}"},
        "headers": {"X-Api-Key": "k-123"},
        "listed_when": ["/data/dishonest", "/data/tax"],
        "credit_code_at": "/data/credit_code",
        "summary_at": "/data/summary",
        "timeout_ms": 3000
    });
    std::fs::write(&file, config.to_string()).unwrap();
    path_str(&file).to_owned()
}

#[test]
fn credit_checks_are_recorded_with_their_evidence() {
    let devnet = Devnet::start(Demo::Load);
    let registry = registry();
    let dir = tempfile::tempdir().unwrap();
    let registry_file = write_registry_file(dir.path(), registry.url());
    let evidence = dir.path().join("evidence");
    let specialist = devnet.key("transport-specialist");
    let check = |code: &str, name: &str| {
        gongxin(&[
            "--node",
            &devnet.url,
            "--json",
            "credit",
            "check",
            "--project",
            PROJECT,
            "--name",
            name,
            "--credit-code",
            code,
            "--registry",
            &registry_file,
            "--evidence-dir",
            path_str(&evidence),
            "--key",
            &specialist,
        ])
    };
    let history = || {
        let out = gongxin(&[
            "--node",
            &devnet.url,
            "--json",
            "history",
            PROJECT,
            "--limit",
            "200",
            "--key",
            &specialist,
        ]);
        common::assert_exit(&out, 0);
        text(&out.stdout)
    };

    // Clear: recorded, exit 0; the saved answer's SM3 is the hash on the ledger.
    let out = check(CLEAR, "华为技术有限公司");
    common::assert_exit(&out, 0);
    let clear: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(clear["verdict"], "clear");
    assert_eq!(clear["summary"], "无不良信用记录");
    assert_eq!(clear["outcome"]["status"], "applied");
    let saved = std::fs::read(clear["evidence_file"].as_str().unwrap()).unwrap();
    assert_eq!(
        Hash::digest(&saved).to_hex(),
        clear["result_hash"].as_str().unwrap()
    );
    // The registry was asked with the party and the adapter's header.
    let asked = registry.requests();
    assert!(
        asked[0].starts_with("GET /api/entity?code=914403001922038216&name="),
        "{asked:?}"
    );

    // Listed: recorded all the same, exit 4.
    let out = check(LISTED, "某某建设工程有限公司");
    common::assert_exit(&out, 4);
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed["verdict"], "listed");
    assert_eq!(listed["listed_on"], json!(["/data/dishonest", "/data/tax"]));
    let records = history();
    assert!(
        records.contains(clear["result_hash"].as_str().unwrap()),
        "{records}"
    );
    assert!(records.contains(listed["result_hash"].as_str().unwrap()));
    assert!(records.contains(": listed (answer SM3"));

    // Nothing is recorded when the code is malformed (the registry is not even asked), or the
    // answer proves nothing or never comes.
    let before = history();
    let refused = |out: std::process::Output, says: &str| {
        assert!(!out.status.success());
        let stderr = text(&out.stderr);
        assert!(stderr.contains(says), "{stderr}");
    };
    let asked_before = registry.requests().len();
    refused(check("914403001922038217", "某公司"), "check character");
    assert_eq!(registry.requests().len(), asked_before, "nobody was asked");
    refused(check(ODD, "某公司"), "has no /data/tax");
    let unknown = with_check_character("91110000100000000").unwrap();
    refused(check(&unknown, "忙碌公司"), "HTTP 503");
    drop(registry);
    refused(check(CLEAR, "华为技术有限公司"), "did not answer");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(history(), before);
    // The saved answers are the two recorded ones.
    assert_eq!(std::fs::read_dir(&evidence).unwrap().count(), 2);
}
