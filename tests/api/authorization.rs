//! Every role against every mutation beyond the service workflow (which `workflow` walks):
//! service parts, bulk import, administration and keys. An allowed call succeeds and
//! commits; a refused one is `UNAUTHENTICATED` or `FORBIDDEN` and commits nothing, which
//! the catalog revision shows (every committed write moves it) along with the audit trail.

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::gql_as;
use crate::helpers::run;
use crate::workflow::{CREATE, new_service};

/// What a mutation needs to exist before it is called.
#[derive(Clone, Copy, PartialEq)]
enum Needs {
    /// A DOL draft with two channels, a life-event link and a relation.
    Service,
    /// A fresh jurisdiction, agency with a CSSP designation, life event, criterion and API key.
    Admin,
}

/// The records a case acts on, made fresh by the admin for each call.
#[derive(Default)]
struct Fixture {
    n: usize,
    /// The seeded Unemployment Insurance service, a relation target.
    ui: Value,
    service: Value,
    service_version: Value,
    channel: Value,
    jurisdiction: Value,
    agency: Value,
    life_event: Value,
    stages: Vec<Value>,
    criterion: Value,
    key: Value,
}

async fn fixture(app: &TestApp, admin: &str, needs: Needs, n: usize, ui: &Value) -> Fixture {
    let mut f = Fixture {
        n,
        ui: ui.clone(),
        ..Fixture::default()
    };
    match needs {
        Needs::Service => {
            let created = app
                .with_token(admin)
                .graphql(
                    CREATE,
                    json!({ "input": new_service(&format!("authz-{n}"), "nys-dol") }),
                )
                .await;
            f.service = created["data"]["serviceCreate"]["service"]["id"].clone();
            let added = run(
                app,
                admin,
                "channelAdd",
                "channel { id }",
                json!({ "serviceId": f.service,
                "channel": { "kind": "PHONE", "label": "Call", "phone": "311" } }),
            )
            .await;
            f.channel = added["channel"]["id"].clone();
            run(
                app,
                admin,
                "serviceLinkLifeEvent",
                "service { id }",
                json!({ "id": f.service, "lifeEvent": "job-loss",
                "stage": "find-next-job", "relevance": "CORE", "reason": "Training." }),
            )
            .await;
            let related = run(
                app,
                admin,
                "serviceRelationAdd",
                "service { version }",
                json!({ "id": f.service,
                "to": f.ui, "kind": "COMPLEMENTS", "reason": "Both help." }),
            )
            .await;
            f.service_version = related["service"]["version"].clone();
        }
        Needs::Admin => {
            let jurisdiction = run(
                app,
                admin,
                "jurisdictionCreate",
                "jurisdiction { id }",
                json!({ "code": format!("US-NY-F{n}"), "name": "County", "kind": "COUNTY", "parent": "US-NY" }),
            )
            .await;
            f.jurisdiction = jurisdiction["jurisdiction"]["id"].clone();
            let agency = run(
                app,
                admin,
                "agencyCreate",
                "agency { id }",
                json!({ "slug": format!("authz-agency-{n}"),
                "name": "Agency", "jurisdiction": "US-NY", "description": "For the matrix." }),
            )
            .await;
            f.agency = agency["agency"]["id"].clone();
            run(app, admin, "csspDesignate", "agency { id }", json!({ "agency": f.agency, "designatedOn": "2026-01-01", "basis": ["HIGH_IMPACT"] })).await;
            let event = run(app, admin, "lifeEventCreate", "lifeEvent { id stages { id } }", json!({ "slug": format!("authz-event-{n}"),
                "name": "Event", "description": "For the matrix.", "stages": [
                    { "slug": "one", "name": "One", "description": "First." }, { "slug": "two", "name": "Two", "description": "Second." }] })).await;
            f.life_event = event["lifeEvent"]["id"].clone();
            f.stages = event["lifeEvent"]["stages"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["id"].clone())
                .collect();
            let criterion = run(
                app,
                admin,
                "criterionCreate",
                "criterion { id }",
                json!({ "key": format!("authz-criterion-{n}"),
                "label": "Question?", "description": "For the matrix.", "kind": "BOOLEAN" }),
            )
            .await;
            f.criterion = criterion["criterion"]["id"].clone();
            let key = run(
                app,
                admin,
                "apiKeyCreate",
                "apiKey { id }",
                json!({ "name": format!("Key {n}"), "role": "REVIEWER" }),
            )
            .await;
            f.key = key["apiKey"]["id"].clone();
        }
    }
    f
}

type Case = (
    &'static str,
    Needs,
    &'static [&'static str],
    fn(&Fixture) -> Value,
);

const EDITORS: &[&str] = &["editor", "admin"];
const ADMINS: &[&str] = &["admin"];

fn cases() -> Vec<Case> {
    vec![
        (
            "channelAdd",
            Needs::Service,
            EDITORS,
            |f| json!({ "serviceId": f.service, "channel": { "kind": "EMAIL", "label": "Write", "email": "help@labor.ny.gov" } }),
        ),
        (
            "channelUpdate",
            Needs::Service,
            EDITORS,
            |f| json!({ "id": f.channel, "expectedVersion": f.service_version, "label": "Call us" }),
        ),
        (
            "channelRemove",
            Needs::Service,
            EDITORS,
            |f| json!({ "id": f.channel }),
        ),
        (
            "serviceLinkLifeEvent",
            Needs::Service,
            EDITORS,
            |f| json!({ "id": f.service, "lifeEvent": "job-loss", "stage": "replace-income", "relevance": "SUPPORTING", "reason": "Pay." }),
        ),
        (
            "serviceUnlinkLifeEvent",
            Needs::Service,
            EDITORS,
            |f| json!({ "id": f.service, "lifeEvent": "job-loss" }),
        ),
        (
            "serviceRelationAdd",
            Needs::Service,
            EDITORS,
            |f| json!({ "id": f.service, "to": f.ui, "kind": "FOLLOW_UP", "reason": "Next." }),
        ),
        (
            "serviceRelationRemove",
            Needs::Service,
            EDITORS,
            |f| json!({ "id": f.service, "to": f.ui, "kind": "COMPLEMENTS" }),
        ),
        (
            "serviceEligibilitySet",
            Needs::Service,
            EDITORS,
            |f| json!({ "id": f.service, "groups": [{ "rules": [{ "criterion": "facing-eviction", "operator": "IS_TRUE" }] }] }),
        ),
        (
            "serviceUpdate",
            Needs::Service,
            EDITORS,
            |f| json!({ "id": f.service, "expectedVersion": f.service_version, "requiredDocuments": [{ "name": "Proof of identity" }], "languages": ["es"] }),
        ),
        (
            "servicesImport",
            Needs::Service,
            EDITORS,
            |f| json!({ "services": [new_service(&format!("authz-import-{}", f.n), "nys-dol")] }),
        ),
        (
            "jurisdictionCreate",
            Needs::Admin,
            ADMINS,
            |f| json!({ "code": format!("US-NY-N{}", f.n), "name": "New", "kind": "CITY", "parent": "US-NY" }),
        ),
        (
            "jurisdictionUpdate",
            Needs::Admin,
            ADMINS,
            |f| json!({ "id": f.jurisdiction, "expectedVersion": 1, "name": "Renamed" }),
        ),
        (
            "agencyCreate",
            Needs::Admin,
            ADMINS,
            |f| json!({ "slug": format!("authz-new-{}", f.n), "name": "New", "jurisdiction": "US-NY", "description": "New." }),
        ),
        (
            "agencyUpdate",
            Needs::Admin,
            ADMINS,
            |f| json!({ "id": f.agency, "expectedVersion": 2, "name": "Renamed" }),
        ),
        (
            "csspDesignate",
            Needs::Admin,
            ADMINS,
            |f| json!({ "agency": f.agency, "designatedOn": "2026-02-01", "basis": ["LARGE_CUSTOMER_BASE"] }),
        ),
        (
            "csspRevoke",
            Needs::Admin,
            ADMINS,
            |f| json!({ "agency": f.agency }),
        ),
        (
            "lifeEventCreate",
            Needs::Admin,
            ADMINS,
            |f| json!({ "slug": format!("authz-new-event-{}", f.n), "name": "New", "description": "New.", "stages": [{ "slug": "a", "name": "A", "description": "A." }] }),
        ),
        (
            "lifeEventUpdate",
            Needs::Admin,
            ADMINS,
            |f| json!({ "id": f.life_event, "expectedVersion": 1, "name": "Renamed" }),
        ),
        (
            "journeyStageAdd",
            Needs::Admin,
            ADMINS,
            |f| json!({ "lifeEvent": f.life_event, "slug": "three", "name": "Three", "description": "Third." }),
        ),
        (
            "journeyStageUpdate",
            Needs::Admin,
            ADMINS,
            |f| json!({ "id": f.stages[0], "expectedVersion": 1, "name": "Uno" }),
        ),
        (
            "journeyStageRemove",
            Needs::Admin,
            ADMINS,
            |f| json!({ "id": f.stages[1] }),
        ),
        (
            "journeyStageReorder",
            Needs::Admin,
            ADMINS,
            |f| json!({ "lifeEvent": f.life_event, "stages": [f.stages[1], f.stages[0]] }),
        ),
        (
            "criterionCreate",
            Needs::Admin,
            ADMINS,
            |f| json!({ "key": format!("authz-new-criterion-{}", f.n), "label": "Q?", "description": "New.", "kind": "NUMBER" }),
        ),
        (
            "criterionUpdate",
            Needs::Admin,
            ADMINS,
            |f| json!({ "id": f.criterion, "expectedVersion": 1, "label": "Q2?" }),
        ),
        (
            "apiKeyCreate",
            Needs::Admin,
            ADMINS,
            |f| json!({ "name": format!("New key {}", f.n), "role": "EDITOR", "agency": "nys-dol" }),
        ),
        (
            "apiKeyRevoke",
            Needs::Admin,
            ADMINS,
            |f| json!({ "id": f.key }),
        ),
    ]
}

#[tokio::test]
async fn every_role_against_every_part_admin_and_key_mutation() {
    let app = TestApp::with_keys().await;
    let keys = app.keys();
    let ui = app
        .data(
            r#"{ service(slug: "nys-unemployment-insurance") { id } }"#,
            json!({}),
        )
        .await["service"]["id"]
        .clone();
    let callers: [(&str, Option<&str>); 5] = [
        ("anonymous", None),
        ("editor", Some(&keys.editor)),
        ("foreign editor", Some(&keys.foreign_editor)),
        ("reviewer", Some(&keys.reviewer)),
        ("admin", Some(&keys.admin)),
    ];
    let audits = async || app.audit_count().await;
    let mut n = 0;
    for (name, needs, allowed, input) in cases() {
        for (caller, token) in callers {
            n += 1;
            let f = fixture(&app, &keys.admin, needs, n, &ui).await;
            let input_type = format!("{}{}Input", name[..1].to_uppercase(), &name[1..]);
            let query = format!(
                "mutation($input: {input_type}!) {{ {name}(input: $input) {{ userErrors {{ field code message }} }} }}"
            );
            let (revision, audit_count) = (app.catalog.revision().await.unwrap(), audits().await);
            let body = gql_as(&app, token, &query, json!({ "input": input(&f) })).await;
            let (revision_after, audit_after) =
                (app.catalog.revision().await.unwrap(), audits().await);
            if allowed.contains(&caller) {
                assert_eq!(
                    body["data"][name]["userErrors"],
                    json!([]),
                    "{caller} {name}: {body}"
                );
                assert!(
                    revision_after > revision,
                    "{caller} {name} committed nothing"
                );
                assert!(audit_after > audit_count, "{caller} {name} was not audited");
            } else {
                let expected = if token.is_none() {
                    "UNAUTHENTICATED"
                } else {
                    "FORBIDDEN"
                };
                assert_eq!(
                    body["errors"][0]["extensions"]["code"], expected,
                    "{caller} {name}: {body}"
                );
                assert!(
                    body["data"].is_null() || body["data"][name].is_null(),
                    "{caller} {name}: {body}"
                );
                assert_eq!(
                    (revision_after, audit_after),
                    (revision, audit_count),
                    "{caller} {name} changed the catalog"
                );
            }
        }
    }
}

/// Every mutation of the schema, by name.
fn mutation_names() -> Vec<String> {
    let sdl = civic_catalog::graphql::sdl();
    let body = sdl
        .split("type MutationRoot {")
        .nth(1)
        .and_then(|rest| rest.split("\n}").next())
        .expect("MutationRoot in the SDL");
    body.lines()
        .filter_map(|line| line.strip_prefix('\t'))
        .filter_map(|line| line.split(['(', ':']).next())
        .filter(|name| !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric()))
        .filter(|name| !civic_catalog::graphql::limits::ANONYMOUS_MUTATIONS.contains(name))
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn an_anonymous_caller_gets_unauthenticated_for_every_mutation_whatever_its_input() {
    let app = TestApp::seeded().await;
    let names = mutation_names();
    assert!(names.len() > 20, "{names:?}");
    let before = app.sql_statements().await;
    for name in &names {
        // Input that would not even validate, and input that names an unknown agency.
        for query in [
            format!("mutation {{ {name}(input: {{ nonsense: 1 }}) {{ __typename }} }}"),
            format!(
                "mutation {{ {name}(input: {{ services: [{{ slug: \"hidden-draft\", agency: \"no-such\" }}] }}) {{ __typename }} }}"
            ),
        ] {
            let body = app.graphql(&query, json!({})).await;
            assert_eq!(
                body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
                "{name}: {body}"
            );
            assert!(body.get("data").is_none(), "{name}: {body}");
            assert!(!body.to_string().contains("existingId"), "{body}");
        }
    }
    assert_eq!(
        app.sql_statements().await,
        before,
        "nothing was read or locked"
    );
}

#[tokio::test]
async fn no_answer_says_that_a_draft_the_caller_may_not_read_exists() {
    use crate::helpers::Caller;
    let app = TestApp::with_keys().await;
    // An HRA editor's draft, which DOL's editor may not read.
    let created = app
        .as_(Caller::ForeignEditor)
        .graphql(
            CREATE,
            json!({ "input": new_service("hra-secret-plan", "nyc-hra") }),
        )
        .await;
    let hidden = created["data"]["serviceCreate"]["service"]["id"].clone();
    assert!(hidden.is_string(), "{created}");

    let editor = app.as_(Caller::Editor);
    let create = editor
        .graphql(
            CREATE,
            json!({ "input": new_service("hra-secret-plan", "nys-dol") }),
        )
        .await;
    let error = &create["data"]["serviceCreate"]["userErrors"][0];
    assert_eq!(error["code"], "TAKEN", "{create}");
    assert!(
        error.get("existingId").is_none_or(Value::is_null),
        "{create}"
    );
    assert_eq!(
        error["message"],
        "`hra-secret-plan` is not available: choose another"
    );

    let import = editor
        .mutate(
            "servicesImport",
            "services { id }",
            json!({ "services": [new_service("hra-secret-plan", "nys-dol")] }),
        )
        .await;
    let error = &import["userErrors"][0];
    assert_eq!(error["code"], "TAKEN", "{import}");
    assert!(error["existingId"].is_null(), "{import}");
    assert!(
        !import.to_string().contains(hidden.as_str().unwrap()),
        "{import}"
    );

    // An admin may read the draft, so is told which service holds the slug.
    let import = app
        .as_(Caller::Admin)
        .mutate(
            "servicesImport",
            "services { id }",
            json!({ "services": [new_service("hra-secret-plan", "nys-dol")] }),
        )
        .await;
    assert_eq!(import["userErrors"][0]["existingId"], hidden, "{import}");

    // Relating a service to the hidden draft: not found, in words without a row id.
    let own = editor
        .graphql(
            CREATE,
            json!({ "input": new_service("dol-own-plan", "nys-dol") }),
        )
        .await;
    let own = own["data"]["serviceCreate"]["service"]["id"].clone();
    let related = editor
        .mutate(
            "serviceRelationAdd",
            "service { id }",
            json!({ "id": own, "to": hidden, "kind": "REQUIRES", "reason": "Probe." }),
        )
        .await;
    let error = &related["userErrors"][0];
    assert_eq!(error["code"], "NOT_FOUND", "{related}");
    assert_eq!(error["field"], json!(["input", "to"]));
    let message = error["message"].as_str().unwrap();
    assert!(!message.chars().any(|c| c.is_ascii_digit()), "{message}");
}
