//! Database migrations for civic-catalog. One file per migration; a landed migration is
//! never edited, only followed by a new one. The same migrations run on SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod indexes;
mod m20261124_000001_catalog;
mod m20261124_000002_catalog_revision;
mod m20261124_000003_api_key;
mod m20261124_000004_audit_event;
mod m20261124_000005_service_external_id;
mod m20261125_000006_editing;
mod m20261202_000007_public_revision;
mod m20261202_000008_feedback;
mod m20261202_000009_ux_metrics;
mod m20261203_000010_synthetic_experience;
mod m20261203_000011_feedback_month;
mod m20261203_000012_reference_tables;
mod m20261203_000013_public_change;
mod m20261203_000014_agency_month;
mod m20261203_000015_future_dates;
mod m20261207_000016_agency_checks;
mod m20261207_000017_sort_name;

pub use m20261203_000011_feedback_month::{
    COUNTS as FEEDBACK_MONTH_COUNTS, rollup_sql as feedback_month_rollup_sql,
};
pub use m20261203_000014_agency_month::{
    TRANSACTIONS as UX_AGENCY_MONTH_COUNTS, feedback_rollup_sql as feedback_agency_rollup_sql,
    ux_rollup_sql as ux_agency_rollup_sql,
};

/// Every migration, in the order it runs.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_catalog::Migration),
            Box::new(m20261124_000002_catalog_revision::Migration),
            Box::new(m20261124_000003_api_key::Migration),
            Box::new(m20261124_000004_audit_event::Migration),
            Box::new(m20261124_000005_service_external_id::Migration),
            Box::new(m20261125_000006_editing::Migration),
            Box::new(m20261202_000007_public_revision::Migration),
            Box::new(m20261202_000008_feedback::Migration),
            Box::new(m20261202_000009_ux_metrics::Migration),
            Box::new(m20261203_000010_synthetic_experience::Migration),
            Box::new(m20261203_000011_feedback_month::Migration),
            Box::new(m20261203_000012_reference_tables::Migration),
            Box::new(m20261203_000013_public_change::Migration),
            Box::new(m20261203_000014_agency_month::Migration),
            Box::new(m20261203_000015_future_dates::Migration),
            Box::new(m20261207_000016_agency_checks::Migration),
            Box::new(m20261207_000017_sort_name::Migration),
        ]
    }
}
