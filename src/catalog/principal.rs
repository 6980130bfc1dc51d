//! Who is calling, and what they may do: the principal behind a request, and the one
//! authorization rule per operation ([`authorize`] for services, [`require_admin`] for the
//! catalog's shared records).

use crate::catalog::error::{CatalogError, CatalogResult};
use crate::catalog::types::Role;

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// No credentials: may read published data.
    Anonymous,
    /// A valid, unrevoked API key.
    Key(KeyPrincipal),
}

/// The holder of an API key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPrincipal {
    pub key_id: i32,
    pub name: String,
    pub role: Role,
    /// The agency an EDITOR works for.
    pub agency_id: Option<i32>,
}

/// The ADMIN key behind `principal`, or why not; `what` says what it is needed for
/// ("manage API keys").
pub(crate) fn require_admin<'a>(
    principal: &'a Principal,
    what: &str,
) -> CatalogResult<&'a KeyPrincipal> {
    match principal {
        Principal::Key(key) if key.role == Role::Admin => Ok(key),
        Principal::Key(key) => Err(CatalogError::Forbidden {
            message: format!(
                "only ADMIN keys {what}; this is a {} key",
                key.role.as_str()
            ),
        }),
        Principal::Anonymous => Err(CatalogError::unauthenticated(format!(
            "only ADMIN keys {what}: send `Authorization: Bearer <token>`"
        ))),
    }
}

/// The key behind `principal` when it may read an agency's internal records (its services'
/// history, residents' comments): ADMIN and REVIEWER keys, and EDITOR keys of that agency.
/// `what` names the records in the refusal ("its history").
pub(crate) fn require_agency_staff<'a>(
    principal: &'a Principal,
    agency_id: i32,
    what: &str,
) -> CatalogResult<&'a KeyPrincipal> {
    match principal {
        Principal::Key(key) if key.role != Role::Editor || key.agency_id == Some(agency_id) => {
            Ok(key)
        }
        Principal::Key(_) => Err(CatalogError::Forbidden {
            message: format!("only this agency's editors, reviewers and admins see {what}"),
        }),
        Principal::Anonymous => Err(CatalogError::Unauthenticated {
            message: format!("{what} needs an API key: send `Authorization: Bearer <token>`"),
        }),
    }
}

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
    /// Report what the agency's systems measured of it (UX metrics).
    ReportMetrics,
}

/// The one authorization rule for service commands:
/// - ADMIN: everything;
/// - REVIEWER: publish, or send back with requested changes;
/// - EDITOR: create, edit, submit, archive and restore the services of their own agency,
///   and report their UX metrics;
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
                        | Operation::ReportMetrics
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

pub(crate) const ADMINISTER: &str = "administer jurisdictions, agencies, life events and criteria";
