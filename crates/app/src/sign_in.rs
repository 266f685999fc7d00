//! Who a Google sign-in is: a returning person (by Google subject), a known person signing in with
//! Google for the first time (by email), or a new person of the tenant that owns the domain.

use crate::context::snapshot;
use crate::{AppError, AppResult, Context, Store};
use sala_domain::ErrorCode;
use sala_domain::values::clean_name;
use sala_domain::{Email, Role, TenantId, User, UserId, now_millis};

/// What a verified ID token says about the person.
#[derive(Clone, Debug)]
pub struct GoogleIdentity {
    pub subject: String,
    pub email: String,
    pub email_verified: bool,
    pub name: Option<String>,
    /// The Google Workspace domain (`hd` claim), absent for consumer accounts.
    pub hosted_domain: Option<String>,
}

pub async fn sign_in_with_google(store: &dyn Store, id: &GoogleIdentity) -> AppResult<User> {
    if let Some(user) = store.user_by_google_subject(&id.subject).await? {
        let workspace_only = store.get_tenant(user.tenant_id).await?.is_some_and(|t| t.workspace_only);
        if workspace_only && id.hosted_domain.is_none() {
            return Err(workspace_required());
        }
        return admit(store, user).await;
    }
    if !id.email_verified {
        return Err(refused(ErrorCode::EmailNotVerified, "Google has not verified this email address."));
    }
    let email = Email::parse(&id.email)
        .map_err(|_| refused(ErrorCode::InvalidEmail, "Google sent an unusable email address."))?;
    // A Workspace account names its domain in `hd`; otherwise the email's domain decides.
    let domain = id.hosted_domain.as_deref().unwrap_or(email.domain()).to_ascii_lowercase();
    let Some(tenant) = store.tenant_by_domain(&domain).await? else {
        return Err(refused(
            ErrorCode::UnknownDomain,
            &format!("No organization uses Sala with the domain {domain}. Ask your administrator to set it up."),
        ));
    };
    if tenant.workspace_only && id.hosted_domain.is_none() {
        return Err(workspace_required());
    }
    let ctx = Context::system(tenant.id);
    if let Some(before) = store.user_by_email(tenant.id, &email).await? {
        // Another Google account with the same verified address (a consumer account made with a
        // work address, say) never takes over a person already linked: only an admin unlinks.
        if before.google_subject.as_deref().is_some_and(|linked| linked != id.subject) {
            tracing::warn!(user = %before.id, "sign-in refused: the person is linked to another Google account");
            return Err(refused(
                ErrorCode::GoogleAccountMismatch,
                "This person signs in with another Google account; an administrator may unlink it.",
            ));
        }
        let after = User { google_subject: Some(id.subject.clone()), updated_at: now_millis(), ..before.clone() };
        let audit = ctx.audit("user.google_linked", "user", Some(after.id.0), snapshot(&before), snapshot(&after));
        store.update_user(&after, &audit).await?;
        return admit(store, after).await;
    }
    admit_newcomer(store, tenant.id, email, id.name.as_deref(), |user| user.google_subject = Some(id.subject.clone()))
        .await
}

/// A person signing in for the first time: a new member of `tenant`, named as their provider
/// names them (else by their address), tied to their account by `link`, created and let in.
pub(crate) async fn admit_newcomer(
    store: &dyn Store,
    tenant: TenantId,
    email: Email,
    name: Option<&str>,
    link: impl FnOnce(&mut User),
) -> AppResult<User> {
    let now = now_millis();
    let name = name
        .and_then(|n| clean_name("name", n, 120).ok())
        .unwrap_or_else(|| email.as_str().split('@').next().unwrap_or_default().to_owned());
    let mut user = User {
        id: UserId::new(),
        tenant_id: tenant,
        email,
        name,
        phone: None,
        whatsapp_opt_in: false,
        whatsapp_consent_at: None,
        role: Role::Member,
        locale: None,
        time_zone: None,
        google_subject: None,
        microsoft_oid: None,
        weekly_report: false,
        reminders: None,
        active: true,
        created_at: now,
        updated_at: now,
    };
    link(&mut user);
    let audit = Context::system(tenant).audit("user.created", "user", Some(user.id.0), None, snapshot(&user));
    store.insert_user(&user, &audit).await?;
    admit(store, user).await
}

/// Lets an active person in and records the sign-in.
pub async fn admit(store: &dyn Store, user: User) -> AppResult<User> {
    if !user.active {
        return Err(refused(
            ErrorCode::AccountDeactivated,
            "Your account has been deactivated. Ask your administrator.",
        ));
    }
    let ctx = Context::system(user.tenant_id);
    let mut entry = ctx.audit("user.signed_in", "user", Some(user.id.0), None, None);
    entry.actor = sala_domain::Actor::User(user.id);
    store.insert_audit(&entry).await?;
    Ok(user)
}

/// The organization lets in only its Google Workspace accounts, and this one has no `hd`.
fn workspace_required() -> AppError {
    refused(
        ErrorCode::WorkspaceAccountRequired,
        "This organization lets in only its Google Workspace accounts; sign in with your work account.",
    )
}

pub(crate) fn refused(code: ErrorCode, message: &str) -> AppError {
    AppError::SignInRefused { code, message: message.to_owned() }
}
