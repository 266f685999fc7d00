//! Server-rendered pages. Each page works without JavaScript; forms carry a CSRF token; all text
//! is escaped by the templates.

mod account;
mod admin;
mod booking_form;
mod booking_page;
mod dashboard;
mod kiosk;
mod my_bookings;
mod outbox;
pub(crate) mod rsvp;
mod shell;

use crate::auth::{MaybeUser, cookies, csrf, sign_in_response};
use crate::i18n::{self, Texts};
use crate::state::AppState;
pub(crate) use crate::web::{error_page, private, render, safe_return_path, with_cookie};
use askama::Template;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use sala_domain::{BookingId, Locale, User};
use serde::Deserialize;
use shell::{Nav, Page, Shell};

/// The pages router: `/`, sign-out, the dev login (dev mode only), Google sign-in, rooms' kiosks,
/// the stylesheet.
pub fn routes(dev: bool) -> Router<AppState> {
    let mut router = Router::new()
        .route("/", get(home))
        .route("/signout", post(sign_out))
        .route("/language", post(language))
        .route("/account", get(account_page).post(save_account))
        .route("/account/calendar/disconnect", post(disconnect_calendar))
        .route("/bookings", get(my_bookings_page))
        .route("/bookings/new", get(new_booking).post(create_booking))
        .route("/bookings/check", get(check_slot))
        .route("/bookings/{id}", get(booking))
        .route("/bookings/{id}/edit", get(edit_booking).post(update_booking))
        .route("/bookings/{id}/cancel", get(cancel_form).post(cancel_booking))
        .route("/static/app.css", get(stylesheet))
        .route("/static/app.js", get(script))
        .merge(kiosk::routes())
        .merge(admin::routes())
        .merge(rsvp::routes())
        .merge(crate::auth::google::routes());
    if dev {
        router = router.route("/dev/login", post(dev_login)).merge(outbox::routes());
    }
    router
}

/// The language for a page: the person's, else their tenant's, else the browser's.
async fn page_locale(state: &AppState, user: Option<&User>, headers: &HeaderMap) -> Locale {
    if let Some(user) = user {
        if let Some(locale) = user.locale {
            return locale;
        }
        if let Ok(Some(tenant)) = state.store().get_tenant(user.tenant_id).await {
            return tenant.locale;
        }
    }
    if let Some(chosen) = cookies::read(headers, LANG_COOKIE).and_then(|l| Locale::parse(&l).ok()) {
        return chosen;
    }
    i18n::from_accept_language(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()))
}

async fn home(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    headers: HeaderMap,
    uri: OriginalUri,
    Query(q): Query<dashboard::DashboardQuery>,
) -> Response {
    match user {
        Some(user) => match Shell::load(&state, user, &headers, path_of(&uri), Some(Nav::Home)).await {
            Ok(shell) => dashboard::dashboard(&state, shell, q).await,
            Err(err) => show_error(i18n::texts(Locale::Es), &err),
        },
        None => {
            let t = i18n::texts(page_locale(&state, None, &headers).await);
            let (csrf, set_cookie) = csrf::ensure(&headers, state.settings.secure_cookies());
            with_cookie(landing(&state, t, csrf).await, set_cookie)
        }
    }
}

/// The sign-in page: Google, and in dev mode the demo people.
#[derive(Template)]
#[template(path = "landing.html")]
pub struct Landing {
    pub t: &'static Texts,
    pub csrf: String,
    pub google_enabled: bool,
    pub dev_people: Vec<User>,
}

async fn landing(state: &AppState, t: &'static Texts, csrf: String) -> Response {
    let dev_people = if state.settings.dev { demo_people(state).await } else { Vec::new() };
    render(&Landing { t, csrf, google_enabled: state.google.enabled(), dev_people })
}

/// The request's path and query, for coming back to it.
fn path_of(uri: &OriginalUri) -> String {
    uri.0.path_and_query().map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned())
}

/// A booking id from the path; anything else is a page that does not exist.
fn booking_id(raw: &str) -> Option<BookingId> {
    raw.parse::<BookingId>().ok()
}

async fn my_bookings_page(
    State(state): State<AppState>,
    Page(shell): Page,
    Query(q): Query<my_bookings::MyBookingsQuery>,
) -> Response {
    my_bookings::page(&state, shell.at(Nav::MyBookings), q).await
}

async fn new_booking(
    State(state): State<AppState>,
    Page(shell): Page,
    Query(prefill): Query<booking_form::Prefill>,
) -> Response {
    booking_form::new_form(&state, shell.at(Nav::NewBooking), prefill).await
}

/// For the booking form's script: whether the chosen slot is free, with suggestions if not.
async fn check_slot(
    State(state): State<AppState>,
    Page(shell): Page,
    Query(q): Query<booking_form::CheckQuery>,
) -> Response {
    axum::Json(booking_form::check(&state, &shell, q).await).into_response()
}

async fn create_booking(
    State(state): State<AppState>,
    Page(shell): Page,
    Form(form): Form<booking_form::BookingForm>,
) -> Response {
    let shell = shell.at(Nav::NewBooking);
    if let Some(refused) = shell.refused(&form.csrf) {
        return refused;
    }
    booking_form::create(&state, shell, form).await
}

async fn booking(
    State(state): State<AppState>,
    Page(shell): Page,
    Path(id): Path<String>,
    Query(done): Query<booking_page::Done>,
) -> Response {
    match booking_id(&id) {
        Some(id) => booking_page::show(&state, shell, id, done).await,
        None => show_error(shell.t, &sala_app::AppError::NotFound { what: "booking" }),
    }
}

async fn edit_booking(
    State(state): State<AppState>,
    Page(shell): Page,
    Path(id): Path<String>,
    Query(prefill): Query<booking_form::Prefill>,
) -> Response {
    match booking_id(&id) {
        Some(id) => booking_form::edit_form(&state, shell, id, prefill).await,
        None => show_error(shell.t, &sala_app::AppError::NotFound { what: "booking" }),
    }
}

async fn update_booking(
    State(state): State<AppState>,
    Page(shell): Page,
    Path(id): Path<String>,
    Form(form): Form<booking_form::BookingForm>,
) -> Response {
    if let Some(refused) = shell.refused(&form.csrf) {
        return refused;
    }
    match booking_id(&id) {
        Some(id) => booking_form::update(&state, shell, id, form).await,
        None => show_error(shell.t, &sala_app::AppError::NotFound { what: "booking" }),
    }
}

async fn cancel_form(State(state): State<AppState>, Page(shell): Page, Path(id): Path<String>) -> Response {
    match booking_id(&id) {
        Some(id) => booking_page::cancel_form(&state, shell, id).await,
        None => show_error(shell.t, &sala_app::AppError::NotFound { what: "booking" }),
    }
}

async fn cancel_booking(
    State(state): State<AppState>,
    Page(shell): Page,
    Path(id): Path<String>,
    Form(form): Form<booking_page::CancelForm>,
) -> Response {
    if let Some(refused) = shell.refused(&form.csrf) {
        return refused;
    }
    match booking_id(&id) {
        Some(id) => booking_page::cancel(&state, shell, id, form).await,
        None => show_error(shell.t, &sala_app::AppError::NotFound { what: "booking" }),
    }
}

async fn account_page(State(state): State<AppState>, Page(shell): Page, Query(done): Query<account::Done>) -> Response {
    account::show(&state, shell, done).await
}

async fn save_account(
    State(state): State<AppState>,
    Page(shell): Page,
    Form(form): Form<account::AccountForm>,
) -> Response {
    if let Some(refused) = shell.refused(&form.csrf) {
        return refused;
    }
    account::save(&state, shell, form).await
}

async fn disconnect_calendar(State(state): State<AppState>, Page(shell): Page, Form(form): Form<CsrfForm>) -> Response {
    if let Some(refused) = shell.refused(&form.csrf) {
        return refused;
    }
    account::disconnect_calendar(&state, shell).await
}

#[derive(Deserialize)]
struct LanguageForm {
    csrf: String,
    lang: String,
    #[serde(default)]
    back: String,
}

/// The language switch in the header: a signed-in person's choice is saved with them; anyone's
/// is kept in a cookie too (the sign-in page has no person yet).
async fn language(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    headers: HeaderMap,
    Form(form): Form<LanguageForm>,
) -> Response {
    let Ok(locale) = Locale::parse(&form.lang) else {
        return error_page(i18n::texts(Locale::Es), StatusCode::BAD_REQUEST, "?", "es | en");
    };
    let t = i18n::texts(locale);
    if !csrf::verify(&headers, &form.csrf, &state.settings.base_url) {
        return form_expired(t);
    }
    if let Some(user) = user {
        let ctx = sala_app::Context::new(sala_app::Principal::User(user.clone()));
        let changes = sala_app::users::UserChanges { locale: Some(form.lang.clone()), ..Default::default() };
        if let Err(err) = sala_app::users::update_user(state.store(), &ctx, user.id, changes).await {
            return show_error(t, &err);
        }
    }
    let cookie = cookies::set(LANG_COOKIE, locale.as_str(), Some(365 * 24 * 3600), state.settings.secure_cookies());
    with_cookie(Redirect::to(safe_return_path(&form.back)).into_response(), Some(cookie))
}

/// The anonymous visitor's language choice.
const LANG_COOKIE: &str = "sala_lang";

/// An error from a use case as a readable page in the reader's language.
fn show_error(t: &'static Texts, err: &sala_app::AppError) -> Response {
    use sala_app::AppError;
    match err {
        AppError::NotFound { .. } => error_page(t, StatusCode::NOT_FOUND, t.not_found_title, t.not_found),
        AppError::Forbidden { .. } => error_page(t, StatusCode::FORBIDDEN, t.forbidden_title, t.forbidden),
        AppError::Unauthenticated => Redirect::to("/").into_response(),
        AppError::Invalid(fields) => {
            let said: Vec<String> = fields.iter().map(|f| booking_form::message(t, f)).collect();
            error_page(t, StatusCode::UNPROCESSABLE_ENTITY, t.error_title, &said.join(" "))
        }
        AppError::PreconditionFailed { .. } => {
            error_page(t, StatusCode::PRECONDITION_FAILED, t.error_title, t.err_changed)
        }
        AppError::Conflict { .. } | AppError::BookingConflict(_) => {
            error_page(t, StatusCode::CONFLICT, t.error_title, &err.to_string())
        }
        AppError::SignInRefused { message, .. } => error_page(t, StatusCode::FORBIDDEN, t.forbidden_title, message),
        AppError::Internal(cause) => {
            tracing::error!(error = %cause, "page failed");
            error_page(t, StatusCode::INTERNAL_SERVER_ERROR, t.error_title, t.try_again)
        }
    }
}

fn forbidden_form(t: &'static Texts) -> Response {
    error_page(t, StatusCode::FORBIDDEN, t.forbidden_title, t.forbidden)
}

fn form_expired(t: &'static Texts) -> Response {
    error_page(t, StatusCode::FORBIDDEN, t.error_title, t.form_expired)
}

/// The demo tenant's people, for the dev login list.
async fn demo_people(state: &AppState) -> Vec<User> {
    let Ok(Some(tenant)) = state.store().tenant_by_slug(sala_app::demo::DEMO_SLUG).await else {
        return Vec::new();
    };
    let query = sala_store::UserQuery { text: String::new(), limit: 100, include_inactive: false };
    state.store().search_users(tenant.id, &query).await.unwrap_or_default()
}

#[derive(Deserialize)]
struct DevLoginForm {
    csrf: String,
    user_id: String,
}

/// Dev mode only: sign in as a person of the demo tenant without Google.
async fn dev_login(State(state): State<AppState>, headers: HeaderMap, Form(form): Form<DevLoginForm>) -> Response {
    let t = i18n::texts(i18n::from_accept_language(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok())));
    if !csrf::verify(&headers, &form.csrf, &state.settings.base_url) {
        return error_page(
            t,
            StatusCode::FORBIDDEN,
            "CSRF",
            "The form expired. Go back, reload the page and try again.",
        );
    }
    let person = match form.user_id.parse() {
        Ok(id) => demo_people(&state).await.into_iter().find(|u| u.id == id),
        Err(_) => None,
    };
    let Some(person) = person else {
        return error_page(t, StatusCode::BAD_REQUEST, "?", "That person is not part of the demo organization.");
    };
    match sala_app::sign_in::admit(state.store(), person).await {
        Ok(user) => sign_in_response(&state, &user, "/").await,
        Err(err) => error_page(t, StatusCode::FORBIDDEN, "Sign-in refused", &err.to_string()),
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn sign_out(State(state): State<AppState>, headers: HeaderMap, Form(form): Form<CsrfForm>) -> Response {
    if !csrf::verify(&headers, &form.csrf, &state.settings.base_url) {
        let t = i18n::texts(Locale::Es);
        return error_page(
            t,
            StatusCode::FORBIDDEN,
            "CSRF",
            "The form expired. Go back, reload the page and try again.",
        );
    }
    if let Some(token) = cookies::read(&headers, cookies::SESSION)
        && let Err(err) = sala_app::sessions::end_session(state.store(), &token).await
    {
        tracing::error!(%err, "could not end session");
    }
    let clear = cookies::clear(cookies::SESSION, state.settings.secure_cookies());
    with_cookie(Redirect::to("/").into_response(), Some(clear))
}

async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../static/app.css"),
    )
}

/// The pages' one script: it only improves what already works without it.
async fn script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../static/app.js"),
    )
}
