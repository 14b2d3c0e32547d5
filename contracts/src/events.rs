//! Events and alerts: what a transaction or a block's deadline sweep raised.
//!
//! Events are returned with each outcome so the node can index them and push them to
//! subscribers; they are derived deterministically from the transaction and the state, so every
//! node raises the same ones. Alerts are also stored (`alert/…`, see [`crate::keys`]) so the
//! gateway can show a project's alerts and a department's reminders without replaying blocks.

use bincode::{Decode, Encode};
use gongxin_core::Hash;
use gongxin_core::crypto::PublicKey;
use gongxin_core::model::{
    BasisPoints, Fen, OperationKind, ProjectStage, ReminderPolicy, TimestampMs,
};
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
    /// Someone an alert addresses recorded that they saw it.
    AlertAcknowledged {
        alert: Hash,
        by: PublicKey,
        department: String,
        /// The alert's departments and project, so the event reaches whoever sees the alert.
        responsible_department: String,
        escalated_to: Option<String>,
        project: Option<String>,
    },
    /// Governance replaced the reminder thresholds.
    ReminderPolicySet {
        policy: ReminderPolicy,
    },
}

impl Event {
    /// The project the event is about, when it names one.
    pub fn project(&self) -> Option<&str> {
        match self {
            Event::Alert(alert) => alert.project.as_deref(),
            Event::RecordCreated { project, .. }
            | Event::RecordUpdated { project, .. }
            | Event::RequestOpened { project, .. }
            | Event::AlertAcknowledged { project, .. } => project.as_deref(),
            Event::StageChanged { project, .. } => Some(project),
            _ => None,
        }
    }
}

/// What an alert is about, with the figures behind it.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
#[serde(tag = "alert", rename_all = "snake_case")]
pub enum AlertKind {
    /// Payments reached 80 % of the approved budget.
    #[serde(rename = "budget_use_80")]
    BudgetUse80 {
        budget_fen: Fen,
        used_fen: Fen,
        use_bp: u64,
    },
    /// Payments reached the whole approved budget.
    #[serde(rename = "budget_use_100")]
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
    /// A payment milestone is due within the reminder policy's lead time and accepted progress
    /// has not reached it yet (yellow).
    MilestoneDueSoon {
        contract: String,
        milestone: u16,
        name: String,
        due_ms: TimestampMs,
        required_progress_bp: BasisPoints,
        accepted_progress_bp: BasisPoints,
    },
    /// A rectification task awaiting its responsible department is due within the lead time.
    RectificationDueSoon {
        task: String,
        deadline_ms: TimestampMs,
    },
    /// A rectification task stayed overdue past the policy's escalation delay: the audit
    /// department that raised it is told (`Alert::escalated_to`), once per task.
    RectificationEscalated {
        task: String,
        deadline_ms: TimestampMs,
        days_overdue: u64,
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
            AlertKind::MilestoneDueSoon { .. } => "milestone_due_soon",
            AlertKind::RectificationDueSoon { .. } => "rectification_due_soon",
            AlertKind::RectificationEscalated { .. } => "rectification_escalated",
        }
    }

    /// Every kind's code, for filters.
    pub const CODES: &'static [&'static str] = &[
        "budget_use_80",
        "budget_use_100",
        "over_budget_attempt",
        "disbursement_ahead_of_progress",
        "milestone_overdue",
        "rectification_overdue",
        "milestone_due_soon",
        "rectification_due_soon",
        "rectification_escalated",
    ];
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
    /// A second department the alert goes to: the audit department a rectification task is
    /// escalated to.
    pub escalated_to: Option<String>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_serde_tags_and_all_listed() {
        let text = String::new;
        let every = [
            AlertKind::BudgetUse80 {
                budget_fen: 1,
                used_fen: 1,
                use_bp: 1,
            },
            AlertKind::BudgetUse100 {
                budget_fen: 1,
                used_fen: 1,
            },
            AlertKind::OverBudgetAttempt {
                budget_fen: 1,
                committed_fen: 1,
                requested_fen: 1,
            },
            AlertKind::DisbursementAheadOfProgress {
                contract: text(),
                accepted_progress_bp: 1,
                allowed_fen: 1,
                disbursed_fen: 1,
                requested_fen: 1,
            },
            AlertKind::MilestoneOverdue {
                contract: text(),
                milestone: 0,
                name: text(),
                due_ms: 1,
                required_progress_bp: 1,
                accepted_progress_bp: 1,
            },
            AlertKind::RectificationOverdue {
                task: text(),
                deadline_ms: 1,
                reminder: 1,
            },
            AlertKind::MilestoneDueSoon {
                contract: text(),
                milestone: 0,
                name: text(),
                due_ms: 1,
                required_progress_bp: 1,
                accepted_progress_bp: 1,
            },
            AlertKind::RectificationDueSoon {
                task: text(),
                deadline_ms: 1,
            },
            AlertKind::RectificationEscalated {
                task: text(),
                deadline_ms: 1,
                days_overdue: 1,
            },
        ];
        let codes: Vec<&str> = every.iter().map(AlertKind::code).collect();
        assert_eq!(codes, AlertKind::CODES);
        for kind in &every {
            assert_eq!(serde_json::to_value(kind).unwrap()["alert"], kind.code());
        }
    }
}
