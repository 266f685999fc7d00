//! Google as an OpenID provider: sign-in, optionally with the person's Google Calendar in the
//! same consent, and the calendar connection of a signed-in person.

use super::client::{Ask, Claims, OidcClient, Profile};
use super::failure::Failure;
use crate::config::Settings;
use openidconnect::OAuth2TokenResponse;
use sala_app::google_connections::Grant;
use sala_app::sign_in::GoogleIdentity;
use sala_domain::google::CALENDAR_SCOPE;
use sala_domain::{ErrorCode, LoginFlow, User};

/// Where Google sends the browser back, below the base URL.
pub const CALLBACK_PATH: &str = "/auth/google/callback";
/// Where a signed-in person starts connecting their Google Calendar.
pub const CONNECT_PATH: &str = "/auth/google/calendar";

/// Google's OpenID Connect client, discovered lazily from the configured issuer.
pub struct GoogleSignIn {
    client: OidcClient,
    /// Sign-in asks for the calendar too (`SALA_GOOGLE_CALENDAR_AT_SIGN_IN`).
    calendar_at_sign_in: bool,
}

impl GoogleSignIn {
    /// A client for the issuer in `settings`, speaking over `http`. Nothing is fetched yet.
    pub fn new(settings: &Settings, http: reqwest::Client) -> Self {
        let profile = Profile {
            name: "Google",
            issuer: settings.google_issuer.clone(),
            scopes: &["email", "profile"],
            callback_path: CALLBACK_PATH,
            issuer_templates: false,
        };
        let credentials = settings.google_client_id.as_deref().zip(settings.google_client_secret.as_ref());
        Self {
            client: OidcClient::new(profile, credentials, &settings.base_url, http),
            calendar_at_sign_in: settings.google_calendar_at_sign_in,
        }
    }

    /// Is Google sign-in configured?
    pub fn enabled(&self) -> bool {
        self.client.enabled()
    }

    /// `Ok` when sign-in is configured; else the failure that says it is not.
    pub fn configured(&self) -> Result<(), Failure> {
        self.client.configured()
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
        let ask = match connect {
            Some(user) => Ask {
                scopes: vec![CALENDAR_SCOPE],
                params: vec![
                    ("access_type", "offline"),
                    ("include_granted_scopes", "true"),
                    ("prompt", "consent"),
                    ("login_hint", user.email.as_str()),
                ],
                connect_for: Some(user.id),
            },
            // The calendar in the same consent as sign-in, with a refresh token to keep; Google
            // asks again only for what the person has not granted yet.
            None if self.calendar_at_sign_in => Ask {
                scopes: vec![CALENDAR_SCOPE],
                params: vec![("access_type", "offline"), ("include_granted_scopes", "true")],
                connect_for: None,
            },
            None => Ask::default(),
        };
        self.client.authorization(return_to, ask).await
    }

    /// Redeems `code`: who the verified ID token says the person is, and the tokens granted.
    pub async fn exchange(&self, code: String, flow: &LoginFlow) -> Result<(GoogleIdentity, Grant), Failure> {
        let (claims, response) = self.client.exchange(code, flow).await?;
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
}

/// The person the verified claims describe. An email address is required.
fn identity(claims: &Claims) -> Result<GoogleIdentity, Failure> {
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

/// The domain that picks the tenant, as `sign_in_with_google` sees it: `hd`, else the email's.
pub fn domain_of(identity: &GoogleIdentity) -> String {
    let email_domain = identity.email.rsplit_once('@').map_or("", |(_, d)| d);
    identity.hosted_domain.as_deref().unwrap_or(email_domain).to_ascii_lowercase()
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
}
