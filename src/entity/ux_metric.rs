//! Entity for the `ux_metric` table: one month of a service's measured transactions through
//! one kind of channel.

use sea_orm::entity::prelude::*;

use super::enums::ChannelKind;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "ux_metric")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub service_id: i32,
    pub channel_kind: ChannelKind,
    /// The month's first day.
    pub month: Date,
    pub started: i64,
    pub completed: i64,
    pub failed: i64,
    pub abandoned: i64,
    pub median_seconds: Option<f64>,
    pub p90_seconds: Option<f64>,
    /// Digital channels only.
    pub median_clicks: Option<f64>,
    pub reported_at: DateTimeUtc,
    /// Part of the synthetic demonstration set, not a resident's answer or an agency's report.
    pub synthetic: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
