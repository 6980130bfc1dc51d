//! Residents' feedback of one agency over a period, row by row, for the CSV export: what
//! each row says (comments redacted as stored, nothing that identifies the resident), read
//! as a stream so an export of any size is never held in memory. For the agency's editors,
//! and for reviewers and admins.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Months, NaiveDate};
use futures_util::{Stream, StreamExt};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::catalog::Catalog;
use crate::catalog::error::{CatalogError, CatalogResult};
use crate::catalog::experience::DriverCounts;
use crate::catalog::experience::Period;
use crate::catalog::feedback_month::{in_period, total};
use crate::catalog::principal::{Principal, require_agency_staff};
use crate::catalog::types::{ChannelKind, CxDriver, Slug};
use crate::entity::{feedback, feedback_month, journey_stage, life_event, service, ux_metric};

/// The columns of the export, in order.
pub const COLUMNS: [&str; 13] = [
    "submitted_on",
    "service",
    "channel_kind",
    "life_event",
    "stage",
    "satisfaction",
    "trust",
    "positive_drivers",
    "negative_drivers",
    "entry_point",
    "language",
    "comment",
    "synthetic",
];

/// What an export reads: the agency's services, and the names its rows refer to.
#[derive(Debug, Clone)]
pub struct FeedbackExport {
    period: Period,
    services: HashMap<i32, String>,
    life_events: HashMap<i32, String>,
    stages: HashMap<i32, String>,
}

impl FeedbackExport {
    /// `row` as the export's cells, in [`COLUMNS`] order.
    pub fn cells(&self, row: &feedback::Model) -> [String; 13] {
        let name = |names: &HashMap<i32, String>, id: Option<i32>| {
            id.and_then(|id| names.get(&id).cloned())
                .unwrap_or_default()
        };
        let drivers = |set: &crate::entity::enums::Drivers| {
            set.0
                .iter()
                .map(|d| d.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        };
        [
            row.submitted_on.to_string(),
            name(&self.services, Some(row.service_id)),
            row.channel_kind.as_str().to_owned(),
            name(&self.life_events, row.life_event_id),
            name(&self.stages, row.journey_stage_id),
            row.satisfaction.to_string(),
            row.trust.map(|t| t.to_string()).unwrap_or_default(),
            drivers(&row.positive_drivers),
            drivers(&row.negative_drivers),
            row.entry_point
                .map(|e| e.as_str().to_owned())
                .unwrap_or_default(),
            row.language.clone(),
            row.comment.clone().unwrap_or_default(),
            row.synthetic.to_string(),
        ]
    }
}

impl Catalog {
    /// The export of agency `agency`'s feedback over `period`, for `principal` (the
    /// agency's EDITOR, a REVIEWER or an ADMIN), or why not.
    pub async fn feedback_export(
        &self,
        principal: &Principal,
        agency: &str,
        period: Period,
    ) -> CatalogResult<FeedbackExport> {
        let (_, services) = self.exported_services(principal, agency).await?;
        let life_events = life_event::Entity::find()
            .all(&self.db)
            .await?
            .into_iter()
            .map(|e| (e.id, e.slug))
            .collect();
        let stages = journey_stage::Entity::find()
            .all(&self.db)
            .await?
            .into_iter()
            .map(|s| (s.id, s.slug))
            .collect();
        Ok(FeedbackExport {
            period,
            services,
            life_events,
            stages,
        })
    }

    /// Agency `agency`'s slug and its services' slugs by id, for `principal` (the agency's
    /// EDITOR, a REVIEWER or an ADMIN), or why not.
    async fn exported_services(
        &self,
        principal: &Principal,
        agency: &str,
    ) -> CatalogResult<(String, HashMap<i32, String>)> {
        let slug = Slug::parse("agency", agency)?;
        let agency = self
            .agency_by_slug(&slug)
            .await?
            .ok_or_else(|| CatalogError::not_found("agency", "agency"))?;
        require_agency_staff(principal, agency.id, "residents' feedback")?;
        let services = service::Entity::find()
            .filter(service::Column::AgencyId.eq(agency.id))
            .filter(service::Column::RevisionOfId.is_null())
            .all(&self.db)
            .await?
            .into_iter()
            .map(|s| (s.id, s.slug))
            .collect();
        Ok((agency.slug, services))
    }

    /// The export's rows, oldest first, as the database sends them.
    pub async fn feedback_rows<'a>(
        &'a self,
        export: &FeedbackExport,
    ) -> CatalogResult<impl Stream<Item = CatalogResult<feedback::Model>> + Send + 'a> {
        let ids: Vec<i32> = export.services.keys().copied().collect();
        let rows = feedback::Entity::find()
            .filter(feedback::Column::ServiceId.is_in(ids))
            .filter(feedback::Column::SubmittedOn.gte(export.period.start))
            .filter(feedback::Column::SubmittedOn.lt(export.period.end))
            .order_by_asc(feedback::Column::SubmittedOn)
            .order_by_asc(feedback::Column::Id)
            .stream(&self.db)
            .await?;
        Ok(rows.map(|row| row.map_err(CatalogError::from)))
    }
}

/// The columns of the A-11 quarterly export, in order.
pub const A11_COLUMNS: [&str; 18] = [
    "fiscal_year",
    "quarter",
    "period_start",
    "period_end",
    "agency",
    "service",
    "channel",
    "volume_of_customers",
    "volume_of_respondents",
    "question",
    "answer_1",
    "answer_2",
    "answer_3",
    "answer_4",
    "answer_5",
    "went_well",
    "did_not_go_well",
    "synthetic",
];

/// One service and channel's answers in a quarter, summed by the database from the monthly
/// rollups.
#[derive(Debug, sea_orm::FromQueryResult)]
struct AnswerCounts {
    service_id: i32,
    channel_kind: ChannelKind,
    respondents: i64,
    synthetic: i64,
    s1: i64,
    s2: i64,
    s3: i64,
    s4: i64,
    s5: i64,
    t1: i64,
    t2: i64,
    t3: i64,
    t4: i64,
    t5: i64,
    /// Each driver's mentions.
    #[sea_orm(nested)]
    drivers: DriverCounts,
}

/// An agency's quarter in the shape of the OMB A-11 Section 280 quarterly submission: for
/// each service and channel with responses or measured transactions, the customers served
/// (transactions started, as the agency reported them) and the respondents, then one row
/// per question: the satisfaction and trust questions with their counts per answer (1 to
/// 5), and each CX driver with how many said it went well and how many said it did not.
#[derive(Debug, Clone)]
pub struct A11Export {
    /// The rows, as cells in [`A11_COLUMNS`] order: by service slug, channel kind, question.
    pub rows: Vec<[String; 18]>,
}

/// The US federal fiscal year and quarter (October to September) of a calendar quarter
/// starting on `start`: July to September 2026 is FY2026 Q4.
fn federal_quarter(start: NaiveDate) -> (i32, u32) {
    let calendar = start.month0() / 3 + 1;
    match calendar {
        4 => (start.year() + 1, 1),
        q => (start.year(), q + 1),
    }
}

impl Catalog {
    /// Agency `agency`'s A-11 quarterly export for `period` (a calendar quarter), for
    /// `principal` (the agency's EDITOR, a REVIEWER or an ADMIN), or why not.
    pub async fn a11_export(
        &self,
        principal: &Principal,
        agency: &str,
        period: Period,
    ) -> CatalogResult<A11Export> {
        let is_quarter = period.start.day() == 1
            && period.start.month0().is_multiple_of(3)
            && period.start.checked_add_months(Months::new(3)) == Some(period.end);
        if !is_quarter {
            return Err(CatalogError::bad_input(
                "period",
                "the A-11 submission is quarterly: give a quarter, such as 2026-Q3",
            ));
        }
        let (agency, services) = self.exported_services(principal, agency).await?;
        let ids: Vec<i32> = services.keys().copied().collect();
        let mut select = feedback_month::Entity::find()
            .select_only()
            .column(feedback_month::Column::ServiceId)
            .column(feedback_month::Column::ChannelKind)
            .column_as(total("responses"), "respondents");
        let mut counts = vec!["synthetic".to_owned()];
        for answer in 1..=5 {
            counts.push(format!("s{answer}"));
            counts.push(format!("t{answer}"));
        }
        for driver in CxDriver::ALL {
            let name = driver.as_str().to_lowercase();
            counts.push(format!("p_{name}"));
            counts.push(format!("n_{name}"));
        }
        for column in counts {
            select = select.column_as(total(&column), column);
        }
        let answers = select
            .filter(feedback_month::Column::ServiceId.is_in(ids.clone()))
            .filter(in_period(period))
            .group_by(feedback_month::Column::ServiceId)
            .group_by(feedback_month::Column::ChannelKind)
            .into_model::<AnswerCounts>()
            .all(&self.db)
            .await?;
        let customers: Vec<(i32, ChannelKind, i64, i64)> = ux_metric::Entity::find()
            .select_only()
            .column(ux_metric::Column::ServiceId)
            .column(ux_metric::Column::ChannelKind)
            .column_as(Expr::cust("CAST(SUM(started) AS BIGINT)"), "started")
            .column_as(
                Expr::cust("CAST(SUM(CASE WHEN synthetic THEN 1 ELSE 0 END) AS BIGINT)"),
                "synthetic",
            )
            .filter(ux_metric::Column::ServiceId.is_in(ids))
            .filter(ux_metric::Column::Month.gte(period.start))
            .filter(ux_metric::Column::Month.lt(period.end))
            .group_by(ux_metric::Column::ServiceId)
            .group_by(ux_metric::Column::ChannelKind)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(a11_rows(period, &agency, &services, &answers, &customers))
    }
}

/// One service and channel of the export: its answers, its customers, whether any of it is
/// synthetic.
type Group<'a> = (Option<&'a AnswerCounts>, Option<i64>, bool);

/// The export's rows from the database's counts.
fn a11_rows(
    period: Period,
    agency: &str,
    services: &HashMap<i32, String>,
    answers: &[AnswerCounts],
    customers: &[(i32, ChannelKind, i64, i64)],
) -> A11Export {
    let (fiscal_year, quarter) = federal_quarter(period.start);
    let last_day = period.end.pred_opt().unwrap_or(period.end);
    // Every service and channel with answers or customers, in slug and kind order.
    let mut groups: BTreeMap<(String, ChannelKind), Group> = BTreeMap::new();
    let slug = |id: i32| services.get(&id).cloned().unwrap_or_default();
    for counts in answers {
        let entry = groups
            .entry((slug(counts.service_id), counts.channel_kind))
            .or_default();
        entry.0 = Some(counts);
        entry.2 |= counts.synthetic > 0;
    }
    for (service_id, kind, started, synthetic) in customers {
        let entry = groups.entry((slug(*service_id), *kind)).or_default();
        entry.1 = Some(*started);
        entry.2 |= *synthetic > 0;
    }
    let mut rows = Vec::new();
    for ((service, kind), (counts, customers, synthetic)) in groups {
        let respondents = counts.map_or(0, |c| c.respondents);
        let row = |question: &str, answers: [Option<i64>; 5], went: Option<(i64, i64)>| {
            let cell = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
            [
                fiscal_year.to_string(),
                quarter.to_string(),
                period.start.to_string(),
                last_day.to_string(),
                agency.to_owned(),
                service.clone(),
                kind.as_str().to_owned(),
                cell(customers),
                respondents.to_string(),
                question.to_owned(),
                cell(answers[0]),
                cell(answers[1]),
                cell(answers[2]),
                cell(answers[3]),
                cell(answers[4]),
                cell(went.map(|w| w.0)),
                cell(went.map(|w| w.1)),
                synthetic.to_string(),
            ]
        };
        let Some(c) = counts else {
            // Customers were served but nobody answered: the volumes alone.
            rows.push(row("", [None; 5], None));
            continue;
        };
        rows.push(row(
            "satisfaction",
            [c.s1, c.s2, c.s3, c.s4, c.s5].map(Some),
            None,
        ));
        rows.push(row("trust", [c.t1, c.t2, c.t3, c.t4, c.t5].map(Some), None));
        for driver in CxDriver::ALL {
            rows.push(row(
                &driver.as_str().to_lowercase(),
                [None; 5],
                Some(c.drivers.of(*driver)),
            ));
        }
    }
    A11Export { rows }
}
