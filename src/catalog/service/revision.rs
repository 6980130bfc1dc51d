//! Pending revisions of published services. An edit to a published service goes to a copy
//! of it (a service row whose `revision_of_id` names the published one, with copies of all
//! its parts), which is edited, reviewed and sent back like a draft while residents keep
//! seeing the published version unchanged. Publishing the revision moves its content onto
//! the published row, so the service keeps its id, slug and channel ids, and deletes the copy.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, EntityTrait,
    IntoActiveModel, QueryFilter, Set,
};

use crate::catalog::Catalog;
use crate::catalog::error::{CatalogError, CatalogResult};
use crate::catalog::principal::Principal;
use crate::catalog::service::visible_to;
use crate::catalog::store::insert_all;
use crate::entity::{
    channel, eligibility_rule, eligibility_rule_group, life_event_service, required_document,
    service, service_jurisdiction, service_language, service_partner, service_relation,
    service_taxonomy_term,
};

/// The pending revision of the published service `live_id`, if one is open.
pub(crate) async fn pending(
    db: &impl ConnectionTrait,
    live_id: i32,
) -> CatalogResult<Option<service::Model>> {
    Ok(service::Entity::find()
        .filter(service::Column::RevisionOfId.eq(live_id))
        .one(db)
        .await?)
}

/// Copies every row of `E` that belongs to service `from` to service `to`, through `copy`,
/// which gets each row as an active model with every column set and must clear the key.
pub(crate) async fn copy_rows<E, A>(
    db: &impl ConnectionTrait,
    column: E::Column,
    from: i32,
    copy: impl Fn(A) -> A,
) -> CatalogResult<()>
where
    E: EntityTrait,
    E::Model: IntoActiveModel<A>,
    A: ActiveModelTrait<Entity = E> + Send,
{
    let rows = E::find().filter(column.eq(from)).all(db).await?;
    insert_all(
        db,
        rows.into_iter()
            .map(|row| copy(row.into_active_model().reset_all())),
    )
    .await
}

/// Opens a pending revision of the published service `live`: a draft copy of it and of all
/// its parts. Copied channels remember the channel they will update.
pub(crate) async fn open(
    db: &impl ConnectionTrait,
    live: &service::Model,
    now: DateTime<Utc>,
) -> CatalogResult<service::Model> {
    let mut copy = live.clone().into_active_model().reset_all();
    copy.id = NotSet;
    copy.status = Set(crate::catalog::types::ServiceStatus::Draft);
    copy.revision_of_id = Set(Some(live.id));
    copy.created_at = Set(now);
    copy.updated_at = Set(now);
    let revision = copy.insert(db).await?;
    let to = revision.id;
    macro_rules! copy_children {
        ($($entity:ident),+) => {$(
            copy_rows::<$entity::Entity, _>(db, $entity::Column::ServiceId, live.id, |mut a| {
                a.id = NotSet;
                a.service_id = Set(to);
                a
            })
            .await?;
        )+};
    }
    copy_children!(
        service_partner,
        service_jurisdiction,
        service_language,
        service_taxonomy_term,
        required_document,
        life_event_service,
        service_relation
    );
    copy_rows::<channel::Entity, _>(db, channel::Column::ServiceId, live.id, |mut a| {
        a.replaces_id = Set(match &a.id {
            sea_orm::ActiveValue::Set(id) | sea_orm::ActiveValue::Unchanged(id) => Some(*id),
            NotSet => None,
        });
        a.id = NotSet;
        a.service_id = Set(to);
        a
    })
    .await?;
    let rules = crate::catalog::service::rules::current_rules(db, live.id).await?;
    crate::catalog::service::rules::replace_rules(db, to, &rules).await?;
    Ok(revision)
}

/// Publishes `revision` over `live`: its text, parts and channels become the published
/// service's, whose version moves past the revision's. Returns the published service.
pub(crate) async fn apply(
    db: &impl ConnectionTrait,
    live: &service::Model,
    revision: &service::Model,
    now: DateTime<Utc>,
) -> CatalogResult<service::Model> {
    // Rule rows name their group, so they go first and come back with their groups.
    eligibility_rule::Entity::delete_many()
        .filter(eligibility_rule::Column::ServiceId.eq(live.id))
        .exec(db)
        .await?;
    macro_rules! move_children {
        ($($entity:ident),+) => {$(
            $entity::Entity::delete_many()
                .filter($entity::Column::ServiceId.eq(live.id))
                .exec(db)
                .await?;
            $entity::Entity::update_many()
                .col_expr($entity::Column::ServiceId, Expr::value(live.id))
                .filter($entity::Column::ServiceId.eq(revision.id))
                .exec(db)
                .await?;
        )+};
    }
    move_children!(
        service_partner,
        service_jurisdiction,
        service_language,
        service_taxonomy_term,
        required_document,
        life_event_service,
        service_relation,
        eligibility_rule_group,
        eligibility_rule
    );

    // Channels keep their ids: published ones are updated in place from their revised
    // copies, removed ones are deleted, and new ones move over.
    let revised = channel::Entity::find()
        .filter(channel::Column::ServiceId.eq(revision.id))
        .all(db)
        .await?;
    let kept: HashSet<i32> = revised.iter().filter_map(|c| c.replaces_id).collect();
    channel::Entity::delete_many()
        .filter(channel::Column::ServiceId.eq(live.id))
        .filter(channel::Column::Id.is_not_in(kept))
        .exec(db)
        .await?;
    let published: HashMap<i32, channel::Model> = channel::Entity::find()
        .filter(channel::Column::ServiceId.eq(live.id))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    for copy in revised {
        match copy.replaces_id.and_then(|id| published.get(&id)) {
            Some(original) => {
                let updated = channel::Model {
                    id: original.id,
                    service_id: live.id,
                    replaces_id: None,
                    ..copy.clone()
                };
                if *original != updated {
                    let mut active = updated.into_active_model().reset_all();
                    active.id = sea_orm::ActiveValue::Unchanged(original.id);
                    active.update(db).await?;
                }
                channel::Entity::delete_by_id(copy.id).exec(db).await?;
            }
            None => {
                let mut active: channel::ActiveModel = copy.into();
                active.service_id = Set(live.id);
                active.replaces_id = Set(None);
                active.update(db).await?;
            }
        }
    }

    let mut active: service::ActiveModel = live.clone().into();
    active.name = Set(revision.name.clone());
    active.summary = Set(revision.summary.clone());
    active.description = Set(revision.description.clone());
    active.eligibility_summary = Set(revision.eligibility_summary.clone());
    active.fees = Set(revision.fees.clone());
    active.processing_time = Set(revision.processing_time.clone());
    active.agency_checks = Set(revision.agency_checks.clone());
    active.program = Set(revision.program.clone());
    active.version = Set(revision.version.max(live.version) + 1);
    active.updated_at = Set(now);
    let published = active.update(db).await?;
    service::Entity::delete_by_id(revision.id).exec(db).await?;
    Ok(published)
}

/// Deletes `revision` and everything it owns (the parts cascade with it).
pub(crate) async fn discard(
    db: &impl ConnectionTrait,
    revision: &service::Model,
) -> CatalogResult<()> {
    service::Entity::delete_by_id(revision.id).exec(db).await?;
    Ok(())
}

impl Catalog {
    /// The pending revisions of these published services that `viewer` may read (an editor
    /// of the agency or an admin always; a reviewer while it is in review), by service id.
    pub async fn revisions_of_services(
        &self,
        ids: &[i32],
        viewer: &Principal,
    ) -> CatalogResult<HashMap<i32, service::Model>> {
        if matches!(viewer, Principal::Anonymous) {
            return Ok(HashMap::new());
        }
        let rows = service::Entity::find()
            .filter(visible_to(viewer))
            .filter(service::Column::RevisionOfId.is_in(ids.to_vec()))
            .all(&self.db)
            .await?;
        rows.into_iter()
            .map(|r| match r.revision_of_id {
                Some(live) => Ok((live, r)),
                None => Err(CatalogError::internal("revision without its service")),
            })
            .collect()
    }
}
