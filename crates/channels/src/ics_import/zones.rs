//! A `TZID` as calendars write it, as a zone of the tz database: IANA names (also with the path
//! prefixes some producers put before them, `/Europe/Madrid`), and the Windows names Outlook and
//! Exchange write (`Romance Standard Time`), for the common ones, after CLDR's `windowsZones`.

use jiff::tz::TimeZone;

/// Windows zone names and the IANA zone CLDR maps each to (its "001" territory).
const WINDOWS: &[(&str, &str)] = &[
    ("AUS Eastern Standard Time", "Australia/Sydney"),
    ("Alaskan Standard Time", "America/Anchorage"),
    ("Arab Standard Time", "Asia/Riyadh"),
    ("Arabian Standard Time", "Asia/Dubai"),
    ("Argentina Standard Time", "America/Buenos_Aires"),
    ("Atlantic Standard Time", "America/Halifax"),
    ("Azores Standard Time", "Atlantic/Azores"),
    ("Canada Central Standard Time", "America/Regina"),
    ("Cen. Australia Standard Time", "Australia/Adelaide"),
    ("Central America Standard Time", "America/Guatemala"),
    ("Central Europe Standard Time", "Europe/Budapest"),
    ("Central European Standard Time", "Europe/Warsaw"),
    ("Central Standard Time", "America/Chicago"),
    ("Central Standard Time (Mexico)", "America/Mexico_City"),
    ("China Standard Time", "Asia/Shanghai"),
    ("E. Europe Standard Time", "Europe/Chisinau"),
    ("E. South America Standard Time", "America/Sao_Paulo"),
    ("Eastern Standard Time", "America/New_York"),
    ("Egypt Standard Time", "Africa/Cairo"),
    ("FLE Standard Time", "Europe/Kiev"),
    ("GMT Standard Time", "Europe/London"),
    ("GTB Standard Time", "Europe/Bucharest"),
    ("Greenwich Standard Time", "Atlantic/Reykjavik"),
    ("Hawaiian Standard Time", "Pacific/Honolulu"),
    ("India Standard Time", "Asia/Calcutta"),
    ("Iran Standard Time", "Asia/Tehran"),
    ("Israel Standard Time", "Asia/Jerusalem"),
    ("Korea Standard Time", "Asia/Seoul"),
    ("Morocco Standard Time", "Africa/Casablanca"),
    ("Mountain Standard Time", "America/Denver"),
    ("New Zealand Standard Time", "Pacific/Auckland"),
    ("Newfoundland Standard Time", "America/St_Johns"),
    ("Pacific SA Standard Time", "America/Santiago"),
    ("Pacific Standard Time", "America/Los_Angeles"),
    ("Pakistan Standard Time", "Asia/Karachi"),
    ("Romance Standard Time", "Europe/Paris"),
    ("Russian Standard Time", "Europe/Moscow"),
    ("SA Pacific Standard Time", "America/Bogota"),
    ("SA Western Standard Time", "America/La_Paz"),
    ("SE Asia Standard Time", "Asia/Bangkok"),
    ("Singapore Standard Time", "Asia/Singapore"),
    ("South Africa Standard Time", "Africa/Johannesburg"),
    ("Taipei Standard Time", "Asia/Taipei"),
    ("Tokyo Standard Time", "Asia/Tokyo"),
    ("Turkey Standard Time", "Europe/Istanbul"),
    ("US Mountain Standard Time", "America/Phoenix"),
    ("UTC", "UTC"),
    ("Venezuela Standard Time", "America/Caracas"),
    ("W. Australia Standard Time", "Australia/Perth"),
    ("W. Europe Standard Time", "Europe/Berlin"),
];

/// The zone a `TZID` names, with its IANA name; `None` when Sala does not know it.
pub(super) fn resolve(tzid: &str) -> Option<(String, TimeZone)> {
    let tzid = tzid.trim().trim_matches('"');
    if let Some((_, iana)) = WINDOWS.iter().find(|(windows, _)| windows.eq_ignore_ascii_case(tzid)) {
        return iana_zone(iana);
    }
    // `/Europe/Madrid`, `/mozilla.org/20050126_1/Europe/Madrid`: the name is at the end.
    let segments: Vec<&str> = tzid.split('/').collect();
    (0..segments.len()).find_map(|from| iana_zone(&segments[from..].join("/")))
}

fn iana_zone(name: &str) -> Option<(String, TimeZone)> {
    if name.is_empty() {
        return None;
    }
    let zone = jiff::tz::db().get(name).ok()?;
    let canonical = zone.iana_name().unwrap_or(name).to_owned();
    Some((canonical, zone))
}

#[cfg(test)]
mod tests {
    use super::resolve;

    #[test]
    fn iana_windows_and_prefixed_names() {
        assert_eq!(resolve("Europe/Madrid").map(|z| z.0).as_deref(), Some("Europe/Madrid"));
        assert_eq!(resolve("Romance Standard Time").map(|z| z.0).as_deref(), Some("Europe/Paris"));
        assert_eq!(resolve("W. Europe Standard Time").map(|z| z.0).as_deref(), Some("Europe/Berlin"));
        assert_eq!(resolve("/mozilla.org/20050126_1/Europe/Madrid").map(|z| z.0).as_deref(), Some("Europe/Madrid"));
        assert!(resolve("Mars/Olympus_Mons").is_none());
        assert!(resolve("(UTC+01:00) Bruselas, Copenhague").is_none());
        for (_, iana) in super::WINDOWS {
            assert!(resolve(iana).is_some(), "{iana} is not in the tz database");
        }
    }
}
