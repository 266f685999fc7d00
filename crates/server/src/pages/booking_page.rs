//! `/bookings/{id}`: one booking as a person reads it (when in their zone, where, who, the Meet
//! link), with, for its organizer and admins, what was sent to whom and its history; and the
//! cancellation, which asks first and takes a reason.

use super::error::{OrPage, PageError, PageResult, id_from};
use super::form::PageForm;
use super::meet::MeetShown;
use super::shell::{Nav, Page, Shell};
use super::{render, show_error};
use crate::i18n::Texts;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use sala_app::AppError;
use sala_app::bookings::{CancelRequest, Scope, cancel_booking, deliveries, get_booking, history};
use sala_domain::attendance::{Answer, Reply};
use sala_domain::dates::{when, zoned};
use sala_domain::tenant::CalendarService;
use sala_domain::video::VideoService;
use sala_domain::{Booking, BookingId, BookingStatus, Millis};
use serde::Deserialize;

pub struct Guest {
    pub email: String,
    pub name: Option<String>,
    pub internal: bool,
    /// When they checked in (on the reader's clock), if they did.
    pub checked_in: Option<String>,
    /// Their answer to the invitation, in words.
    pub answer: Option<&'static str>,
}

pub struct Sent {
    pub at: String,
    pub channel: &'static str,
    pub recipient: String,
    pub status: &'static str,
    pub detail: String,
}

pub struct Change {
    pub at: String,
    pub action: String,
    pub by: String,
}

#[derive(Template)]
#[template(path = "app/booking.html")]
pub struct BookingPage {
    pub t: &'static Texts,
    pub shell: Shell,
    pub booking: Booking,
    pub when: String,
    pub room: String,
    pub organizer: String,
    pub guests: Vec<Guest>,
    pub notice: Option<&'static str>,
    /// A new series: the dates left out, in words.
    pub skipped: Option<String>,
    /// For each date left out, a room free then, one tap from a meeting of its own there.
    pub elsewhere: Vec<super::elsewhere::Offer>,
    pub may_change: bool,
    pub sent: Vec<Sent>,
    pub changes: Vec<Change>,
    /// The Meet line, when there is something to say.
    pub meet: Option<MeetShown>,
    /// This meeting's reminders, in words.
    pub reminder: String,
    /// The guests' answers in a line: "2 sí · 1 no · 1 sin respuesta".
    pub answers: String,
    /// A series' occurrence: how the series repeats, in words.
    pub repeats: Option<String>,
    /// The reader is invited (not the organizer): `Some` with their answer so far, if any.
    pub my_answer: Option<Option<Answer>>,
}

impl BookingPage {
    /// The name of the meeting's video service: its link's, else (the link still to come) the
    /// organization's calendar service's, else a video call (a virtual room's standing link).
    pub fn video_name(&self) -> &'static str {
        let by_link = self.booking.meet_link.as_deref().map(VideoService::of);
        match by_link {
            Some(VideoService::GoogleMeet) => "Google Meet",
            Some(VideoService::MicrosoftTeams) => "Microsoft Teams",
            Some(VideoService::Other) => self.t.video_call,
            None if !self.booking.google_meet => self.t.video_call,
            None => match self.shell.tenant.calendar_service {
                CalendarService::Microsoft => "Microsoft Teams",
                CalendarService::Google => "Google Meet",
            },
        }
    }

    /// The join link's words, by the service the link belongs to.
    pub fn join_text(&self, link: &str) -> &'static str {
        match VideoService::of(link) {
            VideoService::GoogleMeet => self.t.join_meet,
            VideoService::MicrosoftTeams => self.t.join_teams,
            VideoService::Other => self.t.join_video,
        }
    }

    pub fn status_text(&self) -> &'static str {
        match self.booking.status {
            BookingStatus::Confirmed => self.t.status_confirmed,
            BookingStatus::Cancelled => self.t.status_cancelled,
            BookingStatus::Released => self.t.status_released,
        }
    }

    pub fn is_confirmed(&self) -> bool {
        self.booking.is_confirmed()
    }

    /// An invitee may still answer: the meeting is on and not over.
    pub fn takes_answers(&self) -> bool {
        self.my_answer.is_some() && self.is_confirmed() && self.booking.time.end > sala_domain::now_millis()
    }

    /// Whether the reader's answer so far is `value` (for `aria-pressed`).
    pub fn answered(&self, value: &str) -> bool {
        self.my_answer.flatten().is_some_and(|a| a.as_str() == value)
    }
}

#[derive(Template)]
#[template(path = "app/cancel.html")]
pub struct CancelPage {
    pub t: &'static Texts,
    pub shell: Shell,
    pub booking: Booking,
    pub when: String,
    pub in_series: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Done {
    done: Option<String>,
    /// A new series' dates left out because the room was taken (their starts, in milliseconds).
    skipped: Option<String>,
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/bookings/{id}", get(booking_page))
        .route("/bookings/{id}/cancel", get(cancel_page).post(cancel_post))
        .route("/bookings/{id}/answer", post(answer_post))
        .route("/bookings/{id}/calendar.ics", get(calendar_file))
}

/// The booking as a calendar file to add to one's calendar (`METHOD:PUBLISH`, the invitation's
/// UID); a series' occurrence gives the whole series as the reader sees it (see
/// `sala_app::feeds::booking_calendar` for why).
async fn calendar_file(
    State(state): State<AppState>,
    Page(shell): Page,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
) -> PageResult {
    let id: BookingId = id_from(shell.t, &id, "booking")?;
    let file = sala_app::feeds::booking_calendar(state.store(), &shell.ctx(), id, &state.settings.host())
        .await
        .or_page(shell.t)?;
    let response = super::feed::calendar_response(&file, &headers, Some(&format!("sala-{id}.ics")));
    Ok(shell.finish(response))
}

async fn booking_page(
    State(state): State<AppState>,
    Page(shell): Page,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> PageResult {
    let id = id_from(shell.t, &id, "booking")?;
    Ok(show(&state, shell, id, done).await)
}

async fn cancel_page(State(state): State<AppState>, Page(shell): Page, Path(id): Path<String>) -> PageResult {
    let id = id_from(shell.t, &id, "booking")?;
    Ok(cancel_form(&state, shell, id).await)
}

async fn cancel_post(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(shell, form): PageForm<CancelForm>,
) -> PageResult {
    let id = id_from(shell.t, &id, "booking")?;
    Ok(cancel(&state, shell, id, form).await)
}

async fn show(state: &AppState, shell: Shell, id: BookingId, done: Done) -> Response {
    match build(state, shell, id, done).await {
        Ok(page) => {
            let response = render(&page);
            page.shell.finish(response)
        }
        Err((t, err)) => show_error(t, &err),
    }
}

async fn build(
    state: &AppState,
    shell: Shell,
    id: BookingId,
    done: Done,
) -> Result<BookingPage, (&'static Texts, AppError)> {
    let t = shell.t;
    let fail = |err| (t, err);
    let ctx = shell.ctx();
    let booking = get_booking(state.store(), &ctx, id).await.map_err(fail)?;
    let zone = shell.zone();
    let room = state.store().get_room(ctx.tenant_id(), booking.room_id).await.map_err(AppError::from).map_err(fail)?;
    let organizer =
        state.store().get_user(ctx.tenant_id(), booking.organizer_id).await.map_err(AppError::from).map_err(fail)?;
    let may_change = booking.organizer_id == shell.user.id || shell.user.is_admin();
    let at = |ms: Millis| zoned(ms, &zone).map(|z| z.strftime("%Y-%m-%d %H:%M").to_string()).unwrap_or_default();
    let (sent, changes) = if may_change {
        let sent = deliveries(state.store(), &ctx, id).await.map_err(fail)?;
        let trail = history(state.store(), &ctx, id).await.map_err(fail)?;
        (
            sent.into_iter()
                .map(|d| Sent {
                    at: at(d.created_at),
                    channel: crate::i18n::words::channel(shell.locale, d.channel),
                    recipient: d.recipient,
                    status: crate::i18n::words::delivery_status(shell.locale, d.status),
                    detail: d.detail.unwrap_or_default(),
                })
                .collect(),
            changes(state, &ctx, t, trail, &at).await,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let notice = match done.done.as_deref() {
        Some("created") => Some(t.created_notice),
        Some("updated") => Some(t.updated_notice),
        Some("cancelled") => Some(t.cancelled_notice),
        Some("answered") => Some(t.rsvp_saved_in_app),
        _ => None,
    };
    let skipped_starts = super::elsewhere::skipped_starts(done.skipped.as_deref());
    let skipped = (!skipped_starts.is_empty())
        .then(|| t.series_skipped.replace("{dates}", &sala_domain::dates::dates(shell.locale, &skipped_starts, &zone)));
    let elsewhere = if may_change && booking.is_confirmed() {
        super::elsewhere::offers(state, &shell, &booking, &skipped_starts).await
    } else {
        Vec::new()
    };
    let meet_access = super::meet::access(state, ctx.tenant_id(), booking.organizer_id).await.map_err(fail)?;
    let gave_up = booking.google_meet
        && booking.meet_link.is_none()
        && sala_app::calendar::gave_up(state.store(), ctx.tenant_id(), booking.id)
            .await
            .map_err(AppError::from)
            .map_err(fail)?;
    let meet = super::meet::shown(&booking, room.as_ref(), meet_access, gave_up, shell.user.id);
    let came = sala_app::bookings::attendance(state.store(), &ctx, id).await.map_err(fail)?;
    let checked_in = |email: &str| {
        came.iter()
            .find(|a| a.email.as_str().eq_ignore_ascii_case(email))
            .and_then(|a| a.check_in.as_ref())
            .and_then(|c| zoned(c.at, &zone))
            .map(|z| z.strftime("%H:%M").to_string())
    };
    let replies = sala_app::rsvp::replies(state.store(), &ctx, id).await.map_err(fail)?;
    let answer_of = |email: &str| {
        replies
            .iter()
            .find(|r| r.email.as_str().eq_ignore_ascii_case(email))
            .map(|r| super::rsvp::answer_text(t, r.answer))
    };
    let me = booking.attendees.iter().find(|a| a.user_id == Some(shell.user.id));
    let my_answer = me
        .filter(|_| booking.organizer_id != shell.user.id)
        .map(|a| replies.iter().find(|r| r.email.as_str().eq_ignore_ascii_case(a.email.as_str())).map(|r| r.answer));
    let answers = answers_line(t, booking.attendees.len(), &replies);
    let repeats = series_words(state, &shell, &booking).await.map_err(fail)?;
    let guests = booking
        .attendees
        .iter()
        .map(|a| Guest {
            email: a.email.to_string(),
            name: a.name.clone(),
            internal: a.user_id.is_some(),
            checked_in: checked_in(a.email.as_str()),
            answer: answer_of(a.email.as_str()),
        })
        .collect();
    Ok(BookingPage {
        t,
        when: when(shell.locale, booking.time, &zone),
        room: room.map(|r| r.name).unwrap_or_default(),
        organizer: organizer.map(|o| format!("{} <{}>", o.name, o.email)).unwrap_or_default(),
        guests,
        notice,
        skipped,
        elsewhere,
        may_change,
        sent,
        changes,
        meet,
        reminder: super::booking_form::reminder_label(
            t,
            &super::booking_form::reminder_value(booking.reminders.as_ref()),
        ),
        answers,
        repeats,
        my_answer,
        booking,
        shell,
    })
}

/// How the booking's series repeats ("cada semana, 10 veces, hasta el martes, 23 de marzo de
/// 2027"), counting the occurrences still confirmed; `None` for a booking on its own.
async fn series_words(state: &AppState, shell: &Shell, booking: &Booking) -> Result<Option<String>, AppError> {
    let Some(series_id) = booking.series_id else { return Ok(None) };
    let tenant = shell.tenant.id;
    let Some(series) = state.store().get_series(tenant, series_id).await? else { return Ok(None) };
    let query = sala_store::BookingQuery {
        series_id: Some(series_id),
        status: Some(BookingStatus::Confirmed),
        limit: 1000,
        ..Default::default()
    };
    let occurrences = state.store().list_bookings(tenant, &query).await?;
    let first = occurrences.iter().map(|b| b.time.start).min().unwrap_or(booking.time.start);
    let last = occurrences.iter().map(|b| b.time.start).max().unwrap_or(booking.time.start);
    Ok(Some(sala_domain::dates::repeats(shell.locale, &series.rule, first, occurrences.len(), last, &shell.zone())))
}

/// The guests' answers counted: "2 sí · 1 quizá · 1 sin respuesta" (counts of none left out).
pub(super) fn answers_line(t: &Texts, guests: usize, replies: &[Reply]) -> String {
    let count = |answer: Answer| replies.iter().filter(|r| r.answer == answer).count();
    let unanswered = guests.saturating_sub(replies.len());
    [
        (count(Answer::Accepted), t.answers_yes),
        (count(Answer::Tentative), t.answers_maybe),
        (count(Answer::Declined), t.answers_no),
        (unanswered, t.answers_none),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, words)| format!("{n} {words}"))
    .collect::<Vec<_>>()
    .join(" · ")
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AnswerForm {
    pub csrf: String,
    pub answer: String,
    /// Where to come back to: the booking's page (default) or the dashboard.
    pub back: String,
}

/// An invitee's answer from the app: the booking's page or the dashboard.
async fn answer_post(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(shell, form): PageForm<AnswerForm>,
) -> PageResult {
    let id = id_from(shell.t, &id, "booking")?;
    let Some(answer) = Answer::parse(&form.answer) else { return Err(PageError::bad_form(shell.t)) };
    sala_app::rsvp::answer_as_invitee(state.store(), &shell.ctx(), id, answer).await.or_page(shell.t)?;
    let back = match super::safe_return_path(&form.back) {
        "/" => "/?done=answered".to_owned(),
        _ => format!("/bookings/{id}?done=answered"),
    };
    Ok(Redirect::to(&back).into_response())
}

/// The booking's history in the reader's words: what happened, when, and who did it.
async fn changes(
    state: &AppState,
    ctx: &sala_app::Context,
    t: &'static Texts,
    trail: Vec<sala_domain::AuditEntry>,
    at: &impl Fn(Millis) -> String,
) -> Vec<Change> {
    let mut names = std::collections::HashMap::new();
    let mut out = Vec::new();
    for entry in trail {
        let by = match entry.actor {
            sala_domain::Actor::User(id) => match names.get(&id) {
                Some(name) => String::clone(name),
                None => {
                    let user = state.store().get_user(ctx.tenant_id(), id).await.ok().flatten();
                    let name = user.map(|u| u.name).unwrap_or_default();
                    names.insert(id, name.clone());
                    name
                }
            },
            sala_domain::Actor::ApiKey(_) => t.by_integration.to_owned(),
            sala_domain::Actor::System => "Sala".to_owned(),
        };
        let action = match entry.action.as_str() {
            "booking.created" => t.act_created.to_owned(),
            "booking.updated" => t.act_updated.to_owned(),
            sala_domain::audit::GUESTS_INVITED => t.act_guests_invited.to_owned(),
            "booking.cancelled" => t.act_cancelled.to_owned(),
            "booking.checked_in" => t.act_checked_in.to_owned(),
            "booking.released" => t.act_released.to_owned(),
            "booking.edit_denied" | "booking.cancel_denied" | "booking.check_in_denied" => t.act_denied.to_owned(),
            other => {
                let locale = sala_domain::Locale::parse(t.lang).unwrap_or(sala_domain::Locale::Es);
                crate::i18n::words::audit_action(locale, other).into_owned()
            }
        };
        out.push(Change { at: at(entry.at), action, by });
    }
    out
}

async fn cancel_form(state: &AppState, shell: Shell, id: BookingId) -> Response {
    let booking = match get_booking(state.store(), &shell.ctx(), id).await {
        Ok(b) => b,
        Err(err) => return show_error(shell.t, &err),
    };
    if booking.organizer_id != shell.user.id && !shell.user.is_admin() {
        return PageError::forbidden(shell.t).into_response();
    }
    let page = CancelPage {
        t: shell.t,
        when: when(shell.locale, booking.time, &shell.zone()),
        in_series: booking.series_id.is_some(),
        booking,
        shell,
    };
    let response = render(&page);
    page.shell.finish(response)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CancelForm {
    pub csrf: String,
    pub reason: String,
    pub scope: Option<String>,
}

async fn cancel(state: &AppState, shell: Shell, id: BookingId, form: CancelForm) -> Response {
    let scope = if form.scope.as_deref() == Some("following") { Scope::ThisAndFollowing } else { Scope::This };
    let request = CancelRequest { reason: Some(form.reason).filter(|r| !r.trim().is_empty()), scope };
    match cancel_booking(state.store(), &shell.ctx(), id, request).await {
        Ok(_) => Redirect::to(&format!("/bookings/{id}?done=cancelled")).into_response(),
        Err(err) => show_error(shell.t, &err),
    }
}
