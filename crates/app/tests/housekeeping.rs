//! The hourly purge, on a real store: what it forgets and what it must keep.

use sala_app::demo::seed_demo;
use sala_app::housekeeping::purge;
use sala_domain::audit::GUESTS_INVITED;
use sala_domain::{Actor, AuditEntry, AuditId, Millis, TenantId, UserId, now_millis};
use sala_store::Store;
use sala_store::testing::fresh_sqlite;
use serde_json::json;
use std::time::Duration;

const HOUR: Millis = 3_600_000;

fn ok<T, E: std::fmt::Debug>(result: Result<T, E>) -> T {
    result.expect("the store answers")
}

fn invited(tenant: TenantId, actor: Actor, at: Millis, count: u64) -> AuditEntry {
    AuditEntry {
        id: AuditId::new(),
        tenant_id: tenant,
        at,
        actor,
        action: GUESTS_INVITED.into(),
        subject_type: "booking".into(),
        subject_id: Some(uuid::Uuid::now_v7()),
        before: None,
        after: Some(json!({"count": count, "guests": []})),
        request_id: None,
        ip: None,
    }
}

#[tokio::test]
async fn purge_forgets_old_guest_counters_and_keeps_the_days_quota() {
    let db = fresh_sqlite().await;
    let store: &dyn Store = &*db.store;
    let tenant = ok(seed_demo(store).await).id;
    let ana = Actor::User(UserId::new());
    let now = now_millis();
    for entry in [invited(tenant, ana, now - 3 * 24 * HOUR, 40), invited(tenant, ana, now - HOUR, 3)] {
        ok(store.insert_audit(&entry).await);
    }
    let day_ago = now - 24 * HOUR;
    let before = ok(store.count_invited_guests(tenant, Some(&ana), day_ago).await);
    assert_eq!(before, 3);

    let purged = ok(purge(store, now, Duration::from_secs(30 * 24 * 3600)).await);
    assert_eq!(purged.invite_counters, 2, "ana's and the organization's counter of three days ago");
    assert_eq!(ok(store.count_invited_guests(tenant, Some(&ana), day_ago).await), 3);
    assert_eq!(ok(store.count_invited_guests(tenant, None, day_ago).await), 3);
    assert_eq!(ok(purge(store, now, Duration::from_secs(30 * 24 * 3600)).await).invite_counters, 0);
}
