//! How an agency's residents fare, for the state CX office: each of its published services
//! with its feedback scores, its most named negative driver and the transactions its
//! systems counted, and the agency's own pooled figures; and the **CSSP scorecard**, every
//! Critical State Service Provider side by side, sortable. For ADMIN and REVIEWER keys
//! only; figures below the minimum number of responses are withheld as everywhere else.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::catalog::Catalog;
use crate::catalog::error::{CatalogError, CatalogResult};
use crate::catalog::experience::{Feedback, NO_SUMS, Period, Scores, scores};
use crate::catalog::feedback_month::Services;
use crate::catalog::page::{Cursor, Page, PageRequest};
use crate::catalog::principal::Principal;
use crate::catalog::records;
use crate::catalog::service::published;
use crate::catalog::store::sorted_keys;
use crate::catalog::types::{CxDriver, Role};
use crate::catalog::ux_metrics::Transactions;
use crate::entity::{cssp_designation, service};

/// How one service fared.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceScorecard {
    /// The service's row id.
    pub service_id: i32,
    /// Its feedback.
    pub scores: Scores,
    /// The driver residents most often said did not go well (`None` when none did, or the
    /// figures are withheld).
    pub top_negative_driver: Option<CxDriver>,
    /// Its transactions, every channel together.
    pub transactions: Transactions,
}

/// How one agency fared over a period.
#[derive(Debug, Clone, PartialEq)]
pub struct AgencyExperience {
    /// The agency.
    pub agency: records::Agency,
    /// Whether it is a CSSP.
    pub cssp: bool,
    /// The period the figures cover (its services' figures are read page by page, with
    /// [`Catalog::service_scorecard_pages`]).
    pub period: Period,
    /// The feedback on all its services together (every response about a service it runs,
    /// including services since archived).
    pub scores: Scores,
    /// The driver most often named as not having gone well across its services.
    pub top_negative_driver: Option<CxDriver>,
    /// All its services' transactions together.
    pub transactions: Transactions,
    /// Whether the period holds synthetic demonstration data ([`crate::catalog::synthetic`]).
    pub synthetic: bool,
}

/// What the scorecard is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScorecardOrder {
    /// CSAT (the share of 4 and 5 answers).
    Csat,
    /// Mean trust.
    Trust,
    /// Responses.
    Responses,
    /// The share of transactions abandoned.
    AbandonmentRate,
    /// The agency's name.
    Name,
}

/// The oversight key behind `principal`: ADMIN or REVIEWER.
fn require_oversight(principal: &Principal) -> CatalogResult<()> {
    match principal {
        Principal::Key(key) if matches!(key.role, Role::Admin | Role::Reviewer) => Ok(()),
        Principal::Key(key) => Err(CatalogError::Forbidden {
            message: format!(
                "only ADMIN and REVIEWER keys read agencies' experience; this is a {} key",
                key.role.as_str()
            ),
        }),
        Principal::Anonymous => Err(CatalogError::unauthenticated(
            "agencies' experience needs an ADMIN or REVIEWER key: send `Authorization: Bearer <token>`",
        )),
    }
}

/// The driver with the most negative mentions in `counts` (ties: `CxDriver` order).
fn top_negative(counts: &HashMap<CxDriver, (i64, i64)>) -> Option<CxDriver> {
    CxDriver::ALL
        .iter()
        .filter_map(|d| counts.get(d).map(|(_, negative)| (*d, *negative)))
        .filter(|(_, negative)| *negative > 0)
        .fold(None, |best: Option<(CxDriver, i64)>, (d, n)| match best {
            Some((_, m)) if m >= n => best,
            _ => Some((d, n)),
        })
        .map(|(d, _)| d)
}

/// The scores of `feedback` (sums and driver mentions; none when nobody answered) and its
/// top negative driver, which is withheld with the scores below `minimum` responses.
fn figures(feedback: Option<Feedback>, minimum: u64) -> (Scores, Option<CxDriver>) {
    let (sums, drivers) = feedback.unwrap_or((NO_SUMS, HashMap::new()));
    let scores = scores(sums, minimum);
    let top = scores
        .withheld
        .is_none()
        .then(|| top_negative(&drivers))
        .flatten();
    (scores, top)
}

/// `figure` of `a` against `b`, missing figures last whichever the direction.
fn by_figure(a: Option<f64>, b: Option<f64>, descending: bool) -> std::cmp::Ordering {
    match (a, b) {
        (Some(a), Some(b)) if descending => b.total_cmp(&a),
        (Some(a), Some(b)) => a.total_cmp(&b),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    }
}

/// Sorts `agencies` by `order` (`descending` or not), then by name.
pub fn sort_scorecard(agencies: &mut [AgencyExperience], order: ScorecardOrder, descending: bool) {
    let by_name =
        |a: &AgencyExperience| (crate::catalog::page::sort_key(&a.agency.name), a.agency.id);
    agencies.sort_by(|a, b| {
        let first = match order {
            ScorecardOrder::Csat => by_figure(a.scores.csat, b.scores.csat, descending),
            ScorecardOrder::Trust => by_figure(a.scores.trust, b.scores.trust, descending),
            ScorecardOrder::Responses => {
                let ord = a.scores.responses.cmp(&b.scores.responses);
                if descending { ord.reverse() } else { ord }
            }
            ScorecardOrder::AbandonmentRate => by_figure(
                a.transactions.abandonment_rate(),
                b.transactions.abandonment_rate(),
                descending,
            ),
            ScorecardOrder::Name => {
                let ord = by_name(a).cmp(&by_name(b));
                if descending { ord.reverse() } else { ord }
            }
        };
        first.then_with(|| by_name(a).cmp(&by_name(b)))
    });
}

impl Catalog {
    /// How agency `agency_id` fared over `period`, for an ADMIN or REVIEWER `principal`.
    pub async fn agency_experience(
        &self,
        principal: &Principal,
        agency_id: i32,
        period: Period,
        minimum: u64,
    ) -> CatalogResult<AgencyExperience> {
        require_oversight(principal)?;
        let mut all = self
            .agencies_experience(&[agency_id], period, minimum)
            .await?;
        all.pop()
            .ok_or_else(|| CatalogError::not_found("agency", "agency"))
    }

    /// Every CSSP agency over `period`, sorted by `order`, for an ADMIN or REVIEWER.
    pub async fn cssp_scorecard(
        &self,
        principal: &Principal,
        period: Period,
        minimum: u64,
        (order, descending): (ScorecardOrder, bool),
    ) -> CatalogResult<Vec<AgencyExperience>> {
        require_oversight(principal)?;
        let ids: Vec<i32> = cssp_designation::Entity::find()
            .all(&self.db)
            .await?
            .into_iter()
            .map(|c| c.agency_id)
            .collect();
        let mut agencies = self.agencies_experience(&ids, period, minimum).await?;
        sort_scorecard(&mut agencies, order, descending);
        Ok(agencies)
    }

    /// How each of `agency_ids` fared (the ones that exist), from the agency rollups: a few
    /// rows per agency, whatever the number of its services.
    async fn agencies_experience(
        &self,
        agency_ids: &[i32],
        period: Period,
        minimum: u64,
    ) -> CatalogResult<Vec<AgencyExperience>> {
        let agencies = self.agencies_by_ids(agency_ids).await?;
        let cssps = self.cssp_of_agencies(agency_ids).await?;
        // Independent aggregates: the database runs them side by side.
        let (mut feedback, synthetic, transactions) = tokio::try_join!(
            self.feedback_of_agencies(agency_ids, period),
            self.holds_synthetic(period),
            self.transactions_of_agencies(agency_ids, period),
        )?;
        let mut out = Vec::with_capacity(agencies.len());
        for &agency_id in agency_ids {
            let Some(agency) = agencies.get(&agency_id) else {
                continue;
            };
            let (scores, top_negative_driver) = figures(feedback.remove(&agency_id), minimum);
            out.push(AgencyExperience {
                agency: agency.clone(),
                cssp: cssps.contains_key(&agency_id),
                period,
                top_negative_driver,
                scores,
                transactions: transactions.get(&agency_id).copied().unwrap_or_default(),
                synthetic,
            });
        }
        Ok(out)
    }

    /// Pages of agencies' published services (by name) with how each fared, for an ADMIN or
    /// REVIEWER `principal`: for each [`ScorecardPage`] asked for, that agency's page over
    /// its period. Every agency's services are listed by one statement and the figures of
    /// every page over one period are summed together (two statements per period), so a
    /// scorecard of every CSSP with its services costs the same few statements as one agency.
    pub async fn service_scorecard_pages(
        &self,
        principal: &Principal,
        pages: &[ScorecardPage],
    ) -> CatalogResult<HashMap<ScorecardPage, Page<ServiceScorecard>>> {
        require_oversight(principal)?;
        let agencies: Vec<i32> = pages.iter().map(|p| p.agency_id).collect();
        let rows: Vec<(i32, i32, String)> = service::Entity::find()
            .select_only()
            .column(service::Column::AgencyId)
            .column(service::Column::Id)
            .column(service::Column::Name)
            .filter(service::Column::AgencyId.is_in(agencies))
            .filter(published())
            .filter(service::Column::RevisionOfId.is_null())
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut keys = sorted_keys(rows.into_iter());
        let sliced: Vec<(&ScorecardPage, Page<Cursor>)> = pages
            .iter()
            .map(|asked| {
                let all = keys.get(&asked.agency_id).cloned().unwrap_or_default();
                (
                    asked,
                    Page::slice(all, &asked.request, |k| k.id, Clone::clone),
                )
            })
            .collect();
        keys.clear();
        let mut periods: Vec<Period> = pages.iter().map(|p| p.period).collect();
        periods.sort_by_key(|p| (p.start, p.end));
        periods.dedup();
        let mut by_period = HashMap::new();
        for period in periods {
            let ids: Vec<i32> = sliced
                .iter()
                .filter(|(asked, _)| asked.period == period)
                .flat_map(|(_, page)| page.items.iter().map(|(k, _)| k.id))
                .collect();
            let covered = Services(&ids);
            let found = tokio::try_join!(
                self.feedback_and_drivers(covered, period),
                self.transactions_by_service(covered, period),
            )?;
            by_period.insert(period, found);
        }
        let nothing = (HashMap::new(), HashMap::new());
        Ok(sliced
            .into_iter()
            .map(|(asked, page)| {
                let (feedback, transactions) = by_period.get(&asked.period).unwrap_or(&nothing);
                let page = page.map(|key| {
                    let (scores, top_negative_driver) =
                        figures(feedback.get(&key.id).cloned(), asked.minimum);
                    ServiceScorecard {
                        service_id: key.id,
                        top_negative_driver,
                        scores,
                        transactions: transactions.get(&key.id).copied().unwrap_or_default(),
                    }
                });
                (asked.clone(), page)
            })
            .collect())
    }
}

/// One agency's page of services on the scorecard: which agency, over what period, which
/// page, and the fewest responses a figure is shown from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ScorecardPage {
    pub agency_id: i32,
    pub period: Period,
    pub minimum: u64,
    pub request: PageRequest,
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::top_negative;
    use crate::catalog::types::CxDriver;

    #[test]
    fn the_top_negative_driver_is_the_most_named_first_in_order_on_ties() {
        let counts: HashMap<CxDriver, (i64, i64)> = [
            (CxDriver::Ease, (9, 2)),
            (CxDriver::Transparency, (0, 3)),
            (CxDriver::Efficiency, (0, 3)),
        ]
        .into_iter()
        .collect();
        let first_of_the_tied = CxDriver::ALL
            .iter()
            .copied()
            .find(|d| matches!(d, CxDriver::Transparency | CxDriver::Efficiency));
        assert_eq!(top_negative(&counts), first_of_the_tied);
        assert_eq!(top_negative(&HashMap::new()), None);
        let only_positive = [(CxDriver::Ease, (4, 0))].into_iter().collect();
        assert_eq!(top_negative(&only_positive), None);
    }
}
