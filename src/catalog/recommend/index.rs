//! Building the recommendation index: the published snapshot turned, once per revision, into
//! the maps a request is ranked from.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::catalog::eligibility::{CriterionShape, Rule};
use crate::catalog::error::CatalogResult;
use crate::catalog::records;
use crate::catalog::reference::{HOUSEHOLD_SIZE, Tables};
use crate::catalog::service::{RelatedService, RuleGroup};
use crate::catalog::types::{RelationDirection, RelationKind, Relevance, RuleGroupMode};

pub(crate) use crate::catalog::hash::IdMap;

pub(super) struct IndexedService {
    pub(super) name: Arc<str>,
    pub(super) jurisdictions: Vec<i32>,
    pub(super) groups: Vec<(RuleGroupMode, Vec<IndexedRule>)>,
    /// What the agency checks that its rules cannot: when non-empty, met rules make the
    /// service likely eligible, never eligible.
    pub(super) agency_checks: Arc<[String]>,
    /// The program it is a listing of, shared with other offices' listings.
    pub(super) program: Option<Arc<str>>,
}

/// A compiled rule with its plain-words description, written once per index build.
pub(super) struct IndexedRule {
    pub(super) criterion_id: i32,
    pub(super) rule: Rule,
    pub(super) description: Arc<str>,
}

#[derive(Clone)]
pub(super) struct Link {
    /// The link's row id: the catalog's order within a stage.
    pub(super) id: i32,
    pub(super) service_id: i32,
    /// The service, so ranking reads it without a lookup.
    pub(super) service: Arc<IndexedService>,
    /// The jurisdictions the service serves, held in the link itself when it is one (most
    /// are): checking a link against the resident's then reads no other memory.
    pub(super) serves: Served,
    pub(super) stage_id: i32,
    pub(super) relevance: Relevance,
    pub(super) reason: Arc<str>,
}

/// The jurisdictions a service serves.
#[derive(Clone)]
pub(super) enum Served {
    One(i32),
    Many(Arc<[i32]>),
}

impl Served {
    pub(super) fn of(jurisdictions: &[i32]) -> Self {
        match jurisdictions {
            [one] => Self::One(*one),
            many => Self::Many(Arc::from(many)),
        }
    }

    /// Whether a resident whose jurisdictions (their own and every one above it) are
    /// `chain` is served.
    pub(super) fn within(&self, chain: &[i32]) -> bool {
        match self {
            Self::One(j) => chain.contains(j),
            Self::Many(all) => all.iter().any(|j| chain.contains(j)),
        }
    }
}

/// A relation from one published service to another.
#[derive(Clone)]
pub(super) struct Relation {
    pub(super) kind: RelationKind,
    /// The other service's id, and the service when it is published.
    pub(super) other: i32,
    pub(super) service: Option<Arc<IndexedService>>,
    /// The jurisdictions that service serves (none until the relation is resolved).
    pub(super) serves: Served,
    pub(super) reason: Arc<str>,
}

/// The published catalog, as recommendations need it.
#[derive(Default)]
pub struct Index {
    pub(super) life_events: HashMap<String, i32>,
    /// Life-event names by id, for the reasons' sentences.
    pub(super) life_event_names: IdMap<Arc<str>>,
    pub(super) related_life_events: IdMap<Vec<(i32, String)>>,
    pub(super) stage_positions: IdMap<i32>,
    /// Each life event's links, in the catalog's order (by link id).
    pub(super) links: IdMap<Vec<Link>>,
    pub(super) services: IdMap<Arc<IndexedService>>,
    /// Each service's relations to others, by the service they start from...
    pub(super) outgoing: IdMap<Vec<Relation>>,
    /// ...and by the service they lead to (`other` is then the source), sources by id.
    pub(super) incoming: IdMap<Vec<Relation>>,
    pub(super) chains: HashMap<String, Vec<i32>>,
    pub(super) criteria: HashMap<String, (i32, CriterionShape)>,
    pub(super) criterion_shapes: IdMap<CriterionShape>,
    /// Reference tables by key, for income rules.
    pub(super) tables: Tables,
    /// The id of the household-size criterion, which table amounts are looked up by.
    pub(super) household_size: Option<i32>,
}

impl Index {
    /// Every reference table the index holds, by key.
    pub fn reference_tables(&self) -> Vec<Arc<crate::catalog::reference::Table>> {
        let mut tables: Vec<_> = self.tables.values().cloned().collect();
        tables.sort_by(|a, b| a.key.cmp(&b.key));
        tables
    }

    /// The reference tables, by key.
    pub(crate) fn tables(&self) -> &Tables {
        &self.tables
    }

    /// The kind and options of a criterion, by id.
    pub fn criterion_shape(&self, criterion_id: i32) -> Option<&CriterionShape> {
        self.criterion_shapes.get(&criterion_id)
    }
}

/// The published catalog the index is built from, as the snapshot holds it.
pub(crate) struct Published<'a> {
    pub services: &'a HashMap<i32, Arc<records::Service>>,
    pub jurisdictions_of_services: &'a HashMap<i32, Arc<Vec<i32>>>,
    pub rules_of_services: &'a HashMap<i32, Arc<Vec<RuleGroup>>>,
    pub links_of_services: &'a HashMap<i32, Arc<Vec<records::ServiceLink>>>,
    pub relations_of_services: &'a HashMap<i32, Arc<Vec<RelatedService>>>,
    pub criteria: &'a HashMap<i32, Arc<records::Criterion>>,
    pub jurisdictions: &'a [records::Jurisdiction],
    pub life_events: &'a HashMap<i32, Arc<records::LifeEvent>>,
    pub related_life_events: &'a HashMap<i32, Arc<Vec<records::LifeEventRelation>>>,
    pub stages: &'a HashMap<i32, Arc<records::JourneyStage>>,
}

/// What the index of a patched snapshot takes from the previous index: every service but
/// the `touched` ones is as it was there (its rules, links and relations).
#[derive(Clone, Copy)]
pub(crate) struct Reuse<'a> {
    pub index: &'a Index,
    pub touched: &'a HashSet<i32>,
}

impl Index {
    /// The index of `published`, in memory (the snapshot read the database already), with
    /// the reference `tables` income rules look amounts up in; with `reuse`, the services
    /// it did not touch are taken from the previous index as they are.
    pub(crate) fn build(
        published: &Published<'_>,
        tables: Tables,
        reuse: Option<Reuse<'_>>,
    ) -> CatalogResult<Self> {
        let mut criteria = HashMap::new();
        let mut criterion_shapes = IdMap::default();
        for c in published.criteria.values() {
            let shape = CriterionShape::from_row(c)?;
            criteria.insert(c.key.clone(), (c.id, shape.clone()));
            criterion_shapes.insert(c.id, shape);
        }

        let mut services: IdMap<Arc<IndexedService>> = IdMap::default();
        services.reserve(published.services.len());
        let mut links: IdMap<Vec<Link>> = IdMap::default();
        let mut outgoing: IdMap<Vec<Relation>> = IdMap::default();
        for (&id, service) in published.services {
            let kept = reuse
                .filter(|r| !r.touched.contains(&id))
                .and_then(|r| r.index.services.get(&id).map(|s| (r.index, s)));
            if let Some((previous, kept)) = kept {
                services.insert(id, Arc::clone(kept));
                if let Some(from_here) = previous.outgoing.get(&id) {
                    outgoing.insert(id, from_here.clone());
                }
                continue;
            }
            let mut groups = Vec::new();
            for group in published
                .rules_of_services
                .get(&id)
                .into_iter()
                .flat_map(|g| g.iter())
            {
                let mut rules = Vec::with_capacity(group.rules.len());
                for r in &group.rules {
                    if let Some(shape) = criterion_shapes.get(&r.criterion_id) {
                        let rule = Rule::from_row(shape, r.operator, &r.value)?;
                        let description = Arc::from(rule.describe(shape));
                        rules.push(IndexedRule {
                            criterion_id: r.criterion_id,
                            rule,
                            description,
                        });
                    }
                }
                groups.push((group.group.mode, rules));
            }
            let jurisdictions = published
                .jurisdictions_of_services
                .get(&id)
                .map(|j| j.to_vec())
                .unwrap_or_default();
            let indexed = Arc::new(IndexedService {
                name: Arc::from(service.name.as_str()),
                jurisdictions,
                groups,
                agency_checks: Arc::from(service.agency_checks.0.as_slice()),
                program: service.program.as_deref().map(Arc::from),
            });
            services.insert(id, Arc::clone(&indexed));
            for l in published
                .links_of_services
                .get(&id)
                .into_iter()
                .flat_map(|l| l.iter())
            {
                links.entry(l.life_event_id).or_default().push(Link {
                    id: l.id,
                    service_id: id,
                    serves: Served::of(&indexed.jurisdictions),
                    service: Arc::clone(&indexed),
                    stage_id: l.journey_stage_id,
                    relevance: l.relevance,
                    reason: Arc::from(l.reason.as_str()),
                });
            }
            let related = published.relations_of_services.get(&id);
            let from_here: Vec<_> = related
                .into_iter()
                .flat_map(|r| r.iter())
                .filter(|r| r.direction == RelationDirection::Outgoing)
                .map(|r| Relation {
                    kind: r.kind,
                    other: r.service_id,
                    service: None,
                    serves: Served::Many(Arc::from([])),
                    reason: Arc::from(r.reason.as_str()),
                })
                .collect();
            if !from_here.is_empty() {
                outgoing.insert(id, from_here);
            }
        }
        // The links of the services taken as they were.
        if let Some(reuse) = reuse {
            for (life_event, list) in &reuse.index.links {
                let kept = list.iter().filter(|l| {
                    !reuse.touched.contains(&l.service_id)
                        && published.services.contains_key(&l.service_id)
                });
                links.entry(*life_event).or_default().extend(kept.cloned());
            }
        }
        // The catalog's order within a stage: by link id.
        for list in links.values_mut() {
            list.sort_by_key(|l| l.id);
        }
        // Every relation reaches the service as this index holds it, and is found from
        // both ends.
        let mut incoming: IdMap<Vec<Relation>> = IdMap::default();
        let mut sources: Vec<i32> = outgoing.keys().copied().collect();
        sources.sort_unstable();
        for source in sources {
            let resolved = |id: i32| {
                let service = services.get(&id).cloned();
                let serves = Served::of(service.as_deref().map_or(&[], |s| &s.jurisdictions));
                (service, serves)
            };
            for relation in outgoing.get_mut(&source).into_iter().flatten() {
                (relation.service, relation.serves) = resolved(relation.other);
                let (service, serves) = resolved(source);
                incoming.entry(relation.other).or_default().push(Relation {
                    kind: relation.kind,
                    other: source,
                    service,
                    serves,
                    reason: Arc::clone(&relation.reason),
                });
            }
        }

        let parents: HashMap<i32, Option<i32>> = published
            .jurisdictions
            .iter()
            .map(|j| (j.id, j.parent_id))
            .collect();
        let chains = published
            .jurisdictions
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

        let life_event_names = published
            .life_events
            .values()
            .map(|e| (e.id, Arc::from(e.name.as_str())))
            .collect();
        let life_events = published
            .life_events
            .values()
            .map(|e| (e.slug.clone(), e.id))
            .collect();
        let related_life_events = published
            .related_life_events
            .iter()
            .map(|(id, related)| {
                let related = related
                    .iter()
                    .map(|r| (r.related_life_event_id, r.reason.clone()))
                    .collect();
                (*id, related)
            })
            .collect();
        let stage_positions = published
            .stages
            .values()
            .map(|s| (s.id, s.position))
            .collect();

        let household_size = criteria.get(HOUSEHOLD_SIZE).map(|(id, _)| *id);
        Ok(Index {
            tables,
            household_size,
            life_events,
            life_event_names,
            related_life_events,
            stage_positions,
            links,
            services,
            outgoing,
            incoming,
            chains,
            criteria,
            criterion_shapes,
        })
    }
}
