//! Text and dates: a control character (NUL above all, which PostgreSQL cannot store in
//! text and SQLite can) is refused in any string before any database call, with the same
//! answer on both databases; dates are exactly `YYYY-MM-DD`.

use serde_json::{Value, json};

use crate::helpers::{Caller, TestApp};

/// The first error's code and message, which must be the same on SQLite and PostgreSQL.
fn refusal(body: &Value) -> (String, String) {
    let error = &body["errors"][0];
    (
        error["extensions"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        error["message"].as_str().unwrap_or_default().to_owned(),
    )
}

#[tokio::test]
async fn a_control_character_in_any_string_is_refused_before_the_database() {
    let app = TestApp::with_keys().await;
    let before = app.sql_statements().await;
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "query($q: String) { services(filter: { search: $q }) { totalCount } }",
            json!({ "q": "snap\u{0}" }),
            "variable `$q` holds a control character (such as NUL); only tab and line breaks are allowed in text",
        ),
        (
            "query($s: String!) { lifeEvent(slug: $s) { name } }",
            json!({ "s": "job-loss\u{1b}" }),
            "variable `$s` holds a control character (such as NUL); only tab and line breaks are allowed in text",
        ),
        (
            r#"{ lifeEvent(slug: "job\u0000loss") { name } }"#,
            json!({}),
            "argument `slug` holds a control character (such as NUL); only tab and line breaks are allowed in text",
        ),
        (
            r#"{ lifeEvents(after: "\u0000") { totalCount } }"#,
            json!({}),
            "argument `after` holds a control character (such as NUL); only tab and line breaks are allowed in text",
        ),
        (
            "query($a: [AnswerInput!]!) { eligibilityQuestions(lifeEvents: [\"job-loss\"], jurisdiction: \"US-NY\", answers: $a) { criterion { key } } }",
            json!({ "a": [{ "criterion": "household-size", "value": "\u{7f}" }] }),
            "variable `$a` holds a control character (such as NUL); only tab and line breaks are allowed in text",
        ),
    ];
    for (query, variables, message) in &cases {
        let body = app.graphql(query, variables.clone()).await;
        assert_eq!(
            refusal(&body),
            ("BAD_USER_INPUT".to_owned(), (*message).to_owned()),
            "{query}: {body}"
        );
    }
    assert_eq!(app.sql_statements().await, before, "no database call");

    // A mutation with NUL in a name writes nothing, with a key too.
    let input = json!({
        "slug": "nys-ods", "name": "Office\u{0} of Digital Services",
        "jurisdiction": "US-NY", "description": "Builds digital services."
    });
    let body = app
        .as_(Caller::Admin)
        .graphql(
            "mutation($input: AgencyCreateInput!) { agencyCreate(input: $input) { agency { id } } }",
            json!({ "input": input }),
        )
        .await;
    assert_eq!(refusal(&body).0, "BAD_USER_INPUT", "{body}");
    let found = app
        .data(r#"{ agency(slug: "nys-ods") { id } }"#, json!({}))
        .await;
    assert!(found["agency"].is_null(), "nothing was written");
    // Tabs and line breaks are text.
    let body = app
        .graphql(
            "query($q: String) { services(filter: { search: $q }) { totalCount } }",
            json!({ "q": "snap\tbenefits\n" }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
}

#[tokio::test]
async fn dates_are_exactly_year_month_day() {
    let app = TestApp::seeded().await;
    let query = r#"query($d: Date) { eligibilityQuestions(lifeEvents: ["job-loss"], jurisdiction: "US-NY", asOf: $d) { criterion { key } } }"#;
    for bad in [
        "2026-1-1",
        "2026-01-1",
        "+2026-01-01",
        "2026-13-01",
        "2026-02-30",
        " 2026-01-01",
    ] {
        let body = app.graphql(query, json!({ "d": bad })).await;
        let (code, message) = refusal(&body);
        assert_eq!(code, "BAD_USER_INPUT", "{bad}: {body}");
        assert!(
            message.contains("is not a date such as 2026-11-24"),
            "{bad}: {message}"
        );
    }
    let body = app.graphql(query, json!({ "d": "2026-01-01" })).await;
    assert!(body.get("errors").is_none(), "{body}");
    // Answers of DATE criteria are held to the same shape.
    let recommend = r#"query($a: [AnswerInput!]!) { recommendServices(input: { lifeEvents: ["job-loss"], jurisdiction: "US-NY", answers: $a }) { totalCount } }"#;
    let body = app
        .graphql(
            recommend,
            json!({ "a": [{ "criterion": "birth-date", "value": "1990-1-1" }] }),
        )
        .await;
    assert_eq!(refusal(&body).0, "BAD_USER_INPUT", "{body}");
}
