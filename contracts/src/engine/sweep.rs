//! The deadline sweep: at the start of each block, deadlines the block time has passed raise
//! their alerts — milestones and rectification tasks due soon, overdue, and overdue tasks
//! escalated (see [`super::reminders`]) — in time order, at most
//! [`DEADLINE_SWEEP_ITEMS_MAX`] index entries per block (the rest are handled by the next
//! blocks, still in order). Index entries are never updated in place: when a deadline moves, a
//! new entry is written and the old one is recognised as stale here (its time no longer matches
//! the record) and dropped.

use super::{Cx, alerts, projects, reminders};
use crate::display::percent_bp;
use crate::events::AlertKind;
use crate::keys;
use crate::limits::DEADLINE_SWEEP_ITEMS_MAX;
use crate::records::{ContractState, ProjectRecord, RectificationRecord};
use crate::state::{State, StorageError};
use crate::store;
use gongxin_core::model::ProjectStage;

fn corrupt(key: &[u8], reason: &str) -> StorageError {
    StorageError::Corrupt {
        key: String::from_utf8_lossy(key).into_owned(),
        reason: reason.to_owned(),
    }
}

pub(super) fn deadlines(st: &mut dyn State, cx: &mut Cx<'_>) -> Result<(), StorageError> {
    let due = st.scan_prefix(keys::DEADLINES, None, DEADLINE_SWEEP_ITEMS_MAX)?;
    for (key, _) in due {
        // idx/deadline/<time hex16>/<kind>/<id>[/<index hex4>]
        let rest = &key[keys::DEADLINES.len()..];
        let time = rest
            .get(..16)
            .and_then(keys::parse_hex16)
            .ok_or_else(|| corrupt(&key, "not a deadline index key"))?;
        // A deadline is passed when the block time is beyond it.
        if time >= cx.now() {
            break;
        }
        let tail = std::str::from_utf8(rest.get(17..).unwrap_or_default())
            .map_err(|_| corrupt(&key, "not text"))?;
        let parts: Vec<&str> = tail.split('/').collect();
        match parts.as_slice() {
            ["milestone", contract, index] => {
                let index = u16::from_str_radix(index, 16)
                    .map_err(|_| corrupt(&key, "bad milestone index"))?;
                milestone_check(st, cx, time, contract, index, Reminder::Overdue)?;
            }
            ["rect", task] => rectification_due(st, cx, time, task)?,
            ["milestone_soon", due, contract, index] => {
                let due = keys::parse_hex16(due.as_bytes())
                    .ok_or_else(|| corrupt(&key, "bad milestone due time"))?;
                let index = u16::from_str_radix(index, 16)
                    .map_err(|_| corrupt(&key, "bad milestone index"))?;
                milestone_check(st, cx, due, contract, index, Reminder::DueSoon)?;
            }
            ["rect_soon", deadline, task] => {
                let deadline = keys::parse_hex16(deadline.as_bytes())
                    .ok_or_else(|| corrupt(&key, "bad task deadline"))?;
                reminders::task_due_soon(st, cx, deadline, task)?;
            }
            ["rect_escalate", deadline, task] => {
                let deadline = keys::parse_hex16(deadline.as_bytes())
                    .ok_or_else(|| corrupt(&key, "bad task deadline"))?;
                reminders::task_escalation(st, cx, deadline, task)?;
            }
            _ => return Err(corrupt(&key, "unknown deadline kind")),
        }
        st.delete(&key)?;
    }
    Ok(())
}

/// Which reminder a milestone's index entry stands for.
#[derive(Clone, Copy)]
enum Reminder {
    DueSoon,
    Overdue,
}

/// A milestone's due-soon or overdue reminder, if the milestone (due at `due`) is still
/// unreached and its project open.
fn milestone_check(
    st: &mut dyn State,
    cx: &mut Cx<'_>,
    due: u64,
    contract_id: &str,
    index: u16,
    reminder: Reminder,
) -> Result<(), StorageError> {
    let Some(mut contract) = store::get::<ContractState>(st, &keys::contract(contract_id))? else {
        return Ok(());
    };
    let Some(m) = contract.milestones.get(usize::from(index)) else {
        return Ok(());
    };
    if m.milestone.due_ms != due || m.reached_ms.is_some() {
        return Ok(());
    }
    // A due date already reminded of (moved away and back) is not reminded again.
    if matches!(reminder, Reminder::DueSoon) && m.due_soon_sent_for == Some(due) {
        return Ok(());
    }
    let m = m.clone();
    let Some(project) = store::get::<ProjectRecord>(st, &keys::project(&contract.project))? else {
        return Ok(());
    };
    // Closed and cancelled projects raise nothing; a suspended one is stopped on purpose.
    if projects::is_final(project.stage) || project.stage == ProjectStage::Suspended {
        return Ok(());
    }
    // A due-soon reminder that a late block would send after the due date says nothing the
    // overdue one will not.
    if matches!(reminder, Reminder::DueSoon) && cx.now() > due {
        return Ok(());
    }
    let (kind, message) = match reminder {
        Reminder::Overdue => (
            AlertKind::MilestoneOverdue {
                contract: contract.id.clone(),
                milestone: index,
                name: m.milestone.name.clone(),
                due_ms: due,
                required_progress_bp: m.milestone.progress_bp,
                accepted_progress_bp: project.accepted_progress_bp,
            },
            format!(
                "milestone {:?} of contract {:?} (project {:?}) was due and needs {} accepted progress; {} is accepted",
                m.milestone.name,
                contract.id,
                project.id,
                percent_bp(m.milestone.progress_bp),
                percent_bp(project.accepted_progress_bp)
            ),
        ),
        Reminder::DueSoon => (
            AlertKind::MilestoneDueSoon {
                contract: contract.id.clone(),
                milestone: index,
                name: m.milestone.name.clone(),
                due_ms: due,
                required_progress_bp: m.milestone.progress_bp,
                accepted_progress_bp: project.accepted_progress_bp,
            },
            format!(
                "milestone {:?} of contract {:?} (project {:?}) is due in {} days and needs {} accepted progress; {} is accepted",
                m.milestone.name,
                contract.id,
                project.id,
                due.saturating_sub(cx.now()).div_ceil(crate::limits::DAY_MS),
                percent_bp(m.milestone.progress_bp),
                percent_bp(project.accepted_progress_bp)
            ),
        ),
    };
    let alert = alerts::project_alert(
        st,
        cx,
        &project,
        kind,
        String::from_utf8_lossy(&keys::contract(&contract.id)).into_owned(),
        Some(project.proposer),
        message,
    )?;
    alerts::raise(st, cx, alert)?;
    if matches!(reminder, Reminder::DueSoon) {
        contract.milestones[usize::from(index)].due_soon_sent_for = Some(due);
        store::put(st, &keys::contract(contract_id), &contract)?;
    }
    Ok(())
}

fn rectification_due(
    st: &mut dyn State,
    cx: &mut Cx<'_>,
    time: u64,
    task_id: &str,
) -> Result<(), StorageError> {
    let Some(mut task) = store::get::<RectificationRecord>(st, &keys::rectification(task_id))?
    else {
        return Ok(());
    };
    if task.next_reminder_ms != Some(time) || !task.status.awaits_submission() {
        return Ok(());
    }
    alerts::rectification_overdue(st, cx, &mut task)?;
    store::put(st, &keys::rectification(task_id), &task)?;
    cx.history(
        st,
        &keys::rectification(task_id),
        "deadline",
        format!("overdue; reminder {} sent", task.reminders),
    )
}
