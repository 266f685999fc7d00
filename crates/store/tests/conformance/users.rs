//! People: lookups, uniqueness of email and Google subject, edits, and the people search.

use super::{
    HOUR, T0, actions, add_tenant, add_user, assert_duplicate, assert_not_found, audit_of, email, entry, ok, search,
    user,
};
use sala_domain::{Actor, Locale, Phone, Role, TenantId, TimeZoneName, UserId};
use sala_store::{Store, Unique};
use serde_json::json;

async fn case_user_insert_and_lookups(store: &dyn Store) {
    let acme = add_tenant(store, "Acme", &["acme.test"]).await;
    let mut maria = user(acme.id, "Maria.Lopez@acme.test", "María López");
    maria.phone = Some(ok(Phone::parse("+34 612 34 56 78")));
    maria.whatsapp_opt_in = true;
    maria.whatsapp_consent_at = Some(T0 - HOUR);
    maria.role = Role::Admin;
    maria.locale = Some(Locale::En);
    maria.time_zone = Some(ok(TimeZoneName::parse("America/Santiago")));
    maria.google_subject = Some("google-sub-1".into());
    ok(store.insert_user(&maria, &entry(acme.id, "user.created", Some(maria.id.0))).await);
    let juan = add_user(store, acme.id, "juan@acme.test", "Juan").await;

    assert_eq!(ok(store.get_user(acme.id, maria.id).await), Some(maria.clone()));
    assert_eq!(ok(store.get_user(acme.id, juan.id).await), Some(juan.clone()));
    assert_eq!(ok(store.get_user(acme.id, UserId::new()).await), None);
    // The email matches whatever its case.
    assert_eq!(ok(store.user_by_email(acme.id, &email("maria.lopez@ACME.test")).await), Some(maria.clone()));
    assert_eq!(ok(store.user_by_email(acme.id, &email("MARIA.LOPEZ@acme.test")).await), Some(maria.clone()));
    assert_eq!(ok(store.user_by_email(acme.id, &email("nobody@acme.test")).await), None);
    assert_eq!(ok(store.user_by_google_subject("google-sub-1").await), Some(maria.clone()));
    assert_eq!(ok(store.user_by_google_subject("google-sub-2").await), None);
    // Many addresses at once: each person found once whatever the case, strangers and other
    // tenants' people not at all.
    let beta = add_tenant(store, "Beta", &["beta.test"]).await;
    let elsewhere = add_user(store, beta.id, "eva@beta.test", "Eva").await;
    let asked = [
        email("JUAN@acme.test"),
        email("maria.lopez@acme.test"),
        email("Maria.Lopez@ACME.test"),
        email("nobody@acme.test"),
        email("eva@beta.test"),
    ];
    let mut found = ok(store.users_by_emails(acme.id, &asked).await);
    found.sort_by_key(|u| u.email.as_str().to_lowercase());
    assert_eq!(found, [juan.clone(), maria.clone()]);
    assert_eq!(ok(store.users_by_emails(beta.id, &asked).await), [elsewhere]);
    assert!(ok(store.users_by_emails(acme.id, &[]).await).is_empty());

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

async fn case_user_import(store: &dyn Store) {
    let acme = add_tenant(store, "Acme", &["acme.test"]).await;
    let beta = add_tenant(store, "Beta", &["beta.test"]).await;
    let mut known = add_user(store, acme.id, "known@acme.test", "Known").await;
    let taken = add_user(store, acme.id, "taken@acme.test", "Taken").await;
    let new: Vec<_> = ["ana@acme.test", "luis@acme.test"].map(|a| user(acme.id, a, a)).into();
    known.name = "Known Again".into();
    known.phone = Some(ok(Phone::parse("+34 612 345 678")));
    known.whatsapp_opt_in = true;
    known.whatsapp_consent_at = Some(T0 - HOUR);
    let entries = |people: &[&sala_domain::User]| {
        people.iter().map(|u| entry(acme.id, "user.imported", Some(u.id.0))).collect::<Vec<_>>()
    };

    // A taken address (case aside) undoes everything: no one is added, changed or audited.
    let clash = user(acme.id, "TAKEN@acme.test", "Clash");
    let all = [&new[0], &new[1], &clash, &known];
    let adding = [new[0].clone(), new[1].clone(), clash.clone()];
    assert_duplicate(store.import_users(&adding, &[known.clone()], &entries(&all)).await, Unique::UserEmail);
    assert_eq!(ok(store.get_user(acme.id, new[0].id).await), None);
    assert_eq!(ok(store.get_user(acme.id, known.id).await).map(|u| u.name), Some("Known".to_owned()));
    assert!(audit_of(store, acme.id, new[0].id.0).await.is_empty());

    // A changed person of another tenant is not found, and undoes everything too.
    let mut foreign = taken.clone();
    foreign.tenant_id = beta.id;
    assert_not_found(store.import_users(&[new[0].clone()], &[foreign], &entries(&[&new[0]])).await);
    assert_eq!(ok(store.get_user(acme.id, new[0].id).await), None);

    // Otherwise all of it, with one entry each.
    ok(store.import_users(&new, &[known.clone()], &entries(&[&new[0], &new[1], &known])).await);
    assert_eq!(ok(store.get_user(acme.id, new[1].id).await), Some(new[1].clone()));
    assert_eq!(ok(store.get_user(acme.id, known.id).await), Some(known.clone()));
    assert_eq!(actions(&audit_of(store, acme.id, known.id.0).await), ["user.imported", "user.created"]);
    assert_eq!(actions(&audit_of(store, acme.id, new[0].id.0).await), ["user.imported"]);
    // Nothing to do is fine.
    ok(store.import_users(&[], &[], &[]).await);
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

conformance!(
    borrowed: [
        case_user_insert_and_lookups,
        case_user_duplicates,
        case_user_update,
        case_user_import,
        case_user_search,
    ],
    shared: [],
);
