//! Life events and their journey stages: the way residents think about what they need.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use super::connection::{LifeEventConnection, LifeEventServiceConnection};
use super::context::{catalog, loader, principal, reader};
use super::enums::Relevance;
use super::error::GqlResult;
use super::integrity;
use super::loaders::{
    JurisdictionsOfService, LifeEventById, LinksOfService, LinksOfStage, RelatedOfLifeEvent,
    ServiceById, ServiceKeysOfLifeEvent, StageById, StagesOfLifeEvent,
};
use super::node::{NodeKind, global_id, row_id};
use super::payload::{UserError, on_row, outcome, record_payload};
use super::service::Service;
use crate::catalog::life_event::{LifeEventInput, StageInput, TextChanges};
use crate::catalog::records;
use crate::catalog::types::{JurisdictionCode, Slug};
use crate::catalog::{CatalogError, Page, PageRequest};

/// Something residents go through, such as losing a job or having a baby, with the
/// journey stages it takes and the services that help at each.
#[derive(Debug, Clone)]
pub struct LifeEvent(pub records::LifeEvent);

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

    /// How residents fared along its journey over `period`, from their feedback on its
    /// published services and the transactions the agencies reported: each stage with its
    /// services' scores and abandonment, and the experience gaps ranked worst first. A
    /// month (`2026-10`), a quarter (`2026-Q3`) or a fiscal year (`FY2026`); the current
    /// month when omitted. Malformed or future periods are `BAD_USER_INPUT`.
    async fn experience(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "`2026-10`, `2026-Q3` or `FY2026`.")] period: Option<String>,
    ) -> Result<crate::graphql::journey::LifeEventExperience> {
        let period = crate::graphql::experience::period(period)?;
        let minimum = crate::graphql::experience::min_responses(ctx);
        let journey = reader(ctx)?
            .live_read(async |c| c.life_event_experience(self.0.id, period, minimum).await)
            .await
            .gql()?;
        Ok(crate::graphql::journey::LifeEventExperience(journey))
    }

    /// Its journey stages, in the order residents go through them.
    #[graphql(
        complexity = "crate::graphql::limits::list(crate::graphql::limits::caps::STAGES, child_complexity)"
    )]
    async fn stages(&self, ctx: &Context<'_>) -> Result<Vec<JourneyStage>> {
        let stages = loader(ctx)?
            .load_one(StagesOfLifeEvent(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(stages.into_iter().map(JourneyStage).collect())
    }

    /// Every published service linked to it, at any stage, by name: each with its stage,
    /// relevance and reason, as the stages list them.
    #[graphql(complexity = "crate::graphql::limits::page(first, last, child_complexity)")]
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
    ) -> Result<LifeEventServiceConnection> {
        let request = PageRequest::parse(first, after.as_deref(), last, before.as_deref()).gql()?;
        let loader = loader(ctx)?;
        let keys = loader
            .load_one(ServiceKeysOfLifeEvent(self.0.id))
            .await?
            .unwrap_or_default();
        let page = Page::slice(keys, &request, |k| k.id, Clone::clone);
        let links = loader
            .load_many(page.items.iter().map(|(key, _)| LinksOfService(key.id)))
            .await?;
        let link = |service_id: i32| {
            links
                .get(&LinksOfService(service_id))?
                .iter()
                .find(|l| l.life_event_id == self.0.id)
                .cloned()
        };
        let page = Page {
            items: page
                .items
                .into_iter()
                .filter_map(|(key, _)| link(key.id).map(|l| (key, l)))
                .collect(),
            has_next_page: page.has_next_page,
            has_previous_page: page.has_previous_page,
            total_count: page.total_count,
        };
        Ok(LifeEventServiceConnection::from_page(page, StageService))
    }

    /// Life events that often come with this one, and why.
    #[graphql(
        complexity = "crate::graphql::limits::list(crate::graphql::limits::caps::RELATED_LIFE_EVENTS, child_complexity)"
    )]
    async fn related_life_events(&self, ctx: &Context<'_>) -> Result<Vec<RelatedLifeEvent>> {
        let related = loader(ctx)?
            .load_one(RelatedOfLifeEvent(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(related
            .into_iter()
            .take(crate::graphql::limits::caps::RELATED_LIFE_EVENTS)
            .map(RelatedLifeEvent)
            .collect())
    }
}

/// A life event that often comes with another.
#[derive(Debug, Clone)]
pub struct RelatedLifeEvent(pub records::LifeEventRelation);

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
pub struct JourneyStage(pub records::JourneyStage);

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
    #[graphql(
        complexity = "crate::graphql::limits::list(crate::graphql::limits::caps::STAGE_SERVICES, child_complexity)"
    )]
    async fn services(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Only services available to a resident of this jurisdiction (by code): those serving it or a jurisdiction above it. `US-NY-NYC` keeps New York City, New York State and federal services and leaves out other cities'."
        )]
        jurisdiction: Option<String>,
    ) -> Result<Vec<StageService>> {
        let loader = loader(ctx)?;
        let mut links = loader
            .load_one(LinksOfStage(self.0.id))
            .await?
            .unwrap_or_default();
        if let Some(code) = jurisdiction {
            let code = JurisdictionCode::parse("jurisdiction", &code).gql()?;
            let chain = reader(ctx)?
                .jurisdiction_with_ancestors("jurisdiction", &code)
                .await
                .gql()?;
            let served = loader
                .load_many(links.iter().map(|l| JurisdictionsOfService(l.service_id)))
                .await?;
            links.retain(|l| {
                served
                    .get(&JurisdictionsOfService(l.service_id))
                    .is_some_and(|js| js.iter().any(|j| chain.contains(j)))
            });
        }
        Ok(links
            .into_iter()
            .take(crate::graphql::limits::caps::STAGE_SERVICES)
            .map(StageService)
            .collect())
    }
}

/// A service that helps at a journey stage, with why.
#[derive(Debug, Clone)]
pub struct StageService(pub records::ServiceLink);

/// A service that helps at a journey stage, with why.
#[Object]
impl StageService {
    /// How central the service is to the life event.
    async fn relevance(&self) -> Relevance {
        self.0.relevance.into()
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

    /// The journey stage where it helps.
    async fn stage(&self, ctx: &Context<'_>) -> Result<JourneyStage> {
        let found = loader(ctx)?
            .load_one(StageById(self.0.journey_stage_id))
            .await?;
        integrity(found, "service link stage").map(JourneyStage)
    }
}

/// Root fields for life events.
#[derive(Default)]
pub struct LifeEventQuery;

/// Root fields for life events.
#[Object]
impl LifeEventQuery {
    /// Life events, by name.
    #[graphql(complexity = "crate::graphql::limits::page(first, last, child_complexity)")]
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
        let page = reader(ctx)?.life_events(&request).await.gql()?;
        Ok(LifeEventConnection::from_page(page, LifeEvent))
    }

    /// The life event with this slug, or `null` if there is none.
    async fn life_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The life event's slug, e.g. `job-loss`.")] slug: String,
    ) -> Result<Option<LifeEvent>> {
        let slug = Slug::parse("slug", &slug).gql()?;
        Ok(reader(ctx)?
            .life_event_by_slug(&slug)
            .await
            .gql()?
            .map(LifeEvent))
    }
}

/// Declares a payload carrying a journey stage and its life event.
macro_rules! stage_payload {
    ($(#[$meta:meta])* $payload:ident) => {
        $(#[$meta])*
        #[derive(SimpleObject, Debug, Clone)]
        pub struct $payload {
            /// The stage after the change, or `null` when `userErrors` is not empty.
            pub stage: Option<JourneyStage>,
            /// Its life event after the change.
            pub life_event: Option<LifeEvent>,
            /// What to fix; nothing was written when this is not empty.
            pub user_errors: Vec<UserError>,
        }

        impl $payload {
            fn from(
                result: Result<(records::LifeEvent, records::JourneyStage), CatalogError>,
            ) -> Result<Self> {
                let (value, user_errors) = outcome(result)?;
                let (event, stage) = value.map_or((None, None), |(e, s)| (Some(e), Some(s)));
                Ok(Self {
                    stage: stage.map(JourneyStage),
                    life_event: event.map(LifeEvent),
                    user_errors,
                })
            }
        }
    };
}

/// A journey stage of a life event.
#[derive(InputObject, Debug, Clone)]
pub struct JourneyStageInput {
    /// Its URL-safe identifier, unique within the life event, e.g. `replace-income`.
    pub slug: String,
    /// What residents do at this stage, e.g. "Replace lost income".
    pub name: String,
    /// The stage in a sentence or two.
    pub description: String,
}

impl From<JourneyStageInput> for StageInput {
    fn from(s: JourneyStageInput) -> Self {
        Self {
            slug: s.slug,
            name: s.name,
            description: s.description,
        }
    }
}

/// A new life event with its journey stages.
#[derive(InputObject, Debug, Clone)]
pub struct LifeEventCreateInput {
    /// Its URL-safe identifier, unique in the catalog, e.g. `job-loss`.
    pub slug: String,
    /// Its name as residents would say it, e.g. "Losing a job".
    pub name: String,
    /// What the life event covers.
    pub description: String,
    /// The matching code of the EU life-event vocabulary, if any.
    pub eu_code: Option<String>,
    /// Its journey stages in order, 1 to 12.
    pub stages: Vec<JourneyStageInput>,
}

record_payload!(
    /// The result of `lifeEventCreate`.
    LifeEventCreatePayload { life_event: LifeEvent }
);

/// Changes to a life event's text; omitted fields stay as they are.
#[derive(InputObject, Debug, Clone)]
pub struct LifeEventUpdateInput {
    /// The life event's global id.
    pub id: ID,
    /// The version you last read; a newer one means someone else changed it (`STALE`).
    pub expected_version: i32,
    /// A new name.
    pub name: Option<String>,
    /// A new description.
    pub description: Option<String>,
    /// A new EU life-event code; an empty string clears it.
    pub eu_code: Option<String>,
}

impl From<LifeEventUpdateInput> for TextChanges {
    fn from(input: LifeEventUpdateInput) -> Self {
        Self {
            name: input.name,
            description: input.description,
            eu_code: input.eu_code,
        }
    }
}

record_payload!(
    /// The result of `lifeEventUpdate`.
    LifeEventUpdatePayload { life_event: LifeEvent }
);

/// A life event residents often go through with another, and why.
#[derive(InputObject, Debug, Clone)]
pub struct LifeEventRelateInput {
    /// The life event's global id.
    pub life_event: ID,
    /// The life event version you last read; when given, a newer one is `STALE`.
    pub expected_version: Option<i32>,
    /// The global id of the life event residents often go through with it.
    pub related_life_event: ID,
    /// Why, in a sentence residents read beside the suggestion (at most 500 characters).
    pub reason: String,
}

record_payload!(
    /// The result of `lifeEventRelate`.
    LifeEventRelatePayload { life_event: LifeEvent }
);

/// A relation between two life events to take back.
#[derive(InputObject, Debug, Clone)]
pub struct LifeEventUnrelateInput {
    /// The life event's global id.
    pub life_event: ID,
    /// The life event version you last read; when given, a newer one is `STALE`.
    pub expected_version: Option<i32>,
    /// The global id of the related life event.
    pub related_life_event: ID,
}

record_payload!(
    /// The result of `lifeEventUnrelate`.
    LifeEventUnrelatePayload { life_event: LifeEvent }
);

/// A new journey stage.
#[derive(InputObject, Debug, Clone)]
pub struct JourneyStageAddInput {
    /// The life event's global id.
    pub life_event: ID,
    /// The life event version you last read; when given, a newer one is `STALE`.
    pub expected_version: Option<i32>,
    /// Its URL-safe identifier, unique within the life event.
    pub slug: String,
    /// What residents do at this stage.
    pub name: String,
    /// The stage in a sentence or two.
    pub description: String,
    /// Where it goes, from 1; after the others when omitted.
    pub position: Option<i32>,
}

stage_payload!(
    /// The result of `journeyStageAdd`.
    JourneyStageAddPayload
);

/// Changes to a journey stage's text; omitted fields stay as they are.
#[derive(InputObject, Debug, Clone)]
pub struct JourneyStageUpdateInput {
    /// The stage's global id.
    pub id: ID,
    /// The version of its life event you last read (`STALE` when it has moved on).
    pub expected_version: i32,
    /// A new name.
    pub name: Option<String>,
    /// A new description.
    pub description: Option<String>,
}

impl From<JourneyStageUpdateInput> for TextChanges {
    fn from(input: JourneyStageUpdateInput) -> Self {
        Self {
            name: input.name,
            description: input.description,
            eu_code: None,
        }
    }
}

stage_payload!(
    /// The result of `journeyStageUpdate`.
    JourneyStageUpdatePayload
);

/// Which journey stage to remove. Stages that services are linked to stay (`IN_USE`).
#[derive(InputObject, Debug, Clone)]
pub struct JourneyStageRemoveInput {
    /// The stage's global id.
    pub id: ID,
    /// The life event version you last read; when given, a newer one is `STALE`.
    pub expected_version: Option<i32>,
}

record_payload!(
    /// The result of `journeyStageRemove`.
    JourneyStageRemovePayload { life_event: LifeEvent }
);

/// A new order for a life event's journey stages.
#[derive(InputObject, Debug, Clone)]
pub struct JourneyStageReorderInput {
    /// The life event's global id.
    pub life_event: ID,
    /// The life event version you last read; when given, a newer one is `STALE`.
    pub expected_version: Option<i32>,
    /// The global ids of all its stages, each once, in the new order.
    pub stages: Vec<ID>,
}

record_payload!(
    /// The result of `journeyStageReorder`.
    JourneyStageReorderPayload { life_event: LifeEvent }
);

/// The row id of a life event global id under `field`; a malformed id is a user error.
fn life_event_row(field: &str, id: &ID) -> Result<i32, CatalogError> {
    row_id(field, id, NodeKind::LifeEvent)
}

/// The row ids of a life event (`lifeEvent`) and a related one (`relatedLifeEvent`).
fn life_event_pair(id: &ID, related: &ID) -> Result<(i32, i32), CatalogError> {
    Ok((
        life_event_row("lifeEvent", id)?,
        life_event_row("relatedLifeEvent", related)?,
    ))
}

/// The row id of a journey stage global id under `field`; a malformed id is a user error.
fn stage_row(field: &str, id: &ID) -> Result<i32, CatalogError> {
    row_id(field, id, NodeKind::JourneyStage)
}

impl From<LifeEventCreateInput> for LifeEventInput {
    fn from(input: LifeEventCreateInput) -> Self {
        Self {
            slug: input.slug,
            name: input.name,
            description: input.description,
            eu_code: input.eu_code,
            stages: input.stages.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<JourneyStageAddInput> for StageInput {
    fn from(input: JourneyStageAddInput) -> Self {
        Self {
            slug: input.slug,
            name: input.name,
            description: input.description,
        }
    }
}

impl JourneyStageReorderInput {
    /// The life event's row id and its stages' row ids, in the order given.
    fn rows(&self) -> Result<(i32, Vec<i32>), CatalogError> {
        let stages = self.stages.iter().enumerate();
        let stages = stages
            .map(|(i, id)| stage_row(&format!("stages[{i}]"), id))
            .collect::<Result<_, _>>()?;
        Ok((life_event_row("lifeEvent", &self.life_event)?, stages))
    }
}

/// Administration of life events and their journey stages (ADMIN keys).
#[derive(Default)]
pub struct LifeEventMutation;

/// Administration of life events and their journey stages (ADMIN keys).
#[Object]
impl LifeEventMutation {
    /// Creates a life event with its journey stages (ADMIN).
    async fn life_event_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new life event.")] input: LifeEventCreateInput,
    ) -> Result<LifeEventCreatePayload> {
        let result = catalog(ctx)?
            .create_life_event(principal(ctx), input.into())
            .await;
        LifeEventCreatePayload::from(result, LifeEvent)
    }

    /// Changes a life event's text (ADMIN).
    async fn life_event_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The life event and the changes.")] input: LifeEventUpdateInput,
    ) -> Result<LifeEventUpdatePayload> {
        let (row, version) = (life_event_row("id", &input.id), input.expected_version);
        let changes = TextChanges::from(input);
        let result = on_row(ctx, row, async |catalog, who, row| {
            catalog.update_life_event(who, row, version, changes).await
        })
        .await?;
        LifeEventUpdatePayload::from(result, LifeEvent)
    }

    /// Says that residents going through a life event often go through another too, and
    /// why: it then lists the other in `relatedLifeEvents`, and recommendations suggest it
    /// (ADMIN; a relation already there gets the new reason). One way: relate the other
    /// life event back for both to suggest each other.
    async fn life_event_relate(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The life event, the related one and why.")] input: LifeEventRelateInput,
    ) -> Result<LifeEventRelatePayload> {
        let rows = life_event_pair(&input.life_event, &input.related_life_event);
        let (version, reason) = (input.expected_version, input.reason);
        let result = on_row(ctx, rows, async |catalog, who, rows| {
            catalog.relate_life_event(who, rows, version, &reason).await
        })
        .await?;
        LifeEventRelatePayload::from(result, LifeEvent)
    }

    /// Takes back a relation `lifeEventRelate` made (ADMIN).
    async fn life_event_unrelate(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The life event and the related one.")] input: LifeEventUnrelateInput,
    ) -> Result<LifeEventUnrelatePayload> {
        let rows = life_event_pair(&input.life_event, &input.related_life_event);
        let version = input.expected_version;
        let result = on_row(ctx, rows, async |catalog, who, rows| {
            catalog.unrelate_life_event(who, rows, version).await
        })
        .await?;
        LifeEventUnrelatePayload::from(result, LifeEvent)
    }

    /// Adds a journey stage to a life event (ADMIN).
    async fn journey_stage_add(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The life event and the new stage.")] input: JourneyStageAddInput,
    ) -> Result<JourneyStageAddPayload> {
        let row = life_event_row("lifeEvent", &input.life_event);
        let (version, position) = (input.expected_version, input.position);
        let stage = StageInput::from(input);
        let result = on_row(ctx, row, async |catalog, who, row| {
            catalog.add_stage(who, row, version, stage, position).await
        })
        .await?;
        JourneyStageAddPayload::from(result)
    }

    /// Changes a journey stage's text (ADMIN).
    async fn journey_stage_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The stage and the changes.")] input: JourneyStageUpdateInput,
    ) -> Result<JourneyStageUpdatePayload> {
        let (row, version) = (stage_row("id", &input.id), input.expected_version);
        let changes = TextChanges::from(input);
        let result = on_row(ctx, row, async |catalog, who, row| {
            catalog.update_stage(who, row, version, changes).await
        })
        .await?;
        JourneyStageUpdatePayload::from(result)
    }

    /// Removes a journey stage no service is linked to (ADMIN).
    async fn journey_stage_remove(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The stage.")] input: JourneyStageRemoveInput,
    ) -> Result<JourneyStageRemovePayload> {
        let (row, version) = (stage_row("id", &input.id), input.expected_version);
        let result = on_row(ctx, row, async |catalog, who, row| {
            catalog.remove_stage(who, row, version).await
        })
        .await?;
        JourneyStageRemovePayload::from(result, LifeEvent)
    }

    /// Puts a life event's journey stages in a new order (ADMIN).
    async fn journey_stage_reorder(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The life event and its stages in order.")]
        input: JourneyStageReorderInput,
    ) -> Result<JourneyStageReorderPayload> {
        let version = input.expected_version;
        let result = on_row(ctx, input.rows(), async |catalog, who, (row, stages)| {
            catalog.reorder_stages(who, row, version, stages).await
        })
        .await?;
        JourneyStageReorderPayload::from(result, LifeEvent)
    }
}
