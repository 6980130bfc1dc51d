//! The HTTP surface: the GraphQL endpoint, the GraphiQL explorer, health and metrics,
//! and a span with a request id around every request.

pub mod answers;
pub mod cache;
pub mod export;
pub mod graphiql;
pub mod journey_map;
pub mod persisted;
pub mod rate;
pub mod serve;
pub mod transport;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use async_graphql::Pos;
use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use tower::ServiceBuilder;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tracing::Instrument;

use crate::catalog::principal::Principal;
use crate::catalog::reader::Reader;
use crate::catalog::{Catalog, CatalogError};
use crate::config::Limits;
use crate::graphql::CatalogSchema;
use crate::telemetry::{Metrics, RequestStatements};
use transport::{BodyLimits, Incoming, Media};

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The GraphQL schema.
    pub schema: CatalogSchema,
    /// The catalog, for per-request loaders and readiness checks.
    pub catalog: Catalog,
    /// Process counters.
    pub metrics: Arc<Metrics>,
    /// What one request and one client may do.
    pub limits: Arc<Limits>,
    /// The rate limits' buckets.
    pub rates: Arc<rate::RateLimits>,
    /// The persisted queries.
    pub persisted: Arc<persisted::PersistedQueries>,
    /// Whole answers to anonymous reads, for the current public revision.
    pub answers: Arc<answers::AnswerCache>,
}

/// The application's router.
pub fn router(state: AppState) -> Router {
    let shed = ServiceBuilder::new()
        .layer(HandleErrorLayer::new(|_: tower::BoxError| async {
            overloaded()
        }))
        .load_shed()
        .concurrency_limit(state.limits.max_in_flight.max(1));
    let mut router = Router::new();
    if state.limits.graphiql.is_on() {
        router = router
            .route("/", get(graphiql::page))
            .route("/graphiql", get(graphiql::page))
            .route(
                &format!("{}/{{file}}", graphiql::ASSETS),
                get(graphiql::asset),
            );
    }
    let router = router
        .route("/graphql", any(graphql).layer(shed))
        .route("/export/feedback.csv", get(export::feedback_csv))
        .route("/export/a11.csv", get(export::a11_csv))
        .route("/cx/life-events/{slug}", get(journey_map::life_event_page))
        .route("/cx/services/{slug}", get(journey_map::service_page))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics));
    let router = match cors(&state.limits.cors_origins) {
        Some(cors) => router.layer(cors),
        None => router,
    };
    router
        .layer(middleware::from_fn_with_state(state.clone(), request_span))
        .with_state(state)
}

/// The CORS policy for `origins`: none when empty; `*` lets any origin read without
/// credentials (the `Authorization` header is not allowed cross-origin then).
fn cors(origins: &[String]) -> Option<CorsLayer> {
    let origins: Vec<&str> = origins
        .iter()
        .map(|o| o.trim())
        .filter(|o| !o.is_empty())
        .collect();
    if origins.is_empty() {
        return None;
    }
    let exposed = [
        HeaderName::from_static("ratelimit"),
        HeaderName::from_static("ratelimit-policy"),
        HeaderName::from_static("retry-after"),
        HeaderName::from_static("x-request-id"),
    ];
    let layer = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST])
        .expose_headers(exposed)
        .max_age(std::time::Duration::from_secs(600));
    if origins.contains(&"*") {
        return Some(
            layer
                .allow_origin(AllowOrigin::any())
                .allow_headers([header::CONTENT_TYPE, header::ACCEPT]),
        );
    }
    let list: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    Some(layer.allow_origin(AllowOrigin::list(list)).allow_headers([
        header::CONTENT_TYPE,
        header::ACCEPT,
        header::AUTHORIZATION,
    ]))
}

/// 503 with `Retry-After` when more requests are in flight than configured.
fn overloaded() -> Response {
    let mut response = transport::refusal(
        Media::Json,
        StatusCode::SERVICE_UNAVAILABLE,
        "OVERLOADED",
        "the server is busy; retry in a second".to_owned(),
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

/// `/graphql`: negotiates the media type, authenticates the caller (401 for bad
/// credentials), applies the caller's rate limit (429), then reads and runs the request
/// within the request timeout (`TIMEOUT`), each request with its own DataLoaders.
async fn graphql(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let statements = RequestStatements::default();
    let response = statements.scope(answer(&state, peer, request)).await;
    let operation = response
        .extensions()
        .get::<Operation>()
        .map_or("(none)", |o| o.0.as_str());
    state
        .metrics
        .record_request_statements(operation, statements.get());
    response
}

/// The operation a `/graphql` answer ran, as `/metrics` labels it: its name, `(unnamed)`,
/// `(batch)`, or (when the request was refused before it was read) no `Operation` at all.
#[derive(Debug, Clone)]
struct Operation(String);

impl Operation {
    /// The label of `request`: the operation name it selects, or else its first
    /// operation's name (read off the query's first tokens, without parsing it).
    fn of(request: &async_graphql::Request) -> Self {
        if let Some(name) = &request.operation_name {
            return Self(name.clone());
        }
        let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
        let mut rest = request.query.as_str();
        // Skip the whitespace, commas and comments before the first token.
        loop {
            rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ',');
            match rest.strip_prefix('#') {
                Some(comment) => rest = comment.split_once('\n').map_or("", |(_, r)| r),
                None => break,
            }
        }
        let keyword_end = rest.find(|c| !is_name(c)).unwrap_or(rest.len());
        let (keyword, after) = rest.split_at(keyword_end);
        let name = match keyword {
            "query" | "mutation" | "subscription" => {
                let after = after.trim_start();
                &after[..after.find(|c| !is_name(c)).unwrap_or(after.len())]
            }
            _ => "",
        };
        Self(if name.is_empty() { "(unnamed)" } else { name }.to_owned())
    }
}

/// Everything `/graphql` does for one request (see [`graphql`]).
async fn answer(state: &AppState, peer: SocketAddr, request: Request) -> Response {
    let Some(media) = transport::negotiate(request.headers()) else {
        return transport::refusal(
            Media::Json,
            StatusCode::NOT_ACCEPTABLE,
            "NOT_ACCEPTABLE",
            "accept application/graphql-response+json or application/json".to_owned(),
        );
    };
    if ![Method::GET, Method::HEAD, Method::POST].contains(request.method()) {
        return transport::method_not_allowed(media, request.method());
    }
    let address = rate::client_address(
        request.headers(),
        peer.ip(),
        state.limits.trusted_proxy_header.as_deref(),
    );
    let principal = match authenticate(state, request.headers()).await {
        Ok(principal) => principal,
        Err(refused) => {
            // A bad token counts against its address, so guessing tokens is rate-limited
            // like any anonymous request.
            let verdict = state
                .rates
                .check(rate::Client::of(&Principal::Anonymous, address));
            return with_rate(refused(media), media, verdict);
        }
    };
    let verdict = state.rates.check(rate::Client::of(&principal, address));
    if verdict.as_ref().is_some_and(|v| v.retry_after.is_some()) {
        return with_rate(Response::default(), media, verdict);
    }
    let timeout = state.limits.request_timeout();
    let response =
        match tokio::time::timeout(timeout, run(state, principal, address, media, request)).await {
            Ok(response) => response,
            Err(_) => transport::refusal(
                media,
                StatusCode::SERVICE_UNAVAILABLE,
                "TIMEOUT",
                format!(
                    "the request took longer than {} ms and was stopped",
                    timeout.as_millis()
                ),
            ),
        };
    with_rate(response, media, verdict)
}

/// `response` with the rate limit's headers; a refused verdict replaces it with 429
/// `RATE_LIMITED`.
fn with_rate(response: Response, media: Media, verdict: Option<rate::Verdict>) -> Response {
    let Some(verdict) = verdict else {
        return response;
    };
    let mut response = if verdict.retry_after.is_some() {
        transport::refusal(
            media,
            StatusCode::TOO_MANY_REQUESTS,
            "RATE_LIMITED",
            "too many requests: wait for the time Retry-After says".to_owned(),
        )
    } else {
        response
    };
    response.headers_mut().extend(verdict.headers);
    response
}

/// The caller behind `headers`' credentials, or the 401 (or 500) refusing them.
async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Principal, Box<dyn FnOnce(Media) -> Response + Send>> {
    // A header that is not visible ASCII cannot be a token; it is refused, not ignored.
    let authorization = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or("\u{fffd}"));
    state
        .catalog
        .authenticate(authorization)
        .await
        .map_err(|err| {
            let status = if matches!(err, CatalogError::Unauthenticated { .. }) {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::INTERNAL_SERVER_ERROR
            };
            // Refused before any query is read: the error points at no place in it.
            let mut error = async_graphql::Error::from(err).into_server_error(Pos::default());
            error.locations.clear();
            let response = async_graphql::Response::from_errors(vec![error]);
            Box::new(move |media| transport::respond(media, status, &response)) as Box<_>
        })
}

/// Reads the request (with the body limit for `principal`) and runs it.
async fn run(
    state: &AppState,
    principal: Principal,
    address: std::net::IpAddr,
    media: Media,
    request: Request,
) -> Response {
    let limits = BodyLimits {
        max_bytes: match principal {
            Principal::Anonymous => state.limits.max_body_anonymous,
            Principal::Key(_) => state.limits.max_body_key,
        },
        max_batch: state.limits.max_batch,
    };
    let (parts, incoming) = match transport::read(request, limits, media).await {
        Ok(read) => read,
        Err(refused) => return refused,
    };
    match incoming {
        Incoming::Single(request) => {
            let request = match state.persisted.resolve(*request) {
                Ok(request) => request,
                Err(error) => {
                    let response = async_graphql::Response::from_errors(vec![error]);
                    return transport::respond(
                        media,
                        transport::status_of(media, &response),
                        &response,
                    );
                }
            };
            let operation = Operation::of(&request);
            let mut response = single(state, (&principal, address, media), &parts, request).await;
            response.extensions_mut().insert(operation);
            response
        }
        Incoming::Batch(batch) => {
            let reader = Reader::new(&state.catalog, &principal);
            let mut responses = Vec::with_capacity(batch.len());
            for request in batch {
                let request = match state.persisted.resolve(request) {
                    Ok(request) => request,
                    Err(error) => {
                        responses.push(async_graphql::Response::from_errors(vec![error]));
                        continue;
                    }
                };
                // Batches come only in POST bodies, so any of them may be a mutation.
                responses.push(execute(state, (&principal, &reader, address), request).await);
            }
            let mut response = transport::respond_batch(media, &responses);
            response
                .extensions_mut()
                .insert(Operation("(batch)".to_owned()));
            response
        }
    }
}

/// Answers one request (not a batch). An anonymous query is answered from the published
/// snapshot, so its answer is fixed by the public revision: a kept answer of the current
/// revision is sent as it is, and a GET or HEAD read gets an `ETag` and may be answered 304.
/// A mutation is refused on GET and HEAD.
async fn single(
    state: &AppState,
    (principal, address, media): (&Principal, std::net::IpAddr, Media),
    parts: &axum::http::request::Parts,
    request: async_graphql::Request,
) -> Response {
    let read = parts.method == Method::GET || parts.method == Method::HEAD;
    let mutation = is_mutation(&request);
    if read && mutation {
        return transport::method_not_allowed(media, &parts.method);
    }
    let reader = Reader::new(&state.catalog, principal);
    let fingerprint = (matches!(principal, Principal::Anonymous) && !mutation)
        .then(|| answers::Fingerprint::of(&request, media, chrono::Utc::now().date_naive()));
    let max_age = state.limits.cache_max_age_secs;
    // A read is tagged before it runs, so a client holding its tag is answered 304.
    if let Some(fingerprint) = fingerprint.filter(|_| read) {
        let revision = match reader.revision().await {
            Ok(revision) => revision.unwrap_or_default(),
            Err(err) => return internal_response(media, err),
        };
        let tag = fingerprint.etag(revision);
        if cache::not_modified(&parts.headers, &tag) {
            let mut response = StatusCode::NOT_MODIFIED.into_response();
            cache::public(&mut response, &tag, max_age);
            return response;
        }
    }
    // Only a request with a kept answer reads the revision here: one refused before it
    // runs still reads nothing.
    if let Some((revision, mut kept)) = fingerprint.and_then(|f| state.answers.get(&f)) {
        match reader.revision().await {
            Ok(Some(current)) if current == revision => {
                if let Some(fingerprint) = fingerprint.filter(|_| read) {
                    cache::public(&mut kept, &fingerprint.etag(revision), max_age);
                }
                state.metrics.record_anonymous_read(true);
                return kept;
            }
            Ok(_) => {}
            Err(err) => return internal_response(media, err),
        }
    }
    if fingerprint.is_some() {
        state.metrics.record_anonymous_read(false);
    }
    let response = execute(state, (principal, &reader, address), request).await;
    let mut http = transport::respond(media, transport::status_of(media, &response), &response);
    // Fixed by the revision: it read the snapshot and nothing else, and did not fail.
    let fixed = fingerprint
        .zip(reader.read_revision())
        .filter(|_| response.is_ok() && reader.is_snapshot_only());
    if let Some((fingerprint, revision)) = fixed {
        if state.answers.is_on() {
            http = state.answers.keep((revision, fingerprint), http).await;
        }
        if read {
            cache::public(&mut http, &fingerprint.etag(revision), max_age);
        }
    } else if matches!(principal, Principal::Key(_)) {
        cache::private(&mut http);
    }
    http
}

/// Runs one GraphQL request as `principal` calling from `address`, reading through
/// `reader`. A mutation sent with GET or HEAD is refused before this (a link or a prefetch
/// must never change the catalog).
async fn execute(
    state: &AppState,
    (principal, reader, address): (&Principal, &Reader, std::net::IpAddr),
    request: async_graphql::Request,
) -> async_graphql::Response {
    let address = crate::graphql::feedback::ClientAddress(rate::network(address));
    let request = request.data(address);
    let mut response = crate::graphql::execute(&state.schema, request, reader, principal).await;
    crate::graphql::error::code_request_errors(&mut response);
    response
}

/// The answer to a request the server could not start (the catalog could not be read): a
/// 500 whose error carries only the id it was logged under.
fn internal_response(media: transport::Media, err: crate::catalog::CatalogError) -> Response {
    let error = async_graphql::Error::from(err).into_server_error(Pos::default());
    let response = async_graphql::Response::from_errors(vec![error]);
    transport::respond(media, StatusCode::INTERNAL_SERVER_ERROR, &response)
}

/// Whether the request would run a mutation (unparsable requests are left to the engine).
/// A query without the word `mutation` anywhere cannot, and is not parsed here.
fn is_mutation(request: &async_graphql::Request) -> bool {
    request.query.contains("mutation")
        && async_graphql::parser::parse_query(&request.query).is_ok_and(|document| {
            crate::graphql::limits::runs_mutation(&document, request.operation_name.as_deref())
        })
}

/// `GET /readyz`: 200 when the database answers, 503 otherwise.
async fn readyz(State(state): State<AppState>) -> Response {
    match state.catalog.connection().ping().await {
        Ok(()) => "ready".into_response(),
        Err(err) => {
            tracing::warn!(error = %err, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// `GET /metrics`: counters in the Prometheus text format.
async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render() + &state.catalog.snapshot_metrics(),
    )
        .into_response()
}

/// Wraps each request in a span with a fresh request id, echoed in `x-request-id`, and
/// logs its outcome.
async fn request_span(State(state): State<AppState>, request: Request, next: Next) -> Response {
    state.metrics.record_request();
    let request_id = uuid::Uuid::new_v4().to_string();
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %request.method(),
        path = %request.uri().path(),
    );
    async move {
        let started = Instant::now();
        let mut response = next.run(request).await;
        tracing::info!(
            status = response.status().as_u16(),
            elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
            "request finished"
        );
        if let Ok(value) = HeaderValue::from_str(&request_id) {
            response.headers_mut().insert("x-request-id", value);
        }
        response
    }
    .instrument(span)
    .await
}
