//! Group commit: one SQLite transaction, and so one fsync, for every booking write that is waiting.
//!
//! With `synchronous = FULL` each commit waits for the disk, and the single writer makes concurrent
//! writers queue for it: throughput was one fsync per booking. Here one task owns the writes: it
//! takes the first waiting write, opens a transaction, and runs it and every write that arrived
//! meanwhile, each in a savepoint of its own, then commits once and answers them all. A write that
//! fails (an overlap, a stale version) is rolled back to its savepoint and answered at once; the
//! others are not touched. Each write still sees those before it in the batch, so the overlap check
//! holds as if they had run one after another, and nothing is confirmed before the commit that
//! makes it durable.
//!
//! The task, not the caller, runs each write: a caller that gives up (its client went away) cannot
//! leave half a write in someone else's transaction.

use super::db;
use crate::{Result, StoreError};
use async_trait::async_trait;
use sqlx::{Connection, SqliteConnection, SqlitePool};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{mpsc, oneshot};

/// At most this many writes share a transaction, so one commit's answer is never held up long.
const MAX_BATCH: usize = 256;

/// How many writes may wait for the task before callers wait to hand theirs over.
const QUEUE: usize = 1024;

/// A write the task runs inside the batch's transaction.
#[async_trait]
pub(super) trait GroupWrite: Send + Sync + 'static {
    async fn apply(&self, conn: &mut SqliteConnection) -> Result<()>;
}

type Request = (Box<dyn GroupWrite>, oneshot::Sender<Result<()>>);

/// The handle the store keeps: hands writes to the committing task and waits for their answer.
#[derive(Clone)]
pub(super) struct GroupCommit {
    queue: mpsc::Sender<Request>,
    counts: Arc<Counts>,
}

/// How many transactions committed how many writes, since the store was opened.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GroupCommits {
    pub commits: u64,
    pub writes: u64,
}

#[derive(Default)]
struct Counts {
    commits: AtomicU64,
    writes: AtomicU64,
}

impl GroupCommit {
    /// Starts the task over the store's writer pool. It ends when the last handle is dropped.
    pub(super) fn start(writer: SqlitePool) -> Self {
        let (queue, requests) = mpsc::channel(QUEUE);
        let counts = Arc::new(Counts::default());
        let task = run(writer, requests, Arc::clone(&counts));
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build();
        match runtime {
            Ok(runtime) => {
                let spawned =
                    std::thread::Builder::new().name("sala-sqlite-writer".into()).spawn(move || runtime.block_on(task));
                if let Err(err) = spawned {
                    tracing::error!(%err, "could not start the SQLite writer thread");
                }
            }
            Err(err) => tracing::error!(%err, "could not start the SQLite writer's runtime"),
        }
        Self { queue, counts }
    }

    pub(super) fn counts(&self) -> GroupCommits {
        GroupCommits {
            commits: self.counts.commits.load(Ordering::Relaxed),
            writes: self.counts.writes.load(Ordering::Relaxed),
        }
    }

    /// Runs `write` in the next batch; answers once that batch is committed (or the write refused).
    pub(super) async fn submit(&self, write: Box<dyn GroupWrite>) -> Result<()> {
        let (answer, answered) = oneshot::channel();
        self.queue.send((write, answer)).await.map_err(|_| stopped())?;
        answered.await.map_err(|_| stopped())?
    }
}

async fn run(writer: SqlitePool, mut requests: mpsc::Receiver<Request>, counts: Arc<Counts>) {
    while let Some(first) = requests.recv().await {
        let mut conn = match writer.acquire().await {
            Ok(conn) => conn,
            Err(err) => {
                let _ = first.1.send(Err(db(err)));
                continue;
            }
        };
        // Waiting for the connection let more writes arrive: they join this batch.
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH
            && let Ok(request) = requests.try_recv()
        {
            batch.push(request);
        }
        commit_batch(&mut conn, batch, &counts).await;
    }
}

/// One transaction for the batch: each write in its own savepoint, one commit for those that held.
async fn commit_batch(conn: &mut SqliteConnection, batch: Vec<Request>, counts: &Counts) {
    let mut tx = match conn.begin_with("BEGIN IMMEDIATE").await {
        Ok(tx) => tx,
        Err(err) => return answer_all(batch.into_iter().map(|(_, answer)| answer), &err),
    };
    if let Err(err) = sqlx::raw_sql("SAVEPOINT group_write").execute(&mut *tx).await {
        return answer_all(batch.into_iter().map(|(_, answer)| answer), &err);
    }
    let mut held = Vec::with_capacity(batch.len());
    let mut batch = batch.into_iter();
    while let Some((write, answer)) = batch.next() {
        match in_savepoint(&mut tx, write.as_ref()).await {
            Ok(Ok(())) => held.push(answer),
            Ok(Err(refused)) => {
                let _ = answer.send(Err(refused));
            }
            // The savepoint could not be undone (SQLite may roll a whole transaction back on a full
            // disk): nothing of the batch stands, and every writer in it hears why.
            Err(err) => {
                let rest = batch.map(|(_, answer)| answer);
                return answer_all(held.into_iter().chain([answer]).chain(rest), &err);
            }
        }
    }
    match tx.commit().await {
        Ok(()) => {
            counts.commits.fetch_add(1, Ordering::Relaxed);
            counts.writes.fetch_add(held.len() as u64, Ordering::Relaxed);
            held.into_iter().for_each(|answer| drop(answer.send(Ok(()))));
        }
        Err(err) => answer_all(held, &err),
    }
}

/// Runs `write` in the open savepoint `group_write` and leaves a clean one open for the next: a
/// write that held is released and a new savepoint opened (one round trip to SQLite's thread, as
/// the single writer's time goes by round trips); one refused is rolled back to the savepoint,
/// which stays open and empty. The commit ends whichever savepoint is open at the end.
///
/// Returns the write's own answer (`Ok(Err)` when it was refused and undone), or the error that
/// broke the transaction around it.
async fn in_savepoint(
    conn: &mut SqliteConnection,
    write: &dyn GroupWrite,
) -> std::result::Result<Result<()>, sqlx::Error> {
    match write.apply(conn).await {
        Ok(()) => {
            sqlx::raw_sql("RELEASE group_write; SAVEPOINT group_write").execute(&mut *conn).await?;
            Ok(Ok(()))
        }
        Err(refused) => {
            sqlx::raw_sql("ROLLBACK TO group_write").execute(&mut *conn).await?;
            Ok(Err(refused))
        }
    }
}

/// The same failure for every writer of a batch that was not committed.
fn answer_all(answers: impl IntoIterator<Item = oneshot::Sender<Result<()>>>, err: &sqlx::Error) {
    for answer in answers {
        let _ = answer.send(Err(shared_failure(err)));
    }
    tracing::warn!(error = %err, "a group commit failed; its writes were undone");
}

/// `err` as each writer's own error: a full or read-only database says so, as `db` would.
fn shared_failure(err: &sqlx::Error) -> StoreError {
    match super::primary_code(err) {
        Some(super::SQLITE_FULL) => StoreError::Full,
        Some(super::SQLITE_READONLY) => StoreError::ReadOnly,
        _ => StoreError::Database(sqlx::Error::Protocol(format!("the batch's commit failed: {err}"))),
    }
}

fn stopped() -> StoreError {
    StoreError::Database(sqlx::Error::Protocol("the SQLite writer task has stopped".into()))
}
