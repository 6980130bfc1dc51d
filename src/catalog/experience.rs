//! How residents experience a service, from their feedback: aggregates computed by the
//! database over a period, shown only from a minimum number of responses so that no one
//! can single out a resident.

use std::collections::HashMap;

use chrono::{Datelike, Months, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect, Select};

use crate::catalog::Catalog;
use crate::catalog::error::{CatalogError, CatalogResult};
use crate::catalog::feedback_month::{Services, grouped_sums, sums_by as month_sums, total};
use crate::catalog::types::{ChannelKind, CxDriver, EntryPoint, TouchpointCategory};
use crate::entity::{feedback, feedback_agency_month, feedback_month};

/// A reporting period: a calendar month (`2026-10`), a quarter (`2026-Q3`) or a New York
/// State fiscal year (`FY2026`: 1 April 2025 to 31 March 2026).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    /// The first day.
    pub start: NaiveDate,
    /// The day after the last.
    pub end: NaiveDate,
}

impl Period {
    /// Parses `text` (naming `field` in the error); a period that has not begun is refused.
    pub fn parse(field: &str, text: &str, today: NaiveDate) -> CatalogResult<Self> {
        let bad = || {
            CatalogError::bad_input(
                field,
                format!(
                    "`{}` is not a period: use a month (2026-10), a quarter (2026-Q3) or a \
                     fiscal year (FY2026)",
                    crate::catalog::types::truncate(text)
                ),
            )
        };
        let year = |digits: &str| -> Option<i32> {
            (digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit()))
                .then(|| digits.parse().ok())
                .flatten()
        };
        let (start, months) = if let Some(fy) = text.strip_prefix("FY") {
            let y = year(fy).ok_or_else(bad)?;
            (NaiveDate::from_ymd_opt(y - 1, 4, 1), 12)
        } else {
            let (y, rest) = text.split_once('-').ok_or_else(bad)?;
            let y = year(y).ok_or_else(bad)?;
            match rest.strip_prefix('Q') {
                Some(q) if matches!(q, "1" | "2" | "3" | "4") => {
                    let q: u32 = q.parse().map_err(|_| bad())?;
                    (NaiveDate::from_ymd_opt(y, 3 * q - 2, 1), 3)
                }
                Some(_) => return Err(bad()),
                None if rest.len() == 2 && rest.bytes().all(|b| b.is_ascii_digit()) => {
                    let m: u32 = rest.parse().map_err(|_| bad())?;
                    (NaiveDate::from_ymd_opt(y, m, 1), 1)
                }
                None => return Err(bad()),
            }
        };
        let start = start.ok_or_else(bad)?;
        let end = start
            .checked_add_months(Months::new(months))
            .ok_or_else(bad)?;
        if start > today {
            return Err(CatalogError::bad_input(
                field,
                format!("`{text}` has not begun yet"),
            ));
        }
        Ok(Self { start, end })
    }

    /// The current calendar month.
    pub fn this_month() -> Self {
        let today = Utc::now().date_naive();
        let start = today.with_day(1).unwrap_or(today);
        let end = start.checked_add_months(Months::new(1)).unwrap_or(today);
        Self { start, end }
    }
}

/// Feedback figures over a set of responses; `None` below the minimum number of responses.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    /// How many responses there are (always shown).
    pub responses: u64,
    /// Mean overall satisfaction, 1 to 5.
    pub satisfaction: Option<f64>,
    /// The share of responses that rate satisfaction 4 or 5 (CSAT), 0 to 1.
    pub csat: Option<f64>,
    /// Mean answer to the trust question, over the responses that answered it.
    pub trust: Option<f64>,
    /// Why the figures are not shown, when they are not.
    pub withheld: Option<String>,
}

/// How residents experienced a service over a period.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceExperience {
    /// The period.
    pub period: Period,
    /// All responses together.
    pub overall: Scores,
    /// By channel kind, the kinds with responses, in `ChannelKind` order.
    pub by_channel: Vec<(ChannelKind, Scores)>,
    /// Each A-11 driver's share of responses naming it as having gone well and as not
    /// having gone well (0 to 1), in `CxDriver` order; empty when the figures are withheld.
    pub drivers: Vec<(CxDriver, f64, f64)>,
    /// By touchpoint category (digital, physical, human), pooling its channel kinds.
    pub by_category: Vec<(TouchpointCategory, Scores)>,
    /// By the journey stage residents said they were at, the stages with responses.
    pub by_stage: Vec<(crate::catalog::records::JourneyStage, Scores)>,
    /// How residents found the service: each entry point with its responses, most first;
    /// empty when the figures are withheld.
    pub entry_points: Vec<(EntryPoint, u64)>,
    /// Month by month (the first day of each month with responses), in order.
    pub trend: Vec<(NaiveDate, Scores)>,
    /// What the agency's systems measured over the period, by channel kind.
    pub ux_metrics: Vec<crate::catalog::ux_metrics::UxMetrics>,
    /// Whether the period holds synthetic demonstration data ([`crate::catalog::synthetic`]).
    pub synthetic: bool,
}

/// One group's sums, as the database computes them: responses, the sum of satisfaction,
/// the 4-and-5 answers, the trust answers and the sum of trust.
pub(crate) type Sums = (i64, Option<i64>, Option<i64>, i64, Option<i64>);

/// One group's [`Sums`] with each driver's (positive, negative) mentions.
pub(crate) type Feedback = (Sums, HashMap<CxDriver, (i64, i64)>);

/// One service's driver mentions, as the database counts them: `p_` as having gone well,
/// `n_` as not (typed columns: SQLite gives computed columns no type to read JSON by).
#[derive(Debug, sea_orm::FromQueryResult)]
pub(crate) struct DriverCounts {
    p_effectiveness: Option<i64>,
    n_effectiveness: Option<i64>,
    p_ease: Option<i64>,
    n_ease: Option<i64>,
    p_efficiency: Option<i64>,
    n_efficiency: Option<i64>,
    p_transparency: Option<i64>,
    n_transparency: Option<i64>,
    p_employee: Option<i64>,
    n_employee: Option<i64>,
    p_humanity: Option<i64>,
    n_humanity: Option<i64>,
}

impl DriverCounts {
    /// Every driver's (positive, negative) mentions.
    fn by_driver(&self) -> HashMap<CxDriver, (i64, i64)> {
        CxDriver::ALL.iter().map(|d| (*d, self.of(*d))).collect()
    }

    /// The (positive, negative) mentions of `driver`.
    pub(crate) fn of(&self, driver: CxDriver) -> (i64, i64) {
        let (p, n) = match driver {
            CxDriver::Effectiveness => (self.p_effectiveness, self.n_effectiveness),
            CxDriver::Ease => (self.p_ease, self.n_ease),
            CxDriver::Efficiency => (self.p_efficiency, self.n_efficiency),
            CxDriver::Transparency => (self.p_transparency, self.n_transparency),
            CxDriver::Employee => (self.p_employee, self.n_employee),
            CxDriver::Humanity => (self.p_humanity, self.n_humanity),
        };
        (p.unwrap_or(0), n.unwrap_or(0))
    }
}

/// The sums of no responses.
pub(crate) const NO_SUMS: Sums = (0, None, None, 0, None);

/// Two groups' [`Sums`] as one (SQL's SUM of no rows is NULL).
pub(crate) fn pool(a: Sums, b: Sums) -> Sums {
    let add = |a: Option<i64>, b: Option<i64>| match (a, b) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
    };
    (
        a.0 + b.0,
        add(a.1, b.1),
        add(a.2, b.2),
        a.3 + b.3,
        add(a.4, b.4),
    )
}

/// A group's key with its [`Sums`].
pub(crate) type GroupSums<K> = (K, i64, Option<i64>, Option<i64>, i64, Option<i64>);

/// A channel kind's [`Sums`].
type ChannelSums = GroupSums<ChannelKind>;

pub(crate) fn scores(
    (count, satisfaction, satisfied, trust_count, trust): Sums,
    minimum: u64,
) -> Scores {
    let responses = u64::try_from(count).unwrap_or(0);
    if responses < minimum.max(1) {
        return Scores {
            responses,
            satisfaction: None,
            csat: None,
            trust: None,
            withheld: Some(format!(
                "fewer than {} responses: figures are withheld so no one can be singled out",
                minimum.max(1)
            )),
        };
    }
    let n = count as f64;
    Scores {
        responses,
        satisfaction: satisfaction.map(|s| s as f64 / n),
        csat: satisfied.map(|s| s as f64 / n),
        trust: (trust_count > 0)
            .then(|| trust.map(|t| t as f64 / trust_count as f64))
            .flatten(),
        withheld: None,
    }
}

/// The feedback of `period`, grouped by `column` (selected first), with each group's
/// [`Sums`] after it.
pub(crate) fn sums_by(column: feedback::Column, period: Period) -> Select<feedback::Entity> {
    let satisfied = Expr::cust("SUM(CASE WHEN satisfaction >= 4 THEN 1 ELSE 0 END)");
    feedback::Entity::find()
        .select_only()
        .column(column)
        .column_as(feedback::Column::Id.count(), "responses")
        .column_as(feedback::Column::Satisfaction.sum(), "satisfaction")
        .column_as(satisfied, "satisfied")
        .column_as(feedback::Column::Trust.count(), "trust_count")
        .column_as(feedback::Column::Trust.sum(), "trust")
        .filter(feedback::Column::SubmittedOn.gte(period.start))
        .filter(feedback::Column::SubmittedOn.lt(period.end))
        .group_by(column)
}

impl Catalog {
    /// The experience of service `service_id` over `period`, figures shown from `minimum`
    /// responses.
    pub async fn service_experience(
        &self,
        service_id: i32,
        period: Period,
        minimum: u64,
    ) -> CatalogResult<ServiceExperience> {
        let rows: Vec<ChannelSums> = month_sums(feedback_month::Column::ChannelKind, period)
            .filter(feedback_month::Column::ServiceId.eq(service_id))
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut total = NO_SUMS;
        let mut categories: Vec<(TouchpointCategory, Sums)> = Vec::new();
        let mut by_channel = Vec::with_capacity(rows.len());
        for (kind, count, satisfaction, satisfied, trust_count, trust) in rows {
            let sums = (count, satisfaction, satisfied, trust_count, trust);
            total = pool(total, sums);
            match categories.iter_mut().find(|(c, _)| *c == kind.category()) {
                Some((_, pooled)) => *pooled = pool(*pooled, sums),
                None => categories.push((kind.category(), sums)),
            }
            by_channel.push((kind, scores(sums, minimum)));
        }
        by_channel.sort_by_key(|(kind, _)| *kind);
        categories.sort_by_key(|(category, _)| *category);
        let by_category = categories
            .into_iter()
            .map(|(category, sums)| (category, scores(sums, minimum)))
            .collect();
        let overall = scores(total, minimum);
        let shown = overall.withheld.is_none();
        // Independent reads: the database runs them side by side.
        let (drivers, entry_points, by_stage, trend, ux_metrics, synthetic) = tokio::try_join!(
            async {
                match shown {
                    true => self.driver_shares(service_id, period, total.0).await,
                    false => Ok(Vec::new()),
                }
            },
            async {
                match shown {
                    true => self.entry_points(service_id, period).await,
                    false => Ok(Vec::new()),
                }
            },
            self.stage_scores(service_id, period, minimum),
            self.monthly_trend(service_id, period, minimum),
            self.service_ux_metrics(service_id, period),
            self.holds_synthetic(period),
        )?;
        Ok(ServiceExperience {
            period,
            overall,
            by_channel,
            by_category,
            by_stage,
            entry_points,
            trend,
            drivers,
            ux_metrics,
            synthetic,
        })
    }

    /// The scores by the journey stage residents answered at, in the stages' order.
    async fn stage_scores(
        &self,
        service_id: i32,
        period: Period,
        minimum: u64,
    ) -> CatalogResult<Vec<(crate::catalog::records::JourneyStage, Scores)>> {
        let rows: Vec<GroupSums<Option<i32>>> = sums_by(feedback::Column::JourneyStageId, period)
            .filter(feedback::Column::ServiceId.eq(service_id))
            .filter(feedback::Column::JourneyStageId.is_not_null())
            .into_tuple()
            .all(&self.db)
            .await?;
        let ids: Vec<i32> = rows.iter().filter_map(|r| r.0).collect();
        let stages = self.stages_by_ids(&ids).await?;
        let mut by_stage: Vec<_> = rows
            .into_iter()
            .filter_map(|(id, n, s, h, tn, t)| {
                let stage = stages.get(&id?)?.clone();
                Some((stage, scores((n, s, h, tn, t), minimum)))
            })
            .collect();
        by_stage.sort_by_key(|(stage, _)| (stage.life_event_id, stage.position, stage.id));
        Ok(by_stage)
    }

    /// How many responses came through each entry point, most first.
    async fn entry_points(
        &self,
        service_id: i32,
        period: Period,
    ) -> CatalogResult<Vec<(EntryPoint, u64)>> {
        let rows: Vec<(Option<EntryPoint>, i64)> = feedback::Entity::find()
            .select_only()
            .column(feedback::Column::EntryPoint)
            .column_as(feedback::Column::Id.count(), "responses")
            .filter(feedback::Column::ServiceId.eq(service_id))
            .filter(feedback::Column::EntryPoint.is_not_null())
            .filter(feedback::Column::SubmittedOn.gte(period.start))
            .filter(feedback::Column::SubmittedOn.lt(period.end))
            .group_by(feedback::Column::EntryPoint)
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut points: Vec<(EntryPoint, u64)> = rows
            .into_iter()
            .filter_map(|(point, n)| Some((point?, u64::try_from(n).unwrap_or(0))))
            .collect();
        points.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        Ok(points)
    }

    /// The scores month by month, from the monthly rollups.
    async fn monthly_trend(
        &self,
        service_id: i32,
        period: Period,
        minimum: u64,
    ) -> CatalogResult<Vec<(NaiveDate, Scores)>> {
        let mut months: Vec<GroupSums<NaiveDate>> =
            month_sums(feedback_month::Column::Month, period)
                .filter(feedback_month::Column::ServiceId.eq(service_id))
                .into_tuple()
                .all(&self.db)
                .await?;
        months.sort_by_key(|m| m.0);
        Ok(months
            .into_iter()
            .map(|(month, n, s, h, tn, t)| (month, scores((n, s, h, tn, t), minimum)))
            .collect())
    }

    /// Each driver's positive and negative share of `responses`, counted by the database.
    async fn driver_shares(
        &self,
        service_id: i32,
        period: Period,
        responses: i64,
    ) -> CatalogResult<Vec<(CxDriver, f64, f64)>> {
        let counts = self
            .feedback_and_drivers(Services(&[service_id]), period)
            .await?
            .remove(&service_id)
            .map(|(_, drivers)| drivers)
            .unwrap_or_default();
        let n = responses.max(1) as f64;
        Ok(CxDriver::ALL
            .iter()
            .map(|d| {
                let (positive, negative) = counts.get(d).copied().unwrap_or((0, 0));
                (*d, positive as f64 / n, negative as f64 / n)
            })
            .collect())
    }

    /// Each of `services`' feedback [`Sums`] and driver mentions over `period`, by service
    /// id, in one pass over the monthly rollups.
    pub(crate) async fn feedback_and_drivers(
        &self,
        services: Services<'_>,
        period: Period,
    ) -> CatalogResult<HashMap<i32, Feedback>> {
        let select =
            month_sums(feedback_month::Column::ServiceId, period).filter(services.condition(
                feedback_month::Column::ServiceId,
                self.db.get_database_backend(),
            ));
        let rows = with_driver_totals(select)
            .into_model::<ServiceFeedback>()
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| (r.service_id, r.feedback.sums_and_drivers()))
            .collect())
    }

    /// Each of `agency_ids`' feedback [`Sums`] and driver mentions over `period`, by agency
    /// id, from the agency rollups (every response about a service the agency runs).
    pub(crate) async fn feedback_of_agencies(
        &self,
        agency_ids: &[i32],
        period: Period,
    ) -> CatalogResult<HashMap<i32, Feedback>> {
        use feedback_agency_month::Column as C;
        let select = grouped_sums::<feedback_agency_month::Entity>(C::AgencyId, (C::Month, period))
            .filter(C::AgencyId.is_in(agency_ids.iter().copied()));
        let rows = with_driver_totals(select)
            .into_model::<AgencyFeedback>()
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| (r.agency_id, r.feedback.sums_and_drivers()))
            .collect())
    }
}

/// `select` over the rollups with each driver's totals as `p_<driver>` and `n_<driver>`.
fn with_driver_totals<E: EntityTrait>(mut select: sea_orm::Select<E>) -> sea_orm::Select<E> {
    for driver in CxDriver::ALL {
        let name = driver.as_str().to_lowercase();
        for prefix in ["p", "n"] {
            let column = format!("{prefix}_{name}");
            select = select.column_as(total(&column), column);
        }
    }
    select
}

/// A group's feedback sums and driver mentions, as one rollup query reads them.
#[derive(Debug, sea_orm::FromQueryResult)]
struct GroupFeedback {
    responses: i64,
    satisfaction: Option<i64>,
    satisfied: Option<i64>,
    trust_count: i64,
    trust: Option<i64>,
    #[sea_orm(nested)]
    drivers: DriverCounts,
}

impl GroupFeedback {
    fn sums_and_drivers(&self) -> Feedback {
        let sums = (
            self.responses,
            self.satisfaction,
            self.satisfied,
            self.trust_count,
            self.trust,
        );
        (sums, self.drivers.by_driver())
    }
}

/// One service's feedback, as one rollup query reads it.
#[derive(Debug, sea_orm::FromQueryResult)]
struct ServiceFeedback {
    service_id: i32,
    #[sea_orm(nested)]
    feedback: GroupFeedback,
}

/// One agency's feedback, as one rollup query reads it.
#[derive(Debug, sea_orm::FromQueryResult)]
struct AgencyFeedback {
    agency_id: i32,
    #[sea_orm(nested)]
    feedback: GroupFeedback,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn periods_are_months_quarters_and_fiscal_years() {
        let today = date(2026, 12, 2);
        let parse = |t: &str| Period::parse("period", t, today).map(|p| (p.start, p.end));
        assert_eq!(parse("2026-10"), Ok((date(2026, 10, 1), date(2026, 11, 1))));
        assert_eq!(parse("2026-12"), Ok((date(2026, 12, 1), date(2027, 1, 1))));
        assert_eq!(parse("2026-Q3"), Ok((date(2026, 7, 1), date(2026, 10, 1))));
        assert_eq!(parse("FY2026"), Ok((date(2025, 4, 1), date(2026, 4, 1))));
        for bad in [
            "2026-13",
            "2026-1",
            "2026-Q5",
            "26-10",
            "FY26",
            "2026",
            "",
            "2026-10-01",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        for future in ["2027-01", "2027-Q1", "FY2028"] {
            assert!(parse(future).is_err(), "{future}");
        }
    }
}
