//! What one request reads the catalog through: the published snapshot for the public, the
//! database (filtered by what the key may see) for keyed callers, who need their drafts and
//! reviews as they are now.
//!
//! Every read a resolver or a loader makes has the same name and meaning on both sides, so
//! the GraphQL layer never asks which one it holds.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::principal::Principal;
use super::recommend::{Question, RecommendationPage, ResidentSituation};
use super::rounds::Rounds;
use super::service::{RelatedService, RuleGroup, ServiceFilter};
use super::snapshot::Snapshot;
use super::types::{JurisdictionCode, Slug};
use super::{AgencyFilter, Catalog, CatalogResult, Cursor, Page, PageRequest, records};

/// The source of one request's reads.
#[derive(Debug, Clone)]
pub enum Reader {
    /// The database, as `viewer` may see it; direct reads start in the request's rounds.
    Live(Catalog, Principal, Rounds),
    /// The published snapshot, taken at the request's first read and kept to its end.
    Public(Arc<Public>),
}

/// The public's reads: the snapshot current at the first read, kept for the request. A
/// request refused before it reads anything (malformed, too costly) never touches the
/// database.
#[derive(Debug)]
pub struct Public {
    catalog: Catalog,
    snapshot: tokio::sync::OnceCell<Arc<Snapshot>>,
    /// Whether the request also read what the snapshot does not hold.
    live: AtomicBool,
    rounds: Rounds,
}

impl Public {
    /// The request's snapshot. Taking it may wait for a build, whose future is boxed so
    /// that every read's future stays small (see [`Rounds::read`]).
    async fn get(&self) -> CatalogResult<&Snapshot> {
        let snapshot = self
            .snapshot
            .get_or_try_init(|| Box::pin(self.catalog.published()))
            .await?;
        Ok(snapshot)
    }
}

impl Reader {
    /// The reader for `viewer`: the published snapshot for the public, the database for a
    /// key.
    pub fn new(catalog: &Catalog, viewer: &Principal) -> Self {
        match viewer {
            Principal::Anonymous => Self::Public(Arc::new(Public {
                catalog: catalog.clone(),
                snapshot: tokio::sync::OnceCell::new(),
                live: AtomicBool::new(false),
                rounds: Rounds::default(),
            })),
            Principal::Key(_) => Self::Live(catalog.clone(), viewer.clone(), Rounds::default()),
        }
    }

    /// Whom the request reads for.
    pub fn principal(&self) -> &Principal {
        match self {
            Self::Live(_, principal, _) => principal,
            Self::Public(_) => &Principal::Anonymous,
        }
    }

    /// The request's rounds, which its batched loads are queued on.
    pub fn rounds(&self) -> &Rounds {
        match self {
            Self::Live(_, _, rounds) => rounds,
            Self::Public(public) => &public.rounds,
        }
    }

    /// The catalog, for a read the snapshot does not hold (feedback aggregates, the change
    /// feed): the request's answer then depends on more than the public revision, and is
    /// never kept or tagged by it (see [`Reader::is_snapshot_only`]).
    pub fn live(&self) -> &Catalog {
        match self {
            Self::Live(catalog, ..) => catalog,
            Self::Public(public) => {
                public.live.store(true, Ordering::Relaxed);
                &public.catalog
            }
        }
    }

    /// Runs `read` against the database (what the snapshot does not hold, as
    /// [`Reader::live`]), started in the request's rounds like every other direct read, so
    /// a query mixing it with batched fields costs the same statements every time. Not for
    /// use inside a batch, which already runs in a round.
    pub async fn live_read<T>(&self, read: impl AsyncFnOnce(&Catalog) -> T) -> T {
        let rounds = match self {
            Self::Live(_, _, rounds) => rounds,
            Self::Public(public) => &public.rounds,
        };
        rounds.read(Box::pin(read(self.live()))).await
    }

    /// Whether everything the request read so far came from the published snapshot, so its
    /// answer is fixed by the public revision.
    pub fn is_snapshot_only(&self) -> bool {
        matches!(self, Self::Public(public) if !public.live.load(Ordering::Relaxed))
    }

    /// The public revision of the snapshot the request has read from, if it has.
    pub fn read_revision(&self) -> Option<i64> {
        match self {
            Self::Live(..) => None,
            Self::Public(public) => public.snapshot.get().map(|s| s.revision),
        }
    }

    /// The public revision the reads come from, when they come from a snapshot (taking
    /// the snapshot now if the request has not read yet).
    pub async fn revision(&self) -> CatalogResult<Option<i64>> {
        Ok(match self {
            Self::Live(..) => None,
            Self::Public(public) => Some(public.get().await?.revision),
        })
    }
}

/// Declares batch reads that take ids and answer a map by id, the same on both sides.
macro_rules! batch_reads {
    ($($method:ident -> $value:ty;)*) => {
        impl Reader {
            $(
                #[doc = concat!("[`Catalog::", stringify!($method), "`], from this request's source.")]
                pub async fn $method(&self, ids: &[i32]) -> CatalogResult<HashMap<i32, $value>> {
                    match self {
                        Self::Live(catalog, ..) => catalog.$method(ids).await,
                        Self::Public(public) => Ok(public.get().await?.$method(ids)),
                    }
                }
            )*
        }
    };
}

batch_reads! {
    jurisdictions_by_ids -> records::Jurisdiction;
    agencies_by_ids -> records::Agency;
    cssp_of_agencies -> records::CsspDesignation;
    children_of_agencies -> Vec<records::Agency>;
    service_keys_of_agencies -> Vec<Cursor>;
    channels_by_ids -> records::Channel;
    channels_of_services -> Vec<records::Channel>;
    partners_of_services -> Vec<i32>;
    jurisdictions_of_services -> Vec<i32>;
    life_event_links_of_services -> Vec<records::ServiceLink>;
    relations_of_services -> Vec<RelatedService>;
    rules_of_services -> Vec<RuleGroup>;
    documents_of_services -> Vec<records::RequiredDocument>;
    languages_of_services -> Vec<records::Language>;
    terms_of_services -> Vec<records::TaxonomyTerm>;
    life_events_by_ids -> records::LifeEvent;
    stages_of_life_events -> Vec<records::JourneyStage>;
    related_life_events -> Vec<records::LifeEventRelation>;
    service_keys_of_life_events -> Vec<Cursor>;
    stages_by_ids -> records::JourneyStage;
    service_links_of_stages -> Vec<records::ServiceLink>;
    criteria_by_ids -> records::Criterion;
}

impl Reader {
    /// Taxonomy terms by id (public records the snapshot holds only as services' lists),
    /// from the database for every caller.
    pub async fn taxonomy_terms_by_ids(
        &self,
        ids: &[i32],
    ) -> CatalogResult<HashMap<i32, records::TaxonomyTerm>> {
        self.live().taxonomy_terms_by_ids(ids).await
    }

    /// Services by id that the caller may read.
    pub async fn services_by_ids(
        &self,
        ids: &[i32],
    ) -> CatalogResult<HashMap<i32, records::Service>> {
        match self {
            Self::Live(catalog, viewer, _) => catalog.services_by_ids(ids, viewer).await,
            Self::Public(public) => Ok(public.get().await?.services_by_ids(ids)),
        }
    }

    /// The pending revisions of published services the caller may read (the public reads
    /// none).
    pub async fn revisions_of_services(
        &self,
        ids: &[i32],
    ) -> CatalogResult<HashMap<i32, records::Service>> {
        match self {
            Self::Live(catalog, viewer, _) => catalog.revisions_of_services(ids, viewer).await,
            Self::Public(_) => Ok(HashMap::new()),
        }
    }

    /// A page of the services the caller may read matching `filter`, by name.
    pub async fn services(
        &self,
        filter: &ServiceFilter,
        page: &PageRequest,
    ) -> CatalogResult<Page<records::Service>> {
        match self {
            Self::Live(catalog, viewer, rounds) => {
                rounds
                    .read(Box::pin(catalog.services(filter, page, viewer)))
                    .await
            }
            Self::Public(public) => public.get().await?.services(filter, page),
        }
    }

    /// The service with this slug, if the caller may read it.
    pub async fn service_by_slug(&self, slug: &Slug) -> CatalogResult<Option<records::Service>> {
        match self {
            Self::Live(catalog, viewer, rounds) => {
                rounds
                    .read(Box::pin(catalog.service_by_slug(slug, viewer)))
                    .await
            }
            Self::Public(public) => Ok(public.get().await?.service_by_slug(slug)),
        }
    }

    /// A page of agencies matching `filter`, by name.
    pub async fn agencies(
        &self,
        filter: &AgencyFilter,
        page: &PageRequest,
    ) -> CatalogResult<Page<records::Agency>> {
        match self {
            Self::Live(catalog, _, rounds) => {
                rounds.read(Box::pin(catalog.agencies(filter, page))).await
            }
            Self::Public(public) => Ok(public.get().await?.agencies(filter, page)),
        }
    }

    /// The agency with this slug, if any.
    pub async fn agency_by_slug(&self, slug: &Slug) -> CatalogResult<Option<records::Agency>> {
        match self {
            Self::Live(catalog, _, rounds) => {
                rounds.read(Box::pin(catalog.agency_by_slug(slug))).await
            }
            Self::Public(public) => Ok(public.get().await?.agency_by_slug(slug)),
        }
    }

    /// A page of life events, by name.
    pub async fn life_events(&self, page: &PageRequest) -> CatalogResult<Page<records::LifeEvent>> {
        match self {
            Self::Live(catalog, _, rounds) => {
                rounds.read(Box::pin(catalog.life_events(page))).await
            }
            Self::Public(public) => Ok(public.get().await?.life_events(page)),
        }
    }

    /// The life event with this slug, if any.
    pub async fn life_event_by_slug(
        &self,
        slug: &Slug,
    ) -> CatalogResult<Option<records::LifeEvent>> {
        match self {
            Self::Live(catalog, _, rounds) => {
                rounds
                    .read(Box::pin(catalog.life_event_by_slug(slug)))
                    .await
            }
            Self::Public(public) => Ok(public.get().await?.life_event_by_slug(slug)),
        }
    }

    /// Every jurisdiction, broadest first.
    pub async fn jurisdictions(&self) -> CatalogResult<Vec<records::Jurisdiction>> {
        match self {
            Self::Live(catalog, _, rounds) => rounds.read(Box::pin(catalog.jurisdictions())).await,
            Self::Public(public) => Ok(public.get().await?.jurisdictions()),
        }
    }

    /// The jurisdiction with this code, if any.
    pub async fn jurisdiction_by_code(
        &self,
        code: &JurisdictionCode,
    ) -> CatalogResult<Option<records::Jurisdiction>> {
        match self {
            Self::Live(catalog, _, rounds) => {
                rounds
                    .read(Box::pin(catalog.jurisdiction_by_code(code)))
                    .await
            }
            Self::Public(public) => Ok(public.get().await?.jurisdiction_by_code(code)),
        }
    }

    /// The ids of a jurisdiction and of every jurisdiction above it, nearest first; an
    /// unknown code is a `BadInput` on `field`.
    pub async fn jurisdiction_with_ancestors(
        &self,
        field: &str,
        code: &JurisdictionCode,
    ) -> CatalogResult<Vec<i32>> {
        match self {
            Self::Live(catalog, _, rounds) => {
                rounds
                    .read(Box::pin(catalog.jurisdiction_with_ancestors(field, code)))
                    .await
            }
            Self::Public(public) => public.get().await?.jurisdiction_with_ancestors(field, code),
        }
    }

    /// A page of eligibility criteria, by label.
    pub async fn criteria(&self, page: &PageRequest) -> CatalogResult<Page<records::Criterion>> {
        match self {
            Self::Live(catalog, _, rounds) => rounds.read(Box::pin(catalog.criteria(page))).await,
            Self::Public(public) => Ok(public.get().await?.criteria(page)),
        }
    }

    /// The criterion with this key, if any.
    pub async fn criterion_by_key(&self, key: &str) -> CatalogResult<Option<records::Criterion>> {
        match self {
            Self::Live(catalog, _, rounds) => {
                rounds.read(Box::pin(catalog.criterion_by_key(key))).await
            }
            Self::Public(public) => Ok(public.get().await?.criterion_by_key(key)),
        }
    }

    /// Every reference table with its versions, by key.
    pub async fn reference_tables(&self) -> CatalogResult<Vec<Arc<super::reference::Table>>> {
        match self {
            Self::Live(catalog, _, rounds) => {
                rounds.read(Box::pin(catalog.reference_tables())).await
            }
            Self::Public(public) => Ok(public.get().await?.index.reference_tables()),
        }
    }

    /// The recommendations page `request` asks for (always from a published index: the
    /// snapshot's, or the current one for a key).
    pub async fn recommend(
        &self,
        situation: &ResidentSituation,
        include_ineligible: bool,
        request: &PageRequest,
    ) -> CatalogResult<RecommendationPage> {
        let mut result =
            self.index()
                .await?
                .recommend_page(situation, include_ineligible, request)?;
        if let Self::Live(catalog, viewer, rounds) = self {
            // A key reads the database, where a service may have been taken down since the
            // index's revision: it is left out rather than failing the page. (The public's
            // index and records come from one snapshot.)
            let ids: Vec<i32> = result
                .page
                .items
                .iter()
                .map(|(_, r)| r.service_id)
                .collect();
            let present = rounds
                .read(Box::pin(catalog.services_by_ids(&ids, viewer)))
                .await?;
            result
                .page
                .items
                .retain(|(_, r)| present.contains_key(&r.service_id));
        }
        Ok(result)
    }

    /// The eligibility questions still worth asking, most decisive first, with the index
    /// they were asked of (for the criteria's shapes).
    pub async fn eligibility_questions(
        &self,
        situation: &ResidentSituation,
    ) -> CatalogResult<(Vec<Question>, Arc<super::recommend::Index>)> {
        let index = self.index().await?;
        Ok((index.questions(situation)?, index))
    }

    async fn index(&self) -> CatalogResult<Arc<super::recommend::Index>> {
        match self {
            Self::Live(catalog, _, rounds) => {
                rounds.read(Box::pin(catalog.recommendation_index())).await
            }
            Self::Public(public) => Ok(Arc::clone(&public.get().await?.index)),
        }
    }
}
