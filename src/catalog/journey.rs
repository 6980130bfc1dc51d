//! A life event's journey as residents experience it: for each stage in order, its
//! services with their feedback scores and abandonment, the stage's own pooled score, and
//! the **experience gaps** (the stages and the hand-offs between consecutive stages where
//! residents fare worst), ranked, each with the reason it ranks there.
//!
//! Ranking (see [`rank_gaps`]): every candidate gets a severity from 0 to 1, and the list is
//! sorted by it, worst first (ties: the earlier stage first):
//! - `LOW_SATISFACTION`, a stage whose figures are shown: (5 - mean satisfaction) / 4;
//! - `HIGH_ABANDONMENT`, a stage whose services reported transactions: the share of the
//!   transactions started that were abandoned;
//! - `SATISFACTION_DROP`, two consecutive stages both with figures shown, where the mean
//!   satisfaction falls from one to the next: the fall / 4.
//!
//! Candidates of severity 0 are left out. Figures below the minimum number of responses
//! are withheld (and make no candidate), as everywhere else.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, QueryFilter, QuerySelect};

use crate::catalog::Catalog;
use crate::catalog::error::CatalogResult;
use crate::catalog::experience::{GroupSums, NO_SUMS, Period, Scores, Sums, pool, scores};
use crate::catalog::feedback_month::{Services, sums_by as month_sums};
use crate::catalog::records;
use crate::catalog::types::{ChannelKind, TouchpointCategory};
use crate::catalog::ux_metrics::Transactions;
use crate::entity::feedback_month;

/// How one service of a stage fared.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceJourneyScore {
    /// The service's row id.
    pub service_id: i32,
    /// Its feedback over the period.
    pub scores: Scores,
    /// Transactions started, as its agency reported them for the period.
    pub started: i64,
    /// The share of them abandoned (`None` when none were reported).
    pub abandonment_rate: Option<f64>,
}

/// How one stage fared: its services, and their feedback and transactions pooled.
#[derive(Debug, Clone, PartialEq)]
pub struct StageExperience {
    /// The stage.
    pub stage: records::JourneyStage,
    /// Its services, in the stage's order.
    pub services: Vec<ServiceJourneyScore>,
    /// The feedback on all its services together.
    pub scores: Scores,
    /// Transactions started on all its services together.
    pub started: i64,
    /// The share of them abandoned.
    pub abandonment_rate: Option<f64>,
    /// The touchpoint mix: its services' feedback by touchpoint category (digital,
    /// physical, human), the categories with responses, in order.
    pub by_category: Vec<(TouchpointCategory, Scores)>,
}

/// Why a gap ranks where it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GapKind {
    /// Residents are dissatisfied at this stage.
    LowSatisfaction,
    /// Residents give up at this stage.
    HighAbandonment,
    /// Satisfaction falls from this stage to the next.
    SatisfactionDrop,
}

/// One experience gap.
#[derive(Debug, Clone, PartialEq)]
pub struct Gap {
    /// What kind of gap.
    pub kind: GapKind,
    /// The stage (for a drop, the stage it falls from), as an index into the stages.
    pub stage: usize,
    /// For a drop, the stage it falls to.
    pub next_stage: Option<usize>,
    /// How bad, 0 to 1 (see the module documentation).
    pub severity: f64,
    /// The figures behind it, in a sentence.
    pub reason: String,
}

/// A life event's journey over a period.
#[derive(Debug, Clone, PartialEq)]
pub struct JourneyExperience {
    /// The period.
    pub period: Period,
    /// Every stage, in journey order.
    pub stages: Vec<StageExperience>,
    /// The gaps, worst first.
    pub gaps: Vec<Gap>,
    /// Whether the period holds synthetic demonstration data ([`crate::catalog::synthetic`]).
    pub synthetic: bool,
}

/// The gaps of `stages`, worst first (see the module documentation).
pub fn rank_gaps(stages: &[StageExperience]) -> Vec<Gap> {
    let mut gaps = Vec::new();
    for (i, stage) in stages.iter().enumerate() {
        if let Some(satisfaction) = stage.scores.satisfaction {
            gaps.push(Gap {
                kind: GapKind::LowSatisfaction,
                stage: i,
                next_stage: None,
                severity: (5.0 - satisfaction) / 4.0,
                reason: format!(
                    "mean satisfaction {satisfaction:.1} of 5 over {} responses at \"{}\"",
                    stage.scores.responses, stage.stage.name
                ),
            });
        }
        if let Some(rate) = stage.abandonment_rate {
            gaps.push(Gap {
                kind: GapKind::HighAbandonment,
                stage: i,
                next_stage: None,
                severity: rate,
                reason: format!(
                    "{:.0}% of the {} transactions started at \"{}\" were abandoned",
                    rate * 100.0,
                    stage.started,
                    stage.stage.name
                ),
            });
        }
        if let Some(next) = stages.get(i + 1)
            && let (Some(from), Some(to)) = (stage.scores.satisfaction, next.scores.satisfaction)
            && to < from
        {
            gaps.push(Gap {
                kind: GapKind::SatisfactionDrop,
                stage: i,
                next_stage: Some(i + 1),
                severity: (from - to) / 4.0,
                reason: format!(
                    "mean satisfaction falls from {from:.1} at \"{}\" to {to:.1} at \"{}\"",
                    stage.stage.name, next.stage.name
                ),
            });
        }
    }
    gaps.retain(|g| g.severity > 0.0);
    gaps.sort_by(|a, b| {
        b.severity
            .total_cmp(&a.severity)
            .then(a.stage.cmp(&b.stage))
    });
    gaps
}

impl Catalog {
    /// Life event `life_event_id`'s journey over `period`, from the feedback on and the
    /// transactions of its published services, figures shown from `minimum` responses.
    pub async fn life_event_experience(
        &self,
        life_event_id: i32,
        period: Period,
        minimum: u64,
    ) -> CatalogResult<JourneyExperience> {
        let stages = self
            .stages_of_life_events(&[life_event_id])
            .await?
            .remove(&life_event_id)
            .unwrap_or_default();
        let stage_ids: Vec<i32> = stages.iter().map(|s| s.id).collect();
        let mut links = self.service_links_of_stages(&stage_ids).await?;
        let service_ids: Vec<i32> = links.values().flatten().map(|l| l.service_id).collect();
        let covered = Services(&service_ids);
        // Independent aggregates: the database runs them side by side.
        let (feedback, by_kind, transactions, synthetic) = tokio::try_join!(
            self.feedback_sums_by_service(covered, period),
            self.feedback_sums_by_kind(&service_ids, period),
            self.transactions_by_service(covered, period),
            self.holds_synthetic(period),
        )?;
        let stages: Vec<StageExperience> = stages
            .into_iter()
            .map(|stage| {
                let mut pooled: Sums = NO_SUMS;
                let mut stage_transactions = Transactions::default();
                let mut categories: Vec<(TouchpointCategory, Sums)> = Vec::new();
                let services = links
                    .remove(&stage.id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|link| {
                        let sums = feedback.get(&link.service_id).copied().unwrap_or(NO_SUMS);
                        pooled = pool(pooled, sums);
                        for (kind, sums) in by_kind.get(&link.service_id).into_iter().flatten() {
                            match categories.iter_mut().find(|(c, _)| *c == kind.category()) {
                                Some((_, pooled)) => *pooled = pool(*pooled, *sums),
                                None => categories.push((kind.category(), *sums)),
                            }
                        }
                        let counted = transactions
                            .get(&link.service_id)
                            .copied()
                            .unwrap_or_default();
                        stage_transactions = stage_transactions + counted;
                        ServiceJourneyScore {
                            service_id: link.service_id,
                            scores: scores(sums, minimum),
                            started: counted.started,
                            abandonment_rate: counted.abandonment_rate(),
                        }
                    })
                    .collect();
                categories.sort_by_key(|(category, _)| *category);
                StageExperience {
                    by_category: categories
                        .into_iter()
                        .map(|(category, sums)| (category, scores(sums, minimum)))
                        .collect(),
                    stage,
                    services,
                    scores: scores(pooled, minimum),
                    started: stage_transactions.started,
                    abandonment_rate: stage_transactions.abandonment_rate(),
                }
            })
            .collect();
        let gaps = rank_gaps(&stages);
        Ok(JourneyExperience {
            period,
            stages,
            gaps,
            synthetic,
        })
    }

    /// The feedback sums of each of `services` over `period`, by service id.
    pub(crate) async fn feedback_sums_by_service(
        &self,
        services: Services<'_>,
        period: Period,
    ) -> CatalogResult<HashMap<i32, Sums>> {
        let rows: Vec<GroupSums<i32>> = month_sums(feedback_month::Column::ServiceId, period)
            .filter(services.condition(
                feedback_month::Column::ServiceId,
                self.db.get_database_backend(),
            ))
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, n, s, happy, tn, t)| (id, (n, s, happy, tn, t)))
            .collect())
    }
}

impl Catalog {
    /// The feedback sums of each of `service_ids` over `period`, by service id and then by
    /// channel kind.
    async fn feedback_sums_by_kind(
        &self,
        service_ids: &[i32],
        period: Period,
    ) -> CatalogResult<HashMap<i32, Vec<(ChannelKind, Sums)>>> {
        type Row = (
            ChannelKind,
            i64,
            Option<i64>,
            Option<i64>,
            i64,
            Option<i64>,
            i32,
        );
        let rows: Vec<Row> = month_sums(feedback_month::Column::ChannelKind, period)
            .column(feedback_month::Column::ServiceId)
            .filter(feedback_month::Column::ServiceId.is_in(service_ids.to_vec()))
            .group_by(feedback_month::Column::ServiceId)
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut by_service: HashMap<i32, Vec<(ChannelKind, Sums)>> = HashMap::new();
        for (kind, n, s, happy, tn, t, service_id) in rows {
            by_service
                .entry(service_id)
                .or_default()
                .push((kind, (n, s, happy, tn, t)));
        }
        Ok(by_service)
    }
}

#[cfg(test)]
mod tests {
    use super::{GapKind, StageExperience, rank_gaps};
    use crate::catalog::experience::Scores;

    fn stage(name: &str, satisfaction: Option<f64>, abandonment: Option<f64>) -> StageExperience {
        StageExperience {
            stage: crate::entity::journey_stage::Model {
                id: 0,
                life_event_id: 1,
                position: 0,
                slug: name.to_lowercase(),
                name: name.to_owned(),
                description: String::new(),
            },
            services: Vec::new(),
            scores: Scores {
                responses: 20,
                satisfaction,
                csat: None,
                trust: None,
                withheld: satisfaction.is_none().then(|| "fewer".to_owned()),
            },
            started: 100,
            abandonment_rate: abandonment,
            by_category: Vec::new(),
        }
    }

    #[test]
    fn gaps_rank_by_severity_with_their_reasons() {
        let stages = [
            stage("Income", Some(4.2), Some(0.10)),
            stage("Housing", Some(2.2), Some(0.40)),
            stage("Health", None, None),
            stage("Support", Some(4.8), None),
        ];
        let gaps = rank_gaps(&stages);
        let ranked: Vec<(GapKind, usize, Option<usize>)> = gaps
            .iter()
            .map(|g| (g.kind, g.stage, g.next_stage))
            .collect();
        assert_eq!(
            ranked,
            [
                // Housing: (5 - 2.2) / 4 = 0.7
                (GapKind::LowSatisfaction, 1, None),
                // Income to Housing: (4.2 - 2.2) / 4 = 0.5
                (GapKind::SatisfactionDrop, 0, Some(1)),
                (GapKind::HighAbandonment, 1, None),
                // Income: (5 - 4.2) / 4 = 0.2
                (GapKind::LowSatisfaction, 0, None),
                (GapKind::HighAbandonment, 0, None),
                // Support: 0.05; no drop into or out of Health, whose figures are withheld.
                (GapKind::LowSatisfaction, 3, None),
            ]
        );
        assert!((gaps[0].severity - 0.7).abs() < 1e-9);
        assert_eq!(
            gaps[1].reason,
            "mean satisfaction falls from 4.2 at \"Income\" to 2.2 at \"Housing\""
        );
        assert_eq!(
            gaps[2].reason,
            "40% of the 100 transactions started at \"Housing\" were abandoned"
        );
    }
}
