//! Validated value types. Each has a `parse` that is the only way to build it, and a test beside it.

use crate::ErrorCode;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a value was refused. The `code` is stable and machine-readable; the message is for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ValueError {
    pub code: ErrorCode,
    pub message: String,
}

impl ValueError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}

/// An email address, trimmed and with its domain lower-cased.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let raw = raw.trim();
        let invalid = || ValueError::new(ErrorCode::InvalidEmail, format!("'{raw}' is not a valid email address"));
        if raw.len() > 254 || !email_address::EmailAddress::is_valid(raw) {
            return Err(invalid());
        }
        let (local, domain) = raw.rsplit_once('@').ok_or_else(invalid)?;
        // Quoted local parts and IP-literal domains are valid RFC 5322 but never real colleagues,
        // and they complicate every header we later write: refuse them.
        if local.contains(['"', ' ', '<', '>']) || domain.starts_with('[') || !domain.contains('.') {
            return Err(invalid());
        }
        Ok(Self(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after the `@`, lower-case.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or_default()
    }
}

/// An email domain a tenant owns, like `acme.test`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailDomain(String);

impl EmailDomain {
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let domain = raw.trim().trim_start_matches('@').to_ascii_lowercase();
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        };
        if domain.len() > 253 || !domain.contains('.') || !domain.split('.').all(label_ok) {
            return Err(ValueError::new(ErrorCode::InvalidDomain, format!("'{raw}' is not a valid email domain")));
        }
        Ok(Self(domain))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A phone number in E.164 (`+34612345678`), checked against the numbering plan of its country.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    /// Accepts international notation with spaces, dots or dashes; stores the E.164 form.
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let invalid = || {
            ValueError::new(
                ErrorCode::InvalidPhone,
                format!("'{raw}' is not a valid phone number in international format, e.g. +34 612 345 678"),
            )
        };
        let trimmed = raw.trim();
        if !trimmed.starts_with('+') || trimmed.len() > 32 {
            return Err(invalid());
        }
        let number = phonenumber::parse(None, trimmed).map_err(|_| invalid())?;
        if !phonenumber::is_valid(&number) {
            return Err(invalid());
        }
        Ok(Self(number.format().mode(phonenumber::Mode::E164).to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The languages Sala speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    #[default]
    Es,
    En,
}

impl Locale {
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "es" => Ok(Self::Es),
            "en" => Ok(Self::En),
            _ => {
                Err(ValueError::new(ErrorCode::InvalidLocale, format!("'{raw}' is not a supported language (es, en)")))
            }
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Es => "es",
            Self::En => "en",
        }
    }
}

/// An IANA time zone name known to the bundled tz database, like `Europe/Madrid`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TimeZoneName(String);

impl TimeZoneName {
    /// The zones a person picks from: the tz database's `Area/City` names (and `UTC`), sorted;
    /// the old aliases (`US/Eastern`, `Etc/GMT+3`) still parse but are not offered.
    pub fn choices() -> &'static [String] {
        static ZONES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        ZONES.get_or_init(|| {
            const AREAS: [&str; 10] = [
                "Africa",
                "America",
                "Antarctica",
                "Arctic",
                "Asia",
                "Atlantic",
                "Australia",
                "Europe",
                "Indian",
                "Pacific",
            ];
            let mut zones: Vec<String> = jiff::tz::db()
                .available()
                .map(|name| name.as_str().to_owned())
                .filter(|name| name.split_once('/').is_some_and(|(area, _)| AREAS.contains(&area)))
                .chain(std::iter::once("UTC".to_owned()))
                .collect();
            zones.sort();
            zones.dedup();
            zones
        })
    }

    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let raw = raw.trim();
        match jiff::tz::TimeZone::get(raw) {
            Ok(tz) if !raw.is_empty() => Ok(Self(tz.iana_name().unwrap_or(raw).to_owned())),
            _ => Err(ValueError::new(
                ErrorCode::InvalidTimeZone,
                format!("'{raw}' is not an IANA time zone such as Europe/Madrid"),
            )),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn time_zone(&self) -> jiff::tz::TimeZone {
        // Parsed through the same database, so the lookup cannot fail after `parse`.
        jiff::tz::TimeZone::get(&self.0).unwrap_or(jiff::tz::TimeZone::UTC)
    }
}

/// A URL-safe short name: lower-case letters, digits and dashes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

impl Slug {
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let ok = (2..=40).contains(&raw.len())
            && raw.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !raw.starts_with('-')
            && !raw.ends_with('-');
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(ValueError::new(
                ErrorCode::InvalidSlug,
                format!("'{raw}' is not a valid slug: 2-40 lower-case letters, digits and dashes"),
            ))
        }
    }

    /// A slug derived from a display name ("Acme Corp." -> "acme-corp").
    pub fn from_name(name: &str) -> Result<Self, ValueError> {
        let folded = crate::search::fold(name);
        let dashed: String = folded.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
        let parts: Vec<&str> = dashed.split('-').filter(|p| !p.is_empty()).collect();
        Self::parse(&parts.join("-"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Parses an RFC 3339 instant that names its offset (`2027-03-01T10:00:00+01:00` or `...Z`).
/// A bare local time is refused: it would silently mean whatever zone the server is in.
pub fn parse_instant(field: &str, raw: &str) -> Result<crate::Millis, ValueError> {
    raw.trim().parse::<jiff::Timestamp>().map(|t| t.as_millisecond()).map_err(|_| {
        ValueError::new(
            ErrorCode::InvalidDatetime,
            format!("{field} must be an RFC 3339 date-time with an offset, like 2027-03-01T10:00:00+01:00"),
        )
    })
}

/// Checks optional multi-line free text (a description): at most `max` characters, and no control
/// characters other than line breaks and tabs.
pub fn clean_text(field: &str, raw: &str, max: usize) -> Result<String, ValueError> {
    let text = raw.trim();
    if text.chars().count() > max {
        return Err(ValueError::new(ErrorCode::TooLong, format!("{field} must be at most {max} characters")));
    }
    if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(ValueError::new(
            ErrorCode::InvalidCharacters,
            format!("{field} must not contain control characters"),
        ));
    }
    Ok(text.to_owned())
}

/// Checks a required, single-line display text: trimmed, non-empty, at most `max` characters, no
/// control characters (they break email headers and .ics lines later).
pub fn clean_name(field: &str, raw: &str, max: usize) -> Result<String, ValueError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(ValueError::new(ErrorCode::Required, format!("{field} must not be empty")));
    }
    if text.chars().count() > max {
        return Err(ValueError::new(ErrorCode::TooLong, format!("{field} must be at most {max} characters")));
    }
    if text.chars().any(char::is_control) {
        return Err(ValueError::new(
            ErrorCode::InvalidCharacters,
            format!("{field} must not contain control characters"),
        ));
    }
    Ok(text.to_owned())
}

macro_rules! string_conversions {
    ($($t:ty),*) => {$(
        impl TryFrom<String> for $t {
            type Error = ValueError;
            fn try_from(s: String) -> Result<Self, ValueError> {
                Self::parse(&s)
            }
        }
        impl From<$t> for String {
            fn from(v: $t) -> String {
                v.0
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    )*};
}
string_conversions!(Email, EmailDomain, Phone, TimeZoneName, Slug);

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(Email::parse(" Maria@ACME.test ").map(|e| e.to_string()), Ok("Maria@acme.test".into()));
        assert_eq!(Email::parse("juan@acme.test").map(|e| e.domain().to_owned()), Ok("acme.test".into()));
        for bad in [
            "",
            "maria",
            "maria@",
            "@acme.test",
            "a b@acme.test",
            "m@localhost",
            "x@[127.0.0.1]",
            "a@b.c\r\nBcc: x@y.z",
        ] {
            assert_eq!(Email::parse(bad).map_err(|e| e.code.as_str()), Err("invalid_email"), "{bad:?}");
        }
    }

    #[test]
    fn domains() {
        assert_eq!(EmailDomain::parse("@Acme.Test").map(|d| d.to_string()), Ok("acme.test".into()));
        for bad in ["acme", "-acme.test", "acme..test", "ac me.test", "<script>.test"] {
            assert!(EmailDomain::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn phones_normalize_to_e164() {
        assert_eq!(Phone::parse("+34 612 34 56 78").map(|p| p.to_string()), Ok("+34612345678".into()));
        assert_eq!(Phone::parse("+56 9 6123 4567").map(|p| p.to_string()), Ok("+56961234567".into()));
        for bad in ["612345678", "+34 12", "+999 123456789", "+34 612 34 56 78 99 99", "phone", "+"] {
            assert_eq!(Phone::parse(bad).map_err(|e| e.code.as_str()), Err("invalid_phone"), "{bad}");
        }
    }

    #[test]
    fn time_zones_and_locales() {
        assert!(TimeZoneName::parse("Europe/Madrid").is_ok());
        assert!(TimeZoneName::parse("America/Santiago").is_ok());
        assert!(TimeZoneName::parse("Mars/Olympus").is_err());
        assert!(TimeZoneName::parse("").is_err());
        assert_eq!(Locale::parse("EN"), Ok(Locale::En));
        assert!(Locale::parse("fr").is_err());
    }

    #[test]
    fn slugs() {
        assert_eq!(Slug::from_name("Acme Corp.").map(|s| s.to_string()), Ok("acme-corp".into()));
        assert_eq!(Slug::from_name("Compañía Ñandú").map(|s| s.to_string()), Ok("compania-nandu".into()));
        assert!(Slug::parse("Acme").is_err());
        assert!(Slug::parse("a").is_err());
    }

    #[test]
    fn instants_need_an_offset() {
        assert_eq!(parse_instant("start", "2027-03-01T10:00:00+01:00"), Ok(1_803_891_600_000));
        assert_eq!(parse_instant("start", "2027-03-01T09:00:00Z"), Ok(1_803_891_600_000));
        for bad in ["2027-03-01T10:00:00", "2027-03-01", "tomorrow", "", "2027-02-30T10:00:00Z"] {
            assert_eq!(parse_instant("start", bad).map_err(|e| e.code.as_str()), Err("invalid_datetime"), "{bad}");
        }
    }

    #[test]
    fn multi_line_text() {
        assert_eq!(clean_text("d", " line 1\nline 2 ", 50), Ok("line 1\nline 2".into()));
        assert!(clean_text("d", "bell\u{7}", 50).is_err());
        assert!(clean_text("d", &"x".repeat(51), 50).is_err());
    }

    #[test]
    fn names() {
        assert_eq!(clean_name("name", "  Sala Grande ", 20), Ok("Sala Grande".into()));
        assert_eq!(clean_name("name", "   ", 10).map_err(|e| e.code.as_str()), Err("required"));
        assert_eq!(clean_name("name", "x".repeat(11).as_str(), 10).map_err(|e| e.code.as_str()), Err("too_long"));
        assert_eq!(clean_name("name", "a\r\nb", 10).map_err(|e| e.code.as_str()), Err("invalid_characters"));
        // HTML and SQL metacharacters are ordinary text: escaping happens where text is written out.
        assert!(clean_name("name", "<b>'; --", 20).is_ok());
    }
}
