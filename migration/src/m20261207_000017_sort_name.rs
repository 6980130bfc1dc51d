//! Names that sort as people expect: `sort_name`, the name with ASCII letters in lower case,
//! on services, agencies and life events, computed by the database itself (a generated
//! column), so every write path keeps it without knowing of it. Lists are ordered and paged
//! by `(sort_name, id)` compared byte by byte (`COLLATE "C"` on PostgreSQL, SQLite's
//! default), the order the in-memory snapshot uses, so "NYC Care" sorts among the other
//! "n" names on both databases, whatever the database's own collation.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables whose `name` gets a sort key.
const TABLES: [&str; 3] = ["service", "agency", "life_event"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let connection = manager.get_connection();
        for table in TABLES {
            let column = match manager.get_database_backend() {
                DbBackend::Postgres => {
                    r#"sort_name text COLLATE "C" GENERATED ALWAYS AS (lower(name COLLATE "C")) STORED"#
                }
                // SQLite's lower() changes ASCII letters only, as "C" does above; an added
                // generated column must be virtual there.
                _ => "sort_name TEXT GENERATED ALWAYS AS (lower(name)) VIRTUAL",
            };
            connection
                .execute_unprepared(&format!("ALTER TABLE {table} ADD COLUMN {column}"))
                .await?;
            connection
                .execute_unprepared(&format!(
                    "CREATE INDEX ix_{table}_sort_name_id ON {table} (sort_name, id)"
                ))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let connection = manager.get_connection();
        for table in TABLES {
            connection
                .execute_unprepared(&format!("DROP INDEX ix_{table}_sort_name_id"))
                .await?;
            connection
                .execute_unprepared(&format!("ALTER TABLE {table} DROP COLUMN sort_name"))
                .await?;
        }
        Ok(())
    }
}
