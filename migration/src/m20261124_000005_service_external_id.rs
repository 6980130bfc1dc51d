//! A partner's own id for a service, unique per agency, so a partner can re-send a create
//! safely and map records between systems.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("service")
                    .add_column(string_len_null("external_id", 200))
                    .to_owned(),
            )
            .await?;
        crate::indexes::create_indexes(manager, "service", &[(true, &["agency_id", "external_id"])])
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ux_service_agency_id_external_id")
                    .table("service")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("service")
                    .drop_column("external_id")
                    .to_owned(),
            )
            .await
    }
}
