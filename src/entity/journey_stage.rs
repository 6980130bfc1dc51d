//! Entity for the `journey_stage` table: an ordered stage of a life event's journey.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "journey_stage")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub life_event_id: i32,
    pub position: i32,
    pub slug: String,
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
