//! A room's form as an admin fills it in, without syntax to learn: equipment ticked from a list
//! in words (plus any other tags typed), bookable days ticked and opening and closing times
//! picked. It reads the posted fields (a name repeats for ticked boxes) and says what is wrong
//! in the reader's words; the use case checks what the values mean.

use crate::i18n::{Texts, words};
use crate::pages::form::Fields;
use sala_domain::room::Weekday;
use sala_domain::{BookableHours, Locale, Room, RoomKind, RulesOverride};

/// A room's fields as the form holds them.
#[derive(Clone, Debug, Default)]
pub struct RoomForm {
    pub name: String,
    pub capacity: String,
    pub location: String,
    /// The equipment ticked from the list.
    pub equipment: Vec<String>,
    /// Other equipment, typed: tags separated by commas.
    pub equipment_other: String,
    pub kind: String,
    /// A virtual room's limit of meetings at once; empty: no limit.
    pub max_meetings: String,
    /// A virtual room's standing video link; empty: a Meet link per meeting.
    pub video_link: String,
    pub google_calendar: String,
    /// The bookable days ticked (`mon` … `sun`); none: bookable at any time.
    pub days: Vec<String>,
    /// `HH:MM`
    pub opens: String,
    pub closes: String,
    pub no_show: String,
    /// An existing room's kind is shown, not chosen (it never changes).
    pub kind_fixed: bool,
}

impl RoomForm {
    /// A new room's form: six seats, physical, bookable at any time.
    pub fn new_room() -> Self {
        Self { capacity: "6".into(), kind: "physical".into(), ..Self::default() }
    }

    /// The form for an existing room.
    pub fn of(room: &Room) -> Self {
        let (known, other): (Vec<&str>, Vec<&str>) =
            room.equipment.iter().map(|e| e.as_str()).partition(|tag| words::is_known_equipment(tag));
        let hours = room.bookable_hours.as_ref();
        Self {
            name: room.name.clone(),
            capacity: room.capacity.to_string(),
            location: room.location.clone().unwrap_or_default(),
            equipment: known.into_iter().map(str::to_owned).collect(),
            equipment_other: other.join(", "),
            kind: room.kind.as_str().to_owned(),
            max_meetings: room.max_meetings.map(|m| m.to_string()).unwrap_or_default(),
            video_link: room.video_link.clone().unwrap_or_default(),
            kind_fixed: true,
            google_calendar: room.google_calendar.as_ref().map(ToString::to_string).unwrap_or_default(),
            days: hours.map(|h| h.days.iter().map(|d| day_code(*d).to_owned()).collect()).unwrap_or_default(),
            opens: hours.map(|h| h.opens.strftime("%H:%M").to_string()).unwrap_or_default(),
            closes: hours.map(|h| h.closes.strftime("%H:%M").to_string()).unwrap_or_default(),
            no_show: room.rules.no_show_release_minutes.map(|m| m.to_string()).unwrap_or_default(),
        }
    }

    /// The form as posted.
    pub fn read(fields: &Fields) -> Self {
        Self {
            name: fields.one("name"),
            capacity: fields.one("capacity"),
            location: fields.one("location"),
            equipment: fields.all("equipment"),
            equipment_other: fields.one("equipment_other"),
            kind: fields.one("kind"),
            max_meetings: fields.one("max_meetings"),
            video_link: fields.one("video_link"),
            google_calendar: fields.one("google_calendar"),
            days: fields.all("day"),
            opens: fields.one("opens"),
            closes: fields.one("closes"),
            no_show: fields.one("no_show"),
            kind_fixed: false,
        }
    }

    /// Every tag ticked or typed, each once.
    pub fn equipment_tags(&self) -> Vec<String> {
        let typed = self.equipment_other.split(',').map(str::trim).filter(|e| !e.is_empty());
        let mut tags: Vec<String> = self.equipment.iter().map(|e| e.trim()).chain(typed).map(str::to_owned).collect();
        tags.dedup();
        tags
    }

    /// The hours as ticked and picked (no day ticked: none), or the reader's problem with them.
    pub fn hours(&self, t: &Texts) -> Result<Option<BookableHours>, String> {
        let (opens, closes) = (self.opens.trim(), self.closes.trim());
        if self.days.is_empty() && opens.is_empty() && closes.is_empty() {
            return Ok(None);
        }
        let days: Option<Vec<Weekday>> = self.days.iter().map(|d| Weekday::parse(d)).collect();
        let time = |raw: &str| jiff::civil::Time::strptime("%H:%M", raw).ok();
        match (days.filter(|d| !d.is_empty()), time(opens), time(closes)) {
            (Some(days), Some(opens), Some(closes)) => {
                BookableHours { days, opens, closes }.validate().map(Some).map_err(|_| t.err_hours.to_owned())
            }
            _ => Err(t.err_hours.to_owned()),
        }
    }

    /// The kind chosen (`None`: the use case's default, physical).
    pub fn kind(&self, t: &Texts) -> Result<Option<RoomKind>, String> {
        crate::pages::error::choice(t, &self.kind, RoomKind::parse)
    }

    /// The limit as typed: empty is none; anything else goes to the use case to judge.
    pub fn max_meetings(&self) -> Option<i64> {
        let text = self.max_meetings.trim();
        (!text.is_empty()).then(|| text.parse().unwrap_or(0))
    }

    pub fn no_show(&self, t: &Texts, keep: &RulesOverride) -> Result<RulesOverride, String> {
        let text = self.no_show.trim();
        let minutes =
            if text.is_empty() { None } else { Some(text.parse::<u32>().map_err(|_| t.err_no_show.to_owned())?) };
        Ok(RulesOverride { no_show_release_minutes: minutes, ..keep.clone() })
    }

    /// The equipment to tick from: `(tag, words, ticked)`.
    pub fn equipment_choices(&self, locale: &Locale) -> Vec<(&'static str, &'static str, bool)> {
        words::known_equipment(*locale)
            .map(|(tag, said)| (tag, said, self.equipment.iter().any(|e| e == tag)))
            .collect()
    }

    /// The days to tick from: `(code, name, ticked)`.
    pub fn day_choices(&self, locale: &Locale) -> Vec<(&'static str, &'static str, bool)> {
        Weekday::ALL
            .into_iter()
            .map(|d| {
                let code = day_code(d);
                (code, words::weekday_name(*locale, code), self.days.iter().any(|t| t.eq_ignore_ascii_case(code)))
            })
            .collect()
    }
}

/// `mon` … `sun`, as the form posts a day.
fn day_code(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "mon",
        Weekday::Tue => "tue",
        Weekday::Wed => "wed",
        Weekday::Thu => "thu",
        Weekday::Fri => "fri",
        Weekday::Sat => "sat",
        Weekday::Sun => "sun",
    }
}
