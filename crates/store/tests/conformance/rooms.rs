//! Rooms: their fields, names unique per tenant, listing, edits.

use super::{
    HOUR, T0, actions, add_room, add_tenant, assert_duplicate, assert_not_found, audit_of, email, entry, ok, room,
};
use sala_domain::room::Weekday;
use sala_domain::{BookableHours, Equipment, RoomId, RoomKind};
use sala_store::{Store, Unique};

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

conformance!(
    borrowed: [
        case_rooms,
    ],
    shared: [],
);
