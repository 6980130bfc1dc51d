//! A life event's journey as residents experience it, in GraphQL: stages with their
//! services' scores and abandonment, and the experience gaps ranked worst first.

use async_graphql::{Context, Object, Result};

use crate::catalog::journey::{
    Gap, JourneyExperience, ServiceJourneyScore as ServiceScore, StageExperience as Stage,
};
use crate::graphql::context::loader;
use crate::graphql::enums::ExperienceGapKind;
use crate::graphql::experience::{ExperiencePeriod, ExperienceScores};
use crate::graphql::integrity;
use crate::graphql::life_event::JourneyStage;
use crate::graphql::loaders::ServiceById;
use crate::graphql::service::Service;

/// A life event's journey over a period, from residents' feedback on its published
/// services and the transactions their agencies reported.
#[derive(Debug, Clone)]
pub struct LifeEventExperience(pub JourneyExperience);

/// A life event's journey over a period, from residents' feedback on its published
/// services and the transactions their agencies reported.
#[Object]
impl LifeEventExperience {
    /// The period.
    async fn period(&self) -> ExperiencePeriod {
        self.0.period.into()
    }

    /// Whether the period holds synthetic demonstration data (the set `serve` loads on a
    /// first run): figures that include it describe no real resident.
    async fn synthetic(&self) -> bool {
        self.0.synthetic
    }

    /// Every stage, in journey order.
    #[graphql(
        complexity = "crate::graphql::limits::list(crate::graphql::limits::caps::STAGES, child_complexity)"
    )]
    async fn stages(&self) -> Vec<StageExperience> {
        self.0.stages.iter().cloned().map(StageExperience).collect()
    }

    /// Where residents fare worst, worst first: stages with low satisfaction or high
    /// abandonment, and hand-offs between consecutive stages where satisfaction falls.
    /// Each has a severity from 0 to 1 (see `ExperienceGapKind`) and the figures behind it;
    /// ties go to the earlier stage. Stages whose figures are withheld make no gap.
    #[graphql(
        complexity = "crate::graphql::limits::list(3 * crate::graphql::limits::caps::STAGES, child_complexity)"
    )]
    async fn gaps(&self) -> Vec<ExperienceGap> {
        self.0
            .gaps
            .iter()
            .map(|gap| ExperienceGap {
                gap: gap.clone(),
                stage: self.0.stages.get(gap.stage).map(|s| s.stage.clone()),
                next_stage: gap
                    .next_stage
                    .and_then(|i| self.0.stages.get(i))
                    .map(|s| s.stage.clone()),
            })
            .collect()
    }
}

/// How one stage fared.
#[derive(Debug, Clone)]
pub struct StageExperience(pub Stage);

/// How one stage fared.
#[Object]
impl StageExperience {
    /// The stage.
    async fn stage(&self) -> JourneyStage {
        JourneyStage(self.0.stage.clone())
    }

    /// The feedback on all its services together.
    async fn scores(&self) -> ExperienceScores {
        self.0.scores.clone().into()
    }

    /// Transactions started on its services, as their agencies reported them.
    async fn started(&self) -> i64 {
        self.0.started
    }

    /// The share of them abandoned (`null` when none were reported).
    async fn abandonment_rate(&self) -> Option<f64> {
        self.0.abandonment_rate
    }

    /// The touchpoint mix: its services' feedback by touchpoint category (digital,
    /// physical, human), the categories with responses, each withheld on its own below the
    /// minimum.
    #[graphql(complexity = "crate::graphql::limits::list(3, child_complexity)")]
    async fn by_category(&self) -> Vec<crate::graphql::experience::CategoryExperience> {
        crate::graphql::experience::categories(&self.0.by_category)
    }

    /// Its services, each with its own figures.
    #[graphql(
        complexity = "crate::graphql::limits::list(crate::graphql::limits::caps::STAGE_SERVICES, child_complexity)"
    )]
    async fn services(&self) -> Vec<ServiceJourneyScore> {
        self.0
            .services
            .iter()
            .cloned()
            .map(ServiceJourneyScore)
            .collect()
    }
}

/// How one service of a stage fared.
#[derive(Debug, Clone)]
pub struct ServiceJourneyScore(pub ServiceScore);

/// How one service of a stage fared.
#[Object]
impl ServiceJourneyScore {
    /// The service.
    async fn service(&self, ctx: &Context<'_>) -> Result<Service> {
        let found = loader(ctx)?
            .load_one(ServiceById(self.0.service_id))
            .await?;
        integrity(found, "journey service").map(Service)
    }

    /// Its feedback over the period.
    async fn scores(&self) -> ExperienceScores {
        self.0.scores.clone().into()
    }

    /// Transactions started, as its agency reported them.
    async fn started(&self) -> i64 {
        self.0.started
    }

    /// The share of them abandoned (`null` when none were reported).
    async fn abandonment_rate(&self) -> Option<f64> {
        self.0.abandonment_rate
    }
}

/// One experience gap.
#[derive(Debug, Clone)]
pub struct ExperienceGap {
    gap: Gap,
    stage: Option<crate::catalog::records::JourneyStage>,
    next_stage: Option<crate::catalog::records::JourneyStage>,
}

/// One experience gap.
#[Object]
impl ExperienceGap {
    /// Why it ranks here.
    async fn kind(&self) -> ExperienceGapKind {
        self.gap.kind.into()
    }

    /// The stage (for a drop, the stage satisfaction falls from).
    async fn stage(&self) -> Option<JourneyStage> {
        self.stage.clone().map(JourneyStage)
    }

    /// For a drop, the stage satisfaction falls to.
    async fn next_stage(&self) -> Option<JourneyStage> {
        self.next_stage.clone().map(JourneyStage)
    }

    /// How bad, from 0 to 1.
    async fn severity(&self) -> f64 {
        self.gap.severity
    }

    /// The figures behind it, in a sentence.
    async fn reason(&self) -> &str {
        &self.gap.reason
    }
}
