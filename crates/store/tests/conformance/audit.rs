//! The audit log: newest first, pages, and the filters by subject and action prefix.

use super::{HOUR, T0, actions, add_room, add_tenant, add_user, entry, ok};
use sala_domain::audit::GUESTS_INVITED;
use sala_domain::{Actor, ApiKeyId, AuditEntry, Millis, TenantId, UserId};
use sala_store::{AuditQuery, Store};
use serde_json::json;

async fn case_audit_log(store: &dyn Store) {
    let acme = add_tenant(store, "Acme", &["acme.test"]).await;
    let beta = add_tenant(store, "Beta", &["beta.test"]).await;
    let ana = add_user(store, acme.id, "ana@acme.test", "Ana").await;
    let sala = add_room(store, acme.id, "Sala").await;

    let mut full = entry(acme.id, "room.updated", Some(sala.id.0));
    full.actor = Actor::User(ana.id);
    full.before = Some(json!({"name": "Sala", "capacity": 8, "equipment": []}));
    full.after = Some(json!({"name": "Sala", "capacity": 10, "note": "<b>'x'</b>", "hours": null}));
    full.request_id = Some("req-123".into());
    full.ip = Some("2001:db8::1".into());
    ok(store.insert_audit(&full).await);
    let mut by_key = entry(acme.id, "room.deactivated", Some(sala.id.0));
    by_key.actor = Actor::ApiKey(ApiKeyId::new());
    ok(store.insert_audit(&by_key).await);
    let odd = entry(acme.id, "user%signed_in", None);
    ok(store.insert_audit(&odd).await);
    ok(store.insert_audit(&entry(beta.id, "room.updated", None)).await);

    let list = |subject_id, prefix: Option<&str>, limit| AuditQuery {
        subject_id,
        action_prefix: prefix.map(str::to_owned),
        before: None,
        limit,
    };
    // Everything, newest first, exactly as written.
    let all = ok(store.list_audit(acme.id, &list(None, None, 100)).await);
    assert_eq!(
        actions(&all),
        ["user%signed_in", "room.deactivated", "room.updated", "room.created", "user.created", "tenant.created"]
    );
    assert_eq!(all[1], by_key);
    assert_eq!(all[2], full);
    assert!(all.windows(2).all(|w| w[0].at > w[1].at));
    assert_eq!(
        actions(&ok(store.list_audit(acme.id, &list(None, None, 2)).await)),
        ["user%signed_in", "room.deactivated"]
    );
    let next =
        AuditQuery { before: Some(sala_store::Before { at: all[1].at, id: all[1].id.0 }), ..list(None, None, 2) };
    assert_eq!(actions(&ok(store.list_audit(acme.id, &next).await)), ["room.updated", "room.created"]);

    // Filters: subject, action prefix, both.
    let of_room = ok(store.list_audit(acme.id, &list(Some(sala.id.0), None, 100)).await);
    assert_eq!(actions(&of_room), ["room.deactivated", "room.updated", "room.created"]);
    let rooms = ok(store.list_audit(acme.id, &list(None, Some("room."), 100)).await);
    assert_eq!(actions(&rooms), ["room.deactivated", "room.updated", "room.created"]);
    let both = ok(store.list_audit(acme.id, &list(Some(sala.id.0), Some("room.up"), 100)).await);
    assert_eq!(actions(&both), ["room.updated"]);
    // The prefix is literal: `%` and `_` are not wildcards.
    assert_eq!(actions(&ok(store.list_audit(acme.id, &list(None, Some("%"), 100)).await)), Vec::<&str>::new());
    assert_eq!(actions(&ok(store.list_audit(acme.id, &list(None, Some("user%"), 100)).await)), ["user%signed_in"]);
    assert_eq!(actions(&ok(store.list_audit(acme.id, &list(None, Some("_ser"), 100)).await)), Vec::<&str>::new());
    assert_eq!(actions(&ok(store.list_audit(acme.id, &list(None, Some("room_"), 100)).await)), Vec::<&str>::new());
    // ... and case-sensitive, as actions are written.
    assert_eq!(actions(&ok(store.list_audit(acme.id, &list(None, Some("ROOM."), 100)).await)), Vec::<&str>::new());

    // Tenant-scoped.
    let beta_rooms = ok(store.list_audit(beta.id, &list(None, Some("room."), 100)).await);
    assert_eq!(beta_rooms.len(), 1);
    assert!(ok(store.list_audit(beta.id, &list(Some(sala.id.0), None, 100)).await).is_empty());
}

/// The outside-guest quotas' count: the `booking.guests_invited` entries' guests since an
/// instant (counted by the hour: the hour holding `since` counts whole), per inviter and for the
/// organization, never another tenant's, never another action's.
async fn case_invited_guests_are_counted_by_inviter_and_organization(store: &dyn Store) {
    let acme = add_tenant(store, "Acme", &["acme.test"]).await;
    let other = add_tenant(store, "Other", &["other.test"]).await;
    let ana = Actor::User(UserId::new());
    let key = Actor::ApiKey(ApiKeyId::new());
    let now = T0 + 100 * HOUR + HOUR / 2;
    let invited = |tenant: TenantId, actor: &Actor, at: Millis, count: u64| AuditEntry {
        actor: *actor,
        at,
        after: Some(json!({"count": count, "guests": []})),
        ..entry(tenant, GUESTS_INVITED, Some(uuid::Uuid::now_v7()))
    };
    for e in [
        invited(acme.id, &ana, now - HOUR, 2),
        invited(acme.id, &ana, now - 10 * HOUR, 3),
        invited(acme.id, &key, now - 2 * HOUR, 5),
        invited(acme.id, &Actor::System, now, 7),
        // Before the day: not counted.
        invited(acme.id, &ana, now - 30 * HOUR, 100),
        // Another organization's, and another action's.
        invited(other.id, &ana, now, 1000),
        AuditEntry { action: "booking.created".into(), ..invited(acme.id, &ana, now, 10_000) },
    ] {
        ok(store.insert_audit(&e).await);
    }
    let since = now - 24 * HOUR;
    let count = async |actor: Option<&Actor>| ok(store.count_invited_guests(acme.id, actor, since).await);
    assert_eq!(count(Some(&ana)).await, 5);
    assert_eq!(count(Some(&key)).await, 5);
    assert_eq!(count(Some(&Actor::System)).await, 7);
    assert_eq!(count(None).await, 17);
    assert_eq!(count(Some(&Actor::User(UserId::new()))).await, 0);
    assert_eq!(ok(store.count_invited_guests(other.id, None, since).await), 1000);

    // Housekeeping forgets the hours before `since` (ana's and the organization's counter of the
    // 100 guests), and the day's counts stay as they were; the entries themselves stay.
    assert_eq!(ok(store.purge_invite_counters(since).await), 2);
    assert_eq!(ok(store.purge_invite_counters(since).await), 0);
    assert_eq!(count(Some(&ana)).await, 5);
    assert_eq!(count(None).await, 17);
    assert_eq!(ok(store.count_invited_guests(acme.id, None, now - 30 * HOUR).await), 17);
    let kept = AuditQuery { action_prefix: Some(GUESTS_INVITED.into()), limit: 100, ..AuditQuery::default() };
    assert_eq!(ok(store.list_audit(acme.id, &kept).await).len(), 5);
}

conformance!(
    borrowed: [
        case_audit_log,
        case_invited_guests_are_counted_by_inviter_and_organization,
    ],
    shared: [],
);
