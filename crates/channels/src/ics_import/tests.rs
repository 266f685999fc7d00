use super::*;
use jiff::Timestamp;
use jiff::tz::TimeZone;

fn calendar(events: &str) -> String {
    format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\n{events}END:VCALENDAR\r\n")
}

fn madrid() -> TimeZone {
    jiff::tz::db().get("Europe/Madrid").unwrap()
}

fn at(rfc3339: &str) -> Timestamp {
    rfc3339.parse().unwrap()
}

fn window(now: &str, horizon: &str) -> Window {
    Window { now: at(now), horizon: at(horizon) }
}

fn starts(expansion: &Expansion) -> Vec<String> {
    expansion.occurrences.iter().map(|o| o.start.to_zoned_datetime(madrid()).strftime("%F %H:%M").to_string()).collect()
}

#[test]
fn a_plain_event_with_its_people() {
    let text = calendar(
        "BEGIN:VEVENT\r\nUID:a1\r\nSUMMARY:Revisión\\, semanal\r\nDESCRIPTION:Línea 1\\nLínea 2\r\n\
         DTSTART;TZID=Europe/Madrid:20270301T100000\r\nDTEND;TZID=Europe/Madrid:20270301T110000\r\n\
         ORGANIZER;CN=\"García, María\":mailto:maria@acme.test\r\n\
         ATTENDEE;CN=Juan;PARTSTAT=ACCEPTED:MAILTO:juan@acme.test\r\n\
         ATTENDEE;CUTYPE=ROOM;CN=Sala Atlántico:mailto:atlantico@resource.calendar.google.com\r\n\
         BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT10M\r\nEND:VALARM\r\nEND:VEVENT\r\n",
    );
    let events = read(text.as_bytes()).unwrap();
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(e.uid, "a1");
    assert_eq!(e.summary.as_deref(), Some("Revisión, semanal"));
    assert_eq!(e.description.as_deref(), Some("Línea 1\nLínea 2"));
    let organizer = e.organizer.as_ref().unwrap();
    assert_eq!((organizer.email.as_str(), organizer.name.as_deref()), ("maria@acme.test", Some("García, María")));
    assert_eq!(e.attendees.len(), 2);
    assert!(!e.attendees[0].resource);
    assert!(e.attendees[1].resource);
    assert_eq!(e.zone_name(), Some("Europe/Madrid"));
    let x = expand(&events, &TimeZone::UTC, window("2027-01-01T00:00:00Z", "2028-01-01T00:00:00Z")).unwrap();
    assert_eq!(x.occurrences.len(), 1);
    assert_eq!(x.occurrences[0].start, at("2027-03-01T09:00:00Z"));
    assert_eq!(x.occurrences[0].end, at("2027-03-01T10:00:00Z"));
}

#[test]
fn refusals_name_the_line() {
    let bad = |events: &str| read(calendar(events).as_bytes()).unwrap_err();
    let e = bad("BEGIN:VEVENT\r\nUID:x\r\nDTSTART:2027-03-01 10:00\r\nEND:VEVENT\r\n");
    assert_eq!(e.line, Some(6));
    assert!(e.message.contains("DTSTART"), "{e}");
    let e = bad("BEGIN:VEVENT\r\nDTSTART;TZID=Mars/Base:20270301T100000\r\nDTEND:20270301T110000Z\r\nEND:VEVENT\r\n");
    assert_eq!(e.line, Some(5));
    assert!(e.message.contains("Mars/Base"), "{e}");
    let e = bad("BEGIN:VEVENT\r\nDTSTART:20270301T100000Z\r\n");
    assert!(e.message.contains("BEGIN:VEVENT of line 4 needs its END:VEVENT"), "{e}");
    let e = bad("BEGIN:VEVENT\r\nDTSTART:20270301T100000Z\r\nRRULE:FREQ=HOURLY\r\nEND:VEVENT\r\n");
    assert_eq!(e.line, Some(6));
    let e = bad("BEGIN:VEVENT\r\nDTSTART:20270301T100000Z\r\nDTEND:20270301T090000Z\r\nEND:VEVENT\r\n");
    assert_eq!(e.line, Some(6));
    assert!(read(b"").unwrap_err().message.contains("empty"));
    assert_eq!(read(b"{\"json\": true}").unwrap_err().line, Some(1));
    assert!(read(&[0xff, 0xfe]).unwrap_err().message.contains("UTF-8"));
}

#[test]
fn a_weekly_rule_across_the_dst_change_with_exdate_and_an_override() {
    // Mondays 10:00 in Madrid from 2027-03-15 (CET) past 2027-03-28 (CEST): 03-22 excluded,
    // 03-29 moved to 12:00, 04-05 cancelled by its override.
    let text = calendar(
        "BEGIN:VEVENT\r\nUID:weekly\r\nSUMMARY:Comité\r\nDTSTART;TZID=Europe/Madrid:20270315T100000\r\n\
         DTEND;TZID=Europe/Madrid:20270315T110000\r\nRRULE:FREQ=WEEKLY;COUNT=6\r\n\
         EXDATE;TZID=Europe/Madrid:20270322T100000\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:weekly\r\nRECURRENCE-ID;TZID=Europe/Madrid:20270329T100000\r\nSUMMARY:Comité (movido)\r\n\
         DTSTART;TZID=Europe/Madrid:20270329T120000\r\nDTEND;TZID=Europe/Madrid:20270329T130000\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:weekly\r\nRECURRENCE-ID;TZID=Europe/Madrid:20270405T100000\r\nSTATUS:CANCELLED\r\n\
         DTSTART;TZID=Europe/Madrid:20270405T100000\r\nDTEND;TZID=Europe/Madrid:20270405T110000\r\nEND:VEVENT\r\n",
    );
    let events = read(text.as_bytes()).unwrap();
    let x = expand(&events, &madrid(), window("2027-03-01T00:00:00Z", "2028-01-01T00:00:00Z")).unwrap();
    assert_eq!(starts(&x), ["2027-03-15 10:00", "2027-03-29 12:00", "2027-04-12 10:00", "2027-04-19 10:00"]);
    // Wall clock kept: 09:00 UTC before the change, 08:00 UTC after.
    assert_eq!(x.occurrences[0].start, at("2027-03-15T09:00:00Z"));
    assert_eq!(x.occurrences[2].start, at("2027-04-12T08:00:00Z"));
    assert_eq!(x.occurrences[2].end, at("2027-04-12T09:00:00Z"));
    assert_eq!(x.occurrences[1].event, 1);
    assert_eq!(x.skipped.len(), 1);
    assert_eq!(x.skipped[0].reason, SkipReason::Cancelled);
}

#[test]
fn endless_and_long_rules_stop_at_the_horizon() {
    let text = calendar(
        "BEGIN:VEVENT\r\nUID:daily\r\nDTSTART:20270301T080000Z\r\nDTEND:20270301T083000Z\r\nRRULE:FREQ=DAILY\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:many\r\nDTSTART:20270301T120000Z\r\nDTEND:20270301T123000Z\r\nRRULE:FREQ=DAILY;COUNT=1000\r\nEND:VEVENT\r\n",
    );
    let events = read(text.as_bytes()).unwrap();
    let x = expand(&events, &madrid(), window("2027-03-01T00:00:00Z", "2027-03-31T00:00:00Z")).unwrap();
    assert_eq!(x.occurrences.len(), 60);
    let cut: Vec<_> = x.skipped.iter().map(|s| (s.event, s.reason, s.start.clone())).collect();
    assert_eq!(
        cut,
        [
            (0, SkipReason::OutsideHorizon, SkipStart::At(at("2027-03-31T08:00:00Z"))),
            (1, SkipReason::OutsideHorizon, SkipStart::At(at("2027-03-31T12:00:00Z"))),
        ]
    );
}

#[test]
fn past_all_day_floating_windows_and_until() {
    let text = calendar(
        "BEGIN:VEVENT\r\nUID:old\r\nDTSTART:20200301T080000Z\r\nDTEND:20200301T090000Z\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:holiday\r\nDTSTART;VALUE=DATE:20270301\r\nDTEND;VALUE=DATE:20270302\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:floating\r\nDTSTART:20270302T100000\r\nDURATION:PT45M\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:outlook\r\nDTSTART;TZID=Romance Standard Time:20270303T100000\r\n\
         DTEND;TZID=Romance Standard Time:20270303T110000\r\nRRULE:FREQ=WEEKLY;UNTIL=20270317T090000Z;BYDAY=WE\r\nEND:VEVENT\r\n",
    );
    let events = read(text.as_bytes()).unwrap();
    let x = expand(&events, &madrid(), window("2027-01-01T00:00:00Z", "2028-01-01T00:00:00Z")).unwrap();
    let reasons: Vec<_> = x.skipped.iter().map(|s| (s.event, s.reason)).collect();
    assert_eq!(reasons, [(0, SkipReason::Past), (1, SkipReason::AllDay)]);
    assert_eq!(starts(&x), ["2027-03-02 10:00", "2027-03-03 10:00", "2027-03-10 10:00", "2027-03-17 10:00"]);
    assert_eq!(x.occurrences[0].end, at("2027-03-02T09:45:00Z"));
    assert_eq!(events[3].zone_name(), Some("Europe/Paris"));
}

#[test]
fn a_series_half_past_keeps_its_future_occurrences() {
    let text = calendar(
        "BEGIN:VEVENT\r\nUID:s\r\nDTSTART:20270301T080000Z\r\nDTEND:20270301T090000Z\r\nRRULE:FREQ=DAILY;COUNT=5\r\nEND:VEVENT\r\n",
    );
    let events = read(text.as_bytes()).unwrap();
    let x = expand(&events, &madrid(), window("2027-03-03T08:30:00Z", "2028-01-01T00:00:00Z")).unwrap();
    // The 3rd is under way at "now": it is in, with the 4th and 5th.
    assert_eq!(x.occurrences.len(), 3);
    assert!(x.skipped.is_empty());
}

#[test]
fn exports_as_google_and_outlook_write_them() {
    let google = "BEGIN:VCALENDAR\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\nVERSION:2.0\r\nCALSCALE:GREGORIAN\r\n\
        METHOD:PUBLISH\r\nX-WR-CALNAME:Sala Atlántico\r\nX-WR-TIMEZONE:Europe/Madrid\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/Madrid\r\n\
        X-LIC-LOCATION:Europe/Madrid\r\nBEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\n\
        DTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\nBEGIN:STANDARD\r\n\
        TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\nDTSTART:19701025T030000\r\n\
        RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT\r\n\
        DTSTART;TZID=Europe/Madrid:20270302T093000\r\nDTEND;TZID=Europe/Madrid:20270302T103000\r\n\
        RRULE:FREQ=WEEKLY;WKST=MO;UNTIL=20270330T072959Z;BYDAY=TU\r\nDTSTAMP:20261201T101010Z\r\n\
        ORGANIZER;CN=maria@acme.test:mailto:maria@acme.test\r\nUID:4kq9s2b1o7@google.com\r\n\
        ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;CN=\"Pérez, Juan\";X-NUM-GUESTS=0:mailto:juan@acme.test\r\n\
        ATTENDEE;CUTYPE=RESOURCE;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;CN=Sala Atlántico;X-NUM-GUESTS=0:mailto:c_1883@resource.calendar.google.com\r\n\
        CREATED:20261120T090000Z\r\nDESCRIPTION:Orden del día: 1\\; revisión\\, 2\\; varios.\\nEnlace: https://m\r\n eet.google.com/abc-defg-hij\r\n\
        LAST-MODIFIED:20261201T101010Z\r\nLOCATION:Sala Atlántico\r\nSEQUENCE:0\r\nSTATUS:CONFIRMED\r\nSUMMARY:Comité\r\n\
        TRANSP:OPAQUE\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:This is an event reminder\r\nTRIGGER:-P0DT0H10M0S\r\n\
        END:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let events = read(google.as_bytes()).unwrap();
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(
        e.description.as_deref(),
        Some("Orden del día: 1; revisión, 2; varios.\nEnlace: https://meet.google.com/abc-defg-hij")
    );
    assert_eq!(e.organizer.as_ref().unwrap().name, None, "a CN that is the address is no name");
    assert_eq!(e.attendees[0].name.as_deref(), Some("Pérez, Juan"));
    assert!(e.attendees[1].resource);
    let x = expand(&events, &madrid(), window("2027-01-01T00:00:00Z", "2028-01-01T00:00:00Z")).unwrap();
    // UNTIL is 08:29:59 Madrid on the 30th, after the CEST change: the 30th's 09:30 is out.
    assert_eq!(starts(&x), ["2027-03-02 09:30", "2027-03-09 09:30", "2027-03-16 09:30", "2027-03-23 09:30"]);

    let outlook = "BEGIN:VCALENDAR\nMETHOD:PUBLISH\nPRODID:Microsoft Exchange Server 2010\nVERSION:2.0\n\
        X-WR-CALNAME:Calendario\nBEGIN:VTIMEZONE\nTZID:W. Europe Standard Time\nBEGIN:STANDARD\nDTSTART:16010101T030000\n\
        TZOFFSETFROM:+0200\nTZOFFSETTO:+0100\nRRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10\nEND:STANDARD\n\
        BEGIN:DAYLIGHT\nDTSTART:16010101T020000\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0200\n\
        RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3\nEND:DAYLIGHT\nEND:VTIMEZONE\nBEGIN:VEVENT\n\
        ORGANIZER;CN=Juan Pérez:mailto:juan@acme.test\n\
        DESCRIPTION;LANGUAGE=es-ES:Hola\\n\nUID:040000008200E00074C5B7101A82E00800000000\n\
        SUMMARY;LANGUAGE=es-ES:Revisión mensual\nDTSTART;TZID=W. Europe Standard Time:20270104T160000\n\
        DTEND;TZID=W. Europe Standard Time:20270104T170000\nRRULE:FREQ=MONTHLY;COUNT=3;BYDAY=1MO\n\
        CLASS:PUBLIC\nPRIORITY:5\nDTSTAMP:20261202T120000Z\nTRANSP:OPAQUE\nSTATUS:CONFIRMED\nSEQUENCE:0\n\
        LOCATION;LANGUAGE=es-ES:Sala Atlántico\nX-MICROSOFT-CDO-APPT-SEQUENCE:0\nX-MICROSOFT-CDO-BUSYSTATUS:BUSY\n\
        X-ALT-DESC;FMTTYPE=text/html:<html><body style=\"a:b\"><p>Hola</p></body></html>\nEND:VEVENT\nEND:VCALENDAR\n";
    let events = read(outlook.as_bytes()).unwrap();
    assert_eq!(events[0].zone_name(), Some("Europe/Berlin"));
    assert_eq!(events[0].summary.as_deref(), Some("Revisión mensual"));
    let x = expand(&events, &madrid(), window("2027-01-01T00:00:00Z", "2028-01-01T00:00:00Z")).unwrap();
    assert_eq!(starts(&x), ["2027-01-04 16:00", "2027-02-01 16:00", "2027-03-01 16:00"]);
}
