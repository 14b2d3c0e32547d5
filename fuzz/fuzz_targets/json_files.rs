//! The JSON files people hand to gongxin: a genesis (every node and verifier reads one) and a
//! key file (the CLI, the console's sign-in). Nothing panics; a genesis that loads has a
//! validator set that answers its quorum questions.
#![no_main]

use gongxin_core::crypto::KeyFile;
use gongxin_core::genesis::Genesis;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(genesis) = Genesis::from_json(text) {
        let quorum = genesis.validators.quorum_power();
        assert!(genesis.validators.is_quorum(quorum));
        let _ = genesis.hash();
    }
    if let Ok(file) = KeyFile::from_json(text) {
        let _ = file.keypair();
    }
});
