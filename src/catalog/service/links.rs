//! A service's links: to life events at a journey stage, and typed relations to other
//! services, each with the reason residents read.

use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, EntityTrait,
    IntoActiveModel, QueryFilter, Set,
};
use serde_json::json;

use crate::catalog::error::{CatalogError, CatalogResult, ConflictCode};
use crate::catalog::principal::Principal;
use crate::catalog::service::visible_to;
use crate::catalog::service::write::Edited;
use crate::catalog::types::{RelationKind, Relevance, Slug};
use crate::catalog::validate::max;
use crate::catalog::{Catalog, validate};
use crate::entity::{journey_stage, life_event, life_event_service, service, service_relation};

/// A service's link to a life event.
#[derive(Debug, Clone)]
pub struct LifeEventLink {
    pub life_event: String,
    pub stage: String,
    pub relevance: Relevance,
    pub reason: String,
}

pub(crate) async fn link_of(
    db: &impl ConnectionTrait,
    service_id: i32,
    life_event_id: i32,
) -> CatalogResult<Option<life_event_service::Model>> {
    Ok(life_event_service::Entity::find()
        .filter(life_event_service::Column::ServiceId.eq(service_id))
        .filter(life_event_service::Column::LifeEventId.eq(life_event_id))
        .one(db)
        .await?)
}

pub(crate) async fn relation_of(
    db: &impl ConnectionTrait,
    service_id: i32,
    to: i32,
    kind: RelationKind,
) -> CatalogResult<Option<service_relation::Model>> {
    Ok(service_relation::Entity::find()
        .filter(service_relation::Column::ServiceId.eq(service_id))
        .filter(service_relation::Column::RelatedServiceId.eq(to))
        .filter(service_relation::Column::Kind.eq(kind))
        .one(db)
        .await?)
}
impl Catalog {
    /// Links the service to a life event at one of its stages, or changes the link.
    pub async fn link_life_event(
        &self,
        principal: &Principal,
        service_id: i32,
        expected_version: Option<i32>,
        link: LifeEventLink,
    ) -> CatalogResult<service::Model> {
        let slug = Slug::parse("lifeEvent", link.life_event.trim())?;
        let stage_slug = Slug::parse("stage", link.stage.trim())?;
        let reason = validate::required("reason", &link.reason, max::REASON)?;
        let (work, ()) = self
            .edit_part(
                principal,
                ("id", service_id),
                expected_version,
                "service.linkLifeEvent",
                async |txn, work| {
                    let event = life_event::Entity::find()
                        .filter(life_event::Column::Slug.eq(slug.as_str()))
                        .one(txn)
                        .await?
                        .ok_or_else(|| {
                            CatalogError::bad_input(
                                "lifeEvent",
                                format!("unknown life event `{slug}`"),
                            )
                        })?;
                    let stage = journey_stage::Entity::find()
                        .filter(journey_stage::Column::LifeEventId.eq(event.id))
                        .filter(journey_stage::Column::Slug.eq(stage_slug.as_str()))
                        .one(txn)
                        .await?
                        .ok_or_else(|| {
                            CatalogError::bad_input(
                                "stage",
                                format!("`{slug}` has no stage `{stage_slug}`"),
                            )
                        })?;
                    let existing = link_of(txn, work.id, event.id).await?;
                    let json = |stage: &str, relevance: Relevance, reason: &str| {
                        json!({ "lifeEvent": slug.as_str(), "stage": stage, "relevance": relevance, "reason": reason })
                    };
                    let before = match &existing {
                        Some(l) => {
                            let old_stage = journey_stage::Entity::find_by_id(l.journey_stage_id)
                                .one(txn)
                                .await?
                                .map(|s| s.slug)
                                .unwrap_or_default();
                            Some(json(&old_stage, l.relevance, &l.reason))
                        }
                        None => None,
                    };
                    let mut active = match existing {
                        Some(l) => l.into_active_model(),
                        None => life_event_service::ActiveModel {
                            id: NotSet,
                            life_event_id: Set(event.id),
                            service_id: Set(work.id),
                            position: Set(0),
                            ..Default::default()
                        },
                    };
                    active.journey_stage_id = Set(stage.id);
                    active.relevance = Set(link.relevance);
                    active.reason = Set(reason.clone());
                    active.save(txn).await?;
                    Ok(Edited {
                        value: (),
                        before,
                        after: Some(json(&stage.slug, link.relevance, &reason)),
                    })
                },
            )
            .await?;
        Ok(work)
    }

    /// Removes the service's link to a life event.
    pub async fn unlink_life_event(
        &self,
        principal: &Principal,
        service_id: i32,
        expected_version: Option<i32>,
        life_event: &str,
    ) -> CatalogResult<service::Model> {
        let slug = Slug::parse("lifeEvent", life_event.trim())?;
        let (work, ()) = self
            .edit_part(
                principal,
                ("id", service_id),
                expected_version,
                "service.unlinkLifeEvent",
                async |txn, work| {
                    let event = life_event::Entity::find()
                        .filter(life_event::Column::Slug.eq(slug.as_str()))
                        .one(txn)
                        .await?;
                    let existing = match &event {
                        Some(e) => link_of(txn, work.id, e.id).await?,
                        None => None,
                    };
                    let existing = existing.ok_or_else(|| {
                        CatalogError::not_found("lifeEvent", format!("a link from this service to `{slug}`"))
                    })?;
                    life_event_service::Entity::delete_by_id(existing.id)
                        .exec(txn)
                        .await?;
                    Ok(Edited {
                        value: (),
                        before: Some(json!({ "lifeEvent": slug.as_str(), "relevance": existing.relevance, "reason": existing.reason })),
                        after: None,
                    })
                },
            )
            .await?;
        Ok(work)
    }

    /// Adds a relation from the service to another one the caller can see.
    pub async fn add_relation(
        &self,
        principal: &Principal,
        service_id: i32,
        expected_version: Option<i32>,
        (to, kind, reason): (i32, RelationKind, String),
    ) -> CatalogResult<service::Model> {
        let reason = validate::required("reason", &reason, max::REASON)?;
        let (work, ()) = self
            .edit_part(
                principal,
                ("id", service_id),
                expected_version,
                "service.relationAdd",
                async |txn, work| {
                    if to == service_id {
                        return Err(CatalogError::bad_input(
                            "to",
                            "a service cannot relate to itself",
                        ));
                    }
                    let target = service::Entity::find_by_id(to)
                        .filter(visible_to(principal))
                        .filter(service::Column::RevisionOfId.is_null())
                        .one(txn)
                        .await?
                        .ok_or_else(|| CatalogError::not_found("to", "service"))?;
                    if relation_of(txn, work.id, to, kind).await?.is_some() {
                        return Err(CatalogError::Conflict {
                            field: "to".into(),
                            code: ConflictCode::Taken,
                            message: format!(
                                "this service already {} `{}`",
                                kind.as_str(),
                                target.slug
                            ),
                            existing: None,
                        });
                    }
                    service_relation::ActiveModel {
                        id: NotSet,
                        service_id: Set(work.id),
                        related_service_id: Set(to),
                        kind: Set(kind),
                        reason: Set(reason.clone()),
                    }
                    .insert(txn)
                    .await?;
                    Ok(Edited {
                        value: (),
                        before: None,
                        after: Some(
                            json!({ "to": target.slug, "kind": kind.as_str(), "reason": reason }),
                        ),
                    })
                },
            )
            .await?;
        Ok(work)
    }

    /// Removes a relation from the service.
    pub async fn remove_relation(
        &self,
        principal: &Principal,
        service_id: i32,
        expected_version: Option<i32>,
        (to, kind): (i32, RelationKind),
    ) -> CatalogResult<service::Model> {
        let (work, ()) = self
            .edit_part(
                principal,
                ("id", service_id),
                expected_version,
                "service.relationRemove",
                async |txn, work| {
                    let existing = relation_of(txn, work.id, to, kind).await?.ok_or_else(|| {
                        CatalogError::not_found(
                            "to",
                            format!("a {} relation to service {to}", kind.as_str()),
                        )
                    })?;
                    service_relation::Entity::delete_by_id(existing.id)
                        .exec(txn)
                        .await?;
                    Ok(Edited {
                        value: (),
                        before: Some(
                            json!({ "toId": to, "kind": kind.as_str(), "reason": existing.reason }),
                        ),
                        after: None,
                    })
                },
            )
            .await?;
        Ok(work)
    }
}
