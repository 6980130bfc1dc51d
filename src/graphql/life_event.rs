//! Life events and their journey stages: the way residents think about what they need.

use async_graphql::{Context, ID, Object, Result};

use super::connection::{LifeEventConnection, ServiceConnection};
use super::context::catalog;
use super::context::loader;
use super::enums::Relevance;
use super::error::GqlResult;
use super::integrity;
use super::loaders::{
    LifeEventById, LinksOfStage, RelatedOfLifeEvent, ServiceById, ServiceKeysOfLifeEvent,
    StagesOfLifeEvent,
};
use super::node::{NodeKind, global_id};
use super::service::{Service, services_by_keys};
use crate::catalog::PageRequest;
use crate::catalog::types::{Relevance as DomainRelevance, Slug};
use crate::entity::{journey_stage, life_event, life_event_relation, life_event_service};

/// Something residents go through, such as losing a job or having a baby, with the
/// journey stages it takes and the services that help at each.
#[derive(Debug, Clone)]
pub struct LifeEvent(pub life_event::Model);

/// Something residents go through, such as losing a job or having a baby, with the
/// journey stages it takes and the services that help at each.
#[Object]
impl LifeEvent {
    /// The life event's global id.
    pub async fn id(&self) -> ID {
        global_id(NodeKind::LifeEvent, self.0.id)
    }

    /// Its URL-safe identifier, e.g. `job-loss`.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// Its revision number, which grows by one with every change (its stages included).
    /// Pass it back as `expectedVersion` when you edit what you read.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// Its name as residents would say it, e.g. "Losing a job".
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// What it covers, in plain language.
    async fn description(&self) -> &str {
        &self.0.description
    }

    /// The matching code of the EU life-event vocabulary (© European Union, SEMIC /
    /// CPSV-AP), for exchanging data with catalogs that use it.
    async fn eu_code(&self) -> Option<&str> {
        self.0.eu_code.as_deref()
    }

    /// Its journey stages, in the order residents go through them.
    async fn stages(&self, ctx: &Context<'_>) -> Result<Vec<JourneyStage>> {
        let stages = loader(ctx)?
            .load_one(StagesOfLifeEvent(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(stages.into_iter().map(JourneyStage).collect())
    }

    /// Every published service linked to it, at any stage, by name.
    async fn services(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many services to return: 0 to 100, 20 when omitted.")] first: Option<
            i32,
        >,
        #[graphql(desc = "Return the services after this cursor.")] after: Option<String>,
        #[graphql(
            desc = "How many services to return from the end of the list (or from just before `before`): 0 to 100. Not with `first`."
        )]
        last: Option<i32>,
        #[graphql(desc = "Return the services before this cursor (with `last`, to page back).")]
        before: Option<String>,
    ) -> Result<ServiceConnection> {
        let request = PageRequest::parse(first, after.as_deref(), last, before.as_deref()).gql()?;
        let keys = loader(ctx)?
            .load_one(ServiceKeysOfLifeEvent(self.0.id))
            .await?
            .unwrap_or_default();
        services_by_keys(ctx, keys, &request).await
    }

    /// Life events that often come with this one, and why.
    async fn related_life_events(&self, ctx: &Context<'_>) -> Result<Vec<RelatedLifeEvent>> {
        let related = loader(ctx)?
            .load_one(RelatedOfLifeEvent(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(related.into_iter().map(RelatedLifeEvent).collect())
    }
}

/// A life event that often comes with another.
#[derive(Debug, Clone)]
pub struct RelatedLifeEvent(pub life_event_relation::Model);

/// A life event that often comes with another.
#[Object]
impl RelatedLifeEvent {
    /// The related life event.
    async fn life_event(&self, ctx: &Context<'_>) -> Result<LifeEvent> {
        let found = loader(ctx)?
            .load_one(LifeEventById(self.0.related_life_event_id))
            .await?;
        integrity(found, "related life event").map(LifeEvent)
    }

    /// Why residents going through one often face the other.
    async fn reason(&self) -> &str {
        &self.0.reason
    }
}

/// One stage of a life event's journey, e.g. "Replace lost income", with the services
/// that help at that stage.
#[derive(Debug, Clone)]
pub struct JourneyStage(pub journey_stage::Model);

/// One stage of a life event's journey, e.g. "Replace lost income", with the services
/// that help at that stage.
#[Object]
impl JourneyStage {
    /// The stage's global id.
    pub async fn id(&self) -> ID {
        global_id(NodeKind::JourneyStage, self.0.id)
    }

    /// Its position in the journey, from 1.
    async fn position(&self) -> i32 {
        self.0.position
    }

    /// Its identifier, unique within its life event.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// Its name, e.g. "Replace lost income".
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// What residents do at this stage.
    async fn description(&self) -> &str {
        &self.0.description
    }

    /// The life event it belongs to.
    async fn life_event(&self, ctx: &Context<'_>) -> Result<LifeEvent> {
        let found = loader(ctx)?
            .load_one(LifeEventById(self.0.life_event_id))
            .await?;
        integrity(found, "stage life event").map(LifeEvent)
    }

    /// The published services that help at this stage: core ones first.
    async fn services(&self, ctx: &Context<'_>) -> Result<Vec<StageService>> {
        let links = loader(ctx)?
            .load_one(LinksOfStage(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(links.into_iter().map(StageService).collect())
    }
}

/// A service that helps at a journey stage, with why.
#[derive(Debug, Clone)]
pub struct StageService(pub life_event_service::Model);

/// A service that helps at a journey stage, with why.
#[Object]
impl StageService {
    /// How central the service is to the life event.
    async fn relevance(&self) -> Result<Relevance> {
        Ok(self.0.relevance.parse::<DomainRelevance>().gql()?.into())
    }

    /// Why the service matters at this stage, in words for residents.
    async fn reason(&self) -> &str {
        &self.0.reason
    }

    /// The service.
    async fn service(&self, ctx: &Context<'_>) -> Result<Service> {
        let found = loader(ctx)?
            .load_one(ServiceById(self.0.service_id))
            .await?;
        integrity(found, "stage service").map(Service)
    }
}

/// Root fields for life events.
#[derive(Default)]
pub struct LifeEventQuery;

/// Root fields for life events.
#[Object]
impl LifeEventQuery {
    /// Life events, by name.
    async fn life_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many life events to return: 0 to 100, 20 when omitted.")]
        first: Option<i32>,
        #[graphql(desc = "Return the life events after this cursor.")] after: Option<String>,
        #[graphql(
            desc = "How many life events to return from the end of the list (or from just before `before`): 0 to 100. Not with `first`."
        )]
        last: Option<i32>,
        #[graphql(desc = "Return the life events before this cursor (with `last`, to page back).")]
        before: Option<String>,
    ) -> Result<LifeEventConnection> {
        let request = PageRequest::parse(first, after.as_deref(), last, before.as_deref()).gql()?;
        let page = catalog(ctx)?.life_events(&request).await.gql()?;
        Ok(LifeEventConnection::from_page(page, LifeEvent))
    }

    /// The life event with this slug, or `null` if there is none.
    async fn life_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The life event's slug, e.g. `job-loss`.")] slug: String,
    ) -> Result<Option<LifeEvent>> {
        let slug = Slug::parse("slug", &slug).gql()?;
        Ok(catalog(ctx)?
            .life_event_by_slug(&slug)
            .await
            .gql()?
            .map(LifeEvent))
    }
}
