//! `GET /v1/dashboard`: the console's 仪表盘, answered from a per-block snapshot.
//!
//! The figures ([`gongxin_contracts::dashboard`]) read the whole state, so no request computes
//! them while an answer exists: the gateway keeps the last snapshot and, when a request finds
//! it older than the tip and at least [`REFRESH_INTERVAL_MS`] old, starts one recomputation in
//! the background and answers from the snapshot it has. Only the very first request waits.
//! Every answer names the height and time it reflects. A reader sees the departments whose
//! projects they may read (every department, or their own).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use gongxin_contracts::access::RecordClass;
use gongxin_contracts::dashboard::{DashboardView, DepartmentFigures, department_figures};
use serde::Serialize;
use warp::http::StatusCode;

use super::auth::Reader;
use super::error::{ApiError, ApiResult, json};
use crate::lock_unpoisoned;
use crate::node::Node;

/// The least time between two recomputations, whatever the block rate.
pub const REFRESH_INTERVAL_MS: u64 = 5_000;

/// The figures at one height.
#[derive(Debug)]
pub struct Snapshot {
    pub height: u64,
    /// The block time the figures are as of (deadlines and quarters are judged at it).
    pub as_of_ms: u64,
    /// When (node clock) the snapshot was computed.
    pub computed_ms: u64,
    pub departments: BTreeMap<String, DepartmentFigures>,
}

/// The last snapshot and whether a recomputation is running.
#[derive(Debug, Default)]
pub struct DashboardCache {
    latest: Mutex<Option<Arc<Snapshot>>>,
    refreshing: AtomicBool,
}

#[derive(Serialize)]
struct Reply<'a> {
    height: u64,
    as_of_ms: u64,
    #[serde(flatten)]
    view: &'a DashboardView,
}

impl DashboardCache {
    /// The snapshot to answer from: the cached one (starting a background refresh when it is
    /// stale), or a fresh one when there is none yet.
    pub fn snapshot(self: &Arc<Self>, node: &Arc<Node>) -> Result<Arc<Snapshot>, ApiError> {
        let cached = lock_unpoisoned(&self.latest).clone();
        let Some(snapshot) = cached else {
            let fresh = Arc::new(compute(node)?);
            *lock_unpoisoned(&self.latest) = Some(fresh.clone());
            return Ok(fresh);
        };
        let stale = snapshot.height < node.tip().height()
            && node.clock.now_ms().saturating_sub(snapshot.computed_ms) >= REFRESH_INTERVAL_MS;
        if stale && !self.refreshing.swap(true, Ordering::AcqRel) {
            let cache = self.clone();
            let node = node.clone();
            std::thread::spawn(move || {
                // Cleared however the computation ends, a panic included: a flag left set
                // would freeze the dashboard at this snapshot for good.
                let _done = RefreshDone(&cache.refreshing);
                match compute(&node) {
                    Ok(fresh) => *lock_unpoisoned(&cache.latest) = Some(Arc::new(fresh)),
                    Err(e) => tracing::warn!(error = %e.message, "dashboard refresh failed"),
                }
            });
        }
        Ok(snapshot)
    }
}

/// Clears the "refresh running" flag when dropped.
struct RefreshDone<'a>(&'a AtomicBool);

impl Drop for RefreshDone<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

/// Computes every department's figures at the current tip.
fn compute(node: &Node) -> Result<Snapshot, ApiError> {
    let tip = node.tip();
    let as_of_ms = tip.header.timestamp_ms;
    let state = node.reader().state();
    let departments = department_figures(&state, as_of_ms).map_err(|e| {
        tracing::error!(error = %e, "state read failed while computing the dashboard");
        ApiError::internal("the node could not read its state")
    })?;
    Ok(Snapshot {
        height: tip.height(),
        as_of_ms,
        computed_ms: node.clock.now_ms(),
        departments,
    })
}

/// `GET /v1/dashboard`: the snapshot, merged over the departments `reader` may see.
pub fn dashboard(snapshot: &Snapshot, reader: &Reader) -> ApiResult {
    let all = reader.reads_all(RecordClass::Project);
    let visible = snapshot
        .departments
        .iter()
        .filter(|(id, _)| all || id.as_str() == reader.department());
    let view = DashboardView::merge(visible, snapshot.as_of_ms);
    Ok(json(
        StatusCode::OK,
        &Reply {
            height: snapshot.height,
            as_of_ms: snapshot.as_of_ms,
            view: &view,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_refresh_still_clears_the_running_flag() {
        let flag = Arc::new(AtomicBool::new(true));
        let in_thread = flag.clone();
        let outcome = std::thread::spawn(move || {
            let _done = RefreshDone(&in_thread);
            panic!("state read blew up");
        })
        .join();
        assert!(outcome.is_err());
        assert!(!flag.load(Ordering::Acquire));
    }
}
