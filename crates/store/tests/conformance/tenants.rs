//! Tenants: creation, lookups by id, slug and domain, uniqueness, settings, and what one tenant
//! cannot see of another.

use super::{
    HOUR, T0, actions, add_room, add_tenant, add_user, api_key, assert_duplicate, assert_not_found, audit_of, entry,
    hash, ok, search, tenant,
};
use sala_domain::tenant::CalendarService;
use sala_domain::{Actor, BookingRules, EmailDomain, Locale, Slug, TenantId, TimeZoneName};
use sala_store::{AuditQuery, Store, Unique};
use serde_json::json;

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

/// An organization tied to its Microsoft Entra tenant: found by it, one organization per Entra
/// tenant; a person's Entra object id names one person of the organization.
async fn case_tenant_microsoft(store: &dyn Store) {
    let acme = add_tenant(store, "Acme", &["acme.test"]).await;
    let beta = add_tenant(store, "Beta", &["beta.test"]).await;
    let entra = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    let mut tied = acme.clone();
    tied.entra_tenant_id = Some(entra.to_owned());
    tied.calendar_service = CalendarService::Microsoft;
    ok(store.update_tenant(&tied, &entry(acme.id, "tenant.updated", Some(acme.id.0))).await);
    assert_eq!(ok(store.tenant_by_entra(entra).await), Some(tied.clone()));
    assert_eq!(ok(store.get_tenant(acme.id).await), Some(tied));
    assert_eq!(ok(store.tenant_by_entra("00000000-0000-0000-0000-000000000000").await), None);

    let mut rival = beta.clone();
    rival.entra_tenant_id = Some(entra.to_owned());
    assert_duplicate(
        store.update_tenant(&rival, &entry(beta.id, "tenant.updated", Some(beta.id.0))).await,
        Unique::TenantEntra,
    );
    assert_eq!(ok(store.get_tenant(beta.id).await), Some(beta.clone()));

    let mut ana = add_user(store, acme.id, "ana@acme.test", "Ana").await;
    ana.microsoft_oid = Some("oid-ana".into());
    ok(store.update_user(&ana, &entry(acme.id, "user.updated", Some(ana.id.0))).await);
    assert_eq!(ok(store.user_by_microsoft_oid(acme.id, "oid-ana").await), Some(ana.clone()));
    assert_eq!(ok(store.user_by_microsoft_oid(beta.id, "oid-ana").await), None);
    let mut twin = add_user(store, acme.id, "ana.twin@acme.test", "Ana Twin").await;
    twin.microsoft_oid = Some("oid-ana".into());
    assert_duplicate(
        store.update_user(&twin, &entry(acme.id, "user.updated", Some(twin.id.0))).await,
        Unique::UserMicrosoft,
    );
    // Many people have none.
    add_user(store, acme.id, "luis@acme.test", "Luis").await;
}

conformance!(
    borrowed: [
        case_tenant_microsoft,
        case_ping,
        case_tenant_insert_and_lookups,
        case_tenant_duplicate_slug,
        case_tenant_duplicate_domain,
        case_tenant_isolation,
        case_tenant_update,
    ],
    shared: [],
);
