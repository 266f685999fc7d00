//! Words for the codes Sala keeps (job kinds, delivery channels and statuses, equipment tags,
//! audit actions), so no page shows a raw code: each table gives Spanish and English. A code
//! with no words (an equipment tag an administrator made up) is shown as it was typed.

use sala_domain::auth::Scope;
use sala_domain::jobs::{Channel, DeliveryStatus};
use sala_domain::{BookableHours, JobKind, Locale};
use std::borrow::Cow;

/// `(code, Spanish, English)`.
type Words = (&'static str, &'static str, &'static str);

/// The table's words for `code`, if it has any.
fn find(table: &[Words], locale: Locale, code: &str) -> Option<&'static str> {
    let (_, es, en) = table.iter().find(|(c, _, _)| *c == code)?;
    Some(if locale == Locale::Es { es } else { en })
}

/// Words for `code`; a code the table lacks (a made-up tag), as it is.
fn lookup<'a>(table: &[Words], locale: Locale, code: &'a str) -> Cow<'a, str> {
    Cow::Borrowed(find(table, locale, code).unwrap_or(code))
}

const JOB_KINDS: &[Words] = &[
    ("notify", "Avisos de la reserva", "Booking messages"),
    ("calendar_sync", "Google Calendar", "Google Calendar"),
    ("calendar_pull", "Cambios desde Google Calendar", "Changes from Google Calendar"),
    ("webhook", "Webhook", "Webhook"),
    ("reminder", "Recordatorio", "Reminder"),
    ("no_show_check", "Liberación sin check-in", "No-show release"),
    ("weekly_report", "Resumen semanal", "Weekly summary"),
];

pub fn job_kind(locale: Locale, kind: JobKind) -> &'static str {
    word(JOB_KINDS, locale, kind.as_str())
}

const CHANNELS: &[Words] = &[
    ("email", "Email", "Email"),
    ("whatsapp", "WhatsApp", "WhatsApp"),
    ("calendar", "Calendario", "Calendar"),
    ("webhook", "Webhook", "Webhook"),
];

pub fn channel(locale: Locale, channel: Channel) -> &'static str {
    word(CHANNELS, locale, channel.as_str())
}

const DELIVERY_STATUSES: &[Words] = &[("sent", "Enviado", "Sent"), ("failed", "Falló", "Failed")];

pub fn delivery_status(locale: Locale, status: DeliveryStatus) -> &'static str {
    word(DELIVERY_STATUSES, locale, status.as_str())
}

/// A table's words for a code every variant of which is in it.
fn word(table: &[Words], locale: Locale, code: &str) -> &'static str {
    find(table, locale, code).unwrap_or("?")
}

const SCOPES: &[Words] =
    &[("read", "Leer", "Read"), ("write", "Cambiar", "Change"), ("webhooks", "Webhooks", "Webhooks")];

/// What an API key may do, in words.
pub fn scope(locale: Locale, scope: Scope) -> &'static str {
    word(SCOPES, locale, scope.as_str())
}

const DAYS: &[Words] = &[
    ("mon", "lun", "Mon"),
    ("tue", "mar", "Tue"),
    ("wed", "mié", "Wed"),
    ("thu", "jue", "Thu"),
    ("fri", "vie", "Fri"),
    ("sat", "sáb", "Sat"),
    ("sun", "dom", "Sun"),
];

/// A room's bookable hours as the reader says them: `lun-vie 08:00-20:00`, `Mon-Fri 08:00-20:00`.
pub fn bookable_hours(locale: Locale, hours: &BookableHours) -> String {
    let compact = hours.to_compact();
    let (days, times) = compact.split_once(' ').unwrap_or((compact.as_str(), ""));
    let mut said = String::new();
    let mut day = String::new();
    for c in days.chars().chain(std::iter::once(',')) {
        if c.is_ascii_alphabetic() {
            day.push(c);
            continue;
        }
        said.push_str(&lookup(DAYS, locale, &day));
        day.clear();
        said.push(c);
    }
    said.pop();
    format!("{said} {times}")
}

const EQUIPMENT: &[Words] = &[
    ("projector", "Proyector", "Projector"),
    ("tv-screen", "Pantalla", "TV screen"),
    ("whiteboard", "Pizarra", "Whiteboard"),
    ("video-conference", "Videoconferencia", "Video conference"),
    ("sound-system", "Sonido", "Sound system"),
    ("screen", "Pantalla de proyección", "Projection screen"),
    ("phone", "Teléfono", "Phone"),
    ("wheelchair-access", "Acceso en silla de ruedas", "Wheelchair access"),
];

/// An equipment tag in words; a tag the organization made up, as typed.
pub fn equipment(locale: Locale, tag: &str) -> Cow<'_, str> {
    lookup(EQUIPMENT, locale, tag)
}

/// The equipment Sala has words for, `(tag, words)`: what a room's form offers to tick.
pub fn known_equipment(locale: Locale) -> impl Iterator<Item = (&'static str, &'static str)> {
    EQUIPMENT.iter().map(move |(tag, es, en)| (*tag, if locale == Locale::Es { *es } else { *en }))
}

/// Whether Sala has words for `tag` (else an administrator made it up).
pub fn is_known_equipment(tag: &str) -> bool {
    EQUIPMENT.iter().any(|(known, _, _)| *known == tag)
}

const SUBJECTS: &[Words] = &[
    ("api_key", "Clave de API", "API key"),
    ("booking", "Reserva", "Booking"),
    ("feed", "Suscripción de calendario", "Calendar feed"),
    ("job", "Trabajo", "Job"),
    ("room", "Sala", "Room"),
    ("tenant", "La organización", "The organization"),
    ("user", "Persona", "Person"),
    ("webhook", "Webhook", "Webhook"),
];

/// What an audit entry is about (its subject type), in words: "Sala", "Clave de API".
pub fn subject_type(locale: Locale, code: &str) -> Cow<'_, str> {
    lookup(SUBJECTS, locale, code)
}

const DAY_NAMES: &[Words] = &[
    ("mon", "lunes", "Monday"),
    ("tue", "martes", "Tuesday"),
    ("wed", "miércoles", "Wednesday"),
    ("thu", "jueves", "Thursday"),
    ("fri", "viernes", "Friday"),
    ("sat", "sábado", "Saturday"),
    ("sun", "domingo", "Sunday"),
];

/// A day of the week by its code (`mon` … `sun`), in full: "lunes", "Monday".
pub fn weekday_name(locale: Locale, code: &str) -> &'static str {
    word(DAY_NAMES, locale, code)
}

const ACTIONS: &[Words] = &[
    ("api_key.created", "Clave de API creada", "API key created"),
    ("api_key.revoked", "Clave de API revocada", "API key revoked"),
    ("booking.answered", "Respuesta a una invitación", "Invitation answered"),
    ("booking.cancel_denied", "Cancelación denegada", "Cancellation denied"),
    ("booking.cancelled", "Reserva cancelada", "Booking cancelled"),
    ("booking.check_in_denied", "Check-in denegado", "Check-in denied"),
    ("booking.checked_in", "Check-in", "Checked in"),
    ("booking.created", "Reserva creada", "Booking created"),
    ("booking.edit_denied", "Cambio denegado", "Change denied"),
    ("booking.ended_early", "Terminada en la puerta", "Ended at the door"),
    ("booking.guests_invited", "Invitados de fuera", "Outside guests invited"),
    ("booking.adopted", "Evento del calendario adoptado", "Calendar event adopted"),
    ("booking.imported", "Reserva importada", "Booking imported"),
    ("booking.released", "Sala liberada", "Room released"),
    ("booking.updated", "Reserva modificada", "Booking changed"),
    ("feed.created", "Suscripción de calendario creada", "Calendar feed created"),
    ("feed.deleted", "Suscripción de calendario revocada", "Calendar feed revoked"),
    ("google.connected", "Google Calendar conectado", "Google Calendar connected"),
    ("google.disconnected", "Google Calendar desconectado", "Google Calendar disconnected"),
    ("google.revoked", "Google retiró el acceso", "Google access revoked"),
    ("job.replayed", "Tarea reintentada", "Job replayed"),
    ("room.created", "Sala creada", "Room created"),
    ("room.deactivated", "Sala desactivada", "Room deactivated"),
    ("room.kiosk_created", "Enlace de pantalla creado", "Kiosk link created"),
    ("room.kiosk_deleted", "Enlace de pantalla borrado", "Kiosk link deleted"),
    ("room.reactivated", "Sala reactivada", "Room reactivated"),
    ("room.updated", "Sala modificada", "Room changed"),
    ("tenant.created", "Organización creada", "Organization created"),
    ("tenant.google_service_account_removed", "Cuenta de servicio quitada", "Service account removed"),
    ("tenant.google_service_account_set", "Cuenta de servicio puesta", "Service account set"),
    ("tenant.updated", "Ajustes cambiados", "Settings changed"),
    ("tenant.whatsapp_removed", "WhatsApp propio quitado", "Own WhatsApp removed"),
    ("tenant.whatsapp_set", "WhatsApp propio puesto", "Own WhatsApp set"),
    ("user.created", "Persona añadida", "Person added"),
    ("user.google_linked", "Cuenta de Google vinculada", "Google account linked"),
    ("user.imported", "Persona importada", "Person imported"),
    ("user.microsoft_linked", "Cuenta de Microsoft vinculada", "Microsoft account linked"),
    ("user.signed_in", "Inicio de sesión", "Signed in"),
    ("user.updated", "Persona modificada", "Person changed"),
    ("webhook.created", "Webhook creado", "Webhook created"),
    ("webhook.deleted", "Webhook borrado", "Webhook deleted"),
    ("webhook.disabled", "Webhook desactivado", "Webhook disabled"),
    ("webhook.replayed", "Evento reenviado", "Event sent again"),
    ("webhook.secret_rotated", "Secreto del webhook renovado", "Webhook secret rotated"),
    ("webhook.updated", "Webhook modificado", "Webhook changed"),
];

/// An audit action in words (`booking.created`: "Reserva creada").
pub fn audit_action(locale: Locale, action: &str) -> Cow<'_, str> {
    lookup(ACTIONS, locale, action)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `"subject.verb"` string the app crate writes as an audit action has words.
    #[test]
    fn every_audit_action_the_app_writes_has_words() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/src");
        let mut missing = Vec::new();
        for action in actions_in(&root) {
            if ACTIONS.iter().all(|(c, _, _)| *c != action) {
                missing.push(action);
            }
        }
        assert!(missing.is_empty(), "audit actions without words: {missing:?}");
        assert_eq!(audit_action(Locale::En, "booking.created"), "Booking created");
        assert_eq!(audit_action(Locale::Es, "room.created"), "Sala creada");
    }

    #[test]
    fn every_job_kind_channel_and_status_has_words_and_made_up_tags_stay() {
        for kind in JobKind::ALL {
            assert_ne!(job_kind(Locale::Es, kind), "?", "{kind:?}");
        }
        for c in [Channel::Email, Channel::Whatsapp, Channel::Calendar, Channel::Webhook] {
            assert_ne!(channel(Locale::En, c), "?");
        }
        assert_eq!(delivery_status(Locale::Es, DeliveryStatus::Sent), "Enviado");
        assert_eq!(equipment(Locale::Es, "tv-screen"), "Pantalla");
        assert_eq!(equipment(Locale::En, "espresso-machine"), "espresso-machine");
        for s in Scope::ALL {
            assert_ne!(scope(Locale::Es, s), "?");
        }
        let hours = BookableHours::parse_compact("mon-fri 08:00-20:00").unwrap();
        assert_eq!(bookable_hours(Locale::Es, &hours), "lun-vie 08:00-20:00");
        assert_eq!(bookable_hours(Locale::En, &hours), "Mon-Fri 08:00-20:00");
        let hours = BookableHours::parse_compact("mon,wed 09:00-13:30").unwrap();
        assert_eq!(bookable_hours(Locale::Es, &hours), "lun,mié 09:00-13:30");
    }

    /// The audit actions named in `ctx.audit("...")` calls and the `*_ACTION`/`GUESTS_INVITED`
    /// style constants under `dir`: every `"a.b"` literal right after `audit(`.
    fn actions_in(dir: &std::path::Path) -> Vec<String> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                found.extend(actions_in(&path));
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for piece in text.split("audit(").skip(1) {
                    let piece = piece.trim_start();
                    if let Some(rest) = piece.strip_prefix('"')
                        && let Some(end) = rest.find('"')
                        && rest[..end].contains('.')
                    {
                        found.push(rest[..end].to_owned());
                    }
                }
            }
        }
        found.sort();
        found.dedup();
        found
    }
}
