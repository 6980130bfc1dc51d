//! The published snapshot: every record residents can see, at one public revision, held in
//! memory and never changed once built.
//!
//! Anonymous requests are answered from it (see [`super::reader::Reader`]): a response never
//! mixes two revisions, never fails because a row moved underneath it, and costs one SQL
//! statement (the public revision) however large it is. A request keeps the snapshot it
//! started with; the next one after a published change gets a new one.
//!
//! The snapshot is built by the same catalog reads keyed requests use, called once over
//! every published id, so both paths give the same answers. It is consistent because the
//! public revision is read before and after the build and must not have moved: every change
//! residents can see moves it in the transaction that makes the change (see
//! `Catalog::begin_write`), so reads made while it stood still all saw the same revision.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::AgencyFilter;
use super::Catalog;
use super::error::{CatalogError, CatalogResult};
use super::page::{Cursor, Page, PageRequest};
use super::recommend::Index;
use super::records;
use super::service::{RelatedService, RuleGroup, ServiceFilter, published};
use super::types::{JurisdictionCode, ServiceStatus, Slug};
use crate::entity::{agency, criterion, life_event, service};

/// How many ids one statement of a build names (below every database's parameter limit).
const CHUNK: usize = 5_000;

/// How many times a build is retried when a published change lands during it.
const BUILD_ATTEMPTS: usize = 5;

/// The values of `map` under `ids`, as a batch read returns them.
fn pick<V: Clone>(map: &HashMap<i32, V>, ids: &[i32]) -> HashMap<i32, V> {
    ids.iter()
        .filter_map(|id| map.get(id).map(|v| (*id, v.clone())))
        .collect()
}

/// Records by id with their list order and their unique key.
#[derive(Debug)]
struct Table<T> {
    by_id: HashMap<i32, T>,
    /// Ids in list order (`(name, id)` for paged lists).
    order: Vec<i32>,
    by_key: HashMap<String, i32>,
}

impl<T: Clone> Table<T> {
    /// A table of `rows`, listed in `(sort(row), id)` order and found by `key(row)`.
    fn new(
        rows: Vec<T>,
        id: impl Fn(&T) -> i32,
        sort: impl Fn(&T) -> &str,
        key: impl Fn(&T) -> &str,
    ) -> Self {
        let mut order: Vec<(String, i32)> =
            rows.iter().map(|r| (sort(r).to_owned(), id(r))).collect();
        order.sort();
        let by_key = rows.iter().map(|r| (key(r).to_owned(), id(r))).collect();
        Self {
            by_id: rows.into_iter().map(|r| (id(&r), r)).collect(),
            order: order.into_iter().map(|(_, id)| id).collect(),
            by_key,
        }
    }

    fn get(&self, key: &str) -> Option<T> {
        self.by_key
            .get(key)
            .and_then(|id| self.by_id.get(id))
            .cloned()
    }

    /// The rows that `keep` accepts, in list order (borrowed: a page clones only what it
    /// returns).
    fn listed(&self, keep: impl Fn(&T) -> bool) -> Vec<&T> {
        self.order
            .iter()
            .filter_map(|id| self.by_id.get(id))
            .filter(|row| keep(row))
            .collect()
    }
}

/// The ids every part of the snapshot is loaded over.
struct Ids {
    services: Vec<i32>,
    agencies: Vec<i32>,
    life_events: Vec<i32>,
    stages: Vec<i32>,
}

/// Declares the per-id parts of the snapshot: each loaded with the catalog batch read of
/// the same name over every id of one kind, and read back with a method of that name.
macro_rules! parts {
    ($($(#[$meta:meta])* $method:ident: $value:ty, over $ids:ident;)*) => {
        /// The per-id parts of the published catalog.
        #[derive(Debug)]
        struct Parts {
            $($method: HashMap<i32, $value>,)*
        }

        impl Parts {
            async fn load(catalog: &Catalog, ids: &Ids) -> CatalogResult<Self> {
                Ok(Self {
                    $($method: {
                        // In chunks, below every database's parameter limit.
                        let mut all = HashMap::new();
                        for chunk in ids.$ids.chunks(CHUNK) {
                            all.extend(catalog.$method(chunk).await?);
                        }
                        all
                    },)*
                })
            }
        }

        impl Snapshot {
            $(
                $(#[$meta])*
                pub fn $method(&self, ids: &[i32]) -> HashMap<i32, $value> {
                    pick(&self.parts.$method, ids)
                }
            )*
        }
    };
}

parts! {
    /// CSSP designations, by agency id.
    cssp_of_agencies: records::CsspDesignation, over agencies;
    /// Child agencies, by parent id.
    children_of_agencies: Vec<records::Agency>, over agencies;
    /// Keys of each agency's published services, by agency id.
    service_keys_of_agencies: Vec<Cursor>, over agencies;
    /// Channels, by service id.
    channels_of_services: Vec<records::Channel>, over services;
    /// Partner agency ids, by service id.
    partners_of_services: Vec<i32>, over services;
    /// Jurisdiction ids served, by service id.
    jurisdictions_of_services: Vec<i32>, over services;
    /// Life-event links, by service id.
    life_event_links_of_services: Vec<records::ServiceLink>, over services;
    /// Relations to other published services, by service id.
    relations_of_services: Vec<RelatedService>, over services;
    /// Eligibility rule groups, by service id.
    rules_of_services: Vec<RuleGroup>, over services;
    /// Required documents, by service id.
    documents_of_services: Vec<records::RequiredDocument>, over services;
    /// Languages, by service id.
    languages_of_services: Vec<records::Language>, over services;
    /// Taxonomy terms, by service id.
    terms_of_services: Vec<records::TaxonomyTerm>, over services;
    /// Journey stages in journey order, by life event id.
    stages_of_life_events: Vec<records::JourneyStage>, over life_events;
    /// Related life events, by life event id.
    related_life_events: Vec<records::LifeEventRelation>, over life_events;
    /// Keys of each life event's published services, by life event id.
    service_keys_of_life_events: Vec<Cursor>, over life_events;
    /// Links to published services, by stage id.
    service_links_of_stages: Vec<records::ServiceLink>, over stages;
}

/// Every record residents can see, at one public revision.
pub struct Snapshot {
    /// The public revision it holds.
    pub revision: i64,
    services: Table<records::Service>,
    /// Each service's name and summary in lower case, for searches.
    search_text: HashMap<i32, (String, String)>,
    agencies: Table<records::Agency>,
    life_events: Table<records::LifeEvent>,
    criteria: Table<records::Criterion>,
    /// Broadest first, as [`Catalog::jurisdictions`] lists them.
    jurisdictions: Vec<records::Jurisdiction>,
    stages: HashMap<i32, records::JourneyStage>,
    channels: HashMap<i32, records::Channel>,
    parts: Parts,
    /// The recommendation index of the same revision.
    pub index: Arc<Index>,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("revision", &self.revision)
            .field("services", &self.services.by_id.len())
            .finish_non_exhaustive()
    }
}

impl Snapshot {
    /// Builds the snapshot of `revision` from the database. The caller checks that the
    /// public revision did not move while it ran.
    async fn load(catalog: &Catalog, revision: i64) -> CatalogResult<Self> {
        let db = catalog.connection();
        let services = service::Entity::find()
            .filter(published())
            .filter(service::Column::RevisionOfId.is_null())
            .all(db)
            .await?;
        let agencies = agency::Entity::find().all(db).await?;
        let life_events = life_event::Entity::find().all(db).await?;
        let criteria = criterion::Entity::find().all(db).await?;
        let stages: Vec<records::JourneyStage> =
            crate::entity::journey_stage::Entity::find().all(db).await?;
        let ids = Ids {
            services: services.iter().map(|s| s.id).collect(),
            agencies: agencies.iter().map(|a| a.id).collect(),
            life_events: life_events.iter().map(|e| e.id).collect(),
            stages: stages.iter().map(|s| s.id).collect(),
        };
        let parts = Parts::load(catalog, &ids).await?;
        let channels = parts
            .channels_of_services
            .values()
            .flatten()
            .map(|c| (c.id, c.clone()))
            .collect();
        let search_text = services
            .iter()
            .map(|s| (s.id, (s.name.to_lowercase(), s.summary.to_lowercase())))
            .collect();
        Ok(Self {
            revision,
            services: Table::new(services, |s| s.id, |s| &s.name, |s| &s.slug),
            search_text,
            agencies: Table::new(agencies, |a| a.id, |a| &a.name, |a| &a.slug),
            life_events: Table::new(life_events, |e| e.id, |e| &e.name, |e| &e.slug),
            criteria: Table::new(criteria, |c| c.id, |c| &c.label, |c| &c.key),
            jurisdictions: catalog.jurisdictions().await?,
            stages: stages.into_iter().map(|s| (s.id, s)).collect(),
            channels,
            parts,
            index: Arc::new(catalog.build_index().await?),
        })
    }

    /// Published services by id; other ids are absent.
    pub fn services_by_ids(&self, ids: &[i32]) -> HashMap<i32, records::Service> {
        pick(&self.services.by_id, ids)
    }

    /// Agencies by id.
    pub fn agencies_by_ids(&self, ids: &[i32]) -> HashMap<i32, records::Agency> {
        pick(&self.agencies.by_id, ids)
    }

    /// Life events by id.
    pub fn life_events_by_ids(&self, ids: &[i32]) -> HashMap<i32, records::LifeEvent> {
        pick(&self.life_events.by_id, ids)
    }

    /// Criteria by id.
    pub fn criteria_by_ids(&self, ids: &[i32]) -> HashMap<i32, records::Criterion> {
        pick(&self.criteria.by_id, ids)
    }

    /// Journey stages by id.
    pub fn stages_by_ids(&self, ids: &[i32]) -> HashMap<i32, records::JourneyStage> {
        pick(&self.stages, ids)
    }

    /// Channels of published services, by id.
    pub fn channels_by_ids(&self, ids: &[i32]) -> HashMap<i32, records::Channel> {
        pick(&self.channels, ids)
    }

    /// Jurisdictions by id.
    pub fn jurisdictions_by_ids(&self, ids: &[i32]) -> HashMap<i32, records::Jurisdiction> {
        let wanted: std::collections::HashSet<i32> = ids.iter().copied().collect();
        self.jurisdictions
            .iter()
            .filter(|j| wanted.contains(&j.id))
            .map(|j| (j.id, j.clone()))
            .collect()
    }

    /// Every jurisdiction, broadest first.
    pub fn jurisdictions(&self) -> Vec<records::Jurisdiction> {
        self.jurisdictions.clone()
    }

    /// The jurisdiction with this code, if any.
    pub fn jurisdiction_by_code(&self, code: &JurisdictionCode) -> Option<records::Jurisdiction> {
        self.jurisdictions
            .iter()
            .find(|j| j.code == code.as_str())
            .cloned()
    }

    /// The ids of a jurisdiction and of every jurisdiction above it, nearest first; an
    /// unknown code is a `BadInput` on `field`.
    pub fn jurisdiction_with_ancestors(
        &self,
        field: &str,
        code: &JurisdictionCode,
    ) -> CatalogResult<Vec<i32>> {
        let start = self
            .jurisdictions
            .iter()
            .find(|j| j.code == code.as_str())
            .ok_or_else(|| {
                CatalogError::bad_input(field, format!("unknown jurisdiction `{}`", code.as_str()))
            })?;
        Ok(super::jurisdiction::chain_up(start, |id| {
            self.jurisdictions.iter().find(|j| j.id == id)
        }))
    }

    /// The published service with this slug, if any.
    pub fn service_by_slug(&self, slug: &Slug) -> Option<records::Service> {
        self.services.get(slug.as_str())
    }

    /// The agency with this slug, if any.
    pub fn agency_by_slug(&self, slug: &Slug) -> Option<records::Agency> {
        self.agencies.get(slug.as_str())
    }

    /// The life event with this slug, if any.
    pub fn life_event_by_slug(&self, slug: &Slug) -> Option<records::LifeEvent> {
        self.life_events.get(slug.as_str())
    }

    /// The criterion with this key, if any.
    pub fn criterion_by_key(&self, key: &str) -> Option<records::Criterion> {
        self.criteria.get(key)
    }

    /// A page of life events, by name.
    pub fn life_events(&self, page: &PageRequest) -> Page<records::LifeEvent> {
        slice(self.life_events.listed(|_| true), page, |e| (&e.name, e.id))
    }

    /// A page of criteria, by label.
    pub fn criteria(&self, page: &PageRequest) -> Page<records::Criterion> {
        slice(self.criteria.listed(|_| true), page, |c| (&c.label, c.id))
    }

    /// A page of agencies matching `filter`, by name.
    pub fn agencies(&self, filter: &AgencyFilter, page: &PageRequest) -> Page<records::Agency> {
        let jurisdiction = filter
            .jurisdiction
            .as_ref()
            .map(|code| self.jurisdiction_by_code(code).map_or(0, |j| j.id));
        let search = filter.search.as_deref().map(str::to_lowercase);
        let listed = self.agencies.listed(|a| {
            jurisdiction.is_none_or(|j| a.jurisdiction_id == j)
                && filter
                    .cssp
                    .is_none_or(|cssp| self.parts.cssp_of_agencies.contains_key(&a.id) == cssp)
                && search.as_deref().is_none_or(|term| {
                    contains(&a.name, term)
                        || a.acronym.as_deref().is_some_and(|x| contains(x, term))
                })
        });
        slice(listed, page, |a| (&a.name, a.id))
    }

    /// A page of the published services matching `filter`, by name: the same filter as
    /// [`Catalog::services`] gives an anonymous caller.
    pub fn services(
        &self,
        filter: &ServiceFilter,
        page: &PageRequest,
    ) -> CatalogResult<Page<records::Service>> {
        let ids_of = |keys: Option<&Vec<Cursor>>| -> std::collections::HashSet<i32> {
            keys.map(|k| k.iter().map(|c| c.id).collect())
                .unwrap_or_default()
        };
        let agency = filter
            .agency
            .as_ref()
            .map(|slug| {
                let id = known(self.agencies.by_key.get(slug.as_str()), "agency", slug)?;
                CatalogResult::Ok(ids_of(self.parts.service_keys_of_agencies.get(&id)))
            })
            .transpose()?;
        let life_event = filter
            .life_event
            .as_ref()
            .map(|slug| {
                let id = known(
                    self.life_events.by_key.get(slug.as_str()),
                    "lifeEvent",
                    slug,
                )?;
                CatalogResult::Ok(ids_of(self.parts.service_keys_of_life_events.get(&id)))
            })
            .transpose()?;
        let chain = filter
            .jurisdiction
            .as_ref()
            .map(|code| self.jurisdiction_with_ancestors("filter.jurisdiction", code))
            .transpose()?;
        let search = filter.search.as_deref().map(str::to_lowercase);
        let none = Vec::new();
        let listed = self.services.listed(|s| {
            let served = self
                .parts
                .jurisdictions_of_services
                .get(&s.id)
                .unwrap_or(&none);
            agency.as_ref().is_none_or(|ids| ids.contains(&s.id))
                && life_event.as_ref().is_none_or(|ids| ids.contains(&s.id))
                && chain.as_ref().is_none_or(|chain| served.iter().any(|j| chain.contains(j)))
                && filter.channel_kind.is_none_or(|kind| {
                    self.parts
                        .channels_of_services
                        .get(&s.id)
                        .is_some_and(|channels| channels.iter().any(|c| c.kind == kind))
                })
                && filter.modified_after.is_none_or(|after| s.updated_at > after)
                && search.as_deref().is_none_or(|term| {
                    self.search_text.get(&s.id).is_some_and(|(name, summary)| {
                        name.contains(term) || summary.contains(term)
                    })
                })
                && filter.status.is_none_or(|status| status == ServiceStatus::Published)
                // The public never sees a service or a revision in review.
                && filter.awaiting_review != Some(true)
        });
        Ok(slice(listed, page, |s| (&s.name, s.id)))
    }
}

/// Whether `text` contains the lower-case `term`, ignoring case.
fn contains(text: &str, term: &str) -> bool {
    text.to_lowercase().contains(term)
}

/// One page of `rows` (already in `(name, id)` order), its items cloned.
fn slice<T: Clone>(
    rows: Vec<&T>,
    page: &PageRequest,
    key: impl Fn(&T) -> (&String, i32),
) -> Page<T> {
    Page::slice(
        rows,
        page,
        |r| key(r).1,
        |r| {
            let (name, id) = key(r);
            Cursor {
                name: name.clone(),
                id,
            }
        },
    )
    .map(T::clone)
}

/// The current snapshot, shared by every clone of a catalog, replaced when the public
/// revision moves.
#[derive(Default)]
pub struct SnapshotCache {
    current: RwLock<Option<Arc<Snapshot>>>,
    rebuild: tokio::sync::Mutex<()>,
    /// How long a public revision read from the database is taken as current, in
    /// milliseconds (0: it is read for every public request).
    poll_ms: AtomicU64,
    /// Moves with every commit this process makes, so a revision read before it is never
    /// taken as current after it.
    commits: AtomicU64,
    /// The public revision last read, when, and at which count of commits.
    seen: std::sync::Mutex<Option<(i64, Instant, u64)>>,
}

impl std::fmt::Debug for SnapshotCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SnapshotCache")
    }
}

impl SnapshotCache {
    fn get(&self, revision: i64) -> Option<Arc<Snapshot>> {
        let guard = match self.current.read() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        guard.as_ref().filter(|s| s.revision == revision).cloned()
    }

    /// The public revision read within the poll interval, with no commit of this process
    /// since.
    fn recent_revision(&self, poll: Duration) -> Option<i64> {
        let seen = *self.seen.lock().ok()?;
        let (revision, at, commits) = seen?;
        (commits == self.commits.load(Ordering::Acquire) && at.elapsed() < poll).then_some(revision)
    }

    /// Remembers `revision`, read when this process had made `commits` commits, unless
    /// it has made another since (the read may be from before it).
    fn remember_revision(&self, revision: i64, commits: u64) {
        if let Ok(mut seen) = self.seen.lock()
            && commits == self.commits.load(Ordering::Acquire)
        {
            *seen = Some((revision, Instant::now(), commits));
        }
    }

    fn set(&self, snapshot: Arc<Snapshot>) {
        let mut guard = match self.current.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        *guard = Some(snapshot);
    }
}

impl Catalog {
    /// The snapshot of the current public revision: one statement when it is built
    /// already; otherwise it is built once, however many requests ask at the same time,
    /// while requests holding the previous one go on with it. Draft and review edits leave
    /// the public revision, so they never cost a build.
    ///
    /// The build runs in a task of its own, so a request that times out or disconnects
    /// while it waits leaves the build going for the requests after it (a build longer than
    /// the request timeout would otherwise be started, and cancelled, forever).
    pub async fn published(&self) -> CatalogResult<Arc<Snapshot>> {
        let revision = self.current_public_revision().await?;
        if let Some(snapshot) = self.snapshots.get(revision) {
            return Ok(snapshot);
        }
        let (catalog, (sender, receiver)) = (self.clone(), tokio::sync::oneshot::channel());
        crate::telemetry::RequestStatements::spawn(async move {
            let _ = sender.send(catalog.build_published(revision).await);
        });
        receiver
            .await
            .map_err(|_| CatalogError::internal("the snapshot build stopped without an answer"))?
    }

    /// Reads the public revision from the database at most once per poll interval (see
    /// [`Catalog::poll_public_revision`]); a commit of this process makes the next call
    /// read it again, so this process's own changes are seen at once.
    async fn current_public_revision(&self) -> CatalogResult<i64> {
        let poll = Duration::from_millis(self.snapshots.poll_ms.load(Ordering::Relaxed));
        if poll.is_zero() {
            return self.public_revision().await;
        }
        if let Some(revision) = self.snapshots.recent_revision(poll) {
            return Ok(revision);
        }
        let commits = self.snapshots.commits.load(Ordering::Acquire);
        let revision = self.public_revision().await?;
        self.snapshots.remember_revision(revision, commits);
        Ok(revision)
    }

    /// Public reads take the public revision read within the last `poll` as current
    /// (zero: they read it every time). Other processes' changes then reach this one's
    /// public reads within `poll`; this process's own, at once.
    pub fn poll_public_revision(&self, poll: Duration) {
        let ms = u64::try_from(poll.as_millis()).unwrap_or(u64::MAX);
        self.snapshots.poll_ms.store(ms, Ordering::Relaxed);
    }

    /// Commits `txn`; the next public read checks the public revision again.
    pub(crate) async fn commit(&self, txn: sea_orm::DatabaseTransaction) -> CatalogResult<()> {
        let committed = txn.commit().await;
        self.snapshots.commits.fetch_add(1, Ordering::AcqRel);
        Ok(committed?)
    }

    /// Builds the snapshot of `revision` (or of the revision it moved to meanwhile), unless
    /// another build did while this one waited its turn.
    async fn build_published(&self, mut revision: i64) -> CatalogResult<Arc<Snapshot>> {
        let _building = self.snapshots.rebuild.lock().await;
        for _ in 0..BUILD_ATTEMPTS {
            if let Some(snapshot) = self.snapshots.get(revision) {
                return Ok(snapshot);
            }
            let snapshot = Snapshot::load(self, revision).await?;
            let after = self.public_revision().await?;
            if after == revision {
                let snapshot = Arc::new(snapshot);
                self.snapshots.set(Arc::clone(&snapshot));
                return Ok(snapshot);
            }
            revision = after;
        }
        Err(CatalogError::internal(format!(
            "the published catalog kept changing during {BUILD_ATTEMPTS} snapshot builds"
        )))
    }
}

/// The id a filter's slug names, or `BAD_USER_INPUT` on `filter.<field>` when nothing has it.
pub(crate) fn known(id: Option<&i32>, field: &str, slug: &Slug) -> CatalogResult<i32> {
    id.copied().ok_or_else(|| {
        CatalogError::bad_input(
            format!("filter.{field}"),
            format!(
                "unknown {} `{slug}`",
                if field == "agency" {
                    "agency"
                } else {
                    "life event"
                }
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_list_by_name_then_id_and_find_by_key() {
        let rows = vec![(3, "b", "x"), (1, "b", "y"), (2, "a", "z")];
        let table = Table::new(rows, |r| r.0, |r| r.1, |r| r.2);
        let ids: Vec<i32> = table.listed(|_| true).iter().map(|r| r.0).collect();
        assert_eq!(ids, [2, 1, 3]);
        assert_eq!(table.get("y").map(|r| r.0), Some(1));
        assert!(table.get("w").is_none());
        let odd: Vec<i32> = table.listed(|r| r.0 % 2 == 1).iter().map(|r| r.0).collect();
        assert_eq!(odd, [1, 3]);
    }

    #[test]
    fn contains_ignores_case_of_the_text() {
        assert!(contains("Supplemental Nutrition", "nutri"));
        assert!(!contains("SNAP", "snack"));
    }
}
