//! A refused booking's problems in the reader's words, with the numbers that make them useful
//! ("Sois 41 y en Cabina 1 caben 2.", "Cabina 1 solo se puede reservar lun-vie 08:00-20:00."),
//! shared by the submitted form and its live check so that both say the same.

use super::error::message;
use super::shell::Shell;
use crate::i18n::words;
use sala_app::FieldError;
use sala_domain::{ErrorCode, Room};

/// What the reader is told about `problem` with `room` for a meeting of `people`.
pub fn explain(shell: &Shell, room: Option<&Room>, people: usize, problem: &FieldError) -> String {
    let t = shell.t;
    let Some(room) = room else { return message(t, problem) };
    let rules = shell.tenant.booking_rules.with_override(&room.rules);
    let fill = |text: &str, key: &str, value: String| text.replace("{room}", &room.name).replace(key, &value);
    match problem.code {
        ErrorCode::OverCapacity => seats(shell, room, people, false),
        ErrorCode::OutsideBookableHours => match &room.bookable_hours {
            Some(hours) => fill(t.err_hours_in, "{hours}", words::bookable_hours(shell.locale, hours)),
            None => message(t, problem),
        },
        ErrorCode::TooLong if problem.field == "start" => {
            fill(t.err_max_minutes, "{minutes}", rules.max_duration_minutes.to_string())
        }
        ErrorCode::TooShort if problem.field == "start" => {
            fill(t.err_min_minutes, "{minutes}", rules.min_duration_minutes.to_string())
        }
        ErrorCode::TooFarAhead => fill(t.err_days_ahead, "{days}", rules.max_days_ahead.to_string()),
        ErrorCode::TooLittleNotice => fill(t.err_notice, "{minutes}", rules.min_notice_minutes.to_string()),
        _ => message(t, problem),
    }
}

/// "Sois 41 y en Cabina 1 caben 2." (refused), or with a video call the others join from (a
/// warning).
pub fn seats(shell: &Shell, room: &Room, people: usize, warning: bool) -> String {
    let text = if warning { shell.t.warn_over_capacity_in } else { shell.t.err_over_capacity_in };
    text.replace("{people}", &people.to_string())
        .replace("{room}", &room.name)
        .replace("{seats}", &room.capacity.to_string())
}
