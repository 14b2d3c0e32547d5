//! Seed case 1: a city's smart-city programme of 120 sub-projects on one ledger, through the
//! full lifecycle, with every payment tied to accepted progress and a health score per project
//! per quarter.
//!
//! Three in four projects keep to plan; every fourth lags by ten to fifteen points each quarter
//! and catches up at the end. One project tries to pay ahead of progress (rejected, alert on
//! record) and one gets a rectification task it answers late.

use gongxin_contracts::events::{AlertKind, Event};
use gongxin_contracts::health::Quarter;
use gongxin_contracts::queries::{self, ProjectFilter};
use gongxin_contracts::testkit::*;
use gongxin_core::Hash;
use gongxin_core::model::Role::{Auditor, Director, SectionChief, Specialist};
use gongxin_core::model::*;

const PROJECTS: usize = 120;
const PROGRAMME: &str = "SC-2026";

fn id(i: usize) -> String {
    format!("SC-2026-{i:03}")
}

fn owner(i: usize) -> &'static str {
    if i.is_multiple_of(3) {
        ECOLOGY
    } else {
        TRANSPORT
    }
}

fn lagging(i: usize) -> bool {
    i.is_multiple_of(4)
}

/// Budgets from ¥500,000 to about ¥20,000,000, so every policy threshold is crossed by some.
fn budget_fen(i: usize) -> u64 {
    (500_000 + (i as u64 * 7_919 % 120) * 160_000) * 100
}

fn contract_fen(i: usize) -> u64 {
    budget_fen(i) / 100 * 90
}

/// Milestones at 25, 50, 75 and 100 % progress, due at the end of each quarter (days 85, 176,
/// 267 and 358), paying 20, 20, 20 and 30 % after a 10 % advance.
fn milestones(start_ms: u64) -> Vec<PaymentMilestone> {
    [
        (2_500, 2_000, 85),
        (5_000, 2_000, 176),
        (7_500, 2_000, 267),
        (10_000, 3_000, 358),
    ]
    .iter()
    .enumerate()
    .map(|(k, (progress_bp, share_bp, day))| PaymentMilestone {
        name: format!("phase {}", k + 1),
        progress_bp: *progress_bp,
        share_bp: *share_bp,
        due_ms: start_ms + day * DAY_MS,
    })
    .collect()
}

struct City {
    h: Harness,
    start_ms: u64,
    paid: Vec<u64>,
    disbursements: Vec<u32>,
}

impl City {
    fn set_up(&mut self, i: usize) {
        let p = id(i);
        let dept = owner(i);
        let mut proposal = proposal(
            &p,
            budget_fen(i),
            self.start_ms,
            self.start_ms + 360 * DAY_MS,
        );
        proposal.programme = Some(PROGRAMME.into());
        proposal.category = if dept == ECOLOGY {
            "smart-city/environment-monitoring".into()
        } else {
            "smart-city/traffic".into()
        };
        let h = &mut self.h;
        h.ok_approved(dept, Specialist, Operation::ProposeProject(proposal));
        h.ok_approved(
            dept,
            Director,
            Operation::ApproveProject { project: p.clone() },
        );
        h.ok_approved(
            FINANCE,
            SectionChief,
            Operation::ApproveBudget(budget(&p, budget_fen(i))),
        );
        h.ok_approved(
            dept,
            Specialist,
            Operation::StartProcurement(procurement(&p)),
        );
        h.ok_approved(
            dept,
            SectionChief,
            Operation::AwardProcurement(award(&p, i as u32 * 10, contract_fen(i))),
        );
        let mut c = contract(
            &format!("{p}-C"),
            &p,
            i as u32 * 10,
            contract_fen(i),
            self.start_ms,
        );
        c.milestones = milestones(self.start_ms);
        h.ok_approved(dept, Director, Operation::SignContract(c));
        h.ok_approved(
            dept,
            SectionChief,
            Operation::StartImplementation { project: p },
        );
    }

    fn pay(&mut self, i: usize, amount: u64) {
        let p = id(i);
        self.disbursements[i] += 1;
        let d = format!("{p}-D{}", self.disbursements[i]);
        self.h.ok_approved(
            owner(i),
            Specialist,
            Operation::RequestDisbursement(DisbursementRequest {
                id: d.clone(),
                contract: format!("{p}-C"),
                amount_fen: amount,
                milestone: None,
                note: String::new(),
            }),
        );
        self.h.ok(
            FINANCE,
            Specialist,
            Operation::MarkDisbursementPaid {
                disbursement: d,
                voucher_ref: format!("V-{p}-{}", self.disbursements[i]),
            },
        );
        self.paid[i] += amount;
    }

    fn report(&mut self, i: usize, quarter: usize, percent_bp: u16) {
        let p = id(i);
        let r = format!("{p}-R{quarter}");
        self.h.ok(
            owner(i),
            Specialist,
            Operation::ReportProgress(ProgressReport {
                id: r.clone(),
                project: p,
                percent_bp,
                milestone: None,
                evidence_hash: Hash::digest(r.as_bytes()),
                note: String::new(),
            }),
        );
        self.h.ok(
            owner(i),
            Director,
            Operation::ReviewProgress {
                report: r,
                accepted: true,
                note: String::new(),
            },
        );
    }

    /// Pays whatever accepted progress now allows beyond what was paid.
    fn pay_what_progress_allows(&mut self, i: usize) {
        let view = queries::project(&self.h.state, &id(i), self.h.ctx.time_ms)
            .unwrap()
            .unwrap();
        let due =
            view.totals.payable_fen - view.totals.disbursed_fen - view.totals.approved_unpaid_fen;
        if due > 0 {
            self.pay(i, due);
        }
    }

    /// Moves to `day` after the start, one block per day, returning the sweeps' events.
    fn until_day(&mut self, day: u64) -> Vec<Event> {
        let target = self.start_ms + day * DAY_MS;
        let mut events = Vec::new();
        while self.h.ctx.time_ms + DAY_MS <= target {
            events.extend(self.h.next_block(DAY_MS));
        }
        events
    }
}

fn overdue_milestone_projects(events: &[Event]) -> Vec<String> {
    let mut out: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            Event::Alert(a) if matches!(a.kind, AlertKind::MilestoneOverdue { .. }) => {
                a.project.clone()
            }
            _ => None,
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Q2: inspection raises a rectification on project 3 (due in 30 days), answered late.
fn raise_rectification(city: &mut City) {
    let responsible = city.h.city.public(owner(3), Specialist);
    let deadline = city.h.ctx.time_ms + 30 * DAY_MS;
    city.h.ok(
        AUDIT,
        Auditor,
        Operation::RaiseRectification(RectificationTask {
            id: "RECT-SC-003".into(),
            project: Some(id(3)),
            title: "sensor data not shared with the city platform".into(),
            finding: "the contractor keeps raw data on its own servers".into(),
            responsible_department: owner(3).into(),
            responsible_person: responsible,
            deadline_ms: deadline,
            acceptance_standard: "data feed live for 14 days".into(),
            source_ref: "审计 2026-Q2-07".into(),
        }),
    );
}

#[test]
fn a_smart_city_programme_of_120_projects() {
    let h = Harness::new();
    let start_ms = h.ctx.time_ms;
    let mut city = City {
        h,
        start_ms,
        paid: vec![0; PROJECTS],
        disbursements: vec![0; PROJECTS],
    };

    // January: 立项, budgets, procurement, contracts, twenty projects a day.
    for i in 0..PROJECTS {
        if i % 20 == 0 {
            city.h.next_block(DAY_MS);
        }
        city.set_up(i);
    }
    let page1 = queries::list_projects(
        &city.h.state,
        &ProjectFilter {
            programme: Some(PROGRAMME.into()),
            ..Default::default()
        },
        None,
        50,
    )
    .unwrap();
    let page2 = queries::list_projects(
        &city.h.state,
        &ProjectFilter {
            programme: Some(PROGRAMME.into()),
            ..Default::default()
        },
        page1.next.as_deref(),
        50,
    )
    .unwrap();
    let page3 = queries::list_projects(
        &city.h.state,
        &ProjectFilter {
            programme: Some(PROGRAMME.into()),
            stage: Some(ProjectStage::InProgress),
            ..Default::default()
        },
        page2.next.as_deref(),
        50,
    )
    .unwrap();
    assert_eq!(
        page1.items.len() + page2.items.len() + page3.items.len(),
        PROJECTS
    );
    assert!(page3.next.is_none());

    // The advance (10 %) is payable before any progress; one project tries to pay more.
    city.until_day(10);
    for i in 0..PROJECTS {
        city.pay_what_progress_allows(i);
    }
    let (_, attempt) = city.h.submit(
        owner(7),
        Specialist,
        Operation::RequestDisbursement(DisbursementRequest {
            id: "SC-2026-007-EARLY".into(),
            contract: format!("{}-C", id(7)),
            amount_fen: contract_fen(7) / 2,
            milestone: None,
            note: "pay half now".into(),
        }),
    );
    assert_eq!(attempt.code(), Some("ahead_of_progress"));
    let rejected = queries::project_rejections(&city.h.state, &id(7), None, 10).unwrap();
    assert_eq!(rejected.items.len(), 1);
    assert!(matches!(
        rejected.items[0].alert.as_ref().map(|a| &a.kind),
        Some(AlertKind::DisbursementAheadOfProgress { .. })
    ));

    // Each quarter: progress reported a few days before the milestone is due, paid at once.
    let plan = [
        (80u64, 2_500u16, 1_500u16),
        (170, 5_000, 3_500),
        (260, 7_500, 6_000),
        (350, 10_000, 10_000),
    ];
    let mut overdue_by_quarter = Vec::new();
    for (q, (day, on_track, behind)) in plan.iter().enumerate() {
        let mut events = Vec::new();
        if q == 1 {
            events.extend(city.until_day(100));
            raise_rectification(&mut city);
        }
        events.extend(city.until_day(*day));
        for i in 0..PROJECTS {
            let percent = if lagging(i) { *behind } else { *on_track };
            city.report(i, q + 1, percent);
            city.pay_what_progress_allows(i);
        }
        if q == 1 {
            // Past its deadline: submitted late, verified.
            city.h.ok(
                owner(3),
                Specialist,
                Operation::SubmitRectification {
                    task: "RECT-SC-003".into(),
                    evidence_hash: Hash::digest(b"feed"),
                    note: String::new(),
                },
            );
            city.h.ok(
                AUDIT,
                SectionChief,
                Operation::VerifyRectification {
                    task: "RECT-SC-003".into(),
                    accepted: true,
                    note: String::new(),
                },
            );
        }
        events.extend(city.until_day(*day + 10));

        overdue_by_quarter.push(overdue_milestone_projects(&events));
    }
    // Lagging projects, and only they, missed milestones in the first three quarters.
    let lagging_ids: Vec<String> = (0..PROJECTS).filter(|i| lagging(*i)).map(id).collect();
    for (q, overdue) in overdue_by_quarter.iter().take(3).enumerate() {
        assert_eq!(overdue, &lagging_ids, "quarter {}", q + 1);
    }
    assert!(overdue_by_quarter[3].is_empty());

    // Quarterly health: explainable, and on-track projects score better than lagging ones.
    let now = city.h.ctx.time_ms;
    let q2 = Quarter {
        year: 2026,
        quarter: 2,
    };
    for i in 0..PROJECTS {
        let health = queries::health(&city.h.state, &id(i), q2, now)
            .unwrap()
            .unwrap();
        let weighted: u64 = [
            (health.schedule.score_bp, health.schedule.weight_bp),
            (health.cost.score_bp, health.cost.weight_bp),
            (health.overdue.score_bp, health.overdue.weight_bp),
            (
                health.rectification.score_bp,
                health.rectification.weight_bp,
            ),
        ]
        .iter()
        .map(|(s, w)| u64::from(*s) * u64::from(*w))
        .sum::<u64>()
            / 10_000;
        assert_eq!(u64::from(health.score_bp), weighted);
        assert_eq!(health.quarter_label, "2026Q2");
        if lagging(i) {
            assert!(health.score_bp < 9_500, "{}: {:?}", id(i), health);
            assert_eq!(health.overdue.overdue_milestones, 1, "{}", id(i));
            assert!(health.schedule.variance_bp < -1_000);
            assert!(health.schedule.explanation.contains("behind"));
        } else if i != 3 {
            assert!(health.score_bp >= 9_900, "{}: {:?}", id(i), health);
            assert_eq!(health.overdue.overdue_milestones, 0);
        }
        assert_eq!(health.cost.ahead_fen, 0, "{}", id(i));
    }
    // The late rectification shows in project 3's Q2 score; in Q1 there was none.
    let q1 = Quarter {
        year: 2026,
        quarter: 1,
    };
    let h3q1 = queries::health(&city.h.state, &id(3), q1, now)
        .unwrap()
        .unwrap();
    let h3q2 = queries::health(&city.h.state, &id(3), q2, now)
        .unwrap()
        .unwrap();
    assert_eq!(h3q1.rectification.due, 0);
    assert_eq!(
        (h3q2.rectification.due, h3q2.rectification.closed_on_time),
        (1, 0)
    );
    assert!(h3q2.score_bp < h3q1.score_bp);

    // Acceptance, final settlement, post-evaluation and closure for all.
    city.until_day(356);
    for i in 0..PROJECTS {
        let p = id(i);
        let dept = owner(i);
        city.h.ok_approved(
            dept,
            SectionChief,
            Operation::RequestAcceptance { project: p.clone() },
        );
        city.h.ok_approved(
            dept,
            Director,
            Operation::RecordAcceptance(AcceptanceRecord {
                project: p.clone(),
                passed: true,
                committee: vec!["专家甲".into(), "专家乙".into(), "专家丙".into()],
                document_hash: Hash::digest(p.as_bytes()),
                note: String::new(),
            }),
        );
        city.pay_what_progress_allows(i);
        city.h.ok_approved(
            FINANCE,
            SectionChief,
            Operation::RecordEvaluation(Evaluation {
                project: p.clone(),
                scores: vec![
                    EvaluationScore {
                        criterion: "outcomes".into(),
                        score_bp: if lagging(i) { 7_500 } else { 9_000 },
                    },
                    EvaluationScore {
                        criterion: "management".into(),
                        score_bp: 8_500,
                    },
                ],
                document_hash: Hash::digest(b"evaluation"),
                summary: String::new(),
            }),
        );
        city.h
            .ok_approved(dept, Director, Operation::CloseProject { project: p });
    }

    // Every project is closed, fully paid within its contract and budget.
    let mut total_paid = 0u64;
    let mut total_contracted = 0u64;
    for i in 0..PROJECTS {
        let view = queries::project(&city.h.state, &id(i), city.h.ctx.time_ms)
            .unwrap()
            .unwrap();
        assert_eq!(view.project.stage, ProjectStage::Closed);
        assert_eq!(view.totals.disbursed_fen, contract_fen(i));
        assert_eq!(city.paid[i], contract_fen(i));
        assert!(view.totals.committed_fen <= view.totals.budget_fen);
        total_paid += view.totals.disbursed_fen;
        total_contracted += view.totals.committed_fen;
        // The public view has the contractor and the totals, never the internal description.
        let public = queries::public_project(&city.h.state, &id(i))
            .unwrap()
            .unwrap();
        let json = public.to_string();
        assert!(json.contains(&format!("Contractor {}", i * 10)));
        assert!(!json.contains("internal description"));
        assert_eq!(public["disbursed_fen"], contract_fen(i));
    }
    assert_eq!(total_paid, total_contracted);
    let closed = queries::list_projects(
        &city.h.state,
        &ProjectFilter {
            stage: Some(ProjectStage::Closed),
            ..Default::default()
        },
        None,
        500,
    )
    .unwrap();
    assert_eq!(closed.items.len(), PROJECTS);
    // Budget use reached 80 % on every project (90 % contracted and paid).
    let alerts = queries::project_alerts(&city.h.state, &id(11), None, 100).unwrap();
    assert!(
        alerts
            .items
            .iter()
            .any(|a| matches!(a.kind, AlertKind::BudgetUse80 { .. }))
    );
}
