//! Commands that change one part of a service: its channels, life-event links, relations to
//! other services, eligibility rules, and its lists (required documents, jurisdictions,
//! languages). Each goes through [`Catalog::edit_part`]: one transaction that checks who may
//! edit the service, finds what to change (the draft, or the pending revision of a published
//! service), counts the change on the service's version and records it in the audit trail.

use std::collections::{HashMap, HashSet};

use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use serde_json::{Value, json};

use super::Catalog;
use super::auth::Principal;
use super::commands::{Operation, ServiceChanges, authorize, record_id};
use super::error::{CatalogError, CatalogResult};
use super::read::visible_to;
use super::seed::{
    ChannelDoc, ChannelRow, Children, Loader, RuleGroupDoc, check_channel, check_documents,
    check_rule_groups, criteria_by_key, current_rules, replace_rules,
};
use super::types::{JurisdictionCode, RelationKind, Relevance, Slug};
use super::validate::{self, max, max_items};
use crate::entity::{
    channel, journey_stage, jurisdiction, language, life_event, life_event_service, service,
    service_relation,
};

/// What an edit of a part did: its result, and the part before and after for the audit.
pub(crate) struct Edited<T> {
    pub value: T,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Changes to one channel; `None` leaves a field as it is, an empty string clears it.
#[derive(Debug, Clone, Default)]
pub struct ChannelChanges {
    pub kind: Option<String>,
    pub label: Option<String>,
    pub url: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub hours: Option<String>,
    pub accessibility: Option<String>,
    /// Replaces the channel's languages when given.
    pub languages: Option<Vec<String>>,
}

/// A service's link to a life event.
#[derive(Debug, Clone)]
pub struct LifeEventLink {
    pub life_event: String,
    pub stage: String,
    pub relevance: Relevance,
    pub reason: String,
}

/// The codes of every language the catalog knows.
async fn language_codes(db: &impl ConnectionTrait) -> CatalogResult<HashSet<String>> {
    Ok(language::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.code)
        .collect())
}

fn not_found(what: String) -> CatalogError {
    CatalogError::NotFound { what }
}

fn channel_json(c: &channel::Model) -> Value {
    json!({ "id": c.replaces_id.unwrap_or(c.id), "kind": c.kind, "label": c.label, "url": c.url,
            "phone": c.phone, "email": c.email, "address": c.address, "hours": c.hours,
            "accessibility": c.accessibility, "position": c.position })
}

fn rules_json(rows: &[super::seed::RuleGroupRow]) -> Value {
    rows.iter()
        .map(|(mode, description, rules)| {
            json!({ "mode": mode, "description": description, "rules": rules.iter()
                .map(|(criterion, operator, value)| json!({ "criterionId": criterion, "operator": operator, "value": value }))
                .collect::<Vec<_>>() })
        })
        .collect()
}

/// Replaces the lists `changes` names (documents, jurisdictions, languages, partner agencies,
/// taxonomy terms) on `service` (the row being edited), validating each.
pub(crate) async fn replace_lists(
    txn: &DatabaseTransaction,
    service: &service::Model,
    changes: &ServiceChanges,
) -> CatalogResult<()> {
    let rows = Children {
        txn,
        service_id: service.id,
        fresh: false,
    };
    if changes.partner_agencies.is_some() || changes.taxonomy_terms.is_some() {
        let names = Loader::preloaded(txn).await?;
        if let Some(slugs) = &changes.partner_agencies {
            rows.partners(&names.partner_ids("input.partnerAgencies", slugs, service.agency_id)?)
                .await?;
        }
        if let Some(terms) = &changes.taxonomy_terms {
            rows.terms(&names.term_ids("input.taxonomyTerms", terms)?)
                .await?;
        }
    }
    if let Some(documents) = &changes.required_documents {
        rows.documents(&check_documents("input.requiredDocuments", documents)?)
            .await?;
    }
    if let Some(codes) = &changes.jurisdictions {
        let field = "input.jurisdictions";
        validate::count(field, codes.len(), 1, max_items::JURISDICTIONS)?;
        rows.jurisdictions(&resolve_codes(txn, field, codes).await?)
            .await?;
    }
    if let Some(codes) = &changes.languages {
        let field = "input.languages";
        validate::count(field, codes.len(), 0, max_items::LANGUAGES)?;
        let known: HashMap<String, i32> = language::Entity::find()
            .all(txn)
            .await?
            .into_iter()
            .map(|l| (l.code, l.id))
            .collect();
        let mut ids = Vec::new();
        for (i, code) in codes.iter().enumerate() {
            let id = known.get(code.trim()).copied().ok_or_else(|| {
                CatalogError::bad_input(
                    format!("{field}[{i}]"),
                    format!("unknown language `{code}`"),
                )
            })?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        rows.languages(&ids).await?;
    }
    Ok(())
}

/// The ids of these jurisdiction codes, in order without repeats; unknown ones are errors.
async fn resolve_codes(
    db: &impl ConnectionTrait,
    field: &str,
    codes: &[String],
) -> CatalogResult<Vec<i32>> {
    let known: HashMap<String, i32> = jurisdiction::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|j| (j.code, j.id))
        .collect();
    let mut ids = Vec::new();
    for (i, code) in codes.iter().enumerate() {
        let path = format!("{field}[{i}]");
        let code = JurisdictionCode::parse(&path, code.trim())?;
        let id = known.get(code.as_str()).copied().ok_or_else(|| {
            CatalogError::bad_input(&path, format!("unknown jurisdiction `{}`", code.as_str()))
        })?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

impl Catalog {
    /// Runs `edit` on the part of service `service_id` it changes, as described in the
    /// module docs, and records it under `action`. Returns what was edited (the draft or
    /// pending revision) and the edit's result.
    pub(crate) async fn edit_part<T>(
        &self,
        principal: &Principal,
        service_id: i32,
        expected_version: Option<i32>,
        action: &str,
        edit: impl AsyncFnOnce(&DatabaseTransaction, &service::Model) -> CatalogResult<Edited<T>>,
    ) -> CatalogResult<(service::Model, T)> {
        let txn = self.begin_write().await?;
        let live = Catalog::service_for_command(&txn, service_id).await?;
        let key = authorize(principal, Operation::Edit, live.agency_id)?;
        let work = Catalog::working_copy(&txn, &live, expected_version).await?;
        let edited = edit(&txn, &work).await?;
        let work = Catalog::touch(&txn, &work).await?;
        super::audit::record(
            &txn,
            Some(key),
            super::audit::Change {
                action,
                record_type: "Service",
                record_id: record_id(&work),
                agency_id: Some(work.agency_id),
                before: edited.before.map(|v| v.to_string()),
                after: edited.after.map(|v| v.to_string()),
                comment: None,
            },
        )
        .await?;
        txn.commit().await?;
        Ok((work, edited.value))
    }

    /// The service a channel id belongs to (the published one, for a channel of a pending
    /// revision), so channel commands can find what to edit.
    async fn service_of_channel(&self, channel_id: i32) -> CatalogResult<i32> {
        let found = channel::Entity::find_by_id(channel_id)
            .one(&self.db)
            .await?
            .ok_or_else(|| not_found(format!("channel {channel_id}")))?;
        let owner = service::Entity::find_by_id(found.service_id)
            .one(&self.db)
            .await?
            .ok_or_else(|| not_found(format!("channel {channel_id}")))?;
        Ok(owner.revision_of_id.unwrap_or(owner.id))
    }

    /// Adds a channel after the service's others.
    pub async fn add_channel(
        &self,
        principal: &Principal,
        service_id: i32,
        expected_version: Option<i32>,
        doc: ChannelDoc,
    ) -> CatalogResult<(service::Model, channel::Model)> {
        self.edit_part(
            principal,
            service_id,
            expected_version,
            "service.channelAdd",
            async |txn, work| {
                let known = language_codes(txn).await?;
                let row = check_channel("input.channel", &doc, |code| known.contains(code))?;
                let existing = channels_of(txn, work.id).await?;
                validate::count("input.channel", existing.len() + 1, 1, max_items::CHANNELS)?;
                let next = existing.iter().map(|c| c.position).max().unwrap_or(0) + 1;
                let created = channel_row(row, work.id, next, None).insert(txn).await?;
                Ok(Edited {
                    after: Some(channel_json(&created)),
                    value: created,
                    before: None,
                })
            },
        )
        .await
    }

    /// Changes a channel; omitted fields stay as they are.
    pub async fn update_channel(
        &self,
        principal: &Principal,
        channel_id: i32,
        expected_version: i32,
        changes: ChannelChanges,
    ) -> CatalogResult<(service::Model, channel::Model)> {
        let service_id = self.service_of_channel(channel_id).await?;
        self.edit_part(
            principal,
            service_id,
            Some(expected_version),
            "service.channelUpdate",
            async |txn, work| {
                let current = channel_in(txn, work, channel_id).await?;
                let merge = |new: Option<String>, old: &Option<String>| match new {
                    None => old.clone(),
                    Some(v) if v.trim().is_empty() => None,
                    Some(v) => Some(v),
                };
                let doc = ChannelDoc {
                    kind: changes.kind.clone().unwrap_or_else(|| current.kind.clone()),
                    label: changes
                        .label
                        .clone()
                        .unwrap_or_else(|| current.label.clone()),
                    url: merge(changes.url.clone(), &current.url),
                    phone: merge(changes.phone.clone(), &current.phone),
                    email: merge(changes.email.clone(), &current.email),
                    address: merge(changes.address.clone(), &current.address),
                    hours: merge(changes.hours.clone(), &current.hours),
                    languages: changes.languages.clone().unwrap_or_else(|| {
                        current
                            .languages
                            .as_deref()
                            .map(|l| l.split(',').map(str::to_owned).collect())
                            .unwrap_or_default()
                    }),
                    accessibility: merge(changes.accessibility.clone(), &current.accessibility),
                };
                let known = language_codes(txn).await?;
                let row = check_channel("input", &doc, |code| known.contains(code))?;
                let mut active = channel_row(row, work.id, current.position, current.replaces_id);
                active.id = sea_orm::ActiveValue::Unchanged(current.id);
                let updated = active.update(txn).await?;
                Ok(Edited {
                    before: Some(channel_json(&current)),
                    after: Some(channel_json(&updated)),
                    value: updated,
                })
            },
        )
        .await
    }

    /// Removes a channel; a service keeps at least one.
    pub async fn remove_channel(
        &self,
        principal: &Principal,
        channel_id: i32,
        expected_version: Option<i32>,
    ) -> CatalogResult<service::Model> {
        let service_id = self.service_of_channel(channel_id).await?;
        let (work, ()) = self
            .edit_part(
                principal,
                service_id,
                expected_version,
                "service.channelRemove",
                async |txn, work| {
                    let current = channel_in(txn, work, channel_id).await?;
                    if channels_of(txn, work.id).await?.len() <= 1 {
                        return Err(CatalogError::bad_input(
                            "input.id",
                            "a service needs at least one channel: add another first",
                        ));
                    }
                    channel::Entity::delete_by_id(current.id).exec(txn).await?;
                    Ok(Edited {
                        value: (),
                        before: Some(channel_json(&current)),
                        after: None,
                    })
                },
            )
            .await?;
        Ok(work)
    }

    /// Links the service to a life event at one of its stages, or changes the link.
    pub async fn link_life_event(
        &self,
        principal: &Principal,
        service_id: i32,
        expected_version: Option<i32>,
        link: LifeEventLink,
    ) -> CatalogResult<service::Model> {
        let slug = Slug::parse("input.lifeEvent", link.life_event.trim())?;
        let stage_slug = Slug::parse("input.stage", link.stage.trim())?;
        let reason = validate::required("input.reason", &link.reason, max::REASON)?;
        let (work, ()) = self
            .edit_part(
                principal,
                service_id,
                expected_version,
                "service.linkLifeEvent",
                async |txn, work| {
                    let event = life_event::Entity::find()
                        .filter(life_event::Column::Slug.eq(slug.as_str()))
                        .one(txn)
                        .await?
                        .ok_or_else(|| {
                            CatalogError::bad_input(
                                "input.lifeEvent",
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
                                "input.stage",
                                format!("`{slug}` has no stage `{stage_slug}`"),
                            )
                        })?;
                    let existing = link_of(txn, work.id, event.id).await?;
                    let json = |stage: &str, relevance: &str, reason: &str| {
                        json!({ "lifeEvent": slug.as_str(), "stage": stage, "relevance": relevance, "reason": reason })
                    };
                    let before = match &existing {
                        Some(l) => {
                            let old_stage = journey_stage::Entity::find_by_id(l.journey_stage_id)
                                .one(txn)
                                .await?
                                .map(|s| s.slug)
                                .unwrap_or_default();
                            Some(json(&old_stage, &l.relevance, &l.reason))
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
                    active.relevance = Set(link.relevance.as_str().to_owned());
                    active.reason = Set(reason.clone());
                    active.save(txn).await?;
                    Ok(Edited {
                        value: (),
                        before,
                        after: Some(json(&stage.slug, link.relevance.as_str(), &reason)),
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
        let slug = Slug::parse("input.lifeEvent", life_event.trim())?;
        let (work, ()) = self
            .edit_part(
                principal,
                service_id,
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
                        not_found(format!("a link from this service to `{slug}`"))
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
        let reason = validate::required("input.reason", &reason, max::REASON)?;
        let (work, ()) = self
            .edit_part(
                principal,
                service_id,
                expected_version,
                "service.relationAdd",
                async |txn, work| {
                    if to == service_id {
                        return Err(CatalogError::bad_input(
                            "input.to",
                            "a service cannot relate to itself",
                        ));
                    }
                    let target = service::Entity::find_by_id(to)
                        .filter(visible_to(principal))
                        .filter(service::Column::RevisionOfId.is_null())
                        .one(txn)
                        .await?
                        .ok_or_else(|| {
                            CatalogError::bad_input("input.to", format!("unknown service {to}"))
                        })?;
                    if relation_of(txn, work.id, to, kind).await?.is_some() {
                        return Err(CatalogError::Conflict {
                            field: "input.to".into(),
                            code: "TAKEN".into(),
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
                        kind: Set(kind.as_str().to_owned()),
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
                service_id,
                expected_version,
                "service.relationRemove",
                async |txn, work| {
                    let existing = relation_of(txn, work.id, to, kind).await?.ok_or_else(|| {
                        not_found(format!("a {} relation to service {to}", kind.as_str()))
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

    /// Replaces the service's structured eligibility rules (an empty list removes them).
    pub async fn set_eligibility(
        &self,
        principal: &Principal,
        service_id: i32,
        expected_version: Option<i32>,
        groups: Vec<RuleGroupDoc>,
    ) -> CatalogResult<service::Model> {
        let (work, ()) = self
            .edit_part(
                principal,
                service_id,
                expected_version,
                "service.eligibilitySet",
                async |txn, work| {
                    let criteria = criteria_by_key(txn).await?;
                    let rows = check_rule_groups("input.groups", &groups, &criteria)?;
                    let before = current_rules(txn, work.id).await?;
                    replace_rules(txn, work.id, &rows).await?;
                    Ok(Edited {
                        value: (),
                        before: Some(rules_json(&before)),
                        after: Some(rules_json(&rows)),
                    })
                },
            )
            .await?;
        Ok(work)
    }
}

fn channel_row(
    row: ChannelRow,
    service_id: i32,
    position: i32,
    replaces_id: Option<i32>,
) -> channel::ActiveModel {
    channel::ActiveModel {
        id: NotSet,
        service_id: Set(service_id),
        kind: Set(row.kind),
        category: Set(row.category),
        label: Set(row.label),
        url: Set(row.url),
        phone: Set(row.phone),
        email: Set(row.email),
        address: Set(row.address),
        hours: Set(row.hours),
        languages: Set(row.languages),
        accessibility: Set(row.accessibility),
        position: Set(position),
        replaces_id: Set(replaces_id),
    }
}

async fn channels_of(
    db: &impl ConnectionTrait,
    service_id: i32,
) -> CatalogResult<Vec<channel::Model>> {
    Ok(channel::Entity::find()
        .filter(channel::Column::ServiceId.eq(service_id))
        .order_by_asc(channel::Column::Position)
        .all(db)
        .await?)
}

/// The channel known to clients as `channel_id` in `work`: the row itself, or in a pending
/// revision the copy of that published channel.
async fn channel_in(
    db: &impl ConnectionTrait,
    work: &service::Model,
    channel_id: i32,
) -> CatalogResult<channel::Model> {
    channels_of(db, work.id)
        .await?
        .into_iter()
        .find(|c| c.id == channel_id || c.replaces_id == Some(channel_id))
        .ok_or_else(|| not_found(format!("channel {channel_id}")))
}

async fn link_of(
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

async fn relation_of(
    db: &impl ConnectionTrait,
    service_id: i32,
    to: i32,
    kind: RelationKind,
) -> CatalogResult<Option<service_relation::Model>> {
    Ok(service_relation::Entity::find()
        .filter(service_relation::Column::ServiceId.eq(service_id))
        .filter(service_relation::Column::RelatedServiceId.eq(to))
        .filter(service_relation::Column::Kind.eq(kind.as_str()))
        .one(db)
        .await?)
}
