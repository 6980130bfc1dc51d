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
            CatalogError::NotFound { what, .. } => Error::new(format!("{what} not found"))
                .extend_with(|_, e| e.set("code", "NOT_FOUND")),
            CatalogError::Conflict {
                field,
                code,
                message,
                ..
            } => Error::new(message).extend_with(|_, e| {
                e.set("code", "CONFLICT");
                e.set("reason", code.as_str());
                e.set("field", field);
            }),
            CatalogError::Unauthenticated { message } => {
                Error::new(message).extend_with(|_, e| e.set("code", "UNAUTHENTICATED"))
            }
            CatalogError::Forbidden { message } => {
                Error::new(message).extend_with(|_, e| e.set("code", "FORBIDDEN"))
            }
            CatalogError::Internal { detail } | CatalogError::Unique { detail, .. } => {
                internal(&detail)
            }
        }
    }
}

/// Gives the engine's own errors their code. Every error our resolvers return carries one
/// (through the mapping above, or [`internal`], which the context accessors use too), so
/// an error without a code was raised by the engine over the request itself: a parse or
/// validation failure, or a variable or argument of the wrong type. Those are the caller's
/// to fix.
pub fn code_request_errors(response: &mut async_graphql::Response) {
    for error in &mut response.errors {
        let extensions = error
            .extensions
            .get_or_insert_with(async_graphql::ErrorExtensionValues::default);
        if extensions.get("code").is_none() {
            extensions.set("code", "BAD_USER_INPUT");
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

    /// Like [`GqlResult::gql`], for a command built from one argument: the fields the
    /// command names are reported under that argument.
    fn gql_in(self, argument: &str) -> async_graphql::Result<T>;
}

impl<T> GqlResult<T> for Result<T, CatalogError> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(Error::from)
    }

    fn gql_in(self, argument: &str) -> async_graphql::Result<T> {
        self.map_err(|err| Error::from(err.under(argument)))
    }
}
