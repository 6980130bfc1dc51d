//! `CatalogError`: every way a catalog operation can fail, in terms a caller can act on.
//!
//! It deliberately does not implement `Display`: the GraphQL layer maps it explicitly, so an
//! internal error can never reach a client through a blanket `From<T: Display>` conversion.

use sea_orm::DbErr;

/// Why a catalog operation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogError {
    /// The input is malformed or out of range; `field` names the offending argument.
    BadInput { field: String, message: String },
    /// The record the operation needs does not exist (or is not visible to the caller).
    NotFound { what: String },
    /// The request cannot be applied to the record as it is now: `code` says why (`TAKEN`,
    /// `STALE`, `INVALID_TRANSITION`).
    Conflict {
        field: String,
        code: String,
        message: String,
        /// The record that already holds the value, for `TAKEN`: its type (`Service`,
        /// `Agency`, `LifeEvent`, `JourneyStage`, `Criterion`) and row id.
        existing: Option<(&'static str, i32)>,
    },
    /// The caller sent credentials that do not identify anyone (never treated as anonymous).
    Unauthenticated { message: String },
    /// The caller is known but may not do this.
    Forbidden { message: String },
    /// Something broke that the caller cannot fix. `detail` is for logs only.
    Internal { detail: String },
}

impl CatalogError {
    /// A `BadInput` error for `field`.
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadInput {
            field: field.into(),
            message: message.into(),
        }
    }

    /// An `Internal` error carrying a detail for the logs.
    pub fn internal(detail: impl Into<String>) -> Self {
        Self::Internal {
            detail: detail.into(),
        }
    }

    /// The error in one line for the operator at the command line, who may read internal
    /// details (never for API clients: the GraphQL layer has its own mapping).
    pub fn for_operator(&self) -> String {
        match self {
            Self::BadInput { field, message } => format!("{field}: {message}"),
            Self::NotFound { what } => format!("{what} not found"),
            Self::Conflict {
                field,
                code,
                message,
                ..
            } => format!("{field}: {message} ({code})"),
            Self::Unauthenticated { message } | Self::Forbidden { message } => message.clone(),
            Self::Internal { detail } => format!("internal error: {detail}"),
        }
    }
}

impl From<DbErr> for CatalogError {
    fn from(err: DbErr) -> Self {
        Self::internal(format!("database: {err}"))
    }
}

/// The result of a catalog operation.
pub type CatalogResult<T> = Result<T, CatalogError>;
