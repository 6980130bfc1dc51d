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

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::AgencyFilter;
use super::Catalog;
use super::error::{CatalogError, CatalogResult};
use super::page::{Cursor, Page, PageRequest, sort_key};
use super::recommend::{Index, Published, Reuse};
use super::records;
use super::search::SearchIndex;
use super::service::{RelatedService, RuleGroup, ServiceFilter, published};
use super::types::{JurisdictionCode, ServiceStatus, Slug};
use crate::entity::{agency, criterion, life_event, public_change, service};

/// How many ids one statement of a build names (below every database's parameter limit).
const CHUNK: usize = 5_000;

/// How many times a build is retried when a published change lands during it.
const BUILD_ATTEMPTS: usize = 5;

/// The most services a patch reloads; a change touching more rebuilds the snapshot whole.
const MAX_PATCHED_SERVICES: usize = 2_000;

/// The values of `map` under `ids`, as a batch read returns them.
fn pick<V: Clone>(map: &HashMap<i32, Arc<V>>, ids: &[i32]) -> HashMap<i32, V> {
    ids.iter()
        .filter_map(|id| map.get(id).map(|v| (*id, V::clone(v))))
        .collect()
}

/// The items listed under `id` in a per-id part (none when it has no entry).
fn under<'a, V>(part: &'a HashMap<i32, Arc<Vec<V>>>, id: &i32) -> impl Iterator<Item = &'a V> {
    part.get(id).into_iter().flat_map(|list| list.iter())
}

/// A record a [`Table`] holds: its id, what it is listed by, and its unique key.
trait Row {
    fn id(&self) -> i32;
    /// What it is listed by: the cursor's name (see [`sort_key`]).
    fn sort(&self) -> Cow<'_, str>;
    fn key(&self) -> &str;
}

/// A name's [`sort_key`], as a row's sort.
fn by_name(name: &str) -> Cow<'_, str> {
    Cow::Owned(sort_key(name))
}

macro_rules! row {
    ($($record:ty: $sort:ident by $how:path, $key:ident;)*) => {$(
        impl Row for $record {
            fn id(&self) -> i32 {
                self.id
            }
            fn sort(&self) -> Cow<'_, str> {
                $how(&self.$sort)
            }
            fn key(&self) -> &str {
                &self.$key
            }
        }
    )*};
}

row! {
    records::Service: name by by_name, slug;
    records::Agency: name by by_name, slug;
    records::LifeEvent: name by by_name, slug;
    records::Criterion: label by Cow::Borrowed, key;
}

/// Records by id with their list order and their unique key. Records are shared, so a
/// clone (the start of a patched snapshot) copies pointers, not records.
#[derive(Debug)]
struct Table<T> {
    by_id: HashMap<i32, Arc<T>>,
    /// Ids in list order (`(sort, id)`, for paged lists).
    order: Vec<i32>,
    by_key: HashMap<String, i32>,
}

impl<T> Clone for Table<T> {
    fn clone(&self) -> Self {
        Self {
            by_id: self.by_id.clone(),
            order: self.order.clone(),
            by_key: self.by_key.clone(),
        }
    }
}

impl<T: Row + Clone> Table<T> {
    /// A table of `rows`, listed in `(sort, id)` order.
    fn new(rows: Vec<T>) -> Self {
        let mut order: Vec<(String, i32)> = rows
            .iter()
            .map(|r| (r.sort().into_owned(), r.id()))
            .collect();
        order.sort();
        let by_key = rows.iter().map(|r| (r.key().to_owned(), r.id())).collect();
        Self {
            by_id: rows.into_iter().map(|r| (r.id(), Arc::new(r))).collect(),
            order: order.into_iter().map(|(_, id)| id).collect(),
            by_key,
        }
    }

    fn get(&self, key: &str) -> Option<T> {
        self.by_key
            .get(key)
            .and_then(|id| self.by_id.get(id))
            .map(|row| T::clone(row))
    }

    /// The rows that `keep` accepts, in list order (borrowed: a page clones only what it
    /// returns).
    fn listed(&self, keep: impl Fn(&T) -> bool) -> Vec<&T> {
        self.order
            .iter()
            .filter_map(|id| self.by_id.get(id))
            .map(|row| &**row)
            .filter(|row| keep(row))
            .collect()
    }

    /// The rows with these ids that `keep` accepts, in list order.
    fn listed_among(&self, ids: &[i32], keep: impl Fn(&T) -> bool) -> Vec<&T> {
        let mut rows: Vec<&T> = ids
            .iter()
            .filter_map(|id| self.by_id.get(id))
            .map(|row| &**row)
            .filter(|row| keep(row))
            .collect();
        rows.sort_by_cached_key(|r| (r.sort().into_owned(), r.id()));
        rows
    }

    /// Where `row` is, or would go, in the list order.
    fn position(&self, row: &T) -> Result<usize, usize> {
        self.order.binary_search_by(|probe| {
            self.by_id.get(probe).map_or(std::cmp::Ordering::Less, |p| {
                (p.sort(), p.id()).cmp(&(row.sort(), row.id()))
            })
        })
    }

    /// Takes the row with this id out, if there is one.
    fn remove(&mut self, id: i32) {
        let Some(row) = self.by_id.get(&id).cloned() else {
            return;
        };
        if let Ok(at) = self.position(&row) {
            self.order.remove(at);
        }
        self.by_id.remove(&id);
        self.by_key.remove(row.key());
    }

    /// Puts `row` in, in place of the row with its id.
    fn insert(&mut self, row: T) {
        self.remove(row.id());
        let at = self.position(&row).unwrap_or_else(|at| at);
        self.order.insert(at, row.id());
        self.by_key.insert(row.key().to_owned(), row.id());
        self.by_id.insert(row.id(), Arc::new(row));
    }
}

/// The ids a part of the snapshot is read over.
#[derive(Default)]
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
        /// The per-id parts of the published catalog (values shared between snapshots).
        #[derive(Debug, Clone, Default)]
        struct Parts {
            $($method: HashMap<i32, Arc<$value>>,)*
        }

        impl Parts {
            /// Forgets every entry under `forget`, then reads the entries of `load`.
            async fn reload(&mut self, catalog: &Catalog, forget: &Ids, load: &Ids) -> CatalogResult<()> {
                $(
                    for id in &forget.$ids {
                        self.$method.remove(id);
                    }
                    // In chunks, below every database's parameter limit.
                    for chunk in load.$ids.chunks(CHUNK) {
                        let found = catalog.$method(chunk).await?;
                        self.$method.extend(found.into_iter().map(|(id, v)| (id, Arc::new(v))));
                    }
                )*
                Ok(())
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
    /// Each service's name and summary in lower case, indexed for searches.
    search: SearchIndex,
    agencies: Table<records::Agency>,
    life_events: Table<records::LifeEvent>,
    criteria: Table<records::Criterion>,
    /// Broadest first, as [`Catalog::jurisdictions`] lists them.
    jurisdictions: Vec<records::Jurisdiction>,
    /// The codes of the languages the catalog knows (only a catalog load adds one, and it
    /// builds the snapshot whole).
    languages: Arc<HashSet<String>>,
    stages: HashMap<i32, Arc<records::JourneyStage>>,
    channels: HashMap<i32, Arc<records::Channel>>,
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
        if db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
            // SQLite plans by the statistics ANALYZE leaves, and has none until someone
            // runs it: without them it read 2,500 life events' links by probing every life
            // event for each of 100,000 services (48 s instead of under one; a sampled
            // ANALYZE did not change the plan). A whole build reads every table anyway, and
            // ANALYZE costs a little over 1 % of it (180 ms at 100,000 services), so every
            // whole build first brings the statistics up to date. (PostgreSQL's autovacuum
            // does this on its own.)
            db.execute_unprepared("ANALYZE").await?;
        }
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
        let mut parts = Parts::default();
        parts.reload(catalog, &Ids::default(), &ids).await?;
        let channels = parts
            .channels_of_services
            .values()
            .flat_map(|list| list.iter())
            .map(|c| (c.id, Arc::new(c.clone())))
            .collect();
        let search = SearchIndex::new(services.iter());
        let mut snapshot = Self {
            revision,
            services: Table::new(services),
            search,
            agencies: Table::new(agencies),
            life_events: Table::new(life_events),
            criteria: Table::new(criteria),
            jurisdictions: catalog.jurisdictions().await?,
            languages: Arc::new(super::service::channels::language_codes(db).await?),
            stages: stages.into_iter().map(|s| (s.id, Arc::new(s))).collect(),
            channels,
            parts,
            index: Arc::new(Index::default()),
        };
        let tables = super::reference::load_tables(db).await?;
        snapshot.index = Arc::new(Index::build(&snapshot.published(), tables, None)?);
        Ok(snapshot)
    }

    /// The snapshot of `revision`, made from this one by reloading only what the `changed`
    /// services touch: their own parts, the services related to them before or after, and
    /// the lists of the agencies, life events and stages they are (or were) in. Everything
    /// else is shared with this snapshot. Gives the same snapshot a full build would, when
    /// the changes between the two revisions are to those services only.
    async fn patched(
        &self,
        catalog: &Catalog,
        revision: i64,
        changed: &HashSet<i32>,
    ) -> CatalogResult<Self> {
        let db = catalog.connection();
        let changed_ids: Vec<i32> = changed.iter().copied().collect();
        let rows = service::Entity::find()
            .filter(published())
            .filter(service::Column::RevisionOfId.is_null())
            .filter(service::Column::Id.is_in(changed_ids.clone()))
            .all(db)
            .await?;
        let now: Vec<i32> = rows.iter().map(|s| s.id).collect();
        let relations = catalog.relations_of_services(&now).await?;
        let partners = catalog.partners_of_services(&now).await?;
        let links = catalog.life_event_links_of_services(&now).await?;

        // What the changed services touch, before (this snapshot) and after (the database).
        let mut services: HashSet<i32> = changed.clone();
        let mut agencies = HashSet::new();
        let (mut life_events, mut stages) = (HashSet::new(), HashSet::new());
        for id in &changed_ids {
            if let Some(before) = self.services.by_id.get(id) {
                agencies.insert(before.agency_id);
            }
            services.extend(under(&self.parts.relations_of_services, id).map(|r| r.service_id));
            agencies.extend(under(&self.parts.partners_of_services, id).copied());
            for link in under(&self.parts.life_event_links_of_services, id) {
                life_events.insert(link.life_event_id);
                stages.insert(link.journey_stage_id);
            }
        }
        for row in &rows {
            agencies.insert(row.agency_id);
        }
        services.extend(relations.values().flatten().map(|r| r.service_id));
        agencies.extend(partners.values().flatten().copied());
        for link in links.values().flatten() {
            life_events.insert(link.life_event_id);
            stages.insert(link.journey_stage_id);
        }

        let mut next = Self {
            revision,
            services: self.services.clone(),
            search: self.search.clone(),
            agencies: self.agencies.clone(),
            life_events: self.life_events.clone(),
            criteria: self.criteria.clone(),
            jurisdictions: self.jurisdictions.clone(),
            languages: Arc::clone(&self.languages),
            stages: self.stages.clone(),
            channels: self.channels.clone(),
            parts: self.parts.clone(),
            index: Arc::clone(&self.index),
        };
        for id in &changed_ids {
            next.services.remove(*id);
            next.search.remove(*id);
            for channel in under(&self.parts.channels_of_services, id) {
                next.channels.remove(&channel.id);
            }
        }
        for row in rows {
            next.search.insert(&row);
            next.services.insert(row);
        }
        let forget = Ids {
            services: services.iter().copied().collect(),
            agencies: agencies.into_iter().collect(),
            life_events: life_events.into_iter().collect(),
            stages: stages.into_iter().collect(),
        };
        let load = Ids {
            services: services
                .iter()
                .copied()
                .filter(|id| next.services.by_id.contains_key(id))
                .collect(),
            agencies: forget.agencies.clone(),
            life_events: forget.life_events.clone(),
            stages: forget.stages.clone(),
        };
        next.parts.reload(catalog, &forget, &load).await?;
        for id in &now {
            for channel in under(&next.parts.channels_of_services, id) {
                next.channels.insert(channel.id, Arc::new(channel.clone()));
            }
        }
        let reuse = Reuse {
            index: &self.index,
            touched: &services,
        };
        next.index = Arc::new(Index::build(
            &next.published(),
            self.index.tables().clone(),
            Some(reuse),
        )?);
        Ok(next)
    }

    /// What the recommendation index is built from.
    fn published(&self) -> Published<'_> {
        Published {
            services: &self.services.by_id,
            jurisdictions_of_services: &self.parts.jurisdictions_of_services,
            rules_of_services: &self.parts.rules_of_services,
            links_of_services: &self.parts.life_event_links_of_services,
            relations_of_services: &self.parts.relations_of_services,
            criteria: &self.criteria.by_id,
            jurisdictions: &self.jurisdictions,
            life_events: &self.life_events.by_id,
            related_life_events: &self.parts.related_life_events,
            stages: &self.stages,
        }
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

    /// Whether the catalog knows the language with this code.
    pub fn knows_language(&self, code: &str) -> bool {
        self.languages.contains(code)
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
        slice(self.life_events.listed(|_| true), page)
    }

    /// A page of criteria, by label.
    pub fn criteria(&self, page: &PageRequest) -> Page<records::Criterion> {
        slice(self.criteria.listed(|_| true), page)
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
        slice(listed, page)
    }

    /// A page of the published services matching `filter`, by name: the same filter as
    /// [`Catalog::services`] gives an anonymous caller.
    pub fn services(
        &self,
        filter: &ServiceFilter,
        page: &PageRequest,
    ) -> CatalogResult<Page<records::Service>> {
        let ids_of = |keys: Option<&Arc<Vec<Cursor>>>| -> HashSet<i32> {
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
        let keep = |s: &records::Service| {
            let served = self
                .parts
                .jurisdictions_of_services
                .get(&s.id)
                .map_or(&[][..], |j| j.as_slice());
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
                && search
                    .as_deref()
                    .is_none_or(|term| self.search.matches(s.id, term))
                && filter.status.is_none_or(|status| status == ServiceStatus::Published)
                // The public never sees a service or a revision in review.
                && filter.awaiting_review != Some(true)
        };
        // A search term narrows the services through the index; the rest of the filter
        // then reads only those.
        // (A term most services hold reads them all in list order instead, which needs no
        // sort.)
        let listed = match search.as_deref().and_then(|t| self.search.candidates(t)) {
            Some(ids) if ids.len() < self.services.by_id.len() / 4 => {
                self.services.listed_among(&ids, keep)
            }
            _ => self.services.listed(keep),
        };
        Ok(slice(listed, page))
    }
}

/// Whether `text` contains the lower-case `term`, ignoring case.
fn contains(text: &str, term: &str) -> bool {
    text.to_lowercase().contains(term)
}

/// One page of `rows` (already in list order), its items cloned.
fn slice<T: Row + Clone>(rows: Vec<&T>, page: &PageRequest) -> Page<T> {
    Page::slice(
        rows,
        page,
        |r| r.id(),
        |r| Cursor {
            name: r.sort().into_owned(),
            id: r.id(),
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
    /// Snapshots built whole, and patched from the previous one.
    full_builds: AtomicU64,
    patches: AtomicU64,
    /// How long the last of each took, in microseconds.
    last_full_us: AtomicU64,
    last_patch_us: AtomicU64,
}

impl std::fmt::Debug for SnapshotCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SnapshotCache")
    }
}

impl SnapshotCache {
    /// The snapshot held now, whatever its revision.
    fn current(&self) -> Option<Arc<Snapshot>> {
        let guard = match self.current.read() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        guard.clone()
    }

    fn get(&self, revision: i64) -> Option<Arc<Snapshot>> {
        self.current().filter(|s| s.revision == revision)
    }

    /// Counts a build that took `took`: a patch, or a whole build.
    fn count_build(&self, patched: bool, took: Duration) {
        let (count, last) = if patched {
            (&self.patches, &self.last_patch_us)
        } else {
            (&self.full_builds, &self.last_full_us)
        };
        count.fetch_add(1, Ordering::Relaxed);
        last.store(
            u64::try_from(took.as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
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
    /// another build did while this one waited its turn: patched from the snapshot held now
    /// when the public changes log says which services changed since, whole otherwise.
    async fn build_published(&self, mut revision: i64) -> CatalogResult<Arc<Snapshot>> {
        let _building = self.snapshots.rebuild.lock().await;
        for _ in 0..BUILD_ATTEMPTS {
            if let Some(snapshot) = self.snapshots.get(revision) {
                return Ok(snapshot);
            }
            let started = Instant::now();
            let previous = self.snapshots.current().filter(|s| s.revision < revision);
            let changed = match &previous {
                Some(previous) => self.changed_since(previous.revision, revision).await?,
                None => None,
            };
            let snapshot = match (&previous, &changed) {
                (Some(previous), Some(changed)) => {
                    previous.patched(self, revision, changed).await?
                }
                _ => Snapshot::load(self, revision).await?,
            };
            let after = self.public_revision().await?;
            if after == revision {
                self.snapshots
                    .count_build(changed.is_some(), started.elapsed());
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

    /// The services changed between public revisions `from` and `to`, when every revision
    /// between them changed services only (the public changes log names each) and not too
    /// many of them; `None` when the snapshot must be built whole.
    async fn changed_since(&self, from: i64, to: i64) -> CatalogResult<Option<HashSet<i32>>> {
        if to - from > crate::catalog::store::PUBLIC_CHANGES_KEPT {
            return Ok(None);
        }
        let rows = public_change::Entity::find()
            .filter(public_change::Column::Revision.gt(from))
            .filter(public_change::Column::Revision.lte(to))
            .all(self.connection())
            .await?;
        let revisions: HashSet<i64> = rows.iter().map(|r| r.revision).collect();
        let services: HashSet<i32> = rows.iter().map(|r| r.service_id).collect();
        let named_all = i64::try_from(revisions.len()).is_ok_and(|n| n == to - from);
        Ok((named_all && services.len() <= MAX_PATCHED_SERVICES).then_some(services))
    }

    /// Snapshots built so far: (whole, patched).
    pub fn snapshot_builds(&self) -> (u64, u64) {
        (
            self.snapshots.full_builds.load(Ordering::Relaxed),
            self.snapshots.patches.load(Ordering::Relaxed),
        )
    }

    /// The snapshot builds in the Prometheus text format: how many were whole and how many
    /// patched, and how long the last of each took.
    pub fn snapshot_metrics(&self) -> String {
        let cache = &self.snapshots;
        let (full, patches) = self.snapshot_builds();
        let seconds = |us: &AtomicU64| us.load(Ordering::Relaxed) as f64 / 1e6;
        format!(
            "# HELP civic_catalog_snapshot_builds_total Snapshots of the published catalog built whole (full) or patched from the previous one (patch).\n\
             # TYPE civic_catalog_snapshot_builds_total counter\n\
             civic_catalog_snapshot_builds_total{{kind=\"full\"}} {full}\n\
             civic_catalog_snapshot_builds_total{{kind=\"patch\"}} {patches}\n\
             # HELP civic_catalog_snapshot_last_build_seconds How long the last snapshot build of each kind took.\n\
             # TYPE civic_catalog_snapshot_last_build_seconds gauge\n\
             civic_catalog_snapshot_last_build_seconds{{kind=\"full\"}} {}\n\
             civic_catalog_snapshot_last_build_seconds{{kind=\"patch\"}} {}\n",
            seconds(&cache.last_full_us),
            seconds(&cache.last_patch_us),
        )
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

    impl Row for (i32, &'static str, &'static str) {
        fn id(&self) -> i32 {
            self.0
        }
        fn sort(&self) -> Cow<'_, str> {
            Cow::Borrowed(self.1)
        }
        fn key(&self) -> &str {
            self.2
        }
    }

    fn listed(table: &Table<(i32, &'static str, &'static str)>) -> Vec<i32> {
        table.listed(|_| true).iter().map(|r| r.0).collect()
    }

    #[test]
    fn tables_list_by_name_then_id_and_find_by_key() {
        let rows = vec![(3, "b", "x"), (1, "b", "y"), (2, "a", "z")];
        let table = Table::new(rows);
        assert_eq!(listed(&table), [2, 1, 3]);
        assert_eq!(table.get("y").map(|r| r.0), Some(1));
        assert!(table.get("w").is_none());
        let odd: Vec<i32> = table.listed(|r| r.0 % 2 == 1).iter().map(|r| r.0).collect();
        assert_eq!(odd, [1, 3]);
    }

    #[test]
    fn a_patched_table_keeps_its_order_and_keys() {
        let mut table = Table::new(vec![(3, "b", "x"), (1, "b", "y"), (2, "a", "z")]);
        let before = table.clone();
        // Renamed: moves in the order, keeps its key.
        table.insert((2, "c", "z"));
        assert_eq!(listed(&table), [1, 3, 2]);
        // Added between two others; removed; an unknown id removed changes nothing.
        table.insert((4, "b", "w"));
        assert_eq!(listed(&table), [1, 3, 4, 2]);
        table.remove(3);
        table.remove(99);
        assert_eq!(listed(&table), [1, 4, 2]);
        assert!(table.get("x").is_none());
        assert_eq!(table.get("w").map(|r| r.0), Some(4));
        // A new key replaces the old one.
        table.insert((4, "b", "v"));
        assert!(table.get("w").is_none());
        assert_eq!(table.get("v").map(|r| r.0), Some(4));
        // The table it was cloned from is as it was.
        assert_eq!(listed(&before), [2, 1, 3]);
    }

    #[test]
    fn contains_ignores_case_of_the_text() {
        assert!(contains("Supplemental Nutrition", "nutri"));
        assert!(!contains("SNAP", "snack"));
    }
}
