//! `CatalogError`: every way a catalog operation can fail, in terms a caller can act on.
//!
//! It deliberately does not implement `Display`: the GraphQL layer maps it explicitly, so an
//! internal error can never reach a client through a blanket `From<T: Display>` conversion.

use sea_orm::DbErr;

/// Why a request conflicts with the record as it is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictCode {
    /// A unique value (slug, key, external id) is already held by another record.
    Taken,
    /// Someone changed the record since the caller read it.
    Stale,
    /// The record's current state does not allow it.
    InvalidTransition,
    /// Other records depend on it.
    InUse,
}

impl ConflictCode {
    /// The code as clients see it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Taken => "TAKEN",
            Self::Stale => "STALE",
            Self::InvalidTransition => "INVALID_TRANSITION",
            Self::InUse => "IN_USE",
        }
    }
}

/// Why a catalog operation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogError {
    /// The input is malformed or out of range; `field` names the offending argument.
    BadInput { field: String, message: String },
    /// The record the operation needs does not exist (or is not visible to the caller);
    /// `field` names the argument that pointed at it.
    NotFound { field: String, what: String },
    /// The request cannot be applied to the record as it is now: `code` says why.
    Conflict {
        field: String,
        code: ConflictCode,
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
    /// A write ran into the unique index `index` (named as the migrations name it). A
    /// command that expects it turns it into `TAKEN` (`store::unless_taken`); anywhere else
    /// it is an internal error. `detail` is for logs only.
    Unique { index: String, detail: String },
}

impl CatalogError {
    /// A `BadInput` error for `field`.
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadInput {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A `NotFound` error for `what` (e.g. "service 12"), named by `field`.
    pub fn not_found(field: impl Into<String>, what: impl Into<String>) -> Self {
        Self::NotFound {
            field: field.into(),
            what: what.into(),
        }
    }

    /// A `Conflict` at `field`.
    pub fn conflict(
        field: impl Into<String>,
        code: ConflictCode,
        message: impl Into<String>,
    ) -> Self {
        Self::Conflict {
            field: field.into(),
            code,
            message: message.into(),
            existing: None,
        }
    }

    /// A `TAKEN` conflict at `field`: the value is held by `record` (its type) of row `id`,
    /// when known.
    pub fn taken(
        field: impl Into<String>,
        message: impl Into<String>,
        record: &'static str,
        id: impl Into<Option<i32>>,
    ) -> Self {
        Self::Conflict {
            field: field.into(),
            code: ConflictCode::Taken,
            message: message.into(),
            existing: id.into().map(|id| (record, id)),
        }
    }

    /// An `Unauthenticated` error: credentials were sent that identify no one.
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::Unauthenticated {
            message: message.into(),
        }
    }

    /// The error with its field named under `prefix`: a command names its own fields, and
    /// whoever passed the command on (an argument, a document entry) adds where they sit.
    pub fn under(self, prefix: &str) -> Self {
        let join = |field: String| match field.chars().next() {
            None => prefix.to_owned(),
            Some('.' | '[') => format!("{prefix}{field}"),
            Some(_) => format!("{prefix}.{field}"),
        };
        match self {
            Self::BadInput { field, message } => Self::BadInput {
                field: join(field),
                message,
            },
            Self::NotFound { field, what } => Self::NotFound {
                field: join(field),
                what,
            },
            Self::Conflict {
                field,
                code,
                message,
                existing,
            } => Self::Conflict {
                field: join(field),
                code,
                message,
                existing,
            },
            other => other,
        }
    }

    /// Whether the caller can fix it by changing the input (a user error on a mutation),
    /// rather than by authenticating, getting permission or waiting for us.
    pub fn is_fixable(&self) -> bool {
        matches!(
            self,
            Self::BadInput { .. } | Self::NotFound { .. } | Self::Conflict { .. }
        )
    }

    /// The same error about the item at `field` of a list (a bulk command answers for each
    /// item where it sits in the list, not at the field of the single command).
    pub fn placed_at(self, field: &str) -> Self {
        let field = field.to_owned();
        match self {
            Self::BadInput { message, .. } => Self::BadInput { field, message },
            Self::NotFound { what, .. } => Self::NotFound { field, what },
            Self::Conflict {
                code,
                message,
                existing,
                ..
            } => Self::Conflict {
                field,
                code,
                message,
                existing,
            },
            other => other,
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
            Self::NotFound { what, .. } => format!("{what} not found"),
            Self::Conflict {
                field,
                code,
                message,
                ..
            } => format!("{field}: {message} ({})", code.as_str()),
            Self::Unauthenticated { message } | Self::Forbidden { message } => message.clone(),
            Self::Internal { detail } | Self::Unique { detail, .. } => {
                format!("internal error: {detail}")
            }
        }
    }
}

impl From<DbErr> for CatalogError {
    fn from(err: DbErr) -> Self {
        match unique_violation(&err) {
            Some(index) => Self::Unique {
                index,
                detail: format!("database: {err}"),
            },
            None => Self::internal(format!("database: {err}")),
        }
    }
}

/// The result of a catalog operation.
pub type CatalogResult<T> = Result<T, CatalogError>;

/// The unique index a failed write ran into, as the migrations name it
/// (`ux_<table>_<columns>`; a partial `_live` index by its plain name), or `None` when `err`
/// is not a unique violation. PostgreSQL names the index; SQLite names the table and
/// columns (`UNIQUE constraint failed: agency.slug`), from which the same name follows.
pub(crate) fn unique_violation(err: &DbErr) -> Option<String> {
    use sea_orm::sqlx::error::ErrorKind;
    use sea_orm::{RuntimeErr, sqlx};
    let (DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e))) = err
    else {
        return None;
    };
    let sqlx::Error::Database(db) = &**e else {
        return None;
    };
    if db.kind() != ErrorKind::UniqueViolation {
        return None;
    }
    if let Some(name) = db.constraint() {
        return Some(name.strip_suffix("_live").unwrap_or(name).to_owned());
    }
    let columns = db.message().split_once("constraint failed: ")?.1;
    let mut table = None;
    let mut names = Vec::new();
    for column in columns.split(", ") {
        let (t, c) = column.trim().split_once('.')?;
        table = Some(t);
        names.push(c);
    }
    Some(format!("ux_{}_{}", table?, names.join("_")))
}
