//! The department console (`/console/`): the web app built from `web/` (`web/dist`), served by
//! the node itself so it works on an intranet with no other server and no CDN, from the same
//! origin as the API it signs requests to.
//!
//! Release builds embed the files in the binary; debug builds read them from `web/dist` at
//! run time (so the web app can be rebuilt without rebuilding the node). A node built before
//! the web app answers 404 `console_not_built` with how to build it.
//!
//! Every answer carries a strict Content-Security-Policy (scripts and connections to this
//! origin only, no framing) and an ETag, so a reload costs a 304.

use rust_embed::RustEmbed;
use warp::http::{HeaderValue, StatusCode, header};
use warp::reply::Response;

use super::error::ApiError;

#[derive(RustEmbed)]
#[folder = "../web/dist"]
#[allow_missing = true]
struct Assets;

/// What the console may load and talk to: its own origin only. Inline styles are allowed
/// because the chart library sets element styles; inline scripts are not.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; \
     object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

/// Answers `GET /console/<path>` (`""` is the app's page).
pub fn asset(path: &str, if_none_match: Option<&str>) -> Result<Response, ApiError> {
    let name = if path.is_empty() { "index.html" } else { path };
    let Some(file) = Assets::get(name) else {
        return Err(missing(name));
    };
    let etag = format!("\"{}\"", hex::encode(&file.metadata.sha256_hash()[..16]));
    let mut response = if if_none_match == Some(etag.as_str()) {
        let mut r = Response::new(Vec::new().into());
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        r
    } else {
        let mut r = Response::new(file.data.into_owned().into());
        let mime = file.metadata.mimetype();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_str(mime)
                .unwrap_or(HeaderValue::from_static("application/octet-stream")),
        );
        r
    };
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    // Revalidate every time: the file names are fixed, so a cached copy could be stale.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}

fn missing(name: &str) -> ApiError {
    if Assets::get("index.html").is_none() {
        return ApiError::not_found(
            "console_not_built",
            "this node was built without the console: run `scripts/build-web` (or \
             `scripts/devnet`), then rebuild the node",
        );
    }
    ApiError::not_found("unknown_asset", format!("no console file {name:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_files_are_a_json_404_never_a_panic() {
        for path in ["nope.js", "../Cargo.toml", "%2e%2e/secret", "a/../../b"] {
            let error = asset(path, None).unwrap_err();
            assert_eq!(error.status, StatusCode::NOT_FOUND, "{path}");
        }
    }
}
