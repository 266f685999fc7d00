//! Reading a calendar file that another system exported (a room system, a room's Google or
//! Outlook calendar) into plain events, and expanding their repetitions within a window.
//!
//! - [`read`]: the file's `VEVENT`s, every time resolved (UTC, a zone by its IANA or Windows
//!   name, or floating), every repetition rule checked. A file that cannot be read is refused
//!   with the line where it goes wrong ([`Unreadable`]).
//! - [`expand`]: each event's occurrences between now and a horizon (`RRULE`, `RDATE`, `EXDATE`,
//!   `RECURRENCE-ID` overrides, `STATUS:CANCELLED`), and what was left out and why.
//!
//! Like the rest of this crate it knows nothing of bookings: the use case decides what becomes one.

mod event;
mod expand;
mod lines;
mod zones;

pub use event::{EndAt, ForeignEvent, Party, Stamp, Zone};
pub use expand::{Expansion, MAX_OCCURRENCES, Occurrence, Skip, SkipReason, SkipStart, Window, expand};

/// The largest calendar file read (the API refuses larger bodies with 413 before reading).
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// Why a file could not be read: where (the physical line, when known) and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct Unreadable {
    pub line: Option<usize>,
    pub message: String,
}

impl Unreadable {
    pub(crate) fn at(line: Option<usize>, message: impl Into<String>) -> Self {
        Self { line, message: message.into() }
    }

    /// "line 12: DTSTART ..." or the message alone.
    pub fn describe(&self) -> String {
        match self.line {
            Some(line) => format!("line {line}: {}", self.message),
            None => self.message.clone(),
        }
    }
}

/// The events of a calendar file, in the file's order.
pub fn read(bytes: &[u8]) -> Result<Vec<ForeignEvent>, Unreadable> {
    if bytes.len() > MAX_BYTES {
        return Err(Unreadable::at(None, "the file is larger than 10 MiB"));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
        Unreadable::at(Some(line), "the file is not UTF-8 text")
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let checked = lines::check(text)?;
    let roots = icalendar::parser::read_components(&checked.unfolded).map_err(|e| {
        let first = e.lines().find(|l| !l.trim().is_empty() && l.trim() != "error:").unwrap_or("unreadable");
        Unreadable::at(None, format!("the calendar could not be read ({})", first.trim()))
    })?;
    let components = roots
        .iter()
        .filter(|root| root.name.as_str().eq_ignore_ascii_case("VCALENDAR"))
        .flat_map(|root| root.components.iter())
        .filter(|c| c.name.as_str().eq_ignore_ascii_case("VEVENT"));
    let mut events = Vec::new();
    for (i, component) in components.enumerate() {
        let lines = checked.events.get(i).cloned().unwrap_or_default();
        let event = event::read(component, &lines)?;
        if let Some(rule) = &event.rrule {
            expand::check_rule(&event.start, rule).map_err(|why| Unreadable::at(Some(lines.line_of("RRULE")), why))?;
        }
        events.push(event);
    }
    Ok(events)
}

#[cfg(test)]
mod tests;
