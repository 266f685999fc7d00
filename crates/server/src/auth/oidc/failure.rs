//! Why a sign-in did not complete, and how each reason becomes a status, a log line (never a
//! token) and an error page in the visitor's language.

use crate::i18n;
use crate::pages::error_page;
use axum::http::StatusCode;
use axum::response::Response;
use sala_app::AppError;
use sala_app::sign_in::GoogleIdentity;
use sala_domain::Locale;

/// Why a sign-in did not complete: the page the person sees and the line in the log.
#[derive(Debug)]
pub(super) enum Failure {
    NotConfigured,
    /// The provider could not be reached or answered badly (detail for the log).
    Unreachable(String),
    /// The provider sent `error=...` back instead of a code.
    Declined(String),
    /// No flow for this browser: no cookie, expired, or already used.
    Expired(&'static str),
    /// A callback that does not belong to the flow (state) or lacks its code.
    BadCallback(&'static str),
    /// The ID token failed verification.
    InvalidToken(String),
    /// The app refused the person (unknown domain, unverified email, deactivated...).
    Refused {
        code: &'static str,
        message: String,
        /// What the words name: the domain of an `unknown_domain` refusal, the address of an
        /// `other_google_account` one.
        detail: Option<String>,
    },
    /// The Google account is already linked to another person.
    Conflict(String),
    Internal(String),
}

impl Failure {
    pub(super) fn from_app(err: AppError) -> Self {
        match err {
            AppError::SignInRefused { code, message } => Self::Refused { code, message, detail: None },
            AppError::Conflict { message, .. } => Self::Conflict(message),
            other => Self::Internal(error_chain(&other)),
        }
    }

    /// Like [`Failure::from_app`], remembering the domain an `unknown_domain` refusal is about.
    pub(super) fn from_sign_in(err: AppError, identity: &GoogleIdentity) -> Self {
        match Self::from_app(err) {
            Self::Refused { code, message, .. } => Self::Refused { code, message, detail: Some(domain_of(identity)) },
            other => other,
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::NotConfigured => StatusCode::NOT_FOUND,
            Self::Unreachable(_) => StatusCode::BAD_GATEWAY,
            Self::Declined(error) if error == "access_denied" => StatusCode::FORBIDDEN,
            Self::Declined(_) => StatusCode::BAD_GATEWAY,
            Self::Expired(_) | Self::BadCallback(_) | Self::InvalidToken(_) => StatusCode::BAD_REQUEST,
            Self::Refused { .. } => StatusCode::FORBIDDEN,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Logs the failure and renders its page.
    pub(super) fn respond(self, locale: Locale) -> Response {
        let status = self.status();
        let reason = self.reason();
        match &self {
            Self::Internal(_) => tracing::error!(status = status.as_u16(), %reason, "Google sign-in failed"),
            _ => tracing::warn!(status = status.as_u16(), %reason, "Google sign-in failed"),
        }
        let (title, message) = self.words(locale);
        error_page(i18n::texts(locale), status, title, &message)
    }

    /// What the log says (never a token).
    fn reason(&self) -> String {
        match self {
            Self::NotConfigured => "Google sign-in is not configured".to_owned(),
            Self::Unreachable(detail)
            | Self::InvalidToken(detail)
            | Self::Conflict(detail)
            | Self::Internal(detail) => detail.clone(),
            Self::Declined(error) => {
                format!("the provider answered error={:?}", error.chars().take(64).collect::<String>())
            }
            Self::Expired(detail) | Self::BadCallback(detail) => (*detail).to_owned(),
            Self::Refused { code, .. } => format!("sign-in refused: {code}"),
        }
    }

    /// The page's title and message in the visitor's language.
    fn words(&self, locale: Locale) -> (&'static str, String) {
        let es = locale == Locale::Es;
        let pick = |spanish: &'static str, english: &'static str| if es { spanish } else { english };
        match self {
            Self::NotConfigured => (
                pick("No disponible", "Not available"),
                i18n::texts(locale).google_not_configured.to_owned(),
            ),
            Self::Unreachable(_) => (
                pick("Google no responde", "Google did not answer"),
                pick(
                    "No pudimos completar el inicio de sesión con Google. Inténtalo de nuevo en unos minutos.",
                    "We could not complete the sign-in with Google. Please try again in a few minutes.",
                )
                .to_owned(),
            ),
            Self::Declined(error) if error != "access_denied" => Failure::Unreachable(String::new()).words(locale),
            Self::Declined(_) => (
                pick("Inicio de sesión cancelado", "Sign-in cancelled"),
                pick(
                    "Google no ha autorizado el inicio de sesión. Puedes volver a intentarlo.",
                    "Google did not authorize the sign-in. You can try again.",
                )
                .to_owned(),
            ),
            Self::Expired(_) | Self::BadCallback(_) | Self::InvalidToken(_) => (
                pick("Vuelve a iniciar sesión", "Please sign in again"),
                pick(
                    "Este inicio de sesión ha caducado, ya se usó o no se pudo verificar. Vuelve a la página de inicio e inténtalo otra vez.",
                    "This sign-in has expired, was already used or could not be verified. Go back to the start page and try again.",
                )
                .to_owned(),
            ),
            Self::Refused { code, message, detail } => {
                (pick("Acceso denegado", "Sign-in refused"), refusal_words(es, code, message, detail.as_deref()))
            }
            Self::Conflict(_) => (
                pick("Cuenta ya vinculada", "Account already linked"),
                pick(
                    "Esta cuenta de Google ya está vinculada a otra persona. Habla con tu administrador.",
                    "This Google account is already linked to someone else. Ask your administrator.",
                )
                .to_owned(),
            ),
            Self::Internal(_) => (pick("Error", "Error"), pick("Inténtalo de nuevo.", "Please try again.").to_owned()),
        }
    }
}

/// The message for a refused sign-in: the app's (English) words, or their Spanish version.
fn refusal_words(es: bool, code: &str, message: &str, detail: Option<&str>) -> String {
    if !es {
        return message.to_owned();
    }
    match code {
        "unknown_domain" => format!(
            "Ninguna organización usa Sala con el dominio {}. Pide a tu administrador que lo configure.",
            detail.unwrap_or("?")
        ),
        "calendar_not_granted" => {
            "Google no ha dado acceso al calendario: marca la casilla del calendario en la pantalla de Google."
                .to_owned()
        }
        "no_refresh_token" => "Google no ha enviado un permiso duradero; vuelve a intentarlo.".to_owned(),
        "other_google_account" => {
            format!("Conecta la cuenta de Google con la que inicias sesión ({}).", detail.unwrap_or("?"))
        }
        "email_not_verified" => "Google no ha verificado esta dirección de correo.".to_owned(),
        "email_missing" | "invalid_email" => "Google no ha compartido una dirección de correo válida.".to_owned(),
        "account_deactivated" => "Tu cuenta está desactivada. Habla con tu administrador.".to_owned(),
        _ => message.to_owned(),
    }
}

/// The domain that picks the tenant, as `sign_in_with_google` sees it: `hd`, else the email's.
fn domain_of(identity: &GoogleIdentity) -> String {
    let email_domain = identity.email.rsplit_once('@').map_or("", |(_, d)| d);
    identity.hosted_domain.as_deref().unwrap_or(email_domain).to_ascii_lowercase()
}

/// An error and its causes on one line.
pub(super) fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(email: &str, hd: Option<&str>) -> GoogleIdentity {
        GoogleIdentity {
            subject: "1".into(),
            email: email.into(),
            email_verified: true,
            name: None,
            hosted_domain: hd.map(str::to_owned),
        }
    }

    #[test]
    fn the_hosted_domain_wins_over_the_email_domain() {
        assert_eq!(domain_of(&identity("ana@Acme.Test", None)), "acme.test");
        assert_eq!(domain_of(&identity("ana@acme.test", Some("Corp.Test"))), "corp.test");
    }

    #[test]
    fn failures_map_to_fitting_statuses() {
        assert_eq!(Failure::Declined("access_denied".into()).status(), StatusCode::FORBIDDEN);
        assert_eq!(Failure::Declined("server_error".into()).status(), StatusCode::BAD_GATEWAY);
        assert_eq!(Failure::Expired("x").status(), StatusCode::BAD_REQUEST);
        assert_eq!(Failure::Unreachable("x".into()).status(), StatusCode::BAD_GATEWAY);
    }

    #[test]
    fn spanish_refusals_name_the_domain() {
        let text = refusal_words(true, "unknown_domain", "No organization ...", Some("foo.test"));
        assert!(text.contains("foo.test"));
        assert_eq!(refusal_words(false, "unknown_domain", "No organization", None), "No organization");
    }
}
