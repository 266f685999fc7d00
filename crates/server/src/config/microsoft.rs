//! Microsoft: sign-in with Microsoft Entra ID (OpenID Connect) and Microsoft Graph, which the
//! calendar provider reaches with the same app registration's client credentials.

use super::Settings;

/// Work and school accounts of any directory; a single-tenant deployment names its own tenant.
pub const MICROSOFT_ISSUER: &str = "https://login.microsoftonline.com/organizations/v2.0";
/// Where tokens are issued: `{login_base}/{tenant}/oauth2/v2.0/token`, `{login_base}/{tenant}/adminconsent`.
pub const MICROSOFT_LOGIN_BASE: &str = "https://login.microsoftonline.com";
/// Microsoft Graph with its version.
pub const MICROSOFT_GRAPH_BASE: &str = "https://graph.microsoft.com/v1.0";

/// Where Microsoft Graph posts change notifications, below the base URL.
pub const MICROSOFT_HOOK_PATH: &str = "/hooks/calendar/microsoft";

impl Settings {
    /// Microsoft Graph for Microsoft 365 organizations' calendars, with this installation's app
    /// registration; `None` when Microsoft is not configured.
    pub fn microsoft_graph(&self) -> Option<sala_channels::microsoft::MicrosoftConfig> {
        let secret = self.microsoft_client_secret.as_ref().filter(|_| self.microsoft_enabled())?;
        Some(sala_channels::microsoft::MicrosoftConfig {
            graph_base: self.microsoft_graph_base.trim_end_matches('/').to_owned(),
            login_base: self.microsoft_login_base().to_owned(),
            ..sala_channels::microsoft::MicrosoftConfig::new(
                self.microsoft_client_id.clone().unwrap_or_default(),
                secret.expose(),
            )
        })
    }

    /// Microsoft sign-in is offered only when both client id and secret are set.
    pub fn microsoft_enabled(&self) -> bool {
        self.microsoft_client_id.as_deref().is_some_and(|id| !id.is_empty())
            && self.microsoft_client_secret.as_ref().is_some_and(|s| !s.expose().is_empty())
    }

    /// The login base without a trailing slash.
    pub fn microsoft_login_base(&self) -> &str {
        self.microsoft_login_base.trim_end_matches('/')
    }

    /// Where an organization's administrator grants Sala its application permissions in the
    /// Entra tenant `tid`, coming back to the settings page; `None` when Microsoft is not configured.
    pub fn microsoft_admin_consent_url(&self, tid: &str) -> Option<String> {
        if !self.microsoft_enabled() {
            return None;
        }
        let mut url = url::Url::parse(&format!("{}/{tid}/adminconsent", self.microsoft_login_base())).ok()?;
        url.query_pairs_mut()
            .append_pair("client_id", self.microsoft_client_id.as_deref().unwrap_or_default())
            .append_pair("redirect_uri", &format!("{}/admin/settings", self.base_url));
        Some(url.into())
    }
}

#[cfg(test)]
mod tests {
    use super::super::Secret;
    use super::*;

    fn settings(id: Option<&str>, secret: Option<&str>) -> Settings {
        let mut s = Settings::load(None).and_then(Settings::finish).unwrap_or_else(|e| panic!("{e}"));
        s.base_url = "https://sala.test".to_owned();
        s.microsoft_client_id = id.map(str::to_owned);
        s.microsoft_client_secret = secret.map(Secret::new);
        s
    }

    #[test]
    fn microsoft_needs_both_the_id_and_the_secret() {
        assert!(!settings(None, Some("s")).microsoft_enabled());
        assert!(!settings(Some("id"), None).microsoft_enabled());
        assert!(!settings(Some(""), Some("s")).microsoft_enabled());
        assert!(settings(Some("id"), Some("s")).microsoft_enabled());
    }

    #[test]
    fn the_admin_consent_link_names_the_tenant_the_client_and_the_way_back() {
        let tid = "72f988bf-86f1-41af-91ab-2d7cd011db47";
        assert_eq!(settings(None, None).microsoft_admin_consent_url(tid), None);
        let url = settings(Some("app-1"), Some("s")).microsoft_admin_consent_url(tid).unwrap_or_default();
        assert_eq!(
            url,
            "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/adminconsent\
             ?client_id=app-1&redirect_uri=https%3A%2F%2Fsala.test%2Fadmin%2Fsettings"
        );
    }
}
