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

/// Sends a POST to /graphql with a chunked body (no declared length) of `size` bytes of
/// JSON and returns the response's status code.
async fn post_chunked(app: &TestApp, size: usize) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let prefix = r#"{"query":"{ jurisdictions { code } }","variables":{"padding":""#;
    let suffix = r#""}}"#;
    let padding = size.saturating_sub(prefix.len() + suffix.len());
    let mut body = Vec::with_capacity(size);
    body.extend_from_slice(prefix.as_bytes());
    body.resize(prefix.len() + padding, b'x');
    body.extend_from_slice(suffix.as_bytes());
    for chunk in body.chunks(64 * 1024) {
        let frame = format!("{:x}\r\n", chunk.len());
        // The server may answer and close before the whole body is sent.
        if stream.write_all(frame.as_bytes()).await.is_err()
            || stream.write_all(chunk).await.is_err()
            || stream.write_all(b"\r\n").await.is_err()
        {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    let text = String::from_utf8_lossy(&response);
    text.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:.200}"))
}

#[tokio::test]
async fn a_chunked_body_is_read_up_to_the_limit_and_refused_past_it() {
    let app = TestApp::empty().await;
    assert_eq!(post_chunked(&app, 200_000).await, 200);
    assert_eq!(
        post_chunked(&app, civic_catalog::http::MAX_BODY_BYTES + 1).await,
        413
    );
}
