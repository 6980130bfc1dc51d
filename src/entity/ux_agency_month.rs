//! Entity for the `ux_agency_month` table: the transactions one agency's services reported
//! for one calendar month, every service and channel together, kept in step with
//! `ux_metric`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ux_agency_month")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub agency_id: i32,
    /// The month's first day.
    pub month: Date,
    pub started: i64,
    pub completed: i64,
    pub failed: i64,
    pub abandoned: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
