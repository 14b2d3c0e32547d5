//! Operations as files: reading the one-operation JSON that `gongxin submit --op` takes, and
//! the templates `gongxin op example <kind>` prints.
//!
//! An operation file holds one [`Operation`] in its serde form — externally tagged, snake_case
//! — e.g. `{"approve_project": {"project": "SC-2026-001"}}`. That form covers every operation
//! the ledger has, so the CLI needs no per-operation flags. The templates are built from typed
//! values (an exhaustive `match`), so a new operation kind does not compile until it has one,
//! and a test checks each one reads back as its own kind.

use std::path::Path;

use anyhow::{Context, Result, bail};
use gongxin_core::Hash;
use gongxin_core::crypto::{Algorithm, Keypair, PublicKey};
use gongxin_core::model::*;

/// An operation file larger than this is refused (a transaction is at most 64 KiB encoded).
pub const OPERATION_FILE_BYTES_MAX: u64 = 1024 * 1024;

/// Parses an operation kind from its snake_case name (`approve_project`).
pub fn parse_kind(name: &str) -> Result<OperationKind> {
    serde_json::from_value(serde_json::Value::String(name.to_owned())).map_err(|_| {
        anyhow::anyhow!(
            "{name:?} is not an operation kind; the kinds are: {}",
            kind_names().join(", ")
        )
    })
}

/// Every operation kind's snake_case name, in declaration order.
pub fn kind_names() -> Vec<String> {
    OperationKind::ALL
        .iter()
        .map(|k| k.as_str().to_owned())
        .collect()
}

/// Reads one operation from a JSON file (`-` reads standard input).
pub fn load_operation(path: &Path) -> Result<Operation> {
    let text = if path == Path::new("-") {
        let mut text = String::new();
        std::io::Read::read_to_string(
            &mut std::io::Read::take(std::io::stdin(), OPERATION_FILE_BYTES_MAX + 1),
            &mut text,
        )
        .context("cannot read the operation from standard input")?;
        text
    } else {
        let meta = std::fs::metadata(path)
            .with_context(|| format!("cannot read operation file {}", path.display()))?;
        if meta.len() > OPERATION_FILE_BYTES_MAX {
            bail!(
                "operation file {} is {} bytes; an operation is far smaller",
                path.display(),
                meta.len()
            );
        }
        std::fs::read_to_string(path)
            .with_context(|| format!("cannot read operation file {}", path.display()))?
    };
    if text.len() as u64 > OPERATION_FILE_BYTES_MAX {
        bail!(
            "the operation is over {OPERATION_FILE_BYTES_MAX} bytes; an operation is far smaller"
        );
    }
    serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not one gongxin operation: expected one JSON object such as \
             {{\"approve_project\": {{\"project\": \"SC-2026-001\"}}}}; \
             `gongxin op example <kind>` prints a template for each kind",
            path.display()
        )
    })
}

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
            point: gongxin_core::access_log::ChainPoint {
                count: 1024,
                head: placeholder_hash("operation log head"),
            },
        },
    }
}

/// The template of `kind` as pretty JSON, as `gongxin op example` prints it.
pub fn example_json(kind: OperationKind) -> String {
    serde_json::to_string_pretty(&example(kind)).expect("an operation always serializes")
}

#[cfg(test)]
mod tests {
    use gongxin_core::tx::{ReplayGuard, TxBody};

    use super::*;

    #[test]
    fn every_kind_has_a_template_that_reads_back_as_itself() {
        assert_eq!(kind_names().len(), OperationKind::ALL.len());
        let signer = Keypair::generate(Algorithm::Ed25519).unwrap();
        for &kind in OperationKind::ALL {
            let name = kind.as_str();
            assert_eq!(parse_kind(name).unwrap(), kind);
            let json = example_json(kind);
            let value: serde_json::Value = serde_json::from_str(&json).unwrap();
            let object = value.as_object().unwrap();
            assert_eq!(object.len(), 1, "{name}: externally tagged");
            assert!(object.contains_key(name), "{name}: tagged with its kind");
            let back: Operation = serde_json::from_str(&json).unwrap();
            assert_eq!(back.kind(), kind);
            assert_eq!(back, example(kind));
            // Every template fits in a transaction.
            let tx = TxBody {
                chain_id: "devnet".into(),
                signer: signer.public_key(),
                replay: ReplayGuard {
                    nonce: 1,
                    valid_until_height: 10,
                },
                operation: back,
            }
            .sign(&signer);
            assert!(tx.to_bytes().len() <= gongxin_core::encoding::TX_BYTES_MAX);
            // Record ids in templates are valid ids.
            if let Some(project) = example(kind).project() {
                assert!(is_valid_id(project), "{name}: {project}");
            }
        }
    }

    /// The GB 32100-2015 check character, so the templates' credit codes pass the rules.
    fn credit_code_is_valid(code: &str) -> bool {
        const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
        const WEIGHTS: [usize; 17] = [
            1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
        ];
        let value = |c: u8| ALPHABET.iter().position(|&a| a == c);
        let bytes = code.as_bytes();
        if bytes.len() != 18 {
            return false;
        }
        let Some(sum) = bytes[..17]
            .iter()
            .zip(WEIGHTS)
            .try_fold(0, |sum, (&c, w)| Some(sum + value(c)? * w))
        else {
            return false;
        };
        value(bytes[17]) == Some((31 - sum % 31) % 31)
    }

    #[test]
    fn template_credit_codes_carry_valid_check_characters() {
        let Operation::AwardProcurement(award) = example(OperationKind::AwardProcurement) else {
            unreachable!("the award template is an award");
        };
        for bid in &award.bids {
            assert!(credit_code_is_valid(&bid.bidder.credit_code), "{bid:?}");
        }
        assert!(!credit_code_is_valid("91510100MA61K3T8XQ"));
    }

    #[test]
    fn unknown_kinds_list_the_known_ones() {
        let error = parse_kind("approve_everything").unwrap_err().to_string();
        assert!(error.contains("approve_project"), "{error}");
        assert!(error.contains("verify_rectification"), "{error}");
    }

    #[test]
    fn operation_files_are_read_with_actionable_errors() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("op.json");
        std::fs::write(&good, r#"{"approve_project": {"project": "SC-1"}}"#).unwrap();
        assert_eq!(
            load_operation(&good).unwrap(),
            Operation::ApproveProject {
                project: "SC-1".into()
            }
        );
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, r#"{"approve_project": {"projet": "SC-1"}}"#).unwrap();
        let error = format!("{:#}", load_operation(&bad).unwrap_err());
        assert!(error.contains("gongxin op example"), "{error}");
        assert!(error.contains("project"), "{error}");
        let missing = load_operation(&dir.path().join("none.json")).unwrap_err();
        assert!(missing.to_string().contains("cannot read operation file"));
    }
}
