//! `recommendServices` and `eligibilityQuestions`: what a resident may need, and what to ask
//! them next.

use async_graphql::{Context, Enum, InputObject, Object, Result, SimpleObject};

use super::connection::{PageInfo, edges};
use super::context::loader;
use super::context::reader;
use super::criterion::{Criterion, CriterionOption};
use super::enums::{CriterionKind, RelationKind, Relevance};
use super::error::GqlResult;
use super::integrity;
use super::life_event::{JourneyStage, LifeEvent};
use super::loaders::{CriterionById, LifeEventById, ServiceById, StageById};
use super::scalars::{Date, Json};
use super::service::Service;
use crate::catalog::PageRequest;
use crate::catalog::eligibility::{CriterionShape, Threshold};
use crate::catalog::recommend::{self, Check, Explained, Question, Reason, ResidentSituation};

/// A resident's answer to one eligibility criterion.
#[derive(InputObject, Debug, Clone)]
pub struct AnswerInput {
    /// The criterion's key, e.g. `birth-date`.
    pub criterion: String,
    /// The answer, of the criterion's kind: `true`/`false`, a number, a date string such as
    /// `"1981-06-30"`, one option value, or a list of option values.
    pub value: Json,
}

/// What a portal knows about a resident.
#[derive(InputObject, Debug, Clone)]
pub struct RecommendationInput {
    /// The life events the resident is going through, by slug (1 to 20).
    pub life_events: Vec<String>,
    /// Where the resident lives, by code (e.g. `US-NY-NYC`): services of that jurisdiction
    /// and of every jurisdiction above it are considered.
    pub jurisdiction: String,
    /// Answers to eligibility criteria; see `criteria` and `eligibilityQuestions`.
    #[graphql(default)]
    pub answers: Vec<AnswerInput>,
    /// The date to evaluate eligibility on; today (UTC) when omitted. Fix it to make results
    /// reproducible.
    pub as_of: Option<Date>,
    /// Also return services the answers rule out, ranked last, marked `INELIGIBLE`.
    #[graphql(default)]
    pub include_ineligible: bool,
}

impl From<RecommendationInput> for ResidentSituation {
    fn from(input: RecommendationInput) -> Self {
        situation(
            input.life_events,
            input.jurisdiction,
            input.answers,
            input.as_of,
        )
    }
}

fn situation(
    life_events: Vec<String>,
    jurisdiction: String,
    answers: Vec<AnswerInput>,
    as_of: Option<Date>,
) -> ResidentSituation {
    ResidentSituation {
        life_events,
        jurisdiction,
        answers: answers
            .into_iter()
            .map(|a| (a.criterion, a.value.0))
            .collect(),
        as_of: as_of.map_or_else(|| chrono::Utc::now().date_naive(), |d| d.0),
    }
}

/// Whether a resident can get a service, from the answers given so far.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "recommend::EligibilityStatus")]
pub enum EligibilityStatus {
    /// Every rule group is met: an ALL group when each of its rules is met, an ANY group
    /// when one of its rules is (the others may be unanswered); and the service names
    /// nothing its rules cannot screen (its `agencyChecks` is empty).
    Eligible,
    /// Every rule group is met, but the agency also checks what a pre-screen cannot know,
    /// named in `agencyChecks` (e.g. net income after deductions, resources, immigration
    /// status): the resident is likely eligible and should apply; the agency decides.
    LikelyEligible,
    /// Some rule group fails: an ALL group when one of its rules is not met, an ANY group
    /// when none is. Shown only with `includeIneligible`, after every other service.
    Ineligible,
    /// No rule group fails, but some group waits on an unanswered rule.
    Unknown,
    /// The catalog holds no eligibility rules for the service: the agency decides (see its
    /// `eligibilitySummary`). Never called eligible.
    NotScreened,
}

/// How one rule came out against the resident's answers.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::catalog::eligibility::Outcome")]
pub enum CheckOutcome {
    /// The answer meets the rule.
    Met,
    /// The answer does not meet the rule.
    NotMet,
    /// The criterion is not answered yet.
    Unanswered,
}

/// What kind of reason a recommendation gives.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReasonKind {
    /// A chosen life event links the service at a journey stage.
    LifeEvent,
    /// Another recommended service relates to this one.
    RelatedService,
}

/// One rule checked against the resident's answers.
#[derive(Debug, Clone)]
pub struct EligibilityCheck(Check);

/// One rule checked against the resident's answers.
#[Object]
impl EligibilityCheck {
    /// The criterion the rule is about.
    async fn criterion(&self, ctx: &Context<'_>) -> Result<Criterion> {
        let found = loader(ctx)?
            .load_one(CriterionById(self.0.criterion_id))
            .await?;
        integrity(found, "check criterion").map(Criterion)
    }

    /// The rule in plain words.
    async fn rule(&self) -> &str {
        &self.0.rule
    }

    /// How the rule came out.
    async fn outcome(&self) -> CheckOutcome {
        self.0.outcome.into()
    }

    /// For an income rule: the amount the income is compared with, and where it comes
    /// from; `null` for other rules, and until the household size is answered.
    async fn threshold(&self) -> Option<IncomeThreshold> {
        self.0.threshold.clone().map(IncomeThreshold)
    }
}

/// The amount an income rule compares a resident's income with.
#[derive(Debug, Clone)]
pub struct IncomeThreshold(Threshold);

/// The amount an income rule compares a resident's income with.
#[Object]
impl IncomeThreshold {
    /// The reference table's key, e.g. `hhs-poverty-guidelines`.
    async fn table_key(&self) -> &str {
        &self.0.table_key
    }

    /// The reference table's name.
    async fn table_name(&self) -> &str {
        &self.0.table_name
    }

    /// The first day of the table version used: the one in force on `asOf`.
    async fn effective_from(&self) -> Date {
        Date(self.0.effective_from)
    }

    /// The household size the amount is for.
    async fn household_size(&self) -> i32 {
        i32::try_from(self.0.household_size).unwrap_or(i32::MAX)
    }

    /// The percent of the table's amount the rule allows (or requires, for a floor).
    async fn percent(&self) -> f64 {
        self.0.percent
    }

    /// The threshold itself: `percent` of the table's amount for the household, over
    /// `period`, rounded to the cent (an income is compared with it to the cent).
    async fn amount(&self) -> f64 {
        self.0.amount
    }

    /// The period of `amount`: the income criterion's.
    async fn period(&self) -> super::enums::IncomePeriod {
        self.0.period.into()
    }

    /// Where the table's figures come from.
    async fn source_url(&self) -> &str {
        &self.0.source_url
    }
}

/// Whether the resident can get the service, with each rule checked.
#[derive(SimpleObject, Debug, Clone)]
pub struct Eligibility {
    /// The overall result.
    pub status: EligibilityStatus,
    /// Every rule of the service, checked against the answers.
    #[graphql(
        complexity = "crate::graphql::limits::list(crate::graphql::limits::caps::CHECKS, child_complexity)"
    )]
    pub checks: Vec<EligibilityCheck>,
    /// What the agency checks that the catalog cannot screen, from the service's
    /// `agencyChecks`: why a service whose rules are all met is `LIKELY_ELIGIBLE`.
    pub agency_checks: Vec<String>,
}

/// Why a service is recommended, in words a resident understands, with the data behind it.
#[derive(Debug, Clone)]
pub struct RecommendationReason(Explained);

/// Why a service is recommended, in words a resident understands, with the data behind it.
#[Object]
impl RecommendationReason {
    /// What kind of reason this is.
    async fn kind(&self) -> ReasonKind {
        match self.0.reason {
            Reason::LifeEvent { .. } => ReasonKind::LifeEvent,
            Reason::RelatedService { .. } => ReasonKind::RelatedService,
        }
    }

    /// The reason as a sentence to show residents.
    async fn text(&self) -> &str {
        &self.0.text
    }

    /// The life event that links the service (for `LIFE_EVENT` reasons).
    async fn life_event(&self, ctx: &Context<'_>) -> Result<Option<LifeEvent>> {
        let Reason::LifeEvent { life_event_id, .. } = self.0.reason else {
            return Ok(None);
        };
        Ok(loader(ctx)?
            .load_one(LifeEventById(life_event_id))
            .await?
            .map(LifeEvent))
    }

    /// The journey stage of the link (for `LIFE_EVENT` reasons).
    async fn stage(&self, ctx: &Context<'_>) -> Result<Option<JourneyStage>> {
        let Reason::LifeEvent { stage_id, .. } = self.0.reason else {
            return Ok(None);
        };
        Ok(loader(ctx)?
            .load_one(StageById(stage_id))
            .await?
            .map(JourneyStage))
    }

    /// How central the service is to the life event (for `LIFE_EVENT` reasons).
    async fn relevance(&self) -> Option<Relevance> {
        match self.0.reason {
            Reason::LifeEvent { relevance, .. } => Some(relevance.into()),
            Reason::RelatedService { .. } => None,
        }
    }

    /// The recommended service this one is related to (for `RELATED_SERVICE` reasons).
    async fn related_service(&self, ctx: &Context<'_>) -> Result<Option<Service>> {
        let Reason::RelatedService { service_id, .. } = self.0.reason else {
            return Ok(None);
        };
        Ok(loader(ctx)?
            .load_one(ServiceById(service_id))
            .await?
            .map(Service))
    }

    /// How that service relates to this one (for `RELATED_SERVICE` reasons).
    async fn relation_kind(&self) -> Option<RelationKind> {
        match self.0.reason {
            Reason::RelatedService { kind, .. } => Some(kind.into()),
            Reason::LifeEvent { .. } => None,
        }
    }

    /// The reason recorded in the catalog, without the lead-in of `text`.
    async fn detail(&self) -> &str {
        match &self.0.reason {
            Reason::LifeEvent { reason, .. } | Reason::RelatedService { reason, .. } => reason,
        }
    }
}

/// One recommended service, with its rank, eligibility and reasons.
#[derive(Debug, Clone)]
pub struct Recommendation(recommend::Recommendation<Explained>);

/// One recommended service, with its rank, eligibility and reasons.
#[Object]
impl Recommendation {
    /// The service.
    async fn service(&self, ctx: &Context<'_>) -> Result<Service> {
        let found = loader(ctx)?
            .load_one(ServiceById(self.0.service_id))
            .await?;
        integrity(found, "recommended service").map(Service)
    }

    /// Other offices' listings of the same program (services sharing its `program`),
    /// left out of the result because this one serves the resident's jurisdiction more
    /// closely, e.g. the state's SNAP listing beside New York City's for a city resident.
    async fn other_listings(&self, ctx: &Context<'_>) -> Result<Vec<Service>> {
        let found = crate::graphql::loaders::load_in_order(
            loader(ctx)?,
            self.0.same_program.iter().map(|&id| ServiceById(id)),
        )
        .await?;
        Ok(found.into_iter().map(Service).collect())
    }

    /// Its score: higher is more relevant (see the README for how it is computed).
    async fn score(&self) -> f64 {
        self.0.score
    }

    /// Its position in the whole result, from 1.
    async fn rank(&self) -> i32 {
        i32::try_from(self.0.rank).unwrap_or(i32::MAX)
    }

    /// Whether the resident can get it, from the answers given.
    async fn eligibility(&self) -> Eligibility {
        Eligibility {
            status: self.0.eligibility.into(),
            checks: self
                .0
                .checks
                .iter()
                .take(crate::graphql::limits::caps::CHECKS)
                .cloned()
                .map(EligibilityCheck)
                .collect(),
            agency_checks: self.0.agency_checks.to_vec(),
        }
    }

    /// Why it is recommended: the life events and stages that link it, and the recommended
    /// services it is related to.
    #[graphql(
        complexity = "crate::graphql::limits::list(crate::graphql::limits::caps::REASONS, child_complexity)"
    )]
    async fn reasons(&self) -> Vec<RecommendationReason> {
        self.0
            .reasons
            .iter()
            .take(crate::graphql::limits::caps::REASONS)
            .cloned()
            .map(RecommendationReason)
            .collect()
    }

    /// The journey stage it belongs to in this result, to group the list by stage.
    async fn stage(&self, ctx: &Context<'_>) -> Result<Option<JourneyStage>> {
        let Some(stage) = self.0.stage_id else {
            return Ok(None);
        };
        Ok(loader(ctx)?
            .load_one(StageById(stage))
            .await?
            .map(JourneyStage))
    }
}

/// One recommendation with the cursor that marks its position.
#[derive(SimpleObject, Debug, Clone)]
pub struct RecommendationEdge {
    /// Pass this as `after` to fetch the recommendations that follow.
    pub cursor: String,
    /// The recommendation.
    pub node: Recommendation,
}

/// A life event the resident may also be going through.
#[derive(Debug, Clone)]
pub struct SuggestedLifeEvent(recommend::SuggestedLifeEvent);

/// A life event the resident may also be going through.
#[Object]
impl SuggestedLifeEvent {
    /// The suggested life event.
    async fn life_event(&self, ctx: &Context<'_>) -> Result<LifeEvent> {
        let found = loader(ctx)?
            .load_one(LifeEventById(self.0.life_event_id))
            .await?;
        integrity(found, "suggested life event").map(LifeEvent)
    }

    /// Why it is suggested, e.g. "Losing income often puts rent at risk".
    async fn reason(&self) -> &str {
        &self.0.reason
    }

    /// The chosen life event that suggests it.
    async fn because_of(&self, ctx: &Context<'_>) -> Result<LifeEvent> {
        let found = loader(ctx)?
            .load_one(LifeEventById(self.0.because_of))
            .await?;
        integrity(found, "suggesting life event").map(LifeEvent)
    }
}

/// A page of recommendations, best first, with life events worth asking about.
#[derive(SimpleObject, Debug, Clone)]
pub struct RecommendationConnection {
    /// The recommendations of this page, each with its cursor.
    pub edges: Vec<RecommendationEdge>,
    /// The recommendations of this page, without cursors.
    pub nodes: Vec<Recommendation>,
    /// Where this page sits in the whole result.
    pub page_info: PageInfo,
    /// How many services the whole result holds.
    pub total_count: i32,
    /// Life events related to the chosen ones that the resident may also face, e.g.
    /// housing insecurity for someone who lost a job.
    #[graphql(
        complexity = "crate::graphql::limits::list(crate::graphql::limits::caps::REASONS, child_complexity)"
    )]
    pub suggested_life_events: Vec<SuggestedLifeEvent>,
}

impl From<recommend::RecommendationPage> for RecommendationConnection {
    fn from(result: recommend::RecommendationPage) -> Self {
        let (edges, page_info, total_count) = edges(result.page, Recommendation);
        Self {
            nodes: edges.iter().map(|e| e.1.clone()).collect(),
            edges: edges
                .into_iter()
                .map(|(cursor, node)| RecommendationEdge { cursor, node })
                .collect(),
            page_info,
            total_count,
            suggested_life_events: result
                .suggested_life_events
                .into_iter()
                .take(crate::graphql::limits::caps::REASONS)
                .map(SuggestedLifeEvent)
                .collect(),
        }
    }
}

/// A criterion worth asking next.
#[derive(Debug, Clone)]
pub struct EligibilityQuestion {
    question: Question,
    shape: Option<CriterionShape>,
}

/// A criterion worth asking next.
#[Object]
impl EligibilityQuestion {
    /// The criterion to ask about.
    async fn criterion(&self, ctx: &Context<'_>) -> Result<Criterion> {
        let found = loader(ctx)?
            .load_one(CriterionById(self.question.criterion_id))
            .await?;
        integrity(found, "question criterion").map(Criterion)
    }

    /// The type of answer it takes.
    async fn kind(&self) -> Option<CriterionKind> {
        self.shape.as_ref().map(|s| s.kind.into())
    }

    /// The allowed answers of a `SELECT` or `MULTI_SELECT` criterion.
    #[graphql(
        complexity = "crate::graphql::limits::list(crate::graphql::limits::caps::OPTIONS, child_complexity)"
    )]
    async fn options(&self) -> Vec<CriterionOption> {
        self.shape
            .iter()
            .flat_map(|s| s.options.iter())
            .map(|o| CriterionOption {
                value: o.value.clone(),
                label: o.label.clone(),
            })
            .collect()
    }

    /// How many still-undecided candidate services have a rule on this criterion.
    async fn decides(&self) -> i32 {
        i32::try_from(self.question.decides).unwrap_or(i32::MAX)
    }

    /// The summed relevance score of those services (their life-event links and
    /// relations, as `score` counts them without eligibility): the list's order, so the
    /// first question is the one that may settle the most of what ranks highest.
    async fn relevance(&self) -> f64 {
        self.question.relevance
    }
}

/// Root fields for recommendations.
#[derive(Default)]
pub struct RecommendationQuery;

/// Root fields for recommendations.
#[Object]
impl RecommendationQuery {
    /// The services a resident going through these life events may need, best first, each
    /// with its eligibility and the reasons it is shown. Services reached through several
    /// life events appear once and rank higher; services related to a recommended one
    /// (requires, complements, follow-up) are added below the directly linked ones.
    #[graphql(complexity = "crate::graphql::limits::page(first, last, child_complexity)")]
    async fn recommend_services(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the portal knows about the resident.")] input: RecommendationInput,
        #[graphql(desc = "How many recommendations to return: 0 to 100, 20 when omitted.")]
        first: Option<i32>,
        #[graphql(desc = "Return the recommendations after this cursor.")] after: Option<String>,
        #[graphql(
            desc = "How many recommendations to return from the end of the list (or from just before `before`): 0 to 100. Not with `first`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "Return the recommendations before this cursor (with `last`, to page back)."
        )]
        before: Option<String>,
    ) -> Result<RecommendationConnection> {
        let request = PageRequest::parse(first, after.as_deref(), last, before.as_deref()).gql()?;
        let include = input.include_ineligible;
        let result = reader(ctx)?
            .recommend(&input.into(), include, &request)
            .await
            .gql_in("input")?;
        Ok(result.into())
    }

    /// The eligibility criteria still worth asking a resident, most decisive first: the
    /// criterion whose answer may settle the most relevance (the summed `relevance` of the
    /// still-undecided candidate services with a rule on it, then how many they are).
    /// Answered criteria are not returned. Ask the first, add the answer, and ask again.
    #[graphql(
        complexity = "crate::graphql::limits::list(crate::graphql::limits::caps::QUESTIONS, child_complexity)"
    )]
    async fn eligibility_questions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The life events the resident is going through, by slug.")]
        life_events: Vec<String>,
        #[graphql(desc = "Where the resident lives, by code (e.g. `US-NY`).")] jurisdiction: String,
        #[graphql(desc = "The answers given so far.", default)] answers: Vec<AnswerInput>,
        #[graphql(desc = "The date to evaluate eligibility on; today (UTC) when omitted.")]
        as_of: Option<Date>,
    ) -> Result<Vec<EligibilityQuestion>> {
        let situation = situation(life_events, jurisdiction, answers, as_of);
        let (questions, index) = reader(ctx)?.eligibility_questions(&situation).await.gql()?;
        Ok(questions
            .into_iter()
            .take(crate::graphql::limits::caps::QUESTIONS)
            .map(|question| EligibilityQuestion {
                shape: index.criterion_shape(question.criterion_id).cloned(),
                question,
            })
            .collect())
    }
}
