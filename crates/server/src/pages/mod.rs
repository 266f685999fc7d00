//! Server-rendered pages. Each page works without JavaScript; forms carry a CSRF token, checked
//! by the [`form::PageForm`] and [`form::AdminForm`] extractors before a handler sees them; all
//! text is escaped by the templates. One module per page, each with its routes; a handler that
//! cannot show its page answers a [`error::PageError`], which renders itself.

mod account;
pub(crate) mod admin;
mod assets;
mod booking_check;
mod booking_form;
mod booking_page;
mod booking_problems;
mod check_in_link;
mod dashboard;
mod elsewhere;
mod error;
mod feed;
mod finder;
mod form;
mod kiosk;
mod landing;
mod language;
mod meet;
mod missing;
mod my_bookings;
mod outbox;
mod quick_booking;
mod room_week;
pub(crate) mod rsvp;
mod shell;

use crate::auth::cookies;
use crate::i18n;
use crate::state::AppState;
pub(crate) use crate::web::{error_page, private, render, safe_return_path, with_cookie};
use axum::Router;
use axum::http::{HeaderMap, header};
pub(crate) use error::show_error;
pub(crate) use missing::not_found;
use sala_domain::{Locale, User};

/// Every page: the dashboard and sign-in, bookings, the account, administration, rooms' kiosks,
/// answers to invitations, Google sign-in, the language switch and the assets; in dev mode the
/// dev login and the outbox.
pub fn routes(dev: bool) -> Router<AppState> {
    let router = Router::new()
        .merge(landing::routes(dev))
        .merge(language::routes())
        .merge(account::routes())
        .merge(my_bookings::routes())
        .merge(booking_form::routes())
        .merge(booking_check::routes())
        .merge(quick_booking::routes())
        .merge(finder::routes())
        .merge(room_week::routes())
        .merge(booking_page::routes())
        .merge(elsewhere::routes())
        .merge(assets::routes())
        .merge(kiosk::routes())
        .merge(check_in_link::routes())
        .merge(feed::routes())
        .merge(admin::routes())
        .merge(rsvp::routes())
        .merge(crate::auth::google::routes())
        .merge(crate::auth::microsoft::routes());
    if dev { router.merge(outbox::routes()) } else { router }
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
    if let Some(chosen) = cookies::read(headers, language::LANG_COOKIE, state.settings.secure_cookies())
        .and_then(|l| Locale::parse(&l).ok())
    {
        return chosen;
    }
    i18n::from_accept_language(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()))
}
