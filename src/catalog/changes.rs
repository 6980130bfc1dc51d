//! The change feed for portals that mirror the catalog: every change to what the public
//! sees, in commit order, with a resumable position. It is read from the audit trail, so a
//! change and its feed entry are written in the same transaction and cannot disagree.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::Catalog;
use super::error::CatalogResult;
use super::types::ServiceStatus;
use crate::entity::audit_event;

/// What happened to a public service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// It was published for the first time.
    Created,
    /// A new version of it was published (for example after an archive and restore).
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

impl Catalog {
    /// Up to `first` public changes after position `after` (0: from the beginning), and
    /// the position to resume from, which moves past private changes too.
    pub async fn catalog_changes(
        &self,
        after: i32,
        first: usize,
    ) -> CatalogResult<(Vec<CatalogChange>, i32, bool)> {
        let events = audit_event::Entity::find()
            .filter(audit_event::Column::Id.gt(after))
            .filter(audit_event::Column::RecordType.eq("Service"))
            .filter(audit_event::Column::Action.is_in(["service.publish", "service.archive"]))
            .order_by_asc(audit_event::Column::Id)
            .limit(SCAN)
            .all(&self.db)
            .await?;
        let scanned_all = (events.len() as u64) < SCAN;
        // Which of these services were published before this batch.
        let ids: Vec<i32> = events.iter().map(|e| e.record_id).collect();
        let earlier: Vec<i32> = audit_event::Entity::find()
            .select_only()
            .column(audit_event::Column::RecordId)
            .filter(audit_event::Column::Id.lte(after))
            .filter(audit_event::Column::RecordType.eq("Service"))
            .filter(audit_event::Column::Action.eq("service.publish"))
            .filter(audit_event::Column::RecordId.is_in(ids))
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut published_before: std::collections::HashSet<i32> = earlier.into_iter().collect();
        let mut changes = Vec::new();
        let mut position = after;
        let mut more = !scanned_all;
        for event in events {
            if changes.len() == first {
                more = true;
                break;
            }
            position = event.id;
            let status = |json: &Option<String>| {
                json.as_deref()
                    .and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok())
                    .and_then(|v| v["status"].as_str().map(str::to_owned))
            };
            let slug = event
                .after
                .as_deref()
                .and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok())
                .and_then(|v| v["slug"].as_str().map(str::to_owned))
                .unwrap_or_default();
            let kind = match event.action.as_str() {
                "service.publish" if published_before.insert(event.record_id) => {
                    ChangeKind::Created
                }
                "service.publish" => ChangeKind::Updated,
                // Archiving a draft changes nothing the public saw.
                _ if status(&event.before).as_deref()
                    == Some(ServiceStatus::Published.as_str()) =>
                {
                    ChangeKind::Archived
                }
                _ => continue,
            };
            changes.push(CatalogChange {
                position: event.id,
                kind,
                service_id: event.record_id,
                slug,
                at: event.created_at,
            });
        }
        Ok((changes, position, more))
    }
}
