//! The catalog domain: validated types, errors, and the operations (queries and commands)
//! every interface (GraphQL today, a CLI import or job tomorrow) goes through.
//! Nothing here knows about GraphQL or HTTP.
//!
//! One module per resource (`service`, `agency`, `life_event`, `criterion`, `jurisdiction`,
//! `api_key`, `audit`, `changes`, `recommend`, `eligibility`), each holding its reads, its
//! commands and their validation; `import` turns catalog documents into writes. The leaves
//! (`store`, `principal`, `error`, `page`, `types`, `validate`) depend on nothing above them.
//! `records` names the typed rows readers get back, so callers never import `entity`.
//! `snapshot` holds the published catalog in memory, one immutable copy per public revision;
//! `reader` is one request's way in: the snapshot for the public, the database for a key.

pub mod agency;
pub mod api_key;
pub mod audit;
pub mod changes;
pub mod criterion;
pub mod eligibility;
pub mod error;
pub mod experience;
pub mod export;
pub mod feedback;
pub mod feedback_month;
mod feedback_queue;
pub mod hash;
pub mod import;
pub mod journey;
pub mod jurisdiction;
pub mod life_event;
pub mod names;
pub mod page;
pub mod principal;
pub mod reader;
pub mod recommend;
pub mod records;
pub mod redact;
pub mod reference;
pub mod rounds;
pub mod scorecard;
pub mod search;
pub mod service;
pub mod snapshot;
pub mod store;
pub mod synthetic;
pub mod taxonomy;
pub mod types;
pub mod ux_metrics;
pub mod validate;

use std::sync::Arc;

use sea_orm::{DatabaseConnection, EntityTrait};

use crate::entity::catalog_revision;

pub use agency::AgencyFilter;
pub use error::{CatalogError, CatalogResult};
pub use page::{Cursor, Page, PageRequest};
pub use service::{RelatedService, RuleGroup, ServiceFilter};

/// The catalog over one database. Cheap to clone: the connection is a pool handle.
#[derive(Debug, Clone)]
pub struct Catalog {
    db: DatabaseConnection,
    /// The published snapshot (with the recommendation index), shared by every clone,
    /// rebuilt when the public revision moves.
    snapshots: Arc<snapshot::SnapshotCache>,
    /// Residents' feedback waiting to be stored together (see `feedback_queue`).
    feedback: Arc<feedback_queue::FeedbackQueue>,
}

impl Catalog {
    /// A catalog over `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            snapshots: Arc::default(),
            feedback: Arc::default(),
        }
    }

    /// The catalog's revision: a counter that grows with every committed change.
    pub async fn revision(&self) -> CatalogResult<i64> {
        Ok(catalog_revision::Entity::find_by_id(1)
            .one(&self.db)
            .await?
            .map_or(0, |r| r.revision))
    }

    /// The public revision: a counter that grows with every committed change residents can
    /// see, and only with those (draft, review and key changes leave it).
    pub async fn public_revision(&self) -> CatalogResult<i64> {
        Ok(catalog_revision::Entity::find_by_id(1)
            .one(&self.db)
            .await?
            .map_or(0, |r| r.public_revision))
    }

    /// The database connection, for start-up tasks such as migrations.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Whether the catalog holds no service at all (drafts included).
    pub async fn is_empty(&self) -> CatalogResult<bool> {
        use sea_orm::{EntityTrait, PaginatorTrait};
        Ok(crate::entity::service::Entity::find()
            .count(&self.db)
            .await?
            == 0)
    }
}
