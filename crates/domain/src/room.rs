//! A bookable room, physical or virtual, with what it holds and when it may be booked.

use crate::ErrorCode;
use crate::{Email, Millis, RoomId, RulesOverride, TenantId, ValueError};
use jiff::civil::Time;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum RoomKind {
    #[default]
    Physical,
    Virtual,
}

impl RoomKind {
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "physical" => Ok(Self::Physical),
            "virtual" => Ok(Self::Virtual),
            _ => Err(ValueError::new(
                ErrorCode::InvalidRoomKind,
                format!("'{raw}' is not a room kind (physical, virtual)"),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Physical => "physical",
            Self::Virtual => "virtual",
        }
    }
}

/// An equipment tag such as `projector` or `video-conference`: lower-case, digits and dashes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Equipment(String);

impl Equipment {
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let folded = crate::search::fold(raw).replace(' ', "-");
        let ok = (1..=32).contains(&folded.len())
            && folded.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if ok {
            Ok(Self(folded))
        } else {
            Err(ValueError::new(
                ErrorCode::InvalidEquipment,
                format!("'{raw}' is not an equipment tag: up to 32 letters, digits and dashes"),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Parses, de-duplicates and sorts a list of tags.
    pub fn parse_list<S: AsRef<str>>(raw: &[S]) -> Result<Vec<Self>, ValueError> {
        let mut tags = raw.iter().map(|t| Self::parse(t.as_ref())).collect::<Result<Vec<_>, _>>()?;
        tags.sort();
        tags.dedup();
        if tags.len() > 20 {
            return Err(ValueError::new(ErrorCode::TooManyEquipmentTags, "a room has at most 20 equipment tags"));
        }
        Ok(tags)
    }
}

impl TryFrom<String> for Equipment {
    type Error = ValueError;
    fn try_from(s: String) -> Result<Self, ValueError> {
        Self::parse(&s)
    }
}

impl From<Equipment> for String {
    fn from(e: Equipment) -> String {
        e.0
    }
}

/// A day of the week, as bookable hours name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Weekday {
    pub const ALL: [Self; 7] = [Self::Mon, Self::Tue, Self::Wed, Self::Thu, Self::Fri, Self::Sat, Self::Sun];

    /// `mon` … `sun`, any case.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|d| format!("{d:?}").to_ascii_lowercase() == text)
    }
}

impl From<jiff::civil::Weekday> for Weekday {
    fn from(w: jiff::civil::Weekday) -> Self {
        use jiff::civil::Weekday as J;
        match w {
            J::Monday => Self::Mon,
            J::Tuesday => Self::Tue,
            J::Wednesday => Self::Wed,
            J::Thursday => Self::Thu,
            J::Friday => Self::Fri,
            J::Saturday => Self::Sat,
            J::Sunday => Self::Sun,
        }
    }
}

/// When a room may be booked, as local wall-clock times in the tenant's time zone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookableHours {
    pub days: Vec<Weekday>,
    #[serde(with = "hh_mm")]
    pub opens: Time,
    #[serde(with = "hh_mm")]
    pub closes: Time,
}

impl BookableHours {
    /// Checks that the window is not empty and the days are listed once each.
    pub fn validate(mut self) -> Result<Self, ValueError> {
        self.days.sort();
        self.days.dedup();
        if self.days.is_empty() {
            return Err(ValueError::new(ErrorCode::InvalidBookableHours, "bookable hours need at least one weekday"));
        }
        if self.opens >= self.closes {
            return Err(ValueError::new(ErrorCode::InvalidBookableHours, "bookable hours must open before they close"));
        }
        Ok(self)
    }

    /// The compact form `parse_compact` reads: `mon-fri 08:00-20:00` for a run of three days or
    /// more, `mon,wed,fri 09:00-13:30` otherwise.
    pub fn to_compact(&self) -> String {
        let name = |d: &Weekday| format!("{d:?}").to_ascii_lowercase();
        let index = |d: &Weekday| Weekday::ALL.iter().position(|w| w == d).unwrap_or_default();
        let mut days = self.days.clone();
        days.sort();
        days.dedup();
        let one_run = days.windows(2).all(|w| index(&w[1]) == index(&w[0]) + 1);
        let days_text = match (days.first(), days.last()) {
            (Some(first), Some(last)) if one_run && days.len() >= 3 => format!("{}-{}", name(first), name(last)),
            _ => days.iter().map(name).collect::<Vec<_>>().join(","),
        };
        format!("{days_text} {}-{}", self.opens.strftime("%H:%M"), self.closes.strftime("%H:%M"))
    }

    /// Parses the compact form operators type: `mon-fri 08:00-20:00`, `mon,wed,fri 09:00-13:30`.
    pub fn parse_compact(text: &str) -> Result<Self, ValueError> {
        let invalid =
            || ValueError::new(ErrorCode::InvalidBookableHours, format!("'{text}' is not like 'mon-fri 08:00-20:00'"));
        let (days_part, times_part) = text.trim().split_once(' ').ok_or_else(invalid)?;
        let (opens, closes) = times_part.trim().split_once('-').ok_or_else(invalid)?;
        let time = |t: &str| Time::strptime("%H:%M", t.trim()).map_err(|_| invalid());
        let mut days = Vec::new();
        for item in days_part.split(',') {
            let (first, last) = item.split_once('-').unwrap_or((item, item));
            let (first, last) = (Weekday::parse(first).ok_or_else(invalid)?, Weekday::parse(last).ok_or_else(invalid)?);
            if first > last {
                return Err(invalid());
            }
            days.extend(Weekday::ALL.iter().copied().filter(|d| (first..=last).contains(d)));
        }
        Self { days, opens: time(opens)?, closes: time(closes)? }.validate()
    }

    /// Whether `range` lies within these hours, read in `zone` (the organization's): it starts
    /// and ends on one bookable day, from opening to closing.
    pub fn allows(&self, range: crate::TimeRange, zone: &crate::TimeZoneName) -> bool {
        let local = |ms: crate::Millis| {
            jiff::Timestamp::from_millisecond(ms).ok().map(|t| t.to_zoned_datetime(zone.time_zone()))
        };
        let (Some(start), Some(end)) = (local(range.start), local(range.end)) else { return false };
        // `closes` is at most 23:59, so an end at midnight (the next date) is always outside.
        start.date() == end.date()
            && self.days.contains(&Weekday::from(start.weekday()))
            && self.opens <= start.time()
            && end.time() <= self.closes
    }

    /// Office hours: Monday to Friday, 08:00 to 20:00.
    pub fn office() -> Self {
        use Weekday::*;
        Self {
            days: vec![Mon, Tue, Wed, Thu, Fri],
            opens: Time::constant(8, 0, 0, 0),
            closes: Time::constant(20, 0, 0, 0),
        }
    }
}

/// `HH:MM` on the wire: seconds have no meaning for opening hours.
mod hh_mm {
    use jiff::civil::Time;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(t: &Time, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.strftime("%H:%M").to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Time, D::Error> {
        let raw = String::deserialize(d)?;
        Time::strptime("%H:%M", &raw).map_err(|_| D::Error::custom(format!("'{raw}' is not a time like 08:30")))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Room {
    pub id: RoomId,
    pub tenant_id: TenantId,
    pub name: String,
    pub capacity: u32,
    /// Where to find it: building, floor ("Planta 2").
    pub location: Option<String>,
    pub equipment: Vec<Equipment>,
    /// Fixed once the room is made: a physical room holds one meeting at a time, a virtual room
    /// several (up to `max_meetings`), each with a video link.
    pub kind: RoomKind,
    /// A virtual room's limit of meetings at once; `None`: no limit (always `None` when physical).
    pub max_meetings: Option<u32>,
    /// A virtual room's standing video link, given to every meeting in it; `None`: each meeting
    /// gets its own Google Meet link (always `None` when physical).
    pub video_link: Option<String>,
    /// The room's Google Workspace resource calendar, when it has one.
    pub google_calendar: Option<Email>,
    /// Deactivated rooms stay for history but take no new bookings.
    pub active: bool,
    /// `None`: bookable at any time.
    pub bookable_hours: Option<BookableHours>,
    /// This room's exceptions to the tenant's booking rules.
    pub rules: RulesOverride,
    pub created_at: Millis,
    pub updated_at: Millis,
}

impl Room {
    pub const MAX_CAPACITY: u32 = 1000;

    pub const MAX_MEETINGS: u32 = 1000;

    /// Several meetings may run in it at once (a virtual room).
    pub fn is_shared(&self) -> bool {
        self.kind == RoomKind::Virtual
    }

    pub fn check_max_meetings(max: i64) -> Result<u32, ValueError> {
        u32::try_from(max).ok().filter(|m| (1..=Self::MAX_MEETINGS).contains(m)).ok_or_else(|| {
            ValueError::new(
                ErrorCode::InvalidMaxMeetings,
                format!("meetings at once must be between 1 and {}", Self::MAX_MEETINGS),
            )
        })
    }

    /// A standing video link: an `https` address people open (Meet, Zoom, Teams, ...).
    pub fn check_video_link(raw: &str) -> Result<String, ValueError> {
        let link = raw.trim();
        let bad = || ValueError::new(ErrorCode::InvalidVideoLink, "the video link must be an https address");
        let rest = link.strip_prefix("https://").ok_or_else(bad)?;
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let fine = link.len() <= 500
            && host.contains('.')
            && !link.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | '\\'));
        if fine { Ok(link.to_owned()) } else { Err(bad()) }
    }

    pub fn check_capacity(capacity: i64) -> Result<u32, ValueError> {
        u32::try_from(capacity).ok().filter(|c| (1..=Self::MAX_CAPACITY).contains(c)).ok_or_else(|| {
            ValueError::new(
                ErrorCode::InvalidCapacity,
                format!("capacity must be between 1 and {}", Self::MAX_CAPACITY),
            )
        })
    }

    /// The folded name that must be unique within a tenant ("Sala Azul" == "sala azul").
    pub fn name_key(&self) -> String {
        crate::search::fold(&self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equipment_tags_are_normalized() {
        let tags = Equipment::parse_list(&["Projector", "video conference", "projector"]);
        assert_eq!(
            tags.map(|t| t.into_iter().map(String::from).collect::<Vec<_>>()),
            Ok(vec!["projector".to_owned(), "video-conference".to_owned()])
        );
        assert!(Equipment::parse("<script>").is_err());
        assert!(Equipment::parse("").is_err());
    }

    #[test]
    fn bookable_hours_round_trip_and_validate() {
        let json = r#"{"days":["tue","mon","mon"],"opens":"08:30","closes":"18:00"}"#;
        let hours: BookableHours = serde_json::from_str(json)
            .map_err(|e| e.to_string())
            .and_then(|h: BookableHours| h.validate().map_err(|e| e.to_string()))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(hours.days, vec![Weekday::Mon, Weekday::Tue]);
        assert_eq!(
            serde_json::to_string(&hours).ok().as_deref(),
            Some(r#"{"days":["mon","tue"],"opens":"08:30","closes":"18:00"}"#)
        );
        let reversed = BookableHours {
            opens: Time::constant(18, 0, 0, 0),
            closes: Time::constant(8, 0, 0, 0),
            ..BookableHours::office()
        };
        assert!(reversed.validate().is_err());
        assert!(serde_json::from_str::<BookableHours>(r#"{"days":["mon"],"opens":"25:00","closes":"26:00"}"#).is_err());
    }

    #[test]
    fn compact_hours() {
        let h = BookableHours::parse_compact("mon-fri 08:00-20:00");
        assert_eq!(h, Ok(BookableHours::office()));
        let h = BookableHours::parse_compact("sat,mon 09:00-13:30").map(|h| h.days);
        assert_eq!(h, Ok(vec![Weekday::Mon, Weekday::Sat]));
        let office = BookableHours::office();
        assert_eq!(office.to_compact(), "mon-fri 08:00-20:00");
        let split = BookableHours::parse_compact("fri,mon,wed 09:00-13:30").map(|h| h.to_compact());
        assert_eq!(split.as_deref(), Ok("mon,wed,fri 09:00-13:30"));
        assert_eq!(BookableHours::parse_compact(&office.to_compact()), Ok(office), "round trip");
        for bad in ["", "mon-fri", "fri-mon 08:00-20:00", "mon 20:00-08:00", "xyz 08:00-09:00", "mon 8-9"] {
            assert!(BookableHours::parse_compact(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn video_links_are_https_addresses() {
        assert_eq!(
            Room::check_video_link(" https://meet.google.com/abc-defg-hij "),
            Ok("https://meet.google.com/abc-defg-hij".into())
        );
        for bad in [
            "http://meet.google.com/x",
            "javascript:alert(1)",
            "https://",
            "https://x",
            "https://a.b/\"x",
            "https://a.b/ c",
        ] {
            assert!(Room::check_video_link(bad).is_err(), "{bad}");
        }
        assert_eq!(Room::check_max_meetings(3), Ok(3));
        assert!(Room::check_max_meetings(0).is_err());
    }

    #[test]
    fn capacity_bounds() {
        assert_eq!(Room::check_capacity(8), Ok(8));
        assert!(Room::check_capacity(0).is_err());
        assert!(Room::check_capacity(-3).is_err());
        assert!(Room::check_capacity(1_000_000).is_err());
    }
}
