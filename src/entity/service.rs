//! Entity for the `service` table: a government service residents can use.

use sea_orm::FromJsonQueryResult;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use super::enums::ServiceStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub slug: String,
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub summary: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub agency_id: i32,
    #[sea_orm(column_type = "Text", nullable)]
    pub eligibility_summary: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub fees: Option<String>,
    pub processing_time: Option<String>,
    pub status: ServiceStatus,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub published_at: Option<DateTimeUtc>,
    pub deleted_at: Option<DateTimeUtc>,
    pub external_id: Option<String>,
    /// For a pending revision: the published service it will replace when published.
    pub revision_of_id: Option<i32>,
    /// What the agency checks that a pre-screen cannot (a JSON list of short phrases).
    pub agency_checks: AgencyChecks,
    /// The program this service is a listing of, shared by the offices that deliver it.
    pub program: Option<String>,
}

/// What the agency checks that a pre-screen cannot know, such as "net income after
/// deductions", in the order the agency gave them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct AgencyChecks(pub Vec<String>);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
