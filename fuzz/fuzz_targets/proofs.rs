//! Proof checking, as an offline auditor runs it on whatever it is given: proof bundles (JSON)
//! against a genesis, and raw inclusion / consistency proofs with arbitrary indexes, sizes and
//! paths. Nothing panics, overflows or loops.
#![no_main]

use std::sync::OnceLock;

use gongxin_core::Hash;
use gongxin_core::audit::{ProofBundle, verify_bundle};
use gongxin_core::genesis::Genesis;
use gongxin_core::log::verify::{verify_consistency, verify_inclusion};
use libfuzzer_sys::fuzz_target;

fn genesis() -> &'static Genesis {
    static GENESIS: OnceLock<Genesis> = OnceLock::new();
    GENESIS.get_or_init(|| gongxin_core::testkit::ledger(2).genesis)
}

fn hashes(bytes: &[u8]) -> Vec<Hash> {
    bytes
        .chunks_exact(32)
        .map(|chunk| Hash(chunk.try_into().expect("32 bytes")))
        .collect()
}

fuzz_target!(|data: &[u8]| {
    if let Ok(bundle) = serde_json::from_slice::<ProofBundle>(data) {
        let _ = verify_bundle(genesis(), &bundle);
    }
    // index ‖ size ‖ leaf or first root ‖ root ‖ path…
    if data.len() >= 80 {
        let first = u64::from_be_bytes(data[0..8].try_into().expect("8 bytes"));
        let second = u64::from_be_bytes(data[8..16].try_into().expect("8 bytes"));
        let [a, b] = [&data[16..48], &data[48..80]].map(|h| hashes(h)[0]);
        let path = hashes(&data[80..]);
        let _ = verify_inclusion(&a, first, second, &path, &b);
        let _ = verify_consistency(first, second, &a, &b, &path);
    }
});
