//! A service's channels (its touchpoints): validating one, and adding, changing and removing
//! them on a draft or pending revision.

use std::collections::HashSet;

use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::{Value, json};

use crate::catalog::error::{CatalogError, CatalogResult};
use crate::catalog::principal::Principal;
use crate::catalog::service::children::trimmed;
use crate::catalog::service::fields::ChannelFields;
use crate::catalog::service::write::Edited;
use crate::catalog::types::{ChannelKind, Languages, TouchpointCategory, parse_enum};
use crate::catalog::validate::{max, max_items};
use crate::catalog::{Catalog, validate};
use crate::entity::{channel, language, service};

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

/// Refuses, at `channelKind`, a kind of channel `service` does not offer.
pub(crate) async fn require_offered(
    db: &impl ConnectionTrait,
    service: &service::Model,
    kind: ChannelKind,
) -> CatalogResult<()> {
    let offered = channel::Entity::find()
        .filter(channel::Column::ServiceId.eq(service.id))
        .filter(channel::Column::Kind.eq(kind))
        .one(db)
        .await?;
    match offered {
        Some(_) => Ok(()),
        None => Err(CatalogError::bad_input(
            "channelKind",
            format!("`{}` does not offer {}", service.slug, kind.as_str()),
        )),
    }
}

/// The codes of every language the catalog knows.
pub(crate) async fn language_codes(db: &impl ConnectionTrait) -> CatalogResult<HashSet<String>> {
    Ok(language::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.code)
        .collect())
}

pub(crate) fn channel_json(c: &channel::Model) -> Value {
    json!({ "id": c.replaces_id.unwrap_or(c.id), "kind": c.kind, "label": c.label, "url": c.url,
            "phone": c.phone, "email": c.email, "address": c.address, "hours": c.hours,
            "accessibility": c.accessibility, "position": c.position })
}

pub(crate) fn channel_row(
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

pub(crate) async fn channels_of(
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
pub(crate) async fn channel_in(
    db: &impl ConnectionTrait,
    work: &service::Model,
    channel_id: i32,
) -> CatalogResult<channel::Model> {
    channels_of(db, work.id)
        .await?
        .into_iter()
        .find(|c| c.id == channel_id || c.replaces_id == Some(channel_id))
        .ok_or_else(|| CatalogError::not_found("id", format!("channel {channel_id}")))
}

/// A channel's content as stored, without its identity and place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChannelRow {
    pub kind: ChannelKind,
    pub category: TouchpointCategory,
    pub label: String,
    pub url: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub hours: Option<String>,
    pub languages: Option<Languages>,
    pub accessibility: Option<String>,
}

impl From<channel::Model> for ChannelRow {
    fn from(c: channel::Model) -> Self {
        Self {
            kind: c.kind,
            category: c.category,
            label: c.label,
            url: c.url,
            phone: c.phone,
            email: c.email,
            address: c.address,
            hours: c.hours,
            languages: c.languages,
            accessibility: c.accessibility,
        }
    }
}

/// Validates one channel (`path` names it); `known_language` says whether a code exists.
pub(crate) fn check_channel(
    path: &str,
    c: &ChannelFields,
    known_language: impl Fn(&str) -> bool,
) -> CatalogResult<ChannelRow> {
    let kind = parse_enum(&format!("{path}.kind"), &c.kind, ChannelKind::ALL, |k| {
        k.as_str()
    })?;
    let label = validate::required(&format!("{path}.label"), &c.label, max::LABEL)?;
    let url = trimmed(&c.url)
        .map(|u| validate::url(&format!("{path}.url"), &u))
        .transpose()?
        .map(String::from);
    let phone = trimmed(&c.phone)
        .map(|p| validate::phone(&format!("{path}.phone"), &p))
        .transpose()?
        .map(String::from);
    let email = trimmed(&c.email)
        .map(|e| validate::email(&format!("{path}.email"), &e))
        .transpose()?
        .map(String::from);
    let address = validate::optional(
        &format!("{path}.address"),
        c.address.as_deref(),
        max::ADDRESS,
    )?;
    if url.is_none() && phone.is_none() && email.is_none() && address.is_none() {
        return Err(CatalogError::bad_input(
            path,
            "a channel needs a url, phone, email or address",
        ));
    }
    validate::count(
        &format!("{path}.languages"),
        c.languages.len(),
        0,
        max_items::LANGUAGES,
    )?;
    for (j, code) in c.languages.iter().enumerate() {
        if !known_language(code) {
            return Err(CatalogError::bad_input(
                format!("{path}.languages[{j}]"),
                format!("unknown language `{code}`"),
            ));
        }
    }
    Ok(ChannelRow {
        kind,
        category: kind.category(),
        label,
        url,
        phone,
        email,
        address,
        hours: validate::optional(&format!("{path}.hours"), c.hours.as_deref(), max::HOURS)?,
        languages: Languages::stored(c.languages.clone()),
        accessibility: validate::optional(
            &format!("{path}.accessibility"),
            c.accessibility.as_deref(),
            max::ACCESSIBILITY,
        )?,
    })
}

impl Catalog {
    /// The service a channel id belongs to (the published one, for a channel of a pending
    /// revision), so channel commands can find what to edit.
    pub(crate) async fn service_of_channel(&self, channel_id: i32) -> CatalogResult<i32> {
        let found = channel::Entity::find_by_id(channel_id)
            .one(&self.db)
            .await?
            .ok_or_else(|| CatalogError::not_found("id", format!("channel {channel_id}")))?;
        let owner = service::Entity::find_by_id(found.service_id)
            .one(&self.db)
            .await?
            .ok_or_else(|| CatalogError::not_found("id", format!("channel {channel_id}")))?;
        Ok(owner.revision_of_id.unwrap_or(owner.id))
    }

    /// Adds a channel after the service's others.
    pub async fn add_channel(
        &self,
        principal: &Principal,
        service_id: i32,
        expected_version: Option<i32>,
        doc: ChannelFields,
    ) -> CatalogResult<(service::Model, channel::Model)> {
        self.edit_part(
            principal,
            ("serviceId", service_id),
            expected_version,
            "service.channelAdd",
            async |txn, work| {
                let known = language_codes(txn).await?;
                let row = check_channel("channel", &doc, |code| known.contains(code))?;
                let existing = channels_of(txn, work.id).await?;
                validate::count("channel", existing.len() + 1, 1, max_items::CHANNELS)?;
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
            ("id", service_id),
            Some(expected_version),
            "service.channelUpdate",
            async |txn, work| {
                let current = channel_in(txn, work, channel_id).await?;
                let merge = |new: Option<String>, old: &Option<String>| match new {
                    None => old.clone(),
                    Some(v) if v.trim().is_empty() => None,
                    Some(v) => Some(v),
                };
                let doc = ChannelFields {
                    kind: changes
                        .kind
                        .clone()
                        .unwrap_or_else(|| current.kind.as_str().to_owned()),
                    label: changes
                        .label
                        .clone()
                        .unwrap_or_else(|| current.label.clone()),
                    url: merge(changes.url.clone(), &current.url),
                    phone: merge(changes.phone.clone(), &current.phone),
                    email: merge(changes.email.clone(), &current.email),
                    address: merge(changes.address.clone(), &current.address),
                    hours: merge(changes.hours.clone(), &current.hours),
                    languages: changes
                        .languages
                        .clone()
                        .unwrap_or_else(|| languages_of(&current)),
                    accessibility: merge(changes.accessibility.clone(), &current.accessibility),
                };
                let known = language_codes(txn).await?;
                let row = check_channel("", &doc, |code| known.contains(code))?;
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
                ("id", service_id),
                expected_version,
                "service.channelRemove",
                async |txn, work| {
                    let current = channel_in(txn, work, channel_id).await?;
                    if channels_of(txn, work.id).await?.len() <= 1 {
                        return Err(CatalogError::bad_input(
                            "id",
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
}

/// A channel's language codes, in the order the agency gave them.
pub fn languages_of(channel: &channel::Model) -> Vec<String> {
    channel
        .languages
        .as_ref()
        .map(|l| l.0.clone())
        .unwrap_or_default()
}
