//! Entity for the `life_event_relation` table: a life event that often comes with another.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "life_event_relation")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub life_event_id: i32,
    pub related_life_event_id: i32,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
