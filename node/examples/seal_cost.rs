//! What SM4-GCM sealing costs per stored value: seals and opens values of the sizes the node
//! stores per transaction (entry ≈ 1 KiB, a block's share, state records) and prints µs per
//! operation and MB/s. A measuring tool, not a test:
//!
//! ```sh
//! cargo run -p gongxin-node --example seal_cost --release   # or without --release: the
//!                                                          # crypto crates are optimised anyway
//! ```

use std::time::Instant;

use gongxin_node::storage::seal::{Sealer, StorageKey};

#[allow(clippy::float_arithmetic)] // a report for people
fn main() {
    let sealer = Sealer::new(StorageKey::from_bytes([42; 16]), Vec::new());
    // Reference: SM3 of 1 KiB in the same build (≈ 4 µs when the crypto crates are optimised).
    let kib = vec![0x5a_u8; 1_024];
    let started = Instant::now();
    for _ in 0..10_000 {
        std::hint::black_box(gongxin_core::Hash::digest(&kib));
    }
    println!(
        "SM3 of 1 KiB: {:.2} µs (reference)\n",
        started.elapsed().as_secs_f64() * 1e6 / 10_000.0
    );
    println!("| value bytes | seal µs | open µs | seal MB/s |");
    println!("|---|---|---|---|");
    for size in [256usize, 1_024, 4_096, 65_536] {
        let value = vec![0x5a_u8; size];
        let rounds = (64 * 1024 * 1024 / size).clamp(1_000, 200_000);
        let started = Instant::now();
        let mut sealed = Vec::new();
        for i in 0..rounds {
            sealed = sealer
                .seal("entries", &(i as u64).to_be_bytes(), &value)
                .expect("seal");
        }
        let seal_s = started.elapsed().as_secs_f64();
        let key = ((rounds - 1) as u64).to_be_bytes();
        let started = Instant::now();
        for _ in 0..rounds {
            let opened = sealer.open("entries", &key, &sealed).expect("open");
            std::hint::black_box(opened);
        }
        let open_s = started.elapsed().as_secs_f64();
        println!(
            "| {size} | {:.2} | {:.2} | {:.0} |",
            seal_s * 1e6 / rounds as f64,
            open_s * 1e6 / rounds as f64,
            (size * rounds) as f64 / seal_s / 1e6
        );
    }
}
