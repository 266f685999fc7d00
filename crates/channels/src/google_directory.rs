//! The Admin SDK Directory API's `users.list`, as the people import reads a Google Workspace
//! directory: `GET {api_base}/admin/directory/v1/users?customer=my_customer&maxResults=500
//! &projection=basic&viewType=admin_view&pageToken=...`, page by page, with an access token of
//! the organization's service account acting as the admin who imports (domain-wide delegation of
//! [`DIRECTORY_SCOPE`]). Answers are classified like the Calendar API's ([`ProviderError`]); a scope
//! not delegated, or an importer who is not a Workspace admin, is `Final`.

use crate::calendar::{AccessToken, CalendarProvider, ProviderError};
use crate::google::{GoogleHttp, ServiceAccountKey};
use async_trait::async_trait;
use serde::Deserialize;

/// Read-only access to the directory's users: what the Workspace admin must delegate.
pub const DIRECTORY_SCOPE: &str = "https://www.googleapis.com/auth/admin.directory.user.readonly";

/// The most `users.list` gives per page.
const PAGE_SIZE: &str = "500";

/// A person of the directory, as far as Sala reads one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DirectoryUser {
    pub primary_email: String,
    pub full_name: String,
    /// The first phone of type `mobile`, as written in the directory.
    pub mobile: Option<String>,
    /// Suspended accounts cannot sign in; an import leaves them out.
    pub suspended: bool,
}

/// One page of `users.list`, and the token of the next when there is one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DirectoryPage {
    pub users: Vec<DirectoryUser>,
    pub next_page_token: Option<String>,
}

#[async_trait]
pub trait GoogleDirectory: Send + Sync {
    /// An access token for the directory, the service account acting as `subject`.
    async fn directory_token(&self, key: &ServiceAccountKey, subject: &str) -> Result<AccessToken, ProviderError>;
    /// One page of the customer's users; `page_token` from the previous page.
    async fn list_users(&self, token: &str, page_token: Option<&str>) -> Result<DirectoryPage, ProviderError>;
}

/// `users.list`'s body (the fields Sala reads).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UsersBody {
    #[serde(default)]
    users: Vec<UserBody>,
    next_page_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserBody {
    #[serde(default)]
    primary_email: String,
    #[serde(default)]
    name: NameBody,
    #[serde(default)]
    suspended: bool,
    #[serde(default)]
    phones: Vec<PhoneBody>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct NameBody {
    #[serde(default)]
    full_name: String,
}

#[derive(Deserialize)]
struct PhoneBody {
    #[serde(default)]
    value: String,
    #[serde(default, rename = "type")]
    kind: String,
}

impl From<UserBody> for DirectoryUser {
    fn from(u: UserBody) -> Self {
        let mobile = u.phones.into_iter().find(|p| p.kind == "mobile" && !p.value.trim().is_empty()).map(|p| p.value);
        Self { primary_email: u.primary_email, full_name: u.name.full_name, mobile, suspended: u.suspended }
    }
}

impl GoogleHttp {
    fn users_url(&self) -> Result<url::Url, ProviderError> {
        let mut url = url::Url::parse(self.config.api_base.trim_end_matches('/'))
            .map_err(|e| ProviderError::Final(format!("SALA_GOOGLE_API_BASE is not a URL: {e}")))?;
        url.path_segments_mut()
            .map_err(|()| ProviderError::Final("SALA_GOOGLE_API_BASE cannot take a path".into()))?
            .extend(["admin", "directory", "v1", "users"]);
        Ok(url)
    }
}

#[async_trait]
impl GoogleDirectory for GoogleHttp {
    async fn directory_token(&self, key: &ServiceAccountKey, subject: &str) -> Result<AccessToken, ProviderError> {
        self.delegated(key, subject, DIRECTORY_SCOPE).await
    }

    async fn list_users(&self, token: &str, page_token: Option<&str>) -> Result<DirectoryPage, ProviderError> {
        let mut query = vec![
            ("customer", "my_customer"),
            ("maxResults", PAGE_SIZE),
            ("projection", "basic"),
            // The administrator's view: the public one leaves out `suspended`, and suspended
            // accounts must not be imported.
            ("viewType", "admin_view"),
        ];
        if let Some(page) = page_token {
            query.push(("pageToken", page));
        }
        let request = self.http.get(self.users_url()?).query(&query).bearer_auth(token);
        let body = self.send(request).await?.unwrap_or_default();
        let page: UsersBody = serde_json::from_value(body).map_err(|e| ProviderError::Retryable {
            reason: format!("an unreadable user list: {e}"),
            retry_after: None,
        })?;
        Ok(DirectoryPage {
            users: page.users.into_iter().map(DirectoryUser::from).collect(),
            next_page_token: page.next_page_token.filter(|t| !t.is_empty()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_is_read_with_its_mobile() {
        let body = serde_json::json!({"users": [{"primaryEmail": "ana@acme.test", "name": {"fullName": "Ana Ruiz"},
            "phones": [{"value": "+34 910 000 000", "type": "work"}, {"value": "+34 612 345 678", "type": "mobile"}]},
            {"primaryEmail": "old@acme.test", "name": {"fullName": "Old"}, "suspended": true}]});
        let page: UsersBody = serde_json::from_value(body).unwrap();
        let users: Vec<DirectoryUser> = page.users.into_iter().map(DirectoryUser::from).collect();
        assert_eq!(users[0].mobile.as_deref(), Some("+34 612 345 678"));
        assert_eq!((users[1].suspended, users[1].mobile.clone()), (true, None));
        assert!(page.next_page_token.is_none());
    }
}
