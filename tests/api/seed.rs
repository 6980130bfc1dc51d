//! The seeded New York catalog: its size, its guarantees, and that loading is idempotent.

use serde_json::json;

use crate::helpers::{TestApp, nodes};

#[tokio::test]
async fn the_seeded_catalog_meets_its_promises() {
    let app = TestApp::seeded().await;
    let data = app
        .data(
            r#"{ agencies(first: 100) { totalCount nodes { jurisdiction { code } } }
                 services(first: 100) { totalCount nodes { slug channels { kind url phone } relatedServices { direction reason } } }
                 lifeEvents(first: 100) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert!(data["agencies"]["totalCount"].as_i64().unwrap() >= 15);
    let levels: std::collections::HashSet<String> = nodes(&data["agencies"])
        .iter()
        .map(|a| a["jurisdiction"]["code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(levels.len(), 3, "federal, state and city agencies");
    assert!(data["services"]["totalCount"].as_i64().unwrap() >= 60);
    assert!(data["lifeEvents"]["totalCount"].as_i64().unwrap() >= 10);
    let mut outgoing = 0;
    for service in nodes(&data["services"]) {
        let channels = service["channels"].as_array().unwrap();
        assert!(!channels.is_empty(), "{} has no channel", service["slug"]);
        for channel in channels {
            if let Some(url) = channel["url"].as_str() {
                assert!(
                    url.starts_with("https://") || url.starts_with("http://"),
                    "{url}"
                );
            }
        }
        for relation in service["relatedServices"].as_array().unwrap() {
            assert!(!relation["reason"].as_str().unwrap().is_empty());
            if relation["direction"] == "OUTGOING" {
                outgoing += 1;
            }
        }
    }
    assert!(outgoing >= 60, "only {outgoing} service relations");
}

#[tokio::test]
async fn seeding_twice_changes_nothing() {
    let app = TestApp::seeded().await;
    let query = r#"{ services(first: 100) { totalCount nodes { id version updatedAt channels { id } lifeEvents { reason } } }
                     agencies(first: 100) { totalCount nodes { id } } lifeEvents(first: 100) { nodes { id stages { id } } } }"#;
    let before = app.data(query, json!({})).await;
    let report = app.catalog.seed_new_york().await.unwrap();
    assert_eq!(report.services_created, 0);
    assert_eq!(report.services_updated, 0);
    assert!(report.services_unchanged >= 60);
    let after = app.data(query, json!({})).await;
    assert_eq!(before, after);
}

#[tokio::test]
async fn reloading_a_changed_service_bumps_its_version_only() {
    let app = TestApp::seeded().await;
    let doc = |summary: &str| {
        json!({ "services": [{
            "slug": "nys-heap", "name": "Home Energy Assistance Program (HEAP)", "summary": summary,
            "description": "Changed.", "agency": "nys-otda",
            "channels": [{ "kind": "PHONE", "label": "OTDA hotline", "phone": "1-800-342-3009" }]
        }] })
    };
    app.load(doc("New summary.")).await;
    let data = app
        .data(r#"{ service(slug: "nys-heap") { version summary channels { phone } } snap: service(slug: "nys-snap") { version } }"#, json!({}))
        .await;
    assert_eq!(data["service"]["version"], 2);
    assert_eq!(data["service"]["summary"], "New summary.");
    assert_eq!(data["service"]["channels"].as_array().unwrap().len(), 1);
    assert_eq!(data["snap"]["version"], 1);
    app.load(doc("New summary.")).await;
    let data = app
        .data(r#"{ service(slug: "nys-heap") { version } }"#, json!({}))
        .await;
    assert_eq!(
        data["service"]["version"], 2,
        "an identical reload is not a change"
    );
}

#[tokio::test]
async fn invalid_documents_are_rejected_whole_with_the_offending_path() {
    let app = TestApp::seeded().await;
    let cases = [
        (
            json!({ "services": [{ "slug": "x-1", "name": "X", "summary": "S", "description": "D", "agency": "nobody",
            "channels": [{ "kind": "WEBSITE", "label": "L", "url": "https://x.gov" }] }] }),
            "services[0].agency",
        ),
        (
            json!({ "services": [{ "slug": "x-1", "name": "X", "summary": "S", "description": "D", "agency": "nys-dol",
            "channels": [{ "kind": "WEBSITE", "label": "L", "url": "ftp://x.gov" }] }] }),
            "services[0].channels[0].url",
        ),
        (
            json!({ "services": [{ "slug": "x-1", "name": "X", "summary": "S", "description": "D", "agency": "nys-dol",
            "channels": [] }] }),
            "services[0].channels",
        ),
        (
            json!({ "services": [{ "slug": "Bad Slug", "name": "X", "summary": "S", "description": "D", "agency": "nys-dol",
            "channels": [{ "kind": "PHONE", "label": "L", "phone": "call me" }] }] }),
            "services[0].slug",
        ),
        (
            json!({ "relations": [{ "from": "nys-snap", "to": "nys-snap", "kind": "REQUIRES", "reason": "r" }] }),
            "relations[0].to",
        ),
        (
            json!({ "relations": [{ "from": "nys-snap", "to": "nys-heap", "kind": "LOVES", "reason": "r" }] }),
            "relations[0].kind",
        ),
    ];
    for (document, field) in cases {
        let parsed = civic_catalog::catalog::import::parse(&document.to_string()).unwrap();
        match app.catalog.load_document(&parsed).await {
            Err(civic_catalog::catalog::CatalogError::BadInput { field: got, .. }) => {
                assert_eq!(got, field)
            }
            other => panic!("expected BadInput on {field}, got {other:?}"),
        }
    }
    let data = app
        .data(r#"{ service(slug: "x-1") { id } }"#, json!({}))
        .await;
    assert!(data["service"].is_null());
}

/// One write path: a catalog document's agency is refused by exactly the rules, field names
/// (relative to the agency) and messages that `agencyCreate` applies, and nothing is loaded.
#[tokio::test]
async fn catalog_documents_and_agency_create_refuse_the_same_agencies_alike() {
    use civic_catalog::catalog::CatalogError;
    let app = TestApp::seeded().await;
    let admin = crate::helpers::keys(&app).await.admin;
    let agency = |change: serde_json::Value| {
        let mut agency = json!({ "slug": "nys-ods", "name": "Office of Digital Services",
            "jurisdiction": "US-NY", "description": "Builds the state's digital front door." });
        agency
            .as_object_mut()
            .unwrap()
            .extend(change.as_object().unwrap().clone());
        agency
    };
    for (change, field) in [
        (json!({ "name": "N".repeat(300) }), "name"),
        (json!({ "description": "   " }), "description"),
        (json!({ "website": "ftp://ods.ny.gov" }), "website"),
        (json!({ "phone": "call us" }), "phone"),
        (json!({ "acronym": "A".repeat(80) }), "acronym"),
        (json!({ "slug": "Not A Slug" }), "slug"),
        (json!({ "jurisdiction": "new york" }), "jurisdiction"),
        (json!({ "jurisdiction": "US-ZZ" }), "jurisdiction"),
    ] {
        let input = agency(change.clone());
        let api =
            crate::helpers::run(&app, &admin, "agencyCreate", "agency { id }", input.clone()).await;
        let api_error = &api["userErrors"][0];
        assert_eq!(
            api_error["field"],
            json!(["input", field]),
            "{change}: {api}"
        );

        let document =
            civic_catalog::catalog::import::parse(&json!({ "agencies": [input] }).to_string())
                .unwrap();
        match app.catalog.load_document(&document).await {
            Err(CatalogError::BadInput { field: at, message }) => {
                assert_eq!(at, format!("agencies[0].{field}"), "{change}");
                assert_eq!(message, api_error["message"].as_str().unwrap(), "{change}");
            }
            other => panic!("{change}: the document was not refused: {other:?}"),
        }
    }
    let data = app
        .data(r#"{ agency(slug: "nys-ods") { id } }"#, json!({}))
        .await;
    assert!(data["agency"].is_null(), "nothing was loaded");
}

/// The same holds for jurisdictions, criteria and life events with their stages.
#[tokio::test]
async fn catalog_documents_and_admin_mutations_refuse_the_same_records_alike() {
    use civic_catalog::catalog::CatalogError;
    let app = TestApp::seeded().await;
    let admin = crate::helpers::keys(&app).await.admin;
    let county = json!({ "code": "US-NY-SCH", "name": "Schoharie County", "kind": "COUNTY", "parent": "US-NY" });
    let criterion = json!({ "key": "owns-a-car", "label": "Do you own a car?", "description": "For transport help.", "kind": "BOOLEAN" });
    let event = json!({ "slug": "moving-house", "name": "Moving house", "description": "Changing where you live.",
        "stages": [{ "slug": "plan", "name": "Plan the move", "description": "Before you go." }] });
    let cases = [
        (
            "jurisdictionCreate",
            "jurisdictions",
            &county,
            json!({ "name": " " }),
            "name",
        ),
        (
            "jurisdictionCreate",
            "jurisdictions",
            &county,
            json!({ "code": "US-NJ-X" }),
            "code",
        ),
        (
            "jurisdictionCreate",
            "jurisdictions",
            &county,
            json!({ "code": "us ny" }),
            "code",
        ),
        (
            "criterionCreate",
            "criteria",
            &criterion,
            json!({ "label": "L".repeat(300) }),
            "label",
        ),
        (
            "criterionCreate",
            "criteria",
            &criterion,
            json!({ "kind": "SELECT" }),
            "options",
        ),
        (
            "criterionCreate",
            "criteria",
            &criterion,
            json!({ "kind": "SELECT", "options": [{ "value": "Not A Slug", "label": "x" }] }),
            "options[0].value",
        ),
        (
            "lifeEventCreate",
            "lifeEvents",
            &event,
            json!({ "description": "" }),
            "description",
        ),
        (
            "lifeEventCreate",
            "lifeEvents",
            &event,
            json!({ "stages": [] }),
            "stages",
        ),
        (
            "lifeEventCreate",
            "lifeEvents",
            &event,
            json!({ "stages": [{ "slug": "plan", "name": "A", "description": "a" }, { "slug": "plan", "name": "B", "description": "b" }] }),
            "stages[1].slug",
        ),
        (
            "lifeEventCreate",
            "lifeEvents",
            &event,
            json!({ "stages": [{ "slug": "plan", "name": "N".repeat(300), "description": "a" }] }),
            "stages[0].name",
        ),
    ];
    for (mutation, list, base, change, field) in cases {
        let mut input = base.clone();
        input
            .as_object_mut()
            .unwrap()
            .extend(change.as_object().unwrap().clone());
        let api = crate::helpers::run(&app, &admin, mutation, "__typename", input.clone()).await;
        let api_error = &api["userErrors"][0];
        let mut path = vec![json!("input")];
        path.extend(
            field
                .replace('[', ".")
                .replace(']', "")
                .split('.')
                .map(|s| json!(s)),
        );
        assert_eq!(
            api_error["field"],
            json!(path),
            "{mutation} {change}: {api}"
        );
        let document =
            civic_catalog::catalog::import::parse(&json!({ list: [input] }).to_string()).unwrap();
        match app.catalog.load_document(&document).await {
            Err(CatalogError::BadInput { field: at, message }) => {
                assert_eq!(at, format!("{list}[0].{field}"), "{mutation} {change}");
                assert_eq!(
                    message,
                    api_error["message"].as_str().unwrap(),
                    "{mutation} {change}"
                );
            }
            other => panic!("{mutation} {change}: the document was not refused: {other:?}"),
        }
    }
}
