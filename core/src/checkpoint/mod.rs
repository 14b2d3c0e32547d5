//! Checkpoints: the signed statement "the log of chain C has N entries and root R".
//!
//! Format (PROTOCOL.md): a C2SP tlog-checkpoint body signed as a C2SP signed note.
//!
//! ```text
//! gongxin/<chain-id>
//! <tree size, decimal>
//! <root hash, standard base64>
//! [validators <hex SM3(JCS(listing))>]
//!
//! — <validator name> <base64(4-byte key id ‖ signature)>
//! ```
//!
//! The one extension line gongxin writes (v2) names the validator set that signs the *next*
//! block's checkpoint; [`crate::handover`] follows it across set changes. A body with any other
//! extension line is refused rather than half-trusted.
//!
//! - Ed25519 validators sign exactly as C2SP signed-note specifies: signature type `0x01`,
//!   key id = SHA-256(name ‖ "\n" ‖ 0x01 ‖ 32-byte key)[:4], signature over the note text.
//! - SM2 validators use the signed-note extension byte `0xff` followed by the identifier
//!   `gongxin/sm2-sm3`: key id = SHA-256(name ‖ "\n" ‖ 0xff ‖ "gongxin/sm2-sm3" ‖ 33-byte
//!   compressed key)[:4]; the signature is SM2 with SM3 and the GM/T 0009 default signer id over
//!   the note text, 64 bytes `r ‖ s`. Generic C2SP verifiers ignore these lines as unknown keys.
//!
//! A checkpoint is valid when validators holding more than 2/3 of the set's voting power have
//! valid signatures on it. Signatures from unknown keys (name and key id not both matching a
//! validator) are ignored; a known validator's signature that fails to verify rejects the whole
//! note; a validator that signs twice is counted once.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::{Digest as _, Sha256};

use crate::Hash;
use crate::crypto::{Keypair, PublicKey, Signature};
use crate::validator::ValidatorSet;

/// A note longer than this is refused before parsing.
pub const CHECKPOINT_NOTE_BYTES_MAX: usize = 64 * 1024;
/// More signature lines than this are refused (C2SP asks verifiers to accept at least 16).
pub const CHECKPOINT_SIGNATURES_MAX: usize = 256;

/// The C2SP signed-note signature type byte for Ed25519.
const SIGNATURE_TYPE_ED25519: u8 = 0x01;
/// The C2SP signed-note byte for signature types it does not assign, followed by our identifier.
const SIGNATURE_TYPE_EXTENSION: u8 = 0xff;
const SM2_TYPE_IDENTIFIER: &[u8] = b"gongxin/sm2-sm3";

/// The unsigned body of a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// `gongxin/<chain-id>`.
    pub origin: String,
    pub tree_size: u64,
    pub root: Hash,
    /// The `validators` extension line: the identity ([`ValidatorSet::protocol_hash`]) of the
    /// set that signs the next block's checkpoint. Absent in version 1 checkpoints.
    pub validators: Option<Hash>,
}

/// One `— name base64(key id ‖ signature)` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    pub name: String,
    pub key_id: [u8; 4],
    pub signature: Vec<u8>,
}

/// A checkpoint with its signature lines, as published at `GET /v1/checkpoint`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCheckpoint {
    pub checkpoint: Checkpoint,
    pub signatures: Vec<NoteSignature>,
}

/// Why a checkpoint note is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("checkpoint note is {0} bytes, over the limit")]
    TooLarge(usize),
    #[error("checkpoint note is malformed: {0}")]
    Malformed(&'static str),
    #[error("checkpoint origin is {found:?}, expected {expected:?}")]
    WrongOrigin { expected: String, found: String },
    #[error("signature of validator {0:?} does not verify")]
    BadSignature(String),
    #[error("signatures hold {signed} of {total} voting power; more than 2/3 is needed")]
    NoQuorum { signed: u64, total: u64 },
}

/// The checkpoint origin line for a chain's ledger log.
pub fn origin_for_chain(chain_id: &str) -> String {
    format!("gongxin/{chain_id}")
}

/// The checkpoint origin line for a chain's public disclosure log (v2).
pub fn public_origin_for_chain(chain_id: &str) -> String {
    format!("gongxin/{chain_id}/public")
}

const VALIDATORS_LINE_PREFIX: &str = "validators ";

/// The C2SP key id of a validator key under `name`.
pub fn key_id(name: &str, key: &PublicKey) -> [u8; 4] {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update(b"\n");
    match key {
        PublicKey::Ed25519(raw) => {
            hasher.update([SIGNATURE_TYPE_ED25519]);
            hasher.update(raw);
        }
        PublicKey::Sm2(raw) => {
            hasher.update([SIGNATURE_TYPE_EXTENSION]);
            hasher.update(SM2_TYPE_IDENTIFIER);
            hasher.update(raw);
        }
    }
    let digest = hasher.finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

impl Checkpoint {
    pub fn new(chain_id: &str, tree_size: u64, root: Hash) -> Checkpoint {
        Checkpoint {
            origin: origin_for_chain(chain_id),
            tree_size,
            root,
            validators: None,
        }
    }

    /// The public disclosure log's checkpoint of a chain (origin `gongxin/<chain>/public`).
    pub fn new_public(chain_id: &str, tree_size: u64, root: Hash) -> Checkpoint {
        Checkpoint {
            origin: public_origin_for_chain(chain_id),
            ..Checkpoint::new(chain_id, tree_size, root)
        }
    }

    /// The same checkpoint naming the set that signs the next block's checkpoint.
    pub fn with_validators(self, next_set: Hash) -> Checkpoint {
        Checkpoint {
            validators: Some(next_set),
            ..self
        }
    }

    /// The note text that is signed: three lines and the optional `validators` line, each
    /// ending in "\n".
    pub fn body_text(&self) -> String {
        let mut text = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.tree_size,
            BASE64.encode(self.root.0)
        );
        if let Some(next_set) = &self.validators {
            text.push_str(VALIDATORS_LINE_PREFIX);
            text.push_str(&next_set.to_hex());
            text.push('\n');
        }
        text
    }

    /// Signs the body with a validator's key under its name.
    pub fn sign(&self, name: &str, keypair: &Keypair) -> NoteSignature {
        sign_note_text(name, keypair, &self.body_text())
    }

    fn parse_body(text: &str) -> Result<Checkpoint, CheckpointError> {
        let mut lines = text.split_terminator('\n');
        let origin = lines
            .next()
            .ok_or(CheckpointError::Malformed("missing origin line"))?;
        let size = lines
            .next()
            .ok_or(CheckpointError::Malformed("missing tree size line"))?;
        let root = lines
            .next()
            .ok_or(CheckpointError::Malformed("missing root hash line"))?;
        // tlog-checkpoint allows extension lines after the root; gongxin writes one, and a
        // checkpoint with lines we do not understand is refused rather than half-trusted.
        let validators = match lines.next() {
            None => None,
            Some(line) => {
                let hex = line
                    .strip_prefix(VALIDATORS_LINE_PREFIX)
                    .ok_or(CheckpointError::Malformed("unknown extension line"))?;
                Some(
                    Hash::from_hex(hex)
                        .ok()
                        .ok_or(CheckpointError::Malformed("validators line is not a hash"))?,
                )
            }
        };
        if lines.next().is_some() {
            return Err(CheckpointError::Malformed("unexpected extension lines"));
        }
        if origin.is_empty() {
            return Err(CheckpointError::Malformed("empty origin"));
        }
        // Decimal with no sign and no leading zeros, so one size has one text form.
        if size.is_empty()
            || !size.bytes().all(|b| b.is_ascii_digit())
            || (size.len() > 1 && size.starts_with('0'))
        {
            return Err(CheckpointError::Malformed(
                "tree size is not a canonical decimal",
            ));
        }
        let tree_size = size
            .parse::<u64>()
            .map_err(|_| CheckpointError::Malformed("tree size overflows"))?;
        let root_bytes = BASE64
            .decode(root)
            .map_err(|_| CheckpointError::Malformed("root is not base64"))?;
        let root = Hash::from_slice(&root_bytes)
            .ok_or(CheckpointError::Malformed("root is not 32 bytes"))?;
        let checkpoint = Checkpoint {
            origin: origin.to_owned(),
            tree_size,
            root,
            validators,
        };
        if checkpoint.body_text() != text {
            return Err(CheckpointError::Malformed(
                "root or validators line is not in canonical form",
            ));
        }
        Ok(checkpoint)
    }
}

/// Signs any note text (each line ending in "\n") under a key name, per C2SP signed-note.
pub fn sign_note_text(name: &str, keypair: &Keypair, text: &str) -> NoteSignature {
    let signature = keypair.sign(text.as_bytes());
    NoteSignature {
        name: name.to_owned(),
        key_id: key_id(name, &keypair.public_key()),
        signature: signature.as_bytes().to_vec(),
    }
}

impl NoteSignature {
    /// The signature line, `— <name> <base64(key id ‖ signature)>` and a newline.
    pub fn line(&self) -> String {
        let mut blob = Vec::with_capacity(4 + self.signature.len());
        blob.extend_from_slice(&self.key_id);
        blob.extend_from_slice(&self.signature);
        format!("— {} {}\n", self.name, BASE64.encode(blob))
    }

    fn parse_line(line: &str) -> Result<NoteSignature, CheckpointError> {
        let rest = line.strip_prefix("— ").ok_or(CheckpointError::Malformed(
            "signature line does not start with '— '",
        ))?;
        let (name, blob) = rest.split_once(' ').ok_or(CheckpointError::Malformed(
            "signature line has no signature",
        ))?;
        // C2SP's own rule for key names (non-empty, no spaces, no '+'); the stricter rule for
        // *validator* names must not make a co-signer we do not know (a witness with a long
        // name, say) spoil the note: unknown signers are ignored, not errors.
        if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == '+') {
            return Err(CheckpointError::Malformed(
                "signature line has an invalid key name",
            ));
        }
        let blob = BASE64
            .decode(blob)
            .map_err(|_| CheckpointError::Malformed("signature not base64"))?;
        if blob.len() < 5 {
            return Err(CheckpointError::Malformed("signature too short"));
        }
        Ok(NoteSignature {
            name: name.to_owned(),
            key_id: [blob[0], blob[1], blob[2], blob[3]],
            signature: blob[4..].to_vec(),
        })
    }
}

impl SignedCheckpoint {
    /// The full note: body, blank line, one line per signature.
    pub fn to_note(&self) -> String {
        let mut text = self.checkpoint.body_text();
        text.push('\n');
        for signature in &self.signatures {
            text.push_str(&signature.line());
        }
        text
    }

    /// Parses a note's syntax; says nothing about its signatures (see [`Self::verify`]).
    pub fn parse(note: &str) -> Result<SignedCheckpoint, CheckpointError> {
        if note.len() > CHECKPOINT_NOTE_BYTES_MAX {
            return Err(CheckpointError::TooLarge(note.len()));
        }
        if note.chars().any(|c| c.is_control() && c != '\n') {
            return Err(CheckpointError::Malformed("control character in note"));
        }
        let (body, signature_block) = note.split_once("\n\n").ok_or(CheckpointError::Malformed(
            "no blank line before the signatures",
        ))?;
        let mut body = body.to_owned();
        body.push('\n');
        let checkpoint = Checkpoint::parse_body(&body)?;
        if !signature_block.ends_with('\n') {
            return Err(CheckpointError::Malformed("note does not end in a newline"));
        }
        let lines: Vec<&str> = signature_block.split_terminator('\n').collect();
        if lines.is_empty() {
            return Err(CheckpointError::Malformed("note has no signatures"));
        }
        if lines.len() > CHECKPOINT_SIGNATURES_MAX {
            return Err(CheckpointError::Malformed("too many signature lines"));
        }
        let signatures = lines
            .into_iter()
            .map(NoteSignature::parse_line)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SignedCheckpoint {
            checkpoint,
            signatures,
        })
    }

    /// Checks the origin and that more than 2/3 of `validators`' power signed this checkpoint.
    /// Returns the names of the validators whose signatures counted.
    pub fn verify(
        &self,
        chain_id: &str,
        validators: &ValidatorSet,
    ) -> Result<Vec<String>, CheckpointError> {
        self.verify_origin(&origin_for_chain(chain_id), validators)
    }

    /// [`Self::verify`] for any origin (the public log's is [`public_origin_for_chain`]).
    pub fn verify_origin(
        &self,
        expected: &str,
        validators: &ValidatorSet,
    ) -> Result<Vec<String>, CheckpointError> {
        let expected = expected.to_owned();
        if self.checkpoint.origin != expected {
            return Err(CheckpointError::WrongOrigin {
                expected,
                found: self.checkpoint.origin.clone(),
            });
        }
        let body = self.checkpoint.body_text();
        let mut counted: Vec<String> = Vec::new();
        let mut power: u64 = 0;
        for line in &self.signatures {
            let Some(validator) = validators.by_name(&line.name) else {
                continue;
            };
            if key_id(&validator.name, &validator.public_key) != line.key_id {
                continue; // same name, other key: an unknown key, ignored
            }
            let signature =
                Signature::from_bytes(validator.public_key.algorithm(), &line.signature)
                    .map_err(|_| CheckpointError::BadSignature(line.name.clone()))?;
            validator
                .public_key
                .verify(body.as_bytes(), &signature)
                .map_err(|_| CheckpointError::BadSignature(line.name.clone()))?;
            if !counted.contains(&validator.name) {
                counted.push(validator.name.clone());
                power = power.saturating_add(validator.power);
            }
        }
        if !validators.is_quorum(power) {
            return Err(CheckpointError::NoQuorum {
                signed: power,
                total: validators.total_power(),
            });
        }
        Ok(counted)
    }
}

#[cfg(test)]
mod tests;
