//! What a resolver reads from the request context, read one way: the catalog, the caller,
//! the request's reader and its loaders. A missing entry is a wiring mistake of ours, reported as an
//! internal error, never as a message about the schema's internals.

use async_graphql::Context;

use super::error::internal;
use super::loaders::Loaders;
use crate::catalog::Catalog;
use crate::catalog::principal::Principal;
use crate::catalog::reader::Reader;

/// The catalog behind this request.
pub fn catalog<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Catalog> {
    ctx.data::<Catalog>()
        .map_err(|_| internal("the schema was built without a catalog"))
}

/// Who is calling: the request's principal, anonymous when the request carries none.
pub fn principal<'a>(ctx: &Context<'a>) -> &'a Principal {
    ctx.data_opt::<Principal>().unwrap_or(&Principal::Anonymous)
}

/// Where this request reads the catalog: the published snapshot it started with, for the
/// public; the database, for a key.
pub fn reader<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Reader> {
    ctx.data::<Reader>()
        .map_err(|_| internal("the request was run without its reader"))
}

/// The request's DataLoaders.
pub fn loader<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Loaders> {
    ctx.data::<Loaders>()
        .map_err(|_| internal("the request was run without its loaders"))
}
