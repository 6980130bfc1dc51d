//! Health, readiness and metrics endpoints.

use crate::helpers::TestApp;

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
