//! The records the rules keep in state: the submitted payloads (core's model types) wrapped with
//! status, totals, actors and times. Every one is bincode (canonical encoding) in state and JSON
//! through the internal API; the public portal sees only [`crate::disclosure`]'s projection.

use bincode::{Decode, Encode};
use gongxin_core::Hash;
use gongxin_core::crypto::PublicKey;
use gongxin_core::model::{
    AcceptanceRecord, ApprovalRequirement, BasisPoints, BudgetLine, ChangeOrder, Department,
    DepartmentKind, DepartmentSelector, DisbursementRequest, Disclosure, EvaluationScore, Fen,
    GovernanceChange, Member, Operation, OperationKind, Party, PaymentMilestone, Procurement,
    ProgressReport, ProjectStage, RectificationTask, Role, TimestampMs,
};
use serde::{Deserialize, Serialize};

use crate::events::Alert;
use crate::rejection::Rejection;

/// Chain-wide parameters fixed at genesis.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct Params {
    pub chain_id: String,
    pub genesis_time_ms: TimestampMs,
    pub genesis_hash: Hash,
}

/// A department with the keys of its directors (who manage its members, vote in governance and
/// receive its reminders) and its member count.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct DepartmentRecord {
    pub department: Department,
    /// Current keys of its directors, sorted.
    pub directors: Vec<PublicKey>,
    pub members: u32,
}

impl DepartmentRecord {
    pub fn id(&self) -> &str {
        &self.department.id
    }
    pub fn kind(&self) -> DepartmentKind {
        self.department.kind
    }
    /// The director reminders go to: the first by key order (deterministic).
    pub fn lead_director(&self) -> Option<PublicKey> {
        self.directors.first().copied()
    }
}

/// A member with the stable identity of the person behind the key.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct MemberRecord {
    pub member: Member,
    /// The person's first key. Keys rotate; this does not, so a person who rotated their key
    /// still cannot approve the same request twice or approve their own.
    pub person: PublicKey,
    pub added_height: u64,
}

impl MemberRecord {
    pub fn key(&self) -> PublicKey {
        self.member.public_key
    }
    pub fn department(&self) -> &str {
        &self.member.department
    }
    pub fn role(&self) -> Role {
        self.member.role
    }
}

/// An approved budget (预算批复) and its adjustments.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct BudgetState {
    pub fiscal_year: u16,
    /// Current amounts per line (after adjustments).
    pub lines: Vec<BudgetLine>,
    pub total_fen: Fen,
    /// The total as first approved.
    pub original_total_fen: Fen,
    pub document_hash: Option<Hash>,
    pub approved_ms: TimestampMs,
    pub adjustments: u32,
}

/// The acceptance verdict (验收).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct AcceptanceState {
    pub record: AcceptanceRecord,
    pub recorded_by: PublicKey,
    pub recorded_ms: TimestampMs,
    /// How many acceptance verdicts were recorded (a failed one sends the project back to work).
    pub attempts: u32,
}

/// The post-evaluation (后评价).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct EvaluationState {
    pub scores: Vec<EvaluationScore>,
    /// Mean of the scores, bp.
    pub overall_bp: BasisPoints,
    pub document_hash: Hash,
    pub summary: String,
    pub evaluator: PublicKey,
    pub evaluating_department: String,
    pub recorded_ms: TimestampMs,
}

/// A project with its lifecycle stage, budget and running totals.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct ProjectRecord {
    pub id: String,
    pub name: String,
    pub category: String,
    pub location: String,
    pub programme: Option<String>,
    pub owner_department: String,
    pub planned_start_ms: TimestampMs,
    /// Current planned end (after approved schedule changes).
    pub planned_end_ms: TimestampMs,
    pub original_planned_end_ms: TimestampMs,
    pub requested_budget_fen: Fen,
    pub disclosure: Disclosure,
    /// Internal.
    pub description: String,
    pub proposer: PublicKey,
    pub stage: ProjectStage,
    /// While suspended: the stage to resume to, and the department that suspended it.
    pub resume_stage: Option<ProjectStage>,
    pub suspended_by: Option<String>,
    /// Reason given for the last suspension or the cancellation (internal).
    pub stage_reason: String,
    pub budget: Option<BudgetState>,
    pub contract: Option<String>,
    /// The contract amount (after change orders): what is committed against the budget.
    pub committed_fen: Fen,
    /// Disbursements approved but not yet paid.
    pub approved_unpaid_fen: Fen,
    /// Disbursements paid.
    pub disbursed_fen: Fen,
    pub accepted_progress_bp: BasisPoints,
    /// Latest claimed progress (reported, maybe not yet accepted).
    pub reported_progress_bp: BasisPoints,
    pub progress_reports: u32,
    pub rectifications: u32,
    /// Highest budget-use alert threshold raised so far (0, 8 000 or 10 000 bp), so each is
    /// raised once per crossing.
    pub budget_alert_bp: BasisPoints,
    pub acceptance: Option<AcceptanceState>,
    pub evaluation: Option<EvaluationState>,
    pub created_height: u64,
    pub created_ms: TimestampMs,
    pub updated_ms: TimestampMs,
    pub closed_ms: Option<TimestampMs>,
}

impl ProjectRecord {
    pub fn budget_fen(&self) -> Fen {
        self.budget.as_ref().map_or(0, |b| b.total_fen)
    }
}

/// The award of a procurement (中标).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct AwardState {
    pub bids: Vec<gongxin_core::model::Bid>,
    pub winner: Party,
    pub amount_fen: Fen,
    pub document_hash: Option<Hash>,
    pub awarded_ms: TimestampMs,
}

/// A project's procurement (招标采购) and its award.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct ProcurementRecord {
    pub procurement: Procurement,
    pub started_ms: TimestampMs,
    pub award: Option<AwardState>,
    pub disclosure: Disclosure,
}

/// A payment milestone with its current due date and when accepted progress reached it.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct MilestoneState {
    /// As signed, except `due_ms`, which approved schedule changes move.
    pub milestone: PaymentMilestone,
    pub original_due_ms: TimestampMs,
    pub reached_ms: Option<TimestampMs>,
    /// The due date whose due-soon reminder was sent, so moving the date away and back does
    /// not send it twice.
    pub due_soon_sent_for: Option<TimestampMs>,
}

/// A signed contract (合同) with its payment state.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct ContractState {
    pub id: String,
    pub project: String,
    pub contractor: Party,
    pub original_amount_fen: Fen,
    /// Current amount (after change orders).
    pub amount_fen: Fen,
    pub advance_share_bp: BasisPoints,
    pub milestones: Vec<MilestoneState>,
    pub document_hash: Hash,
    pub signed_by: PublicKey,
    pub signed_ms: TimestampMs,
    pub approved_unpaid_fen: Fen,
    pub paid_fen: Fen,
    pub disbursements: u32,
    pub change_orders: u32,
    pub schedule_delta_days: i64,
    pub disclosure: Disclosure,
}

/// An executed change order (变更). Pending ones live in their request.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct ChangeRecord {
    pub order: ChangeOrder,
    pub project: String,
    pub requested_by: PublicKey,
    pub request: Option<Hash>,
    pub amount_before_fen: Fen,
    pub amount_after_fen: Fen,
    pub executed_ms: TimestampMs,
    pub disclosure: Disclosure,
}

/// Where a progress report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    Submitted,
    Accepted,
    Rejected,
}

/// A progress report (进度) and its review.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct ProgressRecord {
    pub report: ProgressReport,
    pub reporter: PublicKey,
    pub submitted_ms: TimestampMs,
    pub status: ReviewStatus,
    pub reviewer: Option<PublicKey>,
    pub reviewed_ms: Option<TimestampMs>,
    pub review_note: String,
    pub disclosure: Disclosure,
}

/// Where a disbursement stands. It is created `Approved` when its request's approvals are in
/// (or at once, when no policy covers it); the pending stage is its open request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisbursementStatus {
    Approved,
    Paid,
}

/// A disbursement (资金拨付).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct DisbursementRecord {
    pub request: DisbursementRequest,
    pub project: String,
    pub requested_by: PublicKey,
    /// The approval request it went through, when a policy covered it.
    pub approval_request: Option<Hash>,
    pub status: DisbursementStatus,
    pub approved_ms: TimestampMs,
    pub voucher_ref: Option<String>,
    pub paid_by: Option<PublicKey>,
    pub paid_ms: Option<TimestampMs>,
    pub disclosure: Disclosure,
}

/// Where a rectification task stands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Encode, Decode, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum RectStatus {
    Open,
    Submitted,
    Verified,
    Reopened,
}

impl RectStatus {
    pub const ALL: [RectStatus; 4] = [
        RectStatus::Open,
        RectStatus::Submitted,
        RectStatus::Verified,
        RectStatus::Reopened,
    ];

    pub fn name(self) -> &'static str {
        match self {
            RectStatus::Open => "open",
            RectStatus::Submitted => "submitted",
            RectStatus::Verified => "verified",
            RectStatus::Reopened => "reopened",
        }
    }

    /// Whether the responsible department still has to act.
    pub fn awaits_submission(self) -> bool {
        matches!(self, RectStatus::Open | RectStatus::Reopened)
    }
}

/// A rectification task (整改) through its loop: raised → submitted → verified, or reopened.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct RectificationRecord {
    pub task: RectificationTask,
    /// The person (first key) behind `task.responsible_person`, which may rotate.
    pub responsible_person_id: PublicKey,
    pub raised_by: PublicKey,
    pub raising_department: String,
    pub raised_ms: TimestampMs,
    pub status: RectStatus,
    pub submissions: u32,
    pub last_evidence: Option<Hash>,
    pub last_submitted_by: Option<PublicKey>,
    pub last_submitter_person: Option<PublicKey>,
    pub last_submitted_ms: Option<TimestampMs>,
    pub last_submit_note: String,
    pub verified_by: Option<PublicKey>,
    pub verified_ms: Option<TimestampMs>,
    /// When the submission that was verified was made (on time if at or before the deadline).
    pub verified_submission_ms: Option<TimestampMs>,
    pub last_verify_note: String,
    /// Whether the deadline passed while the task awaited the responsible department.
    pub overdue: bool,
    pub reminders: u32,
    /// When the next overdue reminder is due (the deadline, then every reminder interval while
    /// the task still awaits the responsible department); `None` while nothing is awaited.
    pub next_reminder_ms: Option<TimestampMs>,
    /// When the task was escalated to its raising department for staying overdue too long.
    pub escalated_ms: Option<TimestampMs>,
    /// The deadline whose due-soon reminder was sent (a task reopened before its deadline is
    /// not reminded twice of the same deadline).
    pub due_soon_sent_for: Option<TimestampMs>,
    /// The concerned project's disclosure (public when it concerns no project).
    pub disclosure: Disclosure,
}

impl RectificationRecord {
    /// Closed on time: verified, with the verified submission made by the deadline.
    pub fn on_time(&self) -> bool {
        self.status == RectStatus::Verified
            && self
                .verified_submission_ms
                .is_some_and(|s| s <= self.task.deadline_ms)
    }
}

/// An approval requirement resolved to concrete departments when the request opened.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct ResolvedRequirement {
    pub selector: DepartmentSelector,
    pub departments: Vec<String>,
    pub role: Role,
    pub count: u8,
}

impl ResolvedRequirement {
    pub fn admits(&self, department: &str, role: Role) -> bool {
        self.role == role && self.departments.iter().any(|d| d == department)
    }

    pub fn requirement(&self) -> ApprovalRequirement {
        ApprovalRequirement {
            department: self.selector.clone(),
            role: self.role,
            count: self.count,
        }
    }
}

/// One approval of a request.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct ApprovalEntry {
    pub person: PublicKey,
    pub key: PublicKey,
    pub department: String,
    pub role: Role,
    pub note: String,
    pub tx: Hash,
    pub height: u64,
    pub time_ms: TimestampMs,
}

/// Where a request stands.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum RequestStatus {
    Open,
    Executed,
    /// The approvals were in but the operation failed its re-check.
    Failed {
        rejection: Rejection,
    },
    Refused {
        by: PublicKey,
        reason: String,
    },
}

impl RequestStatus {
    pub fn name(&self) -> &'static str {
        match self {
            RequestStatus::Open => "open",
            RequestStatus::Executed => "executed",
            RequestStatus::Failed { .. } => "failed",
            RequestStatus::Refused { .. } => "refused",
        }
    }
}

/// An operation waiting for (or done with) the approvals its policy requires.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct RequestRecord {
    /// The hash of the transaction that opened it.
    pub hash: Hash,
    pub operation: Operation,
    pub kind: OperationKind,
    pub submitter: PublicKey,
    pub submitter_person: PublicKey,
    pub submitter_department: String,
    pub project: Option<String>,
    pub amount_fen: Fen,
    /// The threshold of the policy that applied.
    pub policy_min_amount_fen: Fen,
    pub policy_description: String,
    /// Fixed when the request opened, so a later policy change neither strands nor shortcuts
    /// a request in flight.
    pub required: Vec<ResolvedRequirement>,
    pub approvals: Vec<ApprovalEntry>,
    pub status: RequestStatus,
    pub opened_height: u64,
    pub opened_ms: TimestampMs,
    pub closed_height: Option<u64>,
    pub closed_ms: Option<TimestampMs>,
}

impl RequestRecord {
    /// Every department named by a requirement, sorted and distinct.
    pub fn departments(&self) -> Vec<String> {
        let mut all: Vec<String> = self
            .required
            .iter()
            .flat_map(|r| r.departments.iter().cloned())
            .collect();
        all.sort();
        all.dedup();
        all
    }

    pub fn slots(&self) -> usize {
        self.required.iter().map(|r| usize::from(r.count)).sum()
    }
}

/// A department's vote on a governance proposal.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct Vote {
    pub department: String,
    pub voter: PublicKey,
    pub approve: bool,
    pub height: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum GovernanceStatus {
    Open,
    Passed,
    /// Enough departments voted against that it can no longer pass.
    Rejected,
    /// It passed but the change no longer applies (e.g. the policy it removes is gone).
    Failed {
        rejection: Rejection,
    },
}

/// A governance proposal and its votes (one per department).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct GovernanceRecord {
    pub id: String,
    pub change: GovernanceChange,
    pub note: String,
    pub proposer: PublicKey,
    pub proposer_department: String,
    pub votes: Vec<Vote>,
    pub status: GovernanceStatus,
    pub opened_height: u64,
    pub closed_height: Option<u64>,
}

/// One entry of a record's history: which transaction changed it, when, and how.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub height: u64,
    pub time_ms: TimestampMs,
    /// The transaction (absent for a block's deadline sweep).
    pub tx: Option<Hash>,
    /// The approval request whose execution made the change, if any.
    pub request: Option<Hash>,
    pub actor: Option<PublicKey>,
    pub action: String,
    pub summary: String,
}

/// A rejected transaction, kept for discipline inspection.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct RejectionRecord {
    pub tx: Hash,
    pub height: u64,
    pub time_ms: TimestampMs,
    pub signer: PublicKey,
    pub signer_department: Option<String>,
    pub kind: OperationKind,
    pub project: Option<String>,
    pub rejection: Rejection,
    pub alert: Option<Alert>,
}

/// A point of a validator's operation log fixed on the ledger (`anchor_access_log`).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct AccessAnchorRecord {
    /// The validator whose log this is.
    pub node: String,
    pub point: gongxin_core::access_log::ChainPoint,
    pub height: u64,
    pub time_ms: TimestampMs,
    pub tx: Hash,
}

/// A delay-risk model a validator's gateway scores projects with (`record_risk_model`).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct RiskModelRecord {
    pub node: String,
    pub version: String,
    /// SM3 of the model file's bytes.
    pub sm3: Hash,
    pub height: u64,
    pub time_ms: TimestampMs,
    pub tx: Hash,
}

/// A person's acknowledgement of an alert addressed to them (`acknowledge_alert`): who saw the
/// reminder, when, and in which capacity.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct AckRecord {
    pub alert: Hash,
    /// The key that signed the acknowledgement.
    pub by: PublicKey,
    /// The person (first key) behind it.
    pub person: PublicKey,
    pub name: String,
    pub department: String,
    pub role: Role,
    pub height: u64,
    pub time_ms: TimestampMs,
    pub tx: Hash,
    pub note: String,
}

/// A contractor's credit-registry check (`record_credit_check`), the latest per project and
/// contractor: who recorded it, when, in which transaction.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct CreditCheckRecord {
    pub check: gongxin_core::model::CreditCheck,
    pub recorded_by: PublicKey,
    pub height: u64,
    pub recorded_ms: TimestampMs,
    pub tx: Hash,
}
