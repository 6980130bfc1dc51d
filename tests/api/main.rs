//! The one integration-test binary: every test drives the real router over HTTP on its own
//! fresh database (SQLite in memory, or PostgreSQL when `TEST_DATABASE_URL` is set).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

mod admin;
mod answers;
mod auth;
mod authorization;
mod catalog_queries;
mod cli;
mod docs;
mod editing;
mod eligibility;
mod feedback;
mod graphiql;
mod health;
mod identity;
mod income;
mod journey;
mod limits;
mod loaders;
mod pagination;
mod programs;
mod readme;
mod recommend;
mod schema;
mod scorecard;
mod seed;
mod snapshot;
mod synthetic;
mod text;
mod transport;
mod ux_metrics;
mod validation;
mod workflow;
