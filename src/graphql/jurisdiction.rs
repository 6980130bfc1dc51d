//! Jurisdictions: the levels of government whose services the catalog lists.

use async_graphql::{Context, ID, InputObject, Object, Result};

use super::context::{catalog, loader, principal, reader};
use super::enums::JurisdictionKind;
use super::error::GqlResult;
use super::loaders::JurisdictionById;
use super::node::{NodeKind, global_id, row_id};
use super::payload::{on_row, record_payload};
use crate::catalog::jurisdiction::JurisdictionInput;
use crate::catalog::records;
use crate::catalog::types::JurisdictionCode;

/// A level of government, such as the United States (`US`), New York State (`US-NY`) or
/// New York City (`US-NY-NYC`). A resident of a jurisdiction can use its services and
/// those of every jurisdiction above it.
#[derive(Debug, Clone)]
pub struct Jurisdiction(pub records::Jurisdiction);

/// A level of government, such as the United States (`US`), New York State (`US-NY`) or
/// New York City (`US-NY-NYC`). A resident of a jurisdiction can use its services and
/// those of every jurisdiction above it.
#[Object]
impl Jurisdiction {
    /// The jurisdiction's global id.
    pub async fn id(&self) -> ID {
        global_id(NodeKind::Jurisdiction, self.0.id)
    }

    /// Its code in ISO 3166-2 style: `US`, `US-NY`, `US-NY-NYC`.
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// Its name, e.g. "New York State".
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Its level of government.
    async fn kind(&self) -> JurisdictionKind {
        self.0.kind.into()
    }

    /// Its revision number, which grows by one with every change. Pass it back as
    /// `expectedVersion` when you edit what you read.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// The jurisdiction directly above it, or `null` for the federal level.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Jurisdiction>> {
        let Some(parent) = self.0.parent_id else {
            return Ok(None);
        };
        Ok(loader(ctx)?
            .load_one(JurisdictionById(parent))
            .await?
            .map(Jurisdiction))
    }
}

/// Root fields for jurisdictions.
#[derive(Default)]
pub struct JurisdictionQuery;

/// Root fields for jurisdictions.
#[Object]
impl JurisdictionQuery {
    /// Every jurisdiction, broadest first.
    #[graphql(
        complexity = "crate::graphql::limits::list(crate::graphql::limits::caps::ALL_JURISDICTIONS, child_complexity)"
    )]
    async fn jurisdictions(&self, ctx: &Context<'_>) -> Result<Vec<Jurisdiction>> {
        Ok(reader(ctx)?
            .jurisdictions()
            .await
            .gql()?
            .into_iter()
            .take(crate::graphql::limits::caps::ALL_JURISDICTIONS)
            .map(Jurisdiction)
            .collect())
    }

    /// The jurisdiction with this code, or `null` if there is none.
    async fn jurisdiction(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A jurisdiction code such as `US-NY`.")] code: String,
    ) -> Result<Option<Jurisdiction>> {
        let code = JurisdictionCode::parse("code", &code).gql()?;
        Ok(reader(ctx)?
            .jurisdiction_by_code(&code)
            .await
            .gql()?
            .map(Jurisdiction))
    }
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

record_payload!(
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

record_payload!(
    /// The result of `jurisdictionUpdate`.
    JurisdictionUpdatePayload { jurisdiction: Jurisdiction }
);

/// Administration of jurisdictions (ADMIN keys).
#[derive(Default)]
pub struct JurisdictionMutation;

/// Administration of jurisdictions (ADMIN keys).
#[Object]
impl JurisdictionMutation {
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
        let result = catalog(ctx)?
            .create_jurisdiction(principal(ctx), input)
            .await;
        JurisdictionCreatePayload::from(result, Jurisdiction)
    }

    /// Renames a jurisdiction (ADMIN).
    async fn jurisdiction_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The jurisdiction and its new name.")] input: JurisdictionUpdateInput,
    ) -> Result<JurisdictionUpdatePayload> {
        let (version, name) = (input.expected_version, &input.name);
        let row = row_id("id", &input.id, NodeKind::Jurisdiction);
        let result = on_row(ctx, row, async |catalog, who, row| {
            catalog.rename_jurisdiction(who, row, version, name).await
        })
        .await?;
        JurisdictionUpdatePayload::from(result, Jurisdiction)
    }
}
