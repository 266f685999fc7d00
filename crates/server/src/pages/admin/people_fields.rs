//! The values of a person as people type them in the add form and in CSV cells: a consent date, a
//! yes or no, a language. Each empty value is "not said"; anything else that is not one is the
//! field's problem, with its code.

use sala_domain::dates::day_start;
use sala_domain::{ErrorCode, Locale, Millis, TimeZoneName, ValueError};

/// When consent was recorded: a day (`2026-11-30`, its start in the organization's zone) or an
/// instant (`2026-11-30T09:15:00Z`).
pub fn consent_at(raw: &str, zone: &TimeZoneName) -> Result<Option<Millis>, ValueError> {
    let text = raw.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let invalid = || ValueError::new(ErrorCode::InvalidDate, format!("'{text}' is not a date like 2026-11-30"));
    if let Ok(date) = text.parse::<jiff::civil::Date>() {
        return day_start(date, zone).map(Some).ok_or_else(invalid);
    }
    text.parse::<jiff::Timestamp>().map(|t| Some(t.as_millisecond())).map_err(|_| invalid())
}

/// A yes or no, in English or Spanish (`sí`, `si`, `yes`, `true`, `1`, `x`; `no`, `false`, `0`).
pub fn yes_no(raw: &str) -> Result<Option<bool>, ValueError> {
    match sala_domain::search::fold(raw.trim()).as_str() {
        "" => Ok(None),
        "si" | "yes" | "y" | "s" | "true" | "1" | "x" => Ok(Some(true)),
        "no" | "n" | "false" | "0" => Ok(Some(false)),
        _ => Err(ValueError::new(ErrorCode::InvalidYesNo, format!("'{}' is not yes or no", raw.trim()))),
    }
}

/// A language by its code or its name (`es`, `español`, `spanish`; `en`, `inglés`, `english`).
pub fn language(raw: &str) -> Result<Option<Locale>, ValueError> {
    match sala_domain::search::fold(raw.trim()).as_str() {
        "" => Ok(None),
        "espanol" | "spanish" | "castellano" => Ok(Some(Locale::Es)),
        "ingles" | "english" => Ok(Some(Locale::En)),
        other => Locale::parse(other).map(Some),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_read_in_either_language() {
        let madrid = TimeZoneName::parse("Europe/Madrid").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(consent_at("", &madrid).ok(), Some(None));
        // Midnight in Madrid is 23:00 UTC the day before (winter).
        assert_eq!(consent_at("2026-11-30", &madrid).ok(), Some(Some(1_795_993_200_000)));
        assert_eq!(consent_at("2026-11-30T09:00:00Z", &madrid).ok(), Some(Some(1_796_029_200_000)));
        assert_eq!(consent_at("30/11/2026", &madrid).map_err(|e| e.code), Err(ErrorCode::InvalidDate));
        assert_eq!(yes_no(" Sí ").ok(), Some(Some(true)));
        assert_eq!(yes_no("NO").ok(), Some(Some(false)));
        assert_eq!(yes_no("=1+1").map_err(|e| e.code), Err(ErrorCode::InvalidYesNo));
        assert_eq!(language("Español").ok(), Some(Some(Locale::Es)));
        assert_eq!(language("en").ok(), Some(Some(Locale::En)));
        assert_eq!(language("fr").map_err(|e| e.code), Err(ErrorCode::InvalidLocale));
    }
}
