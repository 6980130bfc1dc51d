//! The audit trail: every committed change writes one event, in the change's own
//! transaction, naming who made it and the record before and after.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::Value;

use crate::catalog::Catalog;
use crate::catalog::error::{CatalogError, CatalogResult};
use crate::catalog::page::{Cursor, Page, PageRequest};
use crate::catalog::principal::{KeyPrincipal, Principal};
use crate::catalog::records;
use crate::catalog::types::{Role, Slug};
use crate::entity::audit_event;

/// The principal name recorded for changes made at the command line.
pub const COMMAND_LINE: &str = "command line";

/// What changed.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    pub action: &'a str,
    pub record_type: &'a str,
    pub record_id: i32,
    pub agency_id: Option<i32>,
    /// JSON of the record before; `None` for a creation.
    pub before: Option<String>,
    /// JSON of the record after.
    pub after: Option<String>,
    pub comment: Option<&'a str>,
}

/// Writes `change` as made by `actor` (`None`: the command line), inside the caller's
/// transaction (begun with `Catalog::begin_write`, which moved the revision).
pub(crate) async fn record(
    db: &impl ConnectionTrait,
    actor: Option<&KeyPrincipal>,
    change: Change<'_>,
) -> CatalogResult<()> {
    row(actor, change).insert(db).await?;
    Ok(())
}

/// Writes several changes made by `actor` in one statement, in their order.
pub(crate) async fn record_all(
    db: &impl ConnectionTrait,
    actor: Option<&KeyPrincipal>,
    changes: Vec<Change<'_>>,
) -> CatalogResult<()> {
    crate::catalog::store::insert_all(db, changes.into_iter().map(|c| row(actor, c))).await
}

pub(crate) fn row(actor: Option<&KeyPrincipal>, change: Change<'_>) -> audit_event::ActiveModel {
    audit_event::ActiveModel {
        id: NotSet,
        api_key_id: Set(actor.map(|a| a.key_id)),
        principal: Set(actor.map_or_else(|| COMMAND_LINE.to_owned(), |a| a.name.clone())),
        action: Set(change.action.to_owned()),
        record_type: Set(change.record_type.to_owned()),
        record_id: Set(change.record_id),
        agency_id: Set(change.agency_id),
        before: Set(change.before),
        after: Set(change.after),
        comment: Set(change.comment.map(str::to_owned)),
        created_at: Set(Utc::now()),
    }
}

/// The kinds of record changes are recorded on (a service's parts on the service, a CSSP
/// designation on its agency, journey stages on their life event).
pub const RECORD_TYPES: [&str; 5] = [
    "Service",
    "Jurisdiction",
    "Agency",
    "LifeEvent",
    "Criterion",
];

/// Narrows the audit trail; every field given must match.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Changes to records of the agency with this slug.
    pub agency: Option<String>,
    /// Changes made by this principal (the key's name, or "command line").
    pub principal: Option<String>,
    /// Changes to this record: `(type, id)`, the type one of [`RECORD_TYPES`].
    pub record: Option<(String, i32)>,
    /// Changes committed at or after this instant.
    pub after: Option<chrono::DateTime<Utc>>,
    /// Changes committed before this instant.
    pub before: Option<chrono::DateTime<Utc>>,
}

impl Catalog {
    /// Records the change as made by `key`, then commits `txn`: every administration command
    /// ends here, so none commits without its audit event.
    pub(crate) async fn commit_recorded(
        &self,
        txn: DatabaseTransaction,
        key: &KeyPrincipal,
        action: &str,
        (record_type, record_id, agency_id): (&str, i32, Option<i32>),
        before: Option<Value>,
        after: Option<Value>,
    ) -> CatalogResult<()> {
        crate::catalog::audit::record(
            &txn,
            Some(key),
            crate::catalog::audit::Change {
                action,
                record_type,
                record_id,
                agency_id,
                before: before.map(|v| v.to_string()),
                after: after.map(|v| v.to_string()),
                comment: None,
            },
        )
        .await?;
        self.commit(txn).await
    }

    /// A page of the audit trail, newest first; cursors carry event ids (`after`: older
    /// events, `before`: newer ones), and the total counts every event the filter matches.
    /// Only ADMIN and REVIEWER keys may read it.
    pub async fn audit_events(
        &self,
        principal: &Principal,
        filter: &AuditFilter,
        request: &PageRequest,
    ) -> CatalogResult<Page<records::AuditEvent>> {
        match principal {
            Principal::Key(key) if matches!(key.role, Role::Admin | Role::Reviewer) => {}
            Principal::Key(_) => {
                return Err(CatalogError::Forbidden {
                    message: "only ADMIN and REVIEWER keys read the audit trail".into(),
                });
            }
            Principal::Anonymous => {
                return Err(CatalogError::Unauthenticated {
                    message: "the audit trail needs an API key".into(),
                });
            }
        }
        let mut select = audit_event::Entity::find();
        if let Some(slug) = &filter.agency {
            let slug = Slug::parse("agency", slug)?;
            // An unknown agency has no changes: the filter then matches nothing.
            let agency = self.agency_by_slug(&slug).await?.map_or(0, |a| a.id);
            select = select.filter(audit_event::Column::AgencyId.eq(agency));
        }
        if let Some(name) = &filter.principal {
            select = select.filter(audit_event::Column::Principal.eq(name.as_str()));
        }
        if let Some((record_type, record_id)) = &filter.record {
            if !RECORD_TYPES.contains(&record_type.as_str()) {
                return Err(CatalogError::bad_input(
                    "record",
                    "changes are recorded on services (their channels included), jurisdictions, \
                     agencies, life events (their stages included) and criteria",
                ));
            }
            select = select
                .filter(audit_event::Column::RecordType.eq(record_type.as_str()))
                .filter(audit_event::Column::RecordId.eq(*record_id));
        }
        if let Some(after) = filter.after {
            select = select.filter(audit_event::Column::CreatedAt.gte(after));
        }
        if let Some(before) = filter.before {
            select = select.filter(audit_event::Column::CreatedAt.lt(before));
        }
        let total_count = select.clone().count(&self.db).await?;
        if let Some(after) = &request.after {
            select = select.filter(audit_event::Column::Id.lt(after.id));
        }
        if let Some(before) = &request.before {
            select = select.filter(audit_event::Column::Id.gt(before.id));
        }
        let size = request.len();
        let mut rows = if request.from_end {
            select.order_by_asc(audit_event::Column::Id)
        } else {
            select.order_by_desc(audit_event::Column::Id)
        }
        .limit(size as u64 + 1)
        .all(&self.db)
        .await?;
        let more = rows.len() > size;
        rows.truncate(size);
        let (has_next_page, has_previous_page) = if request.from_end {
            rows.reverse();
            (request.before.is_some(), more)
        } else {
            (more, request.after.is_some())
        };
        let cursor = |id| Cursor {
            name: String::new(),
            id,
        };
        Ok(Page {
            items: rows.into_iter().map(|row| (cursor(row.id), row)).collect(),
            has_next_page,
            has_previous_page,
            total_count,
        })
    }
}
