//! What the public and witnesses receive from anyone: public-log leaves, `add-checkpoint`
//! bodies and hand-over lists. Nothing panics; a parsed leaf prints back as the same bytes; a
//! witness's decision on any parsed request is an answer, never a crash; hand-overs are
//! followed from a genesis set without panicking.
#![no_main]

use std::sync::OnceLock;

use gongxin_core::checkpoint::origin_for_chain;
use gongxin_core::genesis::Genesis;
use gongxin_core::handover::{HandOver, Log, follow};
use gongxin_core::public_log::PublicLeaf;
use gongxin_core::witness::{AddCheckpoint, Cosigned, decide};
use libfuzzer_sys::fuzz_target;

fn genesis() -> &'static Genesis {
    static GENESIS: OnceLock<Genesis> = OnceLock::new();
    GENESIS.get_or_init(|| gongxin_core::testkit::ledger(2).genesis)
}

fuzz_target!(|data: &[u8]| {
    if let Ok(leaf) = PublicLeaf::parse(data) {
        assert_eq!(leaf.to_bytes().unwrap(), data, "a leaf has one byte form");
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok((request, checkpoint)) = AddCheckpoint::parse(text) {
        let latest = Cosigned {
            size: request.old_size,
            root: checkpoint.checkpoint.root,
        };
        let _ = decide(None, &request, &checkpoint.checkpoint);
        let _ = decide(Some(latest), &request, &checkpoint.checkpoint);
    }
    if let Ok(handovers) = serde_json::from_str::<Vec<HandOver>>(text) {
        let origin = origin_for_chain(&genesis().chain_id);
        let _ = follow(&genesis().validators, &origin, Log::Ledger, &handovers);
        let _ = follow(&genesis().validators, &origin, Log::Public, &handovers);
    }
});
