//! Calendar watches: one per person, found by their open channel from any tenant, replaced on
//! renewal, tenant-scoped, listed for the reconciliation, forgotten on disconnect.

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

conformance!(borrowed: [case_calendar_watches], shared: []);
