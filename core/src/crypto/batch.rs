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
//!
//! Turning a key's bytes into a curve point (a square root in the field) costs about as much as
//! a third of a batched ed25519 check, and a consortium's transactions come from a few hundred
//! member keys: a [`KeyCache`] keeps each key decoded, so a long-running caller pays for it once
//! per key instead of once per transaction. The verdicts are the same with or without it.

use std::collections::HashMap;
use std::sync::Mutex;

use curve25519_dalek::edwards::CompressedEdwardsY;
use sm2::dsa::signature::Verifier as _;

use super::{Algorithm, CryptoError, PublicKey, Signature, sm2_verifying_key};

/// One signature to check in a batch.
#[derive(Debug, Clone, Copy)]
pub struct BatchItem<'a> {
    pub key: &'a PublicKey,
    pub message: &'a [u8],
    pub signature: &'a Signature,
}

/// A public key turned into the form its suite verifies with, or the reason it cannot be.
#[derive(Clone)]
pub(super) enum DecodedKey {
    Ed25519(ed25519_dalek::VerifyingKey),
    Sm2(Box<sm2::dsa::VerifyingKey>),
    Invalid(Algorithm),
}

impl DecodedKey {
    pub(super) fn decode(key: &PublicKey) -> DecodedKey {
        match key {
            PublicKey::Ed25519(raw) => match ed25519_dalek::VerifyingKey::from_bytes(raw) {
                Ok(key) => DecodedKey::Ed25519(key),
                Err(_) => DecodedKey::Invalid(Algorithm::Ed25519),
            },
            PublicKey::Sm2(raw) => match sm2_verifying_key(raw) {
                Ok(key) => DecodedKey::Sm2(Box::new(key)),
                Err(_) => DecodedKey::Invalid(Algorithm::Sm2),
            },
        }
    }

    /// The verdict on `signature` over `message` — [`PublicKey::verify`]'s, which calls this
    /// on a freshly decoded key.
    pub(super) fn verify(&self, message: &[u8], signature: &Signature) -> Result<(), CryptoError> {
        match (self, signature) {
            (DecodedKey::Ed25519(key), Signature::Ed25519(sig)) => key
                .verify_strict(message, &ed25519_dalek::Signature::from_bytes(sig))
                .map_err(|_| CryptoError::BadSignature),
            (DecodedKey::Sm2(key), Signature::Sm2(sig)) => {
                let sig = sm2::dsa::Signature::from_bytes(sig.into())
                    .map_err(|_| CryptoError::BadSignature)?;
                key.verify(message, &sig)
                    .map_err(|_| CryptoError::BadSignature)
            }
            (DecodedKey::Invalid(algorithm), sig) if *algorithm == sig.algorithm() => {
                Err(CryptoError::InvalidPublicKey(*algorithm))
            }
            (key, sig) => Err(CryptoError::AlgorithmMismatch {
                key: key.algorithm(),
                signature: sig.algorithm(),
            }),
        }
    }

    fn algorithm(&self) -> Algorithm {
        match self {
            DecodedKey::Ed25519(_) => Algorithm::Ed25519,
            DecodedKey::Sm2(_) => Algorithm::Sm2,
            DecodedKey::Invalid(algorithm) => *algorithm,
        }
    }
}

/// Decoded public keys by their bytes, shared by the threads that check signatures.
///
/// Bounded: when it holds `capacity` keys it starts again empty (a consortium has far fewer
/// member keys than the bound; a flood of made-up keys costs the flooder, not the cache's
/// memory).
pub struct KeyCache {
    keys: Mutex<HashMap<PublicKey, DecodedKey>>,
    capacity: usize,
}

impl KeyCache {
    /// Room for 65,536 keys (≈ 30 MiB at most, with the map's own room).
    pub const DEFAULT_CAPACITY: usize = 1 << 16;

    pub fn new(capacity: usize) -> KeyCache {
        KeyCache {
            keys: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
        }
    }

    /// How many keys it holds now.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every item's key decoded, in order: the cached form where there is one, decoded (and
    /// kept) where there is not. One lock for the whole batch.
    fn decode_all(&self, items: &[BatchItem<'_>]) -> Vec<DecodedKey> {
        let mut keys = self.lock();
        items
            .iter()
            .map(|item| {
                if let Some(decoded) = keys.get(item.key) {
                    return decoded.clone();
                }
                let decoded = DecodedKey::decode(item.key);
                if keys.len() >= self.capacity {
                    keys.clear();
                }
                keys.insert(*item.key, decoded.clone());
                decoded
            })
            .collect()
    }

    /// One signature's verdict — exactly [`PublicKey::verify`]'s — with the key decoded once
    /// per cache rather than once per call (signed reads: one member, many requests).
    pub fn verify(
        &self,
        key: &PublicKey,
        message: &[u8],
        signature: &Signature,
    ) -> Result<(), CryptoError> {
        if key.algorithm() != signature.algorithm() {
            return Err(CryptoError::AlgorithmMismatch {
                key: key.algorithm(),
                signature: signature.algorithm(),
            });
        }
        let item = BatchItem {
            key,
            message,
            signature,
        };
        let decoded = self.decode_all(std::slice::from_ref(&item));
        decoded[0].verify(message, signature)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PublicKey, DecodedKey>> {
        // A panic while holding the lock leaves a map of correctly decoded keys: still usable.
        self.keys
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Default for KeyCache {
    fn default() -> KeyCache {
        KeyCache::new(KeyCache::DEFAULT_CAPACITY)
    }
}

impl std::fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyCache")
            .field("keys", &self.len())
            .field("capacity", &self.capacity)
            .finish()
    }
}

/// Verifies every item; the result at index `i` is item `i`'s verdict, exactly what
/// [`PublicKey::verify`] would say for it. Decodes every key afresh: callers that check
/// signatures all the time use [`verify_batch_cached`].
pub fn verify_batch(items: &[BatchItem<'_>]) -> Vec<Result<(), CryptoError>> {
    verify_batch_cached(items, &KeyCache::new(items.len()))
}

/// [`verify_batch`] with the keys taken from (and added to) `cache`.
pub fn verify_batch_cached(
    items: &[BatchItem<'_>],
    cache: &KeyCache,
) -> Vec<Result<(), CryptoError>> {
    let keys = cache.decode_all(items);
    let mut verdicts: Vec<Option<Result<(), CryptoError>>> = vec![None; items.len()];

    let mut batch_index = Vec::new();
    let mut messages = Vec::new();
    let mut signatures = Vec::new();
    let mut batch_keys = Vec::new();
    for (i, (item, key)) in items.iter().zip(&keys).enumerate() {
        if let Some((key, signature)) = batchable_ed25519(key, item.signature) {
            batch_index.push(i);
            messages.push(item.message);
            signatures.push(signature);
            batch_keys.push(key);
        }
    }

    let batch_passed = !batch_index.is_empty()
        && ed25519_dalek::verify_batch(&messages, &signatures, &batch_keys).is_ok();
    if batch_passed {
        for &i in &batch_index {
            verdicts[i] = Some(Ok(()));
        }
    }

    items
        .iter()
        .zip(&keys)
        .zip(verdicts)
        .map(|((item, key), verdict)| {
            verdict.unwrap_or_else(|| key.verify(item.message, item.signature))
        })
        .collect()
}

/// The dalek forms of an ed25519 item that is safe to put in a batch, or `None` when it should
/// be checked on its own (other suite, undecodable or weak key, small-order `R`).
fn batchable_ed25519(
    key: &DecodedKey,
    signature: &Signature,
) -> Option<(ed25519_dalek::VerifyingKey, ed25519_dalek::Signature)> {
    let (DecodedKey::Ed25519(key), Signature::Ed25519(raw_sig)) = (key, signature) else {
        return None;
    };
    if key.is_weak() {
        return None;
    }
    let mut r = [0u8; 32];
    r.copy_from_slice(&raw_sig[..32]);
    let r_point = CompressedEdwardsY(r).decompress()?;
    if r_point.is_small_order() {
        return None;
    }
    Some((*key, ed25519_dalek::Signature::from_bytes(raw_sig)))
}
