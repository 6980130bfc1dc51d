//! Global ids (`node`, `nodes`) and what the public may not see (drafts).

use civic_catalog::graphql::node::{NodeKind, global_id};
use serde_json::json;

use crate::helpers::{TestApp, nodes, pluck};

#[tokio::test]
async fn every_id_resolves_back_to_its_record_through_node() {
    let app = TestApp::seeded().await;
    let data = app
        .data(
            r#"{ service(slug: "nys-unemployment-insurance") {
                id slug agency { id slug jurisdiction { id code } }
                channels { id label }
                lifeEvents { lifeEvent { id slug } stage { id slug } }
                eligibilityRules { criterion { id key } } } }"#,
            json!({}),
        )
        .await;
    let s = &data["service"];
    let ids = json!([
        s["id"],
        s["agency"]["id"],
        s["agency"]["jurisdiction"]["id"],
        s["channels"][0]["id"],
        s["lifeEvents"][0]["lifeEvent"]["id"],
        s["lifeEvents"][0]["stage"]["id"],
        s["eligibilityRules"][0]["criterion"]["id"]
    ]);
    let resolved = app
        .data(
            r#"query($ids: [ID!]!) { nodes(ids: $ids) { __typename id
                ... on Service { slug } ... on Agency { slug } ... on Jurisdiction { code }
                ... on Channel { label } ... on LifeEvent { slug } ... on JourneyStage { slug }
                ... on Criterion { key } } }"#,
            json!({ "ids": ids }),
        )
        .await;
    let list = resolved["nodes"].as_array().unwrap();
    let types: Vec<&str> = list
        .iter()
        .map(|n| n["__typename"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "Service",
            "Agency",
            "Jurisdiction",
            "Channel",
            "LifeEvent",
            "JourneyStage",
            "Criterion"
        ]
    );
    for (node, id) in list.iter().zip(ids.as_array().unwrap()) {
        assert_eq!(&node["id"], id);
    }
    assert_eq!(list[0]["slug"], "nys-unemployment-insurance");
    assert_eq!(list[1]["slug"], "nys-dol");
    assert_eq!(list[2]["code"], "US-NY");
    assert_eq!(list[4]["slug"], "job-loss");
    assert_eq!(list[6]["key"], "job-separation-reason");

    let one = app
        .data(
            "query($id: ID!) { node(id: $id) { id ... on Service { name } } }",
            json!({ "id": s["id"] }),
        )
        .await;
    assert_eq!(one["node"]["name"], "Unemployment Insurance");
}

#[tokio::test]
async fn malformed_and_foreign_ids_are_bad_input_and_unknown_ids_are_null() {
    let app = TestApp::seeded().await;
    let query = "query($id: ID!) { node(id: $id) { id } }";
    for bad in [
        "not-an-id",
        "",
        "U2VydmljZTo",      // "Service:" without a row
        "VXNlcjo0Mg",       // "User:42": a type this API does not have
        "U2VydmljZTotMQ",   // "Service:-1"
        "U2VydmljZTo0Mg==", // padded form of a real id shape: not one we issue
        "gid://shopify/Product/42",
    ] {
        let body = app.graphql(query, json!({ "id": bad })).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{bad}: {body}"
        );
        assert!(body["data"]["node"].is_null());
    }
    let unknown = global_id(NodeKind::Service, 999_999);
    let data = app.data(query, json!({ "id": unknown.as_str() })).await;
    assert!(data["node"].is_null());

    let data = app
        .data(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": [unknown.as_str()] }),
        )
        .await;
    assert_eq!(data["nodes"], json!([null]));
    let error = app
        .error(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": ["nope"] }),
        )
        .await;
    assert_eq!(error["extensions"]["field"], "ids[0]");
    let too_many: Vec<String> = (1..=101)
        .map(|i| global_id(NodeKind::Service, i).to_string())
        .collect();
    let error = app
        .error(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": too_many }),
        )
        .await;
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT");
}

#[tokio::test]
async fn drafts_and_archived_services_are_invisible_to_the_public() {
    let app = TestApp::with_keys().await;
    let hidden = |slug: &str, status: &str| {
        json!({
            "slug": slug, "name": format!("Hidden {status} benefit"), "summary": "Not public yet, a snap of a service.",
            "description": "Should not be visible.", "agency": "nys-dol", "status": status,
            "channels": [{ "kind": "WEBSITE", "label": "Site", "url": "https://dol.ny.gov" }],
            "lifeEvents": [{ "lifeEvent": "job-loss", "stage": "replace-income", "relevance": "CORE", "reason": "Secret." }]
        })
    };
    app.load(json!({
        "services": [hidden("draft-benefit", "DRAFT"), hidden("review-benefit", "IN_REVIEW"), hidden("archived-benefit", "ARCHIVED")],
        "relations": [{ "from": "draft-benefit", "to": "nys-unemployment-insurance", "kind": "REQUIRES", "reason": "Secret." }]
    }))
    .await;

    for slug in ["draft-benefit", "review-benefit", "archived-benefit"] {
        let data = app
            .data(
                "query($s: String!) { service(slug: $s) { id } }",
                json!({ "s": slug }),
            )
            .await;
        assert!(data["service"].is_null(), "{slug} visible by slug");
        let id = app.service_as_admin(slug).await["id"].clone();
        assert!(id.is_string(), "{slug} as admin");
        let data = app
            .data(
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
        assert!(data["node"].is_null(), "{slug} visible by id");
    }
    let data = app
        .data(
            r#"{ services(first: 100, filter: {search: "hidden"}) { totalCount }
                 all: services(first: 100) { nodes { slug } }
                 lifeEvent(slug: "job-loss") { stages { services { service { slug } } } services(first: 100) { nodes { service { slug } } } }
                 agency(slug: "nys-dol") { services(first: 100) { nodes { slug } } }
                 service(slug: "nys-unemployment-insurance") { relatedServices { service { slug } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["services"]["totalCount"], 0);
    let text = data.to_string();
    for slug in ["draft-benefit", "review-benefit", "archived-benefit"] {
        assert!(!text.contains(slug), "{slug} leaked: {text}");
    }
    assert!(
        pluck(&nodes(&data["agency"]["services"]), "slug")
            .contains(&"nys-unemployment-insurance".to_owned())
    );
}
