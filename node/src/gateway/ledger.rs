//! The ledger endpoints: PROTOCOL.md's checkpoint and proofs, entries, status, transactions
//! and blocks.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use gongxin_contracts::access;
use gongxin_core::Hash;
use gongxin_core::audit::{ConsistencyProof, InclusionProof};
use gongxin_core::checkpoint::{SignedCheckpoint, origin_for_chain, public_origin_for_chain};
use gongxin_core::encoding::TX_BYTES_MAX;
use gongxin_core::entry::{Entry, Outcome};
use gongxin_core::handover::HandOver;
use gongxin_core::log;
use gongxin_core::tx::{BatchError, SignedTx};
use serde::Serialize;
use warp::Reply;
use warp::http::StatusCode;
use warp::reply::Response;

use super::auth::{Reader, not_readable};
use super::error::{ApiError, ApiResult, json};
use crate::admission::{AdmitError, Admitted, SubmitError, Verdict};
use crate::node::Node;

pub type Query = HashMap<String, String>;

fn param<'q>(query: &'q Query, name: &str) -> Option<&'q str> {
    query.get(name).map(String::as_str)
}

/// A non-negative decimal query parameter.
pub(crate) fn param_u64(query: &Query, name: &str) -> Result<Option<u64>, ApiError> {
    match param(query, name) {
        None => Ok(None),
        Some(text) => text.parse::<u64>().map(Some).map_err(|_| {
            ApiError::bad_request(
                "bad_query",
                format!("{name} must be a non-negative integer, got {text:?}"),
            )
        }),
    }
}

pub(crate) fn required_u64(query: &Query, name: &str) -> Result<u64, ApiError> {
    param_u64(query, name)?
        .ok_or_else(|| ApiError::bad_request("bad_query", format!("{name} is required")))
}

fn parse_hash(text: &str, what: &str) -> Result<Hash, ApiError> {
    Hash::from_hex(text).map_err(|e| ApiError::bad_request("bad_hash", format!("{what}: {e}")))
}

/// `GET /v1/checkpoint`: the latest signed checkpoint, `text/plain`.
pub fn checkpoint(node: &Node) -> ApiResult {
    let (_, note) = node
        .reader()
        .latest_checkpoint()?
        .ok_or_else(|| ApiError::not_found("no_checkpoint", "no block has been committed yet"))?;
    Ok(warp::reply::with_header(note, "content-type", "text/plain; charset=utf-8").into_response())
}

/// `GET /v1/checkpoints/{tree_size}`: the signed checkpoint of that size (every block's is
/// kept), `text/plain`.
pub fn checkpoint_at(node: &Node, tree_size: u64) -> ApiResult {
    let note = node.reader().checkpoint(tree_size)?.ok_or_else(|| {
        ApiError::not_found(
            "unknown_checkpoint",
            format!("no checkpoint of tree size {tree_size}"),
        )
    })?;
    Ok(warp::reply::with_header(note, "content-type", "text/plain; charset=utf-8").into_response())
}

/// The log size verifiers are served by default: the latest checkpoint's.
fn checkpoint_size(node: &Node) -> u64 {
    node.reader().latest_checkpoint_size()
}

/// The tree size a proof is asked for: `tree_size`, or the latest checkpoint's.
fn proof_tree_size(node: &Node, query: &Query) -> Result<u64, ApiError> {
    let latest = checkpoint_size(node);
    let tree_size = param_u64(query, "tree_size")?.unwrap_or(latest);
    if tree_size > latest {
        return Err(ApiError::bad_request(
            "tree_size_beyond_log",
            format!("tree_size {tree_size} is beyond the latest checkpoint's size {latest}"),
        ));
    }
    Ok(tree_size)
}

/// The audit path of ledger entry `leaf_index` (whose leaf hash is `leaf`) in the tree of
/// `tree_size`, checked before it is served (see [`checked_inclusion`]).
fn audit_path(
    node: &Node,
    leaf: &Hash,
    leaf_index: u64,
    tree_size: u64,
) -> Result<Vec<Hash>, ApiError> {
    if leaf_index >= tree_size {
        return Err(ApiError::bad_request(
            "not_in_tree",
            format!("entry {leaf_index} is not in a tree of size {tree_size}"),
        ));
    }
    let reader = node.reader();
    checked_inclusion(
        node,
        &ServedLog::ledger(node),
        reader.checkpoint(tree_size)?,
        reader,
        leaf,
        leaf_index,
        tree_size,
    )
}

/// One of the two logs a proof is served from: its name (for messages) and its checkpoints'
/// origin.
pub(crate) struct ServedLog {
    pub name: &'static str,
    pub origin: String,
}

impl ServedLog {
    pub(crate) fn ledger(node: &Node) -> ServedLog {
        ServedLog {
            name: "ledger",
            origin: origin_for_chain(node.chain_id()),
        }
    }

    pub(crate) fn public(node: &Node) -> ServedLog {
        ServedLog {
            name: "public",
            origin: public_origin_for_chain(node.chain_id()),
        }
    }

    /// The root that the stored checkpoint `note` signs for `tree_size`, after checking that the
    /// note is this log's and of that size (`None` without a note).
    fn signed_root(&self, note: Option<&str>, tree_size: u64) -> Result<Option<Hash>, String> {
        let Some(note) = note else {
            return Ok(None);
        };
        let signed = SignedCheckpoint::parse(note).map_err(|e| {
            format!("its stored checkpoint of size {tree_size} does not parse: {e}")
        })?;
        let checkpoint = signed.checkpoint;
        if checkpoint.tree_size != tree_size || checkpoint.origin != self.origin {
            return Err(format!(
                "the checkpoint stored for size {tree_size} is of size {} of {:?}",
                checkpoint.tree_size, checkpoint.origin
            ));
        }
        Ok(Some(checkpoint.root))
    }
}

/// The inclusion proof of leaf `leaf_index` (hash `leaf`, `leaf_index < tree_size`) built from
/// `source`, the log's stored nodes, and checked before it is served: it must lead from `leaf`
/// to the root that the log's stored checkpoint note of `tree_size` signs. The nodes, the leaf
/// (a sealed entry, or a public leaf) and the note are stored apart, so damage to any of them
/// that RocksDB's checksums and the seal did not catch (or a bug) shows here, and the reader
/// gets a 500 naming it instead of a proof that fails at the auditor. A node missing from the
/// store is the same damage. Costs one note parse and about log2(tree_size) SM3 hashes.
///
/// A `tree_size` asked for explicitly that is no block's boundary has no note: its path is
/// served as built, since the verifier needs a signed root of another size anyway.
pub(crate) fn checked_inclusion<S>(
    node: &Node,
    log: &ServedLog,
    note: Option<String>,
    source: &S,
    leaf: &Hash,
    leaf_index: u64,
    tree_size: u64,
) -> Result<Vec<Hash>, ApiError>
where
    S: log::NodeSource<Error = crate::storage::StorageError>,
{
    let checked = log::inclusion_proof(source, leaf_index, tree_size)
        .map_err(|e| format!("a node of the proof of leaf {leaf_index} cannot be read: {e}"))
        .and_then(|path| {
            if let Some(root) = log.signed_root(note.as_deref(), tree_size)? {
                log::verify_inclusion(leaf, leaf_index, tree_size, &path, &root)
                    .map_err(|e| format!("the proof of leaf {leaf_index} does not verify: {e}"))?;
            }
            Ok(path)
        });
    checked.map_err(|why| damaged(node, log.name, &why))
}

/// What a reader is told, and the node records, when what it stores does not verify.
fn damaged(node: &Node, log_name: &str, why: &str) -> ApiError {
    node.metrics.damaged_reads.fetch_add(1, Ordering::Relaxed);
    tracing::error!(
        log = log_name,
        "refused to serve a proof: {why}; run `gongxin-node check` on this node"
    );
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "ledger_damaged",
        format!(
            "this node's stored {log_name} log is damaged ({why}); it will not serve what it \
             cannot verify: ask another validator, and tell its operator"
        ),
    )
}

/// `GET /v1/proofs/inclusion?leaf_hash=<hex>[&tree_size=<n>]`: open to anyone, the audit path
/// of the entry whose RFC 9162 leaf hash is given, without the entry.
pub fn inclusion_by_leaf(node: &Node, query: &Query) -> ApiResult {
    let leaf = parse_hash(param(query, "leaf_hash").unwrap_or_default(), "leaf_hash")?;
    let tree_size = proof_tree_size(node, query)?;
    let leaf_index = node.reader().leaf_index(&leaf)?.ok_or_else(|| {
        ApiError::not_found("unknown_leaf", format!("no entry has leaf hash {leaf}"))
    })?;
    let audit_path = audit_path(node, &leaf, leaf_index, tree_size)?;
    Ok(json(
        StatusCode::OK,
        &serde_json::json!({
            "leaf_index": leaf_index,
            "tree_size": tree_size,
            "leaf_hash": leaf,
            "audit_path": audit_path,
        }),
    ))
}

/// `GET /v1/proofs/inclusion?tx=<hex>[&tree_size=<n>]`: a signed read, the audit path with the
/// entry, for a reader the table lets see the entry.
pub fn inclusion(node: &Node, reader: &Reader, query: &Query) -> ApiResult {
    let tx = param(query, "tx")
        .ok_or_else(|| ApiError::bad_request("bad_query", "tx or leaf_hash is required"))?;
    let tx = parse_hash(tx, "tx")?;
    let tree_size = proof_tree_size(node, query)?;
    let absent = || {
        if reader.reads_everything() {
            ApiError::not_found("unknown_tx", format!("no committed transaction {tx}"))
        } else {
            not_readable(&format!("transaction {tx}"), reader)
        }
    };
    let location = node.reader().tx_location(&tx)?.ok_or_else(absent)?;
    let entry = node
        .reader()
        .entry(location.log_index)?
        .ok_or_else(|| ApiError::internal(format!("entry {} is missing", location.log_index)))?;
    if !may_read_entry(node, reader, &decode_entry(location.log_index, &entry)?)? {
        return Err(absent());
    }
    let audit_path = audit_path(node, &log::leaf_hash(&entry), location.log_index, tree_size)?;
    Ok(json(
        StatusCode::OK,
        &InclusionProof {
            leaf_index: location.log_index,
            tree_size,
            entry,
            audit_path,
        },
    ))
}

fn decode_entry(leaf_index: u64, bytes: &[u8]) -> Result<Entry, ApiError> {
    Entry::from_bytes(bytes)
        .map_err(|e| ApiError::internal(format!("stored entry {leaf_index} does not decode: {e}")))
}

/// Whether `reader` may see `entry` whole (its transaction and outcome), by the read table.
pub fn may_read_entry(node: &Node, reader: &Reader, entry: &Entry) -> Result<bool, ApiError> {
    if reader.reads_everything() {
        return Ok(true);
    }
    let state = node.reader().state();
    let subjects = access::entry_subjects(&state, &entry.tx).map_err(state_error)?;
    let signer = access::signer_department(&state, &entry.tx).map_err(state_error)?;
    Ok(reader.role.may_read_entry(&subjects, signer.as_deref()))
}

fn state_error(e: gongxin_contracts::StorageError) -> ApiError {
    tracing::error!(error = %e, "state read failed while serving a request");
    ApiError::internal("the node could not read its state")
}

/// `GET /v1/proofs/consistency?first=<m>&second=<n>`.
pub fn consistency(node: &Node, query: &Query) -> ApiResult {
    // Proofs are served up to the latest checkpoint, like inclusion proofs: a verifier can only
    // check them against a signed root anyway.
    let reader = node.reader();
    consistency_of(
        node,
        &ServedLog::ledger(node),
        reader,
        checkpoint_size(node),
        query,
        |size| reader.checkpoint(size),
    )
}

/// A consistency proof over either log's stored nodes (`source`), up to `size` (its latest
/// checkpoint's), checked before it is served like an inclusion proof
/// ([`checked_inclusion`]): when the log's stored checkpoints of both sizes (`note_at`) are
/// there, the path must lead from the first's root to the second's.
pub(crate) fn consistency_of<S>(
    node: &Node,
    log: &ServedLog,
    source: &S,
    size: u64,
    query: &Query,
    note_at: impl Fn(u64) -> Result<Option<String>, crate::storage::StorageError>,
) -> ApiResult
where
    S: log::NodeSource<Error = crate::storage::StorageError>,
{
    let first = required_u64(query, "first")?;
    let second = required_u64(query, "second")?;
    if first > second {
        return Err(ApiError::bad_request(
            "first_after_second",
            format!("first {first} > second {second}"),
        ));
    }
    if second > size {
        return Err(ApiError::bad_request(
            "tree_size_beyond_log",
            format!("second {second} is beyond the latest checkpoint's size {size}"),
        ));
    }
    if first == 0 {
        return Err(ApiError::bad_request(
            "first_is_zero",
            "RFC 9162 defines consistency proofs from a non-empty tree only (first >= 1)",
        ));
    }
    let (first_note, second_note) = (note_at(first)?, note_at(second)?);
    let consistency_path = log::consistency_proof(source, first, second)
        .map_err(|e| format!("a node of the proof from {first} to {second} cannot be read: {e}"))
        .and_then(|path| {
            let roots = (
                log.signed_root(first_note.as_deref(), first)?,
                log.signed_root(second_note.as_deref(), second)?,
            );
            if let (Some(first_root), Some(second_root)) = roots {
                log::verify_consistency(first, second, &first_root, &second_root, &path).map_err(
                    |e| format!("the proof from {first} to {second} does not verify: {e}"),
                )?;
            }
            Ok(path)
        })
        .map_err(|why| damaged(node, log.name, &why))?;
    Ok(json(
        StatusCode::OK,
        &ConsistencyProof {
            first,
            second,
            consistency_path,
        },
    ))
}

/// One item of `GET /v1/entries`: the whole entry when the reader may see it, else its leaf
/// hash only.
#[derive(Serialize)]
struct EntryItem {
    leaf_index: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    tx_hash: Option<Hash>,
    #[serde(skip_serializing_if = "Option::is_none")]
    entry: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    leaf_hash: Option<Hash>,
}

#[derive(Serialize)]
struct EntriesReply {
    entries: Vec<EntryItem>,
}

/// `GET /v1/entries` stops adding entries once the response holds about this many bytes.
const ENTRIES_RESPONSE_BYTES_MAX: usize = 4 * 1024 * 1024;

/// `GET /v1/entries?start=&end=` (inclusive, may return fewer than asked): a signed read; each
/// entry whole if the table lets the reader see it, else only its leaf hash.
pub fn entries(node: &Node, reader: &Reader, query: &Query) -> ApiResult {
    let start = required_u64(query, "start")?;
    let end = required_u64(query, "end")?;
    let size = node.tip().chain.log_size;
    if start > end {
        return Err(ApiError::bad_request(
            "start_after_end",
            format!("start {start} > end {end}"),
        ));
    }
    if start >= size {
        return Err(ApiError::bad_request(
            "start_beyond_log",
            format!("start {start} is not below the log's size {size}"),
        ));
    }
    let limit = node.limits.entries_per_request_max as usize;
    let items = node.reader().entries(start, end.min(size - 1), limit)?;
    let mut entries = Vec::with_capacity(items.len());
    let mut response_bytes = 0usize;
    for (leaf_index, bytes) in items {
        // Like CT's get-entries, return fewer than asked rather than build a huge response:
        // entries are up to ~72 KiB each and go out hex-encoded.
        if response_bytes >= ENTRIES_RESPONSE_BYTES_MAX && !entries.is_empty() {
            break;
        }
        let entry = decode_entry(leaf_index, &bytes)?;
        if may_read_entry(node, reader, &entry)? {
            response_bytes += 2 * bytes.len();
            entries.push(EntryItem {
                leaf_index,
                tx_hash: Some(entry.tx.hash()),
                entry: Some(hex::encode(&bytes)),
                leaf_hash: None,
            });
        } else {
            response_bytes += 64;
            entries.push(EntryItem {
                leaf_index,
                tx_hash: None,
                entry: None,
                leaf_hash: Some(log::leaf_hash(&bytes)),
            });
        }
    }
    Ok(json(StatusCode::OK, &EntriesReply { entries }))
}

#[derive(Serialize)]
struct Status<'a> {
    chain_id: &'a str,
    node: &'a str,
    genesis_hash: Hash,
    height: u64,
    log_size: u64,
    log_root: Hash,
    last_block_hash: Hash,
    last_block_time_ms: u64,
    state_hash: Hash,
    mempool_txs: usize,
    mempool_bytes: usize,
    uptime_s: u64,
    /// The node's clock, so clients can see their skew before signing read requests.
    now_ms: u64,
    /// Set while a validator rebuilt by `gongxin-node resync` follows consensus without
    /// signing, until its chain has committed this height (`sign_guard`).
    #[serde(skip_serializing_if = "Option::is_none")]
    signing_paused_through: Option<u64>,
}

/// `GET /v1/status`.
pub fn status(node: &Node) -> ApiResult {
    let tip = node.tip();
    let pool = node.admission.pool_size();
    Ok(json(
        StatusCode::OK,
        &Status {
            chain_id: node.chain_id(),
            node: &node.name,
            genesis_hash: node.genesis.hash(),
            height: tip.chain.height,
            log_size: tip.chain.log_size,
            log_root: tip.chain.log_root,
            last_block_hash: tip.chain.block_hash,
            last_block_time_ms: tip.header.timestamp_ms,
            state_hash: tip.chain.state_hash,
            mempool_txs: pool.txs,
            mempool_bytes: pool.bytes,
            uptime_s: node.uptime_s(),
            now_ms: node.clock.now_ms(),
            signing_paused_through: Some(
                node.metrics.signing_paused_through.load(Ordering::Relaxed),
            )
            .filter(|&height| height > 0),
        },
    ))
}

/// `GET /v1/validator-sets`: every validator set with the height it takes effect at (genesis
/// at 0, then each governance change), its PROTOCOL.md listing and identity (the hash in
/// checkpoints' `validators` line) and, after genesis, the hand-over that introduced it: the
/// outgoing set's checkpoints naming it. A verifier with the genesis file follows the
/// hand-overs (`gongxin_core::handover`) to trust any later set.
pub fn validator_sets(node: &Node) -> ApiResult {
    let handovers: HashMap<u64, crate::storage::CheckpointNotes> =
        node.reader().handovers()?.into_iter().collect();
    let sets: Vec<serde_json::Value> = node
        .validator_sets()
        .into_iter()
        .map(|(height, set)| {
            let handover = handovers.get(&height).map(|notes| HandOver {
                first_height: height,
                validators: set.listing(),
                checkpoint: notes.checkpoint.clone(),
                public_checkpoint: notes.public_checkpoint.clone(),
            });
            serde_json::json!({
                "from_height": height,
                "set_hash": set.hash(),
                "protocol_hash": set.protocol_hash(),
                "listing": set.listing(),
                "validators": set.validators(),
                "handover": handover,
            })
        })
        .collect();
    Ok(json(
        StatusCode::OK,
        &serde_json::json!({ "validator_sets": sets }),
    ))
}

/// `POST /v1/txs`: a signed transaction as JSON, or as canonical bytes with
/// `Content-Type: application/octet-stream`.
pub fn submit(node: &Node, content_type: Option<&str>, body: &[u8]) -> ApiResult {
    let binary = content_type.is_some_and(|t| t.starts_with("application/octet-stream"));
    let tx: SignedTx = if binary {
        SignedTx::from_bytes(body)
            .map_err(|e| ApiError::bad_request("malformed_tx", e.to_string()))?
    } else {
        serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_request("malformed_tx", e.to_string()))?
    };
    let encoded = tx.to_bytes();
    if !binary && SignedTx::from_bytes(&encoded).is_err() && encoded.len() <= TX_BYTES_MAX {
        // Every admitted transaction must decode from its canonical bytes, or its entry could
        // not be served or verified later.
        return Err(ApiError::bad_request(
            "malformed_tx",
            "the transaction does not round-trip through its canonical encoding",
        ));
    }
    if encoded.len() > TX_BYTES_MAX {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "tx_too_large",
            format!(
                "transaction is {} bytes; the limit is {TX_BYTES_MAX}",
                encoded.len()
            ),
        ));
    }
    match node.admission.submit(tx, encoded.len()) {
        Ok(Admitted { hash, fresh }) => Ok(json(
            StatusCode::ACCEPTED,
            &serde_json::json!({"tx_hash": hash, "status": "pending", "resubmitted": !fresh}),
        )),
        Err(e) => Err(submit_error(e)),
    }
}

fn batch_too_large(count: u64) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "batch_too_large",
        format!("{count} transactions; a batch holds at most {BATCH_TXS_MAX}"),
    )
}

/// The canonical bytes of a `Vec<SignedTx>` ([`gongxin_core::tx::decode_batch`]): more than
/// [`BATCH_TXS_MAX`] is 413, anything else wrong 400.
fn decode_batch(body: &[u8]) -> Result<Vec<SignedTx>, ApiError> {
    match gongxin_core::tx::decode_batch(body, BATCH_TXS_MAX) {
        Ok(txs) => Ok(txs.into_iter().map(|(tx, _)| tx).collect()),
        Err(BatchError::TooMany { count, .. }) => Err(batch_too_large(count)),
        Err(e) => Err(ApiError::bad_request("malformed_batch", e.to_string())),
    }
}

/// Most transactions one `POST /v1/txs/batch` may carry.
pub const BATCH_TXS_MAX: usize = gongxin_core::api::SUBMIT_BATCH_TXS_MAX;

/// `POST /v1/txs/batch`: many signed transactions in one request — canonical bytes of a
/// `Vec<SignedTx>` (`application/octet-stream`) or a JSON array. Each is admitted or refused
/// on its own; the answer lists, in order, `{"tx_hash", "status": "pending", "resubmitted"}`
/// or `{"tx_hash", "error", "reason"}` with the codes of `POST /v1/txs`.
pub fn submit_batch(
    node: &Node,
    content_type: Option<&str>,
    body: &[u8],
    spend_signature_checks: &dyn Fn(usize) -> Result<(), ApiError>,
) -> ApiResult {
    let binary = content_type.is_some_and(|t| t.starts_with("application/octet-stream"));
    let txs: Vec<SignedTx> = if binary {
        decode_batch(body)?
    } else {
        serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_request("malformed_batch", e.to_string()))?
    };
    if txs.len() > BATCH_TXS_MAX {
        return Err(batch_too_large(txs.len() as u64));
    }
    // Refused before any check when the node's budget of signature checks for submissions is
    // spent: a flood of batches (with good or bad signatures) costs at most that budget.
    spend_signature_checks(txs.len())?;
    // Canonical bytes decode to themselves; JSON must be checked to round-trip (as in
    // `POST /v1/txs`), and every transaction's size counts against the pool.
    let mut sized = Vec::with_capacity(txs.len());
    let mut malformed: Vec<Option<serde_json::Value>> = Vec::with_capacity(txs.len());
    for tx in txs {
        let encoded = tx.to_bytes();
        if encoded.len() > TX_BYTES_MAX || (!binary && SignedTx::from_bytes(&encoded).is_err()) {
            malformed.push(Some(serde_json::json!({
                "tx_hash": tx.hash(),
                "error": "malformed_tx",
                "reason": "the transaction does not round-trip through its canonical encoding within the size limit",
            })));
        } else {
            malformed.push(None);
            sized.push((tx, encoded.len()));
        }
    }
    let mut verdicts = node.admission.submit_batch(sized).into_iter();
    let results: Vec<serde_json::Value> = malformed
        .into_iter()
        .map(|refusal| match refusal {
            Some(refusal) => refusal,
            None => match verdicts.next() {
                Some(Verdict {
                    hash,
                    result: Ok(Admitted { fresh, .. }),
                }) => serde_json::json!({
                    "tx_hash": hash, "status": "pending", "resubmitted": !fresh,
                }),
                Some(Verdict {
                    hash,
                    result: Err(e),
                }) => {
                    let error = submit_error(e);
                    serde_json::json!({"tx_hash": hash, "error": error.code, "reason": error.message})
                }
                None => serde_json::json!({"error": "internal", "reason": "no verdict"}),
            },
        })
        .collect();
    Ok(json(
        StatusCode::ACCEPTED,
        &serde_json::json!({ "results": results }),
    ))
}

fn submit_error(error: SubmitError) -> ApiError {
    let message = error.to_string();
    let code = error.code();
    match error {
        SubmitError::Invalid(_)
        | SubmitError::Admit(AdmitError::Expired { .. })
        | SubmitError::Admit(AdmitError::TooFarAhead { .. }) => {
            ApiError::bad_request(code, message)
        }
        SubmitError::Admit(AdmitError::AlreadyPending) | SubmitError::AlreadyCommitted { .. } => {
            ApiError::new(StatusCode::CONFLICT, code, message)
        }
        SubmitError::Admit(AdmitError::Full { .. }) => ApiError {
            retry_after_s: Some(1),
            ..ApiError::new(StatusCode::SERVICE_UNAVAILABLE, code, message)
        },
        SubmitError::UnknownSigner(_) => ApiError::new(StatusCode::FORBIDDEN, code, message),
        SubmitError::Storage(e) => e.into(),
    }
}

/// `GET /v1/txs/{hash}`: pending, or committed with height, log index and whether it was
/// applied. The rejection's code and reason are a signed read: they come only with a signature
/// whose reader may see the entry. The hash itself is the caller's knowledge (an SM3 of the
/// transaction), so the unsigned answer tells only what happened to a transaction they hold.
pub fn tx_status(node: &Node, reader: Option<&Reader>, hash: &str) -> ApiResult {
    let hash = parse_hash(hash, "tx hash")?;
    // Pending first, then the store: the producer writes a block before it releases the block's
    // transactions from the mempool, so one of the two always sees a known transaction.
    if node.admission.is_pending(&hash) {
        return Ok(json(
            StatusCode::OK,
            &serde_json::json!({"tx_hash": hash, "status": "pending"}),
        ));
    }
    if let Some(location) = node.reader().tx_location(&hash)? {
        // The location already says whether it was applied; the entry is read only for a
        // signed reader of a rejection, to give the reason if the table allows.
        let outcome = match (&location.rejected, reader) {
            (None, _) => serde_json::json!({"status": "applied"}),
            (Some(_), None) => serde_json::json!({"status": "rejected"}),
            (Some(_), Some(reader)) => {
                let bytes = node.reader().entry(location.log_index)?.ok_or_else(|| {
                    ApiError::internal(format!("entry {} unreadable", location.log_index))
                })?;
                let entry = decode_entry(location.log_index, &bytes)?;
                let readable = may_read_entry(node, reader, &entry)?;
                match entry.outcome {
                    Outcome::Rejected { code, reason } if readable => {
                        serde_json::json!({"status": "rejected", "code": code, "reason": reason})
                    }
                    _ => serde_json::json!({"status": "rejected"}),
                }
            }
        };
        return Ok(json(
            StatusCode::OK,
            &serde_json::json!({
                "tx_hash": hash,
                "status": "committed",
                "height": location.height,
                "position": location.position,
                "log_index": location.log_index,
                "outcome": outcome,
            }),
        ));
    }
    Err(ApiError::not_found(
        "unknown_tx",
        format!("transaction {hash} is neither pending nor committed"),
    ))
}

/// `GET /v1/blocks/{height}`: header, hash, tx hashes and commit certificate.
pub fn block(node: &Node, height: &str) -> ApiResult {
    let height: u64 = height.parse().map_err(|_| {
        ApiError::bad_request(
            "bad_height",
            format!("height must be a non-negative integer, got {height:?}"),
        )
    })?;
    let block = node.reader().block(height)?.ok_or_else(|| {
        ApiError::not_found("unknown_block", format!("no block at height {height}"))
    })?;
    let certificate = node.reader().certificate(height)?;
    let txs: Vec<Hash> = block.txs.iter().map(SignedTx::hash).collect();
    Ok(json(
        StatusCode::OK,
        &serde_json::json!({
            "hash": block.hash(),
            "header": block.header,
            "txs": txs,
            "certificate": certificate,
        }),
    ))
}

/// Runs a blocking handler on the blocking pool (signature checks, RocksDB reads, proofs),
/// bounded by the node's request timeout: a request that cannot be answered in time gets a 503
/// with `Retry-After` instead of holding its connection open.
pub async fn blocking<F>(node: Arc<Node>, handler: F) -> Response
where
    F: FnOnce(&Node) -> ApiResult + Send + 'static,
{
    let timeout = std::time::Duration::from_millis(node.limits.http_request_timeout_ms.max(1));
    let task = tokio::task::spawn_blocking(move || handler(&node));
    match tokio::time::timeout(timeout, task).await {
        Ok(Ok(result)) => super::error::respond(result),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "request handler failed");
            ApiError::internal("the request could not be completed").into_response()
        }
        Err(_) => ApiError {
            retry_after_s: Some(1),
            ..ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                format!("the request took longer than {} ms", timeout.as_millis()),
            )
        }
        .into_response(),
    }
}
