//! Credentials: API keys, browser sessions and sign-in flows.

use super::{
    HOUR, T0, actions, add_tenant, add_user, api_key, assert_duplicate, assert_not_found, audit_of, entry, hash, ok,
};
use sala_domain::{Actor, ApiKeyId, LoginFlow, Session, UserId};
use sala_store::{Store, Unique};

async fn case_api_keys(store: &dyn Store) {
    let acme = add_tenant(store, "Acme", &["acme.test"]).await;
    let beta = add_tenant(store, "Beta", &["beta.test"]).await;
    let ana = add_user(store, acme.id, "ana@acme.test", "Ana").await;

    let old = api_key(acme.id, "CRM", Actor::User(ana.id), T0);
    let new = api_key(acme.id, "Access control", Actor::System, T0 + HOUR);
    ok(store.insert_api_key(&old, &hash("old"), &entry(acme.id, "api_key.created", Some(old.id.0))).await);
    ok(store.insert_api_key(&new, &hash("new"), &entry(acme.id, "api_key.created", Some(new.id.0))).await);
    let child = api_key(acme.id, "Made by a key", Actor::ApiKey(new.id), T0 + 2 * HOUR);

    // The hash is unique across tenants.
    let stolen = api_key(beta.id, "Copy", Actor::System, T0);
    let attempt = entry(beta.id, "api_key.created", Some(stolen.id.0));
    assert_duplicate(store.insert_api_key(&stolen, &hash("old"), &attempt).await, Unique::ApiKeyHash);
    assert!(ok(store.list_api_keys(beta.id).await).is_empty());
    ok(store.insert_api_key(&child, &hash("child"), &entry(acme.id, "api_key.created", Some(child.id.0))).await);

    assert_eq!(ok(store.api_key_by_hash(&hash("old")).await), Some(old.clone()));
    assert_eq!(ok(store.api_key_by_hash(&hash("missing")).await), None);
    assert_eq!(ok(store.get_api_key(acme.id, new.id).await), Some(new.clone()));
    assert_eq!(ok(store.get_api_key(acme.id, ApiKeyId::new()).await), None);
    // Newest first.
    assert_eq!(ok(store.list_api_keys(acme.id).await), vec![child.clone(), new.clone(), old.clone()]);

    // Touch records use.
    ok(store.touch_api_key(old.id, T0 + 3 * HOUR).await);
    ok(store.touch_api_key(old.id, T0 + 4 * HOUR).await);
    let touched = ok(store.get_api_key(acme.id, old.id).await).map(|k| k.last_used_at);
    assert_eq!(touched, Some(Some(T0 + 4 * HOUR)));

    // Revoking sets the time once; revoking again keeps the first.
    ok(store.revoke_api_key(acme.id, old.id, T0 + 5 * HOUR, &entry(acme.id, "api_key.revoked", Some(old.id.0))).await);
    ok(store.revoke_api_key(acme.id, old.id, T0 + 6 * HOUR, &entry(acme.id, "api_key.revoked", Some(old.id.0))).await);
    let revoked = ok(store.api_key_by_hash(&hash("old")).await);
    assert_eq!(revoked.as_ref().and_then(|k| k.revoked_at), Some(T0 + 5 * HOUR));
    assert_eq!(revoked.as_ref().and_then(|k| k.last_used_at), Some(T0 + 4 * HOUR));
    assert!(!revoked.is_some_and(|k| k.is_active()));
    assert_eq!(
        actions(&audit_of(store, acme.id, old.id.0).await),
        ["api_key.revoked", "api_key.revoked", "api_key.created"]
    );

    // Another tenant cannot revoke it, nor can anyone revoke a key that does not exist.
    let attempt = entry(beta.id, "api_key.revoked", Some(new.id.0));
    assert_not_found(store.revoke_api_key(beta.id, new.id, T0 + 7 * HOUR, &attempt).await);
    assert_not_found(store.revoke_api_key(acme.id, ApiKeyId::new(), T0 + 7 * HOUR, &attempt).await);
    assert_eq!(ok(store.get_api_key(acme.id, new.id).await).and_then(|k| k.revoked_at), None);
    assert!(audit_of(store, beta.id, new.id.0).await.is_empty());
}

async fn case_sessions(store: &dyn Store) {
    let acme = add_tenant(store, "Acme", &["acme.test"]).await;
    let ana = add_user(store, acme.id, "ana@acme.test", "Ana").await;
    let session = |expires_at| Session { tenant_id: acme.id, user_id: ana.id, created_at: T0, expires_at };
    let (short, long, other) = (session(T0 + HOUR), session(T0 + 24 * HOUR), session(T0 + 2 * HOUR));
    ok(store.insert_session(&hash("short"), &short).await);
    ok(store.insert_session(&hash("long"), &long).await);
    ok(store.insert_session(&hash("other"), &other).await);

    assert_eq!(ok(store.session_by_hash(&hash("short"), T0).await), Some(short.clone()));
    assert_eq!(ok(store.session_by_hash(&hash("short"), T0 + HOUR - 1).await), Some(short));
    assert_eq!(ok(store.session_by_hash(&hash("short"), T0 + HOUR).await), None, "expired at expires_at");
    assert_eq!(ok(store.session_by_hash(&hash("nope"), T0).await), None);

    ok(store.delete_session(&hash("other")).await);
    assert_eq!(ok(store.session_by_hash(&hash("other"), T0).await), None);
    ok(store.delete_session(&hash("other")).await);

    let flow = |expires_at| LoginFlow {
        csrf_state: "state".into(),
        nonce: "nonce".into(),
        pkce_verifier: "verifier".into(),
        return_to: "/rooms?day=2026-01-15".into(),
        expires_at,
        connect_for: None,
    };
    ok(store.insert_login_flow(&hash("flow-old"), &flow(T0 + 10 * 60_000)).await);
    ok(store.insert_login_flow(&hash("flow-new"), &flow(T0 + 5 * HOUR)).await);

    // At T0 + 2h: the short session and the old flow are expired.
    assert_eq!(ok(store.purge_expired(T0 + 2 * HOUR).await), 2);
    assert_eq!(ok(store.purge_expired(T0 + 2 * HOUR).await), 0);
    assert_eq!(ok(store.session_by_hash(&hash("long"), T0 + 2 * HOUR).await), Some(long));
    assert!(ok(store.take_login_flow(&hash("flow-old"), T0).await).is_none(), "purged");
    assert!(ok(store.take_login_flow(&hash("flow-new"), T0).await).is_some());
    assert_eq!(ok(store.purge_expired(T0 + 100 * HOUR).await), 1);
}

async fn case_login_flows(store: &dyn Store) {
    let flow = LoginFlow {
        csrf_state: "csrf-1".into(),
        nonce: "nonce-1".into(),
        pkce_verifier: "pkce-1".into(),
        return_to: "/bookings/new?room=1&q='x'".into(),
        expires_at: T0 + 600_000,
        connect_for: None,
    };
    ok(store.insert_login_flow(&hash("flow"), &flow).await);
    assert_eq!(ok(store.take_login_flow(&hash("flow"), T0).await), Some(flow.clone()));
    let calendar = LoginFlow { connect_for: Some(UserId::new()), ..flow.clone() };
    ok(store.insert_login_flow(&hash("calendar"), &calendar).await);
    assert_eq!(ok(store.take_login_flow(&hash("calendar"), T0).await), Some(calendar), "who connects is kept");
    assert_eq!(ok(store.take_login_flow(&hash("flow"), T0).await), None, "a flow completes once");
    assert_eq!(ok(store.take_login_flow(&hash("never"), T0).await), None);

    ok(store.insert_login_flow(&hash("late"), &flow).await);
    assert_eq!(ok(store.take_login_flow(&hash("late"), flow.expires_at).await), None, "expired");
    assert_eq!(ok(store.take_login_flow(&hash("late"), T0).await), None, "and gone");
}

conformance!(
    borrowed: [
        case_api_keys,
        case_sessions,
        case_login_flows,
    ],
    shared: [],
);
