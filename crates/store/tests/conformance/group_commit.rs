//! SQLite's group commit (`sala_store::sqlite::group_commit`): booking writes waiting at the same
//! time share one transaction, each in a savepoint, and still answer one by one as if they had run
//! one after another. PostgreSQL commits each write on its own; these cases are SQLite's alone.

use super::concurrency::race;
use super::{HOUR, Office, T0, all, assert_absent, assert_overlap, audit_of, booking, create, ids, list, office, ok};
use sala_domain::Booking;
use sala_store::BookingStore;
use sala_store::sqlite::SqliteStore;
use std::sync::Arc;

async fn sqlite() -> (Arc<SqliteStore>, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("sala-group-{}", uuid::Uuid::now_v7().simple()));
    ok(std::fs::create_dir_all(&dir));
    let store = ok(SqliteStore::connect(&format!("sqlite:{}", dir.join("sala.db").display())).await);
    (Arc::new(store), dir)
}

/// 32 slots, each raced for by two creates, all 64 at once: one of each pair wins, the other is
/// told which booking is in its way (its savepoint undone, its batch-mates kept), and the 32
/// winners were committed in fewer transactions than there were writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_writes_share_commits_and_refusals_stay_their_own() {
    let (store, dir) = sqlite().await;
    let Office { acme, ana, sala, .. } = office(&*store).await;
    let writes: Vec<Booking> =
        (0..64).map(|i| booking(&sala, &ana, T0 + (i / 2) * HOUR, T0 + (i / 2 + 1) * HOUR)).collect();
    let shared: Arc<dyn sala_store::Store> = store.clone();
    let results = race(&[shared], writes.clone()).await;

    let mut winners = Vec::new();
    let mut results = results.into_iter();
    for pair in writes.chunks(2) {
        let (ra, rb) = (results.next().expect("an answer"), results.next().expect("an answer"));
        let (winner, loser, refused) = match (ra.is_ok(), rb.is_ok()) {
            (true, false) => (&pair[0], &pair[1], rb),
            (false, true) => (&pair[1], &pair[0], ra),
            other => panic!("one of each pair wins, got {other:?}: {ra:?} {rb:?}"),
        };
        assert_overlap(refused, winner);
        assert_absent(&*store, loser).await;
        assert_eq!(ok(store.jobs_for_booking(acme.id, winner.id).await).len(), 1);
        assert_eq!(audit_of(&*store, acme.id, winner.id.0).await.len(), 1);
        winners.push(winner.id);
    }
    let mut stored = ids(&list(&*store, acme.id, all(500)).await);
    stored.sort();
    winners.sort();
    assert_eq!(stored, winners);
    let counts = store.group_commits();
    assert_eq!(counts.writes, 32, "{counts:?}");
    assert!(counts.commits < counts.writes, "waiting writes share commits: {counts:?}");
    let _ = std::fs::remove_dir_all(dir);
}

/// Callers that give up while their write waits (a client gone away drops the request's future)
/// leave each booking whole or absent: the committing task, not the caller, runs the write.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_caller_that_gives_up_leaves_its_write_whole_or_absent() {
    let (store, dir) = sqlite().await;
    let Office { acme, ana, sala, .. } = office(&*store).await;
    let writes: Vec<Booking> = (0..40).map(|i| booking(&sala, &ana, T0 + i * HOUR, T0 + (i + 1) * HOUR)).collect();
    let tasks: Vec<_> = writes
        .iter()
        .cloned()
        .map(|b| {
            let store = Arc::clone(&store);
            tokio::spawn(async move { create(&*store, std::slice::from_ref(&b)).await })
        })
        .collect();
    for task in tasks.iter().step_by(2) {
        task.abort();
    }
    for task in tasks {
        if let Ok(result) = task.await {
            ok(result);
        }
    }
    // A last write is answered after every write handed over before it.
    ok(create(&*store, &[booking(&sala, &ana, T0 - HOUR, T0)]).await);
    for b in &writes {
        match ok(store.get_booking(acme.id, b.id).await) {
            Some(_) => {
                assert_eq!(ok(store.jobs_for_booking(acme.id, b.id).await).len(), 1, "{}", b.id);
                assert_eq!(audit_of(&*store, acme.id, b.id.0).await.len(), 1, "{}", b.id);
            }
            None => assert_absent(&*store, b).await,
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}
