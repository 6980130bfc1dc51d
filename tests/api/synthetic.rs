//! The synthetic demonstration set: loaded for the seeded catalog, it tells the job-loss
//! journey's gap, is marked synthetic in every read and page that shows it, replaces itself
//! when loaded again, and goes away on its own without touching real feedback.

use civic_catalog::config::Limits;
use serde_json::json;

use crate::helpers::{Caller, TestApp};

const JOURNEY: &str = r#"query($period: String) { lifeEvent(slug: "job-loss") { experience(period: $period) {
    synthetic gaps { kind stage { slug } nextStage { slug } } } } }"#;

const SERVICE: &str = r#"query($period: String) { service(slug: "nys-heap") { experience(period: $period) {
    synthetic overall { responses satisfaction } uxMetrics { channelKind } } } }"#;

/// The quarter before this one, as the pages default to it.
fn last_quarter() -> String {
    use chrono::Datelike;
    let today = chrono::Utc::now().date_naive();
    match today.month0() / 3 {
        0 => format!("{}-Q4", today.year() - 1),
        q => format!("{}-Q{q}", today.year()),
    }
}

#[tokio::test]
async fn the_synthetic_set_tells_the_job_loss_gap_and_says_it_is_synthetic() {
    let app = TestApp::with_keys_and(Limits {
        feedback_rate_limit: 0,
        public_revision_poll_ms: 0,
        ..Limits::default()
    })
    .await;
    let period = json!({ "period": last_quarter() });
    // Real data only: nothing is synthetic.
    let before = app.data(SERVICE, period.clone()).await;
    assert_eq!(before["service"]["experience"]["synthetic"], false);
    assert_eq!(before["service"]["experience"]["overall"]["responses"], 0);

    let report = app.catalog.load_synthetic_experience().await.unwrap();
    assert!(report.feedback > 10_000, "{report:?}");
    assert!(report.ux_metrics > 1_000, "{report:?}");

    let journey = app.data(JOURNEY, period.clone()).await;
    let journey = &journey["lifeEvent"]["experience"];
    assert_eq!(journey["synthetic"], true);
    // The worst gap is the "keep your home" stage, and the fall into it from the stage
    // before ranks among the three worst.
    assert_eq!(
        journey["gaps"][0],
        json!({ "kind": "LOW_SATISFACTION", "stage": { "slug": "keep-your-home" }, "nextStage": null })
    );
    let top: Vec<_> = journey["gaps"].as_array().unwrap()[..3].to_vec();
    assert!(
        top.contains(
            &json!({ "kind": "SATISFACTION_DROP", "stage": { "slug": "replace-income" },
            "nextStage": { "slug": "keep-your-home" } })
        ),
        "{top:?}"
    );
    assert!(
        top.contains(
            &json!({ "kind": "HIGH_ABANDONMENT", "stage": { "slug": "keep-your-home" },
            "nextStage": null })
        ),
        "{top:?}"
    );

    let heap = app.data(SERVICE, period.clone()).await;
    let responses = heap["service"]["experience"]["overall"]["responses"].clone();
    assert!(responses.as_u64().unwrap() > 50, "{heap}");
    assert_eq!(heap["service"]["experience"]["synthetic"], true);
    assert!(
        heap["service"]["experience"]["overall"]["satisfaction"]
            .as_f64()
            .unwrap()
            < 3.0
    );
    // The scorecard marks it too.
    let scorecard = app
        .as_(Caller::Admin)
        .graphql(
            "query($period: String) { csspScorecard(period: $period) { synthetic } }",
            period.clone(),
        )
        .await;
    let cards = scorecard["data"]["csspScorecard"].as_array().unwrap();
    assert!(
        !cards.is_empty() && cards.iter().all(|c| c["synthetic"] == true),
        "{scorecard}"
    );
    // Raw comments say it in their own text.
    let comments = app
        .as_(Caller::Admin)
        .graphql(
            r#"query($period: String) { service(slug: "nys-heap") { feedbackComments(period: $period) { comment } } }"#,
            period.clone(),
        )
        .await;
    let comments = comments["data"]["service"]["feedbackComments"]
        .as_array()
        .unwrap()
        .clone();
    assert!(!comments.is_empty());
    assert!(
        comments
            .iter()
            .all(|c| c["comment"].as_str().unwrap().starts_with("[synthetic] "))
    );
    // So does every page that shows it.
    for path in ["/cx/life-events/job-loss", "/cx/services/nys-heap"] {
        let (status, _, html) = app.get(path).await;
        assert_eq!(status, 200);
        assert!(html.contains("Synthetic demonstration data"), "{path}");
    }

    // Loading it again replaces it (it is the same set), never doubles it.
    app.catalog.load_synthetic_experience().await.unwrap();
    let again = app.data(SERVICE, period.clone()).await;
    assert_eq!(
        again["service"]["experience"]["overall"]["responses"],
        responses
    );

    // Removing it leaves real feedback alone.
    let month = chrono::Utc::now().format("%Y-%m").to_string();
    let this_month = json!({ "period": month });
    let synthetic_now = app.data(SERVICE, this_month.clone()).await;
    let synthetic_now = synthetic_now["service"]["experience"]["overall"]["responses"]
        .as_u64()
        .unwrap();
    app.submit_feedback(json!({ "serviceId": app.service_id("nys-heap").await,
        "channelKind": "ONLINE_FORM", "satisfaction": 5, "language": "en" }))
        .await;
    let mixed = app.data(SERVICE, this_month.clone()).await;
    assert_eq!(
        mixed["service"]["experience"]["overall"]["responses"],
        synthetic_now + 1
    );
    // The monthly rollups a submission adds itself to are what a rebuild from every row
    // gives.
    let full = r#"query($period: String) { service(slug: "nys-heap") { experience(period: $period) {
        overall { responses satisfaction csat trust } byChannel { channelKind scores { responses satisfaction } }
        drivers { driver positive negative } trend { month scores { responses satisfaction } } } } }"#;
    let incremental = app.data(full, this_month.clone()).await;
    app.catalog.rebuild_feedback_months().await.unwrap();
    assert_eq!(app.data(full, this_month.clone()).await, incremental);
    app.catalog.remove_synthetic_experience().await.unwrap();
    let real = app.data(SERVICE, this_month).await;
    assert_eq!(real["service"]["experience"]["synthetic"], false);
    assert_eq!(real["service"]["experience"]["overall"]["responses"], 1);
    let gone = app.data(SERVICE, period).await;
    assert_eq!(gone["service"]["experience"]["overall"]["responses"], 0);
    assert_eq!(gone["service"]["experience"]["uxMetrics"], json!([]));
}
