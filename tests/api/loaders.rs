//! Nested fields load in batches: a request's statement count depends on the shape of the
//! query, not on how many rows it returns.

use serde_json::{Value, json};

use crate::helpers::TestApp;

/// A life event with one stage and `n` services, each with channels, a partner agency,
/// documents, languages, a taxonomy term, a rule, and relations to its neighbours.
fn life_event_with_services(slug: &str, n: usize) -> Value {
    let services: Vec<Value> = (0..n)
        .map(|i| {
            json!({
                "slug": format!("{slug}-service-{i}"),
                "name": format!("{slug} service {i}"),
                "summary": "A synthetic service.",
                "description": "Generated for the statement-count test.",
                "agency": if i % 2 == 0 { "agency-a" } else { "agency-b" },
                "partnerAgencies": ["agency-c"],
                "languages": ["en"],
                "taxonomyTerms": ["things"],
                "requiredDocuments": [{ "name": "Proof of identity" }],
                "channels": [
                    { "kind": "WEBSITE", "label": "Site", "url": format!("https://example.gov/{i}") },
                    { "kind": "PHONE", "label": "Call", "phone": "311" }
                ],
                "lifeEvents": [{ "lifeEvent": slug, "stage": "only-stage", "relevance": "CORE", "reason": "Because." }],
                "eligibility": [{ "rules": [{ "criterion": "age", "operator": "GTE", "value": 18 }] }]
            })
        })
        .collect();
    let relations: Vec<Value> = (1..n)
        .map(|i| {
            json!({
                "from": format!("{slug}-service-{i}"), "to": format!("{slug}-service-{}", i - 1),
                "kind": "COMPLEMENTS", "reason": "Neighbours."
            })
        })
        .collect();
    json!({
        "lifeEvents": [{ "slug": slug, "name": slug, "description": "Synthetic.",
            "stages": [{ "slug": "only-stage", "name": "Only stage", "description": "All of it." }] }],
        "services": services,
        "relations": relations
    })
}

/// What a portal's life-event page asks for. Each loader appears at one depth of the tree
/// (or, for related services, strictly after its first use), so the count is exact: a loader
/// reached from two branches at once may or may not share a batch, depending on timing.
pub const PAGE: &str = r#"query($slug: String!) {
  lifeEvent(slug: $slug) {
    name description
    relatedLifeEvents { reason lifeEvent { slug } }
    stages {
      position name description
      services {
        relevance reason
        service {
          id slug name summary
          agency { name acronym cssp { basis } }
          channels { kind label url phone }
          languages { code }
          requiredDocuments { name }
          taxonomyTerms { code }
          eligibilityRules { operator value criterion { key } }
          relatedServices { kind direction reason service { slug name } }
        }
      }
    }
  }
}"#;

/// The catalog of the statement-count tests: three agencies, then a small and a large
/// life event; returns an ADMIN token.
async fn small_and_large(app: &TestApp) -> String {
    let admin = crate::helpers::keys_on_empty(app).await;
    app.load(json!({
        "jurisdictions": [{ "code": "US", "name": "United States", "kind": "FEDERAL" }],
        "languages": [{ "code": "en", "name": "English" }],
        "taxonomy": [{ "scheme": "civic-catalog", "code": "things", "name": "Things" }],
        "criteria": [{ "key": "age", "label": "Age?", "description": "Years.", "kind": "NUMBER" }],
        "agencies": [
            { "slug": "agency-a", "name": "Agency A", "jurisdiction": "US", "description": "A.",
              "cssp": { "designatedOn": "2025-01-01", "basis": ["HIGH_IMPACT"] } },
            { "slug": "agency-b", "name": "Agency B", "jurisdiction": "US", "description": "B.", "parent": "agency-a" },
            { "slug": "agency-c", "name": "Agency C", "jurisdiction": "US", "description": "C." }
        ]
    }))
    .await;
    app.load(life_event_with_services("small", 3)).await;
    app.load(life_event_with_services("large", 40)).await;
    admin
}

/// The statements one life-event page costs, as `token` (or the public) asks for it;
/// checks the page holds `n` services.
async fn page_cost(app: &TestApp, token: Option<&str>, slug: &str, n: usize) -> u64 {
    let before = app.sql_statements().await;
    let body = crate::helpers::gql_as(app, token, PAGE, json!({ "slug": slug })).await;
    let after = app.sql_statements().await;
    assert!(body.get("errors").is_none(), "{body:#}");
    let services = body["data"]["lifeEvent"]["stages"][0]["services"]
        .as_array()
        .unwrap();
    assert_eq!(services.len(), n);
    let related = services[1]["service"]["relatedServices"]
        .as_array()
        .unwrap();
    assert_eq!(related.len(), if n > 2 { 2 } else { 1 });
    after - before
}

#[tokio::test]
async fn a_keyed_life_event_page_costs_exactly_19_statements_for_3_services_and_for_40() {
    let app = TestApp::empty().await;
    let admin = small_and_large(&app).await;
    let small = page_cost(&app, Some(&admin), "small", 3).await;
    let large = page_cost(&app, Some(&admin), "large", 40).await;
    // Exact, not a bound: the request's reads start in rounds (each level of the query one
    // batch per loader), so the count moves only when the page's shape or a loader's
    // statements change, never with the machine's load. Asked again, it is the same.
    assert_eq!(
        (small, large),
        (19, 19),
        "statements for 3 services and for 40"
    );
    for _ in 0..3 {
        assert_eq!(page_cost(&app, Some(&admin), "small", 3).await, 19);
        assert_eq!(page_cost(&app, Some(&admin), "large", 40).await, 19);
    }
}

#[tokio::test]
async fn a_public_page_costs_one_statement_from_the_snapshot_until_a_published_change() {
    let app = TestApp::empty().await;
    let admin = small_and_large(&app).await;
    // The first public read builds the snapshot of the public revision; every read after
    // it costs the one statement that checks the revision, whatever the page's size.
    let first = page_cost(&app, None, "small", 3).await;
    assert!(first > 1, "the first read builds the snapshot");
    assert_eq!(page_cost(&app, None, "small", 3).await, 1);
    assert_eq!(page_cost(&app, None, "large", 40).await, 1);

    // A draft edit is invisible to the public: the snapshot stays.
    let session = app.with_token(&admin);
    let draft = session
        .mutate(
            "serviceCreate",
            "service { id }",
            json!({ "slug": "small-draft", "name": "A draft", "summary": "Not yet.", "description": "Draft.",
                "agency": "agency-a", "channels": [{ "kind": "PHONE", "label": "Call", "phone": "311" }],
                "lifeEvents": [{ "lifeEvent": "small", "stage": "only-stage", "relevance": "CORE", "reason": "Soon." }] }),
        )
        .await;
    assert_eq!(page_cost(&app, None, "small", 3).await, 1);

    // Published, it is on the next public read, which rebuilds the snapshot once.
    let id = draft["service"]["id"].clone();
    for step in ["serviceSubmitForReview", "servicePublish"] {
        let done = session
            .mutate(step, "service { status }", json!({ "id": id }))
            .await;
        assert_eq!(done["userErrors"], json!([]), "{step}: {done}");
    }
    assert!(page_cost(&app, None, "small", 4).await > 1);
    assert_eq!(page_cost(&app, None, "small", 4).await, 1);
}

#[tokio::test]
async fn a_query_mixing_experience_reads_and_batched_fields_costs_exactly_35_statements() {
    let app = TestApp::with_keys().await;
    // Aggregates read from the database (experience, the scorecard) beside batched fields
    // at several levels: the aggregates wait for their round like every other direct read.
    let query = r#"{
        service(slug: "nys-unemployment-insurance") {
            name agency { name cssp { basis } } channels { kind }
            experience(period: "2026-Q3") { synthetic }
            relatedServices { service { name agency { name } } }
        }
        lifeEvent(slug: "job-loss") {
            stages { services { service { name agency { name } } } }
            experience(period: "2026-Q3") { synthetic }
        }
        csspScorecard(period: "2026-Q3") { agency { name } }
    }"#;
    let reviewer = app.keys().reviewer.clone();
    let mut costs = Vec::new();
    for _ in 0..6 {
        let before = app.sql_statements().await;
        let body = crate::helpers::gql_as(&app, Some(&reviewer), query, json!({})).await;
        let after = app.sql_statements().await;
        assert!(body.get("errors").is_none(), "{body:#}");
        costs.push(after - before);
    }
    // Exact, as for the life-event page: the aggregates are direct reads of the first
    // round, and each level below starts one batch per loader.
    assert_eq!(costs, [35; 6]);
}
