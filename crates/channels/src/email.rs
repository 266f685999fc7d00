//! Email: an [`OutgoingEmail`] rendered as MIME and sent through a [`Mailer`].
//!
//! With an invitation the message is
//! ```text
//! multipart/mixed
//! ├── multipart/alternative
//! │   ├── text/plain; charset=utf-8
//! │   ├── text/html; charset=utf-8
//! │   └── text/calendar; method=REQUEST|CANCEL; charset=UTF-8
//! └── application/ics  (attachment, invite.ics)
//! ```
//! and without one just the `multipart/alternative` of text and HTML. The `method` MIME parameter
//! always matches the `.ics` `METHOD` (Gmail, Outlook and Apple Calendar ignore a cancellation
//! without it). Headers are written by lettre's builder, which encodes them; on top of that the
//! subject has CR/LF turned into spaces, so no value can add a header.
//!
//! [`SmtpMailer`] sends over SMTP; [`InMemoryMailer`] keeps what it was given (tests, dev outbox).

use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

pub use lettre::Address;
pub use lettre::message::Mailbox;

use crate::ics::Method;
use crate::{ChannelError, ConfigError};

/// A ready-made email to one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEmail {
    /// `From:` (e.g. from `SALA_MAIL_FROM`).
    pub from: Mailbox,
    /// `To:`: one recipient per message, so each has its own delivery result.
    pub to: Mailbox,
    /// `Subject:` (CR/LF are replaced by spaces).
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body (already escaped by the template that produced it).
    pub html: String,
    /// The invitation: its iTIP method and the `.ics` text written by [`crate::ics::to_ics`]
    /// with the same method.
    pub calendar: Option<(Method, String)>,
    /// `Message-ID`, stable per (job, recipient) so a retried send can be recognised;
    /// angle brackets are added when missing.
    pub message_id: String,
}

/// Sends emails.
#[async_trait]
pub trait Mailer: Send + Sync {
    /// Sends one email; see [`ChannelError`] for what is retryable.
    async fn send(&self, email: &OutgoingEmail) -> Result<(), ChannelError>;
}

/// Renders the email as a lettre [`Message`] (the MIME structure described in the module docs).
///
/// Fails with [`ChannelError::Final`] only for malformed input that retrying cannot fix.
pub fn build_message(email: &OutgoingEmail) -> Result<Message, ChannelError> {
    let alternative = MultiPart::alternative()
        .singlepart(SinglePart::plain(email.text.clone()))
        .singlepart(SinglePart::html(email.html.clone()));

    let builder = Message::builder()
        .from(email.from.clone())
        .to(email.to.clone())
        .subject(one_line(&email.subject))
        .message_id(Some(message_id(&email.message_id)));

    let built = match &email.calendar {
        None => builder.multipart(alternative),
        Some((method, ics)) => {
            let calendar_type = content_type(&format!("text/calendar; method={}; charset=UTF-8", method.as_str()))?;
            let alternative = alternative.singlepart(SinglePart::builder().header(calendar_type).body(ics.clone()));
            let attachment =
                Attachment::new("invite.ics".to_owned()).body(ics.clone(), content_type("application/ics")?);
            builder.multipart(MultiPart::mixed().multipart(alternative).singlepart(attachment))
        }
    };
    built.map_err(|e| ChannelError::final_(format!("cannot build email: {e}")))
}

/// Renders the email as the bytes that would go over the wire (for the dev outbox and tests).
pub fn render(email: &OutgoingEmail) -> Result<Vec<u8>, ChannelError> {
    Ok(build_message(email)?.formatted())
}

fn content_type(s: &str) -> Result<ContentType, ChannelError> {
    ContentType::parse(s).map_err(|e| ChannelError::final_(format!("bad content type {s}: {e}")))
}

fn one_line(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

fn message_id(id: &str) -> String {
    let id: String = id.chars().filter(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>')).collect();
    format!("<{id}>")
}

/// Sends email over SMTP with lettre (connection pool, rustls with ring, webpki roots).
///
/// Accepted URL forms ([`SmtpMailer::from_url`]):
///
/// | URL | transport | default port |
/// | --- | --- | --- |
/// | `smtp://[user:pass@]host[:port]` | STARTTLS, **required** (fails rather than send in clear) | 587 |
/// | `smtps://[user:pass@]host[:port]` | implicit TLS (RFC 8314) | 465 |
/// | `smtp://[user:pass@]host[:port]?tls=none` | plain text, for local development and tests only | 25 |
///
/// `?tls=required` may be written explicitly on `smtp://`. User and password are percent-decoded.
/// This differs on purpose from lettre's own `AsyncSmtpTransport::from_url`, where a bare
/// `smtp://` URL means *no TLS at all* and STARTTLS needs `?tls=required`: here the safe choice is
/// the default and clear text must be asked for.
#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer").finish_non_exhaustive()
    }
}

/// Per-command timeout of the SMTP client.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

impl SmtpMailer {
    /// Builds a mailer from a URL of one of the forms in the type's documentation.
    ///
    /// Must be called inside a Tokio runtime: the connection pool starts a background task.
    pub fn from_url(raw: &str) -> Result<Self, ConfigError> {
        let bad = |why: &str| ConfigError(format!("SMTP URL: {why}"));
        let url = url::Url::parse(raw).map_err(|e| bad(&e.to_string()))?;
        let host = url.host_str().ok_or_else(|| bad("no host"))?.to_owned();
        let host = host.trim_start_matches('[').trim_end_matches(']').to_owned();
        let mut tls_param = None;
        for (k, v) in url.query_pairs() {
            match k.as_ref() {
                "tls" if tls_param.is_none() => tls_param = Some(v.into_owned()),
                other => return Err(bad(&format!("unknown or repeated query parameter {other:?}"))),
            }
        }
        let tls_parameters = || TlsParameters::new(host.clone()).map_err(|e| bad(&format!("TLS setup: {e}")));
        let (tls, default_port) = match (url.scheme(), tls_param.as_deref()) {
            ("smtp", None | Some("required")) => (Tls::Required(tls_parameters()?), 587),
            ("smtp", Some("none")) => (Tls::None, 25),
            ("smtps", None) => (Tls::Wrapper(tls_parameters()?), 465),
            (scheme, tls) => {
                return Err(bad(&format!(
                    "unsupported scheme {scheme:?} with tls={tls:?}; use smtp://, smtps:// or smtp://...?tls=none"
                )));
            }
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(url.port().unwrap_or(default_port))
            .tls(tls)
            .timeout(Some(SMTP_TIMEOUT));
        if !url.username().is_empty() {
            let user = percent_decode(url.username()).map_err(|e| bad(&e))?;
            let pass = percent_decode(url.password().unwrap_or_default()).map_err(|e| bad(&e))?;
            builder = builder.credentials(Credentials::new(user, pass));
        }
        Ok(Self { transport: builder.build() })
    }
}

impl SmtpMailer {
    /// Opens a connection, greets the server (TLS and login as configured) and checks it answers:
    /// `sala doctor`'s test, which sends nothing.
    pub async fn check(&self) -> Result<(), String> {
        match self.transport.test_connection().await {
            Ok(true) => Ok(()),
            Ok(false) => Err("the server did not answer NOOP".to_owned()),
            Err(err) => Err(err.to_string()),
        }
    }
}

fn percent_decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or("bad percent-encoding in credentials")?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "credentials are not UTF-8".to_owned())
}

/// Classifies a lettre SMTP error.
///
/// 4xx replies, connection failures and timeouts are retryable; 5xx replies (unknown user, message
/// refused) are final; rejected credentials, TLS failures and client-side errors (the server does
/// not offer STARTTLS or a usable AUTH mechanism) are configuration problems.
pub fn classify_smtp_error(e: &lettre::transport::smtp::Error) -> ChannelError {
    let code = e.status().map(|c| c.to_string());
    let reason = match &code {
        Some(c) => format!("SMTP {c}: {e}"),
        None => format!("SMTP: {e}"),
    };
    // 530/534/535: authentication required or refused; TLS and client errors: the server and our
    // settings disagree (no STARTTLS offered, no usable AUTH). Both are fixed by configuration.
    let auth_refused = code.as_deref().is_some_and(|c| matches!(c, "530" | "534" | "535"));
    if auth_refused || e.is_tls() || e.is_client() {
        ChannelError::misconfigured(reason)
    } else if e.is_permanent() {
        ChannelError::final_(reason)
    } else {
        // Transient (4xx), timeouts, connection refused/reset, unparseable replies.
        ChannelError::retryable(reason)
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<(), ChannelError> {
        let message = build_message(email)?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) => {
                let err = classify_smtp_error(&e);
                tracing::warn!(error = %err, message_id = %email.message_id, "SMTP send failed");
                Err(err)
            }
        }
    }
}

/// Keeps every email it is asked to send; for tests and the dev outbox.
///
/// It renders each email first, so an email that [`SmtpMailer`] could not build fails here too.
#[derive(Debug, Default)]
pub struct InMemoryMailer {
    sent: Mutex<Vec<OutgoingEmail>>,
}

impl InMemoryMailer {
    /// An empty mailer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Everything sent so far, oldest first.
    pub fn sent(&self) -> Vec<OutgoingEmail> {
        self.sent.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

#[async_trait]
impl Mailer for InMemoryMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<(), ChannelError> {
        build_message(email)?;
        self.sent.lock().unwrap_or_else(|p| p.into_inner()).push(email.clone());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[tokio::test]
    async fn url_forms() {
        assert!(SmtpMailer::from_url("smtp://user:p%40ss@mail.example:587").is_ok());
        assert!(SmtpMailer::from_url("smtp://mail.example?tls=required").is_ok());
        assert!(SmtpMailer::from_url("smtps://mail.example").is_ok());
        assert!(SmtpMailer::from_url("smtp://127.0.0.1:2525?tls=none").is_ok());
        assert!(SmtpMailer::from_url("smtp://mail.example?tls=opportunistic").is_err());
        assert!(SmtpMailer::from_url("smtps://mail.example?tls=none").is_err());
        assert!(SmtpMailer::from_url("http://mail.example").is_err());
        assert!(SmtpMailer::from_url("smtp://mail.example?foo=bar").is_err());
        assert!(SmtpMailer::from_url("not a url").is_err());
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("p%40ss%3Aw").unwrap(), "p@ss:w");
        assert!(percent_decode("%4").is_err());
    }

    #[test]
    fn message_id_is_bracketed_and_clean() {
        assert_eq!(message_id("abc@sala"), "<abc@sala>");
        assert_eq!(message_id("<a\r\nBcc: x@y>"), "<aBcc:x@y>");
    }
}
