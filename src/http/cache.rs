//! HTTP caching of anonymous reads: a `GET` query without a key gets an `ETag` made from
//! its [`answers::Key`](super::answers::Key) (the public revision, the request, the media
//! type and the day), so it
//! changes exactly when something residents see changes; `If-None-Match` with that tag is
//! answered 304 without running anything; a successful answer carries
//! `Cache-Control: public, max-age=N` (configurable, 0 for `no-cache`). Answers to keys are
//! `private, no-store`.

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;

/// Whether `headers`' `If-None-Match` names `tag` (or is `*`).
pub fn not_modified(headers: &HeaderMap, tag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == tag || t == "*")
}

/// Marks `response` as a cacheable public answer tagged `tag`.
pub fn public(response: &mut Response, tag: &str, max_age: u64) {
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(tag) {
        headers.insert(header::ETAG, value);
    }
    let control = if max_age == 0 {
        "public, no-cache".to_owned()
    } else {
        format!("public, max-age={max_age}")
    };
    if let Ok(value) = HeaderValue::from_str(&control) {
        headers.insert(header::CACHE_CONTROL, value);
    }
    headers.insert(
        header::VARY,
        HeaderValue::from_static("Accept, Authorization"),
    );
}

/// Marks `response` as not for any shared or private cache.
pub fn private(response: &mut Response) {
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    headers.insert(
        header::VARY,
        HeaderValue::from_static("Accept, Authorization"),
    );
}
