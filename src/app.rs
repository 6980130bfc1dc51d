//! The composition root: connect the database, migrate, seed, build the schema and
//! router, and serve until SIGINT or SIGTERM.

use std::error::Error;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::SqliteJournalMode;
use sea_orm::{ConnectOptions, Database, DatabaseConnection};

use crate::catalog::{Catalog, import};
use crate::cli::{BenchTarget, Cli, Command, KeysAction, SyntheticAction};
use crate::config::{DatabaseConfig, Limits};
use crate::graphql::{build_schema, sdl};
use crate::http::answers::AnswerCache;
use crate::http::persisted::PersistedQueries;
use crate::http::rate::RateLimits;
use crate::http::{AppState, router};
use crate::telemetry::{self, Metrics};

/// Opens a connection pool and counts every statement into `metrics`. A database that
/// cannot be reached is reported with its address (never its password) and the cause.
///
/// SQLite files run in WAL mode with a busy timeout; an in-memory SQLite database exists
/// per connection, so it gets a pool of exactly one connection that is never recycled.
pub async fn connect(
    config: &DatabaseConfig,
    metrics: &Arc<Metrics>,
) -> Result<DatabaseConnection, String> {
    connect_with(config, metrics, None).await
}

/// Like [`connect`], with a PostgreSQL `statement_timeout` on every connection, so no
/// statement outlives the request that sent it.
pub async fn connect_with(
    config: &DatabaseConfig,
    metrics: &Arc<Metrics>,
    statement_timeout: Option<Duration>,
) -> Result<DatabaseConnection, String> {
    let mut options = ConnectOptions::new(config.url().to_owned());
    options
        .sqlx_logging(false)
        .acquire_timeout(Duration::from_secs(10));
    match config {
        DatabaseConfig::SqliteMemory { .. } => {
            options
                .max_connections(1)
                .min_connections(1)
                .map_sqlx_sqlite_pool_opts(|pool| pool.idle_timeout(None).max_lifetime(None));
        }
        DatabaseConfig::SqliteFile { .. } => {
            options.max_connections(8);
        }
        DatabaseConfig::Postgres { .. } => {
            options.max_connections(16).min_connections(1);
            if let Some(timeout) = statement_timeout {
                let setting = format!("{}ms", timeout.as_millis().max(1));
                options.map_sqlx_postgres_opts(move |o| {
                    o.options([("statement_timeout", setting.as_str())])
                });
            }
        }
    }
    if !config.is_postgres() {
        options.map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true)
        });
    }
    if config.is_postgres() {
        probe(config)
            .await
            .map_err(|cause| format!("cannot open {config}: {cause}"))?;
    }
    let mut db = Database::connect(options)
        .await
        .map_err(|err| format!("cannot open {config}: {err}"))?;
    let metrics = Arc::clone(metrics);
    db.set_metric_callback(move |info| metrics.record_statement(info.failed));
    Ok(db)
}

/// Asks PostgreSQL once, over a single connection, before the pool is built: a pool that
/// cannot connect retries until its acquire timeout and then only says it timed out, while
/// one connection fails at once and names the cause (refused, unknown database,
/// authentication).
async fn probe(config: &DatabaseConfig) -> Result<(), String> {
    use sea_orm::sqlx::Connection;
    let attempt = sea_orm::sqlx::PgConnection::connect(config.url());
    match tokio::time::timeout(Duration::from_secs(10), attempt).await {
        Ok(Ok(connection)) => {
            let _ = connection.close().await;
            Ok(())
        }
        Ok(Err(cause)) => Err(cause.to_string()),
        Err(_) => Err("no answer within 10 s".to_owned()),
    }
}

/// Applies pending migrations.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), String> {
    Migrator::up(db, None)
        .await
        .map_err(|err| format!("cannot migrate the database: {err}"))
}

/// [`connect`]s and [`migrate`]s: the database every command but `serve` starts with.
async fn open(
    config: &DatabaseConfig,
    metrics: &Arc<Metrics>,
) -> Result<DatabaseConnection, String> {
    let db = connect(config, metrics).await?;
    migrate(&db).await?;
    Ok(db)
}

/// The process entry point: parses the command line, runs the command on a multi-threaded
/// runtime, and turns a failure into one line on stderr and a failing exit code.
pub fn main() -> ExitCode {
    let cli = <Cli as clap::Parser>::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("civic-catalog: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("civic-catalog: {err}");
            ExitCode::FAILURE
        }
    }
}

/// The router over `catalog` with `limits`, exactly as `serve` runs it; fails when the
/// persisted-query file cannot be read.
pub fn app_router(
    catalog: Catalog,
    metrics: Arc<Metrics>,
    limits: Limits,
) -> Result<axum::Router, String> {
    let persisted = PersistedQueries::new(
        limits.persisted_queries,
        limits.persisted_queries_file.as_deref(),
    )?;
    catalog.poll_public_revision(Duration::from_millis(limits.public_revision_poll_ms));
    Ok(router(AppState {
        schema: build_schema(catalog.clone(), &limits),
        catalog,
        metrics,
        rates: Arc::new(RateLimits::new(&limits)),
        persisted: Arc::new(persisted),
        answers: Arc::new(AnswerCache::new(
            limits.answer_cache_mib.saturating_mul(1024 * 1024),
        )),
        limits: Arc::new(limits),
    }))
}

/// Serves `router` on `listener` with `limits`' connection timeouts until `shutdown`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    limits: &Limits,
    shutdown: impl std::future::Future<Output = ()>,
) {
    crate::http::serve::serve(listener, router, limits.header_timeout(), shutdown).await;
}

/// Runs the command the CLI names.
pub async fn run(cli: Cli) -> Result<(), Box<dyn Error>> {
    telemetry::init(cli.log_format);
    let metrics = Arc::new(Metrics::default());
    match cli.command {
        Command::Schema => {
            print!("{}", sdl());
        }
        Command::Bench {
            target:
                BenchTarget::Recommend {
                    services,
                    criteria,
                    life_events,
                    requests,
                },
        } => {
            let db = open(&cli.database_url, &metrics).await?;
            let shape = crate::bench::Shape {
                services: services.max(1),
                criteria: criteria.max(1),
                life_events: life_events.max(1),
            };
            let report = crate::bench::run(db, shape, requests.max(1)).await?;
            println!(
                "recommendServices, {} services, {} criteria, {} life events, {} requests\n\
                 generate catalog: {:.1?}\nfirst request (builds the index): {:.1?}\n\
                 p50 {:.2?}  p99 {:.2?}  mean {:.2?}  max {:.2?}",
                shape.services,
                shape.criteria,
                shape.life_events,
                report.requests,
                report.generate,
                report.first_request,
                report.p50,
                report.p99,
                report.mean,
                report.max
            );
        }
        Command::Bench {
            target:
                BenchTarget::Http {
                    services,
                    services_per_life_event,
                    connections,
                    seconds,
                    answer_cache_mib,
                    peer,
                },
        } => {
            let db = open(&cli.database_url, &metrics).await?;
            let services = services.max(1);
            let options = crate::bench::HttpOptions {
                shape: crate::bench::Shape {
                    services,
                    criteria: 40,
                    life_events: (services / services_per_life_event.max(1)).max(1),
                },
                connections: connections.into_iter().map(|c| c.max(1)).collect(),
                duration: Duration::from_secs_f64(seconds.clamp(0.3, 600.0)),
                answer_cache_mib,
                peer,
            };
            let shape = options.shape;
            let report = crate::bench::http(db, Arc::clone(&metrics), options).await?;
            println!(
                "bench http: {} services, {} life events, {}, {} cores\n\
                 generate catalog: {:.1?}\nfirst public request (builds the snapshot): {:.1?}\n\
                 life-event page answer: {} bytes\nanswer cache: {} MiB\n",
                shape.services,
                shape.life_events,
                if cli.database_url.is_postgres() {
                    "PostgreSQL"
                } else {
                    "SQLite"
                },
                std::thread::available_parallelism().map_or(0, |n| n.get()),
                report.generate,
                report.first_request,
                report.page_bytes,
                answer_cache_mib
            );
            println!(
                "{:<42} {:>5} {:>9} {:>6} {:>10} {:>9} {:>9} {:>10} {:>6}",
                "query", "conns", "requests", "errors", "rps", "p50", "p99", "stmts/req", "saves"
            );
            for r in &report.rounds {
                println!(
                    "{:<42} {:>5} {:>9} {:>6} {:>10.0} {:>9.2?} {:>9.2?} {:>10.2} {:>6}",
                    r.query,
                    r.connections,
                    r.requests,
                    r.errors,
                    r.rps,
                    r.p50,
                    r.p99,
                    r.statements,
                    r.saves
                );
            }
            if !report.comparisons.is_empty() {
                println!(
                    "\nagainst the peer (PostGraphile), interleaved rounds:\n{:<18} {:>5} {:>10} {:>10} {:>7} {:>12}",
                    "page", "conns", "ours rps", "peer rps", "ratio", "peer bytes"
                );
            }
            for c in &report.comparisons {
                println!(
                    "{:<18} {:>5} {:>10.0} {:>10.0} {:>7.2} {:>12}",
                    c.query,
                    c.connections,
                    c.ours,
                    c.peer,
                    c.ours / c.peer.max(1e-9),
                    c.peer_bytes
                );
            }
        }
        Command::Bench {
            target:
                BenchTarget::Experience {
                    services,
                    responses,
                    requests,
                    submit_seconds,
                },
        } => {
            let db = open(&cli.database_url, &metrics).await?;
            let options = crate::bench::ExperienceOptions {
                services: services.max(1),
                responses,
                requests: requests.max(1),
                submit_seconds,
            };
            let report = crate::bench::experience(db, options).await?;
            println!(
                "bench experience: {} services, {} feedback responses, {} UX-metric months, {}\n\
                 generate catalog: {:.1?}\ngenerate feedback and metrics: {:.1?}\n",
                options.services,
                report.responses,
                report.ux_months,
                if cli.database_url.is_postgres() {
                    "PostgreSQL"
                } else {
                    "SQLite"
                },
                report.generate_catalog,
                report.generate_experience
            );
            println!(
                "{:<36} {:>10} {:>10} {:>10} {:>9}",
                "read (one at a time)", "p50", "p99", "max", "bytes"
            );
            for r in &report.reads {
                println!(
                    "{:<36} {:>10.2?} {:>10.2?} {:>10.2?} {:>9}",
                    r.query, r.p50, r.p99, r.max, r.bytes
                );
            }
            println!(
                "\n{:<36} {:>10} {:>10} {:>10}",
                "feedbackSubmit", "stored", "per s", "p99"
            );
            for s in &report.submits {
                println!(
                    "{:<36} {:>10} {:>10.0} {:>10.2?}",
                    format!("{} at a time", s.concurrency),
                    s.submitted,
                    s.per_second,
                    s.p99
                );
            }
        }
        Command::Bench {
            target: BenchTarget::Import { services, batch },
        } => {
            let db = open(&cli.database_url, &metrics).await?;
            let report = crate::bench::import(db, services.max(1), batch).await?;
            println!(
                "servicesImport, {} services in {} calls\ntotal {:.2?} ({:.0} services/s)\nper call: p50 {:.2?}  max {:.2?}",
                report.services,
                report.batches,
                report.total,
                report.services as f64 / report.total.as_secs_f64().max(1e-9),
                report.batch_p50,
                report.batch_max
            );
        }
        Command::Bench {
            target: BenchTarget::Snapshot { services, rounds },
        } => {
            let db = open(&cli.database_url, &metrics).await?;
            let report = crate::bench::snapshot(db, services.max(1), rounds.max(1)).await?;
            let row = |(p50, p99, max): (Duration, Duration, Duration)| {
                format!("p50 {p50:.1?}  p99 {p99:.1?}  max {max:.1?}")
            };
            println!(
                "published snapshot, {} services (generated in {:.1?})\n\
                 built whole:                               {}\n\
                 patched (one service archived or published): {}",
                report.services,
                report.generate,
                row(report.full),
                row(report.patch)
            );
        }
        Command::Bench {
            target: BenchTarget::Attacks { runs },
        } => {
            let db = open(&cli.database_url, &metrics).await?;
            let catalog = Catalog::new(db);
            if catalog.is_empty().await.map_err(|e| e.for_operator())? {
                catalog
                    .seed_new_york()
                    .await
                    .map_err(|e| e.for_operator())?;
            }
            println!(
                "{:<44} {:>6} {:<24} {:>10} {:>10}",
                "attack", "status", "code", "p50", "max"
            );
            for r in crate::bench::attack_refusals(catalog, runs).await? {
                println!(
                    "{:<44} {:>6} {:<24} {:>10.2?} {:>10.2?}",
                    r.attack, r.status, r.code, r.p50, r.max
                );
            }
        }
        Command::Keys { action } => {
            let db = open(&cli.database_url, &metrics).await?;
            let catalog = Catalog::new(db);
            let show = |e: crate::catalog::CatalogError| e.for_operator();
            match action {
                KeysAction::Create { name, role, agency } => {
                    let role = crate::catalog::types::parse_enum(
                        "role",
                        &role,
                        crate::catalog::types::Role::ALL,
                        |r| r.as_str(),
                    )
                    .map_err(show)?;
                    let agency = agency
                        .as_deref()
                        .map(|a| crate::catalog::types::Slug::parse("agency", a))
                        .transpose()
                        .map_err(show)?;
                    let created = catalog
                        .create_key(&name, role, agency.as_ref())
                        .await
                        .map_err(show)?;
                    eprintln!(
                        "created key {} ({}, {}); the token is shown only this once:",
                        created.summary.id,
                        created.summary.name,
                        created.summary.role.as_str()
                    );
                    println!("{}", created.token);
                }
                KeysAction::List => {
                    println!(
                        "{:>5}  {:<9} {:<12} {:<24} {:<12} NAME",
                        "ID", "ROLE", "PREFIX", "AGENCY", "STATUS"
                    );
                    for key in catalog.list_keys().await.map_err(show)? {
                        println!(
                            "{:>5}  {:<9} {:<12} {:<24} {:<12} {}",
                            key.id,
                            key.role.as_str(),
                            key.prefix,
                            key.agency_slug.as_deref().unwrap_or("-"),
                            if key.revoked_at.is_some() {
                                "revoked"
                            } else {
                                "active"
                            },
                            key.name
                        );
                    }
                }
                KeysAction::Revoke { id } => {
                    let key = catalog.revoke_key(id).await.map_err(show)?;
                    eprintln!("revoked key {} ({})", key.id, key.name);
                }
            }
        }
        Command::Migrate => {
            open(&cli.database_url, &metrics).await?;
            tracing::info!("migrations applied");
        }
        Command::Seed { file } => {
            let db = open(&cli.database_url, &metrics).await?;
            let catalog = Catalog::new(db);
            let document = match file {
                Some(path) => import::parse(&std::fs::read_to_string(&path).map_err(|err| {
                    format!("cannot read the catalog document {}: {err}", path.display())
                })?),
                None => import::parse(import::NEW_YORK),
            }
            .map_err(|e| e.for_operator())?;
            let report = catalog
                .load_document(&document)
                .await
                .map_err(|e| e.for_operator())?;
            tracing::info!(
                created = report.services_created,
                updated = report.services_updated,
                unchanged = report.services_unchanged,
                "catalog loaded"
            );
        }
        Command::Synthetic { action } => {
            let catalog = Catalog::new(open(&cli.database_url, &metrics).await?);
            match action {
                SyntheticAction::Load => {
                    let report = catalog
                        .load_synthetic_experience()
                        .await
                        .map_err(|e| e.for_operator())?;
                    tracing::info!(
                        feedback = report.feedback,
                        ux_metrics = report.ux_metrics,
                        "synthetic experience set loaded"
                    );
                }
                SyntheticAction::Remove => {
                    catalog
                        .remove_synthetic_experience()
                        .await
                        .map_err(|e| e.for_operator())?;
                    tracing::info!("synthetic experience set removed");
                }
            }
        }
        Command::Serve {
            bind,
            limits,
            synthetic_experience,
        } => {
            // Bind first: a taken port is reported before any migration or seeding runs.
            let listener = tokio::net::TcpListener::bind(&bind)
                .await
                .map_err(|err| format!("cannot listen on {bind}: {err}"))?;
            let timeout = Some(limits.request_timeout());
            let db = connect_with(&cli.database_url, &metrics, timeout).await?;
            migrate(&db).await?;
            let catalog = Catalog::new(db);
            if catalog.is_empty().await.map_err(|e| e.for_operator())? {
                let report = catalog
                    .seed_new_york()
                    .await
                    .map_err(|e| e.for_operator())?;
                tracing::info!(
                    services = report.services_created,
                    "seeded the New York catalog"
                );
                if synthetic_experience {
                    let report = catalog
                        .load_synthetic_experience()
                        .await
                        .map_err(|e| e.for_operator())?;
                    tracing::info!(
                        feedback = report.feedback,
                        ux_metrics = report.ux_metrics,
                        "loaded the synthetic experience set (marked synthetic; remove it with `civic-catalog synthetic remove`)"
                    );
                }
            }
            tracing::info!(address = %listener.local_addr()?, "serving GraphQL at /graphql and GraphiQL at /");
            let router = app_router(catalog, metrics, limits.clone())?;
            serve(listener, router, &limits, shutdown_signal()).await;
            tracing::info!("stopped");
        }
    }
    Ok(())
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
