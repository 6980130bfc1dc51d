//! The catalog domain: validated types, errors, and the operations (queries and commands)
//! every interface (GraphQL today, a CLI import or job tomorrow) goes through.
//! Nothing here knows about GraphQL or HTTP.

pub mod eligibility;
pub mod error;
pub mod page;
pub mod read;
pub mod seed;
pub mod types;

use sea_orm::DatabaseConnection;

pub use error::{CatalogError, CatalogResult};
pub use page::{Cursor, Page, PageRequest};
pub use read::{AgencyFilter, RelatedService, RuleGroup, ServiceFilter};

/// The catalog over one database. Cheap to clone: the connection is a pool handle.
#[derive(Debug, Clone)]
pub struct Catalog {
    db: DatabaseConnection,
}

impl Catalog {
    /// A catalog over `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
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
