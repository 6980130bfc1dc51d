//! Persisted queries, as Apollo's automatic persisted queries protocol has them: a client
//! sends `extensions.persistedQuery.sha256Hash` instead of the query text, so a portal's
//! `GET` URLs stay short and cacheable. In `auto` mode an unknown hash is answered
//! `PERSISTED_QUERY_NOT_FOUND`, and the client sends the query once with its hash, which is
//! checked and remembered (at most [`MAX_REMEMBERED`] queries, in this process). In
//! `allowlist` mode only the queries of the configured file run, by hash or by text;
//! anything else is refused with `PERSISTED_QUERY_NOT_ALLOWED`.

use std::collections::HashMap;
use std::path::Path;
use std::sync::RwLock;

use async_graphql::{ErrorExtensionValues, ServerError, Value};
use clap::ValueEnum;
use sha2::{Digest, Sha256};

/// The most queries `auto` mode remembers; past it, new ones run but are not kept.
pub const MAX_REMEMBERED: usize = 10_000;

/// How `/graphql` treats persisted queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// Any query runs; hashes are learnt as clients send them.
    Auto,
    /// Only the queries of the allow-list file run.
    Allowlist,
    /// No persisted queries: every request sends its text.
    Off,
}

/// The persisted queries this process knows, by SHA-256 hash (lowercase hex).
pub struct PersistedQueries {
    mode: Mode,
    known: RwLock<HashMap<String, String>>,
}

/// The SHA-256 of `query`, in lowercase hex.
pub fn hash(query: &str) -> String {
    Sha256::digest(query.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn refusal(code: &str, message: &str) -> ServerError {
    let mut error = ServerError::new(message, None);
    error
        .extensions
        .get_or_insert_with(ErrorExtensionValues::default)
        .set("code", code);
    error
}

impl PersistedQueries {
    /// The queries for `mode`; `allowlist` reads `file`, a JSON array of query texts.
    pub fn new(mode: Mode, file: Option<&Path>) -> Result<Self, String> {
        let mut known = HashMap::new();
        if let Some(file) = file {
            let text = std::fs::read_to_string(file)
                .map_err(|err| format!("cannot read {}: {err}", file.display()))?;
            let queries: Vec<String> = serde_json::from_str(&text).map_err(|err| {
                format!("{} is not a JSON array of queries: {err}", file.display())
            })?;
            known.extend(queries.into_iter().map(|q| (hash(&q), q)));
        } else if mode == Mode::Allowlist {
            return Err("--persisted-queries allowlist needs --persisted-queries-file".into());
        }
        Ok(Self {
            mode,
            known: RwLock::new(known),
        })
    }

    /// `request` with its query text filled in from its hash, or the error to answer.
    pub fn resolve(
        &self,
        mut request: async_graphql::Request,
    ) -> Result<async_graphql::Request, ServerError> {
        let sent_hash = match request.extensions.0.get("persistedQuery") {
            Some(Value::Object(persisted)) => match persisted.get("sha256Hash") {
                Some(Value::String(hash)) => Some(hash.to_ascii_lowercase()),
                _ => {
                    return Err(refusal(
                        "BAD_USER_INPUT",
                        "extensions.persistedQuery needs a sha256Hash string",
                    ));
                }
            },
            Some(_) => {
                return Err(refusal(
                    "BAD_USER_INPUT",
                    "extensions.persistedQuery must be an object",
                ));
            }
            None => None,
        };
        if self.mode == Mode::Off {
            if sent_hash.is_some() {
                return Err(refusal(
                    "PERSISTED_QUERY_NOT_SUPPORTED",
                    "PersistedQueryNotSupported",
                ));
            }
            return Ok(request);
        }
        let known = |hash: &str| {
            self.known
                .read()
                .map_or(None, |known| known.get(hash).cloned())
        };
        match (sent_hash, request.query.is_empty()) {
            (Some(hash), true) => match known(&hash) {
                Some(query) => {
                    request.query = query;
                    Ok(request)
                }
                None if self.mode == Mode::Allowlist => Err(not_allowed()),
                None => Err(refusal(
                    "PERSISTED_QUERY_NOT_FOUND",
                    "PersistedQueryNotFound",
                )),
            },
            (Some(sent), false) => {
                let actual = hash(&request.query);
                if actual != sent {
                    return Err(refusal(
                        "BAD_USER_INPUT",
                        "extensions.persistedQuery.sha256Hash is not the SHA-256 of the query",
                    ));
                }
                self.admit(actual, &request.query)?;
                Ok(request)
            }
            (None, _) => {
                if self.mode == Mode::Allowlist && known(&hash(&request.query)).is_none() {
                    return Err(not_allowed());
                }
                Ok(request)
            }
        }
    }

    /// Remembers `query` under `hash` in `auto` mode; in `allowlist` mode, checks it is on
    /// the list.
    fn admit(&self, hash: String, query: &str) -> Result<(), ServerError> {
        if self.mode == Mode::Allowlist {
            return match self.known.read() {
                Ok(known) if known.contains_key(&hash) => Ok(()),
                _ => Err(not_allowed()),
            };
        }
        if let Ok(mut known) = self.known.write()
            && known.len() < MAX_REMEMBERED
        {
            known.insert(hash, query.to_owned());
        }
        Ok(())
    }
}

fn not_allowed() -> ServerError {
    refusal(
        "PERSISTED_QUERY_NOT_ALLOWED",
        "this server runs only its registered queries",
    )
}
