//! The monthly rollups of residents' feedback (`feedback_month`): one row per service,
//! channel kind and month with the counts and sums the experience reads need. Every
//! reporting period is a whole number of months, so a read sums a few rows per service
//! whatever the number of responses. Each submission adds itself to its month in the same
//! transaction; a bulk load (the synthetic set, a benchmark) rebuilds them all in one
//! statement.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait,
    IdenStatic, Iterable, QueryFilter, QuerySelect, Select, Set, TransactionTrait,
};

use crate::catalog::Catalog;
use crate::catalog::error::{CatalogError, CatalogResult};
use crate::catalog::experience::Period;
use crate::catalog::types::{ChannelKind, CxDriver};
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

/// The counts one response adds to its month, in [`counted`]'s order.
fn counts(row: &feedback::Model) -> Vec<i64> {
    let increments = increments(row);
    counted()
        .map(|c| match increments.get(c).into_value() {
            Some(sea_orm::Value::BigInt(Some(n))) => n,
            _ => 0,
        })
        .collect()
}

/// Adds `into` to `sum`, column by column.
fn add_counts(sum: &mut [i64], more: &[i64]) {
    for (total, n) in sum.iter_mut().zip(more) {
        *total += n;
    }
}

/// Adds `rows` (each response with its service's agency) to their months' rollups, their
/// services' and their agencies', inside the transaction that stores them. Responses that
/// share a row are summed first, so each rollup row is written once, and rows are written
/// in key order, so two batches committing at once lock them in the same order.
pub(crate) async fn add_all<'a>(
    db: &impl ConnectionTrait,
    rows: impl IntoIterator<Item = (&'a feedback::Model, i32)>,
) -> CatalogResult<()> {
    use feedback_month::Column as C;
    let mut services: BTreeMap<(i32, ChannelKind, NaiveDate), Vec<i64>> = BTreeMap::new();
    let mut agencies: BTreeMap<(i32, NaiveDate), Vec<i64>> = BTreeMap::new();
    for (row, agency_id) in rows {
        let month = row.submitted_on.with_day(1).unwrap_or(row.submitted_on);
        let counts = counts(row);
        let zero = || vec![0; counts.len()];
        add_counts(
            services
                .entry((row.service_id, row.channel_kind, month))
                .or_insert_with(zero),
            &counts,
        );
        add_counts(
            agencies.entry((agency_id, month)).or_insert_with(zero),
            &counts,
        );
    }
    if services.is_empty() {
        return Ok(());
    }
    let excluded = Alias::new("excluded");
    let mut on_conflict = OnConflict::columns([C::ServiceId, C::ChannelKind, C::Month]);
    on_conflict.values(counted().map(|c| {
        let added = Expr::col((feedback_month::Entity, c)).add(Expr::col((excluded.clone(), c)));
        (c, added)
    }));
    let mut models = Vec::with_capacity(services.len());
    for ((service_id, channel_kind, month), sums) in &services {
        let mut model = feedback_month::ActiveModel {
            id: NotSet,
            service_id: Set(*service_id),
            channel_kind: Set(*channel_kind),
            month: Set(*month),
            ..Default::default()
        };
        for (column, sum) in counted().zip(sums) {
            model.try_set(column, sea_orm::Value::BigInt(Some(*sum)))?;
        }
        models.push(model);
    }
    feedback_month::Entity::insert_many(models)
        .on_conflict(on_conflict)
        .exec_without_returning(db)
        .await?;
    let columns: Vec<&'static str> = counted().map(|c| c.as_str()).collect();
    let agencies: Vec<_> = agencies.into_iter().collect();
    add_to_agency_months(db, AGENCY_MONTH, &columns, &agencies).await
}

/// Adds each row's counts (one per column of `columns`) to its agency's row of its month
/// in the agency rollup `table`, creating the rows, inside the caller's transaction.
pub(crate) async fn add_to_agency_months(
    db: &impl ConnectionTrait,
    table: &'static str,
    columns: &[&'static str],
    rows: &[((i32, NaiveDate), Vec<i64>)],
) -> CatalogResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let (rollup, excluded) = (Alias::new(table), Alias::new("excluded"));
    let mut on_conflict = OnConflict::columns([Alias::new("agency_id"), Alias::new("month")]);
    on_conflict.values(columns.iter().map(|c| {
        let c = Alias::new(*c);
        let sum =
            Expr::col((rollup.clone(), c.clone())).add(Expr::col((excluded.clone(), c.clone())));
        (c, sum)
    }));
    let mut insert = Query::insert();
    insert.into_table(rollup.clone()).columns(
        ["agency_id", "month"]
            .into_iter()
            .chain(columns.iter().copied())
            .map(Alias::new),
    );
    for ((agency_id, month), counts) in rows {
        insert
            .values(
                [Expr::val(*agency_id), Expr::val(*month)]
                    .into_iter()
                    .chain(counts.iter().map(|n| Expr::val(*n))),
            )
            .map_err(|e| CatalogError::internal(format!("{table} insert: {e}")))?;
    }
    insert.on_conflict(on_conflict);
    db.execute(&insert).await?;
    Ok(())
}

/// The rollup of feedback by agency and month (the counts and sums of `feedback_month`, over
/// every service of the agency and every channel kind).
const AGENCY_MONTH: &str = "feedback_agency_month";

/// Rolls every feedback row up again, inside `db`'s transaction.
pub(crate) async fn rebuild(db: &impl ConnectionTrait) -> CatalogResult<()> {
    feedback_month::Entity::delete_many().exec(db).await?;
    let month = match db.get_database_backend() {
        DbBackend::Postgres => "CAST(date_trunc('month', submitted_on) AS DATE)",
        _ => "date(submitted_on, 'start of month')",
    };
    db.execute_unprepared(&migration::feedback_month_rollup_sql(month))
        .await?;
    rebuild_agency_months(db).await
}

/// Rolls the service rollups (`feedback_month`) and the reported transactions (`ux_metric`)
/// up by agency and month again, inside `db`'s transaction.
pub(crate) async fn rebuild_agency_months(db: &impl ConnectionTrait) -> CatalogResult<()> {
    for (table, rollup) in [
        (AGENCY_MONTH, migration::feedback_agency_rollup_sql(None)),
        ("ux_agency_month", migration::ux_agency_rollup_sql(None)),
    ] {
        db.execute_unprepared(&format!("DELETE FROM {table}"))
            .await?;
        db.execute_unprepared(&rollup).await?;
    }
    Ok(())
}

/// The rollups of `period`, grouped by `column` (selected first), with each group's
/// [`crate::catalog::experience::Sums`] after it.
pub(crate) fn sums_by(
    column: feedback_month::Column,
    period: Period,
) -> Select<feedback_month::Entity> {
    grouped_sums(column, (feedback_month::Column::Month, period))
}

/// The rows of a feedback rollup `E` (`feedback_month` or `feedback_agency_month`) whose
/// `month` column falls in `period`, grouped by `column` (selected first), with each group's
/// [`crate::catalog::experience::Sums`] after it.
pub(crate) fn grouped_sums<E: EntityTrait>(
    column: E::Column,
    (month, period): (E::Column, Period),
) -> Select<E> {
    E::find()
        .select_only()
        .column(column)
        .column_as(total("responses"), "responses")
        .column_as(total("satisfaction_sum"), "satisfaction")
        .column_as(total("satisfied"), "satisfied")
        .column_as(total("trust_count"), "trust_count")
        .column_as(total("trust_sum"), "trust")
        .filter(month.gte(period.start))
        .filter(month.lt(period.end))
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

/// The services a read over several of them covers, by id.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Services<'a>(pub &'a [i32]);

impl Services<'_> {
    /// The condition that `column` (a service id) names one of these services, on
    /// `backend`. On PostgreSQL the ids are one array parameter, unnested into a subquery:
    /// a list of one parameter per id becomes, once PostgreSQL caches the statement's
    /// generic plan, a filter that compares every rollup row with every id (1.1 s rather
    /// than 27 ms for a thousand services over a quarter of a million rollup rows).
    /// SQLite looks a list up in a temporary index, so it keeps the list.
    pub(crate) fn condition(
        self,
        column: impl ColumnTrait,
        backend: DbBackend,
    ) -> sea_orm::Condition {
        let matches = match backend {
            DbBackend::Postgres => {
                let ids: Vec<String> = self.0.iter().map(i32::to_string).collect();
                let array = format!("{{{}}}", ids.join(","));
                let unnested = Query::select()
                    .expr(Expr::cust_with_values(
                        "unnest(CAST($1 AS integer[]))",
                        [array],
                    ))
                    .to_owned();
                column.in_subquery(unnested)
            }
            _ => column.is_in(self.0.iter().copied()),
        };
        sea_orm::Condition::all().add(matches)
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
