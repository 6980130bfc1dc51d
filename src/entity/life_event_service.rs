//! Entity for the `life_event_service` table: a service linked to a life event at a journey stage.

use sea_orm::entity::prelude::*;

use super::enums::Relevance;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "life_event_service")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub life_event_id: i32,
    pub journey_stage_id: i32,
    pub service_id: i32,
    pub relevance: Relevance,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub position: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
