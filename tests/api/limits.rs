//! Request limits: how deep and how wide one query may be, and how large a body is read.
//! GraphiQL's own introspection query stays within them.

use serde_json::json;

use civic_catalog::config::Limits;

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
    // Three hundred aliases of one field.
    let wide = format!(
        "{{ {} }}",
        (0..300)
            .map(|i| format!("a{i}: jurisdictions {{ code }}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let error = app.error(&wide, json!({})).await;
    assert_eq!(error["extensions"]["code"], "ALIAS_LIMIT", "{error}");
    assert_eq!(error["extensions"]["aliases"], 300, "{error}");
    assert_eq!(
        app.sql_statements().await,
        before,
        "nothing reached the database"
    );
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_413() {
    let app = TestApp::empty().await;
    let padding = "x".repeat(Limits::default().max_body_anonymous);
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
    assert_eq!(body["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE");
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
    let limit = Limits::default().max_body_anonymous;
    assert_eq!(post_chunked(&app, limit - 100).await, 200);
    assert_eq!(post_chunked(&app, limit + 1).await, 413);
}

/// `levels` of `relatedServices { service { ... } }` under one service.
fn nested_relations(levels: usize) -> String {
    format!(
        "{{ service(slug: \"nys-unemployment-insurance\") {{ {} }} }}",
        civic_catalog::bench::nested_relations(levels)
    )
}

#[tokio::test]
async fn a_query_that_multiplies_lists_is_refused_with_its_cost_before_it_runs() {
    let app = TestApp::with_keys().await;
    let before = app.sql_statements().await;
    let nine = nested_relations(9);
    let aliased = format!(
        "{{ {} }}",
        (0..4)
            .map(|i| {
                format!(
                    "a{i}: service(slug: \"nys-snap\") {{ {} }}",
                    civic_catalog::bench::nested_relations(8)
                )
            })
            .collect::<Vec<_>>()
            .join(" ")
    );
    for token in [None, Some(app.keys().admin.as_str())] {
        for query in [&nine, &aliased] {
            let (status, _, body) = app.post_query(token, &[], query).await;
            assert_eq!(status, 200, "{body}");
            let error = &body["errors"][0];
            assert_eq!(error["extensions"]["code"], "COST_LIMIT", "{body}");
            let cost = error["extensions"]["cost"].as_u64().unwrap();
            let budget = error["extensions"]["budget"].as_u64().unwrap();
            assert!(cost > budget, "{body}");
            let expected_budget = if token.is_some() {
                Limits::default().cost_budget_key
            } else {
                Limits::default().cost_budget_anonymous
            };
            assert_eq!(budget, expected_budget as u64, "{body}");
            assert!(body["data"].is_null(), "{body}");
        }
        if token.is_none() {
            assert_eq!(app.sql_statements().await, before, "nothing ran");
        }
    }
    // With a key, the key's look-up is the only statement each request made.
    assert_eq!(app.sql_statements().await, before + 2);
}

#[tokio::test]
async fn a_deep_life_event_page_is_accepted_and_reports_its_cost() {
    let app = TestApp::seeded().await;
    let body = app
        .graphql(crate::loaders::PAGE, json!({ "slug": "job-loss" }))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(body["data"]["lifeEvent"]["name"], "Losing a job");
    let cost = body["extensions"]["cost"].as_u64().unwrap();
    assert!(cost > 1_000, "lists multiply what they select: {cost}");
    assert!(cost <= Limits::default().cost_budget_anonymous as u64);
    // A cheap query costs little.
    let (_, _, body) = app.post_query(None, &[], "{ __typename }").await;
    assert_eq!(body["extensions"]["cost"], 1, "{body}");
}

#[tokio::test]
async fn keys_get_the_larger_budget() {
    let app = TestApp::empty_with(Limits {
        cost_budget_anonymous: 100,
        cost_budget_key: 10_000,
        ..Limits::default()
    })
    .await;
    let admin = crate::helpers::keys_on_empty(&app).await;
    // 100 life events of three fields each: over 100, under 10,000.
    let query = "{ lifeEvents(first: 100) { nodes { slug name } } }";
    let (_, _, body) = app.post_query(None, &[], query).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "COST_LIMIT",
        "{body}"
    );
    assert_eq!(body["errors"][0]["extensions"]["cost"], 301, "{body}");
    let (_, _, body) = app.post_query(Some(&admin), &[], query).await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(body["extensions"]["cost"], 301, "{body}");
    // Asking for fewer items costs less.
    let (_, _, body) = app
        .post_query(
            None,
            &[],
            "{ lifeEvents(first: 10) { nodes { slug name } } }",
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(body["extensions"]["cost"], 31, "{body}");
}

#[tokio::test]
async fn aliases_and_root_fields_are_capped() {
    let app = TestApp::with_keys().await;
    let before = app.sql_statements().await;
    // Ten thousand aliases of __typename: too big a body without a key, too many aliases
    // with one.
    let typenames = format!(
        "{{ {} }}",
        (0..10_000)
            .map(|i| format!("t{i}: __typename"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let (status, _, body) = app.post_query(None, &[], &typenames).await;
    assert_eq!(status, 413, "{body}");
    let (_, _, body) = app
        .post_query(Some(&app.keys().admin), &[], &typenames)
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "ALIAS_LIMIT",
        "{body}"
    );
    assert_eq!(body["errors"][0]["extensions"]["aliases"], 10_000, "{body}");
    let before = before + 1; // the key's look-up
    // Sixteen root fields, no aliases.
    let roots = "{ lifeEvents { totalCount } services { totalCount } agencies { totalCount } \
        criteria { totalCount } jurisdictions { code } viewer { __typename } \
        lifeEvent(slug: \"job-loss\") { name } service(slug: \"nys-snap\") { name } \
        agency(slug: \"nys-dol\") { name } jurisdiction(code: \"US\") { name } \
        criterion(key: \"household-size\") { key } node(id: \"x\") { id } nodes(ids: []) { id } \
        catalogChanges { cursor } __typename __schema { description } }";
    let (_, _, body) = app.post_query(None, &[], roots).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "ROOT_FIELD_LIMIT",
        "{body}"
    );
    assert_eq!(body["errors"][0]["extensions"]["rootFields"], 16, "{body}");
    assert_eq!(app.sql_statements().await, before, "nothing ran");
}

#[tokio::test]
async fn bodies_without_a_key_are_small_and_imports_with_one_may_be_large() {
    let app = TestApp::with_keys().await;
    let padding = "x".repeat(200 * 1024);
    let body =
        json!({ "query": "{ __typename }", "variables": { "padding": padding } }).to_string();
    let (status, _, answer) = app
        .post_raw(&[("content-type", "application/json")], body.clone())
        .await;
    assert_eq!(status, 413, "{answer}");
    assert_eq!(
        answer["errors"][0]["extensions"]["code"],
        "PAYLOAD_TOO_LARGE"
    );
    let bearer = format!("Bearer {}", app.keys().editor);
    let (status, _, answer) = app
        .post_raw(
            &[
                ("content-type", "application/json"),
                ("authorization", bearer.as_str()),
            ],
            body,
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["data"]["__typename"], "Query");
}

#[tokio::test]
async fn a_request_over_its_time_is_answered_timeout() {
    let app = TestApp::seeded_with(Limits {
        request_timeout_ms: 1,
        ..Limits::default()
    })
    .await;
    let query = r#"{ recommendServices(input: { lifeEvents: ["job-loss", "having-a-baby"],
        jurisdiction: "US-NY-NYC" }, first: 50) {
        nodes { service { slug channels { kind } relatedServices { service { slug } } } } } }"#;
    let (status, headers, body) = app.post_query(None, &[], query).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "TIMEOUT", "{body}");
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
}

/// Opens a connection, sends `sent`, and returns how long the server kept it open.
async fn held_open(app: &TestApp, sent: &[u8]) -> std::time::Duration {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    stream.write_all(sent).await.unwrap();
    let started = std::time::Instant::now();
    let mut sink = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        stream.read_to_end(&mut sink),
    )
    .await;
    assert!(read.is_ok(), "the server never closed the connection");
    started.elapsed()
}

#[tokio::test]
async fn slow_and_idle_connections_are_closed_after_the_header_timeout() {
    let app = TestApp::empty_with(Limits {
        header_timeout_secs: 1,
        ..Limits::default()
    })
    .await;
    // Half a request line, then nothing (slowloris).
    let slow = held_open(&app, b"POST /graphql HTTP/1.1\r\nhost: x\r\n").await;
    assert!(slow < std::time::Duration::from_secs(10), "{slow:?}");
    // A whole request, answered, then an idle keep-alive connection.
    let request = b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n";
    let idle = held_open(&app, request).await;
    assert!(idle < std::time::Duration::from_secs(10), "{idle:?}");
}

#[tokio::test]
async fn requests_beyond_the_in_flight_bound_get_503_with_retry_after() {
    use tokio::io::AsyncWriteExt;
    let app = TestApp::empty_with(Limits {
        max_in_flight: 1,
        ..Limits::default()
    })
    .await;
    // One request whose body never ends holds the only slot.
    let host = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/json\r\n\
         content-length: 1000\r\n\r\n{{\"query\""
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut refused = None;
    for _ in 0..50 {
        let (status, headers, body) = app.post_query(None, &[], "{ __typename }").await;
        if status == 503 {
            refused = Some((headers, body));
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let (headers, body) = refused.expect("a second request was refused while the first ran");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "OVERLOADED",
        "{body}"
    );
    assert_eq!(headers["retry-after"], "1");
    drop(stream);
    // The slot frees when the first request ends.
    let mut answered = false;
    for _ in 0..50 {
        let (status, _, _) = app.post_query(None, &[], "{ __typename }").await;
        if status == 200 {
            answered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(answered);
}

#[tokio::test]
async fn each_client_and_each_key_has_its_own_rate_limit() {
    let app = TestApp::empty_with(Limits {
        rate_limit_anonymous: 3,
        rate_limit_key: 2,
        trusted_proxy_header: Some("x-forwarded-for".to_owned()),
        ..Limits::default()
    })
    .await;
    let admin = crate::helpers::keys_on_empty(&app).await;
    let from = |address: &'static str| [("x-forwarded-for", address)];
    for remaining in (0..3).rev() {
        let (status, headers, _) = app
            .post_query(None, &from("203.0.113.7"), "{ __typename }")
            .await;
        assert_eq!(status, 200);
        assert_eq!(headers["ratelimit-policy"], "\"anonymous\";q=3;w=60");
        let state = headers["ratelimit"].to_str().unwrap();
        assert!(
            state.starts_with(&format!("\"anonymous\";r={remaining};")),
            "{state}"
        );
    }
    let before = app.sql_statements().await;
    let (status, headers, body) = app
        .post_query(None, &from("203.0.113.7"), "{ jurisdictions { code } }")
        .await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "RATE_LIMITED",
        "{body}"
    );
    let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert!(headers["ratelimit"].to_str().unwrap().contains(";r=0;"));
    assert_eq!(
        app.sql_statements().await,
        before,
        "a refused request runs nothing"
    );
    // Another address (the proxy's header names it), and a key, have their own buckets.
    let (status, _, _) = app
        .post_query(None, &from("198.51.100.1"), "{ __typename }")
        .await;
    assert_eq!(status, 200);
    for _ in 0..2 {
        let (status, headers, _) = app
            .post_query(Some(&admin), &from("203.0.113.7"), "{ __typename }")
            .await;
        assert_eq!(status, 200);
        assert_eq!(headers["ratelimit-policy"], "\"key\";q=2;w=60");
    }
    let (status, _, body) = app
        .post_query(Some(&admin), &from("198.51.100.9"), "{ __typename }")
        .await;
    assert_eq!(
        status, 429,
        "the key's own limit, whatever the address: {body}"
    );
}

#[tokio::test]
async fn introspection_and_graphiql_can_be_switched_off() {
    use civic_catalog::config::Switch;
    let app = TestApp::empty_with(Limits {
        introspection: Switch::Off,
        graphiql: Switch::Off,
        ..Limits::default()
    })
    .await;
    let (_, _, body) = app
        .post_query(None, &[], "{ __schema { types { name } } }")
        .await;
    assert!(body["data"]["__schema"].is_null(), "{body}");
    // No suggestions either: a misspelt field is not completed.
    let (_, _, body) = app.post_query(None, &[], "{ lifeEvent { nam } }").await;
    assert!(!body.to_string().contains("Did you mean"), "{body}");
    let (status, _, _) = app.get("/").await;
    assert_eq!(status, 404);
    let (status, _, _) = app.get("/healthz").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn every_replayed_attack_is_refused() {
    let app = TestApp::seeded().await;
    let refusals = civic_catalog::bench::attack_refusals(app.catalog.clone(), 1)
        .await
        .unwrap();
    let got: Vec<(u16, &str)> = refusals
        .iter()
        .map(|r| (r.status, r.code.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            (200, "COST_LIMIT"),
            (200, "COST_LIMIT"),
            (200, "BAD_USER_INPUT"),
            (413, "PAYLOAD_TOO_LARGE"),
            (413, "PAYLOAD_TOO_LARGE"),
            (200, "UNAUTHENTICATED"),
            (200, "BAD_USER_INPUT"),
            (405, "-"),
            (415, "UNSUPPORTED_MEDIA_TYPE"),
        ],
        "{refusals:#?}"
    );
}

#[tokio::test]
async fn postgresql_connections_carry_the_statement_timeout() {
    use sea_orm::{ConnectionTrait, Statement};
    let Ok(url) = std::env::var("TEST_DATABASE_URL") else {
        return; // SQLite has no statement timeout; the request timeout covers it.
    };
    let metrics = std::sync::Arc::new(civic_catalog::telemetry::Metrics::default());
    let db = civic_catalog::app::connect_with(
        &crate::helpers::database_config(&url),
        &metrics,
        Some(std::time::Duration::from_millis(1234)),
    )
    .await
    .unwrap();
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT current_setting('statement_timeout') AS t",
        ))
        .await
        .unwrap()
        .unwrap();
    let setting: String = row.try_get("", "t").unwrap();
    assert_eq!(setting, "1234ms");
    // A statement over it is cancelled.
    let slow = db
        .execute_unprepared("SELECT pg_sleep(3)")
        .await
        .expect_err("cancelled by statement_timeout");
    assert!(slow.to_string().contains("statement timeout"), "{slow}");
}
