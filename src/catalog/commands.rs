//! Commands that change services: create, edit, and move through the editorial workflow
//! (`DRAFT -> IN_REVIEW -> PUBLISHED -> ARCHIVED`, and back to `DRAFT` on requested changes
//! or restore). Authorization is decided in one place, [`authorize`]; every command is one
//! transaction that also writes its audit event and moves the catalog revision.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set,
    TransactionTrait,
};
use serde_json::json;

use super::Catalog;
use super::auth::{KeyPrincipal, Principal};
use super::error::{CatalogError, CatalogResult};
use super::seed::ServiceDoc;
use super::types::{Role, ServiceStatus, Slug};
use crate::entity::{agency, audit_event, service};

/// The most services one `servicesImport` call takes.
pub const MAX_IMPORT: usize = 500;

/// What a caller wants to do to a service of some agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Create,
    Edit,
    Submit,
    Publish,
    RequestChanges,
    Archive,
    Restore,
}

/// The one authorization rule for service commands:
/// - ADMIN: everything;
/// - REVIEWER: publish, or send back with requested changes;
/// - EDITOR: create, edit, submit, archive and restore the services of their own agency;
/// - anonymous: nothing (reads only).
pub fn authorize(
    principal: &Principal,
    operation: Operation,
    agency_id: i32,
) -> CatalogResult<&KeyPrincipal> {
    let Principal::Key(key) = principal else {
        return Err(CatalogError::Unauthenticated {
            message: "this operation needs an API key: send `Authorization: Bearer <token>`"
                .to_owned(),
        });
    };
    let allowed = match key.role {
        Role::Admin => true,
        Role::Reviewer => matches!(operation, Operation::Publish | Operation::RequestChanges),
        Role::Editor => {
            key.agency_id == Some(agency_id)
                && matches!(
                    operation,
                    Operation::Create
                        | Operation::Edit
                        | Operation::Submit
                        | Operation::Archive
                        | Operation::Restore
                )
        }
    };
    if allowed {
        Ok(key)
    } else {
        Err(CatalogError::Forbidden {
            message: format!(
                "a {} key may not {:?} this agency's services",
                key.role.as_str(),
                operation
            )
            .to_lowercase(),
        })
    }
}

/// Changes to a draft service's text; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ServiceChanges {
    pub name: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub eligibility_summary: Option<String>,
    pub fees: Option<String>,
    pub processing_time: Option<String>,
}

/// A workflow step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    Submit,
    Publish,
    RequestChanges { comment: String },
    Archive,
    Restore,
}

impl Transition {
    fn operation(&self) -> Operation {
        match self {
            Self::Submit => Operation::Submit,
            Self::Publish => Operation::Publish,
            Self::RequestChanges { .. } => Operation::RequestChanges,
            Self::Archive => Operation::Archive,
            Self::Restore => Operation::Restore,
        }
    }

    fn action(&self) -> &'static str {
        match self {
            Self::Submit => "service.submitForReview",
            Self::Publish => "service.publish",
            Self::RequestChanges { .. } => "service.requestChanges",
            Self::Archive => "service.archive",
            Self::Restore => "service.restore",
        }
    }

    /// The status this step leads to from `from`, if it is allowed.
    fn target(&self, from: ServiceStatus) -> Option<ServiceStatus> {
        use ServiceStatus as S;
        match (self, from) {
            (Self::Submit, S::Draft) => Some(S::InReview),
            (Self::Publish, S::InReview) => Some(S::Published),
            (Self::RequestChanges { .. }, S::InReview) => Some(S::Draft),
            (Self::Archive, S::Draft | S::Published) => Some(S::Archived),
            (Self::Restore, S::Archived) => Some(S::Draft),
            _ => None,
        }
    }
}

fn conflict(field: &str, code: &str, message: String) -> CatalogError {
    CatalogError::Conflict {
        field: field.to_owned(),
        code: code.to_owned(),
        message,
        existing_id: None,
    }
}

fn taken(field: &str, message: String, existing: i32) -> CatalogError {
    CatalogError::Conflict {
        field: field.to_owned(),
        code: "TAKEN".to_owned(),
        message,
        existing_id: Some(existing),
    }
}

fn snapshot(s: &service::Model) -> String {
    json!({
        "slug": s.slug, "name": s.name, "summary": s.summary, "description": s.description,
        "agencyId": s.agency_id, "eligibilitySummary": s.eligibility_summary, "fees": s.fees,
        "processingTime": s.processing_time, "status": s.status, "version": s.version,
    })
    .to_string()
}

async fn audit(
    txn: &DatabaseTransaction,
    key: &KeyPrincipal,
    action: &str,
    before: Option<&service::Model>,
    after: &service::Model,
    comment: Option<&str>,
) -> CatalogResult<()> {
    super::audit::record(
        txn,
        Some(key),
        super::audit::Change {
            action,
            record_type: "Service",
            record_id: after.id,
            agency_id: Some(after.agency_id),
            before: before.map(snapshot),
            after: Some(snapshot(after)),
            comment,
        },
    )
    .await
}

impl Catalog {
    /// Creates a service as a `DRAFT` of its agency, validated like a catalog document.
    pub async fn create_service(
        &self,
        principal: &Principal,
        mut doc: ServiceDoc,
    ) -> CatalogResult<service::Model> {
        let slug = Slug::parse("input.agency", &doc.agency)?;
        let owner = self.agency_by_slug(&slug).await?.ok_or_else(|| {
            CatalogError::bad_input("input.agency", format!("unknown agency `{}`", doc.agency))
        })?;
        let key = authorize(principal, Operation::Create, owner.id)?;
        doc.status = Some(ServiceStatus::Draft.as_str().to_owned());
        let txn = self.db.begin().await?;
        // A re-sent create (same agency and externalId) finds the service it made before.
        if let Some(external) = doc
            .external_id
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            if external.chars().count() > 200 {
                return Err(CatalogError::bad_input(
                    "input.externalId",
                    "at most 200 characters",
                ));
            }
            let existing = service::Entity::find()
                .filter(service::Column::AgencyId.eq(owner.id))
                .filter(service::Column::ExternalId.eq(external))
                .one(&txn)
                .await?;
            if let Some(existing) = existing {
                return Err(taken(
                    "input.externalId",
                    format!(
                        "{} already has a service with externalId `{external}`: `{}`",
                        owner.slug, existing.slug
                    ),
                    existing.id,
                ));
            }
        }
        let same_slug = service::Entity::find()
            .filter(service::Column::Slug.eq(doc.slug.as_str()))
            .one(&txn)
            .await?;
        if let Some(existing) = same_slug {
            return Err(taken(
                "input.slug",
                format!("the slug `{}` is taken", existing.slug),
                existing.id,
            ));
        }
        let id = Catalog::write_service_in(&txn, "input", &doc).await?;
        let created = service::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| CatalogError::internal("created service vanished"))?;
        audit(&txn, key, "service.create", None, &created, None).await?;
        txn.commit().await?;
        Ok(created)
    }

    /// Creates up to [`MAX_IMPORT`] services as drafts in one transaction: all or nothing.
    /// Every item is checked first (authorization, taken slugs and external ids, duplicates
    /// in the batch); the errors of all items come back together, each under
    /// `input.services[i]`.
    pub async fn import_services(
        &self,
        principal: &Principal,
        mut docs: Vec<ServiceDoc>,
    ) -> CatalogResult<Result<Vec<service::Model>, Vec<CatalogError>>> {
        if docs.is_empty() || docs.len() > MAX_IMPORT {
            return Err(CatalogError::bad_input(
                "input.services",
                format!("send 1 to {MAX_IMPORT} services"),
            ));
        }
        let mut agencies = std::collections::HashMap::new();
        let mut errors = Vec::new();
        for (i, doc) in docs.iter_mut().enumerate() {
            doc.status = Some(ServiceStatus::Draft.as_str().to_owned());
            if !agencies.contains_key(&doc.agency) {
                let found = match Slug::parse("agency", &doc.agency) {
                    Ok(slug) => self.agency_by_slug(&slug).await?,
                    Err(_) => None,
                };
                agencies.insert(doc.agency.clone(), found);
            }
            match agencies.get(&doc.agency).and_then(Option::as_ref) {
                Some(agency) => {
                    authorize(principal, Operation::Create, agency.id)?;
                }
                None => errors.push(CatalogError::bad_input(
                    format!("input.services[{i}].agency"),
                    format!("unknown agency `{}`", doc.agency),
                )),
            }
        }
        let txn = self.db.begin().await?;
        let mut slugs = std::collections::HashSet::new();
        let mut externals = std::collections::HashSet::new();
        for (i, doc) in docs.iter().enumerate() {
            if !slugs.insert(doc.slug.clone()) {
                errors.push(conflict(
                    &format!("input.services[{i}].slug"),
                    "TAKEN",
                    format!("`{}` appears twice in this import", doc.slug),
                ));
            }
            if let Some(existing) = service::Entity::find()
                .filter(service::Column::Slug.eq(doc.slug.as_str()))
                .one(&txn)
                .await?
            {
                errors.push(taken(
                    &format!("input.services[{i}].slug"),
                    format!("the slug `{}` is taken", doc.slug),
                    existing.id,
                ));
            }
            if let (Some(external), Some(Some(agency))) =
                (doc.external_id.as_deref(), agencies.get(&doc.agency))
            {
                if !externals.insert((agency.id, external.to_owned())) {
                    errors.push(conflict(
                        &format!("input.services[{i}].externalId"),
                        "TAKEN",
                        format!("`{external}` appears twice in this import"),
                    ));
                }
                if let Some(existing) = service::Entity::find()
                    .filter(service::Column::AgencyId.eq(agency.id))
                    .filter(service::Column::ExternalId.eq(external))
                    .one(&txn)
                    .await?
                {
                    errors.push(taken(
                        &format!("input.services[{i}].externalId"),
                        format!("`{external}` is taken by `{}`", existing.slug),
                        existing.id,
                    ));
                }
            }
        }
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        // Validate every item before writing any, so all their mistakes come back at once.
        let items: Vec<(String, &ServiceDoc)> = docs
            .iter()
            .enumerate()
            .map(|(i, d)| (format!("input.services[{i}]"), d))
            .collect();
        let invalid = Catalog::check_services_in(&txn, &items).await?;
        if !invalid.is_empty() {
            return Ok(Err(invalid));
        }
        let ids = Catalog::write_services_in(&txn, &items).await?;
        let ids: Vec<i32> = ids.into_iter().flatten().collect();
        let rows = service::Entity::find()
            .filter(service::Column::Id.is_in(ids.clone()))
            .all(&txn)
            .await?;
        let mut by_id: std::collections::HashMap<i32, service::Model> =
            rows.into_iter().map(|r| (r.id, r)).collect();
        let Principal::Key(key) = principal else {
            return Err(CatalogError::internal("import authorized without a key"));
        };
        let mut created = Vec::with_capacity(ids.len());
        for id in ids {
            let row = by_id
                .remove(&id)
                .ok_or_else(|| CatalogError::internal("imported service vanished"))?;
            audit(
                &txn,
                key,
                "service.create",
                None,
                &row,
                Some("servicesImport"),
            )
            .await?;
            created.push(row);
        }
        txn.commit().await?;
        Ok(Ok(created))
    }

    /// A service by id, whatever its status, for commands.
    async fn service_for_command(
        &self,
        txn: &DatabaseTransaction,
        id: i32,
    ) -> CatalogResult<service::Model> {
        service::Entity::find_by_id(id)
            .filter(service::Column::DeletedAt.is_null())
            .one(txn)
            .await?
            .ok_or_else(|| CatalogError::NotFound {
                what: format!("service {id}"),
            })
    }

    /// Edits a draft's text. `expected_version` must be the current version, or nothing is
    /// written and the error carries the current one.
    pub async fn update_service(
        &self,
        principal: &Principal,
        id: i32,
        expected_version: i32,
        changes: ServiceChanges,
    ) -> CatalogResult<service::Model> {
        let txn = self.db.begin().await?;
        let current = self.service_for_command(&txn, id).await?;
        let key = authorize(principal, Operation::Edit, current.agency_id)?;
        if current.version != expected_version {
            return Err(conflict(
                "input.expectedVersion",
                "STALE",
                format!(
                    "the service is at version {}, not {expected_version}; reload it and try again",
                    current.version
                ),
            ));
        }
        if current.status != ServiceStatus::Draft.as_str() {
            return Err(conflict(
                "input.id",
                "INVALID_TRANSITION",
                format!(
                    "only DRAFT services can be edited; this one is {}",
                    current.status
                ),
            ));
        }
        let text =
            |field: &str, value: Option<String>, old: &str, max: usize| -> CatalogResult<String> {
                match value {
                    None => Ok(old.to_owned()),
                    Some(v) => {
                        let v = v.trim().to_owned();
                        if v.is_empty() || v.chars().count() > max {
                            Err(CatalogError::bad_input(
                                format!("input.{field}"),
                                format!("must be 1 to {max} characters"),
                            ))
                        } else {
                            Ok(v)
                        }
                    }
                }
            };
        let optional = |value: Option<String>, old: &Option<String>| match value {
            None => old.clone(),
            Some(v) if v.trim().is_empty() => None,
            Some(v) => Some(v.trim().to_owned()),
        };
        let mut active: service::ActiveModel = current.clone().into();
        active.name = Set(text("name", changes.name, &current.name, 200)?);
        active.summary = Set(text("summary", changes.summary, &current.summary, 1_000)?);
        active.description = Set(text(
            "description",
            changes.description,
            &current.description,
            10_000,
        )?);
        active.eligibility_summary = Set(optional(
            changes.eligibility_summary,
            &current.eligibility_summary,
        ));
        active.fees = Set(optional(changes.fees, &current.fees));
        active.processing_time = Set(optional(changes.processing_time, &current.processing_time));
        active.version = Set(current.version + 1);
        active.updated_at = Set(Utc::now());
        let updated = active.update(&txn).await?;
        audit(&txn, key, "service.update", Some(&current), &updated, None).await?;
        txn.commit().await?;
        Ok(updated)
    }

    /// Moves a service one step through the workflow.
    pub async fn transition_service(
        &self,
        principal: &Principal,
        id: i32,
        step: Transition,
    ) -> CatalogResult<service::Model> {
        let txn = self.db.begin().await?;
        let current = self.service_for_command(&txn, id).await?;
        let key = authorize(principal, step.operation(), current.agency_id)?;
        let from: ServiceStatus = current.status.parse()?;
        let to = step.target(from).ok_or_else(|| {
            conflict(
                "input.id",
                "INVALID_TRANSITION",
                format!(
                    "cannot {} a service that is {}",
                    step.action().trim_start_matches("service."),
                    from.as_str()
                ),
            )
        })?;
        let comment = match &step {
            Transition::RequestChanges { comment } => {
                let comment = comment.trim();
                if comment.is_empty() || comment.chars().count() > 2_000 {
                    return Err(CatalogError::bad_input(
                        "input.comment",
                        "say what to change, in 1 to 2000 characters",
                    ));
                }
                Some(comment.to_owned())
            }
            _ => None,
        };
        let now = Utc::now();
        let mut active: service::ActiveModel = current.clone().into();
        active.status = Set(to.as_str().to_owned());
        active.version = Set(current.version + 1);
        active.updated_at = Set(now);
        if to == ServiceStatus::Published && current.published_at.is_none() {
            active.published_at = Set(Some(now));
        }
        let updated = active.update(&txn).await?;
        audit(
            &txn,
            key,
            step.action(),
            Some(&current),
            &updated,
            comment.as_deref(),
        )
        .await?;
        txn.commit().await?;
        Ok(updated)
    }

    /// The audit events of one service, newest first.
    pub async fn service_history(&self, service_id: i32) -> CatalogResult<Vec<audit_event::Model>> {
        use sea_orm::QueryOrder;
        Ok(audit_event::Entity::find()
            .filter(audit_event::Column::RecordType.eq("Service"))
            .filter(audit_event::Column::RecordId.eq(service_id))
            .order_by_desc(audit_event::Column::Id)
            .all(&self.db)
            .await?)
    }

    /// The owning agency of a service, for callers that need to authorize reads.
    pub async fn agency_of_service(&self, service_id: i32) -> CatalogResult<Option<agency::Model>> {
        let Some(s) = service::Entity::find_by_id(service_id)
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        Ok(agency::Entity::find_by_id(s.agency_id)
            .one(&self.db)
            .await?)
    }
}
