//! The language switch in every page's header (`POST /language`).

use super::{error_page, safe_return_path, show_error, with_cookie};
use crate::auth::{MaybeUser, cookies, csrf};
use crate::i18n;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::{Form, Router};
use sala_domain::Locale;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/language", post(language))
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
        return super::error::PageError::form_expired(t).into_response();
    }
    if let Some(user) = user {
        let ctx = sala_app::Context::new(sala_app::Principal::User(user.clone()));
        let changes = sala_app::users::UserChanges { locale: Some(Some(locale)), ..Default::default() };
        if let Err(err) = sala_app::users::update_user(state.store(), &ctx, user.id, changes).await {
            return show_error(t, &err);
        }
    }
    let cookie = cookies::set(LANG_COOKIE, locale.as_str(), Some(365 * 24 * 3600), state.settings.secure_cookies());
    with_cookie(Redirect::to(safe_return_path(&form.back)).into_response(), Some(cookie))
}

/// The anonymous visitor's language choice.
pub(super) const LANG_COOKIE: &str = "sala_lang";
