//! `GET /v1/schema/operations`: the JSON Schema of a transaction body
//! ([`gongxin_core::schema`]), from which the console generates a form for every operation kind
//! and encodes what it signs. Open: it describes the protocol, not any record. Built once.

use std::sync::OnceLock;

use gongxin_core::model::OperationKind;
use warp::http::StatusCode;
use warp::reply::Response;

use super::error::json;

/// The schema document, built on first use.
pub fn operations() -> Response {
    static DOCUMENT: OnceLock<serde_json::Value> = OnceLock::new();
    let document = DOCUMENT.get_or_init(|| {
        serde_json::json!({
            "tx_body": gongxin_core::schema::tx_body_schema(),
            "kinds": OperationKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        })
    });
    json(StatusCode::OK, document)
}
