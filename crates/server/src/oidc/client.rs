//! Talking to the provider: discovery and the signing keys (cached, refetched once on an unknown
//! key), the authorization URL with its flow, the code exchange and ID-token verification.

use super::failure::{Failure, error_chain};
use super::{CALLBACK_PATH, FLOW_LIFETIME, GoogleSignIn};
use crate::config::Settings;
use crate::web::safe_return_path;
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey,
    CoreJsonWebKeySet, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreProviderMetadata,
    CoreRevocableToken, CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AuthUrl, AuthorizationCode, ClaimsVerificationError, Client, ClientId, ClientSecret, CsrfToken,
    EmptyExtraTokenFields, EndpointNotSet, EndpointSet, IdToken, IdTokenClaims, IdTokenFields, IdTokenVerifier,
    IssuerUrl, JsonWebKeySet, JsonWebKeySetUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, RequestTokenError, Scope, SignatureVerificationError, StandardErrorResponse, StandardTokenResponse,
    TokenUrl,
};
use sala_app::google_connections::Grant;
use sala_app::sign_in::GoogleIdentity;
use sala_domain::ErrorCode;
use sala_domain::User;
use sala_domain::google::CALENDAR_SCOPE;
use sala_domain::{LoginFlow, now_millis};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

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

/// What Google knows us by.
pub(super) struct Registration {
    client_id: ClientId,
    client_secret: ClientSecret,
    redirect_uri: RedirectUrl,
}

/// What discovery told us about the provider, with its current signing keys.
#[derive(Clone)]
pub(super) struct Provider {
    issuer: IssuerUrl,
    authorization: AuthUrl,
    token: TokenUrl,
    jwks_uri: JsonWebKeySetUrl,
    keys: CoreJsonWebKeySet,
}

impl GoogleSignIn {
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

    /// Where to send the browser, and the flow to remember until it comes back. With `connect`,
    /// a signed-in person connects their Google Calendar: the calendar scope on top of sign-in
    /// (incremental authorization), offline access for a refresh token, and consent asked again
    /// so Google sends one every time.
    pub async fn authorization(
        &self,
        return_to: &str,
        connect: Option<&User>,
    ) -> Result<(url::Url, LoginFlow), Failure> {
        let registration = self.registration()?;
        let provider = self.provider().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let client = Self::client(registration, &provider);
        let mut request = client
            .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
            .add_scope(Scope::new("email".to_owned()))
            .add_scope(Scope::new("profile".to_owned()))
            .set_pkce_challenge(challenge);
        if let Some(user) = connect {
            request = request
                .add_scope(Scope::new(CALENDAR_SCOPE.to_owned()))
                .add_extra_param("access_type", "offline")
                .add_extra_param("include_granted_scopes", "true")
                .add_extra_param("prompt", "consent")
                .add_extra_param("login_hint", user.email.as_str());
        } else if self.calendar_at_sign_in {
            // The calendar in the same consent as sign-in, with a refresh token to keep; Google
            // asks again only for what the person has not granted yet.
            request = request
                .add_scope(Scope::new(CALENDAR_SCOPE.to_owned()))
                .add_extra_param("access_type", "offline")
                .add_extra_param("include_granted_scopes", "true");
        }
        let (url, state, nonce) = request.url();
        let flow = LoginFlow {
            csrf_state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            return_to: safe_return_path(return_to).to_owned(),
            expires_at: now_millis() + i64::try_from(FLOW_LIFETIME.as_millis()).unwrap_or(600_000),
            connect_for: connect.map(|u| u.id),
        };
        Ok((url, flow))
    }

    /// Redeems `code`: who the verified ID token says the person is, and the tokens granted.
    pub async fn exchange(&self, code: String, flow: &LoginFlow) -> Result<(GoogleIdentity, Grant), Failure> {
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
        let identity = identity(&claims)?;
        let grant = Grant {
            subject: identity.subject.clone(),
            refresh_token: response.refresh_token().map(|t| t.secret().clone()).unwrap_or_default(),
            access_token: response.access_token().secret().clone(),
            expires_in_secs: response.expires_in().map_or(3600, |d| d.as_secs()),
            scopes: response.scopes().into_iter().flatten().map(|s| s.to_string()).collect(),
        };
        Ok((identity, grant))
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
    pub(super) fn from_settings(settings: &Settings) -> Option<Self> {
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
        code: ErrorCode::EmailMissing,
        message: "Google did not share an email address for this account.".to_owned(),
        detail: None,
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
