//! `GET /export/feedback.csv?agency=nys-dol&period=2026-Q3`: one agency's feedback as CSV
//! (RFC 4180, UTF-8, a header row), streamed row by row from the database, so an export of
//! any size is never held in memory; and `GET /export/a11.csv?agency=nys-dol&period=2026-Q3`,
//! its quarter in the shape of the OMB A-11 quarterly submission. For keys that may read the
//! agency's comments: its EDITORs, REVIEWERs and ADMINs. Cells that a spreadsheet would run
//! as a formula get a leading `'`.

use std::collections::HashMap;
use std::net::SocketAddr;

use async_graphql::Pos;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use futures_util::StreamExt;

use super::transport::{self, Media};
use super::{AppState, rate};
use crate::catalog::CatalogError;
use crate::catalog::experience::Period;
use crate::catalog::export::{A11_COLUMNS, COLUMNS};

/// One CSV record: each cell quoted when it holds a comma, quote or line break, and
/// defused when a spreadsheet would read it as a formula.
pub fn record<S: AsRef<str>>(cells: &[S]) -> String {
    let mut line = String::new();
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        let cell = cell.as_ref();
        let defused = match cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            true => format!("'{cell}"),
            false => cell.to_owned(),
        };
        if defused.contains([',', '"', '\n', '\r']) {
            line.push('"');
            line.push_str(&defused.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(&defused);
        }
    }
    line.push_str("\r\n");
    line
}

/// The HTTP answer refusing `err`, as a GraphQL-style error with its code.
fn refusal(err: CatalogError) -> Response {
    let status = match &err {
        CatalogError::BadInput { .. } => StatusCode::BAD_REQUEST,
        CatalogError::NotFound { .. } => StatusCode::NOT_FOUND,
        CatalogError::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
        CatalogError::Forbidden { .. } => StatusCode::FORBIDDEN,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let mut error = async_graphql::Error::from(err).into_server_error(Pos::default());
    error.locations.clear();
    let response = async_graphql::Response::from_errors(vec![error]);
    transport::respond(Media::Json, status, &response)
}

/// An export request from a caller known and within the rate limit: who, which agency,
/// which period (the current month when not given).
struct ExportRequest {
    principal: crate::catalog::principal::Principal,
    agency: String,
    period: Result<Period, CatalogError>,
    verdict: Option<rate::Verdict>,
}

impl ExportRequest {
    /// Authenticates and rate-limits the request, or answers it with the refusal.
    async fn read(
        state: &AppState,
        peer: SocketAddr,
        params: &HashMap<String, String>,
        headers: &HeaderMap,
    ) -> Result<Self, Response> {
        let principal = super::authenticate(state, headers)
            .await
            .map_err(|refused| refused(Media::Json))?;
        let address = rate::client_address(
            headers,
            peer.ip(),
            state.limits.trusted_proxy_header.as_deref(),
        );
        let verdict = state.rates.check(rate::Client::of(&principal, address));
        if verdict.as_ref().is_some_and(|v| v.retry_after.is_some()) {
            return Err(super::with_rate(Response::default(), Media::Json, verdict));
        }
        let period = match params.get("period") {
            Some(text) => Period::parse("period", text, chrono::Utc::now().date_naive()),
            None => Ok(Period::this_month()),
        };
        Ok(Self {
            principal,
            agency: params.get("agency").cloned().unwrap_or_default(),
            period,
            verdict,
        })
    }

    /// `body` as a CSV attachment named `name`, with the rate limit's headers.
    fn csv(self, body: Body, name: &str) -> Response {
        let mut response = Response::new(body);
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/csv; charset=utf-8"),
        );
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
        if let Ok(value) = HeaderValue::from_str(&format!(
            "attachment; filename=\"{name}-{}.csv\"",
            self.agency
        )) {
            headers.insert(header::CONTENT_DISPOSITION, value);
        }
        super::with_rate(response, Media::Json, self.verdict)
    }

    /// The refusal of `err`, with the rate limit's headers.
    fn refuse(self, err: CatalogError) -> Response {
        super::with_rate(refusal(err), Media::Json, self.verdict)
    }
}

/// `GET /export/feedback.csv`.
pub async fn feedback_csv(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let request = match ExportRequest::read(&state, peer, &params, &headers).await {
        Ok(request) => request,
        Err(refused) => return refused,
    };
    let export = match &request.period {
        Ok(period) => {
            state
                .catalog
                .feedback_export(&request.principal, &request.agency, *period)
                .await
        }
        Err(err) => Err(err.clone()),
    };
    let export = match export {
        Ok(export) => export,
        Err(err) => return request.refuse(err),
    };
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(16);
    let catalog = state.catalog.clone();
    tokio::spawn(async move {
        if sender.send(Ok(record(&COLUMNS).into())).await.is_err() {
            return;
        }
        let failed = match catalog.feedback_rows(&export).await {
            Ok(mut rows) => loop {
                match rows.next().await {
                    Some(Ok(row)) => {
                        let line = record(&export.cells(&row));
                        if sender.send(Ok(line.into())).await.is_err() {
                            break None; // The client went away.
                        }
                    }
                    Some(Err(err)) => break Some(err),
                    None => break None,
                }
            },
            Err(err) => Some(err),
        };
        if let Some(err) = failed {
            // Logged with its id; the client sees the body end in an error, never the
            // detail.
            let _ = async_graphql::Error::from(err);
            let _ = sender
                .send(Err(std::io::Error::other("the export stopped")))
                .await;
        }
    });
    let body = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|item| (item, receiver))
    });
    request.csv(Body::from_stream(body), "feedback")
}

/// `GET /export/a11.csv`: the agency's quarter in the A-11 submission's shape. Its rows are
/// counts the database computed (a few per service and channel), so it is written whole.
pub async fn a11_csv(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let request = match ExportRequest::read(&state, peer, &params, &headers).await {
        Ok(request) => request,
        Err(refused) => return refused,
    };
    let export = match &request.period {
        Ok(period) => {
            state
                .catalog
                .a11_export(&request.principal, &request.agency, *period)
                .await
        }
        Err(err) => Err(err.clone()),
    };
    match export {
        Ok(export) => {
            let mut csv = record(&A11_COLUMNS);
            for row in &export.rows {
                csv.push_str(&record(row));
            }
            request.csv(Body::from(csv), "a11")
        }
        Err(err) => request.refuse(err),
    }
}

#[cfg(test)]
mod tests {
    use super::record;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(record(&["a", "b c", ""]), "a,b c,\r\n");
        assert_eq!(
            record(&["say \"hi\", then", "two\nlines"]),
            "\"say \"\"hi\"\", then\",\"two\nlines\"\r\n"
        );
        assert_eq!(
            record(&["=HYPERLINK(1)", "+1", "@x"]),
            "'=HYPERLINK(1),'+1,'@x\r\n"
        );
    }
}
