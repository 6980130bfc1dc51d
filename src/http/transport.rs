//! GraphQL over HTTP (the GraphQL-over-HTTP specification): which methods, request media
//! types and response media types `/graphql` speaks, reading one GraphQL request (or a
//! bounded batch) from a `GET` query string or a `POST` JSON body, and writing the answer.
//! Mistakes in the transport itself (a method, a media type, an unreadable body, a body
//! over the limit) are answered as GraphQL errors with an `extensions.code`, never as
//! plain text.

use async_graphql::{BatchRequest, ErrorExtensionValues, ServerError};
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;

/// The GraphQL-over-HTTP response media type.
const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
/// The legacy JSON media type, still the default for clients that do not ask.
const JSON: &str = "application/json";

/// The media type an answer is written in, as the request's `Accept` asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Media {
    /// `application/graphql-response+json`: request errors are 4xx.
    GraphqlResponse,
    /// `application/json`: every well-formed request is answered 200.
    Json,
}

impl Media {
    fn content_type(self) -> HeaderValue {
        match self {
            Self::GraphqlResponse => HeaderValue::from_static(GRAPHQL_RESPONSE),
            Self::Json => HeaderValue::from_static("application/json; charset=utf-8"),
        }
    }
}

/// The media type `headers`' `Accept` asks for, or `None` when it accepts neither of ours.
/// No `Accept` (or `*/*`) gets `application/json`, as the specification says for clients
/// that predate it.
pub fn negotiate(headers: &HeaderMap) -> Option<Media> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Some(Media::Json);
    };
    let mut best: Option<(f32, Media)> = None;
    for range in accept.split(',') {
        let mut params = range.split(';');
        let kind = params
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let quality = params
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let media = match kind.as_str() {
            GRAPHQL_RESPONSE => Media::GraphqlResponse,
            JSON | "application/*" | "*/*" => Media::Json,
            _ => continue,
        };
        if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
            best = Some((quality, media));
        }
    }
    best.map(|(_, media)| media)
}

/// The methods `/graphql` answers.
pub const ALLOW: &str = "GET, POST";

/// What the transport read: one request or a batch.
pub enum Incoming {
    /// One GraphQL request.
    Single(Box<async_graphql::Request>),
    /// A batch (only when batches are configured).
    Batch(Vec<async_graphql::Request>),
}

/// How much the transport reads.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    /// The largest body read, in bytes.
    pub max_bytes: usize,
    /// The most requests in a batch; 0 refuses batches.
    pub max_batch: usize,
}

/// Reads the GraphQL request `request` carries: from the query string for `GET` (and
/// `HEAD`), from the JSON body of a `POST`. A body over `limits.max_bytes` is refused with
/// 413, at once when its declared length says so, else as soon as reading it passes the
/// limit. `media` is the answer's media type, for refusals.
pub async fn read(
    request: Request,
    limits: BodyLimits,
    media: Media,
) -> Result<(Parts, Incoming), Response> {
    let (parts, body) = request.into_parts();
    if parts.method == Method::GET || parts.method == Method::HEAD {
        let query = parts.uri.query().unwrap_or_default();
        return match async_graphql::http::parse_query_string(query) {
            Ok(request) => Ok((parts, Incoming::Single(Box::new(request)))),
            Err(err) => Err(refusal(
                media,
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                format!("the query string is not a GraphQL request: {err}"),
            )),
        };
    }
    if parts.method != Method::POST {
        return Err(method_not_allowed(media, &parts.method));
    }
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if essence != JSON {
        return Err(refusal(
            media,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            format!(
                "send the request as `Content-Type: application/json` (got `{}`)",
                if content_type.is_empty() {
                    "none"
                } else {
                    content_type
                }
            ),
        ));
    }
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limits.max_bytes as u64) {
        return Err(too_large(media, limits.max_bytes));
    }
    let bytes = match http_body_util::Limited::new(body, limits.max_bytes)
        .collect()
        .await
    {
        Ok(collected) => collected.to_bytes(),
        Err(err) if err.is::<http_body_util::LengthLimitError>() => {
            return Err(too_large(media, limits.max_bytes));
        }
        Err(err) => {
            // The client went away or sent a broken body; nobody may be left to answer.
            tracing::debug!(error = %err, "request body could not be read");
            return Err(refusal(
                media,
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "the request body could not be read".to_owned(),
            ));
        }
    };
    match serde_json::from_slice::<BatchRequest>(&bytes) {
        Ok(BatchRequest::Single(request)) => Ok((parts, Incoming::Single(Box::new(request)))),
        Ok(BatchRequest::Batch(batch)) if limits.max_batch == 0 => {
            drop(batch);
            Err(refusal(
                media,
                StatusCode::BAD_REQUEST,
                "BATCH_NOT_ALLOWED",
                "batched requests are not supported: send one GraphQL request per HTTP request"
                    .to_owned(),
            ))
        }
        Ok(BatchRequest::Batch(batch)) if batch.is_empty() || batch.len() > limits.max_batch => {
            Err(refusal(
                media,
                StatusCode::BAD_REQUEST,
                "BATCH_NOT_ALLOWED",
                format!(
                    "a batch holds 1 to {} requests; this one holds {}",
                    limits.max_batch,
                    batch.len()
                ),
            ))
        }
        Ok(BatchRequest::Batch(batch)) => Ok((parts, Incoming::Batch(batch))),
        Err(err) => Err(refusal(
            media,
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            format!("the request body is not a GraphQL request in JSON: {err}"),
        )),
    }
}

fn too_large(media: Media, max: usize) -> Response {
    refusal(
        media,
        StatusCode::PAYLOAD_TOO_LARGE,
        "PAYLOAD_TOO_LARGE",
        format!("the request body is larger than {max} bytes"),
    )
}

/// 405 for a method `/graphql` does not answer, naming the ones it does.
pub fn method_not_allowed(media: Media, method: &Method) -> Response {
    let mut response = refusal(
        media,
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        format!("`{method}` is not answered here: use GET (queries) or POST"),
    );
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(ALLOW));
    response
}

/// A GraphQL error response with `code` for a request refused before it runs.
pub fn refusal(media: Media, status: StatusCode, code: &str, message: String) -> Response {
    respond(
        media,
        status,
        &async_graphql::Response::from_errors(vec![coded(code, message)]),
    )
}

/// A server error with `extensions.code`.
pub fn coded(code: &str, message: String) -> ServerError {
    let mut error = ServerError::new(message, None);
    error
        .extensions
        .get_or_insert_with(ErrorExtensionValues::default)
        .set("code", code);
    error
}

/// Whether `response` failed as a whole before execution (a parse, validation or limit
/// error): it has errors, no data, and none of its errors belongs to a field.
pub fn is_request_error(response: &async_graphql::Response) -> bool {
    !response.errors.is_empty()
        && response.data == async_graphql::Value::Null
        && response.errors.iter().all(|e| e.path.is_empty())
}

/// The status of a GraphQL answer: under `application/graphql-response+json` a request
/// error is 400; under `application/json` every executed request is 200.
pub fn status_of(media: Media, response: &async_graphql::Response) -> StatusCode {
    if media == Media::GraphqlResponse && is_request_error(response) {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    }
}

/// Writes `response` as `media` with `status`, its HTTP headers, and its cache control
/// when it has no errors.
pub fn respond(media: Media, status: StatusCode, response: &async_graphql::Response) -> Response {
    let body = serde_json::to_value(response).and_then(|mut body| {
        // An error raised before execution began leaves no `data` entry at all.
        if is_request_error(response)
            && let Some(fields) = body.as_object_mut()
        {
            fields.remove("data");
        }
        serde_json::to_vec(&body)
    });
    let mut http = json(media, status, body);
    let headers = http.headers_mut();
    if response.is_ok()
        && let Some(cache_control) = response.cache_control.value()
        && let Ok(value) = HeaderValue::from_str(&cache_control)
    {
        headers.insert(header::CACHE_CONTROL, value);
    }
    headers.extend(response.http_headers.clone());
    http
}

/// Writes a batch's answers as one JSON array.
pub fn respond_batch(media: Media, responses: &[async_graphql::Response]) -> Response {
    json(media, StatusCode::OK, serde_json::to_vec(responses))
}

fn json(media: Media, status: StatusCode, body: serde_json::Result<Vec<u8>>) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(err) => {
            // A response is plain JSON values; this cannot happen, but is never a panic.
            tracing::error!(error = %err, "GraphQL response could not be serialised");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let mut http = Response::new(Body::from(body));
    *http.status_mut() = status;
    http.headers_mut()
        .insert(header::CONTENT_TYPE, media.content_type());
    http
}
