//! The operation log (操作日志): every signed read and every admission decision a node makes, in
//! an SM3 hash chain whose head the node anchors on the ledger.
//!
//! - A [`AccessRecord`] says who (key and department), when (the node's clock), what (the kind
//!   and the target: route and record, or the transaction) and the result.
//! - Record *n* (counting from 0) moves the chain head from `head(n)` to
//!   `head(n+1) = SM3("gongxin/access-log/v1" ‖ 0x00 ‖ head(n) ‖ canonical(record n))`, with
//!   `head(0)` the all-zero hash. A [`ChainPoint`] `{count, head}` names the head after `count`
//!   records.
//! - The node anchors chain points on the ledger (operation `anchor_access_log`, signed by the
//!   node's validator key). Anchored points are in every node's state, so a node that edits,
//!   deletes or reorders its own stored records can no longer produce a chain that meets them:
//!   [`verify_chain`] recomputes the chain from the records and checks each anchor it passes.
//! - A node may drop old records (retention) only up to an anchored point: what remains starts
//!   at that point, which [`verify_chain`] accepts only if an anchor confirms it.

use bincode::{Decode, Encode};
use serde::{Deserialize, Serialize};

use crate::Hash;
use crate::encoding;

/// The hashing domain of the operation-log chain.
pub const ACCESS_LOG_DOMAIN: &[u8] = b"gongxin/access-log/v1";

/// Longest `target` and `outcome` a record keeps (longer ones are cut at a char boundary).
pub const ACCESS_TARGET_BYTES_MAX: usize = 512;

/// What kind of act a record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessKind {
    /// A signed read (or a request that claimed a key and was refused).
    Read,
    /// A decision on a transaction submitted to this node's gateway.
    Admission,
}

/// One act the node logged.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, Serialize, Deserialize)]
pub struct AccessRecord {
    /// Position in the chain, from 0.
    pub seq: u64,
    /// The node's clock when the act was decided (ms since the Unix epoch).
    pub at_ms: u64,
    pub kind: AccessKind,
    /// The key that signed the read or the transaction, as `<algorithm>:<hex>`.
    pub actor: String,
    /// The actor's department, when the actor is a member ("" otherwise).
    pub department: String,
    /// For a read: `METHOD path?query` (without the signature parameters). For an admission:
    /// `tx <hash> <operation kind>`.
    pub target: String,
    /// For a read: the HTTP status. For an admission: `admitted`, `pending` (already was) or
    /// the refusal's code.
    pub outcome: String,
}

/// The chain head after `count` records.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Encode, Decode, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct ChainPoint {
    pub count: u64,
    pub head: Hash,
}

impl ChainPoint {
    /// The start of every chain: no records, the zero head.
    pub const GENESIS: ChainPoint = ChainPoint {
        count: 0,
        head: Hash::ZERO,
    };

    /// The point after `record`, which must be record number `self.count`.
    pub fn next(&self, record: &AccessRecord) -> ChainPoint {
        ChainPoint {
            count: self.count + 1,
            head: next_head(&self.head, record),
        }
    }
}

/// `SM3(domain ‖ 0 ‖ previous head ‖ canonical(record))`.
pub fn next_head(previous: &Hash, record: &AccessRecord) -> Hash {
    Hash::digest_parts(&[
        ACCESS_LOG_DOMAIN,
        &[0],
        previous.as_bytes(),
        &encoding::encode(record),
    ])
}

/// Cuts `text` to at most [`ACCESS_TARGET_BYTES_MAX`] bytes, at a char boundary.
pub fn bounded(text: &str) -> String {
    if text.len() <= ACCESS_TARGET_BYTES_MAX {
        return text.to_owned();
    }
    let mut end = ACCESS_TARGET_BYTES_MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

/// A stored record with the head it produced, as a node serves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainedRecord {
    #[serde(flatten)]
    pub record: AccessRecord,
    /// The head after this record, as the node stored it.
    pub head: Hash,
}

/// Why a chain does not verify. Each says where, so an auditor knows which record to look at.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error(
        "the records start after {count} records, at head {head}, but no anchor confirms that point (records before it were removed or altered)"
    )]
    UnanchoredStart { count: u64, head: Hash },
    #[error("record {found} is where record {expected} should be (records deleted or reordered)")]
    OutOfSequence { expected: u64, found: u64 },
    #[error(
        "record {seq} does not produce the head stored with it (the record or its head was edited)"
    )]
    StoredHeadMismatch { seq: u64 },
    #[error(
        "after {count} records the chain's head is {computed}, but the ledger anchored {anchored} (records edited, deleted or reordered before that point)"
    )]
    AnchorMismatch {
        count: u64,
        computed: Hash,
        anchored: Hash,
    },
    #[error(
        "the ledger anchored {anchored} records but only {present} are present (records deleted)"
    )]
    MissingAnchored { anchored: u64, present: u64 },
}

/// What a successful check covered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    /// Where the checked records start and end.
    pub start: ChainPoint,
    pub end: ChainPoint,
    /// How many anchors the recomputed chain met.
    pub anchors_matched: usize,
    /// The newest anchor met (`None`: no anchor yet covers these records).
    pub last_anchor: Option<ChainPoint>,
    /// Records after the newest anchor: they verify as a chain but nothing on the ledger yet
    /// fixes them.
    pub unanchored: u64,
}

/// Recomputes the chain from `start` through `records` and checks it against `anchors` (the
/// anchored points the ledger holds for this node, any order). [`ChainVerifier`] does the same
/// a record at a time, for logs too long to hold at once.
pub fn verify_chain(
    start: ChainPoint,
    records: &[ChainedRecord],
    anchors: &[ChainPoint],
) -> Result<ChainReport, ChainBreak> {
    let mut verifier = ChainVerifier::new(start, anchors)?;
    for chained in records {
        verifier.push(chained)?;
    }
    verifier.finish()
}

/// Checks a log record by record.
///
/// `start` must be [`ChainPoint::GENESIS`] or an anchored point; records must follow it with
/// consecutive `seq`; each stored head must be the recomputed one; every anchor within the
/// records' range must match the recomputed head at its count; and no anchor may lie beyond the
/// last record (that would mean anchored records were deleted). Anchors before `start` are of
/// records the node no longer keeps and are not checked.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    start: ChainPoint,
    point: ChainPoint,
    /// Anchors after `start` not yet reached, highest count first (popped from the end).
    ahead: Vec<ChainPoint>,
    matched: usize,
    last_anchor: Option<ChainPoint>,
}

impl ChainVerifier {
    pub fn new(start: ChainPoint, anchors: &[ChainPoint]) -> Result<ChainVerifier, ChainBreak> {
        let from_anchor = start != ChainPoint::GENESIS;
        if from_anchor && !anchors.contains(&start) {
            return Err(ChainBreak::UnanchoredStart {
                count: start.count,
                head: start.head,
            });
        }
        let mut ahead: Vec<ChainPoint> = anchors
            .iter()
            .filter(|a| a.count > start.count)
            .copied()
            .collect();
        ahead.sort_by_key(|a| std::cmp::Reverse(a.count));
        ahead.dedup();
        Ok(ChainVerifier {
            start,
            point: start,
            ahead,
            matched: usize::from(from_anchor),
            last_anchor: from_anchor.then_some(start),
        })
    }

    /// Takes the next record.
    pub fn push(&mut self, chained: &ChainedRecord) -> Result<(), ChainBreak> {
        if chained.record.seq != self.point.count {
            return Err(ChainBreak::OutOfSequence {
                expected: self.point.count,
                found: chained.record.seq,
            });
        }
        self.point = self.point.next(&chained.record);
        if chained.head != self.point.head {
            return Err(ChainBreak::StoredHeadMismatch {
                seq: chained.record.seq,
            });
        }
        while let Some(anchor) = self.ahead.pop_if(|a| a.count == self.point.count) {
            if anchor.head != self.point.head {
                return Err(ChainBreak::AnchorMismatch {
                    count: self.point.count,
                    computed: self.point.head,
                    anchored: anchor.head,
                });
            }
            self.matched += 1;
            self.last_anchor = Some(anchor);
        }
        Ok(())
    }

    /// The point after the records pushed so far.
    pub fn point(&self) -> ChainPoint {
        self.point
    }

    /// Ends the check: no anchor may lie beyond the last record.
    pub fn finish(mut self) -> Result<ChainReport, ChainBreak> {
        if let Some(beyond) = self.ahead.pop() {
            return Err(ChainBreak::MissingAnchored {
                anchored: beyond.count,
                present: self.point.count,
            });
        }
        Ok(ChainReport {
            start: self.start,
            end: self.point,
            anchors_matched: self.matched,
            last_anchor: self.last_anchor,
            unanchored: self.point.count - self.last_anchor.map_or(self.start.count, |a| a.count),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(seq: u64) -> AccessRecord {
        AccessRecord {
            seq,
            at_ms: 1_780_000_000_000 + seq,
            kind: if seq.is_multiple_of(3) {
                AccessKind::Admission
            } else {
                AccessKind::Read
            },
            actor: format!("ed25519:{seq:064x}"),
            department: "audit".into(),
            target: format!("GET /v1/projects/SC-2026-{seq:03}"),
            outcome: "200".into(),
        }
    }

    /// `n` records chained from genesis, and the point after each.
    fn chain(n: u64) -> (Vec<ChainedRecord>, Vec<ChainPoint>) {
        let mut point = ChainPoint::GENESIS;
        let mut records = Vec::new();
        let mut points = Vec::new();
        for seq in 0..n {
            let r = record(seq);
            point = point.next(&r);
            records.push(ChainedRecord {
                record: r,
                head: point.head,
            });
            points.push(point);
        }
        (records, points)
    }

    #[test]
    fn head_is_sm3_of_domain_previous_and_record() {
        let r = record(0);
        let mut bytes = b"gongxin/access-log/v1\0".to_vec();
        bytes.extend_from_slice(&[0; 32]);
        bytes.extend_from_slice(&encoding::encode(&r));
        assert_eq!(next_head(&Hash::ZERO, &r), Hash::digest(&bytes));
        assert_ne!(
            next_head(&Hash::digest(b"x"), &r),
            next_head(&Hash::ZERO, &r)
        );
    }

    #[test]
    fn an_intact_chain_verifies_against_its_anchors() {
        let (records, points) = chain(10);
        let anchors = [points[3], points[6]];
        let report = verify_chain(ChainPoint::GENESIS, &records, &anchors).unwrap();
        assert_eq!(report.end, points[9]);
        assert_eq!(report.anchors_matched, 2);
        assert_eq!(report.last_anchor, Some(points[6]));
        assert_eq!(report.unanchored, 3);
        // No anchors at all: a chain, but nothing fixes it.
        let report = verify_chain(ChainPoint::GENESIS, &records, &[]).unwrap();
        assert_eq!((report.anchors_matched, report.unanchored), (0, 10));
    }

    #[test]
    fn an_edited_record_is_found_by_its_stored_head() {
        let (mut records, points) = chain(6);
        records[2].record.outcome = "403".into();
        assert_eq!(
            verify_chain(ChainPoint::GENESIS, &records, &[points[5]]),
            Err(ChainBreak::StoredHeadMismatch { seq: 2 })
        );
    }

    #[test]
    fn an_edit_with_every_head_recomputed_is_found_by_the_anchor() {
        let (records, points) = chain(6);
        let mut forged = records.clone();
        forged[2].record.actor = "ed25519:someone-else".into();
        let mut point = ChainPoint::GENESIS;
        for chained in &mut forged {
            point = point.next(&chained.record);
            chained.head = point.head;
        }
        assert!(matches!(
            verify_chain(ChainPoint::GENESIS, &forged, &[points[4]]),
            Err(ChainBreak::AnchorMismatch { count: 5, .. })
        ));
        // An anchor before the edit still matches; one after it does not.
        assert!(verify_chain(ChainPoint::GENESIS, &forged, &[points[1]]).is_ok());
    }

    #[test]
    fn deletion_and_reordering_are_found() {
        let (records, points) = chain(6);
        let mut deleted = records.clone();
        deleted.remove(3);
        assert_eq!(
            verify_chain(ChainPoint::GENESIS, &deleted, &[]),
            Err(ChainBreak::OutOfSequence {
                expected: 3,
                found: 4
            })
        );
        let mut swapped = records.clone();
        swapped.swap(1, 2);
        assert!(matches!(
            verify_chain(ChainPoint::GENESIS, &swapped, &[]),
            Err(ChainBreak::OutOfSequence { expected: 1, .. })
        ));
        // Cutting the tail that an anchor covers.
        assert_eq!(
            verify_chain(ChainPoint::GENESIS, &records[..4], &[points[5]]),
            Err(ChainBreak::MissingAnchored {
                anchored: 6,
                present: 4
            })
        );
    }

    #[test]
    fn a_pruned_prefix_must_end_at_an_anchor() {
        let (records, points) = chain(8);
        let kept = &records[4..];
        // Pruned at an anchored point: fine.
        let report = verify_chain(points[3], kept, &[points[3], points[6]]).unwrap();
        assert_eq!(report.end, points[7]);
        assert_eq!(report.anchors_matched, 2);
        // Pruned at a point nobody anchored: refused.
        assert_eq!(
            verify_chain(points[3], kept, &[points[6]]),
            Err(ChainBreak::UnanchoredStart {
                count: 4,
                head: points[3].head
            })
        );
    }

    #[test]
    fn bounded_cuts_at_a_char_boundary() {
        let long = "项".repeat(400);
        let cut = bounded(&long);
        assert!(cut.len() <= ACCESS_TARGET_BYTES_MAX);
        assert!(long.starts_with(&cut));
        assert_eq!(bounded("short"), "short");
    }

    #[test]
    fn records_round_trip_through_json() {
        let (records, _) = chain(2);
        let text = serde_json::to_string(&records).unwrap();
        assert!(text.contains(r#""kind":"read""#));
        let back: Vec<ChainedRecord> = serde_json::from_str(&text).unwrap();
        assert_eq!(back, records);
    }
}
