//! The validator set: who may sign blocks and checkpoints, and with how much voting power.
//!
//! Quorum is "more than two thirds of the voting power" everywhere (blocks, checkpoints): with
//! `3f + 1` equal validators, `2f + 1` signatures. The arithmetic is done in `u128` so no power
//! assignment can overflow it.

use bincode::{Decode, Encode};
use serde::{Deserialize, Serialize};

use crate::crypto::{Algorithm, PublicKey};
use crate::{Hash, encoding};

/// One validator: a named key with voting power.
#[derive(
    Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct Validator {
    /// The C2SP signed-note key name; unique in the set, no spaces or '+'.
    pub name: String,
    /// The department (by id) that runs this validator.
    pub department: String,
    pub public_key: PublicKey,
    pub power: u64,
}

/// An ordered set of validators, as fixed by genesis or a governance change.
#[derive(
    Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct ValidatorSet {
    validators: Vec<Validator>,
}

/// Why a list of validators is not a usable set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidatorSetError {
    #[error("the validator set is empty")]
    Empty,
    #[error(
        "validator name {0:?} is invalid: names are non-empty, at most 64 characters, without spaces, '+' or control characters"
    )]
    BadName(String),
    #[error("validator name {0:?} appears twice")]
    DuplicateName(String),
    #[error("validator key {0} appears twice")]
    DuplicateKey(PublicKey),
    #[error("validator {0:?} has zero voting power")]
    ZeroPower(String),
    #[error("validator {name:?} has an unusable key: {reason}")]
    BadKey { name: String, reason: String },
    #[error("total voting power exceeds {VOTING_POWER_TOTAL_MAX}")]
    PowerOverflow,
}

/// The largest total voting power a set may have. Quorum arithmetic multiplies powers by 3
/// (here and in the consensus engine, which panics on overflow), so totals stay far below
/// `u64::MAX / 3`.
pub const VOTING_POWER_TOTAL_MAX: u64 = 1 << 60;

/// A validator-set change passed by governance in block `H` takes effect at block
/// `H + VALIDATOR_SET_CHANGE_DELAY_BLOCKS`: block `H + 1` is already being agreed on by the old
/// set when `H` commits, and one more block gives a new validator's node time to connect.
pub const VALIDATOR_SET_CHANGE_DELAY_BLOCKS: u64 = 2;

/// Whether `name` can be a C2SP signed-note key name (and so a validator name).
pub fn is_valid_key_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && !name
            .chars()
            .any(|c| c.is_whitespace() || c == '+' || c.is_control())
}

impl ValidatorSet {
    pub fn new(validators: Vec<Validator>) -> Result<ValidatorSet, ValidatorSetError> {
        if validators.is_empty() {
            return Err(ValidatorSetError::Empty);
        }
        let mut total: u64 = 0;
        for (i, v) in validators.iter().enumerate() {
            if !is_valid_key_name(&v.name) {
                return Err(ValidatorSetError::BadName(v.name.clone()));
            }
            if v.power == 0 {
                return Err(ValidatorSetError::ZeroPower(v.name.clone()));
            }
            v.public_key
                .check()
                .map_err(|e| ValidatorSetError::BadKey {
                    name: v.name.clone(),
                    reason: e.to_string(),
                })?;
            for earlier in &validators[..i] {
                if earlier.name == v.name {
                    return Err(ValidatorSetError::DuplicateName(v.name.clone()));
                }
                if earlier.public_key == v.public_key {
                    return Err(ValidatorSetError::DuplicateKey(v.public_key));
                }
            }
            total = total
                .checked_add(v.power)
                .filter(|total| *total <= VOTING_POWER_TOTAL_MAX)
                .ok_or(ValidatorSetError::PowerOverflow)?;
        }
        Ok(ValidatorSet { validators })
    }

    pub fn validators(&self) -> &[Validator] {
        &self.validators
    }

    pub fn len(&self) -> usize {
        self.validators.len()
    }

    pub fn is_empty(&self) -> bool {
        self.validators.is_empty()
    }

    pub fn total_power(&self) -> u64 {
        // `new` rejects overflowing sets; a set decoded from bytes skipped `new`, so saturate
        // rather than trust it.
        self.validators
            .iter()
            .fold(0u64, |total, v| total.saturating_add(v.power))
    }

    pub fn by_name(&self, name: &str) -> Option<&Validator> {
        self.validators.iter().find(|v| v.name == name)
    }

    pub fn by_key(&self, key: &PublicKey) -> Option<&Validator> {
        self.validators.iter().find(|v| &v.public_key == key)
    }

    /// Whether `power` is more than two thirds of the set's total.
    pub fn is_quorum(&self, power: u64) -> bool {
        u128::from(power) * 3 > u128::from(self.total_power()) * 2
    }

    /// The smallest power that is a quorum.
    pub fn quorum_power(&self) -> u64 {
        // floor(2T/3) + 1 is the least p with 3p > 2T; u128 so 2T cannot overflow.
        let total = u128::from(self.total_power());
        u64::try_from(total * 2 / 3 + 1).unwrap_or(u64::MAX)
    }

    /// SM3 of the canonical encoding; recorded in every block header.
    pub fn hash(&self) -> Hash {
        Hash::digest(&encoding::encode(self))
    }

    /// The set as PROTOCOL.md v2 lists it: `[{"name","department","algorithm","public_key",
    /// "power"}, …]` in set order, keys as hex of their stored bytes (SM2 compressed).
    pub fn listing(&self) -> Vec<ValidatorListing> {
        self.validators
            .iter()
            .map(|v| ValidatorListing {
                name: v.name.clone(),
                department: v.department.clone(),
                algorithm: v.public_key.algorithm(),
                public_key: hex::encode(v.public_key.as_bytes()),
                power: v.power,
            })
            .collect()
    }

    /// The set's identity in checkpoints' `validators` line: SM3(JCS(listing)).
    pub fn protocol_hash(&self) -> Hash {
        listing_hash(&self.listing())
    }

    /// Reads a listing back into a set, with the same checks as any set.
    pub fn from_listing(listing: &[ValidatorListing]) -> Result<ValidatorSet, ValidatorSetError> {
        let validators = listing
            .iter()
            .map(|v| {
                let key = hex::decode(&v.public_key)
                    .map_err(|_| "not hex".to_owned())
                    .and_then(|bytes| {
                        PublicKey::from_bytes(v.algorithm, &bytes).map_err(|e| e.to_string())
                    })
                    .map_err(|reason| ValidatorSetError::BadKey {
                        name: v.name.clone(),
                        reason,
                    })?;
                Ok(Validator {
                    name: v.name.clone(),
                    department: v.department.clone(),
                    public_key: key,
                    power: v.power,
                })
            })
            .collect::<Result<Vec<_>, ValidatorSetError>>()?;
        ValidatorSet::new(validators)
    }
}

/// One validator as PROTOCOL.md v2 lists it (the genesis file's form).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidatorListing {
    pub name: String,
    pub department: String,
    pub algorithm: Algorithm,
    /// Hex of the key's bytes.
    pub public_key: String,
    pub power: u64,
}

/// SM3 of the RFC 8785 text of a listing: what a checkpoint's `validators` line names. Hashed
/// from the listing as given, so a verifier checks a served listing without re-encoding keys.
pub fn listing_hash(listing: &[ValidatorListing]) -> Hash {
    let value = serde_json::to_value(listing).expect("a listing is plain JSON");
    let text = crate::jcs::to_canonical(&value).expect("a listing has integers only");
    Hash::digest(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::Keypair;

    fn validator(name: &str, power: u64) -> Validator {
        Validator {
            name: name.into(),
            department: "finance".into(),
            public_key: Keypair::generate(Algorithm::Ed25519).unwrap().public_key(),
            power,
        }
    }

    #[test]
    fn the_protocol_hash_is_sm3_of_the_sorted_listing_and_survives_a_round_trip() {
        let key = Keypair::generate(Algorithm::Ed25519).unwrap().public_key();
        let set = ValidatorSet::new(vec![Validator {
            name: "finance".into(),
            department: "fin".into(),
            public_key: key,
            power: 10,
        }])
        .unwrap();
        let text = format!(
            r#"[{{"algorithm":"ed25519","department":"fin","name":"finance","power":10,"public_key":"{}"}}]"#,
            hex::encode(key.as_bytes())
        );
        assert_eq!(set.protocol_hash(), Hash::digest(text.as_bytes()));
        assert_eq!(ValidatorSet::from_listing(&set.listing()).unwrap(), set);
        let mut bad = set.listing();
        bad[0].public_key = "zz".into();
        assert!(matches!(
            ValidatorSet::from_listing(&bad),
            Err(ValidatorSetError::BadKey { .. })
        ));
    }

    #[test]
    fn quorum_is_more_than_two_thirds() {
        let set =
            ValidatorSet::new((0..4).map(|i| validator(&format!("v{i}"), 1)).collect()).unwrap();
        assert!(!set.is_quorum(2));
        assert!(set.is_quorum(3));
        assert_eq!(set.quorum_power(), 3);
        let set =
            ValidatorSet::new((0..3).map(|i| validator(&format!("v{i}"), 1)).collect()).unwrap();
        assert!(!set.is_quorum(2), "2 of 3 is exactly two thirds, not more");
        assert!(set.is_quorum(3));
        assert_eq!(set.quorum_power(), 3);
    }

    #[test]
    fn rejects_bad_sets() {
        assert_eq!(ValidatorSet::new(vec![]), Err(ValidatorSetError::Empty));
        assert!(matches!(
            ValidatorSet::new(vec![validator("a b", 1)]),
            Err(ValidatorSetError::BadName(_))
        ));
        assert!(matches!(
            ValidatorSet::new(vec![validator("a+b", 1)]),
            Err(ValidatorSetError::BadName(_))
        ));
        assert!(matches!(
            ValidatorSet::new(vec![validator("a", 1), validator("a", 1)]),
            Err(ValidatorSetError::DuplicateName(_))
        ));
        assert!(matches!(
            ValidatorSet::new(vec![validator("a", 0)]),
            Err(ValidatorSetError::ZeroPower(_))
        ));
        assert_eq!(
            ValidatorSet::new(vec![validator("a", u64::MAX), validator("b", 1)]),
            Err(ValidatorSetError::PowerOverflow)
        );
        // The bound, not u64 overflow, is the limit: 2^60 is fine, one more is not.
        assert!(ValidatorSet::new(vec![validator("a", VOTING_POWER_TOTAL_MAX)]).is_ok());
        assert_eq!(
            ValidatorSet::new(vec![
                validator("a", VOTING_POWER_TOTAL_MAX),
                validator("b", 1)
            ]),
            Err(ValidatorSetError::PowerOverflow)
        );
        let v = validator("a", 1);
        let mut w = v.clone();
        w.name = "b".into();
        assert!(matches!(
            ValidatorSet::new(vec![v, w]),
            Err(ValidatorSetError::DuplicateKey(_))
        ));
    }
}
