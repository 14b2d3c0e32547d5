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
pub const BLOCK_BYTES_MAX: usize = 16 * 1024 * 1024;
/// A log entry may be at most this many bytes (a transaction plus its outcome).
pub const ENTRY_BYTES_MAX: usize = TX_BYTES_MAX + 8 * 1024;

type EncodeConfig = Configuration<BigEndian, Fixint>;

const ENCODE_CONFIG: EncodeConfig = bincode::config::standard()
    .with_big_endian()
    .with_fixed_int_encoding();

/// bincode's limit counts *memory* a decode expects to use (`len × size_of::<T>()` per
/// container), not input bytes, and our types take up to ≈ 3.2× more room in memory than
/// encoded (an empty `String` is 24 bytes in memory, 8 on the wire). So the limit bincode sees is
/// this many times the byte limit: acceptance depends only on the input's length and form,
/// while a short hostile length prefix still cannot make the decoder allocate without bound.
pub const DECODE_MEMORY_FACTOR: usize = 16;

/// The decoding configuration: the encoding one plus the allocation guard above.
const fn decode_config<const MEMORY_LIMIT: usize>()
-> Configuration<BigEndian, Fixint, Limit<MEMORY_LIMIT>> {
    bincode::config::standard()
        .with_big_endian()
        .with_fixed_int_encoding()
        .with_limit::<MEMORY_LIMIT>()
}

/// Why bytes could not be decoded into a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("input is {len} bytes, more than the limit of {limit} bytes")]
    TooLong { len: usize, limit: usize },
    #[error("{trailing} trailing bytes after the value")]
    TrailingBytes { trailing: usize },
    #[error("malformed encoding: {0}")]
    Malformed(String),
}

/// Decodes with the smallest allocation guard of the ladder that covers `memory_limit`.
fn decode_with_guard<T: Decode<()>>(
    bytes: &[u8],
    memory_limit: usize,
) -> Result<(T, usize), bincode::error::DecodeError> {
    const KIB: usize = 1024;
    const MIB: usize = 1024 * KIB;
    if memory_limit <= 64 * KIB {
        bincode::decode_from_slice(bytes, decode_config::<{ 64 * KIB }>())
    } else if memory_limit <= MIB {
        bincode::decode_from_slice(bytes, decode_config::<MIB>())
    } else if memory_limit <= 16 * MIB {
        bincode::decode_from_slice(bytes, decode_config::<{ 16 * MIB }>())
    } else if memory_limit <= 64 * MIB {
        bincode::decode_from_slice(bytes, decode_config::<{ 64 * MIB }>())
    } else if memory_limit <= 256 * MIB {
        bincode::decode_from_slice(bytes, decode_config::<{ 256 * MIB }>())
    } else {
        bincode::decode_from_slice(bytes, decode_config::<{ 1024 * MIB }>())
    }
}

/// The canonical bytes of `value`.
pub fn encode<T: Encode>(value: &T) -> Vec<u8> {
    // Encoding into a Vec cannot fail for our types: they contain no maps or custom encoders
    // that can error, and the writer is infallible.
    bincode::encode_to_vec(value, ENCODE_CONFIG).expect("canonical encoding into a Vec never fails")
}

/// Decodes exactly one value from `bytes`, which may be at most `LIMIT` bytes long. Whether a
/// value decodes depends only on its bytes (length and form), never on in-memory sizes; the
/// memory a length prefix may claim is capped at [`DECODE_MEMORY_FACTOR`] × `LIMIT`.
pub fn decode<T: Decode<()>, const LIMIT: usize>(bytes: &[u8]) -> Result<T, DecodeError> {
    if bytes.len() > LIMIT {
        return Err(DecodeError::TooLong {
            len: bytes.len(),
            limit: LIMIT,
        });
    }
    // A const generic cannot be computed from another here, so the guard is applied through a
    // fixed ladder of memory limits: the smallest rung that is at least 16 × LIMIT.
    let (value, read) = decode_with_guard::<T>(bytes, LIMIT.saturating_mul(DECODE_MEMORY_FACTOR))
        .map_err(|e| DecodeError::Malformed(e.to_string()))?;
    if read != bytes.len() {
        return Err(DecodeError::TrailingBytes {
            trailing: bytes.len() - read,
        });
    }
    Ok(value)
}

/// Decodes one value from the front of `bytes` and says how many bytes it took: for reading a
/// sequence item by item, so a hostile count prefix of the sequence never sizes an allocation.
/// The value may take at most `LIMIT` bytes; the memory guard is as in [`decode`].
pub fn decode_prefix<T: Decode<()>, const LIMIT: usize>(
    bytes: &[u8],
) -> Result<(T, usize), DecodeError> {
    let window = &bytes[..bytes.len().min(LIMIT)];
    decode_with_guard::<T>(window, LIMIT.saturating_mul(DECODE_MEMORY_FACTOR))
        .map_err(|e| DecodeError::Malformed(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_prefix_reads_one_value_and_reports_its_length() {
        let mut bytes = encode(&(7u32, String::from("ab")));
        let first = bytes.len();
        bytes.extend_from_slice(&encode(&9u32));
        let ((n, text), read) = decode_prefix::<(u32, String), 64>(&bytes).unwrap();
        assert_eq!((n, text.as_str(), read), (7, "ab", first));
        let (nine, read) = decode_prefix::<u32, 64>(&bytes[first..]).unwrap();
        assert_eq!((nine, read), (9, 4));
        // A value longer than the limit does not decode (its length prefix points past it).
        assert!(decode_prefix::<String, 4>(&encode(&String::from("abcdef"))).is_err());
    }

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

    /// The worst ratio of memory to wire size in our types is a container of empty strings
    /// (24 bytes in memory, 8 encoded): a value that fits the byte limit must still decode.
    #[test]
    fn a_value_within_the_byte_limit_decodes_whatever_its_memory_size() {
        const LIMIT: usize = 64 * 1024;
        let count = (LIMIT - 8) / 8;
        let strings = vec![String::new(); count];
        let bytes = encode(&strings);
        assert_eq!(bytes.len(), LIMIT);
        assert_eq!(decode::<Vec<String>, LIMIT>(&bytes).unwrap().len(), count);
        let nested: Vec<Vec<String>> = vec![Vec::new(); count];
        assert_eq!(
            decode::<Vec<Vec<String>>, LIMIT>(&encode(&nested))
                .unwrap()
                .len(),
            count
        );
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
