//! Errors as the gateway shows them: a status and `{"error": "<code>", "message": "..."}`.
//!
//! Bad input is always a 4xx with a reason; a 5xx means the node itself failed (storage) or is
//! saturated: a 503 (full mempool, a handler that could not finish in time, the connection cap)
//! and a 429 (a rate limit) carry `Retry-After`.

use std::convert::Infallible;

use serde::Serialize;
use warp::http::StatusCode;
use warp::reply::Response;
use warp::{Rejection, Reply};

/// A failed request.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds, for `Retry-After` on 503.
    pub retry_after_s: Option<u32>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    message: &'a str,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after_s: None,
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, code, message)
    }

    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }

    pub fn into_response(self) -> Response {
        let body = ErrorBody {
            error: self.code,
            message: &self.message,
        };
        let mut response =
            warp::reply::with_status(warp::reply::json(&body), self.status).into_response();
        if let Some(seconds) = self.retry_after_s
            && let Ok(value) = warp::http::HeaderValue::from_str(&seconds.to_string())
        {
            response
                .headers_mut()
                .insert(warp::http::header::RETRY_AFTER, value);
        }
        response
    }
}

impl From<crate::storage::StorageError> for ApiError {
    fn from(e: crate::storage::StorageError) -> ApiError {
        tracing::error!(error = %e, "storage failure while serving a request");
        ApiError::internal("the node could not read its database")
    }
}

/// Handler results: a reply, or an error shown as JSON.
pub type ApiResult = Result<Response, ApiError>;

/// Turns a handler result into a response (errors included), so handlers never reject.
pub fn respond(result: ApiResult) -> Response {
    result.unwrap_or_else(ApiError::into_response)
}

/// A rate limit refused the request; retry after this many milliseconds.
#[derive(Debug, Clone, Copy)]
pub struct Limited(pub u64);

impl warp::reject::Reject for Limited {}

impl Limited {
    /// 429 with `Retry-After` in whole seconds (at least 1).
    pub fn api_error(self) -> ApiError {
        ApiError {
            retry_after_s: Some(u32::try_from(self.0.div_ceil(1_000).max(1)).unwrap_or(u32::MAX)),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("too many requests; retry in {} ms", self.0),
            )
        }
    }
}

/// Maps warp's own rejections (no route, wrong method, oversize body, …) to JSON errors.
pub async fn recover(rejection: Rejection) -> Result<Response, Infallible> {
    let error = if let Some(limited) = rejection.find::<Limited>() {
        limited.api_error()
    } else if rejection.is_not_found() {
        ApiError::not_found("not_found", "no such endpoint")
    } else if rejection.find::<warp::reject::PayloadTooLarge>().is_some() {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            "request body is over the size limit",
        )
    } else if rejection.find::<warp::reject::LengthRequired>().is_some() {
        ApiError::new(
            StatusCode::LENGTH_REQUIRED,
            "length_required",
            "send a Content-Length header",
        )
    } else if rejection.find::<warp::reject::MethodNotAllowed>().is_some() {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "method not allowed on this endpoint",
        )
    } else if rejection.find::<warp::reject::InvalidQuery>().is_some() {
        ApiError::bad_request("bad_query", "the query string is malformed")
    } else if rejection
        .find::<warp::reject::UnsupportedMediaType>()
        .is_some()
    {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "unsupported content type",
        )
    } else if rejection.find::<warp::reject::InvalidHeader>().is_some()
        || rejection.find::<warp::reject::MissingHeader>().is_some()
    {
        ApiError::bad_request("bad_header", "a required header is missing or malformed")
    } else {
        tracing::warn!(?rejection, "unhandled rejection");
        ApiError::bad_request("bad_request", "the request could not be understood")
    };
    Ok(error.into_response())
}

/// JSON reply with a status.
pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
    warp::reply::with_status(warp::reply::json(value), status).into_response()
}
