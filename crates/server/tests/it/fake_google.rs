//! A small OpenID provider for the sign-in tests, speaking the shapes of Google's documented
//! endpoints on 127.0.0.1:0: discovery, JWKS, an authorization endpoint the test "browser"
//! follows, and a token endpoint that checks the client, the code, the redirect URI and PKCE.
//!
//! The test chooses who signs in ([`Person`]) and how the provider misbehaves ([`Misbehave`]).
//! ID tokens are signed (RS256) with a fixed test key from `fixtures/` (generating RSA keys in a
//! debug build is slow); a second fixed key plays "someone else's key".

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use openidconnect::core::{CoreGenderClaim, CoreJwsSigningAlgorithm, CoreRsaPrivateSigningKey};
use openidconnect::{
    AccessToken, AuthorizationCode, IdTokenClaims, JsonWebKeyId, JsonWebKeySet, PkceCodeChallenge, PkceCodeVerifier,
    PrivateSigningKey,
};
use sala_server::oidc::{ExtraClaims, OidcIdToken};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

/// The client the fake knows; the app under test is configured with it.
pub const CLIENT_ID: &str = "sala-test.apps.googleusercontent.com";
pub const CLIENT_SECRET: &str = "test-secret";

pub(crate) const KEY_PEM: &str = include_str!("fixtures/fake_google_key.pem");
pub(crate) const OTHER_KEY_PEM: &str = include_str!("fixtures/other_key.pem");
const KEY_ID: &str = "fake-key-1";
const ROTATED_KEY_ID: &str = "fake-key-2";

/// Who signs in: the claims of the next ID token.
#[derive(Clone, Debug)]
pub struct Person {
    pub sub: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    pub hd: Option<String>,
}

impl Person {
    /// A verified person without a Workspace domain.
    pub fn new(sub: &str, email: &str, name: &str) -> Self {
        Self { sub: sub.into(), email: Some(email.into()), email_verified: true, name: Some(name.into()), hd: None }
    }
}

/// How the next answers go wrong.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Misbehave {
    #[default]
    Nothing,
    /// The ID token carries a nonce other than the one sent to `/authorize`.
    WrongNonce,
    /// The ID token expired a while ago.
    Expired,
    /// Signed with a key that is not in the JWKS, under the published key id.
    OtherKey,
    /// Issued for another client.
    WrongAudience,
    /// Issued by someone else.
    WrongIssuer,
    /// `/authorize` answers `error=access_denied` (the person clicked "Cancel").
    DenyAccess,
    /// The discovery document answers 503.
    DiscoveryDown,
    /// The person unticks the calendar box on the consent screen: it is not granted (nor kept
    /// from an earlier consent).
    DropCalendarScope,
}

/// What `/authorize` received, for assertions.
#[derive(Clone, Debug)]
pub struct AuthorizeRequest {
    pub params: HashMap<String, String>,
}

/// A code handed out and not yet redeemed.
struct Grant {
    client_id: String,
    redirect_uri: String,
    code_challenge: String,
    nonce: String,
    /// The scopes asked for, space-separated.
    scope: String,
    /// `access_type=offline`: a refresh token comes with the tokens, when Google showed its
    /// consent screen (the first consent to these scopes, or `prompt=consent`).
    offline: bool,
    prompt_consent: bool,
    /// `include_granted_scopes=true`: the tokens also cover what the person granted before.
    include_granted: bool,
}

struct Inner {
    issuer: String,
    person: Person,
    misbehave: Misbehave,
    /// After `rotate_keys`: tokens are signed with the second key, and the JWKS publishes both.
    rotated: bool,
    grants: HashMap<String, Grant>,
    authorize_requests: Vec<AuthorizeRequest>,
    discovery_requests: usize,
    jwks_requests: usize,
    /// Refusals of the token endpoint, with their reason, for assertions.
    token_refusals: Vec<String>,
    /// Refresh tokens handed out (for offline access), oldest first.
    refresh_tokens: Vec<String>,
    /// What each Google account (by `sub`) has consented to this client so far.
    consented: HashMap<String, HashSet<String>>,
    /// Whose consent each refresh token carries (`sub`), for revocation.
    refresh_owners: HashMap<String, String>,
    /// Tokens given back through `/revoke`, oldest first.
    revoked: Vec<String>,
}

type Shared = Arc<Mutex<Inner>>;

/// A running fake provider; stops when dropped.
pub struct FakeGoogle {
    /// Its issuer and base URL (`http://127.0.0.1:PORT`).
    pub url: String,
    inner: Shared,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for FakeGoogle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl FakeGoogle {
    /// Starts the provider with a default person (ana@acme.test).
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let inner = Arc::new(Mutex::new(Inner {
            issuer: url.clone(),
            person: Person::new("100000000000000000001", "ana@acme.test", "Ana Test"),
            misbehave: Misbehave::Nothing,
            rotated: false,
            grants: HashMap::new(),
            authorize_requests: Vec::new(),
            discovery_requests: 0,
            jwks_requests: 0,
            token_refusals: Vec::new(),
            refresh_tokens: Vec::new(),
            consented: HashMap::new(),
            refresh_owners: HashMap::new(),
            revoked: Vec::new(),
        }));
        let router = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/oauth2/v3/certs", get(jwks))
            .route("/o/oauth2/v2/auth", get(authorize))
            .route("/token", post(token))
            .route("/revoke", post(revoke))
            .with_state(inner.clone());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await
        });
        Self { url, inner, shutdown: Some(tx) }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap()
    }

    /// Who the next ID token is about.
    pub fn sign_in_as(&self, person: Person) {
        self.lock().person = person;
    }

    pub fn misbehave(&self, how: Misbehave) {
        self.lock().misbehave = how;
    }

    /// Google rotates its keys: new tokens are signed with a key id the app has not seen yet.
    pub fn rotate_keys(&self) {
        self.lock().rotated = true;
    }

    /// The requests `/authorize` received, oldest first.
    pub fn authorize_requests(&self) -> Vec<AuthorizeRequest> {
        self.lock().authorize_requests.clone()
    }

    pub fn discovery_requests(&self) -> usize {
        self.lock().discovery_requests
    }

    pub fn jwks_requests(&self) -> usize {
        self.lock().jwks_requests
    }

    /// Why the token endpoint refused requests, oldest first.
    pub fn refresh_tokens(&self) -> Vec<String> {
        self.lock().refresh_tokens.clone()
    }

    /// Refresh tokens Sala gave back, oldest first.
    pub fn revoked(&self) -> Vec<String> {
        self.lock().revoked.clone()
    }

    pub fn token_refusals(&self) -> Vec<String> {
        self.lock().token_refusals.clone()
    }
}

pub(crate) fn signing_key(pem: &str, kid: &str) -> CoreRsaPrivateSigningKey {
    CoreRsaPrivateSigningKey::from_pem(pem, Some(JsonWebKeyId::new(kid.to_owned()))).unwrap()
}

/// Google's discovery document, pointing at this server.
async fn discovery(State(inner): State<Shared>) -> Response {
    let mut inner = inner.lock().unwrap();
    inner.discovery_requests += 1;
    if inner.misbehave == Misbehave::DiscoveryDown {
        return (StatusCode::SERVICE_UNAVAILABLE, "try later").into_response();
    }
    let base = &inner.issuer;
    Json(json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/o/oauth2/v2/auth"),
        "device_authorization_endpoint": format!("{base}/device/code"),
        "token_endpoint": format!("{base}/token"),
        "userinfo_endpoint": format!("{base}/v1/userinfo"),
        "revocation_endpoint": format!("{base}/revoke"),
        "jwks_uri": format!("{base}/oauth2/v3/certs"),
        "response_types_supported": ["code", "token", "id_token", "code token", "code id_token", "token id_token", "code token id_token", "none"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "claims_supported": ["aud", "email", "email_verified", "exp", "family_name", "given_name", "iat", "iss", "name", "picture", "sub"],
        "code_challenge_methods_supported": ["plain", "S256"],
        "grant_types_supported": ["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code", "urn:ietf:params:oauth:grant-type:jwt-bearer"]
    }))
    .into_response()
}

/// The public keys: the first key, plus the second once rotated.
async fn jwks(State(inner): State<Shared>) -> Response {
    let mut inner = inner.lock().unwrap();
    inner.jwks_requests += 1;
    let mut keys = vec![signing_key(KEY_PEM, KEY_ID).as_verification_key()];
    if inner.rotated {
        keys.push(signing_key(OTHER_KEY_PEM, ROTATED_KEY_ID).as_verification_key());
    }
    Json(JsonWebKeySet::new(keys)).into_response()
}

/// The "consent screen": records the request and sends the browser back with a code (or an error).
async fn authorize(State(inner): State<Shared>, Query(params): Query<HashMap<String, String>>) -> Response {
    let mut inner = inner.lock().unwrap();
    inner.authorize_requests.push(AuthorizeRequest { params: params.clone() });
    let param = |name: &str| params.get(name).cloned().unwrap_or_default();
    let mut back = url::Url::parse(&param("redirect_uri")).unwrap();
    if inner.misbehave == Misbehave::DenyAccess {
        back.query_pairs_mut().append_pair("error", "access_denied").append_pair("state", &param("state"));
        return Redirect::to(back.as_str()).into_response();
    }
    let code = format!("code-{}", uuid::Uuid::new_v4().simple());
    let grant = Grant {
        client_id: param("client_id"),
        redirect_uri: param("redirect_uri"),
        code_challenge: param("code_challenge"),
        nonce: param("nonce"),
        scope: param("scope"),
        offline: param("access_type") == "offline",
        prompt_consent: param("prompt") == "consent",
        include_granted: param("include_granted_scopes") == "true",
    };
    inner.grants.insert(code.clone(), grant);
    back.query_pairs_mut().append_pair("code", &code).append_pair("state", &param("state"));
    Redirect::to(back.as_str()).into_response()
}

/// The token endpoint: authorization_code grant only, confidential client, PKCE S256.
async fn token(State(inner): State<Shared>, headers: HeaderMap, Form(form): Form<HashMap<String, String>>) -> Response {
    let mut inner = inner.lock().unwrap();
    match redeem(&mut inner, &headers, &form) {
        Ok(body) => ([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response(),
        Err((status, error, reason)) => {
            inner.token_refusals.push(reason);
            (status, Json(json!({ "error": error }))).into_response()
        }
    }
}

type Refusal = (StatusCode, &'static str, String);

fn redeem(inner: &mut Inner, headers: &HeaderMap, form: &HashMap<String, String>) -> Result<Value, Refusal> {
    let field = |name: &str| form.get(name).cloned().unwrap_or_default();
    let refuse = |error: &'static str, reason: &str| (StatusCode::BAD_REQUEST, error, reason.to_owned());
    if field("grant_type") != "authorization_code" {
        return Err(refuse("unsupported_grant_type", "grant_type"));
    }
    let (client_id, client_secret) = client_credentials(headers, form).ok_or((
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        "no client credentials".to_owned(),
    ))?;
    if client_id != CLIENT_ID || client_secret != CLIENT_SECRET {
        return Err((StatusCode::UNAUTHORIZED, "invalid_client", "wrong client credentials".to_owned()));
    }
    // A code is good for one attempt, right or wrong.
    let grant = inner.grants.remove(&field("code")).ok_or_else(|| refuse("invalid_grant", "unknown or used code"))?;
    if grant.client_id != client_id || grant.redirect_uri != field("redirect_uri") {
        return Err(refuse("invalid_grant", "client or redirect_uri differ from /authorize"));
    }
    let verifier = PkceCodeVerifier::new(field("code_verifier"));
    if PkceCodeChallenge::from_code_verifier_sha256(&verifier).as_str() != grant.code_challenge {
        return Err(refuse("invalid_grant", "PKCE code_verifier does not match the S256 challenge"));
    }
    let access_token = format!("ya29.{}", uuid::Uuid::new_v4().simple());
    let id_token = id_token(inner, &grant, &access_token, &field("code"));
    // Google answers with the scopes granted, as its own URLs; with include_granted_scopes, those
    // granted before too.
    let mut scopes = vec![
        "openid",
        "https://www.googleapis.com/auth/userinfo.email",
        "https://www.googleapis.com/auth/userinfo.profile",
    ];
    let calendar = "https://www.googleapis.com/auth/calendar.events";
    let subject = inner.person.sub.clone();
    let before = inner.consented.get(&subject).cloned().unwrap_or_default();
    let asked_calendar = grant.scope.split(' ').any(|s| s == calendar);
    let calendar_granted = asked_calendar || (grant.include_granted && before.contains(calendar));
    if calendar_granted && inner.misbehave != Misbehave::DropCalendarScope {
        scopes.push(calendar);
    }
    // The consent screen shows when asked to, or for anything not consented to yet; only then
    // does an offline grant bring a refresh token (Google's "refresh token" notes).
    let shows_consent = grant.prompt_consent || scopes.iter().any(|s| !before.contains(*s));
    inner.consented.entry(subject.clone()).or_default().extend(scopes.iter().map(|s| (*s).to_owned()));
    let mut body = json!({
        "access_token": access_token,
        "expires_in": 3599,
        "scope": scopes.join(" "),
        "token_type": "Bearer",
        "id_token": id_token,
    });
    if grant.offline && shows_consent {
        let refresh = format!("1//fake-refresh-{}", uuid::Uuid::new_v4().simple());
        inner.refresh_tokens.push(refresh.clone());
        inner.refresh_owners.insert(refresh.clone(), subject);
        body["refresh_token"] = json!(refresh);
    }
    Ok(body)
}

/// Google's revocation endpoint: giving back a refresh token ends the person's whole consent
/// to this client (200); a token it does not know is 400 `invalid_token`.
async fn revoke(State(inner): State<Shared>, Form(form): Form<HashMap<String, String>>) -> Response {
    let mut inner = inner.lock().unwrap();
    let token = form.get("token").cloned().unwrap_or_default();
    let Some(subject) = inner.refresh_owners.remove(&token) else {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "invalid_token"}))).into_response();
    };
    inner.consented.remove(&subject);
    inner.revoked.push(token);
    StatusCode::OK.into_response()
}

/// The client's id and secret, from HTTP Basic auth (form-urlencoded parts, RFC 6749 2.3.1) or the form.
pub(crate) fn client_credentials(headers: &HeaderMap, form: &HashMap<String, String>) -> Option<(String, String)> {
    if let Some(basic) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()?.strip_prefix("Basic ")) {
        let decoded = String::from_utf8(STANDARD.decode(basic).ok()?).ok()?;
        let (id, secret) = decoded.split_once(':')?;
        return Some((form_decode(id), form_decode(secret)));
    }
    Some((form.get("client_id")?.clone(), form.get("client_secret")?.clone()))
}

fn form_decode(part: &str) -> String {
    url::form_urlencoded::parse(format!("v={part}").as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default()
}

/// The signed ID token for `grant`, spoiled as the test asked.
fn id_token(inner: &Inner, grant: &Grant, access_token: &str, code: &str) -> String {
    let now = jiff::Timestamp::now().as_second();
    let how = inner.misbehave;
    let person = &inner.person;
    let mut claims = json!({
        "iss": if how == Misbehave::WrongIssuer { "https://evil.test".to_owned() } else { inner.issuer.clone() },
        "azp": CLIENT_ID,
        "aud": if how == Misbehave::WrongAudience { "someone-else.apps.googleusercontent.com" } else { CLIENT_ID },
        "sub": person.sub,
        "email_verified": person.email_verified,
        "nonce": if how == Misbehave::WrongNonce { "not-the-nonce".to_owned() } else { grant.nonce.clone() },
        "iat": if how == Misbehave::Expired { now - 7200 } else { now },
        "exp": if how == Misbehave::Expired { now - 3600 } else { now + 3600 },
    });
    for (name, value) in [("email", &person.email), ("name", &person.name), ("hd", &person.hd)] {
        if let Some(value) = value {
            claims[name] = json!(value);
        }
    }
    let claims: IdTokenClaims<ExtraClaims, CoreGenderClaim> = serde_json::from_value(claims).unwrap();
    let key = match (how, inner.rotated) {
        (Misbehave::OtherKey, _) => signing_key(OTHER_KEY_PEM, KEY_ID),
        (_, true) => signing_key(OTHER_KEY_PEM, ROTATED_KEY_ID),
        _ => signing_key(KEY_PEM, KEY_ID),
    };
    let access_token = AccessToken::new(access_token.to_owned());
    let code = AuthorizationCode::new(code.to_owned());
    OidcIdToken::new(claims, &key, CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256, Some(&access_token), Some(&code))
        .unwrap()
        .to_string()
}
