//! Calendar watches: one per person, found by their open channel from any tenant, replaced on
//! renewal, tenant-scoped, listed for the reconciliation, forgotten on disconnect; held by one
//! read of the calendar at a time.

use super::{add_tenant, add_user, hash, ok, tick};
use sala_domain::google::CalendarWatch;
use sala_store::Store;

async fn case_calendar_watches(store: &dyn Store) {
    let acme = add_tenant(store, "Acme", &["acme.test"]).await;
    let globex = add_tenant(store, "Globex", &["globex.test"]).await;
    let ana = add_user(store, acme.id, "ana@acme.test", "Ana").await;
    let bo = add_user(store, globex.id, "bo@globex.test", "Bo").await;

    let fresh = CalendarWatch::new(acme.id, ana.id, tick());
    ok(store.save_calendar_watch(&fresh).await);
    assert_eq!(ok(store.calendar_watch(acme.id, ana.id).await), Some(fresh.clone()));
    assert_eq!(ok(store.calendar_watch(globex.id, ana.id).await), None, "tenant-scoped");

    // A channel opens, then a renewal replaces it: the old channel id no longer finds the watch.
    let opened = CalendarWatch {
        channel_id: Some("chan-1".into()),
        token_hash: Some(hash("t1")),
        resource_id: Some("res-1".into()),
        expires_at: Some(tick()),
        cursor: Some("sync-1".into()),
        synced_at: Some(tick()),
        ..fresh.clone()
    };
    ok(store.save_calendar_watch(&opened).await);
    assert_eq!(ok(store.calendar_watch_by_channel("chan-1").await), Some(opened.clone()));
    let renewed = CalendarWatch { channel_id: Some("chan-2".into()), token_hash: Some(hash("t2")), ..opened };
    ok(store.save_calendar_watch(&renewed).await);
    assert_eq!(ok(store.calendar_watch_by_channel("chan-1").await), None);
    assert_eq!(ok(store.calendar_watch_by_channel("chan-2").await), Some(renewed.clone()));
    assert_eq!(ok(store.calendar_watch(acme.id, ana.id).await).map(|w| w.created_at), Some(fresh.created_at));

    let other = CalendarWatch::new(globex.id, bo.id, tick());
    ok(store.save_calendar_watch(&other).await);
    let all = ok(store.all_calendar_watches().await);
    assert_eq!(all.len(), 2, "every tenant's, for the reconciliation");
    assert!(ok(store.delete_calendar_watch(acme.id, ana.id).await));
    assert!(!ok(store.delete_calendar_watch(acme.id, ana.id).await), "already gone");
    assert_eq!(ok(store.calendar_watch_by_channel("chan-2").await), None);
    assert_eq!(ok(store.booking_with_event(acme.id, "no-such-event").await), None);
}

async fn case_one_read_holds_a_watch(store: &dyn Store) {
    let acme = add_tenant(store, "Acme", &["acme.test"]).await;
    let ana = add_user(store, acme.id, "ana@acme.test", "Ana").await;
    let luis = add_user(store, acme.id, "luis@acme.test", "Luis").await;
    let watch = CalendarWatch::new(acme.id, ana.id, tick());
    ok(store.save_calendar_watch(&watch).await);
    let now = tick();
    assert!(ok(store.hold_calendar_watch(acme.id, ana.id, now, now + 1000).await), "free");
    assert!(!ok(store.hold_calendar_watch(acme.id, ana.id, now + 1, now + 1001).await), "held by the first read");
    // Saving the watch (a read keeps its cursor) leaves the hold as it is.
    ok(store.save_calendar_watch(&CalendarWatch { cursor: Some("sync-2".into()), ..watch.clone() }).await);
    assert!(!ok(store.hold_calendar_watch(acme.id, ana.id, now + 2, now + 1002).await), "still held");
    // A hold that ran out (a dead process's) is taken over, and the late first read's release
    // leaves the new hold alone.
    assert!(ok(store.hold_calendar_watch(acme.id, ana.id, now + 1000, now + 2000).await), "ran out");
    ok(store.release_calendar_watch(acme.id, ana.id, now + 1000).await);
    assert!(!ok(store.hold_calendar_watch(acme.id, ana.id, now + 1001, now + 3000).await), "the new hold stands");
    ok(store.release_calendar_watch(acme.id, ana.id, now + 2000).await);
    assert!(ok(store.hold_calendar_watch(acme.id, ana.id, now + 1002, now + 3000).await), "released");
    // Someone without a watch has nothing to hold.
    assert!(ok(store.hold_calendar_watch(acme.id, luis.id, now, now + 1000).await));
}

conformance!(borrowed: [case_calendar_watches, case_one_read_holds_a_watch], shared: []);
