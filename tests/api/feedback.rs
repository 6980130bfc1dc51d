//! Voice of the Customer: anyone may submit feedback on a published service; bad input is
//! refused with the field and nothing is stored; comments are stored redacted; a client
//! address may submit only so often.

use civic_catalog::config::Limits;
use civic_catalog::entity::feedback;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use crate::helpers::TestApp;

const SUBMIT: &str = r#"mutation($input: FeedbackSubmitInput!) { feedbackSubmit(input: $input) {
    receipt { submittedOn commentRedacted } userErrors { field message code } } }"#;

/// The stored feedback rows (the API has no read of single submissions, on purpose).
async fn stored(app: &TestApp) -> Vec<feedback::Model> {
    feedback::Entity::find()
        .all(app.catalog.connection())
        .await
        .unwrap()
}

/// A valid submission on unemployment insurance, at the job-loss journey's first stage.
async fn valid(app: &TestApp) -> Value {
    json!({
        "serviceId": app.service_id("nys-unemployment-insurance").await,
        "channelKind": "ONLINE_FORM",
        "lifeEvent": "job-loss",
        "stage": "replace-income",
        "satisfaction": 2,
        "trust": 3,
        "positiveDrivers": ["EASE"],
        "negativeDrivers": ["EFFICIENCY", "TRANSPARENCY"],
        "entryPoint": "PORTAL",
        "comment": "Waited 3 weeks for case 12. Call me at (518) 555-0142 or maria@example.org",
        "language": "en",
        "pageUrl": "https://dol.ny.gov/unemployment/file-your-first-claim"
    })
}

#[tokio::test]
async fn anyone_may_submit_feedback_and_its_comment_is_stored_redacted() {
    let app = TestApp::seeded().await;
    let input = valid(&app).await;
    let body = app.graphql(SUBMIT, json!({ "input": input })).await;
    let payload = &body["data"]["feedbackSubmit"];
    assert_eq!(payload["userErrors"], json!([]), "{body}");
    assert_eq!(payload["receipt"]["commentRedacted"], true, "{body}");
    assert!(payload["receipt"]["submittedOn"].is_string());
    let rows = stored(&app).await;
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(
        row.comment.as_deref(),
        Some("Waited 3 weeks for case 12. Call me at [phone] or [email]")
    );
    assert_eq!(row.satisfaction, 2);
    assert_eq!(row.trust, Some(3));
    assert!(row.life_event_id.is_some() && row.journey_stage_id.is_some());
    // Only the lifeEvent and stage are optional; a bare submission works too.
    let bare = json!({
        "serviceId": app.service_id("nys-snap").await,
        "channelKind": "WEBSITE", "satisfaction": 5, "language": "es"
    });
    let body = app.graphql(SUBMIT, json!({ "input": bare })).await;
    assert_eq!(
        body["data"]["feedbackSubmit"]["receipt"]["commentRedacted"], false,
        "{body}"
    );
    assert_eq!(stored(&app).await.len(), 2);
}

#[tokio::test]
async fn bad_feedback_is_refused_with_its_field_and_nothing_is_stored() {
    // Every attempt counts against the rate limit; this test makes many.
    let app = TestApp::seeded_with(Limits {
        feedback_rate_limit: 0,
        ..Limits::default()
    })
    .await;
    let base = valid(&app).await;
    let with = |change: Value| {
        let mut input = base.clone();
        for (k, v) in change.as_object().unwrap() {
            input[k] = v.clone();
        }
        input
    };
    let unknown = civic_catalog::graphql::node::global_id(
        civic_catalog::graphql::node::NodeKind::Service,
        99_999,
    );
    let cases = [
        (
            with(json!({ "serviceId": unknown.as_str() })),
            "NOT_FOUND",
            "serviceId",
        ),
        (
            with(json!({ "channelKind": "KIOSK" })),
            "INVALID",
            "channelKind",
        ),
        (
            with(json!({ "stage": "welcome-the-baby" })),
            "INVALID",
            "stage",
        ),
        (
            with(json!({ "lifeEvent": "having-a-baby", "stage": null })),
            "INVALID",
            "lifeEvent",
        ),
        (with(json!({ "lifeEvent": null })), "INVALID", "stage"),
        (
            with(json!({ "satisfaction": 0 })),
            "INVALID",
            "satisfaction",
        ),
        (
            with(json!({ "satisfaction": 6 })),
            "INVALID",
            "satisfaction",
        ),
        (with(json!({ "trust": 9 })), "INVALID", "trust"),
        (
            with(json!({ "positiveDrivers": ["EASE", "EASE"] })),
            "INVALID",
            "positiveDrivers",
        ),
        (
            with(json!({ "positiveDrivers": ["EFFICIENCY"] })),
            "INVALID",
            "negativeDrivers",
        ),
        (
            with(json!({ "comment": "x".repeat(2_001) })),
            "INVALID",
            "comment",
        ),
        (with(json!({ "language": "xx" })), "INVALID", "language"),
        (
            with(json!({ "pageUrl": "javascript:alert(1)" })),
            "INVALID",
            "pageUrl",
        ),
        (
            with(json!({ "pageUrl": "ftp://dol.ny.gov/x" })),
            "INVALID",
            "pageUrl",
        ),
    ];
    for (input, code, field) in cases {
        let body = app.graphql(SUBMIT, json!({ "input": input })).await;
        let error = &body["data"]["feedbackSubmit"]["userErrors"][0];
        assert_eq!(error["code"], code, "{input}: {body}");
        assert_eq!(error["field"], json!(["input", field]), "{input}: {body}");
    }
    // A driver outside the A-11 set does not even validate.
    let body = app
        .graphql(
            SUBMIT,
            json!({ "input": with(json!({ "positiveDrivers": ["PRICE"] })) }),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{body}"
    );
    // A draft is not there for residents.
    let editor = crate::helpers::keys(&app).await.editor;
    let created = crate::helpers::gql_as(
        &app,
        Some(&editor),
        crate::workflow::CREATE,
        json!({ "input": crate::workflow::new_service("dol-draft-only", "nys-dol") }),
    )
    .await;
    let draft = created["data"]["serviceCreate"]["service"]["id"].clone();
    let body = app
        .graphql(SUBMIT, json!({ "input": with(json!({ "serviceId": draft, "lifeEvent": null, "stage": null, "channelKind": "WEBSITE" })) }))
        .await;
    assert_eq!(
        body["data"]["feedbackSubmit"]["userErrors"][0]["code"], "NOT_FOUND",
        "{body}"
    );
    assert_eq!(stored(&app).await.len(), 0, "nothing was stored");
}

#[tokio::test]
async fn a_client_address_may_submit_only_so_often() {
    let app = TestApp::seeded_with(Limits {
        feedback_rate_limit: 2,
        ..Limits::default()
    })
    .await;
    let input = valid(&app).await;
    for _ in 0..2 {
        let body = app.graphql(SUBMIT, json!({ "input": input })).await;
        assert_eq!(
            body["data"]["feedbackSubmit"]["userErrors"],
            json!([]),
            "{body}"
        );
    }
    let body = app.graphql(SUBMIT, json!({ "input": input })).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "RATE_LIMITED",
        "{body}"
    );
    assert_eq!(
        feedback::Entity::find()
            .count(app.catalog.connection())
            .await
            .unwrap(),
        2
    );
}

const EXPERIENCE: &str = r#"query($period: String) { service(slug: "nys-unemployment-insurance") {
    experience(period: $period) {
      period { start end }
      overall { responses satisfaction csat trust withheld }
      byChannel { channelKind category scores { responses satisfaction csat trust withheld } }
      drivers { driver positive negative }
    } } }"#;

#[tokio::test]
async fn a_service_experience_is_computed_by_the_database_and_withheld_below_the_minimum() {
    let app = TestApp::seeded_with(Limits {
        feedback_rate_limit: 0,
        min_responses: 3,
        ..Limits::default()
    })
    .await;
    let service = app.service_id("nys-unemployment-insurance").await;
    for (kind, satisfaction, trust, good, bad) in [
        (
            "ONLINE_FORM",
            5,
            Some(5),
            json!(["EASE", "EFFICIENCY"]),
            json!([]),
        ),
        (
            "ONLINE_FORM",
            4,
            Some(3),
            json!(["EASE"]),
            json!(["TRANSPARENCY"]),
        ),
        (
            "ONLINE_FORM",
            2,
            None,
            json!([]),
            json!(["EFFICIENCY", "TRANSPARENCY"]),
        ),
        ("ONLINE_FORM", 1, None, json!([]), json!(["EFFECTIVENESS"])),
        ("PHONE", 3, Some(2), json!(["EMPLOYEE"]), json!([])),
        ("PHONE", 4, None, json!([]), json!([])),
    ] {
        let input = json!({ "serviceId": service, "channelKind": kind,
            "satisfaction": satisfaction, "trust": trust, "language": "en",
            "positiveDrivers": good, "negativeDrivers": bad });
        let body = app.graphql(SUBMIT, json!({ "input": input })).await;
        assert_eq!(
            body["data"]["feedbackSubmit"]["userErrors"],
            json!([]),
            "{body}"
        );
    }
    let month = chrono::Utc::now().format("%Y-%m").to_string();
    for period in [Value::Null, json!(month)] {
        let data = app.data(EXPERIENCE, json!({ "period": period })).await;
        let experience = &data["service"]["experience"];
        let close = |v: &Value, expected: f64| (v.as_f64().unwrap() - expected).abs() < 1e-9;
        let overall = &experience["overall"];
        assert_eq!(overall["responses"], 6, "{experience}");
        assert!(close(&overall["satisfaction"], 19.0 / 6.0), "{overall}");
        assert!(close(&overall["csat"], 0.5), "{overall}");
        assert!(close(&overall["trust"], 10.0 / 3.0), "{overall}");
        assert!(overall["withheld"].is_null());
        let channels = experience["byChannel"].as_array().unwrap();
        assert_eq!(channels.len(), 2, "{experience}");
        assert_eq!(channels[0]["channelKind"], "ONLINE_FORM");
        assert_eq!(channels[0]["category"], "DIGITAL");
        let form = &channels[0]["scores"];
        assert_eq!(form["responses"], 4);
        assert!(close(&form["satisfaction"], 3.0), "{form}");
        assert!(close(&form["csat"], 0.5), "{form}");
        assert!(close(&form["trust"], 4.0), "{form}");
        // Two phone responses: below the minimum of three, so withheld.
        assert_eq!(channels[1]["channelKind"], "PHONE");
        assert_eq!(channels[1]["category"], "HUMAN");
        let phone = &channels[1]["scores"];
        assert_eq!(phone["responses"], 2);
        assert!(
            phone["satisfaction"].is_null() && phone["csat"].is_null() && phone["trust"].is_null()
        );
        assert!(
            phone["withheld"]
                .as_str()
                .unwrap()
                .contains("fewer than 3 responses")
        );
        // Each driver's share of the six responses, as having gone well and not.
        let drivers: Vec<(String, f64, f64)> = experience["drivers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                let share = |k: &str| d[k].as_f64().unwrap() * 6.0;
                (
                    d["driver"].as_str().unwrap().to_owned(),
                    share("positive"),
                    share("negative"),
                )
            })
            .collect();
        let named = |name: &str| {
            drivers
                .iter()
                .find(|d| d.0 == name)
                .map(|d| (d.1.round() as i64, d.2.round() as i64))
        };
        assert_eq!(named("EASE"), Some((2, 0)), "{drivers:?}");
        assert_eq!(named("EFFICIENCY"), Some((1, 1)), "{drivers:?}");
        assert_eq!(named("TRANSPARENCY"), Some((0, 2)), "{drivers:?}");
        assert_eq!(named("EFFECTIVENESS"), Some((0, 1)), "{drivers:?}");
        assert_eq!(named("EMPLOYEE"), Some((1, 0)), "{drivers:?}");
        assert!(
            experience["period"]["start"]
                .as_str()
                .unwrap()
                .starts_with(&month)
        );
    }
    // Malformed and future periods are refused; a period without responses shows none.
    for (period, says) in [
        ("2099-01", "has not begun yet"),
        ("2026-13", "is not a period"),
        ("Q3-2026", "is not a period"),
    ] {
        let body = app.graphql(EXPERIENCE, json!({ "period": period })).await;
        let error = &body["errors"][0];
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{body}");
        assert_eq!(error["extensions"]["field"], "period", "{body}");
        assert!(error["message"].as_str().unwrap().contains(says), "{body}");
    }
    let data = app.data(EXPERIENCE, json!({ "period": "2020-01" })).await;
    let old = &data["service"]["experience"];
    assert_eq!(old["overall"]["responses"], 0);
    assert!(old["overall"]["satisfaction"].is_null());
    assert_eq!(old["byChannel"], json!([]));
}

#[tokio::test]
async fn a_service_experience_breaks_down_by_category_stage_entry_point_and_month() {
    use civic_catalog::entity::enums::{ChannelKind, Drivers};
    use civic_catalog::entity::service;
    use sea_orm::{ActiveModelTrait, ColumnTrait, QueryFilter, Set};
    let app = TestApp::seeded_with(Limits {
        feedback_rate_limit: 0,
        min_responses: 2,
        ..Limits::default()
    })
    .await;
    let service = app.service_id("nys-unemployment-insurance").await;
    for (kind, satisfaction, stage, entry) in [
        ("ONLINE_FORM", 5, Some("replace-income"), Some("PORTAL")),
        ("WEBSITE", 3, Some("replace-income"), Some("SEARCH_ENGINE")),
        ("PHONE", 1, None, Some("PORTAL")),
        ("PHONE", 2, None, None),
    ] {
        let input = json!({ "serviceId": service, "channelKind": kind, "satisfaction": satisfaction,
            "lifeEvent": stage.map(|_| "job-loss"), "stage": stage, "entryPoint": entry, "language": "en" });
        let body = app.graphql(SUBMIT, json!({ "input": input })).await;
        assert_eq!(
            body["data"]["feedbackSubmit"]["userErrors"],
            json!([]),
            "{body}"
        );
    }
    let query = r#"query($period: String) { service(slug: "nys-unemployment-insurance") { experience(period: $period) {
        byCategory { category scores { responses satisfaction } }
        byStage { stage { slug } scores { responses satisfaction } }
        entryPoints { entryPoint responses share }
        trend { month scores { responses satisfaction withheld } } } } }"#;
    let data = app.data(query, json!({})).await;
    let experience = &data["service"]["experience"];
    assert_eq!(
        experience["byCategory"],
        json!([
            { "category": "DIGITAL", "scores": { "responses": 2, "satisfaction": 4.0 } },
            { "category": "HUMAN", "scores": { "responses": 2, "satisfaction": 1.5 } },
        ])
    );
    assert_eq!(
        experience["byStage"],
        json!([{ "stage": { "slug": "replace-income" }, "scores": { "responses": 2, "satisfaction": 4.0 } }])
    );
    assert_eq!(
        experience["entryPoints"],
        json!([
            { "entryPoint": "PORTAL", "responses": 2, "share": 0.5 },
            { "entryPoint": "SEARCH_ENGINE", "responses": 1, "share": 0.25 },
        ])
    );
    let month = chrono::Utc::now().format("%Y-%m").to_string();
    assert_eq!(
        experience["trend"],
        json!([{ "month": month, "scores": { "responses": 4, "satisfaction": 2.75, "withheld": null } }])
    );

    // Earlier months (written as a past survey import would have): one month each.
    let row = service::Entity::find()
        .filter(service::Column::Slug.eq("nys-unemployment-insurance"))
        .one(app.catalog.connection())
        .await
        .unwrap()
        .unwrap();
    for (day, satisfaction) in [((7, 3), 4), ((7, 28), 2), ((8, 9), 5)] {
        feedback::ActiveModel {
            service_id: Set(row.id),
            channel_kind: Set(ChannelKind::OnlineForm),
            satisfaction: Set(satisfaction),
            positive_drivers: Set(Drivers(Vec::new())),
            negative_drivers: Set(Drivers(Vec::new())),
            language: Set("en".into()),
            submitted_on: Set(chrono::NaiveDate::from_ymd_opt(2026, day.0, day.1).unwrap()),
            ..Default::default()
        }
        .insert(app.catalog.connection())
        .await
        .unwrap();
    }
    // Rows written in bulk are rolled up by their loader, as the synthetic set's is.
    app.catalog.rebuild_feedback_months().await.unwrap();
    let quarter = app.data(query, json!({ "period": "2026-Q3" })).await;
    assert_eq!(
        quarter["service"]["experience"]["trend"],
        json!([
            { "month": "2026-07", "scores": { "responses": 2, "satisfaction": 3.0, "withheld": null } },
            { "month": "2026-08", "scores": { "responses": 1, "satisfaction": null,
              "withheld": "fewer than 2 responses: figures are withheld so no one can be singled out" } },
        ])
    );
    // No entry point was recorded in those months; none is made up.
    assert_eq!(quarter["service"]["experience"]["entryPoints"], json!([]));
}

#[tokio::test]
async fn residents_comments_are_read_only_by_the_agencys_editors_reviewers_and_admins() {
    use crate::helpers::Caller;
    let app = TestApp::with_keys().await;
    let service = app.service_id("nys-unemployment-insurance").await;
    for comment in [
        Some("The form timed out twice; call me at 518-555-0142"),
        None,
        Some("Clear steps, thank you"),
    ] {
        let input = json!({ "serviceId": service, "channelKind": "ONLINE_FORM",
            "satisfaction": 3, "stage": "replace-income", "lifeEvent": "job-loss",
            "comment": comment, "language": "en" });
        let body = app.graphql(SUBMIT, json!({ "input": input })).await;
        assert_eq!(
            body["data"]["feedbackSubmit"]["userErrors"],
            json!([]),
            "{body}"
        );
    }
    let query = r#"{ service(slug: "nys-unemployment-insurance") { name
        feedbackComments { comment satisfaction channelKind language stage { slug } } } }"#;
    for (caller, code) in [
        (Caller::Anonymous, "UNAUTHENTICATED"),
        (Caller::ForeignEditor, "FORBIDDEN"),
    ] {
        let body = app.as_(caller).graphql(query, json!({})).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], code,
            "{caller:?}: {body}"
        );
        assert!(
            body["data"]["service"]["feedbackComments"].is_null(),
            "{body}"
        );
        assert!(
            body["data"]["service"]["name"].is_string(),
            "the rest stands: {body}"
        );
    }
    for caller in [Caller::Editor, Caller::Reviewer, Caller::Admin] {
        let body = app.as_(caller).graphql(query, json!({})).await;
        assert!(body.get("errors").is_none(), "{caller:?}: {body}");
        let comments = &body["data"]["service"]["feedbackComments"];
        assert_eq!(
            *comments,
            json!([
                { "comment": "Clear steps, thank you", "satisfaction": 3, "channelKind": "ONLINE_FORM",
                  "language": "en", "stage": { "slug": "replace-income" } },
                { "comment": "The form timed out twice; call me at [phone]", "satisfaction": 3,
                  "channelKind": "ONLINE_FORM", "language": "en", "stage": { "slug": "replace-income" } },
            ]),
            "{caller:?}"
        );
    }
}

#[tokio::test]
async fn an_agencys_feedback_exports_as_streamed_csv_to_its_staff_only() {
    let app = TestApp::with_keys_and(Limits {
        feedback_rate_limit: 0,
        ..Limits::default()
    })
    .await;
    let ui = app.service_id("nys-unemployment-insurance").await;
    for (satisfaction, comment) in [
        (
            2,
            Some("Waited, then \"try again\", then a call to 518-555-0142"),
        ),
        (5, Some("=HYPERLINK(\"http://x\")")),
        (4, None),
    ] {
        let input = json!({ "serviceId": ui, "channelKind": "ONLINE_FORM", "satisfaction": satisfaction,
            "lifeEvent": "job-loss", "stage": "replace-income", "negativeDrivers": ["EFFICIENCY", "EASE"],
            "comment": comment, "language": "en" });
        let body = app.graphql(SUBMIT, json!({ "input": input })).await;
        assert_eq!(
            body["data"]["feedbackSubmit"]["userErrors"],
            json!([]),
            "{body}"
        );
    }
    // Another agency's feedback is not in this export.
    let snap = json!({ "serviceId": app.service_id("nys-snap").await, "channelKind": "ONLINE_FORM",
        "satisfaction": 1, "language": "en" });
    app.graphql(SUBMIT, json!({ "input": snap })).await;
    let month = chrono::Utc::now().format("%Y-%m").to_string();
    let get = |token: Option<String>, query: String| {
        let mut request = app
            .client
            .get(format!("{}/export/feedback.csv?{query}", app.address));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let query = format!("agency=nys-dol&period={month}");
    let response = get(Some(app.keys().editor.clone()), query.clone())
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert_eq!(response.headers()["cache-control"], "private, no-store");
    let today = chrono::Utc::now().date_naive().to_string();
    let csv = response.text().await.unwrap();
    let expected = format!(
        "submitted_on,service,channel_kind,life_event,stage,satisfaction,trust,positive_drivers,negative_drivers,entry_point,language,comment,synthetic\r\n\
         {today},nys-unemployment-insurance,ONLINE_FORM,job-loss,replace-income,2,,,EASE EFFICIENCY,,en,\"Waited, then \"\"try again\"\", then a call to [phone]\",false\r\n\
         {today},nys-unemployment-insurance,ONLINE_FORM,job-loss,replace-income,5,,,EASE EFFICIENCY,,en,\"'=HYPERLINK(\"\"http://x\"\")\",false\r\n\
         {today},nys-unemployment-insurance,ONLINE_FORM,job-loss,replace-income,4,,,EASE EFFICIENCY,,en,,false\r\n"
    );
    assert_eq!(csv, expected);
    // Reviewers and admins may export it too; nobody else.
    for token in [&app.keys().reviewer, &app.keys().admin] {
        let response = get(Some(token.clone()), query.clone()).await.unwrap();
        assert_eq!(response.text().await.unwrap(), expected);
    }
    for (token, query, status, code) in [
        (None, query.clone(), 401, "UNAUTHENTICATED"),
        (
            Some(app.keys().foreign_editor.clone()),
            query.clone(),
            403,
            "FORBIDDEN",
        ),
        (
            Some(app.keys().editor.clone()),
            "agency=no-such-agency".to_owned(),
            404,
            "NOT_FOUND",
        ),
        (
            Some(app.keys().editor.clone()),
            "agency=nys-dol&period=2026-13".to_owned(),
            400,
            "BAD_USER_INPUT",
        ),
        (
            Some(app.keys().editor.clone()),
            "period=2026-10".to_owned(),
            400,
            "BAD_USER_INPUT",
        ),
    ] {
        let response = get(token, query.clone()).await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{query}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body["errors"][0]["extensions"]["code"], code,
            "{query}: {body}"
        );
    }
}

#[tokio::test]
async fn an_agencys_quarter_exports_in_the_a11_submission_shape() {
    use chrono::Datelike;
    let app = TestApp::with_keys_and(Limits {
        feedback_rate_limit: 0,
        ..Limits::default()
    })
    .await;
    let ui = app.service_id("nys-unemployment-insurance").await;
    let centers = app.service_id("nys-career-centers").await;
    for (service, kind, satisfaction, trust, positive, negative) in [
        (
            &ui,
            "ONLINE_FORM",
            2,
            Some(3),
            json!([]),
            json!(["EFFICIENCY", "EASE"]),
        ),
        (&ui, "ONLINE_FORM", 5, Some(5), json!(["EASE"]), json!([])),
        (&ui, "ONLINE_FORM", 4, None, json!([]), json!([])),
        (&ui, "PHONE", 1, Some(1), json!([]), json!(["EMPLOYEE"])),
        (
            &centers,
            "IN_PERSON",
            5,
            None,
            json!(["EMPLOYEE", "HUMANITY"]),
            json!([]),
        ),
    ] {
        app.submit_feedback(json!({ "serviceId": service, "channelKind": kind,
            "satisfaction": satisfaction, "trust": trust, "positiveDrivers": positive,
            "negativeDrivers": negative, "language": "en" }))
            .await;
    }
    // Another agency's answers stay out.
    app.submit_feedback(json!({ "serviceId": app.service_id("nys-snap").await,
        "channelKind": "ONLINE_FORM", "satisfaction": 1, "language": "en" }))
        .await;
    let today = chrono::Utc::now().date_naive();
    let month = today.format("%Y-%m").to_string();
    for (kind, started) in [("ONLINE_FORM", 200), ("WEBSITE", 50)] {
        app.report_ux_metrics(
            json!({ "serviceId": ui, "channelKind": kind, "month": month,
            "started": started, "completed": started / 2, "failed": 0, "abandoned": 0 }),
        )
        .await;
    }

    let q = today.month0() / 3 + 1;
    let period = format!("{}-Q{q}", today.year());
    // The federal fiscal year starts in October: October-December is next year's Q1.
    let (fy, fq) = if q == 4 {
        (today.year() + 1, 1)
    } else {
        (today.year(), q + 1)
    };
    let start = chrono::NaiveDate::from_ymd_opt(today.year(), 3 * q - 2, 1).unwrap();
    let end = start
        .checked_add_months(chrono::Months::new(3))
        .unwrap()
        .pred_opt()
        .unwrap();
    let get = |token: Option<String>, query: String| {
        let mut request = app
            .client
            .get(format!("{}/export/a11.csv?{query}", app.address));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let query = format!("agency=nys-dol&period={period}");
    let response = get(Some(app.keys().editor.clone()), query.clone())
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let csv = response.text().await.unwrap();
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "fiscal_year,quarter,period_start,period_end,agency,service,channel,volume_of_customers,\
         volume_of_respondents,question,answer_1,answer_2,answer_3,answer_4,answer_5,went_well,\
         did_not_go_well,synthetic"
    );
    let prefix = format!("{fy},{fq},{start},{end},nys-dol,");
    let rows: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.strip_prefix(&prefix).unwrap_or_else(|| panic!("{l}")))
        .collect();
    // Career centers in person (8 questions), then unemployment insurance by channel kind:
    // its website (customers, no answers), online form and phone (8 questions each).
    assert_eq!(rows.len(), 8 + 1 + 8 + 8, "{csv}");
    let drivers = [
        "effectiveness",
        "ease",
        "efficiency",
        "transparency",
        "employee",
        "humanity",
    ];
    let questions: Vec<String> = ["satisfaction", "trust"]
        .iter()
        .chain(drivers.iter())
        .map(|q| q.to_string())
        .collect();
    let expected_questions: Vec<String> = questions
        .iter()
        .cloned()
        .chain([String::new()])
        .chain(questions.iter().cloned())
        .chain(questions.iter().cloned())
        .collect();
    let asked: Vec<String> = rows
        .iter()
        .map(|r| r.split(',').nth(4).unwrap().to_owned())
        .collect();
    assert_eq!(asked, expected_questions);
    for expected in [
        "nys-career-centers,IN_PERSON,,1,satisfaction,0,0,0,0,1,,,false",
        "nys-career-centers,IN_PERSON,,1,trust,0,0,0,0,0,,,false",
        "nys-career-centers,IN_PERSON,,1,employee,,,,,,1,0,false",
        "nys-career-centers,IN_PERSON,,1,humanity,,,,,,1,0,false",
        "nys-unemployment-insurance,WEBSITE,50,0,,,,,,,,,false",
        "nys-unemployment-insurance,ONLINE_FORM,200,3,satisfaction,0,1,0,1,1,,,false",
        "nys-unemployment-insurance,ONLINE_FORM,200,3,trust,0,0,1,0,1,,,false",
        "nys-unemployment-insurance,ONLINE_FORM,200,3,ease,,,,,,1,1,false",
        "nys-unemployment-insurance,ONLINE_FORM,200,3,efficiency,,,,,,0,1,false",
        "nys-unemployment-insurance,ONLINE_FORM,200,3,transparency,,,,,,0,0,false",
        "nys-unemployment-insurance,PHONE,,1,satisfaction,1,0,0,0,0,,,false",
        "nys-unemployment-insurance,PHONE,,1,employee,,,,,,0,1,false",
    ] {
        assert!(rows.contains(&expected), "{expected} not in\n{csv}");
    }

    // The submission is quarterly; the same keys as the feedback export may read it.
    for (token, query, status, code) in [
        (
            Some(app.keys().editor.clone()),
            format!("agency=nys-dol&period={month}"),
            400,
            "BAD_USER_INPUT",
        ),
        (
            Some(app.keys().editor.clone()),
            format!("agency=nys-dol&period=FY{}", today.year()),
            400,
            "BAD_USER_INPUT",
        ),
        (None, query.clone(), 401, "UNAUTHENTICATED"),
        (
            Some(app.keys().foreign_editor.clone()),
            query.clone(),
            403,
            "FORBIDDEN",
        ),
    ] {
        let response = get(token, query.clone()).await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{query}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body["errors"][0]["extensions"]["code"], code,
            "{query}: {body}"
        );
    }
    for token in [&app.keys().reviewer, &app.keys().admin] {
        let response = get(Some(token.clone()), query.clone()).await.unwrap();
        assert_eq!(response.text().await.unwrap(), csv);
    }
}
