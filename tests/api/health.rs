//! Health, readiness and metrics endpoints.

use serde_json::json;

use crate::helpers::{TestApp, nodes};

#[tokio::test]
async fn health_readiness_and_metrics_answer() {
    let app = TestApp::empty().await;
    assert_eq!(app.get("/healthz").await.0, 200);
    assert_eq!(app.get("/readyz").await.0, 200);
    let (status, content_type, body) = app.get("/metrics").await;
    assert_eq!(status, 200);
    assert!(content_type.starts_with("text/plain"));
    assert!(body.contains("# TYPE civic_catalog_sql_statements_total counter"));
    assert!(body.contains("civic_catalog_http_requests_total"));
}

#[tokio::test]
async fn responses_carry_a_request_id() {
    let app = TestApp::empty().await;
    let response = app
        .client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();
    let id = response
        .headers()
        .get("x-request-id")
        .expect("x-request-id header");
    assert_eq!(id.to_str().unwrap().len(), 36);
}

/// The value of `/metrics`' series `civic_catalog_request_sql_statements_{series}` with
/// exactly `labels`.
fn statements(metrics: &str, series: &str, labels: &str) -> Option<u64> {
    let prefix = format!("civic_catalog_request_sql_statements_{series}{{{labels}}} ");
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .and_then(|n| n.parse().ok())
}

#[tokio::test]
async fn metrics_count_each_requests_statements_by_operation_name() {
    let app = TestApp::seeded().await;
    // The first public read builds the snapshot; it is unnamed.
    let warm = app
        .data("{ lifeEvents(first: 1) { nodes { slug } } }", json!({}))
        .await;
    assert_eq!(nodes(&warm["lifeEvents"]).len(), 1);
    for _ in 0..3 {
        let page = app
            .data(
                "query PortalHome { lifeEvents(first: 5) { nodes { slug stages { services { service { name agency { name } } } } } } }",
                json!({}),
            )
            .await;
        assert_eq!(nodes(&page["lifeEvents"]).len(), 5);
    }
    let (_, _, metrics) = app.get("/metrics").await;
    assert!(metrics.contains("# TYPE civic_catalog_request_sql_statements histogram"));
    // Each public read from the snapshot costs exactly the one statement checking the
    // public revision, however much of the catalog it reads.
    let home = r#"operation="PortalHome""#;
    assert_eq!(statements(&metrics, "count", home), Some(3), "{metrics}");
    assert_eq!(statements(&metrics, "sum", home), Some(3), "{metrics}");
    let bucket = |le: &str| statements(&metrics, "bucket", &format!(r#"{home},le="{le}""#));
    assert_eq!(bucket("0"), Some(0), "{metrics}");
    assert_eq!(bucket("1"), Some(3), "{metrics}");
    assert_eq!(bucket("+Inf"), Some(3), "{metrics}");
    let unnamed = statements(&metrics, "sum", r#"operation="(unnamed)""#);
    assert!(
        unnamed.is_some_and(|n| n > 1),
        "building the snapshot takes more than one statement: {metrics}"
    );
}
