//! The words of every message in Spanish and English, and dates as each language writes them.
//! Only this module knows a language; the composer asks it for phrases by locale.

use sala_domain::Locale;
use sala_domain::tenant::CalendarService;
use sala_domain::video::VideoService;

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
    pub video_label: &'static str,
    pub join_video: &'static str,
    pub teams_label: &'static str,
    pub join_teams: &'static str,
    pub added: &'static str,
    pub removed: &'static str,
    pub repeats: &'static str,
    pub except: &'static str,
    pub other_dates: &'static str,
    pub rsvp: &'static str,
    pub footer: &'static str,
    pub footer_invitation: &'static str,
    pub footer_cancellation: &'static str,
    pub footer_google: &'static str,
    pub footer_google_gone: &'static str,
    pub footer_outlook: &'static str,
    pub footer_outlook_gone: &'static str,
}

impl Phrases {
    /// How a meeting link is labelled, and its join button, by the service it belongs to.
    pub fn video(&self, link: &str) -> (&'static str, &'static str) {
        match VideoService::of(link) {
            VideoService::GoogleMeet => (self.meet_label, self.join),
            VideoService::MicrosoftTeams => (self.teams_label, self.join_teams),
            VideoService::Other => (self.video_label, self.join_video),
        }
    }

    /// The signature, saying truthfully how the meeting reaches (or leaves) the reader's calendar.
    pub fn footer(&self, calendar: InCalendar) -> &'static str {
        match calendar {
            InCalendar::Nothing => self.footer,
            InCalendar::Invitation => self.footer_invitation,
            InCalendar::Cancellation => self.footer_cancellation,
            InCalendar::Kept { service: CalendarService::Google, gone: false } => self.footer_google,
            InCalendar::Kept { service: CalendarService::Google, gone: true } => self.footer_google_gone,
            InCalendar::Kept { service: CalendarService::Microsoft, gone: false } => self.footer_outlook,
            InCalendar::Kept { service: CalendarService::Microsoft, gone: true } => self.footer_outlook_gone,
        }
    }
}

/// How an email's meeting reaches the reader's calendar.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InCalendar {
    /// Nothing to do with calendars (a reminder).
    #[default]
    Nothing,
    /// An attached `.ics` request.
    Invitation,
    /// An attached `.ics` cancellation.
    Cancellation,
    /// The organizer's calendar service puts the meeting in the reader's calendar (Google writes
    /// the calendars of the colleagues it lists; Exchange invites everyone the event lists): no
    /// `.ics`. `gone`: the meeting leaves their calendar.
    Kept { service: CalendarService, gone: bool },
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
    video_label: "Videollamada",
    join_video: "Unirse a la videollamada",
    teams_label: "Microsoft Teams",
    join_teams: "Unirse con Microsoft Teams",
    added: "añadidos",
    removed: "quitados",
    repeats: "Se repite",
    except: "Excepto",
    other_dates: "También el",
    rsvp: "¿Vienes? Responde aquí",
    footer: "Enviado por Sala.",
    footer_invitation: "Enviado por Sala. La invitación adjunta pone la reunión en tu calendario; si respondes desde él, tu respuesta le llega a quien organiza.",
    footer_cancellation: "Enviado por Sala. El archivo adjunto la quita de tu calendario.",
    footer_google: "Enviado por Sala. La reunión ya está en tu Google Calendar; puedes responder allí.",
    footer_google_gone: "Enviado por Sala. Google Calendar la quita de tu calendario.",
    footer_outlook: "Enviado por Sala. Outlook te envía la invitación a la reunión; responde allí.",
    footer_outlook_gone: "Enviado por Sala. Outlook te envía la cancelación.",
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
    video_label: "Video call",
    join_video: "Join the video call",
    teams_label: "Microsoft Teams",
    join_teams: "Join with Microsoft Teams",
    added: "added",
    removed: "removed",
    repeats: "Repeats",
    except: "Except",
    other_dates: "Also on",
    rsvp: "Coming? Answer here",
    footer: "Sent by Sala.",
    footer_invitation: "Sent by Sala. The attached invitation puts the meeting in your calendar; an answer from your calendar reaches the organizer.",
    footer_cancellation: "Sent by Sala. The attached file takes it out of your calendar.",
    footer_google: "Sent by Sala. The meeting is already in your Google Calendar; you can answer there.",
    footer_google_gone: "Sent by Sala. Google Calendar takes it out of your calendar.",
    footer_outlook: "Sent by Sala. Outlook sends you the meeting's invitation; answer it there.",
    footer_outlook_gone: "Sent by Sala. Outlook sends you the cancellation.",
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
    /// The organizer's change in their calendar did not hold: the meeting stays as booked.
    PutBack,
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
        (Locale::Es, Kind::PutBack) => format!("Tu cambio en el calendario no se aplicó: {title} — {when}"),
        (Locale::En, Kind::Invited) => format!("Invitation: {title} — {when}"),
        (Locale::En, Kind::Confirmed) => format!("Booking confirmed: {title} — {when}"),
        (Locale::En, Kind::Updated) => format!("Meeting updated: {title} — {when}"),
        (Locale::En, Kind::Cancelled) => format!("Meeting cancelled: {title} — {when}"),
        (Locale::En, Kind::Uninvited) => format!("You are no longer invited: {title} — {when}"),
        (Locale::En, Kind::Reminder) => format!("Reminder: {title} starts in {minutes} min"),
        (Locale::En, Kind::Released) => format!("Room released: {title} — {when}"),
        (Locale::En, Kind::PutBack) => format!("Your calendar change was not applied: {title} — {when}"),
    }
}

/// Who sends an invitation, as its first sentence names them: the organizer's name and address
/// and the organization, so a guest can tell who really invites them whatever the title says.
pub fn organizer_line(locale: Locale, name: &str, email: &str, organization: &str) -> String {
    match locale {
        Locale::Es => format!("{name} ({email}), de {organization},"),
        Locale::En => format!("{name} ({email}) of {organization}"),
    }
}

/// The first sentence of the body. `organizer` is an [`organizer_line`].
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
        (Locale::Es, Kind::PutBack) => {
            "Cambiaste esta reunión en tu calendario, pero Sala no pudo aplicar el cambio, así que la reunión sigue como estaba reservada y tu calendario vuelve a mostrarla así.".to_owned()
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
        (Locale::En, Kind::PutBack) => {
            "You changed this meeting in your calendar, but Sala could not apply the change, so the meeting stays as booked and your calendar shows it that way again.".to_owned()
        }
    }
}

/// Why a calendar change was put back, from the error code that refused it.
pub fn put_back_reason(locale: Locale, code: &str) -> String {
    let es = match code {
        "booking_conflict" => "la sala ya está reservada a esa hora",
        "booking_ended" | "booking_started" => "la reunión ya ha empezado o terminado",
        "booking_cancelled" | "not_confirmed" => "la reserva está cancelada en Sala",
        "forbidden" => "no puedes cambiar esta reserva",
        "" => "la reserva está cancelada en Sala",
        _ => "el nuevo horario no cumple las normas de reserva de la sala",
    };
    let en = match code {
        "booking_conflict" => "the room is already booked at that time",
        "booking_ended" | "booking_started" => "the meeting has already started or ended",
        "booking_cancelled" | "not_confirmed" => "the booking is cancelled in Sala",
        "forbidden" => "you may not change this booking",
        "" => "the booking is cancelled in Sala",
        _ => "the new time breaks the room's booking rules",
    };
    match locale {
        Locale::Es => es.to_owned(),
        Locale::En => en.to_owned(),
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
    // The confirmation's template with the meeting link (Meet, Teams) has it as a fifth parameter.
    let meet =
        |i: usize| params.get(i).map(|link| format!(" {}: {link}", phrases(locale).video(link).0)).unwrap_or_default();
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
        (Locale::Es, _) => format!("✅ Reserva confirmada: {}, {} en {}. {}", p(0), p(1), p(2), p(3)) + &meet(4),
        (Locale::En, _) => format!("✅ Booking confirmed: {}, {} in {}. {}", p(0), p(1), p(2), p(3)) + &meet(4),
    }
}

pub use sala_domain::dates::{dates, repeats, when};

/// The words of the weekly summary email for admins.
pub struct WeeklyWords {
    pub lang: &'static str,
    pub heading: &'static str,
    pub utilization: &'static str,
    pub compared: &'static str,
    pub busiest: &'static str,
    pub least_used: &'static str,
    pub peak: &'static str,
    pub no_bookings: &'static str,
    pub cancellations: &'static str,
    pub open_report: &'static str,
    pub footer: &'static str,
    /// Monday first.
    pub weekdays: [&'static str; 7],
}

pub fn weekly_words(locale: Locale) -> &'static WeeklyWords {
    match locale {
        Locale::Es => &WEEKLY_ES,
        Locale::En => &WEEKLY_EN,
    }
}

static WEEKLY_ES: WeeklyWords = WeeklyWords {
    lang: "es",
    heading: "Resumen semanal de las salas",
    utilization: "Ocupación",
    compared: "Frente a la semana anterior",
    busiest: "Las salas más usadas",
    least_used: "Las salas menos usadas",
    peak: "Hora punta",
    no_bookings: "sin reservas",
    cancellations: "Cancelaciones",
    open_report: "Ver el informe completo",
    footer: "Enviado por Sala. Recibes este resumen porque lo pediste en Mi cuenta; puedes dejar de recibirlo allí.",
    weekdays: ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"],
};

static WEEKLY_EN: WeeklyWords = WeeklyWords {
    lang: "en",
    heading: "Weekly room summary",
    utilization: "Utilization",
    compared: "Compared with the week before",
    busiest: "Busiest rooms",
    least_used: "Least used rooms",
    peak: "Busiest hour",
    no_bookings: "no bookings",
    cancellations: "Cancellations",
    open_report: "Open the full report",
    footer: "Sent by Sala. You get this summary because you asked for it in My account; you can turn it off there.",
    weekdays: ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
};

/// A number with `places` decimals as the language writes it: `6,3` in Spanish, `6.3` in English.
pub fn decimal(locale: Locale, value: f64, places: usize) -> String {
    let text = format!("{value:.places$}");
    match locale {
        Locale::Es => text.replace('.', ","),
        Locale::En => text,
    }
}

/// A ratio (0-1) as a percentage with one decimal: `6,3 %` / `6.3%`.
pub fn percent(locale: Locale, ratio: f64) -> String {
    let number = decimal(locale, ratio * 100.0, 1);
    match locale {
        Locale::Es => format!("{number} %"),
        Locale::En => format!("{number}%"),
    }
}

/// Minutes as hours with one decimal: `1,5 h`.
pub fn hours(locale: Locale, minutes: i64) -> String {
    // Minutes of a week stay far below 2^52: the conversion is exact.
    format!("{} h", decimal(locale, minutes as f64 / 60.0, 1))
}

/// The week as the subject names it.
pub fn week_range(locale: Locale, from: jiff::civil::Date, to: jiff::civil::Date) -> String {
    match locale {
        Locale::Es => format!("del {} al {}", from.strftime("%d/%m/%Y"), to.strftime("%d/%m/%Y")),
        Locale::En => format!("{} to {}", from.strftime("%b %-d, %Y"), to.strftime("%b %-d, %Y")),
    }
}

/// The summary's subject: the organization and the week.
pub fn weekly_subject(locale: Locale, organization: &str, range: &str) -> String {
    match locale {
        Locale::Es => format!("Resumen semanal de {organization}: {range}"),
        Locale::En => format!("{organization} weekly summary: {range}"),
    }
}

/// Booked of bookable hours: "36,5 h reservadas de 120,0 h disponibles".
pub fn booked_of_bookable(locale: Locale, booked: i64, bookable: i64) -> String {
    match locale {
        Locale::Es => format!("{} reservadas de {} disponibles", hours(locale, booked), hours(locale, bookable)),
        Locale::En => format!("{} booked of {} bookable", hours(locale, booked), hours(locale, bookable)),
    }
}

/// The change from the week before, in percentage points, with the week before's figure.
pub fn change(locale: Locale, points: f64, before: f64) -> String {
    let size = decimal(locale, points.abs(), 1);
    let before = percent(locale, before);
    match (locale, points) {
        (Locale::Es, p) if p > 0.0 => format!("▲ sube {size} puntos (la semana anterior: {before})"),
        (Locale::Es, p) if p < 0.0 => format!("▼ baja {size} puntos (la semana anterior: {before})"),
        (Locale::Es, _) => format!("= igual que la semana anterior ({before})"),
        (Locale::En, p) if p > 0.0 => format!("▲ up {size} points (the week before: {before})"),
        (Locale::En, p) if p < 0.0 => format!("▼ down {size} points (the week before: {before})"),
        (Locale::En, _) => format!("= the same as the week before ({before})"),
    }
}

/// Cancelled of the bookings starting in the week, and the rate.
pub fn cancelled_of(locale: Locale, cancelled: u64, bookings: u64, rate: f64) -> String {
    match locale {
        Locale::Es => format!("{cancelled} de {bookings} reservas ({})", percent(locale, rate)),
        Locale::En => format!("{cancelled} of {bookings} bookings ({})", percent(locale, rate)),
    }
}

/// A weekday and hour: "martes, 10:00-11:00".
pub fn weekday_hour(locale: Locale, weekday: u8, hour: u8) -> String {
    let day = weekly_words(locale).weekdays[usize::from(weekday % 7)];
    format!("{day}, {hour:02}:00-{:02}:00", (hour + 1) % 24)
}
