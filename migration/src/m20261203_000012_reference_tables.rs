//! Reference tables: named series of amounts by household size (the HHS poverty
//! guidelines, a state median income), each version valid from a date until the next one.
//! Eligibility rules compare an income with a percent of the version in force on the day
//! they are evaluated. A criterion that holds an income says over which period
//! (`income_period`: `MONTHLY` or `ANNUAL`), so the comparison can convert.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("reference_table")
                    .col(pk_auto("id"))
                    .col(string_len("key", 64))
                    .col(string_len("name", 200))
                    .col(text("description"))
                    .col(string_len("period", 16))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        crate::indexes::create_indexes(manager, "reference_table", &[(true, &["key"])]).await?;
        manager
            .create_table(
                Table::create()
                    .table("reference_table_version")
                    .col(pk_auto("id"))
                    .col(integer("table_id"))
                    .col(date("effective_from"))
                    .col(text("amounts"))
                    .col(double("additional_person"))
                    .col(string_len("source_url", 2048))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_reference_table_version_table_id")
                            .from("reference_table_version", "table_id")
                            .to("reference_table", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        crate::indexes::create_indexes(
            manager,
            "reference_table_version",
            &[(true, &["table_id", "effective_from"])],
        )
        .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("criterion")
                    .add_column(string_len_null("income_period", 16))
                    .to_owned(),
            )
            .await
            .map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("criterion")
                    .drop_column("income_period")
                    .to_owned(),
            )
            .await?;
        for table in ["reference_table_version", "reference_table"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
