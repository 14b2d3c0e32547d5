//! `GET /openapi.json`: the OpenAPI 3.1 description of the gateway, kept next to the routes; a
//! test fails when a route is missing from it.

use warp::Reply;
use warp::reply::Response;

/// The document, as served.
pub const OPENAPI_JSON: &str = include_str!("openapi.json");

pub fn reply() -> Response {
    warp::reply::with_header(OPENAPI_JSON, "content-type", "application/json").into_response()
}

/// The methods the document lists for the concrete request `path` (its `{param}` segments
/// match any one segment), for the `Allow` header of a 405; `None` for an unknown path.
pub fn allowed_methods(path: &str) -> Option<String> {
    static PATHS: std::sync::OnceLock<Vec<(Vec<String>, String)>> = std::sync::OnceLock::new();
    let paths = PATHS.get_or_init(|| {
        let doc: serde_json::Value = serde_json::from_str(OPENAPI_JSON).unwrap_or_default();
        let Some(paths) = doc["paths"].as_object() else {
            return Vec::new();
        };
        paths
            .iter()
            .map(|(pattern, item)| {
                let segments = pattern.split('/').map(str::to_owned).collect();
                let mut methods: Vec<String> = item
                    .as_object()
                    .map(|ops| ops.keys().map(|m| m.to_ascii_uppercase()).collect())
                    .unwrap_or_default();
                methods.sort();
                (segments, methods.join(", "))
            })
            .collect()
    });
    let asked: Vec<&str> = path.split('/').collect();
    paths
        .iter()
        .filter(|(pattern, _)| {
            pattern.len() == asked.len()
                && pattern
                    .iter()
                    .zip(&asked)
                    .all(|(p, a)| p == a || (p.starts_with('{') && !a.is_empty()))
        })
        // A literal segment beats a parameter (`/v1/txs/batch` before `/v1/txs/{hash}`).
        .max_by_key(|(pattern, _)| pattern.iter().filter(|p| !p.starts_with('{')).count())
        .map(|(_, methods)| methods.clone())
}

#[cfg(test)]
mod tests {
    use super::allowed_methods;

    #[test]
    fn allowed_methods_follow_the_document() {
        assert_eq!(allowed_methods("/v1/txs").as_deref(), Some("POST"));
        assert_eq!(allowed_methods("/v1/txs/batch").as_deref(), Some("POST"));
        assert_eq!(allowed_methods("/v1/txs/00ff").as_deref(), Some("GET"));
        assert_eq!(
            allowed_methods("/v1/projects/P-1/history").as_deref(),
            Some("GET")
        );
        assert_eq!(allowed_methods("/v1/nothing"), None);
    }
}
