//! A request's reads, in rounds: so the SQL statements a request sends depend only on its
//! shape, never on scheduling.
//!
//! A GraphQL request resolves its fields concurrently, and each nested field queues its key
//! on a batched load. When a batch fires decides how many statements a page costs: fired on a
//! timer or after a few yields, it catches the keys queued so far, and how far the resolvers
//! got by then depends on the machine and its load. Here nothing fires on time: the request
//! is driven by [`Rounds::drive`], and the queued batches and direct reads start together
//! only when the request can make no more progress on its own (every resolver waits) *and*
//! nothing it started is still running. Each round then holds every key the previous rounds'
//! answers led to, so one level of a query is one statement per loader, however the tasks
//! were scheduled.
//!
//! Outside [`Rounds::drive`] (a page rendered without GraphQL, a command-line read) reads run
//! at once and batches are spawned as usual.

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Wake, Waker};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;

/// A batched load, queued for the next round.
pub type Batch = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// One request's rounds; clones share them.
#[derive(Clone, Default)]
pub struct Rounds(Arc<Inner>);

impl std::fmt::Debug for Rounds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Rounds")
    }
}

#[derive(Default)]
struct Inner {
    /// Whether a [`Rounds::drive`] is running the request.
    driven: AtomicBool,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Batches waiting for the next round.
    batches: Vec<Batch>,
    /// Direct reads waiting for the next round; each is sent its turn.
    reads: Vec<tokio::sync::oneshot::Sender<Turn>>,
    /// Direct reads of the current round that have not finished.
    reading: usize,
    /// Wakes the driver when a read finishes.
    driver: Option<Waker>,
}

impl Inner {
    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves nothing half-written worth refusing.
        match self.state.lock() {
            Ok(state) => state,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

/// A direct read's place in its round, held while it runs.
struct Turn(Arc<Inner>);

impl Drop for Turn {
    fn drop(&mut self) {
        let mut state = self.0.state();
        state.reading = state.reading.saturating_sub(1);
        if let Some(driver) = state.driver.as_ref() {
            driver.wake_by_ref();
        }
    }
}

/// Sets a flag, then wakes the driver: tells the driver the request woke itself.
struct Flagged {
    woken: AtomicBool,
    driver: Waker,
}

impl Wake for Flagged {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.driver.wake_by_ref();
    }
}

impl Rounds {
    /// Queues `batch` for the next round (run at once, in a task, outside a drive).
    pub fn queue(&self, batch: Batch) {
        if self.0.driven.load(Ordering::Acquire) {
            self.0.state().batches.push(batch);
        } else {
            crate::telemetry::RequestStatements::spawn(batch);
        }
    }

    /// Runs the direct read `read` in the next round (at once, outside a drive).
    ///
    /// The read comes boxed. A database read's future is kilobytes (the connection's
    /// state), a future is as large as it ever gets from the moment it is made, and a
    /// GraphQL object's field resolver is as large as its largest field's: one unboxed read
    /// made every field of a `Service` a 16 KB future, moved and allocated for each of a
    /// page's hundreds of fields. Boxed where it is made, a read costs one allocation and a
    /// pointer.
    pub async fn read<F: Future>(&self, read: Pin<Box<F>>) -> F::Output {
        if !self.0.driven.load(Ordering::Acquire) {
            return read.await;
        }
        let (sender, turn) = tokio::sync::oneshot::channel();
        self.0.state().reads.push(sender);
        // Held until the read is done (or dropped): the next round waits for it.
        let _turn = turn.await;
        read.await
    }

    /// Runs `request` to its end, starting its batches and direct reads in rounds.
    pub async fn drive<F: Future>(&self, request: F) -> F::Output {
        self.0.driven.store(true, Ordering::Release);
        let mut request = pin!(request);
        let mut running: FuturesUnordered<Batch> = FuturesUnordered::new();
        let output = std::future::poll_fn(|cx| {
            self.0.state().driver = Some(cx.waker().clone());
            loop {
                while let Poll::Ready(Some(())) = running.poll_next_unpin(cx) {}
                let flagged = Arc::new(Flagged {
                    woken: AtomicBool::new(false),
                    driver: cx.waker().clone(),
                });
                let waker = Waker::from(Arc::clone(&flagged));
                if let Poll::Ready(output) = request.as_mut().poll(&mut Context::from_waker(&waker))
                {
                    return Poll::Ready(output);
                }
                if flagged.woken.load(Ordering::Acquire) {
                    // It has more to do (it yielded, or an answer came in meanwhile): it is
                    // polled again after the runtime's other tasks had their turn.
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                // Every resolver waits. A new round starts only when the last one is over.
                let mut state = self.0.state();
                if !running.is_empty() || state.reading > 0 {
                    return Poll::Pending;
                }
                let batches = std::mem::take(&mut state.batches);
                let reads = std::mem::take(&mut state.reads);
                if batches.is_empty() && reads.is_empty() {
                    // It waits on something else (a write, a snapshot build).
                    return Poll::Pending;
                }
                state.reading += reads.len();
                drop(state);
                for read in reads {
                    // A read dropped meanwhile hands its turn straight back (on drop).
                    let _ = read.send(Turn(Arc::clone(&self.0)));
                }
                running.extend(batches);
            }
        })
        .await;
        self.0.driven.store(false, Ordering::Release);
        output
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// A read that takes a few scheduler turns, as a statement would.
    async fn slow() {
        for _ in 0..3 {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn reads_queued_while_the_request_is_busy_share_a_round_and_the_next_waits() {
        let rounds = Rounds::default();
        let started = Arc::new(AtomicUsize::new(0));
        let finished = Arc::new(AtomicUsize::new(0));
        let seen = Arc::new(Mutex::new(Vec::new()));
        // A level-1 read notes how many level-1 reads had started when it finished;
        // a level-2 read notes how many level-1 reads had finished when it started.
        let level_1 = || {
            let (rounds, started, finished, seen) = (
                rounds.clone(),
                started.clone(),
                finished.clone(),
                seen.clone(),
            );
            async move {
                rounds
                    .read(Box::pin(async {
                        started.fetch_add(1, Ordering::SeqCst);
                        slow().await;
                        seen.lock()
                            .unwrap()
                            .push(("1", started.load(Ordering::SeqCst)));
                        finished.fetch_add(1, Ordering::SeqCst);
                    }))
                    .await;
            }
        };
        let level_2 = || {
            let (rounds, finished, seen) = (rounds.clone(), finished.clone(), seen.clone());
            async move {
                rounds
                    .read(Box::pin(async {
                        seen.lock()
                            .unwrap()
                            .push(("2", finished.load(Ordering::SeqCst)));
                    }))
                    .await;
            }
        };
        let request = futures_util::future::join(
            async {
                level_1().await;
                level_2().await;
            },
            async {
                // Busy for longer than a read takes before queuing its own.
                slow().await;
                slow().await;
                level_1().await;
                level_2().await;
            },
        );
        rounds.drive(request).await;
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen, vec![("1", 2), ("1", 2), ("2", 2), ("2", 2)]);
    }

    #[tokio::test]
    async fn outside_a_drive_reads_run_at_once() {
        let rounds = Rounds::default();
        assert_eq!(rounds.read(Box::pin(async { 7 })).await, 7);
    }
}
