//! A node's operation log, read by the audit department and checked against the anchors on
//! the ledger (`gongxin access-log show | verify`).
//!
//! The check trusts the node for nothing: it recomputes the SM3 chain from the records the node
//! serves ([`gongxin_core::access_log::ChainVerifier`]) and compares it with the points the
//! validator anchored on the ledger — read from this node or, better, from another department's
//! node (`--anchors-from`), since a node that tampered with its log could also lie about its
//! anchors, but not on every other validator's copy of the ledger.

use gongxin_core::Hash;
use gongxin_core::access_log::{ChainBreak, ChainPoint, ChainReport, ChainVerifier, ChainedRecord};
use serde::{Deserialize, Serialize};

use crate::http::{ClientError, NodeClient};
use crate::records::{PathAndQuery, Reader};

/// Records per page at most: the node's bound.
pub use gongxin_core::api::ACCESS_LOG_PAGE_MAX as RECORDS_PER_PAGE_MAX;
/// Pages `verify` follows at most (10 million records), so a node cannot keep it reading forever.
const LOG_PAGES_MAX: usize = 10_000;
/// Anchor pages `verify` follows at most (one anchor a minute for about 19 years).
const ANCHOR_PAGES_MAX: usize = 10_000;

/// One page of `GET /v1/access-log`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogPage {
    pub node: String,
    pub start: ChainPoint,
    pub flushed: ChainPoint,
    pub records: Vec<ChainedRecord>,
    pub next: Option<u64>,
}

/// An anchor as the ledger holds it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Anchor {
    pub node: String,
    pub point: ChainPoint,
    pub height: u64,
    pub time_ms: u64,
    pub tx: Hash,
}

/// One page of `GET /v1/access-log/anchors`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AnchorPage {
    pub node: String,
    pub anchors: Vec<Anchor>,
    pub next: Option<u64>,
}

/// Why a log could not be checked, or did not check out.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("the operation log of {node} does not verify: {source}")]
    Broken {
        node: String,
        #[source]
        source: ChainBreak,
    },
    #[error("the node sent more than {0} pages; stopped")]
    TooManyPages(usize),
}

impl NodeClient {
    /// `GET /v1/access-log?from=&to=&limit=` (the audit department).
    pub fn access_log_page(
        &self,
        reader: &Reader<'_>,
        from: Option<u64>,
        to: Option<u64>,
        limit: Option<u32>,
    ) -> Result<LogPage, ClientError> {
        if let Some(limit) = limit
            && !(1..=RECORDS_PER_PAGE_MAX).contains(&limit)
        {
            return Err(ClientError::InvalidInput(format!(
                "a page holds 1 to {RECORDS_PER_PAGE_MAX} records, not {limit}"
            )));
        }
        let target = PathAndQuery::new("/v1/access-log")
            .query("from", from.map(|n| n.to_string()).as_deref())
            .query("to", to.map(|n| n.to_string()).as_deref())
            .query("limit", limit.map(|n| n.to_string()).as_deref());
        self.get_signed(reader, &target)
    }

    /// `GET /v1/access-log/anchors?node=&after=` (any member).
    pub fn access_log_anchors(
        &self,
        reader: &Reader<'_>,
        node: &str,
        after: Option<u64>,
    ) -> Result<AnchorPage, ClientError> {
        let target = PathAndQuery::new("/v1/access-log/anchors")
            .query("node", Some(node))
            .query("after", after.map(|n| n.to_string()).as_deref());
        self.get_signed(reader, &target)
    }

    /// Every anchor the ledger (as this node serves it) holds for validator `node`.
    pub fn all_access_log_anchors(
        &self,
        reader: &Reader<'_>,
        node: &str,
    ) -> Result<Vec<Anchor>, VerifyError> {
        let mut anchors = Vec::new();
        let mut after = None;
        for _ in 0..ANCHOR_PAGES_MAX {
            let page = self.access_log_anchors(reader, node, after)?;
            anchors.extend(page.anchors);
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok(anchors),
            }
        }
        Err(VerifyError::TooManyPages(ANCHOR_PAGES_MAX))
    }
}

/// Reads the whole kept operation log of the node behind `log` (as it stood at the first page)
/// and checks it against `anchors`. Returns the node's name and what the check covered.
pub fn verify_log(
    log: &NodeClient,
    reader: &Reader<'_>,
    anchors: &[ChainPoint],
) -> Result<(String, ChainReport), VerifyError> {
    let first = log.access_log_page(reader, None, None, Some(RECORDS_PER_PAGE_MAX))?;
    let node = first.node.clone();
    let broken = |source| VerifyError::Broken {
        node: node.clone(),
        source,
    };
    let mut verifier = ChainVerifier::new(first.start, anchors).map_err(broken)?;
    // Fixed at the first page: the log grows while it is read (this read is logged too).
    let to = first.flushed.count.checked_sub(1);
    let mut page = first;
    for _ in 0..LOG_PAGES_MAX {
        for chained in &page.records {
            verifier.push(chained).map_err(broken)?;
        }
        let (Some(next), Some(to)) = (page.next, to) else {
            return verifier
                .finish()
                .map(|report| (node.clone(), report))
                .map_err(broken);
        };
        if next > to {
            return verifier
                .finish()
                .map(|report| (node.clone(), report))
                .map_err(broken);
        }
        page = log.access_log_page(reader, Some(next), Some(to), Some(RECORDS_PER_PAGE_MAX))?;
    }
    Err(VerifyError::TooManyPages(LOG_PAGES_MAX))
}
