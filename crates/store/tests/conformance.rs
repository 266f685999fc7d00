//! The store's contract, written once and run on every backend.
//!
//! Each `case_*` takes a fresh, empty `&dyn Store`; the `conformance!` macro at the bottom turns
//! every case into `sqlite::case_*` and `postgres::case_*` tests. PostgreSQL cases skip (with a
//! message) when no server is reachable, except under CI, where they fail.

use sala_domain::room::Weekday;
use sala_domain::search::fold;
use sala_domain::{
    Actor, ApiKey, ApiKeyId, AuditEntry, AuditId, BookableHours, Email, EmailDomain, Equipment, Locale, LoginFlow,
    Millis, Phone, Role, Room, RoomId, RoomKind, Session, Slug, Tenant, TenantId, TimeZoneName, User, UserId,
};
use sala_store::{AuditQuery, Store, StoreError, Unique, UserQuery};
use serde_json::json;
use std::sync::atomic::{AtomicI64, Ordering};

// ---------------------------------------------------------------------------------------------
// Building domain values through their real constructors.

/// A fixed instant (2026-01-15T10:00:00Z) so cases compare exact values.
const T0: Millis = 1_768_471_200_000;
const HOUR: Millis = 3_600_000;

/// Audit instants strictly increase, so "newest first" has one right answer.
static CLOCK: AtomicI64 = AtomicI64::new(T0);

fn tick() -> Millis {
    CLOCK.fetch_add(1000, Ordering::SeqCst)
}

fn ok<T, E: std::fmt::Debug>(result: Result<T, E>) -> T {
    result.unwrap_or_else(|e| panic!("unexpected error: {e:?}"))
}

fn email(raw: &str) -> Email {
    ok(Email::parse(raw))
}

fn tenant(name: &str, domains: &[&str]) -> Tenant {
    Tenant {
        id: TenantId::new(),
        name: name.to_owned(),
        slug: ok(Slug::from_name(name)),
        email_domains: domains.iter().map(|d| ok(EmailDomain::parse(d))).collect(),
        time_zone: ok(TimeZoneName::parse("Europe/Madrid")),
        locale: Locale::Es,
        created_at: T0,
        updated_at: T0,
    }
}

fn user(tenant: TenantId, address: &str, name: &str) -> User {
    User {
        id: UserId::new(),
        tenant_id: tenant,
        email: email(address),
        name: name.to_owned(),
        phone: None,
        whatsapp_opt_in: false,
        role: Role::Member,
        locale: None,
        time_zone: None,
        google_subject: None,
        active: true,
        created_at: T0,
        updated_at: T0,
    }
}

fn room(tenant: TenantId, name: &str) -> Room {
    Room {
        id: RoomId::new(),
        tenant_id: tenant,
        name: name.to_owned(),
        capacity: 8,
        location: None,
        equipment: Vec::new(),
        kind: RoomKind::Physical,
        google_calendar: None,
        active: true,
        bookable_hours: None,
        created_at: T0,
        updated_at: T0,
    }
}

fn api_key(tenant: TenantId, name: &str, created_by: Actor, created_at: Millis) -> ApiKey {
    ApiKey {
        id: ApiKeyId::new(),
        tenant_id: tenant,
        name: name.to_owned(),
        prefix: format!("sala_{}", &ApiKeyId::new().0.simple().to_string()[..6]),
        created_by,
        created_at,
        last_used_at: None,
        revoked_at: None,
    }
}

fn entry(tenant: TenantId, action: &str, subject_id: Option<uuid::Uuid>) -> AuditEntry {
    AuditEntry {
        id: AuditId::new(),
        tenant_id: tenant,
        at: tick(),
        actor: Actor::System,
        action: action.to_owned(),
        subject_type: action.split('.').next().unwrap_or(action).to_owned(),
        subject_id,
        before: None,
        after: None,
        request_id: None,
        ip: None,
    }
}

fn hash(seed: &str) -> String {
    // Shaped like a hex SHA-256; the store treats it as opaque text.
    format!("{:0>64}", seed.bytes().map(|b| format!("{b:02x}")).collect::<String>())
}

async fn add_tenant(store: &dyn Store, name: &str, domains: &[&str]) -> Tenant {
    let t = tenant(name, domains);
    ok(store.insert_tenant(&t, &entry(t.id, "tenant.created", Some(t.id.0))).await);
    t
}

async fn add_user(store: &dyn Store, tenant: TenantId, address: &str, name: &str) -> User {
    let u = user(tenant, address, name);
    ok(store.insert_user(&u, &entry(tenant, "user.created", Some(u.id.0))).await);
    u
}

async fn add_room(store: &dyn Store, tenant: TenantId, name: &str) -> Room {
    let r = room(tenant, name);
    ok(store.insert_room(&r, &entry(tenant, "room.created", Some(r.id.0))).await);
    r
}

/// The audit entries of one subject, newest first.
async fn audit_of(store: &dyn Store, tenant: TenantId, subject: uuid::Uuid) -> Vec<AuditEntry> {
    let query = AuditQuery { subject_id: Some(subject), action_prefix: None, limit: 100 };
    ok(store.list_audit(tenant, &query).await)
}

fn actions(entries: &[AuditEntry]) -> Vec<&str> {
    entries.iter().map(|e| e.action.as_str()).collect()
}

async fn search(store: &dyn Store, tenant: TenantId, text: &str, limit: u32, include_inactive: bool) -> Vec<String> {
    let query = UserQuery { text: fold(text), limit, include_inactive };
    ok(store.search_users(tenant, &query).await).into_iter().map(|u| u.name).collect()
}

fn assert_duplicate<T: std::fmt::Debug>(result: Result<T, StoreError>, rule: Unique) {
    match result {
        Err(StoreError::Duplicate(found)) => assert_eq!(found, rule),
        other => panic!("expected Duplicate({rule:?}), got {other:?}"),
    }
}

fn assert_not_found<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    match result {
        Err(StoreError::NotFound) => {}
        other => panic!("expected NotFound, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Tenants

async fn case_ping(store: &dyn Store) {
    ok(store.ping().await);
}

async fn case_tenant_insert_and_lookups(store: &dyn Store) {
    assert!(ok(store.list_tenants().await).is_empty());
    let zeta = add_tenant(store, "Zeta Ltd", &["zeta.test"]).await;
    let acme = add_tenant(store, "Acme Corp", &["acme.test", "acme-mail.test"]).await;

    assert_eq!(ok(store.get_tenant(acme.id).await), Some(acme.clone()));
    assert_eq!(ok(store.tenant_by_slug("acme-corp").await), Some(acme.clone()));
    assert_eq!(ok(store.tenant_by_domain("acme-mail.test").await), Some(acme.clone()));
    assert_eq!(ok(store.tenant_by_domain("zeta.test").await), Some(zeta.clone()));
    assert_eq!(ok(store.tenant_by_domain("other.test").await), None);
    assert_eq!(ok(store.tenant_by_slug("nobody").await), None);
    assert_eq!(ok(store.get_tenant(TenantId::new()).await), None);
    // By name.
    assert_eq!(ok(store.list_tenants().await), vec![acme.clone(), zeta]);

    let audit = audit_of(store, acme.id, acme.id.0).await;
    assert_eq!(actions(&audit), ["tenant.created"]);
}

async fn case_tenant_duplicate_slug(store: &dyn Store) {
    let acme = add_tenant(store, "Acme", &["acme.test"]).await;
    let mut twin = tenant("Acme", &["other.test"]);
    twin.name = "ACME again".into();
    let attempt = entry(twin.id, "tenant.created", Some(twin.id.0));
    assert_duplicate(store.insert_tenant(&twin, &attempt).await, Unique::TenantSlug);
    // Nothing of the refused tenant stayed behind.
    assert_eq!(ok(store.get_tenant(twin.id).await), None);
    assert_eq!(ok(store.tenant_by_domain("other.test").await), None);
    assert_eq!(ok(store.list_tenants().await), vec![acme]);
}

async fn case_tenant_duplicate_domain(store: &dyn Store) {
    let acme = add_tenant(store, "Acme", &["acme.test"]).await;
    let rival = tenant("Rival", &["rival.test", "acme.test"]);
    let attempt = entry(rival.id, "tenant.created", Some(rival.id.0));
    assert_duplicate(store.insert_tenant(&rival, &attempt).await, Unique::TenantDomain);
    // The whole insert rolled back: no tenant, no half of its domains.
    assert_eq!(ok(store.get_tenant(rival.id).await), None);
    assert_eq!(ok(store.tenant_by_domain("rival.test").await), None);
    assert_eq!(ok(store.tenant_by_domain("acme.test").await), Some(acme));
}

// ---------------------------------------------------------------------------------------------
// Users

async fn case_user_insert_and_lookups(store: &dyn Store) {
    let acme = add_tenant(store, "Acme", &["acme.test"]).await;
    let mut maria = user(acme.id, "Maria.Lopez@acme.test", "María López");
    maria.phone = Some(ok(Phone::parse("+34 612 34 56 78")));
    maria.whatsapp_opt_in = true;
    maria.role = Role::Admin;
    maria.locale = Some(Locale::En);
    maria.time_zone = Some(ok(TimeZoneName::parse("America/Santiago")));
    maria.google_subject = Some("google-sub-1".into());
    ok(store.insert_user(&maria, &entry(acme.id, "user.created", Some(maria.id.0))).await);
    let juan = add_user(store, acme.id, "juan@acme.test", "Juan").await;

    assert_eq!(ok(store.get_user(acme.id, maria.id).await), Some(maria.clone()));
    assert_eq!(ok(store.get_user(acme.id, juan.id).await), Some(juan));
    assert_eq!(ok(store.get_user(acme.id, UserId::new()).await), None);
    // The email matches whatever its case.
    assert_eq!(ok(store.user_by_email(acme.id, &email("maria.lopez@ACME.test")).await), Some(maria.clone()));
    assert_eq!(ok(store.user_by_email(acme.id, &email("MARIA.LOPEZ@acme.test")).await), Some(maria.clone()));
    assert_eq!(ok(store.user_by_email(acme.id, &email("nobody@acme.test")).await), None);
    assert_eq!(ok(store.user_by_google_subject("google-sub-1").await), Some(maria.clone()));
    assert_eq!(ok(store.user_by_google_subject("google-sub-2").await), None);

    assert_eq!(actions(&audit_of(store, acme.id, maria.id.0).await), ["user.created"]);
}

async fn case_user_duplicates(store: &dyn Store) {
    let acme = add_tenant(store, "Acme", &["acme.test"]).await;
    let beta = add_tenant(store, "Beta", &["beta.test"]).await;
    let mut first = add_user(store, acme.id, "ana@acme.test", "Ana").await;

    let twin = user(acme.id, "ANA@acme.test", "Ana Twin");
    let attempt = entry(acme.id, "user.created", Some(twin.id.0));
    assert_duplicate(store.insert_user(&twin, &attempt).await, Unique::UserEmail);
    assert_eq!(ok(store.get_user(acme.id, twin.id).await), None);
    assert!(audit_of(store, acme.id, twin.id.0).await.is_empty(), "a refused insert leaves no audit entry");

    // The same address in another tenant is another person.
    let elsewhere = add_user(store, beta.id, "ana@acme.test", "Ana in Beta").await;
    assert_eq!(ok(store.user_by_email(beta.id, &email("ana@acme.test")).await), Some(elsewhere));

    // Google subjects are unique across tenants.
    first.google_subject = Some("sub-ana".into());
    ok(store.update_user(&first, &entry(acme.id, "user.updated", Some(first.id.0))).await);
    let mut thief = user(beta.id, "thief@beta.test", "Thief");
    thief.google_subject = Some("sub-ana".into());
    let attempt = entry(beta.id, "user.created", Some(thief.id.0));
    assert_duplicate(store.insert_user(&thief, &attempt).await, Unique::UserGoogleSubject);
}

async fn case_user_update(store: &dyn Store) {
    let acme = add_tenant(store, "Acme", &["acme.test"]).await;
    let beta = add_tenant(store, "Beta", &["beta.test"]).await;
    let before = add_user(store, acme.id, "pedro@acme.test", "Pedro").await;
    let other = add_user(store, acme.id, "otro@acme.test", "Otro").await;

    let mut after = before.clone();
    after.name = "Pedro Núñez".into();
    after.email = email("Pedro.Nunez@acme.test");
    after.phone = Some(ok(Phone::parse("+56 9 6123 4567")));
    after.whatsapp_opt_in = true;
    after.role = Role::Admin;
    after.locale = Some(Locale::En);
    after.time_zone = Some(ok(TimeZoneName::parse("America/Santiago")));
    after.google_subject = Some("sub-pedro".into());
    after.updated_at = T0 + HOUR;
    let mut change = entry(acme.id, "user.updated", Some(before.id.0));
    change.actor = Actor::User(other.id);
    change.before = Some(json!({"name": "Pedro"}));
    change.after = Some(json!({"name": "Pedro Núñez"}));
    ok(store.update_user(&after, &change).await);

    assert_eq!(ok(store.get_user(acme.id, before.id).await), Some(after.clone()));
    assert_eq!(ok(store.user_by_email(acme.id, &email("pedro.nunez@acme.test")).await), Some(after.clone()));
    assert_eq!(ok(store.user_by_email(acme.id, &email("pedro@acme.test")).await), None);
    assert_eq!(search(store, acme.id, "nunez", 10, false).await, ["Pedro Núñez"]);
    let audit = audit_of(store, acme.id, before.id.0).await;
    assert_eq!(actions(&audit), ["user.updated", "user.created"]);
    assert_eq!(audit[0], change);

    // Taking a colleague's address is refused, and changes nothing.
    let mut clash = after.clone();
    clash.email = email("OTRO@acme.test");
    let attempt = entry(acme.id, "user.updated", Some(before.id.0));
    assert_duplicate(store.update_user(&clash, &attempt).await, Unique::UserEmail);
    assert_eq!(ok(store.get_user(acme.id, before.id).await), Some(after.clone()));

    // A user id of another tenant is not found, and no audit entry is left.
    let mut foreign = after.clone();
    foreign.tenant_id = beta.id;
    foreign.name = "Hijacked".into();
    let attempt = entry(beta.id, "user.updated", Some(before.id.0));
    assert_not_found(store.update_user(&foreign, &attempt).await);
    assert_not_found(store.update_user(&user(acme.id, "ghost@acme.test", "Ghost"), &attempt).await);
    assert_eq!(ok(store.get_user(acme.id, before.id).await), Some(after));
    assert_eq!(audit_of(store, acme.id, before.id.0).await.len(), 2);
    assert!(audit_of(store, beta.id, before.id.0).await.is_empty());
}

async fn case_user_search(store: &dyn Store) {
    let acme = add_tenant(store, "Acme", &["acme.test"]).await;
    let beta = add_tenant(store, "Beta", &["beta.test"]).await;
    for (address, name) in [
        ("mjp@acme.test", "María José Pérez"), // a later word starts with "jose"
        ("jm@acme.test", "José Martínez"),     // the name starts with "jose"
        ("anajosefa@acme.test", "Ana López"),  // only the email contains "jose"
        ("pr@acme.test", "Pedro Ruiz"),        // no match
        ("ventas@acme.test", "Promo 100% Ventas"),
        ("j_doe@acme.test", "John Doe"),
        ("joseluis@acme.test", "Joséluis Ábalos"), // name starts with "jose" too
    ] {
        add_user(store, acme.id, address, name).await;
    }
    let mut gone = user(acme.id, "josefina@acme.test", "Josefina Baja");
    gone.active = false;
    ok(store.insert_user(&gone, &entry(acme.id, "user.created", Some(gone.id.0))).await);
    add_user(store, beta.id, "jose@beta.test", "José de Beta").await;

    // Accents and case do not matter; name prefixes rank first, then word prefixes, then the rest,
    // each group by folded name ("jose martinez" < "joseluis": a space sorts before letters).
    let jose = ["José Martínez", "Joséluis Ábalos", "María José Pérez", "Ana López"];
    assert_eq!(search(store, acme.id, "JOSÉ", 10, false).await, jose);
    assert_eq!(search(store, acme.id, "jose", 10, false).await, jose);
    assert_eq!(search(store, acme.id, "pérez", 10, false).await, ["María José Pérez"]);
    assert_eq!(search(store, acme.id, "PEREZ", 10, false).await, ["María José Pérez"]);
    assert_eq!(search(store, acme.id, "jose", 2, false).await, ["José Martínez", "Joséluis Ábalos"]);
    // Inactive people only when asked.
    assert_eq!(
        search(store, acme.id, "jose", 10, true).await,
        ["José Martínez", "Josefina Baja", "Joséluis Ábalos", "María José Pérez", "Ana López"]
    );
    // LIKE metacharacters are literal.
    assert_eq!(search(store, acme.id, "%", 10, false).await, ["Promo 100% Ventas"]);
    assert_eq!(search(store, acme.id, "100%", 10, false).await, ["Promo 100% Ventas"]);
    assert_eq!(search(store, acme.id, "_", 10, false).await, ["John Doe"]);
    assert_eq!(search(store, acme.id, "j_d", 10, false).await, ["John Doe"]);
    assert!(search(store, acme.id, "j%e", 10, false).await.is_empty());
    assert!(search(store, acme.id, "\\", 10, false).await.is_empty());
    assert!(search(store, acme.id, "'", 10, false).await.is_empty());
    // Empty text: everyone active, by name; the limit holds.
    assert_eq!(search(store, acme.id, "", 100, false).await.len(), 7);
    assert_eq!(search(store, acme.id, "", 100, true).await.len(), 8);
    assert_eq!(search(store, acme.id, "", 3, false).await.len(), 3);
    // Other tenants' people never show.
    assert_eq!(search(store, beta.id, "jose", 10, true).await, ["José de Beta"]);
    assert!(search(store, TenantId::new(), "", 100, true).await.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Rooms

async fn case_rooms(store: &dyn Store) {
    let acme = add_tenant(store, "Acme", &["acme.test"]).await;
    let beta = add_tenant(store, "Beta", &["beta.test"]).await;

    let mut amber = room(acme.id, "Sala Ámbar");
    amber.capacity = 12;
    amber.location = Some("Planta 2, ala norte".into());
    amber.equipment = ok(Equipment::parse_list(&["Projector", "video conference", "whiteboard"]));
    amber.kind = RoomKind::Physical;
    amber.google_calendar = Some(email("c_188abc@resource.calendar.google.com"));
    amber.bookable_hours =
        Some(ok(BookableHours { days: vec![Weekday::Mon, Weekday::Wed, Weekday::Fri], ..BookableHours::office() }
            .validate()));
    ok(store.insert_room(&amber, &entry(acme.id, "room.created", Some(amber.id.0))).await);
    let zeta = add_room(store, acme.id, "Sala Zeta").await;
    let mut virt = room(acme.id, "auditorio virtual");
    virt.kind = RoomKind::Virtual;
    virt.capacity = 1000;
    ok(store.insert_room(&virt, &entry(acme.id, "room.created", Some(virt.id.0))).await);

    // JSON fields and every other column round-trip.
    assert_eq!(ok(store.get_room(acme.id, amber.id).await), Some(amber.clone()));
    assert_eq!(ok(store.get_room(acme.id, RoomId::new()).await), None);
    // By folded name.
    assert_eq!(ok(store.list_rooms(acme.id, false).await), vec![virt.clone(), amber.clone(), zeta.clone()]);

    // One room per folded name in a tenant; another tenant may use it.
    let twin = room(acme.id, "SALA  ambar");
    let attempt = entry(acme.id, "room.created", Some(twin.id.0));
    assert_duplicate(store.insert_room(&twin, &attempt).await, Unique::RoomName);
    assert!(audit_of(store, acme.id, twin.id.0).await.is_empty());
    add_room(store, beta.id, "Sala Ámbar").await;

    // Update: rename, resize, deactivate.
    let mut closed = zeta.clone();
    closed.name = "Sala Omega".into();
    closed.capacity = 4;
    closed.equipment = ok(Equipment::parse_list(&["tv"]));
    closed.bookable_hours = Some(BookableHours::office());
    closed.active = false;
    closed.updated_at = T0 + HOUR;
    ok(store.update_room(&closed, &entry(acme.id, "room.updated", Some(zeta.id.0))).await);
    assert_eq!(ok(store.get_room(acme.id, zeta.id).await), Some(closed.clone()));
    assert_eq!(ok(store.list_rooms(acme.id, false).await), vec![virt.clone(), amber.clone()]);
    assert_eq!(ok(store.list_rooms(acme.id, true).await), vec![virt.clone(), amber.clone(), closed.clone()]);
    assert_eq!(actions(&audit_of(store, acme.id, zeta.id.0).await), ["room.updated", "room.created"]);

    // Renaming onto another room's name is refused; clearing optional fields works.
    let mut clash = closed.clone();
    clash.name = "sala ámbar".into();
    let attempt = entry(acme.id, "room.updated", Some(zeta.id.0));
    assert_duplicate(store.update_room(&clash, &attempt).await, Unique::RoomName);
    let mut plain = amber.clone();
    plain.location = None;
    plain.google_calendar = None;
    plain.bookable_hours = None;
    plain.equipment = Vec::new();
    ok(store.update_room(&plain, &entry(acme.id, "room.updated", Some(amber.id.0))).await);
    assert_eq!(ok(store.get_room(acme.id, amber.id).await), Some(plain));

    // Another tenant's room is not found.
    let mut foreign = closed.clone();
    foreign.tenant_id = beta.id;
    let attempt = entry(beta.id, "room.updated", Some(zeta.id.0));
    assert_not_found(store.update_room(&foreign, &attempt).await);
    assert_eq!(ok(store.get_room(acme.id, zeta.id).await), Some(closed));
}

// ---------------------------------------------------------------------------------------------
// Isolation

async fn case_tenant_isolation(store: &dyn Store) {
    let acme = add_tenant(store, "Acme", &["acme.test"]).await;
    let beta = add_tenant(store, "Beta", &["beta.test"]).await;
    let ana = add_user(store, acme.id, "ana@acme.test", "Ana").await;
    let sala = add_room(store, acme.id, "Sala").await;
    let key = api_key(acme.id, "CRM", Actor::User(ana.id), T0);
    ok(store.insert_api_key(&key, &hash("acme-key"), &entry(acme.id, "api_key.created", Some(key.id.0))).await);
    let bob = add_user(store, beta.id, "bob@beta.test", "Bob").await;
    ok(store.insert_audit(&entry(beta.id, "user.signed_in", Some(bob.id.0))).await);

    assert_eq!(ok(store.get_user(beta.id, ana.id).await), None);
    assert_eq!(ok(store.user_by_email(beta.id, &ana.email).await), None);
    assert_eq!(ok(store.get_room(beta.id, sala.id).await), None);
    assert_eq!(ok(store.get_api_key(beta.id, key.id).await), None);
    assert!(ok(store.list_rooms(beta.id, true).await).is_empty());
    assert!(ok(store.list_api_keys(beta.id).await).is_empty());
    assert_eq!(search(store, beta.id, "", 100, true).await, ["Bob"]);
    let beta_audit = ok(store.list_audit(beta.id, &AuditQuery { limit: 100, ..AuditQuery::default() }).await);
    assert_eq!(actions(&beta_audit), ["user.signed_in", "user.created", "tenant.created"]);
    assert!(beta_audit.iter().all(|e| e.tenant_id == beta.id));
    assert!(audit_of(store, beta.id, ana.id.0).await.is_empty());
    let acme_audit = ok(store.list_audit(acme.id, &AuditQuery { limit: 100, ..AuditQuery::default() }).await);
    assert_eq!(acme_audit.len(), 4);
    assert!(acme_audit.iter().all(|e| e.tenant_id == acme.id));

    // Acme still sees its own.
    assert_eq!(ok(store.get_user(acme.id, ana.id).await), Some(ana));
    assert_eq!(ok(store.get_room(acme.id, sala.id).await), Some(sala));
    assert_eq!(ok(store.get_api_key(acme.id, key.id).await), Some(key));
}

// ---------------------------------------------------------------------------------------------
// Credentials

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
    };
    ok(store.insert_login_flow(&hash("flow"), &flow).await);
    assert_eq!(ok(store.take_login_flow(&hash("flow"), T0).await), Some(flow.clone()));
    assert_eq!(ok(store.take_login_flow(&hash("flow"), T0).await), None, "a flow completes once");
    assert_eq!(ok(store.take_login_flow(&hash("never"), T0).await), None);

    ok(store.insert_login_flow(&hash("late"), &flow).await);
    assert_eq!(ok(store.take_login_flow(&hash("late"), flow.expires_at).await), None, "expired");
    assert_eq!(ok(store.take_login_flow(&hash("late"), T0).await), None, "and gone");
}

// ---------------------------------------------------------------------------------------------
// Audit

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

// ---------------------------------------------------------------------------------------------
// Hostile text

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
        .list_audit(t.id, &AuditQuery { subject_id: Some(r.id.0), action_prefix: Some("room.up".into()), limit: 10 })
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

// ---------------------------------------------------------------------------------------------
// Every case on every backend.

macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $case() {
                    let db = sala_store::testing::fresh_sqlite().await;
                    super::$case(&*db.store).await;
                }
            )*
        }

        mod postgres {
            $(
                #[tokio::test]
                async fn $case() {
                    let Some(db) = sala_store::testing::fresh_postgres().await else { return };
                    super::$case(&*db.store).await;
                }
            )*
        }
    };
}

conformance!(
    case_ping,
    case_tenant_insert_and_lookups,
    case_tenant_duplicate_slug,
    case_tenant_duplicate_domain,
    case_user_insert_and_lookups,
    case_user_duplicates,
    case_user_update,
    case_user_search,
    case_rooms,
    case_tenant_isolation,
    case_api_keys,
    case_sessions,
    case_login_flows,
    case_audit_log,
    case_text_is_stored_verbatim,
);
