//! A template of every operation kind with plausible placeholder values: what
//! `gongxin op example <kind>` prints, and the examples the canonical-encoding golden vectors
//! of every kind are made of (`tests/golden/operations.json`, which the console's JavaScript
//! encoder is checked against). An exhaustive `match`, so a new kind does not compile without one.

use super::*;
use crate::Hash;
use crate::crypto::{Algorithm, Keypair, PublicKey};

/// A placeholder member key for templates: a real, valid key whose secret is public knowledge,
/// so a template that is submitted unchanged names nobody's actual key.
fn placeholder_key(byte: u8) -> PublicKey {
    Keypair::from_secret_bytes(Algorithm::Ed25519, &[byte; 32])
        .expect("any 32 bytes are an ed25519 seed")
        .public_key()
}

/// A placeholder SM3 evidence hash (replace with `gongxin hash <document>`).
fn placeholder_hash(document: &str) -> Hash {
    Hash::digest(document.as_bytes())
}

const PROJECT: &str = "SC-2026-001";
const CONTRACT: &str = "SC-2026-001-C1";

fn party() -> Party {
    Party {
        name: "Xinhua Road Construction Co., Ltd.".into(),
        credit_code: "91510100MA61K3T8XP".into(),
    }
}

fn policy() -> ApprovalPolicy {
    ApprovalPolicy {
        kind: OperationKind::SignContract,
        min_amount_fen: 5_000_000_000,
        required: vec![ApprovalRequirement {
            department: DepartmentSelector::Kind(DepartmentKind::Audit),
            role: Role::Director,
            count: 1,
        }],
        description: "contracts of ¥50,000,000.00 or more also need the audit director".into(),
    }
}

/// A template of each operation kind, with plausible placeholder values.
pub fn example(kind: OperationKind) -> Operation {
    let project = || PROJECT.to_owned();
    match kind {
        OperationKind::AddMember => Operation::AddMember(Member {
            name: "transport-specialist-2".into(),
            department: "transport".into(),
            role: Role::Specialist,
            public_key: placeholder_key(1),
        }),
        OperationKind::RemoveMember => Operation::RemoveMember {
            public_key: placeholder_key(1),
        },
        OperationKind::RotateMemberKey => Operation::RotateMemberKey {
            old_key: placeholder_key(1),
            new_key: placeholder_key(2),
        },
        OperationKind::Approve => Operation::Approve {
            request: placeholder_hash("the hash of the transaction that opened the request"),
            note: "checked against the budget plan".into(),
        },
        OperationKind::Refuse => Operation::Refuse {
            request: placeholder_hash("the hash of the transaction that opened the request"),
            reason: "the cost estimate is not supported by the feasibility study".into(),
        },
        OperationKind::ProposeGovernance => Operation::ProposeGovernance {
            id: "GOV-2026-01".into(),
            change: GovernanceChange::SetPolicy(policy()),
            note: "per the 2026 internal control review".into(),
        },
        OperationKind::VoteGovernance => Operation::VoteGovernance {
            id: "GOV-2026-01".into(),
            approve: true,
        },
        OperationKind::ProposeProject => Operation::ProposeProject(ProjectProposal {
            id: project(),
            name: "Smart traffic signals, Xinhua District".into(),
            category: "smart-city/transport".into(),
            location: "Xinhua District".into(),
            programme: None,
            planned_start_ms: 1_782_864_000_000,
            planned_end_ms: 1_814_400_000_000,
            requested_budget_fen: 480_000_000,
            disclosure: Disclosure::Public,
            description: "replaces 120 fixed-time signals with adaptive control".into(),
        }),
        OperationKind::ApproveProject => Operation::ApproveProject { project: project() },
        OperationKind::ApproveBudget => Operation::ApproveBudget(BudgetApproval {
            project: project(),
            fiscal_year: 2026,
            lines: vec![BudgetLine {
                code: "2140106".into(),
                name: "road maintenance and signals".into(),
                amount_fen: 450_000_000,
            }],
            document_hash: Some(placeholder_hash("budget approval document")),
        }),
        OperationKind::AdjustBudget => Operation::AdjustBudget(BudgetAdjustment {
            project: project(),
            line_code: "2140106".into(),
            delta_fen: 30_000_000,
            reason: "steel prices rose 12% since the estimate".into(),
            document_hash: Some(placeholder_hash("budget adjustment document")),
        }),
        OperationKind::StartProcurement => Operation::StartProcurement(Procurement {
            project: project(),
            method: ProcurementMethod::OpenTender,
            announcement_ref: "XH-CG-2026-0117".into(),
        }),
        OperationKind::AwardProcurement => Operation::AwardProcurement(Award {
            project: project(),
            bids: vec![
                Bid {
                    bidder: party(),
                    amount_fen: 432_000_000,
                },
                Bid {
                    bidder: Party {
                        name: "Jincheng Municipal Engineering Co., Ltd.".into(),
                        credit_code: "91510100MA62Q7N4BB".into(),
                    },
                    amount_fen: 447_500_000,
                },
            ],
            winner_credit_code: party().credit_code,
            amount_fen: 432_000_000,
            document_hash: Some(placeholder_hash("award notice")),
        }),
        OperationKind::SignContract => Operation::SignContract(ContractRecord {
            id: CONTRACT.into(),
            project: project(),
            contractor: party(),
            amount_fen: 432_000_000,
            advance_share_bp: 1_000,
            milestones: vec![
                PaymentMilestone {
                    name: "half of the signals installed".into(),
                    progress_bp: 5_000,
                    share_bp: 4_000,
                    due_ms: 1_798_761_600_000,
                },
                PaymentMilestone {
                    name: "all installed and accepted".into(),
                    progress_bp: 10_000,
                    share_bp: 5_000,
                    due_ms: 1_814_400_000_000,
                },
            ],
            document_hash: placeholder_hash("signed contract"),
        }),
        OperationKind::StartImplementation => Operation::StartImplementation { project: project() },
        OperationKind::RequestChangeOrder => Operation::RequestChangeOrder(ChangeOrder {
            id: "SC-2026-001-CO1".into(),
            contract: CONTRACT.into(),
            amount_delta_fen: 18_000_000,
            schedule_delta_days: 30,
            reason: "eight more intersections added by the traffic police".into(),
            document_hash: placeholder_hash("change order"),
        }),
        OperationKind::ReportProgress => Operation::ReportProgress(ProgressReport {
            id: "SC-2026-001-P1".into(),
            project: project(),
            percent_bp: 5_000,
            milestone: Some(0),
            evidence_hash: placeholder_hash("supervision report"),
            note: "60 of 120 signals installed".into(),
        }),
        OperationKind::ReviewProgress => Operation::ReviewProgress {
            report: "SC-2026-001-P1".into(),
            accepted: true,
            note: "site visit confirmed".into(),
        },
        OperationKind::RequestDisbursement => Operation::RequestDisbursement(DisbursementRequest {
            id: "SC-2026-001-D1".into(),
            contract: CONTRACT.into(),
            amount_fen: 172_800_000,
            milestone: Some(0),
            note: "first milestone payment".into(),
        }),
        OperationKind::MarkDisbursementPaid => Operation::MarkDisbursementPaid {
            disbursement: "SC-2026-001-D1".into(),
            voucher_ref: "GK-2026-004512".into(),
        },
        OperationKind::RequestAcceptance => Operation::RequestAcceptance { project: project() },
        OperationKind::RecordAcceptance => Operation::RecordAcceptance(AcceptanceRecord {
            project: project(),
            passed: true,
            committee: vec![
                "Wang Lei (transport)".into(),
                "Li Na (finance)".into(),
                "Zhao Min (independent engineer)".into(),
            ],
            document_hash: placeholder_hash("acceptance report"),
            note: String::new(),
        }),
        OperationKind::RecordEvaluation => Operation::RecordEvaluation(Evaluation {
            project: project(),
            scores: vec![
                EvaluationScore {
                    criterion: "objectives met".into(),
                    score_bp: 9_000,
                },
                EvaluationScore {
                    criterion: "cost control".into(),
                    score_bp: 8_200,
                },
            ],
            document_hash: placeholder_hash("post-evaluation report"),
            summary: "average intersection delay fell 18%".into(),
        }),
        OperationKind::CloseProject => Operation::CloseProject { project: project() },
        OperationKind::SuspendProject => Operation::SuspendProject {
            project: project(),
            reason: "site flooded; works stopped until the water recedes".into(),
        },
        OperationKind::ResumeProject => Operation::ResumeProject { project: project() },
        OperationKind::CancelProject => Operation::CancelProject {
            project: project(),
            reason: "superseded by the district-wide traffic programme".into(),
        },
        OperationKind::RaiseRectification => Operation::RaiseRectification(RectificationTask {
            id: "RT-2026-007".into(),
            project: Some(project()),
            title: "Milestone paid before acceptance".into(),
            finding: "disbursement SC-2026-001-D1 was requested before progress was accepted"
                .into(),
            responsible_department: "transport".into(),
            responsible_person: placeholder_key(3),
            deadline_ms: 1_790_000_000_000,
            acceptance_standard: "procedure revised and the payment reconciled".into(),
            source_ref: "SJ-2026-015".into(),
        }),
        OperationKind::SubmitRectification => Operation::SubmitRectification {
            task: "RT-2026-007".into(),
            evidence_hash: placeholder_hash("rectification report"),
            note: "revised payment procedure attached".into(),
        },
        OperationKind::VerifyRectification => Operation::VerifyRectification {
            task: "RT-2026-007".into(),
            accepted: true,
            note: String::new(),
        },
        // Nodes submit these themselves, signed with their validator key.
        OperationKind::AnchorAccessLog => Operation::AnchorAccessLog {
            node: "finance".into(),
            point: crate::access_log::ChainPoint {
                count: 1024,
                head: placeholder_hash("operation log head"),
            },
        },
        OperationKind::AcknowledgeAlert => Operation::AcknowledgeAlert {
            alert: placeholder_hash("an overdue reminder"),
            note: "已阅，本周内提交整改材料".into(),
        },
        OperationKind::RecordCreditCheck => Operation::RecordCreditCheck(CreditCheck {
            project: PROJECT.into(),
            party: party(),
            registry: "creditchina".into(),
            verdict: CreditVerdict::Clear,
            result_hash: placeholder_hash("the registry's answer"),
            checked_ms: 1_767_225_600_000,
            summary: "未列入失信被执行人、重大税收违法名单".into(),
        }),
        // Nodes submit these themselves, signed with their validator key.
        OperationKind::RecordRiskModel => Operation::RecordRiskModel {
            node: "audit".into(),
            version: "delay-risk-v1".into(),
            sm3: placeholder_hash("the model file"),
        },
    }
}
