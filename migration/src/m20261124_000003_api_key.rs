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
        for (name, columns, unique) in [
            ("ux_api_key_token_hash", vec!["token_hash"], true),
            ("ix_api_key_agency_id", vec!["agency_id"], false),
            ("ix_api_key_role", vec!["role"], false),
        ] {
            let mut index = Index::create();
            index.name(name).table("api_key");
            for column in columns {
                index.col(column);
            }
            if unique {
                index.unique();
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("api_key").to_owned())
            .await
    }
}
