//! Attendance: rooms' kiosk links, guests' answers, and check-ins against the no-show release.

use super::{HOUR, Office, T0, add_room, add_tenant, add_user, booking, create, entry, hash, next, office, ok, tick};
use sala_domain::{Actor, Booking, BookingStatus, Email, Millis, TenantId, User};
use sala_store::{AuditQuery, BookingWrite, Store, StoreError};
use std::sync::Arc;

/// A room's kiosk link: found by its token's hash from any tenant, replaced by a new one (the
/// old hash stops working), removed; another tenant's room cannot be given one.
async fn case_room_kiosks(store: &dyn Store) {
    use sala_domain::attendance::Kiosk;
    let acme = add_tenant(store, "Acme", &["acme.test"]).await;
    let globex = add_tenant(store, "Globex", &["globex.test"]).await;
    let room = add_room(store, acme.id, "Sala Sur").await;
    let kiosk = |tenant: TenantId, seed: &str| Kiosk {
        tenant_id: tenant,
        room_id: room.id,
        token_hash: hash(seed),
        created_by: Actor::System,
        created_at: tick(),
    };
    assert_eq!(ok(store.kiosk_of(acme.id, room.id).await), None);
    let first = kiosk(acme.id, "first");
    ok(store.put_kiosk(&first, &entry(acme.id, "room.kiosk_created", Some(room.id.0))).await);
    assert_eq!(ok(store.kiosk_by_token(&hash("first")).await), Some(first.clone()));
    assert_eq!(ok(store.kiosk_of(acme.id, room.id).await), Some(first));
    assert_eq!(ok(store.kiosk_of(globex.id, room.id).await), None, "tenant-scoped");

    let second = kiosk(acme.id, "second");
    ok(store.put_kiosk(&second, &entry(acme.id, "room.kiosk_created", Some(room.id.0))).await);
    assert_eq!(ok(store.kiosk_by_token(&hash("first")).await), None, "replaced");
    assert_eq!(ok(store.kiosk_by_token(&hash("second")).await), Some(second));

    let foreign = kiosk(globex.id, "foreign");
    assert!(store.put_kiosk(&foreign, &entry(globex.id, "room.kiosk_created", None)).await.is_err());
    assert!(!ok(store.delete_kiosk(globex.id, room.id, &entry(globex.id, "room.kiosk_deleted", None)).await));
    assert!(ok(store.delete_kiosk(acme.id, room.id, &entry(acme.id, "room.kiosk_deleted", None)).await));
    assert_eq!(ok(store.kiosk_by_token(&hash("second")).await), None);
    let audit = ok(store
        .list_audit(acme.id, &AuditQuery { action_prefix: Some("room.kiosk".into()), limit: 10, ..Default::default() })
        .await);
    assert_eq!(audit.len(), 3, "two links and a removal, each audited");
}

/// Guests' answers: the latest per person counts (addresses compare without case), the same
/// answer again writes nothing, and another tenant sees none of them.
async fn case_booking_replies(store: &dyn Store) {
    use sala_domain::attendance::{Answer, Reply};
    let acme = add_tenant(store, "Acme", &["acme.test"]).await;
    let globex = add_tenant(store, "Globex", &["globex.test"]).await;
    let ana = add_user(store, acme.id, "ana@acme.test", "Ana").await;
    let room = add_room(store, acme.id, "Sala Sur").await;
    let b = booking(&room, &ana, T0, T0 + HOUR);
    let write = BookingWrite {
        tenant_id: acme.id,
        series: None,
        bookings: std::slice::from_ref(&b),
        audit: &[],
        jobs: &[],
        idempotency: None,
        drop_timed_jobs: &[],
        unless_checked_in: false,
    };
    ok(store.insert_bookings(write).await);
    let reply = |email: &str, answer: Answer, at: Millis| Reply {
        tenant_id: acme.id,
        booking_id: b.id,
        email: ok(Email::parse(email)),
        answer,
        at,
    };
    let audit = || entry(acme.id, "booking.answered", Some(b.id.0));
    assert!(ok(store.record_reply(&reply("Cliente@globex.com", Answer::Declined, T0), &[], &audit()).await));
    let same = reply("cliente@globex.com", Answer::Declined, T0 + 1);
    assert!(!ok(store.record_reply(&same, &[], &audit()).await), "no change, nothing written");
    assert!(ok(store.record_reply(&reply("cliente@globex.com", Answer::Accepted, T0 + 2), &[], &audit()).await));
    let replies = ok(store.replies(acme.id, b.id).await);
    assert_eq!(replies.len(), 1);
    assert_eq!((replies[0].answer, replies[0].at), (Answer::Accepted, T0 + 2));
    assert!(ok(store.replies(globex.id, b.id).await).is_empty(), "tenant-scoped");
}

/// A release (the no-show check) and a check-in of the same booking: whichever comes second
/// loses, so a booking is never both released and attended.
async fn release(store: &dyn Store, b: &Booking) -> Result<(), StoreError> {
    let released = Booking { status: BookingStatus::Released, ..next(b) };
    let write = BookingWrite {
        tenant_id: b.tenant_id,
        series: None,
        bookings: std::slice::from_ref(&released),
        audit: &[],
        jobs: &[],
        idempotency: None,
        drop_timed_jobs: &[],
        unless_checked_in: true,
    };
    store.update_bookings(write).await
}

async fn check_in(store: &dyn Store, b: &Booking, who: &User) -> Result<bool, StoreError> {
    use sala_domain::attendance::{CheckIn, CheckInSource};
    let c = CheckIn {
        tenant_id: b.tenant_id,
        booking_id: b.id,
        email: who.email.clone(),
        at: tick(),
        by: Actor::System,
        source: CheckInSource::Api,
    };
    store.record_check_in(&c, &[], &entry(b.tenant_id, "booking.checked_in", Some(b.id.0))).await
}

async fn case_release_and_check_in_exclude_each_other(store: &dyn Store) {
    let Office { acme, ana, sala, .. } = office(store).await;
    let attended = booking(&sala, &ana, T0, T0 + HOUR);
    let empty = booking(&sala, &ana, T0 + 2 * HOUR, T0 + 3 * HOUR);
    ok(create(store, &[attended.clone(), empty.clone()]).await);

    assert!(ok(check_in(store, &attended, &ana).await));
    assert!(matches!(release(store, &attended).await, Err(StoreError::Attended)), "someone came");
    assert_eq!(ok(store.get_booking(acme.id, attended.id).await), Some(attended), "untouched");

    ok(release(store, &empty).await);
    assert!(matches!(check_in(store, &empty, &ana).await, Err(StoreError::NotConfirmed)), "released");
    assert!(ok(store.check_ins(acme.id, empty.id).await).is_empty());
}

/// The bookings of a range someone checked in to: once each however many came, only those
/// starting in `[from, to)`, only the tenant's.
async fn case_checked_in_bookings(store: &dyn Store) {
    let Office { acme, ana, luis, sala, .. } = office(store).await;
    let globex = add_tenant(store, "Globex", &["globex.test"]).await;
    let attended = booking(&sala, &ana, T0, T0 + HOUR);
    let empty = booking(&sala, &ana, T0 + HOUR, T0 + 2 * HOUR);
    let later = booking(&sala, &ana, T0 + 3 * HOUR, T0 + 4 * HOUR);
    ok(create(store, &[attended.clone(), empty.clone(), later.clone()]).await);
    assert!(ok(check_in(store, &attended, &ana).await));
    assert!(ok(check_in(store, &attended, &luis).await));
    assert!(ok(check_in(store, &later, &ana).await));
    assert_eq!(ok(store.checked_in_bookings(acme.id, T0, T0 + 3 * HOUR).await), vec![attended.id], "once each");
    let mut both = ok(store.checked_in_bookings(acme.id, T0, T0 + 4 * HOUR).await);
    both.sort();
    let mut expected = vec![attended.id, later.id];
    expected.sort();
    assert_eq!(both, expected);
    assert!(ok(store.checked_in_bookings(acme.id, T0 + 1, T0 + 3 * HOUR).await).is_empty(), "by start");
    assert!(ok(store.checked_in_bookings(globex.id, T0, T0 + 4 * HOUR).await).is_empty(), "tenant-scoped");
}

/// Many rounds of a release racing a check-in: each round exactly one of them wins.
async fn case_concurrent_release_and_check_in(store: Arc<dyn Store>) {
    let Office { acme, ana, sala, .. } = office(&*store).await;
    for round in 0..20 {
        let b = booking(&sala, &ana, T0 + round * 2 * HOUR, T0 + round * 2 * HOUR + HOUR);
        ok(create(&*store, std::slice::from_ref(&b)).await);
        let barrier = Arc::new(tokio::sync::Barrier::new(2));
        let (s1, s2, b1, b2, a, bar1, bar2) =
            (store.clone(), store.clone(), b.clone(), b.clone(), ana.clone(), barrier.clone(), barrier.clone());
        let releasing = tokio::spawn(async move {
            bar1.wait().await;
            release(&*s1, &b1).await
        });
        let checking = tokio::spawn(async move {
            bar2.wait().await;
            check_in(&*s2, &b2, &a).await
        });
        let released = releasing.await.unwrap_or_else(|e| panic!("{e}"));
        let checked = checking.await.unwrap_or_else(|e| panic!("{e}"));
        let now = ok(store.get_booking(acme.id, b.id).await).unwrap_or_else(|| panic!("the booking"));
        let check_ins = ok(store.check_ins(acme.id, b.id).await);
        match (released, checked) {
            (Ok(()), Err(StoreError::NotConfirmed)) => {
                assert_eq!(now.status, BookingStatus::Released);
                assert!(check_ins.is_empty(), "round {round}");
            }
            (Err(StoreError::Attended), Ok(true)) => {
                assert_eq!(now.status, BookingStatus::Confirmed);
                assert_eq!(check_ins.len(), 1, "round {round}");
            }
            other => panic!("round {round}: both or neither won: {other:?}"),
        }
    }
}

conformance!(
    borrowed: [
        case_room_kiosks,
        case_booking_replies,
        case_release_and_check_in_exclude_each_other,
        case_checked_in_bookings,
    ],
    shared: [
        case_concurrent_release_and_check_in,
    ],
);
