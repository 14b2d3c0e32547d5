use super::*;
use crate::log::MemoryLog;

fn key(byte: u8) -> Keypair {
    Keypair::from_secret_bytes(Algorithm::Ed25519, &[byte; 32]).unwrap()
}

fn witness(name: &str, byte: u8) -> WitnessKey {
    WitnessKey {
        name: name.into(),
        key: key(byte).public_key(),
    }
}

fn log(n: u64) -> MemoryLog {
    let mut memory = MemoryLog::new();
    for i in 0..n {
        memory.append(&i.to_be_bytes());
    }
    memory
}

fn checkpoint(memory: &MemoryLog, size: u64) -> Checkpoint {
    Checkpoint::new("city", size, memory.root_at(size).unwrap())
}

fn request(memory: &MemoryLog, old: u64, size: u64) -> AddCheckpoint {
    let proof = if old == 0 || old >= size {
        Vec::new()
    } else {
        log::consistency_proof(memory, old, size).unwrap()
    };
    AddCheckpoint {
        old_size: old,
        proof,
        note: SignedCheckpoint {
            checkpoint: checkpoint(memory, size),
            signatures: vec![checkpoint(memory, size).sign("v", &key(9))],
        }
        .to_note(),
    }
}

#[test]
fn a_cosignature_verifies_for_its_witness_only_and_counts_once() {
    let memory = log(5);
    let body = checkpoint(&memory, 5);
    let mut signed = SignedCheckpoint {
        signatures: vec![
            body.sign("v", &key(9)),
            cosign("w1", &key(1), 1_700_000_000, &body),
            cosign("w1", &key(1), 1_700_000_001, &body),
            cosign("w2", &key(2), 1_700_000_002, &body),
        ],
        checkpoint: body.clone(),
    };
    // The note round-trips through its text form with the cosignature lines.
    signed = SignedCheckpoint::parse(&signed.to_note()).unwrap();
    let trusted = [witness("w1", 1), witness("w2", 2), witness("w3", 3)];
    let found = require_cosignatures(&signed, &trusted, 2).unwrap();
    assert_eq!(
        found,
        vec![
            Cosignature {
                witness: "w1".into(),
                timestamp: 1_700_000_000
            },
            Cosignature {
                witness: "w2".into(),
                timestamp: 1_700_000_002
            }
        ]
    );
    assert!(matches!(
        require_cosignatures(&signed, &trusted, 3),
        Err(CosignatureError::NotEnough {
            have: 2,
            need: 3,
            ..
        })
    ));
    // Another checkpoint's cosignature is a bad one.
    let other = checkpoint(&log(6), 6);
    signed.signatures.push(NoteSignature {
        name: "w3".into(),
        ..cosign("w3", &key(3), 1, &other)
    });
    assert_eq!(
        verify_cosignatures(&signed, &trusted),
        Err(CosignatureError::Bad("w3".into()))
    );
    // The signed message is C2SP's.
    assert_eq!(
        signed_message(7, &body),
        format!("cosignature/v1\ntime 7\n{}", body.body_text()).into_bytes()
    );
}

#[test]
fn requests_round_trip_and_malformed_ones_are_400() {
    let memory = log(9);
    let request = request(&memory, 4, 9);
    let (parsed, checkpoint) = AddCheckpoint::parse(&request.to_body()).unwrap();
    assert_eq!(parsed, request);
    assert_eq!(checkpoint.checkpoint.tree_size, 9);
    for body in [
        "".to_owned(),
        "old 01\n\n".to_owned() + &request.note,
        "old x\n\n".to_owned() + &request.note,
        "old 4\nnot base64!\n\n".to_owned() + &request.note,
        "old 4\n\nnot a note".to_owned(),
        format!("old 4\n{}\n", "AAAA\n".repeat(70)) + &request.note,
    ] {
        assert_eq!(
            AddCheckpoint::parse(&body)
                .map(|_| ())
                .unwrap_err()
                .status(),
            400,
            "{body:?}"
        );
    }
}

#[test]
fn a_witness_never_cosigns_a_split_view_a_rollback_or_an_unproven_extension() {
    let memory = log(12);
    let fork = {
        let mut fork = log(8);
        fork.append(b"forked");
        fork
    };
    let decide_at = |latest: Option<Cosigned>, request: &AddCheckpoint| {
        let (_, checkpoint) = AddCheckpoint::parse(&request.to_body()).unwrap();
        decide(latest, request, &checkpoint.checkpoint)
    };
    // First contact: old 0, empty proof.
    let first = decide_at(None, &request(&memory, 0, 5)).unwrap();
    assert_eq!(first.size, 5);
    // A client that does not know the witness's size learns it from the 409.
    assert_eq!(
        decide_at(Some(first), &request(&memory, 0, 9)),
        Err(Refusal::OldSizeMismatch(5))
    );
    // An extension with a valid proof is cosigned.
    let second = decide_at(Some(first), &request(&memory, 5, 9)).unwrap();
    assert_eq!(second.size, 9);
    // The same checkpoint again is fine; another root at that size is a split view.
    assert_eq!(decide_at(Some(second), &request(&memory, 9, 9)), Ok(second));
    assert_eq!(
        decide_at(Some(second), &request(&fork, 9, 9)),
        Err(Refusal::RootMismatch { size: 9 })
    );
    // A smaller tree after a larger one.
    assert_eq!(
        decide_at(Some(second), &request(&memory, 9, 7))
            .unwrap_err()
            .status(),
        400
    );
    assert_eq!(
        decide_at(Some(second), &request(&memory, 5, 7)),
        Err(Refusal::OldSizeMismatch(9))
    );
    // A larger tree whose proof does not link it to what was cosigned.
    let mut unlinked = request(&memory, 9, 12);
    unlinked.proof[0].0[0] ^= 1;
    assert_eq!(
        decide_at(Some(second), &unlinked).unwrap_err().status(),
        422
    );
    // A proof that comes with a first contact is malformed.
    let mut from_zero = request(&memory, 0, 5);
    from_zero.proof.push(Hash::ZERO);
    assert_eq!(decide_at(None, &from_zero).unwrap_err().status(), 400);
}

#[test]
fn witness_keys_parse_from_the_cli_form() {
    let text = format!("audit.gov/w1={}", key(1).public_key());
    assert_eq!(
        WitnessKey::parse(&text).unwrap(),
        witness("audit.gov/w1", 1)
    );
    assert!(WitnessKey::parse("no-key").is_err());
    assert!(WitnessKey::parse("a b=ed25519:00").is_err());
    let sm2 = Keypair::from_secret_bytes(Algorithm::Sm2, &[3; 32]).unwrap();
    assert!(WitnessKey::parse(&format!("w={}", sm2.public_key())).is_err());
}
