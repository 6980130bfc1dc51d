//! The public changes log: for each public revision that changed only some services
//! (publishing, archiving or restoring them, or publishing a pending revision), which ones.
//! Replicas patch their snapshot of the published catalog with the services a revision names
//! instead of rebuilding it; a revision the log does not name (any other public change)
//! still rebuilds it whole.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("public_change")
                    .col(pk_auto("id"))
                    .col(big_integer("revision"))
                    .col(integer("service_id"))
                    .to_owned(),
            )
            .await?;
        crate::indexes::create_indexes(manager, "public_change", &[(false, &["revision"])]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("public_change").to_owned())
            .await
    }
}
