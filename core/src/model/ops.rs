//! Operations: the one thing a transaction carries.

use bincode::{Decode, Encode};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::records::*;
use super::{ApprovalPolicy, Department, Fen, Member, ReminderPolicy};
use crate::Hash;
use crate::crypto::PublicKey;
use crate::validator::Validator;

/// A change to the consortium itself, proposed by a director and passed by directors of more
/// than 2/3 of the departments.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum GovernanceChange {
    /// Add or replace the policy for (`kind`, `min_amount_fen`).
    SetPolicy(ApprovalPolicy),
    RemovePolicy {
        kind: OperationKind,
        min_amount_fen: Fen,
    },
    AddDepartment(Department),
    /// Add a validator, effective from a later height (consortium issue).
    AddValidator(Validator),
    RemoveValidator {
        name: String,
    },
    RotateValidatorKey {
        name: String,
        new_key: PublicKey,
    },
    /// Replace the reminder thresholds (due-soon lead time, escalation delay).
    SetReminderPolicy(ReminderPolicy),
}

/// Everything a member can ask the ledger to do.
///
/// Operations that a policy covers do not take effect when committed: they open a request
/// (identified by the submitting transaction's hash) that takes effect when the required
/// [`Operation::Approve`]s have been committed.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    // -- identity ---------------------------------------------------------------------------
    /// A department's director adds a member to their own department.
    AddMember(Member),
    /// A department's director removes one of their members.
    RemoveMember {
        public_key: PublicKey,
    },
    /// A director replaces a member's key (lost or compromised device).
    RotateMemberKey {
        old_key: PublicKey,
        new_key: PublicKey,
    },

    // -- approvals and governance -----------------------------------------------------------
    /// Approve a pending request (by the hash of the transaction that opened it).
    Approve {
        request: Hash,
        #[serde(default)]
        note: String,
    },
    /// Refuse a pending request; one refusal by an eligible approver closes it.
    Refuse {
        request: Hash,
        reason: String,
    },
    ProposeGovernance {
        id: String,
        change: GovernanceChange,
        #[serde(default)]
        note: String,
    },
    VoteGovernance {
        id: String,
        approve: bool,
    },

    // -- project lifecycle ------------------------------------------------------------------
    ProposeProject(ProjectProposal),
    /// 立项.
    ApproveProject {
        project: String,
    },
    /// 预算批复.
    ApproveBudget(BudgetApproval),
    AdjustBudget(BudgetAdjustment),
    StartProcurement(Procurement),
    AwardProcurement(Award),
    SignContract(ContractRecord),
    StartImplementation {
        project: String,
    },
    RequestChangeOrder(ChangeOrder),
    ReportProgress(ProgressReport),
    /// A line director accepts (or rejects) a progress report.
    ReviewProgress {
        report: String,
        accepted: bool,
        #[serde(default)]
        note: String,
    },
    RequestDisbursement(DisbursementRequest),
    /// Finance records that an approved disbursement was paid.
    MarkDisbursementPaid {
        disbursement: String,
        voucher_ref: String,
    },
    RequestAcceptance {
        project: String,
    },
    RecordAcceptance(AcceptanceRecord),
    RecordEvaluation(Evaluation),
    CloseProject {
        project: String,
    },
    SuspendProject {
        project: String,
        reason: String,
    },
    ResumeProject {
        project: String,
    },
    CancelProject {
        project: String,
        reason: String,
    },

    // -- rectification ----------------------------------------------------------------------
    RaiseRectification(RectificationTask),
    SubmitRectification {
        task: String,
        evidence_hash: Hash,
        #[serde(default)]
        note: String,
    },
    VerifyRectification {
        task: String,
        accepted: bool,
        #[serde(default)]
        note: String,
    },

    // -- node operations --------------------------------------------------------------------
    /// A validator fixes a point of its operation log (`crate::access_log`) on the ledger.
    /// Signed with the validator's own key, not a member's; only that validator may anchor its
    /// log, and each anchor must cover more records than the last.
    AnchorAccessLog {
        node: String,
        point: crate::access_log::ChainPoint,
    },

    // -- reminders --------------------------------------------------------------------------
    /// A person addressed by an alert (a reminder) records that they saw it: who saw what, and
    /// when, is then on the ledger. `alert` is the alert's digest (`digest` in the API).
    AcknowledgeAlert {
        alert: Hash,
        #[serde(default)]
        note: String,
    },

    // -- integration --------------------------------------------------------------------------
    /// 信用核查: the owner department records a contractor's credit-registry check (its answer's
    /// hash as evidence); a contract cannot be signed with a contractor last found listed.
    RecordCreditCheck(CreditCheck),

    // -- node operations, continued ------------------------------------------------------------
    /// A validator records the delay-risk model its gateway scores projects with (its version
    /// and the SM3 of the model file's bytes), so anyone reading a score can tell which model
    /// made it and since when. Signed with the validator's own key, like `AnchorAccessLog`;
    /// recording the model already recorded last is refused.
    RecordRiskModel {
        node: String,
        version: String,
        sm3: Hash,
    },
}

macro_rules! operation_kinds {
    ($($variant:ident => $name:literal),* $(,)?) => {
        /// The kind of an operation, without its data; approval policies are keyed by it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Encode, Decode)]
        #[derive(Serialize, Deserialize, JsonSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum OperationKind { $($variant),* }

        impl OperationKind {
            /// Every kind, in declaration order.
            pub const ALL: &'static [OperationKind] = &[$(OperationKind::$variant),*];

            /// The snake_case name used in JSON and in policy files.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(OperationKind::$variant => $name),*
                }
            }
        }

        impl Operation {
            pub fn kind(&self) -> OperationKind {
                match self {
                    $(Operation::$variant { .. } => OperationKind::$variant),*
                }
            }
        }
    };
}

operation_kinds!(
    AddMember => "add_member",
    RemoveMember => "remove_member",
    RotateMemberKey => "rotate_member_key",
    Approve => "approve",
    Refuse => "refuse",
    ProposeGovernance => "propose_governance",
    VoteGovernance => "vote_governance",
    ProposeProject => "propose_project",
    ApproveProject => "approve_project",
    ApproveBudget => "approve_budget",
    AdjustBudget => "adjust_budget",
    StartProcurement => "start_procurement",
    AwardProcurement => "award_procurement",
    SignContract => "sign_contract",
    StartImplementation => "start_implementation",
    RequestChangeOrder => "request_change_order",
    ReportProgress => "report_progress",
    ReviewProgress => "review_progress",
    RequestDisbursement => "request_disbursement",
    MarkDisbursementPaid => "mark_disbursement_paid",
    RequestAcceptance => "request_acceptance",
    RecordAcceptance => "record_acceptance",
    RecordEvaluation => "record_evaluation",
    CloseProject => "close_project",
    SuspendProject => "suspend_project",
    ResumeProject => "resume_project",
    CancelProject => "cancel_project",
    RaiseRectification => "raise_rectification",
    SubmitRectification => "submit_rectification",
    VerifyRectification => "verify_rectification",
    AnchorAccessLog => "anchor_access_log",
    AcknowledgeAlert => "acknowledge_alert",
    RecordCreditCheck => "record_credit_check",
    RecordRiskModel => "record_risk_model",
);

impl Operation {
    /// The amount an approval policy compares with its thresholds: the money this operation
    /// commits or moves (absolute value for adjustments), zero for operations without one.
    pub fn amount_fen(&self) -> Fen {
        match self {
            Operation::ProposeProject(p) => p.requested_budget_fen,
            Operation::ApproveBudget(b) => b
                .lines
                .iter()
                .fold(0u64, |sum, line| sum.saturating_add(line.amount_fen)),
            Operation::AdjustBudget(a) => a.delta_fen.unsigned_abs(),
            Operation::AwardProcurement(a) => a.amount_fen,
            Operation::SignContract(c) => c.amount_fen,
            Operation::RequestChangeOrder(c) => c.amount_delta_fen.unsigned_abs(),
            Operation::RequestDisbursement(d) => d.amount_fen,
            _ => 0,
        }
    }

    /// The project this operation concerns directly, when its payload names one.
    pub fn project(&self) -> Option<&str> {
        match self {
            Operation::ProposeProject(p) => Some(&p.id),
            Operation::ApproveProject { project }
            | Operation::StartImplementation { project }
            | Operation::RequestAcceptance { project }
            | Operation::CloseProject { project }
            | Operation::SuspendProject { project, .. }
            | Operation::ResumeProject { project }
            | Operation::CancelProject { project, .. } => Some(project),
            Operation::ApproveBudget(b) => Some(&b.project),
            Operation::AdjustBudget(a) => Some(&a.project),
            Operation::StartProcurement(p) => Some(&p.project),
            Operation::AwardProcurement(a) => Some(&a.project),
            Operation::SignContract(c) => Some(&c.project),
            Operation::ReportProgress(r) => Some(&r.project),
            Operation::RecordAcceptance(a) => Some(&a.project),
            Operation::RecordEvaluation(e) => Some(&e.project),
            Operation::RecordCreditCheck(c) => Some(&c.project),
            Operation::RaiseRectification(t) => t.project.as_deref(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::OperationKind;

    #[test]
    fn kind_names_are_the_serde_names() {
        for kind in OperationKind::ALL {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
    }
}
