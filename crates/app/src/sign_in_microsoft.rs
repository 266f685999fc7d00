//! Who a Microsoft sign-in is. The organization is the one tied to the account's Entra tenant
//! (`tid`); within it, a returning person by their object id (`oid`), a known person signing in
//! with Microsoft for the first time by their user name (the UPN, in a domain the directory has
//! verified, which must be one of the organization's email domains), or a new member.
//!
//! Microsoft's `email` claim is not verified by Microsoft: it never reaches this module.

use crate::context::snapshot;
use crate::sign_in::{admit, admit_newcomer, refused};
use crate::{AppResult, Context, Store};
use sala_domain::{Email, ErrorCode, Tenant, User, now_millis};

/// What a verified Microsoft ID token says about the person.
#[derive(Clone, Debug)]
pub struct MicrosoftIdentity {
    /// The Entra tenant (directory) id, a lowercase GUID, checked against the token's issuer.
    pub tid: String,
    /// The object id, unique and immutable within the tenant.
    pub oid: String,
    /// `preferred_username`: for work accounts the UPN (`ana@acme.com`), which may change.
    pub username: String,
    pub name: Option<String>,
}

pub async fn sign_in_with_microsoft(store: &dyn Store, id: &MicrosoftIdentity) -> AppResult<User> {
    let Some(tenant) = store.tenant_by_entra(&id.tid).await? else {
        return Err(refused(
            ErrorCode::UnknownEntraTenant,
            "Your Microsoft organization does not use Sala yet; ask your administrator to link it in Admin > Settings.",
        ));
    };
    // The object id outlives renames: a returning person is let in whatever their UPN is now.
    if let Some(user) = store.user_by_microsoft_oid(tenant.id, &id.oid).await? {
        return admit(store, user).await;
    }
    let email = organization_address(&tenant, &id.username)?;
    if let Some(before) = store.user_by_email(tenant.id, &email).await? {
        return link(store, &tenant, before, id).await;
    }
    create(store, &tenant, email, id).await
}

/// The user name as an address in one of the organization's email domains: Entra has verified
/// the domain for this directory, and the organization has claimed it in Sala.
fn organization_address(tenant: &Tenant, username: &str) -> AppResult<Email> {
    let email = Email::parse(username)
        .map_err(|_| refused(ErrorCode::UnlistedDomain, "Your Microsoft user name is not an email address."))?;
    let domain = email.domain().to_ascii_lowercase();
    if !tenant.email_domains.iter().any(|d| d.as_str() == domain) {
        return Err(refused(
            ErrorCode::UnlistedDomain,
            &format!("{domain} is not one of your organization's email domains in Sala; ask your administrator."),
        ));
    }
    Ok(email)
}

/// Ties a known person to this Microsoft account, unless another one is theirs already.
async fn link(store: &dyn Store, tenant: &Tenant, before: User, id: &MicrosoftIdentity) -> AppResult<User> {
    // A new account with a recycled UPN never takes over a person already linked: only an
    // admin unlinks.
    if before.microsoft_oid.as_deref().is_some_and(|linked| linked != id.oid) {
        tracing::warn!(user = %before.id, "sign-in refused: the person is linked to another Microsoft account");
        return Err(refused(
            ErrorCode::MicrosoftAccountMismatch,
            "This person signs in with another Microsoft account; an administrator may unlink it.",
        ));
    }
    let after = User { microsoft_oid: Some(id.oid.clone()), updated_at: now_millis(), ..before.clone() };
    let ctx = Context::system(tenant.id);
    let audit = ctx.audit("user.microsoft_linked", "user", Some(after.id.0), snapshot(&before), snapshot(&after));
    store.update_user(&after, &audit).await?;
    admit(store, after).await
}

/// A new member of the organization, linked to this Microsoft account.
async fn create(store: &dyn Store, tenant: &Tenant, email: Email, id: &MicrosoftIdentity) -> AppResult<User> {
    admit_newcomer(store, tenant.id, email, id.name.as_deref(), |user| user.microsoft_oid = Some(id.oid.clone())).await
}
