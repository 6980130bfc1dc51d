//! Voice of the Customer: residents' feedback on a service through one of its channels,
//! optionally at a stage of a life event. Nothing in a row identifies the resident: no
//! address, no account, only the day it was given; comments are stored redacted.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(column: &'static str, to: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_feedback_{column}"))
        .from("feedback", column)
        .to(to, "id")
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("feedback")
                    .col(pk_auto("id"))
                    .col(integer("service_id"))
                    .col(string_len("channel_kind", 32))
                    .col(integer_null("life_event_id"))
                    .col(integer_null("journey_stage_id"))
                    .col(small_integer("satisfaction"))
                    .col(small_integer_null("trust"))
                    .col(string_len("positive_drivers", 128).default(""))
                    .col(string_len("negative_drivers", 128).default(""))
                    .col(string_len_null("entry_point", 32))
                    .col(text_null("comment"))
                    .col(string_len("language", 16))
                    .col(string_len_null("page_url", 2048))
                    .col(date("submitted_on"))
                    .foreign_key(&mut fk("service_id", "service"))
                    .foreign_key(&mut fk("life_event_id", "life_event"))
                    .foreign_key(&mut fk("journey_stage_id", "journey_stage"))
                    .to_owned(),
            )
            .await?;
        crate::indexes::create_indexes(
            manager,
            "feedback",
            &[
                (false, &["service_id", "submitted_on"]),
                (false, &["life_event_id", "submitted_on"]),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("feedback").to_owned())
            .await
    }
}
