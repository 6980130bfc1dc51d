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
        totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { relevance stage { slug } service { slug } } } } } }"#;
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
                .map(|e| e["node"]["service"].clone())
                .collect::<Vec<_>>(),
            "slug",
        ));
        // Each service with its link, as the stages list it.
        assert!(conn["edges"].as_array().unwrap().iter().all(|e| {
            ["CORE", "SUPPORTING"].contains(&e["node"]["relevance"].as_str().unwrap())
                && e["node"]["stage"]["slug"].is_string()
        }));
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

/// Walks a connection from its end to its start with `last` and `before`, returning the
/// `key` of every node in list order (so it should equal a forward walk).
async fn walk_back(app: &TestApp, query: &str, path: &[&str], key: &str, last: i64) -> Vec<String> {
    let mut before: Value = Value::Null;
    let mut pages: Vec<Vec<String>> = Vec::new();
    for _ in 0..1000 {
        let data = app
            .data(query, json!({ "last": last, "before": before }))
            .await;
        let conn = path.iter().fold(&data, |v, p| &v[*p]);
        let edges = conn["edges"].as_array().unwrap();
        assert!(edges.len() as i64 <= last, "{conn}");
        assert_eq!(conn["pageInfo"]["hasNextPage"], !before.is_null(), "{conn}");
        pages.push(edges.iter().map(|e| e["node"][key].to_string()).collect());
        if conn["pageInfo"]["hasPreviousPage"] == false {
            pages.reverse();
            return pages.concat();
        }
        before = conn["pageInfo"]["startCursor"].clone();
    }
    panic!("backward pagination did not end");
}

#[tokio::test]
async fn every_connection_pages_backward_with_last_and_before() {
    let app = TestApp::with_keys().await;
    let keys = app.keys();
    let services = r#"query($first: Int, $after: String) { services(first: $first, after: $after) {
        totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { slug } } } }"#;
    let (forward, _) = walk(&app, services, "services", 100).await;
    let forward: Vec<String> = forward.iter().map(|s| format!("\"{s}\"")).collect();
    for (query, path) in [(
        r#"query($last: Int, $before: String) { services(last: $last, before: $before) {
                pageInfo { hasNextPage hasPreviousPage startCursor } edges { node { slug } } } }"#,
        vec!["services"],
    )] {
        for last in [1, 7, 100] {
            assert_eq!(
                walk_back(&app, query, &path, "slug", last).await,
                forward,
                "last {last}"
            );
        }
    }
    // Every other connection gives, backward, what it gives forward.
    for (field, args, path, key) in [
        ("agencies", "", vec!["agencies"], "slug"),
        ("lifeEvents", "", vec!["lifeEvents"], "slug"),
        ("criteria", "", vec!["criteria"], "key"),
        (
            "services",
            r#"lifeEvent(slug: "job-loss") {"#,
            vec!["lifeEvent", "services"],
            // Its nodes are the services' links: each link's reason, in the services' order.
            "reason",
        ),
        (
            "services",
            r#"agency(slug: "nys-dol") {"#,
            vec!["agency", "services"],
            "slug",
        ),
    ] {
        let close = if args.is_empty() { "" } else { "}" };
        let forward_query =
            format!("{{ {args} {field}(first: 100) {{ nodes {{ {key} }} }} {close} }}");
        let data = app.data(&forward_query, json!({})).await;
        let nodes = path.iter().fold(&data, |v, p| &v[*p])["nodes"].clone();
        let forward: Vec<String> = nodes
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n[key].to_string())
            .collect();
        assert!(forward.len() > 2, "{field}: {data}");
        let back_query = format!(
            "query($last: Int, $before: String) {{ {args} {field}(last: $last, before: $before) {{
                pageInfo {{ hasNextPage hasPreviousPage startCursor }} edges {{ node {{ {key} }} }} }} {close} }}"
        );
        assert_eq!(
            walk_back(&app, &back_query, &path, key, 2).await,
            forward,
            "{path:?}"
        );
    }
    // The audit trail (newest first) and recommendations page back too.
    let audit = gql_as_admin(
        &app,
        &keys.admin,
        "{ auditEvents(first: 100) { totalCount edges { cursor } } }",
    )
    .await;
    let forward: Vec<String> = audit["auditEvents"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["cursor"].to_string())
        .collect();
    assert!(forward.len() >= 4);
    // Every page counts the whole trail the filter matches, not the page.
    assert_eq!(audit["auditEvents"]["totalCount"], json!(forward.len()));
    let mut before = Value::Null;
    let mut pages = Vec::new();
    loop {
        let body = app.as_(crate::helpers::Caller::Admin).graphql("query($before: String) { auditEvents(last: 3, before: $before) { totalCount pageInfo { hasPreviousPage startCursor } edges { cursor } } }",
            json!({ "before": before })).await;
        let conn = &body["data"]["auditEvents"];
        assert_eq!(conn["totalCount"], json!(forward.len()));
        pages.push(
            conn["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["cursor"].to_string())
                .collect::<Vec<_>>(),
        );
        if conn["pageInfo"]["hasPreviousPage"] == false {
            break;
        }
        before = conn["pageInfo"]["startCursor"].clone();
    }
    pages.reverse();
    assert_eq!(pages.concat(), forward);
    let recommend = r#"query($last: Int, $before: String) { recommendServices(input: {lifeEvents: ["job-loss"], jurisdiction: "US-NY-NYC"}, last: $last, before: $before) {
        pageInfo { hasNextPage hasPreviousPage startCursor } edges { node { service { slug } } } } }"#;
    let all = app
        .data(
            r#"{ recommendServices(input: {lifeEvents: ["job-loss"], jurisdiction: "US-NY-NYC"}, first: 100) { nodes { service { slug } } } }"#,
            json!({}),
        )
        .await;
    let forward: Vec<String> = all["recommendServices"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["service"].to_string())
        .collect();
    assert!(forward.len() > 3);
    assert_eq!(
        walk_back(&app, recommend, &["recommendServices"], "service", 3).await,
        forward
    );
}

async fn gql_as_admin(app: &TestApp, token: &str, query: &str) -> Value {
    crate::helpers::gql_as(app, Some(token), query, json!({})).await["data"].clone()
}

#[tokio::test]
async fn first_with_last_or_a_bad_before_is_bad_input() {
    let app = TestApp::seeded().await;
    for (args, field) in [
        ("first: 2, last: 2", "last"),
        ("last: 101", "last"),
        ("last: -1", "last"),
        (r#"last: 2, before: "garbage!""#, "before"),
    ] {
        let body = app
            .graphql(
                &format!("{{ services({args}) {{ totalCount }} }}"),
                json!({}),
            )
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{args}: {body}"
        );
        assert_eq!(
            body["errors"][0]["extensions"]["field"], field,
            "{args}: {body}"
        );
    }
    // A window between two cursors, from either end.
    let page = app
        .data(
            "{ services(first: 10) { edges { cursor node { slug } } } }",
            json!({}),
        )
        .await;
    let edges = page["services"]["edges"].as_array().unwrap();
    let (after, before) = (edges[1]["cursor"].clone(), edges[8]["cursor"].clone());
    let slugs = |d: &Value| -> Vec<Value> {
        d["services"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["slug"].clone())
            .collect()
    };
    let window = "query($a: String, $b: String, $first: Int, $last: Int) { services(after: $a, before: $b, first: $first, last: $last) { nodes { slug } } }";
    let head = app
        .data(window, json!({ "a": after, "b": before, "first": 3 }))
        .await;
    let tail = app
        .data(window, json!({ "a": after, "b": before, "last": 3 }))
        .await;
    let expected = |range: std::ops::Range<usize>| -> Vec<Value> {
        edges[range]
            .iter()
            .map(|e| e["node"]["slug"].clone())
            .collect()
    };
    assert_eq!(slugs(&head), expected(2..5));
    assert_eq!(slugs(&tail), expected(5..8));
}
