//! The whole HTTP surface assembled in one place: pages, API, docs, health, and the middleware
//! every request passes through (request id, trace span, body limit, timeout, security headers,
//! the latency histogram), and `/metrics` when its token is set.

use crate::problem::Problem;
use crate::state::AppState;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderName, HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use sala_domain::ErrorCode;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};
use tower_http::trace::TraceLayer;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Pages may load only our own scripts and styles, and never be framed.
const PAGE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                        object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// A year of https only, as browsers expect to be told (RFC 6797).
const HSTS: &str = "max-age=31536000";

pub fn build(state: AppState) -> Router {
    let (api, openapi) = crate::api::routes();
    let docs = utoipa_swagger_ui::SwaggerUi::new("/api/docs").url("/api/v1/openapi.json", openapi);
    let pages = crate::pages::routes(state.settings.dev).layer(SetResponseHeaderLayer::if_not_present(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_CSP),
    ));
    // Reached over https: browsers keep to https for a year (HSTS), so a network cannot strip it.
    let hsts = state.settings.secure_cookies().then(|| HeaderValue::from_static(HSTS));
    let request_timeout = Duration::from_secs(state.settings.http_request_timeout_seconds.max(1));
    let body_timeout = Duration::from_secs(state.settings.http_body_timeout_seconds.max(1));
    let metrics = state.metrics.clone();
    // Off unless a token is set: then the route does not exist (404 like any unknown path).
    let ops = match state.settings.metrics_token() {
        Some(token) => {
            let endpoint =
                crate::metrics::Endpoint { metrics: metrics.clone(), store: state.store.clone(), token: token.clone() };
            Router::new().route("/metrics", get(crate::metrics::serve)).with_state(endpoint)
        }
        None => Router::new(),
    };
    Router::new()
        .merge(pages)
        .nest("/api/v1", api)
        .merge(docs)
        .route(crate::config::CALENDAR_HOOK_PATH, axum::routing::post(crate::hooks::google_calendar))
        .route(crate::config::MICROSOFT_HOOK_PATH, axum::routing::post(crate::hooks::microsoft_calendar))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .merge(ops)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(state.settings.max_body_bytes))
        .layer(SetResponseHeaderLayer::if_not_present(header::STRICT_TRANSPORT_SECURITY, move |_: &_| hsts.clone()))
        .with_state(state)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(CatchPanicLayer::custom(|_| internal_error()))
        .layer(RequestBodyTimeoutLayer::new(body_timeout))
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, request_timeout))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let id = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or_default();
            let path = loggable_path(req.uri().path());
            tracing::info_span!("request", method = %req.method(), path = %path, request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        // Outermost, yet after routing (every `Router::layer` is): it sees the route template,
        // and times the answers the timeout and the panic guard give too.
        .layer(axum::middleware::from_fn_with_state(metrics, crate::metrics::track))
}

/// A request's path as logs show it: the secret token of a kiosk, a meeting's check-in link, an
/// invitation answer link or a calendar feed is left out (`/rsvp/…`, `/kiosk/…/check-in`,
/// `/check-in/…`, `/feeds/…`).
fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    for prefix in ["/rsvp/", "/kiosk/", "/check-in/", "/feeds/"] {
        if let Some(rest) = path.strip_prefix(prefix) {
            let after = rest.find('/').map_or("", |i| &rest[i..]);
            return format!("{prefix}…{after}").into();
        }
    }
    path.into()
}

/// The process is up.
async fn healthz() -> &'static str {
    "ok"
}

/// The database answers.
async fn readyz(State(state): State<AppState>) -> Response {
    match state.store().ping().await {
        Ok(()) => Json(serde_json::json!({"status": "ready"})).into_response(),
        Err(err) => {
            tracing::warn!(%err, "database not reachable");
            Problem::new(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::NotReady, "The database is not reachable.")
                .into_response()
        }
    }
}

/// Nothing here: a browser asking for a page gets a readable page, anyone else problem+json.
async fn not_found(State(state): State<AppState>, request: Request<axum::body::Body>) -> Response {
    let (mut parts, _) = request.into_parts();
    let wants_page = !parts.uri.path().starts_with("/api/")
        && parts.headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"));
    if wants_page {
        return crate::pages::not_found(&state, &mut parts).await;
    }
    Problem::not_found("There is nothing at this address.").into_response()
}

fn internal_error() -> Response {
    Problem::new(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::InternalError, "Something went wrong on our side.")
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::loggable_path;

    #[test]
    fn secret_links_stay_out_of_the_logs() {
        assert_eq!(loggable_path("/rsvp/abc.def.ghi"), "/rsvp/…");
        assert_eq!(loggable_path("/kiosk/k_0123/check-in"), "/kiosk/…/check-in");
        assert_eq!(loggable_path("/check-in/a.b.1.sig"), "/check-in/…");
        assert_eq!(loggable_path("/feeds/3q2-7wM1c8bQ0yqKk9xJ2m5fZrD1uXo4sNeA6vTgLhE.ics"), "/feeds/…");
        assert_eq!(loggable_path("/bookings/new"), "/bookings/new");
    }
}
