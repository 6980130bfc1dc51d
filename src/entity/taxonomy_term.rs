//! Entity for the `taxonomy_term` table: a term of a classification scheme.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "taxonomy_term")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub scheme: String,
    pub code: String,
    pub name: String,
    pub parent_id: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
