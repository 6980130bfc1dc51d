//! `civic-catalog bench experience`: the CX reads at scale. It generates a catalog (10,000
//! services by default, a fifth of the agencies CSSPs, a phone line beside every other
//! service's website), a million feedback responses over the twelve months before the
//! current one and the current month, and twelve months of UX metrics for every service and
//! channel; then times `csspScorecard`, `lifeEvent.experience` and `service.experience`
//! through the whole GraphQL stack (parse, validate, resolve, serialize), one request at a
//! time over varied life events and services, for a quarter and a fiscal year; and
//! `feedbackSubmit` throughput, one submission at a time (one core), 8 and 32 at a time.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{Datelike, Days, Months, Utc};
use sea_orm::{ActiveValue::NotSet, ConnectionTrait, DatabaseConnection, EntityTrait, Set};
use serde_json::json;

use super::{Shape, empty_catalog, generate, insert_chunks, quantile};
use crate::catalog::Catalog;
use crate::catalog::principal::{KeyPrincipal, Principal};
use crate::catalog::reader::Reader;
use crate::catalog::synthetic::Sequence;
use crate::catalog::types::{ChannelKind, CxDriver, EntryPoint, Role, TouchpointCategory};
use crate::config::Limits;
use crate::entity::enums::Drivers;
use crate::entity::{channel, cssp_designation, feedback, language, life_event_service, ux_metric};
use crate::graphql::{CatalogSchema, build_schema, execute};

/// What to generate and how long to measure.
#[derive(Debug, Clone, Copy)]
pub struct ExperienceOptions {
    /// Published services.
    pub services: usize,
    /// Feedback responses.
    pub responses: usize,
    /// Requests timed for each read.
    pub requests: usize,
    /// Seconds of `feedbackSubmit` at each concurrency.
    pub submit_seconds: f64,
}

/// One read's latency.
#[derive(Debug, Clone)]
pub struct ReadRound {
    /// The query and period.
    pub query: String,
    /// p50, p99 and the slowest.
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
    /// Bytes of the last answer.
    pub bytes: usize,
}

/// `feedbackSubmit` throughput.
#[derive(Debug, Clone)]
pub struct SubmitRound {
    /// Submissions under way at once.
    pub concurrency: usize,
    /// Submissions stored.
    pub submitted: usize,
    /// Per second.
    pub per_second: f64,
    /// p99 of one submission.
    pub p99: Duration,
}

/// What the benchmark measured.
#[derive(Debug, Clone)]
pub struct ExperienceReport {
    pub generate_catalog: Duration,
    pub generate_experience: Duration,
    pub responses: usize,
    pub ux_months: usize,
    pub reads: Vec<ReadRound>,
    pub submits: Vec<SubmitRound>,
}

const SCORECARD_AGENCIES: &str = "query($period: String) { csspScorecard(period: $period) {
  agency { slug name } cssp synthetic
  scores { responses satisfaction csat trust withheld } topNegativeDriver
  transactions { started completed failed abandoned successRate abandonmentRate } } }";

const SCORECARD: &str = "query($period: String) { csspScorecard(period: $period) {
  agency { slug name } cssp synthetic
  scores { responses satisfaction csat trust withheld } topNegativeDriver
  transactions { started completed failed abandoned successRate abandonmentRate }
  services(first: 100) { totalCount pageInfo { endCursor } nodes { service { slug name }
    scores { responses satisfaction csat trust } topNegativeDriver
    transactions { started abandonmentRate } } } } }";

const JOURNEY: &str = "query($slug: String!, $period: String) { lifeEvent(slug: $slug) {
  name experience(period: $period) { synthetic
    stages { stage { slug name } scores { responses satisfaction csat trust withheld }
      started abandonmentRate byCategory { category scores { responses satisfaction } }
      services { service { slug name agency { name } } scores { responses satisfaction csat }
        started abandonmentRate } }
    gaps { kind stage { slug } nextStage { slug } severity reason } } } }";

const SERVICE: &str = "query($slug: String!, $period: String) { service(slug: $slug) {
  name experience(period: $period) { synthetic
    overall { responses satisfaction csat trust withheld }
    byChannel { channelKind category scores { responses satisfaction csat } }
    byCategory { category scores { responses satisfaction } }
    byStage { stage { slug } scores { responses satisfaction } }
    drivers { driver positive negative } entryPoints { entryPoint responses share }
    trend { month scores { responses satisfaction } }
    uxMetrics { channelKind months started completed successRate errorRate abandonmentRate
      medianSecondsToComplete medianClicksToComplete } } } }";

const SUBMIT: &str = "mutation($input: FeedbackSubmitInput!) { feedbackSubmit(input: $input) {
  receipt { submittedOn } userErrors { field message code } } }";

/// Runs the benchmark on `db`, which must be empty.
pub async fn run(
    db: DatabaseConnection,
    options: ExperienceOptions,
) -> Result<ExperienceReport, Box<dyn std::error::Error>> {
    let catalog = empty_catalog(&db).await?;
    let shape = Shape {
        services: options.services.max(1),
        criteria: 10,
        life_events: (options.services / 40).max(1),
    };
    let started = Instant::now();
    generate(&db, shape).await?;
    let generate_catalog = started.elapsed();
    let started = Instant::now();
    let (responses, ux_months) = generate_experience(&db, shape, options.responses).await?;
    let generate_experience = started.elapsed();

    let limits = Limits {
        feedback_rate_limit: 0,
        ..Limits::default()
    };
    let schema = build_schema(catalog.clone(), &limits);
    let admin = Principal::Key(KeyPrincipal {
        key_id: 0,
        name: "bench".into(),
        role: Role::Admin,
        agency_id: None,
    });
    let today = Utc::now().date_naive();
    let quarter = match today.month0() / 3 {
        0 => format!("{}-Q4", today.year() - 1),
        q => format!("{}-Q{q}", today.year()),
    };
    // This fiscal year (New York's, April to March), so far.
    let fiscal = format!(
        "FY{}",
        if today.month() >= 4 {
            today.year() + 1
        } else {
            today.year()
        }
    );
    let mut reads = Vec::new();
    for period in [&quarter, &fiscal] {
        for (query, name) in [
            (SCORECARD_AGENCIES, "csspScorecard"),
            (SCORECARD, "csspScorecard+services"),
        ] {
            let scorecard = |_: usize| (query, json!({ "period": period }), admin.clone());
            let name = format!("{name} {period}");
            reads.push(time_reads(&schema, &catalog, &name, options.requests, scorecard).await?);
        }
        let journey = |i: usize| {
            let slug = format!("event-{}", (i * 7) % shape.life_events);
            (
                JOURNEY,
                json!({ "slug": slug, "period": period }),
                Principal::Anonymous,
            )
        };
        reads.push(
            time_reads(
                &schema,
                &catalog,
                &format!("lifeEvent.experience {period}"),
                options.requests,
                journey,
            )
            .await?,
        );
        let service = |i: usize| {
            let slug = format!("service-{}", (i * 7919) % shape.services);
            (
                SERVICE,
                json!({ "slug": slug, "period": period }),
                Principal::Anonymous,
            )
        };
        reads.push(
            time_reads(
                &schema,
                &catalog,
                &format!("service.experience {period}"),
                options.requests,
                service,
            )
            .await?,
        );
    }
    let mut submits = Vec::new();
    for concurrency in [1, 8, 32] {
        submits.push(
            time_submits(
                &schema,
                &catalog,
                shape,
                concurrency,
                Duration::from_secs_f64(options.submit_seconds.clamp(0.2, 600.0)),
            )
            .await?,
        );
    }
    Ok(ExperienceReport {
        generate_catalog,
        generate_experience,
        responses,
        ux_months,
        reads,
        submits,
    })
}

/// Times `requests` requests that `request(i)` makes (after one warm-up), one at a time.
async fn time_reads(
    schema: &CatalogSchema,
    catalog: &Catalog,
    name: &str,
    requests: usize,
    request: impl Fn(usize) -> (&'static str, serde_json::Value, Principal),
) -> Result<ReadRound, Box<dyn std::error::Error>> {
    let mut samples = Vec::with_capacity(requests);
    let mut bytes = 0;
    for i in 0..=requests {
        let (query, variables, principal) = request(i);
        let reader = Reader::new(catalog, &principal);
        let request = async_graphql::Request::new(query)
            .variables(async_graphql::Variables::from_json(variables));
        let t = Instant::now();
        let response = execute(schema, request, &reader, &principal).await;
        let body = serde_json::to_vec(&response)?;
        let elapsed = t.elapsed();
        if !response.errors.is_empty() {
            return Err(format!("{name} request {i} failed: {:?}", response.errors).into());
        }
        bytes = body.len();
        if i > 0 {
            samples.push(elapsed);
        }
    }
    samples.sort();
    let pick = |q: f64| quantile(&samples, q);
    Ok(ReadRound {
        query: name.to_owned(),
        p50: pick(0.5),
        p99: pick(0.99),
        max: samples.last().copied().unwrap_or_default(),
        bytes,
    })
}

/// Submits feedback for `duration`, `concurrency` at a time, through the GraphQL stack.
async fn time_submits(
    schema: &CatalogSchema,
    catalog: &Catalog,
    shape: Shape,
    concurrency: usize,
    duration: Duration,
) -> Result<SubmitRound, Box<dyn std::error::Error>> {
    let started = Instant::now();
    let mut workers = Vec::new();
    for w in 0..concurrency {
        let schema = schema.clone();
        let catalog = catalog.clone();
        workers.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            let mut i = w;
            while started.elapsed() < duration {
                let n = i % shape.services;
                let service = crate::graphql::node::global_id(
                    crate::graphql::node::NodeKind::Service,
                    i32::try_from(n + 1).unwrap_or(1),
                );
                let input = json!({ "serviceId": service.as_str(), "channelKind": "WEBSITE",
                    "satisfaction": 1 + i % 5, "trust": 1 + (i / 5) % 5,
                    "negativeDrivers": if i % 5 < 2 { json!(["EASE"]) } else { json!([]) },
                    "entryPoint": "PORTAL", "language": "en",
                    "comment": if i % 10 == 0 { json!("Took 3 weeks; call me at 518-555-0142") } else { json!(null) } });
                let reader = Reader::new(&catalog, &Principal::Anonymous);
                let request = async_graphql::Request::new(SUBMIT)
                    .variables(async_graphql::Variables::from_json(json!({ "input": input })));
                let t = Instant::now();
                let response = execute(&schema, request, &reader, &Principal::Anonymous).await;
                samples.push(t.elapsed());
                let stored = response.errors.is_empty()
                    && response.data.to_string().contains("submittedOn");
                if !stored {
                    return Err(format!(
                        "submission {i} failed: {:?} {}",
                        response.errors, response.data
                    ));
                }
                i += concurrency;
            }
            Ok(samples)
        }));
    }
    let mut samples = Vec::new();
    for worker in workers {
        samples.extend(worker.await??);
    }
    let elapsed = started.elapsed();
    samples.sort();
    let p99 = quantile(&samples, 0.99);
    Ok(SubmitRound {
        concurrency,
        submitted: samples.len(),
        per_second: samples.len() as f64 / elapsed.as_secs_f64().max(1e-9),
        p99,
    })
}

/// A fifth of the agencies become CSSPs, every other service gets a phone line, then
/// `responses` feedback responses and twelve months of UX metrics are written. Returns the
/// responses and UX months written.
async fn generate_experience(
    db: &DatabaseConnection,
    shape: Shape,
    responses: usize,
) -> Result<(usize, usize), Box<dyn std::error::Error>> {
    let today = Utc::now().date_naive();
    let this_month = today.with_day(1).unwrap_or(today);
    let first = this_month
        .checked_sub_months(Months::new(12))
        .unwrap_or(this_month);
    let days = (today - first).num_days().max(1) as u64 + 1;
    insert_chunks(
        db,
        (0..10)
            .map(|i| cssp_designation::ActiveModel {
                id: NotSet,
                agency_id: Set(1 + 5 * i),
                designated_on: Set(first),
                large_customer_base: Set(true),
                high_impact: Set(i % 2 == 0),
                cx_lead_name: Set(None),
                cx_lead_email: Set(None),
                source: Set(Some("Synthetic benchmark designation.".into())),
            })
            .collect(),
    )
    .await?;
    insert_chunks(
        db,
        vec![language::ActiveModel {
            id: NotSet,
            code: Set("en".into()),
            name: Set("English".into()),
        }],
    )
    .await?;
    let phone = |i: usize| i.is_multiple_of(2);
    insert_chunks(
        db,
        (0..shape.services)
            .filter(|i| phone(*i))
            .map(|i| channel::ActiveModel {
                id: NotSet,
                service_id: Set(super::id(i)),
                kind: Set(ChannelKind::Phone),
                category: Set(TouchpointCategory::Human),
                label: Set("Phone".into()),
                url: Set(None),
                phone: Set(Some("+1 518 555 0100".into())),
                email: Set(None),
                address: Set(None),
                hours: Set(None),
                languages: Set(None),
                accessibility: Set(None),
                position: Set(2),
                replaces_id: Set(None),
            })
            .collect(),
    )
    .await?;
    let mut links: HashMap<i32, Vec<(i32, i32)>> = HashMap::new();
    for link in life_event_service::Entity::find().all(db).await? {
        links
            .entry(link.service_id)
            .or_default()
            .push((link.life_event_id, link.journey_stage_id));
    }
    let mut seq = Sequence(0xBE4C_E0FE_ED8A_C000);
    let mut batch = Vec::with_capacity(1_000);
    let mut per_month: HashMap<(usize, bool, u32), u64> = HashMap::new();
    for n in 0..responses {
        let i = (seq.next() % shape.services as u64) as usize;
        let on_phone = phone(i) && seq.chance(0.35);
        let day = first
            .checked_add_days(Days::new(seq.next() % days))
            .unwrap_or(first);
        // Each service has its own level: some do well, some badly.
        let level = 2.0 + (i % 7) as f64 * 0.45;
        let satisfaction = (level + seq.unit() * 2.0 - 0.5).round().clamp(1.0, 5.0) as i16;
        let weak = CxDriver::ALL[i % CxDriver::ALL.len()];
        let (life_event_id, journey_stage_id) = match links.get(&super::id(i)) {
            Some(l) if !l.is_empty() && seq.chance(0.6) => {
                let (e, s) = l[(seq.next() % l.len() as u64) as usize];
                (Some(e), Some(s))
            }
            _ => (None, None),
        };
        *per_month
            .entry((i, on_phone, day.year() as u32 * 12 + day.month0()))
            .or_default() += 1;
        batch.push(feedback::ActiveModel {
            id: NotSet,
            service_id: Set(super::id(i)),
            channel_kind: Set(if on_phone {
                ChannelKind::Phone
            } else {
                ChannelKind::Website
            }),
            life_event_id: Set(life_event_id),
            journey_stage_id: Set(journey_stage_id),
            satisfaction: Set(satisfaction),
            trust: Set(seq.chance(0.8).then_some(satisfaction)),
            positive_drivers: Set(Drivers(if satisfaction >= 4 {
                vec![CxDriver::Ease]
            } else {
                Vec::new()
            })),
            negative_drivers: Set(Drivers(if satisfaction <= 2 {
                vec![weak]
            } else {
                Vec::new()
            })),
            entry_point: Set(seq.chance(0.7).then_some(EntryPoint::Portal)),
            comment: Set(None),
            language: Set("en".into()),
            page_url: Set(None),
            submitted_on: Set(day),
            synthetic: Set(true),
        });
        if batch.len() == 1_000 || n + 1 == responses {
            feedback::Entity::insert_many(std::mem::take(&mut batch))
                .exec(db)
                .await?;
        }
    }
    let mut months = Vec::new();
    for ((i, on_phone, month), count) in per_month {
        let Some(first_day) =
            chrono::NaiveDate::from_ymd_opt((month / 12) as i32, month % 12 + 1, 1)
        else {
            continue;
        };
        if first_day >= this_month {
            continue; // Only months that have ended are reported.
        }
        let started = i64::try_from(count * 9).unwrap_or(i64::MAX);
        let abandoned = started * (5 + (i % 7) as i64 * 4) / 100;
        let failed = started / 20;
        months.push(ux_metric::ActiveModel {
            id: NotSet,
            service_id: Set(super::id(i)),
            channel_kind: Set(if on_phone {
                ChannelKind::Phone
            } else {
                ChannelKind::Website
            }),
            month: Set(first_day),
            started: Set(started),
            completed: Set(started - abandoned - failed),
            failed: Set(failed),
            abandoned: Set(abandoned),
            median_seconds: Set(Some(600.0)),
            p90_seconds: Set(Some(1_400.0)),
            median_clicks: Set((!on_phone).then_some(14.0)),
            reported_at: Set(Utc::now()),
            synthetic: Set(true),
        });
    }
    let ux_months = months.len();
    insert_chunks(db, months).await?;
    Catalog::new(db.clone())
        .rebuild_feedback_months()
        .await
        .map_err(|e| e.for_operator())?;
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        // As autovacuum would on a live database: plans need statistics of the new rows.
        db.execute_unprepared("ANALYZE").await?;
    }
    Ok((responses, ux_months))
}
