//! The change feed for portals that mirror the catalog: every change to what the public
//! sees, in commit order, with a resumable position. It is read from the audit trail, so a
//! change and its feed entry are written in the same transaction and cannot disagree.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::Catalog;
use super::error::{CatalogError, CatalogResult};
use super::page::Cursor;
use super::types::ServiceStatus;
use crate::entity::audit_event;

/// What happened to a public service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// It entered the public catalog: first published, or published again after archival.
    Created,
    /// A new version of it was published while it was public.
    Updated,
    /// It left the public catalog: delete it from the mirror (a tombstone).
    Archived,
}

/// One entry of the feed.
#[derive(Debug, Clone)]
pub struct CatalogChange {
    /// The feed position: pass it back to resume after this entry.
    pub position: i32,
    pub kind: ChangeKind,
    pub service_id: i32,
    pub slug: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// How many audit events one feed request examines at most, so a long run of private
/// changes (drafts, reviews) cannot make one request unbounded.
const SCAN: u64 = 1_000;

/// The actions whose events can change what the public sees.
const PUBLIC_ACTIONS: [&str; 3] = ["service.publish", "service.archive", "service.load"];

/// The `status` (and `slug`) recorded in an event's before or after snapshot.
fn recorded(json: Option<&str>, field: &str) -> Option<String> {
    json.and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok())
        .and_then(|v| v[field].as_str().map(str::to_owned))
}

fn is_published(json: Option<&str>) -> bool {
    recorded(json, "status").as_deref() == Some(ServiceStatus::Published.as_str())
}

/// How many changes a batch holds when the caller does not say.
const FEED_BATCH: i32 = 50;

/// A batch of the change feed and the cursor to resume from.
#[derive(Debug, Clone)]
pub struct ChangeBatch {
    /// The changes, oldest first.
    pub changes: Vec<CatalogChange>,
    /// Where the next batch starts.
    pub cursor: String,
    /// Whether more changes were waiting when this batch was read.
    pub has_more: bool,
}

impl Catalog {
    /// Up to `first` (1 to 100, 50 when omitted) public changes after the cursor `after`
    /// (from the beginning when omitted), and the cursor to resume from, which moves past
    /// private changes too. Positions follow commit order: every write transaction numbers
    /// its events while holding the catalog revision's row lock (see
    /// `Catalog::begin_write`).
    pub async fn catalog_changes(
        &self,
        after: Option<&str>,
        first: Option<i32>,
    ) -> CatalogResult<ChangeBatch> {
        let first = first.unwrap_or(FEED_BATCH);
        if !(1..=100).contains(&first) {
            return Err(CatalogError::bad_input(
                "first",
                format!("`first` must be between 1 and 100; got {first}"),
            ));
        }
        let after = after.map(Cursor::decode).transpose()?.map_or(0, |c| c.id);
        let (changes, position, has_more) = self.changes_after(after, first).await?;
        let cursor = Cursor {
            name: "feed".into(),
            id: position,
        };
        Ok(ChangeBatch {
            changes,
            cursor: cursor.encode(),
            has_more,
        })
    }

    /// Up to `first` public changes after position `after`, the position reached, and
    /// whether more are waiting.
    async fn changes_after(
        &self,
        after: i32,
        first: i32,
    ) -> CatalogResult<(Vec<CatalogChange>, i32, bool)> {
        let first = usize::try_from(first).unwrap_or(0);
        let events = audit_event::Entity::find()
            .filter(audit_event::Column::Id.gt(after))
            .filter(audit_event::Column::RecordType.eq("Service"))
            .filter(audit_event::Column::Action.is_in(PUBLIC_ACTIONS))
            .order_by_asc(audit_event::Column::Id)
            .limit(SCAN)
            .all(&self.db)
            .await?;
        let scanned_all = (events.len() as u64) < SCAN;
        let mut changes = Vec::new();
        let mut position = after;
        let mut more = !scanned_all;
        for event in events {
            if changes.len() == first {
                more = true;
                break;
            }
            position = event.id;
            // Each event records the service just before and after it, so whether the
            // public saw it before is read off the event itself: a service archived and
            // later published again comes back as CREATED, after its tombstone.
            let kind = match (
                is_published(event.before.as_deref()),
                is_published(event.after.as_deref()),
            ) {
                (false, true) => ChangeKind::Created,
                (true, true) => ChangeKind::Updated,
                (true, false) => ChangeKind::Archived,
                // A draft loaded or archived: nothing the public saw.
                (false, false) => continue,
            };
            changes.push(CatalogChange {
                position: event.id,
                kind,
                service_id: event.record_id,
                slug: recorded(event.after.as_deref(), "slug").unwrap_or_default(),
                at: event.created_at,
            });
        }
        Ok((changes, position, more))
    }
}
