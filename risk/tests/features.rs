//! The model's features against projects whose figures are counted by hand, and the scores'
//! determinism.
#![allow(clippy::float_arithmetic)]

use gongxin_contracts::testkit::{AUDIT, DAY_MS, FINANCE, Harness, TRANSPORT};
use gongxin_core::Hash;
use gongxin_core::model::Role::{Auditor, Director, SectionChief, Specialist};
use gongxin_core::model::*;
use gongxin_risk::features::{Feature, FeatureVector, describe, history_of, read_projects};
use gongxin_risk::score::score_open_projects;
use gongxin_risk::{LoadedModel, training};

const BUDGET_FEN: u64 = 500_000_000; // ¥5,000,000
const CONTRACT_FEN: u64 = 400_000_000;

fn report(h: &mut Harness, project: &str, n: u32, percent_bp: u16) {
    let id = format!("{project}-R{n}");
    h.ok(
        TRANSPORT,
        Specialist,
        Operation::ReportProgress(ProgressReport {
            id: id.clone(),
            project: project.into(),
            percent_bp,
            milestone: None,
            evidence_hash: Hash::digest(id.as_bytes()),
            note: String::new(),
        }),
    );
    h.ok(
        TRANSPORT,
        Director,
        Operation::ReviewProgress {
            report: id,
            accepted: true,
            note: String::new(),
        },
    );
}

fn request_payment(h: &mut Harness, project: &str, id: &str, amount_fen: u64) {
    h.ok_approved(
        TRANSPORT,
        Specialist,
        Operation::RequestDisbursement(DisbursementRequest {
            id: id.into(),
            contract: format!("{project}-C"),
            amount_fen,
            milestone: None,
            note: String::new(),
        }),
    );
}

fn pay(h: &mut Harness, id: &str) {
    h.ok(
        FINANCE,
        Specialist,
        Operation::MarkDisbursementPaid {
            disbursement: id.into(),
            voucher_ref: format!("V-{id}"),
        },
    );
}

fn accept(h: &mut Harness, project: &str) {
    report(h, project, 99, 10_000);
    h.ok_approved(
        TRANSPORT,
        SectionChief,
        Operation::RequestAcceptance {
            project: project.into(),
        },
    );
    h.ok_approved(
        TRANSPORT,
        Director,
        Operation::RecordAcceptance(AcceptanceRecord {
            project: project.into(),
            passed: true,
            committee: vec!["专家甲".into()],
            document_hash: Hash::digest(project.as_bytes()),
            note: String::new(),
        }),
    );
}

/// Two earlier projects (P-0 by contractor 10, accepted 5 days late; P-00 by contractor 40, on
/// time), then P-1 by contractor 10 with a ten-day extension, a slow start, an unpaid payment
/// and a rectification task left open past its deadline. Returns the harness and P-1's start.
fn city() -> (Harness, u64) {
    let mut h = Harness::new();
    h.project_in_progress("P-0", BUDGET_FEN, CONTRACT_FEN, 10);
    h.project_in_progress("P-00", BUDGET_FEN, CONTRACT_FEN, 40);
    h.advance_days(100);
    accept(&mut h, "P-00");
    h.advance_days(25);
    accept(&mut h, "P-0");
    h.advance_days(1);

    let t0 = h.ctx.time_ms;
    h.project_in_progress("P-1", BUDGET_FEN, CONTRACT_FEN, 10);
    // Day 0: the 10 % advance, paid on day 12.
    request_payment(&mut h, "P-1", "P-1-D1", CONTRACT_FEN / 10);
    h.advance_days(10);
    // Day 10: audit raises a task due on day 30 that nobody closes.
    let person = h.city.public(TRANSPORT, Specialist);
    h.ok(
        AUDIT,
        Auditor,
        Operation::RaiseRectification(RectificationTask {
            id: "P-1-T1".into(),
            project: Some("P-1".into()),
            title: "安全隐患整改".into(),
            finding: "临边防护缺失".into(),
            responsible_department: TRANSPORT.into(),
            responsible_person: person,
            deadline_ms: t0 + 30 * DAY_MS,
            acceptance_standard: "复查无隐患".into(),
            source_ref: String::new(),
        }),
    );
    h.advance_days(2);
    pay(&mut h, "P-1-D1");
    h.advance_days(8);
    // Day 20: a change order moves the end by ten days.
    h.ok_approved(
        TRANSPORT,
        SectionChief,
        Operation::RequestChangeOrder(ChangeOrder {
            id: "P-1-CO1".into(),
            contract: "P-1-C".into(),
            amount_delta_fen: 0,
            schedule_delta_days: 10,
            reason: "管线迁改".into(),
            document_hash: Hash::digest(b"CO1"),
        }),
    );
    h.advance_days(20);
    // Day 40: 30 % accepted, which reaches the first milestone (20 % of the contract).
    report(&mut h, "P-1", 1, 3_000);
    h.advance_days(10);
    // Day 50: that milestone's payment, still unpaid on day 60.
    request_payment(&mut h, "P-1", "P-1-D2", CONTRACT_FEN / 5);
    h.advance_days(10);
    assert_eq!(h.ctx.time_ms, t0 + 60 * DAY_MS);
    (h, t0)
}

fn features_of(h: &Harness, project: &str, as_of: u64) -> FeatureVector {
    let projects = read_projects(&h.state).unwrap();
    let history = history_of(&projects);
    let facts = projects.iter().find(|p| p.project.id == project).unwrap();
    describe(&h.state, facts, &history, as_of)
        .unwrap()
        .expect("the project exists then")
        .features
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn features_of_a_project_counted_by_hand() {
    let (h, t0) = city();
    let x = features_of(&h, "P-1", t0 + 60 * DAY_MS);
    let f = |feature: Feature| x[feature.index()];
    // Planned end moved to day 130: 60/130 = 46.15 % expected (bp, rounded down), 30 % accepted.
    assert!(close(f(Feature::ScheduleGap), 16.15), "{x:?}");
    assert!(close(f(Feature::ElapsedShare), 50.0), "{x:?}");
    assert!(close(f(Feature::ScheduleExtension), 10.0), "{x:?}");
    assert!(close(f(Feature::ChangeOrders), 1.0), "{x:?}");
    // The advance waited 12 days, the second payment 10 so far.
    assert!(close(f(Feature::PaymentLag), 11.0), "{x:?}");
    // The open task (the milestones are reached or not yet due).
    assert!(close(f(Feature::OverdueItems), 1.0), "{x:?}");
    // One late project of two before: prior 50 %. Contractor 10 has P-0 (late): (1 + 3 × 0.5) /
    // (1 + 3). Department and category have both: (1 + 1.5) / (2 + 3).
    assert!(close(f(Feature::ContractorLateRate), 62.5), "{x:?}");
    assert!(close(f(Feature::DepartmentLateRate), 50.0), "{x:?}");
    assert!(close(f(Feature::CategoryLateRate), 50.0), "{x:?}");
    assert!(
        close(f(Feature::BudgetSize), (5_000_000f64).log10()),
        "{x:?}"
    );
}

#[test]
fn features_as_of_an_earlier_moment_see_nothing_that_came_later() {
    let (h, t0) = city();
    let x = features_of(&h, "P-1", t0 + 30 * DAY_MS);
    let f = |feature: Feature| x[feature.index()];
    // Day 30: the change order is executed, nothing is accepted yet (30/130 expected).
    assert!(close(f(Feature::ScheduleGap), 23.07), "{x:?}");
    assert!(close(f(Feature::ElapsedShare), 25.0), "{x:?}");
    assert!(close(f(Feature::ChangeOrders), 1.0), "{x:?}");
    // Only the advance, paid after 12 days; the day-50 request is not there yet.
    assert!(close(f(Feature::PaymentLag), 12.0), "{x:?}");
    // The milestone and the task fall due on day 30: not yet past.
    assert!(close(f(Feature::OverdueItems), 0.0), "{x:?}");
    // Before P-1 existed there is nothing to describe.
    let projects = read_projects(&h.state).unwrap();
    let facts = projects.iter().find(|p| p.project.id == "P-1").unwrap();
    assert!(
        describe(&h.state, facts, &history_of(&projects), t0 - DAY_MS)
            .unwrap()
            .is_none()
    );
}

#[test]
fn late_is_acceptance_after_the_original_planned_end_and_history_excludes_later_finishes() {
    let (h, t0) = city();
    let projects = read_projects(&h.state).unwrap();
    let history = history_of(&projects);
    let outcomes: Vec<(&str, bool)> = history
        .finished()
        .iter()
        .map(|f| (f.project.as_str(), f.late))
        .collect();
    assert_eq!(outcomes, [("P-00", false), ("P-0", true)]);
    // As of P-0's own start nothing had finished: every rate is the empty-ledger prior.
    let x = features_of(&h, "P-0", t0 - 120 * DAY_MS);
    assert!(close(x[Feature::ContractorLateRate.index()], 30.0), "{x:?}");
    // Training rows: P-0 and P-00 at 25, 50 and 75 % of their plan; P-1 is not finished.
    let rows = training::rows(&h.state).unwrap();
    let labels: Vec<(&str, bool)> = rows.iter().map(|r| (r.project.as_str(), r.late)).collect();
    assert_eq!(
        labels,
        [
            ("P-0", true),
            ("P-0", true),
            ("P-0", true),
            ("P-00", false),
            ("P-00", false),
            ("P-00", false)
        ]
    );
}

#[test]
fn the_same_height_and_model_give_the_same_scores_with_their_factors() {
    let (h, t0) = city();
    let model = LoadedModel::builtin();
    let now = t0 + 60 * DAY_MS;
    let a = score_open_projects(&h.state, model, now).unwrap();
    let b = score_open_projects(&h.state.clone(), model, now).unwrap();
    assert_eq!(
        serde_json::to_vec(&a).unwrap(),
        serde_json::to_vec(&b).unwrap()
    );
    // Only P-1 is open; its answer names the model and explains itself in Chinese.
    assert_eq!(a.len(), 1);
    let risk = &a[0];
    assert_eq!(risk.project, "P-1");
    assert_eq!(risk.model.sm3, model.sm3);
    assert_eq!(risk.factors.len(), Feature::ALL.len());
    assert!(
        risk.summary_zh.starts_with("延期风险 "),
        "{}",
        risk.summary_zh
    );
    let gap = risk
        .factors
        .iter()
        .find(|f| f.feature == Feature::ScheduleGap)
        .unwrap();
    assert_eq!(gap.text_zh, "验收进度落后计划 16 个百分点");
    // The probability is the model's own answer for these features.
    let x = features_of(&h, "P-1", now);
    let p = model.model.explain(&x).probability;
    assert_eq!(risk.probability_bp, (p * 10_000.0).round() as u16);
}

#[test]
fn a_project_past_its_original_end_and_not_accepted_is_late_whatever_the_model_says() {
    let (h, t0) = city();
    // P-1 was planned to end on day 120.
    let risks = score_open_projects(&h.state, LoadedModel::builtin(), t0 + 125 * DAY_MS).unwrap();
    let risk = risks.iter().find(|r| r.project == "P-1").unwrap();
    assert_eq!(risk.probability_bp, 10_000);
    assert_eq!(
        risk.summary_zh,
        "已延期：超过原计划完工日期 5 天仍未通过验收"
    );
    assert_eq!(risk.factors.len(), Feature::ALL.len());
}
