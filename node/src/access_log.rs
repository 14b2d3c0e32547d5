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
//!    flushed head, signed with its validator key (`crate::anchoring`), and drops records older
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
use gongxin_core::access_log::{AccessKind, AccessRecord, ChainPoint, ChainedRecord, bounded};

use crate::chain::CommittedState;
use crate::clock::SharedClock;
use crate::storage::{StorageError, Store};

/// Records written in one batch at most.
const WRITE_BATCH_MAX: usize = 4_096;
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
    /// Stamps each act as it is queued.
    clock: SharedClock,
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
    /// Starts the writer thread for `store`'s log, continuing from its last record; acts are
    /// stamped by `clock`.
    pub fn open(
        store: Arc<Store>,
        queue_max: usize,
        clock: SharedClock,
    ) -> Result<AccessLog, StorageError> {
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
            clock,
        })
    }

    /// Queues `act`, stamped now. Waits while the queue is full.
    pub fn append(&self, act: Act) -> Result<(), LogStopped> {
        self.send(Message::Act(self.clock.now_ms(), act))
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
        *crate::lock_unpoisoned(&self.flushed)
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
            *crate::lock_unpoisoned(flushed) = point;
        }
        for done in waiting {
            let _ = done.send(());
        }
    }
}

pub(crate) fn state_error(e: gongxin_contracts::StorageError) -> StorageError {
    StorageError::Missing(format!("operation log anchors: {e}"))
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
        let log = Arc::new(
            AccessLog::open(store.clone(), 1, crate::clock::SystemClock::shared()).unwrap(),
        );
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
