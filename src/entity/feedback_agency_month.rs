//! Entity for the `feedback_agency_month` table: one agency's feedback in one calendar
//! month, rolled up over its services and channels, kept in step with `feedback_month`.
//! It carries the same counted columns as `feedback_month` (see
//! `migration::FEEDBACK_MONTH_COUNTS`); reads sum them by name and writes add to them by
//! name, so the entity names the key alone.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "feedback_agency_month")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub agency_id: i32,
    /// The month's first day.
    pub month: Date,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
