//! New York's encoded programs: each income limit just under, at and just over its
//! threshold for several household sizes; what the agency still checks keeps a met screen
//! at LIKELY_ELIGIBLE; one listing per program; and `agencyChecks` and `program` through the
//! write path.

use serde_json::{Value, json};

use crate::helpers::{Caller, TestApp};
use crate::workflow::{CREATE, new_service};

const RECOMMEND: &str = r#"query($input: RecommendationInput!) {
  recommendServices(input: $input, first: 100) {
    totalCount
    nodes {
      service { slug program }
      otherListings { slug }
      eligibility { status agencyChecks checks { outcome rule criterion { key }
        threshold { tableKey householdSize percent amount period effectiveFrom } } } } } }"#;

/// Every life event the encoded programs are linked to.
const LIFE_EVENTS: [&str; 4] = [
    "job-loss",
    "having-a-baby",
    "moving-to-new-york",
    "retirement",
];

/// The recommendations for a resident of `jurisdiction` with `answers` on 2026-06-01.
async fn recommend(app: &TestApp, jurisdiction: &str, answers: &Value) -> Value {
    recommend_on(app, jurisdiction, answers, "2026-06-01").await
}

/// The recommendations for a resident of `jurisdiction` with `answers` on `as_of`.
async fn recommend_on(app: &TestApp, jurisdiction: &str, answers: &Value, as_of: &str) -> Value {
    let input = json!({ "lifeEvents": LIFE_EVENTS, "jurisdiction": jurisdiction,
        "answers": answers, "asOf": as_of, "includeIneligible": true });
    app.data(RECOMMEND, json!({ "input": input })).await["recommendServices"].clone()
}

fn node<'a>(result: &'a Value, slug: &str) -> Option<&'a Value> {
    result["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["service"]["slug"] == slug)
}

/// An adult of 36 with no disability, not pregnant, caring for a young child in school
/// (no baby), receiving none of the listed benefits, with `size` people and `income` a
/// month.
fn household(size: u32, income: f64, extra: &[(&str, Value)]) -> Value {
    let mut answers = vec![
        ("birth-date", json!("1990-01-01")),
        ("has-disability", json!(false)),
        ("has-member-60-or-older", json!(false)),
        ("has-member-with-disability", json!(false)),
        ("is-pregnant", json!(false)),
        ("has-child-under-1", json!(false)),
        ("has-child-under-5", json!(true)),
        ("has-child-under-19", json!(true)),
        ("has-school-age-child", json!(true)),
        ("receives-benefits", json!(["none"])),
        ("household-size", json!(size)),
        ("household-monthly-income", json!(income)),
    ];
    for (key, value) in extra {
        answers.retain(|(k, _)| k != key);
        answers.push((key, value.clone()));
    }
    Value::Array(
        answers
            .into_iter()
            .map(|(k, v)| json!({ "criterion": k, "value": v }))
            .collect(),
    )
}

/// `percent`% of `year`'s HHS poverty guideline for `size` people, a month, in cents,
/// rounded half up: in 2025 $15,650 a year for one and $5,500 for each further person, in
/// 2026 $15,960 and $5,680.
fn poverty_cents(year: u32, size: u32, percent: u64) -> u64 {
    let (one, further) = match year {
        2025 => (15_650, 5_500),
        2026 => (15_960, 5_680),
        _ => panic!("no {year} figures in this test"),
    };
    let annual = one + further * u64::from(size - 1);
    // annual dollars x percent / 100 / 12 months x 100 cents = annual x percent / 12.
    (annual * percent * 2 + 12) / 24
}

/// HEAP's 2025-2026 monthly limit for `size` people, in cents.
fn heap_cents(size: u32) -> u64 {
    let listed = [
        3473, 4542, 5611, 6680, 7749, 8818, 9018, 9218, 9418, 9618, 9818, 10018,
    ];
    let size = size as usize;
    let dollars = listed
        .get(size - 1)
        .copied()
        .unwrap_or_else(|| 10_018 + 200 * (size as u64 - 12));
    dollars * 100
}

/// A program under test: its service, the table its limit is a percent of, the percent,
/// the year of the guideline figures that table applies on 2026-06-01, and answers that
/// leave the income as the only way in.
type Program<'a> = (&'a str, &'a str, u64, u32, &'a [(&'a str, Value)]);

/// The income check of `slug`'s verdict: its first rule on the monthly income.
fn income_check(verdict: &Value) -> &Value {
    verdict["eligibility"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["criterion"]["key"] == "household-monthly-income")
        .unwrap()
}

const HHS: &str = "hhs-poverty-guidelines";
const SNAP: &str = "snap-poverty-guidelines";
const CHILD_NUTRITION: &str = "fns-child-nutrition-poverty-guidelines";
const HEAP: &str = "nys-heap-income-limits";

#[tokio::test]
async fn each_program_holds_its_income_limit_to_the_cent_for_several_household_sizes() {
    let app = TestApp::seeded().await;
    let pregnant = [("is-pregnant", json!(true))];
    let baby = [("has-child-under-1", json!(true))];
    let adults_only = [
        ("has-child-under-5", json!(false)),
        ("has-child-under-19", json!(false)),
        ("has-school-age-child", json!(false)),
    ];
    // On 2026-06-01 HHS's 2026 figures are in force, while SNAP (until 1 October) and WIC
    // and school meals (until 1 July) still apply 2025's.
    let programs: [Program<'_>; 11] = [
        ("nyc-snap", SNAP, 200, 2025, &[]),
        ("nys-medicaid", HHS, 138, 2026, &adults_only),
        ("nys-medicaid", HHS, 154, 2026, &[]),
        ("nys-medicaid", HHS, 223, 2026, &pregnant),
        ("nys-medicaid", HHS, 223, 2026, &baby),
        ("nys-essential-plan", HHS, 250, 2026, &[]),
        ("nys-wic", CHILD_NUTRITION, 185, 2025, &[]),
        ("fcc-lifeline", HHS, 135, 2026, &[]),
        ("nyc-fair-fares", HHS, 145, 2026, &[]),
        ("nys-school-meals", CHILD_NUTRITION, 185, 2025, &[]),
        ("nys-heap", HEAP, 100, 0, &[]),
    ];
    for (slug, table, percent, year, extra) in programs {
        for size in [1, 3, 10, 13] {
            let cents = if table == HEAP {
                heap_cents(size)
            } else {
                poverty_cents(year, size, percent)
            };
            let limit = cents as f64 / 100.0;
            for (income_cents, status) in [
                (cents - 1, "LIKELY_ELIGIBLE"),
                (cents, "LIKELY_ELIGIBLE"),
                (cents + 1, "INELIGIBLE"),
            ] {
                let income = income_cents as f64 / 100.0;
                let result = recommend(&app, "US-NY-NYC", &household(size, income, extra)).await;
                let verdict = node(&result, slug)
                    .unwrap_or_else(|| panic!("{slug} not recommended: {result}"));
                assert_eq!(
                    verdict["eligibility"]["status"], status,
                    "{slug} at {percent}%, {size} people at ${income} (limit ${limit}): {verdict}"
                );
                // The income check names the limit it compared, whichever way it went.
                let threshold = &income_check(verdict)["threshold"];
                assert_eq!(threshold["tableKey"], table, "{verdict}");
                assert_eq!(threshold["householdSize"], size);
                assert_eq!(threshold["period"], "MONTHLY");
                let amount = threshold["amount"].as_f64().unwrap();
                assert_eq!(
                    (amount * 100.0).round() as u64,
                    if slug == "nys-medicaid" {
                        // Medicaid's first income check is its first group's: 138%.
                        poverty_cents(year, size, 138)
                    } else {
                        cents
                    },
                    "{slug} {size}: {threshold}"
                );
            }
        }
    }
}

#[tokio::test]
async fn each_program_takes_a_new_years_guideline_on_its_own_date() {
    let app = TestApp::seeded().await;
    // Three people. Each income lies between 2025's limit and 2026's, so the verdict flips
    // on the day the program takes the new figures, and not the day before.
    let cases = [
        // HHS's date: $3,064.75 to $3,141.80 (138%).
        (
            "nys-medicaid",
            3_100.0,
            "2026-01-12",
            "2026-01-13",
            "2025-01-15",
            vec![
                ("has-child-under-19", json!(false)),
                ("has-child-under-5", json!(false)),
                ("has-school-age-child", json!(false)),
            ],
        ),
        // WIC's and school meals' year from 1 July: $4,108.54 to $4,211.83 (185%).
        (
            "nys-wic",
            4_150.0,
            "2026-06-30",
            "2026-07-01",
            "2025-07-01",
            vec![],
        ),
        (
            "nys-school-meals",
            4_150.0,
            "2026-06-30",
            "2026-07-01",
            "2025-07-01",
            vec![],
        ),
        // HEAP's 2025-2026 season from November 2025: $5,367 to $5,611 (its own table).
        (
            "nys-heap",
            5_500.0,
            "2025-10-31",
            "2025-11-01",
            "2024-11-01",
            vec![],
        ),
        // SNAP's fiscal year from 1 October: $4,441.67 to $4,553.33 (200%).
        (
            "nyc-snap",
            4_500.0,
            "2026-09-30",
            "2026-10-01",
            "2025-10-01",
            vec![],
        ),
    ];
    for (slug, income, before, from, old_version, extra) in cases {
        let answers = household(3, income, &extra);
        for (day, status, version) in [
            (before, "INELIGIBLE", old_version),
            (from, "LIKELY_ELIGIBLE", from),
        ] {
            let result = recommend_on(&app, "US-NY-NYC", &answers, day).await;
            let verdict = node(&result, slug).unwrap();
            assert_eq!(
                verdict["eligibility"]["status"], status,
                "{slug} on {day} at ${income}: {verdict}"
            );
            // The check names the version it compared against.
            assert_eq!(
                income_check(verdict)["threshold"]["effectiveFrom"],
                version,
                "{slug} on {day}"
            );
        }
    }
    // And says so in the resident's words.
    let result = recommend_on(&app, "US-NY-NYC", &household(3, 4_500.0, &[]), "2026-10-01").await;
    assert_eq!(
        income_check(node(&result, "nyc-snap").unwrap())["rule"],
        "What is your household's total monthly income before taxes?: $4,500 a month is at most \
         200% of the HHS poverty guideline (as SNAP applies it) for 3 people ($4,553.33 a month; \
         figures in force from 2026-10-01)"
    );
}

#[tokio::test]
async fn a_met_screen_is_likely_eligible_with_what_the_agency_still_checks_named() {
    let app = TestApp::seeded().await;
    let result = recommend(&app, "US-NY-NYC", &household(3, 1500.0, &[])).await;
    let snap = node(&result, "nyc-snap").unwrap();
    assert_eq!(snap["eligibility"]["status"], "LIKELY_ELIGIBLE");
    let checks = snap["eligibility"]["agencyChecks"].as_array().unwrap();
    assert!(
        checks.contains(&json!("net income after deductions")),
        "{snap}"
    );
    // Every check is met: what keeps it from ELIGIBLE is the agency's part alone.
    assert!(
        snap["eligibility"]["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["outcome"] == "MET")
    );
    // Benefits a program accepts in place of income: HEAP with SNAP, Lifeline with
    // Medicaid, school meals with cash assistance, WIC with SNAP, however high the income.
    for (slug, benefit) in [
        ("nys-heap", "snap"),
        ("fcc-lifeline", "medicaid"),
        ("nys-school-meals", "tanf"),
        ("nys-wic", "snap"),
    ] {
        let rich = household(3, 20_000.0, &[("receives-benefits", json!([benefit]))]);
        let result = recommend(&app, "US-NY-NYC", &rich).await;
        assert_eq!(
            node(&result, slug).unwrap()["eligibility"]["status"],
            "LIKELY_ELIGIBLE",
            "{slug} with {benefit}"
        );
    }
    // SNAP screens no gross income for a household with someone 60 or older, whoever it is:
    // a resident of 36 living with a parent of 70.
    let with_parent = household(3, 20_000.0, &[("has-member-60-or-older", json!(true))]);
    let result = recommend(&app, "US-NY-NYC", &with_parent).await;
    assert_eq!(
        node(&result, "nyc-snap").unwrap()["eligibility"]["status"],
        "LIKELY_ELIGIBLE"
    );
    // Nor for one where someone else has a disability.
    let with_disabled = household(3, 20_000.0, &[("has-member-with-disability", json!(true))]);
    let result = recommend(&app, "US-NY-NYC", &with_disabled).await;
    assert_eq!(
        node(&result, "nyc-snap").unwrap()["eligibility"]["status"],
        "LIKELY_ELIGIBLE"
    );
    // A service that names nothing beyond its rules is ELIGIBLE when they are met: the
    // reduced fare, at 65.
    let older = household(1, 1000.0, &[("birth-date", json!("1950-01-01"))]);
    let result = recommend(&app, "US-NY-NYC", &older).await;
    let fare = node(&result, "mta-reduced-fare").unwrap();
    assert_eq!(fare["eligibility"]["status"], "ELIGIBLE", "{fare}");
    assert_eq!(fare["eligibility"]["agencyChecks"], json!([]));
    // Fair Fares stops at 64 and Child Health Plus waits on its question.
    assert_eq!(
        node(&result, "nyc-fair-fares").unwrap()["eligibility"]["status"],
        "INELIGIBLE"
    );
    let chp = recommend(&app, "US-NY-NYC", &json!([])).await;
    assert_eq!(
        node(&chp, "nys-child-health-plus").unwrap()["eligibility"]["status"],
        "UNKNOWN"
    );
    // With nothing answered nothing is ELIGIBLE or LIKELY_ELIGIBLE.
    assert!(
        chp["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| !["ELIGIBLE", "LIKELY_ELIGIBLE"]
                .contains(&n["eligibility"]["status"].as_str().unwrap())),
        "{chp}"
    );
}

#[tokio::test]
async fn a_program_offered_by_two_offices_is_listed_once_as_the_office_serving_the_resident() {
    let app = TestApp::seeded().await;
    let answers = household(1, 1000.0, &[]);
    let city = recommend(&app, "US-NY-NYC", &answers).await;
    let snap = node(&city, "nyc-snap").expect("the city's SNAP for a city resident");
    assert!(node(&city, "nys-snap").is_none(), "{city}");
    assert_eq!(snap["service"]["program"], "snap");
    assert_eq!(snap["otherListings"], json!([{ "slug": "nys-snap" }]));
    assert_eq!(
        city["totalCount"].as_u64().unwrap() as usize,
        city["nodes"].as_array().unwrap().len()
    );
    // Outside the city only the state's listing serves the resident.
    let state = recommend(&app, "US-NY", &answers).await;
    let snap = node(&state, "nys-snap").expect("the state's SNAP outside the city");
    assert!(node(&state, "nyc-snap").is_none());
    assert_eq!(snap["otherListings"], json!([]));
}

#[tokio::test]
async fn agency_checks_and_the_program_are_checked_and_kept_by_every_write_path() {
    let app = TestApp::with_keys().await;
    let admin = app.as_(Caller::Admin);
    let mut input = new_service("dol-wage-subsidy", "nys-dol");
    input["agencyChecks"] = json!(["  wages in the base period  ", "identity"]);
    input["program"] = json!("wage-subsidy");
    let created = admin.graphql(CREATE, json!({ "input": input })).await;
    let id = created["data"]["serviceCreate"]["service"]["id"].clone();
    assert!(id.is_string(), "{created}");
    let read =
        r#"query($id: ID!) { node(id: $id) { ... on Service { agencyChecks program version } } }"#;
    let service = admin.graphql(read, json!({ "id": id })).await["data"]["node"].clone();
    assert_eq!(
        service["agencyChecks"],
        json!(["wages in the base period", "identity"])
    );
    assert_eq!(service["program"], "wage-subsidy");

    // Mistakes are user errors naming the item, and create nothing.
    for (field, value, path) in [
        (
            "agencyChecks",
            json!(["ok", " "]),
            json!(["input", "agencyChecks", "1"]),
        ),
        (
            "agencyChecks",
            json!(["Resources", "resources"]),
            json!(["input", "agencyChecks", "1"]),
        ),
        (
            "agencyChecks",
            json!(vec!["x"; 11]),
            json!(["input", "agencyChecks"]),
        ),
        (
            "agencyChecks",
            json!(["y".repeat(201)]),
            json!(["input", "agencyChecks", "0"]),
        ),
        ("program", json!("Not A Slug"), json!(["input", "program"])),
    ] {
        let mut input = new_service("dol-refused", "nys-dol");
        input[field] = value;
        let refused = admin.graphql(CREATE, json!({ "input": input })).await;
        let errors = &refused["data"]["serviceCreate"]["userErrors"];
        assert_eq!(errors[0]["code"], "INVALID", "{refused}");
        assert_eq!(errors[0]["field"], path, "{refused}");
    }
    let refused = app
        .data(
            r#"{ services(filter: { search: "New dol-refused" }) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(refused["services"]["totalCount"], 0);

    // An update replaces the list and clears the program; a bad list changes nothing.
    let update = r#"mutation($input: ServiceUpdateInput!) { serviceUpdate(input: $input) {
        service { agencyChecks program version } userErrors { field code } } }"#;
    let bad = admin
        .graphql(
            update,
            json!({ "input": { "id": id, "expectedVersion": 1, "agencyChecks": ["a", "A"] } }),
        )
        .await;
    assert_eq!(
        bad["data"]["serviceUpdate"]["userErrors"][0]["field"],
        json!(["input", "agencyChecks", "1"])
    );
    let updated = admin
        .graphql(
            update,
            json!({ "input": { "id": id, "expectedVersion": 1,
            "agencyChecks": ["resources"], "program": "" } }),
        )
        .await;
    assert_eq!(
        updated["data"]["serviceUpdate"]["service"],
        json!({ "agencyChecks": ["resources"], "program": null, "version": 2 }),
        "{updated}"
    );
}
