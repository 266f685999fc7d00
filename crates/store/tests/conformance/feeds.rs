//! Calendar feeds: found by their token's hash from any tenant, listed per creator, tenant-scoped,
//! and revoked by deletion (audited).

use super::{add_room, add_tenant, add_user, entry, hash, ok, tick};
use sala_domain::{Actor, ApiKeyId, Feed, FeedId, FeedScope, RoomId, TenantId};
use sala_store::{AuditQuery, Store};

fn feed(tenant: TenantId, scope: FeedScope, room: Option<RoomId>, by: Actor, seed: &str) -> Feed {
    Feed {
        id: FeedId::new(),
        tenant_id: tenant,
        scope,
        room_id: room,
        token_hash: hash(seed),
        created_by: by,
        created_at: tick(),
    }
}

async fn case_calendar_feeds(store: &dyn Store) {
    let acme = add_tenant(store, "Acme", &["acme.test"]).await;
    let globex = add_tenant(store, "Globex", &["globex.test"]).await;
    let ana = add_user(store, acme.id, "ana@acme.test", "Ana").await;
    let room = add_room(store, acme.id, "Sala Sur").await;
    let key = Actor::ApiKey(ApiKeyId::new());
    let created = |f: &Feed| entry(f.tenant_id, "feed.created", Some(f.id.0));

    let mine = feed(acme.id, FeedScope::Me, None, Actor::User(ana.id), "mine");
    let rooms = feed(acme.id, FeedScope::Room, Some(room.id), Actor::User(ana.id), "room");
    let org = feed(acme.id, FeedScope::Organization, None, key, "org");
    let system = feed(acme.id, FeedScope::Organization, None, Actor::System, "system");
    for f in [&mine, &rooms, &org, &system] {
        ok(store.insert_feed(f, &created(f)).await);
    }
    assert_eq!(ok(store.feed_by_token(&hash("room")).await), Some(rooms.clone()));
    assert_eq!(ok(store.feed_by_token(&hash("nothing")).await), None);
    assert_eq!(ok(store.get_feed(acme.id, mine.id).await), Some(mine.clone()));
    assert_eq!(ok(store.get_feed(globex.id, mine.id).await), None, "tenant-scoped");
    assert_eq!(ok(store.feeds_by(acme.id, &Actor::User(ana.id)).await), vec![mine.clone(), rooms.clone()]);
    assert_eq!(ok(store.feeds_by(acme.id, &key).await), vec![org.clone()]);
    assert_eq!(ok(store.feeds_by(acme.id, &Actor::System).await), vec![system.clone()]);
    assert!(ok(store.feeds_by(globex.id, &Actor::User(ana.id)).await).is_empty());

    // Another tenant's room cannot be given a feed; a token is unique.
    let foreign = feed(globex.id, FeedScope::Room, Some(room.id), Actor::System, "foreign");
    assert!(store.insert_feed(&foreign, &created(&foreign)).await.is_err());
    let twin = feed(acme.id, FeedScope::Me, None, Actor::User(ana.id), "mine");
    assert!(store.insert_feed(&twin, &created(&twin)).await.is_err());

    let deleted = |f: &Feed, tenant: TenantId| entry(tenant, "feed.deleted", Some(f.id.0));
    assert!(!ok(store.delete_feed(globex.id, mine.id, &deleted(&mine, globex.id)).await));
    assert!(ok(store.delete_feed(acme.id, mine.id, &deleted(&mine, acme.id)).await));
    assert!(!ok(store.delete_feed(acme.id, mine.id, &deleted(&mine, acme.id)).await), "once");
    assert_eq!(ok(store.feed_by_token(&hash("mine")).await), None, "revoked");
    let audit = ok(store
        .list_audit(acme.id, &AuditQuery { action_prefix: Some("feed.".into()), limit: 10, ..Default::default() })
        .await);
    assert_eq!(audit.len(), 5, "four feeds and one removal, each audited");
}

conformance!(borrowed: [case_calendar_feeds], shared: []);
