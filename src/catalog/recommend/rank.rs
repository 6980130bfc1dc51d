//! Answering a request from the index: resolving its inputs, finding candidates, checking
//! eligibility, scoring and ordering (see the module docs of `recommend`), and choosing the
//! next question. Pure: no database, so it is unit-tested on hand-made indexes.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::Arc;

use chrono::NaiveDate;

use super::index::{IdMap, Index, IndexedRule, IndexedService, Relation};
use super::{
    Check, EligibilityStatus, MAX_ANSWERS, MAX_LIFE_EVENTS, Question, Reason, Recommendation,
    ResidentSituation, SuggestedLifeEvent,
};
use crate::catalog::eligibility::{Answer, CriterionShape, Facts, Outcome, Verdict, combine};
use crate::catalog::error::{CatalogError, CatalogResult};
use crate::catalog::page::{Cursor, PageRequest, place, window};
use crate::catalog::reference::HOUSEHOLD_SIZE;
use crate::catalog::types::{JurisdictionCode, RelationKind, Relevance, RuleGroupMode, Slug};

/// A set of row ids, hashed with [`super::index::IdHasher`].
type IdSet = HashSet<i32, crate::catalog::hash::FastHash>;

/// A request's inputs, checked against the index.
struct Resolved {
    life_events: Vec<i32>,
    chain: Vec<i32>,
    answers: IdMap<Answer>,
}

/// A candidate while the result is ranked: what orders it. Reasons and checks are written
/// for the services a page returns only, so a request over thousands of candidates spends
/// its time on the few it shows.
struct Candidate<'a> {
    service: &'a IndexedService,
    direct: bool,
    score: f64,
    stage_id: Option<i32>,
    best_relevance: Option<Relevance>,
    /// The id of the link that places it (or of its source's), for ordering within a stage.
    order: i32,
}

/// A candidate's place in the ranked result.
pub(super) struct Ranked<'a> {
    pub(super) service_id: i32,
    service: &'a IndexedService,
    pub(super) name: &'a Arc<str>,
    score: f64,
    eligibility: EligibilityStatus,
    stage_id: Option<i32>,
    /// Directly linked first, then journey-stage position, then the catalog's order.
    place: (bool, i32, i32),
}

impl Ranked<'_> {
    /// The cursor that marks this candidate in a page.
    pub(super) fn cursor(&self) -> Cursor {
        Cursor {
            name: self.name.to_string(),
            id: self.service_id,
        }
    }

    /// The result's order: INELIGIBLE services (shown only on request) last, then directly
    /// linked first, then by score (highest first), stage position, the catalog's order
    /// and name. Ties end on the service id, so the order is total and an unstable sort or
    /// selection is exact.
    pub(super) fn order(a: &Self, b: &Self) -> Ordering {
        let ((a_direct, a_pos, a_order), (b_direct, b_pos, b_order)) = (a.place, b.place);
        let ruled_out = |r: &Self| r.eligibility == EligibilityStatus::Ineligible;
        ruled_out(a)
            .cmp(&ruled_out(b))
            .then_with(|| b_direct.cmp(&a_direct))
            .then_with(|| b.score.total_cmp(&a.score))
            .then_with(|| a_pos.cmp(&b_pos))
            .then_with(|| a_order.cmp(&b_order))
            .then_with(|| a.name.cmp(b.name))
            .then_with(|| a.service_id.cmp(&b.service_id))
    }
}

impl Ranking<'_> {
    /// Puts the page `request` asks for in order, in place, and returns where it sits.
    /// Only the page is sorted: a cursor's place is the number of candidates ordered before
    /// it, and the page is selected around it, so a request over thousands of candidates
    /// never sorts them all. A cursor whose service has left the result is placed by name
    /// in the whole ordered list, as [`Page::slice`] places it.
    pub(super) fn window(&mut self, request: &PageRequest) -> Range<usize> {
        let ranked = &mut self.ranked;
        let at = |c: &Cursor| ranked.iter().position(|r| r.service_id == c.id);
        let known = [&request.after, &request.before]
            .into_iter()
            .flatten()
            .all(|c| at(c).is_some());
        if !known {
            ranked.sort_unstable_by(Ranked::order);
            let sorted = &*ranked;
            return window(sorted.len(), request, |cursor, past| {
                place(sorted, cursor, past, |r| r.service_id, Ranked::cursor)
            });
        }
        let placed = |cursor: &Cursor, past: bool| {
            let before = at(cursor).map_or(ranked.len(), |i| {
                let item = &ranked[i];
                ranked
                    .iter()
                    .filter(|r| Ranked::order(r, item) == Ordering::Less)
                    .count()
            });
            before + usize::from(past)
        };
        let window = window(ranked.len(), request, placed);
        if window.start > 0 && window.start < ranked.len() {
            ranked.select_nth_unstable_by(window.start, Ranked::order);
        }
        let rest = &mut ranked[window.start..];
        if !window.is_empty() && window.len() < rest.len() {
            rest.select_nth_unstable_by(window.len(), Ranked::order);
        }
        rest[..window.len()].sort_unstable_by(Ranked::order);
        window
    }
}

/// A ranked result before its page is written out: the request's inputs, every candidate,
/// and the candidates kept, in order.
pub(super) struct Ranking<'a> {
    resolved: Resolved,
    as_of: NaiveDate,
    found: IdMap<Candidate<'a>>,
    pub(super) ranked: Vec<Ranked<'a>>,
    /// For each listing kept for a program, the other listings of it left out.
    same_program: IdMap<Vec<i32>>,
}

/// The listings of each program offered by more than one: for each such program, the
/// listing a result keeps (the one serving the resident's jurisdiction most closely, `chain`
/// being the resident's jurisdiction first and then the ones above it; then the first by
/// `better`) and the others. Listings without a program are passed over.
fn shared_programs<'s, T: Copy>(
    listings: impl IntoIterator<Item = T>,
    service: impl Fn(T) -> &'s IndexedService,
    chain: &[i32],
    better: impl Fn(T, T) -> Ordering,
) -> Vec<(T, Vec<T>)> {
    let mut programs: HashMap<&str, Vec<T>> = HashMap::new();
    for listing in listings {
        if let Some(program) = service(listing).program.as_deref() {
            programs.entry(program).or_default().push(listing);
        }
    }
    let kept_first = |a: &T, b: &T| {
        closeness(service(*a), chain)
            .cmp(&closeness(service(*b), chain))
            .then_with(|| better(*a, *b))
    };
    programs
        .into_values()
        .filter(|listings| listings.len() > 1)
        .filter_map(|mut listings| {
            let kept =
                (0..listings.len()).min_by(|&a, &b| kept_first(&listings[a], &listings[b]))?;
            let kept = listings.swap_remove(kept);
            Some((kept, listings))
        })
        .collect()
}

/// Keeps one listing of each program in `ranked` (see [`shared_programs`]; the best placed
/// breaks a tie in closeness, then the lowest id). The kept listing takes the best score
/// and place of its program's listings, so a program ranks as its best listing would.
/// Returns the listings left out, by the one kept. Services without a program are
/// untouched, so a catalog without programs pays one pass over the candidates.
fn one_per_program(ranked: &mut Vec<Ranked<'_>>, chain: &[i32]) -> IdMap<Vec<i32>> {
    let order = |a: usize, b: usize| Ranked::order(&ranked[a], &ranked[b]);
    let shared = shared_programs(0..ranked.len(), |i| ranked[i].service, chain, order);
    let mut same_program = IdMap::default();
    let mut dropped = Vec::new();
    for (kept, others) in shared {
        let top = others.iter().copied().fold(kept, |best, i| {
            if Ranked::order(&ranked[i], &ranked[best]).is_lt() {
                i
            } else {
                best
            }
        });
        let (score, place, stage_id) = (ranked[top].score, ranked[top].place, ranked[top].stage_id);
        let keeper = &mut ranked[kept];
        (keeper.score, keeper.place, keeper.stage_id) = (score, place, stage_id);
        let mut ids: Vec<i32> = others.iter().map(|&i| ranked[i].service_id).collect();
        ids.sort_unstable();
        same_program.insert(ranked[kept].service_id, ids);
        dropped.extend(others);
    }
    dropped.sort_unstable();
    for i in dropped.into_iter().rev() {
        ranked.swap_remove(i);
    }
    same_program
}

/// How closely `service` serves the resident whose jurisdictions are `chain` (theirs
/// first, then the ones above): the position of the nearest one it serves.
fn closeness(service: &IndexedService, chain: &[i32]) -> usize {
    service
        .jurisdictions
        .iter()
        .filter_map(|j| chain.iter().position(|c| c == j))
        .min()
        .unwrap_or(usize::MAX)
}

/// The candidates a result leaves out as other listings of a program it shows (see
/// [`shared_programs`]; the highest scored breaks a tie in closeness, then the lowest id).
fn other_listings(found: &IdMap<Candidate<'_>>, chain: &[i32]) -> IdSet {
    let better = |(a_id, a): (&i32, &Candidate<'_>), (b_id, b): (&i32, &Candidate<'_>)| {
        b.score.total_cmp(&a.score).then_with(|| a_id.cmp(b_id))
    };
    shared_programs(found, |(_, c)| c.service, chain, better)
        .into_iter()
        .flat_map(|(_, others)| others.into_iter().map(|(id, _)| *id))
        .collect()
}

/// A rule's outcome without its text, and whether it waits on the household size. Every
/// indexed rule has its criterion's shape; without one, no table is read.
fn outcome(
    rule: &IndexedRule,
    shape: Option<&CriterionShape>,
    answer: Option<&Answer>,
    facts: &Facts<'_>,
) -> (Outcome, bool) {
    match shape {
        Some(shape) => rule.rule.outcome(shape, answer, facts),
        None => (rule.rule.evaluate(answer, facts.as_of), false),
    }
}

/// Of `relations`, those that lead residents to another service available in `chain`
/// (REQUIRES, COMPLEMENTS and FOLLOW_UP), with that service.
fn leads<'s>(
    relations: Option<&'s Vec<Relation>>,
    chain: &[i32],
) -> impl Iterator<Item = (&'s Relation, &'s IndexedService)> {
    relations.into_iter().flatten().filter_map(move |relation| {
        let service = relation.service.as_deref()?;
        let leads = matches!(
            relation.kind,
            RelationKind::Requires | RelationKind::Complements | RelationKind::FollowUp
        );
        (leads && relation.serves.within(chain)).then_some((relation, service))
    })
}

impl Index {
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
        let mut answers = IdMap::default();
        for (i, (key, value)) in situation.answers.iter().enumerate() {
            let (id, shape) = self.criteria.get(key).ok_or_else(|| {
                CatalogError::bad_input(
                    format!("answers[{i}].criterion"),
                    format!("unknown criterion `{key}`"),
                )
            })?;
            let field = format!("answers[{i}].value");
            let answer = Answer::parse(&field, shape, value)?;
            if let Answer::Date(day) = answer
                && day > situation.as_of
                && !shape.future_dates
            {
                return Err(CatalogError::bad_input(
                    field,
                    format!(
                        "`{key}` takes a day on or before {} (`asOf`); {day} is after it",
                        situation.as_of
                    ),
                ));
            }
            if key == HOUSEHOLD_SIZE
                && let Answer::Number(n) = answer
                && (n.fract() != 0.0 || !(1.0..=100.0).contains(&n))
            {
                return Err(CatalogError::bad_input(
                    format!("answers[{i}].value"),
                    "a household has a whole number of people, from 1 to 100",
                ));
            }
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

    /// Directly linked services, then services one relation away, with their scores.
    fn candidates(&self, resolved: &Resolved) -> IdMap<Candidate<'_>> {
        let linked: usize = resolved
            .life_events
            .iter()
            .map(|l| self.links.get(l).map_or(0, Vec::len))
            .sum();
        let mut found: IdMap<Candidate<'_>> = IdMap::default();
        found.reserve(linked + linked / 2);
        for life_event in &resolved.life_events {
            for link in self.links.get(life_event).into_iter().flatten() {
                if !link.serves.within(&resolved.chain) {
                    continue;
                }
                let entry = found.entry(link.service_id).or_insert(Candidate {
                    service: &link.service,
                    direct: true,
                    score: 0.0,
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
            }
        }
        let mut direct: Vec<(i32, Option<i32>, i32)> = found
            .iter()
            .map(|(id, c)| (*id, c.stage_id, c.order))
            .collect();
        direct.sort_unstable();
        for (source, source_stage, source_order) in direct {
            for (relation, service) in leads(self.outgoing.get(&source), &resolved.chain) {
                let entry = found.entry(relation.other).or_insert(Candidate {
                    service,
                    direct: false,
                    score: 0.0,
                    stage_id: source_stage,
                    best_relevance: None,
                    order: source_order,
                });
                if !entry.direct {
                    entry.score += 2.0;
                }
            }
        }
        found
    }

    /// The reasons of the candidates in `wanted`, in the order ranking meets them: each
    /// chosen life event's links in the catalog's order, then the relations from directly
    /// linked services by the source's id.
    fn reasons(
        &self,
        resolved: &Resolved,
        found: &IdMap<Candidate<'_>>,
        wanted: &IdSet,
    ) -> IdMap<Vec<Reason>> {
        let mut reasons: IdMap<Vec<Reason>> = IdMap::default();
        for life_event in &resolved.life_events {
            for link in self.links.get(life_event).into_iter().flatten() {
                if wanted.contains(&link.service_id) {
                    reasons
                        .entry(link.service_id)
                        .or_default()
                        .push(Reason::LifeEvent {
                            life_event_id: *life_event,
                            stage_id: link.stage_id,
                            relevance: link.relevance,
                            reason: link.reason.clone(),
                        });
                }
            }
        }
        for &target in wanted {
            // Incoming relations are held by source id, the order ranking meets them in.
            for (relation, _) in leads(self.incoming.get(&target), &resolved.chain) {
                if found.get(&relation.other).is_some_and(|c| c.direct) {
                    reasons
                        .entry(target)
                        .or_default()
                        .push(Reason::RelatedService {
                            service_id: relation.other,
                            kind: relation.kind,
                            reason: relation.reason.clone(),
                        });
                }
            }
        }
        reasons
    }

    /// What rules are checked with: the request's day, household size and the tables.
    fn facts<'a>(&'a self, resolved: &Resolved, as_of: NaiveDate) -> Facts<'a> {
        let size = self.household_size.and_then(|id| resolved.answers.get(&id));
        Facts {
            as_of,
            household_size: match size {
                Some(Answer::Number(n)) => Some(*n as u32),
                _ => None,
            },
            tables: &self.tables,
        }
    }

    /// A service's eligibility, with what `judge` says of each of its rules (the rule's
    /// outcome, and anything else the caller wants of it), in the catalog's order.
    fn judged<T>(
        &self,
        service: &IndexedService,
        mut judge: impl FnMut(&IndexedRule, Option<&CriterionShape>) -> (Outcome, T),
    ) -> (EligibilityStatus, Vec<T>) {
        if service.groups.is_empty() {
            return (EligibilityStatus::NotScreened, Vec::new());
        }
        let mut said = Vec::new();
        let outcome = combine(
            RuleGroupMode::All,
            service.groups.iter().map(|(mode, rules)| {
                combine(
                    *mode,
                    rules.iter().map(|rule| {
                        let (outcome, what) =
                            judge(rule, self.criterion_shapes.get(&rule.criterion_id));
                        said.push(what);
                        outcome
                    }),
                )
            }),
        );
        let status = match outcome {
            Outcome::Met if service.agency_checks.is_empty() => EligibilityStatus::Eligible,
            Outcome::Met => EligibilityStatus::LikelyEligible,
            Outcome::NotMet => EligibilityStatus::Ineligible,
            Outcome::Unanswered => EligibilityStatus::Unknown,
        };
        (status, said)
    }

    /// The criteria still unanswered that a rule with `outcome` waits on: its own, and the
    /// household size for an income rule.
    fn open(
        &self,
        rule: &IndexedRule,
        answer: Option<&Answer>,
        outcome: Outcome,
        needs_household_size: bool,
        facts: &Facts<'_>,
    ) -> [Option<i32>; 2] {
        if outcome != Outcome::Unanswered {
            return [None, None];
        }
        [
            answer.is_none().then_some(rule.criterion_id),
            self.household_size
                .filter(|_| needs_household_size && facts.household_size.is_none()),
        ]
    }

    /// A service's eligibility alone: what ranking needs of every candidate.
    fn status(
        &self,
        service: &IndexedService,
        resolved: &Resolved,
        facts: &Facts<'_>,
    ) -> EligibilityStatus {
        self.judged(service, |rule, shape| {
            let answer = resolved.answers.get(&rule.criterion_id);
            (outcome(rule, shape, answer, facts).0, ())
        })
        .0
    }

    /// A service's eligibility with each rule's check, as a returned service shows them.
    fn eligibility(
        &self,
        service: &IndexedService,
        resolved: &Resolved,
        facts: &Facts<'_>,
    ) -> (EligibilityStatus, Vec<Check>) {
        self.judged(service, |rule, shape| {
            let answer = resolved.answers.get(&rule.criterion_id);
            let verdict = match shape {
                Some(shape) => rule.rule.check(shape, answer, facts),
                None => Verdict {
                    outcome: rule.rule.evaluate(answer, facts.as_of),
                    threshold: None,
                    text: None,
                    needs_household_size: false,
                },
            };
            let open = self
                .open(
                    rule,
                    answer,
                    verdict.outcome,
                    verdict.needs_household_size,
                    facts,
                )
                .into_iter()
                .flatten()
                .collect();
            let check = Check {
                criterion_id: rule.criterion_id,
                rule: verdict
                    .text
                    .map_or_else(|| Arc::clone(&rule.description), Arc::from),
                outcome: verdict.outcome,
                threshold: verdict.threshold,
                open,
            };
            (verdict.outcome, check)
        })
    }

    /// Every candidate for `situation`, checked, in no particular order (see
    /// [`Ranking::window`]); ineligible ones only when `include_ineligible`.
    pub(super) fn rank(
        &self,
        situation: &ResidentSituation,
        include_ineligible: bool,
    ) -> CatalogResult<Ranking<'_>> {
        let resolved = self.resolve(situation)?;
        let found = self.candidates(&resolved);
        let facts = self.facts(&resolved, situation.as_of);
        let mut ranked = Vec::with_capacity(found.len());
        for (&service_id, candidate) in &found {
            let service = candidate.service;
            let eligibility = self.status(service, &resolved, &facts);
            if eligibility == EligibilityStatus::Ineligible && !include_ineligible {
                continue;
            }
            let score = candidate.score
                + match eligibility {
                    EligibilityStatus::Eligible => 3.0,
                    EligibilityStatus::LikelyEligible => 2.0,
                    EligibilityStatus::Unknown | EligibilityStatus::NotScreened => 0.0,
                    EligibilityStatus::Ineligible => -20.0,
                };
            let position = candidate
                .stage_id
                .and_then(|s| self.stage_positions.get(&s))
                .copied()
                .unwrap_or(i32::MAX);
            ranked.push(Ranked {
                service_id,
                service,
                name: &service.name,
                score,
                eligibility,
                stage_id: candidate.stage_id,
                place: (candidate.direct, position, candidate.order),
            });
        }
        let same_program = one_per_program(&mut ranked, &resolved.chain);
        Ok(Ranking {
            resolved,
            as_of: situation.as_of,
            found,
            ranked,
            same_program,
        })
    }

    /// The recommendations of `chosen` (a ranked candidate with its rank, from 1), with
    /// their reasons and checks, in the order given.
    pub(super) fn written<'a>(
        &self,
        ranking: &Ranking<'a>,
        chosen: impl IntoIterator<Item = (u32, &'a Ranked<'a>)> + Clone,
    ) -> Vec<Recommendation> {
        let wanted: IdSet = chosen
            .clone()
            .into_iter()
            .map(|(_, r)| r.service_id)
            .collect();
        let mut reasons = self.reasons(&ranking.resolved, &ranking.found, &wanted);
        let facts = self.facts(&ranking.resolved, ranking.as_of);
        chosen
            .into_iter()
            .map(|(rank, r)| Recommendation {
                service_id: r.service_id,
                service_name: Arc::clone(r.name),
                score: r.score,
                rank,
                eligibility: r.eligibility,
                checks: self.eligibility(r.service, &ranking.resolved, &facts).1,
                agency_checks: Arc::clone(&r.service.agency_checks),
                same_program: ranking
                    .same_program
                    .get(&r.service_id)
                    .cloned()
                    .unwrap_or_default(),
                reasons: reasons.remove(&r.service_id).unwrap_or_default(),
                stage_id: r.stage_id,
            })
            .collect()
    }

    /// The life events `ranking`'s resident may also be going through.
    pub(super) fn suggested(&self, ranking: &Ranking<'_>) -> Vec<SuggestedLifeEvent> {
        let resolved = &ranking.resolved;
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
        suggested
    }

    /// The whole ranked result, every recommendation written out.
    #[cfg(test)]
    pub(super) fn recommend(
        &self,
        situation: &ResidentSituation,
        include_ineligible: bool,
    ) -> CatalogResult<super::Recommendations> {
        let mut ranking = self.rank(situation, include_ineligible)?;
        ranking.ranked.sort_unstable_by(Ranked::order);
        let ranks = (1..).zip(&ranking.ranked);
        Ok(super::Recommendations {
            items: self.written(&ranking, ranks),
            suggested_life_events: self.suggested(&ranking),
        })
    }

    pub(crate) fn questions(&self, situation: &ResidentSituation) -> CatalogResult<Vec<Question>> {
        let resolved = self.resolve(situation)?;
        let mut counts: IdMap<(u32, f64)> = IdMap::default();
        let facts = self.facts(&resolved, situation.as_of);
        let found = self.candidates(&resolved);
        // A program the result shows once counts once.
        let left_out = other_listings(&found, &resolved.chain);
        for (id, candidate) in &found {
            if left_out.contains(id) {
                continue;
            }
            let (status, open) = self.judged(candidate.service, |rule, shape| {
                let answer = resolved.answers.get(&rule.criterion_id);
                let (outcome, needs_household_size) = outcome(rule, shape, answer, &facts);
                let open = self.open(rule, answer, outcome, needs_household_size, &facts);
                (outcome, open)
            });
            if status != EligibilityStatus::Unknown {
                continue;
            }
            let open: IdSet = open.into_iter().flatten().flatten().collect();
            for criterion_id in open {
                let entry = counts.entry(criterion_id).or_default();
                entry.0 += 1;
                entry.1 += candidate.score;
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
            .map(|(criterion_id, (decides, relevance))| Question {
                criterion_id,
                decides,
                relevance,
            })
            .collect();
        questions.sort_by(|a, b| {
            b.relevance
                .total_cmp(&a.relevance)
                .then_with(|| b.decides.cmp(&a.decides))
                .then_with(|| key(&a.criterion_id).cmp(&key(&b.criterion_id)))
        });
        Ok(questions)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;

    use chrono::NaiveDate;
    use serde_json::json;

    use super::super::index::{IdMap, Index, IndexedRule, IndexedService, Link, Relation, Served};
    use super::super::{EligibilityStatus, Reason, ResidentSituation};
    use crate::catalog::eligibility::{CriterionShape, Rule, RuleValue};
    use crate::catalog::types::{
        CriterionKind, RelationKind, Relevance, RuleGroupMode, RuleOperator,
    };

    const US: i32 = 1;
    const NY: i32 = 2;
    const NYC: i32 = 3;
    const JOB_LOSS: i32 = 10;
    const NEW_BABY: i32 = 11;
    const INCOME_STAGE: i32 = 100;
    const HEALTH_STAGE: i32 = 101;
    const HOUSEHOLD_SIZE: i32 = 7;

    fn service(name: &str, jurisdictions: &[i32]) -> IndexedService {
        IndexedService {
            name: Arc::from(name),
            jurisdictions: jurisdictions.to_vec(),
            groups: Vec::new(),
            agency_checks: Arc::from(Vec::new()),
            program: None,
        }
    }

    fn link(
        services: &IdMap<Arc<IndexedService>>,
        (id, service_id, stage_id): (i32, i32, i32),
        relevance: Relevance,
    ) -> Link {
        Link {
            id,
            service_id,
            serves: Served::of(&services[&service_id].jurisdictions),
            service: Arc::clone(&services[&service_id]),
            stage_id,
            relevance,
            reason: Arc::from("because"),
        }
    }

    fn map<V>(entries: impl IntoIterator<Item = (i32, V)>) -> IdMap<V> {
        entries.into_iter().collect()
    }

    /// Job loss (income stage first, health second) links: unemployment insurance (1, CORE,
    /// New York), heating help (2, SUPPORTING, health stage), a city rent programme (3, CORE,
    /// New York City only) and job training (5, CORE, households of 3 or more). A new baby
    /// links WIC (6, SUPPORTING). Unemployment insurance COMPLEMENTS a federal helpline (4),
    /// which no life event links.
    fn index() -> Index {
        let mut training = service("Job training", &[NY]);
        training.groups = vec![(
            RuleGroupMode::All,
            vec![IndexedRule {
                criterion_id: HOUSEHOLD_SIZE,
                rule: Rule {
                    operator: RuleOperator::Gte,
                    value: RuleValue::Number(3.0),
                },
                description: Arc::from("household of 3 or more"),
            }],
        )];
        let size = CriterionShape {
            key: "household-size".into(),
            label: "How many people live in your household?".into(),
            kind: CriterionKind::Number,
            options: Vec::new(),
            income_period: None,
            future_dates: false,
        };
        let services = map([
            (1, service("Unemployment insurance", &[NY])),
            (2, service("Heating help", &[NY])),
            (3, service("City rent help", &[NYC])),
            (4, service("Federal helpline", &[US])),
            (5, training),
            (6, service("WIC", &[NY])),
        ]
        .map(|(id, service)| (id, Arc::new(service))));
        let relation = |other: i32| Relation {
            kind: RelationKind::Complements,
            other,
            service: Some(Arc::clone(&services[&other])),
            serves: Served::of(&services[&other].jurisdictions),
            reason: Arc::from("talk to someone"),
        };
        Index {
            life_events: HashMap::from([
                ("job-loss".into(), JOB_LOSS),
                ("new-baby".into(), NEW_BABY),
            ]),
            life_event_names: map([
                (JOB_LOSS, Arc::from("Losing a job")),
                (NEW_BABY, Arc::from("Having a baby")),
            ]),
            related_life_events: map([(JOB_LOSS, vec![(NEW_BABY, "often together".into())])]),
            stage_positions: map([(INCOME_STAGE, 1), (HEALTH_STAGE, 2), (200, 1)]),
            links: map([
                (
                    JOB_LOSS,
                    vec![
                        link(&services, (1, 1, INCOME_STAGE), Relevance::Core),
                        link(&services, (2, 2, HEALTH_STAGE), Relevance::Supporting),
                        link(&services, (3, 3, HEALTH_STAGE), Relevance::Core),
                        link(&services, (4, 5, INCOME_STAGE), Relevance::Core),
                    ],
                ),
                (
                    NEW_BABY,
                    vec![link(&services, (5, 6, 200), Relevance::Supporting)],
                ),
            ]),
            // Unemployment insurance (1) complements the helpline (4): seen from both ends.
            outgoing: map([(1, vec![relation(4)])]),
            incoming: map([(4, vec![relation(1)])]),
            services,
            chains: HashMap::from([
                ("US-NY".into(), vec![NY, US]),
                ("US-NY-NYC".into(), vec![NYC, NY, US]),
            ]),
            criteria: HashMap::from([("household-size".into(), (HOUSEHOLD_SIZE, size.clone()))]),
            criterion_shapes: map([(HOUSEHOLD_SIZE, size)]),
            tables: Default::default(),
            household_size: Some(HOUSEHOLD_SIZE),
        }
    }

    fn situation(life_events: &[&str], jurisdiction: &str, size: Option<u32>) -> ResidentSituation {
        ResidentSituation {
            life_events: life_events.iter().map(|s| (*s).to_owned()).collect(),
            jurisdiction: jurisdiction.into(),
            answers: size
                .map(|n| vec![("household-size".to_owned(), json!(n))])
                .unwrap_or_default(),
            as_of: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        }
    }

    fn ranked(situation: &ResidentSituation, include_ineligible: bool) -> Vec<(String, f64)> {
        index()
            .recommend(situation, include_ineligible)
            .unwrap()
            .items
            .iter()
            .map(|r| (r.service_name.to_string(), r.score))
            .collect()
    }

    #[test]
    fn core_links_outrank_supporting_ones_and_related_services_come_last() {
        let names: Vec<String> = ranked(&situation(&["job-loss"], "US-NY", None), false)
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        // Unemployment insurance: CORE +10, no rules so NOT_SCREENED, nothing more = 10; job
        // training: CORE +10, its rule unanswered = 10, after it in the stage's order;
        // heating help: SUPPORTING +5; the helpline is reached only through a relation, so
        // it comes after every linked service.
        assert_eq!(
            names,
            [
                "Unemployment insurance",
                "Job training",
                "Heating help",
                "Federal helpline"
            ]
        );
    }

    #[test]
    fn services_outside_the_residents_jurisdictions_are_left_out() {
        let upstate = ranked(&situation(&["job-loss"], "US-NY", None), false);
        assert!(!upstate.iter().any(|(name, _)| name == "City rent help"));
        let city = ranked(&situation(&["job-loss"], "US-NY-NYC", None), false);
        assert!(
            city.iter()
                .any(|(name, score)| name == "City rent help" && *score == 10.0)
        );
    }

    #[test]
    fn a_service_without_rules_is_not_screened_and_ranks_by_relevance_alone() {
        let result = index()
            .recommend(&situation(&["job-loss"], "US-NY", None), false)
            .unwrap();
        let status = |name: &str| {
            let r = result
                .items
                .iter()
                .find(|r| &*r.service_name == name)
                .unwrap();
            (r.eligibility, r.score)
        };
        assert_eq!(
            status("Unemployment insurance"),
            (EligibilityStatus::NotScreened, 10.0)
        );
        assert_eq!(status("Job training"), (EligibilityStatus::Unknown, 10.0));
        assert_eq!(
            status("Heating help"),
            (EligibilityStatus::NotScreened, 5.0)
        );
    }

    #[test]
    fn ineligible_services_are_shown_only_on_request_and_scored_down() {
        let pair = situation(&["job-loss"], "US-NY", Some(2));
        assert!(
            !ranked(&pair, false)
                .iter()
                .any(|(name, _)| name == "Job training")
        );
        let all = ranked(&pair, true);
        // Ranked last, after the helpline that only a relation reaches.
        assert_eq!(
            all.last(),
            Some(&("Job training".to_owned(), 10.0 - 20.0)),
            "{all:?}"
        );
        let family = situation(&["job-loss"], "US-NY", Some(4));
        let result = index().recommend(&family, false).unwrap();
        let training = result
            .items
            .iter()
            .find(|r| &*r.service_name == "Job training")
            .unwrap();
        assert_eq!(training.eligibility, EligibilityStatus::Eligible);
        assert_eq!(training.score, 13.0);
    }

    #[test]
    fn a_related_service_says_which_recommended_service_led_to_it() {
        let result = index()
            .recommend(&situation(&["job-loss"], "US-NY", None), false)
            .unwrap();
        let helpline = result.items.iter().find(|r| r.service_id == 4).unwrap();
        assert!(matches!(
            helpline.reasons.as_slice(),
            [Reason::RelatedService {
                service_id: 1,
                kind: RelationKind::Complements,
                ..
            }]
        ));
        assert_eq!(result.suggested_life_events.len(), 1);
        assert_eq!(result.suggested_life_events[0].life_event_id, NEW_BABY);
    }

    #[test]
    fn a_page_gives_each_reason_its_sentence_with_the_names_it_refers_to() {
        let request = crate::catalog::PageRequest::parse(Some(20), None, None, None).unwrap();
        let page = index()
            .recommend_page(&situation(&["job-loss"], "US-NY", None), false, &request)
            .unwrap()
            .page;
        let texts = |id: i32| -> Vec<String> {
            page.items
                .iter()
                .find(|(_, r)| r.service_id == id)
                .unwrap()
                .1
                .reasons
                .iter()
                .map(|e| e.text.clone())
                .collect()
        };
        assert_eq!(
            texts(4),
            ["Often needed with Unemployment insurance: talk to someone"]
        );
        assert_eq!(texts(2), ["Losing a job: because"]);
    }

    #[test]
    fn ranks_are_positions_from_one_and_ties_keep_the_page_order() {
        let result = index()
            .recommend(&situation(&["job-loss", "new-baby"], "US-NY", None), false)
            .unwrap();
        let ranks: Vec<u32> = result.items.iter().map(|r| r.rank).collect();
        assert_eq!(ranks, (1..=ranks.len() as u32).collect::<Vec<_>>());
        // Heating help and WIC both score 8; heating help's stage comes second on its page,
        // WIC's first, so WIC ranks first between them.
        let position = |id: i32| {
            result
                .items
                .iter()
                .position(|r| r.service_id == id)
                .unwrap()
        };
        assert!(position(6) < position(2));
    }

    #[test]
    fn the_next_question_is_the_one_that_decides_a_candidate() {
        let questions = index()
            .questions(&situation(&["job-loss"], "US-NY", None))
            .unwrap();
        assert_eq!(questions.len(), 1);
        assert_eq!(questions[0].criterion_id, HOUSEHOLD_SIZE);
        assert_eq!(questions[0].decides, 1);
        let answered = index()
            .questions(&situation(&["job-loss"], "US-NY", Some(3)))
            .unwrap();
        assert!(answered.is_empty());
    }

    #[test]
    fn a_program_offered_by_two_offices_counts_once_for_the_next_question() {
        let mut index = index();
        let listing = |name: &str, jurisdiction: i32| {
            let mut listing = service(name, &[jurisdiction]);
            listing.groups = index.services[&5]
                .groups
                .iter()
                .map(|(mode, rules)| {
                    (
                        *mode,
                        rules
                            .iter()
                            .map(|r| IndexedRule {
                                criterion_id: r.criterion_id,
                                rule: r.rule.clone(),
                                description: Arc::clone(&r.description),
                            })
                            .collect(),
                    )
                })
                .collect();
            listing.program = Some(Arc::from("training"));
            Arc::new(listing)
        };
        let (state, city) = (listing("State training", NY), listing("City training", NYC));
        index.services.insert(7, state);
        index.services.insert(8, city);
        let added = [
            link(&index.services, (6, 7, INCOME_STAGE), Relevance::Core),
            link(&index.services, (7, 8, INCOME_STAGE), Relevance::Core),
        ];
        if let Some(links) = index.links.get_mut(&JOB_LOSS) {
            links.extend(added);
        }
        // Job training (5) and the program's listing nearest the resident wait on the
        // household size: two, not three.
        for jurisdiction in ["US-NY-NYC", "US-NY"] {
            let questions = index
                .questions(&situation(&["job-loss"], jurisdiction, None))
                .unwrap();
            assert_eq!(questions[0].criterion_id, HOUSEHOLD_SIZE);
            assert_eq!(questions[0].decides, 2, "{jurisdiction}");
        }
        // The result shows the city's listing to a city resident, naming the state's.
        let ranking = index
            .rank(&situation(&["job-loss"], "US-NY-NYC", Some(3)), false)
            .unwrap();
        let ids: Vec<i32> = ranking.ranked.iter().map(|r| r.service_id).collect();
        assert!(ids.contains(&8) && !ids.contains(&7), "{ids:?}");
        assert_eq!(ranking.same_program.get(&8), Some(&vec![7]));
    }

    #[test]
    fn reasons_read_as_sentences_naming_what_they_refer_to() {
        let linked = Reason::LifeEvent {
            life_event_id: JOB_LOSS,
            stage_id: INCOME_STAGE,
            relevance: Relevance::Core,
            reason: Arc::from("replaces part of your wages"),
        };
        assert_eq!(
            linked.sentence(Some("Losing a job"), None),
            "Losing a job: replaces part of your wages"
        );
        assert_eq!(linked.sentence(None, None), "replaces part of your wages");
        let related = |kind| Reason::RelatedService {
            service_id: 1,
            kind,
            reason: Arc::from("apply soon"),
        };
        for (kind, sentence) in [
            (RelationKind::Requires, "Needed for SNAP: apply soon"),
            (RelationKind::FollowUp, "A next step after SNAP: apply soon"),
            (
                RelationKind::Complements,
                "Often needed with SNAP: apply soon",
            ),
        ] {
            assert_eq!(related(kind).sentence(None, Some("SNAP")), sentence);
        }
        assert_eq!(
            related(RelationKind::Complements).sentence(None, None),
            "Often needed with a recommended service: apply soon"
        );
    }

    /// Every page of the job-loss and new-baby result (six candidates), forward and
    /// backward from every cursor (a gone service's too), is the slice of the fully sorted
    /// result that `Page::slice` cuts, though only the page is put in order.
    #[test]
    fn a_page_selected_without_sorting_everything_is_the_sorted_result_cut() {
        use super::Ranked;
        use crate::catalog::page::{Cursor, Page, PageRequest};
        let index = index();
        let situation = situation(&["job-loss", "new-baby"], "US-NY-NYC", None);
        let mut sorted = index.rank(&situation, true).unwrap();
        sorted.ranked.sort_unstable_by(Ranked::order);
        let ids: Vec<i32> = sorted.ranked.iter().map(|r| r.service_id).collect();
        assert_eq!(ids.len(), 6, "{ids:?}");
        let keys: Vec<Cursor> = sorted.ranked.iter().map(Ranked::cursor).collect();
        let cursors: Vec<Option<Cursor>> = std::iter::once(None)
            .chain(sorted.ranked.iter().map(|r| Some(r.cursor())))
            .chain([Some(Cursor {
                name: "Gone".into(),
                id: 99,
            })])
            .collect();
        for size in 0..=7 {
            for after in &cursors {
                for before in &cursors {
                    for from_end in [false, true] {
                        let request = PageRequest {
                            size,
                            after: after.clone(),
                            before: before.clone(),
                            from_end,
                        };
                        let expected = Page::slice(keys.clone(), &request, |k| k.id, Clone::clone);
                        let mut ranking = index.rank(&situation, true).unwrap();
                        let window = ranking.window(&request);
                        let got: Vec<i32> = ranking.ranked[window.clone()]
                            .iter()
                            .map(|r| r.service_id)
                            .collect();
                        let wanted: Vec<i32> = expected.items.iter().map(|(k, _)| k.id).collect();
                        assert_eq!(got, wanted, "{request:?}");
                        let page = Page::of(Vec::<(Cursor, ())>::new(), window, ids.len());
                        assert_eq!(
                            (page.has_next_page, page.has_previous_page),
                            (expected.has_next_page, expected.has_previous_page),
                            "{request:?}"
                        );
                    }
                }
            }
        }
    }
}
