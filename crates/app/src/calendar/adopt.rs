//! Adopting a room's calendar events: a meeting someone put straight on a room's Google
//! calendar shows as busy in Sala (freeBusy), and an admin can make it a booking.
//!
//! The room's calendar is read as the admin (their own connection, else the organization's
//! service account acting as them; for an API key, the organization's first admin). Sala's own
//! events (an event a booking holds, or one carrying Sala's private property), all-day events and
//! cancelled ones are left out. Adopting makes a booking through the ordinary create path (rules,
//! audit, webhooks, double bookings refused), with the event's own time not counted as busy;
//! nobody is told (they have the meeting) and no calendar is written. The event's organizer
//! organizes it when they are a person of the organization, and the booking then holds the event
//! (two-way sync follows it); otherwise the admin organizes it and the original organizer is a
//! guest.

use super::{CalendarSync, EventItself, Session, Stop};
use crate::bookings::{Adoption, AttendeeInput, Created, NewBooking, create_adopted};
use crate::jobs::JobFailure;
use crate::{AppError, AppResult, Context};
use sala_channels::calendar::{Event, ProviderError};
use sala_domain::values::clean_name;
use sala_domain::{BookingId, Email, ErrorCode, Locale, Millis, Room, RoomId, TenantId, TimeRange, User, UserId};

/// Days of a room's calendar listed for adoption when no window is asked for: four weeks.
pub const LISTED_DAYS: Millis = 28;

/// An event on a room's calendar that Sala did not write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomEvent {
    pub id: String,
    pub summary: Option<String>,
    pub start: Millis,
    pub end: Millis,
    /// The organizer's address, as the calendar has it.
    pub organizer: Option<String>,
    /// The organizer is an active person of the organization (who would organize the booking).
    pub organizer_is_colleague: bool,
    /// A Sala booking of the room overlapping the event: it cannot be adopted while that stands.
    pub taken_by: Option<BookingId>,
}

impl RoomEvent {
    pub fn adoptable(&self) -> bool {
        self.taken_by.is_none()
    }
}

/// The title of an adopted event without a summary, in the organization's language.
pub fn default_title(locale: Locale) -> &'static str {
    match locale {
        Locale::Es => "Reunión adoptada",
        Locale::En => "Adopted meeting",
    }
}

/// How many invitees a booking holds at most (as any booking).
const MAX_INVITEES: usize = 100;

impl CalendarSync {
    /// The events on the room's Google calendar overlapping `[from, to)` that are not Sala's,
    /// by start. Admins only; the room must have a Google calendar (`room_without_calendar`).
    pub async fn room_calendar_events(
        &self,
        ctx: &Context,
        room_id: RoomId,
        from: Millis,
        to: Millis,
    ) -> AppResult<Vec<RoomEvent>> {
        let (room, calendar) = self.room_with_calendar(ctx, room_id).await?;
        let tenant = ctx.tenant_id();
        let reader = self.reader(ctx).await?;
        let (start, end) = (timestamp(from), timestamp(to));
        let mut session = self.session_as(tenant, reader.id).await?;
        let api = session.api();
        let events = match session.call(|t| Box::pin(api.list_events_owned(t, &calendar, start, end))).await {
            Ok(events) => events,
            Err(stop) => return Err(refused(&mut session, stop).await),
        };
        let taken = self.store.busy(tenant, &[room.id], TimeRange { start: from, end: to.max(from + 1) }).await?;
        let mut rows = Vec::new();
        for event in events {
            let Some(time) = outside_time(&event) else { continue };
            if self.is_salas(tenant, &event).await? {
                continue;
            }
            let organizer_is_colleague = match event.organizer.as_deref() {
                Some(address) => self.colleague(tenant, address).await?.is_some(),
                None => false,
            };
            rows.push(RoomEvent {
                id: event.id,
                summary: event.summary.filter(|s| !s.trim().is_empty()),
                start: time.start,
                end: time.end,
                organizer: event.organizer,
                organizer_is_colleague,
                taken_by: taken.iter().find(|b| b.time.overlaps(&time)).map(|b| b.booking_id),
            });
        }
        rows.sort_by(|a, b| (a.start, &a.id).cmp(&(b.start, &b.id)));
        Ok(rows)
    }

    /// Makes the event on the room's calendar a booking of the room, for its time (see the
    /// module). An event Sala already holds is `already_adopted`; one that is not on the room's
    /// calendar (or is cancelled, or all-day) is not found.
    pub async fn adopt_event(&self, ctx: &Context, room_id: RoomId, event_id: &str) -> AppResult<Created> {
        let (room, calendar) = self.room_with_calendar(ctx, room_id).await?;
        let tenant = ctx.tenant_id();
        let already = || AppError::Conflict {
            code: ErrorCode::AlreadyAdopted,
            message: format!("the event {event_id} is a booking of Sala's already"),
        };
        if self.store.booking_with_event(tenant, event_id).await?.is_some() {
            return Err(already());
        }
        let reader = self.reader(ctx).await?;
        let mut session = self.session_as(tenant, reader.id).await?;
        let api = session.api();
        let event = match session.call(|t| Box::pin(api.get_event_in_owned(t, &calendar, event_id))).await {
            Ok(event) => event,
            Err(stop) => return Err(refused(&mut session, stop).await),
        };
        let Some(time) = outside_time(&event) else { return Err(AppError::NotFound { what: "event" }) };
        if event.booking_id.is_some() {
            return Err(already());
        }
        let matched = match event.organizer.as_deref() {
            Some(address) => self.colleague(tenant, address).await?,
            None => None,
        };
        let organizer = match &matched {
            Some(person) => person.clone(),
            None => reader,
        };
        let mut attendees: Vec<AttendeeInput> = Vec::new();
        let mut seen = vec![organizer.email.as_str().to_lowercase(), calendar.clone()];
        let original = event.organizer.iter().filter(|_| matched.is_none()).cloned();
        let invitees = event.invitees.iter().filter(|i| !i.resource).map(|i| i.email.clone());
        for address in original.chain(invitees) {
            let key = address.trim().to_lowercase();
            if attendees.len() >= MAX_INVITEES || seen.contains(&key) || Email::parse(&key).is_err() {
                continue;
            }
            seen.push(key.clone());
            attendees.push(AttendeeInput { email: key, name: None });
        }
        let locale = self.store.get_tenant(tenant).await?.map_or(Locale::Es, |t| t.locale);
        let input = NewBooking {
            room_id: room.id,
            title: title_of(event.summary.as_deref(), locale),
            start: time.start,
            end: time.end,
            attendees,
            organizer: Some(organizer.email.to_string()),
            ..NewBooking::default()
        };
        let adoption = Adoption { event_id: event.id.clone() };
        let itself = EventItself { sync: self, time };
        let mut created = create_adopted(self.store.as_ref(), &itself, ctx, input, &adoption).await?;
        if matched.is_some() {
            // The organizer's own event: the booking holds it, so two-way sync follows it.
            for booking in &mut created.bookings {
                self.store.set_booking_calendar(tenant, booking.id, Some(&event.id), None).await?;
                booking.google_event_id = Some(event.id.clone());
            }
        }
        Ok(created)
    }

    /// The room (the tenant's) and its Google calendar's address; admins only.
    async fn room_with_calendar(&self, ctx: &Context, room_id: RoomId) -> AppResult<(Room, String)> {
        ctx.require_admin()?;
        let room = self.store.get_room(ctx.tenant_id(), room_id).await?.ok_or(AppError::NotFound { what: "room" })?;
        let Some(calendar) = room.google_calendar.as_ref().map(|c| c.as_str().to_lowercase()) else {
            return Err(AppError::Conflict {
                code: ErrorCode::RoomWithoutCalendar,
                message: format!("{} has no Google calendar", room.name),
            });
        };
        Ok((room, calendar))
    }

    /// Whom the room's calendar is read as: the admin asking, or for an API key the
    /// organization's first admin (by when they were added).
    async fn reader(&self, ctx: &Context) -> AppResult<User> {
        crate::users::acting_person(self.store.as_ref(), ctx)
            .await?
            .ok_or_else(|| unreadable("the organization has no administrator to read it as".into()))
    }

    /// A session on Google as `user`.
    async fn session_as(&self, tenant: TenantId, user: UserId) -> AppResult<Session<'_>> {
        let credentials = match self.credentials(tenant, user).await {
            Ok(Some(credentials)) => credentials,
            Ok(None) => return Err(unreadable("no Google connection and no service account".into())),
            Err(JobFailure::Retry { reason, .. } | JobFailure::Final { reason }) => return Err(unreadable(reason)),
        };
        Ok(Session { sync: self, credentials, access: None })
    }

    /// Sala's own event: it carries Sala's private property, or a booking holds it.
    async fn is_salas(&self, tenant: TenantId, event: &Event) -> AppResult<bool> {
        Ok(event.booking_id.is_some() || self.store.booking_with_event(tenant, &event.id).await?.is_some())
    }

    /// An active person of the organization with this address.
    async fn colleague(&self, tenant: TenantId, address: &str) -> AppResult<Option<User>> {
        let Ok(email) = Email::parse(address.trim()) else { return Ok(None) };
        Ok(self.store.user_by_email(tenant, &email).await?.filter(|u| u.active))
    }
}

fn unreadable(why: String) -> AppError {
    AppError::Conflict {
        code: ErrorCode::CalendarUnreadable,
        message: format!("Sala could not read the room's Google calendar: {why}"),
    }
}

/// Google's failure worded for the caller (a revoked personal grant is recorded as such).
async fn refused(session: &mut Session<'_>, stop: Stop) -> AppError {
    match stop {
        Stop::Provider(ProviderError::NotFound) => AppError::NotFound { what: "event" },
        Stop::Provider(ProviderError::Retryable { reason, .. }) => AppError::Conflict {
            code: ErrorCode::GoogleUnavailable,
            message: format!("Google did not answer: {reason}"),
        },
        Stop::Revoked(reason) if session.is_personal() => {
            if let Err(e) = session.revoked(&reason).await {
                tracing::warn!(error = %e, "could not record a revoked Google grant");
            }
            unreadable(format!("Google access revoked ({reason}): reconnect"))
        }
        Stop::Revoked(reason) => unreadable(reason),
        Stop::Provider(other) => unreadable(other.to_string()),
        Stop::Failure(JobFailure::Retry { reason, .. } | JobFailure::Final { reason }) => unreadable(reason),
    }
}

/// The event's time, when it is a timed event still on the calendar.
fn outside_time(event: &Event) -> Option<TimeRange> {
    if event.cancelled {
        return None;
    }
    let (start, end) = (event.start?, event.end?);
    TimeRange::new(start.as_millisecond(), end.as_millisecond()).ok()
}

/// The booking's title: the event's summary as a title may be (one line, 200 characters), else
/// the default.
fn title_of(summary: Option<&str>, locale: Locale) -> String {
    let raw: String =
        summary.unwrap_or_default().chars().map(|c| if c.is_control() { ' ' } else { c }).take(200).collect();
    clean_name("title", &raw, 200).unwrap_or_else(|_| default_title(locale).to_owned())
}

fn timestamp(ms: Millis) -> jiff::Timestamp {
    jiff::Timestamp::from_millisecond(ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}
