//! Commands that write services: create one, import many, edit one (its draft, or the
//! pending revision of a published one), and the frame every part edit runs in. Each checks
//! the caller with [`authorize`], checks its fields against the catalog's [`Names`] exactly
//! as a catalog document's services are checked, and is one transaction that also writes its
//! audit event and moves the catalog revision.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, QueryFilter, Set,
};
use serde_json::{Value, json};

use crate::catalog::error::{CatalogError, CatalogResult, ConflictCode};
use crate::catalog::names::Names;
use crate::catalog::principal::{KeyPrincipal, Operation, Principal, authorize};
use crate::catalog::service::channels::ChannelRow;
use crate::catalog::service::children::{
    Children, LinkRow, channel_insert_row, check_documents, document_row, jurisdiction_row,
    language_row, link_row, partner_row, term_row, trimmed,
};
use crate::catalog::service::fields::ServiceFields;
use crate::catalog::service::rules::{RuleGroupRow, replace_rules};
use crate::catalog::service::taken_by;
use crate::catalog::store::{INSERT_CHUNK, insert_all, unless_taken};
use crate::catalog::types::{JurisdictionCode, ServiceStatus, Slug};
use crate::catalog::validate::{max, max_items};
use crate::catalog::{Catalog, validate};
use crate::entity::{jurisdiction, language, service};

/// The most services one `servicesImport` call takes.
pub const MAX_IMPORT: usize = 500;

/// Changes to a service's text and lists; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ServiceChanges {
    pub name: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub eligibility_summary: Option<String>,
    pub fees: Option<String>,
    pub processing_time: Option<String>,
    /// What the agency checks that a pre-screen cannot, replacing the current list.
    pub agency_checks: Option<Vec<String>>,
    /// The program it is a listing of; an empty string clears it.
    pub program: Option<String>,
    /// The documents residents need, replacing the current list.
    pub required_documents: Option<Vec<crate::catalog::service::fields::DocumentFields>>,
    /// Codes of the jurisdictions served, replacing the current list (at least one).
    pub jurisdictions: Option<Vec<String>>,
    /// Codes of the languages offered, replacing the current list.
    pub languages: Option<Vec<String>>,
    /// Slugs of the partner agencies, replacing the current list.
    pub partner_agencies: Option<Vec<String>>,
    /// Taxonomy terms (`scheme:code`), replacing the current list.
    pub taxonomy_terms: Option<Vec<String>>,
}

/// Checks the version a caller last read (when given) against the record's `current` one.
pub(crate) fn expect_version(what: &str, current: i32, expected: Option<i32>) -> CatalogResult<()> {
    match expected {
        Some(expected) if expected != current => Err(CatalogError::conflict(
            "expectedVersion",
            ConflictCode::Stale,
            format!("the {what} is at version {current}, not {expected}; reload it and try again"),
        )),
        _ => Ok(()),
    }
}

/// A service as the audit trail records it.
pub(crate) fn snapshot(s: &service::Model) -> String {
    json!({
        "slug": s.slug, "name": s.name, "summary": s.summary, "description": s.description,
        "agencyId": s.agency_id, "eligibilitySummary": s.eligibility_summary, "fees": s.fees,
        "processingTime": s.processing_time, "agencyChecks": s.agency_checks.0,
        "program": s.program,
        "status": s.status, "version": s.version,
        "pendingRevision": s.revision_of_id.is_some(),
    })
    .to_string()
}

/// The id under which changes to `s` are recorded: a pending revision's are the service's.
pub(crate) fn record_id(s: &service::Model) -> i32 {
    s.revision_of_id.unwrap_or(s.id)
}

pub(crate) async fn audit(
    txn: &DatabaseTransaction,
    key: &KeyPrincipal,
    action: &str,
    before: Option<&service::Model>,
    after: &service::Model,
    comment: Option<&str>,
) -> CatalogResult<()> {
    crate::catalog::audit::record(
        txn,
        Some(key),
        service_change(action, before, after, comment),
    )
    .await
}

/// The audit record of a change to a service.
pub(crate) fn service_change<'a>(
    action: &'a str,
    before: Option<&service::Model>,
    after: &service::Model,
    comment: Option<&'a str>,
) -> crate::catalog::audit::Change<'a> {
    crate::catalog::audit::Change {
        action,
        record_type: "Service",
        record_id: record_id(after),
        agency_id: Some(after.agency_id),
        before: before.map(snapshot),
        after: Some(snapshot(after)),
        comment,
    }
}

/// What an edit of a part did: its result, and the part before and after for the audit.
pub(crate) struct Edited<T> {
    pub value: T,
    pub before: Option<Value>,
    pub after: Option<Value>,
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
        let names = Names::load(txn).await?;
        if let Some(slugs) = &changes.partner_agencies {
            rows.partners(&names.partner_ids("partnerAgencies", slugs, service.agency_id)?)
                .await?;
        }
        if let Some(terms) = &changes.taxonomy_terms {
            rows.terms(&names.term_ids("taxonomyTerms", terms)?).await?;
        }
    }
    if let Some(documents) = &changes.required_documents {
        rows.documents(&check_documents("requiredDocuments", documents)?)
            .await?;
    }
    if let Some(codes) = &changes.jurisdictions {
        let field = "jurisdictions";
        validate::count(field, codes.len(), 1, max_items::JURISDICTIONS)?;
        rows.jurisdictions(&resolve_codes(txn, field, codes).await?)
            .await?;
    }
    if let Some(codes) = &changes.languages {
        let field = "languages";
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
pub(crate) async fn resolve_codes(
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
    /// Creates a service as a `DRAFT` of its agency, validated like a catalog document.
    pub async fn create_service(
        &self,
        principal: &Principal,
        mut doc: ServiceFields,
    ) -> CatalogResult<service::Model> {
        let slug = Slug::parse("agency", &doc.agency)?;
        let owner = self.agency_by_slug(&slug).await?.ok_or_else(|| {
            CatalogError::bad_input("agency", format!("unknown agency `{}`", doc.agency))
        })?;
        let key = authorize(principal, Operation::Create, owner.id)?;
        doc.status = Some(ServiceStatus::Draft.as_str().to_owned());
        let txn = self.begin_private_write().await?;
        let created = unless_taken(
            &txn,
            &["ux_service_slug", "ux_service_agency_id_external_id"],
            async |txn| match Catalog::insert_services_in(txn, &[("".to_owned(), &doc)]).await? {
                Ok(mut services) => services
                    .pop()
                    .ok_or_else(|| CatalogError::internal("created service vanished")),
                Err(mut errors) => Err(errors
                    .pop()
                    .unwrap_or_else(|| CatalogError::internal("a create failed without a reason"))),
            },
            // A re-sent create (same agency and externalId) finds the service it made before;
            // that is checked first, as a re-sent create also repeats the slug.
            async |txn, _| {
                let by_external = match doc.external_id.as_deref().map(str::trim) {
                    Some(external) if !external.is_empty() => service::Entity::find()
                        .filter(service::Column::AgencyId.eq(owner.id))
                        .filter(service::Column::ExternalId.eq(external))
                        .filter(service::Column::RevisionOfId.is_null())
                        .one(txn)
                        .await?
                        .map(|holder| (external, holder)),
                    _ => None,
                };
                if let Some((external, holder)) = by_external {
                    return Ok(taken_by(
                        principal,
                        "externalId",
                        external,
                        Some(&holder),
                        |h| {
                            format!(
                                "{} already has a service with externalId `{external}`: `{}`",
                                owner.slug, h.slug
                            )
                        },
                    ));
                }
                let slug = doc.slug.trim();
                let holder = service::Entity::find()
                    .filter(service::Column::Slug.eq(slug))
                    .filter(service::Column::RevisionOfId.is_null())
                    .one(txn)
                    .await?;
                Ok(taken_by(principal, "slug", slug, holder.as_ref(), |_| {
                    format!("the slug `{slug}` is taken")
                }))
            },
        )
        .await?;
        audit(&txn, key, "service.create", None, &created, None).await?;
        self.commit(txn).await?;
        Ok(created)
    }

    /// Creates up to [`MAX_IMPORT`] services as drafts in one transaction: all or nothing.
    /// Every item is checked first (authorization, taken slugs and external ids, duplicates
    /// in the batch); the errors of all items come back together, each under
    /// `input.services[i]`.
    pub async fn import_services(
        &self,
        principal: &Principal,
        mut docs: Vec<ServiceFields>,
    ) -> CatalogResult<Result<Vec<service::Model>, Vec<CatalogError>>> {
        // Who asks comes first: nothing is looked up for a caller without a key.
        let Principal::Key(key) = principal else {
            return Err(CatalogError::unauthenticated(
                "servicesImport needs an API key (Authorization: Bearer <token>)",
            ));
        };
        if docs.is_empty() || docs.len() > MAX_IMPORT {
            return Err(CatalogError::bad_input(
                "services",
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
                    format!("services[{i}].agency"),
                    format!("unknown agency `{}`", doc.agency),
                )),
            }
        }
        let txn = self.begin_private_write().await?;
        // The live services already holding one of these slugs or external ids, read in
        // one statement each.
        let taken_slugs: HashMap<String, service::Model> = service::Entity::find()
            .filter(service::Column::Slug.is_in(docs.iter().map(|d| d.slug.as_str())))
            .filter(service::Column::RevisionOfId.is_null())
            .all(&txn)
            .await?
            .into_iter()
            .map(|s| (s.slug.clone(), s))
            .collect();
        let external_ids: Vec<&str> = docs
            .iter()
            .filter_map(|d| d.external_id.as_deref())
            .collect();
        let taken_externals: HashMap<(i32, String), service::Model> = if external_ids.is_empty() {
            HashMap::new()
        } else {
            service::Entity::find()
                .filter(service::Column::ExternalId.is_in(external_ids))
                .filter(service::Column::RevisionOfId.is_null())
                .all(&txn)
                .await?
                .into_iter()
                .filter_map(|s| Some(((s.agency_id, s.external_id.clone()?), s)))
                .collect()
        };
        let mut slugs = HashSet::new();
        let mut externals = HashSet::new();
        for (i, doc) in docs.iter().enumerate() {
            if !slugs.insert(doc.slug.clone()) {
                errors.push(CatalogError::conflict(
                    format!("services[{i}].slug"),
                    ConflictCode::Taken,
                    format!("`{}` appears twice in this import", doc.slug),
                ));
            }
            if let Some(holder) = taken_slugs.get(&doc.slug) {
                errors.push(taken_by(
                    principal,
                    &format!("services[{i}].slug"),
                    &doc.slug,
                    Some(holder),
                    |_| format!("the slug `{}` is taken", doc.slug),
                ));
            }
            if let (Some(external), Some(Some(agency))) =
                (doc.external_id.as_deref(), agencies.get(&doc.agency))
            {
                let key = (agency.id, external.to_owned());
                if let Some(holder) = taken_externals.get(&key) {
                    errors.push(taken_by(
                        principal,
                        &format!("services[{i}].externalId"),
                        external,
                        Some(holder),
                        |h| format!("`{external}` is taken by `{}`", h.slug),
                    ));
                }
                if !externals.insert(key) {
                    errors.push(CatalogError::conflict(
                        format!("services[{i}].externalId"),
                        ConflictCode::Taken,
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
        let items: Vec<(String, &ServiceFields)> = docs
            .iter()
            .enumerate()
            .map(|(i, d)| (format!("services[{i}]"), d))
            .collect();
        // The check above read the holders; a create that commits in between is caught by
        // the unique indexes and answered the same way, never as an internal error.
        let created = unless_taken(
            &txn,
            &["ux_service_slug", "ux_service_agency_id_external_id"],
            async |txn| Ok(Catalog::insert_services_in(txn, &items).await?),
            async |_, index| {
                Ok(CatalogError::taken(
                    if index == "ux_service_slug" {
                        "services.slug"
                    } else {
                        "services.externalId"
                    },
                    "a service created at the same time took this value: send the import again",
                    "Service",
                    None,
                ))
            },
        )
        .await;
        let created = match created {
            Ok(Ok(created)) => created,
            Ok(Err(invalid)) => return Ok(Err(invalid)),
            Err(err @ CatalogError::Conflict { .. }) => return Ok(Err(vec![err])),
            Err(err) => return Err(err),
        };
        crate::catalog::audit::record_all(
            &txn,
            Some(key),
            created
                .iter()
                .map(|row| service_change("service.create", None, row, Some("servicesImport")))
                .collect(),
        )
        .await?;
        self.commit(txn).await?;
        Ok(Ok(created))
    }

    /// A service by id (named by the command's `field`), whatever its status, for commands
    /// (never a pending revision: those are reached through their service).
    pub(crate) async fn service_for_command(
        txn: &DatabaseTransaction,
        (field, id): (&str, i32),
    ) -> CatalogResult<service::Model> {
        service::Entity::find_by_id(id)
            .filter(service::Column::DeletedAt.is_null())
            .filter(service::Column::RevisionOfId.is_null())
            .one(txn)
            .await?
            .ok_or_else(|| CatalogError::not_found(field, "service"))
    }

    /// The row an edit of `live` changes, once `expected_version` (when given) is checked
    /// against it: the service itself while it is a `DRAFT`; for a `PUBLISHED` service, its
    /// pending revision, opened by this edit when there is none. Services in review and
    /// archived ones cannot be edited.
    pub(crate) async fn working_copy(
        txn: &DatabaseTransaction,
        field: &str,
        live: &service::Model,
        expected_version: Option<i32>,
    ) -> CatalogResult<service::Model> {
        let status: ServiceStatus = live.status;
        let (current, open) = match status {
            ServiceStatus::Draft => (live.clone(), false),
            ServiceStatus::Published => match super::revision::pending(txn, live.id).await? {
                Some(rev) if rev.status == ServiceStatus::Draft => (rev, false),
                Some(_) => {
                    return Err(CatalogError::conflict(
                        field,
                        ConflictCode::InvalidTransition,
                        "its pending revision is in review: a reviewer publishes it or requests changes first",
                    ));
                }
                None => (live.clone(), true),
            },
            ServiceStatus::InReview => {
                return Err(CatalogError::conflict(
                    field,
                    ConflictCode::InvalidTransition,
                    "the service is in review: a reviewer publishes it or requests changes first",
                ));
            }
            ServiceStatus::Archived => {
                return Err(CatalogError::conflict(
                    field,
                    ConflictCode::InvalidTransition,
                    "the service is archived: restore it first",
                ));
            }
        };
        expect_version("service", current.version, expected_version)?;
        if open {
            super::revision::open(txn, live, Utc::now()).await
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
        let txn = self.begin_private_write().await?;
        let live = Catalog::service_for_command(&txn, ("id", id)).await?;
        let key = authorize(principal, Operation::Edit, live.agency_id)?;
        let current = Catalog::working_copy(&txn, "id", &live, Some(expected_version)).await?;
        let text = |field: &str, value: Option<String>, old: &str, limit: usize| match value {
            None => Ok(old.to_owned()),
            Some(v) => validate::required(field, &v, limit),
        };
        let optional =
            |field: &str, value: Option<String>, old: &Option<String>, limit: usize| match value {
                None => Ok(old.clone()),
                Some(v) => validate::optional(field, Some(&v), limit),
            };
        replace_lists(&txn, &current, &changes).await?;
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
        if let Some(checks) = &changes.agency_checks {
            active.agency_checks = Set(service::AgencyChecks(validate::agency_checks(
                "agencyChecks",
                checks,
            )?));
        }
        if let Some(program) = changes.program.as_deref().map(str::trim) {
            active.program = Set((!program.is_empty())
                .then(|| Slug::parse("program", program).map(|p| p.as_str().to_owned()))
                .transpose()?);
        }
        active.version = Set(current.version + 1);
        active.updated_at = Set(Utc::now());
        let updated = active.update(&txn).await?;
        audit(&txn, key, "service.update", Some(&current), &updated, None).await?;
        self.commit(txn).await?;
        Ok(updated)
    }

    /// Inserts new services (their slugs free) and everything they own inside `txn`,
    /// validating each exactly as a catalog document is validated, errors naming fields
    /// under each item's path. Every mistake of every item comes back at once, and then
    /// nothing is written; otherwise each table takes one statement for all the services.
    /// Returns the services in the order given.
    pub(crate) async fn insert_services_in(
        txn: &DatabaseTransaction,
        items: &[(String, &ServiceFields)],
    ) -> CatalogResult<Result<Vec<service::Model>, Vec<CatalogError>>> {
        let names = Names::load(txn).await?;
        let now = Utc::now();
        let mut checked = Vec::with_capacity(items.len());
        let mut errors = Vec::new();
        for (path, doc) in items {
            match names.check_service(path, doc) {
                Ok(c) => checked.push(c),
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        let mut inserted = Vec::with_capacity(items.len());
        for chunk in items
            .iter()
            .zip(&checked)
            .collect::<Vec<_>>()
            .chunks(INSERT_CHUNK)
        {
            let rows = chunk.iter().map(|((_, doc), c)| {
                let mut row: service::ActiveModel = service_row(doc, c, None, now).into();
                row.id = NotSet;
                row
            });
            inserted.extend(
                service::Entity::insert_many(rows)
                    .exec_with_returning(txn)
                    .await?,
            );
        }
        // RETURNING gives no promise of order: match rows to items by their unique slug.
        let mut by_slug: HashMap<String, service::Model> =
            inserted.into_iter().map(|m| (m.slug.clone(), m)).collect();
        let services = checked
            .iter()
            .map(|c| {
                by_slug
                    .remove(c.slug.as_str())
                    .ok_or_else(|| CatalogError::internal("an inserted service did not return"))
            })
            .collect::<CatalogResult<Vec<_>>>()?;
        // Each table's rows for every service are gathered first, then written in one go.
        let mut partners = Vec::new();
        let mut jurisdictions = Vec::new();
        let mut languages = Vec::new();
        let mut terms = Vec::new();
        let mut documents = Vec::new();
        let mut channels = Vec::new();
        let mut links = Vec::new();
        for (service, c) in services.iter().zip(&checked) {
            let (id, children) = (service.id, &c.children);
            partners.extend(children.partners.iter().map(|a| partner_row(id, a)));
            jurisdictions.extend(
                children
                    .jurisdictions
                    .iter()
                    .map(|j| jurisdiction_row(id, j)),
            );
            languages.extend(children.languages.iter().map(|l| language_row(id, l)));
            terms.extend(children.terms.iter().map(|t| term_row(id, t)));
            documents.extend(
                children
                    .documents
                    .iter()
                    .enumerate()
                    .map(|(i, d)| document_row(id, i, d)),
            );
            channels.extend(
                children
                    .channels
                    .iter()
                    .enumerate()
                    .map(|(i, ch)| channel_insert_row(id, i, ch)),
            );
            links.extend(children.links.iter().map(|l| link_row(id, l)));
        }
        insert_all(txn, partners.into_iter()).await?;
        insert_all(txn, jurisdictions.into_iter()).await?;
        insert_all(txn, languages.into_iter()).await?;
        insert_all(txn, terms.into_iter()).await?;
        insert_all(txn, documents.into_iter()).await?;
        insert_all(txn, channels.into_iter()).await?;
        insert_all(txn, links.into_iter()).await?;
        for (service, c) in services.iter().zip(&checked) {
            if !c.children.rules.is_empty() {
                replace_rules(txn, service.id, &c.children.rules).await?;
            }
        }
        Ok(Ok(services))
    }

    /// Runs `edit` on the part of service `service_id` it changes, as described in the
    /// module docs, and records it under `action`. Returns what was edited (the draft or
    /// pending revision) and the edit's result.
    pub(crate) async fn edit_part<T>(
        &self,
        principal: &Principal,
        (field, service_id): (&str, i32),
        expected_version: Option<i32>,
        action: &str,
        edit: impl AsyncFnOnce(&DatabaseTransaction, &service::Model) -> CatalogResult<Edited<T>>,
    ) -> CatalogResult<(service::Model, T)> {
        let txn = self.begin_private_write().await?;
        let live = Catalog::service_for_command(&txn, (field, service_id)).await?;
        let key = authorize(principal, Operation::Edit, live.agency_id)?;
        let work = Catalog::working_copy(&txn, field, &live, expected_version).await?;
        let edited = edit(&txn, &work).await?;
        let work = Catalog::touch(&txn, &work).await?;
        crate::catalog::audit::record(
            &txn,
            Some(key),
            crate::catalog::audit::Change {
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
        self.commit(txn).await?;
        Ok((work, edited.value))
    }
}

pub(crate) struct CheckedService {
    pub(crate) slug: Slug,
    pub(crate) agency_id: i32,
    pub(crate) status: ServiceStatus,
    pub(crate) children: ServiceChildren,
}

pub(crate) struct ServiceChildren {
    pub(crate) partners: Vec<i32>,
    pub(crate) jurisdictions: Vec<i32>,
    pub(crate) languages: Vec<i32>,
    pub(crate) terms: Vec<i32>,
    pub(crate) documents: Vec<(String, Option<String>)>,
    pub(crate) channels: Vec<ChannelRow>,
    pub(crate) links: Vec<LinkRow>,
    pub(crate) rules: Vec<RuleGroupRow>,
}

/// The service row `doc` describes, keeping `existing`'s identity, version and dates.
pub(crate) fn service_row(
    doc: &ServiceFields,
    checked: &CheckedService,
    existing: Option<&service::Model>,
    now: chrono::DateTime<Utc>,
) -> service::Model {
    let status = checked.status;
    service::Model {
        id: existing.map_or(0, |e| e.id),
        slug: checked.slug.as_str().to_owned(),
        name: doc.name.trim().to_owned(),
        summary: doc.summary.trim().to_owned(),
        description: doc.description.trim().to_owned(),
        agency_id: checked.agency_id,
        eligibility_summary: trimmed(&doc.eligibility_summary),
        fees: trimmed(&doc.fees),
        processing_time: trimmed(&doc.processing_time),
        status,
        version: existing.map_or(1, |e| e.version),
        created_at: existing.map_or(now, |e| e.created_at),
        updated_at: existing.map_or(now, |e| e.updated_at),
        published_at: existing
            .and_then(|e| e.published_at)
            .or((status == ServiceStatus::Published).then_some(now)),
        deleted_at: None,
        external_id: doc
            .external_id
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(str::to_owned),
        revision_of_id: None,
        agency_checks: service::AgencyChecks(
            doc.agency_checks
                .iter()
                .map(|c| c.trim().to_owned())
                .collect(),
        ),
        program: doc.program.clone(),
    }
}
