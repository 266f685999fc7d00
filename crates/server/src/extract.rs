//! Extractors whose rejections speak our problem format: JSON bodies, path ids, query strings.

mod strict;

use crate::problem::Problem;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use sala_domain::ErrorCode;
use serde::de::DeserializeOwned;
use std::str::FromStr;

/// A JSON body, read as the document describes it (objects from objects only: see [`strict`]).
/// Rejections: 400 `invalid_json`, 413 `payload_too_large`, 415 `unsupported_media_type`, 422
/// `invalid_body`.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        if !is_json(req.headers()) {
            return Err(unsupported_media_type());
        }
        let bytes = Bytes::from_request(req, state).await.map_err(bytes_problem)?;
        strict::from_slice(&bytes).map(Self).map_err(|e| parse_problem(&e))
    }
}

/// Whether the body is sent as `application/json` (or another `+json` type).
fn is_json(headers: &HeaderMap) -> bool {
    let mime = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).and_then(|ct| ct.split(';').next());
    mime.map(|m| m.trim().to_ascii_lowercase())
        .is_some_and(|m| m == "application/json" || (m.starts_with("application/") && m.ends_with("+json")))
}

fn unsupported_media_type() -> Problem {
    let detail = "Send the body as JSON with 'Content-Type: application/json'.";
    Problem::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, ErrorCode::UnsupportedMediaType, detail)
}

/// A body that did not read: 400 `invalid_json` when it is not JSON, 422 `invalid_body` when it
/// is JSON of another shape.
fn parse_problem(e: &strict::Error) -> Problem {
    match e.inner().classify() {
        serde_json::error::Category::Data => {
            Problem::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidBody, e.to_string())
        }
        _ => Problem::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidJson, "The request body is not valid JSON."),
    }
}

fn bytes_problem(rejection: BytesRejection) -> Problem {
    let status = rejection.status();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        Problem::new(status, ErrorCode::PayloadTooLarge, "The request body is larger than this server accepts.")
    } else {
        Problem::new(status, ErrorCode::InvalidBody, rejection.body_text())
    }
}

/// A typed id from the path. A malformed id answers 400 `invalid_id`; a well-formed unknown one is
/// left for the handler to answer 404, exactly like another tenant's.
pub struct PathId<T>(pub T);

impl<S: Send + Sync, T: FromStr> FromRequestParts<S> for PathId<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        let axum::extract::Path(raw) = axum::extract::Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| Problem::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidId, "The path has no id."))?;
        raw.parse().map(Self).map_err(|_| {
            Problem::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidId,
                format!("'{}' is not a valid id.", truncate(&raw, 64)),
            )
        })
    }
}

/// Query strings with problem+json rejections: 400 `invalid_query`.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Self(q.0))
            .map_err(|e: QueryRejection| Problem::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidQuery, e.body_text()))
    }
}

fn truncate(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// A JSON body together with the SHA-256 of its bytes, for `Idempotency-Key` checks. Rejections as
/// for [`ApiJson`].
pub struct HashedJson<T> {
    pub value: T,
    pub sha256: String,
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for HashedJson<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        if !is_json(req.headers()) {
            return Err(unsupported_media_type());
        }
        let bytes = Bytes::from_request(req, state).await.map_err(bytes_problem)?;
        let value = strict::from_slice(&bytes).map_err(|e| parse_problem(&e))?;
        Ok(Self { value, sha256: sala_app::tokens::hash_token(&String::from_utf8_lossy(&bytes)) })
    }
}

/// A JSON body that may be left out: no body (or only whitespace) is `T::default()`, whatever
/// its content type. Rejections: 413 `payload_too_large`, 422 `invalid_body` (anything but a JSON
/// object of this shape).
pub struct OptionalJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for OptionalJson<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        let bytes = Bytes::from_request(req, state).await.map_err(bytes_problem)?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(T::default()));
        }
        strict::from_slice(&bytes).map(Self).map_err(|e| {
            Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::InvalidBody,
                format!("The body does not fit: {e}"),
            )
        })
    }
}

/// A calendar file sent as `text/calendar` (an import). Rejections: 413 `payload_too_large`
/// (the route sets its own limit), 415 `unsupported_media_type` for any other content type.
pub struct CalendarBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for CalendarBody {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        let mime =
            req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).and_then(|ct| ct.split(';').next());
        if !mime.is_some_and(|m| m.trim().eq_ignore_ascii_case("text/calendar")) {
            let detail = "Send the calendar file with 'Content-Type: text/calendar'.";
            return Err(Problem::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, ErrorCode::UnsupportedMediaType, detail));
        }
        Bytes::from_request(req, state).await.map(Self).map_err(bytes_problem)
    }
}
