//! The README's example queries run against the seeded catalog and return data.

use serde_json::json;

use crate::helpers::TestApp;

fn readme_queries() -> Vec<String> {
    let readme = include_str!("../../README.md");
    readme
        .split("```graphql\n")
        .skip(1)
        .filter_map(|block| block.split_once("```").map(|(query, _)| query.to_owned()))
        .collect()
}

#[tokio::test]
async fn the_readme_example_queries_work() {
    let queries = readme_queries();
    assert!(
        queries.len() >= 3,
        "the README shows at least three example queries"
    );
    let app = TestApp::seeded().await;
    for query in &queries {
        let data = app.data(query, json!({})).await;
        let text = data.to_string();
        assert!(
            !text.contains("null}") || text.len() > 200,
            "{query} returned little: {text}"
        );
        let root = data.as_object().unwrap().values().next().unwrap();
        assert!(!root.is_null(), "{query} returned null");
    }
    let food = app.data(&readme_queries()[2], json!({})).await;
    assert!(
        food["services"]["totalCount"].as_i64().unwrap() >= 2,
        "{food}"
    );
}
