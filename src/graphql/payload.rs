//! The one conversion from a catalog command's result to a mutation payload: the value, or
//! `userErrors` for anything the caller can fix. Catalog errors name fields relative to the
//! command; every mutation takes one `input`, so the paths clients see start there.

use async_graphql::{Context, Enum, ID, Result, SimpleObject};

use super::context::{catalog, principal};
use crate::catalog::Catalog;
use crate::catalog::principal::Principal;

use super::node::{NodeKind, global_id};
use crate::catalog::CatalogError;
use crate::catalog::error::ConflictCode;

/// The argument every mutation takes.
const INPUT: &str = "input";

/// What kind of mistake a user error is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserErrorCode {
    /// Malformed or out of range.
    Invalid,
    /// A unique value already in use (`existingId` names its holder when you may read it).
    Taken,
    /// Someone changed the record since you read it: reload it and try again.
    Stale,
    /// Not allowed in the record's current state.
    InvalidTransition,
    /// Other records depend on it.
    InUse,
    /// The record it names does not exist, or is not visible to you.
    NotFound,
}

impl From<ConflictCode> for UserErrorCode {
    fn from(code: ConflictCode) -> Self {
        match code {
            ConflictCode::Taken => Self::Taken,
            ConflictCode::Stale => Self::Stale,
            ConflictCode::InvalidTransition => Self::InvalidTransition,
            ConflictCode::InUse => Self::InUse,
        }
    }
}

/// Something in the input the caller can fix.
#[derive(SimpleObject, Debug, Clone)]
pub struct UserError {
    /// The path to the offending input field, e.g. `["input", "channels", "0", "url"]`.
    pub field: Vec<String>,
    /// What is wrong, in words for the developer.
    pub message: String,
    /// A stable code saying what kind of mistake it is.
    pub code: UserErrorCode,
    /// For `TAKEN`: the global id of the record that already holds the value (a re-sent
    /// create finds the record it made the first time).
    pub existing_id: Option<ID>,
}

/// `channels[0].url` under `input` as `["input", "channels", "0", "url"]`.
fn path(field: &str) -> Vec<String> {
    std::iter::once(INPUT.to_owned())
        .chain(
            field
                .replace('[', ".")
                .replace(']', "")
                .split('.')
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
        )
        .collect()
}

/// The user error a catalog error becomes, or the GraphQL error itself when the caller
/// cannot fix it by changing the input (authentication, permissions, internal errors).
fn user_error(err: CatalogError) -> Result<UserError> {
    let (field, message, code, existing) = match err {
        CatalogError::BadInput { field, message } => (field, message, UserErrorCode::Invalid, None),
        CatalogError::Conflict {
            field,
            code,
            message,
            existing,
        } => (field, message, code.into(), existing),
        CatalogError::NotFound { field, what } => (
            field,
            format!("{what} not found"),
            UserErrorCode::NotFound,
            None,
        ),
        other => return Err(other.into()),
    };
    Ok(UserError {
        field: path(&field),
        message,
        code,
        existing_id: existing
            .and_then(|(kind, id)| NodeKind::named(kind).map(|kind| global_id(kind, id))),
    })
}

/// Splits a command's outcome into its value or user errors.
pub fn outcome<T>(result: Result<T, CatalogError>) -> Result<(Option<T>, Vec<UserError>)> {
    outcome_all(result.map_err(|err| vec![err]))
}

/// [`outcome`] for commands that report every mistake at once (bulk imports).
pub fn outcome_all<T>(result: Result<T, Vec<CatalogError>>) -> Result<(Option<T>, Vec<UserError>)> {
    match result {
        Ok(value) => Ok((Some(value), Vec::new())),
        Err(errors) => Ok((
            None,
            errors.into_iter().map(user_error).collect::<Result<_>>()?,
        )),
    }
}

/// Declares a payload carrying one record (`null` when `userErrors` is not empty).
macro_rules! record_payload {
    ($(#[$meta:meta])* $payload:ident { $field:ident: $ty:ty }) => {
        $(#[$meta])*
        #[derive(async_graphql::SimpleObject, Debug, Clone)]
        pub struct $payload {
            /// The record after the change, or `null` when `userErrors` is not empty.
            pub $field: Option<$ty>,
            /// What to fix; nothing was written when this is not empty.
            pub user_errors: Vec<$crate::graphql::payload::UserError>,
        }

        impl $payload {
            fn from<M>(
                result: Result<M, $crate::catalog::CatalogError>,
                wrap: impl FnOnce(M) -> $ty,
            ) -> async_graphql::Result<Self> {
                let (value, user_errors) = $crate::graphql::payload::outcome(result)?;
                Ok(Self { $field: value.map(wrap), user_errors })
            }
        }
    };
}

pub(crate) use record_payload;

/// Runs `command` with the catalog and the caller on the row id (or ids) `id` names; a
/// malformed id comes back as the command's user error. The outer error is internal (the
/// schema was built without its catalog).
pub async fn on_row<R, T>(
    ctx: &Context<'_>,
    id: Result<R, CatalogError>,
    command: impl AsyncFnOnce(&Catalog, &Principal, R) -> Result<T, CatalogError>,
) -> Result<Result<T, CatalogError>> {
    let catalog = catalog(ctx)?;
    Ok(match id {
        Ok(row) => command(catalog, principal(ctx), row).await,
        Err(err) => Err(err),
    })
}
