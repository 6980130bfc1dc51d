//! Entity for the `eligibility_rule` table: one structured eligibility rule over a criterion.

use sea_orm::entity::prelude::*;

use super::enums::RuleOperator;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "eligibility_rule")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub group_id: i32,
    pub service_id: i32,
    pub criterion_id: i32,
    pub operator: RuleOperator,
    #[sea_orm(column_type = "Text")]
    pub value: String,
    pub position: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
