//! The words of the pages in Spanish and English. Issue-sized pages only need a handful; a full
//! message catalogue (Fluent) replaces this when the web app grows.

use sala_domain::Locale;

/// Picks the visitor's language from `Accept-Language`: English only when preferred over Spanish.
pub fn from_accept_language(header: Option<&str>) -> Locale {
    let Some(header) = header else { return Locale::Es };
    let mut best: Option<(f32, Locale)> = None;
    for part in header.split(',') {
        let mut pieces = part.trim().split(';');
        let tag = pieces.next().unwrap_or_default().trim().to_ascii_lowercase();
        let q = pieces.find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok())).unwrap_or(1.0);
        let locale = match tag.split('-').next() {
            Some("es") => Locale::Es,
            Some("en") => Locale::En,
            _ => continue,
        };
        if best.is_none_or(|(best_q, _)| q > best_q) {
            best = Some((q, locale));
        }
    }
    best.map_or(Locale::Es, |(_, l)| l)
}

/// The page texts for one language.
pub struct Texts {
    pub lang: &'static str,
    pub tagline: &'static str,
    pub sign_in_google: &'static str,
    pub google_not_configured: &'static str,
    pub dev_title: &'static str,
    pub dev_intro: &'static str,
    pub sign_in_as: &'static str,
    pub admin: &'static str,
    pub sign_out: &'static str,
    pub rooms: &'static str,
    pub capacity: &'static str,
    pub location: &'static str,
    pub equipment: &'static str,
    pub virtual_room: &'static str,
    pub no_rooms: &'static str,
    pub hello: &'static str,
    pub back_home: &'static str,
    pub api_docs: &'static str,
    pub outbox_title: &'static str,
    pub outbox_intro: &'static str,
    pub outbox_empty: &'static str,
    pub outbox_view_html: &'static str,
}

pub fn texts(locale: Locale) -> &'static Texts {
    match locale {
        Locale::Es => &ES,
        Locale::En => &EN,
    }
}

static ES: Texts = Texts {
    lang: "es",
    tagline: "Reserva salas de reuniones, invita a tu equipo y a tus clientes.",
    sign_in_google: "Iniciar sesión con Google",
    google_not_configured: "El inicio de sesión con Google no está configurado en este servidor.",
    dev_title: "Modo desarrollo",
    dev_intro: "Organización de demostración «Acme» (dominio acme.test). Entra como cualquiera de estas personas:",
    sign_in_as: "Entrar",
    admin: "administración",
    sign_out: "Cerrar sesión",
    rooms: "Salas",
    capacity: "Capacidad",
    location: "Ubicación",
    equipment: "Equipamiento",
    virtual_room: "virtual",
    no_rooms: "Todavía no hay salas.",
    hello: "Hola",
    back_home: "Volver al inicio",
    api_docs: "Documentación de la API",
    outbox_title: "Bandeja de salida (desarrollo)",
    outbox_intro: "En modo desarrollo cada mensaje se guarda aquí tal como se vería: el HTML del correo, su .ics y el texto de WhatsApp. Los más recientes primero.",
    outbox_empty: "Todavía no se ha enviado ningún mensaje. Crea una reserva y aparecerá aquí.",
    outbox_view_html: "Ver el correo",
};

static EN: Texts = Texts {
    lang: "en",
    tagline: "Book meeting rooms, invite your team and your clients.",
    sign_in_google: "Sign in with Google",
    google_not_configured: "Google sign-in is not configured on this server.",
    dev_title: "Development mode",
    dev_intro: "Demo organization \u{201c}Acme\u{201d} (domain acme.test). Sign in as any of these people:",
    sign_in_as: "Sign in",
    admin: "admin",
    sign_out: "Sign out",
    rooms: "Rooms",
    capacity: "Capacity",
    location: "Location",
    equipment: "Equipment",
    virtual_room: "virtual",
    no_rooms: "There are no rooms yet.",
    hello: "Hello",
    back_home: "Back to the start",
    api_docs: "API documentation",
    outbox_title: "Outbox (development)",
    outbox_intro: "In dev mode every message is kept here as it would appear: the email's HTML, its .ics and the WhatsApp text. Newest first.",
    outbox_empty: "No message has been sent yet. Create a booking and it shows up here.",
    outbox_view_html: "View the email",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_prefers_the_highest_weight() {
        assert_eq!(from_accept_language(None), Locale::Es);
        assert_eq!(from_accept_language(Some("en-GB,en;q=0.9")), Locale::En);
        assert_eq!(from_accept_language(Some("fr-FR, en;q=0.5, es;q=0.8")), Locale::Es);
        assert_eq!(from_accept_language(Some("de")), Locale::Es);
    }
}
