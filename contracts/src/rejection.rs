//! Why the rules refused a transaction: a stable code for machines, a sentence for people.
//!
//! The code ([`Rejection::code`]) goes into the log entry's outcome and is part of the ledger's
//! public contract: gateways, dashboards and discipline-inspection tools match on it, so a code
//! is never renamed or reused. The message names the record, the amounts (in yuan) and the rule,
//! so a person reading the ledger years later understands what was attempted.

use bincode::{Decode, Encode};
use gongxin_core::Hash;
use gongxin_core::crypto::PublicKey;
use gongxin_core::entry::Outcome;
use gongxin_core::model::{BasisPoints, Fen, Role};
use serde::{Deserialize, Serialize};

use crate::display::{percent_bp, yuan};

/// A rule refused the transaction. Nothing changed except that the attempt is on record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Encode, Decode, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Rejection {
    #[error("the transaction is for chain {found:?}, this is chain {expected:?}")]
    WrongChain { expected: String, found: String },

    #[error(
        "the transaction expired at height {valid_until_height}; this block is at height {height}"
    )]
    Expired {
        valid_until_height: u64,
        height: u64,
    },

    #[error(
        "the transaction is valid until height {valid_until_height}, more than {window} blocks after this block's height {height}"
    )]
    ExpiryTooFar {
        valid_until_height: u64,
        height: u64,
        window: u64,
    },

    #[error("transaction {tx} was already committed; a transaction takes effect at most once")]
    Replay { tx: Hash },

    #[error("the signer {key} is not a member of any department")]
    UnknownSigner { key: PublicKey },

    #[error("{action} needs {needed}; the signer is a {actual:?}")]
    WrongRole {
        action: String,
        needed: String,
        actual: Role,
    },

    #[error("{action} is for {needed}; the signer belongs to department {actual:?}")]
    WrongDepartment {
        action: String,
        needed: String,
        actual: String,
    },

    #[error("{what} is {state}; {action} needs {needed}")]
    WrongState {
        what: String,
        state: String,
        action: String,
        needed: String,
    },

    #[error("project {project:?} is {stage} and never changes again")]
    RecordClosed { project: String, stage: String },

    #[error("{kind} {id:?} does not exist")]
    NotFound { kind: String, id: String },

    #[error("{kind} {id:?} already exists")]
    AlreadyExists { kind: String, id: String },

    #[error("{field}: {reason}")]
    InvalidField { field: String, reason: String },

    #[error("computing {what} overflows; no amount that large can be recorded")]
    Overflow { what: String },

    #[error(
        "over budget: project {project:?} has an approved budget of {}, {} is already committed, and {} more would make {} — {} over",
        yuan(*.budget_fen),
        yuan(*.committed_fen),
        yuan(*.requested_fen),
        yuan(.committed_fen.saturating_add(*.requested_fen)),
        yuan(.committed_fen.saturating_add(*.requested_fen).saturating_sub(*.budget_fen))
    )]
    OverBudget {
        project: String,
        budget_fen: Fen,
        committed_fen: Fen,
        requested_fen: Fen,
    },

    #[error(
        "over the contract amount: contract {contract:?} is for {}, {} is already paid or approved, and {} more would exceed it",
        yuan(*.contract_fen),
        yuan(*.disbursed_fen),
        yuan(*.requested_fen)
    )]
    OverContract {
        contract: String,
        contract_fen: Fen,
        disbursed_fen: Fen,
        requested_fen: Fen,
    },

    #[error(
        "ahead of progress: contract {contract:?} has {} accepted progress, which with its advance allows payments of {} ({} of {}); {} is already paid or approved and {} more was asked",
        percent_bp(*.accepted_progress_bp),
        yuan(*.allowed_fen),
        percent_bp(*.allowed_bp),
        yuan(*.contract_fen),
        yuan(*.disbursed_fen),
        yuan(*.requested_fen)
    )]
    AheadOfProgress {
        contract: String,
        contract_fen: Fen,
        accepted_progress_bp: BasisPoints,
        allowed_bp: BasisPoints,
        allowed_fen: Fen,
        disbursed_fen: Fen,
        requested_fen: Fen,
    },

    #[error("this person has already approved request {request}")]
    DuplicateApproval { request: Hash },

    #[error("the submitter of request {request} cannot approve or refuse it")]
    SelfApproval { request: Hash },

    #[error(
        "request {request} needs no further approval that this signer could give: {needed_by_signer}"
    )]
    ApprovalNotNeeded {
        request: Hash,
        needed_by_signer: String,
    },

    #[error("request {request} is already {status}")]
    RequestClosed { request: Hash, status: String },

    #[error("department {department:?} has already voted on governance proposal {id:?}")]
    DuplicateVote { id: String, department: String },

    #[error("{what} is limited to {max}")]
    LimitReached { what: String, max: u64 },

    #[error("not permitted: {reason}")]
    NotPermitted { reason: String },
}

/// The code of a transaction whose hash was already committed. The node keys on it: a replayed
/// copy is logged, but never indexed over the original.
pub const REPLAY_CODE: &str = "replay";

impl Rejection {
    /// The stable, machine-readable code. Never renamed, never reused.
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::WrongChain { .. } => "wrong_chain",
            Rejection::Expired { .. } => "expired",
            Rejection::ExpiryTooFar { .. } => "expiry_too_far",
            Rejection::Replay { .. } => REPLAY_CODE,
            Rejection::UnknownSigner { .. } => "unknown_signer",
            Rejection::WrongRole { .. } => "wrong_role",
            Rejection::WrongDepartment { .. } => "wrong_department",
            Rejection::WrongState { .. } => "wrong_state",
            Rejection::RecordClosed { .. } => "record_closed",
            Rejection::NotFound { .. } => "not_found",
            Rejection::AlreadyExists { .. } => "already_exists",
            Rejection::InvalidField { .. } => "invalid_field",
            Rejection::Overflow { .. } => "overflow",
            Rejection::OverBudget { .. } => "over_budget",
            Rejection::OverContract { .. } => "over_contract",
            Rejection::AheadOfProgress { .. } => "ahead_of_progress",
            Rejection::DuplicateApproval { .. } => "duplicate_approval",
            Rejection::SelfApproval { .. } => "self_approval",
            Rejection::ApprovalNotNeeded { .. } => "approval_not_needed",
            Rejection::RequestClosed { .. } => "request_closed",
            Rejection::DuplicateVote { .. } => "duplicate_vote",
            Rejection::LimitReached { .. } => "limit_reached",
            Rejection::NotPermitted { .. } => "not_permitted",
        }
    }

    /// Every code, for documentation and for tests that each one is exercised.
    pub const CODES: &'static [&'static str] = &[
        "wrong_chain",
        "expired",
        "expiry_too_far",
        "replay",
        "unknown_signer",
        "wrong_role",
        "wrong_department",
        "wrong_state",
        "record_closed",
        "not_found",
        "already_exists",
        "invalid_field",
        "overflow",
        "over_budget",
        "over_contract",
        "ahead_of_progress",
        "duplicate_approval",
        "self_approval",
        "approval_not_needed",
        "request_closed",
        "duplicate_vote",
        "limit_reached",
        "not_permitted",
    ];

    /// The log entry outcome for this rejection.
    pub fn to_outcome(&self) -> Outcome {
        Outcome::Rejected {
            code: self.code().to_owned(),
            reason: self.to_string(),
        }
    }

    pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Rejection {
        Rejection::InvalidField {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn not_found(kind: &str, id: impl Into<String>) -> Rejection {
        Rejection::NotFound {
            kind: kind.to_owned(),
            id: id.into(),
        }
    }

    pub(crate) fn exists(kind: &str, id: impl Into<String>) -> Rejection {
        Rejection::AlreadyExists {
            kind: kind.to_owned(),
            id: id.into(),
        }
    }

    pub(crate) fn overflow(what: &str) -> Rejection {
        Rejection::Overflow {
            what: what.to_owned(),
        }
    }

    pub(crate) fn limit(what: &str, max: usize) -> Rejection {
        Rejection::LimitReached {
            what: what.to_owned(),
            max: max as u64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_readable_and_codes_stable() {
        let r = Rejection::OverBudget {
            project: "SC-2026-017".into(),
            budget_fen: 1_180_000_000,
            committed_fen: 1_000_000_000,
            requested_fen: 200_000_000,
        };
        assert_eq!(r.code(), "over_budget");
        assert_eq!(
            r.to_string(),
            "over budget: project \"SC-2026-017\" has an approved budget of ¥11,800,000.00, \
             ¥10,000,000.00 is already committed, and ¥2,000,000.00 more would make \
             ¥12,000,000.00 — ¥200,000.00 over"
        );
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["code"], "over_budget");
        let back: Rejection = serde_json::from_value(json).unwrap();
        assert_eq!(back, r);
        let bytes = gongxin_core::encoding::encode(&r);
        let decoded: Rejection = gongxin_core::encoding::decode::<_, 4096>(&bytes).unwrap();
        assert_eq!(decoded, r);
        match r.to_outcome() {
            Outcome::Rejected { code, reason } => {
                assert_eq!(code, "over_budget");
                assert!(reason.contains("¥200,000.00 over"));
            }
            Outcome::Applied => panic!("a rejection is never applied"),
        }
    }

    #[test]
    fn codes_list_is_complete_and_distinct() {
        let mut sorted = Rejection::CODES.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), Rejection::CODES.len());
        // The serde tag and code() agree for a sample of each shape.
        let r = Rejection::Replay { tx: Hash::ZERO };
        assert_eq!(serde_json::to_value(&r).unwrap()["code"], r.code());
    }
}
