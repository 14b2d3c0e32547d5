//! Transactions from untrusted bytes: one (`POST /v1/txs`, binary and JSON), a batch
//! (`POST /v1/txs/batch`, transaction gossip). Nothing panics; what decodes is canonical — it
//! encodes back to exactly the bytes it came from, so one transaction has one byte form.
#![no_main]

use gongxin_core::api::SUBMIT_BATCH_TXS_MAX;
use gongxin_core::tx::{SignedTx, decode_batch};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(tx) = SignedTx::from_bytes(data) {
        assert_eq!(
            tx.to_bytes(),
            data,
            "a decoded transaction re-encodes to its bytes"
        );
        let _ = tx.verify(&tx.body.chain_id);
    }
    if let Ok(txs) = decode_batch(data, SUBMIT_BATCH_TXS_MAX) {
        let total: usize = txs.iter().map(|(_, size)| size).sum();
        assert_eq!(
            total + 8,
            data.len(),
            "a batch is its count and its transactions"
        );
        for (tx, size) in &txs {
            assert_eq!(tx.to_bytes().len(), *size);
        }
    }
    if let Ok(tx) = serde_json::from_slice::<SignedTx>(data) {
        // JSON is not canonical, but what it yields must encode and decode.
        let bytes = tx.to_bytes();
        if bytes.len() <= gongxin_core::encoding::TX_BYTES_MAX {
            assert_eq!(SignedTx::from_bytes(&bytes).ok(), Some(tx));
        }
    }
});
