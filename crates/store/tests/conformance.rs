//! The store's contract, written once and run on every backend.
//!
//! Each `case_*` takes a fresh, empty `&dyn Store`; the `conformance!` macro at the bottom turns
//! every case into `sqlite::case_*` and `postgres::case_*` tests. PostgreSQL cases skip (with a
//! message) when no server is reachable, except under CI, where they fail.

use sala_domain::jobs::{Channel, Delivery, DeliveryStatus};
use sala_domain::room::Weekday;
use sala_domain::search::fold;
use sala_domain::{
    Actor, ApiKey, ApiKeyId, Attendee, AuditEntry, AuditId, BookableHours, Booking, BookingId, BookingRules,
    BookingStatus, Email, EmailDomain, Equipment, Frequency, Job, JobId, JobKind, JobStatus, Locale, LoginFlow, Millis,
    Phone, Recurrence, Role, Room, RoomId, RoomKind, Series, SeriesId, Session, Slug, Tenant, TenantId, TimeRange,
    TimeZoneName, User, UserId,
};
use sala_store::{
    AuditQuery, BookingQuery, BookingWrite, Busy, IdempotencyRecord, Store, StoreError, Unique, UserQuery,
};
use serde_json::json;
use std::sync::Arc;
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
        booking_rules: Default::default(),
        reminders: Default::default(),
        whatsapp: None,
        google_service_account: None,
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
        reminders: None,
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
        rules: Default::default(),
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
        scopes: vec![sala_domain::auth::Scope::Read, sala_domain::auth::Scope::Webhooks],
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
    let query = AuditQuery { subject_id: Some(subject), limit: 100, ..AuditQuery::default() };
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

// ---------------------------------------------------------------------------------------------
// Tenant settings

async fn case_tenant_update(store: &dyn Store) {
    let acme = add_tenant(store, "Acme", &["acme.test"]).await;
    let beta = add_tenant(store, "Beta", &["beta.test"]).await;

    let mut changed = acme.clone();
    changed.name = "Acme Iberia".into();
    changed.time_zone = ok(TimeZoneName::parse("America/Santiago"));
    changed.locale = Locale::En;
    changed.booking_rules =
        BookingRules { max_duration_minutes: 90, max_active_per_person: Some(3), ..BookingRules::default() };
    changed.updated_at = T0 + HOUR;
    let mut change = entry(acme.id, "tenant.updated", Some(acme.id.0));
    change.before = Some(json!({"name": "Acme"}));
    change.after = Some(json!({"name": "Acme Iberia"}));
    // The slug and the domains are not the business of this method: they stay.
    let mut attempt = changed.clone();
    attempt.slug = ok(Slug::from_name("Other"));
    attempt.email_domains = vec![ok(EmailDomain::parse("other.test"))];
    ok(store.update_tenant(&attempt, &change).await);

    assert_eq!(ok(store.get_tenant(acme.id).await), Some(changed.clone()));
    assert_eq!(ok(store.tenant_by_slug("acme").await), Some(changed.clone()));
    assert_eq!(ok(store.tenant_by_domain("acme.test").await), Some(changed.clone()));
    assert_eq!(ok(store.tenant_by_domain("other.test").await), None);
    let audit = audit_of(store, acme.id, acme.id.0).await;
    assert_eq!(actions(&audit), ["tenant.updated", "tenant.created"]);
    assert_eq!(audit[0], change);

    // A tenant that does not exist is not found, and leaves no audit entry.
    let ghost = tenant("Ghost", &["ghost.test"]);
    assert_not_found(store.update_tenant(&ghost, &entry(ghost.id, "tenant.updated", Some(ghost.id.0))).await);
    assert_eq!(ok(store.get_tenant(beta.id).await), Some(beta));
    assert!(audit_of(store, ghost.id, ghost.id.0).await.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Bookings

const MINUTE: Millis = 60_000;
const WEEK: Millis = 7 * 24 * HOUR;

fn madrid() -> TimeZoneName {
    ok(TimeZoneName::parse("Europe/Madrid"))
}

/// A confirmed booking at version 1, built directly (no domain helpers).
fn booking(room: &Room, organizer: &User, start: Millis, end: Millis) -> Booking {
    Booking {
        id: BookingId::new(),
        tenant_id: room.tenant_id,
        room_id: room.id,
        organizer_id: organizer.id,
        title: "Sync".into(),
        description: None,
        time: ok(TimeRange::new(start, end)),
        time_zone: madrid(),
        attendees: Vec::new(),
        google_meet: false,
        status: BookingStatus::Confirmed,
        cancel_reason: None,
        external_ref: None,
        metadata: json!({}),
        series_id: None,
        recurrence_id: None,
        google_event_id: None,
        meet_link: None,
        reminders: None,
        version: 1,
        created_by: Actor::User(organizer.id),
        created_at: T0,
        updated_at: T0,
        cancelled_at: None,
    }
}

fn attendee(address: &str, name: Option<&str>, user_id: Option<UserId>) -> Attendee {
    Attendee { email: email(address), name: name.map(str::to_owned), user_id }
}

fn job(b: &Booking, kind: JobKind, run_at: Millis, created_at: Millis) -> Job {
    Job {
        id: JobId::new(),
        tenant_id: b.tenant_id,
        kind,
        booking_id: Some(b.id),
        payload: json!({"event": "booking.created", "booking_version": b.version, "changes": []}),
        run_at,
        status: JobStatus::Pending,
        attempts: 0,
        last_error: None,
        created_at,
    }
}

/// The next version of a booking: what an edit writes.
fn next(b: &Booking) -> Booking {
    let mut after = b.clone();
    after.version += 1;
    after.updated_at = tick();
    after
}

fn cancelled(b: &Booking, reason: &str) -> Booking {
    let mut after = next(b);
    after.status = BookingStatus::Cancelled;
    after.cancel_reason = Some(reason.into());
    after.cancelled_at = Some(after.updated_at);
    after
}

fn moved(b: &Booking, start: Millis, end: Millis) -> Booking {
    let mut after = next(b);
    after.time = ok(TimeRange::new(start, end));
    after
}

fn busy_of(b: &Booking) -> Busy {
    Busy { booking_id: b.id, room_id: b.room_id, time: b.time }
}

/// Writes `bookings` as one change with an audit entry and a notify job for each.
async fn save(store: &dyn Store, update: bool, bookings: &[Booking]) -> Result<(), StoreError> {
    let tenant = bookings.first().map_or_else(TenantId::new, |b| b.tenant_id);
    let action = if update { "booking.updated" } else { "booking.created" };
    let audit: Vec<AuditEntry> = bookings.iter().map(|b| entry(tenant, action, Some(b.id.0))).collect();
    let jobs: Vec<Job> = bookings.iter().map(|b| job(b, JobKind::Notify, T0, tick())).collect();
    let write = BookingWrite {
        tenant_id: tenant,
        series: None,
        bookings,
        audit: &audit,
        jobs: &jobs,
        idempotency: None,
        drop_timed_jobs: &[],
        unless_checked_in: false,
    };
    if update { store.update_bookings(write).await } else { store.insert_bookings(write).await }
}

async fn create(store: &dyn Store, bookings: &[Booking]) -> Result<(), StoreError> {
    save(store, false, bookings).await
}

async fn edit(store: &dyn Store, bookings: &[Booking]) -> Result<(), StoreError> {
    save(store, true, bookings).await
}

fn assert_overlap<T: std::fmt::Debug>(result: Result<T, StoreError>, with: &Booking) {
    match result {
        Err(StoreError::Overlap(busy)) => assert_eq!(busy, busy_of(with)),
        other => panic!("expected Overlap with {}, got {other:?}", with.id),
    }
}

fn assert_version_mismatch<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    match result {
        Err(StoreError::VersionMismatch) => {}
        other => panic!("expected VersionMismatch, got {other:?}"),
    }
}

/// A refused booking left nothing behind: no row, no audit entry, no job.
async fn assert_absent(store: &dyn Store, b: &Booking) {
    assert_eq!(ok(store.get_booking(b.tenant_id, b.id).await), None);
    assert!(audit_of(store, b.tenant_id, b.id.0).await.is_empty(), "no audit entry for {}", b.id);
    assert!(ok(store.jobs_for_booking(b.tenant_id, b.id).await).is_empty(), "no job for {}", b.id);
}

async fn list(store: &dyn Store, tenant: TenantId, query: BookingQuery) -> Vec<Booking> {
    ok(store.list_bookings(tenant, &query).await)
}

fn all(limit: u32) -> BookingQuery {
    BookingQuery { limit, ..BookingQuery::default() }
}

fn ids(bookings: &[Booking]) -> Vec<BookingId> {
    bookings.iter().map(|b| b.id).collect()
}

/// In the store's order: by start, then id.
fn ordered(bookings: &[&Booking]) -> Vec<BookingId> {
    let mut sorted: Vec<&Booking> = bookings.to_vec();
    sorted.sort_by_key(|b| (b.time.start, b.id));
    sorted.into_iter().map(|b| b.id).collect()
}

struct Office {
    acme: Tenant,
    ana: User,
    luis: User,
    sala: Room,
    azul: Room,
}

async fn office(store: &dyn Store) -> Office {
    let acme = add_tenant(store, "Acme", &["acme.test"]).await;
    let ana = add_user(store, acme.id, "ana@acme.test", "Ana").await;
    let luis = add_user(store, acme.id, "luis@acme.test", "Luis").await;
    let sala = add_room(store, acme.id, "Sala").await;
    let azul = add_room(store, acme.id, "Azul").await;
    Office { acme, ana, luis, sala, azul }
}

async fn case_booking_round_trip(store: &dyn Store) {
    let Office { acme, ana, luis, sala, .. } = office(store).await;
    let series = Series {
        id: SeriesId::new(),
        tenant_id: acme.id,
        rule: Recurrence {
            frequency: Frequency::Weekly,
            interval: 1,
            count: None,
            until: Some(ok("2026-03-31".parse())),
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
        rule: Recurrence { frequency: Frequency::Weekdays, interval: 1, count: Some(10), until: None },
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
        rule: Recurrence { frequency: Frequency::Weekly, interval: 1, count: Some(4), until: None },
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

async fn case_booking_list_and_pagination(store: &dyn Store) {
    let Office { acme, ana, luis, sala, azul } = office(store).await;
    let beta = add_tenant(store, "Beta", &["beta.test"]).await;
    let series = Series {
        id: SeriesId::new(),
        tenant_id: acme.id,
        rule: Recurrence { frequency: Frequency::Weekly, interval: 1, count: Some(2), until: None },
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
    ok(store.insert_bookings(BookingWrite { bookings: &both, audit: &[], idempotency: Some(&api_key), ..write }).await);
    assert_eq!(ok(store.idempotency_record(acme.id, &api_key.actor, &api_key.key).await), Some(api_key));
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
        rule: Recurrence { frequency: Frequency::Daily, interval: 1, count: Some(1), until: None },
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

// ---------------------------------------------------------------------------------------------
// The job runner: claiming, settling, replaying, and the delivery log

/// Writes a booking of `room` with one notify job per `run_at`, created in that order; returns
/// the booking and the jobs as stored.
async fn booking_with_jobs(
    store: &dyn Store,
    room: &Room,
    organizer: &User,
    run_ats: &[Millis],
) -> (Booking, Vec<Job>) {
    let start = T0 + 100 * HOUR + tick();
    let b = booking(room, organizer, start, start + HOUR);
    let jobs: Vec<Job> = run_ats.iter().map(|&at| job(&b, JobKind::Notify, at, tick())).collect();
    let write = BookingWrite {
        tenant_id: b.tenant_id,
        series: None,
        bookings: std::slice::from_ref(&b),
        audit: &[],
        jobs: &jobs,
        idempotency: None,
        drop_timed_jobs: &[],
        unless_checked_in: false,
    };
    ok(store.insert_bookings(write).await);
    (b, jobs)
}

/// A job as a claim returns it: running, one more attempt.
fn claimed(j: &Job) -> Job {
    Job { status: JobStatus::Running, attempts: j.attempts + 1, ..j.clone() }
}

/// Every job kind: what a runner with a handler for each claims.
const ALL_KINDS: [JobKind; 4] = [JobKind::Notify, JobKind::CalendarSync, JobKind::Webhook, JobKind::Reminder];

async fn claim(store: &dyn Store, now: Millis, lease_until: Millis, limit: u32) -> Vec<Job> {
    ok(store.claim_jobs(now, lease_until, limit, &ALL_KINDS).await)
}

/// The stored version of a job (read through its booking).
async fn stored_job(store: &dyn Store, j: &Job) -> Job {
    let booking = j.booking_id.unwrap_or_else(|| panic!("job {} has a booking", j.id));
    let jobs = ok(store.jobs_for_booking(j.tenant_id, booking).await);
    jobs.into_iter().find(|s| s.id == j.id).unwrap_or_else(|| panic!("job {} is stored", j.id))
}

async fn case_jobs_claim_due_in_order(store: &dyn Store) {
    let Office { ana, sala, .. } = office(store).await;
    let now = T0 + 5 * MINUTE;
    // Not in run_at order, one due exactly now, one not yet due.
    let (_, jobs) =
        booking_with_jobs(store, &sala, &ana, &[T0 + 3 * MINUTE, T0 + MINUTE, now, T0 + 2 * MINUTE, now + 1]).await;
    assert!(claim(store, T0, now + MINUTE, 10).await.is_empty(), "nothing is due before T0 + 1 minute");

    let first = claim(store, now, now + MINUTE, 2).await;
    assert_eq!(first, vec![claimed(&jobs[1]), claimed(&jobs[3])], "the two oldest run_at first");
    let second = claim(store, now, now + MINUTE, 10).await;
    assert_eq!(second, vec![claimed(&jobs[0]), claimed(&jobs[2])], "then the rest that is due, no more");
    assert!(claim(store, now, now + MINUTE, 10).await.is_empty(), "claimed jobs are not claimed again");
    for j in &jobs[..4] {
        assert_eq!(stored_job(store, j).await, claimed(j));
    }
    assert_eq!(stored_job(store, &jobs[4]).await, jobs[4]);
    // Once due, the last one comes too.
    assert_eq!(claim(store, now + 1, now + MINUTE, 10).await, vec![claimed(&jobs[4])]);
}

async fn case_jobs_claim_only_listed_kinds(store: &dyn Store) {
    let Office { ana, sala, .. } = office(store).await;
    let start = T0 + 100 * HOUR + tick();
    let b = booking(&sala, &ana, start, start + HOUR);
    let notify = job(&b, JobKind::Notify, T0, tick());
    let webhook = job(&b, JobKind::Webhook, T0 - MINUTE, tick());
    let reminder = job(&b, JobKind::Reminder, T0, tick());
    let jobs = [notify.clone(), webhook.clone(), reminder.clone()];
    let write = BookingWrite {
        tenant_id: b.tenant_id,
        series: None,
        bookings: std::slice::from_ref(&b),
        audit: &[],
        jobs: &jobs,
        idempotency: None,
        drop_timed_jobs: &[],
        unless_checked_in: false,
    };
    ok(store.insert_bookings(write).await);

    assert!(ok(store.claim_jobs(T0, T0 + MINUTE, 10, &[]).await).is_empty(), "no kinds claim nothing");
    assert_eq!(stored_job(store, &webhook).await, webhook, "still pending after an empty claim");
    let taken = ok(store.claim_jobs(T0, T0 + MINUTE, 10, &[JobKind::Notify, JobKind::Reminder]).await);
    let mut ids: Vec<JobId> = taken.iter().map(|j| j.id).collect();
    ids.sort();
    let mut expected = vec![notify.id, reminder.id];
    expected.sort();
    assert_eq!(ids, expected, "only the listed kinds");
    assert_eq!(stored_job(store, &webhook).await, webhook, "a kind not listed is left pending");
    // Its lease ended: a claim for other kinds still leaves the webhook, and takes the expired ones.
    let again = ok(store.claim_jobs(T0 + MINUTE, T0 + 2 * MINUTE, 10, &[JobKind::Reminder]).await);
    assert_eq!(again.iter().map(|j| j.id).collect::<Vec<_>>(), vec![reminder.id]);
    assert_eq!(claim(store, T0, T0 + MINUTE, 10).await, vec![claimed(&webhook)], "all kinds take it");
}

async fn case_jobs_lease_expiry(store: &dyn Store) {
    let Office { ana, sala, .. } = office(store).await;
    let (_, jobs) = booking_with_jobs(store, &sala, &ana, &[T0]).await;
    let j = &jobs[0];
    assert_eq!(claim(store, T0, T0 + MINUTE, 10).await, vec![claimed(j)]);
    // Its runner holds it while the lease lasts...
    assert!(claim(store, T0 + MINUTE - 1, T0 + 2 * MINUTE, 10).await.is_empty());
    // ...and when it ends (the runner died), another claim takes it again: a second attempt.
    let again = claim(store, T0 + MINUTE, T0 + 2 * MINUTE, 10).await;
    assert_eq!(again, vec![claimed(&claimed(j))]);
    assert_eq!(again[0].attempts, 2);
    assert!(claim(store, T0 + MINUTE, T0 + 2 * MINUTE, 10).await.is_empty());
    // Settled by the runner that holds it now.
    ok(store.complete_job(j.id, T0 + MINUTE + 1).await);
    assert!(claim(store, T0 + HOUR, T0 + 2 * HOUR, 10).await.is_empty(), "a done job never comes back");
}

async fn case_jobs_complete_retry_bury(store: &dyn Store) {
    let Office { ana, sala, .. } = office(store).await;
    let (_, jobs) = booking_with_jobs(store, &sala, &ana, &[T0, T0, T0]).await;
    let (done, retried, buried) = (&jobs[0], &jobs[1], &jobs[2]);
    // Settling needs a claim first.
    assert_not_found(store.complete_job(done.id, T0).await);
    assert_not_found(store.retry_job(retried.id, "early", T0, T0).await);
    assert_not_found(store.bury_job(buried.id, "early", T0).await);
    assert_eq!(claim(store, T0, T0 + HOUR, 10).await.len(), 3);

    ok(store.complete_job(done.id, T0 + 1).await);
    assert_eq!(stored_job(store, done).await, Job { status: JobStatus::Done, ..claimed(done) });
    assert_not_found(store.complete_job(done.id, T0 + 2).await);
    assert_not_found(store.retry_job(done.id, "late", T0 + 2, T0 + 2).await);
    assert_not_found(store.complete_job(JobId::new(), T0 + 2).await);

    // A retry is due again at its run_at, not before, with its error kept.
    ok(store.retry_job(retried.id, "smtp: connection refused", T0 + 10 * MINUTE, T0 + 1).await);
    let waiting = Job {
        status: JobStatus::Pending,
        run_at: T0 + 10 * MINUTE,
        last_error: Some("smtp: connection refused".into()),
        ..claimed(retried)
    };
    assert_eq!(stored_job(store, retried).await, waiting);
    assert!(claim(store, T0 + 10 * MINUTE - 1, T0 + HOUR, 10).await.is_empty());
    assert_eq!(claim(store, T0 + 10 * MINUTE, T0 + HOUR, 10).await, vec![claimed(&waiting)]);
    assert_eq!(stored_job(store, retried).await.attempts, 2);

    // A dead job keeps its error, cut to 2,000 characters (not bytes), and is never claimed.
    let long = "é".repeat(3000);
    ok(store.bury_job(buried.id, &long, T0 + 1).await);
    let dead = stored_job(store, buried).await;
    assert_eq!(dead.status, JobStatus::Dead);
    assert_eq!(dead.last_error, Some("é".repeat(2000)));
    assert!(claim(store, T0 + 30 * MINUTE, T0 + 3 * HOUR, 10).await.is_empty());
    assert_not_found(store.bury_job(buried.id, "again", T0 + 2).await);
}

async fn case_jobs_list_and_replay(store: &dyn Store) {
    let Office { acme, ana, sala, .. } = office(store).await;
    let beta = add_tenant(store, "Beta", &["beta.test"]).await;
    let bob = add_user(store, beta.id, "bob@beta.test", "Bob").await;
    let beta_room = add_room(store, beta.id, "Sala").await;
    let (_, jobs) = booking_with_jobs(store, &sala, &ana, &[T0, T0, T0 + HOUR]).await;
    let (_, beta_jobs) = booking_with_jobs(store, &beta_room, &bob, &[T0]).await;
    assert_eq!(claim(store, T0, T0 + MINUTE, 10).await.len(), 3);
    ok(store.complete_job(jobs[0].id, T0 + 1).await);
    ok(store.bury_job(jobs[1].id, "whatsapp: invalid number", T0 + 1).await);
    ok(store.bury_job(beta_jobs[0].id, "beta's own failure", T0 + 1).await);
    let dead = stored_job(store, &jobs[1]).await;

    let listed = |tenant: TenantId, status: Option<JobStatus>, limit: u32| async move {
        ok(store.list_jobs(tenant, status, None, limit).await).into_iter().map(|j| j.id).collect::<Vec<_>>()
    };
    assert_eq!(ok(store.list_jobs(acme.id, Some(JobStatus::Dead), None, 50).await), vec![dead.clone()]);
    assert_eq!(listed(acme.id, Some(JobStatus::Done), 50).await, [jobs[0].id]);
    assert_eq!(listed(acme.id, Some(JobStatus::Pending), 50).await, [jobs[2].id]);
    assert!(listed(acme.id, Some(JobStatus::Running), 50).await.is_empty());
    // Newest first, and the limit holds.
    assert_eq!(listed(acme.id, None, 50).await, [jobs[2].id, jobs[1].id, jobs[0].id]);
    assert_eq!(listed(acme.id, None, 2).await, [jobs[2].id, jobs[1].id]);
    // The next page starts strictly after the last one seen, ties on the instant broken by id.
    let first = ok(store.list_jobs(acme.id, None, None, 2).await);
    let after = first.last().map(|j| sala_store::Before { at: j.created_at, id: j.id.0 });
    let rest = ok(store.list_jobs(acme.id, None, after, 50).await);
    assert_eq!(rest.iter().map(|j| j.id).collect::<Vec<_>>(), [jobs[0].id]);
    assert_eq!(listed(beta.id, Some(JobStatus::Dead), 50).await, [beta_jobs[0].id]);
    assert!(listed(TenantId::new(), None, 50).await.is_empty());

    // Replay: only a dead job of the tenant.
    assert_not_found(store.replay_job(beta.id, dead.id, T0 + HOUR).await);
    assert_not_found(store.replay_job(acme.id, beta_jobs[0].id, T0 + HOUR).await);
    assert_not_found(store.replay_job(acme.id, jobs[0].id, T0 + HOUR).await);
    assert_not_found(store.replay_job(acme.id, jobs[2].id, T0 + HOUR).await);
    assert_not_found(store.replay_job(acme.id, JobId::new(), T0 + HOUR).await);
    assert_eq!(stored_job(store, &beta_jobs[0]).await.status, JobStatus::Dead);

    ok(store.replay_job(acme.id, dead.id, T0 + 2 * HOUR).await);
    let revived = Job { status: JobStatus::Pending, run_at: T0 + 2 * HOUR, attempts: 0, ..dead.clone() };
    assert_eq!(stored_job(store, &dead).await, revived);
    assert_not_found(store.replay_job(acme.id, dead.id, T0 + 2 * HOUR).await);
    assert!(listed(acme.id, Some(JobStatus::Dead), 50).await.is_empty());
    // Due at the replay's instant, with a fresh count of attempts (jobs[2] was due an hour before).
    let due = claim(store, T0 + 2 * HOUR, T0 + 3 * HOUR, 10).await;
    assert_eq!(due, vec![claimed(&jobs[2]), claimed(&revived)]);
    assert_eq!(due[1].attempts, 1);
}

/// A booking write that drops timed jobs (`BookingWrite::drop_timed_jobs`) deletes the pending
/// reminders and no-show checks of those bookings before writing its own jobs; jobs of other
/// kinds, timed jobs no longer pending (running, done, dead) and other bookings' stay.
async fn case_jobs_dropping_timed_jobs(store: &dyn Store) {
    let Office { acme, ana, sala, azul, .. } = office(store).await;
    let start = T0 + 100 * HOUR;
    let b = booking(&sala, &ana, start, start + HOUR);
    let other = booking(&azul, &ana, start, start + HOUR);
    let pending = |b: &Booking, kind| job(b, kind, start - 10 * MINUTE, tick());
    let (reminder, no_show, notify) =
        (pending(&b, JobKind::Reminder), pending(&b, JobKind::NoShowCheck), pending(&b, JobKind::Notify));
    // Due before T0, so claimed below; then one is done, one dead, one still running.
    let done = job(&b, JobKind::Reminder, T0 - 3 * MINUTE, tick());
    let dead = job(&b, JobKind::NoShowCheck, T0 - 2 * MINUTE, tick());
    let running = job(&b, JobKind::Reminder, T0 - MINUTE, tick());
    let others = [pending(&other, JobKind::Reminder), pending(&other, JobKind::NoShowCheck)];
    let jobs = [reminder, no_show, notify.clone(), done.clone(), dead.clone(), running.clone()];
    for (booking, jobs) in [(&b, &jobs[..]), (&other, &others[..])] {
        let write = BookingWrite {
            tenant_id: acme.id,
            series: None,
            bookings: std::slice::from_ref(booking),
            audit: &[],
            jobs,
            idempotency: None,
            drop_timed_jobs: &[],
            unless_checked_in: false,
        };
        ok(store.insert_bookings(write).await);
    }
    let taken = ok(store.claim_jobs(T0, T0 + HOUR, 10, &JobKind::TIMED).await);
    assert_eq!(taken, vec![claimed(&done), claimed(&dead), claimed(&running)]);
    ok(store.complete_job(done.id, T0 + 1).await);
    ok(store.bury_job(dead.id, "gone", T0 + 1).await);

    // Moved: the timed jobs for the old time go, the write brings one for the new time.
    let after = moved(&b, start + HOUR, start + 2 * HOUR);
    let fresh = job(&after, JobKind::Reminder, start + 50 * MINUTE, tick());
    let write = BookingWrite {
        tenant_id: acme.id,
        series: None,
        bookings: std::slice::from_ref(&after),
        audit: &[],
        jobs: std::slice::from_ref(&fresh),
        idempotency: None,
        drop_timed_jobs: &[b.id],
        unless_checked_in: false,
    };
    ok(store.update_bookings(write).await);
    let kept = ok(store.jobs_for_booking(acme.id, b.id).await);
    assert_eq!(kept.iter().map(|j| j.id).collect::<Vec<_>>(), [notify.id, done.id, dead.id, running.id, fresh.id]);
    assert_eq!(kept.iter().map(|j| j.status).collect::<Vec<_>>(), {
        use JobStatus::{Dead, Done, Pending, Running};
        [Pending, Done, Dead, Running, Pending]
    });
    assert_eq!(ok(store.jobs_for_booking(acme.id, other.id).await), others.to_vec());
}

/// Releasing a booking's jobs of one kind makes the pending ones due after `now` due at once
/// (their `run_at` becomes their `created_at`); those already due, running, of another kind, of
/// another booking, or asked for by another tenant stay as they are.
async fn case_jobs_release_waiting(store: &dyn Store) {
    let Office { acme, ana, sala, azul, .. } = office(store).await;
    let start = T0 + 100 * HOUR;
    let b = booking(&sala, &ana, start, start + HOUR);
    let other = booking(&azul, &ana, start, start + HOUR);
    let written = T0 - HOUR;
    // Claimed before the others are written: running, and due after `now` below.
    let running = job(&b, JobKind::Notify, T0 + MINUTE, written);
    let write = BookingWrite {
        tenant_id: acme.id,
        series: None,
        bookings: std::slice::from_ref(&b),
        audit: &[],
        jobs: std::slice::from_ref(&running),
        idempotency: None,
        drop_timed_jobs: &[],
        unless_checked_in: false,
    };
    ok(store.insert_bookings(write).await);
    ok(store.insert_bookings(BookingWrite { bookings: std::slice::from_ref(&other), jobs: &[], ..write }).await);
    let taken = ok(store.claim_jobs(T0 + MINUTE, T0 + HOUR, 10, &[JobKind::Notify]).await);
    assert_eq!(taken, vec![claimed(&running)]);

    let waiting = job(&b, JobKind::Notify, T0 + 5 * MINUTE, written);
    let due_now = job(&b, JobKind::Notify, T0, written);
    let overdue = job(&b, JobKind::Notify, T0 - MINUTE, written);
    let calendar = job(&b, JobKind::CalendarSync, T0 + 5 * MINUTE, written);
    let elsewhere = job(&other, JobKind::Notify, T0 + 5 * MINUTE, written);
    let rest = [waiting.clone(), due_now.clone(), overdue.clone(), calendar.clone(), elsewhere.clone()];
    ok(store.enqueue_jobs(&rest).await);

    assert_eq!(ok(store.release_jobs(TenantId::new(), b.id, JobKind::Notify, T0).await), 0, "another tenant's");
    assert_eq!(ok(store.release_jobs(acme.id, b.id, JobKind::Notify, T0).await), 1);
    assert_eq!(stored_job(store, &waiting).await, Job { run_at: written, ..waiting.clone() });
    for unchanged in [due_now, overdue, calendar, elsewhere] {
        assert_eq!(stored_job(store, &unchanged).await, unchanged);
    }
    assert_eq!(stored_job(store, &running).await, claimed(&running));
    assert_eq!(ok(store.release_jobs(acme.id, b.id, JobKind::Notify, T0).await), 0, "released once");
}

fn delivery(j: &Job, channel: Channel, recipient: &str, status: DeliveryStatus, detail: &str) -> Delivery {
    Delivery {
        id: uuid::Uuid::now_v7(),
        tenant_id: j.tenant_id,
        job_id: j.id,
        booking_id: j.booking_id,
        channel,
        recipient: recipient.to_owned(),
        idempotency_key: Delivery::key(j.id, channel, recipient),
        status,
        detail: Some(detail.to_owned()),
        created_at: tick(),
    }
}

async fn case_deliveries(store: &dyn Store) {
    let Office { acme, ana, sala, .. } = office(store).await;
    let beta = add_tenant(store, "Beta", &["beta.test"]).await;
    let bob = add_user(store, beta.id, "bob@beta.test", "Bob").await;
    let beta_room = add_room(store, beta.id, "Sala").await;
    let (b, jobs) = booking_with_jobs(store, &sala, &ana, &[T0, T0]).await;
    let (beta_booking, beta_jobs) = booking_with_jobs(store, &beta_room, &bob, &[T0]).await;
    let (notify, reminder) = (&jobs[0], &jobs[1]);

    // An email accepted once; the same (job, channel, recipient) is one key whatever the case.
    let mail = delivery(notify, Channel::Email, "Ana@acme.test", DeliveryStatus::Sent, "<msg-1@smtp>");
    assert_eq!(mail.idempotency_key, Delivery::key(notify.id, Channel::Email, "ana@ACME.test"));
    assert!(!ok(store.delivered(&mail.idempotency_key).await));
    ok(store.record_delivery(&mail).await);
    assert!(ok(store.delivered(&mail.idempotency_key).await));
    let copy = delivery(notify, Channel::Email, "ana@acme.test", DeliveryStatus::Sent, "<msg-2@smtp>");
    assert_duplicate(store.record_delivery(&copy).await, Unique::DeliveryKey);
    // Other channels, recipients and jobs are other keys.
    assert!(!ok(store.delivered(&Delivery::key(reminder.id, Channel::Email, "ana@acme.test")).await));

    // Failures are logged without blocking the send that follows, which then blocks the next.
    let key = Delivery::key(notify.id, Channel::Whatsapp, "+34612345678");
    let throttled = delivery(notify, Channel::Whatsapp, "+34612345678", DeliveryStatus::Failed, "429 rate limited");
    let down = delivery(notify, Channel::Whatsapp, "+34612345678", DeliveryStatus::Failed, "500 server error");
    ok(store.record_delivery(&throttled).await);
    ok(store.record_delivery(&down).await);
    assert!(!ok(store.delivered(&key).await), "a failed attempt is not a delivery");
    let sent = delivery(notify, Channel::Whatsapp, "+34612345678", DeliveryStatus::Sent, "wamid.1");
    ok(store.record_delivery(&sent).await);
    assert!(ok(store.delivered(&key).await));
    let resent = delivery(notify, Channel::Whatsapp, "+34612345678", DeliveryStatus::Sent, "wamid.2");
    assert_duplicate(store.record_delivery(&resent).await, Unique::DeliveryKey);
    // A failure after the send is still logged (a provider may report one late).
    let late = delivery(notify, Channel::Whatsapp, "+34612345678", DeliveryStatus::Failed, "late failure");
    ok(store.record_delivery(&late).await);
    let other_job = delivery(reminder, Channel::Email, "ana@acme.test", DeliveryStatus::Sent, "<msg-3@smtp>");
    ok(store.record_delivery(&other_job).await);

    let log = ok(store.deliveries_for_booking(acme.id, b.id).await);
    assert_eq!(log, vec![mail.clone(), throttled, down, sent, late, other_job]);

    // Isolation: another tenant sees nothing, and cannot log against a job it does not own.
    assert!(ok(store.deliveries_for_booking(beta.id, b.id).await).is_empty());
    let mut intruder = delivery(notify, Channel::Email, "bob@beta.test", DeliveryStatus::Sent, "x");
    intruder.tenant_id = beta.id;
    assert_not_found(store.record_delivery(&intruder).await);
    assert!(!ok(store.delivered(&intruder.idempotency_key).await));
    assert_not_found(
        store
            .record_delivery(&Delivery {
                job_id: JobId::new(),
                ..delivery(notify, Channel::Email, "x@y.test", DeliveryStatus::Sent, "x")
            })
            .await,
    );
    let theirs = delivery(&beta_jobs[0], Channel::Webhook, "https://hooks.beta.test/sala", DeliveryStatus::Sent, "200");
    ok(store.record_delivery(&theirs).await);
    assert_eq!(ok(store.deliveries_for_booking(beta.id, beta_booking.id).await), vec![theirs]);
    assert!(ok(store.deliveries_for_booking(acme.id, beta_booking.id).await).is_empty());
    assert_eq!(ok(store.deliveries_for_booking(acme.id, b.id).await).len(), 6);
}

// ---------------------------------------------------------------------------------------------
// Concurrency: the store shared by many tasks at once, as the server holds it.

const RACERS: usize = 50;

/// Runs every write at once, each in its own task (on several threads), and returns the results
/// in the order given.
async fn race(stores: &[Arc<dyn Store>], writes: Vec<Booking>) -> Vec<Result<(), StoreError>> {
    let barrier = Arc::new(tokio::sync::Barrier::new(writes.len()));
    let tasks: Vec<_> = writes
        .into_iter()
        .enumerate()
        .map(|(i, b)| {
            let store = Arc::clone(&stores[i % stores.len()]);
            let barrier = Arc::clone(&barrier);
            tokio::spawn(async move {
                barrier.wait().await;
                create(&*store, std::slice::from_ref(&b)).await
            })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap_or_else(|e| panic!("task failed: {e}")));
    }
    results
}

/// 50 creates for the same room and slot at once: exactly one wins, 49 are told which one.
async fn same_slot_race(stores: &[Arc<dyn Store>]) {
    let store = &*stores[0];
    let Office { acme, ana, sala, .. } = office(store).await;
    let writes: Vec<Booking> = (0..RACERS).map(|_| booking(&sala, &ana, T0, T0 + HOUR)).collect();
    let results = race(stores, writes.clone()).await;

    let winners: Vec<&Booking> = writes.iter().zip(&results).filter(|(_, r)| r.is_ok()).map(|(b, _)| b).collect();
    assert_eq!(winners.len(), 1, "exactly one create wins: {results:?}");
    let winner = winners[0];
    for result in results.into_iter().filter(Result::is_err) {
        assert_overlap(result, winner);
    }
    assert_eq!(ids(&list(store, acme.id, all(500)).await), [winner.id]);
    for loser in writes.iter().filter(|b| b.id != winner.id) {
        assert_absent(store, loser).await;
    }
    assert_eq!(ok(store.jobs_for_booking(acme.id, winner.id).await).len(), 1);
}

async fn case_concurrent_creates_same_slot(store: Arc<dyn Store>) {
    same_slot_race(&[store]).await;
}

/// 50 creates at once, each an hour long, starting every 10 minutes: whichever win, no two
/// stored bookings overlap, and every refusal names a stored booking that really overlaps it.
async fn case_concurrent_creates_overlapping_slots(store: Arc<dyn Store>) {
    let Office { acme, ana, sala, .. } = office(&*store).await;
    let writes: Vec<Booking> =
        (0..RACERS as i64).map(|i| booking(&sala, &ana, T0 + i * 10 * MINUTE, T0 + i * 10 * MINUTE + HOUR)).collect();
    let results = race(std::slice::from_ref(&store), writes.clone()).await;

    let stored = list(&*store, acme.id, BookingQuery { status: Some(BookingStatus::Confirmed), ..all(500) }).await;
    let won: Vec<BookingId> = writes.iter().zip(&results).filter(|(_, r)| r.is_ok()).map(|(b, _)| b.id).collect();
    let mut stored_ids = ids(&stored);
    stored_ids.sort();
    let mut won_sorted = won.clone();
    won_sorted.sort();
    assert_eq!(stored_ids, won_sorted, "exactly the successful creates are stored");
    assert!(!stored.is_empty());
    for pair in stored.windows(2) {
        assert!(!pair[0].time.overlaps(&pair[1].time), "double booking: {:?} and {:?}", pair[0].time, pair[1].time);
    }
    for (b, result) in writes.iter().zip(results) {
        match result {
            Ok(()) => {}
            Err(StoreError::Overlap(busy)) => {
                assert!(won.contains(&busy.booking_id), "{busy:?} names a stored booking");
                assert!(busy.time.overlaps(&b.time), "{busy:?} overlaps {:?}", b.time);
            }
            Err(other) => panic!("every refusal is an overlap, got {other:?}"),
        }
    }
}

/// 25 creates for one slot and, at the same time, 25 edits moving other bookings into it: one
/// of the 50 wins, every other is refused as an overlap with it, and the moved ones stay put.
async fn case_concurrent_creates_and_moves(store: Arc<dyn Store>) {
    let Office { acme, ana, sala, .. } = office(&*store).await;
    let day = 24 * HOUR;
    let parked: Vec<Booking> = (1..=25).map(|i| booking(&sala, &ana, T0 + i * day, T0 + i * day + HOUR)).collect();
    ok(create(&*store, &parked).await);
    let barrier = Arc::new(tokio::sync::Barrier::new(RACERS));
    let mut tasks = Vec::new();
    for (i, old) in parked.iter().enumerate() {
        let new = booking(&sala, &ana, T0 + i as i64 * MINUTE, T0 + HOUR);
        let change = moved(old, T0 + 30 * MINUTE, T0 + 90 * MINUTE + i as i64 * MINUTE);
        for (b, update) in [(new, false), (change, true)] {
            let (store, barrier) = (Arc::clone(&store), Arc::clone(&barrier));
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                let result = save(&*store, update, std::slice::from_ref(&b)).await;
                (b, result)
            }));
        }
    }
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap_or_else(|e| panic!("task failed: {e}")));
    }
    let winners: Vec<&Booking> = outcomes.iter().filter(|(_, r)| r.is_ok()).map(|(b, _)| b).collect();
    assert_eq!(winners.len(), 1, "exactly one wins: {outcomes:?}");
    let winner = winners[0];
    for (b, result) in &outcomes {
        match result {
            Ok(()) => {}
            Err(StoreError::Overlap(busy)) => assert_eq!(*busy, busy_of(winner), "{} names the winner", b.id),
            Err(other) => panic!("every refusal is an overlap, got {other:?}"),
        }
    }
    let window = BookingQuery { to: Some(T0 + 12 * HOUR), status: Some(BookingStatus::Confirmed), ..all(500) };
    assert_eq!(list(&*store, acme.id, window).await, vec![winner.clone()]);
    for old in parked.iter().filter(|p| p.id != winner.id) {
        assert_eq!(ok(store.get_booking(acme.id, old.id).await).as_ref(), Some(old));
    }
}

/// 50 edits of the same booking from the same version at once: one wins, 49 are stale.
async fn case_concurrent_edits_same_version(store: Arc<dyn Store>) {
    let Office { acme, ana, sala, .. } = office(&*store).await;
    let original = booking(&sala, &ana, T0, T0 + HOUR);
    ok(create(&*store, std::slice::from_ref(&original)).await);
    let barrier = Arc::new(tokio::sync::Barrier::new(RACERS));
    let tasks: Vec<_> = (0..RACERS)
        .map(|i| {
            let (store, barrier) = (Arc::clone(&store), Arc::clone(&barrier));
            let mut change = next(&original);
            change.title = format!("Edit {i}");
            change.time = original.time.shifted(i as i64 * MINUTE);
            tokio::spawn(async move {
                barrier.wait().await;
                let result = edit(&*store, std::slice::from_ref(&change)).await;
                (change, result)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        let (change, result) = task.await.unwrap_or_else(|e| panic!("task failed: {e}"));
        match result {
            Ok(()) => winners.push(change),
            Err(StoreError::VersionMismatch) => {}
            Err(other) => panic!("expected VersionMismatch, got {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1);
    assert_eq!(ok(store.get_booking(acme.id, original.id).await), winners.pop());
}

/// Runners claiming from 200 due jobs, 10 at a time, each until nothing is left: together they
/// take every job exactly once. `stores` are the instances (each with its own pool); two runners
/// claim through each.
async fn claim_race(stores: &[Arc<dyn Store>]) {
    let store = &*stores[0];
    let Office { ana, sala, .. } = office(store).await;
    let run_ats: Vec<Millis> = (0..200).map(|i| T0 - (i % 7) * MINUTE).collect();
    let (_, jobs) = booking_with_jobs(store, &sala, &ana, &run_ats).await;
    let runners = 2 * stores.len().max(2);
    let barrier = Arc::new(tokio::sync::Barrier::new(runners));
    let tasks: Vec<_> = (0..runners)
        .map(|i| {
            let store = Arc::clone(&stores[i % stores.len()]);
            let barrier = Arc::clone(&barrier);
            tokio::spawn(async move {
                barrier.wait().await;
                let mut taken = Vec::new();
                loop {
                    let batch = ok(store.claim_jobs(T0, T0 + HOUR, 10, &ALL_KINDS).await);
                    assert!(batch.len() <= 10, "the limit holds");
                    if batch.is_empty() {
                        return taken;
                    }
                    taken.extend(batch);
                }
            })
        })
        .collect();
    let mut taken = Vec::new();
    for task in tasks {
        taken.extend(task.await.unwrap_or_else(|e| panic!("task failed: {e}")));
    }
    assert!(taken.iter().all(|j| j.status == JobStatus::Running && j.attempts == 1), "each claimed once");
    let mut claimed_ids: Vec<JobId> = taken.iter().map(|j| j.id).collect();
    claimed_ids.sort();
    let mut expected: Vec<JobId> = jobs.iter().map(|j| j.id).collect();
    expected.sort();
    assert_eq!(claimed_ids, expected, "every job exactly once");
    assert!(claim(store, T0, T0 + HOUR, 10).await.is_empty());
}

async fn case_concurrent_job_claims(store: Arc<dyn Store>) {
    claim_race(&[store]).await;
}

// ---------------------------------------------------------------------------------------------
// Every case on every backend.

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

macro_rules! conformance {
    (
        borrowed: [$($case:ident),* $(,)?],
        shared: [$($shared:ident),* $(,)?] $(,)?
    ) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $case() {
                    let db = sala_store::testing::fresh_sqlite().await;
                    super::$case(&*db.store).await;
                }
            )*
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $shared() {
                    let db = sala_store::testing::fresh_sqlite().await;
                    super::$shared(db.store.clone()).await;
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
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $shared() {
                    let Some(db) = sala_store::testing::fresh_postgres().await else { return };
                    super::$shared(db.store.clone()).await;
                }
            )*
        }
    };
}

conformance!(
    // Cases that take `&dyn Store`.
    borrowed: [
        case_ping,
        case_tenant_insert_and_lookups,
        case_tenant_duplicate_slug,
        case_tenant_duplicate_domain,
        case_tenant_update,
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
        case_booking_round_trip,
        case_booking_overlap_rules,
        case_booking_series_all_or_nothing,
        case_booking_batch_overlapping_itself,
        case_booking_update_versions,
        case_booking_update_overlap,
        case_booking_list_and_pagination,
        case_booking_busy_and_count_active,
        case_idempotency_records,
        case_booking_jobs_outbox,
        case_booking_tenant_isolation,
        case_jobs_claim_due_in_order,
        case_jobs_claim_only_listed_kinds,
        case_jobs_lease_expiry,
        case_jobs_complete_retry_bury,
        case_jobs_list_and_replay,
        case_jobs_dropping_timed_jobs,
        case_jobs_release_waiting,
        case_deliveries,
        case_room_kiosks,
        case_booking_replies,
        case_release_and_check_in_exclude_each_other,
    ],
    // Concurrency cases: the `Arc<dyn Store>` shared by many tasks, on a multi-threaded runtime.
    shared: [
        case_concurrent_creates_same_slot,
        case_concurrent_creates_overlapping_slots,
        case_concurrent_creates_and_moves,
        case_concurrent_edits_same_version,
        case_concurrent_job_claims,
        case_concurrent_release_and_check_in,
    ],
);

/// Two `sala serve` processes on one PostgreSQL database: two stores, each with its own pool,
/// racing for the same slot. Only the exclusion constraint can settle this.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_two_instances_race_for_one_slot() {
    let Some(db) = sala_store::testing::fresh_postgres().await else { return };
    let other: Arc<dyn Store> = Arc::new(ok(sala_store::postgres::PgStore::connect(&db.url).await));
    same_slot_race(&[db.store.clone(), other]).await;
}

/// Two `sala serve` processes on one PostgreSQL database, two runners each, claiming the same 200
/// jobs: `FOR UPDATE SKIP LOCKED` gives each job to exactly one of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_two_instances_claim_each_job_once() {
    let Some(db) = sala_store::testing::fresh_postgres().await else { return };
    let other: Arc<dyn Store> = Arc::new(ok(sala_store::postgres::PgStore::connect(&db.url).await));
    claim_race(&[db.store.clone(), other]).await;
}
