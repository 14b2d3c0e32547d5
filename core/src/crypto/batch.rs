//! Verifying many signatures at once (a block's worth of transactions).
//!
//! ed25519 signatures go through `ed25519_dalek::verify_batch` (≈ 3× faster per signature than
//! one by one on this hardware); if the batch fails, each one is checked with `verify_strict` to
//! say exactly which failed. SM2 has no batch equation and is verified one by one.
//!
//! The batch equation is cofactorless like `verify_strict`, and keys that are weak or signatures
//! whose `R` has small order are sent to `verify_strict` instead of the batch, so an honest
//! signature is accepted by both paths and the usual malformed ones are rejected by both. What is
//! left is a signature deliberately built by a key's owner with a mixed-order `R`: `verify_strict`
//! rejects it and a batch rejects it with probability 7/8 (the batch coefficients are derived from
//! the batch's contents). Callers that need a bit-for-bit identical verdict across nodes must
//! therefore re-check a transaction that a batch accepted but another node reports rejected —
//! see ARCHITECTURE.md, "Signature verification".

use curve25519_dalek::edwards::CompressedEdwardsY;

use super::{CryptoError, PublicKey, Signature};

/// One signature to check in a batch.
#[derive(Debug, Clone, Copy)]
pub struct BatchItem<'a> {
    pub key: &'a PublicKey,
    pub message: &'a [u8],
    pub signature: &'a Signature,
}

/// Verifies every item; the result at index `i` is item `i`'s verdict, exactly what
/// [`PublicKey::verify`] would say for it.
pub fn verify_batch(items: &[BatchItem<'_>]) -> Vec<Result<(), CryptoError>> {
    let mut verdicts: Vec<Option<Result<(), CryptoError>>> = vec![None; items.len()];

    let mut batch_index = Vec::new();
    let mut messages = Vec::new();
    let mut signatures = Vec::new();
    let mut keys = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if let Some((key, signature)) = batchable_ed25519(item) {
            batch_index.push(i);
            messages.push(item.message);
            signatures.push(signature);
            keys.push(key);
        }
    }

    let batch_passed = !batch_index.is_empty()
        && ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_ok();
    if batch_passed {
        for &i in &batch_index {
            verdicts[i] = Some(Ok(()));
        }
    }

    items
        .iter()
        .zip(verdicts)
        .map(|(item, verdict)| {
            verdict.unwrap_or_else(|| item.key.verify(item.message, item.signature))
        })
        .collect()
}

/// The dalek forms of an ed25519 item that is safe to put in a batch, or `None` when it should
/// be checked on its own (other suite, undecodable or weak key, small-order `R`).
fn batchable_ed25519(
    item: &BatchItem<'_>,
) -> Option<(ed25519_dalek::VerifyingKey, ed25519_dalek::Signature)> {
    let (PublicKey::Ed25519(raw_key), Signature::Ed25519(raw_sig)) = (item.key, item.signature)
    else {
        return None;
    };
    let key = ed25519_dalek::VerifyingKey::from_bytes(raw_key).ok()?;
    if key.is_weak() {
        return None;
    }
    let mut r = [0u8; 32];
    r.copy_from_slice(&raw_sig[..32]);
    let r_point = CompressedEdwardsY(r).decompress()?;
    if r_point.is_small_order() {
        return None;
    }
    Some((key, ed25519_dalek::Signature::from_bytes(raw_sig)))
}
