//! The catalog domain: validated types, errors, and the operations (queries and commands)
//! every interface (GraphQL today, a CLI import or job tomorrow) goes through.
//! Nothing here knows about GraphQL or HTTP.

pub mod admin;
pub mod audit;
pub mod auth;
pub mod changes;
pub mod commands;
pub mod eligibility;
pub mod error;
pub mod page;
pub mod parts;
pub mod read;
pub mod recommend;
pub mod revision;
pub mod seed;
pub mod types;
pub mod validate;

use std::sync::Arc;

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, TransactionTrait,
};

use crate::entity::catalog_revision;

pub use error::{CatalogError, CatalogResult};
pub use page::{Cursor, Page, PageRequest};
pub use read::{AgencyFilter, RelatedService, RuleGroup, ServiceFilter};

/// The catalog over one database. Cheap to clone: the connection is a pool handle.
#[derive(Debug, Clone)]
pub struct Catalog {
    db: DatabaseConnection,
    /// The recommendation index, shared by every clone, rebuilt when the revision moves.
    index: Arc<recommend::IndexCache>,
}

impl Catalog {
    /// A catalog over `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            index: Arc::default(),
        }
    }

    /// The catalog's revision: a counter that grows with every committed change.
    pub async fn revision(&self) -> CatalogResult<i64> {
        Ok(catalog_revision::Entity::find_by_id(1)
            .one(&self.db)
            .await?
            .map_or(0, |r| r.revision))
    }

    /// Begins a write transaction. Its first statement moves the catalog revision, which
    /// locks that one row until commit: writers queue there, so audit events (and the change
    /// feed read from them) are numbered in commit order, and no two writers can take row
    /// locks in opposite orders.
    pub(crate) async fn begin_write(&self) -> CatalogResult<DatabaseTransaction> {
        let txn = self.db.begin().await?;
        Catalog::bump_revision(&txn).await?;
        Ok(txn)
    }

    /// Records a change, inside the transaction that makes it.
    pub async fn bump_revision(db: &impl ConnectionTrait) -> CatalogResult<()> {
        catalog_revision::Entity::update_many()
            .col_expr(
                catalog_revision::Column::Revision,
                Expr::col(catalog_revision::Column::Revision).add(1),
            )
            .filter(catalog_revision::Column::Id.eq(1))
            .exec(db)
            .await?;
        Ok(())
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
