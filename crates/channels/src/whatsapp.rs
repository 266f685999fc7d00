//! WhatsApp Business Cloud API: template messages.
//!
//! Business-initiated messages need an approved template; [`CloudApi`] sends one with
//! `POST {api_base}/{phone_number_id}/messages` and a Bearer token. The Graph API version is part
//! of `api_base` (e.g. `https://graph.facebook.com/v21.0`) because versions expire; tests point
//! it at a local fake.
//!
//! Error classification (Meta's documented `{"error":{"message","type","code","error_subcode",
//! "fbtrace_id"}}` body, plus the HTTP status):
//!
//! | condition | result |
//! | --- | --- |
//! | HTTP 429, codes 4 / 80007 (app or account rate limit), 130429 (throughput), 131048 (spam rate limit), 131056 (pair rate limit) | retryable, honouring `Retry-After` |
//! | HTTP 5xx, codes 1 / 2 (unknown / service error), 131000 (something went wrong), 131016 (service unavailable), network errors | retryable |
//! | code 190 (access token expired or invalid) | misconfigured: final until the token is renewed |
//! | codes 131026 (undeliverable), 131030 (recipient not allowed / not on WhatsApp), 131047 (24-hour window closed), 100 (invalid parameter), 132xxx (template problems) | final |
//! | any other 4xx | final |

use std::time::Duration;

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::json;

use crate::ChannelError;

/// Where and as whom to send: the installation's default or a tenant's own number.
#[derive(Clone, PartialEq, Eq)]
pub struct WhatsAppConfig {
    /// Graph API base including the version, without a trailing slash,
    /// e.g. `https://graph.facebook.com/v21.0`.
    pub api_base: String,
    /// The sending phone number's id (not the number itself).
    pub phone_number_id: String,
    /// System-user access token, sent as `Authorization: Bearer`.
    pub token: String,
}

impl std::fmt::Debug for WhatsAppConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WhatsAppConfig")
            .field("api_base", &self.api_base)
            .field("phone_number_id", &self.phone_number_id)
            .field("token", &"<redacted>")
            .finish()
    }
}

/// A template message to one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateMessage {
    /// Recipient in E.164 (`+34612345678`); sent as digits only.
    pub to_e164: String,
    /// Approved template name.
    pub template_name: String,
    /// Template language code, e.g. `es` or `en_US`.
    pub language_code: String,
    /// Values for the body's `{{1}}`, `{{2}}`, ... in order.
    pub body_parameters: Vec<String>,
}

/// Sends WhatsApp template messages.
#[async_trait]
pub trait WhatsApp: Send + Sync {
    /// Sends one template message and returns the message id (`wamid...`) WhatsApp assigned.
    async fn send_template(&self, config: &WhatsAppConfig, msg: &TemplateMessage) -> Result<String, ChannelError>;
}

/// The real Cloud API over HTTP.
#[derive(Debug, Clone)]
pub struct CloudApi {
    /// The shared HTTP client (one per process; it should have a timeout).
    pub http: reqwest::Client,
}

impl CloudApi {
    /// A Cloud API client over the given HTTP client.
    pub fn new(http: reqwest::Client) -> Self {
        Self { http }
    }
}

/// The request body the Cloud API expects for a template message.
pub fn request_body(to_digits: &str, msg: &TemplateMessage) -> serde_json::Value {
    let parameters: Vec<serde_json::Value> =
        msg.body_parameters.iter().map(|text| json!({"type": "text", "text": text})).collect();
    let mut components = Vec::new();
    if !parameters.is_empty() {
        components.push(json!({"type": "body", "parameters": parameters}));
    }
    json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to_digits,
        "type": "template",
        "template": {
            "name": msg.template_name,
            "language": {"code": msg.language_code},
            "components": components,
        }
    })
}

/// `+34 612-345-678` -> `34612345678`; E.164 allows at most 15 digits.
fn e164_digits(raw: &str) -> Result<String, ChannelError> {
    let digits: String =
        raw.trim().trim_start_matches('+').chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')')).collect();
    if (8..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) && !digits.starts_with('0') {
        Ok(digits)
    } else {
        Err(ChannelError::final_(format!("not an E.164 phone number: {raw:?}")))
    }
}

#[derive(Deserialize)]
struct SendResponse {
    messages: Vec<SentMessage>,
}

#[derive(Deserialize)]
struct SentMessage {
    id: String,
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    error: ApiError,
}

/// Meta's error object.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ApiError {
    /// Human-readable message.
    #[serde(default)]
    pub message: String,
    /// Error type, e.g. `OAuthException`.
    #[serde(default, rename = "type")]
    pub kind: String,
    /// Error code (e.g. 190, 131026).
    #[serde(default)]
    pub code: Option<i64>,
    /// Error subcode.
    #[serde(default)]
    pub error_subcode: Option<i64>,
    /// Trace id for Meta support.
    #[serde(default)]
    pub fbtrace_id: Option<String>,
}

/// Classifies an error answer from the Cloud API (see the module table).
pub fn classify_error(status: u16, error: Option<&ApiError>, retry_after: Option<Duration>) -> ChannelError {
    let code = error.and_then(|e| e.code);
    let detail = match error {
        Some(e) => format!(
            "HTTP {status}, code {}{}: {} ({}; fbtrace_id {})",
            code.map_or_else(|| "-".to_owned(), |c| c.to_string()),
            e.error_subcode.map(|s| format!("/{s}")).unwrap_or_default(),
            e.message,
            e.kind,
            e.fbtrace_id.as_deref().unwrap_or("-"),
        ),
        None => format!("HTTP {status}"),
    };
    let retry = |what: &str| ChannelError::Retryable { reason: format!("WhatsApp {what}: {detail}"), retry_after };
    let fail = |what: &str| ChannelError::final_(format!("WhatsApp {what}: {detail}"));
    match code {
        Some(4 | 80007 | 130429 | 131048 | 131056) => retry("rate limited"),
        Some(1 | 2 | 131000 | 131016) => retry("temporary service error"),
        Some(190) => ChannelError::misconfigured(format!(
            "WhatsApp access token expired or invalid (configuration: renew SALA_WHATSAPP_TOKEN or the tenant's token): {detail}"
        )),
        Some(131026) => fail("message undeliverable"),
        Some(131030) => fail("recipient not allowed or not a WhatsApp number"),
        Some(131047) => fail("24-hour customer service window closed; a template is required"),
        Some(100) => fail("invalid parameter"),
        Some(c) if (132000..133000).contains(&c) => fail("template problem"),
        _ if status == 429 => retry("rate limited"),
        _ if status >= 500 => retry("server error"),
        _ => fail("request rejected"),
    }
}

fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let v = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    v.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[async_trait]
impl WhatsApp for CloudApi {
    async fn send_template(&self, config: &WhatsAppConfig, msg: &TemplateMessage) -> Result<String, ChannelError> {
        let to = e164_digits(&msg.to_e164)?;
        let url = format!("{}/{}/messages", config.api_base.trim_end_matches('/'), config.phone_number_id);
        let response =
            self.http.post(&url).bearer_auth(&config.token).json(&request_body(&to, msg)).send().await.map_err(
                |e| {
                    if e.is_builder() {
                        ChannelError::final_(format!("WhatsApp request could not be built: {e}"))
                    } else {
                        ChannelError::retryable(format!("WhatsApp unreachable: {e}"))
                    }
                },
            )?;
        let status = response.status();
        let wait = retry_after(response.headers());
        let body = crate::bounded::read_bounded(response, crate::bounded::MAX_ANSWER_BYTES)
            .await
            .map_err(|e| ChannelError::retryable(format!("WhatsApp response cut short: {e}")))?;
        if status.is_success() {
            // Accepted: retrying now could send a second copy, so an unreadable answer is final.
            let parsed: SendResponse = serde_json::from_slice(&body).map_err(|e| {
                ChannelError::final_(format!("WhatsApp accepted the message but its answer was unreadable: {e}"))
            })?;
            return parsed
                .messages
                .into_iter()
                .next()
                .map(|m| m.id)
                .ok_or_else(|| ChannelError::final_("WhatsApp accepted but returned no message id"));
        }
        let error = serde_json::from_slice::<ErrorEnvelope>(&body).ok().map(|e| e.error);
        let err = classify_error(status.as_u16(), error.as_ref(), wait);
        tracing::warn!(error = %err, "WhatsApp send failed");
        Err(err)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn phone_numbers() {
        assert_eq!(e164_digits("+34612345678").unwrap(), "34612345678");
        assert_eq!(e164_digits("+34 612-345-678").unwrap(), "34612345678");
        assert!(e164_digits("612abc").is_err());
        assert!(e164_digits("+1234567890123456").is_err());
        assert!(e164_digits("").is_err());
    }

    #[test]
    fn classification_table() {
        let e = |code| ApiError { code: Some(code), ..Default::default() };
        assert!(classify_error(400, Some(&e(130429)), None).is_retryable());
        assert!(classify_error(400, Some(&e(131056)), None).is_retryable());
        assert!(classify_error(429, None, None).is_retryable());
        assert!(classify_error(503, None, None).is_retryable());
        assert!(!classify_error(401, Some(&e(190)), None).is_retryable());
        assert!(!classify_error(400, Some(&e(131047)), None).is_retryable());
        assert!(!classify_error(404, None, None).is_retryable());
    }
}
