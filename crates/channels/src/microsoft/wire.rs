//! Graph's JSON for events, both ways: Sala's [`EventBody`] as the `event` resource Graph takes on
//! `POST`/`PATCH`, and the `event` resource Graph returns as the seam's [`Event`].
//!
//! Times go out as Graph's `dateTimeTimeZone`: the local date-time **without** an offset and the
//! IANA zone (Graph takes IANA names beside Windows ones). They are read back in UTC: every read
//! sends `Prefer: outlook.timezone="UTC"`, and a zone other than UTC is still honoured.
//!
//! Sala's own data lives in single-value extended properties in a property set of its own
//! ([`SALA_PROPERTY_SET`]); Graph returns them only when asked with `$expand`.

use crate::calendar::{Conference, ConferenceState, Event, EventBody, EventTime, Invitee, Response};
use jiff::Timestamp;
use serde_json::{Value, json};

/// The MAPI property set (a GUID of Sala's own) its extended properties are named in.
pub const SALA_PROPERTY_SET: &str = "{6b5f0a3e-9c1d-4e7a-8f2b-5a1c3d7e9b40}";
/// The extended property with the booking the event belongs to.
pub const BOOKING_PROPERTY: &str = "salaBookingId";
/// The extended property with the booking's version the event was written from.
pub const VERSION_PROPERTY: &str = "salaVersion";
/// The extended property with the join link of a Teams meeting this event joins but does not
/// own (an occurrence of a series joining the first occurrence's meeting).
pub const CONFERENCE_PROPERTY: &str = "salaConference";

/// The id Graph knows a named string property of Sala's by: `String {guid} Name salaBookingId`.
pub fn property_id(name: &str) -> String {
    format!("String {SALA_PROPERTY_SET} Name {name}")
}

/// `$expand` of Sala's properties, so a read fills `booking_id` and `booking_version`.
pub fn expand_properties() -> String {
    let ids: Vec<String> = [BOOKING_PROPERTY, VERSION_PROPERTY, CONFERENCE_PROPERTY]
        .iter()
        .map(|name| format!("id eq '{}'", property_id(name)))
        .collect();
    format!("singleValueExtendedProperties($filter={})", ids.join(" or "))
}

/// `$filter` for the events of one booking (an OData string literal doubles its quotes).
pub fn booking_filter(booking_id: &str) -> String {
    format!(
        "singleValueExtendedProperties/Any(ep: ep/id eq '{}' and ep/value eq '{}')",
        property_id(BOOKING_PROPERTY),
        booking_id.replace('\'', "''")
    )
}

/// The local date-time (no offset) of a seam time, in its own zone.
fn local(time: &EventTime) -> String {
    let zone = jiff::tz::TimeZone::get(&time.time_zone).ok();
    let civil = match (time.date_time.parse::<Timestamp>(), zone) {
        (Ok(at), Some(zone)) => Some(at.to_zoned_datetime(zone).datetime()),
        _ => time.date_time.parse::<jiff::civil::DateTime>().ok(),
    };
    civil.map_or_else(|| time.date_time.clone(), |c| c.strftime("%Y-%m-%dT%H:%M:%S").to_string())
}

fn date_time_zone(time: &EventTime) -> Value {
    json!({"dateTime": local(time), "timeZone": time.time_zone})
}

/// The text body: Sala's description, then the join link of a copied meeting so Outlook shows it.
fn body_text(event: &EventBody, join_url: Option<&str>) -> String {
    let mut text = event.description.clone().unwrap_or_default();
    if let Some(url) = join_url {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(&format!("Microsoft Teams: {url}"));
    }
    text
}

/// The event Graph takes on `PATCH`: everything Sala writes. `ical_uid` is left out: Graph's
/// `iCalUId` is read-only (Exchange makes it), so an `.ics` about the same meeting cannot be
/// made to land on this event.
pub fn event_json(event: &EventBody, conference: &Conference) -> Value {
    let copied = match conference {
        Conference::Copy(data) => data["joinUrl"].as_str(),
        _ => None,
    };
    let attendees: Vec<Value> = event
        .attendees
        .iter()
        .map(|a| {
            json!({
                "emailAddress": {"address": a.email, "name": a.display_name.clone().unwrap_or_else(|| a.email.clone())},
                "type": if a.resource { "resource" } else { "required" },
            })
        })
        .collect();
    let mut properties = vec![
        json!({"id": property_id(BOOKING_PROPERTY), "value": event.booking_id}),
        json!({"id": property_id(VERSION_PROPERTY), "value": event.booking_version.to_string()}),
    ];
    let mut body = json!({
        "subject": event.summary,
        "body": {"contentType": "text", "content": body_text(event, copied)},
        "start": date_time_zone(&event.start),
        "end": date_time_zone(&event.end),
        "location": {"displayName": event.location.clone().unwrap_or_default()},
        "attendees": attendees,
    });
    match conference {
        Conference::Keep => {}
        Conference::Create { .. } => {
            body["isOnlineMeeting"] = json!(true);
            body["onlineMeetingProvider"] = json!("teamsForBusiness");
        }
        Conference::Remove => {
            body["isOnlineMeeting"] = json!(false);
            properties.push(json!({"id": property_id(CONFERENCE_PROPERTY), "value": ""}));
        }
        Conference::Copy(_) => {
            body["isOnlineMeeting"] = json!(false);
            let url = copied.unwrap_or_default();
            properties.push(json!({"id": property_id(CONFERENCE_PROPERTY), "value": url}));
        }
    }
    body["singleValueExtendedProperties"] = Value::Array(properties);
    body
}

/// The event Graph takes on `POST`: everything, and a `transactionId` so that a create retried
/// after a lost answer gives back the first event instead of a second one.
pub fn insert_json(event: &EventBody, conference: &Conference) -> Value {
    let mut body = event_json(event, conference);
    body["transactionId"] = json!(transaction_id(event));
    body
}

/// One per booking and version: the same write retried shares it, a later version does not.
pub fn transaction_id(event: &EventBody) -> String {
    format!("sala-{}-v{}", event.booking_id, event.booking_version)
}

/// A `dateTimeTimeZone` Graph returned, as an instant.
fn instant(time: &Value) -> Option<Timestamp> {
    let civil: jiff::civil::DateTime = time["dateTime"].as_str()?.parse().ok()?;
    let zone = match time["timeZone"].as_str() {
        None | Some("UTC") | Some("tzone://Microsoft/Utc") => jiff::tz::TimeZone::UTC,
        Some(name) => jiff::tz::TimeZone::get(name).ok()?,
    };
    civil.to_zoned_datetime(zone).ok().map(|z| z.timestamp())
}

/// Graph's `responseStatus.response`.
fn response(value: &Value) -> Response {
    match value.as_str() {
        Some("accepted" | "organizer") => Response::Accepted,
        Some("tentativelyAccepted") => Response::Tentative,
        Some("declined") => Response::Declined,
        _ => Response::NeedsAction,
    }
}

/// The value of one of Sala's extended properties, when Graph returned it.
fn property<'a>(event: &'a Value, name: &str) -> Option<&'a str> {
    let wanted = property_id(name).to_lowercase();
    event["singleValueExtendedProperties"]
        .as_array()?
        .iter()
        .find(|p| p["id"].as_str().is_some_and(|id| id.to_lowercase() == wanted))
        .and_then(|p| p["value"].as_str())
}

/// An `event` resource (or a delta's `@removed` entry) as the seam's [`Event`].
pub fn parse_event(event: &Value) -> Option<Event> {
    let id = event["id"].as_str()?.to_owned();
    if event.get("@removed").is_some() {
        return Some(Event { id, cancelled: true, ..Event::default() });
    }
    let all_day = event["isAllDay"] == true;
    let at = |key: &str| if all_day { None } else { instant(&event[key]) };
    let invitees = event["attendees"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| {
            Some(Invitee {
                email: a["emailAddress"]["address"].as_str()?.to_owned(),
                response: response(&a["status"]["response"]),
                resource: a["type"] == "resource",
            })
        })
        .collect();
    let teams = event["onlineMeeting"]["joinUrl"].as_str().filter(|u| !u.is_empty());
    let copied = property(event, CONFERENCE_PROPERTY).filter(|u| !u.is_empty());
    let link = teams.or(copied).map(str::to_owned);
    Some(Event {
        cancelled: event["isCancelled"] == true,
        booking_id: property(event, BOOKING_PROPERTY).map(str::to_owned),
        booking_version: property(event, VERSION_PROPERTY).and_then(|v| v.parse().ok()),
        summary: event["subject"].as_str().map(str::to_owned),
        start: at("start"),
        end: at("end"),
        organizer: event["organizer"]["emailAddress"]["address"].as_str().map(str::to_owned),
        invitees,
        conference_data: link.as_ref().map(|l| json!({"joinUrl": l})),
        meet_link: link,
        // Graph makes a Teams meeting with the event, in the same call.
        conference_state: ConferenceState::Settled,
        id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::EventAttendee;

    fn body() -> EventBody {
        EventBody {
            booking_id: "b'1".into(),
            booking_version: 3,
            ical_uid: Some("ignored@sala".into()),
            summary: "Plan".into(),
            description: Some("Agenda".into()),
            location: Some("Atlántico".into()),
            start: EventTime { date_time: "2027-01-05T10:00:00+01:00".into(), time_zone: "Europe/Madrid".into() },
            end: EventTime { date_time: "2027-01-05T11:00:00+01:00".into(), time_zone: "Europe/Madrid".into() },
            attendees: vec![
                EventAttendee { email: "bo@acme.test".into(), display_name: None, resource: false },
                EventAttendee { email: "room@acme.test".into(), display_name: Some("Room".into()), resource: true },
            ],
        }
    }

    #[test]
    fn times_go_out_local_without_offset_and_come_back_as_instants() {
        let json = insert_json(&body(), &Conference::Keep);
        assert_eq!(json["start"], json!({"dateTime": "2027-01-05T10:00:00", "timeZone": "Europe/Madrid"}));
        assert_eq!(json["attendees"][1]["type"], "resource");
        assert_eq!(json["transactionId"], "sala-b'1-v3");
        assert!(json.get("iCalUId").is_none() && json.get("isOnlineMeeting").is_none());
        let back = instant(&json!({"dateTime": "2027-01-05T09:00:00.0000000", "timeZone": "UTC"}));
        assert_eq!(back.map(|t| t.to_string()).as_deref(), Some("2027-01-05T09:00:00Z"));
        assert_eq!(instant(&json["start"]), back);
    }

    #[test]
    fn conferences_are_teams_or_a_copied_link() {
        let create = event_json(&body(), &Conference::Create { request_id: "r".into() });
        assert_eq!(
            (create["isOnlineMeeting"].clone(), create["onlineMeetingProvider"].clone()),
            (json!(true), json!("teamsForBusiness"))
        );
        let url = "https://teams.microsoft.com/l/meetup-join/x";
        let copy = event_json(&body(), &Conference::Copy(json!({"joinUrl": url})));
        assert_eq!(copy["isOnlineMeeting"], false);
        assert!(copy["body"]["content"].as_str().unwrap_or_default().ends_with(url));
        assert_eq!(copy["singleValueExtendedProperties"][2]["value"], url);
        assert_eq!(booking_filter("b'1").matches("'b''1'").count(), 1);
    }

    #[test]
    fn an_event_read_back_carries_booking_link_and_answers() {
        let event = parse_event(&json!({
            "id": "AAMk1", "subject": "Plan", "isCancelled": false, "isAllDay": false,
            "start": {"dateTime": "2027-01-05T09:00:00.0000000", "timeZone": "UTC"},
            "end": {"dateTime": "2027-01-05T10:00:00.0000000", "timeZone": "UTC"},
            "organizer": {"emailAddress": {"address": "ana@acme.test"}},
            "attendees": [
                {"type": "required", "status": {"response": "tentativelyAccepted"}, "emailAddress": {"address": "bo@acme.test"}},
                {"type": "resource", "status": {"response": "accepted"}, "emailAddress": {"address": "room@acme.test"}}
            ],
            "onlineMeeting": {"joinUrl": "https://teams.microsoft.com/l/meetup-join/1"},
            "singleValueExtendedProperties": [
                {"id": property_id(BOOKING_PROPERTY).to_uppercase(), "value": "b-9"},
                {"id": property_id(VERSION_PROPERTY), "value": "4"}
            ]
        }))
        .unwrap_or_default();
        assert_eq!((event.booking_id.as_deref(), event.booking_version), (Some("b-9"), Some(4)));
        assert_eq!(event.invitees[0].response, Response::Tentative);
        assert!(event.invitees[1].resource);
        assert_eq!(event.conference().unwrap_or_default()["joinUrl"], "https://teams.microsoft.com/l/meetup-join/1");
        let removed = parse_event(&json!({"id": "AAMk2", "@removed": {"reason": "deleted"}})).unwrap_or_default();
        assert!(removed.cancelled && removed.start.is_none());
    }
}
