//! Entity for the `feedback` table: one resident's answer about a service and channel.

use sea_orm::entity::prelude::*;

use super::enums::{ChannelKind, Drivers, EntryPoint};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "feedback")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub service_id: i32,
    pub channel_kind: ChannelKind,
    pub life_event_id: Option<i32>,
    pub journey_stage_id: Option<i32>,
    pub satisfaction: i16,
    pub trust: Option<i16>,
    /// The drivers that went well.
    pub positive_drivers: Drivers,
    /// The drivers that did not go well.
    pub negative_drivers: Drivers,
    pub entry_point: Option<EntryPoint>,
    #[sea_orm(column_type = "Text", nullable)]
    pub comment: Option<String>,
    pub language: String,
    pub page_url: Option<String>,
    pub submitted_on: Date,
    /// Part of the synthetic demonstration set, not a resident's answer or an agency's report.
    pub synthetic: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
