//! API keys: who may call the authenticated parts of the API. Only a hash of each token is
//! stored; the prefix lets people tell keys apart without revealing them.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("api_key")
                    .col(pk_auto("id"))
                    .col(string("name"))
                    .col(string_len("role", 16))
                    .col(integer_null("agency_id"))
                    .col(string_len("prefix", 16))
                    .col(string_len("token_hash", 64))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_key_agency_id")
                            .from("api_key", "agency_id")
                            .to("agency", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        crate::indexes::create_indexes(
            manager,
            "api_key",
            &[
                (true, &["token_hash"]),
                (false, &["agency_id"]),
                (false, &["role"]),
            ],
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("api_key").to_owned())
            .await
    }
}
