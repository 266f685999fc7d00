//! What every signed-in page shares: the person, their organization, their language and zone,
//! the CSRF token for its forms, and which part of the navigation it belongs to.

use super::with_cookie;
use crate::auth::CurrentUser;
use crate::auth::csrf;
use crate::i18n::{self, Texts};
use crate::state::AppState;
use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use sala_app::{Context, Principal};
use sala_domain::{Locale, Tenant, TimeZoneName, User};

/// The part of the app a page belongs to, for the navigation's `aria-current`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Home,
    NewBooking,
    Find,
    MyBookings,
    Admin,
}

pub struct Shell {
    pub t: &'static Texts,
    pub locale: Locale,
    pub csrf: String,
    pub user: User,
    pub tenant: Tenant,
    /// The page's own path and query, where the language switch comes back to.
    pub path: String,
    pub nav: Option<Nav>,
    /// A new CSRF cookie to set, for a browser that had none.
    set_cookie: Option<String>,
    /// What this request's forms are checked against.
    check: csrf::CsrfCheck,
    guest_quotas: sala_app::bookings::GuestQuotas,
}

impl Shell {
    pub async fn load(
        state: &AppState,
        user: User,
        headers: &HeaderMap,
        path: String,
        nav: Option<Nav>,
    ) -> Result<Self, sala_app::AppError> {
        let tenant =
            state.store().get_tenant(user.tenant_id).await?.ok_or(sala_app::AppError::NotFound { what: "tenant" })?;
        let locale = user.locale.unwrap_or(tenant.locale);
        let (csrf, set_cookie) = csrf::ensure(headers, state.settings.secure_cookies());
        let check = csrf::CsrfCheck::of(headers, &state.settings.base_url);
        let guest_quotas = state.settings.guest_quotas();
        Ok(Self { t: i18n::texts(locale), locale, csrf, user, tenant, path, nav, set_cookie, check, guest_quotas })
    }

    /// The same shell, in another part of the navigation.
    pub fn at(mut self, nav: Nav) -> Self {
        self.nav = Some(nav);
        self
    }

    /// Is `submitted` this browser's CSRF token, posted from our own origin?
    pub fn accepts(&self, submitted: &str) -> bool {
        self.check.accepts(submitted)
    }

    /// The signed-in person as the use cases know them.
    pub fn ctx(&self) -> Context {
        Context { guest_quotas: self.guest_quotas, ..Context::new(Principal::User(self.user.clone())) }
    }

    /// The zone the person reads times in: their own, else the organization's.
    pub fn zone(&self) -> TimeZoneName {
        self.user.time_zone.clone().unwrap_or_else(|| self.tenant.time_zone.clone())
    }

    pub fn is(&self, nav: Nav) -> bool {
        self.nav == Some(nav)
    }

    pub fn other_locale(&self) -> (&'static str, &'static str) {
        match self.locale {
            Locale::Es => ("en", "English"),
            Locale::En => ("es", "Español"),
        }
    }

    /// Sets the CSRF cookie on `response` when this browser had none.
    pub fn finish(&self, response: Response) -> Response {
        with_cookie(response, self.set_cookie.clone())
    }
}

/// A signed-in page's shell, from the request; anonymous visitors are sent to sign in.
pub struct Page(pub Shell);

impl FromRequestParts<AppState> for Page {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let CurrentUser(user) = CurrentUser::from_request_parts(parts, state).await?;
        let uri = parts.extensions.get::<OriginalUri>().map_or(&parts.uri, |u| &u.0);
        let path = uri.path_and_query().map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
        match Shell::load(state, user, &parts.headers, path, None).await {
            Ok(shell) => Ok(Self(shell)),
            Err(err) => Err(super::show_error(i18n::texts(Locale::Es), &err)),
        }
    }
}

/// An admin page's shell; people who are not admins get "not allowed".
pub struct AdminPage(pub Shell);

impl FromRequestParts<AppState> for AdminPage {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Page(shell) = Page::from_request_parts(parts, state).await?;
        if shell.user.is_admin() {
            Ok(Self(shell.at(Nav::Admin)))
        } else {
            Err(super::error::PageError::forbidden(shell.t).into_response())
        }
    }
}
