//! The fake's calendars: events (`POST`, `GET` with `$filter`/`$expand`, `PATCH`, `DELETE`),
//! `calendarView` and `calendarView/delta` (paged, with skip and delta tokens), `getSchedule`,
//! and the tests' "done in Outlook" helpers. Every change goes through [`Inner::changed`], which
//! numbers it for delta and notifies the mailbox's subscriptions.

use super::{Fake, Inner, Stored, authorize, graph_error, lock, push};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde_json::{Value, json};
use std::collections::HashMap;

type Params = Path<HashMap<String, String>>;
type QueryMap = Query<HashMap<String, String>>;

/// What a `POST` or `PATCH` body may set.
const WRITABLE: &[&str] = &[
    "subject",
    "body",
    "start",
    "end",
    "location",
    "attendees",
    "isOnlineMeeting",
    "onlineMeetingProvider",
    "singleValueExtendedProperties",
    "showAs",
    "transactionId",
];
/// Items a page holds unless asked otherwise.
pub(super) const DEFAULT_PAGE: usize = 10;

pub(super) fn not_found() -> Response {
    graph_error(404, "ErrorItemNotFound", "The specified object was not found in the store.")
}

pub(super) fn bad_request(code: &str, message: &str) -> Response {
    graph_error(400, code, message)
}

pub(super) fn call(method: &str, params: &HashMap<String, String>, rest: &str) -> String {
    match params.get("mailbox") {
        Some(m) => format!("{method} /users/{m}/{rest}"),
        None => format!("{method} /me/{rest}"),
    }
}

/// A time as Graph writes it with `Prefer: outlook.timezone="UTC"` (and by default).
pub(super) fn utc(t: Timestamp) -> Value {
    json!({"dateTime": t.strftime("%Y-%m-%dT%H:%M:%S%.7f").to_string(), "timeZone": "UTC"})
}

/// A `dateTimeTimeZone` as written: a local time without offset and a zone (IANA or `UTC`).
pub(super) fn parse_time(value: &Value) -> Result<Timestamp, String> {
    let text = value["dateTime"].as_str().ok_or("dateTime is missing")?;
    if text.parse::<Timestamp>().is_ok() {
        return Err(format!("dateTime '{text}' must be a local time without an offset"));
    }
    let civil: jiff::civil::DateTime = text.parse().map_err(|e| format!("dateTime '{text}': {e}"))?;
    let zone = match value["timeZone"].as_str().ok_or("timeZone is missing")? {
        "UTC" => jiff::tz::TimeZone::UTC,
        name => jiff::tz::TimeZone::get(name).map_err(|_| format!("unknown time zone '{name}'"))?,
    };
    civil.to_zoned_datetime(zone).map(|z| z.timestamp()).map_err(|e| e.to_string())
}

/// The property ids a `$expand=singleValueExtendedProperties($filter=id eq '...' or ...)` asks for.
pub(super) fn expanded(query: &HashMap<String, String>) -> Option<Vec<String>> {
    let expand = query.get("$expand")?;
    let filter = expand.strip_prefix("singleValueExtendedProperties")?;
    Some(filter.split("id eq '").skip(1).filter_map(|part| part.split('\'').next()).map(str::to_lowercase).collect())
}

/// An OData string literal after `key eq '`, with doubled quotes undone.
fn literal(filter: &str, key: &str) -> Option<String> {
    let start = filter.find(&format!("{key} eq '"))? + key.len() + 5;
    let mut out = String::new();
    let mut chars = filter[start..].chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            if chars.peek() == Some(&'\'') {
                chars.next();
            } else {
                return Some(out);
            }
        }
        out.push(c);
    }
    None
}

impl Stored {
    /// The event as Graph returns it: times in UTC, extended properties only when expanded.
    pub(super) fn view(&self, expand: Option<&[String]>) -> Value {
        let mut event = self.event.clone();
        event["start"] = utc(self.start);
        event["end"] = utc(self.end);
        let properties = event.as_object_mut().and_then(|m| m.remove("singleValueExtendedProperties"));
        if let Some(ids) = expand {
            let chosen: Vec<Value> = properties
                .and_then(|p| p.as_array().cloned())
                .unwrap_or_default()
                .into_iter()
                .filter(|p| p["id"].as_str().is_some_and(|id| ids.contains(&id.to_lowercase())))
                .collect();
            if !chosen.is_empty() {
                event["singleValueExtendedProperties"] = Value::Array(chosen);
            }
        }
        event
    }

    fn property(&self, id: &str) -> Option<&str> {
        self.event["singleValueExtendedProperties"]
            .as_array()?
            .iter()
            .find(|p| p["id"].as_str().is_some_and(|p| p.eq_ignore_ascii_case(id)))?["value"]
            .as_str()
    }
}

/// Checks a `POST`/`PATCH` body and writes it onto `event`; the new start and end.
fn apply(
    event: &mut Value,
    times: (Timestamp, Timestamp),
    body: &Value,
    creating: bool,
) -> Result<(Timestamp, Timestamp), Box<Response>> {
    let Some(fields) = body.as_object() else {
        return Err(Box::new(bad_request("RequestBodyRead", "The body is not an event.")));
    };
    if let Some(key) = fields.keys().find(|k| !WRITABLE.contains(&k.as_str())) {
        let code = if key == "iCalUId" { "ErrorInvalidPropertyUpdateSentToServer" } else { "RequestBodyRead" };
        return Err(Box::new(bad_request(code, &format!("The property '{key}' cannot be set."))));
    }
    if !creating && fields.contains_key("transactionId") {
        return Err(Box::new(bad_request(
            "ErrorInvalidPropertyUpdateSentToServer",
            "transactionId is set on create only.",
        )));
    }
    let (mut start, mut end) = times;
    if let Some(value) = fields.get("start") {
        start = parse_time(value).map_err(|m| Box::new(bad_request("ErrorInvalidRequest", &m)))?;
    }
    if let Some(value) = fields.get("end") {
        end = parse_time(value).map_err(|m| Box::new(bad_request("ErrorInvalidRequest", &m)))?;
    }
    if start >= end {
        return Err(Box::new(bad_request("ErrorInvalidRequest", "The event's end must come after its start.")));
    }
    if let Some(b) = fields.get("body")
        && (!matches!(b["contentType"].as_str(), Some("text" | "html")) || !b["content"].is_string())
    {
        return Err(Box::new(bad_request("ErrorInvalidRequest", "body needs contentType text or html and content.")));
    }
    for attendee in fields.get("attendees").and_then(Value::as_array).into_iter().flatten() {
        let address = attendee["emailAddress"]["address"].as_str().unwrap_or_default();
        if !address.contains('@') || !matches!(attendee["type"].as_str(), Some("required" | "optional" | "resource")) {
            return Err(Box::new(bad_request(
                "ErrorInvalidRecipients",
                &format!("An attendee is not valid: {attendee}"),
            )));
        }
    }
    for property in fields.get("singleValueExtendedProperties").and_then(Value::as_array).into_iter().flatten() {
        let named = property["id"].as_str().is_some_and(|id| id.starts_with("String {") && id.contains("} Name "));
        if !named || !property["value"].is_string() {
            return Err(Box::new(bad_request(
                "ErrorInvalidProperty",
                &format!("Invalid extended property: {property}"),
            )));
        }
    }
    for (key, value) in fields {
        match key.as_str() {
            "attendees" => event[key] = attendees(&event["attendees"], value),
            "singleValueExtendedProperties" => upsert_properties(event, value),
            "start" | "end" => {}
            _ => event[key] = value.clone(),
        }
    }
    if fields.get("isOnlineMeeting") == Some(&json!(false)) {
        event["onlineMeeting"] = Value::Null;
        event["onlineMeetingProvider"] = json!("unknown");
    }
    Ok((start, end))
}

/// The attendees as written, each keeping the answer they had given.
fn attendees(before: &Value, written: &Value) -> Value {
    let old = before.as_array().cloned().unwrap_or_default();
    let list = written.as_array().cloned().unwrap_or_default().into_iter().map(|mut a| {
        let address = a["emailAddress"]["address"].as_str().unwrap_or_default().to_lowercase();
        let kept =
            old.iter().find(|o| o["emailAddress"]["address"].as_str().map(str::to_lowercase) == Some(address.clone()));
        a["status"] =
            kept.map_or_else(|| json!({"response": "none", "time": "0001-01-01T00:00:00Z"}), |o| o["status"].clone());
        a
    });
    Value::Array(list.collect())
}

fn upsert_properties(event: &mut Value, written: &Value) {
    let mut list = event["singleValueExtendedProperties"].as_array().cloned().unwrap_or_default();
    for property in written.as_array().into_iter().flatten() {
        let id = property["id"].as_str().unwrap_or_default();
        list.retain(|p| !p["id"].as_str().is_some_and(|p| p.eq_ignore_ascii_case(id)));
        list.push(property.clone());
    }
    event["singleValueExtendedProperties"] = Value::Array(list);
}

impl Inner {
    /// Numbers a change of the event and tells the subscriptions on its mailbox.
    pub(super) fn changed(&mut self, id: &str, change_type: &str) {
        self.seq += 1;
        let seq = self.seq;
        let Some(stored) = self.events.get_mut(id) else { return };
        stored.seq = seq;
        stored.event["lastModifiedDateTime"] = json!(Timestamp::now().to_string());
        stored.event["@odata.etag"] = json!(format!("W/\"{seq}\""));
        let mailbox = stored.mailbox.clone();
        push::notify(self, &mailbox, id, change_type);
    }

    /// A Teams meeting for an event that asks for one and has none yet.
    fn meet(&mut self, id: &str) {
        let needs = self.events.get(id).is_some_and(|s| {
            s.event["isOnlineMeeting"] == true
                && s.event["onlineMeetingProvider"] == "teamsForBusiness"
                && s.event["onlineMeeting"].is_null()
        });
        if needs {
            let n = self.next_id("");
            let url =
                format!("https://teams.microsoft.com/l/meetup-join/19%3ameeting_FAKE{n}%40thread.v2/0?context=%7b%7d");
            if let Some(stored) = self.events.get_mut(id) {
                stored.event["onlineMeeting"] = json!({"joinUrl": url});
            }
        }
    }

    /// Rooms invited as resources hold an accepted copy; a room taken off (or the event
    /// deleted) loses it.
    pub(super) fn sync_copies(&mut self, id: &str) {
        let Some(organizer) = self.events.get(id) else { return };
        let directory = self.mailboxes.get(&organizer.mailbox).map(|m| m.directory.clone());
        let rooms: Vec<String> = if organizer.deleted {
            Vec::new()
        } else {
            organizer.event["attendees"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|a| a["type"] == "resource")
                .filter_map(|a| a["emailAddress"]["address"].as_str().map(str::to_lowercase))
                .filter(|a| self.mailboxes.get(a).is_some_and(|m| m.room && Some(&m.directory) == directory.as_ref()))
                .collect()
        };
        let (event, start, end) = (organizer.event.clone(), organizer.start, organizer.end);
        let copies: Vec<(String, String, bool)> = self
            .events
            .iter()
            .filter(|(_, s)| s.copy_of.as_deref() == Some(id))
            .map(|(cid, s)| (cid.clone(), s.mailbox.clone(), s.deleted))
            .collect();
        for (cid, room, deleted) in &copies {
            if deleted.to_owned() {
                continue;
            }
            let Some(copy) = self.events.get_mut(cid) else { continue };
            if rooms.contains(room) {
                copy.start = start;
                copy.end = end;
                copy.event["subject"] = event["subject"].clone();
                copy.event["attendees"] = event["attendees"].clone();
                self.changed(cid, "updated");
            } else {
                copy.deleted = true;
                self.changed(cid, "deleted");
            }
        }
        for room in rooms {
            if copies.iter().any(|(_, r, deleted)| *r == room && !deleted) {
                continue;
            }
            let cid = self.next_id("AAMkRoom");
            let mut copy = event.clone();
            copy["id"] = json!(cid);
            copy["isOrganizer"] = json!(false);
            copy["responseStatus"] = json!({"response": "accepted", "time": Timestamp::now().to_string()});
            if let Some(map) = copy.as_object_mut() {
                map.remove("singleValueExtendedProperties");
                map.remove("transactionId");
            }
            let stored = Stored {
                mailbox: room.clone(),
                event: copy,
                start,
                end,
                seq: 0,
                deleted: false,
                copy_of: Some(id.to_owned()),
            };
            self.events.insert(cid.clone(), stored);
            self.changed(&cid, "created");
            self.accept(id, &room);
        }
    }

    /// A room's auto-accept, as the organizer's event shows it.
    fn accept(&mut self, id: &str, room: &str) {
        if let Some(stored) = self.events.get_mut(id) {
            for a in stored.event["attendees"].as_array_mut().into_iter().flatten() {
                if a["emailAddress"]["address"].as_str().map(str::to_lowercase).as_deref() == Some(room) {
                    a["status"] = json!({"response": "accepted", "time": Timestamp::now().to_string()});
                }
            }
        }
    }

    /// A new event organized by `mailbox`.
    pub(super) fn create(&mut self, mailbox: &str) -> String {
        let id = self.next_id("AAMkAGI2TG93AAA=");
        let uid = format!("040000008200E00074C5B7101A82E008{:032X}", self.counter);
        let now = Timestamp::now().to_string();
        let event = json!({
            "id": id, "createdDateTime": now, "lastModifiedDateTime": now, "iCalUId": uid,
            "subject": "", "body": {"contentType": "text", "content": ""}, "isAllDay": false,
            "isCancelled": false, "isOrganizer": true, "showAs": "busy", "type": "singleInstance",
            "isOnlineMeeting": false, "onlineMeetingProvider": "unknown", "onlineMeeting": null,
            "responseStatus": {"response": "organizer", "time": "0001-01-01T00:00:00Z"},
            "location": {"displayName": ""}, "attendees": [],
            "organizer": {"emailAddress": {"name": mailbox, "address": mailbox}},
        });
        let now = Timestamp::now();
        let stored =
            Stored { mailbox: mailbox.to_owned(), event, start: now, end: now, seq: 0, deleted: false, copy_of: None };
        self.events.insert(id.clone(), stored);
        id
    }

    fn live(&self, mailbox: &str, id: &str) -> Option<&Stored> {
        self.events.get(id).filter(|s| s.mailbox == mailbox && !s.deleted)
    }
}

fn created(inner: &mut Inner, mailbox: &str, body: &Value) -> Response {
    let id = inner.create(mailbox);
    let Some(stored) = inner.events.get_mut(&id) else { return not_found() };
    match apply(&mut stored.event, (stored.start, stored.end), body, true) {
        Ok((start, end)) => (stored.start, stored.end) = (start, end),
        Err(refusal) => {
            inner.events.remove(&id);
            return *refusal;
        }
    }
    inner.meet(&id);
    inner.changed(&id, "created");
    inner.sync_copies(&id);
    let view = inner.events.get(&id).map(|s| s.view(None)).unwrap_or_default();
    (StatusCode::CREATED, Json(view)).into_response()
}

pub(super) async fn insert(
    State(fake): State<Fake>,
    Path(params): Params,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let mailbox =
        match authorize(&fake, &headers, call("POST", &params, "events"), params.get("mailbox").map(String::as_str)) {
            Ok(m) => m,
            Err(refusal) => return *refusal,
        };
    let mut inner = lock(&fake.0);
    if let Some(transaction) = body["transactionId"].as_str() {
        let same = inner
            .events
            .values()
            .find(|s| s.mailbox == mailbox && !s.deleted && s.event["transactionId"] == transaction);
        if let Some(existing) = same {
            let times = (parse_time(&body["start"]).ok(), parse_time(&body["end"]).ok());
            if existing.event["subject"] == body["subject"] && times == (Some(existing.start), Some(existing.end)) {
                return (StatusCode::CREATED, Json(existing.view(None))).into_response();
            }
            return bad_request(
                "ErrorDuplicateTransactionId",
                "Your request can't be completed. The TransactionId specified in the request has already been used to create a different event.",
            );
        }
    }
    created(&mut inner, &mailbox, &body)
}

pub(super) async fn list(
    State(fake): State<Fake>,
    Path(params): Params,
    Query(query): QueryMap,
    headers: HeaderMap,
) -> Response {
    let mailbox =
        match authorize(&fake, &headers, call("GET", &params, "events"), params.get("mailbox").map(String::as_str)) {
            Ok(m) => m,
            Err(refusal) => return *refusal,
        };
    let wanted = match query.get("$filter") {
        None => None,
        Some(filter) => match (
            filter.starts_with("singleValueExtendedProperties/Any("),
            literal(filter, "ep/id"),
            literal(filter, "ep/value"),
        ) {
            (true, Some(id), Some(value)) => Some((id, value)),
            _ => {
                return bad_request(
                    "ErrorInvalidUrlQueryFilter",
                    "The query filter contains one or more invalid nodes.",
                );
            }
        },
    };
    let top = query.get("$top").and_then(|t| t.parse().ok()).unwrap_or(DEFAULT_PAGE);
    let expand = expanded(&query);
    let inner = lock(&fake.0);
    let value: Vec<Value> = inner
        .events
        .values()
        .filter(|s| s.mailbox == mailbox && !s.deleted)
        .filter(|s| wanted.as_ref().is_none_or(|(id, value)| s.property(id) == Some(value.as_str())))
        .take(top)
        .map(|s| s.view(expand.as_deref()))
        .collect();
    Json(json!({"value": value})).into_response()
}

pub(super) async fn read(
    State(fake): State<Fake>,
    Path(params): Params,
    Query(query): QueryMap,
    headers: HeaderMap,
) -> Response {
    let id = params.get("id").cloned().unwrap_or_default();
    let mailbox = match authorize(
        &fake,
        &headers,
        call("GET", &params, &format!("events/{id}")),
        params.get("mailbox").map(String::as_str),
    ) {
        Ok(m) => m,
        Err(refusal) => return *refusal,
    };
    let inner = lock(&fake.0);
    match inner.live(&mailbox, &id) {
        Some(stored) => Json(stored.view(expanded(&query).as_deref())).into_response(),
        None => not_found(),
    }
}

pub(super) async fn update(
    State(fake): State<Fake>,
    Path(params): Params,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let id = params.get("id").cloned().unwrap_or_default();
    let mailbox = match authorize(
        &fake,
        &headers,
        call("PATCH", &params, &format!("events/{id}")),
        params.get("mailbox").map(String::as_str),
    ) {
        Ok(m) => m,
        Err(refusal) => return *refusal,
    };
    let mut inner = lock(&fake.0);
    if inner.live(&mailbox, &id).is_none() {
        return not_found();
    }
    let Some(stored) = inner.events.get_mut(&id) else { return not_found() };
    let mut event = stored.event.clone();
    match apply(&mut event, (stored.start, stored.end), &body, false) {
        Ok((start, end)) => {
            (stored.event, stored.start, stored.end) = (event, start, end);
        }
        Err(refusal) => return *refusal,
    }
    inner.meet(&id);
    inner.changed(&id, "updated");
    inner.sync_copies(&id);
    Json(inner.events.get(&id).map(|s| s.view(None)).unwrap_or_default()).into_response()
}

pub(super) async fn delete(State(fake): State<Fake>, Path(params): Params, headers: HeaderMap) -> Response {
    let id = params.get("id").cloned().unwrap_or_default();
    let mailbox = match authorize(
        &fake,
        &headers,
        call("DELETE", &params, &format!("events/{id}")),
        params.get("mailbox").map(String::as_str),
    ) {
        Ok(m) => m,
        Err(refusal) => return *refusal,
    };
    let mut inner = lock(&fake.0);
    if inner.live(&mailbox, &id).is_none() {
        return not_found();
    }
    remove(&mut inner, &id);
    StatusCode::NO_CONTENT.into_response()
}

pub(super) fn remove(inner: &mut Inner, id: &str) {
    if let Some(stored) = inner.events.get_mut(id) {
        stored.deleted = true;
    }
    inner.changed(id, "deleted");
    inner.sync_copies(id);
}
