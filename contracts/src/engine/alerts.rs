//! Alerts (stored and emitted) and the trace a rejected transaction leaves.

use gongxin_core::Hash;
use gongxin_core::crypto::PublicKey;
use gongxin_core::model::FULL_BP;
use gongxin_core::tx::SignedTx;

use super::{BlockContext, Cx, identity, projects};
use crate::display::{percent, percent_bp, yuan};
use crate::events::{Alert, AlertKind, Event};
use crate::keys;
use crate::limits::REMINDER_INTERVAL_MS;
use crate::records::{ContractState, ProjectRecord, RectificationRecord, RejectionRecord};
use crate::rejection::Rejection;
use crate::state::{State, StorageError};
use crate::store::{self, Rule};

/// Stores an alert under its project (or its department), indexes it for its departments (the
/// responsible one and, for an escalation, the one escalated to), for each person it names (the
/// responsible person and the directors) and by digest, and emits it.
pub(crate) fn raise(st: &mut dyn State, cx: &mut Cx<'_>, alert: Alert) -> Result<(), StorageError> {
    let digest = alert.digest();
    let record_key = match &alert.project {
        Some(p) => keys::project_alert(p, alert.time_ms, &digest),
        None => keys::dept_alert_record(&alert.responsible_department, alert.time_ms, &digest),
    };
    store::put(st, &record_key, &alert)?;
    st.put(&keys::alert_by_digest(&digest), &record_key)?;
    for department in alert_departments(&alert) {
        st.put(
            &keys::dept_alert_index(department, alert.time_ms, &digest),
            &record_key,
        )?;
    }
    for person in addressed_persons(st, &alert)? {
        st.put(
            &keys::person_alert_index(&person, alert.time_ms, &digest),
            &record_key,
        )?;
    }
    cx.emit(Event::Alert(alert));
    Ok(())
}

/// The departments an alert is addressed to.
pub(crate) fn alert_departments(alert: &Alert) -> impl Iterator<Item = &str> {
    std::iter::once(alert.responsible_department.as_str()).chain(
        alert
            .escalated_to
            .as_deref()
            .filter(|d| *d != alert.responsible_department),
    )
}

/// The persons (first keys) an alert names: its responsible person, the responsible
/// department's director and, for an escalation, the escalated-to department's director.
/// Keys that are no longer members name nobody.
pub(crate) fn addressed_persons(
    st: &dyn State,
    alert: &Alert,
) -> Result<Vec<PublicKey>, StorageError> {
    let mut persons: Vec<PublicKey> = Vec::new();
    let mut keys_named: Vec<PublicKey> = alert
        .responsible_person
        .iter()
        .chain(alert.director.iter())
        .copied()
        .collect();
    if let Some(department) = &alert.escalated_to
        && let Some(director) =
            identity::department(st, department)?.and_then(|d| d.lead_director())
    {
        keys_named.push(director);
    }
    for key in keys_named {
        if let Some(member) = identity::member(st, &key)?
            && !persons.contains(&member.person)
        {
            persons.push(member.person);
        }
    }
    Ok(persons)
}

/// An alert about `project`, addressed to its owner department and that department's director.
pub(crate) fn project_alert(
    st: &dyn State,
    cx: &Cx<'_>,
    project: &ProjectRecord,
    kind: AlertKind,
    record: String,
    person: Option<PublicKey>,
    message: String,
) -> Result<Alert, StorageError> {
    let director =
        identity::department(st, &project.owner_department)?.and_then(|d| d.lead_director());
    Ok(Alert {
        kind,
        project: Some(project.id.clone()),
        record,
        responsible_department: project.owner_department.clone(),
        responsible_person: person,
        director,
        escalated_to: None,
        height: cx.block.height,
        time_ms: cx.now(),
        message,
    })
}

/// Raises the budget-use alerts (payments as a share of the approved budget, 执行率) that a
/// change in payments or budget crossed (80 %, 100 %), once per crossing: the level is
/// remembered on the project and lowered again if the use falls back (a budget increase), so a
/// second crossing alerts again. The caller saves the project.
pub(crate) fn budget_use(
    st: &mut dyn State,
    cx: &mut Cx<'_>,
    project: &mut ProjectRecord,
) -> Result<(), StorageError> {
    let budget = project.budget_fen();
    if budget == 0 {
        return Ok(());
    }
    let used = project.disbursed_fen;
    let use_bp = (u128::from(used) * u128::from(FULL_BP) / u128::from(budget)) as u64;
    let level: u16 = if used >= budget {
        FULL_BP
    } else if use_bp >= 8_000 {
        8_000
    } else {
        0
    };
    let previous = project.budget_alert_bp;
    project.budget_alert_bp = level;
    // The budget is the owner's to manage: the alert names the project's proposer (its
    // manager) and the owner's director, not the finance clerk who recorded the payment.
    let person = Some(project.proposer);
    if level >= 8_000 && previous < 8_000 {
        let message = format!(
            "project {:?} has used {} of its budget ({} of {})",
            project.id,
            percent(use_bp),
            yuan(used),
            yuan(budget)
        );
        let alert = project_alert(
            st,
            cx,
            project,
            AlertKind::BudgetUse80 {
                budget_fen: budget,
                used_fen: used,
                use_bp,
            },
            String::from_utf8_lossy(&keys::project(&project.id)).into_owned(),
            person,
            message,
        )?;
        raise(st, cx, alert)?;
    }
    if level == FULL_BP && previous < FULL_BP {
        let message = format!(
            "project {:?} has used its whole budget of {}",
            project.id,
            yuan(budget)
        );
        let alert = project_alert(
            st,
            cx,
            project,
            AlertKind::BudgetUse100 {
                budget_fen: budget,
                used_fen: used,
            },
            String::from_utf8_lossy(&keys::project(&project.id)).into_owned(),
            person,
            message,
        )?;
        raise(st, cx, alert)?;
    }
    Ok(())
}

/// The alert a rejection raises, if it is one discipline inspection must hear about at once:
/// an attempt to exceed the budget, or to pay ahead of accepted progress. `person` is who made
/// the attempt.
fn alert_of_rejection(
    st: &dyn State,
    cx: &Cx<'_>,
    rejection: &Rejection,
    person: Option<PublicKey>,
) -> Result<Option<Alert>, StorageError> {
    match rejection {
        Rejection::OverBudget {
            project,
            budget_fen,
            committed_fen,
            requested_fen,
        } => {
            let Some(p) = store::get::<ProjectRecord>(st, &keys::project(project))? else {
                return Ok(None);
            };
            let alert = project_alert(
                st,
                cx,
                &p,
                AlertKind::OverBudgetAttempt {
                    budget_fen: *budget_fen,
                    committed_fen: *committed_fen,
                    requested_fen: *requested_fen,
                },
                String::from_utf8_lossy(&keys::project(project)).into_owned(),
                person,
                format!("rejected over-budget attempt: {rejection}"),
            )?;
            Ok(Some(alert))
        }
        Rejection::AheadOfProgress {
            contract,
            accepted_progress_bp,
            allowed_fen,
            disbursed_fen,
            requested_fen,
            ..
        } => {
            let Some(c) = store::get::<ContractState>(st, &keys::contract(contract))? else {
                return Ok(None);
            };
            let Some(p) = store::get::<ProjectRecord>(st, &keys::project(&c.project))? else {
                return Ok(None);
            };
            let alert = project_alert(
                st,
                cx,
                &p,
                AlertKind::DisbursementAheadOfProgress {
                    contract: contract.clone(),
                    accepted_progress_bp: *accepted_progress_bp,
                    allowed_fen: *allowed_fen,
                    disbursed_fen: *disbursed_fen,
                    requested_fen: *requested_fen,
                },
                String::from_utf8_lossy(&keys::contract(contract)).into_owned(),
                person,
                format!(
                    "rejected disbursement ahead of progress ({} accepted): {rejection}",
                    percent_bp(*accepted_progress_bp)
                ),
            )?;
            Ok(Some(alert))
        }
        _ => Ok(None),
    }
}

/// Raises the alert of a rejection inside an applied transaction (a request whose execution
/// failed).
pub(crate) fn alert_for_rejection(
    st: &mut dyn State,
    cx: &mut Cx<'_>,
    rejection: &Rejection,
    person: Option<PublicKey>,
) -> Rule<()> {
    if let Some(alert) = alert_of_rejection(st, cx, rejection, person)? {
        raise(st, cx, alert)?;
    }
    Ok(())
}

/// Writes the trace of a transaction the rules rejected: the rejection record, its per-project
/// index entry, and the alert it raised (returned as the transaction's only events). Called on
/// the state as it was before the transaction.
pub(super) fn record_rejection(
    st: &mut dyn State,
    ctx: &BlockContext,
    tx: &SignedTx,
    tx_hash: &Hash,
    rejection: &Rejection,
) -> Result<Vec<Event>, StorageError> {
    let mut cx = Cx::new(ctx, Some(*tx_hash));
    let signer = tx.body.signer;
    let signer_member = identity::member(st, &signer)?;
    let project = projects::project_of_operation(st, &tx.body.operation)?;
    let alert = alert_of_rejection(st, &cx, rejection, Some(signer))?;
    let record = RejectionRecord {
        tx: *tx_hash,
        height: ctx.height,
        time_ms: ctx.time_ms,
        signer,
        signer_department: signer_member.map(|m| m.member.department),
        kind: tx.body.operation.kind(),
        project: project.clone(),
        rejection: rejection.clone(),
        alert: alert.clone(),
    };
    store::put(st, &keys::rejection(ctx.height, tx_hash), &record)?;
    // Only an existing project gets an index entry: a rejected proposal of a new project must
    // not create keys under an id nobody owns.
    if let Some(p) = &project
        && store::exists(st, &keys::project(p))?
    {
        st.put(
            &keys::project_rejection(p, ctx.height, tx_hash),
            &keys::rejection(ctx.height, tx_hash),
        )?;
    }
    if let Some(alert) = alert {
        raise(st, &mut cx, alert)?;
    }
    Ok(cx.events)
}

/// Raises an overdue reminder for a task awaiting its responsible department, marks it overdue
/// and schedules the next reminder. The caller saves the task.
pub(crate) fn rectification_overdue(
    st: &mut dyn State,
    cx: &mut Cx<'_>,
    task: &mut RectificationRecord,
) -> Result<(), StorageError> {
    task.overdue = true;
    task.reminders += 1;
    super::reminders::schedule_escalation(st, task)?;
    let next = cx.now().saturating_add(REMINDER_INTERVAL_MS);
    task.next_reminder_ms = Some(next);
    store::mark(st, &keys::deadline_rect(next, &task.task.id))?;
    let director = identity::department(st, &task.task.responsible_department)?
        .and_then(|d| d.lead_director());
    let days_late = cx.now().saturating_sub(task.task.deadline_ms) / crate::limits::DAY_MS;
    let alert = Alert {
        kind: AlertKind::RectificationOverdue {
            task: task.task.id.clone(),
            deadline_ms: task.task.deadline_ms,
            reminder: task.reminders,
        },
        project: task.task.project.clone(),
        record: String::from_utf8_lossy(&keys::rectification(&task.task.id)).into_owned(),
        responsible_department: task.task.responsible_department.clone(),
        // The person's current key: they may have rotated it since the task was raised.
        responsible_person: Some(
            identity::current_key(st, &task.responsible_person_id)?
                .unwrap_or(task.task.responsible_person),
        ),
        director,
        escalated_to: None,
        height: cx.block.height,
        time_ms: cx.now(),
        message: format!(
            "rectification {:?} ({}) is overdue by {days_late} days (reminder {}); {} must act",
            task.task.id, task.task.title, task.reminders, task.task.responsible_department
        ),
    };
    raise(st, cx, alert)
}
