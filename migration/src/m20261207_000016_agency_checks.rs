//! What the agency checks that a pre-screen cannot (`service.agency_checks`): short
//! phrases such as "net income after deductions" or "immigration status". A service with
//! any is never called eligible from its rules alone: when every rule group is met the
//! verdict is "likely eligible", with these named.
//!
//! And the program a service is a listing of (`service.program`): offices that deliver the
//! same program (SNAP through the state and through New York City) share the key, so a
//! resident is shown the one that serves them, with the others named.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one change per ALTER TABLE.
        for column in [
            json("agency_checks").default("[]").to_owned(),
            string_null("program"),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table("service")
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["agency_checks", "program"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("service")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
