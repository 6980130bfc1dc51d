//! Group commit for residents' feedback. Every submission waits for the transaction that
//! stores it, as before; but submissions that arrive while one transaction commits are
//! stored together by the next, one multi-row insert and one write per rollup row for the
//! whole group. One submission at a time costs what it did; under load the commits (and
//! their disk flushes) are shared, so throughput grows with the number of residents
//! submitting at once instead of stopping at one flush per response.
//!
//! No task runs while nothing is queued: the submission that finds the queue idle spawns
//! the writer, which drains the queue group by group and ends when it is empty. A group
//! that fails is written again one response at a time, so one bad response fails alone.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use sea_orm::{ActiveValue::NotSet, EntityTrait, IntoActiveModel, TransactionTrait};
use tokio::sync::oneshot;

use crate::catalog::Catalog;
use crate::catalog::error::{CatalogError, CatalogResult};
use crate::entity::feedback;

/// The most responses one transaction stores (its statements stay well under the
/// databases' limits on bound parameters).
const MAX_GROUP: usize = 256;

/// A response waiting to be stored, with its service's agency and whom to tell.
struct Pending {
    row: feedback::Model,
    agency_id: i32,
    stored: oneshot::Sender<CatalogResult<()>>,
}

/// The responses waiting for the writer, and whether a writer is running.
#[derive(Default)]
struct Queue {
    pending: Vec<Pending>,
    writing: bool,
}

/// The queue of responses to store, shared by every clone of a [`Catalog`].
#[derive(Default)]
pub(crate) struct FeedbackQueue {
    queue: Mutex<Queue>,
}

impl std::fmt::Debug for FeedbackQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FeedbackQueue").finish_non_exhaustive()
    }
}

impl FeedbackQueue {
    /// The queue, even after a writer panicked while holding it (the list stays valid).
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Marks the writer stopped if it panics (it marks itself stopped when the queue is empty),
/// so the next submission starts another.
struct Writing(Arc<FeedbackQueue>);

impl Drop for Writing {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.lock().writing = false;
        }
    }
}

impl Catalog {
    /// Stores `row` (a response about a service of agency `agency_id`; its id is assigned
    /// by the database) with its rollups, and returns once it is committed.
    pub(crate) async fn store_feedback(
        &self,
        row: feedback::Model,
        agency_id: i32,
    ) -> CatalogResult<()> {
        let (stored, done) = oneshot::channel();
        let start = {
            let mut queue = self.feedback.lock();
            queue.pending.push(Pending {
                row,
                agency_id,
                stored,
            });
            !std::mem::replace(&mut queue.writing, true)
        };
        if start {
            let catalog = self.clone();
            tokio::spawn(async move { catalog.write_feedback().await });
        }
        done.await
            .map_err(|_| CatalogError::internal("the feedback writer stopped before storing"))?
    }

    /// Stores queued responses, a group at a time, until none is left.
    async fn write_feedback(self) {
        let _writing = Writing(Arc::clone(&self.feedback));
        loop {
            let group: Vec<Pending> = {
                let mut queue = self.feedback.lock();
                if queue.pending.is_empty() {
                    queue.writing = false;
                    return;
                }
                let n = queue.pending.len().min(MAX_GROUP);
                queue.pending.drain(..n).collect()
            };
            match self.write_group(&group).await {
                Ok(()) => {
                    for pending in group {
                        // A submitter that stopped waiting has nothing to be told.
                        let _ = pending.stored.send(Ok(()));
                    }
                }
                Err(error) if group.len() == 1 => {
                    for pending in group {
                        let _ = pending.stored.send(Err(error.clone()));
                    }
                }
                Err(_) => {
                    for pending in group {
                        let alone = self.write_group(std::slice::from_ref(&pending)).await;
                        let _ = pending.stored.send(alone);
                    }
                }
            }
        }
    }

    /// Stores `group` and adds it to the rollups, in one transaction.
    async fn write_group(&self, group: &[Pending]) -> CatalogResult<()> {
        let txn = self.db.begin().await?;
        let rows = group.iter().map(|p| {
            let mut row = p.row.clone().into_active_model();
            row.id = NotSet;
            row
        });
        feedback::Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await?;
        let counted = group.iter().map(|p| (&p.row, p.agency_id));
        crate::catalog::feedback_month::add_all(&txn, counted).await?;
        // Feedback is not catalog state: no revision moves, so a plain commit.
        txn.commit().await?;
        Ok(())
    }
}
