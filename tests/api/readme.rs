//! The README's example queries run against the seeded catalog and return data.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::helpers::{Caller, TestApp};

fn readme_queries() -> Vec<String> {
    let readme = include_str!("../../README.md");
    readme
        .split("```graphql\n")
        .skip(1)
        .filter_map(|block| block.split_once("```").map(|(query, _)| query.to_owned()))
        .collect()
}

/// The field names a query selects (arguments, the operation name and fragments aside).
fn selected_fields(query: &str) -> Vec<String> {
    let body = query.split_once('{').map_or("", |(_, body)| body);
    let mut depth = 0;
    let mut outside_arguments = String::new();
    for c in body.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ if depth == 0 => outside_arguments.push(c),
            _ => {}
        }
    }
    outside_arguments
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|word| word.starts_with(|c: char| c.is_ascii_lowercase()))
        .map(str::to_owned)
        .collect()
}

/// Every key in `value` whose value is neither null nor an empty list.
fn answered_fields(value: &Value, found: &mut HashSet<String>) {
    match value {
        Value::Object(object) => {
            for (key, value) in object {
                let empty = value.is_null() || value.as_array().is_some_and(Vec::is_empty);
                if !empty {
                    found.insert(key.clone());
                }
                answered_fields(value, found);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| answered_fields(item, found)),
        _ => {}
    }
}

#[tokio::test]
async fn the_readme_example_queries_answer_every_field_they_ask_for() {
    let queries = readme_queries();
    assert!(
        queries.len() >= 3,
        "the README shows at least three example queries"
    );
    let app = TestApp::with_keys().await;
    for query in &queries {
        // A block that needs a key says so on its first line: `# as EDITOR`, `# as ADMIN`.
        let caller = match query.lines().next().and_then(|l| l.strip_prefix("# as ")) {
            Some(role) if role.starts_with("EDITOR") => Caller::Editor,
            Some(role) if role.starts_with("ADMIN") => Caller::Admin,
            Some(role) => panic!("no key for `# as {role}`"),
            None => Caller::Anonymous,
        };
        let body = app.as_(caller).graphql(query, json!({})).await;
        assert!(body.get("errors").is_none(), "{query}\n{body:#}");
        let data = body["data"].clone();
        let mut answered = HashSet::new();
        answered_fields(&data, &mut answered);
        let unanswered: Vec<String> = selected_fields(query)
            .into_iter()
            .filter(|field| !answered.contains(field))
            .collect();
        assert!(
            unanswered.is_empty(),
            "an example should show what it asks for, but the seeded catalog answers none of \
             {unanswered:?} in:\n{query}\n{data:#}"
        );
    }
    let food = app.data(&readme_queries()[2], json!({})).await;
    assert!(
        food["services"]["totalCount"].as_i64().unwrap() >= 2,
        "{food}"
    );
}

#[test]
fn selected_fields_skip_arguments_and_the_operation_name() {
    assert_eq!(
        selected_fields("query Q { a(slug: \"x\", filter: { b: 1 }) { c d { e } } }"),
        ["a", "c", "d", "e"]
    );
}
