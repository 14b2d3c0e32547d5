//! Signed checkpoint notes (C2SP signed-note text from a node, an auditor's state file, a
//! proof bundle): nothing panics; what parses prints back as the same note and is checked
//! against a validator set without panicking.
#![no_main]

use std::sync::OnceLock;

use gongxin_core::checkpoint::SignedCheckpoint;
use gongxin_core::genesis::Genesis;
use libfuzzer_sys::fuzz_target;

fn genesis() -> &'static Genesis {
    static GENESIS: OnceLock<Genesis> = OnceLock::new();
    GENESIS.get_or_init(|| gongxin_core::testkit::ledger(2).genesis)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(checkpoint) = SignedCheckpoint::parse(text) {
        let again = SignedCheckpoint::parse(&checkpoint.to_note());
        assert!(again.is_ok(), "a parsed note prints as a note that parses");
        let _ = checkpoint.verify(&genesis().chain_id, &genesis().validators);
    }
});
