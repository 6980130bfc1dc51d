//! UX metrics: what an agency's systems measured of one service through one kind of
//! channel in one calendar month (transactions started, completed, failed and abandoned;
//! time and clicks to complete). One row per service, channel kind and month; re-reporting
//! a month replaces its row.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("ux_metric")
                    .col(pk_auto("id"))
                    .col(integer("service_id"))
                    .col(string_len("channel_kind", 32))
                    .col(date("month"))
                    .col(big_integer("started"))
                    .col(big_integer("completed"))
                    .col(big_integer("failed"))
                    .col(big_integer("abandoned"))
                    .col(double_null("median_seconds"))
                    .col(double_null("p90_seconds"))
                    .col(double_null("median_clicks"))
                    .col(timestamp_with_time_zone("reported_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_ux_metric_service_id")
                            .from("ux_metric", "service_id")
                            .to("service", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        crate::indexes::create_indexes(
            manager,
            "ux_metric",
            &[(true, &["service_id", "channel_kind", "month"])],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("ux_metric").to_owned())
            .await
    }
}
