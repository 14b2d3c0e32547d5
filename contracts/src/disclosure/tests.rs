//! Property: the public view of any record never contains the value of an internal field.
//!
//! Records are generated with public text drawn from lowercase letters and every internal value
//! a distinct uppercase `SECRET…` token (or random key / hash bytes), so any internal value that
//! leaks into the public JSON is found by a plain substring search.

use gongxin_core::Hash;
use gongxin_core::crypto::PublicKey;
use gongxin_core::model::*;
use proptest::prelude::*;

use super::*;
use crate::records::*;

/// Collects the internal values of one generated record.
#[derive(Debug, Default)]
struct Secrets(Vec<String>);

impl Secrets {
    fn text(&mut self, n: u64) -> String {
        let s = format!("SECRET{n:016X}{}", self.0.len());
        self.0.push(s.clone());
        s
    }
    fn key(&mut self, seed: [u8; 32]) -> PublicKey {
        self.0.push(hex::encode(seed));
        PublicKey::Ed25519(seed)
    }
    fn hash(&mut self, seed: [u8; 32]) -> Hash {
        self.0.push(hex::encode(seed));
        Hash(seed)
    }
}

fn word() -> impl Strategy<Value = String> {
    "[a-z]{1,12}"
}

fn stage() -> impl Strategy<Value = ProjectStage> {
    prop_oneof![
        Just(ProjectStage::Proposed),
        Just(ProjectStage::Budgeted),
        Just(ProjectStage::InProgress),
        Just(ProjectStage::Accepted),
        Just(ProjectStage::Evaluated),
        Just(ProjectStage::Closed),
        Just(ProjectStage::Suspended),
        Just(ProjectStage::Cancelled),
    ]
}

/// Raw material for one record: public words, numbers, seeds for internal values.
#[derive(Debug, Clone)]
struct Raw {
    words: Vec<String>,
    numbers: Vec<u64>,
    seeds: Vec<[u8; 32]>,
    stage: ProjectStage,
    flag: bool,
    internal: bool,
}

fn raw() -> impl Strategy<Value = Raw> {
    (
        proptest::collection::vec(word(), 12),
        proptest::collection::vec(any::<u64>(), 12),
        proptest::collection::vec(any::<[u8; 32]>(), 12),
        stage(),
        any::<bool>(),
        proptest::bool::weighted(0.2),
    )
        .prop_map(|(words, numbers, seeds, stage, flag, internal)| Raw {
            words,
            numbers,
            seeds,
            stage,
            flag,
            internal,
        })
}

impl Raw {
    fn disclosure(&self) -> Disclosure {
        if self.internal {
            Disclosure::Internal
        } else {
            Disclosure::Public
        }
    }
    fn w(&self, i: usize) -> String {
        self.words[i % self.words.len()].clone()
    }
    fn n(&self, i: usize) -> u64 {
        self.numbers[i % self.numbers.len()]
    }
    fn seed(&self, i: usize) -> [u8; 32] {
        self.seeds[i % self.seeds.len()]
    }
}

fn party(name: String, code: String) -> Party {
    Party {
        name,
        credit_code: code,
    }
}

fn project(r: &Raw, s: &mut Secrets) -> ProjectRecord {
    ProjectRecord {
        id: r.w(0),
        name: r.w(1),
        category: r.w(2),
        location: r.w(3),
        programme: Some(r.w(4)),
        owner_department: r.w(5),
        planned_start_ms: r.n(0),
        planned_end_ms: r.n(1),
        original_planned_end_ms: r.n(1),
        requested_budget_fen: r.n(2),
        disclosure: r.disclosure(),
        description: s.text(r.n(3)),
        proposer: s.key(r.seed(0)),
        stage: r.stage,
        resume_stage: Some(ProjectStage::InProgress),
        suspended_by: Some(s.text(r.n(4))),
        stage_reason: s.text(r.n(5)),
        budget: Some(BudgetState {
            fiscal_year: 2026,
            lines: vec![BudgetLine {
                code: r.w(6),
                name: r.w(7),
                amount_fen: r.n(6),
            }],
            total_fen: r.n(6),
            original_total_fen: r.n(6),
            document_hash: Some(s.hash(r.seed(1))),
            approved_ms: r.n(7),
            adjustments: 1,
        }),
        contract: Some(r.w(8)),
        committed_fen: r.n(8),
        approved_unpaid_fen: r.n(9),
        disbursed_fen: r.n(10),
        accepted_progress_bp: 5_000,
        reported_progress_bp: 6_000,
        progress_reports: 3,
        rectifications: 1,
        budget_alert_bp: 0,
        acceptance: Some(AcceptanceState {
            record: AcceptanceRecord {
                project: r.w(0),
                passed: r.flag,
                committee: vec![s.text(r.n(11)), s.text(r.n(0) ^ 1)],
                document_hash: s.hash(r.seed(2)),
                note: s.text(r.n(1) ^ 1),
            },
            recorded_by: s.key(r.seed(3)),
            recorded_ms: r.n(2),
            attempts: 1,
        }),
        evaluation: Some(EvaluationState {
            scores: vec![EvaluationScore {
                criterion: s.text(r.n(2) ^ 1),
                score_bp: 8_000,
            }],
            overall_bp: 8_000,
            document_hash: s.hash(r.seed(4)),
            summary: s.text(r.n(3) ^ 1),
            evaluator: s.key(r.seed(5)),
            evaluating_department: s.text(r.n(4) ^ 1),
            recorded_ms: r.n(5),
        }),
        created_height: 1,
        created_ms: r.n(6),
        updated_ms: r.n(7),
        closed_ms: None,
    }
}

fn procurement(r: &Raw, s: &mut Secrets) -> ProcurementRecord {
    let winner = party(r.w(3), r.w(4));
    ProcurementRecord {
        procurement: Procurement {
            project: r.w(0),
            method: ProcurementMethod::OpenTender,
            announcement_ref: r.w(1),
        },
        started_ms: r.n(0),
        award: Some(AwardState {
            bids: vec![
                Bid {
                    bidder: winner.clone(),
                    amount_fen: r.n(1),
                },
                Bid {
                    bidder: party(s.text(r.n(2)), s.text(r.n(3))),
                    amount_fen: r.n(4),
                },
            ],
            winner,
            amount_fen: r.n(1),
            document_hash: Some(s.hash(r.seed(0))),
            awarded_ms: r.n(5),
        }),
        disclosure: r.disclosure(),
    }
}

fn contract(r: &Raw, s: &mut Secrets) -> ContractState {
    ContractState {
        id: r.w(0),
        project: r.w(1),
        contractor: party(r.w(2), r.w(3)),
        original_amount_fen: r.n(0),
        amount_fen: r.n(1),
        advance_share_bp: 1_000,
        milestones: vec![MilestoneState {
            milestone: PaymentMilestone {
                name: r.w(4),
                progress_bp: 3_000,
                share_bp: 2_000,
                due_ms: r.n(2),
            },
            original_due_ms: r.n(2),
            reached_ms: None,
            due_soon_sent_for: None,
        }],
        document_hash: Hash(r.seed(0)),
        signed_by: s.key(r.seed(1)),
        signed_ms: r.n(3),
        approved_unpaid_fen: r.n(4),
        paid_fen: r.n(5),
        disbursements: 1,
        change_orders: 1,
        schedule_delta_days: 3,
        disclosure: r.disclosure(),
    }
}

fn change(r: &Raw, s: &mut Secrets) -> ChangeRecord {
    ChangeRecord {
        order: ChangeOrder {
            id: r.w(0),
            contract: r.w(1),
            amount_delta_fen: r.n(0) as i64,
            schedule_delta_days: 5,
            reason: s.text(r.n(1)),
            document_hash: s.hash(r.seed(0)),
        },
        project: r.w(2),
        requested_by: s.key(r.seed(1)),
        request: Some(s.hash(r.seed(2))),
        amount_before_fen: r.n(2),
        amount_after_fen: r.n(3),
        executed_ms: r.n(4),
        disclosure: r.disclosure(),
    }
}

fn progress(r: &Raw, s: &mut Secrets) -> ProgressRecord {
    ProgressRecord {
        report: ProgressReport {
            id: r.w(0),
            project: r.w(1),
            percent_bp: 4_000,
            milestone: Some(0),
            evidence_hash: s.hash(r.seed(0)),
            note: s.text(r.n(0)),
        },
        reporter: s.key(r.seed(1)),
        submitted_ms: r.n(1),
        status: ReviewStatus::Accepted,
        reviewer: Some(s.key(r.seed(2))),
        reviewed_ms: Some(r.n(2)),
        review_note: s.text(r.n(3)),
        disclosure: r.disclosure(),
    }
}

fn disbursement(r: &Raw, s: &mut Secrets) -> DisbursementRecord {
    DisbursementRecord {
        request: DisbursementRequest {
            id: r.w(0),
            contract: r.w(1),
            amount_fen: r.n(0),
            milestone: None,
            note: s.text(r.n(1)),
        },
        project: r.w(2),
        requested_by: s.key(r.seed(0)),
        approval_request: Some(s.hash(r.seed(1))),
        status: DisbursementStatus::Paid,
        approved_ms: r.n(2),
        voucher_ref: Some(s.text(r.n(3))),
        paid_by: Some(s.key(r.seed(2))),
        paid_ms: Some(r.n(4)),
        disclosure: r.disclosure(),
    }
}

fn rectification(r: &Raw, s: &mut Secrets) -> RectificationRecord {
    RectificationRecord {
        task: RectificationTask {
            id: r.w(0),
            project: Some(r.w(1)),
            title: r.w(2),
            finding: s.text(r.n(0)),
            responsible_department: r.w(3),
            responsible_person: s.key(r.seed(0)),
            deadline_ms: r.n(1),
            acceptance_standard: s.text(r.n(2)),
            source_ref: s.text(r.n(3)),
        },
        responsible_person_id: s.key(r.seed(1)),
        raised_by: s.key(r.seed(2)),
        raising_department: s.text(r.n(4)),
        raised_ms: r.n(5),
        status: RectStatus::Verified,
        submissions: 2,
        last_evidence: Some(s.hash(r.seed(3))),
        last_submitted_by: Some(s.key(r.seed(4))),
        last_submitter_person: Some(s.key(r.seed(5))),
        last_submitted_ms: Some(r.n(6)),
        last_submit_note: s.text(r.n(7)),
        verified_by: Some(s.key(r.seed(6))),
        verified_ms: Some(r.n(8)),
        verified_submission_ms: Some(r.n(6)),
        last_verify_note: s.text(r.n(9)),
        overdue: r.flag,
        reminders: 1,
        next_reminder_ms: None,
        escalated_ms: None,
        due_soon_sent_for: None,
        disclosure: r.disclosure(),
    }
}

/// Checks one record: internal projects have no view; public views have exactly the declared
/// fields and none of the secrets.
fn check<R: Disclose>(record: &R, secrets: &Secrets, internal: bool) -> Result<(), TestCaseError> {
    let view = public_view(record);
    if internal {
        prop_assert!(view.is_none(), "an internal record has a public view");
        return Ok(());
    }
    let view = view.expect("a public record has a public view");
    let mut fields: Vec<&str> = view
        .as_object()
        .expect("public views are objects")
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    let mut declared = R::PUBLIC_FIELDS.to_vec();
    declared.sort_unstable();
    prop_assert_eq!(fields, declared);
    let json = serde_json::to_string(&view).unwrap();
    for secret in &secrets.0 {
        prop_assert!(
            !json.contains(secret.as_str()),
            "internal value {} leaked into {}",
            secret,
            json
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn public_views_never_contain_internal_values(r in raw()) {
        let mut s = Secrets::default();
        let p = project(&r, &mut s);
        check(&p, &s, r.internal)?;

        let mut s = Secrets::default();
        check(&procurement(&r, &mut s), &s, r.internal)?;
        let mut s = Secrets::default();
        check(&contract(&r, &mut s), &s, r.internal)?;
        let mut s = Secrets::default();
        check(&change(&r, &mut s), &s, r.internal)?;
        let mut s = Secrets::default();
        check(&progress(&r, &mut s), &s, r.internal)?;
        let mut s = Secrets::default();
        check(&disbursement(&r, &mut s), &s, r.internal)?;
        let mut s = Secrets::default();
        check(&rectification(&r, &mut s), &s, r.internal)?;
    }
}

#[test]
fn people_and_approvals_are_never_public() {
    let key = PublicKey::Ed25519([7; 32]);
    let member = MemberRecord {
        member: Member {
            name: "张三".into(),
            department: "finance".into(),
            role: Role::Director,
            public_key: key,
        },
        person: key,
        added_height: 0,
    };
    assert!(public_view(&member).is_none());
    assert!(MemberRecord::PUBLIC_FIELDS.is_empty());
    let dept = DepartmentRecord {
        department: Department {
            id: "finance".into(),
            name: "市财政局".into(),
            kind: DepartmentKind::Finance,
        },
        directors: vec![key],
        members: 4,
    };
    let json = serde_json::to_string(&public_view(&dept).unwrap()).unwrap();
    assert!(!json.contains(&hex::encode([7u8; 32])));
    assert!(json.contains("市财政局"));
}
