//! The OpenID Connect client every provider shares: the registration, the discovered provider
//! (cached, keys refetched once on an unknown key), the authorization URL with its flow, and the
//! code exchange with ID-token verification. What differs between providers is a [`Profile`].

use super::FLOW_LIFETIME;
use super::discovery::{self, Provider};
use super::failure::{Failure, error_chain};
use super::http::OidcHttp;
use crate::config::Secret;
use crate::web::safe_return_path;
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AuthorizationCode, ClaimsVerificationError, Client, ClientId, ClientSecret, CsrfToken,
    EmptyExtraTokenFields, EndpointNotSet, EndpointSet, IdToken, IdTokenClaims, IdTokenFields, IdTokenVerifier, Nonce,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope, SignatureVerificationError,
    StandardErrorResponse, StandardTokenResponse,
};
use sala_domain::{LoginFlow, UserId, now_millis};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tokio::sync::RwLock;

/// Claims providers add to the standard ones, each absent where a provider does not send it.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct ExtraClaims {
    /// Google: the Workspace domain; absent for consumer (gmail.com) accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hd: Option<String>,
    /// Microsoft: the Entra tenant (directory) the account belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tid: Option<String>,
    /// Microsoft: the account's object id, immutable and unique within its tenant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oid: Option<String>,
}

impl AdditionalClaims for ExtraClaims {}

/// An ID token as providers issue it.
pub type OidcIdToken =
    IdToken<ExtraClaims, CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm>;
/// The verified claims of an ID token.
pub(super) type Claims = IdTokenClaims<ExtraClaims, CoreGenderClaim>;
/// The token endpoint's answer.
pub(super) type TokenResponse = StandardTokenResponse<
    IdTokenFields<
        ExtraClaims,
        EmptyExtraTokenFields,
        CoreGenderClaim,
        CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >,
    CoreTokenType,
>;
/// A client with its authorization and token endpoints set (and nothing else).
type CoreClient = Client<
    ExtraClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    TokenResponse,
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

/// What tells one provider from another.
pub(super) struct Profile {
    /// For the log: "Google", "Microsoft".
    pub(super) name: &'static str,
    /// The configured issuer; discovery is below it.
    pub(super) issuer: String,
    /// Scopes beyond `openid` on every sign-in.
    pub(super) scopes: &'static [&'static str],
    /// Where the provider sends the browser back, below the base URL.
    pub(super) callback_path: &'static str,
    /// The discovery document may name Microsoft's `{tenantid}` issuer template.
    pub(super) issuer_templates: bool,
}

/// What the provider knows us by.
struct Registration {
    client_id: ClientId,
    client_secret: ClientSecret,
    redirect_uri: RedirectUrl,
}

/// What one authorization asks for beyond the profile's scopes.
#[derive(Default)]
pub(super) struct Ask<'a> {
    pub(super) scopes: Vec<&'a str>,
    pub(super) params: Vec<(&'a str, &'a str)>,
    /// A signed-in person connecting something (Google's calendar) rather than signing in.
    pub(super) connect_for: Option<UserId>,
}

/// One provider's client, discovered lazily from its issuer.
pub(super) struct OidcClient {
    profile: Profile,
    /// `None` when sign-in with this provider is not configured.
    registration: Option<Registration>,
    http: OidcHttp,
    provider: RwLock<Option<Arc<Provider>>>,
}

impl OidcClient {
    /// A client for `profile`, registered as `client_id`/`secret` (both needed, else off). Nothing
    /// is fetched yet.
    pub(super) fn new(
        profile: Profile,
        credentials: Option<(&str, &Secret)>,
        base_url: &str,
        http: reqwest::Client,
    ) -> Self {
        let registration = credentials.and_then(|(id, secret)| registration(&profile, id, secret, base_url));
        Self { profile, registration, http: OidcHttp(http), provider: RwLock::new(None) }
    }

    pub(super) fn enabled(&self) -> bool {
        self.registration.is_some()
    }

    fn registration(&self) -> Result<&Registration, Failure> {
        self.registration.as_ref().ok_or(Failure::NotConfigured)
    }

    /// `Ok` when sign-in is configured; else the failure that says it is not.
    pub(super) fn configured(&self) -> Result<(), Failure> {
        self.registration().map(|_| ())
    }

    /// The provider's metadata and keys, discovered on first use.
    async fn provider(&self) -> Result<Arc<Provider>, Failure> {
        if let Some(provider) = self.provider.read().await.clone() {
            return Ok(provider);
        }
        let discovered = discovery::discover(&self.http, &self.profile.issuer, self.profile.issuer_templates).await;
        let fresh = Arc::new(discovered.map_err(|failure| self.named(failure))?);
        *self.provider.write().await = Some(fresh.clone());
        Ok(fresh)
    }

    /// Fetches the key set again (the provider rotated its keys) and keeps the result.
    async fn refresh_keys(&self, stale: &Provider) -> Result<Arc<Provider>, Failure> {
        let keys = discovery::keys(&self.http, &stale.jwks_uri).await.map_err(|failure| self.named(failure))?;
        let fresh = Arc::new(Provider { keys, ..stale.clone() });
        *self.provider.write().await = Some(fresh.clone());
        Ok(fresh)
    }

    /// Names the provider in a failure's log detail.
    fn named(&self, failure: Failure) -> Failure {
        match failure {
            Failure::Unreachable(detail) => Failure::Unreachable(format!("{}: {detail}", self.profile.name)),
            other => other,
        }
    }

    fn client(registration: &Registration, provider: &Provider) -> CoreClient {
        Client::new(registration.client_id.clone(), provider.issuer.clone(), provider.keys.clone())
            .set_client_secret(registration.client_secret.clone())
            .set_auth_uri(provider.authorization.clone())
            .set_token_uri(provider.token.clone())
            .set_redirect_uri(registration.redirect_uri.clone())
    }

    /// Where to send the browser, and the flow to remember until it comes back.
    pub(super) async fn authorization(&self, return_to: &str, ask: Ask<'_>) -> Result<(url::Url, LoginFlow), Failure> {
        let registration = self.registration()?;
        let provider = self.provider().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let client = Self::client(registration, &provider);
        let mut request = client
            .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
            .set_pkce_challenge(challenge);
        for scope in self.profile.scopes.iter().chain(&ask.scopes) {
            request = request.add_scope(Scope::new((*scope).to_owned()));
        }
        for (name, value) in ask.params {
            request = request.add_extra_param(name, value);
        }
        let (url, state, nonce) = request.url();
        let flow = LoginFlow {
            csrf_state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            return_to: safe_return_path(return_to).to_owned(),
            expires_at: now_millis() + i64::try_from(FLOW_LIFETIME.as_millis()).unwrap_or(600_000),
            connect_for: ask.connect_for,
        };
        Ok((url, flow))
    }

    /// Redeems `code`: the verified ID token's claims, and the token response they came in.
    pub(super) async fn exchange(&self, code: String, flow: &LoginFlow) -> Result<(Claims, TokenResponse), Failure> {
        let registration = self.registration()?;
        let provider = self.provider().await?;
        let response = Self::client(registration, &provider)
            .exchange_code(AuthorizationCode::new(code))
            .set_pkce_verifier(PkceCodeVerifier::new(flow.pkce_verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|err| self.named(token_failure(err)))?;
        let id_token = response
            .extra_fields()
            .id_token()
            .ok_or_else(|| Failure::Unreachable("the token response has no ID token".to_owned()))?;
        let nonce = Nonce::new(flow.nonce.clone());
        let claims = self.verified_claims(registration, provider, id_token, &nonce).await?;
        Ok((claims, response))
    }

    /// Verifies the ID token; on an unknown key, once more with freshly fetched keys. Then the
    /// per-tenant issuer, where the provider publishes a template.
    async fn verified_claims(
        &self,
        registration: &Registration,
        provider: Arc<Provider>,
        id_token: &OidcIdToken,
        nonce: &Nonce,
    ) -> Result<Claims, Failure> {
        let (result, provider) = match verify(registration, &provider, id_token, nonce) {
            Err(ClaimsVerificationError::SignatureVerification(SignatureVerificationError::NoMatchingKey)) => {
                let provider = self.refresh_keys(&provider).await?;
                (verify(registration, &provider, id_token, nonce), provider)
            }
            other => (other, provider),
        };
        let claims = result.map_err(|err| Failure::InvalidToken(format!("ID token rejected: {err}")))?;
        provider.issuer_check.check(claims.issuer().as_str(), claims.additional_claims().tid.as_deref())?;
        Ok(claims)
    }
}

/// The registration for `profile`, when both id and secret are set and the base URL makes a
/// valid redirect URI.
fn registration(profile: &Profile, client_id: &str, secret: &Secret, base_url: &str) -> Option<Registration> {
    if client_id.is_empty() || secret.expose().is_empty() {
        return None;
    }
    let redirect = format!("{}{}", base_url.trim_end_matches('/'), profile.callback_path);
    let redirect_uri = match RedirectUrl::new(redirect) {
        Ok(url) => url,
        Err(err) => {
            tracing::error!(%err, provider = profile.name, "sign-in is off: the base URL gives no valid redirect URI");
            return None;
        }
    };
    Some(Registration {
        client_id: ClientId::new(client_id.to_owned()),
        client_secret: ClientSecret::new(secret.expose().to_owned()),
        redirect_uri,
    })
}

/// Signature (RS256 only) against the provider's keys, audience = our client id, expiry, nonce,
/// and the issuer unless it is checked per tenant afterwards.
fn verify(
    registration: &Registration,
    provider: &Provider,
    id_token: &OidcIdToken,
    nonce: &Nonce,
) -> Result<Claims, ClaimsVerificationError> {
    let verifier = IdTokenVerifier::new_public_client(
        registration.client_id.clone(),
        provider.issuer.clone(),
        provider.keys.clone(),
    )
    .require_issuer_match(provider.issuer_check.exact());
    id_token.claims(&verifier, nonce).cloned()
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
