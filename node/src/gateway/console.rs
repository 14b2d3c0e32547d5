//! The department console (`/console/`): the web app built from `web/` (`web/dist`), served by
//! the node itself so it works on an intranet with no other server and no CDN, from the same
//! origin as the API it signs requests to.
//!
//! Release builds embed the files in the binary; debug builds read them from `web/dist` at
//! run time (so the web app can be rebuilt without rebuilding the node). A node built before
//! the web app answers 404 `console_not_built` with how to build it.
//!
//! Every answer carries a strict Content-Security-Policy (scripts and connections to this
//! origin only, no framing) and an ETag, so a reload costs a 304. The web build writes a gzip
//! copy next to each text file (`main.js.gz`); a browser that accepts gzip gets that copy
//! (the bundle is ≈ 3× smaller, which matters on a phone over a government VPN).

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

/// Whether an `Accept-Encoding` value admits gzip (`gzip`, `gzip;q=0.8`; not `gzip;q=0`).
pub fn accepts_gzip(accept_encoding: Option<&str>) -> bool {
    accept_encoding.is_some_and(|value| {
        value.split(',').any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or_default();
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
        })
    })
}

/// Answers `GET /console/<path>` (`""` is the app's page), gzip-encoded when `gzip` allows and
/// the build wrote a compressed copy.
pub fn asset(path: &str, if_none_match: Option<&str>, gzip: bool) -> Result<Response, ApiError> {
    let name = if path.is_empty() { "index.html" } else { path };
    if name.ends_with(".gz") {
        return Err(missing(name));
    }
    let Some(plain) = Assets::get(name) else {
        return Err(missing(name));
    };
    let mime = plain.metadata.mimetype().to_owned();
    let compressed = if gzip {
        Assets::get(&format!("{name}.gz"))
    } else {
        None
    };
    let encoded = compressed.is_some();
    let file = compressed.unwrap_or(plain);
    let etag = format!(
        "\"{}{}\"",
        hex::encode(&file.metadata.sha256_hash()[..16]),
        if encoded { "-gz" } else { "" }
    );
    let mut response = if if_none_match == Some(etag.as_str()) {
        let mut r = Response::new(Vec::new().into());
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        r
    } else {
        let mut r = Response::new(file.data.into_owned().into());
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_str(&mime)
                .unwrap_or(HeaderValue::from_static("application/octet-stream")),
        );
        if encoded {
            r.headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        r
    };
    let headers = response.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
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
            let error = asset(path, None, true).unwrap_err();
            assert_eq!(error.status, StatusCode::NOT_FOUND, "{path}");
        }
    }

    #[test]
    fn gzip_is_chosen_only_when_the_browser_admits_it() {
        assert!(accepts_gzip(Some("gzip, deflate, br, zstd")));
        assert!(accepts_gzip(Some("br;q=1.0, GZIP;q=0.5")));
        assert!(accepts_gzip(Some("*")));
        assert!(!accepts_gzip(Some("gzip;q=0, br")));
        assert!(!accepts_gzip(Some("identity")));
        assert!(!accepts_gzip(Some("")));
        assert!(!accepts_gzip(None));
    }
}
