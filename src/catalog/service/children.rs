//! A service's child tables (partners, jurisdictions, languages, taxonomy terms, required
//! documents, channels, life-event links): one sync that rewrites a list only when it
//! changed, and the rows it writes. Catalog loads, new services and edits all go through it.

use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, Set,
};

use crate::catalog::error::CatalogResult;
use crate::catalog::service::channels::ChannelRow;
use crate::catalog::service::fields::DocumentFields;
use crate::catalog::service::rules::{current_rules, replace_rules};
use crate::catalog::service::write::ServiceChildren;
use crate::catalog::store::{insert_all, position};
use crate::catalog::types::Relevance;
use crate::catalog::validate;
use crate::catalog::validate::{max, max_items};
use crate::entity::{
    channel, life_event_service, required_document, service_jurisdiction, service_language,
    service_partner, service_taxonomy_term,
};

/// `desired` with its version one past `existing`'s when anything else differs.
/// One service's rows in its child tables. Each method makes one table hold the given
/// rows, in order, and says whether it had to change anything.
pub(crate) struct Children<'a> {
    pub(crate) txn: &'a DatabaseTransaction,
    pub(crate) service_id: i32,
    /// The service was just inserted: it has no child rows yet.
    pub(crate) fresh: bool,
}

impl Children<'_> {
    /// Replaces the service's rows of one table with `desired` when they differ from the
    /// current ones, read through `key` in `order`; says whether they differed.
    async fn replace<E, T, A>(
        &self,
        (service_column, order): (E::Column, E::Column),
        desired: &[T],
        key: impl Fn(E::Model) -> T,
        row: impl Fn(usize, &T) -> A,
    ) -> CatalogResult<bool>
    where
        E: EntityTrait,
        A: ActiveModelTrait<Entity = E> + Send,
        T: PartialEq,
    {
        if self.fresh {
            if desired.is_empty() {
                return Ok(false);
            }
        } else {
            let current: Vec<T> = E::find()
                .filter(service_column.eq(self.service_id))
                .order_by_asc(order)
                .all(self.txn)
                .await?
                .into_iter()
                .map(&key)
                .collect();
            if current == desired {
                return Ok(false);
            }
            E::delete_many()
                .filter(service_column.eq(self.service_id))
                .exec(self.txn)
                .await?;
        }
        insert_all(
            self.txn,
            desired.iter().enumerate().map(|(i, item)| row(i, item)),
        )
        .await?;
        Ok(true)
    }

    /// Partner agencies, by id.
    pub(crate) async fn partners(&self, agencies: &[i32]) -> CatalogResult<bool> {
        let id = self.service_id;
        self.replace(
            (
                service_partner::Column::ServiceId,
                service_partner::Column::Id,
            ),
            agencies,
            |r: service_partner::Model| r.agency_id,
            |_, a| partner_row(id, a),
        )
        .await
    }

    /// Jurisdictions served, by id.
    pub(crate) async fn jurisdictions(&self, jurisdictions: &[i32]) -> CatalogResult<bool> {
        let id = self.service_id;
        self.replace(
            (
                service_jurisdiction::Column::ServiceId,
                service_jurisdiction::Column::Id,
            ),
            jurisdictions,
            |r: service_jurisdiction::Model| r.jurisdiction_id,
            |_, j| jurisdiction_row(id, j),
        )
        .await
    }

    /// Languages offered, by id.
    pub(crate) async fn languages(&self, languages: &[i32]) -> CatalogResult<bool> {
        let id = self.service_id;
        self.replace(
            (
                service_language::Column::ServiceId,
                service_language::Column::Id,
            ),
            languages,
            |r: service_language::Model| r.language_id,
            |_, l| language_row(id, l),
        )
        .await
    }

    /// Taxonomy terms, by id.
    pub(crate) async fn terms(&self, terms: &[i32]) -> CatalogResult<bool> {
        let id = self.service_id;
        self.replace(
            (
                service_taxonomy_term::Column::ServiceId,
                service_taxonomy_term::Column::Id,
            ),
            terms,
            |r: service_taxonomy_term::Model| r.taxonomy_term_id,
            |_, t| term_row(id, t),
        )
        .await
    }

    /// Required documents: name and description, in order.
    pub(crate) async fn documents(
        &self,
        documents: &[(String, Option<String>)],
    ) -> CatalogResult<bool> {
        let id = self.service_id;
        self.replace(
            (
                required_document::Column::ServiceId,
                required_document::Column::Position,
            ),
            documents,
            |r: required_document::Model| (r.name, r.description),
            |i, d| document_row(id, i, d),
        )
        .await
    }

    /// Channels, in order.
    pub(crate) async fn channels(&self, channels: &[ChannelRow]) -> CatalogResult<bool> {
        let id = self.service_id;
        self.replace(
            (channel::Column::ServiceId, channel::Column::Position),
            channels,
            ChannelRow::from,
            |i, c| channel_insert_row(id, i, c),
        )
        .await
    }

    /// Life-event links: life event, stage, relevance and reason.
    pub(crate) async fn links(&self, links: &[LinkRow]) -> CatalogResult<bool> {
        let id = self.service_id;
        self.replace(
            (
                life_event_service::Column::ServiceId,
                life_event_service::Column::Id,
            ),
            links,
            |r: life_event_service::Model| {
                (r.life_event_id, r.journey_stage_id, r.relevance, r.reason)
            },
            |_, l| link_row(id, l),
        )
        .await
    }
}

/// A life-event link as stored: life event, journey stage, relevance, reason.
pub(crate) type LinkRow = (i32, i32, Relevance, String);

pub(crate) fn partner_row(service_id: i32, &agency_id: &i32) -> service_partner::ActiveModel {
    service_partner::ActiveModel {
        id: NotSet,
        service_id: Set(service_id),
        agency_id: Set(agency_id),
    }
}

pub(crate) fn jurisdiction_row(
    service_id: i32,
    &jurisdiction_id: &i32,
) -> service_jurisdiction::ActiveModel {
    service_jurisdiction::ActiveModel {
        id: NotSet,
        service_id: Set(service_id),
        jurisdiction_id: Set(jurisdiction_id),
    }
}

pub(crate) fn language_row(service_id: i32, &language_id: &i32) -> service_language::ActiveModel {
    service_language::ActiveModel {
        id: NotSet,
        service_id: Set(service_id),
        language_id: Set(language_id),
    }
}

pub(crate) fn term_row(
    service_id: i32,
    &taxonomy_term_id: &i32,
) -> service_taxonomy_term::ActiveModel {
    service_taxonomy_term::ActiveModel {
        id: NotSet,
        service_id: Set(service_id),
        taxonomy_term_id: Set(taxonomy_term_id),
    }
}

pub(crate) fn document_row(
    service_id: i32,
    i: usize,
    (name, description): &(String, Option<String>),
) -> required_document::ActiveModel {
    required_document::ActiveModel {
        id: NotSet,
        service_id: Set(service_id),
        name: Set(name.clone()),
        description: Set(description.clone()),
        position: Set(position(i)),
    }
}

pub(crate) fn channel_insert_row(
    service_id: i32,
    i: usize,
    c: &ChannelRow,
) -> channel::ActiveModel {
    channel::ActiveModel {
        id: NotSet,
        service_id: Set(service_id),
        kind: Set(c.kind),
        category: Set(c.category),
        label: Set(c.label.clone()),
        url: Set(c.url.clone()),
        phone: Set(c.phone.clone()),
        email: Set(c.email.clone()),
        address: Set(c.address.clone()),
        hours: Set(c.hours.clone()),
        languages: Set(c.languages.clone()),
        accessibility: Set(c.accessibility.clone()),
        position: Set(position(i)),
        replaces_id: Set(None),
    }
}

pub(crate) fn link_row(
    service_id: i32,
    (event, stage, relevance, reason): &LinkRow,
) -> life_event_service::ActiveModel {
    life_event_service::ActiveModel {
        id: NotSet,
        life_event_id: Set(*event),
        journey_stage_id: Set(*stage),
        service_id: Set(service_id),
        relevance: Set(*relevance),
        reason: Set(reason.clone()),
        position: Set(0),
    }
}

/// `value` trimmed, or `None` when blank.
pub(crate) fn trimmed(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// Validates a list of required documents (`path` names the list).
pub(crate) fn check_documents(
    path: &str,
    documents: &[DocumentFields],
) -> CatalogResult<Vec<(String, Option<String>)>> {
    validate::count(path, documents.len(), 0, max_items::DOCUMENTS)?;
    documents
        .iter()
        .enumerate()
        .map(|(i, d)| {
            Ok((
                validate::required(&format!("{path}[{i}].name"), &d.name, max::NAME)?,
                validate::optional(
                    &format!("{path}[{i}].description"),
                    d.description.as_deref(),
                    max::SUMMARY,
                )?,
            ))
        })
        .collect()
}

/// Replaces each child set of a service that differs from `children`; returns whether
/// anything changed.
/// Makes service `service_id`'s child rows (partners, jurisdictions, languages, terms,
/// documents, channels, life-event links, rules) match `children`; says whether any
/// changed. A `fresh` service has none yet, so nothing is read or deleted first.
pub(crate) async fn write_children(
    txn: &DatabaseTransaction,
    service_id: i32,
    fresh: bool,
    children: &ServiceChildren,
) -> CatalogResult<bool> {
    let rows = Children {
        txn,
        service_id,
        fresh,
    };
    let mut changed = rows.partners(&children.partners).await?;
    changed |= rows.jurisdictions(&children.jurisdictions).await?;
    changed |= rows.languages(&children.languages).await?;
    changed |= rows.terms(&children.terms).await?;
    changed |= rows.documents(&children.documents).await?;
    changed |= rows.channels(&children.channels).await?;
    changed |= rows.links(&children.links).await?;
    let rules_changed = if fresh {
        !children.rules.is_empty()
    } else {
        current_rules(txn, service_id).await? != children.rules
    };
    if rules_changed {
        changed = true;
        replace_rules(txn, service_id, &children.rules).await?;
    }
    Ok(changed)
}
