//! `recommendServices` and `eligibilityQuestions` through the GraphQL API.

use serde_json::{Value, json};

use crate::helpers::{Caller, TestApp};

const RECOMMEND: &str = r#"query($input: RecommendationInput!, $first: Int, $after: String) {
  recommendServices(input: $input, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    suggestedLifeEvents { reason lifeEvent { slug } becauseOf { slug } }
    edges { cursor node {
      rank score
      service { slug }
      stage { slug }
      eligibility { status checks { rule outcome criterion { key } } }
      reasons { kind text detail relevance relationKind lifeEvent { slug } stage { slug } relatedService { slug } }
    } }
  }
}"#;

fn recommendations(data: &Value) -> Vec<Value> {
    data["recommendServices"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

fn find<'a>(list: &'a [Value], slug: &str) -> Option<&'a Value> {
    list.iter().find(|r| r["service"]["slug"] == slug)
}

fn slugs(list: &[Value]) -> Vec<String> {
    list.iter()
        .map(|r| r["service"]["slug"].as_str().unwrap().to_owned())
        .collect()
}

fn job_loss_answers(reason: &str) -> Value {
    json!([
        { "criterion": "birth-date", "value": "1981-06-30" },
        { "criterion": "job-separation-reason", "value": reason },
        { "criterion": "job-separation-date", "value": "2026-10-23" },
        { "criterion": "housing-situation", "value": "renting" },
        { "criterion": "household-size", "value": 1 },
        { "criterion": "household-monthly-income", "value": 1400 }
    ])
}

#[tokio::test]
async fn a_new_yorker_who_lost_their_job_gets_the_services_they_need_with_reasons() {
    let app = TestApp::seeded().await;
    let input = json!({ "lifeEvents": ["job-loss"], "jurisdiction": "US-NY-NYC",
                        "answers": job_loss_answers("laid-off"), "asOf": "2026-11-24" });
    let data = app
        .data(RECOMMEND, json!({ "input": input, "first": 100 }))
        .await;
    let list = recommendations(&data);
    for slug in [
        "nys-unemployment-insurance",
        "nys-heap",
        "nyc-one-shot-deal",
        "988-lifeline",
        "nys-omh-find-services",
    ] {
        assert!(
            find(&list, slug).is_some(),
            "missing {slug}: {:?}",
            slugs(&list)
        );
    }
    assert!(find(&list, "nys-snap").is_some() || find(&list, "nyc-snap").is_some());
    // Unemployment insurance comes first, is likely eligible from the answers (the
    // department still checks wages and availability, and says so), and says why.
    let ui = &list[0];
    assert_eq!(ui["service"]["slug"], "nys-unemployment-insurance");
    assert_eq!(ui["rank"], 1);
    assert_eq!(ui["stage"]["slug"], "replace-income");
    assert_eq!(ui["eligibility"]["status"], "LIKELY_ELIGIBLE");
    let check = &ui["eligibility"]["checks"][0];
    assert_eq!(check["criterion"]["key"], "job-separation-reason");
    assert_eq!(check["outcome"], "MET");
    let reason = &ui["reasons"][0];
    assert_eq!(reason["kind"], "LIFE_EVENT");
    assert_eq!(reason["lifeEvent"]["slug"], "job-loss");
    assert_eq!(reason["relevance"], "CORE");
    assert!(
        reason["text"]
            .as_str()
            .unwrap()
            .starts_with("Losing a job: ")
    );
    // HEAP is also reached from unemployment insurance, and says so.
    let heap = find(&list, "nys-heap").unwrap();
    assert!(
        heap["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["kind"] == "RELATED_SERVICE"
                && r["relatedService"]["slug"] == "nys-unemployment-insurance"
                && r["text"].as_str().unwrap().contains("heating"))
    );
    // Ranks are 1..n, every recommendation has a reason, and the list is ordered by rank.
    for (i, r) in list.iter().enumerate() {
        assert_eq!(r["rank"], i + 1);
        assert!(!r["reasons"].as_array().unwrap().is_empty());
    }
    let suggested: Vec<&str> = data["recommendServices"]["suggestedLifeEvents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["lifeEvent"]["slug"].as_str().unwrap())
        .collect();
    assert!(suggested.contains(&"housing-insecurity"));

    // Someone who quit is not eligible for unemployment insurance: hidden, unless asked for.
    let input = json!({ "lifeEvents": ["job-loss"], "jurisdiction": "US-NY-NYC",
                        "answers": job_loss_answers("quit"), "asOf": "2026-11-24" });
    let data = app
        .data(RECOMMEND, json!({ "input": input, "first": 100 }))
        .await;
    assert!(find(&recommendations(&data), "nys-unemployment-insurance").is_none());
    let mut input = input;
    input["includeIneligible"] = json!(true);
    let data = app
        .data(RECOMMEND, json!({ "input": input, "first": 100 }))
        .await;
    let list = recommendations(&data);
    let ui = find(&list, "nys-unemployment-insurance").unwrap();
    assert_eq!(ui["eligibility"]["status"], "INELIGIBLE");
    assert_eq!(ui["eligibility"]["checks"][0]["outcome"], "NOT_MET");
    let heap_rank = find(&list, "nys-heap").unwrap()["rank"].as_i64().unwrap();
    assert!(
        ui["rank"].as_i64().unwrap() > heap_rank,
        "ineligible ranks below eligible"
    );

    // Without answers, rules are unanswered and the status is UNKNOWN.
    let input =
        json!({ "lifeEvents": ["job-loss"], "jurisdiction": "US-NY", "asOf": "2026-11-24" });
    let data = app
        .data(RECOMMEND, json!({ "input": input, "first": 100 }))
        .await;
    let list = recommendations(&data);
    let ui = find(&list, "nys-unemployment-insurance").unwrap();
    assert_eq!(ui["eligibility"]["status"], "UNKNOWN");
    assert_eq!(ui["eligibility"]["checks"][0]["outcome"], "UNANSWERED");
    assert!(
        find(&list, "nyc-one-shot-deal").is_none(),
        "city services are not offered to the rest of the state"
    );
}

/// A small catalog where every ranking rule can be seen.
fn ranking_catalog() -> Value {
    let service = |slug: &str, jurisdiction: &str, links: Value, status: &str, rules: Value| {
        json!({ "slug": slug, "name": format!("Service {slug}"), "summary": "S.", "description": "D.",
                "agency": "agency-a", "status": status, "jurisdictions": [jurisdiction],
                "channels": [{ "kind": "WEBSITE", "label": "Site", "url": "https://example.gov" }],
                "lifeEvents": links, "eligibility": rules })
    };
    let link = |event: &str, relevance: &str| json!({ "lifeEvent": event, "stage": format!("{event}-1"), "relevance": relevance, "reason": format!("{event} {relevance}") });
    let rule = |key: &str, op: &str, value: Value| json!([{ "rules": [{ "criterion": key, "operator": op, "value": value }] }]);
    json!({
        "jurisdictions": [
            { "code": "US", "name": "US", "kind": "FEDERAL" },
            { "code": "US-XX", "name": "State", "kind": "STATE", "parent": "US" },
            { "code": "US-XX-CTY", "name": "City", "kind": "CITY", "parent": "US-XX" }
        ],
        "criteria": [
            { "key": "age", "label": "Age?", "description": "Years.", "kind": "NUMBER" },
            { "key": "renter", "label": "Renting?", "description": "Rent.", "kind": "BOOLEAN" },
            { "key": "veteran", "label": "Veteran?", "description": "Served.", "kind": "BOOLEAN" }
        ],
        "agencies": [{ "slug": "agency-a", "name": "Agency A", "jurisdiction": "US", "description": "A." }],
        "lifeEvents": [
            { "slug": "event-a", "name": "Event A", "description": "A.", "stages": [
                { "slug": "event-a-1", "name": "First", "description": "1." } ],
              "related": [{ "lifeEvent": "event-c", "reason": "A often brings C." }] },
            { "slug": "event-b", "name": "Event B", "description": "B.", "stages": [
                { "slug": "event-b-1", "name": "First", "description": "1." } ] },
            { "slug": "event-c", "name": "Event C", "description": "C.", "stages": [
                { "slug": "event-c-1", "name": "First", "description": "1." } ] }
        ],
        "services": [
            service("both", "US", json!([link("event-a", "SUPPORTING"), link("event-b", "SUPPORTING")]), "PUBLISHED", json!([])),
            service("core-a", "US-XX", json!([link("event-a", "CORE")]), "PUBLISHED", rule("age", "GTE", json!(18))),
            service("supporting-a", "US", json!([link("event-a", "SUPPORTING")]), "PUBLISHED", rule("renter", "IS_TRUE", json!(null))),
            service("city-only", "US-XX-CTY", json!([link("event-a", "CORE")]), "PUBLISHED", rule("veteran", "IS_TRUE", json!(null))),
            service("draft-a", "US", json!([link("event-a", "CORE")]), "DRAFT", json!([])),
            service("complement", "US", json!([]), "PUBLISHED", rule("renter", "IS_TRUE", json!(null))),
            service("alternative", "US", json!([]), "PUBLISHED", json!([])),
            service("unrelated", "US", json!([]), "PUBLISHED", json!([]))
        ],
        "relations": [
            { "from": "core-a", "to": "complement", "kind": "COMPLEMENTS", "reason": "Goes with core." },
            { "from": "core-a", "to": "alternative", "kind": "ALTERNATIVE_TO", "reason": "Instead of core." },
            { "from": "core-a", "to": "draft-a", "kind": "REQUIRES", "reason": "Hidden." }
        ]
    })
}

#[tokio::test]
async fn ranking_deduplication_expansion_and_jurisdictions() {
    let app = TestApp::empty().await;
    app.load(ranking_catalog()).await;
    let input = |jurisdiction: &str, events: Value| {
        json!({ "lifeEvents": events, "jurisdiction": jurisdiction,
        "answers": [{ "criterion": "age", "value": 30 }], "asOf": "2026-01-01" })
    };

    let data = app
        .data(
            RECOMMEND,
            json!({ "input": input("US-XX", json!(["event-a", "event-b"])) }),
        )
        .await;
    let list = recommendations(&data);
    // core-a: CORE (10) + eligible (3) = 13; both: two SUPPORTING links (5 + 5) and no rules,
    // so not screened and nothing more = 10; supporting-a has one link and an unanswered
    // rule (5); complement is only related, so it ranks below every directly linked service.
    assert_eq!(
        slugs(&list),
        ["core-a", "both", "supporting-a", "complement"]
    );
    assert_eq!(
        find(&list, "both").unwrap()["eligibility"]["status"],
        "NOT_SCREENED"
    );
    let both = find(&list, "both").unwrap();
    assert_eq!(
        both["reasons"].as_array().unwrap().len(),
        2,
        "one entry, both reasons"
    );
    assert_eq!(both["score"], 10.0);
    assert_eq!(find(&list, "core-a").unwrap()["score"], 13.0);
    assert_eq!(find(&list, "supporting-a").unwrap()["score"], 5.0);
    let complement = find(&list, "complement").unwrap();
    assert_eq!(complement["reasons"][0]["kind"], "RELATED_SERVICE");
    assert_eq!(complement["reasons"][0]["relationKind"], "COMPLEMENTS");
    assert_eq!(complement["reasons"][0]["relatedService"]["slug"], "core-a");
    assert_eq!(
        complement["reasons"][0]["text"],
        "Often needed with Service core-a: Goes with core."
    );
    assert_eq!(complement["stage"]["slug"], "event-a-1");
    // Not expanded: alternatives, drafts, unrelated services; city services outside the city.
    for slug in ["alternative", "draft-a", "unrelated", "city-only"] {
        assert!(find(&list, slug).is_none(), "{slug}");
    }
    // A resident of the city also sees city services; a federal-only view sees neither
    // state nor city ones.
    let data = app
        .data(
            RECOMMEND,
            json!({ "input": input("US-XX-CTY", json!(["event-a"])) }),
        )
        .await;
    assert!(find(&recommendations(&data), "city-only").is_some());
    let data = app
        .data(
            RECOMMEND,
            json!({ "input": input("US", json!(["event-a"])) }),
        )
        .await;
    let list = recommendations(&data);
    assert!(find(&list, "core-a").is_none() && find(&list, "both").is_some());
    // Life events related to the chosen ones are suggested, but not chosen ones.
    let data = app
        .data(
            RECOMMEND,
            json!({ "input": input("US", json!(["event-a", "event-c"])) }),
        )
        .await;
    assert_eq!(data["recommendServices"]["suggestedLifeEvents"], json!([]));
    let data = app
        .data(
            RECOMMEND,
            json!({ "input": input("US", json!(["event-a"])) }),
        )
        .await;
    assert_eq!(
        data["recommendServices"]["suggestedLifeEvents"][0]["lifeEvent"]["slug"],
        "event-c"
    );
    assert_eq!(
        data["recommendServices"]["suggestedLifeEvents"][0]["becauseOf"]["slug"],
        "event-a"
    );

    // The same request gives the same answer.
    let again = app
        .data(
            RECOMMEND,
            json!({ "input": input("US-XX", json!(["event-a", "event-b"])) }),
        )
        .await;
    let first = app
        .data(
            RECOMMEND,
            json!({ "input": input("US-XX", json!(["event-a", "event-b"])) }),
        )
        .await;
    assert_eq!(again, first);
}

#[tokio::test]
async fn recommendations_page_with_cursors() {
    let app = TestApp::seeded().await;
    let input = json!({ "lifeEvents": ["job-loss", "housing-insecurity"], "jurisdiction": "US-NY-NYC", "asOf": "2026-11-24" });
    let all = recommendations(
        &app.data(RECOMMEND, json!({ "input": input, "first": 100 }))
            .await,
    );
    let mut paged = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = app
            .data(
                RECOMMEND,
                json!({ "input": input, "first": 4, "after": after }),
            )
            .await;
        let page = recommendations(&data);
        assert!(page.len() <= 4);
        paged.extend(page);
        if data["recommendServices"]["pageInfo"]["hasNextPage"] == false {
            assert_eq!(data["recommendServices"]["totalCount"], all.len());
            break;
        }
        after = data["recommendServices"]["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(slugs(&paged), slugs(&all));
    // A service linked by both life events appears once, with both reasons.
    let homebase = find(&all, "nyc-homebase").unwrap();
    let events: Vec<&str> = homebase["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["lifeEvent"]["slug"].as_str())
        .collect();
    assert!(
        events.contains(&"job-loss") && events.contains(&"housing-insecurity"),
        "{events:?}"
    );
    let error = app
        .error(RECOMMEND, json!({ "input": input, "first": 101 }))
        .await;
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT");
}

const QUESTIONS: &str = r#"query($events: [String!]!, $j: String!, $answers: [AnswerInput!]!) {
  eligibilityQuestions(lifeEvents: $events, jurisdiction: $j, answers: $answers, asOf: "2026-01-01") {
    decides relevance kind options { value } criterion { key label }
  }
}"#;

#[tokio::test]
async fn eligibility_questions_come_most_decisive_first() {
    let app = TestApp::empty().await;
    app.load(ranking_catalog()).await;
    let ask =
        |answers: Value| json!({ "events": ["event-a"], "j": "US-XX-CTY", "answers": answers });
    let data = app.data(QUESTIONS, ask(json!([]))).await;
    let keys: Vec<&str> = data["eligibilityQuestions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["criterion"]["key"].as_str().unwrap())
        .collect();
    // age and veteran each decide one CORE service (relevance 10); renter decides two, but
    // a SUPPORTING one (5) and one only related (2): 7. Relevance comes first, then how
    // many services, then the key.
    assert_eq!(keys, ["age", "veteran", "renter"]);
    let questions = &data["eligibilityQuestions"];
    assert_eq!(
        (&questions[0]["decides"], &questions[0]["relevance"]),
        (&json!(1), &json!(10.0))
    );
    assert_eq!(
        (&questions[2]["decides"], &questions[2]["relevance"]),
        (&json!(2), &json!(7.0))
    );
    assert_eq!(questions[2]["kind"], "BOOLEAN");
    let data = app
        .data(
            QUESTIONS,
            ask(json!([{ "criterion": "renter", "value": false }])),
        )
        .await;
    let keys: Vec<&str> = data["eligibilityQuestions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["criterion"]["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        ["age", "veteran"],
        "answered criteria are not asked again"
    );
}

#[tokio::test]
async fn bad_recommendation_input_is_rejected_with_the_field() {
    let app = TestApp::seeded().await;
    let cases = [
        (
            json!({ "lifeEvents": ["winning-the-lottery"], "jurisdiction": "US-NY" }),
            "input.lifeEvents[0]",
        ),
        (
            json!({ "lifeEvents": [], "jurisdiction": "US-NY" }),
            "input.lifeEvents",
        ),
        (
            json!({ "lifeEvents": ["job-loss"], "jurisdiction": "US-ZZ" }),
            "input.jurisdiction",
        ),
        (
            json!({ "lifeEvents": ["job-loss"], "jurisdiction": "US-NY", "answers": [{ "criterion": "shoe-size", "value": 9 }] }),
            "input.answers[0].criterion",
        ),
        (
            json!({ "lifeEvents": ["job-loss"], "jurisdiction": "US-NY", "answers": [{ "criterion": "household-size", "value": "two" }] }),
            "input.answers[0].value",
        ),
        (
            json!({ "lifeEvents": ["job-loss"], "jurisdiction": "US-NY", "answers": [{ "criterion": "birth-date", "value": 1981 }] }),
            "input.answers[0].value",
        ),
        (
            json!({ "lifeEvents": ["job-loss"], "jurisdiction": "US-NY", "asOf": "2026-11-24",
                "answers": [{ "criterion": "birth-date", "value": "2026-11-25" }] }),
            "input.answers[0].value",
        ),
        (
            json!({ "lifeEvents": ["job-loss"], "jurisdiction": "US-NY", "answers": [{ "criterion": "job-separation-reason", "value": "bored" }] }),
            "input.answers[0].value",
        ),
        (
            json!({ "lifeEvents": ["job-loss"], "jurisdiction": "US-NY", "answers": [
            { "criterion": "is-veteran", "value": true }, { "criterion": "is-veteran", "value": false }] }),
            "input.answers[1].criterion",
        ),
    ];
    for (input, field) in cases {
        let error = app.error(RECOMMEND, json!({ "input": input })).await;
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{input}");
        assert_eq!(error["extensions"]["field"], field, "{input}");
    }
}

#[tokio::test]
async fn recommendations_follow_catalog_changes() {
    let app = TestApp::empty().await;
    app.load(ranking_catalog()).await;
    let input = json!({ "lifeEvents": ["event-b"], "jurisdiction": "US" });
    let before = recommendations(&app.data(RECOMMEND, json!({ "input": input })).await);
    assert_eq!(slugs(&before), ["both"]);
    app.load(json!({ "services": [{ "slug": "unrelated", "name": "Service unrelated", "summary": "S.", "description": "D.",
        "agency": "agency-a", "channels": [{ "kind": "WEBSITE", "label": "Site", "url": "https://example.gov" }],
        "lifeEvents": [{ "lifeEvent": "event-b", "stage": "event-b-1", "relevance": "CORE", "reason": "Now linked." }] }] }))
        .await;
    let after = recommendations(&app.data(RECOMMEND, json!({ "input": input })).await);
    assert_eq!(slugs(&after), ["unrelated", "both"]);
}

#[tokio::test]
async fn the_benchmark_generates_a_catalog_and_times_requests() {
    let app = TestApp::empty().await;
    let shape = civic_catalog::bench::Shape {
        services: 60,
        criteria: 8,
        life_events: 4,
    };
    let report = civic_catalog::bench::run(app.catalog.connection().clone(), shape, 10)
        .await
        .unwrap();
    assert_eq!(report.requests, 10);
    assert!(report.p50 <= report.p99 && report.p99 <= report.max);
    // The generated catalog is a real one: the API recommends from it.
    let input = json!({ "lifeEvents": ["event-1"], "jurisdiction": "US-SY-CTY" });
    let data = app
        .data(RECOMMEND, json!({ "input": input, "first": 100 }))
        .await;
    assert!(data["recommendServices"]["totalCount"].as_i64().unwrap() > 10);
    // A second run refuses to mix with existing data.
    assert!(
        civic_catalog::bench::run(app.catalog.connection().clone(), shape, 1)
            .await
            .is_err()
    );
}

/// The SQL statements one anonymous recommendation request costs.
async fn statements_of_a_recommendation(app: &TestApp) -> u64 {
    let before = app.sql_statements().await;
    let body = app
        .graphql(
            RECOMMEND,
            json!({ "input": { "lifeEvents": ["job-loss"], "jurisdiction": "US-NY-NYC" } }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    app.sql_statements().await - before
}

#[tokio::test]
async fn draft_edits_keep_the_recommendation_index_and_a_publish_rebuilds_it() {
    use crate::helpers::Caller;
    use crate::workflow::{create_draft, step};
    let app = TestApp::with_keys().await;
    statements_of_a_recommendation(&app).await; // builds the index
    let warm = statements_of_a_recommendation(&app).await;
    // A draft, submitted for review: nothing residents see.
    let id = create_draft(&app, Caller::Editor, "dol-new-plan", "nys-dol").await;
    step(&app, Caller::Editor, "serviceSubmitForReview", &id).await;
    assert_eq!(
        statements_of_a_recommendation(&app).await,
        warm,
        "no rebuild for a draft"
    );
    // Publishing it is a change residents see: the next request rebuilds.
    let published = step(&app, Caller::Reviewer, "servicePublish", &id).await;
    assert_eq!(published["service"]["status"], "PUBLISHED", "{published}");
    assert!(statements_of_a_recommendation(&app).await > warm + 5);
    assert_eq!(statements_of_a_recommendation(&app).await, warm);
}

#[tokio::test]
async fn with_nothing_answered_the_core_services_lead_and_none_is_called_eligible() {
    let app = TestApp::seeded().await;
    let query = r#"query($input: RecommendationInput!) { recommendServices(input: $input, first: 100) {
        nodes { rank service { slug } eligibility { status } reasons { relevance } } } }"#;
    let input =
        json!({ "lifeEvents": ["job-loss"], "jurisdiction": "US-NY-NYC", "asOf": "2026-11-24" });
    let data = app.data(query, json!({ "input": input })).await;
    let list = data["recommendServices"]["nodes"].as_array().unwrap();
    let core = |r: &Value| {
        r["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|reason| reason["relevance"] == "CORE")
    };
    let first_non_core = list.iter().position(|r| !core(r)).unwrap();
    assert!(
        list[first_non_core..].iter().all(|r| !core(r)),
        "every CORE service ranks before the others: {list:#?}"
    );
    let ui = find(list, "nys-unemployment-insurance").unwrap();
    assert!(ui["rank"].as_i64().unwrap() <= 3, "{ui}");
    assert!(
        list.iter()
            .all(|r| r["eligibility"]["status"] != "ELIGIBLE"),
        "nothing answered, nothing eligible"
    );
    let medicaid = find(list, "nys-medicaid").unwrap();
    assert_eq!(medicaid["eligibility"]["status"], "UNKNOWN");
    let notify = list
        .iter()
        .find(|r| r["eligibility"]["status"] == "NOT_SCREENED");
    assert!(notify.is_some(), "services without rules are NOT_SCREENED");
}

#[tokio::test]
async fn unknown_agency_and_life_event_filters_are_bad_input_for_the_public_and_for_keys() {
    let app = TestApp::with_keys().await;
    let query = "query($f: ServiceFilter) { services(first: 5, filter: $f) { totalCount } }";
    for caller in [Caller::Anonymous, Caller::Admin] {
        for (filter, field, message) in [
            (
                json!({ "agency": "nys-department-of-nothing" }),
                "filter.agency",
                "unknown agency `nys-department-of-nothing`",
            ),
            (
                json!({ "lifeEvent": "winning-the-lottery" }),
                "filter.lifeEvent",
                "unknown life event `winning-the-lottery`",
            ),
        ] {
            let body = app.as_(caller).graphql(query, json!({ "f": filter })).await;
            let error = &body["errors"][0];
            assert_eq!(
                error["extensions"]["code"], "BAD_USER_INPUT",
                "{caller:?}: {body}"
            );
            assert_eq!(error["extensions"]["field"], field, "{body}");
            assert_eq!(error["message"], message, "{body}");
        }
        let known = app
            .as_(caller)
            .graphql(
                query,
                json!({ "f": { "agency": "nys-dol", "lifeEvent": "job-loss" } }),
            )
            .await;
        assert!(
            known["data"]["services"]["totalCount"].as_i64().unwrap() > 0,
            "{known}"
        );
    }
}

/// A date in the future is refused for a criterion about the past, whatever rule reads it;
/// a criterion that takes future dates (an expected due date) compares them, and the rules
/// that count back from `asOf` are not met by them.
#[tokio::test]
async fn future_dates_are_refused_unless_the_criterion_takes_them() {
    let app = TestApp::empty().await;
    let mut catalog = ranking_catalog();
    catalog["criteria"] = json!([
        { "key": "moved-in", "label": "When did you move in?", "description": "Day.", "kind": "DATE" },
        { "key": "due-date", "label": "When is the baby due?", "description": "Day.", "kind": "DATE", "futureDates": true }
    ]);
    let service = |slug: &str, key: &str, op: &str, value: Value| {
        json!({ "slug": slug, "name": format!("Service {slug}"), "summary": "S.", "description": "D.",
            "agency": "agency-a", "status": "PUBLISHED", "jurisdictions": ["US"],
            "channels": [{ "kind": "WEBSITE", "label": "Site", "url": "https://example.gov" }],
            "lifeEvents": [{ "lifeEvent": "event-b", "stage": "event-b-1", "relevance": "CORE", "reason": "R." }],
            "eligibility": [{ "rules": [{ "criterion": key, "operator": op, "value": value }] }] })
    };
    catalog["services"] = json!([
        service("moved-before", "moved-in", "BEFORE", json!("2030-01-01")),
        service(
            "moved-after",
            "moved-in",
            "ON_OR_AFTER",
            json!("2020-01-01")
        ),
        service("moved-recently", "moved-in", "WITHIN_LAST_MONTHS", json!(6)),
        service("due-before", "due-date", "BEFORE", json!("2027-03-01")),
        service("due-after", "due-date", "ON_OR_AFTER", json!("2027-03-01")),
        service("due-recently", "due-date", "WITHIN_LAST_DAYS", json!(30)),
        service("due-years-ago", "due-date", "LESS_THAN_YEARS_AGO", json!(1))
    ]);
    catalog["relations"] = json!([]);
    app.load(catalog).await;
    let ask = async |key: &str, day: &str| {
        let input = json!({ "lifeEvents": ["event-b"], "jurisdiction": "US", "asOf": "2026-11-24",
            "includeIneligible": true, "answers": [{ "criterion": key, "value": day }] });
        app.graphql(RECOMMEND, json!({ "input": input, "first": 100 }))
            .await
    };
    // Moving in tomorrow is refused, for every rule on the criterion; today is a day like
    // any other.
    let refused = ask("moved-in", "2026-11-25").await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{refused}"
    );
    assert_eq!(
        refused["errors"][0]["extensions"]["field"],
        "input.answers[0].value"
    );
    let today = ask("moved-in", "2026-11-24").await;
    assert!(today.get("errors").is_none(), "{today}");
    let status = |body: &Value| -> Vec<(String, String)> {
        let mut all: Vec<(String, String)> = recommendations(&body["data"])
            .iter()
            .map(|r| {
                (
                    r["service"]["slug"].as_str().unwrap().to_owned(),
                    r["eligibility"]["status"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        all.sort();
        all
    };
    let met = |slug: &str, s: &str| (slug.to_owned(), s.to_owned());
    let statuses = status(&today);
    for expected in [
        met("moved-before", "ELIGIBLE"),
        met("moved-after", "ELIGIBLE"),
        met("moved-recently", "ELIGIBLE"),
    ] {
        assert!(statuses.contains(&expected), "{expected:?} in {statuses:?}");
    }
    // A due date in the spring is taken: compared with fixed days, and never "in the last
    // 30 days" or "less than a year ago".
    let due = status(&ask("due-date", "2027-04-15").await);
    for expected in [
        met("due-before", "INELIGIBLE"),
        met("due-after", "ELIGIBLE"),
        met("due-recently", "INELIGIBLE"),
        met("due-years-ago", "INELIGIBLE"),
    ] {
        assert!(due.contains(&expected), "{expected:?} in {due:?}");
    }
    // The criterion says so, and only a DATE criterion may.
    let shown = app
        .data(
            r#"{ a: criterion(key: "due-date") { futureDates } b: criterion(key: "moved-in") { futureDates } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        shown,
        json!({ "a": { "futureDates": true }, "b": { "futureDates": false } })
    );
}
