//! The JSON API under `/api/v1`, documented by OpenAPI generated from the handlers themselves.

mod rooms;
mod users;

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
    tags((name = "rooms", description = "Rooms of your organization"), (name = "users", description = "People of your organization"))
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
    let (router, mut doc) =
        OpenApiRouter::with_openapi(ApiDoc::openapi()).merge(rooms::routes()).merge(users::routes()).split_for_parts();
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
