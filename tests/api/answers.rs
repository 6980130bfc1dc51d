//! Whole answers to anonymous reads are kept per public revision: the same read again is
//! sent the kept answer without running the query, until something residents see changes;
//! answers that read beyond the snapshot, failed answers and keyed reads are never kept.

use civic_catalog::config::Limits;
use serde_json::json;

use crate::helpers::{Caller, TestApp};
use crate::workflow::{create_draft, step};

/// The answer-cache counters from `/metrics`: (hits, misses).
async fn answer_counters(app: &TestApp) -> (u64, u64) {
    let (_, _, metrics) = app.get("/metrics").await;
    let counter = |name: &str| {
        metrics
            .lines()
            .find_map(|line| line.strip_prefix(&format!("{name} ")))
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or_else(|| panic!("{name} in /metrics: {metrics}"))
    };
    (
        counter("civic_catalog_answer_cache_hits_total"),
        counter("civic_catalog_answer_cache_misses_total"),
    )
}

/// (hits, misses) since `before`.
async fn since(app: &TestApp, before: (u64, u64)) -> (u64, u64) {
    let now = answer_counters(app).await;
    (now.0 - before.0, now.1 - before.1)
}

const SERVICES: &str =
    r#"{ services(first: 100, filter: {agency: "nys-dol"}) { totalCount nodes { slug name } } }"#;

#[tokio::test]
async fn a_repeated_public_read_is_sent_the_kept_answer_until_residents_see_a_change() {
    let app = TestApp::with_keys().await;
    let before = answer_counters(&app).await;
    let first = app.graphql(SERVICES, json!({})).await;
    let count = first["data"]["services"]["totalCount"].as_i64().unwrap();
    assert!(count > 0, "{first}");
    assert_eq!(since(&app, before).await, (0, 1), "the first read runs");
    // The same read, twice: the kept answer, for the one statement checking the revision.
    let statements = app.sql_statements().await;
    for _ in 0..2 {
        assert_eq!(app.graphql(SERVICES, json!({})).await, first);
    }
    assert_eq!(app.sql_statements().await, statements + 2);
    assert_eq!(since(&app, before).await, (2, 1));
    // Other variables are another answer.
    let query = "query($slug: String!) { agency(slug: $slug) { slug } }";
    let dol = app.data(query, json!({ "slug": "nys-dol" })).await;
    let otda = app.data(query, json!({ "slug": "nys-otda" })).await;
    assert_eq!(dol["agency"]["slug"], "nys-dol");
    assert_eq!(otda["agency"]["slug"], "nys-otda");
    assert_eq!(since(&app, before).await, (2, 3));

    // A draft is invisible to residents: the kept answer stays.
    let id = create_draft(&app, Caller::Editor, "dol-kept-answer-plan", "nys-dol").await;
    assert_eq!(app.graphql(SERVICES, json!({})).await, first);
    assert_eq!(since(&app, before).await, (3, 3));
    // Published, it is in the next answer: the revision moved, the query ran again.
    step(&app, Caller::Editor, "serviceSubmitForReview", &id).await;
    step(&app, Caller::Reviewer, "servicePublish", &id).await;
    let after = app.graphql(SERVICES, json!({})).await;
    assert_eq!(
        after["data"]["services"]["totalCount"],
        count + 1,
        "{after}"
    );
    assert_eq!(since(&app, before).await, (3, 4));
    assert_eq!(app.graphql(SERVICES, json!({})).await, after);
    assert_eq!(since(&app, before).await, (4, 4));

    // Keyed reads go to the database and are neither kept nor counted.
    let keyed = app.as_(Caller::Reviewer).graphql(SERVICES, json!({})).await;
    assert_eq!(keyed["data"]["services"]["totalCount"], count + 1);
    assert_eq!(since(&app, before).await, (4, 4));
}

#[tokio::test]
async fn answers_from_beyond_the_snapshot_and_failed_answers_are_never_kept() {
    let app = TestApp::seeded_with(Limits {
        feedback_rate_limit: 0,
        min_responses: 1,
        ..Limits::default()
    })
    .await;
    let service = app
        .data(r#"{ service(slug: "nys-snap") { id } }"#, json!({}))
        .await["service"]["id"]
        .clone();
    let experience = r#"{ service(slug: "nys-snap") { experience { overall { responses } } } }"#;
    let responses = async || {
        app.data(experience, json!({})).await["service"]["experience"]["overall"]["responses"]
            .as_i64()
            .unwrap()
    };
    let submit = r#"mutation($input: FeedbackSubmitInput!) { feedbackSubmit(input: $input) { userErrors { code } } }"#;
    let input = json!({ "input": { "serviceId": service, "channelKind": "ONLINE_FORM",
        "satisfaction": 4, "language": "en" } });
    for expected in 0..3 {
        // Feedback does not move the public revision, so its figures are read every time.
        assert_eq!(responses().await, expected);
        let body = app.graphql(submit, input.clone()).await;
        assert_eq!(
            body["data"]["feedbackSubmit"]["userErrors"],
            json!([]),
            "{body}"
        );
    }
    // The change feed reads the database too.
    let feed = r#"{ catalogChanges(first: 1) { cursor } }"#;
    let before = answer_counters(&app).await;
    app.data(feed, json!({})).await;
    app.data(feed, json!({})).await;
    // A refused read is run (and refused) every time.
    let bad = r#"{ service(slug: "Not A Slug!") { name } }"#;
    for _ in 0..2 {
        let error = app.error(bad, json!({})).await;
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{error}");
    }
    assert_eq!(since(&app, before).await, (0, 4));
}

#[tokio::test]
async fn with_no_memory_for_answers_every_public_read_runs() {
    let app = TestApp::seeded_with(Limits {
        answer_cache_mib: 0,
        ..Limits::default()
    })
    .await;
    let before = answer_counters(&app).await;
    let first = app.graphql(SERVICES, json!({})).await;
    assert!(first["data"]["services"]["totalCount"].as_i64().unwrap() > 0);
    assert_eq!(app.graphql(SERVICES, json!({})).await, first);
    assert_eq!(since(&app, before).await, (0, 2));
}

#[tokio::test]
async fn a_kept_get_answer_keeps_its_etag_and_cache_control() {
    let app = TestApp::seeded().await;
    let get = || {
        app.client
            .get(format!("{}/graphql", app.address))
            .query(&[("query", SERVICES)])
            .send()
    };
    let first = get().await.unwrap();
    let tag = first.headers()["etag"].to_str().unwrap().to_owned();
    let body = first.text().await.unwrap();
    let before = answer_counters(&app).await;
    let again = get().await.unwrap();
    assert_eq!(again.status().as_u16(), 200);
    assert_eq!(again.headers()["etag"], tag.as_str());
    assert_eq!(again.headers()["cache-control"], "public, max-age=30");
    assert_eq!(again.text().await.unwrap(), body);
    assert_eq!(since(&app, before).await, (1, 0));
}
