//! Operations applied per second against the in-memory state: a realistic mix recorded once
//! from the test city (project set-up with its approvals, progress reports and reviews,
//! disbursement requests with their approvals, payments, rectification tasks and a share of
//! rejected attempts), replayed onto a fresh copy of the genesis state.
//!
//! Signatures are made while recording and are not part of the measurement: the node verifies
//! each once at admission, and `apply` never does.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use gongxin_contracts::testkit::*;
use gongxin_core::Hash;
use gongxin_core::model::Role::{Auditor, Director, SectionChief, Specialist};
use gongxin_core::model::*;

/// ¥ → fen.
const fn yuan(y: u64) -> u64 {
    y * 100
}

const PROJECTS: usize = 40;

fn record() -> Harness {
    let mut h = Harness::new();
    for i in 0..PROJECTS {
        let p = format!("B-{i:03}");
        h.project_in_progress(&p, yuan(5_000_000), yuan(4_000_000), i as u32 * 3);
        h.next_block(BLOCK_MS);
    }
    for round in 0..3u16 {
        h.next_block(20 * DAY_MS);
        for i in 0..PROJECTS {
            let p = format!("B-{i:03}");
            let r = format!("{p}-R{round}");
            h.ok(
                TRANSPORT,
                Specialist,
                Operation::ReportProgress(ProgressReport {
                    id: r.clone(),
                    project: p.clone(),
                    percent_bp: 3_000 * (round + 1),
                    milestone: None,
                    evidence_hash: Hash::digest(r.as_bytes()),
                    note: String::new(),
                }),
            );
            h.ok(
                TRANSPORT,
                Director,
                Operation::ReviewProgress {
                    report: r,
                    accepted: true,
                    note: String::new(),
                },
            );
            let d = format!("{p}-D{round}");
            h.ok_approved(
                TRANSPORT,
                Specialist,
                Operation::RequestDisbursement(DisbursementRequest {
                    id: d.clone(),
                    contract: format!("{p}-C"),
                    amount_fen: yuan(400_000),
                    milestone: None,
                    note: String::new(),
                }),
            );
            h.ok(
                FINANCE,
                Specialist,
                Operation::MarkDisbursementPaid {
                    disbursement: d,
                    voucher_ref: format!("V-{p}-{round}"),
                },
            );
            // An attempt that must fail (wrong role), as discipline inspection expects to see.
            h.submit(
                TRANSPORT,
                Auditor,
                Operation::MarkDisbursementPaid {
                    disbursement: format!("{p}-D{round}"),
                    voucher_ref: "X".into(),
                },
            );
            if i % 4 == 0 {
                let t = format!("{p}-T{round}");
                let deadline = h.ctx.time_ms + 10 * DAY_MS;
                h.ok(
                    AUDIT,
                    Auditor,
                    Operation::RaiseRectification(RectificationTask {
                        id: t.clone(),
                        project: Some(p.clone()),
                        title: "site safety".into(),
                        finding: "guard rails missing".into(),
                        responsible_department: TRANSPORT.into(),
                        responsible_person: h.city.public(TRANSPORT, SectionChief),
                        deadline_ms: deadline,
                        acceptance_standard: "rails installed".into(),
                        source_ref: String::new(),
                    }),
                );
                h.ok(
                    TRANSPORT,
                    SectionChief,
                    Operation::SubmitRectification {
                        task: t,
                        evidence_hash: Hash::ZERO,
                        note: String::new(),
                    },
                );
            }
        }
    }
    h
}

fn bench_apply(c: &mut Criterion) {
    let h = record();
    let mut check = h.genesis_state.clone();
    let (txs, rejected) = replay(&mut check, &h.journal);
    assert_eq!(
        check.digest(),
        h.state.digest(),
        "replay reproduces the state"
    );
    println!(
        "mix: {txs} transactions ({rejected} rejected) in {} blocks, {} state entries",
        h.ctx.height,
        h.state.len()
    );
    let mut group = c.benchmark_group("apply");
    group.throughput(Throughput::Elements(txs as u64));
    group.sample_size(10);
    group.bench_function("mixed_lifecycle_memory_state", |b| {
        b.iter_batched(
            || h.genesis_state.clone(),
            |mut state| replay(&mut state, &h.journal),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench_apply);
criterion_main!(benches);
