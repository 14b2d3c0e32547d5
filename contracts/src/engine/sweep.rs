//! The deadline sweep: at the start of each block, deadlines the block time has passed raise
//! their alerts — overdue milestones and overdue rectifications — in deadline order, at most
//! [`DEADLINE_SWEEP_ITEMS_MAX`] index entries per block (the rest are handled by the next
//! blocks, still in order). Index entries are never updated in place: when a deadline moves, a
//! new entry is written and the old one is recognised as stale here (its time no longer matches
//! the record) and dropped.

use super::{Cx, alerts, projects};
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
                milestone_due(st, cx, time, contract, index)?;
            }
            ["rect", task] => rectification_due(st, cx, time, task)?,
            _ => return Err(corrupt(&key, "unknown deadline kind")),
        }
        st.delete(&key)?;
    }
    Ok(())
}

fn milestone_due(
    st: &mut dyn State,
    cx: &mut Cx<'_>,
    time: u64,
    contract_id: &str,
    index: u16,
) -> Result<(), StorageError> {
    let Some(contract) = store::get::<ContractState>(st, &keys::contract(contract_id))? else {
        return Ok(());
    };
    let Some(m) = contract.milestones.get(usize::from(index)) else {
        return Ok(());
    };
    if m.milestone.due_ms != time || m.reached_ms.is_some() {
        return Ok(());
    }
    let Some(project) = store::get::<ProjectRecord>(st, &keys::project(&contract.project))? else {
        return Ok(());
    };
    // Closed and cancelled projects raise nothing; a suspended one is stopped on purpose.
    if projects::is_final(project.stage) || project.stage == ProjectStage::Suspended {
        return Ok(());
    }
    let message = format!(
        "milestone {:?} of contract {:?} (project {:?}) was due and needs {} accepted progress; {} is accepted",
        m.milestone.name,
        contract.id,
        project.id,
        percent_bp(m.milestone.progress_bp),
        percent_bp(project.accepted_progress_bp)
    );
    let alert = alerts::project_alert(
        st,
        cx,
        &project,
        AlertKind::MilestoneOverdue {
            contract: contract.id.clone(),
            milestone: index,
            name: m.milestone.name.clone(),
            due_ms: time,
            required_progress_bp: m.milestone.progress_bp,
            accepted_progress_bp: project.accepted_progress_bp,
        },
        String::from_utf8_lossy(&keys::contract(&contract.id)).into_owned(),
        Some(project.proposer),
        message,
    )?;
    alerts::raise(st, cx, alert)
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
