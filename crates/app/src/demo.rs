//! The demo tenant for `sala serve --dev`: Acme (acme.test) with rooms and people, so a newcomer
//! can sign in and look around with nothing configured. Seeding twice changes nothing.

use crate::rooms::{NewRoom, create_room};
use crate::tenants::{NewTenant, create_tenant};
use crate::users::{NewUser, create_user};
use crate::{AppResult, Context, Store};
use sala_domain::{BookableHours, Locale, Role, RoomKind, Tenant};

pub const DEMO_SLUG: &str = "acme";
pub const DEMO_DOMAIN: &str = "acme.test";

/// A demo person: name, email local part, role, phone, WhatsApp opt-in, language.
struct DemoPerson(&'static str, &'static str, Role, Option<&'static str>, bool, Option<Locale>);

const PEOPLE: &[DemoPerson] = &[
    DemoPerson("Ana García", "ana", Role::Admin, Some("+34 612 345 601"), true, None),
    DemoPerson("María López", "maria", Role::Member, Some("+34 612 345 602"), true, None),
    DemoPerson("Juan Pérez", "juan", Role::Member, Some("+34 612 345 603"), true, None),
    DemoPerson("Carlos Ruiz", "carlos", Role::Member, Some("+34 612 345 604"), false, None),
    DemoPerson("Lucía Fernández", "lucia", Role::Member, None, false, None),
    DemoPerson("Javier Martín", "javier", Role::Member, Some("+56 9 6123 4567"), true, None),
    DemoPerson("Sofía Romero", "sofia", Role::Member, None, false, None),
    DemoPerson("Diego Navarro", "diego", Role::Member, None, false, None),
    DemoPerson("Elena Torres", "elena", Role::Admin, None, false, None),
    DemoPerson("Emma Wilson", "emma", Role::Member, Some("+44 7911 123456"), true, Some(Locale::En)),
];

/// (name, capacity, location, equipment, virtual?)
const ROOMS: &[(&str, i64, &str, &[&str], bool)] = &[
    ("Sala Atlántico", 12, "Planta 1", &["projector", "video-conference", "whiteboard"], false),
    ("Sala Pacífico", 6, "Planta 1", &["tv-screen", "whiteboard"], false),
    ("Sala Mediterráneo", 20, "Planta 2", &["projector", "video-conference", "sound-system"], false),
    ("Cabina 1", 2, "Planta 2", &["video-conference"], false),
    ("Sala Cantábrico", 8, "Planta 3", &["whiteboard"], false),
    ("Sala Virtual", 50, "Google Meet", &["video-conference"], true),
];

/// Creates the demo tenant unless it exists; returns it either way.
pub async fn seed_demo(store: &dyn Store) -> AppResult<Tenant> {
    if let Some(tenant) = store.tenant_by_slug(DEMO_SLUG).await? {
        return Ok(tenant);
    }
    let tenant = create_tenant(
        store,
        NewTenant {
            name: "Acme".into(),
            slug: Some(DEMO_SLUG.into()),
            domains: vec![DEMO_DOMAIN.into()],
            time_zone: Some("Europe/Madrid".into()),
            locale: Some(Locale::Es),
        },
    )
    .await?;
    let ctx = Context::system(tenant.id);
    for DemoPerson(name, local, role, phone, opt_in, locale) in PEOPLE {
        let person = NewUser {
            email: format!("{local}@{DEMO_DOMAIN}"),
            name: (*name).into(),
            role: Some(*role),
            phone: phone.map(Into::into),
            whatsapp_opt_in: *opt_in,
            locale: *locale,
            whatsapp_consent_at: None,
            time_zone: None,
        };
        create_user(store, &ctx, person).await?;
    }
    const DEMO_VIDEO_LINK: &str = "https://meet.google.com/acm-demo-sal";
    for (name, capacity, location, equipment, is_virtual) in ROOMS {
        let room = NewRoom {
            name: (*name).into(),
            capacity: *capacity,
            location: Some((*location).into()),
            equipment: equipment.iter().map(|e| (*e).to_owned()).collect(),
            kind: Some(if *is_virtual { RoomKind::Virtual } else { RoomKind::Physical }),
            // The virtual room: up to three meetings at once, on the team's standing link (the
            // demo has no Google to make a Meet link per meeting).
            max_meetings: is_virtual.then_some(3),
            video_link: is_virtual.then(|| DEMO_VIDEO_LINK.to_owned()),
            google_calendar: None,
            bookable_hours: (!is_virtual).then(BookableHours::office),
            rules: Default::default(),
        };
        create_room(store, &ctx, room).await?;
    }
    tracing::info!("demo tenant Acme seeded");
    Ok(tenant)
}
