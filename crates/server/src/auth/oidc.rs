//! Google sign-in with OpenID Connect: authorization code flow with PKCE (S256), `state` and
//! `nonce`, and an ID token verified against the issuer's published keys.
//!
//! `GET /auth/google?return_to=/path` stores the flow (state, nonce, PKCE verifier, where to land)
//! in the database under a random token, puts that token in the `sala_login` cookie (so the flow
//! belongs to this browser) and sends the browser to Google. `GET /auth/google/callback` takes
//! the flow back exactly once, checks `state`, exchanges the code with the PKCE verifier, verifies
//! the ID token (signature against the JWKS, issuer, audience, expiry, nonce), reads the Workspace
//! `hd` claim and lets [`sala_app::sign_in::sign_in_with_google`] decide who the person is.
//!
//! The discovery document and the keys are fetched on first use and kept; a failed fetch is not
//! kept, so the next sign-in tries again. When a token names a key we do not know (Google rotates
//! its keys), the key set is fetched again once before the token is refused.
//!
//! Every failure is a readable page, logged at `warn` without tokens:
//!
//! | what went wrong | status |
//! | --- | --- |
//! | Google sign-in not configured | 404 |
//! | no, unknown, expired or used `sala_login` flow; `state` mismatch; no `code` | 400 |
//! | the ID token fails verification (signature, issuer, audience, expiry, nonce) | 400 |
//! | the person declined (`error=access_denied`); sign-in refused (unknown domain, ...) | 403 |
//! | the Google account is linked to someone else | 409 |
//! | the provider cannot be reached, answers badly or reports another error | 502 |

use crate::auth::cookies;
use crate::config::Settings;
use crate::i18n;
use crate::pages::{error_page, safe_return_path, sign_in_response};
use crate::state::AppState;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey,
    CoreJsonWebKeySet, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreProviderMetadata,
    CoreRevocableToken, CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AsyncHttpClient, AuthUrl, AuthorizationCode, ClaimsVerificationError, Client, ClientId,
    ClientSecret, CsrfToken, EmptyExtraTokenFields, EndpointNotSet, EndpointSet, HttpRequest, HttpResponse, IdToken,
    IdTokenClaims, IdTokenFields, IdTokenVerifier, IssuerUrl, JsonWebKeySet, JsonWebKeySetUrl, Nonce,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope, SignatureVerificationError,
    StandardErrorResponse, StandardTokenResponse, TokenUrl,
};
use sala_app::AppError;
use sala_app::sign_in::GoogleIdentity;
use sala_domain::{Locale, LoginFlow, User, now_millis};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::RwLock;

/// How long a browser has to come back from Google.
const FLOW_LIFETIME: Duration = Duration::from_secs(600);
/// The largest answer accepted from the provider (discovery, keys, tokens).
const MAX_RESPONSE_BYTES: usize = 1024 * 1024;
/// Where Google sends the browser back, below the base URL.
const CALLBACK_PATH: &str = "/auth/google/callback";

/// Claims Google adds to the standard ones: `hd`, the Google Workspace domain of the account.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct GoogleClaims {
    /// The Workspace domain; absent for consumer (gmail.com) accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hd: Option<String>,
}

impl AdditionalClaims for GoogleClaims {}

/// An ID token as Google issues it.
pub type GoogleIdToken =
    IdToken<GoogleClaims, CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm>;
type GoogleIdTokenClaims = IdTokenClaims<GoogleClaims, CoreGenderClaim>;
type GoogleTokenResponse = StandardTokenResponse<
    IdTokenFields<
        GoogleClaims,
        EmptyExtraTokenFields,
        CoreGenderClaim,
        CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >,
    CoreTokenType,
>;
/// A client with its authorization and token endpoints set (and nothing else).
type GoogleClient = Client<
    GoogleClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    GoogleTokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
    EndpointNotSet,
>;

/// Google's OpenID Connect client, discovered lazily from the configured issuer.
pub struct GoogleSignIn {
    /// `None` when Google sign-in is not configured.
    registration: Option<Registration>,
    issuer: String,
    http: OidcHttp,
    provider: RwLock<Option<Arc<Provider>>>,
}

/// What Google knows us by.
struct Registration {
    client_id: ClientId,
    client_secret: ClientSecret,
    redirect_uri: RedirectUrl,
}

/// What discovery told us about the provider, with its current signing keys.
#[derive(Clone)]
struct Provider {
    issuer: IssuerUrl,
    authorization: AuthUrl,
    token: TokenUrl,
    jwks_uri: JsonWebKeySetUrl,
    keys: CoreJsonWebKeySet,
}

impl GoogleSignIn {
    /// A client for the issuer in `settings`, speaking over `http`. Nothing is fetched yet.
    pub fn new(settings: &Settings, http: reqwest::Client) -> Self {
        Self {
            registration: Registration::from_settings(settings),
            issuer: settings.google_issuer.clone(),
            http: OidcHttp(http),
            provider: RwLock::new(None),
        }
    }

    /// Is Google sign-in configured?
    pub fn enabled(&self) -> bool {
        self.registration.is_some()
    }

    /// The registration, or the failure that says sign-in is not configured.
    fn registration(&self) -> Result<&Registration, Failure> {
        self.registration.as_ref().ok_or(Failure::NotConfigured)
    }

    /// The provider's metadata and keys, discovered on first use.
    async fn provider(&self) -> Result<Arc<Provider>, Failure> {
        if let Some(provider) = self.provider.read().await.clone() {
            return Ok(provider);
        }
        let fresh = Arc::new(self.discover().await?);
        *self.provider.write().await = Some(fresh.clone());
        Ok(fresh)
    }

    async fn discover(&self) -> Result<Provider, Failure> {
        let issuer = IssuerUrl::new(self.issuer.clone())
            .map_err(|err| Failure::Unreachable(format!("SALA_GOOGLE_ISSUER is not a URL: {err}")))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|err| Failure::Unreachable(format!("discovery failed: {}", error_chain(&err))))?;
        let token = metadata
            .token_endpoint()
            .cloned()
            .ok_or_else(|| Failure::Unreachable("the discovery document names no token endpoint".to_owned()))?;
        Ok(Provider {
            issuer: metadata.issuer().clone(),
            authorization: metadata.authorization_endpoint().clone(),
            token,
            jwks_uri: metadata.jwks_uri().clone(),
            keys: metadata.jwks().clone(),
        })
    }

    /// Fetches the key set again (the provider rotated its keys) and keeps the result.
    async fn refresh_keys(&self, stale: &Provider) -> Result<Arc<Provider>, Failure> {
        let keys = JsonWebKeySet::fetch_async(&stale.jwks_uri, &self.http)
            .await
            .map_err(|err| Failure::Unreachable(format!("fetching the keys failed: {}", error_chain(&err))))?;
        let fresh = Arc::new(Provider { keys, ..stale.clone() });
        *self.provider.write().await = Some(fresh.clone());
        Ok(fresh)
    }

    fn client(registration: &Registration, provider: &Provider) -> GoogleClient {
        Client::new(registration.client_id.clone(), provider.issuer.clone(), provider.keys.clone())
            .set_client_secret(registration.client_secret.clone())
            .set_auth_uri(provider.authorization.clone())
            .set_token_uri(provider.token.clone())
            .set_redirect_uri(registration.redirect_uri.clone())
    }

    /// Where to send the browser, and the flow to remember until it comes back.
    async fn authorization(&self, return_to: &str) -> Result<(url::Url, LoginFlow), Failure> {
        let registration = self.registration()?;
        let provider = self.provider().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = Self::client(registration, &provider)
            .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
            .add_scope(Scope::new("email".to_owned()))
            .add_scope(Scope::new("profile".to_owned()))
            .set_pkce_challenge(challenge)
            .url();
        let flow = LoginFlow {
            csrf_state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            return_to: safe_return_path(return_to).to_owned(),
            expires_at: now_millis() + i64::try_from(FLOW_LIFETIME.as_millis()).unwrap_or(600_000),
        };
        Ok((url, flow))
    }

    /// Redeems `code` and returns who the verified ID token says the person is.
    async fn identify(&self, code: String, flow: &LoginFlow) -> Result<GoogleIdentity, Failure> {
        let registration = self.registration()?;
        let provider = self.provider().await?;
        let response = Self::client(registration, &provider)
            .exchange_code(AuthorizationCode::new(code))
            .set_pkce_verifier(PkceCodeVerifier::new(flow.pkce_verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(token_failure)?;
        let id_token = response
            .extra_fields()
            .id_token()
            .ok_or_else(|| Failure::Unreachable("the token response has no ID token".to_owned()))?;
        let nonce = Nonce::new(flow.nonce.clone());
        let claims = self.verified_claims(registration, provider, id_token, &nonce).await?;
        identity(&claims)
    }

    /// Verifies the ID token; on an unknown key, once more with freshly fetched keys.
    async fn verified_claims(
        &self,
        registration: &Registration,
        provider: Arc<Provider>,
        id_token: &GoogleIdToken,
        nonce: &Nonce,
    ) -> Result<GoogleIdTokenClaims, Failure> {
        let result = match verify(registration, &provider, id_token, nonce) {
            Err(ClaimsVerificationError::SignatureVerification(SignatureVerificationError::NoMatchingKey)) => {
                let provider = self.refresh_keys(&provider).await?;
                verify(registration, &provider, id_token, nonce)
            }
            other => other,
        };
        result.map_err(|err| Failure::InvalidToken(format!("ID token rejected: {err}")))
    }
}

impl Registration {
    /// Both client id and secret are needed; without them Google sign-in is off.
    fn from_settings(settings: &Settings) -> Option<Self> {
        if !settings.google_enabled() {
            return None;
        }
        let redirect = format!("{}{CALLBACK_PATH}", settings.base_url.trim_end_matches('/'));
        let redirect_uri = match RedirectUrl::new(redirect) {
            Ok(url) => url,
            Err(err) => {
                tracing::error!(%err, "Google sign-in is off: the base URL gives no valid redirect URI");
                return None;
            }
        };
        Some(Self {
            client_id: ClientId::new(settings.google_client_id.clone().unwrap_or_default()),
            client_secret: ClientSecret::new(
                settings.google_client_secret.as_ref().map(|s| s.expose().to_owned()).unwrap_or_default(),
            ),
            redirect_uri,
        })
    }
}

/// Signature (RS256 only) against the provider's keys, issuer, audience = our client id, expiry, nonce.
fn verify(
    registration: &Registration,
    provider: &Provider,
    id_token: &GoogleIdToken,
    nonce: &Nonce,
) -> Result<GoogleIdTokenClaims, ClaimsVerificationError> {
    let verifier = IdTokenVerifier::new_public_client(
        registration.client_id.clone(),
        provider.issuer.clone(),
        provider.keys.clone(),
    );
    id_token.claims(&verifier, nonce).cloned()
}

/// The person the verified claims describe. An email address is required.
fn identity(claims: &GoogleIdTokenClaims) -> Result<GoogleIdentity, Failure> {
    let email = claims.email().ok_or_else(|| Failure::Refused {
        code: "email_missing",
        message: "Google did not share an email address for this account.".to_owned(),
        domain: None,
    })?;
    Ok(GoogleIdentity {
        subject: claims.subject().as_str().to_owned(),
        email: email.as_str().to_owned(),
        email_verified: claims.email_verified().unwrap_or(false),
        name: claims.name().and_then(|name| name.get(None)).map(|name| name.as_str().to_owned()),
        hosted_domain: claims.additional_claims().hd.clone(),
    })
}

/// A failed code exchange, described for the log without the response body (it may hold tokens).
fn token_failure<E: std::error::Error>(
    err: RequestTokenError<E, StandardErrorResponse<CoreErrorResponseType>>,
) -> Failure {
    let detail = match &err {
        RequestTokenError::ServerResponse(response) => format!("the token endpoint refused the code: {response}"),
        RequestTokenError::Parse(parse, _body) => format!("unreadable token response at `{}`", parse.path()),
        other => format!("token request failed: {}", error_chain(other)),
    };
    Failure::Unreachable(detail)
}

/// An error and its causes on one line.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// `/auth/google` and `/auth/google/callback`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/auth/google", get(start)).route(CALLBACK_PATH, get(callback))
}

#[derive(Deserialize)]
struct StartParams {
    return_to: Option<String>,
}

/// Starts a sign-in: remembers the flow for this browser and sends it to Google.
async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<StartParams>, QueryRejection>,
) -> Response {
    let return_to = params.ok().and_then(|Query(p)| p.return_to).unwrap_or_else(|| "/".to_owned());
    match begin(&state, &return_to).await {
        Ok((url, token)) => {
            let cookie =
                cookies::set(cookies::LOGIN, &token, Some(FLOW_LIFETIME.as_secs()), state.settings.secure_cookies());
            with_cookie(Redirect::to(url.as_str()).into_response(), &cookie)
        }
        Err(failure) => failure.respond(locale(&headers)),
    }
}

/// The provider's URL for this sign-in and the token of the stored flow.
async fn begin(state: &AppState, return_to: &str) -> Result<(url::Url, String), Failure> {
    let (url, flow) = state.google.authorization(return_to).await?;
    let token = sala_app::sessions::begin_login(state.store(), &flow).await.map_err(Failure::from_app)?;
    Ok((url, token))
}

/// What the provider appends to the redirect URI.
#[derive(Deserialize)]
struct CallbackParams {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// Finishes a sign-in: on success a session and a redirect to where the person was going. The
/// `sala_login` cookie is cleared either way: a flow is used once.
async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<CallbackParams>, QueryRejection>,
) -> Response {
    let response = match finish(&state, &headers, params).await {
        Ok((user, return_to)) => sign_in_response(&state, &user, &return_to).await,
        Err(failure) => failure.respond(locale(&headers)),
    };
    with_cookie(response, &cookies::clear(cookies::LOGIN, state.settings.secure_cookies()))
}

/// The callback's checks in order; the flow is taken (and so used up) before anything else.
async fn finish(
    state: &AppState,
    headers: &HeaderMap,
    params: Result<Query<CallbackParams>, QueryRejection>,
) -> Result<(User, String), Failure> {
    state.google.registration()?;
    let flow = take_flow(state, headers).await?;
    let Query(params) = params.map_err(|_| Failure::BadCallback("unreadable query string"))?;
    if let Some(error) = params.error {
        return Err(Failure::Declined(error));
    }
    let returned_state = params.state.ok_or(Failure::BadCallback("no state"))?;
    if !sala_app::tokens::same_secret(&returned_state, &flow.csrf_state) {
        return Err(Failure::BadCallback("state does not match the flow"));
    }
    let code = params.code.ok_or(Failure::BadCallback("no code"))?;
    let identity = state.google.identify(code, &flow).await?;
    let user = sala_app::sign_in::sign_in_with_google(state.store(), &identity)
        .await
        .map_err(|err| Failure::from_sign_in(err, &identity))?;
    Ok((user, flow.return_to))
}

/// The flow this browser started, by its `sala_login` cookie. Each flow comes back once.
async fn take_flow(state: &AppState, headers: &HeaderMap) -> Result<LoginFlow, Failure> {
    let token = cookies::read(headers, cookies::LOGIN)
        .filter(|t| !t.is_empty())
        .ok_or(Failure::Expired("no sala_login cookie"))?;
    sala_app::sessions::finish_login(state.store(), &token).await.map_err(|err| match err {
        AppError::SignInRefused { .. } => Failure::Expired("unknown, expired or used flow"),
        other => Failure::from_app(other),
    })
}

/// Why a sign-in did not complete: the page the person sees and the line in the log.
#[derive(Debug)]
enum Failure {
    NotConfigured,
    /// The provider could not be reached or answered badly (detail for the log).
    Unreachable(String),
    /// The provider sent `error=...` back instead of a code.
    Declined(String),
    /// No flow for this browser: no cookie, expired, or already used.
    Expired(&'static str),
    /// A callback that does not belong to the flow (state) or lacks its code.
    BadCallback(&'static str),
    /// The ID token failed verification.
    InvalidToken(String),
    /// The app refused the person (unknown domain, unverified email, deactivated...).
    Refused {
        code: &'static str,
        message: String,
        domain: Option<String>,
    },
    /// The Google account is already linked to another person.
    Conflict(String),
    Internal(String),
}

impl Failure {
    fn from_app(err: AppError) -> Self {
        match err {
            AppError::SignInRefused { code, message } => Self::Refused { code, message, domain: None },
            AppError::Conflict { message, .. } => Self::Conflict(message),
            other => Self::Internal(error_chain(&other)),
        }
    }

    /// Like [`Failure::from_app`], remembering the domain an `unknown_domain` refusal is about.
    fn from_sign_in(err: AppError, identity: &GoogleIdentity) -> Self {
        match Self::from_app(err) {
            Self::Refused { code, message, .. } => Self::Refused { code, message, domain: Some(domain_of(identity)) },
            other => other,
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::NotConfigured => StatusCode::NOT_FOUND,
            Self::Unreachable(_) => StatusCode::BAD_GATEWAY,
            Self::Declined(error) if error == "access_denied" => StatusCode::FORBIDDEN,
            Self::Declined(_) => StatusCode::BAD_GATEWAY,
            Self::Expired(_) | Self::BadCallback(_) | Self::InvalidToken(_) => StatusCode::BAD_REQUEST,
            Self::Refused { .. } => StatusCode::FORBIDDEN,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Logs the failure and renders its page.
    fn respond(self, locale: Locale) -> Response {
        let status = self.status();
        let reason = self.reason();
        match &self {
            Self::Internal(_) => tracing::error!(status = status.as_u16(), %reason, "Google sign-in failed"),
            _ => tracing::warn!(status = status.as_u16(), %reason, "Google sign-in failed"),
        }
        let (title, message) = self.words(locale);
        error_page(i18n::texts(locale), status, title, &message)
    }

    /// What the log says (never a token).
    fn reason(&self) -> String {
        match self {
            Self::NotConfigured => "Google sign-in is not configured".to_owned(),
            Self::Unreachable(detail)
            | Self::InvalidToken(detail)
            | Self::Conflict(detail)
            | Self::Internal(detail) => detail.clone(),
            Self::Declined(error) => {
                format!("the provider answered error={:?}", error.chars().take(64).collect::<String>())
            }
            Self::Expired(detail) | Self::BadCallback(detail) => (*detail).to_owned(),
            Self::Refused { code, .. } => format!("sign-in refused: {code}"),
        }
    }

    /// The page's title and message in the visitor's language.
    fn words(&self, locale: Locale) -> (&'static str, String) {
        let es = locale == Locale::Es;
        let pick = |spanish: &'static str, english: &'static str| if es { spanish } else { english };
        match self {
            Self::NotConfigured => (
                pick("No disponible", "Not available"),
                i18n::texts(locale).google_not_configured.to_owned(),
            ),
            Self::Unreachable(_) => (
                pick("Google no responde", "Google did not answer"),
                pick(
                    "No pudimos completar el inicio de sesión con Google. Inténtalo de nuevo en unos minutos.",
                    "We could not complete the sign-in with Google. Please try again in a few minutes.",
                )
                .to_owned(),
            ),
            Self::Declined(error) if error != "access_denied" => Failure::Unreachable(String::new()).words(locale),
            Self::Declined(_) => (
                pick("Inicio de sesión cancelado", "Sign-in cancelled"),
                pick(
                    "Google no ha autorizado el inicio de sesión. Puedes volver a intentarlo.",
                    "Google did not authorize the sign-in. You can try again.",
                )
                .to_owned(),
            ),
            Self::Expired(_) | Self::BadCallback(_) | Self::InvalidToken(_) => (
                pick("Vuelve a iniciar sesión", "Please sign in again"),
                pick(
                    "Este inicio de sesión ha caducado, ya se usó o no se pudo verificar. Vuelve a la página de inicio e inténtalo otra vez.",
                    "This sign-in has expired, was already used or could not be verified. Go back to the start page and try again.",
                )
                .to_owned(),
            ),
            Self::Refused { code, message, domain } => {
                (pick("Acceso denegado", "Sign-in refused"), refusal_words(es, code, message, domain.as_deref()))
            }
            Self::Conflict(_) => (
                pick("Cuenta ya vinculada", "Account already linked"),
                pick(
                    "Esta cuenta de Google ya está vinculada a otra persona. Habla con tu administrador.",
                    "This Google account is already linked to someone else. Ask your administrator.",
                )
                .to_owned(),
            ),
            Self::Internal(_) => (pick("Error", "Error"), pick("Inténtalo de nuevo.", "Please try again.").to_owned()),
        }
    }
}

/// The message for a refused sign-in: the app's (English) words, or their Spanish version.
fn refusal_words(es: bool, code: &str, message: &str, domain: Option<&str>) -> String {
    if !es {
        return message.to_owned();
    }
    match code {
        "unknown_domain" => format!(
            "Ninguna organización usa Sala con el dominio {}. Pide a tu administrador que lo configure.",
            domain.unwrap_or("?")
        ),
        "email_not_verified" => "Google no ha verificado esta dirección de correo.".to_owned(),
        "email_missing" | "invalid_email" => "Google no ha compartido una dirección de correo válida.".to_owned(),
        "account_deactivated" => "Tu cuenta está desactivada. Habla con tu administrador.".to_owned(),
        _ => message.to_owned(),
    }
}

/// The domain that picks the tenant, as `sign_in_with_google` sees it: `hd`, else the email's.
fn domain_of(identity: &GoogleIdentity) -> String {
    let email_domain = identity.email.rsplit_once('@').map_or("", |(_, d)| d);
    identity.hosted_domain.as_deref().unwrap_or(email_domain).to_ascii_lowercase()
}

fn locale(headers: &HeaderMap) -> Locale {
    i18n::from_accept_language(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()))
}

fn with_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// openidconnect's HTTP hook over our one reqwest client (no second HTTP stack), which follows
/// no redirects. Answers larger than [`MAX_RESPONSE_BYTES`] are refused.
#[derive(Clone)]
struct OidcHttp(reqwest::Client);

/// A failed request to the provider.
#[derive(Debug, thiserror::Error)]
enum HttpError {
    #[error(transparent)]
    Request(#[from] reqwest::Error),
    #[error("the response is larger than {MAX_RESPONSE_BYTES} bytes")]
    TooLarge,
}

impl<'c> AsyncHttpClient<'c> for OidcHttp {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let mut response = self.0.execute(request.try_into()?).await?;
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await? {
                if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                    return Err(HttpError::TooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            let mut answer = HttpResponse::new(body);
            *answer.status_mut() = response.status();
            *answer.headers_mut() = response.headers().clone();
            Ok(answer)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(email: &str, hd: Option<&str>) -> GoogleIdentity {
        GoogleIdentity {
            subject: "1".into(),
            email: email.into(),
            email_verified: true,
            name: None,
            hosted_domain: hd.map(str::to_owned),
        }
    }

    #[test]
    fn the_hosted_domain_wins_over_the_email_domain() {
        assert_eq!(domain_of(&identity("ana@Acme.Test", None)), "acme.test");
        assert_eq!(domain_of(&identity("ana@acme.test", Some("Corp.Test"))), "corp.test");
    }

    #[test]
    fn failures_map_to_fitting_statuses() {
        assert_eq!(Failure::Declined("access_denied".into()).status(), StatusCode::FORBIDDEN);
        assert_eq!(Failure::Declined("server_error".into()).status(), StatusCode::BAD_GATEWAY);
        assert_eq!(Failure::Expired("x").status(), StatusCode::BAD_REQUEST);
        assert_eq!(Failure::Unreachable("x".into()).status(), StatusCode::BAD_GATEWAY);
    }

    #[test]
    fn spanish_refusals_name_the_domain() {
        let text = refusal_words(true, "unknown_domain", "No organization ...", Some("foo.test"));
        assert!(text.contains("foo.test"));
        assert_eq!(refusal_words(false, "unknown_domain", "No organization", None), "No organization");
    }
}
