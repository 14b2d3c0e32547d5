//! Witnesses (PROTOCOL.md v2): independent cosigners — an audit office, a people's congress —
//! that vouch a checkpoint is consistent with every other one they saw of the same log, so a
//! split view (two validator-signed logs shown to different readers) cannot get both cosigned.
//!
//! - [`cosign`] / [`verify_cosignatures`] / [`require_cosignatures`]: C2SP tlog-cosignature v1
//!   with Ed25519: key id = SHA-256(name ‖ "\n" ‖ 0x04 ‖ key)[:4]; the signature line's blob
//!   is key id ‖ timestamp (u64 big-endian, seconds) ‖ Ed25519 signature over
//!   `"cosignature/v1\ntime <timestamp>\n"` followed by the checkpoint body.
//! - [`AddCheckpoint`]: the body of C2SP tlog-witness `add-checkpoint` (`old <size>`, the
//!   consistency proof in base64 lines, a blank line, the signed checkpoint note).
//! - [`decide`]: what a witness answers given the latest checkpoint it cosigned for the origin —
//!   the protocol's 400 / 409 / 422 rules, as a pure function, so the server's only job is to
//!   verify the log's signatures, call it and persist the answer before replying.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::Hash;
use crate::checkpoint::{
    CHECKPOINT_NOTE_BYTES_MAX, Checkpoint, CheckpointError, NoteSignature, SignedCheckpoint,
};
use crate::crypto::{Algorithm, Keypair, PublicKey, Signature};
use crate::log;

/// The signed-note key type byte of Ed25519 cosignatures.
const COSIGNATURE_KEY_TYPE: u8 = 0x04;
/// The most consistency-proof lines a request may carry (C2SP's bound).
pub const PROOF_LINES_MAX: usize = 63;
/// The largest `add-checkpoint` body a witness reads.
pub const REQUEST_BYTES_MAX: usize = CHECKPOINT_NOTE_BYTES_MAX + 64 * 50;

/// A witness a verifier trusts: its name and Ed25519 key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessKey {
    pub name: String,
    pub key: PublicKey,
}

impl WitnessKey {
    /// Reads `name=ed25519:<hex>` (the form the CLI takes).
    pub fn parse(text: &str) -> Result<WitnessKey, String> {
        let (name, key) = text
            .split_once('=')
            .ok_or_else(|| format!("{text:?}: expected NAME=ed25519:<hex key>"))?;
        let key: PublicKey = key.parse().map_err(|e| format!("{text:?}: the key: {e}"))?;
        if key.algorithm() != Algorithm::Ed25519 {
            return Err(format!("{text:?}: cosignature/v1 keys are Ed25519"));
        }
        if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == '+') {
            return Err(format!("{text:?}: a witness name has no spaces or '+'"));
        }
        Ok(WitnessKey {
            name: name.to_owned(),
            key,
        })
    }

    pub fn key_id(&self) -> [u8; 4] {
        let mut hasher = Sha256::new();
        hasher.update(self.name.as_bytes());
        hasher.update(b"\n");
        hasher.update([COSIGNATURE_KEY_TYPE]);
        hasher.update(self.key.as_bytes());
        let digest = hasher.finalize();
        [digest[0], digest[1], digest[2], digest[3]]
    }
}

/// The bytes a cosignature signs.
pub fn signed_message(timestamp: u64, checkpoint: &Checkpoint) -> Vec<u8> {
    format!(
        "cosignature/v1\ntime {timestamp}\n{}",
        checkpoint.body_text()
    )
    .into_bytes()
}

/// The witness `name`'s cosignature line on `checkpoint` at `timestamp` (seconds).
pub fn cosign(name: &str, key: &Keypair, timestamp: u64, checkpoint: &Checkpoint) -> NoteSignature {
    let witness = WitnessKey {
        name: name.to_owned(),
        key: key.public_key(),
    };
    let signature = key.sign(&signed_message(timestamp, checkpoint));
    let mut blob = timestamp.to_be_bytes().to_vec();
    blob.extend_from_slice(signature.as_bytes());
    NoteSignature {
        name: name.to_owned(),
        key_id: witness.key_id(),
        signature: blob,
    }
}

/// A valid cosignature found on a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cosignature {
    pub witness: String,
    /// When the witness cosigned, seconds since the epoch.
    pub timestamp: u64,
}

/// Why cosignatures do not satisfy a verifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CosignatureError {
    #[error("the cosignature of witness {0:?} does not verify")]
    Bad(String),
    #[error("{have} of the required {need} witnesses cosigned ({names:?})")]
    NotEnough {
        have: usize,
        need: usize,
        names: Vec<String>,
    },
}

/// The valid cosignatures of `witnesses` on a checkpoint. Lines of other keys are ignored; a
/// known witness's line that fails is an error (as for validators' signatures).
pub fn verify_cosignatures(
    checkpoint: &SignedCheckpoint,
    witnesses: &[WitnessKey],
) -> Result<Vec<Cosignature>, CosignatureError> {
    let mut found: Vec<Cosignature> = Vec::new();
    for line in &checkpoint.signatures {
        let Some(witness) = witnesses
            .iter()
            .find(|w| w.name == line.name && w.key_id() == line.key_id)
        else {
            continue;
        };
        let bad = || CosignatureError::Bad(witness.name.clone());
        if line.signature.len() != 8 + 64 {
            return Err(bad());
        }
        let timestamp = u64::from_be_bytes(line.signature[..8].try_into().expect("8 bytes"));
        let signature =
            Signature::from_bytes(Algorithm::Ed25519, &line.signature[8..]).map_err(|_| bad())?;
        witness
            .key
            .verify(
                &signed_message(timestamp, &checkpoint.checkpoint),
                &signature,
            )
            .map_err(|_| bad())?;
        if !found.iter().any(|c| c.witness == witness.name) {
            found.push(Cosignature {
                witness: witness.name.clone(),
                timestamp,
            });
        }
    }
    Ok(found)
}

/// [`verify_cosignatures`], requiring at least `required` distinct witnesses.
pub fn require_cosignatures(
    checkpoint: &SignedCheckpoint,
    witnesses: &[WitnessKey],
    required: usize,
) -> Result<Vec<Cosignature>, CosignatureError> {
    let found = verify_cosignatures(checkpoint, witnesses)?;
    if found.len() < required {
        return Err(CosignatureError::NotEnough {
            have: found.len(),
            need: required,
            names: found.into_iter().map(|c| c.witness).collect(),
        });
    }
    Ok(found)
}

/// The body of an `add-checkpoint` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpoint {
    /// The size of the latest checkpoint the witness cosigned, as the client believes it.
    pub old_size: u64,
    /// The RFC 9162 consistency proof from `old_size` to the checkpoint's size.
    pub proof: Vec<Hash>,
    /// The signed checkpoint note.
    pub note: String,
}

/// What the latest cosigned checkpoint of one log was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cosigned {
    pub size: u64,
    pub root: Hash,
}

/// Why a witness does not cosign, with the HTTP status the protocol gives it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// 400: a malformed body, or an old size above the checkpoint's.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 404: a log this witness does not follow.
    #[error("unknown log origin {0:?}")]
    UnknownOrigin(String),
    /// 403: not signed by the log's keys.
    #[error("the checkpoint is not signed by the log: {0}")]
    NotSigned(CheckpointError),
    /// 409: the client's old size is not the witness's; the body says the witness's.
    #[error("the latest cosigned checkpoint has size {0}")]
    OldSizeMismatch(u64),
    /// 409: same size, another root — a split view.
    #[error("a checkpoint of size {size} with another root was cosigned already")]
    RootMismatch { size: u64 },
    /// 422: the consistency proof does not link the two checkpoints.
    #[error("the consistency proof does not verify: {0}")]
    BadProof(String),
}

impl Refusal {
    pub fn status(&self) -> u16 {
        match self {
            Refusal::BadRequest(_) => 400,
            Refusal::NotSigned(_) => 403,
            Refusal::UnknownOrigin(_) => 404,
            Refusal::OldSizeMismatch(_) | Refusal::RootMismatch { .. } => 409,
            Refusal::BadProof(_) => 422,
        }
    }
}

impl AddCheckpoint {
    /// The request body.
    pub fn to_body(&self) -> String {
        let mut body = format!("old {}\n", self.old_size);
        for hash in &self.proof {
            body.push_str(&BASE64.encode(hash.as_bytes()));
            body.push('\n');
        }
        body.push('\n');
        body.push_str(&self.note);
        body
    }

    /// Reads a request body (the checkpoint's signatures are not checked here).
    pub fn parse(body: &str) -> Result<(AddCheckpoint, SignedCheckpoint), Refusal> {
        let bad = |what: &str| Refusal::BadRequest(what.to_owned());
        if body.len() > REQUEST_BYTES_MAX {
            return Err(bad("request too large"));
        }
        let (head, note) = body
            .split_once("\n\n")
            .ok_or_else(|| bad("no blank line before the checkpoint"))?;
        let mut lines = head.split('\n');
        let old = lines
            .next()
            .and_then(|l| l.strip_prefix("old "))
            .ok_or_else(|| bad("the first line is not 'old <size>'"))?;
        if old.is_empty()
            || !old.bytes().all(|b| b.is_ascii_digit())
            || (old.len() > 1 && old.starts_with('0'))
        {
            return Err(bad("the old size is not a canonical decimal"));
        }
        let old_size = old
            .parse::<u64>()
            .map_err(|_| bad("the old size overflows"))?;
        let proof = lines
            .map(|line| {
                BASE64
                    .decode(line)
                    .ok()
                    .and_then(|bytes| Hash::from_slice(&bytes))
                    .ok_or_else(|| bad("a proof line is not a base64 hash"))
            })
            .collect::<Result<Vec<Hash>, Refusal>>()?;
        if proof.len() > PROOF_LINES_MAX {
            return Err(bad("more than 63 proof lines"));
        }
        let checkpoint = SignedCheckpoint::parse(note)
            .map_err(|e| Refusal::BadRequest(format!("the checkpoint: {e}")))?;
        Ok((
            AddCheckpoint {
                old_size,
                proof,
                note: note.to_owned(),
            },
            checkpoint,
        ))
    }
}

/// What the witness does with a request whose checkpoint signatures it has verified, given the
/// latest checkpoint it cosigned for that origin: the new latest to persist (then cosign), or
/// the refusal. Never two different roots at one size, never a smaller tree after a larger,
/// never a larger one without a proof that it extends the last.
pub fn decide(
    latest: Option<Cosigned>,
    request: &AddCheckpoint,
    checkpoint: &Checkpoint,
) -> Result<Cosigned, Refusal> {
    let new = Cosigned {
        size: checkpoint.tree_size,
        root: checkpoint.root,
    };
    if request.old_size > new.size {
        return Err(Refusal::BadRequest(format!(
            "old size {} is above the checkpoint's {}",
            request.old_size, new.size
        )));
    }
    let known = latest.map_or(0, |l| l.size);
    if request.old_size != known {
        return Err(Refusal::OldSizeMismatch(known));
    }
    let Some(latest) = latest.filter(|l| l.size > 0) else {
        if !request.proof.is_empty() {
            return Err(Refusal::BadRequest(
                "a proof from size 0 must be empty".into(),
            ));
        }
        return Ok(new);
    };
    if new.size == latest.size {
        return if new.root == latest.root && request.proof.is_empty() {
            Ok(new)
        } else if new.root != latest.root {
            Err(Refusal::RootMismatch { size: new.size })
        } else {
            Err(Refusal::BadProof("equal sizes take an empty proof".into()))
        };
    }
    log::verify_consistency(
        latest.size,
        new.size,
        &latest.root,
        &new.root,
        &request.proof,
    )
    .map_err(|e| Refusal::BadProof(e.to_string()))?;
    Ok(new)
}

#[cfg(test)]
mod tests;
