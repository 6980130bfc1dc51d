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
//! - eligibility: +3 when ELIGIBLE (every rule group met), +2 when LIKELY_ELIGIBLE (every
//!   group met, but the agency checks more than a screen can), -20 when INELIGIBLE (shown
//!   only on request); nothing for UNKNOWN or NOT_SCREENED (a service without structured
//!   rules, which the catalog cannot call eligible), so those rank by relevance alone.
//!
//! The next eligibility question is the unanswered criterion whose answer may settle the
//! most relevance: the summed relevance score of the undecided services with a rule on it,
//! then the number of those services, then its key.
//!
//! Directly linked services always rank above services reached only through relations; ties
//! break on journey-stage position, then the catalog's order within the stage (the order of
//! the life-event page), then name, then id.
//!
//! `index` builds the index from the database; `rank` is the pure part: it answers a
//! request from an index, and is unit-tested on hand-made ones.

mod index;
mod rank;

use std::sync::Arc;

use chrono::NaiveDate;
use serde_json::Value;

use super::Catalog;
use super::eligibility::{Outcome, Threshold};
use super::error::CatalogResult;
use super::page::{Page, PageRequest};
use super::types::{RelationKind, Relevance};

pub use index::Index;
pub(crate) use index::{Published, Reuse};

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
    /// Every rule group is met (an ALL group when each of its rules is, an ANY group when
    /// one is), and the service names nothing its rules cannot screen.
    Eligible,
    /// Every rule group is met, but the agency also checks what a pre-screen cannot know
    /// (the service's `agency_checks`, such as net income after deductions or resources).
    LikelyEligible,
    /// Some rule group fails (an ALL group when one of its rules fails, an ANY group when
    /// every rule does).
    Ineligible,
    /// No group fails, but some group waits on an unanswered rule.
    Unknown,
    /// The catalog holds no eligibility rules for it: the agency decides, and nothing is
    /// said either way.
    NotScreened,
}

/// One rule checked against the resident's answers.
#[derive(Debug, Clone)]
pub struct Check {
    /// The criterion the rule is about.
    pub criterion_id: i32,
    /// The rule in plain words; for an income rule, the comparison with its figures.
    pub rule: Arc<str>,
    /// How it came out.
    pub outcome: Outcome,
    /// For an income rule: the amount the income was compared with, when known.
    pub threshold: Option<Threshold>,
    /// The criteria still unanswered that the rule needs (its own, and the household size
    /// for an income rule).
    pub open: Vec<i32>,
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

impl Reason {
    /// The reason as the sentence residents read, naming the life event or the related
    /// service it refers to (`life_event` and `related` are their names, when known):
    /// "Losing a job: replaces part of your lost wages", "Needed for SNAP: ...", "A next
    /// step after ...: ...", "Often needed with ...: ...".
    pub fn sentence(&self, life_event: Option<&str>, related: Option<&str>) -> String {
        match self {
            Reason::LifeEvent { reason, .. } => match life_event {
                Some(name) => format!("{name}: {reason}"),
                None => reason.to_string(),
            },
            Reason::RelatedService { kind, reason, .. } => {
                let other = related.unwrap_or("a recommended service");
                let lead = match kind {
                    RelationKind::Requires => format!("Needed for {other}"),
                    RelationKind::FollowUp => format!("A next step after {other}"),
                    _ => format!("Often needed with {other}"),
                };
                format!("{lead}: {reason}")
            }
        }
    }
}

/// One recommended service. Ranking gives its reasons as data (`Reason`); a page gives each
/// the sentence residents read too (`Explained`).
#[derive(Debug, Clone)]
pub struct Recommendation<R = Reason> {
    pub service_id: i32,
    pub service_name: Arc<str>,
    pub score: f64,
    /// Position in the whole result, from 1.
    pub rank: u32,
    pub eligibility: EligibilityStatus,
    pub checks: Vec<Check>,
    /// What the agency checks that the rules cannot (the service's own list).
    pub agency_checks: Arc<[String]>,
    /// Other offices' listings of the same program, left out of the result for this one.
    pub same_program: Vec<i32>,
    pub reasons: Vec<R>,
    /// The journey stage the service belongs to in this result.
    pub stage_id: Option<i32>,
}

/// A reason with the sentence residents read, naming the life event or the related service
/// it refers to.
#[derive(Debug, Clone)]
pub struct Explained {
    pub reason: Reason,
    pub text: String,
}

impl Recommendation {
    /// The same recommendation with each reason given its sentence by `explain`.
    fn explained(self, explain: impl Fn(&Reason) -> String) -> Recommendation<Explained> {
        Recommendation {
            reasons: self
                .reasons
                .into_iter()
                .map(|reason| Explained {
                    text: explain(&reason),
                    reason,
                })
                .collect(),
            service_id: self.service_id,
            service_name: self.service_name,
            score: self.score,
            rank: self.rank,
            eligibility: self.eligibility,
            checks: self.checks,
            agency_checks: self.agency_checks,
            same_program: self.same_program,
            stage_id: self.stage_id,
        }
    }
}

/// A life event the resident may also be going through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuggestedLifeEvent {
    pub life_event_id: i32,
    pub reason: String,
    /// The chosen life event that suggests it.
    pub because_of: i32,
}

/// A whole recommendation result, ranked, every recommendation written out (what the unit
/// tests rank; a request writes out its page only).
#[cfg(test)]
#[derive(Debug, Clone)]
pub struct Recommendations {
    pub items: Vec<Recommendation>,
    pub suggested_life_events: Vec<SuggestedLifeEvent>,
}

/// One page of a ranked result.
#[derive(Debug, Clone)]
pub struct RecommendationPage {
    /// The page's recommendations, each with its cursor, and where the page sits.
    pub page: Page<Recommendation<Explained>>,
    pub suggested_life_events: Vec<SuggestedLifeEvent>,
}

/// A criterion worth asking next.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    pub criterion_id: i32,
    /// How many still-undecided candidate services have a rule on it.
    pub decides: u32,
    /// The summed relevance score of those services (life-event links and relations, not
    /// eligibility): how much of the ranked list its answer may settle.
    pub relevance: f64,
}

impl Catalog {
    /// The index of the current public revision, from its published snapshot (built once
    /// per revision; draft edits leave the public revision, so they never cost a rebuild).
    pub async fn recommendation_index(&self) -> CatalogResult<Arc<Index>> {
        Ok(Arc::clone(&self.published().await?.index))
    }
}

impl Index {
    /// Ranks the services a resident in `situation` may need and returns the page `request`
    /// asks for. Cursors are `(name, id)` of a recommended service; a cursor whose service
    /// has left the result still pages from where it would have been.
    pub fn recommend_page(
        &self,
        situation: &ResidentSituation,
        include_ineligible: bool,
        request: &PageRequest,
    ) -> CatalogResult<RecommendationPage> {
        let mut ranking = self.rank(situation, include_ineligible)?;
        let window = ranking.window(request);
        let total = ranking.ranked.len();
        let chosen = &ranking.ranked[window.clone()];
        // Only the page's recommendations are written out: reasons, checks and sentences.
        let ranks = (1..).skip(window.start);
        let written = self.written(&ranking, ranks.zip(chosen));
        let items = chosen
            .iter()
            .zip(written)
            .map(|(r, w)| (r.cursor(), w.explained(|reason| self.sentence(reason))))
            .collect();
        Ok(RecommendationPage {
            page: Page::of(items, window, total),
            suggested_life_events: self.suggested(&ranking),
        })
    }

    /// `reason` as the sentence residents read, with the names of what it refers to.
    fn sentence(&self, reason: &Reason) -> String {
        match reason {
            Reason::LifeEvent { life_event_id, .. } => {
                reason.sentence(self.life_event_names.get(life_event_id).map(|n| &**n), None)
            }
            Reason::RelatedService { service_id, .. } => {
                reason.sentence(None, self.services.get(service_id).map(|s| &*s.name))
            }
        }
    }
}
