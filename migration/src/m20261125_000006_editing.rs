//! Editing the catalog through the API: pending revisions of published services, stable
//! channel identity across revisions, and a version on every record an admin can edit.
//!
//! A pending revision is a service row whose `revision_of_id` names the published service it
//! will replace; it shares that service's slug, so slugs are unique among live rows only
//! (a partial index, the same SQL on SQLite and PostgreSQL), and so are external ids.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Adds an integer column to `table`.
async fn add_column(
    manager: &SchemaManager<'_>,
    table: &'static str,
    column: ColumnDef,
) -> Result<(), DbErr> {
    manager
        .alter_table(
            Table::alter()
                .table(table)
                .add_column(column.to_owned())
                .to_owned(),
        )
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_column(manager, "service", integer_null("revision_of_id")).await?;
        add_column(manager, "channel", integer_null("replaces_id")).await?;
        for table in ["jurisdiction", "agency", "life_event", "criterion"] {
            add_column(manager, table, integer("version").default(1).to_owned()).await?;
        }
        for (old, new, columns) in [
            ("ux_service_slug", "ux_service_slug_live", "slug"),
            (
                "ux_service_agency_id_external_id",
                "ux_service_agency_id_external_id_live",
                "agency_id, external_id",
            ),
        ] {
            manager
                .drop_index(Index::drop().name(old).table("service").to_owned())
                .await?;
            manager
                .get_connection()
                .execute_unprepared(&format!(
                    "CREATE UNIQUE INDEX {new} ON service ({columns}) WHERE revision_of_id IS NULL"
                ))
                .await?;
        }
        crate::indexes::create_indexes(
            manager,
            "service",
            &[(true, &["revision_of_id"]), (false, &["slug"])],
        )
        .await?;
        crate::indexes::create_indexes(manager, "channel", &[(false, &["replaces_id"])]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table) in [
            ("ix_channel_replaces_id", "channel"),
            ("ix_service_slug", "service"),
            ("ux_service_revision_of_id", "service"),
            ("ux_service_slug_live", "service"),
            ("ux_service_agency_id_external_id_live", "service"),
        ] {
            manager
                .drop_index(Index::drop().name(name).table(table).to_owned())
                .await?;
        }
        crate::indexes::create_indexes(
            manager,
            "service",
            &[(true, &["slug"]), (true, &["agency_id", "external_id"])],
        )
        .await?;
        for (table, column) in [
            ("criterion", "version"),
            ("life_event", "version"),
            ("agency", "version"),
            ("jurisdiction", "version"),
            ("channel", "replaces_id"),
            ("service", "revision_of_id"),
        ] {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
