//! Blocks (a peer's value sync, storage) and log entries (`/v1/entries`, proof bundles) from
//! untrusted bytes: nothing panics, and what decodes re-encodes to the same bytes.
#![no_main]

use gongxin_core::block::Block;
use gongxin_core::entry::Entry;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(block) = Block::from_bytes(data) {
        assert_eq!(gongxin_core::encoding::encode(&block), data);
    }
    if let Ok(entry) = Entry::from_bytes(data) {
        assert_eq!(gongxin_core::encoding::encode(&entry), data);
    }
});
