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

async fn service_id(app: &TestApp, slug: &str) -> Value {
    app.data(
        &format!(r#"{{ service(slug: "{slug}") {{ id }} }}"#),
        json!({}),
    )
    .await["service"]["id"]
        .clone()
}

/// A valid submission on unemployment insurance, at the job-loss journey's first stage.
async fn valid(app: &TestApp) -> Value {
    json!({
        "serviceId": service_id(app, "nys-unemployment-insurance").await,
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
        "serviceId": service_id(&app, "nys-snap").await,
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
