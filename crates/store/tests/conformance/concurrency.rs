//! Concurrency: the store shared by many tasks at once, as the server holds it, with bookings
//! racing for one room (the first race also between two PostgreSQL instances).

use super::{
    HOUR, MINUTE, Office, T0, all, assert_absent, assert_overlap, booking, busy_of, create, edit, ids, list, moved,
    next, office, ok, save,
};
use sala_domain::{Booking, BookingId, BookingStatus, Room, RoomKind};
use sala_store::{BookingQuery, Store, StoreError};
use std::sync::Arc;

const RACERS: usize = 50;

/// Runs every write at once, each in its own task (on several threads), and returns the results
/// in the order given.
pub(super) async fn race(stores: &[Arc<dyn Store>], writes: Vec<Booking>) -> Vec<Result<(), StoreError>> {
    let barrier = Arc::new(tokio::sync::Barrier::new(writes.len()));
    let tasks: Vec<_> = writes
        .into_iter()
        .enumerate()
        .map(|(i, b)| {
            let store = Arc::clone(&stores[i % stores.len()]);
            let barrier = Arc::clone(&barrier);
            tokio::spawn(async move {
                barrier.wait().await;
                create(&*store, std::slice::from_ref(&b)).await
            })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap_or_else(|e| panic!("task failed: {e}")));
    }
    results
}

/// 50 creates for the same room and slot at once: exactly one wins, 49 are told which one.
async fn same_slot_race(stores: &[Arc<dyn Store>]) {
    let store = &*stores[0];
    let Office { acme, ana, sala, .. } = office(store).await;
    let writes: Vec<Booking> = (0..RACERS).map(|_| booking(&sala, &ana, T0, T0 + HOUR)).collect();
    let results = race(stores, writes.clone()).await;

    let winners: Vec<&Booking> = writes.iter().zip(&results).filter(|(_, r)| r.is_ok()).map(|(b, _)| b).collect();
    assert_eq!(winners.len(), 1, "exactly one create wins: {results:?}");
    let winner = winners[0];
    for result in results.into_iter().filter(Result::is_err) {
        assert_overlap(result, winner);
    }
    assert_eq!(ids(&list(store, acme.id, all(500)).await), [winner.id]);
    for loser in writes.iter().filter(|b| b.id != winner.id) {
        assert_absent(store, loser).await;
    }
    assert_eq!(ok(store.jobs_for_booking(acme.id, winner.id).await).len(), 1);
}

async fn case_concurrent_creates_same_slot(store: Arc<dyn Store>) {
    same_slot_race(&[store]).await;
}

/// A virtual room for three meetings at once: 50 creates for one slot, three win and the others
/// are told of one in the way; a later move of a fourth meeting into the slot is refused too,
/// and one ending as the slot starts fits (half-open ranges).
async fn case_a_virtual_room_holds_its_limit_under_racing_creates(store: Arc<dyn Store>) {
    let Office { acme, ana, sala, .. } = office(&*store).await;
    let room = virtual_room(&*store, &sala, Some(3)).await;
    let writes: Vec<Booking> = (0..RACERS).map(|_| booking(&room, &ana, T0, T0 + HOUR)).collect();
    let results = race(std::slice::from_ref(&store), writes.clone()).await;
    let won: Vec<BookingId> = writes.iter().zip(&results).filter(|(_, r)| r.is_ok()).map(|(b, _)| b.id).collect();
    assert_eq!(won.len(), 3, "the limit holds: {results:?}");
    for result in results.into_iter().filter(Result::is_err) {
        match result {
            Err(StoreError::Overlap(busy)) => assert!(won.contains(&busy.booking_id), "{busy:?}"),
            other => panic!("every refusal names a meeting in the way, got {other:?}"),
        }
    }
    let later = booking(&room, &ana, T0 + 2 * HOUR, T0 + 3 * HOUR);
    ok(create(&*store, std::slice::from_ref(&later)).await);
    assert!(matches!(
        edit(&*store, &[moved(&later, T0 + 30 * MINUTE, T0 + 90 * MINUTE)]).await,
        Err(StoreError::Overlap(_))
    ));
    let before = booking(&room, &ana, T0 - HOUR, T0);
    ok(create(&*store, std::slice::from_ref(&before)).await);
    // Without a limit, any number fit; the physical room beside it still takes one.
    let open = virtual_room(&*store, &sala, None).await;
    let many: Vec<Booking> = (0..10).map(|_| booking(&open, &ana, T0, T0 + HOUR)).collect();
    assert!(race(std::slice::from_ref(&store), many).await.iter().all(Result::is_ok));
    let stored = list(&*store, acme.id, BookingQuery { room_id: Some(sala.id), ..all(500) }).await;
    assert!(stored.is_empty());
}

/// A virtual room beside `like` (same tenant), with `limit` meetings at once.
async fn virtual_room(store: &dyn Store, like: &Room, limit: Option<u32>) -> Room {
    let room = Room {
        id: sala_domain::RoomId::new(),
        name: format!("Virtual {}", limit.map_or("open".to_owned(), |l| l.to_string())),
        kind: RoomKind::Virtual,
        max_meetings: limit,
        video_link: Some("https://meet.google.com/abc-defg-hij".into()),
        ..like.clone()
    };
    ok(store.insert_room(&room, &super::entry(room.tenant_id, "room.created", Some(room.id.0))).await);
    room
}

/// 50 creates at once, each an hour long, starting every 10 minutes: whichever win, no two
/// stored bookings overlap, and every refusal names a stored booking that really overlaps it.
async fn case_concurrent_creates_overlapping_slots(store: Arc<dyn Store>) {
    let Office { acme, ana, sala, .. } = office(&*store).await;
    let writes: Vec<Booking> =
        (0..RACERS as i64).map(|i| booking(&sala, &ana, T0 + i * 10 * MINUTE, T0 + i * 10 * MINUTE + HOUR)).collect();
    let results = race(std::slice::from_ref(&store), writes.clone()).await;

    let stored = list(&*store, acme.id, BookingQuery { status: Some(BookingStatus::Confirmed), ..all(500) }).await;
    let won: Vec<BookingId> = writes.iter().zip(&results).filter(|(_, r)| r.is_ok()).map(|(b, _)| b.id).collect();
    let mut stored_ids = ids(&stored);
    stored_ids.sort();
    let mut won_sorted = won.clone();
    won_sorted.sort();
    assert_eq!(stored_ids, won_sorted, "exactly the successful creates are stored");
    assert!(!stored.is_empty());
    for pair in stored.windows(2) {
        assert!(!pair[0].time.overlaps(&pair[1].time), "double booking: {:?} and {:?}", pair[0].time, pair[1].time);
    }
    for (b, result) in writes.iter().zip(results) {
        match result {
            Ok(()) => {}
            Err(StoreError::Overlap(busy)) => {
                assert!(won.contains(&busy.booking_id), "{busy:?} names a stored booking");
                assert!(busy.time.overlaps(&b.time), "{busy:?} overlaps {:?}", b.time);
            }
            Err(other) => panic!("every refusal is an overlap, got {other:?}"),
        }
    }
}

/// 25 creates for one slot and, at the same time, 25 edits moving other bookings into it: one
/// of the 50 wins, every other is refused as an overlap with it, and the moved ones stay put.
async fn case_concurrent_creates_and_moves(store: Arc<dyn Store>) {
    let Office { acme, ana, sala, .. } = office(&*store).await;
    let day = 24 * HOUR;
    let parked: Vec<Booking> = (1..=25).map(|i| booking(&sala, &ana, T0 + i * day, T0 + i * day + HOUR)).collect();
    ok(create(&*store, &parked).await);
    let barrier = Arc::new(tokio::sync::Barrier::new(RACERS));
    let mut tasks = Vec::new();
    for (i, old) in parked.iter().enumerate() {
        let new = booking(&sala, &ana, T0 + i as i64 * MINUTE, T0 + HOUR);
        let change = moved(old, T0 + 30 * MINUTE, T0 + 90 * MINUTE + i as i64 * MINUTE);
        for (b, update) in [(new, false), (change, true)] {
            let (store, barrier) = (Arc::clone(&store), Arc::clone(&barrier));
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                let result = save(&*store, update, std::slice::from_ref(&b)).await;
                (b, result)
            }));
        }
    }
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap_or_else(|e| panic!("task failed: {e}")));
    }
    let winners: Vec<&Booking> = outcomes.iter().filter(|(_, r)| r.is_ok()).map(|(b, _)| b).collect();
    assert_eq!(winners.len(), 1, "exactly one wins: {outcomes:?}");
    let winner = winners[0];
    for (b, result) in &outcomes {
        match result {
            Ok(()) => {}
            Err(StoreError::Overlap(busy)) => assert_eq!(*busy, busy_of(winner), "{} names the winner", b.id),
            Err(other) => panic!("every refusal is an overlap, got {other:?}"),
        }
    }
    let window = BookingQuery { to: Some(T0 + 12 * HOUR), status: Some(BookingStatus::Confirmed), ..all(500) };
    assert_eq!(list(&*store, acme.id, window).await, vec![winner.clone()]);
    for old in parked.iter().filter(|p| p.id != winner.id) {
        assert_eq!(ok(store.get_booking(acme.id, old.id).await).as_ref(), Some(old));
    }
}

/// 50 edits of the same booking from the same version at once: one wins, 49 are stale.
async fn case_concurrent_edits_same_version(store: Arc<dyn Store>) {
    let Office { acme, ana, sala, .. } = office(&*store).await;
    let original = booking(&sala, &ana, T0, T0 + HOUR);
    ok(create(&*store, std::slice::from_ref(&original)).await);
    let barrier = Arc::new(tokio::sync::Barrier::new(RACERS));
    let tasks: Vec<_> = (0..RACERS)
        .map(|i| {
            let (store, barrier) = (Arc::clone(&store), Arc::clone(&barrier));
            let mut change = next(&original);
            change.title = format!("Edit {i}");
            change.time = original.time.shifted(i as i64 * MINUTE);
            tokio::spawn(async move {
                barrier.wait().await;
                let result = edit(&*store, std::slice::from_ref(&change)).await;
                (change, result)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        let (change, result) = task.await.unwrap_or_else(|e| panic!("task failed: {e}"));
        match result {
            Ok(()) => winners.push(change),
            Err(StoreError::VersionMismatch) => {}
            Err(other) => panic!("expected VersionMismatch, got {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1);
    assert_eq!(ok(store.get_booking(acme.id, original.id).await), winners.pop());
}

/// Two `sala serve` processes on one PostgreSQL database: two stores, each with its own pool,
/// racing for the same slot. Only the exclusion constraint can settle this.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_two_instances_race_for_one_slot() {
    let Some(db) = sala_store::testing::fresh_postgres().await else { return };
    let other: Arc<dyn Store> = Arc::new(ok(sala_store::postgres::PgStore::connect(&db.url).await));
    same_slot_race(&[db.store.clone(), other]).await;
}

conformance!(
    borrowed: [],
    shared: [
        case_concurrent_creates_same_slot,
        case_concurrent_creates_overlapping_slots,
        case_concurrent_creates_and_moves,
        case_concurrent_edits_same_version,
        case_a_virtual_room_holds_its_limit_under_racing_creates,
    ],
);
