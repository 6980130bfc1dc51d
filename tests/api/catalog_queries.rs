//! The public read API over the seeded New York catalog.

use serde_json::json;

use crate::helpers::{Caller, TestApp, nodes, pluck};

#[tokio::test]
async fn job_loss_journey_reaches_services_channels_agencies_and_relations() {
    let app = TestApp::seeded().await;
    let data = app
        .data(
            r#"query($slug: String!) {
              lifeEvent(slug: $slug) {
                name
                stages {
                  position name
                  services {
                    relevance reason
                    service {
                      slug
                      agency { slug jurisdiction { code } cssp { designatedOn basis source } }
                      channels { kind category label url phone }
                      relatedServices { kind reason direction service { slug } }
                    }
                  }
                }
                relatedLifeEvents { reason lifeEvent { slug } }
              }
            }"#,
            json!({ "slug": "job-loss" }),
        )
        .await;
    let event = &data["lifeEvent"];
    assert_eq!(event["name"], "Losing a job");
    let stages = event["stages"].as_array().unwrap();
    assert!((3..=5).contains(&stages.len()));
    let positions: Vec<i64> = stages
        .iter()
        .map(|s| s["position"].as_i64().unwrap())
        .collect();
    assert_eq!(positions, (1..=stages.len() as i64).collect::<Vec<_>>());

    let links: Vec<_> = stages
        .iter()
        .flat_map(|s| s["services"].as_array().unwrap().clone())
        .collect();
    let slugs: Vec<String> = links
        .iter()
        .map(|l| l["service"]["slug"].as_str().unwrap().to_owned())
        .collect();
    for needed in [
        "nys-unemployment-insurance",
        "nys-snap",
        "nys-heap",
        "ny-state-of-health-enrollment",
        "nyc-one-shot-deal",
        "nys-career-centers",
        "988-lifeline",
        "nys-omh-find-services",
    ] {
        assert!(
            slugs.contains(&needed.to_owned()),
            "job loss lacks {needed}: {slugs:?}"
        );
    }
    // Every link says why, and every service has a channel and an owning agency.
    for link in &links {
        assert!(!link["reason"].as_str().unwrap().is_empty());
        assert!(!link["service"]["channels"].as_array().unwrap().is_empty());
        assert!(link["service"]["agency"]["slug"].is_string());
    }
    // Core services come first within a stage.
    for stage in stages {
        let relevance = pluck(stage["services"].as_array().unwrap(), "relevance");
        let mut sorted = relevance.clone();
        sorted.sort();
        assert_eq!(relevance, sorted, "core before supporting");
    }
    // Unemployment insurance: DOL is a CSSP, and it relates to HEAP with a reason.
    let ui = links
        .iter()
        .find(|l| l["service"]["slug"] == "nys-unemployment-insurance")
        .unwrap();
    assert_eq!(ui["service"]["agency"]["slug"], "nys-dol");
    assert_eq!(ui["service"]["agency"]["jurisdiction"]["code"], "US-NY");
    assert!(
        ui["service"]["agency"]["cssp"]["basis"]
            .as_array()
            .unwrap()
            .contains(&json!("HIGH_IMPACT"))
    );
    let heap = ui["service"]["relatedServices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["service"]["slug"] == "nys-heap")
        .expect("UI relates to HEAP");
    assert_eq!(heap["direction"], "OUTGOING");
    assert!(heap["reason"].as_str().unwrap().contains("heating"));
    let phone = ui["service"]["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "PHONE")
        .unwrap();
    assert_eq!(phone["category"], "HUMAN");
    assert_eq!(phone["phone"], "1-888-209-8124");
    let related = pluck(
        &event["relatedLifeEvents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["lifeEvent"].clone())
            .collect::<Vec<_>>(),
        "slug",
    );
    assert!(related.contains(&"housing-insecurity".to_owned()));
}

#[tokio::test]
async fn a_service_shows_all_its_facets() {
    let app = TestApp::seeded().await;
    let data = app
        .data(
            r#"{ service(slug: "nys-heap") {
                name summary eligibilitySummary fees status version createdAt updatedAt publishedAt
                agency { slug }
                partnerAgencies { slug }
                jurisdictions { code kind }
                lifeEvents { relevance reason lifeEvent { slug } stage { slug name } }
                relatedServices(kinds: [ENABLES]) { kind direction service { slug } }
                requiredDocuments { name }
                languages { code name }
                taxonomyTerms { scheme code name }
                eligibilityRules { operator value group groupMode description criterion { key kind } }
            } }"#,
            json!({}),
        )
        .await;
    let s = &data["service"];
    assert_eq!(s["status"], "PUBLISHED");
    assert_eq!(s["version"], 1);
    assert!(s["publishedAt"].as_str().unwrap().ends_with('Z'));
    assert_eq!(s["agency"]["slug"], "nys-otda");
    assert_eq!(
        pluck(s["partnerAgencies"].as_array().unwrap(), "slug"),
        vec!["nyc-hra"]
    );
    assert_eq!(s["jurisdictions"][0]["code"], "US-NY");
    assert_eq!(s["jurisdictions"][0]["kind"], "STATE");
    let events = s["lifeEvents"].as_array().unwrap();
    let job_loss = events
        .iter()
        .find(|l| l["lifeEvent"]["slug"] == "job-loss")
        .unwrap();
    assert_eq!(job_loss["relevance"], "CORE");
    assert_eq!(job_loss["stage"]["slug"], "keep-your-home");
    // Both directions, filtered by kind: SNAP enables HEAP (incoming).
    let related = s["relatedServices"].as_array().unwrap();
    assert!(related.iter().all(|r| r["kind"] == "ENABLES"));
    assert!(
        related
            .iter()
            .any(|r| r["service"]["slug"] == "nys-snap" && r["direction"] == "INCOMING")
    );
    assert!(!s["requiredDocuments"].as_array().unwrap().is_empty());
    assert!(pluck(s["languages"].as_array().unwrap(), "code").contains(&"es".to_owned()));
    assert!(
        pluck(s["taxonomyTerms"].as_array().unwrap(), "code").contains(&"utilities".to_owned())
    );
    // HEAP's income limit is its own table; SNAP or cash assistance qualify instead.
    let rule = &s["eligibilityRules"][0];
    assert_eq!(rule["criterion"]["key"], "household-monthly-income");
    assert_eq!(rule["operator"], "AT_MOST_PERCENT_OF_TABLE");
    assert_eq!(
        rule["value"],
        json!({ "table": "nys-heap-income-limits", "percent": 100 })
    );
    assert_eq!(rule["groupMode"], "ANY");
    assert_eq!(
        rule["description"],
        "What is your household's total monthly income before taxes?: at most 100% of \
         `nys-heap-income-limits` for the household's size"
    );
    assert_eq!(
        s["eligibilityRules"][1]["criterion"]["key"],
        "receives-benefits"
    );
}

#[tokio::test]
async fn unknown_slugs_are_null_and_malformed_slugs_are_bad_input() {
    let app = TestApp::seeded().await;
    let data = app
        .data(
            r#"{ service(slug: "no-such-service") { name } agency(slug: "nobody") { name }
                 lifeEvent(slug: "winning-the-lottery") { name } jurisdiction(code: "US-ZZ") { name }
                 criterion(key: "shoe-size") { label } }"#,
            json!({}),
        )
        .await;
    for field in [
        "service",
        "agency",
        "lifeEvent",
        "jurisdiction",
        "criterion",
    ] {
        assert!(data[field].is_null(), "{field}");
    }
    let error = app
        .error(r#"{ service(slug: "Not A Slug!") { name } }"#, json!({}))
        .await;
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(error["extensions"]["field"], "slug");
    let error = app
        .error(r#"{ jurisdiction(code: "us-ny") { name } }"#, json!({}))
        .await;
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT");
}

#[tokio::test]
async fn jurisdictions_form_a_hierarchy() {
    let app = TestApp::seeded().await;
    let data = app
        .data("{ jurisdictions { code kind parent { code } } }", json!({}))
        .await;
    let list = data["jurisdictions"].as_array().unwrap();
    assert_eq!(pluck(list, "code"), vec!["US", "US-NY", "US-NY-NYC"]);
    assert!(list[0]["parent"].is_null());
    assert_eq!(list[2]["parent"]["code"], "US-NY");
}

#[tokio::test]
async fn a_resident_sees_services_of_their_jurisdiction_and_every_one_above_it() {
    let app = TestApp::seeded().await;
    let query = r#"query($j: String!) { services(first: 100, filter: {jurisdiction: $j}) {
        totalCount nodes { slug jurisdictions { code } } } }"#;
    let mut totals = Vec::new();
    for code in ["US", "US-NY", "US-NY-NYC"] {
        let data = app.data(query, json!({ "j": code })).await;
        let list = nodes(&data["services"]);
        let allowed: Vec<&str> = match code {
            "US" => vec!["US"],
            "US-NY" => vec!["US", "US-NY"],
            _ => vec!["US", "US-NY", "US-NY-NYC"],
        };
        for service in &list {
            let codes = pluck(service["jurisdictions"].as_array().unwrap(), "code");
            assert!(
                codes.iter().any(|c| allowed.contains(&c.as_str())),
                "{code}: {service}"
            );
        }
        totals.push(data["services"]["totalCount"].as_i64().unwrap());
    }
    assert!(totals[0] < totals[1] && totals[1] < totals[2], "{totals:?}");
    let slugs: Vec<String> = nodes(&app.data(query, json!({ "j": "US-NY" })).await["services"])
        .iter()
        .map(|s| s["slug"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        slugs.contains(&"ssa-retirement-benefits".to_owned()),
        "federal services reach the state"
    );
    assert!(
        !slugs.contains(&"nyc-one-shot-deal".to_owned()),
        "city services stay in the city"
    );
    let error = app.error(query, json!({ "j": "US-ZZ" })).await;
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(error["extensions"]["field"], "filter.jurisdiction");
}

#[tokio::test]
async fn a_life_event_page_narrows_each_stage_to_a_residents_jurisdiction() {
    let app = TestApp::with_keys().await;
    let query = r#"{ lifeEvent(slug: "job-loss") { stages { slug
        all: services { service { slug } }
        state: services(jurisdiction: "US-NY") { service { slug } }
        city: services(jurisdiction: "US-NY-NYC") { service { slug } } } } }"#;
    let slugs = |list: &serde_json::Value| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|l| l["service"]["slug"].as_str().unwrap().to_owned())
            .collect()
    };
    // The same answer from the published snapshot (anonymous) and from the database (a key).
    let anonymous = app.data(query, json!({})).await;
    let body = app.as_(Caller::Reviewer).graphql(query, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(anonymous, body["data"]);
    let stages = anonymous["lifeEvent"]["stages"].as_array().unwrap();
    let income = stages
        .iter()
        .find(|s| s["slug"] == "replace-income")
        .unwrap();
    let (all, state, city) = (
        slugs(&income["all"]),
        slugs(&income["state"]),
        slugs(&income["city"]),
    );
    // Upstate residents apply for SNAP with the state; the city's office is for the city.
    assert!(state.contains(&"nys-snap".to_owned()), "{state:?}");
    assert!(!state.contains(&"nyc-snap".to_owned()), "{state:?}");
    assert!(city.contains(&"nyc-snap".to_owned()), "{city:?}");
    for stage in stages {
        let (all, state, city) = (
            slugs(&stage["all"]),
            slugs(&stage["state"]),
            slugs(&stage["city"]),
        );
        // Narrowing keeps the stage's order; the seed's services are all federal, state or
        // city ones, so the city sees them all.
        assert_eq!(city, all, "{stage}");
        assert!(state.iter().all(|s| all.contains(s)), "{stage}");
        let kept: Vec<&String> = all.iter().filter(|s| state.contains(s)).collect();
        assert_eq!(kept, state.iter().collect::<Vec<_>>());
    }
    assert!(all.len() > state.len());
    for (code, message) in [("US-ZZ", "unknown jurisdiction"), ("nyc", "")] {
        let error = app
            .error(
                &format!(
                    r#"{{ lifeEvent(slug: "job-loss") {{ stages {{ services(jurisdiction: "{code}") {{ reason }} }} }} }}"#
                ),
                json!({}),
            )
            .await;
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{error}");
        assert_eq!(error["extensions"]["field"], "jurisdiction", "{error}");
        assert!(
            error["message"].as_str().unwrap().contains(message),
            "{error}"
        );
    }
}

#[tokio::test]
async fn services_filter_by_agency_life_event_channel_kind_date_and_search() {
    let app = TestApp::seeded().await;
    let query = r#"query($f: ServiceFilter) { services(first: 100, filter: $f) {
        totalCount nodes { slug name summary agency { slug } partnerAgencies { slug } channels { kind } } } }"#;

    // Agency: owned or delivered in partnership.
    let list = nodes(
        &app.data(query, json!({ "f": { "agency": "nyc-hra" } }))
            .await["services"],
    );
    assert!(list.iter().any(|s| s["agency"]["slug"] == "nyc-hra"));
    assert!(
        list.iter().any(|s| s["slug"] == "nys-heap"),
        "HRA partners on HEAP"
    );
    assert!(list.iter().all(|s| {
        s["agency"]["slug"] == "nyc-hra"
            || pluck(s["partnerAgencies"].as_array().unwrap(), "slug")
                .contains(&"nyc-hra".to_owned())
    }));

    let list = nodes(
        &app.data(query, json!({ "f": { "lifeEvent": "retirement" } }))
            .await["services"],
    );
    assert!(list.iter().any(|s| s["slug"] == "medicare-enrollment"));
    assert!(!list.iter().any(|s| s["slug"] == "fafsa"));

    let list = nodes(
        &app.data(query, json!({ "f": { "channelKind": "SMS" } }))
            .await["services"],
    );
    assert!(!list.is_empty());
    assert!(list.iter().all(|s| {
        s["channels"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["kind"] == "SMS")
    }));

    // Search ignores case, matches names and summaries, and treats % and _ literally.
    let upper = app.data(query, json!({ "f": { "search": "SNAP" } })).await;
    let lower = app.data(query, json!({ "f": { "search": "snap" } })).await;
    assert_eq!(upper, lower);
    let list = nodes(&upper["services"]);
    assert!(list.len() >= 2);
    for s in &list {
        let text = format!("{} {}", s["name"], s["summary"]).to_lowercase();
        assert!(text.contains("snap"), "{text}");
    }
    let none = app.data(query, json!({ "f": { "search": "%" } })).await;
    assert_eq!(none["services"]["totalCount"], 0);

    // Combined filters narrow.
    let both = app
        .data(
            query,
            json!({ "f": { "lifeEvent": "job-loss", "agency": "nys-dol" } }),
        )
        .await;
    let slugs = pluck(&nodes(&both["services"]), "slug");
    assert!(slugs.contains(&"nys-unemployment-insurance".to_owned()));
    assert!(!slugs.contains(&"nys-snap".to_owned()));

    // modifiedAfter: everything was seeded just now.
    let all = app
        .data(
            query,
            json!({ "f": { "modifiedAfter": "2000-01-01T00:00:00Z" } }),
        )
        .await;
    assert!(all["services"]["totalCount"].as_i64().unwrap() >= 60);
    let future = app
        .data(
            query,
            json!({ "f": { "modifiedAfter": "2999-01-01T00:00:00Z" } }),
        )
        .await;
    assert_eq!(future["services"]["totalCount"], 0);
    let error = app
        .error(query, json!({ "f": { "modifiedAfter": "yesterday" } }))
        .await;
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT");
}

#[tokio::test]
async fn agencies_filter_by_jurisdiction_cssp_and_search_and_nest() {
    let app = TestApp::seeded().await;
    let query = r#"query($f: AgencyFilter) { agencies(first: 100, filter: $f) {
        totalCount nodes { slug acronym jurisdiction { code } cssp { basis } parent { slug } children { slug }
        services(first: 3) { totalCount nodes { slug } } } } }"#;
    let all = app.data(query, json!({ "f": null })).await;
    assert!(all["agencies"]["totalCount"].as_i64().unwrap() >= 15);

    let cssp = nodes(&app.data(query, json!({ "f": { "cssp": true } })).await["agencies"]);
    assert!(!cssp.is_empty() && cssp.iter().all(|a| a["cssp"].is_object()));
    let not_cssp = nodes(&app.data(query, json!({ "f": { "cssp": false } })).await["agencies"]);
    assert!(not_cssp.iter().all(|a| a["cssp"].is_null()));
    assert_eq!(cssp.len() + not_cssp.len(), nodes(&all["agencies"]).len());

    let city = nodes(
        &app.data(query, json!({ "f": { "jurisdiction": "US-NY-NYC" } }))
            .await["agencies"],
    );
    assert!(
        !city.is_empty()
            && city
                .iter()
                .all(|a| a["jurisdiction"]["code"] == "US-NY-NYC")
    );

    let search = nodes(&app.data(query, json!({ "f": { "search": "dol" } })).await["agencies"]);
    assert!(
        pluck(&search, "slug").contains(&"nys-dol".to_owned()),
        "acronym matches"
    );

    let doh = nodes(&all["agencies"])
        .into_iter()
        .find(|a| a["slug"] == "nys-doh")
        .unwrap();
    assert!(
        pluck(doh["children"].as_array().unwrap(), "slug")
            .contains(&"ny-state-of-health".to_owned())
    );
    assert!(doh["services"]["totalCount"].as_i64().unwrap() > 3);
    assert_eq!(doh["services"]["nodes"].as_array().unwrap().len(), 3);
    let nysoh = nodes(&all["agencies"])
        .into_iter()
        .find(|a| a["slug"] == "ny-state-of-health")
        .unwrap();
    assert_eq!(nysoh["parent"]["slug"], "nys-doh");
}

#[tokio::test]
async fn life_events_list_and_criteria_are_public() {
    let app = TestApp::seeded().await;
    let data = app
        .data(
            r#"{ lifeEvents(first: 100) { totalCount nodes { slug euCode stages { slug } services(first: 100) { totalCount } } }
                 criteria(first: 100) { totalCount nodes { key label kind options { value label } unit } } }"#,
            json!({}),
        )
        .await;
    let events = nodes(&data["lifeEvents"]);
    for slug in [
        "job-loss",
        "having-a-baby",
        "retirement",
        "death-of-a-loved-one",
        "living-with-a-disability",
        "housing-insecurity",
        "moving-to-new-york",
        "disaster-recovery",
        "going-to-college",
        "leaving-military-service",
        "starting-a-business",
    ] {
        let event = events
            .iter()
            .find(|e| e["slug"] == slug)
            .unwrap_or_else(|| panic!("missing {slug}"));
        let stages = event["stages"].as_array().unwrap().len();
        assert!((3..=5).contains(&stages), "{slug} has {stages} stages");
        assert!(
            event["services"]["totalCount"].as_i64().unwrap() >= 3,
            "{slug}"
        );
    }
    let criteria = nodes(&data["criteria"]);
    let separation = criteria
        .iter()
        .find(|c| c["key"] == "job-separation-reason")
        .unwrap();
    assert_eq!(separation["kind"], "SELECT");
    assert!(
        pluck(separation["options"].as_array().unwrap(), "value").contains(&"laid-off".to_owned())
    );
    let size = criteria
        .iter()
        .find(|c| c["key"] == "household-size")
        .unwrap();
    assert_eq!(size["options"], json!([]));
    assert_eq!(size["unit"], "people");
}

#[tokio::test]
async fn names_sort_ignoring_case_the_same_for_the_public_and_for_keys_on_every_page() {
    let app = TestApp::with_keys().await;
    let query = r#"query($after: String) {
        agencies(first: 7, after: $after) { pageInfo { hasNextPage endCursor } nodes { name } }
    }"#;
    for caller in [Caller::Anonymous, Caller::Reviewer] {
        // Paged in sevens, so cursors cross the places where case would reorder names.
        let mut names = Vec::new();
        let mut after = serde_json::Value::Null;
        loop {
            let body = app
                .as_(caller)
                .graphql(query, json!({ "after": after }))
                .await;
            let page = &body["data"]["agencies"];
            names.extend(pluck(page["nodes"].as_array().unwrap(), "name"));
            if page["pageInfo"]["hasNextPage"] == false {
                break;
            }
            after = page["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(names.len(), 45, "{names:?}");
        let keys: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
        assert!(keys.windows(2).all(|w| w[0] <= w[1]), "{names:?}");
        // Byte order would put every "NYC ..." before "New York ...".
        let at = |name: &str| names.iter().position(|n| n == name).unwrap();
        assert!(
            at("New York State Department of Labor") < at("NYC Human Resources Administration"),
            "{names:?}"
        );
    }
    // Services and life events too, from the snapshot and from the database alike.
    let lists =
        r#"{ services(first: 100) { nodes { name } } lifeEvents(first: 100) { nodes { name } } }"#;
    let public = app.as_(Caller::Anonymous).graphql(lists, json!({})).await;
    let keyed = app.as_(Caller::Reviewer).graphql(lists, json!({})).await;
    assert_eq!(public, keyed);
    for list in ["services", "lifeEvents"] {
        let names = pluck(public["data"][list]["nodes"].as_array().unwrap(), "name");
        let keys: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
        assert!(keys.windows(2).all(|w| w[0] <= w[1]), "{list}: {names:?}");
    }
}
