//! A named series of amounts by household size, in versions (`reference_table_version`).

use sea_orm::entity::prelude::*;

use super::enums::IncomePeriod;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reference_table")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub key: String,
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// The period its amounts are for.
    pub period: IncomePeriod,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
