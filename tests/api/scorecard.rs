//! Agencies' experience and the CSSP scorecard: pooled feedback, the top negative driver
//! and transactions per agency and service, sortable, for ADMIN and REVIEWER keys only.

use civic_catalog::config::Limits;
use serde_json::{Value, json};

use crate::helpers::{Caller, TestApp};

#[tokio::test]
async fn the_cx_office_reads_agencies_side_by_side() {
    let app = TestApp::with_keys_and(Limits {
        feedback_rate_limit: 0,
        min_responses: 2,
        public_revision_poll_ms: 0,
        ..Limits::default()
    })
    .await;
    for (slug, satisfaction, negative) in [
        ("nys-unemployment-insurance", 5, json!([])),
        (
            "nys-unemployment-insurance",
            2,
            json!(["EFFICIENCY", "TRANSPARENCY"]),
        ),
        ("nys-unemployment-insurance", 1, json!(["EFFICIENCY"])),
        ("nys-snap", 4, json!(["EASE"])),
        ("nys-heap", 5, json!([])),
        ("nys-heap", 4, json!([])),
    ] {
        let input = json!({ "serviceId": app.service_id(slug).await, "channelKind": "ONLINE_FORM",
            "satisfaction": satisfaction, "negativeDrivers": negative, "language": "en" });
        app.submit_feedback(input).await;
    }
    let month = chrono::Utc::now().format("%Y-%m").to_string();
    let input = json!({ "serviceId": app.service_id("nys-unemployment-insurance").await,
        "channelKind": "ONLINE_FORM", "month": month, "started": 100, "completed": 60,
        "failed": 10, "abandoned": 30 });
    app.report_ux_metrics(input).await;

    let agency = r#"{ agency(slug: "nys-dol") { name experience {
        cssp scores { responses satisfaction csat } topNegativeDriver
        transactions { started completed successRate abandonmentRate }
        services { service { slug } scores { responses } topNegativeDriver } } } }"#;
    let body = app.as_(Caller::Reviewer).graphql(agency, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let dol = &body["data"]["agency"]["experience"];
    assert_eq!(dol["cssp"], true);
    assert_eq!(dol["scores"]["responses"], 3);
    assert!((dol["scores"]["satisfaction"].as_f64().unwrap() - 8.0 / 3.0).abs() < 1e-9);
    assert!((dol["scores"]["csat"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-9);
    assert_eq!(dol["topNegativeDriver"], "EFFICIENCY", "named twice: {dol}");
    assert_eq!(
        dol["transactions"],
        json!({ "started": 100, "completed": 60, "successRate": 0.6, "abandonmentRate": 0.3 })
    );
    let ui = dol["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service"]["slug"] == "nys-unemployment-insurance")
        .unwrap();
    assert_eq!(ui["scores"]["responses"], 3);
    assert_eq!(ui["topNegativeDriver"], "EFFICIENCY");
    // Others may not read it; the rest of the answer stands.
    for (caller, code) in [
        (Caller::Anonymous, "UNAUTHENTICATED"),
        (Caller::Editor, "FORBIDDEN"),
    ] {
        let body = app.as_(caller).graphql(agency, json!({})).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], code,
            "{caller:?}: {body}"
        );
        assert!(body["data"]["agency"]["experience"].is_null(), "{body}");
        assert!(body["data"]["agency"]["name"].is_string(), "{body}");
    }

    // The scorecard: every CSSP, and only those.
    let cssps = app
        .data(
            r#"{ agencies(first: 100, filter: {cssp: true}) { nodes { slug } } }"#,
            json!({}),
        )
        .await;
    let mut expected: Vec<String> = cssps["agencies"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["slug"].as_str().unwrap().to_owned())
        .collect();
    expected.sort();
    let app = &app;
    let scorecard = async |order: Value| {
        let body = app
            .as_(Caller::Admin)
            .graphql(
                r#"query($order: ScorecardOrderBy) { csspScorecard(orderBy: $order) {
                    agency { slug } scores { responses csat withheld } } }"#,
                json!({ "order": order }),
            )
            .await;
        assert!(body.get("errors").is_none(), "{body}");
        body["data"]["csspScorecard"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                (
                    a["agency"]["slug"].as_str().unwrap().to_owned(),
                    a["scores"].clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    let by_name = scorecard(json!({ "field": "NAME" })).await;
    let mut slugs: Vec<String> = by_name.iter().map(|(s, _)| s.clone()).collect();
    slugs.sort();
    assert_eq!(slugs, expected);
    // CSAT, worst first: DOL (1 of 3), then OTDA (3 of 3); the rest are withheld, last.
    let worst_first = scorecard(Value::Null).await;
    assert_eq!(worst_first[0].0, "nys-dol");
    assert_eq!(worst_first[1].0, "nys-otda");
    assert!(
        worst_first[2..]
            .iter()
            .all(|(_, s)| s["withheld"].is_string())
    );
    let most_responses = scorecard(json!({ "field": "RESPONSES", "descending": true })).await;
    assert_eq!(most_responses[0].0, "nys-dol");
    assert_eq!(most_responses[0].1["responses"], 3);
    let body = app
        .as_(Caller::Editor)
        .graphql("{ csspScorecard { agency { slug } } }", json!({}))
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{body}"
    );
}
