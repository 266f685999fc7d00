//! `/bookings`: the API a CRM or an attendance system drives. Paths are fixed: integrations are
//! written against them.

use crate::auth::Caller;
use crate::extract::{ApiQuery, HashedJson, OptionalJson, PathId};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use crate::wire::booking::{BookingView, Names, PersonRef};
use crate::wire::time::Local;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sala_app::bookings::{self, AttendeeInput, BookingChanges, CancelRequest, ConflictPolicy, NewBooking, Scope};
use sala_app::{AppError, Context, Validator};
use sala_domain::ErrorCode;
use sala_domain::values::parse_instant;
use sala_domain::{
    Booking, BookingId, BookingStatus, Frequency, MonthlyBy, Recurrence, RoomId, TimeZoneName, UserId, ValueError,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search_people)).routes(routes!(list_bookings, create_booking)).routes(routes!(
        get_booking,
        update_booking,
        cancel_booking
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeopleQuery {
    /// Part of a name or email; accents and case do not matter ("maria" finds "María").
    #[serde(default)]
    q: String,
    /// At most this many (1-50, default 10).
    #[param(minimum = 1, maximum = 50)]
    limit: Option<u32>,
}

/// Find people of your organization to invite (the invitee picker).
#[utoipa::path(get, path = "/bookings/search-users", tag = "bookings", params(PeopleQuery),
    responses((status = 200, body = Vec<PersonRef>), (status = 422, body = Problem)))]
async fn search_people(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(q): ApiQuery<PeopleQuery>,
) -> ApiResult<Json<Vec<PersonRef>>> {
    let limit = crate::wire::cursor::limit(q.limit, 10, 50)?;
    let people = sala_app::users::search_users(state.store(), &ctx, &q.q, limit).await?;
    Ok(Json(people.into_iter().map(|u| PersonRef { id: u.id, name: u.name, email: u.email.into() }).collect()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendeeBody {
    email: String,
    name: Option<String>,
}

/// How a booking repeats. Exactly one of `count` and `until` (a date in the booking's zone). A
/// monthly series takes its day from `start`: the same day of the month, the same nth weekday, or
/// the month's last such weekday (`by`); a month without that day is skipped, as RFC 5545 does.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"frequency": "weekly", "count": 10}))]
pub struct RecurrenceBody {
    /// `weekly`, `weekdays` (Monday to Friday), `daily` or `monthly`.
    #[schema(schema_with = super::schemas::frequency)]
    frequency: Frequency,
    /// Every how many days, weeks or months (default 1).
    interval: Option<u32>,
    /// Monthly only: `day_of_month` (default; the 31st skips short months), `weekday` (the
    /// second Tuesday; a fifth one skips months without it) or `last_weekday` (`start` must be
    /// its month's last such weekday).
    #[schema(schema_with = super::schemas::monthly_by)]
    by: Option<MonthlyBy>,
    count: Option<u32>,
    /// `YYYY-MM-DD`, inclusive.
    #[schema(format = Date)]
    until: Option<String>,
    /// `fail` (default: create nothing if any date is taken) or `skip` (create the free dates).
    #[serde(default)]
    #[schema(schema_with = super::schemas::conflict_policy)]
    on_conflict: ConflictPolicy,
}

impl RecurrenceBody {
    /// The rule, its `until` read as a civil date.
    fn rule(self, v: &mut Validator) -> Option<(Recurrence, ConflictPolicy)> {
        let until = given(v, "recurrence.until", self.until.as_deref(), |raw| {
            raw.parse::<jiff::civil::Date>()
                .map_err(|_| ValueError::new(ErrorCode::InvalidDate, format!("'{raw}' is not a date like 2027-06-30")))
        })?;
        let rule = Recurrence {
            frequency: self.frequency,
            interval: self.interval.unwrap_or(1),
            count: self.count,
            until,
            by: self.by,
        };
        Some((rule, self.on_conflict))
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"room_id": "0190f5a2-7c1e-7b7e-9a40-2f5d3c1e9a10", "title": "Demo con Globex",
    "start": "2027-03-01T10:00:00+01:00", "end": "2027-03-01T11:00:00+01:00", "time_zone": "Europe/Madrid",
    "organizer": "maria@acme.test", "attendees": [{"email": "juan@acme.test"}, {"email": "cliente@globex.com", "name": "Cliente"}],
    "google_meet": true, "external_ref": "crm-4711", "metadata": {"deal": "D-88"}}))]
pub struct CreateBookingBody {
    #[schema(value_type = String, format = Uuid)]
    room_id: RoomId,
    title: String,
    description: Option<String>,
    /// RFC 3339 with an offset.
    #[schema(format = DateTime)]
    start: String,
    #[schema(format = DateTime)]
    end: String,
    /// IANA zone; default: the organizer's, else the organization's.
    time_zone: Option<String>,
    #[serde(default)]
    attendees: Vec<AttendeeBody>,
    #[serde(default)]
    google_meet: bool,
    /// Your own id for this booking; echoed back in webhooks.
    external_ref: Option<String>,
    /// A small JSON object you keep with the booking (at most 50 keys, 4 KiB).
    #[schema(value_type = Option<Object>)]
    metadata: Option<serde_json::Value>,
    recurrence: Option<RecurrenceBody>,
    /// The organizer's email. Required with an API key; with a session, admins may book for others.
    organizer: Option<String>,
    /// This meeting's reminders for everyone (`minutes_before`, `whatsapp`, `email`); absent: the
    /// organization's and each person's own. `{"minutes_before": []}`: no reminders.
    #[schema(value_type = Option<Object>)]
    reminders: Option<sala_domain::notify::ReminderSettings>,
}

/// A created booking (the first occurrence of a series), with what else happened.
#[derive(Serialize, ToSchema)]
#[schema(example = crate::wire::booking::created_booking_example)]
pub struct CreatedView {
    #[serde(flatten)]
    booking: BookingView,
    /// For a series: every occurrence created, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    occurrences: Vec<OccurrenceView>,
    /// For a series with `on_conflict: skip`: the dates left out and what was in the way.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    skipped: Vec<sala_app::Conflict>,
    /// For a monthly series: the months without its day (`YYYY-MM`), skipped as RFC 5545 does
    /// (the 31st has no February).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    months_skipped: Vec<String>,
    /// Accepted, but worth knowing (e.g. `over_capacity` with Google Meet on).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    warnings: Vec<sala_app::FieldError>,
}

#[derive(Serialize, ToSchema)]
pub struct OccurrenceView {
    #[schema(value_type = String, format = Uuid)]
    id: BookingId,
    #[schema(value_type = String, format = DateTime)]
    start: Local,
    #[schema(value_type = String, format = DateTime)]
    end: Local,
}

/// Book a room. Send `Idempotency-Key` to make retries safe: the same key and body return the
/// original booking; the same key with another body is refused (422).
#[utoipa::path(post, path = "/bookings", tag = "bookings", request_body = CreateBookingBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = CreatedView), (status = 200, description = "A retry: the original booking", body = CreatedView),
              (status = 409, description = "The room is taken: `conflicts` names the bookings in the way", body = Problem),
              (status = 422, body = Problem)))]
async fn create_booking(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    headers: HeaderMap,
    body: HashedJson<CreateBookingBody>,
) -> ApiResult<Response> {
    let idempotency_key = headers.get("idempotency-key").map(|v| v.to_str().unwrap_or("\u{0}").to_owned());
    let input = NewBooking { idempotency_key, request_hash: body.sha256, ..NewBooking::try_from(body.value)? };
    let created = bookings::create_booking(state.store(), state.outside_busy(), &ctx, input).await?;
    let names = Names::of_created(state.store(), ctx.tenant_id(), &created).await?;
    let is_series = created.bookings.len() > 1 || created.bookings.first().is_some_and(|b| b.series_id.is_some());
    let occurrences = if is_series {
        created
            .bookings
            .iter()
            .map(|b| OccurrenceView {
                id: b.id,
                start: Local::new(b.time.start, &b.time_zone),
                end: Local::new(b.time.end, &b.time_zone),
            })
            .collect()
    } else {
        Vec::new()
    };
    let first = created.bookings.into_iter().next().ok_or(AppError::NotFound { what: "booking" })?;
    let status = if created.replayed { StatusCode::OK } else { StatusCode::CREATED };
    let location = format!("/api/v1/bookings/{}", first.id);
    let etag = etag(&first);
    let months_skipped = created.months_skipped.iter().map(|m| m.strftime("%Y-%m").to_string()).collect();
    let view = CreatedView {
        booking: names.view(first),
        occurrences,
        skipped: created.skipped,
        months_skipped,
        warnings: created.warnings,
    };
    let mut response = (status, Json(view)).into_response();
    set_header(&mut response, header::LOCATION, &location);
    set_header(&mut response, header::ETAG, &etag);
    Ok(response)
}

impl TryFrom<CreateBookingBody> for NewBooking {
    type Error = AppError;

    /// The body's formats read (instants, zone, the rule's date), each bad one named; what they
    /// mean is for the use case.
    fn try_from(b: CreateBookingBody) -> Result<Self, AppError> {
        let mut v = Validator::default();
        let start = v.check("start", parse_instant("start", &b.start));
        let end = v.check("end", parse_instant("end", &b.end));
        let time_zone = given(&mut v, "time_zone", b.time_zone.as_deref(), TimeZoneName::parse);
        let recurrence = b.recurrence.map(|r| r.rule(&mut v));
        v.finish()?;
        let (Some(start), Some(end), Some(time_zone)) = (start, end, time_zone) else {
            return Err(AppError::invalid("body", ErrorCode::InvalidBody, "invalid booking"));
        };
        let (recurrence, on_conflict) = match recurrence.flatten() {
            Some((rule, policy)) => (Some(rule), policy),
            None => (None, ConflictPolicy::Fail),
        };
        Ok(NewBooking {
            room_id: b.room_id,
            title: b.title,
            description: b.description,
            start,
            end,
            time_zone,
            attendees: b.attendees.into_iter().map(AttendeeInput::from).collect(),
            google_meet: b.google_meet,
            external_ref: b.external_ref,
            metadata: b.metadata,
            recurrence,
            on_conflict,
            organizer: b.organizer,
            reminders: b.reminders,
            idempotency_key: None,
            request_hash: String::new(),
        })
    }
}

impl From<AttendeeBody> for AttendeeInput {
    fn from(a: AttendeeBody) -> Self {
        AttendeeInput { email: a.email, name: a.name }
    }
}

/// Get a booking: everything about it, including attendees and the Meet link when there is one.
#[utoipa::path(get, path = "/bookings/{id}", tag = "bookings", params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = BookingView, headers(("ETag" = String, description = "The version, for If-Match"))),
              (status = 404, body = Problem)))]
async fn get_booking(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    PathId(id): PathId<BookingId>,
) -> ApiResult<Response> {
    let booking = bookings::get_booking(state.store(), &ctx, id).await?;
    one(&state, &ctx, booking).await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScopeQuery {
    /// `this` (default) or `following`: this occurrence and the later ones of its series.
    #[serde(default)]
    #[param(schema_with = super::schemas::scope)]
    scope: Scope,
}

/// Fields to change; absent fields stay. `null` clears `description` and `external_ref`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"start": "2027-03-01T11:00:00+01:00", "end": "2027-03-01T12:00:00+01:00"}))]
pub struct UpdateBookingBody {
    #[schema(value_type = Option<String>, format = Uuid)]
    room_id: Option<RoomId>,
    title: Option<String>,
    #[serde(default, deserialize_with = "super::double_option")]
    description: Option<Option<String>>,
    #[schema(format = DateTime)]
    start: Option<String>,
    #[schema(format = DateTime)]
    end: Option<String>,
    time_zone: Option<String>,
    /// Replaces the invitee list.
    attendees: Option<Vec<AttendeeBody>>,
    google_meet: Option<bool>,
    #[serde(default, deserialize_with = "super::double_option")]
    external_ref: Option<Option<String>>,
    #[schema(value_type = Option<Object>)]
    metadata: Option<serde_json::Value>,
    /// This meeting's reminders; `null` goes back to the organization's and each person's.
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<Object>)]
    reminders: Option<Option<sala_domain::notify::ReminderSettings>>,
}

/// Change a booking (organizer, admins, API keys). Send the version from `GET` as `If-Match` to
/// refuse the change (412) if someone else changed it meanwhile.
#[utoipa::path(patch, path = "/bookings/{id}", tag = "bookings",
    params(("id" = String, Path, format = Uuid), ScopeQuery, ("If-Match" = Option<String>, Header, description = "The ETag from GET")),
    request_body = UpdateBookingBody,
    responses((status = 200, body = BookingView, example = json!(moved_booking_example())),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem)))]
async fn update_booking(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    PathId(id): PathId<BookingId>,
    ApiQuery(q): ApiQuery<ScopeQuery>,
    headers: HeaderMap,
    body: HashedJson<UpdateBookingBody>,
) -> ApiResult<Response> {
    let changes = BookingChanges::try_from(body.value)?;
    let changed =
        bookings::edit_booking(state.store(), state.outside_busy(), &ctx, id, changes, if_match(&headers)?, q.scope)
            .await?;
    let booking = changed.into_iter().next().ok_or(AppError::NotFound { what: "booking" })?;
    one(&state, &ctx, booking).await
}

impl TryFrom<UpdateBookingBody> for BookingChanges {
    type Error = AppError;

    fn try_from(b: UpdateBookingBody) -> Result<Self, AppError> {
        let mut v = Validator::default();
        let start = given(&mut v, "start", b.start.as_deref(), |s| parse_instant("start", s));
        let end = given(&mut v, "end", b.end.as_deref(), |e| parse_instant("end", e));
        let time_zone = given(&mut v, "time_zone", b.time_zone.as_deref(), TimeZoneName::parse);
        v.finish()?;
        Ok(BookingChanges {
            room_id: b.room_id,
            title: b.title,
            description: b.description.map(Option::unwrap_or_default),
            start: start.flatten(),
            end: end.flatten(),
            time_zone: time_zone.flatten(),
            attendees: b.attendees.map(|list| list.into_iter().map(AttendeeInput::from).collect()),
            google_meet: b.google_meet,
            external_ref: b.external_ref.map(Option::unwrap_or_default),
            metadata: b.metadata,
            reminders: b.reminders,
        })
    }
}

/// The booking of the examples moved an hour later, as the example of `UpdateBookingBody` does.
fn moved_booking_example() -> serde_json::Value {
    let mut booking = crate::wire::booking::booking_example();
    booking["start"] = "2027-03-01T11:00:00+01:00".into();
    booking["end"] = "2027-03-01T12:00:00+01:00".into();
    booking["version"] = 2.into();
    booking["updated_at"] = "2027-02-20T16:05:48.239Z".into();
    booking
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "El cliente ha pedido aplazarla"}))]
pub struct CancelBody {
    /// Why: told to everyone involved and kept in the audit log.
    reason: Option<String>,
}

/// Cancel a booking (organizer, admins, API keys). It is not deleted: it stays, and keeps
/// answering `GET /bookings/{id}`, with status `cancelled` and the reason; cancelling again changes
/// nothing. An optional JSON body carries the reason.
#[utoipa::path(delete, path = "/bookings/{id}", tag = "bookings", params(("id" = String, Path, format = Uuid), ScopeQuery),
    request_body(content = Option<CancelBody>, description = "Optional",
        example = json!({"reason": "El cliente ha pedido aplazarla"})),
    responses((status = 200, body = BookingView, example = json!(cancelled_booking_example())),
              (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn cancel_booking(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    PathId(id): PathId<BookingId>,
    ApiQuery(q): ApiQuery<ScopeQuery>,
    OptionalJson(body): OptionalJson<CancelBody>,
) -> ApiResult<Response> {
    let request = CancelRequest { reason: body.reason, scope: q.scope };
    let booking = bookings::cancel_booking(state.store(), &ctx, id, request).await?;
    one(&state, &ctx, booking).await
}

/// The booking of the examples cancelled with the example of `CancelBody`.
fn cancelled_booking_example() -> serde_json::Value {
    let mut booking = crate::wire::booking::booking_example();
    booking["status"] = "cancelled".into();
    booking["cancel_reason"] = "El cliente ha pedido aplazarla".into();
    booking["cancelled_at"] = "2027-02-26T12:14:03.517Z".into();
    booking["version"] = 2.into();
    booking["updated_at"] = "2027-02-26T12:14:03.517Z".into();
    booking
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Bookings that end after this instant (RFC 3339).
    #[param(format = DateTime)]
    from: Option<String>,
    /// Bookings that start before this instant.
    #[param(format = DateTime)]
    to: Option<String>,
    room_id: Option<String>,
    /// The organizer's user id.
    organizer: Option<String>,
    /// `confirmed`, `cancelled` or `released` (nobody checked in in time).
    #[param(schema_with = super::schemas::booking_status)]
    status: Option<BookingStatus>,
    /// Only the booking(s) you tagged with this `external_ref` (exact match): find your CRM
    /// record's booking without keeping Sala's id.
    external_ref: Option<String>,
    /// From `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size, 1-200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"items": [crate::wire::booking::booking_example()],
    "next_cursor": "MTgwMzg5MTYwMDAwMDowMWEzYjgxZC0xYzAxLTdjN2YtOTczYS1kYWU0ODIwMWUyYmQ"}))]
pub struct BookingPage {
    items: Vec<BookingView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    next_cursor: Option<String>,
}

/// List bookings, by start. People see the bookings they organize or attend; admins and API keys
/// see all of the organization's.
#[utoipa::path(get, path = "/bookings", tag = "bookings", params(ListQuery),
    responses((status = 200, body = BookingPage), (status = 400, body = Problem), (status = 422, body = Problem)))]
async fn list_bookings(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<BookingPage>> {
    let parse_id = |field: &str, raw: Option<&str>| -> Result<Option<uuid::Uuid>, AppError> {
        raw.map(|r| {
            r.parse().map_err(|_| AppError::invalid(field, ErrorCode::InvalidId, format!("'{r}' is not an id")))
        })
        .transpose()
    };
    let mut v = Validator::default();
    let from = given(&mut v, "from", q.from.as_deref(), |f| parse_instant("from", f));
    let to = given(&mut v, "to", q.to.as_deref(), |t| parse_instant("to", t));
    v.finish()?;
    let request = bookings::ListRequest {
        from: from.flatten(),
        to: to.flatten(),
        room_id: parse_id("room_id", q.room_id.as_deref())?.map(RoomId),
        organizer: parse_id("organizer", q.organizer.as_deref())?.map(UserId),
        status: q.status,
        external_ref: q.external_ref,
        after: q
            .cursor
            .as_deref()
            .map(crate::wire::cursor::decode)
            .transpose()?
            .map(|(start, id)| (start, BookingId(id))),
        limit: crate::wire::cursor::limit(q.limit, 50, 200)?,
    };
    let (page, next) = bookings::list_bookings(state.store(), &ctx, request).await?;
    let names = Names::load(state.store(), ctx.tenant_id(), &page).await?;
    Ok(Json(BookingPage {
        items: page.into_iter().map(|b| names.view(b)).collect(),
        next_cursor: next.map(|(start, id)| crate::wire::cursor::encode(start, id.0)),
    }))
}

/// One booking as a response, with its ETag.
async fn one(state: &AppState, ctx: &Context, booking: Booking) -> ApiResult<Response> {
    let names = Names::load(state.store(), ctx.tenant_id(), std::slice::from_ref(&booking)).await?;
    let etag = etag(&booking);
    let mut response = Json(names.view(booking)).into_response();
    set_header(&mut response, header::ETAG, &etag);
    Ok(response)
}

fn etag(booking: &Booking) -> String {
    format!("\"{}\"", booking.version)
}

/// `If-Match: "3"` (also `W/"3"` or `3`): the version the client last saw.
/// An optional value of a request: absent is `Some(None)`; given, it must parse (unlike a form's
/// field, an empty one is not "none": the document says what it is), and a bad one is recorded
/// in `v` and `None`.
fn given<T>(
    v: &mut Validator,
    field: &str,
    raw: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, ValueError>,
) -> Option<Option<T>> {
    match raw {
        None => Some(None),
        Some(raw) => v.check(field, parse(raw)).map(Some),
    }
}

fn if_match(headers: &HeaderMap) -> Result<Option<i64>, AppError> {
    let Some(raw) = headers.get(header::IF_MATCH) else { return Ok(None) };
    let text = raw.to_str().unwrap_or_default().trim();
    if text == "*" {
        return Ok(None);
    }
    text.trim_start_matches("W/")
        .trim_matches('"')
        .parse()
        .map(Some)
        .map_err(|_| AppError::invalid("If-Match", ErrorCode::InvalidIfMatch, "send the ETag from GET, like \"3\""))
}

fn set_header(response: &mut Response, name: header::HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().insert(name, value);
    }
}
