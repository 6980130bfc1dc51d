//! The GraphQL API: schema construction and one module per resource. Resolvers are thin
//! adapters: they read the context, call the catalog (or a loader), and wrap the result.

pub mod agency;
pub mod api_key;
pub mod audit;
pub mod changes;
pub mod connection;
pub mod context;
pub mod criterion;
pub mod enums;
pub mod error;
pub mod experience;
pub mod feedback;
pub mod journey;
pub mod jurisdiction;
pub mod life_event;
pub mod limits;
pub mod loaders;
pub mod node;
pub mod nulls;
pub mod payload;
pub mod recommend;
pub mod reference;
pub mod scalars;
pub mod scorecard;
pub mod service;
pub mod taxonomy;
pub mod ux_metrics;
pub mod viewer;

use async_graphql::{EmptySubscription, MergedObject, Schema};

use crate::catalog::Catalog;
use crate::config::Limits;

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
    reference::ReferenceTableQuery,
    taxonomy::TaxonomyQuery,
    recommend::RecommendationQuery,
    viewer::ViewerQuery,
    audit::AuditQuery,
    changes::ChangesQuery,
    scorecard::ScorecardQuery,
);

/// Every change to the catalog. Each mutation needs an API key (`Authorization: Bearer`).
#[derive(MergedObject, Default)]
#[graphql(name = "MutationRoot")]
pub struct MutationRoot(
    service::mutation::ServiceMutation,
    service::parts::PartMutation,
    api_key::ApiKeyMutation,
    jurisdiction::JurisdictionMutation,
    agency::AgencyMutation,
    life_event::LifeEventMutation,
    criterion::CriterionMutation,
    reference::ReferenceTableMutation,
    taxonomy::TaxonomyMutation,
    feedback::FeedbackMutation,
    ux_metrics::UxMetricsMutation,
);

/// The civic-catalog GraphQL schema.
pub type CatalogSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

/// How deeply a query may nest fields: deep enough for GraphiQL's introspection query and
/// any real catalog question, shallow enough that a query cannot walk parent links forever.
pub const MAX_DEPTH: usize = 20;

/// Builds the schema over `catalog`, enforcing `limits` (cost budgets, aliases, root
/// fields, introspection).
pub fn build_schema(catalog: Catalog, limits: &Limits) -> CatalogSchema {
    let builder = Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        EmptySubscription,
    )
    .limit_depth(MAX_DEPTH)
    .data(feedback::FeedbackGate::new(limits.feedback_rate_limit))
    .data(experience::MinResponses(limits.min_responses))
    .extension(limits::RequestLimits::new(
        limits,
        nulls::Types::from_sdl(&sdl()).map(std::sync::Arc::new),
    ))
    .data(catalog);
    if limits.introspection.is_on() {
        builder.finish()
    } else {
        builder
            .disable_introspection()
            .disable_suggestions()
            .finish()
    }
}

/// The schema without a database, for exporting the SDL.
pub fn sdl() -> String {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        EmptySubscription,
    )
    .finish()
    .sdl()
}

/// A record that must exist because another one points at it; its absence is a broken
/// invariant, reported as an internal error.
fn integrity<T>(found: Option<T>, what: &str) -> async_graphql::Result<T> {
    found.ok_or_else(|| error::internal(&format!("dangling reference: {what}")))
}

/// Runs `request` as `principal` sends it, reading through `reader`: with the caller, the
/// reader and the request's own loaders, its reads started in rounds (see
/// [`crate::catalog::rounds`]).
pub async fn execute(
    schema: &CatalogSchema,
    request: async_graphql::Request,
    reader: &crate::catalog::reader::Reader,
    principal: &crate::catalog::principal::Principal,
) -> async_graphql::Response {
    let request = request
        .data(loaders::new_loaders(reader.clone()))
        .data(reader.clone())
        .data(principal.clone());
    reader.rounds().drive(schema.execute(request)).await
}
