//! A sign-in with a provider (Google, Microsoft) that did not complete, as a page in the
//! visitor's language and a line in the log.

use crate::i18n;
use crate::oidc::Failure;
use crate::web::error_page;
use axum::response::Response;
use sala_domain::{ErrorCode, Locale};

/// The provider a sign-in went to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provider {
    Google,
    Microsoft,
}

impl Provider {
    fn name(self) -> &'static str {
        match self {
            Self::Google => "Google",
            Self::Microsoft => "Microsoft",
        }
    }

    fn not_configured(self, texts: &i18n::Texts) -> &'static str {
        match self {
            Self::Google => texts.google_not_configured,
            Self::Microsoft => texts.microsoft_not_configured,
        }
    }
}

/// Logs the failure and renders its page.
pub fn respond(provider: Provider, failure: Failure, locale: Locale) -> Response {
    let status = failure.status();
    let reason = failure.reason();
    let provider_name = provider.name();
    match &failure {
        Failure::Internal(_) => {
            tracing::error!(status = status.as_u16(), %reason, provider = provider_name, "sign-in failed")
        }
        _ => tracing::warn!(status = status.as_u16(), %reason, provider = provider_name, "sign-in failed"),
    }
    let (title, message) = words(provider, &failure, locale);
    error_page(i18n::texts(locale), status, &title, &message)
}

/// The page's title and message in the visitor's language.
fn words(provider: Provider, failure: &Failure, locale: Locale) -> (String, String) {
    let es = locale == Locale::Es;
    let name = provider.name();
    let pick = |spanish: &str, english: &str| if es { spanish.to_owned() } else { english.to_owned() };
    match failure {
        Failure::NotConfigured => {
            (pick("No disponible", "Not available"), provider.not_configured(i18n::texts(locale)).to_owned())
        }
        Failure::Unreachable(_) => (
            pick(&format!("{name} no responde"), &format!("{name} did not answer")),
            pick(
                &format!("No pudimos completar el inicio de sesión con {name}. Inténtalo de nuevo en unos minutos."),
                &format!("We could not complete the sign-in with {name}. Please try again in a few minutes."),
            ),
        ),
        Failure::Declined(error) if error != "access_denied" => {
            words(provider, &Failure::Unreachable(String::new()), locale)
        }
        Failure::Declined(_) => (
            pick("Inicio de sesión cancelado", "Sign-in cancelled"),
            pick(
                &format!("{name} no ha autorizado el inicio de sesión. Puedes volver a intentarlo."),
                &format!("{name} did not authorize the sign-in. You can try again."),
            ),
        ),
        Failure::Expired(_) | Failure::BadCallback(_) | Failure::InvalidToken(_) => (
            pick("Vuelve a iniciar sesión", "Please sign in again"),
            pick(
                "Este inicio de sesión ha caducado, ya se usó o no se pudo verificar. Vuelve a la página de inicio e inténtalo otra vez.",
                "This sign-in has expired, was already used or could not be verified. Go back to the start page and try again.",
            ),
        ),
        Failure::Refused { code, detail, .. } => {
            (pick("Acceso denegado", "Sign-in refused"), refusal_words(locale, *code, detail.as_deref()))
        }
        Failure::Conflict(_) => (
            pick("Cuenta ya vinculada", "Account already linked"),
            pick(
                &format!("Esta cuenta de {name} ya está vinculada a otra persona. Habla con tu administrador."),
                &format!("This {name} account is already linked to someone else. Ask your administrator."),
            ),
        ),
        Failure::TooMany(seconds) => (
            pick("Demasiados intentos", "Too many attempts"),
            if es {
                format!(
                    "Se han iniciado demasiadas sesiones desde esta dirección. Espera {seconds} s y vuelve a intentarlo."
                )
            } else {
                format!("Too many sign-ins were started from this address. Wait {seconds} s and try again.")
            },
        ),
        Failure::Internal(_) => (pick("Error", "Error"), pick("Inténtalo de nuevo.", "Please try again.")),
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
