//! The monthly rollups of residents' feedback (`feedback_month`): one row per service,
//! channel kind and month with the counts and sums the experience reads need. Every
//! reporting period is a whole number of months, so a read sums a few rows per service
//! whatever the number of responses. Each submission adds itself to its month in the same
//! transaction; a bulk load (the synthetic set, a benchmark) rebuilds them all in one
//! statement.

use chrono::Datelike;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, Iterable,
    QueryFilter, QuerySelect, QueryTrait, Select, Set, TransactionTrait,
};

use crate::catalog::Catalog;
use crate::catalog::error::CatalogResult;
use crate::catalog::experience::Period;
use crate::catalog::types::CxDriver;
use crate::entity::{feedback, feedback_month};

/// The columns that count or sum (every column but the key).
fn counted() -> impl Iterator<Item = feedback_month::Column> {
    use feedback_month::Column as C;
    C::iter().filter(|c| !matches!(c, C::Id | C::ServiceId | C::ChannelKind | C::Month))
}

/// `row` as its own month's rollup: the counts one response adds.
fn increments(row: &feedback::Model) -> feedback_month::ActiveModel {
    let n = |yes: bool| Set(i64::from(yes));
    let s = i64::from(row.satisfaction);
    let t = row.trust.map(i64::from);
    let p = |d: CxDriver| n(row.positive_drivers.0.contains(&d));
    let m = |d: CxDriver| n(row.negative_drivers.0.contains(&d));
    feedback_month::ActiveModel {
        id: NotSet,
        service_id: Set(row.service_id),
        channel_kind: Set(row.channel_kind),
        month: Set(row.submitted_on.with_day(1).unwrap_or(row.submitted_on)),
        responses: Set(1),
        satisfaction_sum: Set(s),
        satisfied: n(s >= 4),
        trust_count: n(t.is_some()),
        trust_sum: Set(t.unwrap_or(0)),
        synthetic: n(row.synthetic),
        s1: n(s == 1),
        s2: n(s == 2),
        s3: n(s == 3),
        s4: n(s == 4),
        s5: n(s == 5),
        t1: n(t == Some(1)),
        t2: n(t == Some(2)),
        t3: n(t == Some(3)),
        t4: n(t == Some(4)),
        t5: n(t == Some(5)),
        p_effectiveness: p(CxDriver::Effectiveness),
        n_effectiveness: m(CxDriver::Effectiveness),
        p_ease: p(CxDriver::Ease),
        n_ease: m(CxDriver::Ease),
        p_efficiency: p(CxDriver::Efficiency),
        n_efficiency: m(CxDriver::Efficiency),
        p_transparency: p(CxDriver::Transparency),
        n_transparency: m(CxDriver::Transparency),
        p_employee: p(CxDriver::Employee),
        n_employee: m(CxDriver::Employee),
        p_humanity: p(CxDriver::Humanity),
        n_humanity: m(CxDriver::Humanity),
    }
}

/// Adds `row` to its month's rollup, inside the transaction that stored it.
pub(crate) async fn add(db: &impl ConnectionTrait, row: &feedback::Model) -> CatalogResult<()> {
    use feedback_month::Column as C;
    let excluded = Alias::new("excluded");
    let mut on_conflict = OnConflict::columns([C::ServiceId, C::ChannelKind, C::Month]);
    on_conflict.values(counted().map(|c| {
        let added = Expr::col((feedback_month::Entity, c)).add(Expr::col((excluded.clone(), c)));
        (c, added)
    }));
    feedback_month::Entity::insert(increments(row))
        .on_conflict(on_conflict)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Rolls every feedback row up again, inside `db`'s transaction.
pub(crate) async fn rebuild(db: &impl ConnectionTrait) -> CatalogResult<()> {
    feedback_month::Entity::delete_many().exec(db).await?;
    let month = match db.get_database_backend() {
        DbBackend::Postgres => "CAST(date_trunc('month', submitted_on) AS DATE)",
        _ => "date(submitted_on, 'start of month')",
    };
    db.execute_unprepared(&migration::feedback_month_rollup_sql(month))
        .await?;
    Ok(())
}

/// The rollups of `period`, grouped by `column` (selected first), with each group's
/// [`crate::catalog::experience::Sums`] after it.
pub(crate) fn sums_by(
    column: feedback_month::Column,
    period: Period,
) -> Select<feedback_month::Entity> {
    let sum = |c: &str| Expr::cust(format!("CAST(SUM({c}) AS BIGINT)"));
    feedback_month::Entity::find()
        .select_only()
        .column(column)
        .column_as(sum("responses"), "responses")
        .column_as(sum("satisfaction_sum"), "satisfaction")
        .column_as(sum("satisfied"), "satisfied")
        .column_as(sum("trust_count"), "trust_count")
        .column_as(sum("trust_sum"), "trust")
        .filter(in_period(period))
        .group_by(column)
}

/// The rollups' condition for `period`.
pub(crate) fn in_period(period: Period) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(feedback_month::Column::Month.gte(period.start))
        .add(feedback_month::Column::Month.lt(period.end))
}

/// `CAST(SUM(column) AS BIGINT)`, for reading a rollup column's total.
pub(crate) fn total(column: &str) -> sea_orm::sea_query::SimpleExpr {
    Expr::cust(format!("CAST(SUM({column}) AS BIGINT)"))
}

/// Which services a read over many of them covers: a few by id, or every published
/// service of some agencies (a subquery the database joins, where a list of thousands of
/// ids would be tested row by row).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Services<'a> {
    /// These services.
    Ids(&'a [i32]),
    /// Every published service of these agencies.
    OfAgencies(&'a [i32]),
}

impl Services<'_> {
    /// The condition that `column` (a service id) names one of these services.
    pub(crate) fn condition(self, column: impl ColumnTrait) -> sea_orm::Condition {
        use crate::entity::service;
        let condition = sea_orm::Condition::all();
        match self {
            Self::Ids(ids) => condition.add(column.is_in(ids.iter().copied())),
            Self::OfAgencies(agencies) => condition.add(
                column.in_subquery(
                    service::Entity::find()
                        .select_only()
                        .column(service::Column::Id)
                        .filter(service::Column::AgencyId.is_in(agencies.iter().copied()))
                        .filter(crate::catalog::service::published())
                        .filter(service::Column::RevisionOfId.is_null())
                        .into_query(),
                ),
            ),
        }
    }
}

impl Catalog {
    /// Rolls every feedback row up again (after feedback was written in bulk, not through
    /// [`Catalog::submit_feedback`]).
    pub async fn rebuild_feedback_months(&self) -> CatalogResult<()> {
        let txn = self.db.begin().await?;
        rebuild(&txn).await?;
        txn.commit().await?;
        Ok(())
    }
}
