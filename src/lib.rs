//! civic-catalog: one cross-agency catalog of government services, organised around the life
//! events residents go through, served as a GraphQL API.
//!
//! Data flows one way: HTTP (`http`) -> GraphQL (`graphql`) -> domain rules (`catalog`) ->
//! SeaORM entities (`entity`) -> database. Each layer only calls the one below it: resolvers
//! read the catalog's typed records (`catalog::records`, stored enums decoded by the entities)
//! and never import `entity`. The public's reads come from an immutable in-memory snapshot
//! of the published catalog (`catalog::snapshot`), a key's from the database; resolvers
//! read both through one `catalog::reader::Reader`. `catalog`
//! and `graphql` are organised by resource (services, agencies, life events, criteria,
//! jurisdictions, API keys, audit, recommendations), the GraphQL modules mirroring the
//! catalog's. `app` is the composition root that wires them together (and owns the async
//! runtime, so the binary is one call); `cli`, `config` and `telemetry` set the process up.
//! The crate is a library so integration tests start the very same router the binary serves.

pub mod app;
pub mod bench;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod entity;
pub mod graphql;
pub mod http;
pub mod telemetry;
