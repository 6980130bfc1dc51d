//! Whole answers to anonymous reads, kept in memory per public revision.
//!
//! An anonymous query is answered from the published snapshot, so its answer is a pure
//! function of the public revision, the request (query, operation, variables), the media
//! type and the day (recommendations default `asOf` to today). The first answer for such a
//! key is kept; the next request with the same key is served those bytes without running
//! GraphQL at all. A key from an older revision can never be asked for again, so moving the
//! revision drops every entry. Answers that read beyond the snapshot (feedback aggregates,
//! the change feed), failed answers and mutations are never kept.
//!
//! The cache holds at most its configured number of bytes; when an answer would not fit,
//! half the entries are dropped first, so a flood of distinct queries costs evictions,
//! never memory.

use std::collections::HashMap;
use std::sync::RwLock;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::transport::Media;

/// What an anonymous read's answer depends on besides the public revision, hashed: the
/// query, the operation, the variables, the media type and the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// The fingerprint of `request` read as `media` on `day`.
    pub fn of(request: &async_graphql::Request, media: Media, day: chrono::NaiveDate) -> Self {
        let mut hash = Sha256::new();
        hash.update(request.query.as_bytes());
        hash.update([0]);
        hash.update(
            request
                .operation_name
                .as_deref()
                .unwrap_or_default()
                .as_bytes(),
        );
        hash.update([0]);
        if let Ok(variables) = serde_json::to_vec(&request.variables) {
            hash.update(&variables);
        }
        hash.update([u8::from(media == Media::GraphqlResponse)]);
        hash.update(day.to_string().as_bytes());
        Self(hash.finalize().into())
    }

    /// The HTTP entity tag of the answer at `revision`: the revision and a prefix of the
    /// fingerprint.
    pub fn etag(&self, revision: i64) -> String {
        let short: String = self.0.iter().take(12).map(|b| format!("{b:02x}")).collect();
        format!("\"r{revision}-{short}\"")
    }
}

/// One kept answer, as it went out.
#[derive(Debug, Clone)]
struct Kept {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Kept {
    fn size(&self) -> usize {
        // The headers are a few short values; count them roughly.
        self.body.len() + 64 * self.headers.len() + 64
    }
}

#[derive(Debug, Default)]
struct Entries {
    /// The public revision every kept answer was read at.
    revision: i64,
    answers: HashMap<Fingerprint, Kept>,
    bytes: usize,
}

/// The kept answers, at most `max_bytes` of them (0 keeps none).
#[derive(Debug)]
pub struct AnswerCache {
    max_bytes: usize,
    entries: RwLock<Entries>,
}

impl AnswerCache {
    /// An empty cache of at most `max_bytes`.
    pub fn new(max_bytes: usize) -> Self {
        Self {
            max_bytes,
            entries: RwLock::new(Entries::default()),
        }
    }

    /// Whether it keeps anything at all.
    pub fn is_on(&self) -> bool {
        self.max_bytes > 0
    }

    /// The kept answer for `fingerprint`, as a fresh response, with the public revision it
    /// was read at (the caller checks that it is still the current one).
    pub fn get(&self, fingerprint: &Fingerprint) -> Option<(i64, Response)> {
        let entries = self.entries.read().ok()?;
        let kept = entries.answers.get(fingerprint)?;
        let mut response = Response::new(Body::from(kept.body.clone()));
        *response.status_mut() = kept.status;
        *response.headers_mut() = kept.headers.clone();
        Some((entries.revision, response))
    }

    /// Keeps `response` (a successful answer to a read of `fingerprint`, built from the
    /// snapshot of `revision` alone), and hands back the same response to send.
    pub async fn keep(
        &self,
        (revision, fingerprint): (i64, Fingerprint),
        response: Response,
    ) -> Response {
        use axum::body::HttpBody;
        let size = response.body().size_hint().exact();
        if size.is_none_or(|size| size > (self.max_bytes / 8) as u64) {
            // Too large to keep among the others (or of unknown size): sent, not kept.
            return response;
        }
        let (parts, body) = response.into_parts();
        let body = match axum::body::to_bytes(body, usize::MAX).await {
            Ok(body) => body,
            Err(err) => {
                // An in-memory body cannot fail to read; never a panic all the same.
                tracing::error!(error = %err, "an answer's body could not be read");
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
        };
        self.insert(
            (revision, fingerprint),
            Kept {
                status: parts.status,
                headers: parts.headers.clone(),
                body: body.clone(),
            },
        );
        Response::from_parts(parts, Body::from(body))
    }

    fn insert(&self, (revision, fingerprint): (i64, Fingerprint), kept: Kept) {
        let Ok(mut entries) = self.entries.write() else {
            return;
        };
        if revision > entries.revision {
            *entries = Entries {
                revision,
                ..Entries::default()
            };
        } else if revision < entries.revision {
            // Answered from a snapshot that has since been replaced: nobody asks for it.
            return;
        }
        let size = kept.size();
        if entries.bytes + size > self.max_bytes {
            let drop: Vec<Fingerprint> = entries
                .answers
                .keys()
                .copied()
                .take(entries.answers.len().div_ceil(2))
                .collect();
            for key in drop {
                if let Some(old) = entries.answers.remove(&key) {
                    entries.bytes = entries.bytes.saturating_sub(old.size());
                }
            }
        }
        if let Some(old) = entries.answers.insert(fingerprint, kept) {
            entries.bytes = entries.bytes.saturating_sub(old.size());
        }
        entries.bytes += size;
    }
}

#[cfg(test)]
mod tests {
    use super::{AnswerCache, Fingerprint, Kept};
    use axum::http::{HeaderMap, StatusCode};

    fn fingerprint(i: u32) -> Fingerprint {
        let request = async_graphql::Request::new(format!("{{ a{i}: __typename }}"));
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap_or_default();
        Fingerprint::of(&request, super::Media::Json, day)
    }

    fn kept(bytes: usize) -> Kept {
        Kept {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: vec![b'x'; bytes].into(),
        }
    }

    fn held(cache: &AnswerCache) -> (i64, usize, usize) {
        let entries = cache.entries.read().unwrap();
        (entries.revision, entries.answers.len(), entries.bytes)
    }

    #[test]
    fn the_cache_stays_within_its_bytes_and_holds_one_revision() {
        let cache = AnswerCache::new(10_000);
        for i in 0..1_000 {
            cache.insert((7, fingerprint(i)), kept(936));
            assert!(held(&cache).2 <= 10_000, "{:?}", held(&cache));
        }
        let (revision, answers, _) = held(&cache);
        assert_eq!(revision, 7);
        assert!((5..=10).contains(&answers), "{answers}");
        // The last one kept is there; an answer of an older revision is not kept.
        assert!(cache.get(&fingerprint(999)).is_some_and(|(r, _)| r == 7));
        cache.insert((6, fingerprint(5_000)), kept(10));
        assert!(cache.get(&fingerprint(5_000)).is_none());
        // A newer revision replaces them all.
        cache.insert((8, fingerprint(1)), kept(10));
        assert_eq!(held(&cache), (8, 1, 10 + 64));
        assert!(cache.get(&fingerprint(999)).is_none());
    }

    #[test]
    fn fingerprints_differ_by_every_part_of_the_request() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap_or_default();
        let next = chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap_or_default();
        let request =
            || async_graphql::Request::new("query A { __typename } query B { __typename }");
        let base = Fingerprint::of(&request(), super::Media::Json, day);
        let variables = async_graphql::Variables::from_json(serde_json::json!({ "x": 1 }));
        for other in [
            Fingerprint::of(&request().operation_name("B"), super::Media::Json, day),
            Fingerprint::of(&request().variables(variables), super::Media::Json, day),
            Fingerprint::of(&request(), super::Media::GraphqlResponse, day),
            Fingerprint::of(&request(), super::Media::Json, next),
        ] {
            assert_ne!(other, base);
        }
        assert_eq!(Fingerprint::of(&request(), super::Media::Json, day), base);
        assert_ne!(base.etag(1), base.etag(2));
    }
}
