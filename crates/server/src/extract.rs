//! Extractors whose rejections speak our problem format: JSON bodies, path ids, query strings.

use crate::problem::Problem;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use sala_domain::ErrorCode;
use serde::de::DeserializeOwned;
use std::str::FromStr;

/// `Json<T>` with problem+json rejections: 400 `invalid_json`, 413 `payload_too_large`,
/// 415 `unsupported_media_type`, 422 `invalid_body`.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(json_problem(&rejection)),
        }
    }
}

fn json_problem(rejection: &JsonRejection) -> Problem {
    let status = rejection.status();
    let (code, detail) = match rejection {
        JsonRejection::JsonSyntaxError(_) => (ErrorCode::InvalidJson, "The request body is not valid JSON.".to_owned()),
        JsonRejection::JsonDataError(e) => (ErrorCode::InvalidBody, e.body_text()),
        JsonRejection::MissingJsonContentType(_) => {
            (ErrorCode::UnsupportedMediaType, "Send the body as JSON with 'Content-Type: application/json'.".to_owned())
        }
        _ if status == StatusCode::PAYLOAD_TOO_LARGE => {
            (ErrorCode::PayloadTooLarge, "The request body is larger than this server accepts.".to_owned())
        }
        other => (ErrorCode::InvalidBody, other.body_text()),
    };
    Problem::new(status, code, detail)
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
        let is_json =
            req.headers().get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|ct| {
                ct.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
            });
        if !is_json {
            let detail = "Send the body as JSON with 'Content-Type: application/json'.";
            return Err(Problem::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, ErrorCode::UnsupportedMediaType, detail));
        }
        let bytes = axum::body::Bytes::from_request(req, state).await.map_err(|rejection| {
            let status = rejection.status();
            if status == StatusCode::PAYLOAD_TOO_LARGE {
                Problem::new(status, ErrorCode::PayloadTooLarge, "The request body is larger than this server accepts.")
            } else {
                Problem::new(status, ErrorCode::InvalidBody, rejection.body_text())
            }
        })?;
        let value = serde_json::from_slice(&bytes).map_err(|e| match e.classify() {
            serde_json::error::Category::Data => {
                Problem::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidBody, e.to_string())
            }
            _ => Problem::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidJson, "The request body is not valid JSON."),
        })?;
        Ok(Self { value, sha256: sala_app::tokens::hash_token(&String::from_utf8_lossy(&bytes)) })
    }
}
