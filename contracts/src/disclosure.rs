//! Disclosure: what the public portal may see of each record.
//!
//! Every record kind declares its public fields by having a `Public…` struct with exactly those
//! fields; [`Disclose::public_view`] builds it from the record and serialises it, so a field is
//! public only if someone wrote it into that struct. Never disclosed: members' names and keys
//! (who signed what is for the internal API and the auditors), internal descriptions, audit
//! findings, evidence and review notes, reasons for suspension or cancellation, losing bids,
//! vouchers, approval requests and governance. A project with `Disclosure::Internal` has no public
//! view, and neither has anything belonging to it. Records of people, approvals, governance,
//! alerts and rejections have no public view at all.

use gongxin_core::Hash;
use gongxin_core::model::{
    BasisPoints, DepartmentKind, Disclosure, Fen, ProcurementMethod, ProjectStage, TimestampMs,
};
use serde::Serialize;
use serde_json::Value;

use crate::events::Alert;
use crate::records::{
    ChangeRecord, ContractState, DepartmentRecord, DisbursementRecord, DisbursementStatus,
    GovernanceRecord, HistoryEntry, MemberRecord, ProcurementRecord, ProgressRecord, ProjectRecord,
    RectStatus, RectificationRecord, RejectionRecord, RequestRecord, ReviewStatus,
};

/// A record's public projection.
pub trait Disclose {
    /// The names of the fields the public view has (empty: never public).
    const PUBLIC_FIELDS: &'static [&'static str];

    /// The public view, or `None` when nothing of the record is public.
    fn public_view(&self) -> Option<Value>;
}

/// The public view of any record.
pub fn public_view<R: Disclose>(record: &R) -> Option<Value> {
    record.public_view()
}

fn to_value<T: Serialize>(value: &T) -> Option<Value> {
    // Serialising these plain structs into a Value cannot fail; a failure would disclose
    // nothing rather than something.
    serde_json::to_value(value).ok()
}

fn public(disclosure: Disclosure) -> bool {
    disclosure == Disclosure::Public
}

#[derive(Serialize)]
struct PublicBudgetLine<'a> {
    code: &'a str,
    name: &'a str,
    amount_fen: Fen,
}

#[derive(Serialize)]
struct PublicProject<'a> {
    id: &'a str,
    name: &'a str,
    category: &'a str,
    location: &'a str,
    programme: Option<&'a str>,
    owner_department: &'a str,
    planned_start_ms: TimestampMs,
    planned_end_ms: TimestampMs,
    stage: ProjectStage,
    fiscal_year: Option<u16>,
    budget_fen: Fen,
    budget_lines: Vec<PublicBudgetLine<'a>>,
    contract: Option<&'a str>,
    committed_fen: Fen,
    disbursed_fen: Fen,
    accepted_progress_bp: BasisPoints,
    acceptance_passed: Option<bool>,
    acceptance_ms: Option<TimestampMs>,
    evaluation_bp: Option<BasisPoints>,
    closed_ms: Option<TimestampMs>,
}

impl Disclose for ProjectRecord {
    const PUBLIC_FIELDS: &'static [&'static str] = &[
        "id",
        "name",
        "category",
        "location",
        "programme",
        "owner_department",
        "planned_start_ms",
        "planned_end_ms",
        "stage",
        "fiscal_year",
        "budget_fen",
        "budget_lines",
        "contract",
        "committed_fen",
        "disbursed_fen",
        "accepted_progress_bp",
        "acceptance_passed",
        "acceptance_ms",
        "evaluation_bp",
        "closed_ms",
    ];

    fn public_view(&self) -> Option<Value> {
        if !public(self.disclosure) {
            return None;
        }
        to_value(&PublicProject {
            id: &self.id,
            name: &self.name,
            category: &self.category,
            location: &self.location,
            programme: self.programme.as_deref(),
            owner_department: &self.owner_department,
            planned_start_ms: self.planned_start_ms,
            planned_end_ms: self.planned_end_ms,
            stage: self.stage,
            fiscal_year: self.budget.as_ref().map(|b| b.fiscal_year),
            budget_fen: self.budget_fen(),
            budget_lines: self
                .budget
                .iter()
                .flat_map(|b| b.lines.iter())
                .map(|l| PublicBudgetLine {
                    code: &l.code,
                    name: &l.name,
                    amount_fen: l.amount_fen,
                })
                .collect(),
            contract: self.contract.as_deref(),
            committed_fen: self.committed_fen,
            disbursed_fen: self.disbursed_fen,
            accepted_progress_bp: self.accepted_progress_bp,
            acceptance_passed: self.acceptance.as_ref().map(|a| a.record.passed),
            acceptance_ms: self.acceptance.as_ref().map(|a| a.recorded_ms),
            evaluation_bp: self.evaluation.as_ref().map(|e| e.overall_bp),
            closed_ms: self.closed_ms,
        })
    }
}

#[derive(Serialize)]
struct PublicProcurement<'a> {
    project: &'a str,
    method: ProcurementMethod,
    announcement_ref: &'a str,
    started_ms: TimestampMs,
    bidders: Option<usize>,
    winner_name: Option<&'a str>,
    winner_credit_code: Option<&'a str>,
    award_fen: Option<Fen>,
    awarded_ms: Option<TimestampMs>,
}

impl Disclose for ProcurementRecord {
    const PUBLIC_FIELDS: &'static [&'static str] = &[
        "project",
        "method",
        "announcement_ref",
        "started_ms",
        "bidders",
        "winner_name",
        "winner_credit_code",
        "award_fen",
        "awarded_ms",
    ];

    fn public_view(&self) -> Option<Value> {
        if !public(self.disclosure) {
            return None;
        }
        let award = self.award.as_ref();
        to_value(&PublicProcurement {
            project: &self.procurement.project,
            method: self.procurement.method,
            announcement_ref: &self.procurement.announcement_ref,
            started_ms: self.started_ms,
            bidders: award.map(|a| a.bids.len()),
            winner_name: award.map(|a| a.winner.name.as_str()),
            winner_credit_code: award.map(|a| a.winner.credit_code.as_str()),
            award_fen: award.map(|a| a.amount_fen),
            awarded_ms: award.map(|a| a.awarded_ms),
        })
    }
}

#[derive(Serialize)]
struct PublicMilestone<'a> {
    name: &'a str,
    progress_bp: BasisPoints,
    share_bp: BasisPoints,
    due_ms: TimestampMs,
    reached_ms: Option<TimestampMs>,
}

#[derive(Serialize)]
struct PublicContract<'a> {
    id: &'a str,
    project: &'a str,
    contractor_name: &'a str,
    contractor_credit_code: &'a str,
    original_amount_fen: Fen,
    amount_fen: Fen,
    advance_share_bp: BasisPoints,
    milestones: Vec<PublicMilestone<'a>>,
    paid_fen: Fen,
    signed_ms: TimestampMs,
    document_hash: Hash,
}

impl Disclose for ContractState {
    const PUBLIC_FIELDS: &'static [&'static str] = &[
        "id",
        "project",
        "contractor_name",
        "contractor_credit_code",
        "original_amount_fen",
        "amount_fen",
        "advance_share_bp",
        "milestones",
        "paid_fen",
        "signed_ms",
        "document_hash",
    ];

    fn public_view(&self) -> Option<Value> {
        if !public(self.disclosure) {
            return None;
        }
        to_value(&PublicContract {
            id: &self.id,
            project: &self.project,
            contractor_name: &self.contractor.name,
            contractor_credit_code: &self.contractor.credit_code,
            original_amount_fen: self.original_amount_fen,
            amount_fen: self.amount_fen,
            advance_share_bp: self.advance_share_bp,
            milestones: self
                .milestones
                .iter()
                .map(|m| PublicMilestone {
                    name: &m.milestone.name,
                    progress_bp: m.milestone.progress_bp,
                    share_bp: m.milestone.share_bp,
                    due_ms: m.milestone.due_ms,
                    reached_ms: m.reached_ms,
                })
                .collect(),
            paid_fen: self.paid_fen,
            signed_ms: self.signed_ms,
            document_hash: self.document_hash,
        })
    }
}

#[derive(Serialize)]
struct PublicChange<'a> {
    id: &'a str,
    contract: &'a str,
    project: &'a str,
    amount_delta_fen: i64,
    schedule_delta_days: i32,
    amount_after_fen: Fen,
    executed_ms: TimestampMs,
}

impl Disclose for ChangeRecord {
    const PUBLIC_FIELDS: &'static [&'static str] = &[
        "id",
        "contract",
        "project",
        "amount_delta_fen",
        "schedule_delta_days",
        "amount_after_fen",
        "executed_ms",
    ];

    fn public_view(&self) -> Option<Value> {
        if !public(self.disclosure) {
            return None;
        }
        to_value(&PublicChange {
            id: &self.order.id,
            contract: &self.order.contract,
            project: &self.project,
            amount_delta_fen: self.order.amount_delta_fen,
            schedule_delta_days: self.order.schedule_delta_days,
            amount_after_fen: self.amount_after_fen,
            executed_ms: self.executed_ms,
        })
    }
}

#[derive(Serialize)]
struct PublicProgress<'a> {
    id: &'a str,
    project: &'a str,
    percent_bp: BasisPoints,
    milestone: Option<u16>,
    status: ReviewStatus,
    submitted_ms: TimestampMs,
    reviewed_ms: Option<TimestampMs>,
}

impl Disclose for ProgressRecord {
    const PUBLIC_FIELDS: &'static [&'static str] = &[
        "id",
        "project",
        "percent_bp",
        "milestone",
        "status",
        "submitted_ms",
        "reviewed_ms",
    ];

    fn public_view(&self) -> Option<Value> {
        if !public(self.disclosure) {
            return None;
        }
        to_value(&PublicProgress {
            id: &self.report.id,
            project: &self.report.project,
            percent_bp: self.report.percent_bp,
            milestone: self.report.milestone,
            status: self.status,
            submitted_ms: self.submitted_ms,
            reviewed_ms: self.reviewed_ms,
        })
    }
}

#[derive(Serialize)]
struct PublicDisbursement<'a> {
    id: &'a str,
    contract: &'a str,
    project: &'a str,
    amount_fen: Fen,
    milestone: Option<u16>,
    status: DisbursementStatus,
    approved_ms: TimestampMs,
    paid_ms: Option<TimestampMs>,
}

impl Disclose for DisbursementRecord {
    const PUBLIC_FIELDS: &'static [&'static str] = &[
        "id",
        "contract",
        "project",
        "amount_fen",
        "milestone",
        "status",
        "approved_ms",
        "paid_ms",
    ];

    fn public_view(&self) -> Option<Value> {
        if !public(self.disclosure) {
            return None;
        }
        to_value(&PublicDisbursement {
            id: &self.request.id,
            contract: &self.request.contract,
            project: &self.project,
            amount_fen: self.request.amount_fen,
            milestone: self.request.milestone,
            status: self.status,
            approved_ms: self.approved_ms,
            paid_ms: self.paid_ms,
        })
    }
}

#[derive(Serialize)]
struct PublicRectification<'a> {
    id: &'a str,
    project: Option<&'a str>,
    title: &'a str,
    responsible_department: &'a str,
    deadline_ms: TimestampMs,
    status: RectStatus,
    overdue: bool,
    verified_ms: Option<TimestampMs>,
}

impl Disclose for RectificationRecord {
    const PUBLIC_FIELDS: &'static [&'static str] = &[
        "id",
        "project",
        "title",
        "responsible_department",
        "deadline_ms",
        "status",
        "overdue",
        "verified_ms",
    ];

    fn public_view(&self) -> Option<Value> {
        if !public(self.disclosure) {
            return None;
        }
        to_value(&PublicRectification {
            id: &self.task.id,
            project: self.task.project.as_deref(),
            title: &self.task.title,
            responsible_department: &self.task.responsible_department,
            deadline_ms: self.task.deadline_ms,
            status: self.status,
            overdue: self.overdue,
            verified_ms: self.verified_ms,
        })
    }
}

#[derive(Serialize)]
struct PublicDepartment<'a> {
    id: &'a str,
    name: &'a str,
    kind: DepartmentKind,
}

impl Disclose for DepartmentRecord {
    const PUBLIC_FIELDS: &'static [&'static str] = &["id", "name", "kind"];

    fn public_view(&self) -> Option<Value> {
        to_value(&PublicDepartment {
            id: &self.department.id,
            name: &self.department.name,
            kind: self.department.kind,
        })
    }
}

macro_rules! never_public {
    ($($ty:ty),* $(,)?) => {$(
        impl Disclose for $ty {
            const PUBLIC_FIELDS: &'static [&'static str] = &[];
            fn public_view(&self) -> Option<Value> {
                None
            }
        }
    )*};
}

never_public!(
    MemberRecord,
    RequestRecord,
    GovernanceRecord,
    HistoryEntry,
    RejectionRecord,
    Alert,
);

#[cfg(test)]
mod tests;
