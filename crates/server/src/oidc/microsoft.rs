//! Microsoft Entra ID as an OpenID provider: work and school accounts, identified by their
//! tenant (`tid`) and object id (`oid`).
//!
//! Microsoft's `email` claim is not verified by Microsoft and is never read; `preferred_username`
//! (for work accounts the UPN, in a domain the directory has verified) is what a first sign-in
//! is matched by, within the organization the `tid` names.

use super::client::{Ask, Claims, OidcClient, Profile};
use super::failure::Failure;
use super::issuer::is_guid;
use crate::config::Settings;
use sala_app::sign_in_microsoft::MicrosoftIdentity;
use sala_domain::{ErrorCode, LoginFlow};

/// Where Microsoft sends the browser back, below the base URL.
pub const MICROSOFT_CALLBACK_PATH: &str = "/auth/microsoft/callback";

/// Microsoft's OpenID Connect client, discovered lazily from the configured issuer.
pub struct MicrosoftSignIn {
    client: OidcClient,
}

impl MicrosoftSignIn {
    /// A client for `SALA_MICROSOFT_ISSUER`, speaking over `http`. Nothing is fetched yet.
    pub fn new(settings: &Settings, http: reqwest::Client) -> Self {
        let profile = Profile {
            name: "Microsoft",
            issuer: settings.microsoft_issuer.clone(),
            scopes: &["profile", "email"],
            callback_path: MICROSOFT_CALLBACK_PATH,
            issuer_templates: true,
        };
        let credentials = settings.microsoft_client_id.as_deref().zip(settings.microsoft_client_secret.as_ref());
        Self { client: OidcClient::new(profile, credentials, &settings.base_url, http) }
    }

    /// Is Microsoft sign-in configured?
    pub fn enabled(&self) -> bool {
        self.client.enabled()
    }

    /// `Ok` when sign-in is configured; else the failure that says it is not.
    pub fn configured(&self) -> Result<(), Failure> {
        self.client.configured()
    }

    /// Where to send the browser, and the flow to remember until it comes back.
    pub async fn authorization(&self, return_to: &str) -> Result<(url::Url, LoginFlow), Failure> {
        self.client.authorization(return_to, Ask::default()).await
    }

    /// Redeems `code`: who the verified ID token says the person is.
    pub async fn exchange(&self, code: String, flow: &LoginFlow) -> Result<MicrosoftIdentity, Failure> {
        let (claims, _tokens) = self.client.exchange(code, flow).await?;
        identity(&claims)
    }
}

/// The person the verified claims describe: `tid` and `oid` must be GUIDs (the per-tenant issuer
/// check has already held `tid` to the token's issuer); `preferred_username` is required.
fn identity(claims: &Claims) -> Result<MicrosoftIdentity, Failure> {
    let extra = claims.additional_claims();
    let guid = |value: &Option<String>, name: &str| {
        value
            .clone()
            .filter(|v| is_guid(v))
            .ok_or_else(|| Failure::InvalidToken(format!("ID token rejected: no {name} GUID")))
    };
    let tid = guid(&extra.tid, "tid")?;
    let oid = guid(&extra.oid, "oid")?;
    let username = claims.preferred_username().map(|u| u.as_str().to_owned()).ok_or_else(|| Failure::Refused {
        code: ErrorCode::EmailMissing,
        message: "Microsoft did not share the account's user name.".to_owned(),
        detail: None,
    })?;
    Ok(MicrosoftIdentity {
        tid,
        oid,
        username,
        name: claims.name().and_then(|name| name.get(None)).map(|name| name.as_str().to_owned()),
    })
}
