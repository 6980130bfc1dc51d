//! Connections: page sizes, cursors, and walking a whole list.

use serde_json::{Value, json};

use crate::helpers::{TestApp, pluck};

async fn walk(app: &TestApp, query: &str, field: &str, first: i64) -> (Vec<String>, i64) {
    let mut after: Value = Value::Null;
    let mut seen = Vec::new();
    for _ in 0..1000 {
        let data = app
            .data(query, json!({ "first": first, "after": after }))
            .await;
        let conn = &data[field];
        let total = conn["totalCount"].as_i64().unwrap();
        let edges = conn["edges"].as_array().unwrap();
        assert!(edges.len() as i64 <= first);
        for edge in edges {
            assert!(edge["cursor"].is_string());
            seen.push(edge["node"]["slug"].as_str().unwrap().to_owned());
        }
        assert_eq!(conn["pageInfo"]["hasPreviousPage"], !after.is_null());
        if !edges.is_empty() {
            assert_eq!(
                conn["pageInfo"]["endCursor"],
                edges.last().unwrap()["cursor"]
            );
            assert_eq!(conn["pageInfo"]["startCursor"], edges[0]["cursor"]);
        }
        if conn["pageInfo"]["hasNextPage"] == false {
            return (seen, total);
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
    panic!("pagination did not end");
}

#[tokio::test]
async fn walking_every_page_returns_each_item_once() {
    let app = TestApp::seeded().await;
    let query = r#"query($first: Int, $after: String) { services(first: $first, after: $after) {
        totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { slug } } } }"#;
    let (all, total) = walk(&app, query, "services", 100).await;
    assert_eq!(all.len() as i64, total);
    for first in [1, 7, 30] {
        let (paged, total) = walk(&app, query, "services", first).await;
        assert_eq!(paged, all, "page size {first}");
        assert_eq!(paged.len() as i64, total);
    }
    let mut unique = all.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), all.len());

    // Nested connections page the same way.
    let nested = r#"query($first: Int, $after: String) { lifeEvent(slug: "job-loss") { services(first: $first, after: $after) {
        totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { slug } } } } }"#;
    let mut after = Value::Null;
    let mut seen = Vec::new();
    loop {
        let data = app
            .data(nested, json!({ "first": 3, "after": after }))
            .await;
        let conn = &data["lifeEvent"]["services"];
        seen.extend(pluck(
            &conn["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"].clone())
                .collect::<Vec<_>>(),
            "slug",
        ));
        if conn["pageInfo"]["hasNextPage"] == false {
            assert_eq!(seen.len() as i64, conn["totalCount"].as_i64().unwrap());
            break;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
    let mut unique = seen.clone();
    unique.dedup();
    assert_eq!(unique, seen);
    assert!(seen.contains(&"nys-unemployment-insurance".to_owned()));
}

#[tokio::test]
async fn page_size_edges() {
    let app = TestApp::seeded().await;
    let query = "query($first: Int) { services(first: $first) { totalCount pageInfo { hasNextPage startCursor endCursor } nodes { slug } } }";
    let zero = app.data(query, json!({ "first": 0 })).await;
    assert_eq!(zero["services"]["nodes"], json!([]));
    assert_eq!(zero["services"]["pageInfo"]["hasNextPage"], true);
    assert!(zero["services"]["pageInfo"]["endCursor"].is_null());

    let default = app.data(query, json!({ "first": null })).await;
    assert_eq!(default["services"]["nodes"].as_array().unwrap().len(), 20);

    let max = app.data(query, json!({ "first": 100 })).await;
    let total = max["services"]["totalCount"].as_i64().unwrap();
    assert_eq!(
        max["services"]["nodes"].as_array().unwrap().len() as i64,
        total.min(100)
    );

    for bad in [-1, 101, 1000] {
        let body = app.graphql(query, json!({ "first": bad })).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{bad}"
        );
        assert_eq!(body["errors"][0]["extensions"]["field"], "first");
        assert!(body["data"].is_null());
    }
    let nested = app
        .graphql(
            r#"{ agency(slug: "nys-dol") { services(first: 101) { totalCount } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(nested["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
}

#[tokio::test]
async fn malformed_cursors_are_bad_input() {
    let app = TestApp::seeded().await;
    for query in [
        "query($after: String) { services(after: $after) { totalCount } }",
        "query($after: String) { agencies(after: $after) { totalCount } }",
        "query($after: String) { lifeEvents(after: $after) { totalCount } }",
        "query($after: String) { criteria(after: $after) { totalCount } }",
        r#"query($after: String) { lifeEvent(slug: "job-loss") { services(after: $after) { totalCount } } }"#,
    ] {
        for bad in ["garbage!", "", "azE6", "azE6eDpOYW1l", "YWJj"] {
            let body = app.graphql(query, json!({ "after": bad })).await;
            assert_eq!(
                body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
                "{query} {bad}: {body}"
            );
            assert_eq!(body["errors"][0]["extensions"]["field"], "after");
        }
    }
}
