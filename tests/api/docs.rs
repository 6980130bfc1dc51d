//! Every example the documentation cites is real: slugs and keys named in the schema's
//! descriptions (GraphiQL's manual) and in the README exist in the seeded catalog.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::helpers::{TestApp, nodes};

/// Names in the docs that are not catalog identifiers.
const NOT_IDENTIFIERS: [&str; 6] = [
    "civic-catalog",
    "x-request-id",
    "rust-version",
    "graphql-http",
    "max-age",
    "no-cache",
];

/// Whether `word` has the shape of a slug or key (`job-loss`), and is not a date.
fn slug_shaped(word: &str) -> bool {
    word.contains('-')
        && word.split('-').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && !word.chars().all(|c| c.is_ascii_digit() || c == '-')
        && !NOT_IDENTIFIERS.contains(&word)
}

/// The words between backticks in `text`, and the values of `slug: "..."` arguments.
fn cited(text: &str) -> Vec<String> {
    let quoted = text.split('`').skip(1).step_by(2);
    let slugs = text
        .split("slug: \"")
        .skip(1)
        .filter_map(|rest| rest.split_once('"').map(|(slug, _)| slug));
    quoted
        .chain(slugs)
        .filter(|word| slug_shaped(word))
        .map(str::to_owned)
        .collect()
}

/// Every slug, key and option value of the seeded catalog.
async fn identifiers(app: &TestApp) -> HashSet<String> {
    let data = app
        .data(
            "{ agencies(first: 100) { totalCount nodes { slug } }
               services(first: 100) { totalCount nodes { slug } }
               lifeEvents(first: 100) { totalCount nodes { slug stages { slug } } }
               criteria(first: 100) { totalCount nodes { key options { value } } }
               referenceTables { key } }",
            json!({}),
        )
        .await;
    for list in ["agencies", "services", "lifeEvents", "criteria"] {
        assert!(
            data[list]["totalCount"].as_i64().unwrap() <= 100,
            "{list}: page"
        );
    }
    let text = |v: &Value, field: &str| v[field].as_str().unwrap().to_owned();
    let mut known = HashSet::new();
    for list in ["agencies", "services"] {
        known.extend(nodes(&data[list]).iter().map(|n| text(n, "slug")));
    }
    for event in nodes(&data["lifeEvents"]) {
        known.insert(text(&event, "slug"));
        known.extend(
            event["stages"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| text(s, "slug")),
        );
    }
    for table in data["referenceTables"].as_array().unwrap() {
        known.insert(text(table, "key"));
    }
    for criterion in nodes(&data["criteria"]) {
        known.insert(text(&criterion, "key"));
        known.extend(
            criterion["options"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| text(o, "value")),
        );
    }
    known
}

#[tokio::test]
async fn the_slugs_and_keys_the_docs_cite_exist() {
    let app = TestApp::seeded().await;
    let known = identifiers(&app).await;
    for (source, text) in [
        ("schema.graphql", civic_catalog::graphql::sdl()),
        ("README.md", include_str!("../../README.md").to_owned()),
    ] {
        let cited = cited(&text);
        assert!(!cited.is_empty(), "{source} cites examples");
        let unknown: Vec<&String> = cited.iter().filter(|w| !known.contains(*w)).collect();
        assert!(
            unknown.is_empty(),
            "{source} cites identifiers the seeded catalog does not have: {unknown:?}"
        );
    }
}

#[test]
fn citations_are_read_from_backticks_and_slug_arguments() {
    assert_eq!(
        cited("e.g. `job-loss` or `2026-11-24`, `civic-catalog`; service(slug: \"nys-dol\")"),
        ["job-loss", "nys-dol"]
    );
}
