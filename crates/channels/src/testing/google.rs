//! A Google fake on 127.0.0.1: the OAuth token endpoint (`grant_type=refresh_token`) and the
//! Calendar API v3 events collection (insert with `conferenceData`, list by private extended
//! property, get, patch, delete), speaking the documented shapes and checking the bearer token,
//! the client credentials and the fields Sala must send. An `iCalUID` is unique in a calendar,
//! deleted events included (409 `duplicate`), and never changes. Tests script failures (401, 403
//! rate limit, 404, 409, 5xx) and a Meet conference that stays `pending` for a few reads.
//!
//! The Admin SDK Directory API's `users.list` too: paged by `maxResults` and `pageToken`, only
//! for an access token granted the directory scope by domain-wide delegation, and only to a
//! Workspace admin; a scope the Workspace admin has not delegated is refused at the token
//! endpoint as Google does (401 `unauthorized_client`).

use super::lock;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;

/// The OAuth client the fake knows.
pub const FAKE_GOOGLE_CLIENT_ID: &str = "sala-test.apps.googleusercontent.com";
pub const FAKE_GOOGLE_CLIENT_SECRET: &str = "test-secret";

/// A scripted answer for the next Calendar call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GoogleAnswer {
    /// This HTTP status with Google's error body (`401`, `404`, `409`, `500`, `503`, ...).
    Status(u16),
    /// `403` with reason `rateLimitExceeded`.
    RateLimited,
}

#[derive(Default)]
struct Inner {
    /// Refresh tokens and whether they still work.
    refresh_tokens: HashMap<String, bool>,
    /// Access tokens that work now.
    access_tokens: HashSet<String>,
    /// Events by id, with the calendar they are in.
    events: HashMap<String, (String, Value)>,
    /// Meet request ids seen: Google ignores a repeated one.
    request_ids: HashSet<String>,
    /// How many reads a new conference stays `pending` for.
    pending_reads: u32,
    /// Reads left before each pending event's conference is ready.
    pending: HashMap<String, u32>,
    script: Vec<GoogleAnswer>,
    /// `METHOD path` of every Calendar call, oldest first.
    calls: Vec<String>,
    /// Service accounts (email -> their RSA public key) allowed domain-wide delegation, and
    /// the domain they may act in.
    service_accounts: HashMap<String, (rsa::RsaPublicKey, String)>,
    /// The subjects service accounts acted as, oldest first.
    delegated_subjects: Vec<String>,
    /// Busy intervals of calendars (rooms' resource calendars), RFC 3339.
    busy: HashMap<String, Vec<(String, String)>>,
    /// Tokens revoked through `/revoke`, oldest first.
    revoked: Vec<String>,
    /// Delegated access tokens: whom they act as and the scopes granted.
    grants: HashMap<String, (String, Vec<String>)>,
    /// Scopes the Workspace admin has not delegated to service accounts.
    withheld: HashSet<String>,
    /// The Workspace directory's users (Google's `User` resources), in order.
    directory: Vec<Value>,
    /// Who is a Workspace admin (the Directory API answers only them).
    directory_admins: HashSet<String>,
    counter: u64,
}

#[derive(Clone, Default)]
struct Fake(Arc<Mutex<Inner>>);

/// The fake Google; `api_base` and `token_url` go into Sala's settings.
pub struct FakeGoogle {
    /// `http://127.0.0.1:PORT`.
    pub api_base: String,
    /// `http://127.0.0.1:PORT/token`.
    pub token_url: String,
    /// `http://127.0.0.1:PORT/revoke`.
    pub revoke_url: String,
    fake: Fake,
}

impl FakeGoogle {
    pub async fn start() -> std::io::Result<Self> {
        let fake = Fake::default();
        let app = Router::new()
            .route("/token", post(token))
            .route("/revoke", post(revoke))
            .route("/calendar/v3/calendars/{calendar}/events", post(insert).get(list))
            .route("/calendar/v3/calendars/{calendar}/events/{id}", get(read).patch(patch).delete(delete))
            .route("/calendar/v3/freeBusy", post(free_busy))
            .route("/admin/directory/v1/users", get(list_users))
            .with_state(fake.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr: SocketAddr = listener.local_addr()?;
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            api_base: format!("http://{addr}"),
            token_url: format!("http://{addr}/token"),
            revoke_url: format!("http://{addr}/revoke"),
            fake,
        })
    }

    /// A refresh token the token endpoint will honour (as if the person had just consented).
    pub fn grant(&self, refresh_token: &str) {
        lock(&self.fake.0).refresh_tokens.insert(refresh_token.into(), true);
    }

    /// A service account (its key as PEM) with domain-wide delegation for `domain`, as a
    /// Workspace admin grants it: its JWT bearer grants for people of that domain are honoured.
    pub fn trust_service_account(&self, client_email: &str, private_key_pem: &str, domain: &str) {
        use rsa::pkcs1::DecodeRsaPrivateKey;
        use rsa::pkcs8::DecodePrivateKey;
        let key = rsa::RsaPrivateKey::from_pkcs8_pem(private_key_pem)
            .or_else(|_| rsa::RsaPrivateKey::from_pkcs1_pem(private_key_pem))
            .map(|k| k.to_public_key());
        if let Ok(public) = key {
            lock(&self.fake.0).service_accounts.insert(client_email.into(), (public, domain.into()));
        }
    }

    /// The Workspace admin takes `scope` out of the service accounts' domain-wide delegation.
    pub fn withhold_scope(&self, scope: &str) {
        lock(&self.fake.0).withheld.insert(scope.into());
    }

    /// A user of the Workspace directory, as `users.list` shows one.
    pub fn add_directory_user(&self, email: &str, full_name: &str, mobile: Option<&str>, suspended: bool) {
        let mut phones = vec![json!({"value": "+34 910 000 000", "type": "work"})];
        phones.extend(mobile.map(|m| json!({"value": m, "type": "mobile"})));
        let (given, family) = full_name.split_once(' ').unwrap_or((full_name, ""));
        lock(&self.fake.0).directory.push(json!({
            "kind": "admin#directory#user", "id": format!("10{}", email.len()), "primaryEmail": email,
            "name": {"givenName": given, "familyName": family, "fullName": full_name},
            "suspended": suspended, "phones": phones,
        }));
    }

    /// `email` is a Workspace admin: the Directory API answers them.
    pub fn make_directory_admin(&self, email: &str) {
        lock(&self.fake.0).directory_admins.insert(email.to_lowercase());
    }

    /// Whom service accounts acted as, oldest first.
    pub fn delegated_subjects(&self) -> Vec<String> {
        lock(&self.fake.0).delegated_subjects.clone()
    }

    /// The person revoked Sala's access: the refresh token now answers `invalid_grant`.
    pub fn revoke(&self, refresh_token: &str) {
        let mut inner = lock(&self.fake.0);
        inner.refresh_tokens.insert(refresh_token.into(), false);
        inner.access_tokens.clear();
    }

    /// The refresh tokens Sala gave back (revoked), oldest first.
    pub fn revoked(&self) -> Vec<String> {
        lock(&self.fake.0).revoked.clone()
    }

    /// Every access token issued so far stops working (they expired).
    pub fn expire_access_tokens(&self) {
        lock(&self.fake.0).access_tokens.clear();
    }

    /// New conferences stay `pending` for this many reads of their event.
    pub fn conferences_pending_for(&self, reads: u32) {
        lock(&self.fake.0).pending_reads = reads;
    }

    /// The next Calendar calls get these answers, in order.
    pub fn answer_next(&self, answers: &[GoogleAnswer]) {
        lock(&self.fake.0).script.extend_from_slice(answers);
    }

    /// The calendar (a room's resource calendar) is busy in `[start, end)` (Unix ms), as if
    /// someone had booked the room directly in Google Calendar.
    pub fn add_busy(&self, calendar: &str, start: i64, end: i64) {
        let text = |ms: i64| jiff::Timestamp::from_millisecond(ms).map(|t| t.to_string()).unwrap_or_default();
        lock(&self.fake.0).busy.entry(calendar.into()).or_default().push((text(start), text(end)));
    }

    /// `METHOD path` of every Calendar call so far (token calls are not listed).
    pub fn calls(&self) -> Vec<String> {
        lock(&self.fake.0).calls.clone()
    }

    /// Someone deletes the event in Google Calendar (Google keeps it as `cancelled`, UID and all).
    pub fn delete_in_google(&self, id: &str) {
        if let Some((_, event)) = lock(&self.fake.0).events.get_mut(id) {
            event["status"] = json!("cancelled");
        }
    }

    /// The events in the calendar now (deleted ones are gone), by id.
    pub fn events(&self) -> HashMap<String, Value> {
        lock(&self.fake.0)
            .events
            .iter()
            .filter(|(_, (_, e))| e["status"] != "cancelled")
            .map(|(id, (_, e))| (id.clone(), e.clone()))
            .collect()
    }
}

fn google_error(status: u16, reason: &str, message: &str) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = json!({"error": {"code": status, "message": message, "errors": [{"domain": "global", "reason": reason, "message": message}]}});
    (code, Json(body)).into_response()
}

/// Records the call; the refusal to answer instead, when a failure is scripted or the bearer
/// token does not work.
fn refusal(fake: &Fake, headers: &HeaderMap, call: String) -> Option<Response> {
    let mut inner = lock(&fake.0);
    inner.calls.push(call);
    if !inner.script.is_empty() {
        return Some(match inner.script.remove(0) {
            GoogleAnswer::RateLimited => google_error(403, "rateLimitExceeded", "Rate Limit Exceeded"),
            GoogleAnswer::Status(401) => google_error(401, "authError", "Invalid Credentials"),
            GoogleAnswer::Status(status) => google_error(status, "backendError", "scripted failure"),
        });
    }
    let token = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    match token {
        Some(t) if inner.access_tokens.contains(t) => None,
        _ => Some(google_error(401, "authError", "Request had invalid authentication credentials.")),
    }
}

async fn token(State(fake): State<Fake>, Form(form): Form<HashMap<String, String>>) -> Response {
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or_default();
    // A service account's grant carries no client credentials: its signed JWT is the credential.
    if field("grant_type") == "urn:ietf:params:oauth:grant-type:jwt-bearer" {
        return jwt_bearer(&fake, field("assertion"));
    }
    if field("client_id") != FAKE_GOOGLE_CLIENT_ID || field("client_secret") != FAKE_GOOGLE_CLIENT_SECRET {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid_client", "error_description": "Unauthorized"})),
        )
            .into_response();
    }
    if field("grant_type") != "refresh_token" {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "unsupported_grant_type"}))).into_response();
    }
    let mut inner = lock(&fake.0);
    if inner.refresh_tokens.get(field("refresh_token")) != Some(&true) {
        let body = json!({"error": "invalid_grant", "error_description": "Token has been expired or revoked."});
        return (StatusCode::BAD_REQUEST, Json(body)).into_response();
    }
    inner.counter += 1;
    let access = format!("ya29.fake-access-{}", inner.counter);
    inner.access_tokens.insert(access.clone());
    Json(json!({"access_token": access, "expires_in": 3599, "token_type": "Bearer",
                "scope": "https://www.googleapis.com/auth/calendar.events"}))
    .into_response()
}

/// Google's revocation endpoint: a form with `token`; 200, or 400 `invalid_token` for a token
/// it does not know. Revoking a refresh token ends the whole grant, access tokens included.
async fn revoke(State(fake): State<Fake>, Form(form): Form<HashMap<String, String>>) -> Response {
    let token = form.get("token").cloned().unwrap_or_default();
    let mut inner = lock(&fake.0);
    if inner.refresh_tokens.get(&token) != Some(&true) && !inner.access_tokens.contains(&token) {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_token", "error_description": "Token expired or revoked"})),
        )
            .into_response();
    }
    inner.refresh_tokens.insert(token.clone(), false);
    inner.access_tokens.clear();
    inner.revoked.push(token);
    StatusCode::OK.into_response()
}

/// The scopes a Workspace admin may delegate to a service account here.
const DELEGABLE: &[&str] = &[
    "https://www.googleapis.com/auth/calendar.events",
    "https://www.googleapis.com/auth/admin.directory.user.readonly",
];

/// The JWT bearer grant (RFC 7523) as Google checks it: RS256 signed by a trusted service
/// account, for the token endpoint, unexpired, with a subject in the domain it may act in.
fn jwt_bearer(fake: &Fake, assertion: &str) -> Response {
    use base64::Engine;
    use rsa::signature::Verifier;
    let refuse = |description: &str| {
        (StatusCode::BAD_REQUEST, Json(json!({"error": "invalid_grant", "error_description": description})))
            .into_response()
    };
    let parts: Vec<&str> = assertion.split('.').collect();
    let decode = |part: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part).ok();
    let [header, claims, signature] = parts.as_slice() else { return refuse("Invalid JWT") };
    let (Some(header_json), Some(claims_json), Some(signature)) = (decode(header), decode(claims), decode(signature))
    else {
        return refuse("Invalid JWT encoding");
    };
    let header: Value = serde_json::from_slice(&header_json).unwrap_or_default();
    let claims: Value = serde_json::from_slice(&claims_json).unwrap_or_default();
    if header["alg"] != "RS256" {
        return refuse("Invalid JWT algorithm");
    }
    let mut inner = lock(&fake.0);
    let issuer = claims["iss"].as_str().unwrap_or_default();
    let Some((public, domain)) = inner.service_accounts.get(issuer).cloned() else {
        return refuse("Invalid JWT Signature.");
    };
    let verifier = rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(public);
    let signed = format!("{}.{}", parts[0], parts[1]);
    let valid = rsa::pkcs1v15::Signature::try_from(signature.as_slice())
        .is_ok_and(|sig| verifier.verify(signed.as_bytes(), &sig).is_ok());
    if !valid {
        return refuse("Invalid JWT Signature.");
    }
    let now = jiff::Timestamp::now().as_second();
    if claims["exp"].as_i64().is_none_or(|exp| exp <= now) || claims["iat"].as_i64().is_none_or(|iat| iat > now + 60) {
        return refuse("Invalid JWT: Token must be a short-lived token and in a reasonable timeframe");
    }
    if !claims["aud"].as_str().is_some_and(|aud| aud.ends_with("/token")) {
        return refuse("Invalid JWT audience");
    }
    let scopes: Vec<String> = claims["scope"].as_str().unwrap_or_default().split(' ').map(str::to_owned).collect();
    if scopes.is_empty() || !scopes.iter().all(|s| DELEGABLE.contains(&s.as_str())) {
        return refuse("Invalid scope");
    }
    let subject = claims["sub"].as_str().unwrap_or_default().to_owned();
    if !subject.to_lowercase().ends_with(&format!("@{domain}")) || scopes.iter().any(|s| inner.withheld.contains(s)) {
        // Google's answer when delegation does not cover the subject.
        let body = json!({"error": "unauthorized_client", "error_description": "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested."});
        return (StatusCode::UNAUTHORIZED, Json(body)).into_response();
    }
    inner.counter += 1;
    let access = format!("ya29.fake-delegated-{}", inner.counter);
    inner.access_tokens.insert(access.clone());
    inner.grants.insert(access.clone(), (subject.clone(), scopes));
    inner.delegated_subjects.push(subject);
    Json(json!({"access_token": access, "expires_in": 3599, "token_type": "Bearer"})).into_response()
}

/// What Sala must send in every event (the documented required fields, and ours).
fn shape_problems(body: &Value) -> Vec<&'static str> {
    let mut problems = Vec::new();
    if !body["summary"].is_string() {
        problems.push("summary");
    }
    for end in ["start", "end"] {
        let parsed = body[end]["dateTime"].as_str().and_then(|t| t.parse::<jiff::Timestamp>().ok());
        if parsed.is_none() || body[end]["timeZone"].as_str().and_then(|z| jiff::tz::TimeZone::get(z).ok()).is_none() {
            problems.push(if end == "start" { "start" } else { "end" });
        }
    }
    if !body["extendedProperties"]["private"]["salaBookingId"].is_string() {
        problems.push("extendedProperties.private.salaBookingId");
    }
    if let Some(request) = body.get("conferenceData").and_then(|c| c.get("createRequest")) {
        if request["requestId"].as_str().is_none_or(str::is_empty) {
            problems.push("conferenceData.createRequest.requestId");
        }
        if request["conferenceSolutionKey"]["type"] != "hangoutsMeet" {
            problems.push("conferenceData.createRequest.conferenceSolutionKey.type");
        }
    }
    problems
}

/// The refusal of a write without `sendUpdates=none`, or with `conferenceData` but without
/// `conferenceDataVersion=1` (Google would silently drop it).
fn query_refusal(query: &HashMap<String, String>, body: &Value) -> Option<Response> {
    if query.get("sendUpdates").map(String::as_str) != Some("none") {
        return Some(google_error(400, "invalid", "Sala must send sendUpdates=none (it sends its own invitations)"));
    }
    if body.get("conferenceData").is_some() && query.get("conferenceDataVersion").map(String::as_str) != Some("1") {
        return Some(google_error(400, "invalid", "conferenceData needs conferenceDataVersion=1"));
    }
    None
}

/// Applies a conference create request (or removal) to a stored event.
fn conference(inner: &mut Inner, id: &str, event: &mut Value, requested: Option<&Value>) {
    match requested {
        Some(Value::Null) => {
            if let Some(map) = event.as_object_mut() {
                map.remove("conferenceData");
                map.remove("hangoutLink");
            }
        }
        // An existing conference copied from another event: joined as it is.
        Some(data) if data.get("createRequest").is_none() => {
            let link = data["entryPoints"].as_array().into_iter().flatten().find(|p| p["entryPointType"] == "video");
            event["hangoutLink"] = link.map(|p| p["uri"].clone()).unwrap_or_default();
            event["conferenceData"] = data.clone();
        }
        Some(data) => {
            let request_id = data["createRequest"]["requestId"].as_str().unwrap_or_default().to_owned();
            if !inner.request_ids.insert(request_id.clone()) {
                return; // A repeated requestId: Google ignores the request.
            }
            inner.counter += 1;
            let link = format!("https://meet.google.com/fak-{:04}-xyz", inner.counter);
            let mut data = json!({"createRequest": {"requestId": request_id, "conferenceSolutionKey": {"type": "hangoutsMeet"},
                                   "status": {"statusCode": "pending"}},
                                  "conferenceId": format!("fak-{:04}-xyz", inner.counter)});
            if inner.pending_reads == 0 {
                ready(&mut data, &link);
                event["hangoutLink"] = json!(link);
            } else {
                inner.pending.insert(id.to_owned(), inner.pending_reads);
                data["pendingLink"] = json!(link);
            }
            event["conferenceData"] = data;
        }
        None => {}
    }
}

fn ready(data: &mut Value, link: &str) {
    data["createRequest"]["status"]["statusCode"] = json!("success");
    data["entryPoints"] =
        json!([{"entryPointType": "video", "uri": link, "label": link.trim_start_matches("https://")}]);
    data["conferenceSolution"] = json!({"key": {"type": "hangoutsMeet"}, "name": "Google Meet"});
    if let Some(map) = data.as_object_mut() {
        map.remove("pendingLink");
    }
}

async fn insert(
    State(fake): State<Fake>,
    Path(calendar): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Some(r) = refusal(&fake, &headers, format!("POST {calendar}/events")) {
        return r;
    }
    if let Some(r) = query_refusal(&query, &body) {
        return r;
    }
    let problems = shape_problems(&body);
    if !problems.is_empty() {
        return google_error(400, "required", &format!("Missing or invalid: {problems:?}"));
    }
    let mut inner = lock(&fake.0);
    // An iCalUID is one event's in a calendar, deleted ones included (Google keeps them).
    if let Some(uid) = body["iCalUID"].as_str()
        && inner.events.values().any(|(cal, e)| *cal == calendar && e["iCalUID"] == uid)
    {
        return google_error(409, "duplicate", "The requested identifier already exists.");
    }
    inner.counter += 1;
    let id = format!("evt{:06}", inner.counter);
    let mut event = body.clone();
    event["id"] = json!(id);
    if event.get("iCalUID").is_none() {
        event["iCalUID"] = json!(format!("{id}@google.com"));
    }
    event["status"] = json!("confirmed");
    event["htmlLink"] = json!(format!("https://www.google.com/calendar/event?eid={id}"));
    if let Some(map) = event.as_object_mut() {
        map.remove("conferenceData");
    }
    conference(&mut inner, &id, &mut event, body.get("conferenceData"));
    inner.events.insert(id, (calendar, event.clone()));
    Json(event).into_response()
}

async fn list(
    State(fake): State<Fake>,
    Path(calendar): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = refusal(&fake, &headers, format!("GET {calendar}/events")) {
        return r;
    }
    let wanted = query.get("privateExtendedProperty").and_then(|p| p.split_once('='));
    let inner = lock(&fake.0);
    let items: Vec<Value> = inner
        .events
        .values()
        .filter(|(cal, e)| *cal == calendar && e["status"] != "cancelled")
        .filter(|(_, e)| wanted.is_none_or(|(k, v)| e["extendedProperties"]["private"][k] == v))
        .map(|(_, e)| e.clone())
        .collect();
    Json(json!({"kind": "calendar#events", "items": items})).into_response()
}

async fn read(State(fake): State<Fake>, Path((calendar, id)): Path<(String, String)>, headers: HeaderMap) -> Response {
    if let Some(r) = refusal(&fake, &headers, format!("GET {calendar}/events/{id}")) {
        return r;
    }
    let mut inner = lock(&fake.0);
    let left = inner.pending.get(&id).copied();
    let Some((_, event)) = inner.events.get_mut(&id) else { return google_error(404, "notFound", "Not Found") };
    match left {
        Some(n) if n > 1 => {
            inner.pending.insert(id.clone(), n - 1);
        }
        Some(_) => {
            let link = event["conferenceData"]["pendingLink"].as_str().unwrap_or_default().to_owned();
            ready(&mut event["conferenceData"], &link);
            event["hangoutLink"] = json!(link);
            inner.pending.remove(&id);
        }
        None => {}
    }
    let event = inner.events.get(&id).map(|(_, e)| e.clone()).unwrap_or_default();
    Json(event).into_response()
}

async fn patch(
    State(fake): State<Fake>,
    Path((calendar, id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Some(r) = refusal(&fake, &headers, format!("PATCH {calendar}/events/{id}")) {
        return r;
    }
    if let Some(r) = query_refusal(&query, &body) {
        return r;
    }
    let mut inner = lock(&fake.0);
    let Some((_, stored)) = inner.events.get(&id).cloned() else { return google_error(404, "notFound", "Not Found") };
    if stored["status"] == "cancelled" {
        return google_error(410, "deleted", "Resource has been deleted");
    }
    if body.get("iCalUID").is_some_and(|uid| *uid != stored["iCalUID"]) {
        return google_error(400, "invalid", "An event's iCalUID cannot change");
    }
    let mut event = stored;
    for (key, value) in body.as_object().into_iter().flatten().filter(|(k, _)| *k != "conferenceData") {
        event[key.as_str()] = value.clone();
    }
    let problems = shape_problems(&event);
    if !problems.is_empty() {
        return google_error(400, "required", &format!("Missing or invalid: {problems:?}"));
    }
    conference(&mut inner, &id, &mut event, body.get("conferenceData"));
    inner.events.insert(id, (calendar, event.clone()));
    Json(event).into_response()
}

async fn delete(
    State(fake): State<Fake>,
    Path((calendar, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = refusal(&fake, &headers, format!("DELETE {calendar}/events/{id}")) {
        return r;
    }
    let mut inner = lock(&fake.0);
    match inner.events.get_mut(&id) {
        None => google_error(404, "notFound", "Not Found"),
        Some((_, e)) if e["status"] == "cancelled" => google_error(410, "deleted", "Resource has been deleted"),
        Some((_, e)) => {
            e["status"] = json!("cancelled");
            StatusCode::NO_CONTENT.into_response()
        }
    }
}

/// `POST /calendar/v3/freeBusy`: the busy intervals of the calendars asked for, clipped to the
/// window; a calendar the fake does not know answers `notFound` in its `errors`.
async fn free_busy(State(fake): State<Fake>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    if let Some(r) = refusal(&fake, &headers, "POST freeBusy".to_owned()) {
        return r;
    }
    let instant = |v: &Value| v.as_str().and_then(|t| t.parse::<jiff::Timestamp>().ok());
    let (Some(from), Some(to)) = (instant(&body["timeMin"]), instant(&body["timeMax"])) else {
        return google_error(400, "badRequest", "timeMin and timeMax are required");
    };
    let inner = lock(&fake.0);
    let mut calendars = serde_json::Map::new();
    for item in body["items"].as_array().into_iter().flatten() {
        let id = item["id"].as_str().unwrap_or_default();
        let answer = match inner.busy.get(id) {
            Some(intervals) => {
                let busy: Vec<Value> = intervals
                    .iter()
                    .filter(|(s, e)| {
                        let (s, e) = (s.parse::<jiff::Timestamp>(), e.parse::<jiff::Timestamp>());
                        matches!((s, e), (Ok(s), Ok(e)) if s < to && e > from)
                    })
                    .map(|(s, e)| json!({"start": s, "end": e}))
                    .collect();
                json!({"busy": busy})
            }
            None => json!({"errors": [{"domain": "global", "reason": "notFound"}], "busy": []}),
        };
        calendars.insert(id.to_owned(), answer);
    }
    Json(json!({"kind": "calendar#freeBusy", "timeMin": body["timeMin"], "timeMax": body["timeMax"], "calendars": calendars}))
        .into_response()
}

/// `users.list` as the Directory API answers it: `customer` (or `domain`) required, `maxResults`
/// 1-500 (default 100), `pageToken` from the previous page; `viewType=domain_public` leaves out
/// the administrator-only fields (`suspended` among them), `admin_view` (the default) keeps them;
/// 403 `insufficientPermissions` for a token without the directory scope, 403 `forbidden` for a
/// subject who is not a Workspace admin.
async fn list_users(
    State(fake): State<Fake>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Some(refused) = refusal(&fake, &headers, "GET /admin/directory/v1/users".into()) {
        return refused;
    }
    let token = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    let inner = lock(&fake.0);
    let grant = token.and_then(|t| inner.grants.get(t));
    let scoped = grant.is_some_and(|(_, scopes)| scopes.iter().any(|s| s == DELEGABLE[1]));
    let Some((subject, _)) = grant.filter(|_| scoped) else {
        return google_error(403, "insufficientPermissions", "Request had insufficient authentication scopes.");
    };
    if !inner.directory_admins.contains(&subject.to_lowercase()) {
        return google_error(403, "forbidden", "Not Authorized to access this resource/api");
    }
    if query.get("customer").map(String::as_str) != Some("my_customer") && !query.contains_key("domain") {
        return google_error(400, "badRequest", "Bad Request");
    }
    let size = match query.get("maxResults").map(|m| m.parse::<usize>()) {
        None => 100,
        Some(Ok(n)) if (1..=500).contains(&n) => n,
        Some(_) => return google_error(400, "invalid", "Invalid value for maxResults"),
    };
    let start = match query.get("pageToken").map(|t| t.strip_prefix("page-").and_then(|n| n.parse::<usize>().ok())) {
        None => 0,
        Some(Some(n)) if n <= inner.directory.len() => n,
        Some(_) => return google_error(400, "invalid", "Invalid Page Token"),
    };
    let public_only = query.get("viewType").map(String::as_str) == Some("domain_public");
    let users: Vec<Value> = inner
        .directory
        .iter()
        .skip(start)
        .take(size)
        .cloned()
        .map(|mut user| {
            if public_only && let Some(fields) = user.as_object_mut() {
                fields.remove("suspended");
            }
            user
        })
        .collect();
    let mut body = json!({"kind": "admin#directory#users", "etag": "\"fake-etag\"", "users": users});
    if start + size < inner.directory.len() {
        body["nextPageToken"] = json!(format!("page-{}", start + size));
    }
    Json(body).into_response()
}
