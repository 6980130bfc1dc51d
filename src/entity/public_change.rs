//! Entity for the `public_change` table: the services each public revision changed, when it
//! changed only services (see `Catalog::touch_public_services`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "public_change")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The public revision the change made.
    pub revision: i64,
    pub service_id: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
