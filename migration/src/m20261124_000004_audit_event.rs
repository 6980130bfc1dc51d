//! The audit trail: who did what to which record, when, with the record before and after.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("audit_event")
                    .col(pk_auto("id"))
                    .col(integer_null("api_key_id"))
                    .col(string("principal"))
                    .col(string_len("action", 64))
                    .col(string_len("record_type", 32))
                    .col(integer("record_id"))
                    .col(integer_null("agency_id"))
                    .col(text_null("before"))
                    .col(text_null("after"))
                    .col(text_null("comment"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_audit_event_api_key_id")
                            .from("audit_event", "api_key_id")
                            .to("api_key", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        crate::indexes::create_indexes(
            manager,
            "audit_event",
            &[
                (false, &["record_type", "record_id"]),
                (false, &["api_key_id"]),
                (false, &["agency_id"]),
                (false, &["created_at"]),
            ],
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("audit_event").to_owned())
            .await
    }
}
