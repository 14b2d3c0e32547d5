//! Sealing stored values with SM4-GCM (`storage::seal`): what each value a commit writes costs,
//! for the sizes a block writes (index records of a few dozen bytes, records and entries of a
//! few hundred). Run: `cargo bench -p gongxin-node --bench seal`.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use gongxin_node::storage::seal::{Sealer, StorageKey};

fn seal(c: &mut Criterion) {
    let sealer = Sealer::new(StorageKey::from_bytes([7; 16]), Vec::new());
    let key = b"project/SC-2026-0001/history/0000000042";
    let mut group = c.benchmark_group("seal");
    for size in [0usize, 48, 512, 4096] {
        let value = vec![0x5au8; size];
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::from_parameter(size), &value, |b, value| {
            b.iter(|| {
                sealer
                    .seal("state", black_box(key), black_box(value))
                    .unwrap()
            })
        });
    }
    group.finish();
    let mut group = c.benchmark_group("open");
    for size in [48usize, 512] {
        let sealed = sealer.seal("state", key, &vec![0x5au8; size]).unwrap();
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::from_parameter(size), &sealed, |b, sealed| {
            b.iter(|| {
                sealer
                    .open("state", black_box(key), black_box(sealed))
                    .unwrap()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, seal);
criterion_main!(benches);
