//! Services: what a resident can get, from which agency, through which channels. Who may
//! see which service is decided here ([`visible_to`]); reading, writing, the editorial
//! workflow, pending revisions and each part of a service have a module of their own.

pub mod channels;
pub mod children;
pub mod fields;
pub mod links;
pub mod read;
pub mod revision;
pub mod rules;
pub mod workflow;
pub mod write;

use sea_orm::sea_query::{Expr, ExprTrait, IntoColumnRef, Query, SimpleExpr};
use sea_orm::{ColumnTrait, Condition};

use crate::catalog::error::CatalogError;
use crate::catalog::principal::Principal;
use crate::catalog::types::{
    ChannelKind, JurisdictionCode, RelationDirection, RelationKind, Role, ServiceStatus, Slug,
};
use crate::entity::{eligibility_rule, eligibility_rule_group, service};

/// Filters on the service list. Every field narrows the result; `None` does not filter.
#[derive(Debug, Clone, Default)]
pub struct ServiceFilter {
    /// Services owned by, or delivered in partnership with, this agency.
    pub agency: Option<Slug>,
    /// Services linked to this life event.
    pub life_event: Option<Slug>,
    /// Services available to a resident of this jurisdiction: those serving it or any
    /// jurisdiction above it.
    pub jurisdiction: Option<JurisdictionCode>,
    /// Services offering a channel of this kind.
    pub channel_kind: Option<ChannelKind>,
    /// Services changed strictly after this instant.
    pub modified_after: Option<chrono::DateTime<chrono::Utc>>,
    /// Case-insensitive text contained in the name or summary.
    pub search: Option<String>,
    /// Services in this lifecycle status (of those the viewer may read).
    pub status: Option<ServiceStatus>,
    /// `true`: services waiting for a reviewer, in review themselves or through a pending
    /// revision in review (of those the viewer may read); `false`: the others.
    pub awaiting_review: Option<bool>,
}

/// A relation between two services, seen from one of them.
#[derive(Debug, Clone)]
pub struct RelatedService {
    /// The kind of relation, read in `direction`.
    pub kind: RelationKind,
    /// Why the services are related, in words for residents.
    pub reason: String,
    /// Whether the relation points from or to the service being read.
    pub direction: RelationDirection,
    /// The other service's id.
    pub service_id: i32,
}

/// A rule group with its rules, in order.
#[derive(Debug, Clone)]
pub struct RuleGroup {
    /// The group.
    pub group: eligibility_rule_group::Model,
    /// Its rules.
    pub rules: Vec<eligibility_rule::Model>,
}

impl RuleGroup {
    /// Its rules, in order, each with its group's mode and position.
    pub fn into_rules(
        self,
    ) -> impl Iterator<Item = (eligibility_rule::Model, super::types::RuleGroupMode, i32)> {
        let (mode, position) = (self.group.mode, self.group.position);
        self.rules
            .into_iter()
            .map(move |rule| (rule, mode, position))
    }
}

/// The condition every publicly visible service meets: published and not deleted.
pub(crate) fn published() -> Condition {
    Condition::all()
        .add(service::Column::Status.eq(ServiceStatus::Published))
        .add(service::Column::DeletedAt.is_null())
}

/// Whether residents see `service`: the row form of [`published`].
pub fn is_public(service: &service::Model) -> bool {
    service.status == ServiceStatus::Published && service.deleted_at.is_none()
}

/// The services `viewer` may read: the public sees published ones; an EDITOR also sees
/// every service of their agency, a REVIEWER those in review, and an ADMIN all of them.
/// Deleted services are nobody's. Links and relations between services stay public-only.
/// Pending revisions match like drafts; lists and slug look-ups leave them out, as they are
/// read through their service.
pub fn visible_to(viewer: &Principal) -> Condition {
    let not_deleted = Condition::all().add(service::Column::DeletedAt.is_null());
    let is_published = service::Column::Status.eq(ServiceStatus::Published);
    match viewer {
        Principal::Anonymous => published(),
        Principal::Key(key) => match key.role {
            Role::Admin => not_deleted,
            Role::Reviewer => not_deleted.add(
                Condition::any()
                    .add(is_published)
                    .add(service::Column::Status.eq(ServiceStatus::InReview)),
            ),
            Role::Editor => not_deleted.add(
                Condition::any()
                    .add(is_published)
                    .add(service::Column::AgencyId.eq(key.agency_id.unwrap_or(0))),
            ),
        },
    }
}

/// Whether `viewer` may read `service`: the row form of [`visible_to`].
pub fn can_read(viewer: &Principal, service: &service::Model) -> bool {
    if service.deleted_at.is_some() {
        return false;
    }
    let published = service.status == ServiceStatus::Published;
    match viewer {
        Principal::Anonymous => published,
        Principal::Key(key) => match key.role {
            Role::Admin => true,
            Role::Reviewer => published || service.status == ServiceStatus::InReview,
            Role::Editor => published || key.agency_id == Some(service.agency_id),
        },
    }
}

/// The `TAKEN` error for a unique value `holder` already has: with the holder's id when
/// `viewer` may read it, else without, in words that do not say what holds it.
/// `said` words the error for a holder the viewer may read.
pub(crate) fn taken_by(
    viewer: &Principal,
    field: &str,
    value: &str,
    holder: Option<&service::Model>,
    said: impl FnOnce(&service::Model) -> String,
) -> CatalogError {
    match holder {
        Some(holder) if can_read(viewer, holder) => {
            CatalogError::taken(field, said(holder), "Service", holder.id)
        }
        _ => CatalogError::taken(
            field,
            format!("`{value}` is not available: choose another"),
            "Service",
            None,
        ),
    }
}

/// Whether the service that `column` (a service id in another table) points at is
/// published: a correlated `EXISTS`, which both databases answer with one primary-key
/// lookup per row. (`column IN (SELECT id FROM service ...)` beside an `IN (ids)` on the
/// same composite index made SQLite probe every pair, quadratic in the catalog's size.)
pub(crate) fn points_at_published(column: impl IntoColumnRef) -> SimpleExpr {
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(service::Entity)
            .and_where(Expr::col((service::Entity, service::Column::Id)).equals(column))
            .cond_where(published())
            .to_owned(),
    )
}
