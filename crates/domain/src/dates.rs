//! Dates and times as people read them, in Spanish and English: "martes, 5 de enero de 2027,
//! 10:00–11:00 (Europe/Madrid)". Emails, WhatsApp messages and pages all write them this way.

use crate::recurrence::{Frequency, MonthlyBy};
use crate::{Locale, Millis, Recurrence, TimeRange, TimeZoneName};

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
/// marzo de 2027" or "every 2 weeks, 10 times, until Tuesday, 23 March 2027". `first` is the
/// first occurrence's start (a monthly series reads its day from it), `last` the last one's.
pub fn repeats(
    locale: Locale,
    rule: &Recurrence,
    first: Millis,
    booked: usize,
    last: Millis,
    zone: &TimeZoneName,
) -> String {
    let first_date = zoned(first, zone).map(|z| z.date()).unwrap_or_default();
    let every = every(locale, rule, first_date);
    let last = zoned(last, zone).map(|z| day(locale, &z)).unwrap_or_default();
    match locale {
        Locale::Es => format!("{every}, {booked} {}, hasta el {last}", if booked == 1 { "vez" } else { "veces" }),
        Locale::En => format!("{every}, {booked} {}, until {last}", if booked == 1 { "time" } else { "times" }),
    }
}

/// How often a rule repeats, in the reader's language: "cada 2 semanas", "every weekday",
/// "cada mes el segundo martes"; a monthly rule's day is read from `first`, the first date.
pub fn every(locale: Locale, rule: &Recurrence, first: jiff::civil::Date) -> String {
    let n = rule.interval;
    match (locale, rule.frequency, n) {
        (Locale::Es, Frequency::Weekdays, _) => "de lunes a viernes".to_owned(),
        (Locale::Es, Frequency::Daily, 1) => "cada día".to_owned(),
        (Locale::Es, Frequency::Daily, n) => format!("cada {n} días"),
        (Locale::Es, Frequency::Weekly, 1) => "cada semana".to_owned(),
        (Locale::Es, Frequency::Weekly, n) => format!("cada {n} semanas"),
        (Locale::Es, Frequency::Monthly, 1) => format!("cada mes {}", monthly_day(locale, rule, first)),
        (Locale::Es, Frequency::Monthly, n) => format!("cada {n} meses {}", monthly_day(locale, rule, first)),
        (Locale::En, Frequency::Weekdays, _) => "every weekday".to_owned(),
        (Locale::En, Frequency::Daily, 1) => "every day".to_owned(),
        (Locale::En, Frequency::Daily, n) => format!("every {n} days"),
        (Locale::En, Frequency::Weekly, 1) => "every week".to_owned(),
        (Locale::En, Frequency::Weekly, n) => format!("every {n} weeks"),
        (Locale::En, Frequency::Monthly, 1) => format!("every month {}", monthly_day(locale, rule, first)),
        (Locale::En, Frequency::Monthly, n) => format!("every {n} months {}", monthly_day(locale, rule, first)),
    }
}

/// The day a monthly series falls on, as `by` reads it from `first`: "el día 31", "el segundo
/// martes", "el último martes"; "on day 31", "on the second Tuesday", "on the last Tuesday".
pub fn monthly_day(locale: Locale, rule: &Recurrence, first: jiff::civil::Date) -> String {
    const ES_NTH: [&str; 5] = ["primer", "segundo", "tercer", "cuarto", "quinto"];
    const EN_NTH: [&str; 5] = ["first", "second", "third", "fourth", "fifth"];
    let weekday = usize::from(first.weekday().to_monday_zero_offset().unsigned_abs()) % 7;
    let nth = usize::from(crate::recurrence::nth_of_its_weekday(first).unsigned_abs()).saturating_sub(1) % 5;
    match (locale, rule.by.unwrap_or_default()) {
        (Locale::Es, MonthlyBy::DayOfMonth) => format!("el día {}", first.day()),
        (Locale::Es, MonthlyBy::Weekday) => format!("el {} {}", ES_NTH[nth], ES_DAYS[weekday]),
        (Locale::Es, MonthlyBy::LastWeekday) => format!("el último {}", ES_DAYS[weekday]),
        (Locale::En, MonthlyBy::DayOfMonth) => format!("on day {}", first.day()),
        (Locale::En, MonthlyBy::Weekday) => format!("on the {} {}", EN_NTH[nth], EN_DAYS[weekday]),
        (Locale::En, MonthlyBy::LastWeekday) => format!("on the last {}", EN_DAYS[weekday]),
    }
}

/// Months as the reader says them: "febrero de 2027, abril de 2027" or "February 2027, April 2027".
pub fn months(locale: Locale, months: &[jiff::civil::Date]) -> String {
    let named = months.iter().map(|m| {
        let month = usize::from(m.month().unsigned_abs()).saturating_sub(1) % 12;
        match locale {
            Locale::Es => format!("{} de {}", ES_MONTHS[month], m.year()),
            Locale::En => format!("{} {}", EN_MONTHS[month], m.year()),
        }
    });
    named.collect::<Vec<_>>().join(", ")
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

/// The first instant of `date` in `zone` (its midnight, or the first time after a gap).
pub fn day_start(date: jiff::civil::Date, zone: &TimeZoneName) -> Option<Millis> {
    date.to_zoned_datetime(zone.time_zone()).ok().map(|z| z.timestamp().as_millisecond())
}

/// The instant a wall clock in `zone` shows `date` at `time`. A time in a spring-forward gap
/// moves forward; a time in an autumn fold is the first of the two (RFC 5545's reading).
pub fn local_instant(date: jiff::civil::Date, time: jiff::civil::Time, zone: &TimeZoneName) -> Option<Millis> {
    date.to_datetime(time).to_zoned_datetime(zone.time_zone()).ok().map(|z| z.timestamp().as_millisecond())
}

/// `ms` on the wall clock of `zone`.
pub fn zoned(ms: Millis, zone: &TimeZoneName) -> Option<jiff::ZonedDateTime> {
    jiff::Timestamp::from_millisecond(ms).ok().map(|t| t.to_zoned_datetime(zone.time_zone()))
}

/// "martes, 5 de enero de 2027" or "Tuesday, 5 January 2027".
pub fn day(locale: Locale, z: &jiff::ZonedDateTime) -> String {
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
        let rule = Recurrence { frequency: Frequency::Weekly, interval: 2, count: Some(3), until: None, by: None };
        let first = 1_799_139_600_000;
        let last = first + 28 * 86_400_000; // Tuesday 2 February 2027
        assert_eq!(
            repeats(Locale::Es, &rule, first, 3, last, &madrid()),
            "cada 2 semanas, 3 veces, hasta el martes, 2 de febrero de 2027"
        );
        assert_eq!(
            repeats(Locale::En, &rule, first, 3, last, &madrid()),
            "every 2 weeks, 3 times, until Tuesday, 2 February 2027"
        );
        let days: Vec<Millis> = (0..14).map(|i| 1_799_139_600_000 + i * 86_400_000).collect();
        let listed = dates(Locale::En, &days, &madrid());
        assert!(listed.starts_with("5 January 2027, 6 January 2027,"), "{listed}");
        assert!(listed.ends_with("16 January 2027, and 2 more"), "{listed}");
    }

    #[test]
    fn monthly_series_name_their_day() {
        let monthly = |by| Recurrence { frequency: Frequency::Monthly, interval: 1, count: Some(3), until: None, by };
        // Tuesday 12 January 2027: the second Tuesday; Tuesday 26 January: the last.
        let second = jiff::civil::date(2027, 1, 12);
        assert_eq!(every(Locale::Es, &monthly(None), second), "cada mes el día 12");
        assert_eq!(every(Locale::Es, &monthly(Some(MonthlyBy::Weekday)), second), "cada mes el segundo martes");
        assert_eq!(every(Locale::En, &monthly(Some(MonthlyBy::Weekday)), second), "every month on the second Tuesday");
        let last = jiff::civil::date(2027, 1, 26);
        assert_eq!(every(Locale::Es, &monthly(Some(MonthlyBy::LastWeekday)), last), "cada mes el último martes");
        let every_3 = Recurrence { interval: 3, ..monthly(None) };
        assert_eq!(every(Locale::En, &every_3, jiff::civil::date(2027, 1, 31)), "every 3 months on day 31");
        let skipped = [jiff::civil::date(2027, 2, 1), jiff::civil::date(2027, 4, 1)];
        assert_eq!(months(Locale::Es, &skipped), "febrero de 2027, abril de 2027");
        assert_eq!(months(Locale::En, &skipped), "February 2027, April 2027");
    }
}
