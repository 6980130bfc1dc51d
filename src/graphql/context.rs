//! What a resolver reads from the request context, read one way: the catalog, the caller
//! and the request's loaders. A missing entry is a wiring mistake of ours, reported as an
//! internal error, never as a message about the schema's internals.

use async_graphql::Context;

use super::error::internal;
use super::loaders::Loaders;
use crate::catalog::Catalog;
use crate::catalog::principal::Principal;

/// The catalog behind this request.
pub fn catalog<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Catalog> {
    ctx.data::<Catalog>()
        .map_err(|_| internal("the schema was built without a catalog"))
}

/// Who is calling: the request's principal, anonymous when the request carries none.
pub fn principal<'a>(ctx: &Context<'a>) -> &'a Principal {
    ctx.data_opt::<Principal>().unwrap_or(&Principal::Anonymous)
}

/// The request's DataLoaders.
pub fn loader<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Loaders> {
    ctx.data::<Loaders>()
        .map_err(|_| internal("the request was run without its loaders"))
}
