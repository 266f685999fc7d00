//! One Graph call and its answer: sent with the bearer token, read up to a bound
//! ([`crate::bounded`]), and a failure kept with its status, Graph's `error.code` and
//! `Retry-After` until it is classified ([`Failure::classify`]). Paged reads retry a throttled
//! page in place ([`Graph::page`]) so a long read does not start over.

use crate::calendar::{AccessToken, ProviderError};
use serde_json::Value;
use std::time::Duration;

/// How many times one page of a paged read is asked again after a 429 or 503.
const PAGE_ATTEMPTS: usize = 3;
/// The longest a paged read waits for one throttled page, whatever `Retry-After` says: a longer
/// wait is the job runner's to make.
const MAX_PAGE_WAIT: Duration = Duration::from_secs(10);

/// A failed call before classification.
#[derive(Debug)]
pub struct Failure {
    /// `0`: Graph was not reached.
    pub status: u16,
    /// Graph's `error.code` (`ErrorItemNotFound`, `TooManyRequests`, `SyncStateNotFound`, ...).
    pub code: String,
    pub message: String,
    pub retry_after: Option<Duration>,
}

impl Failure {
    /// A sync state Graph no longer has: the delta must start over.
    pub fn cursor_expired(&self) -> bool {
        self.status == 410 || matches!(self.code.as_str(), "SyncStateNotFound" | "SyncStateInvalid" | "resyncRequired")
    }

    /// Worth asking again in place, within one paged read.
    fn throttled(&self) -> bool {
        matches!(self.status, 429 | 503)
    }

    pub fn classify(self) -> ProviderError {
        let detail = format!("{} {}: {}", self.status, self.code, self.message);
        match self.status {
            0 => ProviderError::Retryable { reason: self.message, retry_after: None },
            401 => ProviderError::Unauthorized,
            404 => ProviderError::NotFound,
            409 => ProviderError::Duplicate,
            400 if self.code == "ErrorDuplicateTransactionId" => ProviderError::Duplicate,
            429 | 500..=599 => ProviderError::Retryable { reason: detail, retry_after: self.retry_after },
            _ => ProviderError::Final(detail),
        }
    }
}

/// The HTTP client and where Graph is; cheap to clone into spawned reads.
#[derive(Clone)]
pub struct Graph {
    pub http: reqwest::Client,
    pub base: String,
}

fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim().parse().ok().map(Duration::from_secs)
}

impl Graph {
    /// Sends `request` with the bearer token; a 2xx answer's JSON (`None` for 204 or no body).
    pub async fn call(&self, request: reqwest::RequestBuilder, token: &str) -> Result<Option<Value>, Failure> {
        let response = request.bearer_auth(token).send().await.map_err(|e| Failure {
            status: 0,
            code: String::new(),
            message: format!("Microsoft Graph could not be reached: {e}"),
            retry_after: None,
        })?;
        let status = response.status().as_u16();
        let retry_after = retry_after(response.headers());
        let text = crate::bounded::text_bounded(response).await;
        if (200..300).contains(&status) {
            return Ok(serde_json::from_str(&text).ok());
        }
        // Graph's error body: {"error": {"code", "message", "innerError": {...}}}.
        let parsed: Value = serde_json::from_str(&text).unwrap_or_default();
        Err(Failure {
            status,
            code: parsed["error"]["code"].as_str().unwrap_or("unknown").to_owned(),
            message: parsed["error"]["message"].as_str().unwrap_or("no message").to_owned(),
            retry_after,
        })
    }

    /// One page of a paged read (`GET url` with `prefer` headers), asked again in place after a
    /// 429 or 503, waiting `Retry-After` (at most [`MAX_PAGE_WAIT`]), up to [`PAGE_ATTEMPTS`] times.
    pub async fn page(&self, url: &str, token: &str, prefer: &[&str]) -> Result<Value, Failure> {
        let mut attempt = 1;
        loop {
            let mut request = self.http.get(url);
            for value in prefer {
                request = request.header("Prefer", *value);
            }
            match self.call(request, token).await {
                Ok(body) => return Ok(body.unwrap_or_default()),
                Err(failure) if failure.throttled() && attempt < PAGE_ATTEMPTS => {
                    let wait = failure.retry_after.unwrap_or(Duration::from_secs(1)).min(MAX_PAGE_WAIT);
                    tracing::info!(status = failure.status, ?wait, "Graph throttled a page; asking again in place");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                Err(failure) => return Err(failure),
            }
        }
    }
}

/// A request to a Microsoft identity platform token endpoint, its answer classified:
/// `invalid_grant` means the grant will never work again; any other OAuth error (a wrong
/// secret, an app the directory has not consented to) is final until an administrator acts.
/// Only Microsoft's error code and the first line of its description are kept (the rest is
/// trace and correlation ids); the request's secret never appears.
pub async fn token(http: &reqwest::Client, url: &str, form: &[(&str, &str)]) -> Result<AccessToken, ProviderError> {
    let response = http.post(url).form(form).send().await.map_err(|e| ProviderError::Retryable {
        reason: format!("Microsoft's token endpoint could not be reached: {e}"),
        retry_after: None,
    })?;
    let status = response.status().as_u16();
    let retry_after = retry_after(response.headers());
    let body = crate::bounded::json_bounded(response).await;
    if (200..300).contains(&status) {
        return serde_json::from_value(body).map_err(|e| ProviderError::Retryable {
            reason: format!("unreadable token answer: {e}"),
            retry_after: None,
        });
    }
    let description = body["error_description"].as_str().unwrap_or_default().lines().next().unwrap_or_default();
    let error = body["error"].as_str().unwrap_or_default();
    match error {
        "invalid_grant" => Err(ProviderError::InvalidGrant(format!("invalid_grant: {description}"))),
        "temporarily_unavailable" => {
            Err(ProviderError::Retryable { reason: format!("{error}: {description}"), retry_after })
        }
        _ if status == 429 || status >= 500 => {
            Err(ProviderError::Retryable { reason: format!("token endpoint {status} {error}"), retry_after })
        }
        _ => Err(ProviderError::Final(format!("token endpoint {status} {error}: {description}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(status: u16, code: &str) -> Failure {
        Failure { status, code: code.into(), message: "m".into(), retry_after: Some(Duration::from_secs(2)) }
    }

    #[test]
    fn answers_are_classified() {
        assert_eq!(failure(401, "InvalidAuthenticationToken").classify(), ProviderError::Unauthorized);
        assert_eq!(failure(404, "ErrorItemNotFound").classify(), ProviderError::NotFound);
        assert_eq!(failure(409, "ErrorIrresolvableConflict").classify(), ProviderError::Duplicate);
        assert_eq!(
            failure(429, "TooManyRequests").classify(),
            ProviderError::Retryable {
                reason: "429 TooManyRequests: m".into(),
                retry_after: Some(Duration::from_secs(2))
            }
        );
        assert!(matches!(failure(504, "GatewayTimeout").classify(), ProviderError::Retryable { .. }));
        assert!(matches!(failure(0, "").classify(), ProviderError::Retryable { .. }));
        assert_eq!(
            failure(403, "ErrorAccessDenied").classify(),
            ProviderError::Final("403 ErrorAccessDenied: m".into())
        );
        assert!(failure(410, "x").cursor_expired() && failure(400, "SyncStateNotFound").cursor_expired());
        assert!(!failure(404, "ErrorItemNotFound").cursor_expired());
    }
}
