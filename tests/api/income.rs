//! Income rules against reference tables: the seeded HHS poverty guidelines, thresholds by
//! household size, versions in force by date, and the tables' administration.

use serde_json::{Value, json};

use crate::helpers::{Caller, TestApp};

const RECOMMEND: &str = r#"query($input: RecommendationInput!) {
  recommendServices(input: $input, first: 100) { nodes {
    service { slug }
    eligibility { status checks { rule outcome criterion { key }
      threshold { tableKey tableName effectiveFrom householdSize percent amount period sourceUrl } } } } } }"#;

/// The eligibility of `slug` for a job loss in New York with these answers on `as_of`.
async fn eligibility(app: &TestApp, slug: &str, answers: Value, as_of: &str) -> Value {
    let input = json!({ "lifeEvents": ["job-loss"], "jurisdiction": "US-NY", "answers": answers,
        "asOf": as_of, "includeIneligible": true });
    let data = app.data(RECOMMEND, json!({ "input": input })).await;
    data["recommendServices"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["service"]["slug"] == slug)
        .unwrap_or_else(|| panic!("{slug} not recommended: {data}"))["eligibility"]
        .clone()
}

/// A household of adults only (no one pregnant, no child) of `size` people with `income` a
/// month, either left unanswered when `None`.
fn answers(size: Option<u32>, income: Option<f64>) -> Value {
    let mut list = vec![
        json!({ "criterion": "is-pregnant", "value": false }),
        json!({ "criterion": "has-child-under-1", "value": false }),
        json!({ "criterion": "has-child-under-19", "value": false }),
    ];
    if let Some(size) = size {
        list.push(json!({ "criterion": "household-size", "value": size }));
    }
    if let Some(income) = income {
        list.push(json!({ "criterion": "household-monthly-income", "value": income }));
    }
    Value::Array(list)
}

/// The income check of a Medicaid verdict (its first group's first rule).
fn income_check(eligibility: &Value) -> Value {
    eligibility["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["criterion"]["key"] == "household-monthly-income")
        .unwrap()
        .clone()
}

#[tokio::test]
async fn medicaid_for_adults_holds_income_at_138_percent_of_the_poverty_guideline_for_the_household()
 {
    let app = TestApp::seeded().await;
    // 2025 guideline, in force from 2025-01-15: $15,650 a year for one, $5,500 more for each
    // further person. 138% a month: one person $1,799.75; three $3,064.75; ten (beyond the
    // listed eight) (54,150 + 2 x 5,500) x 1.38 / 12 = $7,492.25.
    // 2026 guideline, from 2026-01-13: $15,960 and $5,680. One $1,835.40; three $3,141.80;
    // ten (55,720 + 2 x 5,680) x 1.38 / 12 = $7,714.20.
    let fr_2026 = "https://www.federalregister.gov/documents/2026/01/15/2026-00755/annual-update-of-the-hhs-poverty-guidelines";
    let hhs = "https://aspe.hhs.gov/topics/poverty-economic-mobility/poverty-guidelines";
    for (as_of, effective_from, source, limits) in [
        (
            "2025-06-01",
            "2025-01-15",
            hhs,
            [(1, 1799.75), (3, 3064.75), (10, 7492.25)],
        ),
        (
            "2026-06-01",
            "2026-01-13",
            fr_2026,
            [(1, 1835.40), (3, 3141.80), (10, 7714.20)],
        ),
    ] {
        for (size, limit) in limits {
            for (income, status) in [
                (limit - 0.01, "LIKELY_ELIGIBLE"),
                (limit, "LIKELY_ELIGIBLE"),
                (limit + 0.01, "INELIGIBLE"),
            ] {
                let verdict = eligibility(
                    &app,
                    "nys-medicaid",
                    answers(Some(size), Some(income)),
                    as_of,
                )
                .await;
                assert_eq!(
                    verdict["status"], status,
                    "{as_of}: {size} people, ${income}: {verdict}"
                );
                let check = income_check(&verdict);
                assert_eq!(
                    check["threshold"],
                    json!({ "tableKey": "hhs-poverty-guidelines", "tableName": "HHS poverty guideline",
                        "effectiveFrom": effective_from, "householdSize": size, "percent": 138.0,
                        "amount": limit, "period": "MONTHLY", "sourceUrl": source }),
                    "{check}"
                );
            }
        }
    }
    let over = eligibility(
        &app,
        "nys-medicaid",
        answers(Some(3), Some(3200.0)),
        "2026-06-01",
    )
    .await;
    // The README's example, word for word.
    assert_eq!(
        income_check(&over)["rule"],
        "What is your household's total monthly income before taxes?: $3,200 a month is more than \
         138% of the HHS poverty guideline for 3 people ($3,141.80 a month; figures in force from 2026-01-13)"
    );
    assert_eq!(income_check(&over)["outcome"], "NOT_MET");
}

#[tokio::test]
async fn an_income_rule_waits_on_the_household_size_and_asks_for_it() {
    let app = TestApp::seeded().await;
    let verdict = eligibility(
        &app,
        "nys-essential-plan",
        json!([{ "criterion": "household-monthly-income", "value": 2000 },
               { "criterion": "birth-date", "value": "1990-01-01" }]),
        "2026-06-01",
    )
    .await;
    assert_eq!(verdict["status"], "UNKNOWN");
    let check = income_check(&verdict);
    assert_eq!(check["outcome"], "UNANSWERED");
    assert!(check["threshold"].is_null());
    assert_eq!(
        check["rule"],
        "What is your household's total monthly income before taxes?: at most 250% of the HHS poverty guideline for your household's size"
    );
    let questions = app
        .data(
            r#"{ eligibilityQuestions(lifeEvents: ["job-loss"], jurisdiction: "US-NY", asOf: "2026-06-01",
                answers: [{ criterion: "household-monthly-income", value: 2000 }]) { criterion { key } } }"#,
            json!({}),
        )
        .await;
    let keys: Vec<&str> = questions["eligibilityQuestions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["criterion"]["key"].as_str().unwrap())
        .collect();
    assert!(keys.contains(&"household-size"), "{keys:?}");
    assert!(!keys.contains(&"household-monthly-income"), "{keys:?}");

    // A household of 2.5 people, or of none, is refused.
    for size in [json!(2.5), json!(0)] {
        let input = json!({ "lifeEvents": ["job-loss"], "jurisdiction": "US-NY",
            "answers": [{ "criterion": "household-size", "value": size }] });
        let error = app.error(RECOMMEND, json!({ "input": input })).await;
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{error}");
        assert_eq!(error["extensions"]["field"], "input.answers[0].value");
    }
}

const SET: &str =
    "referenceTable { key period versions { effectiveFrom amounts additionalPerson } }";

fn guideline(effective_from: &str, one: f64) -> Value {
    json!({ "key": "hhs-poverty-guidelines", "name": "HHS poverty guideline",
        "description": "The federal poverty guidelines for the 48 contiguous states and the District of Columbia, published each January by the U.S. Department of Health and Human Services; yearly income by household size.",
        "period": "ANNUAL", "effectiveFrom": effective_from,
        "amounts": [one, one + 5000.0], "additionalPerson": 5000.0,
        "sourceUrl": "https://aspe.hhs.gov/topics/poverty-economic-mobility/poverty-guidelines" })
}

#[tokio::test]
async fn a_new_table_version_changes_verdicts_from_its_date_and_not_before() {
    let app = TestApp::with_keys().await;
    let admin = app.as_(Caller::Admin);
    let set = admin
        .mutate("referenceTableSet", SET, guideline("2099-01-15", 30000.0))
        .await;
    assert_eq!(set["userErrors"], json!([]), "{set}");
    assert_eq!(
        set["referenceTable"]["versions"][2]["effectiveFrom"],
        "2099-01-15"
    );
    // One person at $2,000 a month: over 138% of $15,960 ($1,835.40), under 138% of
    // $30,000 ($3,450).
    let on = async |day: &str| {
        eligibility(&app, "nys-medicaid", answers(Some(1), Some(2000.0)), day).await["status"]
            .clone()
    };
    assert_eq!(on("2099-01-14").await, "INELIGIBLE");
    assert_eq!(on("2099-01-15").await, "LIKELY_ELIGIBLE");
    let audit = admin
        .graphql(
            r#"{ auditEvents(first: 1) { nodes { action recordType } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        audit["data"]["auditEvents"]["nodes"][0],
        json!({ "action": "referenceTable.set", "recordType": "ReferenceTable" }),
        "{audit}"
    );

    // A future version may still change; one in force may not.
    let again = admin
        .mutate("referenceTableSet", SET, guideline("2099-01-15", 31000.0))
        .await;
    assert_eq!(again["userErrors"], json!([]), "{again}");
    let in_force = admin
        .mutate("referenceTableSet", SET, guideline("2025-01-15", 1.0))
        .await;
    assert_eq!(in_force["userErrors"][0]["code"], "INVALID_TRANSITION");
    assert_eq!(
        in_force["userErrors"][0]["field"],
        json!(["input", "effectiveFrom"])
    );
    let tables = app
        .data(
            r#"{ referenceTables { key inForce(on: "2026-06-01") { amounts } versions { effectiveFrom } } }"#,
            json!({}),
        )
        .await;
    let tables = json!({ "referenceTables": tables["referenceTables"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["key"] == "hhs-poverty-guidelines")
        .collect::<Vec<_>>() });
    assert_eq!(
        tables["referenceTables"][0]["inForce"]["amounts"][0], 15960.0,
        "{tables}"
    );
    assert_eq!(
        tables["referenceTables"][0]["versions"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test]
async fn tables_and_income_rules_refuse_bad_input_and_change_nothing() {
    let app = TestApp::with_keys().await;
    let admin = app.as_(Caller::Admin);
    let cases = [
        (
            "amounts",
            json!([100.0, 50.0]),
            json!(["input", "amounts", "1"]),
        ),
        ("amounts", json!([]), json!(["input", "amounts"])),
        (
            "additionalPerson",
            json!(-1.0),
            json!(["input", "additionalPerson"]),
        ),
        (
            "effectiveFrom",
            json!("2026-13-01"),
            json!(["input", "effectiveFrom"]),
        ),
        (
            "sourceUrl",
            json!("not a url"),
            json!(["input", "sourceUrl"]),
        ),
        ("period", json!("MONTHLY"), json!(["input", "period"])),
    ];
    let audits = app.audit_count().await;
    for (field, value, path) in cases {
        let mut input = guideline("2099-01-15", 30000.0);
        input[field] = value;
        let refused = admin.mutate("referenceTableSet", SET, input).await;
        assert_eq!(
            refused["userErrors"][0]["field"], path,
            "{field}: {refused}"
        );
        assert!(refused["referenceTable"].is_null());
    }
    assert_eq!(app.audit_count().await, audits);
    let forbidden = app
        .as_(Caller::Editor)
        .graphql(
            &format!("mutation($input: ReferenceTableSetInput!) {{ referenceTableSet(input: $input) {{ {SET} }} }}"),
            json!({ "input": guideline("2099-01-15", 30000.0) }),
        )
        .await;
    assert_eq!(forbidden["errors"][0]["extensions"]["code"], "FORBIDDEN");

    // Rules: an unknown table, a percent out of range, a criterion that is not an income.
    let service = app.service_id("nys-unemployment-insurance").await;
    let version = app
        .data(
            r#"{ service(slug: "nys-unemployment-insurance") { version } }"#,
            json!({}),
        )
        .await["service"]["version"]
        .clone();
    for (criterion, value, path, message) in [
        (
            "household-monthly-income",
            json!({ "table": "no-such-table", "percent": 100 }),
            json!(["input", "groups", "0", "rules", "0", "value", "table"]),
            "unknown reference table",
        ),
        (
            "household-monthly-income",
            json!({ "table": "hhs-poverty-guidelines", "percent": 0 }),
            json!(["input", "groups", "0", "rules", "0", "value"]),
            "percent",
        ),
        (
            "household-size",
            json!({ "table": "hhs-poverty-guidelines", "percent": 100 }),
            json!(["input", "groups", "0", "rules", "0", "operator"]),
            "not an income criterion",
        ),
    ] {
        let refused = admin
            .mutate("serviceEligibilitySet", "service { version }", json!({ "id": service,
                "expectedVersion": version, "groups": [{ "mode": "ALL", "rules": [
                    { "criterion": criterion, "operator": "AT_MOST_PERCENT_OF_TABLE", "value": value }] }] }))
            .await;
        assert_eq!(refused["userErrors"][0]["field"], path, "{refused}");
        assert!(
            refused["userErrors"][0]["message"]
                .as_str()
                .unwrap()
                .contains(message),
            "{refused}"
        );
    }

    // A table rules use cannot be deleted; an unused one can.
    let in_use = admin
        .mutate(
            "referenceTableDelete",
            "deletedKey",
            json!({ "key": "hhs-poverty-guidelines" }),
        )
        .await;
    assert_eq!(in_use["userErrors"][0]["code"], "IN_USE", "{in_use}");
    assert!(
        in_use["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nys-medicaid")
    );
    let mut other = guideline("2024-01-01", 1000.0);
    other["key"] = json!("test-table");
    assert_eq!(
        admin.mutate("referenceTableSet", SET, other).await["userErrors"],
        json!([])
    );
    let deleted = admin
        .mutate(
            "referenceTableDelete",
            "deletedKey",
            json!({ "key": "test-table" }),
        )
        .await;
    assert_eq!(deleted["deletedKey"], "test-table", "{deleted}");
    let keys = app.data("{ referenceTables { key } }", json!({})).await;
    assert_eq!(
        keys["referenceTables"],
        json!([{ "key": "fns-child-nutrition-poverty-guidelines" }, { "key": "hhs-poverty-guidelines" },
            { "key": "nys-heap-income-limits" }, { "key": "snap-poverty-guidelines" }])
    );
}

#[tokio::test]
async fn a_catalog_document_table_is_checked_as_the_api_checks_it() {
    let app = TestApp::seeded().await;
    let table = guideline("2099-01-15", 30000.0);
    let document = json!({ "referenceTables": [{ "key": "hhs-poverty-guidelines",
        "name": table["name"], "description": table["description"], "period": "ANNUAL",
        "versions": [{ "effectiveFrom": "2099-01-15", "amounts": [100.0, 50.0], "additionalPerson": 10.0,
            "sourceUrl": "https://aspe.hhs.gov/topics/poverty-economic-mobility/poverty-guidelines" }] }] });
    let document = civic_catalog::catalog::import::parse(&document.to_string()).unwrap();
    let error = app.catalog.load_document(&document).await.unwrap_err();
    let text = format!("{error:?}");
    assert!(
        text.contains("referenceTables[0].versions[0].amounts[1]")
            && text.contains("a larger household's amount may not be below a smaller one's"),
        "{text}"
    );
}
