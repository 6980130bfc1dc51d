//! `catalogChanges`: the feed portals use to mirror the public catalog incrementally.

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};

use super::context::loader;
use super::context::reader;
use super::error::GqlResult;
use super::loaders::ServiceById;
use super::node::{NodeKind, global_id};
use super::scalars::DateTime;
use super::service::Service;
use crate::catalog::changes::{self as domain, ChangeKind as DomainKind};

/// What happened to a public service.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "DomainKind")]
pub enum ChangeKind {
    /// It entered the public catalog (published for the first time, or again after it
    /// was archived): add it.
    Created,
    /// A new version was published: replace your copy.
    Updated,
    /// It left the public catalog: delete your copy (a tombstone).
    Archived,
}

/// One change to the public catalog.
#[derive(Debug, Clone)]
pub struct CatalogChange(domain::CatalogChange);

/// One change to the public catalog.
#[Object]
impl CatalogChange {
    /// What happened.
    async fn kind(&self) -> ChangeKind {
        self.0.kind.into()
    }

    /// The service's global id (stable across changes, also for tombstones).
    async fn service_id(&self) -> ID {
        global_id(NodeKind::Service, self.0.service_id)
    }

    /// The service's slug at the time of the change.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// When the change was committed.
    async fn at(&self) -> DateTime {
        DateTime(self.0.at)
    }

    /// The service as it is published now; `null` for tombstones and for services no longer
    /// public.
    async fn service(&self, ctx: &Context<'_>) -> Result<Option<Service>> {
        if self.0.kind == DomainKind::Archived {
            return Ok(None);
        }
        Ok(loader(ctx)?
            .load_one(ServiceById(self.0.service_id))
            .await?
            .filter(crate::catalog::service::is_public)
            .map(Service))
    }
}

/// A batch of the feed and where to resume.
#[derive(SimpleObject, Debug, Clone)]
pub struct CatalogChangeFeed {
    /// The changes, oldest first.
    pub changes: Vec<CatalogChange>,
    /// Pass this as `after` next time to continue right after this batch (it moves past
    /// private changes too, so store it even when `changes` is empty).
    pub cursor: String,
    /// Whether more changes are waiting now; when false, poll again later with `cursor`.
    pub has_more: bool,
}

/// Root fields for the change feed.
#[derive(Default)]
pub struct ChangesQuery;

#[Object]
impl ChangesQuery {
    /// Changes to the public catalog in commit order: services published, republished and
    /// archived (tombstones). Mirror the catalog once with `services`, note the time, then
    /// follow this feed from the beginning (or from your stored `cursor`); applying the
    /// changes in order keeps the mirror exact, deletions included, and never shows drafts.
    /// A feed rather than a connection: it only goes forward, its `cursor` moves past
    /// changes you cannot see (so it is given even when `changes` is empty), and a count of
    /// everything that ever changed would mean nothing to a mirror; `hasMore` says whether
    /// to ask again at once.
    #[graphql(
        complexity = "crate::graphql::limits::list(usize::try_from(first.unwrap_or(50).clamp(1, 100)).unwrap_or(100), child_complexity)"
    )]
    async fn catalog_changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Continue after this cursor; omit it to start from the beginning.")] after: Option<String>,
        #[graphql(desc = "How many changes to return: 1 to 100, 50 when omitted.")] first: Option<
            i32,
        >,
    ) -> Result<CatalogChangeFeed> {
        let batch = reader(ctx)?
            .live_read(async |c| c.catalog_changes(after.as_deref(), first).await)
            .await
            .gql()?;
        Ok(CatalogChangeFeed {
            changes: batch.changes.into_iter().map(CatalogChange).collect(),
            cursor: batch.cursor,
            has_more: batch.has_more,
        })
    }
}
