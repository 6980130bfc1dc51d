//! GraphQL over HTTP: reading one GraphQL request from a `GET` query string or a `POST`
//! body (bounded), and writing a GraphQL response. Mistakes in the transport itself (an
//! unreadable body, a batch, a body over the limit) are answered as GraphQL errors with an
//! `extensions.code`, never as plain text.

use async_graphql::{ErrorExtensionValues, ServerError};
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;

/// The largest request body `/graphql` reads: room for a `servicesImport` of 500 services
/// with long descriptions.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// The media type of every GraphQL response.
const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// Splits `request` into its head and the GraphQL request it carries: from the query string
/// for `GET` (and `HEAD`), from the JSON body otherwise. A body over [`MAX_BODY_BYTES`] is
/// refused with 413, at once when its declared length says so, else as soon as reading it
/// passes the limit.
pub async fn read(request: Request) -> Result<(Parts, async_graphql::Request), Response> {
    let (parts, body) = request.into_parts();
    if parts.method == axum::http::Method::GET || parts.method == axum::http::Method::HEAD {
        let query = parts.uri.query().unwrap_or_default();
        return match async_graphql::http::parse_query_string(query) {
            Ok(request) => Ok((parts, request)),
            Err(err) => Err(refusal(
                StatusCode::BAD_REQUEST,
                format!("the query string is not a GraphQL request: {err}"),
            )),
        };
    }
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > MAX_BODY_BYTES as u64) {
        return Err(too_large());
    }
    let bytes = match http_body_util::Limited::new(body, MAX_BODY_BYTES)
        .collect()
        .await
    {
        Ok(collected) => collected.to_bytes(),
        Err(err) if err.is::<http_body_util::LengthLimitError>() => return Err(too_large()),
        Err(err) => {
            // The client went away or sent a broken body; nobody may be left to answer.
            tracing::debug!(error = %err, "request body could not be read");
            return Err(refusal(
                StatusCode::BAD_REQUEST,
                "the request body could not be read".to_owned(),
            ));
        }
    };
    match serde_json::from_slice::<async_graphql::BatchRequest>(&bytes) {
        Ok(async_graphql::BatchRequest::Single(request)) => Ok((parts, request)),
        Ok(async_graphql::BatchRequest::Batch(_)) => Err(refusal(
            StatusCode::BAD_REQUEST,
            "batched requests are not supported: send one GraphQL request per HTTP request"
                .to_owned(),
        )),
        Err(err) => Err(refusal(
            StatusCode::BAD_REQUEST,
            format!("the request body is not a GraphQL request in JSON: {err}"),
        )),
    }
}

fn too_large() -> Response {
    refusal(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("the request body is larger than {MAX_BODY_BYTES} bytes"),
    )
}

/// A GraphQL error response, coded `BAD_USER_INPUT`, for a request refused before it runs.
pub fn refusal(status: StatusCode, message: String) -> Response {
    let mut error = ServerError::new(message, None);
    error
        .extensions
        .get_or_insert_with(ErrorExtensionValues::default)
        .set("code", "BAD_USER_INPUT");
    respond(status, &async_graphql::Response::from_errors(vec![error]))
}

/// Writes `response` as JSON with `status`, its HTTP headers, and its cache control when it
/// has no errors.
pub fn respond(status: StatusCode, response: &async_graphql::Response) -> Response {
    let body = match serde_json::to_vec(response) {
        Ok(body) => body,
        Err(err) => {
            // A response is plain JSON values; this cannot happen, but is never a panic.
            tracing::error!(error = %err, "GraphQL response could not be serialised");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let mut http = Response::new(Body::from(body));
    *http.status_mut() = status;
    let headers = http.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(GRAPHQL_RESPONSE),
    );
    if response.is_ok()
        && let Some(cache_control) = response.cache_control.value()
        && let Ok(value) = HeaderValue::from_str(&cache_control)
    {
        headers.insert(header::CACHE_CONTROL, value);
    }
    headers.extend(response.http_headers.clone());
    http
}
