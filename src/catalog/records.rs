//! The catalog's records as its readers get them, one per stored row. Their fields are
//! typed (the enumerations of [`crate::catalog::types`], the channel language list), so no
//! stored encoding reaches a reader; the JSON-valued columns (criterion options, rule
//! values, audit snapshots) are read through the catalog functions that parse them
//! (`CriterionShape::from_row`, `Rule::from_row`, `audit`).
//!
//! They are the entities' models under the catalog's names: the GraphQL layer reads
//! records from here and never imports `entity`, so the table layout can change behind
//! the catalog without touching a resolver.

pub use crate::entity::agency::Model as Agency;
pub use crate::entity::audit_event::Model as AuditEvent;
pub use crate::entity::channel::Model as Channel;
pub use crate::entity::criterion::Model as Criterion;
pub use crate::entity::cssp_designation::Model as CsspDesignation;
pub use crate::entity::eligibility_rule::Model as EligibilityRule;
pub use crate::entity::journey_stage::Model as JourneyStage;
pub use crate::entity::jurisdiction::Model as Jurisdiction;
pub use crate::entity::language::Model as Language;
pub use crate::entity::life_event::Model as LifeEvent;
pub use crate::entity::life_event_relation::Model as LifeEventRelation;
pub use crate::entity::life_event_service::Model as ServiceLink;
pub use crate::entity::required_document::Model as RequiredDocument;
pub use crate::entity::service::Model as Service;
pub use crate::entity::taxonomy_term::Model as TaxonomyTerm;
