//! Logging and the process's counters: a tracing subscriber set up once at start-up
//! (pretty in a terminal, JSON for log shippers), and the counters `/metrics` reports,
//! among them the SQL statements each request sent, per operation name.

use std::collections::BTreeMap;
use std::future::Future;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

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

tokio::task_local! {
    static REQUEST_STATEMENTS: RequestStatements;
}

/// The SQL statements one request has sent so far. Every statement sent inside
/// [`RequestStatements::scope`] counts, including those of tasks the request spawns with
/// [`RequestStatements::spawn`] (its DataLoader batches), whatever else the process runs.
#[derive(Debug, Clone, Default)]
pub struct RequestStatements(Arc<AtomicU64>);

impl RequestStatements {
    /// Runs `work` with its statements counted into `self`.
    pub async fn scope<F: Future>(&self, work: F) -> F::Output {
        REQUEST_STATEMENTS.scope(self.clone(), work).await
    }

    /// Spawns `work` counted into the request that spawns it (if any).
    pub fn spawn<F>(work: F) -> tokio::task::JoinHandle<()>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        match REQUEST_STATEMENTS.try_with(Clone::clone) {
            Ok(count) => tokio::spawn(async move { count.scope(work).await }),
            Err(_) => tokio::spawn(work),
        }
    }

    /// The statements counted so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Statements-per-request histogram buckets (upper bounds).
const BUCKETS: [u64; 10] = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256];

/// Distinct operation names the histogram keeps; later names are counted as `(other)`, so a
/// client cannot grow `/metrics` without bound.
const MAX_OPERATIONS: usize = 100;

/// One operation's histogram of statements per request.
#[derive(Debug, Default, Clone)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: u64,
}

/// Counters for `/metrics`, shared by the database callback and the HTTP layer.
#[derive(Debug, Default)]
pub struct Metrics {
    sql_statements: AtomicU64,
    sql_failures: AtomicU64,
    http_requests: AtomicU64,
    answers_kept_sent: AtomicU64,
    answers_run: AtomicU64,
    per_operation: Mutex<BTreeMap<String, Histogram>>,
}

impl Metrics {
    /// Counts one SQL statement, and whether it failed, also into the request sending it.
    pub fn record_statement(&self, failed: bool) {
        self.sql_statements.fetch_add(1, Ordering::Relaxed);
        if failed {
            self.sql_failures.fetch_add(1, Ordering::Relaxed);
        }
        let _ = REQUEST_STATEMENTS.try_with(|count| count.0.fetch_add(1, Ordering::Relaxed));
    }

    /// Records that one request of `operation` (its GraphQL operation name, or a label in
    /// parentheses such as `(unnamed)`) sent `statements` SQL statements.
    pub fn record_request_statements(&self, operation: &str, statements: u64) {
        let Ok(mut per_operation) = self.per_operation.lock() else {
            return; // a panic while holding the lock: the histogram is lost, not the request
        };
        let label = if per_operation.contains_key(operation) {
            operation
        } else if per_operation.len() < MAX_OPERATIONS && is_label(operation) {
            per_operation.entry(operation.to_owned()).or_default();
            operation
        } else {
            "(other)"
        };
        let histogram = per_operation.entry(label.to_owned()).or_default();
        for (bucket, bound) in histogram.buckets.iter_mut().zip(BUCKETS) {
            if statements <= bound {
                *bucket += 1;
            }
        }
        histogram.count += 1;
        histogram.sum += statements;
    }

    /// The statements-per-request histograms in the Prometheus text format.
    fn render_histograms(&self) -> String {
        let name = "civic_catalog_request_sql_statements";
        let mut out = format!(
            "# HELP {name} SQL statements one GraphQL request sent, by operation name.\n# TYPE {name} histogram\n"
        );
        let per_operation = match self.per_operation.lock() {
            Ok(per_operation) => per_operation.clone(),
            Err(_) => return out,
        };
        for (operation, histogram) in &per_operation {
            for (count, bound) in histogram.buckets.iter().zip(BUCKETS) {
                out.push_str(&format!(
                    "{name}_bucket{{operation=\"{operation}\",le=\"{bound}\"}} {count}\n"
                ));
            }
            out.push_str(&format!(
                "{name}_bucket{{operation=\"{operation}\",le=\"+Inf\"}} {c}\n{name}_sum{{operation=\"{operation}\"}} {s}\n{name}_count{{operation=\"{operation}\"}} {c}\n",
                c = histogram.count,
                s = histogram.sum
            ));
        }
        out
    }

    /// Requests of `operation` recorded so far, and the statements they sent.
    pub fn operation_statements(&self, operation: &str) -> (u64, u64) {
        self.per_operation
            .lock()
            .ok()
            .and_then(|per_operation| per_operation.get(operation).map(|h| (h.count, h.sum)))
            .unwrap_or_default()
    }

    /// Counts one anonymous read: answered with a kept answer, or run.
    pub fn record_anonymous_read(&self, kept: bool) {
        let counter = match kept {
            true => &self.answers_kept_sent,
            false => &self.answers_run,
        };
        counter.fetch_add(1, Ordering::Relaxed);
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
            (
                "civic_catalog_answer_cache_hits_total",
                "Anonymous reads answered with a kept answer, without running the query.",
                &self.answers_kept_sent,
            ),
            (
                "civic_catalog_answer_cache_misses_total",
                "Anonymous reads that ran the query.",
                &self.answers_run,
            ),
        ];
        let mut out: String = counters
            .iter()
            .map(|(name, help, value)| {
                format!(
                    "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}\n",
                    value.load(Ordering::Relaxed)
                )
            })
            .collect();
        out.push_str(&self.render_histograms());
        out
    }
}

/// Whether `operation` may be a label value as it is: a GraphQL name of at most 64
/// characters, or one of the server's own parenthesised labels.
fn is_label(operation: &str) -> bool {
    let name = operation
        .strip_prefix('(')
        .and_then(|o| o.strip_suffix(')'))
        .unwrap_or(operation);
    (1..=64).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::Metrics;

    #[test]
    fn statements_per_request_are_a_histogram_per_operation_with_bounded_labels() {
        let metrics = Metrics::default();
        metrics.record_request_statements("LifeEventPage", 1);
        metrics.record_request_statements("LifeEventPage", 3);
        metrics.record_request_statements("bad\"label", 2);
        for i in 0..150 {
            metrics.record_request_statements(&format!("Op{i}"), 0);
        }
        let text = metrics.render();
        let line = |needle: &str| text.lines().any(|l| l == needle);
        let page = "civic_catalog_request_sql_statements";
        assert!(line(&format!(
            "{page}_bucket{{operation=\"LifeEventPage\",le=\"1\"}} 1"
        )));
        assert!(line(&format!(
            "{page}_bucket{{operation=\"LifeEventPage\",le=\"4\"}} 2"
        )));
        assert!(line(&format!(
            "{page}_sum{{operation=\"LifeEventPage\"}} 4"
        )));
        assert!(line(&format!(
            "{page}_count{{operation=\"LifeEventPage\"}} 2"
        )));
        assert!(!text.contains("bad"), "{text}");
        // At most 100 labels, (other) among them: the bad name and the names past the cap
        // (Op98 to Op149) are counted as (other).
        let labels = text
            .lines()
            .filter(|l| l.starts_with(&format!("{page}_count")))
            .count();
        assert_eq!(labels, 100, "{text}");
        assert!(line(&format!("{page}_count{{operation=\"Op97\"}} 1")));
        assert!(line(&format!("{page}_count{{operation=\"(other)\"}} 53")));
    }
}
