//! Typed configuration, parsed once from flags and the environment (see `cli`) and then
//! passed down: which database and how to reach it, and the limits a public server keeps
//! (cost, time, rate, size, origins).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use clap::{Args, ValueEnum};

/// Where the catalog is stored: parsed from `--database-url` / `DATABASE_URL`, so the rest of
/// the program never guesses the database from the URL's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseConfig {
    /// A SQLite file, created when missing (`sqlite://FILE`).
    SqliteFile { url: String },
    /// An in-memory SQLite database (`sqlite::memory:`): one connection, gone with the
    /// process.
    SqliteMemory { url: String },
    /// A PostgreSQL database (`postgres://USER@HOST:PORT/DB`).
    Postgres { url: String },
}

impl DatabaseConfig {
    /// The URL to connect with.
    pub fn url(&self) -> &str {
        match self {
            Self::SqliteFile { url } | Self::SqliteMemory { url } | Self::Postgres { url } => url,
        }
    }

    /// Whether this is a PostgreSQL database.
    pub fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres { .. })
    }
}

/// Shows the URL without its password, for messages and logs.
impl fmt::Display for DatabaseConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = self.url();
        let Some((scheme, rest)) = url.split_once("://") else {
            return f.write_str(url);
        };
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        match authority.rsplit_once('@') {
            Some((user, host)) => {
                let user = user.split_once(':').map_or(user, |(name, _)| name);
                write!(f, "{scheme}://{user}@{host}{path}")
            }
            None => f.write_str(url),
        }
    }
}

impl FromStr for DatabaseConfig {
    type Err = String;

    fn from_str(url: &str) -> Result<Self, Self::Err> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres {
                url: url.to_owned(),
            });
        }
        let Some(rest) = url.strip_prefix("sqlite:") else {
            return Err(format!(
                "`{url}` is not a database URL this server knows: use sqlite://FILE, \
                 sqlite::memory: or postgres://USER@HOST:PORT/DB"
            ));
        };
        let query = rest.split_once('?').map_or("", |(_, query)| query);
        let mode = query.split('&').find_map(|pair| pair.strip_prefix("mode="));
        if rest.starts_with(":memory:") || mode == Some("memory") {
            return Ok(Self::SqliteMemory {
                url: url.to_owned(),
            });
        }
        let path = rest.trim_start_matches("//");
        let file = path.split_once('?').map_or(path, |(file, _)| file);
        if file.is_empty() {
            return Err(format!("`{url}` names no SQLite file"));
        }
        // A missing file is created, as `serve` promises on a fresh machine.
        let url = match (mode, query.is_empty()) {
            (Some(_), _) => url.to_owned(),
            (None, true) => format!("{url}?mode=rwc"),
            (None, false) => format!("{url}&mode=rwc"),
        };
        Ok(Self::SqliteFile { url })
    }
}

/// On or off, for the features an operator can switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Switch {
    /// Enabled.
    On,
    /// Disabled.
    Off,
}

impl Switch {
    /// Whether the feature is on.
    pub fn is_on(self) -> bool {
        self == Self::On
    }
}

/// What the server allows one request and one client, with production defaults. Every
/// field is a `serve` flag and an environment variable (the README's table lists them).
#[derive(Debug, Clone, Args)]
pub struct Limits {
    /// Most cost (fields, times the items each list can return) one anonymous request may
    /// have.
    #[arg(long, env = "COST_BUDGET_ANONYMOUS", default_value_t = 2_000_000)]
    pub cost_budget_anonymous: usize,

    /// Most cost one request made with an API key may have.
    #[arg(long, env = "COST_BUDGET_KEY", default_value_t = 10_000_000)]
    pub cost_budget_key: usize,

    /// Most aliased fields in one request.
    #[arg(long, env = "MAX_ALIASES", default_value_t = 30)]
    pub max_aliases: usize,

    /// Most fields at the root of one operation.
    #[arg(long, env = "MAX_ROOT_FIELDS", default_value_t = 15)]
    pub max_root_fields: usize,

    /// How long one request may take, in milliseconds, before it is answered `TIMEOUT`.
    /// PostgreSQL statements get the same `statement_timeout`.
    #[arg(long, env = "REQUEST_TIMEOUT_MS", default_value_t = 5_000)]
    pub request_timeout_ms: u64,

    /// How long a connection may take to send a request's headers, in seconds; an idle
    /// keep-alive connection is closed after the same time.
    #[arg(long, env = "HEADER_TIMEOUT_SECS", default_value_t = 10)]
    pub header_timeout_secs: u64,

    /// Requests served at once; beyond it the server answers 503 with `Retry-After`.
    #[arg(long, env = "MAX_IN_FLIGHT", default_value_t = 256)]
    pub max_in_flight: usize,

    /// Requests a minute one client address may make without a key (0: no limit).
    #[arg(long, env = "RATE_LIMIT_ANONYMOUS", default_value_t = 600)]
    pub rate_limit_anonymous: u32,

    /// Requests a minute one API key may make (0: no limit).
    #[arg(long, env = "RATE_LIMIT_KEY", default_value_t = 3_000)]
    pub rate_limit_key: u32,

    /// `feedbackSubmit`s a minute one client address may make (0: no limit).
    #[arg(long, env = "FEEDBACK_RATE_LIMIT", default_value_t = 10)]
    pub feedback_rate_limit: u32,

    /// The fewest feedback responses a public figure is computed from; below it the
    /// figure is withheld, so no one can be singled out.
    #[arg(long, env = "MIN_RESPONSES", default_value_t = 10)]
    pub min_responses: u64,

    /// A header set by a trusted reverse proxy that names the client address (e.g.
    /// `X-Forwarded-For`; its last entry is used). Unset: the connection's peer address.
    #[arg(long, env = "TRUSTED_PROXY_HEADER")]
    pub trusted_proxy_header: Option<String>,

    /// Largest request body, in bytes, for a request without a key.
    #[arg(long, env = "MAX_BODY_ANONYMOUS", default_value_t = 64 * 1024)]
    pub max_body_anonymous: usize,

    /// Largest request body, in bytes, for a request with a key (room for a
    /// `servicesImport` of 500 services).
    #[arg(long, env = "MAX_BODY_KEY", default_value_t = 16 * 1024 * 1024)]
    pub max_body_key: usize,

    /// Most requests in one batch (a JSON array body); 0 turns batches off.
    #[arg(long, env = "MAX_BATCH", default_value_t = 0)]
    pub max_batch: usize,

    /// Browser origins allowed to call the API, comma-separated (e.g.
    /// `https://portal.ny.gov`). `*` allows any origin for anonymous reads only (no
    /// `Authorization` header). Unset: no cross-origin calls.
    #[arg(long, env = "CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,

    /// How long shared caches (a CDN, a browser) may keep an anonymous `GET` answer, in
    /// seconds; 0 makes them revalidate every time (its `ETag` answers 304 until something
    /// residents see changes).
    #[arg(long, env = "CACHE_MAX_AGE_SECS", default_value_t = 30)]
    pub cache_max_age_secs: u64,

    /// How long public reads take the public revision they last read as current, in
    /// milliseconds: a change made through another process (a replica, `seed`) reaches
    /// this one's public reads within it; one made through this process, at once. 0 reads
    /// it for every public request.
    #[arg(long, env = "PUBLIC_REVISION_POLL_MS", default_value_t = 100)]
    pub public_revision_poll_ms: u64,

    /// Memory for whole answers to anonymous reads, in MiB, kept until the public revision
    /// moves (0: every read runs the query).
    #[arg(long, env = "ANSWER_CACHE_MIB", default_value_t = 64)]
    pub answer_cache_mib: usize,

    /// Persisted queries: `auto` learns them as clients send them (Apollo's automatic
    /// persisted queries), `allowlist` runs only those of `--persisted-queries-file`, `off`
    /// refuses hashes.
    #[arg(long, env = "PERSISTED_QUERIES", value_enum, default_value = "auto")]
    pub persisted_queries: crate::http::persisted::Mode,

    /// A JSON array of the queries to persist at start-up (required for `allowlist`).
    #[arg(long, env = "PERSISTED_QUERIES_FILE")]
    pub persisted_queries_file: Option<std::path::PathBuf>,

    /// Whether the schema may be introspected (off also turns field suggestions off).
    #[arg(long, env = "INTROSPECTION", value_enum, default_value = "on")]
    pub introspection: Switch,

    /// Whether GraphiQL is served at `/`.
    #[arg(long, env = "GRAPHIQL", value_enum, default_value = "on")]
    pub graphiql: Switch,
}

impl Limits {
    /// The request timeout.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }

    /// The header-read and keep-alive timeout.
    pub fn header_timeout(&self) -> Duration {
        Duration::from_secs(self.header_timeout_secs)
    }
}

/// The production defaults, as `serve` uses them without flags or environment.
impl Default for Limits {
    fn default() -> Self {
        Self {
            cost_budget_anonymous: 2_000_000,
            cost_budget_key: 10_000_000,
            max_aliases: 30,
            max_root_fields: 15,
            request_timeout_ms: 5_000,
            header_timeout_secs: 10,
            max_in_flight: 256,
            rate_limit_anonymous: 600,
            rate_limit_key: 3_000,
            feedback_rate_limit: 10,
            min_responses: 10,
            trusted_proxy_header: None,
            max_body_anonymous: 64 * 1024,
            max_body_key: 16 * 1024 * 1024,
            max_batch: 0,
            cors_origins: Vec::new(),
            cache_max_age_secs: 30,
            public_revision_poll_ms: 100,
            answer_cache_mib: 64,
            persisted_queries: crate::http::persisted::Mode::Auto,
            persisted_queries_file: None,
            introspection: Switch::On,
            graphiql: Switch::On,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::DatabaseConfig;

    #[test]
    fn urls_parse_into_their_kind() {
        let parse = |url: &str| url.parse::<DatabaseConfig>();
        assert_eq!(
            parse("sqlite://civic.db"),
            Ok(DatabaseConfig::SqliteFile {
                url: "sqlite://civic.db?mode=rwc".into()
            })
        );
        assert_eq!(
            parse("sqlite://civic.db?mode=ro").map(|c| c.url().to_owned()),
            Ok("sqlite://civic.db?mode=ro".into())
        );
        assert!(matches!(
            parse("sqlite::memory:"),
            Ok(DatabaseConfig::SqliteMemory { .. })
        ));
        assert!(matches!(
            parse("sqlite://x?mode=memory&cache=shared"),
            Ok(DatabaseConfig::SqliteMemory { .. })
        ));
        assert!(parse("postgresql://u@h/db").is_ok_and(|c| c.is_postgres()));
        assert!(parse("mysql://u@h/db").is_err());
        assert!(parse("sqlite://").is_err());
    }

    #[test]
    fn limits_default_to_what_the_flags_default_to() {
        use clap::Parser;
        #[derive(Parser)]
        struct Flags {
            #[command(flatten)]
            limits: super::Limits,
        }
        let parsed = Flags::parse_from(["serve"]).limits;
        let defaults = super::Limits::default();
        assert_eq!(format!("{parsed:?}"), format!("{defaults:?}"));
    }

    #[test]
    fn the_displayed_url_hides_the_password() {
        let config: DatabaseConfig = "postgres://app:s3cret@db.internal:5432/catalog"
            .parse()
            .unwrap();
        assert_eq!(
            config.to_string(),
            "postgres://app@db.internal:5432/catalog"
        );
    }
}
