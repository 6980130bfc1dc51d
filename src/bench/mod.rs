//! `civic-catalog bench recommend`: a synthetic catalog of N services, M criteria and K life
//! events, and the latency of `recommendServices` through the whole GraphQL stack (parse,
//! validate, resolve with loaders, serialize) on one core.

use std::time::{Duration, Instant};

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ConnectionTrait, DatabaseConnection, EntityTrait, Set,
};
use serde_json::json;

use crate::catalog::Catalog;
use crate::catalog::reader::Reader;
use crate::catalog::reference::HOUSEHOLD_SIZE;
use crate::catalog::types::{
    ChannelKind, CriterionKind, IncomePeriod, JurisdictionKind, RelationKind, Relevance,
    RuleGroupMode, RuleOperator, ServiceStatus, TouchpointCategory,
};
use crate::entity::{
    agency, channel, criterion, eligibility_rule, eligibility_rule_group, journey_stage,
    jurisdiction, life_event, life_event_service, reference_table, reference_table_version,
    service, service_jurisdiction, service_relation,
};
use crate::graphql::{build_schema, execute};

mod attacks;
mod experience;
mod http;
mod snapshot;
pub use attacks::{Refusal, attack_refusals, nested_relations};
pub use experience::{ExperienceOptions, ExperienceReport, run as experience};
pub use http::{Comparison, HttpOptions, HttpReport, Round, run as http};
pub use snapshot::{SnapshotReport, run as snapshot};

/// The size of a synthetic catalog.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub services: usize,
    pub criteria: usize,
    pub life_events: usize,
}

/// What a benchmark run measured.
#[derive(Debug, Clone)]
pub struct Report {
    pub generate: Duration,
    pub first_request: Duration,
    pub requests: usize,
    pub p50: Duration,
    pub p99: Duration,
    pub mean: Duration,
    pub max: Duration,
}

const ROWS_PER_INSERT: usize = 500;

/// The catalog over `db`, which must hold no service: benchmarks never mix with real data.
async fn empty_catalog(db: &DatabaseConnection) -> Result<Catalog, Box<dyn std::error::Error>> {
    let catalog = Catalog::new(db.clone());
    if !catalog.is_empty().await.map_err(|e| e.for_operator())? {
        return Err("bench needs an empty database (for example sqlite::memory: or a new PostgreSQL database)".into());
    }
    Ok(catalog)
}

async fn insert_chunks<A>(db: &DatabaseConnection, rows: Vec<A>) -> Result<(), sea_orm::DbErr>
where
    A: sea_orm::ActiveModelTrait + Send,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(ROWS_PER_INSERT).collect();
        A::Entity::insert_many(chunk).exec(db).await?;
    }
    Ok(())
}

/// The `q` quantile of sorted `samples` (zero when there are none).
fn quantile(samples: &[Duration], q: f64) -> Duration {
    samples
        .get(((samples.len() as f64 - 1.0) * q).round() as usize)
        .copied()
        .unwrap_or_default()
}

/// The reference table the generated income rules compare with.
const BENCH_TABLE: &str = "bench-guideline";

fn id(i: usize) -> i32 {
    i32::try_from(i + 1).unwrap_or(i32::MAX)
}

/// Fills an empty database with a synthetic catalog of `shape`, with explicit ids so rows
/// can refer to each other without reading them back.
pub async fn generate(
    db: &DatabaseConnection,
    shape: Shape,
) -> Result<(), Box<dyn std::error::Error>> {
    let now = Utc::now();
    insert_chunks(
        db,
        vec![
            jurisdiction::ActiveModel {
                id: Set(1),
                code: Set("US".into()),
                name: Set("United States".into()),
                kind: Set(JurisdictionKind::Federal),
                parent_id: Set(None),
                version: Set(1),
            },
            jurisdiction::ActiveModel {
                id: Set(2),
                code: Set("US-SY".into()),
                name: Set("Synthetic State".into()),
                kind: Set(JurisdictionKind::State),
                parent_id: Set(Some(1)),
                version: Set(1),
            },
            jurisdiction::ActiveModel {
                id: Set(3),
                code: Set("US-SY-CTY".into()),
                name: Set("Synthetic City".into()),
                kind: Set(JurisdictionKind::City),
                parent_id: Set(Some(2)),
                version: Set(1),
            },
        ],
    )
    .await?;
    let agencies = 50;
    insert_chunks(
        db,
        (0..agencies)
            .map(|i| agency::ActiveModel {
                id: Set(id(i)),
                slug: Set(format!("agency-{i}")),
                name: Set(format!("Agency {i}")),
                acronym: Set(None),
                jurisdiction_id: Set(id(i % 3)),
                parent_id: Set(None),
                website: Set(None),
                phone: Set(None),
                description: Set("Synthetic agency.".into()),
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
            })
            .collect(),
    )
    .await?;
    let kinds = [
        CriterionKind::Number,
        CriterionKind::Boolean,
        CriterionKind::Select,
        CriterionKind::Date,
    ];
    let options = json!([{ "value": "o1", "label": "One" }, { "value": "o2", "label": "Two" }, { "value": "o3", "label": "Three" }]).to_string();
    insert_chunks(
        db,
        (0..shape.criteria)
            .map(|i| {
                let kind = kinds[i % kinds.len()];
                criterion::ActiveModel {
                    id: Set(id(i)),
                    key: Set(format!("criterion-{i}")),
                    label: Set(format!("Question {i}?")),
                    description: Set("Synthetic criterion.".into()),
                    kind: Set(kind),
                    options: Set((kind == CriterionKind::Select).then(|| options.clone())),
                    unit: Set(None),
                    version: Set(1),
                    // NUMBER criteria are monthly incomes, which half their rules compare
                    // with the reference table below.
                    income_period: Set(
                        (kind == CriterionKind::Number).then_some(IncomePeriod::Monthly)
                    ),
                    future_dates: Set(false),
                }
            })
            .chain(std::iter::once(criterion::ActiveModel {
                id: Set(id(shape.criteria)),
                key: Set(HOUSEHOLD_SIZE.into()),
                label: Set("How many people live in your household?".into()),
                description: Set("Synthetic household size.".into()),
                kind: Set(CriterionKind::Number),
                options: Set(None),
                unit: Set(None),
                version: Set(1),
                income_period: Set(None),
                future_dates: Set(false),
            }))
            .collect(),
    )
    .await?;
    reference_table::ActiveModel {
        id: Set(1),
        key: Set(BENCH_TABLE.into()),
        name: Set("Synthetic poverty guideline".into()),
        description: Set("Yearly amounts by household size.".into()),
        period: Set(IncomePeriod::Annual),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    reference_table_version::ActiveModel {
        id: Set(1),
        table_id: Set(1),
        effective_from: Set(chrono::NaiveDate::from_ymd_opt(2025, 1, 15).unwrap_or_default()),
        amounts: Set("[15650,21150,26650,32150,37650,43150,48650,54150]".into()),
        additional_person: Set(5500.0),
        source_url: Set(
            "https://aspe.hhs.gov/topics/poverty-economic-mobility/poverty-guidelines".into(),
        ),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    insert_chunks(
        db,
        (0..shape.life_events)
            .map(|i| life_event::ActiveModel {
                id: Set(id(i)),
                slug: Set(format!("event-{i}")),
                name: Set(format!("Life event {i}")),
                description: Set("Synthetic life event.".into()),
                eu_code: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
            })
            .collect(),
    )
    .await?;
    let stages = 4;
    insert_chunks(
        db,
        (0..shape.life_events * stages)
            .map(|i| journey_stage::ActiveModel {
                id: Set(id(i)),
                life_event_id: Set(id(i / stages)),
                position: Set(id(i % stages)),
                slug: Set(format!("stage-{}", i % stages)),
                name: Set(format!("Stage {}", i % stages)),
                description: Set("Synthetic stage.".into()),
            })
            .collect(),
    )
    .await?;
    insert_chunks(
        db,
        (0..shape.services)
            .map(|i| service::ActiveModel {
                id: Set(id(i)),
                slug: Set(format!("service-{i}")),
                name: Set(format!("Service {i:06}")),
                summary: Set("A synthetic service.".into()),
                description: Set("Generated for benchmarks.".into()),
                agency_id: Set(id(i % agencies)),
                eligibility_summary: Set(None),
                fees: Set(None),
                processing_time: Set(None),
                status: Set(ServiceStatus::Published),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                published_at: Set(Some(now)),
                deleted_at: Set(None),
                external_id: Set(Some(format!("ext-{i}"))),
                revision_of_id: Set(None),
                agency_checks: Set(Default::default()),
                program: Set(None),
            })
            .collect(),
    )
    .await?;
    // 60% state, 30% city, 10% federal.
    insert_chunks(
        db,
        (0..shape.services)
            .map(|i| service_jurisdiction::ActiveModel {
                id: NotSet,
                service_id: Set(id(i)),
                jurisdiction_id: Set(match i % 10 {
                    0 => 1,
                    1..=3 => 3,
                    _ => 2,
                }),
            })
            .collect(),
    )
    .await?;
    insert_chunks(
        db,
        (0..shape.services)
            .map(|i| channel::ActiveModel {
                id: NotSet,
                service_id: Set(id(i)),
                kind: Set(ChannelKind::Website),
                category: Set(TouchpointCategory::Digital),
                label: Set("Website".into()),
                url: Set(Some(format!("https://example.gov/{i}"))),
                phone: Set(None),
                email: Set(None),
                address: Set(None),
                hours: Set(None),
                languages: Set(None),
                accessibility: Set(None),
                position: Set(1),
                replaces_id: Set(None),
            })
            .collect(),
    )
    .await?;
    // Every service is linked to one life event; a third of them to a second one.
    let mut links = Vec::new();
    for i in 0..shape.services {
        let mut events = vec![i % shape.life_events];
        let second = (i * 7 + 3) % shape.life_events;
        if i % 3 == 0 && !events.contains(&second) {
            events.push(second);
        }
        for event in events {
            links.push(life_event_service::ActiveModel {
                id: NotSet,
                life_event_id: Set(id(event)),
                journey_stage_id: Set(id(event * stages + i % stages)),
                service_id: Set(id(i)),
                relevance: Set(if i % 3 == 0 {
                    Relevance::Core
                } else {
                    Relevance::Supporting
                }),
                reason: Set("Synthetic link.".into()),
                position: Set(0),
            });
        }
    }
    insert_chunks(db, links).await?;
    let kinds_rel = [
        RelationKind::Complements,
        RelationKind::Requires,
        RelationKind::FollowUp,
        RelationKind::AlternativeTo,
    ];
    insert_chunks(
        db,
        (0..shape.services)
            .filter_map(|i| {
                let to = (i * 31 + 7) % shape.services;
                (to != i).then(|| service_relation::ActiveModel {
                    id: NotSet,
                    service_id: Set(id(i)),
                    related_service_id: Set(id(to)),
                    kind: Set(kinds_rel[i % kinds_rel.len()]),
                    reason: Set("Synthetic relation.".into()),
                })
            })
            .collect(),
    )
    .await?;
    // One ALL group per service with 1 to 3 rules over the criteria.
    insert_chunks(
        db,
        (0..shape.services)
            .map(|i| eligibility_rule_group::ActiveModel {
                id: Set(id(i)),
                service_id: Set(id(i)),
                mode: Set(if i % 5 == 0 {
                    RuleGroupMode::Any
                } else {
                    RuleGroupMode::All
                }),
                position: Set(1),
                description: Set(None),
            })
            .collect(),
    )
    .await?;
    let mut rules = Vec::new();
    for i in 0..shape.services {
        for j in 0..(1 + i % 3) {
            let c = (i * 13 + j * 5) % shape.criteria;
            let (operator, value) = match kinds[c % kinds.len()] {
                CriterionKind::Number if i % 2 == 0 => (
                    RuleOperator::AtMostPercentOfTable,
                    json!({ "table": BENCH_TABLE, "percent": 100 + (i % 30) * 10 }),
                ),
                CriterionKind::Number => (RuleOperator::Lte, json!(1000 + (i % 50) * 100)),
                CriterionKind::Boolean => (RuleOperator::IsTrue, json!(null)),
                CriterionKind::Select => (RuleOperator::OneOf, json!(["o1", "o2"])),
                _ => (RuleOperator::AtLeastYearsAgo, json!(18 + i % 50)),
            };
            rules.push(eligibility_rule::ActiveModel {
                id: NotSet,
                group_id: Set(id(i)),
                service_id: Set(id(i)),
                criterion_id: Set(id(c)),
                operator: Set(operator),
                value: Set(value.to_string()),
                position: Set(id(j)),
            });
        }
    }
    insert_chunks(db, rules).await?;
    // The ids above were given, not drawn: move PostgreSQL's sequences past them so rows
    // the API inserts later (an editor's draft) get fresh ids.
    if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        for table in [
            "jurisdiction",
            "agency",
            "criterion",
            "life_event",
            "journey_stage",
            "service",
            "eligibility_rule_group",
            "reference_table",
            "reference_table_version",
        ] {
            db.execute_unprepared(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            ))
            .await?;
        }
        // As autovacuum would on a live database soon after a bulk load: without
        // statistics of the new rows, PostgreSQL plans reads of a few stages by walking
        // every published service (15 s instead of milliseconds at 100,000 services).
        db.execute_unprepared("ANALYZE").await?;
    }
    Catalog::bump_revision(db, true)
        .await
        .map_err(|e| e.for_operator())?;
    Ok(())
}

const QUERY: &str = r#"query Recommend($input: RecommendationInput!) {
  recommendServices(input: $input, first: 20) {
    totalCount
    suggestedLifeEvents { reason lifeEvent { slug } }
    nodes {
      rank score
      service { slug name summary }
      stage { name }
      eligibility { status checks { rule outcome } }
      reasons { kind text }
    }
  }
}"#;

/// The variables of the `i`th recommendation request: one or two life events, 0 to 5
/// answers of every criterion kind, city or state residents, ineligible services shown for
/// one request in four.
fn recommendation_variables(i: usize, shape: Shape) -> serde_json::Value {
    let events: Vec<String> = (0..1 + i % 2)
        .map(|k| format!("event-{}", (i * 3 + k * 5) % shape.life_events))
        .collect();
    let answers: Vec<serde_json::Value> = (0..i % 6)
        .map(|k| {
            let c = (i * 7 + k * 11) % shape.criteria;
            let value = match c % 4 {
                0 => json!(((i * 37) % 6000) as f64),
                1 => json!(i.is_multiple_of(2)),
                2 => json!(["o1", "o2", "o3"][i % 3]),
                _ => json!(format!("{}-06-15", 1940 + (i % 70))),
            };
            json!({ "criterion": format!("criterion-{c}"), "value": value })
        })
        .collect::<Vec<_>>();
    let size =
        (!i.is_multiple_of(3)).then(|| json!({ "criterion": HOUSEHOLD_SIZE, "value": 1 + i % 8 }));
    let mut seen = std::collections::HashSet::new();
    let answers: Vec<_> = answers
        .into_iter()
        .chain(size)
        .filter(|a| seen.insert(a["criterion"].to_string()))
        .collect();
    json!({ "input": {
        "lifeEvents": events, "jurisdiction": if i.is_multiple_of(2) { "US-SY-CTY" } else { "US-SY" },
        "answers": answers, "asOf": "2026-11-24", "includeIneligible": i.is_multiple_of(4) } })
}

/// Generates the catalog, then times `requests` recommendation requests with varied life
/// events and answers, one at a time.
pub async fn run(
    db: DatabaseConnection,
    shape: Shape,
    requests: usize,
) -> Result<Report, Box<dyn std::error::Error>> {
    let catalog = empty_catalog(&db).await?;
    let started = Instant::now();
    generate(&db, shape).await?;
    let generate = started.elapsed();
    let schema = build_schema(catalog.clone(), &crate::config::Limits::default());
    let mut samples = Vec::with_capacity(requests);
    let mut first_request = Duration::ZERO;
    for i in 0..=requests {
        let variables = recommendation_variables(i, shape);
        let anonymous = crate::catalog::principal::Principal::Anonymous;
        let reader = Reader::new(&catalog, &anonymous);
        let request = async_graphql::Request::new(QUERY)
            .variables(async_graphql::Variables::from_json(variables));
        let t = Instant::now();
        let response = execute(&schema, request, &reader, &anonymous).await;
        let body = serde_json::to_vec(&response)?;
        let elapsed = t.elapsed();
        if !response.errors.is_empty() {
            return Err(format!("request {i} failed: {:?}", response.errors).into());
        }
        std::hint::black_box(body);
        if i == 0 {
            first_request = elapsed; // includes building the index
        } else {
            samples.push(elapsed);
        }
    }
    samples.sort();
    let pick = |q: f64| quantile(&samples, q);
    let total: Duration = samples.iter().sum();
    Ok(Report {
        generate,
        first_request,
        requests,
        p50: pick(0.5),
        p99: pick(0.99),
        mean: total / u32::try_from(samples.len().max(1)).unwrap_or(1),
        max: samples.last().copied().unwrap_or_default(),
    })
}

/// What an import benchmark measured.
#[derive(Debug, Clone)]
pub struct ImportReport {
    pub services: usize,
    pub batches: usize,
    pub total: Duration,
    pub batch_p50: Duration,
    pub batch_max: Duration,
}

const IMPORT: &str = r#"mutation($input: ServicesImportInput!) {
  servicesImport(input: $input) { services { id } userErrors { field message code } }
}"#;

/// Registers `services` services through `servicesImport` (batches of `batch`) on an empty
/// database, through the whole GraphQL stack, as an ADMIN key would.
pub async fn import(
    db: DatabaseConnection,
    services: usize,
    batch: usize,
) -> Result<ImportReport, Box<dyn std::error::Error>> {
    let catalog = empty_catalog(&db).await?;
    let now = Utc::now();
    jurisdiction::ActiveModel {
        id: Set(1),
        code: Set("US".into()),
        name: Set("United States".into()),
        kind: Set(JurisdictionKind::Federal),
        parent_id: Set(None),
        version: Set(1),
    }
    .insert(&db)
    .await?;
    agency::ActiveModel {
        id: Set(1),
        slug: Set("bench-agency".into()),
        name: Set("Bench agency".into()),
        acronym: Set(None),
        jurisdiction_id: Set(1),
        parent_id: Set(None),
        website: Set(None),
        phone: Set(None),
        description: Set("Synthetic.".into()),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(&db)
    .await?;
    let admin = catalog
        .create_key("bench", crate::catalog::types::Role::Admin, None)
        .await
        .map_err(|e| e.for_operator())?;
    let principal = catalog
        .authenticate(Some(&format!("Bearer {}", admin.token)))
        .await
        .map_err(|e| e.for_operator())?;
    let schema = build_schema(catalog.clone(), &crate::config::Limits::default());
    let batch = batch.clamp(1, crate::catalog::service::write::MAX_IMPORT);
    let mut times = Vec::new();
    let started = Instant::now();
    let mut done = 0;
    while done < services {
        let n = batch.min(services - done);
        let items: Vec<serde_json::Value> = (done..done + n)
            .map(|i| json!({ "slug": format!("imported-{i}"), "name": format!("Imported service {i}"), "summary": "Registered in bulk.",
                "description": "A synthetic service registered through servicesImport.", "agency": "bench-agency", "externalId": format!("ext-{i}"),
                "channels": [{ "kind": "WEBSITE", "label": "Apply", "url": format!("https://example.gov/{i}") }] }))
            .collect();
        let request = async_graphql::Request::new(IMPORT).variables(
            async_graphql::Variables::from_json(json!({ "input": { "services": items } })),
        );
        let reader = Reader::new(&catalog, &principal);
        let t = Instant::now();
        let response = execute(&schema, request, &reader, &principal).await;
        let body = serde_json::to_value(&response)?;
        times.push(t.elapsed());
        if !response.errors.is_empty() || body["data"]["servicesImport"]["userErrors"] != json!([])
        {
            return Err(format!("batch at {done} failed: {body}").into());
        }
        done += n;
    }
    let total = started.elapsed();
    times.sort();
    Ok(ImportReport {
        services,
        batches: times.len(),
        total,
        batch_p50: times.get(times.len() / 2).copied().unwrap_or_default(),
        batch_max: times.last().copied().unwrap_or_default(),
    })
}
