//! The state CX office administers agencies, CSSP designations, life events with their
//! journey stages, and eligibility criteria; every change is versioned and audited.

use serde_json::{Value, json};

use crate::helpers::{Caller, TestApp, run};

fn agency_input(slug: &str) -> Value {
    json!({ "slug": slug, "name": "Office of Digital Services", "acronym": "ODS", "jurisdiction": "US-NY",
            "parent": "nys-dol", "website": "https://ods.ny.gov", "phone": "518-555-0100",
            "description": "Builds the state's digital front door." })
}

#[tokio::test]
async fn admins_create_and_change_agencies_and_their_cssp_designation() {
    let app = TestApp::with_keys().await;
    let keys = app.keys();
    let admin = keys.admin.as_str();
    let sel = "agency { id slug name version website parent { slug } jurisdiction { code } cssp { designatedOn basis cxLead { name email } } }";
    let created = run(&app, admin, "agencyCreate", sel, agency_input("nys-ods")).await;
    assert_eq!(created["userErrors"], json!([]));
    let agency = created["agency"].clone();
    assert_eq!(
        (
            agency["version"].as_i64(),
            agency["parent"]["slug"].as_str()
        ),
        (Some(1), Some("nys-dol"))
    );
    let public = app
        .data(
            r#"{ agency(slug: "nys-ods") { name acronym jurisdiction { code } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(public["agency"]["acronym"], "ODS");

    let again = run(&app, admin, "agencyCreate", sel, agency_input("nys-ods")).await;
    assert_eq!(again["userErrors"][0]["code"], "TAKEN");
    assert_eq!(again["userErrors"][0]["existingId"], agency["id"]);
    for (field, value, path) in [
        ("website", json!("ods.ny.gov"), json!(["input", "website"])),
        ("phone", json!("ring us"), json!(["input", "phone"])),
        (
            "jurisdiction",
            json!("US-XX"),
            json!(["input", "jurisdiction"]),
        ),
        (
            "parent",
            json!("no-such-agency"),
            json!(["input", "parent"]),
        ),
        ("slug", json!("Not A Slug"), json!(["input", "slug"])),
        ("name", json!(""), json!(["input", "name"])),
    ] {
        let mut input = agency_input("nys-ods-2");
        input[field] = value;
        let refused = run(&app, admin, "agencyCreate", sel, input).await;
        assert_eq!(
            (
                refused["userErrors"][0]["code"].as_str(),
                refused["userErrors"][0]["field"].clone()
            ),
            (Some("INVALID"), path),
            "{field}: {refused}"
        );
    }

    let updated = run(&app, admin, "agencyUpdate", sel,
        json!({ "id": agency["id"], "expectedVersion": 1, "name": "  Office of Digital Services NY  ", "parent": "", "website": "" })).await;
    assert_eq!(updated["userErrors"], json!([]));
    assert_eq!(
        updated["agency"]["name"], "Office of Digital Services NY",
        "text is trimmed"
    );
    assert!(updated["agency"]["parent"].is_null() && updated["agency"]["website"].is_null());
    assert_eq!(updated["agency"]["version"], 2);
    let stale = run(
        &app,
        admin,
        "agencyUpdate",
        sel,
        json!({ "id": agency["id"], "expectedVersion": 1, "name": "X" }),
    )
    .await;
    assert_eq!(stale["userErrors"][0]["code"], "STALE");
    assert!(
        stale["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("version 2")
    );
    // An agency cannot sit under its own sub-agency.
    let dol = app
        .data(r#"{ agency(slug: "nys-dol") { id version } }"#, json!({}))
        .await["agency"]
        .clone();
    let child = run(
        &app,
        admin,
        "agencyCreate",
        sel,
        json!({ "slug": "nys-dol-unit", "name": "Unit", "jurisdiction": "US-NY",
        "parent": "nys-dol", "description": "A unit." }),
    )
    .await;
    assert_eq!(child["userErrors"], json!([]));
    let cycle = run(
        &app,
        admin,
        "agencyUpdate",
        sel,
        json!({ "id": dol["id"], "expectedVersion": dol["version"], "parent": "nys-dol-unit" }),
    )
    .await;
    assert_eq!(cycle["userErrors"][0]["field"], json!(["input", "parent"]));

    let designated = run(&app, admin, "csspDesignate", sel, json!({ "agency": agency["id"], "designatedOn": "2026-10-01",
        "basis": ["HIGH_IMPACT"], "cxLeadName": "Pat Lee", "cxLeadEmail": "pat.lee@ods.ny.gov", "source": "Illustrative." })).await;
    assert_eq!(designated["userErrors"], json!([]));
    assert_eq!(
        designated["agency"]["cssp"],
        json!({ "designatedOn": "2026-10-01", "basis": ["HIGH_IMPACT"],
        "cxLead": { "name": "Pat Lee", "email": "pat.lee@ods.ny.gov" } })
    );
    assert_eq!(designated["agency"]["version"], 3);
    let listed = app.data(r#"{ agencies(first: 100, filter: {cssp: true, search: "Digital"}) { nodes { slug } } }"#, json!({})).await;
    assert_eq!(listed["agencies"]["nodes"], json!([{ "slug": "nys-ods" }]));
    for (input, path) in [
        (
            json!({ "agency": agency["id"], "designatedOn": "2026-10-01", "basis": [] }),
            json!(["input", "basis"]),
        ),
        (
            json!({ "agency": agency["id"], "designatedOn": "2026-10-01", "basis": ["HIGH_IMPACT"], "cxLeadEmail": "pat" }),
            json!(["input", "cxLeadEmail"]),
        ),
        (
            json!({ "agency": agency["id"], "expectedVersion": 1, "designatedOn": "2026-10-01", "basis": ["HIGH_IMPACT"] }),
            json!(["input", "expectedVersion"]),
        ),
    ] {
        let refused = run(&app, admin, "csspDesignate", sel, input).await;
        assert_eq!(refused["userErrors"][0]["field"], path, "{refused}");
    }
    let revoked = run(
        &app,
        admin,
        "csspRevoke",
        sel,
        json!({ "agency": agency["id"] }),
    )
    .await;
    assert!(revoked["agency"]["cssp"].is_null());
    let twice = run(
        &app,
        admin,
        "csspRevoke",
        sel,
        json!({ "agency": agency["id"] }),
    )
    .await;
    assert_eq!(twice["userErrors"][0]["code"], "NOT_FOUND");

    let trail = app.with_token(admin).graphql(r#"query($r: ID!) { auditEvents(first: 10, filter: {record: $r}) { nodes { action before after } } }"#,
        json!({ "r": agency["id"] })).await;
    let actions: Vec<&str> = trail["data"]["auditEvents"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "agency.csspRevoke",
            "agency.csspDesignate",
            "agency.update",
            "agency.create"
        ]
    );
}

#[tokio::test]
async fn admins_shape_life_events_and_their_journey_stages() {
    let app = TestApp::with_keys().await;
    let keys = app.keys();
    let admin = keys.admin.as_str();
    let sel = "lifeEvent { id slug name version stages { id slug position name } }";
    let created = run(&app, admin, "lifeEventCreate", sel, json!({ "slug": "starting-college", "name": "Starting college",
        "description": "Paying for and settling into college.", "euCode": "EDU",
        "stages": [{ "slug": "pay-for-it", "name": "Pay for college", "description": "Grants and aid." },
                   { "slug": "settle-in", "name": "Settle in", "description": "Housing and health." }] })).await;
    assert_eq!(created["userErrors"], json!([]));
    let event = created["lifeEvent"].clone();
    let stage_ids: Vec<Value> = event["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].clone())
        .collect();
    for (input, path) in [
        (
            json!({ "slug": "x-1", "name": "X", "description": "D", "stages": [] }),
            json!(["input", "stages"]),
        ),
        (
            json!({ "slug": "x-2", "name": "X", "description": "D", "stages": [{ "slug": "a", "name": "A", "description": "d" },
            { "slug": "a", "name": "B", "description": "d" }] }),
            json!(["input", "stages", "1", "slug"]),
        ),
        (
            json!({ "slug": "starting-college", "name": "X", "description": "D", "stages": [{ "slug": "a", "name": "A", "description": "d" }] }),
            json!(["input", "slug"]),
        ),
    ] {
        let refused = run(&app, admin, "lifeEventCreate", sel, input).await;
        assert_eq!(refused["userErrors"][0]["field"], path, "{refused}");
    }

    let stage_sel = "stage { id slug position } lifeEvent { version stages { slug } }";
    let added = run(&app, admin, "journeyStageAdd", stage_sel, json!({ "lifeEvent": event["id"], "expectedVersion": 1,
        "slug": "apply", "name": "Apply", "description": "Applications and deadlines.", "position": 1 })).await;
    assert_eq!(added["userErrors"], json!([]));
    assert_eq!(added["stage"]["position"], 1);
    assert_eq!(
        added["lifeEvent"]["stages"],
        json!([{ "slug": "apply" }, { "slug": "pay-for-it" }, { "slug": "settle-in" }])
    );
    let dup = run(
        &app,
        admin,
        "journeyStageAdd",
        stage_sel,
        json!({ "lifeEvent": event["id"],
        "slug": "apply", "name": "Apply", "description": "Again." }),
    )
    .await;
    assert_eq!(
        (
            dup["userErrors"][0]["code"].as_str(),
            dup["userErrors"][0]["existingId"].clone()
        ),
        (Some("TAKEN"), added["stage"]["id"].clone())
    );
    let far = run(
        &app,
        admin,
        "journeyStageAdd",
        stage_sel,
        json!({ "lifeEvent": event["id"],
        "slug": "later", "name": "Later", "description": "d", "position": 9 }),
    )
    .await;
    assert_eq!(far["userErrors"][0]["field"], json!(["input", "position"]));

    let order = json!([stage_ids[1], added["stage"]["id"], stage_ids[0]]);
    let reordered = run(
        &app,
        admin,
        "journeyStageReorder",
        sel,
        json!({ "lifeEvent": event["id"], "stages": order }),
    )
    .await;
    let slugs: Vec<&str> = reordered["lifeEvent"]["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["settle-in", "apply", "pay-for-it"]);
    let partial = run(
        &app,
        admin,
        "journeyStageReorder",
        sel,
        json!({ "lifeEvent": event["id"], "stages": [stage_ids[0]] }),
    )
    .await;
    assert_eq!(
        partial["userErrors"][0]["field"],
        json!(["input", "stages"])
    );

    let version = reordered["lifeEvent"]["version"].clone();
    let renamed = run(
        &app,
        admin,
        "journeyStageUpdate",
        stage_sel,
        json!({ "id": stage_ids[0], "expectedVersion": version, "name": "Pay for school" }),
    )
    .await;
    assert_eq!(renamed["userErrors"], json!([]));
    let public = app
        .data(
            r#"{ lifeEvent(slug: "starting-college") { version stages { position name } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        public["lifeEvent"]["stages"][2],
        json!({ "position": 3, "name": "Pay for school" })
    );
    let updated = run(&app, admin, "lifeEventUpdate", sel, json!({ "id": event["id"], "expectedVersion": public["lifeEvent"]["version"], "name": "Going to college", "euCode": "" })).await;
    assert_eq!(updated["lifeEvent"]["name"], "Going to college");

    // A stage services are linked to stays; the last stage stays.
    let linked_stage = app
        .data(
            r#"{ lifeEvent(slug: "job-loss") { stages { id services { reason } } } }"#,
            json!({}),
        )
        .await;
    let in_use = run(
        &app,
        admin,
        "journeyStageRemove",
        "lifeEvent { id }",
        json!({ "id": linked_stage["lifeEvent"]["stages"][0]["id"] }),
    )
    .await;
    assert_eq!(in_use["userErrors"][0]["code"], "IN_USE");
    for id in [&stage_ids[0], &stage_ids[1]] {
        let removed = run(&app, admin, "journeyStageRemove", sel, json!({ "id": id })).await;
        assert_eq!(removed["userErrors"], json!([]), "{removed}");
    }
    let last = run(
        &app,
        admin,
        "journeyStageRemove",
        sel,
        json!({ "id": added["stage"]["id"] }),
    )
    .await;
    assert_eq!(last["userErrors"][0]["code"], "INVALID");
    let public = app
        .data(
            r#"{ lifeEvent(slug: "starting-college") { stages { slug position } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        public["lifeEvent"]["stages"],
        json!([{ "slug": "apply", "position": 1 }])
    );
}

#[tokio::test]
async fn admins_relate_life_events_and_recommendations_suggest_them() {
    let app = TestApp::with_keys().await;
    let keys = app.keys();
    let admin = keys.admin.as_str();
    let ids = app
        .data(
            r#"{ b: lifeEvent(slug: "having-a-baby") { id }
                 c: lifeEvent(slug: "job-loss") { id version relatedLifeEvents { lifeEvent { slug } } } }"#,
            json!({}),
        )
        .await;
    let (job_loss, baby) = (ids["c"]["id"].clone(), ids["b"]["id"].clone());
    let already: Vec<Value> = ids["c"]["relatedLifeEvents"].as_array().unwrap().clone();
    assert!(
        !already.contains(&json!({ "lifeEvent": { "slug": "having-a-baby" } })),
        "the seed must not relate them already: {already:?}"
    );
    let sel = "lifeEvent { slug version relatedLifeEvents { lifeEvent { slug } reason } }";
    let audit_before = app.audit_count().await;

    // Mistakes are user errors and change nothing.
    for (input, field, code) in [
        (
            json!({ "lifeEvent": job_loss, "relatedLifeEvent": job_loss, "reason": "Again." }),
            ["input", "relatedLifeEvent"],
            "INVALID",
        ),
        (
            json!({ "lifeEvent": job_loss, "relatedLifeEvent": baby, "reason": "  " }),
            ["input", "reason"],
            "INVALID",
        ),
        (
            json!({ "lifeEvent": job_loss, "relatedLifeEvent": "TGlmZUV2ZW50Ojk5OTk", "reason": "Why." }),
            ["input", "relatedLifeEvent"],
            "NOT_FOUND",
        ),
        (
            json!({ "lifeEvent": job_loss, "relatedLifeEvent": baby, "reason": "Why.", "expectedVersion": 0 }),
            ["input", "expectedVersion"],
            "STALE",
        ),
    ] {
        let refused = run(&app, admin, "lifeEventRelate", sel, input.clone()).await;
        let error = &refused["userErrors"][0];
        assert!(refused["lifeEvent"].is_null(), "{input}: {refused}");
        assert_eq!(error["code"], code, "{input}: {refused}");
        assert_eq!(error["field"], json!(field), "{input}: {refused}");
    }
    assert_eq!(app.audit_count().await, audit_before);
    let editor = app
        .as_(Caller::Editor)
        .graphql(
            "mutation($input: LifeEventRelateInput!) { lifeEventRelate(input: $input) { userErrors { code } } }",
            json!({ "input": { "lifeEvent": job_loss, "relatedLifeEvent": baby, "reason": "Why." } }),
        )
        .await;
    assert_eq!(
        editor["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{editor}"
    );

    let relate = async |reason: &str| {
        let input = json!({ "lifeEvent": job_loss, "relatedLifeEvent": baby, "reason": reason });
        run(&app, admin, "lifeEventRelate", sel, input).await
    };
    let related = relate("A new baby often means less time at work.").await;
    assert_eq!(related["userErrors"], json!([]), "{related}");
    assert_eq!(
        related["lifeEvent"]["version"],
        ids["c"]["version"].as_i64().unwrap() + 1
    );
    // The public sees it at once, and recommendations suggest it with the reason.
    let suggested = app
        .data(
            r#"{ recommendServices(input: { lifeEvents: ["job-loss"], jurisdiction: "US-NY" }) {
                suggestedLifeEvents { reason lifeEvent { slug } becauseOf { slug } } } }"#,
            json!({}),
        )
        .await;
    assert!(
        suggested["recommendServices"]["suggestedLifeEvents"]
            .as_array()
            .unwrap()
            .contains(
                &json!({ "reason": "A new baby often means less time at work.",
                "lifeEvent": { "slug": "having-a-baby" }, "becauseOf": { "slug": "job-loss" } })
            ),
        "{suggested}"
    );
    // Relating again replaces the reason; unrelating takes it back, once.
    let again = relate("Less time at work.").await;
    let listed = again["lifeEvent"]["relatedLifeEvents"].as_array().unwrap();
    let babies: Vec<&Value> = listed
        .iter()
        .filter(|r| r["lifeEvent"]["slug"] == "having-a-baby")
        .collect();
    assert_eq!(
        babies,
        [&json!({ "lifeEvent": { "slug": "having-a-baby" }, "reason": "Less time at work." })]
    );
    let unrelate = async || {
        let input = json!({ "lifeEvent": job_loss, "relatedLifeEvent": baby });
        run(&app, admin, "lifeEventUnrelate", sel, input).await
    };
    let removed = unrelate().await;
    assert_eq!(removed["userErrors"], json!([]), "{removed}");
    assert_eq!(
        removed["lifeEvent"]["relatedLifeEvents"]
            .as_array()
            .unwrap()
            .len(),
        already.len()
    );
    let twice = unrelate().await;
    assert_eq!(twice["userErrors"][0]["code"], "NOT_FOUND", "{twice}");
    // Three changes, three audit events, each with the relations before and after.
    assert_eq!(app.audit_count().await, audit_before + 3);
    let events = app
        .as_(Caller::Admin)
        .graphql(
            r#"{ auditEvents(first: 3) { nodes { action before after } } }"#,
            json!({}),
        )
        .await;
    let nodes = events["data"]["auditEvents"]["nodes"].as_array().unwrap();
    assert_eq!(nodes[0]["action"], "lifeEvent.unrelate", "{events}");
    assert_eq!(nodes[2]["action"], "lifeEvent.relate");
    assert_eq!(
        nodes[2]["after"]["related"].as_array().unwrap().len(),
        already.len() + 1
    );
    assert_eq!(
        nodes[2]["before"]["related"].as_array().unwrap().len(),
        already.len()
    );
}

#[tokio::test]
async fn admins_set_taxonomy_terms_that_services_show() {
    let app = TestApp::with_keys().await;
    let keys = app.keys();
    let admin = keys.admin.as_str();
    let sel = "taxonomyTerm { scheme code name }";
    let audit_before = app.audit_count().await;
    let set = async |input: Value| run(&app, admin, "taxonomyTermSet", sel, input).await;
    // Renaming a term every SNAP page shows: the public sees it at once.
    let renamed =
        set(json!({ "scheme": "civic-catalog", "code": "food", "name": "Food and groceries" }))
            .await;
    assert_eq!(renamed["userErrors"], json!([]), "{renamed}");
    let snap = app
        .data(
            r#"{ service(slug: "nys-snap") { taxonomyTerms { code name } } }"#,
            json!({}),
        )
        .await;
    assert!(
        snap["service"]["taxonomyTerms"]
            .as_array()
            .unwrap()
            .contains(&json!({ "code": "food", "name": "Food and groceries" })),
        "{snap}"
    );
    // A new term below it, with a code from another scheme's style.
    let pantry = set(json!({ "scheme": "civic-catalog", "code": "BD-1800.2000",
        "name": "Food pantries", "parent": "food" }))
    .await;
    assert_eq!(
        pantry["taxonomyTerm"],
        json!({ "scheme": "civic-catalog", "code": "BD-1800.2000", "name": "Food pantries" })
    );
    // Mistakes are user errors and write nothing.
    let audited = app.audit_count().await;
    assert_eq!(audited, audit_before + 2);
    for (input, field, code) in [
        (
            json!({ "scheme": "Civic Catalog", "code": "x", "name": "X" }),
            ["input", "scheme"],
            "INVALID",
        ),
        (
            json!({ "scheme": "civic-catalog", "code": "has space", "name": "X" }),
            ["input", "code"],
            "INVALID",
        ),
        (
            json!({ "scheme": "civic-catalog", "code": "x", "name": " " }),
            ["input", "name"],
            "INVALID",
        ),
        (
            json!({ "scheme": "civic-catalog", "code": "x", "name": "X", "parent": "nowhere" }),
            ["input", "parent"],
            "NOT_FOUND",
        ),
        (
            json!({ "scheme": "civic-catalog", "code": "food", "name": "Food", "parent": "food" }),
            ["input", "parent"],
            "INVALID",
        ),
        // Food below its own pantries would be a loop.
        (
            json!({ "scheme": "civic-catalog", "code": "food", "name": "Food", "parent": "BD-1800.2000" }),
            ["input", "parent"],
            "INVALID",
        ),
    ] {
        let refused = set(input.clone()).await;
        assert!(refused["taxonomyTerm"].is_null(), "{input}: {refused}");
        assert_eq!(
            refused["userErrors"][0]["field"],
            json!(field),
            "{input}: {refused}"
        );
        assert_eq!(refused["userErrors"][0]["code"], code, "{input}: {refused}");
    }
    assert_eq!(app.audit_count().await, audited);
    // Anyone lists the terms by name, one scheme's or every scheme's, with each parent.
    let list = r#"query($scheme: String, $after: String) { taxonomyTerms(scheme: $scheme, first: 2, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } nodes { scheme code name parent { code } } } }"#;
    let mut after = Value::Null;
    let mut names = Vec::new();
    loop {
        let page = app
            .data(list, json!({ "scheme": "civic-catalog", "after": after }))
            .await["taxonomyTerms"]
            .clone();
        for term in page["nodes"].as_array().unwrap() {
            assert_eq!(term["scheme"], "civic-catalog");
            if term["code"] == "BD-1800.2000" {
                assert_eq!(term["parent"], json!({ "code": "food" }), "{term}");
            }
            names.push(term["name"].as_str().unwrap().to_owned());
        }
        if page["pageInfo"]["hasNextPage"] == false {
            assert_eq!(names.len() as i64, page["totalCount"].as_i64().unwrap());
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    // The seed's 19 terms and the pantries, by name, ignoring case.
    assert_eq!(names.len(), 20);
    assert!(
        names
            .windows(2)
            .all(|w| w[0].to_lowercase() <= w[1].to_lowercase()),
        "{names:?}"
    );
    assert!(names.contains(&"Food pantries".to_owned()));
    let other = app
        .data(list, json!({ "scheme": "airs", "after": null }))
        .await;
    assert_eq!(other["taxonomyTerms"]["totalCount"], 0);
    let bad = app.error(list, json!({ "scheme": "Not A Slug" })).await;
    assert_eq!(bad["extensions"]["code"], "BAD_USER_INPUT", "{bad}");
    let editor = app
        .as_(Caller::Editor)
        .graphql(
            "mutation($input: TaxonomyTermSetInput!) { taxonomyTermSet(input: $input) { userErrors { code } } }",
            json!({ "input": { "scheme": "civic-catalog", "code": "food", "name": "Mine" } }),
        )
        .await;
    assert_eq!(
        editor["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{editor}"
    );
}

#[tokio::test]
async fn admins_manage_criteria_and_options_in_use_are_kept() {
    let app = TestApp::with_keys().await;
    let keys = app.keys();
    let admin = keys.admin.as_str();
    let sel = "criterion { id key label kind version unit options { value label } }";
    let due = run(&app, admin, "criterionCreate", "criterion { kind futureDates }", json!({ "key": "due-date",
        "label": "When is the baby due?", "description": "The expected day.", "kind": "DATE", "futureDates": true })).await;
    assert_eq!(
        due["criterion"],
        json!({ "kind": "DATE", "futureDates": true }),
        "{due}"
    );
    let created = run(&app, admin, "criterionCreate", sel, json!({ "key": "veteran-status", "label": "Did you serve in the military?",
        "description": "Active duty, reserve or National Guard.", "kind": "SELECT",
        "options": [{ "value": "veteran", "label": "Yes, a veteran" }, { "value": "active", "label": "Yes, serving now" }, { "value": "no", "label": "No" }] })).await;
    assert_eq!(created["userErrors"], json!([]));
    let criterion = created["criterion"].clone();
    for (input, path) in [
        (
            json!({ "key": "k1", "label": "L", "description": "D", "kind": "SELECT" }),
            json!(["input", "options"]),
        ),
        (
            json!({ "key": "k2", "label": "L", "description": "D", "kind": "NUMBER", "options": [{ "value": "a", "label": "A" }] }),
            json!(["input", "options"]),
        ),
        (
            json!({ "key": "k3", "label": "L", "description": "D", "kind": "SELECT", "options": [{ "value": "a", "label": "A" }, { "value": "a", "label": "B" }] }),
            json!(["input", "options", "1", "value"]),
        ),
        (
            json!({ "key": "veteran-status", "label": "L", "description": "D", "kind": "BOOLEAN" }),
            json!(["input", "key"]),
        ),
        (
            json!({ "key": "k4", "label": "L", "description": "D", "kind": "NUMBER", "futureDates": true }),
            json!(["input", "futureDates"]),
        ),
    ] {
        let refused = run(&app, admin, "criterionCreate", sel, input).await;
        assert_eq!(refused["userErrors"][0]["field"], path, "{refused}");
    }
    // A rule uses the `veteran` option; dropping it is refused, relabelling is fine.
    let ui = app
        .data(
            r#"{ service(slug: "nys-unemployment-insurance") { id version } }"#,
            json!({}),
        )
        .await["service"]
        .clone();
    let ruled = crate::helpers::run(&app, admin, "serviceEligibilitySet", "service { version }", json!({ "id": ui["id"],
        "groups": [{ "rules": [{ "criterion": "veteran-status", "operator": "ONE_OF", "value": ["veteran"] }] }] })).await;
    assert_eq!(ruled["userErrors"], json!([]));
    let dropped = run(
        &app,
        admin,
        "criterionUpdate",
        sel,
        json!({ "id": criterion["id"], "expectedVersion": 1,
        "options": [{ "value": "no", "label": "No" }, { "value": "active", "label": "Serving" }] }),
    )
    .await;
    assert_eq!(dropped["userErrors"][0]["code"], "IN_USE");
    assert!(
        dropped["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nys-unemployment-insurance")
    );
    let relabelled = run(&app, admin, "criterionUpdate", sel, json!({ "id": criterion["id"], "expectedVersion": 1,
        "label": "Have you served?", "options": [{ "value": "veteran", "label": "Veteran" }, { "value": "no", "label": "No" }] })).await;
    assert_eq!(relabelled["userErrors"], json!([]));
    assert_eq!(
        (
            relabelled["criterion"]["version"].as_i64(),
            relabelled["criterion"]["kind"].as_str()
        ),
        (Some(2), Some("SELECT"))
    );
    let public = app
        .data(
            r#"{ criterion(key: "veteran-status") { label options { value } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        public["criterion"],
        json!({ "label": "Have you served?", "options": [{ "value": "veteran" }, { "value": "no" }] })
    );
    let stale = run(
        &app,
        admin,
        "criterionUpdate",
        sel,
        json!({ "id": criterion["id"], "expectedVersion": 1, "label": "X" }),
    )
    .await;
    assert_eq!(stale["userErrors"][0]["code"], "STALE");
}

#[tokio::test]
async fn admins_add_and_rename_jurisdictions_that_services_can_then_serve() {
    let app = TestApp::with_keys().await;
    let keys = app.keys();
    let admin = keys.admin.as_str();
    let sel = "jurisdiction { id code name kind version parent { code } }";
    let county = json!({ "code": "US-NY-ALB", "name": "Albany County", "kind": "COUNTY", "parent": "US-NY" });
    let created = run(&app, admin, "jurisdictionCreate", sel, county.clone()).await;
    assert_eq!(created["userErrors"], json!([]), "{created}");
    let albany = created["jurisdiction"].clone();
    assert_eq!(
        (
            albany["kind"].as_str(),
            albany["version"].as_i64(),
            albany["parent"]["code"].as_str()
        ),
        (Some("COUNTY"), Some(1), Some("US-NY"))
    );
    let listed = app.data("{ jurisdictions { code } }", json!({})).await;
    assert!(
        listed["jurisdictions"]
            .as_array()
            .unwrap()
            .contains(&json!({ "code": "US-NY-ALB" }))
    );
    let again = run(&app, admin, "jurisdictionCreate", sel, county.clone()).await;
    assert_eq!(
        (
            again["userErrors"][0]["code"].as_str(),
            again["userErrors"][0]["existingId"].clone()
        ),
        (Some("TAKEN"), albany["id"].clone())
    );
    let revision = app.catalog.revision().await.unwrap();
    for (field, value, path, message) in [
        (
            "code",
            json!("us-ny-alb"),
            json!(["input", "code"]),
            "is not a jurisdiction code",
        ),
        (
            "code",
            json!("US-NJ-ESX"),
            json!(["input", "code"]),
            "starts with `US-NY-`",
        ),
        (
            "parent",
            json!("US-ZZ"),
            json!(["input", "parent"]),
            "unknown jurisdiction",
        ),
        (
            "parent",
            Value::Null,
            json!(["input", "parent"]),
            "belongs to",
        ),
        (
            "kind",
            json!("FEDERAL"),
            json!(["input", "parent"]),
            "has no parent",
        ),
        ("name", json!("  "), json!(["input", "name"]), "characters"),
    ] {
        let mut input = county.clone();
        input["code"] = json!("US-NY-SCH");
        input[field] = value;
        let refused = run(&app, admin, "jurisdictionCreate", sel, input).await;
        let error = &refused["userErrors"][0];
        assert_eq!(
            (error["code"].as_str(), error["field"].clone()),
            (Some("INVALID"), path),
            "{field}: {refused}"
        );
        assert!(
            error["message"].as_str().unwrap().contains(message),
            "{field}: {refused}"
        );
    }
    assert_eq!(
        app.catalog.revision().await.unwrap(),
        revision,
        "refusals commit nothing"
    );

    let renamed = run(
        &app,
        admin,
        "jurisdictionUpdate",
        sel,
        json!({ "id": albany["id"], "expectedVersion": 1, "name": " County of Albany " }),
    )
    .await;
    assert_eq!(
        (
            renamed["jurisdiction"]["name"].as_str(),
            renamed["jurisdiction"]["version"].as_i64()
        ),
        (Some("County of Albany"), Some(2))
    );
    let stale = run(
        &app,
        admin,
        "jurisdictionUpdate",
        sel,
        json!({ "id": albany["id"], "expectedVersion": 1, "name": "Albany" }),
    )
    .await;
    assert_eq!(stale["userErrors"][0]["code"], "STALE");
    let wrong_kind = run(
        &app,
        admin,
        "jurisdictionUpdate",
        sel,
        json!({ "id": dol_id(&app).await, "expectedVersion": 1, "name": "Albany" }),
    )
    .await;
    assert_eq!(wrong_kind["userErrors"][0]["field"], json!(["input", "id"]));

    // A service can serve the new county, and its residents see it with the state's services.
    let editor = keys.editor.as_str();
    let mut input = crate::workflow::new_service("dol-albany-workforce", "nys-dol");
    input["jurisdictions"] = json!(["US-NY-ALB"]);
    let made = app
        .with_token(editor)
        .graphql(crate::workflow::CREATE, json!({ "input": input }))
        .await;
    let id = made["data"]["serviceCreate"]["service"]["id"].clone();
    for step in ["serviceSubmitForReview", "servicePublish"] {
        let payload = run(&app, admin, step, "service { status }", json!({ "id": id })).await;
        assert_eq!(payload["userErrors"], json!([]), "{step}: {payload}");
    }
    let seen = |code: &'static str| {
        let app = &app;
        async move {
            let page = app
                .data(
                    r#"query($j: String!) { services(first: 100, filter: {jurisdiction: $j}) { totalCount nodes { slug } } }"#,
                    json!({ "j": code }),
                )
                .await;
            let slugs: Vec<String> = page["services"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["slug"].as_str().unwrap().to_owned())
                .collect();
            (page["services"]["totalCount"].as_u64().unwrap(), slugs)
        }
    };
    let (in_albany, albany_slugs) = seen("US-NY-ALB").await;
    let (in_state, state_slugs) = seen("US-NY").await;
    assert!(albany_slugs.contains(&"dol-albany-workforce".to_owned()));
    assert!(!state_slugs.contains(&"dol-albany-workforce".to_owned()));
    assert!(albany_slugs.contains(&"nys-unemployment-insurance".to_owned()));
    assert_eq!(
        in_albany,
        in_state + 1,
        "Albany sees the state's services and its own"
    );

    let trail = app.with_token(admin).graphql(r#"query($r: ID!) { auditEvents(first: 10, filter: {record: $r}) { nodes { action } } }"#,
        json!({ "r": albany["id"] }),
    )
    .await;
    assert_eq!(
        trail["data"]["auditEvents"]["nodes"],
        json!([{ "action": "jurisdiction.update" }, { "action": "jurisdiction.create" }])
    );
}

/// The global id of a seeded agency, to stand where another kind of id is wanted.
async fn dol_id(app: &TestApp) -> Value {
    app.data(r#"{ agency(slug: "nys-dol") { id } }"#, json!({}))
        .await["agency"]["id"]
        .clone()
}
