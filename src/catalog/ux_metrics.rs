//! UX metrics: what an agency's own systems measured of a service through one kind of
//! channel in one calendar month (transactions started, completed, failed and abandoned;
//! the median and 90th-percentile time to complete; the median clicks to complete, for
//! digital channels). Reported by the owning agency's editors (or an ADMIN), one report per
//! service, channel kind and month: re-reporting a month replaces it, and both are audited.
//! Rates are derived from the counts when read, never reported.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, Condition, EntityTrait, FromQueryResult,
    QueryFilter, QuerySelect, Set,
};
use serde_json::{Value, json};

use crate::catalog::Catalog;
use crate::catalog::error::{CatalogError, CatalogResult};
use crate::catalog::experience::Period;
use crate::catalog::principal::{Operation, Principal, authorize};
use crate::catalog::service::channels::require_offered;
use crate::catalog::types::{ChannelKind, TouchpointCategory};
use crate::entity::{service, ux_agency_month, ux_metric};

/// The longest time to complete a report may give: a year, in seconds.
const MAX_SECONDS: f64 = 366.0 * 24.0 * 3600.0;

/// The most clicks to complete a report may give.
const MAX_CLICKS: f64 = 10_000.0;

/// One month of measurements, as an agency reports them.
#[derive(Debug, Clone)]
pub struct UxMetricsInput {
    /// The service's row id.
    pub service_id: i32,
    /// The kind of channel measured; the service must offer one.
    pub channel_kind: ChannelKind,
    /// The calendar month, `2026-10`.
    pub month: String,
    /// Transactions started.
    pub started: i64,
    /// Transactions completed.
    pub completed: i64,
    /// Transactions that ended in an error.
    pub failed: i64,
    /// Transactions left unfinished.
    pub abandoned: i64,
    /// Median time to complete, in seconds.
    pub median_seconds: Option<f64>,
    /// 90th-percentile time to complete, in seconds.
    pub p90_seconds: Option<f64>,
    /// Median clicks to complete (digital channels only).
    pub median_clicks: Option<f64>,
}

/// Transactions counted over some time, with the rates derived from them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Transactions {
    /// Started.
    pub started: i64,
    /// Completed.
    pub completed: i64,
    /// Ended in an error.
    pub failed: i64,
    /// Left unfinished.
    pub abandoned: i64,
}

impl Transactions {
    fn share(&self, part: i64) -> Option<f64> {
        (self.started > 0).then(|| part as f64 / self.started as f64)
    }

    /// Completed over started (`None` when nothing started).
    pub fn success_rate(&self) -> Option<f64> {
        self.share(self.completed)
    }

    /// Failed over started.
    pub fn error_rate(&self) -> Option<f64> {
        self.share(self.failed)
    }

    /// Abandoned over started.
    pub fn abandonment_rate(&self) -> Option<f64> {
        self.share(self.abandoned)
    }
}

/// Both counts together.
impl std::ops::Add for Transactions {
    type Output = Self;

    fn add(self, other: Self) -> Self {
        Self {
            started: self.started + other.started,
            completed: self.completed + other.completed,
            failed: self.failed + other.failed,
            abandoned: self.abandoned + other.abandoned,
        }
    }
}

/// Measurements over some months of one service through one kind of channel.
#[derive(Debug, Clone, PartialEq)]
pub struct UxMetrics {
    /// The kind of channel.
    pub channel_kind: ChannelKind,
    /// The months reported.
    pub months: u32,
    /// The transactions.
    pub transactions: Transactions,
    /// The median time to complete; over several months, the months' medians weighted by
    /// the transactions each completed.
    pub median_seconds: Option<f64>,
    /// The 90th-percentile time to complete, weighted the same way.
    pub p90_seconds: Option<f64>,
    /// The median clicks to complete, weighted the same way (digital channels only).
    pub median_clicks: Option<f64>,
}

/// What a report recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct UxMetricsReported {
    /// The month's first day.
    pub month: NaiveDate,
    /// The month's measurements, as stored.
    pub metrics: UxMetrics,
    /// Whether it replaced an earlier report of the same month.
    pub replaced: bool,
}

fn count(field: &str, value: i64) -> CatalogResult<i64> {
    if value < 0 {
        return Err(CatalogError::bad_input(
            field,
            format!("must be 0 or more; got {value}"),
        ));
    }
    Ok(value)
}

/// `value` when it is a number from 0 to `max`, and there are completed transactions to
/// measure it on.
fn measure(
    field: &str,
    value: Option<f64>,
    max: f64,
    completed: i64,
) -> CatalogResult<Option<f64>> {
    let Some(value) = value else {
        return Ok(None);
    };
    if !value.is_finite() || !(0.0..=max).contains(&value) {
        return Err(CatalogError::bad_input(
            field,
            format!("must be from 0 to {max}; got {value}"),
        ));
    }
    if completed == 0 {
        return Err(CatalogError::bad_input(
            field,
            "no transaction was completed, so there is nothing to measure: leave it out",
        ));
    }
    Ok(Some(value))
}

/// The first day of the calendar month `text` names (`2026-10`), which must have begun.
fn month(text: &str) -> CatalogResult<NaiveDate> {
    let period = Period::parse("month", text, Utc::now().date_naive())?;
    if period.start.checked_add_months(chrono::Months::new(1)) != Some(period.end) {
        return Err(CatalogError::bad_input(
            "month",
            "UX metrics are reported a calendar month at a time, e.g. 2026-10",
        ));
    }
    Ok(period.start)
}

/// The checked row of `input` (its service and channel are checked against the database
/// by the caller).
fn checked(input: &UxMetricsInput) -> CatalogResult<UxMetrics> {
    let started = count("started", input.started)?;
    let completed = count("completed", input.completed)?;
    let failed = count("failed", input.failed)?;
    let abandoned = count("abandoned", input.abandoned)?;
    let ended = completed + failed + abandoned;
    if ended > started {
        return Err(CatalogError::bad_input(
            "started",
            format!(
                "completed, failed and abandoned add up to {ended}, more than the {started} \
                 started"
            ),
        ));
    }
    let median_seconds = measure(
        "medianSecondsToComplete",
        input.median_seconds,
        MAX_SECONDS,
        completed,
    )?;
    let p90_seconds = measure(
        "p90SecondsToComplete",
        input.p90_seconds,
        MAX_SECONDS,
        completed,
    )?;
    if let (Some(median), Some(p90)) = (median_seconds, p90_seconds)
        && p90 < median
    {
        return Err(CatalogError::bad_input(
            "p90SecondsToComplete",
            format!("the 90th percentile ({p90} s) cannot be below the median ({median} s)"),
        ));
    }
    let category = input.channel_kind.category();
    if input.median_clicks.is_some() && category != TouchpointCategory::Digital {
        return Err(CatalogError::bad_input(
            "medianClicksToComplete",
            format!(
                "clicks are counted on digital channels only; {} is a {} channel",
                input.channel_kind.as_str(),
                category.as_str()
            ),
        ));
    }
    let median_clicks = measure(
        "medianClicksToComplete",
        input.median_clicks,
        MAX_CLICKS,
        completed,
    )?;
    Ok(UxMetrics {
        channel_kind: input.channel_kind,
        months: 1,
        transactions: Transactions {
            started,
            completed,
            failed,
            abandoned,
        },
        median_seconds,
        p90_seconds,
        median_clicks,
    })
}

fn from_row(row: &ux_metric::Model) -> UxMetrics {
    UxMetrics {
        channel_kind: row.channel_kind,
        months: 1,
        transactions: Transactions {
            started: row.started,
            completed: row.completed,
            failed: row.failed,
            abandoned: row.abandoned,
        },
        median_seconds: row.median_seconds,
        p90_seconds: row.p90_seconds,
        median_clicks: row.median_clicks,
    }
}

fn audit_json(service_slug: &str, row: &ux_metric::Model) -> Value {
    json!({
        "service": service_slug,
        "channelKind": row.channel_kind.as_str(),
        "month": row.month.format("%Y-%m").to_string(),
        "started": row.started,
        "completed": row.completed,
        "failed": row.failed,
        "abandoned": row.abandoned,
        "medianSecondsToComplete": row.median_seconds,
        "p90SecondsToComplete": row.p90_seconds,
        "medianClicksToComplete": row.median_clicks,
    })
}

/// One channel kind's sums over a period, as the database computes them: the months, the
/// four counts, and for each measure its completed-weighted sum and the completed it
/// covers (cast, since PostgreSQL sums 64-bit integers into `numeric`).
#[derive(Debug, FromQueryResult)]
struct Sums {
    channel_kind: ChannelKind,
    months: i64,
    started: i64,
    completed: i64,
    failed: i64,
    abandoned: i64,
    median_seconds: Option<f64>,
    median_seconds_n: Option<i64>,
    p90_seconds: Option<f64>,
    p90_seconds_n: Option<i64>,
    median_clicks: Option<f64>,
    median_clicks_n: Option<i64>,
}

/// A report's transaction counts, in the order of `migration::UX_AGENCY_MONTH_COUNTS`.
fn counts_of(row: &ux_metric::Model) -> [i64; 4] {
    [row.started, row.completed, row.failed, row.abandoned]
}

impl Catalog {
    /// Records one month of `input`'s measurements as `principal` (an EDITOR of the
    /// service's agency, or an ADMIN), replacing an earlier report of that month; or says
    /// what to fix, with nothing written.
    pub async fn report_ux_metrics(
        &self,
        principal: &Principal,
        input: UxMetricsInput,
    ) -> CatalogResult<UxMetricsReported> {
        let first_day = month(&input.month)?;
        let metrics = checked(&input)?;
        let txn = self.begin_private_write().await?;
        let service = service::Entity::find_by_id(input.service_id)
            .filter(service::Column::RevisionOfId.is_null())
            .filter(service::Column::DeletedAt.is_null())
            .one(&txn)
            .await?
            .ok_or_else(|| CatalogError::not_found("serviceId", "service"))?;
        let key = authorize(principal, Operation::ReportMetrics, service.agency_id)?;
        require_offered(&txn, &service, input.channel_kind).await?;
        let existing = ux_metric::Entity::find()
            .filter(ux_metric::Column::ServiceId.eq(service.id))
            .filter(ux_metric::Column::ChannelKind.eq(input.channel_kind))
            .filter(ux_metric::Column::Month.eq(first_day))
            .one(&txn)
            .await?;
        let mut row = ux_metric::ActiveModel {
            id: NotSet,
            service_id: Set(service.id),
            channel_kind: Set(input.channel_kind),
            month: Set(first_day),
            started: Set(metrics.transactions.started),
            completed: Set(metrics.transactions.completed),
            failed: Set(metrics.transactions.failed),
            abandoned: Set(metrics.transactions.abandoned),
            median_seconds: Set(metrics.median_seconds),
            p90_seconds: Set(metrics.p90_seconds),
            median_clicks: Set(metrics.median_clicks),
            reported_at: Set(Utc::now()),
            synthetic: Set(false),
        };
        let stored = match &existing {
            Some(old) => {
                row.id = Set(old.id);
                row.update(&txn).await?
            }
            None => row.insert(&txn).await?,
        };
        let replaced = existing.as_ref().map_or([0; 4], counts_of);
        let delta: Vec<i64> = counts_of(&stored)
            .into_iter()
            .zip(replaced)
            .map(|(now, before)| now - before)
            .collect();
        crate::catalog::feedback_month::add_to_agency_months(
            &txn,
            "ux_agency_month",
            &migration::UX_AGENCY_MONTH_COUNTS,
            &[((service.agency_id, first_day), delta)],
        )
        .await?;
        self.commit_recorded(
            txn,
            key,
            "uxMetrics.report",
            ("UxMetrics", stored.id, Some(service.agency_id)),
            existing.as_ref().map(|old| audit_json(&service.slug, old)),
            Some(audit_json(&service.slug, &stored)),
        )
        .await?;
        Ok(UxMetricsReported {
            month: first_day,
            metrics: from_row(&stored),
            replaced: existing.is_some(),
        })
    }

    /// Service `service_id`'s measurements over `period`, by channel kind (in
    /// `ChannelKind` order), summed by the database.
    pub async fn service_ux_metrics(
        &self,
        service_id: i32,
        period: Period,
    ) -> CatalogResult<Vec<UxMetrics>> {
        let sum = |column: &str| Expr::cust(format!("CAST(SUM({column}) AS BIGINT)"));
        let weighted = |column: &str| {
            Expr::cust(format!(
                "SUM(CAST({column} * completed AS DOUBLE PRECISION))"
            ))
        };
        let covered = |column: &str| {
            Expr::cust(format!(
                "CAST(SUM(CASE WHEN {column} IS NULL THEN 0 ELSE completed END) AS BIGINT)"
            ))
        };
        let mut select = ux_metric::Entity::find()
            .select_only()
            .column(ux_metric::Column::ChannelKind)
            .column_as(ux_metric::Column::Id.count(), "months");
        for column in ["started", "completed", "failed", "abandoned"] {
            select = select.column_as(sum(column), column);
        }
        for column in ["median_seconds", "p90_seconds", "median_clicks"] {
            select = select
                .column_as(weighted(column), column)
                .column_as(covered(column), format!("{column}_n"));
        }
        let rows = select
            .filter(ux_metric::Column::ServiceId.eq(service_id))
            .filter(ux_metric::Column::Month.gte(period.start))
            .filter(ux_metric::Column::Month.lt(period.end))
            .group_by(ux_metric::Column::ChannelKind)
            .into_model::<Sums>()
            .all(&self.db)
            .await?;
        let mean = |sum: Option<f64>, n: Option<i64>| match (sum, n) {
            (Some(sum), Some(n)) if n > 0 => Some(sum / n as f64),
            _ => None,
        };
        let mut metrics: Vec<UxMetrics> = rows
            .into_iter()
            .map(|row| UxMetrics {
                channel_kind: row.channel_kind,
                months: u32::try_from(row.months).unwrap_or(u32::MAX),
                transactions: Transactions {
                    started: row.started,
                    completed: row.completed,
                    failed: row.failed,
                    abandoned: row.abandoned,
                },
                median_seconds: mean(row.median_seconds, row.median_seconds_n),
                p90_seconds: mean(row.p90_seconds, row.p90_seconds_n),
                median_clicks: mean(row.median_clicks, row.median_clicks_n),
            })
            .collect();
        metrics.sort_by_key(|m| m.channel_kind);
        Ok(metrics)
    }

    /// The transactions of each of `services` over `period`, every channel together,
    /// summed by the database, by service id.
    pub(crate) async fn transactions_by_service(
        &self,
        services: crate::catalog::feedback_month::Services<'_>,
        period: Period,
    ) -> CatalogResult<HashMap<i32, Transactions>> {
        use ux_metric::Column as C;
        let condition = services.condition(C::ServiceId, self.db.get_database_backend());
        self.transactions_by::<ux_metric::Entity>(C::ServiceId, (C::Month, period), condition)
            .await
    }

    /// The transactions of each of `agency_ids` over `period`, every service and channel
    /// together, from the agency rollups, by agency id.
    pub(crate) async fn transactions_of_agencies(
        &self,
        agency_ids: &[i32],
        period: Period,
    ) -> CatalogResult<HashMap<i32, Transactions>> {
        use ux_agency_month::Column as C;
        let condition = Condition::all().add(C::AgencyId.is_in(agency_ids.iter().copied()));
        self.transactions_by::<ux_agency_month::Entity>(C::AgencyId, (C::Month, period), condition)
            .await
    }

    /// The transactions in `E` (`ux_metric` or `ux_agency_month`) that `condition` keeps
    /// and whose `month` falls in `period`, summed by the database for each `group` id.
    async fn transactions_by<E: EntityTrait>(
        &self,
        group: E::Column,
        (month, period): (E::Column, Period),
        condition: Condition,
    ) -> CatalogResult<HashMap<i32, Transactions>> {
        let sum = |column: &str| Expr::cust(format!("CAST(SUM({column}) AS BIGINT)"));
        let rows: Vec<(i32, i64, i64, i64, i64)> = E::find()
            .select_only()
            .column(group)
            .column_as(sum("started"), "started")
            .column_as(sum("completed"), "completed")
            .column_as(sum("failed"), "failed")
            .column_as(sum("abandoned"), "abandoned")
            .filter(condition)
            .filter(month.gte(period.start))
            .filter(month.lt(period.end))
            .group_by(group)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, started, completed, failed, abandoned)| {
                let counted = Transactions {
                    started,
                    completed,
                    failed,
                    abandoned,
                };
                (id, counted)
            })
            .collect())
    }
}
