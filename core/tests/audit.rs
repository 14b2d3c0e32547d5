//! End to end, as an auditor sees it: entries appended to a log, a checkpoint signed by a
//! validator quorum, an inclusion proof bundle and a consistency proof — verified with nothing
//! but the genesis document; and every kind of tampering rejected with a precise reason.

use gongxin_core::Hash;
use gongxin_core::audit::{
    AuditError, ConsistencyProof, ProofBundle, verify_bundle, verify_consistency,
};
use gongxin_core::checkpoint::{Checkpoint, SignedCheckpoint};
use gongxin_core::log::{self, MemoryLog};
use gongxin_core::testkit::{CHAIN, ledger};

#[test]
fn inclusion_bundle_verifies_for_every_entry_and_survives_json() {
    let l = ledger(23);
    for index in 0..23 {
        let bundle = l.bundle(index, 23);
        let json = serde_json::to_string(&bundle).unwrap();
        let back: ProofBundle = serde_json::from_str(&json).unwrap();
        let verified = verify_bundle(&l.genesis, &back).unwrap();
        assert_eq!(verified.leaf_index, index as u64);
        assert_eq!(verified.signers.len(), 3);
        assert_eq!(verified.entry.tx.hash(), l.entries[index].0);
    }
    // Proofs against an older checkpoint verify too.
    verify_bundle(&l.genesis, &l.bundle(4, 9)).unwrap();
}

#[test]
fn inclusion_json_has_protocol_field_names() {
    let l = ledger(5);
    let value = serde_json::to_value(&l.bundle(2, 5).proof).unwrap();
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, ["audit_path", "entry", "leaf_index", "tree_size"]);
    assert!(
        value["entry"]
            .as_str()
            .unwrap()
            .chars()
            .all(|c| c.is_ascii_hexdigit())
    );
}

#[test]
fn tampered_bundles_are_rejected_with_a_reason() {
    let l = ledger(23);
    let good = l.bundle(7, 23);

    let mut b = good.clone();
    b.proof.entry[40] ^= 1;
    assert!(matches!(
        verify_bundle(&l.genesis, &b),
        Err(AuditError::Inclusion(_))
    ));

    let mut b = good.clone();
    b.proof.audit_path[0].0[0] ^= 0x80;
    assert!(matches!(
        verify_bundle(&l.genesis, &b),
        Err(AuditError::Inclusion(_))
    ));

    let mut b = good.clone();
    b.proof.audit_path.push(Hash::ZERO);
    assert!(matches!(
        verify_bundle(&l.genesis, &b),
        Err(AuditError::Inclusion(_))
    ));

    let mut b = good.clone();
    b.proof.leaf_index = 8;
    assert!(matches!(
        verify_bundle(&l.genesis, &b),
        Err(AuditError::Inclusion(_))
    ));

    let mut b = good.clone();
    b.tx_hash = l.entries[8].0;
    assert!(matches!(
        verify_bundle(&l.genesis, &b),
        Err(AuditError::TxHashMismatch { .. })
    ));

    let mut b = good.clone();
    b.proof.tree_size = 22;
    assert!(matches!(
        verify_bundle(&l.genesis, &b),
        Err(AuditError::TreeSizeMismatch { .. })
    ));

    // A checkpoint whose root was swapped (forged) fails its signatures.
    let mut b = good.clone();
    let mut forged = SignedCheckpoint::parse(&good.checkpoint).unwrap();
    forged.checkpoint.root = Hash::digest(b"forged");
    b.checkpoint = forged.to_note();
    assert!(matches!(
        verify_bundle(&l.genesis, &b),
        Err(AuditError::Checkpoint(_))
    ));

    // Only two of four validators signed.
    let mut b = good.clone();
    b.checkpoint = l.checkpoint(23, &[0, 2]).to_note();
    assert!(matches!(
        verify_bundle(&l.genesis, &b),
        Err(AuditError::Checkpoint(_))
    ));

    // A one-bit change anywhere in the checkpoint note's signature block.
    let mut b = good;
    let mut note = b.checkpoint.into_bytes();
    let last = note.len() - 10;
    note[last] ^= 0x01;
    b.checkpoint = String::from_utf8(note).unwrap();
    assert!(verify_bundle(&l.genesis, &b).is_err());
}

#[test]
fn consistency_between_checkpoints() {
    let l = ledger(40);
    for (m, n) in [(1, 40), (7, 8), (16, 40), (39, 40), (40, 40), (0, 12)] {
        let older = l.checkpoint(m, &[1, 2, 3]);
        let newer = l.checkpoint(n, &[0, 1, 2]);
        let path = if m == 0 {
            vec![]
        } else {
            log::consistency_proof(&l.log, m, n).unwrap()
        };
        let proof = ConsistencyProof {
            first: m,
            second: n,
            consistency_path: path,
        };
        verify_consistency(&l.genesis, &older, &newer, &proof)
            .unwrap_or_else(|e| panic!("{m}..{n}: {e}"));
    }
}

#[test]
fn split_view_is_detected() {
    // The node shows one auditor a log where entry 5 differs: both checkpoints are validly
    // signed (a quorum of validators colluded), but no consistency proof links them.
    let honest = ledger(20);
    let mut forked_log = MemoryLog::new();
    for (i, (_, bytes)) in honest.entries.iter().enumerate() {
        let mut bytes = bytes.clone();
        if i == 5 {
            bytes[30] ^= 1;
        }
        forked_log.append(&bytes);
    }
    let older = honest.checkpoint(10, &[0, 1, 2]);
    let forked_root = forked_log.root_at(20).unwrap();
    let checkpoint = Checkpoint::new(CHAIN, 20, forked_root);
    let newer = SignedCheckpoint {
        signatures: (0..3)
            .map(|i| {
                checkpoint.sign(
                    &honest.genesis.validators.validators()[i].name,
                    &honest.validator_keys[i],
                )
            })
            .collect(),
        checkpoint,
    };
    for source in [&honest.log, &forked_log] {
        let proof = ConsistencyProof {
            first: 10,
            second: 20,
            consistency_path: log::consistency_proof(source, 10, 20).unwrap(),
        };
        assert!(matches!(
            verify_consistency(&honest.genesis, &older, &newer, &proof),
            Err(AuditError::Consistency(_))
        ));
    }
}

#[test]
fn a_flipped_signature_bit_is_a_bad_signature_not_a_parse_error() {
    let l = ledger(6);
    let mut bundle = l.bundle(2, 6);
    let mut note = SignedCheckpoint::parse(&bundle.checkpoint).unwrap();
    note.signatures[1].signature[5] ^= 0x01;
    bundle.checkpoint = note.to_note();
    assert!(matches!(
        verify_bundle(&l.genesis, &bundle),
        Err(AuditError::Checkpoint(
            gongxin_core::checkpoint::CheckpointError::BadSignature(_)
        ))
    ));
}

#[test]
fn an_included_entry_with_a_forged_transaction_is_refused() {
    // A log (signed by a quorum) whose entry carries a transaction with a broken signature: the
    // inclusion proof is fine, but the auditor must not accept the entry as a member's act.
    use gongxin_core::checkpoint::Checkpoint;
    use gongxin_core::entry::Entry;
    let l = ledger(3);
    let mut entry = Entry::from_bytes(&l.entries[1].1).unwrap();
    entry.tx.body.replay.nonce += 1; // the signature no longer covers the body
    let forged = entry.to_bytes();
    let mut log = MemoryLog::new();
    log.append(&l.entries[0].1);
    log.append(&forged);
    let checkpoint = Checkpoint::new(CHAIN, 2, log.root());
    let signed = SignedCheckpoint {
        signatures: (0..3)
            .map(|i| {
                checkpoint.sign(
                    &l.genesis.validators.validators()[i].name,
                    &l.validator_keys[i],
                )
            })
            .collect(),
        checkpoint,
    };
    let bundle = ProofBundle {
        tx_hash: entry.tx.hash(),
        proof: gongxin_core::audit::InclusionProof {
            leaf_index: 1,
            tree_size: 2,
            entry: forged,
            audit_path: log::inclusion_proof(&log, 1, 2).unwrap(),
        },
        checkpoint: signed.to_note(),
        handovers: Vec::new(),
    };
    assert!(matches!(
        verify_bundle(&l.genesis, &bundle),
        Err(AuditError::EntryTx(_))
    ));
}
