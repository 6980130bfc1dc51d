//! Marks feedback and UX metrics that are synthetic: the demonstration set `serve` loads
//! with the seeded catalog, so that dashboards and the journey map show something on a
//! first run, and say so. Real submissions and reports are never synthetic.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["feedback", "ux_metric"] {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(boolean("synthetic").default(false))
                        .to_owned(),
                )
                .await?;
        }
        crate::indexes::create_indexes(
            manager,
            "feedback",
            &[(false, &["synthetic", "submitted_on"])],
        )
        .await?;
        crate::indexes::create_indexes(manager, "ux_metric", &[(false, &["synthetic", "month"])])
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, index) in [
            ("feedback", "ix_feedback_synthetic_submitted_on"),
            ("ux_metric", "ix_ux_metric_synthetic_month"),
        ] {
            manager
                .drop_index(Index::drop().name(index).table(table).to_owned())
                .await?;
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .drop_column("synthetic")
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
