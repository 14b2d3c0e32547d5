//! `GET /v1/access-log` (the audit department reads this node's operation log) and
//! `GET /v1/access-log/anchors` (any member reads a validator's anchors from the ledger), what
//! `gongxin access-log verify` checks one against the other with.

use gongxin_contracts::queries;
use gongxin_contracts::records::AccessAnchorRecord;
use gongxin_core::access_log::{ChainPoint, ChainedRecord};
use serde::Serialize;
use warp::http::StatusCode;

use super::auth::{Reader, forbidden};
use super::error::{ApiError, ApiResult, json};
use super::ledger::{Query, param_u64};
use crate::node::Node;

/// Records per page at most (and by default).
pub const RECORDS_PER_PAGE_MAX: u64 = gongxin_core::api::ACCESS_LOG_PAGE_MAX as u64;
/// Anchors per page at most (and by default).
pub const ANCHORS_PER_PAGE_MAX: usize = gongxin_core::api::ANCHORS_PAGE_MAX as usize;

#[derive(Serialize)]
struct LogPage {
    node: String,
    /// Where the kept log starts (genesis, or the anchored point retention pruned it to).
    start: ChainPoint,
    /// The head after the last written record.
    flushed: ChainPoint,
    records: Vec<ChainedRecord>,
    /// `from` of the next page, when there are more records.
    next: Option<u64>,
}

/// `GET /v1/access-log?from=&to=&limit=`: records `from ..= to` (seq numbers; default the whole
/// kept log), at most `limit` per page. Only for readers who read everything (audit).
pub fn log(node: &Node, reader: &Reader, query: &Query) -> ApiResult {
    if !reader.reads_everything() {
        return Err(forbidden(format!(
            "the operation log is read by the audit department, not {}",
            reader.department()
        )));
    }
    let limit = param_u64(query, "limit")?.unwrap_or(RECORDS_PER_PAGE_MAX);
    if !(1..=RECORDS_PER_PAGE_MAX).contains(&limit) {
        return Err(ApiError::bad_request(
            "bad_query",
            format!("limit must be from 1 to {RECORDS_PER_PAGE_MAX}"),
        ));
    }
    let start = node.reader().access_log_start()?;
    let flushed = node.access_log.flushed();
    let from = param_u64(query, "from")?
        .unwrap_or(start.count)
        .max(start.count);
    let to = param_u64(query, "to")?.unwrap_or(u64::MAX);
    if to < from {
        return Err(ApiError::bad_request(
            "bad_query",
            format!("to ({to}) is before from ({from})"),
        ));
    }
    let last = to.min(flushed.count.saturating_sub(1));
    let records = if flushed.count == 0 || from > last {
        Vec::new()
    } else {
        node.reader().access_log_range(from, last, limit as usize)?
    };
    let next = records
        .last()
        .map(|r| r.record.seq + 1)
        .filter(|&n| n <= last && records.len() as u64 == limit);
    Ok(json(
        StatusCode::OK,
        &LogPage {
            node: node.name.clone(),
            start,
            flushed,
            records,
            next,
        },
    ))
}

#[derive(Serialize)]
struct AnchorPage {
    node: String,
    anchors: Vec<AccessAnchorRecord>,
    /// `after` of the next page (a count), when there are more anchors.
    next: Option<u64>,
}

/// `GET /v1/access-log/anchors?node=&after=&limit=`: the anchors the ledger holds for a
/// validator's log (default: this node's), in count order. Any member may read them: they are
/// hashes, and they are on the ledger for everyone to check logs against.
pub fn anchors(node: &Node, _reader: &Reader, query: &Query) -> ApiResult {
    let name = query
        .get("node")
        .cloned()
        .unwrap_or_else(|| node.name.clone());
    if !gongxin_core::validator::is_valid_key_name(&name) {
        return Err(ApiError::bad_request(
            "bad_query",
            "node must be a validator name",
        ));
    }
    let limit = param_u64(query, "limit")?.map_or(ANCHORS_PER_PAGE_MAX, |l| l as usize);
    if !(1..=ANCHORS_PER_PAGE_MAX).contains(&limit) {
        return Err(ApiError::bad_request(
            "bad_query",
            format!("limit must be from 1 to {ANCHORS_PER_PAGE_MAX}"),
        ));
    }
    let after = param_u64(query, "after")?;
    let mut anchors = queries::access_anchors(&node.reader().state(), &name, after, limit + 1)
        .map_err(|e| ApiError::internal(format!("anchors: {e}")))?;
    let more = anchors.len() > limit;
    anchors.truncate(limit);
    let next = more
        .then(|| anchors.last().map(|a| a.point.count))
        .flatten();
    Ok(json(
        StatusCode::OK,
        &AnchorPage {
            node: name,
            anchors,
            next,
        },
    ))
}
