//! The checked-in SDL is current, and every part of the schema is documented.

use serde_json::{Value, json};

use crate::helpers::TestApp;

#[test]
fn checked_in_schema_graphql_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    let current = civic_catalog::graphql::sdl();
    assert!(
        checked_in == current,
        "schema.graphql is stale: regenerate it with `cargo run -- schema > schema.graphql` \
         and commit it. The code's schema differs here:\n{}",
        changed_lines(&checked_in, &current)
    );
}

/// A line diff of two texts (`-` checked in, `+` current), each change with the line number
/// of the checked-in text, so a stale snapshot shows what changed. At most 80 lines.
fn changed_lines(old: &str, new: &str) -> String {
    let old: Vec<&str> = old.lines().collect();
    let new: Vec<&str> = new.lines().collect();
    // Longest common subsequence lengths of every pair of suffixes.
    let mut common = vec![vec![0u32; new.len() + 1]; old.len() + 1];
    for i in (0..old.len()).rev() {
        for j in (0..new.len()).rev() {
            common[i][j] = if old[i] == new[j] {
                common[i + 1][j + 1] + 1
            } else {
                common[i + 1][j].max(common[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < old.len() || j < new.len() {
        if i < old.len() && j < new.len() && old[i] == new[j] {
            (i, j) = (i + 1, j + 1);
        } else if i < old.len() && (j == new.len() || common[i + 1][j] >= common[i][j + 1]) {
            out.push(format!("{:>5} -{}", i + 1, old[i]));
            i += 1;
        } else {
            out.push(format!("{:>5} +{}", i + 1, new[j]));
            j += 1;
        }
    }
    let more = out.len().saturating_sub(80);
    out.truncate(80);
    if more > 0 {
        out.push(format!("... and {more} more changed lines"));
    }
    out.join("\n")
}

#[test]
fn a_stale_snapshot_shows_the_lines_that_changed() {
    let diff = changed_lines(
        "type A {\n  a: Int\n  c: Int\n}\n",
        "type A {\n  a: Int!\n  b: Int\n  c: Int\n}\n",
    );
    assert_eq!(diff, "    2 -  a: Int\n    3 +  a: Int!\n    3 +  b: Int");
}

const INTROSPECTION: &str = r#"{
  __schema {
    types {
      name kind description
      fields(includeDeprecated: true) { name description args { name description } }
      inputFields { name description }
      enumValues(includeDeprecated: true) { name description }
    }
  }
}"#;

fn described(item: &Value) -> bool {
    item["description"]
        .as_str()
        .is_some_and(|d| !d.trim().is_empty())
}

#[tokio::test]
async fn every_type_field_argument_and_enum_value_has_a_description() {
    let app = TestApp::empty().await;
    let data = app.data(INTROSPECTION, json!({})).await;
    let builtin = ["String", "Int", "Float", "Boolean", "ID"];
    let mut missing = Vec::new();
    for ty in data["__schema"]["types"].as_array().unwrap() {
        let name = ty["name"].as_str().unwrap();
        if name.starts_with("__") || builtin.contains(&name) {
            continue;
        }
        if !described(ty) {
            missing.push(name.to_owned());
        }
        for field in ty["fields"].as_array().into_iter().flatten() {
            if !described(field) {
                missing.push(format!("{name}.{}", field["name"]));
            }
            for arg in field["args"].as_array().into_iter().flatten() {
                if !described(arg) {
                    missing.push(format!("{name}.{}({})", field["name"], arg["name"]));
                }
            }
        }
        for input in ty["inputFields"].as_array().into_iter().flatten() {
            if !described(input) {
                missing.push(format!("{name}.{}", input["name"]));
            }
        }
        for value in ty["enumValues"].as_array().into_iter().flatten() {
            if !described(value) {
                missing.push(format!("{name}::{}", value["name"]));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "undocumented schema parts: {missing:#?}"
    );
}
