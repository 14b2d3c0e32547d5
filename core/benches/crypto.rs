//! Micro-benchmarks of the primitives that bound the node's throughput: SM3, ed25519 and SM2
//! signing and verification (one by one and batched), and a whole transaction check.
//! Run: `cargo bench -p gongxin-core --bench crypto`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use gongxin_core::Hash;
use gongxin_core::crypto::{Algorithm, BatchItem, Keypair, PublicKey, Signature, verify_batch};
use gongxin_core::model::Operation;
use gongxin_core::tx::{ReplayGuard, TxBody};

fn sm3(c: &mut Criterion) {
    let mut group = c.benchmark_group("sm3");
    for size in [64usize, 256, 4096] {
        let data = vec![0xa5u8; size];
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::from_parameter(size), &data, |b, data| {
            b.iter(|| Hash::digest(black_box(data)))
        });
    }
    group.finish();
}

fn signatures(c: &mut Criterion) {
    let message = vec![0x5au8; 256];
    for algorithm in [Algorithm::Ed25519, Algorithm::Sm2] {
        let mut group = c.benchmark_group(format!("{algorithm}"));
        group.throughput(Throughput::Elements(1));
        let key = Keypair::from_secret_bytes(algorithm, &[9; 32]).unwrap();
        let public = key.public_key();
        let signature = key.sign(&message);
        group.bench_function("sign", |b| b.iter(|| key.sign(black_box(&message))));
        group.bench_function("verify", |b| {
            b.iter(|| {
                public
                    .verify(black_box(&message), black_box(&signature))
                    .unwrap()
            })
        });
        group.finish();
    }
}

fn batches(c: &mut Criterion) {
    const BATCH: usize = 256;
    let mut group = c.benchmark_group("verify_batch");
    for algorithm in [Algorithm::Ed25519, Algorithm::Sm2] {
        let keys: Vec<Keypair> = (0..BATCH)
            .map(|i| {
                // Distinct seeds for any batch size (a u8 counter would overflow at 256).
                let mut seed = [1u8; 32];
                seed[..8].copy_from_slice(&(i as u64).to_be_bytes());
                Keypair::from_secret_bytes(algorithm, &seed).unwrap()
            })
            .collect();
        let messages: Vec<Vec<u8>> = (0..BATCH)
            .map(|i| format!("tx {i}").repeat(20).into_bytes())
            .collect();
        let publics: Vec<PublicKey> = keys.iter().map(Keypair::public_key).collect();
        let signatures: Vec<Signature> =
            keys.iter().zip(&messages).map(|(k, m)| k.sign(m)).collect();
        let items: Vec<BatchItem<'_>> = (0..BATCH)
            .map(|i| BatchItem {
                key: &publics[i],
                message: &messages[i],
                signature: &signatures[i],
            })
            .collect();
        group.throughput(Throughput::Elements(BATCH as u64));
        group.bench_function(BenchmarkId::new(algorithm.as_str(), BATCH), |b| {
            b.iter(|| {
                let verdicts = verify_batch(black_box(&items));
                assert!(verdicts.iter().all(Result::is_ok));
            })
        });
    }
    // dalek's batch equation alone, without our small-order pre-checks, to show their cost.
    let keys: Vec<ed25519_dalek::SigningKey> = (0..BATCH)
        .map(|i| {
            let mut seed = [2u8; 32];
            seed[..8].copy_from_slice(&(i as u64).to_be_bytes());
            ed25519_dalek::SigningKey::from_bytes(&seed)
        })
        .collect();
    let messages: Vec<Vec<u8>> = (0..BATCH)
        .map(|i| format!("tx {i}").repeat(20).into_bytes())
        .collect();
    let message_refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
    let signatures: Vec<ed25519_dalek::Signature> = keys
        .iter()
        .zip(&messages)
        .map(|(k, m)| ed25519_dalek::Signer::sign(k, m))
        .collect();
    let verifying: Vec<ed25519_dalek::VerifyingKey> =
        keys.iter().map(|k| k.verifying_key()).collect();
    group.bench_function(BenchmarkId::new("ed25519-dalek-raw", BATCH), |b| {
        b.iter(|| {
            ed25519_dalek::verify_batch(black_box(&message_refs), &signatures, &verifying).unwrap()
        })
    });
    group.finish();
}

fn transaction(c: &mut Criterion) {
    let mut group = c.benchmark_group("tx");
    group.throughput(Throughput::Elements(1));
    let key = Keypair::from_secret_bytes(Algorithm::Ed25519, &[3; 32]).unwrap();
    let tx = TxBody {
        chain_id: "bench".into(),
        signer: key.public_key(),
        replay: ReplayGuard {
            nonce: 1,
            valid_until_height: 10,
        },
        operation: Operation::ApproveProject {
            project: "SC-2026-001".into(),
        },
    }
    .sign(&key);
    let bytes = tx.to_bytes();
    group.bench_function("decode+verify(ed25519)", |b| {
        b.iter(|| {
            let tx = gongxin_core::tx::SignedTx::from_bytes(black_box(&bytes)).unwrap();
            tx.verify("bench").unwrap()
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = sm3, signatures, batches, transaction
}
criterion_main!(benches);
