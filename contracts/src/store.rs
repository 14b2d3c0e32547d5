//! Typed access to the state: records in and out of their canonical encoding, and the small
//! error plumbing the rules use (`?` on a storage error stops the node; `?` on a rejection ends
//! the transaction).

use bincode::{Decode, Encode};
use gongxin_core::encoding;

use crate::rejection::Rejection;
use crate::state::{State, StorageError};

/// No stored record is larger than this; a larger value is corruption, not data.
pub const RECORD_BYTES_MAX: usize = 16 * 1024 * 1024;

/// Why a rule stopped: the transaction is refused, or the node must stop.
#[derive(Debug)]
pub(crate) enum Fail {
    Reject(Box<Rejection>),
    Storage(StorageError),
}

impl From<Rejection> for Fail {
    fn from(r: Rejection) -> Fail {
        Fail::Reject(Box::new(r))
    }
}

impl From<StorageError> for Fail {
    fn from(e: StorageError) -> Fail {
        Fail::Storage(e)
    }
}

pub(crate) type Rule<T> = Result<T, Fail>;

/// Decodes a stored value; a value that does not decode is corruption.
pub fn decode_value<T: Decode<()>>(key: &[u8], bytes: &[u8]) -> Result<T, StorageError> {
    encoding::decode::<T, RECORD_BYTES_MAX>(bytes).map_err(|e| StorageError::Corrupt {
        key: String::from_utf8_lossy(key).into_owned(),
        reason: e.to_string(),
    })
}

/// Reads and decodes the record at `key`.
pub fn get<T: Decode<()>>(st: &dyn State, key: &[u8]) -> Result<Option<T>, StorageError> {
    match st.get(key)? {
        Some(bytes) => decode_value(key, &bytes).map(Some),
        None => Ok(None),
    }
}

/// Encodes and writes `value` at `key`.
pub fn put<T: Encode>(st: &mut dyn State, key: &[u8], value: &T) -> Result<(), StorageError> {
    st.put(key, &encoding::encode(value))
}

/// Writes an index entry (empty value).
pub fn mark(st: &mut dyn State, key: &[u8]) -> Result<(), StorageError> {
    st.put(key, &[])
}

pub fn exists(st: &dyn State, key: &[u8]) -> Result<bool, StorageError> {
    Ok(st.get(key)?.is_some())
}

/// Reads the record at `key` or rejects with `not_found` naming `kind` and `id`.
pub(crate) fn load<T: Decode<()>>(st: &dyn State, key: &[u8], kind: &str, id: &str) -> Rule<T> {
    match get(st, key)? {
        Some(v) => Ok(v),
        None => Err(Rejection::not_found(kind, id).into()),
    }
}

/// Decodes every value of a bounded scan.
pub fn scan<T: Decode<()>>(
    st: &dyn State,
    prefix: &[u8],
    start_after: Option<&[u8]>,
    limit: usize,
) -> Result<Vec<(Vec<u8>, T)>, StorageError> {
    st.scan_prefix(prefix, start_after, limit)?
        .into_iter()
        .map(|(k, v)| {
            let value = decode_value(&k, &v)?;
            Ok((k, value))
        })
        .collect()
}

/// The records an index points at (its keys end in the record id, `record_key` makes the
/// record's key from it), at most `max`; an index key whose record is gone is skipped.
pub fn records_via<T: Decode<()>>(
    st: &dyn State,
    index: &[u8],
    max: usize,
    record_key: fn(&str) -> Vec<u8>,
) -> Result<Vec<T>, StorageError> {
    let mut out = Vec::new();
    for (key, ()) in scan::<()>(st, index, None, max)? {
        if let Some(record) = get(st, &record_key(crate::keys::last_component(&key)))? {
            out.push(record);
        }
    }
    Ok(out)
}
