//! The node's operation log (操作日志): every signed read and every admission decision of its
//! gateway, chained with SM3 (`gongxin_core::access_log`), written in batches by one writer
//! thread, anchored on the ledger by the validator, pruned by retention only up to an anchor.
//!
//! Data flow:
//! 1. A handler decides (read answered, transaction admitted or refused) and calls
//!    [`AccessLog::append`] with what it decided. The call only queues the act (a bounded
//!    channel; when full it waits for the writer, so nothing is answered unlogged).
//! 2. The writer thread takes everything queued, numbers and chains it, writes it in one sealed,
//!    synced RocksDB batch, and publishes the new head ([`AccessLog::flushed`]).
//! 3. Every `access_log_anchor_interval_ms` the validator submits `anchor_access_log` with the
//!    flushed head, signed with its validator key ([`anchor_once`]), and drops records older
//!    than the retention up to an anchored point ([`prune_once`]).
//!
//! A read whose record cannot be queued (the writer stopped after a storage failure) is refused
//! with 503. An act is lost only if the node crashes between answering and the writer's next
//! batch (milliseconds); the chain stays intact either way, since records are numbered and
//! chained by the writer, not by the handlers.

use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gongxin_contracts::queries;
use gongxin_contracts::records::AccessAnchorRecord;
use gongxin_core::Hash;
use gongxin_core::access_log::{AccessKind, AccessRecord, ChainPoint, ChainedRecord, bounded};
use gongxin_core::model::Operation;
use gongxin_core::tx::{ReplayGuard, TxBody};

use crate::chain::CommittedState;
use crate::node::{Node, wall_clock_ms};
use crate::storage::{StorageError, Store};

/// Records written in one batch at most.
const WRITE_BATCH_MAX: usize = 4_096;
/// Anchor transactions expire this many blocks after the tip (the next round sends a new one).
const ANCHOR_VALID_BLOCKS: u64 = 100;
/// Anchors examined per pruning round (pruning catches up over several rounds).
const PRUNE_ANCHORS_MAX: usize = 1_000;

/// An act to log, before the writer numbers it.
#[derive(Debug, Clone)]
pub struct Act {
    pub kind: AccessKind,
    pub actor: String,
    pub department: String,
    pub target: String,
    pub outcome: String,
}

enum Message {
    Act(u64, Act),
    /// Answered once everything queued before it is written.
    Sync(std::sync::mpsc::Sender<()>),
}

/// Why an act could not be logged.
#[derive(Debug, thiserror::Error)]
#[error("the operation log is not being written (the node's storage failed)")]
pub struct LogStopped;

/// The handle handlers log through.
#[derive(Debug)]
pub struct AccessLog {
    /// `None` only while dropping.
    queue: Option<SyncSender<Message>>,
    flushed: Arc<Mutex<ChainPoint>>,
    writer: Option<std::thread::JoinHandle<()>>,
}

impl Drop for AccessLog {
    /// Closes the queue and waits for the writer to write what was queued, so the database is
    /// closed when the node is (a reopened node finds every record).
    fn drop(&mut self) {
        self.queue = None;
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

impl AccessLog {
    /// Starts the writer thread for `store`'s log, continuing from its last record.
    pub fn open(store: Arc<Store>, queue_max: usize) -> Result<AccessLog, StorageError> {
        let start = store.access_log_start()?;
        let tail = store
            .access_log_last()?
            .map(|last| ChainPoint {
                count: last.record.seq + 1,
                head: last.head,
            })
            .unwrap_or(start);
        let flushed = Arc::new(Mutex::new(tail));
        let (queue, receiver) = std::sync::mpsc::sync_channel(queue_max);
        let writer_flushed = flushed.clone();
        let writer = std::thread::Builder::new()
            .name("access-log".into())
            .spawn(move || write_loop(&store, receiver, tail, &writer_flushed))
            .map_err(|e| StorageError::Missing(format!("operation log writer thread: {e}")))?;
        Ok(AccessLog {
            queue: Some(queue),
            flushed,
            writer: Some(writer),
        })
    }

    /// Queues `act`, stamped now. Waits while the queue is full.
    pub fn append(&self, act: Act) -> Result<(), LogStopped> {
        self.send(Message::Act(wall_clock_ms(), act))
    }

    /// Waits until every act queued before this call is written.
    pub fn sync(&self) -> Result<(), LogStopped> {
        let (done, wait) = std::sync::mpsc::channel();
        self.send(Message::Sync(done))?;
        wait.recv().map_err(|_| LogStopped)
    }

    fn send(&self, message: Message) -> Result<(), LogStopped> {
        match &self.queue {
            Some(queue) => queue.send(message).map_err(|_| LogStopped),
            None => Err(LogStopped),
        }
    }

    /// The head after the last written record.
    pub fn flushed(&self) -> ChainPoint {
        *self
            .flushed
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn write_loop(
    store: &Store,
    receiver: Receiver<Message>,
    mut point: ChainPoint,
    flushed: &Mutex<ChainPoint>,
) {
    loop {
        let first = match receiver.recv_timeout(Duration::from_secs(1)) {
            Ok(message) => message,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => return,
        };
        let mut batch = Vec::new();
        let mut waiting = Vec::new();
        let mut next = Some(first);
        while let Some(message) = next {
            match message {
                Message::Act(at_ms, act) => {
                    let record = AccessRecord {
                        seq: point.count,
                        at_ms,
                        kind: act.kind,
                        actor: bounded(&act.actor),
                        department: bounded(&act.department),
                        target: bounded(&act.target),
                        outcome: bounded(&act.outcome),
                    };
                    point = point.next(&record);
                    batch.push(ChainedRecord {
                        record,
                        head: point.head,
                    });
                }
                Message::Sync(done) => waiting.push(done),
            }
            next = if batch.len() < WRITE_BATCH_MAX {
                receiver.try_recv().ok()
            } else {
                None
            };
        }
        if !batch.is_empty() {
            if let Err(e) = store.access_log_append(&batch) {
                // Stop: handlers then refuse what they cannot log instead of answering unlogged.
                tracing::error!(error = %e, "cannot write the operation log; it stops");
                return;
            }
            *flushed
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()) = point;
        }
        for done in waiting {
            let _ = done.send(());
        }
    }
}

fn state_error(e: gongxin_contracts::StorageError) -> StorageError {
    StorageError::Missing(format!("operation log anchors: {e}"))
}

/// The newest anchor the ledger holds for `node`'s log.
pub fn latest_anchor(
    store: &Store,
    node: &str,
) -> Result<Option<AccessAnchorRecord>, StorageError> {
    queries::latest_access_anchor(&CommittedState::new(store), node).map_err(state_error)
}

/// Anchors `node`'s flushed head if it grew since the last anchor and no anchor is pending:
/// signs `anchor_access_log` with the validator key and admits it to this node's pool. Returns
/// the transaction's hash when one was sent.
pub fn anchor_once(node: &Node, pending: &mut Option<Hash>) -> anyhow::Result<Option<Hash>> {
    if let Some(hash) = pending {
        if node.is_pending(hash) {
            return Ok(None);
        }
        *pending = None;
    }
    let state = CommittedState::new(&node.store);
    if !queries::is_validator_key(&state, &node.name, &node.keypair().public_key())
        .map_err(state_error)?
    {
        // Not (or not yet) a validator: nothing to sign anchors with.
        return Ok(None);
    }
    let point = node.access_log.flushed();
    let anchored = latest_anchor(&node.store, &node.name)?.map_or(0, |a| a.point.count);
    if point.count <= anchored {
        return Ok(None);
    }
    let tip = node.tip().0.height;
    let tx = TxBody {
        chain_id: node.chain_id().to_owned(),
        signer: node.keypair().public_key(),
        replay: ReplayGuard {
            nonce: point.count,
            valid_until_height: tip + ANCHOR_VALID_BLOCKS,
        },
        operation: Operation::AnchorAccessLog {
            node: node.name.clone(),
            point,
        },
    }
    .sign(node.keypair());
    let bytes = tx.to_bytes().len();
    let (hash, _) = node.submit_own(tx, bytes)?;
    *pending = Some(hash);
    Ok(Some(hash))
}

/// Drops records older than `retention_ms` (relative to `now_ms`), up to the newest anchored
/// point whose records are all that old. Returns the point the kept log now starts at.
pub fn prune_once(
    store: &Store,
    node: &str,
    retention_ms: u64,
    now_ms: u64,
) -> Result<ChainPoint, StorageError> {
    let start = store.access_log_start()?;
    let cutoff = now_ms.saturating_sub(retention_ms);
    let anchors = queries::access_anchors(
        &CommittedState::new(store),
        node,
        Some(start.count),
        PRUNE_ANCHORS_MAX,
    )
    .map_err(state_error)?;
    let mut prune_to = None;
    for anchor in anchors {
        // The anchor's last record must be old enough; records are in time order.
        let last = store.access_log_range(anchor.point.count - 1, anchor.point.count - 1, 1)?;
        match last.first() {
            Some(record) if record.record.at_ms < cutoff => prune_to = Some(anchor.point),
            _ => break,
        }
    }
    match prune_to {
        Some(point) => {
            store.access_log_prune(point)?;
            Ok(point)
        }
        None => Ok(start),
    }
}

/// One round of the validator's task: anchor if the log grew, prune by retention (0: keep all).
fn round(node: &Node, pending: &mut Option<Hash>, retention_ms: u64) {
    match anchor_once(node, pending) {
        Ok(Some(hash)) => tracing::debug!(tx = %hash, "operation log anchor sent"),
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, "operation log anchor not sent"),
    }
    if retention_ms > 0
        && let Err(e) = prune_once(&node.store, &node.name, retention_ms, wall_clock_ms())
    {
        tracing::warn!(error = %e, "operation log pruning failed");
    }
}

/// Anchors and prunes forever, every `access_log_anchor_interval_ms` (a validator's task).
pub async fn run(node: Arc<Node>) {
    let interval = Duration::from_millis(node.limits.access_log_anchor_interval_ms);
    let retention_ms = node
        .limits
        .access_log_retention_days
        .saturating_mul(86_400_000);
    let mut pending: Option<Hash> = None;
    loop {
        tokio::time::sleep(interval).await;
        let worker = node.clone();
        let mut carried = pending;
        // A failed task (a panic) forgets the pending anchor; the next round sends a new one.
        pending = tokio::task::spawn_blocking(move || {
            round(&worker, &mut carried, retention_ms);
            carried
        })
        .await
        .unwrap_or(None);
    }
}

#[cfg(test)]
mod tests {
    use gongxin_core::access_log::verify_chain;

    use super::*;

    fn act(thread: u64, i: u64) -> Act {
        Act {
            kind: AccessKind::Read,
            actor: format!("ed25519:{thread:02}"),
            department: "audit".into(),
            target: format!("GET /v1/projects/P-{i}"),
            outcome: "200".into(),
        }
    }

    #[test]
    fn a_full_queue_makes_appenders_wait_and_loses_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(&dir.path().join("db")).unwrap());
        // Room for one act: four threads appending at once must wait for the writer.
        let log = Arc::new(AccessLog::open(store.clone(), 1).unwrap());
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let log = log.clone();
                std::thread::spawn(move || {
                    for i in 0..50 {
                        log.append(act(t, i)).unwrap();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        log.sync().unwrap();
        let flushed = log.flushed();
        assert_eq!(flushed.count, 200);
        let records = store.access_log_range(0, u64::MAX, 1_000).unwrap();
        let report = verify_chain(ChainPoint::GENESIS, &records, &[flushed]).unwrap();
        assert_eq!(report.end, flushed);
        // Each appender's acts are in the order it appended them.
        for t in 0..4 {
            let mine: Vec<&str> = records
                .iter()
                .filter(|r| r.record.actor == format!("ed25519:{t:02}"))
                .map(|r| r.record.target.as_str())
                .collect();
            let expected: Vec<String> =
                (0..50).map(|i| format!("GET /v1/projects/P-{i}")).collect();
            assert_eq!(mine, expected);
        }
    }
}
