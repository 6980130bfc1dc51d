//! Entity for the `eligibility_rule_group` table: a group of eligibility rules combined with ALL or ANY.

use sea_orm::entity::prelude::*;

use super::enums::RuleGroupMode;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "eligibility_rule_group")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub service_id: i32,
    pub mode: RuleGroupMode,
    pub position: i32,
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
