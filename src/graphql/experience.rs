//! How residents experience services, in GraphQL: aggregates of their feedback.

use async_graphql::{Context, Object, SimpleObject};

use crate::catalog::experience::{Period, Scores, ServiceExperience as Experience};
use crate::graphql::enums::{ChannelKind, CxDriver, EntryPoint, TouchpointCategory};
use crate::graphql::scalars::Date;

/// The fewest responses a public figure is computed from (`--min-responses`).
#[derive(Debug, Clone, Copy)]
pub struct MinResponses(pub u64);

/// The dates a period covers.
#[derive(SimpleObject, Debug, Clone)]
pub struct ExperiencePeriod {
    /// The first day.
    pub start: Date,
    /// The last day.
    pub end: Date,
}

impl From<Period> for ExperiencePeriod {
    fn from(period: Period) -> Self {
        Self {
            start: Date(period.start),
            end: Date(period.end.pred_opt().unwrap_or(period.end)),
        }
    }
}

/// Feedback figures over a set of responses. Below the minimum number of responses
/// (10 unless the operator set another) every figure is `null` and `withheld` says why.
#[derive(SimpleObject, Debug, Clone)]
pub struct ExperienceScores {
    /// How many responses there are.
    pub responses: u64,
    /// Mean overall satisfaction, 1 (very dissatisfied) to 5 (very satisfied).
    pub satisfaction: Option<f64>,
    /// CSAT: the share of responses rating satisfaction 4 or 5, from 0 to 1.
    pub csat: Option<f64>,
    /// Mean answer to the trust question (1 to 5), over the responses that answered it.
    pub trust: Option<f64>,
    /// Why the figures are `null`, when they are.
    pub withheld: Option<String>,
}

impl From<Scores> for ExperienceScores {
    fn from(s: Scores) -> Self {
        Self {
            responses: s.responses,
            satisfaction: s.satisfaction,
            csat: s.csat,
            trust: s.trust,
            withheld: s.withheld,
        }
    }
}

/// The experience through one kind of channel.
#[derive(SimpleObject, Debug, Clone)]
pub struct ChannelExperience {
    /// The kind of channel.
    pub channel_kind: ChannelKind,
    /// Its touchpoint category: digital, physical or human.
    pub category: TouchpointCategory,
    /// The figures.
    pub scores: ExperienceScores,
}

/// The experience through one touchpoint category.
#[derive(SimpleObject, Debug, Clone)]
pub struct CategoryExperience {
    /// Digital, physical or human.
    pub category: TouchpointCategory,
    /// The figures.
    pub scores: ExperienceScores,
}

/// The experience at one journey stage.
#[derive(SimpleObject, Debug, Clone)]
pub struct StageScores {
    /// The stage residents said they were at.
    pub stage: crate::graphql::life_event::JourneyStage,
    /// The figures.
    pub scores: ExperienceScores,
}

/// How many residents found a service one way.
#[derive(SimpleObject, Debug, Clone)]
pub struct EntryPointShare {
    /// The way they found it.
    pub entry_point: EntryPoint,
    /// The responses that named it.
    pub responses: u64,
    /// Their share of all the period's responses, 0 to 1.
    pub share: f64,
}

/// The experience in one month.
#[derive(SimpleObject, Debug, Clone)]
pub struct MonthScores {
    /// The month, e.g. `2026-10`.
    pub month: String,
    /// The figures.
    pub scores: ExperienceScores,
}

/// How often residents named an A-11 driver as having gone well or not.
#[derive(SimpleObject, Debug, Clone)]
pub struct DriverShare {
    /// The driver.
    pub driver: CxDriver,
    /// The share of responses naming it as having gone well, 0 to 1.
    pub positive: f64,
    /// The share of responses naming it as not having gone well, 0 to 1.
    pub negative: f64,
}

/// How residents experienced a service over a period, from their feedback.
#[derive(Debug, Clone)]
pub struct ServiceExperience(pub Experience);

/// How residents experienced a service over a period, from their feedback.
#[Object]
impl ServiceExperience {
    /// The period.
    async fn period(&self) -> ExperiencePeriod {
        self.0.period.into()
    }

    /// Whether the period holds synthetic demonstration data (the set `serve` loads on a
    /// first run): figures that include it describe no real resident.
    async fn synthetic(&self) -> bool {
        self.0.synthetic
    }

    /// All responses of the period.
    async fn overall(&self) -> ExperienceScores {
        self.0.overall.clone().into()
    }

    /// Each A-11 driver's positive and negative share of the responses; empty when the
    /// period's figures are withheld.
    #[graphql(
        complexity = "crate::graphql::limits::list(crate::catalog::types::CxDriver::ALL.len(), child_complexity)"
    )]
    async fn drivers(&self) -> Vec<DriverShare> {
        self.0
            .drivers
            .iter()
            .map(|(driver, positive, negative)| DriverShare {
                driver: (*driver).into(),
                positive: *positive,
                negative: *negative,
            })
            .collect()
    }

    /// By kind of channel, the kinds residents answered about.
    #[graphql(
        complexity = "crate::graphql::limits::list(crate::catalog::types::ChannelKind::ALL.len(), child_complexity)"
    )]
    async fn by_channel(&self) -> Vec<ChannelExperience> {
        self.0
            .by_channel
            .iter()
            .map(|(kind, scores)| ChannelExperience {
                channel_kind: (*kind).into(),
                category: kind.category().into(),
                scores: scores.clone().into(),
            })
            .collect()
    }

    /// By touchpoint category (digital, physical, human), pooling its kinds of channel.
    async fn by_category(&self) -> Vec<CategoryExperience> {
        categories(&self.0.by_category)
    }

    /// By the journey stage residents said they were at, the stages with responses.
    #[graphql(
        complexity = "crate::graphql::limits::list(crate::graphql::limits::caps::SERVICE_LIFE_EVENTS * crate::graphql::limits::caps::STAGES, child_complexity)"
    )]
    async fn by_stage(&self) -> Vec<StageScores> {
        self.0
            .by_stage
            .iter()
            .map(|(stage, scores)| StageScores {
                stage: crate::graphql::life_event::JourneyStage(stage.clone()),
                scores: scores.clone().into(),
            })
            .collect()
    }

    /// How residents found the service, most responses first; empty when the period's
    /// figures are withheld.
    async fn entry_points(&self) -> Vec<EntryPointShare> {
        let responses = self.0.overall.responses.max(1) as f64;
        self.0
            .entry_points
            .iter()
            .map(|(point, n)| EntryPointShare {
                entry_point: (*point).into(),
                responses: *n,
                share: *n as f64 / responses,
            })
            .collect()
    }

    /// Month by month, the months of the period with responses, in order; each month's
    /// figures are withheld below the minimum on their own.
    #[graphql(complexity = "crate::graphql::limits::list(12, child_complexity)")]
    async fn trend(&self) -> Vec<MonthScores> {
        self.0
            .trend
            .iter()
            .map(|(month, scores)| MonthScores {
                month: month.format("%Y-%m").to_string(),
                scores: scores.clone().into(),
            })
            .collect()
    }

    /// What the agency's systems measured over the period (transactions, their outcome
    /// rates, time and clicks to complete), by kind of channel, beside what residents said.
    #[graphql(
        complexity = "crate::graphql::limits::list(crate::catalog::types::ChannelKind::ALL.len(), child_complexity)"
    )]
    async fn ux_metrics(&self) -> Vec<crate::graphql::ux_metrics::UxMetrics> {
        self.0
            .ux_metrics
            .iter()
            .cloned()
            .map(crate::graphql::ux_metrics::UxMetrics)
            .collect()
    }
}

/// The period a `period` argument names: a month (`2026-10`), a quarter (`2026-Q3`) or a
/// fiscal year (`FY2026`); the current month when omitted. Malformed or future periods are
/// `BAD_USER_INPUT`.
pub fn period(text: Option<String>) -> async_graphql::Result<Period> {
    use crate::graphql::error::GqlResult;
    match text {
        Some(text) => Period::parse("period", &text, chrono::Utc::now().date_naive()).gql(),
        None => Ok(Period::this_month()),
    }
}

/// The minimum number of responses in force for this request.
pub fn min_responses(ctx: &Context<'_>) -> u64 {
    ctx.data_opt::<MinResponses>().map_or(10, |m| m.0)
}

/// Figures by touchpoint category, as GraphQL objects.
pub fn categories(
    by_category: &[(crate::catalog::types::TouchpointCategory, Scores)],
) -> Vec<CategoryExperience> {
    by_category
        .iter()
        .map(|(category, scores)| CategoryExperience {
            category: (*category).into(),
            scores: scores.clone().into(),
        })
        .collect()
}
