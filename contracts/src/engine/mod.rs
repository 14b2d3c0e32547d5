//! The rules engine: `begin_block`, then `apply` for each transaction of the block.
//!
//! # How a transaction is applied
//! 1. **Replay guard** (no writes): the chain id must be the block's, the expiry height must lie
//!    in `height ..= height + REPLAY_WINDOW_BLOCKS_MAX`, and the tx hash must not be in the
//!    de-duplication index. Failing here is a rejection (`wrong_chain`, `expired`,
//!    `expiry_too_far`, `replay`) that writes nothing: such a transaction never reached the
//!    rules, and a replayed copy must not leave a second trace.
//! 2. **Rules**, in a per-transaction [`Overlay`]: the signer must be a member; the operation
//!    is authorised and checked against the state. If an approval policy covers it, the
//!    operation is first executed in a scratch overlay (so an impossible request is refused at
//!    once) and then a request is opened instead; otherwise it takes effect.
//! 3. **Outcome**: applied → the overlay is committed. Rejected → the overlay is discarded, so
//!    no record changes; the engine then writes only the rejection's own trace: a
//!    [`RejectionRecord`](crate::records::RejectionRecord) (`rej/…`, indexed per project for
//!    discipline inspection) and, for an over-budget or ahead-of-progress attempt, its alert.
//! 4. In both cases the tx hash enters the de-duplication index, until its expiry height. A
//!    rejected transaction is recorded too: otherwise anyone could resubmit someone's refused
//!    transaction later, when it might pass (after a budget increase, say), and make it take
//!    effect without its signer's renewed consent.
//!
//! # Requests and approvals
//! A request executes at the moment its last required approval is committed, as its submitter,
//! against the state at that moment, with every rule re-checked. If it no longer passes (the
//! budget was used meanwhile, the submitter was removed, the project was suspended), the request
//! is closed as `failed` with the rejection, the Approve transaction is still `Applied` (the
//! approval itself was valid and is on record) and a `RequestFailed` event says why. We chose
//! this over rejecting the Approve: a rejected Approve would leave the request open with all its
//! approvals but unable ever to execute, and it would make the approver's valid act look like an
//! irregularity.
//!
//! Operations no policy covers take effect on the submitter's own permission.
//!
//! # Who may submit what
//! "Owner" is the department owning the project; roles are D(irector), C(section chief),
//! S(pecialist), A(uditor). A mismatch of department is `wrong_department`, of role `wrong_role`.
//! The departments × roles column is the data the rules check (`perm::PERMISSIONS`, grants tried
//! in the order written); a unit test keeps this table and that one equal.
//!
//! | operation | departments × roles | stage / condition |
//! |-----------|---------------------|-------------------|
//! | add / remove member, rotate key | the member's department × D | a department keeps ≥ 1 director |
//! | propose / vote governance | any × D | one vote per department |
//! | approve / refuse a request | as its policy requires | not the submitter; once per person |
//! | propose project | line × D, C, S; planning × D, C, S | owner = the proposer's department |
//! | approve project (立项) | owner × D; planning × D, C | proposed |
//! | approve budget (预算批复) | finance × D, C | approved |
//! | adjust budget (预算调整) | owner × D, C; finance × D, C | budgeted … acceptance requested |
//! | start procurement | owner × D, C, S | budgeted |
//! | award procurement | owner × D, C | procurement, not yet awarded |
//! | sign contract | owner × D, C | procurement, awarded; with the winner; one per project |
//! | start implementation | owner × D, C | contracted |
//! | change order (变更) | owner × D, C, S | contracted, in progress |
//! | report progress | owner × C, S | in progress |
//! | review progress | owner × D | in progress (so the claimant never accepts their own claim) |
//! | request disbursement | owner × D, C, S | contracted … evaluated |
//! | mark disbursement paid | finance × D, C, S | contracted … evaluated |
//! | request acceptance | owner × D, C | in progress, 100 % accepted |
//! | record acceptance (验收) | owner × D | acceptance requested; a failure returns to in progress |
//! | record evaluation (后评价) | finance × D, C; audit × D, C, A; planning × D, C | accepted |
//! | close project | owner × D | evaluated, nothing approved and unpaid |
//! | suspend project | owner × D; finance × D; audit × D | any open stage |
//! | resume project | the suspending department × D | suspended |
//! | cancel project | owner × D; planning × D | any open stage or suspended |
//! | raise rectification | audit × D, C, A | deadline in the future |
//! | submit rectification | the responsible department × D, C | open or reopened; the responsible person needs no grant |
//! | verify rectification | the raising department × D, C, A | submitted; not by the submitter |
//! | anchor access log | the named validator, with its own key (no member) | more records than its last anchor |
//! | acknowledge alert | a member of a department the alert addresses, or a person it names | once per person |
//! | record credit check (信用核查) | owner × D, C, S | any open stage; a contractor last found listed cannot be signed with |
//!
//! Closed and cancelled projects, and everything that belongs to them, never change
//! (`record_closed`); a suspended project only resumes or is cancelled.
//!
//! # Determinism
//! No clocks (time is `BlockContext::time_ms`), no hash maps, no floats, no randomness; every
//! loop is bounded by [`crate::limits`]. `clippy.toml` bans the offending types.

mod alerts;
mod anchors;
mod approvals;
mod credit;
mod governance;
mod guard;
mod identity;
mod money;
mod perm;
mod progress;
mod projects;
mod public_index;
mod rectification;
mod reminders;
mod sweep;

use bincode::{Decode, Encode};
use gongxin_core::Hash;
use gongxin_core::entry::Outcome;
use gongxin_core::model::{Operation, OperationKind};
use gongxin_core::tx::SignedTx;
use serde::{Deserialize, Serialize};

use crate::events::Event;
use crate::keys;
use crate::records::{HistoryEntry, MemberRecord};
use crate::rejection::Rejection;
use crate::state::{Overlay, State, StorageError};
use crate::store::{self, Fail, Rule};

pub(crate) use alerts::addressed_persons;
pub use approvals::{policy_amount, policy_for};
pub(crate) use governance::{check_policy, store_policy};
pub(crate) use identity::insert_member;
pub(crate) use money::{allowed_payment, share_of};
pub use projects::project_of_operation;
pub use reminders::due_soon_time;
pub(crate) use reminders::{policy as reminder_policy, set_policy as set_reminder_policy};

/// What the node knows about the block being executed.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct BlockContext {
    pub chain_id: String,
    pub height: u64,
    /// The block's timestamp: the only clock the rules see.
    pub time_ms: u64,
}

/// The result of applying one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub outcome: Outcome,
    /// Events raised (for a rejection: only the alert it raised, if any).
    pub events: Vec<Event>,
}

impl Applied {
    pub fn is_applied(&self) -> bool {
        self.outcome == Outcome::Applied
    }

    /// The rejection code, when rejected.
    pub fn code(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::Applied => None,
            Outcome::Rejected { code, .. } => Some(code),
        }
    }
}

/// The execution context of the rules: the block, the transaction, who acts, and the events
/// raised so far.
pub(crate) struct Cx<'b> {
    pub block: &'b BlockContext,
    /// The transaction being applied (absent in `begin_block`).
    pub tx: Option<Hash>,
    /// The request being executed, when an approval completed one.
    pub request: Option<Hash>,
    /// The member acting: the signer, or a request's submitter while it executes.
    pub actor: Option<MemberRecord>,
    pub events: Vec<Event>,
}

impl<'b> Cx<'b> {
    pub fn new(block: &'b BlockContext, tx: Option<Hash>) -> Cx<'b> {
        Cx {
            block,
            tx,
            request: None,
            actor: None,
            events: Vec::new(),
        }
    }

    pub fn now(&self) -> u64 {
        self.block.time_ms
    }

    pub fn actor(&self) -> &MemberRecord {
        self.actor
            .as_ref()
            .expect("rules that act run with an actor set by apply")
    }

    pub fn emit(&mut self, event: Event) {
        self.events.push(event);
    }

    /// Appends to the history of the record at `record_key`. Several changes to one record by
    /// one transaction become one entry with their summaries joined.
    pub fn history(
        &self,
        st: &mut dyn State,
        record_key: &[u8],
        action: &str,
        summary: impl Into<String>,
    ) -> Result<(), StorageError> {
        let cause = self.tx.map_or_else(|| "block".to_owned(), |h| h.to_hex());
        let key = keys::history(record_key, self.block.height, &cause);
        let summary = summary.into();
        let entry = match store::get::<HistoryEntry>(st, &key)? {
            Some(mut existing) => {
                existing.summary.push_str("; ");
                existing.summary.push_str(&summary);
                existing
            }
            None => HistoryEntry {
                height: self.block.height,
                time_ms: self.block.time_ms,
                tx: self.tx,
                request: self.request,
                actor: self.actor.as_ref().map(MemberRecord::key),
                action: action.to_owned(),
                summary,
            },
        };
        store::put(st, &key, &entry)
    }
}

/// Runs the per-block work before the block's transactions: prunes expired de-duplication
/// entries (at most [`DEDUP_PRUNE_ITEMS_MAX`](crate::limits::DEDUP_PRUNE_ITEMS_MAX)) and sweeps
/// deadlines that the block time has passed (at most
/// [`DEADLINE_SWEEP_ITEMS_MAX`](crate::limits::DEADLINE_SWEEP_ITEMS_MAX)); what is left waits
/// for the next block. Returns the alerts raised.
pub fn begin_block<S: State>(
    state: &mut S,
    ctx: &BlockContext,
) -> Result<Vec<Event>, StorageError> {
    let st: &mut dyn State = state;
    guard::prune(st, ctx)?;
    let mut cx = Cx::new(ctx, None);
    sweep::deadlines(st, &mut cx)?;
    Ok(cx.events)
}

/// Applies one transaction whose signature the node has verified, with its hash (the engine
/// never verifies signatures: the node does that once, at admission).
///
/// Returns `Err` only for a storage failure, on which the node must stop. A rejection is an
/// `Ok` with `Outcome::Rejected`; its `events` are the alert the attempt raised, if any.
pub fn apply<S: State>(
    state: &mut S,
    ctx: &BlockContext,
    tx: &SignedTx,
    tx_hash: &Hash,
) -> Result<Applied, StorageError> {
    apply_dyn(state, ctx, tx, tx_hash)
}

fn apply_dyn(
    st: &mut dyn State,
    ctx: &BlockContext,
    tx: &SignedTx,
    tx_hash: &Hash,
) -> Result<Applied, StorageError> {
    debug_assert_eq!(
        tx.hash(),
        *tx_hash,
        "apply needs the transaction's own hash"
    );
    if let Err(rejection) = guard::check(st, ctx, tx, tx_hash)? {
        return Ok(Applied {
            outcome: rejection.to_outcome(),
            events: Vec::new(),
        });
    }
    let mut cx = Cx::new(ctx, Some(*tx_hash));
    let result = {
        let mut overlay = Overlay::new(&mut *st);
        match execute_tx(&mut overlay, &mut cx, tx) {
            Ok(()) => {
                overlay.commit()?;
                Ok(())
            }
            Err(Fail::Storage(e)) => return Err(e),
            Err(Fail::Reject(rejection)) => {
                overlay.discard();
                Err(rejection)
            }
        }
    };
    guard::record(st, tx, tx_hash)?;
    match result {
        Ok(()) => Ok(Applied {
            outcome: Outcome::Applied,
            events: cx.events,
        }),
        Err(rejection) => {
            let events = alerts::record_rejection(st, ctx, tx, tx_hash, &rejection)?;
            Ok(Applied {
                outcome: rejection.to_outcome(),
                events,
            })
        }
    }
}

fn execute_tx(st: &mut dyn State, cx: &mut Cx<'_>, tx: &SignedTx) -> Rule<()> {
    // The operations a validator signs with its own key, not a member's.
    match &tx.body.operation {
        Operation::AnchorAccessLog { node, point } => {
            return anchors::anchor(st, cx, &tx.body.signer, node, point);
        }
        Operation::RecordRiskModel { node, version, sm3 } => {
            return anchors::record_risk_model(st, cx, &tx.body.signer, node, version, sm3);
        }
        _ => {}
    }
    let signer = identity::member(st, &tx.body.signer)?.ok_or(Rejection::UnknownSigner {
        key: tx.body.signer,
    })?;
    cx.actor = Some(signer);
    let op = &tx.body.operation;
    match op {
        Operation::Approve { request, note } => approvals::approve(st, cx, request, note),
        Operation::Refuse { request, reason } => approvals::refuse(st, cx, request, reason),
        Operation::ProposeGovernance { id, change, note } => {
            governance::propose(st, cx, id, change, note)
        }
        Operation::VoteGovernance { id, approve } => governance::vote(st, cx, id, *approve),
        Operation::AcknowledgeAlert { alert, note } => reminders::acknowledge(st, cx, alert, note),
        _ => match policy_for(st, op)? {
            None => execute_operation(st, cx, op),
            Some(policy) => {
                // Check the whole operation now, so a request that could never execute is
                // refused at once; the dry run's writes and events are thrown away.
                let mark = cx.events.len();
                {
                    let mut scratch = Overlay::new(&mut *st);
                    execute_operation(&mut scratch, cx, op)?;
                    scratch.discard();
                }
                cx.events.truncate(mark);
                approvals::open_request(st, cx, op, &policy)
            }
        },
    }
}

/// Executes an operation as `cx.actor` (authorisation included). Approval, refusal and
/// governance operations never come here: they are not subject to approval policies.
pub(crate) fn execute_operation(st: &mut dyn State, cx: &mut Cx<'_>, op: &Operation) -> Rule<()> {
    match op {
        Operation::AddMember(member) => identity::add_member(st, cx, member),
        Operation::RemoveMember { public_key } => identity::remove_member(st, cx, public_key),
        Operation::RotateMemberKey { old_key, new_key } => {
            identity::rotate_key(st, cx, old_key, new_key)
        }
        Operation::ProposeProject(p) => projects::propose(st, cx, p),
        Operation::ApproveProject { project } => projects::approve(st, cx, project),
        Operation::ApproveBudget(b) => money::approve_budget(st, cx, b),
        Operation::AdjustBudget(a) => money::adjust_budget(st, cx, a),
        Operation::StartProcurement(p) => money::start_procurement(st, cx, p),
        Operation::AwardProcurement(a) => money::award(st, cx, a),
        Operation::SignContract(c) => money::sign_contract(st, cx, c),
        Operation::StartImplementation { project } => {
            projects::start_implementation(st, cx, project)
        }
        Operation::RequestChangeOrder(c) => money::change_order(st, cx, c),
        Operation::ReportProgress(r) => progress::report(st, cx, r),
        Operation::ReviewProgress {
            report,
            accepted,
            note,
        } => progress::review(st, cx, report, *accepted, note),
        Operation::RequestDisbursement(d) => money::request_disbursement(st, cx, d),
        Operation::MarkDisbursementPaid {
            disbursement,
            voucher_ref,
        } => money::mark_paid(st, cx, disbursement, voucher_ref),
        Operation::RequestAcceptance { project } => progress::request_acceptance(st, cx, project),
        Operation::RecordAcceptance(a) => progress::record_acceptance(st, cx, a),
        Operation::RecordEvaluation(e) => progress::record_evaluation(st, cx, e),
        Operation::CloseProject { project } => projects::close(st, cx, project),
        Operation::SuspendProject { project, reason } => projects::suspend(st, cx, project, reason),
        Operation::ResumeProject { project } => projects::resume(st, cx, project),
        Operation::CancelProject { project, reason } => projects::cancel(st, cx, project, reason),
        Operation::RaiseRectification(t) => rectification::raise(st, cx, t),
        Operation::SubmitRectification {
            task,
            evidence_hash,
            note,
        } => rectification::submit(st, cx, task, evidence_hash, note),
        Operation::VerifyRectification {
            task,
            accepted,
            note,
        } => rectification::verify(st, cx, task, *accepted, note),
        Operation::RecordCreditCheck(c) => credit::record(st, cx, c),
        Operation::Approve { .. }
        | Operation::Refuse { .. }
        | Operation::ProposeGovernance { .. }
        | Operation::VoteGovernance { .. }
        | Operation::AnchorAccessLog { .. }
        | Operation::RecordRiskModel { .. }
        | Operation::AcknowledgeAlert { .. } => Err(Rejection::NotPermitted {
            reason: format!(
                "{} cannot be the operation of a request",
                keys::kind_name(op.kind())
            ),
        }
        .into()),
    }
}

/// Operation kinds an approval policy may not cover: approving, refusing and governance have
/// their own rules, and gating them behind approvals would make requests unclosable; an
/// anchor and an acknowledgement record a fact, which nobody needs to approve.
pub fn is_policy_exempt(kind: OperationKind) -> bool {
    matches!(
        kind,
        OperationKind::Approve
            | OperationKind::Refuse
            | OperationKind::ProposeGovernance
            | OperationKind::VoteGovernance
            | OperationKind::AnchorAccessLog
            | OperationKind::RecordRiskModel
            | OperationKind::AcknowledgeAlert
    )
}

#[cfg(test)]
mod tests;
