//! Request limits: how deep and how wide one query may be, and how large a body is read.
//! GraphiQL's own introspection query stays within them.

use serde_json::json;

use crate::helpers::TestApp;

/// The introspection query GraphiQL sends when it opens (its `TypeRef` fragment nests
/// `ofType` eight levels deep).
const INTROSPECTION: &str = r#"query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }
}"#;

#[tokio::test]
async fn graphiql_introspection_fits_the_limits() {
    let app = TestApp::empty().await;
    let data = app.data(INTROSPECTION, json!({})).await;
    assert!(data["__schema"]["types"].as_array().unwrap().len() > 50);
}

#[tokio::test]
async fn too_deep_or_too_wide_queries_are_refused_before_they_run() {
    let app = TestApp::seeded().await;
    let before = app.sql_statements().await;
    // Walking parent links 25 times over.
    let deep = format!(
        "{{ jurisdictions {}code{} }}",
        "{ parent ".repeat(25),
        " }".repeat(25)
    );
    let error = app.error(&deep, json!({})).await;
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{error}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("nested too deep"),
        "{error}"
    );
    // Three thousand aliases of one field.
    let wide = format!(
        "{{ {} }}",
        (0..3_000)
            .map(|i| format!("a{i}: jurisdictions {{ code }}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let error = app.error(&wide, json!({})).await;
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{error}");
    assert!(
        error["message"].as_str().unwrap().contains("too complex"),
        "{error}"
    );
    assert_eq!(
        app.sql_statements().await,
        before,
        "nothing reached the database"
    );
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_413() {
    let app = TestApp::empty().await;
    let padding = "x".repeat(civic_catalog::http::MAX_BODY_BYTES);
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(
            &json!({ "query": "{ jurisdictions { code } }", "variables": { "padding": padding } }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 413);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
}
