//! Administration mutations for ADMIN keys (the state CX office): jurisdictions, agencies
//! and their CSSP designations, life events and their journey stages, and eligibility
//! criteria.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use super::agency::Agency;
use super::context::catalog;
use super::context::principal;
use super::criterion::Criterion;
use super::enums::{CriterionKind, CsspBasis, JurisdictionKind};
use super::jurisdiction::Jurisdiction;
use super::life_event::{JourneyStage, LifeEvent};
use super::node::{NodeKind, row_id};
use super::payload::{UserError, outcome};
use super::scalars::Date;
use crate::catalog::CatalogError;
use crate::catalog::agency::{AgencyChanges, AgencyInput, CsspInput};
use crate::catalog::criterion::{CriterionChanges, CriterionInput};
use crate::catalog::eligibility::CriterionOption;
use crate::catalog::jurisdiction::JurisdictionInput;
use crate::catalog::life_event::{LifeEventInput, StageInput, TextChanges};

/// Declares a payload carrying one record (`null` when `userErrors` is not empty).
macro_rules! payload {
    ($(#[$meta:meta])* $payload:ident { $field:ident: $ty:ty }) => {
        $(#[$meta])*
        #[derive(SimpleObject, Debug, Clone)]
        pub struct $payload {
            /// The record after the change, or `null` when `userErrors` is not empty.
            pub $field: Option<$ty>,
            /// What to fix; nothing was written when this is not empty.
            pub user_errors: Vec<UserError>,
        }

        impl $payload {
            fn from<M>(result: Result<M, CatalogError>, wrap: impl FnOnce(M) -> $ty) -> Result<Self> {
                let (value, user_errors) = outcome(result)?;
                Ok(Self { $field: value.map(wrap), user_errors })
            }
        }
    };
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
                result: Result<(crate::entity::life_event::Model, crate::entity::journey_stage::Model), CatalogError>,
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

/// A new jurisdiction.
#[derive(InputObject, Debug, Clone)]
pub struct JurisdictionCreateInput {
    /// Its code in ISO 3166-2 style, unique in the catalog; a jurisdiction's code extends its
    /// parent's, e.g. `US-NY-ALB` under `US-NY`.
    pub code: String,
    /// Its name, e.g. "Albany County".
    pub name: String,
    /// Its level of government.
    pub kind: JurisdictionKind,
    /// The code of the jurisdiction directly above it; required unless it is `FEDERAL`.
    pub parent: Option<String>,
}

payload!(
    /// The result of `jurisdictionCreate`.
    JurisdictionCreatePayload { jurisdiction: Jurisdiction }
);

/// A jurisdiction's new name. Its code, kind and parent are fixed: services, agencies and
/// residents' queries refer to them.
#[derive(InputObject, Debug, Clone)]
pub struct JurisdictionUpdateInput {
    /// The jurisdiction's global id.
    pub id: ID,
    /// The version you last read; a newer one means someone else changed it (`STALE`).
    pub expected_version: i32,
    /// Its new name.
    pub name: String,
}

payload!(
    /// The result of `jurisdictionUpdate`.
    JurisdictionUpdatePayload { jurisdiction: Jurisdiction }
);

/// A new agency.
#[derive(InputObject, Debug, Clone)]
pub struct AgencyCreateInput {
    /// Its URL-safe identifier, unique in the catalog, e.g. `nys-dol`.
    pub slug: String,
    /// Its official name.
    pub name: String,
    /// Its usual abbreviation, e.g. `DOL`.
    pub acronym: Option<String>,
    /// The code of its jurisdiction, e.g. `US-NY`.
    pub jurisdiction: String,
    /// The slug of the agency it belongs to, if any.
    pub parent: Option<String>,
    /// Its http(s) website.
    pub website: Option<String>,
    /// Its main phone number.
    pub phone: Option<String>,
    /// What it does, in plain language.
    pub description: String,
}

payload!(
    /// The result of `agencyCreate`.
    AgencyCreatePayload { agency: Agency }
);

/// Changes to an agency; omitted fields stay as they are, an empty string clears an
/// optional one. The slug is fixed.
#[derive(InputObject, Debug, Clone)]
pub struct AgencyUpdateInput {
    /// The agency's global id.
    pub id: ID,
    /// The version you last read; a newer one means someone else changed it (`STALE`).
    pub expected_version: i32,
    /// A new name.
    pub name: Option<String>,
    /// A new acronym.
    pub acronym: Option<String>,
    /// A new jurisdiction code.
    pub jurisdiction: Option<String>,
    /// The slug of a new parent agency; an empty string makes it top-level.
    pub parent: Option<String>,
    /// A new website.
    pub website: Option<String>,
    /// A new phone number.
    pub phone: Option<String>,
    /// A new description.
    pub description: Option<String>,
}

payload!(
    /// The result of `agencyUpdate`.
    AgencyUpdatePayload { agency: Agency }
);

/// A Critical State Service Provider designation by the state CX office.
#[derive(InputObject, Debug, Clone)]
pub struct CsspDesignateInput {
    /// The agency's global id.
    pub agency: ID,
    /// The agency version you last read; when given, a newer one is `STALE`.
    pub expected_version: Option<i32>,
    /// The date of the designation.
    pub designated_on: Date,
    /// Why: a large customer base, a high impact, or both.
    pub basis: Vec<CsspBasis>,
    /// The agency's customer-experience lead.
    pub cx_lead_name: Option<String>,
    /// The CX lead's email address.
    pub cx_lead_email: Option<String>,
    /// Where the designation is published, or a note on it.
    pub source: Option<String>,
}

payload!(
    /// The result of `csspDesignate`.
    CsspDesignatePayload { agency: Agency }
);

/// Which agency's CSSP designation to end.
#[derive(InputObject, Debug, Clone)]
pub struct CsspRevokeInput {
    /// The agency's global id.
    pub agency: ID,
    /// The agency version you last read; when given, a newer one is `STALE`.
    pub expected_version: Option<i32>,
}

payload!(
    /// The result of `csspRevoke`.
    CsspRevokePayload { agency: Agency }
);

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

payload!(
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

payload!(
    /// The result of `lifeEventUpdate`.
    LifeEventUpdatePayload { life_event: LifeEvent }
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

payload!(
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

payload!(
    /// The result of `journeyStageReorder`.
    JourneyStageReorderPayload { life_event: LifeEvent }
);

/// One allowed answer of a SELECT or MULTI_SELECT criterion.
#[derive(InputObject, Debug, Clone)]
pub struct CriterionOptionInput {
    /// The value sent as the answer, URL-safe (e.g. `laid-off`).
    pub value: String,
    /// The text shown to residents.
    pub label: String,
}

fn options(input: Vec<CriterionOptionInput>) -> Vec<CriterionOption> {
    input
        .into_iter()
        .map(|o| CriterionOption {
            value: o.value,
            label: o.label,
        })
        .collect()
}

/// A new eligibility criterion: a question residents may answer.
#[derive(InputObject, Debug, Clone)]
pub struct CriterionCreateInput {
    /// Its URL-safe key, unique in the catalog, e.g. `household-size`.
    pub key: String,
    /// The question as residents read it.
    pub label: String,
    /// What the question means and how to answer it.
    pub description: String,
    /// The type of answer it takes; fixed once created.
    pub kind: CriterionKind,
    /// The allowed answers: 1 to 100 for SELECT and MULTI_SELECT, none otherwise.
    #[graphql(default)]
    pub options: Vec<CriterionOptionInput>,
    /// The unit of a NUMBER answer, e.g. `USD per month`.
    pub unit: Option<String>,
}

payload!(
    /// The result of `criterionCreate`.
    CriterionCreatePayload { criterion: Criterion }
);

/// Changes to a criterion; omitted fields stay as they are. Its key and kind are fixed,
/// and new options must still fit every rule that uses the criterion (`IN_USE`).
#[derive(InputObject, Debug, Clone)]
pub struct CriterionUpdateInput {
    /// The criterion's global id.
    pub id: ID,
    /// The version you last read; a newer one means someone else changed it (`STALE`).
    pub expected_version: i32,
    /// A new question.
    pub label: Option<String>,
    /// A new description.
    pub description: Option<String>,
    /// The new list of allowed answers, replacing the current one.
    pub options: Option<Vec<CriterionOptionInput>>,
    /// A new unit; an empty string clears it.
    pub unit: Option<String>,
}

payload!(
    /// The result of `criterionUpdate`.
    CriterionUpdatePayload { criterion: Criterion }
);

/// Administration of jurisdictions, agencies, life events and criteria (ADMIN keys).
#[derive(Default)]
pub struct AdminMutation;

/// Administration of jurisdictions, agencies, life events and criteria (ADMIN keys).
#[Object]
impl AdminMutation {
    /// Creates a jurisdiction (ADMIN).
    async fn jurisdiction_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new jurisdiction.")] input: JurisdictionCreateInput,
    ) -> Result<JurisdictionCreatePayload> {
        let input = JurisdictionInput {
            code: input.code,
            name: input.name,
            kind: input.kind.into(),
            parent: input.parent,
        };
        JurisdictionCreatePayload::from(
            catalog(ctx)?
                .create_jurisdiction(principal(ctx), input)
                .await,
            Jurisdiction,
        )
    }

    /// Renames a jurisdiction (ADMIN).
    async fn jurisdiction_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The jurisdiction and its new name.")] input: JurisdictionUpdateInput,
    ) -> Result<JurisdictionUpdatePayload> {
        let result = match row_id("id", &input.id, NodeKind::Jurisdiction) {
            Ok(row) => {
                catalog(ctx)?
                    .rename_jurisdiction(principal(ctx), row, input.expected_version, &input.name)
                    .await
            }
            Err(err) => Err(err),
        };
        JurisdictionUpdatePayload::from(result, Jurisdiction)
    }

    /// Creates an agency (ADMIN).
    async fn agency_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new agency.")] input: AgencyCreateInput,
    ) -> Result<AgencyCreatePayload> {
        let input = AgencyInput {
            slug: input.slug,
            name: input.name,
            acronym: input.acronym,
            jurisdiction: input.jurisdiction,
            parent: input.parent,
            website: input.website,
            phone: input.phone,
            description: input.description,
        };
        AgencyCreatePayload::from(
            catalog(ctx)?.create_agency(principal(ctx), input).await,
            Agency,
        )
    }

    /// Changes an agency (ADMIN).
    async fn agency_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The agency and the changes.")] input: AgencyUpdateInput,
    ) -> Result<AgencyUpdatePayload> {
        let changes = AgencyChanges {
            name: input.name,
            acronym: input.acronym,
            jurisdiction: input.jurisdiction,
            parent: input.parent,
            website: input.website,
            phone: input.phone,
            description: input.description,
        };
        let result = match row_id("id", &input.id, NodeKind::Agency) {
            Ok(row) => {
                catalog(ctx)?
                    .update_agency(principal(ctx), row, input.expected_version, changes)
                    .await
            }
            Err(err) => Err(err),
        };
        AgencyUpdatePayload::from(result, Agency)
    }

    /// Designates an agency a Critical State Service Provider, or changes its designation
    /// (ADMIN).
    async fn cssp_designate(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The agency and the designation.")] input: CsspDesignateInput,
    ) -> Result<CsspDesignatePayload> {
        let designation = CsspInput {
            designated_on: input.designated_on.0,
            large_customer_base: input.basis.contains(&CsspBasis::LargeCustomerBase),
            high_impact: input.basis.contains(&CsspBasis::HighImpact),
            cx_lead_name: input.cx_lead_name,
            cx_lead_email: input.cx_lead_email,
            source: input.source,
        };
        let result = match row_id("agency", &input.agency, NodeKind::Agency) {
            Ok(row) => {
                catalog(ctx)?
                    .designate_cssp(principal(ctx), row, input.expected_version, designation)
                    .await
            }
            Err(err) => Err(err),
        };
        CsspDesignatePayload::from(result, Agency)
    }

    /// Ends an agency's CSSP designation (ADMIN).
    async fn cssp_revoke(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The agency.")] input: CsspRevokeInput,
    ) -> Result<CsspRevokePayload> {
        let result = match row_id("agency", &input.agency, NodeKind::Agency) {
            Ok(row) => {
                catalog(ctx)?
                    .revoke_cssp(principal(ctx), row, input.expected_version)
                    .await
            }
            Err(err) => Err(err),
        };
        CsspRevokePayload::from(result, Agency)
    }

    /// Creates a life event with its journey stages (ADMIN).
    async fn life_event_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new life event.")] input: LifeEventCreateInput,
    ) -> Result<LifeEventCreatePayload> {
        let input = LifeEventInput {
            slug: input.slug,
            name: input.name,
            description: input.description,
            eu_code: input.eu_code,
            stages: input.stages.into_iter().map(Into::into).collect(),
        };
        LifeEventCreatePayload::from(
            catalog(ctx)?.create_life_event(principal(ctx), input).await,
            LifeEvent,
        )
    }

    /// Changes a life event's text (ADMIN).
    async fn life_event_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The life event and the changes.")] input: LifeEventUpdateInput,
    ) -> Result<LifeEventUpdatePayload> {
        let changes = TextChanges {
            name: input.name,
            description: input.description,
            eu_code: input.eu_code,
        };
        let result = match row_id("id", &input.id, NodeKind::LifeEvent) {
            Ok(row) => {
                catalog(ctx)?
                    .update_life_event(principal(ctx), row, input.expected_version, changes)
                    .await
            }
            Err(err) => Err(err),
        };
        LifeEventUpdatePayload::from(result, LifeEvent)
    }

    /// Adds a journey stage to a life event (ADMIN).
    async fn journey_stage_add(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The life event and the new stage.")] input: JourneyStageAddInput,
    ) -> Result<JourneyStageAddPayload> {
        let stage = StageInput {
            slug: input.slug,
            name: input.name,
            description: input.description,
        };
        let result = match row_id("lifeEvent", &input.life_event, NodeKind::LifeEvent) {
            Ok(row) => {
                catalog(ctx)?
                    .add_stage(
                        principal(ctx),
                        row,
                        input.expected_version,
                        stage,
                        input.position,
                    )
                    .await
            }
            Err(err) => Err(err),
        };
        JourneyStageAddPayload::from(result)
    }

    /// Changes a journey stage's text (ADMIN).
    async fn journey_stage_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The stage and the changes.")] input: JourneyStageUpdateInput,
    ) -> Result<JourneyStageUpdatePayload> {
        let changes = TextChanges {
            name: input.name,
            description: input.description,
            eu_code: None,
        };
        let result = match row_id("id", &input.id, NodeKind::JourneyStage) {
            Ok(row) => {
                catalog(ctx)?
                    .update_stage(principal(ctx), row, input.expected_version, changes)
                    .await
            }
            Err(err) => Err(err),
        };
        JourneyStageUpdatePayload::from(result)
    }

    /// Removes a journey stage no service is linked to (ADMIN).
    async fn journey_stage_remove(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The stage.")] input: JourneyStageRemoveInput,
    ) -> Result<JourneyStageRemovePayload> {
        let result = match row_id("id", &input.id, NodeKind::JourneyStage) {
            Ok(row) => {
                catalog(ctx)?
                    .remove_stage(principal(ctx), row, input.expected_version)
                    .await
            }
            Err(err) => Err(err),
        };
        JourneyStageRemovePayload::from(result, LifeEvent)
    }

    /// Puts a life event's journey stages in a new order (ADMIN).
    async fn journey_stage_reorder(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The life event and its stages in order.")]
        input: JourneyStageReorderInput,
    ) -> Result<JourneyStageReorderPayload> {
        let stages: Result<Vec<i32>, CatalogError> = input
            .stages
            .iter()
            .enumerate()
            .map(|(i, id)| row_id(&format!("stages[{i}]"), id, NodeKind::JourneyStage))
            .collect();
        let result = match (
            row_id("lifeEvent", &input.life_event, NodeKind::LifeEvent),
            stages,
        ) {
            (Ok(row), Ok(stages)) => {
                catalog(ctx)?
                    .reorder_stages(principal(ctx), row, input.expected_version, stages)
                    .await
            }
            (Err(err), _) | (_, Err(err)) => Err(err),
        };
        JourneyStageReorderPayload::from(result, LifeEvent)
    }

    /// Creates an eligibility criterion (ADMIN).
    async fn criterion_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new criterion.")] input: CriterionCreateInput,
    ) -> Result<CriterionCreatePayload> {
        let input = CriterionInput {
            key: input.key,
            label: input.label,
            description: input.description,
            kind: input.kind.into(),
            options: options(input.options),
            unit: input.unit,
        };
        CriterionCreatePayload::from(
            catalog(ctx)?.create_criterion(principal(ctx), input).await,
            Criterion,
        )
    }

    /// Changes an eligibility criterion (ADMIN).
    async fn criterion_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The criterion and the changes.")] input: CriterionUpdateInput,
    ) -> Result<CriterionUpdatePayload> {
        let changes = CriterionChanges {
            label: input.label,
            description: input.description,
            options: input.options.map(options),
            unit: input.unit,
        };
        let result = match row_id("id", &input.id, NodeKind::Criterion) {
            Ok(row) => {
                catalog(ctx)?
                    .update_criterion(principal(ctx), row, input.expected_version, changes)
                    .await
            }
            Err(err) => Err(err),
        };
        CriterionUpdatePayload::from(result, Criterion)
    }
}
