//! Signed reads: the authentication a client may put in the query string instead of headers
//! (`split_query_auth`), and the signing message built from what a request claims. Nothing
//! panics; what splits keeps the signed path a prefix of the request.
#![no_main]

use gongxin_core::request_auth::{ReadRequest, read_signing_message, split_query_auth};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (path, query) = text.split_once('?').unwrap_or((text, ""));
    if let Some(auth) = split_query_auth(path, query) {
        assert!(auth.signed_path_and_query.starts_with(path));
    }
    let request = ReadRequest {
        chain_id: "gongxin-devnet",
        node: path,
        method: "GET",
        path_and_query: query,
        timestamp_ms: data.len() as u64,
        nonce: text,
    };
    let _ = read_signing_message(&request);
});
