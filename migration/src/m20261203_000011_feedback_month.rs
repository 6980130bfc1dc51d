//! Monthly rollups of residents' feedback: one row per service, channel kind and calendar
//! month, holding the counts and sums every experience read needs (responses, satisfaction
//! and trust sums and counts per answer, each A-11 driver's mentions, synthetic rows), kept
//! in step with `feedback` by the write that inserts into it. Every reporting period is a
//! whole number of months, so the reads sum a few rows per service instead of scanning
//! every response. Existing feedback is rolled up here.

use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The counted columns, after the key.
pub const COUNTS: [&str; 28] = [
    "responses",
    "satisfaction_sum",
    "satisfied",
    "trust_count",
    "trust_sum",
    "synthetic",
    "s1",
    "s2",
    "s3",
    "s4",
    "s5",
    "t1",
    "t2",
    "t3",
    "t4",
    "t5",
    "p_effectiveness",
    "n_effectiveness",
    "p_ease",
    "n_ease",
    "p_efficiency",
    "n_efficiency",
    "p_transparency",
    "n_transparency",
    "p_employee",
    "n_employee",
    "p_humanity",
    "n_humanity",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut table = Table::create();
        table
            .table("feedback_month")
            .col(pk_auto("id"))
            .col(integer("service_id"))
            .col(string_len("channel_kind", 32))
            .col(date("month"));
        for column in COUNTS {
            table.col(big_integer(column).default(0));
        }
        table.foreign_key(
            ForeignKey::create()
                .name("fk_feedback_month_service_id")
                .from("feedback_month", "service_id")
                .to("service", "id")
                .on_delete(ForeignKeyAction::Cascade),
        );
        manager.create_table(table.to_owned()).await?;
        crate::indexes::create_indexes(
            manager,
            "feedback_month",
            &[
                (true, &["service_id", "channel_kind", "month"]),
                (false, &["month", "service_id"]),
            ],
        )
        .await?;
        // Reads over many services (an agency's, every CSSP's) take a period's months first.
        crate::indexes::create_indexes(manager, "ux_metric", &[(false, &["month", "service_id"])])
            .await?;
        let month = match manager.get_database_backend() {
            DbBackend::Postgres => "CAST(date_trunc('month', submitted_on) AS DATE)",
            _ => "date(submitted_on, 'start of month')",
        };
        manager
            .get_connection()
            .execute_unprepared(&rollup_sql(month))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_ux_metric_month_service_id")
                    .table("ux_metric")
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table("feedback_month").to_owned())
            .await
    }
}

/// The statement that rolls every feedback row up by service, channel kind and month
/// (`month` is the database's expression for a row's first day of the month). The
/// application runs the same statement to rebuild the rollups after a bulk load. Rows go in
/// month by month, as they would as the months pass, so a period's rows sit together.
pub fn rollup_sql(month: &str) -> String {
    let count = |condition: &str| format!("SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)");
    let mut columns = vec![
        "COUNT(*)".to_owned(),
        "SUM(satisfaction)".to_owned(),
        count("satisfaction >= 4"),
        "COUNT(trust)".to_owned(),
        "COALESCE(SUM(trust), 0)".to_owned(),
        count("synthetic"),
    ];
    for answer in 1..=5 {
        columns.push(count(&format!("satisfaction = {answer}")));
    }
    for answer in 1..=5 {
        columns.push(count(&format!("trust = {answer}")));
    }
    for driver in [
        "EFFECTIVENESS",
        "EASE",
        "EFFICIENCY",
        "TRANSPARENCY",
        "EMPLOYEE",
        "HUMANITY",
    ] {
        for column in ["positive_drivers", "negative_drivers"] {
            columns.push(count(&format!(
                "',' || {column} || ',' LIKE '%,{driver},%'"
            )));
        }
    }
    format!(
        "INSERT INTO feedback_month (service_id, channel_kind, month, {}) \
         SELECT service_id, channel_kind, {month}, {} FROM feedback \
         GROUP BY service_id, channel_kind, {month} ORDER BY {month}",
        COUNTS.join(", "),
        columns.join(", ")
    )
}
