//! Instants on the wire, one pair of types for every API view and webhook: [`Utc`] for when
//! something happened (RFC 3339 in UTC with milliseconds, `2027-02-20T16:05:48.239Z`) and
//! [`Local`] for a meeting's times as its people read them (RFC 3339 with the offset of the
//! booking's zone, `2027-03-01T10:00:00+01:00`). Views hold these, not preformatted strings.

use sala_domain::{Millis, TimeZoneName, rfc3339};
use serde::{Serialize, Serializer};
use std::fmt;

/// An instant, in UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Utc(pub Millis);

impl fmt::Display for Utc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&rfc3339(self.0))
    }
}

impl Serialize for Utc {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// An instant in a zone: the offset there and then.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Local {
    at: Millis,
    zone: jiff::tz::TimeZone,
}

impl Local {
    pub fn new(at: Millis, zone: &TimeZoneName) -> Self {
        Self::in_zone(at, &zone.time_zone())
    }

    /// [`Self::new`] with the zone already looked up, for many instants in one zone (a cloned
    /// zone is shared, not copied; a lookup by name searches the time zone database).
    pub fn in_zone(at: Millis, zone: &jiff::tz::TimeZone) -> Self {
        Self { at, zone: zone.clone() }
    }
}

impl fmt::Display for Local {
    /// RFC 3339 in the zone, with its offset then.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match jiff::Timestamp::from_millisecond(self.at) {
            Ok(t) => write!(f, "{}", t.display_with_offset(self.zone.to_offset(t))),
            Err(_) => Ok(()),
        }
    }
}

impl Serialize for Local {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_read_as_rfc3339() {
        let madrid = TimeZoneName::parse("Europe/Madrid").unwrap();
        let at = 1_803_891_600_000; // 2027-03-01T09:00:00Z
        assert_eq!(serde_json::to_value(Utc(at)).unwrap(), "2027-03-01T09:00:00Z");
        assert_eq!(serde_json::to_value(Local::new(at, &madrid)).unwrap(), "2027-03-01T10:00:00+01:00");
    }
}
