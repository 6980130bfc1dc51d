//! The one mapping from `CatalogError` to GraphQL errors. Caller-fixable errors carry an
//! `extensions.code`; internal ones are logged with an id and only the id reaches the client.

use async_graphql::{Error, ErrorExtensions};

use crate::catalog::CatalogError;

impl From<CatalogError> for Error {
    fn from(err: CatalogError) -> Self {
        match err {
            CatalogError::BadInput { field, message } => Error::new(message).extend_with(|_, e| {
                e.set("code", "BAD_USER_INPUT");
                e.set("field", field);
            }),
            CatalogError::NotFound { what } => Error::new(format!("{what} not found"))
                .extend_with(|_, e| e.set("code", "NOT_FOUND")),
            CatalogError::Conflict {
                field,
                code,
                message,
                ..
            } => Error::new(message).extend_with(|_, e| {
                e.set("code", "CONFLICT");
                e.set("reason", code);
                e.set("field", field);
            }),
            CatalogError::Unauthenticated { message } => {
                Error::new(message).extend_with(|_, e| e.set("code", "UNAUTHENTICATED"))
            }
            CatalogError::Forbidden { message } => {
                Error::new(message).extend_with(|_, e| e.set("code", "FORBIDDEN"))
            }
            CatalogError::Internal { detail } => internal(&detail),
        }
    }
}

/// Logs `detail` under a fresh error id and returns an error that shows only the id.
pub fn internal(detail: &str) -> Error {
    let error_id = uuid::Uuid::new_v4().to_string();
    tracing::error!(error_id = %error_id, detail, "internal error");
    Error::new(format!(
        "internal error; quote error id {error_id} when reporting it"
    ))
    .extend_with(|_, e| {
        e.set("code", "INTERNAL");
        e.set("errorId", error_id.clone());
    })
}

/// Shorthand for resolvers: `catalog_call().await.gql()?`.
pub trait GqlResult<T> {
    /// Maps the error through the one `CatalogError` mapping.
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T> GqlResult<T> for Result<T, CatalogError> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(Error::from)
    }
}
