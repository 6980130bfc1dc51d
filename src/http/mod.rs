//! The HTTP surface: the GraphQL endpoint, the GraphiQL explorer, health and metrics,
//! and a span with a request id around every request.

pub mod graphiql;
pub mod transport;

use std::sync::Arc;
use std::time::Instant;

use async_graphql::Pos;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tracing::Instrument;

use crate::catalog::{Catalog, CatalogError};
use crate::graphql::CatalogSchema;
use crate::graphql::loaders::new_loaders;
use crate::telemetry::Metrics;

pub use transport::MAX_BODY_BYTES;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The GraphQL schema.
    pub schema: CatalogSchema,
    /// The catalog, for per-request loaders and readiness checks.
    pub catalog: Catalog,
    /// Process counters.
    pub metrics: Arc<Metrics>,
}

/// The application's router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(graphiql::page))
        .route("/graphiql", get(graphiql::page))
        .route(
            &format!("{}/{{file}}", graphiql::ASSETS),
            get(graphiql::asset),
        )
        .route("/graphql", get(graphql).post(graphql))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .layer(middleware::from_fn_with_state(state.clone(), request_span))
        .with_state(state)
}

/// `GET|POST /graphql`: authenticates the caller, then runs one GraphQL request with its
/// own DataLoaders. Bad credentials are refused with 401 before anything runs.
async fn graphql(State(state): State<AppState>, request: Request) -> Response {
    let (parts, request) = match transport::read(request).await {
        Ok(read) => read,
        Err(refused) => return refused,
    };
    // GET (and HEAD) are for reads only: a link or a prefetch must never change the catalog.
    if (parts.method == Method::GET || parts.method == Method::HEAD) && is_mutation(&request) {
        return transport::refusal(
            StatusCode::METHOD_NOT_ALLOWED,
            "mutations must be sent with POST".to_owned(),
        );
    }
    // A header that is not visible ASCII cannot be a token; it is refused, not ignored.
    let authorization = parts
        .headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or("\u{fffd}"));
    let principal = match state.catalog.authenticate(authorization).await {
        Ok(principal) => principal,
        Err(err) => {
            let status = if matches!(err, CatalogError::Unauthenticated { .. }) {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::INTERNAL_SERVER_ERROR
            };
            // Refused before any query is read: the error points at no place in it.
            let mut error = async_graphql::Error::from(err).into_server_error(Pos::default());
            error.locations.clear();
            let response = async_graphql::Response::from_errors(vec![error]);
            return transport::respond(status, &response);
        }
    };
    let request = request
        .data(new_loaders(state.catalog.clone(), principal.clone()))
        .data(principal);
    let mut response = state.schema.execute(request).await;
    crate::graphql::error::code_request_errors(&mut response);
    transport::respond(StatusCode::OK, &response)
}

/// Whether the request would run a mutation (unparsable requests are left to the engine).
fn is_mutation(request: &async_graphql::Request) -> bool {
    use async_graphql::parser::types::OperationType;
    let Ok(document) = async_graphql::parser::parse_query(&request.query) else {
        return false;
    };
    document.operations.iter().any(|(name, op)| {
        op.node.ty == OperationType::Mutation
            && match (&request.operation_name, name) {
                (Some(wanted), Some(name)) => wanted.as_str() == name.as_str(),
                _ => true,
            }
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
        state.metrics.render(),
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
