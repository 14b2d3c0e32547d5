//! The canonical encoding: the one byte form of everything that is hashed or signed.
//!
//! It is bincode 2.0.1 with one fixed configuration — big-endian, fixed-width integers — so an
//! outside verifier can decode an entry from this description alone:
//!
//! | value              | bytes                                                        |
//! |--------------------|--------------------------------------------------------------|
//! | `u8`/`u16`/`u32`/`u64`, `i64` | fixed width, big-endian (two's complement for signed) |
//! | `bool`             | one byte, `0x00` or `0x01` (anything else is rejected)       |
//! | `[u8; N]`          | the N bytes, no length                                       |
//! | `String`, `Vec<T>` | `u64` length, then the UTF-8 bytes / the elements            |
//! | `Option<T>`        | `0x00`, or `0x01` then `T`                                   |
//! | `enum`             | `u32` variant index, then the variant's fields in order      |
//! | `struct`           | the fields in declaration order                              |
//!
//! Decoding untrusted bytes always takes an explicit size limit: the input may be no longer than
//! the limit, the limit also caps what a length prefix may make the decoder allocate, and trailing
//! bytes after the value are an error (one value, one encoding). Golden vectors under
//! `core/tests/golden/` fail a test if this format changes by accident.

use bincode::config::{BigEndian, Configuration, Fixint, Limit};
use bincode::{Decode, Encode};

/// A transaction (signed envelope) may be at most this many bytes.
pub const TX_BYTES_MAX: usize = 64 * 1024;
/// A block (header plus transactions) may be at most this many bytes.
pub const BLOCK_BYTES_MAX: usize = 32 * 1024 * 1024;
/// A log entry may be at most this many bytes (a transaction plus its outcome).
pub const ENTRY_BYTES_MAX: usize = TX_BYTES_MAX + 8 * 1024;

type EncodeConfig = Configuration<BigEndian, Fixint>;

const ENCODE_CONFIG: EncodeConfig = bincode::config::standard()
    .with_big_endian()
    .with_fixed_int_encoding();

/// The decoding configuration: the encoding one plus a limit on what length prefixes may claim,
/// so a short hostile input cannot make the decoder allocate more than `LIMIT` bytes.
const fn decode_config<const LIMIT: usize>() -> Configuration<BigEndian, Fixint, Limit<LIMIT>> {
    bincode::config::standard()
        .with_big_endian()
        .with_fixed_int_encoding()
        .with_limit::<LIMIT>()
}

/// Why bytes could not be decoded into a value.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("input is {len} bytes, more than the limit of {limit} bytes")]
    TooLong { len: usize, limit: usize },
    #[error("{trailing} trailing bytes after the value")]
    TrailingBytes { trailing: usize },
    #[error("malformed encoding: {0}")]
    Malformed(String),
}

/// The canonical bytes of `value`.
pub fn encode<T: Encode>(value: &T) -> Vec<u8> {
    // Encoding into a Vec cannot fail for our types: they contain no maps or custom encoders
    // that can error, and the writer is infallible.
    bincode::encode_to_vec(value, ENCODE_CONFIG).expect("canonical encoding into a Vec never fails")
}

/// Decodes exactly one value from `bytes`, which may be at most `LIMIT` bytes long; `LIMIT` also
/// caps the memory the decoder may claim for containers.
pub fn decode<T: Decode<()>, const LIMIT: usize>(bytes: &[u8]) -> Result<T, DecodeError> {
    if bytes.len() > LIMIT {
        return Err(DecodeError::TooLong {
            len: bytes.len(),
            limit: LIMIT,
        });
    }
    let (value, read) = bincode::decode_from_slice(bytes, decode_config::<LIMIT>())
        .map_err(|e| DecodeError::Malformed(e.to_string()))?;
    if read != bytes.len() {
        return Err(DecodeError::TrailingBytes {
            trailing: bytes.len() - read,
        });
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Encode, Decode)]
    struct Sample {
        n: u64,
        flag: bool,
        name: String,
        items: Vec<u16>,
        maybe: Option<u8>,
    }

    #[test]
    fn layout_is_big_endian_fixed_width() {
        let s = Sample {
            n: 1,
            flag: true,
            name: "ab".into(),
            items: vec![0x0102],
            maybe: None,
        };
        let bytes = encode(&s);
        assert_eq!(
            hex::encode(&bytes),
            concat!(
                "0000000000000001", // n
                "01",               // flag
                "0000000000000002",
                "6162", // name
                "0000000000000001",
                "0102", // items
                "00"    // maybe
            )
        );
        assert_eq!(decode::<Sample, 1024>(&bytes).unwrap(), s);
    }

    #[test]
    fn rejects_trailing_bytes_and_oversize_input() {
        let mut bytes = encode(&7u64);
        bytes.push(0);
        assert!(matches!(
            decode::<u64, 64>(&bytes),
            Err(DecodeError::TrailingBytes { trailing: 1 })
        ));
        assert!(matches!(
            decode::<u64, 4>(&bytes),
            Err(DecodeError::TooLong { len: 9, limit: 4 })
        ));
    }

    #[test]
    fn rejects_non_canonical_bool_and_huge_length_prefix() {
        assert!(decode::<bool, 8>(&[2]).is_err());
        // A length prefix of 2^62 elements must fail cleanly, not allocate.
        let mut bytes = vec![0x40, 0, 0, 0, 0, 0, 0, 0];
        bytes.extend_from_slice(&[0; 16]);
        assert!(decode::<Vec<u64>, 1024>(&bytes).is_err());
        assert!(decode::<String, 1024>(&bytes).is_err());
    }
}
