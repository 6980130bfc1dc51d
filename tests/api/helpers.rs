//! `TestApp`: the real router on a fresh database (in-memory SQLite by default, or a new
//! PostgreSQL database when `TEST_DATABASE_URL` is set), driven over HTTP.

use std::sync::Arc;

use civic_catalog::app::{app_router, connect, migrate, serve};
use civic_catalog::catalog::{Catalog, import};
use civic_catalog::config::{DatabaseConfig, Limits};
use civic_catalog::telemetry::Metrics;
use serde_json::{Value, json};

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub catalog: Catalog,
    /// A key for each role, when made with [`TestApp::with_keys`].
    pub keys: Option<Keys>,
    _database: ScratchDatabase,
}

/// Who sends a request in a test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    /// No credentials.
    Anonymous,
    /// An EDITOR of `nys-dol`.
    Editor,
    /// An EDITOR of another agency, `nyc-hra`.
    ForeignEditor,
    /// A REVIEWER.
    Reviewer,
    /// An ADMIN.
    Admin,
}

/// One token for each role.
#[derive(Debug, Clone)]
pub struct Keys {
    pub editor: String,
    pub foreign_editor: String,
    pub reviewer: String,
    pub admin: String,
}

/// Creates a key for each role on a seeded catalog (editors of `nys-dol` and `nyc-hra`).
pub async fn keys(app: &TestApp) -> Keys {
    use civic_catalog::catalog::types::{Role, Slug};
    let dol = Slug::parse("agency", "nys-dol").unwrap();
    let hra = Slug::parse("agency", "nyc-hra").unwrap();
    let create = async |name: &str, role: Role, agency: Option<&Slug>| {
        app.catalog
            .create_key(name, role, agency)
            .await
            .expect("create key")
            .token
    };
    Keys {
        editor: create("DOL editor", Role::Editor, Some(&dol)).await,
        foreign_editor: create("HRA editor", Role::Editor, Some(&hra)).await,
        reviewer: create("CX reviewer", Role::Reviewer, None).await,
        admin: create("CX admin", Role::Admin, None).await,
    }
}

/// An ADMIN key's token on any catalog, even an empty one.
pub async fn keys_on_empty(app: &TestApp) -> String {
    use civic_catalog::catalog::types::Role;
    app.catalog
        .create_key("test admin", Role::Admin, None)
        .await
        .expect("create key")
        .token
}

/// POSTs a GraphQL request as `token` (anonymous when `None`) and returns the whole body.
pub async fn gql_as(app: &TestApp, token: Option<&str>, query: &str, variables: Value) -> Value {
    let mut request = app.client.post(format!("{}/graphql", app.address));
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    request
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json body")
}

/// Runs `mutation name(input: $input) { <selection> userErrors {...} }` as `token` and
/// returns the payload; the mutation itself must not fail with GraphQL errors.
pub async fn run(app: &TestApp, token: &str, name: &str, selection: &str, input: Value) -> Value {
    let input_type = format!("{}{}Input", name[..1].to_uppercase(), &name[1..]);
    let query = format!(
        "mutation($input: {input_type}!) {{ {name}(input: $input) {{ {selection} userErrors {{ field message code existingId }} }} }}"
    );
    let body = gql_as(app, Some(token), &query, json!({ "input": input })).await;
    assert!(body.get("errors").is_none(), "{name}: {body:#}");
    body["data"][name].clone()
}

/// Requests sent by one caller.
pub struct Session<'a> {
    app: &'a TestApp,
    token: Option<&'a str>,
}

impl Session<'_> {
    /// POSTs a GraphQL request and returns the whole body.
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        gql_as(self.app, self.token, query, variables).await
    }

    /// Runs a mutation (`name(input:)`) and returns its payload; see [`run`].
    pub async fn mutate(&self, name: &str, selection: &str, input: Value) -> Value {
        match self.token {
            Some(token) => run(self.app, token, name, selection, input).await,
            None => panic!("mutations need a key; use graphql() to test anonymous refusals"),
        }
    }
}

/// A PostgreSQL database created for one test and dropped with it.
struct PostgresDb {
    admin_url: String,
    name: String,
}

impl Drop for PostgresDb {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop runs inside the test's runtime, which cannot be blocked on; use a thread
        // with its own runtime, and FORCE to close the app's pooled connections.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                use sea_orm::ConnectionTrait;
                let metrics = Arc::new(Metrics::default());
                if let Ok(admin) = connect(&database_config(&admin_url), &metrics).await {
                    let _ = admin
                        .execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .await;
                    let _ = admin.close().await;
                }
            });
        })
        .join();
    }
}

/// A database URL as the binary would parse it.
pub fn database_config(url: &str) -> DatabaseConfig {
    url.parse().expect("a database URL")
}

/// `postgres://user@host:port/db?opts` with the database name replaced.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let prefix = base.rsplit_once('/').map_or(base, |(prefix, _)| prefix);
    match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    }
}

/// A fresh database of its own for one test: a new PostgreSQL database when
/// `TEST_DATABASE_URL` is set (dropped with the guard), else SQLite at `sqlite` (in memory,
/// or a file another process can open too).
pub struct ScratchDatabase {
    pub url: String,
    postgres: Option<PostgresDb>,
    _dir: Option<TempDir>,
}

/// A directory removed when dropped.
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl ScratchDatabase {
    /// An empty database; on SQLite, in memory (one connection only).
    pub async fn in_memory() -> Self {
        Self::new(false).await
    }

    /// An empty database that other processes can open; on SQLite, a file.
    pub async fn shared() -> Self {
        Self::new(true).await
    }

    async fn new(shared: bool) -> Self {
        let metrics = Arc::new(Metrics::default());
        match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                use sea_orm::ConnectionTrait;
                let name = format!("cc_test_{}", uuid::Uuid::new_v4().simple());
                let admin = connect(&database_config(&admin_url), &metrics)
                    .await
                    .expect("connect to TEST_DATABASE_URL");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .expect("create test database");
                admin.close().await.expect("close admin connection");
                Self {
                    url: with_database(&admin_url, &name),
                    postgres: Some(PostgresDb { admin_url, name }),
                    _dir: None,
                }
            }
            _ if shared => {
                let dir = std::env::temp_dir().join(format!(
                    "civic-catalog-test-{}",
                    uuid::Uuid::new_v4().simple()
                ));
                std::fs::create_dir_all(&dir).expect("temp dir");
                Self {
                    url: format!("sqlite://{}?mode=rwc", dir.join("catalog.db").display()),
                    postgres: None,
                    _dir: Some(TempDir(dir)),
                }
            }
            _ => Self {
                url: "sqlite::memory:".to_owned(),
                postgres: None,
                _dir: None,
            },
        }
    }
}

impl TestApp {
    /// An app over an empty (migrated) catalog, with production limits except that every
    /// public read checks the public revision (so statement counts are exact).
    pub async fn empty() -> Self {
        Self::empty_with(Limits {
            public_revision_poll_ms: 0,
            ..Limits::default()
        })
        .await
    }

    /// An app over the seeded New York catalog, serving with `limits`.
    pub async fn seeded_with(limits: Limits) -> Self {
        let app = Self::empty_with(limits).await;
        app.catalog.seed_new_york().await.expect("seed");
        app
    }

    /// An app over an empty (migrated) catalog, serving with `limits`.
    pub async fn empty_with(limits: Limits) -> Self {
        let metrics = Arc::new(Metrics::default());
        let database = ScratchDatabase::in_memory().await;
        let url = database.url.clone();
        let db = connect(&database_config(&url), &metrics)
            .await
            .expect("connect");
        migrate(&db).await.expect("migrate");
        let catalog = Catalog::new(db);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = format!("http://{}", listener.local_addr().expect("address"));
        let router = app_router(catalog.clone(), metrics, limits.clone()).expect("router");
        tokio::spawn(async move {
            serve(listener, router, &limits, std::future::pending()).await;
        });
        Self {
            address,
            client: reqwest::Client::new(),
            catalog,
            keys: None,
            _database: database,
        }
    }

    /// An app over the seeded New York catalog with a key for each role.
    pub async fn with_keys() -> Self {
        let mut app = Self::seeded().await;
        app.keys = Some(keys(&app).await);
        app
    }

    /// An app over the seeded New York catalog serving with `limits`, with a key for each
    /// role.
    pub async fn with_keys_and(limits: Limits) -> Self {
        let mut app = Self::seeded_with(limits).await;
        app.keys = Some(keys(&app).await);
        app
    }

    /// The global id of the published service `slug`.
    pub async fn service_id(&self, slug: &str) -> Value {
        self.data(
            &format!(r#"{{ service(slug: "{slug}") {{ id }} }}"#),
            json!({}),
        )
        .await["service"]["id"]
            .clone()
    }

    /// Submits feedback `input` anonymously, as a portal would, and asserts it was
    /// recorded.
    pub async fn submit_feedback(&self, input: Value) {
        let body = self
            .graphql(
                "mutation($input: FeedbackSubmitInput!) { feedbackSubmit(input: $input) { userErrors { field message } } }",
                json!({ "input": input }),
            )
            .await;
        assert_eq!(
            body["data"]["feedbackSubmit"]["userErrors"],
            json!([]),
            "{body}"
        );
    }

    /// Reports UX metrics `input` with the ADMIN key and asserts they were recorded.
    pub async fn report_ux_metrics(&self, input: Value) {
        let body = self
            .as_(Caller::Admin)
            .graphql(
                "mutation($input: UxMetricsReportInput!) { uxMetricsReport(input: $input) { userErrors { field message } } }",
                json!({ "input": input }),
            )
            .await;
        assert_eq!(
            body["data"]["uxMetricsReport"]["userErrors"],
            json!([]),
            "{body}"
        );
    }

    /// How many events the audit trail holds, as an ADMIN reads it through the API.
    pub async fn audit_count(&self) -> i64 {
        let body = self
            .as_(Caller::Admin)
            .graphql("{ auditEvents(first: 0) { totalCount } }", json!({}))
            .await;
        body["data"]["auditEvents"]["totalCount"]
            .as_i64()
            .unwrap_or_else(|| panic!("audit count: {body}"))
    }

    /// How many services the catalog holds in any status, as an ADMIN reads it through the
    /// API.
    pub async fn service_count(&self) -> i64 {
        let mut total = 0;
        for status in ["DRAFT", "IN_REVIEW", "PUBLISHED", "ARCHIVED"] {
            let body = self
                .as_(Caller::Admin)
                .graphql(
                    "query($s: ServiceStatus) { services(first: 0, filter: { status: $s }) { totalCount } }",
                    json!({ "s": status }),
                )
                .await;
            total += body["data"]["services"]["totalCount"]
                .as_i64()
                .unwrap_or_else(|| panic!("service count: {body}"));
        }
        total
    }

    /// The service `slug` as an ADMIN reads it through the API, in any status: its id,
    /// status, version, text, timestamps and pending revision (`null` when there is none).
    /// What a refused request must leave as it was.
    pub async fn service_as_admin(&self, slug: &str) -> Value {
        let body = self
            .as_(Caller::Admin)
            .graphql(
                "query($s: String!) { service(slug: $s) { id status version name summary description
                    eligibilitySummary updatedAt publishedAt pendingRevision { status version name } } }",
                json!({ "s": slug }),
            )
            .await;
        assert!(body["errors"].is_null(), "{body}");
        body["data"]["service"].clone()
    }

    /// The keys of [`TestApp::with_keys`].
    pub fn keys(&self) -> &Keys {
        self.keys.as_ref().expect("made with TestApp::with_keys")
    }

    /// Requests as `caller` (its key from [`TestApp::with_keys`]).
    pub fn as_(&self, caller: Caller) -> Session<'_> {
        let token = match caller {
            Caller::Anonymous => None,
            Caller::Editor => Some(self.keys().editor.as_str()),
            Caller::ForeignEditor => Some(self.keys().foreign_editor.as_str()),
            Caller::Reviewer => Some(self.keys().reviewer.as_str()),
            Caller::Admin => Some(self.keys().admin.as_str()),
        };
        Session { app: self, token }
    }

    /// Requests with `token`.
    pub fn with_token<'a>(&'a self, token: &'a str) -> Session<'a> {
        Session {
            app: self,
            token: Some(token),
        }
    }

    /// An app over the seeded New York catalog.
    pub async fn seeded() -> Self {
        let app = Self::empty().await;
        app.catalog.seed_new_york().await.expect("seed");
        app
    }

    /// Loads a catalog document (JSON) into the app's database.
    pub async fn load(&self, document: Value) {
        let document = import::parse(&document.to_string()).expect("parse document");
        self.catalog
            .load_document(&document)
            .await
            .expect("load document");
    }

    /// POSTs a GraphQL request and returns the whole response body.
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        let response = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request");
        assert!(
            response.status().is_success(),
            "status {}",
            response.status()
        );
        response.json().await.expect("json body")
    }

    /// Runs a query that must succeed and returns its `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let body = self.graphql(query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// Runs a query that must fail and returns its first error.
    pub async fn error(&self, query: &str, variables: Value) -> Value {
        let body = self.graphql(query, variables).await;
        first_error(&body)
    }

    /// GETs a path and returns status, content type and body.
    pub async fn get(&self, path: &str) -> (u16, String, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (status, content_type, response.text().await.expect("body"))
    }

    /// The SQL statement counter from `/metrics`.
    pub async fn sql_statements(&self) -> u64 {
        let (_, _, body) = self.get("/metrics").await;
        body.lines()
            .find_map(|line| line.strip_prefix("civic_catalog_sql_statements_total "))
            .and_then(|n| n.parse().ok())
            .expect("statement counter in /metrics")
    }

    /// POSTs `body` to /graphql with `headers` and returns status, headers and the JSON body
    /// (`Null` when the body is not JSON).
    pub async fn post_raw(
        &self,
        headers: &[(&str, &str)],
        body: impl Into<reqwest::Body>,
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        let mut request = self.client.post(format!("{}/graphql", self.address));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.body(body).send().await.expect("request");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        (
            status,
            headers,
            serde_json::from_str(&text).unwrap_or(Value::Null),
        )
    }

    /// POSTs `query` as JSON, anonymously or with `token`, with `headers`.
    pub async fn post_query(
        &self,
        token: Option<&str>,
        headers: &[(&str, &str)],
        query: &str,
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        let authorization = token.map(|t| format!("Bearer {t}"));
        let mut all = vec![("content-type", "application/json")];
        if let Some(authorization) = &authorization {
            all.push(("authorization", authorization.as_str()));
        }
        all.extend_from_slice(headers);
        self.post_raw(&all, json!({ "query": query }).to_string())
            .await
    }

    /// Whether this app runs on PostgreSQL.
    #[allow(dead_code)]
    pub fn is_postgres(&self) -> bool {
        self._database.postgres.is_some()
    }
}

/// The first GraphQL error of a response that must have one.
pub fn first_error(body: &Value) -> Value {
    match body["errors"].as_array() {
        Some(errors) if !errors.is_empty() => errors[0].clone(),
        _ => panic!("expected a GraphQL error, got: {body:#}"),
    }
}

/// The `nodes` of a connection, as a list.
pub fn nodes(connection: &Value) -> Vec<Value> {
    connection["nodes"].as_array().cloned().unwrap_or_default()
}

/// The values of `field` in a list of objects.
pub fn pluck(items: &[Value], field: &str) -> Vec<String> {
    items
        .iter()
        .map(|i| i[field].as_str().unwrap_or_default().to_owned())
        .collect()
}
