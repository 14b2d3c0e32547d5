//! Signatures: one key and one signature type, tagged by algorithm, over two suites.
//!
//! - **ed25519** (RFC 8032), verified with `verify_strict` everywhere so every node applies the
//!   same rule to edge-case signatures; whole blocks can be checked with [`verify_batch`].
//! - **SM2** (GB/T 32918 / GM/T 0003) with SM3 and the GM/T 0009 default signer id
//!   `1234567812345678`, which is what a 商用密码-compliant deployment needs.
//!
//! Text forms are `ed25519:<hex>` and `sm2:<hex>` for keys and signatures alike. SM2 public keys
//! are stored as 33-byte compressed SEC1 points (uncompressed 65-byte input is accepted and
//! normalised); SM2 signatures as the 64 bytes `r ‖ s`.

mod batch;
mod keyfile;

use std::fmt;
use std::str::FromStr;

use bincode::{Decode, Encode};
use ed25519_dalek::Signer as _;
use sm2::elliptic_curve::sec1::ToSec1Point as _;
use zeroize::Zeroizing;

pub use batch::{BatchItem, KeyCache, verify_batch, verify_batch_cached};
pub use keyfile::{KeyFile, KeyFileError};

/// The distinguishing identifier GM/T 0009-2012 fixes as the default for SM2 signatures.
pub const SM2_DEFAULT_DISTID: &str = "1234567812345678";

/// The signature suites gongxin supports.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Encode,
    Decode,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    Ed25519,
    Sm2,
}

impl Algorithm {
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Ed25519 => "ed25519",
            Algorithm::Sm2 => "sm2",
        }
    }

    fn from_prefix(text: &str) -> Option<Algorithm> {
        match text {
            "ed25519" => Some(Algorithm::Ed25519),
            "sm2" => Some(Algorithm::Sm2),
            _ => None,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a key or signature could not be read, or a signature did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("expected '<algorithm>:<hex>' with algorithm ed25519 or sm2")]
    BadTextForm,
    #[error("not hex")]
    NotHex,
    #[error("{algorithm} {what} must be {expected} bytes, got {got}")]
    Length {
        algorithm: Algorithm,
        what: &'static str,
        expected: &'static str,
        got: usize,
    },
    #[error("not a valid {0} public key")]
    InvalidPublicKey(Algorithm),
    #[error("not a valid {0} secret key")]
    InvalidSecretKey(Algorithm),
    #[error("signature algorithm {signature} does not match key algorithm {key}")]
    AlgorithmMismatch {
        key: Algorithm,
        signature: Algorithm,
    },
    #[error("signature does not verify")]
    BadSignature,
    #[error("the operating system's random number generator failed")]
    Randomness,
}

/// A public key of either suite, in its canonical byte form.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Encode, Decode)]
pub enum PublicKey {
    Ed25519([u8; 32]),
    /// Compressed SEC1 point.
    Sm2([u8; 33]),
}

/// A signature of either suite. `Ord` (suite, then bytes) exists because the consensus engine
/// keeps signatures in ordered collections; it has no meaning beyond that.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Encode, Decode)]
pub enum Signature {
    Ed25519([u8; 64]),
    /// `r ‖ s`, 32 bytes each, big-endian.
    Sm2([u8; 64]),
}

impl PublicKey {
    pub fn algorithm(&self) -> Algorithm {
        match self {
            PublicKey::Ed25519(_) => Algorithm::Ed25519,
            PublicKey::Sm2(_) => Algorithm::Sm2,
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        match self {
            PublicKey::Ed25519(b) => b,
            PublicKey::Sm2(b) => b,
        }
    }

    /// Reads a key from its algorithm and bytes, checking that it is a valid curve point (and for
    /// ed25519 not a weak, small-order key). SM2 accepts compressed (33) or uncompressed (65) SEC1.
    pub fn from_bytes(algorithm: Algorithm, bytes: &[u8]) -> Result<PublicKey, CryptoError> {
        match algorithm {
            Algorithm::Ed25519 => {
                let raw: [u8; 32] = bytes.try_into().map_err(|_| CryptoError::Length {
                    algorithm,
                    what: "public key",
                    expected: "32",
                    got: bytes.len(),
                })?;
                let key = PublicKey::Ed25519(raw);
                key.check()?;
                Ok(key)
            }
            Algorithm::Sm2 => {
                if bytes.len() != 33 && bytes.len() != 65 {
                    return Err(CryptoError::Length {
                        algorithm,
                        what: "public key",
                        expected: "33 or 65",
                        got: bytes.len(),
                    });
                }
                let point = sm2::PublicKey::from_sec1_bytes(bytes)
                    .map_err(|_| CryptoError::InvalidPublicKey(algorithm))?;
                let compressed = point.to_sec1_point(true);
                let raw: [u8; 33] = compressed
                    .as_bytes()
                    .try_into()
                    .map_err(|_| CryptoError::InvalidPublicKey(algorithm))?;
                Ok(PublicKey::Sm2(raw))
            }
        }
    }

    /// Checks that the bytes are a usable key of their suite. Keys decoded from the canonical
    /// encoding are only bytes until checked; verification checks implicitly.
    pub fn check(&self) -> Result<(), CryptoError> {
        match self {
            PublicKey::Ed25519(raw) => {
                let key = ed25519_dalek::VerifyingKey::from_bytes(raw)
                    .map_err(|_| CryptoError::InvalidPublicKey(Algorithm::Ed25519))?;
                // Weak (small-order) keys are refused, and so are non-canonical encodings
                // (y ≥ p): one point must have one byte form, or byte-wise duplicate checks on
                // keys (members, validators) could be bypassed.
                let canonical = curve25519_dalek::edwards::CompressedEdwardsY(*raw)
                    .decompress()
                    .map(|point| point.compress().to_bytes());
                if key.is_weak() || canonical != Some(*raw) {
                    return Err(CryptoError::InvalidPublicKey(Algorithm::Ed25519));
                }
                Ok(())
            }
            PublicKey::Sm2(raw) => sm2_verifying_key(raw).map(|_| ()),
        }
    }

    /// Verifies `signature` on `message` (strict ed25519; SM2 with the default signer id).
    /// One rule for every caller: this and the batched, cached path
    /// ([`verify_batch_cached`]) both judge with [`batch::DecodedKey::verify`].
    pub fn verify(&self, message: &[u8], signature: &Signature) -> Result<(), CryptoError> {
        if self.algorithm() != signature.algorithm() {
            // Not worth decoding the key for.
            return Err(CryptoError::AlgorithmMismatch {
                key: self.algorithm(),
                signature: signature.algorithm(),
            });
        }
        batch::DecodedKey::decode(self).verify(message, signature)
    }
}

fn sm2_verifying_key(raw: &[u8; 33]) -> Result<sm2::dsa::VerifyingKey, CryptoError> {
    sm2::dsa::VerifyingKey::from_sec1_bytes(SM2_DEFAULT_DISTID, raw)
        .map_err(|_| CryptoError::InvalidPublicKey(Algorithm::Sm2))
}

impl Signature {
    pub fn algorithm(&self) -> Algorithm {
        match self {
            Signature::Ed25519(_) => Algorithm::Ed25519,
            Signature::Sm2(_) => Algorithm::Sm2,
        }
    }

    pub fn as_bytes(&self) -> &[u8; 64] {
        match self {
            Signature::Ed25519(b) | Signature::Sm2(b) => b,
        }
    }

    pub fn from_bytes(algorithm: Algorithm, bytes: &[u8]) -> Result<Signature, CryptoError> {
        let raw: [u8; 64] = bytes.try_into().map_err(|_| CryptoError::Length {
            algorithm,
            what: "signature",
            expected: "64",
            got: bytes.len(),
        })?;
        Ok(match algorithm {
            Algorithm::Ed25519 => Signature::Ed25519(raw),
            Algorithm::Sm2 => Signature::Sm2(raw),
        })
    }
}

/// Splits `<algorithm>:<hex>` into its parts.
fn parse_tagged(text: &str) -> Result<(Algorithm, Vec<u8>), CryptoError> {
    let (tag, body) = text.split_once(':').ok_or(CryptoError::BadTextForm)?;
    let algorithm = Algorithm::from_prefix(tag).ok_or(CryptoError::BadTextForm)?;
    let bytes = hex::decode(body).map_err(|_| CryptoError::NotHex)?;
    Ok((algorithm, bytes))
}

macro_rules! tagged_text_form {
    ($ty:ty, $from_bytes:path, $wire_name:literal, $wire:literal) => {
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}:{}", self.algorithm(), hex::encode(self.as_bytes()))
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(self, f)
            }
        }

        impl FromStr for $ty {
            type Err = CryptoError;
            fn from_str(text: &str) -> Result<Self, CryptoError> {
                let (algorithm, bytes) = parse_tagged(text)?;
                $from_bytes(algorithm, &bytes)
            }
        }

        /// `<algorithm>:<hex>` in JSON; `x-wire` names the canonical form (the enum's variant
        /// index, then the raw bytes) for a schema-driven encoder.
        impl schemars::JsonSchema for $ty {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                $wire_name.into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "type": "string",
                    "pattern": "^(ed25519|sm2):[0-9a-f]+$",
                    "x-wire": $wire,
                })
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

tagged_text_form!(PublicKey, PublicKey::from_bytes, "PublicKey", "public_key");
tagged_text_form!(Signature, Signature::from_bytes, "Signature", "signature");

/// A signing key of either suite. Its `Debug` never shows the secret.
#[derive(Clone)]
pub enum Keypair {
    Ed25519(ed25519_dalek::SigningKey),
    Sm2(sm2::dsa::SigningKey),
}

impl fmt::Debug for Keypair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Keypair({}, secret redacted)", self.public_key())
    }
}

impl Keypair {
    /// A fresh key from the operating system's random number generator.
    pub fn generate(algorithm: Algorithm) -> Result<Keypair, CryptoError> {
        // SM2 secret scalars must lie in [1, n-1]; a random 256-bit string is outside that range
        // with probability about 2^-32, so a bounded retry loop is plenty.
        for _ in 0..16 {
            let mut seed = Zeroizing::new([0u8; 32]);
            getrandom::fill(seed.as_mut()).map_err(|_| CryptoError::Randomness)?;
            match Keypair::from_secret_bytes(algorithm, seed.as_ref()) {
                Ok(key) => return Ok(key),
                Err(CryptoError::InvalidSecretKey(_)) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(CryptoError::Randomness)
    }

    /// A key from its 32 secret bytes (the ed25519 seed, or the SM2 secret scalar big-endian).
    pub fn from_secret_bytes(algorithm: Algorithm, bytes: &[u8]) -> Result<Keypair, CryptoError> {
        let raw: &[u8; 32] = bytes.try_into().map_err(|_| CryptoError::Length {
            algorithm,
            what: "secret key",
            expected: "32",
            got: bytes.len(),
        })?;
        match algorithm {
            Algorithm::Ed25519 => Ok(Keypair::Ed25519(ed25519_dalek::SigningKey::from_bytes(raw))),
            Algorithm::Sm2 => sm2::dsa::SigningKey::from_slice(SM2_DEFAULT_DISTID, raw)
                .map(Keypair::Sm2)
                .map_err(|_| CryptoError::InvalidSecretKey(algorithm)),
        }
    }

    /// The 32 secret bytes; wrapped so they are wiped from memory when dropped.
    pub fn secret_bytes(&self) -> Zeroizing<[u8; 32]> {
        match self {
            Keypair::Ed25519(k) => Zeroizing::new(k.to_bytes()),
            Keypair::Sm2(k) => {
                let mut out = Zeroizing::new([0u8; 32]);
                out.copy_from_slice(&k.to_bytes());
                out
            }
        }
    }

    pub fn algorithm(&self) -> Algorithm {
        match self {
            Keypair::Ed25519(_) => Algorithm::Ed25519,
            Keypair::Sm2(_) => Algorithm::Sm2,
        }
    }

    pub fn public_key(&self) -> PublicKey {
        match self {
            Keypair::Ed25519(k) => PublicKey::Ed25519(k.verifying_key().to_bytes()),
            Keypair::Sm2(k) => {
                let point = k.verifying_key().to_sec1_point(true);
                let mut raw = [0u8; 33];
                raw.copy_from_slice(point.as_bytes());
                PublicKey::Sm2(raw)
            }
        }
    }

    /// Signs `message`. Both suites sign deterministically (RFC 8032; RFC 6979-style nonces for
    /// SM2), so the same key and message always give the same signature.
    pub fn sign(&self, message: &[u8]) -> Signature {
        match self {
            Keypair::Ed25519(k) => Signature::Ed25519(k.sign(message).to_bytes()),
            Keypair::Sm2(k) => {
                let sig: sm2::dsa::Signature = k.sign(message);
                let mut raw = [0u8; 64];
                raw.copy_from_slice(&sig.to_bytes());
                Signature::Sm2(raw)
            }
        }
    }
}

#[cfg(test)]
mod tests;
