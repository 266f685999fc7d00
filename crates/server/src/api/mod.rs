//! The JSON API under `/api/v1`, documented by OpenAPI generated from the handlers themselves.

mod attendance;
mod audit;
mod availability;
mod bookings;
mod feeds;
mod google;
mod jobs;
mod kiosks;
mod problems;
mod reports;
mod room_calendar;
mod room_import;
mod rooms;
mod schemas;
mod settings;
mod users;
mod webhooks;

use crate::problem::Problem;
use crate::state::AppState;
use axum::Router;
use utoipa::openapi::security::{ApiKey as ApiKeyScheme, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Sala API",
        description = "Meeting-room booking for companies. Authenticate with `Authorization: Bearer <API key>` \
                       (create one with `sala api-key create`). Errors are `application/problem+json` with a \
                       stable `code`.",
        version = "1"
    ),
    modifiers(&Security),
    components(schemas(Problem)),
    tags(
        (name = "bookings", description = "Book rooms, change and cancel bookings"),
        (name = "rooms", description = "Rooms of your organization and when they are free"),
        (name = "users", description = "People of your organization"),
        (name = "audit", description = "Who changed what (admins)"),
        (name = "settings", description = "Your organization's settings, booking rules and reminders"),
        (name = "jobs", description = "Background work: notifications, reminders, dead jobs and their replay"),
        (name = "webhooks", description = "Signed events for other systems (Standard Webhooks)"),
        (name = "attendance", description = "Check-in, who came, and attendance exports"),
        (name = "feeds", description = "Calendar feeds: secret .ics URLs that calendar apps subscribe to"),
        (name = "reports", description = "How the rooms are used: utilization by room, day and hour (admins)")
    )
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("sala_...").build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKeyScheme::Cookie(ApiKeyValue::new(crate::auth::cookies::SESSION))),
        );
        openapi.security = Some(vec![
            utoipa::openapi::security::SecurityRequirement::new("api_key", Vec::<String>::new()),
            utoipa::openapi::security::SecurityRequirement::new("session", Vec::<String>::new()),
        ]);
    }
}

/// The API router (to be nested at `/api/v1`) and its OpenAPI document.
pub fn routes() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(bookings::routes())
        .merge(availability::routes())
        .merge(audit::routes())
        .merge(rooms::routes())
        .merge(room_import::routes())
        .merge(room_calendar::routes())
        .merge(users::routes())
        .merge(settings::routes())
        .merge(jobs::routes())
        .merge(google::routes())
        .merge(webhooks::routes())
        .merge(attendance::routes())
        .merge(kiosks::routes())
        .merge(feeds::routes())
        .merge(reports::routes())
        .split_for_parts();
    problems::document(&mut doc);
    doc.servers = Some(vec![utoipa::openapi::Server::new("/api/v1")]);
    let router = router.fallback(|| async { Problem::not_found("No such API endpoint. See /api/docs.") });
    (router, doc)
}

/// Deserializes a field that may be absent (leave as is), `null` (clear) or a value (set).
pub(crate) fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    serde::Deserialize::deserialize(d).map(Some)
}

/// `format=json` (the default) or `format=csv` of an export: whether CSV was asked for, or the
/// field error for anything else.
fn wants_csv(format: Option<&str>) -> Result<bool, sala_app::AppError> {
    match format {
        None | Some("json") => Ok(false),
        Some("csv") => Ok(true),
        Some(other) => Err(sala_app::AppError::invalid(
            "format",
            sala_domain::ErrorCode::InvalidFormat,
            format!("'{other}' is not json or csv"),
        )),
    }
}

/// An RFC 4180 field: quoted when it holds a comma, a semicolon (the separator spreadsheets use
/// in Spanish and other locales, which would otherwise start a new cell), a quote or a line break.
/// A leading `=`, `+`, `-`, `@`, tab or carriage return is prefixed with `'` so a spreadsheet does
/// not run it as a formula (CSV injection, as OWASP describes it).
fn csv_field(value: &str) -> String {
    let value =
        if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_owned() };
    if value.contains([',', ';', '"', '\n', '\r']) { format!("\"{}\"", value.replace('"', "\"\"")) } else { value }
}
