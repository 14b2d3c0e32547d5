//! Authentication of signed reads (`gongxin_core::request_auth`, version 2): the signature,
//! the node it is meant for, the clock window, the nonce seen only once, and a current member
//! behind the key. What the member may then read is `gongxin_contracts::access`'s table,
//! applied by the handlers through [`Reader`].

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Mutex;

use gongxin_contracts::access::{ReaderRole, RecordClass, Scope, Subject};
use gongxin_contracts::keys;
use gongxin_contracts::records::{DepartmentRecord, MemberRecord};
use gongxin_core::crypto::{KeyCache, PublicKey, Signature};
use gongxin_core::request_auth::{
    KEY_HEADER, NODE_HEADER, NONCE_HEADER, ReadRequest, SIGNATURE_HEADER, TIMESTAMP_HEADER,
    nonce_is_well_formed, read_signing_message, split_query_auth,
};
use warp::http::{HeaderMap, StatusCode};

use super::error::ApiError;
use crate::node::Node;

/// The authenticated member behind a request.
#[derive(Debug, Clone)]
pub struct Reader {
    pub member: MemberRecord,
    pub role: ReaderRole,
}

impl Reader {
    pub fn department(&self) -> &str {
        &self.member.member.department
    }

    /// Audit / discipline inspection sees every record.
    pub fn reads_everything(&self) -> bool {
        self.role.reads_everything()
    }

    /// Whether this reader sees every record of `class` (and so may learn which are absent).
    pub fn reads_all(&self, class: RecordClass) -> bool {
        self.role.scope(class) == Scope::All
    }

    pub fn may_read(&self, subject: &Subject) -> bool {
        self.role.may_read(subject)
    }
}

/// The keys signed reads arrive under, worked out once each: a member signs many reads with
/// one key, and turning the key header into a checked key (two curve-point decompressions and
/// a compression) and then checking the signature (one more) cost about a quarter of a signed
/// proof's time. The verdicts are exactly the uncached ones.
#[derive(Debug, Default)]
pub struct ReadKeys {
    /// Key header texts that parsed and checked, and their keys (a text that does not is
    /// parsed again each time: nothing an unauthenticated sender makes up is kept).
    parsed: Mutex<HashMap<String, PublicKey>>,
    /// Each key's decoded curve point, for the signature check.
    decoded: KeyCache,
}

/// Key header texts remembered at most; past this the memory starts again empty.
const PARSED_KEYS_MAX: usize = 4_096;
/// The longest key header a real key has (`sm2:` and 65 bytes of hex, uncompressed); a
/// longer one is refused by the parse and never looked up.
const KEY_TEXT_MAX: usize = 4 + 2 * 65;

impl ReadKeys {
    fn parse(&self, text: &str) -> Result<PublicKey, String> {
        if text.len() <= KEY_TEXT_MAX
            && let Some(key) = self.lock().get(text)
        {
            return Ok(*key);
        }
        // Outside the lock: a flood of keys that do not parse holds up no one else's read.
        let key = text.parse::<PublicKey>().map_err(|e| e.to_string())?;
        if text.len() <= KEY_TEXT_MAX {
            let mut parsed = self.lock();
            if parsed.len() >= PARSED_KEYS_MAX {
                parsed.clear();
            }
            parsed.insert(text.to_owned(), key);
        }
        Ok(key)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, PublicKey>> {
        // A panic while holding it leaves correctly parsed keys: still usable.
        self.parsed
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn verify(&self, key: &PublicKey, signature: &Signature, request: &ReadRequest<'_>) -> bool {
        self.decoded
            .verify(key, &read_signing_message(request), signature)
            .is_ok()
    }
}

fn unauthorized(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, code, message)
}

pub fn forbidden(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
}

/// The one answer for "absent" and "not yours", so a reader learns neither whether a record
/// exists nor who owns it.
pub fn not_readable(what: &str, reader: &Reader) -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "not_readable",
        format!(
            "{what} does not exist or {} may not read it",
            reader.department()
        ),
    )
}

/// (key, nonce) pairs of accepted signed reads whose window is still open, so each signed read
/// is accepted once. Bounded: when full of live entries, new reads are refused (503) rather than
/// remembered partially.
#[derive(Debug)]
pub struct ReplayCache {
    capacity: usize,
    seen: HashSet<(String, String)>,
    by_expiry: BTreeSet<(u64, String, String)>,
}

/// Why a nonce was not accepted.
#[derive(Debug, PartialEq, Eq)]
pub enum ReplayError {
    Replayed,
    Full,
}

impl ReplayCache {
    pub fn new(capacity: usize) -> ReplayCache {
        ReplayCache {
            capacity,
            seen: HashSet::new(),
            by_expiry: BTreeSet::new(),
        }
    }

    /// Remembers (key, nonce) until `expires_ms`, forgetting what expired before `now_ms`.
    pub fn accept(
        &mut self,
        key: &str,
        nonce: &str,
        expires_ms: u64,
        now_ms: u64,
    ) -> Result<(), ReplayError> {
        while let Some(first) = self.by_expiry.first() {
            if first.0 >= now_ms {
                break;
            }
            if let Some((_, k, n)) = self.by_expiry.pop_first() {
                self.seen.remove(&(k, n));
            }
        }
        let id = (key.to_owned(), nonce.to_owned());
        if self.seen.contains(&id) {
            return Err(ReplayError::Replayed);
        }
        if self.seen.len() >= self.capacity {
            return Err(ReplayError::Full);
        }
        self.by_expiry
            .insert((expires_ms, id.0.clone(), id.1.clone()));
        self.seen.insert(id);
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.seen.len()
    }

    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

/// What a signed request is, as received.
#[derive(Debug, Clone)]
pub struct SignedRequest {
    pub method: String,
    pub path: String,
    /// The raw query string (without `?`), empty when there is none.
    pub query: String,
    pub headers: HeaderMap,
}

impl SignedRequest {
    /// Whether the request carries a signed read's credentials (headers or query form).
    pub fn has_credentials(&self) -> bool {
        self.headers.contains_key(KEY_HEADER) || split_query_auth(&self.path, &self.query).is_some()
    }
}

/// The five values of a signed read and the path-and-query they signed.
struct Credentials {
    key: String,
    node: String,
    timestamp: String,
    nonce: String,
    signature: String,
    signed_path_and_query: String,
}

fn header(headers: &HeaderMap, name: &str) -> Result<Option<String>, ApiError> {
    headers
        .get(name)
        .map(|v| {
            v.to_str()
                .map(str::to_owned)
                .map_err(|_| unauthorized("bad_auth_header", format!("{name} is not text")))
        })
        .transpose()
}

fn credentials(request: &SignedRequest) -> Result<Credentials, ApiError> {
    if let Some(key) = header(&request.headers, KEY_HEADER)? {
        let missing = |name: &str| {
            unauthorized(
                "unauthenticated",
                format!("a signed read needs every gongxin-* header: missing {name}"),
            )
        };
        let get = |name: &'static str| header(&request.headers, name)?.ok_or_else(|| missing(name));
        let signed_path_and_query = if request.query.is_empty() {
            request.path.clone()
        } else {
            format!("{}?{}", request.path, request.query)
        };
        return Ok(Credentials {
            key,
            node: get(NODE_HEADER)?,
            timestamp: get(TIMESTAMP_HEADER)?,
            nonce: get(NONCE_HEADER)?,
            signature: get(SIGNATURE_HEADER)?,
            signed_path_and_query,
        });
    }
    if let Some(auth) = split_query_auth(&request.path, &request.query) {
        let [key, node, timestamp, nonce, signature] = auth.values;
        return Ok(Credentials {
            key,
            node,
            timestamp,
            nonce,
            signature,
            signed_path_and_query: auth.signed_path_and_query,
        });
    }
    Err(unauthorized(
        "unauthenticated",
        format!(
            "this is a signed read: send the gongxin-key, -node, -timestamp, -nonce and -signature headers (missing {KEY_HEADER})"
        ),
    ))
}

/// Who a signed request claims to be and what it asks for (`METHOD path?query`, the signature
/// parameters left out): what the operation log records of it.
#[derive(Debug, Clone)]
pub struct Claim {
    pub key: String,
    pub target: String,
}

/// A signed read's authentication: its claim (`None` when it carries no complete credentials)
/// and the reader it proved to be, or why not.
#[derive(Debug)]
pub struct Attempt {
    pub claim: Option<Claim>,
    pub reader: Result<Reader, ApiError>,
}

/// Parses the request's credentials once, then checks them ([`check`]).
pub fn authenticate(
    node: &Node,
    replay: &Mutex<ReplayCache>,
    keys: &ReadKeys,
    request: &SignedRequest,
) -> Attempt {
    match credentials(request) {
        Ok(c) => Attempt {
            claim: Some(Claim {
                key: c.key.clone(),
                target: format!("{} {}", request.method, c.signed_path_and_query),
            }),
            reader: check(node, replay, keys, request, c),
        },
        Err(e) => Attempt {
            claim: None,
            reader: Err(e),
        },
    }
}

/// Checks the request's signature, node, time window, nonce and that the key belongs to a
/// current member.
fn check(
    node: &Node,
    replay: &Mutex<ReplayCache>,
    keys: &ReadKeys,
    request: &SignedRequest,
    c: Credentials,
) -> Result<Reader, ApiError> {
    let key = keys
        .parse(&c.key)
        .map_err(|e| unauthorized("bad_auth_header", format!("{KEY_HEADER}: {e}")))?;
    let timestamp_ms: u64 = c.timestamp.parse().map_err(|_| {
        unauthorized(
            "bad_auth_header",
            format!("{TIMESTAMP_HEADER} must be milliseconds since the epoch"),
        )
    })?;
    let signature: Signature = c
        .signature
        .parse()
        .map_err(|e| unauthorized("bad_auth_header", format!("{SIGNATURE_HEADER}: {e}")))?;
    if !nonce_is_well_formed(&c.nonce) {
        return Err(unauthorized(
            "bad_auth_header",
            format!("{NONCE_HEADER} must be 16 to 64 characters of [0-9a-zA-Z_-]"),
        ));
    }
    if c.node != node.name {
        return Err(unauthorized(
            "wrong_node",
            format!(
                "the request is signed for node {:?}; this is node {:?}",
                c.node, node.name
            ),
        ));
    }
    let now = node.clock.now_ms();
    let skew = node.limits.auth_clock_skew_ms;
    if timestamp_ms.abs_diff(now) > skew {
        return Err(unauthorized(
            "stale_request",
            format!(
                "request time {timestamp_ms} is more than {skew} ms from the node's clock {now}"
            ),
        ));
    }
    let signed = ReadRequest {
        chain_id: node.chain_id(),
        node: &c.node,
        method: &request.method,
        path_and_query: &c.signed_path_and_query,
        timestamp_ms,
        nonce: &c.nonce,
    };
    // The member lookup (one read) before the signature check (the expensive step), so a
    // flood of requests under unknown keys costs no verification.
    let reader = member_reader(node, &key)?;
    if !keys.verify(&key, &signature, &signed) {
        return Err(unauthorized(
            "bad_signature",
            "the request signature does not verify",
        ));
    }
    // Remembered only once the signature verified, so nobody can fill the cache with others'
    // keys; kept until the timestamp leaves the window.
    let accepted = replay
        .lock()
        .map_err(|_| ApiError::internal("replay cache unavailable"))?
        .accept(&c.key, &c.nonce, timestamp_ms.saturating_add(skew), now);
    match accepted {
        Ok(()) => Ok(reader),
        Err(ReplayError::Replayed) => Err(unauthorized(
            "replayed_request",
            "this signed request was already used; sign each request with a fresh nonce",
        )),
        Err(ReplayError::Full) => Err(ApiError {
            retry_after_s: Some(1),
            ..ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "too many signed reads in the replay window; retry shortly",
            )
        }),
    }
}

/// The current member behind `key`, with their department's kind and role.
fn member_reader(node: &Node, key: &PublicKey) -> Result<Reader, ApiError> {
    let state = node.reader().state();
    let member: MemberRecord = gongxin_contracts::store::get(&state, &keys::member(key))
        .map_err(|e| ApiError::internal(format!("member registry: {e}")))?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::FORBIDDEN,
                "not_a_member",
                format!("{key} is not a current member"),
            )
        })?;
    let department: DepartmentRecord =
        gongxin_contracts::store::get(&state, &keys::department(&member.member.department))
            .map_err(|e| ApiError::internal(format!("department registry: {e}")))?
            .ok_or_else(|| {
                ApiError::internal(format!(
                    "member's department {} is missing",
                    member.member.department
                ))
            })?;
    let role = ReaderRole {
        department: member.member.department.clone(),
        kind: department.department.kind,
        role: member.member.role,
    };
    Ok(Reader { member, role })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nonce_is_accepted_once_per_key_until_it_expires() {
        let mut cache = ReplayCache::new(3);
        assert_eq!(cache.accept("k", "n1", 100, 0), Ok(()));
        assert_eq!(cache.accept("k", "n1", 100, 50), Err(ReplayError::Replayed));
        assert_eq!(cache.accept("other", "n1", 100, 50), Ok(()));
        assert_eq!(cache.accept("k", "n2", 200, 50), Ok(()));
        assert_eq!(cache.accept("k", "n3", 200, 50), Err(ReplayError::Full));
        // After the window, the old entries go and make room (a replay then is stale anyway).
        assert_eq!(cache.accept("k", "n3", 300, 150), Ok(()));
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn read_keys_remember_only_keys_that_parse_and_stay_within_their_bound() {
        use gongxin_core::crypto::{Algorithm, Keypair};
        let keys = ReadKeys::default();
        let key = Keypair::from_secret_bytes(Algorithm::Ed25519, &[5; 32])
            .unwrap()
            .public_key();
        let text = key.to_string();
        assert_eq!(keys.parse(&text), Ok(key));
        assert_eq!(keys.parse(&text), Ok(key), "the remembered key is the same");
        // What does not parse gives the parser's reason and is not kept, however long.
        let junk = format!("ed25519:{}", "zz".repeat(40));
        assert_eq!(keys.parse(&junk), text_error(&junk));
        assert!(keys.parse(&"a".repeat(10_000)).is_err());
        assert_eq!(keys.lock().len(), 1);
        // Past the bound the memory starts again empty, and goes on answering.
        for seed in 0..PARSED_KEYS_MAX as u32 + 3 {
            let mut secret = [0u8; 32];
            secret[..4].copy_from_slice(&seed.to_be_bytes());
            let other = Keypair::from_secret_bytes(Algorithm::Ed25519, &secret)
                .unwrap()
                .public_key();
            assert_eq!(keys.parse(&other.to_string()), Ok(other));
        }
        assert!(keys.lock().len() <= PARSED_KEYS_MAX);
    }

    fn text_error(text: &str) -> Result<PublicKey, String> {
        text.parse::<PublicKey>().map_err(|e| e.to_string())
    }
}
