//! Commands that change services: create, edit, and move through the editorial workflow
//! (`DRAFT -> IN_REVIEW -> PUBLISHED -> ARCHIVED`, and back to `DRAFT` on requested changes
//! or restore). Authorization is decided in one place, [`authorize`]; every command is one
//! transaction that also writes its audit event and moves the catalog revision.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set};
use serde_json::json;

use super::Catalog;
use super::auth::{KeyPrincipal, Principal};
use super::error::{CatalogError, CatalogResult};
use super::seed::ServiceDoc;
use super::types::{Role, ServiceStatus, Slug};
use super::validate::{self, max};
use super::{parts, revision};
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

/// Changes to a service's text and lists; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ServiceChanges {
    pub name: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub eligibility_summary: Option<String>,
    pub fees: Option<String>,
    pub processing_time: Option<String>,
    /// The documents residents need, replacing the current list.
    pub required_documents: Option<Vec<super::seed::DocumentDoc>>,
    /// Codes of the jurisdictions served, replacing the current list (at least one).
    pub jurisdictions: Option<Vec<String>>,
    /// Codes of the languages offered, replacing the current list.
    pub languages: Option<Vec<String>>,
    /// Slugs of the partner agencies, replacing the current list.
    pub partner_agencies: Option<Vec<String>>,
    /// Taxonomy terms (`scheme:code`), replacing the current list.
    pub taxonomy_terms: Option<Vec<String>>,
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

/// Checks the version a caller last read (when given) against the record's `current` one.
pub(crate) fn expect_version(what: &str, current: i32, expected: Option<i32>) -> CatalogResult<()> {
    match expected {
        Some(expected) if expected != current => Err(conflict(
            "input.expectedVersion",
            "STALE",
            format!("the {what} is at version {current}, not {expected}; reload it and try again"),
        )),
        _ => Ok(()),
    }
}

pub(crate) fn conflict(field: &str, code: &str, message: String) -> CatalogError {
    CatalogError::Conflict {
        field: field.to_owned(),
        code: code.to_owned(),
        message,
        existing: None,
    }
}

fn taken(field: &str, message: String, existing: i32) -> CatalogError {
    CatalogError::Conflict {
        field: field.to_owned(),
        code: "TAKEN".to_owned(),
        message,
        existing: Some(("Service", existing)),
    }
}

/// A service as the audit trail records it.
pub(crate) fn snapshot(s: &service::Model) -> String {
    json!({
        "slug": s.slug, "name": s.name, "summary": s.summary, "description": s.description,
        "agencyId": s.agency_id, "eligibilitySummary": s.eligibility_summary, "fees": s.fees,
        "processingTime": s.processing_time, "status": s.status, "version": s.version,
        "pendingRevision": s.revision_of_id.is_some(),
    })
    .to_string()
}

/// The id under which changes to `s` are recorded: a pending revision's are the service's.
pub(crate) fn record_id(s: &service::Model) -> i32 {
    s.revision_of_id.unwrap_or(s.id)
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
        service_change(action, before, after, comment),
    )
    .await
}

/// The audit record of a change to a service.
fn service_change<'a>(
    action: &'a str,
    before: Option<&service::Model>,
    after: &service::Model,
    comment: Option<&'a str>,
) -> super::audit::Change<'a> {
    super::audit::Change {
        action,
        record_type: "Service",
        record_id: record_id(after),
        agency_id: Some(after.agency_id),
        before: before.map(snapshot),
        after: Some(snapshot(after)),
        comment,
    }
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
        let txn = self.begin_write().await?;
        // A re-sent create (same agency and externalId) finds the service it made before.
        if let Some(external) = validate::optional(
            "input.externalId",
            doc.external_id.as_deref(),
            max::EXTERNAL_ID,
        )? {
            let external = external.as_str();
            let existing = service::Entity::find()
                .filter(service::Column::AgencyId.eq(owner.id))
                .filter(service::Column::ExternalId.eq(external))
                .filter(service::Column::RevisionOfId.is_null())
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
            .filter(service::Column::RevisionOfId.is_null())
            .one(&txn)
            .await?;
        if let Some(existing) = same_slug {
            return Err(taken(
                "input.slug",
                format!("the slug `{}` is taken", existing.slug),
                existing.id,
            ));
        }
        let created = match Catalog::insert_services_in(&txn, &[("input".to_owned(), &doc)]).await?
        {
            Ok(mut services) => services
                .pop()
                .ok_or_else(|| CatalogError::internal("created service vanished"))?,
            Err(mut errors) => {
                return Err(errors.pop().unwrap_or_else(|| {
                    CatalogError::internal("a create failed without a reason")
                }));
            }
        };
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
        let mut agencies = HashMap::new();
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
        let txn = self.begin_write().await?;
        // The live services already holding one of these slugs or external ids, read in
        // one statement each.
        let taken_slugs: HashMap<String, i32> = service::Entity::find()
            .filter(service::Column::Slug.is_in(docs.iter().map(|d| d.slug.as_str())))
            .filter(service::Column::RevisionOfId.is_null())
            .all(&txn)
            .await?
            .into_iter()
            .map(|s| (s.slug, s.id))
            .collect();
        let external_ids: Vec<&str> = docs
            .iter()
            .filter_map(|d| d.external_id.as_deref())
            .collect();
        let taken_externals: HashMap<(i32, String), (String, i32)> = if external_ids.is_empty() {
            HashMap::new()
        } else {
            service::Entity::find()
                .filter(service::Column::ExternalId.is_in(external_ids))
                .filter(service::Column::RevisionOfId.is_null())
                .all(&txn)
                .await?
                .into_iter()
                .filter_map(|s| Some(((s.agency_id, s.external_id?), (s.slug, s.id))))
                .collect()
        };
        let mut slugs = HashSet::new();
        let mut externals = HashSet::new();
        for (i, doc) in docs.iter().enumerate() {
            if !slugs.insert(doc.slug.clone()) {
                errors.push(conflict(
                    &format!("input.services[{i}].slug"),
                    "TAKEN",
                    format!("`{}` appears twice in this import", doc.slug),
                ));
            }
            if let Some(&existing) = taken_slugs.get(&doc.slug) {
                errors.push(taken(
                    &format!("input.services[{i}].slug"),
                    format!("the slug `{}` is taken", doc.slug),
                    existing,
                ));
            }
            if let (Some(external), Some(Some(agency))) =
                (doc.external_id.as_deref(), agencies.get(&doc.agency))
            {
                let key = (agency.id, external.to_owned());
                if let Some((slug, existing)) = taken_externals.get(&key) {
                    errors.push(taken(
                        &format!("input.services[{i}].externalId"),
                        format!("`{external}` is taken by `{slug}`"),
                        *existing,
                    ));
                }
                if !externals.insert(key) {
                    errors.push(conflict(
                        &format!("input.services[{i}].externalId"),
                        "TAKEN",
                        format!("`{external}` appears twice in this import"),
                    ));
                }
            }
        }
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        // Every item is validated before any is written, so all their mistakes come back
        // at once.
        let items: Vec<(String, &ServiceDoc)> = docs
            .iter()
            .enumerate()
            .map(|(i, d)| (format!("input.services[{i}]"), d))
            .collect();
        let created = match Catalog::insert_services_in(&txn, &items).await? {
            Ok(created) => created,
            Err(invalid) => return Ok(Err(invalid)),
        };
        let Principal::Key(key) = principal else {
            return Err(CatalogError::internal("import authorized without a key"));
        };
        super::audit::record_all(
            &txn,
            Some(key),
            created
                .iter()
                .map(|row| service_change("service.create", None, row, Some("servicesImport")))
                .collect(),
        )
        .await?;
        txn.commit().await?;
        Ok(Ok(created))
    }

    /// A service by id, whatever its status, for commands (never a pending revision: those
    /// are reached through their service).
    pub(crate) async fn service_for_command(
        txn: &DatabaseTransaction,
        id: i32,
    ) -> CatalogResult<service::Model> {
        service::Entity::find_by_id(id)
            .filter(service::Column::DeletedAt.is_null())
            .filter(service::Column::RevisionOfId.is_null())
            .one(txn)
            .await?
            .ok_or_else(|| CatalogError::NotFound {
                what: format!("service {id}"),
            })
    }

    /// The row an edit of `live` changes, once `expected_version` (when given) is checked
    /// against it: the service itself while it is a `DRAFT`; for a `PUBLISHED` service, its
    /// pending revision, opened by this edit when there is none. Services in review and
    /// archived ones cannot be edited.
    pub(crate) async fn working_copy(
        txn: &DatabaseTransaction,
        live: &service::Model,
        expected_version: Option<i32>,
    ) -> CatalogResult<service::Model> {
        let status: ServiceStatus = live.status.parse()?;
        let (current, open) = match status {
            ServiceStatus::Draft => (live.clone(), false),
            ServiceStatus::Published => match revision::pending(txn, live.id).await? {
                Some(rev) if rev.status == ServiceStatus::Draft.as_str() => (rev, false),
                Some(_) => {
                    return Err(conflict(
                        "input.id",
                        "INVALID_TRANSITION",
                        "its pending revision is in review: a reviewer publishes it or requests changes first".into(),
                    ));
                }
                None => (live.clone(), true),
            },
            ServiceStatus::InReview => {
                return Err(conflict(
                    "input.id",
                    "INVALID_TRANSITION",
                    "the service is in review: a reviewer publishes it or requests changes first"
                        .into(),
                ));
            }
            ServiceStatus::Archived => {
                return Err(conflict(
                    "input.id",
                    "INVALID_TRANSITION",
                    "the service is archived: restore it first".into(),
                ));
            }
        };
        expect_version("service", current.version, expected_version)?;
        if open {
            revision::open(txn, live, Utc::now()).await
        } else {
            Ok(current)
        }
    }

    /// Counts a change to `work` (a draft or pending revision): its version moves by one.
    pub(crate) async fn touch(
        txn: &DatabaseTransaction,
        work: &service::Model,
    ) -> CatalogResult<service::Model> {
        let mut active: service::ActiveModel = work.clone().into();
        active.version = Set(work.version + 1);
        active.updated_at = Set(Utc::now());
        Ok(active.update(txn).await?)
    }

    /// Edits a service. A draft changes in place; a published service gets (or extends) a
    /// pending revision, and residents see the published version until it is published.
    /// `expected_version` must be the version of what is edited (the revision's, when there
    /// is one), or nothing is written and the error carries the current one. Returns what
    /// was edited.
    pub async fn update_service(
        &self,
        principal: &Principal,
        id: i32,
        expected_version: i32,
        changes: ServiceChanges,
    ) -> CatalogResult<service::Model> {
        let txn = self.begin_write().await?;
        let live = Catalog::service_for_command(&txn, id).await?;
        let key = authorize(principal, Operation::Edit, live.agency_id)?;
        let current = Catalog::working_copy(&txn, &live, Some(expected_version)).await?;
        let text = |field: &str, value: Option<String>, old: &str, limit: usize| match value {
            None => Ok(old.to_owned()),
            Some(v) => validate::required(&format!("input.{field}"), &v, limit),
        };
        let optional =
            |field: &str, value: Option<String>, old: &Option<String>, limit: usize| match value {
                None => Ok(old.clone()),
                Some(v) => validate::optional(&format!("input.{field}"), Some(&v), limit),
            };
        parts::replace_lists(&txn, &current, &changes).await?;
        let mut active: service::ActiveModel = current.clone().into();
        active.name = Set(text("name", changes.name, &current.name, max::NAME)?);
        active.summary = Set(text(
            "summary",
            changes.summary,
            &current.summary,
            max::SUMMARY,
        )?);
        active.description = Set(text(
            "description",
            changes.description,
            &current.description,
            max::DESCRIPTION,
        )?);
        active.eligibility_summary = Set(optional(
            "eligibilitySummary",
            changes.eligibility_summary,
            &current.eligibility_summary,
            max::ELIGIBILITY_SUMMARY,
        )?);
        active.fees = Set(optional("fees", changes.fees, &current.fees, max::FEES)?);
        active.processing_time = Set(optional(
            "processingTime",
            changes.processing_time,
            &current.processing_time,
            max::PROCESSING_TIME,
        )?);
        active.version = Set(current.version + 1);
        active.updated_at = Set(Utc::now());
        let updated = active.update(&txn).await?;
        audit(&txn, key, "service.update", Some(&current), &updated, None).await?;
        txn.commit().await?;
        Ok(updated)
    }

    /// Moves a service one step through the workflow. While a published service has a
    /// pending revision, submitting, publishing and requesting changes move the revision;
    /// archiving discards it.
    pub async fn transition_service(
        &self,
        principal: &Principal,
        id: i32,
        step: Transition,
    ) -> CatalogResult<service::Model> {
        let txn = self.begin_write().await?;
        let live = Catalog::service_for_command(&txn, id).await?;
        let key = authorize(principal, step.operation(), live.agency_id)?;
        let comment = match &step {
            Transition::RequestChanges { comment } => {
                Some(validate::required("input.comment", comment, max::COMMENT)?)
            }
            _ => None,
        };
        let pending = match step {
            Transition::Submit | Transition::Publish | Transition::RequestChanges { .. }
                if live.status == ServiceStatus::Published.as_str() =>
            {
                revision::pending(&txn, live.id).await?
            }
            _ => None,
        };
        let current = pending.as_ref().unwrap_or(&live);
        let from: ServiceStatus = current.status.parse()?;
        let to = step.target(from).ok_or_else(|| {
            let hint = if from == ServiceStatus::Published {
                "; edit it to open a pending revision, then submit that"
            } else {
                ""
            };
            conflict(
                "input.id",
                "INVALID_TRANSITION",
                format!(
                    "cannot {} a service that is {}{hint}",
                    step.action().trim_start_matches("service."),
                    from.as_str()
                ),
            )
        })?;
        let now = Utc::now();
        let updated = match (&pending, to) {
            (Some(rev), ServiceStatus::Published) => {
                let published = revision::apply(&txn, &live, rev, now).await?;
                audit(
                    &txn,
                    key,
                    step.action(),
                    Some(&live),
                    &published,
                    Some("published its pending revision"),
                )
                .await?;
                published
            }
            _ => {
                let mut active: service::ActiveModel = current.clone().into();
                active.status = Set(to.as_str().to_owned());
                active.version = Set(current.version + 1);
                active.updated_at = Set(now);
                if to == ServiceStatus::Published && current.published_at.is_none() {
                    active.published_at = Set(Some(now));
                }
                let updated = active.update(&txn).await?;
                let discarded = match to {
                    ServiceStatus::Archived => revision::pending(&txn, live.id).await?,
                    _ => None,
                };
                if let Some(rev) = &discarded {
                    revision::discard(&txn, rev).await?;
                }
                let note = discarded.map(|_| "its pending revision was discarded");
                audit(
                    &txn,
                    key,
                    step.action(),
                    Some(current),
                    &updated,
                    comment.as_deref().or(note),
                )
                .await?;
                updated
            }
        };
        txn.commit().await?;
        // A step on a pending revision answers with the service, which shows the revision.
        if updated.revision_of_id.is_some() {
            return Ok(live);
        }
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
