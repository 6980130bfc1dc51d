//! The public's published snapshot: anonymous reads come from memory, and say exactly what
//! the database says to a key that sees only published services.

use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::helpers::{Caller, TestApp};

/// Every kind of public read, with each filter, paging, nesting and a refusal.
const READS: &[&str] = &[
    r#"{ services(first: 100) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { slug name } } }"#,
    r#"{ services(first: 100, filter: {agency: "nys-dol"}) { totalCount nodes { slug } } }"#,
    r#"{ services(first: 100, filter: {lifeEvent: "job-loss"}) { totalCount nodes { slug } } }"#,
    r#"{ services(first: 100, filter: {jurisdiction: "US-NY-NYC"}) { totalCount nodes { slug } } }"#,
    r#"{ services(first: 100, filter: {channelKind: PHONE, search: "ASSIST"}) { totalCount nodes { slug } } }"#,
    r#"{ services(first: 100, filter: {status: PUBLISHED, awaitingReview: false, modifiedAfter: "2020-01-01T00:00:00Z"}) { totalCount } }"#,
    r#"{ services(first: 100, filter: {status: DRAFT}) { totalCount } }"#,
    r#"{ services(first: 100, filter: {awaitingReview: true}) { totalCount } }"#,
    r#"{ services(first: 100, filter: {agency: "no-such-agency"}) { totalCount } }"#,
    r#"{ services(first: 1, filter: {jurisdiction: "US-XX"}) { totalCount } }"#,
    r#"{ services(first: 100, filter: {search: "ZZZ"}) { totalCount nodes { slug } } }"#,
    r#"{ services(last: 3) { pageInfo { hasNextPage hasPreviousPage startCursor } nodes { slug } } }"#,
    r#"{ agencies(first: 100) { totalCount nodes { slug name acronym parent { slug } children { slug } cssp { basis designatedOn } jurisdiction { code } services(first: 100) { totalCount nodes { slug } } } } }"#,
    r#"{ agencies(first: 100, filter: {cssp: true}) { totalCount nodes { slug } } }"#,
    r#"{ agencies(first: 100, filter: {cssp: false, jurisdiction: "US-NY"}) { totalCount nodes { slug } } }"#,
    r#"{ agencies(first: 100, filter: {search: "HEALTH"}) { totalCount nodes { slug } } }"#,
    r#"{ lifeEvents(first: 30) { totalCount nodes { slug name euCode relatedLifeEvents { reason lifeEvent { slug } }
        services(first: 30) { totalCount nodes { service { slug } } }
        stages { slug position name services { relevance reason service { slug channels { kind label url phone languages } agency { slug cssp { basis } } } } } } } }"#,
    r#"{ criteria(first: 100) { totalCount nodes { key label kind options { value label } } } }"#,
    r#"{ jurisdictions { code name kind parent { code } } jurisdiction(code: "US-NY-NYC") { name } }"#,
    r#"{ service(slug: "nys-unemployment-insurance") { id slug name summary description eligibilitySummary fees processingTime status version publishedAt
        agency { slug } partnerAgencies { slug } jurisdictions { code } lifeEvents { relevance reason lifeEvent { slug } stage { slug } }
        channels { id kind label url phone email address hours accessibility languages }
        relatedServices { kind direction reason service { slug } }
        eligibilityRules { operator value criterion { key } } requiredDocuments { name description } languages { code } taxonomyTerms { code } } }"#,
    r#"{ agency(slug: "nys-dol") { name children { slug } services(first: 2) { totalCount pageInfo { hasNextPage } nodes { slug } } } }"#,
    r#"{ lifeEvent(slug: "job-loss") { stages { lifeEvent { slug } services { service { slug } } } } criterion(key: "household-size") { label } }"#,
    r#"{ lifeEvent(slug: "job-loss") { services(first: 100) { totalCount nodes { relevance reason stage { slug } service { slug } } } } }"#,
    r#"{ recommendServices(input: {lifeEvents: ["job-loss"], jurisdiction: "US-NY-NYC", asOf: "2026-11-01", answers: [{criterion: "household-size", value: 3}]}, first: 100) {
        totalCount nodes { rank score service { slug } eligibility { status checks { rule outcome } } reasons { kind text } } suggestedLifeEvents { reason lifeEvent { slug } } } }"#,
    r#"{ eligibilityQuestions(lifeEvents: ["job-loss"], jurisdiction: "US-NY") { decides criterion { key } } }"#,
];

#[tokio::test]
async fn the_public_snapshot_answers_every_read_as_the_database_does() {
    let app = TestApp::with_keys().await;
    // A reviewer reads the database; the seeded catalog has nothing in review, so a
    // reviewer sees exactly the published catalog.
    for query in READS {
        let public = app.as_(Caller::Anonymous).graphql(query, json!({})).await;
        let keyed = app.as_(Caller::Reviewer).graphql(query, json!({})).await;
        assert_eq!(public, keyed, "{query}");
        // Every root field answers something (a read of nothing would compare equal too);
        // only the reads of an unknown agency or jurisdiction are refused.
        if query.contains("no-such-agency") || query.contains("US-XX") {
            assert_eq!(
                public["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
                "{query}: {public}"
            );
        } else {
            assert!(public.get("errors").is_none(), "{query}: {public}");
            let answered = public["data"]
                .as_object()
                .is_some_and(|d| d.values().all(|v| !v.is_null()));
            assert!(answered, "{query}: {public}");
        }
    }
}

#[tokio::test]
async fn a_node_lookup_from_the_snapshot_finds_published_records_only() {
    let app = TestApp::with_keys().await;
    let service = app
        .data(r#"{ service(slug: "nys-unemployment-insurance") { id channels { id } agency { id } } }"#, json!({}))
        .await;
    let ids: Vec<Value> = vec![
        service["service"]["id"].clone(),
        service["service"]["channels"][0]["id"].clone(),
        service["service"]["agency"]["id"].clone(),
    ];
    let query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }";
    let public = app.data(query, json!({ "ids": ids })).await;
    let found: Vec<Value> = public["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].clone())
        .collect();
    assert_eq!(found, ids);

    // Archived, the service and its channel leave the public's nodes; the agency stays.
    let archived = app
        .as_(Caller::Admin)
        .mutate(
            "serviceArchive",
            "service { status }",
            json!({ "id": ids[0] }),
        )
        .await;
    assert_eq!(archived["service"]["status"], "ARCHIVED");
    let public = app.data(query, json!({ "ids": ids })).await;
    assert_eq!(public["nodes"], json!([null, null, { "id": ids[2] }]));
    let listed = app
        .data(
            r#"{ services(filter: {search: "unemployment insurance"}) { nodes { slug } } }"#,
            json!({}),
        )
        .await;
    assert!(!listed.to_string().contains("nys-unemployment-insurance"));
}

/// A `civic-catalog serve` process of its own over `database_url`, killed when dropped.
struct Replica {
    child: std::process::Child,
    address: String,
}

impl Replica {
    async fn start(database_url: &str) -> Self {
        use std::io::{BufRead, BufReader};
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_civic-catalog"))
            .args([
                "--database-url",
                database_url,
                "serve",
                "--bind",
                "127.0.0.1:0",
            ])
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start civic-catalog serve");
        let stderr = child.stderr.take().unwrap();
        let line = tokio::task::spawn_blocking(move || {
            let mut lines = BufReader::new(stderr).lines().map_while(Result::ok);
            let found = lines.find(|line| line.contains("serving GraphQL"));
            // Keep draining the log so the process never blocks on a full pipe.
            std::thread::spawn(move || lines.for_each(drop));
            found
        })
        .await
        .unwrap()
        .expect("serve started");
        let at = line.find("127.0.0.1:").expect("an address in the log line");
        let port: String = line[at + 10..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        Self {
            child,
            address: format!("http://127.0.0.1:{port}/graphql"),
        }
    }

    async fn graphql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = reqwest::Client::new().post(&self.address);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let body: Value = request
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(body.get("errors").is_none(), "{body:#}");
        body["data"].clone()
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn two_server_processes_over_one_database_see_a_published_change_within_the_poll_interval() {
    let database = crate::helpers::ScratchDatabase::shared().await;
    let cli = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_civic-catalog"))
            .arg("--database-url")
            .arg(&database.url)
            .args(args)
            .env("RUST_LOG", "warn")
            .output()
            .expect("run civic-catalog")
    };
    assert!(cli(&["seed"]).status.success());
    let created = cli(&["keys", "create", "--name", "CX admin", "--role", "ADMIN"]);
    assert!(created.status.success());
    let admin = String::from_utf8_lossy(&created.stdout).trim().to_owned();
    let (a, b) = (
        Replica::start(&database.url).await,
        Replica::start(&database.url).await,
    );

    const SLUG: &str = "nys-unemployment-insurance";
    let query = "query($slug: String!) { service(slug: $slug) { id name } }";
    let vars = json!({ "slug": SLUG });
    // Both replicas hold a snapshot with the service.
    let seen = b.graphql(None, query, vars.clone()).await;
    assert_eq!(a.graphql(None, query, vars.clone()).await, seen);
    let id = seen["service"]["id"].clone();
    assert!(id.is_string(), "{seen}");

    // A draft edit on one replica changes nothing the public sees on the other.
    let edit = "mutation($input: ServiceUpdateInput!) { serviceUpdate(input: $input) { service { version } userErrors { code } } }";
    let version = a
        .graphql(
            Some(&admin),
            "query($slug: String!) { service(slug: $slug) { version } }",
            vars.clone(),
        )
        .await["service"]["version"]
        .clone();
    let edited = a
        .graphql(Some(&admin), edit, json!({ "input": { "id": id, "expectedVersion": version, "name": "Renamed in a pending revision" } }))
        .await;
    assert_eq!(edited["serviceUpdate"]["userErrors"], json!([]), "{edited}");
    assert_eq!(b.graphql(None, query, vars.clone()).await, seen);

    // Archived through one replica, it is gone from the other's next public read.
    let archive = "mutation($input: ServiceArchiveInput!) { serviceArchive(input: $input) { service { status } userErrors { code } } }";
    let archived = a
        .graphql(Some(&admin), archive, json!({ "input": { "id": id } }))
        .await;
    assert_eq!(
        archived["serviceArchive"]["service"]["status"], "ARCHIVED",
        "{archived}"
    );
    // The replica that made the change sees it on its next read; the other within its
    // poll interval (100 ms by default), plus the rebuild.
    assert_eq!(
        a.graphql(None, query, vars.clone()).await,
        json!({ "service": null })
    );
    let archived_at = std::time::Instant::now();
    loop {
        let read = b.graphql(None, query, vars.clone()).await;
        if read == json!({ "service": null }) {
            break;
        }
        assert_eq!(
            read, seen,
            "before the change arrives, the old snapshot, whole"
        );
        assert!(
            archived_at.elapsed() < std::time::Duration::from_secs(10),
            "the archive never reached the other replica"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn the_http_benchmark_drives_the_real_server_and_its_ceiling_without_errors() {
    let app = TestApp::empty().await;
    let shape = civic_catalog::bench::Shape {
        services: 60,
        criteria: 8,
        life_events: 4,
    };
    let options = civic_catalog::bench::HttpOptions {
        shape,
        connections: vec![2],
        duration: std::time::Duration::from_millis(600),
        answer_cache_mib: 0,
        peer: None,
    };
    let metrics = std::sync::Arc::new(civic_catalog::telemetry::Metrics::default());
    let db = app.catalog.connection().clone();
    let report = civic_catalog::bench::http(db.clone(), metrics.clone(), options.clone())
        .await
        .unwrap();
    let queries: Vec<&str> = report.rounds.iter().map(|r| r.query).collect();
    assert_eq!(
        queries,
        [
            "life-event page",
            "service page",
            "search list",
            "recommendations",
            "ceiling: the same page bytes from memory",
            "life-event page, editor saving",
            "service page, editor saving"
        ]
    );
    assert!(report.page_bytes > 1000, "a real life-event page");
    for round in &report.rounds {
        assert_eq!(round.errors, 0, "{round:?}");
        assert!(round.requests > 0 && round.rps > 0.0, "{round:?}");
        assert!(round.p50 <= round.p99, "{round:?}");
        // A public read costs at most the one statement checking the public revision (the
        // bench serves with the production poll of it); the ceiling reads nothing.
        if round.query.starts_with("ceiling") {
            assert_eq!(round.statements, 0.0, "{round:?}");
        } else {
            assert!(round.statements <= 1.0, "{round:?}");
        }
        if round.query.ends_with("editor saving") {
            assert!(
                round.saves >= 1,
                "the editor saved drafts meanwhile: {round:?}"
            );
        }
    }
    // The editor's saves were drafts: residents still see the generated summary.
    let page = app
        .data(
            "{ service(slug: \"service-0\") { summary pendingRevision { summary } } }",
            serde_json::json!({}),
        )
        .await;
    assert_eq!(page["service"]["summary"], "A synthetic service.");
    assert!(page["service"]["pendingRevision"].is_null());
    // A second run refuses to mix with existing data.
    assert!(
        civic_catalog::bench::http(db, metrics, options)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn with_a_poll_interval_public_reads_skip_the_revision_check_yet_see_this_servers_changes_at_once()
 {
    let app = TestApp::with_keys_and(civic_catalog::config::Limits {
        public_revision_poll_ms: 60_000,
        ..civic_catalog::config::Limits::default()
    })
    .await;
    let query = r#"{ service(slug: "nys-snap") { id name } }"#;
    let seen = app.data(query, json!({})).await;
    let id = seen["service"]["id"].clone();
    // Within the interval, a public read sends no statement at all.
    let before = app.sql_statements().await;
    let other = app
        .data(r#"{ lifeEvent(slug: "job-loss") { name } }"#, json!({}))
        .await;
    assert_eq!(other["lifeEvent"]["name"], "Losing a job");
    assert_eq!(app.sql_statements().await, before);

    // A change made outside this server (as another replica's would be) is not seen
    // until the interval ends...
    app.catalog
        .connection()
        .execute_unprepared(
            "UPDATE service SET name = 'Renamed elsewhere' WHERE slug = 'nys-heap'; \
             UPDATE catalog_revision SET public_revision = public_revision + 1",
        )
        .await
        .unwrap();
    let heap = r#"{ service(slug: "nys-heap") { name } }"#;
    let old_name = app.data(heap, json!({})).await["service"]["name"].clone();
    assert_ne!(old_name, "Renamed elsewhere");
    assert_eq!(app.data(query, json!({})).await, seen);
    // ...but one made through this server is seen by its next public read, with the
    // other server's change beside it.
    let archived = app
        .as_(Caller::Admin)
        .mutate("serviceArchive", "service { status }", json!({ "id": id }))
        .await;
    assert_eq!(archived["service"]["status"], "ARCHIVED", "{archived}");
    assert_eq!(app.data(query, json!({})).await, json!({ "service": null }));
    assert_eq!(
        app.data(heap, json!({})).await["service"]["name"],
        "Renamed elsewhere"
    );
}

/// The snapshot builds `/metrics` reports: (whole, patched).
async fn snapshot_builds(app: &TestApp) -> (u64, u64) {
    let (_, _, metrics) = app.get("/metrics").await;
    let count = |kind: &str| {
        let prefix = format!("civic_catalog_snapshot_builds_total{{kind=\"{kind}\"}} ");
        metrics
            .lines()
            .find_map(|line| line.strip_prefix(&prefix))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no {kind} builds in {metrics}"))
    };
    (count("full"), count("patch"))
}

/// Every public read, as the public and as a reviewer (who reads the database) see it.
async fn assert_public_reads_match_the_database(app: &TestApp, after: &str) {
    for query in READS {
        let public = app.as_(Caller::Anonymous).graphql(query, json!({})).await;
        let keyed = app.as_(Caller::Reviewer).graphql(query, json!({})).await;
        assert_eq!(public, keyed, "after {after}: {query}");
        let refusal = query.contains("no-such-agency") || query.contains("US-XX");
        assert_eq!(public.get("errors").is_some(), refusal, "{query}: {public}");
    }
}

#[tokio::test]
async fn published_changes_to_services_patch_the_snapshot_which_then_answers_as_the_database() {
    let app = TestApp::with_keys().await;
    let admin = app.as_(Caller::Admin);
    assert_public_reads_match_the_database(&app, "the first build").await;
    assert_eq!(snapshot_builds(&app).await, (1, 0), "built whole once");

    // A new service in every list a service can be in: an agency's (and a partner's), a
    // life event's and a stage's, a jurisdiction's, a relation's other end; with rules.
    let created = admin
        .mutate(
            "serviceCreate",
            "service { id } userErrors { field message }",
            json!({ "slug": "nys-aaa-job-loss-helper", "name": "AAA job loss helper",
                "summary": "Help after a job loss.", "description": "Made by the patch test.",
                "agency": "nys-dol", "partnerAgencies": ["nys-otda"], "jurisdictions": ["US-NY-NYC"],
                "channels": [{ "kind": "PHONE", "label": "Call", "phone": "311" }],
                "lifeEvents": [{ "lifeEvent": "job-loss", "stage": "replace-income", "relevance": "CORE", "reason": "It helps." }],
                "eligibility": [{ "rules": [{ "criterion": "household-size", "operator": "GTE", "value": 1 }] }] }),
        )
        .await;
    assert_eq!(created["userErrors"], json!([]), "{created}");
    let id = created["service"]["id"].clone();
    let ui = app.service_id("nys-unemployment-insurance").await;
    let related = admin
        .mutate(
            "serviceRelationAdd",
            "userErrors { message }",
            json!({ "id": id, "to": ui, "kind": "COMPLEMENTS", "reason": "Claim both." }),
        )
        .await;
    assert_eq!(related["userErrors"], json!([]), "{related}");
    for step in ["serviceSubmitForReview", "servicePublish"] {
        let done = admin
            .mutate(step, "userErrors { message }", json!({ "id": id }))
            .await;
        assert_eq!(done["userErrors"], json!([]), "{step}: {done}");
    }
    assert_public_reads_match_the_database(&app, "a publish").await;
    // Its channels are found by id, as a feedback form would look them up.
    let channels = app
        .data(
            r#"{ service(slug: "nys-aaa-job-loss-helper") { channels { id } } }"#,
            json!({}),
        )
        .await;
    let channel = &channels["service"]["channels"][0]["id"];
    let node = "query($id: ID!) { node(id: $id) { id ... on Channel { label } } }";
    let public = app.data(node, json!({ "id": channel })).await;
    assert_eq!(public["node"]["label"], "Call", "{public}");

    // A published service renamed through a pending revision: it moves in every list.
    let snap = app.service_as_admin("nys-snap").await;
    let edited = admin
        .mutate(
            "serviceUpdate",
            "userErrors { message }",
            json!({ "id": snap["id"], "expectedVersion": snap["version"], "name": "Zzz food help (SNAP)" }),
        )
        .await;
    assert_eq!(edited["userErrors"], json!([]), "{edited}");
    for step in ["serviceSubmitForReview", "servicePublish"] {
        let done = admin
            .mutate(step, "userErrors { message }", json!({ "id": snap["id"] }))
            .await;
        assert_eq!(done["userErrors"], json!([]), "{step}: {done}");
    }
    assert_public_reads_match_the_database(&app, "a revision's publish").await;

    // Archived: gone from every list, and from its related services' relations.
    let archived = admin
        .mutate(
            "serviceArchive",
            "userErrors { message }",
            json!({ "id": snap["id"] }),
        )
        .await;
    assert_eq!(archived["userErrors"], json!([]), "{archived}");
    assert_public_reads_match_the_database(&app, "an archive").await;
    let (full, patches) = snapshot_builds(&app).await;
    assert_eq!(full, 1, "service changes never rebuilt the snapshot whole");
    assert!(patches >= 3, "each published change patched it ({patches})");

    // Any other published change (here an agency's) rebuilds it whole.
    let otda = app
        .data(r#"{ agency(slug: "nys-otda") { id version } }"#, json!({}))
        .await["agency"]
        .clone();
    let renamed = admin
        .mutate(
            "agencyUpdate",
            "userErrors { message }",
            json!({ "id": otda["id"], "expectedVersion": otda["version"], "description": "Food, cash and heating help." }),
        )
        .await;
    assert_eq!(renamed["userErrors"], json!([]), "{renamed}");
    assert_public_reads_match_the_database(&app, "an agency edit").await;
    assert_eq!(snapshot_builds(&app).await, (2, patches));
}
