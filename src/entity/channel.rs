//! Entity for the `channel` table: a touchpoint through which a service is delivered.

use sea_orm::entity::prelude::*;

use super::enums::{ChannelKind, Languages, TouchpointCategory};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "channel")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub service_id: i32,
    pub kind: ChannelKind,
    pub category: TouchpointCategory,
    pub label: String,
    pub url: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub address: Option<String>,
    pub hours: Option<String>,
    pub languages: Option<Languages>,
    #[sea_orm(column_type = "Text", nullable)]
    pub accessibility: Option<String>,
    pub position: i32,
    /// In a pending revision: the published channel this one will update when published.
    pub replaces_id: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
