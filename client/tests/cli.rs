//! The `gongxin` binary as a person uses it: keys, hashes, and offline verification that
//! accepts a real proof and rejects a one-bit change to the proof or the checkpoint.

use std::path::Path;
use std::process::{Command, Output};

use gongxin_core::testkit::ledger;

fn gongxin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gongxin"))
        .args(args)
        .output()
        .expect("run gongxin")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("utf-8 temp path")
}

#[test]
fn hash_prints_the_sm3_known_answer() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("abc.txt");
    std::fs::write(&file, "abc").unwrap();
    let out = gongxin(&["hash", path_str(&file)]);
    assert!(out.status.success());
    assert!(
        text(&out.stdout)
            .starts_with("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")
    );
    let missing = gongxin(&["hash", path_str(&dir.path().join("nope"))]);
    assert!(!missing.status.success());
    assert!(text(&missing.stderr).contains("cannot open"));
}

#[test]
fn keys_new_show_and_never_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("director.key");
    let out = gongxin(&[
        "--json",
        "keys",
        "new",
        "--out",
        path_str(&file),
        "--name",
        "director",
        "--algorithm",
        "sm2",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let created: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(created["public_key"].as_str().unwrap().starts_with("sm2:"));
    let stored: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let secret = stored["secret_key"].as_str().unwrap().to_owned();

    let shown = gongxin(&["keys", "show", path_str(&file)]);
    assert!(shown.status.success());
    assert!(text(&shown.stdout).contains(created["public_key"].as_str().unwrap()));
    assert!(
        !text(&shown.stdout).contains(&secret),
        "the secret is never printed"
    );

    let again = gongxin(&["keys", "new", "--out", path_str(&file), "--name", "x"]);
    assert!(!again.status.success());
    assert!(text(&again.stderr).contains("must not exist"));
}

#[test]
fn verify_requires_k_of_the_named_witnesses() {
    use gongxin_core::crypto::{Algorithm, Keypair};
    use gongxin_core::witness::cosign;

    let dir = tempfile::tempdir().unwrap();
    let l = ledger(12);
    let genesis = dir.path().join("genesis.json");
    std::fs::write(&genesis, l.genesis.to_json()).unwrap();
    let witness = |byte: u8| Keypair::from_secret_bytes(Algorithm::Ed25519, &[byte; 32]).unwrap();
    let mut bundle = l.bundle(5, 12);
    let mut checkpoint =
        gongxin_core::checkpoint::SignedCheckpoint::parse(&bundle.checkpoint).unwrap();
    checkpoint.signatures.push(cosign(
        "w1.example",
        &witness(1),
        1_767_225_600,
        &checkpoint.checkpoint,
    ));
    bundle.checkpoint = checkpoint.to_note();
    let proof = dir.path().join("proof.json");
    std::fs::write(&proof, serde_json::to_string(&bundle).unwrap()).unwrap();
    let w1 = format!("w1.example={}", witness(1).public_key());
    let w2 = format!("w2.example={}", witness(2).public_key());
    let verify = |extra: &[&str]| {
        let mut args = vec![
            "--json",
            "verify",
            path_str(&proof),
            "--genesis",
            path_str(&genesis),
        ];
        args.extend_from_slice(extra);
        gongxin(&args)
    };

    let ok = verify(&[
        "--witness",
        &w1,
        "--witness",
        &w2,
        "--witnesses-required",
        "1",
    ]);
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    let report: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(report["cosigned_by"], serde_json::json!(["w1.example"]));

    // Both named (the default: all of them) — only one cosigned.
    let short = verify(&["--witness", &w1, "--witness", &w2]);
    assert!(!short.status.success());
    assert!(
        text(&short.stderr).contains("1 of the required 2"),
        "{}",
        text(&short.stderr)
    );

    // A cosignature that does not verify (w1's line under w2's key) is a rejection.
    let forged = format!("w1.example={}", witness(2).public_key());
    let bad = verify(&["--witness", &forged, "--witnesses-required", "0"]);
    assert!(
        bad.status.success(),
        "an unknown key id is ignored, not an error"
    );
    let bad = verify(&["--witness", &w1, "--witnesses-required", "3"]);
    assert!(!bad.status.success());
    assert!(text(&bad.stderr).contains("more than the 1 witnesses named"));
}

#[test]
fn verify_accepts_a_real_proof_and_rejects_one_bit_changes() {
    let dir = tempfile::tempdir().unwrap();
    let l = ledger(12);
    let genesis = dir.path().join("genesis.json");
    std::fs::write(&genesis, l.genesis.to_json()).unwrap();
    let bundle = l.bundle(5, 12);
    let proof = dir.path().join("proof.json");
    std::fs::write(&proof, serde_json::to_string_pretty(&bundle).unwrap()).unwrap();

    let ok = gongxin(&[
        "--json",
        "verify",
        path_str(&proof),
        "--genesis",
        path_str(&genesis),
    ]);
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    let report: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(report["valid"], true);
    assert_eq!(report["leaf_index"], 5);
    assert_eq!(report["tx_hash"], bundle.tx_hash.to_hex());

    // One bit of an audit path hash.
    let mut tampered = bundle.clone();
    tampered.proof.audit_path[1].0[31] ^= 1;
    std::fs::write(&proof, serde_json::to_string(&tampered).unwrap()).unwrap();
    let bad = gongxin(&["verify", path_str(&proof), "--genesis", path_str(&genesis)]);
    assert!(!bad.status.success());
    assert!(
        text(&bad.stderr).contains("PROOF REJECTED"),
        "{}",
        text(&bad.stderr)
    );

    // One bit of the checkpoint's root (re-encoded so it still parses).
    let mut tampered = bundle.clone();
    let mut checkpoint =
        gongxin_core::checkpoint::SignedCheckpoint::parse(&bundle.checkpoint).unwrap();
    checkpoint.checkpoint.root.0[0] ^= 1;
    tampered.checkpoint = checkpoint.to_note();
    std::fs::write(&proof, serde_json::to_string(&tampered).unwrap()).unwrap();
    let bad = gongxin(&["verify", path_str(&proof), "--genesis", path_str(&genesis)]);
    assert!(!bad.status.success());
    assert!(
        text(&bad.stderr).contains("does not verify"),
        "{}",
        text(&bad.stderr)
    );

    // Not a proof at all.
    std::fs::write(&proof, "{\"hello\": 1}").unwrap();
    let bad = gongxin(&[
        "--json",
        "verify",
        path_str(&proof),
        "--genesis",
        path_str(&genesis),
    ]);
    assert!(!bad.status.success());
    let err: serde_json::Value = serde_json::from_slice(&bad.stderr).unwrap();
    assert!(
        err["error"]
            .as_str()
            .unwrap()
            .contains("not a gongxin proof bundle")
    );
}
