//! A sign-in that did not complete, as a page in the visitor's language and a line in the log.

use crate::i18n;
use crate::oidc::Failure;
use crate::web::error_page;
use axum::response::Response;
use sala_domain::{ErrorCode, Locale};

/// Logs the failure and renders its page.
pub(super) fn respond(failure: Failure, locale: Locale) -> Response {
    let status = failure.status();
    let reason = failure.reason();
    match &failure {
        Failure::Internal(_) => tracing::error!(status = status.as_u16(), %reason, "Google sign-in failed"),
        _ => tracing::warn!(status = status.as_u16(), %reason, "Google sign-in failed"),
    }
    let (title, message) = words(&failure, locale);
    error_page(i18n::texts(locale), status, title, &message)
}

/// The page's title and message in the visitor's language.
fn words(failure: &Failure, locale: Locale) -> (&'static str, String) {
    let es = locale == Locale::Es;
    let pick = |spanish: &'static str, english: &'static str| if es { spanish } else { english };
    match failure {
        Failure::NotConfigured => (
            pick("No disponible", "Not available"),
            i18n::texts(locale).google_not_configured.to_owned(),
        ),
        Failure::Unreachable(_) => (
            pick("Google no responde", "Google did not answer"),
            pick(
                "No pudimos completar el inicio de sesión con Google. Inténtalo de nuevo en unos minutos.",
                "We could not complete the sign-in with Google. Please try again in a few minutes.",
            )
            .to_owned(),
        ),
        Failure::Declined(error) if error != "access_denied" => words(&Failure::Unreachable(String::new()), locale),
        Failure::Declined(_) => (
            pick("Inicio de sesión cancelado", "Sign-in cancelled"),
            pick(
                "Google no ha autorizado el inicio de sesión. Puedes volver a intentarlo.",
                "Google did not authorize the sign-in. You can try again.",
            )
            .to_owned(),
        ),
        Failure::Expired(_) | Failure::BadCallback(_) | Failure::InvalidToken(_) => (
            pick("Vuelve a iniciar sesión", "Please sign in again"),
            pick(
                "Este inicio de sesión ha caducado, ya se usó o no se pudo verificar. Vuelve a la página de inicio e inténtalo otra vez.",
                "This sign-in has expired, was already used or could not be verified. Go back to the start page and try again.",
            )
            .to_owned(),
        ),
        Failure::Refused { code, detail, .. } => {
            (pick("Acceso denegado", "Sign-in refused"), refusal_words(locale, *code, detail.as_deref()))
        }
        Failure::Conflict(_) => (
            pick("Cuenta ya vinculada", "Account already linked"),
            pick(
                "Esta cuenta de Google ya está vinculada a otra persona. Habla con tu administrador.",
                "This Google account is already linked to someone else. Ask your administrator.",
            )
            .to_owned(),
        ),
        Failure::TooMany(seconds) => (
            pick("Demasiados intentos", "Too many attempts"),
            if es {
                format!("Se han iniciado demasiadas sesiones desde esta dirección. Espera {seconds} s y vuelve a intentarlo.")
            } else {
                format!("Too many sign-ins were started from this address. Wait {seconds} s and try again.")
            },
        ),
        Failure::Internal(_) => (pick("Error", "Error"), pick("Inténtalo de nuevo.", "Please try again.").to_owned()),
    }
}

/// The message for a refused sign-in, in the visitor's language, naming what it is about (the
/// domain no organization uses, the address to connect) when there is one.
fn refusal_words(locale: Locale, code: ErrorCode, detail: Option<&str>) -> String {
    let words = i18n::refusal(locale, code);
    match detail {
        Some(detail) => format!("{words} ({detail})"),
        None => words.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_speak_the_visitors_language_and_name_the_domain() {
        let es = refusal_words(Locale::Es, ErrorCode::UnknownDomain, Some("foo.test"));
        assert!(es.contains("foo.test") && es.contains("Ninguna organización"), "{es}");
        let en = refusal_words(Locale::En, ErrorCode::UnknownDomain, None);
        assert!(en.starts_with("No organization"), "{en}");
    }
}
