//! Validator sets across time (PROTOCOL.md v2): from the genesis set to whichever set signed a
//! checkpoint, one quorum-signed hand-over at a time.
//!
//! Every checkpoint names, in its `validators` line, the set that signs the next block's
//! checkpoint. The last checkpoint an outgoing set signs names the incoming set: that
//! checkpoint plus the incoming set's listing, whose SM3(JCS) must be the named hash, is a
//! [`HandOver`]. A verifier that trusts the genesis set follows the hand-overs in order
//! ([`follow`]) and so trusts each later set — for the tree sizes of its era only: the outgoing
//! set up to the hand-over checkpoint's size, the incoming one from that size on (empty blocks
//! around a hand-over share a size, so both may sign it). A hand-over signed by no quorum of the
//! set then trusted, a listing that does not hash to the named set, or a skipped hand-over
//! (the next one is then signed by a set nobody handed over to) is refused.

use serde::{Deserialize, Serialize};

use crate::Hash;
use crate::checkpoint::{CheckpointError, SignedCheckpoint};
use crate::validator::{ValidatorListing, ValidatorSet, ValidatorSetError, listing_hash};

/// One hand-over, as `GET /v1/validator-sets` serves it and proof bundles carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandOver {
    /// The first block the incoming set certifies.
    pub first_height: u64,
    /// The incoming set, listed as PROTOCOL.md says.
    pub validators: Vec<ValidatorListing>,
    /// The ledger log's checkpoint of block `first_height − 1`: signed by the outgoing set,
    /// naming the incoming one.
    pub checkpoint: String,
    /// The public disclosure log's checkpoint of the same block, likewise signed and naming.
    pub public_checkpoint: String,
}

/// Which of the chain's two logs a verifier follows hand-overs for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Log {
    Ledger,
    Public,
}

/// Why a chain of hand-overs is not to be trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandOverError {
    #[error("hand-over {index}: its checkpoint: {error}")]
    Checkpoint {
        index: usize,
        error: CheckpointError,
    },
    #[error("hand-over {index}: its checkpoint names no other validator set")]
    NamesNoNewSet { index: usize },
    #[error("hand-over {index}: the listing hashes to {listed}, the checkpoint names {named}")]
    ListingMismatch {
        index: usize,
        named: Hash,
        listed: Hash,
    },
    #[error("hand-over {index}: the listing is not a usable set: {error}")]
    BadListing {
        index: usize,
        error: ValidatorSetError,
    },
    #[error("hand-over {index} goes back to tree size {size}, after {previous}")]
    OutOfOrder {
        index: usize,
        size: u64,
        previous: u64,
    },
}

/// The sets a verifier trusts, each from the tree size its hand-over was signed at.
#[derive(Debug, Clone)]
pub struct TrustedSets {
    origin: String,
    /// `(first tree size, set)`, genesis first at size 0; sizes never decrease.
    eras: Vec<(u64, ValidatorSet)>,
}

/// Follows `handovers` from `genesis_set` for one of the logs of the chain whose checkpoints
/// carry `origin` (the ledger's `gongxin/<chain>` or the public `gongxin/<chain>/public`).
pub fn follow(
    genesis_set: &ValidatorSet,
    origin: &str,
    log: Log,
    handovers: &[HandOver],
) -> Result<TrustedSets, HandOverError> {
    let mut eras = vec![(0u64, genesis_set.clone())];
    for (index, handover) in handovers.iter().enumerate() {
        let note = match log {
            Log::Ledger => &handover.checkpoint,
            Log::Public => &handover.public_checkpoint,
        };
        let checkpoint = SignedCheckpoint::parse(note)
            .map_err(|error| HandOverError::Checkpoint { index, error })?;
        let (previous, current) = eras.last().expect("genesis is always there");
        let size = checkpoint.checkpoint.tree_size;
        if size < *previous {
            return Err(HandOverError::OutOfOrder {
                index,
                size,
                previous: *previous,
            });
        }
        checkpoint
            .verify_origin(origin, current)
            .map_err(|error| HandOverError::Checkpoint { index, error })?;
        let named = checkpoint
            .checkpoint
            .validators
            .filter(|named| *named != current.protocol_hash())
            .ok_or(HandOverError::NamesNoNewSet { index })?;
        let listed = listing_hash(&handover.validators);
        if listed != named {
            return Err(HandOverError::ListingMismatch {
                index,
                named,
                listed,
            });
        }
        let incoming = ValidatorSet::from_listing(&handover.validators)
            .map_err(|error| HandOverError::BadListing { index, error })?;
        eras.push((size, incoming));
    }
    Ok(TrustedSets {
        origin: origin.to_owned(),
        eras,
    })
}

/// The hand-overs a verifier needs for a checkpoint of `tree_size` on `log`: those, in
/// order, whose checkpoint on that log is no larger (a later one is signed after it). A
/// hand-over whose note does not parse ends the list; [`follow`] would refuse it anyway.
pub fn needed_for(handovers: &[HandOver], log: Log, tree_size: u64) -> Vec<HandOver> {
    handovers
        .iter()
        .take_while(|handover| {
            let note = match log {
                Log::Ledger => &handover.checkpoint,
                Log::Public => &handover.public_checkpoint,
            };
            SignedCheckpoint::parse(note).is_ok_and(|c| c.checkpoint.tree_size <= tree_size)
        })
        .cloned()
        .collect()
}

impl TrustedSets {
    /// The set trusted last (the one in force after every hand-over given).
    pub fn latest(&self) -> &ValidatorSet {
        &self.eras.last().expect("genesis is always there").1
    }

    /// Verifies `checkpoint` against the sets trusted at its tree size: the last set whose era
    /// began at or before it, or an outgoing set whose hand-over was signed at exactly this
    /// size. Returns the names whose signatures counted.
    pub fn verify(&self, checkpoint: &SignedCheckpoint) -> Result<Vec<String>, CheckpointError> {
        let size = checkpoint.checkpoint.tree_size;
        let mut candidates = self.eras.iter().rev().skip_while(|(from, _)| *from > size);
        let (first, set) = candidates.next().expect("genesis starts at size 0");
        let mut era_start = *first;
        let mut result = checkpoint.verify_origin(&self.origin, set);
        // The outgoing sets of hand-overs signed at exactly this size also signed at it.
        for (from, set) in candidates {
            if result.is_ok() || era_start != size {
                break;
            }
            result = checkpoint.verify_origin(&self.origin, set);
            era_start = *from;
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::{Checkpoint, origin_for_chain};
    use crate::crypto::{Algorithm, Keypair};
    use crate::validator::Validator;

    const CHAIN: &str = "city";

    struct Set {
        keys: Vec<(String, Keypair)>,
        set: ValidatorSet,
    }

    fn set(names: &[&str]) -> Set {
        let keys: Vec<(String, Keypair)> = names
            .iter()
            .map(|n| {
                (
                    n.to_string(),
                    Keypair::generate(Algorithm::Ed25519).unwrap(),
                )
            })
            .collect();
        let set = ValidatorSet::new(
            keys.iter()
                .map(|(name, key)| Validator {
                    name: name.clone(),
                    department: "d".into(),
                    public_key: key.public_key(),
                    power: 1,
                })
                .collect(),
        )
        .unwrap();
        Set { keys, set }
    }

    /// A checkpoint of `size` naming `next`, signed by the first `signers` of `by`.
    fn note(size: u64, next: &ValidatorSet, by: &Set, signers: usize) -> String {
        let body = Checkpoint::new(CHAIN, size, Hash::digest(&size.to_be_bytes()))
            .with_validators(next.protocol_hash());
        SignedCheckpoint {
            signatures: by.keys[..signers]
                .iter()
                .map(|(name, key)| body.sign(name, key))
                .collect(),
            checkpoint: body,
        }
        .to_note()
    }

    fn handover(first_height: u64, size: u64, from: &Set, to: &Set, signers: usize) -> HandOver {
        HandOver {
            first_height,
            validators: to.set.listing(),
            checkpoint: note(size, &to.set, from, signers),
            public_checkpoint: String::new(),
        }
    }

    fn parse(text: &str) -> SignedCheckpoint {
        SignedCheckpoint::parse(text).unwrap()
    }

    #[test]
    fn each_set_verifies_the_checkpoints_of_its_own_era() {
        let (s0, s1, s2) = (
            set(&["a", "b", "c", "d"]),
            set(&["a", "b", "c", "e"]),
            set(&["b", "c", "e"]),
        );
        let chain = [handover(10, 20, &s0, &s1, 3), handover(30, 50, &s1, &s2, 3)];
        let trusted = follow(&s0.set, &origin_for_chain(CHAIN), Log::Ledger, &chain).unwrap();
        assert_eq!(trusted.latest(), &s2.set);
        // Size 20 is the first hand-over's: the outgoing and the incoming set may both sign it.
        for (size, by, ok) in [
            (5, &s0, true),
            (20, &s0, true),
            (20, &s1, true),
            (21, &s0, false),
            (40, &s1, true),
            (50, &s2, true),
            (51, &s1, false),
            (90, &s2, true),
            (5, &s2, false),
        ] {
            let signers = by.keys.len() * 2 / 3 + 1;
            let result = trusted.verify(&parse(&note(size, &by.set, by, signers)));
            assert_eq!(result.is_ok(), ok, "size {size}: {result:?}");
        }
    }

    #[test]
    fn a_weak_forged_or_skipped_hand_over_is_refused() {
        let (s0, s1, s2) = (
            set(&["a", "b", "c", "d"]),
            set(&["a", "b", "c", "e"]),
            set(&["x", "y", "z"]),
        );
        let origin = origin_for_chain(CHAIN);
        // Two of four is not more than 2/3 of the old set.
        let weak = [handover(10, 20, &s0, &s1, 2)];
        assert!(matches!(
            follow(&s0.set, &origin, Log::Ledger, &weak),
            Err(HandOverError::Checkpoint {
                index: 0,
                error: CheckpointError::NoQuorum { .. }
            })
        ));
        // The listing served is another set than the one the checkpoint names.
        let mut forged = handover(10, 20, &s0, &s1, 3);
        forged.validators = s2.set.listing();
        assert!(matches!(
            follow(&s0.set, &origin, Log::Ledger, &[forged]),
            Err(HandOverError::ListingMismatch { index: 0, .. })
        ));
        // Skipping s0 → s1: s1's hand-over to s2 is signed by a set nobody trusts yet.
        let skipped = [handover(30, 50, &s1, &s2, 3)];
        assert!(matches!(
            follow(&s0.set, &origin, Log::Ledger, &skipped),
            Err(HandOverError::Checkpoint {
                index: 0,
                error: CheckpointError::NoQuorum { .. }
            })
        ));
        // A checkpoint that names the set already in force hands over nothing.
        let same = [handover(10, 20, &s0, &s0, 4)];
        assert!(matches!(
            follow(&s0.set, &origin, Log::Ledger, &same),
            Err(HandOverError::NamesNoNewSet { index: 0 })
        ));
        // Sizes go forward.
        let backwards = [handover(10, 20, &s0, &s1, 3), handover(11, 19, &s1, &s2, 3)];
        assert!(matches!(
            follow(&s0.set, &origin, Log::Ledger, &backwards),
            Err(HandOverError::OutOfOrder { index: 1, .. })
        ));
        // A bundle carries the hand-overs up to its checkpoint's size, no later ones.
        let chain = [handover(10, 20, &s0, &s1, 3), handover(30, 50, &s1, &s2, 3)];
        assert_eq!(needed_for(&chain, Log::Ledger, 19).len(), 0);
        assert_eq!(needed_for(&chain, Log::Ledger, 20).len(), 1);
        assert_eq!(needed_for(&chain, Log::Ledger, 70).len(), 2);
        // Without the hand-overs, a later set's checkpoint does not verify against genesis.
        let trusted = follow(&s0.set, &origin, Log::Ledger, &[]).unwrap();
        assert!(trusted.verify(&parse(&note(60, &s2.set, &s2, 3))).is_err());
    }
}
