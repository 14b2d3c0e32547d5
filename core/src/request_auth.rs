//! Signed read requests: how a member proves who is asking when reading internal records
//! through a gateway. No passwords and no sessions — each request carries the member's key,
//! the node it is meant for, the time, a fresh nonce, and a signature over all of them and the
//! request itself.
//!
//! Headers:
//!
//! | header               | value                                                  |
//! |----------------------|--------------------------------------------------------|
//! | `gongxin-key`        | the member's public key, `ed25519:<hex>` / `sm2:<hex>` |
//! | `gongxin-node`       | the name of the node the request is for (`/v1/status`'s `node`) |
//! | `gongxin-timestamp`  | milliseconds since the Unix epoch                       |
//! | `gongxin-nonce`      | 16 to 64 characters `[0-9a-zA-Z_-]`, fresh per request  |
//! | `gongxin-signature`  | signature in the same text form as the key              |
//!
//! The signature covers (version 2)
//! `"gongxin/read/v2" ‖ 0x00 ‖ chain id ‖ "\n" ‖ node ‖ "\n" ‖ METHOD ‖ "\n" ‖ path-and-query ‖
//! "\n" ‖ timestamp ‖ "\n" ‖ nonce`, so it is bound to one chain, one node, one request and one
//! moment. A gateway accepts it within its clock-skew window and only once: it remembers the
//! (key, nonce) pairs it has seen until their window closes, so a captured request can be
//! replayed neither on the same node nor on another.
//!
//! A browser's `EventSource` cannot send headers, so the same five values may instead be the
//! last query parameters of the URL ([`QUERY_PARAMS`], in that order); the path-and-query that
//! is signed is then the URL without them ([`split_query_auth`]).

use crate::crypto::{CryptoError, Keypair, PublicKey, Signature};

pub const KEY_HEADER: &str = "gongxin-key";
pub const NODE_HEADER: &str = "gongxin-node";
pub const TIMESTAMP_HEADER: &str = "gongxin-timestamp";
pub const NONCE_HEADER: &str = "gongxin-nonce";
pub const SIGNATURE_HEADER: &str = "gongxin-signature";

/// The query-parameter names of the same values, for clients that cannot set headers: key,
/// node, timestamp, nonce, signature.
pub const QUERY_PARAMS: [&str; 5] = ["gx_key", "gx_node", "gx_ts", "gx_nonce", "gx_sig"];

/// The signing domain of read requests.
pub const READ_SIGNING_DOMAIN: &[u8] = b"gongxin/read/v2";

/// Bounds of a nonce's length.
pub const NONCE_CHARS_MIN: usize = 16;
pub const NONCE_CHARS_MAX: usize = 64;

/// What a read request's signature binds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadRequest<'a> {
    pub chain_id: &'a str,
    pub node: &'a str,
    pub method: &'a str,
    pub path_and_query: &'a str,
    pub timestamp_ms: u64,
    pub nonce: &'a str,
}

/// The exact bytes a read request's signature covers. The fields are separated by `"\n"`,
/// which none of them can contain where it is checked: the verifying node puts in its own
/// chain id and name (validated names), the HTTP method is a token and a request target has no
/// raw line break.
pub fn read_signing_message(request: &ReadRequest<'_>) -> Vec<u8> {
    let mut message = Vec::with_capacity(
        READ_SIGNING_DOMAIN.len()
            + request.chain_id.len()
            + request.node.len()
            + request.path_and_query.len()
            + request.nonce.len()
            + 40,
    );
    message.extend_from_slice(READ_SIGNING_DOMAIN);
    message.push(0);
    for part in [
        request.chain_id.as_bytes(),
        request.node.as_bytes(),
        request.method.to_ascii_uppercase().as_bytes(),
        request.path_and_query.as_bytes(),
        request.timestamp_ms.to_string().as_bytes(),
    ] {
        message.extend_from_slice(part);
        message.push(b'\n');
    }
    message.extend_from_slice(request.nonce.as_bytes());
    message
}

/// Whether `nonce` has the allowed length and characters.
pub fn nonce_is_well_formed(nonce: &str) -> bool {
    (NONCE_CHARS_MIN..=NONCE_CHARS_MAX).contains(&nonce.len())
        && nonce
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// A fresh random nonce (16 random bytes, hex).
pub fn new_nonce() -> Result<String, CryptoError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|_| CryptoError::Randomness)?;
    Ok(hex::encode(bytes))
}

/// The five header values for a signed read request.
pub fn sign_read_request(key: &Keypair, request: &ReadRequest<'_>) -> [(&'static str, String); 5] {
    let signature = key.sign(&read_signing_message(request));
    [
        (KEY_HEADER, key.public_key().to_string()),
        (NODE_HEADER, request.node.to_owned()),
        (TIMESTAMP_HEADER, request.timestamp_ms.to_string()),
        (NONCE_HEADER, request.nonce.to_owned()),
        (SIGNATURE_HEADER, signature.to_string()),
    ]
}

/// The request's path and query with the signature appended as query parameters
/// ([`QUERY_PARAMS`]), for clients that cannot set headers.
pub fn sign_read_request_as_query(key: &Keypair, request: &ReadRequest<'_>) -> String {
    let headers = sign_read_request(key, request);
    let mut url = request.path_and_query.to_owned();
    for (name, (_, value)) in QUERY_PARAMS.iter().zip(headers.iter()) {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(name);
        url.push('=');
        url.push_str(&encode_query_component(value));
    }
    url
}

/// The five authentication values carried in a query string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryAuth {
    /// key, node, timestamp, nonce, signature, decoded.
    pub values: [String; 5],
    /// The path and query that was signed: the URL without the authentication parameters.
    pub signed_path_and_query: String,
}

/// Splits `path` + `?query` into what was signed and the authentication parameters, when the
/// query ends with exactly [`QUERY_PARAMS`] in order; `None` otherwise.
pub fn split_query_auth(path: &str, query: &str) -> Option<QueryAuth> {
    let pairs: Vec<&str> = query.split('&').collect();
    if pairs.len() < QUERY_PARAMS.len() {
        return None;
    }
    let (kept, auth) = pairs.split_at(pairs.len() - QUERY_PARAMS.len());
    let mut values: [String; 5] = Default::default();
    for ((pair, name), value) in auth.iter().zip(QUERY_PARAMS).zip(values.iter_mut()) {
        let text = pair.strip_prefix(name)?.strip_prefix('=')?;
        *value = percent_decode(text)?;
    }
    let signed_path_and_query = if kept.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", kept.join("&"))
    };
    Some(QueryAuth {
        values,
        signed_path_and_query,
    })
}

/// `value` as one query-string component: RFC 3986 unreserved characters as they are, every
/// other byte of its UTF-8 as `%XX`. One spelling for every value, so the string a client signs
/// is the string it sends.
pub fn encode_query_component(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Checks a read request's signature (not the clock, the nonce's freshness or membership:
/// the gateway does those).
pub fn verify_read_request(
    key: &PublicKey,
    signature: &Signature,
    request: &ReadRequest<'_>,
) -> bool {
    key.verify(&read_signing_message(request), signature)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::Algorithm;

    fn request<'a>(path: &'a str) -> ReadRequest<'a> {
        ReadRequest {
            chain_id: "devnet",
            node: "finance",
            method: "get",
            path_and_query: path,
            timestamp_ms: 1_000,
            nonce: "0123456789abcdef",
        }
    }

    #[test]
    fn signature_binds_chain_node_method_path_time_and_nonce() {
        let key = Keypair::generate(Algorithm::Sm2).unwrap();
        let signed = request("/v1/projects?owner=transport");
        let headers = sign_read_request(&key, &signed);
        let signature: Signature = headers[4].1.parse().unwrap();
        let pk = key.public_key();
        assert!(verify_read_request(&pk, &signature, &signed));
        let changed = [
            ReadRequest {
                chain_id: "prod",
                ..signed
            },
            ReadRequest {
                node: "audit",
                ..signed
            },
            ReadRequest {
                method: "POST",
                ..signed
            },
            ReadRequest {
                path_and_query: "/v1/projects?owner=finance",
                ..signed
            },
            ReadRequest {
                timestamp_ms: 1_001,
                ..signed
            },
            ReadRequest {
                nonce: "0123456789abcdeF",
                ..signed
            },
        ];
        for other in changed {
            assert!(!verify_read_request(&pk, &signature, &other), "{other:?}");
        }
    }

    #[test]
    fn the_query_form_signs_the_url_without_its_auth_parameters() {
        let key = Keypair::generate(Algorithm::Ed25519).unwrap();
        let signed = request("/v1/events?kinds=alert");
        let url = sign_read_request_as_query(&key, &signed);
        let (path, query) = url.split_once('?').unwrap();
        let auth = split_query_auth(path, query).unwrap();
        assert_eq!(auth.signed_path_and_query, "/v1/events?kinds=alert");
        assert_eq!(auth.values[0], key.public_key().to_string());
        assert_eq!(auth.values[1], "finance");
        let signature: Signature = auth.values[4].parse().unwrap();
        assert!(verify_read_request(&key.public_key(), &signature, &signed));

        let bare = sign_read_request_as_query(&key, &request("/v1/events"));
        let (path, query) = bare.split_once('?').unwrap();
        assert_eq!(
            split_query_auth(path, query).unwrap().signed_path_and_query,
            "/v1/events"
        );
        // Out of order or missing parameters are not a query signature.
        assert!(
            split_query_auth(
                "/v1/events",
                "gx_node=a&gx_key=b&gx_ts=1&gx_nonce=n&gx_sig=s"
            )
            .is_none()
        );
        assert!(split_query_auth("/v1/events", "kinds=alert").is_none());
    }

    #[test]
    fn nonces_are_fresh_and_well_formed() {
        let a = new_nonce().unwrap();
        assert!(nonce_is_well_formed(&a));
        assert_ne!(a, new_nonce().unwrap());
        assert!(!nonce_is_well_formed("short"));
        assert!(!nonce_is_well_formed("0123456789abcdef\n"));
        assert!(!nonce_is_well_formed(&"a".repeat(65)));
    }
}
