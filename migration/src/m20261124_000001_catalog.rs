//! The catalog graph: jurisdictions, agencies, services and their channels, life events and
//! journey stages, the links between them, eligibility structure, taxonomy and languages.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A foreign key from `table.column` to `target.id`, named `fk_<table>_<column>`.
fn fk(
    table: &'static str,
    column: &'static str,
    target: &'static str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(table, column)
        .to(target, "id")
        .on_delete(if target == "service" {
            ForeignKeyAction::Cascade
        } else {
            ForeignKeyAction::Restrict
        })
        .to_owned()
}

/// The `id` primary key every table has.
fn id() -> ColumnDef {
    pk_auto("id")
}

/// A table: its create statement, then the indexes it needs (`(unique, columns)`).
struct Spec {
    create: TableCreateStatement,
    indexes: Vec<(bool, Vec<&'static str>)>,
}

fn spec(create: &mut TableCreateStatement, indexes: Vec<(bool, Vec<&'static str>)>) -> Spec {
    Spec {
        create: create.to_owned(),
        indexes,
    }
}

fn tables() -> Vec<(&'static str, Spec)> {
    let ts = || timestamp_with_time_zone("created_at");
    let ts_up = || timestamp_with_time_zone("updated_at");
    vec![
        (
            "jurisdiction",
            spec(
                Table::create()
                    .table("jurisdiction")
                    .col(id())
                    .col(string_len("code", 32))
                    .col(string("name"))
                    .col(string_len("kind", 16))
                    .col(integer_null("parent_id"))
                    .foreign_key(&mut fk("jurisdiction", "parent_id", "jurisdiction")),
                vec![
                    (true, vec!["code"]),
                    (false, vec!["parent_id"]),
                    (false, vec!["kind"]),
                ],
            ),
        ),
        (
            "agency",
            spec(
                Table::create()
                    .table("agency")
                    .col(id())
                    .col(string_len("slug", 100))
                    .col(string("name"))
                    .col(string_len_null("acronym", 32))
                    .col(integer("jurisdiction_id"))
                    .col(integer_null("parent_id"))
                    .col(string_len_null("website", 2048))
                    .col(string_len_null("phone", 32))
                    .col(text("description"))
                    .col(ts())
                    .col(ts_up())
                    .foreign_key(&mut fk("agency", "jurisdiction_id", "jurisdiction"))
                    .foreign_key(&mut fk("agency", "parent_id", "agency")),
                vec![
                    (true, vec!["slug"]),
                    (false, vec!["jurisdiction_id"]),
                    (false, vec!["parent_id"]),
                    (false, vec!["name"]),
                ],
            ),
        ),
        (
            "cssp_designation",
            spec(
                Table::create()
                    .table("cssp_designation")
                    .col(id())
                    .col(integer("agency_id"))
                    .col(date("designated_on"))
                    .col(boolean("large_customer_base"))
                    .col(boolean("high_impact"))
                    .col(string_null("cx_lead_name"))
                    .col(string_len_null("cx_lead_email", 254))
                    .col(text_null("source"))
                    .foreign_key(&mut fk("cssp_designation", "agency_id", "agency")),
                vec![(true, vec!["agency_id"])],
            ),
        ),
        (
            "service",
            spec(
                Table::create()
                    .table("service")
                    .col(id())
                    .col(string_len("slug", 100))
                    .col(string("name"))
                    .col(text("summary"))
                    .col(text("description"))
                    .col(integer("agency_id"))
                    .col(text_null("eligibility_summary"))
                    .col(text_null("fees"))
                    .col(string_null("processing_time"))
                    .col(string_len("status", 16))
                    .col(integer("version"))
                    .col(ts())
                    .col(ts_up())
                    .col(timestamp_with_time_zone_null("published_at"))
                    .col(timestamp_with_time_zone_null("deleted_at"))
                    .foreign_key(&mut fk("service", "agency_id", "agency")),
                vec![
                    (true, vec!["slug"]),
                    (false, vec!["agency_id"]),
                    (false, vec!["status", "deleted_at"]),
                    (false, vec!["updated_at"]),
                    (false, vec!["name"]),
                ],
            ),
        ),
        (
            "service_partner",
            spec(
                Table::create()
                    .table("service_partner")
                    .col(id())
                    .col(integer("service_id"))
                    .col(integer("agency_id"))
                    .foreign_key(&mut fk("service_partner", "service_id", "service"))
                    .foreign_key(&mut fk("service_partner", "agency_id", "agency")),
                vec![
                    (true, vec!["service_id", "agency_id"]),
                    (false, vec!["agency_id"]),
                ],
            ),
        ),
        (
            "service_jurisdiction",
            spec(
                Table::create()
                    .table("service_jurisdiction")
                    .col(id())
                    .col(integer("service_id"))
                    .col(integer("jurisdiction_id"))
                    .foreign_key(&mut fk("service_jurisdiction", "service_id", "service"))
                    .foreign_key(&mut fk(
                        "service_jurisdiction",
                        "jurisdiction_id",
                        "jurisdiction",
                    )),
                vec![
                    (true, vec!["service_id", "jurisdiction_id"]),
                    (false, vec!["jurisdiction_id"]),
                ],
            ),
        ),
        (
            "channel",
            spec(
                Table::create()
                    .table("channel")
                    .col(id())
                    .col(integer("service_id"))
                    .col(string_len("kind", 32))
                    .col(string_len("category", 16))
                    .col(string("label"))
                    .col(string_len_null("url", 2048))
                    .col(string_len_null("phone", 32))
                    .col(string_len_null("email", 254))
                    .col(text_null("address"))
                    .col(string_null("hours"))
                    .col(string_null("languages"))
                    .col(text_null("accessibility"))
                    .col(integer("position"))
                    .foreign_key(&mut fk("channel", "service_id", "service")),
                vec![(false, vec!["service_id"]), (false, vec!["kind"])],
            ),
        ),
        (
            "life_event",
            spec(
                Table::create()
                    .table("life_event")
                    .col(id())
                    .col(string_len("slug", 100))
                    .col(string("name"))
                    .col(text("description"))
                    .col(string_null("eu_code"))
                    .col(ts())
                    .col(ts_up()),
                vec![(true, vec!["slug"]), (false, vec!["name"])],
            ),
        ),
        (
            "life_event_relation",
            spec(
                Table::create()
                    .table("life_event_relation")
                    .col(id())
                    .col(integer("life_event_id"))
                    .col(integer("related_life_event_id"))
                    .col(text("reason"))
                    .foreign_key(&mut fk(
                        "life_event_relation",
                        "life_event_id",
                        "life_event",
                    ))
                    .foreign_key(&mut fk(
                        "life_event_relation",
                        "related_life_event_id",
                        "life_event",
                    )),
                vec![
                    (true, vec!["life_event_id", "related_life_event_id"]),
                    (false, vec!["related_life_event_id"]),
                ],
            ),
        ),
        (
            "journey_stage",
            spec(
                Table::create()
                    .table("journey_stage")
                    .col(id())
                    .col(integer("life_event_id"))
                    .col(integer("position"))
                    .col(string_len("slug", 100))
                    .col(string("name"))
                    .col(text("description"))
                    .foreign_key(&mut fk("journey_stage", "life_event_id", "life_event")),
                vec![(true, vec!["life_event_id", "slug"])],
            ),
        ),
        (
            "life_event_service",
            spec(
                Table::create()
                    .table("life_event_service")
                    .col(id())
                    .col(integer("life_event_id"))
                    .col(integer("journey_stage_id"))
                    .col(integer("service_id"))
                    .col(string_len("relevance", 16))
                    .col(text("reason"))
                    .col(integer("position"))
                    .foreign_key(&mut fk("life_event_service", "life_event_id", "life_event"))
                    .foreign_key(&mut fk(
                        "life_event_service",
                        "journey_stage_id",
                        "journey_stage",
                    ))
                    .foreign_key(&mut fk("life_event_service", "service_id", "service")),
                vec![
                    (true, vec!["life_event_id", "service_id"]),
                    (false, vec!["journey_stage_id"]),
                    (false, vec!["service_id"]),
                    (false, vec!["relevance"]),
                ],
            ),
        ),
        (
            "service_relation",
            spec(
                Table::create()
                    .table("service_relation")
                    .col(id())
                    .col(integer("service_id"))
                    .col(integer("related_service_id"))
                    .col(string_len("kind", 16))
                    .col(text("reason"))
                    .foreign_key(&mut fk("service_relation", "service_id", "service"))
                    .foreign_key(&mut fk("service_relation", "related_service_id", "service")),
                vec![
                    (true, vec!["service_id", "related_service_id", "kind"]),
                    (false, vec!["related_service_id"]),
                    (false, vec!["kind"]),
                ],
            ),
        ),
        (
            "criterion",
            spec(
                Table::create()
                    .table("criterion")
                    .col(id())
                    .col(string_len("key", 100))
                    .col(string("label"))
                    .col(text("description"))
                    .col(string_len("kind", 16))
                    .col(text_null("options"))
                    .col(string_len_null("unit", 32)),
                vec![(true, vec!["key"]), (false, vec!["kind"])],
            ),
        ),
        (
            "eligibility_rule_group",
            spec(
                Table::create()
                    .table("eligibility_rule_group")
                    .col(id())
                    .col(integer("service_id"))
                    .col(string_len("mode", 8))
                    .col(integer("position"))
                    .col(text_null("description"))
                    .foreign_key(&mut fk("eligibility_rule_group", "service_id", "service")),
                vec![(false, vec!["service_id"])],
            ),
        ),
        (
            "eligibility_rule",
            spec(
                Table::create()
                    .table("eligibility_rule")
                    .col(id())
                    .col(integer("group_id"))
                    .col(integer("service_id"))
                    .col(integer("criterion_id"))
                    .col(string_len("operator", 32))
                    .col(text("value"))
                    .col(integer("position"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_eligibility_rule_group_id")
                            .from("eligibility_rule", "group_id")
                            .to("eligibility_rule_group", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut fk("eligibility_rule", "service_id", "service"))
                    .foreign_key(&mut fk("eligibility_rule", "criterion_id", "criterion")),
                vec![
                    (false, vec!["group_id"]),
                    (false, vec!["service_id"]),
                    (false, vec!["criterion_id"]),
                ],
            ),
        ),
        (
            "taxonomy_term",
            spec(
                Table::create()
                    .table("taxonomy_term")
                    .col(id())
                    .col(string_len("scheme", 64))
                    .col(string_len("code", 100))
                    .col(string("name"))
                    .col(integer_null("parent_id"))
                    .foreign_key(&mut fk("taxonomy_term", "parent_id", "taxonomy_term")),
                vec![(true, vec!["scheme", "code"]), (false, vec!["parent_id"])],
            ),
        ),
        (
            "service_taxonomy_term",
            spec(
                Table::create()
                    .table("service_taxonomy_term")
                    .col(id())
                    .col(integer("service_id"))
                    .col(integer("taxonomy_term_id"))
                    .foreign_key(&mut fk("service_taxonomy_term", "service_id", "service"))
                    .foreign_key(&mut fk(
                        "service_taxonomy_term",
                        "taxonomy_term_id",
                        "taxonomy_term",
                    )),
                vec![
                    (true, vec!["service_id", "taxonomy_term_id"]),
                    (false, vec!["taxonomy_term_id"]),
                ],
            ),
        ),
        (
            "required_document",
            spec(
                Table::create()
                    .table("required_document")
                    .col(id())
                    .col(integer("service_id"))
                    .col(string("name"))
                    .col(text_null("description"))
                    .col(integer("position"))
                    .foreign_key(&mut fk("required_document", "service_id", "service")),
                vec![(false, vec!["service_id"])],
            ),
        ),
        (
            "language",
            spec(
                Table::create()
                    .table("language")
                    .col(id())
                    .col(string_len("code", 16))
                    .col(string("name")),
                vec![(true, vec!["code"])],
            ),
        ),
        (
            "service_language",
            spec(
                Table::create()
                    .table("service_language")
                    .col(id())
                    .col(integer("service_id"))
                    .col(integer("language_id"))
                    .foreign_key(&mut fk("service_language", "service_id", "service"))
                    .foreign_key(&mut fk("service_language", "language_id", "language")),
                vec![
                    (true, vec!["service_id", "language_id"]),
                    (false, vec!["language_id"]),
                ],
            ),
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, spec) in tables() {
            manager.create_table(spec.create).await?;
            let indexes: Vec<(bool, &[&'static str])> = spec
                .indexes
                .iter()
                .map(|(unique, columns)| (*unique, columns.as_slice()))
                .collect();
            crate::indexes::create_indexes(manager, table, &indexes).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, _) in tables().into_iter().rev() {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
