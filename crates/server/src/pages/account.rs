//! `/account`: a person's own settings: name, language, time zone, phone for WhatsApp and the
//! opt-in, when to be reminded (or as the organization says), admins the weekly summary email,
//! and their Google Calendar (connect, so bookings land there with a Meet link; or disconnect);
//! and their calendar subscription addresses (feeds): make one for their meetings (admins also for
//! the whole organization), shown once, and revoke any of theirs, room feeds made on a room's page
//! included.

use super::form::{Button, PageForm};
use super::shell::{Nav, Page, Shell};
use super::{render, show_error};
use crate::i18n::Texts;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use sala_app::users::{UserChanges, update_user};
use sala_domain::notify::ReminderSettings;
use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct AccountForm {
    pub csrf: String,
    pub name: String,
    pub locale: String,
    pub time_zone: String,
    pub phone: String,
    pub whatsapp: Option<String>,
    /// `organization`, or `own` with the fields below.
    pub reminders: String,
    pub minutes: String,
    pub remind_whatsapp: Option<String>,
    pub remind_email: Option<String>,
    /// Admins: the weekly summary email.
    pub weekly_report: Option<String>,
}

impl AccountForm {
    pub fn on(value: &Option<String>) -> bool {
        value.is_some()
    }

    pub fn own_reminders(&self) -> bool {
        self.reminders == "own"
    }

    /// The zones to pick from (after "the organization's"), the current one included even if
    /// the list lacks it.
    pub fn zones(&self) -> Vec<&str> {
        let mut zones: Vec<&str> = sala_domain::TimeZoneName::choices().iter().map(String::as_str).collect();
        let current = self.time_zone.trim();
        if !current.is_empty() && !zones.contains(&current) {
            zones.insert(0, current);
        }
        zones
    }
}

/// The person's Google Calendar as the page shows it.
pub enum Calendar {
    /// Sign-in with Google is not configured here.
    Unavailable,
    NotConnected,
    Connected,
    /// Google refused the grant since: connect again.
    Revoked,
}

#[derive(Template)]
#[template(path = "app/account.html")]
pub struct AccountPage {
    pub t: &'static Texts,
    pub shell: Shell,
    pub form: AccountForm,
    pub notice: Option<&'static str>,
    pub problems: Vec<String>,
    pub calendar: Calendar,
    /// The person's calendar feeds, oldest first.
    pub feeds: Vec<FeedLine>,
    /// A feed's URL just made, shown this once.
    pub new_feed: Option<String>,
}

/// One of the person's feeds as the page lists it.
pub struct FeedLine {
    pub id: String,
    /// What it shows, in words ("Sala: Norte").
    pub what: String,
    /// When it was made, on the person's clock.
    pub made: String,
}

/// Which feed the account page makes.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct FeedForm {
    pub csrf: String,
    pub scope: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Done {
    done: Option<String>,
}

fn form_of(shell: &Shell) -> AccountForm {
    let u = &shell.user;
    let own = u.reminders.clone();
    let shown = own.clone().unwrap_or_else(|| shell.tenant.reminders.clone());
    AccountForm {
        name: u.name.clone(),
        locale: u.locale.map(|l| l.as_str().to_owned()).unwrap_or_default(),
        time_zone: u.time_zone.as_ref().map(|z| z.as_str().to_owned()).unwrap_or_default(),
        phone: u.phone.as_ref().map(ToString::to_string).unwrap_or_default(),
        whatsapp: u.whatsapp_opt_in.then(|| "on".to_owned()),
        reminders: if own.is_some() { "own" } else { "organization" }.to_owned(),
        minutes: shown.minutes_before.iter().map(u32::to_string).collect::<Vec<_>>().join(", "),
        remind_whatsapp: shown.whatsapp.then(|| "on".to_owned()),
        remind_email: shown.email.then(|| "on".to_owned()),
        weekly_report: u.weekly_report.then(|| "on".to_owned()),
        ..AccountForm::default()
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/account", get(account_page).post(account_post))
        .route("/account/calendar/disconnect", post(disconnect_post))
        .route("/account/feeds", post(create_feed_post))
        .route("/account/feeds/{id}/delete", post(delete_feed_post))
}

/// The label under which a new feed's URL travels to the page (see `admin::redirect_with_secret`).
pub(crate) const NEW_FEED: &str = "feed";

async fn account_page(
    State(state): State<AppState>,
    Page(shell): Page,
    Query(done): Query<Done>,
    headers: axum::http::HeaderMap,
) -> Response {
    let (secret, forget) = super::admin::take_secret(&state, &headers);
    let new_feed = secret.filter(|(label, _)| label == NEW_FEED).map(|(_, url)| url);
    let notice = if new_feed.is_some() { None } else { done.done.map(|_| shell.t.saved_notice) };
    let form = form_of(&shell);
    let response = page(&state, shell, form, notice, Vec::new(), StatusCode::OK, new_feed).await;
    crate::web::with_cookie(response, forget)
}

/// Makes a feed of the person's meetings (or, for admins, the organization's) and shows its URL
/// once on the account page.
async fn create_feed_post(State(state): State<AppState>, PageForm(shell, form): PageForm<FeedForm>) -> Response {
    let input = sala_app::feeds::NewFeed { scope: form.scope, room_id: None };
    match sala_app::feeds::create_feed(state.store(), &shell.ctx(), input).await {
        Ok(created) => {
            let url = created.url(&state.settings.base_url);
            super::admin::redirect_with_secret(&state, "/account", NEW_FEED, &url)
        }
        Err(err) => show_error(shell.t, &err),
    }
}

/// Revokes one of the person's feeds: its URL stops working at once.
async fn delete_feed_post(
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<String>,
    PageForm(shell, _): PageForm<Button>,
) -> Response {
    let Ok(id) = id.parse::<sala_domain::FeedId>() else {
        return show_error(shell.t, &sala_app::AppError::NotFound { what: "feed" });
    };
    match sala_app::feeds::delete_feed(state.store(), &shell.ctx(), id).await {
        Ok(()) | Err(sala_app::AppError::NotFound { .. }) => Redirect::to("/account?done=revoked").into_response(),
        Err(err) => show_error(shell.t, &err),
    }
}

async fn account_post(State(state): State<AppState>, PageForm(shell, form): PageForm<AccountForm>) -> Response {
    save(&state, shell, form).await
}

async fn disconnect_post(State(state): State<AppState>, PageForm(shell, _): PageForm<Button>) -> Response {
    disconnect_calendar(&state, shell).await
}

async fn page(
    state: &AppState,
    shell: Shell,
    form: AccountForm,
    notice: Option<&'static str>,
    problems: Vec<String>,
    status: StatusCode,
    new_feed: Option<String>,
) -> Response {
    let calendar = if !state.google.enabled() {
        Calendar::Unavailable
    } else {
        match sala_app::google_connections::status(state.store(), &shell.ctx()).await {
            Ok(Some(c)) if c.is_connected() => Calendar::Connected,
            Ok(Some(_)) => Calendar::Revoked,
            Ok(None) => Calendar::NotConnected,
            Err(err) => return show_error(shell.t, &err),
        }
    };
    let feeds = match feed_lines(state, &shell).await {
        Ok(feeds) => feeds,
        Err(err) => return show_error(shell.t, &err),
    };
    let page = AccountPage { t: shell.t, shell, form, notice, problems, calendar, feeds, new_feed };
    let response = (status, render(&page)).into_response();
    page.shell.finish(response)
}

/// The person's feeds in words, with when each was made.
async fn feed_lines(state: &AppState, shell: &Shell) -> Result<Vec<FeedLine>, sala_app::AppError> {
    use sala_domain::FeedScope;
    let t = shell.t;
    let zone = shell.zone();
    let mut lines = Vec::new();
    for feed in sala_app::feeds::list_feeds(state.store(), &shell.ctx()).await? {
        let what = match (feed.scope, feed.room_id) {
            (FeedScope::Me, _) => t.feeds_scope_me.to_owned(),
            (FeedScope::Organization, _) => t.feeds_scope_organization.to_owned(),
            (FeedScope::Room, room) => {
                let name = match room {
                    Some(id) => state.store().get_room(shell.tenant.id, id).await?.map(|r| r.name).unwrap_or_default(),
                    None => String::new(),
                };
                format!("{}: {name}", t.feeds_scope_room)
            }
        };
        let made = sala_domain::dates::zoned(feed.created_at, &zone)
            .map(|z| z.strftime("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default();
        lines.push(FeedLine { id: feed.id.to_string(), what, made });
    }
    Ok(lines)
}

async fn save(state: &AppState, shell: Shell, form: AccountForm) -> Response {
    let t = shell.t;
    let reminders = if form.own_reminders() {
        let minutes: Result<Vec<u32>, _> =
            form.minutes.split(',').map(str::trim).filter(|m| !m.is_empty()).map(str::parse::<u32>).collect();
        let Ok(minutes) = minutes else {
            return page(
                state,
                shell,
                form,
                None,
                vec![t.err_numbers.to_owned()],
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
            )
            .await;
        };
        Some(ReminderSettings {
            minutes_before: minutes,
            whatsapp: AccountForm::on(&form.remind_whatsapp),
            email: AccountForm::on(&form.remind_email),
            ..ReminderSettings::default()
        })
    } else {
        None
    };
    let locale = match super::error::choice(t, &form.locale, sala_domain::Locale::parse) {
        Ok(locale) => locale,
        Err(problem) => {
            return page(state, shell, form, None, vec![problem], StatusCode::UNPROCESSABLE_ENTITY, None).await;
        }
    };
    let changes = UserChanges {
        name: Some(form.name.clone()),
        locale: Some(locale),
        time_zone: Some(form.time_zone.clone()),
        phone: Some(form.phone.clone()),
        whatsapp_opt_in: Some(AccountForm::on(&form.whatsapp)),
        reminders: Some(reminders),
        weekly_report: shell.user.is_admin().then(|| AccountForm::on(&form.weekly_report)),
        ..UserChanges::default()
    };
    match update_user(state.store(), &shell.ctx(), shell.user.id, changes).await {
        Ok(_) => Redirect::to("/account?done=saved").into_response(),
        Err(sala_app::AppError::Invalid(fields)) => {
            let problems = fields.iter().map(|f| super::error::message(t, f)).collect();
            page(state, shell, form, None, problems, StatusCode::UNPROCESSABLE_ENTITY, None).await
        }
        Err(err) => show_error(t, &err),
    }
}

async fn disconnect_calendar(state: &AppState, shell: Shell) -> Response {
    match sala_app::google_connections::disconnect(state.store(), &shell.ctx(), &state.calendar).await {
        Ok(()) => Redirect::to("/account?done=disconnected").into_response(),
        Err(err) => show_error(shell.t, &err),
    }
}
