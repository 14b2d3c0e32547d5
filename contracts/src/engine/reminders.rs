//! Reminders before and after a deadline, and their acknowledgement.
//!
//! The thresholds are policy data ([`ReminderPolicy`], written at genesis and replaced by
//! governance). Each deadline the rules learn of is scheduled in the deadline index
//! ([`super::sweep`]) up to three times:
//! - **due soon** (yellow): `lead` before a milestone's due date or a rectification task's
//!   deadline — or at the next block when the deadline is already that close;
//! - **overdue**: at the deadline, then weekly while a task still awaits its department
//!   ([`super::alerts::rectification_overdue`]); the alert names the responsible department's
//!   director, who is the first escalation;
//! - **escalated**: a task still overdue `escalate_after` past its deadline is escalated once to
//!   the audit department that raised it (the alert's `escalated_to`).
//!
//! A policy change applies to deadlines scheduled after it; entries already in the index keep
//! their times (the sweep never rewrites the index, see [`super::sweep`]).
//!
//! Whoever an alert addresses — a member of one of its departments, or a person it names — may
//! acknowledge it once (`acknowledge_alert`), so who saw which reminder, and when, is on the
//! ledger.

use gongxin_core::Hash;
use gongxin_core::model::ReminderPolicy;

use super::{Cx, alerts, identity};
use crate::events::{Alert, AlertKind, Event};
use crate::keys;
use crate::records::{AckRecord, RectificationRecord};
use crate::rejection::Rejection;
use crate::state::{State, StorageError};
use crate::store::{self, Rule};
use crate::validate;

/// The reminder thresholds in force (the defaults on a state written before they existed).
pub(crate) fn policy(st: &dyn State) -> Result<ReminderPolicy, StorageError> {
    Ok(store::get(st, keys::REMINDERS)?.unwrap_or_default())
}

pub(crate) fn set_policy(st: &mut dyn State, policy: &ReminderPolicy) -> Rule<()> {
    if let Some(reason) = policy.problem() {
        return Err(Rejection::invalid("reminders", reason).into());
    }
    Ok(store::put(st, keys::REMINDERS, policy)?)
}

/// When the due-soon reminder of `deadline` comes, seen at `now`: `lead` before it, or `now`
/// (so the next block) when the deadline is already closer; none when due-soon reminders are
/// off or the deadline has passed.
pub fn due_soon_time(policy: &ReminderPolicy, deadline_ms: u64, now_ms: u64) -> Option<u64> {
    if policy.due_soon_lead_ms == 0 || deadline_ms <= now_ms {
        return None;
    }
    Some(
        deadline_ms
            .saturating_sub(policy.due_soon_lead_ms)
            .max(now_ms),
    )
}

/// Schedules a payment milestone's overdue check and its due-soon reminder.
pub(crate) fn schedule_milestone(
    st: &mut dyn State,
    now_ms: u64,
    due_ms: u64,
    contract: &str,
    index: u16,
) -> Result<(), StorageError> {
    store::mark(st, &keys::deadline_milestone(due_ms, contract, index))?;
    if let Some(at) = due_soon_time(&policy(st)?, due_ms, now_ms) {
        store::mark(
            st,
            &keys::deadline_milestone_soon(at, due_ms, contract, index),
        )?;
    }
    Ok(())
}

/// Schedules a rectification task's due-soon reminder (its overdue check is its
/// `next_reminder_ms`, scheduled by the caller).
pub(crate) fn schedule_task_due_soon(
    st: &mut dyn State,
    now_ms: u64,
    task: &RectificationRecord,
) -> Result<(), StorageError> {
    let deadline = task.task.deadline_ms;
    if let Some(at) = due_soon_time(&policy(st)?, deadline, now_ms) {
        store::mark(st, &keys::deadline_rect_soon(at, deadline, &task.task.id))?;
    }
    Ok(())
}

/// Schedules the escalation of an overdue task, unless it was escalated already. Scheduling
/// twice writes the same index key, so a task reopened after its deadline is not escalated
/// twice.
pub(crate) fn schedule_escalation(
    st: &mut dyn State,
    task: &RectificationRecord,
) -> Result<(), StorageError> {
    if task.escalated_ms.is_some() {
        return Ok(());
    }
    let deadline = task.task.deadline_ms;
    let at = deadline.saturating_add(policy(st)?.escalate_after_ms);
    store::mark(
        st,
        &keys::deadline_rect_escalate(at, deadline, &task.task.id),
    )
}

/// The due-soon reminder of a task, if it still awaits its department before its deadline.
pub(super) fn task_due_soon(
    st: &mut dyn State,
    cx: &mut Cx<'_>,
    deadline_ms: u64,
    task_id: &str,
) -> Result<(), StorageError> {
    let key = keys::rectification(task_id);
    let Some(mut task) = store::get::<RectificationRecord>(st, &key)? else {
        return Ok(());
    };
    // Past the deadline (a block that came late) the overdue reminder says it better; a
    // deadline already reminded of (a task reopened inside the lead time) is not again.
    if task.task.deadline_ms != deadline_ms
        || !task.status.awaits_submission()
        || task.overdue
        || cx.now() > deadline_ms
        || task.due_soon_sent_for == Some(deadline_ms)
    {
        return Ok(());
    }
    let hours_left = deadline_ms.saturating_sub(cx.now()) / (60 * 60 * 1000);
    let message = format!(
        "rectification {:?} ({}) is due in {} days {} hours; {} must submit",
        task.task.id,
        task.task.title,
        hours_left / 24,
        hours_left % 24,
        task.task.responsible_department
    );
    let alert = task_alert(
        st,
        cx,
        &task,
        AlertKind::RectificationDueSoon {
            task: task.task.id.clone(),
            deadline_ms,
        },
        None,
        message,
    )?;
    alerts::raise(st, cx, alert)?;
    task.due_soon_sent_for = Some(deadline_ms);
    store::put(st, &key, &task)
}

/// The escalation of a task still overdue, once.
pub(super) fn task_escalation(
    st: &mut dyn State,
    cx: &mut Cx<'_>,
    deadline_ms: u64,
    task_id: &str,
) -> Result<(), StorageError> {
    let key = keys::rectification(task_id);
    let Some(mut task) = store::get::<RectificationRecord>(st, &key)? else {
        return Ok(());
    };
    if task.task.deadline_ms != deadline_ms
        || !task.status.awaits_submission()
        || task.escalated_ms.is_some()
    {
        return Ok(());
    }
    let days_overdue = cx.now().saturating_sub(deadline_ms) / crate::limits::DAY_MS;
    let message = format!(
        "rectification {:?} ({}) is overdue by {days_overdue} days; escalated to {}",
        task.task.id, task.task.title, task.raising_department
    );
    let alert = task_alert(
        st,
        cx,
        &task,
        AlertKind::RectificationEscalated {
            task: task.task.id.clone(),
            deadline_ms,
            days_overdue,
        },
        Some(task.raising_department.clone()),
        message,
    )?;
    alerts::raise(st, cx, alert)?;
    task.escalated_ms = Some(cx.now());
    store::put(st, &key, &task)?;
    cx.history(
        st,
        &key,
        "deadline",
        format!(
            "escalated to {} after {days_overdue} days overdue",
            task.raising_department
        ),
    )
}

/// An alert about a task, addressed to its responsible person (current key) and department
/// director, and to `escalated_to` if given.
fn task_alert(
    st: &dyn State,
    cx: &Cx<'_>,
    task: &RectificationRecord,
    kind: AlertKind,
    escalated_to: Option<String>,
    message: String,
) -> Result<Alert, StorageError> {
    let director = identity::department(st, &task.task.responsible_department)?
        .and_then(|d| d.lead_director());
    Ok(Alert {
        kind,
        project: task.task.project.clone(),
        record: String::from_utf8_lossy(&keys::rectification(&task.task.id)).into_owned(),
        responsible_department: task.task.responsible_department.clone(),
        // The person's current key: they may have rotated it since the task was raised.
        responsible_person: Some(
            identity::current_key(st, &task.responsible_person_id)?
                .unwrap_or(task.task.responsible_person),
        ),
        director,
        escalated_to,
        height: cx.block.height,
        time_ms: cx.now(),
        message,
    })
}

/// `acknowledge_alert`: the signer, addressed by the alert, records that they saw it.
pub(super) fn acknowledge(
    st: &mut dyn State,
    cx: &mut Cx<'_>,
    digest: &Hash,
    note: &str,
) -> Rule<()> {
    let record_key = st
        .get(&keys::alert_by_digest(digest))?
        .ok_or_else(|| Rejection::not_found("alert", digest.to_hex()))?;
    let alert: Alert = store::load(st, &record_key, "alert", &digest.to_hex())?;
    let actor = cx.actor().clone();
    let in_department = alerts::alert_departments(&alert).any(|d| d == actor.department());
    if !in_department && !alerts::addressed_persons(st, &alert)?.contains(&actor.person) {
        return Err(Rejection::WrongDepartment {
            action: "acknowledge_alert".into(),
            needed: format!(
                "a member of {} or a person the alert names",
                alerts::alert_departments(&alert)
                    .collect::<Vec<_>>()
                    .join(" / ")
            ),
            actual: actor.department().to_owned(),
        }
        .into());
    }
    validate::note("note", note)?;
    let key = keys::ack(digest, &actor.person);
    if store::exists(st, &key)? {
        return Err(Rejection::exists(
            "acknowledgement",
            format!("{} of alert {}", actor.member.name, digest.to_hex()),
        )
        .into());
    }
    let record = AckRecord {
        alert: *digest,
        by: actor.key(),
        person: actor.person,
        name: actor.member.name.clone(),
        department: actor.department().to_owned(),
        role: actor.role(),
        height: cx.block.height,
        time_ms: cx.now(),
        tx: cx.tx.expect("acknowledge_alert runs inside a transaction"),
        note: note.to_owned(),
    };
    store::put(st, &key, &record)?;
    cx.emit(Event::AlertAcknowledged {
        alert: *digest,
        by: actor.key(),
        department: actor.department().to_owned(),
        responsible_department: alert.responsible_department.clone(),
        escalated_to: alert.escalated_to.clone(),
        project: alert.project.clone(),
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: u64 = crate::limits::DAY_MS;

    #[test]
    fn due_soon_comes_lead_before_or_at_once_and_never_after_the_deadline() {
        let policy = ReminderPolicy::default();
        assert_eq!(due_soon_time(&policy, 10 * DAY, 0), Some(7 * DAY));
        assert_eq!(due_soon_time(&policy, 10 * DAY, 8 * DAY), Some(8 * DAY));
        assert_eq!(due_soon_time(&policy, 10 * DAY, 10 * DAY), None);
        assert_eq!(due_soon_time(&policy, 10 * DAY, 11 * DAY), None);
        let off = ReminderPolicy {
            due_soon_lead_ms: 0,
            ..policy
        };
        assert_eq!(due_soon_time(&off, 10 * DAY, 0), None);
    }
}
