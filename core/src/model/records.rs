//! The payloads of record-creating operations. Each is what a department submits; the rules
//! engine turns it into stored state (with status, totals and history) in `gongxin-contracts`.

use bincode::{Decode, Encode};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{BasisPoints, Fen, TimestampMs};
use crate::Hash;
use crate::crypto::PublicKey;

/// Who may see a record's public fields on the public portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Disclosure {
    /// Public fields appear on the public portal.
    Public,
    /// Nothing appears on the public portal (e.g. security-sensitive works).
    Internal,
}

/// The project lifecycle stages (MISSION.md).
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
pub enum ProjectStage {
    Proposed,
    /// 立项.
    Approved,
    /// 预算批复.
    Budgeted,
    /// 招标采购.
    Procurement,
    Contracted,
    /// 实施.
    InProgress,
    AcceptanceRequested,
    /// 验收.
    Accepted,
    /// 后评价.
    Evaluated,
    Closed,
    Suspended,
    Cancelled,
}

/// 项目申报: a line department proposes a project.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize, JsonSchema)]
pub struct ProjectProposal {
    pub id: String,
    pub name: String,
    /// e.g. "smart-city/transport", "ecology/rectification".
    pub category: String,
    pub location: String,
    /// Optional parent programme id (a smart-city programme's sub-projects name it).
    #[serde(default)]
    pub programme: Option<String>,
    pub planned_start_ms: TimestampMs,
    pub planned_end_ms: TimestampMs,
    pub requested_budget_fen: Fen,
    pub disclosure: Disclosure,
    /// Internal description (not disclosed).
    #[serde(default)]
    pub description: String,
}

/// One line item of an approved budget.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize, JsonSchema)]
pub struct BudgetLine {
    /// Budget classification code (e.g. a 政府收支分类科目 code).
    pub code: String,
    pub name: String,
    pub amount_fen: Fen,
}

/// 预算批复: finance approves a project's budget for a fiscal year.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize, JsonSchema)]
pub struct BudgetApproval {
    pub project: String,
    pub fiscal_year: u16,
    pub lines: Vec<BudgetLine>,
    #[serde(default)]
    pub document_hash: Option<Hash>,
}

/// 预算调整: change one budget line by a signed amount; needs approval by policy.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize, JsonSchema)]
pub struct BudgetAdjustment {
    pub project: String,
    pub line_code: String,
    pub delta_fen: i64,
    pub reason: String,
    #[serde(default)]
    pub document_hash: Option<Hash>,
}

/// How a procurement is run (政府采购法 methods).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProcurementMethod {
    /// 公开招标.
    OpenTender,
    /// 邀请招标.
    InvitedTender,
    /// 竞争性谈判.
    CompetitiveNegotiation,
    /// 竞争性磋商.
    CompetitiveConsultation,
    /// 询价.
    Inquiry,
    /// 单一来源.
    SingleSource,
}

/// 招标采购: the line department opens a procurement for a budgeted project.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize, JsonSchema)]
pub struct Procurement {
    pub project: String,
    pub method: ProcurementMethod,
    /// The announcement's reference on the procurement network.
    pub announcement_ref: String,
}

/// A legal person: name and 统一社会信用代码 (unified social credit code, 18 characters).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize, JsonSchema)]
pub struct Party {
    pub name: String,
    pub credit_code: String,
}

/// What a credit registry (信用中国 and the like) said about a party.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CreditVerdict {
    /// Not on any list the registry keeps (失信被执行人, 重大税收违法, 政府采购严重违法失信, …).
    Clear,
    /// On at least one such list: a contract with it cannot be signed.
    Listed,
}

/// 信用核查: a contractor checked against a credit registry before the contract is signed.
/// The registry's answer stays off the ledger; its SM3 hash is the evidence, so anyone holding
/// the saved answer can show it is the one that was checked.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize, JsonSchema)]
pub struct CreditCheck {
    pub project: String,
    pub party: Party,
    /// Which registry answered (the adapter's name, e.g. `creditchina`).
    pub registry: String,
    pub verdict: CreditVerdict,
    /// SM3 of the registry's answer, byte for byte as received.
    pub result_hash: Hash,
    /// When the registry answered (ms since the epoch, UTC).
    pub checked_ms: TimestampMs,
    /// The answer in a line, e.g. the lists it was found on.
    #[serde(default)]
    pub summary: String,
}

/// One bid in a procurement.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize, JsonSchema)]
pub struct Bid {
    pub bidder: Party,
    pub amount_fen: Fen,
}

/// 中标: the award of a procurement.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize, JsonSchema)]
pub struct Award {
    pub project: String,
    pub bids: Vec<Bid>,
    /// Credit code of the winning bidder (one of `bids`).
    pub winner_credit_code: String,
    pub amount_fen: Fen,
    #[serde(default)]
    pub document_hash: Option<Hash>,
}

/// A payment milestone of a contract: `share_bp` of the contract amount becomes payable once
/// accepted progress reaches `progress_bp`.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize, JsonSchema)]
pub struct PaymentMilestone {
    pub name: String,
    pub progress_bp: BasisPoints,
    pub share_bp: BasisPoints,
    pub due_ms: TimestampMs,
}

/// 合同: the signed contract (its document is evidence by SM3 hash, never stored on chain).
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize, JsonSchema)]
pub struct ContractRecord {
    pub id: String,
    pub project: String,
    pub contractor: Party,
    pub amount_fen: Fen,
    /// Share of the amount payable before any accepted progress (预付款).
    pub advance_share_bp: BasisPoints,
    pub milestones: Vec<PaymentMilestone>,
    pub document_hash: Hash,
}

/// 变更: a change to a contract's amount and/or schedule; needs line and finance approval.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize, JsonSchema)]
pub struct ChangeOrder {
    pub id: String,
    pub contract: String,
    pub amount_delta_fen: i64,
    pub schedule_delta_days: i32,
    pub reason: String,
    pub document_hash: Hash,
}

/// 进度: a progress report, optionally claiming a payment milestone.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize, JsonSchema)]
pub struct ProgressReport {
    pub id: String,
    pub project: String,
    /// Cumulative percent complete claimed.
    pub percent_bp: BasisPoints,
    /// Index into the contract's milestones, when the report claims one.
    #[serde(default)]
    pub milestone: Option<u16>,
    pub evidence_hash: Hash,
    #[serde(default)]
    pub note: String,
}

/// 资金拨付申请: the line department asks finance to pay part of a contract.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize, JsonSchema)]
pub struct DisbursementRequest {
    pub id: String,
    pub contract: String,
    pub amount_fen: Fen,
    #[serde(default)]
    pub milestone: Option<u16>,
    #[serde(default)]
    pub note: String,
}

/// 验收: the acceptance committee's verdict on a project.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize, JsonSchema)]
pub struct AcceptanceRecord {
    pub project: String,
    pub passed: bool,
    pub committee: Vec<String>,
    pub document_hash: Hash,
    #[serde(default)]
    pub note: String,
}

/// One criterion of a post-evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize, JsonSchema)]
pub struct EvaluationScore {
    pub criterion: String,
    pub score_bp: BasisPoints,
}

/// 后评价: post-evaluation of an accepted project.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize, JsonSchema)]
pub struct Evaluation {
    pub project: String,
    pub scores: Vec<EvaluationScore>,
    pub document_hash: Hash,
    #[serde(default)]
    pub summary: String,
}

/// 整改: a rectification task raised by audit / inspection.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize, JsonSchema)]
pub struct RectificationTask {
    pub id: String,
    /// The project concerned, if any (inspection findings may concern a department at large).
    #[serde(default)]
    pub project: Option<String>,
    pub title: String,
    /// The finding in detail (internal).
    pub finding: String,
    pub responsible_department: String,
    /// The member answerable for it (their key).
    pub responsible_person: PublicKey,
    pub deadline_ms: TimestampMs,
    pub acceptance_standard: String,
    /// Reference of the inspection or audit report that raised it.
    #[serde(default)]
    pub source_ref: String,
}
