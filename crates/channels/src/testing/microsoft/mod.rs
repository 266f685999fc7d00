//! A Microsoft fake on 127.0.0.1: the identity platform's token endpoint (client credentials per
//! directory, refresh tokens) and the part of Microsoft Graph v1.0 Sala uses, speaking the
//! documented shapes and error bodies (`{"error": {"code", "message"}}`).
//!
//! - **Directories**: an application token is issued only for a directory that has consented
//!   ([`FakeMicrosoft::consent`]); otherwise the endpoint answers as Entra ID does for an app
//!   without a service principal there (400 `unauthorized_client`, `AADSTS700016`). A wrong secret
//!   is 401 `invalid_client` (`AADSTS7000215`). Tokens are tied to their directory: Graph answers
//!   401 `InvalidAuthenticationToken` without a valid one, and 404 `ErrorInvalidUser` for a mailbox
//!   that is not in the token's directory.
//! - **Events** per mailbox (`events.rs`): `transactionId` dedupes a retried create, Sala's
//!   single-value extended properties come back only with `$expand`, `iCalUId` is read-only,
//!   Teams meetings get a join URL unique per meeting, rooms invited as `resource` accept and
//!   hold a copy, `getSchedule` (at most 20 schedules, under 62 days) reads them.
//! - **Windows** (`views.rs`): `calendarView`, `calendarView/delta` and `getSchedule`.
//! - **Delta** per mailbox: every change (Sala's calls and the test's "done in Outlook" helpers)
//!   gets a sequence number; `calendarView/delta` pages by `Prefer: odata.maxpagesize` with opaque
//!   `$skiptoken`s and ends with a `$deltatoken`; expired tokens answer 410 `SyncStateNotFound`.
//! - **Subscriptions** (`push.rs`): the validation handshake before creating one, the 10,080-minute
//!   maximum for Outlook events, change notifications with `clientState` for every change of the
//!   watched mailbox, `PATCH` renewals, `DELETE`. One deviation: Graph requires `https`
//!   notification URLs; the fake also takes plain `http` so tests can receive on 127.0.0.1.
//! - **Scripts**: [`FakeMicrosoft::throttle_next`] (429 `TooManyRequests` with `Retry-After`) and
//!   [`FakeMicrosoft::fail_next`] for the next Graph calls; the tests' hands in Outlook are in
//!   `outlook.rs`.

mod events;
mod outlook;
mod push;
mod views;

use super::lock;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use jiff::Timestamp;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

pub use push::FakeSubscription;

/// The application (client) id the fake knows.
pub const FAKE_MICROSOFT_CLIENT_ID: &str = "5b1d7c2e-3f4a-4b6c-9d8e-0f1a2b3c4d5e";
/// Its client secret.
pub const FAKE_MICROSOFT_CLIENT_SECRET: &str = "fake~client~secret";

/// A scripted answer for the next Graph call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MicrosoftAnswer {
    /// 429 `TooManyRequests` with `Retry-After: secs`.
    Throttle(u64),
    /// This status with Graph's error body.
    Status(u16),
    /// Answered as usual (to script a failure for a later call).
    Pass,
}

struct Mailbox {
    directory: String,
    room: bool,
}

/// Who an access token acts as: Sala in a directory, or a person (a delegated grant).
#[derive(Clone)]
struct Principal {
    directory: String,
    /// The mailbox `/me` means; `None` for an application token.
    user: Option<String>,
}

/// An event as the fake keeps it.
struct Stored {
    mailbox: String,
    /// Graph's shape, with `start`/`end` as written; [`Stored::view`] gives them in UTC.
    event: Value,
    start: Timestamp,
    end: Timestamp,
    /// The sequence number of its last change.
    seq: u64,
    /// Deleted: kept so delta lists it as `@removed`.
    deleted: bool,
    /// The organizer's event this is a room's copy of.
    copy_of: Option<String>,
}

/// Where a delta round stands: the mailbox, the window, and the last change seen.
#[derive(Clone)]
struct DeltaState {
    mailbox: String,
    start: Timestamp,
    end: Timestamp,
    seq: u64,
}

/// The rest of a paged answer: items left, and the delta state its last page hands out.
struct Pending {
    items: VecDeque<Value>,
    then: Option<DeltaState>,
    path: String,
}

#[derive(Default)]
struct Inner {
    consented: HashSet<String>,
    mailboxes: HashMap<String, Mailbox>,
    tokens: HashMap<String, Principal>,
    /// Refresh tokens of delegated grants: whom they act as.
    refresh_tokens: HashMap<String, Principal>,
    token_lifetime: u64,
    /// The most items a page holds, whatever the client prefers (Graph may send fewer).
    page_cap: Option<usize>,
    token_requests: usize,
    events: BTreeMap<String, Stored>,
    seq: u64,
    delta_tokens: HashMap<String, DeltaState>,
    skip_tokens: HashMap<String, Pending>,
    expired_tokens: HashSet<String>,
    subscriptions: Vec<push::FakeSubscription>,
    muted: bool,
    outbox: Option<mpsc::UnboundedSender<push::Delivery>>,
    notifications: usize,
    script: VecDeque<MicrosoftAnswer>,
    /// `METHOD path` of every Graph call, oldest first.
    calls: Vec<String>,
    graph_base: String,
    counter: u64,
}

#[derive(Clone, Default)]
struct Fake(Arc<Mutex<Inner>>);

impl Inner {
    fn next_id(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!("{prefix}{:06}", self.counter)
    }
}

/// Graph's error body.
fn graph_error(status: u16, code: &str, message: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = json!({"error": {"code": code, "message": message, "innerError": {
        "date": Timestamp::now().strftime("%Y-%m-%dT%H:%M:%S").to_string(),
        "request-id": "00000000-0000-4000-8000-000000000000",
    }}});
    (status, Json(body)).into_response()
}

/// The identity platform's error body.
fn oauth_error(status: u16, error: &str, description: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    let body = json!({
        "error": error,
        "error_description": format!("{description}\r\nTrace ID: 0000 Correlation ID: 0000 Timestamp: {}", Timestamp::now()),
        "error_codes": [description.get(6..description.find(':').unwrap_or(6)).and_then(|c| c.parse::<u64>().ok()).unwrap_or(0)],
        "timestamp": Timestamp::now().to_string(),
    });
    (status, Json(body)).into_response()
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "))
}

/// The values of every `Prefer` header, split at commas.
fn prefer(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|v| v.trim().to_owned())
        .collect()
}

/// Records the call and answers a scripted failure, or checks the bearer token and that
/// `mailbox` (`None`: `/me`) is in its directory; the resolved mailbox.
fn authorize(fake: &Fake, headers: &HeaderMap, call: String, mailbox: Option<&str>) -> Result<String, Box<Response>> {
    let mut inner = lock(&fake.0);
    inner.calls.push(call);
    if let Some(answer) = inner.script.pop_front().filter(|a| *a != MicrosoftAnswer::Pass) {
        return Err(Box::new(scripted(answer)));
    }
    let Some(principal) = bearer(headers).and_then(|t| inner.tokens.get(t)).cloned() else {
        return Err(Box::new(graph_error(
            401,
            "InvalidAuthenticationToken",
            "Access token validation failure. Invalid audience.",
        )));
    };
    let address = match (mailbox, principal.user) {
        (Some(m), _) => m.to_lowercase(),
        (None, Some(user)) => user,
        (None, None) => {
            return Err(Box::new(graph_error(
                400,
                "BadRequest",
                "/me request is only valid with delegated authentication flow.",
            )));
        }
    };
    match inner.mailboxes.get(&address) {
        Some(m) if m.directory == principal.directory => Ok(address),
        _ => {
            Err(Box::new(graph_error(404, "ErrorInvalidUser", &format!("The requested user '{address}' is invalid."))))
        }
    }
}

/// Only the token's validity (subscriptions are not under a mailbox); the directory.
fn authorize_app(fake: &Fake, headers: &HeaderMap, call: String) -> Result<String, Box<Response>> {
    let mut inner = lock(&fake.0);
    inner.calls.push(call);
    if let Some(answer) = inner.script.pop_front().filter(|a| *a != MicrosoftAnswer::Pass) {
        return Err(Box::new(scripted(answer)));
    }
    match bearer(headers).and_then(|t| inner.tokens.get(t)) {
        Some(principal) => Ok(principal.directory.clone()),
        None => Err(Box::new(graph_error(401, "InvalidAuthenticationToken", "Access token validation failure."))),
    }
}

fn scripted(answer: MicrosoftAnswer) -> Response {
    match answer {
        MicrosoftAnswer::Throttle(secs) => {
            let mut response = graph_error(429, "TooManyRequests", "Too many requests, retry after some time.");
            if let Ok(value) = secs.to_string().parse() {
                response.headers_mut().insert("retry-after", value);
            }
            response
        }
        MicrosoftAnswer::Pass => graph_error(500, "InternalServerError", "a passed answer was scripted"),
        MicrosoftAnswer::Status(status) => {
            let code = match status {
                401 => "InvalidAuthenticationToken",
                403 => "ErrorAccessDenied",
                404 => "ErrorItemNotFound",
                409 => "ErrorIrresolvableConflict",
                503 => "ServiceUnavailable",
                504 => "GatewayTimeout",
                500..=599 => "InternalServerError",
                _ => "BadRequest",
            };
            graph_error(status, code, "scripted failure")
        }
    }
}

/// `POST {login}/{directory}/oauth2/v2.0/token`: client credentials (scope `.default` only) or a
/// refresh token.
async fn token(
    State(fake): State<Fake>,
    Path(directory): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or_default();
    let mut inner = lock(&fake.0);
    inner.token_requests += 1;
    if field("client_id") != FAKE_MICROSOFT_CLIENT_ID {
        let message = format!(
            "AADSTS700016: Application with identifier '{}' was not found in the directory '{directory}'.",
            field("client_id")
        );
        return oauth_error(400, "unauthorized_client", &message);
    }
    if field("client_secret") != FAKE_MICROSOFT_CLIENT_SECRET {
        return oauth_error(
            401,
            "invalid_client",
            "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
        );
    }
    let principal = match field("grant_type") {
        "client_credentials" => {
            if field("scope") != "https://graph.microsoft.com/.default" {
                return oauth_error(
                    400,
                    "invalid_scope",
                    "AADSTS1002012: The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).",
                );
            }
            if !inner.consented.contains(&directory) {
                let message = format!(
                    "AADSTS700016: Application with identifier '{FAKE_MICROSOFT_CLIENT_ID}' was not found in the directory '{directory}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant."
                );
                return oauth_error(400, "unauthorized_client", &message);
            }
            Principal { directory, user: None }
        }
        "refresh_token" => match inner.refresh_tokens.get(field("refresh_token")) {
            Some(principal) => principal.clone(),
            None => {
                return oauth_error(
                    400,
                    "invalid_grant",
                    "AADSTS70000: The provided grant has expired due to it being revoked, a fresh auth token is needed.",
                );
            }
        },
        other => {
            return oauth_error(
                400,
                "unsupported_grant_type",
                &format!("AADSTS70003: The app requested an unsupported grant type '{other}'."),
            );
        }
    };
    let access_token = format!("eyJ0eXAiOiJKV1Qi.{}", inner.next_id("fake-graph-token-"));
    inner.tokens.insert(access_token.clone(), principal);
    let lifetime = if inner.token_lifetime == 0 { 3599 } else { inner.token_lifetime };
    Json(json!({"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime, "access_token": access_token}))
        .into_response()
}

/// The fake Microsoft; `graph_base` and `login_base` go into Sala's settings.
pub struct FakeMicrosoft {
    /// `http://127.0.0.1:PORT/v1.0`.
    pub graph_base: String,
    /// `http://127.0.0.1:PORT/login`.
    pub login_base: String,
    fake: Fake,
}

impl FakeMicrosoft {
    pub async fn start() -> std::io::Result<Self> {
        let fake = Fake::default();
        let app = Router::new()
            .route("/login/{directory}/oauth2/v2.0/token", post(token))
            .route("/v1.0/users/{mailbox}/events", post(events::insert).get(events::list))
            .route("/v1.0/users/{mailbox}/events/{id}", get(events::read).patch(events::update).delete(events::delete))
            .route("/v1.0/users/{mailbox}/calendarView", get(views::view))
            .route("/v1.0/users/{mailbox}/calendarView/delta", get(views::delta))
            .route("/v1.0/users/{mailbox}/calendar/getSchedule", post(views::schedule))
            .route("/v1.0/me/events", post(events::insert).get(events::list))
            .route("/v1.0/me/events/{id}", get(events::read).patch(events::update).delete(events::delete))
            .route("/v1.0/me/calendarView", get(views::view))
            .route("/v1.0/me/calendarView/delta", get(views::delta))
            .route("/v1.0/subscriptions", post(push::create))
            .route("/v1.0/subscriptions/{id}", patch(push::renew).delete(push::remove))
            .with_state(fake.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr: SocketAddr = listener.local_addr()?;
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let (outbox, deliveries) = mpsc::unbounded_channel();
        tokio::spawn(push::deliver(deliveries));
        let graph_base = format!("http://{addr}/v1.0");
        {
            let mut inner = lock(&fake.0);
            inner.outbox = Some(outbox);
            inner.graph_base = graph_base.clone();
        }
        Ok(Self { graph_base, login_base: format!("http://{addr}/login"), fake })
    }

    /// The directory's administrator consents to Sala's application permissions.
    pub fn consent(&self, directory: &str) {
        lock(&self.fake.0).consented.insert(directory.to_owned());
    }

    /// A mailbox in a directory: a person's, or a room's (which accepts invitations as a resource).
    pub fn add_mailbox(&self, directory: &str, address: &str, room: bool) {
        lock(&self.fake.0).mailboxes.insert(address.to_lowercase(), Mailbox { directory: directory.to_owned(), room });
    }

    /// A delegated grant: the refresh token acts as `mailbox` (`/me`).
    pub fn grant_refresh_token(&self, refresh_token: &str, directory: &str, mailbox: &str) {
        let principal = Principal { directory: directory.to_owned(), user: Some(mailbox.to_lowercase()) };
        lock(&self.fake.0).refresh_tokens.insert(refresh_token.to_owned(), principal);
    }

    /// How long new access tokens live, in seconds (Entra's default is about an hour).
    pub fn set_token_lifetime(&self, secs: u64) {
        lock(&self.fake.0).token_lifetime = secs;
    }

    /// Requests to the token endpoint so far.
    pub fn token_requests(&self) -> usize {
        lock(&self.fake.0).token_requests
    }

    /// Every access token stops working (401 on Graph).
    pub fn expire_access_tokens(&self) {
        lock(&self.fake.0).tokens.clear();
    }

    /// The next `n` Graph calls answer 429 with `Retry-After: secs`.
    pub fn throttle_next(&self, n: usize, secs: u64) {
        lock(&self.fake.0).script.extend(std::iter::repeat_n(MicrosoftAnswer::Throttle(secs), n));
    }

    /// The next Graph calls answer these, in order.
    pub fn script(&self, answers: &[MicrosoftAnswer]) {
        lock(&self.fake.0).script.extend(answers.iter().copied());
    }

    /// Pages hold at most `n` items from now on (`Prefer: odata.maxpagesize` is a preference).
    pub fn cap_page_size(&self, n: usize) {
        lock(&self.fake.0).page_cap = Some(n);
    }

    /// The next Graph call answers this status with Graph's error body.
    pub fn fail_next(&self, status: u16) {
        lock(&self.fake.0).script.push_back(MicrosoftAnswer::Status(status));
    }

    /// `METHOD path` of every Graph call so far.
    pub fn calls(&self) -> Vec<String> {
        lock(&self.fake.0).calls.clone()
    }

    /// Every delta and skip token handed out so far answers 410 from now on.
    pub fn expire_delta_tokens(&self) {
        let mut inner = lock(&self.fake.0);
        let tokens: Vec<String> = inner.delta_tokens.keys().chain(inner.skip_tokens.keys()).cloned().collect();
        inner.expired_tokens.extend(tokens);
    }

    /// Changes happen but no notification is sent.
    pub fn mute_notifications(&self, muted: bool) {
        lock(&self.fake.0).muted = muted;
    }

    /// Change notifications handed to the outbox so far.
    pub fn notifications_sent(&self) -> usize {
        lock(&self.fake.0).notifications
    }
}
