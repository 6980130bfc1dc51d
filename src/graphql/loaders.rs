//! DataLoaders: every nested field loads through one of these, so the loads of all the
//! parents at one level of a query become one batched statement.

use std::collections::HashMap;
use std::time::Duration;

use async_graphql::dataloader::{DataLoader, Loader};

use crate::catalog::reader::Reader;
use crate::catalog::records;
use crate::catalog::service::{RelatedService, RuleGroup};
use crate::catalog::{CatalogError, Cursor};

/// Loads catalog records in batches from the request's reader; one per request, so nothing
/// is cached across requests and services are filtered by what the request's caller may
/// read.
pub struct CatalogLoader(Reader);

/// The per-request loader every resolver uses.
pub type Loaders = DataLoader<CatalogLoader>;

/// How many times a batch lets the resolvers run before it fires.
///
/// async-graphql resolves a list of 32 or more items over several polls of one task, and a
/// batch that fired on a timer could catch only the first polls' keys. Yielding instead lets
/// every sibling resolver enqueue its key first, whatever the machine's speed, so one level of
/// a query costs one statement per loader rather than one per 32 items.
const BATCH_YIELDS: usize = 16;

/// A fresh loader for one request.
pub fn new_loaders(reader: Reader) -> Loaders {
    DataLoader::new(CatalogLoader(reader), |batch| {
        crate::telemetry::RequestStatements::spawn(async move {
            for _ in 0..BATCH_YIELDS {
                tokio::task::yield_now().await;
            }
            batch.await;
        })
    })
    .delay(Duration::ZERO)
}

/// The values of `keys` through the loader, in the keys' order; keys it finds nothing for
/// are left out.
pub async fn load_in_order<K>(
    loaders: &Loaders,
    keys: impl Iterator<Item = K>,
) -> Result<Vec<<CatalogLoader as Loader<K>>::Value>, CatalogError>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    CatalogLoader: Loader<K, Error = CatalogError>,
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
            type Error = CatalogError;

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

/// A service by id, if the caller may read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ServiceById(pub i32);

impl Loader<ServiceById> for CatalogLoader {
    type Value = records::Service;
    type Error = CatalogError;

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
    type Error = CatalogError;

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
    type Error = CatalogError;

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
