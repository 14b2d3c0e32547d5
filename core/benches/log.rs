//! Micro-benchmarks of the ledger log at a realistic size: appending to a warm 1,000,000-leaf
//! log (leaf hash + frontier push, what every committed entry costs the node), serving proofs
//! from a 1,000,000-leaf `MemoryLog` (the node reads the same O(log n) nodes from RocksDB), and
//! verifying them (what an auditor pays per proof).
//! Run: `cargo bench -p gongxin-core --bench log`.
//!
//! The size is deliberately not a power of two, so proofs include the recomputed right edge.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gongxin_core::Hash;
use gongxin_core::log::{self, Frontier, MemoryLog};

/// Leaves in the benchmark log.
const LOG_SIZE: u64 = 1_000_000;
/// Bytes per entry: a canonical transaction with its outcome and height is a few hundred bytes.
const ENTRY_BYTES: usize = 256;
/// Precomputed proofs the verification benchmarks cycle through.
const PROOFS: usize = 1024;

/// An entry whose first 8 bytes are its index, so every leaf differs.
fn entry(i: u64) -> Vec<u8> {
    let mut bytes = vec![0x5a; ENTRY_BYTES];
    bytes[..8].copy_from_slice(&i.to_le_bytes());
    bytes
}

/// SplitMix64: a deterministic spread of leaf indices and tree sizes, so proofs do not all hit
/// the same nodes, without pulling a RNG into the benchmark.
fn spread(i: u64) -> u64 {
    let mut z = i.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn build_log() -> MemoryLog {
    let mut log = MemoryLog::new();
    for i in 0..LOG_SIZE {
        log.append(&entry(i));
    }
    log
}

fn benches(c: &mut Criterion) {
    let memory_log = build_log();
    let root = memory_log.root();

    let mut group = c.benchmark_group("log");
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    group.throughput(Throughput::Elements(1));

    // Append: the warm frontier of the 1M-leaf log; each iteration hashes a fresh entry and
    // pushes it (the log grows by a few million leaves during the run, which does not change
    // the O(log n) cost).
    let mut frontier = Frontier::from_source(&memory_log, LOG_SIZE).expect("size within the log");
    let mut next = entry(LOG_SIZE);
    let mut counter = LOG_SIZE;
    group.bench_function("append_256B_entry", |b| {
        b.iter(|| {
            counter += 1;
            next[..8].copy_from_slice(&counter.to_le_bytes());
            let leaf = log::leaf_hash(black_box(&next));
            black_box(frontier.push(leaf).expect("far from full"))
        })
    });

    let mut i = 0u64;
    group.bench_function("inclusion_proof_1M", |b| {
        b.iter(|| {
            i += 1;
            let index = spread(i) % LOG_SIZE;
            log::inclusion_proof(&memory_log, black_box(index), black_box(LOG_SIZE))
                .expect("in range")
        })
    });

    let mut i = 0u64;
    group.bench_function("consistency_proof_1M", |b| {
        b.iter(|| {
            i += 1;
            let first = 1 + spread(i) % (LOG_SIZE - 1);
            log::consistency_proof(&memory_log, black_box(first), black_box(LOG_SIZE))
                .expect("in range")
        })
    });

    let mut i = 0u64;
    group.bench_function("root_at_historic", |b| {
        b.iter(|| {
            i += 1;
            let size = 1 + spread(i) % LOG_SIZE;
            log::root_at(&memory_log, black_box(size)).expect("in range")
        })
    });

    let inclusion: Vec<(Hash, u64, Vec<Hash>)> = (0..PROOFS as u64)
        .map(|i| {
            let index = spread(i) % LOG_SIZE;
            let leaf = log::leaf_hash(&entry(index));
            let path = log::inclusion_proof(&memory_log, index, LOG_SIZE).expect("in range");
            (leaf, index, path)
        })
        .collect();
    let mut proofs = inclusion.iter().cycle();
    group.bench_function("verify_inclusion_1M", |b| {
        b.iter(|| {
            let (leaf, index, path) = proofs.next().expect("cycle is endless");
            log::verify_inclusion(leaf, *index, LOG_SIZE, black_box(path), &root)
                .expect("valid proof")
        })
    });

    let consistency: Vec<(u64, Hash, Vec<Hash>)> = (0..PROOFS as u64)
        .map(|i| {
            let first = 1 + spread(i) % (LOG_SIZE - 1);
            let first_root = memory_log.root_at(first).expect("in range");
            let path = log::consistency_proof(&memory_log, first, LOG_SIZE).expect("in range");
            (first, first_root, path)
        })
        .collect();
    let mut proofs = consistency.iter().cycle();
    group.bench_function("verify_consistency_1M", |b| {
        b.iter(|| {
            let (first, first_root, path) = proofs.next().expect("cycle is endless");
            log::verify_consistency(*first, LOG_SIZE, first_root, &root, black_box(path))
                .expect("valid proof")
        })
    });

    group.finish();
}

criterion_group!(log_benches, benches);
criterion_main!(log_benches);
