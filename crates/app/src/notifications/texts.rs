//! The words of every message in Spanish and English, and dates as each language writes them.
//! Only this module knows a language; the composer asks it for phrases by locale.

use sala_domain::recurrence::Frequency;
use sala_domain::{Locale, Millis, Recurrence, TimeRange, TimeZoneName};

/// The fixed phrases of one language.
pub struct Phrases {
    pub lang: &'static str,
    pub when: &'static str,
    pub room: &'static str,
    pub organizer: &'static str,
    pub attendees: &'static str,
    pub description: &'static str,
    pub join: &'static str,
    pub what_changed: &'static str,
    pub reason: &'static str,
    pub no_reason: &'static str,
    pub title_label: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub meet_label: &'static str,
    pub added: &'static str,
    pub removed: &'static str,
    pub repeats: &'static str,
    pub except: &'static str,
    pub other_dates: &'static str,
    pub footer: &'static str,
}

pub fn phrases(locale: Locale) -> &'static Phrases {
    match locale {
        Locale::Es => &ES,
        Locale::En => &EN,
    }
}

static ES: Phrases = Phrases {
    lang: "es",
    when: "Cuándo",
    room: "Sala",
    organizer: "Organiza",
    attendees: "Invitados",
    description: "Descripción",
    join: "Unirse con Google Meet",
    what_changed: "Qué ha cambiado",
    reason: "Motivo",
    no_reason: "sin motivo indicado",
    title_label: "Título",
    yes: "sí",
    no: "no",
    meet_label: "Google Meet",
    added: "añadidos",
    removed: "quitados",
    repeats: "Se repite",
    except: "Excepto",
    other_dates: "También el",
    footer: "Enviado por Sala. Responde a la invitación desde tu calendario.",
};

static EN: Phrases = Phrases {
    lang: "en",
    when: "When",
    room: "Room",
    organizer: "Organizer",
    attendees: "Guests",
    description: "Description",
    join: "Join with Google Meet",
    what_changed: "What changed",
    reason: "Reason",
    no_reason: "no reason given",
    title_label: "Title",
    yes: "yes",
    no: "no",
    meet_label: "Google Meet",
    added: "added",
    removed: "removed",
    repeats: "Repeats",
    except: "Except",
    other_dates: "Also on",
    footer: "Sent by Sala. Answer the invitation from your calendar.",
};

/// What a message is, from the reader's side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// You are invited (a guest of a new booking, or one added by an edit).
    Invited,
    /// Your booking is confirmed (the organizer of a new booking).
    Confirmed,
    Updated,
    Cancelled,
    /// You were taken off the guest list.
    Uninvited,
    Reminder,
    /// Nobody checked in in time and the room was released (the organizer).
    Released,
}

/// The subject line (email) and heading.
pub fn subject(locale: Locale, kind: Kind, title: &str, when: &str, minutes: u32) -> String {
    match (locale, kind) {
        (Locale::Es, Kind::Invited) => format!("Invitación: {title} — {when}"),
        (Locale::Es, Kind::Confirmed) => format!("Reserva confirmada: {title} — {when}"),
        (Locale::Es, Kind::Updated) => format!("Reunión actualizada: {title} — {when}"),
        (Locale::Es, Kind::Cancelled) => format!("Reunión cancelada: {title} — {when}"),
        (Locale::Es, Kind::Uninvited) => format!("Ya no estás invitado: {title} — {when}"),
        (Locale::Es, Kind::Reminder) => format!("Recordatorio: {title} empieza en {minutes} min"),
        (Locale::Es, Kind::Released) => format!("Sala liberada: {title} — {when}"),
        (Locale::En, Kind::Invited) => format!("Invitation: {title} — {when}"),
        (Locale::En, Kind::Confirmed) => format!("Booking confirmed: {title} — {when}"),
        (Locale::En, Kind::Updated) => format!("Meeting updated: {title} — {when}"),
        (Locale::En, Kind::Cancelled) => format!("Meeting cancelled: {title} — {when}"),
        (Locale::En, Kind::Uninvited) => format!("You are no longer invited: {title} — {when}"),
        (Locale::En, Kind::Reminder) => format!("Reminder: {title} starts in {minutes} min"),
        (Locale::En, Kind::Released) => format!("Room released: {title} — {when}"),
    }
}

/// The first sentence of the body.
pub fn intro(locale: Locale, kind: Kind, organizer: &str, minutes: u32) -> String {
    match (locale, kind) {
        (Locale::Es, Kind::Invited) => format!("{organizer} te invita a una reunión."),
        (Locale::Es, Kind::Confirmed) => "Tu reserva está confirmada.".to_owned(),
        (Locale::Es, Kind::Updated) => format!("{organizer} ha cambiado la reunión."),
        (Locale::Es, Kind::Cancelled) => format!("{organizer} ha cancelado la reunión."),
        (Locale::Es, Kind::Uninvited) => format!("{organizer} te ha quitado de la lista de invitados."),
        (Locale::Es, Kind::Reminder) => format!("Tu reunión empieza en {minutes} minutos."),
        (Locale::Es, Kind::Released) => {
            format!("Nadie hizo check-in en los primeros {minutes} minutos, así que la sala ha quedado libre.")
        }
        (Locale::En, Kind::Invited) => format!("{organizer} invites you to a meeting."),
        (Locale::En, Kind::Confirmed) => "Your booking is confirmed.".to_owned(),
        (Locale::En, Kind::Updated) => format!("{organizer} changed the meeting."),
        (Locale::En, Kind::Cancelled) => format!("{organizer} cancelled the meeting."),
        (Locale::En, Kind::Uninvited) => format!("{organizer} took you off the guest list."),
        (Locale::En, Kind::Reminder) => format!("Your meeting starts in {minutes} minutes."),
        (Locale::En, Kind::Released) => {
            format!("Nobody checked in within {minutes} minutes of the start, so the room was released.")
        }
    }
}

/// A release's reason, as a cancellation's would read.
pub fn released_reason(locale: Locale, minutes: u32) -> String {
    match locale {
        Locale::Es => format!("nadie hizo check-in en {minutes} min (sala liberada)"),
        Locale::En => format!("nobody checked in within {minutes} min (room released)"),
    }
}

/// The WhatsApp preview of a template, as the approved template would read (dev outbox only).
pub fn whatsapp_preview(locale: Locale, kind: Kind, params: &[String]) -> String {
    let p = |i: usize| params.get(i).map(String::as_str).unwrap_or_default();
    match (locale, kind) {
        (Locale::Es, Kind::Reminder) => format!("⏰ {} empieza en {} min en {}. {}", p(0), p(1), p(2), p(3)),
        (Locale::En, Kind::Reminder) => format!("⏰ {} starts in {} min in {}. {}", p(0), p(1), p(2), p(3)),
        (Locale::Es, Kind::Cancelled | Kind::Released) => {
            format!("❌ Cancelada: {} ({}). Motivo: {}", p(0), p(1), p(2))
        }
        (Locale::En, Kind::Cancelled | Kind::Released) => {
            format!("❌ Cancelled: {} ({}). Reason: {}", p(0), p(1), p(2))
        }
        (Locale::Es, Kind::Updated) => format!("✏️ Actualizada: {}, {} en {}. Cambios: {}", p(0), p(1), p(2), p(3)),
        (Locale::En, Kind::Updated) => format!("✏️ Updated: {}, {} in {}. Changes: {}", p(0), p(1), p(2), p(3)),
        (Locale::Es, _) => format!("✅ Reserva confirmada: {}, {} en {}. {}", p(0), p(1), p(2), p(3)),
        (Locale::En, _) => format!("✅ Booking confirmed: {}, {} in {}. {}", p(0), p(1), p(2), p(3)),
    }
}

const ES_DAYS: [&str; 7] = ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"];
const EN_DAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const ES_MONTHS: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];
const EN_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A meeting's time as the reader's language writes it, in `zone`:
/// "martes, 5 de enero de 2027, 10:00–11:00 (Europe/Madrid)" or
/// "Tuesday, 5 January 2027, 10:00–11:00 (Europe/Madrid)". A meeting over midnight names both days.
pub fn when(locale: Locale, time: TimeRange, zone: &TimeZoneName) -> String {
    let (Some(start), Some(end)) = (zoned(time.start, zone), zoned(time.end, zone)) else {
        return String::new();
    };
    let end_text = if start.date() == end.date() {
        end.strftime("%H:%M").to_string()
    } else {
        format!("{}, {}", day(locale, &end), end.strftime("%H:%M"))
    };
    format!("{}, {}–{} ({})", day(locale, &start), start.strftime("%H:%M"), end_text, zone.as_str())
}

/// How a series repeats, in the reader's language: "cada semana, 10 veces, hasta el martes, 23 de
/// marzo de 2027" or "every 2 weeks, 10 times, until Tuesday, 23 March 2027".
pub fn repeats(locale: Locale, rule: &Recurrence, booked: usize, last_start: Millis, zone: &TimeZoneName) -> String {
    let n = rule.interval;
    let every = match (locale, rule.frequency, n) {
        (Locale::Es, Frequency::Weekdays, _) => "de lunes a viernes".to_owned(),
        (Locale::Es, Frequency::Daily, 1) => "cada día".to_owned(),
        (Locale::Es, Frequency::Daily, n) => format!("cada {n} días"),
        (Locale::Es, Frequency::Weekly, 1) => "cada semana".to_owned(),
        (Locale::Es, Frequency::Weekly, n) => format!("cada {n} semanas"),
        (Locale::En, Frequency::Weekdays, _) => "every weekday".to_owned(),
        (Locale::En, Frequency::Daily, 1) => "every day".to_owned(),
        (Locale::En, Frequency::Daily, n) => format!("every {n} days"),
        (Locale::En, Frequency::Weekly, 1) => "every week".to_owned(),
        (Locale::En, Frequency::Weekly, n) => format!("every {n} weeks"),
    };
    let last = zoned(last_start, zone).map(|z| day(locale, &z)).unwrap_or_default();
    match locale {
        Locale::Es => format!("{every}, {booked} {}, hasta el {last}", if booked == 1 { "vez" } else { "veces" }),
        Locale::En => format!("{every}, {booked} {}, until {last}", if booked == 1 { "time" } else { "times" }),
    }
}

/// A list of dates, short: "12 de enero de 2027, 19 de enero de 2027"; after 12, "y 3 más".
pub fn dates(locale: Locale, starts: &[Millis], zone: &TimeZoneName) -> String {
    const SHOWN: usize = 12;
    let mut list: Vec<String> = starts
        .iter()
        .take(SHOWN)
        .filter_map(|ms| zoned(*ms, zone))
        .map(|z| {
            let month = usize::from(z.month().unsigned_abs()).saturating_sub(1) % 12;
            match locale {
                Locale::Es => format!("{} de {} de {}", z.day(), ES_MONTHS[month], z.year()),
                Locale::En => format!("{} {} {}", z.day(), EN_MONTHS[month], z.year()),
            }
        })
        .collect();
    if starts.len() > SHOWN {
        let rest = starts.len() - SHOWN;
        list.push(match locale {
            Locale::Es => format!("y {rest} más"),
            Locale::En => format!("and {rest} more"),
        });
    }
    list.join(", ")
}

fn zoned(ms: Millis, zone: &TimeZoneName) -> Option<jiff::ZonedDateTime> {
    jiff::Timestamp::from_millisecond(ms).ok().map(|t| t.to_zoned_datetime(zone.time_zone()))
}

fn day(locale: Locale, z: &jiff::ZonedDateTime) -> String {
    let weekday = usize::from(z.weekday().to_monday_zero_offset().unsigned_abs());
    let month = usize::from(z.month().unsigned_abs()).saturating_sub(1);
    match locale {
        Locale::Es => format!("{}, {} de {} de {}", ES_DAYS[weekday % 7], z.day(), ES_MONTHS[month % 12], z.year()),
        Locale::En => format!("{}, {} {} {}", EN_DAYS[weekday % 7], z.day(), EN_MONTHS[month % 12], z.year()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn madrid() -> TimeZoneName {
        TimeZoneName::parse("Europe/Madrid").unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn dates_read_naturally_in_both_languages() {
        // 2027-01-05 09:00Z = 10:00 in Madrid (winter, +01:00).
        let start = 1_799_139_600_000;
        let time = TimeRange { start, end: start + 3_600_000 };
        assert_eq!(when(Locale::Es, time, &madrid()), "martes, 5 de enero de 2027, 10:00–11:00 (Europe/Madrid)");
        assert_eq!(when(Locale::En, time, &madrid()), "Tuesday, 5 January 2027, 10:00–11:00 (Europe/Madrid)");
        let overnight = TimeRange { start: start + 13 * 3_600_000, end: start + 15 * 3_600_000 };
        assert_eq!(
            when(Locale::En, overnight, &madrid()),
            "Tuesday, 5 January 2027, 23:00–Wednesday, 6 January 2027, 01:00 (Europe/Madrid)"
        );
    }

    #[test]
    fn series_read_naturally_in_both_languages() {
        let rule = Recurrence { frequency: Frequency::Weekly, interval: 2, count: Some(3), until: None };
        let last = 1_799_139_600_000 + 28 * 86_400_000; // Tuesday 2 February 2027
        assert_eq!(
            repeats(Locale::Es, &rule, 3, last, &madrid()),
            "cada 2 semanas, 3 veces, hasta el martes, 2 de febrero de 2027"
        );
        assert_eq!(
            repeats(Locale::En, &rule, 3, last, &madrid()),
            "every 2 weeks, 3 times, until Tuesday, 2 February 2027"
        );
        let days: Vec<Millis> = (0..14).map(|i| 1_799_139_600_000 + i * 86_400_000).collect();
        let listed = dates(Locale::En, &days, &madrid());
        assert!(listed.starts_with("5 January 2027, 6 January 2027,"), "{listed}");
        assert!(listed.ends_with("16 January 2027, and 2 more"), "{listed}");
    }
}
