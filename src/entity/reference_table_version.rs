//! One version of a reference table: its amounts for households of 1, 2, ... people, the
//! amount each further person adds, valid from `effective_from` until the next version.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "reference_table_version")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub table_id: i32,
    pub effective_from: Date,
    /// A JSON list of amounts, the first for a household of one.
    #[sea_orm(column_type = "Text")]
    pub amounts: String,
    pub additional_person: f64,
    pub source_url: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
