//! Key encodings: fixed-width big-endian, so RocksDB's byte order is numeric order.

use gongxin_core::log::NodeId;

/// An 8-byte big-endian key for heights, log indices and tree sizes.
pub fn height_key(n: u64) -> [u8; 8] {
    n.to_be_bytes()
}

pub fn parse_height_key(key: &[u8]) -> Option<u64> {
    <[u8; 8]>::try_from(key).ok().map(u64::from_be_bytes)
}

/// `level ‖ index`: complete-subtree hashes grouped by level, in index order.
pub fn node_key(id: NodeId) -> [u8; 9] {
    let mut key = [0u8; 9];
    key[0] = id.level;
    key[1..].copy_from_slice(&id.index.to_be_bytes());
    key
}
