//! The data model: the records departments keep and the operations that change them.
//!
//! These are plain data types — what a client builds, signs and submits, and what the canonical
//! encoding turns into bytes. The *rules* (who may do what, in which state, within which budget)
//! are `gongxin-contracts`; keeping the types here lets the client and auditors build and read
//! every operation without depending on the rules engine.
//!
//! Conventions, everywhere:
//! - Money is integer fen (分): `u64` amounts, `i64` adjustments. No floats anywhere.
//! - Time is milliseconds since the Unix epoch, taken from the block timestamp by the rules.
//! - Shares and percentages are basis points (`bp`, 1/100 of a percent): 10 000 bp = 100 %.
//! - Record ids are chosen by the submitter (e.g. a project code `SC-2026-017`), 1–64 characters
//!   from `A–Z a–z 0–9 . _ -`, so a client can refer to a record before it is committed.

pub mod credit_code;
pub mod examples;
mod ops;
mod records;

use bincode::{Decode, Encode};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use ops::{GovernanceChange, Operation, OperationKind};
pub use records::*;

use crate::crypto::PublicKey;

/// Amount of money in fen (分, 1/100 yuan).
pub type Fen = u64;
/// Milliseconds since 1970-01-01T00:00:00Z.
pub type TimestampMs = u64;
/// Basis points: 10 000 = 100 %.
pub type BasisPoints = u16;
/// 100 % in basis points.
pub const FULL_BP: BasisPoints = 10_000;

/// The longest record id.
pub const ID_CHARS_MAX: usize = 64;
/// The longest free-text field (names, notes, reasons), in bytes.
pub const TEXT_BYTES_MAX: usize = 4096;

const DAY_MS: u64 = 24 * 60 * 60 * 1000;

/// When reminders fire, relative to a deadline: policy data, set in genesis and changed by
/// governance ([`GovernanceChange::SetReminderPolicy`]). A change applies to deadlines scheduled
/// after it; reminders already scheduled keep their times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode, Serialize, Deserialize, JsonSchema)]
pub struct ReminderPolicy {
    /// How long before a payment milestone's or rectification task's deadline the due-soon
    /// reminder (yellow) comes; 0 turns due-soon reminders off. Default 3 days, at most 90.
    pub due_soon_lead_ms: u64,
    /// How long a rectification task may stay overdue before it is escalated to the audit
    /// department that raised it. Default 30 days; 1 to 365 days.
    pub escalate_after_ms: u64,
}

impl ReminderPolicy {
    pub const DUE_SOON_LEAD_MAX_MS: u64 = 90 * DAY_MS;
    pub const ESCALATE_AFTER_MIN_MS: u64 = DAY_MS;
    pub const ESCALATE_AFTER_MAX_MS: u64 = 365 * DAY_MS;

    /// Why the thresholds are out of range, if they are.
    pub fn problem(&self) -> Option<String> {
        if self.due_soon_lead_ms > Self::DUE_SOON_LEAD_MAX_MS {
            return Some(format!(
                "due_soon_lead_ms {} is over 90 days",
                self.due_soon_lead_ms
            ));
        }
        if !(Self::ESCALATE_AFTER_MIN_MS..=Self::ESCALATE_AFTER_MAX_MS)
            .contains(&self.escalate_after_ms)
        {
            return Some(format!(
                "escalate_after_ms {} is not between 1 and 365 days",
                self.escalate_after_ms
            ));
        }
        None
    }
}

impl Default for ReminderPolicy {
    fn default() -> Self {
        ReminderPolicy {
            due_soon_lead_ms: 3 * DAY_MS,
            escalate_after_ms: 30 * DAY_MS,
        }
    }
}

/// Whether `id` is a valid record or department id.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= ID_CHARS_MAX
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// What a department does in the consortium; rules and policies refer to departments by kind.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Encode,
    Decode,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DepartmentKind {
    /// 财政: budgets and payments.
    Finance,
    /// 审计 / 纪检: audit and discipline inspection; reads everything, raises rectifications.
    Audit,
    /// 业务主管部门: owns and runs projects (transport, ecology, …).
    Line,
    /// 发改 / 规划: planning and development; approves projects (立项).
    Planning,
}

/// A person's role inside their department.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Encode,
    Decode,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 局长 / 主任.
    Director,
    /// 科长.
    SectionChief,
    /// 专员 / 经办人.
    Specialist,
    /// 审计员 / 纪检员.
    Auditor,
}

/// A participating department.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize, JsonSchema)]
pub struct Department {
    pub id: String,
    pub name: String,
    pub kind: DepartmentKind,
}

/// A person who holds a key and acts for a department in a role.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize, JsonSchema)]
pub struct Member {
    pub name: String,
    pub department: String,
    pub role: Role,
    pub public_key: PublicKey,
}

/// Which department an approval requirement points at.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Encode, Decode, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DepartmentSelector {
    /// The department that owns the project the operation concerns.
    ProjectOwner,
    /// Any department of this kind (e.g. the finance bureau).
    Kind(DepartmentKind),
    /// One named department.
    Id(String),
}

/// "`count` distinct members with `role` in the selected department must approve."
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize, JsonSchema)]
pub struct ApprovalRequirement {
    pub department: DepartmentSelector,
    pub role: Role,
    pub count: u8,
}

/// An approval policy: operations of `kind` whose amount is at least `min_amount_fen` need the
/// listed approvals (besides the submitter, who never approves their own request) before they
/// take effect. The policy with the highest matching `min_amount_fen` applies.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize, JsonSchema)]
pub struct ApprovalPolicy {
    pub kind: OperationKind,
    #[serde(default)]
    pub min_amount_fen: Fen,
    pub required: Vec<ApprovalRequirement>,
    /// Why this policy exists (the regulation it implements), for people reading the ledger.
    #[serde(default)]
    pub description: String,
}
