//! What the console's 仪表盘 (`GET /v1/dashboard`) costs at N projects: builds a state of N
//! projects through the rules engine (2 line departments, 3 programmes, stages spread from
//! proposed to in progress with contracts, payments and progress reports, and rectification
//! tasks), stores it in a sealed RocksDB database as a node does, then times
//!
//! - **a request**: the handler's work on a cached snapshot — merging the departments the
//!   reader may see and the JSON of the answer — for a reader who sees every department and for
//!   one who sees their own, 2,000 times each (p50 / p99 / max);
//! - **a refresh**: computing the snapshot (the figures, then every open project's delay risk)
//!   from the stored state, which the gateway does in the
//!   background at most once per `REFRESH_INTERVAL_MS` and only when the tip has moved (5 runs).
//!
//! A measuring tool, not a test:
//!
//! ```sh
//! cargo run --release -p gongxin-node --example dashboard_cost -- 10000
//! ```

use std::time::Instant;

use gongxin_contracts::dashboard::{DashboardView, department_figures};
use gongxin_contracts::testkit::{
    City, ECOLOGY, Harness, TRANSPORT, award, budget, contract, procurement, proposal,
};
use gongxin_core::Hash;
use gongxin_core::model::{Operation, ProgressReport, RectificationTask, Role};
use gongxin_node::chain::CommittedState;
use gongxin_node::storage::Store;

mod support;

const PROGRAMMES: [&str; 3] = ["SC-2026", "RIVER-2026", "ROADS-2027"];
const REQUESTS: usize = 2_000;
const REFRESHES: usize = 5;
const DAY_MS: u64 = 86_400_000;

/// Moves project `i` along the lifecycle: every 2nd budgeted, every 4th contracted and under
/// way with a progress report, every 8th of those paid.
fn advance(h: &mut Harness, i: usize, id: &str, dept: &str, start: u64) {
    h.ok(
        dept,
        Role::Director,
        Operation::ApproveProject { project: id.into() },
    );
    if !i.is_multiple_of(2) {
        return;
    }
    h.ok(
        "finance",
        Role::SectionChief,
        Operation::ApproveBudget(budget(id, 5_000_000)),
    );
    if !i.is_multiple_of(4) {
        return;
    }
    h.ok(
        dept,
        Role::Specialist,
        Operation::StartProcurement(procurement(id)),
    );
    h.ok(
        dept,
        Role::SectionChief,
        Operation::AwardProcurement(award(id, i as u32, 4_000_000)),
    );
    let contract_id = format!("{id}-C");
    h.ok(
        dept,
        Role::Director,
        Operation::SignContract(contract(&contract_id, id, i as u32, 4_000_000, start)),
    );
    h.ok(
        dept,
        Role::SectionChief,
        Operation::StartImplementation { project: id.into() },
    );
    let report = format!("{id}-R1");
    h.ok(
        dept,
        Role::Specialist,
        Operation::ReportProgress(ProgressReport {
            id: report.clone(),
            project: id.into(),
            percent_bp: 4_000,
            milestone: None,
            evidence_hash: Hash::digest(report.as_bytes()),
            note: String::new(),
        }),
    );
    h.ok(
        dept,
        Role::Director,
        Operation::ReviewProgress {
            report,
            accepted: true,
            note: String::new(),
        },
    );
}

/// A store holding `n` projects and `n / 10` rectification tasks, built by the rules.
fn build(n: usize, dir: &std::path::Path) -> Store {
    let mut h = Harness::with_city(City::with_policies(Vec::new()));
    let start = h.ctx.time_ms;
    for i in 0..n {
        let dept = if i.is_multiple_of(2) {
            TRANSPORT
        } else {
            ECOLOGY
        };
        let id = format!("P-{i:07}");
        let mut p = proposal(&id, 5_000_000, start, start + 120 * DAY_MS);
        p.programme = Some(PROGRAMMES[i % 3].to_owned());
        h.ok(dept, Role::Specialist, Operation::ProposeProject(p));
        if i % 3 != 2 {
            advance(&mut h, i, &id, dept, start);
        }
    }
    let officer = h.city.public(ECOLOGY, Role::Specialist);
    // Deadlines 1–60 days after the chain's clock (the rules refuse a past one); against the
    // wall clock the figures are computed at, most are overdue.
    let now = h.ctx.time_ms;
    for t in 0..n / 10 {
        h.ok(
            "audit",
            Role::Auditor,
            Operation::RaiseRectification(RectificationTask {
                id: format!("T-{t:06}"),
                project: None,
                title: format!("measure {t}"),
                finding: "finding".into(),
                responsible_department: ECOLOGY.into(),
                responsible_person: officer,
                deadline_ms: now + (1 + t as u64 % 60) * DAY_MS,
                acceptance_standard: "standard".into(),
                source_ref: "inspection".into(),
            }),
        );
    }
    support::store_of(&h.state, dir)
}

fn main() {
    let sizes = support::sizes_from_args(&[10_000]);
    println!("| projects | work | p50 ms | p99 ms | max ms |");
    println!("|---|---|---|---|---|");
    for n in sizes {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = build(n, &dir.path().join("data"));
        let state = CommittedState::new(&store);
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_millis() as u64;
        let mut refreshes = Vec::with_capacity(REFRESHES);
        let mut figures = None;
        for _ in 0..REFRESHES {
            let started = Instant::now();
            figures = Some(department_figures(&state, now_ms).expect("figures"));
            refreshes.push(started.elapsed());
        }
        let figures = figures.expect("at least one refresh");
        for (who, only) in [
            ("every department", None),
            ("own department", Some(ECOLOGY)),
        ] {
            let mut times = Vec::with_capacity(REQUESTS);
            for _ in 0..REQUESTS {
                let started = Instant::now();
                let visible = figures
                    .iter()
                    .filter(|(id, _)| only.is_none_or(|d| id.as_str() == d));
                let view = DashboardView::merge(visible, now_ms);
                let body = serde_json::to_vec(&view).expect("json");
                times.push(started.elapsed());
                std::hint::black_box(body);
            }
            println!(
                "| {n} | request, reader sees {who} | {} |",
                support::percentiles(times)
            );
        }
        println!(
            "| {n} | refresh: department figures | {} |",
            support::percentiles(refreshes)
        );
        // The same refresh also scores every contracted or in-progress project's delay risk.
        let model = gongxin_risk::LoadedModel::builtin();
        let mut scorings = Vec::with_capacity(REFRESHES);
        for _ in 0..REFRESHES {
            let started = Instant::now();
            let risks = gongxin_risk::score_open_projects(&state, model, now_ms).expect("risks");
            scorings.push(started.elapsed());
            std::hint::black_box(risks);
        }
        println!(
            "| {n} | refresh: delay risk of the scored projects | {} |",
            support::percentiles(scorings)
        );
    }
}
