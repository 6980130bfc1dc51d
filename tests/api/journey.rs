//! A life event's journey as residents experience it: each stage's services with their
//! scores and abandonment, the stage's pooled score, and the experience gaps ranked worst
//! first, on a small data set whose figures are worked out by hand.

use civic_catalog::config::Limits;
use serde_json::{Value, json};

use crate::helpers::TestApp;

const JOURNEY: &str = r#"query($period: String) { lifeEvent(slug: "job-loss") { experience(period: $period) {
    period { start end }
    stages { stage { slug } started abandonmentRate scores { responses satisfaction csat withheld }
      services { service { slug } started abandonmentRate scores { responses satisfaction withheld } } }
    gaps { kind stage { slug } nextStage { slug } severity reason } } } }"#;

fn close(value: &Value, expected: f64) -> bool {
    value.as_f64().is_some_and(|v| (v - expected).abs() < 1e-9)
}

/// An app whose job-loss journey has this month's small hand-computed data set: figures
/// shown from 2 responses.
async fn journey_app() -> (TestApp, String) {
    let app = TestApp::with_keys_and(Limits {
        feedback_rate_limit: 0,
        min_responses: 2,
        public_revision_poll_ms: 0,
        ..Limits::default()
    })
    .await;
    for (slug, kind, ratings) in [
        ("nys-unemployment-insurance", "ONLINE_FORM", &[4, 4, 5][..]),
        ("nys-snap", "ONLINE_FORM", &[3]),
        ("nys-heap", "ONLINE_FORM", &[2, 1]),
        ("nyc-one-shot-deal", "ONLINE_FORM", &[2, 3]),
        ("nys-career-centers", "IN_PERSON", &[5, 4]),
    ] {
        let service = app.service_id(slug).await;
        for satisfaction in ratings {
            let input = json!({ "serviceId": service, "channelKind": kind,
                "satisfaction": satisfaction, "language": "en" });
            app.submit_feedback(input).await;
        }
    }
    let month = chrono::Utc::now().format("%Y-%m").to_string();
    for (slug, [started, completed, failed, abandoned]) in [
        ("nys-heap", [100, 50, 10, 40]),
        ("nys-unemployment-insurance", [200, 180, 10, 10]),
    ] {
        let input = json!({ "serviceId": app.service_id(slug).await, "channelKind": "ONLINE_FORM",
            "month": month, "started": started, "completed": completed, "failed": failed,
            "abandoned": abandoned });
        app.report_ux_metrics(input).await;
    }
    (app, month)
}

#[tokio::test]
async fn the_job_loss_journey_ranks_its_gaps_from_the_figures() {
    let (app, month) = journey_app().await;
    let data = app.data(JOURNEY, json!({ "period": month })).await;
    let journey = &data["lifeEvent"]["experience"];
    let stages = journey["stages"].as_array().unwrap();
    let slugs: Vec<&str> = stages
        .iter()
        .map(|s| s["stage"]["slug"].as_str().unwrap())
        .collect();
    assert_eq!(
        slugs,
        [
            "replace-income",
            "keep-your-home",
            "stay-healthy",
            "find-next-job"
        ]
    );

    // Replace lost income: 4, 4, 5 and 3 pooled: mean 4.0, CSAT 3 of 4.
    let income = &stages[0];
    assert_eq!(income["scores"]["responses"], 4);
    assert!(close(&income["scores"]["satisfaction"], 4.0), "{income}");
    assert!(close(&income["scores"]["csat"], 0.75), "{income}");
    assert_eq!(income["started"], 200);
    assert!(close(&income["abandonmentRate"], 0.05), "{income}");
    let service = |stage: &Value, slug: &str| -> Value {
        stage["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["service"]["slug"] == slug)
            .cloned()
            .unwrap_or_else(|| panic!("{slug} in {stage}"))
    };
    let snap = service(income, "nys-snap");
    assert_eq!(snap["scores"]["responses"], 1);
    assert!(
        snap["scores"]["satisfaction"].is_null(),
        "one response is withheld: {snap}"
    );
    assert!(snap["abandonmentRate"].is_null());
    let ui = service(income, "nys-unemployment-insurance");
    assert!(close(&ui["scores"]["satisfaction"], 13.0 / 3.0), "{ui}");
    // Keep your home: 2, 1, 2, 3: mean 2.0; 40 of 100 abandoned.
    let home = &stages[1];
    assert!(close(&home["scores"]["satisfaction"], 2.0), "{home}");
    assert!(close(&home["abandonmentRate"], 0.4), "{home}");
    assert!(close(
        &service(home, "nys-heap")["scores"]["satisfaction"],
        1.5
    ));
    // Stay healthy: no responses, so nothing is shown and no gap is made of it.
    assert_eq!(stages[2]["scores"]["responses"], 0);
    assert!(stages[2]["scores"]["withheld"].is_string());
    assert!(stages[2]["abandonmentRate"].is_null());

    let gaps: Vec<(String, String, Value, f64)> = journey["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["kind"].as_str().unwrap().to_owned(),
                g["stage"]["slug"].as_str().unwrap().to_owned(),
                g["nextStage"]["slug"].clone(),
                g["severity"].as_f64().unwrap(),
            )
        })
        .collect();
    let expected = [
        ("LOW_SATISFACTION", "keep-your-home", Value::Null, 0.75),
        (
            "SATISFACTION_DROP",
            "replace-income",
            json!("keep-your-home"),
            0.5,
        ),
        ("HIGH_ABANDONMENT", "keep-your-home", Value::Null, 0.4),
        ("LOW_SATISFACTION", "replace-income", Value::Null, 0.25),
        ("LOW_SATISFACTION", "find-next-job", Value::Null, 0.125),
        ("HIGH_ABANDONMENT", "replace-income", Value::Null, 0.05),
    ];
    assert_eq!(gaps.len(), expected.len(), "{gaps:?}");
    for ((kind, stage, next, severity), (k, s, n, v)) in gaps.iter().zip(expected) {
        assert_eq!(
            (kind.as_str(), stage.as_str(), next),
            (k, s, &n),
            "{gaps:?}"
        );
        assert!((severity - v).abs() < 1e-9, "{gaps:?}");
    }
    assert_eq!(
        journey["gaps"][1]["reason"],
        "mean satisfaction falls from 4.0 at \"Replace lost income\" to 2.0 at \"Keep your home and utilities\""
    );

    // Another month has nothing; a malformed or future period is refused.
    let empty = app.data(JOURNEY, json!({ "period": "2026-01" })).await;
    assert_eq!(empty["lifeEvent"]["experience"]["gaps"], json!([]));
    for bad in ["2026-13", "next month", "2999-Q1"] {
        let error = app.error(JOURNEY, json!({ "period": bad })).await;
        assert_eq!(
            error["extensions"]["code"], "BAD_USER_INPUT",
            "{bad}: {error}"
        );
    }
}

#[tokio::test]
async fn the_journey_map_page_draws_the_stages_figures_and_gaps() {
    let (app, month) = journey_app().await;
    let (status, content_type, html) = app
        .get(&format!("/cx/life-events/job-loss?period={month}"))
        .await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(content_type, "text/html; charset=utf-8");
    // The stages left to right, in journey order, in the map itself.
    let svg = &html[html.find("<svg").unwrap()..html.find("</svg>").unwrap()];
    let at = |text: &str| {
        svg.find(text)
            .unwrap_or_else(|| panic!("{text} not in the map: {svg}"))
    };
    assert!(at("1. Replace lost income") < at("2. Keep your home"));
    assert!(at("2. Keep your home") < at("3. Stay healthy and covered"));
    assert!(at("3. Stay healthy") < at("4. Find your next job"));
    // Each mark carries its figure: income 4.0 (4 responses), home 2.0 and 40% abandoned,
    // healthy withheld (no responses), the touchpoint mix by category.
    for text in [
        "4.0 of 5",
        "4 responses",
        "2.0 of 5",
        "40% abandoned of 100 started",
        "5% abandoned of 200 started",
        "withheld: 0 responses",
        "Digital 100%: 4.0 of 5",
        "Physical 100%: 4.5 of 5",
        // The three worst gaps are highlighted on the map, the drop on its line.
        "GAP 1: low satisfaction",
        "GAP 3: high abandonment",
        "GAP 2: drop of 2.0",
    ] {
        at(text);
    }
    assert!(!svg.contains("GAP 4"), "only the three worst: {svg}");
    // Under the map: every gap with its reason, and each service's figures.
    assert!(html.contains(
        "mean satisfaction falls from 4.0 at &quot;Replace lost income&quot; to 2.0 at \
         &quot;Keep your home and utilities&quot;"
    ));
    assert!(html.contains("1.5 of 5 (2 responses)"), "HEAP");
    assert!(html.contains("withheld (1 responses)"), "SNAP");
    assert!(!html.contains("Synthetic demonstration data"));
    // No script, nothing from elsewhere.
    assert!(!html.contains("<script"));
    assert!(!html.contains("src="));

    // One service's page.
    let (status, _, html) = app
        .get(&format!("/cx/services/nys-heap?period={month}"))
        .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Home Energy Assistance Program"), "{html}");
    assert!(
        html.contains("Overall:</strong> 1.5 of 5 (2 responses)"),
        "{html}"
    );
    assert!(html.contains("ONLINE_FORM (Digital)"), "{html}");
    assert!(html.contains("<td class=\"n\">100</td><td class=\"n\">50%</td><td class=\"n\">10%</td><td class=\"n\">40%</td>"), "{html}");

    // Mistakes are pages too, with their status.
    for (path, expected, text) in [
        ("/cx/life-events/no-such-event", 404, "life event not found"),
        ("/cx/services/no-such-service", 404, "service not found"),
        (
            "/cx/life-events/job-loss?period=2026-13",
            400,
            "is not a period",
        ),
        (
            "/cx/life-events/job-loss?period=2999-Q1",
            400,
            "has not begun yet",
        ),
        (
            "/cx/services/nys-heap?period=%3Cscript%3E",
            400,
            "`&lt;script&gt;` is not a period",
        ),
    ] {
        let (status, content_type, html) = app.get(path).await;
        assert_eq!(
            (status, content_type.as_str()),
            (expected, "text/html; charset=utf-8"),
            "{path}"
        );
        assert!(html.contains(text), "{path}: {html}");
    }
}

#[tokio::test]
async fn the_cx_pages_count_against_the_anonymous_rate_limit() {
    let app = TestApp::seeded_with(Limits {
        rate_limit_anonymous: 2,
        public_revision_poll_ms: 0,
        ..Limits::default()
    })
    .await;
    for path in ["/cx/life-events/job-loss", "/cx/services/nys-heap"] {
        let (status, _, _) = app.get(path).await;
        assert_eq!(status, 200, "{path}");
    }
    // The third request from this address within the minute is refused before any read.
    let (status, content_type, body) = app.get("/cx/life-events/job-loss").await;
    assert_eq!(status, 429, "{body}");
    assert!(content_type.starts_with("application/"), "{content_type}");
    assert!(body.contains("RATE_LIMITED"), "{body}");
}
