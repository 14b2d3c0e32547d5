//! Events and alerts: what a transaction or a block's deadline sweep raised.
//!
//! Events are returned with each outcome so the node can index them and push them to
//! subscribers; they are derived deterministically from the transaction and the state, so every
//! node raises the same ones. Alerts are also stored (`alert/…`, see [`crate::keys`]) so the
//! gateway can show a project's alerts and a department's reminders without replaying blocks.

use bincode::{Decode, Encode};
use gongxin_core::Hash;
use gongxin_core::crypto::PublicKey;
use gongxin_core::model::{BasisPoints, Fen, OperationKind, ProjectStage, TimestampMs};
use gongxin_core::validator::Validator;
use serde::{Deserialize, Serialize};

/// The kinds of record the rules keep.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Encode, Decode, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    Department,
    Member,
    Policy,
    Validator,
    Governance,
    Request,
    Project,
    Procurement,
    Contract,
    ChangeOrder,
    ProgressReport,
    Disbursement,
    Rectification,
}

/// What happened, for indexers and subscribers.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    Alert(Alert),
    RecordCreated {
        kind: RecordKind,
        id: String,
        project: Option<String>,
    },
    RecordUpdated {
        kind: RecordKind,
        id: String,
        project: Option<String>,
        what: String,
    },
    StageChanged {
        project: String,
        from: ProjectStage,
        to: ProjectStage,
    },
    /// An operation under an approval policy opened a request instead of taking effect.
    RequestOpened {
        request: Hash,
        kind: OperationKind,
        submitter: PublicKey,
        project: Option<String>,
        /// Departments whose members can approve it.
        departments: Vec<String>,
    },
    RequestApproved {
        request: Hash,
        approver: PublicKey,
        /// Approvals still missing after this one.
        remaining: u32,
    },
    /// All approvals were in and the operation took effect.
    RequestExecuted {
        request: Hash,
    },
    /// All approvals were in but the operation no longer passes the rules (e.g. the budget was
    /// used up meanwhile); the request is closed with the reason.
    RequestFailed {
        request: Hash,
        code: String,
        reason: String,
    },
    RequestRefused {
        request: Hash,
        by: PublicKey,
        reason: String,
    },
    GovernanceProposed {
        id: String,
        proposer: PublicKey,
    },
    GovernanceVoted {
        id: String,
        department: String,
        approve: bool,
    },
    GovernancePassed {
        id: String,
    },
    GovernanceRejected {
        id: String,
    },
    GovernanceFailed {
        id: String,
        code: String,
        reason: String,
    },
    MemberAdded {
        department: String,
        key: PublicKey,
    },
    MemberRemoved {
        department: String,
        key: PublicKey,
    },
    MemberKeyRotated {
        department: String,
        old_key: PublicKey,
        new_key: PublicKey,
    },
    PolicySet {
        kind: OperationKind,
        min_amount_fen: Fen,
    },
    PolicyRemoved {
        kind: OperationKind,
        min_amount_fen: Fen,
    },
    /// The validator set the node must use from a later height (its decision, per consensus).
    ValidatorSetChanged {
        validators: Vec<Validator>,
    },
}

/// What an alert is about, with the figures behind it.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
#[serde(tag = "alert", rename_all = "snake_case")]
pub enum AlertKind {
    /// Payments reached 80 % of the approved budget.
    BudgetUse80 {
        budget_fen: Fen,
        used_fen: Fen,
        use_bp: u64,
    },
    /// Payments reached the whole approved budget.
    BudgetUse100 { budget_fen: Fen, used_fen: Fen },
    /// Someone tried to commit more than the budget (the attempt was rejected).
    OverBudgetAttempt {
        budget_fen: Fen,
        committed_fen: Fen,
        requested_fen: Fen,
    },
    /// Someone asked to pay more than accepted progress allows (the attempt was rejected).
    DisbursementAheadOfProgress {
        contract: String,
        accepted_progress_bp: BasisPoints,
        allowed_fen: Fen,
        disbursed_fen: Fen,
        requested_fen: Fen,
    },
    /// A payment milestone's due date passed before accepted progress reached it.
    MilestoneOverdue {
        contract: String,
        milestone: u16,
        name: String,
        due_ms: TimestampMs,
        required_progress_bp: BasisPoints,
        accepted_progress_bp: BasisPoints,
    },
    /// A rectification task passed its deadline without being submitted (or was reopened after
    /// it); `reminder` counts the reminders sent so far (1 = the first).
    RectificationOverdue {
        task: String,
        deadline_ms: TimestampMs,
        reminder: u32,
    },
}

impl AlertKind {
    /// A stable snake_case name.
    pub fn code(&self) -> &'static str {
        match self {
            AlertKind::BudgetUse80 { .. } => "budget_use_80",
            AlertKind::BudgetUse100 { .. } => "budget_use_100",
            AlertKind::OverBudgetAttempt { .. } => "over_budget_attempt",
            AlertKind::DisbursementAheadOfProgress { .. } => "disbursement_ahead_of_progress",
            AlertKind::MilestoneOverdue { .. } => "milestone_overdue",
            AlertKind::RectificationOverdue { .. } => "rectification_overdue",
        }
    }
}

/// An alert: what, about which record, and who must act — the responsible department, the
/// person answerable (when one is named) and the department's director (the 责任领导 a reminder
/// goes to).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct Alert {
    pub kind: AlertKind,
    pub project: Option<String>,
    /// The record concerned, as its state key (`contract/C-1`, `rect/R-7`, …).
    pub record: String,
    pub responsible_department: String,
    pub responsible_person: Option<PublicKey>,
    pub director: Option<PublicKey>,
    pub height: u64,
    pub time_ms: TimestampMs,
    /// The alert in words.
    pub message: String,
}

impl Alert {
    /// A digest naming this alert in keys (two identical alerts at one time are one alert).
    pub fn digest(&self) -> Hash {
        Hash::digest(&gongxin_core::encoding::encode(self))
    }
}
