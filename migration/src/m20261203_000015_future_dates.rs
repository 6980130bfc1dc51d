//! Whether a DATE criterion takes dates after the day eligibility is worked out for
//! (`future_dates`). Most date questions are about the past (a birth date, the day a job
//! ended), and a later answer is a mistake the resident should hear of; a question such as
//! an expected due date takes later dates.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("criterion")
                    .add_column(boolean("future_dates").default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("criterion")
                    .drop_column("future_dates")
                    .to_owned(),
            )
            .await
    }
}
