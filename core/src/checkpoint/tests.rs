use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use sha2::Digest;

use super::*;
use crate::crypto::Algorithm;
use crate::validator::Validator;

/// The signed-note example of golang.org/x/mod/sumdb/note (used by C2SP implementations as a
/// known answer): key "PeterNeumann", seed and public key from its PRIVATE+KEY / verifier strings.
#[test]
fn c2sp_key_id_and_signature_known_answer() {
    let seed = BASE64
        .decode("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")
        .unwrap();
    let public = BASE64
        .decode("ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
        .unwrap();
    assert_eq!(
        (seed[0], public[0]),
        (0x01, 0x01),
        "algorithm byte 0x01 = Ed25519"
    );
    let keypair = Keypair::from_secret_bytes(Algorithm::Ed25519, &seed[1..]).unwrap();
    assert_eq!(keypair.public_key().as_bytes(), &public[1..]);
    assert_eq!(
        hex::encode(key_id("PeterNeumann", &keypair.public_key())),
        "c74f20a3"
    );
    let text = "If you think cryptography is the answer to your problem,\n\
                then you don't know what your problem is.\n";
    assert_eq!(
        sign_note_text("PeterNeumann", &keypair, text).line(),
        "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
    );
}

struct Fixture {
    keys: Vec<Keypair>,
    set: ValidatorSet,
    checkpoint: Checkpoint,
}

fn fixture(algorithms: &[Algorithm]) -> Fixture {
    let keys: Vec<Keypair> = algorithms
        .iter()
        .map(|&a| Keypair::generate(a).unwrap())
        .collect();
    let set = ValidatorSet::new(
        keys.iter()
            .enumerate()
            .map(|(i, k)| Validator {
                name: format!("v{i}.gongxin.example"),
                department: format!("dept{i}"),
                public_key: k.public_key(),
                power: 1,
            })
            .collect(),
    )
    .unwrap();
    let checkpoint = Checkpoint::new("devnet", 42, Hash::digest(b"root"));
    Fixture {
        keys,
        set,
        checkpoint,
    }
}

impl Fixture {
    fn signed_by(&self, who: &[usize]) -> SignedCheckpoint {
        SignedCheckpoint {
            checkpoint: self.checkpoint.clone(),
            signatures: who
                .iter()
                .map(|&i| {
                    self.checkpoint
                        .sign(&self.set.validators()[i].name, &self.keys[i])
                })
                .collect(),
        }
    }
}

#[test]
fn format_matches_protocol() {
    let f = fixture(&[Algorithm::Ed25519]);
    let note = f.signed_by(&[0]).to_note();
    let root_b64 = BASE64.encode(Hash::digest(b"root").0);
    assert!(note.starts_with(&format!(
        "gongxin/devnet\n42\n{root_b64}\n\n— v0.gongxin.example "
    )));
    assert!(note.ends_with('\n'));
    assert_eq!(note.lines().count(), 5);
}

#[test]
fn quorum_of_three_of_four_verifies_and_round_trips() {
    let f = fixture(&[Algorithm::Ed25519; 4]);
    let signed = f.signed_by(&[0, 2, 3]);
    let parsed = SignedCheckpoint::parse(&signed.to_note()).unwrap();
    assert_eq!(parsed, signed);
    assert_eq!(parsed.verify("devnet", &f.set).unwrap().len(), 3);
}

#[test]
fn sm2_validators_sign_with_the_extension_type() {
    let f = fixture(&[
        Algorithm::Sm2,
        Algorithm::Ed25519,
        Algorithm::Sm2,
        Algorithm::Sm2,
    ]);
    let signed = SignedCheckpoint::parse(&f.signed_by(&[0, 2, 3]).to_note()).unwrap();
    assert_eq!(signed.verify("devnet", &f.set).unwrap().len(), 3);
}

#[test]
fn two_of_four_is_not_a_quorum() {
    let f = fixture(&[Algorithm::Ed25519; 4]);
    assert_eq!(
        f.signed_by(&[0, 1]).verify("devnet", &f.set),
        Err(CheckpointError::NoQuorum {
            signed: 2,
            total: 4
        })
    );
}

#[test]
fn duplicate_signatures_count_once() {
    let f = fixture(&[Algorithm::Ed25519; 4]);
    let signed = f.signed_by(&[0, 0, 0, 1]);
    assert_eq!(
        SignedCheckpoint::parse(&signed.to_note())
            .unwrap()
            .verify("devnet", &f.set),
        Err(CheckpointError::NoQuorum {
            signed: 2,
            total: 4
        })
    );
}

#[test]
fn foreign_signers_are_ignored_not_counted() {
    let f = fixture(&[Algorithm::Ed25519; 4]);
    let mut signed = f.signed_by(&[0, 1, 2]);
    let stranger = Keypair::generate(Algorithm::Ed25519).unwrap();
    // An unknown name, and a known name with another key: both ignored.
    signed
        .signatures
        .push(f.checkpoint.sign("stranger.example", &stranger));
    signed
        .signatures
        .push(f.checkpoint.sign(&f.set.validators()[3].name, &stranger));
    let parsed = SignedCheckpoint::parse(&signed.to_note()).unwrap();
    assert_eq!(parsed.verify("devnet", &f.set).unwrap().len(), 3);

    let mut only_foreign = f.signed_by(&[0, 1]);
    only_foreign
        .signatures
        .push(f.checkpoint.sign(&f.set.validators()[3].name, &stranger));
    assert!(matches!(
        only_foreign.verify("devnet", &f.set),
        Err(CheckpointError::NoQuorum { signed: 2, .. })
    ));
}

#[test]
fn an_unknown_cosigner_with_a_long_name_is_ignored() {
    let f = fixture(&[Algorithm::Ed25519; 4]);
    let mut signed = f.signed_by(&[0, 1, 2]);
    let witness = Keypair::generate(Algorithm::Ed25519).unwrap();
    let long_name = format!("witness.example.org/{}", "a".repeat(80));
    signed
        .signatures
        .push(f.checkpoint.sign(&long_name, &witness));
    let parsed = SignedCheckpoint::parse(&signed.to_note()).unwrap();
    assert_eq!(parsed.verify("devnet", &f.set).unwrap().len(), 3);
}

/// The SM2 extension's key id, pinned so a change to its layout fails a test:
/// SHA-256(name ‖ "\n" ‖ 0xff ‖ "gongxin/sm2-sm3" ‖ 33-byte compressed key)[:4].
#[test]
fn sm2_key_id_layout() {
    let key = Keypair::from_secret_bytes(Algorithm::Sm2, &[7; 32]).unwrap();
    let PublicKey::Sm2(raw) = key.public_key() else {
        panic!("sm2")
    };
    let mut preimage = b"audit.validator\n".to_vec();
    preimage.push(0xff);
    preimage.extend_from_slice(b"gongxin/sm2-sm3");
    preimage.extend_from_slice(&raw);
    let digest = <Sha256 as Digest>::digest(&preimage);
    assert_eq!(
        key_id("audit.validator", &key.public_key()),
        [digest[0], digest[1], digest[2], digest[3]]
    );
    assert_ne!(
        key_id("audit.validator", &key.public_key()),
        key_id("audit.validator2", &key.public_key())
    );
}

#[test]
fn a_bad_signature_from_a_known_validator_rejects_the_note() {
    let f = fixture(&[Algorithm::Ed25519; 4]);
    let mut signed = f.signed_by(&[0, 1, 2, 3]);
    signed.signatures[3].signature[10] ^= 0x01;
    assert_eq!(
        signed.verify("devnet", &f.set),
        Err(CheckpointError::BadSignature(
            f.set.validators()[3].name.clone()
        ))
    );
}

#[test]
fn tampered_body_fails() {
    let f = fixture(&[Algorithm::Ed25519; 4]);
    let note = f.signed_by(&[0, 1, 2]).to_note();
    let tampered = note.replacen("\n42\n", "\n43\n", 1);
    let parsed = SignedCheckpoint::parse(&tampered).unwrap();
    assert!(matches!(
        parsed.verify("devnet", &f.set),
        Err(CheckpointError::BadSignature(_))
    ));
    assert!(matches!(
        SignedCheckpoint::parse(&note)
            .unwrap()
            .verify("other-chain", &f.set),
        Err(CheckpointError::WrongOrigin { .. })
    ));
}

#[test]
fn malformed_notes_are_errors() {
    let f = fixture(&[Algorithm::Ed25519]);
    let good = f.signed_by(&[0]).to_note();
    let cases = [
        good.replace("\n\n", "\n"),            // no separator
        good.trim_end().to_owned(),            // no final newline
        good.replacen("\n42\n", "\n042\n", 1), // non-canonical size
        good.replacen("\n42\n", "\n-1\n", 1),  // negative size
        good.replacen("\n42\n", "\n99999999999999999999999\n", 1),
        good.replacen("— ", "- ", 1),            // wrong dash
        good.replacen("\n\n", "\nextra\n\n", 1), // extension line
        good.replacen("gongxin/devnet", "gongxin/dev\tnet", 1),
        format!("{}\n", good.split("\n\n").next().unwrap()), // no signatures
        "".to_owned(),
        "x".repeat(CHECKPOINT_NOTE_BYTES_MAX + 1),
    ];
    for case in cases {
        assert!(
            SignedCheckpoint::parse(&case).is_err(),
            "accepted: {case:?}"
        );
    }
}

proptest::proptest! {
    #[test]
    fn parse_never_panics(text in "\\PC{0,300}") {
        let _ = SignedCheckpoint::parse(&text);
    }

    #[test]
    fn parse_never_panics_on_mutated_notes(pos in 0usize..400, byte in 0u8..128) {
        let f = fixture(&[Algorithm::Ed25519]);
        let mut bytes = f.signed_by(&[0]).to_note().into_bytes();
        let i = pos % bytes.len();
        bytes[i] = byte;
        if let Ok(text) = String::from_utf8(bytes)
            && let Ok(parsed) = SignedCheckpoint::parse(&text)
        {
            let _ = parsed.verify("devnet", &f.set);
        }
    }
}
