//! Reading a run of committed blocks into what the sink writes: the block rows, the entries and
//! alerts its department may read (in chain order), and which records changed.
//!
//! Read rules are the gateway's ([`ReaderRole`]): the sink is a reader of its node's
//! department, so a line department's BI database holds its own projects and tasks only.

use std::collections::BTreeSet;

use gongxin_contracts::access::{self, ReaderRole};
use gongxin_contracts::events::RecordKind;
use gongxin_contracts::{Event, State};
use gongxin_core::Hash;
use gongxin_core::entry::{Entry, Outcome};
use serde_json::Value;

use super::SinkError;
use crate::event_log::{EventId, ledger_events_after};
use crate::node::Node;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockRow {
    pub height: u64,
    pub hash: Hash,
    pub time_ms: u64,
    pub tx_count: u32,
    pub log_size: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxRow {
    pub height: u64,
    pub position: u32,
    pub log_index: u64,
    pub tx_hash: Hash,
    pub kind: &'static str,
    pub signer: String,
    pub signer_department: Option<String>,
    pub project: Option<String>,
    /// `applied` or `rejected`.
    pub outcome: &'static str,
    pub reason_code: Option<String>,
    pub reason: Option<String>,
    pub time_ms: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AlertRow {
    pub event: EventId,
    pub digest: Hash,
    pub kind: &'static str,
    pub project: Option<String>,
    pub record: String,
    pub responsible_department: String,
    pub escalated_to: Option<String>,
    pub time_ms: u64,
    pub message: String,
    /// The alert kind's figures (`AlertKind` as JSON).
    pub details: Value,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckRow {
    pub event: EventId,
    pub alert: Hash,
    pub person: String,
    pub department: String,
}

/// A record whose latest state must be written again.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Dirty {
    /// The project, its budget lines, contracts and milestones.
    Project(String),
    ChangeOrder(String),
    ProgressReport(String),
    Disbursement(String),
    Rectification(String),
}

/// What one pass writes, for blocks `(after, last.height]`.
#[derive(Debug, Default)]
pub struct Batch {
    pub blocks: Vec<BlockRow>,
    pub txs: Vec<TxRow>,
    pub alerts: Vec<AlertRow>,
    pub acks: Vec<AckRow>,
    pub dirty: BTreeSet<Dirty>,
}

impl Batch {
    /// The last block read (the cursor after this batch).
    pub fn last(&self) -> Option<&BlockRow> {
        self.blocks.last()
    }
}

/// Reads blocks `after + 1 ..= to` (at most `max_blocks`) as `reader` may see them.
pub fn read_blocks(
    node: &Node,
    reader: &ReaderRole,
    after: u64,
    to: u64,
    max_blocks: u64,
) -> Result<Batch, SinkError> {
    let mut batch = Batch::default();
    let end = to.min(after.saturating_add(max_blocks));
    if end <= after {
        return Ok(batch);
    }
    let ledger = node.reader();
    let state = ledger.state();
    let mut log_start = match after {
        0 => 0,
        h => ledger.header(h)?.map_or(0, |header| header.log_size),
    };
    for height in after + 1..=end {
        let Some(header) = ledger.header(height)? else {
            break;
        };
        let entries = if header.log_size > log_start {
            ledger.entries(log_start, header.log_size - 1, usize::MAX)?
        } else {
            Vec::new()
        };
        for (log_index, bytes) in entries {
            let entry = Entry::from_bytes(&bytes)
                .map_err(|e| SinkError::Ledger(format!("log entry {log_index}: {e}")))?;
            let position = u32::try_from(log_index - log_start).unwrap_or(u32::MAX);
            if let Some(row) = tx_row(&state, reader, &entry, log_index, position, &header)? {
                batch.txs.push(row);
            }
        }
        log_start = header.log_size;
        batch.blocks.push(BlockRow {
            height,
            hash: header.hash(),
            time_ms: header.timestamp_ms,
            tx_count: header.tx_count,
            log_size: header.log_size,
        });
    }
    let last = batch.blocks.last().map_or(after, |b| b.height);
    let (events, _) = ledger_events_after(
        node.store(),
        EventId {
            height: after,
            index: u32::MAX,
        },
        last,
        last - after,
    )?;
    for (id, event) in events {
        note_event(&state, reader, &mut batch, id, &event)?;
    }
    Ok(batch)
}

fn tx_row(
    state: &dyn State,
    reader: &ReaderRole,
    entry: &Entry,
    log_index: u64,
    position: u32,
    header: &gongxin_core::block::BlockHeader,
) -> Result<Option<TxRow>, gongxin_contracts::StorageError> {
    let tx = &entry.tx;
    let signer_department = access::signer_department(state, tx)?;
    // Audit reads every entry: no need to look up what each concerns.
    if !reader.reads_everything() {
        let subjects = access::entry_subjects(state, tx)?;
        if !reader.may_read_entry(&subjects, signer_department.as_deref()) {
            return Ok(None);
        }
    }
    let project = gongxin_contracts::engine::project_of_operation(state, &tx.body.operation)?;
    let (outcome, reason_code, reason) = match &entry.outcome {
        Outcome::Applied => ("applied", None, None),
        Outcome::Rejected { code, reason } => {
            ("rejected", Some(code.clone()), Some(reason.clone()))
        }
    };
    Ok(Some(TxRow {
        height: header.height,
        position,
        log_index,
        tx_hash: tx.hash(),
        kind: tx.body.operation.kind().as_str(),
        signer: tx.body.signer.to_string(),
        signer_department,
        project,
        outcome,
        reason_code,
        reason,
        time_ms: header.timestamp_ms,
    }))
}

/// Adds what `event` says to the batch: an alert or acknowledgement row when the reader may see
/// it, and the records it changed.
fn note_event(
    state: &dyn State,
    reader: &ReaderRole,
    batch: &mut Batch,
    id: EventId,
    event: &Event,
) -> Result<(), gongxin_contracts::StorageError> {
    let readable = |state: &dyn State| -> Result<bool, gongxin_contracts::StorageError> {
        Ok(reader.reads_everything()
            || access::event_subjects(state, event)?
                .iter()
                .any(|s| reader.may_read(s)))
    };
    if let Some(project) = event.project() {
        batch.dirty.insert(Dirty::Project(project.to_owned()));
    }
    match event {
        Event::Alert(alert) => {
            if let Some(task) = alert.record.strip_prefix("rect/") {
                batch.dirty.insert(Dirty::Rectification(task.to_owned()));
            }
            if readable(state)? {
                batch.alerts.push(AlertRow {
                    event: id,
                    digest: alert.digest(),
                    kind: alert.kind.code(),
                    project: alert.project.clone(),
                    record: alert.record.clone(),
                    responsible_department: alert.responsible_department.clone(),
                    escalated_to: alert.escalated_to.clone(),
                    time_ms: alert.time_ms,
                    message: alert.message.clone(),
                    details: serde_json::to_value(&alert.kind).unwrap_or(Value::Null),
                });
            }
        }
        Event::AlertAcknowledged {
            alert,
            by,
            department,
            ..
        } if readable(state)? => {
            batch.acks.push(AckRow {
                event: id,
                alert: *alert,
                person: by.to_string(),
                department: department.clone(),
            });
        }
        Event::RecordCreated { kind, id, .. } | Event::RecordUpdated { kind, id, .. } => {
            let dirty = match kind {
                RecordKind::Project | RecordKind::Procurement | RecordKind::Contract => None,
                RecordKind::ChangeOrder => Some(Dirty::ChangeOrder(id.clone())),
                RecordKind::ProgressReport => Some(Dirty::ProgressReport(id.clone())),
                RecordKind::Disbursement => Some(Dirty::Disbursement(id.clone())),
                RecordKind::Rectification => Some(Dirty::Rectification(id.clone())),
                _ => None,
            };
            batch.dirty.extend(dirty);
        }
        _ => {}
    }
    Ok(())
}
