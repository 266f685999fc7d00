//! Rooms: listed by everyone in the tenant, managed by admins.

use crate::context::snapshot;
use crate::validate::{Validator, optional_text};
use crate::{AppError, AppResult, Context, Store};
use sala_domain::ErrorCode;
use sala_domain::values::clean_name;
use sala_domain::{BookableHours, Email, Equipment, Room, RoomId, RoomKind, RulesOverride, ValueError, now_millis};

/// A new room. Raw values as a client sends them; validated here.
#[derive(Clone, Debug, Default)]
pub struct NewRoom {
    pub name: String,
    pub capacity: i64,
    pub location: Option<String>,
    pub equipment: Vec<String>,
    pub kind: Option<RoomKind>,
    /// A virtual room's limit of meetings at once; `None`: no limit.
    pub max_meetings: Option<i64>,
    /// A virtual room's standing video link; `None`: each meeting gets its own Meet link.
    pub video_link: Option<String>,
    pub google_calendar: Option<String>,
    pub bookable_hours: Option<BookableHours>,
    pub rules: RulesOverride,
}

pub async fn create_room(store: &dyn Store, ctx: &Context, input: NewRoom) -> AppResult<Room> {
    ctx.require_admin()?;
    let mut v = Validator::default();
    let name = v.check("name", clean_name("name", &input.name, 80));
    let capacity = v.check("capacity", Room::check_capacity(input.capacity));
    let location = v.check("location", optional_text("location", input.location.as_deref(), 120));
    let equipment = v.check("equipment", Equipment::parse_list(&input.equipment));
    let kind = input.kind.unwrap_or(RoomKind::Physical);
    let max_meetings = input
        .max_meetings
        .and_then(|m| v.check("max_meetings", virtual_only(kind, "max_meetings", Room::check_max_meetings(m))));
    let video_link = input
        .video_link
        .as_deref()
        .filter(|l| !l.trim().is_empty())
        .and_then(|l| v.check("video_link", virtual_only(kind, "video_link", Room::check_video_link(l))));
    let kind = Some(kind);
    let google_calendar = v.check_opt("google_calendar", input.google_calendar.as_deref(), Email::parse);
    let bookable_hours = input.bookable_hours.map(|h| v.check("bookable_hours", h.validate()));
    v.check("rules", input.rules.validate());
    v.finish()?;
    let (Some(name), Some(capacity), Some(location), Some(equipment), Some(kind), Some(google_calendar)) =
        (name, capacity, location, equipment, kind, google_calendar)
    else {
        return Err(AppError::invalid("room", ErrorCode::ValidationFailed, "invalid room"));
    };
    let now = now_millis();
    let room = Room {
        id: RoomId::new(),
        tenant_id: ctx.tenant_id(),
        name,
        capacity,
        location,
        equipment,
        kind,
        max_meetings,
        video_link,
        google_calendar,
        active: true,
        bookable_hours: bookable_hours.flatten(),
        rules: input.rules,
        created_at: now,
        updated_at: now,
    };
    let audit = ctx.audit("room.created", "room", Some(room.id.0), None, snapshot(&room));
    store.insert_room(&room, &audit).await?;
    Ok(room)
}

/// A change to a room. `None` leaves a field as it is. For the optional fields an empty string
/// (or `clear_bookable_hours`) clears them.
#[derive(Clone, Debug, Default)]
pub struct RoomChanges {
    pub name: Option<String>,
    pub capacity: Option<i64>,
    pub location: Option<String>,
    pub equipment: Option<Vec<String>>,
    /// Fixed once the room is made: a different kind is refused (`room_kind_fixed`).
    pub kind: Option<RoomKind>,
    /// `Some(None)` lifts a virtual room's limit.
    pub max_meetings: Option<Option<i64>>,
    /// An empty string takes the standing link away (each meeting then gets its own Meet).
    pub video_link: Option<String>,
    pub google_calendar: Option<String>,
    pub active: Option<bool>,
    pub bookable_hours: Option<BookableHours>,
    pub clear_bookable_hours: bool,
    pub rules: Option<RulesOverride>,
}

pub async fn update_room(store: &dyn Store, ctx: &Context, id: RoomId, changes: RoomChanges) -> AppResult<Room> {
    ctx.require_admin()?;
    let before = get_room(store, ctx, id).await?;
    let mut after = before.clone();
    let mut v = Validator::default();
    if let Some(name) = &changes.name {
        after.name = v.check("name", clean_name("name", name, 80)).unwrap_or_default();
    }
    if let Some(capacity) = changes.capacity {
        after.capacity = v.check("capacity", Room::check_capacity(capacity)).unwrap_or(before.capacity);
    }
    if let Some(location) = &changes.location {
        after.location = v.check("location", optional_text("location", Some(location), 120)).flatten();
    }
    if let Some(equipment) = &changes.equipment {
        after.equipment = v.check("equipment", Equipment::parse_list(equipment)).unwrap_or_default();
    }
    if changes.kind.is_some_and(|kind| kind != before.kind) {
        v.check::<()>(
            "kind",
            Err(ValueError::new(ErrorCode::RoomKindFixed, "a room's kind does not change: create another room")),
        );
    }
    if let Some(max) = changes.max_meetings {
        after.max_meetings = max.and_then(|m| {
            v.check("max_meetings", virtual_only(before.kind, "max_meetings", Room::check_max_meetings(m)))
        });
    }
    if let Some(link) = changes.video_link.as_deref() {
        after.video_link = Some(link)
            .filter(|l| !l.trim().is_empty())
            .and_then(|l| v.check("video_link", virtual_only(before.kind, "video_link", Room::check_video_link(l))));
    }
    if let Some(calendar) = changes.google_calendar.as_deref() {
        after.google_calendar = v.check_opt("google_calendar", Some(calendar), Email::parse).flatten();
    }
    if changes.clear_bookable_hours {
        after.bookable_hours = None;
    } else if let Some(hours) = changes.bookable_hours {
        after.bookable_hours = v.check("bookable_hours", hours.validate());
    }
    after.active = changes.active.unwrap_or(before.active);
    if let Some(rules) = changes.rules {
        v.check("rules", rules.validate());
        after.rules = rules;
    }
    v.finish()?;
    if after == before {
        return Ok(before);
    }
    after.updated_at = now_millis();
    let action = match (before.active, after.active) {
        (true, false) => "room.deactivated",
        (false, true) => "room.reactivated",
        _ => "room.updated",
    };
    let audit = ctx.audit(action, "room", Some(id.0), snapshot(&before), snapshot(&after));
    store.update_room(&after, &audit).await?;
    Ok(after)
}

/// A limit or a standing link is a virtual room's: on a physical room it is refused.
fn virtual_only<T>(kind: RoomKind, field: &str, checked: Result<T, ValueError>) -> Result<T, ValueError> {
    if kind == RoomKind::Virtual {
        return checked;
    }
    let code = if field == "video_link" { ErrorCode::InvalidVideoLink } else { ErrorCode::InvalidMaxMeetings };
    Err(ValueError::new(code, format!("only a virtual room has {field}")))
}

/// Takes a room out of service: it stays for history but accepts no new bookings.
pub async fn deactivate_room(store: &dyn Store, ctx: &Context, id: RoomId) -> AppResult<Room> {
    update_room(store, ctx, id, RoomChanges { active: Some(false), ..Default::default() }).await
}

pub async fn get_room(store: &dyn Store, ctx: &Context, id: RoomId) -> AppResult<Room> {
    store.get_room(ctx.tenant_id(), id).await?.ok_or(AppError::NotFound { what: "room" })
}

/// Active rooms for everyone; admins may ask for deactivated ones too.
pub async fn list_rooms(store: &dyn Store, ctx: &Context, include_inactive: bool) -> AppResult<Vec<Room>> {
    Ok(store.list_rooms(ctx.tenant_id(), include_inactive && ctx.can_administer()).await?)
}
