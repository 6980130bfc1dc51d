//! Building the recommendation index: the published catalog read once per revision into
//! maps a request can be answered from without touching the database.

use std::collections::HashMap;
use std::sync::Arc;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::catalog::Catalog;
use crate::catalog::eligibility::{CriterionShape, Rule};
use crate::catalog::error::CatalogResult;
use crate::catalog::reference::{HOUSEHOLD_SIZE, Tables, load_tables};
use crate::catalog::types::{RelationKind, Relevance, RuleGroupMode, ServiceStatus};
use crate::entity::{
    criterion, eligibility_rule, eligibility_rule_group, journey_stage, jurisdiction, life_event,
    life_event_relation, life_event_service, service, service_jurisdiction, service_relation,
};

pub(super) struct IndexedService {
    pub(super) name: Arc<str>,
    pub(super) jurisdictions: Vec<i32>,
    pub(super) groups: Vec<(RuleGroupMode, Vec<IndexedRule>)>,
}

/// A compiled rule with its plain-words description, written once per index build.
pub(super) struct IndexedRule {
    pub(super) criterion_id: i32,
    pub(super) rule: Rule,
    pub(super) description: Arc<str>,
}

pub(super) struct Link {
    /// The link's row id: the catalog's order within a stage.
    pub(super) id: i32,
    pub(super) service_id: i32,
    pub(super) stage_id: i32,
    pub(super) relevance: Relevance,
    pub(super) reason: Arc<str>,
}

/// The published catalog, as recommendations need it.
pub struct Index {
    pub(super) life_events: HashMap<String, i32>,
    /// Life-event names by id, for the reasons' sentences.
    pub(super) life_event_names: HashMap<i32, Arc<str>>,
    pub(super) related_life_events: HashMap<i32, Vec<(i32, String)>>,
    pub(super) stage_positions: HashMap<i32, i32>,
    pub(super) links: HashMap<i32, Vec<Link>>,
    pub(super) services: HashMap<i32, IndexedService>,
    pub(super) outgoing: HashMap<i32, Vec<(RelationKind, i32, Arc<str>)>>,
    pub(super) chains: HashMap<String, Vec<i32>>,
    pub(super) criteria: HashMap<String, (i32, CriterionShape)>,
    pub(super) criterion_shapes: HashMap<i32, CriterionShape>,
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

    /// The kind and options of a criterion, by id.
    pub fn criterion_shape(&self, criterion_id: i32) -> Option<&CriterionShape> {
        self.criterion_shapes.get(&criterion_id)
    }
}

impl Catalog {
    pub(crate) async fn build_index(&self) -> CatalogResult<Index> {
        let db = &self.db;
        let published: Vec<service::Model> = service::Entity::find()
            .filter(service::Column::Status.eq(ServiceStatus::Published))
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
            let shape = CriterionShape::from_row(&c)?;
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
                let rule = Rule::from_row(shape, r.operator, &r.value)?;
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
                s.groups
                    .push((g.mode, rules_by_group.remove(&g.id).unwrap_or_default()));
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
                    relevance: l.relevance,
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
                    r.kind,
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

        let life_event_rows = life_event::Entity::find().all(db).await?;
        let life_event_names = life_event_rows
            .iter()
            .map(|e| (e.id, Arc::from(e.name.as_str())))
            .collect();
        let life_events = life_event_rows
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

        let household_size = criteria.get(HOUSEHOLD_SIZE).map(|(id, _)| *id);
        Ok(Index {
            tables: load_tables(db).await?,
            household_size,
            life_events,
            life_event_names,
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
}
