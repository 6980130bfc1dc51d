//! Recommendations: which published services a resident going through some life events, in
//! some jurisdiction, may need, in what order, and why; and which eligibility question to
//! ask next.
//!
//! Requests are answered from an in-memory index of the published catalog (services, their
//! jurisdictions, life-event links, relations and compiled eligibility rules), so a request
//! costs one SQL statement (reading the catalog revision) plus the loads of the services it
//! returns. The index is rebuilt when the revision moves, so every replica over the same
//! database sees a change on its next request.
//!
//! Scoring, highest first:
//! - each life-event link: +10 for a CORE link, +5 for a SUPPORTING one (a service reached
//!   through two life events collects both);
//! - a service reached only through relations: +2 for each REQUIRES, COMPLEMENTS or
//!   FOLLOW_UP relation from a directly linked service (a directly linked service lists such
//!   relations among its reasons, without extra score);
//! - eligibility: +3 when ELIGIBLE (a service without structured rules is eligible to every
//!   resident of the jurisdictions it serves), -20 when INELIGIBLE (shown only on request).
//!
//! Directly linked services always rank above services reached only through relations; ties
//! break on journey-stage position, then the catalog's order within the stage (the order of
//! the life-event page), then name, then id.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value;

use super::Catalog;
use super::eligibility::{Answer, CriterionShape, Outcome, Rule, combine};
use super::error::{CatalogError, CatalogResult};
use super::types::{JurisdictionCode, RelationKind, Relevance, RuleGroupMode, ServiceStatus, Slug};
use crate::entity::{
    criterion, eligibility_rule, eligibility_rule_group, journey_stage, jurisdiction, life_event,
    life_event_relation, life_event_service, service, service_jurisdiction, service_relation,
};

/// The most life events one request may name.
pub const MAX_LIFE_EVENTS: usize = 20;
/// The most answers one request may carry.
pub const MAX_ANSWERS: usize = 200;

/// What a portal knows about a resident.
#[derive(Debug, Clone)]
pub struct ResidentSituation {
    /// Life events the resident is going through, by slug.
    pub life_events: Vec<String>,
    /// Where the resident lives.
    pub jurisdiction: String,
    /// Answers to eligibility criteria: `(criterion key, raw value)`.
    pub answers: Vec<(String, Value)>,
    /// The date eligibility is evaluated on.
    pub as_of: NaiveDate,
}

/// Whether a resident can get a service, from the answers given so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EligibilityStatus {
    /// Every rule is answered and met.
    Eligible,
    /// Some answered rule is not met.
    Ineligible,
    /// Nothing fails, but something is unanswered.
    Unknown,
}

/// One rule checked against the resident's answers.
#[derive(Debug, Clone)]
pub struct Check {
    /// The criterion the rule is about.
    pub criterion_id: i32,
    /// The rule in plain words (shared with the index).
    pub rule: Arc<str>,
    /// How it came out.
    pub outcome: Outcome,
}

/// Why a service is recommended.
#[derive(Debug, Clone)]
pub enum Reason {
    /// A chosen life event links the service at a journey stage.
    LifeEvent {
        life_event_id: i32,
        stage_id: i32,
        relevance: Relevance,
        /// The link's reason.
        reason: Arc<str>,
    },
    /// Another recommended service relates to this one.
    RelatedService {
        /// The recommended service that holds the relation.
        service_id: i32,
        kind: RelationKind,
        /// The relation's reason.
        reason: Arc<str>,
    },
}

/// One recommended service.
#[derive(Debug, Clone)]
pub struct Recommendation {
    pub service_id: i32,
    pub service_name: Arc<str>,
    pub score: f64,
    /// Position in the whole result, from 1.
    pub rank: u32,
    pub eligibility: EligibilityStatus,
    pub checks: Vec<Check>,
    pub reasons: Vec<Reason>,
    /// The journey stage the service belongs to in this result.
    pub stage_id: Option<i32>,
}

/// A life event the resident may also be going through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuggestedLifeEvent {
    pub life_event_id: i32,
    pub reason: String,
    /// The chosen life event that suggests it.
    pub because_of: i32,
}

/// A whole recommendation result, ranked.
#[derive(Debug, Clone)]
pub struct Recommendations {
    pub items: Vec<Recommendation>,
    /// The names of the services the items' reasons refer to, by id.
    pub names: HashMap<i32, Arc<str>>,
    pub suggested_life_events: Vec<SuggestedLifeEvent>,
}

/// A criterion worth asking next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub criterion_id: i32,
    /// How many still-undecided candidate services have a rule on it.
    pub decides: u32,
}

// ----- the index ---------------------------------------------------------------------

struct IndexedService {
    name: Arc<str>,
    jurisdictions: Vec<i32>,
    groups: Vec<(RuleGroupMode, Vec<IndexedRule>)>,
}

/// A compiled rule with its plain-words description, written once per index build.
struct IndexedRule {
    criterion_id: i32,
    rule: Rule,
    description: Arc<str>,
}

struct Link {
    /// The link's row id: the catalog's order within a stage.
    id: i32,
    service_id: i32,
    stage_id: i32,
    relevance: Relevance,
    reason: Arc<str>,
}

/// The published catalog, as recommendations need it.
pub struct Index {
    revision: i64,
    life_events: HashMap<String, i32>,
    related_life_events: HashMap<i32, Vec<(i32, String)>>,
    stage_positions: HashMap<i32, i32>,
    links: HashMap<i32, Vec<Link>>,
    services: HashMap<i32, IndexedService>,
    outgoing: HashMap<i32, Vec<(RelationKind, i32, Arc<str>)>>,
    chains: HashMap<String, Vec<i32>>,
    criteria: HashMap<String, (i32, CriterionShape)>,
    criterion_shapes: HashMap<i32, CriterionShape>,
}

/// The shared, lazily rebuilt index.
#[derive(Default)]
pub struct IndexCache {
    current: RwLock<Option<Arc<Index>>>,
    rebuild: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for IndexCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IndexCache")
    }
}

impl IndexCache {
    fn get(&self, revision: i64) -> Option<Arc<Index>> {
        let guard = match self.current.read() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        guard.as_ref().filter(|i| i.revision == revision).cloned()
    }

    fn set(&self, index: Arc<Index>) {
        let mut guard = match self.current.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        *guard = Some(index);
    }
}

impl Catalog {
    /// The index for the current revision, building it if needed (once, however many
    /// requests ask at the same time).
    pub async fn recommendation_index(&self) -> CatalogResult<Arc<Index>> {
        let revision = self.revision().await?;
        if let Some(index) = self.index.get(revision) {
            return Ok(index);
        }
        let _building = self.index.rebuild.lock().await;
        if let Some(index) = self.index.get(revision) {
            return Ok(index);
        }
        let index = Arc::new(self.build_index(revision).await?);
        self.index.set(Arc::clone(&index));
        Ok(index)
    }

    async fn build_index(&self, revision: i64) -> CatalogResult<Index> {
        let db = &self.db;
        let published: Vec<service::Model> = service::Entity::find()
            .filter(service::Column::Status.eq(ServiceStatus::Published.as_str()))
            .filter(service::Column::DeletedAt.is_null())
            .all(db)
            .await?;
        let mut services: HashMap<i32, IndexedService> = published
            .into_iter()
            .map(|s| {
                (
                    s.id,
                    IndexedService {
                        name: s.name.into(),
                        jurisdictions: Vec::new(),
                        groups: Vec::new(),
                    },
                )
            })
            .collect();
        for row in service_jurisdiction::Entity::find().all(db).await? {
            if let Some(s) = services.get_mut(&row.service_id) {
                s.jurisdictions.push(row.jurisdiction_id);
            }
        }

        let mut criteria = HashMap::new();
        let mut criterion_shapes = HashMap::new();
        for c in criterion::Entity::find().all(db).await? {
            let shape = CriterionShape::from_row(&c.key, &c.label, &c.kind, c.options.as_deref())?;
            criteria.insert(c.key.clone(), (c.id, shape.clone()));
            criterion_shapes.insert(c.id, shape);
        }
        let mut rules_by_group: HashMap<i32, Vec<IndexedRule>> = HashMap::new();
        for r in eligibility_rule::Entity::find()
            .order_by_asc(eligibility_rule::Column::Position)
            .order_by_asc(eligibility_rule::Column::Id)
            .all(db)
            .await?
        {
            if let Some(shape) = criterion_shapes.get(&r.criterion_id) {
                let rule = Rule::from_row(shape, &r.operator, &r.value)?;
                let description = Arc::from(rule.describe(shape));
                rules_by_group
                    .entry(r.group_id)
                    .or_default()
                    .push(IndexedRule {
                        criterion_id: r.criterion_id,
                        rule,
                        description,
                    });
            }
        }
        for g in eligibility_rule_group::Entity::find()
            .order_by_asc(eligibility_rule_group::Column::Position)
            .order_by_asc(eligibility_rule_group::Column::Id)
            .all(db)
            .await?
        {
            if let Some(s) = services.get_mut(&g.service_id) {
                s.groups.push((
                    g.mode.parse()?,
                    rules_by_group.remove(&g.id).unwrap_or_default(),
                ));
            }
        }

        let mut links: HashMap<i32, Vec<Link>> = HashMap::new();
        for l in life_event_service::Entity::find()
            .order_by_asc(life_event_service::Column::Id)
            .all(db)
            .await?
        {
            if services.contains_key(&l.service_id) {
                links.entry(l.life_event_id).or_default().push(Link {
                    id: l.id,
                    service_id: l.service_id,
                    stage_id: l.journey_stage_id,
                    relevance: l.relevance.parse()?,
                    reason: Arc::from(l.reason),
                });
            }
        }
        let mut outgoing: HashMap<i32, Vec<(RelationKind, i32, Arc<str>)>> = HashMap::new();
        for r in service_relation::Entity::find()
            .order_by_asc(service_relation::Column::Id)
            .all(db)
            .await?
        {
            if services.contains_key(&r.service_id) && services.contains_key(&r.related_service_id)
            {
                outgoing.entry(r.service_id).or_default().push((
                    r.kind.parse()?,
                    r.related_service_id,
                    Arc::from(r.reason),
                ));
            }
        }

        let jurisdictions = jurisdiction::Entity::find().all(db).await?;
        let parents: HashMap<i32, Option<i32>> =
            jurisdictions.iter().map(|j| (j.id, j.parent_id)).collect();
        let chains = jurisdictions
            .iter()
            .map(|j| {
                let mut chain = vec![j.id];
                let mut parent = j.parent_id;
                while let Some(p) = parent {
                    if chain.contains(&p) {
                        break;
                    }
                    chain.push(p);
                    parent = parents.get(&p).copied().flatten();
                }
                (j.code.clone(), chain)
            })
            .collect();

        let life_events = life_event::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|e| (e.slug, e.id))
            .collect();
        let mut related_life_events: HashMap<i32, Vec<(i32, String)>> = HashMap::new();
        for r in life_event_relation::Entity::find()
            .order_by_asc(life_event_relation::Column::Id)
            .all(db)
            .await?
        {
            related_life_events
                .entry(r.life_event_id)
                .or_default()
                .push((r.related_life_event_id, r.reason));
        }
        let stage_positions = journey_stage::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|s| (s.id, s.position))
            .collect();

        Ok(Index {
            revision,
            life_events,
            related_life_events,
            stage_positions,
            links,
            services,
            outgoing,
            chains,
            criteria,
            criterion_shapes,
        })
    }

    /// Ranks the services a resident in `situation` may need.
    pub async fn recommend(
        &self,
        situation: &ResidentSituation,
        include_ineligible: bool,
    ) -> CatalogResult<Recommendations> {
        let index = self.recommendation_index().await?;
        index.recommend(situation, include_ineligible)
    }

    /// The eligibility questions still worth asking, most decisive first.
    pub async fn eligibility_questions(
        &self,
        situation: &ResidentSituation,
    ) -> CatalogResult<Vec<Question>> {
        let index = self.recommendation_index().await?;
        index.questions(situation)
    }
}

/// A request's inputs, checked against the index.
struct Resolved {
    life_events: Vec<i32>,
    chain: Vec<i32>,
    answers: HashMap<i32, Answer>,
}

/// A candidate while the result is being assembled.
struct Candidate {
    direct: bool,
    score: f64,
    reasons: Vec<Reason>,
    stage_id: Option<i32>,
    best_relevance: Option<Relevance>,
    /// The id of the link that places it (or of its source's), for ordering within a stage.
    order: i32,
}

impl Index {
    /// The kind and options of a criterion, by id.
    pub fn criterion_shape(&self, criterion_id: i32) -> Option<&CriterionShape> {
        self.criterion_shapes.get(&criterion_id)
    }

    fn resolve(&self, situation: &ResidentSituation) -> CatalogResult<Resolved> {
        if situation.life_events.is_empty() || situation.life_events.len() > MAX_LIFE_EVENTS {
            return Err(CatalogError::bad_input(
                "lifeEvents",
                format!("name 1 to {MAX_LIFE_EVENTS} life events"),
            ));
        }
        let mut life_events = Vec::new();
        for (i, slug) in situation.life_events.iter().enumerate() {
            let field = format!("lifeEvents[{i}]");
            Slug::parse(&field, slug)?;
            let id = *self.life_events.get(slug).ok_or_else(|| {
                CatalogError::bad_input(&field, format!("unknown life event `{slug}`"))
            })?;
            if !life_events.contains(&id) {
                life_events.push(id);
            }
        }
        JurisdictionCode::parse("jurisdiction", &situation.jurisdiction)?;
        let chain = self
            .chains
            .get(&situation.jurisdiction)
            .cloned()
            .ok_or_else(|| {
                CatalogError::bad_input(
                    "jurisdiction",
                    format!("unknown jurisdiction `{}`", situation.jurisdiction),
                )
            })?;
        if situation.answers.len() > MAX_ANSWERS {
            return Err(CatalogError::bad_input(
                "answers",
                format!("at most {MAX_ANSWERS} answers"),
            ));
        }
        let mut answers = HashMap::new();
        for (i, (key, value)) in situation.answers.iter().enumerate() {
            let (id, shape) = self.criteria.get(key).ok_or_else(|| {
                CatalogError::bad_input(
                    format!("answers[{i}].criterion"),
                    format!("unknown criterion `{key}`"),
                )
            })?;
            let answer = Answer::parse(&format!("answers[{i}].value"), shape, value)?;
            if answers.insert(*id, answer).is_some() {
                return Err(CatalogError::bad_input(
                    format!("answers[{i}].criterion"),
                    format!("`{key}` is answered twice"),
                ));
            }
        }
        Ok(Resolved {
            life_events,
            chain,
            answers,
        })
    }

    fn available(&self, service_id: i32, chain: &[i32]) -> bool {
        self.services
            .get(&service_id)
            .is_some_and(|s| s.jurisdictions.iter().any(|j| chain.contains(j)))
    }

    /// Directly linked services, then services one relation away, with their reasons.
    fn candidates(&self, resolved: &Resolved) -> HashMap<i32, Candidate> {
        let mut found: HashMap<i32, Candidate> = HashMap::new();
        for life_event in &resolved.life_events {
            for link in self.links.get(life_event).into_iter().flatten() {
                if !self.available(link.service_id, &resolved.chain) {
                    continue;
                }
                let entry = found.entry(link.service_id).or_insert(Candidate {
                    direct: true,
                    score: 0.0,
                    reasons: Vec::new(),
                    stage_id: None,
                    best_relevance: None,
                    order: link.id,
                });
                entry.score += match link.relevance {
                    Relevance::Core => 10.0,
                    Relevance::Supporting => 5.0,
                };
                // The stage of the most relevant link (the first one among equals) places it.
                if entry
                    .best_relevance
                    .is_none_or(|best| link.relevance < best)
                {
                    entry.best_relevance = Some(link.relevance);
                    entry.stage_id = Some(link.stage_id);
                    entry.order = link.id;
                }
                entry.reasons.push(Reason::LifeEvent {
                    life_event_id: *life_event,
                    stage_id: link.stage_id,
                    relevance: link.relevance,
                    reason: link.reason.clone(),
                });
            }
        }
        let mut direct: Vec<i32> = found.keys().copied().collect();
        direct.sort_unstable();
        for source in direct {
            let (source_stage, source_order) = found
                .get(&source)
                .map_or((None, i32::MAX), |c| (c.stage_id, c.order));
            for (kind, target, reason) in self.outgoing.get(&source).into_iter().flatten() {
                if !matches!(
                    kind,
                    RelationKind::Requires | RelationKind::Complements | RelationKind::FollowUp
                ) || !self.available(*target, &resolved.chain)
                {
                    continue;
                }
                let entry = found.entry(*target).or_insert(Candidate {
                    direct: false,
                    score: 0.0,
                    reasons: Vec::new(),
                    stage_id: source_stage,
                    best_relevance: None,
                    order: source_order,
                });
                if !entry.direct {
                    entry.score += 2.0;
                }
                entry.reasons.push(Reason::RelatedService {
                    service_id: source,
                    kind: *kind,
                    reason: reason.clone(),
                });
            }
        }
        found
    }

    fn eligibility(
        &self,
        service_id: i32,
        resolved: &Resolved,
        as_of: NaiveDate,
    ) -> (EligibilityStatus, Vec<Check>) {
        let Some(service) = self.services.get(&service_id) else {
            return (EligibilityStatus::Unknown, Vec::new());
        };
        let mut checks = Vec::new();
        let mut group_outcomes = Vec::new();
        for (mode, rules) in &service.groups {
            let mut outcomes = Vec::with_capacity(rules.len());
            for rule in rules {
                let outcome = rule
                    .rule
                    .evaluate(resolved.answers.get(&rule.criterion_id), as_of);
                outcomes.push(outcome);
                checks.push(Check {
                    criterion_id: rule.criterion_id,
                    rule: Arc::clone(&rule.description),
                    outcome,
                });
            }
            group_outcomes.push(combine(*mode, outcomes));
        }
        let status = match combine(RuleGroupMode::All, group_outcomes) {
            Outcome::Met => EligibilityStatus::Eligible,
            Outcome::NotMet => EligibilityStatus::Ineligible,
            Outcome::Unanswered => EligibilityStatus::Unknown,
        };
        (status, checks)
    }

    fn recommend(
        &self,
        situation: &ResidentSituation,
        include_ineligible: bool,
    ) -> CatalogResult<Recommendations> {
        let resolved = self.resolve(situation)?;
        let mut items = Vec::new();
        for (service_id, candidate) in self.candidates(&resolved) {
            let (eligibility, checks) = self.eligibility(service_id, &resolved, situation.as_of);
            if eligibility == EligibilityStatus::Ineligible && !include_ineligible {
                continue;
            }
            let score = candidate.score
                + match eligibility {
                    EligibilityStatus::Eligible => 3.0,
                    EligibilityStatus::Unknown => 0.0,
                    EligibilityStatus::Ineligible => -20.0,
                };
            let position = candidate
                .stage_id
                .and_then(|s| self.stage_positions.get(&s))
                .copied()
                .unwrap_or(i32::MAX);
            items.push((
                (candidate.direct, position, candidate.order),
                Recommendation {
                    service_id,
                    service_name: self
                        .services
                        .get(&service_id)
                        .map(|s| s.name.clone())
                        .unwrap_or_default(),
                    score,
                    rank: 0,
                    eligibility,
                    checks,
                    reasons: candidate.reasons,
                    stage_id: candidate.stage_id,
                },
            ));
        }
        items.sort_by(
            |((a_direct, a_pos, a_order), a), ((b_direct, b_pos, b_order), b)| {
                b_direct
                    .cmp(a_direct)
                    .then_with(|| b.score.total_cmp(&a.score))
                    .then_with(|| a_pos.cmp(b_pos))
                    .then_with(|| a_order.cmp(b_order))
                    .then_with(|| a.service_name.cmp(&b.service_name))
                    .then_with(|| a.service_id.cmp(&b.service_id))
            },
        );
        let items: Vec<Recommendation> = items
            .into_iter()
            .enumerate()
            .map(|(i, (_, mut r))| {
                r.rank = u32::try_from(i + 1).unwrap_or(u32::MAX);
                r
            })
            .collect();
        let mut names = HashMap::new();
        for reason in items.iter().flat_map(|r| r.reasons.iter()) {
            if let Reason::RelatedService { service_id, .. } = reason
                && let Some(s) = self.services.get(service_id)
            {
                names.insert(*service_id, Arc::clone(&s.name));
            }
        }

        let mut seen: HashSet<i32> = resolved.life_events.iter().copied().collect();
        let mut suggested = Vec::new();
        for life_event in &resolved.life_events {
            for (other, reason) in self
                .related_life_events
                .get(life_event)
                .into_iter()
                .flatten()
            {
                if seen.insert(*other) {
                    suggested.push(SuggestedLifeEvent {
                        life_event_id: *other,
                        reason: reason.clone(),
                        because_of: *life_event,
                    });
                }
            }
        }
        Ok(Recommendations {
            items,
            names,
            suggested_life_events: suggested,
        })
    }

    fn questions(&self, situation: &ResidentSituation) -> CatalogResult<Vec<Question>> {
        let resolved = self.resolve(situation)?;
        let mut counts: HashMap<i32, u32> = HashMap::new();
        for service_id in self.candidates(&resolved).keys() {
            let (status, checks) = self.eligibility(*service_id, &resolved, situation.as_of);
            if status != EligibilityStatus::Unknown {
                continue;
            }
            let open: HashSet<i32> = checks
                .iter()
                .filter(|c| c.outcome == Outcome::Unanswered)
                .map(|c| c.criterion_id)
                .collect();
            for criterion_id in open {
                *counts.entry(criterion_id).or_default() += 1;
            }
        }
        let key = |id: &i32| {
            self.criterion_shapes
                .get(id)
                .map(|c| c.key.clone())
                .unwrap_or_default()
        };
        let mut questions: Vec<Question> = counts
            .into_iter()
            .map(|(criterion_id, decides)| Question {
                criterion_id,
                decides,
            })
            .collect();
        questions.sort_by(|a, b| {
            b.decides
                .cmp(&a.decides)
                .then_with(|| key(&a.criterion_id).cmp(&key(&b.criterion_id)))
        });
        Ok(questions)
    }
}
