//! Entity for the `criterion` table: a reusable eligibility question.

use sea_orm::entity::prelude::*;

use super::enums::{CriterionKind, IncomePeriod};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "criterion")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub key: String,
    pub label: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub kind: CriterionKind,
    #[sea_orm(column_type = "Text", nullable)]
    pub options: Option<String>,
    pub unit: Option<String>,
    pub version: i32,
    /// For an income criterion, the period the income is counted over.
    pub income_period: Option<IncomePeriod>,
    /// For a DATE criterion, whether answers may be after the day eligibility is worked
    /// out for (an expected due date); otherwise a later date is refused.
    pub future_dates: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
