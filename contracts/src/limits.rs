//! A limit on everything the rules loop over, with the unit last in the name.
//!
//! Payload lists are checked against these before any work is done, and per-record counters are
//! checked before a record grows, so every loop in a transaction — and every query — is bounded
//! by a constant here, not by what someone submitted or how long the chain has run.

/// Lines in one budget approval.
pub const BUDGET_LINES_MAX: usize = 64;
/// Payment milestones in one contract.
pub const MILESTONES_MAX: usize = 64;
/// Bids in one award.
pub const BIDS_MAX: usize = 256;
/// Names on one acceptance committee.
pub const COMMITTEE_MAX: usize = 64;
/// Criteria in one post-evaluation.
pub const SCORES_MAX: usize = 64;

/// Short texts: names, references, codes, criteria.
pub const NAME_BYTES_MAX: usize = 256;

/// Departments in the consortium (governance tallies loop over them).
pub const DEPARTMENTS_MAX: usize = 64;
/// Directors of one department (kept in the department record).
pub const DIRECTORS_PER_DEPARTMENT_MAX: usize = 16;
/// Members of one department.
pub const MEMBERS_PER_DEPARTMENT_MAX: usize = 4096;
/// Validators in the set.
pub const VALIDATORS_MAX: usize = 128;

/// Requirements in one approval policy.
pub const POLICY_REQUIREMENTS_MAX: usize = 16;
/// Approvals one request can need in total (the sum of the requirement counts); also bounds the
/// approver matching.
pub const POLICY_APPROVALS_MAX: usize = 32;
/// Amount thresholds (policies) per operation kind.
pub const POLICIES_PER_KIND_MAX: usize = 16;

/// Progress reports per project.
pub const PROGRESS_REPORTS_PER_PROJECT_MAX: usize = 512;
/// Disbursements per contract.
pub const DISBURSEMENTS_PER_CONTRACT_MAX: usize = 512;
/// Change orders per contract.
pub const CHANGE_ORDERS_PER_CONTRACT_MAX: usize = 64;
/// Rectification tasks per project.
pub const RECTIFICATIONS_PER_PROJECT_MAX: usize = 256;

/// Deadline-index items the sweep handles per block; the rest wait for the next block.
pub const DEADLINE_SWEEP_ITEMS_MAX: usize = 256;
/// Expired de-duplication entries pruned per block.
pub const DEDUP_PRUNE_ITEMS_MAX: usize = 1024;

/// Entries one query page may return.
pub const QUERY_PAGE_MAX: usize = 500;

/// A reminder for an overdue rectification repeats this often while it stays overdue.
pub const REMINDER_INTERVAL_MS: u64 = 7 * 24 * 60 * 60 * 1000;

/// Advance payment (预付款) may not exceed this share of a contract, following the
/// construction-payment rule (财建〔2004〕369号) that advances lie between 10 % and 30 %.
pub const ADVANCE_SHARE_BP_MAX: u16 = 3_000;

/// A day in milliseconds.
pub const DAY_MS: u64 = 24 * 60 * 60 * 1000;
