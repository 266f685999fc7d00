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
    pub kiosk_free: &'static str,
    pub kiosk_busy_until: &'static str,
    pub kiosk_now: &'static str,
    pub kiosk_later: &'static str,
    pub kiosk_nothing_later: &'static str,
    pub kiosk_check_in: &'static str,
    pub kiosk_email: &'static str,
    pub kiosk_checked_in: &'static str,
    pub kiosk_organizer: &'static str,
    pub kiosk_done: &'static str,
    pub kiosk_already: &'static str,
    pub kiosk_not_invited: &'static str,
    pub kiosk_bad_email: &'static str,
    pub kiosk_no_meeting: &'static str,
    pub kiosk_slow_down: &'static str,
    pub kiosk_not_found_title: &'static str,
    pub kiosk_not_found: &'static str,
    pub other_language: &'static str,
    pub other_lang_code: &'static str,
    pub form_expired: &'static str,
    pub error_title: &'static str,
    pub try_again: &'static str,
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
    kiosk_free: "Libre",
    kiosk_busy_until: "Ocupada hasta las",
    kiosk_now: "Ahora",
    kiosk_later: "Más tarde",
    kiosk_nothing_later: "No hay más reuniones en las próximas 12 horas.",
    kiosk_check_in: "Hacer check-in",
    kiosk_email: "Tu correo electrónico",
    kiosk_checked_in: "con check-in",
    kiosk_organizer: "Organiza",
    kiosk_done: "Check-in hecho:",
    kiosk_already: "Ya tenías check-in:",
    kiosk_not_invited: "Ese correo no está en la lista de invitados de la reunión de esta sala.",
    kiosk_bad_email: "Escribe una dirección de correo válida.",
    kiosk_no_meeting: "Ahora no hay ninguna reunión en esta sala en la que hacer check-in.",
    kiosk_slow_down: "Demasiados intentos. Espera un minuto y vuelve a probar.",
    kiosk_not_found_title: "Enlace no válido",
    kiosk_not_found: "Este enlace de kiosco no existe o ha sido sustituido. Pide uno nuevo a quien administre Sala.",
    other_language: "English",
    other_lang_code: "en",
    form_expired: "El formulario caducó. Recarga la página e inténtalo de nuevo.",
    error_title: "Error",
    try_again: "Algo ha fallado. Inténtalo de nuevo en un momento.",
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
    kiosk_free: "Free",
    kiosk_busy_until: "Busy until",
    kiosk_now: "Now",
    kiosk_later: "Later",
    kiosk_nothing_later: "No more meetings in the next 12 hours.",
    kiosk_check_in: "Check in",
    kiosk_email: "Your email address",
    kiosk_checked_in: "checked in",
    kiosk_organizer: "Organizer",
    kiosk_done: "Checked in:",
    kiosk_already: "Already checked in:",
    kiosk_not_invited: "That address is not on the guest list of this room\u{2019}s meeting.",
    kiosk_bad_email: "Enter a valid email address.",
    kiosk_no_meeting: "There is no meeting in this room to check in to right now.",
    kiosk_slow_down: "Too many attempts. Wait a minute and try again.",
    kiosk_not_found_title: "Link not valid",
    kiosk_not_found: "This kiosk link does not exist or was replaced. Ask your Sala administrator for a new one.",
    other_language: "Español",
    other_lang_code: "es",
    form_expired: "The form expired. Reload the page and try again.",
    error_title: "Error",
    try_again: "Something went wrong. Please try again in a moment.",
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
