//! Money: budget approval and adjustment, procurement and award, the contract, change orders,
//! and disbursements — with the invariants
//!
//! - committed (the contract amount after change orders) ≤ approved budget;
//! - paid + approved-unpaid ≤ contract amount;
//! - paid + approved-unpaid ≤ what accepted progress allows plus the advance share.
//!
//! All sums are checked; an overflow is the `overflow` rejection, never a wrap. A project has at
//! most one contract: progress reports name a milestone by index without naming a contract, so
//! the model ties progress to the project's one contract.

use gongxin_core::model::{
    Award, BasisPoints, BudgetAdjustment, BudgetApproval, ChangeOrder, ContractRecord,
    DisbursementRequest, FULL_BP, Fen, Procurement, ProcurementMethod, ProjectStage, TimestampMs,
};

use super::Cx;
use super::alerts;
use super::perm::{self, Action, Bind};
use super::projects::{load_live_project, require_stage, save_project, set_stage};
use super::reminders;
use crate::display::{yuan, yuan_signed};
use crate::events::{Event, RecordKind};
use crate::keys;
use crate::limits::{
    ADVANCE_SHARE_BP_MAX, BIDS_MAX, BUDGET_LINES_MAX, CHANGE_ORDERS_PER_CONTRACT_MAX, DAY_MS,
    DISBURSEMENTS_PER_CONTRACT_MAX, MILESTONES_MAX,
};
use crate::records::{
    AwardState, BudgetState, ChangeRecord, ContractState, DisbursementRecord, DisbursementStatus,
    MilestoneState, ProcurementRecord, ProjectRecord,
};
use crate::rejection::Rejection;
use crate::state::{State, StorageError};
use crate::store::{self, Rule};
use crate::validate;

fn add(a: Fen, b: Fen, what: &str) -> Rule<Fen> {
    a.checked_add(b)
        .ok_or_else(|| Rejection::overflow(what).into())
}

fn sub(a: Fen, b: Fen, what: &str) -> Rule<Fen> {
    a.checked_sub(b)
        .ok_or_else(|| Rejection::overflow(what).into())
}

/// `amount × bp / 10 000`, exact (no overflow: the product fits in u128).
pub(crate) fn share_of(amount: Fen, bp: BasisPoints) -> Fen {
    (u128::from(amount) * u128::from(bp) / u128::from(FULL_BP)) as Fen
}

/// Stages in which a project's money may move (not suspended, not final).
const PAYING_STAGES: &[ProjectStage] = &[
    ProjectStage::Contracted,
    ProjectStage::InProgress,
    ProjectStage::AcceptanceRequested,
    ProjectStage::Accepted,
    ProjectStage::Evaluated,
];

/// The share of the contract (bp) and the amount that may be paid or approved in total, given
/// accepted progress: the advance share, plus the shares of the milestones accepted progress has
/// reached (or, for a contract without milestones, the accepted percentage itself); everything
/// once the project has passed acceptance (final settlement).
pub(crate) fn allowed_payment(
    contract: &ContractState,
    project: &ProjectRecord,
) -> (BasisPoints, Fen) {
    let accepted = project.accepted_progress_bp;
    let passed = project.acceptance.as_ref().is_some_and(|a| a.record.passed);
    let bp: u32 = if passed {
        u32::from(FULL_BP)
    } else if contract.milestones.is_empty() {
        u32::from(contract.advance_share_bp) + u32::from(accepted)
    } else {
        u32::from(contract.advance_share_bp)
            + contract
                .milestones
                .iter()
                .filter(|m| m.milestone.progress_bp <= accepted)
                .map(|m| u32::from(m.milestone.share_bp))
                .sum::<u32>()
    };
    let bp = bp.min(u32::from(FULL_BP)) as BasisPoints;
    (bp, share_of(contract.amount_fen, bp))
}

fn load_contract(st: &dyn State, id: &str) -> Rule<ContractState> {
    store::load(st, &keys::contract(id), "contract", id)
}

fn save_contract(st: &mut dyn State, contract: &ContractState) -> Rule<()> {
    Ok(store::put(st, &keys::contract(&contract.id), contract)?)
}

fn over_budget(project: &ProjectRecord, committed: Fen, requested: Fen) -> Rejection {
    Rejection::OverBudget {
        project: project.id.clone(),
        budget_fen: project.budget_fen(),
        committed_fen: committed,
        requested_fen: requested,
    }
}

pub(super) fn approve_budget(st: &mut dyn State, cx: &mut Cx<'_>, b: &BudgetApproval) -> Rule<()> {
    let mut project = load_live_project(st, &b.project)?;
    perm::authorize(st, cx, Action::ApproveBudget, &Bind::NONE)?;
    require_stage(&project, &[ProjectStage::Approved], "approving its budget")?;
    if !(2000..=9999).contains(&b.fiscal_year) {
        return Err(Rejection::invalid(
            "fiscal_year",
            format!("{} is not a fiscal year", b.fiscal_year),
        )
        .into());
    }
    validate::list_len("lines", b.lines.len(), BUDGET_LINES_MAX, false)?;
    let mut total: Fen = 0;
    for (i, line) in b.lines.iter().enumerate() {
        validate::name("lines.code", &line.code)?;
        validate::name("lines.name", &line.name)?;
        if line.amount_fen == 0 {
            return Err(Rejection::invalid("lines.amount_fen", "must be positive").into());
        }
        if b.lines[..i].iter().any(|l| l.code == line.code) {
            return Err(
                Rejection::invalid("lines.code", format!("{:?} appears twice", line.code)).into(),
            );
        }
        total = add(total, line.amount_fen, "the budget total")?;
    }
    project.budget = Some(BudgetState {
        fiscal_year: b.fiscal_year,
        lines: b.lines.clone(),
        total_fen: total,
        original_total_fen: total,
        document_hash: b.document_hash,
        approved_ms: cx.now(),
        adjustments: 0,
    });
    cx.history(
        st,
        &keys::project(&project.id),
        "approve_budget",
        format!("budget of {} approved for {}", yuan(total), b.fiscal_year),
    )?;
    set_stage(
        st,
        cx,
        &mut project,
        ProjectStage::Budgeted,
        "approve_budget",
    )?;
    save_project(st, cx, &mut project)?;
    Ok(())
}

pub(super) fn adjust_budget(st: &mut dyn State, cx: &mut Cx<'_>, a: &BudgetAdjustment) -> Rule<()> {
    let mut project = load_live_project(st, &a.project)?;
    perm::authorize(
        st,
        cx,
        Action::AdjustBudget,
        &Bind::owner(&project.owner_department),
    )?;
    require_stage(
        &project,
        &[
            ProjectStage::Budgeted,
            ProjectStage::Procurement,
            ProjectStage::Contracted,
            ProjectStage::InProgress,
            ProjectStage::AcceptanceRequested,
        ],
        "adjusting its budget",
    )?;
    validate::required_text("reason", &a.reason)?;
    if a.delta_fen == 0 {
        return Err(Rejection::invalid("delta_fen", "must not be zero").into());
    }
    let committed = project.committed_fen;
    let id = project.id.clone();
    // Every stage from budgeted on has a budget; a project without one is corrupt state.
    let Some(budget) = project.budget.as_mut() else {
        return Err(StorageError::Corrupt {
            key: String::from_utf8_lossy(&keys::project(&id)).into_owned(),
            reason: "a budgeted project has no budget".into(),
        }
        .into());
    };
    let Some(line) = budget.lines.iter_mut().find(|l| l.code == a.line_code) else {
        return Err(Rejection::not_found("budget line", a.line_code.clone()).into());
    };
    let new_line = line
        .amount_fen
        .checked_add_signed(a.delta_fen)
        .ok_or_else(|| {
            if a.delta_fen < 0 {
                Rejection::invalid(
                    "delta_fen",
                    format!(
                        "line {:?} holds {}, it cannot be reduced by {}",
                        a.line_code,
                        yuan(line.amount_fen),
                        yuan(a.delta_fen.unsigned_abs())
                    ),
                )
            } else {
                Rejection::overflow("the budget line")
            }
        })?;
    let new_total = budget
        .total_fen
        .checked_add_signed(a.delta_fen)
        .ok_or_else(|| Rejection::overflow("the budget total"))?;
    if new_total < committed {
        return Err(Rejection::OverBudget {
            project: project.id.clone(),
            budget_fen: new_total,
            committed_fen: committed,
            requested_fen: 0,
        }
        .into());
    }
    line.amount_fen = new_line;
    budget.total_fen = new_total;
    budget.adjustments += 1;
    cx.history(
        st,
        &keys::project(&project.id),
        "adjust_budget",
        format!(
            "budget line {:?} adjusted by {}; budget now {}",
            a.line_code,
            yuan_signed(a.delta_fen),
            yuan(new_total)
        ),
    )?;
    alerts::budget_use(st, cx, &mut project)?;
    save_project(st, cx, &mut project)?;
    cx.emit(Event::RecordUpdated {
        kind: RecordKind::Project,
        id: project.id.clone(),
        project: Some(project.id.clone()),
        what: "budget adjusted".into(),
    });
    Ok(())
}

pub(super) fn start_procurement(st: &mut dyn State, cx: &mut Cx<'_>, p: &Procurement) -> Rule<()> {
    let mut project = load_live_project(st, &p.project)?;
    perm::authorize(
        st,
        cx,
        Action::StartProcurement,
        &Bind::owner(&project.owner_department),
    )?;
    require_stage(&project, &[ProjectStage::Budgeted], "starting procurement")?;
    validate::name("announcement_ref", &p.announcement_ref)?;
    let record = ProcurementRecord {
        procurement: p.clone(),
        started_ms: cx.now(),
        award: None,
        disclosure: project.disclosure,
    };
    store::put(st, &keys::procurement(&project.id), &record)?;
    cx.history(
        st,
        &keys::project(&project.id),
        "start_procurement",
        format!("procurement {:?} announced", p.announcement_ref),
    )?;
    set_stage(
        st,
        cx,
        &mut project,
        ProjectStage::Procurement,
        "start_procurement",
    )?;
    save_project(st, cx, &mut project)?;
    cx.emit(Event::RecordCreated {
        kind: RecordKind::Procurement,
        id: project.id.clone(),
        project: Some(project.id.clone()),
    });
    Ok(())
}

/// The fewest bids each method needs: tenders need three (招标投标法 第二十八条: with fewer the
/// tender is re-run); negotiation, consultation and inquiry need competition (two, the floor
/// the rules allow in exceptional cases); single-source has exactly one.
fn bids_needed(method: ProcurementMethod) -> (usize, usize) {
    match method {
        ProcurementMethod::OpenTender | ProcurementMethod::InvitedTender => (3, BIDS_MAX),
        ProcurementMethod::CompetitiveNegotiation
        | ProcurementMethod::CompetitiveConsultation
        | ProcurementMethod::Inquiry => (2, BIDS_MAX),
        ProcurementMethod::SingleSource => (1, 1),
    }
}

pub(super) fn award(st: &mut dyn State, cx: &mut Cx<'_>, a: &Award) -> Rule<()> {
    let project = load_live_project(st, &a.project)?;
    perm::authorize(
        st,
        cx,
        Action::AwardProcurement,
        &Bind::owner(&project.owner_department),
    )?;
    require_stage(
        &project,
        &[ProjectStage::Procurement],
        "awarding its procurement",
    )?;
    let mut procurement: ProcurementRecord = store::load(
        st,
        &keys::procurement(&project.id),
        "procurement",
        &project.id,
    )?;
    if procurement.award.is_some() {
        return Err(Rejection::exists("award of project", project.id.clone()).into());
    }
    validate::list_len("bids", a.bids.len(), BIDS_MAX, false)?;
    let (min, max) = bids_needed(procurement.procurement.method);
    if a.bids.len() < min || a.bids.len() > max {
        return Err(Rejection::invalid(
            "bids",
            format!(
                "{:?} procurement needs {} bids, {} were recorded",
                procurement.procurement.method,
                if min == max {
                    format!("exactly {min}")
                } else {
                    format!("at least {min}")
                },
                a.bids.len()
            ),
        )
        .into());
    }
    for (i, bid) in a.bids.iter().enumerate() {
        validate::name("bids.bidder.name", &bid.bidder.name)?;
        validate::credit_code("bids.bidder.credit_code", &bid.bidder.credit_code)?;
        if bid.amount_fen == 0 {
            return Err(Rejection::invalid("bids.amount_fen", "must be positive").into());
        }
        if a.bids[..i]
            .iter()
            .any(|b| b.bidder.credit_code == bid.bidder.credit_code)
        {
            return Err(Rejection::invalid(
                "bids",
                format!("bidder {} bid twice", bid.bidder.credit_code),
            )
            .into());
        }
    }
    let Some(winner) = a
        .bids
        .iter()
        .find(|b| b.bidder.credit_code == a.winner_credit_code)
    else {
        return Err(Rejection::invalid(
            "winner_credit_code",
            format!("{:?} is not one of the bidders", a.winner_credit_code),
        )
        .into());
    };
    if a.amount_fen == 0 || a.amount_fen > winner.amount_fen {
        return Err(Rejection::invalid(
            "amount_fen",
            format!(
                "the award must be positive and at most the winning bid of {}",
                yuan(winner.amount_fen)
            ),
        )
        .into());
    }
    if add(project.committed_fen, a.amount_fen, "the commitment")? > project.budget_fen() {
        return Err(over_budget(&project, project.committed_fen, a.amount_fen).into());
    }
    procurement.award = Some(AwardState {
        bids: a.bids.clone(),
        winner: winner.bidder.clone(),
        amount_fen: a.amount_fen,
        document_hash: a.document_hash,
        awarded_ms: cx.now(),
    });
    store::put(st, &keys::procurement(&project.id), &procurement)?;
    cx.history(
        st,
        &keys::project(&project.id),
        "award_procurement",
        format!(
            "awarded to {} ({}) for {} among {} bids",
            winner.bidder.name,
            winner.bidder.credit_code,
            yuan(a.amount_fen),
            a.bids.len()
        ),
    )?;
    cx.emit(Event::RecordUpdated {
        kind: RecordKind::Procurement,
        id: project.id.clone(),
        project: Some(project.id.clone()),
        what: "awarded".into(),
    });
    Ok(())
}

/// Checks a contract against its procurement's award: the contractor (a name and a valid credit
/// code) is the winning bidder, and the amount is positive and at most the award.
fn check_against_award(c: &ContractRecord, award: &AwardState) -> Result<(), Rejection> {
    validate::name("contractor.name", &c.contractor.name)?;
    validate::credit_code("contractor.credit_code", &c.contractor.credit_code)?;
    if c.contractor.credit_code != award.winner.credit_code {
        return Err(Rejection::invalid(
            "contractor.credit_code",
            format!(
                "the contract must be with the winning bidder {} ({})",
                award.winner.name, award.winner.credit_code
            ),
        ));
    }
    if c.amount_fen == 0 || c.amount_fen > award.amount_fen {
        return Err(Rejection::invalid(
            "amount_fen",
            format!(
                "must be positive and at most the award of {}",
                yuan(award.amount_fen)
            ),
        ));
    }
    Ok(())
}

/// A contract's payment milestones as signed, none reached yet — after checking the advance
/// share (at most [`ADVANCE_SHARE_BP_MAX`]), each milestone (a name, progress in 1–10 000 bp, a
/// share, a due date; in order of progress and due date) and that advance and milestone shares
/// add up to at most 10 000 bp.
fn contract_milestones(c: &ContractRecord) -> Result<Vec<MilestoneState>, Rejection> {
    if c.advance_share_bp > ADVANCE_SHARE_BP_MAX {
        return Err(Rejection::invalid(
            "advance_share_bp",
            format!(
                "an advance of {} bp is above the {} bp allowed",
                c.advance_share_bp, ADVANCE_SHARE_BP_MAX
            ),
        ));
    }
    validate::list_len("milestones", c.milestones.len(), MILESTONES_MAX, true)?;
    let mut shares = u32::from(c.advance_share_bp);
    let mut milestones = Vec::with_capacity(c.milestones.len());
    for (i, m) in c.milestones.iter().enumerate() {
        validate::name("milestones.name", &m.name)?;
        if m.progress_bp == 0 || m.progress_bp > FULL_BP {
            return Err(Rejection::invalid(
                "milestones.progress_bp",
                "must be between 1 and 10000 bp",
            ));
        }
        validate::share("milestones.share_bp", m.share_bp)?;
        if m.due_ms == 0 {
            return Err(Rejection::invalid("milestones.due_ms", "must be set"));
        }
        if let Some(prev) = i.checked_sub(1).map(|p| &c.milestones[p])
            && (m.progress_bp < prev.progress_bp || m.due_ms < prev.due_ms)
        {
            return Err(Rejection::invalid(
                "milestones",
                "milestones must be in order of progress and due date",
            ));
        }
        shares += u32::from(m.share_bp);
        milestones.push(MilestoneState {
            milestone: m.clone(),
            original_due_ms: m.due_ms,
            reached_ms: None,
            due_soon_sent_for: None,
        });
    }
    if shares > u32::from(FULL_BP) {
        return Err(Rejection::invalid(
            "milestones.share_bp",
            format!("advance and milestone shares add up to {shares} bp, more than 10000 bp"),
        ));
    }
    Ok(milestones)
}

pub(super) fn sign_contract(st: &mut dyn State, cx: &mut Cx<'_>, c: &ContractRecord) -> Rule<()> {
    let mut project = load_live_project(st, &c.project)?;
    perm::authorize(
        st,
        cx,
        Action::SignContract,
        &Bind::owner(&project.owner_department),
    )?;
    require_stage(
        &project,
        &[ProjectStage::Procurement],
        "signing its contract",
    )?;
    validate::id("contract.id", &c.id)?;
    if store::exists(st, &keys::contract(&c.id))? {
        return Err(Rejection::exists("contract", c.id.clone()).into());
    }
    let procurement: ProcurementRecord = store::load(
        st,
        &keys::procurement(&project.id),
        "procurement",
        &project.id,
    )?;
    let Some(award) = procurement.award else {
        return Err(Rejection::WrongState {
            what: format!("the procurement of project {:?}", project.id),
            state: "not yet awarded".into(),
            action: "signing a contract".into(),
            needed: "an award".into(),
        }
        .into());
    };
    check_against_award(c, &award)?;
    let credit = super::credit::require_not_listed(st, &project.id, &c.contractor)?;
    let committed = add(project.committed_fen, c.amount_fen, "the commitment")?;
    if committed > project.budget_fen() {
        return Err(over_budget(&project, project.committed_fen, c.amount_fen).into());
    }
    let milestones = contract_milestones(c)?;
    let contract = ContractState {
        id: c.id.clone(),
        project: project.id.clone(),
        contractor: c.contractor.clone(),
        original_amount_fen: c.amount_fen,
        amount_fen: c.amount_fen,
        advance_share_bp: c.advance_share_bp,
        milestones,
        document_hash: c.document_hash,
        signed_by: cx.actor().key(),
        signed_ms: cx.now(),
        approved_unpaid_fen: 0,
        paid_fen: 0,
        disbursements: 0,
        change_orders: 0,
        schedule_delta_days: 0,
        disclosure: project.disclosure,
    };
    for (i, m) in contract.milestones.iter().enumerate() {
        reminders::schedule_milestone(st, cx.now(), m.milestone.due_ms, &contract.id, i as u16)?;
    }
    save_contract(st, &contract)?;
    store::mark(st, &keys::project_contract(&project.id, &contract.id))?;
    project.contract = Some(contract.id.clone());
    project.committed_fen = committed;
    let checked = match &credit {
        Some(r) => format!(
            "; credit checked at {}, height {} (answer SM3 {})",
            r.check.registry,
            r.height,
            r.check.result_hash.to_hex()
        ),
        None => "; no credit check on record".into(),
    };
    cx.history(
        st,
        &keys::contract(&contract.id),
        "sign_contract",
        format!(
            "signed with {} for {}{checked}",
            contract.contractor.name,
            yuan(contract.amount_fen)
        ),
    )?;
    cx.history(
        st,
        &keys::project(&project.id),
        "sign_contract",
        format!(
            "contract {:?} signed with {} for {}",
            contract.id,
            contract.contractor.name,
            yuan(contract.amount_fen)
        ),
    )?;
    set_stage(
        st,
        cx,
        &mut project,
        ProjectStage::Contracted,
        "sign_contract",
    )?;
    save_project(st, cx, &mut project)?;
    cx.emit(Event::RecordCreated {
        kind: RecordKind::Contract,
        id: contract.id.clone(),
        project: Some(project.id.clone()),
    });
    Ok(())
}

/// A contract's amount after a change order, and what is already paid or approved under it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ChangedAmount {
    new_amount: Fen,
    /// Paid plus approved-unpaid: the new amount must cover it.
    owed: Fen,
}

/// The contract amount after a change of `delta` fen: it must stay positive and cover what has
/// already been paid or approved (whether the payments then stay within progress is the
/// caller's check, which needs the project).
fn changed_amount(contract: &ContractState, delta: i64) -> Result<ChangedAmount, Rejection> {
    let new_amount = contract
        .amount_fen
        .checked_add_signed(delta)
        .ok_or_else(|| {
            if delta < 0 {
                Rejection::invalid(
                    "amount_delta_fen",
                    format!("the contract is only {}", yuan(contract.amount_fen)),
                )
            } else {
                Rejection::overflow("the contract amount")
            }
        })?;
    let owed = contract
        .paid_fen
        .checked_add(contract.approved_unpaid_fen)
        .ok_or_else(|| Rejection::overflow("payments"))?;
    if new_amount < owed || new_amount == 0 {
        return Err(Rejection::invalid(
            "amount_delta_fen",
            format!(
                "the contract would be {}, below the {} already paid or approved",
                yuan(new_amount),
                yuan(owed)
            ),
        ));
    }
    Ok(ChangedAmount { new_amount, owed })
}

/// A schedule moved by a change order.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Rescheduled {
    planned_end_ms: TimestampMs,
    /// The new due dates of the milestones not yet reached, by index, in order.
    milestone_dues: Vec<(usize, TimestampMs)>,
}

/// Moves the planned end and the due dates of the milestones not yet reached by `days` days:
/// the end must stay after the planned start and every due date above zero.
fn reschedule(
    planned_start_ms: TimestampMs,
    planned_end_ms: TimestampMs,
    milestones: &[MilestoneState],
    days: i32,
) -> Result<Rescheduled, Rejection> {
    let shift = i64::from(days)
        .checked_mul(DAY_MS as i64)
        .ok_or_else(|| Rejection::overflow("the schedule change"))?;
    let end = planned_end_ms.checked_add_signed(shift);
    let Some(end) = end.filter(|e| *e > planned_start_ms) else {
        return Err(if shift > 0 {
            Rejection::overflow("the planned end")
        } else {
            Rejection::invalid(
                "schedule_delta_days",
                "the planned end would move before the planned start",
            )
        });
    };
    let mut milestone_dues = Vec::with_capacity(milestones.len());
    for (i, m) in milestones.iter().enumerate() {
        if m.reached_ms.is_some() {
            continue;
        }
        let due = m
            .milestone
            .due_ms
            .checked_add_signed(shift)
            .filter(|d| *d > 0)
            .ok_or_else(|| {
                Rejection::invalid("schedule_delta_days", "moves a milestone out of range")
            })?;
        milestone_dues.push((i, due));
    }
    Ok(Rescheduled {
        planned_end_ms: end,
        milestone_dues,
    })
}

pub(super) fn change_order(st: &mut dyn State, cx: &mut Cx<'_>, c: &ChangeOrder) -> Rule<()> {
    let mut contract = load_contract(st, &c.contract)?;
    let mut project = load_live_project(st, &contract.project)?;
    perm::authorize(
        st,
        cx,
        Action::RequestChangeOrder,
        &Bind::owner(&project.owner_department),
    )?;
    require_stage(
        &project,
        &[ProjectStage::Contracted, ProjectStage::InProgress],
        "changing its contract",
    )?;
    validate::id("change.id", &c.id)?;
    if store::exists(st, &keys::change(&c.id))? {
        return Err(Rejection::exists("change order", c.id.clone()).into());
    }
    if contract.change_orders as usize >= CHANGE_ORDERS_PER_CONTRACT_MAX {
        return Err(
            Rejection::limit("change orders per contract", CHANGE_ORDERS_PER_CONTRACT_MAX).into(),
        );
    }
    validate::required_text("reason", &c.reason)?;
    if c.amount_delta_fen == 0 && c.schedule_delta_days == 0 {
        return Err(Rejection::invalid("change", "changes neither amount nor schedule").into());
    }
    let ChangedAmount { new_amount, owed } = changed_amount(&contract, c.amount_delta_fen)?;
    // A smaller contract must still cover what has been paid or approved under the progress
    // rule, or the payments already made would be ahead of progress after the change.
    let mut reduced = contract.clone();
    reduced.amount_fen = new_amount;
    let (allowed_bp, allowed_fen) = allowed_payment(&reduced, &project);
    if owed > allowed_fen {
        return Err(Rejection::AheadOfProgress {
            contract: contract.id.clone(),
            contract_fen: new_amount,
            accepted_progress_bp: project.accepted_progress_bp,
            allowed_bp,
            allowed_fen,
            disbursed_fen: owed,
            requested_fen: 0,
        }
        .into());
    }
    let committed = project
        .committed_fen
        .checked_add_signed(c.amount_delta_fen)
        .ok_or_else(|| Rejection::overflow("the commitment"))?;
    if committed > project.budget_fen() {
        return Err(over_budget(
            &project,
            project.committed_fen,
            c.amount_delta_fen.unsigned_abs(),
        )
        .into());
    }
    if c.schedule_delta_days != 0 {
        let moved = reschedule(
            project.planned_start_ms,
            project.planned_end_ms,
            &contract.milestones,
            c.schedule_delta_days,
        )?;
        project.planned_end_ms = moved.planned_end_ms;
        for (i, due) in moved.milestone_dues {
            contract.milestones[i].milestone.due_ms = due;
            // The old index entry is left to the sweep, which skips entries whose time no
            // longer matches the milestone's due date.
            reminders::schedule_milestone(st, cx.now(), due, &c.contract, i as u16)?;
        }
        contract.schedule_delta_days += i64::from(c.schedule_delta_days);
    }
    let record = ChangeRecord {
        order: c.clone(),
        project: project.id.clone(),
        requested_by: cx.actor().key(),
        request: cx.request,
        amount_before_fen: contract.amount_fen,
        amount_after_fen: new_amount,
        executed_ms: cx.now(),
        disclosure: project.disclosure,
    };
    contract.amount_fen = new_amount;
    contract.change_orders += 1;
    project.committed_fen = committed;
    store::put(st, &keys::change(&c.id), &record)?;
    store::mark(st, &keys::contract_change(&contract.id, &c.id))?;
    save_contract(st, &contract)?;
    let summary = format!(
        "change order {:?}: amount {} (now {}), schedule {:+} days",
        c.id,
        yuan_signed(c.amount_delta_fen),
        yuan(new_amount),
        c.schedule_delta_days
    );
    cx.history(
        st,
        &keys::contract(&contract.id),
        "request_change_order",
        summary.clone(),
    )?;
    cx.history(
        st,
        &keys::project(&project.id),
        "request_change_order",
        summary,
    )?;
    save_project(st, cx, &mut project)?;
    cx.emit(Event::RecordCreated {
        kind: RecordKind::ChangeOrder,
        id: c.id.clone(),
        project: Some(project.id.clone()),
    });
    Ok(())
}

pub(super) fn request_disbursement(
    st: &mut dyn State,
    cx: &mut Cx<'_>,
    d: &DisbursementRequest,
) -> Rule<()> {
    let mut contract = load_contract(st, &d.contract)?;
    let mut project = load_live_project(st, &contract.project)?;
    perm::authorize(
        st,
        cx,
        Action::RequestDisbursement,
        &Bind::owner(&project.owner_department),
    )?;
    require_stage(&project, PAYING_STAGES, "requesting a disbursement")?;
    validate::id("disbursement.id", &d.id)?;
    validate::note("note", &d.note)?;
    if store::exists(st, &keys::disbursement(&d.id))? {
        return Err(Rejection::exists("disbursement", d.id.clone()).into());
    }
    if contract.disbursements as usize >= DISBURSEMENTS_PER_CONTRACT_MAX {
        return Err(
            Rejection::limit("disbursements per contract", DISBURSEMENTS_PER_CONTRACT_MAX).into(),
        );
    }
    if d.amount_fen == 0 {
        return Err(Rejection::invalid("amount_fen", "must be positive").into());
    }
    if let Some(m) = d.milestone
        && usize::from(m) >= contract.milestones.len()
    {
        return Err(Rejection::invalid(
            "milestone",
            format!(
                "contract {:?} has {} milestones",
                contract.id,
                contract.milestones.len()
            ),
        )
        .into());
    }
    let owed = add(contract.paid_fen, contract.approved_unpaid_fen, "payments")?;
    let total = add(owed, d.amount_fen, "payments")?;
    if total > contract.amount_fen {
        return Err(Rejection::OverContract {
            contract: contract.id.clone(),
            contract_fen: contract.amount_fen,
            disbursed_fen: owed,
            requested_fen: d.amount_fen,
        }
        .into());
    }
    let (allowed_bp, allowed_fen) = allowed_payment(&contract, &project);
    if total > allowed_fen {
        return Err(Rejection::AheadOfProgress {
            contract: contract.id.clone(),
            contract_fen: contract.amount_fen,
            accepted_progress_bp: project.accepted_progress_bp,
            allowed_bp,
            allowed_fen,
            disbursed_fen: owed,
            requested_fen: d.amount_fen,
        }
        .into());
    }
    let record = DisbursementRecord {
        request: d.clone(),
        project: project.id.clone(),
        requested_by: cx.actor().key(),
        approval_request: cx.request,
        status: DisbursementStatus::Approved,
        approved_ms: cx.now(),
        voucher_ref: None,
        paid_by: None,
        paid_ms: None,
        disclosure: project.disclosure,
    };
    contract.approved_unpaid_fen = add(contract.approved_unpaid_fen, d.amount_fen, "payments")?;
    contract.disbursements += 1;
    project.approved_unpaid_fen = add(project.approved_unpaid_fen, d.amount_fen, "payments")?;
    store::put(st, &keys::disbursement(&d.id), &record)?;
    store::mark(st, &keys::contract_disbursement(&contract.id, &d.id))?;
    save_contract(st, &contract)?;
    save_project(st, cx, &mut project)?;
    let summary = format!("disbursement {:?} of {} approved", d.id, yuan(d.amount_fen));
    cx.history(
        st,
        &keys::disbursement(&d.id),
        "request_disbursement",
        summary.clone(),
    )?;
    cx.history(
        st,
        &keys::project(&project.id),
        "request_disbursement",
        summary,
    )?;
    cx.emit(Event::RecordCreated {
        kind: RecordKind::Disbursement,
        id: d.id.clone(),
        project: Some(project.id.clone()),
    });
    Ok(())
}

pub(super) fn mark_paid(
    st: &mut dyn State,
    cx: &mut Cx<'_>,
    id: &str,
    voucher_ref: &str,
) -> Rule<()> {
    let mut record: DisbursementRecord =
        store::load(st, &keys::disbursement(id), "disbursement", id)?;
    let mut project = load_live_project(st, &record.project)?;
    perm::authorize(st, cx, Action::MarkDisbursementPaid, &Bind::NONE)?;
    require_stage(&project, PAYING_STAGES, "paying a disbursement")?;
    if record.status != DisbursementStatus::Approved {
        return Err(Rejection::WrongState {
            what: format!("disbursement {id:?}"),
            state: "paid".into(),
            action: "marking it paid".into(),
            needed: "an approved, unpaid disbursement".into(),
        }
        .into());
    }
    validate::name("voucher_ref", voucher_ref)?;
    let mut contract = load_contract(st, &record.request.contract)?;
    let amount = record.request.amount_fen;
    contract.approved_unpaid_fen = sub(contract.approved_unpaid_fen, amount, "approved payments")?;
    contract.paid_fen = add(contract.paid_fen, amount, "payments")?;
    project.approved_unpaid_fen = sub(project.approved_unpaid_fen, amount, "approved payments")?;
    project.disbursed_fen = add(project.disbursed_fen, amount, "payments")?;
    record.status = DisbursementStatus::Paid;
    record.voucher_ref = Some(voucher_ref.to_owned());
    record.paid_by = Some(cx.actor().key());
    record.paid_ms = Some(cx.now());
    store::put(st, &keys::disbursement(id), &record)?;
    save_contract(st, &contract)?;
    let summary = format!(
        "disbursement {id:?} of {} paid; {} paid in all",
        yuan(amount),
        yuan(project.disbursed_fen)
    );
    cx.history(
        st,
        &keys::disbursement(id),
        "mark_disbursement_paid",
        summary.clone(),
    )?;
    cx.history(
        st,
        &keys::project(&project.id),
        "mark_disbursement_paid",
        summary,
    )?;
    alerts::budget_use(st, cx, &mut project)?;
    save_project(st, cx, &mut project)?;
    cx.emit(Event::RecordUpdated {
        kind: RecordKind::Disbursement,
        id: id.to_owned(),
        project: Some(project.id.clone()),
        what: "paid".into(),
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use gongxin_core::Hash;
    use gongxin_core::crypto::PublicKey;
    use gongxin_core::model::{Disclosure, Party, PaymentMilestone};

    use super::*;

    fn code(n: u32) -> String {
        validate::with_check_character(&format!("91320100{n:09}")).expect("17 digits")
    }

    fn builder(n: u32) -> Party {
        Party {
            name: format!("Builder {n}"),
            credit_code: code(n),
        }
    }

    fn milestone(progress_bp: BasisPoints, share_bp: BasisPoints, day: u64) -> PaymentMilestone {
        PaymentMilestone {
            name: format!("{progress_bp} bp"),
            progress_bp,
            share_bp,
            due_ms: day * DAY_MS,
        }
    }

    fn contract(
        amount_fen: Fen,
        advance_share_bp: BasisPoints,
        milestones: Vec<PaymentMilestone>,
    ) -> ContractRecord {
        ContractRecord {
            id: "C-1".into(),
            project: "SC-1".into(),
            contractor: builder(7),
            amount_fen,
            advance_share_bp,
            milestones,
            document_hash: Hash::ZERO,
        }
    }

    fn award(amount_fen: Fen) -> AwardState {
        AwardState {
            bids: Vec::new(),
            winner: builder(7),
            amount_fen,
            document_hash: None,
            awarded_ms: DAY_MS,
        }
    }

    fn signed(amount_fen: Fen, paid_fen: Fen, approved_unpaid_fen: Fen) -> ContractState {
        ContractState {
            id: "C-1".into(),
            project: "SC-1".into(),
            contractor: builder(7),
            original_amount_fen: amount_fen,
            amount_fen,
            advance_share_bp: 0,
            milestones: Vec::new(),
            document_hash: Hash::ZERO,
            signed_by: PublicKey::Ed25519([0; 32]),
            signed_ms: DAY_MS,
            approved_unpaid_fen,
            paid_fen,
            disbursements: 0,
            change_orders: 0,
            schedule_delta_days: 0,
            disclosure: Disclosure::Public,
        }
    }

    fn state(m: PaymentMilestone, reached_ms: Option<TimestampMs>) -> MilestoneState {
        MilestoneState {
            original_due_ms: m.due_ms,
            milestone: m,
            reached_ms,
            due_soon_sent_for: None,
        }
    }

    fn field(r: Rejection) -> String {
        match r {
            Rejection::InvalidField { field, .. } => field,
            other => panic!("not an invalid field: {other:?}"),
        }
    }

    #[test]
    fn a_contract_is_with_the_winner_for_at_most_the_award() {
        assert_eq!(
            check_against_award(&contract(900_000, 0, vec![]), &award(1_000_000)),
            Ok(())
        );
        assert_eq!(
            check_against_award(&contract(1_000_000, 0, vec![]), &award(1_000_000)),
            Ok(())
        );
        let mut other = contract(900_000, 0, vec![]);
        other.contractor = builder(8);
        let r = check_against_award(&other, &award(1_000_000)).unwrap_err();
        assert_eq!(field(r), "contractor.credit_code");
        assert_eq!(
            check_against_award(&contract(1_000_001, 0, vec![]), &award(1_000_000)),
            Err(Rejection::invalid(
                "amount_fen",
                "must be positive and at most the award of ¥10,000.00"
            ))
        );
        let r = check_against_award(&contract(0, 0, vec![]), &award(1_000_000)).unwrap_err();
        assert_eq!(field(r), "amount_fen");
    }

    #[test]
    fn contract_milestones_check_shares_order_and_the_advance() {
        let c = contract(
            1_000_000,
            1_000,
            vec![milestone(3_000, 2_000, 10), milestone(10_000, 7_000, 20)],
        );
        let ms = contract_milestones(&c).unwrap();
        assert_eq!(ms.len(), 2);
        assert_eq!(ms[1].milestone, c.milestones[1]);
        assert_eq!(ms[1].original_due_ms, 20 * DAY_MS);
        assert!(ms.iter().all(|m| m.reached_ms.is_none()));
        assert_eq!(contract_milestones(&contract(1, 0, vec![])), Ok(vec![]));

        let too_much = contract(
            1_000_000,
            2_000,
            vec![milestone(3_000, 2_000, 10), milestone(10_000, 7_000, 20)],
        );
        assert_eq!(
            contract_milestones(&too_much),
            Err(Rejection::invalid(
                "milestones.share_bp",
                "advance and milestone shares add up to 11000 bp, more than 10000 bp"
            ))
        );
        let unordered = contract(
            1_000_000,
            0,
            vec![milestone(5_000, 2_000, 10), milestone(3_000, 2_000, 20)],
        );
        assert_eq!(
            field(contract_milestones(&unordered).unwrap_err()),
            "milestones"
        );
        let late_first = contract(
            1_000_000,
            0,
            vec![milestone(3_000, 2_000, 30), milestone(5_000, 2_000, 20)],
        );
        assert_eq!(
            field(contract_milestones(&late_first).unwrap_err()),
            "milestones"
        );
        let advance = contract(1_000_000, ADVANCE_SHARE_BP_MAX + 1, vec![]);
        assert_eq!(
            field(contract_milestones(&advance).unwrap_err()),
            "advance_share_bp"
        );
        let no_progress = contract(1_000_000, 0, vec![milestone(0, 2_000, 10)]);
        assert_eq!(
            field(contract_milestones(&no_progress).unwrap_err()),
            "milestones.progress_bp"
        );
        let undated = contract(1_000_000, 0, vec![milestone(3_000, 2_000, 0)]);
        assert_eq!(
            field(contract_milestones(&undated).unwrap_err()),
            "milestones.due_ms"
        );
    }

    #[test]
    fn a_changed_amount_stays_positive_and_covers_what_is_owed() {
        let c = signed(1_000, 300, 200);
        assert_eq!(
            changed_amount(&c, 500),
            Ok(ChangedAmount {
                new_amount: 1_500,
                owed: 500
            })
        );
        assert_eq!(
            changed_amount(&c, -500),
            Ok(ChangedAmount {
                new_amount: 500,
                owed: 500
            })
        );
        assert_eq!(
            changed_amount(&c, -501),
            Err(Rejection::invalid(
                "amount_delta_fen",
                "the contract would be ¥4.99, below the ¥5.00 already paid or approved"
            ))
        );
        assert_eq!(
            changed_amount(&c, -1_001),
            Err(Rejection::invalid(
                "amount_delta_fen",
                "the contract is only ¥10.00"
            ))
        );
        assert_eq!(
            field(changed_amount(&signed(1_000, 0, 0), -1_000).unwrap_err()),
            "amount_delta_fen"
        );
        assert_eq!(
            changed_amount(&signed(Fen::MAX - 1, 0, 0), 5),
            Err(Rejection::overflow("the contract amount"))
        );
    }

    #[test]
    fn a_reschedule_moves_the_end_and_the_milestones_not_yet_reached() {
        let start = DAY_MS;
        let end = 100 * DAY_MS;
        let milestones = [
            state(milestone(2_000, 1_000, 10), Some(9 * DAY_MS)),
            state(milestone(5_000, 1_000, 40), None),
            state(milestone(10_000, 1_000, 90), None),
        ];
        assert_eq!(
            reschedule(start, end, &milestones, 5),
            Ok(Rescheduled {
                planned_end_ms: 105 * DAY_MS,
                milestone_dues: vec![(1, 45 * DAY_MS), (2, 95 * DAY_MS)],
            })
        );
        assert_eq!(
            reschedule(start, end, &milestones, -30),
            Ok(Rescheduled {
                planned_end_ms: 70 * DAY_MS,
                milestone_dues: vec![(1, 10 * DAY_MS), (2, 60 * DAY_MS)],
            })
        );
        assert_eq!(
            reschedule(start, end, &milestones, -99),
            Err(Rejection::invalid(
                "schedule_delta_days",
                "the planned end would move before the planned start"
            ))
        );
        assert_eq!(
            reschedule(start, end, &milestones, -40),
            Err(Rejection::invalid(
                "schedule_delta_days",
                "moves a milestone out of range"
            ))
        );
        assert_eq!(
            reschedule(start, TimestampMs::MAX - 1, &[], 1),
            Err(Rejection::overflow("the planned end"))
        );
    }
}
