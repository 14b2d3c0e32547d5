//! `GET /openapi.json`: the OpenAPI 3.1 description of the gateway, kept next to the routes; a
//! test fails when a route is missing from it.

use warp::Reply;
use warp::reply::Response;

/// The document, as served.
pub const OPENAPI_JSON: &str = include_str!("openapi.json");

pub fn reply() -> Response {
    warp::reply::with_header(OPENAPI_JSON, "content-type", "application/json").into_response()
}
