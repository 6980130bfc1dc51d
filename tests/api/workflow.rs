//! Partner agencies create services; reviewers publish them; everything is audited; each
//! role may do exactly what the authorization rule says, and a refusal changes nothing.

use civic_catalog::entity::service;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use crate::helpers::{Caller, TestApp, gql_as};

pub const CREATE: &str = r#"mutation($input: ServiceCreateInput!) { serviceCreate(input: $input) {
    service { id slug status version agency { slug } channels { kind url } }
    userErrors { field message code } } }"#;
const UPDATE: &str = r#"mutation($input: ServiceUpdateInput!) { serviceUpdate(input: $input) {
    service { id status version name } userErrors { field message code } } }"#;

pub fn step_mutation(name: &str, input_type: &str) -> String {
    format!(
        "mutation($input: {input_type}!) {{ {name}(input: $input) {{ service {{ id status version }} userErrors {{ field message code }} }} }}"
    )
}

/// Creates the draft `slug` of `agency` as `caller` and returns its id.
pub async fn create_draft(app: &TestApp, caller: Caller, slug: &str, agency: &str) -> Value {
    let created = app
        .as_(caller)
        .graphql(CREATE, json!({ "input": new_service(slug, agency) }))
        .await;
    let id = created["data"]["serviceCreate"]["service"]["id"].clone();
    assert!(id.is_string(), "{created}");
    id
}

/// Moves service `id` one workflow step (`serviceSubmitForReview`, `servicePublish`, ...)
/// as `caller` and returns the step's payload.
pub async fn step(app: &TestApp, caller: Caller, name: &str, id: &Value) -> Value {
    let input_type = format!("{}{}Input", name[..1].to_uppercase(), &name[1..]);
    let body = app
        .as_(caller)
        .graphql(
            &step_mutation(name, &input_type),
            json!({ "input": { "id": id } }),
        )
        .await;
    body["data"][name].clone()
}

pub fn new_service(slug: &str, agency: &str) -> Value {
    json!({ "slug": slug, "name": format!("New {slug}"), "summary": "A new service.", "description": "Registered by a partner.",
            "agency": agency, "channels": [{ "kind": "WEBSITE", "label": "Apply", "url": "https://dol.ny.gov/new" }] })
}

#[tokio::test]
async fn a_partner_registers_a_service_and_a_reviewer_publishes_it() {
    let app = TestApp::with_keys().await;
    let created = app
        .as_(Caller::Editor)
        .graphql(
            CREATE,
            json!({ "input": new_service("dol-apprenticeships", "nys-dol") }),
        )
        .await;
    let service = &created["data"]["serviceCreate"]["service"];
    assert_eq!(created["data"]["serviceCreate"]["userErrors"], json!([]));
    assert_eq!(service["status"], "DRAFT");
    assert_eq!(service["version"], 1);
    let id = service["id"].clone();
    // Drafts stay private.
    let public = app
        .data(
            r#"{ service(slug: "dol-apprenticeships") { id } }"#,
            json!({}),
        )
        .await;
    assert!(public["service"].is_null());

    let submitted = app
        .as_(Caller::Editor)
        .graphql(
            &step_mutation("serviceSubmitForReview", "ServiceSubmitForReviewInput"),
            json!({ "input": { "id": id } }),
        )
        .await;
    assert_eq!(
        submitted["data"]["serviceSubmitForReview"]["service"]["status"],
        "IN_REVIEW"
    );
    let sent_back = app
        .as_(Caller::Reviewer)
        .graphql(
            &step_mutation("serviceRequestChanges", "ServiceRequestChangesInput"),
            json!({ "input": { "id": id, "comment": "Add the phone line." } }),
        )
        .await;
    assert_eq!(
        sent_back["data"]["serviceRequestChanges"]["service"]["status"],
        "DRAFT"
    );
    let version = sent_back["data"]["serviceRequestChanges"]["service"]["version"].clone();
    let edited = app.as_(Caller::Editor).graphql(UPDATE, json!({ "input": { "id": id, "expectedVersion": version, "name": "Registered Apprenticeships" } })).await;
    assert_eq!(
        edited["data"]["serviceUpdate"]["service"]["name"],
        "Registered Apprenticeships"
    );
    app.as_(Caller::Editor)
        .graphql(
            &step_mutation("serviceSubmitForReview", "ServiceSubmitForReviewInput"),
            json!({ "input": { "id": id } }),
        )
        .await;
    let published = app
        .as_(Caller::Reviewer)
        .graphql(
            &step_mutation("servicePublish", "ServicePublishInput"),
            json!({ "input": { "id": id } }),
        )
        .await;
    assert_eq!(
        published["data"]["servicePublish"]["service"]["status"],
        "PUBLISHED"
    );

    let public = app
        .data(
            r#"{ service(slug: "dol-apprenticeships") { name publishedAt agency { slug } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(public["service"]["name"], "Registered Apprenticeships");
    assert_eq!(public["service"]["agency"]["slug"], "nys-dol");

    let history = app.as_(Caller::Editor).graphql(r#"{ service(slug: "dol-apprenticeships") { history { action principal comment before after } } }"#, json!({})).await;
    let events = history["data"]["service"]["history"].as_array().unwrap();
    let actions: Vec<&str> = events
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "service.publish",
            "service.submitForReview",
            "service.update",
            "service.requestChanges",
            "service.submitForReview",
            "service.create"
        ]
    );
    assert_eq!(events[0]["principal"], "CX reviewer");
    assert_eq!(events[0]["before"]["status"], "IN_REVIEW");
    assert_eq!(events[0]["after"]["status"], "PUBLISHED");
    assert_eq!(events[3]["comment"], "Add the phone line.");
    assert!(events[5]["before"].is_null());
    // History is not public, and not for other agencies' editors.
    let anonymous = app
        .graphql(
            r#"{ service(slug: "dol-apprenticeships") { history { action } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        anonymous["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
    let foreign = app
        .as_(Caller::ForeignEditor)
        .graphql(
            r#"{ service(slug: "dol-apprenticeships") { history { action } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(foreign["errors"][0]["extensions"]["code"], "FORBIDDEN");
}

#[tokio::test]
async fn fixable_mistakes_are_user_errors_and_change_nothing() {
    let app = TestApp::with_keys().await;
    let audit_before = app.audit_count().await;
    let taken = app
        .as_(Caller::Editor)
        .graphql(
            CREATE,
            json!({ "input": new_service("nys-unemployment-insurance", "nys-dol") }),
        )
        .await;
    assert_eq!(
        taken["data"]["serviceCreate"]["userErrors"][0]["code"],
        "TAKEN"
    );
    assert_eq!(
        taken["data"]["serviceCreate"]["userErrors"][0]["field"],
        json!(["input", "slug"])
    );
    let mut bad_url = new_service("bad-url", "nys-dol");
    bad_url["channels"][0]["url"] = json!("javascript:alert(1)");
    let invalid = app
        .as_(Caller::Editor)
        .graphql(CREATE, json!({ "input": bad_url }))
        .await;
    assert_eq!(
        invalid["data"]["serviceCreate"]["userErrors"][0],
        json!({
        "field": ["input", "channels", "0", "url"], "code": "INVALID",
        "message": "`javascript:alert(1)` is not an http(s) URL" })
    );
    let mut no_channel = new_service("no-channel", "nys-dol");
    no_channel["channels"] = json!([]);
    let invalid = app
        .as_(Caller::Editor)
        .graphql(CREATE, json!({ "input": no_channel }))
        .await;
    assert_eq!(
        invalid["data"]["serviceCreate"]["userErrors"][0]["field"],
        json!(["input", "channels"])
    );
    assert_eq!(app.audit_count().await, audit_before);

    let created = app
        .as_(Caller::Editor)
        .graphql(
            CREATE,
            json!({ "input": new_service("stale-test", "nys-dol") }),
        )
        .await;
    let id = created["data"]["serviceCreate"]["service"]["id"].clone();
    let stale = app
        .as_(Caller::Editor)
        .graphql(
            UPDATE,
            json!({ "input": { "id": id, "expectedVersion": 7, "name": "X" } }),
        )
        .await;
    let error = &stale["data"]["serviceUpdate"]["userErrors"][0];
    assert_eq!(error["code"], "STALE");
    assert!(error["message"].as_str().unwrap().contains("version 1"));
    let empty = app
        .as_(Caller::Editor)
        .graphql(
            UPDATE,
            json!({ "input": { "id": id, "expectedVersion": 1, "name": "   " } }),
        )
        .await;
    assert_eq!(
        empty["data"]["serviceUpdate"]["userErrors"][0]["field"],
        json!(["input", "name"])
    );
    let early = app
        .as_(Caller::Reviewer)
        .graphql(
            &step_mutation("servicePublish", "ServicePublishInput"),
            json!({ "input": { "id": id } }),
        )
        .await;
    assert_eq!(
        early["data"]["servicePublish"]["userErrors"][0]["code"],
        "INVALID_TRANSITION"
    );
    let unknown = app.as_(Caller::Admin).graphql(&step_mutation("servicePublish", "ServicePublishInput"),
        json!({ "input": { "id": civic_catalog::graphql::node::global_id(civic_catalog::graphql::node::NodeKind::Service, 99_999).as_str() } })).await;
    assert_eq!(
        unknown["data"]["servicePublish"]["userErrors"][0]["code"],
        "NOT_FOUND"
    );
    let row = app.service_as_admin("stale-test").await;
    assert_eq!(
        (&row["version"], &row["name"], &row["status"]),
        (&json!(1), &json!("New stale-test"), &json!("DRAFT"))
    );
}

#[tokio::test]
async fn mutations_are_refused_over_get() {
    let app = TestApp::seeded().await;
    let query = "mutation { servicePublish(input: {id: \"x\"}) { userErrors { code } } }";
    let response = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[("query", query)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 405);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("POST")
    );
}

/// Every role against every service mutation, on its own agency's service and another's.
#[tokio::test]
async fn the_authorization_matrix_holds_and_refusals_change_nothing() {
    let app = TestApp::with_keys().await;
    let keys = app.keys();
    // (operation, the status the service must be in first, mutation, input type)
    let operations = [
        ("update", "DRAFT"),
        ("submit", "DRAFT"),
        ("publish", "IN_REVIEW"),
        ("requestChanges", "IN_REVIEW"),
        ("archive", "PUBLISHED"),
        ("restore", "ARCHIVED"),
    ];
    let callers: [(&str, Option<&str>); 5] = [
        ("anonymous", None),
        ("editor", Some(&keys.editor)),
        ("foreign editor", Some(&keys.foreign_editor)),
        ("reviewer", Some(&keys.reviewer)),
        ("admin", Some(&keys.admin)),
    ];
    let allowed = |caller: &str, op: &str| match caller {
        "admin" => true,
        "reviewer" => matches!(op, "publish" | "requestChanges"),
        "editor" => matches!(op, "create" | "update" | "submit" | "archive" | "restore"),
        _ => false,
    };
    let mut n = 0;
    for (caller, token) in callers {
        // Create.
        n += 1;
        let slug = format!("matrix-{n}");
        let body = gql_as(
            &app,
            token,
            CREATE,
            json!({ "input": new_service(&slug, "nys-dol") }),
        )
        .await;
        if allowed(caller, "create") {
            assert_eq!(
                body["data"]["serviceCreate"]["service"]["status"], "DRAFT",
                "{caller} create: {body}"
            );
        } else {
            let code = body["errors"][0]["extensions"]["code"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            assert!(
                code == "FORBIDDEN" || code == "UNAUTHENTICATED",
                "{caller} create: {body}"
            );
            assert!(app.service_as_admin(&slug).await.is_null());
        }
        for (op, state) in operations {
            n += 1;
            let slug = format!("matrix-{n}");
            // Bring a fresh DOL service to the state the operation starts from, as admin.
            let created = app
                .as_(Caller::Admin)
                .graphql(CREATE, json!({ "input": new_service(&slug, "nys-dol") }))
                .await;
            let id = created["data"]["serviceCreate"]["service"]["id"].clone();
            let path: &[(&str, &str)] = match state {
                "DRAFT" => &[],
                "IN_REVIEW" => &[("serviceSubmitForReview", "ServiceSubmitForReviewInput")],
                "PUBLISHED" => &[
                    ("serviceSubmitForReview", "ServiceSubmitForReviewInput"),
                    ("servicePublish", "ServicePublishInput"),
                ],
                _ => &[
                    ("serviceSubmitForReview", "ServiceSubmitForReviewInput"),
                    ("servicePublish", "ServicePublishInput"),
                    ("serviceArchive", "ServiceArchiveInput"),
                ],
            };
            for (name, ty) in path {
                let body = app
                    .as_(Caller::Admin)
                    .graphql(&step_mutation(name, ty), json!({ "input": { "id": id } }))
                    .await;
                assert!(
                    body["data"][name]["service"].is_object(),
                    "setup {name}: {body}"
                );
            }
            let before_row = app.service_as_admin(&slug).await;
            let audits = app.audit_count().await;
            let (name, query, input) = match op {
                "update" => (
                    "serviceUpdate",
                    UPDATE.to_owned(),
                    json!({ "id": id, "expectedVersion": before_row["version"], "name": "Changed" }),
                ),
                "submit" => (
                    "serviceSubmitForReview",
                    step_mutation("serviceSubmitForReview", "ServiceSubmitForReviewInput"),
                    json!({ "id": id }),
                ),
                "publish" => (
                    "servicePublish",
                    step_mutation("servicePublish", "ServicePublishInput"),
                    json!({ "id": id }),
                ),
                "requestChanges" => (
                    "serviceRequestChanges",
                    step_mutation("serviceRequestChanges", "ServiceRequestChangesInput"),
                    json!({ "id": id, "comment": "Fix it." }),
                ),
                "archive" => (
                    "serviceArchive",
                    step_mutation("serviceArchive", "ServiceArchiveInput"),
                    json!({ "id": id }),
                ),
                _ => (
                    "serviceRestore",
                    step_mutation("serviceRestore", "ServiceRestoreInput"),
                    json!({ "id": id }),
                ),
            };
            let body = gql_as(&app, token, &query, json!({ "input": input })).await;
            let after_row = app.service_as_admin(&slug).await;
            if allowed(caller, op) {
                assert_eq!(
                    body["data"][name]["userErrors"],
                    json!([]),
                    "{caller} {op}: {body}"
                );
                assert_eq!(
                    after_row["version"].as_i64(),
                    before_row["version"].as_i64().map(|v| v + 1),
                    "{caller} {op}"
                );
                assert_eq!(app.audit_count().await, audits + 1);
            } else {
                let code = body["errors"][0]["extensions"]["code"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                let expected = if token.is_none() {
                    "UNAUTHENTICATED"
                } else {
                    "FORBIDDEN"
                };
                assert_eq!(code, expected, "{caller} {op}: {body}");
                assert_eq!(after_row, before_row, "{caller} {op} changed the service");
                assert_eq!(app.audit_count().await, audits, "{caller} {op} wrote audit");
            }
        }
    }
}

const KEY_CREATE: &str = r#"mutation($input: ApiKeyCreateInput!) { apiKeyCreate(input: $input) {
    token apiKey { id name role agencySlug prefix revokedAt } userErrors { field message code } } }"#;
const KEY_REVOKE: &str = r#"mutation($id: Int!) { apiKeyRevoke(input: {id: $id}) {
    apiKey { id revokedAt } userErrors { field code } } }"#;
const AUDIT: &str = r#"query($filter: AuditFilter, $first: Int, $after: String) { auditEvents(filter: $filter, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor } nodes { action principal recordType recordId before after } } }"#;

#[tokio::test]
async fn admins_manage_keys_through_the_api_and_everything_is_audited() {
    let app = TestApp::with_keys().await;
    let keys = app.keys();
    let created = app
        .as_(Caller::Admin)
        .graphql(
            KEY_CREATE,
            json!({ "input": { "name": "HRA team", "role": "EDITOR", "agency": "nyc-hra" } }),
        )
        .await;
    let payload = &created["data"]["apiKeyCreate"];
    assert_eq!(payload["userErrors"], json!([]));
    assert_eq!(payload["apiKey"]["agencySlug"], "nyc-hra");
    let token = payload["token"].as_str().unwrap().to_owned();
    let who = app
        .with_token(&token)
        .graphql("{ viewer { name role } }", json!({}))
        .await;
    assert_eq!(who["data"]["viewer"]["name"], "HRA team");

    let invalid = app
        .as_(Caller::Admin)
        .graphql(
            KEY_CREATE,
            json!({ "input": { "name": "No agency", "role": "EDITOR" } }),
        )
        .await;
    assert_eq!(
        invalid["data"]["apiKeyCreate"]["userErrors"][0]["field"],
        json!(["input", "agency"])
    );
    assert!(invalid["data"]["apiKeyCreate"]["token"].is_null());
    for token in [&keys.editor, &keys.reviewer] {
        let refused = app
            .with_token(token)
            .graphql(
                KEY_CREATE,
                json!({ "input": { "name": "Sneaky", "role": "ADMIN" } }),
            )
            .await;
        assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN");
    }
    let refused = app
        .as_(Caller::Anonymous)
        .graphql(
            KEY_CREATE,
            json!({ "input": { "name": "Sneaky", "role": "ADMIN" } }),
        )
        .await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
    assert_eq!(
        app.catalog.list_keys().await.unwrap().len(),
        5,
        "refusals created nothing"
    );

    let id = payload["apiKey"]["id"].clone();
    let revoked = app
        .as_(Caller::Admin)
        .graphql(KEY_REVOKE, json!({ "id": id }))
        .await;
    assert!(revoked["data"]["apiKeyRevoke"]["apiKey"]["revokedAt"].is_string());
    let who = app
        .with_token(&token)
        .graphql("{ viewer { name } }", json!({}))
        .await;
    assert_eq!(who["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    let missing = app
        .as_(Caller::Admin)
        .graphql(KEY_REVOKE, json!({ "id": 999 }))
        .await;
    assert_eq!(
        missing["data"]["apiKeyRevoke"]["userErrors"][0]["code"],
        "NOT_FOUND"
    );

    // The trail: newest first, filterable, paged, for admins and reviewers only.
    let trail = app
        .as_(Caller::Reviewer)
        .graphql(AUDIT, json!({ "first": 100 }))
        .await;
    let events = trail["data"]["auditEvents"]["nodes"].as_array().unwrap();
    assert_eq!(events[0]["action"], "apiKey.revoke");
    assert_eq!(events[0]["principal"], "CX admin");
    assert_eq!(events[1]["action"], "apiKey.create");
    assert_eq!(events[1]["after"]["name"], "HRA team");
    assert!(
        !events[1]["after"].to_string().contains("hash"),
        "audit never holds token hashes"
    );
    assert!(
        events.iter().any(|e| e["principal"] == "command line"),
        "keys made at the command line are audited too"
    );
    let by_admin = app
        .as_(Caller::Admin)
        .graphql(
            AUDIT,
            json!({ "filter": { "principal": "CX admin" }, "first": 100 }),
        )
        .await;
    assert_eq!(
        by_admin["data"]["auditEvents"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let page = app
        .as_(Caller::Admin)
        .graphql(AUDIT, json!({ "first": 2 }))
        .await;
    assert_eq!(page["data"]["auditEvents"]["pageInfo"]["hasNextPage"], true);
    let next = app
        .as_(Caller::Admin)
        .graphql(
            AUDIT,
            json!({ "first": 100, "after": page["data"]["auditEvents"]["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(
        next["data"]["auditEvents"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        events.len() - 2
    );
    let created = app
        .as_(Caller::Editor)
        .graphql(
            CREATE,
            json!({ "input": new_service("audited", "nys-dol") }),
        )
        .await;
    let sid = created["data"]["serviceCreate"]["service"]["id"].clone();
    let record = app
        .as_(Caller::Admin)
        .graphql(
            AUDIT,
            json!({ "filter": { "record": sid, "agency": "nys-dol" } }),
        )
        .await;
    assert_eq!(
        record["data"]["auditEvents"]["nodes"][0]["action"],
        "service.create"
    );
    assert_eq!(
        record["data"]["auditEvents"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let refused = app.as_(Caller::Editor).graphql(AUDIT, json!({})).await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN");
    let refused = app.graphql(AUDIT, json!({})).await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn editors_see_their_agencys_drafts_and_reviewers_see_what_is_in_review() {
    let app = TestApp::with_keys().await;
    let draft = app
        .as_(Caller::Editor)
        .graphql(
            CREATE,
            json!({ "input": new_service("dol-draft", "nys-dol") }),
        )
        .await;
    let draft_id = draft["data"]["serviceCreate"]["service"]["id"].clone();
    let review = app
        .as_(Caller::Editor)
        .graphql(
            CREATE,
            json!({ "input": new_service("dol-review", "nys-dol") }),
        )
        .await;
    let review_id = review["data"]["serviceCreate"]["service"]["id"].clone();
    app.as_(Caller::Editor)
        .graphql(
            &step_mutation("serviceSubmitForReview", "ServiceSubmitForReviewInput"),
            json!({ "input": { "id": review_id } }),
        )
        .await;

    let query = r#"query($a: ID!, $b: ID!) { draft: service(slug: "dol-draft") { status } review: service(slug: "dol-review") { status }
        nodes(ids: [$a, $b]) { id } services(first: 100, filter: {search: "New dol-"}) { totalCount } }"#;
    let vars = json!({ "a": draft_id, "b": review_id });
    let seen = |body: &Value| {
        (
            body["data"]["draft"]["status"].as_str().map(str::to_owned),
            body["data"]["review"]["status"].as_str().map(str::to_owned),
            body["data"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|n| !n.is_null())
                .count(),
            body["data"]["services"]["totalCount"].as_i64().unwrap(),
        )
    };
    let own = seen(&app.as_(Caller::Editor).graphql(query, vars.clone()).await);
    assert_eq!(own, (Some("DRAFT".into()), Some("IN_REVIEW".into()), 2, 2));
    let foreign = seen(
        &app.as_(Caller::ForeignEditor)
            .graphql(query, vars.clone())
            .await,
    );
    assert_eq!(foreign, (None, None, 0, 0));
    let reviewer = seen(&app.as_(Caller::Reviewer).graphql(query, vars.clone()).await);
    assert_eq!(reviewer, (None, Some("IN_REVIEW".into()), 1, 1));
    let admin = seen(&app.as_(Caller::Admin).graphql(query, vars.clone()).await);
    assert_eq!(
        admin,
        (Some("DRAFT".into()), Some("IN_REVIEW".into()), 2, 2)
    );
    let public = seen(&app.as_(Caller::Anonymous).graphql(query, vars).await);
    assert_eq!(public, (None, None, 0, 0));
}

#[tokio::test]
async fn a_re_sent_create_finds_the_service_it_made() {
    let app = TestApp::with_keys().await;
    let mut input = new_service("dol-ext", "nys-dol");
    input["externalId"] = json!("DOL-4711");
    let first = app
        .as_(Caller::Editor)
        .graphql(CREATE, json!({ "input": input }))
        .await;
    let id = first["data"]["serviceCreate"]["service"]["id"].clone();
    assert!(id.is_string());
    let mut again = input.clone();
    again["slug"] = json!("dol-ext-retry");
    let query = r#"mutation($input: ServiceCreateInput!) { serviceCreate(input: $input) { service { id } userErrors { field code existingId } } }"#;
    let second = app
        .as_(Caller::Editor)
        .graphql(query, json!({ "input": again }))
        .await;
    let error = &second["data"]["serviceCreate"]["userErrors"][0];
    assert_eq!(error["code"], "TAKEN");
    assert_eq!(error["field"], json!(["input", "externalId"]));
    assert_eq!(error["existingId"], id);
    assert!(second["data"]["serviceCreate"]["service"].is_null());
    // The same external id is free in another agency.
    let mut other = input.clone();
    other["slug"] = json!("hra-ext");
    other["agency"] = json!("nyc-hra");
    let third = app
        .as_(Caller::ForeignEditor)
        .graphql(CREATE, json!({ "input": other }))
        .await;
    assert_eq!(third["data"]["serviceCreate"]["userErrors"], json!([]));
    let slug_taken = app
        .as_(Caller::Editor)
        .graphql(query, json!({ "input": new_service("dol-ext", "nys-dol") }))
        .await;
    assert_eq!(
        slug_taken["data"]["serviceCreate"]["userErrors"][0]["existingId"],
        id
    );
}

const FEED: &str = r#"query($after: String, $first: Int) { catalogChanges(after: $after, first: $first) {
    cursor hasMore changes { kind slug serviceId service { slug status } } } }"#;

/// Follows the feed from the beginning to its end; returns every change and the cursor.
async fn follow_feed(app: &TestApp, from: Value) -> (Vec<Value>, Value) {
    let mut cursor = from;
    let mut all = Vec::new();
    loop {
        let page = app
            .data(FEED, json!({ "first": 100, "after": cursor }))
            .await;
        all.extend(
            page["catalogChanges"]["changes"]
                .as_array()
                .unwrap()
                .clone(),
        );
        cursor = page["catalogChanges"]["cursor"].clone();
        if page["catalogChanges"]["hasMore"] == false {
            return (all, cursor);
        }
    }
}

/// Each change's kind and slug.
fn kinds_and_slugs(changes: &[Value]) -> Vec<(String, String)> {
    changes
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap().to_owned(),
                c["slug"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The feed's cursor after every change so far.
pub async fn feed_end(app: &TestApp) -> Value {
    follow_feed(app, Value::Null).await.1
}

#[tokio::test]
async fn a_portal_can_mirror_the_seeded_catalog_from_the_feed_alone() {
    let app = TestApp::seeded().await;
    let (changes, cursor) = follow_feed(&app, Value::Null).await;
    let public = app
        .data("{ services(first: 1) { totalCount } }", json!({}))
        .await["services"]["totalCount"]
        .as_u64()
        .unwrap();
    assert_eq!(
        changes.len() as u64,
        public,
        "one CREATED per public service"
    );
    assert!(changes.iter().all(|c| c["kind"] == "CREATED"));
    // Loading a document that changes one service and withdraws another shows both.
    app.load(json!({ "services": [
        { "slug": "nys-unemployment-insurance", "name": "Unemployment Insurance (UI)", "summary": "Weekly pay while you look for work.",
          "description": "Partial income replacement for workers who lost their job through no fault of their own.",
          "agency": "nys-dol", "channels": [{ "kind": "WEBSITE", "label": "Apply", "url": "https://dol.ny.gov/unemployment" }] },
        { "slug": "nys-ucx", "name": "UCX", "summary": "Benefits for former federal military.", "description": "Withdrawn.",
          "agency": "nys-dol", "status": "ARCHIVED", "channels": [{ "kind": "WEBSITE", "label": "Apply", "url": "https://dol.ny.gov" }] }
    ] })).await;
    let (next, _) = follow_feed(&app, cursor).await;
    let kinds = kinds_and_slugs(&next);
    assert_eq!(
        kinds,
        [
            (
                "UPDATED".to_owned(),
                "nys-unemployment-insurance".to_owned()
            ),
            ("ARCHIVED".to_owned(), "nys-ucx".to_owned())
        ]
    );
    // Loading the same document again changes nothing and adds nothing to the feed.
    let again = app.catalog.seed_new_york().await.unwrap();
    assert!(again.services_created == 0);
}

#[tokio::test]
async fn the_change_feed_lets_a_portal_mirror_publications_and_deletions() {
    let app = TestApp::with_keys().await;
    let keys = app.keys();
    let steps = |name: &'static str| -> (&'static str, String) {
        let ty = match name {
            "serviceSubmitForReview" => "ServiceSubmitForReviewInput",
            "servicePublish" => "ServicePublishInput",
            "serviceArchive" => "ServiceArchiveInput",
            _ => "ServiceRestoreInput",
        };
        (name, step_mutation(name, ty))
    };
    let run = |id: Value, names: &'static [&'static str]| {
        let app = &app;
        let admin = keys.admin.clone();
        async move {
            for name in names {
                let (name, query) = steps(name);
                let body = app
                    .with_token(&admin)
                    .graphql(&query, json!({ "input": { "id": id } }))
                    .await;
                assert_eq!(
                    body["data"][name]["userErrors"],
                    json!([]),
                    "{name}: {body}"
                );
            }
        }
    };
    let seeded_end = feed_end(&app).await;
    let a = app
        .as_(Caller::Editor)
        .graphql(CREATE, json!({ "input": new_service("feed-a", "nys-dol") }))
        .await["data"]["serviceCreate"]["service"]["id"]
        .clone();
    run(a.clone(), &["serviceSubmitForReview", "servicePublish"]).await;
    let b = app
        .as_(Caller::Editor)
        .graphql(CREATE, json!({ "input": new_service("feed-b", "nys-dol") }))
        .await["data"]["serviceCreate"]["service"]["id"]
        .clone();
    run(
        b.clone(),
        &[
            "serviceArchive",
            "serviceRestore",
            "serviceSubmitForReview",
            "servicePublish",
        ],
    )
    .await;
    run(
        a.clone(),
        &[
            "serviceArchive",
            "serviceRestore",
            "serviceSubmitForReview",
            "servicePublish",
        ],
    )
    .await;

    let first = app
        .data(FEED, json!({ "first": 2, "after": seeded_end }))
        .await;
    let feed = &first["catalogChanges"];
    assert_eq!(feed["hasMore"], true);
    let kinds = kinds_and_slugs(feed["changes"].as_array().unwrap());
    assert_eq!(
        kinds,
        [
            ("CREATED".into(), "feed-a".into()),
            ("CREATED".into(), "feed-b".into())
        ]
    );
    assert_eq!(feed["changes"][0]["serviceId"], a);
    let rest = app
        .data(FEED, json!({ "first": 100, "after": feed["cursor"] }))
        .await;
    let changes = rest["catalogChanges"]["changes"].as_array().unwrap();
    let kinds: Vec<&str> = changes
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    // Published again after its tombstone, it is new to a mirror that deleted it.
    assert_eq!(kinds, ["ARCHIVED", "CREATED"]);
    assert!(
        changes[0]["service"].is_null(),
        "a tombstone carries no record"
    );
    assert_eq!(changes[1]["service"]["status"], "PUBLISHED");
    assert_eq!(rest["catalogChanges"]["hasMore"], false);
    // Read one entry at a time, the feed says the same.
    let mut cursor = seeded_end.clone();
    let mut one_by_one = Vec::new();
    loop {
        let page = app.data(FEED, json!({ "first": 1, "after": cursor })).await;
        let page = &page["catalogChanges"];
        one_by_one.extend(
            page["changes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["kind"].clone()),
        );
        cursor = page["cursor"].clone();
        if page["hasMore"] == false {
            break;
        }
    }
    let all: Vec<Value> = first["catalogChanges"]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .chain(changes)
        .map(|c| c["kind"].clone())
        .collect();
    assert_eq!(one_by_one, all);
    // Resuming at the end returns nothing new, with a cursor to poll again.
    let end = app
        .data(FEED, json!({ "after": rest["catalogChanges"]["cursor"] }))
        .await;
    assert_eq!(end["catalogChanges"]["changes"], json!([]));
    // Drafts never appear.
    assert!(!first.to_string().contains("IN_REVIEW") && !rest.to_string().contains("DRAFT"));
    let error = app.error(FEED, json!({ "after": "nope" })).await;
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT");
    let error = app.error(FEED, json!({ "first": 0 })).await;
    assert_eq!(error["extensions"]["field"], "first");
}

const IMPORT: &str = r#"mutation($input: ServicesImportInput!) { servicesImport(input: $input) {
    services { slug status } userErrors { field code message existingId } } }"#;

#[tokio::test]
async fn bulk_import_is_all_or_nothing_with_every_mistake_reported() {
    let app = TestApp::with_keys().await;
    let batch: Vec<Value> = (0..50)
        .map(|i| new_service(&format!("bulk-{i}"), "nys-dol"))
        .collect();
    let body = app
        .as_(Caller::Editor)
        .graphql(IMPORT, json!({ "input": { "services": batch } }))
        .await;
    let payload = &body["data"]["servicesImport"];
    assert_eq!(payload["userErrors"], json!([]), "{body}");
    assert_eq!(payload["services"].as_array().unwrap().len(), 50);
    assert_eq!(payload["services"][49]["slug"], "bulk-49");
    assert_eq!(payload["services"][0]["status"], "DRAFT");

    let count_before = app.service_count().await;
    let mut bad: Vec<Value> = (0..5)
        .map(|i| new_service(&format!("more-{i}"), "nys-dol"))
        .collect();
    bad[1]["channels"][0]["url"] = json!("not a url");
    bad[3]["slug"] = json!("bulk-7");
    bad[4]["name"] = json!(" ");
    let body = app
        .as_(Caller::Editor)
        .graphql(IMPORT, json!({ "input": { "services": bad } }))
        .await;
    let errors = body["data"]["servicesImport"]["userErrors"]
        .as_array()
        .unwrap()
        .clone();
    let fields: Vec<Value> = errors.iter().map(|e| e["field"].clone()).collect();
    assert!(
        fields.contains(&json!(["input", "services", "3", "slug"])),
        "{errors:?}"
    );
    assert!(errors.iter().find(|e| e["code"] == "TAKEN").unwrap()["existingId"].is_string());
    // Taken slugs are reported before validation; after fixing them, validation reports
    // every invalid item at once.
    bad[3]["slug"] = json!("more-3");
    let body = app
        .as_(Caller::Editor)
        .graphql(IMPORT, json!({ "input": { "services": bad } }))
        .await;
    let fields: Vec<Value> = body["data"]["servicesImport"]["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].clone())
        .collect();
    assert_eq!(
        fields,
        [
            json!(["input", "services", "1", "channels", "0", "url"]),
            json!(["input", "services", "4", "name"])
        ]
    );
    assert_eq!(app.service_count().await, count_before, "nothing written");

    // One foreign item forbids the whole import; size is bounded.
    let mixed = vec![
        new_service("ok-1", "nys-dol"),
        new_service("hra-1", "nyc-hra"),
    ];
    let body = app
        .as_(Caller::Editor)
        .graphql(IMPORT, json!({ "input": { "services": mixed } }))
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
    let too_many: Vec<Value> = (0..501)
        .map(|i| new_service(&format!("x-{i}"), "nys-dol"))
        .collect();
    let body = app
        .as_(Caller::Editor)
        .graphql(IMPORT, json!({ "input": { "services": too_many } }))
        .await;
    assert_eq!(
        body["data"]["servicesImport"]["userErrors"][0]["field"],
        json!(["input", "services"])
    );
    assert_eq!(app.service_count().await, count_before);
}

#[tokio::test]
async fn the_import_benchmark_registers_services_through_the_api() {
    let app = TestApp::empty().await;
    let report = civic_catalog::bench::import(app.catalog.connection().clone(), 30, 7)
        .await
        .unwrap();
    assert_eq!((report.services, report.batches), (30, 5));
    assert_eq!(
        service::Entity::find()
            .count(app.catalog.connection())
            .await
            .unwrap(),
        30
    );
    assert!(
        civic_catalog::bench::import(app.catalog.connection().clone(), 1, 1)
            .await
            .is_err(),
        "needs an empty database"
    );
}

#[tokio::test]
async fn an_import_names_slugs_and_external_ids_taken_before_or_twice_in_the_batch() {
    let app = TestApp::with_keys().await;
    let mut first = new_service("dol-first", "nys-dol");
    first["externalId"] = json!("DOL-1");
    let made = app
        .as_(Caller::Editor)
        .graphql(IMPORT, json!({ "input": { "services": [first] } }))
        .await;
    assert_eq!(
        made["data"]["servicesImport"]["userErrors"],
        json!([]),
        "{made}"
    );
    let id = app
        .as_(Caller::Editor)
        .graphql(r#"{ service(slug: "dol-first") { id } }"#, json!({}))
        .await["data"]["service"]["id"]
        .clone();

    let batch: Vec<Value> = [
        ("dol-first", None),
        ("dol-a", Some("DOL-1")),
        ("dol-b", Some("DOL-2")),
        ("dol-b", Some("DOL-2")),
    ]
    .into_iter()
    .map(|(slug, external)| {
        let mut s = new_service(slug, "nys-dol");
        s["externalId"] = json!(external);
        s
    })
    .collect();
    let revision = app.catalog.revision().await.unwrap();
    let body = app
        .as_(Caller::Editor)
        .graphql(IMPORT, json!({ "input": { "services": batch } }))
        .await;
    let errors: Vec<(Value, String, Value)> = body["data"]["servicesImport"]["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].clone(),
                e["message"].as_str().unwrap().to_owned(),
                e["existingId"].clone(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        [
            (
                json!(["input", "services", "0", "slug"]),
                "the slug `dol-first` is taken".to_owned(),
                id.clone()
            ),
            (
                json!(["input", "services", "1", "externalId"]),
                "`DOL-1` is taken by `dol-first`".to_owned(),
                id
            ),
            (
                json!(["input", "services", "3", "slug"]),
                "`dol-b` appears twice in this import".to_owned(),
                Value::Null
            ),
            (
                json!(["input", "services", "3", "externalId"]),
                "`DOL-2` appears twice in this import".to_owned(),
                Value::Null
            ),
        ]
    );
    assert_eq!(
        app.catalog.revision().await.unwrap(),
        revision,
        "nothing committed"
    );
}

/// The audit filter is checked in the catalog, after the caller: a record that changes are
/// not recorded on is a mistake at `filter.record`, an unknown agency matches nothing, and
/// anonymous callers learn only that they need a key.
#[tokio::test]
async fn the_audit_filter_is_checked_after_the_caller() {
    let app = TestApp::with_keys().await;
    let channel = app
        .data(
            r#"{ service(slug: "nys-unemployment-insurance") { channels { id } } }"#,
            json!({}),
        )
        .await["service"]["channels"][0]["id"]
        .clone();
    let query = "query($filter: AuditFilter) { auditEvents(first: 5, filter: $filter) { nodes { action } } }";
    let by_channel = json!({ "filter": { "record": channel } });
    let refused = app
        .as_(Caller::Admin)
        .graphql(query, by_channel.clone())
        .await;
    let error = crate::helpers::first_error(&refused);
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{refused}");
    assert_eq!(error["extensions"]["field"], "filter.record", "{refused}");
    let anonymous = app.as_(Caller::Anonymous).graphql(query, by_channel).await;
    assert_eq!(
        crate::helpers::first_error(&anonymous)["extensions"]["code"],
        "UNAUTHENTICATED",
        "{anonymous}"
    );
    let nobody = app
        .as_(Caller::Admin)
        .graphql(query, json!({ "filter": { "agency": "no-such-agency" } }))
        .await;
    assert_eq!(
        nobody["data"]["auditEvents"]["nodes"],
        json!([]),
        "{nobody}"
    );
    let dol = app
        .as_(Caller::Admin)
        .graphql(query, json!({ "filter": { "agency": "nys-dol" } }))
        .await;
    assert!(
        !dol["data"]["auditEvents"]["nodes"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{dol}"
    );
}

/// Runs a bulk workflow step (`servicesSubmitForReview`, `servicesPublish`) as `caller` and
/// returns the whole body.
async fn bulk(app: &TestApp, caller: Caller, name: &str, ids: Value) -> Value {
    let query = format!(
        "mutation($input: ServicesStepInput!) {{ {name}(input: $input) {{ services {{ slug status }} userErrors {{ field message code }} }} }}"
    );
    app.as_(caller)
        .graphql(&query, json!({ "input": { "ids": ids } }))
        .await
}

#[tokio::test]
async fn services_move_through_review_in_bulk_all_or_nothing_each_audited() {
    let app = TestApp::with_keys().await;
    let mut ids = Vec::new();
    for slug in ["bulk-a", "bulk-b", "bulk-c", "bulk-d"] {
        ids.push(create_draft(&app, Caller::Editor, slug, "nys-dol").await);
    }
    let audits = app.audit_count().await;
    let submitted = bulk(
        &app,
        Caller::Editor,
        "servicesSubmitForReview",
        json!(ids[..3]),
    )
    .await;
    let payload = &submitted["data"]["servicesSubmitForReview"];
    assert_eq!(payload["userErrors"], json!([]), "{submitted}");
    assert_eq!(
        payload["services"],
        json!([{ "slug": "bulk-a", "status": "IN_REVIEW" }, { "slug": "bulk-b", "status": "IN_REVIEW" },
               { "slug": "bulk-c", "status": "IN_REVIEW" }])
    );
    assert_eq!(app.audit_count().await, audits + 3, "one event each");

    // One malformed id and one draft: every mistake named where it sits, nothing written.
    let mixed = json!([ids[0], ids[1], "not-an-id", ids[3]]);
    let refused = bulk(&app, Caller::Reviewer, "servicesPublish", mixed).await;
    let payload = &refused["data"]["servicesPublish"];
    assert_eq!(payload["services"], json!([]), "{refused}");
    let errors: Vec<(Value, Value)> = payload["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].clone(), e["code"].clone()))
        .collect();
    assert_eq!(
        errors,
        [
            (json!(["input", "ids", "2"]), json!("INVALID")),
            (json!(["input", "ids", "3"]), json!("INVALID_TRANSITION")),
        ]
    );
    assert_eq!(app.audit_count().await, audits + 3);
    assert_eq!(app.service_as_admin("bulk-a").await["status"], "IN_REVIEW");

    let published = bulk(&app, Caller::Reviewer, "servicesPublish", json!(ids[..3])).await;
    assert_eq!(
        published["data"]["servicesPublish"]["userErrors"],
        json!([]),
        "{published}"
    );
    assert_eq!(app.audit_count().await, audits + 6);
    let public = app
        .data(r#"{ service(slug: "bulk-b") { status } }"#, json!({}))
        .await;
    assert_eq!(public["service"]["status"], "PUBLISHED");

    // Permissions hold for every item; an empty list is a user error.
    let foreign = bulk(
        &app,
        Caller::ForeignEditor,
        "servicesSubmitForReview",
        json!([ids[3]]),
    )
    .await;
    assert_eq!(
        foreign["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{foreign}"
    );
    let empty = bulk(&app, Caller::Editor, "servicesSubmitForReview", json!([])).await;
    assert_eq!(
        empty["data"]["servicesSubmitForReview"]["userErrors"][0]["field"],
        json!(["input", "ids"])
    );
    assert_eq!(app.service_as_admin("bulk-d").await["status"], "DRAFT");
}
