//! Every input rule, through the public API: the bad input, the field the caller is pointed
//! at, the code and the message they read, and that nothing was committed.

use serde_json::{Value, json};

use crate::helpers::run;
use crate::helpers::{Caller, TestApp};
use crate::workflow::new_service;

/// `new_service` with `change` applied to it.
fn service_with(slug: &str, change: impl FnOnce(&mut Value)) -> Value {
    let mut input = new_service(slug, "nys-dol");
    change(&mut input);
    input
}

fn website(n: usize) -> Value {
    json!({ "kind": "WEBSITE", "label": format!("Page {n}"), "url": format!("https://dol.ny.gov/{n}") })
}

/// A mutation, who sends it, its input, and the first user error it must answer with:
/// field path, code, and a part of the message.
struct Case {
    mutation: &'static str,
    admin: bool,
    input: Value,
    field: Value,
    code: &'static str,
    message: &'static str,
}

fn editor(mutation: &'static str, input: Value, field: Value, message: &'static str) -> Case {
    Case {
        mutation,
        admin: false,
        input,
        field,
        code: "INVALID",
        message,
    }
}

fn admin(mutation: &'static str, input: Value, field: Value, message: &'static str) -> Case {
    Case {
        admin: true,
        ..editor(mutation, input, field, message)
    }
}

fn cases(draft: &Value) -> Vec<Case> {
    let long = |n: usize| "x".repeat(n);
    let create = "serviceCreate";
    vec![
        // Slugs, text lengths and trimming.
        editor(
            create,
            service_with("Not A Slug", |_| {}),
            json!(["input", "slug"]),
            "is not a slug",
        ),
        editor(
            create,
            service_with("v-name", |s| s["name"] = json!("   ")),
            json!(["input", "name"]),
            "must be 1 to 200 characters",
        ),
        editor(
            create,
            service_with("v-name-long", |s| s["name"] = json!(long(201))),
            json!(["input", "name"]),
            "must be 1 to 200 characters",
        ),
        editor(
            create,
            service_with("v-summary", |s| s["summary"] = json!(long(1_001))),
            json!(["input", "summary"]),
            "must be 1 to 1000 characters",
        ),
        editor(
            create,
            service_with("v-description", |s| s["description"] = json!(long(10_001))),
            json!(["input", "description"]),
            "must be 1 to 10000 characters",
        ),
        editor(
            create,
            service_with("v-eligibility", |s| {
                s["eligibilitySummary"] = json!(long(4_001))
            }),
            json!(["input", "eligibilitySummary"]),
            "must be at most 4000 characters",
        ),
        editor(
            create,
            service_with("v-fees", |s| s["fees"] = json!(long(1_001))),
            json!(["input", "fees"]),
            "must be at most 1000 characters",
        ),
        editor(
            create,
            service_with("v-external", |s| s["externalId"] = json!(long(201))),
            json!(["input", "externalId"]),
            "must be at most 200 characters",
        ),
        editor(
            create,
            service_with("v-agency", |s| s["agency"] = json!("no-such-agency")),
            json!(["input", "agency"]),
            "unknown agency `no-such-agency`",
        ),
        // List sizes.
        editor(
            create,
            service_with("v-no-channel", |s| s["channels"] = json!([])),
            json!(["input", "channels"]),
            "a service needs at least one channel",
        ),
        editor(
            create,
            service_with("v-channels", |s| {
                s["channels"] = (0..21).map(website).collect()
            }),
            json!(["input", "channels"]),
            "at most 20 items; got 21",
        ),
        editor(
            create,
            service_with("v-documents", |s| {
                s["requiredDocuments"] = (0..31)
                    .map(|i| json!({ "name": format!("Document {i}") }))
                    .collect()
            }),
            json!(["input", "requiredDocuments"]),
            "at most 30 items; got 31",
        ),
        editor(
            create,
            service_with("v-languages", |s| {
                s["languages"] = (0..51).map(|_| json!("es")).collect()
            }),
            json!(["input", "languages"]),
            "at most 50 items; got 51",
        ),
        editor(
            create,
            service_with("v-jurisdictions", |s| {
                s["jurisdictions"] = (0..51).map(|_| json!("US-NY")).collect()
            }),
            json!(["input", "jurisdictions"]),
            "at most 50 items; got 51",
        ),
        editor(
            create,
            service_with("v-jurisdiction-code", |s| {
                s["jurisdictions"] = json!(["new york"])
            }),
            json!(["input", "jurisdictions", "0"]),
            "unknown jurisdiction `new york`",
        ),
        editor(
            create,
            service_with("v-language-code", |s| s["languages"] = json!(["klingon"])),
            json!(["input", "languages", "0"]),
            "unknown language `klingon`",
        ),
        editor(
            create,
            service_with("v-document-name", |s| {
                s["requiredDocuments"] = json!([{ "name": " " }])
            }),
            json!(["input", "requiredDocuments", "0", "name"]),
            "must be 1 to 200 characters",
        ),
        // Partner agencies and taxonomy terms.
        editor(
            create,
            service_with("v-partner-owner", |s| {
                s["partnerAgencies"] = json!(["nys-dol"])
            }),
            json!(["input", "partnerAgencies", "0"]),
            "the owning agency is not its own partner",
        ),
        editor(
            create,
            service_with("v-partner-twice", |s| {
                s["partnerAgencies"] = json!(["nys-otda", "nys-otda"])
            }),
            json!(["input", "partnerAgencies", "1"]),
            "`nys-otda` appears twice",
        ),
        editor(
            create,
            service_with("v-partner-unknown", |s| {
                s["partnerAgencies"] = json!(["no-such-agency"])
            }),
            json!(["input", "partnerAgencies", "0"]),
            "unknown agency `no-such-agency`",
        ),
        editor(
            create,
            service_with("v-partners", |s| {
                s["partnerAgencies"] = (0..21).map(|_| json!("nys-otda")).collect()
            }),
            json!(["input", "partnerAgencies"]),
            "at most 20 items; got 21",
        ),
        editor(
            create,
            service_with("v-term", |s| s["taxonomyTerms"] = json!(["food", "nope"])),
            json!(["input", "taxonomyTerms", "1"]),
            "unknown taxonomy term `civic-catalog:nope`",
        ),
        editor(
            "serviceUpdate",
            json!({ "id": draft, "expectedVersion": 1, "partnerAgencies": ["nys-dol"] }),
            json!(["input", "partnerAgencies", "0"]),
            "the owning agency is not its own partner",
        ),
        editor(
            "serviceUpdate",
            json!({ "id": draft, "expectedVersion": 1, "taxonomyTerms": ["nope"] }),
            json!(["input", "taxonomyTerms", "0"]),
            "unknown taxonomy term",
        ),
        // Life-event links and eligibility rules given on create.
        editor(
            create,
            service_with(
                "v-link-stage",
                |s| s["lifeEvents"] = json!([{ "lifeEvent": "job-loss", "stage": "no-such-stage", "relevance": "CORE", "reason": "Pay." }]),
            ),
            json!(["input", "lifeEvents", "0", "stage"]),
            "`job-loss` has no stage `no-such-stage`",
        ),
        editor(
            create,
            service_with("v-link-twice", |s| {
                let link = json!({ "lifeEvent": "job-loss", "stage": "replace-income", "relevance": "CORE", "reason": "Pay." });
                s["lifeEvents"] = json!([link, link])
            }),
            json!(["input", "lifeEvents", "1", "lifeEvent"]),
            "`job-loss` is linked twice",
        ),
        editor(
            create,
            service_with(
                "v-rule",
                |s| s["eligibility"] = json!([{ "rules": [{ "criterion": "household-size", "operator": "LTE", "value": "four" }] }]),
            ),
            json!(["input", "eligibility", "0", "rules", "0", "value"]),
            "LTE takes a number, got \"four\"",
        ),
        // Channels: URLs, phones, emails, and at least one way to reach the service.
        editor(
            create,
            service_with("v-channel-language", |s| {
                s["channels"][0]["languages"] = json!(["es", "xx"])
            }),
            json!(["input", "channels", "0", "languages", "1"]),
            "unknown language `xx`",
        ),
        editor(
            "channelAdd",
            json!({ "serviceId": draft, "channel": { "kind": "PHONE", "label": "Call", "phone": "311", "languages": ["xx"] } }),
            json!(["input", "channel", "languages", "0"]),
            "unknown language `xx`",
        ),
        editor(
            create,
            service_with("v-url-scheme", |s| {
                s["channels"][0]["url"] = json!("ftp://dol.ny.gov")
            }),
            json!(["input", "channels", "0", "url"]),
            "`ftp://dol.ny.gov` is not an http(s) URL",
        ),
        editor(
            create,
            service_with("v-url-relative", |s| {
                s["channels"][0]["url"] = json!("dol.ny.gov/apply")
            }),
            json!(["input", "channels", "0", "url"]),
            "is not an http(s) URL",
        ),
        editor(
            create,
            service_with("v-url-space", |s| {
                s["channels"][0]["url"] = json!("https://dol.ny.gov/a b")
            }),
            json!(["input", "channels", "0", "url"]),
            "is not an http(s) URL",
        ),
        editor(
            create,
            service_with("v-phone", |s| {
                s["channels"][0] = json!({ "kind": "PHONE", "label": "Call", "phone": "12" })
            }),
            json!(["input", "channels", "0", "phone"]),
            "`12` is not a phone number",
        ),
        editor(
            create,
            service_with("v-email", |s| {
                s["channels"][0] = json!({ "kind": "EMAIL", "label": "Write", "email": "help@dol" })
            }),
            json!(["input", "channels", "0", "email"]),
            "`help@dol` is not an email address",
        ),
        editor(
            create,
            service_with("v-unreachable", |s| {
                s["channels"][0] = json!({ "kind": "IN_PERSON", "label": "Visit" })
            }),
            json!(["input", "channels", "0"]),
            "a channel needs a url, phone, email or address",
        ),
        editor(
            create,
            service_with("v-hours", |s| s["channels"][0]["hours"] = json!(long(501))),
            json!(["input", "channels", "0", "hours"]),
            "must be at most 500 characters",
        ),
        // Bulk registration: 1 to 500 services.
        editor(
            "servicesImport",
            json!({ "services": [] }),
            json!(["input", "services"]),
            "1 to 500",
        ),
        editor(
            "servicesImport",
            json!({ "services": (0..501).map(|i| new_service(&format!("v-bulk-{i}"), "nys-dol")).collect::<Vec<_>>() }),
            json!(["input", "services"]),
            "1 to 500",
        ),
        // Parts of a draft.
        editor(
            "serviceEligibilitySet",
            json!({ "id": draft, "groups": (0..21).map(|_| json!({ "rules": [{ "criterion": "facing-eviction", "operator": "IS_TRUE" }] })).collect::<Vec<_>>() }),
            json!(["input", "groups"]),
            "at most 20 items; got 21",
        ),
        editor(
            "serviceEligibilitySet",
            json!({ "id": draft, "groups": [{ "rules": (0..31).map(|_| json!({ "criterion": "facing-eviction", "operator": "IS_TRUE" })).collect::<Vec<_>>() }] }),
            json!(["input", "groups", "0", "rules"]),
            "1 to 30 items; got 31",
        ),
        editor(
            "serviceRelationAdd",
            json!({ "id": draft, "to": draft, "kind": "REQUIRES", "reason": "Itself." }),
            json!(["input", "to"]),
            "itself",
        ),
        editor(
            "serviceLinkLifeEvent",
            json!({ "id": draft, "lifeEvent": "job-loss", "stage": "replace-income", "relevance": "CORE", "reason": long(501) }),
            json!(["input", "reason"]),
            "must be 1 to 500 characters",
        ),
        // Administration.
        admin(
            "agencyCreate",
            json!({ "slug": "v-agency", "name": "Agency", "acronym": long(33), "jurisdiction": "US-NY", "description": "An agency." }),
            json!(["input", "acronym"]),
            "must be at most 32 characters",
        ),
        admin(
            "agencyCreate",
            json!({ "slug": "v-agency", "name": "Agency", "website": "http://", "jurisdiction": "US-NY", "description": "An agency." }),
            json!(["input", "website"]),
            "is not an http(s) URL",
        ),
        admin(
            "lifeEventCreate",
            json!({ "slug": "v-event", "name": "Event", "description": "An event.", "stages": [] }),
            json!(["input", "stages"]),
            "1 to 12 items; got 0",
        ),
        admin(
            "lifeEventCreate",
            json!({ "slug": "v-event", "name": "Event", "description": "An event.",
                    "stages": (0..13).map(|i| json!({ "slug": format!("s{i}"), "name": "Stage", "description": "A stage." })).collect::<Vec<_>>() }),
            json!(["input", "stages"]),
            "1 to 12 items; got 13",
        ),
        admin(
            "lifeEventCreate",
            json!({ "slug": "v-event", "name": "Event", "description": "An event.", "stages": [
                { "slug": "same", "name": "One", "description": "One." }, { "slug": "same", "name": "Two", "description": "Two." }] }),
            json!(["input", "stages", "1", "slug"]),
            "stage `same` appears twice",
        ),
        admin(
            "criterionCreate",
            json!({ "key": "v-select", "label": "Which?", "description": "A choice.", "kind": "SELECT", "options": [] }),
            json!(["input", "options"]),
            "1 to 100 items; got 0",
        ),
        admin(
            "criterionCreate",
            json!({ "key": "v-select", "label": "Which?", "description": "A choice.", "kind": "SELECT",
                    "options": (0..101).map(|i| json!({ "value": format!("o{i}"), "label": "Option" })).collect::<Vec<_>>() }),
            json!(["input", "options"]),
            "1 to 100 items; got 101",
        ),
        admin(
            "criterionCreate",
            json!({ "key": "v-select", "label": "Which?", "description": "A choice.", "kind": "SELECT",
                    "options": [{ "value": "a", "label": "A" }, { "value": "a", "label": "Also A" }] }),
            json!(["input", "options", "1", "value"]),
            "`a` appears twice",
        ),
        admin(
            "criterionCreate",
            json!({ "key": "v-bool", "label": "Yes?", "description": "A question.", "kind": "BOOLEAN",
                    "options": [{ "value": "a", "label": "A" }] }),
            json!(["input", "options"]),
            "BOOLEAN criteria take no options",
        ),
        admin(
            "csspDesignate",
            json!({ "agency": "QWdlbmN5OjE", "designatedOn": "2026-10-01", "basis": ["HIGH_IMPACT"], "cxLeadEmail": "lead at ny.gov" }),
            json!(["input", "cxLeadEmail"]),
            "`lead at ny.gov` is not an email address",
        ),
        admin(
            "apiKeyCreate",
            json!({ "name": "Editor", "role": "EDITOR" }),
            json!(["input", "agency"]),
            "agency",
        ),
        admin(
            "apiKeyCreate",
            json!({ "name": " ", "role": "REVIEWER" }),
            json!(["input", "name"]),
            "characters",
        ),
    ]
}

#[tokio::test]
async fn every_input_rule_names_the_field_and_the_fix_and_commits_nothing() {
    let app = TestApp::with_keys().await;
    let keys = app.keys();
    let made = app
        .as_(Caller::Editor)
        .mutate(
            "serviceCreate",
            "service { id }",
            new_service("v-draft", "nys-dol"),
        )
        .await;
    let draft = made["service"]["id"].clone();
    let revision = app.catalog.revision().await.unwrap();
    for case in cases(&draft) {
        let token = if case.admin {
            &keys.admin
        } else {
            &keys.editor
        };
        let payload = run(&app, token, case.mutation, "", case.input).await;
        let error = &payload["userErrors"][0];
        let what = format!("{} {}: {payload}", case.mutation, case.field);
        assert_eq!(error["field"], case.field, "{what}");
        assert_eq!(error["code"], case.code, "{what}");
        assert!(
            error["message"].as_str().unwrap().contains(case.message),
            "{what}"
        );
    }
    assert_eq!(
        app.catalog.revision().await.unwrap(),
        revision,
        "no refused input committed anything"
    );
}

#[tokio::test]
async fn one_create_registers_a_whole_service_and_channels_keep_their_languages() {
    let app = TestApp::with_keys().await;
    let input = service_with("dol-whole", |s| {
        s["languages"] = json!(["es", "zh"]);
        s["channels"] = json!([{ "kind": "PHONE", "label": "Call", "phone": "1-888-209-8124", "languages": ["es"] }]);
        s["requiredDocuments"] = json!([{ "name": "Proof of identity", "description": "A driver license or passport." }]);
        s["lifeEvents"] = json!([{ "lifeEvent": "job-loss", "stage": "find-next-job", "relevance": "SUPPORTING", "reason": "Training for a new job." }]);
        s["eligibility"] = json!([{ "mode": "ANY", "rules": [{ "criterion": "facing-eviction", "operator": "IS_TRUE" }] }]);
        s["partnerAgencies"] = json!(["nys-otda"]);
        s["taxonomyTerms"] = json!(["employment", "civic-catalog:income-support"]);
    });
    let sel = "service { id languages { code } channels { id languages } requiredDocuments { name description }
        lifeEvents { lifeEvent { slug } stage { slug } relevance reason } eligibilityRules { criterion { key } operator groupMode }
        partnerAgencies { slug } taxonomyTerms { code } version }";
    let made = app
        .as_(Caller::Editor)
        .mutate("serviceCreate", sel, input)
        .await;
    assert_eq!(made["userErrors"], json!([]), "{made}");
    let service = &made["service"];
    assert_eq!(
        service["languages"],
        json!([{ "code": "es" }, { "code": "zh" }])
    );
    assert_eq!(service["channels"][0]["languages"], json!(["es"]));
    assert_eq!(
        service["requiredDocuments"],
        json!([{ "name": "Proof of identity", "description": "A driver license or passport." }])
    );
    assert_eq!(
        service["lifeEvents"],
        json!([{ "lifeEvent": { "slug": "job-loss" }, "stage": { "slug": "find-next-job" },
                "relevance": "SUPPORTING", "reason": "Training for a new job." }])
    );
    assert_eq!(
        service["eligibilityRules"],
        json!([{ "criterion": { "key": "facing-eviction" }, "operator": "IS_TRUE", "groupMode": "ANY" }])
    );
    assert_eq!(service["partnerAgencies"], json!([{ "slug": "nys-otda" }]));
    assert_eq!(
        service["taxonomyTerms"],
        json!([{ "code": "employment" }, { "code": "income-support" }])
    );
    // The lists are replaced with serviceUpdate.
    let updated = app.as_(Caller::Editor).mutate("serviceUpdate", "service { partnerAgencies { slug } taxonomyTerms { code } version }",
        json!({ "id": service["id"], "expectedVersion": service["version"], "partnerAgencies": [], "taxonomyTerms": ["food"] })).await;
    assert_eq!(updated["userErrors"], json!([]), "{updated}");
    assert_eq!(
        (
            updated["service"]["partnerAgencies"].clone(),
            updated["service"]["taxonomyTerms"].clone()
        ),
        (json!([]), json!([{ "code": "food" }]))
    );
    // A channel's languages change with channelUpdate.
    let updated = app.as_(Caller::Editor).mutate("channelUpdate", "channel { languages }",
        json!({ "id": service["channels"][0]["id"], "expectedVersion": updated["service"]["version"], "languages": ["es", "ru"] })).await;
    assert_eq!(
        updated["channel"]["languages"],
        json!(["es", "ru"]),
        "{updated}"
    );
}
