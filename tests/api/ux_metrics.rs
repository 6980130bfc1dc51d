//! UX metrics: an agency reports what its systems measured of a service in a month; the
//! service's experience shows the measurements beside the feedback, with the rates
//! derived from the counts; bad reports are refused with their field and change nothing;
//! only the agency's editors and admins may report; re-reporting replaces, and is audited.

use serde_json::{Value, json};

use crate::helpers::{Caller, TestApp};

const REPORT: &str = r#"mutation($input: UxMetricsReportInput!) { uxMetricsReport(input: $input) {
    month replaced
    uxMetrics { channelKind category months started completed failed abandoned successRate errorRate abandonmentRate
      medianSecondsToComplete p90SecondsToComplete medianClicksToComplete }
    userErrors { field message code } } }"#;

const EXPERIENCE: &str = r#"query($period: String) { service(slug: "nys-unemployment-insurance") {
    experience(period: $period) { uxMetrics { channelKind category months started completed failed abandoned
      successRate errorRate abandonmentRate medianSecondsToComplete p90SecondsToComplete medianClicksToComplete } } } }"#;

/// A report of `month` through `kind` with the counts and measures given.
fn report(id: &Value, kind: &str, month: &str, counts: [i64; 4], measures: [Value; 3]) -> Value {
    let [started, completed, failed, abandoned] = counts;
    let [median, p90, clicks] = measures;
    json!({ "input": { "serviceId": id, "channelKind": kind, "month": month,
        "started": started, "completed": completed, "failed": failed, "abandoned": abandoned,
        "medianSecondsToComplete": median, "p90SecondsToComplete": p90, "medianClicksToComplete": clicks } })
}

async fn ux(app: &TestApp, period: &str) -> Vec<Value> {
    app.data(EXPERIENCE, json!({ "period": period })).await["service"]["experience"]["uxMetrics"]
        .as_array()
        .unwrap()
        .clone()
}

fn of_kind<'a>(metrics: &'a [Value], kind: &str) -> &'a Value {
    metrics
        .iter()
        .find(|m| m["channelKind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {metrics:?}"))
}

fn close(value: &Value, expected: f64) -> bool {
    value.as_f64().is_some_and(|v| (v - expected).abs() < 1e-9)
}

#[tokio::test]
async fn an_agency_reports_months_and_the_experience_derives_rates_and_weighted_times() {
    let app = TestApp::with_keys().await;
    let id = app.service_id("nys-unemployment-insurance").await;
    let editor = app.as_(Caller::Editor);
    let july = editor
        .graphql(
            REPORT,
            report(
                &id,
                "ONLINE_FORM",
                "2026-07",
                [1000, 700, 100, 150],
                [json!(600), json!(1500), json!(12)],
            ),
        )
        .await;
    let payload = &july["data"]["uxMetricsReport"];
    assert_eq!(payload["userErrors"], json!([]), "{july}");
    assert_eq!(payload["month"], "2026-07");
    assert_eq!(payload["replaced"], false);
    let stored = &payload["uxMetrics"];
    assert_eq!(stored["category"], "DIGITAL");
    assert!(close(&stored["successRate"], 0.7), "{stored}");
    assert!(close(&stored["abandonmentRate"], 0.15), "{stored}");
    for (kind, month, counts, measures) in [
        (
            "ONLINE_FORM",
            "2026-08",
            [500, 300, 50, 100],
            [json!(400), json!(1000), json!(10)],
        ),
        (
            "PHONE",
            "2026-08",
            [200, 150, 10, 40],
            [json!(900), json!(1800), Value::Null],
        ),
    ] {
        let body = app
            .as_(Caller::Admin)
            .graphql(REPORT, report(&id, kind, month, counts, measures))
            .await;
        assert_eq!(
            body["data"]["uxMetricsReport"]["userErrors"],
            json!([]),
            "{body}"
        );
    }

    // The quarter: sums of the counts, rates from them, times weighted by completions.
    let quarter = ux(&app, "2026-Q3").await;
    assert_eq!(quarter.len(), 2, "{quarter:?}");
    let form = of_kind(&quarter, "ONLINE_FORM");
    assert_eq!(
        [
            &form["months"],
            &form["started"],
            &form["completed"],
            &form["failed"],
            &form["abandoned"]
        ],
        [
            &json!(2),
            &json!(1500),
            &json!(1000),
            &json!(150),
            &json!(250)
        ]
    );
    assert!(close(&form["successRate"], 1000.0 / 1500.0), "{form}");
    assert!(close(&form["errorRate"], 0.1), "{form}");
    assert!(close(&form["abandonmentRate"], 250.0 / 1500.0), "{form}");
    // (600 x 700 + 400 x 300) / 1000; (1500 x 700 + 1000 x 300) / 1000; (12 x 700 + 10 x 300) / 1000
    assert!(close(&form["medianSecondsToComplete"], 540.0), "{form}");
    assert!(close(&form["p90SecondsToComplete"], 1350.0), "{form}");
    assert!(close(&form["medianClicksToComplete"], 11.4), "{form}");
    let phone = of_kind(&quarter, "PHONE");
    assert_eq!(phone["category"], "HUMAN");
    assert!(close(&phone["successRate"], 0.75), "{phone}");
    assert!(close(&phone["errorRate"], 0.05), "{phone}");
    assert!(close(&phone["abandonmentRate"], 0.2), "{phone}");
    assert!(close(&phone["medianSecondsToComplete"], 900.0), "{phone}");
    assert!(phone["medianClicksToComplete"].is_null());
    // One month alone is that month's report.
    let july_only = ux(&app, "2026-07").await;
    assert_eq!(july_only.len(), 1);
    assert!(close(&july_only[0]["medianSecondsToComplete"], 600.0));
    assert!(ux(&app, "2026-06").await.is_empty());

    // Re-reporting July replaces it, and both reports are in the audit trail.
    let again = editor
        .graphql(
            REPORT,
            report(
                &id,
                "ONLINE_FORM",
                "2026-07",
                [1000, 800, 100, 100],
                [json!(600), json!(1500), json!(12)],
            ),
        )
        .await;
    assert_eq!(
        again["data"]["uxMetricsReport"]["replaced"], true,
        "{again}"
    );
    let form = of_kind(&ux(&app, "2026-Q3").await, "ONLINE_FORM").clone();
    assert_eq!(form["completed"], 1100, "{form}");
    let trail = app
        .as_(Caller::Admin)
        .graphql(
            r#"{ auditEvents(first: 10, filter: {agency: "nys-dol"}) { nodes { action recordType before after } } }"#,
            json!({}),
        )
        .await;
    let events: Vec<&Value> = trail["data"]["auditEvents"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "uxMetrics.report")
        .collect();
    assert_eq!(events.len(), 4, "{trail}");
    // Newest first: the replacement, with what it replaced.
    assert_eq!(events[0]["before"]["completed"], 700, "{trail}");
    assert_eq!(events[0]["after"]["completed"], 800, "{trail}");
    assert_eq!(events[0]["after"]["month"], "2026-07");
    assert!(events[3]["before"].is_null());
}

#[tokio::test]
async fn a_bad_report_is_refused_with_its_field_and_nothing_is_stored() {
    let app = TestApp::with_keys().await;
    let id = app.service_id("nys-unemployment-insurance").await;
    let good = [json!(600), json!(1500), json!(12)];
    let cases = [
        (
            report(
                &id,
                "ONLINE_FORM",
                "2026-07",
                [100, 80, 20, 10],
                good.clone(),
            ),
            "started",
            "INVALID",
        ),
        (
            report(
                &id,
                "ONLINE_FORM",
                "2026-07",
                [100, -1, 0, 0],
                [Value::Null, Value::Null, Value::Null],
            ),
            "completed",
            "INVALID",
        ),
        (
            report(
                &id,
                "PHONE",
                "2026-07",
                [100, 80, 0, 0],
                [json!(60), json!(90), json!(3)],
            ),
            "medianClicksToComplete",
            "INVALID",
        ),
        (
            report(
                &id,
                "ONLINE_FORM",
                "2026-07",
                [100, 80, 0, 0],
                [json!(600), json!(300), Value::Null],
            ),
            "p90SecondsToComplete",
            "INVALID",
        ),
        (
            report(
                &id,
                "ONLINE_FORM",
                "2026-07",
                [100, 0, 50, 50],
                [json!(600), Value::Null, Value::Null],
            ),
            "medianSecondsToComplete",
            "INVALID",
        ),
        (
            report(
                &id,
                "ONLINE_FORM",
                "2026-07",
                [100, 80, 0, 0],
                [json!(-5), Value::Null, Value::Null],
            ),
            "medianSecondsToComplete",
            "INVALID",
        ),
        (
            report(&id, "ONLINE_FORM", "2026-Q3", [100, 80, 0, 0], good.clone()),
            "month",
            "INVALID",
        ),
        (
            report(&id, "ONLINE_FORM", "2999-01", [100, 80, 0, 0], good.clone()),
            "month",
            "INVALID",
        ),
        (
            report(&id, "ONLINE_FORM", "July", [100, 80, 0, 0], good.clone()),
            "month",
            "INVALID",
        ),
        (
            report(
                &id,
                "IN_PERSON",
                "2026-07",
                [100, 80, 0, 0],
                [json!(60), json!(90), Value::Null],
            ),
            "channelKind",
            "INVALID",
        ),
        (
            report(
                &json!("U2VydmljZTo5OTk5OQ"),
                "ONLINE_FORM",
                "2026-07",
                [100, 80, 0, 0],
                good.clone(),
            ),
            "serviceId",
            "NOT_FOUND",
        ),
    ];
    for (input, field, code) in &cases {
        let body = app.as_(Caller::Editor).graphql(REPORT, input.clone()).await;
        let payload = &body["data"]["uxMetricsReport"];
        assert!(payload["uxMetrics"].is_null(), "{input}: {body}");
        let error = &payload["userErrors"][0];
        assert_eq!(error["field"], json!(["input", field]), "{input}: {body}");
        assert_eq!(error["code"], *code, "{input}: {body}");
        assert!(!error["message"].as_str().unwrap().is_empty());
    }
    assert!(ux(&app, "FY2027").await.is_empty(), "nothing was stored");
}

#[tokio::test]
async fn only_the_agencys_editors_and_admins_may_report() {
    let app = TestApp::with_keys().await;
    let id = app.service_id("nys-unemployment-insurance").await;
    let input = report(
        &id,
        "PHONE",
        "2026-08",
        [10, 9, 1, 0],
        [json!(100), json!(200), Value::Null],
    );
    for (caller, expected) in [
        (Caller::Anonymous, "UNAUTHENTICATED"),
        (Caller::ForeignEditor, "FORBIDDEN"),
        (Caller::Reviewer, "FORBIDDEN"),
    ] {
        let body = app.as_(caller).graphql(REPORT, input.clone()).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], expected,
            "{caller:?}: {body}"
        );
    }
    assert!(ux(&app, "2026-08").await.is_empty(), "nothing was stored");
    let body = app.as_(Caller::Admin).graphql(REPORT, input).await;
    assert_eq!(
        body["data"]["uxMetricsReport"]["userErrors"],
        json!([]),
        "{body}"
    );
    assert_eq!(ux(&app, "2026-08").await.len(), 1);
}
