//! GraphQL over HTTP: requests the transport cannot read are refused as GraphQL errors with
//! a code, and only POST may run a mutation.

use serde_json::Value;

use crate::helpers::TestApp;

async fn post_raw(app: &TestApp, body: &'static str) -> (u16, Value) {
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn unreadable_requests_are_graphql_errors_with_a_code() {
    let app = TestApp::empty().await;
    for (body, code, says) in [
        (
            "{\"query\": ",
            "BAD_REQUEST",
            "not a GraphQL request in JSON",
        ),
        (
            "[{\"query\": \"{ __typename }\"}]",
            "BATCH_NOT_ALLOWED",
            "batched requests are not supported",
        ),
    ] {
        let (status, answer) = post_raw(&app, body).await;
        assert_eq!(status, 400, "{body}: {answer}");
        let error = &answer["errors"][0];
        assert_eq!(error["extensions"]["code"], code, "{body}: {answer}");
        assert!(
            error["message"].as_str().unwrap().contains(says),
            "{body}: {answer}"
        );
        assert!(
            !answer.to_string().contains("Error("),
            "no Rust debug names: {answer}"
        );
    }
}

#[tokio::test]
async fn a_mutation_sent_with_head_is_refused() {
    let app = TestApp::seeded().await;
    let admin = crate::helpers::keys(&app).await.admin;
    let query = "mutation { apiKeyCreate(input: {name: \"x\", role: ADMIN}) { token } }";
    let response = app
        .client
        .head(format!("{}/graphql", app.address))
        .bearer_auth(admin)
        .query(&[("query", query)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 405);
}

#[tokio::test]
async fn the_answer_is_in_the_media_type_the_client_accepts() {
    let app = TestApp::empty().await;
    for (accept, expected) in [
        (None, "application/json"),
        (Some("application/json"), "application/json"),
        (Some("*/*"), "application/json"),
        (
            Some("application/graphql-response+json"),
            "application/graphql-response+json",
        ),
        (
            Some("application/json;q=0.5, application/graphql-response+json"),
            "application/graphql-response+json",
        ),
    ] {
        let headers: Vec<(&str, &str)> = accept.map(|a| ("accept", a)).into_iter().collect();
        let (status, answer_headers, body) = app.post_query(None, &headers, "{ __typename }").await;
        assert_eq!(status, 200, "{accept:?}: {body}");
        let content_type = answer_headers["content-type"].to_str().unwrap();
        assert!(
            content_type.starts_with(expected),
            "{accept:?}: {content_type}"
        );
    }
    let (status, _, body) = app
        .post_query(None, &[("accept", "text/html")], "{ __typename }")
        .await;
    assert_eq!(status, 406, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_ACCEPTABLE");
}

#[tokio::test]
async fn request_errors_are_400_under_graphql_response_json_and_200_under_json() {
    let app = TestApp::empty().await;
    let strict = [("accept", "application/graphql-response+json")];
    for query in [
        "{ __typename",                                             // does not parse
        "{ noSuchField }",                                          // does not validate
        "query($n: Int!) { lifeEvents(first: $n) { totalCount } }", // variable missing
    ] {
        let (status, _, body) = app.post_query(None, &strict, query).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert!(body.get("data").is_none(), "no data entry: {body}");
        assert!(
            body["errors"][0]["extensions"]["code"].is_string(),
            "{body}"
        );
        let (status, _, body) = app.post_query(None, &[], query).await;
        assert_eq!(status, 200, "{query}: {body}");
        assert!(body.get("data").is_none(), "no data entry: {body}");
    }
}

#[tokio::test]
async fn only_json_bodies_are_read_and_only_get_and_post_are_answered() {
    let app = TestApp::empty().await;
    let body = r#"{"query":"{ __typename }"}"#;
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let headers: Vec<(&str, &str)> = content_type
            .map(|c| ("content-type", c))
            .into_iter()
            .collect();
        let (status, _, answer) = app.post_raw(&headers, body).await;
        assert_eq!(status, 415, "{content_type:?}: {answer}");
        assert_eq!(
            answer["errors"][0]["extensions"]["code"],
            "UNSUPPORTED_MEDIA_TYPE"
        );
    }
    let (status, _, answer) = app
        .post_raw(&[("content-type", "application/json; charset=utf-8")], body)
        .await;
    assert_eq!(status, 200, "{answer}");
    for method in [
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
        reqwest::Method::PATCH,
        reqwest::Method::OPTIONS,
    ] {
        let response = app
            .client
            .request(method.clone(), format!("{}/graphql", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 405, "{method}");
        assert_eq!(response.headers()["allow"], "GET, POST", "{method}");
        let answer: Value = response.json().await.unwrap();
        assert_eq!(
            answer["errors"][0]["extensions"]["code"],
            "METHOD_NOT_ALLOWED"
        );
    }
}

#[tokio::test]
async fn portals_on_allowed_origins_may_call_the_api_from_a_browser() {
    use civic_catalog::config::Limits;
    let app = TestApp::empty_with(Limits {
        cors_origins: vec!["https://portal.ny.gov".to_owned()],
        ..Limits::default()
    })
    .await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.address))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "content-type, authorization",
            )
            .send()
    };
    let allowed = preflight("https://portal.ny.gov").await.unwrap();
    assert!(allowed.status().is_success());
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://portal.ny.gov"
    );
    let headers = allowed.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(headers.contains("authorization"), "{headers}");
    let other = preflight("https://evil.example").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
    let (_, headers, _) = app
        .post_query(
            None,
            &[("origin", "https://portal.ny.gov")],
            "{ __typename }",
        )
        .await;
    assert_eq!(
        headers["access-control-allow-origin"],
        "https://portal.ny.gov"
    );

    // `*`: any origin may read, but a browser may not send a key cross-origin.
    let open = TestApp::empty_with(Limits {
        cors_origins: vec!["*".to_owned()],
        ..Limits::default()
    })
    .await;
    let answer = open
        .client
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/graphql", open.address),
        )
        .header("origin", "https://anywhere.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.headers()["access-control-allow-origin"], "*");
    let headers = answer.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(!headers.contains("authorization"), "{headers}");

    // No origins configured: no CORS headers at all.
    let closed = TestApp::empty().await;
    let (_, headers, _) = closed
        .post_query(
            None,
            &[("origin", "https://portal.ny.gov")],
            "{ __typename }",
        )
        .await;
    assert!(headers.get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn batches_run_only_when_configured_and_only_up_to_their_size() {
    use civic_catalog::config::Limits;
    let app = TestApp::empty_with(Limits {
        max_batch: 2,
        ..Limits::default()
    })
    .await;
    let json = [("content-type", "application/json")];
    let (status, _, answer) = app
        .post_raw(
            &json,
            r#"[{"query":"{ __typename }"},{"query":"{ jurisdictions { code } }"}]"#,
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer[0]["data"]["__typename"], "Query");
    assert!(answer[1]["data"]["jurisdictions"].is_array(), "{answer}");
    let three =
        r#"[{"query":"{ __typename }"},{"query":"{ __typename }"},{"query":"{ __typename }"}]"#;
    let (status, _, answer) = app.post_raw(&json, three).await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(
        answer["errors"][0]["extensions"]["code"],
        "BATCH_NOT_ALLOWED"
    );
}

#[tokio::test]
async fn a_failing_non_null_field_nulls_its_nearest_nullable_parent() {
    let app = TestApp::seeded().await;
    let id = app
        .data(
            r#"{ service(slug: "nys-snap") { id } }"#,
            serde_json::json!({}),
        )
        .await["service"]["id"]
        .clone();
    let cases: Vec<(String, Value)> = vec![
        // A nullable field that errors is null; its siblings stand.
        (
            r#"{ service(slug: "nys-snap") { slug history { action } } }"#.to_owned(),
            serde_json::json!({ "service": { "slug": "nys-snap", "history": null } }),
        ),
        // Non-null `agency` and `services`: the aliased, nullable `service` takes the null.
        (
            r#"{ x: service(slug: "nys-snap") { slug agency { services(first: 1000) { totalCount } } } }"#
                .to_owned(),
            serde_json::json!({ "x": null }),
        ),
        // Through an inline fragment on an interface.
        (
            format!(
                r#"{{ node(id: "{}") {{ ... on Service {{ agency {{ services(first: 1000) {{ totalCount }} }} }} }} }}"#,
                id.as_str().unwrap()
            ),
            serde_json::json!({ "node": null }),
        ),
        // A non-null root field: `data` itself.
        (
            "{ lifeEvents(first: 500) { totalCount } }".to_owned(),
            Value::Null,
        ),
    ];
    for (query, data) in cases {
        let body = app.graphql(&query, serde_json::json!({})).await;
        assert_eq!(body["data"], data, "{query}: {body}");
        let error = &body["errors"][0];
        assert!(error["path"].is_array(), "{body}");
        assert!(error["extensions"]["code"].is_string(), "{body}");
        for location in error["locations"].as_array().unwrap() {
            assert!(location["line"].as_u64().unwrap() >= 1, "{body}");
            assert!(location["column"].as_u64().unwrap() >= 1, "{body}");
        }
    }
}

#[tokio::test]
async fn anonymous_reads_carry_an_etag_that_moves_only_with_published_changes() {
    use crate::helpers::Caller;
    use crate::workflow::{create_draft, step};
    let app = TestApp::with_keys().await;
    let get = |query: &'static str, tag: Option<String>, token: Option<String>| {
        let mut request = app
            .client
            .get(format!("{}/graphql", app.address))
            .query(&[("query", query)]);
        if let Some(tag) = tag {
            request = request.header("if-none-match", tag);
        }
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let query = r#"{ service(slug: "nys-snap") { name } }"#;
    let first = get(query, None, None).await.unwrap();
    assert_eq!(first.status().as_u16(), 200);
    assert_eq!(first.headers()["cache-control"], "public, max-age=30");
    let tag = first.headers()["etag"].to_str().unwrap().to_owned();
    // The same read again: 304, nothing but the revision is read.
    let before = app.sql_statements().await;
    let again = get(query, Some(tag.clone()), None).await.unwrap();
    assert_eq!(again.status().as_u16(), 304);
    assert_eq!(again.headers()["etag"], tag.as_str());
    assert_eq!(app.sql_statements().await, before + 1);
    // Another query has another tag.
    let other = get(r#"{ service(slug: "nys-heap") { name } }"#, None, None)
        .await
        .unwrap();
    assert_ne!(other.headers()["etag"], tag.as_str());
    // A draft leaves the tag; a publish moves it.
    let id = create_draft(&app, Caller::Editor, "dol-etag-plan", "nys-dol").await;
    let still = get(query, Some(tag.clone()), None).await.unwrap();
    assert_eq!(still.status().as_u16(), 304);
    step(&app, Caller::Editor, "serviceSubmitForReview", &id).await;
    step(&app, Caller::Reviewer, "servicePublish", &id).await;
    let moved = get(query, Some(tag.clone()), None).await.unwrap();
    assert_eq!(moved.status().as_u16(), 200);
    assert_ne!(moved.headers()["etag"], tag.as_str());
    // With a key: never cached.
    let keyed = get(query, None, Some(app.keys().editor.clone()))
        .await
        .unwrap();
    assert_eq!(keyed.headers()["cache-control"], "private, no-store");
    assert!(keyed.headers().get("etag").is_none());
}

/// `extensions` of a persisted query with `hash`.
fn persisted(hash: &str) -> String {
    serde_json::json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } }).to_string()
}

#[tokio::test]
async fn persisted_queries_are_learnt_by_hash_and_keep_get_urls_short() {
    use civic_catalog::http::persisted::hash;
    let app = TestApp::seeded().await;
    let query = r#"{ lifeEvent(slug: "job-loss") { name } }"#;
    let sha = hash(query);
    let get = |params: Vec<(&'static str, String)>| {
        app.client
            .get(format!("{}/graphql", app.address))
            .query(&params)
            .send()
    };
    let unknown: Value = get(vec![("extensions", persisted(&sha))])
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        unknown["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_NOT_FOUND"
    );
    assert_eq!(unknown["errors"][0]["message"], "PersistedQueryNotFound");
    // A wrong hash is refused; the right one is remembered.
    let (_, _, wrong) = app
        .post_raw(
            &[("content-type", "application/json")],
            serde_json::json!({ "query": query, "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash("x") } } })
                .to_string(),
        )
        .await;
    assert_eq!(
        wrong["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{wrong}"
    );
    let (_, _, first) = app
        .post_raw(
            &[("content-type", "application/json")],
            serde_json::json!({ "query": query, "extensions": { "persistedQuery": { "version": 1, "sha256Hash": sha } } })
                .to_string(),
        )
        .await;
    assert_eq!(
        first["data"]["lifeEvent"]["name"], "Losing a job",
        "{first}"
    );
    let by_hash = get(vec![("extensions", persisted(&sha))]).await.unwrap();
    assert!(by_hash.headers().get("etag").is_some());
    let by_hash: Value = by_hash.json().await.unwrap();
    assert_eq!(
        by_hash["data"]["lifeEvent"]["name"], "Losing a job",
        "{by_hash}"
    );
}

#[tokio::test]
async fn an_allow_list_runs_only_its_queries() {
    use civic_catalog::config::Limits;
    use civic_catalog::http::persisted::{Mode, hash};
    let allowed = r#"{ lifeEvent(slug: "job-loss") { name } }"#;
    let file = std::env::temp_dir().join(format!(
        "civic-catalog-allowlist-{}.json",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::write(&file, serde_json::json!([allowed]).to_string()).unwrap();
    let app = TestApp::seeded_with(Limits {
        persisted_queries: Mode::Allowlist,
        persisted_queries_file: Some(file.clone()),
        ..Limits::default()
    })
    .await;
    let (_, _, body) = app.post_query(None, &[], allowed).await;
    assert_eq!(body["data"]["lifeEvent"]["name"], "Losing a job", "{body}");
    let (_, _, body) = app
        .post_raw(
            &[("content-type", "application/json")],
            serde_json::json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash(allowed) } } })
                .to_string(),
        )
        .await;
    assert_eq!(body["data"]["lifeEvent"]["name"], "Losing a job", "{body}");
    let before = app.sql_statements().await;
    let (_, _, body) = app
        .post_query(
            None,
            &[],
            r#"{ lifeEvent(slug: "having-a-baby") { name } }"#,
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_ALLOWED",
        "{body}"
    );
    assert_eq!(app.sql_statements().await, before);
    let _ = std::fs::remove_file(file);

    let off = TestApp::empty_with(Limits {
        persisted_queries: Mode::Off,
        ..Limits::default()
    })
    .await;
    let (_, _, body) = off
        .post_raw(
            &[("content-type", "application/json")],
            serde_json::json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash(allowed) } } })
                .to_string(),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_SUPPORTED",
        "{body}"
    );
}
