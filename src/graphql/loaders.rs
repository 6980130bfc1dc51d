//! Batched loads: every nested field loads through these, so the loads of all the parents at
//! one level of a query become one batched statement, started in the request's next round.

use std::any::{Any, TypeId};
use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use crate::catalog::reader::Reader;
use crate::catalog::records;
use crate::catalog::rounds::Rounds;
use crate::catalog::scorecard::{ScorecardPage, ServiceScorecard};
use crate::catalog::service::{RelatedService, RuleGroup};
use crate::catalog::{CatalogError, Cursor, Page};

/// Loads catalog records in batches from the request's reader; one per request, so nothing
/// is cached across requests and services are filtered by what the request's caller may
/// read.
pub struct CatalogLoader(Reader);

/// A batch read: the values of `keys`, by key; keys nothing is found for are absent.
pub trait Loader<K> {
    /// What one key finds.
    type Value: Clone + Send + Sync + 'static;

    /// Reads the values of `keys`.
    fn load(
        &self,
        keys: &[K],
    ) -> impl Future<Output = Result<HashMap<K, Self::Value>, CatalogError>> + Send;
}

/// What one batch of `K` answers each of its callers.
type Answer<K, V> = Result<Arc<HashMap<K, V>>, CatalogError>;

/// The keys of `K` queued for the next round, and who waits for them.
struct Queued<K, V> {
    keys: HashSet<K>,
    waiting: Vec<tokio::sync::oneshot::Sender<Answer<K, V>>>,
}

/// The request's batched loads: every key a resolver asks for joins the batch of its kind
/// that the request's next round starts (see [`Rounds`]), so one level of a query costs one
/// statement per kind of key, whatever the scheduling.
pub struct Loaders {
    loader: Arc<CatalogLoader>,
    rounds: Rounds,
    /// A `Queued<K, _>` per key type `K`.
    queued: Arc<Mutex<HashMap<TypeId, Box<dyn Any + Send>>>>,
}

/// Fresh loaders for one request, queuing on its reader's rounds.
pub fn new_loaders(reader: Reader) -> Loaders {
    Loaders {
        rounds: reader.rounds().clone(),
        loader: Arc::new(CatalogLoader(reader)),
        queued: Arc::default(),
    }
}

/// The queue of key type `K` in `queued`, made when first asked for.
fn queue_of<K, V>(queued: &mut HashMap<TypeId, Box<dyn Any + Send>>) -> Option<&mut Queued<K, V>>
where
    K: Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    queued
        .entry(TypeId::of::<K>())
        .or_insert_with(|| {
            Box::new(Queued::<K, V> {
                keys: HashSet::new(),
                waiting: Vec::new(),
            })
        })
        .downcast_mut()
}

impl Loaders {
    /// The values of `keys`; keys nothing is found for are absent.
    pub async fn load_many<K>(
        &self,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<HashMap<K, <CatalogLoader as Loader<K>>::Value>, CatalogError>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        CatalogLoader: Loader<K>,
    {
        let keys: Vec<K> = keys.into_iter().collect();
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let (sender, answer) = tokio::sync::oneshot::channel();
        {
            let mut queued = self.queued.lock().map_err(|_| lost())?;
            let queue =
                queue_of::<K, <CatalogLoader as Loader<K>>::Value>(&mut queued).ok_or_else(lost)?;
            if queue.waiting.is_empty() {
                self.rounds.queue(Box::pin(self.batch::<K>()));
            }
            queue.keys.extend(keys.iter().cloned());
            queue.waiting.push(sender);
        }
        let found = answer.await.map_err(|_| lost())??;
        Ok(keys
            .into_iter()
            .filter_map(|k| found.get(&k).map(|v| (k, v.clone())))
            .collect())
    }

    /// The value of `key`, if found.
    pub async fn load_one<K>(
        &self,
        key: K,
    ) -> Result<Option<<CatalogLoader as Loader<K>>::Value>, CatalogError>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        CatalogLoader: Loader<K>,
    {
        Ok(self.load_many([key.clone()]).await?.remove(&key))
    }

    /// The batch of `K`: takes the keys queued when the round starts it (its first poll),
    /// loads them, and answers everyone who asked.
    fn batch<K>(&self) -> impl Future<Output = ()> + Send + 'static
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        CatalogLoader: Loader<K>,
    {
        let (loader, queued) = (Arc::clone(&self.loader), Arc::clone(&self.queued));
        async move {
            let taken = queued.lock().ok().and_then(|mut queued| {
                queue_of::<K, <CatalogLoader as Loader<K>>::Value>(&mut queued).map(|queue| {
                    (
                        std::mem::take(&mut queue.keys),
                        std::mem::take(&mut queue.waiting),
                    )
                })
            });
            // Without its queue (a poisoned lock) the callers hear of it through their
            // dropped senders.
            let Some((keys, waiting)) = taken else {
                return;
            };
            let keys: Vec<K> = keys.into_iter().collect();
            let answer = loader.load(&keys).await.map(Arc::new);
            for sender in waiting {
                let _ = sender.send(answer.clone());
            }
        }
    }
}

/// A batch that ended without answering (it was dropped, or a lock was poisoned).
fn lost() -> CatalogError {
    CatalogError::internal("a batched load ended without an answer")
}

/// The values of `keys` through the loader, in the keys' order; keys it finds nothing for
/// are left out.
pub async fn load_in_order<K>(
    loaders: &Loaders,
    keys: impl Iterator<Item = K>,
) -> Result<Vec<<CatalogLoader as Loader<K>>::Value>, CatalogError>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    CatalogLoader: Loader<K>,
{
    let keys: Vec<K> = keys.collect();
    let mut found = loaders.load_many(keys.iter().cloned()).await?;
    Ok(keys.iter().filter_map(|k| found.remove(k)).collect())
}

/// Declares a batch key type and its `Loader` impl over a catalog method that takes ids
/// and returns a map by id.
macro_rules! batch {
    ($(#[$meta:meta])* $key:ident => $value:ty, $method:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $key(pub i32);

        impl Loader<$key> for CatalogLoader {
            type Value = $value;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, $value>, CatalogError> {
                let ids: Vec<i32> = keys.iter().map(|k| k.0).collect();
                let found = self.0.$method(&ids).await?;
                Ok(found.into_iter().map(|(id, value)| ($key(id), value)).collect())
            }
        }
    };
}

batch!(/// A jurisdiction by id.
    JurisdictionById => records::Jurisdiction, jurisdictions_by_ids);
batch!(/// An agency by id.
    AgencyById => records::Agency, agencies_by_ids);
batch!(/// An agency's CSSP designation, by agency id.
    CsspOfAgency => records::CsspDesignation, cssp_of_agencies);
batch!(/// An agency's child agencies, by parent id.
    ChildrenOfAgency => Vec<records::Agency>, children_of_agencies);
batch!(/// The keys of an agency's published services, by agency id.
    ServiceKeysOfAgency => Vec<Cursor>, service_keys_of_agencies);
batch!(/// A channel of a published service, by channel id.
    ChannelById => records::Channel, channels_by_ids);
batch!(/// A service's channels, by service id.
    ChannelsOfService => Vec<records::Channel>, channels_of_services);
batch!(/// A service's partner agency ids, by service id.
    PartnersOfService => Vec<i32>, partners_of_services);
batch!(/// The jurisdiction ids a service serves, by service id.
    JurisdictionsOfService => Vec<i32>, jurisdictions_of_services);
batch!(/// A service's life-event links, by service id.
    LinksOfService => Vec<records::ServiceLink>, life_event_links_of_services);
batch!(/// A service's eligibility rule groups, by service id.
    RulesOfService => Vec<RuleGroup>, rules_of_services);
batch!(/// A service's required documents, by service id.
    DocumentsOfService => Vec<records::RequiredDocument>, documents_of_services);
batch!(/// A service's languages, by service id.
    LanguagesOfService => Vec<records::Language>, languages_of_services);
batch!(/// A service's taxonomy terms, by service id.
    TermsOfService => Vec<records::TaxonomyTerm>, terms_of_services);
batch!(/// A taxonomy term by id.
    TermById => records::TaxonomyTerm, taxonomy_terms_by_ids);
batch!(/// A life event by id.
    LifeEventById => records::LifeEvent, life_events_by_ids);
batch!(/// A life event's journey stages, by life event id.
    StagesOfLifeEvent => Vec<records::JourneyStage>, stages_of_life_events);
batch!(/// A life event's related life events, by life event id.
    RelatedOfLifeEvent => Vec<records::LifeEventRelation>, related_life_events);
batch!(/// The keys of a life event's published services, by life event id.
    ServiceKeysOfLifeEvent => Vec<Cursor>, service_keys_of_life_events);
batch!(/// A journey stage by id.
    StageById => records::JourneyStage, stages_by_ids);
batch!(/// A journey stage's links to published services, by stage id.
    LinksOfStage => Vec<records::ServiceLink>, service_links_of_stages);
batch!(/// A criterion by id.
    CriterionById => records::Criterion, criteria_by_ids);

/// One agency's page of services on the scorecard, with their figures: the pages of every
/// agency in a scorecard are read together.
impl Loader<ScorecardPage> for CatalogLoader {
    type Value = Page<ServiceScorecard>;

    async fn load(
        &self,
        keys: &[ScorecardPage],
    ) -> Result<HashMap<ScorecardPage, Page<ServiceScorecard>>, CatalogError> {
        self.0
            .live()
            .service_scorecard_pages(self.0.principal(), keys)
            .await
    }
}

/// A service by id, if the caller may read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ServiceById(pub i32);

impl Loader<ServiceById> for CatalogLoader {
    type Value = records::Service;

    async fn load(
        &self,
        keys: &[ServiceById],
    ) -> Result<HashMap<ServiceById, records::Service>, CatalogError> {
        let ids: Vec<i32> = keys.iter().map(|k| k.0).collect();
        let found = self.0.services_by_ids(&ids).await?;
        Ok(found
            .into_iter()
            .map(|(id, s)| (ServiceById(id), s))
            .collect())
    }
}

/// The pending revision of a published service the caller may read, by service id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RevisionOfService(pub i32);

impl Loader<RevisionOfService> for CatalogLoader {
    type Value = records::Service;

    async fn load(
        &self,
        keys: &[RevisionOfService],
    ) -> Result<HashMap<RevisionOfService, records::Service>, CatalogError> {
        let ids: Vec<i32> = keys.iter().map(|k| k.0).collect();
        let found = self.0.revisions_of_services(&ids).await?;
        Ok(found
            .into_iter()
            .map(|(id, s)| (RevisionOfService(id), s))
            .collect())
    }
}

/// A service's relations to other published services (both directions), by service id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RelationsOfService(pub i32);

impl Loader<RelationsOfService> for CatalogLoader {
    type Value = Vec<RelatedService>;

    async fn load(
        &self,
        keys: &[RelationsOfService],
    ) -> Result<HashMap<RelationsOfService, Vec<RelatedService>>, CatalogError> {
        let ids: Vec<i32> = keys.iter().map(|k| k.0).collect();
        let found = self.0.relations_of_services(&ids).await?;
        Ok(found
            .into_iter()
            .map(|(id, value)| (RelationsOfService(id), value))
            .collect())
    }
}
