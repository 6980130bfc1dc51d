//! Agencies' experience and the CSSP scorecard: pooled feedback, the top negative driver
//! and transactions per agency and service, sortable, for ADMIN and REVIEWER keys only.

use civic_catalog::config::Limits;
use serde_json::{Value, json};

use crate::helpers::{Caller, TestApp};

#[tokio::test]
async fn the_cx_office_reads_agencies_side_by_side() {
    let app = TestApp::with_keys_and(Limits {
        feedback_rate_limit: 0,
        min_responses: 2,
        public_revision_poll_ms: 0,
        ..Limits::default()
    })
    .await;
    for (slug, satisfaction, negative) in [
        ("nys-unemployment-insurance", 5, json!([])),
        (
            "nys-unemployment-insurance",
            2,
            json!(["EFFICIENCY", "TRANSPARENCY"]),
        ),
        ("nys-unemployment-insurance", 1, json!(["EFFICIENCY"])),
        ("nys-snap", 4, json!(["EASE"])),
        ("nys-heap", 5, json!([])),
        ("nys-heap", 4, json!([])),
    ] {
        let input = json!({ "serviceId": app.service_id(slug).await, "channelKind": "ONLINE_FORM",
            "satisfaction": satisfaction, "negativeDrivers": negative, "language": "en" });
        app.submit_feedback(input).await;
    }
    let month = chrono::Utc::now().format("%Y-%m").to_string();
    let input = json!({ "serviceId": app.service_id("nys-unemployment-insurance").await,
        "channelKind": "ONLINE_FORM", "month": month, "started": 100, "completed": 60,
        "failed": 10, "abandoned": 30 });
    app.report_ux_metrics(input).await;

    let agency = r#"{ agency(slug: "nys-dol") { name experience {
        cssp scores { responses satisfaction csat } topNegativeDriver
        transactions { started completed successRate abandonmentRate }
        services(first: 100) { totalCount nodes { service { slug } scores { responses } topNegativeDriver } } } } }"#;
    let body = app.as_(Caller::Reviewer).graphql(agency, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let dol = &body["data"]["agency"]["experience"];
    assert_eq!(dol["cssp"], true);
    assert_eq!(dol["scores"]["responses"], 3);
    assert!((dol["scores"]["satisfaction"].as_f64().unwrap() - 8.0 / 3.0).abs() < 1e-9);
    assert!((dol["scores"]["csat"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-9);
    assert_eq!(dol["topNegativeDriver"], "EFFICIENCY", "named twice: {dol}");
    assert_eq!(
        dol["transactions"],
        json!({ "started": 100, "completed": 60, "successRate": 0.6, "abandonmentRate": 0.3 })
    );
    let ui = dol["services"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service"]["slug"] == "nys-unemployment-insurance")
        .unwrap();
    assert_eq!(ui["scores"]["responses"], 3);
    assert_eq!(ui["topNegativeDriver"], "EFFICIENCY");
    // Others may not read it; the rest of the answer stands.
    for (caller, code) in [
        (Caller::Anonymous, "UNAUTHENTICATED"),
        (Caller::Editor, "FORBIDDEN"),
    ] {
        let body = app.as_(caller).graphql(agency, json!({})).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], code,
            "{caller:?}: {body}"
        );
        assert!(body["data"]["agency"]["experience"].is_null(), "{body}");
        assert!(body["data"]["agency"]["name"].is_string(), "{body}");
    }

    // The scorecard: every CSSP, and only those.
    let cssps = app
        .data(
            r#"{ agencies(first: 100, filter: {cssp: true}) { nodes { slug } } }"#,
            json!({}),
        )
        .await;
    let mut expected: Vec<String> = cssps["agencies"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["slug"].as_str().unwrap().to_owned())
        .collect();
    expected.sort();
    let app = &app;
    let scorecard = async |order: Value| {
        let body = app
            .as_(Caller::Admin)
            .graphql(
                r#"query($order: ScorecardOrderBy) { csspScorecard(orderBy: $order) {
                    agency { slug } scores { responses csat withheld } } }"#,
                json!({ "order": order }),
            )
            .await;
        assert!(body.get("errors").is_none(), "{body}");
        body["data"]["csspScorecard"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                (
                    a["agency"]["slug"].as_str().unwrap().to_owned(),
                    a["scores"].clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    let by_name = scorecard(json!({ "field": "NAME" })).await;
    let mut slugs: Vec<String> = by_name.iter().map(|(s, _)| s.clone()).collect();
    slugs.sort();
    assert_eq!(slugs, expected);
    // CSAT, worst first: DOL (1 of 3), then OTDA (3 of 3); the rest are withheld, last.
    let worst_first = scorecard(Value::Null).await;
    assert_eq!(worst_first[0].0, "nys-dol");
    assert_eq!(worst_first[1].0, "nys-otda");
    assert!(
        worst_first[2..]
            .iter()
            .all(|(_, s)| s["withheld"].is_string())
    );
    let most_responses = scorecard(json!({ "field": "RESPONSES", "descending": true })).await;
    assert_eq!(most_responses[0].0, "nys-dol");
    assert_eq!(most_responses[0].1["responses"], 3);
    let body = app
        .as_(Caller::Editor)
        .graphql("{ csspScorecard { agency { slug } } }", json!({}))
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{body}"
    );
}

const DOL: &str = r#"query($after: String) { agency(slug: "nys-dol") { experience {
    scores { responses } transactions { started abandoned }
    services(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor }
      nodes { service { slug name } scores { responses } transactions { started } } } } } }"#;

/// The labour department's experience: its own figures, and every page of its services.
async fn dol_pages(app: &TestApp) -> (Value, Vec<Value>) {
    let (mut after, mut nodes, mut pages) = (Value::Null, Vec::new(), 0);
    loop {
        let body = app
            .as_(Caller::Reviewer)
            .graphql(DOL, json!({ "after": after }))
            .await;
        assert!(body.get("errors").is_none(), "{body}");
        let experience = body["data"]["agency"]["experience"].clone();
        let services = &experience["services"];
        nodes.extend(services["nodes"].as_array().unwrap().iter().cloned());
        assert!(services["totalCount"].as_u64().unwrap() as usize >= nodes.len());
        pages += 1;
        assert!(pages < 10, "paging never ends: {body}");
        if services["pageInfo"]["hasNextPage"] != true {
            assert_eq!(
                services["totalCount"].as_u64().unwrap() as usize,
                nodes.len()
            );
            return (experience, nodes);
        }
        after = services["pageInfo"]["endCursor"].clone();
    }
}

#[tokio::test]
async fn an_agencys_figures_count_every_response_and_its_services_come_page_by_page() {
    let app = figures_from_one_response().await;
    let (ui, ucx) = (
        app.service_id("nys-unemployment-insurance").await,
        app.service_id("nys-ucx").await,
    );
    for (service, channel) in [(&ui, "ONLINE_FORM"), (&ucx, "ONLINE_FORM"), (&ucx, "PHONE")] {
        let input = json!({ "serviceId": service, "channelKind": channel, "satisfaction": 4,
            "language": "en" });
        app.submit_feedback(input).await;
    }
    // A month reported twice counts as last reported.
    let month = chrono::Utc::now().format("%Y-%m").to_string();
    for (service, channel, started, abandoned) in [
        (&ui, "ONLINE_FORM", 100, 30),
        (&ui, "ONLINE_FORM", 40, 8),
        (&ucx, "PHONE", 10, 1),
    ] {
        let input = json!({ "serviceId": service, "channelKind": channel, "month": month,
            "started": started, "completed": started - abandoned, "failed": 0,
            "abandoned": abandoned });
        app.report_ux_metrics(input).await;
    }

    let (dol, services) = dol_pages(&app).await;
    assert_eq!(dol["scores"]["responses"], 3, "{dol}");
    assert_eq!(
        dol["transactions"],
        json!({ "started": 50, "abandoned": 9 })
    );
    // The labour department runs five services: three pages of two, by name.
    let names: Vec<&str> = services
        .iter()
        .map(|s| s["service"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 5, "{services:?}");
    // By name, ignoring case: "Unemployment for ..." before "Unemployment Insurance".
    assert!(names.is_sorted_by_key(|n| n.to_lowercase()), "{names:?}");
    let of = |slug: &str| {
        services
            .iter()
            .find(|s| s["service"]["slug"] == slug)
            .cloned()
            .unwrap()
    };
    assert_eq!(of("nys-ucx")["scores"]["responses"], 2);
    assert_eq!(of("nys-ucx")["transactions"]["started"], 10);
    assert_eq!(
        of("nys-unemployment-insurance")["transactions"]["started"],
        40
    );

    // Archived, a service leaves the list, but what its residents said and what its
    // systems counted stay in the agency's figures.
    let archived = app
        .as_(Caller::Admin)
        .mutate("serviceArchive", "service { status }", json!({ "id": ucx }))
        .await;
    assert_eq!(archived["service"]["status"], "ARCHIVED");
    let (dol, services) = dol_pages(&app).await;
    assert_eq!(services.len(), 4);
    assert!(!services.iter().any(|s| s["service"]["slug"] == "nys-ucx"));
    assert_eq!(dol["scores"]["responses"], 3, "{dol}");
    assert_eq!(
        dol["transactions"],
        json!({ "started": 50, "abandoned": 9 })
    );

    // A page size out of range is refused, naming the argument.
    let body = app
        .as_(Caller::Reviewer)
        .graphql(
            r#"{ agency(slug: "nys-dol") { experience { services(first: 500) { totalCount } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{body}"
    );
}

#[tokio::test]
async fn the_experience_benchmark_generates_feedback_and_times_the_cx_reads() {
    let app = TestApp::empty().await;
    let options = civic_catalog::bench::ExperienceOptions {
        services: 80,
        responses: 3_000,
        requests: 3,
        submit_seconds: 0.2,
    };
    let db = app.catalog.connection().clone();
    let report = civic_catalog::bench::experience(db.clone(), options)
        .await
        .unwrap();
    assert_eq!(report.responses, 3_000);
    assert!(report.ux_months > 80, "{report:?}");
    let reads: Vec<&str> = report
        .reads
        .iter()
        .map(|r| r.query.split(' ').next().unwrap())
        .collect();
    assert_eq!(
        reads,
        [
            "csspScorecard",
            "csspScorecard+services",
            "lifeEvent.experience",
            "service.experience",
            "csspScorecard",
            "csspScorecard+services",
            "lifeEvent.experience",
            "service.experience"
        ]
    );
    for read in &report.reads {
        assert!(read.p50 <= read.p99 && read.p99 <= read.max, "{read:?}");
        assert!(read.bytes > 200, "{read:?}");
    }
    assert_eq!(
        report
            .submits
            .iter()
            .map(|s| s.concurrency)
            .collect::<Vec<_>>(),
        [1, 8, 32]
    );
    assert!(report.submits.iter().all(|s| s.submitted > 0));
    let submitted: usize = report.submits.iter().map(|s| s.submitted).sum();

    // What it generated is real data the API reads: every response is there, counted once
    // (the generated ones over the last twelve months and this one, the submitted ones
    // today), and ten agencies are CSSPs.
    let admin = crate::helpers::keys_on_empty(&app).await;
    let today = chrono::Utc::now().date_naive();
    let mut total = 0;
    let mut cards = 0;
    for quarter in 0..6 {
        let day = today
            .checked_sub_months(chrono::Months::new(3 * quarter))
            .unwrap();
        use chrono::Datelike;
        let period = format!("{}-Q{}", day.year(), day.month0() / 3 + 1);
        let body = app
            .with_token(&admin)
            .graphql(
                "query($p: String) { csspScorecard(period: $p) { synthetic scores { responses }
                    services(first: 100) { totalCount nodes { scores { responses } } } } }",
                json!({ "p": period }),
            )
            .await;
        let agencies = body["data"]["csspScorecard"].as_array().unwrap().clone();
        cards = agencies.len();
        for agency in agencies {
            // The agency's own rollup (bulk-loaded, then added to by each submission) holds
            // what its services' rollups hold: no service of these agencies was archived.
            let services = agency["services"]["nodes"].as_array().unwrap();
            assert!(agency["services"]["totalCount"].as_u64().unwrap() <= 100);
            let of_services: u64 = services
                .iter()
                .map(|s| s["scores"]["responses"].as_u64().unwrap())
                .sum();
            assert_eq!(agency["scores"]["responses"], of_services, "{agency}");
            total += of_services;
        }
    }
    assert_eq!(cards, 10);
    // Five quarters and this one cover the thirteen months; CSSP agencies hold a fifth of
    // the services, so roughly a fifth of the responses.
    let all = (3_000 + submitted) as u64;
    assert!(total > all / 10 && total < all / 2, "{total} of {all}");
    // A second run refuses to mix with existing data.
    assert!(civic_catalog::bench::experience(db, options).await.is_err());
}

#[tokio::test]
async fn feedback_submitted_at_once_is_all_counted_for_its_services_and_agency() {
    let app = figures_from_one_response().await;
    let (ui, snap) = (
        app.service_id("nys-unemployment-insurance").await,
        app.service_id("nys-snap").await,
    );
    // 60 responses at once, so they are stored in groups: unemployment insurance gets the
    // even ones (satisfaction 1 to 5 in turn, EASE named badly by every third), SNAP the
    // odd ones, on two channels.
    let submissions = (0..60).map(|i: i64| {
        let service = if i % 2 == 0 { &ui } else { &snap };
        let negative = if i % 3 == 0 {
            json!(["EASE"])
        } else {
            json!([])
        };
        let kind = if i % 4 < 2 { "ONLINE_FORM" } else { "PHONE" };
        let input = json!({ "serviceId": service, "channelKind": kind,
            "satisfaction": 1 + i % 5, "negativeDrivers": negative, "language": "en" });
        app.submit_feedback(input)
    });
    futures_util::future::join_all(submissions).await;

    let ui_satisfaction: i64 = (0..60).step_by(2).map(|i| 1 + i % 5).sum();
    let experience = r#"query($slug: String!) { service(slug: $slug) { experience {
        overall { responses satisfaction }
        byChannel { channelKind scores { responses } }
        drivers { driver negative } } } }"#;
    let data = app
        .data(experience, json!({ "slug": "nys-unemployment-insurance" }))
        .await;
    let seen = &data["service"]["experience"];
    assert_eq!(seen["overall"]["responses"], 30, "{seen}");
    let mean = seen["overall"]["satisfaction"].as_f64().unwrap();
    assert!(
        (mean - ui_satisfaction as f64 / 30.0).abs() < 1e-9,
        "{seen}"
    );
    let channels: Vec<(String, i64)> = seen["byChannel"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["channelKind"].as_str().unwrap().to_owned(),
                c["scores"]["responses"].as_i64().unwrap(),
            )
        })
        .collect();
    // Even i: i % 4 is 0 (ONLINE_FORM) or 2 (PHONE), fifteen each.
    assert_eq!(
        channels,
        [("ONLINE_FORM".to_owned(), 15), ("PHONE".to_owned(), 15)]
    );
    let ease = seen["drivers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["driver"] == "EASE")
        .unwrap();
    // Every sixth response (even and a multiple of three): 10 of 30.
    assert!(
        (ease["negative"].as_f64().unwrap() - 10.0 / 30.0).abs() < 1e-9,
        "{ease}"
    );

    let agency = r#"{ agency(slug: "nys-dol") { experience { scores { responses } } }
        snap: agency(slug: "nys-otda") { experience { scores { responses } } } }"#;
    let body = app.as_(Caller::Reviewer).graphql(agency, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(
        body["data"]["agency"]["experience"]["scores"]["responses"],
        30
    );
    assert_eq!(
        body["data"]["snap"]["experience"]["scores"]["responses"],
        30
    );
}

#[tokio::test]
async fn every_cssps_page_of_services_costs_the_statements_of_one() {
    let app = TestApp::with_keys_and(Limits {
        public_revision_poll_ms: 0,
        ..Limits::default()
    })
    .await;
    let admin = app.as_(Caller::Admin);
    let cost = async |query: &str| {
        let before = app.sql_statements().await;
        let body = admin.graphql(query, json!({})).await;
        let after = app.sql_statements().await;
        assert!(body.get("errors").is_none(), "{body}");
        (after - before, body)
    };
    let services =
        "services(first: 2) { totalCount nodes { service { slug } scores { responses } } }";
    let (one_bare, _) = cost(r#"{ agency(slug: "nys-dol") { experience { cssp } } }"#).await;
    let (one, body) = cost(&format!(
        r#"{{ agency(slug: "nys-dol") {{ experience {{ cssp {services} }} }} }}"#
    ))
    .await;
    let dol = &body["data"]["agency"]["experience"]["services"];
    assert_eq!(dol["totalCount"], 5, "{dol}");
    assert_eq!(dol["nodes"].as_array().unwrap().len(), 2);
    let (all_bare, _) = cost("{ csspScorecard { cssp } }").await;
    let (all, body) = cost(&format!("{{ csspScorecard {{ cssp {services} }} }}")).await;
    let rows = body["data"]["csspScorecard"].as_array().unwrap();
    assert!(rows.len() > 2, "{body}");
    for row in rows {
        let nodes = row["services"]["nodes"].as_array().unwrap();
        let total = row["services"]["totalCount"].as_u64().unwrap();
        assert_eq!(nodes.len() as u64, total.min(2), "{row}");
    }
    // The services of every CSSP are read by the same statements as one agency's.
    assert_eq!(all - all_bare, one - one_bare);
}

/// A catalog with keys where feedback is not rate-limited and a figure is shown from one
/// response.
async fn figures_from_one_response() -> TestApp {
    TestApp::with_keys_and(Limits {
        feedback_rate_limit: 0,
        min_responses: 1,
        public_revision_poll_ms: 0,
        ..Limits::default()
    })
    .await
}
