//! Property tests of the canonical encoding on the real data model: every value round-trips,
//! and no byte string — random, truncated or bit-flipped — makes a decoder panic.

use gongxin_core::Hash;
use gongxin_core::block::Block;
use gongxin_core::checkpoint::SignedCheckpoint;
use gongxin_core::crypto::{Algorithm, Keypair};
use gongxin_core::encoding;
use gongxin_core::entry::{Entry, Outcome};
use gongxin_core::genesis::Genesis;
use gongxin_core::model::{
    BudgetApproval, BudgetLine, DisbursementRequest, Operation, ProgressReport,
};
use gongxin_core::tx::{ReplayGuard, SignedTx, TxBody};
use proptest::prelude::*;

fn arb_text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 ._\\-\u{4e00}-\u{4e2f}]{0,24}"
}

fn arb_operation() -> impl Strategy<Value = Operation> {
    prop_oneof![
        arb_text().prop_map(|project| Operation::ApproveProject { project }),
        (
            arb_text(),
            any::<u16>(),
            proptest::collection::vec((arb_text(), any::<u64>()), 0..5)
        )
            .prop_map(|(project, fiscal_year, lines)| Operation::ApproveBudget(
                BudgetApproval {
                    project,
                    fiscal_year,
                    lines: lines
                        .into_iter()
                        .map(|(code, amount_fen)| BudgetLine {
                            name: code.clone(),
                            code,
                            amount_fen
                        })
                        .collect(),
                    document_hash: None,
                }
            )),
        (
            arb_text(),
            arb_text(),
            any::<u64>(),
            proptest::option::of(any::<u16>())
        )
            .prop_map(|(id, contract, amount_fen, milestone)| {
                Operation::RequestDisbursement(DisbursementRequest {
                    id,
                    contract,
                    amount_fen,
                    milestone,
                    note: String::new(),
                })
            }),
        (arb_text(), arb_text(), any::<u16>(), any::<[u8; 32]>()).prop_map(
            |(id, project, percent_bp, evidence)| Operation::ReportProgress(ProgressReport {
                id,
                project,
                percent_bp,
                milestone: None,
                evidence_hash: Hash(evidence),
                note: "n".into(),
            })
        ),
        (any::<[u8; 32]>(), arb_text()).prop_map(|(h, note)| Operation::Approve {
            request: Hash(h),
            note
        }),
    ]
}

fn arb_signed_tx() -> impl Strategy<Value = SignedTx> {
    (
        any::<bool>(),
        any::<u64>(),
        any::<u64>(),
        arb_operation(),
        arb_text(),
    )
        .prop_map(|(sm2, nonce, valid_until_height, operation, chain_id)| {
            let key = Keypair::from_secret_bytes(
                if sm2 {
                    Algorithm::Sm2
                } else {
                    Algorithm::Ed25519
                },
                &[7; 32],
            )
            .unwrap();
            TxBody {
                chain_id,
                signer: key.public_key(),
                replay: ReplayGuard {
                    nonce,
                    valid_until_height,
                },
                operation,
            }
            .sign(&key)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn transactions_round_trip_and_keep_their_hash(tx in arb_signed_tx()) {
        let bytes = tx.to_bytes();
        let back = SignedTx::from_bytes(&bytes).unwrap();
        prop_assert_eq!(back.hash(), tx.hash());
        prop_assert_eq!(&back, &tx);
        // JSON (the gateway's form) round-trips to the same canonical bytes.
        let json = serde_json::to_string(&tx).unwrap();
        let from_json: SignedTx = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(from_json.to_bytes(), bytes);
    }

    #[test]
    fn entries_round_trip(tx in arb_signed_tx(), height in any::<u64>(), rejected in any::<bool>()) {
        let outcome = if rejected {
            Outcome::Rejected { code: "over_budget".into(), reason: "¥1.00 over".into() }
        } else {
            Outcome::Applied
        };
        let entry = Entry { height, tx, outcome };
        prop_assert_eq!(Entry::from_bytes(&entry.to_bytes()).unwrap(), entry);
    }

    #[test]
    fn truncated_or_flipped_transactions_never_panic(
        tx in arb_signed_tx(), cut in any::<prop::sample::Index>(), flip in any::<prop::sample::Index>()
    ) {
        let bytes = tx.to_bytes();
        let _ = SignedTx::from_bytes(&bytes[..cut.index(bytes.len())]);
        let mut flipped = bytes.clone();
        let i = flip.index(flipped.len());
        flipped[i] ^= 0xff;
        if let Ok(decoded) = SignedTx::from_bytes(&flipped) {
            // If it still decodes it is another transaction, so it must not verify as this one.
            prop_assert!(decoded.verify(&tx.body.chain_id).is_err() || decoded == tx);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_any_decoder(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = SignedTx::from_bytes(&bytes);
        let _ = Entry::from_bytes(&bytes);
        let _ = Block::from_bytes(&bytes);
        let _ = encoding::decode::<Genesis, 4096>(&bytes);
        let _ = SignedCheckpoint::parse(&String::from_utf8_lossy(&bytes));
        let _ = Genesis::from_json(&String::from_utf8_lossy(&bytes));
    }
}
