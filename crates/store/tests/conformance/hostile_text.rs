//! Hostile text (SQL, HTML, quotes, wildcards) is stored and found verbatim everywhere.

use super::{T0, api_key, email, entry, ok, room, search, tenant, user};
use sala_domain::Actor;
use sala_store::{AuditQuery, Store};
use serde_json::json;

async fn case_text_is_stored_verbatim(store: &dyn Store) {
    const SQL: &str = "'; DROP TABLE rooms; --";
    const HTML: &str = "<script>alert(1)</script>";
    const MIXED: &str = "O'Brien \"Ñoño\" \\ 100% _x_ 🎉";

    let mut t = tenant("Hostile", &["hostile.test"]);
    t.name = format!("{SQL} {HTML}");
    ok(store.insert_tenant(&t, &entry(t.id, "tenant.created", Some(t.id.0))).await);
    assert_eq!(ok(store.get_tenant(t.id).await), Some(t.clone()));

    let mut u = user(t.id, "o'brien@hostile.test", MIXED);
    u.google_subject = Some(SQL.into());
    ok(store.insert_user(&u, &entry(t.id, "user.created", Some(u.id.0))).await);
    assert_eq!(ok(store.get_user(t.id, u.id).await), Some(u.clone()));
    assert_eq!(ok(store.user_by_email(t.id, &email("O'BRIEN@hostile.test")).await), Some(u.clone()));
    assert_eq!(ok(store.user_by_google_subject(SQL).await), Some(u.clone()));
    assert_eq!(search(store, t.id, "o'brien", 10, false).await, [MIXED]);
    assert_eq!(search(store, t.id, "\\ 100% _x_", 10, false).await, [MIXED]);

    let mut r = room(t.id, SQL);
    r.location = Some(HTML.into());
    ok(store.insert_room(&r, &entry(t.id, "room.created", Some(r.id.0))).await);
    let mut r2 = room(t.id, HTML);
    r2.location = Some(MIXED.into());
    ok(store.insert_room(&r2, &entry(t.id, "room.created", Some(r2.id.0))).await);
    assert_eq!(ok(store.get_room(t.id, r.id).await), Some(r.clone()));
    assert_eq!(ok(store.list_rooms(t.id, false).await), vec![r.clone(), r2.clone()]);

    let key = api_key(t.id, HTML, Actor::User(u.id), T0);
    ok(store.insert_api_key(&key, SQL, &entry(t.id, "api_key.created", Some(key.id.0))).await);
    assert_eq!(ok(store.api_key_by_hash(SQL).await), Some(key));

    let mut e = entry(t.id, "room.updated", Some(r.id.0));
    e.before = Some(json!({ "name": SQL }));
    e.after = Some(json!({ "name": HTML, "note": MIXED }));
    e.request_id = Some(SQL.into());
    e.ip = Some(HTML.into());
    ok(store.insert_audit(&e).await);
    let found = ok(store
        .list_audit(
            t.id,
            &AuditQuery { subject_id: Some(r.id.0), action_prefix: Some("room.up".into()), limit: 10, before: None },
        )
        .await);
    assert_eq!(found, vec![e]);
    let found = ok(store
        .list_audit(t.id, &AuditQuery { action_prefix: Some(SQL.into()), limit: 10, ..AuditQuery::default() })
        .await);
    assert!(found.is_empty());

    // The tables are all still there.
    assert_eq!(ok(store.list_rooms(t.id, true).await).len(), 2);
    assert_eq!(ok(store.list_tenants().await), vec![t]);
}

conformance!(
    borrowed: [
        case_text_is_stored_verbatim,
    ],
    shared: [],
);
