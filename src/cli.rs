//! The command line: `serve`, `migrate`, `seed`, `schema`, `keys` and `bench`, with options
//! that also come from the environment. Parsed once at start-up into one typed value.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::{DatabaseConfig, Limits};
use crate::telemetry::LogFormat;

/// The embedded SQLite file used when no database is configured.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://civic-catalog.db?mode=rwc";

/// civic-catalog: a cross-agency GraphQL catalog of government services, organised around
/// residents' life events.
#[derive(Debug, Parser)]
#[command(name = "civic-catalog", version, about)]
pub struct Cli {
    /// Database to use: `sqlite://FILE?mode=rwc`, `sqlite::memory:` or
    /// `postgres://USER@HOST/DB`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    pub database_url: DatabaseConfig,

    /// How to write logs (set the level with RUST_LOG).
    #[arg(
        long,
        env = "LOG_FORMAT",
        value_enum,
        default_value = "pretty",
        global = true
    )]
    pub log_format: LogFormat,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (and GraphiQL at /). Migrates first, and seeds the New York catalog
    /// when the catalog is empty.
    Serve {
        /// Address to listen on, `HOST:PORT` (a name such as `localhost:8080` is resolved).
        #[arg(long, env = "BIND", default_value = "127.0.0.1:8080")]
        bind: String,
        /// Limits on requests and clients.
        #[command(flatten)]
        limits: Limits,
        /// On a first run (an empty catalog), also load the synthetic demonstration set of
        /// feedback and UX metrics, marked synthetic everywhere it shows; `false` for a
        /// production database.
        #[arg(
            long,
            env = "SYNTHETIC_EXPERIENCE",
            default_value_t = true,
            action = clap::ArgAction::Set
        )]
        synthetic_experience: bool,
    },
    /// Apply pending database migrations.
    Migrate,
    /// Load a catalog document (the New York catalog by default). Safe to repeat.
    Seed {
        /// A JSON catalog document of the same shape as the shipped one.
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Load or remove the synthetic demonstration set of feedback and UX metrics (twelve
    /// months and the current one, for the published catalog; real data is left alone).
    Synthetic {
        /// What to do with the set.
        #[command(subcommand)]
        action: SyntheticAction,
    },
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Manage API keys.
    Keys {
        /// What to do with keys.
        #[command(subcommand)]
        action: KeysAction,
    },
    /// Measure performance on a synthetic catalog (needs an empty database).
    Bench {
        /// What to measure.
        #[command(subcommand)]
        target: BenchTarget,
    },
}

/// What `keys` does.
#[derive(Debug, Subcommand)]
pub enum KeysAction {
    /// Create a key and print its token (shown once; only a hash is stored).
    Create {
        /// A name that says who holds the key, e.g. "DOL web team".
        #[arg(long)]
        name: String,
        /// ADMIN, REVIEWER or EDITOR.
        #[arg(long, value_parser = ["ADMIN", "REVIEWER", "EDITOR"])]
        role: String,
        /// The agency (slug) an EDITOR works for; required for EDITOR, refused otherwise.
        #[arg(long)]
        agency: Option<String>,
    },
    /// List keys (never their tokens).
    List,
    /// Revoke a key by id; its token stops working at once.
    Revoke {
        /// The key's id, as `keys list` shows it.
        id: i32,
    },
}

/// What `synthetic` does.
#[derive(Debug, Clone, Copy, Subcommand)]
pub enum SyntheticAction {
    /// Load the set, replacing an earlier synthetic set.
    Load,
    /// Remove the set.
    Remove,
}

/// What `bench` measures.
#[derive(Debug, Subcommand)]
pub enum BenchTarget {
    /// Latency of `recommendServices` through the GraphQL stack, one request at a time.
    Recommend {
        /// Published services to generate.
        #[arg(long, default_value_t = 10_000)]
        services: usize,
        /// Eligibility criteria to generate.
        #[arg(long, default_value_t = 40)]
        criteria: usize,
        /// Life events to generate.
        #[arg(long, default_value_t = 20)]
        life_events: usize,
        /// Requests to time.
        #[arg(long, default_value_t = 1_000)]
        requests: usize,
    },
    /// Throughput and latency of the real server under load: the portal's queries over
    /// kept-alive connections, the ceiling (the same page bytes from memory), and the
    /// public pages while an editor saves drafts.
    Http {
        /// Published services to generate.
        #[arg(long, default_value_t = 10_000)]
        services: usize,
        /// Services per life event (about; a third of the services are in two).
        #[arg(long, default_value_t = 40)]
        services_per_life_event: usize,
        /// Connection counts to drive each query at, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "16,64")]
        connections: Vec<usize>,
        /// Seconds each measured round lasts (after a warm-up of a third of it).
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
        /// The server's memory for whole public answers, in MiB, as `serve` has it; 0
        /// runs every query, to measure the work behind an answer.
        #[arg(long, default_value_t = 64)]
        answer_cache_mib: usize,
        /// `HOST:PORT` of a PostGraphile 5 server over the same (PostgreSQL) database,
        /// started after `migrate` and before this; its pages are driven in rounds
        /// interleaved with ours (`scripts/bench-postgraphile.sh` does all of it).
        #[arg(long)]
        peer: Option<std::net::SocketAddr>,
    },
    /// The CX reads at scale: a million feedback responses and twelve months of UX metrics
    /// over a generated catalog; csspScorecard, lifeEvent.experience and service.experience
    /// through the GraphQL stack, and feedbackSubmit throughput.
    Experience {
        /// Published services to generate.
        #[arg(long, default_value_t = 10_000)]
        services: usize,
        /// Feedback responses to generate.
        #[arg(long, default_value_t = 1_000_000)]
        responses: usize,
        /// Requests to time for each read and period.
        #[arg(long, default_value_t = 200)]
        requests: usize,
        /// Seconds of feedbackSubmit at each concurrency (1 and 8).
        #[arg(long, default_value_t = 5.0)]
        submit_seconds: f64,
    },
    /// What a published change costs the public: the published snapshot built whole, and
    /// patched after one service's archive or publish, over a generated catalog.
    Snapshot {
        /// Published services to generate.
        #[arg(long, default_value_t = 10_000)]
        services: usize,
        /// Whole builds to time (and twice as many patches).
        #[arg(long, default_value_t = 10)]
        rounds: usize,
    },
    /// Replay the requests that once took the server down, and time their refusals
    /// (seeds the New York catalog into an empty database first).
    Attacks {
        /// Times to send each request.
        #[arg(long, default_value_t = 100)]
        runs: usize,
    },
    /// Time registering services through `servicesImport`, batch after batch.
    Import {
        /// Services to register.
        #[arg(long, default_value_t = 10_000)]
        services: usize,
        /// Services per call (at most 500).
        #[arg(long, default_value_t = 500)]
        batch: usize,
    },
}
