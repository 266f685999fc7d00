//! `/rooms/{id}/kiosk`: a room's kiosk link (admins). The link opens the room's kiosk page,
//! where people check in to the meeting under way without signing in; print its QR code on the
//! door or open it on a tablet. The link is shown once, when made; a new one replaces it.

use crate::auth::Caller;
use crate::extract::PathId;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use crate::wire::time::Utc;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use sala_app::kiosks;
use sala_domain::RoomId;
use sala_domain::attendance::Kiosk;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_kiosk_link, get_kiosk_link, delete_kiosk_link))
}

/// A kiosk link just made: the only time its URL is shown.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"url": "https://sala.example.com/kiosk/3q2-7wM1c8bQ0yqKk9xJ2m5fZrD1uXo4sNeA6vTgLhE",
    "qr_svg": "<svg xmlns=\"http://www.w3.org/2000/svg\" ...>...</svg>", "created_at": "2026-12-01T09:00:00Z"}))]
pub struct CreatedKioskView {
    /// Open it on the room's tablet, or print `qr_svg` by the door.
    url: String,
    /// The URL as a QR code (SVG); null only for a URL too long for one (a very long base URL).
    qr_svg: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    created_at: Utc,
}

/// A room's kiosk link as kept (never its URL).
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"created_at": "2026-12-01T09:00:00Z", "created_by": {"type": "user", "id": "0193a6f0-5c2e-7b1a-9d4e-1f2a3b4c5d6e"}}))]
pub struct KioskView {
    #[schema(value_type = String, format = DateTime)]
    created_at: Utc,
    #[schema(value_type = Object)]
    created_by: sala_domain::Actor,
}

impl From<Kiosk> for KioskView {
    fn from(k: Kiosk) -> Self {
        Self { created_at: Utc(k.created_at), created_by: k.created_by }
    }
}

/// Make the room's kiosk link (admins); an earlier link stops working.
#[utoipa::path(post, path = "/rooms/{id}/kiosk", tag = "attendance", params(("id" = String, Path, format = Uuid)),
    responses((status = 201, body = CreatedKioskView), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn create_kiosk_link(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    PathId(id): PathId<RoomId>,
) -> ApiResult<(StatusCode, Json<CreatedKioskView>)> {
    let created = kiosks::create_kiosk_link(state.store(), &ctx, id).await?;
    let url = created.url(&state.settings.base_url);
    let qr_svg = crate::qr::svg(&url);
    let view = CreatedKioskView { url, qr_svg, created_at: Utc(created.kiosk.created_at) };
    Ok((StatusCode::CREATED, Json(view)))
}

/// Whether the room has a kiosk link, since when and by whom (admins).
#[utoipa::path(get, path = "/rooms/{id}/kiosk", tag = "attendance", params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = KioskView), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_kiosk_link(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    PathId(id): PathId<RoomId>,
) -> ApiResult<Json<KioskView>> {
    Ok(Json(kiosks::kiosk_link(state.store(), &ctx, id).await?.into()))
}

/// Remove the room's kiosk link (admins): it stops working at once.
#[utoipa::path(delete, path = "/rooms/{id}/kiosk", tag = "attendance", params(("id" = String, Path, format = Uuid)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn delete_kiosk_link(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    PathId(id): PathId<RoomId>,
) -> ApiResult<StatusCode> {
    kiosks::remove_kiosk_link(state.store(), &ctx, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
