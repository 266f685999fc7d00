//! The fake's reads of a window: `calendarView` (paged by `$top`), `calendarView/delta` (paged by
//! `Prefer: odata.maxpagesize`, opaque `$skiptoken`s, a `$deltatoken` at the end, 410
//! `SyncStateNotFound` for an expired one) and `getSchedule` (at most 20 schedules, under 62
//! days, an `error` entry for an unknown one).

use super::events::{DEFAULT_PAGE, bad_request, call, expanded, parse_time, utc};
use super::{DeltaState, Fake, Inner, Pending, Stored, authorize, graph_error, lock, prefer};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use jiff::Timestamp;
use serde_json::{Value, json};
use std::collections::HashMap;

type Params = Path<HashMap<String, String>>;
type QueryMap = Query<HashMap<String, String>>;

/// `getSchedule`'s documented limits.
const MAX_SCHEDULES: usize = 20;
const MAX_SCHEDULE_DAYS: i64 = 62;

impl Inner {
    fn token(&mut self, prefix: &str) -> String {
        let n = self.next_id(prefix);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{n}:fake-sync-state"))
    }

    /// One page of `pending`, with the link to the next page or, after the last, the delta link.
    fn page(&mut self, mut pending: Pending, size: usize) -> Value {
        let take = size.min(self.page_cap.unwrap_or(usize::MAX)).max(1).min(pending.items.len());
        let items: Vec<Value> = pending.items.drain(..take).collect();
        let mut body =
            json!({"@odata.context": format!("{}/$metadata#Collection(event)", self.graph_base), "value": items});
        let link = format!("{}{}", self.graph_base, pending.path);
        if !pending.items.is_empty() {
            let token = self.token("skip");
            body["@odata.nextLink"] = json!(format!("{link}?$skiptoken={token}"));
            self.skip_tokens.insert(token, pending);
        } else if let Some(state) = pending.then {
            let token = self.token("delta");
            body["@odata.deltaLink"] = json!(format!("{link}?$deltatoken={token}"));
            self.delta_tokens.insert(token, state);
        }
        body
    }
}

fn window(query: &HashMap<String, String>) -> Result<(Timestamp, Timestamp), Box<Response>> {
    let at = |key: &str| query.get(key).and_then(|t| t.parse::<Timestamp>().ok());
    match (at("startDateTime"), at("endDateTime")) {
        (Some(start), Some(end)) if start < end => Ok((start, end)),
        _ => Err(Box::new(bad_request(
            "ErrorInvalidParameter",
            "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.",
        ))),
    }
}

fn expired_state() -> Response {
    graph_error(410, "SyncStateNotFound", "The sync state generation is not found. Resync is required.")
}

/// `calendarView`: the mailbox's events overlapping the window, by start, paged by `$top`.
pub(super) async fn view(
    State(fake): State<Fake>,
    Path(params): Params,
    Query(query): QueryMap,
    headers: HeaderMap,
) -> Response {
    let mailbox = match authorize(
        &fake,
        &headers,
        call("GET", &params, "calendarView"),
        params.get("mailbox").map(String::as_str),
    ) {
        Ok(m) => m,
        Err(refusal) => return *refusal,
    };
    let size = query.get("$top").and_then(|t| t.parse().ok()).unwrap_or(DEFAULT_PAGE);
    let mut inner = lock(&fake.0);
    if let Some(token) = query.get("$skiptoken") {
        return match inner.skip_tokens.remove(token) {
            Some(pending) => Json(inner.page(pending, size)).into_response(),
            None => bad_request("ErrorInvalidUrlQuery", "The skip token is not valid."),
        };
    }
    let (start, end) = match window(&query) {
        Ok(w) => w,
        Err(refusal) => return *refusal,
    };
    let expand = expanded(&query);
    let mut chosen: Vec<&Stored> = inner
        .events
        .values()
        .filter(|s| s.mailbox == mailbox && !s.deleted && s.start < end && s.end > start)
        .collect();
    chosen.sort_by_key(|s| s.start);
    let items = chosen.into_iter().map(|s| s.view(expand.as_deref())).collect();
    let path = format!("/users/{mailbox}/calendarView");
    Json(inner.page(Pending { items, then: None, path }, size)).into_response()
}

/// `calendarView/delta`: a full round from `startDateTime`/`endDateTime`, the next page of one
/// (`$skiptoken`), or what changed since a `$deltatoken`.
pub(super) async fn delta(
    State(fake): State<Fake>,
    Path(params): Params,
    Query(query): QueryMap,
    headers: HeaderMap,
) -> Response {
    let mailbox = match authorize(
        &fake,
        &headers,
        call("GET", &params, "calendarView/delta"),
        params.get("mailbox").map(String::as_str),
    ) {
        Ok(m) => m,
        Err(refusal) => return *refusal,
    };
    let size = prefer(&headers)
        .iter()
        .find_map(|p| p.strip_prefix("odata.maxpagesize=").and_then(|n| n.parse().ok()))
        .unwrap_or(DEFAULT_PAGE);
    let mut inner = lock(&fake.0);
    let path = format!("/users/{mailbox}/calendarView/delta");
    if let Some(token) = query.get("$skiptoken") {
        if inner.expired_tokens.contains(token) {
            return expired_state();
        }
        return match inner.skip_tokens.remove(token) {
            Some(pending) => Json(inner.page(pending, size)).into_response(),
            None => expired_state(),
        };
    }
    let pending = if let Some(token) = query.get("$deltatoken") {
        let Some(state) = inner.delta_tokens.get(token).filter(|_| !inner.expired_tokens.contains(token)).cloned()
        else {
            return expired_state();
        };
        let mut changed: Vec<&Stored> =
            inner.events.values().filter(|s| s.mailbox == state.mailbox && s.seq > state.seq).collect();
        changed.sort_by_key(|s| s.seq);
        let items = changed
            .into_iter()
            .map(|s| {
                if s.deleted || s.start >= state.end || s.end <= state.start {
                    let id = s.event["id"].clone();
                    json!({"@odata.type": "#microsoft.graph.event", "id": id, "@removed": {"reason": "deleted"}})
                } else {
                    s.view(None)
                }
            })
            .collect();
        Pending { items, then: Some(DeltaState { seq: inner.seq, ..state }), path }
    } else {
        let (start, end) = match window(&query) {
            Ok(w) => w,
            Err(refusal) => return *refusal,
        };
        let mut chosen: Vec<&Stored> = inner
            .events
            .values()
            .filter(|s| s.mailbox == mailbox && !s.deleted && s.start < end && s.end > start)
            .collect();
        chosen.sort_by_key(|s| s.start);
        let items = chosen.into_iter().map(|s| s.view(None)).collect();
        Pending { items, then: Some(DeltaState { mailbox: mailbox.clone(), start, end, seq: inner.seq }), path }
    };
    Json(inner.page(pending, size)).into_response()
}

/// `getSchedule`: each schedule's items in the window (and an availability view), or an
/// `error` for one the caller's directory does not know.
pub(super) async fn schedule(
    State(fake): State<Fake>,
    Path(params): Params,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let caller = match authorize(
        &fake,
        &headers,
        call("POST", &params, "calendar/getSchedule"),
        params.get("mailbox").map(String::as_str),
    ) {
        Ok(m) => m,
        Err(refusal) => return *refusal,
    };
    let schedules: Vec<String> =
        body["schedules"].as_array().into_iter().flatten().filter_map(|s| s.as_str().map(str::to_owned)).collect();
    if schedules.is_empty() || schedules.len() > MAX_SCHEDULES {
        return bad_request("ErrorInvalidParameter", "schedules must name between 1 and 20 entities.");
    }
    let (start, end) = match (parse_time(&body["startTime"]), parse_time(&body["endTime"])) {
        (Ok(s), Ok(e)) if s < e => (s, e),
        _ => {
            return bad_request(
                "ErrorInvalidParameter",
                "startTime and endTime must be dateTimeTimeZone values, start before end.",
            );
        }
    };
    if end.duration_since(start).as_hours() >= MAX_SCHEDULE_DAYS * 24 {
        return bad_request("ErrorInvalidParameter", "The time period to look up must be less than 62 days.");
    }
    let interval = body["availabilityViewInterval"]
        .as_i64()
        .or_else(|| body["availabilityViewInterval"].as_str().and_then(|s| s.parse().ok()))
        .unwrap_or(30);
    if !(5..=1440).contains(&interval) {
        return bad_request("ErrorInvalidParameter", "availabilityViewInterval must be between 5 and 1440.");
    }
    let inner = lock(&fake.0);
    let directory = inner.mailboxes.get(&caller).map(|m| m.directory.clone());
    let value: Vec<Value> = schedules
        .iter()
        .map(|id| {
            let known = inner.mailboxes.get(&id.to_lowercase()).is_some_and(|m| Some(&m.directory) == directory.as_ref());
            if !known {
                return json!({"scheduleId": id, "availabilityView": "", "scheduleItems": [], "error": {
                    "message": format!("The specified user {id} could not be found."), "responseCode": "ErrorMailRecipientNotFound"}});
            }
            let mut items: Vec<&Stored> = inner
                .events
                .values()
                .filter(|s| s.mailbox == id.to_lowercase() && !s.deleted && s.event["isCancelled"] != true && s.start < end && s.end > start)
                .collect();
            items.sort_by_key(|s| s.start);
            let view = availability(&items, start, end, interval);
            let items: Vec<Value> = items
                .iter()
                .map(|s| json!({"isPrivate": false, "status": s.event["showAs"], "subject": s.event["subject"],
                    "location": s.event["location"]["displayName"], "start": utc(s.start), "end": utc(s.end)}))
                .collect();
            json!({"scheduleId": id, "availabilityView": view, "scheduleItems": items, "workingHours": {
                "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
                "startTime": "08:00:00.0000000", "endTime": "17:00:00.0000000", "timeZone": {"name": "UTC"}}})
        })
        .collect();
    Json(json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.scheduleInformation)", "value": value}))
        .into_response()
}

/// One digit per interval: 0 free, 1 tentative, 2 busy, 3 out of office (the strongest wins).
fn availability(items: &[&Stored], start: Timestamp, end: Timestamp, minutes: i64) -> String {
    let step = jiff::SignedDuration::from_mins(minutes);
    let mut view = String::new();
    let mut slot = start;
    while slot < end {
        let next = slot.saturating_add(step).unwrap_or(end);
        let digit = items
            .iter()
            .filter(|s| s.start < next && s.end > slot)
            .map(|s| match s.event["showAs"].as_str() {
                Some("tentative") => 1,
                Some("busy") => 2,
                Some("oof") => 3,
                _ => 0,
            })
            .max()
            .unwrap_or(0);
        view.push(char::from(b'0' + digit));
        slot = next;
    }
    view
}
