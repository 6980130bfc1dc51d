//! SeaORM entities, one module per table. Relations are loaded by the catalog layer
//! through batched queries, so entities carry columns only.

pub mod agency;
pub mod api_key;
pub mod audit_event;
pub mod catalog_revision;
pub mod channel;
pub mod criterion;
pub mod cssp_designation;
pub mod eligibility_rule;
pub mod eligibility_rule_group;
pub mod enums;
pub mod feedback;
pub mod feedback_agency_month;
pub mod feedback_month;
pub mod journey_stage;
pub mod jurisdiction;
pub mod language;
pub mod life_event;
pub mod life_event_relation;
pub mod life_event_service;
pub mod public_change;
pub mod reference_table;
pub mod reference_table_version;
pub mod required_document;
pub mod service;
pub mod service_jurisdiction;
pub mod service_language;
pub mod service_partner;
pub mod service_relation;
pub mod service_taxonomy_term;
pub mod taxonomy_term;
pub mod ux_agency_month;
pub mod ux_metric;
