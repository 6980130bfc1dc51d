//! Life events and their ordered journey stages: reading them, the services linked at each
//! stage, and their administration by ADMIN keys.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::{Value, json};

use crate::catalog::error::{CatalogError, CatalogResult, ConflictCode};
use crate::catalog::page::{Cursor, Page, PageRequest, sort_key};
use crate::catalog::principal::{ADMINISTER, Principal, require_admin};
use crate::catalog::service::write::expect_version;
use crate::catalog::service::{points_at_published, published};
use crate::catalog::store::{
    UniqueKey, by_id, changed, group_by, insert_unique, link, sort_name, sorted_keys,
};
use crate::catalog::types::Slug;
use crate::catalog::validate::{max, max_items};
use crate::catalog::{Catalog, validate};
use crate::entity::{journey_stage, life_event, life_event_relation, life_event_service, service};

/// A journey stage.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StageInput {
    pub slug: String,
    pub name: String,
    pub description: String,
}

/// A new life event with its stages, in journey order.
#[derive(Debug, Clone, Default)]
pub struct LifeEventInput {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub eu_code: Option<String>,
    pub stages: Vec<StageInput>,
}

/// Changes to a life event or a journey stage; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct TextChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    /// For life events: the EU life-event code; an empty string clears it.
    pub eu_code: Option<String>,
}

pub(crate) fn life_event_json(e: &life_event::Model, stages: &[journey_stage::Model]) -> Value {
    json!({ "slug": e.slug, "name": e.name, "description": e.description, "euCode": e.eu_code,
            "version": e.version, "stages": stages.iter()
                .map(|s| json!({ "id": s.id, "slug": s.slug, "name": s.name, "position": s.position }))
                .collect::<Vec<_>>() })
}

/// A life event as its audit events record it: its text, its stages and the life events it
/// is related to (by id, with the reason).
async fn life_event_state(
    db: &impl ConnectionTrait,
    event: &life_event::Model,
) -> CatalogResult<Value> {
    let mut state = life_event_json(event, &stages_of(db, event.id).await?);
    let related: Vec<Value> = life_event_relation::Entity::find()
        .filter(life_event_relation::Column::LifeEventId.eq(event.id))
        .order_by_asc(life_event_relation::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|r| json!({ "lifeEventId": r.related_life_event_id, "reason": r.reason }))
        .collect();
    state["related"] = Value::Array(related);
    Ok(state)
}

pub(crate) async fn stages_of(
    db: &impl ConnectionTrait,
    life_event_id: i32,
) -> CatalogResult<Vec<journey_stage::Model>> {
    Ok(journey_stage::Entity::find()
        .filter(journey_stage::Column::LifeEventId.eq(life_event_id))
        .order_by_asc(journey_stage::Column::Position)
        .order_by_asc(journey_stage::Column::Id)
        .all(db)
        .await?)
}

/// Numbers `stages` 1, 2, 3... in the given order, writing only the ones that move.
pub(crate) async fn renumber(
    db: &impl ConnectionTrait,
    stages: Vec<journey_stage::Model>,
) -> CatalogResult<()> {
    for (i, stage) in stages.into_iter().enumerate() {
        let position = crate::catalog::store::position(i);
        if stage.position != position {
            let mut active = stage.into_active_model();
            active.position = Set(position);
            active.update(db).await?;
        }
    }
    Ok(())
}

/// A new life event with its journey stages, every field checked: what `lifeEventCreate`
/// and a catalog document's `lifeEvents` entry both become before anything is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLifeEvent {
    pub slug: Slug,
    pub name: String,
    pub description: String,
    pub eu_code: Option<String>,
    /// In journey order, slugs checked and unique.
    pub stages: Vec<StageInput>,
}

impl TryFrom<LifeEventInput> for NewLifeEvent {
    type Error = CatalogError;

    fn try_from(input: LifeEventInput) -> CatalogResult<Self> {
        let slug = Slug::parse("slug", input.slug.trim())?;
        let name = validate::required("name", &input.name, max::NAME)?;
        let description = validate::required("description", &input.description, max::DESCRIPTION)?;
        let eu_code = validate::optional("euCode", input.eu_code.as_deref(), max::LABEL)?;
        validate::count("stages", input.stages.len(), 1, max_items::STAGES)?;
        let mut stages = Vec::new();
        let mut seen = HashSet::new();
        for (i, stage) in input.stages.iter().enumerate() {
            let stage = check_stage(&format!("stages[{i}]"), stage)?;
            if !seen.insert(stage.slug.clone()) {
                return Err(CatalogError::bad_input(
                    format!("stages[{i}].slug"),
                    format!("stage `{}` appears twice", stage.slug),
                ));
            }
            stages.push(stage);
        }
        Ok(Self {
            slug,
            name,
            description,
            eu_code,
            stages,
        })
    }
}

pub(crate) fn check_stage(path: &str, stage: &StageInput) -> CatalogResult<StageInput> {
    Ok(StageInput {
        slug: Slug::parse(&format!("{path}.slug"), stage.slug.trim())?
            .as_str()
            .to_owned(),
        name: validate::required(&format!("{path}.name"), &stage.name, max::NAME)?,
        description: validate::required(
            &format!("{path}.description"),
            &stage.description,
            max::SUMMARY,
        )?,
    })
}

impl Catalog {
    /// A page of life events, by name.
    pub async fn life_events(&self, page: &PageRequest) -> CatalogResult<Page<life_event::Model>> {
        self.keyset_page(
            life_event::Entity::find(),
            (sort_name("life_event"), life_event::Column::Id),
            page,
            |e| Cursor {
                name: sort_key(&e.name),
                id: e.id,
            },
        )
        .await
    }

    /// The life event with this slug, if any.
    pub async fn life_event_by_slug(
        &self,
        slug: &Slug,
    ) -> CatalogResult<Option<life_event::Model>> {
        Ok(life_event::Entity::find()
            .filter(life_event::Column::Slug.eq(slug.as_str()))
            .one(&self.db)
            .await?)
    }

    /// Life events by id.
    pub async fn life_events_by_ids(
        &self,
        ids: &[i32],
    ) -> CatalogResult<HashMap<i32, life_event::Model>> {
        let rows = life_event::Entity::find()
            .filter(life_event::Column::Id.is_in(ids.to_vec()))
            .all(&self.db)
            .await?;
        Ok(by_id(rows, |e| e.id))
    }

    /// The journey stages of these life events, in journey order, by life event id.
    pub async fn stages_of_life_events(
        &self,
        ids: &[i32],
    ) -> CatalogResult<HashMap<i32, Vec<journey_stage::Model>>> {
        let rows = journey_stage::Entity::find()
            .filter(journey_stage::Column::LifeEventId.is_in(ids.to_vec()))
            .order_by_asc(journey_stage::Column::Position)
            .order_by_asc(journey_stage::Column::Id)
            .all(&self.db)
            .await?;
        Ok(group_by(rows, |s| s.life_event_id))
    }

    /// Journey stages by id.
    pub async fn stages_by_ids(
        &self,
        ids: &[i32],
    ) -> CatalogResult<HashMap<i32, journey_stage::Model>> {
        let rows = journey_stage::Entity::find()
            .filter(journey_stage::Column::Id.is_in(ids.to_vec()))
            .all(&self.db)
            .await?;
        Ok(by_id(rows, |s| s.id))
    }

    /// The links from these journey stages to published services, core ones first,
    /// by stage id.
    pub async fn service_links_of_stages(
        &self,
        ids: &[i32],
    ) -> CatalogResult<HashMap<i32, Vec<life_event_service::Model>>> {
        let rows = life_event_service::Entity::find()
            .filter(life_event_service::Column::JourneyStageId.is_in(ids.to_vec()))
            .filter(points_at_published((
                life_event_service::Entity,
                life_event_service::Column::ServiceId,
            )))
            .order_by_asc(life_event_service::Column::Relevance)
            .order_by_asc(life_event_service::Column::Position)
            .order_by_asc(life_event_service::Column::Id)
            .all(&self.db)
            .await?;
        Ok(group_by(rows, |l| l.journey_stage_id))
    }

    /// The published services linked to these life events, as `(name, id)` keys in list
    /// order, by life event id.
    pub async fn service_keys_of_life_events(
        &self,
        ids: &[i32],
    ) -> CatalogResult<HashMap<i32, Vec<Cursor>>> {
        let rows: Vec<(i32, i32, String)> = life_event_service::Entity::find()
            .select_only()
            .column(life_event_service::Column::LifeEventId)
            .column(service::Column::Id)
            .column(service::Column::Name)
            .join_as(
                sea_orm::JoinType::InnerJoin,
                link(
                    life_event_service::Entity,
                    life_event_service::Column::ServiceId,
                    service::Entity,
                    service::Column::Id,
                ),
                service::Entity,
            )
            .filter(published())
            .filter(life_event_service::Column::LifeEventId.is_in(ids.to_vec()))
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(sorted_keys(rows.into_iter()))
    }

    /// The life events related to these ones, with the reason, by life event id.
    pub async fn related_life_events(
        &self,
        ids: &[i32],
    ) -> CatalogResult<HashMap<i32, Vec<life_event_relation::Model>>> {
        let rows = life_event_relation::Entity::find()
            .filter(life_event_relation::Column::LifeEventId.is_in(ids.to_vec()))
            .order_by_asc(life_event_relation::Column::Id)
            .all(&self.db)
            .await?;
        Ok(group_by(rows, |r| r.life_event_id))
    }

    /// Creates a life event with its journey stages.
    pub async fn create_life_event(
        &self,
        principal: &Principal,
        input: LifeEventInput,
    ) -> CatalogResult<life_event::Model> {
        let key = require_admin(principal, ADMINISTER)?;
        let NewLifeEvent {
            slug,
            name,
            description,
            eu_code,
            stages,
        } = NewLifeEvent::try_from(input)?;
        let txn = self.begin_write().await?;
        let now = Utc::now();
        let row = life_event::ActiveModel {
            id: NotSet,
            slug: Set(slug.as_str().to_owned()),
            name: Set(name),
            description: Set(description),
            eu_code: Set(eu_code),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        };
        let created = insert_unique(
            &txn,
            row,
            UniqueKey {
                index: "ux_life_event_slug",
                column: life_event::Column::Slug,
                value: slug.as_str(),
                field: "slug",
                message: format!("the slug `{slug}` is taken"),
                record: "LifeEvent",
            },
            |h| h.id,
        )
        .await?;
        crate::catalog::store::insert_all(
            &txn,
            stages
                .into_iter()
                .enumerate()
                .map(|(i, s)| journey_stage::ActiveModel {
                    id: NotSet,
                    life_event_id: Set(created.id),
                    position: Set(crate::catalog::store::position(i)),
                    slug: Set(s.slug),
                    name: Set(s.name),
                    description: Set(s.description),
                }),
        )
        .await?;
        let stages = stages_of(&txn, created.id).await?;
        self.commit_recorded(
            txn,
            key,
            "lifeEvent.create",
            ("LifeEvent", created.id, None),
            None,
            Some(life_event_json(&created, &stages)),
        )
        .await?;
        Ok(created)
    }

    /// Changes a life event's text.
    pub async fn update_life_event(
        &self,
        principal: &Principal,
        id: i32,
        expected_version: i32,
        changes: TextChanges,
    ) -> CatalogResult<life_event::Model> {
        self.edit_life_event(
            principal,
            ("id", id),
            Some(expected_version),
            "lifeEvent.update",
            async |_, current| {
                let mut next = current.clone();
                next.name = changed(changes.name.as_deref(), &current.name, |v| {
                    validate::required("name", v, max::NAME)
                })?;
                next.description =
                    changed(changes.description.as_deref(), &current.description, |v| {
                        validate::required("description", v, max::DESCRIPTION)
                    })?;
                if let Some(code) = &changes.eu_code {
                    next.eu_code = validate::optional("euCode", Some(code), max::LABEL)?;
                }
                Ok((next, None))
            },
        )
        .await
        .map(|(event, _)| event)
    }

    /// Says that residents going through life event `id` often go through `related` too,
    /// and why (the reason residents read beside a suggested life event); an existing
    /// relation gets the new reason. Residents see it, so the public revision moves.
    pub async fn relate_life_event(
        &self,
        principal: &Principal,
        (id, related): (i32, i32),
        expected_version: Option<i32>,
        reason: &str,
    ) -> CatalogResult<life_event::Model> {
        let reason = validate::required("reason", reason, max::REASON)?;
        self.edit_life_event(
            principal,
            ("lifeEvent", id),
            expected_version,
            "lifeEvent.relate",
            async |txn, current| {
                if related == current.id {
                    return Err(CatalogError::bad_input(
                        "relatedLifeEvent",
                        "a life event cannot be related to itself",
                    ));
                }
                life_event::Entity::find_by_id(related)
                    .one(txn)
                    .await?
                    .ok_or_else(|| {
                        CatalogError::not_found("relatedLifeEvent", format!("life event {related}"))
                    })?;
                match relation(txn, current.id, related).await? {
                    Some(row) => {
                        let mut row: life_event_relation::ActiveModel = row.into();
                        row.reason = Set(reason);
                        row.update(txn).await?;
                    }
                    None => {
                        life_event_relation::ActiveModel {
                            id: NotSet,
                            life_event_id: Set(current.id),
                            related_life_event_id: Set(related),
                            reason: Set(reason),
                        }
                        .insert(txn)
                        .await?;
                    }
                }
                Ok((current.clone(), None))
            },
        )
        .await
        .map(|(event, _)| event)
    }

    /// Takes back what [`Catalog::relate_life_event`] said; a relation that does not exist
    /// is `NOT_FOUND`.
    pub async fn unrelate_life_event(
        &self,
        principal: &Principal,
        (id, related): (i32, i32),
        expected_version: Option<i32>,
    ) -> CatalogResult<life_event::Model> {
        self.edit_life_event(
            principal,
            ("lifeEvent", id),
            expected_version,
            "lifeEvent.unrelate",
            async |txn, current| {
                let row = relation(txn, current.id, related).await?.ok_or_else(|| {
                    CatalogError::not_found(
                        "relatedLifeEvent",
                        format!("a relation from life event {} to {related}", current.id),
                    )
                })?;
                life_event_relation::Entity::delete_by_id(row.id)
                    .exec(txn)
                    .await?;
                Ok((current.clone(), None))
            },
        )
        .await
        .map(|(event, _)| event)
    }

    /// Adds a journey stage at `position` (from 1; the end when omitted).
    pub async fn add_stage(
        &self,
        principal: &Principal,
        life_event_id: i32,
        expected_version: Option<i32>,
        stage: StageInput,
        position: Option<i32>,
    ) -> CatalogResult<(life_event::Model, journey_stage::Model)> {
        let stage = check_stage("", &stage)?;
        let (event, added) = self
            .edit_life_event(
                principal,
                ("lifeEvent", life_event_id),
                expected_version,
                "lifeEvent.stageAdd",
                async |txn, current| {
                    let mut stages = stages_of(txn, current.id).await?;
                    if let Some(existing) = stages.iter().find(|s| s.slug == stage.slug) {
                        return Err(CatalogError::taken(
                            "slug",
                            format!("`{}` already has a stage `{}`", current.slug, stage.slug),
                            "JourneyStage",
                            existing.id,
                        ));
                    }
                    validate::count("", stages.len() + 1, 1, max_items::STAGES)?;
                    let at = match position {
                        None => stages.len(),
                        Some(p) if (1..=stages.len() as i64 + 1).contains(&i64::from(p)) => {
                            usize::try_from(p - 1).unwrap_or(0)
                        }
                        Some(_) => {
                            return Err(CatalogError::bad_input(
                                "position",
                                format!("give a position from 1 to {}", stages.len() + 1),
                            ));
                        }
                    };
                    let added = journey_stage::ActiveModel {
                        id: NotSet,
                        life_event_id: Set(current.id),
                        position: Set(0),
                        slug: Set(stage.slug.clone()),
                        name: Set(stage.name.clone()),
                        description: Set(stage.description.clone()),
                    }
                    .insert(txn)
                    .await?;
                    stages.insert(at, added.clone());
                    renumber(txn, stages).await?;
                    Ok((current.clone(), Some(added.id)))
                },
            )
            .await?;
        let added = journey_stage::Entity::find_by_id(added.unwrap_or_default())
            .one(&self.db)
            .await?
            .ok_or_else(|| CatalogError::internal("added stage vanished"))?;
        Ok((event, added))
    }

    /// Changes a journey stage's text.
    pub async fn update_stage(
        &self,
        principal: &Principal,
        stage_id: i32,
        expected_version: i32,
        changes: TextChanges,
    ) -> CatalogResult<(life_event::Model, journey_stage::Model)> {
        let stage = self.stage_for_command(stage_id).await?;
        let (event, _) = self
            .edit_life_event(
                principal,
                ("id", stage.life_event_id),
                Some(expected_version),
                "lifeEvent.stageUpdate",
                async |txn, current| {
                    let mut active = stage.clone().into_active_model();
                    active.name = Set(changed(changes.name.as_deref(), &stage.name, |v| {
                        validate::required("name", v, max::NAME)
                    })?);
                    active.description = Set(changed(
                        changes.description.as_deref(),
                        &stage.description,
                        |v| validate::required("description", v, max::SUMMARY),
                    )?);
                    active.update(txn).await?;
                    Ok((current.clone(), None))
                },
            )
            .await?;
        let updated = self.stage_for_command(stage_id).await?;
        Ok((event, updated))
    }

    /// Removes a journey stage no service is linked to; a life event keeps at least one.
    pub async fn remove_stage(
        &self,
        principal: &Principal,
        stage_id: i32,
        expected_version: Option<i32>,
    ) -> CatalogResult<life_event::Model> {
        let stage = self.stage_for_command(stage_id).await?;
        self.edit_life_event(principal, ("id", stage.life_event_id), expected_version, "lifeEvent.stageRemove", async |txn, current| {
            let linked = life_event_service::Entity::find()
                .filter(life_event_service::Column::JourneyStageId.eq(stage.id))
                .count(txn)
                .await?;
            if linked > 0 {
                return Err(CatalogError::conflict(
                    "id",
                    ConflictCode::InUse,
                    format!("{linked} service link(s) point at this stage; move or remove them first"),
                ));
            }
            let stages = stages_of(txn, current.id).await?;
            if stages.len() <= 1 {
                return Err(CatalogError::bad_input(
                    "id",
                    "a life event needs at least one journey stage",
                ));
            }
            journey_stage::Entity::delete_by_id(stage.id).exec(txn).await?;
            renumber(txn, stages.into_iter().filter(|s| s.id != stage.id).collect()).await?;
            Ok((current.clone(), None))
        })
        .await
        .map(|(event, _)| event)
    }

    /// Puts a life event's journey stages in a new order; `order` lists every stage once.
    pub async fn reorder_stages(
        &self,
        principal: &Principal,
        life_event_id: i32,
        expected_version: Option<i32>,
        order: Vec<i32>,
    ) -> CatalogResult<life_event::Model> {
        self.edit_life_event(
            principal,
            ("lifeEvent", life_event_id),
            expected_version,
            "lifeEvent.stageReorder",
            async |txn, current| {
                let stages = stages_of(txn, current.id).await?;
                let mut by_id: HashMap<i32, journey_stage::Model> =
                    stages.iter().map(|s| (s.id, s.clone())).collect();
                let ordered: Option<Vec<journey_stage::Model>> =
                    order.iter().map(|id| by_id.remove(id)).collect();
                match ordered {
                    Some(ordered) if by_id.is_empty() => {
                        renumber(txn, ordered).await?;
                        Ok((current.clone(), None))
                    }
                    _ => Err(CatalogError::bad_input(
                        "stages",
                        format!(
                            "list each of the life event's {} stages exactly once",
                            stages.len()
                        ),
                    )),
                }
            },
        )
        .await
        .map(|(event, _)| event)
    }

    /// A journey stage by id, for commands.
    pub(crate) async fn stage_for_command(
        &self,
        stage_id: i32,
    ) -> CatalogResult<journey_stage::Model> {
        journey_stage::Entity::find_by_id(stage_id)
            .one(&self.db)
            .await?
            .ok_or_else(|| CatalogError::not_found("id", format!("journey stage {stage_id}")))
    }

    /// One transaction over life event `id` (named by the command's `field`) as described in
    /// the module docs: `edit` returns the event's new text (and a value), and the event's
    /// version moves.
    pub(crate) async fn edit_life_event(
        &self,
        principal: &Principal,
        (field, id): (&str, i32),
        expected_version: Option<i32>,
        action: &str,
        edit: impl AsyncFnOnce(
            &DatabaseTransaction,
            &life_event::Model,
        ) -> CatalogResult<(life_event::Model, Option<i32>)>,
    ) -> CatalogResult<(life_event::Model, Option<i32>)> {
        let key = require_admin(principal, ADMINISTER)?;
        let txn = self.begin_write().await?;
        let current = life_event::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| CatalogError::not_found(field, format!("life event {id}")))?;
        expect_version("life event", current.version, expected_version)?;
        let before = life_event_state(&txn, &current).await?;
        let (mut next, value) = edit(&txn, &current).await?;
        next.version = current.version + 1;
        next.updated_at = Utc::now();
        let mut active = next.into_active_model().reset_all();
        active.id = sea_orm::ActiveValue::Unchanged(id);
        let updated = active.update(&txn).await?;
        let after = life_event_state(&txn, &updated).await?;
        self.commit_recorded(
            txn,
            key,
            action,
            ("LifeEvent", id, None),
            Some(before),
            Some(after),
        )
        .await?;
        Ok((updated, value))
    }
}

/// The relation from life event `id` to `related`, if there is one.
async fn relation(
    db: &impl ConnectionTrait,
    id: i32,
    related: i32,
) -> CatalogResult<Option<life_event_relation::Model>> {
    Ok(life_event_relation::Entity::find()
        .filter(life_event_relation::Column::LifeEventId.eq(id))
        .filter(life_event_relation::Column::RelatedLifeEventId.eq(related))
        .one(db)
        .await?)
}
