//! Editing services after creation: the parts mutations (channels, life-event links,
//! relations, eligibility rules, lists) on drafts, and pending revisions of published
//! services, which residents do not see until a reviewer publishes them.

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::run as mutate;
use crate::helpers::{Caller, Keys, gql_as};
use crate::workflow::{CREATE, new_service, step_mutation};

const SERVICE_FIELDS: &str = "id status version isPendingRevision name";

/// Creates a DOL draft as the editor and returns its id.
async fn draft(app: &TestApp, keys: &Keys, slug: &str) -> Value {
    let created = gql_as(
        app,
        Some(&keys.editor),
        CREATE,
        json!({ "input": new_service(slug, "nys-dol") }),
    )
    .await;
    created["data"]["serviceCreate"]["service"]["id"].clone()
}

/// Takes a service through review to publication, as its editor and the reviewer.
async fn publish(app: &TestApp, keys: &Keys, id: &Value) {
    for (token, name, ty) in [
        (
            &keys.editor,
            "serviceSubmitForReview",
            "ServiceSubmitForReviewInput",
        ),
        (&keys.reviewer, "servicePublish", "ServicePublishInput"),
    ] {
        let body = app
            .with_token(token)
            .graphql(&step_mutation(name, ty), json!({ "input": { "id": id } }))
            .await;
        assert_eq!(
            body["data"][name]["userErrors"],
            json!([]),
            "{name}: {body}"
        );
    }
}

const READ: &str = r#"query($slug: String!) { service(slug: $slug) {
    id name version status channels { id label } lifeEvents { lifeEvent { slug } stage { slug } relevance reason }
    relatedServices { kind direction reason service { slug } } eligibilityRules { operator value criterion { key } }
    requiredDocuments { name } languages { code } jurisdictions { code }
    pendingRevision { id name version status isPendingRevision channels { id label } } } }"#;

async fn read(app: &TestApp, token: Option<&str>, slug: &str) -> Value {
    let body = gql_as(app, token, READ, json!({ "slug": slug })).await;
    assert!(body.get("errors").is_none(), "{body:#}");
    body["data"]["service"].clone()
}

#[tokio::test]
async fn editors_change_a_drafts_parts_one_at_a_time() {
    let app = TestApp::with_keys().await;
    let keys = app.keys();
    let id = draft(&app, keys, "dol-edit-parts").await;
    let t = keys.editor.as_str();

    let linked = mutate(
        &app,
        t,
        "serviceLinkLifeEvent",
        &format!("service {{ {SERVICE_FIELDS} }}"),
        json!({ "id": id, "expectedVersion": 1, "lifeEvent": "job-loss", "stage": "find-next-job",
                "relevance": "SUPPORTING", "reason": "Paid training while you look for work." }),
    )
    .await;
    assert_eq!(linked["userErrors"], json!([]));
    assert_eq!(linked["service"]["version"], 2);
    assert_eq!(linked["service"]["isPendingRevision"], false);
    // Linking again changes the link instead of adding one.
    let relinked = mutate(
        &app,
        t,
        "serviceLinkLifeEvent",
        "service { version }",
        json!({ "id": id, "lifeEvent": "job-loss", "stage": "replace-income",
                "relevance": "CORE", "reason": "Earn while you learn." }),
    )
    .await;
    assert_eq!(relinked["service"]["version"], 3);

    let ui = app
        .data(
            r#"{ service(slug: "nys-unemployment-insurance") { id } }"#,
            json!({}),
        )
        .await["service"]["id"]
        .clone();
    let related = mutate(&app, t, "serviceRelationAdd", "service { version }",
        json!({ "id": id, "to": ui, "kind": "COMPLEMENTS", "reason": "Training fits alongside benefits." })).await;
    assert_eq!(related["userErrors"], json!([]));
    let twice = mutate(
        &app,
        t,
        "serviceRelationAdd",
        "service { version }",
        json!({ "id": id, "to": ui, "kind": "COMPLEMENTS", "reason": "Again." }),
    )
    .await;
    assert_eq!(twice["userErrors"][0]["code"], "TAKEN");
    let itself = mutate(
        &app,
        t,
        "serviceRelationAdd",
        "service { version }",
        json!({ "id": id, "to": id, "kind": "REQUIRES", "reason": "Loop." }),
    )
    .await;
    assert_eq!(itself["userErrors"][0]["field"], json!(["input", "to"]));

    let rules = mutate(&app, t, "serviceEligibilitySet", "service { version }",
        json!({ "id": id, "groups": [{ "mode": "ALL", "rules": [
            { "criterion": "birth-date", "operator": "AT_LEAST_YEARS_AGO", "value": 16 },
            { "criterion": "employment-status", "operator": "ONE_OF", "value": ["unemployed"] } ] }] })).await;
    assert_eq!(rules["userErrors"], json!([]), "{rules}");

    let added = mutate(&app, t, "channelAdd", "channel { id kind category label phone } service { version }",
        json!({ "serviceId": id, "channel": { "kind": "PHONE", "label": "Call the hotline", "phone": "1-888-469-7365" } })).await;
    assert_eq!(added["channel"]["category"], "HUMAN");
    let phone_id = added["channel"]["id"].clone();
    let updated = mutate(&app, t, "channelUpdate", "channel { id label hours } service { version }",
        json!({ "id": phone_id, "expectedVersion": added["service"]["version"], "label": "Call us", "hours": "Mon-Fri 8am-5pm" })).await;
    assert_eq!(updated["channel"]["id"], phone_id);
    assert_eq!(
        (
            updated["channel"]["label"].as_str(),
            updated["channel"]["hours"].as_str()
        ),
        (Some("Call us"), Some("Mon-Fri 8am-5pm"))
    );

    let lists = mutate(&app, t, "serviceUpdate", "service { version }",
        json!({ "id": id, "expectedVersion": updated["service"]["version"],
                "requiredDocuments": [{ "name": "Proof of identity", "description": "A driver license or passport." }],
                "languages": ["en", "es"], "jurisdictions": ["US-NY"] })).await;
    assert_eq!(lists["userErrors"], json!([]), "{lists}");

    let seen = read(&app, Some(t), "dol-edit-parts").await;
    assert_eq!(
        seen["lifeEvents"],
        json!([{ "lifeEvent": { "slug": "job-loss" }, "stage": { "slug": "replace-income" },
        "relevance": "CORE", "reason": "Earn while you learn." }])
    );
    assert_eq!(
        seen["relatedServices"][0]["service"]["slug"],
        "nys-unemployment-insurance"
    );
    assert_eq!(seen["eligibilityRules"].as_array().unwrap().len(), 2);
    assert_eq!(seen["channels"].as_array().unwrap().len(), 2);
    assert_eq!(
        seen["requiredDocuments"],
        json!([{ "name": "Proof of identity" }])
    );
    assert_eq!(
        seen["languages"],
        json!([{ "code": "en" }, { "code": "es" }])
    );
    assert_eq!(seen["version"], lists["service"]["version"]);

    // Removing parts; the last channel stays.
    let v = seen["version"].clone();
    let unlinked = mutate(
        &app,
        t,
        "serviceUnlinkLifeEvent",
        "service { version }",
        json!({ "id": id, "expectedVersion": v, "lifeEvent": "job-loss" }),
    )
    .await;
    assert_eq!(unlinked["userErrors"], json!([]));
    let again = mutate(
        &app,
        t,
        "serviceUnlinkLifeEvent",
        "service { version }",
        json!({ "id": id, "lifeEvent": "job-loss" }),
    )
    .await;
    assert_eq!(again["userErrors"][0]["code"], "NOT_FOUND");
    let removed = mutate(
        &app,
        t,
        "serviceRelationRemove",
        "service { version }",
        json!({ "id": id, "to": ui, "kind": "COMPLEMENTS" }),
    )
    .await;
    assert_eq!(removed["userErrors"], json!([]));
    let cleared = mutate(
        &app,
        t,
        "serviceEligibilitySet",
        "service { version }",
        json!({ "id": id, "groups": [] }),
    )
    .await;
    assert_eq!(cleared["userErrors"], json!([]));
    let gone = mutate(
        &app,
        t,
        "channelRemove",
        "service { version }",
        json!({ "id": phone_id }),
    )
    .await;
    assert_eq!(gone["userErrors"], json!([]));
    let first_channel = seen["channels"][0]["id"].clone();
    let last = mutate(
        &app,
        t,
        "channelRemove",
        "service { version }",
        json!({ "id": first_channel }),
    )
    .await;
    assert_eq!(last["userErrors"][0]["code"], "INVALID");
    let seen = read(&app, Some(t), "dol-edit-parts").await;
    assert_eq!(
        (
            seen["lifeEvents"].clone(),
            seen["relatedServices"].clone(),
            seen["eligibilityRules"].clone()
        ),
        (json!([]), json!([]), json!([]))
    );
    assert_eq!(seen["channels"].as_array().unwrap().len(), 1);

    // Every change is in the history, newest first.
    let history = app
        .with_token(t)
        .graphql(
            r#"{ service(slug: "dol-edit-parts") { history { action before after } } }"#,
            json!({}),
        )
        .await;
    let actions: Vec<String> = history["data"]["service"]["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        actions[..5],
        [
            "service.channelRemove",
            "service.eligibilitySet",
            "service.relationRemove",
            "service.unlinkLifeEvent",
            "service.update"
        ]
    );
    assert!(
        actions.contains(&"service.channelAdd".to_owned())
            && actions.contains(&"service.linkLifeEvent".to_owned())
    );
}

#[tokio::test]
async fn part_mutations_report_fixable_mistakes_and_change_nothing() {
    let app = TestApp::with_keys().await;
    let keys = app.keys();
    let id = draft(&app, keys, "dol-mistakes").await;
    let t = keys.editor.as_str();
    let cases: Vec<(&str, Value, &str, Value)> = vec![
        (
            "serviceLinkLifeEvent",
            json!({ "id": id, "lifeEvent": "no-such-event", "stage": "x", "relevance": "CORE", "reason": "r" }),
            "INVALID",
            json!(["input", "lifeEvent"]),
        ),
        (
            "serviceLinkLifeEvent",
            json!({ "id": id, "lifeEvent": "job-loss", "stage": "no-such-stage", "relevance": "CORE", "reason": "r" }),
            "INVALID",
            json!(["input", "stage"]),
        ),
        (
            "serviceLinkLifeEvent",
            json!({ "id": id, "lifeEvent": "job-loss", "stage": "replace-income", "relevance": "CORE", "reason": "  " }),
            "INVALID",
            json!(["input", "reason"]),
        ),
        (
            "serviceLinkLifeEvent",
            json!({ "id": id, "expectedVersion": 9, "lifeEvent": "job-loss", "stage": "replace-income", "relevance": "CORE", "reason": "r" }),
            "STALE",
            json!(["input", "expectedVersion"]),
        ),
        (
            "serviceEligibilitySet",
            json!({ "id": id, "groups": [{ "rules": [{ "criterion": "no-such", "operator": "IS_TRUE" }] }] }),
            "INVALID",
            json!(["input", "groups", "0", "rules", "0", "criterion"]),
        ),
        (
            "serviceEligibilitySet",
            json!({ "id": id, "groups": [{ "rules": [{ "criterion": "household-size", "operator": "GTE", "value": "many" }] }] }),
            "INVALID",
            json!(["input", "groups", "0", "rules", "0", "value"]),
        ),
        (
            "serviceEligibilitySet",
            json!({ "id": id, "groups": [{ "rules": [] }] }),
            "INVALID",
            json!(["input", "groups", "0", "rules"]),
        ),
        (
            "channelAdd",
            json!({ "serviceId": id, "channel": { "kind": "EMAIL", "label": "Write", "email": "not-an-email" } }),
            "INVALID",
            json!(["input", "channel", "email"]),
        ),
        (
            "channelAdd",
            json!({ "serviceId": id, "channel": { "kind": "PHONE", "label": "Call", "phone": "call us" } }),
            "INVALID",
            json!(["input", "channel", "phone"]),
        ),
        (
            "channelAdd",
            json!({ "serviceId": id, "channel": { "kind": "WEBSITE", "label": "Web", "url": "ftp://x.gov" } }),
            "INVALID",
            json!(["input", "channel", "url"]),
        ),
        (
            "channelAdd",
            json!({ "serviceId": id, "channel": { "kind": "WEBSITE", "label": " " , "url": "https://x.gov" } }),
            "INVALID",
            json!(["input", "channel", "label"]),
        ),
        (
            "channelAdd",
            json!({ "serviceId": id, "channel": { "kind": "IN_PERSON", "label": "Visit" } }),
            "INVALID",
            json!(["input", "channel"]),
        ),
        (
            "channelAdd",
            json!({ "serviceId": "nope", "channel": { "kind": "IN_PERSON", "label": "Visit", "address": "1 Main St" } }),
            "INVALID",
            json!(["input", "serviceId"]),
        ),
        (
            "channelAdd",
            json!({ "serviceId": civic_catalog::graphql::node::global_id(civic_catalog::graphql::node::NodeKind::Service, 99_999).as_str(), "channel": { "kind": "IN_PERSON", "label": "Visit", "address": "1 Main St" } }),
            "NOT_FOUND",
            json!(["input", "serviceId"]),
        ),
        (
            "serviceRelationAdd",
            json!({ "id": id, "to": civic_catalog::graphql::node::global_id(civic_catalog::graphql::node::NodeKind::Service, 99_999).as_str(), "kind": "REQUIRES", "reason": "r" }),
            "NOT_FOUND",
            json!(["input", "to"]),
        ),
        (
            "serviceUpdate",
            json!({ "id": id, "expectedVersion": 1, "jurisdictions": [] }),
            "INVALID",
            json!(["input", "jurisdictions"]),
        ),
        (
            "serviceUpdate",
            json!({ "id": id, "expectedVersion": 1, "jurisdictions": ["US-ZZ"] }),
            "INVALID",
            json!(["input", "jurisdictions", "0"]),
        ),
        (
            "serviceUpdate",
            json!({ "id": id, "expectedVersion": 1, "languages": ["xx"] }),
            "INVALID",
            json!(["input", "languages", "0"]),
        ),
        (
            "serviceUpdate",
            json!({ "id": id, "expectedVersion": 1, "requiredDocuments": [{ "name": "" }] }),
            "INVALID",
            json!(["input", "requiredDocuments", "0", "name"]),
        ),
        (
            "serviceUpdate",
            json!({ "id": id, "expectedVersion": 1, "name": "x".repeat(201) }),
            "INVALID",
            json!(["input", "name"]),
        ),
        (
            "serviceUpdate",
            json!({ "id": id, "expectedVersion": 1, "summary": "x".repeat(1001) }),
            "INVALID",
            json!(["input", "summary"]),
        ),
    ];
    for (name, input, code, field) in cases {
        let payload = mutate(&app, t, name, "", input.clone()).await;
        assert_eq!(
            payload["userErrors"][0]["code"], code,
            "{name} {input}: {payload}"
        );
        assert_eq!(
            payload["userErrors"][0]["field"], field,
            "{name} {input}: {payload}"
        );
    }
    let seen = read(&app, Some(t), "dol-mistakes").await;
    assert_eq!(seen["version"], 1, "nothing was written");
    assert_eq!(seen["lifeEvents"], json!([]));
    assert_eq!(seen["channels"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn editing_a_published_service_makes_a_pending_revision_residents_do_not_see() {
    let app = TestApp::with_keys().await;
    let keys = app.keys();
    let id = draft(&app, keys, "dol-revised").await;
    publish(&app, keys, &id).await;
    let t = keys.editor.as_str();
    let published = read(&app, None, "dol-revised").await;
    let channel_id = published["channels"][0]["id"].clone();
    let version = published["version"].clone();

    let edited = mutate(
        &app,
        t,
        "serviceUpdate",
        &format!("service {{ {SERVICE_FIELDS} }}"),
        json!({ "id": id, "expectedVersion": version, "name": "Registered Apprenticeship" }),
    )
    .await;
    assert_eq!(edited["userErrors"], json!([]), "{edited}");
    let revision = &edited["service"];
    assert_eq!(
        (
            revision["id"].clone(),
            revision["status"].as_str(),
            revision["isPendingRevision"].as_bool()
        ),
        (id.clone(), Some("DRAFT"), Some(true))
    );
    // A stale version of the revision is refused.
    let stale = mutate(
        &app,
        t,
        "serviceUpdate",
        "service { id }",
        json!({ "id": id, "expectedVersion": version, "name": "Other" }),
    )
    .await;
    assert_eq!(stale["userErrors"][0]["code"], "STALE");
    let added = mutate(&app, t, "channelAdd", "channel { id } service { version isPendingRevision }",
        json!({ "serviceId": id, "channel": { "kind": "PHONE", "label": "Call", "phone": "518-457-9000" } })).await;
    assert_eq!(added["service"]["isPendingRevision"], true);
    let relabelled = mutate(&app, t, "channelUpdate", "channel { id label }",
        json!({ "id": channel_id, "expectedVersion": added["service"]["version"], "label": "Apply online" })).await;
    assert_eq!(
        relabelled["channel"]["id"], channel_id,
        "a revised channel keeps its id"
    );

    // Residents, and the reviewer while it is a draft, still see the published version.
    let public = read(&app, None, "dol-revised").await;
    assert_eq!(public["name"], "New dol-revised");
    assert_eq!(public["channels"], published["channels"]);
    assert!(public["pendingRevision"].is_null());
    assert!(read(&app, Some(&keys.reviewer), "dol-revised").await["pendingRevision"].is_null());
    let own = read(&app, Some(t), "dol-revised").await;
    assert_eq!(own["name"], "New dol-revised");
    assert_eq!(own["pendingRevision"]["name"], "Registered Apprenticeship");
    assert_eq!(own["pendingRevision"]["id"], id);
    assert_eq!(
        own["pendingRevision"]["channels"][0],
        json!({ "id": channel_id, "label": "Apply online" })
    );
    let list = app
        .as_(Caller::Admin)
        .graphql(
            r#"{ services(first: 100, filter: {search: "dol-revised"}) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        list["data"]["services"]["totalCount"], 1,
        "a revision is not a second service"
    );

    // Submitting moves the revision; the service stays published and cannot be edited.
    let submitted = app
        .with_token(t)
        .graphql(
            &step_mutation("serviceSubmitForReview", "ServiceSubmitForReviewInput"),
            json!({ "input": { "id": id } }),
        )
        .await;
    // The answer is the revision that was submitted, not the published service.
    assert_eq!(
        submitted["data"]["serviceSubmitForReview"]["service"]["status"], "IN_REVIEW",
        "{submitted}"
    );
    let published = read(&app, Some(&keys.reviewer), "dol-revised").await;
    assert_eq!(published["status"], "PUBLISHED");
    let in_review = read(&app, Some(&keys.reviewer), "dol-revised").await;
    assert_eq!(in_review["pendingRevision"]["status"], "IN_REVIEW");
    let locked = mutate(&app, t, "serviceUpdate", "service { id }",
        json!({ "id": id, "expectedVersion": in_review["pendingRevision"]["version"], "name": "Late" })).await;
    assert_eq!(locked["userErrors"][0]["code"], "INVALID_TRANSITION");

    let feed_before = crate::workflow::feed_end(&app).await;
    let done = app
        .as_(Caller::Reviewer)
        .graphql(
            &step_mutation("servicePublish", "ServicePublishInput"),
            json!({ "input": { "id": id } }),
        )
        .await;
    assert_eq!(
        done["data"]["servicePublish"]["userErrors"],
        json!([]),
        "{done}"
    );
    let public = read(&app, None, "dol-revised").await;
    assert_eq!(public["name"], "Registered Apprenticeship");
    assert_eq!(public["id"], id);
    assert_eq!(
        public["channels"][0],
        json!({ "id": channel_id, "label": "Apply online" })
    );
    assert_eq!(public["channels"].as_array().unwrap().len(), 2);
    assert!(public["version"].as_i64() > in_review["pendingRevision"]["version"].as_i64());
    assert!(read(&app, Some(t), "dol-revised").await["pendingRevision"].is_null());
    let feed = app
        .data(
            "query($after: String) { catalogChanges(after: $after) { changes { kind slug } } }",
            json!({ "after": feed_before }),
        )
        .await;
    assert_eq!(
        feed["catalogChanges"]["changes"],
        json!([{ "kind": "UPDATED", "slug": "dol-revised" }])
    );

    // Archiving a published service discards its revision.
    mutate(
        &app,
        t,
        "serviceUpdate",
        "service { id }",
        json!({ "id": id, "expectedVersion": public["version"], "fees": "None" }),
    )
    .await;
    let archived = app
        .with_token(t)
        .graphql(
            &step_mutation("serviceArchive", "ServiceArchiveInput"),
            json!({ "input": { "id": id } }),
        )
        .await;
    assert_eq!(
        archived["data"]["serviceArchive"]["service"]["status"],
        "ARCHIVED"
    );
    let admin_view = read(&app, Some(&keys.admin), "dol-revised").await;
    assert!(admin_view["pendingRevision"].is_null());
    assert_eq!(admin_view["name"], "Registered Apprenticeship");
}

/// Editors racing on one version: exactly one wins, the others are told the service moved
/// on, and no update is lost or half-written.
#[tokio::test]
async fn concurrent_edits_of_one_version_let_exactly_one_through() {
    let app = TestApp::with_keys().await;
    let keys = app.keys();
    let id = draft(&app, keys, "dol-raced").await;
    let attempts = (0..8).map(|i| {
        let (app, token, id) = (&app, keys.editor.as_str(), id.clone());
        async move {
            mutate(
                app,
                token,
                "serviceUpdate",
                "service { name version }",
                json!({ "id": id, "expectedVersion": 1, "name": format!("Name {i}") }),
            )
            .await
        }
    });
    let results = futures_util::future::join_all(attempts).await;
    let winners: Vec<&Value> = results
        .iter()
        .filter(|r| r["userErrors"] == json!([]))
        .collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    assert!(
        results
            .iter()
            .filter(|r| r["userErrors"] != json!([]))
            .all(|r| r["userErrors"][0]["code"] == "STALE"),
        "{results:?}"
    );
    let seen = read(&app, Some(&keys.editor), "dol-raced").await;
    assert_eq!(
        (seen["name"].clone(), seen["version"].clone()),
        (winners[0]["service"]["name"].clone(), json!(2))
    );
}

/// The reviewer's queue: services in review, and published ones whose pending revision is
/// in review; nobody learns of a revision they cannot read.
#[tokio::test]
async fn reviewers_find_their_queue_with_the_status_and_awaiting_review_filters() {
    let app = TestApp::with_keys().await;
    let keys = app.keys();
    let fresh = draft(&app, keys, "dol-queue-new").await;
    let revised = draft(&app, keys, "dol-queue-revised").await;
    publish(&app, keys, &revised).await;
    draft(&app, keys, "dol-queue-draft").await;
    let submit = step_mutation("serviceSubmitForReview", "ServiceSubmitForReviewInput");
    app.as_(Caller::Editor)
        .graphql(&submit, json!({ "input": { "id": fresh } }))
        .await;
    let version = read(&app, Some(&keys.editor), "dol-queue-revised").await["version"].clone();
    let edited = mutate(
        &app,
        &keys.editor,
        "serviceUpdate",
        "service { id }",
        json!({ "id": revised, "expectedVersion": version, "name": "Revised name" }),
    )
    .await;
    assert_eq!(edited["userErrors"], json!([]), "{edited}");
    app.as_(Caller::Editor)
        .graphql(&submit, json!({ "input": { "id": revised } }))
        .await;

    let query = r#"query($filter: ServiceFilter) { services(first: 100, filter: $filter) { nodes { slug status } } }"#;
    let slugs = async |token: Option<&str>, filter: Value| -> Vec<String> {
        let body = gql_as(&app, token, query, json!({ "filter": filter })).await;
        body["data"]["services"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .iter()
            .map(|n| n["slug"].as_str().unwrap().to_owned())
            .filter(|s| s.starts_with("dol-queue"))
            .collect()
    };
    let queue = json!({ "awaitingReview": true });
    assert_eq!(
        slugs(Some(&keys.reviewer), queue.clone()).await,
        ["dol-queue-new", "dol-queue-revised"]
    );
    assert_eq!(
        slugs(Some(&keys.editor), queue.clone()).await,
        ["dol-queue-new", "dol-queue-revised"],
        "an editor sees its own agency's queue"
    );
    assert!(
        slugs(Some(&keys.foreign_editor), queue.clone())
            .await
            .is_empty()
    );
    assert!(
        slugs(None, queue).await.is_empty(),
        "anonymous callers learn of no revision"
    );
    assert_eq!(
        slugs(
            Some(&keys.reviewer),
            json!({ "awaitingReview": false, "agency": "nys-dol" })
        )
        .await,
        Vec::<String>::new(),
        "the reviewer cannot see the draft, and the others are in the queue"
    );
    assert_eq!(
        slugs(Some(&keys.editor), json!({ "status": "DRAFT" })).await,
        ["dol-queue-draft"]
    );
    assert_eq!(
        slugs(Some(&keys.editor), json!({ "status": "PUBLISHED" })).await,
        ["dol-queue-revised"]
    );
    assert!(slugs(None, json!({ "status": "DRAFT" })).await.is_empty());
    assert_eq!(
        slugs(
            Some(&keys.admin),
            json!({ "awaitingReview": false, "agency": "nys-dol" })
        )
        .await,
        ["dol-queue-draft"]
    );
}
