//! Booking conflicts: overlaps with stored bookings and within a batch, series written all or
//! nothing, and stale versions.

use super::{
    HOUR, MINUTE, Office, T0, WEEK, actions, add_tenant, all, assert_absent, assert_not_found, assert_overlap,
    assert_version_mismatch, attendee, audit_of, booking, busy_of, cancelled, create, edit, entry, hash, ids, job,
    list, madrid, moved, next, office, ok,
};
use sala_domain::{
    AuditEntry, Booking, BookingId, BookingStatus, Frequency, Job, JobKind, Recurrence, Series, SeriesId, TimeRange,
};
use sala_store::{BookingQuery, BookingWrite, IdempotencyRecord, Store};
use serde_json::json;

async fn case_booking_overlap_rules(store: &dyn Store) {
    let Office { acme, ana, luis, sala, azul } = office(store).await;
    let ten = booking(&sala, &ana, T0, T0 + HOUR);
    ok(create(store, std::slice::from_ref(&ten)).await);

    // Every kind of overlap is refused, naming the booking in the way.
    for (start, end) in [
        (T0, T0 + HOUR),
        (T0 + 30 * MINUTE, T0 + 90 * MINUTE),
        (T0 - 30 * MINUTE, T0 + 30 * MINUTE),
        (T0 - HOUR, T0 + 2 * HOUR),
        (T0 + 15 * MINUTE, T0 + 45 * MINUTE),
        (T0 + HOUR - 1, T0 + 2 * HOUR),
    ] {
        let clash = booking(&sala, &luis, start, end);
        assert_overlap(create(store, std::slice::from_ref(&clash)).await, &ten);
        assert_absent(store, &clash).await;
    }

    // Back-to-back is not an overlap (half-open ranges), on either side.
    let eleven = booking(&sala, &luis, T0 + HOUR, T0 + 2 * HOUR);
    let nine = booking(&sala, &luis, T0 - HOUR, T0);
    ok(create(store, std::slice::from_ref(&eleven)).await);
    ok(create(store, std::slice::from_ref(&nine)).await);
    // Another room is another room.
    let elsewhere = booking(&azul, &luis, T0, T0 + HOUR);
    ok(create(store, std::slice::from_ref(&elsewhere)).await);

    // Cancelled bookings hold nothing: neither a stored one, nor one written cancelled.
    let mut gone = booking(&sala, &ana, T0 + 4 * HOUR, T0 + 5 * HOUR);
    gone.status = BookingStatus::Cancelled;
    gone.cancel_reason = Some("moved online".into());
    gone.cancelled_at = Some(T0);
    ok(create(store, std::slice::from_ref(&gone)).await);
    let after = booking(&sala, &luis, T0 + 4 * HOUR, T0 + 5 * HOUR);
    ok(create(store, std::slice::from_ref(&after)).await);
    let mut history = booking(&sala, &ana, T0, T0 + HOUR);
    history.status = BookingStatus::Cancelled;
    history.cancelled_at = Some(T0);
    ok(create(store, std::slice::from_ref(&history)).await);

    let busy = ok(store.busy(acme.id, &[sala.id], ok(TimeRange::new(T0 - 2 * HOUR, T0 + 6 * HOUR))).await);
    assert_eq!(busy, vec![busy_of(&nine), busy_of(&ten), busy_of(&eleven), busy_of(&after)]);

    // A long booking that started well before is found behind shorter (cancelled) ones after it.
    let long = booking(&sala, &ana, T0 + 6 * HOUR, T0 + 10 * HOUR);
    let mut short = booking(&sala, &luis, T0 + 7 * HOUR, T0 + 7 * HOUR + 30 * MINUTE);
    short.status = BookingStatus::Cancelled;
    ok(create(store, &[long.clone(), short.clone()]).await);
    let inside = booking(&sala, &luis, T0 + 8 * HOUR, T0 + 9 * HOUR);
    assert_overlap(create(store, std::slice::from_ref(&inside)).await, &long);
    let window = ok(TimeRange::new(T0 + 8 * HOUR, T0 + 9 * HOUR));
    assert_eq!(ok(store.busy(acme.id, &[], window).await), vec![busy_of(&long)]);
}

async fn case_booking_series_all_or_nothing(store: &dyn Store) {
    let Office { acme, ana, luis, sala, .. } = office(store).await;
    // Someone already holds half an hour of the third week's slot.
    let blocker = booking(&sala, &luis, T0 + 2 * WEEK + 30 * MINUTE, T0 + 2 * WEEK + 90 * MINUTE);
    ok(create(store, std::slice::from_ref(&blocker)).await);

    let series = Series {
        id: SeriesId::new(),
        tenant_id: acme.id,
        rule: Recurrence { frequency: Frequency::Weekly, interval: 1, count: Some(4), until: None, by: None },
        time_zone: madrid(),
        created_at: T0,
    };
    let occurrences: Vec<Booking> = (0..4)
        .map(|week| {
            let mut b = booking(&sala, &ana, T0 + week * WEEK, T0 + week * WEEK + HOUR);
            b.series_id = Some(series.id);
            b
        })
        .collect();
    let mut audit = vec![entry(acme.id, "series.created", Some(series.id.0))];
    audit.extend(occurrences.iter().map(|b| entry(acme.id, "booking.created", Some(b.id.0))));
    let jobs: Vec<Job> = occurrences.iter().map(|b| job(b, JobKind::Notify, T0, T0)).collect();
    let record = IdempotencyRecord {
        actor: format!("user:{}", ana.id),
        key: "series-1".into(),
        request_hash: hash("series body"),
        booking_ids: ids(&occurrences),
        created_at: T0,
    };
    let write = BookingWrite {
        tenant_id: acme.id,
        series: Some(&series),
        bookings: &occurrences,
        audit: &audit,
        jobs: &jobs,
        idempotency: Some(&record),
        drop_timed_jobs: &[],
        unless_checked_in: false,
    };
    assert_overlap(store.insert_bookings(write).await, &blocker);

    // Nothing at all was written.
    assert_eq!(ok(store.get_series(acme.id, series.id).await), None);
    for b in &occurrences {
        assert_absent(store, b).await;
    }
    assert!(audit_of(store, acme.id, series.id.0).await.is_empty());
    let of_series = BookingQuery { series_id: Some(series.id), limit: 100, ..BookingQuery::default() };
    assert!(list(store, acme.id, of_series.clone()).await.is_empty());
    assert_eq!(ok(store.idempotency_record(acme.id, &record.actor, &record.key).await), None);
    assert_eq!(ids(&list(store, acme.id, all(100)).await), [blocker.id]);

    // Skipping the conflicting date, the rest goes in.
    let mut rest = occurrences.clone();
    rest.remove(2);
    let audit_rest: Vec<AuditEntry> =
        audit.iter().filter(|e| e.subject_id != Some(occurrences[2].id.0)).cloned().collect();
    let jobs_rest: Vec<Job> = jobs.iter().filter(|j| j.booking_id != Some(occurrences[2].id)).cloned().collect();
    let write = BookingWrite { bookings: &rest, audit: &audit_rest, jobs: &jobs_rest, ..write };
    ok(store.insert_bookings(write).await);
    assert_eq!(list(store, acme.id, of_series).await, rest);
    assert_eq!(ok(store.get_series(acme.id, series.id).await), Some(series.clone()));
    assert_eq!(actions(&audit_of(store, acme.id, series.id.0).await), ["series.created"]);
}

async fn case_booking_batch_overlapping_itself(store: &dyn Store) {
    let Office { acme, ana, sala, azul, .. } = office(store).await;
    let first = booking(&sala, &ana, T0, T0 + HOUR);
    let second = booking(&sala, &ana, T0 + 30 * MINUTE, T0 + 90 * MINUTE);
    let third = booking(&sala, &ana, T0 + 3 * HOUR, T0 + 4 * HOUR);
    assert_overlap(create(store, &[third.clone(), first.clone(), second.clone()]).await, &first);
    for b in [&first, &second, &third] {
        assert_absent(store, b).await;
    }
    assert!(ok(store.busy(acme.id, &[], ok(TimeRange::new(T0 - WEEK, T0 + WEEK))).await).is_empty());

    // Same time in two rooms, back-to-back in one, a cancelled twin: all fine together.
    let other_room = booking(&azul, &ana, T0, T0 + HOUR);
    let back_to_back = booking(&sala, &ana, T0 + HOUR, T0 + 2 * HOUR);
    let mut twin = first.clone();
    twin.id = BookingId::new();
    twin.status = BookingStatus::Cancelled;
    twin.cancelled_at = Some(T0);
    ok(create(store, &[first.clone(), other_room.clone(), back_to_back.clone(), twin.clone()]).await);
    assert_eq!(list(store, acme.id, all(10)).await.len(), 4);
}

async fn case_booking_update_versions(store: &dyn Store) {
    let Office { acme, ana, luis, sala, .. } = office(store).await;
    let beta = add_tenant(store, "Beta", &["beta.test"]).await;
    let mut original = booking(&sala, &ana, T0, T0 + HOUR);
    original.attendees = vec![attendee("luis@acme.test", None, Some(luis.id)), attendee("x@partner.test", None, None)];
    original.description = Some("first".into());
    ok(create(store, std::slice::from_ref(&original)).await);

    // A stale or future version is refused and changes nothing.
    let mut stale = original.clone();
    stale.title = "Stale".into();
    assert_version_mismatch(edit(store, std::slice::from_ref(&stale)).await);
    stale.version = 3;
    assert_version_mismatch(edit(store, std::slice::from_ref(&stale)).await);
    // A booking that does not exist, or is another tenant's, is not found.
    assert_not_found(edit(store, &[next(&booking(&sala, &ana, T0, T0 + HOUR))]).await);
    let mut foreign = next(&original);
    foreign.tenant_id = beta.id;
    foreign.title = "Hijacked".into();
    assert_not_found(edit(store, std::slice::from_ref(&foreign)).await);
    let audit = [entry(beta.id, "booking.updated", Some(original.id.0))];
    let write = BookingWrite {
        tenant_id: beta.id,
        series: None,
        bookings: &[next(&original)],
        audit: &audit,
        jobs: &[],
        idempotency: None,
        drop_timed_jobs: &[],
        unless_checked_in: false,
    };
    assert_not_found(store.update_bookings(write).await);
    assert_eq!(ok(store.get_booking(acme.id, original.id).await), Some(original.clone()));
    assert_eq!(actions(&audit_of(store, acme.id, original.id.0).await), ["booking.created"]);
    assert!(audit_of(store, beta.id, original.id.0).await.is_empty());
    assert_eq!(ok(store.jobs_for_booking(acme.id, original.id).await).len(), 1);

    // The right version replaces every field, attendees included.
    let mut changed = next(&original);
    changed.title = "Planning".into();
    changed.description = None;
    changed.attendees = vec![attendee("new@partner.test", Some("New"), None)];
    changed.google_meet = true;
    changed.external_ref = Some("crm-7".into());
    changed.metadata = json!({"stage": 2});
    changed.organizer_id = luis.id;
    ok(edit(store, std::slice::from_ref(&changed)).await);
    assert_eq!(ok(store.get_booking(acme.id, original.id).await), Some(changed.clone()));
    let mut again = next(&changed);
    again.attendees.clear();
    ok(edit(store, std::slice::from_ref(&again)).await);
    assert_eq!(ok(store.get_booking(acme.id, original.id).await), Some(again.clone()));
    assert_version_mismatch(edit(store, std::slice::from_ref(&changed)).await);
    assert_eq!(
        actions(&audit_of(store, acme.id, original.id.0).await),
        ["booking.updated", "booking.updated", "booking.created"]
    );

    // A batch with one stale booking changes none of them.
    let other = booking(&sala, &ana, T0 + 2 * HOUR, T0 + 3 * HOUR);
    ok(create(store, std::slice::from_ref(&other)).await);
    let mut renamed = next(&other);
    renamed.title = "Renamed".into();
    assert_version_mismatch(edit(store, &[renamed, changed.clone()]).await);
    assert_eq!(ok(store.get_booking(acme.id, other.id).await), Some(other.clone()));
    assert_eq!(ok(store.get_booking(acme.id, original.id).await), Some(again));
}

async fn case_booking_update_overlap(store: &dyn Store) {
    let Office { acme, ana, luis, sala, azul } = office(store).await;
    let a = booking(&sala, &ana, T0, T0 + HOUR);
    let b = booking(&sala, &luis, T0 + 2 * HOUR, T0 + 3 * HOUR);
    let d = booking(&sala, &luis, T0 + 3 * HOUR, T0 + 4 * HOUR);
    ok(create(store, &[a.clone(), b.clone(), d.clone()]).await);

    // Onto an occupied slot: refused, naming it, nothing changed.
    assert_overlap(edit(store, &[moved(&a, T0 + 150 * MINUTE, T0 + 210 * MINUTE)]).await, &b);
    assert_eq!(ok(store.get_booking(acme.id, a.id).await), Some(a.clone()));
    // Within (and past) its own old slot: fine.
    let a2 = moved(&a, T0 + 30 * MINUTE, T0 + 90 * MINUTE);
    ok(edit(store, std::slice::from_ref(&a2)).await);
    // To another room, which frees this one.
    let mut a3 = next(&a2);
    a3.room_id = azul.id;
    ok(edit(store, std::slice::from_ref(&a3)).await);
    let c = booking(&sala, &ana, T0 + 30 * MINUTE, T0 + 90 * MINUTE);
    ok(create(store, std::slice::from_ref(&c)).await);

    // A batch may move a booking into the slot another one of the batch leaves.
    let (b2, d2) = (moved(&b, T0 + 3 * HOUR, T0 + 4 * HOUR), moved(&d, T0 + 4 * HOUR, T0 + 5 * HOUR));
    ok(edit(store, &[b2.clone(), d2.clone()]).await);
    assert_eq!(ok(store.get_booking(acme.id, b.id).await), Some(b2.clone()));
    // ... but not onto a booking outside the batch (c), and then nothing of it is written.
    let (b3, d3) = (moved(&b2, T0 + 4 * HOUR, T0 + 5 * HOUR), moved(&d2, T0 + HOUR, T0 + 2 * HOUR));
    assert_overlap(edit(store, &[b3, d3]).await, &c);
    assert_eq!(ok(store.get_booking(acme.id, b.id).await), Some(b2.clone()));
    assert_eq!(ok(store.get_booking(acme.id, d.id).await), Some(d2.clone()));
    // Two bookings of a batch may not overlap each other.
    let (b4, d4) = (moved(&b2, T0 + 6 * HOUR, T0 + 7 * HOUR), moved(&d2, T0 + 6 * HOUR, T0 + 8 * HOUR));
    assert_overlap(edit(store, &[b4.clone(), d4]).await, &b4);

    // Cancelling frees the slot for a new booking.
    let gone = cancelled(&b2, "no longer needed");
    ok(edit(store, std::slice::from_ref(&gone)).await);
    assert_eq!(ok(store.get_booking(acme.id, b.id).await), Some(gone.clone()));
    let e = booking(&sala, &ana, T0 + 3 * HOUR, T0 + 4 * HOUR);
    ok(create(store, std::slice::from_ref(&e)).await);
    let busy = ok(store.busy(acme.id, &[sala.id], ok(TimeRange::new(T0, T0 + 6 * HOUR))).await);
    assert_eq!(busy, vec![busy_of(&c), busy_of(&e), busy_of(&d2)]);
    // Confirming it again now overlaps.
    let mut revived = next(&gone);
    revived.status = BookingStatus::Confirmed;
    revived.cancelled_at = None;
    assert_overlap(edit(store, std::slice::from_ref(&revived)).await, &e);
    // Editing a cancelled booking's text does not need its old slot.
    let mut renamed = next(&gone);
    renamed.title = "Cancelled, renamed".into();
    ok(edit(store, std::slice::from_ref(&renamed)).await);
    assert_eq!(ok(store.get_booking(acme.id, b.id).await), Some(renamed));
}

conformance!(
    borrowed: [
        case_booking_overlap_rules,
        case_booking_series_all_or_nothing,
        case_booking_batch_overlapping_itself,
        case_booking_update_versions,
        case_booking_update_overlap,
    ],
    shared: [],
);
