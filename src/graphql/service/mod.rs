//! Services and what hangs off them: channels, life-event links, related services,
//! eligibility rules, required documents, languages and taxonomy terms.

pub mod mutation;
pub mod parts;

use async_graphql::{Context, ID, InputObject, Object, Result};

use crate::catalog::eligibility::{CriterionShape, Rule};
use crate::catalog::records;
use crate::catalog::service::{RelatedService, RuleGroup};
use crate::catalog::types as domain;
use crate::catalog::types::{JurisdictionCode, Slug};
use crate::catalog::{Cursor, Page, PageRequest, ServiceFilter as DomainFilter};
use crate::graphql::agency::Agency;
use crate::graphql::audit::AuditEvent;
use crate::graphql::connection::ServiceConnection;
use crate::graphql::context::catalog;
use crate::graphql::context::loader;
use crate::graphql::context::principal;
use crate::graphql::context::reader;
use crate::graphql::criterion::Criterion;
use crate::graphql::enums::{
    ChannelKind, RelationDirection, RelationKind, Relevance, RuleGroupMode, RuleOperator,
    ServiceStatus, TouchpointCategory,
};
use crate::graphql::error::GqlResult;
use crate::graphql::experience::{ServiceExperience, min_responses, period as period_of};
use crate::graphql::feedback::FeedbackComment;
use crate::graphql::integrity;
use crate::graphql::jurisdiction::Jurisdiction;
use crate::graphql::life_event::{JourneyStage, LifeEvent};
use crate::graphql::limits::caps;
use crate::graphql::loaders::{
    AgencyById, ChannelsOfService, CriterionById, DocumentsOfService, JurisdictionById,
    JurisdictionsOfService, LanguagesOfService, LifeEventById, LinksOfService, PartnersOfService,
    RelationsOfService, RevisionOfService, RulesOfService, ServiceById, StageById, TermById,
    TermsOfService, load_in_order,
};
use crate::graphql::node::{NodeKind, global_id};
use crate::graphql::scalars::{DateTime, Json};

/// A government service residents can use, such as Unemployment Insurance or SNAP, with
/// how to reach it, who is eligible, and how it fits the life events residents go through.
#[derive(Debug, Clone)]
pub struct Service(pub records::Service);

/// A government service residents can use, such as Unemployment Insurance or SNAP, with
/// how to reach it, who is eligible, and how it fits the life events residents go through.
#[Object]
impl Service {
    /// The service's global id (a pending revision carries the id of its service).
    pub async fn id(&self) -> ID {
        global_id(
            NodeKind::Service,
            crate::catalog::service::write::record_id(&self.0),
        )
    }

    /// Its URL-safe identifier, e.g. `nys-unemployment-insurance`.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// Its name as residents know it.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// One or two sentences on what it offers.
    async fn summary(&self) -> &str {
        &self.0.summary
    }

    /// A fuller description in plain language.
    async fn description(&self) -> &str {
        &self.0.description
    }

    /// Who can get it, in plain language. `eligibilityRules` holds the same in a form a
    /// machine can evaluate.
    async fn eligibility_summary(&self) -> Option<&str> {
        self.0.eligibility_summary.as_deref()
    }

    /// What the agency checks that a pre-screen cannot know (e.g. "net income after
    /// deductions", "immigration status"), in the agency's order. When every eligibility
    /// rule is met, these are why the verdict is `LIKELY_ELIGIBLE` rather than `ELIGIBLE`.
    async fn agency_checks(&self) -> &[String] {
        &self.0.agency_checks.0
    }

    /// The program it is a listing of, shared by every office that delivers the same
    /// program (e.g. `snap` for the state's and New York City's SNAP listings); `null` when
    /// it is the only one.
    async fn program(&self) -> Option<&str> {
        self.0.program.as_deref()
    }

    /// What it costs, if anything.
    async fn fees(&self) -> Option<&str> {
        self.0.fees.as_deref()
    }

    /// How long a decision or delivery usually takes.
    async fn processing_time(&self) -> Option<&str> {
        self.0.processing_time.as_deref()
    }

    /// Its editorial status; always `PUBLISHED` for public callers.
    async fn status(&self) -> ServiceStatus {
        self.0.status.into()
    }

    /// The owning agency's own id for it, if the agency gave one.
    async fn external_id(&self) -> Option<&str> {
        self.0.external_id.as_deref()
    }

    /// Its revision number, which grows by one with every change. Pass it back as
    /// `expectedVersion` when you edit what you read.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// Whether this is the pending revision of a published service rather than the
    /// service as residents see it.
    async fn is_pending_revision(&self) -> bool {
        self.0.revision_of_id.is_some()
    }

    /// The edits waiting to replace this published service, as the service will read once
    /// a reviewer publishes them (`status` `DRAFT` while being edited, `IN_REVIEW` once
    /// submitted). `null` when there are none, or for callers who may not see them: an
    /// EDITOR of its agency and ADMIN keys always may, REVIEWER keys once it is in review.
    async fn pending_revision(&self, ctx: &Context<'_>) -> Result<Option<Service>> {
        if self.0.revision_of_id.is_some() {
            return Ok(None);
        }
        Ok(loader(ctx)?
            .load_one(RevisionOfService(self.0.id))
            .await?
            .map(Service))
    }

    /// When it was added to the catalog.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }

    /// When it last changed.
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }

    /// When it was first published.
    async fn published_at(&self) -> Option<DateTime> {
        self.0.published_at.map(DateTime)
    }

    /// Its newest 50 recorded changes, newest first (`auditEvents` pages through all of
    /// them). Visible to ADMIN and REVIEWER keys, and to EDITOR keys of its agency; `null`,
    /// with an `UNAUTHENTICATED` or `FORBIDDEN` error, for other callers, so the rest of
    /// the answer stands.
    #[graphql(
        complexity = "crate::graphql::limits::list(crate::graphql::limits::caps::HISTORY, child_complexity)"
    )]
    async fn history(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<Vec<crate::graphql::audit::AuditEvent>>> {
        // Boxed, as every database read a field makes (see `Rounds::read`).
        let events = Box::pin(catalog(ctx)?.service_history(principal(ctx), &self.0)).await;
        let newest = events.gql()?.into_iter().take(caps::HISTORY);
        Ok(Some(newest.map(AuditEvent).collect()))
    }

    /// Residents' comments on it over `period` (as `experience` takes it), newest first,
    /// redacted as stored. Visible to ADMIN and REVIEWER keys, and to EDITOR keys of its
    /// agency; `null`, with an `UNAUTHENTICATED` or `FORBIDDEN` error, for other callers.
    #[graphql(
        complexity = "crate::graphql::limits::list(usize::try_from(first.unwrap_or(20).clamp(1, 100)).unwrap_or(100), child_complexity)"
    )]
    async fn feedback_comments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "`2026-10`, `2026-Q3` or `FY2026`; the current month when omitted.")]
        period: Option<String>,
        #[graphql(desc = "How many comments to return: 1 to 100, 20 when omitted.")] first: Option<
            i32,
        >,
    ) -> Result<Option<Vec<crate::graphql::feedback::FeedbackComment>>> {
        let period = period_of(period)?;
        let limit = u64::try_from(first.unwrap_or(20).clamp(1, 100)).unwrap_or(20);
        let comments = reader(ctx)?
            .live_read(async |c| {
                c.feedback_comments(principal(ctx), &self.0, period, limit)
                    .await
            })
            .await;
        Ok(Some(
            comments.gql()?.into_iter().map(FeedbackComment).collect(),
        ))
    }

    /// How residents experienced it over `period`, from their feedback: a month
    /// (`2026-10`), a quarter (`2026-Q3`) or a fiscal year (`FY2026`, April to March); the
    /// current month when omitted. Malformed or future periods are `BAD_USER_INPUT`.
    async fn experience(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "`2026-10`, `2026-Q3` or `FY2026`.")] period: Option<String>,
    ) -> Result<crate::graphql::experience::ServiceExperience> {
        let (period, minimum) = (period_of(period)?, min_responses(ctx));
        let experience = reader(ctx)?
            .live_read(async |c| c.service_experience(self.0.id, period, minimum).await)
            .await;
        Ok(ServiceExperience(experience.gql()?))
    }

    /// The agency that owns it.
    async fn agency(&self, ctx: &Context<'_>) -> Result<Agency> {
        let found = loader(ctx)?.load_one(AgencyById(self.0.agency_id)).await?;
        integrity(found, "service agency").map(Agency)
    }

    /// Other agencies that deliver it with the owner.
    #[graphql(
        complexity = "crate::graphql::limits::list(crate::graphql::limits::caps::PARTNERS, child_complexity)"
    )]
    async fn partner_agencies(&self, ctx: &Context<'_>) -> Result<Vec<Agency>> {
        let loader = loader(ctx)?;
        let ids = loader.load_one(PartnersOfService(self.0.id)).await?;
        let agencies = load_in_order(loader, ids.into_iter().flatten().map(AgencyById)).await?;
        Ok(agencies.into_iter().map(Agency).collect())
    }

    /// The jurisdictions whose residents it serves.
    #[graphql(
        complexity = "crate::graphql::limits::list(crate::graphql::limits::caps::JURISDICTIONS, child_complexity)"
    )]
    async fn jurisdictions(&self, ctx: &Context<'_>) -> Result<Vec<Jurisdiction>> {
        let loader = loader(ctx)?;
        let ids = loader.load_one(JurisdictionsOfService(self.0.id)).await?;
        let places = load_in_order(loader, ids.into_iter().flatten().map(JurisdictionById)).await?;
        Ok(places.into_iter().map(Jurisdiction).collect())
    }

    /// How to reach it: websites, phone lines, offices and more, in the order to offer them.
    #[graphql(
        complexity = "crate::graphql::limits::list(crate::graphql::limits::caps::CHANNELS, child_complexity)"
    )]
    async fn channels(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only channels of these kinds.")] kinds: Option<Vec<ChannelKind>>,
    ) -> Result<Vec<Channel>> {
        let channels = loader(ctx)?
            .load_one(ChannelsOfService(self.0.id))
            .await?
            .unwrap_or_default();
        let kinds: Option<Vec<domain::ChannelKind>> =
            kinds.map(|ks| ks.into_iter().map(Into::into).collect());
        Ok(channels
            .into_iter()
            .filter(|c| kinds.as_ref().is_none_or(|ks| ks.contains(&c.kind)))
            .map(Channel)
            .collect())
    }

    /// The life events it belongs to, with the journey stage and the reason.
    #[graphql(
        complexity = "crate::graphql::limits::list(crate::graphql::limits::caps::SERVICE_LIFE_EVENTS, child_complexity)"
    )]
    async fn life_events(&self, ctx: &Context<'_>) -> Result<Vec<ServiceLifeEvent>> {
        let links = loader(ctx)?
            .load_one(LinksOfService(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(links
            .into_iter()
            .take(crate::graphql::limits::caps::SERVICE_LIFE_EVENTS)
            .map(ServiceLifeEvent)
            .collect())
    }

    /// Other published services related to this one, both ways: what this service
    /// requires, complements or leads to (`OUTGOING`), and what requires, complements or
    /// leads to it (`INCOMING`).
    #[graphql(
        complexity = "crate::graphql::limits::list(crate::graphql::limits::caps::RELATED_SERVICES, child_complexity)"
    )]
    async fn related_services(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only relations of these kinds.")] kinds: Option<Vec<RelationKind>>,
    ) -> Result<Vec<ServiceRelation>> {
        let relations = loader(ctx)?
            .load_one(RelationsOfService(self.0.id))
            .await?
            .unwrap_or_default();
        let kinds: Option<Vec<domain::RelationKind>> =
            kinds.map(|ks| ks.into_iter().map(Into::into).collect());
        Ok(relations
            .into_iter()
            .filter(|r| kinds.as_ref().is_none_or(|ks| ks.contains(&r.kind)))
            .take(crate::graphql::limits::caps::RELATED_SERVICES)
            .map(ServiceRelation)
            .collect())
    }

    /// Its structured eligibility rules, one entry per rule. Rules of one group combine as
    /// the group's `groupMode` says; the groups combine with AND.
    #[graphql(
        complexity = "crate::graphql::limits::list(crate::graphql::limits::caps::RULES, child_complexity)"
    )]
    async fn eligibility_rules(&self, ctx: &Context<'_>) -> Result<Vec<EligibilityRule>> {
        let groups = loader(ctx)?
            .load_one(RulesOfService(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(groups
            .into_iter()
            .flat_map(RuleGroup::into_rules)
            .map(|(rule, group_mode, group_position)| EligibilityRule {
                rule,
                group_mode,
                group_position,
            })
            .collect())
    }

    /// The documents residents need to apply, in the order to gather them.
    #[graphql(
        complexity = "crate::graphql::limits::list(crate::graphql::limits::caps::DOCUMENTS, child_complexity)"
    )]
    async fn required_documents(&self, ctx: &Context<'_>) -> Result<Vec<RequiredDocument>> {
        let docs = loader(ctx)?
            .load_one(DocumentsOfService(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(docs.into_iter().map(RequiredDocument).collect())
    }

    /// The languages it is offered in.
    #[graphql(
        complexity = "crate::graphql::limits::list(crate::graphql::limits::caps::LANGUAGES, child_complexity)"
    )]
    async fn languages(&self, ctx: &Context<'_>) -> Result<Vec<Language>> {
        let langs = loader(ctx)?
            .load_one(LanguagesOfService(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(langs.into_iter().map(Language).collect())
    }

    /// The taxonomy terms that classify it.
    #[graphql(
        complexity = "crate::graphql::limits::list(crate::graphql::limits::caps::TAXONOMY_TERMS, child_complexity)"
    )]
    async fn taxonomy_terms(&self, ctx: &Context<'_>) -> Result<Vec<TaxonomyTerm>> {
        let terms = loader(ctx)?
            .load_one(TermsOfService(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(terms.into_iter().map(TaxonomyTerm).collect())
    }
}

/// One way to reach a service (a touchpoint): a website, phone line, office, form...
#[derive(Debug, Clone)]
pub struct Channel(pub records::Channel);

/// One way to reach a service (a touchpoint): a website, phone line, office, form...
#[Object]
impl Channel {
    /// The channel's global id; it stays the same when a pending revision changes it.
    pub async fn id(&self) -> ID {
        crate::graphql::service::parts::channel_id(&self.0)
    }

    /// How the service is delivered through it.
    async fn kind(&self) -> ChannelKind {
        self.0.kind.into()
    }

    /// Its touchpoint category: digital, physical or human.
    async fn category(&self) -> TouchpointCategory {
        self.0.category.into()
    }

    /// A short label to show residents, e.g. "Apply online".
    async fn label(&self) -> &str {
        &self.0.label
    }

    /// Its web address, for digital channels.
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }

    /// Its phone number, for phone and text channels.
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }

    /// Its email address, for email channels.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }

    /// Its street or postal address, for in-person and mail channels.
    async fn address(&self) -> Option<&str> {
        self.0.address.as_deref()
    }

    /// When it is open or staffed.
    async fn hours(&self) -> Option<&str> {
        self.0.hours.as_deref()
    }

    /// Language codes it is offered in (e.g. `en`, `es`); empty when not stated.
    #[graphql(
        complexity = "crate::graphql::limits::list(crate::graphql::limits::caps::LANGUAGES, child_complexity)"
    )]
    async fn languages(&self) -> Vec<String> {
        crate::catalog::service::channels::languages_of(&self.0)
    }

    /// Accessibility notes: relay services, step-free access, screen-reader support...
    async fn accessibility(&self) -> Option<&str> {
        self.0.accessibility.as_deref()
    }

    /// The service it belongs to.
    async fn service(&self, ctx: &Context<'_>) -> Result<Service> {
        let found = loader(ctx)?
            .load_one(ServiceById(self.0.service_id))
            .await?;
        integrity(found, "channel service").map(Service)
    }
}

/// A service's place in a life event: the journey stage it belongs to and why.
#[derive(Debug, Clone)]
pub struct ServiceLifeEvent(pub records::ServiceLink);

/// A service's place in a life event: the journey stage it belongs to and why.
#[Object]
impl ServiceLifeEvent {
    /// The life event.
    async fn life_event(&self, ctx: &Context<'_>) -> Result<LifeEvent> {
        let found = loader(ctx)?
            .load_one(LifeEventById(self.0.life_event_id))
            .await?;
        integrity(found, "link life event").map(LifeEvent)
    }

    /// The journey stage of the life event where the service belongs.
    async fn stage(&self, ctx: &Context<'_>) -> Result<JourneyStage> {
        let found = loader(ctx)?
            .load_one(StageById(self.0.journey_stage_id))
            .await?;
        integrity(found, "link stage").map(JourneyStage)
    }

    /// How central the service is to the life event.
    async fn relevance(&self) -> Relevance {
        self.0.relevance.into()
    }

    /// Why the service matters in this life event, in words for residents.
    async fn reason(&self) -> &str {
        &self.0.reason
    }
}

/// A relation between the service being read and another published service.
#[derive(Debug, Clone)]
pub struct ServiceRelation(pub RelatedService);

/// A relation between the service being read and another published service.
#[Object]
impl ServiceRelation {
    /// The kind of relation, read in `direction`.
    async fn kind(&self) -> RelationKind {
        self.0.kind.into()
    }

    /// Why the services are related, in words for residents.
    async fn reason(&self) -> &str {
        &self.0.reason
    }

    /// `OUTGOING`: this service holds the relation ("this REQUIRES that");
    /// `INCOMING`: the other one does ("that REQUIRES this").
    async fn direction(&self) -> RelationDirection {
        self.0.direction.into()
    }

    /// The other service.
    async fn service(&self, ctx: &Context<'_>) -> Result<Service> {
        let found = loader(ctx)?
            .load_one(ServiceById(self.0.service_id))
            .await?;
        integrity(found, "related service").map(Service)
    }
}

/// One structured eligibility rule: a criterion, an operator and the value(s) to compare
/// a resident's answer with.
#[derive(Debug, Clone)]
pub struct EligibilityRule {
    rule: records::EligibilityRule,
    group_mode: domain::RuleGroupMode,
    group_position: i32,
}

/// One structured eligibility rule: a criterion, an operator and the value(s) to compare
/// a resident's answer with.
#[Object]
impl EligibilityRule {
    /// The question the rule is about.
    async fn criterion(&self, ctx: &Context<'_>) -> Result<Criterion> {
        let found = loader(ctx)?
            .load_one(CriterionById(self.rule.criterion_id))
            .await?;
        integrity(found, "rule criterion").map(Criterion)
    }

    /// The comparison made against the resident's answer.
    async fn operator(&self) -> RuleOperator {
        self.rule.operator.into()
    }

    /// The value(s) compared with: a number, a date string, a list of option values, a
    /// `[low, high]` pair for `BETWEEN`, or `null` for operators that take none.
    async fn value(&self) -> Result<Json> {
        serde_json::from_str(&self.rule.value)
            .map(Json)
            .map_err(|e| {
                crate::graphql::error::internal(&format!("rule {} value: {e}", self.rule.id))
            })
    }

    /// The rule in plain words, e.g. "What is your date of birth?: at least 62 years ago".
    async fn description(&self, ctx: &Context<'_>) -> Result<String> {
        let found = loader(ctx)?
            .load_one(CriterionById(self.rule.criterion_id))
            .await?;
        let criterion = integrity(found, "rule criterion")?;
        let shape = CriterionShape::from_row(&criterion).gql()?;
        let rule = Rule::from_row(&shape, self.rule.operator, &self.rule.value).gql()?;
        Ok(rule.describe(&shape))
    }

    /// The position of the rule's group among the service's rule groups (from 1).
    async fn group(&self) -> i32 {
        self.group_position
    }

    /// How the rules of the rule's group combine.
    async fn group_mode(&self) -> RuleGroupMode {
        self.group_mode.into()
    }
}

/// A document residents need to apply for a service.
#[derive(Debug, Clone)]
pub struct RequiredDocument(pub records::RequiredDocument);

/// A document residents need to apply for a service.
#[Object]
impl RequiredDocument {
    /// What the document is, e.g. "Proof of identity".
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Examples of documents that serve, or other details.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
}

/// A language a service is offered in.
#[derive(Debug, Clone)]
pub struct Language(pub records::Language);

/// A language a service is offered in.
#[Object]
impl Language {
    /// Its code (ISO 639-1 where one exists), e.g. `es`.
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// Its English name, e.g. "Spanish".
    async fn name(&self) -> &str {
        &self.0.name
    }
}

/// A term of a classification scheme that applies to a service.
#[derive(Debug, Clone)]
pub struct TaxonomyTerm(pub records::TaxonomyTerm);

/// A term of a classification scheme that applies to a service.
#[Object]
impl TaxonomyTerm {
    /// The scheme the term belongs to, e.g. `civic-catalog`.
    async fn scheme(&self) -> &str {
        &self.0.scheme
    }

    /// The term's code within its scheme.
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// The term's name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The broader term it sits under, in the same scheme; `null` for a top-level term.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<TaxonomyTerm>> {
        let Some(parent_id) = self.0.parent_id else {
            return Ok(None);
        };
        let found = loader(ctx)?.load_one(TermById(parent_id)).await?;
        integrity(found, "taxonomy term parent").map(|t| Some(TaxonomyTerm(t)))
    }
}

/// Narrows the service list. Every field given must match.
#[derive(InputObject, Debug, Default)]
pub struct ServiceFilter {
    /// Only services owned by, or delivered in partnership with, the agency with this slug
    /// (an unknown slug is `BAD_USER_INPUT`).
    pub agency: Option<String>,
    /// Only services linked to the life event with this slug (an unknown slug is
    /// `BAD_USER_INPUT`).
    pub life_event: Option<String>,
    /// Only services available to a resident of this jurisdiction (by code): those serving
    /// it or any jurisdiction above it. `US-NY-NYC` includes New York State and federal
    /// services.
    pub jurisdiction: Option<String>,
    /// Only services offering a channel of this kind.
    pub channel_kind: Option<ChannelKind>,
    /// Only services changed strictly after this instant.
    pub modified_after: Option<DateTime>,
    /// Only services whose name or summary contains this text, ignoring case.
    pub search: Option<String>,
    /// Only services in this lifecycle status. Without a key only `PUBLISHED` services
    /// exist; editors also see their agency's others, reviewers those in review.
    pub status: Option<ServiceStatus>,
    /// `true`: only services waiting for a reviewer, in review themselves or through a
    /// pending revision in review (the reviewer's queue); `false`: only the others.
    pub awaiting_review: Option<bool>,
}

impl ServiceFilter {
    fn into_domain(self) -> Result<DomainFilter, crate::catalog::CatalogError> {
        Ok(DomainFilter {
            agency: self
                .agency
                .as_deref()
                .map(|s| Slug::parse("filter.agency", s))
                .transpose()?,
            life_event: self
                .life_event
                .as_deref()
                .map(|s| Slug::parse("filter.lifeEvent", s))
                .transpose()?,
            jurisdiction: self
                .jurisdiction
                .as_deref()
                .map(|c| JurisdictionCode::parse("filter.jurisdiction", c))
                .transpose()?,
            channel_kind: self.channel_kind.map(Into::into),
            modified_after: self.modified_after.map(|t| t.0),
            search: self.search,
            status: self.status.map(Into::into),
            awaiting_review: self.awaiting_review,
        })
    }
}

/// A page of services from an ordered list of service keys, loading only that page.
pub async fn services_by_keys(
    ctx: &Context<'_>,
    keys: Vec<Cursor>,
    request: &PageRequest,
) -> Result<ServiceConnection> {
    let page = Page::slice(keys, request, |k| k.id, Clone::clone);
    let loader = loader(ctx)?;
    let mut found = loader
        .load_many(page.items.iter().map(|(key, _)| ServiceById(key.id)))
        .await?;
    let page = Page {
        items: page
            .items
            .into_iter()
            .filter_map(|(key, _)| found.remove(&ServiceById(key.id)).map(|s| (key, s)))
            .collect(),
        has_next_page: page.has_next_page,
        has_previous_page: page.has_previous_page,
        total_count: page.total_count,
    };
    Ok(ServiceConnection::from_page(page, Service))
}

/// Root fields for services.
#[derive(Default)]
pub struct ServiceQuery;

/// Root fields for services.
#[Object]
impl ServiceQuery {
    /// Published services, by name.
    #[graphql(complexity = "crate::graphql::limits::page(first, last, child_complexity)")]
    async fn services(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many services to return: 0 to 100, 20 when omitted.")] first: Option<
            i32,
        >,
        #[graphql(desc = "Return the services after this cursor.")] after: Option<String>,
        #[graphql(
            desc = "How many services to return from the end of the list (or from just before `before`): 0 to 100. Not with `first`."
        )]
        last: Option<i32>,
        #[graphql(desc = "Return the services before this cursor (with `last`, to page back).")]
        before: Option<String>,
        #[graphql(desc = "Narrow the list.")] filter: Option<ServiceFilter>,
    ) -> Result<ServiceConnection> {
        let request = PageRequest::parse(first, after.as_deref(), last, before.as_deref()).gql()?;
        let filter = filter.unwrap_or_default().into_domain().gql()?;
        let page = reader(ctx)?.services(&filter, &request).await.gql()?;
        Ok(ServiceConnection::from_page(page, Service))
    }

    /// The published service with this slug, or `null` if there is none.
    async fn service(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The service's slug, e.g. `nys-unemployment-insurance`.")] slug: String,
    ) -> Result<Option<Service>> {
        let slug = Slug::parse("slug", &slug).gql()?;
        Ok(reader(ctx)?
            .service_by_slug(&slug)
            .await
            .gql()?
            .map(Service))
    }
}
