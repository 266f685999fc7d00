//! A small Microsoft identity platform (Entra ID, v2.0 endpoints) for the Microsoft sign-in
//! tests, on 127.0.0.1:0, with the shapes Microsoft documents: per-authority discovery
//! (`/{tenant}/v2.0/.well-known/openid-configuration`; the multi-tenant `organizations` and
//! `common` documents name the issuer template `{base}/{tenantid}/v2.0`), keys, an authorization
//! endpoint the test "browser" follows, and a token endpoint checking the client, the code, the
//! redirect URI and PKCE. ID tokens carry `tid`, `oid`, `preferred_username`, `name` and,
//! optionally, an `email` Microsoft has not verified; `iss` is the signing-in account's own tenant.
//!
//! Keys and client authentication are shared with `fake_google`.

use crate::fake_google::{KEY_PEM, OTHER_KEY_PEM, client_credentials, signing_key};
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use openidconnect::core::{CoreGenderClaim, CoreJwsSigningAlgorithm};
use openidconnect::{IdTokenClaims, JsonWebKeySet, PkceCodeChallenge, PkceCodeVerifier, PrivateSigningKey};
use sala_server::oidc::{ExtraClaims, OidcIdToken};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// The app registration the fake knows; the app under test is configured with it.
pub const CLIENT_ID: &str = "6731de76-14a6-49ae-97bc-6eba6914391e";
pub const CLIENT_SECRET: &str = "entra-test-secret";
/// The directory Acme's accounts live in, and another one.
pub const ACME_TID: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";
pub const OTHER_TID: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

const KEY_ID: &str = "entra-key-1";

/// Who signs in: the claims of the next ID token.
#[derive(Clone, Debug)]
pub struct Account {
    pub tid: String,
    pub oid: String,
    pub preferred_username: String,
    pub name: String,
    /// Whatever the account's mail attribute holds; Microsoft does not verify it.
    pub email: Option<String>,
}

impl Account {
    /// A work account of directory `tid`.
    pub fn new(tid: &str, oid: &str, upn: &str, name: &str) -> Self {
        Self { tid: tid.into(), oid: oid.into(), preferred_username: upn.into(), name: name.into(), email: None }
    }
}

/// How the next ID token goes wrong.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Misbehave {
    #[default]
    Nothing,
    WrongNonce,
    Expired,
    /// Signed with a key that is not in the JWKS, under the published key id.
    OtherKey,
    /// `iss` names another tenant than the token's `tid`.
    IssuerOfAnotherTenant,
}

struct Grant {
    client_id: String,
    redirect_uri: String,
    code_challenge: String,
    nonce: String,
}

struct Inner {
    base: String,
    account: Account,
    misbehave: Misbehave,
    grants: HashMap<String, Grant>,
    authorize_requests: Vec<HashMap<String, String>>,
    token_refusals: Vec<String>,
}

type Shared = Arc<Mutex<Inner>>;

/// A running fake Entra; stops when dropped.
pub struct FakeEntra {
    /// Its login base (`http://127.0.0.1:PORT`), like `https://login.microsoftonline.com`.
    pub url: String,
    inner: Shared,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for FakeEntra {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl FakeEntra {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let inner = Arc::new(Mutex::new(Inner {
            base: url.clone(),
            account: Account::new(ACME_TID, "00000000-0000-0000-0000-00000000000a", "ana@acme.test", "Ana Test"),
            misbehave: Misbehave::Nothing,
            grants: HashMap::new(),
            authorize_requests: Vec::new(),
            token_refusals: Vec::new(),
        }));
        let router = Router::new()
            .route("/{tenant}/v2.0/.well-known/openid-configuration", get(discovery))
            .route("/{tenant}/discovery/v2.0/keys", get(jwks))
            .route("/{tenant}/oauth2/v2.0/authorize", get(authorize))
            .route("/{tenant}/oauth2/v2.0/token", post(token))
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

    /// The multi-tenant authority for work and school accounts, Sala's default issuer.
    pub fn organizations(&self) -> String {
        format!("{}/organizations/v2.0", self.url)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap()
    }

    pub fn sign_in_as(&self, account: Account) {
        self.lock().account = account;
    }

    pub fn misbehave(&self, how: Misbehave) {
        self.lock().misbehave = how;
    }

    pub fn authorize_requests(&self) -> Vec<HashMap<String, String>> {
        self.lock().authorize_requests.clone()
    }

    pub fn token_refusals(&self) -> Vec<String> {
        self.lock().token_refusals.clone()
    }
}

/// Microsoft's v2.0 discovery document of authority `tenant`: the multi-tenant ones name the
/// `{tenantid}` template as issuer, a tenant's own document names the tenant.
async fn discovery(State(inner): State<Shared>, Path(tenant): Path<String>) -> Response {
    let base = inner.lock().unwrap().base.clone();
    let issuer = match tenant.as_str() {
        "organizations" | "common" => format!("{base}/{{tenantid}}/v2.0"),
        tid => format!("{base}/{tid}/v2.0"),
    };
    Json(json!({
        "token_endpoint": format!("{base}/{tenant}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{base}/{tenant}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": issuer,
        "request_uri_parameter_supported": false,
        "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
        "authorization_endpoint": format!("{base}/{tenant}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("{base}/{tenant}/oauth2/v2.0/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{base}/{tenant}/oauth2/v2.0/logout"),
        "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name",
            "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid",
            "ver", "at_hash", "c_hash", "email"],
        "kerberos_endpoint": format!("{base}/{tenant}/kerberos"),
        "tenant_region_scope": null,
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
        "rbac_url": "https://pas.windows.net"
    }))
    .into_response()
}

async fn jwks() -> Response {
    Json(JsonWebKeySet::new(vec![signing_key(KEY_PEM, KEY_ID).as_verification_key()])).into_response()
}

/// The sign-in and consent screens: record the request, send the browser back with a code.
async fn authorize(State(inner): State<Shared>, Query(params): Query<HashMap<String, String>>) -> Response {
    let mut inner = inner.lock().unwrap();
    inner.authorize_requests.push(params.clone());
    let param = |name: &str| params.get(name).cloned().unwrap_or_default();
    let code = format!("entra-code-{}", uuid::Uuid::new_v4().simple());
    let grant = Grant {
        client_id: param("client_id"),
        redirect_uri: param("redirect_uri"),
        code_challenge: param("code_challenge"),
        nonce: param("nonce"),
    };
    inner.grants.insert(code.clone(), grant);
    let mut back = url::Url::parse(&param("redirect_uri")).unwrap();
    back.query_pairs_mut().append_pair("code", &code).append_pair("state", &param("state"));
    Redirect::to(back.as_str()).into_response()
}

async fn token(State(inner): State<Shared>, headers: HeaderMap, Form(form): Form<HashMap<String, String>>) -> Response {
    let mut inner = inner.lock().unwrap();
    match redeem(&mut inner, &headers, &form) {
        Ok(body) => ([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response(),
        Err(reason) => {
            inner.token_refusals.push(reason);
            (StatusCode::BAD_REQUEST, Json(json!({ "error": "invalid_grant" }))).into_response()
        }
    }
}

fn redeem(inner: &mut Inner, headers: &HeaderMap, form: &HashMap<String, String>) -> Result<Value, String> {
    let field = |name: &str| form.get(name).cloned().unwrap_or_default();
    if field("grant_type") != "authorization_code" {
        return Err("grant_type".into());
    }
    let (client_id, secret) = client_credentials(headers, form).ok_or("no client credentials")?;
    if client_id != CLIENT_ID || secret != CLIENT_SECRET {
        return Err("wrong client credentials".into());
    }
    let grant = inner.grants.remove(&field("code")).ok_or("unknown or used code")?;
    if grant.client_id != client_id || grant.redirect_uri != field("redirect_uri") {
        return Err("client or redirect_uri differ from /authorize".into());
    }
    let verifier = PkceCodeVerifier::new(field("code_verifier"));
    if PkceCodeChallenge::from_code_verifier_sha256(&verifier).as_str() != grant.code_challenge {
        return Err("PKCE code_verifier does not match".into());
    }
    Ok(json!({
        "token_type": "Bearer",
        "scope": "openid profile email",
        "expires_in": 3599,
        "access_token": format!("eyJ0eXAi.fake.{}", uuid::Uuid::new_v4().simple()),
        "id_token": id_token(inner, &grant),
    }))
}

/// A v2.0 ID token for the current account, spoiled as the test asked.
fn id_token(inner: &Inner, grant: &Grant) -> String {
    let now = jiff::Timestamp::now().as_second();
    let how = inner.misbehave;
    let account = &inner.account;
    let issuing_tenant = if how == Misbehave::IssuerOfAnotherTenant {
        if account.tid == OTHER_TID { ACME_TID } else { OTHER_TID }
    } else {
        account.tid.as_str()
    };
    let mut claims = json!({
        "ver": "2.0",
        "iss": format!("{}/{issuing_tenant}/v2.0", inner.base),
        "sub": format!("pairwise-{}", account.oid),
        "aud": CLIENT_ID,
        "exp": if how == Misbehave::Expired { now - 3600 } else { now + 3600 },
        "iat": if how == Misbehave::Expired { now - 7200 } else { now },
        "nbf": if how == Misbehave::Expired { now - 7200 } else { now },
        "name": account.name,
        "preferred_username": account.preferred_username,
        "oid": account.oid,
        "tid": account.tid,
        "nonce": if how == Misbehave::WrongNonce { "not-the-nonce".to_owned() } else { grant.nonce.clone() },
    });
    if let Some(email) = &account.email {
        claims["email"] = json!(email);
    }
    let claims: IdTokenClaims<ExtraClaims, CoreGenderClaim> = serde_json::from_value(claims).unwrap();
    let key = match how {
        Misbehave::OtherKey => signing_key(OTHER_KEY_PEM, KEY_ID),
        _ => signing_key(KEY_PEM, KEY_ID),
    };
    OidcIdToken::new(claims, &key, CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256, None, None).unwrap().to_string()
}
