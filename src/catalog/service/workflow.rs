//! The editorial workflow of a service: `DRAFT -> IN_REVIEW -> PUBLISHED -> ARCHIVED`, back
//! to `DRAFT` on requested changes or restore; each step authorized, audited, and one
//! transaction.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, DatabaseTransaction, Set};

use crate::catalog::error::{CatalogError, CatalogResult, ConflictCode};
use crate::catalog::principal::{Operation, Principal, authorize};
use crate::catalog::service::write::audit;
use crate::catalog::types::ServiceStatus;
use crate::catalog::validate::max;
use crate::catalog::{Catalog, validate};
use crate::entity::service;

/// The most services one bulk step may move.
pub const MAX_BULK: usize = 500;

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

impl Catalog {
    /// Moves a service one step through the workflow. While a published service has a
    /// pending revision, submitting, publishing and requesting changes move the revision;
    /// archiving discards it.
    pub async fn transition_service(
        &self,
        principal: &Principal,
        id: i32,
        step: Transition,
    ) -> CatalogResult<service::Model> {
        let txn = self.begin_private_write().await?;
        let moved = Self::transition_in(&txn, principal, id, &step).await?;
        self.commit(txn).await?;
        Ok(moved)
    }

    /// Moves each of `ids` one step, all or nothing (`servicesSubmitForReview`,
    /// `servicesPublish`): every refusal comes back under `ids[<index>]`, and nothing is
    /// written unless every one can move. Each service gets its own audit event. The outer
    /// error is one nobody can fix by changing the list (internal, or too many ids).
    pub async fn transition_services(
        &self,
        principal: &Principal,
        ids: &[CatalogResult<i32>],
        step: Transition,
    ) -> CatalogResult<Result<Vec<service::Model>, Vec<CatalogError>>> {
        validate::count("ids", ids.len(), 1, MAX_BULK)?;
        let txn = self.begin_private_write().await?;
        let (mut moved, mut refused) = (Vec::new(), Vec::new());
        for (i, id) in ids.iter().enumerate() {
            let at = format!("ids[{i}]");
            let result = match id {
                Ok(id) => Self::transition_in(&txn, principal, *id, &step).await,
                Err(err) => Err(err.clone()),
            };
            match result {
                Ok(service) => moved.push(service),
                Err(err) if err.is_fixable() => refused.push(err.placed_at(&at)),
                Err(err) => return Err(err),
            }
        }
        if !refused.is_empty() {
            return Ok(Err(refused));
        }
        self.commit(txn).await?;
        Ok(Ok(moved))
    }

    async fn transition_in(
        txn: &DatabaseTransaction,
        principal: &Principal,
        id: i32,
        step: &Transition,
    ) -> CatalogResult<service::Model> {
        let live = Catalog::service_for_command(txn, ("id", id)).await?;
        let key = authorize(principal, step.operation(), live.agency_id)?;
        let comment = match &step {
            Transition::RequestChanges { comment } => {
                Some(validate::required("comment", comment, max::COMMENT)?)
            }
            _ => None,
        };
        let pending = match *step {
            Transition::Submit | Transition::Publish | Transition::RequestChanges { .. }
                if live.status == ServiceStatus::Published =>
            {
                super::revision::pending(txn, live.id).await?
            }
            _ => None,
        };
        let current = pending.as_ref().unwrap_or(&live);
        let from: ServiceStatus = current.status;
        let to = step.target(from).ok_or_else(|| {
            let hint = if from == ServiceStatus::Published {
                "; edit it to open a pending revision, then submit that"
            } else {
                ""
            };
            CatalogError::conflict(
                "id",
                ConflictCode::InvalidTransition,
                format!(
                    "cannot {} a service that is {}{hint}",
                    step.action().trim_start_matches("service."),
                    from.as_str()
                ),
            )
        })?;
        // Residents see the change when it publishes, or takes down, a published service.
        if to == ServiceStatus::Published || live.status == ServiceStatus::Published {
            Catalog::touch_public_service(txn, live.id).await?;
        }
        let now = Utc::now();
        let updated = match (&pending, to) {
            (Some(rev), ServiceStatus::Published) => {
                let published = super::revision::apply(txn, &live, rev, now).await?;
                audit(
                    txn,
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
                active.status = Set(to);
                active.version = Set(current.version + 1);
                active.updated_at = Set(now);
                if to == ServiceStatus::Published && current.published_at.is_none() {
                    active.published_at = Set(Some(now));
                }
                let updated = active.update(txn).await?;
                let discarded = match to {
                    ServiceStatus::Archived => super::revision::pending(txn, live.id).await?,
                    _ => None,
                };
                if let Some(rev) = &discarded {
                    super::revision::discard(txn, rev).await?;
                }
                let note = discarded.map(|_| "its pending revision was discarded");
                audit(
                    txn,
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
        // A step on a pending revision answers with the revision it moved (publishing one
        // answers with the service it became).
        Ok(updated)
    }
}
