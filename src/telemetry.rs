//! Logging and the process's counters: a tracing subscriber set up once at start-up
//! (pretty in a terminal, JSON for log shippers), and the counters `/metrics` reports.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};

use tracing_subscriber::EnvFilter;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines, for a terminal.
    Pretty,
    /// One JSON object per line, for log shippers.
    Json,
}

/// Installs the global tracing subscriber, writing to stderr so stdout stays clean for
/// commands such as `schema`. `RUST_LOG` overrides the default `info` level.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    // A second call (tests start many apps in one process) keeps the first subscriber.
    let _ = match format {
        LogFormat::Pretty => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// Counters for `/metrics`, shared by the database callback and the HTTP layer.
#[derive(Debug, Default)]
pub struct Metrics {
    sql_statements: AtomicU64,
    sql_failures: AtomicU64,
    http_requests: AtomicU64,
}

impl Metrics {
    /// Counts one SQL statement, and whether it failed.
    pub fn record_statement(&self, failed: bool) {
        self.sql_statements.fetch_add(1, Ordering::Relaxed);
        if failed {
            self.sql_failures.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts one HTTP request.
    pub fn record_request(&self) {
        self.http_requests.fetch_add(1, Ordering::Relaxed);
    }

    /// The counters in the Prometheus text exposition format.
    pub fn render(&self) -> String {
        let counters = [
            (
                "civic_catalog_sql_statements_total",
                "SQL statements executed.",
                &self.sql_statements,
            ),
            (
                "civic_catalog_sql_failures_total",
                "SQL statements that failed.",
                &self.sql_failures,
            ),
            (
                "civic_catalog_http_requests_total",
                "HTTP requests received.",
                &self.http_requests,
            ),
        ];
        counters
            .iter()
            .map(|(name, help, value)| {
                format!(
                    "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}\n",
                    value.load(Ordering::Relaxed)
                )
            })
            .collect()
    }
}
