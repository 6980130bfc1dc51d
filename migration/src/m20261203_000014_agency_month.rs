//! Monthly rollups per agency: `feedback_agency_month` (the same counts and sums as
//! `feedback_month`, over every service of the agency and every channel) and
//! `ux_agency_month` (the transactions its systems counted). The CSSP scorecard and an
//! agency's experience read a few rows per agency whatever the number of its services;
//! `feedback_month` and `ux_metric` stay the source, and the writes that change them keep
//! these in step. Existing figures are rolled up here.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261203_000011_feedback_month::COUNTS;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The transaction counts of `ux_agency_month`, after the key.
pub const TRANSACTIONS: [&str; 4] = ["started", "completed", "failed", "abandoned"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, counts) in [
            ("feedback_agency_month", &COUNTS[..]),
            ("ux_agency_month", &TRANSACTIONS[..]),
        ] {
            let mut table = Table::create();
            table
                .table(name)
                .col(pk_auto("id"))
                .col(integer("agency_id"))
                .col(date("month"));
            for column in counts {
                table.col(big_integer(*column).default(0));
            }
            table.foreign_key(
                ForeignKey::create()
                    .name(format!("fk_{name}_agency_id"))
                    .from(name, "agency_id")
                    .to("agency", "id")
                    .on_delete(ForeignKeyAction::Cascade),
            );
            manager.create_table(table.to_owned()).await?;
            crate::indexes::create_indexes(manager, name, &[(true, &["agency_id", "month"])])
                .await?;
        }
        let db = manager.get_connection();
        db.execute_unprepared(&feedback_rollup_sql(None)).await?;
        db.execute_unprepared(&ux_rollup_sql(None)).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in ["ux_agency_month", "feedback_agency_month"] {
            manager
                .drop_table(Table::drop().table(name).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// `INSERT INTO table (agency_id, month, counts) SELECT` each agency's monthly sums of
/// `source`'s `counts` (a table with `service_id` and `month`), for every agency and month,
/// or for one agency and month (`(agency_id, 'YYYY-MM-01')`, the caller's trusted values).
fn rollup_sql(table: &str, source: &str, counts: &[&str], only: Option<(i32, &str)>) -> String {
    let sums: Vec<String> = counts.iter().map(|c| format!("SUM(r.{c})")).collect();
    let filter = only.map_or(String::new(), |(agency, month)| {
        format!(" WHERE s.agency_id = {agency} AND r.month = '{month}'")
    });
    format!(
        "INSERT INTO {table} (agency_id, month, {}) \
         SELECT s.agency_id, r.month, {} FROM {source} r JOIN service s ON s.id = r.service_id\
         {filter} GROUP BY s.agency_id, r.month ORDER BY r.month",
        counts.join(", "),
        sums.join(", ")
    )
}

/// Rolls `feedback_month` up by agency and month (all of it, or one agency's month).
pub fn feedback_rollup_sql(only: Option<(i32, &str)>) -> String {
    rollup_sql("feedback_agency_month", "feedback_month", &COUNTS, only)
}

/// Rolls `ux_metric` up by agency and month (all of it, or one agency's month).
pub fn ux_rollup_sql(only: Option<(i32, &str)>) -> String {
    rollup_sql("ux_agency_month", "ux_metric", &TRANSACTIONS, only)
}
