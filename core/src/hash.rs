//! SM3 (GB/T 32905-2016), the one hash function of the ledger.
//!
//! Every hash in gongxin — transaction ids, block hashes, Merkle log nodes, state roots, document
//! evidence — is SM3 with a 32-byte output. [`Hash`] is the value type; it prints and parses as
//! lowercase hex, in text and in JSON.

use std::fmt;
use std::str::FromStr;

use bincode::{Decode, Encode};
use sm3::{Digest, Sm3};

/// Length in bytes of an SM3 digest.
pub const HASH_BYTES: usize = 32;

/// A 32-byte SM3 digest.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Encode, Decode)]
pub struct Hash(pub [u8; HASH_BYTES]);

/// HMAC-SM3 (RFC 2104 with SM3, a 64-byte block): what webhook receivers check a delivery's
/// signature with. Keys longer than a block are hashed first.
pub fn hmac_sm3(key: &[u8], message: &[u8]) -> Hash {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..HASH_BYTES].copy_from_slice(&Sm3::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.map(|b| b ^ byte);
    let inner = Hash::digest_parts(&[&pad(0x36), message]);
    Hash::digest_parts(&[&pad(0x5c), inner.as_bytes()])
}

impl Hash {
    /// The all-zero hash, used as the "previous block hash" of block 0.
    pub const ZERO: Hash = Hash([0; HASH_BYTES]);

    /// SM3 of `data`.
    pub fn digest(data: &[u8]) -> Hash {
        Hash(Sm3::digest(data).into())
    }

    /// SM3 of the concatenation of `parts`, without building the concatenation.
    pub fn digest_parts(parts: &[&[u8]]) -> Hash {
        let mut hasher = Sm3::new();
        for part in parts {
            hasher.update(part);
        }
        Hash(hasher.finalize().into())
    }

    pub fn as_bytes(&self) -> &[u8; HASH_BYTES] {
        &self.0
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses 64 hex digits (either case).
    pub fn from_hex(text: &str) -> Result<Hash, HashParseError> {
        if text.len() != 2 * HASH_BYTES {
            return Err(HashParseError::Length(text.len()));
        }
        let mut out = [0u8; HASH_BYTES];
        hex::decode_to_slice(text, &mut out).map_err(|_| HashParseError::NotHex)?;
        Ok(Hash(out))
    }

    /// Takes a hash from a byte slice that must be exactly 32 bytes long.
    pub fn from_slice(bytes: &[u8]) -> Option<Hash> {
        <[u8; HASH_BYTES]>::try_from(bytes).ok().map(Hash)
    }
}

/// Why a text could not be read as a hash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashParseError {
    #[error("a hash is 64 hex digits, got {0} characters")]
    Length(usize),
    #[error("a hash is 64 hex digits, got a non-hex character")]
    NotHex,
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

impl FromStr for Hash {
    type Err = HashParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Hash::from_hex(s)
    }
}

/// In the operations' JSON Schema a hash is 64 lowercase hex digits; `x-wire` tells a
/// schema-driven encoder (the console's) that its canonical bytes are the 32 raw bytes.
impl schemars::JsonSchema for Hash {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Hash".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[0-9a-f]{64}$",
            "description": "SM3 hash, 64 lowercase hex digits",
            "x-wire": "hash",
        })
    }
}

impl serde::Serialize for Hash {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

impl<'de> serde::Deserialize<'de> for Hash {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Hash::from_hex(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cross-checked with Python's `hmac.new(key, msg, 'sm3')` (OpenSSL's SM3).
    #[test]
    fn hmac_sm3_matches_an_independent_implementation() {
        assert_eq!(
            hmac_sm3(b"key", b"The quick brown fox jumps over the lazy dog").to_hex(),
            "bd4a34077888162b210645b8ebf74b9af357303789357a27c7fc457244ebd398"
        );
        // A key longer than the block is hashed first.
        assert_eq!(
            hmac_sm3(&[b'k'; 100], br#"1767196800000.{"a":1}"#).to_hex(),
            "f2b2dd70d029c490178429098ab5de00cfafb2fe8b969b61cbcbfa6899ec54a3"
        );
    }

    /// GB/T 32905-2016 Appendix A, example 1.
    #[test]
    fn sm3_known_answer_abc() {
        assert_eq!(
            Hash::digest(b"abc").to_hex(),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }

    /// GB/T 32905-2016 Appendix A, example 2: "abcd" repeated 16 times (512 bits).
    #[test]
    fn sm3_known_answer_abcd_x16() {
        let input = b"abcd".repeat(16);
        assert_eq!(
            Hash::digest(&input).to_hex(),
            "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
        );
    }

    #[test]
    fn digest_parts_equals_digest_of_concatenation() {
        assert_eq!(
            Hash::digest_parts(&[b"ab", b"", b"c"]),
            Hash::digest(b"abc")
        );
    }

    #[test]
    fn hex_round_trip_and_errors() {
        let h = Hash::digest(b"x");
        assert_eq!(Hash::from_hex(&h.to_hex()), Ok(h));
        assert_eq!(Hash::from_hex(&h.to_hex().to_uppercase()), Ok(h));
        assert_eq!(Hash::from_hex("abc"), Err(HashParseError::Length(3)));
        assert_eq!(
            Hash::from_hex(&"zz".repeat(32)),
            Err(HashParseError::NotHex)
        );
        let json = serde_json::to_string(&h).unwrap();
        assert_eq!(json, format!("\"{}\"", h.to_hex()));
        assert_eq!(serde_json::from_str::<Hash>(&json).unwrap(), h);
        assert!(serde_json::from_str::<Hash>("\"00\"").is_err());
    }
}
