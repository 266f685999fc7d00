//! What a provider publishes about itself: its discovery document and its signing keys.
//!
//! The document is fetched and read here rather than by openidconnect's `discover_async`, which
//! refuses any document whose `issuer` differs from the URL it came from: Microsoft's
//! multi-tenant documents name the `{tenantid}` template. [`IssuerCheck::for_discovery`] decides
//! what a differing issuer means.

use super::failure::{Failure, error_chain};
use super::http::OidcHttp;
use super::issuer::IssuerCheck;
use openidconnect::core::{CoreJsonWebKeySet, CoreProviderMetadata};
use openidconnect::http::{Method, StatusCode, header};
use openidconnect::{AsyncHttpClient, AuthUrl, HttpRequest, IssuerUrl, JsonWebKeySet, JsonWebKeySetUrl, TokenUrl};

/// What discovery told us about the provider, with its current signing keys.
#[derive(Clone)]
pub(super) struct Provider {
    pub(super) issuer: IssuerUrl,
    pub(super) issuer_check: IssuerCheck,
    pub(super) authorization: AuthUrl,
    pub(super) token: TokenUrl,
    pub(super) jwks_uri: JsonWebKeySetUrl,
    pub(super) keys: CoreJsonWebKeySet,
}

/// Reads `{issuer}/.well-known/openid-configuration` and the keys it points at. With
/// `templates`, the document may name Microsoft's `{tenantid}` issuer template.
pub(super) async fn discover(http: &OidcHttp, issuer: &str, templates: bool) -> Result<Provider, Failure> {
    let metadata = metadata(http, issuer).await?;
    let issuer_check = IssuerCheck::for_discovery(issuer, metadata.issuer().as_str(), templates)?;
    let token = metadata
        .token_endpoint()
        .cloned()
        .ok_or_else(|| Failure::Unreachable("the discovery document names no token endpoint".to_owned()))?;
    let keys = keys(http, metadata.jwks_uri()).await?;
    Ok(Provider {
        issuer: metadata.issuer().clone(),
        issuer_check,
        authorization: metadata.authorization_endpoint().clone(),
        token,
        jwks_uri: metadata.jwks_uri().clone(),
        keys,
    })
}

/// The provider's current key set (after a rotation, say).
pub(super) async fn keys(http: &OidcHttp, jwks_uri: &JsonWebKeySetUrl) -> Result<CoreJsonWebKeySet, Failure> {
    JsonWebKeySet::fetch_async(jwks_uri, http)
        .await
        .map_err(|err| Failure::Unreachable(format!("fetching the keys failed: {}", error_chain(&err))))
}

async fn metadata(http: &OidcHttp, issuer: &str) -> Result<CoreProviderMetadata, Failure> {
    let url = format!("{}/.well-known/openid-configuration", issuer.trim_end_matches('/'));
    let unreachable = |why: String| Failure::Unreachable(format!("discovery at {url} failed: {why}"));
    let request: HttpRequest = openidconnect::http::Request::builder()
        .method(Method::GET)
        .uri(url.as_str())
        .header(header::ACCEPT, "application/json")
        .body(Vec::new())
        .map_err(|err| unreachable(err.to_string()))?;
    let response = http.call(request).await.map_err(|err| unreachable(error_chain(&err)))?;
    if response.status() != StatusCode::OK {
        return Err(unreachable(format!("HTTP status {}", response.status())));
    }
    let mut body = serde_json::Deserializer::from_slice(response.body());
    serde_path_to_error::deserialize(&mut body)
        .map_err(|err| unreachable(format!("unreadable document at `{}`: {}", err.path(), err.inner())))
}
