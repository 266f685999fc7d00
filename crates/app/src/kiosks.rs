//! A room's kiosk: a link (a QR code on the door, or a tablet beside it) that shows the room's
//! meetings and checks people in to the one under way, without anyone signing in. The link holds
//! a random token; only its hash is kept. Admins make one per room (a new one replaces the old,
//! which stops working at once) and remove it.
//!
//! A kiosk acts as the system within its tenant: each check-in is audited as the system's, with
//! the source `kiosk` and the address it came from. At the door, a person of the organization
//! (named by their address) books the room from now or ends the meeting they are in.

use crate::bookings::{CheckInRequest, NewBooking, ON_THE_SPOT_MINUTES, check_in, create_booking, end_early, invited};
use crate::calendar::OutsideBusy;
use crate::tokens::{hash_token, random_token};
use crate::{AppError, AppResult, Context, Principal, Store};
use sala_domain::ErrorCode;
use sala_domain::attendance::{CHECK_IN_OPENS_MS, CheckIn, CheckInSource, Kiosk};
use sala_domain::{Booking, BookingId, BookingStatus, Email, Room, RoomId, Tenant, User, now_millis, rfc3339};
use sala_store::BookingQuery;

/// How far ahead a kiosk lists the room's meetings.
const SHOWS_AHEAD_MS: i64 = 12 * 3_600_000;

/// A link just made: the token is here and nowhere else.
pub struct CreatedKiosk {
    pub kiosk: Kiosk,
    pub token: String,
}

impl CreatedKiosk {
    /// The link to give out: `<base_url>/kiosk/<token>`.
    pub fn url(&self, base_url: &str) -> String {
        format!("{base_url}/kiosk/{}", self.token)
    }
}

/// Makes the room's kiosk link (admins), replacing any earlier one.
pub async fn create_kiosk_link(store: &dyn Store, ctx: &Context, room_id: RoomId) -> AppResult<CreatedKiosk> {
    ctx.require_admin()?;
    let room = room_of(store, ctx, room_id).await?;
    let token = random_token();
    let kiosk = Kiosk {
        tenant_id: ctx.tenant_id(),
        room_id,
        token_hash: hash_token(&token),
        created_by: ctx.actor(),
        created_at: now_millis(),
    };
    let entry =
        ctx.audit("room.kiosk_created", "room", Some(room.id.0), None, Some(serde_json::json!({"room": room.name})));
    store.put_kiosk(&kiosk, &entry).await?;
    Ok(CreatedKiosk { kiosk, token })
}

/// The room's kiosk link as kept (its hash, who made it and when), for admins.
pub async fn kiosk_link(store: &dyn Store, ctx: &Context, room_id: RoomId) -> AppResult<Kiosk> {
    ctx.require_admin()?;
    room_of(store, ctx, room_id).await?;
    store.kiosk_of(ctx.tenant_id(), room_id).await?.ok_or(AppError::NotFound { what: "kiosk link" })
}

/// Removes the room's kiosk link (admins): whoever has it sees "not found" from now on.
pub async fn remove_kiosk_link(store: &dyn Store, ctx: &Context, room_id: RoomId) -> AppResult<()> {
    ctx.require_admin()?;
    let room = room_of(store, ctx, room_id).await?;
    let entry =
        ctx.audit("room.kiosk_deleted", "room", Some(room.id.0), Some(serde_json::json!({"room": room.name})), None);
    if store.delete_kiosk(ctx.tenant_id(), room_id, &entry).await? {
        Ok(())
    } else {
        Err(AppError::NotFound { what: "kiosk link" })
    }
}

async fn room_of(store: &dyn Store, ctx: &Context, room_id: RoomId) -> AppResult<Room> {
    store.get_room(ctx.tenant_id(), room_id).await?.ok_or(AppError::NotFound { what: "room" })
}

/// What a kiosk shows.
pub struct KioskView {
    pub tenant: Tenant,
    pub room: Room,
    /// The room's confirmed meetings from now to 12 hours ahead, in order.
    pub meetings: Vec<KioskMeeting>,
}

pub struct KioskMeeting {
    pub booking: Booking,
    pub organizer: String,
    /// Check-in is open now (from 15 minutes before the start to the end).
    pub check_in_open: bool,
    pub checked_in: usize,
}

impl KioskView {
    /// The meeting under way now, if any.
    pub fn current(&self, now: i64) -> Option<&KioskMeeting> {
        self.meetings.iter().find(|m| m.booking.time.start <= now && now < m.booking.time.end)
    }
}

/// The kiosk a link opens, with the room's meetings. An unknown, replaced or removed link is
/// "not found", like a wrong one: a link is all a kiosk has, so it tells nothing more.
pub async fn open_kiosk(store: &dyn Store, token: &str) -> AppResult<(Context, KioskView)> {
    let not_found = AppError::NotFound { what: "kiosk" };
    let kiosk = store.kiosk_by_token(&hash_token(token)).await?.ok_or(not_found)?;
    let ctx = Context::system(kiosk.tenant_id);
    let tenant = store.get_tenant(kiosk.tenant_id).await?.ok_or(AppError::NotFound { what: "kiosk" })?;
    let room = store.get_room(kiosk.tenant_id, kiosk.room_id).await?.ok_or(AppError::NotFound { what: "kiosk" })?;
    let now = now_millis();
    let query = BookingQuery {
        room_id: Some(room.id),
        status: Some(BookingStatus::Confirmed),
        from: Some(now),
        to: Some(now + SHOWS_AHEAD_MS),
        limit: 20,
        ..Default::default()
    };
    let mut meetings = Vec::new();
    for booking in store.list_bookings(kiosk.tenant_id, &query).await? {
        let organizer =
            store.get_user(kiosk.tenant_id, booking.organizer_id).await?.map(|u| u.name).unwrap_or_default();
        let checked_in = store.check_ins(kiosk.tenant_id, booking.id).await?.len();
        let check_in_open = booking.time.start - CHECK_IN_OPENS_MS <= now && now < booking.time.end;
        meetings.push(KioskMeeting { booking, organizer, check_in_open, checked_in });
    }
    Ok((ctx, KioskView { tenant, room, meetings }))
}

/// Checks `email` in at the room's kiosk, to the meeting open for check-in that the person is
/// invited to (the one under way before the next one). `ip` is the kiosk's address, for the audit.
pub async fn kiosk_check_in(
    store: &dyn Store,
    token: &str,
    email: &str,
    ip: Option<String>,
) -> AppResult<(Booking, CheckIn, bool)> {
    let (ctx, view) = open_kiosk(store, token).await?;
    let ctx = Context { ip, ..ctx };
    let email = Email::parse(email.trim()).map_err(|e| AppError::invalid("email", e.code, e.message))?;
    let open: Vec<&KioskMeeting> = view.meetings.iter().filter(|m| m.check_in_open).collect();
    if open.is_empty() {
        return Err(AppError::Conflict {
            code: ErrorCode::NoMeetingNow,
            message: "there is no meeting in this room to check in to right now".into(),
        });
    }
    for meeting in open {
        if invited(store, &ctx, &meeting.booking, &email).await?.is_some() {
            let request = CheckInRequest { email: Some(email.to_string()), source: CheckInSource::Kiosk };
            let (check_in, new) = check_in(store, &ctx, meeting.booking.id, request).await?;
            return Ok((meeting.booking.clone(), check_in, new));
        }
    }
    Err(AppError::invalid(
        "email",
        ErrorCode::NotInvited,
        format!("{email} is not invited to the meeting in this room"),
    ))
}

/// Books the kiosk's room from now for `minutes` (15, 30 or 60) for the person of the
/// organization whose address is typed at the door: an ordinary create under their name and
/// the rules that bind them, from the kiosk's address, the booking's metadata saying
/// `{"source": "kiosk"}` (and so its audit entry). An address that is not a person of the
/// organization is refused (`unknown_organizer`): a kiosk is no way in for strangers.
pub async fn kiosk_book(
    store: &dyn Store,
    outside: &dyn OutsideBusy,
    token: &str,
    email: &str,
    minutes: i64,
    title: &str,
    ip: Option<String>,
) -> AppResult<Booking> {
    let (ctx, view) = open_kiosk(store, token).await?;
    if !ON_THE_SPOT_MINUTES.contains(&minutes) {
        return Err(AppError::invalid("minutes", ErrorCode::ValidationFailed, "book 15, 30 or 60 minutes"));
    }
    let person = person_at_the_door(store, &ctx, email).await?;
    let by_person = Context { ip, ..Context::new(Principal::User(person)) };
    let start = now_millis() / 60_000 * 60_000;
    let input = NewBooking {
        room_id: view.room.id,
        title: title.to_owned(),
        start,
        end: start + minutes * 60_000,
        metadata: Some(serde_json::json!({"source": "kiosk"})),
        ..NewBooking::default()
    };
    let created = create_booking(store, outside, &by_person, input).await?;
    created.bookings.into_iter().next().ok_or(AppError::NotFound { what: "booking" })
}

/// The active person of the kiosk's organization whose address was typed at the door; anyone
/// else is `unknown_organizer`: a kiosk is no way in for strangers.
async fn person_at_the_door(store: &dyn Store, ctx: &Context, email: &str) -> AppResult<User> {
    let unknown =
        || AppError::invalid("email", ErrorCode::UnknownOrganizer, "the address is not a person of this organization");
    match crate::users::person_with_email(store, ctx, email.trim()).await? {
        Some(person) if person.active => Ok(person),
        _ => Err(unknown()),
    }
}

/// Ends the meeting under way in the kiosk's room now, for a person of the organization who is in
/// it (its organizer or invited): the meeting's end moves to now (to the minute, so the room is
/// bookable from the same minute at the door), as an ordinary edit of its end time that tells
/// everyone as such an edit does. The kiosk acts as the system, as for a check-in; a
/// `booking.ended_early` entry says who ended it, with the source `kiosk`, beside the edit's.
/// Nothing under way is `no_meeting_now`; a stranger `unknown_organizer`; a person of the
/// organization who is not in the meeting `not_invited`.
pub async fn kiosk_end_now(store: &dyn Store, token: &str, email: &str, ip: Option<String>) -> AppResult<Booking> {
    let (ctx, view) = open_kiosk(store, token).await?;
    let ctx = Context { ip, ..ctx };
    let person = person_at_the_door(store, &ctx, email).await?;
    let now = now_millis();
    let Some(current) = view.current(now) else {
        return Err(AppError::Conflict {
            code: ErrorCode::NoMeetingNow,
            message: "there is no meeting under way in this room to end".into(),
        });
    };
    let booking = &current.booking;
    if invited(store, &ctx, booking, &person.email).await?.is_none() {
        return Err(AppError::invalid(
            "email",
            ErrorCode::NotInvited,
            "only someone in the meeting under way may end it",
        ));
    }
    // Within its first minute the meeting ends to the millisecond: the range must stay non-empty.
    let minute = now / 60_000 * 60_000;
    let end = if minute > booking.time.start { minute } else { now };
    let after = serde_json::json!({"email": person.email, "source": "kiosk", "end": rfc3339(end)});
    let note = ctx.audit("booking.ended_early", "booking", Some(booking.id.0), None, Some(after));
    end_early(store, &ctx, booking.id, end, note).await
}

/// One tap at the door checks the meeting in: `booking` must be one of the kiosk's room's
/// meetings open for check-in now (anything else, another room's or another organization's, is
/// `no_meeting_now`). Nobody says who they are with one tap, so it records the check-in of the
/// meeting's organizer, the person the meeting is held under: the meeting is on (no no-show
/// release). The kiosk could always check in anyone invited; people who want their own
/// attendance kept type their address or scan the meeting's QR code.
pub async fn kiosk_check_in_meeting(
    store: &dyn Store,
    token: &str,
    booking: BookingId,
    ip: Option<String>,
) -> AppResult<(Booking, CheckIn, bool)> {
    let (ctx, view) = open_kiosk(store, token).await?;
    let ctx = Context { ip, ..ctx };
    let Some(meeting) = view.meetings.iter().find(|m| m.booking.id == booking && m.check_in_open) else {
        return Err(AppError::Conflict {
            code: ErrorCode::NoMeetingNow,
            message: "that meeting is not open for check-in in this room now".into(),
        });
    };
    let organizer = store
        .get_user(ctx.tenant_id(), meeting.booking.organizer_id)
        .await?
        .ok_or(AppError::NotFound { what: "organizer" })?;
    let request = CheckInRequest { email: Some(organizer.email.to_string()), source: CheckInSource::Kiosk };
    let (check_in, new) = check_in(store, &ctx, meeting.booking.id, request).await?;
    Ok((meeting.booking.clone(), check_in, new))
}
