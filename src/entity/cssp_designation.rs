//! Entity for the `cssp_designation` table: an agency's designation as a Critical State Service Provider.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cssp_designation")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub agency_id: i32,
    pub designated_on: Date,
    pub large_customer_base: bool,
    pub high_impact: bool,
    pub cx_lead_name: Option<String>,
    pub cx_lead_email: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub source: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
