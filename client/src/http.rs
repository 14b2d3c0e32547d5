//! A typed, blocking client for a node's HTTP gateway (`/v1/...`).
//!
//! One [`NodeClient`] wraps one gateway base URL; the record reads (signed internal reads and
//! the public API) are its methods too, in [`crate::records`]. Every method is one request
//! (except [`NodeClient::wait_committed`] and [`NodeClient::submit_with_retry`], which poll or
//! retry within a stated bound) and returns either the documented response as a Rust type or a
//! [`ClientError`] that says which request failed and why:
//!
//! - [`ClientError::Api`]: the node answered 4xx/5xx with its `{"error", "message"}` body —
//!   the node understood the request and refused it (unknown tx, bad query, full mempool).
//! - [`ClientError::Transport`]: the node could not be reached or the connection failed.
//! - [`ClientError::Protocol`]: the node answered 2xx with something the API does not
//!   document (wrong JSON, oversized body, a block whose hash does not match its header).
//!
//! Every response body is read with a size limit, and the agent has a global timeout, so a
//! misbehaving node can neither exhaust memory nor hang the caller. The gateway speaks plain
//! HTTP (no TLS); so does this client, on purpose: it is built from `ureq` without TLS so an
//! auditor's build stays small. Nothing a node says is trusted for what matters — proofs and
//! checkpoints are verified with `gongxin_core::audit` against the genesis file.

use std::fmt;
use std::time::{Duration, Instant};

use gongxin_core::Hash;
use gongxin_core::audit::{ConsistencyProof, InclusionProof};
use gongxin_core::block::{BlockHeader, CommitCertificate};
use gongxin_core::checkpoint::{CHECKPOINT_NOTE_BYTES_MAX, SignedCheckpoint};
use gongxin_core::encoding::{DecodeError, ENTRY_BYTES_MAX};
use gongxin_core::entry::{Entry, Outcome};
use gongxin_core::handover::HandOver;
use gongxin_core::tx::SignedTx;
use serde::de::DeserializeOwned;

use crate::records::{PathAndQuery, Reader};
use serde::{Deserialize, Serialize};

/// Where the CLI looks for a node when neither `--node` nor `GONGXIN_NODE` says.
pub const DEFAULT_NODE_URL: &str = "http://127.0.0.1:7100";
/// Default for how long one HTTP request (connect, send, receive) may take.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How often [`NodeClient::wait_committed`] asks by default: about one block interval.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_millis(200);

/// Largest JSON answer accepted from ordinary endpoints (status, tx, proofs, submit): an
/// inclusion proof is one entry (at most `ENTRY_BYTES_MAX`, hex-doubled) plus 64 hashes.
const JSON_RESPONSE_BYTES_MAX: u64 = 4 * 1024 * 1024;
/// Largest `/v1/blocks/{h}` answer: a header, the certificate and one hash per transaction.
const BLOCK_RESPONSE_BYTES_MAX: u64 = 32 * 1024 * 1024;
/// Largest `/v1/entries` answer: the node returns at most 1 000 entries per call (its
/// `entries_per_request_max`), each at most `ENTRY_BYTES_MAX` bytes as hex.
const ENTRIES_RESPONSE_BYTES_MAX: u64 = 1_000 * (2 * ENTRY_BYTES_MAX as u64 + 256);
/// How much of a non-JSON error body is quoted back in an error message.
const ERROR_TEXT_CHARS_MAX: usize = 200;
/// [`NodeClient::submit_with_retry`] never sleeps longer than this on one `Retry-After`.
const RETRY_AFTER_MAX: Duration = Duration::from_secs(30);

/// Why a request to the node failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The URL given for the node is not one this client can use.
    #[error("node URL {url:?} is not usable: {reason}")]
    BadUrl { url: String, reason: &'static str },
    /// The node refused the request: a 4xx/5xx status with the gateway's error body.
    #[error("{method} {url}: the node answered {status} {code}: {message}")]
    Api {
        method: &'static str,
        url: String,
        status: u16,
        /// The gateway's stable error code (`unknown_tx`, `mempool_full`, ...), or
        /// `http_<status>` when the body was not the gateway's JSON error.
        code: String,
        message: String,
        /// Seconds from a `Retry-After` header (503 `mempool_full`).
        retry_after_s: Option<u64>,
    },
    /// The node could not be reached, or the connection failed mid-request.
    #[error("{method} {url}: cannot talk to the node (is it running, and is the address right?)")]
    Transport {
        method: &'static str,
        url: String,
        #[source]
        source: ureq::Error,
    },
    /// The node answered 2xx with something the gateway API does not document.
    #[error("{method} {url}: the node's answer is not what the gongxin API documents: {reason}")]
    Protocol {
        method: &'static str,
        url: String,
        reason: String,
    },
    /// An argument cannot be sent as asked (an id outside `[A-Za-z0-9._-]`, a zero page
    /// size); nothing was sent.
    #[error("{0}")]
    InvalidInput(String),
    /// Paging through a list did not advance: the node returned the cursor it was given.
    #[error("the node answered cursor {cursor:?} again: its paging does not advance")]
    StuckPaging { cursor: String },
    /// [`NodeClient::wait_committed`] ran out of time.
    #[error(
        "transaction {tx_hash} was not committed within {waited_ms} ms; last seen: {last_seen} (`gongxin tx {tx_hash}` asks again)"
    )]
    WaitTimeout {
        tx_hash: Hash,
        waited_ms: u64,
        last_seen: String,
    },
}

impl ClientError {
    /// The gateway's error code, for API errors.
    pub fn code(&self) -> Option<&str> {
        match self {
            ClientError::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The HTTP status, for API errors.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether trying again later may succeed without changing the request: the node was
    /// unreachable, overloaded (503) or failed internally (5xx).
    pub fn is_transient(&self) -> bool {
        match self {
            ClientError::Transport { .. } | ClientError::WaitTimeout { .. } => true,
            ClientError::Api { status, .. } => *status >= 500,
            ClientError::BadUrl { .. }
            | ClientError::Protocol { .. }
            | ClientError::InvalidInput(_)
            | ClientError::StuckPaging { .. } => false,
        }
    }
}

/// `GET /v1/status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeStatus {
    pub chain_id: String,
    /// The node's (validator) name.
    pub node: String,
    pub genesis_hash: Hash,
    pub height: u64,
    pub log_size: u64,
    pub log_root: Hash,
    pub last_block_hash: Hash,
    pub last_block_time_ms: u64,
    pub state_hash: Hash,
    pub mempool_txs: u64,
    pub mempool_bytes: u64,
    pub uptime_s: u64,
    /// Set while the node, rebuilt by `gongxin-node resync`, follows consensus without
    /// signing until its chain has committed this height.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_paused_through: Option<u64>,
}

/// `GET /v1/checkpoint`: the note exactly as served, and its parsed form. The signatures are
/// not checked here: that takes the genesis (`SignedCheckpoint::verify`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedCheckpoint {
    pub note: String,
    pub checkpoint: SignedCheckpoint,
}

/// `POST /v1/txs` → 202.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submitted {
    pub tx_hash: Hash,
    /// Always `pending` from the current gateway.
    pub status: String,
    /// The node already held this exact transaction in its mempool.
    #[serde(default)]
    pub resubmitted: bool,
}

/// `GET /v1/txs/{hash}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum TxStatus {
    /// Admitted to the node's mempool, not yet in a block.
    Pending {
        tx_hash: Hash,
    },
    Committed(CommittedTx),
}

/// Where a committed transaction is and what the rules did with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommittedTx {
    pub tx_hash: Hash,
    pub height: u64,
    /// Position inside the block.
    pub position: u32,
    /// Index of its entry in the ledger log.
    pub log_index: u64,
    pub outcome: TxOutcome,
}

/// What the rules did with a committed transaction, as `GET /v1/txs/{hash}` tells it: the
/// rejection's code and reason only to a signed reader allowed to see the entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum TxOutcome {
    Applied,
    Rejected {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
}

impl From<Outcome> for TxOutcome {
    fn from(outcome: Outcome) -> TxOutcome {
        match outcome {
            Outcome::Applied => TxOutcome::Applied,
            Outcome::Rejected { code, reason } => TxOutcome::Rejected {
                code: Some(code),
                reason: Some(reason),
            },
        }
    }
}

/// One item of `GET /v1/entries`: the whole entry when the reader may see it, else its RFC
/// 9162 leaf hash only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    pub leaf_index: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx_hash: Option<Hash>,
    /// The entry's canonical bytes (hex on the wire).
    #[serde(
        default,
        with = "hex_bytes_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub entry: Option<Vec<u8>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leaf_hash: Option<Hash>,
}

impl LogEntry {
    /// Decodes the entry bytes (size-limited, as any untrusted bytes); `None` when the node
    /// served the leaf hash only.
    pub fn decode(&self) -> Option<Result<Entry, DecodeError>> {
        self.entry.as_deref().map(Entry::from_bytes)
    }
}

/// Optional hex bytes.
mod hex_bytes_opt {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match bytes {
            Some(bytes) => s.serialize_str(&hex::encode(bytes)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|text| hex::decode(text).map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[derive(Deserialize)]
struct EntriesReply {
    entries: Vec<LogEntry>,
}

/// `GET /v1/blocks/{height}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockInfo {
    /// The header's hash; checked against `header` when fetched.
    pub hash: Hash,
    pub header: BlockHeader,
    /// Hashes of the block's transactions, in block order.
    pub txs: Vec<Hash>,
    pub certificate: Option<CommitCertificate>,
}

/// The gateway's error body.
#[derive(Deserialize)]
struct ErrorBody {
    error: String,
    message: String,
}

/// A blocking client of one node's gateway.
#[derive(Clone)]
pub struct NodeClient {
    /// `http://host:port`, without a trailing slash.
    base: String,
    agent: ureq::Agent,
}

impl fmt::Debug for NodeClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NodeClient")
            .field("base", &self.base)
            .finish()
    }
}

impl NodeClient {
    /// A client for the gateway at `base_url` (`http://host:port`) with the default timeout.
    pub fn new(base_url: &str) -> Result<NodeClient, ClientError> {
        NodeClient::with_timeout(base_url, DEFAULT_REQUEST_TIMEOUT)
    }

    /// A client whose every request (connect, send, receive) finishes within `timeout`.
    pub fn with_timeout(base_url: &str, timeout: Duration) -> Result<NodeClient, ClientError> {
        let bad = |reason| ClientError::BadUrl {
            url: base_url.to_owned(),
            reason,
        };
        let base = base_url.trim_end_matches('/');
        let Some(rest) = base.strip_prefix("http://") else {
            return Err(bad(if base.starts_with("https://") {
                "the gateway speaks plain HTTP and this client has no TLS; use http://host:port"
            } else {
                "expected http://host:port"
            }));
        };
        if rest.is_empty() || rest.contains(['?', '#']) || rest.chars().any(char::is_whitespace) {
            return Err(bad("expected http://host:port"));
        }
        if timeout.is_zero() {
            return Err(bad("the request timeout must be positive"));
        }
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            // 4xx/5xx carry the gateway's JSON error, which we map ourselves.
            .http_status_as_error(false)
            // The gateway never redirects; following one could only lead somewhere else.
            .max_redirects(0)
            .user_agent(concat!("gongxin-client/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Ok(NodeClient {
            base: base.to_owned(),
            agent,
        })
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// `GET /v1/status`.
    pub fn status(&self) -> Result<NodeStatus, ClientError> {
        self.get_json("/v1/status", JSON_RESPONSE_BYTES_MAX)
    }

    /// `GET /v1/checkpoint` as the raw note text (at most `CHECKPOINT_NOTE_BYTES_MAX`).
    /// Auditors that must tell a malformed note from a network failure parse it themselves.
    pub fn checkpoint_note(&self) -> Result<String, ClientError> {
        let url = self.url("/v1/checkpoint");
        let bytes = self.call("GET", &url, None, CHECKPOINT_NOTE_BYTES_MAX as u64)?;
        String::from_utf8(bytes).map_err(|_| protocol("GET", &url, "checkpoint is not UTF-8"))
    }

    /// `GET /v1/checkpoint`, parsed (signatures not yet verified).
    pub fn checkpoint(&self) -> Result<FetchedCheckpoint, ClientError> {
        let note = self.checkpoint_note()?;
        let checkpoint = SignedCheckpoint::parse(&note).map_err(|e| {
            protocol(
                "GET",
                &self.url("/v1/checkpoint"),
                format!("not a signed checkpoint note: {e}"),
            )
        })?;
        Ok(FetchedCheckpoint { note, checkpoint })
    }

    /// `GET /public/v1/checkpoint`, the raw note.
    pub fn public_checkpoint_note(&self) -> Result<String, ClientError> {
        let url = self.url("/public/v1/checkpoint");
        let bytes = self.call("GET", &url, None, CHECKPOINT_NOTE_BYTES_MAX as u64)?;
        String::from_utf8(bytes).map_err(|_| protocol("GET", &url, "checkpoint is not UTF-8"))
    }

    /// `GET /public/v1/proofs/inclusion?leaf_index=..&tree_size=..`.
    pub fn public_inclusion_proof(
        &self,
        leaf_index: u64,
        tree_size: u64,
    ) -> Result<gongxin_core::public_log::PublicInclusionProof, ClientError> {
        self.get_json(
            &format!("/public/v1/proofs/inclusion?leaf_index={leaf_index}&tree_size={tree_size}"),
            JSON_RESPONSE_BYTES_MAX,
        )
    }

    /// The validator-set hand-overs from `GET /v1/validator-sets`, oldest first (none while
    /// the genesis set is in force). Not verified here: `gongxin_core::handover::follow` does
    /// that against the genesis set.
    pub fn handovers(&self) -> Result<Vec<HandOver>, ClientError> {
        #[derive(serde::Deserialize)]
        struct Sets {
            validator_sets: Vec<Set>,
        }
        #[derive(serde::Deserialize)]
        struct Set {
            handover: Option<HandOver>,
        }
        let sets: Sets = self.get_json("/v1/validator-sets", JSON_RESPONSE_BYTES_MAX)?;
        Ok(sets
            .validator_sets
            .into_iter()
            .filter_map(|set| set.handover)
            .collect())
    }

    /// `GET /v1/proofs/inclusion?tx=..[&tree_size=..]`; without a size, the node uses its
    /// latest checkpoint's.
    /// A signed read: the proof carries the entry.
    pub fn inclusion_proof(
        &self,
        reader: &Reader<'_>,
        tx: &Hash,
        tree_size: Option<u64>,
    ) -> Result<InclusionProof, ClientError> {
        let target = PathAndQuery::new("/v1/proofs/inclusion")
            .query("tx", Some(&tx.to_string()))
            .query("tree_size", tree_size.map(|s| s.to_string()).as_deref());
        let path = target.as_str().to_owned();
        let proof: InclusionProof =
            self.get_signed_limited(reader, &target, JSON_RESPONSE_BYTES_MAX)?;
        if tree_size.is_some_and(|size| size != proof.tree_size) {
            return Err(protocol(
                "GET",
                &self.url(&path),
                format!("asked for tree size {tree_size:?}, got {}", proof.tree_size),
            ));
        }
        Ok(proof)
    }

    /// `GET /v1/proofs/consistency?first=..&second=..`.
    pub fn consistency_proof(
        &self,
        first: u64,
        second: u64,
    ) -> Result<ConsistencyProof, ClientError> {
        let path = format!("/v1/proofs/consistency?first={first}&second={second}");
        self.get_json(&path, JSON_RESPONSE_BYTES_MAX)
    }

    /// `GET /v1/entries?start=..&end=..` (inclusive), a signed read; the node may return fewer
    /// than asked, and the leaf hash only of entries the reader may not see.
    pub fn entries(
        &self,
        reader: &Reader<'_>,
        start: u64,
        end: u64,
    ) -> Result<Vec<LogEntry>, ClientError> {
        let target = PathAndQuery::new("/v1/entries")
            .query("start", Some(&start.to_string()))
            .query("end", Some(&end.to_string()));
        let path = target.as_str().to_owned();
        let reply: EntriesReply =
            self.get_signed_limited(reader, &target, ENTRIES_RESPONSE_BYTES_MAX)?;
        for (expected, entry) in (start..).zip(&reply.entries) {
            if entry.leaf_index != expected || entry.leaf_index > end {
                return Err(protocol(
                    "GET",
                    &self.url(&path),
                    format!(
                        "entry {} where entry {expected} was due (entries come in order from start)",
                        entry.leaf_index
                    ),
                ));
            }
        }
        Ok(reply.entries)
    }

    /// `POST /v1/txs` with the transaction as JSON. One attempt; see
    /// [`NodeClient::submit_with_retry`] for a full mempool.
    pub fn submit(&self, tx: &SignedTx) -> Result<Submitted, ClientError> {
        let url = self.url("/v1/txs");
        let body = serde_json::to_vec(tx).expect("a transaction always serializes");
        let bytes = self.call("POST", &url, Some(&body), JSON_RESPONSE_BYTES_MAX)?;
        let submitted: Submitted = decode_json("POST", &url, &bytes)?;
        let expected = tx.hash();
        if submitted.tx_hash != expected {
            return Err(protocol(
                "POST",
                &url,
                format!(
                    "the node acknowledged transaction {} but {expected} was sent",
                    submitted.tx_hash
                ),
            ));
        }
        Ok(submitted)
    }

    /// [`NodeClient::submit`], retried up to `retries_max` times while the node answers 503
    /// (mempool full), sleeping what its `Retry-After` asks (at most 30 s, 1 s when absent).
    /// Resending is safe: the node de-duplicates by transaction hash.
    pub fn submit_with_retry(
        &self,
        tx: &SignedTx,
        retries_max: u32,
    ) -> Result<Submitted, ClientError> {
        let mut retries = 0;
        loop {
            match self.submit(tx) {
                Err(ClientError::Api {
                    status: 503,
                    retry_after_s,
                    ..
                }) if retries < retries_max => {
                    retries += 1;
                    let wait = Duration::from_secs(retry_after_s.unwrap_or(1)).min(RETRY_AFTER_MAX);
                    std::thread::sleep(wait);
                }
                result => return result,
            }
        }
    }

    /// `GET /v1/txs/{hash}`. An unknown transaction is `ClientError::Api` with code
    /// `unknown_tx` (404).
    pub fn tx_status(&self, tx: &Hash) -> Result<TxStatus, ClientError> {
        self.tx_status_as(None, tx)
    }

    /// [`NodeClient::tx_status`], signed by `reader` when given, so a rejection comes with its
    /// code and reason if the reader may see the entry.
    pub fn tx_status_as(
        &self,
        reader: Option<&Reader<'_>>,
        tx: &Hash,
    ) -> Result<TxStatus, ClientError> {
        let path = format!("/v1/txs/{tx}");
        let status: TxStatus = match reader {
            Some(reader) => self.get_signed_limited(
                reader,
                &PathAndQuery::new("/v1/txs").id("transaction", &tx.to_string())?,
                JSON_RESPONSE_BYTES_MAX,
            )?,
            None => self.get_json(&path, JSON_RESPONSE_BYTES_MAX)?,
        };
        let answered = match &status {
            TxStatus::Pending { tx_hash } => tx_hash,
            TxStatus::Committed(c) => &c.tx_hash,
        };
        if answered != tx {
            return Err(protocol(
                "GET",
                &self.url(&path),
                format!("asked about {tx}, the answer is about {answered}"),
            ));
        }
        Ok(status)
    }

    /// Polls [`NodeClient::tx_status`] every `poll` until the transaction is committed or
    /// `timeout` has passed.
    ///
    /// While waiting, "unknown" and an unreachable node are not failures: the gateway briefly
    /// does not know a transaction that a block is executing (it has left the mempool and is
    /// not yet committed), and a node may restart. Each poll is one request, so the call
    /// returns at most one request timeout after `timeout`.
    pub fn wait_committed(
        &self,
        reader: Option<&Reader<'_>>,
        tx: &Hash,
        timeout: Duration,
        poll: Duration,
    ) -> Result<CommittedTx, ClientError> {
        let started = Instant::now();
        let deadline = started + timeout;
        let poll = poll.max(Duration::from_millis(10));
        loop {
            let last_seen = match self.tx_status_as(reader, tx) {
                Ok(TxStatus::Committed(committed)) => return Ok(committed),
                Ok(TxStatus::Pending { .. }) => "pending in the node's mempool".to_owned(),
                Err(ClientError::Api { code, .. }) if code == "unknown_tx" => {
                    "unknown to the node (dropped from its mempool, e.g. expired?)".to_owned()
                }
                Err(e @ ClientError::Transport { .. }) => format!("{e}"),
                Err(e) => return Err(e),
            };
            let now = Instant::now();
            if now >= deadline {
                return Err(ClientError::WaitTimeout {
                    tx_hash: *tx,
                    waited_ms: started.elapsed().as_millis() as u64,
                    last_seen,
                });
            }
            std::thread::sleep(poll.min(deadline - now));
        }
    }

    /// `GET /v1/blocks/{height}`; checks that the hash the node states is its header's.
    pub fn block(&self, height: u64) -> Result<BlockInfo, ClientError> {
        let path = format!("/v1/blocks/{height}");
        let block: BlockInfo = self.get_json(&path, BLOCK_RESPONSE_BYTES_MAX)?;
        if block.header.hash() != block.hash || block.header.height != height {
            return Err(protocol(
                "GET",
                &self.url(&path),
                format!(
                    "block {} with hash {} does not match its header (height {}, hash {})",
                    height,
                    block.hash,
                    block.header.height,
                    block.header.hash()
                ),
            ));
        }
        Ok(block)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub(crate) fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        limit: u64,
    ) -> Result<T, ClientError> {
        self.get_json_with_headers(path, &[], limit)
    }

    /// `GET` of `path` (path and query, sent exactly as given) with extra request headers.
    pub(crate) fn get_json_with_headers<T: DeserializeOwned>(
        &self,
        path: &str,
        headers: &[(&str, String)],
        limit: u64,
    ) -> Result<T, ClientError> {
        let url = self.url(path);
        let bytes = self.call_with_headers("GET", &url, None, headers, limit)?;
        decode_json("GET", &url, &bytes)
    }

    /// A signed `GET` of a file (an export): its bytes, at most `limit`.
    pub(crate) fn get_bytes_with_headers(
        &self,
        path: &str,
        headers: &[(&str, String)],
        limit: u64,
    ) -> Result<Vec<u8>, ClientError> {
        let url = self.url(path);
        self.call_with_headers("GET", &url, None, headers, limit)
    }

    /// One request; a 2xx body (at most `limit` bytes) or the error it amounts to.
    fn call(
        &self,
        method: &'static str,
        url: &str,
        json_body: Option<&[u8]>,
        limit: u64,
    ) -> Result<Vec<u8>, ClientError> {
        self.call_with_headers(method, url, json_body, &[], limit)
    }

    fn call_with_headers(
        &self,
        method: &'static str,
        url: &str,
        json_body: Option<&[u8]>,
        headers: &[(&str, String)],
        limit: u64,
    ) -> Result<Vec<u8>, ClientError> {
        let transport = |source| ClientError::Transport {
            method,
            url: url.to_owned(),
            source,
        };
        let result = match json_body {
            None => {
                let mut request = self.agent.get(url);
                for (name, value) in headers {
                    request = request.header(*name, value);
                }
                request.call()
            }
            Some(body) => {
                let mut request = self.agent.post(url).content_type("application/json");
                for (name, value) in headers {
                    request = request.header(*name, value);
                }
                request.send(body)
            }
        };
        let mut response = result.map_err(transport)?;
        let status = response.status().as_u16();
        let retry_after_s = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let body = response
            .body_mut()
            .with_config()
            .limit(limit)
            .read_to_vec()
            .map_err(|e| match e {
                ureq::Error::BodyExceedsLimit(_) => protocol(
                    method,
                    url,
                    format!("the answer is larger than {limit} bytes"),
                ),
                other => transport(other),
            })?;
        if status >= 400 {
            let (code, message) = match serde_json::from_slice::<ErrorBody>(&body) {
                Ok(e) => (e.error, e.message),
                Err(_) => (format!("http_{status}"), quote(&body)),
            };
            return Err(ClientError::Api {
                method,
                url: url.to_owned(),
                status,
                code,
                message,
                retry_after_s,
            });
        }
        if !(200..300).contains(&status) {
            return Err(protocol(
                method,
                url,
                format!("unexpected HTTP status {status}"),
            ));
        }
        Ok(body)
    }
}

fn protocol(method: &'static str, url: &str, reason: impl Into<String>) -> ClientError {
    ClientError::Protocol {
        method,
        url: url.to_owned(),
        reason: reason.into(),
    }
}

fn decode_json<T: DeserializeOwned>(
    method: &'static str,
    url: &str,
    bytes: &[u8],
) -> Result<T, ClientError> {
    serde_json::from_slice(bytes).map_err(|e| protocol(method, url, e.to_string()))
}

/// The start of a non-JSON error body, for the error message.
fn quote(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return "(empty body)".to_owned();
    }
    let mut quoted: String = text.chars().take(ERROR_TEXT_CHARS_MAX).collect();
    if quoted.len() < text.len() {
        quoted.push('…');
    }
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_up_front() {
        assert_eq!(
            NodeClient::new("http://127.0.0.1:7100/")
                .unwrap()
                .base_url(),
            "http://127.0.0.1:7100"
        );
        for bad in ["127.0.0.1:7100", "https://node", "http://", "http://a b"] {
            let error = NodeClient::new(bad).unwrap_err();
            assert!(matches!(error, ClientError::BadUrl { .. }), "{bad}");
        }
        assert!(
            NodeClient::new("https://node")
                .unwrap_err()
                .to_string()
                .contains("plain HTTP")
        );
    }

    #[test]
    fn tx_status_wire_forms_match_the_gateway() {
        let hash = Hash::digest(b"tx");
        let pending: TxStatus =
            serde_json::from_value(serde_json::json!({"tx_hash": hash, "status": "pending"}))
                .unwrap();
        assert_eq!(pending, TxStatus::Pending { tx_hash: hash });
        let committed: TxStatus = serde_json::from_value(serde_json::json!({
            "tx_hash": hash, "status": "committed", "height": 3, "position": 1, "log_index": 7,
            "outcome": {"status": "rejected", "code": "exists", "reason": "project exists"},
        }))
        .unwrap();
        assert_eq!(
            committed,
            TxStatus::Committed(CommittedTx {
                tx_hash: hash,
                height: 3,
                position: 1,
                log_index: 7,
                outcome: TxOutcome::Rejected {
                    code: Some("exists".into()),
                    reason: Some("project exists".into())
                },
            })
        );
    }

    #[test]
    fn error_bodies_are_quoted_briefly() {
        assert_eq!(quote(b"  "), "(empty body)");
        let long = "x".repeat(500);
        let quoted = quote(long.as_bytes());
        assert_eq!(quoted.chars().count(), ERROR_TEXT_CHARS_MAX + 1);
        assert!(quoted.ends_with('…'));
    }
}
