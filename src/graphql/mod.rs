//! The GraphQL API: schema construction and one module per resource. Resolvers are thin
//! adapters: they read the context, call the catalog (or a loader), and wrap the result.

pub mod admin;
pub mod agency;
pub mod audit;
pub mod changes;
pub mod connection;
pub mod criterion;
pub mod enums;
pub mod error;
pub mod jurisdiction;
pub mod life_event;
pub mod loaders;
pub mod mutation;
pub mod node;
pub mod parts;
pub mod recommend;
pub mod scalars;
pub mod service;
pub mod viewer;

use async_graphql::{Context, EmptySubscription, MergedObject, Schema};

use crate::catalog::Catalog;

/// The root of every read: life events, services, agencies, jurisdictions and criteria.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    node::NodeQuery,
    life_event::LifeEventQuery,
    service::ServiceQuery,
    agency::AgencyQuery,
    jurisdiction::JurisdictionQuery,
    criterion::CriterionQuery,
    recommend::RecommendationQuery,
    viewer::ViewerQuery,
    audit::AuditQuery,
    changes::ChangesQuery,
);

/// The civic-catalog GraphQL schema.
pub type CatalogSchema = Schema<QueryRoot, mutation::MutationRoot, EmptySubscription>;

/// Builds the schema over `catalog`.
pub fn build_schema(catalog: Catalog) -> CatalogSchema {
    Schema::build(
        QueryRoot::default(),
        mutation::MutationRoot::default(),
        EmptySubscription,
    )
    .data(catalog)
    .finish()
}

/// The schema without a database, for exporting the SDL.
pub fn sdl() -> String {
    Schema::build(
        QueryRoot::default(),
        mutation::MutationRoot::default(),
        EmptySubscription,
    )
    .finish()
    .sdl()
}

/// The catalog behind this request.
fn catalog<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Catalog> {
    ctx.data::<Catalog>()
}

/// A record that must exist because another one points at it; its absence is a broken
/// invariant, reported as an internal error.
fn integrity<T>(found: Option<T>, what: &str) -> async_graphql::Result<T> {
    found.ok_or_else(|| error::internal(&format!("dangling reference: {what}")))
}
