//! Bookings: the round trip of every field, listing and paging, busy times, idempotency records,
//! the jobs written with a change, and tenant isolation.

use super::{
    HOUR, MINUTE, Office, T0, WEEK, actions, add_room, add_tenant, add_user, all, assert_absent, assert_duplicate,
    assert_not_found, assert_overlap, assert_version_mismatch, attendee, audit_of, booking, busy_of, cancelled, create,
    edit, entry, hash, ids, job, list, madrid, moved, office, ok,
};
use sala_domain::{
    Actor, ApiKeyId, Booking, BookingId, BookingStatus, Frequency, JobKind, Recurrence, Series, SeriesId, TimeRange,
    User,
};
use sala_store::{BookingQuery, BookingWrite, IdempotencyRecord, Store, Unique};
use serde_json::json;

/// In the store's order: by start, then id.
fn ordered(bookings: &[&Booking]) -> Vec<BookingId> {
    let mut sorted: Vec<&Booking> = bookings.to_vec();
    sorted.sort_by_key(|b| (b.time.start, b.id));
    sorted.into_iter().map(|b| b.id).collect()
}

async fn case_booking_round_trip(store: &dyn Store) {
    let Office { acme, ana, luis, sala, .. } = office(store).await;
    let series = Series {
        id: SeriesId::new(),
        tenant_id: acme.id,
        // A monthly rule keeps its `by` through the store.
        rule: Recurrence {
            frequency: Frequency::Monthly,
            interval: 1,
            count: None,
            until: Some(ok("2026-03-31".parse())),
            by: Some(sala_domain::MonthlyBy::Weekday),
        },
        time_zone: madrid(),
        created_at: T0,
    };
    let mut first = booking(&sala, &ana, T0, T0 + HOUR);
    first.title = "Revisión 'Q1' <b>trimestral</b>".into();
    first.description = Some("Agenda:\n1. Cifras\n2. Ñandú 🎉".into());
    // Not in alphabetical order: the order given is the order kept.
    first.attendees = vec![
        attendee("zoe@partner.test", Some("Zoë Martín"), None),
        attendee("luis@acme.test", Some("Luis"), Some(luis.id)),
        attendee("Guest.Person@Partner.test", None, None),
    ];
    first.google_meet = true;
    first.external_ref = Some("crm-deal-42".into());
    first.metadata = json!({"crm": {"deal": 42, "tags": ["a", "b"], "won": null}, "note": "año"});
    first.series_id = Some(series.id);
    first.created_by = Actor::ApiKey(ApiKeyId::new());
    first.created_at = T0 - HOUR;
    first.updated_at = T0 - HOUR;
    let mut second = first.clone();
    second.id = BookingId::new();
    second.time = first.time.shifted(WEEK);
    second.attendees.truncate(1);
    // What the calendar job learned is kept as written (a copy of a meeting may carry it).
    second.google_event_id = Some("evt-123".into());
    second.meet_link = Some("https://meet.google.com/abc-defg-hij".into());

    let audit =
        [entry(acme.id, "booking.created", Some(first.id.0)), entry(acme.id, "booking.created", Some(second.id.0))];
    // Written newest first; read oldest first (by creation, then id).
    let jobs = [
        job(&first, JobKind::Reminder, first.time.start - 15 * MINUTE, T0 + 1),
        job(&first, JobKind::Notify, T0, T0),
        job(&first, JobKind::Webhook, T0, T0),
        job(&second, JobKind::Notify, T0, T0),
    ];
    let bookings = [first.clone(), second.clone()];
    let write = BookingWrite {
        tenant_id: acme.id,
        series: Some(&series),
        bookings: &bookings,
        audit: &audit,
        jobs: &jobs,
        idempotency: None,
        drop_timed_jobs: &[],
        unless_checked_in: false,
    };
    ok(store.insert_bookings(write).await);

    assert_eq!(ok(store.get_booking(acme.id, first.id).await), Some(first.clone()));
    assert_eq!(ok(store.get_booking(acme.id, second.id).await), Some(second.clone()));
    assert_eq!(ok(store.get_booking(acme.id, BookingId::new()).await), None);
    assert_eq!(ok(store.get_series(acme.id, series.id).await), Some(series.clone()));
    assert_eq!(ok(store.get_series(acme.id, SeriesId::new()).await), None);
    let query = BookingQuery { series_id: Some(series.id), limit: 10, ..BookingQuery::default() };
    assert_eq!(list(store, acme.id, query).await, vec![first.clone(), second.clone()]);
    assert_eq!(actions(&audit_of(store, acme.id, first.id.0).await), ["booking.created"]);
    assert_eq!(audit_of(store, acme.id, second.id.0).await, vec![audit[1].clone()]);

    let mut expected = vec![jobs[1].clone(), jobs[2].clone()];
    expected.sort_by_key(|j| j.id);
    expected.push(jobs[0].clone());
    assert_eq!(ok(store.jobs_for_booking(acme.id, first.id).await), expected);
    assert_eq!(ok(store.jobs_for_booking(acme.id, second.id).await), vec![jobs[3].clone()]);

    // A series with a count instead of an end date, and a booking without any optional field.
    let counted = Series {
        id: SeriesId::new(),
        rule: Recurrence { frequency: Frequency::Weekdays, interval: 1, count: Some(10), until: None, by: None },
        ..series.clone()
    };
    let mut plain = booking(&sala, &ana, T0 + 2 * HOUR, T0 + 3 * HOUR);
    plain.series_id = Some(counted.id);
    plain.created_by = Actor::System;
    let write = BookingWrite {
        tenant_id: acme.id,
        series: Some(&counted),
        bookings: std::slice::from_ref(&plain),
        audit: &[],
        jobs: &[],
        idempotency: None,
        drop_timed_jobs: &[],
        unless_checked_in: false,
    };
    ok(store.insert_bookings(write).await);
    assert_eq!(ok(store.get_series(acme.id, counted.id).await), Some(counted));
    assert_eq!(ok(store.get_booking(acme.id, plain.id).await), Some(plain));
}

async fn case_booking_list_and_pagination(store: &dyn Store) {
    let Office { acme, ana, luis, sala, azul } = office(store).await;
    let beta = add_tenant(store, "Beta", &["beta.test"]).await;
    let series = Series {
        id: SeriesId::new(),
        tenant_id: acme.id,
        rule: Recurrence { frequency: Frequency::Weekly, interval: 1, count: Some(2), until: None, by: None },
        time_zone: madrid(),
        created_at: T0,
    };
    let mut b1 = booking(&sala, &ana, T0 - HOUR, T0);
    b1.attendees = vec![
        attendee("b@partner.test", None, None),
        attendee("luis@acme.test", None, Some(luis.id)),
        attendee("a@partner.test", None, None),
    ];
    let b2 = booking(&azul, &luis, T0 - HOUR, T0);
    let mut b3 = booking(&sala, &luis, T0, T0 + HOUR);
    b3.attendees = vec![attendee("ana@acme.test", Some("Ana"), Some(ana.id))];
    let mut b4 = booking(&azul, &ana, T0 + HOUR, T0 + 2 * HOUR);
    b4.status = BookingStatus::Cancelled;
    b4.cancelled_at = Some(T0);
    let mut b5 = booking(&sala, &ana, T0 + 3 * HOUR, T0 + 4 * HOUR);
    b5.series_id = Some(series.id);
    let mut b6 = booking(&sala, &ana, T0 + WEEK + 3 * HOUR, T0 + WEEK + 4 * HOUR);
    b6.series_id = Some(series.id);
    // Written out of order, in two changes.
    ok(create(store, &[b4.clone(), b2.clone(), b3.clone(), b1.clone()]).await);
    let write = BookingWrite {
        tenant_id: acme.id,
        series: Some(&series),
        bookings: &[b6.clone(), b5.clone()],
        audit: &[],
        jobs: &[],
        idempotency: None,
        drop_timed_jobs: &[],
        unless_checked_in: false,
    };
    ok(store.insert_bookings(write).await);
    add_room(store, beta.id, "Sala").await;

    let everything = list(store, acme.id, all(100)).await;
    assert_eq!(ids(&everything), ordered(&[&b1, &b2, &b3, &b4, &b5, &b6]));
    // Attendees come with every listed booking, in their order.
    let by_id = |id: BookingId| everything.iter().find(|b| b.id == id).cloned();
    assert_eq!(by_id(b1.id), Some(b1.clone()));
    assert_eq!(by_id(b3.id), Some(b3.clone()));
    assert_eq!(by_id(b2.id), Some(b2.clone()));

    // Overlapping [from, to): touching ends are out.
    let window = BookingQuery { from: Some(T0), to: Some(T0 + HOUR), ..all(100) };
    assert_eq!(ids(&list(store, acme.id, window).await), [b3.id]);
    let window = BookingQuery { from: Some(T0 - 30 * MINUTE), to: Some(T0 + 30 * MINUTE), ..all(100) };
    assert_eq!(ids(&list(store, acme.id, window).await), ordered(&[&b1, &b2, &b3]));
    let from = BookingQuery { from: Some(T0 + 2 * HOUR), ..all(100) };
    assert_eq!(ids(&list(store, acme.id, from).await), [b5.id, b6.id]);
    let to = BookingQuery { to: Some(T0), ..all(100) };
    assert_eq!(ids(&list(store, acme.id, to).await), ordered(&[&b1, &b2]));
    let by_room = BookingQuery { room_id: Some(sala.id), ..all(100) };
    assert_eq!(ids(&list(store, acme.id, by_room).await), [b1.id, b3.id, b5.id, b6.id]);
    let by_organizer = BookingQuery { organizer_id: Some(ana.id), ..all(100) };
    assert_eq!(ids(&list(store, acme.id, by_organizer).await), [b1.id, b4.id, b5.id, b6.id]);
    let by_status = BookingQuery { status: Some(BookingStatus::Cancelled), ..all(100) };
    assert_eq!(ids(&list(store, acme.id, by_status).await), [b4.id]);
    let by_series = BookingQuery { series_id: Some(series.id), ..all(100) };
    assert_eq!(ids(&list(store, acme.id, by_series).await), [b5.id, b6.id]);
    // Organized by, or invited (as a person of the tenant) to; each booking once.
    let involving = |person: &User| BookingQuery { involving: Some(person.id), ..all(100) };
    assert_eq!(ids(&list(store, acme.id, involving(&luis)).await), ordered(&[&b1, &b2, &b3]));
    assert_eq!(ids(&list(store, acme.id, involving(&ana)).await), ordered(&[&b1, &b3, &b4, &b5, &b6]));
    let mine_in_sala = BookingQuery { room_id: Some(sala.id), ..involving(&luis) };
    assert_eq!(ids(&list(store, acme.id, mine_in_sala).await), [b1.id, b3.id]);
    let combined = BookingQuery {
        from: Some(T0 - 30 * MINUTE),
        room_id: Some(sala.id),
        organizer_id: Some(ana.id),
        status: Some(BookingStatus::Confirmed),
        ..all(100)
    };
    assert_eq!(ids(&list(store, acme.id, combined).await), [b1.id, b5.id, b6.id]);

    // Keyset pagination: three pages of two, then nothing.
    let mut pages = Vec::new();
    let mut after = None;
    loop {
        let page = list(store, acme.id, BookingQuery { after, ..all(2) }).await;
        let Some(last) = page.last() else { break };
        after = Some((last.time.start, last.id));
        pages.push(ids(&page));
    }
    assert_eq!(pages.len(), 3);
    assert!(pages.iter().all(|p| p.len() == 2));
    assert_eq!(pages.concat(), ids(&everything));
    // Within a filter too: the key is (start, id), so equal starts are not skipped.
    let first = list(store, acme.id, BookingQuery { to: Some(T0 + HOUR), ..all(1) }).await;
    let rest = BookingQuery { to: Some(T0 + HOUR), after: Some((first[0].time.start, first[0].id)), ..all(100) };
    assert_eq!([ids(&first), ids(&list(store, acme.id, rest).await)].concat(), ordered(&[&b1, &b2, &b3]));

    // The limit is clamped to 1..=500.
    assert_eq!(list(store, acme.id, all(0)).await.len(), 1);
    assert_eq!(list(store, acme.id, all(u32::MAX)).await.len(), 6);
    // Another tenant sees none of it.
    assert!(list(store, beta.id, all(100)).await.is_empty());
    assert!(list(store, beta.id, BookingQuery { room_id: Some(sala.id), ..all(100) }).await.is_empty());
}

async fn case_booking_busy_and_count_active(store: &dyn Store) {
    let Office { acme, ana, luis, sala, azul } = office(store).await;
    let patio = add_room(store, acme.id, "Patio").await;
    let a = booking(&sala, &ana, T0 - HOUR, T0);
    let mut b = booking(&sala, &ana, T0, T0 + HOUR);
    b.status = BookingStatus::Cancelled;
    b.cancelled_at = Some(T0);
    let c = booking(&sala, &ana, T0 + HOUR, T0 + 2 * HOUR);
    let d = booking(&azul, &ana, T0, T0 + HOUR);
    let e = booking(&azul, &luis, T0 - 2 * HOUR, T0 - HOUR);
    ok(create(store, &[a.clone(), b.clone(), c.clone(), d.clone(), e.clone()]).await);
    let range = |start, end| ok(TimeRange::new(start, end));

    assert_eq!(
        ok(store.busy(acme.id, &[sala.id], range(T0 - 30 * MINUTE, T0 + 90 * MINUTE)).await),
        vec![busy_of(&a), busy_of(&c)]
    );
    // Half-open: [T0, T0 + 1h) touches a and c but overlaps neither; the cancelled b is free.
    assert!(ok(store.busy(acme.id, &[sala.id], range(T0, T0 + HOUR)).await).is_empty());
    assert_eq!(ok(store.busy(acme.id, &[sala.id, azul.id], range(T0, T0 + HOUR)).await), vec![busy_of(&d)]);
    assert!(ok(store.busy(acme.id, &[patio.id], range(T0 - WEEK, T0 + WEEK)).await).is_empty());
    // No rooms named: every room of the tenant, by room, then start.
    let mut expected = vec![busy_of(&a), busy_of(&c), busy_of(&d), busy_of(&e)];
    expected.sort_by_key(|x| (x.room_id, x.time.start));
    assert_eq!(ok(store.busy(acme.id, &[], range(T0 - WEEK, T0 + WEEK)).await), expected);

    // Active: confirmed and ending after now.
    assert_eq!(ok(store.count_active_bookings(acme.id, ana.id, T0 - 2 * HOUR).await), 3);
    assert_eq!(ok(store.count_active_bookings(acme.id, ana.id, T0 - 1).await), 3);
    assert_eq!(ok(store.count_active_bookings(acme.id, ana.id, T0).await), 2);
    assert_eq!(ok(store.count_active_bookings(acme.id, ana.id, T0 + HOUR).await), 1);
    assert_eq!(ok(store.count_active_bookings(acme.id, ana.id, T0 + 2 * HOUR).await), 0);
    assert_eq!(ok(store.count_active_bookings(acme.id, luis.id, T0 - 3 * HOUR).await), 1);
    assert_eq!(ok(store.count_active_bookings(acme.id, luis.id, T0).await), 0);
}

async fn case_idempotency_records(store: &dyn Store) {
    let Office { acme, ana, luis, sala, .. } = office(store).await;
    let first = booking(&sala, &ana, T0, T0 + HOUR);
    let record = IdempotencyRecord {
        actor: format!("user:{}", ana.id),
        key: "7f7c1f1e-retry-me".into(),
        request_hash: hash("body one"),
        booking_ids: vec![first.id],
        created_at: T0,
    };
    let audit = [entry(acme.id, "booking.created", Some(first.id.0))];
    let write = BookingWrite {
        tenant_id: acme.id,
        series: None,
        bookings: std::slice::from_ref(&first),
        audit: &audit,
        jobs: &[],
        idempotency: Some(&record),
        drop_timed_jobs: &[],
        unless_checked_in: false,
    };
    ok(store.insert_bookings(write).await);
    assert_eq!(ok(store.idempotency_record(acme.id, &record.actor, &record.key).await), Some(record.clone()));
    assert_eq!(ok(store.idempotency_record(acme.id, &format!("user:{}", luis.id), &record.key).await), None);
    assert_eq!(ok(store.idempotency_record(acme.id, &record.actor, "other-key").await), None);

    // The same key from the same sender again: refused, with everything else in that write.
    let second = booking(&sala, &ana, T0 + 2 * HOUR, T0 + 3 * HOUR);
    let again = IdempotencyRecord { request_hash: hash("body two"), booking_ids: vec![second.id], ..record.clone() };
    let audit_second = [entry(acme.id, "booking.created", Some(second.id.0))];
    let retry = BookingWrite {
        bookings: std::slice::from_ref(&second),
        audit: &audit_second,
        idempotency: Some(&again),
        drop_timed_jobs: &[],
        unless_checked_in: false,
        ..write
    };
    assert_duplicate(store.insert_bookings(retry).await, Unique::IdempotencyKey);
    assert_absent(store, &second).await;
    assert_eq!(ok(store.idempotency_record(acme.id, &record.actor, &record.key).await), Some(record.clone()));
    // The same key from someone else is theirs; so is a multi-booking record.
    let mut api_key = record.clone();
    api_key.actor = format!("api_key:{}", ApiKeyId::new());
    let third = booking(&sala, &ana, T0 + 4 * HOUR, T0 + 5 * HOUR);
    api_key.booking_ids = vec![second.id, third.id];
    let both = [second.clone(), third.clone()];
    let later = IdempotencyRecord { created_at: T0 + HOUR, ..api_key };
    ok(store.insert_bookings(BookingWrite { bookings: &both, audit: &[], idempotency: Some(&later), ..write }).await);
    assert_eq!(ok(store.idempotency_record(acme.id, &later.actor, &later.key).await), Some(later.clone()));

    // Purged by age: the older record goes, the later one stays until its time.
    assert_eq!(ok(store.purge_idempotency_keys(T0).await), 0);
    assert_eq!(ok(store.purge_idempotency_keys(T0 + 1).await), 1);
    assert_eq!(ok(store.idempotency_record(acme.id, &record.actor, &record.key).await), None);
    assert_eq!(ok(store.idempotency_record(acme.id, &later.actor, &later.key).await), Some(later));
}

async fn case_booking_jobs_outbox(store: &dyn Store) {
    let Office { acme, ana, sala, .. } = office(store).await;
    let b = booking(&sala, &ana, T0 + 2 * HOUR, T0 + 3 * HOUR);
    let created = [
        job(&b, JobKind::Notify, T0, T0),
        job(&b, JobKind::CalendarSync, T0, T0),
        job(&b, JobKind::Webhook, T0, T0),
        job(&b, JobKind::Reminder, b.time.start - 15 * MINUTE, T0),
    ];
    let write = BookingWrite {
        tenant_id: acme.id,
        series: None,
        bookings: std::slice::from_ref(&b),
        audit: &[],
        jobs: &created,
        idempotency: None,
        drop_timed_jobs: &[],
        unless_checked_in: false,
    };
    ok(store.insert_bookings(write).await);
    let mut expected = created.to_vec();
    expected.sort_by_key(|j| j.id);
    assert_eq!(ok(store.jobs_for_booking(acme.id, b.id).await), expected);

    // An edit adds its own jobs after them.
    let b2 = moved(&b, T0 + 3 * HOUR, T0 + 4 * HOUR);
    let mut updated = job(&b2, JobKind::Webhook, T0 + 1, T0 + 1);
    updated.payload = json!({"event": "booking.updated", "changes": [{"field": "start"}]});
    updated.attempts = 2;
    updated.last_error = Some("receiver said 503".into());
    let edit_write =
        BookingWrite { bookings: std::slice::from_ref(&b2), jobs: std::slice::from_ref(&updated), ..write };
    ok(store.update_bookings(edit_write).await);
    expected.push(updated);
    assert_eq!(ok(store.jobs_for_booking(acme.id, b.id).await), expected);

    // A change that fails writes none.
    let stale = job(&b, JobKind::Notify, T0 + 2, T0 + 2);
    let stale_write = BookingWrite { bookings: std::slice::from_ref(&b2), jobs: std::slice::from_ref(&stale), ..write };
    assert_version_mismatch(store.update_bookings(stale_write).await);
    let clash = booking(&sala, &ana, T0 + 3 * HOUR, T0 + 4 * HOUR);
    let refused = [job(&clash, JobKind::Notify, T0, T0), job(&b, JobKind::Notify, T0, T0)];
    let clash_write = BookingWrite { bookings: std::slice::from_ref(&clash), jobs: &refused, ..write };
    assert_overlap(store.insert_bookings(clash_write).await, &b2);
    assert_eq!(ok(store.jobs_for_booking(acme.id, b.id).await), expected);
    assert!(ok(store.jobs_for_booking(acme.id, clash.id).await).is_empty());
}

async fn case_booking_tenant_isolation(store: &dyn Store) {
    let Office { acme, ana, luis, sala, .. } = office(store).await;
    let beta = add_tenant(store, "Beta", &["beta.test"]).await;
    let bob = add_user(store, beta.id, "bob@beta.test", "Bob").await;
    let beta_room = add_room(store, beta.id, "Sala").await;
    let series = Series {
        id: SeriesId::new(),
        tenant_id: acme.id,
        rule: Recurrence { frequency: Frequency::Daily, interval: 1, count: Some(1), until: None, by: None },
        time_zone: madrid(),
        created_at: T0,
    };
    let mut b = booking(&sala, &ana, T0, T0 + HOUR);
    b.series_id = Some(series.id);
    b.attendees = vec![attendee("luis@acme.test", None, Some(luis.id))];
    let jobs = [job(&b, JobKind::Notify, T0, T0)];
    let record = IdempotencyRecord {
        actor: format!("user:{}", ana.id),
        key: "k".into(),
        request_hash: hash("b"),
        booking_ids: vec![b.id],
        created_at: T0,
    };
    let write = BookingWrite {
        tenant_id: acme.id,
        series: Some(&series),
        bookings: std::slice::from_ref(&b),
        audit: &[],
        jobs: &jobs,
        idempotency: Some(&record),
        drop_timed_jobs: &[],
        unless_checked_in: false,
    };
    ok(store.insert_bookings(write).await);

    let everywhere = ok(TimeRange::new(T0 - WEEK, T0 + WEEK));
    assert_eq!(ok(store.get_booking(beta.id, b.id).await), None);
    assert!(list(store, beta.id, all(500)).await.is_empty());
    assert!(list(store, beta.id, BookingQuery { room_id: Some(sala.id), ..all(500) }).await.is_empty());
    assert!(list(store, beta.id, BookingQuery { series_id: Some(series.id), ..all(500) }).await.is_empty());
    assert!(ok(store.busy(beta.id, &[], everywhere).await).is_empty());
    assert!(ok(store.busy(beta.id, &[sala.id], everywhere).await).is_empty());
    assert_eq!(ok(store.count_active_bookings(beta.id, ana.id, T0).await), 0);
    assert_eq!(ok(store.get_series(beta.id, series.id).await), None);
    assert_eq!(ok(store.idempotency_record(beta.id, &record.actor, &record.key).await), None);
    assert!(ok(store.jobs_for_booking(beta.id, b.id).await).is_empty());
    let mut foreign = cancelled(&b, "mine now");
    foreign.tenant_id = beta.id;
    assert_not_found(edit(store, std::slice::from_ref(&foreign)).await);

    // Beta's own booking at the same time in its own room is fine ...
    ok(create(store, &[booking(&beta_room, &bob, T0, T0 + HOUR)]).await);
    // ... but it cannot book Acme's room, nor name Acme's people as organizer or attendee.
    let mut intruder = booking(&sala, &bob, T0 + 2 * HOUR, T0 + 3 * HOUR);
    intruder.tenant_id = beta.id;
    assert!(create(store, std::slice::from_ref(&intruder)).await.is_err());
    let mut borrowed = booking(&beta_room, &ana, T0 + 2 * HOUR, T0 + 3 * HOUR);
    borrowed.tenant_id = beta.id;
    assert!(create(store, std::slice::from_ref(&borrowed)).await.is_err());
    let mut guest = booking(&beta_room, &bob, T0 + 4 * HOUR, T0 + 5 * HOUR);
    guest.attendees = vec![attendee("luis@acme.test", None, Some(luis.id))];
    assert!(create(store, std::slice::from_ref(&guest)).await.is_err());
    for refused in [&intruder, &borrowed, &guest] {
        assert_absent(store, refused).await;
    }

    // Acme still sees all of its own.
    assert_eq!(ok(store.get_booking(acme.id, b.id).await), Some(b.clone()));
    assert_eq!(ok(store.jobs_for_booking(acme.id, b.id).await), jobs.to_vec());
    assert_eq!(ok(store.get_series(acme.id, series.id).await), Some(series));
    assert_eq!(ok(store.idempotency_record(acme.id, &record.actor, &record.key).await), Some(record));
}

/// A window lists every booking reaching into it however long before it started: days-long
/// bookings (an imported all-day event, an admin's week-long block) beside short ones, in one
/// order, one page after another, with the other filters holding for both.
async fn case_booking_list_finds_long_bookings(store: &dyn Store) {
    let Office { acme, ana, luis, sala, azul } = office(store).await;
    const DAY: i64 = 24 * HOUR;
    let verde = add_room(store, acme.id, "Verde").await;
    let week_block = booking(&sala, &ana, T0 - 7 * DAY, T0 + 2 * HOUR);
    // A day long (the short side's longest), and a day and two minutes starting just before
    // the short side's bound.
    let day_long = booking(&azul, &luis, T0 - DAY + 30 * MINUTE, T0 + 30 * MINUTE);
    let longer_by_minutes = booking(&verde, &ana, T0 - DAY - MINUTE, T0 + MINUTE);
    let mut cancelled_long = booking(&azul, &ana, T0 - 3 * DAY, T0 + 5 * HOUR);
    cancelled_long.status = BookingStatus::Cancelled;
    cancelled_long.cancelled_at = Some(T0);
    let short = booking(&sala, &luis, T0 + 3 * HOUR, T0 + 4 * HOUR);
    let ended_long = booking(&sala, &luis, T0 - 9 * DAY, T0 - 8 * DAY);
    let ended_short = booking(&azul, &ana, T0 - 30 * HOUR, T0 - 29 * HOUR);
    let every = [&week_block, &day_long, &longer_by_minutes, &cancelled_long, &short, &ended_long, &ended_short];
    for b in every {
        ok(create(store, std::slice::from_ref(b)).await);
    }

    let day = BookingQuery { from: Some(T0), to: Some(T0 + DAY), ..all(100) };
    let expected = ordered(&[&week_block, &day_long, &longer_by_minutes, &cancelled_long, &short]);
    assert_eq!(ids(&list(store, acme.id, day.clone()).await), expected);
    // Without an end, too ("from now on").
    let from = BookingQuery { from: Some(T0), ..all(100) };
    assert_eq!(ids(&list(store, acme.id, from).await), expected);
    // The other filters hold on both sides.
    let in_sala = BookingQuery { room_id: Some(sala.id), ..day.clone() };
    assert_eq!(ids(&list(store, acme.id, in_sala).await), [week_block.id, short.id]);
    let confirmed = BookingQuery { status: Some(BookingStatus::Confirmed), ..day.clone() };
    let expected_confirmed = ordered(&[&week_block, &day_long, &longer_by_minutes, &short]);
    assert_eq!(ids(&list(store, acme.id, confirmed).await), expected_confirmed);
    let lu = BookingQuery { involving: Some(luis.id), ..day.clone() };
    assert_eq!(ids(&list(store, acme.id, lu).await), ordered(&[&day_long, &short]));
    // Pages of one come out in the same order, each booking once.
    let mut pages = Vec::new();
    let mut after = None;
    loop {
        let page = list(store, acme.id, BookingQuery { after, ..BookingQuery { limit: 1, ..day.clone() } }).await;
        let Some(last) = page.last() else { break };
        after = Some((last.time.start, last.id));
        pages.extend(ids(&page));
    }
    assert_eq!(pages, expected);
    // A window after all of them, and one between the ended ones, find nothing.
    let later = BookingQuery { from: Some(T0 + 2 * DAY), to: Some(T0 + 3 * DAY), ..all(100) };
    assert!(list(store, acme.id, later).await.is_empty());
    let between = BookingQuery { from: Some(T0 - 8 * DAY), to: Some(T0 - 7 * DAY), ..all(100) };
    assert!(list(store, acme.id, between).await.is_empty());
    let ended = BookingQuery { from: Some(T0 - 8 * DAY - 12 * HOUR), to: Some(T0 - 8 * DAY - 6 * HOUR), ..all(100) };
    assert_eq!(ids(&list(store, acme.id, ended).await), [ended_long.id]);
}

conformance!(
    borrowed: [
        case_booking_round_trip,
        case_booking_list_and_pagination,
        case_booking_list_finds_long_bookings,
        case_booking_busy_and_count_active,
        case_idempotency_records,
        case_booking_jobs_outbox,
        case_booking_tenant_isolation,
    ],
    shared: [],
);
