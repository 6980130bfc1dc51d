//! `civic-catalog bench attacks`: replays the requests that once took the server down (or
//! leaked what it must not) against the whole router on the seeded New York catalog, and
//! times how long each takes to be refused.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request};
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::app::app_router;
use crate::catalog::Catalog;
use crate::config::Limits;
use crate::telemetry::Metrics;

/// One replayed attack and how it was refused.
#[derive(Debug, Clone)]
pub struct Refusal {
    /// What the request tries.
    pub attack: &'static str,
    /// The HTTP status it got.
    pub status: u16,
    /// The first error's `extensions.code`.
    pub code: String,
    /// The median and the slowest time to the answer, over the runs.
    pub p50: Duration,
    pub max: Duration,
}

/// `levels` of `relatedServices { service { ... } }`: the selection that once took 45 s and
/// 5.8 GB at nine levels under one service.
pub fn nested_relations(levels: usize) -> String {
    let mut selection = String::from("slug");
    for _ in 0..levels {
        selection = format!("slug relatedServices {{ kind service {{ {selection} }} }}");
    }
    selection
}

/// The attacks: a name, the method, the content type and the body (or query string).
fn attacks() -> Vec<(&'static str, Method, &'static str, String)> {
    let json = |query: String| serde_json::json!({ "query": query }).to_string();
    let nine = format!(
        "{{ service(slug: \"nys-unemployment-insurance\") {{ {} }} }}",
        nested_relations(9)
    );
    let aliased = format!(
        "{{ {} }}",
        (0..4)
            .map(|i| format!(
                "a{i}: service(slug: \"nys-snap\") {{ {} }}",
                nested_relations(8)
            ))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let fourteen = format!(
        "{{ service(slug: \"nys-snap\") {{ {} }} }}",
        nested_relations(14)
    );
    let typenames = format!(
        "{{ {} }}",
        (0..10_000)
            .map(|i| format!("t{i}: __typename"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let fragments = format!(
        "{{ {} __typename }}",
        "... on Query { ".repeat(1_000_000) + &" }".repeat(1_000_000)
    );
    let import = "mutation { servicesImport(input: { services: [{ slug: \"hidden-draft\", \
        agency: \"no-such-agency\", name: \"x\", summary: \"x\", description: \"x\" }] }) \
        { userErrors { code existingId } } }";
    let head_mutation = format!(
        "query={}",
        "mutation%20%7B%20apiKeyRevoke(input%3A%20%7Bid%3A%201%7D)%20%7B%20__typename%20%7D%20%7D"
    );
    vec![
        ("relatedServices nested 9 levels", Method::POST, "application/json", json(nine)),
        ("4 aliases of 8 nested levels", Method::POST, "application/json", json(aliased)),
        ("relatedServices nested 14 levels", Method::POST, "application/json", json(fourteen)),
        ("10,000 aliases of __typename", Method::POST, "application/json", json(typenames)),
        ("a million inline fragments", Method::POST, "application/json", json(fragments)),
        ("anonymous servicesImport, unknown agency", Method::POST, "application/json", json(import.to_owned())),
        ("NUL in a search term", Method::POST, "application/json",
            serde_json::json!({ "query": "query($q: String) { services(filter: { search: $q }) { totalCount } }",
                                "variables": { "q": "snap\u{0}" } }).to_string()),
        ("mutation sent with HEAD", Method::HEAD, "", head_mutation),
        ("POST as text/plain (CSRF simple request)", Method::POST, "text/plain", json("{ __typename }".to_owned())),
    ]
}

/// Replays every attack `runs` times against the router over the seeded catalog.
pub async fn attack_refusals(
    catalog: Catalog,
    runs: usize,
) -> Result<Vec<Refusal>, Box<dyn std::error::Error>> {
    let limits = Limits {
        // One client sends everything here; the rate limit is measured by the tests.
        rate_limit_anonymous: 0,
        ..Limits::default()
    };
    let router = app_router(catalog, Arc::new(Metrics::default()), limits)?;
    let peer = SocketAddr::from(([127, 0, 0, 1], 9));
    let mut out = Vec::new();
    for (attack, method, content_type, body) in attacks() {
        let mut samples = Vec::with_capacity(runs);
        let mut last = (0, String::new());
        for _ in 0..runs.max(1) {
            let mut request = if method == Method::HEAD {
                Request::builder()
                    .method(Method::HEAD)
                    .uri(format!("/graphql?{body}"))
                    .body(Body::empty())?
            } else {
                Request::builder()
                    .method(method.clone())
                    .uri("/graphql")
                    .header("content-type", content_type)
                    .body(Body::from(body.clone()))?
            };
            request.extensions_mut().insert(ConnectInfo(peer));
            let started = Instant::now();
            let response = router.clone().oneshot(request).await?;
            let status = response.status().as_u16();
            let bytes = response.into_body().collect().await?.to_bytes();
            samples.push(started.elapsed());
            let answer: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
            let code = answer["errors"][0]["extensions"]["code"]
                .as_str()
                .unwrap_or("-")
                .to_owned();
            last = (status, code);
        }
        samples.sort();
        out.push(Refusal {
            attack,
            status: last.0,
            code: last.1,
            p50: samples[samples.len() / 2],
            max: samples[samples.len() - 1],
        });
    }
    Ok(out)
}
