//! Typed configuration, parsed once from flags and the environment (see `cli`) and then
//! passed down: which database, and how to reach it.

use std::fmt;
use std::str::FromStr;

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
