//! The fake's subscriptions: `POST /subscriptions` after the documented validation handshake,
//! `PATCH` to renew, `DELETE`; change notifications POSTed in order to each subscription's
//! `notificationUrl` for every change of its mailbox's events, lifecycle notifications on demand.
//!
//! Requests to receivers are plain HTTP/1.1 written by hand (not reqwest: built with
//! `rustls-no-provider`, it panics in a process that has not installed a crypto provider).

use super::{Fake, FakeMicrosoft, Inner, authorize_app, graph_error, lock};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

/// Graph's longest subscription on Outlook events.
const MAX_MINUTES: i64 = 10_080;
/// How long Graph waits for the validation answer.
const VALIDATION_TIMEOUT: Duration = Duration::from_secs(10);

/// A subscription as a test sees it ([`FakeMicrosoft::subscriptions`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeSubscription {
    pub id: String,
    pub directory: String,
    /// The mailbox whose events are watched.
    pub mailbox: String,
    pub resource: String,
    pub change_types: Vec<String>,
    pub notification_url: String,
    pub lifecycle_url: Option<String>,
    pub client_state: Option<String>,
    pub expires_at: Timestamp,
    pub deleted: bool,
}

impl FakeSubscription {
    fn open(&self) -> bool {
        !self.deleted && self.expires_at > Timestamp::now()
    }

    fn json(&self) -> Value {
        json!({
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#subscriptions/$entity",
            "id": self.id, "resource": self.resource, "applicationId": super::FAKE_MICROSOFT_CLIENT_ID,
            "changeType": self.change_types.join(","), "clientState": self.client_state,
            "notificationUrl": self.notification_url, "lifecycleNotificationUrl": self.lifecycle_url,
            "expirationDateTime": self.expires_at.strftime("%Y-%m-%dT%H:%M:%S%.7fZ").to_string(),
            "creatorId": "00000000-0000-0000-0000-000000000000", "latestSupportedTlsVersion": "v1_2",
            "notificationContentType": "application/json",
        })
    }
}

/// A POST waiting to be sent.
pub(super) struct Delivery {
    url: String,
    body: String,
}

fn invalid(message: &str) -> Response {
    graph_error(400, "InvalidRequest", message)
}

/// The expiry asked for, if Graph takes it: in the future, at most 10,080 minutes away.
fn expiry(body: &Value) -> Result<Timestamp, Box<Response>> {
    let at: Timestamp = body["expirationDateTime"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| Box::new(invalid("expirationDateTime is required.")))?;
    let now = Timestamp::now();
    let latest = now.saturating_add(SignedDuration::from_mins(MAX_MINUTES)).unwrap_or(now);
    if at <= now {
        return Err(Box::new(invalid("Subscription expiration must be in the future.")));
    }
    if at > latest {
        return Err(Box::new(invalid(&format!(
            "Subscription expiration can only be {MAX_MINUTES} minutes in the future."
        ))));
    }
    Ok(at)
}

/// The mailbox a subscription's resource names: `/users/{mailbox}/events`.
fn mailbox_of(resource: &str) -> Option<String> {
    let rest = resource.trim_start_matches('/');
    let (users, rest) = rest.split_once('/')?;
    let (mailbox, events) = rest.split_once('/')?;
    if !users.eq_ignore_ascii_case("users") || !events.eq_ignore_ascii_case("events") {
        return None;
    }
    let decoded: String = url::form_urlencoded::parse(format!("m={mailbox}").as_bytes()).next()?.1.into_owned();
    Some(decoded.to_lowercase())
}

fn plain_http_allowed(url: &url::Url) -> bool {
    url.scheme() == "https" || (url.scheme() == "http" && matches!(url.host_str(), Some("127.0.0.1" | "localhost")))
}

/// `POST /subscriptions`.
pub(super) async fn create(State(fake): State<Fake>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    let directory = match authorize_app(&fake, &headers, "POST /subscriptions".into()) {
        Ok(d) => d,
        Err(refusal) => return *refusal,
    };
    let change_types: Vec<String> =
        body["changeType"].as_str().unwrap_or_default().split(',').map(|c| c.trim().to_owned()).collect();
    if change_types.iter().any(|c| !matches!(c.as_str(), "created" | "updated" | "deleted")) {
        return invalid("changeType must be created, updated and/or deleted.");
    }
    let urls: Vec<String> = [&body["notificationUrl"], &body["lifecycleNotificationUrl"]]
        .into_iter()
        .filter_map(|u| u.as_str().map(str::to_owned))
        .collect();
    if body["notificationUrl"].as_str().is_none()
        || urls.iter().any(|u| !url::Url::parse(u).is_ok_and(|u| plain_http_allowed(&u)))
    {
        return invalid("Subscription notification URL must be an https URL.");
    }
    let resource = body["resource"].as_str().unwrap_or_default().to_owned();
    let Some(mailbox) = mailbox_of(&resource) else {
        return invalid(&format!("Resource '{resource}' is not supported."));
    };
    if lock(&fake.0).mailboxes.get(&mailbox).is_none_or(|m| m.directory != directory) {
        return graph_error(
            404,
            "ExtensionError",
            &format!(
                "Operation: Create; Exception: [Status Code: NotFound; Reason: The requested user '{mailbox}' is invalid.]"
            ),
        );
    }
    let expires_at = match expiry(&body) {
        Ok(at) => at,
        Err(refusal) => return *refusal,
    };
    let client_state = body["clientState"].as_str().map(str::to_owned);
    if client_state.as_ref().is_some_and(|c| c.len() > 128) {
        return invalid("clientState must be at most 128 characters.");
    }
    let mut distinct = urls.clone();
    distinct.dedup();
    for url in &distinct {
        if !validated(&fake, url).await {
            return graph_error(
                400,
                "ValidationError",
                "Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.",
            );
        }
    }
    let mut inner = lock(&fake.0);
    let n = inner.next_id("");
    let subscription = FakeSubscription {
        id: format!("7f105c7d-2dc5-4530-97cd-{:012}", n.parse::<u64>().unwrap_or_default()),
        directory,
        mailbox,
        resource,
        change_types,
        notification_url: urls[0].clone(),
        lifecycle_url: body["lifecycleNotificationUrl"].as_str().map(str::to_owned),
        client_state,
        expires_at,
        deleted: false,
    };
    let json = subscription.json();
    inner.subscriptions.push(subscription);
    (StatusCode::CREATED, Json(json)).into_response()
}

/// The validation handshake: `POST {url}?validationToken=...` with `text/plain`; the receiver must
/// answer 200 with the token as its body within 10 seconds.
async fn validated(fake: &Fake, url: &str) -> bool {
    let token = {
        let mut inner = lock(&fake.0);
        format!(
            "Validation: Testing client application reachability for subscription Request-Id: {}",
            inner.next_id("req-")
        )
    };
    let Ok(mut target) = url::Url::parse(url) else { return false };
    target.query_pairs_mut().append_pair("validationToken", &token);
    match tokio::time::timeout(VALIDATION_TIMEOUT, post(target.as_str(), "text/plain; charset=utf-8", "")).await {
        Ok(Ok((200, body))) => body == token,
        _ => false,
    }
}

fn find<'a>(inner: &'a mut Inner, id: &str, directory: &str) -> Option<&'a mut FakeSubscription> {
    inner.subscriptions.iter_mut().find(|s| s.id == id && s.directory == directory && s.open())
}

fn missing() -> Response {
    graph_error(404, "ResourceNotFound", "The object was not found.")
}

/// `PATCH /subscriptions/{id}` with a new `expirationDateTime`.
pub(super) async fn renew(
    State(fake): State<Fake>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let directory = match authorize_app(&fake, &headers, format!("PATCH /subscriptions/{id}")) {
        Ok(d) => d,
        Err(refusal) => return *refusal,
    };
    let expires_at = match expiry(&body) {
        Ok(at) => at,
        Err(refusal) => return *refusal,
    };
    let mut inner = lock(&fake.0);
    match find(&mut inner, &id, &directory) {
        Some(subscription) => {
            subscription.expires_at = expires_at;
            Json(subscription.json()).into_response()
        }
        None => missing(),
    }
}

/// `DELETE /subscriptions/{id}`.
pub(super) async fn remove(State(fake): State<Fake>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let directory = match authorize_app(&fake, &headers, format!("DELETE /subscriptions/{id}")) {
        Ok(d) => d,
        Err(refusal) => return *refusal,
    };
    let mut inner = lock(&fake.0);
    match find(&mut inner, &id, &directory) {
        Some(subscription) => {
            subscription.deleted = true;
            StatusCode::NO_CONTENT.into_response()
        }
        None => missing(),
    }
}

/// Queues a change notification to every open subscription on `mailbox` that takes `change_type`.
pub(super) fn notify(inner: &mut Inner, mailbox: &str, event_id: &str, change_type: &str) {
    if inner.muted {
        return;
    }
    let resource = format!("Users/{mailbox}/Events/{event_id}");
    let deliveries: Vec<Delivery> = inner
        .subscriptions
        .iter()
        .filter(|s| s.open() && s.mailbox == mailbox && s.change_types.iter().any(|c| c == change_type))
        .map(|s| {
            let body = json!({"value": [{
                "subscriptionId": s.id,
                "subscriptionExpirationDateTime": s.expires_at.to_string(),
                "changeType": change_type,
                "resource": resource,
                "resourceData": {"@odata.type": "#Microsoft.Graph.Event", "@odata.id": resource, "id": event_id},
                "clientState": s.client_state,
                "tenantId": s.directory,
            }]});
            Delivery { url: s.notification_url.clone(), body: body.to_string() }
        })
        .collect();
    for delivery in deliveries {
        inner.notifications += 1;
        if let Some(outbox) = &inner.outbox {
            let _ = outbox.send(delivery);
        }
    }
}

/// POSTs the notifications in order, waiting for each answer (at most 5 s).
pub(super) async fn deliver(mut outbox: mpsc::UnboundedReceiver<Delivery>) {
    while let Some(delivery) = outbox.recv().await {
        let _ =
            tokio::time::timeout(Duration::from_secs(5), post(&delivery.url, "application/json", &delivery.body)).await;
    }
}

/// A plain-HTTP POST; the answer's status and body.
async fn post(url: &str, content_type: &str, body: &str) -> std::io::Result<(u16, String)> {
    let url = url::Url::parse(url).map_err(std::io::Error::other)?;
    if url.scheme() != "http" {
        return Err(std::io::Error::other("the fake delivers over plain HTTP only"));
    }
    let host = url.host_str().unwrap_or("127.0.0.1").to_owned();
    let port = url.port_or_known_default().unwrap_or(80);
    let mut stream = tokio::net::TcpStream::connect((host.as_str(), port)).await?;
    let path = &url[url::Position::BeforePath..url::Position::AfterQuery];
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Connection: close\r\nUser-Agent: Microsoft-Graph-Fake\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await?;
    let text = String::from_utf8_lossy(&answer);
    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let chunked = head
        .lines()
        .any(|l| l.to_lowercase().starts_with("transfer-encoding:") && l.to_lowercase().contains("chunked"));
    Ok((status, if chunked { dechunk(rest) } else { rest.to_owned() }))
}

/// A chunked body's data.
fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else { break };
        if size == 0 || after.len() < size {
            break;
        }
        out.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    out
}

impl FakeMicrosoft {
    /// Every subscription made, oldest first (deleted and expired ones included).
    pub fn subscriptions(&self) -> Vec<FakeSubscription> {
        lock(&self.fake.0).subscriptions.clone()
    }

    /// Sends a lifecycle notification (`reauthorizationRequired`, `subscriptionRemoved`,
    /// `missed`) for the subscription, to its lifecycle URL (else its notification URL); a
    /// removed subscription is gone.
    pub fn send_lifecycle(&self, subscription_id: &str, event: &str) {
        let mut inner = lock(&self.fake.0);
        let Some(s) = inner.subscriptions.iter_mut().find(|s| s.id == subscription_id) else { return };
        if event == "subscriptionRemoved" {
            s.deleted = true;
        }
        let body = json!({"value": [{
            "subscriptionId": s.id,
            "subscriptionExpirationDateTime": s.expires_at.to_string(),
            "tenantId": s.directory,
            "clientState": s.client_state,
            "lifecycleEvent": event,
        }]});
        let delivery = Delivery {
            url: s.lifecycle_url.clone().unwrap_or_else(|| s.notification_url.clone()),
            body: body.to_string(),
        };
        inner.notifications += 1;
        if let Some(outbox) = &inner.outbox {
            let _ = outbox.send(delivery);
        }
    }
}
