//! A second counter beside the catalog revision: it moves only with changes residents can
//! see (a publish, an archive, an edit to an agency, life event, criterion or jurisdiction),
//! so read models of the published catalog (the recommendation index) are not rebuilt for
//! draft edits.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("catalog_revision")
                    .add_column(big_integer("public_revision").default(0))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("catalog_revision")
                    .drop_column("public_revision")
                    .to_owned(),
            )
            .await
    }
}
