//! `civic-catalog bench http`: the real server (the router `serve` runs, on a loopback port)
//! over a generated catalog, driven by an HTTP/1.1 load generator in the same process (one
//! kept-alive connection per simulated client, each sending its next request when the last
//! answer arrived) with the portal's own queries; beside it, in the same run, the ceiling (a
//! plain handler answering the same bytes from memory over the same server loop) and the
//! public pages while an editor saves a draft every half second.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderValue, Request, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};

use super::{Shape, empty_catalog, generate, recommendation_variables};
use crate::catalog::types::{Role, Slug};
use crate::config::Limits;
use crate::telemetry::Metrics;

/// What to run.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// The synthetic catalog's size.
    pub shape: Shape,
    /// The connection counts to drive each query at.
    pub connections: Vec<usize>,
    /// How long each measured round lasts (after a warm-up of a third of it).
    pub duration: Duration,
    /// The server's memory for whole public answers (0: every query runs).
    pub answer_cache_mib: usize,
    /// A PostGraphile 5 server over the same database, to drive with the same pages in
    /// rounds interleaved with ours.
    pub peer: Option<SocketAddr>,
}

/// One measured round: a query at a number of connections.
#[derive(Debug, Clone)]
pub struct Round {
    /// What was asked.
    pub query: &'static str,
    /// The connections driving it.
    pub connections: usize,
    /// Answers received (every one checked: 200 and no GraphQL error).
    pub requests: u64,
    /// Answers that were not 200, carried a GraphQL error, or never came.
    pub errors: u64,
    /// Answers a second.
    pub rps: f64,
    /// Median latency.
    pub p50: Duration,
    /// 99th-percentile latency.
    pub p99: Duration,
    /// SQL statements per answer (none for the ceiling).
    pub statements: f64,
    /// Draft saves the editor made during the round (for the editing rounds).
    pub saves: u64,
}

/// What `bench http` measured.
#[derive(Debug, Clone)]
pub struct HttpReport {
    /// Time to generate the catalog.
    pub generate: Duration,
    /// The first public request, which builds the published snapshot.
    pub first_request: Duration,
    /// The bytes of one life-event page answer (what the ceiling serves).
    pub page_bytes: usize,
    /// Every round, in the order run.
    pub rounds: Vec<Round>,
    /// Our pages against the peer's, from interleaved rounds.
    pub comparisons: Vec<Comparison>,
}

/// One page at one connection count, ours against the peer's, each the mean of the
/// interleaved rounds.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// The page.
    pub query: &'static str,
    /// The connections driving it.
    pub connections: usize,
    /// Our answers a second.
    pub ours: f64,
    /// The peer's answers a second.
    pub peer: f64,
    /// The bytes of one of the peer's answers.
    pub peer_bytes: usize,
}

/// The portal's life-event page: stages, their services, each with its agency (and CSSP
/// designation) and channels.
const LIFE_EVENT_PAGE: &str = r#"query LifeEventPage($slug: String!) {
  lifeEvent(slug: $slug) {
    name description
    relatedLifeEvents { reason lifeEvent { slug name } }
    stages {
      position name description
      services {
        relevance reason
        service {
          slug name summary
          agency { name acronym cssp { basis } }
          channels { kind label url phone hours }
        }
      }
    }
  }
}"#;

/// The portal's service page: the service, its agency, channels, life events, rules and
/// related services with the reasons residents read.
const SERVICE_PAGE: &str = r#"query ServicePage($slug: String!) {
  service(slug: $slug) {
    name summary description eligibilitySummary fees processingTime
    agency { name acronym website phone cssp { basis } }
    jurisdictions { code name }
    channels { kind label url phone email hours languages }
    lifeEvents { relevance reason lifeEvent { slug name } stage { name } }
    eligibilityRules { operator value criterion { key label } }
    relatedServices { kind direction reason service { slug name summary agency { name } } }
  }
}"#;

/// The portal's search list: a page of services matching a text, near the resident.
const SEARCH: &str = r#"query Search($search: String!, $jurisdiction: String!) {
  services(first: 20, filter: { search: $search, jurisdiction: $jurisdiction }) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { slug name summary agency { name } channels { kind url phone } }
  }
}"#;

/// The life-event page as PostGraphile 5 (the `amber` preset) serves the same tables: the
/// same fields, through its generated relations (it does not order by `position`, which has
/// no index, nor filter by status: every generated service is published).
const PEER_LIFE_EVENT_PAGE: &str = r#"query LifeEventPage($slug: String!) {
  allLifeEvents(condition: {slug: $slug}, first: 1) { nodes {
    name description
    lifeEventRelationsByLifeEventId { nodes { reason lifeEventByRelatedLifeEventId { slug name } } }
    journeyStagesByLifeEventId { nodes {
      position name description
      lifeEventServicesByJourneyStageId { nodes {
        relevance reason
        serviceByServiceId {
          slug name summary
          agencyByAgencyId { name acronym csspDesignationsByAgencyId { nodes { largeCustomerBase highImpact } } }
          channelsByServiceId { nodes { kind label url phone hours } }
        }
      } }
    } }
  } }
}"#;

/// The service page as PostGraphile 5 serves it.
const PEER_SERVICE_PAGE: &str = r#"query ServicePage($slug: String!) {
  allServices(condition: {slug: $slug}, first: 1) { nodes {
    name summary description eligibilitySummary fees processingTime
    agencyByAgencyId { name acronym website phone csspDesignationsByAgencyId { nodes { largeCustomerBase highImpact } } }
    serviceJurisdictionsByServiceId { nodes { jurisdictionByJurisdictionId { code name } } }
    channelsByServiceId { nodes { kind label url phone email hours languages } }
    lifeEventServicesByServiceId { nodes { relevance reason lifeEventByLifeEventId { slug name } journeyStageByJourneyStageId { name } } }
    eligibilityRulesByServiceId { nodes { operator value criterionByCriterionId { key label } } }
    serviceRelationsByServiceId { nodes { kind reason serviceByRelatedServiceId { slug name summary agencyByAgencyId { name } } } }
  } }
}"#;

/// Interleaved rounds per page and connection count, for each side.
const PEER_ROUNDS: usize = 3;

/// The editor's draft save.
const SAVE_DRAFT: &str = r#"mutation SaveDraft($input: ServiceUpdateInput!) {
  serviceUpdate(input: $input) { service { id version } userErrors { code message } }
}"#;

/// Distinct requests per query; each connection starts at its own offset.
const VARIANTS: usize = 64;

fn body(query: &str, variables: Value) -> Bytes {
    Bytes::from(json!({ "query": query, "variables": variables }).to_string())
}

/// The variants of the life-event page and the service page, asked with `texts`.
fn pages(shape: Shape, [life_event, service]: [&str; 2]) -> [Vec<Bytes>; 2] {
    let life_event_pages = (0..VARIANTS)
        .map(|i| {
            let slug = format!("event-{}", (i * 7) % shape.life_events);
            body(life_event, json!({ "slug": slug }))
        })
        .collect();
    let service_pages = (0..VARIANTS)
        .map(|i| {
            let slug = format!("service-{}", (i * 7919) % shape.services);
            body(service, json!({ "slug": slug }))
        })
        .collect();
    [life_event_pages, service_pages]
}

/// The requests of each query, in the order they are measured.
fn queries(shape: Shape) -> Vec<Query> {
    let [life_event_pages, service_pages] = pages(shape, [LIFE_EVENT_PAGE, SERVICE_PAGE]);
    let searches = (0..VARIANTS)
        .map(|i| {
            // "Service 0012" matches the names 0012xx: about 100 services at 100,000.
            let search = format!("Service {:04}", (i * 37) % (shape.services / 100).max(1));
            let jurisdiction = if i % 2 == 0 { "US-SY-CTY" } else { "US-SY" };
            body(
                SEARCH,
                json!({ "search": search, "jurisdiction": jurisdiction }),
            )
        })
        .collect();
    let recommendations = (0..VARIANTS)
        .map(|i| body(super::QUERY, recommendation_variables(i, shape)))
        .collect();
    vec![
        Query {
            label: "life-event page",
            operation: "LifeEventPage",
            bodies: life_event_pages,
        },
        Query {
            label: "service page",
            operation: "ServicePage",
            bodies: service_pages,
        },
        Query {
            label: "search list",
            operation: "Search",
            bodies: searches,
        },
        Query {
            label: "recommendations",
            operation: "Recommend",
            bodies: recommendations,
        },
    ]
}

/// One of the portal's queries, with its variants.
struct Query {
    label: &'static str,
    operation: &'static str,
    bodies: Vec<Bytes>,
}

/// Latencies and errors one connection saw.
#[derive(Default)]
struct Seen {
    latencies: Vec<Duration>,
    errors: u64,
}

/// Sends one request over `sender`; `Ok(true)` for a 200 without GraphQL errors.
async fn send(
    sender: &mut hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    body: Bytes,
    token: Option<&HeaderValue>,
) -> Result<(bool, Bytes), String> {
    let mut request = Request::post("/graphql")
        .header(header::HOST, "localhost")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json")
        .body(Full::new(body))
        .map_err(|e| e.to_string())?;
    if let Some(token) = token {
        request
            .headers_mut()
            .insert(header::AUTHORIZATION, token.clone());
    }
    sender.ready().await.map_err(|e| e.to_string())?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| e.to_string())?;
    let ok = response.status() == StatusCode::OK;
    let bytes = response
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    let failed = bytes.windows(9).any(|w| w == b"\"errors\":");
    Ok((ok && !failed, bytes))
}

/// A kept-alive HTTP/1.1 connection to `address`.
async fn connect(
    address: SocketAddr,
) -> Result<hyper::client::conn::http1::SendRequest<Full<Bytes>>, String> {
    let stream = TcpStream::connect(address)
        .await
        .map_err(|e| e.to_string())?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(sender)
}

/// One client: sends `bodies` in turn from `offset` until `until`.
async fn client(
    address: SocketAddr,
    bodies: Arc<Vec<Bytes>>,
    offset: usize,
    until: Instant,
) -> Seen {
    let mut seen = Seen::default();
    let Ok(mut sender) = connect(address).await else {
        seen.errors += 1;
        return seen;
    };
    let mut i = offset;
    while Instant::now() < until {
        let started = Instant::now();
        let Some(body) = bodies.get(i % bodies.len().max(1)).cloned() else {
            break;
        };
        i += 1;
        match send(&mut sender, body, None).await {
            Ok((true, _)) => seen.latencies.push(started.elapsed()),
            Ok((false, _)) => seen.errors += 1,
            Err(_) => {
                seen.errors += 1;
                match connect(address).await {
                    Ok(fresh) => sender = fresh,
                    Err(_) => break,
                }
            }
        }
    }
    seen
}

/// Drives `bodies` at `connections` for a warm-up, then for `duration`, and measures.
async fn round(
    address: SocketAddr,
    bodies: &Arc<Vec<Bytes>>,
    connections: usize,
    duration: Duration,
    statements: Option<(&Metrics, &str)>,
) -> Measured {
    let drive = |duration: Duration| {
        let until = Instant::now() + duration;
        let clients: Vec<_> = (0..connections)
            .map(|c| tokio::spawn(client(address, Arc::clone(bodies), c * 13, until)))
            .collect();
        async move {
            let mut all = Seen::default();
            for handle in clients {
                match handle.await {
                    Ok(seen) => {
                        all.latencies.extend(seen.latencies);
                        all.errors += seen.errors;
                    }
                    Err(_) => all.errors += 1,
                }
            }
            all
        }
    };
    drive(duration / 3).await;
    let count = |(metrics, operation): (&Metrics, &str)| metrics.operation_statements(operation);
    let before = statements.map(count);
    let started = Instant::now();
    let mut seen = drive(duration).await;
    let elapsed = started.elapsed();
    let statements = match (statements.map(count), before) {
        (Some((requests, sum)), Some((requests_before, sum_before))) => {
            (sum - sum_before) as f64 / (requests - requests_before).max(1) as f64
        }
        _ => 0.0,
    };
    seen.latencies.sort();
    Measured {
        latencies: seen.latencies,
        errors: seen.errors,
        elapsed,
        statements,
    }
}

/// What one round saw: sorted latencies of the good answers, the errors, how long it ran,
/// and the SQL statements per request of its operation.
struct Measured {
    latencies: Vec<Duration>,
    errors: u64,
    elapsed: Duration,
    statements: f64,
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    sorted
        .get(((sorted.len() as f64 - 1.0) * q).round() as usize)
        .copied()
        .unwrap_or_default()
}

/// Serves `router` on a fresh loopback port for the rest of the process.
async fn serve(router: axum::Router) -> Result<SocketAddr, Box<dyn std::error::Error>> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(crate::http::serve::serve(
        listener,
        router,
        Duration::from_secs(10),
        std::future::pending(),
    ));
    Ok(address)
}

/// An editor of `agency-0` saving a draft of `service-0` every half second until `stop`;
/// returns the saves that succeeded, or the first failure.
async fn editor(
    address: SocketAddr,
    token: HeaderValue,
    stop: Arc<AtomicBool>,
    saves: Arc<AtomicU64>,
) -> Result<(), String> {
    let mut sender = connect(address).await?;
    let lookup = body(
        "query($slug: String!) { service(slug: $slug) { id version pendingRevision { id version } } }",
        json!({ "slug": "service-0" }),
    );
    let (ok, bytes) = send(&mut sender, lookup, Some(&token)).await?;
    let found: Value = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
    if !ok {
        return Err(format!("the editor cannot read service-0: {found}"));
    }
    // Saves go to the pending revision once there is one (an earlier round made it).
    let service = &found["data"]["service"];
    let edited = match &service["pendingRevision"] {
        Value::Null => service,
        pending => pending,
    };
    let (mut id, mut version) = (edited["id"].clone(), edited["version"].clone());
    let mut ticks = tokio::time::interval(Duration::from_millis(500));
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        ticks.tick().await;
        n += 1;
        let save = body(
            SAVE_DRAFT,
            json!({ "input": { "id": id, "expectedVersion": version,
                "summary": format!("A synthetic service, draft {n}.") } }),
        );
        let (ok, bytes) = send(&mut sender, save, Some(&token)).await?;
        let saved: Value = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
        let payload = &saved["data"]["serviceUpdate"];
        if !ok || payload["userErrors"] != json!([]) {
            return Err(format!("a draft save failed: {saved}"));
        }
        id = payload["service"]["id"].clone();
        version = payload["service"]["version"].clone();
        saves.fetch_add(1, Ordering::Relaxed);
    }
    Ok(())
}

/// Generates the catalog in the empty database behind `db`, serves it and the ceiling, and
/// measures every query at every connection count, then the public pages under editing.
pub async fn run(
    db: sea_orm::DatabaseConnection,
    metrics: Arc<Metrics>,
    options: HttpOptions,
) -> Result<HttpReport, Box<dyn std::error::Error>> {
    let catalog = empty_catalog(&db).await?;
    let started = Instant::now();
    generate(&db, options.shape).await?;
    let generate = started.elapsed();
    let editor_key = catalog
        .create_key(
            "bench editor",
            Role::Editor,
            Some(&Slug::parse("agency", "agency-0").map_err(|e| e.for_operator())?),
        )
        .await
        .map_err(|e| e.for_operator())?;
    // Many residents behind one loopback address: no per-client limit.
    let limits = Limits {
        rate_limit_anonymous: 0,
        rate_limit_key: 0,
        request_timeout_ms: 60_000,
        answer_cache_mib: options.answer_cache_mib,
        ..Limits::default()
    };
    let router = crate::app::app_router(catalog, Arc::clone(&metrics), limits)?;
    let address = serve(router).await?;

    let queries = queries(options.shape);
    let first = queries
        .first()
        .and_then(|q| q.bodies.first().cloned())
        .ok_or("no query to send")?;
    let mut sender = connect(address).await?;
    let t = Instant::now();
    let (ok, page) = send(&mut sender, first, None).await?;
    let first_request = t.elapsed();
    if !ok {
        let page = String::from_utf8_lossy(&page);
        return Err(format!("the life-event page failed: {page}").into());
    }
    let ceiling = {
        let page = page.clone();
        let handler = move || {
            let page = page.clone();
            async move { ([(header::CONTENT_TYPE, "application/json")], page) }
        };
        serve(axum::Router::new().route("/graphql", axum::routing::post(handler))).await?
    };

    let mut rounds = Vec::new();
    let mut record = |query, connections, measured: Measured, saves| {
        rounds.push(Round {
            query,
            connections,
            requests: measured.latencies.len() as u64,
            errors: measured.errors,
            rps: measured.latencies.len() as f64 / measured.elapsed.as_secs_f64().max(1e-9),
            p50: percentile(&measured.latencies, 0.5),
            p99: percentile(&measured.latencies, 0.99),
            statements: measured.statements,
            saves,
        });
    };
    let duration = options.duration;
    for &connections in &options.connections {
        for query in &queries {
            let bodies = Arc::new(query.bodies.clone());
            let counted = Some((metrics.as_ref(), query.operation));
            let measured = round(address, &bodies, connections, duration, counted).await;
            record(query.label, connections, measured, 0);
        }
        let same_page = Arc::new(vec![page.clone()]);
        let measured = round(ceiling, &same_page, connections, duration, None).await;
        record(
            "ceiling: the same page bytes from memory",
            connections,
            measured,
            0,
        );
    }
    let token = HeaderValue::from_str(&format!("Bearer {}", editor_key.token))?;
    for &connections in &options.connections {
        for (query, label) in queries.iter().zip([
            "life-event page, editor saving",
            "service page, editor saving",
        ]) {
            let stop = Arc::new(AtomicBool::new(false));
            let saves = Arc::new(AtomicU64::new(0));
            let editing = tokio::spawn(editor(
                address,
                token.clone(),
                Arc::clone(&stop),
                Arc::clone(&saves),
            ));
            let bodies = Arc::new(query.bodies.clone());
            let counted = Some((metrics.as_ref(), query.operation));
            let measured = round(address, &bodies, connections, duration, counted).await;
            stop.store(true, Ordering::Relaxed);
            editing.await??;
            record(label, connections, measured, saves.load(Ordering::Relaxed));
        }
    }
    let comparisons = match options.peer {
        Some(peer) => compare(address, peer, &options, &metrics).await?,
        None => Vec::new(),
    };
    Ok(HttpReport {
        generate,
        first_request,
        page_bytes: page.len(),
        rounds,
        comparisons,
    })
}

/// Drives our pages and the peer's in interleaved rounds (ours, the peer's, ours, ...), so
/// both see the same noise, and reports each side's mean rps. The peer's first answer must
/// hold a record: a peer reading another database would answer empty pages quickly.
async fn compare(
    ours: SocketAddr,
    peer: SocketAddr,
    options: &HttpOptions,
    metrics: &Metrics,
) -> Result<Vec<Comparison>, Box<dyn std::error::Error>> {
    let ours_pages = pages(options.shape, [LIFE_EVENT_PAGE, SERVICE_PAGE]);
    let peer_pages = pages(options.shape, [PEER_LIFE_EVENT_PAGE, PEER_SERVICE_PAGE]);
    let mut comparisons = Vec::new();
    for &connections in &options.connections {
        for ((query, operation), (ours_bodies, peer_bodies)) in [
            ("life-event page", "LifeEventPage"),
            ("service page", "ServicePage"),
        ]
        .into_iter()
        .zip(ours_pages.iter().zip(&peer_pages))
        {
            let first = peer_bodies.first().cloned().ok_or("no peer query")?;
            let (ok, answer) = send(&mut connect(peer).await?, first, None).await?;
            if !ok || !answer.windows(10).any(|w| w == b"\"nodes\":[{") {
                let answer = String::from_utf8_lossy(&answer);
                return Err(format!("the peer's {query} failed or found nothing: {answer}").into());
            }
            let (ours_bodies, peer_bodies) =
                (Arc::new(ours_bodies.clone()), Arc::new(peer_bodies.clone()));
            let (mut ours_rps, mut peer_rps) = (0.0, 0.0);
            for _ in 0..PEER_ROUNDS {
                let counted = Some((metrics, operation));
                let measured =
                    round(ours, &ours_bodies, connections, options.duration, counted).await;
                ours_rps += rate(&measured, query)?;
                let measured = round(peer, &peer_bodies, connections, options.duration, None).await;
                peer_rps += rate(&measured, "the peer's page")?;
            }
            comparisons.push(Comparison {
                query,
                connections,
                ours: ours_rps / PEER_ROUNDS as f64,
                peer: peer_rps / PEER_ROUNDS as f64,
                peer_bytes: answer.len(),
            });
        }
    }
    Ok(comparisons)
}

/// The answers a second of a round that must have had no errors.
fn rate(measured: &Measured, what: &str) -> Result<f64, String> {
    if measured.errors > 0 {
        return Err(format!(
            "{what}: {} errors in a comparison round",
            measured.errors
        ));
    }
    Ok(measured.latencies.len() as f64 / measured.elapsed.as_secs_f64().max(1e-9))
}
