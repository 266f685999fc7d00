//! Rows as both backends read them, and their conversion to domain types.
//!
//! Columns are plain (uuid, text, integer, boolean) so one `FromRow` serves SQLite and PostgreSQL.
//! Instants are Unix milliseconds; lists and structured values are JSON text. Anything that fails
//! to convert is reported as `Corrupt`: it was validated on the way in, so it means a bad row.

use crate::{BookingWrite, Busy, IdempotencyRecord, StoreError};
use sala_domain::jobs::{Channel, Delivery, DeliveryStatus, OutboxMessage};
use sala_domain::{
    Actor, ApiKey, ApiKeyId, Attendee, AuditEntry, AuditId, Booking, BookingId, BookingStatus, Email, Job, JobId,
    JobKind, JobStatus, LoginFlow, Room, RoomId, Series, SeriesId, Session, Tenant, TenantId, TimeRange, User, UserId,
    audit, room, user, values,
};
use std::collections::HashMap;
use uuid::Uuid;

fn corrupt(what: &str, err: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {err}"))
}

fn json_text<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| corrupt(what, e))
}

/// Serializes a value for a JSON text column.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> String {
    // Serializing plain domain structs cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

#[derive(sqlx::FromRow)]
pub(crate) struct TenantRow {
    id: Uuid,
    name: String,
    slug: String,
    email_domains: String,
    time_zone: String,
    locale: String,
    booking_rules: String,
    reminders: String,
    created_at: i64,
    updated_at: i64,
    whatsapp_phone_number_id: Option<String>,
    whatsapp_token_sealed: Option<String>,
    google_sa_email: Option<String>,
    google_sa_key_sealed: Option<String>,
}

impl TryFrom<TenantRow> for Tenant {
    type Error = StoreError;
    fn try_from(r: TenantRow) -> Result<Self, StoreError> {
        Ok(Tenant {
            id: TenantId(r.id),
            name: r.name,
            slug: values::Slug::parse(&r.slug).map_err(|e| corrupt("tenant slug", e))?,
            email_domains: json_text("tenant domains", &r.email_domains)?,
            time_zone: values::TimeZoneName::parse(&r.time_zone).map_err(|e| corrupt("tenant zone", e))?,
            locale: values::Locale::parse(&r.locale).map_err(|e| corrupt("tenant locale", e))?,
            booking_rules: json_text("tenant rules", &r.booking_rules)?,
            reminders: json_text("tenant reminders", &r.reminders)?,
            whatsapp: match (r.whatsapp_phone_number_id, r.whatsapp_token_sealed) {
                (Some(phone_number_id), Some(token_sealed)) => {
                    Some(sala_domain::tenant::WhatsAppAccount { phone_number_id, token_sealed })
                }
                _ => None,
            },
            google_service_account: match (r.google_sa_email, r.google_sa_key_sealed) {
                (Some(client_email), Some(key_sealed)) => {
                    Some(sala_domain::tenant::ServiceAccount { client_email, key_sealed })
                }
                _ => None,
            },
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: Uuid,
    tenant_id: Uuid,
    email: String,
    name: String,
    phone: Option<String>,
    whatsapp_opt_in: bool,
    role: String,
    locale: Option<String>,
    time_zone: Option<String>,
    google_subject: Option<String>,
    active: bool,
    created_at: i64,
    updated_at: i64,
    reminders: Option<String>,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(r: UserRow) -> Result<Self, StoreError> {
        Ok(User {
            id: UserId(r.id),
            tenant_id: TenantId(r.tenant_id),
            email: Email::parse(&r.email).map_err(|e| corrupt("user email", e))?,
            name: r.name,
            phone: r.phone.map(|p| values::Phone::parse(&p)).transpose().map_err(|e| corrupt("user phone", e))?,
            whatsapp_opt_in: r.whatsapp_opt_in,
            role: user::Role::parse(&r.role).map_err(|e| corrupt("user role", e))?,
            locale: r.locale.map(|l| values::Locale::parse(&l)).transpose().map_err(|e| corrupt("user locale", e))?,
            time_zone: r
                .time_zone
                .map(|z| values::TimeZoneName::parse(&z))
                .transpose()
                .map_err(|e| corrupt("user zone", e))?,
            google_subject: r.google_subject,
            reminders: r.reminders.map(|j| json_text("user reminders", &j)).transpose()?,
            active: r.active,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct RoomRow {
    id: Uuid,
    tenant_id: Uuid,
    name: String,
    capacity: i32,
    location: Option<String>,
    equipment: String,
    kind: String,
    google_calendar: Option<String>,
    active: bool,
    bookable_hours: Option<String>,
    booking_rules: String,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<RoomRow> for Room {
    type Error = StoreError;
    fn try_from(r: RoomRow) -> Result<Self, StoreError> {
        Ok(Room {
            id: RoomId(r.id),
            tenant_id: TenantId(r.tenant_id),
            name: r.name,
            capacity: u32::try_from(r.capacity).map_err(|e| corrupt("room capacity", e))?,
            location: r.location,
            equipment: json_text("room equipment", &r.equipment)?,
            kind: room::RoomKind::parse(&r.kind).map_err(|e| corrupt("room kind", e))?,
            google_calendar: r
                .google_calendar
                .map(|c| Email::parse(&c))
                .transpose()
                .map_err(|e| corrupt("room calendar", e))?,
            active: r.active,
            bookable_hours: r.bookable_hours.map(|h| json_text("room hours", &h)).transpose()?,
            rules: json_text("room rules", &r.booking_rules)?,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

/// How an actor is stored: a kind column and an optional id column.
pub(crate) fn actor_columns(actor: &Actor) -> (&'static str, Option<Uuid>) {
    (actor.kind(), actor.id())
}

fn actor_from_columns(kind: &str, id: Option<Uuid>) -> Result<Actor, StoreError> {
    match (kind, id) {
        ("user", Some(id)) => Ok(Actor::User(UserId(id))),
        ("api_key", Some(id)) => Ok(Actor::ApiKey(ApiKeyId(id))),
        ("system", _) => Ok(Actor::System),
        _ => Err(corrupt("actor", kind)),
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ApiKeyRow {
    id: Uuid,
    tenant_id: Uuid,
    name: String,
    prefix: String,
    created_by_type: String,
    created_by_id: Option<Uuid>,
    created_at: i64,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
    scopes: String,
}

impl TryFrom<ApiKeyRow> for ApiKey {
    type Error = StoreError;
    fn try_from(r: ApiKeyRow) -> Result<Self, StoreError> {
        Ok(ApiKey {
            id: ApiKeyId(r.id),
            tenant_id: TenantId(r.tenant_id),
            name: r.name,
            prefix: r.prefix,
            created_by: actor_from_columns(&r.created_by_type, r.created_by_id)?,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
            scopes: json_text("api key scopes", &r.scopes)?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SessionRow {
    tenant_id: Uuid,
    user_id: Uuid,
    created_at: i64,
    expires_at: i64,
}

impl From<SessionRow> for Session {
    fn from(r: SessionRow) -> Self {
        Session {
            tenant_id: TenantId(r.tenant_id),
            user_id: UserId(r.user_id),
            created_at: r.created_at,
            expires_at: r.expires_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct LoginFlowRow {
    csrf_state: String,
    nonce: String,
    pkce_verifier: String,
    return_to: String,
    expires_at: i64,
    connect_user_id: Option<Uuid>,
}

impl LoginFlowRow {
    pub(crate) fn expires_at_ms(&self) -> i64 {
        self.expires_at
    }
}

impl From<LoginFlowRow> for LoginFlow {
    fn from(r: LoginFlowRow) -> Self {
        LoginFlow {
            csrf_state: r.csrf_state,
            nonce: r.nonce,
            pkce_verifier: r.pkce_verifier,
            return_to: r.return_to,
            expires_at: r.expires_at,
            connect_for: r.connect_user_id.map(UserId),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AuditRow {
    id: Uuid,
    tenant_id: Uuid,
    at: i64,
    actor_type: String,
    actor_id: Option<Uuid>,
    action: String,
    subject_type: String,
    subject_id: Option<Uuid>,
    before_state: Option<String>,
    after_state: Option<String>,
    request_id: Option<String>,
    ip: Option<String>,
}

impl TryFrom<AuditRow> for AuditEntry {
    type Error = StoreError;
    fn try_from(r: AuditRow) -> Result<Self, StoreError> {
        Ok(audit::AuditEntry {
            id: AuditId(r.id),
            tenant_id: TenantId(r.tenant_id),
            at: r.at,
            actor: actor_from_columns(&r.actor_type, r.actor_id)?,
            action: r.action,
            subject_type: r.subject_type,
            subject_id: r.subject_id,
            before: r.before_state.map(|b| json_text("audit before", &b)).transpose()?,
            after: r.after_state.map(|a| json_text("audit after", &a)).transpose()?,
            request_id: r.request_id,
            ip: r.ip,
        })
    }
}

/// Escapes `%`, `_` and `\` so user text is matched literally inside a LIKE pattern (`ESCAPE '\'`).
pub(crate) fn like_contains(text: &str) -> String {
    format!("%{}%", like_escape(text))
}

/// The pattern for "starts with", escaped the same way.
pub(crate) fn like_prefix(text: &str) -> String {
    format!("{}%", like_escape(text))
}

fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

#[derive(sqlx::FromRow)]
pub(crate) struct BookingRow {
    id: Uuid,
    tenant_id: Uuid,
    room_id: Uuid,
    organizer_id: Uuid,
    title: String,
    description: Option<String>,
    start_at: i64,
    end_at: i64,
    time_zone: String,
    google_meet: bool,
    status: String,
    cancel_reason: Option<String>,
    external_ref: Option<String>,
    metadata: String,
    series_id: Option<Uuid>,
    version: i64,
    created_by_type: String,
    created_by_id: Option<Uuid>,
    created_at: i64,
    updated_at: i64,
    cancelled_at: Option<i64>,
    recurrence_id: Option<i64>,
    google_event_id: Option<String>,
    meet_link: Option<String>,
    reminders: Option<String>,
}

impl BookingRow {
    pub(crate) fn id(&self) -> Uuid {
        self.id
    }

    fn into_booking(self, attendees: Vec<Attendee>) -> Result<Booking, StoreError> {
        Ok(Booking {
            id: BookingId(self.id),
            tenant_id: TenantId(self.tenant_id),
            room_id: RoomId(self.room_id),
            organizer_id: UserId(self.organizer_id),
            title: self.title,
            description: self.description,
            time: TimeRange::new(self.start_at, self.end_at).map_err(|e| corrupt("booking time", e))?,
            time_zone: values::TimeZoneName::parse(&self.time_zone).map_err(|e| corrupt("booking zone", e))?,
            attendees,
            google_meet: self.google_meet,
            status: BookingStatus::parse(&self.status).map_err(|e| corrupt("booking status", e))?,
            cancel_reason: self.cancel_reason,
            external_ref: self.external_ref,
            metadata: json_text("booking metadata", &self.metadata)?,
            series_id: self.series_id.map(SeriesId),
            recurrence_id: self.recurrence_id,
            google_event_id: self.google_event_id,
            meet_link: self.meet_link,
            reminders: self.reminders.map(|r| json_text("booking reminders", &r)).transpose()?,
            version: self.version,
            created_by: actor_from_columns(&self.created_by_type, self.created_by_id)?,
            created_at: self.created_at,
            updated_at: self.updated_at,
            cancelled_at: self.cancelled_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AttendeeRow {
    booking_id: Uuid,
    email: String,
    name: Option<String>,
    user_id: Option<Uuid>,
}

impl TryFrom<AttendeeRow> for Attendee {
    type Error = StoreError;
    fn try_from(r: AttendeeRow) -> Result<Self, StoreError> {
        Ok(Attendee {
            email: Email::parse(&r.email).map_err(|e| corrupt("attendee email", e))?,
            name: r.name,
            user_id: r.user_id.map(UserId),
        })
    }
}

/// Puts bookings together with their attendees (read with one query for all of them, each
/// booking's in position order), keeping the bookings' order.
pub(crate) fn bookings_with_attendees(
    rows: Vec<BookingRow>,
    attendees: Vec<AttendeeRow>,
) -> Result<Vec<Booking>, StoreError> {
    let mut by_booking: HashMap<Uuid, Vec<Attendee>> = HashMap::new();
    for a in attendees {
        by_booking.entry(a.booking_id).or_default().push(a.try_into()?);
    }
    rows.into_iter()
        .map(|row| {
            let attendees = by_booking.remove(&row.id).unwrap_or_default();
            row.into_booking(attendees)
        })
        .collect()
}

/// An attendee's columns besides its booking and position: email, email key (lower-case), name, user id.
pub(crate) fn attendee_columns(a: &Attendee) -> (&str, String, Option<&str>, Option<Uuid>) {
    (a.email.as_str(), a.email.as_str().to_lowercase(), a.name.as_deref(), a.user_id.map(|u| u.0))
}

/// A confirmed booking's room and time: `id, room_id, start_at, end_at`.
#[derive(sqlx::FromRow)]
pub(crate) struct BusyRow {
    id: Uuid,
    room_id: Uuid,
    start_at: i64,
    end_at: i64,
}

impl BusyRow {
    pub(crate) fn id(&self) -> Uuid {
        self.id
    }
}

impl TryFrom<BusyRow> for Busy {
    type Error = StoreError;
    fn try_from(r: BusyRow) -> Result<Self, StoreError> {
        Ok(Busy {
            booking_id: BookingId(r.id),
            room_id: RoomId(r.room_id),
            time: TimeRange::new(r.start_at, r.end_at).map_err(|e| corrupt("booking time", e))?,
        })
    }
}

/// What both backends check before a booking write touches the database: everything in it belongs
/// to the write's tenant (a row of another tenant is simply not found), and no two confirmed
/// bookings of the batch overlap in one room.
pub(crate) fn check_write(write: &BookingWrite<'_>) -> Result<(), StoreError> {
    let tenant = write.tenant_id;
    let foreign = write.bookings.iter().any(|b| b.tenant_id != tenant)
        || write.series.is_some_and(|s| s.tenant_id != tenant)
        || write.audit.iter().any(|e| e.tenant_id != tenant)
        || write.jobs.iter().any(|j| j.tenant_id != tenant);
    if foreign {
        return Err(StoreError::NotFound);
    }
    overlap_within(write.bookings)
}

/// The first pair of confirmed bookings in `bookings` that share a room and overlap: the later one
/// conflicts with the earlier one, which the error names.
fn overlap_within(bookings: &[Booking]) -> Result<(), StoreError> {
    for (i, later) in bookings.iter().enumerate().filter(|(_, b)| b.is_confirmed()) {
        let earlier = bookings[..i]
            .iter()
            .find(|e| e.is_confirmed() && e.room_id == later.room_id && e.time.overlaps(&later.time));
        if let Some(e) = earlier {
            return Err(StoreError::Overlap(Busy { booking_id: e.id, room_id: e.room_id, time: e.time }));
        }
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
pub(crate) struct SeriesRow {
    id: Uuid,
    tenant_id: Uuid,
    rule: String,
    time_zone: String,
    created_at: i64,
}

impl TryFrom<SeriesRow> for Series {
    type Error = StoreError;
    fn try_from(r: SeriesRow) -> Result<Self, StoreError> {
        Ok(Series {
            id: SeriesId(r.id),
            tenant_id: TenantId(r.tenant_id),
            rule: json_text("series rule", &r.rule)?,
            time_zone: values::TimeZoneName::parse(&r.time_zone).map_err(|e| corrupt("series zone", e))?,
            created_at: r.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct JobRow {
    id: Uuid,
    tenant_id: Uuid,
    kind: String,
    booking_id: Option<Uuid>,
    payload: String,
    run_at: i64,
    status: String,
    attempts: i32,
    last_error: Option<String>,
    created_at: i64,
}

impl TryFrom<JobRow> for Job {
    type Error = StoreError;
    fn try_from(r: JobRow) -> Result<Self, StoreError> {
        let status = JobStatus::parse(&r.status).ok_or_else(|| corrupt("job status", &r.status))?;
        Ok(Job {
            id: JobId(r.id),
            tenant_id: TenantId(r.tenant_id),
            kind: JobKind::parse(&r.kind).ok_or_else(|| corrupt("job kind", &r.kind))?,
            booking_id: r.booking_id.map(BookingId),
            payload: json_text("job payload", &r.payload)?,
            run_at: r.run_at,
            status,
            attempts: u32::try_from(r.attempts).map_err(|e| corrupt("job attempts", e))?,
            last_error: r.last_error,
            created_at: r.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct IdempotencyRow {
    actor: String,
    key: String,
    request_hash: String,
    booking_ids: String,
    created_at: i64,
}

impl TryFrom<IdempotencyRow> for IdempotencyRecord {
    type Error = StoreError;
    fn try_from(r: IdempotencyRow) -> Result<Self, StoreError> {
        Ok(IdempotencyRecord {
            actor: r.actor,
            key: r.key,
            request_hash: r.request_hash,
            booking_ids: json_text("idempotency booking ids", &r.booking_ids)?,
            created_at: r.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct DeliveryRow {
    id: Uuid,
    tenant_id: Uuid,
    job_id: Uuid,
    booking_id: Option<Uuid>,
    channel: String,
    recipient: String,
    idempotency_key: String,
    status: String,
    detail: Option<String>,
    created_at: i64,
}

impl TryFrom<DeliveryRow> for Delivery {
    type Error = StoreError;
    fn try_from(r: DeliveryRow) -> Result<Self, StoreError> {
        Ok(Delivery {
            id: r.id,
            tenant_id: TenantId(r.tenant_id),
            job_id: JobId(r.job_id),
            booking_id: r.booking_id.map(BookingId),
            channel: Channel::parse(&r.channel).ok_or_else(|| corrupt("delivery channel", &r.channel))?,
            recipient: r.recipient,
            idempotency_key: r.idempotency_key,
            status: DeliveryStatus::parse(&r.status).ok_or_else(|| corrupt("delivery status", &r.status))?,
            detail: r.detail,
            created_at: r.created_at,
        })
    }
}

/// At most this many characters of a job's error are kept: enough to diagnose, never a whole
/// response body.
pub(crate) const MAX_ERROR_CHARS: usize = 2000;

/// `error` cut to [`MAX_ERROR_CHARS`] characters (on a character boundary).
pub(crate) fn truncated_error(error: &str) -> &str {
    error.char_indices().nth(MAX_ERROR_CHARS).map_or(error, |(end, _)| &error[..end])
}

#[derive(sqlx::FromRow)]
pub(crate) struct OutboxRow {
    id: Uuid,
    tenant_id: Uuid,
    booking_id: Option<Uuid>,
    channel: String,
    recipient: String,
    subject: Option<String>,
    text: String,
    html: Option<String>,
    ics: Option<String>,
    created_at: i64,
}

impl TryFrom<OutboxRow> for OutboxMessage {
    type Error = StoreError;
    fn try_from(r: OutboxRow) -> Result<Self, StoreError> {
        Ok(OutboxMessage {
            id: r.id,
            tenant_id: TenantId(r.tenant_id),
            booking_id: r.booking_id.map(BookingId),
            channel: Channel::parse(&r.channel).ok_or_else(|| corrupt("outbox channel", &r.channel))?,
            recipient: r.recipient,
            subject: r.subject,
            text: r.text,
            html: r.html,
            ics: r.ics,
            created_at: r.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct GoogleConnectionRow {
    tenant_id: Uuid,
    user_id: Uuid,
    google_subject: String,
    refresh_token_sealed: String,
    access_token_sealed: Option<String>,
    access_expires_at: Option<i64>,
    scopes: String,
    status: String,
    last_error: Option<String>,
    connected_at: i64,
    updated_at: i64,
}

impl TryFrom<GoogleConnectionRow> for sala_domain::google::GoogleConnection {
    type Error = StoreError;
    fn try_from(r: GoogleConnectionRow) -> Result<Self, StoreError> {
        use sala_domain::google::ConnectionStatus;
        Ok(Self {
            tenant_id: TenantId(r.tenant_id),
            user_id: UserId(r.user_id),
            google_subject: r.google_subject,
            refresh_token_sealed: r.refresh_token_sealed,
            access_token_sealed: r.access_token_sealed,
            access_expires_at: r.access_expires_at,
            scopes: json_text("google scopes", &r.scopes)?,
            status: ConnectionStatus::parse(&r.status).ok_or_else(|| corrupt("google connection status", &r.status))?,
            last_error: r.last_error,
            connected_at: r.connected_at,
            updated_at: r.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct WebhookRow {
    id: Uuid,
    tenant_id: Uuid,
    url: String,
    events: String,
    description: Option<String>,
    secret_sealed: String,
    enabled: bool,
    disabled_reason: Option<String>,
    created_at: i64,
    updated_at: i64,
    previous_secret_sealed: Option<String>,
    previous_until: Option<i64>,
}

impl TryFrom<WebhookRow> for sala_domain::webhook::WebhookEndpoint {
    type Error = StoreError;
    fn try_from(r: WebhookRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: sala_domain::WebhookId(r.id),
            tenant_id: TenantId(r.tenant_id),
            url: r.url,
            events: json_text("webhook events", &r.events)?,
            description: r.description,
            secret_sealed: r.secret_sealed,
            enabled: r.enabled,
            disabled_reason: r.disabled_reason,
            previous_secret_sealed: r.previous_secret_sealed,
            previous_until: r.previous_until,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CheckInRow {
    tenant_id: Uuid,
    booking_id: Uuid,
    email: String,
    at: i64,
    actor_type: String,
    actor_id: Option<Uuid>,
    source: String,
}

impl TryFrom<CheckInRow> for sala_domain::attendance::CheckIn {
    type Error = StoreError;
    fn try_from(r: CheckInRow) -> Result<Self, StoreError> {
        use sala_domain::attendance::CheckInSource;
        Ok(Self {
            tenant_id: TenantId(r.tenant_id),
            booking_id: BookingId(r.booking_id),
            email: Email::parse(&r.email).map_err(|e| corrupt("check-in email", e))?,
            at: r.at,
            by: actor_from_columns(&r.actor_type, r.actor_id)?,
            source: CheckInSource::parse(&r.source).ok_or_else(|| corrupt("check-in source", &r.source))?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct KioskRow {
    tenant_id: Uuid,
    room_id: Uuid,
    token_hash: String,
    created_by_type: String,
    created_by_id: Option<Uuid>,
    created_at: i64,
}

impl TryFrom<KioskRow> for sala_domain::attendance::Kiosk {
    type Error = StoreError;
    fn try_from(r: KioskRow) -> Result<Self, StoreError> {
        Ok(Self {
            tenant_id: TenantId(r.tenant_id),
            room_id: RoomId(r.room_id),
            token_hash: r.token_hash,
            created_by: actor_from_columns(&r.created_by_type, r.created_by_id)?,
            created_at: r.created_at,
        })
    }
}

/// The columns every kiosk query reads, in `KioskRow`'s order.
pub(crate) const KIOSK_COLUMNS: &str = "tenant_id, room_id, token_hash, created_by_type, created_by_id, created_at";

#[derive(sqlx::FromRow)]
pub(crate) struct ReplyRow {
    tenant_id: Uuid,
    booking_id: Uuid,
    email: String,
    answer: String,
    at: i64,
}

impl TryFrom<ReplyRow> for sala_domain::attendance::Reply {
    type Error = StoreError;
    fn try_from(r: ReplyRow) -> Result<Self, StoreError> {
        use sala_domain::attendance::Answer;
        Ok(Self {
            tenant_id: TenantId(r.tenant_id),
            booking_id: BookingId(r.booking_id),
            email: Email::parse(&r.email).map_err(|e| corrupt("reply email", e))?,
            answer: Answer::parse(&r.answer).ok_or_else(|| corrupt("reply answer", &r.answer))?,
            at: r.at,
        })
    }
}
