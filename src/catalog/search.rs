//! The published snapshot's text search: each service's name and summary in lower case, and
//! a trigram index over them, so a search reads only the services that can match instead
//! of every service. A term of three bytes or more matches only services whose name or
//! summary holds every three-byte window of it; those few are then checked for the whole
//! term, so answers are exactly those of a scan (`contains` on the lower-case texts).
//! Shorter terms scan.
//!
//! The index is patched with the snapshot: a changed service leaves the lists of its old
//! windows and joins those of its new ones. Lists are shared (`Arc`) between snapshots and
//! copied only when a patch changes them.

use std::collections::HashMap;
use std::sync::Arc;

use super::hash::{FastHash, IdMap};
use super::records;

/// The ids of the services (ascending) whose name or summary holds one window.
type Postings = Arc<Vec<i32>>;

/// Services' search texts and their trigram index.
#[derive(Debug, Clone, Default)]
pub struct SearchIndex {
    /// Each service's lower-case name and summary.
    texts: IdMap<Arc<(String, String)>>,
    /// The services holding each three-byte window, by the window's bytes.
    grams: HashMap<u32, Postings, FastHash>,
}

/// The three-byte windows of `text`, as keys.
fn windows(text: &str) -> impl Iterator<Item = u32> + '_ {
    text.as_bytes()
        .windows(3)
        .map(|w| u32::from(w[0]) << 16 | u32::from(w[1]) << 8 | u32::from(w[2]))
}

/// The distinct windows of a service's texts, sorted.
fn windows_of(texts: &(String, String)) -> Vec<u32> {
    let mut all: Vec<u32> = windows(&texts.0).chain(windows(&texts.1)).collect();
    all.sort_unstable();
    all.dedup();
    all
}

/// A service's lower-case name and summary.
fn texts(service: &records::Service) -> Arc<(String, String)> {
    Arc::new((service.name.to_lowercase(), service.summary.to_lowercase()))
}

impl SearchIndex {
    /// The index of `services`.
    pub fn new<'a>(services: impl Iterator<Item = &'a records::Service>) -> Self {
        let mut index = Self::default();
        let mut grams: HashMap<u32, Vec<i32>, FastHash> = HashMap::default();
        for service in services {
            let texts = texts(service);
            for gram in windows_of(&texts) {
                grams.entry(gram).or_default().push(service.id);
            }
            index.texts.insert(service.id, texts);
        }
        index.grams = grams
            .into_iter()
            .map(|(gram, mut ids)| {
                ids.sort_unstable();
                (gram, Arc::new(ids))
            })
            .collect();
        index
    }

    /// Takes the service with this id out, if it is in.
    pub fn remove(&mut self, id: i32) {
        let Some(texts) = self.texts.remove(&id) else {
            return;
        };
        for gram in windows_of(&texts) {
            if let Some(list) = self.grams.get_mut(&gram) {
                let ids = Arc::make_mut(list);
                if let Ok(at) = ids.binary_search(&id) {
                    ids.remove(at);
                }
                if ids.is_empty() {
                    self.grams.remove(&gram);
                }
            }
        }
    }

    /// Puts `service` in, in place of the one with its id.
    pub fn insert(&mut self, service: &records::Service) {
        self.remove(service.id);
        let texts = texts(service);
        for gram in windows_of(&texts) {
            let ids = Arc::make_mut(self.grams.entry(gram).or_default());
            if let Err(at) = ids.binary_search(&service.id) {
                ids.insert(at, service.id);
            }
        }
        self.texts.insert(service.id, texts);
    }

    /// Whether the service's name or summary contains the lower-case `term`.
    pub fn matches(&self, id: i32, term: &str) -> bool {
        self.texts
            .get(&id)
            .is_some_and(|t| t.0.contains(term) || t.1.contains(term))
    }

    /// The ids of the services whose name or summary may contain the lower-case `term`,
    /// ascending (check each with [`SearchIndex::matches`]); `None` when the term is too
    /// short to narrow them (under three bytes), and every service must be checked.
    pub fn candidates(&self, term: &str) -> Option<Vec<i32>> {
        let mut grams: Vec<u32> = windows(term).collect();
        if grams.is_empty() {
            return None;
        }
        grams.sort_unstable();
        grams.dedup();
        let mut lists = Vec::with_capacity(grams.len());
        for gram in grams {
            match self.grams.get(&gram) {
                Some(list) => lists.push(list),
                None => return Some(Vec::new()),
            }
        }
        lists.sort_unstable_by_key(|l| l.len());
        let (shortest, rest) = lists.split_first()?;
        Some(
            shortest
                .iter()
                .copied()
                .filter(|id| rest.iter().all(|l| l.binary_search(id).is_ok()))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(id: i32, name: &str, summary: &str) -> records::Service {
        let now = chrono::Utc::now();
        records::Service {
            id,
            slug: format!("s{id}"),
            name: name.to_owned(),
            summary: summary.to_owned(),
            description: String::new(),
            agency_id: 1,
            eligibility_summary: None,
            fees: None,
            processing_time: None,
            status: crate::entity::enums::ServiceStatus::Published,
            version: 1,
            created_at: now,
            updated_at: now,
            published_at: Some(now),
            deleted_at: None,
            external_id: None,
            revision_of_id: None,
            agency_checks: Default::default(),
            program: None,
        }
    }

    /// The ids a scan finds.
    fn scan(services: &[records::Service], term: &str) -> Vec<i32> {
        services
            .iter()
            .filter(|s| {
                s.name.to_lowercase().contains(term) || s.summary.to_lowercase().contains(term)
            })
            .map(|s| s.id)
            .collect()
    }

    fn found(index: &SearchIndex, term: &str) -> Option<Vec<i32>> {
        index.candidates(term).map(|ids| {
            ids.into_iter()
                .filter(|id| index.matches(*id, term))
                .collect()
        })
    }

    #[test]
    fn the_index_finds_what_a_scan_finds_through_patches() {
        let mut services = vec![
            service(
                1,
                "Supplemental Nutrition Assistance",
                "Food money each month.",
            ),
            service(
                2,
                "Home Energy Assistance",
                "Help with heating bills; HEAP.",
            ),
            service(3, "Café Benefits", "Ünïcode names and summaries."),
            service(
                4,
                "Unemployment Insurance",
                "Weekly payments after a layoff.",
            ),
        ];
        let mut index = SearchIndex::new(services.iter());
        let terms = [
            "assistance",
            "heap",
            "ünï",
            "afé",
            "nce",
            "ly pay",
            "month.",
            "zzz",
            "ass",
            "t a",
        ];
        for term in terms {
            assert_eq!(found(&index, term), Some(scan(&services, term)), "{term}");
        }
        // Short terms scan.
        assert_eq!(index.candidates("as"), None);
        // A rename, a removal and a new service.
        services[1] = service(2, "Heating Help", "Pays part of the heating bill.");
        index.insert(&services[1]);
        index.remove(4);
        services.remove(3);
        services.push(service(5, "Lifeline", "A monthly phone discount."));
        index.insert(&services[3]);
        for term in terms
            .iter()
            .chain(&["heating", "phone", "layoff", "monthly"])
        {
            assert_eq!(found(&index, term), Some(scan(&services, term)), "{term}");
        }
        // Nothing is left of the removed and renamed texts.
        assert_eq!(index.candidates("layoff"), Some(Vec::new()));
        assert_eq!(index.candidates("heap"), Some(Vec::new()));
    }
}
