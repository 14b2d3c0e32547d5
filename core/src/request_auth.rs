//! Signed read requests: how a member proves who is asking when reading internal records
//! through a gateway. No passwords and no sessions — each request carries the member's key,
//! the time, and a signature over both and the request itself.
//!
//! Headers:
//!
//! | header               | value                                   |
//! |----------------------|-----------------------------------------|
//! | `gongxin-key`        | the member's public key, `ed25519:<hex>` / `sm2:<hex>` |
//! | `gongxin-timestamp`  | milliseconds since the Unix epoch        |
//! | `gongxin-signature`  | signature in the same text form          |
//!
//! The signature covers `"gongxin/read/v1" ‖ 0x00 ‖ chain id ‖ "\n" ‖ METHOD ‖ "\n" ‖
//! path-and-query ‖ "\n" ‖ timestamp`, so it is bound to one chain, one request and one moment;
//! gateways accept it within a clock-skew window. Reads are idempotent, so replaying a captured
//! request inside the window discloses nothing its owner did not already see.

use crate::crypto::{Keypair, PublicKey, Signature};

pub const KEY_HEADER: &str = "gongxin-key";
pub const TIMESTAMP_HEADER: &str = "gongxin-timestamp";
pub const SIGNATURE_HEADER: &str = "gongxin-signature";

/// The signing domain of read requests.
pub const READ_SIGNING_DOMAIN: &[u8] = b"gongxin/read/v1";

/// The exact bytes a read request's signature covers.
pub fn read_signing_message(
    chain_id: &str,
    method: &str,
    path_and_query: &str,
    timestamp_ms: u64,
) -> Vec<u8> {
    let mut message =
        Vec::with_capacity(READ_SIGNING_DOMAIN.len() + chain_id.len() + path_and_query.len() + 40);
    message.extend_from_slice(READ_SIGNING_DOMAIN);
    message.push(0);
    message.extend_from_slice(chain_id.as_bytes());
    message.push(b'\n');
    message.extend_from_slice(method.to_ascii_uppercase().as_bytes());
    message.push(b'\n');
    message.extend_from_slice(path_and_query.as_bytes());
    message.push(b'\n');
    message.extend_from_slice(timestamp_ms.to_string().as_bytes());
    message
}

/// The three header values for a signed read request.
pub fn sign_read_request(
    key: &Keypair,
    chain_id: &str,
    method: &str,
    path_and_query: &str,
    timestamp_ms: u64,
) -> [(&'static str, String); 3] {
    let signature = key.sign(&read_signing_message(
        chain_id,
        method,
        path_and_query,
        timestamp_ms,
    ));
    [
        (KEY_HEADER, key.public_key().to_string()),
        (TIMESTAMP_HEADER, timestamp_ms.to_string()),
        (SIGNATURE_HEADER, signature.to_string()),
    ]
}

/// Checks a read request's signature (not the clock, not membership: the gateway does those).
pub fn verify_read_request(
    key: &PublicKey,
    signature: &Signature,
    chain_id: &str,
    method: &str,
    path_and_query: &str,
    timestamp_ms: u64,
) -> bool {
    key.verify(
        &read_signing_message(chain_id, method, path_and_query, timestamp_ms),
        signature,
    )
    .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::Algorithm;

    #[test]
    fn signature_binds_chain_method_path_and_time() {
        let key = Keypair::generate(Algorithm::Sm2).unwrap();
        let headers =
            sign_read_request(&key, "devnet", "get", "/v1/projects?owner=transport", 1_000);
        let signature: Signature = headers[2].1.parse().unwrap();
        let pk = key.public_key();
        assert!(verify_read_request(
            &pk,
            &signature,
            "devnet",
            "GET",
            "/v1/projects?owner=transport",
            1_000
        ));
        assert!(!verify_read_request(
            &pk,
            &signature,
            "prod",
            "GET",
            "/v1/projects?owner=transport",
            1_000
        ));
        assert!(!verify_read_request(
            &pk,
            &signature,
            "devnet",
            "POST",
            "/v1/projects?owner=transport",
            1_000
        ));
        assert!(!verify_read_request(
            &pk,
            &signature,
            "devnet",
            "GET",
            "/v1/projects?owner=finance",
            1_000
        ));
        assert!(!verify_read_request(
            &pk,
            &signature,
            "devnet",
            "GET",
            "/v1/projects?owner=transport",
            1_001
        ));
    }
}
