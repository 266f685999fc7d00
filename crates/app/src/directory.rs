//! Reading the organization's Google Workspace directory, so colleagues can be invited before
//! they ever sign in: the tenant's service account, acting as the admin who asks (the Directory
//! API answers only Workspace admins), lists every user page by page. Suspended accounts are left
//! out; each person comes back as an import row (name, email, mobile) for the same preview and
//! confirm as a CSV file.

use crate::calendar::service_account_owner;
use crate::people_import::{ImportRow, MAX_ROWS};
use crate::secrets::SecretBox;
use crate::{AppError, AppResult, Context, Store};
use sala_channels::calendar::ProviderError;
use sala_channels::google::ServiceAccountKey;
use sala_channels::google_directory::{DirectoryUser, GoogleDirectory};
use sala_domain::ErrorCode;

/// Pages enough for [`MAX_ROWS`] people at 500 a page, and a few suspended ones; a directory
/// that keeps answering `nextPageToken` past that is not read to the end.
const MAX_PAGES: usize = MAX_ROWS / 500 + 2;

/// The directory's people (suspended ones left out), as import rows.
pub async fn read_directory(
    store: &dyn Store,
    ctx: &Context,
    google: &dyn GoogleDirectory,
    secrets: &SecretBox,
) -> AppResult<Vec<ImportRow>> {
    ctx.require_admin()?;
    let subject = ctx.user().ok_or_else(|| AppError::forbidden("a person reads the directory, as themselves"))?;
    let key = service_account(store, ctx, secrets).await?;
    let token = google.directory_token(&key, subject.email.as_str()).await.map_err(refusal)?.access_token;
    let mut people = Vec::new();
    let mut page_token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page = google.list_users(&token, page_token.as_deref()).await.map_err(refusal)?;
        people.extend(page.users.into_iter().filter(|u| !u.suspended).map(row));
        page_token = page.next_page_token;
        if page_token.is_none() {
            break;
        }
    }
    Ok(people)
}

/// The tenant's service account key, opened.
async fn service_account(store: &dyn Store, ctx: &Context, secrets: &SecretBox) -> AppResult<ServiceAccountKey> {
    let tenant = store.get_tenant(ctx.tenant_id()).await?.ok_or(AppError::NotFound { what: "tenant" })?;
    let missing = || AppError::Conflict {
        code: ErrorCode::ServiceAccountMissing,
        message: "this organization has no Google service account".into(),
    };
    let account = tenant.google_service_account.ok_or_else(missing)?;
    let unusable = |why: String| AppError::Conflict { code: ErrorCode::InvalidServiceAccount, message: why };
    let json = secrets
        .open(&service_account_owner(tenant.id), &account.key_sealed)
        .map_err(|e| unusable(format!("the service account key does not open: {e}")))?;
    ServiceAccountKey::parse(&json).map_err(unusable)
}

fn row(user: DirectoryUser) -> ImportRow {
    ImportRow { email: user.primary_email, name: user.full_name, phone: user.mobile, ..ImportRow::default() }
}

/// Google's refusal as the admin's to fix (delegation, admin role), or as a moment to wait.
fn refusal(e: ProviderError) -> AppError {
    match e {
        ProviderError::Retryable { reason, .. } => AppError::Conflict {
            code: ErrorCode::GoogleUnavailable,
            message: format!("Google did not answer: {reason}"),
        },
        other => AppError::Conflict {
            code: ErrorCode::DirectoryNotGranted,
            message: format!("Google refused to list the directory: {other}"),
        },
    }
}
