//! Reference tables (`referenceTables`, `referenceTableSet`, `referenceTableDelete`): the
//! amounts by household size that income rules compare with, such as the HHS poverty
//! guidelines, each version in force from its date.

use std::sync::Arc;

use async_graphql::{Context, InputObject, Object, Result, SimpleObject};

use super::context::{catalog, principal, reader};
use super::enums::IncomePeriod;
use super::error::GqlResult;
use super::payload::outcome;
use super::scalars::Date;
use crate::catalog::CatalogError;
use crate::catalog::reference::{self, TableVersionInput};

/// A named series of amounts by household size, in versions each in force from its date
/// until the next one.
#[derive(Debug, Clone)]
pub struct ReferenceTable(pub Arc<reference::Table>);

/// A named series of amounts by household size, in versions each in force from its date
/// until the next one.
#[Object]
impl ReferenceTable {
    /// Its key, which rules name, e.g. `hhs-poverty-guidelines`.
    async fn key(&self) -> &str {
        &self.0.key
    }

    /// Its name as residents read it in explanations.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// What it is and who publishes it.
    async fn description(&self) -> &str {
        &self.0.description
    }

    /// The period its amounts are for.
    async fn period(&self) -> IncomePeriod {
        self.0.period.into()
    }

    /// Its versions, oldest first.
    async fn versions(&self) -> Vec<ReferenceTableVersion> {
        self.0.versions.iter().cloned().map(Into::into).collect()
    }

    /// The version in force on `on` (today, UTC, when omitted), or `null` before the
    /// first one.
    async fn in_force(
        &self,
        #[graphql(desc = "The day; today (UTC) when omitted.")] on: Option<Date>,
    ) -> Option<ReferenceTableVersion> {
        let day = on.map_or_else(|| chrono::Utc::now().date_naive(), |d| d.0);
        self.0.in_force(day).cloned().map(Into::into)
    }
}

/// One version of a reference table.
#[derive(SimpleObject, Debug, Clone)]
pub struct ReferenceTableVersion {
    /// The first day it is in force.
    pub effective_from: Date,
    /// The amounts for households of 1, 2, ... people.
    pub amounts: Vec<f64>,
    /// What each person beyond the listed sizes adds.
    pub additional_person: f64,
    /// Where the figures come from.
    pub source_url: String,
}

impl From<reference::Version> for ReferenceTableVersion {
    fn from(v: reference::Version) -> Self {
        Self {
            effective_from: Date(v.effective_from),
            amounts: v.amounts,
            additional_person: v.additional_person,
            source_url: v.source_url,
        }
    }
}

/// One version of a reference table to set; the table is created when its key is new.
#[derive(InputObject, Debug, Clone)]
pub struct ReferenceTableSetInput {
    /// The table's key, e.g. `hhs-poverty-guidelines`.
    pub key: String,
    /// Its name as residents read it, e.g. "HHS poverty guideline".
    pub name: String,
    /// What it is and who publishes it.
    pub description: String,
    /// The period its amounts are for; fixed once the table exists.
    pub period: IncomePeriod,
    /// The first day the version is in force, e.g. `"2026-01-15"`. A version already in
    /// force cannot change (`INVALID_TRANSITION`): set a new one from a later date.
    pub effective_from: String,
    /// The amounts for households of 1, 2, ... people (1 to 20 of them, never smaller
    /// for a larger household).
    pub amounts: Vec<f64>,
    /// What each person beyond the listed sizes adds.
    pub additional_person: f64,
    /// Where the figures come from (http or https).
    pub source_url: String,
}

impl From<ReferenceTableSetInput> for TableVersionInput {
    fn from(input: ReferenceTableSetInput) -> Self {
        Self {
            key: input.key,
            name: input.name,
            description: input.description,
            period: input.period.into(),
            effective_from: input.effective_from,
            amounts: input.amounts,
            additional_person: input.additional_person,
            source_url: input.source_url,
        }
    }
}

/// The result of `referenceTableSet`.
#[derive(SimpleObject, Debug, Clone)]
pub struct ReferenceTableSetPayload {
    /// The table with all its versions, or `null` when `userErrors` is not empty.
    pub reference_table: Option<ReferenceTable>,
    /// What to fix; nothing was written when this is not empty.
    pub user_errors: Vec<super::payload::UserError>,
}

/// Which table to delete.
#[derive(InputObject, Debug, Clone)]
pub struct ReferenceTableDeleteInput {
    /// The table's key.
    pub key: String,
}

/// The result of `referenceTableDelete`.
#[derive(SimpleObject, Debug, Clone)]
pub struct ReferenceTableDeletePayload {
    /// The key of the deleted table, or `null` when `userErrors` is not empty.
    pub deleted_key: Option<String>,
    /// What to fix (`IN_USE` while a rule uses it); nothing was written when this is not
    /// empty.
    pub user_errors: Vec<super::payload::UserError>,
}

fn set_payload(
    result: Result<Arc<reference::Table>, CatalogError>,
) -> Result<ReferenceTableSetPayload> {
    let (table, user_errors) = outcome(result)?;
    Ok(ReferenceTableSetPayload {
        reference_table: table.map(ReferenceTable),
        user_errors,
    })
}

/// Root fields for reference tables.
#[derive(Default)]
pub struct ReferenceTableQuery;

/// Root fields for reference tables.
#[Object]
impl ReferenceTableQuery {
    /// Every reference table income rules may compare with, by key.
    #[graphql(complexity = "crate::graphql::limits::list(100, child_complexity)")]
    async fn reference_tables(&self, ctx: &Context<'_>) -> Result<Vec<ReferenceTable>> {
        let tables = reader(ctx)?.reference_tables().await.gql()?;
        Ok(tables.into_iter().take(100).map(ReferenceTable).collect())
    }
}

/// Reference tables (ADMIN keys).
#[derive(Default)]
pub struct ReferenceTableMutation;

/// Reference tables (ADMIN keys).
#[Object]
impl ReferenceTableMutation {
    /// Sets one version of a reference table (ADMIN), creating the table when its key is
    /// new; audited (`referenceTable.set`). Verdicts change from the version's date on.
    async fn reference_table_set(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The table and the version.")] input: ReferenceTableSetInput,
    ) -> Result<ReferenceTableSetPayload> {
        let result = catalog(ctx)?
            .set_reference_table(principal(ctx), input.into())
            .await;
        set_payload(result)
    }

    /// Deletes a reference table and its versions (ADMIN); `IN_USE` while a rule uses it.
    async fn reference_table_delete(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The table.")] input: ReferenceTableDeleteInput,
    ) -> Result<ReferenceTableDeletePayload> {
        let result = catalog(ctx)?
            .delete_reference_table(principal(ctx), &input.key)
            .await;
        let (deleted_key, user_errors) = outcome(result)?;
        Ok(ReferenceTableDeletePayload {
            deleted_key,
            user_errors,
        })
    }
}
